/* SPDX-License-Identifier: MIT */
/* RACK counts a segment delivered only when SACK covers all of it: a block that covers the
 * last byte of a segment delivers no segment (Linux cuts SACK blocks to whole segments,
 * tcp_match_skb_to_sack), so it starts no loss detection; the tail-loss probe and the RTO
 * repair the losses instead. Counting that byte made RACK mark the three segments before
 * it lost a reordering window later. A resend that ends the written data carries PSH, as
 * the segment first did (Linux keeps PSH on an skb). The exchange is Linux's
 * fast_retransmit/fr-4pkt-fack-last-byte.pkt. */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "support/fixture.h"
#include "support/seghost.h"

#define RTT_US 100000

static void test_sack_of_a_segments_last_byte_is_not_a_delivery(void **state)
{
    (void)state;
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.rack = 1;
    seghost h;
    uint32_t b;
    int s = fx_sh_sack_rtt(&h, &cfg, 1000, RTT_US, &b);
    static char data[4000];
    memset(data, 'f', sizeof(data));
    size_t first = h.nout;
    assert_int_equal(synack_send(h.st, s, data, sizeof(data), 0), sizeof(data));
    assert_int_equal(h.nout, first + 4);
    sh_run_for(&h, RTT_US);
    size_t mark = h.nout;
    uint64_t t0 = h.now;                       /* one RTT after the burst */
    fx_sh_peer_ack(&h, b, b + 3999, b + 4000); /* the last byte of the fourth segment */
    sh_run_until(&h, t0 + 3 * RTT_US);
    assert_true(h.nout > mark);
    /* the first thing sent is the probe (the last segment again, 2 SRTT after the burst:
     * the duplicate ACK does not restart it, RFC 8985 7.2), not a retransmission of the
     * first segment a reordering window after the SACK */
    const sh_seg *p = &h.out[mark];
    assert_int_equal(p->s.seq, b + 3000);
    assert_int_equal(p->s.payload_len, 1000);
    assert_int_equal(p->t - t0, RTT_US);
    uint64_t probe_t = p->t; /* h.out may move as it grows */
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPLossProbes), 1);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPFastRetrans), 0);
    /* then the RTO resends the first segment, and the ACKs of the resends draw the rest;
     * the resend that ends the written data carries PSH as its first transmission did */
    sh_run_until(&h, t0 + 5 * RTT_US);
    assert_int_equal(h.nout, mark + 2);
    assert_int_equal(h.out[mark + 1].t - probe_t, 3 * RTT_US); /* RTO: srtt + 4 rttvar */
    assert_int_equal(h.out[mark + 1].s.seq, b);
    assert_int_equal(h.out[mark + 1].s.flags, TCP_ACK);
    mark = h.nout;
    fx_sh_peer_ack(&h, b + 1000, b + 3999, b + 4000);
    fx_sh_peer_ack(&h, b + 3000, b + 3999, b + 4000);
    char flow[128];
    sh_flow(&h, mark, flow, sizeof(flow));
    assert_string_equal(flow, "./1000|./1000|P./1000");
    assert_int_equal(h.out[mark + 2].s.seq, b + 3000);
    sh_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sack_of_a_segments_last_byte_is_not_a_delivery),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
