/* SPDX-License-Identifier: MIT */
/* synack bench ready — finding the ready socket among many idle ones.
 *
 * A server holds --conns idle connections (default 100,000; --quick 10,000) and one busy
 * one; every server socket is watched (synack_sock_watch, POLLIN). The busy client sends
 * a byte, the server wakes up, finds the readable socket, reads the byte and answers.
 * Two ways of finding it are compared on the same stacks:
 *   ready  synack_sock_ready(): pops the sockets whose readiness was raised (edge list);
 *   sweep  synack_sock_poll() over every socket, as an application without readiness
 *          notification must do.
 * Reported: socket-table entries each way examines per wake-up, the time it spends finding
 * the ready socket (wall clock around that step alone, less the clock's own cost), and the
 * CPU time of a whole wake-up (the byte in, finding the socket, the answer out). It
 * reports numbers; it is not a timed test. */
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "cmd_bench.h"

#define DEFAULT_CONNS 100000u
#define QUICK_CONNS 10000u
#define PORT 9100
#define PER_PORT 60000u /* a 4-tuple needs a distinct client port per listening port */
#define MAX_LISTENERS 32
#define READY_WAKEUPS 20000u
#define SWEEP_WAKEUPS 200u
#define BATCH 128 /* connects between pumps: below max_syn_backlog (256) */

static uint64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* What reading the clock twice costs, ns (the smallest of many tries): taken off each
 * timed step, which is short enough for the clock to matter. */
static double clock_cost(void)
{
    uint64_t best = UINT64_MAX;
    for (int i = 0; i < 1000; i++) {
        uint64_t t0 = bench_now_ns();
        uint64_t d = bench_now_ns() - t0;
        if (d < best)
            best = d;
    }
    return (double)best;
}

/* What a run of wake-ups measured. */
typedef struct run_result {
    double find_ns; /* mean wall ns of the finding step, the clock's cost taken off */
    double per;     /* socket-table entries examined per wake-up */
    double cpu_ns;  /* mean thread CPU ns of a whole wake-up */
} run_result;

/* The server's sockets and the busy pair. */
typedef struct rb {
    bench_pair p;
    int ls[MAX_LISTENERS]; /* listening sockets */
    int nls;               /* their number */
    int *ss;               /* accepted server sockets */
    synack_pollfd *pfd;    /* the sweep's array: every server socket */
    uint64_t n;            /* accepted so far */
    int busy_c, busy_s;    /* the busy connection's client and server sockets */
} rb;

/* Accepts everything queued on every listener; each socket is watched for POLLIN. */
static int accept_all(rb *b, uint64_t cap)
{
    for (int k = 0; k < b->nls; k++) {
        int a;
        while (b->n < cap && (a = synack_accept(b->p.st[1], b->ls[k], NULL, NULL)) >= 0) {
            if (synack_sock_watch(b->p.st[1], a, POLLIN, NULL) != 0)
                return -1;
            b->ss[b->n] = a;
            b->pfd[b->n] = (synack_pollfd){.sock = a, .events = POLLIN};
            b->n++;
        }
    }
    return 0;
}

/* Opens `want` connections spread over the listeners. Returns 0 or a negative errno. */
static int open_conns(rb *b, uint64_t want, int *last_client)
{
    uint64_t started = 0;
    while (started < want) {
        int pending = 0;
        while (pending < BATCH && started < want) {
            int s = synack_socket(b->p.st[0], SOCK_STREAM);
            if (s < 0)
                return s;
            int r = bench_connect(&b->p, s, (uint16_t)(PORT + started / PER_PORT));
            if (r < 0 && r != -EINPROGRESS)
                return r;
            *last_client = s;
            started++;
            pending++;
        }
        bench_pair_pump(&b->p);
        if (accept_all(b, want) != 0)
            return -ENOMEM;
    }
    return b->n == want ? 0 : -EAGAIN;
}

/* One wake-up's network part: the busy client sends a byte and the stacks exchange it. */
static int ping(rb *b)
{
    uint8_t x = 'x';
    if (bench_send(&b->p, 0, b->busy_c, &x, 1) != 1)
        return -1;
    bench_pair_pump(&b->p);
    return 0;
}

/* The server's answer once it has found the socket: read the byte, send it back, and the
 * client reads it (all outside the timed part). */
static int answer(rb *b, int s)
{
    uint8_t x;
    if (bench_recv(&b->p, 1, s, &x, 1) != 1 || bench_send(&b->p, 1, s, &x, 1) != 1)
        return -1;
    bench_pair_pump(&b->p);
    if (bench_recv(&b->p, 0, b->busy_c, &x, 1) != 1)
        return -1;
    b->p.now += b->p.step_us;
    return 0;
}

static void finish(run_result *res, uint64_t wakeups, uint64_t spent, uint64_t examined,
                   uint64_t cpu0, double clock)
{
    double find = (double)spent / (double)wakeups - clock;
    res->find_ns = find > 0 ? find : 0;
    res->per = (double)examined / (double)wakeups;
    res->cpu_ns = (double)(cpu_ns() - cpu0) / (double)wakeups;
}

/* Wake-ups served from the ready list. Returns -1 when a wake-up did not pop exactly the
 * busy socket. */
static int run_ready(rb *b, uint64_t wakeups, double clock, run_result *res)
{
    uint64_t spent = 0, popped = 0, cpu0 = cpu_ns();
    synack_ready r[64];
    for (uint64_t i = 0; i < wakeups; i++) {
        if (ping(b))
            return -1;
        uint64_t t0 = bench_now_ns();
        int n = synack_sock_ready(b->p.st[1], r, 64);
        spent += bench_now_ns() - t0;
        if (n != 1 || r[0].sock != b->busy_s)
            return -1;
        popped += (uint64_t)n;
        if (answer(b, r[0].sock))
            return -1;
    }
    finish(res, wakeups, spent, popped, cpu0, clock);
    return 0;
}

/* The same with synack_sock_poll() over every server socket. */
static int run_sweep(rb *b, uint64_t wakeups, double clock, run_result *res)
{
    uint64_t spent = 0, visited = 0, cpu0 = cpu_ns();
    for (uint64_t i = 0; i < wakeups; i++) {
        if (ping(b))
            return -1;
        uint64_t t0 = bench_now_ns();
        int got = synack_sock_poll(b->p.st[1], b->pfd, (int)b->n);
        int found = -1;
        for (uint64_t k = 0; k < b->n && found < 0; k++)
            if (b->pfd[k].revents & POLLIN)
                found = b->pfd[k].sock;
        spent += bench_now_ns() - t0;
        visited += b->n;
        if (got != 1 || found != b->busy_s || answer(b, found))
            return -1;
    }
    finish(res, wakeups, spent, visited, cpu0, clock);
    return 0;
}

int bench_ready(const bench_opts *o, bench_report *r)
{
    uint64_t idle = o->conns ? o->conns : o->quick ? QUICK_CONNS : DEFAULT_CONNS;
    uint64_t cap = (uint64_t)MAX_LISTENERS * PER_PORT - 1;
    if (idle > cap)
        idle = cap;
    uint64_t want = idle + 1;
    uint64_t ready_n = o->count ? o->count : o->quick ? READY_WAKEUPS / 10 : READY_WAKEUPS;
    uint64_t sweep_n = o->quick ? SWEEP_WAKEUPS / 4 : SWEEP_WAKEUPS;
    r->other = "sweep";

    synack_config cfg;
    bench_config(&cfg, 1500);
    cfg.ephemeral_lo = 1024;
    cfg.ephemeral_hi = 65535;
    cfg.max_sockets = (uint32_t)want + MAX_LISTENERS + 16;
    cfg.max_conns = (uint32_t)want + 16;
    rb b;
    memset(&b, 0, sizeof b);
    b.ss = malloc(want * sizeof(int));
    b.pfd = malloc(want * sizeof(synack_pollfd));
    if (!b.ss || !b.pfd || bench_pair_init(&b.p, &cfg, 16u << 20, !o->copy_link, o->step_us)) {
        free(b.ss);
        free(b.pfd);
        return -1;
    }
    int failed = 0;
    b.nls = (int)((want + PER_PORT - 1) / PER_PORT);
    for (int k = 0; k < b.nls; k++) {
        b.ls[k] = bench_listen(&b.p, (uint16_t)(PORT + k), 4096);
        if (b.ls[k] < 0)
            failed = 1;
    }
    uint64_t t0 = bench_now_ns();
    int rc = failed ? -EINVAL : open_conns(&b, want, &b.busy_c);
    double open_s = (double)(bench_now_ns() - t0) / 1e9;
    if (rc != 0) {
        bench_note(r, "opening %llu connections failed: %s", (unsigned long long)want,
                   strerror(-rc));
        failed = 1;
        goto out;
    }
    if (bench_setopt(&b.p, 0, b.busy_c, IPPROTO_TCP, TCP_NODELAY, 1) != 0) {
        failed = 1;
        goto out;
    }
    /* The busy connection is the last one opened; its server socket is the one whose peer
     * port is the client's. */
    struct sockaddr_in me, peer;
    socklen_t len = sizeof me;
    synack_getsockname(b.p.st[0], b.busy_c, (struct sockaddr *)&me, &len);
    b.busy_s = -1;
    for (uint64_t k = b.n; k-- > 0 && b.busy_s < 0;) {
        len = sizeof peer;
        if (synack_getpeername(b.p.st[1], b.ss[k], (struct sockaddr *)&peer, &len) == 0 &&
            peer.sin_port == me.sin_port && peer.sin_addr.s_addr == me.sin_addr.s_addr)
            b.busy_s = b.ss[k];
    }
    synack_ready drain[64];
    while (synack_sock_ready(b.p.st[1], drain, 64) > 0) {
    }
    if (b.busy_s < 0 || bench_setopt(&b.p, 1, b.busy_s, IPPROTO_TCP, TCP_NODELAY, 1) != 0) {
        failed = 1;
        goto out;
    }

    double clock = clock_cost();
    run_result sweep = {NAN, NAN, NAN}, ready = {NAN, NAN, NAN};
    if (run_sweep(&b, sweep_n, clock, &sweep) != 0) {
        bench_note(r, "the sweep did not find exactly the busy socket");
        failed = 1;
    }
    while (synack_sock_ready(b.p.st[1], drain, 64) > 0) {
    } /* the sweep's wake-ups queued the busy socket too: start the ready run afresh */
    if (run_ready(&b, ready_n, clock, &ready) != 0) {
        bench_note(r, "a wake-up did not pop exactly the busy socket");
        failed = 1;
    }

    char m[64];
    snprintf(m, sizeof m, "connections open (%llu idle + 1 busy)", (unsigned long long)idle);
    bench_row_add(r, m, "conns", (double)b.n, NAN, BENCH_HIGHER); /* the same stacks */
    bench_row *row = bench_row_add(r, "sockets examined per wake-up", "socks", ready.per, sweep.per,
                                   BENCH_LOWER);
    bench_row_target(row, "= 1 (O(1))", isnan(ready.per) ? -1 : ready.per == 1.0);
    bench_row_add(r, "time to find the ready socket", "ns", ready.find_ns, sweep.find_ns,
                  BENCH_LOWER);
    bench_row_add(r, "CPU per wake-up, whole", "ns", ready.cpu_ns, sweep.cpu_ns, BENCH_LOWER);
    bench_note(r,
               "%llu connections opened in %.2f s; ready: %llu wake-ups, sweep: %llu "
               "wake-ups (synack_sock_poll over every server socket, then a scan of revents)",
               (unsigned long long)b.n, open_s, (unsigned long long)ready_n,
               (unsigned long long)sweep_n);
    bench_note(r,
               "finding: wall clock around that step alone, less %.0f ns for reading the "
               "clock; whole: thread CPU time of the byte in, the finding and the answer out",
               clock);
out:
    bench_pair_free(&b.p);
    free(b.ss);
    free(b.pfd);
    return failed ? -1 : 0;
}
