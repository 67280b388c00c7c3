/* SPDX-License-Identifier: MIT */
/* synack gateway --threads N: N copies of the gateway's loop (cmd_gateway.c's serve), each
 * with its own stack, relay, UDP and ICMP tables and its own queue of a multi-queue TAP
 * (or TUN, --tun); the library has no global state, so the stacks never meet. The limits
 * (--max-conns, --max-pending, --max-udp-flows, --max-buffer) are split evenly, each thread
 * enforcing its share without locks (a flow hash is even enough that a share fills about when the
 * whole would; the sum of the shares never passes the limit). Thread 0 also owns the --forward
 * listeners and the control socket; for a report it stops the others at a safe point of their loops
 * and reads everyone's tables (cmd_gateway_ctl.c). Frames read on the wrong queue are handed over
 * (cmd_gateway_steer.c, cmd_gateway_inbox.c). */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd_gateway_threads.h"

struct gw_threads {
    uint32_t n;
    gw_steer steer;
    pthread_barrier_t start, end;
    atomic_int failed;
    pthread_mutex_t mu; /* the world stop: */
    pthread_cond_t cv;
    atomic_int stop;           /* thread 0 wants the others parked */
    uint32_t parked;           /* how many are (stopped, or done with their loops) */
    _Atomic uint32_t spinners; /* threads polling before sleeping (cmd_gateway_spin.c) */
    gw_thread t[GW_MAX_THREADS];
};

int gw_thread_steer(gw_thread *th, const uint8_t *frame, size_t len, const synack_rx_meta *meta)
{
    gw_threads *a = th->all;
    uint32_t owner = th->idx;
    gw_steer_verdict v = a->steer.tun ? gw_steer_packet(&a->steer, th->idx, frame, len, &owner)
                                      : gw_steer_frame(&a->steer, th->idx, frame, len, &owner);
    switch (v) {
    case GW_STEER_LOCAL:
        return 0;
    case GW_STEER_BROADCAST:
        for (uint32_t i = 0; i < a->n; i++)
            if (i != th->idx && gw_inbox_put(&a->t[i].inbox, frame, len, meta) == 0)
                th->handed++;
        return 0;
    case GW_STEER_HAND:
        if (gw_inbox_put(&a->t[owner].inbox, frame, len, meta) == 0)
            th->handed++;
        return 1;
    }
    return 0;
}

int gw_thread_fd(const gw_thread *th)
{
    return th ? th->inbox.efd : -1;
}

/* A safe point: nothing of this thread's is being changed while thread 0 reads it. */
static void checkpoint(gw_thread *th)
{
    gw_threads *a = th->all;
    if (th->idx == 0 || !atomic_load(&a->stop))
        return;
    pthread_mutex_lock(&a->mu);
    a->parked++;
    pthread_cond_broadcast(&a->cv);
    while (atomic_load(&a->stop))
        pthread_cond_wait(&a->cv, &a->mu);
    a->parked--;
    pthread_mutex_unlock(&a->mu);
}

void gw_thread_inbox(gw_thread *th, uint64_t now)
{
    if (!th)
        return;
    gw_inbox_clear(&th->inbox);
    checkpoint(th);
    gw_inbox_frame f[32];
    uint32_t n;
    /* At most a ring's worth per round, so the own queue is never starved. */
    for (uint32_t total = 0; total < GW_INBOX_FRAMES && (n = gw_inbox_take(&th->inbox, f, 32));
         total += n) {
        for (uint32_t i = 0; i < n; i++) {
            synack_input_ex(th->st, now, f[i].buf, f[i].len, &f[i].meta);
            free(f[i].buf);
        }
    }
    /* What is left (the eventfd was cleared above) waits for the next round, not for the
     * next hand-over. */
    if (gw_inbox_pending(&th->inbox))
        gw_inbox_wake(&th->inbox);
}

int gw_thread_ready(gw_thread *th)
{
    if (!th)
        return 0;
    if (!th->st)
        atomic_store(&th->all->failed, 1);
    pthread_barrier_wait(&th->all->start);
    return atomic_load(&th->all->failed) ? -1 : 0;
}

void gw_thread_finish(gw_thread *th)
{
    if (!th)
        return;
    gw_threads *a = th->all;
    /* The signal woke one thread's poll: the others' would sleep out their timeouts (up to
     * a second) before seeing the stop. */
    for (uint32_t i = 0; i < a->n; i++)
        if (i != th->idx)
            gw_inbox_wake(&a->t[i].inbox);
    if (th->idx != 0) { /* parked for good: thread 0's control socket may still ask */
        pthread_mutex_lock(&a->mu);
        a->parked++;
        pthread_cond_broadcast(&a->cv);
        pthread_mutex_unlock(&a->mu);
    }
    pthread_barrier_wait(&a->end);
}

void gw_thread_release(gw_thread *th)
{
    if (th)
        pthread_barrier_wait(&th->all->end);
}

_Atomic uint32_t *gw_thread_spinners(gw_thread *th)
{
    return th ? &th->all->spinners : NULL;
}

uint32_t gw_thread_count(const gw_thread *th)
{
    return th ? th->all->n : 1;
}

gw_thread *gw_thread_peer(const gw_thread *th, uint32_t i)
{
    return &th->all->t[i];
}

/* One figure per thread: ",name:[a,b,...]" (JSON) or " name a/b/..." (text). */
static void per_thread(FILE *out, const gw_threads *a, int json, const char *name,
                       uint64_t (*get)(const gw_thread *))
{
    fprintf(out, json ? ",\"%s\":[" : " %s ", name);
    for (uint32_t i = 0; i < a->n; i++)
        fprintf(out, "%s%llu", i ? (json ? "," : "/") : "", (unsigned long long)get(&a->t[i]));
    if (json)
        fputc(']', out);
}

static uint64_t get_rx(const gw_thread *t)
{
    return t->tap->stats.rx_frames;
}
static uint64_t get_tx(const gw_thread *t)
{
    return t->tap->stats.tx_frames;
}
static uint64_t get_held(const gw_thread *t)
{
    return gw_relay_stats(t->r)->held;
}
static uint64_t get_udp(const gw_thread *t)
{
    return gw_udp_stats_get(t->u)->flows;
}
static uint64_t get_handed(const gw_thread *t)
{
    return t->handed;
}
static uint64_t get_handin(const gw_thread *t)
{
    return t->inbox.in;
}
static uint64_t get_drops(const gw_thread *t)
{
    return t->inbox.drops;
}

void gw_threads_summary(const gw_thread *th, int json)
{
    const gw_threads *a = th->all;
    FILE *out = json ? stdout : stderr;
    if (json)
        fprintf(out, "{\"summary\":\"gateway_threads\",\"threads\":%u", a->n);
    else
        fprintf(out, "synack gateway: %u threads:", a->n);
    per_thread(out, a, json, "rx_frames", get_rx);
    per_thread(out, a, json, "tx_frames", get_tx);
    per_thread(out, a, json, "tcp_held", get_held);
    per_thread(out, a, json, "udp_flows", get_udp);
    per_thread(out, a, json, "handed_out", get_handed);
    per_thread(out, a, json, "handed_in", get_handin);
    per_thread(out, a, json, "handoff_drops", get_drops);
    fputs(json ? "}\n" : "\n", out);
}

void gw_stats_add(gw_stats *d, const gw_stats *s)
{
    d->held += s->held;
    d->accepted += s->accepted;
    d->refused += s->refused;
    d->unreachable += s->unreachable;
    d->dropped += s->dropped;
    d->limit += s->limit;
    d->resets += s->resets;
    d->finished += s->finished;
    d->up_bytes += s->up_bytes;
    d->down_bytes += s->down_bytes;
    d->denied += s->denied;
    d->loopback += s->loopback;
    d->deferred += s->deferred;
    d->evicted += s->evicted;
    d->fwd_accepted += s->fwd_accepted;
    d->fwd_connected += s->fwd_connected;
    d->fwd_failed += s->fwd_failed;
    d->vanished += s->vanished;
    d->fds += s->fds;
    /* The sum of the peaks: an upper bound of the peak of the sum. */
    d->fds_peak += s->fds_peak;
    for (int k = 0; k < GW_S5_NOUTCOMES; k++)
        d->socks[k] += s->socks[k];
    for (int k = 0; k < GW_S5_NOUTCOMES; k++)
        d->socks_udp[k] += s->socks_udp[k];
    d->s5u_bad_header += s->s5u_bad_header;
    d->s5u_fragment += s->s5u_fragment;
    d->s5u_wrong_src += s->s5u_wrong_src;
    d->s5u_queue_drops += s->s5u_queue_drops;
    d->s5u_unreach += s->s5u_unreach;
    d->s5u_oversize += s->s5u_oversize;
    d->s5u_ended += s->s5u_ended;
    d->mem_trims += s->mem_trims;
    d->busy_polls += s->busy_polls;
    d->busy_poll_hits += s->busy_poll_hits;
}

static void world_resume(gw_threads *a)
{
    pthread_mutex_lock(&a->mu);
    atomic_store(&a->stop, 0);
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
}

int gw_threads_world(void *ctx, int stop)
{
    gw_threads *a = ctx;
    if (!stop) {
        world_resume(a);
        return 0;
    }
    pthread_mutex_lock(&a->mu);
    atomic_store(&a->stop, 1);
    pthread_mutex_unlock(&a->mu);
    for (uint32_t i = 1; i < a->n; i++)
        gw_inbox_wake(&a->t[i].inbox);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 2;
    pthread_mutex_lock(&a->mu);
    int rc = 0;
    while (a->parked < a->n - 1 && rc == 0)
        rc = pthread_cond_timedwait(&a->cv, &a->mu, &until);
    int ok = a->parked == a->n - 1;
    pthread_mutex_unlock(&a->mu);
    if (!ok)
        world_resume(a);
    return ok ? 0 : -1;
}

static void *thread_main(void *arg)
{
    gw_thread *th = arg;
    th->rc = gw_serve(&th->o, &th->dev, th);
    return NULL;
}

/* A thread's share of a limit: rounded down, so that the threads together never pass it
 * (unless it is below min per thread: each gets min). */
static uint32_t share(uint32_t v, uint32_t n, uint32_t min)
{
    uint32_t s = v / n;
    return s < min ? min : s;
}

int gw_threads_run(const gw_opts *o, synack_tuntap *devs)
{
    gw_threads *a = calloc(1, sizeof(*a));
    if (!a)
        return 1;
    a->n = o->threads;
    gw_steer_init(&a->steer, o, a->n);
    pthread_barrier_init(&a->start, NULL, a->n);
    pthread_barrier_init(&a->end, NULL, a->n);
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    uint32_t started = 0, ninit = 0;
    int rc = 0;
    for (uint32_t i = 0; i < a->n; i++, ninit++) {
        gw_thread *th = &a->t[i];
        th->all = a;
        th->idx = i;
        th->dev = devs[i];
        th->o = *o;
        th->o.max_conns = share(o->max_conns, a->n, 1);
        th->o.max_pending = share(o->max_pending, a->n, 1);
        th->o.max_udp = share(o->max_udp, a->n, 1);
        th->o.max_buffer = share(o->max_buffer, a->n, 64u << 10);
        if (i != 0)
            th->o.nfwd = 0;
        if (gw_inbox_init(&th->inbox) != 0) {
            fprintf(stderr, "synack gateway: no eventfd for thread %u\n", i);
            rc = 1;
            break;
        }
    }
    for (uint32_t i = 0; rc == 0 && i < a->n; i++) {
        if (pthread_create(&a->t[i].tid, NULL, thread_main, &a->t[i]) != 0) {
            /* Cannot happen on Linux short of a thread limit; the started ones would wait at
             * the start barrier for good, so give up at once. */
            fprintf(stderr, "synack gateway: cannot start thread %u\n", i);
            exit(1);
        }
        started++;
    }
    /* SIGINT/SIGTERM go to a thread that polls (its poll returns, it stops the others), not
     * to this one, which only waits. */
    sigset_t stops, old;
    sigemptyset(&stops);
    sigaddset(&stops, SIGINT);
    sigaddset(&stops, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stops, &old);
    for (uint32_t i = 0; i < started; i++) {
        pthread_join(a->t[i].tid, NULL);
        if (a->t[i].rc)
            rc = a->t[i].rc;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    for (uint32_t i = 0; i < ninit; i++)
        gw_inbox_destroy(&a->t[i].inbox);
    pthread_barrier_destroy(&a->start);
    pthread_barrier_destroy(&a->end);
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->cv);
    free(a);
    return rc;
}
