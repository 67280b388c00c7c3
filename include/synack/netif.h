/* SPDX-License-Identifier: MIT */
/* synack — the network interface a stack sends and receives through.
 *
 * A stack owns exactly one netif. Frames come in through synack_input() and leave
 * through `output`, which the stack calls synchronously from synack_input(),
 * synack_poll() and the socket calls. The frame is only valid during the call. */
#ifndef SYNACK_NETIF_H
#define SYNACK_NETIF_H

#include <stddef.h>
#include <stdint.h>

#include "synack/api.h"

#ifdef __cplusplus
extern "C" {
#endif

SYNACK_API_BEGIN

typedef enum synack_link_type {
    /* Ethernet II frames; the stack answers and resolves ARP (RFC 826). A TAP device. */
    SYNACK_LINK_ETHERNET = 1,
    /* Bare IPv4 packets, no link header. A TUN device or an in-memory link. */
    SYNACK_LINK_IP = 2,
} synack_link_type;

/* Called for every frame the stack sends. Returns 0, or a negative errno that is
 * counted (OutDiscards) — the frame is then lost, as on a real wire, except -ENOBUFS:
 * dropped locally, try later (a full queue): TCP counts such a data segment as never sent
 * and retries it (docs/API.md). It may read the
 * stack but not drive it: synack_input() and the socket calls that change something
 * return -EBUSY from here (queue the frame, deliver it after the call returns). */
typedef int (*synack_output_fn)(void *ctx, const uint8_t *frame, size_t len);

/* ---- offloads (all optional: a netif that leaves them zero gets today's frames) ----
 *
 * A device that checks or completes checksums and cuts or coalesces TCP segments (a TAP
 * device with IFF_VNET_HDR, a virtio NIC) says so per frame. The names follow
 * struct virtio_net_hdr (virtio 1.x 5.1.6), which carries the same facts. */

/* What the device vouches for in a received frame (synack_rx_meta.flags). */
enum {
    /* The device verified the TCP checksum (virtio VIRTIO_NET_HDR_F_DATA_VALID): the stack
     * does not verify it again. */
    SYNACK_RX_CSUM_VERIFIED = 1u << 0,
    /* The TCP checksum field holds only the pseudo-header sum, to be completed by a device
     * that never ran (virtio VIRTIO_NET_HDR_F_NEEDS_CSUM): the bytes came from a sender on
     * this host through memory, not over a wire. The stack does not verify it. */
    SYNACK_RX_CSUM_PARTIAL = 1u << 1,
};

/* Per-frame receive metadata for synack_input_ex(). All zero: an ordinary frame. */
typedef struct synack_rx_meta {
    uint32_t flags; /* SYNACK_RX_* bits */
    /* Non-zero: the frame is a super-packet (GRO/GSO) standing for TCP segments of
     * gso_size payload bytes each, the last one shorter; its IP packet may exceed the MTU
     * (up to 65535 bytes; an IPv6 payload up to 65535). Counters count the segments it
     * stands for. */
    uint16_t gso_size;
    /* SYNACK_RX_CSUM_PARTIAL: where the sum starts (from the frame's first byte) and where
     * its field lies from there. The stack does not need them; a host that wants the frame
     * whole (say, to corrupt it on purpose) completes the checksum with them. */
    uint16_t csum_start;
    uint16_t csum_offset;
} synack_rx_meta;

/* What the device must do to a frame the stack sends (synack_tx_meta.flags). */
enum {
    /* Complete the checksum (virtio VIRTIO_NET_HDR_F_NEEDS_CSUM): sum the bytes from
     * csum_start to the end of the frame (the 16-bit field at csum_start + csum_offset
     * holds the folded, uncomplemented pseudo-header sum, RFC 9293 3.1) and store the
     * complement of the total there. */
    SYNACK_TX_CSUM_PARTIAL = 1u << 0,
    /* Cut the TCP payload into segments of gso_size bytes, copying the headers and fixing
     * sequence numbers, IP lengths and IDs, and checksums (virtio
     * VIRTIO_NET_HDR_GSO_TCPV4). Always comes with SYNACK_TX_CSUM_PARTIAL; the
     * pseudo-header sum then uses the whole frame's TCP length, as Linux's does. */
    SYNACK_TX_GSO_TCPV4 = 1u << 1,
    /* The same for a TCP/IPv6 super-frame (virtio VIRTIO_NET_HDR_GSO_TCPV6): the device
     * fixes each segment's IPv6 payload length; the pseudo-header sum (RFC 8200 8.1) uses
     * the whole frame's upper-layer length. */
    SYNACK_TX_GSO_TCPV6 = 1u << 2,
};

/* Per-frame transmit metadata passed to output_ex. All zero: an ordinary frame. */
typedef struct synack_tx_meta {
    uint32_t flags;       /* SYNACK_TX_* bits */
    uint16_t gso_size;    /* SYNACK_TX_GSO_TCPV4/V6: payload bytes per segment (the MSS) */
    uint16_t hdr_len;     /* SYNACK_TX_GSO_TCPV4/V6: bytes of headers before the payload
                             (link, IPv4 or IPv6, and TCP with options) */
    uint16_t csum_start;  /* SYNACK_TX_CSUM_PARTIAL: offset of the TCP header in the frame */
    uint16_t csum_offset; /* SYNACK_TX_CSUM_PARTIAL: offset of the checksum field from
                             csum_start (16 for TCP) */
} synack_tx_meta;

/* Like synack_output_fn, with the frame's metadata (never NULL; zero for an ordinary
 * frame). */
typedef int (*synack_output_ex_fn)(void *ctx, const uint8_t *frame, size_t len,
                                   const synack_tx_meta *meta);

/* One piece of a frame handed to output_iov. */
typedef struct synack_iov {
    const uint8_t *base;
    size_t len;
} synack_iov;

/* Most pieces output_iov receives: the headers, then the payload where it lies in the
 * connection's send ring (two pieces where the ring wraps). */
#define SYNACK_IOV_MAX 3

/* Like synack_output_ex_fn, with the frame in n pieces (1..SYNACK_IOV_MAX) whose
 * concatenation is the frame output_ex would get: iov[0] holds the headers the stack built
 * (or, for any frame without TCP payload, the whole frame), the rest point into a
 * connection's send ring, so no byte of payload is copied in user space. The pieces are
 * valid only during the call: the device writes or copies them before returning. The
 * same return values and restrictions as synack_output_fn. */
typedef int (*synack_output_iov_fn)(void *ctx, const synack_iov *iov, unsigned n,
                                    const synack_tx_meta *meta);

typedef struct synack_netif {
    /* What the frames look like on this interface. Default SYNACK_LINK_IP. */
    synack_link_type type;
    /* Our Ethernet address (SYNACK_LINK_ETHERNET only). */
    uint8_t mac[6];
    /* Our IPv4 address, host byte order; 0: IPv6-only (addr6 set, or cfg.slaac on
     * Ethernet), so IPv4 input is dropped, ARP is silent and IPv4 destinations are
     * -ENETUNREACH. */
    uint32_t addr;
    /* Prefix length of the attached subnet; other destinations go via `gateway`. */
    uint8_t prefix_len;
    /* Next hop for off-link destinations, host byte order; 0 means none (unreachable). */
    uint32_t gateway;
    /* Largest IP packet the link carries, bytes. Default 1500. */
    uint32_t mtu;
    /* Where frames go. Required unless output_ex or output_iov is set. */
    synack_output_fn output;
    /* Passed back to `output` and `output_ex`. */
    void *output_ctx;
    /* Where frames go with their metadata; when set, the stack calls it instead of
     * `output` for every frame. Default NULL. The offloads below need it. */
    synack_output_ex_fn output_ex;
    /* Largest TCP payload per frame the device cuts into segments for us (TSO,
     * SYNACK_TX_GSO_TCPV4 and, over IPv6, SYNACK_TX_GSO_TCPV6); 0 = none (default). Used
     * when larger than the MSS, and capped so that an IPv4 packet stays within 65535 bytes
     * (the same cap for IPv6). Needs output_ex or output_iov. */
    uint32_t tso_max;
    /* Non-zero: the device completes TCP checksums (SYNACK_TX_CSUM_PARTIAL on every TCP
     * frame); the stack only writes the pseudo-header sum. Default 0. Needs output_ex or
     * output_iov. */
    uint8_t tx_csum;
    /* IPv6 (RFC 8200), static configuration; all zero (the default): no IPv6. Our global
     * address, network byte order (the first: synack_addr6_add adds more). On Ethernet it
     * and the link-local address go through Duplicate Address Detection first
     * (synack_config.dad_transmits, synack_addr6_state). */
    uint8_t addr6[16];
    /* Prefix length of addr6's on-link prefix (0..128). */
    uint8_t prefix6_len;
    /* Next hop for off-link IPv6 destinations; all zero means none. On a point-to-point
     * SYNACK_LINK_IP link every packet goes out the one way regardless. */
    uint8_t gateway6[16];
    /* Where frames go in pieces, with their metadata (synack_output_iov_fn); when set, the
     * stack calls it instead of `output` for every frame. Excludes output_ex (-EINVAL).
     * The offloads work with it as with output_ex. Default NULL. */
    synack_output_iov_fn output_iov;
} synack_netif;

SYNACK_API_END

#ifdef __cplusplus
}
#endif
#endif
