/* SPDX-License-Identifier: MIT */
/* cfg.write_pending_delack (linux profile): a Fast Open sendto that blocks until the
 * handshake ends (SYNACK_MSG_WAITOPEN) with data left after the SYN. Linux then sends no
 * ACK of its own for the SYN-ACK (the rest of the data carries it), and since that data
 * leaves within 40 ms of the SYN-ACK the connection is interactive: the first reply is not
 * ACKed at once (quick-ACK mode is off) but after the delayed-ACK time, or by our FIN if
 * the application closes first (the upstream fastopen/client/blocking-*.pkt scripts).
 * A non-blocking call, or the knob off, keeps the ACK of the SYN-ACK and the quick ACK. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/seghost.h"
#include "wire/tcp_wire.h"

#define PORT 80
#define PEER_ISS 5000u
#define MS 1000ull
#define TOTAL 1900
#define IN_SYN 1420 /* 1460 - 40, the cookie-less SYN's share */

static uint8_t data[TOTAL];
static uint8_t reply[500];

typedef struct run {
    seghost h;
    int s;
    uint32_t iss;   /* the stack's ISS */
    uint16_t sport; /* its port */
} run;

/* Opens with sendto(MSG_FASTOPEN | extra) of TOTAL bytes, cookie-less, and checks the
 * SYN (profile: 0 none, 1 linux_profile, 2 write_pending_delack alone); then the peer's SYN-ACK
 * (acknowledging the SYN's data) arrives 20 ms later. */
static void open_fo(run *r, int profile, int extra)
{
    synack_config c;
    synack_config_default(&c);
    c.timestamps = 0;
    c.linux_profile = profile == 1;
    c.write_pending_delack = profile == 2; /* the knob alone */
    c.fastopen_client = SYNACK_TFO_CLIENT_ENABLE | SYNACK_TFO_CLIENT_NO_COOKIE;
    sh_init(&r->h, &c);
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 13 + 1);
    r->s = synack_socket(r->h.st, SOCK_STREAM);
    struct sockaddr_in sin = pair_sin(SH_PEER, PORT);
    assert_int_equal(synack_sendto(r->h.st, r->s, data, TOTAL, SYNACK_MSG_FASTOPEN | extra,
                                   (struct sockaddr *)&sin, sizeof(sin)),
                     IN_SYN);
    assert_int_equal(r->h.nout, 1);
    const sh_seg *syn = &r->h.out[0];
    assert_int_equal(syn->s.flags, TCP_SYN);
    assert_int_equal(syn->s.payload_len, IN_SYN);
    r->iss = syn->s.seq;
    r->sport = syn->s.sport;
    r->h.now += 20 * MS;
    tcp_opts o;
    memset(&o, 0, sizeof(o));
    o.has_mss = 1;
    o.mss = 1460;
    sh_send(&r->h, PORT, r->sport, PEER_ISS, r->iss + 1 + IN_SYN, TCP_SYN | TCP_ACK, 5840, NULL, 0,
            &o);
}

static void assert_seg(const sh_seg *g, uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len)
{
    assert_int_equal(g->s.flags, flags);
    assert_int_equal(g->s.seq, seq);
    assert_int_equal(g->s.ack, ack);
    assert_int_equal(g->s.payload_len, len);
}

/* The rest of the data goes out at once (the blocked call resumes); the peer replies with
 * 500 bytes acknowledging everything, 20 ms later. */
static void send_rest_and_reply(run *r, size_t mark)
{
    assert_int_equal(synack_send(r->h.st, r->s, data + IN_SYN, TOTAL - IN_SYN, 0), TOTAL - IN_SYN);
    assert_int_equal(r->h.nout, mark + 1);
    assert_seg(&r->h.out[mark], TCP_ACK | TCP_PSH, r->iss + 1 + IN_SYN, PEER_ISS + 1,
               TOTAL - IN_SYN);
    r->h.now += 20 * MS;
    sh_send(&r->h, PORT, r->sport, PEER_ISS + 1, r->iss + 1 + TOTAL, TCP_ACK | TCP_PSH, 257, reply,
            sizeof(reply), NULL);
}

/* Blocking (SYNACK_MSG_WAITOPEN): no ACK for the SYN-ACK, the reply's ACK waits and goes
 * on the FIN of an immediate close. */
static void test_blocking_saves_acks(void **state)
{
    (void)state;
    run r;
    open_fo(&r, 1, SYNACK_MSG_WAITOPEN);
    assert_int_equal(r.h.nout, 1); /* the SYN only: the SYN-ACK's ACK waits for the data */
    send_rest_and_reply(&r, 1);
    assert_int_equal(r.h.nout, 2); /* interactive: the reply is not ACKed at once */
    uint8_t buf[600];
    assert_int_equal(synack_recv(r.h.st, r.s, buf, sizeof(buf), 0), sizeof(reply));
    assert_int_equal(synack_close(r.h.st, r.s), 0);
    assert_int_equal(r.h.nout, 3);
    assert_seg(&r.h.out[2], TCP_ACK | TCP_FIN, r.iss + 1 + TOTAL, PEER_ISS + 1 + sizeof(reply), 0);
    sh_free(&r.h);
}

/* Interactive mode lasts until a delayed ACK has to fire: the reply is ACKed after the
 * delayed-ACK time (40 ms), and the next data segment at once again (quick-ACK mode). */
static void test_interactive_ends_with_delayed_ack(void **state)
{
    (void)state;
    run r;
    open_fo(&r, 1, SYNACK_MSG_WAITOPEN);
    send_rest_and_reply(&r, 1);
    uint64_t t = r.h.now;
    sh_run_until(&r.h, t + 40 * MS - 1);
    assert_int_equal(r.h.nout, 2);
    sh_run_until(&r.h, t + 40 * MS);
    assert_int_equal(r.h.nout, 3);
    assert_seg(&r.h.out[2], TCP_ACK, r.iss + 1 + TOTAL, PEER_ISS + 1 + sizeof(reply), 0);
    r.h.now += 10 * MS;
    sh_send(&r.h, PORT, r.sport, PEER_ISS + 1 + sizeof(reply), r.iss + 1 + TOTAL, TCP_ACK | TCP_PSH,
            257, reply, 100, NULL);
    assert_int_equal(r.h.nout, 4);
    assert_seg(&r.h.out[3], TCP_ACK, r.iss + 1 + TOTAL, PEER_ISS + 1 + sizeof(reply) + 100, 0);
    sh_free(&r.h);
}

/* The blocked writer never sends: the SYN-ACK is ACKed after Linux's 200 ms at most. */
static void test_blocking_ack_within_200ms(void **state)
{
    (void)state;
    run r;
    open_fo(&r, 1, SYNACK_MSG_WAITOPEN);
    uint64_t t = r.h.now;
    sh_run_until(&r.h, t + 200 * MS - 1);
    assert_int_equal(r.h.nout, 1);
    sh_run_until(&r.h, t + 200 * MS);
    assert_int_equal(r.h.nout, 2);
    assert_seg(&r.h.out[1], TCP_ACK, r.iss + 1 + IN_SYN, PEER_ISS + 1, 0);
    sh_free(&r.h);
}

/* Not blocking, or blocking without the profile: the SYN-ACK is ACKed at once, and so is
 * the reply (quick-ACK mode with the profile; without it, the reply would wait, but the
 * data we send first is what is checked there). */
static void check_plain(int profile, int extra)
{
    run r;
    open_fo(&r, profile, extra);
    assert_int_equal(r.h.nout, 2);
    assert_seg(&r.h.out[1], TCP_ACK, r.iss + 1 + IN_SYN, PEER_ISS + 1, 0);
    send_rest_and_reply(&r, 2);
    if (profile) {
        assert_int_equal(r.h.nout, 4);
        assert_seg(&r.h.out[3], TCP_ACK, r.iss + 1 + TOTAL, PEER_ISS + 1 + sizeof(reply), 0);
    }
    sh_free(&r.h);
}

/* The knob alone, without the profile's quick-ACK mode, saves the SYN-ACK's ACK too. */
static void test_knob_alone(void **state)
{
    (void)state;
    run r;
    open_fo(&r, 2, SYNACK_MSG_WAITOPEN);
    assert_int_equal(r.h.nout, 1);
    send_rest_and_reply(&r, 1);
    assert_int_equal(r.h.nout, 2);
    sh_free(&r.h);
}

static void test_nonblocking_acks_at_once(void **state)
{
    (void)state;
    check_plain(1, 0);
}

static void test_knob_off_acks_at_once(void **state)
{
    (void)state;
    check_plain(0, SYNACK_MSG_WAITOPEN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blocking_saves_acks),
        cmocka_unit_test(test_interactive_ends_with_delayed_ack),
        cmocka_unit_test(test_blocking_ack_within_200ms),
        cmocka_unit_test(test_knob_alone),
        cmocka_unit_test(test_nonblocking_acks_at_once),
        cmocka_unit_test(test_knob_off_acks_at_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
