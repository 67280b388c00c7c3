/* SPDX-License-Identifier: MIT */
/* synack — big-endian (network byte order) field access.
 *
 * Wire fields are read and written one byte at a time so that no pointer is ever
 * cast to a wider type: packet buffers carry no alignment promise (RFC 791 and
 * RFC 9293 place 32-bit fields at any offset after options and link headers). */
#ifndef SYNACK_WIRE_BYTES_H
#define SYNACK_WIRE_BYTES_H

#include <stdint.h>

/* Reads the 16-bit big-endian value at p. */
static inline uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(((uint16_t)p[0] << 8) | (uint16_t)p[1]);
}

/* Reads the 32-bit big-endian value at p. */
static inline uint32_t rd32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

/* Writes v at p as 16 bits big-endian. */
static inline void wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* Writes v at p as 32 bits big-endian. */
static inline void wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

#endif
