/* SPDX-License-Identifier: MIT */
/* Record ends (MSG_EOR, as Linux's skb EOR mark): a send with MSG_EOR ends a record, and
 * no segment, first sent or resent, carries bytes from both sides of that end. The marks
 * are a small ring in the transfer block (tcb.h eor); a mark the peer has acknowledged is
 * stale and dropped when met, so nothing has to visit the ring on each ACK. */
#include "tcp/tcp.h"

/* Drops the marks at or below SND.UNA: their records are delivered. */
static void drop_acked(tcp_conn *c)
{
    tcp_xfer *x = c->x;
    while (x->eor_len && seq_le(x->eor[x->eor_head], c->snd_una)) {
        x->eor_head = (uint8_t)((x->eor_head + 1) % TCP_EOR_MAX);
        x->eor_len--;
    }
}

int tcp_eor_room(tcp_conn *c)
{
    drop_acked(c);
    return c->x->eor_len < TCP_EOR_MAX;
}

int tcp_eor_full(const tcp_conn *c)
{
    const tcp_xfer *x = c->x;
    /* snd_buf_seq, not snd_una: an ACK reports the space it freed before it moves SND.UNA */
    return x && x->eor_len == TCP_EOR_MAX && seq_gt(x->eor[x->eor_head], x->snd_buf_seq);
}

void tcp_eor_mark(tcp_conn *c)
{
    tcp_xfer *x = c->x;
    uint32_t end = tcp_snd_data_end(c);
    drop_acked(c);
    if (x->eor_len && x->eor[(x->eor_head + x->eor_len - 1) % TCP_EOR_MAX] == end)
        return; /* an empty record: the end is marked already */
    if (x->eor_len == TCP_EOR_MAX)
        return; /* the caller checked tcp_eor_room */
    x->eor[(x->eor_head + x->eor_len) % TCP_EOR_MAX] = end;
    x->eor_len++;
}

uint32_t tcp_eor_span_slow(const tcp_conn *c, uint32_t seq)
{
    const tcp_xfer *x = c->x;
    for (uint32_t i = 0; i < x->eor_len; i++) {
        uint32_t e = x->eor[(x->eor_head + i) % TCP_EOR_MAX];
        if (seq_gt(e, seq))
            return e - seq;
    }
    return UINT32_MAX;
}

uint32_t tcp_eor_tail(const tcp_conn *c, uint32_t top, uint32_t len)
{
    const tcp_xfer *x = c->x;
    if (!x || !x->eor_len)
        return len;
    /* the last record end inside (top - len, top) starts the segment that ends at top */
    for (uint32_t i = x->eor_len; i-- > 0;) {
        uint32_t e = x->eor[(x->eor_head + i) % TCP_EOR_MAX];
        if (seq_lt(e, top) && seq_gt(e, top - len))
            return top - e;
    }
    return len;
}
