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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "cmd_gateway.h"
#include "synack/loop.h"

#define GW_EXTRA_POLL (GW_MAX_FORWARDS + 1) /* forward listeners, the control socket */
#define GW_MAX_POLL (1025 + GW_EXTRA_POLL)

static volatile sig_atomic_t gw_stop;

static void on_signal(int sig)
{
    (void)sig;
    gw_stop = 1;
}

static void gw_usage(FILE *out)
{
    fprintf(out, "usage: synack gateway (--netns PATH | --pid PID) [--ifname tap0]\n"
                 "                      [--addr 10.0.2.100/24] [--gw 10.0.2.2] [--mtu 1500]\n"
                 "                      [--max-conns 256] [--connect-timeout MS] [--json]\n"
                 "Gives the namespace TCP to anywhere the gateway's own namespace reaches: a TAP\n"
                 "in it, its address and default route via --gw, and each connection relayed to a\n"
                 "host socket (SYN-ACK only once the host connect succeeded; refused -> RST;\n"
                 "unreachable -> ICMP; no answer -> silence). SIGINT/SIGTERM stop it.\n");
    fputs(gw_opts_usage, out);
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

static int parse(gw_opts *o, int argc, char **argv)
{
    memset(o, 0, sizeof(*o));
    o->ifname = "tap0";
    parse_addr("10.0.2.100/24", &o->addr, &o->prefix_len);
    parse_addr("10.0.2.2", &o->gw, NULL);
    o->mtu = 1500;
    o->max_conns = 256;
    o->connect_ms = 10000;
    gw_opts_defaults(o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        long n = 0;
        int used = gw_opts_parse(o, a, v);
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
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            gw_usage(stdout);
            exit(0);
        }
        static const char *const valued[] = {
            "--netns", "--pid", "--ifname",    "--addr",
            "--gw",    "--mtu", "--max-conns", "--connect-timeout"};
        int known = 0;
        for (size_t k = 0; k < sizeof(valued) / sizeof(valued[0]); k++)
            known |= strcmp(a, valued[k]) == 0;
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
    return 0;
}

static int gw_output(void *ctx, const uint8_t *frame, size_t len)
{
    return synack_tuntap_write(ctx, frame, len);
}

static synack_stack *open_stack(const gw_opts *o, synack_tuntap *dev, int *ls)
{
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.netif.type = SYNACK_LINK_ETHERNET;
    cfg.netif.addr = o->gw;
    cfg.netif.prefix_len = o->prefix_len;
    cfg.netif.mtu = o->mtu;
    cfg.netif.output = gw_output;
    cfg.netif.output_ctx = dev;
    synack_tuntap_make_mac(cfg.netif.mac, (uint64_t)o->gw * 2654435761u);
    cfg.sndbuf = gw_conn_buffer(o, cfg.sndbuf);
    cfg.rcvbuf = gw_conn_buffer(o, cfg.rcvbuf);
    synack_stack *st = synack_stack_new(&cfg);
    if (!st)
        return NULL;
    int s = synack_socket(st, SYNACK_SOCK_STREAM);
    int one = 1, hold = (int)o->connect_ms + 5000;
    if (s < 0 ||
        synack_setsockopt(st, s, SYNACK_IPPROTO_TCP, SYNACK_TCP_CATCH_ALL, &one, sizeof(one)) ||
        synack_setsockopt(st, s, SYNACK_IPPROTO_TCP, SYNACK_TCP_HOLD_SYN, &hold, sizeof(hold)) ||
        synack_listen(st, s, (int)o->max_conns) < 0) {
        synack_stack_free(st);
        return NULL;
    }
    *ls = s;
    return st;
}

static void summary(const gw_opts *o, const gw_relay *r, const synack_stack *st, int open_)
{
    const gw_stats *s = gw_relay_stats(r);
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
           "\"vanished\":%llu,\"fds_peak\":%u}\n",
           (unsigned long long)s->held, (unsigned long long)s->accepted,
           (unsigned long long)s->refused, (unsigned long long)s->unreachable,
           (unsigned long long)s->dropped, (unsigned long long)s->limit,
           (unsigned long long)s->resets, (unsigned long long)s->finished, open_,
           (unsigned long long)s->up_bytes, (unsigned long long)s->down_bytes,
           (unsigned long long)synack_counter_get(st, SYNACK_CTR_TCPSynHeldExpired),
           (unsigned long long)s->denied, (unsigned long long)s->loopback,
           (unsigned long long)s->deferred, (unsigned long long)s->evicted,
           (unsigned long long)s->fwd_accepted, (unsigned long long)s->fwd_connected,
           (unsigned long long)s->fwd_failed, (unsigned long long)s->vanished, s->fds_peak);
    fflush(stdout);
}

static int serve(const gw_opts *o, synack_tuntap *dev)
{
    int ls = -1;
    synack_stack *st = open_stack(o, dev, &ls);
    gw_relay *r = st ? gw_relay_new(st, ls, o) : NULL;
    if (!r) {
        fprintf(stderr, "synack gateway: cannot create the stack\n");
        synack_stack_free(st);
        return 1;
    }
    gw_fwd *fwd = gw_fwd_open(o, st, r);
    gw_ctl *ctl = fwd ? gw_ctl_open(o, st, r, dev->name) : NULL;
    if (!ctl) {
        gw_fwd_free(fwd);
        gw_relay_free(r);
        synack_stack_free(st);
        return 1;
    }
    static uint8_t frame[SYNACK_TUNTAP_MAX_FRAME];
    static struct pollfd pf[GW_MAX_POLL];
    fprintf(stderr, "synack gateway: serving %s on %s (gateway %u.%u.%u.%u)\n", o->netns, dev->name,
            o->gw >> 24, (o->gw >> 16) & 255, (o->gw >> 8) & 255, o->gw & 255);
    int rc = 0;
    while (!gw_stop) {
        uint64_t now = synack_loop_clock();
        for (int k = 0; k < 64; k++) {
            long n = synack_tuntap_read(dev, frame, sizeof(frame));
            if (n == -EAGAIN)
                break;
            if (n < 0) {
                fprintf(stderr, "synack gateway: device: %s\n", strerror((int)-n));
                rc = 1;
                gw_stop = 1;
                break;
            }
            synack_input(st, now, frame, (size_t)n);
        }
        now = synack_loop_clock();
        if (synack_next_deadline(st) <= now)
            synack_poll(st, now);
        gw_relay_step(r, now);
        now = synack_loop_clock();
        if (synack_next_deadline(st) <= now)
            synack_poll(st, now);
        pf[0].fd = dev->fd;
        pf[0].events = POLLIN;
        pf[0].revents = 0;
        int n = 1 + gw_relay_pollfds(r, pf + 1, GW_MAX_POLL - 1 - GW_EXTRA_POLL);
        int nf = gw_fwd_pollfds(fwd, pf + n, GW_EXTRA_POLL - 1), fwd_at = n;
        n += nf;
        if (gw_ctl_fd(ctl) >= 0)
            pf[n++] = (struct pollfd){.fd = gw_ctl_fd(ctl), .events = POLLIN};
        uint64_t d = synack_next_deadline(st), d2 = gw_relay_deadline(r);
        if (d2 < d)
            d = d2;
        int wait_ms = 1000;
        if (d != UINT64_MAX)
            wait_ms =
                d <= now ? 0 : (int)((d - now + 999) / 1000 < 1000 ? (d - now + 999) / 1000 : 1000);
        poll(pf, (nfds_t)n, wait_ms);
        gw_extra_ready(fwd, ctl, pf + fwd_at, nf, n - fwd_at - nf);
    }
    summary(o, r, st, (int)gw_relay_open(r));
    gw_ctl_free(ctl);
    gw_fwd_free(fwd);
    gw_relay_free(r);
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
    synack_tuntap dev;
    if (gw_fd_budget(&o) != 0)
        return 1;
    if (gw_ns_attach(&o, &dev) != 0)
        return 1;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    int rc = serve(&o, &dev);
    synack_tuntap_close(&dev);
    return rc;
}
