/* SPDX-License-Identifier: MIT */
/* The host's routes under profile=linux: the namespace's IPv4 and IPv6 routes that carry
 * TCP metrics (`ip [-6] route ... mtu [lock] N advmss N initcwnd N`) become the stack's
 * route tables (synack_route_set, synack_route6_set), as a Linux socket would meet them,
 * with their `via` as the route's gateway where the stack takes it (the shim's link is
 * point-to-point, where a gateway changes nothing; one the stack refuses is left out).
 * Scripts change routes between calls, so the tables are read again (a netlink dump of the
 * main table per family, a handful of routes) before the calls that make or use a
 * connection (pd_sock.c) and before each packet packetdrill injects (pd_core.c); the stack
 * is only told when something changed. Routes past the stack's table size are left out;
 * an MTU above the shim's link is taken as the link's. Without sysctl_dir= only (the real
 * host: packetdrill's namespace). */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pd_shim.h"

/* A route of either family as the dump gives it: r6's fields, with an IPv4 prefix in
 * the first 4 bytes of dst. */
typedef struct pd_any_route {
    int family;
    synack_route6 r6;
} pd_any_route;

/* Reads the metrics nested in RTA_METRICS into r; 1 if it has any we model. An MTU above
 * the shim's link (link_mtu) is taken as the link's. */
static int read_metrics(struct rtattr *m, int len, uint32_t link_mtu, synack_route6 *r)
{
    uint32_t lock = 0;
    int any = 0;
    for (; RTA_OK(m, len); m = RTA_NEXT(m, len)) {
        if (RTA_PAYLOAD(m) < sizeof(uint32_t))
            continue;
        uint32_t v;
        memcpy(&v, RTA_DATA(m), sizeof(v));
        switch (m->rta_type) {
        case RTAX_LOCK:
            lock = v;
            break;
        case RTAX_MTU:
            r->mtu = (uint16_t)(v > link_mtu ? link_mtu : v < 68 ? 68 : v);
            any = 1;
            break;
        case RTAX_ADVMSS:
            r->advmss = (uint16_t)(v > 65535 ? 65535 : v);
            any = 1;
            break;
        case RTAX_INITCWND:
            r->initcwnd = (uint16_t)(v > 1024 ? 1024 : v);
            any = 1;
            break;
        default:
            break;
        }
    }
    if (lock & (1u << RTAX_MTU))
        r->flags |= SYNACK_ROUTE_MTU_LOCK;
    return any;
}

/* One RTM_NEWROUTE of the main table into r; 1 if it is one to mirror. */
static int read_route(struct nlmsghdr *h, uint32_t link_mtu, pd_any_route *r)
{
    struct rtmsg *rt = NLMSG_DATA(h);
    if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*rt)) ||
        (rt->rtm_family != AF_INET && rt->rtm_family != AF_INET6) ||
        rt->rtm_table != RT_TABLE_MAIN || rt->rtm_type != RTN_UNICAST)
        return 0;
    size_t alen = rt->rtm_family == AF_INET ? 4 : 16;
    if (rt->rtm_dst_len > 8 * alen)
        return 0;
    memset(r, 0, sizeof(*r));
    r->family = rt->rtm_family;
    r->r6.prefix_len = rt->rtm_dst_len;
    int any = 0;
    int len = (int)RTM_PAYLOAD(h);
    for (struct rtattr *a = RTM_RTA(rt); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
        if (a->rta_type == RTA_DST && RTA_PAYLOAD(a) >= alen)
            memcpy(r->r6.dst, RTA_DATA(a), alen);
        else if (a->rta_type == RTA_GATEWAY && RTA_PAYLOAD(a) >= alen)
            memcpy(r->r6.gateway, RTA_DATA(a), alen);
        else if (a->rta_type == RTA_METRICS)
            any = read_metrics(RTA_DATA(a), (int)RTA_PAYLOAD(a), link_mtu, &r->r6);
    }
    /* the host bits the kernel keeps are not the prefix's */
    for (unsigned i = 0; i < 16; i++) {
        unsigned keep = r->r6.prefix_len >= 8 * (i + 1) ? 8u
                        : r->r6.prefix_len > 8 * i      ? r->r6.prefix_len - 8 * i
                                                        : 0u;
        r->r6.dst[i] &= (uint8_t)(0xff00u >> keep);
    }
    return any;
}

/* The namespace's routes of one family with metrics into out (at most max): their
 * number, or -1. */
static int dump_routes(int family, uint32_t link_mtu, pd_any_route *out, int max)
{
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0)
        return -1;
    struct {
        struct nlmsghdr h;
        struct rtmsg r;
    } req;
    memset(&req, 0, sizeof(req));
    req.h.nlmsg_len = NLMSG_LENGTH(sizeof(req.r));
    req.h.nlmsg_type = RTM_GETROUTE;
    req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.h.nlmsg_seq = 1;
    req.r.rtm_family = (unsigned char)family;
    int n = 0;
    if (send(fd, &req, req.h.nlmsg_len, 0) < 0) {
        close(fd);
        return -1;
    }
    static char buf[32768];
    /* A dump of the main table ends with NLMSG_DONE; the bound is only a guard. */
    for (int rounds = 0; rounds < 64; rounds++) {
        ssize_t got = recv(fd, buf, sizeof(buf), 0);
        if (got <= 0)
            break;
        size_t len = (size_t)got;
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; pd_nl_ok(h, len);
             h = pd_nl_next(h, &len)) {
            if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
                close(fd);
                return n;
            }
            if (h->nlmsg_type == RTM_NEWROUTE && n < max && read_route(h, link_mtu, &out[n]) &&
                out[n].family == family)
                n++;
        }
    }
    close(fd);
    return n;
}

static synack_route as_v4(const synack_route6 *r)
{
    const uint8_t *b = r->dst;
    return (synack_route){.dst = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 |
                                 b[3],
                          .prefix_len = r->prefix_len,
                          .flags = r->flags,
                          .mtu = r->mtu,
                          .advmss = r->advmss,
                          .initcwnd = r->initcwnd,
                          .gateway = (uint32_t)r->gateway[0] << 24 | (uint32_t)r->gateway[1] << 16 |
                                     (uint32_t)r->gateway[2] << 8 | r->gateway[3]};
}

static void sync_v4(pd_shim *sh)
{
    pd_any_route got[PD_ROUTES_MAX];
    synack_route now[PD_ROUTES_MAX];
    int n = dump_routes(AF_INET, sh->mtu, got, PD_ROUTES_MAX);
    if (n < 0)
        return;
    for (int i = 0; i < n; i++)
        now[i] = as_v4(&got[i].r6);
    if (n == sh->nroutes && memcmp(now, sh->routes, (size_t)n * sizeof(now[0])) == 0)
        return;
    for (int i = 0; i < sh->nroutes; i++)
        synack_route_del(sh->st, sh->routes[i].dst, sh->routes[i].prefix_len);
    sh->nroutes = 0;
    for (int i = 0; i < n; i++) {
        synack_route r = now[i];
        int rc = synack_route_set(sh->st, &r);
        if (rc != 0 && r.gateway) { /* the metrics still hold */
            r.gateway = 0;
            rc = synack_route_set(sh->st, &r);
        }
        if (rc == 0) /* as dumped: what the next dump is compared with */
            sh->routes[sh->nroutes++] = now[i];
    }
}

static void sync_v6(pd_shim *sh)
{
    pd_any_route got[PD_ROUTES_MAX];
    synack_route6 now[PD_ROUTES_MAX];
    int n = dump_routes(AF_INET6, sh->mtu, got, PD_ROUTES_MAX);
    if (n < 0)
        return;
    for (int i = 0; i < n; i++)
        now[i] = got[i].r6;
    if (n == sh->nroutes6 && memcmp(now, sh->routes6, (size_t)n * sizeof(now[0])) == 0)
        return;
    for (int i = 0; i < sh->nroutes6; i++)
        synack_route6_del(sh->st, sh->routes6[i].dst, sh->routes6[i].prefix_len);
    sh->nroutes6 = 0;
    static const uint8_t zero[16];
    for (int i = 0; i < n; i++) {
        synack_route6 r = now[i];
        int rc = synack_route6_set(sh->st, &r);
        if (rc != 0 && memcmp(r.gateway, zero, 16) != 0) {
            memset(r.gateway, 0, 16);
            rc = synack_route6_set(sh->st, &r);
        }
        if (rc == 0)
            sh->routes6[sh->nroutes6++] = now[i];
    }
}

void pd_route_sync(pd_shim *sh)
{
    /* Only the real host's: a test that names its own sysctl_dir models a host of its
     * own, whose routes are not the machine's. */
    if (!sh->linux_profile || sh->sysctl_dir[0] || !sh->st)
        return;
    sync_v4(sh);
    sync_v6(sh);
}
