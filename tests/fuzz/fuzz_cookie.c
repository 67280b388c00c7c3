/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the SYN-cookie validator. Arbitrary (4-tuple, peer ISN, cookie, time)
 * must never crash, and a cookie must validate only when it is one we made (or the
 * fuzzer found a 24-bit hash collision, which it would have to do by brute force). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stack/stack_impl.h"
#include "tcp/syncookie.h"

static int sink(void *ctx, const uint8_t *f, size_t len)
{
    (void)ctx;
    (void)f;
    (void)len;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t b[32] = {0};
    memcpy(b, data, size < sizeof(b) ? size : sizeof(b));
    static synack_stack *st;
    if (!st) {
        synack_config cfg;
        synack_config_init(&cfg); /* the core's defaults: the fuzz build links only the core */
        synack_config_deterministic(&cfg, 1); /* reproducible crashes */
        cfg.netif.addr = 0xc0000202u;
        cfg.netif.output = sink;
        cfg.max_sockets = 4;
        st = synack_stack_new(&cfg);
        if (!st)
            abort();
    }
    synack_endpoints ep;
    memcpy(&ep.laddr, b, 4);
    memcpy(&ep.raddr, b + 4, 4);
    memcpy(&ep.lport, b + 8, 2);
    memcpy(&ep.rport, b + 10, 2);
    uint32_t peer_isn, cookie;
    memcpy(&peer_isn, b + 12, 4);
    memcpy(&cookie, b + 16, 4);
    uint64_t t1 = 0, t2 = 0;
    memcpy(&t1, b + 20, 5);
    memcpy(&t2, b + 25, 5);
    st->now = t1;
    uint32_t idx = b[30] & 3;
    uint32_t made = syncookie_make(st, &ep, peer_isn, idx);
    st->now = t1 + t2 % (4 * SYNCOOKIE_PERIOD_US);
    int r = syncookie_check(st, &ep, peer_isn, made);
    uint64_t age = st->now / SYNCOOKIE_PERIOD_US - t1 / SYNCOOKIE_PERIOD_US;
    if (age <= SYNCOOKIE_MAX_AGE && r != (int)idx)
        abort(); /* a fresh cookie we made must validate with its MSS index */
    if (age > SYNCOOKIE_MAX_AGE && r >= 0)
        abort(); /* and an old one must not */
    r = syncookie_check(st, &ep, peer_isn, cookie);
    if (r > 3)
        abort();
    int ws, sack;
    syncookie_ts_decode(syncookie_ts_encode(cookie, (int)(b[31] % 16) - 1, b[31] & 0x10), &ws,
                        &sack);
    if (ws < -1 || ws > 14)
        abort();
    return 0;
}
