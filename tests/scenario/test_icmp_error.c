/* SPDX-License-Identifier: MIT */
/* ICMP errors about segments the stack sent (src/tcp/icmp_error.c): "fragmentation needed"
 * lowers the MSS and resends what was too big (RFC 1191 6.4/6.5), bounded below by a floor
 * and validated against the send window (RFC 5927 4.1); a hard error aborts a connection
 * only in SYN-SENT (RFC 1122 4.2.3.9, RFC 5927 5.2), and any unreachable frees a
 * half-open connection a listener made (Linux's tcp_req_err); other errors are soft: recorded,
 * reported once by SO_ERROR, and given as the reason when the connection times out. */
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
#include "support/seghost.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"

#define PEER_ISS FX_PEER_ISS
#define PORT FX_PORT
#define PPORT FX_PEER_PORT

typedef struct conn {
    seghost h;     /* the stack */
    int s;         /* its accepted socket */
    uint32_t siss; /* its ISS */
} conn;

/* The peer opens a connection announcing MSS 1460 (no timestamps, so the stack sends
 * 1460-byte segments); the stack accepts it. */
static void open_conn(conn *c, const synack_config *cfg)
{
    c->s = fx_sh_established_opts(&c->h, cfg, 0, 0, &c->siss);
}

/* An ICMP message from the peer's address (as a router on the path would send it) quoting
 * the first 8 bytes of a TCP segment of ours with sequence number seq and `len` payload. */
static void send_icmp(seghost *h, uint8_t type, uint8_t code, uint16_t mtu, uint16_t sport,
                      uint16_t dport, uint32_t seq, uint16_t len)
{
    uint8_t quote[28];
    ipv4_hdr q = {
        .ttl = 63, .proto = IP_PROTO_TCP, .src = SH_ADDR, .dst = SH_PEER, .frag = IPV4_FLAG_DF};
    assert_int_equal(ipv4_emit(quote, sizeof(quote), &q, 20u + len), IPV4_HDR_LEN);
    uint8_t *t = quote + IPV4_HDR_LEN;
    t[0] = (uint8_t)(sport >> 8);
    t[1] = (uint8_t)sport;
    t[2] = (uint8_t)(dport >> 8);
    t[3] = (uint8_t)dport;
    for (int i = 0; i < 4; i++)
        t[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
    uint8_t frame[IPV4_HDR_LEN + ICMP_HDR_LEN + sizeof(quote)];
    icmp_msg m = {
        .type = type, .code = code, .rest = mtu, .payload = quote, .payload_len = sizeof(quote)};
    size_t n = icmp_emit(frame + IPV4_HDR_LEN, sizeof(frame) - IPV4_HDR_LEN, &m);
    assert_int_equal(n, ICMP_HDR_LEN + sizeof(quote));
    ipv4_hdr o = {.ttl = 64, .proto = IP_PROTO_ICMP, .src = SH_PEER, .dst = SH_ADDR};
    ipv4_emit(frame, sizeof(frame), &o, n);
    assert_int_equal(synack_input(h->st, h->now, frame, IPV4_HDR_LEN + n), 0);
}

static void count_time_wait(void *ctx, const synack_conn_view *v)
{
    if (v->state == SYNACK_TIME_WAIT)
        ++*(int *)ctx;
}

static int maxseg(conn *c)
{
    int v = 0;
    socklen_t len = sizeof(v);
    assert_int_equal(synack_getsockopt(c->h.st, c->s, IPPROTO_TCP, TCP_MAXSEG, &v, &len), 0);
    return v;
}

/* Sends 4000 bytes: the stack puts out 1460-byte segments. Returns the index of the first. */
static size_t send_data(conn *c)
{
    static uint8_t data[4000];
    memset(data, 'x', sizeof(data));
    size_t mark = c->h.nout;
    assert_int_equal(synack_send(c->h.st, c->s, data, sizeof(data), 0), (ssize_t)sizeof(data));
    assert_true(c->h.nout > mark);
    assert_int_equal(c->h.out[mark].s.payload_len, 1460);
    return mark;
}

static void test_frag_needed_lowers_mss_and_resends(void **state)
{
    (void)state;
    conn c;
    open_conn(&c, NULL);
    assert_int_equal(maxseg(&c), 1460);
    send_data(&c);
    size_t mark = c.h.nout;
    /* RFC 1191 4: the router's next-hop MTU is 1280, so 1240 bytes of data per segment. */
    send_icmp(&c.h, ICMP_DEST_UNREACH, ICMP_CODE_FRAG_NEEDED, 1280, PORT, PPORT, c.siss + 1, 1460);
    assert_int_equal(maxseg(&c), 1240);
    assert_true(c.h.nout > mark);
    const sh_seg *r = &c.h.out[mark];
    assert_int_equal(r->s.seq, c.siss + 1); /* from SND.UNA again */
    for (size_t i = mark; i < c.h.nout; i++)
        assert_true(c.h.out[i].s.payload_len <= 1240);
    assert_int_equal(synack_counter_get(c.h.st, SYNACK_CTR_InDestUnreachs), 1);
    assert_int_equal(fx_so_error(c.h.st, c.s), 0); /* not an error for the application */
    sh_free(&c.h);
}

static void test_frag_needed_outside_window_is_ignored(void **state)
{
    (void)state;
    conn c;
    open_conn(&c, NULL);
    send_data(&c);
    size_t mark = c.h.nout;
    /* RFC 5927 4.1: SEG.SEQ below SND.UNA or at/after SND.NXT is stale or forged. */
    send_icmp(&c.h, ICMP_DEST_UNREACH, ICMP_CODE_FRAG_NEEDED, 576, PORT, PPORT, c.siss, 1460);
    send_icmp(&c.h, ICMP_DEST_UNREACH, ICMP_CODE_FRAG_NEEDED, 576, PORT, PPORT, c.siss + 1 + 100000,
              1460);
    /* ... and so is one for a connection that does not exist. */
    send_icmp(&c.h, ICMP_DEST_UNREACH, ICMP_CODE_FRAG_NEEDED, 576, PORT, PPORT + 1, c.siss + 1,
              1460);
    assert_int_equal(maxseg(&c), 1460);
    assert_int_equal(c.h.nout, mark);
    sh_free(&c.h);
}

static void test_frag_needed_floor_and_plateau(void **state)
{
    (void)state;
    conn c;
    open_conn(&c, NULL);
    send_data(&c);
    /* RFC 1191 7: a router that says 0 gets the plateau below the quoted length, 1492. */
    send_icmp(&c.h, ICMP_DEST_UNREACH, ICMP_CODE_FRAG_NEEDED, 0, PORT, PPORT, c.siss + 1, 1460);
    assert_int_equal(maxseg(&c), 1452);
    /* A claim of 68 bytes is held at the 552-byte floor (RFC 5927 7.2): MSS 512. */
    send_icmp(&c.h, ICMP_DEST_UNREACH, ICMP_CODE_FRAG_NEEDED, 68, PORT, PPORT, c.siss + 1, 1452);
    assert_int_equal(maxseg(&c), 512);
    /* A larger MTU never raises it again. */
    send_icmp(&c.h, ICMP_DEST_UNREACH, ICMP_CODE_FRAG_NEEDED, 1400, PORT, PPORT, c.siss + 1, 512);
    assert_int_equal(maxseg(&c), 512);
    sh_free(&c.h);
}

static void test_port_unreachable_aborts_syn_sent(void **state)
{
    (void)state;
    seghost h;
    sh_init(&h, NULL);
    int s = synack_socket(h.st, SOCK_STREAM);
    struct sockaddr_in sin = {
        .sin_family = AF_INET, .sin_port = htons(PORT), .sin_addr.s_addr = htonl(SH_PEER)};
    assert_int_equal(synack_connect(h.st, s, (struct sockaddr *)&sin, sizeof(sin)), -EINPROGRESS);
    const sh_seg *syn = sh_last(&h);
    assert_int_equal(syn->s.flags, TCP_SYN);
    /* RFC 1122 4.2.3.9: port unreachable is a hard error; before synchronization it ends
     * the attempt (RFC 5927 5.2). */
    send_icmp(&h, ICMP_DEST_UNREACH, ICMP_CODE_PORT_UNREACH, 0, syn->s.sport, PORT, syn->s.seq, 0);
    char b[8];
    assert_int_equal(synack_recv(h.st, s, b, sizeof(b), 0), -ECONNREFUSED);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_AttemptFails), 1);
    sh_free(&h);
}

/* A half-open connection a SYN made: any destination unreachable quoting our SYN-ACK
 * (SEQ = our ISS) frees it, counted as ListenDrops, so the peer's later ACK meets the
 * listener and is reset (Linux's tcp_req_err). A quote with another SEQ is ignored. */
static void test_unreachable_drops_syn_received(void **state)
{
    (void)state;
    static const uint8_t codes[] = {0, 1, ICMP_CODE_PORT_UNREACH, 13};
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        seghost h;
        sh_init(&h, NULL);
        int ls = sh_listen(&h, PORT, 4);
        assert_true(ls >= 0);
        sh_send(&h, PPORT, PORT, PEER_ISS, 0, TCP_SYN, 65535, NULL, 0, NULL);
        const sh_seg *sa = sh_last(&h);
        assert_int_equal(sa->s.flags, TCP_SYN | TCP_ACK);
        uint32_t siss = sa->s.seq;
        /* stale: the quoted SEQ is not our SYN-ACK's */
        send_icmp(&h, ICMP_DEST_UNREACH, codes[i], 0, PORT, PPORT, siss + 1, 0);
        assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_ListenDrops), 0);
        send_icmp(&h, ICMP_DEST_UNREACH, codes[i], 0, PORT, PPORT, siss, 0);
        assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_ListenDrops), 1);
        size_t mark = h.nout;
        sh_send(&h, PPORT, PORT, PEER_ISS + 1, siss + 1, TCP_ACK, 65535, NULL, 0, NULL);
        assert_int_equal(h.nout, mark + 1);
        assert_int_equal(h.out[mark].s.flags, TCP_RST);
        assert_int_equal(h.out[mark].s.seq, siss + 1);
        assert_int_equal(synack_accept(h.st, ls, NULL, NULL), -EAGAIN);
        assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_PassiveOpens), 0);
        sh_free(&h);
    }
}

static void test_soft_error_in_established(void **state)
{
    (void)state;
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.data_retries = 2;
    conn c;
    open_conn(&c, &cfg);
    send_data(&c);
    /* Host unreachable, even port unreachable: soft in a synchronized state (RFC 5927 5.2). */
    send_icmp(&c.h, ICMP_DEST_UNREACH, ICMP_CODE_PORT_UNREACH, 0, PORT, PPORT, c.siss + 1, 1460);
    send_icmp(&c.h, ICMP_DEST_UNREACH, 1, 0, PORT, PPORT, c.siss + 1, 1460);
    assert_int_equal(fx_tcp_info(c.h.st, c.s).state, SYNACK_ESTABLISHED);
    /* SO_ERROR reports the last soft error once, as Linux does. */
    assert_int_equal(fx_so_error(c.h.st, c.s), EHOSTUNREACH);
    assert_int_equal(fx_so_error(c.h.st, c.s), 0);
    /* It comes back as the reason when the retransmissions run out (RFC 1122 4.2.3.9). */
    send_icmp(&c.h, ICMP_DEST_UNREACH, 1, 0, PORT, PPORT, c.siss + 1, 1460);
    sh_run_for(&c.h, 60ull * 1000000);
    char b[8];
    assert_int_equal(synack_recv(c.h.st, c.s, b, sizeof(b), 0), -EHOSTUNREACH);
    sh_free(&c.h);
}

/* An ICMP error naming a 4-tuple that is only a compact TIME-WAIT record now (no TCB, no
 * send window) is dropped as having no connection. */
/* A Fast Open SYN with data too big for the path (Linux's tcp_simple_retransmit): the SYN
 * goes again at once without the data or the option, announcing the path's MSS; the data
 * follows the handshake at the negotiated MSS. */
static void test_frag_needed_for_syn_with_data(void **state)
{
    (void)state;
    seghost h;
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.timestamps = 0;
    sh_init(&h, &cfg);
    static uint8_t buf[1000];
    memset(buf, 0x5a, sizeof(buf));
    struct sockaddr_in sin = pair_sin(SH_PEER, 80);
    tcp_opts o = {.has_mss = 1, .mss = 1040, .has_fo = 1, .fo_len = 4, .fo_cookie = {1, 2, 3, 4}};
    int s = synack_socket(h.st, SOCK_STREAM); /* learn a cookie */
    assert_int_equal(
        synack_sendto(h.st, s, buf, 10, SYNACK_MSG_FASTOPEN, (struct sockaddr *)&sin, sizeof(sin)),
        -EINPROGRESS);
    sh_send(&h, 80, h.out[0].s.sport, 7000, h.out[0].s.seq + 1, TCP_SYN | TCP_ACK, 65535, NULL, 0,
            &o);
    synack_close(h.st, s);

    s = synack_socket(h.st, SOCK_STREAM);
    size_t mark = h.nout;
    assert_int_equal(synack_sendto(h.st, s, buf, sizeof(buf), SYNACK_MSG_FASTOPEN,
                                   (struct sockaddr *)&sin, sizeof(sin)),
                     1000);
    const sh_seg *syn = &h.out[mark];
    assert_int_equal(syn->s.payload_len, 1000);
    h.now += 10000;
    send_icmp(&h, ICMP_DEST_UNREACH, ICMP_CODE_FRAG_NEEDED, 800, syn->s.sport, 80, syn->s.seq,
              1000);
    assert_int_equal(h.nout, mark + 2);
    const sh_seg *again = &h.out[mark + 1];
    assert_int_equal(again->t, h.now);
    assert_int_equal(again->s.flags, TCP_SYN);
    assert_int_equal(again->s.seq, syn->s.seq);
    assert_int_equal(again->s.payload_len, 0);
    assert_int_equal(again->s.opts.has_fo, 0);
    assert_int_equal(again->s.opts.mss, 760);
    o.has_fo = 0;
    sh_send(&h, 80, syn->s.sport, 9000, syn->s.seq + 1, TCP_SYN | TCP_ACK, 65535, NULL, 0, &o);
    assert_int_equal(h.nout, mark + 3);
    const sh_seg *data = &h.out[mark + 2];
    assert_int_equal(data->s.flags, TCP_ACK | TCP_PSH);
    assert_int_equal(data->s.seq, syn->s.seq + 1);
    assert_int_equal(data->s.payload_len, 1000);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPFastOpenActiveFail), 1);
    sh_free(&h);
}

static void test_error_for_time_wait_record_is_ignored(void **state)
{
    (void)state;
    conn c;
    open_conn(&c, NULL);
    assert_int_equal(synack_close(c.h.st, c.s), 0); /* our FIN: seq = ISS + 1 */
    const sh_seg *fin = sh_last(&c.h);
    assert_non_null(fin);
    assert_true(fin->s.flags & TCP_FIN);
    sh_send(&c.h, PPORT, PORT, PEER_ISS + 1, c.siss + 2, TCP_FIN | TCP_ACK, 65535, NULL, 0, NULL);
    sh_run_for(&c.h, 1000);
    send_icmp(&c.h, ICMP_DEST_UNREACH, ICMP_CODE_FRAG_NEEDED, 576, PORT, PPORT, c.siss + 1, 0);
    send_icmp(&c.h, ICMP_DEST_UNREACH, 1, 0, PORT, PPORT, c.siss + 1, 0);
    int tw = 0;
    synack_foreach_conn(c.h.st, count_time_wait, &tw);
    assert_int_equal(tw, 1); /* still there, untouched */
    sh_free(&c.h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frag_needed_lowers_mss_and_resends),
        cmocka_unit_test(test_frag_needed_for_syn_with_data),
        cmocka_unit_test(test_frag_needed_outside_window_is_ignored),
        cmocka_unit_test(test_frag_needed_floor_and_plateau),
        cmocka_unit_test(test_port_unreachable_aborts_syn_sent),
        cmocka_unit_test(test_unreachable_drops_syn_received),
        cmocka_unit_test(test_soft_error_in_established),
        cmocka_unit_test(test_error_for_time_wait_record_is_ignored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
