/* SPDX-License-Identifier: MIT */
/* synack — bounded IPv4/IPv6 fragment reassembly (RFC 791 3.2, RFC 8200 4.5, RFC 5722,
 * RFC 6946). */
#include "stack/reasm.h"

#include <errno.h>
#include <string.h>

#include "wire/bytes.h"
#include "wire/checksum.h"

struct reasm_node {
    reasm_node *next;
    uint32_t off, len;
    uint8_t data[];
};

void reasm_config_default(reasm_config *cfg)
{
    cfg->max_datagrams = 64;
    cfg->max_bytes = 256u * 1024u;
    cfg->max_frags = 64;
    cfg->timeout_v4_us = 30000000u;
    cfg->timeout_v6_us = 60000000u;
}

int reasm_init(reasm *r, const reasm_config *cfg, const synack_allocator *mem)
{
    memset(r, 0, sizeof *r);
    if (!mem || cfg->max_datagrams == 0 || cfg->max_bytes == 0 || cfg->max_frags == 0)
        return -EINVAL;
    size_t sz = (size_t)cfg->max_datagrams * sizeof(reasm_dgram);
    r->slots = mem->alloc(mem->ctx, sz);
    if (!r->slots)
        return -ENOMEM;
    memset(r->slots, 0, sz);
    r->cfg = *cfg;
    r->mem = mem;
    return 0;
}

static reasm_counters *ctr(reasm *r, uint8_t family)
{
    return family == REASM_V6 ? &r->v6 : &r->v4;
}

/* Frees everything d holds and returns the slot to the table. */
static void release(reasm *r, reasm_dgram *d)
{
    reasm_node *n = d->frags;
    while (n) {
        reasm_node *next = n->next;
        r->mem->free(r->mem->ctx, n, sizeof *n + n->len);
        n = next;
    }
    if (d->hdr)
        r->mem->free(r->mem->ctx, d->hdr, d->hdr_len);
    r->bytes -= d->charged;
    memset(d, 0, sizeof *d);
}

void reasm_destroy(reasm *r)
{
    if (!r->slots)
        return;
    for (uint32_t i = 0; i < r->cfg.max_datagrams; i++)
        if (r->slots[i].in_use)
            release(r, &r->slots[i]);
    r->mem->free(r->mem->ctx, r->slots, (size_t)r->cfg.max_datagrams * sizeof(reasm_dgram));
    r->slots = NULL;
}

void reasm_frag_ipv4(reasm_frag *f, const uint8_t *pkt, const ipv4_hdr *h)
{
    memset(f, 0, sizeof *f);
    f->family = REASM_V4;
    f->proto = h->proto;
    f->more = (h->frag & IPV4_FLAG_MF) != 0;
    f->id = h->id;
    f->offset = (uint32_t)(h->frag & IPV4_FRAG_OFFSET) * 8u;
    ipv6_addr_v4mapped(&f->src, h->src);
    ipv6_addr_v4mapped(&f->dst, h->dst);
    f->pkt = pkt;
    f->hdr_len = h->hdr_len;
    f->data_len = h->payload_len;
}

void reasm_frag_ipv6(reasm_frag *f, const uint8_t *pkt, size_t len, const ipv6_chain *c)
{
    memset(f, 0, sizeof *f);
    f->family = REASM_V6;
    f->more = c->frag_more;
    f->nh = c->frag_nh;
    f->id = c->frag_id;
    f->offset = c->frag_offset;
    memcpy(f->src.b, pkt + 8, 16);
    memcpy(f->dst.b, pkt + 24, 16);
    f->pkt = pkt;
    f->hdr_len = (size_t)c->frag_hdr + IPV6_FRAG_HDR_LEN;
    f->data_len = len > f->hdr_len ? len - f->hdr_len : 0;
    f->frag_hdr = c->frag_hdr;
    f->prev_nh = c->frag_prev_nh;
}

static int same_key(const reasm_dgram *d, const reasm_frag *f)
{
    return d->in_use && d->family == f->family && d->id == f->id && d->proto == f->proto &&
           ipv6_addr_equal(&d->src, &f->src) && ipv6_addr_equal(&d->dst, &f->dst);
}

/* Gives up on d: counted in the family's ReasmFails and in *why (if any). */
static void fail(reasm *r, reasm_dgram *d, uint64_t *why)
{
    reasm_counters *c = ctr(r, d->family);
    c->ReasmFails++;
    if (why)
        (*why)++;
    release(r, d);
}

static reasm_result drop(reasm_counters *c, uint64_t *why)
{
    c->ReasmFails++;
    (*why)++;
    return REASM_DROPPED;
}

/* Writes the reassembled datagram of d to out; returns its length or 0 if cap is short. */
static size_t rebuild(const reasm_dgram *d, uint8_t *out, size_t cap)
{
    size_t hl = d->family == REASM_V6 ? d->frag_hdr : d->hdr_len;
    size_t limit = d->family == REASM_V6 ? 0xffffu + IPV6_HDR_LEN : 0xffffu;
    if (hl + d->total > cap || hl + d->total > limit)
        return 0;
    memcpy(out, d->hdr, hl);
    for (const reasm_node *n = d->frags; n; n = n->next)
        memcpy(out + hl + n->off, n->data, n->len);
    if (d->family == REASM_V6) {
        out[d->prev_nh] = d->nh;
        wr16(out + 4, (uint16_t)(hl - IPV6_HDR_LEN + d->total));
    } else {
        wr16(out + 2, (uint16_t)(hl + d->total));
        wr16(out + 6, (uint16_t)(rd16(out + 6) & IPV4_FLAG_DF));
        wr16(out + 10, 0);
        wr16(out + 10, csum_finish(csum_add(0, out, hl)));
    }
    return hl + d->total;
}

/* The slot for f: its datagram, or a new one in a free (or overdue) slot, or NULL. */
static reasm_dgram *lookup(reasm *r, const reasm_frag *f, uint64_t now)
{
    reasm_dgram *free_slot = NULL;
    for (uint32_t i = 0; i < r->cfg.max_datagrams; i++) {
        reasm_dgram *d = &r->slots[i];
        if (d->in_use && d->deadline <= now) {
            /* Overdue and not yet polled: its time is up whoever asks. */
            reasm_counters *c = ctr(r, d->family);
            c->ReasmTimeout++;
            fail(r, d, NULL);
        }
        if (same_key(d, f))
            return d;
        if (!d->in_use && !free_slot)
            free_slot = d;
    }
    if (!free_slot)
        return NULL;
    reasm_dgram *d = free_slot;
    d->in_use = 1;
    d->family = f->family;
    d->proto = f->proto;
    d->id = f->id;
    d->src = f->src;
    d->dst = f->dst;
    d->deadline = now + (f->family == REASM_V6 ? r->cfg.timeout_v6_us : r->cfg.timeout_v4_us);
    return d;
}

reasm_result reasm_input(reasm *r, const reasm_frag *f, uint64_t now, uint8_t *out, size_t cap,
                         size_t *out_len)
{
    reasm_counters *c = ctr(r, f->family);
    c->ReasmReqds++;
    *out_len = 0;
    if (f->offset == 0 && !f->more)
        return REASM_ATOMIC;
    /* All but the last fragment carry multiples of 8 octets (RFC 791 3.2, RFC 8200 4.5);
     * an empty fragment adds nothing but cost. */
    if (f->data_len == 0 || (f->more && f->data_len % 8 != 0))
        return drop(c, &c->ReasmTooBig);
    size_t end = (size_t)f->offset + f->data_len;
    size_t before = f->family == REASM_V6 ? (size_t)f->frag_hdr - IPV6_HDR_LEN : f->hdr_len;
    if (end + before > 0xffffu)
        return drop(c, &c->ReasmTooBig);
    reasm_dgram *d = lookup(r, f, now);
    if (!d)
        return drop(c, &c->ReasmNoSpace);
    if (!f->more) {
        if (d->have_last && d->total != end) {
            fail(r, d, &c->ReasmOverlaps);
            return REASM_DROPPED;
        }
    } else if (d->have_last && end > d->total) {
        fail(r, d, &c->ReasmOverlaps);
        return REASM_DROPPED;
    }
    reasm_node **link = &d->frags;
    for (reasm_node *n = d->frags; n; n = n->next) {
        if (n->off == f->offset && n->len == f->data_len) {
            c->ReasmDups++;
            c->ReasmFails++;
            return REASM_DROPPED;
        }
        if (f->offset < n->off + n->len && end > n->off) {
            fail(r, d, &c->ReasmOverlaps);
            return REASM_DROPPED;
        }
        if (!f->more && n->off + n->len > end) {
            fail(r, d, &c->ReasmOverlaps);
            return REASM_DROPPED;
        }
        if (n->off < f->offset)
            link = &n->next;
    }
    if (d->nfrags >= r->cfg.max_frags) {
        fail(r, d, &c->ReasmTooMany);
        return REASM_DROPPED;
    }
    size_t need = sizeof(reasm_node) + f->data_len + (f->offset == 0 ? f->hdr_len : 0);
    if (need > r->cfg.max_bytes - r->bytes || (f->offset == 0 && f->hdr_len > 0xffffu)) {
        if (d->nfrags == 0)
            release(r, d);
        return drop(c, &c->ReasmNoSpace);
    }
    reasm_node *n = r->mem->alloc(r->mem->ctx, sizeof *n + f->data_len);
    uint8_t *hdr = NULL;
    if (n && f->offset == 0) {
        hdr = r->mem->alloc(r->mem->ctx, f->hdr_len);
        if (!hdr) {
            r->mem->free(r->mem->ctx, n, sizeof *n + f->data_len);
            n = NULL;
        }
    }
    if (!n) {
        if (d->nfrags == 0)
            release(r, d);
        return drop(c, &c->ReasmNoSpace);
    }
    n->off = f->offset;
    n->len = (uint32_t)f->data_len;
    memcpy(n->data, f->pkt + f->hdr_len, f->data_len);
    n->next = *link;
    *link = n;
    d->nfrags++;
    d->held += n->len;
    d->charged += need;
    r->bytes += need;
    if (hdr) {
        memcpy(hdr, f->pkt, f->hdr_len);
        d->hdr = hdr;
        d->hdr_len = (uint16_t)f->hdr_len;
        d->frag_hdr = f->frag_hdr;
        d->prev_nh = f->prev_nh;
        d->nh = f->nh;
    }
    if (!f->more) {
        d->have_last = 1;
        d->total = (uint32_t)end;
    }
    if (!d->have_last || !d->hdr || d->held != d->total)
        return REASM_HELD;
    /* No overlaps were let in, so the bytes held add up to the total only without holes. */
    size_t len = rebuild(d, out, cap);
    if (len == 0) {
        fail(r, d, &c->ReasmTooBig);
        return REASM_DROPPED;
    }
    c->ReasmOKs++;
    release(r, d);
    *out_len = len;
    return REASM_DONE;
}

uint64_t reasm_poll(reasm *r, uint64_t now, uint8_t *scratch, size_t cap, reasm_expired_fn fn,
                    void *ctx)
{
    uint64_t next = UINT64_MAX;
    for (uint32_t i = 0; i < r->cfg.max_datagrams; i++) {
        reasm_dgram *d = &r->slots[i];
        if (!d->in_use)
            continue;
        if (d->deadline > now) {
            if (d->deadline < next)
                next = d->deadline;
            continue;
        }
        if (d->hdr && fn && scratch) {
            /* The first fragment as it arrived: its headers, then its data. */
            size_t n = d->hdr_len < cap ? d->hdr_len : cap;
            memcpy(scratch, d->hdr, n);
            const reasm_node *first = d->frags; /* sorted: offset 0 is first */
            if (first && first->off == 0 && n < cap) {
                size_t k = first->len < cap - n ? first->len : cap - n;
                memcpy(scratch + n, first->data, k);
                n += k;
            }
            fn(ctx, d->family, scratch, n);
        }
        ctr(r, d->family)->ReasmTimeout++;
        fail(r, d, NULL);
    }
    return next;
}

uint32_t reasm_count(const reasm *r)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < r->cfg.max_datagrams; i++)
        n += r->slots[i].in_use;
    return n;
}
