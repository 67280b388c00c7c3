/* SPDX-License-Identifier: MIT */
/* synack gateway: the namespace side (cmd_gateway_ns.c), the relay of connections to host
 * sockets (cmd_gateway_relay.c) and the command (cmd_gateway.c). */
#ifndef SYNACK_TOOL_CMD_GATEWAY_H
#define SYNACK_TOOL_CMD_GATEWAY_H

#include <poll.h>
#include <stdint.h>

#include "synack/synack.h"
#include "synack/tuntap.h"

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
    uint32_t max_buffer; /* --max-buffer: all connections' buffers together */
} gw_opts;

/* Opens the TAP in the namespace o->netns (from a helper thread that enters it, so the
 * gateway itself stays in its own namespace), and configures the namespace's side:
 * lo up, the TAP's MTU, address and default route via o->gw (with `ip`, run from that
 * thread). Returns 0 or -1 after a message. */
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
/* The TAP's counts at exit: a line on stderr, or with json a
 * {"summary":"gateway_tap",...} line on stdout (before the relay's summary line). */
void gw_tap_summary(const gw_tap *t, int json);

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
} gw_stats;

typedef struct gw_relay gw_relay;
/* A relay for the catch-all, holding listener ls of st; NULL when out of memory. */
gw_relay *gw_relay_new(synack_stack *st, int ls, const gw_opts *o);
void gw_relay_free(gw_relay *r);
/* One round at time now: new held SYNs get a host connect, finished connects a verdict,
 * accepted connections their host socket, and data moves both ways as far as the other
 * side takes it. */
void gw_relay_step(gw_relay *r, uint64_t now);
/* The host fds to poll and their events (at most max); how many. */
int gw_relay_pollfds(gw_relay *r, struct pollfd *out, int max);
/* What poll(2) said of the n entries gw_relay_pollfds filled (before the next step): the
 * step then reads and writes only the host sockets that are ready. */
void gw_relay_revents(gw_relay *r, const struct pollfd *pf, int n);
/* The earliest connect deadline, UINT64_MAX if none. */
uint64_t gw_relay_deadline(const gw_relay *r);
const gw_stats *gw_relay_stats(const gw_relay *r);
/* Relays open now. */
uint32_t gw_relay_open(const gw_relay *r);

#endif
