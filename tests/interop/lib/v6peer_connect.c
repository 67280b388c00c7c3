/* SPDX-License-Identifier: MIT */
/* v6peer's client side: one bulk transfer (send), or N short connections one after
 * another (conns) that leave TIME-WAIT on whichever side closed first. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "v6peer.h"

/* Sticky: whether s has been writable, i.e. the handshake completed. A half-close must
 * wait for it: shutdown() in SYN-SENT abandons the connection (RFC 9293 3.10.4). */
static int established(int s, int *seen)
{
    synack_pollfd p = {.sock = s, .events = SYNACK_POLLOUT};
    if (!*seen && synack_sock_poll(st, &p, 1) == 1 && (p.revents & SYNACK_POLLOUT))
        *seen = 1;
    return *seen;
}

int send_file(const char *dst, uint16_t port, const char *in)
{
    FILE *f = fopen(in, "rb");
    struct synack_sockaddr_in6 to;
    if (!f || parse6(dst, port, &to) != 0)
        return 2;
    int s = synack_socket_domain(st, SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    int rc = synack_connect(st, s, (struct sockaddr *)&to, sizeof(to));
    if (rc != -EINPROGRESS) {
        printf("connect: %s\n", errname(-rc));
        fclose(f);
        return 1;
    }
    char buf[16384];
    size_t have = 0, off = 0;
    int eof = 0, shut = 0, est = 0;
    while (step()) {
        if (!eof && have == off) {
            have = fread(buf, 1, sizeof(buf), f);
            off = 0;
            eof = have == 0;
        }
        while (off < have) {
            ssize_t n = synack_send(st, s, buf + off, have - off, 0);
            if (n == -EAGAIN || n == -ENOTCONN)
                break;
            if (n < 0) {
                printf("send: %s\n", errname((int)-n));
                fclose(f);
                return 1;
            }
            off += (size_t)n;
        }
        if (eof && off == have && !shut && established(s, &est) &&
            synack_shutdown(st, s, SYNACK_SHUT_WR) == 0)
            shut = 1;
        char sink_buf[256];
        ssize_t n = synack_recv(st, s, sink_buf, sizeof(sink_buf), 0);
        if (n == 0 && shut) {
            int mss = 0;
            synack_socklen_t ml = sizeof(mss);
            synack_getsockopt(st, s, SYNACK_IPPROTO_TCP, SYNACK_TCP_MAXSEG, &mss, &ml);
            printf("mss %d\n", mss);
            synack_close(st, s);
            linger(200);
            printf("sent\n");
            fclose(f);
            return 0;
        }
        if (n < 0 && n != -EAGAIN && n != -ENOTCONN) {
            printf("connect: %s\n", errname((int)-n));
            fclose(f);
            return 1;
        }
    }
    fclose(f);
    printf("timed out\n");
    return 1;
}

/* One short connection in flight. close: send a line, half-close, read to the peer's end
 * of stream (we close first). wait: read to the peer's end of stream, expecting a line
 * "hello ...", then close (the peer closed first). */
typedef struct short_conn {
    int s; /* -1: idle */
    unsigned idx;
    int est, sent;
    size_t have;
    uint64_t until; /* gives up at this time (30 s on): -ETIMEDOUT */
    char got[64];
} short_conn;

static int open_conn(short_conn *c, const struct synack_sockaddr_in6 *to, unsigned idx)
{
    memset(c, 0, sizeof(*c));
    c->idx = idx;
    c->until = synack_loop_clock() + 30000000; /* losses in a row back off: 1 + 3 + 6 s ... */
    c->s = synack_socket_domain(st, SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    if (c->s < 0)
        return c->s;
    int rc = synack_connect(st, c->s, (const struct sockaddr *)to, sizeof(*to));
    return rc == -EINPROGRESS ? 0 : rc;
}

/* 0 while it goes on, 1 when it ended as it should, else -errno. */
static int advance(short_conn *c, int wait)
{
    char line[32];
    int len = snprintf(line, sizeof(line), "hello %u\n", c->idx);
    if (!wait && !c->sent && established(c->s, &c->est)) {
        ssize_t n = synack_send(st, c->s, line, (size_t)len, 0);
        if (n == len && synack_shutdown(st, c->s, SYNACK_SHUT_WR) == 0)
            c->sent = 1;
        else if (n >= 0 || (n != -EAGAIN && n != -ENOTCONN))
            return n < 0 ? (int)n : -EIO;
    }
    ssize_t n;
    while ((n = synack_recv(st, c->s, c->got + c->have, sizeof(c->got) - 1 - c->have, 0)) > 0)
        c->have += (size_t)n;
    if (c->have == sizeof(c->got) - 1)
        return -EMSGSIZE;
    if (n == 0) {
        c->got[c->have] = '\0';
        int greeted =
            c->have > 6 && strncmp(c->got, "hello ", 6) == 0 && c->got[c->have - 1] == '\n';
        return (wait && !greeted) || (!wait && !c->sent) ? -EBADMSG : 1;
    }
    if (n != -EAGAIN && n != -ENOTCONN)
        return (int)n;
    return synack_loop_clock() < c->until ? 0 : -ETIMEDOUT;
}

/* N connections, V6PEER_STREAMS (default 1) of them at a time, each stream one connection
 * after another. */
int conns(const char *dst, uint16_t port, unsigned count, const char *mode)
{
    struct synack_sockaddr_in6 to;
    int wait = strcmp(mode, "wait") == 0;
    if (parse6(dst, port, &to) != 0 || (!wait && strcmp(mode, "close") != 0))
        return 2;
    short_conn cs[16];
    int streams = getenv("V6PEER_STREAMS") ? atoi(getenv("V6PEER_STREAMS")) : 1;
    if (streams < 1 || streams > 16)
        return 2;
    for (int k = 0; k < streams; k++)
        cs[k].s = -1;
    unsigned started = 0, ok = 0, ended = 0;
    do {
        for (int k = 0; k < streams; k++) {
            short_conn *c = &cs[k];
            int rc = 0;
            if (c->s < 0) {
                if (started == count)
                    continue;
                rc = open_conn(c, &to, started++);
            }
            if (rc == 0)
                rc = advance(c, wait);
            if (rc == 0)
                continue;
            if (rc == 1)
                ok++;
            else
                printf("connection %u: %s\n", c->idx, errname(-rc));
            if (c->s >= 0)
                close_tally(c->s);
            c->s = -1;
            ended++;
            k--; /* the next one on this stream starts now, not after a wait */
        }
    } while (ended < count && step());
    for (int k = 0; k < streams; k++)
        if (cs[k].s >= 0)
            close_tally(cs[k].s);
    linger(200); /* the last ACKs go out */
    printf("%u connections to [%s]:%u: %u ok, %u failed\n", count, dst, port, ok, count - ok);
    report_table();
    return ok == count ? 0 : 1;
}
