/* SPDX-License-Identifier: MIT */
/* UDP (RFC 768, RFC 1122 4.1): the engine's interface to the socket layer and to IPv4. */
#ifndef SYNACK_UDP_UDP_H
#define SYNACK_UDP_UDP_H

#include <stddef.h>
#include <stdint.h>

#include "stack/stack_impl.h"

#define UDP_HDR_LEN 8
#define UDP_MAX_PAYLOAD (0xffff - IPV4_HDR_LEN - UDP_HDR_LEN) /* 65507 */
#define UDP_HASH_BUCKETS 256

/* One queued datagram; its bytes follow the struct. */
typedef struct udp_dgram {
    struct udp_dgram *next;
    uint32_t saddr, daddr; /* host order: where it came from, where it was sent */
    uint16_t sport, dport;
    uint32_t len; /* payload bytes */
} udp_dgram;

/* A SOCK_DGRAM socket's state (synack_sock.udp). */
typedef struct udp_sock {
    udp_dgram *head, *tail; /* the receive queue, oldest first */
    uint32_t qbytes;        /* its charge: payload plus per-datagram overhead */
    uint32_t raddr;         /* connect()ed peer, 0: none */
    uint16_t rport;
    uint8_t catch_all; /* SYNACK_UDP_CATCH_ALL */
    uint8_t hashed;    /* on a port chain of the table */
    int err;           /* pending error from ICMP (positive errno), 0: none */
    int hnext;         /* next socket id on its port chain, -1: end */
} udp_sock;

/* The stack's UDP table (synack_stack.udp), allocated with the first UDP socket. */
typedef struct udp_table {
    int chain[UDP_HASH_BUCKETS]; /* socket ids by port, -1: empty */
    int catch_all;               /* the SYNACK_UDP_CATCH_ALL socket, -1: none */
} udp_table;

/* What a queued datagram costs against SO_RCVBUF (as Linux charges skb truesize). */
static inline uint32_t udp_charge(uint32_t len)
{
    return len + (uint32_t)sizeof(udp_dgram);
}

/* --- socket side (udp.c) --- */
int udp_open(synack_stack *st, synack_sock *so);
void udp_release(synack_stack *st, int s);
void udp_destroy(synack_stack *st);
int udp_bind(synack_stack *st, int s, uint32_t ip, uint16_t port);
int udp_connect(synack_stack *st, int s, const struct sockaddr *addr, synack_socklen_t len);
long udp_sendto(synack_stack *st, int s, const void *buf, size_t len, int flags,
                const struct sockaddr *from, synack_socklen_t fromlen, const struct sockaddr *to,
                synack_socklen_t tolen);
long udp_recvfrom(synack_stack *st, int s, void *buf, size_t len, int flags, struct sockaddr *src,
                  synack_socklen_t *srclen, struct sockaddr *dst, synack_socklen_t *dstlen);
/* ICMP unreachable `code` to client about a datagram it sent to dst (the catch-all's). */
int udp_unreach(synack_stack *st, int s, const struct sockaddr *client, synack_socklen_t clen,
                const struct sockaddr *dst, synack_socklen_t dlen, int code);
short udp_poll(const synack_sock *so);
int udp_setopt(synack_stack *st, int s, int name, int v);
/* The pending ICMP error, cleared (SO_ERROR). */
int udp_take_error(synack_sock *so);
int udp_peer(const synack_sock *so, uint32_t *ip, uint16_t *port);

/* --- datagrams in (udp_input.c) --- */
/* Whether IPv4 should pass a UDP datagram to dst, not our address: a catch-all exists
 * and dst is a unicast address. */
int udp_catch_all_takes(const synack_stack *st, uint32_t dst);
/* A UDP datagram for us; pkt is its IPv4 datagram (for the ICMP quote). */
int udp_input(synack_stack *st, const ipv4_hdr *ip, const uint8_t *pkt, int csum_ok);
/* An ICMP error quoting a UDP datagram of ours (RFC 1122 4.1.3.3). */
void udp_icmp_input(synack_stack *st, uint8_t type, uint8_t code, uint32_t src, uint32_t dst,
                    uint16_t sport, uint16_t dport);
/* The socket a datagram to daddr:dport from saddr:sport goes to, or -1. */
int udp_lookup(synack_stack *st, uint32_t daddr, uint16_t dport, uint32_t saddr, uint16_t sport);

#endif
