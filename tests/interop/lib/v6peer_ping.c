/* SPDX-License-Identifier: MIT */
/* v6peer's ping mode (ipv6_tap.sh): synack pings a peer through an ICMPv6 (or, for an
 * IPv4 destination, ICMP) echo socket (synack_socket_proto), as `ping -c N` would: one
 * request every 200 ms, each reply checked for the socket's identifier, its sequence
 * number and its data. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "v6peer.h"

#define PING_DATA 56 /* ping's default payload */

int ping6(const char *dst, int count)
{
    struct synack_sockaddr_in6 to;
    struct synack_sockaddr_in to4;
    memset(&to4, 0, sizeof(to4));
    to4.sin_family = SYNACK_AF_INET;
    int v4 = inet_pton(AF_INET, dst, &to4.sin_addr) == 1;
    if (count <= 0 || count > 100 || (!v4 && parse6(dst, 0, &to) != 0))
        return 2;
    const struct sockaddr *sa = v4 ? (const struct sockaddr *)&to4 : (const struct sockaddr *)&to;
    synack_socklen_t salen = v4 ? sizeof(to4) : sizeof(to);
    int s = v4 ? synack_socket_proto(st, SYNACK_AF_INET, SYNACK_SOCK_DGRAM, SYNACK_IPPROTO_ICMP)
               : synack_socket_proto(st, SYNACK_AF_INET6, SYNACK_SOCK_DGRAM, SYNACK_IPPROTO_ICMPV6);
    if (s < 0) {
        printf("socket: %s\n", errname(-s));
        return 1;
    }
    int got = 0;
    for (int seq = 1; seq <= count; seq++) {
        uint8_t req[8 + PING_DATA];
        memset(req, 0, sizeof(req));
        /* Echo Request (RFC 792; RFC 4443 4.1); the stack sets identifier and checksum */
        req[0] = v4 ? 8 : 128;
        req[6] = (uint8_t)(seq >> 8);
        req[7] = (uint8_t)seq;
        for (int i = 0; i < PING_DATA; i++)
            req[8 + i] = (uint8_t)(seq + i);
        ssize_t n = synack_sendto(st, s, req, sizeof(req), 0, sa, salen);
        if (n != (ssize_t)sizeof(req)) {
            printf("sendto: %s\n", errname((int)-n));
            return 1;
        }
        struct synack_sockaddr_in6 name; /* big enough for either; the port is at 2 */
        synack_socklen_t nl = sizeof(name);
        synack_getsockname(st, s, (struct sockaddr *)&name, &nl);
        const uint8_t *idp = (const uint8_t *)&name.sin6_port;
        uint64_t t_start = synack_loop_clock();
        int answered = 0;
        while (synack_loop_clock() - t_start < 200000ull && step()) {
            uint8_t rep[256];
            ssize_t r = synack_recv(st, s, rep, sizeof(rep), 0);
            if (r == (ssize_t)sizeof(req) && rep[0] == (v4 ? 0 : 129) && rep[4] == idp[0] &&
                rep[5] == idp[1] && rep[6] == req[6] && rep[7] == req[7] &&
                memcmp(rep + 8, req + 8, PING_DATA) == 0)
                answered = 1;
        }
        got += answered;
    }
    printf("ping %d of %d answered\n", got, count);
    return got == count ? 0 : 1;
}
