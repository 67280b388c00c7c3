/* SPDX-License-Identifier: MIT */
/* The stack instance: everything a stack owns hangs off struct synack_stack. */
#ifndef SYNACK_STACK_IMPL_H
#define SYNACK_STACK_IMPL_H

#include <stdint.h>

#include "stack/arp_cache.h"
#include "stack/nd_cache.h"
#include "tcp/conn_table.h"
#include "tcp/fastopen_cache.h"
#include "stack/lifetime.h"
#include "util/timer_wheel.h"
#include "synack/route.h"
#include "synack/synack.h"
#include "tcp/tcb.h"
#include "util/rng.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"

/* What a socket id refers to. */
typedef struct synack_sock {
    uint8_t in_use;        /* the id is allocated */
    uint8_t bound;         /* laddr/lport are set */
    uint8_t reuseaddr;     /* SO_REUSEADDR */
    uint8_t shut_rd;       /* shutdown(SHUT_RD) */
    uint8_t was_connected; /* had a connection that is gone: reads return EOF */
    uint8_t explicit_bind; /* bind()/listen() chose the port (connect() binds implicitly) */
    uint8_t freebind;      /* IP_FREEBIND: bind() takes an address that is not ours */
    uint8_t fo_connect;    /* TCP_FASTOPEN_CONNECT */
    uint8_t fo_no_cookie;  /* TCP_FASTOPEN_NO_COOKIE */
    uint8_t gone_options;  /* TCP_INFO options of the connection it had (Linux keeps them,
                              SYN data acknowledged included, after a reset) */
    uint32_t laddr;        /* bound address (host order), 0 = any */
    uint16_t lport;        /* bound port, 0 = none yet */
    int error;             /* SO_ERROR left by a connection that died */
    tcp_knobs knobs;       /* the TCP options set on the socket; its connection reads
                              them in place, its listener keeps a copy */
    uint32_t recv_lent;    /* 1 + bytes the last recv_borrow lent; 0: no loan */
    recvbuf *left;         /* data received before the connection was reset, read before
                              the error (cfg.reset_keeps_data); NULL: none */
    tcp_conn *conn;        /* the connection, or NULL */
    tcp_listener *lst;     /* the listener, or NULL */
    int next_free;         /* free-list link when !in_use */

    /* --- readiness (ready.c): synack_sock_watch's interest and the ready list --- */
    short watch;                /* events watched; 0: not watched, never queued */
    uint8_t queued;             /* on the stack's ready list (at most once) */
    uint8_t nospace;            /* a send found the buffer full: space opening raises POLLOUT */
    int ready_prev, ready_next; /* ready-list links (socket ids, -1 at the ends) */
    void *watch_user;           /* synack_sock_watch's user pointer */

    /* --- the error queue (errqueue.c): allocated when SO_ZEROCOPY or SO_TIMESTAMPING is
     * first set, so a socket without them pays one pointer --- */
    struct sock_errq *errq; /* records and pending sends, or NULL */
    uint32_t tsflags;       /* SO_TIMESTAMPING */
    uint8_t zerocopy;       /* SO_ZEROCOPY */
    tcp_chrono chrono;      /* its connection's TCP_INFO busy/limited times (tcp/chrono.c) */
    uint32_t delivered;     /* its connection's TCP_INFO delivered (tcp/ack.c): here, as the
                               idle TCB has no room and only a socket is asked */
    uint32_t gone_probes;   /* TCP_INFO probes its connection ended with (tcp/ldrop.c), kept
                               as Linux keeps icsk_probes_out after a probe timeout */

    uint8_t catch_all; /* SYNACK_TCP_CATCH_ALL, applied to the listener by listen() */
    /* AF_INET6 (sock_inet6.c), in what was padding: the socket array does not grow */
    uint8_t v6;       /* an AF_INET6 socket: its addresses are struct sockaddr_in6 */
    uint8_t v6only;   /* IPV6_V6ONLY */
    uint8_t bound6;   /* bound to one of the netif's IPv6 addresses (laddr6); an AF_INET6
                         socket bound to ::ffff:a.b.c.d has it in laddr, to :: neither */
    uint32_t hold_ms; /* SYNACK_TCP_HOLD_SYN, likewise */

    struct udp_sock *udp; /* a SOCK_DGRAM socket's state (src/udp/), NULL for TCP */

    uint8_t laddr6[16]; /* bound6: which of our IPv6 addresses (there may be several) */
} synack_sock;

/* An address a socket call names, either family (sock_inet6.c). */
typedef struct sock_addr {
    uint8_t v6;     /* native IPv6: a6; else IPv4: v4 (a sockaddr_in, or ::ffff:a.b.c.d) */
    uint8_t mapped; /* IPv4 given as ::ffff:a.b.c.d to an AF_INET6 socket */
    uint32_t v4;    /* host order */
    uint8_t a6[16]; /* network order */
    uint16_t port;  /* host order */
} sock_addr;
/* The address in addr/len for socket so: a sockaddr_in for AF_INET (-EINVAL if shorter,
 * -EAFNOSUPPORT for another family), a sockaddr_in6 for AF_INET6 (-EINVAL if shorter than
 * its 24-byte RFC 2133 form, -EAFNOSUPPORT for another family). 0 with *out set. */
/* a6 is netif.addr6 or an added address, in use: what an AF_INET6 socket may bind. */
int sock_ours6(const synack_stack *st, const uint8_t a6[16]);
int sock_addr_from(const synack_sock *so, const struct sockaddr *addr, synack_socklen_t len,
                   sock_addr *out);
/* Writes a in so's family (IPv4 as ::ffff:a.b.c.d on AF_INET6), truncated to *len, and
 * sets *len to its full size. Nothing when addr or len is NULL. Returns 0. */
int sock_addr_to(const synack_sock *so, struct sockaddr *addr, synack_socklen_t *len,
                 const sock_addr *a);
/* The local or remote side of a connection's endpoints. */
void sock_addr_of(const synack_endpoints *ep, int remote, sock_addr *out);

/* One destination's ICMPv6 error bucket (RFC 4443 2.4(f), Linux's inet_peer rate_tokens):
 * microseconds of credit, each error spending one interval. */
#define ICMP6_HOSTS 16
struct icmp6_host {
    uint8_t addr[16];
    uint64_t last;   /* when credit was last added; 0: a free slot */
    uint64_t tokens; /* credit, in microseconds */
};
/* A default router and an on-link prefix from Router Advertisements (router.c). */
#define RA_MAX_ROUTERS 4
#define RA_MAX_PREFIXES 4
typedef struct ra_router {
    uint8_t addr[16];
    uint64_t expires; /* not a router from then on (0: free slot) */
} ra_router;
typedef struct ra_prefix {
    uint8_t prefix[16];
    uint8_t len;
    uint64_t expires;
} ra_prefix;

/* Connections a batch defers output for; beyond them output goes at once, so the list is
 * bounded whatever the peers send. */
#define STACK_BATCH_CONNS 64

struct synack_stack {
    synack_config cfg;                   /* the configuration, defaults filled in */
    synack_allocator mem;                /* counting wrapper around cfg.allocator */
    synack_allocator bufmem;             /* the same for send/receive ring storage, which also
                                            enforces cfg.max_buffer_bytes */
    size_t buf_in_use;                   /* bytes of ring storage allocated */
    const synack_allocator *user_alloc;  /* the allocator behind `mem` */
    size_t mem_in_use;                   /* bytes currently allocated */
    size_t mem_high;                     /* high-water mark of mem_in_use */
    uint64_t now;                        /* the latest time the host gave us */
    uint64_t counters[SYNACK_CTR_COUNT]; /* nstat-style counters */

    uint8_t isn_key[16];        /* RFC 6528 secret */
    uint8_t cookie_key[16];     /* SYN-cookie secret */
    uint8_t cookie_key_old[16]; /* the previous one: cookies in flight stay valid */
    uint64_t cookie_key_since;  /* when cookie_key was installed */
    uint8_t hash_key[16];       /* connection-table hash secret */
    uint8_t tfo_key[16];        /* Fast Open cookie key (fastopen_server.c) */
    uint8_t tfo_key_old[16];    /* the previous one, still accepted while tfo_key_old_ok */
    uint8_t tfo_key_old_ok;     /* a previous key was installed */
    uint8_t batch_on;           /* a synack_batch_begin is open (tcp/batch.c) */
    uint8_t batch_len;          /* entries used in batch_conns (some NULL) */
    uint32_t listener_ids;      /* the last tcp_listener.id given */
    synack_rng rng;             /* ports, timestamps offsets, challenge-ACK budget */

    timer_wheel wheel;                  /* connection timers */
    conn_table conns;                   /* every connection, keyed by 4-tuple */
    uint32_t nconns;                    /* connections allocated (any state) */
    tcp_listener *listeners;            /* listening sockets */
    tcp_conn *tw_head, *tw_tail;        /* TIME-WAIT connections, oldest first */
    uint32_t tw_len;                    /* entries in the TIME-WAIT list */
    struct tcp_tw *twc_head, *twc_tail; /* compact TIME-WAIT records, oldest first */
    uint32_t twc_len;                   /* their number (live ones) */
    uint32_t twc_dead;                  /* released records still in the FIFO, freed at its head */
    tcp_conn *tw_pending; /* entered TIME-WAIT during this input; compacted after it */

    synack_sock *socks;         /* socket table, cfg.max_sockets entries */
    int sock_free;              /* head of the free list, -1 when full */
    int ready_head, ready_tail; /* sockets whose readiness was raised, oldest first; -1:
                                   none (ready.c) */
    uint32_t ready_len;         /* sockets on that list */

    arp_cache arp;              /* IPv4 -> MAC, Ethernet links only */
    uint16_t ip_id;             /* IPv4 identification counter */
    uint8_t tx_tos;             /* TOS byte of the datagram being sent (its socket's IP_TOS) */
    uint8_t tx_nodf;            /* the datagram being sent goes without DF (IP_PMTUDISC_DONT) */
    uint16_t tx_hops;           /* 1 + the TTL or hop limit of the datagram being sent (its
                                   socket's IP_TTL, IPV6_UNICAST_HOPS); 0: the default */
    uint16_t next_port;         /* ephemeral-port search start */
    uint64_t bound_ports[1024]; /* bitmap: ports some socket bound explicitly (O(1) checks
                                   when connect() picks an ephemeral port) */

    uint64_t cookie_sent_at; /* when we last answered a SYN with a cookie (0: never) */
    uint64_t chack_window;   /* start of the current challenge-ACK second */
    uint32_t chack_budget;   /* challenge ACKs left in this second */

    tfo_cache tfo; /* Fast Open client: cookies, MSS and SYN-loss history per destination */
    struct ip_frag_state *frag; /* IPv4 and IPv6 reassembly (ip_frag.c); NULL while idle */
    struct pmtu_cache *pmtu;    /* path MTUs lowered by ICMP (ip_pmtu.c); NULL until the first */
    synack_route *routes;       /* cfg.route_table_size slots (route.c); NULL until the first */
    synack_route6 *routes6;     /* the same for IPv6 */

    uint8_t *txbuf;   /* one frame being built */
    uint32_t txcap;   /* its size */
    uint32_t nroutes; /* routes in use: the first nroutes slots of `routes` */
    /* The payload of the TCP segment being sent, where it lies in the send ring, when the
     * netif takes frames in pieces (output_iov): txbuf holds only the headers, which end
     * at tx_payload_at; tx_npieces (below, in padding) 0 otherwise. */
    synack_iov tx_pieces[SYNACK_IOV_MAX - 1];
    uint8_t *tx_payload_at;

    stack_hook *hooks;    /* host glue pointing at this stack (lifetime.h) */
    uint32_t cb_depth;    /* host callbacks running now (output, on_event, entropy,
                             a foreach visitor): > 0 means the host re-entered us,
                             and calls that change the stack return -EBUSY */
    uint8_t free_pending; /* synack_stack_free() came from a callback: the outermost
                             public call frees the stack as it returns */
    uint8_t output_gone;  /* the netif's output_ctx was freed: frames are dropped */
    uint16_t nroutes6;    /* routes in use: the first nroutes6 slots of `routes6` (at most
                             1024: fits the padding here) */

    tcp_listener *catch_all;  /* the SYNACK_TCP_CATCH_ALL listener, or NULL (hold.c) */
    tcp_listener *catch_all6; /* the AF_INET6 one (one per family) */
    uint8_t catch_all_ever;   /* one existed: connections it made to foreign addresses may
                                 outlive it, so IPv4 keeps passing TCP for any address */
    uint8_t catch_all6_ever;  /* as catch_all_ever, for IPv6 */
    uint8_t tx_npieces;       /* tx_pieces in use */

    struct udp_table *udp; /* UDP ports and the catch-all (src/udp/); NULL until the first
                              UDP socket */

    nd_cache nd;          /* IPv6 neighbors, Ethernet links with addr6 only (nd.c) */
    uint64_t icmp6_stamp; /* when the ICMPv6 errors' token bucket was last refilled */
    uint32_t icmp6_debt;  /* its tokens spent (icmp6.c) */
    uint8_t nd_on;        /* nd is initialized */

    /* our IPv6 addresses on Ethernet: DAD (dad.c), the MLD reports for their groups
     * (mld.c), and what Router Advertisements taught (router.c); the bytes first, beside
     * nd_on, so the struct packs */
    uint8_t dad_state[2];     /* SYNACK_ADDR6_* of the link-local and global address */
    uint8_t dad_sent[2];      /* DAD probes sent for each */
    uint8_t mld_left;         /* unsolicited reports still to send */
    uint8_t mld_answer_all;   /* the answer covers every group (a general query) */
    uint8_t mld_answer_group; /* else this one (0 link-local's, 1 global's) */
    uint8_t slaac_on;         /* cfg.netif.addr6 is a formed address */
    uint8_t rs_left;          /* Router Solicitations still to send (rs.c) */
    uint8_t rs_started;       /* the link-local address came into use: they are timed */
    uint8_t ra_hop_limit;     /* an RA's Cur Hop Limit for what we send; 0: none (64) */
    uint64_t dad_timer[2];    /* each one's next probe or verdict; UINT64_MAX none */
    uint64_t mld_timer;       /* the next unsolicited MLD report; UINT64_MAX none */
    uint64_t mld_answer_at;   /* the pending answer to a query; UINT64_MAX none */
    uint64_t slaac_valid;     /* the formed address's valid lifetime ends */
    uint64_t slaac_preferred; /* and its preferred lifetime */
    uint32_t ra_mtu;          /* an RA's MTU option, the link's MTU for IPv6; 0: none */
    uint8_t mld_leave_left;   /* reports still to send leaving mld_leave_group (mld.c) */
    uint8_t dad_delay_armed;  /* cfg.dad_delay: the first poll draws the start's delay */
    uint8_t dad_nonce[2][6];  /* cfg.dad_nonce: each address's probes' nonce (dad.c) */
    uint64_t rs_timer;        /* the next Router Solicitation; UINT64_MAX none */
    uint64_t mld_leave_timer; /* the next of those reports; UINT64_MAX none */
    ipv6_addr mld_leave_group;
    uint64_t mld_v1_until; /* MLDv1 compatibility mode until then (mld.c); 0 MLDv2 */
    uint32_t mld_qi_s;     /* the last MLDv2 query's Query Interval, s (mld.c); 0: 125 */
    uint8_t mld_qrv;       /* and its Robustness Variable (QRV); 0: the default */

    ra_router ra_routers[RA_MAX_ROUTERS];       /* the Default Router List */
    ra_prefix ra_prefixes[RA_MAX_PREFIXES];     /* on-link prefixes */
    struct icmp6_host icmp6_hosts[ICMP6_HOSTS]; /* per-destination error limits (icmp6.c) */

    /* synack_batch_begin/end (tcp/batch.c): connections whose output waits for the end
     * (batch_on and batch_len sit beside tfo_key_old_ok, where the struct had a hole) */
    tcp_conn *batch_conns[STACK_BATCH_CONNS]; /* in the order their output was deferred */
    struct addr6x *a6x; /* cfg.addr6_max more IPv6 addresses (addr6_list.c); NULL until the
                           first */
};

/* --- helpers shared by the stack's files --- */
/* linux_profile 1 turns on every choice it stands for (config_check.c); the stack calls
 * this on its copy of the config, so the engine reads only the separate fields. */
void config_apply_profile(synack_config *cfg);
void *stack_alloc(synack_stack *st, size_t size);
void stack_free(synack_stack *st, void *p, size_t size);
static inline void stack_count(synack_stack *st, synack_counter c)
{
    st->counters[c]++;
}
void stack_emit(synack_stack *st, synack_event *ev);
static inline int stack_tracing(const synack_stack *st)
{
    return st->cfg.on_event != NULL;
}
/* Counts `c` (unless SYNACK_CTR_COUNT) and emits a drop event. */
void stack_drop(synack_stack *st, const synack_endpoints *ep, synack_counter c, const char *reason);
void stack_note(synack_stack *st, const char *text);
void stack_app_event(synack_stack *st, const char *call, int sock, long ret);
/* The last thing every public call that can run a host callback does: completes a
 * synack_stack_free() deferred from inside a callback, once no callback is running (so
 * only the outermost call does it). st must not be touched afterwards. */
void stack_api_return(synack_stack *st);
/* 0 when now is a valid time for the stack (at most SYNACK_TIME_MAX, not before the
 * latest time given), else -EINVAL. */
int stack_time_check(const synack_stack *st, uint64_t now);

/* IPv4 output: `pkt` has IP-header room at its start; fills it in and sends. */
int ip_output(synack_stack *st, uint32_t dst, uint8_t proto, uint8_t *l4, size_t l4_len);
/* ip_output_ecn() from source address src: a catch-all listener's connections speak from
 * the address their SYN was sent to (tcp/hold.c). */
int ip_output_src(synack_stack *st, uint32_t src, uint32_t dst, uint8_t proto, uint8_t *l4,
                  size_t l4_len, synack_tx_meta *meta, uint8_t ecn);
/* ip_output_src() with the identification and the flags/offset field given: one fragment
 * of a datagram cut by ip_output_frags(). */
int ip_output_frag(synack_stack *st, uint32_t src, uint32_t dst, uint8_t proto, uint8_t *l4,
                   size_t l4_len, synack_tx_meta *meta, uint8_t ecn, uint16_t id, uint16_t frag);
/* A datagram of hlen header bytes and dlen data bytes (not in st->txbuf) from src to dst,
 * cut into fragments of at most mtu bytes each (RFC 791 3.2, fragmentation at the source;
 * sent without DF). 0, or the first fragment's negative errno. */
int ip_output_frags(synack_stack *st, uint32_t src, uint32_t dst, uint8_t proto, const uint8_t *hdr,
                    size_t hlen, const uint8_t *data, size_t dlen, uint32_t mtu);
/* ICMP destination unreachable `code` to dst, quoting `quote` (an IP header and at least 8
 * bytes of its payload); counts OutDestUnreachs. quote must not point into st->txbuf. */
void ip_send_unreach(synack_stack *st, uint32_t dst, uint8_t code, const uint8_t *quote,
                     size_t len);
/* An IPv4 datagram of ours (pkt, len bytes) whose next hop never answered ARP: its
 * sender hears Host Unreachable from us, as on Linux. */
void ip_link_failure(synack_stack *st, const uint8_t *pkt, size_t len);
/* Room a caller leaves before its layer-4 header in st->txbuf. */
size_t ip_headroom(const synack_stack *st);
/* Largest layer-4 payload for the netif. */
uint32_t ip_max_l4(const synack_stack *st);
/* Largest TCP payload of one TSO super-frame the netif takes (0: no TSO). */
uint32_t ip_tso_max(const synack_stack *st);
/* ip_output() for a TCP frame with offload metadata (NULL: none). meta's csum_start and
 * hdr_len count from the layer-4 header on entry; they are moved to count from the frame's
 * start. A SYNACK_TX_GSO_TCPV4 frame may exceed the MTU. */
int ip_output_meta(synack_stack *st, uint32_t dst, uint8_t proto, uint8_t *l4, size_t l4_len,
                   synack_tx_meta *meta);
/* ip_output_meta() with the ECN field of the datagram (IP_ECN_*, RFC 3168 5; TCP sets
 * ECT(0) on new data of an ECN connection). */
int ip_output_ecn(synack_stack *st, uint32_t dst, uint8_t proto, uint8_t *l4, size_t l4_len,
                  synack_tx_meta *meta, uint8_t ecn);
/* An IPv4 datagram (not a frame) from its header on, InReceives already counted. */
int ip_input(synack_stack *st, const uint8_t *pkt, size_t len, const synack_rx_meta *meta);
/* ip6.c: IPv6 (RFC 8200) on SYNACK_LINK_IP links. Whether the netif has an IPv6 address;
 * a packet in (it starts with the fixed header); l4 (with IPV6_HDR_LEN bytes of room
 * before it, ip_headroom) out from src to dst. */
int ip6_enabled(const synack_stack *st);
/* Whether the netif speaks IPv6 at all: netif.addr6 set, ND running (Ethernet with
 * netif.addr6, slaac or cfg.ipv6: the link-local address) or cfg.ipv6 (an IP link whose
 * addresses are all synack_addr6_add's). Fixed for the stack's life; whether a packet can
 * go out is then a question of a usable source (ip6_select_src). */
int ip6_on(const synack_stack *st);
/* The hop limit of what we send by default: an RA's Cur Hop Limit, else 64. */
uint8_t ip6_hop_limit(const synack_stack *st);
/* The TTL of what we send by default (Linux's net.ipv4.ip_default_ttl). */
#define IP_DEFAULT_TTL 64
/* st->tx_hops for a datagram of a socket with knobs k (NULL: none) going out over IPv6
 * (v6) or IPv4: its IPV6_UNICAST_HOPS or its IP_TTL (a dual-stack socket's IPv4 traffic
 * takes IP_TTL, as Linux's). */
static inline uint16_t knobs_tx_hops(const tcp_knobs *k, int v6)
{
    int h = !k ? -1 : v6 ? k->hops6 : k->ttl;
    return h < 0 ? 0 : (uint16_t)(h + 1);
}
int ip6_input(synack_stack *st, const uint8_t *pkt, size_t len, const synack_rx_meta *meta);
/* A datagram reassembly put together (its fragments were counted in Ip6InReceives). */
int ip6_input_reassembled(synack_stack *st, const uint8_t *pkt, size_t len);
int ip6_output_src(synack_stack *st, const uint8_t src[16], const uint8_t dst[16], uint8_t proto,
                   uint8_t *l4, size_t l4_len, uint8_t ecn);
/* ip6_output_src() for a TCP frame with offload metadata (NULL: none), its offsets moved
 * as ip_output_meta() moves them. A SYNACK_TX_GSO_TCPV6 frame may exceed the MTU. */
int ip6_output_meta(synack_stack *st, const uint8_t src[16], const uint8_t dst[16], uint8_t proto,
                    uint8_t *l4, size_t l4_len, synack_tx_meta *meta, uint8_t ecn);
/* icmp6.c (RFC 4443): an ICMPv6 message that came in h, its len bytes at p; an error
 * (type, code, rest: the MTU or pointer) quoting the invoking packet inv, subject to 2.4(e)
 * and the rate limit. inv must not point into st->txbuf. */
void icmp6_input(synack_stack *st, const ipv6_hdr *h, const uint8_t *p, size_t len);
/* Neighbor Discovery gave up on pkt's next hop: its sender hears Address Unreachable from
 * ourselves (icmp6.c). */
void ip6_link_failure(synack_stack *st, const uint8_t *pkt, size_t len);
void icmp6_send_error(synack_stack *st, const uint8_t *inv, size_t inv_len, uint8_t type,
                      uint8_t code, uint32_t rest);
/* A destination unreachable with code from the netif's address quoting quote (len bytes: an
 * IPv6 header and what follows, built by the caller from a packet it kept, so not checked
 * as an invoking packet is), rate limited as every error. */
void icmp6_send_unreach_quote(synack_stack *st, const uint8_t *quote, size_t len, uint8_t code);
/* nd.c: IPv6 on Ethernet (RFC 4861). The neighbor cache's life and timers; whether a
 * destination address or a 33:33 MAC is the netif's; the link-local address (EUI-64);
 * ip (len bytes, ETH_HDR_LEN of room before it) out to dst6 through resolution; an NS or
 * NA in. */
int ip6_nd_init(synack_stack *st);
void ip6_nd_destroy(synack_stack *st);
void ip6_nd_poll(synack_stack *st);
uint64_t ip6_nd_deadline(const synack_stack *st);
int ip6_is_our_dst(const synack_stack *st, const ipv6_addr *a);
int ip6_mac_ours(const synack_stack *st, const uint8_t mac[6]);
void ip6_link_local(const synack_stack *st, ipv6_addr *out);
int ip6_eth_output(synack_stack *st, uint8_t *ip, size_t len, const uint8_t dst6[16]);
/* ip6_eth_output() with offload metadata (NULL: none), kept by a frame that waits for
 * resolution. */
int ip6_eth_output_meta(synack_stack *st, uint8_t *ip, size_t len, const uint8_t dst6[16],
                        const synack_tx_meta *meta);
/* Upper-layer reachability confirmation (RFC 4861 7.3.1) for the next hop towards dst6. */
void ip6_nd_confirm(synack_stack *st, const uint8_t dst6[16]);
/* An ND message (l4, n bytes) with hop limit 255 from src to dst, to mac (NULL: resolved). */
void ip6_nd_send(synack_stack *st, const ipv6_addr *src, const ipv6_addr *dst, const uint8_t *mac,
                 const uint8_t *l4, size_t n);
/* dad.c: Duplicate Address Detection (RFC 4862 5.4). ip6_addr_state: SYNACK_ADDR6_* of
 * one of the netif's ND-managed addresses, else 0; ip6_addr_usable: not one of them, or
 * preferred; ip6_dad_input: 1 when an NS or NA was about a tentative address (handled). */
struct nd_msg;
void ip6_dad_init(synack_stack *st);
void ip6_dad_poll(synack_stack *st);
uint64_t ip6_dad_deadline(const synack_stack *st);
int ip6_addr_state(const synack_stack *st, const ipv6_addr *a);
int ip6_addr_usable(const synack_stack *st, const uint8_t a[16]);
int ip6_dad_input(synack_stack *st, const ipv6_hdr *h, const struct nd_msg *nd);
void ip6_dad_start_global(synack_stack *st);
/* cfg.dad_delay at the first poll: the first probes and the join wait a random 0..1 s. */
void ip6_dad_delay(synack_stack *st);

/* addr6_list.c: the addresses beside netif.addr6 and the link-local one (synack_addr6_add,
 * SLAAC's second and later prefixes), each with its own DAD run and lifetimes. */
#define ADDR6X_MAX 32 /* cfg.addr6_max's bound: every group fits one MLD report */
/* One of them, in use (preferred or deprecated): a destination and a source. */
int addr6x_usable(const synack_stack *st, const ipv6_addr *a);
/* One of them that is not a duplicate (its solicited-node group is joined). */
int addr6x_holds(const synack_stack *st, const ipv6_addr *a);
/* The solicited-node groups of those, appended to g (room for cfg.addr6_max) unless
 * already there among its n; the new n. */
size_t addr6x_groups(const synack_stack *st, ipv6_addr *g, size_t n);
void addr6x_poll(synack_stack *st);
uint64_t addr6x_deadline(const synack_stack *st);
/* An NS or NA about a tentative one of them (RFC 4862 5.4.3, 5.4.4): 1 handled. */
int addr6x_dad_input(synack_stack *st, const ipv6_hdr *h, const struct nd_msg *nd);
/* SLAAC: an autonomous prefix other than netif.addr6's formed or refreshed address a
 * (RFC 4862 5.5.3, lifetimes in seconds). */
void addr6x_slaac(synack_stack *st, const ipv6_addr *a, uint8_t plen, uint32_t valid_s,
                  uint32_t preferred_s);
/* synack_addr6_state's answer for one of them, or 0. */
int addr6x_state(const synack_stack *st, const ipv6_addr *a);
void addr6x_destroy(synack_stack *st);
/* RFC 6724 5 source selection for dst among our usable addresses (addr6_select.c):
 * 0 and the address in out, or -EADDRNOTAVAIL (none in use). */
int ip6_select_src(const synack_stack *st, const uint8_t dst[16], uint8_t out[16]);
/* The source of something the stack originates towards dst (an ICMPv6 error or echo
 * reply, a Neighbor Solicitation): `prefer` when it is one of our usable addresses (RFC
 * 4443 2.2 (a), RFC 4861 7.2.2; NULL: none), else RFC 6724 selection among the usable
 * addresses including the link-local one. 0, or -EADDRNOTAVAIL (none in use). */
int ip6_origin_src(const synack_stack *st, const ipv6_addr *dst, const ipv6_addr *prefer,
                   ipv6_addr *out);
/* Whether dst is inside the prefix of an address synack_addr6_add gave (on link, as the
 * prefix route Linux's `ip addr add` makes). */
int addr6x_on_link(const synack_stack *st, const ipv6_addr *dst);
/* ip6_is_our_dst's unicast half: one of the netif's addresses in use. */
int ip6_ours_unicast(const synack_stack *st, const ipv6_addr *a);
/* router.c: Router Advertisements (RFC 4861 6.3.4) and SLAAC (RFC 4862 5.5). */
void ip6_ra_input(synack_stack *st, const ipv6_hdr *h, const struct nd_msg *nd);
int ip6_ra_on_link(const synack_stack *st, const ipv6_addr *dst);
/* The longest advertised on-link prefix holding dst: its length, or -1. */
int ip6_ra_on_link_len(const synack_stack *st, const ipv6_addr *dst);
int ip6_ra_default_router(const synack_stack *st, ipv6_addr *out);
/* 7.2.5: an NA said addr is no longer a router: off the Default Router List. */
void ip6_ra_not_router(synack_stack *st, const ipv6_addr *addr);
void ip6_ra_poll(synack_stack *st);
uint64_t ip6_ra_deadline(const synack_stack *st);
/* rs.c: Router Solicitations (RFC 4861 6.3.7). ip6_rs_stop: an RA named a default router. */
void ip6_rs_init(synack_stack *st);
void ip6_rs_poll(synack_stack *st);
uint64_t ip6_rs_deadline(const synack_stack *st);
void ip6_rs_stop(synack_stack *st);
/* The link MTU for IPv6: the netif's, or an RA's MTU option below it (router.c). */
uint32_t ip6_link_mtu(const synack_stack *st);
/* mld.c: MLDv2 (RFC 3810) reports joining our solicited-node groups; queries answered;
 * MLDv1 (RFC 2710) while an MLDv1 querier is present (RFC 3810 8.2.1). */
void ip6_mld_init(synack_stack *st);
void ip6_mld_start(synack_stack *st); /* an address was added: report its group again */
/* addr is gone (removed, or a duplicate): its group is left unless another address
 * still needs it. */
void ip6_mld_leave(synack_stack *st, const ipv6_addr *addr);
void ip6_mld_poll(synack_stack *st);
uint64_t ip6_mld_deadline(const synack_stack *st);
struct icmp_msg;
void ip6_mld_input(synack_stack *st, const ipv6_hdr *h, const struct icmp_msg *m);
void ip6_mld_report_input(synack_stack *st, const ipv6_hdr *h, const struct icmp_msg *m);
void ip6_nd_input(synack_stack *st, const ipv6_hdr *h, const struct icmp_msg *m);
/* A fragment (ipv4_parse said WIRE_FRAGMENT) into reassembly; a completed datagram goes
 * on through ip_input. Returns what ip_input did, 0 for a fragment held, -EINVAL dropped. */
int ip_frag_input(synack_stack *st, const uint8_t *pkt, const ipv4_hdr *ip);
/* An IPv6 fragment (ipv6_walk said IPV6_WALK_FRAGMENT in ch; len = 40 + payload length)
 * into the same reassembly; a completed datagram goes on through ip6_input_reassembled.
 * Returns as ip_frag_input. */
int ip6_frag_input(synack_stack *st, const uint8_t *pkt, size_t len, const ipv6_chain *ch);
/* Expires overdue datagrams (Time Exceeded for those whose first fragment came). */
void ip_frag_poll(synack_stack *st);
/* The earliest reassembly deadline, or UINT64_MAX. */
uint64_t ip_frag_next_deadline(const synack_stack *st);
void ip_frag_destroy(synack_stack *st);
/* A fragmentation-needed report for dst (RFC 1191), validated against a connection:
 * recorded for later connections. */
void ip_pmtu_report(synack_stack *st, uint32_t dst, uint32_t mtu, uint32_t orig_len);
/* The path MTU to dst: a cached, unexpired estimate, else the route's or link's MTU. */
uint32_t ip_pmtu_get(synack_stack *st, uint32_t dst);
/* The same for an IPv6 destination (Packet Too Big, RFC 8201), and its path MTU: a
 * cached, unexpired estimate (never below 1280), else the route's or link's. */
void ip6_pmtu_report(synack_stack *st, const uint8_t dst[16], uint32_t mtu);
uint32_t ip6_pmtu_get(synack_stack *st, const uint8_t dst[16]);
void ip_pmtu_destroy(synack_stack *st);
/* ip_output_frags() for IPv6 (RFC 8200 4.5): each fragment carries a Fragment header of
 * one unpredictable identification (RFC 7739) (ip6_frag_out.c). */
int ip6_output_frags(synack_stack *st, const uint8_t src[16], const uint8_t dst[16], uint8_t proto,
                     const uint8_t *hdr, size_t hlen, const uint8_t *data, size_t dlen,
                     uint32_t mtu);
/* The route whose prefix holds addr, longest first (route.c), or NULL. */
const synack_route *route_find(const synack_stack *st, uint32_t addr);
/* The path MTU to dst before ICMP: the route's (at most the link's), else the link's. */
uint32_t route_mtu(const synack_stack *st, uint32_t dst);
/* The route to dst has "mtu lock": ICMP does not lower its path MTU (Linux's RTAX_MTU lock). */
int route_mtu_locked(const synack_stack *st, uint32_t dst);
/* The same three for an IPv6 destination. */
const synack_route6 *route6_find(const synack_stack *st, const uint8_t addr[16]);
uint32_t route6_mtu(const synack_stack *st, const uint8_t dst[16]);
int route6_mtu_locked(const synack_stack *st, const uint8_t dst[16]);
/* What TCP takes from a route of either family when a connection opens. */
typedef struct route_metrics {
    uint16_t mtu;      /* 0: the link's */
    uint16_t advmss;   /* 0: from the MTU */
    uint16_t initcwnd; /* 0: cfg.initial_cwnd_segs */
} route_metrics;
/* The metrics of the route a destination takes (a6's, IPv6, when not NULL; else a4's):
 * 1, or 0 and all zero without one. */
int route_metrics_of(const synack_stack *st, const uint8_t *a6, uint32_t a4, route_metrics *m);
void route_destroy(synack_stack *st);
/* route_nh.c: a route's gateway as synack_route_set / synack_route6_set check it (0 or
 * the negative errno), and the next hop a destination takes on Ethernet. IPv4: the
 * address to resolve, 0 for none. IPv6: 1 and *nh when a route decides, 0 when the
 * netif's rule does (nd.c). */
int route_gateway_check(const synack_stack *st, const synack_route *r);
int route6_gateway_check(const synack_stack *st, const synack_route6 *r);
uint32_t route_next_hop(const synack_stack *st, uint32_t dst);
int route6_next_hop(const synack_stack *st, const ipv6_addr *dst, ipv6_addr *nh);
/* Hands a finished frame to the netif: output_iov or output_ex with meta when the netif
 * has one, else output. A frame ending at the pending payload (tx_pieces) goes to
 * output_iov as headers plus pieces. Does not count. */
int ip_send_frame(synack_stack *st, const uint8_t *frame, size_t len, const synack_tx_meta *meta);
/* When frame is the one the pending payload pieces belong to, copies them behind its
 * headers in txbuf and forgets them: for a frame that must outlive the call (queued for
 * ARP or ND). */
void ip_tx_flatten(synack_stack *st, const uint8_t *frame, size_t len);

#endif
