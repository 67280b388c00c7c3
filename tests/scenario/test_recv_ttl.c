/* SPDX-License-Identifier: MIT */
/* SYNACK_IP_RECVTTL and SYNACK_IPV6_RECVHOPLIMIT (Linux's IP_RECVTTL, IPV6_RECVHOPLIMIT):
 * synack_recvfrom_info() gives the TTL or hop limit each datagram arrived with, on UDP and
 * echo sockets; as Linux's udp(v6)_recvmsg, an IPv4 datagram carries the IP_ value and an
 * IPv6 one the IPV6_ value, whatever the socket's family; without the option nothing.
 * Linux's errnos for the options. One stack on Ethernet (192.0.2.2/24, 2001:db8::2/64);
 * the peer 192.0.2.1 / 2001:db8::1 is played by the test. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/ipv6_eth_rig.h"
#include "synack/synack.h"
#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/eth.h"
#include "wire/icmp.h"
#include "wire/icmpv6.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"

#define SA(x) ((const struct sockaddr *)&(x))

static const uint8_t MAC_US[6] = {0x02, 0, 0, 0, 0, 0x02};
static const uint8_t MAC_PEER[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t US6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
static const uint8_t PEER6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
static const uint32_t US4 = 0xc0000202u, PEER4 = 0xc0000201u;

static eth6_cap cap;

static synack_stack *new_stack(void)
{
    synack_config c;
    synack_config_default(&c);
    eth6_config(&c, &cap, MAC_US, US6);
    c.dad_transmits = 0;
    c.mld_reports = 0;
    synack_stack *st = synack_stack_new(&c);
    assert_non_null(st);
    assert_int_equal(synack_poll(st, 0), 0);
    return st;
}

/* An IPv4 packet from the peer to us with TTL ttl carrying l4. */
static void in4(synack_stack *st, uint8_t ttl, uint8_t proto, const uint8_t *l4, size_t n)
{
    uint8_t f[200];
    eth_hdr eh = {.ethertype = ETHERTYPE_IPV4};
    memcpy(eh.dst, MAC_US, 6);
    memcpy(eh.src, MAC_PEER, 6);
    eth_emit(f, 14, &eh);
    ipv4_hdr h = {.ttl = ttl, .proto = proto, .src = PEER4, .dst = US4, .id = 1};
    assert_int_equal(ipv4_emit(f + 14, 20, &h, n), 20);
    memcpy(f + 34, l4, n);
    assert_int_equal(synack_input(st, 1000, f, 34 + n), 0);
}

/* An IPv6 packet from the peer to us with hop limit hop carrying l4. */
static void in6(synack_stack *st, uint8_t hop, uint8_t nh, const uint8_t *l4, size_t n)
{
    uint8_t f[200];
    ipv6_addr p = eth6_addr(PEER6), u = eth6_addr(US6);
    size_t fl = eth6_frame_build(f, MAC_US, MAC_PEER, &p, &u, nh, hop, l4, n);
    assert_int_equal(synack_input(st, 1000, f, fl), 0);
}

/* A UDP datagram "hi" from port 7 to port 5000 (IPv4 without a checksum). */
static void udp4(synack_stack *st, uint8_t ttl)
{
    uint8_t l4[10] = {0, 7, 0x13, 0x88, 0, 10, 0, 0, 'h', 'i'};
    in4(st, ttl, IP_PROTO_UDP, l4, sizeof(l4));
}

static void udp6(synack_stack *st, uint8_t hop)
{
    uint8_t l4[10] = {0, 7, 0x13, 0x88, 0, 10, 0, 0, 'h', 'i'};
    uint64_t acc = csum_pseudo_ipv6(0, PEER6, US6, IP_PROTO_UDP, sizeof(l4));
    wr16(l4 + 6, csum_finish(csum_add(acc, l4, sizeof(l4))));
    in6(st, hop, IP_PROTO_UDP, l4, sizeof(l4));
}

static int setopt(synack_stack *st, int s, int level, int name, int v)
{
    return synack_setsockopt(st, s, level, name, &v, sizeof(v));
}

static int getopt_int(synack_stack *st, int s, int level, int name)
{
    int v = -7;
    synack_socklen_t l = sizeof(v);
    int rc = synack_getsockopt(st, s, level, name, &v, &l);
    if (rc)
        return rc;
    assert_int_equal(l, sizeof(v));
    return v;
}

/* Reads one datagram of `want` bytes; returns its info. */
static synack_recv_info recv_one(synack_stack *st, int s, int flags, long want)
{
    uint8_t buf[64];
    synack_recv_info info;
    memset(&info, 0x5a, sizeof(info));
    assert_int_equal(synack_recvfrom_info(st, s, buf, sizeof(buf), flags, NULL, NULL, &info), want);
    return info;
}

static void test_udp4_recvttl(void **state)
{
    (void)state;
    synack_stack *st = new_stack();
    int s = synack_socket(st, SYNACK_SOCK_DGRAM);
    struct synack_sockaddr_in me = {.sin_family = SYNACK_AF_INET};
    wr16((uint8_t *)&me.sin_port, 5000);
    assert_int_equal(synack_bind(st, s, SA(me), sizeof(me)), 0);
    /* off by default: nothing given */
    assert_int_equal(getopt_int(st, s, SYNACK_IPPROTO_IP, SYNACK_IP_RECVTTL), 0);
    udp4(st, 37);
    synack_recv_info i = recv_one(st, s, 0, 2);
    assert_int_equal(i.flags, 0);

    assert_int_equal(setopt(st, s, SYNACK_IPPROTO_IP, SYNACK_IP_RECVTTL, 1), 0);
    assert_int_equal(getopt_int(st, s, SYNACK_IPPROTO_IP, SYNACK_IP_RECVTTL), 1);
    static const uint8_t ttls[] = {37, 1, 255, 64};
    for (size_t k = 0; k < sizeof(ttls); k++)
        udp4(st, ttls[k]);
    i = recv_one(st, s, SYNACK_MSG_PEEK, 2); /* a peek shows it too */
    assert_int_equal(i.flags, SYNACK_RECV_TTL);
    assert_int_equal(i.ttl, 37);
    for (size_t k = 0; k < sizeof(ttls); k++) {
        i = recv_one(st, s, 0, 2);
        assert_int_equal(i.flags, SYNACK_RECV_TTL);
        assert_int_equal(i.ttl, ttls[k]);
    }
    /* nothing queued: -EAGAIN, no value */
    i = recv_one(st, s, 0, -EAGAIN);
    assert_int_equal(i.flags, 0);
    /* a one-byte value, as Linux takes for IPPROTO_IP options; 0 turns it off */
    uint8_t zero = 0;
    assert_int_equal(
        synack_setsockopt(st, s, SYNACK_IPPROTO_IP, SYNACK_IP_RECVTTL, &zero, sizeof(zero)), 0);
    udp4(st, 99);
    i = recv_one(st, s, 0, 2);
    assert_int_equal(i.flags, 0);
    /* an IPv4 socket has no IPv6 options */
    assert_int_equal(setopt(st, s, SYNACK_IPPROTO_IPV6, SYNACK_IPV6_RECVHOPLIMIT, 1), -ENOPROTOOPT);
    assert_int_equal(getopt_int(st, s, SYNACK_IPPROTO_IPV6, SYNACK_IPV6_RECVHOPLIMIT),
                     -ENOPROTOOPT);
    /* synack_recvfrom is unchanged; a NULL info is synack_recvfrom */
    uint8_t buf[8];
    udp4(st, 5);
    assert_int_equal(synack_recvfrom_info(st, s, buf, sizeof(buf), 0, NULL, NULL, NULL), 2);
    synack_stack_free(st);
}

static void test_udp6_recvhoplimit(void **state)
{
    (void)state;
    synack_stack *st = new_stack();
    int s = synack_socket_domain(st, SYNACK_AF_INET6, SYNACK_SOCK_DGRAM);
    struct synack_sockaddr_in6 me = {.sin6_family = SYNACK_AF_INET6};
    wr16((uint8_t *)&me.sin6_port, 5000);
    assert_int_equal(synack_bind(st, s, SA(me), sizeof(me)), 0); /* [::]: both families */
    assert_int_equal(getopt_int(st, s, SYNACK_IPPROTO_IPV6, SYNACK_IPV6_RECVHOPLIMIT), 0);
    udp6(st, 17);
    assert_int_equal(recv_one(st, s, 0, 2).flags, 0);

    /* Linux: IPV6_ options want a whole int */
    uint16_t shorty = 1;
    assert_int_equal(synack_setsockopt(st, s, SYNACK_IPPROTO_IPV6, SYNACK_IPV6_RECVHOPLIMIT,
                                       &shorty, sizeof(shorty)),
                     -EINVAL);
    assert_int_equal(setopt(st, s, SYNACK_IPPROTO_IPV6, SYNACK_IPV6_RECVHOPLIMIT, 1), 0);
    assert_int_equal(getopt_int(st, s, SYNACK_IPPROTO_IPV6, SYNACK_IPV6_RECVHOPLIMIT), 1);
    udp6(st, 17);
    udp6(st, 255);
    udp6(st, 0); /* RFC 8200 3: 0 arrives fine at its destination */
    udp4(st, 9); /* IPv4 on the dual-stack socket: not IPV6_HOPLIMIT's (Linux) */
    synack_recv_info i = recv_one(st, s, 0, 2);
    assert_int_equal(i.flags, SYNACK_RECV_HOPLIMIT);
    assert_int_equal(i.hoplimit, 17);
    i = recv_one(st, s, 0, 2);
    assert_int_equal(i.hoplimit, 255);
    i = recv_one(st, s, 0, 2);
    assert_int_equal(i.flags, SYNACK_RECV_HOPLIMIT);
    assert_int_equal(i.hoplimit, 0);
    assert_int_equal(recv_one(st, s, 0, 2).flags, 0);
    /* IP_RECVTTL on the AF_INET6 socket: its IPv4 datagrams' TTL */
    assert_int_equal(setopt(st, s, SYNACK_IPPROTO_IP, SYNACK_IP_RECVTTL, 1), 0);
    udp4(st, 9);
    udp6(st, 3);
    i = recv_one(st, s, 0, 2);
    assert_int_equal(i.flags, SYNACK_RECV_TTL);
    assert_int_equal(i.ttl, 9);
    i = recv_one(st, s, 0, 2);
    assert_int_equal(i.flags, SYNACK_RECV_HOPLIMIT);
    assert_int_equal(i.hoplimit, 3);
    synack_stack_free(st);
}

static void test_ping_ttl(void **state)
{
    (void)state;
    synack_stack *st = new_stack();
    /* IPv4: an echo socket with identifier 0x4242 hears a reply with TTL 42 */
    int p = synack_socket_proto(st, SYNACK_AF_INET, SYNACK_SOCK_DGRAM, SYNACK_IPPROTO_ICMP);
    struct synack_sockaddr_in me = {.sin_family = SYNACK_AF_INET};
    wr16((uint8_t *)&me.sin_port, 0x4242);
    assert_int_equal(synack_bind(st, p, SA(me), sizeof(me)), 0);
    assert_int_equal(setopt(st, p, SYNACK_IPPROTO_IP, SYNACK_IP_RECVTTL, 1), 0);
    uint8_t l4[12];
    icmp_msg m = {.type = ICMP_ECHO_REPLY,
                  .rest = 0x42420001u,
                  .payload = (const uint8_t *)"ping",
                  .payload_len = 4};
    size_t n = icmp_emit(l4, sizeof(l4), &m);
    in4(st, 42, IP_PROTO_ICMP, l4, n);
    synack_recv_info i = recv_one(st, p, 0, 12);
    assert_int_equal(i.flags, SYNACK_RECV_TTL);
    assert_int_equal(i.ttl, 42);

    /* IPv6: hop limit 250 */
    int p6 = synack_socket_proto(st, SYNACK_AF_INET6, SYNACK_SOCK_DGRAM, SYNACK_IPPROTO_ICMPV6);
    struct synack_sockaddr_in6 me6 = {.sin6_family = SYNACK_AF_INET6};
    wr16((uint8_t *)&me6.sin6_port, 0x4343);
    assert_int_equal(synack_bind(st, p6, SA(me6), sizeof(me6)), 0);
    assert_int_equal(setopt(st, p6, SYNACK_IPPROTO_IPV6, SYNACK_IPV6_RECVHOPLIMIT, 1), 0);
    ipv6_addr src = eth6_addr(PEER6), dst = eth6_addr(US6);
    m = (icmp_msg){.type = ICMP6_ECHO_REPLY,
                   .rest = 0x43430001u,
                   .payload = (const uint8_t *)"ping",
                   .payload_len = 4};
    n = icmp6_emit(l4, sizeof(l4), &m, &src, &dst);
    in6(st, 250, IP_PROTO_ICMPV6, l4, n);
    i = recv_one(st, p6, 0, 12);
    assert_int_equal(i.flags, SYNACK_RECV_HOPLIMIT);
    assert_int_equal(i.hoplimit, 250);
    synack_stack_free(st);
}

/* TCP has no datagrams: the options are missing there (-ENOPROTOOPT), the call refused. */
static void test_tcp_and_bad_sockets(void **state)
{
    (void)state;
    synack_stack *st = new_stack();
    int t = synack_socket(st, SYNACK_SOCK_STREAM);
    int t6 = synack_socket_domain(st, SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    assert_int_equal(setopt(st, t, SYNACK_IPPROTO_IP, SYNACK_IP_RECVTTL, 1), -ENOPROTOOPT);
    assert_int_equal(getopt_int(st, t, SYNACK_IPPROTO_IP, SYNACK_IP_RECVTTL), -ENOPROTOOPT);
    assert_int_equal(setopt(st, t6, SYNACK_IPPROTO_IPV6, SYNACK_IPV6_RECVHOPLIMIT, 1),
                     -ENOPROTOOPT);
    assert_int_equal(getopt_int(st, t6, SYNACK_IPPROTO_IPV6, SYNACK_IPV6_RECVHOPLIMIT),
                     -ENOPROTOOPT);
    uint8_t buf[4];
    synack_recv_info info;
    assert_int_equal(synack_recvfrom_info(st, t, buf, sizeof(buf), 0, NULL, NULL, &info),
                     -EOPNOTSUPP);
    assert_int_equal(synack_recvfrom_info(st, 999, buf, sizeof(buf), 0, NULL, NULL, &info), -EBADF);
    assert_int_equal(info.flags, 0);
    synack_stack_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_udp4_recvttl),
        cmocka_unit_test(test_udp6_recvhoplimit),
        cmocka_unit_test(test_ping_ttl),
        cmocka_unit_test(test_tcp_and_bad_sockets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
