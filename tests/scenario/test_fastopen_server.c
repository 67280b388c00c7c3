/* SPDX-License-Identifier: MIT */
/* TCP Fast Open, the server side (RFC 7413 4.2.2, 5.1): a cookie request is answered with
 * a cookie; a SYN with that cookie and data makes a child that is acceptable and readable
 * before the handshake completes, its SYN-ACK acknowledging the data; a bad cookie's data
 * is not acknowledged; and the listener's Fast Open queue bounds what a flood can make us
 * hold, with the ordinary handshake past it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/fixture.h"
#include "support/seghost.h"
#include "wire/tcp_wire.h"

#define LPORT 80
#define PPORT 40000
#define PEER_ISS 5000u
#define SEC 1000000ull

static const char DATA[] = "GET / HTTP/1.0\r\n\r\n"; /* 18 bytes */
#define DLEN (sizeof(DATA) - 1)

static synack_config tfo_config(void)
{
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.fastopen_server = SYNACK_TFO_SERVER_ENABLE;
    cfg.syncookies = 0; /* SYN-queue pressure drops instead: these tests watch the TFO queue */
    return cfg;
}

static int tfo_listen(seghost *h, int backlog, int qlen)
{
    int ls = sh_listen(h, LPORT, backlog);
    assert_true(ls >= 0);
    assert_int_equal(
        synack_setsockopt(h->st, ls, SYNACK_IPPROTO_TCP, SYNACK_TCP_FASTOPEN, &qlen, sizeof(qlen)),
        0);
    return ls;
}

static uint64_t ctr(const seghost *h, synack_counter c)
{
    return synack_counter_get(h->st, c);
}

/* A SYN with a Fast Open option (cookie NULL: a cookie request); returns the one segment
 * it was answered with (a copy: h->out moves as it grows). */
static sh_seg fo_syn(seghost *h, uint16_t pport, uint32_t iss, const uint8_t *cookie, int exp,
                     const void *data, size_t len)
{
    tcp_opts o = {0};
    o.has_mss = 1;
    o.mss = 1460;
    o.has_fo = 1;
    o.fo_exp = (uint8_t)exp;
    if (cookie) {
        o.fo_len = 8;
        memcpy(o.fo_cookie, cookie, 8);
    }
    size_t mark = h->nout;
    sh_send(h, pport, LPORT, iss, 0, TCP_SYN, 65535, data, len, &o);
    assert_int_equal(h->nout, mark + 1);
    return h->out[mark];
}

/* Asks for a cookie (from a port of its own, a connection the test leaves half-open) and returns
 * it; the SYN-ACK must carry it in the form asked. */
static void get_cookie(seghost *h, int exp, uint8_t cookie[8])
{
    static uint16_t port = 30000; /* a new connection each time */
    uint64_t reqd = ctr(h, SYNACK_CTR_TCPFastOpenCookieReqd);
    sh_seg sa = fo_syn(h, port++, 100, NULL, exp, NULL, 0);
    assert_int_equal(sa.s.flags, TCP_SYN | TCP_ACK);
    assert_int_equal(sa.s.ack, 101u);
    assert_int_equal(sa.s.opts.has_fo, 1);
    assert_int_equal(sa.s.opts.fo_exp, exp);
    assert_int_equal(sa.s.opts.fo_len, 8);
    memcpy(cookie, sa.s.opts.fo_cookie, 8);
    assert_int_equal(ctr(h, SYNACK_CTR_TCPFastOpenCookieReqd), reqd + 1);
}

static void test_cookie_request_gets_cookie_in_both_forms(void **state)
{
    (void)state;
    synack_config cfg = tfo_config();
    seghost h;
    sh_init(&h, &cfg);
    tfo_listen(&h, 8, 4);
    uint8_t c34[8], cexp[8];
    get_cookie(&h, 0, c34);
    /* the same client gets the same cookie, in the experimental form when it asked so */
    sh_seg sa = fo_syn(&h, PPORT + 5, 200, NULL, 1, NULL, 0);
    assert_int_equal(sa.s.opts.fo_exp, 1);
    assert_int_equal(sa.s.opts.fo_len, 8);
    memcpy(cexp, sa.s.opts.fo_cookie, 8);
    assert_memory_equal(c34, cexp, 8);
    /* a request makes no Fast Open child: the accept queue stays empty */
    assert_int_equal(synack_accept(h.st, 0, NULL, NULL), -EAGAIN);
    assert_int_equal(ctr(&h, SYNACK_CTR_TCPFastOpenPassive), 0);
    sh_free(&h);
}

static void test_valid_cookie_data_readable_before_third_segment(void **state)
{
    (void)state;
    synack_config cfg = tfo_config();
    seghost h;
    sh_init(&h, &cfg);
    int ls = tfo_listen(&h, 8, 4);
    uint8_t cookie[8];
    get_cookie(&h, 0, cookie);

    sh_seg sa = fo_syn(&h, PPORT, PEER_ISS, cookie, 0, DATA, DLEN);
    /* the SYN-ACK acknowledges ISN + 1 + len, and a valid cookie is not sent again */
    assert_int_equal(sa.s.flags, TCP_SYN | TCP_ACK);
    assert_int_equal(sa.s.ack, PEER_ISS + 1 + DLEN);
    assert_int_equal(sa.s.opts.has_fo, 0);
    uint32_t siss = sa.s.seq;
    assert_int_equal(ctr(&h, SYNACK_CTR_TCPFastOpenPassive), 1);
    assert_int_equal(ctr(&h, SYNACK_CTR_PassiveOpens), 1);

    /* acceptable and readable now, still in SYN-RECEIVED */
    int s = synack_accept(h.st, ls, NULL, NULL);
    assert_true(s >= 0);
    synack_tcp_info info = fx_tcp_info(h.st, s);
    assert_int_equal(info.state, SYNACK_SYN_RECEIVED);
    assert_int_equal(info.options & 0x20, 0x20);
    char buf[64];
    size_t mark = h.nout;
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), (ssize_t)DLEN);
    assert_memory_equal(buf, DATA, DLEN);
    assert_int_equal(h.nout, mark); /* no window update to a peer still in SYN-SENT */

    /* and it may answer before the handshake completes */
    mark = h.nout;
    assert_int_equal(synack_send(h.st, s, "HTTP/1.0 200", 12, 0), 12);
    assert_int_equal(h.nout, mark + 1);
    assert_int_equal(h.out[mark].s.flags, TCP_ACK | TCP_PSH);
    assert_int_equal(h.out[mark].s.seq, siss + 1);
    assert_int_equal(h.out[mark].s.ack, PEER_ISS + 1 + DLEN);
    assert_int_equal(h.out[mark].s.payload_len, 12);

    /* the third segment acknowledges the SYN and the response at once */
    h.now += 10000;
    sh_send(&h, PPORT, LPORT, PEER_ISS + 1 + DLEN, siss + 13, TCP_ACK, 65535, NULL, 0, NULL);
    info = fx_tcp_info(h.st, s);
    assert_int_equal(info.state, SYNACK_ESTABLISHED);
    assert_int_equal(info.unacked, 0);
    assert_int_equal(info.bytes_acked, 12);
    assert_int_equal(info.bytes_received, DLEN);
    sh_free(&h);
}

static void test_syn_ack_only_acks_syn_then_data_resent(void **state)
{
    (void)state;
    synack_config cfg = tfo_config();
    seghost h;
    sh_init(&h, &cfg);
    int ls = tfo_listen(&h, 8, 4);
    uint8_t cookie[8];
    get_cookie(&h, 0, cookie);
    sh_seg sa = fo_syn(&h, PPORT, PEER_ISS, cookie, 0, NULL, 0);
    /* a valid cookie without data still makes the child (as Linux), with nothing read */
    assert_int_equal(sa.s.ack, PEER_ISS + 1);
    uint32_t siss = sa.s.seq;
    int s = synack_accept(h.st, ls, NULL, NULL);
    assert_true(s >= 0);
    assert_int_equal(fx_tcp_info(h.st, s).options & 0x20, 0);
    assert_int_equal(synack_send(h.st, s, "abc", 3, 0), 3);
    /* the peer's ACK covers the SYN-ACK only: the data stays outstanding and is resent */
    h.now += 10000;
    sh_send(&h, PPORT, LPORT, PEER_ISS + 1, siss + 1, TCP_ACK, 65535, NULL, 0, NULL);
    synack_tcp_info info = fx_tcp_info(h.st, s);
    assert_int_equal(info.state, SYNACK_ESTABLISHED);
    assert_int_equal(info.unacked, 3);
    size_t mark = h.nout;
    sh_run_for(&h, 1 * SEC);
    while (mark < h.nout && h.out[mark].s.dport != PPORT)
        mark++; /* past the cookie request's SYN-ACK retransmission */
    assert_true(mark < h.nout);
    assert_int_equal(h.out[mark].t, 10000 + 1 * SEC);
    assert_int_equal(h.out[mark].s.flags, TCP_ACK | TCP_PSH);
    assert_int_equal(h.out[mark].s.seq, siss + 1);
    assert_int_equal(h.out[mark].s.payload_len, 3);
    sh_free(&h);
}

static void test_invalid_cookie_data_dropped_fresh_cookie(void **state)
{
    (void)state;
    synack_config cfg = tfo_config();
    seghost h;
    sh_init(&h, &cfg);
    int ls = tfo_listen(&h, 8, 4);
    uint8_t good[8], bad[8];
    get_cookie(&h, 1, good);
    memcpy(bad, good, 8);
    bad[3] ^= 0x40;
    sh_seg sa = fo_syn(&h, PPORT, PEER_ISS, bad, 1, DATA, DLEN);
    /* RFC 7413 4.2.2: the data is not acknowledged, and a valid cookie comes back */
    assert_int_equal(sa.s.flags, TCP_SYN | TCP_ACK);
    assert_int_equal(sa.s.ack, PEER_ISS + 1);
    assert_int_equal(sa.s.opts.has_fo, 1);
    assert_int_equal(sa.s.opts.fo_exp, 1);
    assert_int_equal(sa.s.opts.fo_len, 8);
    assert_memory_equal(sa.s.opts.fo_cookie, good, 8);
    assert_int_equal(ctr(&h, SYNACK_CTR_TCPFastOpenPassiveFail), 1);
    assert_int_equal(ctr(&h, SYNACK_CTR_TCPFastOpenPassive), 0);
    /* the ordinary handshake: nothing to accept until the third segment */
    assert_int_equal(synack_accept(h.st, ls, NULL, NULL), -EAGAIN);
    sh_send(&h, PPORT, LPORT, PEER_ISS + 1, sa.s.seq + 1, TCP_ACK, 65535, DATA, DLEN, NULL);
    int s = synack_accept(h.st, ls, NULL, NULL);
    assert_true(s >= 0);
    assert_int_equal(fx_tcp_info(h.st, s).options & 0x20, 0);
    char buf[64];
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), (ssize_t)DLEN);
    sh_free(&h);
}

static void test_queue_overflow_falls_back_and_slot_frees(void **state)
{
    (void)state;
    synack_config cfg = tfo_config();
    seghost h;
    sh_init(&h, &cfg);
    int ls = tfo_listen(&h, 8, 1);
    uint8_t cookie[8];
    get_cookie(&h, 0, cookie);
    sh_seg a = fo_syn(&h, PPORT, PEER_ISS, cookie, 0, DATA, DLEN);
    assert_int_equal(a.s.ack, PEER_ISS + 1 + DLEN);
    uint32_t a_iss = a.s.seq;
    /* the queue (1) is full: the next one gets the ordinary handshake, no cookie */
    sh_seg b = fo_syn(&h, PPORT + 1, PEER_ISS, cookie, 0, DATA, DLEN);
    assert_int_equal(b.s.ack, PEER_ISS + 1);
    assert_int_equal(b.s.opts.has_fo, 0);
    assert_int_equal(ctr(&h, SYNACK_CTR_TCPFastOpenListenOverflow), 1);
    assert_int_equal(ctr(&h, SYNACK_CTR_TCPFastOpenPassive), 1);
    /* the first child's handshake completes (before accept): its slot is free again */
    sh_send(&h, PPORT, LPORT, PEER_ISS + 1 + DLEN, a_iss + 1, TCP_ACK, 65535, NULL, 0, NULL);
    sh_seg c = fo_syn(&h, PPORT + 2, PEER_ISS, cookie, 0, DATA, DLEN);
    assert_int_equal(c.s.ack, PEER_ISS + 1 + DLEN);
    assert_int_equal(ctr(&h, SYNACK_CTR_TCPFastOpenPassive), 2);
    /* both Fast Open children are in the accept queue, oldest first */
    int s1 = synack_accept(h.st, ls, NULL, NULL);
    int s2 = synack_accept(h.st, ls, NULL, NULL);
    assert_true(s1 >= 0 && s2 >= 0);
    assert_int_equal(fx_tcp_info(h.st, s1).state, SYNACK_ESTABLISHED);
    assert_int_equal(fx_tcp_info(h.st, s2).state, SYNACK_SYN_RECEIVED);
    assert_int_equal(synack_accept(h.st, ls, NULL, NULL), -EAGAIN);
    sh_free(&h);
}

static void test_rst_and_timeout_free_the_slot(void **state)
{
    (void)state;
    synack_config cfg = tfo_config();
    cfg.synack_retries = 1;
    seghost h;
    sh_init(&h, &cfg);
    int ls = tfo_listen(&h, 8, 1);
    uint8_t cookie[8];
    get_cookie(&h, 0, cookie);
    /* a child reset before accept goes away with its slot */
    sh_seg a = fo_syn(&h, PPORT, PEER_ISS, cookie, 0, DATA, DLEN);
    assert_int_equal(a.s.ack, PEER_ISS + 1 + DLEN);
    sh_send(&h, PPORT, LPORT, PEER_ISS + 1 + DLEN, 0, TCP_RST, 0, NULL, 0, NULL);
    assert_int_equal(synack_accept(h.st, ls, NULL, NULL), -EAGAIN);
    /* an accepted child that is reset reports it */
    sh_seg b = fo_syn(&h, PPORT + 1, PEER_ISS, cookie, 0, DATA, DLEN);
    assert_int_equal(b.s.ack, PEER_ISS + 1 + DLEN);
    int s = synack_accept(h.st, ls, NULL, NULL);
    assert_true(s >= 0);
    sh_send(&h, PPORT + 1, LPORT, PEER_ISS + 1 + DLEN, 0, TCP_RST, 0, NULL, 0, NULL);
    char buf[64];
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), -ECONNRESET);
    /* a child whose handshake never completes times out (1 s + 2 s) and frees its slot */
    sh_seg c = fo_syn(&h, PPORT + 2, PEER_ISS, cookie, 0, DATA, DLEN);
    assert_int_equal(c.s.ack, PEER_ISS + 1 + DLEN);
    sh_seg d = fo_syn(&h, PPORT + 3, PEER_ISS, cookie, 0, DATA, DLEN);
    assert_int_equal(d.s.ack, PEER_ISS + 1); /* the queue is full meanwhile */
    sh_run_for(&h, 3 * SEC + 1);
    sh_seg e = fo_syn(&h, PPORT + 4, PEER_ISS, cookie, 0, DATA, DLEN);
    assert_int_equal(e.s.ack, PEER_ISS + 1 + DLEN);
    assert_int_equal(ctr(&h, SYNACK_CTR_TCPFastOpenPassive), 4);
    assert_int_equal(ctr(&h, SYNACK_CTR_TCPFastOpenListenOverflow), 1);
    sh_free(&h);
}

static void test_syn_flood_with_valid_cookie_is_bounded(void **state)
{
    (void)state;
    synack_config cfg = tfo_config();
    seghost h;
    sh_init(&h, &cfg);
    int ls = tfo_listen(&h, 128, 4);
    uint8_t cookie[8];
    get_cookie(&h, 0, cookie);
    /* a replayed cookie (RFC 7413 5.1): 100 SYNs with data from the cookie's address */
    size_t acked_data = 0;
    for (uint16_t i = 0; i < 100; i++) {
        sh_seg sa = fo_syn(&h, (uint16_t)(PPORT + i), PEER_ISS, cookie, 0, DATA, DLEN);
        if (sa.s.ack == PEER_ISS + 1 + DLEN)
            acked_data++;
        else
            assert_int_equal(sa.s.ack, PEER_ISS + 1);
    }
    assert_int_equal(acked_data, 4);
    assert_int_equal(ctr(&h, SYNACK_CTR_TCPFastOpenPassive), 4);
    assert_int_equal(ctr(&h, SYNACK_CTR_TCPFastOpenListenOverflow), 96);
    /* only the four children are acceptable: the rest wait for their third segment */
    for (int i = 0; i < 4; i++)
        assert_true(synack_accept(h.st, ls, NULL, NULL) >= 0);
    assert_int_equal(synack_accept(h.st, ls, NULL, NULL), -EAGAIN);
    sh_free(&h);
}

static void test_disabled_by_default_and_without_sockopt(void **state)
{
    (void)state;
    synack_config cfg;
    synack_config_default(&cfg);
    assert_int_equal(cfg.fastopen_server, 0);
    seghost h;
    sh_init(&h, &cfg);
    tfo_listen(&h, 8, 4);
    /* the server side is off: no cookie, and data in a SYN is not acknowledged */
    sh_seg sa = fo_syn(&h, PPORT, PEER_ISS, NULL, 0, DATA, DLEN);
    assert_int_equal(sa.s.ack, PEER_ISS + 1);
    assert_int_equal(sa.s.opts.has_fo, 0);
    sh_free(&h);

    /* enabled, but the listener has no TCP_FASTOPEN */
    cfg = tfo_config();
    sh_init(&h, &cfg);
    assert_true(sh_listen(&h, LPORT, 8) >= 0);
    sa = fo_syn(&h, PPORT, PEER_ISS, NULL, 0, NULL, 0);
    assert_int_equal(sa.s.opts.has_fo, 0);
    sh_free(&h);

    /* ... unless WO_SOCKOPT gives every listener a queue of its backlog */
    cfg.fastopen_server |= SYNACK_TFO_SERVER_WO_SOCKOPT;
    sh_init(&h, &cfg);
    int ls = sh_listen(&h, LPORT, 2);
    assert_true(ls >= 0);
    sa = fo_syn(&h, PPORT, PEER_ISS, NULL, 0, NULL, 0);
    assert_int_equal(sa.s.opts.has_fo, 1);
    uint8_t cookie[8];
    memcpy(cookie, sa.s.opts.fo_cookie, 8);
    assert_int_equal(fo_syn(&h, PPORT + 1, PEER_ISS, cookie, 0, DATA, DLEN).s.ack,
                     PEER_ISS + 1 + DLEN);
    sh_free(&h);
}

static void test_no_cookie_mode(void **state)
{
    (void)state;
    synack_config cfg = tfo_config();
    seghost h;
    sh_init(&h, &cfg);
    int ls = tfo_listen(&h, 8, 4);
    int one = 1;
    assert_int_equal(synack_setsockopt(h.st, ls, SYNACK_IPPROTO_TCP, SYNACK_TCP_FASTOPEN_NO_COOKIE,
                                       &one, sizeof(one)),
                     0);
    size_t mark = h.nout;
    sh_send(&h, PPORT, LPORT, PEER_ISS, 0, TCP_SYN, 65535, DATA, DLEN, NULL);
    assert_int_equal(h.nout, mark + 1);
    assert_int_equal(h.out[mark].s.ack, PEER_ISS + 1 + DLEN);
    assert_int_equal(h.out[mark].s.opts.has_fo, 0);
    int s = synack_accept(h.st, ls, NULL, NULL);
    assert_true(s >= 0);
    char buf[64];
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), (ssize_t)DLEN);
    sh_free(&h);

    /* the config's COOKIE_NOT_REQD does it for every Fast Open listener */
    cfg.fastopen_server |= SYNACK_TFO_SERVER_COOKIE_NOT_REQD;
    sh_init(&h, &cfg);
    tfo_listen(&h, 8, 4);
    mark = h.nout;
    sh_send(&h, PPORT, LPORT, PEER_ISS, 0, TCP_SYN, 65535, DATA, DLEN, NULL);
    assert_int_equal(h.out[mark].s.ack, PEER_ISS + 1 + DLEN);
    sh_free(&h);
}

static void test_key_rotation_accepts_previous(void **state)
{
    (void)state;
    synack_config cfg = tfo_config();
    seghost h;
    sh_init(&h, &cfg);
    tfo_listen(&h, 8, 8);
    uint8_t old[8];
    get_cookie(&h, 0, old);
    assert_int_equal(synack_rotate_secrets(h.st), 0);
    /* the previous key's cookie still opens, and the SYN-ACK brings the current one */
    sh_seg sa = fo_syn(&h, PPORT, PEER_ISS, old, 0, DATA, DLEN);
    assert_int_equal(sa.s.ack, PEER_ISS + 1 + DLEN);
    assert_int_equal(sa.s.opts.has_fo, 1);
    assert_memory_not_equal(sa.s.opts.fo_cookie, old, 8);
    assert_int_equal(ctr(&h, SYNACK_CTR_TCPFastOpenPassiveAltKey), 1);
    /* two rotations later it is refused */
    assert_int_equal(synack_rotate_secrets(h.st), 0);
    sa = fo_syn(&h, PPORT + 1, PEER_ISS, old, 0, DATA, DLEN);
    assert_int_equal(sa.s.ack, PEER_ISS + 1);
    assert_int_equal(ctr(&h, SYNACK_CTR_TCPFastOpenPassiveFail), 1);

    /* a key set by the application: every stack given it issues the same cookie */
    static const uint8_t key[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    assert_int_equal(synack_fastopen_key(h.st, key, 16), 0);
    uint8_t c1[8], c2[8];
    get_cookie(&h, 0, c1);
    seghost h2;
    sh_init(&h2, &cfg);
    tfo_listen(&h2, 8, 8);
    assert_int_equal(
        synack_setsockopt(h2.st, 0, SYNACK_IPPROTO_TCP, SYNACK_TCP_FASTOPEN_KEY, key, sizeof(key)),
        0);
    get_cookie(&h2, 0, c2);
    assert_memory_equal(c1, c2, 8);
    sh_free(&h2);
    sh_free(&h);
}

static void test_sockopt_values_and_errors(void **state)
{
    (void)state;
    synack_config cfg = tfo_config();
    cfg.max_accept_backlog = 64;
    seghost h;
    sh_init(&h, &cfg);
    synack_stack *st = h.st;
    int s = synack_socket(st, SYNACK_SOCK_STREAM);
    int v = -1;
    synack_socklen_t vl = sizeof(v);
    assert_int_equal(synack_setsockopt(st, s, SYNACK_IPPROTO_TCP, SYNACK_TCP_FASTOPEN, &v, 4),
                     -EINVAL);
    v = 5;
    assert_int_equal(synack_setsockopt(st, s, SYNACK_IPPROTO_TCP, SYNACK_TCP_FASTOPEN, &v, 2),
                     -EINVAL);
    assert_int_equal(synack_setsockopt(st, s, SYNACK_IPPROTO_TCP, SYNACK_TCP_FASTOPEN, &v, 4), 0);
    assert_int_equal(synack_getsockopt(st, s, SYNACK_IPPROTO_TCP, SYNACK_TCP_FASTOPEN, &v, &vl), 0);
    assert_int_equal(v, 5);
    v = 100000; /* bounded as the accept queue is */
    assert_int_equal(synack_setsockopt(st, s, SYNACK_IPPROTO_TCP, SYNACK_TCP_FASTOPEN, &v, 4), 0);
    assert_int_equal(synack_getsockopt(st, s, SYNACK_IPPROTO_TCP, SYNACK_TCP_FASTOPEN, &v, &vl), 0);
    assert_int_equal(v, 64);
    v = 2;
    assert_int_equal(
        synack_setsockopt(st, s, SYNACK_IPPROTO_TCP, SYNACK_TCP_FASTOPEN_NO_COOKIE, &v, 4),
        -EINVAL);
    v = 1;
    assert_int_equal(
        synack_setsockopt(st, s, SYNACK_IPPROTO_TCP, SYNACK_TCP_FASTOPEN_NO_COOKIE, &v, 4), 0);
    v = 0;
    assert_int_equal(
        synack_getsockopt(st, s, SYNACK_IPPROTO_TCP, SYNACK_TCP_FASTOPEN_NO_COOKIE, &v, &vl), 0);
    assert_int_equal(v, 1);
    uint8_t key[32] = {0};
    assert_int_equal(synack_setsockopt(st, s, SYNACK_IPPROTO_TCP, SYNACK_TCP_FASTOPEN_KEY, key, 20),
                     -EINVAL);
    assert_int_equal(synack_setsockopt(st, s, SYNACK_IPPROTO_TCP, SYNACK_TCP_FASTOPEN_KEY, key, 32),
                     0);
    assert_int_equal(synack_fastopen_key(st, NULL, 16), -EINVAL);
    assert_int_equal(synack_fastopen_key(NULL, key, 16), -EINVAL);
    /* a connected socket is no listener-to-be */
    int c = synack_socket(st, SYNACK_SOCK_STREAM);
    struct synack_sockaddr_in to = {.sin_family = SYNACK_AF_INET, .sin_port = 0x5000};
    to.sin_addr.s_addr = 0x010200c0u; /* 192.0.2.1 */
    assert_int_equal(synack_connect(st, c, (const struct sockaddr *)&to, sizeof(to)), -EINPROGRESS);
    v = 1;
    assert_int_equal(synack_setsockopt(st, c, SYNACK_IPPROTO_TCP, SYNACK_TCP_FASTOPEN, &v, 4),
                     -EINVAL);
    sh_free(&h);
}

/* The linux profile's quick ACK of a FIN on a connection that carried no data: the SYN's
 * data does not count (Linux's delayed-ACK timeout is still 0 then). */
static void test_fin_after_syn_data_acked_at_once_linux(void **state)
{
    (void)state;
    synack_config cfg = tfo_config();
    cfg.linux_profile = 1;
    seghost h;
    sh_init(&h, &cfg);
    int ls = tfo_listen(&h, 8, 4);
    uint8_t cookie[8];
    get_cookie(&h, 0, cookie);
    sh_seg sa = fo_syn(&h, PPORT, PEER_ISS, cookie, 0, DATA, DLEN);
    h.now += 100000;
    size_t mark = h.nout;
    sh_send(&h, PPORT, LPORT, PEER_ISS + 1 + DLEN, sa.s.seq + 1, TCP_FIN | TCP_ACK, 65535, NULL, 0,
            NULL);
    assert_int_equal(h.nout, mark + 1);
    assert_int_equal(h.out[mark].t, h.now);
    assert_int_equal(h.out[mark].s.flags, TCP_ACK);
    assert_int_equal(h.out[mark].s.ack, PEER_ISS + 1 + DLEN + 1);
    int s = synack_accept(h.st, ls, NULL, NULL);
    assert_int_equal(fx_tcp_info(h.st, s).state, SYNACK_CLOSE_WAIT);
    sh_free(&h);
}

static void test_config_refuses_unknown_bits(void **state)
{
    (void)state;
    synack_config cfg = tfo_config();
    synack_config_deterministic(&cfg, 1);
    cfg.netif.addr = SH_ADDR;
    cfg.netif.output = (synack_output_fn)1; /* never called: the config is only checked */
    const char *f = NULL;
    assert_int_equal(synack_config_check(&cfg, &f), 0);
    cfg.fastopen_server = 0x1; /* the client bit is not the server's */
    assert_int_equal(synack_config_check(&cfg, &f), -EINVAL);
    assert_string_equal(f, "fastopen_server");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cookie_request_gets_cookie_in_both_forms),
        cmocka_unit_test(test_valid_cookie_data_readable_before_third_segment),
        cmocka_unit_test(test_syn_ack_only_acks_syn_then_data_resent),
        cmocka_unit_test(test_invalid_cookie_data_dropped_fresh_cookie),
        cmocka_unit_test(test_queue_overflow_falls_back_and_slot_frees),
        cmocka_unit_test(test_rst_and_timeout_free_the_slot),
        cmocka_unit_test(test_syn_flood_with_valid_cookie_is_bounded),
        cmocka_unit_test(test_disabled_by_default_and_without_sockopt),
        cmocka_unit_test(test_no_cookie_mode),
        cmocka_unit_test(test_key_rotation_accepts_previous),
        cmocka_unit_test(test_sockopt_values_and_errors),
        cmocka_unit_test(test_fin_after_syn_data_acked_at_once_linux),
        cmocka_unit_test(test_config_refuses_unknown_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
