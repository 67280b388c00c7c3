/* SPDX-License-Identifier: MIT */
/* v6peer's server: N connections on [::]:PORT, up to SLOTS of them at once, each served by
 * MODE until it ends; then the table's TIME-WAIT count (report_table).
 *   sink   everything received is appended to FILE; at each end of stream synack closes
 *          (the peer closed first): "received N from [ADDR]:PORT"
 *   echo   what arrives goes back; synack closes after the peer's end of stream
 *   http   one GET: "200 OK" with FILE as the body and "Connection: close", then synack
 *          half-closes first and closes at the peer's end of stream
 * Prints "listening" once it listens and "served N of M ok" at the end; exit 1 when a
 * connection failed or the time ran out. */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "v6peer.h"

#define SLOTS 32
#define BUF 16384

typedef struct slot {
    int sock; /* -1: free */
    struct synack_sockaddr_in6 peer;
    FILE *body;       /* http: the file being sent */
    int answered;     /* http: the request's end was seen */
    int shut;         /* our FIN is queued */
    size_t have, off; /* buf[off..have) waits to be sent */
    uint64_t rx;      /* bytes received */
    char buf[BUF];
} slot;

static slot slots[SLOTS];
static const char *mode_name, *file_name;
static FILE *sink_out;

static void finish(slot *c, int ok, unsigned *done, unsigned *failed)
{
    if (!ok || strcmp(mode_name, "sink") == 0) {
        char a[64];
        inet_ntop(AF_INET6, c->peer.sin6_addr.s6_bytes, a, sizeof(a));
        printf("%s %llu from [%s]:%u\n", ok ? "received" : "failed after",
               (unsigned long long)c->rx, a, ntohs(c->peer.sin6_port));
    }
    close_tally(c->sock);
    if (c->body)
        fclose(c->body);
    c->sock = -1;
    c->body = NULL;
    ++*(ok ? done : failed);
}

/* http: the request is complete once its header block ends (no body: GET only). */
static int request_seen(slot *c, const char *data, size_t n)
{
    /* Only the last 3 bytes of what came before matter for a "\r\n\r\n" across reads. */
    size_t keep = c->have < 3 ? c->have : 3;
    memmove(c->buf, c->buf + c->have - keep, keep);
    size_t take = n < BUF - keep - 1 ? n : BUF - keep - 1;
    memcpy(c->buf + keep, data, take);
    c->buf[keep + take] = '\0';
    c->have = keep + take;
    if (!strstr(c->buf, "\r\n\r\n"))
        return 0;
    struct stat sb;
    c->body = fopen(file_name, "rb");
    if (!c->body || fstat(fileno(c->body), &sb) != 0)
        return -1;
    c->have = (size_t)snprintf(c->buf, BUF,
                               "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                               "Content-Length: %lld\r\nConnection: close\r\n\r\n",
                               (long long)sb.st_size);
    c->off = 0;
    c->answered = 1;
    return 1;
}

/* Sends what is pending, refilling from the body; half-closes once all is queued.
 * Returns -errno on failure. */
static int pump(slot *c)
{
    for (;;) {
        if (c->off == c->have && c->body) {
            c->have = fread(c->buf, 1, BUF, c->body);
            c->off = 0;
            if (c->have == 0) {
                fclose(c->body);
                c->body = NULL;
            }
        }
        if (c->off == c->have)
            break;
        ssize_t n = synack_send(st, c->sock, c->buf + c->off, c->have - c->off, 0);
        if (n == -EAGAIN)
            return 0;
        if (n < 0)
            return (int)n;
        c->off += (size_t)n;
    }
    if (c->answered && !c->shut) {
        int rc = synack_shutdown(st, c->sock, SYNACK_SHUT_WR);
        if (rc < 0)
            return rc;
        c->shut = 1;
    }
    return 0;
}

/* One round of work on a connection: 1 when it ended well, -1 when it failed, else 0. */
static int serve_one(slot *c)
{
    int http = strcmp(mode_name, "http") == 0, echo = strcmp(mode_name, "echo") == 0;
    if ((http && c->answered) || (echo && c->off < c->have)) {
        if (pump(c) < 0)
            return -1;
        if (echo && c->off < c->have)
            return 0; /* read more only once the echo of the last read is out */
    }
    char data[BUF];
    ssize_t n;
    while ((n = synack_recv(st, c->sock, data, sizeof(data), 0)) > 0) {
        c->rx += (uint64_t)n;
        if (sink_out) {
            fwrite(data, 1, (size_t)n, sink_out);
        } else if (echo) {
            memcpy(c->buf, data, (size_t)n);
            c->have = (size_t)n;
            c->off = 0;
            if (pump(c) < 0)
                return -1;
            if (c->off < c->have)
                return 0;
        } else if (http && !c->answered) {
            int r = request_seen(c, data, (size_t)n);
            if (r < 0)
                return -1;
            if (r > 0 && pump(c) < 0)
                return -1;
        }
    }
    if (n == 0) /* the peer's end of stream; http: only after our whole answer */
        return http && (!c->answered || c->body || c->off < c->have) ? -1 : 1;
    return n == -EAGAIN ? 0 : -1;
}

int serve(uint16_t port, const char *mode, unsigned count, const char *file)
{
    mode_name = mode;
    file_name = file;
    if (strcmp(mode, "sink") == 0 && !(file && (sink_out = fopen(file, "wb"))))
        return 2;
    if (strcmp(mode, "http") == 0 && !file)
        return 2;
    int ls = synack_socket_domain(st, SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    struct synack_sockaddr_in6 any;
    parse6("::", port, &any);
    if (synack_bind(st, ls, (struct sockaddr *)&any, sizeof(any)) != 0 ||
        synack_listen(st, ls, 128) != 0)
        return 2;
    printf("listening\n");
    fflush(stdout);
    for (int i = 0; i < SLOTS; i++)
        slots[i].sock = -1;
    unsigned done = 0, failed = 0;
    while (done + failed < count && step()) {
        for (int i = 0; i < SLOTS; i++) {
            slot *c = &slots[i];
            if (c->sock < 0) {
                struct synack_sockaddr_in6 peer;
                synack_socklen_t plen = sizeof(peer);
                int s = synack_accept(st, ls, (struct sockaddr *)&peer, &plen);
                if (s < 0)
                    continue;
                memset(c, 0, offsetof(slot, buf));
                c->sock = s;
                c->peer = peer;
            }
            int r = serve_one(c);
            if (r != 0)
                finish(c, r > 0, &done, &failed);
        }
    }
    for (int i = 0; i < SLOTS; i++)
        if (slots[i].sock >= 0)
            finish(&slots[i], 0, &done, &failed);
    linger(200); /* our last FINs and ACKs go out */
    printf("served %u of %u ok\n", done, count);
    report_table();
    if (sink_out)
        fclose(sink_out);
    synack_close(st, ls);
    return done == count ? 0 : 1;
}
