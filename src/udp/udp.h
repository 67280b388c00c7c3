/* SPDX-License-Identifier: MIT */
/* UDP (RFC 768, RFC 1122 4.1; over IPv6, RFC 8200 8.1): the engine's interface to the
 * socket layer, to IPv4 and to IPv6. */
#ifndef SYNACK_UDP_UDP_H
#define SYNACK_UDP_UDP_H

#include <stddef.h>
#include <stdint.h>

#include "stack/stack_impl.h"

#define UDP_HDR_LEN 8
#define UDP_MAX_PAYLOAD (0xffff - IPV4_HDR_LEN - UDP_HDR_LEN) /* 65507 */
#define UDP6_MAX_PAYLOAD (0xffff - UDP_HDR_LEN) /* 65527: IPv6's length excludes its header */
#define UDP_HASH_BUCKETS 256

/* One queued datagram; its bytes follow the struct, after an IPv6 one's two addresses
 * (source, then destination: UDP_DGRAM_V6_EXTRA bytes), so an IPv4 one costs no more. */
typedef struct udp_dgram {
    struct udp_dgram *next;
    uint32_t saddr, daddr; /* host order: where it came from, where it was sent (IPv4) */
    uint16_t sport, dport;
    uint16_t len; /* payload bytes (at most 65527) */
    uint8_t v6;   /* came over IPv6 */
    uint8_t ttl;  /* its IPv4 TTL or IPv6 hop limit (SYNACK_IP_RECVTTL, _IPV6_RECVHOPLIMIT) */
} udp_dgram;

#define UDP_DGRAM_V6_EXTRA 32u

/* The payload of d, after its addresses if it came over IPv6. */
static inline uint8_t *udp_dgram_data(udp_dgram *d)
{
    return (uint8_t *)(d + 1) + (d->v6 ? UDP_DGRAM_V6_EXTRA : 0);
}

/* A SOCK_DGRAM socket's state (synack_sock.udp). */
typedef struct udp_sock {
    udp_dgram *head, *tail; /* the receive queue, oldest first */
    uint32_t qbytes;        /* its charge: payload plus per-datagram overhead */
    uint32_t raddr;         /* connect()ed peer, 0: none */
    uint16_t rport;
    uint8_t catch_all; /* SYNACK_UDP_CATCH_ALL */
    uint8_t hashed;    /* on a port chain of the table */
    uint8_t rv6;       /* connect()ed to raddr6 (IPv6), rport */
    uint8_t v4only;    /* an AF_INET6 socket bound to an IPv4-mapped address */
    uint8_t ping;      /* an ICMP(v6) echo socket: its "port" is the echo identifier */
    uint8_t raddr6[16];
    uint8_t recverr; /* IP_RECVERR / IPV6_RECVERR (echo sockets): errors go on the queue */
    uint8_t recvttl; /* IP_RECVTTL: synack_recvfrom_info gives an IPv4 datagram's TTL */
    uint8_t rxhlim;  /* IPV6_RECVHOPLIMIT: and an IPv6 one's hop limit */
    int err;         /* pending error from ICMP (positive errno), 0: none */
    int hnext;       /* next socket id on its port chain, -1: end */
} udp_sock;

/* The stack's UDP table (synack_stack.udp), allocated with the first UDP socket. */
typedef struct udp_table {
    int chain[UDP_HASH_BUCKETS]; /* socket ids by port, -1: empty */
    int catch_all;               /* the SYNACK_UDP_CATCH_ALL socket, -1: none */
    /* echo sockets by identifier: a space of their own, as Linux's ping sockets */
    int ping_chain[UDP_HASH_BUCKETS];
} udp_table;

/* What a queued datagram costs against SO_RCVBUF (as Linux charges skb truesize). */
static inline uint32_t udp_charge(uint32_t len)
{
    return len + (uint32_t)sizeof(udp_dgram);
}

/* The bytes a queued datagram holds (and its charge): payload, struct, IPv6 addresses. */
static inline size_t udp_dgram_size(const udp_dgram *d)
{
    return sizeof(*d) + d->len + (d->v6 ? UDP_DGRAM_V6_EXTRA : 0);
}

/* Families a socket takes datagrams of (Linux's ipv6_only_sock and the mapped bind). */
#define UDP_FAM_V4 1
#define UDP_FAM_V6 2
int udp_families(const synack_sock *so);
/* Whether the socket has a default peer (connect()). */
static inline int udp_connected(const udp_sock *u)
{
    return u->raddr != 0 || u->rv6;
}

/* --- socket side (udp.c) --- */
int udp_open(synack_stack *st, synack_sock *so);
/* The chain of sockets holding port (or echo identifier) in the space of u. */
int *udp_chain(udp_table *t, const udp_sock *u, uint16_t port);
void udp_release(synack_stack *st, int s);
void udp_destroy(synack_stack *st);
int udp_bind(synack_stack *st, int s, uint32_t ip, uint16_t port);
/* bind() of an AF_INET6 socket: a as sock_addr_from read it. */
int udp_bind6(synack_stack *st, int s, const sock_addr *a);
int udp_connect(synack_stack *st, int s, const struct sockaddr *addr, synack_socklen_t len);
long udp_sendto(synack_stack *st, int s, const void *buf, size_t len, int flags,
                const struct sockaddr *from, synack_socklen_t fromlen, const struct sockaddr *to,
                synack_socklen_t tolen);
long udp_recvfrom(synack_stack *st, int s, void *buf, size_t len, int flags, struct sockaddr *src,
                  synack_socklen_t *srclen, struct sockaddr *dst, synack_socklen_t *dstlen,
                  synack_recv_info *info);
/* ICMP unreachable `code` to client about a datagram it sent to dst (the catch-all's). */
int udp_unreach(synack_stack *st, int s, const struct sockaddr *client, synack_socklen_t clen,
                const struct sockaddr *dst, synack_socklen_t dlen, int code);
short udp_poll(const synack_sock *so);
int udp_setopt(synack_stack *st, int s, int name, int v);
/* The pending ICMP error, cleared (SO_ERROR). */
int udp_take_error(synack_sock *so);
int udp_peer(const synack_sock *so, sock_addr *peer);

/* --- datagrams in (udp_input.c) --- */
/* Whether IPv4 should pass a UDP datagram to dst, not our address: a catch-all exists
 * and dst is a unicast address. */
int udp_catch_all_takes(const synack_stack *st, uint32_t dst);
/* A UDP datagram for us; pkt is its IPv4 datagram (for the ICMP quote). */
int udp_input(synack_stack *st, const ipv4_hdr *ip, const uint8_t *pkt, int csum_ok);
/* The errno an ICMP error (type, code) stands for; *hard: whether it reaches a socket
 * without IP_RECVERR (Linux's icmp_err_convert). 0: none. */
int icmp_errno(uint8_t type, uint8_t code, int *hard);
/* The socket a datagram to daddr:dport from saddr:sport goes to, or -1. */
int udp_lookup(synack_stack *st, uint32_t daddr, uint16_t dport, uint32_t saddr, uint16_t sport);
/* The same for either family: dst and src carry addresses and ports. */
int udp_lookup_any(synack_stack *st, const sock_addr *dst, const sock_addr *src);

/* --- IPv6 (udp6.c) --- */
/* Whether IPv6 should pass a UDP datagram to dst, not our address: a catch-all socket
 * that takes IPv6 exists and dst is a global unicast address. */
int udp6_catch_all_takes(const synack_stack *st, const ipv6_addr *dst);
/* A UDP datagram over IPv6 for us (seg, len: from the UDP header on; pkt, pkt_len: the
 * whole packet, for the ICMPv6 quote). */
int udp6_input(synack_stack *st, const ipv6_hdr *h, const uint8_t *seg, size_t len,
               const uint8_t *pkt, size_t pkt_len, int csum_ok);
/* The same for ICMPv6 (Linux's icmpv6_err_convert). */
int icmp6_errno(uint8_t type, uint8_t code, int *hard);
/* Sends one datagram over IPv6 from src:sport to dst:dport (fragmented at the source past
 * the path MTU, RFC 8200 4.5, unless IPV6_DONTFRAG's kin IP_PMTUDISC_DO forbids it). */
long udp6_emit(synack_stack *st, const synack_sock *so, const uint8_t src[16], uint16_t sport,
               const uint8_t dst[16], uint16_t dport, const uint8_t *buf, size_t len);
/* ICMPv6 Destination Unreachable `code` to client about a datagram it sent to dst. */
int udp6_unreach(synack_stack *st, const sock_addr *client, const sock_addr *dst, uint8_t code);
/* Queues a datagram on socket s (either family) that came with TTL or hop limit ttl: 0 or
 * -ENOBUFS, counted. */
int udp_enqueue(synack_stack *st, int s, const sock_addr *src, const sock_addr *dst,
                const uint8_t *data, uint32_t len, uint8_t ttl);

/* --- ICMP(v6) errors about what a UDP or echo socket sent (udp_err.c) --- */
/* An ICMP(v6) error about a datagram or echo request we sent. */
typedef struct ping_error {
    uint8_t type, code;  /* the error's, in its own family's numbering */
    uint32_t info;       /* ee_info as Linux gives it: an MTU, a pointer, or 0 */
    sock_addr ours;      /* the datagram's source and port (echo: the identifier) */
    sock_addr theirs;    /* its destination and port */
    sock_addr offender;  /* who sent the error (us, for a failed neighbor resolution) */
    const uint8_t *echo; /* the record's 8-byte quote: an echo request from its ICMP header
                            on, a UDP datagram's payload after its header (zero-padded) */
} ping_error;
/* The errno e stands for on socket so, *hard: whether a socket without IP_RECVERR hears
 * it (Linux's icmp_err_convert, as __udp4_lib_err, __udp6_lib_err, ping_err use it). */
int udp_err_errno(const synack_sock *so, const ping_error *e, int *hard);
/* Hands e to UDP or echo socket s: on its error queue with IP_RECVERR / IPV6_RECVERR, and
 * the pending error (next send or recv, once) when that is set or the error is hard and
 * the socket connected. Returns whether the socket heard it. */
int udp_sock_err(synack_stack *st, int s, const ping_error *e);
/* An ICMP error quoting a UDP datagram of ours (RFC 1122 4.1.3.3). */
void udp_icmp_input(synack_stack *st, const ping_error *e);
/* An ICMPv6 error quoting a UDP datagram of ours. */
void udp6_icmp_input(synack_stack *st, const ping_error *e);
/* The 8-byte quote of a UDP datagram (udp, avail bytes of it quoted): its payload. */
void udp_err_quote(uint8_t out[8], const uint8_t *udp, size_t avail);

/* --- ICMP(v6) echo sockets (ping.c) --- */
/* The echo socket a reply to id from src goes to, or -1. */
int ping_lookup(synack_stack *st, const sock_addr *dst, const sock_addr *src);
/* Sends the echo request buf (its first 8 bytes the ICMP(v6) header) to d with identifier
 * id; the stack fills the identifier and the checksum. */
long ping_emit(synack_stack *st, const synack_sock *so, const sock_addr *d, uint32_t src,
               const uint8_t src6[16], uint16_t id, const uint8_t *buf, size_t len);
/* Checks an echo request from the application: 0 or -EINVAL. */
int ping_check(const synack_sock *so, const sock_addr *d, const uint8_t *buf, size_t len);
/* An echo reply (msg: the whole ICMP(v6) message) from `from` to `to` with TTL or hop limit
 * ttl; to->port is its identifier. Returns whether a socket took it. */
int ping_input(synack_stack *st, const sock_addr *from, const sock_addr *to, const uint8_t *msg,
               size_t len, uint8_t ttl);
/* Hands the error to the echo socket whose request it quotes: on its error queue with
 * IP_RECVERR / IPV6_RECVERR, as the pending error (next recv) when that is set or the
 * error is hard and the socket connected. Returns whether a socket took it. */
int ping_err(synack_stack *st, const ping_error *e);

#endif
