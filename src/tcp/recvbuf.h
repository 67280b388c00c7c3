/* SPDX-License-Identifier: MIT */
/* synack — TCP receive buffer with in-place reassembly.
 *
 * RFC 9293 3.10.7.4 "seventh, process the segment text": data accepted moves
 * into the receive buffer and RCV.NXT advances over it; segments beyond
 * RCV.NXT "may be held for later processing" (3.10.7.4, first check sequence
 * number). Here they are held in place, in the ring slot they will occupy, so
 * filling a hole never copies the data again.
 *
 * A ring that may span up to cap bytes. Offset 0 is the first byte not yet
 * read by the application. The first `ready` bytes are in order and readable;
 * beyond them, out-of-order ranges already received are tracked as a sorted
 * list of at most RECVBUF_MAX_RANGES disjoint, non-adjacent [start,end) byte
 * ranges, with offsets relative to the end of the ready data, i.e. relative to
 * RCV.NXT.
 * A range never starts at 0: data at RCV.NXT is in order and becomes ready.
 *
 * Storage grows progressively: nothing is allocated until the first write that
 * stores a byte, which takes the smallest power of two that reaches the byte and
 * is at least RECVBUF_MIN_STORAGE; a write that lands beyond the storage doubles
 * it (or more, as needed), never past cap. Growing linearises the ring from
 * head, so every byte keeps its offset and the ranges stay valid. So an idle
 * connection costs nothing and a short request/reply touches a few pages, not
 * cap bytes. The window offered is still derived from cap, not the storage. The range
 * table likewise exists only while out-of-order data is held. */
#ifndef SYNACK_TCP_RECVBUF_H
#define SYNACK_TCP_RECVBUF_H

#include <stdint.h>

#include "synack/alloc.h"

/* Most out-of-order ranges held at once; beyond that a segment that would open
 * a new hole is refused (reassembly state is bounded like every queue; the drop
 * reason is ofo-ranges-full, docs/TRACE.md). */
#define RECVBUF_MAX_RANGES 32

/* Largest capacity: RFC 7323 2.3 caps the window at 2^30, and under 2^31 every
 * count fits a long and ring indices cannot overflow. */
#define RECVBUF_MAX_CAP 0x7fffffffu

/* Smallest storage allocated (unless cap is smaller): a power of two that holds a
 * full Ethernet-sized segment (MSS 1460), so small exchanges never grow. */
#define RECVBUF_MIN_STORAGE 2048u

typedef struct recvbuf_range {
    uint32_t start; /* First byte held, as an offset from RCV.NXT (always > 0). */
    uint32_t end;   /* One past the last byte held, as an offset from RCV.NXT. */
} recvbuf_range;

typedef struct recvbuf {
    uint8_t *data;    /* Ring storage of size bytes; NULL (size 0) until a byte is stored. */
    uint32_t cap;     /* Most bytes the ring may span (ready + window); fixed unless empty. */
    uint32_t size;    /* Storage bytes allocated, the ring's modulus: 0, a power of two, or cap. */
    uint32_t head;    /* Ring index of the first unread byte; < size, or 0 without storage. */
    uint32_t ready;   /* In-order bytes from head on, readable; RCV.NXT is just past them. */
    uint32_t nranges; /* Entries in use in ranges[]. */
    recvbuf_range *ranges; /* Out-of-order data held, ascending: room for RECVBUF_MAX_RANGES,
                              allocated with the first out-of-order byte, freed when the
                              last hole fills (NULL while everything is in order). */
    uint32_t ooo_bytes;    /* Bytes held in ranges (the sum of their lengths). */
    uint32_t staged;       /* Bytes recvbuf_stage() placed after the ready data and no call
                              has disturbed since; 0 otherwise. */
} recvbuf;

/* Sets an empty buffer of capacity cap (clamped to RECVBUF_MAX_CAP); allocates nothing. */
void recvbuf_init(recvbuf *b, uint32_t cap);
/* Releases the storage and drops all data; the capacity stays. */
void recvbuf_free(recvbuf *b, const synack_allocator *a);
/* Changes the capacity of an empty buffer (e.g. SO_RCVBUF) and frees its storage.
 * Returns 0, -EBUSY unless empty (no ready and no out-of-order data), or -EINVAL
 * if cap > RECVBUF_MAX_CAP. */
int recvbuf_set_cap(recvbuf *b, const synack_allocator *a, uint32_t cap);
/* Free space after the ready bytes: cap - ready, whatever storage is allocated. (The
 * receive window is derived from it.) */
uint32_t recvbuf_space(const recvbuf *b);
/* In-order bytes the application can read. */
uint32_t recvbuf_ready(const recvbuf *b);
/* Stores n bytes that start `off` bytes after RCV.NXT (off=0 is in-order data).
 * Bytes that fall beyond cap-ready are cut off. Bytes already held are ignored
 * (the first copy wins). If off>0 and the bytes would need a new range entry while
 * all RECVBUF_MAX_RANGES are used, the segment is refused (nothing stored) and
 * -ENOSPC returned; bytes that touch (overlap or adjoin) an existing range merge
 * with it and are accepted. Returns how far RCV.NXT advances: the growth of the
 * ready data, including out-of-order ranges that became contiguous. Range offsets
 * are rebased when RCV.NXT advances. Allocates or grows the storage when the bytes
 * land beyond it; if that allocation fails, returns -ENOMEM with nothing stored and
 * the buffer unchanged. *stored_out (may be NULL) receives how many of the n bytes
 * were newly stored (0 on error). src may be NULL only when n is 0. */
long recvbuf_write(recvbuf *b, const synack_allocator *a, uint32_t off, const void *src, uint32_t n,
                   uint32_t *stored_out);
/* Copies up to n ready bytes to dst (dst may be NULL to discard) and frees them.
 * Returns bytes read. */
uint32_t recvbuf_read(recvbuf *b, void *dst, uint32_t n);
/* Copies up to n ready bytes to dst without consuming them. Returns bytes copied. */
uint32_t recvbuf_peek(const recvbuf *b, void *dst, uint32_t n);
/* The same from `skip` bytes past the first ready one. */
uint32_t recvbuf_peek_at(const recvbuf *b, uint32_t skip, void *dst, uint32_t n);
/* Copies up to max out-of-order ranges, ascending, to out, for SACK blocks
 * (RFC 2018 4; offsets are from RCV.NXT, the caller adds it). Returns the count. */
uint32_t recvbuf_sack_ranges(const recvbuf *b, recvbuf_range *out, uint32_t max);
/* Drops all out-of-order data (e.g. under memory pressure; RFC 2018 8 allows
 * reneging); returns bytes dropped. */
uint32_t recvbuf_drop_ooo(recvbuf *b);
/* Frees the storage if there is neither ready nor out-of-order data; a later write
 * allocates it again (starting small). */
void recvbuf_shrink(recvbuf *b, const synack_allocator *a);

/* The receive fast path's fused copy: places n in-order bytes (at RCV.NXT) in the ring
 * without making them readable, and sets *sum to their Internet checksum partial sum
 * (csum_add(0, src, n)), computed in the same pass. Only for a buffer holding no
 * out-of-order data, with n <= recvbuf_space(). recvbuf_commit_staged(b, n) then makes them
 * readable without copying again. Returns 0, -EINVAL (preconditions), or -ENOMEM (storage
 * could not grow; nothing placed). */
int recvbuf_stage(recvbuf *b, const synack_allocator *a, const void *src, uint32_t n,
                  uint64_t *sum);
/* Makes the n bytes the last recvbuf_stage() placed readable (RCV.NXT advances by n) and
 * returns n; returns -1 (nothing changed) if no call staged exactly n bytes or another call
 * touched the buffer since: the caller then writes the bytes normally. */
long recvbuf_commit_staged(recvbuf *b, uint32_t n);

/* Zero-copy read: points *p at the first ready bytes and returns how many lie
 * contiguously there (0: none). recvbuf_read(b, NULL, n) then releases them. */
uint32_t recvbuf_contig(const recvbuf *b, const uint8_t **p);

#endif
