/* SPDX-License-Identifier: MIT */
/* synack gateway: giving freed heap back to the OS once a burst of connections is over
 * (cmd_gateway_trim.c). */
#ifndef SYNACK_TOOL_CMD_GATEWAY_TRIM_H
#define SYNACK_TOOL_CMD_GATEWAY_TRIM_H

#include <stddef.h>
#include <stdint.h>

/* At most one trim a second: a trim walks the whole heap. */
#define GW_TRIM_INTERVAL_US 1000000u
/* Not worth a trim below this much freed stack memory. */
#define GW_TRIM_MIN_FREED ((size_t)1 << 20)

typedef struct gw_trim {
    uint64_t not_before; /* the rate limit: no trim before this time (us) */
    size_t peak;         /* the stack's memory in use at its most since the last trim */
    int busy;            /* a relay was open since the last trim */
    uint64_t trims;      /* trims done */
} gw_trim;

/* Whether the heap should be trimmed now, at time now (us), with open relays and the
 * stack's in_use bytes: once the last relay closed and in_use fell to at most half of its
 * peak since the last trim (and by GW_TRIM_MIN_FREED), at most every GW_TRIM_INTERVAL_US.
 * When it says yes, it counts the trim and starts watching for the next burst. */
int gw_trim_due(gw_trim *t, uint32_t open, size_t in_use, uint64_t now);
/* gw_trim_due, then the trim itself (malloc_trim(0) where glibc has it; nothing elsewhere). */
void gw_trim_step(gw_trim *t, uint32_t open, size_t in_use, uint64_t now);

#endif
