/* SPDX-License-Identifier: MIT */
/* synack gateway, UDP: the stack's catch-all UDP socket (SYNACK_UDP_CATCH_ALL) receives
 * every datagram the namespace sends elsewhere, with its original destination; each
 * (namespace address:port, destination address:port) pair is a flow with a host UDP socket
 * connected to the destination (or, for the DNS address, to the host's resolver). Replies
 * on that socket go back into the namespace from the destination the client addressed
 * (synack_sendto_from). The table is bounded (the least recently used flow is evicted,
 * counted) and flows expire when idle (cmd_gateway_udp.h gives the conventions). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cmd_gateway_udp.h"

typedef struct udp_flow {
    int fd;         /* host socket, -1: free */
    uint32_t caddr; /* the namespace's end */
    uint16_t cport;
    uint32_t daddr; /* the destination it addressed */
    uint16_t dport;
    uint8_t replied; /* a reply came: a stream */
    uint8_t dns;     /* to the DNS address */
    uint64_t last;   /* last datagram either way */
} udp_flow;

struct gw_udp {
    synack_stack *st;
    int s; /* the catch-all */
    gw_udp_opts o;
    udp_flow *f;
    uint32_t open;
    struct pollfd *pf; /* what the last gw_udp_pollfds filled, read back at the next step */
    uint32_t *pf_flow; /* the flow of each pf entry */
    int npf;
    gw_udp_stats stats;
    uint8_t buf[65536];
};

gw_udp *gw_udp_new(synack_stack *st, const gw_udp_opts *o)
{
    gw_udp *u = calloc(1, sizeof(*u));
    if (!u)
        return NULL;
    u->st = st;
    u->o = *o;
    u->f = calloc(o->max_flows, sizeof(*u->f));
    u->pf_flow = calloc(o->max_flows, sizeof(*u->pf_flow));
    int one = 1;
    u->s = synack_socket(st, SYNACK_SOCK_DGRAM);
    if (!u->f || !u->pf_flow || u->s < 0 ||
        synack_setsockopt(st, u->s, SYNACK_IPPROTO_UDP, SYNACK_UDP_CATCH_ALL, &one, sizeof(one)) !=
            0) {
        gw_udp_free(u);
        return NULL;
    }
    for (uint32_t i = 0; i < o->max_flows; i++)
        u->f[i].fd = -1;
    return u;
}

static void flow_close(gw_udp *u, udp_flow *f)
{
    close(f->fd);
    f->fd = -1;
    u->open--;
}

void gw_udp_free(gw_udp *u)
{
    if (!u)
        return;
    for (uint32_t i = 0; u->f && i < u->o.max_flows; i++)
        if (u->f[i].fd >= 0)
            flow_close(u, &u->f[i]);
    if (u->s >= 0)
        synack_close(u->st, u->s);
    free(u->f);
    free(u->pf_flow);
    free(u);
}

uint32_t gw_resolv_conf(const char *path)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        return 0;
    char line[256], addr[64];
    uint32_t found = 0;
    while (!found && fgets(line, sizeof(line), fp)) {
        struct in_addr in;
        if (sscanf(line, " nameserver %63s", addr) == 1 && inet_pton(AF_INET, addr, &in) == 1)
            found = ntohl(in.s_addr);
    }
    fclose(fp);
    return found;
}

/* Addresses a namespace may not reach through the gateway: this host's loopback and
 * "this network" (the host would answer as itself), multicast and broadcast (no flow can
 * own them), and the gateway's own address, which means nothing on the host. */
static int blocked(const gw_udp *u, uint32_t a)
{
    return (a >> 24) == 127 || (a >> 24) == 0 || a >= 0xe0000000u || a == u->o.gw;
}

static uint64_t timeout(const udp_flow *f)
{
    return f->dns ? GW_UDP_DNS_US : f->replied ? GW_UDP_STREAM_US : GW_UDP_UNREPLIED_US;
}

static udp_flow *lookup(gw_udp *u, uint32_t caddr, uint16_t cport, uint32_t daddr, uint16_t dport)
{
    for (uint32_t i = 0; i < u->o.max_flows; i++) {
        udp_flow *f = &u->f[i];
        if (f->fd >= 0 && f->caddr == caddr && f->cport == cport && f->daddr == daddr &&
            f->dport == dport)
            return f;
    }
    return NULL;
}

static udp_flow *flow_new(gw_udp *u, uint32_t caddr, uint16_t cport, uint32_t daddr, uint16_t dport)
{
    udp_flow *f = NULL, *lru = NULL;
    for (uint32_t i = 0; i < u->o.max_flows && !f; i++) {
        if (u->f[i].fd < 0)
            f = &u->f[i];
        else if (!lru || u->f[i].last < lru->last)
            lru = &u->f[i];
    }
    if (!f && !lru)
        return NULL; /* max_flows 0: cannot happen (the option's floor is 1) */
    if (!f) {        /* full: a flood from inside costs the oldest flow, never another fd */
        flow_close(u, lru);
        u->stats.evicted++;
        f = lru;
    }
    int dns = u->o.dns && daddr == u->o.dns && dport == 53;
    struct sockaddr_in to = {.sin_family = AF_INET,
                             .sin_port = htons(dns ? u->o.dns_port : dport),
                             .sin_addr = {htonl(dns ? u->o.dns_server : daddr)}};
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return NULL;
    /* connected: only the destination's answers come back (endpoint-dependent filtering) */
    if (connect(fd, (struct sockaddr *)&to, sizeof(to)) != 0) {
        close(fd);
        return NULL;
    }
    memset(f, 0, sizeof(*f));
    f->fd = fd;
    f->caddr = caddr;
    f->cport = cport;
    f->daddr = daddr;
    f->dport = dport;
    f->dns = (uint8_t)dns;
    u->open++;
    u->stats.flows++;
    return f;
}

/* Datagrams from the namespace, out through their flows. */
static void outbound(gw_udp *u, uint64_t now)
{
    for (int k = 0; k < 256; k++) {
        struct sockaddr_in src, dst;
        synack_socklen_t sl = sizeof(src), dl = sizeof(dst);
        ssize_t n = synack_recvfrom_to(u->st, u->s, u->buf, sizeof(u->buf), 0,
                                       (struct sockaddr *)&src, &sl, (struct sockaddr *)&dst, &dl);
        if (n < 0)
            return;
        uint32_t caddr = ntohl(src.sin_addr.s_addr), daddr = ntohl(dst.sin_addr.s_addr);
        uint16_t cport = ntohs(src.sin_port), dport = ntohs(dst.sin_port);
        int dns = u->o.dns && daddr == u->o.dns;
        if (dns ? dport != 53 || !u->o.dns_server : blocked(u, daddr)) {
            u->stats.blocked++;
            /* the gateway's addresses answer as a host with no such port would */
            if (dns || daddr == u->o.gw)
                synack_udp_unreach(u->st, u->s, (struct sockaddr *)&src, sl,
                                   (struct sockaddr *)&dst, dl, 3);
            continue;
        }
        udp_flow *f = lookup(u, caddr, cport, daddr, dport);
        if (!f)
            f = flow_new(u, caddr, cport, daddr, dport);
        if (!f) {
            u->stats.errors++;
            continue;
        }
        f->last = now;
        u->stats.dns += (uint64_t)dns;
        if (send(f->fd, u->buf, (size_t)n, 0) < 0)
            u->stats.errors++;
        else
            u->stats.up++;
    }
}

/* The host socket heard an ICMP error for what the flow sent: the client hears it too, as
 * the kernel's own socket would (a connected one fails with ECONNREFUSED). */
static void unreachable(gw_udp *u, const udp_flow *f, int err, const struct sockaddr_in *client,
                        const struct sockaddr_in *dst)
{
    int code = err == ECONNREFUSED ? 3 : err == EHOSTUNREACH ? 1 : err == ENETUNREACH ? 0 : -1;
    if (code < 0 || f->dns) { /* a resolver that is not there: the client's timeout says it */
        u->stats.errors++;
        return;
    }
    if (synack_udp_unreach(u->st, u->s, (const struct sockaddr *)client, sizeof(*client),
                           (const struct sockaddr *)dst, sizeof(*dst), code) == 0)
        u->stats.unreachable++;
    else
        u->stats.errors++;
}

/* Replies on one flow's host socket, back into the namespace as from its destination. */
static void inbound(gw_udp *u, udp_flow *f, uint64_t now)
{
    struct sockaddr_in from = {
        .sin_family = AF_INET, .sin_port = htons(f->dport), .sin_addr = {htonl(f->daddr)}};
    struct sockaddr_in to = {
        .sin_family = AF_INET, .sin_port = htons(f->cport), .sin_addr = {htonl(f->caddr)}};
    for (int k = 0; k < 64; k++) {
        ssize_t n = recv(f->fd, u->buf, sizeof(u->buf), MSG_DONTWAIT);
        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                unreachable(u, f, errno, &to, &from);
            return;
        }
        f->last = now;
        f->replied = 1;
        if (synack_sendto_from(u->st, u->s, u->buf, (size_t)n, 0, (struct sockaddr *)&from,
                               sizeof(from), (struct sockaddr *)&to, sizeof(to)) >= 0)
            u->stats.down++;
        else
            u->stats.errors++;
    }
}

void gw_udp_step(gw_udp *u, uint64_t now)
{
    for (int i = 0; i < u->npf; i++) {
        udp_flow *f = &u->f[u->pf_flow[i]];
        if (f->fd == u->pf[i].fd && (u->pf[i].revents & (POLLIN | POLLERR)))
            inbound(u, f, now);
        u->pf[i].revents = 0;
    }
    u->npf = 0;
    outbound(u, now);
    for (uint32_t i = 0; i < u->o.max_flows; i++) {
        udp_flow *f = &u->f[i];
        if (f->fd >= 0 && now >= f->last + timeout(f)) {
            flow_close(u, f);
            u->stats.expired++;
        }
    }
}

int gw_udp_pollfds(gw_udp *u, struct pollfd *out, int max)
{
    int n = 0;
    for (uint32_t i = 0; i < u->o.max_flows && n < max; i++) {
        if (u->f[i].fd < 0)
            continue;
        out[n].fd = u->f[i].fd;
        out[n].events = POLLIN;
        out[n].revents = 0;
        u->pf_flow[n] = i;
        n++;
    }
    u->pf = out;
    u->npf = n;
    return n;
}

uint64_t gw_udp_deadline(const gw_udp *u)
{
    uint64_t d = UINT64_MAX;
    for (uint32_t i = 0; i < u->o.max_flows; i++)
        if (u->f[i].fd >= 0 && u->f[i].last + timeout(&u->f[i]) < d)
            d = u->f[i].last + timeout(&u->f[i]);
    return d;
}

const gw_udp_stats *gw_udp_stats_get(const gw_udp *u)
{
    return &u->stats;
}

uint32_t gw_udp_open(const gw_udp *u)
{
    return u->open;
}

int gw_parse_hostport(const char *v, uint32_t *addr, uint16_t *port)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "%s", v);
    char *colon = strchr(buf, ':');
    unsigned long p = 53;
    if (colon) {
        char *end;
        *colon = '\0';
        p = strtoul(colon + 1, &end, 10);
        if (*end || p < 1 || p > 65535)
            return -1;
    }
    struct in_addr in;
    if (inet_pton(AF_INET, buf, &in) != 1)
        return -1;
    *addr = ntohl(in.s_addr);
    *port = (uint16_t)p;
    return 0;
}

void gw_udp_summary(int json, gw_udp *const *uq, gw_icmp *const *icq, synack_stack *const *stq,
                    int nq)
{
    gw_udp_stats sum = uq[0]->stats;
    gw_icmp_stats esum = *gw_icmp_stats_get(icq[0]);
    unsigned long long rcvbuf = synack_counter_get(stq[0], SYNACK_CTR_UdpRcvbufErrors);
    uint32_t open_ = uq[0]->open;
    for (int i = 1; i < nq; i++) {
        const gw_udp_stats *q = &uq[i]->stats;
        const gw_icmp_stats *qe = gw_icmp_stats_get(icq[i]);
        sum.flows += q->flows;
        sum.expired += q->expired;
        sum.evicted += q->evicted;
        sum.up += q->up;
        sum.down += q->down;
        sum.dns += q->dns;
        sum.blocked += q->blocked;
        sum.errors += q->errors;
        sum.unreachable += q->unreachable;
        esum.requests += qe->requests;
        esum.replies += qe->replies;
        esum.refused += qe->refused;
        open_ += uq[i]->open;
        rcvbuf += synack_counter_get(stq[i], SYNACK_CTR_UdpRcvbufErrors);
    }
    const gw_udp_stats *s = &sum;
    const gw_icmp_stats *e = &esum;
    if (!json) {
        fprintf(stderr,
                "synack gateway: udp %llu flows (%u open, %llu expired, %llu evicted), %llu up / "
                "%llu down datagrams, %llu dns, %llu blocked, %llu errors; icmp %llu echo "
                "requests, %llu replies, %llu refused\n",
                (unsigned long long)s->flows, open_, (unsigned long long)s->expired,
                (unsigned long long)s->evicted, (unsigned long long)s->up,
                (unsigned long long)s->down, (unsigned long long)s->dns,
                (unsigned long long)s->blocked, (unsigned long long)s->errors,
                (unsigned long long)e->requests, (unsigned long long)e->replies,
                (unsigned long long)e->refused);
        return;
    }
    printf("{\"summary\":\"gateway_udp\",\"flows\":%llu,\"open\":%u,\"expired\":%llu,"
           "\"evicted\":%llu,\"up\":%llu,\"down\":%llu,\"dns\":%llu,\"blocked\":%llu,"
           "\"errors\":%llu,\"unreachable\":%llu,\"rcvbuf_drops\":%llu,\"echo_requests\":%llu,"
           "\"echo_replies\":%llu,\"echo_refused\":%llu}\n",
           (unsigned long long)s->flows, open_, (unsigned long long)s->expired,
           (unsigned long long)s->evicted, (unsigned long long)s->up, (unsigned long long)s->down,
           (unsigned long long)s->dns, (unsigned long long)s->blocked,
           (unsigned long long)s->errors, (unsigned long long)s->unreachable, rcvbuf,
           (unsigned long long)e->requests, (unsigned long long)e->replies,
           (unsigned long long)e->refused);
    fflush(stdout);
}
