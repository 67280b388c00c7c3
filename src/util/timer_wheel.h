/* SPDX-License-Identifier: MIT */
/* synack — hierarchical timing wheel for all per-stack timers.
 *
 * Time is absolute microseconds (uint64_t) supplied by the host. Arm and
 * cancel are O(1); expiry costs O(1) per timer per level it descends, however
 * far time jumps in one step (a host that sleeps 7200 s costs no more than
 * one that polls every millisecond). The earliest deadline is exact, so
 * synack_next_deadline() can tell the host precisely when to call again.
 *
 * Layout: 11 levels of 64 slots. A timer lives at the level of the highest
 * 6-bit group in which its deadline differs from the wheel's current time, in
 * the slot named by that group of the deadline. Every occupied slot at a level
 * therefore lies strictly after "now" in that group, with no wrap-around, so
 * the first set bit of the lowest non-empty level holds the earliest timers.
 * 11 * 6 = 66 bits covers any 64-bit deadline; no overflow list is needed.
 * Timers already due sit on a separate list until tw_expire() hands them out.
 *
 * Nodes are intrusive: the wheel never allocates. */
#ifndef SYNACK_UTIL_TIMER_WHEEL_H
#define SYNACK_UTIL_TIMER_WHEEL_H

#include <stddef.h>
#include <stdint.h>

/* Bits of time covered by one level: 64 slots per level. */
#define TW_LEVEL_BITS 6
/* Slots per level. */
#define TW_SLOTS (1u << TW_LEVEL_BITS)
/* Levels needed so that 6 * TW_LEVELS >= 64. */
#define TW_LEVELS 11

/* One timer, embedded in whatever owns it (a TCB, a TIME-WAIT entry, ...). */
typedef struct tw_node {
    /* Next timer in the same slot or due list, NULL at the end. */
    struct tw_node *next;
    /* Address of the pointer that points at this node; NULL when not armed. */
    struct tw_node **pprev;
    /* Absolute deadline in microseconds; valid while armed. */
    uint64_t when;
} tw_node;

typedef struct timer_wheel {
    /* Time up to which the wheel has been advanced; never decreases. */
    uint64_t now;
    /* Slot lists: slot[l][s] holds timers at level l whose deadline has s in
     * bit group l (bits 6l .. 6l+5). */
    tw_node *slot[TW_LEVELS][TW_SLOTS];
    /* Bit s of occupied[l] is set iff slot[l][s] is non-empty. */
    uint64_t occupied[TW_LEVELS];
    /* Bit l is set iff occupied[l] != 0, to find the lowest level in O(1). */
    uint32_t level_mask;
    /* Timers whose deadline is <= now, waiting to be returned by tw_expire. */
    tw_node *due;
    /* Number of armed timers. */
    size_t count;
    /* Cached exact minimum deadline, meaningful only when min_valid. */
    uint64_t min_when;
    /* Armed timers whose deadline equals min_when, so that expiring a batch
     * of equal deadlines does not rescan; meaningful only when min_valid. */
    size_t min_count;
    /* Non-zero when min_when equals the minimum over all armed timers. */
    int min_valid;
} timer_wheel;

/* Starts an empty wheel whose current time is now. */
void tw_init(timer_wheel *w, uint64_t now);

/* Marks a node as not armed; call once before its first tw_arm. */
void tw_node_init(tw_node *n);

/* Arms n to fire at when, moving it if it is already armed. A deadline at or
 * before the wheel's time fires at the next tw_expire. */
void tw_arm(timer_wheel *w, tw_node *n, uint64_t when);

/* Disarms n; does nothing if n is not armed. */
void tw_cancel(timer_wheel *w, tw_node *n);

/* Non-zero while n is armed. */
static inline int tw_armed(const tw_node *n)
{
    return n->pprev != NULL;
}

/* Advances the wheel to now and detaches and returns one armed timer whose
 * deadline is <= now, or NULL when none is left; the caller loops until NULL.
 * Timers come out in deadline order, except that those armed with a deadline
 * already in the wheel's past come out first, in no particular order. A now
 * earlier than the wheel's time is treated as the wheel's time. */
tw_node *tw_expire(timer_wheel *w, uint64_t now);

/* Exact minimum deadline over all armed timers, UINT64_MAX if none. Cached
 * between changes, hence the non-const wheel. */
uint64_t tw_next_deadline(timer_wheel *w);

/* Number of armed timers. */
size_t tw_count(const timer_wheel *w);

#endif
