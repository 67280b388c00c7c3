/* SPDX-License-Identifier: MIT */
/* Frames held back in time: a min-heap ordered by release time, then by arrival order, so
 * frames due at the same time leave in the order they came (delay alone never reorders).
 * Used by the event loop's fault stage (host/loop.c); pure data structure, no system calls. */
#ifndef SYNACK_SIM_HOLDQ_H
#define SYNACK_SIM_HOLDQ_H

#include <stddef.h>
#include <stdint.h>

/* One held frame. */
typedef struct holdq_item {
    uint64_t at;    /* when it is released, microseconds */
    uint64_t order; /* arrival number, breaks ties in `at` */
    int dir;        /* the caller's tag (which direction it travels) */
    size_t len;     /* frame length */
    uint8_t *frame; /* the frame's own copy (malloc) */
} holdq_item;

typedef struct holdq {
    holdq_item *items;   /* the heap, items[0] is the earliest */
    size_t len;          /* frames held */
    size_t cap;          /* allocated entries */
    size_t limit;        /* most frames held at once */
    uint64_t next_order; /* next arrival number */
} holdq;

void holdq_init(holdq *q, size_t limit);
/* Frees every held frame. */
void holdq_destroy(holdq *q);
/* Holds a copy of frame until `at`. Returns the copy (the caller may still change its
 * bytes), or NULL when `limit` frames are held or memory is short. */
uint8_t *holdq_push(holdq *q, uint64_t at, int dir, const uint8_t *frame, size_t len);
/* Release time of the earliest frame, UINT64_MAX when empty. */
uint64_t holdq_next(const holdq *q);
/* Removes the earliest frame if it is due at `now`: fills *out (the caller frees
 * out->frame) and returns 1; returns 0 otherwise. */
int holdq_pop_due(holdq *q, uint64_t now, holdq_item *out);

#endif
