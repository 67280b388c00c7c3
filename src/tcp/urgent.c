/* SPDX-License-Identifier: MIT */
/* synack — urgent data (RFC 9293 3.8.5, MUST-30/31/32), the way every deployed stack reads
 * it (RFC 6093): the urgent pointer points to the byte after the urgent data, and only that
 * last byte, the "out-of-band" byte, is taken out of the stream (recv MSG_OOB), unless
 * SO_OOBINLINE leaves it in line. Reads never cross the mark, so an application learns
 * where the urgent data ends (sockatmark). Linux's behaviour is the reference for what RFC
 * 6093 leaves open: one mark at a time, a newer pointer replaces it, the byte can be read
 * out of band once, and a read that passes the mark forgets it. */
#include <errno.h>
#include <string.h>

#include "stack/ready.h"
#include "tcp/tcp.h"

/* Sequence number of the first byte the application has not read. */
static uint32_t copied_seq(const tcp_conn *c)
{
    return c->rcv_nxt - recvbuf_ready(&c->x->rcv) - (c->rd_closed ? 1u : 0u);
}

/* The urgent byte sits at the read point and is read out of band, not in line. */
static int skip_here(const tcp_conn *c)
{
    return c->x->urg_state != TCP_URG_NONE && !c->knobs->oobinline &&
           c->x->urg_seq == copied_seq(c);
}

/* MUST-33: the application learns of every new mark (the trace's note; POLLPRI follows
 * once the byte is there, as Linux's SIGURG then POLLPRI). */
static void note(tcp_conn *c, const char *text)
{
    if (!stack_tracing(c->st))
        return;
    synack_event ev = {.type = SYNACK_EV_NOTE, .has_conn = 1, .sock = c->sock};
    tcp_conn_endpoints(c, &ev.conn);
    ev.u.note.text = text;
    stack_emit(c->st, &ev);
}

/* A segment with URG: RFC 6093's reading of the pointer (the byte before it is the urgent
 * one); pointers behind what was received, or not past the current mark, say nothing new. */
static void check_urg(tcp_conn *c, const tcp_seg *seg)
{
    tcp_xfer *x = c->x;
    uint32_t ptr = seg->seq + seg->urg - (seg->urg ? 1u : 0u);
    if (seq_gt(copied_seq(c), ptr) || seq_lt(ptr, c->rcv_nxt))
        return;
    if (x->urg_state != TCP_URG_NONE && !seq_gt(ptr, x->urg_seq))
        return;
    /* A new mark replaces one the reader stands at: that byte was never to be read in
     * line, and nothing will skip it once the mark moves. */
    if (skip_here(c) && recvbuf_ready(&x->rcv) > 0)
        recvbuf_read(&x->rcv, NULL, 1);
    x->urg_state = TCP_URG_NOTYET;
    x->urg_seq = ptr;
    note(c, "urgent-mark");
    sock_ready_raise(c->st, c->sock, SYNACK_POLLPRI);
}

void tcp_urg_input(tcp_conn *c, const tcp_seg *seg)
{
    tcp_xfer *x = c->x;
    if (seg->flags & TCP_URG)
        check_urg(c, seg);
    if (x->urg_state != TCP_URG_NOTYET)
        return;
    /* The byte is taken from whichever segment brings it, in order or not. */
    uint32_t data_seq = seg->seq + ((seg->flags & TCP_SYN) ? 1u : 0u);
    uint32_t off = x->urg_seq - data_seq;
    if (off < seg->payload_len) {
        x->urg_byte = seg->payload[off];
        x->urg_state = TCP_URG_VALID;
        sock_ready_raise(c->st, c->sock, SYNACK_POLLPRI | SYNACK_POLLIN);
    }
}

uint32_t tcp_urg_clip(const tcp_conn *c, uint32_t n, uint32_t *skip)
{
    const tcp_xfer *x = c->x;
    *skip = 0;
    if (x->urg_state == TCP_URG_NONE)
        return n;
    uint32_t ready = recvbuf_ready(&x->rcv);
    uint32_t off = x->urg_seq - copied_seq(c);
    if (off == 0 && !c->knobs->oobinline) {
        *skip = ready > 0 ? 1u : 0u;
        return n < ready - *skip ? n : ready - *skip;
    }
    if (off > 0 && off < n)
        return off; /* stop before the mark */
    return n;
}

uint32_t tcp_urg_readable(const tcp_conn *c)
{
    uint32_t ready = recvbuf_ready(&c->x->rcv);
    return ready > 0 && skip_here(c) ? ready - 1 : ready;
}

void tcp_urg_consumed(tcp_conn *c)
{
    tcp_xfer *x = c->x;
    if (x->urg_state != TCP_URG_NONE && seq_gt(copied_seq(c), x->urg_seq))
        x->urg_state = TCP_URG_NONE;
}

long tcp_urg_recv_oob(tcp_conn *c, void *buf, size_t len, int peek)
{
    tcp_xfer *x = c ? c->x : NULL;
    if (!x || c->knobs->oobinline || x->urg_state == TCP_URG_NONE || x->urg_state == TCP_URG_READ)
        return -EINVAL;
    if (x->urg_state == TCP_URG_VALID) {
        if (!peek)
            x->urg_state = TCP_URG_READ;
        if (len == 0)
            return 0;
        memcpy(buf, &x->urg_byte, 1);
        return 1;
    }
    if (c->rd_closed)
        return 0;
    return -EAGAIN;
}

int tcp_urg_atmark(const tcp_conn *c)
{
    return c->x && c->x->urg_state != TCP_URG_NONE && c->x->urg_seq == copied_seq(c);
}

int tcp_urg_pending(const tcp_conn *c)
{
    return c->x && c->x->urg_state == TCP_URG_VALID;
}

void tcp_urg_stamp(const tcp_conn *c, tcp_seg *seg)
{
    const tcp_xfer *x = c->x;
    if (!x || !x->snd_urg || !seq_lt(seg->seq, x->snd_up) || !seq_lt(c->snd_una, x->snd_up))
        return;
    /* The pointer field reaches 64 KiB ahead; a mark beyond it is announced as far as the
     * field goes (Linux: when the segment lies that far below SND.NXT). */
    if (x->snd_up - seg->seq <= 0xffffu) {
        seg->urg = (uint16_t)(x->snd_up - seg->seq);
        seg->flags |= TCP_URG;
    } else if (seq_gt(seg->seq + 0xffffu, c->snd_nxt)) {
        seg->urg = 0xffff;
        seg->flags |= TCP_URG;
    }
}

void tcp_urg_mark_send(tcp_conn *c, uint32_t end)
{
    c->x->snd_urg = 1;
    c->x->snd_up = end;
}
