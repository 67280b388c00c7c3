/* SPDX-License-Identifier: MIT */
/* The catch-all listener (SYNACK_TCP_CATCH_ALL) and held SYNs (SYNACK_TCP_HOLD_SYN): a SYN
 * to any address:port no other socket claims is taken, and a holding listener sends
 * nothing until the application's verdict — SYN-ACK, RST, ICMP unreachable or silence —
 * or until the hold expires. The stack is 192.0.2.2 on an IP link; the test plays the
 * peer 192.0.2.1 and a far destination 198.18.5.9 the stack stands in for. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support/segbuild.h"
#include "synack/synack.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/tcp_wire.h"

#define ME 0xc0000202u   /* 192.0.2.2, the stack */
#define PEER 0xc0000201u /* 192.0.2.1 */
#define FAR 0xc6120509u  /* 198.18.5.9, not the stack's */
#define FAR_PORT 443
#define PEER_PORT 40000
#define PEER_ISS 1000u
#define HOLD_MS 2000

typedef struct frame {
    uint8_t b[1600];
    size_t len;
} frame;

typedef struct rig {
    synack_stack *st;
    uint64_t now;
    frame out[64];
    int nout;
} rig;

static int rig_output(void *ctx, const uint8_t *f, size_t len)
{
    rig *r = ctx;
    if (r->nout < 64 && len <= sizeof(r->out[0].b)) {
        memcpy(r->out[r->nout].b, f, len);
        r->out[r->nout].len = len;
        r->nout++;
    }
    return 0;
}

static void rig_init(rig *r)
{
    memset(r, 0, sizeof(*r));
    synack_config c;
    synack_config_default(&c);
    synack_config_deterministic(&c, 7);
    c.netif.addr = ME;
    c.netif.output = rig_output;
    c.netif.output_ctx = r;
    r->st = synack_stack_new(&c);
    assert_non_null(r->st);
}

static void rig_free(rig *r)
{
    synack_stack_free(r->st);
}

static int rig_send(rig *r, uint32_t dst, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags)
{
    uint8_t f[SEG_FRAME_MAX];
    size_t n =
        seg_build(f, sizeof(f), PEER, dst, PEER_PORT, dport, seq, ack, flags, 65535, NULL, 0, NULL);
    assert_true(n > 0);
    return synack_input(r->st, r->now, f, n);
}

static void rig_run_until(rig *r, uint64_t until)
{
    for (;;) {
        uint64_t d = synack_next_deadline(r->st);
        if (d > until)
            break;
        if (d > r->now)
            r->now = d;
        synack_poll(r->st, r->now);
    }
    r->now = until;
    synack_set_time(r->st, r->now);
}

/* Frame i as IPv4 (asserted), into *ip. */
static void out_ip(const rig *r, int i, ipv4_hdr *ip)
{
    assert_true(i < r->nout);
    assert_int_equal(ipv4_parse(r->out[i].b, r->out[i].len, ip), WIRE_OK);
}

/* Frame i as a TCP segment from src to PEER (asserted). */
static tcp_seg out_tcp(const rig *r, int i, uint32_t src)
{
    ipv4_hdr ip;
    out_ip(r, i, &ip);
    assert_int_equal(ip.proto, IP_PROTO_TCP);
    assert_int_equal(ip.src, src);
    assert_int_equal(ip.dst, PEER);
    tcp_seg s;
    assert_int_equal(tcp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &s), WIRE_OK);
    return s;
}

static int set_int(rig *r, int s, int name, int v)
{
    return synack_setsockopt(r->st, s, IPPROTO_TCP, name, &v, sizeof(v));
}

/* A listener on port `port` with the two options; returns its socket. */
static int listener(rig *r, uint16_t port, int catch_all, int hold_ms, int backlog)
{
    int s = synack_socket(r->st, SYNACK_SOCK_STREAM);
    assert_true(s >= 0);
    struct synack_sockaddr_in a = {.sin_family = SYNACK_AF_INET, .sin_port = htons(port)};
    assert_int_equal(synack_bind(r->st, s, (struct sockaddr *)&a, sizeof(a)), 0);
    if (catch_all)
        assert_int_equal(set_int(r, s, SYNACK_TCP_CATCH_ALL, 1), 0);
    if (hold_ms)
        assert_int_equal(set_int(r, s, SYNACK_TCP_HOLD_SYN, hold_ms), 0);
    assert_int_equal(synack_listen(r->st, s, backlog), 0);
    return s;
}

static short poll_bits(rig *r, int s)
{
    synack_pollfd p = {.sock = s, .events = POLLIN | POLLPRI};
    synack_sock_poll(r->st, &p, 1);
    return p.revents;
}

/* How many requests ls holds now. */
static int held_n(rig *r, int ls)
{
    synack_held_syn h[16];
    return synack_held_list(r->st, ls, h, 16);
}

static const synack_endpoints far_ep = {
    .laddr = FAR, .raddr = PEER, .lport = FAR_PORT, .rport = PEER_PORT};

/* Without a catch-all listener a SYN to another address is not ours: dropped, unanswered. */
static void test_foreign_syn_without_catch_all(void **state)
{
    (void)state;
    rig r;
    rig_init(&r);
    listener(&r, 80, 0, 0, 8);
    assert_int_equal(rig_send(&r, FAR, FAR_PORT, PEER_ISS, 0, TCP_SYN), -EINVAL);
    assert_int_equal(r.nout, 0);
    assert_int_equal(synack_counter_get(r.st, SYNACK_CTR_InAddrErrors), 1);
    rig_free(&r);
}

/* The catch-all takes a SYN to any address:port and speaks from that address; a port with
 * its own listener keeps it; broadcast and multicast destinations are never taken. */
static void test_catch_all_accepts_any_destination(void **state)
{
    (void)state;
    rig r;
    rig_init(&r);
    int ls = listener(&r, 1, 1, 0, 8);
    int other = listener(&r, 80, 0, 0, 8);
    assert_int_equal(rig_send(&r, FAR, FAR_PORT, PEER_ISS, 0, TCP_SYN), 0);
    assert_int_equal(r.nout, 1);
    tcp_seg sa = out_tcp(&r, 0, FAR);
    assert_int_equal(sa.flags, TCP_SYN | TCP_ACK);
    assert_int_equal(sa.sport, FAR_PORT);
    assert_int_equal(sa.dport, PEER_PORT);
    assert_int_equal(sa.ack, PEER_ISS + 1);
    assert_int_equal(rig_send(&r, FAR, FAR_PORT, PEER_ISS + 1, sa.seq + 1, TCP_ACK), 0);
    struct synack_sockaddr_in a;
    synack_socklen_t alen = sizeof(a);
    int cs = synack_accept(r.st, ls, (struct sockaddr *)&a, &alen);
    assert_true(cs >= 0);
    assert_int_equal(ntohl(a.sin_addr.s_addr), PEER);
    alen = sizeof(a);
    assert_int_equal(synack_getsockname(r.st, cs, (struct sockaddr *)&a, &alen), 0);
    assert_int_equal(ntohl(a.sin_addr.s_addr), FAR);
    assert_int_equal(ntohs(a.sin_port), FAR_PORT);
    /* data leaves from the far address too */
    assert_int_equal(synack_send(r.st, cs, "hi", 2, 0), 2);
    rig_run_until(&r, r.now + 1000);
    assert_int_equal(r.nout, 2);
    tcp_seg d = out_tcp(&r, 1, FAR);
    assert_int_equal(d.payload_len, 2);
    assert_int_equal(d.seq, sa.seq + 1);

    /* our own address, a port with its listener: that listener's */
    assert_int_equal(rig_send(&r, ME, 80, 5000, 0, TCP_SYN), 0);
    tcp_seg sa2 = out_tcp(&r, 2, ME);
    assert_int_equal(rig_send(&r, ME, 80, 5001, sa2.seq + 1, TCP_ACK), 0);
    assert_true(synack_accept(r.st, other, NULL, NULL) >= 0);
    assert_int_equal(synack_accept(r.st, ls, NULL, NULL), -EAGAIN);

    /* never a broadcast or multicast destination */
    int n = r.nout;
    assert_int_equal(rig_send(&r, 0xffffffffu, 80, 1, 0, TCP_SYN), -EINVAL);
    assert_int_equal(rig_send(&r, 0xe0000001u, 80, 1, 0, TCP_SYN), -EINVAL);
    assert_int_equal(rig_send(&r, 0xc00002ffu, 80, 1, 0, TCP_SYN), -EINVAL);
    assert_int_equal(r.nout, n);
    assert_int_equal(synack_counter_get(r.st, SYNACK_CTR_InAddrErrors), 3);
    rig_free(&r);
}

/* Held: nothing goes out, POLLPRI and the list show it, retransmitted SYNs are absorbed;
 * ACCEPT sends the SYN-ACK and the handshake completes as usual. */
static void test_hold_then_accept(void **state)
{
    (void)state;
    rig r;
    rig_init(&r);
    int ls = listener(&r, 1, 1, HOLD_MS, 8);
    assert_int_equal(synack_sock_watch(r.st, ls, POLLPRI, NULL), 0);
    r.now = 100;
    assert_int_equal(rig_send(&r, FAR, FAR_PORT, PEER_ISS, 0, TCP_SYN), 0);
    assert_int_equal(r.nout, 0);
    assert_int_equal(poll_bits(&r, ls), POLLPRI);
    synack_ready rd[2];
    assert_int_equal(synack_sock_ready(r.st, rd, 2), 1); /* the edge, for an event loop */
    assert_int_equal(rd[0].sock, ls);
    assert_int_equal(rd[0].revents, POLLPRI);
    synack_held_syn h[4];
    assert_int_equal(synack_held_list(r.st, ls, h, 4), 1);
    assert_memory_equal(&h[0].ep, &far_ep, sizeof(far_ep));
    assert_int_equal(h[0].since_us, 100);
    assert_int_equal(h[0].retrans, 0);
    /* the client's SYN retransmission is absorbed */
    rig_run_until(&r, 1000100);
    assert_int_equal(rig_send(&r, FAR, FAR_PORT, PEER_ISS, 0, TCP_SYN), 0);
    assert_int_equal(r.nout, 0);
    assert_int_equal(synack_held_list(r.st, ls, h, 4), 1);
    assert_int_equal(h[0].retrans, 1);
    assert_int_equal(synack_counter_get(r.st, SYNACK_CTR_TCPSynHeld), 1);
    assert_int_equal(synack_counter_get(r.st, SYNACK_CTR_TCPSynHeldRetrans), 1);
    /* an ACK before any SYN-ACK is dropped, unanswered */
    assert_int_equal(rig_send(&r, FAR, FAR_PORT, PEER_ISS + 1, 1, TCP_ACK), 0);
    assert_int_equal(r.nout, 0);
    assert_int_equal(synack_counter_get(r.st, SYNACK_CTR_TCPSynHeldInvalid), 1);

    assert_int_equal(synack_held_verdict(r.st, ls, &far_ep, SYNACK_VERDICT_ACCEPT, 0), 0);
    assert_int_equal(r.nout, 1);
    tcp_seg sa = out_tcp(&r, 0, FAR);
    assert_int_equal(sa.flags, TCP_SYN | TCP_ACK);
    assert_int_equal(sa.ack, PEER_ISS + 1);
    assert_int_equal(poll_bits(&r, ls), 0);
    assert_int_equal(synack_held_list(r.st, ls, h, 4), 0);
    assert_int_equal(synack_held_verdict(r.st, ls, &far_ep, SYNACK_VERDICT_ACCEPT, 0), -ENOENT);
    /* not answered: the SYN-ACK is retransmitted as any other */
    rig_run_until(&r, r.now + 1000000);
    assert_int_equal(r.nout, 2);
    assert_int_equal(out_tcp(&r, 1, FAR).seq, sa.seq);
    assert_int_equal(rig_send(&r, FAR, FAR_PORT, PEER_ISS + 1, sa.seq + 1, TCP_ACK), 0);
    assert_int_equal(poll_bits(&r, ls), POLLIN);
    assert_true(synack_accept(r.st, ls, NULL, NULL) >= 0);
    rig_free(&r);
}

/* REFUSE answers as a closed port would: <SEQ=0><ACK=ISS+1><CTL=RST,ACK>, from the far
 * address; the request is gone. */
static void test_hold_refuse(void **state)
{
    (void)state;
    rig r;
    rig_init(&r);
    int ls = listener(&r, 1, 1, HOLD_MS, 8);
    assert_int_equal(rig_send(&r, FAR, FAR_PORT, PEER_ISS, 0, TCP_SYN), 0);
    assert_int_equal(synack_held_verdict(r.st, ls, &far_ep, SYNACK_VERDICT_REFUSE, 0), 0);
    assert_int_equal(r.nout, 1);
    tcp_seg rst = out_tcp(&r, 0, FAR);
    assert_int_equal(rst.flags, TCP_RST | TCP_ACK);
    assert_int_equal(rst.seq, 0);
    assert_int_equal(rst.ack, PEER_ISS + 1);
    assert_int_equal(rst.sport, FAR_PORT);
    assert_int_equal(rst.dport, PEER_PORT);
    assert_int_equal(held_n(&r, ls), 0);
    assert_int_equal(synack_held_verdict(r.st, ls, &far_ep, SYNACK_VERDICT_REFUSE, 0), -ENOENT);
    assert_int_equal(synack_counter_get(r.st, SYNACK_CTR_TCPSynHeldRejected), 1);
    assert_int_equal(synack_counter_get(r.st, SYNACK_CTR_OutRsts), 1);
    assert_int_equal(poll_bits(&r, ls), 0);
    rig_free(&r);
}

/* UNREACH sends ICMP destination unreachable with the code given, quoting the SYN's
 * addresses, ports and sequence number (what the peer matches it by). */
static void test_hold_unreachable(void **state)
{
    (void)state;
    rig r;
    rig_init(&r);
    int ls = listener(&r, 1, 1, HOLD_MS, 8);
    assert_int_equal(rig_send(&r, FAR, FAR_PORT, PEER_ISS, 0, TCP_SYN), 0);
    assert_int_equal(synack_held_verdict(r.st, ls, &far_ep, SYNACK_VERDICT_UNREACH, 1), 0);
    assert_int_equal(r.nout, 1);
    ipv4_hdr ip;
    out_ip(&r, 0, &ip);
    assert_int_equal(ip.proto, IP_PROTO_ICMP);
    assert_int_equal(ip.src, ME);
    assert_int_equal(ip.dst, PEER);
    icmp_msg m;
    assert_int_equal(icmp_parse(ip.payload, ip.payload_len, &m), WIRE_OK);
    assert_int_equal(m.type, ICMP_DEST_UNREACH);
    assert_int_equal(m.code, 1);
    assert_int_equal(m.payload_len, 28);
    assert_int_equal(m.payload[0], 0x45);
    assert_int_equal(m.payload[9], IP_PROTO_TCP);
    const uint8_t *a = m.payload + 12, *t = m.payload + 20;
    assert_int_equal((uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3],
                     PEER);
    assert_int_equal((uint32_t)a[4] << 24 | (uint32_t)a[5] << 16 | (uint32_t)a[6] << 8 | a[7], FAR);
    assert_int_equal(t[0] << 8 | t[1], PEER_PORT);
    assert_int_equal(t[2] << 8 | t[3], FAR_PORT);
    assert_int_equal((uint32_t)t[4] << 24 | (uint32_t)t[5] << 16 | (uint32_t)t[6] << 8 | t[7],
                     PEER_ISS);
    assert_int_equal(synack_counter_get(r.st, SYNACK_CTR_OutDestUnreachs), 1);
    assert_int_equal(held_n(&r, ls), 0);
    rig_free(&r);
}

/* DROP forgets the request silently: the next SYN retransmission is a new request. */
static void test_hold_drop(void **state)
{
    (void)state;
    rig r;
    rig_init(&r);
    int ls = listener(&r, 1, 1, HOLD_MS, 8);
    assert_int_equal(rig_send(&r, FAR, FAR_PORT, PEER_ISS, 0, TCP_SYN), 0);
    assert_int_equal(synack_held_verdict(r.st, ls, &far_ep, SYNACK_VERDICT_DROP, 0), 0);
    rig_run_until(&r, 10000000);
    assert_int_equal(r.nout, 0);
    assert_int_equal(held_n(&r, ls), 0);
    assert_int_equal(rig_send(&r, FAR, FAR_PORT, PEER_ISS, 0, TCP_SYN), 0);
    assert_int_equal(synack_held_list(r.st, ls, NULL, 0), 0); /* max 0 lists nothing */
    synack_held_syn h;
    assert_int_equal(synack_held_list(r.st, ls, &h, 1), 1);
    assert_int_equal(h.since_us, 10000000);
    assert_int_equal(r.nout, 0);
    assert_int_equal(synack_counter_get(r.st, SYNACK_CTR_TCPSynHeld), 2);
    assert_int_equal(synack_counter_get(r.st, SYNACK_CTR_TCPSynHeldRejected), 1);
    rig_free(&r);
}

/* A request never answered expires after the hold, silently; so does one the peer resets. */
static void test_hold_expires_and_peer_reset(void **state)
{
    (void)state;
    rig r;
    rig_init(&r);
    int ls = listener(&r, 1, 1, HOLD_MS, 8);
    assert_int_equal(rig_send(&r, FAR, FAR_PORT, PEER_ISS, 0, TCP_SYN), 0);
    rig_run_until(&r, (uint64_t)HOLD_MS * 1000 - 1);
    synack_held_syn h;
    assert_int_equal(synack_held_list(r.st, ls, &h, 1), 1);
    rig_run_until(&r, (uint64_t)HOLD_MS * 1000);
    assert_int_equal(synack_held_list(r.st, ls, &h, 1), 0);
    assert_int_equal(r.nout, 0);
    assert_int_equal(synack_counter_get(r.st, SYNACK_CTR_TCPSynHeldExpired), 1);
    assert_int_equal(poll_bits(&r, ls), 0);
    assert_int_equal(synack_next_deadline(r.st), UINT64_MAX);

    assert_int_equal(rig_send(&r, FAR, FAR_PORT, PEER_ISS, 0, TCP_SYN), 0);
    assert_int_equal(synack_held_list(r.st, ls, &h, 1), 1);
    /* a RST not at RCV.NXT is not the peer's: ignored */
    assert_int_equal(rig_send(&r, FAR, FAR_PORT, PEER_ISS + 5, 0, TCP_RST), 0);
    assert_int_equal(synack_held_list(r.st, ls, &h, 1), 1);
    assert_int_equal(rig_send(&r, FAR, FAR_PORT, PEER_ISS + 1, 0, TCP_RST), 0);
    assert_int_equal(synack_held_list(r.st, ls, &h, 1), 0);
    assert_int_equal(r.nout, 0);
    rig_free(&r);
}

/* The SYN queue bounds what is held (backlog 1 gives 8 entries); past it SYNs are dropped
 * and counted, never answered with a cookie (that would pre-empt the verdict). */
static void test_hold_bounded_by_syn_queue(void **state)
{
    (void)state;
    rig r;
    rig_init(&r);
    int ls = listener(&r, 1, 1, HOLD_MS, 1);
    uint8_t f[SEG_FRAME_MAX];
    for (uint16_t i = 0; i < 10; i++) {
        size_t n = seg_build(f, sizeof(f), PEER, FAR, (uint16_t)(PEER_PORT + i), FAR_PORT, PEER_ISS,
                             0, TCP_SYN, 65535, NULL, 0, NULL);
        assert_int_equal(synack_input(r.st, r.now, f, n), 0);
    }
    assert_int_equal(r.nout, 0);
    synack_held_syn h[16];
    assert_int_equal(synack_held_list(r.st, ls, h, 16), 8);
    assert_int_equal(h[0].ep.rport, PEER_PORT);
    assert_int_equal(h[7].ep.rport, PEER_PORT + 7);
    assert_int_equal(synack_held_list(r.st, ls, h, 3), 3);
    assert_int_equal(synack_counter_get(r.st, SYNACK_CTR_TCPSynHeld), 8);
    assert_int_equal(synack_counter_get(r.st, SYNACK_CTR_ListenDrops), 2);
    assert_int_equal(synack_counter_get(r.st, SYNACK_CTR_SyncookiesSent), 0);
    /* closing the listener frees what it held, silently */
    assert_int_equal(synack_close(r.st, ls), 0);
    assert_int_equal(r.nout, 0);
    rig_free(&r);
}

static void test_hold_misuse(void **state)
{
    (void)state;
    rig r;
    rig_init(&r);
    int ls = listener(&r, 1, 1, 0, 8);
    int v = 0;
    synack_socklen_t len = sizeof(v);
    assert_int_equal(synack_getsockopt(r.st, ls, IPPROTO_TCP, SYNACK_TCP_CATCH_ALL, &v, &len), 0);
    assert_int_equal(v, 1);
    assert_int_equal(set_int(&r, ls, SYNACK_TCP_HOLD_SYN, -1), -EINVAL);
    assert_int_equal(set_int(&r, ls, SYNACK_TCP_HOLD_SYN, SYNACK_HOLD_SYN_MAX_MS + 1), -EINVAL);
    assert_int_equal(set_int(&r, ls, SYNACK_TCP_HOLD_SYN, SYNACK_HOLD_SYN_MAX_MS), 0);
    assert_int_equal(synack_getsockopt(r.st, ls, IPPROTO_TCP, SYNACK_TCP_HOLD_SYN, &v, &len), 0);
    assert_int_equal(v, SYNACK_HOLD_SYN_MAX_MS);
    assert_int_equal(set_int(&r, ls, SYNACK_TCP_CATCH_ALL, 2), -EINVAL);
    char one = 1;
    assert_int_equal(
        synack_setsockopt(r.st, ls, IPPROTO_TCP, SYNACK_TCP_CATCH_ALL, &one, sizeof(one)), -EINVAL);
    /* one catch-all per stack: set on a listening socket, or brought by listen() */
    int b = listener(&r, 2, 0, 0, 8);
    assert_int_equal(set_int(&r, b, SYNACK_TCP_CATCH_ALL, 1), -EADDRINUSE);
    int c = synack_socket(r.st, SYNACK_SOCK_STREAM);
    assert_int_equal(set_int(&r, c, SYNACK_TCP_CATCH_ALL, 1), 0);
    assert_int_equal(synack_listen(r.st, c, 8), -EADDRINUSE);
    /* the first one closed, the place is free */
    assert_int_equal(synack_close(r.st, ls), 0);
    assert_int_equal(set_int(&r, b, SYNACK_TCP_CATCH_ALL, 1), 0);
    assert_int_equal(set_int(&r, b, SYNACK_TCP_CATCH_ALL, 0), 0);
    assert_int_equal(synack_listen(r.st, c, 8), 0);
    /* a connected socket has no use for listener options */
    int d = synack_socket(r.st, SYNACK_SOCK_STREAM);
    struct synack_sockaddr_in a = {
        .sin_family = SYNACK_AF_INET, .sin_port = htons(80), .sin_addr = {htonl(PEER)}};
    assert_int_equal(synack_connect(r.st, d, (struct sockaddr *)&a, sizeof(a)), -EINPROGRESS);
    assert_int_equal(set_int(&r, d, SYNACK_TCP_HOLD_SYN, 100), -EINVAL);
    assert_int_equal(set_int(&r, d, SYNACK_TCP_CATCH_ALL, 1), -EINVAL);
    /* the calls */
    synack_held_syn h;
    assert_int_equal(synack_held_list(NULL, c, &h, 1), -EINVAL);
    assert_int_equal(synack_held_list(r.st, 999, &h, 1), -EBADF);
    assert_int_equal(synack_held_list(r.st, d, &h, 1), -EINVAL);
    assert_int_equal(synack_held_list(r.st, c, &h, -1), -EINVAL);
    assert_int_equal(synack_held_list(r.st, c, NULL, 1), -EINVAL);
    assert_int_equal(synack_held_verdict(NULL, c, &far_ep, 0, 0), -EINVAL);
    assert_int_equal(synack_held_verdict(r.st, 999, &far_ep, 0, 0), -EBADF);
    assert_int_equal(synack_held_verdict(r.st, d, &far_ep, 0, 0), -EINVAL);
    assert_int_equal(synack_held_verdict(r.st, c, NULL, 0, 0), -EINVAL);
    assert_int_equal(synack_held_verdict(r.st, c, &far_ep, 4, 0), -EINVAL);
    assert_int_equal(synack_held_verdict(r.st, c, &far_ep, -1, 0), -EINVAL);
    assert_int_equal(synack_held_verdict(r.st, c, &far_ep, SYNACK_VERDICT_UNREACH, 16), -EINVAL);
    assert_int_equal(synack_held_verdict(r.st, c, &far_ep, SYNACK_VERDICT_UNREACH, -1), -EINVAL);
    assert_int_equal(synack_held_verdict(r.st, c, &far_ep, SYNACK_VERDICT_ACCEPT, 0), -ENOENT);
    rig_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_foreign_syn_without_catch_all),
        cmocka_unit_test(test_catch_all_accepts_any_destination),
        cmocka_unit_test(test_hold_then_accept),
        cmocka_unit_test(test_hold_refuse),
        cmocka_unit_test(test_hold_unreachable),
        cmocka_unit_test(test_hold_drop),
        cmocka_unit_test(test_hold_expires_and_peer_reset),
        cmocka_unit_test(test_hold_bounded_by_syn_queue),
        cmocka_unit_test(test_hold_misuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
