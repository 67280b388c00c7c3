/* SPDX-License-Identifier: MIT */
/* RFC 6069 (src/tcp/timers.c tcp_rto_revert, called from icmp_error.c): a net or host
 * unreachable (IPv6: no route) quoting SND.UNA as a timeout resent it undoes one doubling
 * of the RTO, so a connection across a broken path retransmits every base RTO and
 * recovers within one when the path returns; nothing else reverts, and the connection
 * still gives up when the unreverted backoff would have. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "support/fixture.h"
#include "support/ipv6_link_rig.h"
#include "support/seghost.h"
#include "wire/bytes.h"
#include "wire/icmp.h"
#include "wire/icmpv6.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"
#include "wire/tcp_wire.h"

#define PORT FX_PORT
#define PPORT FX_PEER_PORT
#define MS UINT64_C(1000)
#define RTO (200 * MS) /* the base RTO after the fixture's handshake (rto_min) */

/* A router's ICMP error about the stack's segment from port sport with sequence number
 * seq. */
static void icmp_from_port(seghost *h, uint8_t code, uint16_t sport, uint32_t seq)
{
    uint8_t quote[28];
    ipv4_hdr q = {
        .ttl = 63, .proto = IP_PROTO_TCP, .src = SH_ADDR, .dst = SH_PEER, .frag = IPV4_FLAG_DF};
    assert_int_equal(ipv4_emit(quote, sizeof(quote), &q, 20u + 100u), IPV4_HDR_LEN);
    wr16(quote + IPV4_HDR_LEN, sport);
    wr16(quote + IPV4_HDR_LEN + 2, PPORT);
    wr32(quote + IPV4_HDR_LEN + 4, seq);
    uint8_t frame[IPV4_HDR_LEN + ICMP_HDR_LEN + sizeof(quote)];
    icmp_msg m = {
        .type = ICMP_DEST_UNREACH, .code = code, .payload = quote, .payload_len = sizeof(quote)};
    size_t n = icmp_emit(frame + IPV4_HDR_LEN, sizeof(frame) - IPV4_HDR_LEN, &m);
    ipv4_hdr o = {.ttl = 64, .proto = IP_PROTO_ICMP, .src = 0xc6120001u, .dst = SH_ADDR};
    ipv4_emit(frame, sizeof(frame), &o, n);
    assert_int_equal(synack_input(h->st, h->now, frame, IPV4_HDR_LEN + n), 0);
}

static void icmp_about(seghost *h, uint8_t code, uint32_t seq)
{
    icmp_from_port(h, code, PORT, seq);
}

/* An established connection (no options) with 100 bytes sent at h->now that the peer
 * never acknowledges; *una is the sequence number of the first. */
static int open_and_send(seghost *h, const synack_config *cfg, uint32_t *una)
{
    uint32_t iss;
    int s = fx_sh_established_opts(h, cfg, 0, 0, &iss);
    *una = iss + 1;
    assert_int_equal(fx_tcp_info(h->st, s).rto_us, RTO);
    static const uint8_t data[100] = {1};
    size_t mark = h->nout;
    assert_int_equal(synack_send(h->st, s, data, sizeof(data), 0), (ssize_t)sizeof(data));
    assert_int_equal(h->nout, mark + 1);
    return s;
}

/* Nothing is sent before `at`; at `at` exactly one segment: `len` bytes from SND.UNA. */
static void expect_rexmit_len_at(seghost *h, uint64_t at, uint32_t una, uint32_t len)
{
    size_t mark = h->nout;
    sh_run_until(h, at - 1);
    assert_int_equal(h->nout, mark);
    sh_run_until(h, at);
    assert_int_equal(h->nout, mark + 1);
    assert_int_equal(h->out[mark].t, at);
    assert_int_equal(h->out[mark].s.seq, una);
    assert_int_equal(h->out[mark].s.payload_len, len);
}

static void expect_rexmit_at(seghost *h, uint64_t at, uint32_t una)
{
    expect_rexmit_len_at(h, at, una, 100);
}

static void test_unreachable_keeps_rto_at_base(void **state)
{
    (void)state;
    seghost h;
    uint32_t una;
    int s = open_and_send(&h, NULL, &una);
    uint64_t t = h.now;
    /* Each timeout's segment draws a host (then net) unreachable: no doubling. */
    for (int i = 0; i < 5; i++) {
        t += RTO;
        expect_rexmit_at(&h, t, una);
        icmp_about(&h, i % 2 ? 0 : ICMP_CODE_HOST_UNREACH, una);
        assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPIcmpRtoReverts), i + 1);
        synack_tcp_info ti = fx_tcp_info(h.st, s);
        assert_int_equal(ti.rto_us, RTO);
        assert_int_equal(ti.ca_state, 4); /* still Loss, as Linux's TCP_CA_Loss */
        assert_int_equal(ti.snd_cwnd, 1460);
        /* the first timeout's reduction (CUBIC: 0.7 of 10 segments), not made again at
         * each timeout whose backoff was undone */
        assert_int_equal(ti.snd_ssthresh, 7 * 1460);
    }
    /* The path is back: the next retransmission comes a base RTO later and is answered. */
    t += RTO;
    expect_rexmit_at(&h, t, una);
    assert_int_equal(fx_tcp_info(h.st, s).rto_us, 2 * RTO); /* no ICMP this time: backed off */
    sh_send(&h, PPORT, PORT, FX_PEER_ISS + 1, una + 100, TCP_ACK, 65535, NULL, 0, NULL);
    assert_int_equal(fx_tcp_info(h.st, s).retransmits, 0);
    sh_run_for(&h, 10 * RTO);
    assert_int_equal(h.out[h.nout - 1].t, t);             /* nothing more to send */
    assert_int_equal(fx_so_error(h.st, s), EHOSTUNREACH); /* the soft error, as before */
    sh_free(&h);
}

/* tcp_info.retransmits is Linux's icsk_retransmits: the timeouts of the run, which a revert
 * of the backoff (tcp_ld_RTO_revert) does not undo, while rto_us shows the undone doubling;
 * an ACK of new data ends the run. */
static void test_retransmits_counts_reverted_timeouts(void **state)
{
    (void)state;
    seghost h;
    uint32_t una;
    int s = open_and_send(&h, NULL, &una);
    uint64_t t = h.now;
    assert_int_equal(fx_tcp_info(h.st, s).retransmits, 0);
    for (uint32_t i = 1; i <= 3; i++) {
        t += RTO;
        expect_rexmit_at(&h, t, una);
        assert_int_equal(fx_tcp_info(h.st, s).retransmits, i);
        icmp_about(&h, ICMP_CODE_HOST_UNREACH, una);
        synack_tcp_info ti = fx_tcp_info(h.st, s);
        assert_int_equal(ti.retransmits, i);
        assert_int_equal(ti.rto_us, RTO);
    }
    /* no ICMP for the fourth: the backoff doubles, and the count goes on */
    t += RTO;
    expect_rexmit_at(&h, t, una);
    synack_tcp_info ti = fx_tcp_info(h.st, s);
    assert_int_equal(ti.retransmits, 4);
    assert_int_equal(ti.rto_us, 2 * RTO);
    sh_send(&h, PPORT, PORT, FX_PEER_ISS + 1, una + 100, TCP_ACK, 65535, NULL, 0, NULL);
    assert_int_equal(fx_tcp_info(h.st, s).retransmits, 0);
    sh_free(&h);
}

static void test_unreachable_after_timer_passed_resends_at_once(void **state)
{
    (void)state;
    seghost h;
    uint32_t una;
    open_and_send(&h, NULL, &una);
    uint64_t t = h.now + RTO;
    expect_rexmit_at(&h, t, una);
    /* The ICMP is late: the unreverted timer (t + 2 RTO) is still to come, the reverted one
     * (t + RTO) has passed, so the segment goes again now; then backed off from there. */
    sh_run_until(&h, t + RTO + RTO / 2);
    size_t mark = h.nout;
    icmp_about(&h, ICMP_CODE_HOST_UNREACH, una);
    assert_int_equal(h.nout, mark + 1);
    assert_int_equal(h.out[mark].t, t + RTO + RTO / 2);
    assert_int_equal(h.out[mark].s.seq, una);
    expect_rexmit_at(&h, t + RTO + RTO / 2 + 2 * RTO, una);
    sh_free(&h);
}

static void test_nothing_else_reverts(void **state)
{
    (void)state;
    seghost h;
    uint32_t una;
    int s = open_and_send(&h, NULL, &una);
    int one = 1;
    assert_int_equal(synack_setsockopt(h.st, s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), 0);
    static const uint8_t more[100] = {2};
    assert_int_equal(synack_send(h.st, s, more, sizeof(more), 0), (ssize_t)sizeof(more));
    assert_int_equal(h.out[h.nout - 1].s.seq, una + 100);
    uint64_t t = h.now;
    /* Before any timeout (no backoff): nothing to undo. */
    icmp_about(&h, ICMP_CODE_HOST_UNREACH, una);
    t += RTO;
    expect_rexmit_len_at(&h, t, una, 200); /* both segments' bytes, in one */
    /* Backed off, but the ICMP quotes the second segment, or a code that is not about a
     * broken path (port unreachable, administratively prohibited): no revert. */
    icmp_about(&h, ICMP_CODE_HOST_UNREACH, una + 100);
    icmp_about(&h, ICMP_CODE_PORT_UNREACH, una);
    icmp_about(&h, 13, una);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPIcmpRtoReverts), 0);
    t += 2 * RTO;
    expect_rexmit_len_at(&h, t, una, 200);
    t += 4 * RTO;
    expect_rexmit_len_at(&h, t, una, 200);
    sh_free(&h);
}

static void test_syn_sent_not_reverted(void **state)
{
    (void)state;
    seghost h;
    sh_init(&h, NULL);
    int s = synack_socket(h.st, SOCK_STREAM);
    struct sockaddr_in sin = pair_sin(SH_PEER, PPORT);
    assert_int_equal(synack_connect(h.st, s, (struct sockaddr *)&sin, sizeof(sin)), -EINPROGRESS);
    assert_int_equal(h.nout, 1);
    uint64_t t = h.now + 1000 * MS; /* the initial RTO */
    sh_run_until(&h, t);
    assert_int_equal(h.nout, 2);
    assert_int_equal(h.out[1].t, t);
    uint16_t sport = h.out[0].s.sport;
    uint32_t iss = h.out[0].s.seq;
    /* A soft error before synchronization: the SYN keeps its backoff (Linux ends the
     * attempt instead; synack keeps trying, RFC 5927 5.2), and nothing is reverted. */
    icmp_from_port(&h, ICMP_CODE_HOST_UNREACH, sport, iss);
    sh_run_until(&h, t + 2000 * MS - 1);
    assert_int_equal(h.nout, 2);
    sh_run_until(&h, t + 2000 * MS);
    assert_int_equal(h.nout, 3);
    assert_int_equal(h.out[2].s.seq, iss);
    assert_int_equal(h.out[2].s.flags, TCP_SYN);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPIcmpRtoReverts), 0);
    sh_free(&h);
}

/* The time from the first segment's departure to the connection's end, and how many
 * retransmissions it took, with every retransmission answered by an unreachable or not. */
static uint64_t lifetime(int icmp, size_t *rexmits)
{
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.data_retries = 4;
    seghost h;
    uint32_t una;
    int s = open_and_send(&h, &cfg, &una);
    uint64_t t0 = h.now;
    size_t mark = h.nout;
    for (int i = 0; i < 1000 && fx_tcp_info(h.st, s).state == SYNACK_ESTABLISHED; i++) {
        size_t n = h.nout;
        sh_run_for(&h, 10 * MS);
        if (icmp && h.nout > n) {
            assert_int_equal(h.out[n].s.seq, una);
            icmp_about(&h, ICMP_CODE_HOST_UNREACH, una);
        }
    }
    uint64_t end = sh_state_time(&h, SYNACK_CLOSED, t0);
    *rexmits = h.nout - mark;
    sh_free(&h);
    return end - t0;
}

static void test_revert_does_not_extend_lifetime(void **state)
{
    (void)state;
    size_t plain, reverted;
    /* data_retries 4: timeouts at RTO, 3, 7, 15 RTO and the end at 31 RTO (RFC 6298 5.5). */
    assert_int_equal(lifetime(0, &plain), 31 * RTO);
    assert_int_equal(plain, 4);
    /* Every base RTO a retransmission, but the end at the same moment: the give-up is
     * measured in the time the backed-off timeouts take, as Linux's tcp_retries2. */
    assert_int_equal(lifetime(1, &reverted), 31 * RTO);
    assert_int_equal(reverted, 30);
}

/* IPv6: the client (side 0) connects to the server (side 1), then sends 100 bytes the
 * link drops; returns the client's socket and sets *sport and *una. */
static int v6_open(ip6_pair *p, ip6_tap *rec, uint16_t *sport, uint32_t *una)
{
    memset(p, 0, sizeof(*p));
    ip6_pair_init(&p->link, p->st, rec, IP6_TAP_MAX, NULL, NULL);
    int ls = synack_socket_domain(p->st[1], SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    struct synack_sockaddr_in6 a = ip6_sin6(NULL, 80);
    assert_int_equal(synack_bind(p->st[1], ls, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(synack_listen(p->st[1], ls, 8), 0);
    int cs = synack_socket_domain(p->st[0], SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    struct synack_sockaddr_in6 sa = ip6_sin6(IP6_RIG_ADDR[1], 80);
    assert_int_equal(synack_connect(p->st[0], cs, (struct sockaddr *)&sa, sizeof(sa)),
                     -EINPROGRESS);
    ip6_pair_run(p, 10 * MS);
    assert_true(synack_accept(p->st[1], ls, NULL, NULL) >= 0);
    tcp_seg syn;
    uint64_t hs;
    assert_int_equal(tcp_parse6(rec->f[0].b + IPV6_HDR_LEN, rec->f[0].len - IPV6_HDR_LEN,
                                IP6_RIG_ADDR[0], IP6_RIG_ADDR[1], 0, &syn, &hs),
                     WIRE_OK);
    *sport = syn.sport;
    *una = syn.seq + 1;
    rec->drop_to = 1;
    static const uint8_t data[100] = {3};
    assert_int_equal(synack_send(p->st[0], cs, data, sizeof(data), 0), (ssize_t)sizeof(data));
    return cs;
}

/* A router's ICMPv6 destination unreachable to the client quoting its segment seq. */
static void v6_unreach(ip6_pair *p, uint8_t code, uint16_t sport, uint32_t seq)
{
    uint8_t tcp[20] = {0}, quote[IPV6_HDR_LEN + 20];
    wr16(tcp, sport);
    wr16(tcp + 2, 80);
    wr32(tcp + 4, seq);
    ipv6_hdr qh = {.next = IP_PROTO_TCP, .hop_limit = 64, .payload_len = 120};
    memcpy(qh.src.b, IP6_RIG_ADDR[0], 16);
    memcpy(qh.dst.b, IP6_RIG_ADDR[1], 16);
    assert_int_equal(ipv6_emit(quote, IPV6_HDR_LEN, &qh, 120), IPV6_HDR_LEN);
    memcpy(quote + IPV6_HDR_LEN, tcp, sizeof(tcp));
    ipv6_hdr oh = {.next = IP_PROTO_ICMPV6, .hop_limit = 64};
    memcpy(oh.src.b, IP6_RIG_ADDR[1], 16);
    memcpy(oh.dst.b, IP6_RIG_ADDR[0], 16);
    uint8_t pkt[256];
    size_t n = icmp6_error_emit(pkt + IPV6_HDR_LEN, sizeof(pkt) - IPV6_HDR_LEN, ICMP6_DEST_UNREACH,
                                code, 0, quote, sizeof(quote), &oh.src, &oh.dst);
    assert_true(n > 0);
    assert_int_equal(ipv6_emit(pkt, IPV6_HDR_LEN, &oh, n), IPV6_HDR_LEN);
    assert_int_equal(synack_input(p->st[0], p->now, pkt, IPV6_HDR_LEN + n), 0);
}

/* Runs the pair 1 ms at a time until the client's next segment reaches the link; returns
 * when it did (bounded: 10 s). */
static uint64_t v6_next_seg(ip6_pair *p, ip6_tap *rec, uint32_t una)
{
    size_t n = rec->n;
    for (int i = 0; i < 10000 && rec->n == n; i++)
        ip6_pair_run(p, MS);
    assert_int_equal(rec->n, n + 1);
    tcp_seg s;
    uint64_t hs;
    assert_int_equal(tcp_parse6(rec->f[n].b + IPV6_HDR_LEN, rec->f[n].len - IPV6_HDR_LEN,
                                IP6_RIG_ADDR[0], IP6_RIG_ADDR[1], 0, &s, &hs),
                     WIRE_OK);
    assert_int_equal(s.seq, una);
    assert_int_equal(s.payload_len, 100);
    return rec->f[n].t;
}

static ip6_tap rec;

static void test_ipv6_no_route_keeps_rto_at_base(void **state)
{
    (void)state;
    ip6_pair p;
    uint16_t sport;
    uint32_t una;
    v6_open(&p, &rec, &sport, &una);
    uint64_t t = v6_next_seg(&p, &rec, una); /* the original */
    /* With an RTT measured, the first resend is RFC 8985's loss probe, not a timeout:
     * nothing backed off, nothing to undo. */
    uint64_t r = v6_next_seg(&p, &rec, una);
    assert_int_equal(r - t, RTO);
    t = r;
    v6_unreach(&p, ICMP6_UNREACH_NO_ROUTE, sport, una);
    assert_int_equal(synack_counter_get(p.st[0], SYNACK_CTR_TCPIcmpRtoReverts), 0);
    for (int i = 0; i < 3; i++) {
        r = v6_next_seg(&p, &rec, una);
        assert_int_equal(r - t, RTO);
        t = r;
        v6_unreach(&p, ICMP6_UNREACH_NO_ROUTE, sport, una);
    }
    assert_int_equal(synack_counter_get(p.st[0], SYNACK_CTR_TCPIcmpRtoReverts), 3);
    /* Address unreachable (and the rest) is not about the route: backed off. */
    r = v6_next_seg(&p, &rec, una);
    assert_int_equal(r - t, RTO);
    v6_unreach(&p, ICMP6_UNREACH_ADDR, sport, una);
    v6_unreach(&p, ICMP6_UNREACH_ADMIN, sport, una);
    assert_int_equal(v6_next_seg(&p, &rec, una) - r, 2 * RTO);
    assert_int_equal(synack_counter_get(p.st[0], SYNACK_CTR_TCPIcmpRtoReverts), 3);
    ip6_pair_free(p.link, p.st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unreachable_keeps_rto_at_base),
        cmocka_unit_test(test_retransmits_counts_reverted_timeouts),
        cmocka_unit_test(test_unreachable_after_timer_passed_resends_at_once),
        cmocka_unit_test(test_nothing_else_reverts),
        cmocka_unit_test(test_syn_sent_not_reverted),
        cmocka_unit_test(test_revert_does_not_extend_lifetime),
        cmocka_unit_test(test_ipv6_no_route_keeps_rto_at_base),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
