/* SPDX-License-Identifier: MIT */
/* cfg.synsent_paws (linux_profile): a SYN-ACK echoing a TSecr that is not between our first
 * SYN's TSval and now answers no SYN of ours; it gets <SEQ=SEG.ACK><CTL=RST>, the
 * connection stays in SYN-SENT and PAWSActiveRejected counts it (Linux's
 * tcp_rcv_synsent_state_process). TSecr 0 and the first SYN's TSval after a retransmission
 * pass. Without the knob (RFC 7323 says nothing of SYN-SENT) such a SYN-ACK is taken. */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "support/fixture.h"
#include "support/seghost.h"

#define PEER_ISS FX_PEER_ISS
#define PORT FX_PORT
#define MS UINT64_C(1000)

static int open_syn_sent(seghost *h, int synsent_paws, int profile, const sh_seg **syn)
{
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.timestamps = 1;
    cfg.linux_profile = (uint8_t)profile;
    cfg.synsent_paws = (uint8_t)synsent_paws;
    sh_init(h, &cfg);
    h->now = 5 * MS;
    int s = synack_socket(h->st, SOCK_STREAM);
    struct sockaddr_in sin = {
        .sin_family = AF_INET, .sin_port = htons(PORT), .sin_addr.s_addr = htonl(SH_PEER)};
    assert_int_equal(synack_connect(h->st, s, (struct sockaddr *)&sin, sizeof(sin)), -EINPROGRESS);
    *syn = sh_last(h);
    assert_int_equal((*syn)->s.flags, TCP_SYN);
    assert_int_equal((*syn)->s.opts.has_ts, 1);
    return s;
}

static void synack(seghost *h, const sh_seg *syn, uint32_t ecr)
{
    tcp_opts o = {.has_mss = 1, .mss = 1000, .has_ts = 1, .ts_val = 700, .ts_ecr = ecr};
    sh_send(h, PORT, syn->s.sport, PEER_ISS, syn->s.seq + 1, TCP_SYN | TCP_ACK, 65535, NULL, 0, &o);
}

static synack_tcp_state state_of(seghost *h, int s)
{
    synack_tcp_info i;
    socklen_t len = sizeof(i);
    assert_int_equal(synack_getsockopt(h->st, s, IPPROTO_TCP, SYNACK_TCP_INFO, &i, &len), 0);
    return (synack_tcp_state)i.state;
}

/* The SYN-ACK with `ecr` is reset and the connection waits on. */
static void rejected(seghost *h, int s, const sh_seg *syn, uint32_t ecr, uint64_t nrej)
{
    size_t mark = h->nout;
    synack(h, syn, ecr);
    assert_int_equal(h->nout, mark + 1);
    const sh_seg *rst = &h->out[mark];
    assert_int_equal(rst->s.flags, TCP_RST);
    assert_int_equal(rst->s.seq, syn->s.seq + 1);
    assert_int_equal(rst->s.payload_len, 0);
    assert_int_equal(state_of(h, s), SYNACK_SYN_SENT);
    assert_int_equal(synack_counter_get(h->st, SYNACK_CTR_PAWSActiveRejected), nrej);
}

/* The SYN-ACK with `ecr` establishes the connection, its ACK echoing the peer's TSval. */
static void accepted(seghost *h, int s, const sh_seg *syn, uint32_t ecr)
{
    size_t mark = h->nout;
    uint32_t iss = syn->s.seq;
    synack(h, syn, ecr);
    assert_int_equal(h->nout, mark + 1);
    const sh_seg *ack = &h->out[mark];
    assert_int_equal(ack->s.flags, TCP_ACK);
    assert_int_equal(ack->s.seq, iss + 1);
    assert_int_equal(ack->s.ack, PEER_ISS + 1);
    assert_int_equal(ack->s.opts.ts_ecr, 700);
    assert_int_equal(state_of(h, s), SYNACK_ESTABLISHED);
}

static void test_bad_tsecr_reset_then_good_one(void **state)
{
    (void)state;
    for (int profile = 0; profile <= 1; profile++) {
        seghost h;
        const sh_seg *syn;
        int s = open_syn_sent(&h, !profile, profile, &syn);
        sh_seg first = *syn;
        uint32_t t0 = first.s.opts.ts_val;
        h.now += 10 * MS;
        rejected(&h, s, &first, t0 + 9999, 1); /* ahead of our clock */
        rejected(&h, s, &first, t0 - 1, 2);    /* before the SYN left */
        accepted(&h, s, &first, t0 + 10);      /* now: the newest TSval we could have sent */
        assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_PAWSActiveRejected), 2);
        sh_free(&h);
    }
}

static void test_zero_tsecr_passes(void **state)
{
    (void)state;
    seghost h;
    const sh_seg *syn;
    int s = open_syn_sent(&h, 0, 1, &syn);
    sh_seg first = *syn;
    h.now += 10 * MS;
    accepted(&h, s, &first, 0);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_PAWSActiveRejected), 0);
    sh_free(&h);
}

/* The range starts at the first SYN, so a SYN-ACK answering it after the retransmission
 * still passes. */
static void test_first_syn_after_retransmission(void **state)
{
    (void)state;
    seghost h;
    const sh_seg *syn;
    int s = open_syn_sent(&h, 0, 1, &syn);
    sh_seg first = *syn;
    size_t mark = h.nout;
    sh_run_for(&h, 1100 * MS);
    assert_int_equal(h.nout, mark + 1);
    assert_int_equal(h.out[mark].s.flags, TCP_SYN);
    assert_true(h.out[mark].s.opts.ts_val > first.s.opts.ts_val);
    accepted(&h, s, &first, first.s.opts.ts_val);
    sh_free(&h);
}

static void test_default_takes_it(void **state)
{
    (void)state;
    seghost h;
    const sh_seg *syn;
    int s = open_syn_sent(&h, 0, 0, &syn);
    sh_seg first = *syn;
    h.now += 10 * MS;
    accepted(&h, s, &first, first.s.opts.ts_val + 9999);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_PAWSActiveRejected), 0);
    sh_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_tsecr_reset_then_good_one),
        cmocka_unit_test(test_zero_tsecr_passes),
        cmocka_unit_test(test_first_syn_after_retransmission),
        cmocka_unit_test(test_default_takes_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
