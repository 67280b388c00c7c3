/* SPDX-License-Identifier: MIT */
/* Tail Loss Probe (RFC 8985 7), an option: when the last segment of a burst is lost there
 * are no later segments to draw duplicate ACKs, so without a probe only the RTO repairs it.
 * With tail_loss_probe on, a probe goes out after about two smoothed RTTs instead. */
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
#include "support/pair.h"

#define RTT_US 20000

/* Sends 30 segments with the last two lost; returns when the server has all of them. */
static uint64_t run(int tlp, uint64_t *probes, uint64_t *timeouts)
{
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.tail_loss_probe = (uint8_t)tlp;
    cfg.rack = 0; /* the probe alone, against the RTO alone */
    cfg.timestamps = 0;
    pair p;
    pair_init(&p, &cfg, RTT_US / 2);
    int ls = pair_listen(&p, 80, 4);
    int cs = pair_connect(&p, 80);
    pair_run_for(&p, 3 * RTT_US);
    int ss = synack_accept(p.st[1], ls, NULL, NULL);
    assert_true(ss >= 0);
    int one = 1;
    synack_setsockopt(p.st[0], cs, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    /* one exchange first, so there is an RTT sample */
    assert_int_equal(synack_send(p.st[0], cs, "x", 1, 0), 1);
    pair_run_for(&p, 2 * RTT_US);
    char b[16384];
    assert_int_equal(synack_recv(p.st[1], ss, b, sizeof(b), 0), 1);
    uint32_t base = p.segs[0].s.seq + 2;
    fx_drop_seqs t = {.seq = {base + 28 * 1460, base + 29 * 1460}}; /* the last two */
    p.filter = fx_drop_client_seqs;
    p.filter_ctx = &t;
    static char data[30 * 1460];
    memset(data, 't', sizeof(data));
    uint64_t t0 = p.now;
    assert_int_equal(synack_send(p.st[0], cs, data, sizeof(data), 0), sizeof(data));
    size_t got = 0;
    while (got < sizeof(data) && p.now < t0 + 5000000) {
        pair_run_for(&p, 1000);
        long n;
        while ((n = synack_recv(p.st[1], ss, b, sizeof(b), 0)) > 0)
            got += (size_t)n;
    }
    assert_int_equal(got, sizeof(data));
    assert_int_equal(t.done, 3);
    *probes = synack_counter_get(p.st[0], SYNACK_CTR_TCPLossProbes);
    *timeouts = synack_counter_get(p.st[0], SYNACK_CTR_TCPTimeouts);
    uint64_t took = p.now - t0;
    pair_free(&p);
    return took;
}

static void test_probe_repairs_a_lost_tail(void **state)
{
    (void)state;
    uint64_t probes, timeouts;
    uint64_t with = run(1, &probes, &timeouts);
    assert_int_equal(probes, 1);
    assert_int_equal(timeouts, 0);
    /* the probe leaves ~2 SRTT after the last ACK; it draws a SACK that starts recovery
     * for the other lost segment: repaired within a few RTTs, no RTO */
    assert_true(with < 8 * RTT_US);

    uint64_t without = run(0, &probes, &timeouts);
    assert_int_equal(probes, 0);
    assert_int_equal(timeouts, 1); /* only the RTO (at least 200 ms) repairs the tail */
    assert_true(without >= 200000);
    printf("lost tail repaired in %.1f ms with a probe, %.1f ms without\n", with / 1e3,
           without / 1e3);
    assert_true(without > 2 * with);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_probe_repairs_a_lost_tail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
