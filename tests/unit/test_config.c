/* SPDX-License-Identifier: MIT */
/* Configuration: secure by default (OS entropy), determinism only by name, and a config
 * that cannot work is refused with the name of the field at fault — by
 * synack_config_check(), synack_stack_create() and synack_stack_new() alike. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "synack/simnet.h"
#include "synack/synack.h"

#define ADDR 0xc0000201u /* 192.0.2.1 */
#define PEER 0xc0000202u /* 192.0.2.2 */

/* The first SYN a stack sends: its source port and ISN. */
typedef struct syn_seen {
    int n;
    uint16_t sport;
    uint32_t isn;
} syn_seen;

static int capture(void *ctx, const uint8_t *frame, size_t len)
{
    syn_seen *s = ctx;
    assert_true(len >= 40); /* a bare IPv4 packet (SYNACK_LINK_IP) with a TCP header */
    if (s->n++ == 0) {
        const uint8_t *tcp = frame + (frame[0] & 0x0f) * 4;
        s->sport = (uint16_t)(tcp[0] << 8 | tcp[1]);
        s->isn = (uint32_t)tcp[4] << 24 | (uint32_t)tcp[5] << 16 | (uint32_t)tcp[6] << 8 | tcp[7];
    }
    return 0;
}

static int discard(void *ctx, const uint8_t *frame, size_t len)
{
    (void)ctx;
    (void)frame;
    (void)len;
    return 0;
}

/* The defaults plus what every program must say: its address and where frames go. */
static void base(synack_config *c)
{
    synack_config_default(c);
    c->netif.addr = ADDR;
    c->netif.output = discard;
}

/* Makes a stack from cfg, connects once, and returns the SYN's port and ISN. */
static syn_seen first_syn(synack_config cfg)
{
    syn_seen s = {0};
    cfg.netif.output = capture;
    cfg.netif.output_ctx = &s;
    synack_stack *st = NULL;
    assert_int_equal(synack_stack_create(&cfg, &st, NULL), 0);
    int fd = synack_socket(st, SOCK_STREAM);
    assert_true(fd >= 0);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(80)};
    to.sin_addr.s_addr = htonl(PEER);
    assert_int_equal(synack_connect(st, fd, (struct sockaddr *)&to, sizeof(to)), -EINPROGRESS);
    assert_int_equal(s.n, 1);
    synack_stack_free(st);
    return s;
}

static int os_entropy_available(void)
{
    uint8_t b[8];
    return synack_entropy_os(NULL, b, sizeof(b)) == 0;
}

static void test_default_draws_from_the_os(void **state)
{
    (void)state;
    synack_config c;
    base(&c);
    assert_int_equal(c.deterministic, 0);
    if (!os_entropy_available()) {
        /* A build without getrandom: the default names no source, and is refused. */
        assert_null(c.entropy);
        const char *f = NULL;
        assert_int_equal(synack_config_check(&c, &f), -EINVAL);
        assert_string_equal(f, "entropy");
        skip();
    }
    assert_ptr_equal(c.entropy, synack_entropy_os);
    /* Stacks made from the same default config must not repeat each other's secrets. */
    syn_seen s[4];
    for (int i = 0; i < 4; i++)
        s[i] = first_syn(c);
    for (int i = 0; i < 4; i++)
        for (int j = i + 1; j < 4; j++)
            assert_int_not_equal(s[i].isn, s[j].isn); /* a collision is a 2^-32 event */
    /* 16384 ephemeral ports: all four equal by chance is a 2^-42 event. */
    assert_false(s[0].sport == s[1].sport && s[1].sport == s[2].sport && s[2].sport == s[3].sport);
}

static void test_deterministic_repeats(void **state)
{
    (void)state;
    synack_config c;
    base(&c);
    synack_config_deterministic(&c, 5);
    assert_null(c.entropy);
    assert_null(c.entropy_ctx);
    assert_int_equal(c.seed, 5);
    assert_int_equal(c.deterministic, 1);
    syn_seen a = first_syn(c), b = first_syn(c);
    assert_int_equal(a.isn, b.isn);
    assert_int_equal(a.sport, b.sport);
    synack_config_deterministic(&c, 6);
    syn_seen d = first_syn(c);
    assert_int_not_equal(a.isn, d.isn);
    synack_config_deterministic(NULL, 1); /* ignored, no crash */
}

static void test_entropy_null_needs_the_opt_in(void **state)
{
    (void)state;
    synack_config c;
    base(&c);
    c.entropy = NULL; /* what an old program, or a build without getrandom, has */
    const char *f = NULL;
    assert_int_equal(synack_config_check(&c, &f), -EINVAL);
    assert_string_equal(f, "entropy");
    synack_stack *st = (synack_stack *)&c; /* must be overwritten */
    f = NULL;
    assert_int_equal(synack_stack_create(&c, &st, &f), -EINVAL);
    assert_null(st);
    assert_string_equal(f, "entropy");
    assert_null(synack_stack_new(&c));
    c.seed = 99; /* a seed alone is not the opt-in */
    assert_null(synack_stack_new(&c));
    c.deterministic = 1;
    synack_stack *ok = synack_stack_new(&c);
    assert_non_null(ok);
    synack_stack_free(ok);
}

static int failing_entropy(void *ctx, void *buf, size_t len)
{
    (void)buf;
    (void)len;
    int *calls = ctx;
    (*calls)++;
    return -EIO;
}

static int contract_breaking_entropy(void *ctx, void *buf, size_t len)
{
    (void)ctx;
    (void)buf;
    (void)len;
    return 7; /* neither 0 nor a negative errno */
}

static void test_entropy_failure_is_reported(void **state)
{
    (void)state;
    synack_config c;
    base(&c);
    int calls = 0;
    c.entropy = failing_entropy;
    c.entropy_ctx = &calls;
    synack_stack *st = NULL;
    const char *f = NULL;
    assert_int_equal(synack_stack_create(&c, &st, &f), -EIO);
    assert_null(st);
    assert_string_equal(f, "entropy");
    assert_int_equal(calls, 1);
    c.entropy = contract_breaking_entropy;
    assert_int_equal(synack_stack_create(&c, &st, &f), -EIO);
    assert_null(st);
}

static void test_entropy_os(void **state)
{
    (void)state;
    if (!os_entropy_available()) {
        uint8_t b[4];
        assert_int_equal(synack_entropy_os(NULL, b, sizeof(b)), -ENOSYS);
        skip();
    }
    uint8_t a[32] = {0}, b[32] = {0};
    assert_int_equal(synack_entropy_os(NULL, a, sizeof(a)), 0);
    assert_int_equal(synack_entropy_os(NULL, b, sizeof(b)), 0);
    assert_memory_not_equal(a, b, sizeof(a));
    assert_int_equal(synack_entropy_os(NULL, NULL, 0), 0);
    assert_int_equal(synack_entropy_os(NULL, NULL, 1), -EFAULT);
    /* Beyond one getrandom call's guaranteed size (256 bytes): every byte is filled. */
    size_t big = 1u << 20;
    uint8_t *m = calloc(1, big);
    assert_non_null(m);
    assert_int_equal(synack_entropy_os(NULL, m, big), 0);
    size_t zero_tail = 0;
    while (zero_tail < big && m[big - 1 - zero_tail] == 0)
        zero_tail++;
    assert_true(zero_tail < 16);
    free(m);
}

static void test_null_config(void **state)
{
    (void)state;
    assert_null(synack_stack_new(NULL));
    const char *f = NULL;
    synack_stack *st = (synack_stack *)&f;
    assert_int_equal(synack_stack_create(NULL, &st, &f), -EINVAL);
    assert_null(st);
    assert_string_equal(f, "cfg");
    assert_int_equal(synack_config_check(NULL, NULL), -EINVAL);
    synack_config c;
    base(&c);
    synack_config_deterministic(&c, 1); /* runs without OS entropy too */
    f = "stale";
    assert_int_equal(synack_config_check(&c, &f), 0);
    assert_null(f);
    assert_int_equal(synack_stack_create(&c, NULL, &f), -EINVAL); /* nowhere to put it */
    assert_null(f);
}

static void *refuse_alloc(void *ctx, size_t size)
{
    (void)ctx;
    (void)size;
    return NULL;
}

static void never_free(void *ctx, void *p, size_t size)
{
    (void)ctx;
    (void)p;
    (void)size;
    fail_msg("nothing was allocated");
}

static void test_out_of_memory_is_not_a_bad_config(void **state)
{
    (void)state;
    static const synack_allocator none = {refuse_alloc, never_free, NULL};
    synack_config c;
    base(&c);
    synack_config_deterministic(&c, 1);
    c.allocator = &none;
    synack_stack *st = NULL;
    const char *f = "stale";
    assert_int_equal(synack_stack_create(&c, &st, &f), -ENOMEM);
    assert_null(st);
    assert_null(f);
}

/* ---- one bad field at a time ---- */

typedef struct bad_case {
    const char *field; /* the name the check must give */
    void (*mutate)(synack_config *c);
} bad_case;

static int out_ex(void *ctx, const uint8_t *frame, size_t len, const synack_tx_meta *m)
{
    (void)ctx;
    (void)frame;
    (void)len;
    (void)m;
    return 0;
}

static int out_iov(void *ctx, const synack_iov *iov, unsigned n, const synack_tx_meta *m)
{
    (void)ctx;
    (void)iov;
    (void)n;
    (void)m;
    return 0;
}

static void ethernet(synack_config *c)
{
    static const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 1};
    c->netif.type = SYNACK_LINK_ETHERNET;
    memcpy(c->netif.mac, mac, 6);
}

static const synack_allocator half_allocator = {refuse_alloc, NULL, NULL};

#define MUT(name, stmt)                                                                            \
    static void name(synack_config *c)                                                             \
    {                                                                                              \
        stmt;                                                                                      \
    }
MUT(type_zero, c->netif.type = (synack_link_type)0)
MUT(type_three, c->netif.type = (synack_link_type)3)
MUT(mac_zero, ethernet(c); memset(c->netif.mac, 0, 6))
MUT(mac_group, ethernet(c); c->netif.mac[0] = 0x01)
MUT(addr_zero, c->netif.addr = 0)
MUT(addr_this_net, c->netif.addr = 0x00000001u)
MUT(addr_multicast, c->netif.addr = 0xe0000001u)
MUT(addr_broadcast, c->netif.addr = 0xffffffffu)
MUT(prefix_33, c->netif.prefix_len = 33)
MUT(gw_self, c->netif.gateway = ADDR)
MUT(gw_offlink, c->netif.gateway = 0xc6120001u)
MUT(gw_multicast, c->netif.prefix_len = 0; c->netif.gateway = 0xe0000001u)
MUT(mtu_67, c->netif.mtu = 67)
MUT(mtu_65536, c->netif.mtu = 65536)
MUT(no_output, c->netif.output = NULL)
MUT(tso_without_ex, c->netif.tso_max = 65536)
MUT(csum_without_ex, c->netif.tx_csum = 1)
MUT(csum_two, c->netif.output_ex = out_ex; c->netif.tx_csum = 2)
MUT(iov_and_ex, c->netif.output_ex = out_ex; c->netif.output_iov = out_iov)
MUT(iov_csum_two, c->netif.output_iov = out_iov; c->netif.tx_csum = 2)
MUT(alloc_half, c->allocator = &half_allocator)
MUT(no_entropy, c->entropy = NULL; c->deterministic = 0)
MUT(det_two, synack_config_deterministic(c, 1); c->deterministic = 2)
MUT(socks_zero, c->max_sockets = 0)
MUT(socks_huge, c->max_sockets = (1u << 24) + 1)
MUT(conns_zero, c->max_conns = 0)
MUT(synq_zero, c->max_syn_backlog = 0)
MUT(accq_zero, c->max_accept_backlog = 0)
MUT(tw_zero, c->max_time_wait = 0)
MUT(bufbytes_small, c->max_buffer_bytes = 2047)
MUT(arp_zero, ethernet(c); c->arp_cache_size = 0)
MUT(sndbuf_small, c->sndbuf = 2047)
MUT(sndbuf_big, c->sndbuf = (64u << 20) + 1)
MUT(rcvbuf_small, c->rcvbuf = 1000)
MUT(rto_min_zero, c->rto_min_us = 0)
MUT(rto_max_below_min, c->rto_max_us = c->rto_min_us - 1)
MUT(rto_max_huge, c->rto_max_us = (1ull << 40) + 1)
MUT(rto_init_below, c->rto_initial_us = c->rto_min_us - 1)
MUT(rto_init_above, c->rto_initial_us = c->rto_max_us + 1)
MUT(msl_huge, c->msl_us = UINT64_MAX)
MUT(delack_long, c->delack_us = 500001)
MUT(fw2_zero, c->fin_wait2_us = 0)
MUT(keepidle_zero, c->keepidle_us = 0)
MUT(keepintvl_zero, c->keepintvl_us = 0)
MUT(keepcnt_zero, c->keepcnt = 0)
MUT(keepcnt_128, c->keepcnt = 128)
MUT(mss_87, c->mss = 87)
MUT(mss_65496, c->mss = 65496)
MUT(wscale_15, c->wscale = 15)
MUT(ts_two, c->timestamps = 2)
MUT(sack_two, c->sack = 2)
MUT(giveup_two, c->synack_giveup_rst = 2)
MUT(cookies_three, c->syncookies = 3)
MUT(abort_two, c->abort_on_overflow = 2)
MUT(linux_two, c->linux_profile = 2)
MUT(eph_zero, c->ephemeral_lo = 0)
MUT(eph_reversed, c->ephemeral_lo = 60000; c->ephemeral_hi = 50000)
MUT(iw_zero, c->initial_cwnd_segs = 0)
MUT(iw_huge, c->initial_cwnd_segs = 1025)
MUT(tlp_two, c->tail_loss_probe = 2)
MUT(rack_two, c->rack = 2)
MUT(pacing_two, c->pacing = 2)
MUT(ecn_three, c->ecn = 3)
MUT(quickack_start_two, c->quickack_start = 2)
MUT(quickack_fin_two, c->quickack_fin = 2)
MUT(ack_unsent_drop_two, c->ack_unsent_drop = 2)
MUT(paws_disordered_ack_two, c->paws_disordered_ack = 2)
MUT(nagle_minshall_two, c->nagle_minshall = 2)
MUT(psh_burst_end_two, c->psh_burst_end = 2)
MUT(window_update_double_two, c->window_update_double = 2)
MUT(window_update_delack_two, c->window_update_delack = 2)
MUT(ack_every_segs_one, c->ack_every_segs = 1)
MUT(ack_every_segs_huge, c->ack_every_segs = 17)
MUT(send_waits_open_two, c->send_waits_open = 2)
MUT(rst_reply_orphan_two, c->rst_reply_orphan = 2)
MUT(rto_var_floor_two, c->rto_var_floor = 2)
MUT(ss_stretch_ack_two, c->ss_stretch_ack = 2)
MUT(cwnd_limited_growth_two, c->cwnd_limited_growth = 2)
MUT(hystart_linux_two, c->hystart_linux = 2)
MUT(fastopen_client_server_bit, c->fastopen_client = 0x2)
MUT(fastopen_cache_huge, c->fastopen_cache_max = 4097)
MUT(simopen_dsack_two, c->simopen_dsack = 2)
MUT(write_pending_delack_two, c->write_pending_delack = 2)
MUT(synsent_paws_two, c->synsent_paws = 2)
MUT(rack_reo_linux_two, c->rack_reo_linux = 2)
MUT(reorder_sack_growth_two, c->reorder_sack_growth = 2)
static void addr6(synack_config *c)
{
    static const uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
    memcpy(c->netif.addr6, a, 16);
}
MUT(addr6_multicast, addr6(c); c->netif.addr6[0] = 0xff)
MUT(addr6_loopback, memset(c->netif.addr6, 0, 16); c->netif.addr6[15] = 1)
MUT(addr6_mapped, memset(c->netif.addr6, 0, 16); c->netif.addr6[10] = c->netif.addr6[11] = 0xff;
    c->netif.addr6[12] = 192)
MUT(prefix6_without_addr6, c->netif.prefix6_len = 64)
MUT(prefix6_129, addr6(c); c->netif.prefix6_len = 129)
MUT(gw6_self, addr6(c); memcpy(c->netif.gateway6, c->netif.addr6, 16))
MUT(mtu6_1279, addr6(c); c->netif.mtu = 1279)
MUT(psh_skb_model_two, c->psh_skb_model = 2)
MUT(tso_min_segs_zero, c->tso_min_segs = 0)
MUT(cwnd_restart_three, c->cwnd_restart = 3)
MUT(persist_bare_ack_two, c->persist_bare_ack = 2)
MUT(mtu_probe6_linux_two, c->mtu_probe6_linux = 2)
MUT(cc_unknown, memset(c->cc, 0, sizeof(c->cc)); memcpy(c->cc, "vegas", 5))
MUT(cc_unterminated, memset(c->cc, 'b', sizeof(c->cc)))

static const bad_case bad_cases[] = {
    {"netif.type", type_zero},
    {"netif.type", type_three},
    {"netif.mac", mac_zero},
    {"netif.mac", mac_group},
    {"netif.addr", addr_zero},
    {"netif.addr", addr_this_net},
    {"netif.addr", addr_multicast},
    {"netif.addr", addr_broadcast},
    {"netif.prefix_len", prefix_33},
    {"netif.gateway", gw_self},
    {"netif.gateway", gw_offlink},
    {"netif.gateway", gw_multicast},
    {"netif.mtu", mtu_67},
    {"netif.mtu", mtu_65536},
    {"netif.output", no_output},
    {"netif.tso_max", tso_without_ex},
    {"netif.tx_csum", csum_without_ex},
    {"netif.tx_csum", csum_two},
    {"netif.output_iov", iov_and_ex},
    {"netif.tx_csum", iov_csum_two},
    {"allocator", alloc_half},
    {"entropy", no_entropy},
    {"deterministic", det_two},
    {"max_sockets", socks_zero},
    {"max_sockets", socks_huge},
    {"max_conns", conns_zero},
    {"max_syn_backlog", synq_zero},
    {"max_accept_backlog", accq_zero},
    {"max_time_wait", tw_zero},
    {"max_buffer_bytes", bufbytes_small},
    {"arp_cache_size", arp_zero},
    {"sndbuf", sndbuf_small},
    {"sndbuf", sndbuf_big},
    {"rcvbuf", rcvbuf_small},
    {"rto_min_us", rto_min_zero},
    {"rto_max_us", rto_max_below_min},
    {"rto_max_us", rto_max_huge},
    {"rto_initial_us", rto_init_below},
    {"rto_initial_us", rto_init_above},
    {"msl_us", msl_huge},
    {"delack_us", delack_long},
    {"fin_wait2_us", fw2_zero},
    {"keepidle_us", keepidle_zero},
    {"keepintvl_us", keepintvl_zero},
    {"keepcnt", keepcnt_zero},
    {"keepcnt", keepcnt_128},
    {"mss", mss_87},
    {"mss", mss_65496},
    {"wscale", wscale_15},
    {"timestamps", ts_two},
    {"sack", sack_two},
    {"synack_giveup_rst", giveup_two},
    {"syncookies", cookies_three},
    {"abort_on_overflow", abort_two},
    {"linux_profile", linux_two},
    {"ephemeral_lo", eph_zero},
    {"ephemeral_lo", eph_reversed},
    {"initial_cwnd_segs", iw_zero},
    {"initial_cwnd_segs", iw_huge},
    {"tail_loss_probe", tlp_two},
    {"rack", rack_two},
    {"pacing", pacing_two},
    {"ecn", ecn_three},
    {"quickack_start", quickack_start_two},
    {"quickack_fin", quickack_fin_two},
    {"ack_unsent_drop", ack_unsent_drop_two},
    {"paws_disordered_ack", paws_disordered_ack_two},
    {"nagle_minshall", nagle_minshall_two},
    {"psh_burst_end", psh_burst_end_two},
    {"window_update_double", window_update_double_two},
    {"window_update_delack", window_update_delack_two},
    {"ack_every_segs", ack_every_segs_one},
    {"ack_every_segs", ack_every_segs_huge},
    {"send_waits_open", send_waits_open_two},
    {"rst_reply_orphan", rst_reply_orphan_two},
    {"rto_var_floor", rto_var_floor_two},
    {"ss_stretch_ack", ss_stretch_ack_two},
    {"cwnd_limited_growth", cwnd_limited_growth_two},
    {"hystart_linux", hystart_linux_two},
    {"fastopen_client", fastopen_client_server_bit},
    {"fastopen_cache_max", fastopen_cache_huge},
    {"simopen_dsack", simopen_dsack_two},
    {"write_pending_delack", write_pending_delack_two},
    {"synsent_paws", synsent_paws_two},
    {"rack_reo_linux", rack_reo_linux_two},
    {"reorder_sack_growth", reorder_sack_growth_two},
    {"psh_skb_model", psh_skb_model_two},
    {"tso_min_segs", tso_min_segs_zero},
    {"cwnd_restart", cwnd_restart_three},
    {"persist_bare_ack", persist_bare_ack_two},
    {"mtu_probe6_linux", mtu_probe6_linux_two},
    {"cc", cc_unknown},
    {"cc", cc_unterminated},
    {"netif.addr6", addr6_multicast},
    {"netif.addr6", addr6_loopback},
    {"netif.addr6", addr6_mapped},
    {"netif.addr6", prefix6_without_addr6},
    {"netif.prefix6_len", prefix6_129},
    {"netif.gateway6", gw6_self},
    {"netif.mtu", mtu6_1279},
};

static void test_each_bad_field_is_named(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        synack_config c;
        base(&c);
        synack_config_deterministic(&c, 1); /* runs without OS entropy too */
        bad_cases[i].mutate(&c);
        const char *f = NULL;
        int rc = synack_config_check(&c, &f);
        if (rc != -EINVAL || !f || strcmp(f, bad_cases[i].field) != 0)
            fail_msg("case %zu (%s): check gave %d \"%s\"", i, bad_cases[i].field, rc,
                     f ? f : "(null)");
        synack_stack *st = (synack_stack *)&c;
        f = NULL;
        assert_int_equal(synack_stack_create(&c, &st, &f), -EINVAL);
        assert_null(st);
        assert_string_equal(f, bad_cases[i].field);
        assert_null(synack_stack_new(&c));
    }
}

/* The edges of every range are accepted, so the checks refuse only what cannot work. */
MUT(ok_mtu_68, c->netif.mtu = 68)
MUT(ok_mtu_65535, c->netif.mtu = 65535)
MUT(ok_prefix_0, c->netif.prefix_len = 0)
MUT(ok_prefix_32, c->netif.prefix_len = 32)
MUT(ok_gateway, c->netif.gateway = 0xc00002feu)
MUT(ok_ethernet, ethernet(c))
MUT(ok_arp_zero_on_ip, c->arp_cache_size = 0)
MUT(ok_output_ex_only, c->netif.output = NULL; c->netif.output_ex = out_ex;
    c->netif.tso_max = 65536; c->netif.tx_csum = 1)
MUT(ok_output_iov_only, c->netif.output = NULL; c->netif.output_iov = out_iov;
    c->netif.tso_max = 65536; c->netif.tx_csum = 1)
MUT(ok_msl_zero, c->msl_us = 0)
MUT(ok_delack_zero, c->delack_us = 0)
MUT(ok_mss_edges, c->mss = 88)
MUT(ok_mss_top, c->mss = 65495)
MUT(ok_wscale_off, c->wscale = 255)
MUT(ok_wscale_14, c->wscale = 14)
MUT(ok_cc_empty, memset(c->cc, 0, sizeof(c->cc)))
MUT(ok_cc_bbr, memset(c->cc, 0, sizeof(c->cc)); memcpy(c->cc, "bbr", 3))
MUT(ok_one_port, c->ephemeral_lo = c->ephemeral_hi = 40000)
MUT(ok_bufs, c->sndbuf = 2048; c->rcvbuf = 64u << 20; c->max_buffer_bytes = 2048)
MUT(ok_rto_equal, c->rto_min_us = c->rto_initial_us = c->rto_max_us = 1000)
MUT(ok_keepcnt_127, c->keepcnt = 127)
MUT(ok_iw_1024, c->initial_cwnd_segs = 1024)

static void test_range_edges_are_accepted(void **state)
{
    (void)state;
    void (*ok[])(synack_config *) = {
        ok_mtu_68,    ok_mtu_65535,       ok_prefix_0,       ok_prefix_32, ok_gateway,
        ok_ethernet,  ok_arp_zero_on_ip,  ok_output_ex_only, ok_msl_zero,  ok_delack_zero,
        ok_mss_edges, ok_mss_top,         ok_wscale_off,     ok_wscale_14, ok_cc_empty,
        ok_cc_bbr,    ok_one_port,        ok_bufs,           ok_rto_equal, ok_keepcnt_127,
        ok_iw_1024,   ok_output_iov_only,
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        synack_config c;
        base(&c);
        synack_config_deterministic(&c, 1);
        ok[i](&c);
        const char *f = NULL;
        int rc = synack_config_check(&c, &f);
        if (rc != 0)
            fail_msg("edge case %zu refused: %d \"%s\"", i, rc, f ? f : "(null)");
        synack_stack *st = NULL;
        assert_int_equal(synack_stack_create(&c, &st, &f), 0);
        assert_non_null(st);
        assert_null(f);
        synack_stack_free(st);
    }
}

/* IPv6's edges: the minimum MTU, a /128, a link-local next hop. */
static void test_ipv6_edges_are_accepted(void **state)
{
    (void)state;
    synack_config c;
    base(&c);
    synack_config_deterministic(&c, 1);
    addr6(&c);
    c.netif.mtu = 1280;
    c.netif.prefix6_len = 128;
    c.netif.gateway6[0] = 0xfe;
    c.netif.gateway6[1] = 0x80;
    c.netif.gateway6[15] = 1;
    const char *f = NULL;
    assert_int_equal(synack_config_check(&c, &f), 0);
    synack_stack *st = synack_stack_new(&c);
    assert_non_null(st);
    synack_stack_free(st);
}

/* The simulated network passes the refusal on instead of calling it out-of-memory. */
static void test_simnet_reports_a_bad_config(void **state)
{
    (void)state;
    synack_simnet *n = synack_simnet_new(NULL, 1, 64);
    assert_non_null(n);
    synack_config c;
    base(&c);
    c.entropy = NULL;
    assert_int_equal(synack_simnet_add_host(n, &c), -EINVAL);
    synack_config_deterministic(&c, 3);
    assert_int_equal(synack_simnet_add_host(n, &c), 0);
    synack_simnet_free(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_draws_from_the_os),
        cmocka_unit_test(test_deterministic_repeats),
        cmocka_unit_test(test_entropy_null_needs_the_opt_in),
        cmocka_unit_test(test_entropy_failure_is_reported),
        cmocka_unit_test(test_entropy_os),
        cmocka_unit_test(test_null_config),
        cmocka_unit_test(test_out_of_memory_is_not_a_bad_config),
        cmocka_unit_test(test_each_bad_field_is_named),
        cmocka_unit_test(test_range_edges_are_accepted),
        cmocka_unit_test(test_simnet_reports_a_bad_config),
        cmocka_unit_test(test_ipv6_edges_are_accepted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
