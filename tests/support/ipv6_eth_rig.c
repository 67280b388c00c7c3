/* SPDX-License-Identifier: MIT */
#include "ipv6_eth_rig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "wire/bytes.h"
#include "wire/eth.h"

int eth6_capture(void *ctx, const uint8_t *frame, size_t len)
{
    eth6_cap *cap = ctx;
    if (cap->n < ETH6_CAP_MAX) {
        eth6_frame *f = &cap->f[cap->n++];
        f->len = len < sizeof(f->b) ? len : sizeof(f->b);
        memcpy(f->b, frame, f->len);
    }
    return 0;
}

void eth6_config(synack_config *c, eth6_cap *cap, const uint8_t mac[6], const uint8_t *addr6)
{
    cap->n = 0;
    synack_config_deterministic(c, 11);
    c->netif.type = SYNACK_LINK_ETHERNET;
    memcpy(c->netif.mac, mac, 6);
    c->netif.addr = 0xc0000202u;
    c->netif.prefix_len = 24;
    if (addr6) {
        memcpy(c->netif.addr6, addr6, 16);
        c->netif.prefix6_len = 64;
    }
    c->netif.output = eth6_capture;
    c->netif.output_ctx = cap;
}

ipv6_addr eth6_addr(const uint8_t b[16])
{
    ipv6_addr a;
    memcpy(a.b, b, 16);
    return a;
}

size_t eth6_frame_build(uint8_t *buf, const uint8_t *ethdst, const uint8_t *ethsrc,
                        const ipv6_addr *src6, const ipv6_addr *dst6, uint8_t nh, uint8_t hop,
                        const uint8_t *l4, size_t n)
{
    eth_hdr eh = {.ethertype = ETHERTYPE_IPV6};
    memcpy(eh.dst, ethdst, 6);
    memcpy(eh.src, ethsrc, 6);
    assert_int_equal(eth_emit(buf, ETH_HDR_LEN, &eh), ETH_HDR_LEN);
    ipv6_hdr h = {.next = nh, .hop_limit = hop, .src = *src6, .dst = *dst6};
    assert_int_equal(ipv6_emit(buf + ETH_HDR_LEN, IPV6_HDR_LEN, &h, n), IPV6_HDR_LEN);
    memcpy(buf + ETH_HDR_LEN + IPV6_HDR_LEN, l4, n);
    return ETH_HDR_LEN + IPV6_HDR_LEN + n;
}

uint16_t eth6_icmp_sum(const uint8_t *src, const uint8_t *dst, const uint8_t *msg, size_t n)
{
    uint32_t s = 0;
    for (int i = 0; i < 16; i += 2)
        s += (uint32_t)(src[i] << 8 | src[i + 1]) + (uint32_t)(dst[i] << 8 | dst[i + 1]);
    s += (uint32_t)n + 58;
    for (size_t i = 0; i < n; i += 2)
        s += (uint32_t)(msg[i] << 8 | (i + 1 < n ? msg[i + 1] : 0));
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

int eth6_connect_sock(synack_stack *st, const uint8_t dst[16], int *sock)
{
    int s = synack_socket_domain(st, SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    assert_true(s >= 0);
    *sock = s;
    struct synack_sockaddr_in6 to;
    memset(&to, 0, sizeof(to));
    to.sin6_family = SYNACK_AF_INET6;
    wr16((uint8_t *)&to.sin6_port, 80);
    memcpy(to.sin6_addr.s6_bytes, dst, 16);
    return synack_connect(st, s, (struct sockaddr *)&to, sizeof(to));
}

int eth6_connect(synack_stack *st, const uint8_t dst[16])
{
    int s;
    return eth6_connect_sock(st, dst, &s);
}
