/* SPDX-License-Identifier: MIT */
/* TCP Fast Open, the client (RFC 7413 4.1, 4.2.1, 4.2.2), against a scripted server: the
 * stack (192.0.2.2) opens to 192.0.2.1:80 with sendto(MSG_FASTOPEN) or
 * SYNACK_TCP_FASTOPEN_CONNECT, and every segment it sends is checked field by field. Without a
 * cookie the SYN asks for one and carries no data; the cookie and MSS of the SYN-ACK are
 * cached; the next SYN carries the cookie and MSS - 40 bytes of data; data the SYN-ACK does
 * not acknowledge is sent again at once; a SYN that times out goes again without option
 * or data; SYN losses turn Fast Open off for the destination; the errnos are Linux's. */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/seghost.h"
#include "wire/tcp_wire.h"

#define SEC 1000000ull
#define PORT 80
#define PEER_ISS 5000u

static const uint8_t COOKIE[8] = {0xab, 0xcd, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc};

static uint8_t data[4000];

static void fill_data(void)
{
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 7 + 3);
}

static synack_config fo_config(uint8_t client_bits)
{
    synack_config c;
    synack_config_default(&c);
    c.timestamps = 0; /* windows and options as in the upstream scripts */
    c.fastopen_client = client_bits;
    return c;
}

static long fo_sendto(seghost *h, int s, const void *buf, size_t len, int flags)
{
    struct sockaddr_in sin = pair_sin(SH_PEER, PORT);
    return synack_sendto(h->st, s, buf, len, flags | SYNACK_MSG_FASTOPEN, (struct sockaddr *)&sin,
                         sizeof(sin));
}

static tcp_opts synack_opts(uint16_t mss, const uint8_t *cookie, uint8_t len, uint8_t exp)
{
    tcp_opts o;
    memset(&o, 0, sizeof(o));
    o.has_mss = 1;
    o.mss = mss;
    if (cookie || len) {
        o.has_fo = 1;
        o.fo_len = len;
        o.fo_exp = exp;
        if (len)
            memcpy(o.fo_cookie, cookie, len);
    }
    return o;
}

/* The server answers the SYN `syn` with a SYN-ACK acknowledging `acked` bytes of its
 * data and carrying `o`. */
static void answer(seghost *h, const sh_seg *syn, uint32_t acked, const tcp_opts *o,
                   const void *payload, size_t plen)
{
    sh_send(h, PORT, syn->s.sport, PEER_ISS, syn->s.seq + 1 + acked, TCP_SYN | TCP_ACK, 65535,
            payload, plen, o);
}

static void assert_syn(const sh_seg *g, int has_fo, uint8_t fo_len, const uint8_t *cookie,
                       uint32_t len)
{
    assert_int_equal(g->s.flags, TCP_SYN);
    assert_int_equal(g->dst, SH_PEER);
    assert_int_equal(g->s.opts.has_mss, 1);
    assert_int_equal(g->s.opts.mss, 1460);
    assert_int_equal(g->s.opts.has_fo, has_fo);
    assert_int_equal(g->s.opts.fo_len, fo_len);
    if (fo_len)
        assert_memory_equal(g->s.opts.fo_cookie, cookie, fo_len);
    assert_int_equal(g->s.payload_len, len);
    if (len)
        assert_memory_equal(g->data, data, len < sizeof(g->data) ? len : sizeof(g->data));
}

static synack_tcp_info info_of(seghost *h, int s)
{
    synack_tcp_info i;
    socklen_t l = sizeof(i);
    assert_int_equal(synack_getsockopt(h->st, s, IPPROTO_TCP, SYNACK_TCP_INFO, &i, &l), 0);
    return i;
}

/* A first connection asks for a cookie and gets COOKIE with the server's MSS `mss`; it is
 * then aborted (no FIN exchange to script). */
static void warm_up(seghost *h, uint16_t mss)
{
    int s = synack_socket(h->st, SOCK_STREAM);
    size_t mark = h->nout;
    assert_int_equal(fo_sendto(h, s, data, 1000, 0), -EINPROGRESS);
    assert_int_equal(h->nout, mark + 1);
    const sh_seg *syn = &h->out[mark];
    assert_syn(syn, 1, 0, NULL, 0);
    tcp_opts o = synack_opts(mss, COOKIE, sizeof(COOKIE), 0);
    answer(h, syn, 0, &o, NULL, 0);
    assert_int_equal(h->nout, mark + 2);
    assert_int_equal(h->out[mark + 1].s.flags, TCP_ACK);
    assert_int_equal(h->out[mark + 1].s.ack, PEER_ISS + 1);
    assert_int_equal(info_of(h, s).state, SYNACK_ESTABLISHED);
    assert_int_equal(info_of(h, s).options & 32, 0); /* no SYN data */
    struct linger lg = {1, 0};
    synack_setsockopt(h->st, s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    synack_close(h->st, s);
}

/* No cookie: the SYN carries an empty option (a request) and no data; the SYN-ACK's cookie
 * and MSS are learnt, and the next SYN carries the cookie and MSS - 40 bytes. */
static void test_request_then_cookie_and_data(void **state)
{
    (void)state;
    seghost h;
    synack_config c = fo_config(1);
    sh_init(&h, &c);
    warm_up(&h, 1200);

    int s = synack_socket(h.st, SOCK_STREAM);
    size_t mark = h.nout;
    assert_int_equal(fo_sendto(&h, s, data, 2000, 0), 1160); /* 1200 - 40 */
    assert_int_equal(h.nout, mark + 1);
    const sh_seg *syn = &h.out[mark];
    assert_syn(syn, 1, sizeof(COOKIE), COOKIE, 1160);
    assert_int_equal(info_of(&h, s).state, SYNACK_SYN_SENT);
    /* another MSG_FASTOPEN while the handshake runs */
    assert_int_equal(fo_sendto(&h, s, data, 10, 0), -EALREADY);

    h.now += 10000;
    tcp_opts o = synack_opts(1460, NULL, 0, 0);
    answer(&h, syn, 1160, &o, NULL, 0);
    assert_int_equal(h.nout, mark + 2);
    const sh_seg *ack = &h.out[mark + 1];
    assert_int_equal(ack->s.flags, TCP_ACK);
    assert_int_equal(ack->s.seq, syn->s.seq + 1161);
    assert_int_equal(ack->s.ack, PEER_ISS + 1);
    assert_int_equal(ack->s.payload_len, 0);
    synack_tcp_info i = info_of(&h, s);
    assert_int_equal(i.state, SYNACK_ESTABLISHED);
    assert_int_equal(i.options & 32, 32); /* TCPI_OPT_SYN_DATA */
    assert_int_equal(i.unacked, 0);
    assert_int_equal(i.bytes_acked, 1160);
    assert_int_equal(i.delivered, 1);  /* one segment, the SYN with its data (Linux) */
    assert_int_equal(i.rtt_us, 10000); /* the SYN with data gives an RTT sample */
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPFastOpenActive), 1);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPFastOpenActiveFail), 0);
    /* MSG_FASTOPEN on a connected socket is an ordinary send */
    assert_int_equal(fo_sendto(&h, s, data + 1160, 100, 0), 100);
    assert_int_equal(h.nout, mark + 3);
    assert_int_equal(h.out[mark + 2].s.seq, syn->s.seq + 1161);
    assert_int_equal(h.out[mark + 2].s.payload_len, 100);
    assert_memory_equal(h.out[mark + 2].data, data + 1160, 100);
    /* reset: the socket's TCP_INFO still says the SYN data was acknowledged (Linux) */
    sh_send(&h, PORT, syn->s.sport, PEER_ISS + 1, 0, TCP_RST, 0, NULL, 0, NULL);
    char b[4];
    assert_int_equal(synack_recv(h.st, s, b, sizeof(b), 0), -ECONNRESET);
    i = info_of(&h, s);
    assert_int_equal(i.state, SYNACK_CLOSED);
    assert_int_equal(i.options & 32, 32);
    assert_int_equal(i.delivered, 1); /* kept; the 100 bytes were never acknowledged */
    sh_free(&h);
}

/* The server acknowledges only the SYN, or part of the data: the rest goes again at once,
 * after the handshake, as a retransmission; the option bit stays off. */
static void only_part_acked(uint32_t acked)
{
    seghost h;
    synack_config c = fo_config(1);
    sh_init(&h, &c);
    warm_up(&h, 1460);
    int s = synack_socket(h.st, SOCK_STREAM);
    size_t mark = h.nout;
    assert_int_equal(fo_sendto(&h, s, data, 700, 0), 700);
    const sh_seg *syn = &h.out[mark];
    assert_syn(syn, 1, sizeof(COOKIE), COOKIE, 700);
    h.now += 20000;
    tcp_opts o = synack_opts(1040, NULL, 0, 0);
    answer(&h, syn, acked, &o, NULL, 0);
    assert_int_equal(h.nout, mark + 2);
    const sh_seg *re = &h.out[mark + 1];
    assert_int_equal(re->s.flags, TCP_ACK | TCP_PSH);
    assert_int_equal(re->s.seq, syn->s.seq + 1 + acked);
    assert_int_equal(re->s.ack, PEER_ISS + 1);
    assert_int_equal(re->s.payload_len, 700 - acked);
    assert_memory_equal(re->data, data + acked, 700 - acked);
    synack_tcp_info i = info_of(&h, s);
    assert_int_equal(i.options & 32, 0);
    assert_int_equal(i.total_retrans, 1);
    assert_int_equal(i.unacked, 700 - acked);
    assert_int_equal(i.bytes_acked, acked);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPFastOpenActiveFail), 1);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPFastOpenActive), 0);
    /* the peer takes it: nothing outstanding */
    sh_send(&h, PORT, syn->s.sport, PEER_ISS + 1, syn->s.seq + 701, TCP_ACK, 65535, NULL, 0, NULL);
    assert_int_equal(info_of(&h, s).unacked, 0);
    /* the SYN-ACK's MSS (1040) is cached for the next SYN's data */
    int s2 = synack_socket(h.st, SOCK_STREAM);
    assert_int_equal(fo_sendto(&h, s2, data, 3000, 0), 1000);
    sh_free(&h);
}

static void test_only_syn_acked(void **state)
{
    (void)state;
    only_part_acked(0);
}

static void test_partly_acked(void **state)
{
    (void)state;
    only_part_acked(300);
}

/* nagle_minshall (linux profile): the resent SYN data is shorter than an MSS, but Linux
 * notes a small segment only as new data leaves, so it does not hold a later write's
 * short tail (fastopen/client/nonblocking-sendto-over-mss.pkt). */
static void test_resent_syn_data_is_no_small_segment(void **state)
{
    (void)state;
    seghost h;
    synack_config c = fo_config(1);
    c.nagle_minshall = 1;
    sh_init(&h, &c);
    fill_data();
    warm_up(&h, 1460);
    int s = synack_socket(h.st, SOCK_STREAM);
    size_t mark = h.nout;
    assert_int_equal(fo_sendto(&h, s, data, 700, 0), 700);
    const sh_seg *syn = &h.out[mark];
    uint32_t base = syn->s.seq + 1;
    h.now += 20000;
    tcp_opts o = synack_opts(1460, NULL, 0, 0);
    answer(&h, syn, 0, &o, NULL, 0);
    assert_int_equal(h.nout, mark + 2); /* the 700 bytes again */
    assert_int_equal(h.out[mark + 1].s.payload_len, 700);
    assert_int_equal(synack_send(h.st, s, data, 2000, 0), 2000);
    assert_int_equal(h.nout, mark + 4);
    assert_int_equal(h.out[mark + 2].s.seq, base + 700);
    assert_int_equal(h.out[mark + 2].s.payload_len, 1460);
    assert_int_equal(h.out[mark + 3].s.seq, base + 2160);
    assert_int_equal(h.out[mark + 3].s.payload_len, 540);
    assert_int_equal(h.out[mark + 3].s.flags, TCP_ACK | TCP_PSH);
    sh_free(&h);
}

/* The SYN with data times out: it goes again without the option or the data (Linux), and
 * the SYN-ACK that acknowledges only the SYN gets the data at once. Two such losses in a
 * row turn Fast Open off for the destination: the next SYN is a plain one. */
static void lost_syn_data(seghost *h, uint64_t *t)
{
    int s = synack_socket(h->st, SOCK_STREAM);
    size_t mark = h->nout;
    assert_int_equal(fo_sendto(h, s, data, 1000, 0), 1000);
    assert_syn(&h->out[mark], 1, sizeof(COOKIE), COOKIE, 1000);
    sh_run_until(h, *t + SEC);
    assert_int_equal(h->nout, mark + 2);
    const sh_seg *syn2 = &h->out[mark + 1];
    assert_int_equal(syn2->t, *t + SEC);
    assert_syn(syn2, 0, 0, NULL, 0);
    assert_int_equal(syn2->s.seq, h->out[mark].s.seq);
    h->now = *t + SEC + 20000;
    tcp_opts o = synack_opts(1460, NULL, 0, 0);
    answer(h, syn2, 0, &o, NULL, 0);
    assert_int_equal(h->nout, mark + 3);
    const sh_seg *re = &h->out[mark + 2];
    assert_int_equal(re->s.flags, TCP_ACK | TCP_PSH);
    assert_int_equal(re->s.seq, syn2->s.seq + 1);
    assert_int_equal(re->s.payload_len, 1000);
    assert_int_equal(info_of(h, s).options & 32, 0);
    assert_int_equal(info_of(h, s).delivered, 1); /* the SYN */
    uint32_t re_end = re->s.seq + 1000;
    sh_send(h, PORT, syn2->s.sport, PEER_ISS + 1, re_end, TCP_ACK, 65535, NULL, 0, NULL);
    assert_int_equal(info_of(h, s).delivered, 2);
    struct linger lg = {1, 0};
    synack_setsockopt(h->st, s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    synack_close(h->st, s);
    *t = h->now + SEC;
    h->now = *t;
    synack_set_time(h->st, *t);
}

static void test_syn_timeout_and_disable(void **state)
{
    (void)state;
    seghost h;
    synack_config c = fo_config(1);
    sh_init(&h, &c);
    warm_up(&h, 1460);
    uint64_t t = h.now;
    lost_syn_data(&h, &t);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPFastOpenActiveFail), 2);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPFastOpenActiveDisabled), 0);
    lost_syn_data(&h, &t); /* one loss still leaves Fast Open on */
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPFastOpenActiveFail), 4);
    /* two in a row: off for 60 s << 2 */
    int s = synack_socket(h.st, SOCK_STREAM);
    size_t mark = h.nout;
    assert_int_equal(fo_sendto(&h, s, data, 1000, 0), -EINPROGRESS);
    assert_int_equal(h.nout, mark + 1);
    assert_syn(&h.out[mark], 0, 0, NULL, 0);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPFastOpenActiveDisabled), 1);
    synack_close(h.st, s);
    /* after the period, the cookie is used again */
    h.now += 240 * SEC;
    synack_set_time(h.st, h.now);
    s = synack_socket(h.st, SOCK_STREAM);
    mark = h.nout;
    assert_int_equal(fo_sendto(&h, s, data, 1000, 0), 1000);
    assert_syn(&h.out[mark], 1, sizeof(COOKIE), COOKIE, 1000);
    sh_free(&h);
}

/* SYNACK_TCP_FASTOPEN_CONNECT: without a cookie connect() sends a cookie request at once; with
 * one it returns 0, sends nothing, reports POLLOUT, and the first send goes in the SYN. */
static void test_fastopen_connect(void **state)
{
    (void)state;
    seghost h;
    synack_config c = fo_config(1);
    sh_init(&h, &c);
    struct sockaddr_in sin = pair_sin(SH_PEER, PORT);
    int one = 1, v = 0;
    socklen_t vl = sizeof(v);

    int s = synack_socket(h.st, SOCK_STREAM);
    assert_int_equal(synack_setsockopt(h.st, s, IPPROTO_TCP, SYNACK_TCP_FASTOPEN_CONNECT, &one, 4),
                     0);
    assert_int_equal(synack_getsockopt(h.st, s, IPPROTO_TCP, SYNACK_TCP_FASTOPEN_CONNECT, &v, &vl),
                     0);
    assert_int_equal(v, 1);
    size_t mark = h.nout;
    assert_int_equal(synack_connect(h.st, s, (struct sockaddr *)&sin, sizeof(sin)), -EINPROGRESS);
    assert_int_equal(h.nout, mark + 1);
    assert_syn(&h.out[mark], 1, 0, NULL, 0);
    tcp_opts o = synack_opts(1460, COOKIE, sizeof(COOKIE), 0);
    answer(&h, &h.out[mark], 0, &o, NULL, 0);
    assert_int_equal(info_of(&h, s).state, SYNACK_ESTABLISHED);
    synack_close(h.st, s);

    s = synack_socket(h.st, SOCK_STREAM);
    assert_int_equal(synack_setsockopt(h.st, s, IPPROTO_TCP, SYNACK_TCP_FASTOPEN_CONNECT, &one, 4),
                     0);
    mark = h.nout;
    assert_int_equal(synack_connect(h.st, s, (struct sockaddr *)&sin, sizeof(sin)), 0);
    assert_int_equal(h.nout, mark); /* nothing sent */
    assert_int_equal(info_of(&h, s).state, SYNACK_SYN_SENT);
    synack_pollfd pf = {.sock = s, .events = POLLIN | POLLOUT};
    assert_int_equal(synack_sock_poll(h.st, &pf, 1), 1);
    assert_int_equal(pf.revents, POLLOUT);
    assert_int_equal(synack_connect(h.st, s, (struct sockaddr *)&sin, sizeof(sin)), -EISCONN);
    assert_int_equal(synack_setsockopt(h.st, s, IPPROTO_TCP, SYNACK_TCP_FASTOPEN_CONNECT, &one, 4),
                     -EINVAL); /* connected */
    assert_int_equal(synack_send(h.st, s, NULL, 5, 0), -EFAULT);
    assert_int_equal(h.nout, mark);
    h.now += SEC / 2; /* the SYN's round trip starts when it leaves, not at connect() */
    synack_set_time(h.st, h.now);
    assert_int_equal(synack_send(h.st, s, data, 500, 0), 500);
    assert_int_equal(h.nout, mark + 1);
    const sh_seg *syn = &h.out[mark];
    assert_syn(syn, 1, sizeof(COOKIE), COOKIE, 500);
    o = synack_opts(1460, NULL, 0, 0);
    h.now += 10000;
    answer(&h, syn, 500, &o, NULL, 0);
    assert_int_equal(h.out[mark + 1].s.flags, TCP_ACK);
    assert_int_equal(h.out[mark + 1].s.seq, syn->s.seq + 501);
    assert_int_equal(info_of(&h, s).options & 32, 32);
    assert_int_equal(info_of(&h, s).rtt_us, 10000);
    sh_free(&h);
}

/* A TCP_FASTOPEN_CONNECT socket before its first send: a segment for its 4-tuple is
 * dropped (no SYN left yet); a zero-copy send starts the handshake with the cookie and no
 * data, so the data it queues follows the handshake. */
static void test_deferred_edges(void **state)
{
    (void)state;
    seghost h;
    synack_config c = fo_config(1);
    sh_init(&h, &c);
    warm_up(&h, 1460);
    struct sockaddr_in sin = pair_sin(SH_PEER, PORT);
    int one = 1;
    int s = synack_socket(h.st, SOCK_STREAM);
    assert_int_equal(synack_setsockopt(h.st, s, IPPROTO_TCP, SYNACK_TCP_FASTOPEN_CONNECT, &one, 4),
                     0);
    assert_int_equal(synack_connect(h.st, s, (struct sockaddr *)&sin, sizeof(sin)), 0);
    struct sockaddr_in me;
    socklen_t ml = sizeof(me);
    assert_int_equal(synack_getsockname(h.st, s, (struct sockaddr *)&me, &ml), 0);
    uint16_t lport = (uint16_t)((me.sin_port >> 8) | (me.sin_port << 8));
    size_t mark = h.nout;
    sh_send(&h, PORT, lport, PEER_ISS, 0, TCP_SYN, 65535, NULL, 0, NULL);
    sh_send(&h, PORT, lport, PEER_ISS, 12345, TCP_ACK, 65535, NULL, 0, NULL);
    assert_int_equal(h.nout, mark); /* nothing answered */
    assert_int_equal(info_of(&h, s).state, SYNACK_SYN_SENT);

    void *p = NULL;
    synack_send_reserve(h.st, s, &p, 100);
    assert_int_equal(h.nout, mark + 1);
    const sh_seg *syn = &h.out[mark];
    assert_syn(syn, 1, sizeof(COOKIE), COOKIE, 0);
    assert_int_equal(synack_connect(h.st, s, (struct sockaddr *)&sin, sizeof(sin)), -EALREADY);
    sh_free(&h);
}

/* Simultaneous open with SYN data (the peer's SYN crosses ours): our SYN-ACK goes without
 * the data; the peer's SYN-ACK that acknowledges the data completes the open, the data
 * leaves the send buffer, and the FIN follows it. */
static void test_simultaneous_open_with_data(void **state)
{
    (void)state;
    seghost h;
    synack_config c = fo_config(1);
    sh_init(&h, &c);
    warm_up(&h, 1460);
    int s = synack_socket(h.st, SOCK_STREAM);
    size_t mark = h.nout;
    assert_int_equal(fo_sendto(&h, s, data, 1000, 0), 1000);
    const sh_seg *syn = &h.out[mark];
    sh_send(&h, PORT, syn->s.sport, PEER_ISS, 0, TCP_SYN, 65535, NULL, 0, NULL);
    assert_int_equal(h.nout, mark + 2);
    const sh_seg *sa = &h.out[mark + 1];
    assert_int_equal(sa->s.flags, TCP_SYN | TCP_ACK);
    assert_int_equal(sa->s.seq, syn->s.seq);
    assert_int_equal(sa->s.ack, PEER_ISS + 1);
    assert_int_equal(sa->s.payload_len, 0);
    sh_send(&h, PORT, syn->s.sport, PEER_ISS, syn->s.seq + 1001, TCP_SYN | TCP_ACK, 65535, NULL, 0,
            NULL);
    synack_tcp_info i = info_of(&h, s);
    assert_int_equal(i.state, SYNACK_ESTABLISHED);
    assert_int_equal(i.unacked, 0);
    assert_int_equal(i.bytes_acked, 1000);
    assert_int_equal(synack_close(h.st, s), 0);
    const sh_seg *fin = sh_last(&h);
    assert_int_equal(fin->s.flags, TCP_ACK | TCP_FIN);
    assert_int_equal(fin->s.seq, syn->s.seq + 1001);
    sh_free(&h);
}

/* Misuse: Linux's errnos. */
static void test_misuse_errnos(void **state)
{
    (void)state;
    seghost h;
    synack_config c = fo_config(0);
    sh_init(&h, &c);
    int one = 1, two = 2;
    int s = synack_socket(h.st, SOCK_STREAM);
    /* client bit off */
    assert_int_equal(fo_sendto(&h, s, data, 10, 0), -EOPNOTSUPP);
    assert_int_equal(synack_setsockopt(h.st, s, IPPROTO_TCP, SYNACK_TCP_FASTOPEN_CONNECT, &one, 4),
                     -EOPNOTSUPP);
    assert_int_equal(h.nout, 0);
    sh_free(&h);

    c = fo_config(1);
    sh_init(&h, &c);
    s = synack_socket(h.st, SOCK_STREAM);
    struct sockaddr_in unspec = pair_sin(SH_PEER, PORT);
    unspec.sin_family = 0; /* AF_UNSPEC */
    assert_int_equal(synack_sendto(h.st, s, data, 10, SYNACK_MSG_FASTOPEN,
                                   (struct sockaddr *)&unspec, sizeof(unspec)),
                     -EOPNOTSUPP);
    assert_int_equal(fo_sendto(&h, s, NULL, 1, 0), -EFAULT);
    assert_int_equal(synack_sendto(h.st, s, data, 10, SYNACK_MSG_FASTOPEN, NULL, 0), -EINVAL);
    assert_int_equal(synack_setsockopt(h.st, s, IPPROTO_TCP, SYNACK_TCP_FASTOPEN_CONNECT, &two, 4),
                     -EINVAL);
    assert_int_equal(
        synack_setsockopt(h.st, s, IPPROTO_TCP, SYNACK_TCP_FASTOPEN_NO_COOKIE, &two, 4), -EINVAL);
    assert_int_equal(h.nout, 0); /* none of them sent anything */
    assert_int_equal(info_of(&h, s).state, SYNACK_CLOSED);
    /* without MSG_FASTOPEN an unconnected socket's sendto is send(): not connected */
    struct sockaddr_in sin = pair_sin(SH_PEER, PORT);
    assert_int_equal(synack_sendto(h.st, s, data, 10, 0, (struct sockaddr *)&sin, sizeof(sin)),
                     -ENOTCONN);
    /* the request goes; a second MSG_FASTOPEN, a connect, a write are refused meanwhile */
    assert_int_equal(fo_sendto(&h, s, data, 10, 0), -EINPROGRESS);
    assert_int_equal(fo_sendto(&h, s, data, 10, 0), -EALREADY);
    assert_int_equal(synack_connect(h.st, s, (struct sockaddr *)&sin, sizeof(sin)), -EALREADY);
    assert_int_equal(h.nout, 1);
    sh_free(&h);
}

/* Cookie-less mode (SYNACK_TCP_FASTOPEN_NO_COOKIE, or fastopen_client 0x4): the data goes in a
 * SYN without the option; a cookie the server sends unasked is not kept. */
static void test_no_cookie(void **state)
{
    (void)state;
    seghost h;
    synack_config c = fo_config(1);
    sh_init(&h, &c);
    int one = 1;
    int s = synack_socket(h.st, SOCK_STREAM);
    assert_int_equal(
        synack_setsockopt(h.st, s, IPPROTO_TCP, SYNACK_TCP_FASTOPEN_NO_COOKIE, &one, 4), 0);
    assert_int_equal(fo_sendto(&h, s, data, 3000, 0), 1420);
    const sh_seg *syn = &h.out[0];
    assert_syn(syn, 0, 0, NULL, 1420);
    tcp_opts o = synack_opts(1460, COOKIE, sizeof(COOKIE), 0);
    answer(&h, syn, 1420, &o, NULL, 0);
    assert_int_equal(info_of(&h, s).options & 32, 32);
    /* the unsolicited cookie was not cached: a plain socket asks for one */
    int s2 = synack_socket(h.st, SOCK_STREAM);
    size_t mark = h.nout;
    assert_int_equal(fo_sendto(&h, s2, data, 100, 0), -EINPROGRESS);
    assert_syn(&h.out[mark], 1, 0, NULL, 0);
    sh_free(&h);

    c = fo_config(SYNACK_TFO_CLIENT_ENABLE | SYNACK_TFO_CLIENT_NO_COOKIE);
    sh_init(&h, &c);
    s = synack_socket(h.st, SOCK_STREAM);
    assert_int_equal(fo_sendto(&h, s, data, 1000, 0), 1000);
    assert_syn(&h.out[0], 0, 0, NULL, 1000);
    sh_free(&h);
}

/* Data in the SYN-ACK of a Fast Open connection is accepted (RFC 7413 4.2.2). */
static void test_synack_data(void **state)
{
    (void)state;
    seghost h;
    synack_config c = fo_config(1);
    sh_init(&h, &c);
    warm_up(&h, 1460);
    int s = synack_socket(h.st, SOCK_STREAM);
    size_t mark = h.nout;
    assert_int_equal(fo_sendto(&h, s, data, 100, 0), 100);
    tcp_opts o = synack_opts(1460, NULL, 0, 0);
    static const char reply[] = "hello from the server";
    answer(&h, &h.out[mark], 100, &o, reply, sizeof(reply));
    assert_int_equal(h.nout, mark + 2);
    assert_int_equal(h.out[mark + 1].s.flags, TCP_ACK);
    assert_int_equal(h.out[mark + 1].s.ack, PEER_ISS + 1 + sizeof(reply));
    char buf[64];
    assert_int_equal(synack_recv(h.st, s, buf, sizeof(buf), 0), sizeof(reply));
    assert_memory_equal(buf, reply, sizeof(reply));
    sh_free(&h);
}

/* A request the server ignores is asked next in the experimental form (kind 254), and a
 * cookie that came in that form goes back in it (Linux's try_exp). */
static void test_experimental_form(void **state)
{
    (void)state;
    seghost h;
    synack_config c = fo_config(1);
    sh_init(&h, &c);
    int s = synack_socket(h.st, SOCK_STREAM);
    assert_int_equal(fo_sendto(&h, s, data, 10, 0), -EINPROGRESS);
    assert_int_equal(h.out[0].s.opts.fo_exp, 0);
    tcp_opts o = synack_opts(1460, NULL, 0, 0); /* no option at all */
    answer(&h, &h.out[0], 0, &o, NULL, 0);
    s = synack_socket(h.st, SOCK_STREAM);
    size_t mark = h.nout;
    assert_int_equal(fo_sendto(&h, s, data, 10, 0), -EINPROGRESS);
    assert_syn(&h.out[mark], 1, 0, NULL, 0);
    assert_int_equal(h.out[mark].s.opts.fo_exp, 1);
    o = synack_opts(1460, COOKIE, 4, 1);
    answer(&h, &h.out[mark], 0, &o, NULL, 0);
    s = synack_socket(h.st, SOCK_STREAM);
    mark = h.nout;
    assert_int_equal(fo_sendto(&h, s, data, 10, 0), 10);
    assert_syn(&h.out[mark], 1, 4, COOKIE, 10);
    assert_int_equal(h.out[mark].s.opts.fo_exp, 1);
    sh_free(&h);
}

/* MSG_ZEROCOPY with MSG_FASTOPEN: a SYN without data (no cookie yet) takes no id and
 * completes nothing; data in the SYN is tracked as any send's and completes (id 0) when
 * the SYN-ACK acknowledges it. */
static void test_zerocopy(void **state)
{
    (void)state;
    seghost h;
    synack_config c = fo_config(1);
    sh_init(&h, &c);
    int one = 1;
    int s = synack_socket(h.st, SOCK_STREAM);
    assert_int_equal(synack_setsockopt(h.st, s, SOL_SOCKET, SYNACK_SO_ZEROCOPY, &one, 4), 0);
    assert_int_equal(fo_sendto(&h, s, data, 500, SYNACK_MSG_ZEROCOPY), -EINPROGRESS);
    tcp_opts o = synack_opts(1460, COOKIE, sizeof(COOKIE), 0);
    answer(&h, &h.out[0], 0, &o, NULL, 0);
    synack_sock_err e;
    assert_int_equal(synack_recv_errqueue(h.st, s, &e), -EAGAIN);

    s = synack_socket(h.st, SOCK_STREAM);
    assert_int_equal(synack_setsockopt(h.st, s, SOL_SOCKET, SYNACK_SO_ZEROCOPY, &one, 4), 0);
    size_t mark = h.nout;
    assert_int_equal(fo_sendto(&h, s, data, 500, SYNACK_MSG_ZEROCOPY), 500);
    assert_syn(&h.out[mark], 1, sizeof(COOKIE), COOKIE, 500);
    assert_int_equal(synack_recv_errqueue(h.st, s, &e), -EAGAIN); /* not acknowledged yet */
    o = synack_opts(1460, NULL, 0, 0);
    answer(&h, &h.out[mark], 500, &o, NULL, 0);
    assert_int_equal(h.out[h.nout - 1].s.flags, TCP_ACK);
    memset(&e, 0xff, sizeof(e));
    assert_int_equal(synack_recv_errqueue(h.st, s, &e), 0);
    assert_int_equal(e.ee_errno, 0);
    assert_int_equal(e.ee_origin, SYNACK_SO_EE_ORIGIN_ZEROCOPY);
    assert_int_equal(e.ee_code, SYNACK_SO_EE_CODE_ZEROCOPY_COPIED);
    assert_int_equal(e.ee_info, 0);
    assert_int_equal(e.ee_data, 0);
    assert_int_equal(synack_recv_errqueue(h.st, s, &e), -EAGAIN);
    /* the next send's id follows */
    assert_int_equal(synack_send(h.st, s, data, 100, SYNACK_MSG_ZEROCOPY), 100);
    sh_send(&h, PORT, h.out[mark].s.sport, PEER_ISS + 1, h.out[mark].s.seq + 601, TCP_ACK, 65535,
            NULL, 0, NULL);
    assert_int_equal(synack_recv_errqueue(h.st, s, &e), 0);
    assert_int_equal(e.ee_info, 1);
    assert_int_equal(e.ee_data, 1);
    sh_free(&h);
}

int main(void)
{
    fill_data();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_then_cookie_and_data),
        cmocka_unit_test(test_only_syn_acked),
        cmocka_unit_test(test_resent_syn_data_is_no_small_segment),
        cmocka_unit_test(test_partly_acked),
        cmocka_unit_test(test_syn_timeout_and_disable),
        cmocka_unit_test(test_fastopen_connect),
        cmocka_unit_test(test_deferred_edges),
        cmocka_unit_test(test_simultaneous_open_with_data),
        cmocka_unit_test(test_misuse_errnos),
        cmocka_unit_test(test_no_cookie),
        cmocka_unit_test(test_synack_data),
        cmocka_unit_test(test_experimental_form),
        cmocka_unit_test(test_zerocopy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
