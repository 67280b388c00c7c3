/* SPDX-License-Identifier: MIT */
/* Configuration validation and the deterministic opt-in: a config either makes a stack
 * that behaves as documented or is refused with the name of the first bad field, so that
 * a typo never turns into a silently different (or predictable) stack. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "stack/config.h"
#include "stack/stack_impl.h"
#include "tcp/tcp.h"
#include "wire/tcp_wire.h"

/* Every duration stays below this (about 12.7 days), so adding one to any plausible `now`
 * cannot wrap the 64-bit clock. */
#define CFG_MAX_US (1ull << 40)
/* The range SO_SNDBUF/SO_RCVBUF clamp to; a config outside it is a mistake, not a wish. */
#define CFG_MIN_BUF 2048u
#define CFG_MAX_ACK_EVERY 16u
#define CFG_MAX_BUF (64u << 20)
/* TCP_MAXSEG's range (Linux's: 88 is its TCP_MIN_MSS, 65495 fills a 65535-byte packet). */
#define CFG_MIN_MSS 88u
#define CFG_MAX_MSS 65495u
/* RFC 7323 2.3 caps the shift at 14; 255 is the documented "off". */
#define CFG_WSCALE_OFF 255u
/* Large enough for any lab, small enough that segments x MSS fits 32 bits many times. */
#define CFG_MAX_INITIAL_CWND 1024u
/* TCP_KEEPCNT's range on Linux. */
#define CFG_MAX_KEEPCNT 127u
/* Fast Open cache entries: a linear search per active open stays cheap. */
#define CFG_MAX_TFO_CACHE 4096u
/* Reassembly slots and path-MTU entries are searched linearly per fragment / per report. */
#define CFG_MAX_REASM_DATAGRAMS 4096u
#define CFG_MAX_REASM_BYTES (64u << 20)
#define CFG_MAX_PMTU_CACHE 4096u
#define CFG_MAX_ROUTES 1024u

void synack_config_deterministic(synack_config *cfg, uint64_t seed)
{
    if (!cfg)
        return;
    cfg->entropy = NULL;
    cfg->entropy_ctx = NULL;
    cfg->seed = seed;
    cfg->deterministic = 1;
}

/* A unicast address a host may own: not 0.0.0.0/8 (RFC 1122 3.2.1.3: "this network",
 * a source only at boot), not multicast, reserved or broadcast (224.0.0.0 and up). */
static int unicast(uint32_t a)
{
    return (a >> 24) != 0 && a < 0xe0000000u;
}

static int on_link(const synack_netif *n, uint32_t a)
{
    uint32_t mask = n->prefix_len == 0 ? 0 : ~0u << (32 - n->prefix_len);
    return (a & mask) == (n->addr & mask);
}

/* IPv6 is optional (addr6 all zero: none). The address must be one a host may own
 * (RFC 4291 2.5: not unspecified, loopback, multicast or IPv4-mapped), and the link must
 * carry IPv6's minimum MTU (RFC 8200 5). On Ethernet, Neighbor Discovery (nd.c) resolves
 * next hops. */
static const char *check_netif6(const synack_netif *n)
{
    static const uint8_t zero[16];
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(n->addr6, zero, 16) == 0)
        return n->prefix6_len || memcmp(n->gateway6, zero, 16) != 0 ? "netif.addr6" : NULL;
    if (n->addr6[0] == 0xff || memcmp(n->addr6, mapped, 12) == 0 ||
        (memcmp(n->addr6, zero, 15) == 0 && n->addr6[15] == 1))
        return "netif.addr6";
    if (n->prefix6_len > 128)
        return "netif.prefix6_len";
    if (memcmp(n->gateway6, zero, 16) != 0 &&
        (n->gateway6[0] == 0xff || memcmp(n->gateway6, n->addr6, 16) == 0))
        return "netif.gateway6";
    if (n->mtu < 1280)
        return "netif.mtu";
    return NULL;
}

/* An IPv6-only netif (addr 0) needs an IPv6 address to speak with: a static one, on
 * Ethernet one SLAAC will form, or (cfg.ipv6) ones the program adds. With no IPv4
 * address there is no IPv4 next hop either. */
static const char *check_no_addr(const synack_netif *n, uint8_t slaac, uint8_t ipv6)
{
    static const uint8_t zero[16];
    if (memcmp(n->addr6, zero, 16) == 0 && !(slaac && n->type == SYNACK_LINK_ETHERNET) && !ipv6)
        return "netif.addr";
    return n->gateway ? "netif.gateway" : NULL;
}

static const char *check_netif(const synack_netif *n, uint8_t slaac, uint8_t ipv6)
{
    if (n->type != SYNACK_LINK_ETHERNET && n->type != SYNACK_LINK_IP)
        return "netif.type";
    if (n->type == SYNACK_LINK_ETHERNET) {
        static const uint8_t zero[6];
        /* The group bit marks a multicast MAC, which no interface may own (IEEE 802). */
        if (memcmp(n->mac, zero, 6) == 0 || (n->mac[0] & 1))
            return "netif.mac";
    }
    const char *v4 = n->addr == 0 ? check_no_addr(n, slaac, ipv6) : NULL;
    if (v4)
        return v4;
    if (n->addr != 0 && !unicast(n->addr))
        return "netif.addr";
    if (n->prefix_len > 32)
        return "netif.prefix_len";
    /* A next hop must be a neighbour (RFC 1122 3.3.1.1), and not ourselves. */
    if (n->gateway && (!unicast(n->gateway) || n->gateway == n->addr || !on_link(n, n->gateway)))
        return "netif.gateway";
    if (n->mtu < 68 || n->mtu > 65535) /* RFC 791: every host takes 68; 16-bit total length */
        return "netif.mtu";
    if (!n->output && !n->output_ex && !n->output_iov)
        return "netif.output";
    /* Two callbacks with metadata: which one a frame takes would be a guess. */
    if (n->output_iov && n->output_ex)
        return "netif.output_iov";
    const char *v6 = check_netif6(n);
    if (v6)
        return v6;
    /* The offloads travel in the metadata only output_ex and output_iov receive. */
    int meta = n->output_ex || n->output_iov;
    if (n->tso_max && !meta)
        return "netif.tso_max";
    if (n->tx_csum > 1 || (n->tx_csum && !meta))
        return "netif.tx_csum";
    return NULL;
}

static const char *check_limits(const synack_config *c)
{
    if (c->max_sockets == 0 || c->max_sockets > (1u << 24))
        return "max_sockets";
    if (c->max_conns == 0)
        return "max_conns";
    if (c->max_syn_backlog == 0)
        return "max_syn_backlog";
    if (c->max_accept_backlog == 0)
        return "max_accept_backlog";
    if (c->max_time_wait == 0)
        return "max_time_wait";
    if (c->max_buffer_bytes < CFG_MIN_BUF)
        return "max_buffer_bytes";
    if (c->netif.type == SYNACK_LINK_ETHERNET && c->arp_cache_size == 0)
        return "arp_cache_size";
    if (c->sndbuf < CFG_MIN_BUF || c->sndbuf > CFG_MAX_BUF)
        return "sndbuf";
    if (c->rcvbuf < CFG_MIN_BUF || c->rcvbuf > CFG_MAX_BUF)
        return "rcvbuf";
    return NULL;
}

static const char *check_timers(const synack_config *c)
{
    if (c->rto_min_us == 0 || c->rto_min_us > CFG_MAX_US)
        return "rto_min_us";
    if (c->rto_max_us < c->rto_min_us || c->rto_max_us > CFG_MAX_US)
        return "rto_max_us";
    if (c->rto_initial_us < c->rto_min_us || c->rto_initial_us > c->rto_max_us)
        return "rto_initial_us";
    if (c->msl_us > CFG_MAX_US) /* 0 is allowed: no TIME-WAIT hold (simulations use it) */
        return "msl_us";
    if (c->delack_us > 500000) /* RFC 1122 4.2.3.2: less than 0.5 s */
        return "delack_us";
    if (c->fin_wait2_us == 0 || c->fin_wait2_us > CFG_MAX_US)
        return "fin_wait2_us";
    if (c->keepidle_us == 0 || c->keepidle_us > CFG_MAX_US)
        return "keepidle_us";
    if (c->keepintvl_us == 0 || c->keepintvl_us > CFG_MAX_US)
        return "keepintvl_us";
    if (c->keepcnt == 0 || c->keepcnt > CFG_MAX_KEEPCNT)
        return "keepcnt";
    return NULL;
}

static const char *check_behaviour(const synack_config *c)
{
    if (c->mss != 0 && (c->mss < CFG_MIN_MSS || c->mss > CFG_MAX_MSS))
        return "mss";
    if (c->wscale > TCP_MAX_WSCALE && c->wscale != CFG_WSCALE_OFF)
        return "wscale";
    if (c->timestamps > 1)
        return "timestamps";
    if (c->sack > 1)
        return "sack";
    if (c->synack_giveup_rst > 1)
        return "synack_giveup_rst";
    if (c->syncookies > 2)
        return "syncookies";
    if (c->abort_on_overflow > 1)
        return "abort_on_overflow";
    if (c->linux_profile > 1)
        return "linux_profile";
    if (c->quickack_start > 1)
        return "quickack_start";
    if (c->quickack_fin > 1)
        return "quickack_fin";
    if (c->ack_unsent_drop > 1)
        return "ack_unsent_drop";
    if (c->paws_disordered_ack > 1)
        return "paws_disordered_ack";
    if (c->nagle_minshall > 1)
        return "nagle_minshall";
    if (c->psh_burst_end > 1)
        return "psh_burst_end";
    if (c->window_update_double > 1)
        return "window_update_double";
    if (c->window_update_delack > 1)
        return "window_update_delack";
    if (c->ack_every_segs < 2 || c->ack_every_segs > CFG_MAX_ACK_EVERY)
        return "ack_every_segs";
    if (c->send_waits_open > 1)
        return "send_waits_open";
    if (c->fastopen_server &
        ~(uint32_t)(SYNACK_TFO_SERVER_ENABLE | SYNACK_TFO_SERVER_COOKIE_NOT_REQD |
                    SYNACK_TFO_SERVER_WO_SOCKOPT))
        return "fastopen_server";
    if (c->reset_keeps_data > 1)
        return "reset_keeps_data";
    if (c->reset_child_stays > 1)
        return "reset_child_stays";
    if (c->rst_reply_orphan > 1)
        return "rst_reply_orphan";
    if (c->rto_var_floor > 1)
        return "rto_var_floor";
    if (c->ss_stretch_ack > 1)
        return "ss_stretch_ack";
    if (c->cwnd_limited_growth > 1)
        return "cwnd_limited_growth";
    if (c->hystart_linux > 1)
        return "hystart_linux";
    if (c->notsent_lowat == 0) /* nothing could ever be written */
        return "notsent_lowat";
    if (c->fastopen_client & ~(SYNACK_TFO_CLIENT_ENABLE | SYNACK_TFO_CLIENT_NO_COOKIE))
        return "fastopen_client";
    if (c->fastopen_cache_max > CFG_MAX_TFO_CACHE)
        return "fastopen_cache_max";
    if (c->simopen_dsack > 1)
        return "simopen_dsack";
    if (c->write_pending_delack > 1)
        return "write_pending_delack";
    if (c->synsent_paws > 1)
        return "synsent_paws";
    if (c->rack_reo_linux > 1)
        return "rack_reo_linux";
    if (c->reorder_sack_growth > 1)
        return "reorder_sack_growth";
    if (c->psh_skb_model > 1)
        return "psh_skb_model";
    if (c->tso_min_segs == 0)
        return "tso_min_segs";
    if (c->cwnd_restart > 2)
        return "cwnd_restart";
    if (c->persist_bare_ack > 1)
        return "persist_bare_ack";
    if (c->dad_transmits > 10)
        return "dad_transmits";
    if (c->mld_reports > 10)
        return "mld_reports";
    if (c->addr6_max > ADDR6X_MAX)
        return "addr6_max";
    if (c->slaac > 1)
        return "slaac";
    if (c->router_solicits > 10 && c->router_solicits != SYNACK_RTR_SOLICITS_AUTO)
        return "router_solicits";
    if (c->dad_delay > 1)
        return "dad_delay";
    if (c->dad_nonce > 1)
        return "dad_nonce";
    if (c->mtu_probe6_linux > 1)
        return "mtu_probe6_linux";
    if (c->ipv6 > 1)
        return "ipv6";
    if (c->reasm_max_datagrams > CFG_MAX_REASM_DATAGRAMS)
        return "reasm_max_datagrams";
    if (c->reasm_max_bytes == 0 || c->reasm_max_bytes > CFG_MAX_REASM_BYTES)
        return "reasm_max_bytes";
    /* 65535 bytes of 8-byte fragments: more can never be needed. */
    if (c->reasm_max_frags == 0 || c->reasm_max_frags > 8192)
        return "reasm_max_frags";
    if (c->reasm_timeout_us < 1000 || c->reasm_timeout_us > 3600ull * 1000000)
        return "reasm_timeout_us";
    if (c->pmtu_cache_size > CFG_MAX_PMTU_CACHE)
        return "pmtu_cache_size";
    if (c->pmtu_expire_us < 1000000 || c->pmtu_expire_us > 86400ull * 1000000)
        return "pmtu_expire_us";
    if (c->route_table_size > CFG_MAX_ROUTES)
        return "route_table_size";
    if (c->mtu_probing > 2)
        return "mtu_probing";
    if (c->base_mss < 48 || c->base_mss > 65495)
        return "base_mss";
    if (c->probe_threshold > 65535)
        return "probe_threshold";
    if (c->probe_interval_us < 1000000 || c->probe_interval_us > 86400ull * 1000000)
        return "probe_interval_us";
    if (c->ephemeral_lo == 0 || c->ephemeral_lo > c->ephemeral_hi)
        return "ephemeral_lo";
    if (c->initial_cwnd_segs == 0 || c->initial_cwnd_segs > CFG_MAX_INITIAL_CWND)
        return "initial_cwnd_segs";
    if (c->tail_loss_probe > 1)
        return "tail_loss_probe";
    if (c->rack > 1)
        return "rack";
    if (c->pacing > 1)
        return "pacing";
    if (c->ecn > 2)
        return "ecn";
    /* The name must be terminated inside the array and known; "" means the default. */
    if (memchr(c->cc, '\0', sizeof(c->cc)) == NULL || (c->cc[0] && !tcp_cc_find(c->cc)))
        return "cc";
    return NULL;
}

void config_import(synack_config *out, const void *in, size_t n)
{
    synack_config_init(out);
    memcpy(out, in, n < sizeof(*out) ? n : sizeof(*out));
    out->size = sizeof(*out);
}

static const char *first_bad_imported(const synack_config *cfg)
{
    const char *bad = check_netif(&cfg->netif, cfg->slaac, cfg->ipv6);
    if (bad)
        return bad;
    if (cfg->allocator && (!cfg->allocator->alloc || !cfg->allocator->free))
        return "allocator";
    /* A build without the C library's heap has no default to fall back on. */
    if (!cfg->allocator && !synack_allocator_libc())
        return "allocator";
    /* Never silently predictable: no source is an error unless determinism was chosen. */
    if (!cfg->entropy && !cfg->deterministic)
        return "entropy";
    if (cfg->deterministic > 1)
        return "deterministic";
    if ((bad = check_limits(cfg)) != NULL || (bad = check_timers(cfg)) != NULL)
        return bad;
    return check_behaviour(cfg);
}

static const char *first_bad(const synack_config *cfg)
{
    if (!cfg)
        return "cfg";
    /* 0 is a config that never went through synack_config_init/_default; smaller than the
     * first versioned layout is garbage; larger is a program built against a newer
     * synack.h than this library, whose extra settings would be silently ignored. */
    if (cfg->size < CONFIG_SIZE_MIN || cfg->size > sizeof(synack_config))
        return "size";
    synack_config c;
    config_import(&c, cfg, cfg->size);
    return first_bad_imported(&c);
}

int synack_config_check(const synack_config *cfg, const char **field)
{
    const char *bad = first_bad(cfg);
    if (field)
        *field = bad;
    return bad ? -EINVAL : 0;
}

void config_apply_profile(synack_config *c)
{
    if (!c->linux_profile)
        return;
    c->quickack_start = 1;
    c->quickack_fin = 1;
    c->ack_unsent_drop = 1;
    c->paws_disordered_ack = 1;
    c->nagle_minshall = 1;
    c->psh_burst_end = 1;
    c->window_update_double = 1;
    c->send_waits_open = 1;
    c->rst_reply_orphan = 1;
    c->rto_var_floor = 1;
    c->ss_stretch_ack = 1;
    c->cwnd_limited_growth = 1;
    c->hystart_linux = 1;
    c->reset_keeps_data = 1;
    c->simopen_dsack = 1;
    c->reset_child_stays = 1;
    c->write_pending_delack = 1;
    c->synsent_paws = 1;
    c->rack_reo_linux = 1;
    c->reorder_sack_growth = 1;
    c->psh_skb_model = 1;
    c->persist_bare_ack = 1;
    c->mtu_probe6_linux = 1;
    if (c->cwnd_restart == 1) /* 0 stays: tcp_slow_start_after_idle=0 */
        c->cwnd_restart = 2;
}
