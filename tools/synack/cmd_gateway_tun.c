/* SPDX-License-Identifier: MIT */
/* synack gateway, tun2socks mode: the options (--tun, --socks5 HOST:PORT, --socks5-user)
 * and the exit summary of the SOCKS5 handshakes. --tun only changes the device (a TUN:
 * bare IP packets, no Ethernet or ARP; the stack's netif is SYNACK_LINK_IP); --socks5 only
 * changes where a relay's host socket connects (cmd_gateway_relay.c, through
 * cmd_gateway_socks5.c's handshake) and where a UDP flow's datagrams go (an association
 * each, cmd_gateway_socks5udp.c). The two are independent. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cmd_gateway.h"

const char gw_tun_opts_usage[] =
    "  --tun           the namespace side is a TUN device (bare IP, as tun2socks uses; default\n"
    "                  name tun0) instead of a TAP\n"
    "  --socks5 HOST:PORT   every TCP connection (CONNECT) and UDP flow (UDP ASSOCIATE), DNS\n"
    "                  included, goes through this SOCKS5 proxy instead of a host socket;\n"
    "                  ICMP echo stays direct. HOST: IPv4, [IPv6] or a name\n"
    "  --socks5-user NAME   authenticate to it with NAME and the password in the\n"
    "                  environment variable SYNACK_SOCKS5_PASSWORD (RFC 1929)\n";

/* Whether a is an address a proxy can listen on: not unspecified, not multicast (nor, for
 * IPv4, class E or broadcast). */
static int usable(const struct sockaddr_storage *sa)
{
    if (sa->ss_family == AF_INET) {
        uint32_t a = ntohl(((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr);
        return a != 0 && a >> 24 < 224;
    }
    const struct in6_addr *a6 = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
    return !IN6_IS_ADDR_UNSPECIFIED(a6) && !IN6_IS_ADDR_MULTICAST(a6);
}

/* HOST:PORT, HOST an IPv4 address, an IPv6 address in brackets ([2001:db8::1]:1080), or a
 * name (resolved once, here: its first address of either family); the port is required. */
static int proxy_addr(gw_opts *o, const char *v)
{
    char buf[300];
    if (strlen(v) >= sizeof(buf))
        return -1;
    snprintf(buf, sizeof(buf), "%s", v);
    char *colon = strrchr(buf, ':'), *end, *host = buf;
    if (!colon || colon == buf)
        return -1;
    *colon = '\0';
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (!colon[1] || *end || port < 1 || port > 65535)
        return -1;
    size_t hl = strlen(host);
    int bracketed = host[0] == '[';
    if (bracketed) { /* only an IPv6 literal goes in brackets */
        if (hl < 3 || host[hl - 1] != ']')
            return -1;
        host[hl - 1] = '\0';
        host++;
    } else if (strchr(host, ':')) {
        return -1; /* an IPv6 address needs its brackets: which colon ends it? */
    }
    struct sockaddr_storage sa;
    memset(&sa, 0, sizeof(sa));
    struct sockaddr_in *a4 = (struct sockaddr_in *)&sa;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&sa;
    if (bracketed) {
        if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1)
            return -1;
        sa.ss_family = AF_INET6;
    } else if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        sa.ss_family = AF_INET;
    } else {
        struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res;
        if (getaddrinfo(host, NULL, &hints, &res) != 0)
            return -1;
        if (res->ai_addrlen <= sizeof(sa))
            memcpy(&sa, res->ai_addr, res->ai_addrlen);
        freeaddrinfo(res);
        if (sa.ss_family != AF_INET && sa.ss_family != AF_INET6)
            return -1;
    }
    if (!usable(&sa))
        return -1;
    o->socks5_port = (uint16_t)port;
    o->socks5_addr = 0;
    if (sa.ss_family == AF_INET) {
        a4->sin_port = htons((uint16_t)port);
        o->socks5_addr = ntohl(a4->sin_addr.s_addr);
        o->socks5_salen = sizeof(*a4);
    } else {
        a6->sin6_port = htons((uint16_t)port);
        o->socks5_salen = sizeof(*a6);
    }
    o->socks5_sa = sa;
    return 0;
}

int gw_tun_opts_parse(gw_opts *o, const char *a, const char *v)
{
    if (strcmp(a, "--tun") == 0) {
        o->tun = 1;
        if (strcmp(o->ifname, "tap0") == 0)
            o->ifname = "tun0";
        return 1;
    }
    if (strcmp(a, "--socks5") != 0 && strcmp(a, "--socks5-user") != 0)
        return 0;
    if (!v) {
        fprintf(stderr, "synack gateway: %s needs a value\n", a);
        return -1;
    }
    if (strcmp(a, "--socks5") == 0) {
        if (proxy_addr(o, v) != 0) {
            fprintf(stderr, "synack gateway: bad value for --socks5: '%s' (HOST:PORT)\n", v);
            return -1;
        }
        return 2;
    }
    const char *pass = getenv("SYNACK_SOCKS5_PASSWORD");
    size_t ul = strlen(v), pl = pass ? strlen(pass) : 0;
    if (ul < 1 || ul > 255 || pl < 1 || pl > 255) {
        fprintf(stderr, "synack gateway: --socks5-user needs a name of 1-255 bytes and "
                        "SYNACK_SOCKS5_PASSWORD set to a password of 1-255 bytes\n");
        return -1;
    }
    o->socks5_user = v;
    o->socks5_pass = pass;
    return 2;
}

void gw_socks5_summary(const gw_opts *o, const gw_stats *s)
{
    static const char *const keys[GW_S5_NOUTCOMES] = {
        "ok",       "general",     "not_allowed", "net_unreach", "host_unreach",
        "refused",  "ttl_expired", "other_reply", "no_method",   "auth_failed",
        "protocol", "timeout",     "proxy_down"};
    if (!o->socks5_salen)
        return;
    if (o->json)
        printf("{\"summary\":\"gateway_socks5\"");
    else
        fprintf(stderr, "synack gateway: socks5");
    for (int k = 0; k < GW_S5_NOUTCOMES; k++) {
        unsigned long long v = (unsigned long long)s->socks[k];
        if (o->json)
            printf(",\"%s\":%llu", keys[k], v);
        else
            fprintf(stderr, " %s %llu%s", keys[k], v, k + 1 < GW_S5_NOUTCOMES ? "," : "\n");
    }
    const struct {
        const char *key;
        uint64_t v;
    } u[] = {{"udp_bad_header", s->s5u_bad_header},
             {"udp_fragment", s->s5u_fragment},
             {"udp_wrong_source", s->s5u_wrong_src},
             {"udp_queue_drops", s->s5u_queue_drops},
             {"udp_unreach", s->s5u_unreach},
             {"udp_oversize", s->s5u_oversize},
             {"udp_ended", s->s5u_ended}};
    /* the UDP associations' outcomes, then their datagrams' drops: udp_ok, udp_general... */
    for (int k = 0; k < GW_S5_NOUTCOMES + (int)(sizeof(u) / sizeof(u[0])); k++) {
        unsigned long long v =
            (unsigned long long)(k < GW_S5_NOUTCOMES ? s->socks_udp[k] : u[k - GW_S5_NOUTCOMES].v);
        char key[40];
        if (k < GW_S5_NOUTCOMES)
            snprintf(key, sizeof(key), "udp_%s", keys[k]);
        else
            snprintf(key, sizeof(key), "%s", u[k - GW_S5_NOUTCOMES].key);
        if (o->json)
            printf(",\"%s\":%llu", key, v);
        else if (v) /* the line lists only the UDP figures that happened */
            fprintf(stderr, "synack gateway: socks5 %s %llu\n", key, v);
    }
    if (o->json) {
        printf("}\n");
        fflush(stdout);
    }
}
