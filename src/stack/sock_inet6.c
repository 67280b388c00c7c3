/* SPDX-License-Identifier: MIT */
/* Socket addresses of either family: struct sockaddr_in for AF_INET sockets, struct
 * sockaddr_in6 for AF_INET6 ones (Linux's layouts, include/synack/synack.h), where an
 * IPv4 peer is ::ffff:a.b.c.d (RFC 4291 2.5.5.2; RFC 3493 3.7) as Linux shows it. */
#include <errno.h>
#include "util/sockdefs.h"
#include <string.h>

#include "stack/stack_impl.h"

/* RFC 2133's sockaddr_in6 had no sin6_scope_id: Linux takes that 24-byte form too. */
#define SIN6_LEN_RFC2133 24

static const uint8_t v4mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

static int from_in(const struct sockaddr *addr, synack_socklen_t len, sock_addr *out)
{
    struct synack_sockaddr_in sin;
    if (!addr || len < (synack_socklen_t)sizeof(sin))
        return -EINVAL;
    memcpy(&sin, addr, sizeof(sin));
    if (sin.sin_family != SYNACK_AF_INET)
        return -EAFNOSUPPORT;
    out->v4 = ntohl(sin.sin_addr.s_addr);
    out->port = ntohs(sin.sin_port);
    return 0;
}

int sock_addr_from(const synack_sock *so, const struct sockaddr *addr, synack_socklen_t len,
                   sock_addr *out)
{
    memset(out, 0, sizeof(*out));
    if (!so->v6)
        return from_in(addr, len, out);
    struct synack_sockaddr_in6 sin6;
    memset(&sin6, 0, sizeof(sin6));
    if (!addr || len < SIN6_LEN_RFC2133)
        return -EINVAL;
    memcpy(&sin6, addr, len < (synack_socklen_t)sizeof(sin6) ? (size_t)len : sizeof(sin6));
    if (sin6.sin6_family != SYNACK_AF_INET6)
        return -EAFNOSUPPORT;
    out->port = ntohs(sin6.sin6_port);
    const uint8_t *a = sin6.sin6_addr.s6_bytes;
    if (memcmp(a, v4mapped_prefix, 12) == 0) {
        out->mapped = 1;
        out->v4 = (uint32_t)a[12] << 24 | (uint32_t)a[13] << 16 | (uint32_t)a[14] << 8 | a[15];
        return 0;
    }
    /* RFC 4007 6: a link-local address means nothing without its zone; synack has one
     * interface, so 0 (Linux would want it named) or its index names it, any other none
     * (Linux's bind says -ENODEV for an interface that is not there) */
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80 && sin6.sin6_scope_id != 0 &&
        sin6.sin6_scope_id != SYNACK_IFINDEX)
        return -ENODEV;
    out->v6 = 1;
    memcpy(out->a6, a, 16);
    return 0;
}

int sock_addr_to(const synack_sock *so, struct sockaddr *addr, synack_socklen_t *len,
                 const sock_addr *a)
{
    if (!addr || !len)
        return 0;
    if (!so->v6) {
        struct synack_sockaddr_in sin;
        memset(&sin, 0, sizeof(sin));
        sin.sin_family = SYNACK_AF_INET;
        sin.sin_addr.s_addr = htonl(a->v4);
        sin.sin_port = htons(a->port);
        size_t n = *len < sizeof(sin) ? *len : sizeof(sin);
        memcpy(addr, &sin, n);
        *len = sizeof(sin);
        return 0;
    }
    struct synack_sockaddr_in6 sin6;
    memset(&sin6, 0, sizeof(sin6));
    sin6.sin6_family = SYNACK_AF_INET6;
    sin6.sin6_port = htons(a->port);
    uint8_t *b = sin6.sin6_addr.s6_bytes;
    if (a->v6) {
        memcpy(b, a->a6, 16);
        if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
            sin6.sin6_scope_id = SYNACK_IFINDEX;
    } else if (a->v4 != 0) { /* 0.0.0.0 on an AF_INET6 socket is the wildcard :: */
        memcpy(b, v4mapped_prefix, 12);
        b[12] = (uint8_t)(a->v4 >> 24);
        b[13] = (uint8_t)(a->v4 >> 16);
        b[14] = (uint8_t)(a->v4 >> 8);
        b[15] = (uint8_t)a->v4;
    }
    size_t n = *len < sizeof(sin6) ? *len : sizeof(sin6);
    memcpy(addr, &sin6, n);
    *len = sizeof(sin6);
    return 0;
}

void sock_addr_of(const synack_endpoints *ep, int remote, sock_addr *out)
{
    memset(out, 0, sizeof(*out));
    out->port = remote ? ep->rport : ep->lport;
    if (ep->family == SYNACK_AF_INET6) {
        out->v6 = 1;
        memcpy(out->a6, remote ? ep->raddr6 : ep->laddr6, 16);
    } else {
        out->v4 = remote ? ep->raddr : ep->laddr;
    }
}
