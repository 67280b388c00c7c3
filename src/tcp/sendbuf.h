/* SPDX-License-Identifier: MIT */
/* synack — TCP send buffer.
 *
 * Holds the bytes the application wrote and the peer has not acknowledged yet
 * (RFC 9293 3.3.1: the send sequence space from SND.UNA on). Offset 0 is the
 * byte at SND.UNA; bytes before SND.NXT are in flight, the rest are not yet
 * sent. Retransmission peeks at any offset again until an ACK consumes it.
 *
 * A ring that may hold up to `cap` bytes. Its storage grows progressively:
 * nothing is allocated until the first append, which takes the smallest power
 * of two that fits the data and is at least SENDBUF_MIN_STORAGE; an append that
 * needs more doubles it (or more, as needed), never past cap. So an idle
 * connection costs nothing and a short request/reply touches a few pages, not
 * cap bytes. Storage is kept when the ring drains (no churn); a caller under
 * memory pressure gives it back with sendbuf_shrink(). */
#ifndef SYNACK_TCP_SENDBUF_H
#define SYNACK_TCP_SENDBUF_H

#include <stddef.h>
#include <stdint.h>

#include "synack/alloc.h"
#include "synack/netif.h"

/* Largest capacity: sequence comparisons (RFC 9293 3.4) only order bytes less
 * than 2^31 apart, and it keeps every count representable as a long. */
#define SENDBUF_MAX_CAP 0x7fffffffu

/* Smallest storage allocated (unless cap is smaller): a power of two that holds a
 * full Ethernet-sized segment (MSS 1460), so small exchanges never grow. */
#define SENDBUF_MIN_STORAGE 2048u

typedef struct sendbuf {
    uint8_t *data; /* Ring storage of size bytes, or NULL (size 0) until the first append. */
    uint32_t cap;  /* Most bytes the buffer may hold; fixed while it holds data. */
    uint32_t size; /* Bytes of storage allocated (the ring's modulus): 0, a power of two, or cap. */
    uint32_t head; /* Ring index of the byte at SND.UNA (offset 0); < size, or 0 with no storage. */
    uint32_t len;  /* Bytes held: written by the application, not yet acknowledged. */
    uint32_t lent; /* 1 + bytes the outstanding sendbuf_reserve() lent at the tail; 0: none
                      (so a zeroed buffer lends nothing) */
} sendbuf;

/* Sets an empty buffer of capacity cap (clamped to SENDBUF_MAX_CAP); allocates nothing. */
void sendbuf_init(sendbuf *b, uint32_t cap);
/* Releases the storage and empties the buffer; the capacity stays. */
void sendbuf_free(sendbuf *b, const synack_allocator *a);
/* Changes the capacity of an empty buffer (e.g. SO_SNDBUF) and frees its storage.
 * Returns 0, -EBUSY if it holds data, or -EINVAL if cap > SENDBUF_MAX_CAP. */
int sendbuf_set_cap(sendbuf *b, const synack_allocator *a, uint32_t cap);
/* Copies up to n bytes (at most cap - len) in after the last byte held, allocating
 * or growing the storage as needed. If growing fails, takes only what fits in the
 * storage it has. Returns bytes taken (0 when full or n == 0) or -ENOMEM (nothing
 * taken: the allocation failed and the storage had no room). */
long sendbuf_append(sendbuf *b, const synack_allocator *a, const void *src, size_t n);
/* Bytes held, from SND.UNA on. */
uint32_t sendbuf_len(const sendbuf *b);
/* Bytes that can still be appended: cap - len (whatever storage is allocated). */
uint32_t sendbuf_space(const sendbuf *b);
/* Copies n bytes starting at offset off (0 = SND.UNA) to dst; caller guarantees
 * off + n <= len. */
void sendbuf_peek(const sendbuf *b, uint32_t off, void *dst, uint32_t n);
/* sendbuf_peek() that also returns the Internet checksum partial sum of the n bytes (as
 * csum_add(0, dst, n) would), computed in the same pass as the copy. */
uint64_t sendbuf_peek_csum(const sendbuf *b, uint32_t off, void *dst, uint32_t n);
/* Where the n bytes at offset off lie in the ring, without copying them: one or two
 * (where the ring wraps) pieces, filled into p; returns how many. With sum non-NULL also
 * their partial checksum, as csum_add(0, bytes, n) would give. n > 0. */
unsigned sendbuf_pieces(const sendbuf *b, uint32_t off, uint32_t n, synack_iov p[2], uint64_t *sum);
/* Drops n acknowledged bytes from the front (n <= len), i.e. SND.UNA advances by n.
 * The storage is kept even when the buffer becomes empty. */
void sendbuf_consume(sendbuf *b, uint32_t n);
/* Frees the storage if the buffer is empty; a later append allocates it again
 * (starting small). */
void sendbuf_shrink(sendbuf *b, const synack_allocator *a);

/* Zero-copy append: lends up to `want` contiguous free bytes at the tail (growing the
 * storage if it can) and sets *p to them. Returns how many (maybe fewer than asked, at a
 * wrap-around; 0 when full) or -ENOMEM. The caller writes there, then calls
 * sendbuf_commit() with how many it wrote; nothing else may touch the buffer in between.
 * A reserve that lends nothing ends any earlier loan. */
long sendbuf_reserve(sendbuf *b, const synack_allocator *a, uint32_t want, uint8_t **p);
/* Appends the first n bytes of the outstanding loan and ends it. 0, or -EINVAL (nothing
 * appended) when no loan is outstanding or n exceeds it: bytes the caller never wrote are
 * stale heap, maybe another connection's, and must never be queued. Appending, freeing or
 * changing the capacity ends a loan too. */
int sendbuf_commit(sendbuf *b, uint32_t n);

#endif
