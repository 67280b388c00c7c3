/* SPDX-License-Identifier: MIT */
/* cfg.ack_every_segs: how many full-sized segments are received before an ACK goes out at
 * once; 2 by default (RFC 5681 4.2), 4 in `synack gateway` (half the ACK frames toward a
 * namespace's bulk sender). Fewer wait for the delayed-ACK timer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/fixture.h"
#include "support/seghost.h"
#include "wire/tcp_wire.h"

static char data[1460];

/* Full segments (MSS 1460, no timestamps) one after another, 1 ms apart, until the stack
 * ACKs one at once; returns how many it took (0: none of max). */
static int segs_until_ack(int every, int max, uint64_t *delack_at)
{
    synack_config cfg;
    synack_config_default(&cfg);
    if (every)
        cfg.ack_every_segs = (uint8_t)every;
    seghost h;
    uint32_t iss;
    fx_sh_established_opts(&h, &cfg, 0, 0, &iss);
    size_t mark = h.nout;
    uint32_t seq = FX_PEER_ISS + 1;
    int got = 0;
    for (int i = 1; i <= max && !got; i++) {
        sh_send(&h, FX_PEER_PORT, FX_PORT, seq, iss + 1, TCP_ACK, 65535, data, sizeof(data), NULL);
        seq += sizeof(data);
        if (h.nout > mark) {
            assert_int_equal(h.nout, mark + 1);
            assert_int_equal(h.out[mark].s.flags, TCP_ACK);
            assert_int_equal(h.out[mark].s.ack, seq);
            assert_int_equal(h.out[mark].t, h.now);
            got = i;
        }
        sh_run_for(&h, 1000);
    }
    if (!got) { /* the rest waits for the delayed-ACK timer */
        uint64_t t0 = h.now;
        sh_run_for(&h, 1000000);
        assert_int_equal(h.nout, mark + 1);
        assert_int_equal(h.out[mark].s.ack, seq);
        *delack_at = h.out[mark].t - t0;
    }
    sh_free(&h);
    return got;
}

static void test_default_every_second(void **state)
{
    (void)state;
    uint64_t t = 0;
    assert_int_equal(segs_until_ack(0, 8, &t), 2);
}

static void test_every_fourth(void **state)
{
    (void)state;
    uint64_t t = 0;
    assert_int_equal(segs_until_ack(4, 8, &t), 4);
    /* three full segments: the delayed-ACK timer, armed by the first (3 ms before) */
    assert_int_equal(segs_until_ack(4, 3, &t), 0);
    assert_int_equal(t, 40000 - 3000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_every_second),
        cmocka_unit_test(test_every_fourth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
