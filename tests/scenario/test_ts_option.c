/* SPDX-License-Identifier: MIT */
/* SYNACK_TCP_TIMESTAMPS: a socket's own choice of the RFC 7323 timestamps option, from
 * cfg.timestamps at first. connect() offers the option on its SYN as the socket says, and
 * a SYN-ACK that carries it turns timestamps on only when the socket offered them; a
 * listener's choice reaches the SYN-ACKs of the connections it makes. */
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

#define PEER_ISS FX_PEER_ISS
#define PORT FX_PORT
#define PPORT FX_PEER_PORT

static void set_ts(seghost *h, int s, int v, int want)
{
    assert_int_equal(synack_setsockopt(h->st, s, IPPROTO_TCP, SYNACK_TCP_TIMESTAMPS, &v, sizeof(v)),
                     want);
}

static int get_ts(seghost *h, int s)
{
    int v = -1;
    socklen_t len = sizeof(v);
    assert_int_equal(synack_getsockopt(h->st, s, IPPROTO_TCP, SYNACK_TCP_TIMESTAMPS, &v, &len), 0);
    assert_int_equal(len, sizeof(v));
    return v;
}

/* connect() on a socket with the option at `on`; the peer answers with timestamps. Returns
 * whether the SYN offered them and whether the ACK of the SYN-ACK carries them. */
static void active(int cfg_ts, int on, int *syn_ts, int *ack_ts)
{
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.timestamps = (uint8_t)cfg_ts;
    seghost h;
    sh_init(&h, &cfg);
    int s = synack_socket(h.st, SOCK_STREAM);
    assert_int_equal(get_ts(&h, s), cfg_ts);
    if (on >= 0) {
        set_ts(&h, s, on, 0);
        assert_int_equal(get_ts(&h, s), on);
    }
    struct sockaddr_in sin = {
        .sin_family = AF_INET, .sin_port = htons(PORT), .sin_addr.s_addr = htonl(SH_PEER)};
    assert_int_equal(synack_connect(h.st, s, (struct sockaddr *)&sin, sizeof(sin)), -EINPROGRESS);
    const sh_seg *syn = sh_last(&h);
    assert_int_equal(syn->s.flags, TCP_SYN);
    *syn_ts = syn->s.opts.has_ts;
    uint32_t iss = syn->s.seq;
    tcp_opts o = {.has_mss = 1, .mss = 1000, .has_ts = 1, .ts_val = 7, .ts_ecr = 0};
    sh_send(&h, PORT, syn->s.sport, PEER_ISS, iss + 1, TCP_SYN | TCP_ACK, 65535, NULL, 0, &o);
    const sh_seg *ack = sh_last(&h);
    assert_int_equal(ack->s.flags, TCP_ACK);
    assert_int_equal(ack->s.seq, iss + 1);
    assert_int_equal(ack->s.ack, PEER_ISS + 1);
    *ack_ts = ack->s.opts.has_ts;
    if (*ack_ts)
        assert_int_equal(ack->s.opts.ts_ecr, 7);
    sh_free(&h);
}

static void test_connect_follows_socket(void **state)
{
    (void)state;
    int syn_ts, ack_ts;
    active(1, -1, &syn_ts, &ack_ts); /* the config's choice */
    assert_int_equal(syn_ts, 1);
    assert_int_equal(ack_ts, 1);
    active(1, 0, &syn_ts, &ack_ts); /* off on this socket: a TS-bearing SYN-ACK is not enough */
    assert_int_equal(syn_ts, 0);
    assert_int_equal(ack_ts, 0);
    active(0, 1, &syn_ts, &ack_ts); /* on for this socket though the stack's is off */
    assert_int_equal(syn_ts, 1);
    assert_int_equal(ack_ts, 1);
}

static void test_listener_passes_on(void **state)
{
    (void)state;
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.timestamps = 1;
    seghost h;
    sh_init(&h, &cfg);
    int ls = sh_listen(&h, PORT, 4);
    set_ts(&h, ls, 2, -EINVAL);
    set_ts(&h, ls, -1, -EINVAL);
    assert_int_equal(get_ts(&h, ls), 1);
    tcp_opts o = {.has_mss = 1, .mss = 1000, .has_ts = 1, .ts_val = 9};
    sh_send(&h, PPORT, PORT, PEER_ISS, 0, TCP_SYN, 65535, NULL, 0, &o);
    assert_int_equal(sh_last(&h)->s.flags, TCP_SYN | TCP_ACK);
    assert_int_equal(sh_last(&h)->s.opts.has_ts, 1);
    assert_int_equal(sh_last(&h)->s.opts.ts_ecr, 9);
    set_ts(&h, ls, 0, 0);
    sh_send(&h, PPORT + 1, PORT, PEER_ISS, 0, TCP_SYN, 65535, NULL, 0, &o);
    assert_int_equal(sh_last(&h)->s.flags, TCP_SYN | TCP_ACK);
    assert_int_equal(sh_last(&h)->s.opts.has_ts, 0);
    sh_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connect_follows_socket),
        cmocka_unit_test(test_listener_passes_on),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
