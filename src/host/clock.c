/* SPDX-License-Identifier: MIT */
/* The host's clocks, in the stack's unit (microseconds). The core takes time only as an
 * argument; this is where a host program gets it (declared in synack/loop.h, whose loop
 * reads them every round). */
#include <stdint.h>
#include <time.h>

#include "synack/loop.h"

static uint64_t clock_us(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t synack_loop_clock(void)
{
    return clock_us(CLOCK_MONOTONIC);
}

uint64_t synack_loop_wallclock(void)
{
    return clock_us(CLOCK_REALTIME);
}
