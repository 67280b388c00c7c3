/* SPDX-License-Identifier: MIT */
/* synack — defence in depth for the send and receive rings in sanitizer builds.
 *
 * With SYNACK_POISON_RINGS (set by SYNACK_SANITIZE), ring storage is filled with
 * POISON_BYTE when it is allocated and again before it is freed, so a byte the application
 * never wrote — stale heap, or another connection's data — shows up as a run of POISON_BYTE
 * wherever it goes, and the tests look for that run on the wire. (The freed block itself is
 * guarded by ASan's own poisoning and quarantine.) Other builds pay nothing. */
#ifndef SYNACK_UTIL_POISON_H
#define SYNACK_UTIL_POISON_H

#include <stddef.h>
#include <string.h>

#define POISON_BYTE 0xa5u

static inline void ring_poison(void *p, size_t n)
{
#ifdef SYNACK_POISON_RINGS
    memset(p, (int)POISON_BYTE, n);
#else
    (void)p;
    (void)n;
#endif
}

#endif
