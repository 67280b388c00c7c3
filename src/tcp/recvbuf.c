/* SPDX-License-Identifier: MIT */
/* synack — TCP receive buffer with in-place reassembly (see recvbuf.h). */
#include "tcp/recvbuf.h"

#include <errno.h>
#include <string.h>

#include "tcp/ring.h"
#include "wire/checksum.h"

/* Copies n bytes to offset off from RCV.NXT, in at most two chunks. */
static void copy_in(recvbuf *b, uint32_t off, const uint8_t *src, uint32_t n)
{
    uint32_t start = ring_index(b->size, b->head, b->ready + off);
    uint32_t first = b->size - start;
    if (first > n)
        first = n;
    memcpy(b->data + start, src, first);
    if (n > first)
        memcpy(b->data, src + first, n - first);
}

/* Copies n bytes from offset off after head (not RCV.NXT) to dst, in at most two
 * chunks. */
static void ring_read(const recvbuf *b, uint32_t off, uint8_t *dst, uint32_t n)
{
    if (n == 0)
        return;
    uint32_t start = ring_index(b->size, b->head, off);
    uint32_t first = b->size - start;
    if (first > n)
        first = n;
    memcpy(dst, b->data + start, first);
    if (n > first)
        memcpy(dst + first, b->data, n - first);
}

/* Copies the first n ready bytes to dst. */
static void copy_out(const recvbuf *b, uint8_t *dst, uint32_t n)
{
    ring_read(b, 0, dst, n);
}

/* Moves the ring into new storage that reaches need bytes from head, linearised
 * so head becomes index 0. The ready bytes and every held range keep their
 * offsets (ranges are relative to RCV.NXT, which stays `ready` past head); the
 * holes between them hold nothing yet and are not copied. Returns 0, or -ENOMEM
 * with the buffer unchanged. */
static int grow(recvbuf *b, const synack_allocator *a, uint32_t need)
{
    uint32_t size = ring_storage_for(b->size, need, b->cap, RECVBUF_MIN_STORAGE);
    uint8_t *data = a->alloc(a->ctx, size);
    if (data == NULL)
        return -ENOMEM;
    if (b->data != NULL) {
        ring_read(b, 0, data, b->ready);
        for (uint32_t k = 0; k < b->nranges; k++) {
            uint32_t off = b->ready + b->ranges[k].start;
            ring_read(b, off, data + off, b->ranges[k].end - b->ranges[k].start);
        }
        a->free(a->ctx, b->data, b->size);
    }
    b->data = data;
    b->size = size;
    b->head = 0;
    return 0;
}

void recvbuf_init(recvbuf *b, uint32_t cap)
{
    memset(b, 0, sizeof(*b));
    b->cap = cap > RECVBUF_MAX_CAP ? RECVBUF_MAX_CAP : cap;
}

/* Bytes of the range table, allocated on the first out-of-order segment. */
#define RANGES_BYTES (RECVBUF_MAX_RANGES * sizeof(recvbuf_range))

static void free_ranges(recvbuf *b, const synack_allocator *a)
{
    if (b->ranges != NULL)
        a->free(a->ctx, b->ranges, RANGES_BYTES);
    b->ranges = NULL;
}

void recvbuf_free(recvbuf *b, const synack_allocator *a)
{
    if (b->data != NULL)
        a->free(a->ctx, b->data, b->size);
    free_ranges(b, a);
    recvbuf_init(b, b->cap);
}

int recvbuf_set_cap(recvbuf *b, const synack_allocator *a, uint32_t cap)
{
    if (b->ready > 0 || b->nranges > 0)
        return -EBUSY;
    if (cap > RECVBUF_MAX_CAP)
        return -EINVAL;
    recvbuf_free(b, a);
    b->cap = cap;
    return 0;
}

uint32_t recvbuf_space(const recvbuf *b)
{
    return b->cap - b->ready;
}

uint32_t recvbuf_ready(const recvbuf *b)
{
    return b->ready;
}

int recvbuf_stage(recvbuf *b, const synack_allocator *a, const void *src, uint32_t n, uint64_t *sum)
{
    b->staged = 0;
    if (n == 0 || b->nranges != 0 || n > b->cap - b->ready)
        return -EINVAL;
    if (b->ready + n > b->size && grow(b, a, b->ready + n) != 0)
        return -ENOMEM;
    uint32_t start = ring_index(b->size, b->head, b->ready);
    uint32_t first = b->size - start;
    if (first > n)
        first = n;
    const uint8_t *s = src;
    uint64_t acc = csum_copy(0, b->data + start, s, first);
    if (n > first)
        acc = csum_add_partial(acc, csum_copy(0, b->data, s + first, n - first), (int)(first & 1));
    *sum = acc;
    b->staged = n;
    return 0;
}

long recvbuf_commit_staged(recvbuf *b, uint32_t n)
{
    if (n == 0 || b->staged != n || b->nranges != 0 || n > b->cap - b->ready)
        return -1;
    b->staged = 0;
    b->ready += n;
    return (long)n;
}

long recvbuf_write(recvbuf *b, const synack_allocator *a, uint32_t off, const void *src, uint32_t n,
                   uint32_t *stored_out)
{
    b->staged = 0;
    if (stored_out != NULL)
        *stored_out = 0;
    uint32_t space = b->cap - b->ready;
    if (n == 0 || off >= space)
        return 0;
    /* The segment, cut to the buffer: [s, e) from RCV.NXT. */
    uint32_t s = off;
    uint32_t e = off + (n < space - off ? n : space - off);

    /* Ranges i..j-1 touch [s, e): they overlap it or adjoin it, and so merge with it. */
    uint32_t i = 0;
    while (i < b->nranges && b->ranges[i].end < s)
        i++;
    uint32_t j = i;
    while (j < b->nranges && b->ranges[j].start <= e)
        j++;
    if (s > 0 && i == j && b->nranges == RECVBUF_MAX_RANGES)
        return -ENOSPC;
    /* The range table exists only while data is held out of order: in-order connections,
     * the common case, never pay for it. */
    if (s > 0 && b->ranges == NULL) {
        b->ranges = a->alloc(a->ctx, RANGES_BYTES);
        if (b->ranges == NULL)
            return -ENOMEM;
    }

    /* The storage must reach the segment's end; what is held already lies within
     * it, and ready + e <= cap. */
    if (b->ready + e > b->size && grow(b, a, b->ready + e) != 0) {
        if (b->nranges == 0)
            free_ranges(b, a);
        return -ENOMEM;
    }

    /* Fill only the holes between the touching ranges: the first copy wins. */
    const uint8_t *p = src;
    uint32_t stored = 0;
    uint32_t cur = s;
    for (uint32_t k = i; k < j; k++) {
        const recvbuf_range *r = &b->ranges[k];
        if (r->start > cur) {
            copy_in(b, cur, p + (cur - s), r->start - cur);
            stored += r->start - cur;
        }
        if (r->end > cur)
            cur = r->end;
    }
    if (cur < e) {
        copy_in(b, cur, p + (cur - s), e - cur);
        stored += e - cur;
    }
    if (stored_out != NULL)
        *stored_out = stored;

    if (s == 0) {
        /* RFC 9293 3.10.7.4: RCV.NXT advances over the data accepted, and over the
         * held ranges that are now contiguous with it (here i == 0). */
        uint32_t adv = e;
        if (j > 0 && b->ranges[j - 1].end > adv)
            adv = b->ranges[j - 1].end;
        for (uint32_t k = 0; k < j; k++)
            b->ooo_bytes -= b->ranges[k].end - b->ranges[k].start;
        uint32_t left = b->nranges - j;
        for (uint32_t k = 0; k < left; k++) {
            b->ranges[k].start = b->ranges[j + k].start - adv;
            b->ranges[k].end = b->ranges[j + k].end - adv;
        }
        b->nranges = left;
        b->ready += adv;
        if (left == 0)
            free_ranges(b, a); /* the holes are filled: back to the in-order footprint */
        return (long)adv;
    }

    /* Out of order: the segment and ranges i..j-1 become one range at i. */
    recvbuf_range merged = {s, e};
    if (i < j) {
        if (b->ranges[i].start < merged.start)
            merged.start = b->ranges[i].start;
        if (b->ranges[j - 1].end > merged.end)
            merged.end = b->ranges[j - 1].end;
    }
    uint32_t tail = b->nranges - j; /* ranges after the merged ones */
    if (tail > 0 && j != i + 1)
        memmove(&b->ranges[i + 1], &b->ranges[j], tail * sizeof(b->ranges[0]));
    b->ranges[i] = merged;
    b->nranges = i + 1 + tail;
    b->ooo_bytes += stored;
    return 0;
}

uint32_t recvbuf_read(recvbuf *b, void *dst, uint32_t n)
{
    b->staged = 0; /* a read may empty the ring and restart it at index 0 */
    uint32_t take = n < b->ready ? n : b->ready;
    if (take == 0)
        return 0;
    if (dst != NULL)
        copy_out(b, dst, take);
    b->ready -= take;
    /* Held ranges sit at fixed ring slots relative to head + ready, which does not
     * move; only a wholly empty ring may restart at index 0. */
    if (b->ready == 0 && b->nranges == 0)
        b->head = 0;
    else
        b->head = ring_index(b->size, b->head, take);
    return take;
}

uint32_t recvbuf_peek(const recvbuf *b, void *dst, uint32_t n)
{
    uint32_t take = n < b->ready ? n : b->ready;
    if (take > 0 && dst != NULL)
        copy_out(b, dst, take);
    return take;
}

uint32_t recvbuf_peek_at(const recvbuf *b, uint32_t skip, void *dst, uint32_t n)
{
    if (skip >= b->ready)
        return 0;
    uint32_t take = n < b->ready - skip ? n : b->ready - skip;
    if (take > 0 && dst != NULL)
        ring_read(b, skip, dst, take);
    return take;
}

uint32_t recvbuf_sack_ranges(const recvbuf *b, recvbuf_range *out, uint32_t max)
{
    uint32_t count = b->nranges < max ? b->nranges : max;
    if (count > 0)
        memcpy(out, b->ranges, count * sizeof(b->ranges[0]));
    return count;
}

uint32_t recvbuf_drop_ooo(recvbuf *b)
{
    b->staged = 0;
    uint32_t dropped = b->ooo_bytes;
    b->nranges = 0;
    b->ooo_bytes = 0;
    if (b->ready == 0)
        b->head = 0;
    return dropped;
}

void recvbuf_shrink(recvbuf *b, const synack_allocator *a)
{
    if (b->ready == 0 && b->nranges == 0)
        recvbuf_free(b, a);
}

uint32_t recvbuf_contig(const recvbuf *b, const uint8_t **p)
{
    if (b->ready == 0)
        return 0;
    uint32_t first = b->size - b->head;
    *p = b->data + b->head;
    return b->ready < first ? b->ready : first;
}
