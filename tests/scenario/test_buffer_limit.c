/* SPDX-License-Identifier: MIT */
/* The stack-wide bound on send/receive ring storage (max_buffer_bytes): however many
 * connections fill their windows, ring storage stays under the bound; what cannot be
 * stored is dropped, counted and sent again, and every byte still arrives. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "stack/stack_impl.h"
#include "support/fixture.h"

#define NCONN 4
#define PER_CONN (96 * 1024)

static void test_ring_storage_bounded(void **state)
{
    (void)state;
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.sndbuf = cfg.rcvbuf = 128 * 1024;
    cfg.max_buffer_bytes = 192 * 1024; /* less than the windows of four connections */
    pair p;
    pair_init(&p, &cfg, 1000);
    int ls = pair_listen(&p, FX_PORT, 8);
    int cs[NCONN], ss[NCONN];
    fx_connect_accept(&p, ls, NCONN, cs, ss);
    static uint8_t data[PER_CONN];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 7 + 1);
    size_t sent[NCONN] = {0}, got[NCONN] = {0};
    size_t high = 0;
    static uint8_t buf[PER_CONN];
    /* the server does not read for a while: every connection fills its window */
    for (int round = 0; round < 2000; round++) {
        for (int i = 0; i < NCONN; i++) {
            if (sent[i] < PER_CONN) {
                long n = synack_send(p.st[0], cs[i], data + sent[i], PER_CONN - sent[i], 0);
                if (n > 0)
                    sent[i] += (size_t)n;
            }
        }
        pair_run_for(&p, 5000);
        if (p.st[1]->buf_in_use > high)
            high = p.st[1]->buf_in_use;
        assert_true(p.st[1]->buf_in_use <= cfg.max_buffer_bytes);
        assert_true(p.st[0]->buf_in_use <= cfg.max_buffer_bytes);
        if (round < 200)
            continue;
        int done = 1;
        for (int i = 0; i < NCONN; i++) {
            long n;
            while ((n = synack_recv(p.st[1], ss[i], buf + got[i], PER_CONN - got[i], 0)) > 0)
                got[i] += (size_t)n;
            done &= got[i] == PER_CONN;
        }
        if (done)
            break;
    }
    for (int i = 0; i < NCONN; i++) {
        assert_int_equal(got[i], PER_CONN);
        assert_memory_equal(buf, data, PER_CONN); /* the last connection's bytes */
    }
    assert_true(high > cfg.max_buffer_bytes / 2);
    assert_true(synack_counter_get(p.st[1], SYNACK_CTR_NoMemory) > 0);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ring_storage_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
