/* SPDX-License-Identifier: MIT */
/* The per-link fault decisions of the simulated network (see fault.h for the order). */
#include "sim/fault.h"

#include <string.h>

/* Default bottleneck queue, frames (simnet.h: queue_frames 0 = 1000). */
#define FAULT_DEFAULT_QUEUE 1000u
/* First size of the bottleneck ring, frames. */
#define FAULT_RING_MIN 64u

void fault_link_init(fault_link *l)
{
    memset(l, 0, sizeof(*l));
}

void fault_link_configure(fault_link *l, const synack_fault_config *f)
{
    if (f)
        l->cfg = *f;
    else
        memset(&l->cfg, 0, sizeof(l->cfg));
}

void fault_link_destroy(fault_link *l, const synack_allocator *a)
{
    if (l->q_done)
        a->free(a->ctx, l->q_done, (size_t)l->q_cap * sizeof(l->q_done[0]));
    l->q_done = NULL;
    l->q_cap = l->q_head = l->q_len = 0;
}

int fault_tcp_flags(const uint8_t *frame, size_t len)
{
    /* RFC 8200 3: a 40-byte fixed header, Next Header in byte 6 (a TCP segment behind
     * extension headers is not matched: the simulated hosts send none). */
    if (len >= 60 && (frame[0] >> 4) == 6)
        return frame[6] == 6 ? frame[40 + 13] : -1;
    /* RFC 791 3.1: version/IHL in byte 0, protocol in byte 9; RFC 9293 3.1: flags in
     * byte 13 of the TCP header. */
    if (len < 20 || (frame[0] >> 4) != 4 || frame[9] != 6)
        return -1;
    size_t ihl = (size_t)(frame[0] & 0x0f) * 4;
    if (ihl < 20 || len < ihl + 20)
        return -1;
    return frame[ihl + 13];
}

/* Uniform in [0, n]. */
static uint64_t uniform_upto(synack_rng *rng, uint64_t n)
{
    if (n < UINT32_MAX)
        return rng_below(rng, (uint32_t)n + 1);
    return rng_next(rng) % (n + 1); /* bias below 2^-31 for such absurd ranges */
}

/* A Bernoulli trial that costs no randomness when the fault is off (or certain). */
static int chance(synack_rng *rng, double p)
{
    if (!(p > 0.0))
        return 0;
    if (p >= 1.0)
        return 1;
    return rng_unit(rng) < p;
}

/* Counts the frame against every rule; returns 1 and the extra delay (0 = drop) if one
 * of them hits it. */
static int rules_hit(fault_link *l, const uint8_t *frame, size_t len, uint64_t *delay)
{
    int flags = fault_tcp_flags(frame, len);
    int hit = 0;
    if (flags < 0)
        return 0;
    for (int i = 0; i < SYNACK_FAULT_MAX_RULES; i++) {
        const synack_fault_rule *r = &l->cfg.rules[i];
        if (r->nth == 0 || ((uint8_t)flags & r->flags_mask) != r->flags_value)
            continue;
        if (l->rule_seen[i] < UINT32_MAX)
            l->rule_seen[i]++;
        uint32_t k = l->rule_seen[i];
        uint32_t count = r->count ? r->count : 1;
        if (k < r->nth || (count != UINT32_MAX && k - r->nth >= count))
            continue;
        if (!hit || r->delay_us == 0 || (*delay != 0 && r->delay_us > *delay))
            *delay = r->delay_us; /* a drop wins over a delay, a longer delay over a shorter */
        hit = 1;
    }
    return hit;
}

/* Makes room for one more frame in the bottleneck ring. Returns 0 or -1. */
static int ring_reserve(fault_link *l, const synack_allocator *a, uint32_t limit)
{
    if (l->q_len < l->q_cap)
        return 0;
    uint32_t cap = l->q_cap ? l->q_cap * 2 : FAULT_RING_MIN;
    if (cap > limit)
        cap = limit;
    if (cap <= l->q_cap)
        return -1;
    uint64_t *ring = a->alloc(a->ctx, (size_t)cap * sizeof(*ring));
    if (!ring)
        return -1;
    for (uint32_t i = 0; i < l->q_len; i++)
        /* NOLINTNEXTLINE(clang-analyzer-core.DivideZero): q_len > 0 implies q_cap > 0 */
        ring[i] = l->q_done[(l->q_head + i) % l->q_cap];
    if (l->q_done)
        a->free(a->ctx, l->q_done, (size_t)l->q_cap * sizeof(*ring));
    l->q_done = ring;
    l->q_cap = cap;
    l->q_head = 0;
    return 0;
}

/* The bottleneck: FIFO service at rate_bps behind a tail-drop queue. Returns the time
 * the frame has left it, or UINT64_MAX if it was dropped. */
static uint64_t bottleneck(fault_link *l, const synack_allocator *a, uint64_t now, size_t len)
{
    uint64_t rate = l->cfg.rate_bps;
    while (l->q_len && l->q_done[l->q_head] <= now) {
        l->q_head = (l->q_head + 1) % l->q_cap;
        l->q_len--;
    }
    uint32_t limit = l->cfg.queue_frames ? l->cfg.queue_frames : FAULT_DEFAULT_QUEUE;
    if (l->q_len >= limit || ring_reserve(l, a, limit) != 0)
        return UINT64_MAX;
    uint64_t start = l->busy_until > now ? l->busy_until : now;
    uint64_t bits = (uint64_t)len * 8u;
    uint64_t tx_us = (bits * 1000000u + rate - 1) / rate; /* rounded up: never free */
    l->busy_until = start + tx_us;
    l->q_done[(l->q_head + l->q_len) % l->q_cap] = l->busy_until;
    l->q_len++;
    return l->busy_until;
}

void fault_decide(fault_link *l, const synack_allocator *a, synack_rng *rng, uint64_t now,
                  const uint8_t *frame, size_t len, fault_verdict *v)
{
    const synack_fault_config *f = &l->cfg;
    memset(v, 0, sizeof(*v));
    v->flip_bit = -1;
    l->stats.sent++;

    uint64_t rule_delay = 0;
    int hit = rules_hit(l, frame, len, &rule_delay);
    if (f->blackhole || (hit && rule_delay == 0)) {
        l->stats.lost++;
        v->fate = FAULT_LOST;
        return;
    }
    uint64_t t = now;
    if (f->rate_bps) {
        t = bottleneck(l, a, now, len);
        if (t == UINT64_MAX) {
            l->stats.queue_drops++;
            v->fate = FAULT_QUEUE;
            return;
        }
    }
    if (chance(rng, f->loss)) {
        l->stats.lost++;
        v->fate = FAULT_LOST;
        return;
    }
    t += f->delay_us + rule_delay;
    uint64_t base = t;
    if (f->jitter_us)
        t += uniform_upto(rng, f->jitter_us);
    if (chance(rng, f->reorder)) {
        uint64_t hold = f->reorder_us;
        if (hold == 0)
            hold = f->delay_us > 1000 ? f->delay_us : 1000;
        t += hold;
        v->reordered = 1;
        l->stats.reordered++;
    }
    v->fate = FAULT_PASS;
    v->at = t;
    if (len > 0 && chance(rng, f->corrupt)) {
        uint64_t bits = (uint64_t)len * 8u;
        v->flip_bit = (long)uniform_upto(rng, bits - 1);
        l->stats.corrupted++;
    }
    if (chance(rng, f->dup)) {
        v->dup = 1;
        v->dup_at = base + (f->jitter_us ? uniform_upto(rng, f->jitter_us) : 0);
        l->stats.duplicated++;
    }
}
