/* SPDX-License-Identifier: MIT */
/* synack gateway: gives a network namespace TCP to the outside through synack, as
 * slirp4netns and pasta do. A TAP in the namespace carries its frames to a stack whose one
 * listener is a catch-all holding every SYN (SYNACK_TCP_CATCH_ALL, SYNACK_TCP_HOLD_SYN);
 * the relay (cmd_gateway_relay.c) answers each SYN as a host connect to the original
 * destination turns out, then splices the two connections. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "cmd_gateway.h"
#include "cmd_gateway_events.h"
#include "cmd_gateway_threads.h"
#include "cmd_gateway_spin.h"
#include "cmd_gateway_trim.h"
#include "cmd_gateway_udp.h"
#include "synack/loop.h"

#define GW_EXTRA_POLL (GW_MAX_FORWARDS + 1) /* forward listeners, the control socket */
#define GW_MAX_POLL (1025 + GW_EXTRA_POLL)
/* The pollfd list gw_ev_sync takes: forward listeners, UDP flows (4096 at most; with
 * --socks5 each with its association's control connection too) and forwards, ping
 * sockets. The TAP, the inbox, the control socket and the relays register directly. */
#define GW_POLL_SLOTS (GW_EXTRA_POLL + 2 * 4096 + GW_MAX_FORWARDS + 64)
#define GW_EVENTS 256 /* events taken per wake-up (the rest stay ready for the next) */

/* Atomic: every --threads thread reads it, the signal handler sets it (lock-free). */
static atomic_int gw_stop;

static void on_signal(int sig)
{
    (void)sig;
    gw_stop = 1;
}

static void gw_usage(FILE *out)
{
    fprintf(out, "usage: synack gateway (--netns PATH | --pid PID) [--ifname tap0]\n"
                 "                      [--addr 10.0.2.100/24] [--gw 10.0.2.2] [--mtu 65520]\n"
                 "                      [--max-conns 256] [--connect-timeout MS] [--json]\n"
                 "                      [--no-offload] [--buffer 1M] [--max-buffer 256M]\n"
                 "                      [--dns A|none] [--dns-server A[:P]] [--max-udp-flows N]\n"
                 "Gives the namespace TCP to anywhere the gateway's own namespace reaches: a TAP\n"
                 "in it, its address and default route via --gw, and each connection relayed to a\n"
                 "host socket (SYN-ACK only once the host connect succeeded; refused -> RST;\n"
                 "unreachable -> ICMP; no answer -> silence). UDP goes through NAT flows (a host\n"
                 "socket each), DNS to --dns (default: the subnet's .3) to the host's resolver,\n"
                 "ICMP echo through ping sockets where ping_group_range allows them.\n"
                 "The TAP has checksum/TSO/GRO offloads unless --no-offload; --buffer is each\n"
                 "connection's send and receive buffer, --max-buffer all of them together.\n"
                 "SIGINT/SIGTERM stop it.\n");
    fputs(gw_opts_usage, out);
    fputs(gw_tun_opts_usage, out);
    fputs(gw_v6_usage, out);
}

static int parse_addr(const char *s, uint32_t *a, uint8_t *len)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%s", s);
    char *slash = strchr(buf, '/');
    if (slash) {
        char *end;
        long l = strtol(slash + 1, &end, 10);
        if (!len || *end || l < 1 || l > 30)
            return -1;
        *len = (uint8_t)l;
        *slash = '\0';
    }
    struct in_addr in;
    if (inet_pton(AF_INET, buf, &in) != 1)
        return -1;
    *a = ntohl(in.s_addr);
    return 0;
}

static long num(const char *s, long lo, long hi)
{
    char *end;
    long v = strtol(s, &end, 10);
    return *s && !*end && v >= lo && v <= hi ? v : -1;
}

/* A byte count with an optional k/M/G suffix (powers of 1024), lo..hi; -1 otherwise. */
static long gw_size(const char *s, long lo, long hi)
{
    char *end;
    long v = strtol(s, &end, 10);
    int shift = *end == 'k' || *end == 'K' ? 10 : *end == 'M' ? 20 : *end == 'G' ? 30 : 0;
    if (shift)
        end++;
    if (!*s || *end || v < 0 || v > (hi >> shift))
        return -1;
    v <<= shift;
    return v >= lo ? v : -1;
}

static int parse(gw_opts *o, int argc, char **argv)
{
    memset(o, 0, sizeof(*o));
    o->ifname = "tap0";
    parse_addr("10.0.2.100/24", &o->addr, &o->prefix_len);
    parse_addr("10.0.2.2", &o->gw, NULL);
    o->mtu = 65520;
    o->buffer = 1u << 20;
    o->max_buffer = 256u << 20;
    o->max_conns = 256;
    o->connect_ms = 10000;
    o->max_udp = 256;
    o->dns = UINT32_MAX; /* the subnet's .3 unless --dns says otherwise */
    o->dns_port = 53;
    gw_opts_defaults(o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        long n = 0;
        int used = gw_v6_parse(o, a, v);
        if (used == 0)
            used = gw_opts_parse(o, a, v);
        if (used == 0)
            used = gw_tun_opts_parse(o, a, v);
        if (used < 0)
            return -1;
        if (used > 0) {
            i += used - 1;
            continue;
        }
        if (strcmp(a, "--json") == 0) {
            o->json = 1;
            continue;
        }
        if (strcmp(a, "--no-offload") == 0) {
            o->no_offload = 1;
            continue;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            gw_usage(stdout);
            exit(0);
        }
        static const char *const valued[] = {
            "--netns", "--pid",       "--ifname",          "--addr",   "--gw",
            "--mtu",   "--max-conns", "--connect-timeout", "--buffer", "--max-buffer"};
        static const char *const udp_valued[] = {"--dns", "--dns-server", "--max-udp-flows"};
        int known = 0;
        for (size_t k = 0; k < sizeof(valued) / sizeof(valued[0]); k++)
            known |= strcmp(a, valued[k]) == 0;
        for (size_t k = 0; k < sizeof(udp_valued) / sizeof(udp_valued[0]); k++)
            known |= strcmp(a, udp_valued[k]) == 0;
        if (!known) {
            fprintf(stderr, "synack gateway: unknown option '%s'\n", a);
            return -1;
        }
        if (!v) {
            fprintf(stderr, "synack gateway: %s needs a value\n", a);
            return -1;
        }
        i++;
        if (strcmp(a, "--netns") == 0) {
            o->netns = v;
        } else if (strcmp(a, "--pid") == 0 && (n = num(v, 1, 1 << 30)) > 0) {
            snprintf(o->nsbuf, sizeof(o->nsbuf), "/proc/%ld/ns/net", n);
            o->netns = o->nsbuf;
        } else if (strcmp(a, "--ifname") == 0 && strlen(v) < 16) {
            o->ifname = v;
        } else if (strcmp(a, "--addr") == 0 && parse_addr(v, &o->addr, &o->prefix_len) == 0) {
        } else if (strcmp(a, "--gw") == 0 && parse_addr(v, &o->gw, NULL) == 0) {
        } else if (strcmp(a, "--mtu") == 0 && (n = num(v, 576, 65520)) > 0) {
            o->mtu = (uint32_t)n;
        } else if (strcmp(a, "--max-conns") == 0 &&
                   (n = num(v, 1, GW_MAX_POLL - 1 - GW_EXTRA_POLL)) > 0) {
            o->max_conns = (uint32_t)n;
        } else if (strcmp(a, "--connect-timeout") == 0 && (n = num(v, 1, 300000)) > 0) {
            o->connect_ms = (uint32_t)n;
        } else if (strcmp(a, "--dns") == 0 &&
                   (strcmp(v, "none") == 0 ? (o->dns = 0, 1) : parse_addr(v, &o->dns, NULL) == 0)) {
        } else if (strcmp(a, "--dns-server") == 0 &&
                   gw_parse_hostport(v, &o->dns_server, &o->dns_port) == 0) {
        } else if (strcmp(a, "--max-udp-flows") == 0 && (n = num(v, 1, 4096)) > 0) {
            o->max_udp = (uint32_t)n;
        } else if (strcmp(a, "--buffer") == 0 && (n = gw_size(v, 2048, 64L << 20)) > 0) {
            o->buffer = (uint32_t)n;
        } else if (strcmp(a, "--max-buffer") == 0 && (n = gw_size(v, 2048, 4095L << 20)) > 0) {
            o->max_buffer = (uint32_t)n;
        } else {
            fprintf(stderr, "synack gateway: bad value for %s: '%s'\n", a, v);
            return -1;
        }
    }
    if (!o->netns) {
        fprintf(stderr, "synack gateway: --netns PATH or --pid PID is required\n");
        return -1;
    }
    uint32_t mask = ~((1u << (32 - o->prefix_len)) - 1);
    if ((o->addr & mask) != (o->gw & mask) || o->addr == o->gw) {
        fprintf(stderr, "synack gateway: --gw must be another address of --addr's subnet\n");
        return -1;
    }
    if (o->dns == UINT32_MAX) /* slirp's 10.0.2.3: the subnet's .3, if that is free */
        o->dns =
            o->prefix_len >= 30 || (o->addr & mask) + 3 == o->addr || (o->addr & mask) + 3 == o->gw
                ? 0
                : (o->addr & mask) + 3;
    if (o->dns == o->addr || o->dns == o->gw) {
        fprintf(stderr, "synack gateway: --dns must differ from --addr and --gw\n");
        return -1;
    }
    if (!o->dns_server)
        o->dns_server = gw_resolv_conf("/etc/resolv.conf");
    return gw_v6_check(o);
}

static synack_stack *open_stack(const gw_opts *o, gw_tap *tap, int *ls, int *ls6)
{
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.netif.type = SYNACK_LINK_ETHERNET;
    cfg.netif.addr = o->gw;
    cfg.netif.prefix_len = o->prefix_len;
    cfg.netif.mtu = o->mtu;
    gw_tap_netif(tap, &cfg.netif);
    cfg.sndbuf = o->buffer;
    cfg.rcvbuf = o->buffer;
    cfg.max_buffer_bytes = o->max_buffer;
    /* A relay's reply carries the ACK of the request it answers: the read in between need
     * not announce the scaled window in a frame of its own. */
    cfg.window_update_delack = 1;
    /* A namespace's bulk upload comes in 64 KiB segments: an ACK per two of them is a TAP
     * write (and the sender's ACK processing, in our context) per 128 KiB. */
    cfg.ack_every_segs = 4;
    if (o->ipv6) {
        memcpy(cfg.netif.addr6, o->gw6, 16);
        cfg.netif.prefix6_len = o->prefix6;
    }
    synack_tuntap_make_mac(cfg.netif.mac, (uint64_t)o->gw * 2654435761u);
    synack_stack *st = synack_stack_new(&cfg);
    if (!st)
        return NULL;
    int s = synack_socket(st, SYNACK_SOCK_STREAM);
    int one = 1, hold = (int)o->connect_ms + 5000;
    if (s < 0 ||
        synack_setsockopt(st, s, SYNACK_IPPROTO_TCP, SYNACK_TCP_CATCH_ALL, &one, sizeof(one)) ||
        synack_setsockopt(st, s, SYNACK_IPPROTO_TCP, SYNACK_TCP_HOLD_SYN, &hold, sizeof(hold)) ||
        synack_listen(st, s, (int)o->max_conns) < 0 ||
        (o->ipv6 && (*ls6 = gw_v6_listen(st, o, hold)) < 0)) {
        synack_stack_free(st);
        return NULL;
    }
    *ls = s;
    return st;
}

/* Summed over the n threads' relays and stacks. */
static void summary(const gw_opts *o, gw_relay *const *r, synack_stack *const *st, int n)
{
    gw_stats sum = {0};
    const gw_stats *s = &sum;
    int open_ = 0;
    unsigned long long expired = 0;
    for (int i = 0; i < n; i++) {
        gw_stats_add(&sum, gw_relay_stats(r[i]));
        open_ += (int)gw_relay_open(r[i]);
        expired += synack_counter_get(st[i], SYNACK_CTR_TCPSynHeldExpired);
    }
    if (!o->json) {
        fprintf(stderr,
                "synack gateway: %llu held, %llu accepted, %llu refused, %llu unreachable, "
                "%llu dropped, %llu over the limit; %llu up / %llu down bytes\n",
                (unsigned long long)s->held, (unsigned long long)s->accepted,
                (unsigned long long)s->refused, (unsigned long long)s->unreachable,
                (unsigned long long)s->dropped, (unsigned long long)s->limit,
                (unsigned long long)s->up_bytes, (unsigned long long)s->down_bytes);
        return;
    }
    printf("{\"summary\":\"gateway\",\"held\":%llu,\"accepted\":%llu,\"refused\":%llu,"
           "\"unreachable\":%llu,\"dropped\":%llu,\"limit_refused\":%llu,\"resets\":%llu,"
           "\"finished\":%llu,\"open\":%d,\"up_bytes\":%llu,\"down_bytes\":%llu,"
           "\"expired\":%llu,\"denied\":%llu,\"loopback\":%llu,\"deferred\":%llu,"
           "\"evicted\":%llu,\"fwd_accepted\":%llu,\"fwd_connected\":%llu,\"fwd_failed\":%llu,"
           "\"vanished\":%llu,\"fds_peak\":%u,\"busy_polls\":%llu,\"busy_poll_hits\":%llu}\n",
           (unsigned long long)s->held, (unsigned long long)s->accepted,
           (unsigned long long)s->refused, (unsigned long long)s->unreachable,
           (unsigned long long)s->dropped, (unsigned long long)s->limit,
           (unsigned long long)s->resets, (unsigned long long)s->finished, open_,
           (unsigned long long)s->up_bytes, (unsigned long long)s->down_bytes, expired,
           (unsigned long long)s->denied, (unsigned long long)s->loopback,
           (unsigned long long)s->deferred, (unsigned long long)s->evicted,
           (unsigned long long)s->fwd_accepted, (unsigned long long)s->fwd_connected,
           (unsigned long long)s->fwd_failed, (unsigned long long)s->vanished, s->fds_peak,
           (unsigned long long)s->busy_polls, (unsigned long long)s->busy_poll_hits);
    fflush(stdout);
}

/* The exit summaries; with --threads, thread 0 prints them for every thread's tables. */
static void summaries(const gw_opts *o, gw_thread *th, gw_tap *tap, gw_relay *r, gw_udp *u,
                      gw_icmp *ic, synack_stack *st)
{
    gw_tap *taps[GW_MAX_THREADS] = {tap};
    gw_relay *rs[GW_MAX_THREADS] = {r};
    gw_udp *us[GW_MAX_THREADS] = {u};
    gw_icmp *ics[GW_MAX_THREADS] = {ic};
    synack_stack *sts[GW_MAX_THREADS] = {st};
    int n = (int)gw_thread_count(th);
    for (int i = 0; th && i < n; i++) {
        gw_thread *p = gw_thread_peer(th, (uint32_t)i);
        taps[i] = p->tap;
        rs[i] = p->r;
        us[i] = p->u;
        ics[i] = p->ic;
        sts[i] = p->st;
    }
    if (th)
        gw_threads_summary(th, o->json);
    gw_tap_summary((const gw_tap *const *)taps, n, o->json);
    gw_udp_summary(o->json, us, ics, sts, n); /* before the TCP line, which stays the last */
    gw_stats s5 = {0};
    for (int i = 0; i < n; i++)
        gw_stats_add(&s5, gw_relay_stats(rs[i]));
    gw_socks5_summary(o, &s5);
    summary(o, rs, sts, n);
}

int gw_serve(const gw_opts *o, synack_tuntap *dev, gw_thread *th)
{
    int ls = -1, ls6 = -1;
    gw_tap tap = {.dev = dev, .th = th};
    synack_stack *st = open_stack(o, &tap, &ls, &ls6);
    gw_relay *r = st ? gw_relay_new(st, ls, o) : NULL;
    if (r)
        gw_relay_set_ls6(r, ls6);
    gw_udp_opts uo = {.max_flows = o->max_udp,
                      .gw = o->gw,
                      .dns = o->dns,
                      .dns_server = o->dns_server,
                      .dns_port = o->dns_port,
                      .go = o,
                      .stats = r ? gw_relay_stats_mut(r) : NULL};
    gw_udp *u = r ? gw_udp_new(st, &uo) : NULL;
    gw_icmp *ic = u ? gw_icmp_new(dev, o->gw) : NULL;
    if (ic && o->ipv6 && gw_icmp_enable_v6(ic, o->gw6, o->addr6) != 0) {
        gw_icmp_free(ic);
        ic = NULL;
    }
    if (th && ic) {
        th->st = st;
        th->r = r;
        th->u = u;
        th->ic = ic;
        th->tap = &tap;
    }
    if (gw_thread_ready(th) != 0 || !ic) {
        fprintf(stderr, "synack gateway: cannot create the stack\n");
        gw_udp_free(u);
        gw_icmp_free(ic);
        gw_relay_free(r);
        synack_stack_free(st);
        return 1;
    }
    /* --threads: the forward listeners and the control socket are thread 0's */
    int owner = !th || th->idx == 0;
    gw_fwd *fwd = gw_fwd_open(o, st, r);
    gw_ctl *ctl = fwd && owner ? gw_ctl_open(o, st, r, dev->name) : NULL;
    if (ctl && th) {
        synack_stack *sts[GW_MAX_THREADS];
        gw_relay *rs[GW_MAX_THREADS];
        for (uint32_t i = 0; i < gw_thread_count(th); i++) {
            sts[i] = gw_thread_peer(th, i)->st;
            rs[i] = gw_thread_peer(th, i)->r;
        }
        gw_ctl_threads(ctl, sts, rs, (int)gw_thread_count(th), gw_threads_world, th->all);
    }
    int rc = 0, tap_ready = 1, inbox_ready = 0;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    gw_spin spin = {.us = o->busy_poll_us,
                    .max_spinners = ncpu >= 4 ? (uint32_t)(ncpu / 2) : 1,
                    .spinners = gw_thread_spinners(th)};
    gw_trim trim = {0};
    gw_ev ev;
    int ev_rc = gw_ev_init(&ev);
    if (ev_rc == 0) {
        gw_ev_bind(&ev);
        gw_relay_set_ev(r, &ev);
        ev_rc = gw_ev_set(&ev, dev->fd, EPOLLIN, GW_EV_TAG(GW_EV_TAP, 0, dev->fd));
    }
    if (ev_rc == 0 && gw_thread_fd(th) >= 0)
        ev_rc =
            gw_ev_set(&ev, gw_thread_fd(th), EPOLLIN, GW_EV_TAG(GW_EV_INBOX, 0, gw_thread_fd(th)));
    if (ev_rc == 0 && gw_ctl_fd(ctl) >= 0)
        ev_rc = gw_ev_set(&ev, gw_ctl_fd(ctl), EPOLLIN, GW_EV_TAG(GW_EV_CTL, 0, gw_ctl_fd(ctl)));
    if (ev_rc != 0)
        fprintf(stderr, "synack gateway: epoll: %s\n", strerror(-ev_rc));
    if (!fwd || (owner && !ctl) || ev_rc != 0) {
        if (!th) {
            gw_ctl_free(ctl);
            gw_ev_free(&ev);
            gw_fwd_free(fwd);
            gw_icmp_free(ic);
            gw_udp_free(u);
            gw_relay_free(r);
            synack_stack_free(st);
            return 1;
        }
        rc = 1; /* the other threads are running: stop them all, the usual way */
        gw_stop = 1;
    }
    static _Thread_local struct pollfd pf[GW_POLL_SLOTS];
    if (owner && rc == 0)
        fprintf(stderr, "synack gateway: serving %s on %s (gateway %u.%u.%u.%u)\n", o->netns,
                dev->name, o->gw >> 24, (o->gw >> 16) & 255, (o->gw >> 8) & 255, o->gw & 255);
    while (!gw_stop) {
        uint64_t now = synack_loop_clock();
        /* One output per connection for the frames and relay moves of this round: an ACK
         * for all of an upload's frames, with the window the relay's sends opened, and a
         * download's bytes in full TSO frames (synack_batch_begin). */
        synack_batch_begin(st);
        /* Only when poll said so: a wake for a host socket costs no empty TAP read. */
        int got = tap_ready ? gw_tap_drain(&tap, ic, st, now) : 0;
        if (got < 0) {
            fprintf(stderr, "synack gateway: device: %s\n", strerror(-got));
            rc = 1;
            gw_stop = 1; /* all threads: one queue gone is the device gone */
            break;
        }
        if (inbox_ready)
            gw_thread_inbox(th, now);
        now = synack_loop_clock();
        if (synack_next_deadline(st) <= now)
            synack_poll(st, now);
        gw_relay_step(r, now);
        synack_batch_end(st);
        gw_udp_step(u, now);
        gw_icmp_step(ic, now);
        gw_trim_step(&trim, gw_relay_open(r), synack_mem_in_use(st), now);
        gw_relay_stats_mut(r)->mem_trims = trim.trims;
        gw_relay_stats_mut(r)->busy_polls = spin.polls;
        gw_relay_stats_mut(r)->busy_poll_hits = spin.hits;
        now = synack_loop_clock();
        if (synack_next_deadline(st) <= now)
            synack_poll(st, now);
        int nf = gw_fwd_pollfds(fwd, pf, GW_EXTRA_POLL - 1), n = nf;
        n += gw_udp_pollfds(u, pf + n, GW_POLL_SLOTS - n);
        n += gw_icmp_pollfds(ic, pf + n, GW_POLL_SLOTS - n);
        gw_ev_sync(&ev, pf, n);
        uint64_t d = synack_next_deadline(st), d2 = gw_relay_deadline(r), d3 = gw_udp_deadline(u);
        if (d2 < d)
            d = d2;
        if (d3 < d)
            d = d3;
        int wait_ms = 1000;
        if (d != UINT64_MAX)
            wait_ms =
                d <= now ? 0 : (int)((d - now + 999) / 1000 < 1000 ? (d - now + 999) / 1000 : 1000);
        if (gw_relay_busy(r))
            wait_ms = 0;
        struct epoll_event evs[GW_EVENTS];
        int ne = gw_spin_wait(&spin, &ev, evs, GW_EVENTS, wait_ms,
                              tap.stats.rx_bytes + tap.stats.tx_bytes);
        tap_ready = ne < 0; /* EINTR: look at everything once more */
        inbox_ready = 0;
        for (int i = 0; i < ne; i++) {
            uint64_t tag = evs[i].data.u64;
            switch (GW_EV_KIND(tag)) {
            case GW_EV_TAP:
                tap_ready = 1;
                break;
            case GW_EV_INBOX:
                inbox_ready = 1;
                break;
            case GW_EV_CTL:
                gw_ctl_step(ctl);
                break;
            case GW_EV_RELAY:
                gw_relay_event(r, GW_EV_IDX(tag), GW_EV_FD(tag), evs[i].events);
                break;
            }
        }
        gw_extra_ready(fwd, NULL, pf, nf, 0);
    }
    gw_ctl_free(ctl); /* before the others stop for good: it may stop them */
    gw_thread_finish(th);
    if (owner)
        summaries(o, th, &tap, r, u, ic, st);
    gw_thread_release(th);
    gw_fwd_free(fwd);
    gw_icmp_free(ic);
    gw_udp_free(u);
    gw_relay_free(r);
    gw_ev_free(&ev);
    synack_stack_free(st);
    return rc;
}

int cmd_gateway(int argc, char **argv)
{
    gw_opts o;
    if (parse(&o, argc, argv) != 0) {
        gw_usage(stderr);
        return 2;
    }
    static synack_tuntap dev[GW_MAX_THREADS];
    if (gw_fd_budget(&o) != 0)
        return 1;
    if (gw_ns_attach(&o, dev) != 0)
        return 1;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    int rc = o.threads > 1 ? gw_threads_run(&o, dev) : gw_serve(&o, dev, NULL);
    for (uint32_t i = 0; i < (o.threads > 1 ? o.threads : 1); i++)
        synack_tuntap_close(&dev[i]);
    return rc;
}
