/* SPDX-License-Identifier: MIT */
/* The stack's frames through the namespace's real tun0 and its qdisc, so that a script's
 * `tc qdisc ... pfifo limit 0` drops them as it drops Linux's: each frame the stack sends
 * is first written to tun0 with an AF_PACKET socket, and a qdisc that refuses it fails the
 * write with ENOBUFS, which goes back to synack's output callback (a local drop). A frame
 * the qdisc passes comes out of tun0 to the fd the shim holds (holding it keeps tun0's
 * carrier up: without a reader the kernel discards frames without an error) and is read
 * and thrown away; packetdrill still gets its copy from the shim's queue, as before.
 *
 * Only inside a network namespace of its own (pd-sweep.sh makes one and a fresh tun0 per
 * script): in the host's namespace, or with no tun0, the shim touches no device and
 * every frame is accepted as before. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pd_shim.h"

/* Where the shim's own fds go: above what packetdrill's scripts use, so socket() in a
 * script still gets the numbers it expects. */
#define PD_QDISC_FD_BASE 200
/* Frames read back from tun0 per write: each write puts at most one there. */
#define PD_QDISC_DRAIN_MAX 8

/* A namespace made for the test: its devices are lo and tun0, nothing else (the host's
 * namespace has its real interfaces; /proc/1/ns/net may not be readable to compare). */
static int private_netns(void)
{
    struct stat self, init;
    if (stat("/proc/self/ns/net", &self) == 0 && stat("/proc/1/ns/net", &init) == 0 &&
        self.st_ino == init.st_ino && self.st_dev == init.st_dev)
        return 0;
    struct if_nameindex *all = if_nameindex();
    if (!all)
        return 0;
    int tun0 = 0, other = 0;
    for (struct if_nameindex *i = all; i->if_index; i++) {
        if (strcmp(i->if_name, "tun0") == 0)
            tun0 = 1;
        else if (strcmp(i->if_name, "lo") != 0)
            other = 1;
    }
    if_freenameindex(all);
    return tun0 && !other;
}

static int high_fd(int fd)
{
    if (fd < 0)
        return -1;
    int h = fcntl(fd, F_DUPFD_CLOEXEC, PD_QDISC_FD_BASE);
    close(fd);
    return h;
}

void pd_qdisc_open(pd_shim *sh)
{
    sh->tun_fd = -1;
    sh->pkt_fd = -1;
    if (!private_netns())
        return;
    int tun = high_fd(open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC));
    if (tun < 0)
        return;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    strncpy(ifr.ifr_name, "tun0", IFNAMSIZ - 1);
    /* attaches to the existing tun0 only: a missing one would be created, so look first */
    unsigned idx = 0;
    int probe = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (probe >= 0) {
        struct ifreq q;
        memset(&q, 0, sizeof(q));
        strncpy(q.ifr_name, "tun0", IFNAMSIZ - 1);
        if (ioctl(probe, SIOCGIFINDEX, &q) == 0)
            idx = (unsigned)q.ifr_ifindex;
        close(probe);
    }
    if (idx == 0 || ioctl(tun, TUNSETIFF, &ifr) != 0) {
        close(tun);
        return;
    }
    int pkt = high_fd(socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0)); /* 0: receives nothing */
    if (pkt < 0) {
        close(tun);
        return;
    }
    sh->tun_fd = tun;
    sh->pkt_fd = pkt;
    sh->tun_ifindex = (int)idx;
}

void pd_qdisc_close(pd_shim *sh)
{
    if (sh->pkt_fd >= 0)
        close(sh->pkt_fd);
    if (sh->tun_fd >= 0)
        close(sh->tun_fd);
    sh->pkt_fd = -1;
    sh->tun_fd = -1;
}

int pd_qdisc_pass(pd_shim *sh, const uint8_t *frame, size_t len)
{
    if (sh->pkt_fd < 0)
        return 0;
    struct sockaddr_ll to;
    memset(&to, 0, sizeof(to));
    to.sll_family = AF_PACKET;
    to.sll_protocol = htons(len && (frame[0] >> 4) == 6 ? ETH_P_IPV6 : ETH_P_IP);
    to.sll_ifindex = sh->tun_ifindex;
    ssize_t n = sendto(sh->pkt_fd, frame, len, 0, (struct sockaddr *)&to, sizeof(to));
    int err = n < 0 ? errno : 0;
    uint8_t sink[PD_MTU_MAX];
    for (int i = 0; i < PD_QDISC_DRAIN_MAX && read(sh->tun_fd, sink, sizeof(sink)) >= 0; i++)
        ;
    /* Only the qdisc's refusal is a local drop; any other failure of this extra path
     * (tun0 down, say) leaves the frame to packetdrill as before. */
    return err == ENOBUFS ? -ENOBUFS : 0;
}
