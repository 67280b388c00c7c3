/* SPDX-License-Identifier: MIT */
/* synack serve / connect / stat — addresses of either family on the command line and in
 * the reports: "A.B.C.D:PORT" and, for IPv6, RFC 5952's "[A::B]:PORT" (section 6: the
 * brackets keep the port apart from the address's own colons). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

int host_parse_ip6(const char *s, uint8_t out[16])
{
    struct in6_addr a;
    if (inet_pton(AF_INET6, s, &a) != 1)
        return -1;
    memcpy(out, &a, 16);
    return 0;
}

static int parse_port(const char *s, uint16_t *out)
{
    char *end;
    if (s[0] < '0' || s[0] > '9')
        return -1;
    unsigned long v = strtoul(s, &end, 10);
    if (*end != '\0' || v == 0 || v > 65535)
        return -1;
    *out = (uint16_t)v;
    return 0;
}

int host_parse_ep(const char *v, host_sa *out)
{
    char ip[64];
    const char *colon;
    memset(out, 0, sizeof(*out));
    if (v[0] == '[') {
        const char *close = strchr(v, ']');
        if (!close || close[1] != ':' || (size_t)(close - v - 1) >= sizeof(ip))
            return -1;
        memcpy(ip, v + 1, (size_t)(close - v - 1));
        ip[close - v - 1] = '\0';
        if (host_parse_ip6(ip, out->u.v6.sin6_addr.s6_bytes) || parse_port(close + 2, &out->port))
            return -1;
        out->u.v6.sin6_family = SYNACK_AF_INET6;
        out->u.v6.sin6_port = htons(out->port);
        out->len = (synack_socklen_t)sizeof(out->u.v6);
        return 0;
    }
    colon = strchr(v, ':');
    /* A bare IPv6 address has more than one colon: its port is ambiguous without brackets. */
    if (!colon || strchr(colon + 1, ':') || (size_t)(colon - v) >= sizeof(ip))
        return -1;
    memcpy(ip, v, (size_t)(colon - v));
    ip[colon - v] = '\0';
    uint32_t a;
    if (host_parse_ip(ip, &a) || parse_port(colon + 1, &out->port))
        return -1;
    out->u.v4.sin_family = SYNACK_AF_INET;
    out->u.v4.sin_port = htons(out->port);
    out->u.v4.sin_addr.s_addr = htonl(a);
    out->len = (synack_socklen_t)sizeof(out->u.v4);
    return 0;
}

const char *host_ep6_str(const uint8_t a[16], uint16_t port, char *buf, size_t cap)
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(a, mapped, 12) == 0) /* an IPv4 peer of a dual-stack socket: as IPv4 */
        return host_ep_str((uint32_t)a[12] << 24 | (uint32_t)a[13] << 16 | (uint32_t)a[14] << 8 |
                               a[15],
                           port, buf, cap);
    char t[INET6_ADDRSTRLEN];
    if (!inet_ntop(AF_INET6, a, t, sizeof(t)))
        t[0] = '\0';
    if (port)
        snprintf(buf, cap, "[%s]:%u", t, port);
    else
        snprintf(buf, cap, "[%s]:*", t);
    return buf;
}

const char *host_sa_str(const void *sa, char *buf, size_t cap)
{
    const host_sa *s = sa;
    if (s->u.v6.sin6_family == SYNACK_AF_INET6)
        return host_ep6_str(s->u.v6.sin6_addr.s6_bytes, ntohs(s->u.v6.sin6_port), buf, cap);
    return host_ep_str(ntohl(s->u.v4.sin_addr.s_addr), ntohs(s->u.v4.sin_port), buf, cap);
}
