/* SPDX-License-Identifier: MIT */
/* ICMP and ICMPv6 echo sockets, as Linux's SOCK_DGRAM/IPPROTO_ICMP(V6) "ping" sockets: a
 * UDP-like socket whose port is the echo identifier (RFC 792; RFC 4443 4.1, 4.2). The
 * application writes the echo request from its ICMP header on; the stack sets the
 * identifier and the checksum, and hands back the replies that carry the identifier. */
#include <errno.h>
#include <string.h>

#include "udp/udp.h"
#include "util/sockdefs.h"
#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/icmp.h"
#include "wire/icmpv6.h"

#define ECHO_HDR_LEN 8

int ping_check(const synack_sock *so, const sock_addr *d, const uint8_t *buf, size_t len)
{
    if (so->v6 && !d->v6)
        return -ENETUNREACH; /* ICMPv6 only, even with IPV6_V6ONLY cleared */
    /* Linux's ping_common_sendmsg: the message must hold a header, be an echo request and
     * have code 0 */
    if (len < ECHO_HDR_LEN)
        return -EINVAL;
    if (buf[0] != (d->v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO_REQUEST) || buf[1] != 0)
        return -EINVAL;
    return 0;
}

long ping_emit(synack_stack *st, const synack_sock *so, const sock_addr *d, uint32_t src,
               const uint8_t src6[16], uint16_t id, const uint8_t *buf, size_t len)
{
    uint8_t hdr[ECHO_HDR_LEN];
    memcpy(hdr, buf, ECHO_HDR_LEN);
    wr16(hdr + 2, 0);
    wr16(hdr + 4, id);
    const uint8_t *data = buf + ECHO_HDR_LEN;
    size_t dlen = len - ECHO_HDR_LEN;
    uint8_t proto = d->v6 ? IP_PROTO_ICMPV6 : IP_PROTO_ICMP;
    /* ICMPv6 covers the pseudo-header (RFC 4443 2.3); ICMP only its message (RFC 792) */
    uint64_t acc = d->v6 ? csum_pseudo_ipv6(0, src6, d->a6, proto, (uint32_t)len) : 0;
    acc = csum_add(acc, hdr, ECHO_HDR_LEN);
    uint32_t hlen = d->v6 ? IPV6_HDR_LEN : IPV4_HDR_LEN;
    uint32_t mtu = d->v6 ? ip6_pmtu_get(st, d->a6) : ip_pmtu_get(st, d->v4);
    if (d->v6 && mtu < IPV6_MIN_MTU)
        mtu = IPV6_MIN_MTU;
    st->tx_tos = so->knobs.tos;
    st->tx_hops = knobs_tx_hops(&so->knobs, d->v6);
    int rc;
    if (len + hlen > mtu) {
        wr16(hdr + 2, csum_finish(csum_add(acc, data, dlen)));
        rc = d->v6 ? ip6_output_frags(st, src6, d->a6, proto, hdr, ECHO_HDR_LEN, data, dlen, mtu)
                   : ip_output_frags(st, src, d->v4, proto, hdr, ECHO_HDR_LEN, data, dlen, mtu);
    } else {
        uint8_t *l4 = st->txbuf + ip_headroom(st);
        memcpy(l4, hdr, ECHO_HDR_LEN);
        wr16(l4 + 2, csum_finish(csum_copy(acc, l4 + ECHO_HDR_LEN, data, dlen)));
        rc = d->v6 ? ip6_output_src(st, src6, d->a6, proto, l4, len, 0)
                   : ip_output_src(st, src, d->v4, proto, l4, len, NULL, 0);
    }
    st->tx_tos = 0;
    st->tx_hops = 0;
    if (rc < 0 && rc != -EAGAIN)
        return rc;
    stack_count(st, d->v6 ? SYNACK_CTR_Icmp6OutEchos : SYNACK_CTR_OutEchos);
    return (long)len;
}

int ping_input(synack_stack *st, const sock_addr *from, const sock_addr *to, const uint8_t *msg,
               size_t len, uint8_t ttl)
{
    int s = ping_lookup(st, to, from);
    if (s < 0 || st->socks[s].shut_rd)
        return 0;
    udp_enqueue(st, s, from, to, msg, (uint32_t)len, ttl);
    return 1;
}

int ping_err(synack_stack *st, const ping_error *e)
{
    /* the request's identifier is our "port"; the reply would come from its destination */
    int s = ping_lookup(st, &e->ours, &e->theirs);
    if (s < 0) {
        stack_drop(st, NULL, SYNACK_CTR_COUNT, "icmp-ping-no-socket");
        return 0;
    }
    (void)udp_sock_err(st, s, e);
    return 1;
}
