/* SPDX-License-Identifier: MIT */
/* synack gateway: the namespace side (cmd_gateway_ns.c), the relay of connections to host
 * sockets (cmd_gateway_relay.c) and the command (cmd_gateway.c). */
#ifndef SYNACK_TOOL_CMD_GATEWAY_H
#define SYNACK_TOOL_CMD_GATEWAY_H

#include <poll.h>
#include <stdint.h>
#include <sys/socket.h>

#include "cmd_gateway_socks5.h"
#include "synack/synack.h"
#include "synack/tuntap.h"

/* --forward tcp:[HOSTADDR:]HOSTPORT:NSPORT (cmd_gateway_forward.c), udp:... the same for
 * datagrams (cmd_gateway_udp.c). */
typedef struct gw_forward {
    uint32_t host_addr; /* host order; 0 for any */
    uint16_t host_port;
    uint16_t ns_port;
    uint8_t v6;  /* --forward tcp6:HOSTPORT:NSPORT: [::]:HOSTPORT to --ipv6-addr:NSPORT */
    uint8_t udp; /* udp: / udp6: */
} gw_forward;
#define GW_MAX_FORWARDS 16
#define GW_MAX_QUEUES 64 /* --threads at most */

typedef struct gw_opts {
    const char *netns;   /* --netns PATH, or /proc/PID/ns/net for --pid PID */
    char nsbuf[64];      /* storage for the --pid path */
    const char *ifname;  /* --ifname: the TAP's name in the namespace (tap0) */
    uint32_t addr;       /* --addr: the namespace's address (host order) */
    uint8_t prefix_len;  /* its prefix length */
    uint32_t gw;         /* --gw: the gateway's address, the namespace's default route */
    uint32_t mtu;        /* --mtu */
    uint32_t max_conns;  /* --max-conns: relayed connections (and host fds) at once */
    uint32_t connect_ms; /* --connect-timeout: host-side connect, then the drop verdict */
    int json;            /* --json: a summary object on stdout at exit */
    uint32_t dns;        /* --dns: the namespace's DNS address, forwarded (0: none) */
    uint32_t dns_server; /* --dns-server: the resolver behind it (/etc/resolv.conf's) */
    uint16_t dns_port;   /* its port (53) */
    uint32_t max_udp;    /* --max-udp-flows: UDP flows (host sockets) at once */
    int no_offload;      /* --no-offload: a plain TAP, no virtio_net_hdr (cmd_gateway_tap.c) */
    uint32_t buffer;     /* --buffer: each relayed connection's send and receive buffers */
    uint32_t max_buffer; /* --max-buffer: all connections' buffers together (the stack's
                            max_buffer_bytes: past it a segment waits, counted) */
    /* cmd_gateway_opts.c */
    gw_forward fwd[GW_MAX_FORWARDS]; /* --forward, repeatable */
    uint32_t nfwd;
    int host_loopback;     /* --enable-host-loopback: --gw reaches the host's 127.0.0.1 */
    uint32_t max_pending;  /* --max-pending: host connects and handshakes in progress */
    uint32_t keepalive_s;  /* --keepalive: idle seconds before probing the namespace side */
    uint32_t busy_poll_us; /* --busy-poll: poll before sleeping, this long (cmd_gateway_spin.c) */
    /* tun2socks mode (cmd_gateway_tun.c) */
    int tun;                 /* --tun: a TUN device (bare IP packets), not a TAP */
    uint32_t socks5_addr;    /* --socks5: the proxy every connection goes through (host
                                order); 0: direct host connects */
    uint16_t socks5_port;    /* its port */
    const char *socks5_user; /* --socks5-user (RFC 1929), or NULL */
    const char *socks5_pass; /* its password, from SYNACK_SOCKS5_PASSWORD */
    /* IPv6 (cmd_gateway_v6.c): off unless --ipv6, --ipv6-addr or --ipv6-gw */
    int ipv6;
    uint8_t addr6[16]; /* --ipv6-addr: the namespace's address */
    uint8_t prefix6;   /* its prefix length */
    uint8_t gw6[16];   /* --ipv6-gw: the gateway's address, the namespace's default route */
    uint32_t threads;  /* --threads: stacks, each on a queue of a multi-queue TAP */
    /* --socks5 (cmd_gateway_tun.c): the proxy's address, IPv4 or IPv6, as connect(2) takes
     * it; socks5_salen 0: no proxy. socks5_addr stays set for an IPv4 proxy. */
    struct sockaddr_storage socks5_sa;
    socklen_t socks5_salen;
} gw_opts;

/* Sets the defaults of the options cmd_gateway_opts.c parses. */
void gw_opts_defaults(gw_opts *o);
/* Parses option a (with v its value, or NULL): returns how many arguments it used (1 or 2),
 * 0 if a is not one of these, -1 after a message about a bad value. */
int gw_opts_parse(gw_opts *o, const char *a, const char *v);
/* The usage lines of these options. */
extern const char gw_opts_usage[];
/* The same for tun2socks mode's options (cmd_gateway_tun.c): --tun, --socks5 HOST:PORT,
 * --socks5-user NAME. Checks what they need of the environment (the password) too. */
int gw_tun_opts_parse(gw_opts *o, const char *a, const char *v);
extern const char gw_tun_opts_usage[];
/* At exit, with --socks5: the handshakes' outcomes, a line on stderr or with json a
 * {"summary":"gateway_socks5",...} line on stdout. */
struct gw_stats;
void gw_socks5_summary(const gw_opts *o, const struct gw_stats *s);
/* What the namespace may reach at dst (host order): the address to connect to, or 0 when
 * the destination is denied (loopback, multicast, the gateway itself without
 * --enable-host-loopback). */
uint32_t gw_dest(const gw_opts *o, uint32_t dst);
/* The host fds the gateway can hold at the limits the options set: relays, forward
 * sockets, UDP flows (and their socks5 associations), the ICMP echo relays' ping sockets,
 * the threads' queues and a few of our own. */
uint64_t gw_fd_need(const gw_opts *o);
/* Raises RLIMIT_NOFILE when it is below gw_fd_need(o); -1 after a message when it cannot. */
int gw_fd_budget(const gw_opts *o);

/* IPv6 on the namespace side (cmd_gateway_v6.c). */
extern const char gw_v6_usage[];
/* As gw_opts_parse, for --ipv6, --ipv6-addr, --ipv6-gw and --forward tcp6:HOSTPORT:NSPORT
 * (which turns IPv6 on); called first, so that --forward tcp:... is left to it. */
int gw_v6_parse(gw_opts *o, const char *a, const char *v);
/* After parsing: the defaults of what --ipv6 left unsaid, and their consistency. 0, or -1
 * after a message. */
int gw_v6_check(gw_opts *o);
/* The host address a connection to ep's destination goes to (*len its size): 0, 1 when it
 * is the host's loopback standing in for the gateway (--enable-host-loopback), -1 when the
 * destination is denied (gw_dest for IPv4; for IPv6 the same policy: the gateway without
 * --enable-host-loopback, the namespace's own address, and anything not global unicast). */
int gw_dest_sa(const gw_opts *o, const synack_endpoints *ep, struct sockaddr_storage *sa,
               socklen_t *len);
/* synack socket ss's endpoints, IPv4 or IPv6, as the stack shows them in held SYNs. */
void gw_ep_of(synack_stack *st, int ss, synack_endpoints *ep);
/* Whether a and b are the same 4-tuple of the same family. */
int gw_same_ep(const synack_endpoints *a, const synack_endpoints *b);
/* The code of the unreachable verdict for host connect error err: ICMP's for IPv4
 * (ENETUNREACH, EHOSTUNREACH), ICMPv6's for IPv6 (those and EACCES/EPERM); -1 when err is
 * no unreachable for ep's family. */
int gw_unreach_code(const synack_endpoints *ep, int err);
/* ep's local (local != 0) or remote end as "A:P", or "[A6]:P" for IPv6. */
void gw_ep_str(const synack_endpoints *ep, int local, char *buf, size_t cap);
/* A host socket address (AF_INET or AF_INET6) the same way; "-" for another family. */
void gw_sa_str(const struct sockaddr_storage *sa, char *buf, size_t cap);
/* The AF_INET6 (V6ONLY) catch-all listener holding SYNs for hold_ms, or -1. */
int gw_v6_listen(synack_stack *st, const gw_opts *o, int hold_ms);
/* Opens the TAP in the namespace o->netns (from a helper thread that enters it, so the
 * gateway itself stays in its own namespace), and configures the namespace's side:
 * lo up, the TAP's MTU, address and default route via o->gw (with `ip`, run from that
 * thread). With o->threads > 1, dev is an array of that many queues of one multi-queue
 * TAP. Returns 0 or -1 after a message. */
int gw_ns_attach(const gw_opts *o, synack_tuntap *dev);

/* The TAP's data path (cmd_gateway_tap.c). */
#define GW_TAP_BATCH 64 /* frames read per wake-up before the relay runs */

typedef struct gw_tap_stats {
    uint64_t rx_frames, rx_bytes;
    uint64_t rx_super;   /* of them, super-packets (GRO/GSO from the kernel) */
    uint64_t rx_partial; /* of them, checksum left to us to trust (the kernel's own bytes) */
    uint64_t rx_max;     /* the largest frame */
    uint64_t rx_errors;  /* frames lost: longer than any frame can be */
    uint64_t tx_frames, tx_bytes;
    uint64_t tx_super;   /* of them, TSO super-frames the kernel cuts */
    uint64_t tx_partial; /* of them, checksum completed by the kernel (or not needed) */
    uint64_t tx_errors;  /* frames the kernel refused (queue full): lost, TCP resends */
} gw_tap_stats;

typedef struct gw_tap {
    synack_tuntap *dev;
    gw_tap_stats stats;
    struct gw_thread *th; /* --threads: the thread reading this queue (steering), or NULL */
} gw_tap;

/* Opens the TAP named o->ifname in the calling thread's namespace, with offloads unless
 * o->no_offload. 0 or a negative errno, as synack_tuntap_open_ex. */
int gw_tap_open(synack_tuntap *dev, const gw_opts *o);
/* Fills nif's output side for t (offloads as the device has them); nif->mtu stays. */
void gw_tap_netif(gw_tap *t, synack_netif *nif);
/* Reads up to GW_TAP_BATCH frames into st at time now, each offered to the ICMP echo relay
 * ic first (NULL: none). How many were read, or a negative errno when the device failed. */
struct gw_icmp;
int gw_tap_drain(gw_tap *t, struct gw_icmp *ic, synack_stack *st, uint64_t now);
/* The TAP's counts at exit (the sum of the n queues t): a line on stderr, or with json a
 * {"summary":"gateway_tap",...} line on stdout (before the relay's summary line). */
void gw_tap_summary(const gw_tap *const *t, int n, int json);

/* What the relay counted. */
typedef struct gw_stats {
    uint64_t held;        /* SYNs seen held */
    uint64_t accepted;    /* host connect succeeded: SYN-ACK */
    uint64_t refused;     /* ECONNREFUSED: RST */
    uint64_t unreachable; /* EHOSTUNREACH / ENETUNREACH: ICMP */
    uint64_t dropped;     /* connect timeout or another error: silence */
    uint64_t limit;       /* refused because --max-conns relays were open */
    uint64_t resets;      /* relays ended by a reset (either side) */
    uint64_t finished;    /* relays ended by FIN both ways */
    uint64_t up_bytes;    /* namespace -> host */
    uint64_t down_bytes;  /* host -> namespace */
    /* policy, limits, forwards (cmd_gateway_opts.c, cmd_gateway_forward.c) */
    uint64_t denied;        /* destination not allowed (gw_dest): RST */
    uint64_t loopback;      /* connections to --gw relayed to the host's loopback */
    uint64_t deferred;      /* rounds a held SYN waited for --max-pending room */
    uint64_t evicted;       /* handshakes given up to make room (their client never ACKed) */
    uint64_t fwd_accepted;  /* host connections taken on a --forward port */
    uint64_t fwd_connected; /* ... whose namespace-side connect succeeded */
    uint64_t fwd_failed;    /* ... whose namespace-side connect failed: host side reset */
    uint64_t vanished;      /* handshakes whose connection the client reset before accept */
    uint32_t fds;           /* host sockets of relays open now */
    uint32_t fds_peak;      /* the most at once */
    uint64_t socks[GW_S5_NOUTCOMES]; /* --socks5 handshakes by outcome (gw_s5_outcome) */
    /* --socks5, UDP (cmd_gateway_socks5udp.c; counted by the UDP table of the same thread) */
    uint64_t socks_udp[GW_S5_NOUTCOMES]; /* UDP ASSOCIATE handshakes by outcome */
    uint64_t s5u_bad_header;             /* relay datagrams dropped: truncated, RSV or ATYP wrong */
    uint64_t s5u_fragment;               /* ... FRAG not zero (no reassembly) */
    uint64_t s5u_wrong_src;              /* ... from another address than the flow's destination */
    uint64_t s5u_queue_drops; /* datagrams dropped while an association was being set up */
    uint64_t s5u_unreach;     /* datagrams answered with port unreachable: no association */
    uint64_t s5u_oversize;    /* datagrams too large for one relay datagram with the header */
    uint64_t s5u_ended;       /* associations whose control connection the proxy closed */
    uint64_t mem_trims;  /* freed heap given back to the OS after a burst (cmd_gateway_trim.c) */
    uint64_t busy_polls; /* waits that polled before sleeping (cmd_gateway_spin.c) */
    uint64_t busy_poll_hits; /* ... and were woken while polling */
} gw_stats;

typedef struct gw_relay gw_relay;
/* A relay for the catch-all, holding listener ls of st; NULL when out of memory. */
gw_relay *gw_relay_new(synack_stack *st, int ls, const gw_opts *o);
void gw_relay_free(gw_relay *r);
/* One round at time now: new held SYNs get a host connect, finished connects a verdict,
 * accepted connections their host socket, and data moves both ways as far as the other
 * side takes it. */
void gw_relay_step(gw_relay *r, uint64_t now);
/* The thread's event table (cmd_gateway_events.h): each host socket is registered there
 * once, edge-triggered, tagged GW_EV_RELAY with its slot. */
struct gw_ev;
void gw_relay_set_ev(gw_relay *r, struct gw_ev *ev);
/* An event of the table for slot's host socket fd (before the next step): the step then
 * reads and writes only the host sockets that are ready. */
void gw_relay_event(gw_relay *r, uint32_t slot, int fd, uint32_t events);
/* The last step left bytes to move (a relay used its per-round share): wait for nothing. */
int gw_relay_busy(const gw_relay *r);
/* The earliest connect deadline, UINT64_MAX if none. */
uint64_t gw_relay_deadline(const gw_relay *r);
const gw_stats *gw_relay_stats(const gw_relay *r);
/* Relays open now. */
uint32_t gw_relay_open(const gw_relay *r);
/* Host connects and handshakes in progress now (bounded by --max-pending). */
uint32_t gw_relay_pending(const gw_relay *r);
/* Whether a new relay fits under --max-conns and --max-pending. */
int gw_relay_room(const gw_relay *r);
/* Takes a forwarded connection: host socket hfd (accepted) and synack socket ss, whose
 * connect to the namespace is under way. The relay starts once ss connects; if it fails,
 * hfd is reset. Returns 0, or -1 (no room: the caller closes both). */
int gw_relay_adopt(gw_relay *r, int hfd, int ss, uint64_t now);
gw_stats *gw_relay_stats_mut(gw_relay *r);
/* The relay's second listener, the IPv6 one (-1: none), whose held SYNs it serves too. */
void gw_relay_set_ls6(gw_relay *r, int ls6);

/* One relayed connection, for `synack stat`. */
typedef struct gw_flow_view {
    const char *state;   /* "connecting", "handshake", "relay", "forward-connecting",
                            "socks" (the proxy's CONNECT handshake, --socks5) */
    int forward;         /* 1 when it came in on a --forward port */
    synack_endpoints ep; /* the namespace side (laddr:lport the destination of outbound) */
    int hfd;             /* the host socket */
    int up_eof, down_eof;
} gw_flow_view;
void gw_relay_foreach(const gw_relay *r, void (*fn)(void *ctx, const gw_flow_view *v), void *ctx);

/* Port forwarding host -> namespace (cmd_gateway_forward.c). */
typedef struct gw_fwd gw_fwd;
/* Listens on each --forward port; NULL after a message. */
gw_fwd *gw_fwd_open(const gw_opts *o, synack_stack *st, gw_relay *r);
void gw_fwd_free(gw_fwd *f);
/* The listeners to poll (only while the relay has room); how many. */
int gw_fwd_pollfds(gw_fwd *f, struct pollfd *out, int max);
/* Accepts waiting host connections and starts their namespace-side connects. */
void gw_fwd_step(gw_fwd *f, uint64_t now);

/* `synack stat --gateway PID` (cmd_gateway_ctl.c): the control socket "synack/gateway.PID". */
typedef struct gw_ctl gw_ctl;
gw_ctl *gw_ctl_open(const gw_opts *o, synack_stack *st, gw_relay *r, const char *ifname);
void gw_ctl_free(gw_ctl *c);
/* The control socket's fd to poll for POLLIN, or -1. */
int gw_ctl_fd(const gw_ctl *c);
/* Answers a waiting client. */
void gw_ctl_step(gw_ctl *c);
/* --threads: the report covers the n stacks and relays (the first ones gw_ctl_open's),
 * read while world(ctx, 1) holds the other threads still (it returns 0 when they are;
 * world(ctx, 0) lets them go). */
#define GW_CTL_MAX_STACKS 64
void gw_ctl_threads(gw_ctl *c, synack_stack *const *st, gw_relay *const *r, int n,
                    int (*world)(void *ctx, int stop), void *ctx);
/* After poll(): pf holds the nfwd forward listeners gw_fwd_pollfds gave, then nctl (0 or 1)
 * control sockets; whichever is ready gets its step (no syscalls for idle ones). */
void gw_extra_ready(gw_fwd *f, gw_ctl *c, const struct pollfd *pf, int nfwd, int nctl);

#endif
