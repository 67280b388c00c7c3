/* SPDX-License-Identifier: MIT */
/* MLDv2 (src/stack/mld.c, RFC 3810) on an Ethernet netif with 2001:db8::abcd:ef12 and the
 * link-local fe80::ff:fe00:2 (MAC 02:00:00:00:00:02): at start-up, before the DAD probes,
 * a report joins both solicited-node groups from :: (the link-local address is still
 * tentative), and a second follows within the Unsolicited Report Interval; a router's
 * query (link-local source, hop limit 1) is answered with the current state, a bogus one
 * is dropped and counted. The expected reports are written out byte by byte here, their
 * checksum computed by this file's own sum. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/ipv6_eth_rig.h"
#include "synack/synack.h"
#include "wire/bytes.h"
#include "wire/eth.h"
#include "wire/icmpv6.h"
#include "wire/ipv6.h"

static const uint8_t MAC_US[6] = {0x02, 0, 0, 0, 0, 0x02};
static const uint8_t MAC_RTR[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t US6[16] = {0x20, 0x01, 0x0d, 0xb8, 0,    0,    0,    0,
                                0,    0,    0,    0,    0xab, 0xcd, 0xef, 0x12};
static const uint8_t LL6[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xfe, 0, 0, 0x02};
static const uint8_t RTR_LL[16] = {0xfe, 0x80, [15] = 1};
static const uint8_t ALL_NODES[16] = {0xff, 0x02, [15] = 1};
static const uint8_t SN_LL[16] = {0xff, 0x02, [11] = 1, [12] = 0xff, [13] = 0, [14] = 0, [15] = 2};
static const uint8_t SN_US[16] = {
    0xff, 0x02, [11] = 1, [12] = 0xff, [13] = 0xcd, [14] = 0xef, [15] = 0x12};
static const uint64_t S = 1000000u;

static eth6_cap cap;

static synack_stack *new_stack(uint8_t dad, uint8_t reports)
{
    synack_config c;
    synack_config_default(&c);
    assert_int_equal(c.mld_reports, 2); /* RFC 3810's Robustness Variable by default */
    eth6_config(&c, &cap, MAC_US, US6);
    c.dad_transmits = dad;
    c.mld_reports = reports;
    synack_stack *st = synack_stack_new(&c);
    assert_non_null(st);
    return st;
}

/* The report we must send: from src, records of type rt for groups g[0..n). */
static size_t want_report(uint8_t *w, const uint8_t *src, uint8_t rt, const uint8_t *const *g,
                          size_t n)
{
    static const uint8_t hdr[14] = {0x33, 0x33, 0, 0, 0, 0x16, 0x02, 0, 0, 0, 0, 0x02, 0x86, 0xdd};
    static const uint8_t all_rtr[16] = {0xff, 0x02, [15] = 0x16};
    memcpy(w, hdr, 14);
    uint8_t *ip = w + 14;
    size_t icmp_len = 8 + 20 * n;
    ip[0] = 0x60;
    ip[1] = ip[2] = ip[3] = 0;
    wr16(ip + 4, (uint16_t)(8 + icmp_len));
    ip[6] = 0; /* hop-by-hop */
    ip[7] = 1; /* hop limit 1 (RFC 3810 5) */
    memcpy(ip + 8, src, 16);
    memcpy(ip + 24, all_rtr, 16);
    static const uint8_t hbh[8] = {58, 0, 5, 2, 0, 0, 1, 0}; /* Router Alert (MLD), PadN */
    memcpy(ip + 40, hbh, 8);
    uint8_t *m = ip + 48;
    memset(m, 0, 8);
    m[0] = 143;
    wr16(m + 6, (uint16_t)n);
    for (size_t i = 0; i < n; i++) {
        uint8_t *r = m + 8 + 20 * i;
        r[0] = rt;
        r[1] = r[2] = r[3] = 0;
        memcpy(r + 4, g[i], 16);
    }
    wr16(m + 2, eth6_icmp_sum(src, all_rtr, m, icmp_len));
    return 14 + 48 + icmp_len;
}

static void assert_frame(size_t i, const uint8_t *w, size_t wl)
{
    assert_int_equal(cap.f[i].len, wl);
    assert_memory_equal(cap.f[i].b, w, wl);
}

static void test_reports_at_start_up(void **state)
{
    (void)state;
    synack_stack *st = new_stack(1, 2);
    static const uint8_t unspec[16];
    const uint8_t *g[2] = {SN_LL, SN_US};
    uint8_t w[200];
    size_t wl = want_report(w, unspec, 4 /* CHANGE_TO_EXCLUDE {} */, g, 2);

    /* first the report (from ::, the link-local address being tentative), then the probes */
    assert_int_equal(synack_next_deadline(st), 0);
    assert_int_equal(synack_poll(st, 0), 0);
    assert_int_equal(cap.n, 3);
    assert_frame(0, w, wl);
    for (size_t i = 1; i < 3; i++)
        assert_int_equal(cap.f[i].b[14 + 40], ICMP6_ND_NS);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6OutMLDv2Reports), 1);

    /* the second within (0, 1 s], the same */
    uint64_t t = 10000;
    while (cap.n == 3 && t <= S) {
        assert_int_equal(synack_poll(st, t), 0);
        t += 10000;
    }
    assert_int_equal(cap.n, 4);
    assert_frame(3, w, wl);
    /* and no more */
    assert_int_equal(synack_poll(st, 10 * S), 0);
    assert_int_equal(cap.n, 4);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6OutMLDv2Reports), 2);
    assert_int_equal(synack_next_deadline(st), UINT64_MAX);
    synack_stack_free(st);
}

/* A query of len bytes (24 MLDv1, 28 MLDv2) for group (NULL: general) with maximum
 * response code mrc. */
static void query_qrv(synack_stack *st, uint64_t now, const uint8_t *src, uint8_t hop,
                      const uint8_t *group, uint16_t mrc, size_t len, uint8_t qrv, uint8_t qqic)
{
    uint8_t f[200], *ip = f + 14, *m = ip + 40;
    eth_hdr eh = {.ethertype = ETHERTYPE_IPV6};
    const uint8_t *dst = group ? group : ALL_NODES;
    ipv6_addr d;
    memcpy(d.b, dst, 16);
    ipv6_mcast_mac(eh.dst, &d);
    memcpy(eh.src, MAC_RTR, 6);
    eth_emit(f, 14, &eh);
    memset(m, 0, 28);
    m[0] = 130;
    wr16(m + 4, mrc);
    if (group)
        memcpy(m + 8, group, 16);
    if (len >= 28) {
        m[24] = qrv;
        m[25] = qqic;
    }
    ipv6_hdr h = {.next = 58, .hop_limit = hop};
    memcpy(h.src.b, src, 16);
    memcpy(h.dst.b, dst, 16);
    ipv6_emit(ip, 40, &h, len);
    wr16(m + 2, eth6_icmp_sum(src, dst, m, len));
    synack_input(st, now, f, 14 + 40 + len);
}

static void query_len(synack_stack *st, uint64_t now, const uint8_t *src, uint8_t hop,
                      const uint8_t *group, uint16_t mrc, size_t len)
{
    query_qrv(st, now, src, hop, group, mrc, len, 2, 125);
}

static void query(synack_stack *st, uint64_t now, const uint8_t *src, uint8_t hop,
                  const uint8_t *group, uint16_t mrc)
{
    query_len(st, now, src, hop, group, mrc, 28);
}

/* Polls in 1 ms steps from `from` to `to` until a frame appears; returns its time. */
static uint64_t poll_until_frame(synack_stack *st, uint64_t from, uint64_t to)
{
    size_t n = cap.n;
    for (uint64_t t = from; t <= to; t += 1000) {
        assert_int_equal(synack_poll(st, t), 0);
        if (cap.n != n)
            return t;
    }
    return 0;
}

static void test_queries_answered(void **state)
{
    (void)state;
    synack_stack *st = new_stack(0, 0);
    assert_int_equal(synack_poll(st, 0), 0);
    assert_int_equal(cap.n, 0);
    const uint8_t *g[2] = {SN_LL, SN_US};
    uint8_t w[200];

    /* a general query, Maximum Response Delay 1 s: both groups, MODE_IS_EXCLUDE {}, from
     * the link-local address */
    query(st, S, RTR_LL, 1, NULL, 1000);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6InGroupMembQueries), 1);
    uint64_t t = poll_until_frame(st, S, 2 * S);
    assert_true(t >= S && t <= 2 * S);
    assert_int_equal(cap.n, 1);
    size_t wl = want_report(w, LL6, 2, g, 2);
    assert_frame(0, w, wl);

    /* one for the global address's group: that group alone */
    query(st, 3 * S, RTR_LL, 1, SN_US, 500);
    t = poll_until_frame(st, 3 * S, 4 * S);
    assert_true(t >= 3 * S && t <= 3 * S + 500000);
    assert_int_equal(cap.n, 2);
    wl = want_report(w, LL6, 2, g + 1, 1);
    assert_frame(1, w, wl);

    /* not from a link-local router, or not hop limit 1: dropped, counted */
    uint64_t errs = synack_counter_get(st, SYNACK_CTR_Icmp6InErrors);
    query(st, 5 * S, US6, 1, NULL, 1000);
    query(st, 5 * S, RTR_LL, 255, NULL, 1000);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6InErrors), errs + 2);
    assert_int_equal(poll_until_frame(st, 5 * S, 7 * S), 0);
    assert_int_equal(cap.n, 2);
    synack_stack_free(st);

    synack_config c;
    synack_config_default(&c);
    c.netif.output = eth6_capture;
    c.netif.addr = 0xc0000202u;
    c.mld_reports = 11;
    const char *field = NULL;
    assert_int_equal(synack_config_check(&c, &field), -EINVAL);
    assert_string_equal(field, "mld_reports");
}

/* The global address found a duplicate (an NA for it during DAD): its group, not shared
 * with the link-local address's, is left by a State Change Report TO_INCLUDE {} (RFC 3810
 * 6.1), twice (the Robustness Variable), from :: while the link-local address is
 * tentative; later answers to queries no longer name it. */
static void test_leave_on_duplicate(void **state)
{
    (void)state;
    synack_stack *st = new_stack(3, 2);
    assert_int_equal(synack_poll(st, 0), 0);
    assert_int_equal(cap.n, 3);
    assert_true(poll_until_frame(st, 1000, S) > 0); /* the join's second report */
    assert_int_equal(cap.n, 4);
    assert_int_equal(synack_poll(st, S), 0); /* the second probes */
    assert_int_equal(cap.n, 6);

    ipv6_addr t = eth6_addr(US6), p = eth6_addr(RTR_LL), all = eth6_addr(ALL_NODES);
    const uint8_t all_mac[6] = {0x33, 0x33, 0, 0, 0, 1};
    uint8_t l4[64], f[200];
    size_t n = nd_na_emit(l4, sizeof(l4), ND_NA_OVERRIDE, &t, MAC_RTR, &p, &all);
    size_t fl = eth6_frame_build(f, all_mac, MAC_RTR, &p, &all, IP_PROTO_ICMPV6, 255, l4, n);
    synack_input(st, S + S / 2, f, fl);
    assert_int_equal(synack_addr6_state(st, US6), SYNACK_ADDR6_DUPLICATE);
    assert_int_equal(synack_next_deadline(st), S + S / 2);

    static const uint8_t unspec[16];
    const uint8_t *g[1] = {SN_US};
    uint8_t w[200];
    size_t wl = want_report(w, unspec, 3 /* CHANGE_TO_INCLUDE {} */, g, 1);
    assert_int_equal(synack_poll(st, S + S / 2), 0);
    assert_int_equal(cap.n, 7);
    assert_frame(6, w, wl);
    /* the second within (0, 1 s]; the link-local address's probe at 2 s between them,
     * perhaps */
    size_t reports = 0;
    for (uint64_t at = S + S / 2 + 1000; at <= 3 * S - 1000; at += 1000) {
        size_t was = cap.n;
        assert_int_equal(synack_poll(st, at), 0);
        for (size_t i = was; i < cap.n; i++) {
            if (cap.f[i].b[14 + 48] != 143)
                continue;
            assert_true(at <= S + S / 2 + S);
            assert_frame(i, w, wl);
            reports++;
        }
    }
    assert_int_equal(reports, 1);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6OutMLDv2Reports), 4);

    /* the link-local address in use at 3 s: a general query gets its group alone */
    assert_int_equal(synack_poll(st, 3 * S), 0);
    assert_int_equal(synack_addr6_state(st, LL6), SYNACK_ADDR6_PREFERRED);
    size_t before = cap.n;
    query(st, 4 * S, RTR_LL, 1, NULL, 1000);
    assert_true(poll_until_frame(st, 4 * S, 5 * S) > 0);
    assert_int_equal(cap.n, before + 1);
    const uint8_t *ll[1] = {SN_LL};
    wl = want_report(w, LL6, 2, ll, 1);
    assert_frame(before, w, wl);
    synack_stack_free(st);
}

/* A group both addresses share is not left when one of them goes. */
static void test_shared_group_kept(void **state)
{
    (void)state;
    synack_config c;
    synack_config_default(&c);
    const uint8_t shared6[16] = {0x20, 0x01, 0x0d, 0xb8, [13] = 0, [14] = 0, [15] = 2};
    eth6_config(&c, &cap, MAC_US, shared6);
    c.dad_transmits = 3;
    c.mld_reports = 1;
    synack_stack *st = synack_stack_new(&c);
    assert_non_null(st);
    assert_int_equal(synack_poll(st, 0), 0);
    assert_int_equal(cap.n, 3); /* one join naming ff02::1:ff00:2, two probes */
    ipv6_addr t = eth6_addr(shared6), p = eth6_addr(RTR_LL), all = eth6_addr(ALL_NODES);
    const uint8_t all_mac[6] = {0x33, 0x33, 0, 0, 0, 1};
    uint8_t l4[64], f[200];
    size_t n = nd_na_emit(l4, sizeof(l4), ND_NA_OVERRIDE, &t, MAC_RTR, &p, &all);
    size_t fl = eth6_frame_build(f, all_mac, MAC_RTR, &p, &all, IP_PROTO_ICMPV6, 255, l4, n);
    synack_input(st, S / 2, f, fl);
    assert_int_equal(synack_addr6_state(st, shared6), SYNACK_ADDR6_DUPLICATE);
    assert_int_equal(synack_poll(st, S / 2), 0);
    assert_int_equal(cap.n, 3);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6OutMLDv2Reports), 1);
    synack_stack_free(st);
}

/* The MLDv1 message (RFC 2710 3) we must send: type 131 (a Report, to group) or 132 (a
 * Done, to ff02::2) naming group, from src, hop limit 1 behind a Router Alert. */
static size_t want_v1(uint8_t *w, const uint8_t *src, uint8_t type, const uint8_t *group)
{
    static const uint8_t all_rtr[16] = {0xff, 0x02, [15] = 2};
    const uint8_t *dst = type == 132 ? all_rtr : group;
    const uint8_t hdr[14] = {0x33, 0x33, dst[12], dst[13], dst[14], dst[15], 0x02,
                             0,    0,    0,       0,       0x02,    0x86,    0xdd};
    memcpy(w, hdr, 14);
    uint8_t *ip = w + 14;
    ip[0] = 0x60;
    ip[1] = ip[2] = ip[3] = 0;
    wr16(ip + 4, 8 + 24);
    ip[6] = 0; /* hop-by-hop */
    ip[7] = 1;
    memcpy(ip + 8, src, 16);
    memcpy(ip + 24, dst, 16);
    static const uint8_t hbh[8] = {58, 0, 5, 2, 0, 0, 1, 0}; /* Router Alert (MLD), PadN */
    memcpy(ip + 40, hbh, 8);
    uint8_t *m = ip + 48;
    memset(m, 0, 8); /* code, checksum, Maximum Response Delay 0, reserved */
    m[0] = type;
    memcpy(m + 8, group, 16);
    wr16(m + 2, eth6_icmp_sum(src, dst, m, 24));
    return 14 + 48 + 24;
}

/* An MLDv1 querier (RFC 3810 8.2.1): a general MLDv1 query is answered with one MLDv1
 * Report per group within its Maximum Response Delay; one for a group with that group's
 * Report alone, its delay in plain milliseconds (40000: 40 s, not MLDv2's 115 s). */
static void test_v1_query_answered_with_v1_reports(void **state)
{
    (void)state;
    synack_stack *st = new_stack(0, 0);
    assert_int_equal(synack_poll(st, 0), 0);
    assert_int_equal(cap.n, 0);
    uint8_t w[200];

    query_len(st, S, RTR_LL, 1, NULL, 1000, 24);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6InGroupMembQueries), 1);
    uint64_t t = poll_until_frame(st, S, 2 * S);
    assert_true(t >= S && t <= 2 * S);
    assert_int_equal(cap.n, 2);
    size_t wl = want_v1(w, LL6, 131, SN_LL);
    assert_frame(0, w, wl);
    wl = want_v1(w, LL6, 131, SN_US);
    assert_frame(1, w, wl);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6OutGroupMembResponses), 2);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6OutMLDv2Reports), 0);

    /* eight times, so a delay drawn from up to 115 s would show */
    for (size_t i = 0; i < 8; i++) {
        uint64_t q = (3 + 50 * i) * S;
        query_len(st, q, RTR_LL, 1, SN_US, 40000, 24);
        uint64_t at = synack_next_deadline(st);
        assert_true(at >= q && at <= q + 40 * S);
        assert_int_equal(synack_poll(st, at), 0);
        assert_int_equal(cap.n, 3 + i);
        assert_frame(2 + i, w, wl);
    }
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6OutGroupMembResponses), 10);
    assert_int_equal(synack_next_deadline(st), UINT64_MAX);
    synack_stack_free(st);
}

/* In MLDv1 mode an MLDv2 query is ignored (counted as a query, never answered); the mode
 * lasts the Older Version Querier Present Timeout (RFC 3810 9.12: 2 x 125 s + the
 * query's 1 s), restarted by another MLDv1 query, and afterwards MLDv2 queries get MLDv2
 * reports again. */
static void test_v1_mode_ignores_v2_queries_then_ends(void **state)
{
    (void)state;
    synack_stack *st = new_stack(0, 0);
    assert_int_equal(synack_poll(st, 0), 0);
    query_len(st, S, RTR_LL, 1, NULL, 1000, 24);
    assert_true(poll_until_frame(st, S, 2 * S) > 0);
    assert_int_equal(cap.n, 2);

    query(st, 10 * S, RTR_LL, 1, NULL, 1000);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6InGroupMembQueries), 2);
    assert_int_equal(synack_next_deadline(st), UINT64_MAX);
    assert_int_equal(poll_until_frame(st, 10 * S, 12 * S), 0);

    /* just before the end (1 s + 251 s): still ignored */
    query(st, 252 * S - 1, RTR_LL, 1, NULL, 1000);
    assert_int_equal(synack_next_deadline(st), UINT64_MAX);

    /* at the end, MLDv2 again: both groups in one MODE_IS_EXCLUDE {} report */
    query(st, 252 * S, RTR_LL, 1, NULL, 1000);
    assert_int_equal(poll_until_frame(st, 252 * S, 253 * S) > 0, 1);
    assert_int_equal(cap.n, 3);
    const uint8_t *g[2] = {SN_LL, SN_US};
    uint8_t w[200];
    size_t wl = want_report(w, LL6, 2, g, 2);
    assert_frame(2, w, wl);

    /* a second MLDv1 query restarts the timer: one at 300 s, another at 400 s, MLDv1 until
     * 400 s + 251 s (each answered by MLDv1 Reports) */
    query_len(st, 300 * S, RTR_LL, 1, NULL, 1000, 24);
    assert_true(poll_until_frame(st, 300 * S, 301 * S) > 0);
    query_len(st, 400 * S, RTR_LL, 1, NULL, 1000, 24);
    assert_true(poll_until_frame(st, 400 * S, 401 * S) > 0);
    assert_int_equal(cap.n, 7);
    assert_int_equal(cap.f[6].b[14 + 48], 131);
    query(st, 651 * S - 1, RTR_LL, 1, NULL, 1000);
    assert_int_equal(synack_next_deadline(st), UINT64_MAX);
    query(st, 651 * S, RTR_LL, 1, NULL, 1000);
    assert_true(poll_until_frame(st, 651 * S, 652 * S) > 0);
    assert_int_equal(cap.n, 8);
    assert_frame(7, w, wl);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6OutGroupMembResponses), 6);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6OutMLDv2Reports), 2);
    synack_stack_free(st);
}

/* In MLDv1 mode the global address found a duplicate leaves its group with one MLDv1
 * Done to ff02::2 (from ::, the link-local address still tentative), not MLDv2 reports;
 * the MLDv1 query cancelled the start-up join's second report (RFC 3810 8.2.1). */
static void test_v1_leave_is_done(void **state)
{
    (void)state;
    synack_stack *st = new_stack(3, 2);
    assert_int_equal(synack_poll(st, 0), 0);
    assert_int_equal(cap.n, 3); /* the join, two probes */
    query_len(st, 1000, RTR_LL, 1, NULL, 100, 24);
    uint64_t t = poll_until_frame(st, 1000, S / 2);
    assert_true(t > 0 && t <= 101000);
    assert_int_equal(cap.n, 5);
    static const uint8_t unspec[16];
    uint8_t w[200];
    size_t wl = want_v1(w, unspec, 131, SN_LL);
    assert_frame(3, w, wl);
    wl = want_v1(w, unspec, 131, SN_US);
    assert_frame(4, w, wl);
    assert_int_equal(synack_poll(st, S), 0); /* the second probes, no second join */
    assert_int_equal(cap.n, 7);
    assert_int_equal(cap.f[5].b[14 + 40], ICMP6_ND_NS);
    assert_int_equal(cap.f[6].b[14 + 40], ICMP6_ND_NS);

    ipv6_addr a = eth6_addr(US6), p = eth6_addr(RTR_LL), all = eth6_addr(ALL_NODES);
    const uint8_t all_mac[6] = {0x33, 0x33, 0, 0, 0, 1};
    uint8_t l4[64], f[200];
    size_t n = nd_na_emit(l4, sizeof(l4), ND_NA_OVERRIDE, &a, MAC_RTR, &p, &all);
    size_t fl = eth6_frame_build(f, all_mac, MAC_RTR, &p, &all, IP_PROTO_ICMPV6, 255, l4, n);
    synack_input(st, S + S / 2, f, fl);
    assert_int_equal(synack_addr6_state(st, US6), SYNACK_ADDR6_DUPLICATE);
    assert_int_equal(synack_poll(st, S + S / 2), 0);
    assert_int_equal(cap.n, 8);
    wl = want_v1(w, unspec, 132, SN_US);
    assert_frame(7, w, wl);
    /* once: nothing but the link-local address's last probe until it is in use */
    size_t was = cap.n;
    for (uint64_t at = S + S / 2 + 1000; at <= 3 * S; at += 1000)
        assert_int_equal(synack_poll(st, at), 0);
    for (size_t i = was; i < cap.n; i++)
        assert_int_equal(cap.f[i].b[14 + 40], ICMP6_ND_NS);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6OutGroupMembReductions), 1);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6OutGroupMembResponses), 2);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6OutMLDv2Reports), 1);
    synack_stack_free(st);
}

/* A bogus MLDv1 query (not from a link-local source, hop limit not 1, or 26 bytes, neither
 * MLDv1's 24 nor MLDv2's 28 or more) is dropped and counted, and does not switch to
 * MLDv1: an MLDv2 query afterwards gets an MLDv2 report. */
static void test_bogus_v1_query_dropped(void **state)
{
    (void)state;
    synack_stack *st = new_stack(0, 0);
    assert_int_equal(synack_poll(st, 0), 0);
    query_len(st, S, US6, 1, NULL, 1000, 24);
    query_len(st, S, RTR_LL, 255, NULL, 1000, 24);
    query_len(st, S, RTR_LL, 1, NULL, 1000, 26);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6InErrors), 3);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6InGroupMembQueries), 3);
    assert_int_equal(synack_next_deadline(st), UINT64_MAX);
    assert_int_equal(poll_until_frame(st, S, 3 * S), 0);
    query(st, 4 * S, RTR_LL, 1, NULL, 1000);
    assert_true(poll_until_frame(st, 4 * S, 5 * S) > 0);
    assert_int_equal(cap.n, 1);
    const uint8_t *g[2] = {SN_LL, SN_US};
    uint8_t w[200];
    size_t wl = want_report(w, LL6, 2, g, 2);
    assert_frame(0, w, wl);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6OutGroupMembResponses), 0);
    synack_stack_free(st);
}

/* Another listener's MLDv1 Report (hop limit 1, link-local source) for one of the groups
 * whose answer we are delaying answers for us (RFC 2710 4): only the other group's Report
 * goes out; with both heard, none. In MLDv2 mode such a Report changes nothing. */
static void test_v1_report_suppressed(void **state)
{
    (void)state;
    synack_stack *st = new_stack(0, 0);
    assert_int_equal(synack_poll(st, 0), 0);
    const uint8_t other_ll[16] = {0xfe, 0x80, [15] = 9};
    uint8_t w[200], f[200];

    query_len(st, S, RTR_LL, 1, NULL, 10000, 24);
    size_t fl = want_v1(f, other_ll, 131, SN_LL);
    f[11] = 0x09; /* from the other listener's MAC */
    synack_input(st, S, f, fl);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6InGroupMembResponses), 1);
    assert_true(poll_until_frame(st, S, 11 * S) > 0);
    assert_int_equal(cap.n, 1);
    size_t wl = want_v1(w, LL6, 131, SN_US);
    assert_frame(0, w, wl);
    assert_int_equal(poll_until_frame(st, 11 * S, 12 * S), 0);

    /* both groups heard: nothing */
    query_len(st, 20 * S, RTR_LL, 1, NULL, 10000, 24);
    synack_input(st, 20 * S, f, fl);
    fl = want_v1(f, other_ll, 131, SN_US);
    f[11] = 0x09;
    synack_input(st, 20 * S, f, fl);
    assert_int_equal(synack_next_deadline(st), UINT64_MAX);

    /* a bogus one (hop limit 255) is dropped, counted */
    uint64_t errs = synack_counter_get(st, SYNACK_CTR_Icmp6InErrors);
    query_len(st, 40 * S, RTR_LL, 1, SN_US, 10000, 24);
    f[14 + 7] = 255;
    synack_input(st, 40 * S, f, fl);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_Icmp6InErrors), errs + 1);
    assert_true(synack_next_deadline(st) != UINT64_MAX);
    assert_true(poll_until_frame(st, 40 * S, 51 * S) > 0);
    assert_int_equal(cap.n, 2);
    assert_frame(1, w, wl);
    synack_stack_free(st);

    /* MLDv2: answered in full all the same */
    st = new_stack(0, 0);
    assert_int_equal(synack_poll(st, 0), 0);
    query(st, S, RTR_LL, 1, NULL, 1000);
    fl = want_v1(f, other_ll, 131, SN_LL);
    f[11] = 0x09;
    synack_input(st, S, f, fl);
    assert_true(poll_until_frame(st, S, 2 * S) > 0);
    assert_int_equal(cap.n, 1);
    const uint8_t *g[2] = {SN_LL, SN_US};
    wl = want_report(w, LL6, 2, g, 2);
    assert_frame(0, w, wl);
    synack_stack_free(st);
}

/* An MLDv2 query's QRV and QQIC (RFC 3810 5.1.8, 5.1.9) time MLDv1 mode: Robustness
 * Variable x Query Interval + the MLDv1 query's Maximum Response Delay (9.12); zeros in
 * them bring back the defaults (2, 125 s); QQIC's exponential form is decoded. */
static void test_querier_timers_time_v1_mode(void **state)
{
    (void)state;
    synack_stack *st = new_stack(0, 0);
    assert_int_equal(synack_poll(st, 0), 0);
    /* QRV 4, QQIC 0x81: (1 | 0x10) << (0 + 3) = 136 s */
    query_qrv(st, S, RTR_LL, 1, NULL, 1000, 28, 4, 0x81);
    assert_true(poll_until_frame(st, S, 2 * S) > 0);
    assert_int_equal(cap.n, 1);
    query_len(st, 10 * S, RTR_LL, 1, NULL, 1000, 24);
    assert_true(poll_until_frame(st, 10 * S, 11 * S) > 0);
    assert_int_equal(cap.n, 3); /* MLDv1 Reports for both groups */
    /* MLDv1 until 10 s + 4 x 136 s + 1 s */
    query(st, 555 * S - 1, RTR_LL, 1, NULL, 0);
    assert_int_equal(synack_next_deadline(st), UINT64_MAX);
    query_qrv(st, 555 * S, RTR_LL, 1, NULL, 0, 28, 0, 0); /* MLDv2 again: answered */
    assert_int_equal(synack_poll(st, 555 * S), 0);
    assert_int_equal(cap.n, 4);
    assert_int_equal(cap.f[3].b[14 + 48], 143);
    /* that query's zeros: the defaults again, 2 x 125 s + 1 s */
    query_len(st, 600 * S, RTR_LL, 1, NULL, 1000, 24);
    assert_true(poll_until_frame(st, 600 * S, 601 * S) > 0);
    query(st, 851 * S - 1, RTR_LL, 1, NULL, 0);
    assert_int_equal(synack_next_deadline(st), UINT64_MAX);
    query_qrv(st, 851 * S, RTR_LL, 1, NULL, 0, 28, 7, 0xff);
    assert_int_equal(synack_poll(st, 851 * S), 0);
    assert_int_equal(cap.n, 7);
    /* the largest the fields hold: QRV 7, QQIC 0xff = 31 << 10 = 31744 s; a Maximum
     * Response Delay of 0 */
    query_len(st, 900 * S, RTR_LL, 1, NULL, 0, 24);
    assert_int_equal(synack_poll(st, 900 * S), 0);
    assert_int_equal(cap.n, 9);
    const uint64_t end = (900ull + 7 * 31744) * S;
    query(st, end - 1, RTR_LL, 1, NULL, 0);
    assert_int_equal(synack_next_deadline(st), UINT64_MAX);
    query(st, end, RTR_LL, 1, NULL, 0);
    assert_int_equal(synack_poll(st, end), 0);
    assert_int_equal(cap.n, 10);
    assert_int_equal(cap.f[9].b[14 + 48], 143);
    synack_stack_free(st);
}

/* The TO_INCLUDE {} reports for the global address's group after DAD found it a duplicate
 * at 250 ms, up to 10 s (from :: or, once it is in use at 3 s, the link-local address). */
static size_t leave_reports(synack_stack *st)
{
    ipv6_addr t = eth6_addr(US6), p = eth6_addr(RTR_LL), all = eth6_addr(ALL_NODES);
    const uint8_t all_mac[6] = {0x33, 0x33, 0, 0, 0, 1};
    uint8_t l4[64], f[200];
    size_t n = nd_na_emit(l4, sizeof(l4), ND_NA_OVERRIDE, &t, MAC_RTR, &p, &all);
    size_t fl = eth6_frame_build(f, all_mac, MAC_RTR, &p, &all, IP_PROTO_ICMPV6, 255, l4, n);
    synack_input(st, S / 4, f, fl);
    assert_int_equal(synack_addr6_state(st, US6), SYNACK_ADDR6_DUPLICATE);
    size_t reports = 0;
    for (uint64_t at = S / 4; at <= 10 * S; at += 1000) {
        size_t was = cap.n;
        assert_int_equal(synack_poll(st, at), 0);
        for (size_t i = was; i < cap.n; i++) {
            const uint8_t *m = cap.f[i].b + 14 + 48; /* past the Hop-by-Hop header */
            if (m[0] != 143 || m[8] != 3 /* CHANGE_TO_INCLUDE */)
                continue;
            assert_int_equal(rd16(m + 6), 1); /* one record */
            assert_memory_equal(m + 12, SN_US, 16);
            reports++;
        }
    }
    return reports;
}

/* 6.1: a leave's reports number the querier's Robustness Variable (its QRV) once one was
 * heard; QRV 0 gives back cfg.mld_reports. */
static void test_querier_robustness_counts_reports(void **state)
{
    (void)state;
    static const struct {
        uint8_t qrv;
        size_t reports;
    } cases[] = {{3, 3}, {1, 1}, {7, 7}, {0, 2}};
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        synack_stack *st = new_stack(3, 2);
        assert_int_equal(synack_poll(st, 0), 0);
        assert_int_equal(cap.n, 3); /* the join, two probes */
        /* a query answered at once (MRC 0) */
        query_qrv(st, 1000, RTR_LL, 1, NULL, 0, 28, cases[c].qrv, 125);
        assert_int_equal(synack_poll(st, 1000), 0);
        assert_int_equal(cap.n, 4);
        cap.n = 0;
        assert_int_equal(leave_reports(st), cases[c].reports);
        synack_stack_free(st);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reports_at_start_up),
        cmocka_unit_test(test_queries_answered),
        cmocka_unit_test(test_leave_on_duplicate),
        cmocka_unit_test(test_shared_group_kept),
        cmocka_unit_test(test_v1_query_answered_with_v1_reports),
        cmocka_unit_test(test_v1_mode_ignores_v2_queries_then_ends),
        cmocka_unit_test(test_v1_leave_is_done),
        cmocka_unit_test(test_bogus_v1_query_dropped),
        cmocka_unit_test(test_v1_report_suppressed),
        cmocka_unit_test(test_querier_timers_time_v1_mode),
        cmocka_unit_test(test_querier_robustness_counts_reports),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
