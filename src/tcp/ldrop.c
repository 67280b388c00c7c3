/* SPDX-License-Identifier: MIT */
/* Local drops: the netif output callback refused a data segment (-ENOBUFS: a full device
 * queue or qdisc, Linux's NET_XMIT_DROP). The segment never left, so it counts as not
 * sent (output.c leaves SND.NXT, the transmit log and RTT timing alone), and no loss
 * signal follows from it. With nothing in flight no ACK will come to send it later: a
 * resource probe (the persist timer, TT_PERSIST) retries it every 500 ms, without backoff,
 * and TCP_USER_TIMEOUT counts from the first probe, as Linux's tcp_probe_timer and
 * tcp_send_probe0 do. RFC-neutral, so always on: a segment never sent is neither lost nor
 * outstanding (RFC 9293 3.8.1 times only what was sent). */
#include <errno.h>

#include "stack/stack_impl.h"
#include "tcp/tcp.h"

/* Linux's TCP_RESOURCE_PROBE_INTERVAL */
#define LDROP_INTERVAL_US 500000u
/* Linux's TCP_TIMEOUT_MIN (2 jiffies): the shortest wait a user timeout leaves */
#define LDROP_MIN_US 2000u

int tcp_local_drop(int rc)
{
    return rc == -ENOBUFS;
}

void tcp_ldrop_note(tcp_conn *c)
{
    /* Something in flight: its ACK or its RTO calls tcp_output again, as Linux's
     * tcp_check_probe_timer arms nothing while packets_out or another timer runs. The
     * first probe comes one RTO out (tcp_probe0_base), not backed off. */
    if (c->snd_max != c->snd_una || tcp_deadline(c, TT_PERSIST) != UINT64_MAX ||
        tcp_deadline(c, TT_REXMIT) != UINT64_MAX)
        return;
    c->x->ldrop = 1;
    tcp_timer_set(c, TT_PERSIST, c->st->now + c->rto_us);
}

void tcp_ldrop_clear(tcp_conn *c)
{
    c->x->ldrop = 0;
    c->x->ldrop_probes = 0;
    c->x->ldrop_since = 0;
}

tcp_ret tcp_ldrop_probe(tcp_conn *c)
{
    synack_stack *st = c->st;
    tcp_xfer *x = c->x;
    uint32_t end = tcp_snd_data_end(c);
    int fin = c->fin_queued && seq_le(c->snd_nxt, end) && seq_le(c->snd_max, end);
    if (c->snd_max != c->snd_una || (!seq_lt(c->snd_nxt, end) && !fin)) {
        tcp_ldrop_clear(c); /* sent after all, or nothing left to send */
        return TCP_DONE;
    }
    uint64_t ut = tcp_user_timeout_us(c);
    if (x->ldrop_probes == 0)
        x->ldrop_since = st->now;
    if ((x->ldrop_probes && ut && st->now - x->ldrop_since >= ut) ||
        x->ldrop_probes >= st->cfg.data_retries) {
        stack_count(st, SYNACK_CTR_TCPAbortOnTimeout);
        if (c->state == SYNACK_ESTABLISHED || c->state == SYNACK_CLOSE_WAIT)
            stack_count(st, SYNACK_CTR_EstabResets);
        if (c->sock >= 0)
            st->socks[c->sock].gone_probes = x->ldrop_probes;
        tcp_conn_close(c, tcp_timeout_error(c), "probe-timeout");
        return TCP_FREED;
    }
    x->ldrop = 0;
    /* One segment as Linux's tcp_write_wakeup sends it: Nagle does not hold it back. */
    c->sws_override = 1;
    tcp_output(c);
    c->sws_override = 0;
    if (c->snd_max != c->snd_una || !x->ldrop) {
        /* It left (the RTO takes over), or something else holds it now (a window probe
         * tcp_output armed): the run of resource probes ends. */
        tcp_ldrop_clear(c);
        return TCP_DONE;
    }
    x->ldrop_probes++;
    uint64_t t = LDROP_INTERVAL_US;
    if (ut) { /* as tcp_clamp_probe0_to_user_timeout: wake when the user timeout ends */
        uint64_t used = st->now - x->ldrop_since;
        uint64_t left = used < ut ? ut - used : 0;
        if (left < LDROP_MIN_US)
            left = LDROP_MIN_US;
        if (left < t)
            t = left;
    }
    tcp_timer_set(c, TT_PERSIST, st->now + t);
    return TCP_DONE;
}
