/* SPDX-License-Identifier: MIT */
/* ARP (RFC 826): answer requests for our address, learn from what we hear, resolve next
 * hops with a bounded cache and a bounded queue of waiting frames. */
#include <errno.h>
#include <string.h>

#include "stack/stack_impl.h"
#include "wire/arp.h"
#include "wire/bytes.h"
#include "wire/eth.h"

static const uint8_t broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

int arp_cache_init(synack_stack *st)
{
    arp_cache *a = &st->arp;
    memset(a, 0, sizeof(*a));
    if (st->cfg.netif.type != SYNACK_LINK_ETHERNET)
        return 0;
    a->size = st->cfg.arp_cache_size ? st->cfg.arp_cache_size : 1;
    a->entries = stack_alloc(st, sizeof(arp_entry) * a->size);
    if (!a->entries)
        return -ENOMEM;
    memset(a->entries, 0, sizeof(arp_entry) * a->size);
    return 0;
}

static void pending_free(synack_stack *st, arp_pending *p)
{
    stack_free(st, p, sizeof(*p) + p->len);
}

void arp_cache_destroy(synack_stack *st)
{
    arp_cache *a = &st->arp;
    while (a->head) {
        arp_pending *p = a->head;
        a->head = p->next;
        pending_free(st, p);
    }
    if (a->entries)
        stack_free(st, a->entries, sizeof(arp_entry) * a->size);
    memset(a, 0, sizeof(*a));
}

static arp_entry *find(arp_cache *a, uint32_t ip)
{
    for (uint32_t i = 0; i < a->size; i++)
        if (a->entries[i].ip == ip)
            return &a->entries[i];
    return NULL;
}

static arp_entry *slot_for(synack_stack *st, uint32_t ip)
{
    arp_cache *a = &st->arp;
    arp_entry *e = find(a, ip);
    if (e)
        return e;
    arp_entry *victim = &a->entries[0];
    for (uint32_t i = 0; i < a->size; i++) {
        if (a->entries[i].ip == 0) {
            victim = &a->entries[i];
            break;
        }
        if (a->entries[i].used < victim->used)
            victim = &a->entries[i];
    }
    if (victim->probes)
        a->probing--; /* what waits for it goes by ARP_PENDING_US */
    memset(victim, 0, sizeof(*victim));
    victim->ip = ip;
    victim->used = st->now;
    return victim;
}

static int send_frame(synack_stack *st, const uint8_t *frame, size_t len,
                      const synack_tx_meta *meta)
{
    int rc = ip_send_frame(st, frame, len, meta);
    if (rc < 0)
        stack_count(st, SYNACK_CTR_OutDiscards);
    return rc;
}

static void send_arp(synack_stack *st, uint16_t op, const uint8_t *tha, uint32_t tpa,
                     const uint8_t *dst_mac)
{
    uint8_t buf[ETH_HDR_LEN + ARP_LEN];
    eth_hdr eh;
    memcpy(eh.dst, dst_mac, 6);
    memcpy(eh.src, st->cfg.netif.mac, 6);
    eh.ethertype = ETHERTYPE_ARP;
    arp_pkt ap = {.op = op, .spa = st->cfg.netif.addr, .tpa = tpa};
    memcpy(ap.sha, st->cfg.netif.mac, 6);
    memcpy(ap.tha, tha, 6);
    size_t n = eth_emit(buf, sizeof(buf), &eh);
    n += arp_emit(buf + n, sizeof(buf) - n, &ap);
    send_frame(st, buf, n, NULL);
}

static void probe(synack_stack *st, arp_entry *e)
{
    static const uint8_t zero[6] = {0};
    e->probes++;
    e->requested = st->now;
    send_arp(st, ARP_OP_REQUEST, zero, e->ip, broadcast);
}

static void flush_pending(synack_stack *st, const arp_entry *e)
{
    arp_cache *a = &st->arp;
    arp_pending **pp = &a->head;
    a->tail = NULL;
    while (*pp) {
        arp_pending *p = *pp;
        if (p->ip == e->ip) {
            *pp = p->next;
            a->npending--;
            memcpy(p->frame, e->mac, 6);
            send_frame(st, p->frame, p->len, &p->meta);
            pending_free(st, p);
        } else {
            a->tail = p;
            pp = &p->next;
        }
    }
}

void arp_input(synack_stack *st, const uint8_t *pkt, size_t len)
{
    arp_pkt ap;
    wire_result r = arp_parse(pkt, len, &ap);
    if (r != WIRE_OK) {
        stack_drop(st, NULL, SYNACK_CTR_ArpDrops, wire_result_name(r));
        return;
    }
    uint32_t me = st->cfg.netif.addr;
    if (me == 0) { /* IPv6-only: no address to answer for, nothing to resolve */
        stack_drop(st, NULL, SYNACK_CTR_ArpDrops, "arp-no-ipv4-address");
        return;
    }
    if (ap.spa == 0 || ap.spa == me) {
        stack_drop(st, NULL, SYNACK_CTR_ArpDrops, "arp-bad-sender");
        return;
    }
    /* RFC 826 "Packet Reception": update an entry we have; add one if it is for us. */
    arp_entry *e = find(&st->arp, ap.spa);
    if (!e && ap.tpa == me)
        e = slot_for(st, ap.spa);
    if (e) {
        memcpy(e->mac, ap.sha, 6);
        e->resolved = 1;
        if (e->probes)
            st->arp.probing--;
        e->probes = 0;
        e->used = st->now;
        flush_pending(st, e);
    }
    if (ap.op == ARP_OP_REQUEST && ap.tpa == me)
        send_arp(st, ARP_OP_REPLY, ap.sha, ap.spa, ap.sha);
}

int arp_output(synack_stack *st, uint32_t nexthop, uint8_t *frame, size_t len)
{
    return arp_output_meta(st, nexthop, frame, len, NULL);
}

int arp_output_meta(synack_stack *st, uint32_t nexthop, uint8_t *frame, size_t len,
                    const synack_tx_meta *meta)
{
    arp_cache *a = &st->arp;
    arp_entry *e = find(a, nexthop);
    if (e && e->resolved) {
        e->used = st->now;
        memcpy(frame, e->mac, 6);
        return send_frame(st, frame, len, meta);
    }
    if (!e)
        e = slot_for(st, nexthop);
    if (!e->probes) { /* arp_poll() asks again */
        a->probing++;
        probe(st, e);
    }
    if (a->npending >= st->cfg.arp_pending_max) {
        stack_drop(st, NULL, SYNACK_CTR_ArpDrops, "arp-queue-full");
        return -ENOBUFS;
    }
    arp_pending *p = stack_alloc(st, sizeof(*p) + len);
    if (!p) {
        stack_drop(st, NULL, SYNACK_CTR_NoMemory, "no-memory");
        return -ENOMEM;
    }
    p->next = NULL;
    p->ip = nexthop;
    p->len = (uint32_t)len;
    p->queued = st->now;
    ip_tx_flatten(st, frame, len);
    if (meta)
        p->meta = *meta;
    else
        memset(&p->meta, 0, sizeof(p->meta));
    memcpy(p->frame, frame, len);
    if (a->tail)
        a->tail->next = p;
    else
        a->head = p;
    a->tail = p;
    a->npending++;
    return 0;
}

/* p never left: dropped, and its sender told as Linux tells it (ip_link_failure). */
static void fail_frame(synack_stack *st, arp_pending *p, const char *why)
{
    stack_drop(st, NULL, SYNACK_CTR_ArpDrops, why);
    if (p->len > ETH_HDR_LEN && rd16(p->frame + 12) == ETHERTYPE_IPV4)
        ip_link_failure(st, p->frame + ETH_HDR_LEN, p->len - ETH_HDR_LEN);
    pending_free(st, p);
}

/* The next hop ip never answered: everything waiting for it fails. The frames are taken
 * off the queue first, so what a sender does on hearing of it (a new frame to ip starts
 * a new resolution) finds a consistent queue. */
static void fail_next_hop(synack_stack *st, uint32_t ip)
{
    arp_cache *a = &st->arp;
    arp_pending *failed = NULL, **fail_tail = &failed, **pp = &a->head;
    a->tail = NULL;
    while (*pp) {
        arp_pending *p = *pp;
        if (p->ip == ip) {
            *pp = p->next;
            a->npending--;
            p->next = NULL;
            *fail_tail = p;
            fail_tail = &p->next;
        } else {
            a->tail = p;
            pp = &p->next;
        }
    }
    while (failed) {
        arp_pending *p = failed;
        failed = p->next;
        fail_frame(st, p, "arp-failed");
    }
}

uint64_t arp_poll(synack_stack *st)
{
    arp_cache *a = &st->arp;
    for (uint32_t i = 0; i < a->size && a->probing; i++) {
        arp_entry *e = &a->entries[i];
        if (!e->probes || st->now - e->requested < ARP_RETRY_US)
            continue;
        if (e->probes < ARP_PROBES) {
            probe(st, e);
            continue;
        }
        e->probes = 0;
        a->probing--;
        fail_next_hop(st, e->ip);
    }
    while (a->head && st->now - a->head->queued >= ARP_PENDING_US) {
        arp_pending *p = a->head;
        a->head = p->next;
        if (!a->head)
            a->tail = NULL;
        a->npending--;
        fail_frame(st, p, "arp-timeout");
    }
    return arp_deadline(st);
}

uint64_t arp_deadline(const synack_stack *st)
{
    const arp_cache *a = &st->arp;
    uint64_t t = a->head ? a->head->queued + ARP_PENDING_US : UINT64_MAX;
    for (uint32_t i = 0; i < a->size && a->probing; i++) {
        const arp_entry *e = &a->entries[i];
        if (e->probes && e->requested + ARP_RETRY_US < t)
            t = e->requested + ARP_RETRY_US;
    }
    return t;
}
