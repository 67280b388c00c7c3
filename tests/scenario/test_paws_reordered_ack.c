/* SPDX-License-Identifier: MIT */
/* PAWS (RFC 7323 5.3) and duplicate ACKs the network reordered: the third duplicate ACK
 * arrives behind the fourth, so its TSval is older than TS.Recent. The rfc profile drops
 * it, as 5.3 says for every segment (and answers with an ACK): only two duplicate ACKs
 * count and fast retransmit waits. The linux profile takes it, as Linux's
 * tcp_disordered_ack does, since a pure duplicate ACK that updates nothing and is
 * within one RTO of TS.Recent cannot be an old duplicate from a wrapped sequence space:
 * the third duplicate ACK starts fast retransmit at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/seghost.h"

#define PEER_ISS 7000u
#define PORT 80
#define PPORT 40000
#define MSS 1000u
#define SMSS (MSS - 12u) /* the timestamps option comes out of each segment */

typedef struct conn {
    seghost h;
    uint32_t siss; /* the stack's ISS */
    size_t data;   /* index in h.out of the first data segment */
} conn;

/* An accepted connection with timestamps (no SACK: duplicate ACKs are counted) that has
 * sent four full segments, none acknowledged. */
static void open_and_send(conn *c, int linux_profile)
{
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.linux_profile = linux_profile;
    sh_init(&c->h, &cfg);
    int ls = sh_listen(&c->h, PORT, 4);
    tcp_opts o;
    memset(&o, 0, sizeof(o));
    o.has_mss = 1;
    o.mss = MSS;
    o.has_ts = 1;
    o.ts_val = 100;
    sh_send(&c->h, PPORT, PORT, PEER_ISS, 0, TCP_SYN, 65535, NULL, 0, &o);
    c->siss = sh_last(&c->h)->s.seq;
    o.has_mss = 0;
    sh_send(&c->h, PPORT, PORT, PEER_ISS + 1, c->siss + 1, TCP_ACK, 65535, NULL, 0, &o);
    int s = synack_accept(c->h.st, ls, NULL, NULL);
    assert_true(s >= 0);
    uint8_t buf[4 * SMSS];
    memset(buf, 'd', sizeof(buf));
    c->data = c->h.nout;
    assert_int_equal(synack_send(c->h.st, s, buf, sizeof(buf), 0), sizeof(buf));
    assert_int_equal(c->h.nout, c->data + 4);
    assert_int_equal(c->h.out[c->data + 3].s.payload_len, SMSS);
}

/* The peer's duplicate ACK of the first segment (lost) with TSval ts; returns the number
 * of segments the stack sent in reply. */
static size_t dup_ack(conn *c, uint32_t ts)
{
    tcp_opts o;
    memset(&o, 0, sizeof(o));
    o.has_ts = 1;
    o.ts_val = ts;
    size_t mark = c->h.nout;
    sh_send(&c->h, PPORT, PORT, PEER_ISS + 1, c->siss + 1, TCP_ACK, 65535, NULL, 0, &o);
    return c->h.nout - mark;
}

static uint64_t ctr(const conn *c, synack_counter k)
{
    return synack_counter_get(c->h.st, k);
}

static void test_linux_profile_takes_reordered_dup_ack(void **state)
{
    (void)state;
    conn c;
    open_and_send(&c, 1);
    assert_int_equal(dup_ack(&c, 110), 0);
    assert_int_equal(dup_ack(&c, 112), 0); /* overtook the one sent at 111 */
    assert_int_equal(dup_ack(&c, 111), 1); /* the third duplicate ACK */
    const sh_seg *r = sh_last(&c.h);
    assert_int_equal(r->s.seq, c.siss + 1);
    assert_int_equal(r->s.payload_len, SMSS);
    assert_int_equal(ctr(&c, SYNACK_CTR_TCPFastRetrans), 1);
    assert_int_equal(ctr(&c, SYNACK_CTR_RetransSegs), 1);
    assert_int_equal(ctr(&c, SYNACK_CTR_PAWSEstab), 0);

    /* Older than TS.Recent by more than the RTO (200 ms, TSval in ms): PAWS drops it and
     * answers with an ACK, linux profile or not. */
    assert_int_equal(dup_ack(&c, 112 - 1000), 1);
    r = sh_last(&c.h);
    assert_int_equal(r->s.flags, TCP_ACK);
    assert_int_equal(r->s.payload_len, 0);
    assert_int_equal(r->s.opts.ts_ecr, 112);
    assert_int_equal(ctr(&c, SYNACK_CTR_PAWSEstab), 1);
    assert_int_equal(ctr(&c, SYNACK_CTR_RetransSegs), 1);
    sh_free(&c.h);
}

static void test_rfc_profile_drops_reordered_dup_ack(void **state)
{
    (void)state;
    conn c;
    open_and_send(&c, 0);
    assert_int_equal(dup_ack(&c, 110), 0);
    assert_int_equal(dup_ack(&c, 112), 0);
    assert_int_equal(dup_ack(&c, 111), 1); /* dropped, and answered with an ACK */
    const sh_seg *r = sh_last(&c.h);
    assert_int_equal(r->s.flags, TCP_ACK);
    assert_int_equal(r->s.seq, c.siss + 1 + 4 * SMSS);
    assert_int_equal(r->s.payload_len, 0);
    assert_int_equal(ctr(&c, SYNACK_CTR_PAWSEstab), 1);
    assert_int_equal(ctr(&c, SYNACK_CTR_TCPFastRetrans), 0);
    assert_int_equal(ctr(&c, SYNACK_CTR_RetransSegs), 0);
    /* A fourth, in order, is the third that counts. */
    assert_int_equal(dup_ack(&c, 113), 1);
    assert_int_equal(sh_last(&c.h)->s.seq, c.siss + 1);
    assert_int_equal(ctr(&c, SYNACK_CTR_TCPFastRetrans), 1);
    sh_free(&c.h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linux_profile_takes_reordered_dup_ack),
        cmocka_unit_test(test_rfc_profile_drops_reordered_dup_ack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
