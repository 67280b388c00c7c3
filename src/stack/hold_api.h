/* SPDX-License-Identifier: MIT */
/* The socket side of SYNACK_TCP_CATCH_ALL and SYNACK_TCP_HOLD_SYN (hold_api.c). */
#ifndef SYNACK_STACK_HOLD_API_H
#define SYNACK_STACK_HOLD_API_H

#include "stack/stack_impl.h"

/* Whether (level, name) is one of the two options. */
int sock_hold_option(int level, int name);
/* setsockopt of one of them with value v: 0, -EINVAL (connected socket, value out of
 * range), -EADDRINUSE (another listener is the catch-all). */
int sock_hold_setopt(synack_stack *st, synack_sock *so, int name, int v);
/* getsockopt's value of one of them. */
int sock_hold_getopt(const synack_sock *so, int name);
/* listen() made so->lst: it takes the socket's options. 0 or -EADDRINUSE. */
int sock_hold_listen(synack_stack *st, synack_sock *so);

#endif
