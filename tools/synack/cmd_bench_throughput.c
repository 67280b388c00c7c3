/* SPDX-License-Identifier: MIT */
/* synack bench throughput — one connection, a bulk transfer from the client stack to the
 * server stack, both in this thread (one core), checksums computed on output and verified
 * on input as always; beside it the kernel over loopback with two threads. Over IPv4, then
 * over IPv6 (2001:db8::1 to ::2 beside the kernel's ::1), with the same targets. */
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cmd_bench.h"

#define DEFAULT_BYTES (4ull << 30)
#define QUICK_BYTES (256ull << 20)
#define PORT 5001

/* What one synack run measured. */
typedef struct tput_result {
    double seconds;     /* wall time from connect to the last byte read */
    double cpu_seconds; /* CPU time meanwhile */
    uint64_t bytes;     /* bytes read by the server application */
    uint64_t frames[2]; /* frames delivered to client (ACKs) and server (data) */
    uint64_t drops;     /* frames lost in the driver's rings (should be 0) */
    uint64_t retrans;   /* RetransSegs of the sender */
    uint32_t mss;       /* the sender's MSS */
    char error[120];    /* "" when it worked */
} tput_result;

static int synack_tput(const bench_opts *o, uint32_t mtu, uint64_t total, int v6, tput_result *res)
{
    memset(res, 0, sizeof(*res));
    synack_config cfg;
    bench_config(&cfg, mtu);
    if (v6)
        bench_config_ipv6(&cfg);
    if (o->sndbuf)
        cfg.sndbuf = o->sndbuf;
    if (o->rcvbuf)
        cfg.rcvbuf = o->rcvbuf;
    bench_pair p;
    if (bench_pair_init(&p, &cfg, 16u << 20, !o->copy_link, o->step_us) != 0) {
        snprintf(res->error, sizeof res->error, "cannot create the stacks");
        return -1;
    }
    size_t chunk = 1u << 20;
    uint8_t *sbuf = malloc(chunk), *rbuf = malloc(chunk);
    int rc = -1;
    if (!sbuf || !rbuf)
        goto out;
    for (size_t i = 0; i < chunk; i++)
        sbuf[i] = (uint8_t)(i * 7u + 1u);

    int ls = bench_listen(&p, PORT, 16);
    int cs = bench_socket(&p, 0);
    if (ls < 0 || cs < 0) {
        snprintf(res->error, sizeof res->error, "socket/listen failed");
        goto out;
    }
    uint64_t t0 = bench_now_ns(), c0 = bench_cpu_ns();
    bench_connect(&p, cs, PORT);
    bench_pair_pump(&p);
    int ss = synack_accept(p.st[1], ls, NULL, NULL);
    if (ss < 0) {
        snprintf(res->error, sizeof res->error, "accept: %d", ss);
        goto out;
    }
    uint64_t sent = 0, rcvd = 0, stalls = 0;
    while (rcvd < total) {
        uint64_t before = rcvd + sent;
        while (sent < total) {
            size_t want = total - sent < chunk ? (size_t)(total - sent) : chunk;
            ssize_t n = bench_send(&p, 0, cs, sbuf, want);
            if (n <= 0)
                break;
            sent += (uint64_t)n;
        }
        bench_pair_pump(&p);
        for (;;) {
            ssize_t n = bench_recv(&p, 1, ss, rbuf, chunk);
            if (n <= 0)
                break;
            rcvd += (uint64_t)n;
        }
        bench_pair_pump(&p);
        if (rcvd + sent == before) {
            /* Nothing moved: only a timer (delayed ACK, persist, RTO) can help. */
            if (!bench_pair_wait(&p, UINT64_MAX) || ++stalls > 100000) {
                snprintf(res->error, sizeof res->error, "stalled at %llu of %llu bytes",
                         (unsigned long long)rcvd, (unsigned long long)total);
                goto out;
            }
        }
    }
    res->seconds = (double)(bench_now_ns() - t0) / 1e9;
    res->cpu_seconds = (double)(bench_cpu_ns() - c0) / 1e9;
    res->bytes = rcvd;
    res->frames[0] = p.frames[0];
    res->frames[1] = p.frames[1];
    res->drops = p.drops;
    res->retrans = synack_counter_get(p.st[0], SYNACK_CTR_RetransSegs);
    synack_tcp_info ti;
    socklen_t len = sizeof ti;
    if (synack_getsockopt(p.st[0], cs, IPPROTO_TCP, SYNACK_TCP_INFO, &ti, &len) == 0)
        res->mss = ti.snd_mss;
    rc = 0;
out:
    free(sbuf);
    free(rbuf);
    bench_pair_free(&p);
    return rc;
}

static double gbit(uint64_t bytes, double seconds)
{
    return seconds > 0 ? (double)bytes * 8.0 / seconds / 1e9 : NAN;
}

int bench_throughput(const bench_opts *o, bench_report *r)
{
    uint64_t total = o->bytes ? o->bytes : o->quick ? QUICK_BYTES : DEFAULT_BYTES;
    uint32_t mtus[2] = {1500, 65535};
    int nmtu = 2;
    if (o->mtu) {
        mtus[0] = o->mtu;
        nmtu = 1;
    }
    int failed = 0;
    bench_note(r,
               "%llu bytes, one connection; synack: two stacks, one thread, %s hand-off, "
               "virtual clock step %llu us",
               (unsigned long long)total, o->copy_link ? "copying" : "direct",
               (unsigned long long)o->step_us);
    for (int run = 0; run < 2 * nmtu; run++) {
        int v6 = run >= nmtu;
        uint32_t mtu = mtus[run % nmtu];
        const char *fam = v6 ? ", IPv6" : "";
        tput_result s;
        kbench_result k;
        memset(&k, 0, sizeof k);
        int srv = synack_tput(o, mtu, total, v6, &s);
        int krv = 0;
        /* At MTU 1500 the kernel's segments carry what synack's do: MTU - 40 (IPv4) or - 60
         * (IPv6) less 12 bytes of timestamps. */
        int maxseg = mtu == 1500 ? (v6 ? 1428 : 1448) : 0;
        if (!o->no_kernel)
            krv = kbench_throughput(total, maxseg, v6, &k);
        double sg = srv == 0 ? gbit(s.bytes, s.seconds) : NAN;
        double kg = !o->no_kernel && krv == 0 ? gbit(k.bytes, k.seconds) : NAN;
        char metric[64];
        snprintf(metric, sizeof metric, "throughput, MTU %u%s", mtu, fam);
        bench_row *row = bench_row_add(r, metric, "Gbit/s", sg, kg, BENCH_HIGHER);
        double want = mtu == 1500 ? 2.5 : 2.0;
        double ratio = bench_ratio(row);
        char t[40];
        snprintf(t, sizeof t, "ratio >= %.1f", want);
        bench_row_target(row, t, isnan(ratio) ? -1 : ratio >= want);
        snprintf(metric, sizeof metric, "  per CPU-second, MTU %u%s", mtu, fam);
        bench_row_add(r, metric, "Gbit/cpu-s", srv == 0 ? gbit(s.bytes, s.cpu_seconds) : NAN,
                      !o->no_kernel && krv == 0 ? gbit(k.bytes, k.cpu_seconds) : NAN, BENCH_HIGHER);
        if (srv == 0) {
            bench_note(r,
                       "synack MTU %u%s: MSS %u, %.3f s, %llu data frames, %llu ACK frames, "
                       "%.0f ns/data frame, %llu retransmitted, %llu driver drops",
                       mtu, fam, s.mss, s.seconds, (unsigned long long)s.frames[1],
                       (unsigned long long)s.frames[0],
                       s.frames[1] ? s.seconds * 1e9 / (double)s.frames[1] : 0.0,
                       (unsigned long long)s.retrans, (unsigned long long)s.drops);
        } else {
            bench_note(r, "synack MTU %u%s failed: %s", mtu, fam, s.error);
            failed = 1;
        }
        if (o->no_kernel)
            continue;
        if (krv == 0)
            bench_note(r,
                       "kernel MTU %u%s: loopback %s (MTU 65536), TCP_MAXSEG %s (reads back "
                       "%d), cc %s, TCP_NODELAY off, %.3f s wall, %.3f CPU-s on 2 threads",
                       mtu, fam, v6 ? "::1" : "127.0.0.1",
                       maxseg ? (v6 ? "1428" : "1448") : "default", k.mss, k.cc, k.seconds,
                       k.cpu_seconds);
        else {
            bench_note(r, "kernel MTU %u%s failed: %s", mtu, fam, k.error);
            failed = 1;
        }
    }
    return failed ? -1 : 0;
}
