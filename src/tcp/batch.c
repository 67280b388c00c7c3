/* SPDX-License-Identifier: MIT */
/* Output batching (synack_batch_begin/end): a host that feeds the stack many frames and
 * socket calls per wake-up, a relay above all, would otherwise have each of them transmit
 * at once: an ACK every few segments of a bulk upload, and a TSO frame per ACK or per
 * send() of a download, each sized by what that one event released. Inside a batch,
 * tcp_output only notes the connection; the batch's end runs it once per connection, so
 * one ACK covers everything that arrived (with the window the reads in between opened)
 * and the data goes out in frames as large as the windows allow. Timers (synack_poll)
 * are not batched: their outputs set flags around tcp_output that must hold for it. */
#include <errno.h>

#include "tcp/tcp.h"

int tcp_batch_defer(tcp_conn *c)
{
    synack_stack *st = c->st;
    /* A call whose flags hold only for this output (MSG_MORE's hold, TCP_NODELAY's push,
     * the SWS override) runs now. */
    if (c->more_once || c->push_once || c->sws_override)
        return 0;
    for (uint32_t i = 0; i < st->batch_len; i++)
        if (st->batch_conns[i] == c)
            return 1;
    if (st->batch_len >= STACK_BATCH_CONNS)
        return 0; /* bounded: the rest transmit as without a batch */
    st->batch_conns[st->batch_len++] = c;
    return 1;
}

void tcp_batch_forget(tcp_conn *c)
{
    synack_stack *st = c->st;
    for (uint32_t i = 0; i < st->batch_len; i++)
        if (st->batch_conns[i] == c)
            st->batch_conns[i] = NULL;
}

int synack_batch_begin(synack_stack *st)
{
    if (!st)
        return -EINVAL;
    if (st->cb_depth > 0)
        return -EBUSY;
    if (st->batch_on)
        return -EALREADY;
    st->batch_on = 1;
    return 0;
}

int synack_batch_end(synack_stack *st)
{
    if (!st || !st->batch_on)
        return -EINVAL;
    if (st->cb_depth > 0)
        return -EBUSY;
    st->batch_on = 0;
    /* An output may free another connection (never its own here): each entry is taken
     * off before its output runs, and tcp_batch_forget clears the others. */
    for (uint32_t i = 0; i < st->batch_len && !st->free_pending; i++) {
        tcp_conn *c = st->batch_conns[i];
        st->batch_conns[i] = NULL;
        if (c)
            tcp_output(c);
    }
    st->batch_len = 0;
    stack_api_return(st);
    return 0;
}
