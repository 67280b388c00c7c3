/* SPDX-License-Identifier: MIT */
/* Pacing on the simulated link (src/tcp/pacing.c): the data segments a paced sender puts on
 * the wire conform to a token bucket of its rate and quantum — in any stretch of time,
 * no more than quantum + rate x duration bytes leave — where an unpaced sender sends its
 * window in bursts. With SO_MAX_PACING_RATE the rate is the one asked for; with the
 * config's `pacing` and no cap, Linux's rule (2 x cwnd / SRTT in slow start) spreads even
 * the initial window. Every run delivers a byte pattern the receiver checks. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "support/pair.h"

#define MSS 1448u

static uint8_t pattern_byte(uint64_t off)
{
    return (uint8_t)((off * 0x9e3779b1u) >> 11);
}

/* Connects (with SO_MAX_PACING_RATE = cap first, if cap), moves `total` bytes client ->
 * server, checks them, and returns the index of the first segment after the handshake. */
static size_t transfer(pair *p, const synack_config *cfg, uint32_t cap, uint64_t total)
{
    synack_fault_config f = {.delay_us = 10000};
    pair_init_faults(p, cfg, &f, &f);
    int ls = pair_listen(p, 80, 4);
    synack_stack *cl = p->st[PAIR_CLIENT], *sv = p->st[PAIR_SERVER];
    int cs = synack_socket(cl, SOCK_STREAM);
    if (cap)
        assert_int_equal(
            synack_setsockopt(cl, cs, SOL_SOCKET, SO_MAX_PACING_RATE, &cap, sizeof(cap)), 0);
    struct sockaddr_in sin = {
        .sin_family = AF_INET, .sin_port = htons(80), .sin_addr.s_addr = htonl(PAIR_SERVER_ADDR)};
    assert_int_equal(synack_connect(cl, cs, (struct sockaddr *)&sin, sizeof(sin)), -EINPROGRESS);
    int ss = -EAGAIN;
    while (ss == -EAGAIN && p->now < 1000000) {
        pair_run_for(p, 1000);
        ss = synack_accept(sv, ls, NULL, NULL);
    }
    assert_true(ss >= 0);
    size_t first = p->nsegs;
    uint64_t sent = 0, got = 0;
    uint8_t buf[8192];
    while (got < total && p->now < 60000000) {
        while (sent < total) {
            size_t n = total - sent < sizeof(buf) ? (size_t)(total - sent) : sizeof(buf);
            for (size_t i = 0; i < n; i++)
                buf[i] = pattern_byte(sent + i);
            ssize_t r = synack_send(cl, cs, buf, n, 0);
            if (r == -EAGAIN)
                break;
            assert_true(r > 0);
            sent += (uint64_t)r;
        }
        pair_run_for(p, 1000);
        for (;;) {
            ssize_t r = synack_recv(sv, ss, buf, sizeof(buf), 0);
            if (r == -EAGAIN)
                break;
            assert_true(r > 0);
            for (ssize_t i = 0; i < r; i++)
                if (buf[i] != pattern_byte(got + (uint64_t)i))
                    fail_msg("byte %llu differs", (unsigned long long)(got + (uint64_t)i));
            got += (uint64_t)r;
        }
    }
    assert_int_equal(got, total);
    return first;
}

/* The largest excess over the token bucket: max over i <= j of
 * bytes(i..j) - rate x (t_j - t_i), over the client's data segments from `first` on. A
 * sender paced at `rate` with a bucket of q bytes never exceeds q. */
static double bucket_excess(const pair *p, size_t first, double rate, uint64_t *bytes,
                            uint64_t *t_first, uint64_t *t_last)
{
    double sum = 0, best_start = -1e300, worst = 0;
    *bytes = 0;
    *t_first = *t_last = 0;
    for (size_t k = first; k < p->nsegs; k++) {
        const pair_seg *s = &p->segs[k];
        if (s->from != PAIR_CLIENT || s->s.len == 0)
            continue;
        double t = (double)s->t / 1e6;
        if (!*bytes)
            *t_first = s->t;
        *t_last = s->t;
        /* bytes(i..j) - rate (t_j - t_i) = (sum_j - rate t_j) + (rate t_i - sum_{i-1}) */
        if (rate * t - sum > best_start)
            best_start = rate * t - sum;
        sum += s->s.len;
        *bytes += s->s.len;
        double excess = sum - rate * t + best_start;
        if (excess > worst)
            worst = excess;
    }
    return worst;
}

static void test_max_pacing_rate_spaces_segments(void **state)
{
    (void)state;
    const uint32_t rate = 1250000;  /* 10 Mbit/s */
    const double quantum = 2 * MSS; /* max(2 segments, 1 ms of the rate + 1 segment) */
    synack_config cfg;
    synack_config_default(&cfg);
    uint64_t bytes, t0, t1;

    pair p;
    size_t first = transfer(&p, &cfg, rate, 1u << 20);
    double excess = bucket_excess(&p, first, rate, &bytes, &t0, &t1);
    double avg = (double)bytes / ((double)(t1 - t0) / 1e6);
    printf("paced at 10 Mbit/s: largest burst beyond the rate %.0f bytes (quantum %.0f), "
           "average %.2f Mbit/s\n",
           excess, quantum, avg * 8 / 1e6);
    assert_true(excess <= quantum + 1);
    /* paced at the rate, not below it: slow start's first round trips are the only gap */
    assert_true(avg <= rate * 1.001 && avg >= rate * 0.9);
    pair_free(&p);

    /* the same transfer unpaced: the check above would have caught its bursts */
    first = transfer(&p, &cfg, 0, 1u << 20);
    excess = bucket_excess(&p, first, rate, &bytes, &t0, &t1);
    printf("unpaced: largest burst beyond 10 Mbit/s %.0f bytes\n", excess);
    assert_true(excess > 4 * quantum);
    pair_free(&p);
}

/* Times of the first n data segments of the client from `first` on. */
static void first_data_times(const pair *p, size_t first, uint64_t *t, int n)
{
    int k = 0;
    for (size_t i = first; i < p->nsegs && k < n; i++)
        if (p->segs[i].from == PAIR_CLIENT && p->segs[i].s.len > 0)
            t[k++] = p->segs[i].t;
    assert_int_equal(k, n);
}

static void test_default_rule_spreads_initial_window(void **state)
{
    (void)state;
    synack_config cfg;
    synack_config_default(&cfg);
    uint64_t t[10];
    pair p;

    /* unpaced: the initial window of 10 segments leaves at once */
    size_t first = transfer(&p, &cfg, 0, 64 * 1024);
    first_data_times(&p, first, t, 10);
    assert_true(t[9] == t[0]);
    pair_free(&p);

    /* paced: 2 x cwnd / SRTT = 2 x 14480 B / 20 ms = 1.448 MB/s, one segment per ms after
     * the two the full bucket lets go */
    cfg.pacing = 1;
    first = transfer(&p, &cfg, 0, 64 * 1024);
    first_data_times(&p, first, t, 10);
    printf("paced initial window: segments at +0 +%.3f ... +%.3f ms\n", (double)(t[2] - t[0]) / 1e3,
           (double)(t[9] - t[0]) / 1e3);
    assert_true(t[1] == t[0]);
    for (int k = 2; k < 10; k++) {
        uint64_t gap = t[k] - t[k - 1];
        assert_true(gap >= 990 && gap <= 1010); /* SRTT is the handshake's 20 ms and a bit */
    }
    pair_free(&p);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_max_pacing_rate_spaces_segments),
        cmocka_unit_test(test_default_rule_spreads_initial_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
