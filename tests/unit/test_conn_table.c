/* SPDX-License-Identifier: MIT */
/* Unit tests for src/tcp/conn_table.c and src/util/alloc_libc.c. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tcp/conn_table.h"
#include "synack/alloc.h"
#include "util/rng.h"

/* ---- a counting, optionally failing allocator -------------------------- */

enum { MAX_BLOCKS = 16 };

typedef struct counting_alloc {
    /* Underlying allocator. */
    const synack_allocator *inner;
    /* Live blocks and their sizes, to check free() gets the alloc() size. */
    void *block[MAX_BLOCKS];
    size_t size[MAX_BLOCKS];
    size_t live_blocks, live_bytes, allocs, failures;
    /* Allocations left before every later one fails; negative: never fail. */
    long fail_after;
    /* If non-NULL, each allocation fails with probability 1/4. */
    synack_rng *flaky;
} counting_alloc;

static void *counting_alloc_fn(void *ctx, size_t size)
{
    counting_alloc *c = ctx;
    c->allocs++;
    if (c->fail_after == 0 || (c->flaky && rng_below(c->flaky, 4) == 0)) {
        c->failures++;
        return NULL;
    }
    if (c->fail_after > 0)
        c->fail_after--;
    void *p = c->inner->alloc(c->inner->ctx, size);
    assert_non_null(p);
    int i = 0;
    while (i < MAX_BLOCKS && c->block[i])
        i++;
    assert_true(i < MAX_BLOCKS); /* two bucket arrays, the interned addresses' few blocks */
    c->block[i] = p;
    c->size[i] = size;
    c->live_blocks++;
    c->live_bytes += size;
    return p;
}

static void counting_free_fn(void *ctx, void *p, size_t size)
{
    counting_alloc *c = ctx;
    assert_non_null(p);
    int i = 0;
    while (i < MAX_BLOCKS && c->block[i] != p)
        i++;
    assert_true(i < MAX_BLOCKS); /* only free what was allocated */
    assert_int_equal(size, c->size[i]);
    c->block[i] = NULL;
    c->live_blocks--;
    c->live_bytes -= size;
    c->inner->free(c->inner->ctx, p, size);
}

static synack_allocator counting(counting_alloc *c)
{
    memset(c, 0, sizeof *c);
    c->inner = synack_allocator_libc();
    c->fail_after = -1;
    return (synack_allocator){.alloc = counting_alloc_fn, .free = counting_free_fn, .ctx = c};
}

static const uint8_t key_a[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const uint8_t key_b[16] = {16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1};

static ct_key tuple(uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport)
{
    ct_key k;
    memset(&k, 0, sizeof k);
    k.laddr = laddr;
    k.lport = lport;
    k.raddr = raddr;
    k.rport = rport;
    return k;
}

/* ---- tests --------------------------------------------------------------- */

static void test_libc_allocator(void **state)
{
    (void)state;
    const synack_allocator *a = synack_allocator_libc();
    assert_non_null(a);
    assert_ptr_equal(a, synack_allocator_libc());
    unsigned char *p = a->alloc(a->ctx, 100);
    assert_non_null(p);
    memset(p, 0xab, 100);
    a->free(a->ctx, p, 100);
    p = a->alloc(a->ctx, 0);
    assert_non_null(p);
    a->free(a->ctx, p, 0);
}

static void test_init_rounds_and_destroy_frees(void **state)
{
    (void)state;
    counting_alloc c;
    synack_allocator a = counting(&c);
    conn_table t;
    assert_int_equal(ct_init(&t, &a, key_a, 100), 0);
    assert_int_equal(t.nbuckets, 128);
    assert_int_equal(c.live_bytes, 128 * sizeof(ct_node *));
    assert_int_equal(ct_count(&t), 0);
    ct_destroy(&t);
    assert_int_equal(c.live_blocks, 0);

    assert_int_equal(ct_init(&t, &a, key_a, 0), 0);
    assert_true(t.nbuckets > 0 && (t.nbuckets & (t.nbuckets - 1)) == 0);
    ct_destroy(&t);
    assert_int_equal(ct_init(&t, &a, key_a, 1), 0);
    assert_int_equal(t.nbuckets, 1);
    ct_destroy(&t);
    assert_int_equal(c.live_bytes, 0);
}

static void test_init_enomem(void **state)
{
    (void)state;
    counting_alloc c;
    synack_allocator a = counting(&c);
    c.fail_after = 0;
    conn_table t;
    assert_int_equal(ct_init(&t, &a, key_a, 16), -ENOMEM);
    assert_int_equal(c.live_blocks, 0);
    /* Sizes that cannot be represented fail cleanly too. */
    c.fail_after = -1;
    assert_int_equal(ct_init(&t, &a, key_a, SIZE_MAX), -ENOMEM);
    assert_int_equal(ct_init(&t, &a, key_a, SIZE_MAX / 4), -ENOMEM);
    assert_int_equal(c.live_blocks, 0);
}

static void test_insert_lookup_remove(void **state)
{
    (void)state;
    counting_alloc c;
    synack_allocator a = counting(&c);
    conn_table t;
    assert_int_equal(ct_init(&t, &a, key_a, 8), 0);

    ct_node n1 = {.key = tuple(0xc0000201, 80, 0xc0000202, 49152)};
    ct_node n2 = {.key = tuple(0xc0000201, 80, 0xc0000202, 49153)};
    /* The same tuple seen from the other side is a different connection. */
    ct_node n3 = {.key = tuple(0xc0000202, 49152, 0xc0000201, 80)};
    ct_node dup = {.key = n1.key};

    assert_int_equal(ct_insert(&t, &n1), 0);
    assert_int_equal(ct_insert(&t, &n2), 0);
    assert_int_equal(ct_insert(&t, &n3), 0);
    assert_int_equal(ct_insert(&t, &dup), -EEXIST);
    assert_int_equal(ct_count(&t), 3);

    assert_ptr_equal(ct_lookup(&t, &n1.key), &n1);
    assert_ptr_equal(ct_lookup(&t, &n2.key), &n2);
    assert_ptr_equal(ct_lookup(&t, &n3.key), &n3);
    /* Each field matters. */
    ct_key k = n1.key;
    k.laddr++;
    assert_null(ct_lookup(&t, &k));
    k = n1.key;
    k.raddr++;
    assert_null(ct_lookup(&t, &k));
    k = n1.key;
    k.lport++;
    assert_null(ct_lookup(&t, &k));
    k = n1.key;
    k.rport += 2;
    assert_null(ct_lookup(&t, &k));

    ct_remove(&t, &n1);
    assert_int_equal(ct_count(&t), 2);
    assert_null(ct_lookup(&t, &n1.key));
    assert_ptr_equal(ct_lookup(&t, &n2.key), &n2);
    ct_remove(&t, &n1); /* not in the table: left alone */
    assert_int_equal(ct_count(&t), 2);
    /* The tuple is free again. */
    assert_int_equal(ct_insert(&t, &dup), 0);
    assert_ptr_equal(ct_lookup(&t, &n1.key), &dup);

    ct_destroy(&t);
    assert_int_equal(c.live_blocks, 0);
}

static void count_visit(ct_node *n, void *ctx)
{
    unsigned char *seen = ctx;
    seen[n->key.rport]++;
}

/* 100k connections: the table doubles as it fills, every tuple is found,
 * ct_foreach visits each once, and nothing leaks. */
static void test_growth_and_foreach(void **state)
{
    (void)state;
    enum { N = 100000 };
    static ct_node node[N];
    static unsigned char seen[65536];
    counting_alloc c;
    synack_allocator a = counting(&c);
    conn_table t;
    assert_int_equal(ct_init(&t, &a, key_a, 4), 0);
    for (uint32_t i = 0; i < N; i++) {
        node[i].key = tuple(0x0a000001, 443, 0x0a100000 + i / 2, (uint16_t)(i & 0xffff));
        assert_int_equal(ct_insert(&t, &node[i]), 0);
        assert_true(t.count <= CT_MAX_LOAD * t.nbuckets); /* load factor kept bounded */
    }
    assert_int_equal(ct_count(&t), N);
    assert_int_equal(t.nbuckets, 65536); /* the smallest power of two with 2 per bucket */
    assert_int_equal(c.live_blocks, 1);
    for (uint32_t i = 0; i < N; i++)
        assert_ptr_equal(ct_lookup(&t, &node[i].key), &node[i]);

    memset(seen, 0, sizeof seen);
    ct_foreach(&t, count_visit, seen);
    size_t total = 0;
    for (size_t p = 0; p < sizeof seen; p++) {
        assert_true(seen[p] == (p < N - 65536 ? 2 : 1));
        total += seen[p];
    }
    assert_int_equal(total, N);

    for (uint32_t i = 0; i < N; i += 2)
        ct_remove(&t, &node[i]);
    assert_int_equal(ct_count(&t), N / 2);
    for (uint32_t i = 0; i < N; i++)
        assert_ptr_equal(ct_lookup(&t, &node[i].key), (i & 1) ? &node[i] : NULL);
    for (uint32_t i = 1; i < N; i += 2)
        ct_remove(&t, &node[i]);
    assert_int_equal(ct_count(&t), 0);
    ct_destroy(&t);
    assert_int_equal(c.live_blocks, 0);
    assert_int_equal(c.live_bytes, 0);
}

/* When doubling cannot allocate, inserts still succeed at the old size. */
static void test_growth_failure_still_inserts(void **state)
{
    (void)state;
    enum { N = 1000 };
    static ct_node node[N];
    counting_alloc c;
    synack_allocator a = counting(&c);
    conn_table t;
    assert_int_equal(ct_init(&t, &a, key_a, 16), 0);
    c.fail_after = 0;
    for (uint32_t i = 0; i < N; i++) {
        node[i].key = tuple(0x0a000001, 80, 0x0a000002, (uint16_t)(1000 + i));
        assert_int_equal(ct_insert(&t, &node[i]), 0);
    }
    assert_true(c.failures > 0);
    assert_int_equal(t.nbuckets, 16);
    assert_int_equal(ct_count(&t), N);
    for (uint32_t i = 0; i < N; i++)
        assert_ptr_equal(ct_lookup(&t, &node[i].key), &node[i]);
    /* Once memory is back, the next insert grows the table again. */
    c.fail_after = -1;
    ct_node extra = {.key = tuple(0x0a000001, 80, 0x0a000003, 1)};
    assert_int_equal(ct_insert(&t, &extra), 0);
    assert_int_equal(t.nbuckets, 32);
    for (uint32_t i = 0; i < N; i++)
        assert_ptr_equal(ct_lookup(&t, &node[i].key), &node[i]);
    ct_destroy(&t);
    assert_int_equal(c.live_blocks, 0);
}

/* Index of the bucket holding n, by inspecting the table. */
static size_t bucket_holding(const conn_table *t, const ct_node *n)
{
    for (size_t i = 0; i < t->nbuckets; i++)
        for (const ct_node *x = t->buckets[i]; x; x = x->next)
            if (x == n)
                return i;
    fail_msg("node not in any bucket");
    return SIZE_MAX;
}

/* The bucket depends on the secret key, and sequential tuples (what an
 * attacker varies most cheaply) spread evenly. */
static void test_hash_is_keyed_and_spreads(void **state)
{
    (void)state;
    enum { N = 1024 };
    static ct_node node[N];
    counting_alloc c;
    synack_allocator a = counting(&c);
    conn_table ta, tb;
    assert_int_equal(ct_init(&ta, &a, key_a, N), 0);
    assert_int_equal(ct_init(&tb, &a, key_b, N), 0);
    size_t differ = 0;
    for (uint32_t i = 0; i < N; i++) {
        node[i].key = tuple(0xc0000201, 80, 0xc6336401, (uint16_t)(40000 + i));
        assert_int_equal(ct_insert(&ta, &node[i]), 0);
        size_t ba = bucket_holding(&ta, &node[i]);
        ct_remove(&ta, &node[i]);
        assert_int_equal(ct_insert(&tb, &node[i]), 0);
        differ += ba != bucket_holding(&tb, &node[i]);
        ct_remove(&tb, &node[i]);
    }
    /* Random agreement would be ~1 in 1024. */
    assert_true(differ > N - 20);

    for (uint32_t i = 0; i < N; i++)
        assert_int_equal(ct_insert(&ta, &node[i]), 0);
    size_t longest = 0;
    for (size_t b = 0; b < ta.nbuckets; b++) {
        size_t len = 0;
        for (const ct_node *x = ta.buckets[b]; x; x = x->next)
            len++;
        if (len > longest)
            longest = len;
    }
    /* 1024 balls in 1024 bins: the fullest holds ~5-6. */
    assert_true(longest <= 10);
    ct_destroy(&ta);
    ct_destroy(&tb);
    assert_int_equal(c.live_blocks, 0);
}

/* ---- IPv6 tuples (kinds CT_CONN6 / CT_TIME_WAIT6, interned addresses) ---- */

typedef struct pair6 {
    uint8_t l[16], r[16];
} pair6;

static pair6 addr6(uint8_t lo, uint8_t ro)
{
    pair6 a = {.l = {0x20, 0x01, 0x0d, 0xb8}, .r = {0x20, 0x01, 0x0d, 0xb8}};
    a.l[15] = lo;
    a.r[15] = ro;
    return a;
}

/* IPv6 nodes are found by their whole 128-bit tuple, never by an IPv4 lookup (and IPv4
 * ones never by an IPv6 lookup), every address byte and port counts, duplicates are
 * refused whatever the kind, and they survive the table doubling. Their addresses are
 * interned: 64 nodes over 5 distinct addresses hold 5 entries, given back with the last
 * node holding each. */
static void test_ipv6_tuples(void **state)
{
    (void)state;
    counting_alloc c;
    synack_allocator a = counting(&c);
    conn_table t;
    assert_int_equal(ct_init(&t, &a, key_a, 2), 0);
    enum { N = 64 };
    static pair6 a6[N];
    static ct_node n6[N];
    for (int i = 0; i < N; i++) {
        a6[i] = addr6(1, (uint8_t)(2 + i % 4));
        memset(&n6[i], 0, sizeof(n6[i]));
        assert_int_equal(ct_set_key6(&t, &n6[i], a6[i].l, a6[i].r, 80, (uint16_t)(40000 + i),
                                     i % 2 ? CT_TIME_WAIT6 : CT_CONN6),
                         0);
        assert_true(ct_is_v6(&n6[i]));
        assert_int_equal(ct_is_conn(&n6[i]), i % 2 == 0);
        assert_int_equal(ct_is_tw(&n6[i]), i % 2 == 1);
        assert_memory_equal(ct_laddr6(&t, &n6[i]), a6[i].l, 16);
        assert_memory_equal(ct_raddr6(&t, &n6[i]), a6[i].r, 16);
        assert_int_equal(ct_insert(&t, &n6[i]), 0);
    }
    assert_int_equal(a6_count(t.addr6), 5);
    assert_int_equal(n6[0].key.laddr, n6[1].key.laddr); /* one entry per address */
    assert_int_equal(n6[0].key.raddr, n6[4].key.raddr);
    assert_true(n6[0].key.raddr != n6[1].key.raddr);
    assert_true(t.nbuckets >= N / CT_MAX_LOAD); /* it doubled along the way */
    /* an IPv4 node with the same ports next to them */
    ct_node n4 = {.key = tuple(0xc0000201, 80, 0xc0000202, 40000)};
    assert_int_equal(ct_insert(&t, &n4), 0);
    for (int i = 0; i < N; i++) {
        pair6 probe = a6[i]; /* a copy: equal by value, not by pointer */
        assert_ptr_equal(ct_lookup6(&t, probe.l, probe.r, 80, (uint16_t)(40000 + i)), &n6[i]);
    }
    assert_ptr_equal(ct_lookup(&t, &n4.key), &n4);
    ct_node dup = {0};
    assert_int_equal(ct_share_key6(&t, &dup, &n6[0], CT_TIME_WAIT6), 0);
    assert_int_equal(dup.kind, CT_TIME_WAIT6);
    assert_int_equal(ct_insert(&t, &dup), -EEXIST);
    for (int b = 0; b < 16; b++) {
        pair6 k = a6[0];
        k.l[b] ^= 0x40;
        assert_null(ct_lookup6(&t, k.l, k.r, 80, 40000));
        k = a6[0];
        k.r[b] ^= 0x01;
        assert_null(ct_lookup6(&t, k.l, k.r, 80, 40000));
    }
    assert_null(ct_lookup6(&t, a6[0].l, a6[0].r, 81, 40000));
    assert_null(ct_lookup6(&t, a6[0].l, a6[0].r, 80, 40000 + N));
    ct_remove(&t, &n6[0]);
    ct_drop_key6(&t, &n6[0]);
    assert_null(ct_lookup6(&t, a6[0].l, a6[0].r, 80, 40000));
    assert_int_equal(ct_insert(&t, &dup), 0);
    assert_ptr_equal(ct_lookup6(&t, a6[0].l, a6[0].r, 80, 40000), &dup);
    assert_int_equal(ct_count(&t), N + 1);
    /* the last holder of an address gives its entry back; the others keep theirs */
    for (int i = 1; i < N; i++) {
        ct_remove(&t, &n6[i]);
        ct_drop_key6(&t, &n6[i]);
    }
    assert_int_equal(a6_count(t.addr6), 2); /* dup's two */
    assert_ptr_equal(ct_lookup6(&t, a6[0].l, a6[0].r, 80, 40000), &dup);
    ct_remove(&t, &dup);
    ct_drop_key6(&t, &dup);
    assert_int_equal(a6_count(t.addr6), 0);
    ct_destroy(&t);
    assert_int_equal(c.live_blocks, 0);
}

/* The IPv6 bucket is keyed: two secrets put most tuples in different buckets. */
static void test_ipv6_hash_is_keyed(void **state)
{
    (void)state;
    enum { N = 1024 };
    static ct_node node[N];
    counting_alloc c;
    synack_allocator a = counting(&c);
    conn_table ta, tb;
    assert_int_equal(ct_init(&ta, &a, key_a, N), 0);
    assert_int_equal(ct_init(&tb, &a, key_b, N), 0);
    size_t differ = 0;
    for (uint32_t i = 0; i < N; i++) {
        pair6 k = addr6(1, 2);
        k.r[8] = (uint8_t)(i >> 8); /* the peer picks the low 64 bits */
        k.r[9] = (uint8_t)i;
        assert_int_equal(ct_set_key6(&ta, &node[i], k.l, k.r, 443, 50000, CT_CONN6), 0);
        assert_int_equal(ct_insert(&ta, &node[i]), 0);
        size_t ba = bucket_holding(&ta, &node[i]);
        ct_remove(&ta, &node[i]);
        ct_drop_key6(&ta, &node[i]);
        assert_int_equal(ct_set_key6(&tb, &node[i], k.l, k.r, 443, 50000, CT_CONN6), 0);
        assert_int_equal(ct_insert(&tb, &node[i]), 0);
        differ += ba != bucket_holding(&tb, &node[i]);
        ct_remove(&tb, &node[i]);
        ct_drop_key6(&tb, &node[i]);
    }
    assert_true(differ > N - 20);
    ct_destroy(&ta);
    ct_destroy(&tb);
    assert_int_equal(c.live_blocks, 0);
}

/* ---- randomized model check ---------------------------------------------- */

enum { M_NODES = 3000, M_LADDR = 2, M_RADDR = 4, M_LPORT = 2, M_RPORT = 300 };
enum { M_KEYS = M_LADDR * M_RADDR * M_LPORT * M_RPORT, M_OPS = 100000 };

static ct_key model_key(uint32_t idx)
{
    const uint32_t rp = idx % M_RPORT, lp = idx / M_RPORT % M_LPORT;
    const uint32_t ra = idx / (M_RPORT * M_LPORT) % M_RADDR;
    const uint32_t la = idx / (M_RPORT * M_LPORT * M_RADDR);
    return tuple(0x0a000001 + la, lp ? 443 : 80, 0xc0a80001 + (ra << 8), (uint16_t)(49152 + rp));
}

/* 100k random inserts, lookups and removes on a few thousand tuples (so
 * duplicates are common), with a quarter of allocations failing, compared
 * with an array that maps each tuple to its node. */
static void test_model_check(void **state)
{
    (void)state;
    static ct_node node[M_NODES];
    static int node_key[M_NODES]; /* tuple index while in the table, else -1 */
    static int owner[M_KEYS];     /* node holding each tuple, else -1 */
    synack_rng r, flaky;
    rng_seed(&r, 2024);
    rng_seed(&flaky, 99);
    counting_alloc c;
    synack_allocator a = counting(&c);
    conn_table t;
    assert_int_equal(ct_init(&t, &a, key_b, 2), 0);
    c.flaky = &flaky;
    for (int i = 0; i < M_NODES; i++)
        node_key[i] = -1;
    for (int k = 0; k < M_KEYS; k++)
        owner[k] = -1;
    size_t in_table = 0, inserted = 0, exists = 0, found = 0;

    for (int op = 0; op < M_OPS; op++) {
        const uint32_t what = rng_below(&r, 10);
        const int i = (int)rng_below(&r, M_NODES);
        const uint32_t k = rng_below(&r, M_KEYS);
        if (what < 4) {
            if (node_key[i] >= 0)
                continue; /* already filed: inserting it again is not allowed */
            node[i].key = model_key(k);
            int rc = ct_insert(&t, &node[i]);
            if (owner[k] >= 0) {
                assert_int_equal(rc, -EEXIST);
                exists++;
            } else {
                assert_int_equal(rc, 0);
                owner[k] = i;
                node_key[i] = (int)k;
                in_table++;
                inserted++;
            }
        } else if (what < 7) {
            if (node_key[i] < 0)
                continue;
            ct_remove(&t, &node[i]);
            owner[node_key[i]] = -1;
            node_key[i] = -1;
            in_table--;
        } else {
            const ct_key key = model_key(k);
            ct_node *got = ct_lookup(&t, &key);
            if (owner[k] >= 0) {
                assert_ptr_equal(got, &node[owner[k]]);
                found++;
            } else {
                assert_null(got);
            }
        }
        assert_int_equal(ct_count(&t), in_table);
        assert_true(c.live_blocks == 1);
    }
    for (int i = 0; i < M_NODES; i++)
        if (node_key[i] >= 0)
            assert_ptr_equal(ct_lookup(&t, &node[i].key), &node[i]);
    assert_true(inserted > 10000 && exists > 1000 && found > 5000);
    assert_true(c.failures > 0);
    ct_destroy(&t);
    assert_int_equal(c.live_blocks, 0);
    assert_int_equal(c.live_bytes, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_libc_allocator),
        cmocka_unit_test(test_init_rounds_and_destroy_frees),
        cmocka_unit_test(test_init_enomem),
        cmocka_unit_test(test_insert_lookup_remove),
        cmocka_unit_test(test_growth_and_foreach),
        cmocka_unit_test(test_growth_failure_still_inserts),
        cmocka_unit_test(test_hash_is_keyed_and_spreads),
        cmocka_unit_test(test_model_check),
        cmocka_unit_test(test_ipv6_tuples),
        cmocka_unit_test(test_ipv6_hash_is_keyed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
