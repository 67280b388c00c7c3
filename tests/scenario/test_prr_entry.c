/* SPDX-License-Identifier: MIT */
/* RFC 9937 (PRR, obsoleting RFC 6937) from the ACK that starts recovery on: that ACK shows a
 * loss, so it is not "safe" and gets the conservative bound, which lets out only what it
 * delivered: one segment, the fast retransmit (Linux likewise). Setting cwnd = ssthresh
 * instead, after RACK marked several segments lost at once, sent four. Later ACKs add a
 * segment (the slow-start bound) only when SND.UNA advances and no further loss shows.
 * The exchange is Linux's fast_recovery/prr-ss-ack-below-snd_una-cubic.pkt. */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "support/fixture.h"
#include "support/seghost.h"

/* Segments sent from index `from` on, as "seq-offset/len|..." relative to base. */
static void sent(const seghost *h, size_t from, uint32_t base, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = 0;
    for (size_t i = from; i < h->nout && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%u/%u", i > from ? "|" : "",
                              h->out[i].s.seq - base, (unsigned)h->out[i].s.payload_len);
}

static void test_first_ack_of_rack_recovery_sends_one_segment(void **state)
{
    (void)state;
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.rack = 1;
    seghost h;
    uint32_t b;
    int s = fx_sh_sack_rtt(&h, &cfg, 1000, 10000, &b);
    static char data[10000];
    memset(data, 'p', sizeof(data));
    size_t first = h.nout;
    assert_int_equal(synack_send(h.st, s, data, sizeof(data), 0), sizeof(data));
    assert_int_equal(h.nout, first + 10); /* ten segments, the initial window */
    char got[256];

    sh_run_for(&h, 10000);
    size_t mark = h.nout;
    fx_sh_peer_ack2(&h, b, b + 1000, b + 2000, 0, 0);
    fx_sh_peer_ack2(&h, b, b + 1000, b + 3000, 0, 0);
    assert_int_equal(h.nout, mark);
    /* 1:1001, 3001:8001 marked lost at once; 8001:9001 delivered: one segment goes */
    fx_sh_peer_ack2(&h, b, b + 1000, b + 3000, b + 8000, b + 9000);
    sent(&h, mark, b, got, sizeof(got));
    assert_string_equal(got, "0/1000");

    sh_run_for(&h, 12000);
    mark = h.nout;
    /* SND.UNA advances, nothing newly lost: the slow-start bound adds a segment */
    fx_sh_peer_ack2(&h, b + 4000, b + 8000, b + 9000, 0, 0);
    sent(&h, mark, b, got, sizeof(got));
    assert_string_equal(got, "4000/1000|5000/1000|6000/1000");

    assert_int_equal(synack_send(h.st, s, data, sizeof(data), 0), sizeof(data));
    sh_run_for(&h, 2000);
    mark = h.nout;
    /* a reordered ACK below SND.UNA SACKs 2 MSS: not safe, so 2 MSS go, not 3 */
    fx_sh_peer_ack2(&h, b + 3000, b + 5000, b + 7000, 0, 0);
    sent(&h, mark, b, got, sizeof(got));
    assert_string_equal(got, "7000/1000|10000/1000");
    sh_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_ack_of_rack_recovery_sends_one_segment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
