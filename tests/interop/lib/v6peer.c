/* SPDX-License-Identifier: MIT */
/* synack's side of tests/interop/ipv6_tun.sh: a stack on a TUN device with an IPv6
 * address, driven through AF_INET6 sockets (the synack tool's serve/connect speak IPv4
 * only so far). Every run ends by itself within 30 s.
 *
 *   v6peer TUN ADDR6 sink PORT OUT      accept one connection on [::]:PORT (dual stack),
 *                                       write what arrives to OUT until end of stream;
 *                                       prints "listening", then "received N from PEER"
 *   v6peer TUN ADDR6 send DST6 PORT IN  connect to [DST6]:PORT, send IN, close after the
 *                                       peer's end of stream; prints "mss N" (TCP_MAXSEG
 *                                       at the end) and "sent"; exit 1 with the errno name
 *                                       (e.g. ECONNREFUSED) when the connection fails
 *   v6peer TUN ADDR6 udpecho PORT N     UDP on [::]:PORT: send each of N datagrams back to
 *                                       its source; prints "listening", then "echoed N"
 *   v6peer TUN ADDR6 udpsend DST6 PORT SIZE  one datagram of SIZE bytes from a socket
 *                                       connected to [DST6]:PORT (fragmented past the MTU);
 *                                       prints "sent", or the errno name an ICMPv6 error
 *                                       gave the socket within 2 s (e.g. ECONNREFUSED)
 * With V6PEER_TAP in the environment, TUN is a TAP device and the stack an Ethernet one
 * (MAC 02:00:00:00:00:02). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synack/loop.h"
#include "synack/synack.h"
#include "synack/tuntap.h"

#define RUN_US 30000000ull

static synack_stack *st;
static synack_loop *lp;
static uint8_t our6[16]; /* the stack's global address */

static int parse6(const char *s, uint16_t port, struct synack_sockaddr_in6 *a)
{
    memset(a, 0, sizeof(*a));
    a->sin6_family = SYNACK_AF_INET6;
    a->sin6_port = htons(port);
    return inet_pton(AF_INET6, s, a->sin6_addr.s6_bytes) == 1 ? 0 : -1;
}

static const char *errname(int e)
{
    switch (e) {
    case ECONNREFUSED:
        return "ECONNREFUSED";
    case ETIMEDOUT:
        return "ETIMEDOUT";
    case ECONNRESET:
        return "ECONNRESET";
    case EADDRNOTAVAIL:
        return "EADDRNOTAVAIL";
    default:
        return strerror(e);
    }
}

/* One round of the loop: up to 10 ms of waiting. 0 once the 30 s are up. */
static int step(uint64_t t0)
{
    synack_loop_run_once(lp, 10000, NULL, 0);
    return synack_loop_clock() - t0 < RUN_US;
}

static int sink(uint16_t port, const char *out)
{
    FILE *f = fopen(out, "wb");
    if (!f)
        return 2;
    int ls = synack_socket_domain(st, SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    struct synack_sockaddr_in6 any;
    parse6("::", port, &any);
    if (synack_bind(st, ls, (struct sockaddr *)&any, sizeof(any)) != 0 ||
        synack_listen(st, ls, 4) != 0)
        return 2;
    printf("listening\n");
    fflush(stdout);
    uint64_t t0 = synack_loop_clock(), total = 0;
    int s = -1;
    struct synack_sockaddr_in6 peer;
    synack_socklen_t plen = sizeof(peer);
    while (step(t0)) {
        if (s < 0) {
            s = synack_accept(st, ls, (struct sockaddr *)&peer, &plen);
            continue;
        }
        char buf[16384];
        ssize_t n;
        while ((n = synack_recv(st, s, buf, sizeof(buf), 0)) > 0) {
            fwrite(buf, 1, (size_t)n, f);
            total += (uint64_t)n;
        }
        if (n == 0) {
            char a[64];
            inet_ntop(AF_INET6, peer.sin6_addr.s6_bytes, a, sizeof(a));
            printf("received %llu from [%s]:%u\n", (unsigned long long)total, a,
                   ntohs(peer.sin6_port));
            synack_close(st, s);
            for (int i = 0; i < 50; i++) /* let our FIN and its ACK go */
                step(t0);
            fclose(f);
            return 0;
        }
        if (n != -EAGAIN) {
            printf("recv: %s\n", errname((int)-n));
            break;
        }
    }
    fclose(f);
    return 1;
}

static int send_file(const char *dst, uint16_t port, const char *in)
{
    FILE *f = fopen(in, "rb");
    struct synack_sockaddr_in6 to;
    if (!f || parse6(dst, port, &to) != 0)
        return 2;
    int s = synack_socket_domain(st, SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    int rc = synack_connect(st, s, (struct sockaddr *)&to, sizeof(to));
    if (rc != -EINPROGRESS) {
        printf("connect: %s\n", errname(-rc));
        return 1;
    }
    uint64_t t0 = synack_loop_clock();
    char buf[16384];
    size_t have = 0, off = 0;
    int eof = 0, shut = 0;
    while (step(t0)) {
        if (!eof && have == off) {
            have = fread(buf, 1, sizeof(buf), f);
            off = 0;
            eof = have == 0;
        }
        while (off < have) {
            ssize_t n = synack_send(st, s, buf + off, have - off, 0);
            if (n == -EAGAIN || n == -ENOTCONN)
                break;
            if (n < 0) {
                printf("send: %s\n", errname((int)-n));
                return 1;
            }
            off += (size_t)n;
        }
        if (eof && !shut && synack_shutdown(st, s, SYNACK_SHUT_WR) == 0)
            shut = 1;
        char sink_buf[256];
        ssize_t n = synack_recv(st, s, sink_buf, sizeof(sink_buf), 0);
        if (n == 0 && shut) {
            int mss = 0;
            synack_socklen_t ml = sizeof(mss);
            synack_getsockopt(st, s, SYNACK_IPPROTO_TCP, SYNACK_TCP_MAXSEG, &mss, &ml);
            printf("mss %d\n", mss);
            synack_close(st, s);
            for (int i = 0; i < 20; i++)
                step(t0);
            printf("sent\n");
            fclose(f);
            return 0;
        }
        if (n < 0 && n != -EAGAIN && n != -ENOTCONN) {
            printf("connect: %s\n", errname((int)-n));
            fclose(f);
            return 1;
        }
    }
    fclose(f);
    printf("timed out\n");
    return 1;
}

static int udp_echo(uint16_t port, int count)
{
    int s = synack_socket_domain(st, SYNACK_AF_INET6, SYNACK_SOCK_DGRAM);
    struct synack_sockaddr_in6 any;
    parse6("::", port, &any);
    if (synack_bind(st, s, (struct sockaddr *)&any, sizeof(any)) != 0)
        return 2;
    printf("listening\n");
    fflush(stdout);
    uint64_t t0 = synack_loop_clock();
    int done = 0;
    while (done < count && step(t0)) {
        char buf[2048];
        struct synack_sockaddr_in6 from;
        synack_socklen_t fl = sizeof(from);
        ssize_t n = synack_recvfrom(st, s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
        if (n >= 0 && synack_sendto(st, s, buf, (size_t)n, 0, (struct sockaddr *)&from, fl) == n)
            done++;
    }
    for (int i = 0; i < 20; i++)
        step(t0);
    printf("echoed %d\n", done);
    return done == count ? 0 : 1;
}

static int udp_send(const char *dst, uint16_t port, size_t size)
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
    uint64_t t0 = synack_loop_clock();
    ssize_t n = -EAGAIN;
    /* the first datagram may wait in the neighbor queue: the loop sends it once resolved */
    while (n == -EAGAIN && step(t0))
        n = synack_send(st, s, buf, size, 0);
    if (n != (ssize_t)size) {
        printf("send: %s\n", errname((int)-n));
        return 1;
    }
    while (synack_loop_clock() - t0 < 2000000ull && step(t0)) {
        ssize_t r = synack_recv(st, s, buf, sizeof(buf), 0);
        if (r < 0 && r != -EAGAIN) {
            printf("%s\n", errname((int)-r));
            return 1;
        }
    }
    printf("sent\n");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 6)
        return 2;
    synack_tuntap dev;
    /* V6PEER_TAP set: a TAP device, so Ethernet with Neighbor Discovery (ipv6_tap.sh) */
    int tap = getenv("V6PEER_TAP") != NULL;
    int rc = synack_tuntap_open(&dev, argv[1], tap ? SYNACK_LINK_ETHERNET : SYNACK_LINK_IP);
    if (rc != 0) {
        fprintf(stderr, "tun %s: %s\n", argv[1], strerror(-rc));
        return 2;
    }
    synack_loop_config lc = {.dev = &dev};
    lp = synack_loop_new(&lc);
    synack_config cfg;
    synack_config_default(&cfg);
    synack_loop_netif(lp, &cfg.netif);
    cfg.netif.addr = 0; /* IPv6-only */
    if (inet_pton(AF_INET6, argv[2], cfg.netif.addr6) != 1)
        return 2;
    cfg.netif.prefix6_len = 64;
    memcpy(our6, cfg.netif.addr6, 16);
    /* V6PEER_DAD_TRANSMITS: more DAD probes, for a peer that may miss the first (a TAP's
     * carrier comes up in the kernel a moment after the device is opened) */
    if (getenv("V6PEER_DAD_TRANSMITS"))
        cfg.dad_transmits = (uint8_t)atoi(getenv("V6PEER_DAD_TRANSMITS"));
    if (tap) {
        static const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0x02}; /* link-local fe80::ff:fe00:2 */
        memcpy(cfg.netif.mac, mac, 6);
    }
    st = synack_stack_new(&cfg);
    if (!st) {
        const char *field = "?";
        synack_config_check(&cfg, &field);
        fprintf(stderr, "config: %s\n", field);
        return 2;
    }
    synack_loop_attach(lp, st);
    /* Duplicate Address Detection first (RFC 4862 5.4), whatever the mode: a tentative
     * address neither receives (a peer's datagram would vanish unanswered) nor is a source
     * (connect() would say EADDRNOTAVAIL). */
    uint64_t t_dad = synack_loop_clock();
    while (synack_addr6_state(st, our6) == SYNACK_ADDR6_TENTATIVE && step(t_dad))
        ;
    if (strcmp(argv[3], "sink") == 0)
        rc = sink((uint16_t)atoi(argv[4]), argv[5]);
    else if (strcmp(argv[3], "send") == 0 && argc >= 7)
        rc = send_file(argv[4], (uint16_t)atoi(argv[5]), argv[6]);
    else if (strcmp(argv[3], "udpecho") == 0)
        rc = udp_echo((uint16_t)atoi(argv[4]), atoi(argv[5]));
    else if (strcmp(argv[3], "udpsend") == 0 && argc >= 7)
        rc = udp_send(argv[4], (uint16_t)atoi(argv[5]), (size_t)atol(argv[6]));
    else
        rc = 2;
    printf("Ip6InReceives %llu\nIp6InDelivers %llu\nOutRsts %llu\n",
           (unsigned long long)synack_counter_get(st, SYNACK_CTR_Ip6InReceives),
           (unsigned long long)synack_counter_get(st, SYNACK_CTR_Ip6InDelivers),
           (unsigned long long)synack_counter_get(st, SYNACK_CTR_OutRsts));
    printf("Icmp6InPktTooBigs %llu\nPmtuCacheUpdates %llu\n",
           (unsigned long long)synack_counter_get(st, SYNACK_CTR_Icmp6InPktTooBigs),
           (unsigned long long)synack_counter_get(st, SYNACK_CTR_PmtuCacheUpdates));
    synack_stack_free(st);
    synack_loop_free(lp);
    synack_tuntap_close(&dev);
    return rc;
}
