/* SPDX-License-Identifier: MIT */
/* The real-time event loop around one stack and one TUN/TAP device (see loop.h). Host
 * glue: it sleeps in ppoll(2) and reads the clocks of clock.c; the stack itself never does. */
#include "synack/loop.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/fault.h"
#include "sim/holdq.h"
#include "stack/lifetime.h"
#include "util/rng.h"

#define LOOP_MAX_EXTRA 16
#define LOOP_DEFAULT_HELD 8192u
#define LOOP_DEFAULT_BATCH 64u

/* Direction tags of held frames. */
enum { DIR_TX = 0, DIR_RX = 1 };

struct synack_loop {
    synack_tuntap *dev;       /* the device */
    synack_stack *st;         /* the stack fed by the device (NULL until attached) */
    stack_hook hook;          /* registered with st: its free sets st to NULL */
    synack_pcap *pcap;        /* capture, or NULL */
    fault_link tx;            /* fault stage for frames the stack sends */
    fault_link rx;            /* fault stage for frames that arrive */
    int tx_faulty, rx_faulty; /* the stage has any fault switched on */
    synack_rng rng;           /* the faults' randomness */
    holdq held;               /* frames delayed or reordered, both directions */
    uint32_t rx_batch;        /* frames read per wake-up */
    uint64_t now;             /* the time of the current round (the stack's now) */
    uint64_t wall_offset;     /* realtime - monotonic at creation, for captures */
    synack_loop_stats stats;  /* what happened */
    uint8_t *buf;             /* one received frame */
    uint8_t *capbuf;          /* a sent frame's copy whose partial checksum a capture
                                 completes (offloads with a capture only), or NULL */
};

/* Any field set, member by member: a memcmp against zero would also see the padding of a
 * config built on the stack, and -0.0. A field added to synack_fault_config goes here. */
static int fault_on(const synack_fault_config *f)
{
    int on = f->delay_us || f->jitter_us || f->loss != 0 || f->reorder != 0 || f->reorder_us ||
             f->dup != 0 || f->corrupt != 0 || f->rate_bps || f->queue_frames || f->blackhole;
    for (int i = 0; i < SYNACK_FAULT_MAX_RULES; i++) {
        const synack_fault_rule *r = &f->rules[i];
        on |= r->flags_mask || r->flags_value || r->nth || r->count || r->delay_us;
    }
    return on;
}

static void capture(synack_loop *lp, const uint8_t *frame, size_t len)
{
    /* The moment it crosses the device, not the round's time: a round handles a batch. */
    if (lp->pcap)
        synack_pcap_write(lp->pcap, synack_loop_clock() + lp->wall_offset, frame, len);
}

/* Captures a sent frame whose checksum the device completes: a capture shows what the
 * wire will carry, so the copy gets the whole checksum (a super-frame stays whole). */
static void capture_partial(synack_loop *lp, const uint8_t *frame, size_t len,
                            const synack_tx_meta *meta)
{
    if (!lp->pcap)
        return;
    if (!lp->capbuf && !(lp->capbuf = malloc(SYNACK_TUNTAP_MAX_FRAME)))
        return;
    if (len > SYNACK_TUNTAP_MAX_FRAME)
        return;
    memcpy(lp->capbuf, frame, len);
    synack_rx_meta m = {.flags = SYNACK_RX_CSUM_PARTIAL,
                        .csum_start = meta->csum_start,
                        .csum_offset = meta->csum_offset};
    synack_tuntap_csum_complete(lp->capbuf, len, &m);
    capture(lp, lp->capbuf, len);
}

/* Puts a frame on the device now (meta NULL: an ordinary frame). */
static int device_send(synack_loop *lp, const uint8_t *frame, size_t len,
                       const synack_tx_meta *meta)
{
    int rc = meta ? synack_tuntap_write_meta(lp->dev, frame, len, meta)
                  : synack_tuntap_write(lp->dev, frame, len);
    if (rc < 0) {
        lp->stats.tx_errors++;
        return rc;
    }
    lp->stats.tx_frames++;
    lp->stats.tx_bytes += len;
    lp->stats.tx_link.delivered++;
    lp->stats.tx_link.bytes += len;
    if (meta && (meta->flags & SYNACK_TX_CSUM_PARTIAL))
        capture_partial(lp, frame, len, meta);
    else
        capture(lp, frame, len);
    return 0;
}

/* Hands a frame to the stack now (meta NULL: an ordinary frame). */
static void stack_deliver(synack_loop *lp, uint8_t *frame, size_t len, synack_rx_meta *meta)
{
    lp->stats.rx_link.delivered++;
    lp->stats.rx_link.bytes += len;
    if (lp->pcap && meta)
        synack_tuntap_csum_complete(frame, len, meta); /* the capture shows it whole */
    capture(lp, frame, len);
    if (lp->st)
        synack_input_ex(lp->st, lp->now, frame, len, meta);
}

static void hold(synack_loop *lp, uint64_t at, int dir, const uint8_t *frame, size_t len,
                 long flip_bit)
{
    uint8_t *copy = holdq_push(&lp->held, at, dir, frame, len);
    if (!copy) {
        lp->stats.held_drops++;
        return;
    }
    if (flip_bit >= 0 && (size_t)flip_bit / 8 < len)
        copy[flip_bit / 8] ^= (uint8_t)(0x80u >> (flip_bit % 8));
}

/* A frame entering a fault stage: decides its fate and sends, delivers or holds it. */
static void through_faults(synack_loop *lp, fault_link *fl, int dir, const uint8_t *frame,
                           size_t len)
{
    fault_verdict v;
    /* fault_decide reads TCP flags for scripted rules from an IPv4 packet: skip the
     * Ethernet header on a TAP device. */
    size_t l2 = lp->dev->type == SYNACK_LINK_ETHERNET ? 14 : 0;
    if (len < l2)
        l2 = 0;
    fault_decide(fl, synack_allocator_libc(), &lp->rng, lp->now, frame + l2, len - l2, &v);
    if (v.fate != FAULT_PASS)
        return;
    long flip = v.flip_bit >= 0 ? v.flip_bit + (long)l2 * 8 : -1;
    if (v.at <= lp->now && flip < 0) {
        if (dir == DIR_TX)
            device_send(lp, frame, len, NULL);
        else
            stack_deliver(lp, (uint8_t *)(uintptr_t)frame, len, NULL);
    } else {
        hold(lp, v.at, dir, frame, len, flip);
    }
    if (v.dup)
        hold(lp, v.dup_at, dir, frame, len, -1);
}

/* The stack's output callback with offloads (never with tx faults: a held frame keeps no
 * metadata, and the fault model works on wire segments). */
static int loop_output_ex(void *ctx, const uint8_t *frame, size_t len, const synack_tx_meta *meta)
{
    return device_send(ctx, frame, len, meta);
}

/* The stack's output callback. */
static int loop_output(void *ctx, const uint8_t *frame, size_t len)
{
    synack_loop *lp = ctx;
    if (!lp->tx_faulty)
        return device_send(lp, frame, len, NULL);
    through_faults(lp, &lp->tx, DIR_TX, frame, len);
    return 0; /* a frame the link lost is lost on the wire, not refused */
}

synack_loop *synack_loop_new(const synack_loop_config *cfg)
{
    if (!cfg || !cfg->dev || cfg->dev->fd < 0)
        return NULL;
    synack_loop *lp = calloc(1, sizeof(*lp));
    if (!lp)
        return NULL;
    lp->buf = malloc(SYNACK_TUNTAP_MAX_FRAME + 1);
    if (!lp->buf) {
        free(lp);
        return NULL;
    }
    lp->dev = cfg->dev;
    lp->pcap = cfg->pcap;
    fault_link_init(&lp->tx);
    fault_link_init(&lp->rx);
    fault_link_configure(&lp->tx, &cfg->tx_fault);
    fault_link_configure(&lp->rx, &cfg->rx_fault);
    lp->tx_faulty = fault_on(&cfg->tx_fault);
    lp->rx_faulty = fault_on(&cfg->rx_fault);
    rng_seed(&lp->rng, cfg->fault_seed);
    holdq_init(&lp->held, cfg->max_held ? cfg->max_held : LOOP_DEFAULT_HELD);
    lp->rx_batch = cfg->rx_batch ? cfg->rx_batch : LOOP_DEFAULT_BATCH;
    lp->now = synack_loop_clock();
    lp->wall_offset = synack_loop_wallclock() - lp->now;
    return lp;
}

void synack_loop_free(synack_loop *lp)
{
    if (!lp)
        return;
    if (lp->st) {
        /* A stack that outlives the loop must neither call its hook nor send into it. */
        stack_hook_remove(lp->st, &lp->hook);
        stack_output_gone(lp->st, lp);
    }
    holdq_destroy(&lp->held);
    fault_link_destroy(&lp->tx, synack_allocator_libc());
    fault_link_destroy(&lp->rx, synack_allocator_libc());
    free(lp->buf);
    free(lp->capbuf);
    free(lp);
}

int synack_loop_netif(synack_loop *lp, synack_netif *nif)
{
    if (!lp || !nif)
        return -EINVAL;
    synack_tuntap_netif(lp->dev, nif);
    nif->output = loop_output;
    nif->output_ctx = lp;
    if (nif->output_ex) {
        nif->output_ex = lp->tx_faulty ? NULL : loop_output_ex;
        if (lp->tx_faulty) {
            nif->tso_max = 0;
            nif->tx_csum = 0;
        }
    }
    return 0;
}

static void loop_stack_freed(stack_hook *h)
{
    synack_loop *lp = (synack_loop *)(void *)((char *)h - offsetof(synack_loop, hook));
    lp->st = NULL;
}

int synack_loop_attach(synack_loop *lp, synack_stack *st)
{
    if (!lp)
        return -EINVAL;
    if (lp->st)
        stack_hook_remove(lp->st, &lp->hook);
    lp->st = st;
    if (!st)
        return 0;
    lp->hook.on_free = loop_stack_freed;
    stack_hook_add(st, &lp->hook);
    (void)synack_set_time(st, lp->now); /* a stack already ahead keeps its time */
    return 0;
}

static void release_held(synack_loop *lp)
{
    holdq_item it;
    while (holdq_pop_due(&lp->held, lp->now, &it)) {
        if (it.dir == DIR_TX)
            device_send(lp, it.frame, it.len, NULL);
        else
            stack_deliver(lp, it.frame, it.len, NULL);
        free(it.frame);
    }
}

static void run_timers(synack_loop *lp)
{
    if (lp->st && synack_next_deadline(lp->st) <= lp->now)
        synack_poll(lp->st, lp->now);
}

void synack_loop_service(synack_loop *lp)
{
    if (!lp)
        return;
    uint64_t t = synack_loop_clock();
    if (t > lp->now)
        lp->now = t;
    if (lp->st)
        synack_set_time(lp->st, lp->now);
    release_held(lp);
    run_timers(lp);
}

/* Reads up to rx_batch frames. Returns frames handed on, or a negative errno. */
static int read_frames(synack_loop *lp)
{
    int n = 0;
    for (uint32_t i = 0; i < lp->rx_batch; i++) {
        synack_rx_meta meta;
        long len = synack_tuntap_read_meta(lp->dev, lp->buf, SYNACK_TUNTAP_MAX_FRAME + 1, &meta);
        if (len == -EAGAIN)
            break;
        if (len < 0) {
            lp->stats.rx_errors++;
            if (len == -EMSGSIZE)
                continue;
            return (int)len;
        }
        lp->stats.rx_frames++;
        lp->stats.rx_bytes += (uint64_t)len;
        if (lp->rx_faulty) {
            /* Faults may flip bits: the frame must carry a checksum that tells. */
            synack_tuntap_csum_complete(lp->buf, (size_t)len, &meta);
            through_faults(lp, &lp->rx, DIR_RX, lp->buf, (size_t)len);
        } else {
            stack_deliver(lp, lp->buf, (size_t)len, &meta);
        }
        n++;
    }
    return n;
}

int synack_loop_run_once(synack_loop *lp, uint64_t max_wait_us, struct pollfd *extra, int nextra)
{
    if (!lp || nextra < 0 || nextra > LOOP_MAX_EXTRA || (nextra > 0 && !extra))
        return -EINVAL;
    uint64_t now = synack_loop_clock();
    uint64_t until = max_wait_us > UINT64_MAX - now ? UINT64_MAX : now + max_wait_us;
    uint64_t d = lp->st ? synack_next_deadline(lp->st) : UINT64_MAX;
    if (d < until)
        until = d;
    d = holdq_next(&lp->held);
    if (d < until)
        until = d;
    /* Sockets the caller has not popped yet are work now: a caller that pops a bounded
     * batch per round must not sleep on the rest. */
    if (lp->st && synack_sock_ready_pending(lp->st) > 0)
        until = now;

    struct pollfd fds[1 + LOOP_MAX_EXTRA];
    fds[0] = (struct pollfd){.fd = lp->dev->fd, .events = POLLIN};
    for (int i = 0; i < nextra; i++) {
        fds[1 + i] = extra[i];
        fds[1 + i].revents = 0;
    }
    uint64_t wait = until > now ? until - now : 0;
    struct timespec ts = {.tv_sec = (time_t)(wait / 1000000u),
                          .tv_nsec = (long)(wait % 1000000u) * 1000};
    int pr = ppoll(fds, 1 + (nfds_t)nextra, &ts, NULL);
    lp->stats.wakeups++;
    if (pr < 0 && errno != EINTR)
        return -errno;
    for (int i = 0; i < nextra; i++)
        extra[i].revents = (short)(pr > 0 ? fds[1 + i].revents : 0);

    lp->now = synack_loop_clock();
    if (lp->st)
        synack_set_time(lp->st, lp->now);
    release_held(lp);
    int n = 0;
    if (pr > 0 && (fds[0].revents & (POLLIN | POLLERR | POLLHUP))) {
        n = read_frames(lp);
        if (n < 0)
            return n;
    }
    run_timers(lp);
    return n;
}

int synack_loop_ready(synack_loop *lp, synack_ready *out, int max)
{
    if (!lp || !lp->st)
        return -EINVAL;
    return synack_sock_ready(lp->st, out, max);
}

size_t synack_loop_held(const synack_loop *lp)
{
    return lp ? lp->held.len : 0;
}

void synack_loop_get_stats(const synack_loop *lp, synack_loop_stats *out)
{
    if (!lp || !out)
        return;
    *out = lp->stats;
    /* Frames offered, lost and reordered are the fault stages' counts; delivered and
     * bytes are counted here as frames leave a stage. */
    const fault_link *stage[2] = {&lp->tx, &lp->rx};
    synack_link_stats *dst[2] = {&out->tx_link, &out->rx_link};
    const int faulty[2] = {lp->tx_faulty, lp->rx_faulty};
    for (int i = 0; i < 2; i++) {
        uint64_t delivered = dst[i]->delivered, bytes = dst[i]->bytes;
        *dst[i] = stage[i]->stats;
        dst[i]->delivered = delivered;
        dst[i]->bytes = bytes;
        if (!faulty[i])
            dst[i]->sent = delivered;
    }
}
