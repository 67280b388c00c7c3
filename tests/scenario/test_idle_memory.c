/* SPDX-License-Identifier: MIT */
/* The TCB's hot/cold split (tcb.h tcp_xfer): an idle ESTABLISHED connection holds only
 * the hot TCB and its share of the connection table (<= 256 bytes); the transfer block
 * comes back for the next transfer with RTT, window and SACK behaviour intact; and a
 * block that cannot be allocated costs a segment (counted), never the connection. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "stack/stack_impl.h"
#include "support/fixture.h"
#include "tcp/tcp.h"

#define NCONN 32

static tcp_conn *conn_of(pair *p, int host, int s)
{
    tcp_conn *c = p->st[host]->socks[s].conn;
    assert_non_null(c);
    return c;
}

static void test_idle_connection_holds_only_the_hot_tcb(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, NULL, 1000);
    int ls = pair_listen(&p, FX_PORT, 64);
    pair_run_for(&p, 1000);
    size_t m0[2] = {synack_mem_in_use(p.st[0]), synack_mem_in_use(p.st[1])};
    size_t nb0[2] = {p.st[0]->conns.nbuckets, p.st[1]->conns.nbuckets};
    int cs[NCONN], ss[NCONN];
    fx_connect_accept(&p, ls, NCONN, cs, ss);
    pair_run_for(&p, 10000);
    for (int i = 0; i < NCONN; i++) {
        assert_int_equal(pair_sock_state(&p, 0, cs[i]), SYNACK_ESTABLISHED);
        assert_null(conn_of(&p, 0, cs[i])->x);
        assert_null(conn_of(&p, 1, ss[i])->x);
    }
    for (int h = 0; h < 2; h++) {
        size_t table = (p.st[h]->conns.nbuckets - nb0[h]) * sizeof(ct_node *);
        assert_int_equal(synack_mem_in_use(p.st[h]) - m0[h], NCONN * sizeof(tcp_conn) + table);
    }
    /* The table doubles past one connection per bucket: at most two buckets each. */
    assert_true(sizeof(tcp_conn) + 2 * sizeof(ct_node *) <= 256);
    pair_free(&p);
}

static void test_transfer_idle_transfer(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, NULL, 1000);
    int cs;
    int ss = pair_establish(&p, 80, &cs);
    assert_true(ss >= 0);
    pair_run_for(&p, 1000);
    size_t idle_mem = synack_mem_in_use(p.st[1]);
    size_t idle_mem_c = synack_mem_in_use(p.st[0]);
    tcp_conn *c = conn_of(&p, 0, cs), *s = conn_of(&p, 1, ss);
    enum { LEN = 64 * 1024 };
    static uint8_t data[LEN], got[LEN];
    for (size_t i = 0; i < LEN; i++)
        data[i] = (uint8_t)(i * 13 + 5);
    assert_int_equal(pair_transfer(&p, cs, ss, data, LEN, got), LEN);
    assert_memory_equal(got, data, LEN);
    pair_run_for(&p, 100000); /* the last ACKs */
    assert_non_null(c->x);    /* holding buffer storage: it lingers */
    uint32_t srtt = c->srtt_us, rttvar = c->rttvar_us, rto = c->rto_us;
    uint32_t cwnd = c->cwnd, ssthresh = c->ssthresh;
    assert_true(srtt > 0);
    pair_run_for(&p, 2 * TCP_XFER_LINGER_US);
    assert_null(c->x);
    assert_null(s->x);
    assert_int_equal(synack_mem_in_use(p.st[1]), idle_mem);
    assert_int_equal(synack_mem_in_use(p.st[0]), idle_mem_c);
    /* what must outlive the idle period did */
    assert_int_equal(c->srtt_us, srtt);
    assert_int_equal(c->rttvar_us, rttvar);
    assert_int_equal(c->rto_us, rto);
    assert_int_equal(c->cwnd, cwnd);
    assert_int_equal(c->ssthresh, ssthresh);
    assert_int_equal(c->bytes_acked, LEN);
    assert_int_equal(s->bytes_received, LEN);

    /* Again, losing the third segment: SACK recovery, no timeout, same bytes. */
    uint64_t timeouts = synack_counter_get(p.st[0], SYNACK_CTR_TCPTimeouts);
    uint64_t sacks = synack_counter_get(p.st[0], SYNACK_CTR_TCPSACKRecv);
    uint64_t rexmits = synack_counter_get(p.st[0], SYNACK_CTR_RetransSegs);
    uint32_t lose = c->snd_una + 2 * c->snd_mss;
    p.filter = pair_drop_client_seq_once;
    p.filter_ctx = &lose;
    for (size_t i = 0; i < LEN; i++)
        data[i] = (uint8_t)(i * 29 + 3);
    memset(got, 0, sizeof(got));
    assert_int_equal(pair_transfer(&p, cs, ss, data, LEN, got), LEN);
    assert_memory_equal(got, data, LEN);
    assert_int_equal(lose, 0); /* the drop happened */
    assert_int_equal(synack_counter_get(p.st[0], SYNACK_CTR_TCPTimeouts), timeouts);
    assert_true(synack_counter_get(p.st[0], SYNACK_CTR_TCPSACKRecv) > sacks);
    assert_true(synack_counter_get(p.st[0], SYNACK_CTR_RetransSegs) > rexmits);
    assert_true(c->srtt_us > 0);
    pair_run_for(&p, 4 * TCP_XFER_LINGER_US);
    assert_int_equal(c->bytes_acked, 2 * LEN);
    assert_int_equal(s->bytes_received, 2 * LEN);
    assert_null(c->x);
    assert_null(s->x);
    pair_free(&p);
}

typedef struct failing {
    int fail;      /* refuse every allocation while set */
    int64_t bytes; /* bytes outstanding */
} failing;

static void *f_alloc(void *ctx, size_t size)
{
    failing *f = ctx;
    if (f->fail)
        return NULL;
    f->bytes += (int64_t)size;
    return malloc(size);
}

static void f_free(void *ctx, void *ptr, size_t size)
{
    failing *f = ctx;
    f->bytes -= (int64_t)size;
    free(ptr);
}

static void test_block_allocation_failure_mid_connection(void **state)
{
    (void)state;
    failing fa = {0};
    synack_allocator a = {f_alloc, f_free, &fa};
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.allocator = &a;
    pair p;
    pair_init(&p, &cfg, 1000);
    int cs;
    int ss = pair_establish(&p, 80, &cs);
    assert_true(ss >= 0);
    pair_run_for(&p, 1000);
    tcp_conn *c = conn_of(&p, 0, cs), *s = conn_of(&p, 1, ss);
    assert_null(c->x);
    assert_null(s->x);
    static const char msg[] = "after the failure";
    char buf[64];

    /* The sender cannot take its block: send() says so, nothing is queued. */
    uint64_t nomem_c = synack_counter_get(p.st[0], SYNACK_CTR_NoMemory);
    fa.fail = 1;
    assert_int_equal(synack_send(p.st[0], cs, msg, sizeof(msg), 0), -ENOMEM);
    fa.fail = 0;
    assert_int_equal(synack_counter_get(p.st[0], SYNACK_CTR_NoMemory), nomem_c + 1);
    assert_null(c->x);

    /* The receiver cannot take its block: the segment is a memory drop, the connection
     * lives on, and the retransmission delivers the same bytes. */
    uint64_t nomem_s = synack_counter_get(p.st[1], SYNACK_CTR_NoMemory);
    assert_int_equal(synack_send(p.st[0], cs, msg, sizeof(msg), 0), (long)sizeof(msg));
    fa.fail = 1;
    pair_run_for(&p, 1500);
    fa.fail = 0;
    assert_int_equal(synack_counter_get(p.st[1], SYNACK_CTR_NoMemory), nomem_s + 1);
    assert_null(s->x);
    assert_int_equal(pair_sock_state(&p, 1, ss), SYNACK_ESTABLISHED);
    assert_int_equal(synack_recv(p.st[1], ss, buf, sizeof(buf), 0), -EAGAIN);
    pair_run_for(&p, 3000000); /* the RTO resends */
    assert_int_equal(synack_recv(p.st[1], ss, buf, sizeof(buf), 0), (long)sizeof(msg));
    assert_memory_equal(buf, msg, sizeof(msg));
    assert_true(synack_counter_get(p.st[0], SYNACK_CTR_RetransSegs) >= 1);
    pair_run_for(&p, 2 * TCP_XFER_LINGER_US);
    assert_null(c->x);
    assert_null(s->x);
    pair_free(&p);
    assert_int_equal(fa.bytes, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idle_connection_holds_only_the_hot_tcb),
        cmocka_unit_test(test_transfer_idle_transfer),
        cmocka_unit_test(test_block_allocation_failure_mid_connection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
