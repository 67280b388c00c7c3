/* SPDX-License-Identifier: MIT */
/* See tcb_fixture.h. */
#include "support/tcb_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

static int discard(void *ctx, const uint8_t *frame, size_t len)
{
    (void)ctx;
    (void)frame;
    (void)len;
    return 0;
}

void tcb_fixture_init(tcb_fixture *f, const synack_config *cfg, uint64_t now, uint16_t mss)
{
    synack_config c;
    if (cfg)
        c = *cfg;
    else
        synack_config_default(&c);
    synack_config_deterministic(&c, c.seed);
    c.netif.addr = 0xc0000202u;
    c.netif.output = discard;
    f->st = synack_stack_new(&c);
    assert_non_null(f->st);
    synack_set_time(f->st, now);
    synack_endpoints ep = {.laddr = 0xc0000202u, .raddr = 0xc0000201u, .lport = 80, .rport = 5000};
    f->c = tcp_conn_new(f->st, &ep);
    assert_non_null(f->c);
    f->c->snd_mss = mss;
}

tcb_fixture tcb_fixture_seeded(uint64_t now, uint64_t seed)
{
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.seed = seed;
    tcb_fixture f;
    tcb_fixture_init(&f, &cfg, now, 1000);
    return f;
}

void tcb_fixture_free(tcb_fixture *f)
{
    tcp_conn_free(f->c);
    synack_stack_free(f->st);
}
