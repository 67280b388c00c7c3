/* SPDX-License-Identifier: MIT */
/* A socket's error queue (errqueue.c): MSG_ZEROCOPY completions and SO_TIMESTAMPING TX
 * records, the sends still waiting for theirs, and the socket options that ask for them.
 * TCP reports transmissions and acknowledgments through sock_errq_sent/_acked while a
 * connection's errq_track is set; nothing else here touches TCP. */
#ifndef SYNACK_STACK_ERRQUEUE_H
#define SYNACK_STACK_ERRQUEUE_H

#include <stdint.h>

#include "stack/stack_impl.h"

/* The last byte before sequence number `sent_end` has been transmitted on socket s's
 * connection (s -1: none): SCHED and SND records of the sends it completes. */
void sock_errq_sent(synack_stack *st, int s, uint32_t sent_end);
/* Everything before `una` is acknowledged: ACK records and zerocopy completions. */
void sock_errq_acked(synack_stack *st, int s, uint32_t una);
/* The socket's connection is gone: its zerocopy sends complete (their bytes are no longer
 * needed); its timestamp records will never come. */
void sock_errq_conn_gone(synack_stack *st, int s);

/* SO_ZEROCOPY / SO_TIMESTAMPING set on socket s: 0 or a negative errno. */
int sock_errq_setopt(synack_stack *st, int s, int name, int v);
/* Their values for getsockopt. */
int sock_errq_getopt(const synack_sock *so, int name);
/* An accepted socket takes its listener's options, as Linux's accept(). 0 or -ENOMEM. */
int sock_errq_inherit(synack_stack *st, int ns, const synack_sock *lso);
/* Before a send of flags on socket s: whether it wants error-queue records (*want set),
 * or -ENOBUFS when a MSG_ZEROCOPY send has no room to be tracked. */
int sock_errq_pre_send(const synack_sock *so, int flags, int *want);
/* After n > 0 bytes of that send were queued: records what is due for them. */
void sock_errq_post_send(synack_stack *st, int s, int flags);
/* Queues record e on socket s (an ICMP error for an echo socket): 0, or -ENOMEM when the
 * queue cannot be allocated (a full queue drops the record, counted in its stat). */
int sock_errq_push(synack_stack *st, int s, const synack_sock_err *e);
/* POLLERR while records are waiting. */
short sock_errq_poll(const synack_sock *so);
/* Frees the queue (socket release, stack destruction). */
void sock_errq_free(synack_stack *st, synack_sock *so);

#endif
