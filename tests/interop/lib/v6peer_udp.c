/* SPDX-License-Identifier: MIT */
/* v6peer's UDP modes (udp6_tap.sh): an echo on [::]:PORT, one datagram sent to a peer,
 * fragmented at the source when it is over the path MTU, and one whose ICMPv6 error is
 * read from the error queue (IPV6_RECVERR). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "v6peer.h"

int udp_echo(uint16_t port, int count)
{
    int s = synack_socket_domain(st, SYNACK_AF_INET6, SYNACK_SOCK_DGRAM);
    struct synack_sockaddr_in6 any;
    parse6("::", port, &any);
    if (synack_bind(st, s, (struct sockaddr *)&any, sizeof(any)) != 0)
        return 2;
    printf("listening\n");
    fflush(stdout);
    int done = 0;
    while (done < count && step()) {
        char buf[2048];
        struct synack_sockaddr_in6 from;
        synack_socklen_t fl = sizeof(from);
        ssize_t n = synack_recvfrom(st, s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
        if (n >= 0 && synack_sendto(st, s, buf, (size_t)n, 0, (struct sockaddr *)&from, fl) == n)
            done++;
    }
    linger(200);
    printf("echoed %d\n", done);
    return done == count ? 0 : 1;
}

int udp_send(const char *dst, uint16_t port, size_t size)
{
    static char buf[65527];
    struct synack_sockaddr_in6 to;
    if (size > sizeof(buf) || parse6(dst, port, &to) != 0)
        return 2;
    for (size_t i = 0; i < size; i++)
        buf[i] = (char)('a' + i % 26);
    int s = synack_socket_domain(st, SYNACK_AF_INET6, SYNACK_SOCK_DGRAM);
    if (synack_connect(st, s, (struct sockaddr *)&to, sizeof(to)) != 0)
        return 2;
    uint64_t t_start = synack_loop_clock();
    ssize_t n = -EAGAIN;
    /* the first datagram may wait in the neighbor queue: the loop sends it once resolved */
    while (n == -EAGAIN && step())
        n = synack_send(st, s, buf, size, 0);
    if (n != (ssize_t)size) {
        printf("send: %s\n", errname((int)-n));
        return 1;
    }
    /* an ICMPv6 error about it arrives within 2 s, or none will */
    while (synack_loop_clock() - t_start < 2000000ull && step()) {
        ssize_t r = synack_recv(st, s, buf, sizeof(buf), 0);
        if (r < 0 && r != -EAGAIN) {
            printf("%s\n", errname((int)-r));
            return 1;
        }
    }
    printf("sent\n");
    return 0;
}

int udp_errq(const char *dst, uint16_t port)
{
    static const char msg[] = "abcdefghij";
    struct synack_sockaddr_in6 to;
    if (parse6(dst, port, &to) != 0)
        return 2;
    int s = synack_socket_domain(st, SYNACK_AF_INET6, SYNACK_SOCK_DGRAM);
    int one = 1;
    if (s < 0 ||
        synack_setsockopt(st, s, SYNACK_IPPROTO_IPV6, SYNACK_IPV6_RECVERR, &one, sizeof(one)) != 0)
        return 2;
    uint64_t t_start = synack_loop_clock();
    ssize_t n = -EAGAIN;
    while (n == -EAGAIN && step())
        n = synack_sendto(st, s, msg, 10, 0, (struct sockaddr *)&to, sizeof(to));
    if (n != 10) {
        printf("send: %s\n", errname((int)-n));
        return 1;
    }
    /* unconnected: only the error queue hears of it, within 2 s or never */
    synack_sock_err r;
    while (synack_loop_clock() - t_start < 2000000ull && step()) {
        if (synack_recv_errqueue(st, s, &r) != 0)
            continue;
        char who[64];
        inet_ntop(AF_INET6, r.offender.sin6.sin6_addr.s6_bytes, who, sizeof(who));
        printf("errqueue %s origin %u type %u code %u offender %s quote %.8s\n",
               errname((int)r.ee_errno), r.ee_origin, r.ee_type, r.ee_code, who,
               (const char *)r.quote);
        return 0;
    }
    printf("no error queued\n");
    return 1;
}
