/* SPDX-License-Identifier: MIT */
/* synack gateway: its control socket, so that `synack stat --gateway PID` shows a running
 * gateway's connections (the stack's table), its relayed flows with both sides' 4-tuples,
 * and its counters, as text or one JSON object. The socket is ctl.h's, named
 * "synack/gateway.PID" in the gateway's own network namespace (never the untrusted one it
 * serves), with ctl.h's request line and section headings. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cmd_gateway.h"
#include "cmd_gateway_threads.h"
#include "ctl.h"
#include "host.h"
#include "synack/loop.h"

struct gw_ctl {
    int fd;
    synack_stack *st;
    gw_relay *r;
    /* --threads: everyone's, and how to hold the others still while reading them */
    int n;
    synack_stack *sts[GW_CTL_MAX_STACKS];
    gw_relay *rs[GW_CTL_MAX_STACKS];
    int (*world)(void *ctx, int stop);
    void *world_ctx;
    gw_opts o;
    char ifname[16];
    uint64_t start_us;
};

gw_ctl *gw_ctl_open(const gw_opts *o, synack_stack *st, gw_relay *r, const char *ifname)
{
    gw_ctl *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    char name[32];
    snprintf(name, sizeof(name), "gateway.%ld", (long)getpid());
    c->fd = ctl_listen(name);
    c->st = st;
    c->r = r;
    c->n = 1;
    c->sts[0] = st;
    c->rs[0] = r;
    c->o = *o;
    snprintf(c->ifname, sizeof(c->ifname), "%s", ifname);
    c->start_us = synack_loop_clock();
    return c;
}

void gw_ctl_threads(gw_ctl *c, synack_stack *const *st, gw_relay *const *r, int n,
                    int (*world)(void *ctx, int stop), void *ctx)
{
    c->n = n < GW_CTL_MAX_STACKS ? n : GW_CTL_MAX_STACKS;
    for (int i = 0; i < c->n; i++) {
        c->sts[i] = st[i];
        c->rs[i] = r[i];
    }
    c->world = world;
    c->world_ctx = ctx;
}

void gw_ctl_free(gw_ctl *c)
{
    if (!c)
        return;
    if (c->fd >= 0)
        close(c->fd);
    free(c);
}

int gw_ctl_fd(const gw_ctl *c)
{
    return c ? c->fd : -1;
}

struct rows {
    FILE *out;
    uint64_t now;
    int json;
    int n;
};

static void conn_row(void *arg, const synack_conn_view *v)
{
    struct rows *t = arg;
    char l[32], r[32], timer[48] = "";
    host_view_ends(v, l, r, sizeof(l));
    double left = host_view_timer_s(v, t->now);
    if (t->json) {
        fprintf(t->out,
                "%s{\"state\":\"%s\",\"recv_q\":%u,\"send_q\":%u,\"local\":\"%s\","
                "\"peer\":\"%s\",\"sock\":%d}",
                t->n ? "," : "", synack_state_name(v->state), v->recv_q, v->send_q, l, r, v->sock);
    } else {
        if (left >= 0)
            snprintf(timer, sizeof(timer), "%s(%.3fs)", v->timer, left);
        fprintf(t->out, "%-12s %7u %7u  %-21s %-21s %4d  %s\n", synack_state_name(v->state),
                v->recv_q, v->send_q, l, r, v->sock, timer);
    }
    t->n++;
}

/* The host socket's two ends, "A:P" each ("-" when unknown, e.g. not connected yet). */
static void host_ends(int fd, char *l, char *p, size_t cap)
{
    struct sockaddr_storage a = {.ss_family = AF_UNSPEC};
    socklen_t len = sizeof(a);
    snprintf(l, cap, "-");
    snprintf(p, cap, "-");
    if (getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        gw_sa_str(&a, l, cap);
    len = sizeof(a);
    a.ss_family = AF_UNSPEC;
    if (getpeername(fd, (struct sockaddr *)&a, &len) == 0)
        gw_sa_str(&a, p, cap);
}

static void flow_row(void *arg, const gw_flow_view *v)
{
    struct rows *t = arg;
    char nl[64], nr[64], hl[64], hp[64];
    /* The namespace end (the container's address:port) is always the stack's peer; the
     * gateway end is the destination the container named (outbound) or the gateway's own
     * address (forwarded). */
    gw_ep_str(&v->ep, 0, nr, sizeof(nr));
    gw_ep_str(&v->ep, 1, nl, sizeof(nl));
    host_ends(v->hfd, hl, hp, sizeof(hl));
    const char *dir = v->forward ? "in" : "out";
    const char *eof = v->up_eof && v->down_eof ? "both"
                      : v->up_eof              ? "up"
                      : v->down_eof            ? "down"
                                               : "none";
    if (t->json)
        fprintf(t->out,
                "%s{\"dir\":\"%s\",\"state\":\"%s\",\"ns_local\":\"%s\",\"ns_peer\":\"%s\","
                "\"host_local\":\"%s\",\"host_peer\":\"%s\",\"fin\":\"%s\"}",
                t->n ? "," : "", dir, v->state, nl, nr, hl, hp, eof);
    else
        fprintf(t->out, "%-4s %-19s %-21s %-21s %-21s %-21s %s\n", dir, v->state, nr, nl, hl, hp,
                eof);
    t->n++;
}

/* The gateway's own figures, name and value, for both formats. */
static void gw_figures(gw_ctl *c, FILE *out, int json)
{
    gw_stats sum = {0};
    const gw_stats *s = &sum;
    uint64_t open_ = 0, pending = 0, mem = 0, mem_hw = 0;
    for (int i = 0; i < c->n; i++) {
        gw_stats_add(&sum, gw_relay_stats(c->rs[i]));
        open_ += gw_relay_open(c->rs[i]);
        pending += gw_relay_pending(c->rs[i]);
        mem += synack_mem_in_use(c->sts[i]);
        mem_hw += synack_mem_high_water(c->sts[i]);
    }
    const struct {
        const char *name;
        uint64_t v;
    } f[] = {
        {"GwHeld", s->held},
        {"GwAccepted", s->accepted},
        {"GwRefused", s->refused},
        {"GwUnreachable", s->unreachable},
        {"GwDropped", s->dropped},
        {"GwLimitRefused", s->limit},
        {"GwDenied", s->denied},
        {"GwLoopback", s->loopback},
        {"GwDeferred", s->deferred},
        {"GwEvicted", s->evicted},
        {"GwVanished", s->vanished},
        {"GwResets", s->resets},
        {"GwFinished", s->finished},
        {"GwUpBytes", s->up_bytes},
        {"GwDownBytes", s->down_bytes},
        {"GwFwdAccepted", s->fwd_accepted},
        {"GwFwdConnected", s->fwd_connected},
        {"GwFwdFailed", s->fwd_failed},
        {"GwOpen", open_},
        {"GwPending", pending},
        {"GwHostFds", s->fds},
        {"GwHostFdsPeak", s->fds_peak},
        {"GwMemInUse", mem},
        {"GwMemHighWater", mem_hw},
        {"GwMemTrims", s->mem_trims},
        {"GwBusyPolls", s->busy_polls},
        {"GwBusyPollHits", s->busy_poll_hits},
    };
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
        if (json)
            fprintf(out, "%s\"%s\":%llu", i ? "," : "", f[i].name, (unsigned long long)f[i].v);
        else
            fprintf(out, "%-24s %llu\n", f[i].name, (unsigned long long)f[i].v);
    }
    for (int k = 0; c->o.socks5_salen && k < GW_S5_NOUTCOMES; k++) {
        char name[40];
        snprintf(name, sizeof(name), "GwSocks%s", gw_s5_outcome_name((gw_s5_outcome)k));
        if (json)
            fprintf(out, ",\"%s\":%llu", name, (unsigned long long)s->socks[k]);
        else
            fprintf(out, "%-24s %llu\n", name, (unsigned long long)s->socks[k]);
    }
    const struct {
        const char *name;
        uint64_t v;
    } u[] = {
        {"GwSocksUdpBadHeader", s->s5u_bad_header},  {"GwSocksUdpFragment", s->s5u_fragment},
        {"GwSocksUdpWrongSource", s->s5u_wrong_src}, {"GwSocksUdpQueueDrops", s->s5u_queue_drops},
        {"GwSocksUdpUnreach", s->s5u_unreach},       {"GwSocksUdpOversize", s->s5u_oversize},
        {"GwSocksUdpEnded", s->s5u_ended},
    };
    for (int k = 0; c->o.socks5_salen && k < GW_S5_NOUTCOMES + (int)(sizeof(u) / sizeof(u[0]));
         k++) {
        char name[40];
        uint64_t v = k < GW_S5_NOUTCOMES ? s->socks_udp[k] : u[k - GW_S5_NOUTCOMES].v;
        if (k < GW_S5_NOUTCOMES)
            snprintf(name, sizeof(name), "GwSocksUdp%s", gw_s5_outcome_name((gw_s5_outcome)k));
        else
            snprintf(name, sizeof(name), "%s", u[k - GW_S5_NOUTCOMES].name);
        if (json)
            fprintf(out, ",\"%s\":%llu", name, (unsigned long long)v);
        else
            fprintf(out, "%-24s %llu\n", name, (unsigned long long)v);
    }
}

static uint64_t counter_sum(const gw_ctl *c, synack_counter k)
{
    uint64_t v = 0;
    for (int i = 0; i < c->n; i++)
        v += synack_counter_get(c->sts[i], k);
    return v;
}

static void report(gw_ctl *c, FILE *m, int json)
{
    uint64_t now = synack_loop_clock();
    double up = (double)(now - c->start_us) / 1e6;
    struct rows t = {.out = m, .now = now, .json = json};
    if (!json) {
        fprintf(m, "%s (synack gateway on %s, up %.3f s)\n", CTL_CONNS_HEADING, c->ifname, up);
        fprintf(m, "%-12s %7s %7s  %-21s %-21s %4s  %s\n", "State", "Recv-Q", "Send-Q",
                "Local Address:Port", "Peer Address:Port", "Sock", "Timer");
        for (int i = 0; i < c->n; i++)
            synack_foreach_conn(c->sts[i], conn_row, &t);
        fprintf(m, "(%d entr%s)\n", t.n, t.n == 1 ? "y" : "ies");
        fprintf(m, "# flows\n%-4s %-19s %-21s %-21s %-21s %-21s %s\n", "Dir", "Relay",
                "Namespace end", "Gateway end", "Host local", "Host peer", "FIN");
        t.n = 0;
        for (int i = 0; i < c->n; i++)
            gw_relay_foreach(c->rs[i], flow_row, &t);
        fprintf(m, "(%d flow%s)\n%s\n", t.n, t.n == 1 ? "" : "s", CTL_COUNTERS_HEADING);
        for (int k = 0; k < SYNACK_CTR_COUNT; k++) {
            uint64_t v = counter_sum(c, (synack_counter)k);
            if (v)
                fprintf(m, "%-24s %llu\n", synack_counter_name((synack_counter)k),
                        (unsigned long long)v);
        }
        gw_figures(c, m, 0);
        return;
    }
    fprintf(m, "{\"report\":\"stat\",\"cmd\":\"gateway\",\"device\":");
    host_json_str(m, c->ifname);
    fprintf(m, ",\"up_s\":%.3f,\"conns\":[", up);
    for (int i = 0; i < c->n; i++)
        synack_foreach_conn(c->sts[i], conn_row, &t);
    fprintf(m, "],\"flows\":[");
    t.n = 0;
    for (int i = 0; i < c->n; i++)
        gw_relay_foreach(c->rs[i], flow_row, &t);
    fprintf(m, "],\"counters\":{");
    int n = 0;
    for (int k = 0; k < SYNACK_CTR_COUNT; k++) {
        uint64_t v = counter_sum(c, (synack_counter)k);
        if (v)
            fprintf(m, "%s\"%s\":%llu", n++ ? "," : "", synack_counter_name((synack_counter)k),
                    (unsigned long long)v);
    }
    fprintf(m, "},\"gateway\":{");
    gw_figures(c, m, 1);
    fprintf(m, "}}\n");
}

void gw_ctl_step(gw_ctl *c)
{
    int fd = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0)
        return;
    /* The request line, as ctl.c reads it: a client that sends none within 200 ms gets text. */
    struct timeval rtv = {.tv_usec = 200000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &rtv, sizeof(rtv));
    char req[16] = "";
    ssize_t rn = read(fd, req, sizeof(req) - 1);
    int json = rn >= 5 && strncmp(req, "json\n", 5) == 0;
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    if (m) {
        /* --threads: the other stacks are read only while their threads wait (if they do
         * not stop in time, the report is this thread's alone) */
        int all = c->world && c->world(c->world_ctx, 1) == 0;
        int n = c->n;
        c->n = all ? n : 1;
        report(c, m, json);
        c->n = n;
        if (all)
            c->world(c->world_ctx, 0);
        fclose(m);
    }
    /* Blocking, with a deadline: a stuck reader must not stall the relay for long. */
    struct timeval tv = {.tv_sec = 1};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    for (size_t off = 0; text && off < len;) {
        ssize_t n = write(fd, text + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    free(text);
    close(fd);
}
