/* SPDX-License-Identifier: MIT */
/* synack — TCP send buffer: a ring holding SND.UNA onwards (see sendbuf.h). */
#include "tcp/sendbuf.h"

#include <errno.h>
#include <string.h>

#include "tcp/ring.h"
#include "wire/checksum.h"

/* Moves the ring into new storage big enough for need bytes, linearised so that
 * SND.UNA is at index 0. Returns 0, or -ENOMEM with the buffer unchanged. */
static int grow(sendbuf *b, const synack_allocator *a, uint32_t need)
{
    uint32_t size = ring_storage_for(b->size, need, b->cap, SENDBUF_MIN_STORAGE);
    uint8_t *data = a->alloc(a->ctx, size);
    if (data == NULL)
        return -ENOMEM;
    if (b->data != NULL) {
        sendbuf_peek(b, 0, data, b->len);
        a->free(a->ctx, b->data, b->size);
    }
    b->data = data;
    b->size = size;
    b->head = 0;
    return 0;
}

/* Grows towards need; when that much storage cannot be had, tries the next step up so a
 * stack near its buffer budget still makes progress. On success the storage may still be
 * smaller than need: callers take what fits. */
static int grow_some(sendbuf *b, const synack_allocator *a, uint32_t need)
{
    if (grow(b, a, need) == 0)
        return 0;
    if (need > b->len + 1 && b->len + 1 > b->size)
        return grow(b, a, b->len + 1);
    return -ENOMEM;
}

void sendbuf_init(sendbuf *b, uint32_t cap)
{
    b->data = NULL;
    b->cap = cap > SENDBUF_MAX_CAP ? SENDBUF_MAX_CAP : cap;
    b->size = 0;
    b->head = 0;
    b->len = 0;
    b->lent = 0;
}

void sendbuf_free(sendbuf *b, const synack_allocator *a)
{
    if (b->data != NULL)
        a->free(a->ctx, b->data, b->size);
    b->data = NULL;
    b->size = 0;
    b->head = 0;
    b->len = 0;
    b->lent = 0;
}

int sendbuf_set_cap(sendbuf *b, const synack_allocator *a, uint32_t cap)
{
    if (b->len > 0)
        return -EBUSY;
    if (cap > SENDBUF_MAX_CAP)
        return -EINVAL;
    sendbuf_free(b, a);
    b->cap = cap;
    return 0;
}

long sendbuf_append(sendbuf *b, const synack_allocator *a, const void *src, size_t n)
{
    uint32_t space = b->cap - b->len;
    b->lent = 0; /* the tail moves (or the storage does): an earlier loan is void */
    if (n == 0 || space == 0)
        return 0;
    uint32_t take = n < space ? (uint32_t)n : space;
    if (b->len + take > b->size && grow_some(b, a, b->len + take) != 0) {
        /* No bigger storage: fill what the current one has (none before the first append). */
        take = b->size - b->len;
        if (take == 0)
            return -ENOMEM;
    }
    if (b->len + take > b->size)
        take = b->size - b->len; /* grew by one step only */
    uint32_t tail = ring_index(b->size, b->head, b->len);
    uint32_t first = b->size - tail;
    if (first > take)
        first = take;
    const uint8_t *s = src;
    memcpy(b->data + tail, s, first);
    if (take > first)
        memcpy(b->data, s + first, take - first);
    b->len += take;
    return (long)take;
}

uint32_t sendbuf_len(const sendbuf *b)
{
    return b->len;
}

uint32_t sendbuf_space(const sendbuf *b)
{
    return b->cap - b->len;
}

void sendbuf_peek(const sendbuf *b, uint32_t off, void *dst, uint32_t n)
{
    if (n == 0)
        return;
    uint32_t start = ring_index(b->size, b->head, off);
    uint32_t first = b->size - start;
    if (first > n)
        first = n;
    uint8_t *d = dst;
    memcpy(d, b->data + start, first);
    if (n > first)
        memcpy(d + first, b->data, n - first);
}

uint64_t sendbuf_peek_csum(const sendbuf *b, uint32_t off, void *dst, uint32_t n)
{
    if (n == 0)
        return 0;
    uint32_t start = ring_index(b->size, b->head, off);
    uint32_t first = b->size - start;
    if (first > n)
        first = n;
    uint8_t *d = dst;
    uint64_t acc = csum_copy(0, d, b->data + start, first);
    if (n > first)
        acc = csum_add_partial(acc, csum_copy(0, d + first, b->data, n - first), (int)(first & 1));
    return acc;
}

unsigned sendbuf_pieces(const sendbuf *b, uint32_t off, uint32_t n, synack_iov p[2], uint64_t *sum)
{
    uint32_t start = ring_index(b->size, b->head, off);
    uint32_t first = b->size - start;
    if (first > n)
        first = n;
    p[0] = (synack_iov){b->data + start, first};
    if (sum)
        *sum = csum_add(0, p[0].base, first);
    if (n == first)
        return 1;
    p[1] = (synack_iov){b->data, n - first};
    if (sum)
        *sum = csum_add_partial(*sum, csum_add(0, p[1].base, n - first), (int)(first & 1));
    return 2;
}

void sendbuf_consume(sendbuf *b, uint32_t n)
{
    b->len -= n;
    /* An empty ring restarts at index 0, so the next appends stay in one chunk; but not
     * under an outstanding loan, whose bytes must stay where the tail is. */
    b->head = b->len == 0 && b->lent == 0 ? 0 : ring_index(b->size, b->head, n);
}

void sendbuf_shrink(sendbuf *b, const synack_allocator *a)
{
    if (b->len == 0)
        sendbuf_free(b, a);
}

long sendbuf_reserve(sendbuf *b, const synack_allocator *a, uint32_t want, uint8_t **p)
{
    uint32_t space = b->cap - b->len;
    b->lent = 0;
    if (want == 0 || space == 0)
        return 0;
    uint32_t take = want < space ? want : space;
    if (b->len + take > b->size && grow_some(b, a, b->len + take) != 0) {
        take = b->size - b->len;
        if (take == 0)
            return -ENOMEM;
    }
    uint32_t tail = ring_index(b->size, b->head, b->len);
    uint32_t contiguous = b->size - tail;
    if (contiguous > b->size - b->len)
        contiguous = b->size - b->len;
    if (take > contiguous)
        take = contiguous;
    *p = b->data + tail;
    if (take > 0)
        b->lent = take + 1;
    return (long)take;
}

int sendbuf_commit(sendbuf *b, uint32_t n)
{
    uint32_t lent = b->lent;
    b->lent = 0; /* one commit per reserve, refused or not */
    if (lent == 0 || n > lent - 1)
        return -EINVAL;
    /* Belt and braces: only bytes a reserve could have lent (allocated, free, contiguous
     * at the tail), even if the loan's bookkeeping were wrong. */
    uint32_t tail = b->size ? ring_index(b->size, b->head, b->len) : 0;
    uint32_t room = b->size - tail;
    if (room > b->size - b->len)
        room = b->size - b->len;
    if (n > room)
        return -EINVAL;
    b->len += n;
    return 0;
}
