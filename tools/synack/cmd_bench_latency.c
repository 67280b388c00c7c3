/* SPDX-License-Identifier: MIT */
/* synack bench latency — one-byte ping-pong on one connection: the client sends a byte,
 * the server reads it and sends one back, the client reads it. Each round trip is timed
 * with CLOCK_MONOTONIC (the clock reads, ~20 ns each, are inside the figure). Beside it the
 * kernel over loopback with both threads pinned to one CPU. Over IPv4, then over IPv6
 * (2001:db8::1 to ::2 beside the kernel's ::1), with the same target. */
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_bench.h"

#define DEFAULT_COUNT 1000000u
#define QUICK_COUNT 100000u
#define PORT 7

/* One round trip; returns 0 or -1 when a byte did not arrive. */
static int ping_pong(bench_pair *p, int cs, int ss)
{
    uint8_t b = 'p';
    if (bench_send(p, 0, cs, &b, 1) != 1)
        return -1;
    bench_pair_pump(p);
    if (bench_recv(p, 1, ss, &b, 1) != 1 || bench_send(p, 1, ss, &b, 1) != 1)
        return -1;
    bench_pair_pump(p);
    if (bench_recv(p, 0, cs, &b, 1) != 1)
        return -1;
    p->now += p->step_us;
    return 0;
}

static int latency_family(const bench_opts *o, bench_report *r, uint64_t count, int v6)
{
    uint32_t *rtt = malloc(count * sizeof *rtt);
    if (!rtt)
        return -1;
    const char *fam = v6 ? ", IPv6" : "";
    synack_config cfg;
    bench_config(&cfg, 1500);
    if (v6)
        bench_config_ipv6(&cfg);
    bench_pair p;
    if (bench_pair_init(&p, &cfg, 1u << 20, !o->copy_link, o->step_us) != 0) {
        free(rtt);
        return -1;
    }
    int cpu = o->cpu >= 0 ? o->cpu : 0;
    cpu_set_t old;
    sched_getaffinity(0, sizeof old, &old);
    bench_pin(cpu);
    int cs = -1, ss = -1, failed = 0;
    uint64_t done = 0;
    double secs = NAN;
    if (bench_pair_connect_one(&p, PORT, &cs, &ss) != 0) {
        bench_note(r, "synack%s: could not establish the connection", fam);
        failed = 1;
    } else {
        for (int i = 0; i < 1000; i++) /* warm the caches and the branch predictors */
            ping_pong(&p, cs, ss);
        uint64_t t0 = bench_now_ns();
        for (; done < count; done++) {
            uint64_t a = bench_now_ns();
            if (ping_pong(&p, cs, ss) != 0) {
                bench_note(r, "synack%s: round trip #%llu failed", fam, (unsigned long long)done);
                failed = 1;
                break;
            }
            uint64_t d = bench_now_ns() - a;
            rtt[done] = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
        }
        secs = (double)(bench_now_ns() - t0) / 1e9;
    }
    sched_setaffinity(0, sizeof old, &old);
    uint64_t segs = synack_counter_get(p.st[0], SYNACK_CTR_OutSegs) +
                    synack_counter_get(p.st[1], SYNACK_CTR_OutSegs);
    bench_pair_free(&p);
    double med = bench_quantile_u32(rtt, done, 0.5);
    double p99 = bench_quantile_u32(rtt, done, 0.99);

    kbench_result k;
    memset(&k, 0, sizeof k);
    int krv = o->no_kernel ? -1 : kbench_latency(count, cpu, v6, &k);
    double kmed = krv == 0 ? k.median_ns : NAN, kp99 = krv == 0 ? k.p99_ns : NAN;

    char m[48];
    snprintf(m, sizeof m, "round trip, median%s", fam);
    bench_row *row = bench_row_add(r, m, "us", med / 1e3, kmed / 1e3, BENCH_LOWER);
    bench_row_target(row, "synack <= 0.5 us", done ? med <= 500 : -1);
    snprintf(m, sizeof m, "round trip, p99%s", fam);
    bench_row_add(r, m, "us", p99 / 1e3, kp99 / 1e3, BENCH_LOWER);
    snprintf(m, sizeof m, "round trip, mean%s", fam);
    bench_row_add(r, m, "us", done ? secs * 1e6 / (double)done : NAN,
                  krv == 0 && k.count ? k.seconds * 1e6 / (double)k.count : NAN, BENCH_LOWER);
    bench_note(r,
               "%s%llu round trips, 1 byte each way, TCP_NODELAY on both ends, pinned to CPU %d; "
               "synack: %.2f segments per round trip (delayed ACKs ride on the reply)",
               v6 ? "IPv6: " : "", (unsigned long long)done, cpu,
               done ? (double)segs / (double)(done + 1000) : 0.0);
    if (!o->no_kernel) {
        if (krv == 0)
            bench_note(r,
                       "kernel%s: loopback %s, echo thread and client thread both on CPU %d, "
                       "%.3f s",
                       fam, v6 ? "::1" : "127.0.0.1", cpu, k.seconds);
        else {
            bench_note(r, "kernel%s failed: %s", fam, k.error);
            failed = 1;
        }
    }
    free(rtt);
    return failed ? -1 : 0;
}

int bench_latency(const bench_opts *o, bench_report *r)
{
    uint64_t count = o->count ? o->count : o->quick ? QUICK_COUNT : DEFAULT_COUNT;
    int failed = latency_family(o, r, count, 0) != 0;
    failed |= latency_family(o, r, count, 1) != 0;
    return failed ? -1 : 0;
}
