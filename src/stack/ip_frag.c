/* SPDX-License-Identifier: MIT */
/* IPv4 fragments (RFC 791 3.2, RFC 1122 3.3.2) and IPv6 ones (RFC 8200 4.5) into the
 * stack: reasm.c holds them, a completed datagram goes on through ip_input() or
 * ip6_input_reassembled(), and a datagram that runs out of time with its first fragment
 * gets Time Exceeded code 1 (RFC 792, RFC 4443 3.3). Both families share one table and
 * one byte budget, so the bounds in synack_config hold over all fragments together.
 *
 * The state (slot table and a 64 KiB output buffer) is allocated from the stack's
 * allocator when a fragment comes and freed once no datagram is under way, so a stack
 * that never sees a fragment pays one pointer. reasm.c keeps its own counters; their
 * changes are added to the stack's, which outlive the state. */
#include <errno.h>
#include <string.h>

#include "stack/reasm.h"
#include "stack/stack_impl.h"
#include "wire/icmp.h"
#include "wire/icmpv6.h"

struct ip_frag_state {
    reasm r;
    /* A reassembled datagram: IPv4's total length, or IPv6's fixed header and payload
     * length, allow no more. Also the scratch for a Time Exceeded quote. */
    uint8_t out[IPV6_HDR_LEN + 0xffff];
};

static struct ip_frag_state *frag_state(synack_stack *st)
{
    if (st->frag || st->cfg.reasm_max_datagrams == 0)
        return st->frag;
    struct ip_frag_state *fs = stack_alloc(st, sizeof(*fs));
    if (!fs)
        return NULL;
    reasm_config rc;
    reasm_config_default(&rc);
    rc.max_datagrams = st->cfg.reasm_max_datagrams;
    rc.max_bytes = st->cfg.reasm_max_bytes;
    rc.max_frags = (uint16_t)st->cfg.reasm_max_frags;
    rc.timeout_v4_us = st->cfg.reasm_timeout_us;
    if (reasm_init(&fs->r, &rc, &st->mem) != 0) {
        stack_free(st, fs, sizeof(*fs));
        return NULL;
    }
    st->frag = fs;
    return fs;
}

void ip_frag_destroy(synack_stack *st)
{
    if (!st->frag)
        return;
    reasm_destroy(&st->frag->r);
    stack_free(st, st->frag, sizeof(*st->frag));
    st->frag = NULL;
}

static void release_if_idle(synack_stack *st)
{
    if (st->frag && reasm_count(&st->frag->r) == 0)
        ip_frag_destroy(st);
}

/* Adds what reasm.c counted for family since `was` to the stack's counters, with a drop
 * event naming the reason for each kind of drop. Linux's nstat has no Ip6ReasmOverlaps:
 * IPv6 overlaps are in Ip6ReasmFails alone. */
static void account(synack_stack *st, uint8_t family, const reasm_counters *was)
{
    int v6 = family == REASM_V6;
    const reasm_counters *now = v6 ? &st->frag->r.v6 : &st->frag->r.v4;
    st->counters[v6 ? SYNACK_CTR_Ip6ReasmReqds : SYNACK_CTR_ReasmReqds] +=
        now->ReasmReqds - was->ReasmReqds;
    st->counters[v6 ? SYNACK_CTR_Ip6ReasmOKs : SYNACK_CTR_ReasmOKs] +=
        now->ReasmOKs - was->ReasmOKs;
    st->counters[v6 ? SYNACK_CTR_Ip6ReasmFails : SYNACK_CTR_ReasmFails] +=
        now->ReasmFails - was->ReasmFails;
    st->counters[v6 ? SYNACK_CTR_Ip6ReasmTimeout : SYNACK_CTR_ReasmTimeout] +=
        now->ReasmTimeout - was->ReasmTimeout;
    if (!v6)
        st->counters[SYNACK_CTR_ReasmOverlaps] += now->ReasmOverlaps - was->ReasmOverlaps;
    static const struct {
        size_t off;
        const char *reason;
    } why[] = {
        {offsetof(reasm_counters, ReasmTimeout), "reasm-timeout"},
        {offsetof(reasm_counters, ReasmOverlaps), "reasm-overlap"},
        {offsetof(reasm_counters, ReasmDups), "reasm-duplicate"},
        {offsetof(reasm_counters, ReasmNoSpace), "reasm-no-space"},
        {offsetof(reasm_counters, ReasmTooBig), "reasm-bad-length"},
        {offsetof(reasm_counters, ReasmTooMany), "reasm-too-many-fragments"},
    };
    if (!stack_tracing(st))
        return;
    for (size_t i = 0; i < sizeof(why) / sizeof(why[0]); i++) {
        uint64_t a, b;
        memcpy(&a, (const char *)was + why[i].off, sizeof(a));
        memcpy(&b, (const char *)now + why[i].off, sizeof(b));
        for (; a < b; a++)
            stack_drop(st, NULL, SYNACK_CTR_COUNT, why[i].reason);
    }
}

/* RFC 1122 3.2.2: no ICMP error about a datagram from no single host. */
static int unicast_source(uint32_t src)
{
    return src != 0 && src != 0xffffffffu && (src >> 28) != 0xe;
}

/* reasm_poll's report of an expired datagram: its first fragment, headers first. */
static void send_time_exceeded(void *ctx, uint8_t family, const uint8_t *first, size_t len)
{
    synack_stack *st = ctx;
    if (family == REASM_V6) {
        /* RFC 8200 4.5; icmp6.c applies RFC 4443 2.4(e) and the rate limit. */
        if (len >= IPV6_HDR_LEN)
            icmp6_send_error(st, first, len, ICMP6_TIME_EXCEEDED, ICMP6_TIME_REASSEMBLY, 0);
        return;
    }
    if (len < IPV4_HDR_LEN)
        return;
    uint32_t src = (uint32_t)first[12] << 24 | (uint32_t)first[13] << 16 |
                   (uint32_t)first[14] << 8 | first[15];
    if (!unicast_source(src))
        return;
    /* RFC 792: the internet header and the first 64 bits of the datagram's data. */
    size_t quote = (size_t)(first[0] & 0x0f) * 4 + 8;
    if (quote > len)
        quote = len;
    uint8_t *l4 = st->txbuf + ip_headroom(st);
    icmp_msg m = {.type = ICMP_TIME_EXCEEDED,
                  .code = ICMP_CODE_FRAG_TIME_EXCEEDED,
                  .payload = first,
                  .payload_len = quote};
    size_t n = icmp_emit(l4, st->txcap - ip_headroom(st), &m);
    if (n == 0)
        return;
    stack_count(st, SYNACK_CTR_OutTimeExcds);
    ip_output(st, src, IP_PROTO_ICMP, l4, n);
}

static void expire(synack_stack *st)
{
    struct ip_frag_state *fs = st->frag;
    reasm_counters was4 = fs->r.v4, was6 = fs->r.v6;
    /* out is free between datagrams; an ICMPv6 error quotes no more than this (RFC 4443
     * 2.4(c)), an IPv4 one much less. */
    reasm_poll(&fs->r, st->now, fs->out, ICMP6_ERROR_MAX_QUOTE, send_time_exceeded, st);
    account(st, REASM_V4, &was4);
    account(st, REASM_V6, &was6);
}

/* A fragment with no reassembly state to take it (reassembly off, or its state not
 * allocated): counted as a request that failed, for IPv4 or IPv6 by the counters given. */
static int no_frag_state(synack_stack *st, synack_counter reqds, synack_counter fails)
{
    stack_count(st, reqds);
    if (st->cfg.reasm_max_datagrams)
        stack_count(st, SYNACK_CTR_NoMemory);
    stack_drop(st, NULL, fails, st->cfg.reasm_max_datagrams ? "reasm-no-memory" : "reasm-off");
    return -EINVAL;
}

int ip_frag_input(synack_stack *st, const uint8_t *pkt, const ipv4_hdr *ip)
{
    if (ip->dst != st->cfg.netif.addr) {
        stack_drop(st, NULL, SYNACK_CTR_InAddrErrors, "not-our-address");
        return -EINVAL;
    }
    struct ip_frag_state *fs = frag_state(st);
    if (!fs)
        return no_frag_state(st, SYNACK_CTR_ReasmReqds, SYNACK_CTR_ReasmFails);
    /* Expired datagrams are reported before a new fragment could take their slot. */
    expire(st);
    reasm_frag f;
    reasm_frag_ipv4(&f, pkt, ip);
    reasm_counters was = fs->r.v4;
    size_t len = 0;
    reasm_result res = reasm_input(&fs->r, &f, st->now, fs->out, sizeof(fs->out), &len);
    account(st, REASM_V4, &was);
    int rc = res == REASM_DROPPED ? -EINVAL : 0;
    /* The checksum a device vouched for covered a fragment, not this datagram: NULL. */
    if (res == REASM_DONE)
        rc = ip_input(st, fs->out, len, NULL);
    release_if_idle(st);
    return rc;
}

int ip6_frag_input(synack_stack *st, const uint8_t *pkt, size_t len, const ipv6_chain *ch)
{
    struct ip_frag_state *fs = frag_state(st);
    if (!fs)
        return no_frag_state(st, SYNACK_CTR_Ip6ReasmReqds, SYNACK_CTR_Ip6ReasmFails);
    /* A Fragment header inside a reassembled datagram: pkt is fs->out, which reassembly
     * would overwrite, and no sender has a reason to nest them. */
    if (pkt == fs->out) {
        stack_drop(st, NULL, SYNACK_CTR_Ip6ReasmFails, "reasm-nested-fragment");
        return -EINVAL;
    }
    expire(st);
    reasm_frag f;
    reasm_frag_ipv6(&f, pkt, len, ch);
    reasm_counters was = fs->r.v6;
    size_t out_len = 0;
    reasm_result res = reasm_input(&fs->r, &f, st->now, fs->out, sizeof(fs->out), &out_len);
    account(st, REASM_V6, &was);
    int rc = res == REASM_DROPPED ? -EINVAL : 0;
    if (res == REASM_DONE)
        rc = ip6_input_reassembled(st, fs->out, out_len);
    release_if_idle(st);
    return rc;
}

void ip_frag_poll(synack_stack *st)
{
    if (!st->frag)
        return;
    expire(st);
    release_if_idle(st);
}

uint64_t ip_frag_next_deadline(const synack_stack *st)
{
    uint64_t t = UINT64_MAX;
    if (!st->frag)
        return t;
    const reasm *r = &st->frag->r;
    for (uint32_t i = 0; i < r->cfg.max_datagrams; i++)
        if (r->slots[i].in_use && r->slots[i].deadline < t)
            t = r->slots[i].deadline;
    return t;
}
