/* SPDX-License-Identifier: MIT */
/* An idle IPv6 connection costs what an IPv4 one does: the hot TCB and its share of the
 * connection table (<= 256 bytes), its addresses interned once per stack (addr6_intern.h),
 * not copied beside each TCB. Spoofed SYNs from distinct sources intern no more addresses
 * than the SYN-queue entries that hold them (SYN cookies hold none), and all of them go
 * with the entries. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "stack/stack_impl.h"
#include "support/ipv6_link_rig.h"
#include "support/segbuild.h"
#include "tcp/tcp.h"
#include "wire/ipv6.h"
#include "wire/tcp_wire.h"

#define NCONN 32

static ip6_tap tap;

static void run_for(ip6_pair *p, uint64_t us)
{
    p->now = synack_memlink_run(p->link, p->now, p->now + us);
}

/* A client socket of side 0 connecting to side 1's port 80, and the server's socket. */
static void open_one(ip6_pair *p, int ls, int *cs, int *ss)
{
    *cs = synack_socket_domain(p->st[0], SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    assert_true(*cs >= 0);
    struct synack_sockaddr_in6 to = ip6_sin6(IP6_RIG_ADDR[1], 80);
    assert_int_equal(synack_connect(p->st[0], *cs, (struct sockaddr *)&to, sizeof(to)),
                     -EINPROGRESS);
    run_for(p, 5000);
    *ss = synack_accept(p->st[1], ls, NULL, NULL);
    assert_true(*ss >= 0);
}

/* As bench scale measures it: the bytes the stacks' accounting gains per idle ESTABLISHED
 * IPv6 connection once the first one exists are exactly the TCB and the table's growth,
 * both sides, within 256 (before the addresses were interned: 32 more each). */
static void test_idle_ipv6_connection_within_256(void **state)
{
    (void)state;
    ip6_pair p = {0};
    ip6_pair_init(&p.link, p.st, &tap, 0, NULL, NULL);
    int ls = synack_socket_domain(p.st[1], SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    struct synack_sockaddr_in6 any = ip6_sin6(NULL, 80);
    assert_int_equal(synack_bind(p.st[1], ls, (struct sockaddr *)&any, sizeof(any)), 0);
    assert_int_equal(synack_listen(p.st[1], ls, 64), 0);
    int cs[NCONN + 1], ss[NCONN + 1];
    open_one(&p, ls, &cs[0], &ss[0]); /* the first one interns both addresses */
    run_for(&p, 2 * TCP_XFER_LINGER_US);
    size_t m0[2] = {synack_mem_in_use(p.st[0]), synack_mem_in_use(p.st[1])};
    uint32_t nb0[2] = {p.st[0]->conns.nbuckets, p.st[1]->conns.nbuckets};
    for (int i = 1; i <= NCONN; i++)
        open_one(&p, ls, &cs[i], &ss[i]);
    run_for(&p, 2 * TCP_XFER_LINGER_US);
    for (int h = 0; h < 2; h++) {
        for (int i = 1; i <= NCONN; i++) {
            int s = h ? ss[i] : cs[i];
            tcp_conn *c = p.st[h]->socks[s].conn;
            assert_non_null(c);
            assert_int_equal(c->state, SYNACK_ESTABLISHED);
            assert_int_equal(c->node.kind, CT_CONN6);
            assert_null(c->x);
        }
        assert_int_equal(a6_count(p.st[h]->conns.addr6), 2);
        size_t table = (p.st[h]->conns.nbuckets - nb0[h]) * sizeof(ct_node *);
        size_t grew = synack_mem_in_use(p.st[h]) - m0[h];
        assert_int_equal(grew, NCONN * sizeof(tcp_conn) + table);
        assert_true(grew <= NCONN * 256);
    }
    /* closed from the client, TIME-WAIT there holds the same two entries */
    for (int i = 0; i <= NCONN; i++)
        assert_int_equal(synack_close(p.st[0], cs[i]), 0);
    run_for(&p, 20000);
    for (int i = 0; i <= NCONN; i++)
        assert_int_equal(synack_close(p.st[1], ss[i]), 0);
    run_for(&p, 20000);
    assert_int_equal(p.st[0]->twc_len, NCONN + 1);
    assert_int_equal(a6_count(p.st[0]->conns.addr6), 2);
    assert_int_equal(a6_count(p.st[1]->conns.addr6), 0);
    run_for(&p, 121ull * 1000000); /* 2*MSL: the records go, and their entries */
    assert_int_equal(p.st[0]->twc_len, 0);
    assert_int_equal(a6_count(p.st[0]->conns.addr6), 0);
    ip6_pair_free(p.link, p.st);
}

static const uint8_t ME[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};

/* A SYN to ME:80 from 2001:db8::1:i, port 40000. */
static void spoofed_syn(ip6_host *r, uint32_t i)
{
    uint8_t src[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 1};
    src[12] = (uint8_t)(i >> 24);
    src[13] = (uint8_t)(i >> 16);
    src[14] = (uint8_t)(i >> 8);
    src[15] = (uint8_t)i;
    uint8_t f[IPV6_HDR_LEN + 64];
    size_t n =
        seg_build6(f, sizeof(f), src, ME, 40000, 80, 1000 + i, 0, TCP_SYN, 65535, NULL, 0, NULL);
    assert_true(n > 0);
    r->nout = 0; /* the host keeps what it sends; this test does not look */
    synack_input(r->st, r->now, f, n);
}

static void count_synrecv(void *ctx, const synack_conn_view *v)
{
    if (v->state == SYNACK_SYN_RECEIVED)
        ++*(uint32_t *)ctx;
}

/* 2,000 SYNs from distinct sources: the SYN queue fills, cookies answer the rest; the
 * table holds one entry per queued SYN and the local address, no more, and is empty once
 * the queued SYNs give up. */
static void test_syn_flood_interns_only_what_the_queue_holds(void **state)
{
    (void)state;
    ip6_host r;
    ip6_host_init(&r, 0xc0000202u, ME, 1500);
    int ls = synack_socket_domain(r.st, SYNACK_AF_INET6, SYNACK_SOCK_STREAM);
    struct synack_sockaddr_in6 any = ip6_sin6(NULL, 80);
    assert_int_equal(synack_bind(r.st, ls, (struct sockaddr *)&any, sizeof(any)), 0);
    assert_int_equal(synack_listen(r.st, ls, 128), 0);
    enum { FLOOD = 2000 };
    for (uint32_t i = 0; i < FLOOD; i++) {
        spoofed_syn(&r, i);
        r.now += 100;
    }
    uint32_t queued = 0;
    synack_foreach_conn(r.st, count_synrecv, &queued);
    assert_true(queued > 0 && queued < FLOOD / 4);
    assert_true(synack_counter_get(r.st, SYNACK_CTR_SyncookiesSent) >= FLOOD - queued);
    assert_int_equal(a6_count(r.st->conns.addr6), queued + 1);
    for (int i = 0; i < 300; i++) { /* SYN-ACK retries give up (RFC 6298 backoff) */
        r.now += 1000000;
        r.nout = 0;
        synack_poll(r.st, r.now);
    }
    queued = 0;
    synack_foreach_conn(r.st, count_synrecv, &queued);
    assert_int_equal(queued, 0);
    assert_int_equal(a6_count(r.st->conns.addr6), 0);
    synack_stack_free(r.st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idle_ipv6_connection_within_256),
        cmocka_unit_test(test_syn_flood_interns_only_what_the_queue_holds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
