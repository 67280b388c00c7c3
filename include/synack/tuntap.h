/* SPDX-License-Identifier: MIT */
/* synack — Linux TUN/TAP devices: a real network interface for a stack.
 *
 * Host glue, not core: this uses open(2), ioctl(2), read(2) and write(2) on
 * /dev/net/tun (Documentation/networking/tuntap.rst). A TAP device carries Ethernet
 * frames (a stack with SYNACK_LINK_ETHERNET answers ARP on it); a TUN device carries
 * bare IPv4 packets (SYNACK_LINK_IP). Both are opened with IFF_NO_PI (no packet-info
 * prefix) and O_NONBLOCK, so reads return -EAGAIN when nothing is queued.
 *
 * The device is created in the caller's network namespace (or attached to an existing
 * persistent device of that name there); the kernel side of it is configured with
 * `ip link` / `ip addr` as for any interface. Needs CAP_NET_ADMIN unless the device
 * already exists and belongs to the caller.
 *
 * Offloads (synack_tuntap_open_ex with SYNACK_TUNTAP_OFFLOAD): the device is opened with
 * IFF_VNET_HDR, and every frame crossing the file carries a struct virtio_net_hdr
 * (<linux/virtio_net.h>) in front. TUNSETOFFLOAD(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6)
 * tells the kernel that we take frames whose TCP checksum is only partial and TCP/IPv4
 * and TCP/IPv6 super-packets of up to 64 KiB (it then turns on tx checksumming, TSO and
 * GSO on its side of the device); we in turn hand it super-frames to cut (TSO) and
 * partial checksums to complete. The header's facts map to synack_rx_meta /
 * synack_tx_meta (netif.h). */
#ifndef SYNACK_TUNTAP_H
#define SYNACK_TUNTAP_H

#include <stddef.h>
#include <stdint.h>

#include "synack/api.h"
#include "synack/netif.h"

#ifdef __cplusplus
extern "C" {
#endif

SYNACK_API_BEGIN

/* Largest frame a device hands over: an IPv6 packet with a payload of 65535 bytes (an
 * IPv4 packet is at most 65535 in all) behind an Ethernet header. Frames are normally up
 * to the interface MTU (+14 on TAP). */
#define SYNACK_TUNTAP_MAX_FRAME (65535 + 40 + 14)

/* synack_tuntap_open_ex flags. */
enum {
    /* IFF_VNET_HDR with checksum offload and TSO/GSO both ways (see above). */
    SYNACK_TUNTAP_OFFLOAD = 1u << 0,
    /* IFF_MULTI_QUEUE: each open of the same name attaches one more queue (one file each,
     * up to the kernel's 256); the kernel spreads the frames it sends over the queues by
     * flow, keeping a flow on the queue its frames were last written on (docs/CLI.md,
     * gateway --threads). Every queue must be opened with the same flags. */
    SYNACK_TUNTAP_MULTI_QUEUE = 1u << 1,
};

typedef struct synack_tuntap {
    int fd;                /* the open /dev/net/tun file, non-blocking */
    synack_link_type type; /* SYNACK_LINK_ETHERNET (TAP) or SYNACK_LINK_IP (TUN) */
    char name[16];         /* the interface name the kernel gave (IFNAMSIZ) */
    uint32_t mtu;          /* the interface MTU when it was opened */
    uint32_t vnet_hdr_len; /* bytes of virtio_net_hdr before every frame; 0 = no offloads */
} synack_tuntap;

/* Opens (creating if needed) the TAP (SYNACK_LINK_ETHERNET) or TUN (SYNACK_LINK_IP) device
 * `name` ("" or NULL lets the kernel choose, e.g. tap0). Returns 0 and fills *dev, or a
 * negative errno (-ENOENT without /dev/net/tun, -EPERM without CAP_NET_ADMIN, -EBUSY when
 * another process holds the device, -EINVAL for a NULL dev, a bad name or type). */
int synack_tuntap_open(synack_tuntap *dev, const char *name, synack_link_type type);
/* synack_tuntap_open() with SYNACK_TUNTAP_* flags (0: the same). With
 * SYNACK_TUNTAP_OFFLOAD, -EINVAL or -ENOTTY when the kernel refuses the offloads. */
int synack_tuntap_open_ex(synack_tuntap *dev, const char *name, synack_link_type type,
                          unsigned flags);
/* Closes the device (a non-persistent device disappears with it). NULL is accepted. */
void synack_tuntap_close(synack_tuntap *dev);
/* Reads one frame into buf (cap bytes). Returns its length, -EINVAL for a NULL dev (or meta
 * below), -EFAULT for a NULL buf with cap > 0, -EAGAIN when none is queued,
 * -EMSGSIZE when it was longer than cap (the frame is lost), or another negative errno.
 * On a device with offloads a partial checksum is completed here, so the frame is whole
 * (it may still be a super-packet longer than the MTU). */
long synack_tuntap_read(synack_tuntap *dev, void *buf, size_t cap);
/* synack_tuntap_read() that reports what the device vouches for in *meta (all zero on a
 * device without offloads) and leaves partial checksums partial: hand both to
 * synack_input_ex(). */
long synack_tuntap_read_meta(synack_tuntap *dev, void *buf, size_t cap, synack_rx_meta *meta);
/* Completes the partial checksum of a frame read with synack_tuntap_read_meta() (the frame
 * is writable) and clears SYNACK_RX_CSUM_PARTIAL; does nothing to other frames. */
void synack_tuntap_csum_complete(uint8_t *frame, size_t len, synack_rx_meta *meta);
/* Writes one frame. Returns 0, or a negative errno (-EAGAIN when the kernel's queue is
 * full, -EIO when the interface is down): the frame is then lost, as on a wire. Fits
 * synack_output_fn with the device as ctx. */
int synack_tuntap_write(void *ctx, const uint8_t *frame, size_t len);
/* synack_tuntap_write() with the frame's offload metadata; fits synack_output_ex_fn. On a
 * device without offloads a frame that needs them is refused (-EINVAL). */
int synack_tuntap_write_meta(void *ctx, const uint8_t *frame, size_t len,
                             const synack_tx_meta *meta);
/* synack_tuntap_write_meta() for a frame in n pieces (1..SYNACK_IOV_MAX), in one
 * writev(2); fits synack_output_iov_fn. -EINVAL for a NULL dev or a bad n, -EFAULT for
 * a NULL piece. */
int synack_tuntap_writev_meta(void *ctx, const synack_iov *piece, unsigned n,
                              const synack_tx_meta *meta);
/* Fills a netif to send through dev: type, output and output_ctx, and the MTU (when
 * nif->mtu is 0 or larger than the device's). Address, prefix, gateway and MAC stay the
 * caller's. On a device with offloads also output_ex, tso_max (64 KiB) and tx_csum.
 * Returns 0, or -EINVAL for a NULL dev or nif. */
int synack_tuntap_netif(synack_tuntap *dev, synack_netif *nif);
/* Waits until the kernel reports the interface operationally up (sysfs operstate "up" or
 * "unknown"), at most timeout_ms. Attaching to a TAP device raises its carrier, but the
 * kernel activates the interface's queue a moment later (linkwatch): what it sends before
 * that, such as the reply to our first ARP request, is dropped. Returns 0, or -ETIMEDOUT
 * (e.g. the interface is administratively down), or -ENOENT when sysfs does not show it. */
int synack_tuntap_wait_up(const synack_tuntap *dev, unsigned timeout_ms);
/* A locally administered, unicast MAC address (IEEE 802 U/L bit set) made from 5 bytes
 * of `seed`, for a stack on a TAP device (it must differ from the kernel side's). */
void synack_tuntap_make_mac(uint8_t mac[6], uint64_t seed);

SYNACK_API_END

#ifdef __cplusplus
}
#endif
#endif
