/* SPDX-License-Identifier: MIT */
/* Smoke: handshake, data both ways, close from the client, TIME-WAIT expiry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/fixture.h"
#include "support/pair.h"

static void test_open_data_close(void **state)
{
    (void)state;
    pair p;
    int cs;
    int ss = fx_established(&p, NULL, 1000, &cs);
    fx_assert_flow(&p, 0, "C:S|S:S.|C:.");
    assert_int_equal(pair_sock_state(&p, PAIR_CLIENT, cs), SYNACK_ESTABLISHED);
    assert_int_equal(pair_sock_state(&p, PAIR_SERVER, ss), SYNACK_ESTABLISHED);

    assert_int_equal(synack_send(p.st[0], cs, "hello", 5, 0), 5);
    pair_run_for(&p, 100000);
    char buf[64];
    assert_int_equal(synack_recv(p.st[1], ss, buf, sizeof(buf), 0), 5);
    assert_memory_equal(buf, "hello", 5);
    assert_int_equal(synack_send(p.st[1], ss, "world!", 6, 0), 6);
    pair_run_for(&p, 100000);
    assert_int_equal(synack_recv(p.st[0], cs, buf, sizeof(buf), 0), 6);
    assert_memory_equal(buf, "world!", 6);

    size_t mark = p.nsegs;
    assert_int_equal(synack_close(p.st[0], cs), 0);
    pair_run_for(&p, 100000); /* past the 40 ms delayed ACK: the FIN is ACKed alone */
    assert_int_equal(synack_recv(p.st[1], ss, buf, sizeof(buf), 0), 0);
    assert_int_equal(synack_close(p.st[1], ss), 0);
    pair_run_for(&p, 10000);
    fx_assert_flow(&p, mark, "C:F.|S:.|S:F.|C:.");
    assert_int_equal(pair_count_state(&p, PAIR_CLIENT, SYNACK_TIME_WAIT), 1);
    assert_int_equal(pair_count_state(&p, PAIR_SERVER, SYNACK_LAST_ACK), 0);
    pair_run_for(&p, 61000000);
    assert_int_equal(pair_count_state(&p, PAIR_CLIENT, SYNACK_TIME_WAIT), 0);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_data_close),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
