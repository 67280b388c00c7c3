/* SPDX-License-Identifier: MIT */
/* synack gateway --threads: the option, which thread's stack each frame from the namespace
 * goes to (tools/synack/cmd_gateway_steer.c) and the bounded inbox frames are handed over in
 * (cmd_gateway_inbox.c), all compiled into this test. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cmd_gateway_threads.h"

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (d))

static gw_opts opts(void)
{
    gw_opts o;
    memset(&o, 0, sizeof(o));
    o.addr = IP(192, 0, 2, 100);
    o.gw = IP(192, 0, 2, 2);
    gw_opts_defaults(&o);
    return o;
}

static void test_threads_option(void **state)
{
    (void)state;
    gw_opts o = opts();
    assert_int_equal(o.threads, 1);
    assert_int_equal(gw_opts_parse(&o, "--threads", "2"), 2);
    assert_int_equal(o.threads, 2);
    assert_int_equal(gw_opts_parse(&o, "--threads", "64"), 2);
    assert_int_equal(o.threads, 64);
    static const char *const bad[] = {"0", "65", "-1", "2x", "", "Auto"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(gw_opts_parse(&o, "--threads", bad[i]), -1);
    assert_int_equal(gw_opts_parse(&o, "--threads", NULL), -1);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    assert_int_equal(gw_opts_parse(&o, "--threads", "auto"), 2);
    assert_int_equal(o.threads, cores < 1 ? 1 : cores > 64 ? 64 : cores);
}

/* An Ethernet frame: IPv4/TCP from src:sport to dst:dport, or ARP with opcode op. */
static size_t tcp_frame(uint8_t *f, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
    memset(f, 0, 64);
    f[12] = 0x08;
    f[14] = 0x45;
    f[14 + 9] = 6;
    for (int i = 0; i < 4; i++) {
        f[14 + 12 + i] = (uint8_t)(src >> (24 - 8 * i));
        f[14 + 16 + i] = (uint8_t)(dst >> (24 - 8 * i));
    }
    f[34] = (uint8_t)(sport >> 8);
    f[35] = (uint8_t)sport;
    f[36] = (uint8_t)(dport >> 8);
    f[37] = (uint8_t)dport;
    return 54;
}

static size_t arp_frame(uint8_t *f, uint8_t op)
{
    memset(f, 0, 64);
    f[12] = 0x08;
    f[13] = 0x06;
    f[15] = 1;    /* Ethernet */
    f[16] = 0x08; /* IPv4 */
    f[18] = 6;
    f[19] = 4;
    f[21] = op;
    return 42;
}

static void test_steering(void **state)
{
    (void)state;
    gw_opts o = opts();
    assert_int_equal(gw_opts_parse(&o, "--forward", "tcp:8080:80"), 2);
    gw_steer s;
    gw_steer_init(&s, &o, 2);
    uint8_t f[64];
    uint32_t owner = 99;
    /* ARP: replies to every stack (the one that asked may read another queue), requests
     * answered where they land */
    size_t n = arp_frame(f, 2);
    assert_int_equal(gw_steer_frame(&s, 1, f, n, &owner), GW_STEER_BROADCAST);
    assert_int_equal(gw_steer_frame(&s, 0, f, n, &owner), GW_STEER_BROADCAST);
    n = arp_frame(f, 1);
    assert_int_equal(gw_steer_frame(&s, 1, f, n, &owner), GW_STEER_LOCAL);
    /* a forwarded connection's segment (from the container's port 80 to the gateway):
     * thread 0's, from whichever queue */
    n = tcp_frame(f, o.addr, 80, o.gw, 40000);
    assert_int_equal(gw_steer_frame(&s, 1, f, n, &owner), GW_STEER_HAND);
    assert_int_equal(owner, 0);
    owner = 99;
    assert_int_equal(gw_steer_frame(&s, 0, f, n, &owner), GW_STEER_LOCAL);
    assert_int_equal(owner, 99);
    /* outbound connections stay on the queue the kernel chose, the gateway's own address
     * (host loopback) included */
    n = tcp_frame(f, o.addr, 40000, IP(198, 18, 0, 1), 80);
    assert_int_equal(gw_steer_frame(&s, 1, f, n, &owner), GW_STEER_LOCAL);
    n = tcp_frame(f, o.addr, 81, o.gw, 40000);
    assert_int_equal(gw_steer_frame(&s, 1, f, n, &owner), GW_STEER_LOCAL);
    n = tcp_frame(f, o.addr, 80, IP(198, 18, 0, 1), 40000);
    assert_int_equal(gw_steer_frame(&s, 1, f, n, &owner), GW_STEER_LOCAL);
    /* UDP from port 80, a fragment, a short frame, IPv6: local */
    n = tcp_frame(f, o.addr, 80, o.gw, 40000);
    f[14 + 9] = 17;
    assert_int_equal(gw_steer_frame(&s, 1, f, n, &owner), GW_STEER_LOCAL);
    f[14 + 9] = 6;
    f[14 + 6] = 0x20; /* more fragments */
    assert_int_equal(gw_steer_frame(&s, 1, f, n, &owner), GW_STEER_LOCAL);
    f[14 + 6] = 0;
    assert_int_equal(gw_steer_frame(&s, 1, f, 14 + 20 + 3, &owner), GW_STEER_LOCAL);
    assert_int_equal(gw_steer_frame(&s, 1, f, 13, &owner), GW_STEER_LOCAL);
    f[12] = 0x86;
    f[13] = 0xdd;
    assert_int_equal(gw_steer_frame(&s, 1, f, n, &owner), GW_STEER_LOCAL);
    /* IPv6: a Neighbor Advertisement to everyone, a solicitation or echo local */
    uint8_t v6[14 + 40 + 24] = {[12] = 0x86, [13] = 0xdd, [14] = 0x60, [14 + 6] = 58};
    v6[14 + 40] = 136;
    assert_int_equal(gw_steer_frame(&s, 1, v6, sizeof(v6), &owner), GW_STEER_BROADCAST);
    v6[14 + 40] = 135;
    assert_int_equal(gw_steer_frame(&s, 1, v6, sizeof(v6), &owner), GW_STEER_LOCAL);
    v6[14 + 40] = 136;
    v6[14 + 6] = 6; /* TCP, not ICMPv6 */
    assert_int_equal(gw_steer_frame(&s, 1, v6, sizeof(v6), &owner), GW_STEER_LOCAL);
    /* --forward udp: and the IPv6 forwards: the namespace's replies from the forward's port
     * to the gateway are thread 0's too, only of the forward's own protocol */
    assert_int_equal(gw_opts_parse(&o, "--forward", "udp:5353:53"), 2);
    memset(o.addr6, 0, 16);
    o.addr6[0] = 0x20;
    o.addr6[1] = 0x01;
    o.addr6[15] = 0x64;
    memcpy(o.gw6, o.addr6, 16);
    o.gw6[15] = 2;
    o.fwd[o.nfwd++] = (gw_forward){.host_port = 5354, .ns_port = 54, .v6 = 1, .udp = 1};
    o.fwd[o.nfwd++] = (gw_forward){.host_port = 8086, .ns_port = 86, .v6 = 1};
    gw_steer_init(&s, &o, 2);
    n = tcp_frame(f, o.addr, 53, o.gw, 61000);
    f[14 + 9] = 17;
    owner = 99;
    assert_int_equal(gw_steer_frame(&s, 1, f, n, &owner), GW_STEER_HAND);
    assert_int_equal(owner, 0);
    assert_int_equal(gw_steer_frame(&s, 0, f, n, &owner), GW_STEER_LOCAL);
    f[14 + 9] = 6; /* TCP from 53: no forward's */
    assert_int_equal(gw_steer_frame(&s, 1, f, n, &owner), GW_STEER_LOCAL);
    n = tcp_frame(f, o.addr, 80, o.gw, 40000);
    f[14 + 9] = 17; /* UDP from 80 (a TCP forward's port): not a forward's */
    assert_int_equal(gw_steer_frame(&s, 1, f, n, &owner), GW_STEER_LOCAL);
    uint8_t u6[14 + 40 + 8] = {[12] = 0x86, [13] = 0xdd, [14] = 0x60, [14 + 6] = 17};
    memcpy(u6 + 14 + 8, o.addr6, 16);
    memcpy(u6 + 14 + 24, o.gw6, 16);
    u6[14 + 41] = 54;
    owner = 99;
    assert_int_equal(gw_steer_frame(&s, 1, u6, sizeof(u6), &owner), GW_STEER_HAND);
    assert_int_equal(owner, 0);
    u6[14 + 41] = 86; /* UDP from the TCP6 forward's port */
    assert_int_equal(gw_steer_frame(&s, 1, u6, sizeof(u6), &owner), GW_STEER_LOCAL);
    u6[14 + 6] = 6;
    assert_int_equal(gw_steer_frame(&s, 1, u6, sizeof(u6), &owner), GW_STEER_HAND);
    u6[14 + 41] = 54; /* TCP from the UDP6 forward's port */
    assert_int_equal(gw_steer_frame(&s, 1, u6, sizeof(u6), &owner), GW_STEER_LOCAL);
    u6[14 + 6] = 17;
    u6[14 + 8] = 0x30; /* another source */
    assert_int_equal(gw_steer_frame(&s, 1, u6, sizeof(u6), &owner), GW_STEER_LOCAL);
    u6[14 + 8] = 0x20;
    u6[14 + 24 + 15] = 3; /* to another address */
    assert_int_equal(gw_steer_frame(&s, 1, u6, sizeof(u6), &owner), GW_STEER_LOCAL);
    /* one thread: everything local, ARP replies too */
    gw_steer_init(&s, &o, 1);
    n = tcp_frame(f, o.addr, 80, o.gw, 40000);
    assert_int_equal(gw_steer_frame(&s, 1, f, n, &owner), GW_STEER_LOCAL);
    n = arp_frame(f, 2);
    assert_int_equal(gw_steer_frame(&s, 0, f, n, &owner), GW_STEER_LOCAL);
}

static void test_inbox_bounded(void **state)
{
    (void)state;
    gw_inbox b;
    assert_int_equal(gw_inbox_init(&b), 0);
    uint8_t f[64] = {1, 2, 3};
    synack_rx_meta m = {.flags = SYNACK_RX_CSUM_PARTIAL, .gso_size = 1448};
    for (uint32_t i = 0; i < GW_INBOX_FRAMES; i++) {
        f[0] = (uint8_t)i;
        assert_int_equal(gw_inbox_put(&b, f, 60, i ? NULL : &m), 0);
    }
    /* full: refused and counted, never grown */
    assert_int_equal(gw_inbox_put(&b, f, 60, NULL), -ENOBUFS);
    assert_int_equal(b.drops, 1);
    assert_int_equal(b.in, GW_INBOX_FRAMES);
    gw_inbox_frame out[8];
    assert_int_equal(gw_inbox_pending(&b), GW_INBOX_FRAMES);
    assert_int_equal(gw_inbox_take(&b, out, 8), 8);
    assert_int_equal(gw_inbox_pending(&b), GW_INBOX_FRAMES - 8);
    for (uint32_t i = 0; i < 8; i++) {
        assert_int_equal(out[i].len, 60);
        assert_int_equal(out[i].buf[0], (uint8_t)i); /* in order */
        assert_int_equal(out[i].buf[1], 2);
        free(out[i].buf);
    }
    assert_int_equal(out[0].meta.flags, SYNACK_RX_CSUM_PARTIAL);
    assert_int_equal(out[0].meta.gso_size, 1448);
    assert_int_equal(out[1].meta.flags, 0);
    assert_int_equal(gw_inbox_put(&b, f, 60, NULL), 0);
    gw_inbox_destroy(&b); /* frees what is still queued (ASan: no leak) */

    /* bounded in bytes too: 64 KiB super-frames fill it long before 512 frames */
    assert_int_equal(gw_inbox_init(&b), 0);
    uint8_t *big = calloc(1, 65536);
    assert_non_null(big);
    uint32_t fit = 0;
    while (gw_inbox_put(&b, big, 65536, NULL) == 0)
        fit++;
    assert_int_equal(fit, GW_INBOX_BYTES / 65536);
    assert_int_equal(b.drops, 1);
    /* the eventfd woke: readable */
    uint64_t v = 0;
    assert_int_equal(read(b.efd, &v, sizeof(v)), (ssize_t)sizeof(v));
    assert_true(v >= 1);
    gw_inbox_clear(&b); /* nothing to read: no block, no error */
    free(big);
    gw_inbox_destroy(&b);
}

/* Producers on other threads, one consumer: every frame is either taken once, in each
 * producer's order, or refused and counted. */
#define PUTS 5000
#define PRODUCERS 3

typedef struct producer {
    gw_inbox *b;
    uint8_t id;
    uint32_t ok;
    atomic_int done;
} producer;

static void *produce(void *arg)
{
    producer *p = arg;
    uint8_t f[8] = {p->id};
    for (uint32_t i = 0; i < PUTS; i++) {
        memcpy(f + 4, &p->ok, sizeof(p->ok));
        if (gw_inbox_put(p->b, f, sizeof(f), NULL) == 0)
            p->ok++;
    }
    atomic_store(&p->done, 1);
    return NULL;
}

static void test_inbox_threads(void **state)
{
    (void)state;
    gw_inbox b;
    assert_int_equal(gw_inbox_init(&b), 0);
    producer p[PRODUCERS];
    pthread_t t[PRODUCERS];
    for (uint8_t i = 0; i < PRODUCERS; i++) {
        p[i].b = &b;
        p[i].id = i;
        p[i].ok = 0;
        atomic_init(&p[i].done, 0);
        assert_int_equal(pthread_create(&t[i], NULL, produce, &p[i]), 0);
    }
    uint32_t next[PRODUCERS] = {0}, taken = 0, running = PRODUCERS;
    gw_inbox_frame f[16];
    while (running || gw_inbox_pending(&b)) {
        running = 0;
        for (uint8_t i = 0; i < PRODUCERS; i++)
            running += !atomic_load(&p[i].done);
        uint32_t n = gw_inbox_take(&b, f, 16);
        for (uint32_t i = 0; i < n; i++) {
            uint32_t seq;
            memcpy(&seq, f[i].buf + 4, sizeof(seq));
            assert_int_equal(seq, next[f[i].buf[0]]++);
            free(f[i].buf);
        }
        taken += n;
    }
    uint32_t ok = 0;
    for (uint8_t i = 0; i < PRODUCERS; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(next[i], p[i].ok);
        ok += p[i].ok;
    }
    assert_int_equal(taken, ok);
    assert_int_equal(b.in, ok);
    assert_int_equal(b.in + b.drops, PRODUCERS * PUTS);
    gw_inbox_destroy(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_option),
        cmocka_unit_test(test_steering),
        cmocka_unit_test(test_inbox_bounded),
        cmocka_unit_test(test_inbox_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
