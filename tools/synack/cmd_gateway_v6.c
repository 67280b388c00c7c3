/* SPDX-License-Identifier: MIT */
/* synack gateway over IPv6: the options, the stack's second catch-all (AF_INET6, V6ONLY,
 * holding SYNs as the IPv4 one does), and what the relay needs to serve both families:
 * which host address a destination goes to, the endpoints of a synack socket, the ICMPv6
 * code of an unreachable verdict. The policy is IPv4's: the namespace reaches what the
 * gateway's own namespace reaches, never the gateway itself (unless
 * --enable-host-loopback, then the host's ::1), its own address, or a destination that is
 * not global unicast (link-local, multicast, loopback, unspecified, IPv4-mapped or
 * -compatible). UDP follows the same policy (cmd_gateway_udp.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_gateway.h"

const char gw_v6_usage[] =
    "  --ipv6          IPv6 too, with the defaults below (off unless an --ipv6 option is\n"
    "                  given): NDP answered by the gateway, TCP to any IPv6 destination and\n"
    "                  ICMPv6 echo relayed as for IPv4, UDP through NAT\n"
    "                  flows, DNS at --ipv6-gw port 53 to --dns-server\n"
    "  --ipv6-addr A/P the namespace's IPv6 address and prefix (2001:db8:ffff::100/64)\n"
    "  --ipv6-gw A     the gateway's IPv6 address in that prefix, the namespace's default\n"
    "                  route (the prefix's ::2)\n"
    "  --forward tcp6:HOSTPORT:NSPORT   (repeatable) connections to [::]:HOSTPORT on the\n"
    "                  host are relayed to the namespace's --ipv6-addr at NSPORT\n"
    "  --forward udp6:HOSTPORT:NSPORT   the same for datagrams (as --forward udp:)\n";

/* The documentation prefix (RFC 3849) as slirp4netns uses fd00::/64: host ::100, gateway
 * ::2. A real deployment names its own. */
static const uint8_t def_prefix[8] = {0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0, 0};

static int parse6(const char *s, uint8_t out[16], uint8_t *plen)
{
    char buf[64];
    if (strlen(s) >= sizeof(buf))
        return -1;
    snprintf(buf, sizeof(buf), "%s", s);
    char *slash = strchr(buf, '/');
    if (slash) {
        char *end;
        long l = strtol(slash + 1, &end, 10);
        if (!plen || slash[1] == '\0' || *end || l < 1 || l > 126)
            return -1;
        *plen = (uint8_t)l;
        *slash = '\0';
    } else if (plen) {
        *plen = 64;
    }
    struct in6_addr a;
    if (inet_pton(AF_INET6, buf, &a) != 1)
        return -1;
    memcpy(out, a.s6_addr, 16);
    return 0;
}

/* tcp6:HOSTPORT:NSPORT or udp6:... */
static int parse_forward6(gw_forward *f, const char *spec)
{
    unsigned hp, np;
    char end;
    int udp = strncmp(spec, "udp6:", 5) == 0;
    if (sscanf(spec + 5, "%5u:%5u%c", &hp, &np, &end) != 2 || hp < 1 || hp > 65535 || np < 1 ||
        np > 65535 || strspn(spec + 5, "0123456789:") != strlen(spec + 5))
        return -1;
    memset(f, 0, sizeof(*f));
    f->host_port = (uint16_t)hp;
    f->ns_port = (uint16_t)np;
    f->v6 = 1;
    f->udp = (uint8_t)udp;
    return 0;
}

int gw_v6_parse(gw_opts *o, const char *a, const char *v)
{
    if (strcmp(a, "--ipv6") == 0) {
        o->ipv6 = 1;
        return 1;
    }
    if (strcmp(a, "--forward") == 0 && v &&
        (strncmp(v, "tcp6:", 5) == 0 || strncmp(v, "udp6:", 5) == 0)) {
        if (o->nfwd >= GW_MAX_FORWARDS || parse_forward6(&o->fwd[o->nfwd], v) != 0) {
            fprintf(stderr, "synack gateway: bad value for --forward: '%s'%s\n", v,
                    o->nfwd >= GW_MAX_FORWARDS ? " (too many)" : "");
            return -1;
        }
        o->nfwd++;
        o->ipv6 = 1;
        return 2;
    }
    int is_addr = strcmp(a, "--ipv6-addr") == 0;
    if (!is_addr && strcmp(a, "--ipv6-gw") != 0)
        return 0;
    if (!v) {
        fprintf(stderr, "synack gateway: %s needs a value\n", a);
        return -1;
    }
    if (parse6(v, is_addr ? o->addr6 : o->gw6, is_addr ? &o->prefix6 : NULL) != 0) {
        fprintf(stderr, "synack gateway: bad value for %s: '%s'\n", a, v);
        return -1;
    }
    o->ipv6 = 1;
    return 2;
}

static int is_zero(const uint8_t a[16])
{
    static const uint8_t z[16];
    return memcmp(a, z, 16) == 0;
}

static int same_prefix(const uint8_t a[16], const uint8_t b[16], unsigned plen)
{
    unsigned bytes = plen / 8, bits = plen % 8;
    if (memcmp(a, b, bytes) != 0)
        return 0;
    return !bits || ((a[bytes] ^ b[bytes]) & (uint8_t)(0xff00u >> bits)) == 0;
}

/* A global unicast address a namespace may hold or name (RFC 4291 2.4). */
static int global_unicast(const uint8_t b[16])
{
    struct in6_addr a;
    memcpy(a.s6_addr, b, 16);
    return !IN6_IS_ADDR_UNSPECIFIED(&a) && !IN6_IS_ADDR_LOOPBACK(&a) &&
           !IN6_IS_ADDR_MULTICAST(&a) && !IN6_IS_ADDR_LINKLOCAL(&a) && !IN6_IS_ADDR_SITELOCAL(&a) &&
           !IN6_IS_ADDR_V4MAPPED(&a) && !IN6_IS_ADDR_V4COMPAT(&a);
}

int gw_v6_check(gw_opts *o)
{
    if (!o->ipv6)
        return 0;
    if (is_zero(o->addr6)) {
        /* the gateway's prefix (a /64) with ::100, or the default prefix */
        if (is_zero(o->gw6))
            memcpy(o->addr6, def_prefix, 8);
        else
            memcpy(o->addr6, o->gw6, 8);
        o->addr6[15] = 0x00;
        o->addr6[14] = 0x01;
        o->prefix6 = 64;
    }
    if (is_zero(o->gw6)) {
        memcpy(o->gw6, o->addr6, 16);
        for (unsigned i = o->prefix6 / 8; i < 16; i++)
            o->gw6[i] = (uint8_t)(i == o->prefix6 / 8 && o->prefix6 % 8
                                      ? o->addr6[i] & (uint8_t)(0xff00u >> (o->prefix6 % 8))
                                      : 0);
        o->gw6[15] |= 2;
    }
    if (!global_unicast(o->addr6) || !global_unicast(o->gw6) ||
        !same_prefix(o->addr6, o->gw6, o->prefix6) || memcmp(o->addr6, o->gw6, 16) == 0) {
        fprintf(stderr, "synack gateway: --ipv6-gw must be another global unicast address of "
                        "--ipv6-addr's prefix\n");
        return -1;
    }
    return 0;
}

int gw_dest_sa(const gw_opts *o, const synack_endpoints *ep, struct sockaddr_storage *sa,
               socklen_t *len)
{
    memset(sa, 0, sizeof(*sa));
    if (ep->family != SYNACK_AF_INET6) {
        uint32_t dst = gw_dest(o, ep->laddr);
        if (!dst)
            return -1;
        struct sockaddr_in *in = (struct sockaddr_in *)sa;
        in->sin_family = AF_INET;
        in->sin_port = htons(ep->lport);
        in->sin_addr.s_addr = htonl(dst);
        *len = sizeof(*in);
        return dst != ep->laddr;
    }
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)sa;
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(ep->lport);
    *len = sizeof(*in6);
    if (o->ipv6 && memcmp(ep->laddr6, o->gw6, 16) == 0) {
        if (!o->host_loopback)
            return -1;
        in6->sin6_addr = in6addr_loopback;
        return 1;
    }
    if (!global_unicast(ep->laddr6) || (o->ipv6 && memcmp(ep->laddr6, o->addr6, 16) == 0))
        return -1;
    memcpy(in6->sin6_addr.s6_addr, ep->laddr6, 16);
    return 0;
}

void gw_ep_of(synack_stack *st, int ss, synack_endpoints *ep)
{
    struct synack_sockaddr_in6 l, p;
    synack_socklen_t ll = sizeof(l), pl = sizeof(p);
    memset(ep, 0, sizeof(*ep));
    memset(&l, 0, sizeof(l));
    memset(&p, 0, sizeof(p));
    synack_getsockname(st, ss, (struct sockaddr *)&l, &ll);
    synack_getpeername(st, ss, (struct sockaddr *)&p, &pl);
    if (l.sin6_family == SYNACK_AF_INET6) {
        ep->family = SYNACK_AF_INET6;
        memcpy(ep->laddr6, l.sin6_addr.s6_bytes, 16);
        memcpy(ep->raddr6, p.sin6_addr.s6_bytes, 16);
        ep->lport = ntohs(l.sin6_port);
        ep->rport = ntohs(p.sin6_port);
        return;
    }
    const struct synack_sockaddr_in *l4 = (const void *)&l, *p4 = (const void *)&p;
    ep->laddr = ntohl(l4->sin_addr.s_addr);
    ep->raddr = ntohl(p4->sin_addr.s_addr);
    ep->lport = ntohs(l4->sin_port);
    ep->rport = ntohs(p4->sin_port);
}

int gw_same_ep(const synack_endpoints *a, const synack_endpoints *b)
{
    int v6 = a->family == SYNACK_AF_INET6;
    if (v6 != (b->family == SYNACK_AF_INET6) || a->lport != b->lport || a->rport != b->rport)
        return 0;
    if (!v6)
        return a->laddr == b->laddr && a->raddr == b->raddr;
    return memcmp(a->laddr6, b->laddr6, 16) == 0 && memcmp(a->raddr6, b->raddr6, 16) == 0;
}

int gw_unreach_code(const synack_endpoints *ep, int err)
{
    /* ICMP: network (0) or host (1) unreachable. ICMPv6 (RFC 4443 3.1): no route (0),
     * address unreachable (3), administratively prohibited (1, a host firewall's reject);
     * Linux's client makes them ENETUNREACH, EHOSTUNREACH and EACCES, what its own connect
     * would have said. (ICMP's admin-prohibited codes are EHOSTUNREACH to it, so an IPv4
     * EACCES stays silence.) */
    int v6 = ep->family == SYNACK_AF_INET6;
    if (err == ENETUNREACH)
        return 0;
    if (err == EHOSTUNREACH)
        return v6 ? 3 : 1;
    return v6 && (err == EACCES || err == EPERM) ? 1 : -1;
}

void gw_ep_str(const synack_endpoints *ep, int local, char *buf, size_t cap)
{
    uint16_t port = local ? ep->lport : ep->rport;
    if (ep->family != SYNACK_AF_INET6) {
        uint32_t a = local ? ep->laddr : ep->raddr;
        snprintf(buf, cap, "%u.%u.%u.%u:%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255,
                 port);
        return;
    }
    char t[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, local ? ep->laddr6 : ep->raddr6, t, sizeof(t));
    snprintf(buf, cap, "[%s]:%u", t, port);
}

void gw_sa_str(const struct sockaddr_storage *sa, char *buf, size_t cap)
{
    synack_endpoints ep = {0};
    if (sa->ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        ep.laddr = ntohl(in->sin_addr.s_addr);
        ep.lport = ntohs(in->sin_port);
    } else if (sa->ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        ep.family = SYNACK_AF_INET6;
        memcpy(ep.laddr6, in6->sin6_addr.s6_addr, 16);
        ep.lport = ntohs(in6->sin6_port);
    } else {
        snprintf(buf, cap, "-");
        return;
    }
    gw_ep_str(&ep, 1, buf, cap);
}

int gw_v6_listen(synack_stack *st, const gw_opts *o, int hold_ms)
{
    int s = synack_socket_domain(st, SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    int one = 1;
    if (s < 0 ||
        synack_setsockopt(st, s, SYNACK_IPPROTO_IPV6, SYNACK_IPV6_V6ONLY, &one, sizeof(one)) ||
        synack_setsockopt(st, s, SYNACK_IPPROTO_TCP, SYNACK_TCP_CATCH_ALL, &one, sizeof(one)) ||
        synack_setsockopt(st, s, SYNACK_IPPROTO_TCP, SYNACK_TCP_HOLD_SYN, &hold_ms,
                          sizeof(hold_ms)) ||
        synack_listen(st, s, (int)o->max_conns) < 0)
        return -1;
    return s;
}
