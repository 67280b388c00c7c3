/* SPDX-License-Identifier: MIT */
/* synack bench churn — sequential connection lifecycles: connect, a 64-byte request, a
 * 64-byte reply, close by the client (which keeps the TIME-WAIT), close by the server
 * after it read the end of the stream. Beside it the kernel doing the same on loopback. */
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "cmd_bench.h"

#define DEFAULT_COUNT 200000u
#define QUICK_COUNT 20000u
#define PORT 80

/* Pumps until *flag-like condition `ready(ctx)` holds, letting timers fire when nothing
 * else moves; gives up after `max_waits` timer jumps. Returns 0 or -1. */
typedef int (*ready_fn)(bench_pair *p, void *ctx);

static int run_until(bench_pair *p, ready_fn ready, void *ctx)
{
    bench_pair_pump(p);
    for (int waits = 0; !ready(p, ctx); waits++) {
        if (waits > 64 || !bench_pair_wait(p, UINT64_MAX))
            return -1;
    }
    return 0;
}

/* One lifecycle's sockets and progress. */
typedef struct life {
    int ls;           /* server listener */
    int cs;           /* client socket */
    int ss;           /* accepted server socket, -1 until accepted */
    uint8_t buf[128]; /* scratch */
} life;

static int accepted(bench_pair *p, void *vctx)
{
    life *l = vctx;
    if (l->ss < 0) {
        bench_enter(p, 1);
        l->ss = synack_accept(p->st[1], l->ls, NULL, NULL);
        bench_leave(p, 1);
    }
    return l->ss >= 0;
}

/* Reads exactly 64 bytes on side/sock into l->buf (the request or the reply). */
typedef struct want {
    life *l;     /* lifecycle */
    int side;    /* who reads */
    int sock;    /* what */
    size_t got;  /* bytes so far */
    size_t need; /* bytes wanted; 0 = wait for end of stream */
    int eof;     /* end of stream seen */
} want;

static int got_bytes(bench_pair *p, void *vctx)
{
    want *w = vctx;
    for (;;) {
        ssize_t n = bench_recv(p, w->side, w->sock, w->l->buf, sizeof w->l->buf);
        if (n == 0) {
            w->eof = 1;
            break;
        }
        if (n < 0)
            break;
        w->got += (size_t)n;
    }
    return w->need ? w->got >= w->need : w->eof;
}

/* Runs `count` lifecycles; returns how many completed, and the first error in err. */
static uint64_t synack_churn(bench_pair *p, uint64_t count, double max_seconds, char *err,
                             size_t errcap)
{
    life l;
    memset(&l, 0, sizeof l);
    l.ls = bench_listen(p, PORT, 1024);
    if (l.ls < 0) {
        snprintf(err, errcap, "listen: %d", l.ls);
        return 0;
    }
    uint8_t msg[64];
    memset(msg, 'r', sizeof msg);
    uint64_t t0 = bench_now_ns();
    uint64_t limit = max_seconds > 0 ? (uint64_t)(max_seconds * 1e9) : UINT64_MAX;
    uint64_t done = 0;
    for (; done < count; done++) {
        if ((done & 1023) == 0 && bench_now_ns() - t0 > limit)
            break;
        l.cs = bench_socket(p, 0);
        l.ss = -1;
        if (l.cs < 0) {
            snprintf(err, errcap, "socket #%llu: %d", (unsigned long long)done, l.cs);
            break;
        }
        int rc = bench_connect(p, l.cs, PORT);
        if (rc < 0 && rc != -EINPROGRESS) {
            snprintf(err, errcap, "connect #%llu: %d", (unsigned long long)done, rc);
            break;
        }
        if (run_until(p, accepted, &l) != 0) {
            snprintf(err, errcap, "accept #%llu never came", (unsigned long long)done);
            break;
        }
        want req = {.l = &l, .side = 1, .sock = l.ss, .need = 64};
        want rep = {.l = &l, .side = 0, .sock = l.cs, .need = 64};
        want fin = {.l = &l, .side = 1, .sock = l.ss, .need = 0};
        if (bench_send(p, 0, l.cs, msg, sizeof msg) != 64 || run_until(p, got_bytes, &req) ||
            bench_send(p, 1, l.ss, msg, sizeof msg) != 64 || run_until(p, got_bytes, &rep)) {
            snprintf(err, errcap, "request/reply #%llu failed", (unsigned long long)done);
            break;
        }
        bench_close(p, 0, l.cs);
        if (run_until(p, got_bytes, &fin) != 0) {
            snprintf(err, errcap, "FIN #%llu never came", (unsigned long long)done);
            break;
        }
        bench_close(p, 1, l.ss);
        bench_pair_pump(p);
    }
    return done;
}

/* What one synack run measured. */
typedef struct churn_result {
    uint64_t done;      /* lifecycles completed */
    double seconds;     /* wall time */
    double cpu_seconds; /* CPU time */
    double segs;        /* segments sent per lifecycle, both stacks */
    uint64_t recycled;  /* TIME-WAIT entries recycled */
    double vtime;       /* virtual time at the end, seconds */
    char err[120];      /* "" when all completed */
} churn_result;

static int churn_run(const bench_opts *o, uint64_t count, double max_s, int cached, int v6,
                     churn_result *res)
{
    memset(res, 0, sizeof(*res));
    synack_config cfg;
    bench_config(&cfg, 1500);
    if (v6)
        bench_config_ipv6(&cfg);
    /* Every lifecycle leaves a TIME-WAIT entry on the client, and the virtual clock moves
     * far less than 2 MSL during the run: the port range must exceed max_time_wait, or
     * connect() finds every port of the default range (16384) held by TIME-WAIT. */
    cfg.ephemeral_lo = 1024;
    cfg.ephemeral_hi = 65535;
    bench_cache *cache = NULL;
    if (cached) {
        cache = bench_cache_new();
        if (!cache)
            return -1;
        cfg.allocator = bench_cache_allocator(cache);
    }
    bench_pair p;
    if (bench_pair_init(&p, &cfg, 1u << 20, !o->copy_link, o->step_us) != 0) {
        bench_cache_free(cache);
        return -1;
    }
    uint64_t t0 = bench_now_ns(), c0 = bench_cpu_ns();
    res->done = synack_churn(&p, count, max_s, res->err, sizeof res->err);
    res->seconds = (double)(bench_now_ns() - t0) / 1e9;
    res->cpu_seconds = (double)(bench_cpu_ns() - c0) / 1e9;
    res->recycled = synack_counter_get(p.st[0], SYNACK_CTR_TCPTimeWaitRecycled);
    uint64_t segs = synack_counter_get(p.st[0], SYNACK_CTR_OutSegs) +
                    synack_counter_get(p.st[1], SYNACK_CTR_OutSegs);
    res->segs = res->done ? (double)segs / (double)res->done : 0;
    res->vtime = (double)p.now / 1e6;
    bench_pair_free(&p);
    bench_cache_free(cache);
    return res->err[0] ? -1 : 0;
}

static double rate(uint64_t n, double s)
{
    return n && s > 0 ? (double)n / s : NAN;
}

/* One family's rows (IPv4, or IPv6 beside the kernel's ::1) and notes. */
static int churn_family(const bench_opts *o, bench_report *r, uint64_t count, double max_s, int v6)
{
    churn_result sr[2];
    int failed = 0;
    for (int cached = 0; cached < 2; cached++)
        if (churn_run(o, count, max_s, cached, v6, &sr[cached]) != 0)
            failed = 1;

    kbench_result k;
    memset(&k, 0, sizeof k);
    int krv = o->no_kernel ? -1 : kbench_churn(count, max_s, v6, &k);
    double krate = !o->no_kernel ? rate(k.count, k.seconds) : NAN;
    double kcpu = !o->no_kernel ? rate(k.count, k.cpu_seconds) : NAN;

    static const char *const names[2][2] = {{"malloc", "caching allocator"},
                                            {"malloc, IPv6", "caching allocator, IPv6"}};
    for (int c = 0; c < 2; c++) {
        char m[64];
        snprintf(m, sizeof m, "lifecycles per second (%s)", names[v6][c]);
        bench_row *row =
            bench_row_add(r, m, "1/s", rate(sr[c].done, sr[c].seconds), krate, BENCH_HIGHER);
        double v = rate(sr[c].done, sr[c].seconds);
        bench_row_target(row, "synack >= 1000000", isnan(v) ? -1 : v >= 1e6);
        snprintf(m, sizeof m, "  per CPU-second (%s)", names[v6][c]);
        bench_row_add(r, m, "1/cpu-s", rate(sr[c].done, sr[c].cpu_seconds), kcpu, BENCH_HIGHER);
    }
    for (int c = 0; c < 2; c++) {
        bench_note(r,
                   "synack (%s): %llu of %llu lifecycles in %.3f s (%.3f CPU-s), %.1f "
                   "segments each, %llu TIME-WAIT entries recycled, virtual time %.3f s",
                   names[v6][c], (unsigned long long)sr[c].done, (unsigned long long)count,
                   sr[c].seconds, sr[c].cpu_seconds, sr[c].segs, (unsigned long long)sr[c].recycled,
                   sr[c].vtime);
        if (sr[c].err[0])
            bench_note(r, "synack (%s) stopped: %s", names[v6][c], sr[c].err);
    }
    if (!v6)
        bench_note(r,
                   "synack: ephemeral ports 1024-65535, defaults otherwise (max_time_wait 32768, "
                   "Nagle on, delayed ACK 40 ms, timestamps, SACK, wscale; 256 KiB buffer rings "
                   "allocated on first use)");
    if (!o->no_kernel) {
        bench_note(r,
                   "kernel%s: %llu of %llu lifecycles in %.3f s (%.3f CPU-s), loopback %s, "
                   "one client thread and one server thread",
                   v6 ? " (IPv6)" : "", (unsigned long long)k.count, (unsigned long long)count,
                   k.seconds, k.cpu_seconds, v6 ? "::1" : "127.0.0.1");
        if (krv != 0 || k.error[0]) {
            bench_note(r, "kernel%s stopped: %s", v6 ? " (IPv6)" : "", k.error);
            failed = 1;
        }
    }
    return failed ? -1 : 0;
}

int bench_churn(const bench_opts *o, bench_report *r)
{
    uint64_t count = o->count ? o->count : o->quick ? QUICK_COUNT : DEFAULT_COUNT;
    double max_s = o->max_seconds > 0 ? o->max_seconds : 120;
    int failed = churn_family(o, r, count, max_s, 0) != 0;
    failed |= churn_family(o, r, count, max_s, 1) != 0;
    return failed ? -1 : 0;
}
