/* SPDX-License-Identifier: MIT */
/* Acceptance of the TCP core over a bad network (issue "core"): bulk data in both
 * directions at once over a path that loses and reorders frames, for many seeds; a smaller
 * transfer at 10% loss; and a bulk transfer through a 100 Mbit/s bottleneck, clean and with
 * 0.1% random loss (CUBIC, then BBR, which must reach 90% of the bottleneck).
 *
 * Each direction carries a byte stream that is a pure function of (seed, offset), so both
 * ends can hash it: the sender hashes what send() accepted, the receiver what recv()
 * returned, and the two FNV-1a 64 hashes and lengths must match. Afterwards both sides
 * close (the client first), the FIN exchange must leave the client in TIME-WAIT and the
 * server with nothing, and after 2*MSL no connection may be left anywhere. No counter that
 * stands for lost or discarded data may be non-zero. */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support/pair.h"

#define MiB (1024u * 1024u)
#define STEP_US 1000u /* the driving loop advances the network 1 ms at a time */
#define CHUNK 65536u  /* bytes generated / read per call */

/* ---- the byte streams ---- */

static uint64_t splitmix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* Word w of the stream named by seed: the stream is these 64-bit words in the machine's
 * byte order (both ends run on the same machine). */
static uint64_t stream_word(uint64_t seed, uint64_t w)
{
    return splitmix(seed ^ w * 0xd6e8feb86659fd93ull);
}

/* Bytes [off, off + n) of the stream named by seed. */
static void stream_fill(uint64_t seed, uint64_t off, uint8_t *buf, size_t n)
{
    size_t i = 0;
    while (i < n && (off + i) % 8 != 0) { /* up to the next word boundary */
        uint64_t pos = off + i;
        uint64_t v = stream_word(seed, pos / 8);
        buf[i++] = ((const uint8_t *)&v)[pos % 8];
    }
    for (; n - i >= 8; i += 8) {
        uint64_t v = stream_word(seed, (off + i) / 8);
        memcpy(buf + i, &v, 8);
    }
    for (; i < n; i++) {
        uint64_t pos = off + i;
        uint64_t v = stream_word(seed, pos / 8);
        buf[i] = ((const uint8_t *)&v)[pos % 8];
    }
}

/* FNV-1a 64 taken a 64-bit word at a time (eight times fewer steps than
 * byte-wise, which matters in the sanitizer build), over a byte stream that arrives in
 * pieces of any length. */
typedef struct hasher {
    uint64_t h;      /* the hash so far, over whole words */
    uint8_t tail[8]; /* bytes of the unfinished word */
    unsigned ntail;  /* how many (0..7) */
} hasher;

static void hasher_init(hasher *x)
{
    memset(x, 0, sizeof(*x));
    x->h = 0xcbf29ce484222325ull;
}

static void hash_word(hasher *x, uint64_t w)
{
    x->h ^= w;
    x->h *= 0x100000001b3ull;
}

static void hasher_add(hasher *x, const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n && x->ntail != 0) {
        x->tail[x->ntail++] = p[i++];
        if (x->ntail == 8) {
            uint64_t w;
            memcpy(&w, x->tail, 8);
            hash_word(x, w);
            memset(x->tail, 0, 8);
            x->ntail = 0;
        }
    }
    uint64_t h = x->h;
    for (; n - i >= 8; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);           /* one load (native order: the same on both ends) */
        h = (h ^ w) * 0x100000001b3ull; /* hash_word(), by hand: the hot loop */
    }
    x->h = h;
    /* Fewer than 8 bytes are left, and the tail is empty unless nothing is left (the first
     * loop only stops early once it has emptied the tail). Written as one bounded copy: a
     * byte loop indexed by ntail lets GCC at -O2/-O3 unroll past tail[7] for a constant n. */
    size_t rest = n - i;
    if (rest != 0) {
        memcpy(x->tail, p + i, rest);
        x->ntail = (unsigned)rest;
    }
}

/* The final value: the unfinished word (if any) and the length go in last. */
static uint64_t hasher_final(const hasher *x, uint64_t len)
{
    hasher y = *x;
    if (y.ntail) {
        uint64_t w;
        memcpy(&w, y.tail, 8);
        hash_word(&y, w);
    }
    hash_word(&y, len);
    return y.h;
}

/* ---- one end of a bulk connection ---- */

typedef struct end {
    synack_stack *st;          /* its stack */
    int sock;                  /* its socket, -1 once closed */
    uint64_t seed;             /* the stream it sends */
    uint64_t to_send;          /* stream length to send */
    uint64_t sent;             /* bytes send() accepted */
    uint8_t *pend;             /* generated, not yet accepted: pend[pend_off .. pend_len) */
    size_t pend_off, pend_len; /* window into pend */
    hasher tx_hash;            /* FNV-1a of what was accepted */
    uint64_t got;              /* bytes received */
    hasher rx_hash;            /* FNV-1a of what was received */
    int eof;                   /* recv() returned 0 */
    uint8_t *rbuf;             /* receive scratch */
} end;

static void end_init(end *e, synack_stack *st, int sock, uint64_t seed, uint64_t to_send)
{
    memset(e, 0, sizeof(*e));
    e->st = st;
    e->sock = sock;
    e->seed = seed;
    e->to_send = to_send;
    hasher_init(&e->tx_hash);
    hasher_init(&e->rx_hash);
    e->pend = malloc(CHUNK);
    e->rbuf = malloc(CHUNK);
    assert_non_null(e->pend);
    assert_non_null(e->rbuf);
}

static void end_free(end *e)
{
    free(e->pend);
    free(e->rbuf);
}

/* Writes as much as the send buffer takes. */
/* Whether the socket is ready for `what` (POLLIN, POLLOUT): asking first spares the
 * stack most of the calls that would only say EAGAIN, which keeps the 1 ms loop cheap. */
static int end_ready(end *e, short what)
{
    synack_pollfd pfd = {.sock = e->sock, .events = what};
    return e->sock >= 0 && synack_sock_poll(e->st, &pfd, 1) == 1 && (pfd.revents & what);
}

static void end_push(end *e)
{
    if (e->sent == e->to_send || !end_ready(e, POLLOUT))
        return;
    while (e->sock >= 0 && e->sent < e->to_send) {
        if (e->pend_off == e->pend_len) {
            uint64_t left = e->to_send - e->sent;
            e->pend_len = left < CHUNK ? (size_t)left : CHUNK;
            e->pend_off = 0;
            stream_fill(e->seed, e->sent, e->pend, e->pend_len);
        }
        ssize_t r =
            synack_send(e->st, e->sock, e->pend + e->pend_off, e->pend_len - e->pend_off, 0);
        if (r == -EAGAIN)
            return;
        if (r <= 0)
            fail_msg("send: %zd after %llu bytes", r, (unsigned long long)e->sent);
        hasher_add(&e->tx_hash, e->pend + e->pend_off, (size_t)r);
        e->pend_off += (size_t)r;
        e->sent += (uint64_t)r;
    }
}

/* Reads everything that has arrived. */
static void end_pull(end *e)
{
    if (e->eof || !end_ready(e, POLLIN))
        return;
    while (e->sock >= 0 && !e->eof) {
        ssize_t r = synack_recv(e->st, e->sock, e->rbuf, CHUNK, 0);
        if (r == -EAGAIN)
            return;
        if (r < 0)
            fail_msg("recv: %zd after %llu bytes", r, (unsigned long long)e->got);
        if (r == 0) {
            e->eof = 1;
            return;
        }
        hasher_add(&e->rx_hash, e->rbuf, (size_t)r);
        e->got += (uint64_t)r;
    }
}

/* listen + connect, stepping 1 ms until accept() succeeds. Returns the server socket. */
static int establish(pair *p, int *ls, int *cs, uint64_t limit)
{
    *ls = pair_listen(p, 80, 4);
    *cs = pair_connect(p, 80);
    assert_true(*ls >= 0 && *cs >= 0);
    int ss = -EAGAIN;
    while (ss == -EAGAIN && p->now < limit) {
        pair_run_for(p, STEP_US);
        ss = synack_accept(p->st[PAIR_SERVER], *ls, NULL, NULL);
    }
    assert_true(ss >= 0);
    return ss;
}

static int count_all(pair *p, int host)
{
    int n = 0;
    for (int s = 0; s < SYNACK_STATE_COUNT; s++)
        n += pair_count_state(p, host, (synack_tcp_state)s);
    return n;
}

/* Counters that mean data was thrown away or a connection died: all must stay 0.
 * (OutRsts is not among them: a closed server answers a late duplicate ACK from the
 * client's TIME-WAIT with a RST, RFC 9293 3.10.7.1, which TIME-WAIT ignores, RFC 1337.) */
static void assert_no_data_loss(pair *p)
{
    static const synack_counter bad[] = {
        SYNACK_CTR_EstabResets,
        SYNACK_CTR_AttemptFails,
        SYNACK_CTR_TCPAbortOnData,
        SYNACK_CTR_TCPAbortOnClose,
        SYNACK_CTR_TCPAbortOnLinger,
        SYNACK_CTR_TCPAbortOnTimeout,
        SYNACK_CTR_TCPAbortFailed,
        SYNACK_CTR_TCPRcvQDrop,
        SYNACK_CTR_TCPZeroWindowDrop,
        SYNACK_CTR_NoMemory,
        SYNACK_CTR_OutDiscards,
        SYNACK_CTR_InDiscards,
        SYNACK_CTR_InCsumErrors,
        SYNACK_CTR_InHdrErrors,
        SYNACK_CTR_InErrs,
        SYNACK_CTR_TCPKeepAliveTimeouts,
    };
    for (int h = 0; h < 2; h++) {
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            uint64_t v = synack_counter_get(p->st[h], bad[i]);
            if (v != 0)
                fail_msg("%s: %s = %llu", h ? "server" : "client", synack_counter_name(bad[i]),
                         (unsigned long long)v);
        }
    }
}

typedef struct bulk_result {
    uint64_t t_established; /* when accept() succeeded */
    uint64_t t_done;        /* when the last byte (both ways) had been read */
    uint64_t t_rcvd;        /* when both receivers had read everything (goodput's end) */
    uint64_t t_closed;      /* when the server's connection was gone */
} bulk_result;

/* Moves c2s bytes client -> server and s2c bytes server -> client on one connection at
 * the same time, then closes (client first) and checks the whole life of the connection. */
static bulk_result bulk(pair *p, uint64_t seed, uint64_t c2s, uint64_t s2c, uint64_t limit)
{
    bulk_result res = {0};
    int ls, cs;
    int ss = establish(p, &ls, &cs, limit);
    res.t_established = p->now;
    end cl, sv;
    end_init(&cl, p->st[PAIR_CLIENT], cs, splitmix(seed * 2 + 1), c2s);
    end_init(&sv, p->st[PAIR_SERVER], ss, splitmix(seed * 2 + 2), s2c);
    int server_gone = 0;
    while (!server_gone && p->now < limit) {
        end_push(&cl);
        end_push(&sv);
        pair_run_for(p, STEP_US);
        end_pull(&cl);
        end_pull(&sv);
        if (!res.t_rcvd && sv.got == c2s && cl.got == s2c)
            res.t_rcvd = p->now;
        if (cl.sock >= 0 && cl.sent == c2s && cl.got == s2c) {
            /* All sent and all read: the client closes first (active close). */
            res.t_done = p->now;
            assert_int_equal(synack_close(cl.st, cl.sock), 0);
            cl.sock = -1;
        }
        if (sv.sock >= 0 && sv.eof && sv.sent == s2c) {
            if (!res.t_done || sv.got != c2s)
                fail_msg("server saw EOF after %llu of %llu bytes", (unsigned long long)sv.got,
                         (unsigned long long)c2s);
            assert_int_equal(synack_close(sv.st, sv.sock), 0);
            sv.sock = -1;
        }
        if (sv.sock < 0 && count_all(p, PAIR_SERVER) == 1 /* the listener */) {
            server_gone = 1;
            res.t_closed = p->now;
        }
    }
    if (!server_gone)
        fail_msg("not finished by %llu us: client sent %llu got %llu, server sent %llu got "
                 "%llu eof %d",
                 (unsigned long long)p->now, (unsigned long long)cl.sent,
                 (unsigned long long)cl.got, (unsigned long long)sv.sent,
                 (unsigned long long)sv.got, sv.eof);
    /* byte-identical in both directions */
    assert_int_equal(sv.got, c2s);
    assert_int_equal(cl.got, s2c);
    assert_true(hasher_final(&cl.tx_hash, cl.sent) == hasher_final(&sv.rx_hash, sv.got));
    assert_true(hasher_final(&sv.tx_hash, sv.sent) == hasher_final(&cl.rx_hash, cl.got));
    /* the FIN exchange: the client (the closer) waits in TIME-WAIT, the server went
     * through LAST-ACK and is gone */
    assert_int_equal(pair_count_state(p, PAIR_CLIENT, SYNACK_TIME_WAIT), 1);
    assert_int_equal(count_all(p, PAIR_CLIENT), 1);
    assert_true(pair_saw_state(p, PAIR_CLIENT, SYNACK_FIN_WAIT_1));
    assert_true(pair_saw_state(p, PAIR_SERVER, SYNACK_CLOSE_WAIT));
    assert_true(pair_saw_state(p, PAIR_SERVER, SYNACK_LAST_ACK));
    assert_false(pair_saw_state(p, PAIR_SERVER, SYNACK_TIME_WAIT));
    /* 2*MSL later nothing is left. (Counted from now, not from entering TIME-WAIT: a
     * retransmitted FIN that arrives in TIME-WAIT restarts the 2*MSL timer, RFC 9293
     * 3.10.7.4; the server is gone, so none can come after now.) */
    assert_int_equal(synack_close(p->st[PAIR_SERVER], ls), 0);
    synack_config def;
    synack_config_default(&def);
    pair_run_for(p, 2 * def.msl_us + 1000000);
    assert_int_equal(count_all(p, PAIR_CLIENT), 0);
    assert_int_equal(count_all(p, PAIR_SERVER), 0);
    assert_no_data_loss(p);
    end_free(&cl);
    end_free(&sv);
    return res;
}

/* The checker itself: piece sizes do not matter, one flipped bit does. */
static void test_stream_hash_checks_bytes(void **state)
{
    (void)state;
    static uint8_t buf[5000];
    stream_fill(42, 0, buf, sizeof(buf));
    uint8_t part[5000];
    stream_fill(42, 13, part, 100);
    assert_memory_equal(part, buf + 13, 100);
    hasher whole, pieces;
    hasher_init(&whole);
    hasher_init(&pieces);
    hasher_add(&whole, buf, sizeof(buf));
    for (size_t off = 0, k = 1; off < sizeof(buf); off += k, k = k % 13 + 1)
        hasher_add(&pieces, buf + off, off + k <= sizeof(buf) ? k : sizeof(buf) - off);
    assert_true(hasher_final(&whole, sizeof(buf)) == hasher_final(&pieces, sizeof(buf)));
    for (size_t bit = 0; bit < 8 * 40; bit += 7) {
        buf[4950 + bit / 8] ^= (uint8_t)(1u << (bit % 8));
        hasher flipped;
        hasher_init(&flipped);
        hasher_add(&flipped, buf, sizeof(buf));
        assert_true(hasher_final(&flipped, sizeof(buf)) != hasher_final(&whole, sizeof(buf)));
        buf[4950 + bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    hasher shorter;
    hasher_init(&shorter);
    hasher_add(&shorter, buf, sizeof(buf) - 1);
    assert_true(hasher_final(&shorter, sizeof(buf) - 1) != hasher_final(&whole, sizeof(buf)));
}

static void test_16mib_each_way_5pct_loss_5pct_reorder(void **state)
{
    (void)state;
    int seeds = 20;
    const char *env = getenv("SYNACK_LOSSY_SEEDS"); /* for a quick look by hand */
    if (env && atoi(env) > 0)
        seeds = atoi(env);
    for (int s = 1; s <= seeds; s++) {
        synack_config cfg;
        synack_config_default(&cfg);
        cfg.seed = (uint64_t)s;
        synack_fault_config f = {
            .delay_us = 5000, .jitter_us = 1000, .loss = 0.05, .reorder = 0.05};
        pair p;
        pair_init_faults(&p, &cfg, &f, &f);
        bulk_result r = bulk(&p, (uint64_t)s, 16 * MiB, 16 * MiB, 3600000000ull);
        const synack_link_stats *a = synack_simnet_link_stats(p.net, PAIR_CLIENT, PAIR_SERVER);
        const synack_link_stats *b = synack_simnet_link_stats(p.net, PAIR_SERVER, PAIR_CLIENT);
        /* the faults really happened */
        assert_true(a->lost > 0 && b->lost > 0 && a->reordered > 0 && b->reordered > 0);
        printf("seed %2d: 2x16 MiB in %6.2f s virtual; lost %llu/%llu, reordered %llu/%llu; "
               "retrans %llu/%llu, timeouts %llu/%llu, ofo-drop %llu/%llu\n",
               s, (double)(r.t_done - r.t_established) / 1e6, (unsigned long long)a->lost,
               (unsigned long long)b->lost, (unsigned long long)a->reordered,
               (unsigned long long)b->reordered,
               (unsigned long long)synack_counter_get(p.st[0], SYNACK_CTR_RetransSegs),
               (unsigned long long)synack_counter_get(p.st[1], SYNACK_CTR_RetransSegs),
               (unsigned long long)synack_counter_get(p.st[0], SYNACK_CTR_TCPTimeouts),
               (unsigned long long)synack_counter_get(p.st[1], SYNACK_CTR_TCPTimeouts),
               (unsigned long long)synack_counter_get(p.st[0], SYNACK_CTR_TCPOFODrop),
               (unsigned long long)synack_counter_get(p.st[1], SYNACK_CTR_TCPOFODrop));
        pair_free(&p);
    }
}

static void test_1mib_10pct_loss_reorder(void **state)
{
    (void)state;
    for (int s = 1; s <= 5; s++) {
        synack_config cfg;
        synack_config_default(&cfg);
        cfg.seed = 100 + (uint64_t)s;
        synack_fault_config f = {
            .delay_us = 5000, .jitter_us = 1000, .loss = 0.10, .reorder = 0.10};
        pair p;
        pair_init_faults(&p, &cfg, &f, &f);
        bulk_result r = bulk(&p, 100 + (uint64_t)s, 1 * MiB, 0, 3600000000ull);
        printf("seed %d: 1 MiB at 10%% loss in %.2f s virtual\n", 100 + s,
               (double)(r.t_done - r.t_established) / 1e6);
        pair_free(&p);
    }
}

static void test_bottleneck_100mbit_20ms(void **state)
{
    (void)state;
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.seed = 1;
    /* 10 ms each way (20 ms RTT); the data direction serialises at 100 Mbit/s behind a
     * queue of about one bandwidth-delay product (250 kB = ~170 frames). */
    synack_fault_config data = {.delay_us = 10000, .rate_bps = 100000000, .queue_frames = 170};
    synack_fault_config acks = {.delay_us = 10000};
    pair p;
    pair_init_faults(&p, &cfg, &data, &acks);
    const uint64_t total = 16 * MiB;
    bulk_result r = bulk(&p, 1, total, 0, 600000000ull);
    double secs = (double)(r.t_done - r.t_established) / 1e6;
    const synack_link_stats *a = synack_simnet_link_stats(p.net, PAIR_CLIENT, PAIR_SERVER);
    printf("bottleneck 100 Mbit/s, 20 ms RTT: 16 MiB in %.3f s virtual = %.1f Mbit/s goodput "
           "(queue drops %llu, retrans %llu)\n",
           secs, (double)total * 8 / secs / 1e6, (unsigned long long)a->queue_drops,
           (unsigned long long)synack_counter_get(p.st[PAIR_CLIENT], SYNACK_CTR_RetransSegs));
    pair_free(&p);
}

/* A 100 Mbit/s, 20 ms, 0.1% random-loss path. A loss-based congestion controller is
 * bounded here by the Mathis et al. law, rate <= 1.22 MSS / (RTT sqrt(p)) = 1.22 * 1448 B *
 * 8 / (20 ms * 0.0316) = 22 Mbit/s, whatever the bottleneck's capacity; CUBIC at a 20 ms
 * RTT runs in its Reno-friendly region (RFC 9438 4.3) and is held to the same order. The
 * test asserts the transfer completes intact at no less than 70% of that bound (the issue's
 * 90%-of-bottleneck target needs a model-based controller: test_bbr_fills_lossy_bottleneck). */
static void test_bottleneck_with_random_loss(void **state)
{
    (void)state;
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.seed = 3;
    cfg.sndbuf = cfg.rcvbuf = 1u << 20; /* room for the bandwidth-delay product and more */
    synack_fault_config data = {
        .delay_us = 10000, .rate_bps = 100000000, .queue_frames = 170, .loss = 0.001};
    synack_fault_config acks = {.delay_us = 10000};
    pair p;
    pair_init_faults(&p, &cfg, &data, &acks);
    const uint64_t total = 32 * MiB;
    bulk_result r = bulk(&p, 1, total, 0, 600000000ull);
    double secs = (double)(r.t_done - r.t_established) / 1e6;
    double mbit = (double)total * 8 / secs / 1e6;
    const synack_link_stats *a = synack_simnet_link_stats(p.net, PAIR_CLIENT, PAIR_SERVER);
    printf("bottleneck 100 Mbit/s, 20 ms RTT, 0.1%% loss: 32 MiB in %.3f s virtual = %.1f "
           "Mbit/s goodput (Mathis bound 22; lost %llu, queue drops %llu, retrans %llu, "
           "timeouts %llu)\n",
           secs, mbit, (unsigned long long)a->lost, (unsigned long long)a->queue_drops,
           (unsigned long long)synack_counter_get(p.st[PAIR_CLIENT], SYNACK_CTR_RetransSegs),
           (unsigned long long)synack_counter_get(p.st[PAIR_CLIENT], SYNACK_CTR_TCPTimeouts));
    assert_true(mbit >= 0.7 * 22.0);
    pair_free(&p);
}

/* The same path with BBR (cc "bbr", which paces): its model of the path (the maximum
 * delivery rate, the minimum RTT) does not shrink for random loss, so the transfer fills
 * the bottleneck. The link carries at most 1448 payload bytes per 1500-byte frame, 96.5
 * Mbit/s of goodput; the issue asks for 90% of the bottleneck, measured from the accept()
 * to the last byte read by the receiver, so Startup and the loss repairs count too. */
static void test_bbr_fills_lossy_bottleneck(void **state)
{
    (void)state;
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.seed = 3;
    cfg.sndbuf = cfg.rcvbuf = 1u << 20;
    memcpy(cfg.cc, "bbr", 4);
    synack_fault_config data = {
        .delay_us = 10000, .rate_bps = 100000000, .queue_frames = 170, .loss = 0.001};
    synack_fault_config acks = {.delay_us = 10000};
    pair p;
    pair_init_faults(&p, &cfg, &data, &acks);
    const uint64_t total = 32 * MiB;
    bulk_result r = bulk(&p, 1, total, 0, 600000000ull);
    double secs = (double)(r.t_rcvd - r.t_established) / 1e6;
    double mbit = (double)total * 8 / secs / 1e6;
    const synack_link_stats *a = synack_simnet_link_stats(p.net, PAIR_CLIENT, PAIR_SERVER);
    printf("bbr, bottleneck 100 Mbit/s, 20 ms RTT, 0.1%% loss: 32 MiB in %.3f s virtual = "
           "%.1f Mbit/s goodput (lost %llu, queue drops %llu, retrans %llu, timeouts %llu)\n",
           secs, mbit, (unsigned long long)a->lost, (unsigned long long)a->queue_drops,
           (unsigned long long)synack_counter_get(p.st[PAIR_CLIENT], SYNACK_CTR_RetransSegs),
           (unsigned long long)synack_counter_get(p.st[PAIR_CLIENT], SYNACK_CTR_TCPTimeouts));
    assert_true(a->lost > 0); /* the loss really happened */
    assert_true(mbit >= 90.0);
    pair_free(&p);
}

/* Drops every pure ACK from the client that opens its window from below one MSS: the
 * window updates a small receive buffer sends after the application reads. */
static int drop_window_updates(pair *p, const pair_seg *s, size_t i, void *ctx)
{
    int *dropped = ctx;
    if (s->from != PAIR_CLIENT || s->s.len != 0 || (s->s.flags & 0x07))
        return 0;
    /* the client's previous segment */
    size_t j = i;
    while (j > 0 && p->segs[j - 1].from != PAIR_CLIENT)
        j--;
    if (j == 0)
        return 0;
    uint32_t before = p->segs[j - 1].s.win << 7, after = s->s.win << 7; /* wscale 7 */
    if (before >= 1448 || after <= before)
        return 0;
    (*dropped)++;
    return 1;
}

/* A lost window update must not stall the sender: with less than an MSS of window open
 * and nothing in flight, sender-side SWS avoidance holds the data back, and only the
 * RFC 1122 4.2.3.4 override timeout (the persist timer) can move it. */
static void test_lost_window_update_does_not_stall(void **state)
{
    (void)state;
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.sndbuf = cfg.rcvbuf = 4096;
    synack_fault_config f = {.delay_us = 5000};
    pair p;
    pair_init_faults(&p, &cfg, &f, &f);
    int dropped = 0;
    p.filter = drop_window_updates;
    p.filter_ctx = &dropped;
    bulk_result r = bulk(&p, 9, 0, 300000, 120000000ull);
    assert_true(dropped > 0);
    printf("300 kB through a 4 KiB window, %d window updates lost: %.2f s virtual\n", dropped,
           (double)(r.t_done - r.t_established) / 1e6);
    pair_free(&p);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stream_hash_checks_bytes),
        cmocka_unit_test(test_16mib_each_way_5pct_loss_5pct_reorder),
        cmocka_unit_test(test_1mib_10pct_loss_reorder),
        cmocka_unit_test(test_bottleneck_100mbit_20ms),
        cmocka_unit_test(test_bottleneck_with_random_loss),
        cmocka_unit_test(test_bbr_fills_lossy_bottleneck),
        cmocka_unit_test(test_lost_window_update_does_not_stall),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
