/* SPDX-License-Identifier: MIT */
/* Hostile networks in the simulator (issue "hostile networks" acceptance):
 * - 1,000,000 spoofed SYNs at a listener with backlog 128 and SYN cookies on, while 1,000
 *   legitimate clients connect over a path with 1% loss: at least 99.9% get through, and
 *   the server's memory high-water mark stays under a fixed bound;
 * - 1,000,000 blind RSTs and SYNs with random in-window and out-of-window sequence numbers
 *   against 100 established connections: none is reset, and challenge ACKs never exceed the
 *   configured rate in any second (RFC 5961 7).
 * Under AddressSanitizer the floods are 10x smaller (same shape) to keep the suite fast. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "stack/stack_impl.h"
#include "tcp/tcp.h"
#include "support/segbuild.h"
#include "synack/simnet.h"
#include "util/rng.h"

#if defined(__SANITIZE_ADDRESS__)
#define FLOOD_SCALE 10
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FLOOD_SCALE 10
#endif
#endif
#ifndef FLOOD_SCALE
#define FLOOD_SCALE 1
#endif

#define CLIENT_ADDR 0xc0000201u
#define SERVER_ADDR 0xc0000202u
#define SERVER_MEM_BOUND (2u << 20) /* the stated bound: 2 MiB for the whole server stack */

static synack_simnet *make_net(synack_stack **cst, synack_stack **sst, double loss)
{
    synack_simnet *n = synack_simnet_new(NULL, 42, 1u << 20);
    assert_non_null(n);
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.netif.addr = CLIENT_ADDR;
    synack_config_deterministic(&cfg, 11);
    int c = synack_simnet_add_host(n, &cfg);
    cfg.netif.addr = SERVER_ADDR;
    synack_config_deterministic(&cfg, 12);
    cfg.sndbuf = cfg.rcvbuf = 16384;
    cfg.syncookies = 1;
    int s = synack_simnet_add_host(n, &cfg);
    assert_true(c >= 0 && s >= 0);
    synack_fault_config f = {0};
    f.delay_us = 5000;
    f.loss = loss;
    synack_simnet_set_path(n, c, s, &f);
    *cst = synack_simnet_stack(n, c);
    *sst = synack_simnet_stack(n, s);
    return n;
}

static int listen_on(synack_stack *st, uint16_t port, int backlog)
{
    int ls = synack_socket(st, SOCK_STREAM);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
    assert_int_equal(synack_bind(st, ls, (struct sockaddr *)&sin, sizeof(sin)), 0);
    assert_int_equal(synack_listen(st, ls, backlog), 0);
    return ls;
}

static int connect_to(synack_stack *st, uint16_t port)
{
    int s = synack_socket(st, SOCK_STREAM);
    assert_true(s >= 0);
    struct sockaddr_in to = {
        .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(SERVER_ADDR)};
    assert_int_equal(synack_connect(st, s, (struct sockaddr *)&to, sizeof(to)), -EINPROGRESS);
    return s;
}

#define NLEGIT 1000

static void test_syn_flood_with_cookies(void **state)
{
    (void)state;
    synack_stack *cst, *sst;
    synack_simnet *net = make_net(&cst, &sst, 0.01);
    int ls = listen_on(sst, 80, 128);
    synack_rng rng;
    rng_seed(&rng, 7);
    const uint64_t flood = 1000000 / FLOOD_SCALE, flood_us = 10000000; /* over 10 s */
    const uint64_t per_ms = flood / (flood_us / 1000);
    int csock[NLEGIT];
    int sent[NLEGIT] = {0}, done[NLEGIT] = {0};
    int started = 0, served = 0, npend = 0;
    struct {
        int sock; /* accepted socket */
        long got; /* request bytes read */
    } pend[NLEGIT];
    uint8_t frame[SEG_FRAME_MAX];
    static const char req[100] = "GET / HTTP/1.1";
    uint64_t now = 0;
    for (uint64_t ms = 0; ms < 40000; ms++) {
        now = ms * 1000;
        if (now < flood_us) {
            for (uint64_t i = 0; i < per_ms; i++) {
                uint32_t src = 0xc6120000u | rng_below(&rng, 1u << 17); /* 198.18.0.0/15 */
                size_t len = seg_build(frame, sizeof(frame), src, SERVER_ADDR,
                                       (uint16_t)(1024 + rng_below(&rng, 60000)), 80,
                                       (uint32_t)rng_next(&rng), 0, 0x02, 65535, NULL, 0, NULL);
                synack_simnet_inject(net, -1, 100, frame, len);
            }
            /* a legitimate client every 10 ms during the flood */
            if (ms % 10 == 0 && started < NLEGIT) {
                csock[started] = connect_to(cst, 80);
                started++;
            }
        }
        synack_simnet_run(net, now + 999);
        /* clients send their request once connected */
        for (int i = 0; i < started; i++) {
            if (sent[i] || done[i])
                continue;
            synack_pollfd pfd = {.sock = csock[i], .events = POLLOUT};
            if (synack_sock_poll(cst, &pfd, 1) && (pfd.revents & POLLOUT)) {
                assert_int_equal(synack_send(cst, csock[i], req, sizeof(req), 0), sizeof(req));
                sent[i] = 1;
            }
        }
        /* the server accepts, reads each whole request, then answers by closing */
        int ss;
        while ((ss = synack_accept(sst, ls, NULL, NULL)) >= 0) {
            assert_true(npend < NLEGIT);
            pend[npend].sock = ss;
            pend[npend].got = 0;
            npend++;
        }
        for (int i = 0; i < npend; i++) {
            char buf[128];
            long r;
            while ((r = synack_recv(sst, pend[i].sock, buf, sizeof(buf), 0)) > 0)
                pend[i].got += r;
            if (pend[i].got >= 100 || (r < 0 && r != -EAGAIN) || r == 0) {
                if (pend[i].got == 100)
                    served++;
                synack_close(sst, pend[i].sock);
                pend[i--] = pend[--npend];
            }
        }
        /* the client is done once the server's FIN arrives */
        for (int i = 0; i < started; i++) {
            if (!sent[i] || done[i])
                continue;
            char b[8];
            long r = synack_recv(cst, csock[i], b, sizeof(b), 0);
            if (r == 0 || (r < 0 && r != -EAGAIN)) {
                done[i] = 1;
                synack_close(cst, csock[i]);
            }
        }
        if (now >= flood_us && served >= NLEGIT)
            break;
    }
    fprintf(stderr,
            "syn flood: %llu spoofed SYNs, %d/%d legitimate clients served; cookies sent %llu, "
            "recv %llu; server memory high-water %zu bytes (bound %u)\n",
            (unsigned long long)flood, served, NLEGIT,
            (unsigned long long)synack_counter_get(sst, SYNACK_CTR_SyncookiesSent),
            (unsigned long long)synack_counter_get(sst, SYNACK_CTR_SyncookiesRecv),
            synack_mem_high_water(sst), SERVER_MEM_BOUND);
    assert_true(served * 1000 >= NLEGIT * 999);
    assert_true(synack_counter_get(sst, SYNACK_CTR_SyncookiesSent) >= flood - 200);
    assert_true(synack_mem_high_water(sst) < SERVER_MEM_BOUND);
    for (int i = 0; i < started; i++)
        if (!done[i])
            synack_close(cst, csock[i]);
    synack_simnet_free(net);
}

/* rcv_nxt / snd_una of the server's connection with the client's port (the attacker is
 * blind; the test peeks so that half of its guesses are in the window). */
static tcp_conn *server_conn(synack_stack *sst, uint16_t cport)
{
    synack_endpoints ep = {.laddr = SERVER_ADDR, .raddr = CLIENT_ADDR, .lport = 80, .rport = cport};
    return tcp_conn_find(sst, &ep);
}

static void test_blind_rst_syn_flood(void **state)
{
    (void)state;
    synack_stack *cst, *sst;
    synack_simnet *net = make_net(&cst, &sst, 0);
    int ls = listen_on(sst, 80, 128);
    enum { NCONN = 100 };
    int cs[NCONN], ss[NCONN];
    uint16_t cport[NCONN];
    for (int i = 0; i < NCONN; i++)
        cs[i] = connect_to(cst, 80);
    synack_simnet_run(net, 100000);
    for (int i = 0; i < NCONN; i++) {
        ss[i] = synack_accept(sst, ls, NULL, NULL);
        assert_true(ss[i] >= 0);
        struct sockaddr_in a;
        socklen_t alen = sizeof(a);
        assert_int_equal(synack_getpeername(sst, ss[i], (struct sockaddr *)&a, &alen), 0);
        cport[i] = ntohs(a.sin_port);
    }
    synack_rng rng;
    rng_seed(&rng, 99);
    const uint64_t total = 1000000 / FLOOD_SCALE, secs = 100;
    const uint64_t per_ms = total / (secs * 1000);
    uint8_t frame[SEG_FRAME_MAX];
    uint64_t now = 100000, last_sec = 0, last_count = 0, worst = 0;
    uint64_t limit = sst->cfg.challenge_ack_limit;
    for (uint64_t ms = 0; ms < secs * 1000; ms++) {
        for (uint64_t i = 0; i < per_ms; i++) {
            int k = (int)rng_below(&rng, NCONN);
            tcp_conn *c = server_conn(sst, cport[k]);
            assert_non_null(c);
            uint32_t seq;
            if (rng_below(&rng, 2)) { /* in window, never exactly RCV.NXT */
                seq = c->rcv_nxt + 1 + rng_below(&rng, tcp_rcv_window(c) - 1);
            } else {
                seq = (uint32_t)rng_next(&rng);
                if (seq == c->rcv_nxt)
                    seq++;
            }
            uint8_t flags = rng_below(&rng, 2) ? 0x04 /* RST */ : 0x02 /* SYN */;
            size_t len = seg_build(frame, sizeof(frame), CLIENT_ADDR, SERVER_ADDR, cport[k], 80,
                                   seq, 0, flags, 65535, NULL, 0, NULL);
            synack_simnet_inject(net, -1, 0, frame, len);
        }
        now += 1000;
        synack_simnet_run(net, now);
        if (now / 1000000 != last_sec) {
            uint64_t cnt = synack_counter_get(sst, SYNACK_CTR_TCPChallengeACK);
            if (cnt - last_count > worst)
                worst = cnt - last_count;
            last_count = cnt;
            last_sec = now / 1000000;
        }
    }
    fprintf(stderr,
            "blind flood: %llu RST/SYN segments; challenge ACKs %llu (worst second %llu, "
            "limit %llu), skipped %llu; resets %llu\n",
            (unsigned long long)total,
            (unsigned long long)synack_counter_get(sst, SYNACK_CTR_TCPChallengeACK),
            (unsigned long long)worst, (unsigned long long)limit,
            (unsigned long long)synack_counter_get(sst, SYNACK_CTR_TCPACKSkippedChallenge),
            (unsigned long long)synack_counter_get(sst, SYNACK_CTR_EstabResets));
    assert_true(worst <= limit);
    assert_true(worst > 0);
    assert_int_equal(synack_counter_get(sst, SYNACK_CTR_EstabResets), 0);
    /* every connection is alive and still carries data both ways */
    for (int i = 0; i < NCONN; i++) {
        synack_tcp_info info;
        socklen_t len = sizeof(info);
        assert_int_equal(synack_getsockopt(sst, ss[i], IPPROTO_TCP, TCP_INFO, &info, &len), 0);
        assert_int_equal(info.state, SYNACK_ESTABLISHED);
        assert_int_equal(synack_send(cst, cs[i], "ping", 4, 0), 4);
    }
    synack_simnet_run(net, now + 100000);
    for (int i = 0; i < NCONN; i++) {
        char b[8];
        assert_int_equal(synack_recv(sst, ss[i], b, sizeof(b), 0), 4);
    }
    synack_simnet_free(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syn_flood_with_cookies),
        cmocka_unit_test(test_blind_rst_syn_flood),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
