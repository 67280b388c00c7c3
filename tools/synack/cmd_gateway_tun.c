/* SPDX-License-Identifier: MIT */
/* synack gateway, tun2socks mode: the options (--tun, --socks5 HOST:PORT, --socks5-user)
 * and the exit summary of the SOCKS5 handshakes. --tun only changes the device (a TUN:
 * bare IP packets, no Ethernet or ARP; the stack's netif is SYNACK_LINK_IP); --socks5 only
 * changes where a relay's host socket connects (cmd_gateway_relay.c, through
 * cmd_gateway_socks5.c's handshake). The two are independent. */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cmd_gateway.h"

const char gw_tun_opts_usage[] =
    "  --tun           the namespace side is a TUN device (bare IP, as tun2socks uses; default\n"
    "                  name tun0) instead of a TAP\n"
    "  --socks5 HOST:PORT   every TCP connection goes through this SOCKS5 proxy (CONNECT)\n"
    "                  instead of a direct host connect; UDP and ICMP echo stay direct\n"
    "  --socks5-user NAME   authenticate to it with NAME and the password in the\n"
    "                  environment variable SYNACK_SOCKS5_PASSWORD (RFC 1929)\n";

/* HOST:PORT, HOST an IPv4 address or a name with an IPv4 address; the port is required. */
static int proxy_addr(gw_opts *o, const char *v)
{
    char buf[300];
    if (strlen(v) >= sizeof(buf))
        return -1;
    snprintf(buf, sizeof(buf), "%s", v);
    char *colon = strrchr(buf, ':'), *end;
    if (!colon || colon == buf)
        return -1;
    *colon = '\0';
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (!colon[1] || *end || port < 1 || port > 65535)
        return -1;
    struct in_addr in;
    if (inet_pton(AF_INET, buf, &in) != 1) {
        struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res;
        if (getaddrinfo(buf, NULL, &hints, &res) != 0)
            return -1;
        in = ((const struct sockaddr_in *)(const void *)res->ai_addr)->sin_addr;
        freeaddrinfo(res);
    }
    uint32_t a = ntohl(in.s_addr);
    if (a == 0 || a >> 24 >= 224)
        return -1;
    o->socks5_addr = a;
    o->socks5_port = (uint16_t)port;
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
    if (!o->socks5_addr)
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
    if (o->json) {
        printf("}\n");
        fflush(stdout);
    }
}
