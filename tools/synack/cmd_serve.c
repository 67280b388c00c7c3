/* SPDX-License-Identifier: MIT */
/* synack serve — a server on a TUN/TAP device: echo (RFC 862), discard (RFC 863),
 * chargen (RFC 864) or a small HTTP/1.1 server. One line per finished connection on
 * stdout (bytes each way, with --sha256 their SHA-256), a status line per second on stderr
 * when it is a terminal, the connection table on SIGUSR1, and a summary with the table and
 * the counters at the end (SIGINT, SIGTERM, or --count connections served). Every report
 * goes to stdout (with --json as one JSON object per line); stderr carries the start line,
 * the status line and errors. Exit status 1 when it ended with errors: the device failed,
 * the capture could not be written, or a connection ended with an error (reset, timed out,
 * the application's send or receive failed, no memory for it).
 *
 * Every socket is watched (synack_sock_watch) and each wake-up handles only the sockets
 * the stack reports ready (synack_loop_ready): the work per wake-up follows the sockets
 * that changed, not the number of connections open. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "host.h"
#include "serve.h"

typedef enum app_kind { APP_ECHO, APP_DISCARD, APP_CHARGEN, APP_HTTP } app_kind;

/* One accepted connection. */
typedef struct conn {
    int sock;                 /* socket id */
    char peer[64];            /* "A.B.C.D:port" or "[IPV6]:port" */
    uint64_t start_us;        /* when it was accepted */
    serve_io io;              /* byte counts and digests */
    int eof;                  /* the peer finished sending (recv returned 0) */
    uint8_t *pend;            /* echo: bytes received and not yet sent back */
    size_t pend_len;          /* bytes in pend */
    size_t pend_off;          /* bytes of pend already sent */
    http_conn *http;          /* the HTTP state (APP_HTTP) */
    struct conn *next, *prev; /* the list of open connections */
} conn;

#define ECHO_CHUNK 65536

static void usage(FILE *out)
{
    fprintf(out,
            "usage: synack serve --tap IF --addr A/LEN [--addr6 A/LEN] [--port N]\n"
            "                    [--app echo|discard|chargen|http]\n"
            "                    [--backlog N] [--count N] [options below]\n"
            "\n"
            "Serves one application on a TUN/TAP device. Prints a line per finished\n"
            "connection (bytes each way; SHA-256 with --sha256) on stdout, and at the end\n"
            "(SIGINT, SIGTERM or --count) a summary, the connection table and the counters.\n"
            "  --app A        echo (port 7), discard (9), chargen (19) or http (80; default):\n"
            "                 GET / is a page, GET /bytes/N returns N bytes\n"
            "  --port N       listening port (default: the application's)\n"
            "  --backlog N    listen backlog (default 128)\n"
            "  --count N      exit after N connections have finished\n"
            "Every report goes to stdout; with --json each is one JSON object on a line: one\n"
            "per finished connection ({\"conn\":..}), the SIGUSR1 table, and last the summary\n"
            "({\"summary\":\"serve\",..} with the table and the counters).\n"
            "Exit status 1 when it ended with errors: the device failed, the capture could not\n"
            "be written, or a connection ended with an error (reset, timeout, a failed send or\n"
            "receive, no memory for it); 0 otherwise, 2 for a usage error.\n");
    host_usage(out);
}

static const char *app_name(app_kind a)
{
    static const char *const names[] = {"echo", "discard", "chargen", "http"};
    return names[a];
}

static void conn_free(conn *c)
{
    free(c->pend);
    free(c->http);
    free(c);
}

/* Reports and closes a connection the application is done with. */
static void conn_finish(host *h, conn *c, int err)
{
    char rx[80] = "", tx[80] = "";
    if (c->io.digest) {
        memcpy(rx, " sha256 ", 8);
        memcpy(tx, " sha256 ", 8);
        sha256_final_hex(&c->io.rx_sha, rx + 8);
        sha256_final_hex(&c->io.tx_sha, tx + 8);
    }
    double secs = (double)(synack_loop_clock() - c->start_us) / 1e6;
    uint64_t most = c->io.rx > c->io.tx ? c->io.rx : c->io.tx;
    if (h->opt.json) {
        printf("{\"conn\":\"%s\",\"secs\":%.3f,\"rx_bytes\":%llu,\"tx_bytes\":%llu,"
               "\"mbit_s\":%.1f",
               c->peer, secs, (unsigned long long)c->io.rx, (unsigned long long)c->io.tx,
               secs > 0 ? (double)most * 8.0 / secs / 1e6 : 0.0);
        if (c->io.digest)
            printf(",\"rx_sha256\":\"%s\",\"tx_sha256\":\"%s\"", rx + 8, tx + 8);
        printf(",\"error\":");
        if (err)
            host_json_str(stdout, host_err_str(err));
        else
            printf("null");
        printf("}\n");
        synack_close(h->st, c->sock);
        return;
    }
    printf("conn %s closed after %.3f s: rx %llu bytes%s, tx %llu bytes%s, %.1f Mbit/s%s%s\n",
           c->peer, secs, (unsigned long long)c->io.rx, rx, (unsigned long long)c->io.tx, tx,
           secs > 0 ? (double)most * 8.0 / secs / 1e6 : 0.0, err ? ", error: " : "",
           err ? host_err_str(err) : "");
    synack_close(h->st, c->sock);
}

/* Echo: send back what arrived, then close after the peer's FIN. */
static int step_echo(host *h, conn *c)
{
    for (;;) {
        while (c->pend_off < c->pend_len) {
            ssize_t w =
                synack_send(h->st, c->sock, c->pend + c->pend_off, c->pend_len - c->pend_off, 0);
            if (w == -EAGAIN)
                return 1;
            if (w < 0)
                return (int)w;
            serve_io_tx(&c->io, c->pend + c->pend_off, (size_t)w);
            c->pend_off += (size_t)w;
        }
        if (c->eof)
            return 0;
        ssize_t r = synack_recv(h->st, c->sock, c->pend, ECHO_CHUNK, 0);
        if (r == -EAGAIN)
            return 1;
        if (r < 0)
            return (int)r;
        if (r == 0) {
            c->eof = 1;
            return 0;
        }
        serve_io_rx(&c->io, c->pend, (size_t)r);
        c->pend_len = (size_t)r;
        c->pend_off = 0;
    }
}

/* Discard: read everything; chargen also sends its pattern until the peer goes. */
static int step_sink(host *h, conn *c, int chargen)
{
    uint8_t buf[65536];
    for (;;) {
        ssize_t r = synack_recv(h->st, c->sock, buf, sizeof(buf), 0);
        if (r == -EAGAIN)
            break;
        if (r < 0)
            return (int)r;
        if (r == 0) {
            c->eof = 1;
            return 0;
        }
        serve_io_rx(&c->io, buf, (size_t)r);
    }
    while (chargen) {
        chargen_pattern(buf, 16384, c->io.tx);
        ssize_t w = synack_send(h->st, c->sock, buf, 16384, 0);
        if (w == -EAGAIN)
            break;
        if (w < 0)
            return (int)w;
        serve_io_tx(&c->io, buf, (size_t)w);
    }
    return 1;
}

static int conn_step(host *h, app_kind app, conn *c)
{
    switch (app) {
    case APP_ECHO:
        return step_echo(h, c);
    case APP_DISCARD:
        return step_sink(h, c, 0);
    case APP_CHARGEN:
        return step_sink(h, c, 1);
    case APP_HTTP:
    default:
        return http_step(h->st, c->sock, c->http, &c->io, &c->eof);
    }
}

static conn *conn_new(host *h, app_kind app, int s, const host_sa *peer)
{
    conn *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->sock = s;
    c->start_us = synack_loop_clock();
    host_sa_str(peer, c->peer, sizeof(c->peer));
    c->io.digest = h->opt.digest;
    sha256_init(&c->io.rx_sha);
    sha256_init(&c->io.tx_sha);
    if (app == APP_ECHO)
        c->pend = malloc(ECHO_CHUNK);
    if (app == APP_HTTP)
        c->http = calloc(1, sizeof(*c->http));
    /* Edge-triggered: each step runs until the socket says -EAGAIN, and watching a socket
     * that is ready already (data came with the handshake; it is writable) queues it now. */
    if ((app == APP_ECHO && !c->pend) || (app == APP_HTTP && !c->http) ||
        synack_sock_watch(h->st, s, POLLIN | POLLOUT | POLLRDHUP, c) != 0) {
        conn_free(c);
        return NULL;
    }
    host_sockopts(h, s);
    return c;
}

static void conn_unlink(conn **head, conn *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        *head = c->next;
    if (c->next)
        c->next->prev = c->prev;
}

/* The listener became ready: accept until its queue is empty (edge-triggered). */
/* Accepts every queued connection; returns how many could not be served (no memory). */
static uint64_t accept_all(host *h, app_kind app, int ls, conn **conns)
{
    uint64_t errors = 0;
    for (;;) {
        host_sa peer;
        memset(&peer, 0, sizeof(peer));
        synack_socklen_t plen = (synack_socklen_t)sizeof(peer.u);
        int s = synack_accept(h->st, ls, (struct sockaddr *)&peer.u, &plen);
        if (s < 0)
            return errors;
        conn *c = conn_new(h, app, s, &peer);
        if (!c) {
            fprintf(stderr, "synack serve: no memory for a connection\n");
            errors++;
            synack_close(h->st, s);
            continue;
        }
        c->prev = NULL;
        c->next = *conns;
        if (*conns)
            (*conns)->prev = c;
        *conns = c;
    }
}

static int parse_count(const char *opt, const char *v, unsigned long long max,
                       unsigned long long *out)
{
    char *e;
    errno = 0;
    unsigned long long n = strtoull(v, &e, 10);
    if (errno || e == v || *e || v[0] == '-' || n > max || n == 0) {
        fprintf(stderr, "synack serve: %s wants a number from 1 to %llu, not '%s'\n", opt, max, v);
        return -1;
    }
    *out = n;
    return 0;
}

int cmd_serve(int argc, char **argv)
{
    host_opts o;
    host_opts_init(&o);
    app_kind app = APP_HTTP;
    unsigned long long port = 0, backlog = 128, count = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        }
        int r = host_parse_opt(&o, "serve", argc, argv, &i);
        if (r < 0)
            return 2;
        if (r > 0)
            continue;
        if ((!strcmp(a, "--app") || !strcmp(a, "--port") || !strcmp(a, "--count") ||
             !strcmp(a, "--backlog")) &&
            i + 1 >= argc) {
            fprintf(stderr, "synack serve: %s needs a value\n", a);
            return 2;
        }
        if (!strcmp(a, "--app")) {
            const char *v = argv[++i];
            if (!strcmp(v, "echo"))
                app = APP_ECHO;
            else if (!strcmp(v, "discard"))
                app = APP_DISCARD;
            else if (!strcmp(v, "chargen"))
                app = APP_CHARGEN;
            else if (!strcmp(v, "http"))
                app = APP_HTTP;
            else {
                fprintf(stderr, "synack serve: --app is echo, discard, chargen or http, not '%s'\n",
                        v);
                return 2;
            }
        } else if (!strcmp(a, "--port")) {
            if (parse_count(a, argv[++i], 65535, &port))
                return 2;
        } else if (!strcmp(a, "--backlog")) {
            if (parse_count(a, argv[++i], 65535, &backlog))
                return 2;
        } else if (!strcmp(a, "--count")) {
            if (parse_count(a, argv[++i], 1ull << 40, &count))
                return 2;
        } else {
            fprintf(stderr, "synack serve: %s '%s' (`synack serve --help`)\n",
                    a[0] == '-' ? "unknown option" : "unexpected argument", a);
            return 2;
        }
    }
    if (host_check_opts(&o, "serve"))
        return 2;
    if (!port)
        port = app == APP_ECHO ? 7 : app == APP_DISCARD ? 9 : app == APP_CHARGEN ? 19 : 80;
    setvbuf(stdout, NULL, _IOLBF, 0);

    host h;
    if (host_open(&h, "serve", &o))
        return 1;
    /* With --addr6 one dual-stack listener on [::]:port (IPV6_V6ONLY off) takes both
     * families, IPv4 peers as ::ffff:a.b.c.d; without it, IPv4 on our address as before. */
    int ls = o.has_addr6 ? synack_socket_domain(h.st, SYNACK_AF_INET6, SOCK_STREAM)
                         : synack_socket(h.st, SOCK_STREAM);
    struct sockaddr_in sin = {
        .sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(o.addr)};
    struct synack_sockaddr_in6 sin6 = {.sin6_family = SYNACK_AF_INET6,
                                       .sin6_port = htons((uint16_t)port)};
    int one = 1, zero = 0;
    synack_setsockopt(h.st, ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (o.has_addr6)
        synack_setsockopt(h.st, ls, SYNACK_IPPROTO_IPV6, SYNACK_IPV6_V6ONLY, &zero, sizeof(zero));
    host_sockopts(&h, ls);
    int rc = ls < 0        ? ls
             : o.has_addr6 ? synack_bind(h.st, ls, (struct sockaddr *)&sin6, sizeof(sin6))
                           : synack_bind(h.st, ls, (struct sockaddr *)&sin, sizeof(sin));
    if (rc == 0)
        rc = synack_listen(h.st, ls, (int)backlog);
    if (rc < 0) {
        fprintf(stderr, "synack serve: cannot listen on port %llu: %s\n", port, host_err_str(rc));
        host_close(&h);
        return 1;
    }
    char addr[32] = "", addr6[64] = "";
    if (o.has_addr)
        host_ep_str(o.addr, (uint16_t)port, addr, sizeof(addr));
    if (o.has_addr6) {
        char a6[56];
        snprintf(addr6, sizeof(addr6), "%s%s", o.has_addr ? " and " : "",
                 host_ep6_str(o.addr6, (uint16_t)port, a6, sizeof(a6)));
    }
    fprintf(stderr, "synack serve: %s on %s%s (%s %s)\n", app_name(app), addr, addr6,
            o.type == SYNACK_LINK_ETHERNET ? "TAP" : "TUN", h.dev.name);

    conn *conns = NULL;
    uint64_t finished = 0, errors = 0, rx_total = 0, tx_total = 0;
    uint64_t live_bytes = 0; /* bytes moved so far by the connections still open */
    int exit_code = 0;
    uint64_t drain_until = 0; /* after --count: let closing connections finish */
    /* The listener's user pointer is NULL; a connection's is its conn. */
    if (synack_sock_watch(h.st, ls, POLLIN, NULL) != 0) {
        fprintf(stderr, "synack serve: cannot watch the listening socket\n");
        host_close(&h);
        return 1;
    }
    while (!host_stopping()) {
        if (host_run(&h, 1000000, NULL, 0) < 0) {
            fprintf(stderr, "synack serve: device error\n");
            exit_code = 1;
            break;
        }
        synack_ready ready[64];
        int nready;
        while ((nready = synack_loop_ready(h.loop, ready, 64)) > 0) {
            for (int i = 0; i < nready; i++) {
                conn *c = ready[i].user;
                if (!c) {
                    errors += accept_all(&h, app, ls, &conns);
                    continue;
                }
                uint64_t before = c->io.rx + c->io.tx;
                int r = conn_step(&h, app, c);
                live_bytes += c->io.rx + c->io.tx - before;
                if (r > 0)
                    continue;
                conn_finish(&h, c, r); /* closes: its socket leaves the ready list */
                finished++;
                errors += r < 0;
                rx_total += c->io.rx;
                tx_total += c->io.tx;
                live_bytes -= c->io.rx + c->io.tx;
                conn_unlink(&conns, c);
                conn_free(c);
                /* A socket id is free again: re-arm the listener, whose queue an accept
                 * that failed with -EMFILE left non-empty without a new edge to come. */
                synack_sock_watch(h.st, ls, POLLIN, NULL);
            }
        }
        host_status(&h, rx_total + tx_total + live_bytes, conns && !conns->next ? conns->sock : -1);
        if (count && finished >= count) {
            uint64_t now = synack_loop_clock();
            if (!drain_until)
                drain_until = now + 2000000;
            if (host_count_live(&h) == 0 || now >= drain_until)
                break;
        }
    }
    while (conns) {
        conn *c = conns;
        conns = c->next;
        conn_finish(&h, c, 0);
        rx_total += c->io.rx;
        tx_total += c->io.tx;
        conn_free(c);
    }
    int device_error = exit_code;
    if (errors)
        exit_code = 1;
    double up = host_elapsed(&h);
    if (o.json) {
        char fields[512];
        snprintf(fields, sizeof(fields),
                 "\"summary\":\"serve\",\"app\":\"%s\",\"finished\":%llu,\"errors\":%llu,"
                 "\"rx_bytes\":%llu,\"tx_bytes\":%llu,\"device_error\":%s",
                 app_name(app), (unsigned long long)finished, (unsigned long long)errors,
                 (unsigned long long)rx_total, (unsigned long long)tx_total,
                 device_error ? "true" : "false");
        host_print_json(&h, stdout, fields);
    } else {
        printf("serve: %llu connections finished (%llu with errors), rx %llu bytes, tx %llu "
               "bytes, up %.3f s%s\n",
               (unsigned long long)finished, (unsigned long long)errors,
               (unsigned long long)rx_total, (unsigned long long)tx_total, up,
               device_error ? ", device error" : "");
        host_print_table(&h, stdout);
        host_print_counters(&h, stdout);
    }
    synack_close(h.st, ls);
    int capture_error = host_close(&h) != 0;
    if (capture_error)
        exit_code = 1;
    if (exit_code)
        fprintf(stderr, "synack serve: ended with errors (%llu connection%s%s%s)\n",
                (unsigned long long)errors, errors == 1 ? "" : "s",
                device_error ? ", device error" : "", capture_error ? ", capture error" : "");
    return exit_code;
}
