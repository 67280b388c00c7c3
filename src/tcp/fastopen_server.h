/* SPDX-License-Identifier: MIT */
/* TCP Fast Open, the server side (RFC 7413 4.1.2, 4.2.2): the cookie a listener gives a
 * client, and the decision what to do with a SYN that carries data or asks for a cookie. */
#ifndef SYNACK_TCP_FASTOPEN_SERVER_H
#define SYNACK_TCP_FASTOPEN_SERVER_H

#include <stdint.h>

#include "synack/synack.h"
#include "wire/tcp_wire.h"

struct synack_stack;
struct tcp_listener;
struct tcp_conn;

/* The cookie length we issue (RFC 7413 4.1.1 allows 4..16; 8 as Linux). */
#define TFO_COOKIE_LEN 8u

/* tcp_xfer.tfo_reply: the SYN-ACK carries the cookie in kind 34, or the experimental form. */
#define TFO_REPLY_34 1
#define TFO_REPLY_EXP 2

/* What a listener does with a SYN (tcp_fastopen_syn). */
typedef struct tfo_verdict {
    uint8_t child; /* 1: create the child at once, its data accepted (RFC 7413 4.2.2) */
    uint8_t reply; /* the SYN-ACK carries a cookie: 0, TFO_REPLY_34 or TFO_REPLY_EXP */
} tfo_verdict;

/* Derives the stack's first key from its cookie secret (stack creation) and, on
 * synack_rotate_secrets(), the next one, keeping the current one as the previous. */
void tcp_fastopen_key_init(struct synack_stack *st);
void tcp_fastopen_key_rotate(struct synack_stack *st);
/* The cookie for a client at raddr reaching us at laddr under key. */
void tcp_fastopen_cookie(const uint8_t key[16], uint32_t raddr, uint32_t laddr,
                         uint8_t out[TFO_COOKIE_LEN]);
/* The same for IPv6 addresses (network order), as Linux computes it. */
void tcp_fastopen_cookie6(const uint8_t key[16], const uint8_t raddr[16], const uint8_t laddr[16],
                          uint8_t out[TFO_COOKIE_LEN]);
/* The cookie for the peer of ep under key, in ep's family. */
void tcp_fastopen_cookie_ep(const uint8_t key[16], const synack_endpoints *ep,
                            uint8_t out[TFO_COOKIE_LEN]);
/* RFC 7413 4.2.2 for a SYN to listener l (which will be answered statefully): counts and
 * traces, and says whether its data is accepted and what cookie the SYN-ACK carries. */
void tcp_fastopen_syn(struct synack_stack *st, struct tcp_listener *l, const synack_endpoints *ep,
                      const tcp_seg *seg, tfo_verdict *v);
/* A child was made from the verdict: it is counted in l's queue until it leaves
 * SYN-RECEIVED (tcp_fastopen_child_done, from tcp_set_state). */
void tcp_fastopen_child_made(struct tcp_listener *l, struct tcp_conn *c);
void tcp_fastopen_child_done(struct tcp_conn *c);

#endif
