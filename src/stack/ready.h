/* SPDX-License-Identifier: MIT */
/* Readiness: the edge-triggered ready list behind synack_sock_watch()/synack_sock_ready().
 * The TCP engine raises an edge where a socket's state really changes; the socket layer
 * keeps the list consistent when sockets come and go. */
#ifndef SYNACK_STACK_READY_H
#define SYNACK_STACK_READY_H

#include "stack/stack_impl.h"

/* An edge on socket s (-1: none): queues it, once, when it is watched for any of `bits`
 * (POLLERR and POLLHUP are always watched). O(1). */
void sock_ready_raise(synack_stack *st, int s, short bits);
/* Send space opened on s: raises POLLOUT if a send had found the buffer full. */
void sock_ready_space(synack_stack *st, int s);
/* Stops watching s and takes it off the ready list (close, or a socket id about to be
 * reused). */
void sock_ready_forget(synack_stack *st, int s);
/* The connection of socket s was freed (socket.c): the socket keeps err (negative errno,
 * 0 for none) for SO_ERROR unless it holds one, reads end of stream, and raises POLLIN,
 * POLLHUP and POLLERR. */
void sock_conn_gone(synack_stack *st, int s, int err);
/* Before sock_conn_gone() for a reset: socket s takes over the data in rb (which is left
 * empty), to be read before the error (cfg.reset_keeps_data). Without memory for it the
 * data is lost, as without the option. */
void sock_keep_data(synack_stack *st, int s, recvbuf *rb);
/* Frees what sock_keep_data() kept, if anything. */
void sock_left_free(synack_stack *st, synack_sock *so);
/* The socket's readiness now, as synack_sock_poll() reports it (before masking). */
short sock_ready_mask(const synack_sock *so);

#endif
