/* SPDX-License-Identifier: MIT */
/* synack — interned IPv6 addresses (addr6_intern.h). */
#include "tcp/addr6_intern.h"

#include <errno.h>
#include <string.h>

/* The first page's slots; each next page doubles, up to A6_PAGE_MAX. */
#define A6_FIRST_PAGE 8u
/* Chain heads at first, and entries per head on average before they double (as the
 * connection table's CT_MAX_LOAD: 2-4 bytes of heads per entry). */
#define A6_FIRST_BUCKETS 8u
#define A6_MAX_LOAD 2u
/* Directory slots at first. */
#define A6_FIRST_DIR 4u

static uint32_t page_cap(uint32_t i)
{
    return i >= 5 ? A6_PAGE_MAX : A6_FIRST_PAGE << i;
}

static a6_entry *entry(const a6_table *t, uint32_t ref)
{
    return &t->pages[ref >> A6_PAGE_SHIFT][ref & (A6_PAGE_MAX - 1)];
}

static uint64_t word(const uint8_t *b)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | b[i];
    return v;
}

/* The connection table's keyed multiply-xorshift mix (conn_table.c), over one address:
 * the peer picks all 128 bits, so every bit goes through the secret multiply. */
static uint64_t addr_hash(const a6_table *t, const uint8_t a[16])
{
    uint64_t x = t->hk0;
    for (size_t i = 0; i < 2; i++) {
        x ^= word(a + 8 * i);
        x *= 0x9e3779b97f4a7c15ull;
        x ^= x >> 32;
    }
    x *= t->hk1;
    x ^= x >> 29;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 32;
    return x;
}

static uint32_t *head_of(const a6_table *t, const uint8_t a[16], uint32_t nbuckets)
{
    return &t->buckets[addr_hash(t, a) & (nbuckets - 1)];
}

void a6_init(a6_table *t, const synack_allocator *a, uint64_t hk0, uint64_t hk1)
{
    memset(t, 0, sizeof(*t));
    t->alloc = a;
    t->hk0 = hk0;
    t->hk1 = hk1 | 1;
    t->free_head = A6_NONE;
}

void a6_destroy(a6_table *t)
{
    const synack_allocator *a = t->alloc;
    for (uint32_t i = 0; i < t->npages; i++)
        a->free(a->ctx, t->pages[i], page_cap(i) * sizeof(a6_entry));
    if (t->pages)
        a->free(a->ctx, t->pages, t->cap_pages * sizeof(a6_entry *));
    if (t->buckets)
        a->free(a->ctx, t->buckets, t->nbuckets * sizeof(uint32_t));
    a6_init(t, a, t->hk0, t->hk1);
}

/* An array of n empty chain heads, or NULL. */
static uint32_t *alloc_heads(const synack_allocator *a, uint32_t n)
{
    uint32_t *b = a->alloc(a->ctx, (size_t)n * sizeof(uint32_t));
    if (b)
        for (uint32_t i = 0; i < n; i++)
            b[i] = A6_NONE;
    return b;
}

/* Doubles the chain heads and refiles every held entry; on failure the chains just stay
 * longer. */
static void grow_buckets(a6_table *t)
{
    if (t->nbuckets > UINT32_MAX / 2)
        return;
    uint32_t n = t->nbuckets * 2;
    uint32_t *b = alloc_heads(t->alloc, n);
    if (!b)
        return;
    uint32_t *old = t->buckets;
    uint32_t old_n = t->nbuckets;
    t->buckets = b;
    t->nbuckets = n;
    for (uint32_t p = 0; p < t->npages; p++) {
        uint32_t used = p + 1 == t->npages ? page_cap(p) - t->last_fill : page_cap(p);
        for (uint32_t s = 0; s < used; s++) {
            a6_entry *e = &t->pages[p][s];
            if (!e->refs)
                continue;
            uint32_t *h = head_of(t, e->addr, n);
            e->next = *h;
            *h = p << A6_PAGE_SHIFT | s;
        }
    }
    t->alloc->free(t->alloc->ctx, old, old_n * sizeof(uint32_t));
}

/* A fresh slot from a new page: its reference, or A6_NONE. */
static uint32_t new_page(a6_table *t)
{
    if (t->npages >= (UINT32_MAX >> A6_PAGE_SHIFT) - 1)
        return A6_NONE; /* A6_NONE itself must never be a reference */
    if (t->npages == t->cap_pages) {
        uint32_t cap = t->cap_pages ? t->cap_pages * 2 : A6_FIRST_DIR;
        a6_entry **d = t->alloc->alloc(t->alloc->ctx, cap * sizeof(a6_entry *));
        if (!d)
            return A6_NONE;
        for (uint32_t i = 0; i < t->npages; i++)
            d[i] = t->pages[i];
        if (t->pages)
            t->alloc->free(t->alloc->ctx, t->pages, t->cap_pages * sizeof(a6_entry *));
        t->pages = d;
        t->cap_pages = cap;
    }
    uint32_t cap = page_cap(t->npages);
    a6_entry *pg = t->alloc->alloc(t->alloc->ctx, cap * sizeof(a6_entry));
    if (!pg)
        return A6_NONE;
    t->pages[t->npages++] = pg;
    t->last_fill = cap - 1;
    return (t->npages - 1) << A6_PAGE_SHIFT;
}

/* An unused entry's reference, or A6_NONE. */
static uint32_t take_slot(a6_table *t)
{
    if (t->free_head != A6_NONE) {
        uint32_t r = t->free_head;
        t->free_head = entry(t, r)->next;
        return r;
    }
    if (t->npages && t->last_fill) {
        uint32_t p = t->npages - 1;
        return p << A6_PAGE_SHIFT | (page_cap(p) - t->last_fill--);
    }
    return new_page(t);
}

int a6_hold(a6_table *t, const uint8_t addr[16], uint32_t *ref)
{
    if (!t->buckets) {
        t->buckets = alloc_heads(t->alloc, A6_FIRST_BUCKETS);
        if (!t->buckets)
            return -ENOMEM;
        t->nbuckets = A6_FIRST_BUCKETS;
    }
    uint32_t *h = head_of(t, addr, t->nbuckets);
    for (uint32_t r = *h; r != A6_NONE; r = entry(t, r)->next) {
        a6_entry *e = entry(t, r);
        if (memcmp(e->addr, addr, 16) == 0) {
            if (e->refs == UINT32_MAX)
                return -ENOMEM;
            e->refs++;
            *ref = r;
            return 0;
        }
    }
    uint32_t r = take_slot(t);
    if (r == A6_NONE)
        return -ENOMEM;
    a6_entry *e = entry(t, r);
    memcpy(e->addr, addr, 16);
    e->refs = 1;
    e->next = *h;
    *h = r;
    t->count++;
    if (t->count > A6_MAX_LOAD * t->nbuckets)
        grow_buckets(t);
    *ref = r;
    return 0;
}

int a6_hold_ref(a6_table *t, uint32_t ref)
{
    a6_entry *e = entry(t, ref);
    if (e->refs == UINT32_MAX)
        return -ENOMEM;
    e->refs++;
    return 0;
}

void a6_put(a6_table *t, uint32_t ref)
{
    a6_entry *e = entry(t, ref);
    if (--e->refs)
        return;
    uint32_t *pp = head_of(t, e->addr, t->nbuckets);
    while (*pp != ref)
        pp = &entry(t, *pp)->next;
    *pp = e->next;
    e->next = t->free_head;
    t->free_head = ref;
    t->count--;
}

uint32_t a6_count(const a6_table *t)
{
    return t->count;
}

size_t a6_bytes(const a6_table *t)
{
    size_t n = (size_t)t->cap_pages * sizeof(a6_entry *) + (size_t)t->nbuckets * sizeof(uint32_t);
    for (uint32_t i = 0; i < t->npages; i++)
        n += page_cap(i) * sizeof(a6_entry);
    return n;
}
