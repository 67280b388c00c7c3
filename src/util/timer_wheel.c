/* SPDX-License-Identifier: MIT */
/* synack — hierarchical timing wheel (see timer_wheel.h for the layout).
 *
 * Invariant: a timer with when <= now is on the due list; any other timer is
 * at level l = (highest bit where when and now differ) / 6, slot = bit group l
 * of when. Advancing now to any time before the start of the earliest
 * occupied slot leaves every timer's level and slot unchanged, which is why
 * tw_expire may jump straight to that slot's start and cascade only it. */
#include "util/timer_wheel.h"

#include <string.h>

/* Level of a timer due at when > now: the 6-bit group of their highest
 * differing bit. */
static unsigned level_of(uint64_t now, uint64_t when)
{
    const unsigned high = 63u - (unsigned)__builtin_clzll(when ^ now);
    return high / TW_LEVEL_BITS;
}

/* Slot of a deadline at the given level: its bit group number level. */
static unsigned slot_of(uint64_t when, unsigned level)
{
    return (unsigned)(when >> (level * TW_LEVEL_BITS)) & (TW_SLOTS - 1);
}

/* Earliest time that slot s of level l can hold, given the wheel's now: now's
 * bits above the level, then s in the level's group, then zeros. */
static uint64_t slot_start(uint64_t now, unsigned l, unsigned s)
{
    const unsigned above = (l + 1) * TW_LEVEL_BITS;
    const uint64_t high = above >= 64 ? 0 : (now >> above) << above;
    return high | ((uint64_t)s << (l * TW_LEVEL_BITS));
}

/* Pushes an unlinked node on the front of a list. */
static void list_push(tw_node **head, tw_node *n)
{
    n->next = *head;
    if (n->next)
        n->next->pprev = &n->next;
    *head = n;
    n->pprev = head;
}

/* Unlinks a linked node and marks it not armed. */
static void list_unlink(tw_node *n)
{
    *n->pprev = n->next;
    if (n->next)
        n->next->pprev = n->pprev;
    n->next = NULL;
    n->pprev = NULL;
}

/* Links an unlinked node, when already set, where the invariant puts it. */
static void place(timer_wheel *w, tw_node *n)
{
    if (n->when <= w->now) {
        list_push(&w->due, n);
        return;
    }
    const unsigned l = level_of(w->now, n->when);
    const unsigned s = slot_of(n->when, l);
    list_push(&w->slot[l][s], n);
    w->occupied[l] |= UINT64_C(1) << s;
    w->level_mask |= UINT32_C(1) << l;
}

/* Keeps the cached minimum exact after n (armed, still counted) leaves. */
static void forget_min(timer_wheel *w, const tw_node *n)
{
    if (w->min_valid && n->when == w->min_when && --w->min_count == 0)
        w->min_valid = 0;
}

/* Unlinks an armed node from wherever it is and drops it from the count. */
static void detach(timer_wheel *w, tw_node *n)
{
    forget_min(w, n);
    list_unlink(n);
    w->count--;
    if (n->when <= w->now)
        return; /* it was on the due list */
    /* Still where place() put it: now has not passed its slot's start. */
    const unsigned l = level_of(w->now, n->when);
    const unsigned s = slot_of(n->when, l);
    if (w->slot[l][s] == NULL) {
        w->occupied[l] &= ~(UINT64_C(1) << s);
        if (w->occupied[l] == 0)
            w->level_mask &= ~(UINT32_C(1) << l);
    }
}

void tw_init(timer_wheel *w, uint64_t now)
{
    memset(w, 0, sizeof *w);
    w->now = now;
    w->min_when = UINT64_MAX;
    w->min_count = 0;
    w->min_valid = 1;
}

void tw_node_init(tw_node *n)
{
    n->next = NULL;
    n->pprev = NULL;
    n->when = 0;
}

void tw_arm(timer_wheel *w, tw_node *n, uint64_t when)
{
    if (tw_armed(n))
        detach(w, n);
    n->when = when;
    place(w, n);
    w->count++;
    if (w->min_valid) {
        if (when < w->min_when) {
            w->min_when = when;
            w->min_count = 1;
        } else if (when == w->min_when) {
            w->min_count++;
        }
    }
}

void tw_cancel(timer_wheel *w, tw_node *n)
{
    if (tw_armed(n))
        detach(w, n);
}

/* Moves every timer of slot s at level l (whose start is now w->now) to the
 * due list or a lower level. Each timer descends at least one level, so a
 * timer is cascaded at most TW_LEVELS times over its life. */
static void cascade(timer_wheel *w, unsigned l, unsigned s)
{
    tw_node *n = w->slot[l][s];
    w->slot[l][s] = NULL;
    w->occupied[l] &= ~(UINT64_C(1) << s);
    if (w->occupied[l] == 0)
        w->level_mask &= ~(UINT32_C(1) << l);
    while (n) {
        tw_node *next = n->next;
        n->next = NULL;
        n->pprev = NULL;
        place(w, n);
        n = next;
    }
}

tw_node *tw_expire(timer_wheel *w, uint64_t now)
{
    if (now < w->now)
        now = w->now;
    for (;;) {
        if (w->due) {
            tw_node *n = w->due;
            forget_min(w, n);
            list_unlink(n);
            w->count--;
            return n;
        }
        if (w->level_mask == 0)
            break;
        /* The lowest occupied level's first slot holds the earliest timers. */
        const unsigned l = (unsigned)__builtin_ctz(w->level_mask);
        const unsigned s = (unsigned)__builtin_ctzll(w->occupied[l]);
        const uint64_t start = slot_start(w->now, l, s);
        if (start > now)
            break;
        /* Jump straight to the slot: no tick in between holds a timer. */
        w->now = start;
        cascade(w, l, s);
    }
    /* Every remaining timer lies after now, in a slot starting after now. */
    w->now = now;
    return NULL;
}

uint64_t tw_next_deadline(timer_wheel *w)
{
    if (w->min_valid)
        return w->min_when;
    /* Due timers all precede wheel timers; otherwise the first slot of the
     * lowest occupied level precedes every other slot. */
    const tw_node *n = w->due;
    if (!n && w->level_mask) {
        const unsigned l = (unsigned)__builtin_ctz(w->level_mask);
        n = w->slot[l][__builtin_ctzll(w->occupied[l])];
    }
    uint64_t min = UINT64_MAX;
    size_t count = 0;
    for (; n; n = n->next) {
        if (n->when < min) {
            min = n->when;
            count = 1;
        } else if (n->when == min) {
            count++;
        }
    }
    w->min_when = min;
    w->min_count = count;
    w->min_valid = 1;
    return min;
}

size_t tw_count(const timer_wheel *w)
{
    return w->count;
}
