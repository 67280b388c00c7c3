/* SPDX-License-Identifier: MIT */
/* Linux TUN/TAP devices (host glue: system calls, not part of the sans-I/O core).
 * See Documentation/networking/tuntap.rst: open /dev/net/tun, TUNSETIFF with IFF_TAP or
 * IFF_TUN and IFF_NO_PI, then every read(2) returns one frame and every write(2) sends
 * one. With offloads (IFF_VNET_HDR) each frame has a struct virtio_net_hdr in front; it is
 * read and written with the frame in one readv(2)/writev(2). */
#include "synack/tuntap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "wire/checksum.h"

/* Copies an interface name into an ifreq's IFNAMSIZ field, NUL-terminated. */
static void copy_name(char dst[IFNAMSIZ], const char *name)
{
    size_t n = strnlen(name, IFNAMSIZ - 1);
    memcpy(dst, name, n);
    dst[n] = '\0';
}

/* The interface MTU as the kernel sees it, or 1500 when it cannot be read. */
static uint32_t device_mtu(const char *name)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return 1500;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    copy_name(ifr.ifr_name, name);
    uint32_t mtu = 1500;
    if (ioctl(s, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu >= 68)
        mtu = (uint32_t)ifr.ifr_mtu;
    close(s);
    return mtu;
}

/* The header's 16-bit fields are in the host's order: a TAP device without TUNSETVNETLE
 * speaks legacy virtio, whose byte order is the host's (virtio 1.x 2.4.3, "legacy"). */
typedef struct virtio_net_hdr vnet_hdr;

/* Turns on IFF_VNET_HDR's companions: the header size and the offloads we accept. */
static int enable_offloads(int fd)
{
    int sz = (int)sizeof(vnet_hdr);
    if (ioctl(fd, TUNSETVNETHDRSZ, &sz) < 0)
        return -errno;
    /* TUN_F_CSUM: partial checksums are fine; TUN_F_TSO4/TSO6: so are TCP/IPv4 and
     * TCP/IPv6 super-packets. The kernel turns on tx-checksumming, TSO and GSO of the
     * device to match. No ECN (TUN_F_TSO_ECN): synack never sets CWR on a super-frame. */
    if (ioctl(fd, TUNSETOFFLOAD, (unsigned long)(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6)) < 0)
        return -errno;
    return 0;
}

int synack_tuntap_open(synack_tuntap *dev, const char *name, synack_link_type type)
{
    return synack_tuntap_open_ex(dev, name, type, 0);
}

int synack_tuntap_open_ex(synack_tuntap *dev, const char *name, synack_link_type type,
                          unsigned flags)
{
    if (!dev)
        return -EINVAL;
    memset(dev, 0, sizeof(*dev));
    dev->fd = -1;
    if (type != SYNACK_LINK_ETHERNET && type != SYNACK_LINK_IP)
        return -EINVAL;
    if (flags & ~(unsigned)(SYNACK_TUNTAP_OFFLOAD | SYNACK_TUNTAP_MULTI_QUEUE))
        return -EINVAL;
    if (name && strlen(name) >= IFNAMSIZ)
        return -EINVAL;
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    /* IFF_NO_PI: frames without the 4-byte flags/protocol prefix. */
    int offload = (flags & SYNACK_TUNTAP_OFFLOAD) != 0;
    ifr.ifr_flags = (short)((type == SYNACK_LINK_ETHERNET ? IFF_TAP : IFF_TUN) | IFF_NO_PI |
                            (offload ? IFF_VNET_HDR : 0) |
                            (flags & SYNACK_TUNTAP_MULTI_QUEUE ? IFF_MULTI_QUEUE : 0));
    if (name)
        copy_name(ifr.ifr_name, name);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    if (offload) {
        int rc = enable_offloads(fd);
        if (rc < 0) {
            close(fd);
            return rc;
        }
        dev->vnet_hdr_len = (uint32_t)sizeof(vnet_hdr);
    } else {
        /* A persistent device keeps the offloads an earlier reader turned on; without a
         * virtio header we could neither see nor finish its partial checksums and
         * super-packets. (A fresh device has none: then this changes nothing.) */
        ioctl(fd, TUNSETOFFLOAD, 0ul);
    }
    dev->fd = fd;
    dev->type = type;
    memcpy(dev->name, ifr.ifr_name, sizeof(dev->name) - 1);
    dev->name[sizeof(dev->name) - 1] = '\0';
    dev->mtu = device_mtu(dev->name);
    return 0;
}

void synack_tuntap_close(synack_tuntap *dev)
{
    if (!dev)
        return;
    if (dev->fd >= 0)
        close(dev->fd);
    dev->fd = -1;
}

/* What a received header says, in the stack's terms. */
static void rx_meta_of(const vnet_hdr *h, synack_rx_meta *meta)
{
    memset(meta, 0, sizeof(*meta));
    if (h->flags & VIRTIO_NET_HDR_F_DATA_VALID)
        meta->flags |= SYNACK_RX_CSUM_VERIFIED;
    if (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
        meta->flags |= SYNACK_RX_CSUM_PARTIAL;
        meta->csum_start = h->csum_start;
        meta->csum_offset = h->csum_offset;
    }
    uint8_t gso = h->gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
    if (gso == VIRTIO_NET_HDR_GSO_TCPV4 || gso == VIRTIO_NET_HDR_GSO_TCPV6)
        meta->gso_size = h->gso_size;
}

void synack_tuntap_csum_complete(uint8_t *frame, size_t len, synack_rx_meta *meta)
{
    if (!frame || !meta || !(meta->flags & SYNACK_RX_CSUM_PARTIAL))
        return;
    size_t start = meta->csum_start, field = start + meta->csum_offset;
    meta->flags &= ~(uint32_t)SYNACK_RX_CSUM_PARTIAL;
    if (start >= len || field + 2 > len)
        return; /* nonsense offsets: left as is, the stack's check drops it */
    /* The field holds the pseudo-header sum; summing it with the rest gives the total. */
    uint16_t c = csum_finish(csum_add(0, frame + start, len - start));
    frame[field] = (uint8_t)(c >> 8);
    frame[field + 1] = (uint8_t)c;
}

/* NOLINTNEXTLINE(misc-no-recursion): one hop at most, decided by dev->vnet_hdr_len */
long synack_tuntap_read(synack_tuntap *dev, void *buf, size_t cap)
{
    if (!dev)
        return -EINVAL;
    if (!buf && cap > 0)
        return -EFAULT;
    if (dev->vnet_hdr_len) {
        synack_rx_meta meta = {0};
        long n = synack_tuntap_read_meta(dev, buf, cap, &meta);
        if (n > 0)
            synack_tuntap_csum_complete(buf, (size_t)n, &meta);
        return n;
    }
    for (;;) {
        ssize_t n = read(dev->fd, buf, cap);
        if (n >= 0) {
            /* A tun read truncates a frame longer than the buffer and returns the
             * truncated length; a full buffer therefore means "maybe cut". */
            if ((size_t)n == cap)
                return -EMSGSIZE;
            return (long)n;
        }
        if (errno == EINTR)
            continue;
        return errno == EWOULDBLOCK ? -EAGAIN : -errno;
    }
}

/* NOLINTNEXTLINE(misc-no-recursion): one hop at most, as synack_tuntap_read */
long synack_tuntap_read_meta(synack_tuntap *dev, void *buf, size_t cap, synack_rx_meta *meta)
{
    if (!dev || !meta)
        return -EINVAL;
    if (!buf && cap > 0)
        return -EFAULT;
    if (!dev->vnet_hdr_len) {
        memset(meta, 0, sizeof(*meta));
        return synack_tuntap_read(dev, buf, cap);
    }
    vnet_hdr h;
    struct iovec iov[2] = {{.iov_base = &h, .iov_len = sizeof(h)},
                           {.iov_base = buf, .iov_len = cap}};
    for (;;) {
        ssize_t n = readv(dev->fd, iov, 2);
        if (n >= 0) {
            if ((size_t)n < sizeof(h))
                return -EIO;
            if ((size_t)n - sizeof(h) == cap)
                return -EMSGSIZE; /* maybe cut, as in synack_tuntap_read */
            rx_meta_of(&h, meta);
            return (long)((size_t)n - sizeof(h));
        }
        if (errno == EINTR)
            continue;
        return errno == EWOULDBLOCK ? -EAGAIN : -errno;
    }
}

static void vnet_hdr_fill(vnet_hdr *h, const synack_tx_meta *meta)
{
    memset(h, 0, sizeof(*h));
    if (meta && (meta->flags & SYNACK_TX_CSUM_PARTIAL)) {
        h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
        h->csum_start = meta->csum_start;
        h->csum_offset = meta->csum_offset;
    }
    if (meta && (meta->flags & (SYNACK_TX_GSO_TCPV4 | SYNACK_TX_GSO_TCPV6))) {
        h->gso_type =
            meta->flags & SYNACK_TX_GSO_TCPV6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4;
        h->gso_size = meta->gso_size;
        h->hdr_len = meta->hdr_len;
    }
}

static int writev_all(int fd, const struct iovec *iov, int n, size_t want)
{
    for (;;) {
        ssize_t w = writev(fd, iov, n);
        if (w >= 0)
            return (size_t)w == want ? 0 : -EIO;
        if (errno == EINTR)
            continue;
        return errno == EWOULDBLOCK ? -EAGAIN : -errno;
    }
}

/* NOLINTNEXTLINE(misc-no-recursion): one hop at most, decided by dev->vnet_hdr_len */
int synack_tuntap_write_meta(void *ctx, const uint8_t *frame, size_t len,
                             const synack_tx_meta *meta)
{
    synack_tuntap *dev = ctx;
    if (!dev)
        return -EINVAL;
    if (!frame && len > 0)
        return -EFAULT;
    if (!dev->vnet_hdr_len)
        return meta && meta->flags ? -EINVAL : synack_tuntap_write(dev, frame, len);
    vnet_hdr h;
    vnet_hdr_fill(&h, meta);
    struct iovec iov[2] = {{.iov_base = &h, .iov_len = sizeof(h)},
                           {.iov_base = (void *)(uintptr_t)frame, .iov_len = len}};
    return writev_all(dev->fd, iov, 2, len + sizeof(h));
}

int synack_tuntap_writev_meta(void *ctx, const synack_iov *piece, unsigned n,
                              const synack_tx_meta *meta)
{
    synack_tuntap *dev = ctx;
    if (!dev || n == 0 || n > SYNACK_IOV_MAX)
        return -EINVAL;
    if (!piece)
        return -EFAULT;
    if (!dev->vnet_hdr_len && meta && meta->flags)
        return -EINVAL;
    /* One writev(2) for the virtio header and every piece: the kernel copies the payload
     * straight from the send ring. */
    vnet_hdr h;
    vnet_hdr_fill(&h, meta);
    struct iovec iov[SYNACK_IOV_MAX + 1];
    int k = 0;
    size_t want = 0;
    if (dev->vnet_hdr_len)
        iov[k++] = (struct iovec){.iov_base = &h, .iov_len = sizeof(h)};
    for (unsigned i = 0; i < n; i++) {
        if (!piece[i].base && piece[i].len > 0)
            return -EFAULT;
        iov[k++] =
            (struct iovec){.iov_base = (void *)(uintptr_t)piece[i].base, .iov_len = piece[i].len};
        want += piece[i].len;
    }
    return writev_all(dev->fd, iov, k, want + (dev->vnet_hdr_len ? sizeof(h) : 0));
}

/* NOLINTNEXTLINE(misc-no-recursion): one hop at most, as synack_tuntap_write_meta */
int synack_tuntap_write(void *ctx, const uint8_t *frame, size_t len)
{
    synack_tuntap *dev = ctx;
    if (!dev)
        return -EINVAL;
    if (!frame && len > 0)
        return -EFAULT;
    if (dev->vnet_hdr_len)
        return synack_tuntap_write_meta(dev, frame, len, NULL);
    for (;;) {
        ssize_t n = write(dev->fd, frame, len);
        if (n >= 0)
            return (size_t)n == len ? 0 : -EIO;
        if (errno == EINTR)
            continue;
        return errno == EWOULDBLOCK ? -EAGAIN : -errno;
    }
}

int synack_tuntap_netif(synack_tuntap *dev, synack_netif *nif)
{
    if (!dev || !nif)
        return -EINVAL;
    nif->type = dev->type;
    nif->output = synack_tuntap_write;
    nif->output_ctx = dev;
    if (nif->mtu == 0 || nif->mtu > dev->mtu)
        nif->mtu = dev->mtu;
    if (dev->vnet_hdr_len) {
        nif->output_ex = synack_tuntap_write_meta;
        nif->tso_max = 65535; /* the IPv4 total length; the stack takes the headers off */
        nif->tx_csum = 1;
    }
    return 0;
}

int synack_tuntap_wait_up(const synack_tuntap *dev, unsigned timeout_ms)
{
    if (!dev)
        return -EINVAL;
    char path[64];
    /* fits: the name is at most IFNAMSIZ */
    (void)snprintf(path, sizeof(path), "/sys/class/net/%s/operstate", dev->name);
    for (unsigned waited = 0;; waited += 10) {
        char state[16] = "";
        FILE *f = fopen(path, "re");
        if (!f)
            return -ENOENT;
        if (!fgets(state, sizeof(state), f))
            state[0] = '\0';
        (void)fclose(f); /* read-only: nothing to lose */
        if (!strncmp(state, "up", 2) || !strncmp(state, "unknown", 7))
            return 0;
        if (waited >= timeout_ms)
            return -ETIMEDOUT;
        struct timespec ts = {.tv_sec = 0, .tv_nsec = 10L * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

void synack_tuntap_make_mac(uint8_t mac[6], uint64_t seed)
{
    /* IEEE 802 first octet: bit 0 = group (clear: unicast), bit 1 = locally administered. */
    if (!mac)
        return;
    mac[0] = 0x02;
    for (int i = 1; i < 6; i++)
        mac[i] = (uint8_t)(seed >> (8 * (i - 1)));
}
