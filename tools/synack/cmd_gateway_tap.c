/* SPDX-License-Identifier: MIT */
/* synack gateway: the TAP's data path. With offloads (the default, as slirp4netns and pasta
 * run) the device carries a virtio_net_hdr per frame: the kernel hands us TCP super-packets
 * of up to 64 KiB with checksums left partial (it already trusts its own bytes), and takes
 * ours the same way (TSO, tx checksum), so a 64 KiB burst costs one read or write instead
 * of 44, and no checksum pass on either side. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd_gateway.h"
#include "cmd_gateway_threads.h"
#include "cmd_gateway_udp.h"

int gw_tap_open(synack_tuntap *dev, const gw_opts *o)
{
    return synack_tuntap_open_ex(dev, o->ifname, o->tun ? SYNACK_LINK_IP : SYNACK_LINK_ETHERNET,
                                 (o->no_offload ? 0 : SYNACK_TUNTAP_OFFLOAD) |
                                     (o->threads > 1 ? SYNACK_TUNTAP_MULTI_QUEUE : 0));
}

/* A write the kernel refuses (its queue is full) loses the frame, as a wire would: TCP
 * retransmits it. Counted, so that a lossy TAP shows. */
static int gw_tap_output_ex(void *ctx, const uint8_t *frame, size_t len, const synack_tx_meta *meta)
{
    gw_tap *t = ctx;
    int rc = synack_tuntap_write_meta(t->dev, frame, len, meta);
    if (rc < 0) {
        t->stats.tx_errors++;
        return rc;
    }
    t->stats.tx_frames++;
    t->stats.tx_bytes += len;
    if (meta && (meta->flags & (SYNACK_TX_GSO_TCPV4 | SYNACK_TX_GSO_TCPV6)))
        t->stats.tx_super++;
    if (meta && (meta->flags & SYNACK_TX_CSUM_PARTIAL))
        t->stats.tx_partial++;
    return 0;
}

static int gw_tap_output(void *ctx, const uint8_t *frame, size_t len)
{
    return gw_tap_output_ex(ctx, frame, len, NULL);
}

/* The same in pieces: a data segment's payload goes from the send ring to the kernel in
 * the writev(2) itself, with no copy in between. */
static int gw_tap_output_iov(void *ctx, const synack_iov *iov, unsigned n,
                             const synack_tx_meta *meta)
{
    gw_tap *t = ctx;
    int rc = synack_tuntap_writev_meta(t->dev, iov, n, meta);
    if (rc < 0) {
        t->stats.tx_errors++;
        return rc;
    }
    size_t len = 0;
    for (unsigned i = 0; i < n; i++)
        len += iov[i].len;
    t->stats.tx_frames++;
    t->stats.tx_bytes += len;
    if (meta->flags & (SYNACK_TX_GSO_TCPV4 | SYNACK_TX_GSO_TCPV6))
        t->stats.tx_super++;
    if (meta->flags & SYNACK_TX_CSUM_PARTIAL)
        t->stats.tx_partial++;
    return 0;
}

void gw_tap_netif(gw_tap *t, synack_netif *nif)
{
    uint32_t mtu = nif->mtu;
    synack_tuntap_netif(t->dev, nif);
    /* The device reported its MTU before the namespace side was set to ours. */
    nif->mtu = mtu;
    nif->output = gw_tap_output;
    nif->output_ctx = t;
    nif->output_ex = NULL;
    nif->output_iov = gw_tap_output_iov;
}

/* One frame more than the largest, so that a full read means "cut" (tuntap.h); one per
 * --threads thread. */
static _Thread_local uint8_t gw_frame[SYNACK_TUNTAP_MAX_FRAME + 1];

int gw_tap_drain(gw_tap *t, gw_icmp *ic, synack_stack *st, uint64_t now)
{
    gw_tap_stats *ts = &t->stats;
    for (uint32_t k = 0; k < GW_TAP_BATCH; k++) {
        synack_rx_meta meta;
        long n = synack_tuntap_read_meta(t->dev, gw_frame, sizeof(gw_frame), &meta);
        if (n == -EAGAIN)
            return (int)k;
        if (n == -EMSGSIZE) {
            ts->rx_errors++;
            continue;
        }
        if (n < 0)
            return (int)n;
        ts->rx_frames++;
        ts->rx_bytes += (uint64_t)n;
        if (meta.gso_size)
            ts->rx_super++;
        if (meta.flags & SYNACK_RX_CSUM_PARTIAL)
            ts->rx_partial++;
        if ((uint64_t)n > ts->rx_max)
            ts->rx_max = (uint64_t)n;
        if (t->th && gw_thread_steer(t->th, gw_frame, (size_t)n, &meta))
            continue;
        if (!ic || !gw_icmp_frame(ic, gw_frame, (size_t)n, now))
            synack_input_ex(st, now, gw_frame, (size_t)n, &meta);
    }
    return GW_TAP_BATCH;
}

void gw_tap_summary(const gw_tap *const *tq, int nq, int json)
{
    const gw_tap *t = tq[0];
    gw_tap_stats sum = t->stats;
    for (int i = 1; i < nq; i++) {
        const gw_tap_stats *q = &tq[i]->stats;
        sum.rx_frames += q->rx_frames;
        sum.rx_bytes += q->rx_bytes;
        sum.rx_super += q->rx_super;
        sum.rx_partial += q->rx_partial;
        sum.rx_max = q->rx_max > sum.rx_max ? q->rx_max : sum.rx_max;
        sum.rx_errors += q->rx_errors;
        sum.tx_frames += q->tx_frames;
        sum.tx_bytes += q->tx_bytes;
        sum.tx_super += q->tx_super;
        sum.tx_partial += q->tx_partial;
        sum.tx_errors += q->tx_errors;
    }
    const gw_tap_stats *s = &sum;
    if (!json) {
        fprintf(stderr,
                "synack gateway: TAP %s: %llu frames in (%llu super), %llu out (%llu TSO), "
                "%llu lost in, %llu refused out\n",
                t->dev->vnet_hdr_len ? "with offloads" : "plain", (unsigned long long)s->rx_frames,
                (unsigned long long)s->rx_super, (unsigned long long)s->tx_frames,
                (unsigned long long)s->tx_super, (unsigned long long)s->rx_errors,
                (unsigned long long)s->tx_errors);
        return;
    }
    printf("{\"summary\":\"gateway_tap\",\"offload\":%d,\"rx_frames\":%llu,\"rx_bytes\":%llu,"
           "\"rx_super\":%llu,\"rx_partial\":%llu,\"rx_max\":%llu,\"rx_errors\":%llu,"
           "\"tx_frames\":%llu,\"tx_bytes\":%llu,\"tx_super\":%llu,\"tx_partial\":%llu,"
           "\"tx_errors\":%llu}\n",
           t->dev->vnet_hdr_len ? 1 : 0, (unsigned long long)s->rx_frames,
           (unsigned long long)s->rx_bytes, (unsigned long long)s->rx_super,
           (unsigned long long)s->rx_partial, (unsigned long long)s->rx_max,
           (unsigned long long)s->rx_errors, (unsigned long long)s->tx_frames,
           (unsigned long long)s->tx_bytes, (unsigned long long)s->tx_super,
           (unsigned long long)s->tx_partial, (unsigned long long)s->tx_errors);
}
