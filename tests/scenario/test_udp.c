/* SPDX-License-Identifier: MIT */
/* UDP (src/udp/): datagrams out with exact headers and checksums, fragmented at the
 * source past the MTU (or EMSGSIZE with IP_PMTUDISC_DO); datagrams in with their source
 * address, MSG_PEEK and MSG_TRUNC, the length and checksum checks (a zero checksum is
 * none), the SO_RCVBUF bound, Port Unreachable to no socket, connect()'s default peer and
 * filter, ICMP errors as ECONNREFUSED on a connected socket, the port rules, readiness,
 * and the catch-all socket with each datagram's original destination. The test plays the
 * peer, 192.0.2.1, and reads every frame the stack sent. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "support/ref_csum.h"
#include "synack/synack.h"

#define ME 0xc0000202u   /* 192.0.2.2: the stack */
#define PEER 0xc0000201u /* 192.0.2.1: the test */
#define FAR 0xc6120005u  /* 198.18.0.5: an address that is nobody's here */

typedef struct frame {
    uint8_t b[1600];
    size_t len;
} frame;

typedef struct host {
    synack_stack *st;
    frame out[16];
    size_t nout;
    uint64_t now;
} host;

static int on_output(void *ctx, const uint8_t *f, size_t len)
{
    host *h = ctx;
    if (h->nout < 16 && len <= sizeof(h->out[0].b)) {
        memcpy(h->out[h->nout].b, f, len);
        h->out[h->nout].len = len;
    }
    h->nout++;
    return 0;
}

static void host_init(host *h)
{
    memset(h, 0, sizeof(*h));
    synack_config c;
    synack_config_default(&c);
    synack_config_deterministic(&c, 7);
    c.netif.addr = ME;
    c.netif.output = on_output;
    c.netif.output_ctx = h;
    h->st = synack_stack_new(&c);
    assert_non_null(h->st);
    h->now = 1000000;
    assert_int_equal(synack_set_time(h->st, h->now), 0);
}

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static void wr16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
    wr16(p, v >> 16);
    wr16(p + 2, v & 0xffff);
}

static uint16_t udp_sum(uint32_t src, uint32_t dst, const uint8_t *udp, size_t n)
{
    uint8_t ph[12];
    wr32(ph, src);
    wr32(ph + 4, dst);
    ph[8] = 0;
    ph[9] = 17;
    wr16(ph + 10, (uint32_t)n);
    return ref_fold(ref_sum16(ref_sum16(0, ph, 12), udp, n));
}

/* An IPv4 datagram from src to dst carrying `udp` (n bytes, already complete). */
static size_t ip_wrap(uint8_t *f, uint32_t src, uint32_t dst, uint8_t proto, const uint8_t *l4,
                      size_t n)
{
    memset(f, 0, 20);
    f[0] = 0x45;
    wr16(f + 2, (uint32_t)(20 + n));
    f[8] = 64;
    f[9] = proto;
    wr32(f + 12, src);
    wr32(f + 16, dst);
    wr16(f + 10, ref_fold(ref_sum16(0, f, 20)));
    memcpy(f + 20, l4, n);
    return 20 + n;
}

/* The peer sends a UDP datagram sport -> dst:dport; csum: 1 correct, 0 none, 2 wrong. */
static int peer_send(host *h, uint32_t dst, uint16_t sport, uint16_t dport, const char *data,
                     size_t len, int csum)
{
    uint8_t udp[1500], f[1600];
    wr16(udp, sport);
    wr16(udp + 2, dport);
    wr16(udp + 4, (uint32_t)(8 + len));
    wr16(udp + 6, 0);
    memcpy(udp + 8, data, len);
    if (csum) {
        uint16_t s = udp_sum(PEER, dst, udp, 8 + len);
        wr16(udp + 6, csum == 2 ? (uint16_t)(s ^ 0x0101) : s ? s : 0xffff);
    }
    size_t n = ip_wrap(f, PEER, dst, 17, udp, 8 + len);
    return synack_input(h->st, h->now, f, n);
}

static struct sockaddr_in sin4(uint32_t ip, uint16_t port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(ip);
    a.sin_port = htons(port);
    return a;
}

static int udp_bound(host *h, uint16_t port)
{
    int s = synack_socket(h->st, SOCK_DGRAM);
    assert_true(s >= 0);
    struct sockaddr_in a = sin4(0, port);
    assert_int_equal(synack_bind(h->st, s, (struct sockaddr *)&a, sizeof(a)), 0);
    return s;
}

static uint64_t ctr(host *h, synack_counter c)
{
    return synack_counter_get(h->st, c);
}

/* sendto from an unbound socket: an ephemeral port, and exactly this datagram. */
static void test_send_exact(void **state)
{
    (void)state;
    host h;
    host_init(&h);
    int s = synack_socket(h.st, SOCK_DGRAM);
    assert_true(s >= 0);
    struct sockaddr_in to = sin4(PEER, 53);
    assert_int_equal(synack_sendto(h.st, s, "hello", 5, 0, (struct sockaddr *)&to, sizeof(to)), 5);
    struct sockaddr_in me;
    socklen_t ml = sizeof(me);
    assert_int_equal(synack_getsockname(h.st, s, (struct sockaddr *)&me, &ml), 0);
    uint16_t port = ntohs(me.sin_port);
    assert_true(port >= 32768);
    assert_int_equal(h.nout, 1);
    const uint8_t *f = h.out[0].b;
    assert_int_equal(h.out[0].len, 20 + 8 + 5);
    assert_int_equal(f[0], 0x45);
    assert_int_equal(rd16(f + 2), 33);
    assert_int_equal(rd16(f + 6), 0x4000); /* DF: it fits (IP_PMTUDISC_WANT) */
    assert_int_equal(f[8], 64);
    assert_int_equal(f[9], 17);
    uint8_t want[13] = {0, 0, 0, 53, 0, 13, 0, 0, 'h', 'e', 'l', 'l', 'o'};
    wr16(want, port);
    uint16_t sum = udp_sum(ME, PEER, want, 13);
    wr16(want + 6, sum);
    assert_memory_equal(f + 20, want, 13);
    assert_int_equal(ctr(&h, SYNACK_CTR_UdpOutDatagrams), 1);
    /* the family, the port and the size are checked */
    struct sockaddr_in bad = sin4(PEER, 0);
    assert_int_equal(synack_sendto(h.st, s, "x", 1, 0, (struct sockaddr *)&bad, sizeof(bad)),
                     -EINVAL);
    assert_int_equal(synack_send(h.st, s, "x", 1, 0), -EDESTADDRREQ);
    static char big[65508];
    assert_int_equal(
        synack_sendto(h.st, s, big, sizeof(big), 0, (struct sockaddr *)&to, sizeof(to)), -EMSGSIZE);
    assert_int_equal(synack_sendto(h.st, s, "x", 1, MSG_OOB, (struct sockaddr *)&to, sizeof(to)),
                     -EOPNOTSUPP);
    int type = 0;
    socklen_t tl = sizeof(type);
    assert_int_equal(synack_getsockopt(h.st, s, SOL_SOCKET, SO_TYPE, &type, &tl), 0);
    assert_int_equal(type, SOCK_DGRAM);
    assert_int_equal(synack_listen(h.st, s, 1), -EOPNOTSUPP);
    assert_int_equal(synack_close(h.st, s), 0);
    synack_stack_free(h.st);
}

/* recvfrom: the bytes and the source; MSG_PEEK, MSG_TRUNC, a short buffer, -EAGAIN. */
static void test_recv(void **state)
{
    (void)state;
    host h;
    host_init(&h);
    int s = udp_bound(&h, 5000);
    char buf[64];
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), -EAGAIN);
    assert_int_equal(peer_send(&h, ME, 4444, 5000, "abcdefgh", 8, 1), 0);
    assert_int_equal(peer_send(&h, ME, 4445, 5000, "xyz", 3, 0), 0); /* no checksum: fine */
    assert_int_equal(peer_send(&h, ME, 4446, 5000, "", 0, 1), 0);
    assert_int_equal(ctr(&h, SYNACK_CTR_UdpInDatagrams), 3);
    struct sockaddr_in from;
    socklen_t fl = sizeof(from);
    assert_int_equal(synack_recvfrom(h.st, s, buf, 4, MSG_PEEK, (struct sockaddr *)&from, &fl), 4);
    assert_int_equal(fl, sizeof(from));
    assert_int_equal(ntohl(from.sin_addr.s_addr), PEER);
    assert_int_equal(ntohs(from.sin_port), 4444);
    assert_int_equal(synack_recv(h.st, s, buf, 4, MSG_PEEK | MSG_TRUNC), 8);
    /* a short buffer takes the head of the datagram; the rest is gone */
    assert_int_equal(synack_recv(h.st, s, buf, 4, 0), 4);
    assert_memory_equal(buf, "abcd", 4);
    fl = sizeof(from);
    assert_int_equal(synack_recvfrom(h.st, s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl),
                     3);
    assert_memory_equal(buf, "xyz", 3);
    assert_int_equal(ntohs(from.sin_port), 4445);
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), MSG_DONTWAIT), 0); /* empty one */
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), -EAGAIN);
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), MSG_WAITALL), -EINVAL);
    synack_stack_free(h.st);
}

/* A wrong checksum or length is dropped and counted as Linux's nstat does. */
static void test_bad_datagrams(void **state)
{
    (void)state;
    host h;
    host_init(&h);
    int s = udp_bound(&h, 5000);
    assert_int_equal(peer_send(&h, ME, 4444, 5000, "abc", 3, 2), -EINVAL);
    assert_int_equal(ctr(&h, SYNACK_CTR_UdpInCsumErrors), 1);
    assert_int_equal(ctr(&h, SYNACK_CTR_UdpInErrors), 1);
    /* a length field beyond the datagram */
    uint8_t udp[12] = {0x11, 0x5c, 0x13, 0x88, 0, 40, 0, 0, 'a', 'b', 'c', 'd'};
    uint8_t f[64];
    size_t n = ip_wrap(f, PEER, ME, 17, udp, sizeof(udp));
    assert_int_equal(synack_input(h.st, h.now, f, n), -EINVAL);
    assert_int_equal(ctr(&h, SYNACK_CTR_UdpInErrors), 2);
    assert_int_equal(ctr(&h, SYNACK_CTR_UdpInDatagrams), 0);
    char buf[8];
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), -EAGAIN);
    assert_int_equal(h.nout, 0); /* no ICMP for a malformed datagram */
    synack_stack_free(h.st);
}

/* A datagram whose checksum a virtio device left partial (the sender is on this host, as
 * the gateway's TAP with offloads sees them): the field holds only the pseudo-header sum,
 * and the stack takes the datagram as SYNACK_RX_CSUM_PARTIAL says, without verifying. */
static void test_csum_partial(void **state)
{
    (void)state;
    host h;
    host_init(&h);
    int s = udp_bound(&h, 5000);
    uint8_t udp[11] = {0x11, 0x5c, 0x13, 0x88, 0, 11, 0, 0, 'a', 'b', 'c'};
    uint8_t ph[12];
    wr32(ph, PEER);
    wr32(ph + 4, ME);
    ph[8] = 0;
    ph[9] = 17;
    wr16(ph + 10, sizeof(udp));
    /* the pseudo-header sum, not inverted */
    wr16(udp + 6, (uint16_t)~ref_fold(ref_sum16(0, ph, 12)));
    uint8_t f[64];
    size_t n = ip_wrap(f, PEER, ME, 17, udp, sizeof(udp));
    assert_int_equal(synack_input(h.st, h.now, f, n), -EINVAL); /* as a wire frame: bad */
    synack_rx_meta m;
    memset(&m, 0, sizeof(m));
    m.flags = SYNACK_RX_CSUM_PARTIAL;
    m.csum_start = 20;
    m.csum_offset = 6;
    assert_int_equal(synack_input_ex(h.st, h.now, f, n, &m), 0);
    char buf[8];
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), 3);
    assert_memory_equal(buf, "abc", 3);
    assert_int_equal(ctr(&h, SYNACK_CTR_UdpInDatagrams), 1);
    assert_int_equal(ctr(&h, SYNACK_CTR_UdpInCsumErrors), 1);
    synack_stack_free(h.st);
}

/* No socket: Port Unreachable quoting the IP header and 8 bytes, UdpNoPorts. */
static void test_no_port(void **state)
{
    (void)state;
    host h;
    host_init(&h);
    assert_int_equal(peer_send(&h, ME, 4444, 9999, "0123456789", 10, 1), 0);
    assert_int_equal(ctr(&h, SYNACK_CTR_UdpNoPorts), 1);
    assert_int_equal(ctr(&h, SYNACK_CTR_OutDestUnreachs), 1);
    assert_int_equal(h.nout, 1);
    const uint8_t *f = h.out[0].b;
    assert_int_equal(h.out[0].len, 20 + 8 + 28);
    assert_int_equal(f[9], 1);
    assert_int_equal(f[20], 3); /* destination unreachable */
    assert_int_equal(f[21], 3); /* port */
    assert_int_equal(rd16(f + 20 + 8 + 20), 4444);
    assert_int_equal(rd16(f + 20 + 8 + 22), 9999);
    assert_int_equal(rd16(f + 20 + 8 + 24), 18);
    synack_stack_free(h.st);
}

/* connect(): the default peer, and only its datagrams; AF_UNSPEC undoes it. */
static void test_connect_filter(void **state)
{
    (void)state;
    host h;
    host_init(&h);
    int s = udp_bound(&h, 5000);
    struct sockaddr_in peer = sin4(PEER, 7000);
    assert_int_equal(synack_connect(h.st, s, (struct sockaddr *)&peer, sizeof(peer)), 0);
    struct sockaddr_in got;
    socklen_t gl = sizeof(got);
    assert_int_equal(synack_getpeername(h.st, s, (struct sockaddr *)&got, &gl), 0);
    assert_int_equal(ntohs(got.sin_port), 7000);
    assert_int_equal(synack_send(h.st, s, "ping", 4, 0), 4);
    assert_int_equal(h.nout, 1);
    assert_int_equal(rd16(h.out[0].b + 20), 5000);
    assert_int_equal(rd16(h.out[0].b + 22), 7000);
    /* another source port: no socket takes it */
    assert_int_equal(peer_send(&h, ME, 7001, 5000, "no", 2, 1), 0);
    assert_int_equal(ctr(&h, SYNACK_CTR_UdpNoPorts), 1);
    assert_int_equal(peer_send(&h, ME, 7000, 5000, "yes", 3, 1), 0);
    char buf[8];
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), 3);
    assert_memory_equal(buf, "yes", 3);
    struct sockaddr unspec;
    memset(&unspec, 0, sizeof(unspec));
    assert_int_equal(synack_connect(h.st, s, &unspec, sizeof(unspec)), 0);
    assert_int_equal(synack_getpeername(h.st, s, (struct sockaddr *)&got, &gl), -ENOTCONN);
    assert_int_equal(peer_send(&h, ME, 7001, 5000, "now", 3, 1), 0);
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), 3);
    synack_stack_free(h.st);
}

/* An ICMP error about a datagram of ours from `sport` to PEER:dport (a 32-byte one, or for
 * fragmentation needed a 1428-byte one, with the next hop's MTU). */
static void icmp_back_mtu(host *h, uint8_t code, uint16_t sport, uint16_t dport, uint16_t mtu);

static void icmp_back(host *h, uint8_t code, uint16_t sport, uint16_t dport)
{
    icmp_back_mtu(h, code, sport, dport, 0);
}

static void icmp_back_mtu(host *h, uint8_t code, uint16_t sport, uint16_t dport, uint16_t mtu)
{
    uint8_t udp[8] = {0};
    wr16(udp, sport);
    wr16(udp + 2, dport);
    wr16(udp + 4, 12);
    uint8_t quoted[28];
    ip_wrap(quoted, ME, PEER, 17, udp, 8);
    wr16(quoted + 2, mtu ? 1428 : 32);
    uint8_t icmp[36] = {3, code};
    wr16(icmp + 6, mtu);
    memcpy(icmp + 8, quoted, 28);
    wr16(icmp + 2, ref_fold(ref_sum16(0, icmp, sizeof(icmp))));
    uint8_t f[64];
    size_t n = ip_wrap(f, PEER, ME, 1, icmp, sizeof(icmp));
    assert_int_equal(synack_input(h->st, h->now, f, n), 0);
}

/* Port Unreachable: ECONNREFUSED on the next call of a connected socket (once, POLLERR
 * meanwhile); an unconnected socket hears nothing, as in Linux. */
static void test_icmp_refused(void **state)
{
    (void)state;
    host h;
    host_init(&h);
    int s = udp_bound(&h, 5000);
    int u = udp_bound(&h, 5001);
    struct sockaddr_in peer = sin4(PEER, 7000);
    assert_int_equal(synack_connect(h.st, s, (struct sockaddr *)&peer, sizeof(peer)), 0);
    icmp_back(&h, 3, 5000, 7000);
    icmp_back(&h, 3, 5001, 7000);
    synack_pollfd p[2] = {{.sock = s, .events = POLLIN}, {.sock = u, .events = POLLIN}};
    assert_int_equal(synack_sock_poll(h.st, p, 2), 1);
    assert_int_equal(p[0].revents, POLLERR);
    char buf[8];
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), -ECONNREFUSED);
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), -EAGAIN);
    assert_int_equal(synack_recv(h.st, u, buf, sizeof(buf), 0), -EAGAIN);
    icmp_back(&h, 3, 5000, 7000);
    assert_int_equal(synack_send(h.st, s, "x", 1, 0), -ECONNREFUSED);
    assert_int_equal(synack_send(h.st, s, "x", 1, 0), 1);
    icmp_back(&h, 3, 5000, 7000);
    int err = 0;
    socklen_t el = sizeof(err);
    assert_int_equal(synack_getsockopt(h.st, s, SOL_SOCKET, SO_ERROR, &err, &el), 0);
    assert_int_equal(err, ECONNREFUSED);
    synack_stack_free(h.st);
}

/* SO_RCVBUF bounds the queue (each datagram charged its bytes plus its record);
 * what does not fit is dropped and counted (UdpRcvbufErrors, UdpInErrors). */
static void test_rcvbuf(void **state)
{
    (void)state;
    host h;
    host_init(&h);
    int s = udp_bound(&h, 5000);
    int v = 2048;
    assert_int_equal(synack_setsockopt(h.st, s, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)), 0);
    char data[500];
    memset(data, 'd', sizeof(data));
    for (int i = 0; i < 5; i++)
        assert_int_equal(peer_send(&h, ME, 4444, 5000, data, sizeof(data), 1), 0);
    assert_int_equal(ctr(&h, SYNACK_CTR_UdpInDatagrams), 3);
    assert_int_equal(ctr(&h, SYNACK_CTR_UdpRcvbufErrors), 2);
    assert_int_equal(ctr(&h, SYNACK_CTR_UdpInErrors), 2);
    char buf[600];
    for (int i = 0; i < 3; i++)
        assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), 500);
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), -EAGAIN);
    synack_stack_free(h.st);
}

/* UDP's own port space: a second bind is EADDRINUSE unless both set SO_REUSEADDR; a TCP
 * socket on the same port is no conflict. */
static void test_ports(void **state)
{
    (void)state;
    host h;
    host_init(&h);
    int a = udp_bound(&h, 6000);
    int b = synack_socket(h.st, SOCK_DGRAM);
    struct sockaddr_in at = sin4(0, 6000);
    assert_int_equal(synack_bind(h.st, b, (struct sockaddr *)&at, sizeof(at)), -EADDRINUSE);
    int t = synack_socket(h.st, SOCK_STREAM);
    assert_int_equal(synack_bind(h.st, t, (struct sockaddr *)&at, sizeof(at)), 0);
    assert_int_equal(synack_close(h.st, a), 0);
    assert_int_equal(synack_bind(h.st, b, (struct sockaddr *)&at, sizeof(at)), 0);
    assert_int_equal(synack_bind(h.st, b, (struct sockaddr *)&at, sizeof(at)), -EINVAL);
    int one = 1;
    int c = synack_socket(h.st, SOCK_DGRAM), d = synack_socket(h.st, SOCK_DGRAM);
    struct sockaddr_in at2 = sin4(ME, 6001);
    assert_int_equal(synack_setsockopt(h.st, c, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
    assert_int_equal(synack_setsockopt(h.st, d, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
    assert_int_equal(synack_bind(h.st, c, (struct sockaddr *)&at2, sizeof(at2)), 0);
    assert_int_equal(synack_bind(h.st, d, (struct sockaddr *)&at2, sizeof(at2)), 0);
    struct sockaddr_in far = sin4(FAR, 1);
    int e = synack_socket(h.st, SOCK_DGRAM);
    assert_int_equal(synack_bind(h.st, e, (struct sockaddr *)&far, sizeof(far)), -EADDRNOTAVAIL);
    synack_stack_free(h.st);
}

/* Past the MTU a datagram leaves in fragments (no DF, one id, 8-byte offsets) that
 * reassemble into it; IP_PMTUDISC_DO makes it EMSGSIZE instead. */
static void test_fragments(void **state)
{
    (void)state;
    host h;
    host_init(&h);
    int s = udp_bound(&h, 5000);
    static uint8_t data[3000];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 7);
    struct sockaddr_in to = sin4(PEER, 9);
    assert_int_equal(
        synack_sendto(h.st, s, data, sizeof(data), 0, (struct sockaddr *)&to, sizeof(to)), 3000);
    assert_int_equal(h.nout, 3);
    static uint8_t whole[3008];
    size_t sizes[3] = {1480, 1480, 48};
    for (int i = 0; i < 3; i++) {
        const uint8_t *f = h.out[i].b;
        assert_int_equal(h.out[i].len, 20 + sizes[i]);
        assert_int_equal(rd16(f + 4), rd16(h.out[0].b + 4)); /* the same id */
        uint16_t fr = rd16(f + 6);
        assert_int_equal(fr & 0x1fff, i * 185);
        assert_int_equal(fr & 0xe000, i < 2 ? 0x2000 : 0); /* MF, never DF */
        memcpy(whole + (size_t)(fr & 0x1fff) * 8, f + 20, sizes[i]);
    }
    assert_int_equal(rd16(whole), 5000);
    assert_int_equal(rd16(whole + 4), 3008);
    assert_int_equal(udp_sum(ME, PEER, whole, sizeof(whole)), 0);
    assert_memory_equal(whole + 8, data, sizeof(data));
    int v = IP_PMTUDISC_DO;
    assert_int_equal(synack_setsockopt(h.st, s, IPPROTO_IP, IP_MTU_DISCOVER, &v, sizeof(v)), 0);
    assert_int_equal(
        synack_sendto(h.st, s, data, sizeof(data), 0, (struct sockaddr *)&to, sizeof(to)),
        -EMSGSIZE);
    assert_int_equal(synack_sendto(h.st, s, data, 1472, 0, (struct sockaddr *)&to, sizeof(to)),
                     1472);
    assert_int_equal(ctr(&h, SYNACK_CTR_UdpOutDatagrams), 2);
    synack_stack_free(h.st);
}

/* Fragmentation needed lowers the path MTU: later datagrams to that destination are cut
 * to it (or refused with IP_PMTUDISC_DO); a datagram that fits still goes whole. */
static void test_path_mtu(void **state)
{
    (void)state;
    host h;
    host_init(&h);
    int s = udp_bound(&h, 5000);
    icmp_back_mtu(&h, 4, 5000, 9, 1000);
    static uint8_t data[1400];
    struct sockaddr_in to = sin4(PEER, 9);
    assert_int_equal(
        synack_sendto(h.st, s, data, sizeof(data), 0, (struct sockaddr *)&to, sizeof(to)), 1400);
    assert_int_equal(h.nout, 2);
    assert_int_equal(h.out[0].len, 20 + 976);
    assert_int_equal(rd16(h.out[0].b + 6), 0x2000);
    assert_int_equal(h.out[1].len, 20 + 1408 - 976);
    assert_int_equal(rd16(h.out[1].b + 6), 976 / 8);
    assert_int_equal(synack_sendto(h.st, s, data, 972, 0, (struct sockaddr *)&to, sizeof(to)), 972);
    assert_int_equal(h.nout, 3);
    assert_int_equal(rd16(h.out[2].b + 6), 0x4000);
    int v = IP_PMTUDISC_DO;
    assert_int_equal(synack_setsockopt(h.st, s, IPPROTO_IP, IP_MTU_DISCOVER, &v, sizeof(v)), 0);
    assert_int_equal(synack_sendto(h.st, s, data, 973, 0, (struct sockaddr *)&to, sizeof(to)),
                     -EMSGSIZE);
    synack_stack_free(h.st);
}

/* The calls that are TCP's on a UDP socket and the UDP ones on a TCP socket; shutdown. */
static void test_other_calls(void **state)
{
    (void)state;
    host h;
    host_init(&h);
    int s = udp_bound(&h, 5000), t = synack_socket(h.st, SOCK_STREAM);
    char buf[8];
    const void *p = NULL;
    void *w = NULL;
    assert_int_equal(synack_accept(h.st, s, NULL, NULL), -EOPNOTSUPP);
    assert_int_equal(synack_recv_borrow(h.st, s, &p), -EOPNOTSUPP);
    assert_int_equal(synack_send_reserve(h.st, s, &w, 4), -EOPNOTSUPP);
    assert_int_equal(synack_recv_inq(h.st, s), -EOPNOTSUPP);
    int one = 1;
    assert_int_equal(synack_setsockopt(h.st, s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)),
                     -ENOPROTOOPT);
    assert_int_equal(
        synack_setsockopt(h.st, t, IPPROTO_UDP, SYNACK_UDP_CATCH_ALL, &one, sizeof(one)),
        -ENOPROTOOPT);
    socklen_t sl = 16;
    assert_int_equal(synack_recvfrom(h.st, t, buf, sizeof(buf), 0, NULL, &sl), -ENOTCONN);
    assert_int_equal(sl, 0);
    assert_int_equal(synack_recvfrom_to(h.st, t, buf, sizeof(buf), 0, NULL, NULL, NULL, NULL),
                     -EOPNOTSUPP);
    assert_int_equal(synack_shutdown(h.st, s, SHUT_RD), -ENOTCONN);
    struct sockaddr_in peer = sin4(PEER, 7000);
    assert_int_equal(synack_connect(h.st, s, (struct sockaddr *)&peer, sizeof(peer)), 0);
    assert_int_equal(peer_send(&h, ME, 7000, 5000, "kept", 4, 1), 0);
    assert_int_equal(synack_shutdown(h.st, s, SHUT_RD), 0);
    assert_int_equal(peer_send(&h, ME, 7000, 5000, "late", 4, 1), 0); /* dropped */
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), 4);   /* queued before */
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), 0);   /* then EOF */
    assert_int_equal(ctr(&h, SYNACK_CTR_UdpInDatagrams), 1);
    /* a datagram left queued is freed with the stack (the sanitizers watch) */
    int q = udp_bound(&h, 5001);
    (void)q;
    assert_int_equal(peer_send(&h, ME, 1, 5001, "left", 4, 1), 0);
    synack_stack_free(h.st);
}

/* Readiness: POLLOUT always, POLLIN with a datagram queued, an edge when one arrives. */
static void test_readiness(void **state)
{
    (void)state;
    host h;
    host_init(&h);
    int s = udp_bound(&h, 5000);
    synack_pollfd p = {.sock = s, .events = POLLIN | POLLOUT};
    assert_int_equal(synack_sock_poll(h.st, &p, 1), 1);
    assert_int_equal(p.revents, POLLOUT);
    assert_int_equal(synack_sock_watch(h.st, s, POLLIN, &h), 0);
    synack_ready r[2];
    assert_int_equal(synack_sock_ready(h.st, r, 2), 0);
    assert_int_equal(peer_send(&h, ME, 1, 5000, "a", 1, 1), 0);
    assert_int_equal(synack_sock_ready(h.st, r, 2), 1);
    assert_int_equal(r[0].sock, s);
    assert_int_equal(r[0].revents, POLLIN);
    assert_ptr_equal(r[0].user, &h);
    assert_int_equal(synack_sock_poll(h.st, &p, 1), 1);
    assert_int_equal(p.revents, POLLIN | POLLOUT);
    synack_stack_free(h.st);
}

/* The catch-all takes datagrams to any address:port no socket claims, says where each
 * was sent, and answers as that address; a bound socket keeps its own. */
static void test_catch_all(void **state)
{
    (void)state;
    host h;
    host_init(&h);
    assert_int_equal(peer_send(&h, FAR, 4444, 53, "q", 1, 1), -EINVAL); /* not ours */
    assert_int_equal(ctr(&h, SYNACK_CTR_InAddrErrors), 1);
    int s = synack_socket(h.st, SOCK_DGRAM);
    int one = 1;
    assert_int_equal(
        synack_setsockopt(h.st, s, IPPROTO_UDP, SYNACK_UDP_CATCH_ALL, &one, sizeof(one)), 0);
    int o = synack_socket(h.st, SOCK_DGRAM);
    assert_int_equal(
        synack_setsockopt(h.st, o, IPPROTO_UDP, SYNACK_UDP_CATCH_ALL, &one, sizeof(one)),
        -EADDRINUSE);
    int b = udp_bound(&h, 5000);
    /* broadcast and multicast are nobody's, catch-all or not */
    assert_int_equal(peer_send(&h, 0xc00002ffu, 4444, 53, "b", 1, 1), -EINVAL);
    assert_int_equal(peer_send(&h, 0xe0000001u, 4444, 53, "m", 1, 1), -EINVAL);
    assert_int_equal(ctr(&h, SYNACK_CTR_InAddrErrors), 3);
    assert_int_equal(peer_send(&h, FAR, 4444, 53, "query", 5, 1), 0);
    assert_int_equal(peer_send(&h, ME, 4444, 5000, "mine", 4, 1), 0);
    assert_int_equal(peer_send(&h, FAR, 4444, 5000, "far", 3, 1), 0);
    assert_int_equal(h.nout, 0);
    char buf[16];
    struct sockaddr_in src, dst;
    socklen_t sl = sizeof(src), dl = sizeof(dst);
    assert_int_equal(synack_recvfrom_to(h.st, s, buf, sizeof(buf), 0, (struct sockaddr *)&src, &sl,
                                        (struct sockaddr *)&dst, &dl),
                     5);
    assert_int_equal(ntohl(src.sin_addr.s_addr), PEER);
    assert_int_equal(ntohs(src.sin_port), 4444);
    assert_int_equal(ntohl(dst.sin_addr.s_addr), FAR);
    assert_int_equal(ntohs(dst.sin_port), 53);
    assert_int_equal(
        synack_recvfrom_to(h.st, s, buf, sizeof(buf), 0, NULL, NULL, (struct sockaddr *)&dst, &dl),
        3);
    assert_int_equal(ntohs(dst.sin_port), 5000);
    assert_int_equal(synack_recv(h.st, b, buf, sizeof(buf), 0), 4);
    /* the answer comes from FAR:53, as the client expects it */
    struct sockaddr_in from = sin4(FAR, 53);
    assert_int_equal(synack_sendto_from(h.st, s, "answer", 6, 0, (struct sockaddr *)&from,
                                        sizeof(from), (struct sockaddr *)&src, sizeof(src)),
                     6);
    assert_int_equal(h.nout, 1);
    const uint8_t *f = h.out[0].b;
    assert_int_equal(h.out[0].len, 20 + 8 + 6);
    assert_int_equal(rd16(f + 12), FAR >> 16);
    assert_int_equal(rd16(f + 14), FAR & 0xffff);
    uint8_t want[14] = {0, 53, 0x11, 0x5c, 0, 14, 0, 0, 'a', 'n', 's', 'w', 'e', 'r'};
    wr16(want + 6, udp_sum(FAR, PEER, want, 14));
    assert_memory_equal(f + 20, want, 14);
    /* only the catch-all may speak as another address */
    assert_int_equal(synack_sendto_from(h.st, b, "x", 1, 0, (struct sockaddr *)&from, sizeof(from),
                                        (struct sockaddr *)&src, sizeof(src)),
                     -EINVAL);
    /* the catch-all tells the client its destination refused: Port Unreachable from us,
     * quoting a datagram PEER:4444 -> FAR:53 */
    assert_int_equal(synack_udp_unreach(h.st, s, (struct sockaddr *)&src, sizeof(src),
                                        (struct sockaddr *)&from, sizeof(from), 3),
                     0);
    assert_int_equal(h.nout, 2);
    f = h.out[1].b;
    assert_int_equal(h.out[1].len, 20 + 8 + 28);
    assert_int_equal(f[9], 1);
    assert_int_equal(rd16(f + 12), ME >> 16);
    assert_int_equal(rd16(f + 16), PEER >> 16);
    assert_int_equal(f[20], 3);
    assert_int_equal(f[21], 3);
    const uint8_t *q = f + 28;
    assert_int_equal(q[9], 17);
    assert_int_equal(rd16(q + 12), PEER >> 16);
    assert_int_equal(rd16(q + 18), FAR & 0xffff);
    assert_int_equal(rd16(q + 20), 4444);
    assert_int_equal(rd16(q + 22), 53);
    assert_int_equal(ref_fold(ref_sum16(0, q, 20)), 0);
    assert_int_equal(synack_udp_unreach(h.st, b, (struct sockaddr *)&src, sizeof(src),
                                        (struct sockaddr *)&from, sizeof(from), 3),
                     -EINVAL);
    assert_int_equal(synack_udp_unreach(h.st, s, (struct sockaddr *)&src, sizeof(src),
                                        (struct sockaddr *)&from, sizeof(from), 16),
                     -EINVAL);
    assert_int_equal(synack_close(h.st, s), 0);
    assert_int_equal(peer_send(&h, FAR, 4444, 53, "q", 1, 1), -EINVAL);
    synack_stack_free(h.st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_send_exact),     cmocka_unit_test(test_recv),
        cmocka_unit_test(test_bad_datagrams),  cmocka_unit_test(test_no_port),
        cmocka_unit_test(test_connect_filter), cmocka_unit_test(test_icmp_refused),
        cmocka_unit_test(test_rcvbuf),         cmocka_unit_test(test_ports),
        cmocka_unit_test(test_fragments),      cmocka_unit_test(test_readiness),
        cmocka_unit_test(test_catch_all),      cmocka_unit_test(test_path_mtu),
        cmocka_unit_test(test_other_calls),    cmocka_unit_test(test_csum_partial),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
