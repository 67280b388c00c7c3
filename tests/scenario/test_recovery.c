/* SPDX-License-Identifier: MIT */
/* Loss recovery and window growth, asserted on the exact segments: slow start (RFC 5681
 * 3.1), fast retransmit on three duplicate ACKs (RFC 5681 3.2), SACK recovery of several
 * holes within one round trip (RFC 6675), and RTO backoff then recovery (RFC 6298 5). */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "support/pair.h"

#define RTT_US 20000 /* 10 ms each way */

typedef struct drop_list {
    uint32_t seqs[8]; /* client data segments to drop once, by sequence number */
    int n;            /* entries */
    int done[8];      /* already dropped */
    int blackhole;    /* drop all client data */
} drop_list;

static int drop_filter(pair *p, const pair_seg *s, size_t n, void *ctx)
{
    (void)p;
    (void)n;
    drop_list *d = ctx;
    if (s->from != PAIR_CLIENT || s->s.len == 0)
        return 0;
    if (d->blackhole)
        return 1;
    for (int i = 0; i < d->n; i++) {
        if (!d->done[i] && s->s.seq == d->seqs[i]) {
            d->done[i] = 1;
            return 1;
        }
    }
    return 0;
}

static void setup(pair *p, int sack, int *cs, int *ss)
{
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.sack = (uint8_t)sack;
    cfg.timestamps = 0; /* 1460-byte segments keep the arithmetic plain */
    pair_init(p, &cfg, RTT_US / 2);
    int ls = pair_listen(p, 80, 4);
    *cs = pair_connect(p, 80);
    pair_run_for(p, 3 * RTT_US);
    *ss = synack_accept(p->st[1], ls, NULL, NULL);
    assert_true(*ss >= 0);
    int one = 1;
    synack_setsockopt(p->st[0], *cs, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static uint32_t client_iss_data(const pair *p)
{
    return p->segs[0].s.seq + 1; /* the SYN's sequence number + 1 */
}

static size_t drain(pair *p, int ss)
{
    static char buf[1 << 16];
    size_t total = 0;
    long n;
    while ((n = synack_recv(p->st[1], ss, buf, sizeof(buf), 0)) > 0)
        total += (size_t)n;
    return total;
}

static void test_slow_start_doubles_per_rtt(void **state)
{
    (void)state;
    pair p;
    int cs, ss;
    setup(&p, 1, &cs, &ss);
    static char data[150 * 1460];
    memset(data, 'd', sizeof(data));
    size_t mark = p.nsegs;
    uint64_t t0 = p.now;
    assert_int_equal(synack_send(p.st[0], cs, data, sizeof(data), 0), sizeof(data));
    /* count data segments in each round trip (the server reads everything at once) */
    int per_round[4] = {0};
    for (int r = 0; r < 4; r++) {
        pair_run_until(&p, t0 + (uint64_t)(r + 1) * RTT_US - 1);
        drain(&p, ss);
        for (size_t i = mark; i < p.nsegs; i++)
            if (p.segs[i].from == PAIR_CLIENT && p.segs[i].s.len)
                per_round[r]++;
        mark = p.nsegs;
    }
    assert_int_equal(per_round[0], 10); /* RFC 6928 initial window */
    /* every ACK in slow start adds one SMSS; the delayed-ACK receiver ACKs every second
     * segment, so the window grows by half the segments acked (RFC 5681 3.1 ABC, L=1) */
    assert_true(per_round[1] >= 15 && per_round[1] <= 20);
    assert_true(per_round[2] > per_round[1] + 5);
    pair_free(&p);
}

static void test_fast_retransmit_three_dupacks(void **state)
{
    (void)state;
    pair p;
    int cs, ss;
    setup(&p, 0, &cs, &ss);
    drop_list d = {.n = 1};
    d.seqs[0] = client_iss_data(&p) + 2 * 1460; /* the third segment */
    p.filter = drop_filter;
    p.filter_ctx = &d;
    static char data[10 * 1460];
    memset(data, 'x', sizeof(data));
    assert_int_equal(synack_send(p.st[0], cs, data, sizeof(data), 0), sizeof(data));
    size_t mark = p.nsegs;
    pair_run_for(&p, 5 * RTT_US);
    assert_int_equal(drain(&p, ss), sizeof(data));
    /* the server sends one duplicate ACK per out-of-order segment; the third triggers
     * a retransmission of exactly the lost segment, well before any RTO */
    int dupacks = 0, rexmit_at = -1;
    for (size_t i = mark; i < p.nsegs; i++) {
        if (p.segs[i].from == PAIR_SERVER && p.segs[i].s.ack == d.seqs[0])
            dupacks++;
        if (p.segs[i].from == PAIR_CLIENT && p.segs[i].s.seq == d.seqs[0] && !p.segs[i].dropped)
            rexmit_at = (int)i;
    }
    assert_true(dupacks >= 3);
    assert_true(rexmit_at > 0);
    assert_int_equal(synack_counter_get(p.st[0], SYNACK_CTR_TCPFastRetrans), 1);
    assert_int_equal(synack_counter_get(p.st[0], SYNACK_CTR_TCPTimeouts), 0);
    assert_int_equal(synack_counter_get(p.st[0], SYNACK_CTR_RetransSegs), 1);
    assert_true(p.segs[rexmit_at].t - p.segs[mark].t < 2 * RTT_US);
    pair_free(&p);
}

static void test_sack_recovers_three_holes_in_one_rtt(void **state)
{
    (void)state;
    pair p;
    int cs, ss;
    setup(&p, 1, &cs, &ss);
    uint32_t base = client_iss_data(&p);
    drop_list d = {.n = 3};
    d.seqs[0] = base + 2 * 1460;
    d.seqs[1] = base + 5 * 1460;
    d.seqs[2] = base + 8 * 1460;
    p.filter = drop_filter;
    p.filter_ctx = &d;
    static char data[10 * 1460];
    memset(data, 's', sizeof(data));
    assert_int_equal(synack_send(p.st[0], cs, data, sizeof(data), 0), sizeof(data));
    size_t mark = p.nsegs;
    pair_run_for(&p, 10 * RTT_US);
    assert_int_equal(drain(&p, ss), sizeof(data));
    uint64_t first = UINT64_MAX, last = 0;
    int found = 0;
    for (size_t i = mark; i < p.nsegs; i++) {
        const pair_seg *s = &p.segs[i];
        if (s->from != PAIR_CLIENT || s->dropped)
            continue;
        for (int k = 0; k < 3; k++) {
            if (s->s.seq == d.seqs[k]) {
                found++;
                if (s->t < first)
                    first = s->t;
                if (s->t > last)
                    last = s->t;
            }
        }
    }
    assert_int_equal(found, 3);
    /* all three holes resent within one round trip, no timeout, nothing resent twice */
    assert_true(last - first < RTT_US);
    assert_int_equal(synack_counter_get(p.st[0], SYNACK_CTR_TCPTimeouts), 0);
    assert_int_equal(synack_counter_get(p.st[0], SYNACK_CTR_RetransSegs), 3);
    assert_true(synack_counter_get(p.st[0], SYNACK_CTR_TCPSACKRecv) > 0);
    pair_free(&p);
}

static void test_rto_backoff_then_recovery(void **state)
{
    (void)state;
    pair p;
    int cs, ss;
    setup(&p, 1, &cs, &ss);
    drop_list d = {.blackhole = 1};
    p.filter = drop_filter;
    p.filter_ctx = &d;
    static char data[4 * 1460];
    memset(data, 'r', sizeof(data));
    assert_int_equal(synack_send(p.st[0], cs, data, sizeof(data), 0), sizeof(data));
    uint64_t t0 = p.now;
    size_t mark = p.nsegs;
    pair_run_for(&p, 5000000);
    /* the first data segment is resent at RTO, then 2 RTO, 4 RTO ... (RFC 6298 5.5) */
    uint32_t first = client_iss_data(&p);
    uint64_t times[8];
    int n = 0;
    for (size_t i = mark; i < p.nsegs && n < 8; i++)
        if (p.segs[i].from == PAIR_CLIENT && p.segs[i].s.seq == first && p.segs[i].s.len)
            times[n++] = p.segs[i].t - t0;
    assert_true(n >= 4);
    for (int i = 2; i < n; i++) {
        uint64_t gap = times[i] - times[i - 1], prev = times[i - 1] - times[i - 2];
        assert_true(gap >= 2 * prev - 2 && gap <= 2 * prev + 2);
    }
    /* the path comes back: everything arrives and the timer backs off no more */
    d.blackhole = 0;
    pair_run_for(&p, 10000000);
    assert_int_equal(drain(&p, ss), sizeof(data));
    synack_tcp_info info;
    socklen_t len = sizeof(info);
    assert_int_equal(synack_getsockopt(p.st[0], cs, IPPROTO_TCP, TCP_INFO, &info, &len), 0);
    assert_int_equal(info.retransmits, 0);
    assert_int_equal(info.unacked, 0);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slow_start_doubles_per_rtt),
        cmocka_unit_test(test_fast_retransmit_three_dupacks),
        cmocka_unit_test(test_sack_recovers_three_holes_in_one_rtt),
        cmocka_unit_test(test_rto_backoff_then_recovery),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
