/* SPDX-License-Identifier: MIT */
/* synack — index and sizing arithmetic shared by the send and receive rings
 * (sendbuf.c, recvbuf.c): storage grows in powers of two up to the capacity. */
#ifndef SYNACK_TCP_RING_H
#define SYNACK_TCP_RING_H

#include <stdint.h>

/* Ring index of offset off from head. Needs head < size and off <= size; with
 * size <= the rings' MAX_CAP (below 2^31) the sum cannot overflow 32 bits. */
static inline uint32_t ring_index(uint32_t size, uint32_t head, uint32_t off)
{
    uint32_t i = head + off;
    return i >= size ? i - size : i;
}

/* Storage size to hold need bytes (need <= cap, need > size): powers of two from
 * min, at least double the current size, never more than cap. 64-bit so doubling
 * 2^30 cannot overflow. */
static inline uint32_t ring_storage_for(uint32_t size, uint32_t need, uint32_t cap, uint32_t min)
{
    uint64_t s = size > 0 ? (uint64_t)size * 2 : min;
    while (s < need)
        s *= 2;
    return s < cap ? (uint32_t)s : cap;
}

#endif
