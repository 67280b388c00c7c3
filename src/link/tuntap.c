/* Linux TUN/TAP devices (host glue: system calls, not part of the sans-I/O core).
 * See Documentation/networking/tuntap.rst: open /dev/net/tun, TUNSETIFF with IFF_TAP or
 * IFF_TUN and IFF_NO_PI, then every read(2) returns one frame and every write(2) sends
 * one. */
#include "synack/tuntap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

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

int synack_tuntap_open(synack_tuntap *dev, const char *name, synack_link_type type)
{
    memset(dev, 0, sizeof(*dev));
    dev->fd = -1;
    if (type != SYNACK_LINK_ETHERNET && type != SYNACK_LINK_IP)
        return -EINVAL;
    if (name && strlen(name) >= IFNAMSIZ)
        return -EINVAL;
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    /* IFF_NO_PI: frames without the 4-byte flags/protocol prefix. */
    ifr.ifr_flags = (short)((type == SYNACK_LINK_ETHERNET ? IFF_TAP : IFF_TUN) | IFF_NO_PI);
    if (name)
        copy_name(ifr.ifr_name, name);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        int e = errno;
        close(fd);
        return -e;
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
    if (dev->fd >= 0)
        close(dev->fd);
    dev->fd = -1;
}

long synack_tuntap_read(synack_tuntap *dev, void *buf, size_t cap)
{
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

int synack_tuntap_write(void *ctx, const uint8_t *frame, size_t len)
{
    synack_tuntap *dev = ctx;
    for (;;) {
        ssize_t n = write(dev->fd, frame, len);
        if (n >= 0)
            return (size_t)n == len ? 0 : -EIO;
        if (errno == EINTR)
            continue;
        return errno == EWOULDBLOCK ? -EAGAIN : -errno;
    }
}

void synack_tuntap_netif(synack_tuntap *dev, synack_netif *nif)
{
    nif->type = dev->type;
    nif->output = synack_tuntap_write;
    nif->output_ctx = dev;
    if (nif->mtu == 0 || nif->mtu > dev->mtu)
        nif->mtu = dev->mtu;
}

int synack_tuntap_wait_up(const synack_tuntap *dev, unsigned timeout_ms)
{
    char path[64];
    snprintf(path, sizeof(path), "/sys/class/net/%s/operstate", dev->name);
    for (unsigned waited = 0;; waited += 10) {
        char state[16] = "";
        FILE *f = fopen(path, "re");
        if (!f)
            return -ENOENT;
        if (!fgets(state, sizeof(state), f))
            state[0] = '\0';
        fclose(f);
        if (!strncmp(state, "up", 2) || !strncmp(state, "unknown", 7))
            return 0;
        if (waited >= timeout_ms)
            return -ETIMEDOUT;
        struct timespec ts = {.tv_sec = 0, .tv_nsec = 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

void synack_tuntap_make_mac(uint8_t mac[6], uint64_t seed)
{
    /* IEEE 802 first octet: bit 0 = group (clear: unicast), bit 1 = locally administered. */
    mac[0] = 0x02;
    for (int i = 1; i < 6; i++)
        mac[i] = (uint8_t)(seed >> (8 * (i - 1)));
}
