/* SPDX-License-Identifier: MIT */
/* synack — 4-tuple connection table with keyed hashing and doubling. */
#include "tcp/conn_table.h"

#include <errno.h>
#include <string.h>

/* Buckets used when the caller asks for 0. */
#define CT_DEFAULT_BUCKETS 64

/* SipHash of the tuple serialized in a fixed byte order, so struct padding
 * never reaches the hash and results do not depend on the host. */
static uint64_t key_word(const uint8_t *b)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | b[i];
    return v;
}

/* A keyed multiply-xorshift mix of the 4-tuple. Remote peers choose raddr and rport, so
 * the bucket must not be predictable without the per-stack secret; this is the strength
 * class of Linux's seeded jhash, at a tenth of SipHash's cost on the per-segment path. */
static uint64_t tuple_hash(const conn_table *t, const ct_key *k)
{
    uint64_t k0 = t->hk0, k1 = t->hk1;
    uint64_t x = (((uint64_t)k->laddr << 32) | k->raddr) ^ k0;
    uint64_t y = (((uint64_t)k->lport << 16) | k->rport) ^ (k1 >> 7);
    x *= 0x9e3779b97f4a7c15ull;
    x ^= x >> 32;
    x += y;
    x *= k1;
    x ^= x >> 29;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 32;
    return x;
}

/* The same mix over an IPv6 tuple: all 256 address bits go through the keyed multiply
 * (RFC 6056 and hash flooding alike want every bit the peer picks to count). */
static uint64_t tuple_hash6(const conn_table *t, const uint8_t *la, const uint8_t *ra,
                            uint16_t lport, uint16_t rport)
{
    uint64_t x = t->hk0;
    for (size_t i = 0; i < 4; i++) {
        x ^= key_word(i < 2 ? la + 8 * i : ra + 8 * (i - 2));
        x *= 0x9e3779b97f4a7c15ull;
        x ^= x >> 32;
    }
    x += (((uint64_t)lport << 16) | rport) ^ (t->hk1 >> 7);
    x *= t->hk1;
    x ^= x >> 29;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 32;
    return x;
}

int ct_set_key6(conn_table *t, ct_node *n, const uint8_t laddr[16], const uint8_t raddr[16],
                uint16_t lport, uint16_t rport, uint8_t kind)
{
    if (!t->addr6) {
        t->addr6 = t->alloc->alloc(t->alloc->ctx, sizeof(*t->addr6));
        if (!t->addr6)
            return -ENOMEM;
        a6_init(t->addr6, t->alloc, t->hk0, t->hk1);
    }
    uint32_t l, r;
    if (a6_hold(t->addr6, laddr, &l) != 0)
        return -ENOMEM;
    if (a6_hold(t->addr6, raddr, &r) != 0) {
        a6_put(t->addr6, l);
        return -ENOMEM;
    }
    n->key = (ct_key){.laddr = l, .raddr = r, .lport = lport, .rport = rport};
    n->kind = kind;
    return 0;
}

int ct_share_key6(conn_table *t, ct_node *to, const ct_node *from, uint8_t kind)
{
    if (a6_hold_ref(t->addr6, from->key.laddr) != 0)
        return -ENOMEM;
    if (a6_hold_ref(t->addr6, from->key.raddr) != 0) {
        a6_put(t->addr6, from->key.laddr);
        return -ENOMEM;
    }
    to->key = from->key;
    to->kind = kind;
    return 0;
}

void ct_drop_key6(conn_table *t, ct_node *n)
{
    a6_put(t->addr6, n->key.laddr);
    a6_put(t->addr6, n->key.raddr);
}

static int key_equal(const ct_key *a, const ct_key *b)
{
    return a->laddr == b->laddr && a->raddr == b->raddr && a->lport == b->lport &&
           a->rport == b->rport;
}

/* The remote address first: on a server every node shares the local one. */
static int key6_equal(const conn_table *t, const ct_node *n, const uint8_t *la, const uint8_t *ra,
                      uint16_t lport, uint16_t rport)
{
    return n->key.lport == lport && n->key.rport == rport && memcmp(ct_raddr6(t, n), ra, 16) == 0 &&
           memcmp(ct_laddr6(t, n), la, 16) == 0;
}

/* Bucket index of a tuple in a table of nbuckets (a power of two). */
static size_t bucket_of(const conn_table *t, const ct_key *k, size_t nbuckets)
{
    return (size_t)(tuple_hash(t, k) & (nbuckets - 1));
}

static size_t bucket6_of(const conn_table *t, const uint8_t *la, const uint8_t *ra, uint16_t lport,
                         uint16_t rport, size_t nbuckets)
{
    return (size_t)(tuple_hash6(t, la, ra, lport, rport) & (nbuckets - 1));
}

/* A node's bucket, by its family. */
static size_t node_bucket(const conn_table *t, const ct_node *n, size_t nbuckets)
{
    return ct_is_v6(n) ? bucket6_of(t, ct_laddr6(t, n), ct_raddr6(t, n), n->key.lport, n->key.rport,
                                    nbuckets)
                       : bucket_of(t, &n->key, nbuckets);
}

/* A zeroed array of n chain heads, or NULL. Zeroed by hand: all-bits-zero is
 * not promised to be a null pointer by C11, and the allocator need not zero. */
static ct_node **alloc_buckets(const synack_allocator *a, size_t n)
{
    if (n > SIZE_MAX / sizeof(ct_node *))
        return NULL;
    ct_node **b = a->alloc(a->ctx, n * sizeof(ct_node *));
    if (b)
        for (size_t i = 0; i < n; i++)
            b[i] = NULL;
    return b;
}

int ct_init(conn_table *t, const synack_allocator *a, const uint8_t hash_key[16],
            size_t initial_buckets)
{
    size_t n = initial_buckets ? 1 : CT_DEFAULT_BUCKETS;
    while (n < initial_buckets) {
        if (n > UINT32_MAX / 2)
            return -ENOMEM;
        n *= 2;
    }
    t->alloc = a;
    t->hk0 = key_word(hash_key);
    t->hk1 = key_word(hash_key + 8) | 1; /* odd: a multiplier that loses no bits */
    t->count = 0;
    t->nbuckets = 0;
    t->addr6 = NULL;
    t->buckets = alloc_buckets(a, n);
    if (!t->buckets)
        return -ENOMEM;
    t->nbuckets = (uint32_t)n;
    return 0;
}

void ct_destroy(conn_table *t)
{
    if (t->buckets)
        t->alloc->free(t->alloc->ctx, t->buckets, t->nbuckets * sizeof(ct_node *));
    t->buckets = NULL;
    t->nbuckets = 0;
    t->count = 0;
    if (t->addr6) {
        a6_destroy(t->addr6);
        t->alloc->free(t->alloc->ctx, t->addr6, sizeof(*t->addr6));
        t->addr6 = NULL;
    }
}

/* Doubles the bucket array and refiles every node; on allocation failure the
 * table stays as it was, still correct, only with longer chains. */
static void grow(conn_table *t)
{
    if (t->nbuckets > UINT32_MAX / 2)
        return;
    const uint32_t n = t->nbuckets * 2;
    ct_node **b = alloc_buckets(t->alloc, n);
    if (!b)
        return;
    for (size_t i = 0; i < t->nbuckets; i++) {
        ct_node *node = t->buckets[i];
        while (node) {
            ct_node *next = node->next;
            size_t j = node_bucket(t, node, n);
            node->next = b[j];
            b[j] = node;
            node = next;
        }
    }
    t->alloc->free(t->alloc->ctx, t->buckets, t->nbuckets * sizeof(ct_node *));
    t->buckets = b;
    t->nbuckets = n;
}

int ct_insert(conn_table *t, ct_node *n)
{
    if (ct_is_v6(n)
            ? ct_lookup6(t, ct_laddr6(t, n), ct_raddr6(t, n), n->key.lport, n->key.rport) != NULL
            : ct_lookup(t, &n->key) != NULL)
        return -EEXIST;
    if (t->count == UINT32_MAX)
        return -ENOMEM;
    if (t->count >= (uint64_t)CT_MAX_LOAD * t->nbuckets)
        grow(t);
    const size_t i = node_bucket(t, n, t->nbuckets);
    n->next = t->buckets[i];
    t->buckets[i] = n;
    t->count++;
    return 0;
}

void ct_remove(conn_table *t, ct_node *n)
{
    ct_node **pp = &t->buckets[node_bucket(t, n, t->nbuckets)];
    for (; *pp; pp = &(*pp)->next) {
        if (*pp == n) {
            *pp = n->next;
            n->next = NULL;
            t->count--;
            return;
        }
    }
}

ct_node *ct_lookup(const conn_table *t, const ct_key *k)
{
    ct_node *n = t->buckets[bucket_of(t, k, t->nbuckets)];
    while (n && (ct_is_v6(n) || !key_equal(&n->key, k)))
        n = n->next;
    return n;
}

ct_node *ct_lookup6(const conn_table *t, const uint8_t laddr[16], const uint8_t raddr[16],
                    uint16_t lport, uint16_t rport)
{
    ct_node *n = t->buckets[bucket6_of(t, laddr, raddr, lport, rport, t->nbuckets)];
    while (n && (!ct_is_v6(n) || !key6_equal(t, n, laddr, raddr, lport, rport)))
        n = n->next;
    return n;
}

size_t ct_count(const conn_table *t)
{
    return t->count;
}

void ct_foreach(conn_table *t, ct_visit_fn fn, void *ctx)
{
    for (size_t i = 0; i < t->nbuckets; i++)
        for (ct_node *n = t->buckets[i]; n; n = n->next)
            fn(n, ctx);
}
