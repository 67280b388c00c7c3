/* SPDX-License-Identifier: MIT */
/* synack gateway --threads N: N stacks, each with its own queue of a multi-queue TAP and its
 * own event loop (cmd_gateway_threads.c); which thread owns a frame (cmd_gateway_steer.c);
 * the bounded hand-off of frames between threads (cmd_gateway_inbox.c). */
#ifndef SYNACK_TOOL_CMD_GATEWAY_THREADS_H
#define SYNACK_TOOL_CMD_GATEWAY_THREADS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "cmd_gateway.h"
#include "cmd_gateway_udp.h"

#define GW_MAX_THREADS GW_MAX_QUEUES

/* What to do with a frame read on the queue of thread self (of n). */
typedef enum gw_steer_verdict {
    GW_STEER_LOCAL,     /* this thread's stack takes it */
    GW_STEER_HAND,      /* hand it to thread *owner; not for this one */
    GW_STEER_BROADCAST, /* this thread takes it, and a copy goes to every other thread */
} gw_steer_verdict;

typedef struct gw_steer {
    uint32_t n;    /* threads */
    uint32_t addr; /* the namespace's address (host order) */
    uint32_t gw;   /* the gateway's */
    uint32_t nfwd; /* forward ports (the namespace side's) */
    uint16_t fwd_port[GW_MAX_FORWARDS];
    uint8_t fwd_proto[GW_MAX_FORWARDS]; /* 6 or 17 (--forward udp:) */
    uint8_t fwd_v6[GW_MAX_FORWARDS];    /* tcp6: / udp6: */
    uint8_t addr6[16], gw6[16];         /* with --ipv6 */
    uint8_t tun;                        /* --tun: the queues carry bare IP packets */
} gw_steer;

void gw_steer_init(gw_steer *s, const gw_opts *o, uint32_t n);
/* The verdict for an Ethernet frame read on thread self's queue; *owner is set for
 * GW_STEER_HAND (always below s->n). */
gw_steer_verdict gw_steer_frame(const gw_steer *s, uint32_t self, const uint8_t *frame, size_t len,
                                uint32_t *owner);
/* The same for a bare IPv4 or IPv6 packet (a TUN's, --tun), the version from its first
 * byte. */
gw_steer_verdict gw_steer_packet(const gw_steer *s, uint32_t self, const uint8_t *pkt, size_t len,
                                 uint32_t *owner);

/* A thread's inbox: frames other threads read for it, bounded in frames and bytes. */
#define GW_INBOX_FRAMES 512
#define GW_INBOX_BYTES (8u << 20)

typedef struct gw_inbox_frame {
    uint8_t *buf;
    size_t len;
    synack_rx_meta meta;
} gw_inbox_frame;

typedef struct gw_inbox {
    pthread_mutex_t mu;
    int efd; /* eventfd: readable while frames wait (and for other wake-ups) */
    gw_inbox_frame q[GW_INBOX_FRAMES];
    uint32_t head, count;
    size_t bytes;
    uint64_t in;    /* frames queued here */
    uint64_t drops; /* frames refused: inbox full (counted by the receiver, the queue's owner) */
} gw_inbox;

/* 0, or a negative errno. */
int gw_inbox_init(gw_inbox *b);
void gw_inbox_destroy(gw_inbox *b);
/* Copies a frame in (any thread): 0, or -ENOBUFS when full (counted in drops), -ENOMEM. */
int gw_inbox_put(gw_inbox *b, const uint8_t *frame, size_t len, const synack_rx_meta *meta);
/* Takes up to max frames out (the owner): the caller frees each buf. */
uint32_t gw_inbox_take(gw_inbox *b, gw_inbox_frame *out, uint32_t max);
/* Frames waiting now. */
uint32_t gw_inbox_pending(gw_inbox *b);
/* Wakes the owner's poll. */
void gw_inbox_wake(gw_inbox *b);
/* Clears the eventfd after a wake. */
void gw_inbox_clear(gw_inbox *b);

typedef struct gw_threads gw_threads;

/* One thread's share of the gateway. */
typedef struct gw_thread {
    gw_threads *all;
    uint32_t idx;
    pthread_t tid;
    synack_tuntap dev; /* its queue */
    gw_opts o;         /* its share of the limits */
    gw_inbox inbox;
    uint64_t handed; /* frames this thread read for another one */
    int rc;
    /* what serve() built, for the control socket and the exit summary */
    synack_stack *st;
    gw_relay *r;
    gw_udp *u;
    gw_icmp *ic;
    gw_tap *tap;
} gw_thread;

/* serve()'s hooks (no-ops with th NULL). */
/* The steering of one frame read on th's queue: 1 when it was handed away (the caller
 * drops it), 0 when th's stack takes it. */
int gw_thread_steer(gw_thread *th, const uint8_t *frame, size_t len, const synack_rx_meta *meta);
/* After the setup: everyone's objects exist (0), or one failed (-1: stop). */
int gw_thread_ready(gw_thread *th);
/* The frames other threads handed to th, into st (and pauses for the control socket). */
void gw_thread_inbox(gw_thread *th, uint64_t now);
/* The inbox's fd to poll, -1 without th. */
int gw_thread_fd(const gw_thread *th);
/* The loop ended: waits for every thread's loop to end; then thread 0 prints the summary of
 * all, and gw_thread_release lets everyone free their objects. */
void gw_thread_finish(gw_thread *th);
void gw_thread_release(gw_thread *th);
/* The count of th's threads polling before they sleep (gw_spin), NULL without th. */
_Atomic uint32_t *gw_thread_spinners(gw_thread *th);
/* Threads (1 without th), and thread i of th's gateway. */
uint32_t gw_thread_count(const gw_thread *th);
gw_thread *gw_thread_peer(const gw_thread *th, uint32_t i);
/* The per-thread line of the exit summary (thread 0, after gw_thread_finish): frames,
 * connections, flows and hand-offs of each thread, as JSON ({"summary":"gateway_threads"})
 * or a line on stderr. */
void gw_threads_summary(const gw_thread *th, int json);
/* d += s, field by field. */
void gw_stats_add(gw_stats *d, const gw_stats *s);

/* The control socket's view of all threads (cmd_gateway_ctl.c): stops the others at a safe
 * point (stop 1) or lets them go (stop 0); 0 when they are stopped. */
int gw_threads_world(void *ctx, int stop);

/* Runs o->threads threads on the queues devs (o->threads of them); the exit code. */
int gw_threads_run(const gw_opts *o, synack_tuntap *devs);
/* serve() of cmd_gateway.c: one thread's loop. */
int gw_serve(const gw_opts *o, synack_tuntap *dev, gw_thread *th);

#endif
