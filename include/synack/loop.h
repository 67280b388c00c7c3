/* SPDX-License-Identifier: MIT */
/* synack — a small event loop that runs one stack on a TUN/TAP device in real time.
 *
 * Host glue, not core. The loop owns the clock (CLOCK_MONOTONIC, in microseconds, is
 * the stack's time), reads frames from the device into synack_input(), runs
 * synack_poll() when synack_next_deadline() comes, and sleeps in ppoll(2) until the
 * next frame, the next deadline, or a file descriptor of the caller's becomes ready.
 *
 * Between the device and the stack sits an optional impairment stage built on the
 * simulator's fault model (include/synack/simnet.h, src/sim/fault.c): each direction
 * has a synack_fault_config, and frames it delays or reorders are held in a bounded
 * queue and released at their time. A capture file, when set, records the frames as
 * they cross the device: frames sent when they are written (after the faults), frames
 * received when they are handed to the stack (after the faults).
 *
 * Use:
 *     synack_loop *lp = synack_loop_new(&lcfg);      // lcfg.dev is an open device
 *     synack_loop_netif(lp, &cfg.netif);             // the stack sends through the loop
 *     st = synack_stack_new(&cfg);
 *     synack_loop_attach(lp, st);
 *     synack_sock_watch(st, ls, POLLIN, NULL);        // readiness, edge-triggered
 *     for (;;) {
 *         synack_loop_run_once(lp, 100000, NULL, 0);
 *         synack_ready r[64];
 *         int n = synack_loop_ready(lp, r, 64);      // only the sockets that changed
 *         ...socket calls on r[0..n-1].sock until -EAGAIN...
 *     }
 */
#ifndef SYNACK_LOOP_H
#define SYNACK_LOOP_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "synack/api.h"
#include "synack/pcap.h"
#include "synack/simnet.h"
#include "synack/synack.h"
#include "synack/tuntap.h"

#ifdef __cplusplus
extern "C" {
#endif

SYNACK_API_BEGIN

typedef struct synack_loop synack_loop;

typedef struct synack_loop_config {
    synack_tuntap *dev;           /* the open device; stays the caller's */
    synack_fault_config tx_fault; /* faults on frames the stack sends (all zero: none) */
    synack_fault_config rx_fault; /* faults on frames that arrive (all zero: none) */
    uint64_t fault_seed;          /* seed of the faults' PRNG (same seed, same choices) */
    uint32_t max_held;            /* frames held back by delay/reorder at once, both
                                     directions together; 0 = 8192. More are dropped */
    uint32_t rx_batch;            /* frames read per wake-up before the caller runs; 0 = 64 */
    synack_pcap *pcap;            /* capture of what crosses the device, or NULL; stays
                                     the caller's */
} synack_loop_config;

/* What the loop did. */
typedef struct synack_loop_stats {
    uint64_t rx_frames;        /* frames read from the device */
    uint64_t rx_bytes;         /* their bytes */
    uint64_t tx_frames;        /* frames written to the device */
    uint64_t tx_bytes;         /* their bytes */
    uint64_t tx_errors;        /* writes the device refused (queue full, interface down) */
    uint64_t rx_errors;        /* reads that failed other than "nothing queued" */
    uint64_t held_drops;       /* frames dropped because the hold queue was full */
    uint64_t wakeups;          /* times the loop slept and woke */
    synack_link_stats tx_link; /* the tx fault stage's counts (simnet.h) */
    synack_link_stats rx_link; /* the rx fault stage's counts */
} synack_loop_stats;

/* CLOCK_MONOTONIC in microseconds: the time the loop gives its stack. */
uint64_t synack_loop_clock(void);
/* CLOCK_REALTIME in microseconds (for capture timestamps and logs). */
uint64_t synack_loop_wallclock(void);

/* A loop on cfg->dev; NULL when memory is short or cfg is unusable (no device). */
synack_loop *synack_loop_new(const synack_loop_config *cfg);
/* Frees the loop and the frames it still holds (they are not sent). Free it after its
 * stack: a stack that outlives the loop drops what it sends. NULL is accepted. */
void synack_loop_free(synack_loop *lp);
/* Fills a netif so that the stack sends through the loop: type and MTU from the device,
 * output and output_ctx. Address, prefix, gateway and MAC stay the caller's. Returns 0,
 * or -EINVAL (NULL loop or netif). */
int synack_loop_netif(synack_loop *lp, synack_netif *nif);
/* The stack that receives the device's frames (created with synack_loop_netif's netif;
 * NULL: none). synack_stack_free() on it detaches it. Returns 0, or -EINVAL (NULL loop). */
int synack_loop_attach(synack_loop *lp, synack_stack *st);
/* One round: sleeps until a frame arrives, a deadline (the stack's or a held frame's)
 * comes, one of `extra` becomes ready, a signal arrives, or max_wait_us passes (not at
 * all while the stack has ready sockets not yet popped: synack_loop_ready()); then
 * releases due held frames, reads up to rx_batch frames into the stack, and runs its
 * timers when due. `extra` (may be NULL; at most 16 entries) has its revents filled as
 * poll(2) does. Returns the number of frames handed to the stack, or a negative errno
 * when the device failed (-EINTR is not a failure: it returns 0), or -EINVAL (NULL loop,
 * nextra outside 0..16, NULL extra with nextra > 0). */
int synack_loop_run_once(synack_loop *lp, uint64_t max_wait_us, struct pollfd *extra, int nextra);
/* The sockets of the attached stack that became ready (synack_sock_ready()): after
 * run_once, a caller that watches its sockets (synack_sock_watch()) pops them here instead
 * of trying every socket. run_once does not sleep while some are left unpopped. Returns
 * how many entries it filled, or -EINVAL (no loop or no stack attached, or bad out/max). */
int synack_loop_ready(synack_loop *lp, synack_ready *out, int max);
/* Runs timers and sends held frames that are due, without sleeping or reading. Call it
 * after socket calls when the caller does not go back to run_once at once. */
void synack_loop_service(synack_loop *lp);
/* Frames held back by faults right now (0 for a NULL loop); the stats of a NULL loop or
 * into a NULL out are not written. synack_loop_service(NULL) does nothing. */
size_t synack_loop_held(const synack_loop *lp);
void synack_loop_get_stats(const synack_loop *lp, synack_loop_stats *out);

SYNACK_API_END

#ifdef __cplusplus
}
#endif
#endif
