/* SPDX-License-Identifier: MIT */
/* Explicit Congestion Notification, RFC 3168 6.1 (src/tcp/ecn.c): the ECN-setup SYN and
 * SYN-ACK under each `ecn` mode, ECT(0) on new data only (not on pure ACKs,
 * retransmissions, window probes, SYNs), the receiver's ECE from a CE mark until CWR,
 * and the sender's one window reduction per window of data with CWR on the next new
 * segment. Every assertion is on the exact flags and the datagram's ECN field. */
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
#include "wire/ipv4.h"

#define PEER_ISS FX_PEER_ISS
#define PORT FX_PORT
#define PPORT FX_PEER_PORT

static synack_config mode_cfg(uint8_t ecn)
{
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.ecn = ecn;
    memcpy(cfg.cc, "newreno", 8); /* exact window arithmetic (RFC 5681 eq. 4) */
    return cfg;
}

/* The listening socket peer_syn made. */
static int listener;

/* The peer's SYN (MSS 1000, no other option; flags beside SYN in syn_flags, its datagram's
 * ECN field syn_ecn) reaches a new listener: returns the SYN-ACK's flags and its ECN field
 * in *sa_ecn, the stack's ISS in *siss. */
static uint8_t peer_syn(seghost *h, uint8_t syn_flags, uint8_t syn_ecn, uint8_t *sa_ecn,
                        uint32_t *siss)
{
    listener = sh_listen(h, PORT, 4);
    assert_true(listener >= 0);
    tcp_opts o = {.has_mss = 1, .mss = 1000};
    size_t mark = h->nout;
    h->peer_ecn = syn_ecn;
    sh_send(h, PPORT, PORT, PEER_ISS, 0, (uint8_t)(TCP_SYN | syn_flags), 65535, NULL, 0, &o);
    h->peer_ecn = IP_ECN_NOT_ECT;
    assert_int_equal(h->nout, mark + 1);
    *sa_ecn = h->out[mark].ecn;
    *siss = h->out[mark].s.seq;
    return h->out[mark].s.flags;
}

/* A passive open the peer asks ECN on (ECE|CWR), completed with window `win`; returns
 * the accepted socket. */
static int ecn_open(seghost *h, const synack_config *cfg, uint16_t win, uint32_t *siss)
{
    sh_init(h, cfg);
    uint8_t sa_ecn;
    uint8_t f = peer_syn(h, TCP_ECE | TCP_CWR, IP_ECN_NOT_ECT, &sa_ecn, siss);
    assert_int_equal(f, TCP_SYN | TCP_ACK | TCP_ECE);
    sh_send(h, PPORT, PORT, PEER_ISS + 1, *siss + 1, TCP_ACK, win, NULL, 0, NULL);
    int s = synack_accept(h->st, listener, NULL, NULL);
    assert_true(s >= 0);
    return s;
}

/* RFC 3168 6.1.1: an ECN-setup SYN (ECE and CWR) is answered with an ECN-setup SYN-ACK
 * (ECE alone) under modes 1 and 2; the SYN-ACK itself is not ECN-capable. */
static void test_passive_setup_by_mode(void **state)
{
    (void)state;
    static const struct {
        uint8_t mode, syn_flags, syn_ecn, want;
    } cases[] = {
        {2, TCP_ECE | TCP_CWR, IP_ECN_NOT_ECT, TCP_SYN | TCP_ACK | TCP_ECE},
        {1, TCP_ECE | TCP_CWR, IP_ECN_NOT_ECT, TCP_SYN | TCP_ACK | TCP_ECE},
        {0, TCP_ECE | TCP_CWR, IP_ECN_NOT_ECT, TCP_SYN | TCP_ACK}, /* off */
        {2, TCP_ECE, IP_ECN_NOT_ECT, TCP_SYN | TCP_ACK},           /* not a setup SYN */
        {2, TCP_CWR, IP_ECN_NOT_ECT, TCP_SYN | TCP_ACK},
        {2, 0, IP_ECN_NOT_ECT, TCP_SYN | TCP_ACK},
        {2, TCP_ECE | TCP_CWR, IP_ECN_ECT0, TCP_SYN | TCP_ACK}, /* a SYN must not be ECT */
        {2, TCP_ECE | TCP_CWR, IP_ECN_CE, TCP_SYN | TCP_ACK},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        synack_config cfg = mode_cfg(cases[i].mode);
        seghost h;
        sh_init(&h, &cfg);
        uint8_t sa_ecn;
        uint32_t siss;
        assert_int_equal(peer_syn(&h, cases[i].syn_flags, cases[i].syn_ecn, &sa_ecn, &siss),
                         cases[i].want);
        assert_int_equal(sa_ecn, IP_ECN_NOT_ECT);
        assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPECNNegotiated),
                         (cases[i].want & TCP_ECE) ? 1 : 0);
        sh_free(&h);
    }
}

/* connect() under `mode`: the SYN's flags; then the peer answers with sa_flags. */
static int active_open(seghost *h, uint8_t mode, uint8_t *syn_flags, uint8_t sa_flags)
{
    synack_config cfg = mode_cfg(mode);
    sh_init(h, &cfg);
    int s = synack_socket(h->st, SOCK_STREAM);
    struct sockaddr_in sin = {
        .sin_family = AF_INET, .sin_port = htons(PORT), .sin_addr.s_addr = htonl(SH_PEER)};
    assert_int_equal(synack_connect(h->st, s, (struct sockaddr *)&sin, sizeof(sin)), -EINPROGRESS);
    const sh_seg *syn = sh_last(h);
    *syn_flags = syn->s.flags;
    assert_int_equal(syn->ecn, IP_ECN_NOT_ECT);
    uint32_t iss = syn->s.seq;
    tcp_opts o = {.has_mss = 1, .mss = 1000};
    sh_send(h, PORT, syn->s.sport, PEER_ISS, iss + 1, (uint8_t)(TCP_SYN | TCP_ACK | sa_flags),
            65535, NULL, 0, &o);
    const sh_seg *ack = sh_last(h);
    assert_int_equal(ack->s.flags, TCP_ACK); /* no ECE: nothing was marked */
    assert_int_equal(ack->ecn, IP_ECN_NOT_ECT);
    return s;
}

/* The ECN field of the first data segment the connection sends. */
static uint8_t first_data_ecn(seghost *h, int s)
{
    size_t mark = h->nout;
    char buf[100] = {0};
    assert_int_equal(synack_send(h->st, s, buf, sizeof(buf), 0), (long)sizeof(buf));
    assert_int_equal(h->nout, mark + 1);
    assert_int_equal(h->out[mark].s.payload_len, sizeof(buf));
    return h->out[mark].ecn;
}

/* Mode 1 asks with ECE|CWR (mode 2 does not); only an ECE-without-CWR SYN-ACK agrees. */
static void test_active_setup(void **state)
{
    (void)state;
    static const struct {
        uint8_t mode, syn_want, sa_flags, data_ecn;
    } cases[] = {
        {1, TCP_SYN | TCP_ECE | TCP_CWR, TCP_ECE, IP_ECN_ECT0},
        {1, TCP_SYN | TCP_ECE | TCP_CWR, 0, IP_ECN_NOT_ECT},
        {1, TCP_SYN | TCP_ECE | TCP_CWR, TCP_ECE | TCP_CWR, IP_ECN_NOT_ECT}, /* reflected */
        {2, TCP_SYN, TCP_ECE, IP_ECN_NOT_ECT},                               /* we never asked */
        {0, TCP_SYN, TCP_ECE, IP_ECN_NOT_ECT},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        seghost h;
        uint8_t syn_flags;
        int s = active_open(&h, cases[i].mode, &syn_flags, cases[i].sa_flags);
        assert_int_equal(syn_flags, cases[i].syn_want);
        assert_int_equal(first_data_ecn(&h, s), cases[i].data_ecn);
        assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPECNNegotiated),
                         cases[i].data_ecn == IP_ECN_ECT0 ? 1 : 0);
        sh_free(&h);
    }
}

/* RFC 3168 6.1.1.1: a SYN retransmission goes without ECE|CWR; the SYN-ACK (still with
 * ECE, answering the first SYN) turns ECN on all the same. */
static void test_syn_retransmission_drops_setup(void **state)
{
    (void)state;
    synack_config cfg = mode_cfg(1);
    seghost h;
    sh_init(&h, &cfg);
    int s = synack_socket(h.st, SOCK_STREAM);
    struct sockaddr_in sin = {
        .sin_family = AF_INET, .sin_port = htons(PORT), .sin_addr.s_addr = htonl(SH_PEER)};
    assert_int_equal(synack_connect(h.st, s, (struct sockaddr *)&sin, sizeof(sin)), -EINPROGRESS);
    assert_int_equal(h.nout, 1);
    assert_int_equal(h.out[0].s.flags, TCP_SYN | TCP_ECE | TCP_CWR);
    sh_run_for(&h, 1000000); /* the initial RTO */
    assert_int_equal(h.nout, 2);
    assert_int_equal(h.out[1].s.flags, TCP_SYN);
    assert_int_equal(h.out[1].ecn, IP_ECN_NOT_ECT);
    tcp_opts o = {.has_mss = 1, .mss = 1000};
    sh_send(&h, PORT, h.out[0].s.sport, PEER_ISS, h.out[0].s.seq + 1, TCP_SYN | TCP_ACK | TCP_ECE,
            65535, NULL, 0, &o);
    assert_int_equal(first_data_ecn(&h, s), IP_ECN_ECT0);
    sh_free(&h);
}

/* RFC 3168 6.1.3: a CE mark makes every ACK carry ECE, for CE and non-CE data alike, until
 * a segment with CWR arrives; a CE on the CWR segment itself starts it again. ACKs are
 * never ECN-capable. The IP layer counts each codepoint (IpExt In*Pkts). */
static void test_receiver_echoes_ce_until_cwr(void **state)
{
    (void)state;
    synack_config cfg = mode_cfg(2);
    cfg.quickack_start = 1; /* every data segment ACKed at once: one ACK per step */
    seghost h;
    uint32_t siss;
    int s = ecn_open(&h, &cfg, 65535, &siss);
    (void)s;
    char d[100] = {0};
    uint32_t seq = PEER_ISS + 1;
    static const struct {
        uint8_t ecn, flags, ack_flags;
    } steps[] = {
        {IP_ECN_ECT0, TCP_ACK, TCP_ACK},                   /* nothing marked yet */
        {IP_ECN_CE, TCP_ACK, TCP_ACK | TCP_ECE},           /* congestion */
        {IP_ECN_ECT0, TCP_ACK, TCP_ACK | TCP_ECE},         /* still echoed */
        {IP_ECN_ECT0, TCP_ACK | TCP_CWR, TCP_ACK},         /* the sender reduced */
        {IP_ECN_ECT0, TCP_ACK, TCP_ACK},                   /* and stays quiet */
        {IP_ECN_CE, TCP_ACK | TCP_CWR, TCP_ACK | TCP_ECE}, /* CWR, then the new CE */
        {IP_ECN_NOT_ECT, TCP_ACK, TCP_ACK | TCP_ECE},
    };
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        size_t mark = h.nout;
        h.peer_ecn = steps[i].ecn;
        sh_send(&h, PPORT, PORT, seq, siss + 1, steps[i].flags, 65535, d, sizeof(d), NULL);
        seq += sizeof(d);
        assert_int_equal(h.nout, mark + 1);
        assert_int_equal(h.out[mark].s.flags, steps[i].ack_flags);
        assert_int_equal(h.out[mark].s.ack, seq);
        assert_int_equal(h.out[mark].ecn, IP_ECN_NOT_ECT);
    }
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_InCEPkts), 2);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_InECT0Pkts), 4);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_InECT1Pkts), 0);
    sh_free(&h);
}

/* A connection without ECN ignores CE marks and ECE flags alike. */
static void test_no_ecn_ignores_marks(void **state)
{
    (void)state;
    synack_config cfg = mode_cfg(2);
    cfg.quickack_start = 1;
    seghost h;
    uint32_t siss;
    int s = fx_sh_established(&h, &cfg, &siss); /* a SYN without ECE|CWR */
    char d[100] = {0};
    h.peer_ecn = IP_ECN_CE;
    sh_send(&h, PPORT, PORT, PEER_ISS + 1, siss + 1, TCP_ACK, 65535, d, sizeof(d), NULL);
    assert_int_equal(sh_last(&h)->s.flags, TCP_ACK);
    h.peer_ecn = IP_ECN_NOT_ECT;
    size_t mark = h.nout;
    assert_int_equal(synack_send(h.st, s, d, sizeof(d), 0), (long)sizeof(d));
    assert_int_equal(h.out[mark].ecn, IP_ECN_NOT_ECT);
    synack_tcp_info before = fx_tcp_info(h.st, s);
    sh_send(&h, PPORT, PORT, PEER_ISS + 101, siss + 101, TCP_ACK | TCP_ECE, 65535, NULL, 0, NULL);
    synack_tcp_info after = fx_tcp_info(h.st, s);
    assert_true(after.snd_cwnd >= before.snd_cwnd);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPECNReductions), 0);
    sh_free(&h);
}

/* RFC 3168 6.1.2: ECE halves the window once per window of data (no retransmission); the
 * next new data segment carries CWR; an ECE for data sent before the reduction does
 * nothing more; one after the window passed reduces again. */
static void test_sender_reduces_once_per_window(void **state)
{
    (void)state;
    synack_config cfg = mode_cfg(2);
    seghost h;
    uint32_t siss;
    int s = ecn_open(&h, &cfg, 65535, &siss);
    uint32_t base = siss + 1;
    static char buf[3000];
    size_t mark = h.nout;
    assert_int_equal(synack_send(h.st, s, buf, sizeof(buf), 0), (long)sizeof(buf));
    assert_int_equal(h.nout, mark + 3);
    for (size_t i = mark; i < h.nout; i++) {
        assert_int_equal(h.out[i].ecn, IP_ECN_ECT0);
        assert_int_equal(h.out[i].s.flags & (TCP_CWR | TCP_ECE), 0);
    }
    /* The first segment ACKed with ECE: flight 2000, ssthresh max(2000/2, 2 MSS) = 2000. */
    mark = h.nout;
    sh_send(&h, PPORT, PORT, PEER_ISS + 1, base + 1000, TCP_ACK | TCP_ECE, 65535, NULL, 0, NULL);
    assert_int_equal(h.nout, mark); /* nothing is resent */
    synack_tcp_info ti = fx_tcp_info(h.st, s);
    assert_int_equal(ti.snd_cwnd, 2000);
    assert_int_equal(ti.snd_ssthresh, 2000);
    assert_int_equal(ti.total_retrans, 0);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPECNReductions), 1);
    /* New data waits for room; the ACK of the second segment makes it, and it has CWR. */
    assert_int_equal(synack_send(h.st, s, buf, 1000, 0), 1000);
    assert_int_equal(h.nout, mark);
    sh_send(&h, PPORT, PORT, PEER_ISS + 1, base + 2000, TCP_ACK, 65535, NULL, 0, NULL);
    assert_int_equal(h.nout, mark + 1);
    assert_int_equal(h.out[mark].s.seq, base + 3000);
    assert_int_equal(h.out[mark].s.flags, TCP_ACK | TCP_PSH | TCP_CWR);
    assert_int_equal(h.out[mark].ecn, IP_ECN_ECT0);
    /* ECE for the third segment (sent before the reduction): the same window. */
    sh_send(&h, PPORT, PORT, PEER_ISS + 1, base + 3000, TCP_ACK | TCP_ECE, 65535, NULL, 0, NULL);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPECNReductions), 1);
    /* CWR went once: the next new segment has none. */
    mark = h.nout;
    assert_int_equal(synack_send(h.st, s, buf, 1000, 0), 1000);
    assert_int_equal(h.nout, mark + 1);
    assert_int_equal(h.out[mark].s.flags, TCP_ACK | TCP_PSH);
    assert_int_equal(h.out[mark].ecn, IP_ECN_ECT0);
    /* Past the window: ECE reduces again. */
    sh_send(&h, PPORT, PORT, PEER_ISS + 1, base + 5000, TCP_ACK | TCP_ECE, 65535, NULL, 0, NULL);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPECNReductions), 2);
    sh_free(&h);
}

/* RFC 3168 6.1.2: a loss in the window an ECE already reduced is the same congestion:
 * fast retransmit keeps that ssthresh (CUBIC would take 0.7 of it again) and only
 * inflates cwnd by the three segments that left. */
static void test_loss_after_ece_same_window(void **state)
{
    (void)state;
    synack_config cfg = mode_cfg(2);
    memcpy(cfg.cc, "cubic", 6);
    seghost h;
    uint32_t siss;
    int s = ecn_open(&h, &cfg, 65535, &siss);
    uint32_t base = siss + 1;
    static char buf[6000];
    assert_int_equal(synack_send(h.st, s, buf, sizeof(buf), 0), (long)sizeof(buf));
    sh_send(&h, PPORT, PORT, PEER_ISS + 1, base + 1000, TCP_ACK | TCP_ECE, 65535, NULL, 0, NULL);
    synack_tcp_info ti = fx_tcp_info(h.st, s);
    uint32_t ss = ti.snd_ssthresh;
    assert_true(ss < 10000);
    assert_int_equal(ti.snd_cwnd, ss);
    size_t mark = h.nout;
    for (int i = 0; i < 3; i++) /* the second segment was lost */
        sh_send(&h, PPORT, PORT, PEER_ISS + 1, base + 1000, TCP_ACK | TCP_ECE, 65535, NULL, 0,
                NULL);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPFastRetrans), 1);
    assert_int_equal(h.out[mark].s.seq, base + 1000);
    assert_int_equal(h.out[mark].ecn, IP_ECN_NOT_ECT);
    ti = fx_tcp_info(h.st, s);
    assert_int_equal(ti.snd_ssthresh, ss);
    assert_int_equal(ti.snd_cwnd, ss + 3000);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPECNReductions), 1);
    sh_free(&h);
}

/* RFC 3168 6.1.5 and 6.1.6: retransmissions and zero-window probes are not ECN-capable. */
static void test_retransmissions_and_probes_not_ect(void **state)
{
    (void)state;
    synack_config cfg = mode_cfg(2);
    seghost h;
    uint32_t siss;
    int s = ecn_open(&h, &cfg, 65535, &siss);
    char d[500] = {0};
    size_t mark = h.nout;
    assert_int_equal(synack_send(h.st, s, d, sizeof(d), 0), (long)sizeof(d));
    assert_int_equal(h.out[mark].ecn, IP_ECN_ECT0);
    sh_run_for(&h, 300000); /* the RTO (200 ms: the handshake measured no delay) */
    assert_int_equal(h.nout, mark + 2);
    assert_int_equal(h.out[mark + 1].s.seq, siss + 1);
    assert_int_equal(h.out[mark + 1].s.payload_len, sizeof(d));
    assert_int_equal(h.out[mark + 1].ecn, IP_ECN_NOT_ECT);
    sh_free(&h);

    /* The peer's window is closed: the byte that probes it is not ECT. */
    s = ecn_open(&h, &cfg, 0, &siss);
    mark = h.nout;
    assert_int_equal(synack_send(h.st, s, d, sizeof(d), 0), (long)sizeof(d));
    assert_int_equal(h.nout, mark);
    sh_run_for(&h, 300000); /* the persist timer, one RTO */
    assert_int_equal(h.nout, mark + 1);
    assert_int_equal(h.out[mark].s.seq, siss + 1);
    assert_int_equal(h.out[mark].s.payload_len, 1);
    assert_int_equal(h.out[mark].ecn, IP_ECN_NOT_ECT);
    assert_int_equal(synack_counter_get(h.st, SYNACK_CTR_TCPWinProbe), 1);
    sh_free(&h);
}

/* SYNACK_TCP_ECN: the socket's own mode, from the config at first; a listener's reaches
 * the SYN-ACKs of the connections it makes, a connecting socket's its SYN. */
static void test_socket_option(void **state)
{
    (void)state;
    synack_config cfg = mode_cfg(2);
    seghost h;
    sh_init(&h, &cfg);
    int ls = sh_listen(&h, PORT, 4);
    int v = -1;
    socklen_t len = sizeof(v);
    assert_int_equal(synack_getsockopt(h.st, ls, IPPROTO_TCP, SYNACK_TCP_ECN, &v, &len), 0);
    assert_int_equal(v, 2);
    v = 3;
    assert_int_equal(synack_setsockopt(h.st, ls, IPPROTO_TCP, SYNACK_TCP_ECN, &v, sizeof(v)),
                     -EINVAL);
    v = 0;
    assert_int_equal(synack_setsockopt(h.st, ls, IPPROTO_TCP, SYNACK_TCP_ECN, &v, sizeof(v)), 0);
    tcp_opts o = {.has_mss = 1, .mss = 1000};
    sh_send(&h, PPORT, PORT, PEER_ISS, 0, TCP_SYN | TCP_ECE | TCP_CWR, 65535, NULL, 0, &o);
    assert_int_equal(sh_last(&h)->s.flags, TCP_SYN | TCP_ACK); /* off on this listener */
    v = 2;
    assert_int_equal(synack_setsockopt(h.st, ls, IPPROTO_TCP, SYNACK_TCP_ECN, &v, sizeof(v)), 0);
    sh_send(&h, PPORT + 1, PORT, PEER_ISS, 0, TCP_SYN | TCP_ECE | TCP_CWR, 65535, NULL, 0, &o);
    assert_int_equal(sh_last(&h)->s.flags, TCP_SYN | TCP_ACK | TCP_ECE);

    int s = synack_socket(h.st, SOCK_STREAM);
    v = 1;
    assert_int_equal(synack_setsockopt(h.st, s, IPPROTO_TCP, SYNACK_TCP_ECN, &v, sizeof(v)), 0);
    struct sockaddr_in sin = {
        .sin_family = AF_INET, .sin_port = htons(PORT), .sin_addr.s_addr = htonl(SH_PEER)};
    assert_int_equal(synack_connect(h.st, s, (struct sockaddr *)&sin, sizeof(sin)), -EINPROGRESS);
    assert_int_equal(sh_last(&h)->s.flags, TCP_SYN | TCP_ECE | TCP_CWR);
    sh_free(&h);
}

/* Linux's default: a peer that asks gets ECN; connect() does not ask. (Values above 2
 * are refused: tests/unit/test_config.c.) */
static void test_default_mode(void **state)
{
    (void)state;
    synack_config cfg;
    synack_config_init(&cfg);
    assert_int_equal(cfg.ecn, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_passive_setup_by_mode),
        cmocka_unit_test(test_active_setup),
        cmocka_unit_test(test_syn_retransmission_drops_setup),
        cmocka_unit_test(test_receiver_echoes_ce_until_cwr),
        cmocka_unit_test(test_no_ecn_ignores_marks),
        cmocka_unit_test(test_sender_reduces_once_per_window),
        cmocka_unit_test(test_retransmissions_and_probes_not_ect),
        cmocka_unit_test(test_loss_after_ece_same_window),
        cmocka_unit_test(test_socket_option),
        cmocka_unit_test(test_default_mode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
