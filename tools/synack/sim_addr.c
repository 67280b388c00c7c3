/* SPDX-License-Identifier: MIT */
/* synack sim — addresses over IPv6 (--ipv6). Scenarios and the trace name hosts by IPv4
 * addresses; over IPv6 each of them stands for one address in the documentation prefix
 * 2001:db8::/32 (RFC 3849), so the scenarios, the lanes and the connection bookkeeping stay
 * as they are and only the wire, the sockets and the printed text change. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "sim_run.h"
#include "sim_world.h"

#define TEST_NET_1 0xc0000200u /* 192.0.2.0/24, the hosts' own network */

/* 192.0.2.N is 2001:db8::N (so the client and server are 2001:db8::1 and ::2); any other
 * address a (spoofed sources, attackers) is 2001:db8::a, its 32 bits as the last two
 * groups. The two ranges cannot meet: the second's last 32 bits are >= 2^8. */
void sim_addr6(uint32_t a, uint8_t out[16])
{
    memset(out, 0, 16);
    out[0] = 0x20;
    out[1] = 0x01;
    out[2] = 0x0d;
    out[3] = 0xb8;
    uint32_t low = (a & 0xffffff00u) == TEST_NET_1 ? (a & 0xffu) : a;
    out[12] = (uint8_t)(low >> 24);
    out[13] = (uint8_t)(low >> 16);
    out[14] = (uint8_t)(low >> 8);
    out[15] = (uint8_t)low;
}

uint32_t sim_addr_key6(const uint8_t a6[16])
{
    static const uint8_t prefix[12] = {0x20, 0x01, 0x0d, 0xb8};
    if (memcmp(a6, prefix, 12) != 0)
        return 0;
    uint32_t low = (uint32_t)a6[12] << 24 | (uint32_t)a6[13] << 16 | (uint32_t)a6[14] << 8 | a6[15];
    return low <= 0xffu ? TEST_NET_1 | low : low;
}

const char *render_addr(const sim_trace *t, uint32_t a, char *buf, size_t cap)
{
    if (!t->ipv6)
        return sim_addr_str(a, buf, cap);
    uint8_t a6[16];
    char tmp[INET6_ADDRSTRLEN];
    sim_addr6(a, a6);
    /* glibc's inet_ntop writes the RFC 5952 form (lower case, longest zero run as ::). */
    if (!inet_ntop(AF_INET6, a6, tmp, sizeof(tmp)))
        tmp[0] = '\0';
    snprintf(buf, cap, "%s", tmp);
    return buf;
}
