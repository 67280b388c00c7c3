/* SPDX-License-Identifier: MIT */
/* RACK-TLP loss detection (RFC 8985), config `rack`: a segment is lost once a segment sent
 * RACK.rtt + reo_wnd later has been delivered, whatever the count of duplicate ACKs.
 * Asserted on exact segments and times: reordering inside the window is not resent (the
 * DupThresh rule resends it), a lost segment is resent exactly RTT + min_RTT/4 after it was
 * sent, a lost retransmission is found without an RTO (DupThresh recovery needs the RTO),
 * a lost tail is probed then repaired, and a bulk transfer over loss and reordering arrives
 * intact. */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "support/fixture.h"
#include "support/pair.h"
#include "support/seghost.h"

#define RTT_US 20000 /* 10 ms each way */
#define MSS 1460     /* timestamps off: full 1460-byte segments */
#define PSH 0x08

static uint64_t ctr(pair *p, int host, synack_counter c)
{
    return synack_counter_get(p->st[host], c);
}

static synack_config config(int rack)
{
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.rack = (uint8_t)rack;
    cfg.timestamps = 0;
    return cfg;
}

/* Listen, connect, accept; the client sends without Nagle. Returns the server socket. */
static int establish(pair *p, int *cs)
{
    int ls = pair_listen(p, 80, 4);
    *cs = pair_connect(p, 80);
    pair_run_for(p, 3 * RTT_US);
    int ss = synack_accept(p->st[PAIR_SERVER], ls, NULL, NULL);
    assert_true(ss >= 0);
    int one = 1;
    synack_setsockopt(p->st[PAIR_CLIENT], *cs, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return ss;
}

static size_t drain(pair *p, int ss)
{
    static char buf[1 << 16];
    size_t total = 0;
    long n;
    while ((n = synack_recv(p->st[PAIR_SERVER], ss, buf, sizeof(buf), 0)) > 0)
        total += (size_t)n;
    return total;
}

/* The client writes `n` full segments, one every millisecond (each leaves at once). */
static void trickle(pair *p, int cs, int n)
{
    static char seg[MSS];
    memset(seg, 'r', sizeof(seg));
    for (int i = 0; i < n; i++) {
        assert_int_equal(synack_send(p->st[PAIR_CLIENT], cs, seg, MSS, 0), MSS);
        pair_run_for(p, 1000);
    }
}

/* Client data segments carrying seq, in order: their indexes in p->segs. */
static int sends_of(const pair *p, uint32_t seq, size_t *idx, int max)
{
    int k = 0;
    for (size_t i = 0; i < p->nsegs && k < max; i++)
        if (p->segs[i].from == PAIR_CLIENT && p->segs[i].s.len && p->segs[i].s.seq == seq)
            idx[k++] = i;
    return k;
}

/* ---- (1) reordering inside the window ---- */

/* Eight segments with the third held back 2.5 ms (two overtake it), then ten with the
 * eleventh overall held back 4.2 ms (four overtake it). Returns RetransSegs. */
static uint64_t run_reordered(int rack)
{
    synack_config cfg = config(rack);
    synack_fault_config c2s = {.delay_us = RTT_US / 2};
    c2s.rules[0] =
        (synack_fault_rule){.flags_mask = PSH, .flags_value = PSH, .nth = 3, .delay_us = 2500};
    c2s.rules[1] =
        (synack_fault_rule){.flags_mask = PSH, .flags_value = PSH, .nth = 11, .delay_us = 4200};
    synack_fault_config s2c = {.delay_us = RTT_US / 2};
    pair p;
    pair_init_faults(&p, &cfg, &c2s, &s2c);
    int cs, ss = establish(&p, &cs);
    trickle(&p, cs, 8);
    pair_run_for(&p, 200000);
    assert_int_equal(drain(&p, ss), 8 * MSS);
    trickle(&p, cs, 10);
    pair_run_for(&p, 300000);
    assert_int_equal(drain(&p, ss), 10 * MSS);
    uint64_t retrans = ctr(&p, PAIR_CLIENT, SYNACK_CTR_RetransSegs);
    if (rack) {
        /* the reordering timer was set (RTT + 5 ms after each late segment was sent) and
         * stopped when the segment came in, 0.5 and 0.8 ms before it would have fired */
        assert_int_equal(ctr(&p, PAIR_CLIENT, SYNACK_CTR_RackReorderTimeouts), 0);
        assert_int_equal(ctr(&p, PAIR_CLIENT, SYNACK_CTR_RackLossDetected), 0);
        assert_int_equal(ctr(&p, PAIR_CLIENT, SYNACK_CTR_TCPFastRetrans), 0);
    }
    assert_int_equal(ctr(&p, PAIR_CLIENT, SYNACK_CTR_TCPTimeouts), 0);
    pair_free(&p);
    return retrans;
}

static void test_reordering_within_window_is_not_retransmitted(void **state)
{
    (void)state;
    /* RACK: the first late segment shows reordering (RACK.reordering_seen), so the second,
     * with four SACKed segments above it, still gets min_RTT/4 = 5 ms: nothing resent */
    assert_int_equal(run_reordered(1), 0);
    /* DupThresh: the four duplicate ACKs of the second episode resend the late segment */
    assert_int_equal(run_reordered(0), 1);
}

/* ---- (2) a lost segment among delivered ones ---- */

typedef struct drop_seq {
    uint32_t seq; /* client data segment to drop */
    int times;    /* how many of its transmissions to drop */
    int dropped;  /* dropped so far */
} drop_seq;

static int drop_filter(pair *p, const pair_seg *s, size_t n, void *ctx)
{
    (void)p;
    (void)n;
    drop_seq *d = ctx;
    if (s->from != PAIR_CLIENT || s->s.len == 0 || s->s.seq != d->seq || d->dropped >= d->times)
        return 0;
    d->dropped++;
    return 1;
}

static void test_lost_segment_resent_after_rtt_plus_reo_wnd(void **state)
{
    (void)state;
    synack_config cfg = config(1);
    synack_fault_config link = {.delay_us = RTT_US / 2};
    pair p;
    pair_init_faults(&p, &cfg, &link, &link);
    int cs, ss = establish(&p, &cs);
    drop_seq d = {.seq = p.segs[0].s.seq + 1 + 2 * MSS, .times = 1};
    p.filter = drop_filter;
    p.filter_ctx = &d;
    trickle(&p, cs, 5);
    pair_run_for(&p, 200000);
    assert_int_equal(drain(&p, ss), 5 * MSS);
    size_t idx[4];
    assert_int_equal(sends_of(&p, d.seq, idx, 4), 2);
    /* Two segments SACKed above it (fewer than DupThresh): the reordering timer resends it
     * RACK.rtt (20 ms) + min_RTT/4 (5 ms) after it was sent, no earlier, no later */
    assert_int_equal(p.segs[idx[1]].t - p.segs[idx[0]].t, RTT_US + RTT_US / 4);
    assert_int_equal(ctr(&p, PAIR_CLIENT, SYNACK_CTR_RackReorderTimeouts), 1);
    assert_int_equal(ctr(&p, PAIR_CLIENT, SYNACK_CTR_RackLossDetected), 1);
    assert_int_equal(ctr(&p, PAIR_CLIENT, SYNACK_CTR_RetransSegs), 1);
    assert_int_equal(ctr(&p, PAIR_CLIENT, SYNACK_CTR_TCPFastRetrans), 1);
    assert_int_equal(ctr(&p, PAIR_CLIENT, SYNACK_CTR_TCPTimeouts), 0);
    assert_int_equal(ctr(&p, PAIR_CLIENT, SYNACK_CTR_TCPLossProbes), 0);
    pair_free(&p);
}

/* ---- (3) a lost retransmission ---- */

/* 40 segments at once; the third and its first retransmission are lost. Fills sends[] with
 * the times the third segment was sent. Returns how many times it was sent. */
static int run_lost_retransmission(int rack, uint64_t *timeouts, uint64_t *lost_rexmit,
                                   uint64_t *sends)
{
    synack_config cfg = config(rack);
    pair p;
    pair_init(&p, &cfg, RTT_US / 2);
    int cs, ss = establish(&p, &cs);
    drop_seq d = {.seq = p.segs[0].s.seq + 1 + 2 * MSS, .times = 2};
    p.filter = drop_filter;
    p.filter_ctx = &d;
    static char data[40 * MSS];
    memset(data, 'l', sizeof(data));
    uint64_t t0 = p.now;
    assert_int_equal(synack_send(p.st[PAIR_CLIENT], cs, data, sizeof(data), 0), sizeof(data));
    size_t got = 0;
    while (got < sizeof(data) && p.now < t0 + 3000000) {
        pair_run_for(&p, 1000);
        got += drain(&p, ss);
    }
    assert_int_equal(got, sizeof(data));
    assert_int_equal(d.dropped, 2);
    *timeouts = ctr(&p, PAIR_CLIENT, SYNACK_CTR_TCPTimeouts);
    *lost_rexmit = ctr(&p, PAIR_CLIENT, SYNACK_CTR_TCPLostRetransmit);
    size_t idx[8];
    int n = sends_of(&p, d.seq, idx, 8);
    for (int i = 0; i < n; i++)
        sends[i] = p.segs[idx[i]].t - t0;
    if (rack)
        assert_int_equal(ctr(&p, PAIR_CLIENT, SYNACK_CTR_RetransSegs), 2);
    pair_free(&p);
    return n;
}

static void test_lost_retransmission_found_without_rto(void **state)
{
    (void)state;
    uint64_t timeouts, lost, t[8];
    /* RACK: the resend is lost too; segments sent after it are SACKed one RTT later, which
     * marks it lost again (reo_wnd is 0 in recovery): a third send, no RTO */
    assert_int_equal(run_lost_retransmission(1, &timeouts, &lost, t), 3);
    assert_int_equal(timeouts, 0);
    assert_int_equal(lost, 1);
    assert_int_equal(t[1], RTT_US);     /* the third SACK of the first flight: DupThresh */
    assert_int_equal(t[2], 2 * RTT_US); /* one RTT after the lost resend */
    /* DupThresh/RFC 6675: a hole is resent once per recovery; only the RTO repairs it */
    assert_int_equal(run_lost_retransmission(0, &timeouts, &lost, t), 3);
    assert_int_equal(timeouts, 1);
    assert_int_equal(lost, 0);
    assert_true(t[2] >= t[1] + 200000); /* RTO min */
}

/* ---- (4) the tail ---- */

static uint32_t cwnd_of(pair *p, int sock)
{
    synack_tcp_info info;
    socklen_t len = sizeof(info);
    assert_int_equal(
        synack_getsockopt(p->st[PAIR_CLIENT], sock, IPPROTO_TCP, SYNACK_TCP_INFO, &info, &len), 0);
    return info.snd_cwnd;
}

/* 30 segments after a one-byte exchange (an RTT sample); the tail segments in `lose` are
 * lost once. Returns how long the 30 took to arrive. */
static uint64_t run_tail(pair *p, int *cs, int *ss, int lose_last_two)
{
    synack_config cfg = config(1); /* rack alone: it implies the probe */
    pair_init(p, &cfg, RTT_US / 2);
    *ss = establish(p, cs);
    assert_int_equal(synack_send(p->st[PAIR_CLIENT], *cs, "x", 1, 0), 1);
    pair_run_for(p, 3 * RTT_US);
    assert_int_equal(drain(p, *ss), 1);
    uint32_t base = p->segs[0].s.seq + 2;
    static fx_drop_seqs t;
    memset(&t, 0, sizeof(t));
    t.seq[0] = base + 29 * MSS;
    if (lose_last_two)
        t.seq[1] = base + 28 * MSS;
    p->filter = fx_drop_client_seqs;
    p->filter_ctx = &t;
    static char data[30 * MSS];
    memset(data, 't', sizeof(data));
    uint64_t t0 = p->now;
    assert_int_equal(synack_send(p->st[PAIR_CLIENT], *cs, data, sizeof(data), 0), sizeof(data));
    size_t got = 0;
    while (got < sizeof(data) && p->now < t0 + 5000000) {
        pair_run_for(p, 1000);
        got += drain(p, *ss);
    }
    assert_int_equal(got, sizeof(data));
    assert_int_equal(t.done, lose_last_two ? 3 : 1);
    return p->now - t0;
}

static void test_lost_tail_probed_then_recovered(void **state)
{
    (void)state;
    pair p;
    int cs, ss;
    uint64_t took = run_tail(&p, &cs, &ss, 1);
    /* the probe resends the last segment ~2 SRTT after the last ACK; its SACK shows the
     * segment before it was sent more than RTT + reo_wnd before the probe: RACK marks it
     * lost and recovery resends it. No RTO. */
    assert_int_equal(ctr(&p, PAIR_CLIENT, SYNACK_CTR_TCPLossProbes), 1);
    assert_int_equal(ctr(&p, PAIR_CLIENT, SYNACK_CTR_RackLossDetected), 1);
    assert_int_equal(ctr(&p, PAIR_CLIENT, SYNACK_CTR_TCPFastRetrans), 1);
    assert_int_equal(ctr(&p, PAIR_CLIENT, SYNACK_CTR_RetransSegs), 2);
    assert_int_equal(ctr(&p, PAIR_CLIENT, SYNACK_CTR_TCPTimeouts), 0);
    assert_int_equal(ctr(&p, PAIR_CLIENT, SYNACK_CTR_TCPLossProbeRecovery), 0);
    assert_true(took < 8 * RTT_US);
    pair_free(&p);
}

static void test_probe_repairing_one_loss_reduces_cwnd(void **state)
{
    (void)state;
    pair p;
    int cs, ss;
    run_tail(&p, &cs, &ss, 0);
    /* the probe itself repaired the one lost segment: no recovery, no RTO */
    assert_int_equal(ctr(&p, PAIR_CLIENT, SYNACK_CTR_TCPLossProbes), 1);
    assert_int_equal(ctr(&p, PAIR_CLIENT, SYNACK_CTR_RetransSegs), 1);
    assert_int_equal(ctr(&p, PAIR_CLIENT, SYNACK_CTR_TCPFastRetrans), 0);
    assert_int_equal(ctr(&p, PAIR_CLIENT, SYNACK_CTR_TCPTimeouts), 0);
    assert_int_equal(ctr(&p, PAIR_CLIENT, SYNACK_CTR_TCPLossProbeRecovery), 0);
    uint32_t before = cwnd_of(&p, cs);
    /* RFC 8985 7.4: an ACK beyond the probe without a D-SACK of it proves the original
     * was lost: the congestion controller reduces as for one loss */
    assert_int_equal(synack_send(p.st[PAIR_CLIENT], cs, "y", 1, 0), 1);
    pair_run_for(&p, 3 * RTT_US);
    assert_int_equal(drain(&p, ss), 1);
    assert_int_equal(ctr(&p, PAIR_CLIENT, SYNACK_CTR_TCPLossProbeRecovery), 1);
    uint32_t after = cwnd_of(&p, cs);
    assert_true(after < before);
    assert_true(after >= before * 7 / 10 - MSS); /* CUBIC's beta: 0.7 */
    pair_free(&p);
}

/* ---- D-SACK: a spurious resend widens the reordering window ---- */

/* When the stack last sent a segment starting at seq (UINT64_MAX: never). */
static uint64_t last_sent(const seghost *h, uint32_t seq)
{
    uint64_t t = UINT64_MAX;
    for (size_t i = 0; i < h->nout; i++)
        if (h->out[i].s.payload_len && h->out[i].s.seq == seq)
            t = h->out[i].t;
    return t;
}

static void test_dsack_widens_reordering_window(void **state)
{
    (void)state;
    synack_config cfg = config(1);
    seghost h;
    uint32_t base;
    int s = fx_sh_sack_rtt(&h, &cfg, MSS, RTT_US, &base); /* min_RTT: 20 ms */
    static char data[4 * MSS];
    memset(data, 'd', sizeof(data));

    /* Flight 1: the second segment is only late. Two segments SACKed above it: it is
     * declared lost RTT + min_RTT/4 after it was sent, and resent. */
    uint64_t t1 = h.now;
    assert_int_equal(synack_send(h.st, s, data, sizeof(data), 0), sizeof(data));
    sh_run_for(&h, RTT_US);
    fx_sh_peer_ack(&h, base + MSS, base + 2 * MSS, base + 4 * MSS);
    sh_run_for(&h, 10000);
    assert_int_equal(last_sent(&h, base + MSS) - t1, RTT_US + RTT_US / 4);
    /* the original arrives, then the copy: the receiver says so with a D-SACK */
    fx_sh_peer_ack(&h, base + 4 * MSS, 0, 0);
    sh_run_for(&h, 10000);
    fx_sh_peer_ack(&h, base + 4 * MSS, base + MSS, base + 2 * MSS);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPDSACKRecv), 1);
    sh_run_for(&h, 10000);

    /* Flight 2, the same pattern: RACK.reo_wnd_mult is now 2, so the window is
     * min_RTT/2 and the resend comes 5 ms later than before */
    uint32_t base2 = base + 4 * MSS;
    uint64_t t2 = h.now;
    assert_int_equal(synack_send(h.st, s, data, sizeof(data), 0), sizeof(data));
    sh_run_for(&h, RTT_US);
    fx_sh_peer_ack(&h, base2 + MSS, base2 + 2 * MSS, base2 + 4 * MSS);
    sh_run_for(&h, 20000);
    assert_int_equal(last_sent(&h, base2 + MSS) - t2, RTT_US + RTT_US / 2);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_RackReorderTimeouts), 2);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_RackLossDetected), 2);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPTimeouts), 0);
    fx_sh_peer_ack(&h, base2 + 4 * MSS, 0, 0);
    sh_free(&h);
}

/* ---- memory: nothing until data, then a bounded record array ---- */

static void test_records_lazy_and_bounded(void **state)
{
    (void)state;
    size_t idle[2];
    for (int rack = 0; rack <= 1; rack++) {
        synack_config cfg = config(rack);
        pair p;
        pair_init(&p, &cfg, RTT_US / 2);
        int cs, ss = establish(&p, &cs);
        idle[rack] = synack_mem_in_use(p.st[PAIR_CLIENT]);
        if (rack) {
            /* 400 one-byte segments in flight at once: more than the records (256 KiB
             * send buffer / 1460 + 8 = 187); the newest record takes the rest */
            for (int i = 0; i < 400; i++)
                assert_int_equal(synack_send(p.st[PAIR_CLIENT], cs, "b", 1, 0), 1);
            size_t busy = synack_mem_in_use(p.st[PAIR_CLIENT]);
            assert_true(busy - idle[1] < 8192); /* records + the send ring's first 2 KiB */
            assert_int_equal(ctr(&p, PAIR_CLIENT, SYNACK_CTR_RackRecordOverflows), 400 - 187);
            pair_run_for(&p, 5 * RTT_US);
            assert_int_equal(drain(&p, ss), 400);
            assert_int_equal(ctr(&p, PAIR_CLIENT, SYNACK_CTR_RetransSegs), 0);
        }
        pair_free(&p);
    }
    /* an established connection that has sent nothing costs the same with RACK on */
    assert_int_equal(idle[1], idle[0]);
}

/* ---- (5) bulk over loss and reordering ---- */

static void bulk(uint64_t seed, uint64_t *rack_lost)
{
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.rack = 1;
    cfg.seed = seed;
    synack_fault_config c2s = {.delay_us = 5000, .loss = 0.05, .reorder = 0.05, .reorder_us = 2000};
    synack_fault_config s2c = {.delay_us = 5000, .loss = 0.05};
    pair p;
    pair_init_faults(&p, &cfg, &c2s, &s2c);
    int ls = pair_listen(&p, 80, 4), cs = pair_connect(&p, 80), ss = -1;
    for (int i = 0; i < 1000 && ss < 0; i++) { /* the handshake may lose a SYN or two */
        pair_run_for(&p, 10000);
        ss = synack_accept(p.st[PAIR_SERVER], ls, NULL, NULL);
    }
    assert_true(ss >= 0);
    enum { LEN = 1 << 20 };
    uint8_t *src = malloc(LEN), *dst = malloc(LEN);
    assert_non_null(src);
    assert_non_null(dst);
    for (size_t i = 0; i < LEN; i++)
        src[i] = (uint8_t)((i * 2654435761u) >> 13 ^ seed);
    size_t sent = 0, got = 0;
    uint64_t t0 = p.now;
    while (got < LEN && p.now < t0 + 120000000) {
        while (sent < LEN) {
            long n = synack_send(p.st[PAIR_CLIENT], cs, src + sent, LEN - sent, 0);
            if (n <= 0)
                break;
            sent += (size_t)n;
        }
        pair_run_for(&p, 1000);
        long n;
        while (got < LEN && (n = synack_recv(p.st[PAIR_SERVER], ss, dst + got, LEN - got, 0)) > 0)
            got += (size_t)n;
    }
    assert_int_equal(got, LEN);
    assert_memory_equal(src, dst, LEN);
    *rack_lost = ctr(&p, PAIR_CLIENT, SYNACK_CTR_RackLossDetected);
    assert_true(*rack_lost > 0);
    /* RACK, not DupThresh, started every recovery */
    assert_true(ctr(&p, PAIR_CLIENT, SYNACK_CTR_TCPFastRetrans) > 0);
    free(src);
    free(dst);
    pair_free(&p);
}

static void test_bulk_over_loss_and_reordering(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 3; seed++) {
        uint64_t lost;
        bulk(seed, &lost);
        printf("seed %llu: %llu segments found lost by RACK\n", (unsigned long long)seed,
               (unsigned long long)lost);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reordering_within_window_is_not_retransmitted),
        cmocka_unit_test(test_lost_segment_resent_after_rtt_plus_reo_wnd),
        cmocka_unit_test(test_lost_retransmission_found_without_rto),
        cmocka_unit_test(test_lost_tail_probed_then_recovered),
        cmocka_unit_test(test_probe_repairing_one_loss_reduces_cwnd),
        cmocka_unit_test(test_dsack_widens_reordering_window),
        cmocka_unit_test(test_records_lazy_and_bounded),
        cmocka_unit_test(test_bulk_over_loss_and_reordering),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
