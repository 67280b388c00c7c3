/* SPDX-License-Identifier: MIT */
/* synack gateway: polling for events a little before sleeping (--busy-poll,
 * cmd_gateway_spin.c). */
#ifndef SYNACK_TOOL_CMD_GATEWAY_SPIN_H
#define SYNACK_TOOL_CMD_GATEWAY_SPIN_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/epoll.h>

#include "cmd_gateway_events.h"

#define GW_SPIN_DEFAULT_US 50u
#define GW_SPIN_MAX_US 1000u
/* A round that moved more than this over the TAP is a transfer's, not a round trip's: the
 * next events are the kernel's, which batch better when we sleep. */
#define GW_SPIN_ROUND_BYTES (16u << 10)

typedef struct gw_spin {
    uint32_t us;                /* --busy-poll: how long to poll before sleeping; 0: never */
    uint32_t max_spinners;      /* threads allowed to poll at once */
    _Atomic uint32_t *spinners; /* threads polling now, shared by the threads (NULL: one) */
    uint64_t moved;             /* the TAP's byte count at the previous decision */
    uint64_t polls;             /* waits that polled first */
    uint64_t hits;              /* of them, ended by an event within the budget */
} gw_spin;

/* Whether the coming wait (timeout_ms; 0 never sleeps anyway) should poll first, given the
 * TAP's byte count moved now (read + written, ever): only after a round whose frames were
 * few and small, as a round trip's are. Remembers moved for the next call. */
int gw_spin_due(gw_spin *s, uint64_t moved, int timeout_ms);
/* gw_ev_wait, polling without sleeping for up to s->us first when gw_spin_due says so and
 * no more than s->max_spinners threads are polling. */
int gw_spin_wait(gw_spin *s, gw_ev *ev, struct epoll_event *out, int max, int timeout_ms,
                 uint64_t moved);

#endif
