/* SPDX-License-Identifier: MIT */
#include "ipv6_link_rig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "wire/bytes.h"

const uint8_t IP6_RIG_ADDR[2][16] = {
    {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, /* 2001:db8::1 */
    {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}, /* 2001:db8::2 */
};

int ip6_tap_fn(void *ctx, int side, uint64_t t, const uint8_t *frame, size_t len)
{
    ip6_tap *tap = ctx;
    if (tap->n < tap->max) {
        ip6_frame *f = &tap->f[tap->n++];
        f->to = side;
        f->t = t;
        f->len = len < sizeof(f->b) ? len : sizeof(f->b);
        memcpy(f->b, frame, f->len);
    }
    tap->seen++;
    return side == tap->drop_to;
}

void ip6_pair_init(synack_memlink **link, synack_stack *st[2], ip6_tap *tap, size_t max,
                   ip6_tweak_fn tweak, void *arg)
{
    assert_true(max <= IP6_TAP_MAX);
    tap->n = tap->seen = 0;
    tap->max = max;
    tap->drop_to = -1;
    *link = synack_memlink_new(NULL, 1000, 65600, 1000);
    assert_non_null(*link);
    for (int h = 0; h < 2; h++) {
        synack_config c;
        synack_config_default(&c);
        synack_config_deterministic(&c, 7 + (uint64_t)h);
        c.netif.addr = h ? 0xc0000202u : 0xc0000201u;
        memcpy(c.netif.addr6, IP6_RIG_ADDR[h], 16);
        c.netif.prefix6_len = 64;
        if (tweak)
            tweak(&c, h, arg);
        synack_memlink_netif(*link, h, &c.netif);
        st[h] = synack_stack_new(&c);
        assert_non_null(st[h]);
        synack_memlink_attach(*link, h, st[h]);
    }
    synack_memlink_set_tap(*link, ip6_tap_fn, tap);
}

void ip6_pair_free(synack_memlink *link, synack_stack *st[2])
{
    synack_stack_free(st[0]);
    synack_stack_free(st[1]);
    synack_memlink_free(link);
}

void ip6_pair_run(ip6_pair *p, uint64_t us)
{
    p->now = synack_memlink_run(p->link, p->now, p->now + us);
}

static int ip6_host_output(void *ctx, const uint8_t *f, size_t len)
{
    ip6_host *r = ctx;
    if (r->nout < IP6_HOST_MAX && len <= sizeof(r->out[0].b)) {
        memcpy(r->out[r->nout].b, f, len);
        r->out[r->nout].len = len;
        r->nout++;
    }
    return 0;
}

void ip6_host_init(ip6_host *r, uint32_t addr4, const uint8_t addr6[16], uint32_t mtu)
{
    memset(r, 0, sizeof(*r));
    synack_config c;
    synack_config_default(&c);
    synack_config_deterministic(&c, 7);
    c.netif.addr = addr4;
    memcpy(c.netif.addr6, addr6, 16);
    c.netif.prefix6_len = 64;
    c.netif.mtu = mtu;
    c.netif.output = ip6_host_output;
    c.netif.output_ctx = r;
    r->st = synack_stack_new(&c);
    assert_non_null(r->st);
}

struct synack_sockaddr_in6 ip6_sin6(const uint8_t a[16], uint16_t port)
{
    struct synack_sockaddr_in6 s;
    memset(&s, 0, sizeof(s));
    s.sin6_family = SYNACK_AF_INET6;
    wr16((uint8_t *)&s.sin6_port, port);
    if (a)
        memcpy(s.sin6_addr.s6_bytes, a, 16);
    return s;
}

struct synack_sockaddr_in ip6_sin4(uint32_t a, uint16_t port)
{
    struct synack_sockaddr_in s;
    memset(&s, 0, sizeof(s));
    s.sin_family = SYNACK_AF_INET;
    wr16((uint8_t *)&s.sin_port, port);
    wr32((uint8_t *)&s.sin_addr.s_addr, a);
    return s;
}
