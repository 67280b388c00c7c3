/* SPDX-License-Identifier: MIT */
/* tun0 configured as packetdrill's own tun mode leaves it: the local address with the
 * test's prefix, and a host route to the remote address through the gateway
 * (packetdrill's netdev.c runs `ip addr add` and `ip route add REMOTE dev tun0 via GW`).
 * Run with --so_filename, packetdrill makes no device, so a script that changes that route
 * (`ip route change 192.0.2.1 via ... mtu lock 640`, mtu_probe/) would find none. The
 * shim stands in for packetdrill's netdev and sets it up the same way, with packetdrill's
 * IPv4 defaults (so_flags prefix=, remote=, gateway= override them).
 *
 * In ipv6 mode (addr= an IPv6 address) tun0 gets that address with prefix6= (48, as
 * packetdrill's) and a route to remote= (2001:db8::1 by default) via gateway=, or on-link
 * without one; `mtu=` becomes tun0's MTU as packetdrill's --mtu does (run_all.py gives
 * 1520 in ipv6 mode), so the stack's frames still fit the qdisc path.
 *
 * Only where pd_qdisc.c attached to tun0 (a namespace made for the test, lo and tun0
 * alone) and only when tun0 has no address of that family yet (the kernel's own
 * link-local IPv6 address does not count): a runner that configured it keeps its own.
 * The kernel never receives through tun0 (the shim only reads what it sends), so the
 * address gives the kernel nothing to answer. */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pd_shim.h"

#define NL_BUF 256

typedef struct nl_req {
    struct nlmsghdr h;
    char body[NL_BUF];
} nl_req;

static void add_attr(nl_req *q, unsigned short type, const void *data, size_t len)
{
    struct rtattr *a = (struct rtattr *)((char *)q + NLMSG_ALIGN(q->h.nlmsg_len));
    a->rta_type = type;
    a->rta_len = (unsigned short)RTA_LENGTH(len);
    memcpy(RTA_DATA(a), data, len);
    q->h.nlmsg_len = NLMSG_ALIGN(q->h.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

/* Sends one request and waits for its acknowledgement: 0 or a negative errno. */
static int nl_talk(int fd, nl_req *q)
{
    if (send(fd, q, q->h.nlmsg_len, 0) < 0)
        return -errno;
    char buf[1024];
    ssize_t got = recv(fd, buf, sizeof(buf), 0);
    if (got < (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)))
        return -EIO;
    const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
    if (h->nlmsg_type != NLMSG_ERROR)
        return -EIO;
    const struct nlmsgerr *e = NLMSG_DATA(h);
    return e->error;
}

/* Whether tun0 has an address of the family (for IPv6 one of global scope: the kernel gives
 * tun0 a link-local one of its own) — one netlink dump of the namespace's few. */
static int has_addr(int fd, int ifindex, int family)
{
    nl_req q;
    memset(&q, 0, sizeof(q));
    q.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
    q.h.nlmsg_type = RTM_GETADDR;
    q.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    q.h.nlmsg_seq = 1;
    ((struct ifaddrmsg *)NLMSG_DATA(&q.h))->ifa_family = (unsigned char)family;
    if (send(fd, &q, q.h.nlmsg_len, 0) < 0)
        return -1;
    static char buf[8192];
    int found = 0;
    /* The dump ends with NLMSG_DONE; the bound is only a guard. */
    for (int rounds = 0; rounds < 16; rounds++) {
        ssize_t got = recv(fd, buf, sizeof(buf), 0);
        if (got <= 0)
            return -1;
        size_t len = (size_t)got;
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; pd_nl_ok(h, len);
             h = pd_nl_next(h, &len)) {
            if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR)
                return found;
            const struct ifaddrmsg *a = NLMSG_DATA(h);
            if (h->nlmsg_type == RTM_NEWADDR && (int)a->ifa_index == ifindex &&
                a->ifa_family == family &&
                (family != AF_INET6 || a->ifa_scope == RT_SCOPE_UNIVERSE))
                found = 1;
        }
    }
    return found;
}

/* addr: 4 or 16 bytes, network order, of the family */
static int add_address(int fd, int ifindex, int family, const void *addr, uint8_t prefix)
{
    nl_req q;
    memset(&q, 0, sizeof(q));
    q.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
    q.h.nlmsg_type = RTM_NEWADDR;
    q.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
    q.h.nlmsg_seq = 2;
    struct ifaddrmsg *a = NLMSG_DATA(&q.h);
    size_t n = family == AF_INET6 ? 16 : 4;
    a->ifa_family = (unsigned char)family;
    a->ifa_prefixlen = prefix;
    /* no Duplicate Address Detection: nobody answers on tun0, and a tentative address would
     * hold up the route below */
    a->ifa_flags = family == AF_INET6 ? IFA_F_NODAD : 0;
    a->ifa_index = (unsigned)ifindex;
    add_attr(&q, IFA_LOCAL, addr, n);
    add_attr(&q, IFA_ADDRESS, addr, n);
    return nl_talk(fd, &q);
}

/* dst and gw (NULL: on-link): 4 or 16 bytes, network order, of the family */
static int add_route(int fd, int ifindex, int family, const void *dst, const void *gw)
{
    nl_req q;
    memset(&q, 0, sizeof(q));
    q.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
    q.h.nlmsg_type = RTM_NEWROUTE;
    q.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE;
    q.h.nlmsg_seq = 3;
    struct rtmsg *r = NLMSG_DATA(&q.h);
    size_t n = family == AF_INET6 ? 16 : 4;
    r->rtm_family = (unsigned char)family;
    r->rtm_dst_len = (unsigned char)(n * 8);
    r->rtm_table = RT_TABLE_MAIN;
    r->rtm_protocol = RTPROT_BOOT;
    r->rtm_scope = RT_SCOPE_UNIVERSE;
    r->rtm_type = RTN_UNICAST;
    int oif = ifindex;
    add_attr(&q, RTA_DST, dst, n);
    if (gw)
        add_attr(&q, RTA_GATEWAY, gw, n);
    add_attr(&q, RTA_OIF, &oif, sizeof(oif));
    return nl_talk(fd, &q);
}

/* tun0's MTU, as packetdrill's netdev sets it from --mtu; best effort. */
static void set_mtu(int ifindex, uint32_t mtu)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    if (if_indextoname((unsigned)ifindex, ifr.ifr_name)) {
        ifr.ifr_mtu = (int)mtu;
        (void)ioctl(fd, SIOCSIFMTU, &ifr);
    }
    close(fd);
}

void pd_tunaddr_setup(pd_shim *sh)
{
    if (sh->tun_fd < 0 || sh->tun_ifindex <= 0)
        return;
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0)
        return;
    /* Best effort, as packetdrill's own `ip` commands: a script that needs the route
     * fails on its own line if it is missing, with the kernel's message. */
    if (sh->v6) {
        static const uint8_t zero[16];
        const void *gw = memcmp(sh->tun_gateway6, zero, 16) != 0 ? sh->tun_gateway6 : NULL;
        if (has_addr(fd, sh->tun_ifindex, AF_INET6) == 0 &&
            add_address(fd, sh->tun_ifindex, AF_INET6, sh->addr6, sh->tun_prefix6) == 0)
            (void)add_route(fd, sh->tun_ifindex, AF_INET6, sh->tun_remote6, gw);
    } else {
        uint32_t a = htonl(sh->addr), d = htonl(sh->tun_remote), g = htonl(sh->tun_gateway);
        if (has_addr(fd, sh->tun_ifindex, AF_INET) == 0 &&
            add_address(fd, sh->tun_ifindex, AF_INET, &a, sh->tun_prefix) == 0)
            (void)add_route(fd, sh->tun_ifindex, AF_INET, &d, &g);
    }
    close(fd);
    if (sh->mtu != PD_MTU)
        set_mtu(sh->tun_ifindex, sh->mtu);
}
