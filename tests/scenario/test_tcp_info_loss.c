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
    fx_sh_peer_ack2(&h, b, b + 1000, b + 2000, 0, 0);
    i = fx_tcp_info(h.st, s);
    assert_int_equal(i.sacked, 1000);
    assert_int_equal(i.lost, 0);
    assert_int_equal(i.ca_state, 1); /* Disorder: a SACK, no recovery yet */

    fx_sh_peer_ack2(&h, b, b + 1000, b + 3000, 0, 0);
    i = fx_tcp_info(h.st, s);
    assert_int_equal(i.sacked, 2000);
    assert_int_equal(i.lost, 0);
    assert_int_equal(i.ca_state, 1);

    /* RACK marks 0:1000 and 3000:8000 lost at once and recovery starts */
    fx_sh_peer_ack2(&h, b, b + 1000, b + 3000, b + 8000, b + 9000);
    i = fx_tcp_info(h.st, s);
    assert_int_equal(i.sacked, 3000);
    assert_int_equal(i.lost, 6000);
    assert_int_equal(i.ca_state, 3); /* Recovery */
    assert_int_equal(i.reordering, 3);

    /* everything acknowledged: back to Open with nothing SACKed or lost */
    sh_run_for(&h, 10000);
    fx_sh_peer_ack2(&h, b + 10000, 0, 0, 0, 0);
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
