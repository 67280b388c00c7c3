/* SPDX-License-Identifier: MIT */
/* The packetdrill shim in packetdrill's two other modes, without packetdrill: loads
 * libsynack_packetdrill.so with dlopen and plays what packetdrill plays with
 * --ip_version=ipv6 (AF_INET6 sockets, IPv6 packets through netdev_send/netdev_receive,
 * the shim's addr= an IPv6 address, mtu=1520 as run_all.py's --mtu) and with
 * --ip_version=ipv4-mapped-ipv6 (AF_INET6 sockets, ::ffff:a.b.c.d in the API, IPv4 on
 * the wire). Every packet the shim hands out is checked byte by byte where it matters:
 * version, addresses, hop limit, the TCP checksum under the right pseudo-header, the MSS.
 *
 * The .so's path is compiled in (SYNACK_PACKETDRILL_SO); $SYNACK_PACKETDRILL_SO wins.
 * Every load says sysctl_dir=none, so the host's sysctls cannot change what is seen. */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <time.h> /* before linux/errqueue.h, which uses struct timespec */

#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pd_abi.h"
#include "support/pd_fixture.h"
#include "support/segbuild.h"
#include "wire/checksum.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"
#include "wire/tcp_wire.h"

#define LPORT 8080
#define RPORT 40000
#define LOCAL4 0xc0000202u  /* 192.0.2.2: synack in ipv4-mapped-ipv6 mode */
#define REMOTE4 0xc0000201u /* 192.0.2.1 */

/* 2001:db8:1::2 (synack) and 2001:db8::1 (the "packetdrill" side), as the runner's. */
static const uint8_t LOCAL6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
static const uint8_t REMOTE6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
#define V6_FLAGS "addr=2001:db8:1::2,remote=2001:db8::1,mtu=1520,profile=linux,sysctl_dir=none"

typedef pd_fixture fixture;

/* One packet the shim handed out, parsed. */
typedef struct pkt {
    int version;       /* 4 or 6 */
    tcp_seg seg;       /* the TCP segment (payload points into buf) */
    size_t ip_hlen;    /* bytes of IP header before the segment */
    uint8_t buf[2048]; /* the raw packet */
    size_t len;        /* its length */
} pkt;

/* An IPv6+TCP packet from REMOTE6:RPORT to LOCAL6:LPORT, checksummed as RFC 8200 8.1 says. */
static size_t build6(uint8_t *buf, size_t cap, uint8_t flags, uint32_t seq, uint32_t ack,
                     const char *data, const tcp_opts *o)
{
    size_t n = seg_build6(buf, cap, REMOTE6, LOCAL6, RPORT, LPORT, seq, ack, flags, 29200, data,
                          data ? strlen(data) : 0, o);
    assert_true(n > 0);
    return n;
}

static void inject6(fixture *f, uint8_t flags, uint32_t seq, uint32_t ack, const char *data,
                    const tcp_opts *o)
{
    uint8_t frame[SEG_FRAME_MAX + 40];
    size_t n = build6(frame, sizeof(frame), flags, seq, ack, data, o);
    assert_int_equal(f->ifc.netdev_send(f->u, frame, n), 0);
}

static void inject4(fixture *f, uint8_t flags, uint32_t seq, uint32_t ack, const char *data,
                    const tcp_opts *o)
{
    uint8_t frame[SEG_FRAME_MAX];
    size_t dlen = data ? strlen(data) : 0;
    size_t n = seg_build(frame, sizeof(frame), REMOTE4, LOCAL4, RPORT, LPORT, seq, ack, flags,
                         29200, data, dlen, o);
    assert_true(n > 0);
    assert_int_equal(f->ifc.netdev_send(f->u, frame, n), 0);
}

/* The next packet synack sends, which must be of the given IP version, from our address to
 * the remote one, with a valid TCP checksum under that version's pseudo-header. */
static void sniff(fixture *f, pkt *p, int version)
{
    long long t;
    p->len = sizeof(p->buf);
    assert_int_equal(f->ifc.netdev_receive(f->u, p->buf, &p->len, &t), 0);
    assert_true(p->len > 0);
    p->version = p->buf[0] >> 4;
    assert_int_equal(p->version, version);
    if (version == 6) {
        ipv6_hdr h;
        assert_int_equal(ipv6_parse(p->buf, p->len, &h), WIRE_OK);
        assert_int_equal(h.payload_len, p->len - IPV6_HDR_LEN);
        assert_int_equal(h.next, IP_PROTO_TCP);
        assert_int_equal(h.hop_limit, 64);
        assert_memory_equal(h.src.b, LOCAL6, 16);
        assert_memory_equal(h.dst.b, REMOTE6, 16);
        p->ip_hlen = IPV6_HDR_LEN;
        size_t tl = p->len - IPV6_HDR_LEN;
        /* the checksum summed here, independently of the stack */
        uint64_t acc = csum_pseudo_ipv6(0, LOCAL6, REMOTE6, IP_PROTO_TCP, (uint32_t)tl);
        assert_int_equal(csum_finish(csum_add(acc, p->buf + IPV6_HDR_LEN, tl)), 0);
        uint64_t hs = 0;
        assert_int_equal(tcp_parse6(p->buf + IPV6_HDR_LEN, tl, LOCAL6, REMOTE6, 0, &p->seg, &hs),
                         WIRE_OK);
    } else {
        ipv4_hdr ip;
        assert_int_equal(ipv4_parse(p->buf, p->len, &ip), WIRE_OK);
        assert_int_equal(ip.src, LOCAL4);
        assert_int_equal(ip.dst, REMOTE4);
        p->ip_hlen = IPV4_HDR_LEN;
        assert_int_equal(tcp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &p->seg), WIRE_OK);
    }
}

static struct sockaddr_in6 sin6_of(const uint8_t a[16], uint16_t port)
{
    struct sockaddr_in6 s;
    memset(&s, 0, sizeof(s));
    s.sin6_family = AF_INET6;
    s.sin6_port = htons(port);
    memcpy(&s.sin6_addr, a, 16);
    return s;
}

/* ::ffff:a.b.c.d */
static void mapped(uint8_t out[16], uint32_t v4)
{
    memset(out, 0, 16);
    out[10] = out[11] = 0xff;
    uint32_t be = htonl(v4);
    memcpy(out + 12, &be, 4);
}

/* An AF_INET6 listener on addr:LPORT. */
static int listener6(fixture *f, const uint8_t addr[16])
{
    int fd = f->ifc.socket(f->u, AF_INET6, SOCK_STREAM, IPPROTO_TCP);
    assert_true(fd >= 0);
    assert_true(fcntl(fd, F_GETFD) >= 0); /* a real kernel fd */
    int one = 1;
    assert_int_equal(f->ifc.setsockopt(f->u, fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
    struct sockaddr_in6 a = sin6_of(addr, LPORT);
    assert_int_equal(f->ifc.bind(f->u, fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(f->ifc.listen(f->u, fd, 1), 0);
    return fd;
}

/* The SYN-ACK's options in Linux's layout with our MSS (1460 in both modes: 1520 - 60 and
 * 1500 - 40). */
static void check_synack(const pkt *p)
{
    assert_int_equal(p->seg.flags, TCP_SYN | TCP_ACK);
    assert_int_equal(p->seg.ack, 1);
    assert_int_equal(p->seg.sport, LPORT);
    assert_int_equal(p->seg.dport, RPORT);
    static const uint8_t linux_opts[] = {2, 4, 0x05, 0xb4, 1, 1, 4, 2, 1, 3, 3, 8};
    assert_int_equal(p->seg.hdr_len, TCP_HDR_LEN + sizeof(linux_opts));
    assert_memory_equal(p->buf + p->ip_hlen + TCP_HDR_LEN, linux_opts, sizeof(linux_opts));
}

/* ipv6 mode: a passive open, data both ways and the close, all over IPv6; accept() gives
 * the peer as a sockaddr_in6; TCP_INFO reports mtu= as the path MTU. */
static void test_ipv6_passive_open_data_close(void **state)
{
    (void)state;
    fixture *f = pd_fixture_load(V6_FLAGS);
    int lfd = listener6(f, LOCAL6);
    tcp_opts o = {.has_mss = 1, .mss = 1440, .sack_ok = 1, .has_wscale = 1, .wscale = 7};
    inject6(f, TCP_SYN, 0, 0, NULL, &o);
    pkt p;
    sniff(f, &p, 6);
    check_synack(&p);
    uint32_t iss = p.seg.seq;
    inject6(f, TCP_ACK, 1, iss + 1, NULL, NULL);

    struct sockaddr_in6 peer;
    memset(&peer, 0, sizeof(peer));
    socklen_t plen = sizeof(peer);
    int fd = f->ifc.accept(f->u, lfd, (struct sockaddr *)&peer, &plen);
    assert_true(fd >= 0);
    assert_int_equal(plen, sizeof(struct sockaddr_in6));
    assert_int_equal(peer.sin6_family, AF_INET6);
    assert_memory_equal(&peer.sin6_addr, REMOTE6, 16);
    assert_int_equal(ntohs(peer.sin6_port), RPORT);

    struct tcp_info ti;
    socklen_t tl = sizeof(ti);
    assert_int_equal(f->ifc.getsockopt(f->u, fd, IPPROTO_TCP, TCP_INFO, &ti, &tl), 0);
    assert_int_equal(ti.tcpi_pmtu, 1520);
    assert_int_equal(ti.tcpi_snd_mss, 1440); /* the peer's MSS */

    inject6(f, TCP_ACK | TCP_PSH, 1, iss + 1, "hello", NULL);
    sniff(f, &p, 6);
    assert_int_equal(p.seg.flags, TCP_ACK);
    assert_int_equal(p.seg.ack, 6);
    char buf[16];
    assert_int_equal(f->ifc.read(f->u, fd, buf, sizeof(buf)), 5);
    assert_memory_equal(buf, "hello", 5);

    assert_int_equal(f->ifc.write(f->u, fd, "world!", 6), 6);
    sniff(f, &p, 6);
    assert_int_equal(p.seg.flags, TCP_ACK | TCP_PSH);
    assert_int_equal(p.seg.seq, iss + 1);
    assert_int_equal(p.seg.payload_len, 6);
    assert_memory_equal(p.seg.payload, "world!", 6);
    inject6(f, TCP_ACK, 6, iss + 7, NULL, NULL);

    assert_int_equal(f->ifc.close(f->u, fd), 0);
    sniff(f, &p, 6);
    assert_int_equal(p.seg.flags, TCP_FIN | TCP_ACK);
    assert_int_equal(p.seg.seq, iss + 7);
    inject6(f, TCP_ACK, 6, iss + 8, NULL, NULL);
    inject6(f, TCP_FIN | TCP_ACK, 6, iss + 8, NULL, NULL);
    sniff(f, &p, 6);
    assert_int_equal(p.seg.flags, TCP_ACK);
    assert_int_equal(p.seg.ack, 7);
    assert_int_equal(f->ifc.close(f->u, lfd), 0);
    pd_fixture_unload(f);
}

/* ipv6 mode: connect() to an IPv6 peer sends an IPv6 SYN with MSS mtu - 60; a domain the
 * shim does not carry is refused as Linux's socket() would. */
static void test_ipv6_active_open(void **state)
{
    (void)state;
    fixture *f = pd_fixture_load(V6_FLAGS);
    int fd = f->ifc.socket(f->u, AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
    assert_true(fd >= 0);
    struct sockaddr_in6 to = sin6_of(REMOTE6, RPORT);
    errno = 0;
    assert_int_equal(f->ifc.connect(f->u, fd, (struct sockaddr *)&to, sizeof(to)), -1);
    assert_int_equal(errno, EINPROGRESS);
    pkt p;
    sniff(f, &p, 6);
    assert_int_equal(p.seg.flags, TCP_SYN);
    assert_int_equal(p.seg.dport, RPORT);
    assert_true(p.seg.opts.has_mss);
    assert_int_equal(p.seg.opts.mss, 1460);
    assert_int_equal(f->ifc.close(f->u, fd), 0);

    errno = 0;
    assert_int_equal(f->ifc.socket(f->u, AF_UNIX, SOCK_STREAM, 0), -1);
    assert_int_equal(errno, EAFNOSUPPORT);
    pd_fixture_unload(f);
}

/* An AF_INET6 socket's error-queue record is Linux's ipv6_recv_error one: SOL_IPV6,
 * IPV6_RECVERR, the extended error followed by a sockaddr_in6. */
static void test_ipv6_errqueue_record(void **state)
{
    (void)state;
    fixture *f = pd_fixture_load(V6_FLAGS);
    int lfd = listener6(f, LOCAL6);
    inject6(f, TCP_SYN, 0, 0, NULL, NULL);
    pkt p;
    sniff(f, &p, 6);
    uint32_t iss = p.seg.seq;
    inject6(f, TCP_ACK, 1, iss + 1, NULL, NULL);
    int fd = f->ifc.accept(f->u, lfd, NULL, NULL);
    assert_true(fd >= 0);
    int one = 1;
    assert_int_equal(f->ifc.setsockopt(f->u, fd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)), 0);
    assert_int_equal(f->ifc.send(f->u, fd, "four", 4, MSG_ZEROCOPY), 4);
    sniff(f, &p, 6);
    inject6(f, TCP_ACK, 1, iss + 5, NULL, NULL);

    char ctl[256];
    struct iovec iov = {.iov_base = ctl, .iov_len = 0};
    struct msghdr m = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
    assert_int_equal(f->ifc.recvmsg(f->u, fd, &m, MSG_ERRQUEUE), 0);
    assert_int_equal(m.msg_flags, MSG_ERRQUEUE);
    struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
    assert_non_null(cm);
    assert_int_equal(cm->cmsg_level, SOL_IPV6);
    assert_int_equal(cm->cmsg_type, IPV6_RECVERR);
    assert_int_equal(cm->cmsg_len,
                     CMSG_LEN(sizeof(struct sock_extended_err) + sizeof(struct sockaddr_in6)));
    struct sock_extended_err ee;
    memcpy(&ee, CMSG_DATA(cm), sizeof(ee));
    assert_int_equal(ee.ee_origin, SO_EE_ORIGIN_ZEROCOPY);
    assert_null(CMSG_NXTHDR(&m, cm));

    /* packetdrill sizes the control buffer to the record it expects: one that holds only
     * an IPv4 record is too short, and says so */
    m.msg_controllen = CMSG_SPACE(sizeof(struct sock_extended_err) + sizeof(struct sockaddr_in));
    assert_int_equal(f->ifc.send(f->u, fd, "more", 4, MSG_ZEROCOPY), 4);
    sniff(f, &p, 6);
    inject6(f, TCP_ACK, 1, iss + 9, NULL, NULL);
    assert_int_equal(f->ifc.recvmsg(f->u, fd, &m, MSG_ERRQUEUE), 0);
    assert_int_equal(m.msg_flags, MSG_ERRQUEUE | MSG_CTRUNC);
    pd_fixture_unload(f);
}

/* ipv4-mapped-ipv6 mode: AF_INET6 sockets bound and connected with ::ffff:a.b.c.d, IPv4
 * on the wire; accept() gives the IPv4 peer as a mapped sockaddr_in6. */
static void test_ipv4_mapped_passive_and_active(void **state)
{
    (void)state;
    fixture *f = pd_fixture_load("addr=192.0.2.2,profile=linux,sysctl_dir=none");
    uint8_t local[16], remote[16];
    mapped(local, LOCAL4);
    mapped(remote, REMOTE4);
    int lfd = listener6(f, local);
    tcp_opts o = {.has_mss = 1, .mss = 1460, .sack_ok = 1, .has_wscale = 1, .wscale = 7};
    inject4(f, TCP_SYN, 0, 0, NULL, &o);
    pkt p;
    sniff(f, &p, 4);
    check_synack(&p);
    uint32_t iss = p.seg.seq;
    inject4(f, TCP_ACK, 1, iss + 1, NULL, NULL);
    struct sockaddr_in6 peer;
    memset(&peer, 0, sizeof(peer));
    socklen_t plen = sizeof(peer);
    int fd = f->ifc.accept(f->u, lfd, (struct sockaddr *)&peer, &plen);
    assert_true(fd >= 0);
    assert_int_equal(plen, sizeof(struct sockaddr_in6));
    assert_int_equal(peer.sin6_family, AF_INET6);
    assert_memory_equal(&peer.sin6_addr, remote, 16);
    assert_int_equal(ntohs(peer.sin6_port), RPORT);
    assert_int_equal(f->ifc.write(f->u, fd, "v4", 2), 2);
    sniff(f, &p, 4);
    assert_int_equal(p.seg.payload_len, 2);
    assert_memory_equal(p.seg.payload, "v4", 2);

    /* an accepted socket is AF_INET6 as its listener: its records are IPV6_RECVERR */
    int one = 1;
    assert_int_equal(f->ifc.setsockopt(f->u, fd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)), 0);
    assert_int_equal(f->ifc.send(f->u, fd, "zc", 2, MSG_ZEROCOPY), 2);
    sniff(f, &p, 4);
    inject4(f, TCP_ACK, 1, iss + 5, NULL, NULL);
    char ctl[256];
    struct msghdr m = {.msg_control = ctl, .msg_controllen = sizeof(ctl)};
    assert_int_equal(f->ifc.recvmsg(f->u, fd, &m, MSG_ERRQUEUE), 0);
    struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
    assert_non_null(cm);
    assert_int_equal(cm->cmsg_level, SOL_IPV6);
    assert_int_equal(cm->cmsg_type, IPV6_RECVERR);

    /* active open to ::ffff:192.0.2.1: an IPv4 SYN, MSS 1500 - 40 */
    int cfd = f->ifc.socket(f->u, AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, IPPROTO_TCP);
    assert_true(cfd >= 0);
    struct sockaddr_in6 to = sin6_of(remote, RPORT + 1);
    errno = 0;
    assert_int_equal(f->ifc.connect(f->u, cfd, (struct sockaddr *)&to, sizeof(to)), -1);
    assert_int_equal(errno, EINPROGRESS);
    sniff(f, &p, 4);
    assert_int_equal(p.seg.flags, TCP_SYN);
    assert_int_equal(p.seg.dport, RPORT + 1);
    assert_int_equal(p.seg.opts.mss, 1460);

    /* IPV6_V6ONLY reaches the stack: such a socket refuses a mapped address */
    int v6only = f->ifc.socket(f->u, AF_INET6, SOCK_STREAM, 0);
    assert_true(v6only >= 0);
    assert_int_equal(f->ifc.setsockopt(f->u, v6only, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)),
                     0);
    int v = 0;
    socklen_t vl = sizeof(v);
    assert_int_equal(f->ifc.getsockopt(f->u, v6only, IPPROTO_IPV6, IPV6_V6ONLY, &v, &vl), 0);
    assert_int_equal(v, 1);
    errno = 0;
    assert_int_equal(f->ifc.connect(f->u, v6only, (struct sockaddr *)&to, sizeof(to)), -1);
    assert_int_not_equal(errno, 0);
    assert_int_not_equal(errno, EINPROGRESS);
    pd_fixture_unload(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv6_passive_open_data_close),
        cmocka_unit_test(test_ipv6_active_open),
        cmocka_unit_test(test_ipv6_errqueue_record),
        cmocka_unit_test(test_ipv4_mapped_passive_and_active),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
