/* SPDX-License-Identifier: MIT */
/* TCP_INFO's loss fields while SACKs arrive: `sacked` and `lost` (bytes, which the
 * packetdrill shim turns into Linux's tcpi_sacked / tcpi_lost segments), the reordering
 * degree, and ca_state Disorder (1) for SACKs seen before recovery, as Linux reports them. */
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

/* The peer ACKs `ack` with up to two SACK blocks ([l1, r1) first). */
static void peer_ack(seghost *h, uint32_t ack, uint32_t l1, uint32_t r1, uint32_t l2, uint32_t r2)
{
    tcp_opts o = {0};
    if (l1 != r1) {
        o.sack[o.nsack].left = l1;
        o.sack[o.nsack++].right = r1;
    }
    if (l2 != r2) {
        o.sack[o.nsack].left = l2;
        o.sack[o.nsack++].right = r2;
    }
    sh_send(h, FX_PEER_PORT, FX_PORT, FX_PEER_ISS + 1, ack, TCP_ACK, 65535, NULL, 0, &o);
}

static void test_sacked_lost_and_disorder(void **state)
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
    assert_int_equal(synack_send(h.st, s, data, sizeof(data), 0), sizeof(data));

    synack_tcp_info i = fx_tcp_info(h.st, s);
    assert_int_equal(i.sacked, 0);
    assert_int_equal(i.lost, 0);
    assert_int_equal(i.ca_state, 0); /* Open */
    assert_int_equal(i.reordering, 3);

    sh_run_for(&h, 10000);
    peer_ack(&h, b, b + 1000, b + 2000, 0, 0);
    i = fx_tcp_info(h.st, s);
    assert_int_equal(i.sacked, 1000);
    assert_int_equal(i.lost, 0);
    assert_int_equal(i.ca_state, 1); /* Disorder: a SACK, no recovery yet */

    peer_ack(&h, b, b + 1000, b + 3000, 0, 0);
    i = fx_tcp_info(h.st, s);
    assert_int_equal(i.sacked, 2000);
    assert_int_equal(i.lost, 0);
    assert_int_equal(i.ca_state, 1);

    /* RACK marks 0:1000 and 3000:8000 lost at once and recovery starts */
    peer_ack(&h, b, b + 1000, b + 3000, b + 8000, b + 9000);
    i = fx_tcp_info(h.st, s);
    assert_int_equal(i.sacked, 3000);
    assert_int_equal(i.lost, 6000);
    assert_int_equal(i.ca_state, 3); /* Recovery */
    assert_int_equal(i.reordering, 3);

    /* everything acknowledged: back to Open with nothing SACKed or lost */
    sh_run_for(&h, 10000);
    peer_ack(&h, b + 10000, 0, 0, 0, 0);
    i = fx_tcp_info(h.st, s);
    assert_int_equal(i.sacked, 0);
    assert_int_equal(i.lost, 0);
    assert_int_equal(i.ca_state, 0);
    /* 3000:8000 were never resent and arrived below 9000: six segments out of order */
    assert_int_equal(i.reordering, 6);
    sh_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sacked_lost_and_disorder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
