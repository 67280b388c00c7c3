/* SPDX-License-Identifier: MIT */
#include "support/seghost.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/wire_poison.h"
#include "wire/checksum.h"
#include "wire/ipv4.h"

static void sh_on_event(void *ctx, const synack_event *ev)
{
    seghost *h = ctx;
    if (h->verbose) {
        char buf[512];
        synack_event_json(ev, "stack", buf, sizeof(buf));
        fprintf(stderr, "%s\n", buf);
    }
    if (ev->type != SYNACK_EV_STATE)
        return;
    if (h->nstates == h->capstates) {
        h->capstates = h->capstates ? h->capstates * 2 : 64;
        h->states = realloc(h->states, h->capstates * sizeof(*h->states));
        if (!h->states)
            abort();
    }
    sh_state *s = &h->states[h->nstates++];
    s->t = ev->t_us;
    s->from = ev->u.state.from;
    s->to = ev->u.state.to;
    s->ep = ev->conn;
}

static int sh_output(void *ctx, const uint8_t *frame, size_t len)
{
    seghost *h = ctx;
    ipv4_hdr ip;
    tcp_seg seg;
    wire_check_poison("seghost", frame, len);
    if (h->refuse_tx) {
        h->refused++;
        return -ENOBUFS; /* a full device queue: the frame never left */
    }
    if (ipv4_parse(frame, len, &ip) != WIRE_OK || ip.proto != IP_PROTO_TCP ||
        tcp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &seg) != WIRE_OK) {
        h->bad_frames++;
        h->other_len = len < sizeof(h->other) ? len : sizeof(h->other);
        memcpy(h->other, frame, h->other_len);
        return 0;
    }
    if (h->nout == h->capout) {
        h->capout = h->capout ? h->capout * 2 : 64;
        h->out = realloc(h->out, h->capout * sizeof(*h->out));
        if (!h->out)
            abort();
    }
    sh_seg *o = &h->out[h->nout++];
    memset(o, 0, sizeof(*o));
    o->t = h->now;
    o->dst = ip.dst;
    o->tos = ip.tos;
    o->frag = ip.frag;
    o->ecn = ip.tos & IP_ECN_MASK;
    o->ttl = ip.ttl;
    o->s = seg;
    o->s.payload = NULL;
    size_t n = seg.payload_len < sizeof(o->data) ? seg.payload_len : sizeof(o->data);
    if (n)
        memcpy(o->data, seg.payload, n);
    return 0;
}

void sh_init(seghost *h, const synack_config *cfg)
{
    memset(h, 0, sizeof(*h));
    const char *v = getenv("PAIR_VERBOSE");
    h->verbose = v && *v == '1';
    synack_config c;
    if (cfg)
        c = *cfg;
    else
        synack_config_default(&c);
    synack_config_deterministic(&c, c.seed); /* exact segments need reproducible ISNs */
    c.netif.addr = SH_ADDR;
    c.netif.output = sh_output;
    c.netif.output_ctx = h;
    c.on_event = sh_on_event;
    c.event_ctx = h;
    h->st = synack_stack_new(&c);
    if (!h->st)
        abort();
}

void sh_free(seghost *h)
{
    synack_stack_free(h->st);
    free(h->out);
    free(h->states);
    memset(h, 0, sizeof(*h));
}

int sh_send(seghost *h, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
            uint16_t win, const void *data, size_t len, const tcp_opts *opts)
{
    uint8_t frame[SEG_FRAME_MAX];
    size_t n = seg_build(frame, sizeof(frame), SH_PEER, SH_ADDR, sport, dport, seq, ack, flags, win,
                         data, len, opts);
    if (n == 0)
        abort();
    if (h->peer_ecn) { /* the ECN field, and the header checksum over it again */
        frame[1] = (uint8_t)((frame[1] & ~IP_ECN_MASK) | (h->peer_ecn & IP_ECN_MASK));
        frame[10] = frame[11] = 0;
        uint16_t sum = csum_finish(csum_add(0, frame, IPV4_HDR_LEN));
        frame[10] = (uint8_t)(sum >> 8);
        frame[11] = (uint8_t)sum;
    }
    return synack_input(h->st, h->now, frame, n);
}

void sh_run_until(seghost *h, uint64_t until)
{
    for (;;) {
        uint64_t d = synack_next_deadline(h->st);
        if (d > until)
            break;
        if (d > h->now)
            h->now = d;
        synack_poll(h->st, h->now);
    }
    if (until > h->now)
        h->now = until;
    synack_set_time(h->st, h->now);
}

void sh_run_for(seghost *h, uint64_t us)
{
    sh_run_until(h, h->now + us);
}

const sh_seg *sh_last(const seghost *h)
{
    return h->nout ? &h->out[h->nout - 1] : NULL;
}

void sh_flow(const seghost *h, size_t from, char *buf, size_t cap)
{
    size_t off = 0;
    if (cap)
        buf[0] = 0;
    for (size_t i = from; i < h->nout && off + 1 < cap; i++) {
        char flags[9];
        synack_flags_str(h->out[i].s.flags, flags);
        int n;
        if (h->out[i].s.payload_len)
            n = snprintf(buf + off, cap - off, "%s%s/%zu", off ? "|" : "", flags,
                         h->out[i].s.payload_len);
        else
            n = snprintf(buf + off, cap - off, "%s%s", off ? "|" : "", flags);
        if (n < 0)
            break;
        off += (size_t)n;
    }
}

uint64_t sh_state_time(const seghost *h, synack_tcp_state to, uint64_t since)
{
    for (size_t i = 0; i < h->nstates; i++)
        if (h->states[i].to == to && h->states[i].t >= since)
            return h->states[i].t;
    return UINT64_MAX;
}

int sh_listen(seghost *h, uint16_t port, int backlog)
{
    int s = synack_socket(h->st, SOCK_STREAM);
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    if (s < 0 || synack_bind(h->st, s, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
        synack_listen(h->st, s, backlog) != 0)
        return -1;
    return s;
}

int sh_handshake(seghost *h, int ls, uint16_t lport, uint16_t pport, uint32_t iss, uint16_t win,
                 uint32_t *server_iss)
{
    size_t mark = h->nout;
    sh_send(h, pport, lport, iss, 0, TCP_SYN, win, NULL, 0, NULL);
    if (h->nout != mark + 1)
        return -1;
    const sh_seg *synack = &h->out[mark];
    if (synack->s.flags != (TCP_SYN | TCP_ACK) || synack->s.ack != iss + 1)
        return -1;
    uint32_t siss = synack->s.seq;
    sh_send(h, pport, lport, iss + 1, siss + 1, TCP_ACK, win, NULL, 0, NULL);
    if (server_iss)
        *server_iss = siss;
    return synack_accept(h->st, ls, NULL, NULL);
}
