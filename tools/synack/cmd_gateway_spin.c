/* SPDX-License-Identifier: MIT */
/* Why the gateway polls before it sleeps: a relayed round trip wakes it twice (the TAP, then
 * the host socket) where two kernel endpoints wake nobody in between, and on a virtual
 * machine each sleep-and-wake costs tens of microseconds (the vCPU halts; an interrupt
 * brings it back). Polling epoll for a short while after a round trip's small frames
 * catches the answer without sleeping. After a transfer's large frames it does not: the
 * kernel is busy producing more, and a gateway that sleeps reads them in bigger batches
 * and leaves the CPU to the endpoints. The budget bounds the cost of a guess that missed,
 * and with --threads at most half the cores poll at once. */
#include "cmd_gateway_spin.h"

#include <time.h>

int gw_spin_due(gw_spin *s, uint64_t moved, int timeout_ms)
{
    uint64_t d = moved - s->moved;
    s->moved = moved;
    return s->us > 0 && timeout_ms != 0 && d > 0 && d <= GW_SPIN_ROUND_BYTES;
}

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int claim(gw_spin *s)
{
    if (!s->spinners)
        return 1;
    if (atomic_fetch_add(s->spinners, 1) < s->max_spinners)
        return 1;
    atomic_fetch_sub(s->spinners, 1);
    return 0;
}

int gw_spin_wait(gw_spin *s, gw_ev *ev, struct epoll_event *out, int max, int timeout_ms,
                 uint64_t moved)
{
    if (!gw_spin_due(s, moved, timeout_ms) || !claim(s))
        return gw_ev_wait(ev, out, max, timeout_ms);
    s->polls++;
    uint64_t end = now_us() + s->us;
    int n, woke;
    for (;;) {
        n = gw_ev_wait(ev, out, max, 0);
        /* Events gw_ev_wait consumed itself (its poll-set list) are a wake too; an error
         * (EINTR) goes to the caller as it would from a sleeping wait. */
        woke = n != 0 || ev->last > 0;
        if (woke || now_us() >= end)
            break;
    }
    if (s->spinners)
        atomic_fetch_sub(s->spinners, 1);
    if (!woke)
        return gw_ev_wait(ev, out, max, timeout_ms);
    s->hits++;
    return n;
}
