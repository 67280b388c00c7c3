/* SPDX-License-Identifier: MIT */
/* The simulated network: routing, each link fault, the bottleneck, scripted rules, the
 * event order, injection, the bounds, memory, and determinism under a seed. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support/pair.h"
#include "synack/simnet.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"

#define A_ADDR 0xc0000201u /* 192.0.2.1 */
#define B_ADDR 0xc0000202u /* 192.0.2.2 */
#define C_ADDR 0xc0000203u /* 192.0.2.3 */

/* ---- a counting allocator, to see that the network frees what it takes ---- */

typedef struct counting {
    size_t in_use;     /* bytes held */
    size_t calls;      /* allocations made */
    size_t fail_after; /* allocations allowed before failing; SIZE_MAX = never fail */
} counting;

static void *c_alloc(void *ctx, size_t size)
{
    counting *c = ctx;
    if (c->calls >= c->fail_after)
        return NULL;
    c->calls++;
    void *p = malloc(size);
    if (p)
        c->in_use += size;
    return p;
}

static void c_free(void *ctx, void *p, size_t size)
{
    counting *c = ctx;
    c->in_use -= size;
    free(p);
}

/* ---- deliveries seen through the tap ---- */

typedef struct arrival {
    int from, to;  /* hosts */
    uint64_t t;    /* time */
    size_t len;    /* bytes */
    uint16_t tag;  /* the ICMP sequence number of our test frames */
    int delivered; /* tap's flag */
} arrival;

typedef struct taplog {
    arrival a[4096]; /* in tap order */
    size_t n;        /* entries */
    uint64_t hash;   /* FNV-1a over everything delivered, for determinism checks */
} taplog;

static void fnv(uint64_t *h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        *h ^= b[i];
        *h *= 0x100000001b3ull;
    }
}

static void log_tap(void *ctx, int from, int to, uint64_t t, const uint8_t *frame, size_t len,
                    int delivered)
{
    taplog *l = ctx;
    if (delivered) {
        fnv(&l->hash, &t, sizeof(t));
        fnv(&l->hash, &from, sizeof(from));
        fnv(&l->hash, frame, len);
    }
    if (l->n == sizeof(l->a) / sizeof(l->a[0]))
        return;
    arrival *a = &l->a[l->n++];
    a->from = from;
    a->to = to;
    a->t = t;
    a->len = len;
    a->delivered = delivered;
    a->tag = len >= 28 ? (uint16_t)(frame[26] << 8 | frame[27]) : 0;
}

/* An ICMP echo reply from src to dst carrying `payload` bytes and sequence `tag`: the
 * receiving stack takes it and answers nothing ("icmp-ignored"). */
static size_t echo_reply(uint8_t *buf, size_t cap, uint32_t src, uint32_t dst, uint16_t tag,
                         size_t payload)
{
    uint8_t data[1400];
    assert_true(payload <= sizeof(data));
    for (size_t i = 0; i < payload; i++)
        data[i] = (uint8_t)(i * 7 + tag);
    icmp_msg m = {.type = ICMP_ECHO_REPLY,
                  .rest = 0x1234u << 16 | tag,
                  .payload = data,
                  .payload_len = payload};
    size_t n = icmp_emit(buf + IPV4_HDR_LEN, cap - IPV4_HDR_LEN, &m);
    assert_true(n > 0);
    ipv4_hdr h = {.ttl = 64, .proto = IP_PROTO_ICMP, .src = src, .dst = dst, .id = tag};
    assert_int_equal(ipv4_emit(buf, cap, &h, n), IPV4_HDR_LEN);
    return IPV4_HDR_LEN + n;
}

static int add(synack_simnet *n, uint32_t addr)
{
    synack_config c;
    synack_config_default(&c);
    c.netif.addr = addr;
    synack_config_deterministic(&c, addr);
    return synack_simnet_add_host(n, &c);
}

/* Sends `count` echo replies from host `from` (address src) to dst, one per call. */
static void send_echoes(synack_simnet *n, int from, uint32_t src, uint32_t dst, int count,
                        size_t payload)
{
    uint8_t buf[1500];
    for (int i = 0; i < count; i++) {
        size_t len = echo_reply(buf, sizeof(buf), src, dst, (uint16_t)i, payload);
        assert_int_equal(synack_simnet_inject(n, from, 0, buf, len), 0);
    }
}

static void test_route_and_delay(void **state)
{
    (void)state;
    synack_simnet *n = synack_simnet_new(NULL, 1, 1000);
    assert_int_equal(add(n, A_ADDR), 0);
    assert_int_equal(add(n, B_ADDR), 1);
    assert_int_equal(add(n, C_ADDR), 2);
    assert_int_equal(add(n, B_ADDR), -EADDRINUSE);
    assert_int_equal(synack_simnet_hosts(n), 3);
    assert_int_equal(synack_simnet_host_of(n, C_ADDR), 2);
    synack_fault_config f = {.delay_us = 5000};
    synack_simnet_set_link(n, 0, 1, &f);
    f.delay_us = 7000;
    synack_simnet_set_link(n, 0, 2, &f);
    taplog *log = calloc(1, sizeof(*log));
    synack_simnet_set_tap(n, log_tap, log);

    uint8_t buf[1500];
    size_t len = echo_reply(buf, sizeof(buf), A_ADDR, C_ADDR, 1, 100);
    assert_int_equal(synack_simnet_inject(n, 0, 0, buf, len), 0);
    len = echo_reply(buf, sizeof(buf), A_ADDR, B_ADDR, 2, 100);
    assert_int_equal(synack_simnet_inject(n, 0, 0, buf, len), 0);
    len = echo_reply(buf, sizeof(buf), A_ADDR, 0xc0000263u, 3, 100);
    assert_int_equal(synack_simnet_inject(n, 0, 0, buf, len), -EHOSTUNREACH);
    assert_int_equal(synack_simnet_unroutable(n), 1);
    assert_int_equal(synack_simnet_inflight(n), 2);
    assert_int_equal(synack_simnet_next(n), 5000);

    synack_simnet_run(n, 4999);
    assert_int_equal(synack_simnet_now(n), 4999);
    assert_int_equal(synack_counter_get(synack_simnet_stack(n, 1), SYNACK_CTR_InReceives), 0);
    synack_simnet_run(n, 100000);
    assert_int_equal(synack_simnet_now(n), 100000);
    assert_int_equal(synack_counter_get(synack_simnet_stack(n, 1), SYNACK_CTR_InReceives), 1);
    assert_int_equal(synack_counter_get(synack_simnet_stack(n, 2), SYNACK_CTR_InReceives), 1);
    /* tap: the unroutable drop (to -1), then B at 5 ms, then C at 7 ms */
    assert_int_equal(log->n, 3);
    assert_int_equal(log->a[0].to, -1);
    assert_int_equal(log->a[0].delivered, 0);
    assert_int_equal(log->a[1].to, 1);
    assert_int_equal(log->a[1].t, 5000);
    assert_int_equal(log->a[2].to, 2);
    assert_int_equal(log->a[2].t, 7000);
    const synack_link_stats *s = synack_simnet_link_stats(n, 0, 1);
    assert_int_equal(s->sent, 1);
    assert_int_equal(s->delivered, 1);
    assert_int_equal(s->bytes, len);
    assert_int_equal(synack_simnet_link_stats(n, 0, 7)->sent, 0); /* no such link */
    synack_simnet_free(n);
    free(log);
}

static void test_same_time_in_send_order(void **state)
{
    (void)state;
    synack_simnet *n = synack_simnet_new(NULL, 1, 1000);
    add(n, A_ADDR);
    add(n, B_ADDR);
    synack_fault_config f = {.delay_us = 1000};
    synack_simnet_set_path(n, 0, 1, &f);
    taplog *log = calloc(1, sizeof(*log));
    synack_simnet_set_tap(n, log_tap, log);
    send_echoes(n, 0, A_ADDR, B_ADDR, 50, 10);
    uint8_t buf[200];
    size_t len = echo_reply(buf, sizeof(buf), A_ADDR, B_ADDR, 50, 10);
    assert_int_equal(synack_simnet_inject(n, -1, 1000, buf, len), 0); /* same arrival time */
    synack_simnet_run_idle(n, UINT64_MAX);
    assert_int_equal(log->n, 51);
    for (size_t i = 0; i < log->n; i++) {
        assert_int_equal(log->a[i].tag, i);
        assert_int_equal(log->a[i].t, 1000);
    }
    assert_int_equal(log->a[50].from, -1);
    synack_simnet_free(n);
    free(log);
}

static void test_loss_dup_blackhole(void **state)
{
    (void)state;
    synack_simnet *n = synack_simnet_new(NULL, 42, 100000);
    add(n, A_ADDR);
    add(n, B_ADDR);
    add(n, C_ADDR);
    synack_fault_config loss = {.delay_us = 100, .loss = 0.3};
    synack_fault_config dup = {.delay_us = 100, .dup = 1.0};
    synack_fault_config hole = {.delay_us = 100, .blackhole = 1};
    synack_simnet_set_link(n, 0, 1, &loss);
    synack_simnet_set_link(n, 0, 2, &dup);
    synack_simnet_set_link(n, 1, 2, &hole);
    send_echoes(n, 0, A_ADDR, B_ADDR, 2000, 20);
    send_echoes(n, 0, A_ADDR, C_ADDR, 100, 20);
    send_echoes(n, 1, B_ADDR, C_ADDR, 100, 20);
    uint8_t buf[200];
    size_t len = echo_reply(buf, sizeof(buf), B_ADDR, C_ADDR, 9, 20);
    assert_int_equal(synack_simnet_inject(n, -1, 0, buf, len), 0); /* outsiders bypass faults */
    synack_simnet_run_idle(n, UINT64_MAX);

    const synack_link_stats *s = synack_simnet_link_stats(n, 0, 1);
    assert_int_equal(s->sent, 2000);
    assert_int_equal(s->lost + s->delivered, 2000);
    assert_in_range(s->lost, 500, 700); /* 30% of 2000, well within 5 sigma */
    assert_int_equal(synack_counter_get(synack_simnet_stack(n, 1), SYNACK_CTR_InReceives),
                     s->delivered);
    s = synack_simnet_link_stats(n, 0, 2);
    assert_int_equal(s->duplicated, 100);
    assert_int_equal(s->delivered, 200);
    s = synack_simnet_link_stats(n, 1, 2);
    assert_int_equal(s->lost, 100);
    assert_int_equal(s->delivered, 0);
    assert_int_equal(synack_counter_get(synack_simnet_stack(n, 2), SYNACK_CTR_InReceives), 201);
    synack_simnet_free(n);
}

static void test_jitter_and_reorder(void **state)
{
    (void)state;
    synack_simnet *n = synack_simnet_new(NULL, 3, 100000);
    add(n, A_ADDR);
    add(n, B_ADDR);
    synack_fault_config f = {
        .delay_us = 2000, .jitter_us = 500, .reorder = 0.2, .reorder_us = 10000};
    synack_simnet_set_link(n, 0, 1, &f);
    taplog *log = calloc(1, sizeof(*log));
    synack_simnet_set_tap(n, log_tap, log);
    for (int i = 0; i < 1000; i++) {
        uint8_t buf[200];
        size_t len = echo_reply(buf, sizeof(buf), A_ADDR, B_ADDR, (uint16_t)i, 10);
        assert_int_equal(synack_simnet_inject(n, 0, 0, buf, len), 0);
        synack_simnet_run(n, synack_simnet_now(n) + 100); /* one frame every 100 us */
    }
    synack_simnet_run_idle(n, UINT64_MAX);
    const synack_link_stats *s = synack_simnet_link_stats(n, 0, 1);
    assert_int_equal(s->delivered, 1000);
    assert_in_range(s->reordered, 140, 260);
    size_t late = 0, overtaken = 0;
    for (size_t i = 0; i < log->n; i++) {
        uint64_t sent = (uint64_t)log->a[i].tag * 100;
        uint64_t d = log->a[i].t - sent;
        if (d >= 12000) {
            late++;
            assert_true(d <= 12500);
        } else {
            assert_in_range(d, 2000, 2500);
        }
        if (i > 0 && log->a[i].tag < log->a[i - 1].tag)
            overtaken++;
    }
    assert_int_equal(late, s->reordered);
    assert_true(overtaken > 0);
    synack_simnet_free(n);
    free(log);
}

static void test_bottleneck(void **state)
{
    (void)state;
    synack_simnet *n = synack_simnet_new(NULL, 1, 1000);
    add(n, A_ADDR);
    add(n, B_ADDR);
    /* 8 Mbit/s: one byte per microsecond; room for 5 frames (incl. the one on the wire) */
    synack_fault_config f = {.delay_us = 1000, .rate_bps = 8000000, .queue_frames = 5};
    synack_simnet_set_link(n, 0, 1, &f);
    taplog *log = calloc(1, sizeof(*log));
    synack_simnet_set_tap(n, log_tap, log);
    send_echoes(n, 0, A_ADDR, B_ADDR, 8, 972); /* 1000-byte frames at t=0 */
    synack_simnet_run_idle(n, UINT64_MAX);
    const synack_link_stats *s = synack_simnet_link_stats(n, 0, 1);
    assert_int_equal(s->queue_drops, 3);
    assert_int_equal(s->delivered, 5);
    size_t k = 0;
    for (size_t i = 0; i < log->n; i++) {
        if (!log->a[i].delivered)
            continue;
        k++;
        assert_int_equal(log->a[i].t, 1000 + 1000 * k); /* serialised back to back */
    }
    /* once the queue has drained, a new frame goes straight through */
    log->n = 0;
    send_echoes(n, 0, A_ADDR, B_ADDR, 1, 972);
    uint64_t t0 = synack_simnet_now(n);
    synack_simnet_run_idle(n, UINT64_MAX);
    assert_int_equal(log->n, 1);
    assert_int_equal(log->a[0].t, t0 + 2000);
    synack_simnet_free(n);
    free(log);
}

static void test_inflight_bound(void **state)
{
    (void)state;
    synack_simnet *n = synack_simnet_new(NULL, 1, 3);
    add(n, A_ADDR);
    add(n, B_ADDR);
    uint8_t buf[200];
    size_t len = echo_reply(buf, sizeof(buf), A_ADDR, B_ADDR, 1, 10);
    for (int i = 0; i < 3; i++)
        assert_int_equal(synack_simnet_inject(n, 0, 10, buf, len), 0);
    assert_int_equal(synack_simnet_inject(n, 0, 10, buf, len), -ENOBUFS);
    assert_int_equal(synack_simnet_inject(n, -1, 10, buf, len), -ENOBUFS);
    assert_int_equal(synack_simnet_link_stats(n, 0, 1)->queue_drops, 1);
    assert_int_equal(synack_simnet_inflight(n), 3);
    synack_simnet_run_idle(n, UINT64_MAX);
    assert_int_equal(synack_simnet_inflight(n), 0);
    assert_int_equal(synack_simnet_link_stats(n, 0, 1)->delivered, 3);
    synack_simnet_free(n);
}

static void test_memory_through_allocator(void **state)
{
    (void)state;
    counting c = {.fail_after = SIZE_MAX};
    synack_allocator a = {c_alloc, c_free, &c};
    synack_simnet *n = synack_simnet_new(&a, 1, 10000);
    for (uint32_t i = 0; i < 9; i++)
        assert_int_equal(add(n, A_ADDR + i), (int)i); /* grows past the first capacity */
    synack_fault_config f = {.delay_us = 100, .rate_bps = 1000000, .dup = 0.5};
    synack_simnet_set_path(n, 0, 8, &f);
    send_echoes(n, 0, A_ADDR, A_ADDR + 8, 300, 100); /* ring grows past 64 */
    static uint8_t big[3000];                        /* larger than the reusable frame blocks */
    ipv4_hdr h = {.ttl = 64, .proto = 253, .src = A_ADDR + 1, .dst = A_ADDR + 2};
    assert_int_equal(ipv4_emit(big, sizeof(big), &h, sizeof(big) - IPV4_HDR_LEN), IPV4_HDR_LEN);
    assert_int_equal(synack_simnet_inject(n, 1, 0, big, sizeof(big)), 0);
    assert_int_equal(synack_simnet_inject(n, 1, 10, big, sizeof(big)), 0);
    assert_true(c.in_use > 0);
    synack_simnet_run(n, 5);
    assert_int_equal(synack_simnet_link_stats(n, 1, 2)->delivered, 1);
    synack_simnet_run(n, 50);
    synack_simnet_free(n); /* with frames still in flight */
    assert_int_equal(c.in_use, 0);

    /* an allocator that runs dry: add_host fails cleanly, nothing leaks */
    for (size_t lim = 0; lim < 40; lim++) {
        counting d = {.fail_after = lim};
        synack_allocator b = {c_alloc, c_free, &d};
        synack_simnet *m = synack_simnet_new(&b, 1, 100);
        if (!m)
            continue;
        int rc = 0;
        for (uint32_t i = 0; i < 6 && rc >= 0; i++)
            rc = add(m, A_ADDR + i);
        synack_simnet_free(m);
        assert_int_equal(d.in_use, 0);
    }
}

/* A TCP transfer client -> server over a pair on faulty links; returns bytes received. */
static size_t transfer(pair *p, size_t total, uint64_t limit_us)
{
    int cs = -1;
    int ls = pair_listen(p, 80, 4);
    cs = pair_connect(p, 80);
    assert_true(ls >= 0 && cs >= 0);
    int ss = -1;
    while (ss < 0 && p->now < limit_us) {
        pair_run_for(p, 1000);
        ss = synack_accept(p->st[PAIR_SERVER], ls, NULL, NULL);
    }
    assert_true(ss >= 0);
    static uint8_t chunk[16384];
    size_t sent = 0, got = 0;
    uint64_t want = 0xcbf29ce484222325ull, have = want;
    while (got < total && p->now < limit_us) {
        while (sent < total) {
            size_t k = total - sent < sizeof(chunk) ? total - sent : sizeof(chunk);
            for (size_t i = 0; i < k; i++)
                chunk[i] = (uint8_t)((sent + i) * 2654435761u >> 13);
            ssize_t r = synack_send(p->st[PAIR_CLIENT], cs, chunk, k, 0);
            if (r <= 0)
                break;
            fnv(&want, chunk, (size_t)r);
            sent += (size_t)r;
        }
        pair_run_for(p, 1000);
        for (;;) {
            ssize_t r = synack_recv(p->st[PAIR_SERVER], ss, chunk, sizeof(chunk), 0);
            if (r <= 0)
                break;
            fnv(&have, chunk, (size_t)r);
            got += (size_t)r;
        }
    }
    assert_int_equal(got, total);
    assert_true(want == have);
    return got;
}

static void test_corruption_caught_by_checksums(void **state)
{
    (void)state;
    /* ICMP: every frame corrupted, every one refused by the IPv4 or ICMP checksum */
    synack_simnet *n = synack_simnet_new(NULL, 5, 1000);
    add(n, A_ADDR);
    add(n, B_ADDR);
    synack_fault_config f = {.delay_us = 10, .corrupt = 1.0};
    synack_simnet_set_link(n, 0, 1, &f);
    send_echoes(n, 0, A_ADDR, B_ADDR, 500, 64);
    synack_simnet_run_idle(n, UINT64_MAX);
    synack_stack *b = synack_simnet_stack(n, 1);
    assert_int_equal(synack_simnet_link_stats(n, 0, 1)->corrupted, 500);
    uint64_t hdr = synack_counter_get(b, SYNACK_CTR_InHdrErrors);
    uint64_t l4 = synack_counter_get(b, SYNACK_CTR_InErrs);
    assert_int_equal(hdr + l4, 500);
    assert_true(hdr > 0 && l4 > 0);
    assert_int_equal(synack_counter_get(b, SYNACK_CTR_InCsumErrors), l4);
    synack_simnet_free(n);

    /* TCP: 3% of frames each way corrupted; the transfer is intact and every corrupted
     * frame was counted by the receiver's checksum checks */
    pair p;
    synack_config cfg;
    synack_config_default(&cfg);
    synack_config_deterministic(&cfg, 11);
    synack_fault_config g = {.delay_us = 2000, .corrupt = 0.03};
    pair_init_faults(&p, &cfg, &g, &g);
    transfer(&p, 512 * 1024, 120000000);
    pair_run_for(&p, 1000000); /* deliver what is still in flight (corrupted when sent) */
    for (int h = 0; h < 2; h++) {
        const synack_link_stats *s = synack_simnet_link_stats(p.net, 1 - h, h);
        uint64_t errs = synack_counter_get(p.st[h], SYNACK_CTR_InHdrErrors) +
                        synack_counter_get(p.st[h], SYNACK_CTR_InErrs);
        assert_true(s->corrupted > 0);
        assert_int_equal(errs, s->corrupted);
    }
    assert_true(synack_counter_get(p.st[PAIR_SERVER], SYNACK_CTR_InCsumErrors) > 0);
    pair_free(&p);
}

static int drop_first_syn(pair *p, const pair_seg *s, size_t i, void *ctx)
{
    (void)p;
    (void)i;
    int *seen = ctx;
    return s->from == PAIR_CLIENT && s->s.flags == 0x02 && (*seen)++ == 0;
}

static void test_rules(void **state)
{
    (void)state;
    /* Drop the first SYN, hold back the first SYN-ACK by 300 ms. */
    synack_fault_config c2s = {.delay_us = 1000};
    c2s.rules[0] = (synack_fault_rule){.flags_mask = 0x12, .flags_value = 0x02, .nth = 1};
    synack_fault_config s2c = {.delay_us = 1000};
    s2c.rules[0] =
        (synack_fault_rule){.flags_mask = 0x12, .flags_value = 0x12, .nth = 1, .delay_us = 300000};
    pair p;
    pair_init_faults(&p, NULL, &c2s, &s2c);
    int ls = pair_listen(&p, 80, 4);
    int cs = pair_connect(&p, 80);
    assert_true(ls >= 0 && cs >= 0);
    pair_run_for(&p, 2000000);
    /* the SYN at 0 is lost, its retransmission at 1 s (RFC 6298 initial RTO) arrives at
     * 1.001 s, the SYN-ACK reaches the client at 1.302 s */
    assert_int_equal(pair_state_time(&p, PAIR_SERVER, SYNACK_SYN_RECEIVED), 1001000);
    assert_int_equal(pair_state_time(&p, PAIR_CLIENT, SYNACK_ESTABLISHED), 1302000);
    assert_int_equal(synack_simnet_link_stats(p.net, 0, 1)->lost, 1);
    assert_true(synack_accept(p.st[PAIR_SERVER], ls, NULL, NULL) >= 0);
    pair_free(&p);

    /* count = 2 drops the first two SYNs; the third (at 3 s) gets through */
    c2s.rules[0].count = 2;
    pair_init_faults(&p, NULL, &c2s, NULL);
    pair_listen(&p, 80, 4);
    pair_connect(&p, 80);
    pair_run_for(&p, 4000000);
    assert_int_equal(pair_state_time(&p, PAIR_CLIENT, SYNACK_ESTABLISHED), 3001000);
    pair_free(&p);

    /* the harness filter works on a simnet pair too (asked at send time) */
    int seen = 0;
    pair_init_faults(&p, NULL, NULL, NULL);
    p.filter = drop_first_syn;
    p.filter_ctx = &seen;
    pair_listen(&p, 80, 4);
    pair_connect(&p, 80);
    pair_run_for(&p, 1010000);
    assert_int_equal(pair_count_state(&p, PAIR_CLIENT, SYNACK_ESTABLISHED), 1);
    assert_int_equal(seen, 2);
    assert_int_equal(p.segs[0].dropped, 1);
    assert_int_equal(p.segs[1].dropped, 0);
    char flow[256];
    pair_flow(&p, 0, flow, sizeof(flow));
    assert_string_equal(flow, "C:S|C:S|S:S.|C:.");
    pair_free(&p);
}

static int add6(synack_simnet *n, uint32_t addr, uint8_t last)
{
    synack_config c;
    synack_config_default(&c);
    c.netif.addr = addr;
    static const uint8_t prefix[4] = {0x20, 0x01, 0x0d, 0xb8}; /* 2001:db8::/32 */
    memcpy(c.netif.addr6, prefix, 4);
    c.netif.addr6[15] = last;
    c.netif.prefix6_len = 64;
    synack_config_deterministic(&c, addr);
    return synack_simnet_add_host(n, &c);
}

/* IPv6 frames go to the host whose netif.addr6 they are for (an address taken twice is
 * -EADDRINUSE, one nobody owns is unroutable), and a rule matches TCP flags over IPv6: the
 * first SYN from 2001:db8::1 to [2001:db8::2]:80 is dropped, its retransmission at the
 * initial RTO (1 s) gets through. */
static void test_ipv6_route_and_rules(void **state)
{
    (void)state;
    synack_simnet *n = synack_simnet_new(NULL, 1, 1000);
    assert_int_equal(add6(n, A_ADDR, 1), 0);
    assert_int_equal(add6(n, B_ADDR, 2), 1);
    assert_int_equal(add6(n, C_ADDR, 2), -EADDRINUSE);
    synack_fault_config c2s = {.delay_us = 1000};
    c2s.rules[0] = (synack_fault_rule){.flags_mask = 0x12, .flags_value = 0x02, .nth = 1};
    synack_fault_config s2c = {.delay_us = 1000};
    assert_int_equal(synack_simnet_set_link(n, 0, 1, &c2s), 0);
    assert_int_equal(synack_simnet_set_link(n, 1, 0, &s2c), 0);
    synack_stack *cl = synack_simnet_stack(n, 0), *sv = synack_simnet_stack(n, 1);

    struct synack_sockaddr_in6 sa = {.sin6_family = SYNACK_AF_INET6, .sin6_port = htons(80)};
    int ls = synack_socket_domain(sv, SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    assert_int_equal(synack_bind(sv, ls, (const struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(synack_listen(sv, ls, 4), 0);
    sa.sin6_addr.s6_bytes[0] = 0x20;
    sa.sin6_addr.s6_bytes[1] = 0x01;
    sa.sin6_addr.s6_bytes[2] = 0x0d;
    sa.sin6_addr.s6_bytes[3] = 0xb8;
    sa.sin6_addr.s6_bytes[15] = 2;
    int cs = synack_socket_domain(cl, SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    assert_int_equal(synack_connect(cl, cs, (const struct sockaddr *)&sa, sizeof(sa)),
                     -EINPROGRESS);
    synack_simnet_run(n, 999999);
    assert_int_equal(synack_accept(sv, ls, NULL, NULL), -EAGAIN);
    assert_int_equal(synack_simnet_link_stats(n, 0, 1)->lost, 1);
    synack_simnet_run(n, 1003000);
    assert_true(synack_accept(sv, ls, NULL, NULL) >= 0);
    assert_int_equal(synack_simnet_link_stats(n, 0, 1)->delivered, 2); /* SYN, ACK */
    assert_int_equal(synack_simnet_link_stats(n, 1, 0)->delivered, 1); /* SYN-ACK */
    assert_int_equal(synack_simnet_unroutable(n), 0);

    /* a bare IPv6 header to 2001:db8::9, which no host owns */
    uint8_t pkt[40] = {0x60};
    pkt[6] = 59; /* no next header */
    pkt[7] = 64;
    memcpy(pkt + 8, sa.sin6_addr.s6_bytes, 16);
    memcpy(pkt + 24, sa.sin6_addr.s6_bytes, 16);
    pkt[39] = 9;
    assert_int_equal(synack_simnet_inject(n, -1, 0, pkt, sizeof(pkt)), -EHOSTUNREACH);
    assert_int_equal(synack_simnet_unroutable(n), 1);
    synack_simnet_free(n);
}

/* One lossy, reordering, duplicating, jittery transfer; the hash of every delivery. */
static uint64_t run_seed(uint64_t seed)
{
    pair p;
    synack_config cfg;
    synack_config_default(&cfg);
    synack_config_deterministic(&cfg, seed);
    synack_fault_config f = {
        .delay_us = 3000, .jitter_us = 1000, .loss = 0.05, .reorder = 0.05, .dup = 0.02};
    pair_init_faults(&p, &cfg, &f, &f);
    taplog *log = calloc(1, sizeof(*log));
    log->hash = 0xcbf29ce484222325ull;
    synack_simnet_set_tap(p.net, log_tap, log);
    transfer(&p, 256 * 1024, 300000000);
    uint64_t h = log->hash;
    fnv(&h, &p.nsegs, sizeof(p.nsegs));
    pair_free(&p);
    free(log);
    return h;
}

static void test_same_seed_same_deliveries(void **state)
{
    (void)state;
    uint64_t a = run_seed(7);
    uint64_t b = run_seed(7);
    uint64_t c = run_seed(8);
    assert_true(a == b);
    assert_true(a != c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_route_and_delay),
        cmocka_unit_test(test_same_time_in_send_order),
        cmocka_unit_test(test_loss_dup_blackhole),
        cmocka_unit_test(test_jitter_and_reorder),
        cmocka_unit_test(test_bottleneck),
        cmocka_unit_test(test_inflight_bound),
        cmocka_unit_test(test_memory_through_allocator),
        cmocka_unit_test(test_corruption_caught_by_checksums),
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_ipv6_route_and_rules),
        cmocka_unit_test(test_same_seed_same_deliveries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
