/* SPDX-License-Identifier: MIT */
/* synack gateway, tun2socks mode: UDP through a SOCKS5 proxy (RFC 1928 section 7). Each UDP
 * flow of the namespace gets its own association: a TCP control connection to the proxy
 * carrying the UDP ASSOCIATE (cmd_gateway_socks5.c's handshake), open for the flow's life,
 * and a UDP socket connected to the relay address the proxy answered with, so the kernel
 * takes datagrams from the relay only. Every datagram carries the UDP request header; the
 * codec here does no I/O, so that every header a proxy can send is testable without one
 * (tests/unit/test_gateway_socks5udp.c). */
#ifndef SYNACK_TOOL_CMD_GATEWAY_SOCKS5UDP_H
#define SYNACK_TOOL_CMD_GATEWAY_SOCKS5UDP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "cmd_gateway_socks5.h"

/* RSV(2) FRAG(1) ATYP(1) DST.ADDR DST.PORT(2): 10 bytes for IPv4, 22 for IPv6, and at most
 * a 255-byte name's worth in a reply. */
#define GW_S5U_HDR4 10
#define GW_S5U_HDR6 22
/* The largest UDP payload to an IPv4 relay (65535 - 20 - 8); an IPv6 relay takes 20 more. */
#define GW_S5U_MAX_DGRAM4 65507
#define GW_S5U_MAX_DGRAM6 65527

/* Writes the header for a datagram to addr (alen 4 or 16, network order) port (host order)
 * into hdr (GW_S5U_HDR6 bytes at least): its length, or -EINVAL for another length. */
int gw_s5u_header(uint8_t *hdr, const uint8_t *addr, size_t alen, uint16_t port);

/* Why a datagram from the relay was dropped (gw_s5u_parse's negative results). */
enum {
    GW_S5U_TRUNCATED = -1, /* shorter than its header says */
    GW_S5U_BAD_RSV = -2,   /* RSV not zero */
    GW_S5U_FRAGMENT = -3,  /* FRAG not zero: reassembly is optional (RFC 1928), not done */
    GW_S5U_BAD_ATYP = -4,  /* an address type RFC 1928 does not define */
};

/* Where a datagram from the relay says it came from. */
typedef struct gw_s5u_from {
    uint8_t atyp;     /* 1 IPv4, 3 name, 4 IPv6 */
    uint8_t len;      /* the address's length: 4, 16, or the name's */
    uint8_t addr[16]; /* IPv4 or IPv6 (network order); a name is not copied */
    uint16_t port;    /* host order */
} gw_s5u_from;

/* Parses the header of datagram p[0..n): the offset of its data (p + result, n - result
 * bytes, possibly none), or one of GW_S5U_* (< 0). */
int gw_s5u_parse(const uint8_t *p, size_t n, gw_s5u_from *from);

/* The association of one UDP flow. */
enum { GW_S5U_CONNECTING, GW_S5U_HANDSHAKE, GW_S5U_READY, GW_S5U_FAILED };

typedef struct gw_s5u_flow {
    uint8_t state;     /* GW_S5U_CONNECTING .. GW_S5U_FAILED */
    int cfd;           /* the control connection, -1 once it failed */
    uint64_t deadline; /* the end of --connect-timeout for the connect and the handshake */
    uint8_t *pend;     /* one datagram that came before the association was ready */
    size_t pend_len;
    uint8_t relay_v6; /* the relay is an IPv6 address (its datagrams may be larger) */
    uint8_t alen;     /* the flow's destination, as the header names it: 4 or 16 */
    uint8_t dst[16];  /* (network order; set by the caller after gw_s5u_start) */
    uint16_t dport;   /* host order */
    gw_socks5 hs;
} gw_s5u_flow;

/* What gw_s5u_step says happened. */
enum { GW_S5U_WAIT, GW_S5U_NOW_READY, GW_S5U_NOW_FAILED, GW_S5U_ENDED };

/* Starts flow x's association: a non-blocking connect to the proxy (proxy, plen) and the
 * UDP ASSOCIATE after it, with user/pass (or NULL) for RFC 1929. 0, or a negative errno
 * when no socket could be made (x is then FAILED). */
int gw_s5u_start(gw_s5u_flow *x, const struct sockaddr *proxy, socklen_t plen, const char *user,
                 const char *pass, uint64_t deadline);
/* Moves x on at time now (after poll said its control socket is ready, or at its deadline):
 * on success the flow's UDP socket *ufd is connected to the relay (made again when the
 * relay's family differs from its own). GW_S5U_WAIT, GW_S5U_NOW_READY (send x->pend now),
 * GW_S5U_NOW_FAILED (the outcome is in x->hs.outcome), or GW_S5U_ENDED: the proxy closed
 * a ready association's control connection (the association is over, RFC 1928 section 7). */
int gw_s5u_step(gw_s5u_flow *x, int *ufd, const struct sockaddr *proxy, uint64_t now);
/* The poll(2) events x's control socket waits for (0 once FAILED). */
short gw_s5u_events(const gw_s5u_flow *x);
/* Sends data[0..n) to addr/alen/port through the ready association on ufd: the header and
 * the data in one datagram. 0, -EMSGSIZE when they do not fit one datagram to the relay,
 * or send(2)'s negative errno. */
int gw_s5u_send(int ufd, int relay_v6, const uint8_t *addr, size_t alen, uint16_t port,
                const uint8_t *data, size_t n);
/* Keeps a copy of one datagram for when the association is ready: 0, or -ENOBUFS when one
 * waits already (bounded: one per flow), -ENOMEM. */
int gw_s5u_hold(gw_s5u_flow *x, const uint8_t *p, size_t n);
/* Ends the association: the control connection closes (the proxy's cue to end it). */
void gw_s5u_close(gw_s5u_flow *x);

#endif
