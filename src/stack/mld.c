/* SPDX-License-Identifier: MIT */
/* MLDv2 (RFC 3810) for an Ethernet netif's IPv6 addresses: the solicited-node groups they
 * need (RFC 4861 7.2.1) are announced, so a snooping switch delivers Neighbor
 * Solicitations to us. At start-up, before the DAD probes (RFC 4862 5.4.2), a State
 * Change Report joins them (CHANGE_TO_EXCLUDE {}, 6.1), sent cfg.mld_reports times in all,
 * the later ones at random within the Unsolicited Report Interval (1 s). A Query (5.1) from
 * a link-local source with hop limit 1, general or for one of our groups, is answered by
 * one Current State Report (MODE_IS_EXCLUDE {}, 6.2) at random within its Maximum
 * Response Delay; a pending answer is not pushed later by another query. All-nodes is never
 * reported (6). Reports carry hop limit 1 and a Router Alert (5), from the link-local
 * address once it is in use, else from :: (5.2.13). An address that goes (SLAAC's at the end
 * of its valid lifetime) or that DAD finds a duplicate leaves its group, unless the other
 * address shares it: a State Change Report TO_INCLUDE {} (6.1), cfg.mld_reports times as a
 * join is.
 * MLDv1 compatibility (8.2.1): an MLDv1 Query (24 bytes, RFC 2710) puts the netif in MLDv1
 * mode for the Older Version Querier Present Timeout (9.12), restarted by each one; there
 * a host speaks MLDv1 (RFC 2710 4): one Report per group, to the group, instead of each
 * report above (answers at random within the query's Maximum Response Delay, in ms with
 * no exponent), one Done to ff02::2 instead of the leave's reports, and MLDv2 queries are
 * ignored. Entering or leaving the mode cancels whatever was pending (8.2.1). Another
 * listener's MLDv1 Report for a group whose answer we are delaying answers for us too
 * (RFC 2710 4); a Done is sent all the same (4 allows it: the router asks whether anyone
 * is left). The Robustness Variable and Query Interval are the last MLDv2 query's QRV and
 * QQIC (5.1.8, 5.1.9; 0 in either: the defaults, 2 and 125 s): they time MLDv1 mode (9.12)
 * and count the reports of a join or leave after start-up (6.1). */
#include <string.h>

#include "stack/stack_impl.h"
#include "wire/bytes.h"
#include "wire/eth.h"
#include "wire/icmpv6.h"

#define MLD_UNSOLICITED_US 1000000u /* Unsolicited Report Interval (9.11) */
#define MLD2_IS_EXCLUDE 2           /* Current State Record: MODE_IS_EXCLUDE (5.2.12) */
#define MLD_QUERY 130
#define MLD_V1_QUERY_LEN 24 /* an MLDv1 query (RFC 2710); MLDv2's is at least 28 */

#define MLD_ROBUSTNESS 2       /* Robustness Variable's default (9.1) */
#define MLD_QUERY_INTERVAL 125 /* Query Interval's default, s (9.2) */

/* 9.12's Older Version Querier Present Timeout, Robustness Variable x Query Interval +
 * Query Response Interval, in us. An MLDv1 query carries neither of the first two: the
 * last MLDv2 query's (5.1.8, 5.1.9), else their defaults; its Maximum Response Delay is
 * its querier's third (9.3). */
static uint64_t older_querier_us(const synack_stack *st, uint32_t max_ms)
{
    uint64_t qrv = st->mld_qrv ? st->mld_qrv : MLD_ROBUSTNESS;
    uint64_t qi = st->mld_qi_s ? st->mld_qi_s : MLD_QUERY_INTERVAL;
    return qrv * qi * 1000000u + (uint64_t)max_ms * 1000u;
}

/* How many times a State Change Report is sent (6.1: Robustness Variable - 1
 * retransmissions): the querier's QRV once one was heard, else cfg.mld_reports; a
 * cfg.mld_reports of 0 (no unsolicited reports) stays 0. */
static uint8_t robustness(const synack_stack *st)
{
    return st->cfg.mld_reports && st->mld_qrv ? st->mld_qrv : st->cfg.mld_reports;
}

/* 5.1.8, 5.1.9: a querier's QRV and QQIC (a code as the Maximum Response Code's, 5.1.3,
 * in seconds) replace ours; 0 in either means the default (9.1, 9.2). Every value the
 * fields can hold is one the RFC allows: QRV at most 7, QQI at most 31744 s. */
static void learn_querier(synack_stack *st, const uint8_t *q)
{
    uint8_t qqic = q[17];
    st->mld_qrv = q[16] & 7;
    st->mld_qi_s = qqic < 128 ? qqic : (uint32_t)((qqic & 0x0f) | 0x10) << (((qqic >> 4) & 7) + 3);
}

/* Our solicited-node groups, each once (addresses whose low 24 bits agree share one),
 * those of the added addresses too (addr6_list.c); none for an address DAD found a
 * duplicate (it is never ours). */
#define MLD_GROUPS (2 + ADDR6X_MAX)
static size_t groups(const synack_stack *st, ipv6_addr g[MLD_GROUPS])
{
    ipv6_addr a[2];
    ip6_link_local(st, &a[0]);
    memcpy(a[1].b, st->cfg.netif.addr6, 16);
    size_t n = 0;
    for (int i = 0; i < 1 + ip6_enabled(st); i++) {
        if (st->dad_state[i] == SYNACK_ADDR6_DUPLICATE)
            continue;
        ipv6_addr_solicited_node(&g[n], &a[i]);
        if (n == 0 || !ipv6_addr_equal(&g[0], &g[n]))
            n++;
    }
    return addr6x_groups(st, g, n);
}

/* Reports come from the link-local address once it is in use, else from :: (5.2.13). */
static ipv6_addr mld_src(const synack_stack *st)
{
    ipv6_addr src;
    memset(&src, 0, sizeof src);
    if (st->dad_state[0] == SYNACK_ADDR6_PREFERRED)
        ip6_link_local(st, &src);
    return src;
}

#define MLD_L4 (ETH_HDR_LEN + IPV6_HDR_LEN + 8) /* the message's offset in a frame */

/* Sends f, the message's m bytes at MLD_L4 written, to dst with hop limit 1 behind a
 * Router Alert (5; RFC 2710 3), counting it as ctr. */
static void send_mld(synack_stack *st, uint8_t *f, size_t m, const ipv6_addr *src,
                     const ipv6_addr *dst, synack_counter ctr)
{
    uint8_t *ip = f + ETH_HDR_LEN, *hbh = ip + IPV6_HDR_LEN;
    ipv6_hdr h = {.next = IP_PROTO_HOPOPTS, .hop_limit = 1, .src = *src, .dst = *dst};
    if (m == 0 || ipv6_hbh_router_alert_emit(hbh, 8, IP_PROTO_ICMPV6) != 8 ||
        ipv6_emit(ip, IPV6_HDR_LEN, &h, 8 + m) == 0)
        return;
    eth_hdr eh = {.ethertype = ETHERTYPE_IPV6};
    ipv6_mcast_mac(eh.dst, dst);
    memcpy(eh.src, st->cfg.netif.mac, 6);
    eth_emit(f, ETH_HDR_LEN, &eh);
    stack_count(st, SYNACK_CTR_Ip6OutRequests);
    stack_count(st, SYNACK_CTR_Icmp6OutMsgs);
    stack_count(st, ctr);
    if (ip_send_frame(st, f, MLD_L4 + m, NULL) < 0)
        stack_count(st, SYNACK_CTR_Ip6OutDiscards);
}

static void send_report(synack_stack *st, uint8_t record_type, const ipv6_addr *g, size_t n)
{
    if (n == 0)
        return; /* every address a duplicate: no group to report */
    ipv6_addr src = mld_src(st);
    uint8_t f[MLD_L4 + 8 + MLD_GROUPS * 20];
    size_t m = mld2_report_emit(f + MLD_L4, 8 + MLD_GROUPS * 20, record_type, g, n, &src);
    send_mld(st, f, m, &src, &mld2_all_routers, SYNACK_CTR_Icmp6OutMLDv2Reports);
}

/* MLDv1's stand-in for send_report: a Report to each group, or a Done (to ff02::2). */
static void send_v1(synack_stack *st, uint8_t type, const ipv6_addr *g, size_t n)
{
    ipv6_addr src = mld_src(st);
    for (size_t i = 0; i < n; i++) {
        uint8_t f[MLD_L4 + 24];
        int done = type == ICMP6_MLD1_DONE;
        const ipv6_addr *dst = done ? &mld1_all_routers : &g[i];
        size_t m = mld1_emit(f + MLD_L4, 24, type, &g[i], &src, dst);
        send_mld(st, f, m, &src, dst,
                 done ? SYNACK_CTR_Icmp6OutGroupMembReductions
                      : SYNACK_CTR_Icmp6OutGroupMembResponses);
    }
}

/* 8.2.1: a change of compatibility mode cancels every pending report and answer. */
static void cancel_pending(synack_stack *st)
{
    st->mld_left = 0;
    st->mld_timer = UINT64_MAX;
    st->mld_answer_at = UINT64_MAX;
    st->mld_leave_left = 0;
    st->mld_leave_timer = UINT64_MAX;
}

/* Whether MLDv1 compatibility mode holds now; its end, seen here first, is a change. */
static int v1_mode(synack_stack *st)
{
    if (st->mld_v1_until == 0)
        return 0;
    if (st->now < st->mld_v1_until)
        return 1;
    st->mld_v1_until = 0;
    cancel_pending(st);
    return 0;
}

void ip6_mld_init(synack_stack *st)
{
    st->mld_left = st->cfg.mld_reports;
    st->mld_timer = st->mld_left ? 0 : UINT64_MAX; /* the first poll */
    st->mld_answer_at = UINT64_MAX;
    st->mld_leave_left = 0;
    st->mld_leave_timer = UINT64_MAX;
    st->mld_v1_until = 0;
    st->mld_qrv = 0;
    st->mld_qi_s = 0;
}

void ip6_mld_leave(synack_stack *st, const ipv6_addr *addr)
{
    ipv6_addr g[MLD_GROUPS], sn;
    ipv6_addr_solicited_node(&sn, addr);
    size_t n = groups(st, g);
    for (size_t i = 0; i < n; i++)
        if (ipv6_addr_equal(&g[i], &sn))
            return; /* the other address's group too */
    /* 6.1: as a join, Robustness Variable reports; one pending leave at a time (a second
     * address gone takes the remaining reports over) */
    st->mld_leave_group = sn;
    st->mld_leave_left = v1_mode(st) ? 1 : robustness(st); /* MLDv1: one Done */
    st->mld_leave_timer = st->mld_leave_left ? st->now : UINT64_MAX;
}

void ip6_mld_start(synack_stack *st)
{
    st->mld_left = robustness(st);
    if (st->mld_left)
        st->mld_timer = st->now;
}

void ip6_mld_poll(synack_stack *st)
{
    ipv6_addr g[MLD_GROUPS];
    int v1 = v1_mode(st);
    if (st->now >= st->mld_leave_timer) {
        if (v1)
            send_v1(st, ICMP6_MLD1_DONE, &st->mld_leave_group, 1);
        else
            send_report(st, MLD2_CHANGE_TO_INCLUDE, &st->mld_leave_group, 1);
        st->mld_leave_left--;
        st->mld_leave_timer =
            st->mld_leave_left ? st->now + 1 + rng_below(&st->rng, MLD_UNSOLICITED_US) : UINT64_MAX;
    }
    if (st->now >= st->mld_timer) {
        if (v1)
            send_v1(st, ICMP6_MLD1_REPORT, g, groups(st, g));
        else
            send_report(st, MLD2_CHANGE_TO_EXCLUDE, g, groups(st, g));
        st->mld_left--;
        st->mld_timer =
            st->mld_left ? st->now + 1 + rng_below(&st->rng, MLD_UNSOLICITED_US) : UINT64_MAX;
    }
    if (st->now >= st->mld_answer_at) {
        size_t n = groups(st, g);
        if (!st->mld_answer_all && st->mld_answer_group < n) {
            g[0] = g[st->mld_answer_group];
            n = 1;
        }
        if (v1)
            send_v1(st, ICMP6_MLD1_REPORT, g, n);
        else
            send_report(st, MLD2_IS_EXCLUDE, g, n);
        st->mld_answer_at = UINT64_MAX;
    }
}

uint64_t ip6_mld_deadline(const synack_stack *st)
{
    uint64_t t = st->mld_timer < st->mld_answer_at ? st->mld_timer : st->mld_answer_at;
    return st->mld_leave_timer < t ? st->mld_leave_timer : t;
}

/* The Maximum Response Delay a Maximum Response Code stands for, in ms (5.1.3). */
static uint32_t max_resp_ms(uint16_t code)
{
    if (code < 32768)
        return code;
    return (uint32_t)((code & 0x0fff) | 0x1000) << (((code >> 12) & 7) + 3);
}

void ip6_mld_input(synack_stack *st, const ipv6_hdr *h, const icmp6_msg *m)
{
    stack_count(st, SYNACK_CTR_Icmp6InGroupMembQueries);
    size_t len = ICMP6_HDR_LEN + m->payload_len;
    /* 5.1.14 and 5.1.15 (RFC 2710 5 for MLDv1): a query is from a link-local router on this
     * link, hop limit 1. */
    if (!st->nd_on || !ipv6_addr_is_link_local(&h->src) || h->hop_limit != 1 ||
        (len != MLD_V1_QUERY_LEN && len < 28) || m->code != 0) {
        stack_count(st, SYNACK_CTR_Icmp6InErrors);
        stack_drop(st, NULL, SYNACK_CTR_COUNT, "mld-query-invalid");
        return;
    }
    uint16_t code = (uint16_t)(m->rest >> 16);
    uint32_t max_ms;
    if (len == MLD_V1_QUERY_LEN) {
        max_ms = code; /* RFC 2710 3: plain milliseconds */
        if (!v1_mode(st))
            cancel_pending(st);
        /* never 0, which means MLDv2 */
        st->mld_v1_until = st->now + older_querier_us(st, max_ms);
    } else if (v1_mode(st)) {
        stack_drop(st, NULL, SYNACK_CTR_COUNT, "mld-v2-query-in-v1-mode");
        return;
    } else {
        max_ms = max_resp_ms(code);
        learn_querier(st, m->payload);
    }
    ipv6_addr q, g[MLD_GROUPS];
    memcpy(q.b, m->payload, 16);
    size_t n = groups(st, g);
    int all = ipv6_addr_is_unspecified(&q), which = -1;
    for (size_t i = 0; i < n && !all; i++)
        if (ipv6_addr_equal(&q, &g[i]))
            which = (int)i;
    if (!all && which < 0) {
        stack_drop(st, NULL, SYNACK_CTR_COUNT, "mld-query-not-our-group");
        return;
    }
    uint64_t at = st->now + (uint64_t)rng_below(&st->rng, max_ms + 1) * 1000u;
    if (st->mld_answer_at != UINT64_MAX) {
        /* 6.2: an answer pending for everything covers this one; a narrower one widens */
        st->mld_answer_all |= (uint8_t)(all || (st->mld_answer_group != (uint8_t)which));
        if (at < st->mld_answer_at)
            st->mld_answer_at = at;
        return;
    }
    st->mld_answer_at = at;
    st->mld_answer_all = (uint8_t)all;
    st->mld_answer_group = (uint8_t)(which < 0 ? 0 : which);
}

void ip6_mld_report_input(synack_stack *st, const ipv6_hdr *h, const icmp6_msg *m)
{
    stack_count(st, SYNACK_CTR_Icmp6InGroupMembResponses);
    if (!st->nd_on || !ipv6_addr_is_link_local(&h->src) || h->hop_limit != 1 ||
        ICMP6_HDR_LEN + m->payload_len < 24) {
        stack_count(st, SYNACK_CTR_Icmp6InErrors);
        stack_drop(st, NULL, SYNACK_CTR_COUNT, "mld-report-invalid");
        return;
    }
    /* MLDv2 has no suppression: its reports go to ff02::16, which hosts do not hear */
    if (!v1_mode(st) || st->mld_answer_at == UINT64_MAX)
        return;
    ipv6_addr r, g[MLD_GROUPS];
    memcpy(r.b, m->payload, 16);
    size_t n = groups(st, g);
    for (size_t i = 0; i < n; i++) {
        if (!ipv6_addr_equal(&r, &g[i]))
            continue;
        if (st->mld_answer_all && n == 2) {
            st->mld_answer_all = 0;
            st->mld_answer_group = (uint8_t)(1 - i);
        } else if (st->mld_answer_all ? n == 1 : st->mld_answer_group == i) {
            /* (one of three or more groups heard: the answer for all of them still goes) */
            st->mld_answer_at = UINT64_MAX;
        }
    }
}
