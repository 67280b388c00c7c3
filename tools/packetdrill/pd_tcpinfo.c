/* SPDX-License-Identifier: MIT */
/* getsockopt(TCP_INFO) for scripts written against Linux: synack's own synack_tcp_info
 * (SYNACK_TCP_INFO), converted to the layout and units of the kernel's struct tcp_info.
 *
 * The layout comes from <linux/tcp.h>, not glibc's <netinet/tcp.h>: glibc's copy stops at
 * tcpi_total_retrans, and scripts read the fields after it (bytes_acked, segs_out, ...).
 * A caller may ask for more than this header knows (packetdrill's own copy of the struct
 * is newer): the tail is zero, as from a kernel whose fields are all idle. Fields synack
 * does not track are 0 too; docs/CONFORMANCE.md lists them. */
#include <errno.h>
#include <linux/tcp.h>
#include <stddef.h>
#include <string.h>

/* synack.h includes glibc's <netinet/tcp.h>, whose struct tcp_info and struct tcphdr clash
 * with the kernel's; <linux/tcp.h> above has already defined every TCP_* name it needs. */
#define _NETINET_TCP_H 1
#include "pd_shim.h"

/* Linux's "no slow-start threshold yet" (TCP_INFINITE_SSTHRESH), in segments. */
#define PD_INFINITE_SSTHRESH 0x7fffffffu

/* Linux's tcpi_state numbers (include/net/tcp_states.h) for synack's states. */
static uint8_t linux_state(synack_tcp_state s)
{
    switch (s) {
    case SYNACK_ESTABLISHED:
        return 1;
    case SYNACK_SYN_SENT:
        return 2;
    case SYNACK_SYN_RECEIVED:
        return 3;
    case SYNACK_FIN_WAIT_1:
        return 4;
    case SYNACK_FIN_WAIT_2:
        return 5;
    case SYNACK_TIME_WAIT:
        return 6;
    case SYNACK_CLOSE_WAIT:
        return 8;
    case SYNACK_LAST_ACK:
        return 9;
    case SYNACK_LISTEN:
        return 10;
    case SYNACK_CLOSING:
        return 11;
    default:
        return 7; /* TCP_CLOSE */
    }
}

/* Bytes to whole segments, rounding up: Linux counts packets, synack bytes. */
static uint32_t segs(uint64_t bytes, uint32_t mss)
{
    if (mss == 0)
        return 0;
    uint64_t n = (bytes + mss - 1) / mss;
    return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

void pd_tcp_info_convert(const synack_tcp_info *si, uint32_t pmtu, void *out, size_t out_len)
{
    struct tcp_info li;
    memset(&li, 0, sizeof(li));
    li.tcpi_state = linux_state((synack_tcp_state)si->state);
    li.tcpi_ca_state = si->ca_state;
    li.tcpi_retransmits = (uint8_t)(si->retransmits > 255 ? 255 : si->retransmits);
    li.tcpi_backoff = li.tcpi_retransmits;
    li.tcpi_probes = (uint8_t)(si->probes > 255 ? 255 : si->probes);
    li.tcpi_options = (uint8_t)(((si->options & 1) ? TCPI_OPT_TIMESTAMPS : 0) |
                                ((si->options & 2) ? TCPI_OPT_SACK : 0) |
                                ((si->options & 4) ? TCPI_OPT_WSCALE : 0) |
                                ((si->options & 0x20) ? TCPI_OPT_SYN_DATA : 0));
    if (si->options & 4) {
        /* Linux reports the shifts only once the option was agreed. */
        li.tcpi_snd_wscale = si->snd_wscale & 0xf;
        li.tcpi_rcv_wscale = si->rcv_wscale & 0xf;
    }
    li.tcpi_rto = si->rto_us;
    li.tcpi_snd_mss = si->snd_mss;
    li.tcpi_rcv_mss = si->rcv_mss;
    li.tcpi_unacked = segs(si->unacked, si->snd_mss);
    li.tcpi_sacked = segs(si->sacked, si->snd_mss);
    li.tcpi_lost = segs(si->lost, si->snd_mss);
    li.tcpi_reordering = si->reordering;
    li.tcpi_pmtu = pmtu;
    li.tcpi_rtt = si->rtt_us;
    li.tcpi_rttvar = si->rttvar_us;
    /* synack keeps ssthresh in bytes and starts it at UINT32_MAX / 2 (no threshold). */
    li.tcpi_snd_ssthresh = si->snd_ssthresh >= UINT32_MAX / 2
                               ? PD_INFINITE_SSTHRESH
                               : (si->snd_mss ? si->snd_ssthresh / si->snd_mss : 0);
    li.tcpi_snd_cwnd = si->snd_mss ? si->snd_cwnd / si->snd_mss : 0;
    li.tcpi_advmss = si->rcv_mss;
    li.tcpi_total_retrans = (uint32_t)si->total_retrans;
    li.tcpi_bytes_acked = si->bytes_acked;
    li.tcpi_bytes_received = si->bytes_received;
    li.tcpi_segs_out = (uint32_t)si->segs_out;
    li.tcpi_segs_in = (uint32_t)si->segs_in;
    li.tcpi_snd_wnd = si->snd_wnd;
    li.tcpi_last_data_sent = si->last_data_sent_ms;
    li.tcpi_last_data_recv = si->last_data_recv_ms;
    li.tcpi_last_ack_recv = si->last_ack_recv_ms;
    li.tcpi_reord_seen = si->reord_seen;
    li.tcpi_busy_time = si->busy_time_us;
    li.tcpi_rwnd_limited = si->rwnd_limited_us;
    li.tcpi_sndbuf_limited = si->sndbuf_limited_us;
    li.tcpi_delivered = si->delivered;

    size_t n = out_len < sizeof(li) ? out_len : sizeof(li);
    memcpy(out, &li, n);
    if (out_len > n)
        memset((char *)out + n, 0, out_len - n);
    /* tcpi_rcv_wnd follows tcpi_snd_wnd in kernels newer than this <linux/tcp.h> (the
     * struct only ever grows at its end, so the offset is fixed). */
    size_t rcv_wnd_at = offsetof(struct tcp_info, tcpi_snd_wnd) + sizeof(li.tcpi_snd_wnd);
    if (out_len >= rcv_wnd_at + sizeof(uint32_t)) {
        uint32_t w = si->rcv_wnd;
        memcpy((char *)out + rcv_wnd_at, &w, sizeof(w));
    }
}

int pd_linux_tcp_info(pd_shim *sh, int s, void *val, socklen_t *len)
{
    synack_tcp_info si;
    socklen_t sl = sizeof(si);
    int rc = synack_getsockopt(sh->st, s, IPPROTO_TCP, SYNACK_TCP_INFO, &si, &sl);
    if (rc < 0)
        return rc;
    /* Up to the size a caller asks for, bounded so a wild length is not zero-filled. */
    size_t n = *len > PD_TCP_INFO_MAX ? PD_TCP_INFO_MAX : (size_t)*len;
    pd_tcp_info_convert(&si, sh->mtu, val, n);
    *len = (socklen_t)n;
    return 0;
}
