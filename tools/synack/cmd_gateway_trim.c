/* SPDX-License-Identifier: MIT */
/* A gateway's connections come in bursts. The stack frees their buffers when they close,
 * but glibc keeps freed heap below the highest chunk still in use, so without a trim a
 * gateway stays as large as its busiest moment long after it went idle, unlike what
 * slirp4netns and pasta users expect. The core never does this: it is the tool's policy. */
#include "cmd_gateway_trim.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

int gw_trim_due(gw_trim *t, uint32_t open, size_t in_use, uint64_t now)
{
    if (in_use > t->peak)
        t->peak = in_use;
    if (open) {
        t->busy = 1;
        return 0;
    }
    /* Stays armed until memory actually falls: closed relays' connections may still hold
     * their buffers for a while (LAST-ACK, FIN-WAIT). */
    if (!t->busy || now < t->not_before || in_use > t->peak / 2 ||
        t->peak - in_use < GW_TRIM_MIN_FREED)
        return 0;
    t->busy = 0;
    t->peak = in_use;
    t->not_before = now + GW_TRIM_INTERVAL_US;
    t->trims++;
    return 1;
}

void gw_trim_step(gw_trim *t, uint32_t open, size_t in_use, uint64_t now)
{
    if (!gw_trim_due(t, open, in_use, now))
        return;
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
}
