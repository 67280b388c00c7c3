/* SPDX-License-Identifier: MIT */
/* More holes than the SACK scoreboard holds (TCP_SACK_SCOREBOARD = 32 ranges): the sender
 * must not resend data the receiver already SACKed. 80 segments leave in one flight and
 * every other one is lost: 40 holes, 40 SACKed ranges. The receiver is played by the test
 * (seghost) and reports SACK blocks as RFC 2018 4 asks: the block holding the segment that
 * just arrived first, then the most recently changed others, four at most. The sender
 * keeps the lowest 32 ranges and forgets the rest (SackScoreboardOverflows); every byte it
 * resends must be one the receiver does not hold, and exactly the lost bytes are resent,
 * without an RTO. With and without RACK. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/fixture.h"
#include "support/seghost.h"

#define RTT_US 20000
#define MSS 500
#define NSEG 80
#define TOTAL (NSEG * MSS)

typedef struct receiver {
    uint8_t got[TOTAL];   /* bytes the receiver holds (offsets from the first data byte) */
    uint32_t stamp[NSEG]; /* arrival order of each MSS slot's latest byte, 0 = never */
    uint32_t arrivals;    /* arrivals so far */
    uint32_t cum;         /* the cumulative ACK (offset) */
    uint64_t dup_bytes;   /* bytes that arrived although the receiver held them */
} receiver;

static receiver rx;

/* A run [l, r) of held bytes above cum, and how recently it changed. */
typedef struct run {
    uint32_t l, r, recency;
} run;

static void arrive(seghost *h, uint32_t base, uint32_t off, uint32_t len)
{
    for (uint32_t i = off; i < off + len && i < TOTAL; i++) {
        if (rx.got[i])
            rx.dup_bytes++;
        rx.got[i] = 1;
    }
    rx.arrivals++;
    for (uint32_t i = off; i < off + len && i < TOTAL; i += MSS)
        rx.stamp[i / MSS] = rx.arrivals;
    while (rx.cum < TOTAL && rx.got[rx.cum])
        rx.cum++;
    /* the runs above cum, most recently changed first */
    run runs[NSEG];
    uint32_t n = 0;
    for (uint32_t i = rx.cum; i < TOTAL;) {
        if (!rx.got[i]) {
            i++;
            continue;
        }
        run x = {i, i, 0};
        while (x.r < TOTAL && rx.got[x.r]) {
            if (rx.stamp[x.r / MSS] > x.recency)
                x.recency = rx.stamp[x.r / MSS];
            x.r++;
        }
        runs[n++] = x;
        i = x.r;
    }
    tcp_opts o = {0};
    for (uint32_t k = 0; k < n && o.nsack < TCP_MAX_SACK; k++) {
        uint32_t best = k;
        for (uint32_t j = k + 1; j < n; j++)
            if (runs[j].recency > runs[best].recency)
                best = j;
        run t = runs[k];
        runs[k] = runs[best];
        runs[best] = t;
        o.sack[o.nsack].left = base + runs[k].l;
        o.sack[o.nsack].right = base + runs[k].r;
        o.nsack++;
    }
    sh_send(h, 40000, 80, 1001, base + rx.cum, TCP_ACK, 65535, NULL, 0, &o);
}

static void transfer(int rack)
{
    memset(&rx, 0, sizeof(rx));
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.rack = (uint8_t)rack;
    cfg.timestamps = 0;
    cfg.initial_cwnd_segs = 100; /* the whole flight at once */
    seghost h;
    uint32_t base;
    int s = fx_sh_sack_rtt(&h, &cfg, MSS, RTT_US, &base);
    static char data[TOTAL];
    memset(data, 'q', sizeof(data));
    size_t from = h.nout;
    assert_int_equal(synack_send(h.st, s, data, TOTAL, 0), TOTAL);
    uint32_t snd_high = 0; /* offset one past the highest byte sent */
    uint64_t resent = 0;   /* payload bytes sent again */
    for (int step = 0; step < 5000 && rx.cum < TOTAL; step++) {
        sh_run_for(&h, 1000);
        /* each segment reaches the receiver half an RTT after it left, its ACK the
         * sender another half later: delivered here one RTT after it left */
        while (from < h.nout && h.out[from].t + RTT_US <= h.now) {
            const sh_seg *x = &h.out[from++];
            uint32_t len = x->s.payload_len;
            if (!len)
                continue;
            uint32_t off = x->s.seq - base;
            int first = off >= snd_high;
            if (first)
                snd_high = off + len;
            else
                resent += len;
            if (first && (off / MSS) % 2 == 0)
                continue; /* lost: every other segment of the first flight */
            arrive(&h, base, off, len);
        }
    }
    assert_int_equal(rx.cum, TOTAL);
    assert_true(synack_counter_get(h.st, SYNACK_CTR_SackScoreboardOverflows) > 0);
    /* nothing the receiver held came again; exactly the 40 lost segments were resent */
    assert_int_equal(rx.dup_bytes, 0);
    assert_int_equal(resent, (NSEG / 2) * MSS);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPTimeouts), 0);
    sh_free(&h);
}

static void test_scoreboard_overflow_resends_only_lost(void **state)
{
    (void)state;
    transfer(0);
}

static void test_scoreboard_overflow_resends_only_lost_rack(void **state)
{
    (void)state;
    transfer(1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scoreboard_overflow_resends_only_lost),
        cmocka_unit_test(test_scoreboard_overflow_resends_only_lost_rack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
