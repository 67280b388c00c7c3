/* SPDX-License-Identifier: MIT */
/* synack connect — a netcat on synack: connects over a TUN/TAP device, sends a file (or
 * stdin, or a generated pattern) and writes what comes back to a file (or stdout). At the
 * end it reports the throughput each way (with --sha256 the digests of both streams),
 * TCP_INFO, the connection table and the counters (with --json as one JSON object), on
 * stdout -- or on stderr when stdout carries the received bytes (--recv -, the default).
 * --repeat runs many short connections in a row. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "host.h"
#include "serve.h"
#include "sha256.h"

#define IO_CHUNK 65536

typedef struct connect_opts {
    host_sa to;       /* --to A:PORT or [IPV6]:PORT */
    const char *send; /* --send FILE|- (NULL with --bytes) */
    const char *recv; /* --recv FILE|- */
    uint64_t bytes;   /* --bytes N: send N bytes of the /bytes/N pattern */
    int has_bytes;    /* --bytes given */
    uint64_t repeat;  /* --repeat N connections, one after the other */
    int wait_eof;     /* --wait-eof: close our side only after the peer's FIN */
    uint64_t hold_us; /* --hold MS: keep the stack running after the work */
} connect_opts;

/* What one connection did. */
typedef struct xfer {
    uint64_t tx, rx;                 /* bytes sent / received */
    sha256_ctx tx_sha, rx_sha;       /* their digests */
    uint64_t t_open, t_estab, t_end; /* connect() call, ESTABLISHED, both directions done */
    synack_tcp_info info;            /* TCP_INFO just before close */
    int have_info;                   /* info is set */
} xfer;

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: synack connect --tap IF --addr A/LEN [--addr6 A/LEN] --to A:PORT|[A6]:PORT\n"
        "                      [--send FILE|-] [--recv FILE|-]\n"
        "                      [--bytes N] [--repeat N] [--wait-eof] [--hold MS] [options below]\n"
        "\n"
        "A netcat on synack. Sends FILE (default: stdin) and writes what it receives to\n"
        "FILE (default: stdout); then reports throughput (and with --sha256 the digest of\n"
        "each direction), TCP_INFO, the connection table and the counters (--json: as one\n"
        "JSON object, {\"summary\":\"connect\",..}). Reports go to stdout, or to stderr\n"
        "when stdout carries the received bytes (--recv -, the default).\n"
        "Exit status 1 when a connection fails (refused, reset, timed out).\n"
        "  --to A:PORT    the server: A.B.C.D:PORT, or [IPV6]:PORT (needs --addr6)\n"
        "  --send FILE|-  what to send; we close our direction after it (half-close)\n"
        "  --recv FILE|-  where received bytes go (/dev/null to drop them)\n"
        "  --bytes N      send N bytes of the pattern of `serve --app http` /bytes/N\n"
        "  --repeat N     N connections one after the other (not with --send -)\n"
        "  --wait-eof     close our direction only after the peer closed its own\n"
        "  --hold MS      keep the stack running MS after the last connection (TIME-WAIT\n"
        "                 stays visible to `synack stat` and SIGUSR1)\n");
    host_usage(out);
}

static int parse_u64(const char *opt, const char *v, uint64_t max, uint64_t *out)
{
    char *e;
    errno = 0;
    unsigned long long n = strtoull(v, &e, 10);
    if (errno || e == v || *e || v[0] == '-' || n > max) {
        fprintf(stderr, "synack connect: %s wants a number up to %llu, not '%s'\n", opt,
                (unsigned long long)max, v);
        return -1;
    }
    *out = n;
    return 0;
}

static int parse_to(const char *v, connect_opts *c)
{
    if (host_parse_ep(v, &c->to) == 0)
        return 0;
    fprintf(stderr, "synack connect: --to wants A.B.C.D:PORT or [IPV6]:PORT, not '%s'\n", v);
    return -1;
}

/* Writes all of buf to fd (blocking). */
static int write_all(int fd, const uint8_t *buf, size_t len)
{
    while (len) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Runs the loop until the socket is established or failed. Returns 0 or a negative errno. */
static int wait_established(host *h, int s)
{
    for (;;) {
        synack_pollfd p = {.sock = s, .events = POLLOUT};
        synack_sock_poll(h->st, &p, 1);
        if (p.revents & POLLOUT)
            return 0;
        if (p.revents & (POLLERR | POLLHUP)) {
            int err = 0;
            socklen_t len = sizeof(err);
            synack_getsockopt(h->st, s, SOL_SOCKET, SO_ERROR, &err, &len);
            return err ? -err : -ECONNRESET;
        }
        if (host_stopping())
            return -EINTR;
        if (host_run(h, 1000000, NULL, 0) < 0)
            return -EIO;
        host_status(h, 0, s);
    }
}

/* One connection: connect, move the data both ways, close. Returns 0 or a negative errno. */
static int one_connection(host *h, const connect_opts *co, int out_fd, uint64_t total_before,
                          xfer *x)
{
    memset(x, 0, sizeof(*x));
    sha256_init(&x->tx_sha);
    sha256_init(&x->rx_sha);
    int in_fd = -1;
    if (co->send) {
        in_fd = strcmp(co->send, "-") == 0 ? STDIN_FILENO : open(co->send, O_RDONLY | O_CLOEXEC);
        if (in_fd < 0) {
            fprintf(stderr, "synack connect: cannot open %s: %s\n", co->send, strerror(errno));
            return -errno;
        }
    }
    int v6 = co->to.u.v6.sin6_family == SYNACK_AF_INET6;
    int s = v6 ? synack_socket_domain(h->st, SYNACK_AF_INET6, SOCK_STREAM)
               : synack_socket(h->st, SOCK_STREAM);
    if (s < 0)
        return s;
    host_sockopts(h, s);
    x->t_open = synack_loop_clock();
    int rc = synack_connect(h->st, s, (const struct sockaddr *)&co->to.u, co->to.len);
    if (rc == -EINPROGRESS)
        rc = wait_established(h, s);
    x->t_estab = synack_loop_clock();

    static uint8_t inbuf[IO_CHUNK], outbuf[IO_CHUNK];
    size_t in_len = 0, in_off = 0;
    int in_eof = in_fd < 0 && !co->has_bytes, send_done = 0, recv_eof = 0;
    if (in_eof && !co->wait_eof && rc == 0) {
        synack_shutdown(h->st, s, SHUT_WR);
        send_done = 1;
    }
    while (rc == 0 && !(send_done && recv_eof)) {
        if (host_stopping()) {
            rc = -EINTR;
            break;
        }
        /* sending */
        while (!send_done) {
            if (in_off == in_len && !in_eof) {
                ssize_t n;
                if (co->has_bytes) {
                    uint64_t left = co->bytes - x->tx;
                    n = (ssize_t)(left < IO_CHUNK ? left : IO_CHUNK);
                    http_pattern(inbuf, (size_t)n, x->tx);
                } else {
                    struct pollfd p = {.fd = in_fd, .events = POLLIN};
                    if (poll(&p, 1, 0) <= 0)
                        break; /* nothing to read yet */
                    n = read(in_fd, inbuf, sizeof(inbuf));
                    if (n < 0 && errno == EINTR)
                        continue;
                    if (n < 0) {
                        fprintf(stderr, "synack connect: reading %s: %s\n", co->send,
                                strerror(errno));
                        n = 0;
                    }
                }
                in_len = (size_t)n;
                in_off = 0;
                if (n == 0)
                    in_eof = 1;
            }
            if (in_off < in_len) {
                ssize_t w = synack_send(h->st, s, inbuf + in_off, in_len - in_off, 0);
                if (w == -EAGAIN)
                    break;
                if (w < 0) {
                    rc = (int)w;
                    break;
                }
                if (h->opt.digest)
                    sha256_update(&x->tx_sha, inbuf + in_off, (size_t)w);
                in_off += (size_t)w;
                x->tx += (uint64_t)w;
                continue;
            }
            if (in_eof && (!co->wait_eof || recv_eof)) {
                synack_shutdown(h->st, s, SHUT_WR); /* our FIN after the data */
                send_done = 1;
            }
            break;
        }
        /* receiving */
        while (rc == 0 && !recv_eof) {
            ssize_t r = synack_recv(h->st, s, outbuf, sizeof(outbuf), 0);
            if (r == -EAGAIN)
                break;
            if (r < 0) {
                rc = (int)r;
                break;
            }
            if (r == 0) {
                recv_eof = 1;
                x->have_info = 1;
                socklen_t len = sizeof(x->info);
                synack_getsockopt(h->st, s, IPPROTO_TCP, SYNACK_TCP_INFO, &x->info, &len);
                if (in_eof && !send_done && co->wait_eof) {
                    synack_shutdown(h->st, s, SHUT_WR);
                    send_done = 1;
                }
                break;
            }
            if (h->opt.digest)
                sha256_update(&x->rx_sha, outbuf, (size_t)r);
            x->rx += (uint64_t)r;
            if (out_fd >= 0 && write_all(out_fd, outbuf, (size_t)r) != 0) {
                fprintf(stderr, "synack connect: writing %s: %s\n", co->recv, strerror(errno));
                out_fd = -1;
            }
        }
        if (rc || (send_done && recv_eof))
            break;
        /* wait for frames, timers or input */
        struct pollfd p = {.fd = in_fd, .events = POLLIN};
        int want_input = !send_done && in_off == in_len && !in_eof && in_fd >= 0;
        if (host_run(h, 1000000, &p, want_input ? 1 : 0) < 0)
            rc = -EIO;
        host_status(h, total_before + x->tx + x->rx, s);
    }
    x->t_end = synack_loop_clock();
    if (!x->have_info) {
        socklen_t len = sizeof(x->info);
        x->have_info =
            synack_getsockopt(h->st, s, IPPROTO_TCP, SYNACK_TCP_INFO, &x->info, &len) == 0;
    }
    synack_close(h->st, s);
    synack_loop_service(h->loop);
    if (in_fd > STDIN_FILENO)
        close(in_fd);
    return rc;
}

/* Keeps the stack running until nothing but TIME-WAIT is left (at most limit_us), then
 * for hold_us more. */
static void linger(host *h, uint64_t limit_us, uint64_t hold_us)
{
    uint64_t end = synack_loop_clock() + limit_us;
    while (!host_stopping() && host_count_live(h) > 0 && synack_loop_clock() < end)
        host_run(h, 100000, NULL, 0);
    end = synack_loop_clock() + hold_us;
    while (!host_stopping() && synack_loop_clock() < end)
        host_run(h, end - synack_loop_clock(), NULL, 0);
}

int cmd_connect(int argc, char **argv)
{
    host_opts o;
    host_opts_init(&o);
    connect_opts co = {.send = "-", .recv = "-", .repeat = 1};
    int has_to = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        }
        int r = host_parse_opt(&o, "connect", argc, argv, &i);
        if (r < 0)
            return 2;
        if (r > 0)
            continue;
        if (!strcmp(a, "--wait-eof")) {
            co.wait_eof = 1;
            continue;
        }
        int valued = !strcmp(a, "--to") || !strcmp(a, "--send") || !strcmp(a, "--recv") ||
                     !strcmp(a, "--bytes") || !strcmp(a, "--repeat") || !strcmp(a, "--hold");
        if (!valued) {
            fprintf(stderr, "synack connect: %s '%s' (`synack connect --help`)\n",
                    a[0] == '-' ? "unknown option" : "unexpected argument", a);
            return 2;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "synack connect: %s needs a value\n", a);
            return 2;
        }
        const char *v = argv[++i];
        uint64_t n;
        if (!strcmp(a, "--to")) {
            if (parse_to(v, &co))
                return 2;
            has_to = 1;
        } else if (!strcmp(a, "--send")) {
            co.send = v;
        } else if (!strcmp(a, "--recv")) {
            co.recv = v;
        } else if (!strcmp(a, "--bytes")) {
            if (parse_u64(a, v, 1ull << 50, &co.bytes))
                return 2;
            co.has_bytes = 1;
            co.send = NULL;
        } else if (!strcmp(a, "--repeat")) {
            if (parse_u64(a, v, 100000000, &co.repeat) || co.repeat == 0)
                return 2;
        } else {
            if (parse_u64(a, v, 86400000, &n))
                return 2;
            co.hold_us = n * 1000;
        }
    }
    if (host_check_opts(&o, "connect"))
        return 2;
    if (!has_to) {
        fprintf(stderr, "synack connect: where to? (--to A:PORT)\n");
        return 2;
    }
    if (co.to.u.v6.sin6_family == SYNACK_AF_INET6 && !o.has_addr6) {
        fprintf(stderr, "synack connect: an IPv6 --to needs our IPv6 address (--addr6 A/LEN)\n");
        return 2;
    }
    if (co.to.u.v6.sin6_family != SYNACK_AF_INET6 && !o.has_addr) {
        fprintf(stderr, "synack connect: an IPv4 --to needs our IPv4 address (--addr A/LEN)\n");
        return 2;
    }
    if (co.repeat > 1 && co.send && !strcmp(co.send, "-")) {
        fprintf(stderr, "synack connect: --repeat needs --send FILE or --bytes N, not stdin\n");
        return 2;
    }
    int out_fd = STDOUT_FILENO;
    if (strcmp(co.recv, "-") != 0) {
        out_fd = open(co.recv, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (out_fd < 0) {
            fprintf(stderr, "synack connect: cannot create %s: %s\n", co.recv, strerror(errno));
            return 1;
        }
    }
    host h;
    if (host_open(&h, "connect", &o)) {
        if (out_fd > STDOUT_FILENO)
            close(out_fd);
        return 1;
    }
    /* Reports never mix with received bytes. */
    h.report = out_fd == STDOUT_FILENO ? stderr : stdout;
    FILE *rep = h.report;
    char to[64];
    host_sa_str(&co.to, to, sizeof(to));
    uint64_t ok = 0, failed = 0, tx = 0, rx = 0;
    xfer x;
    memset(&x, 0, sizeof(x));
    uint64_t t0 = synack_loop_clock();
    for (uint64_t k = 0; k < co.repeat && !host_stopping(); k++) {
        int rc = one_connection(&h, &co, out_fd, tx + rx, &x);
        tx += x.tx;
        rx += x.rx;
        if (rc == 0) {
            ok++;
        } else {
            failed++;
            fprintf(stderr, "synack connect: %s: %s after %.3f s\n", to, host_err_str(rc),
                    (double)(x.t_end - x.t_open) / 1e6);
        }
    }
    double secs = (double)(synack_loop_clock() - t0) / 1e6;
    linger(&h, 3000000, co.hold_us);

    char txh[65], rxh[65];
    sha256_final_hex(&x.tx_sha, txh);
    sha256_final_hex(&x.rx_sha, rxh);
    double dt = (double)(x.t_end - x.t_estab) / 1e6;
    if (o.json) {
        char *fields = NULL;
        size_t flen = 0;
        FILE *f = open_memstream(&fields, &flen);
        if (f) {
            fprintf(f,
                    "\"summary\":\"connect\",\"to\":\"%s\",\"connections\":%llu,\"ok\":%llu,"
                    "\"failed\":%llu,\"secs\":%.3f,\"tx_bytes\":%llu,\"rx_bytes\":%llu",
                    to, (unsigned long long)(ok + failed), (unsigned long long)ok,
                    (unsigned long long)failed, secs, (unsigned long long)tx,
                    (unsigned long long)rx);
            if (co.repeat == 1 && ok) {
                fprintf(f, ",\"connect_ms\":%.3f,\"transfer_s\":%.3f",
                        (double)(x.t_estab - x.t_open) / 1e3, dt);
                if (h.opt.digest)
                    fprintf(f, ",\"tx_sha256\":\"%s\",\"rx_sha256\":\"%s\"", txh, rxh);
            }
            if (co.repeat == 1 && x.have_info && x.info.state != SYNACK_CLOSED) {
                fprintf(f, ",\"tcp_info\":");
                host_tcp_info_json(f, &x.info);
            }
            fclose(f);
        }
        host_print_json(&h, rep, fields);
        free(fields);
    } else if (co.repeat == 1) {
        if (ok) {
            fprintf(rep, "connected to %s in %.3f ms\n", to, (double)(x.t_estab - x.t_open) / 1e3);
            host_print_rate(rep, "sent", x.tx, dt);
            host_print_rate(rep, "received", x.rx, dt);
            if (h.opt.digest)
                fprintf(rep, "sha256 sent %s\nsha256 received %s\n", txh, rxh);
        }
        if (x.have_info && x.info.state != SYNACK_CLOSED)
            host_print_tcp_info(rep, &x.info);
    } else {
        fprintf(rep,
                "%llu connections to %s: %llu ok, %llu failed, in %.3f s (%.0f/s); "
                "sent %llu bytes, received %llu bytes\n",
                (unsigned long long)co.repeat, to, (unsigned long long)ok,
                (unsigned long long)failed, secs, secs > 0 ? (double)(ok + failed) / secs : 0.0,
                (unsigned long long)tx, (unsigned long long)rx);
    }
    if (!o.json) {
        host_print_table(&h, rep);
        host_print_counters(&h, rep);
    }
    if (out_fd > STDOUT_FILENO)
        close(out_fd);
    int close_rc = host_close(&h);
    return failed || close_rc ? 1 : 0;
}
