/* SPDX-License-Identifier: MIT */
/* synack gateway: the options for port forwarding, host loopback and the limits, and the
 * policy they set: which destinations the namespace may reach, how many host fds the
 * relays take. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cmd_gateway.h"
#include "cmd_gateway_echo.h"
#include "cmd_gateway_spin.h"

const char gw_opts_usage[] =
    "  --forward tcp:[HOSTADDR:]HOSTPORT:NSPORT   (repeatable) connections to HOSTPORT on\n"
    "                  the host are relayed to the namespace's --addr at NSPORT\n"
    "  --forward udp:[HOSTADDR:]HOSTPORT:NSPORT   (repeatable) the same for datagrams; each\n"
    "                  host peer (32 per forward, idle ones expire) gets the replies\n"
    "  --enable-host-loopback   connections to --gw reach the host's 127.0.0.1 (off: reset;\n"
    "                  slirp4netns allows it unless --disable-host-loopback)\n"
    "  --max-pending N  host connects and handshakes under way at once (64); more SYNs wait\n"
    "  --keepalive S   probe a relayed connection's namespace side after S idle seconds\n"
    "                  (0, the default: never), so a peer gone without a trace (its RST\n"
    "                  lost) frees its relay\n"
    "  --busy-poll US  after a round trip's small frames, poll for events this many\n"
    "                  microseconds before sleeping (50; 0: never; at most 1000); with\n"
    "                  --threads, at most half the cores poll at once\n"
    "  --threads N|auto  N stacks (1..64; auto: the online cores), each on a queue of a\n"
    "                  multi-queue TAP (or TUN, with --tun) with its own loop; the limits\n"
    "                  are split among them\n";

#define GW_DEF_PENDING 64

void gw_opts_defaults(gw_opts *o)
{
    o->max_pending = GW_DEF_PENDING;
    o->threads = 1;
    o->busy_poll_us = GW_SPIN_DEFAULT_US;
}

static int port(const char *s, uint16_t *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 1 || v > 65535)
        return -1;
    *out = (uint16_t)v;
    return 0;
}

/* tcp:[HOSTADDR:]HOSTPORT:NSPORT or udp:... */
static int parse_forward(gw_forward *f, const char *spec)
{
    char buf[64];
    int udp = strncmp(spec, "udp:", 4) == 0;
    if ((!udp && strncmp(spec, "tcp:", 4) != 0) || strlen(spec) >= sizeof(buf))
        return -1;
    snprintf(buf, sizeof(buf), "%s", spec + 4);
    char *parts[4];
    int n = 0;
    for (char *p = buf; n < 4;) {
        parts[n++] = p;
        char *c = strchr(p, ':');
        if (!c)
            break;
        *c = '\0';
        p = c + 1;
    }
    if (n > 3)
        return -1;
    memset(f, 0, sizeof(*f));
    if (n == 3) {
        struct in_addr in;
        if (inet_pton(AF_INET, parts[0], &in) != 1)
            return -1;
        f->host_addr = ntohl(in.s_addr);
    } else if (n != 2) {
        return -1;
    }
    f->udp = (uint8_t)udp;
    return port(parts[n - 2], &f->host_port) || port(parts[n - 1], &f->ns_port) ? -1 : 0;
}

int gw_opts_parse(gw_opts *o, const char *a, const char *v)
{
    if (strcmp(a, "--enable-host-loopback") == 0) {
        o->host_loopback = 1;
        return 1;
    }
    if (strcmp(a, "--forward") != 0 && strcmp(a, "--max-pending") != 0 &&
        strcmp(a, "--keepalive") != 0 && strcmp(a, "--threads") != 0 &&
        strcmp(a, "--busy-poll") != 0)
        return 0;
    if (!v) {
        fprintf(stderr, "synack gateway: %s needs a value\n", a);
        return -1;
    }
    char *end;
    unsigned long long n = strtoull(v, &end, 10);
    int ok = 0;
    if (strcmp(a, "--forward") == 0) {
        ok = o->nfwd < GW_MAX_FORWARDS && parse_forward(&o->fwd[o->nfwd], v) == 0;
        o->nfwd += ok;
    } else if (strcmp(a, "--threads") == 0) {
        if (strcmp(v, "auto") == 0) {
            long c = sysconf(_SC_NPROCESSORS_ONLN);
            n = c < 1 ? 1 : c > GW_MAX_QUEUES ? GW_MAX_QUEUES : (unsigned long long)c;
            end = (char *)v + strlen(v);
        }
        ok = *v && !*end && n >= 1 && n <= GW_MAX_QUEUES;
        o->threads = (uint32_t)n;
    } else if (strcmp(a, "--busy-poll") == 0) {
        ok = *v && !*end && n <= GW_SPIN_MAX_US;
        o->busy_poll_us = (uint32_t)n;
    } else if (strcmp(a, "--keepalive") == 0) {
        ok = *v && !*end && n <= 86400;
        o->keepalive_s = (uint32_t)n;
    } else {
        ok = *v && !*end && n >= 1 && n <= 1024;
        o->max_pending = (uint32_t)n;
    }
    if (!ok) {
        fprintf(stderr, "synack gateway: bad value for %s: '%s'%s\n", a, v,
                strcmp(a, "--forward") == 0 && o->nfwd == GW_MAX_FORWARDS ? " (too many)" : "");
        return -1;
    }
    return 2;
}

uint32_t gw_dest(const gw_opts *o, uint32_t dst)
{
    if (dst == o->gw)
        return o->host_loopback ? INADDR_LOOPBACK : 0;
    /* 0/8 "this network", 127/8 loopback, 224/4 multicast and above (class E, broadcast):
     * never host destinations the namespace may name; the namespace's own address never
     * comes here from a kernel, only from a forged frame. */
    uint32_t top = dst >> 24;
    if (top == 0 || top == 127 || top >= 224 || dst == o->addr)
        return 0;
    return dst;
}

/* The sum over the threads of a limit's shares (cmd_gateway_threads.c's share(): rounded
 * down, at least 1 each), so that a floor of 1 per thread is counted. */
static uint64_t shares(uint32_t v, uint32_t n)
{
    uint32_t s = v / n;
    return (uint64_t)n * (s < 1 ? 1 : s);
}

uint64_t gw_fd_need(const gw_opts *o)
{
    uint32_t t = o->threads > 1 ? o->threads : 1;
    /* Relays (one host socket each), the forward listeners and UDP forward sockets (thread
     * 0's only: a UDP forward's host peers share its one socket), the TAP, the control
     * socket, stdio and slack (a control client, a socks5 relay of the other family). */
    uint64_t need = shares(o->max_conns, t) + o->nfwd + 32;
    /* a UDP flow's connected socket; with --socks5 also its association's control
     * connection */
    need += shares(o->max_udp, t) * (o->socks5_salen ? 2 : 1);
    /* each stack's ICMP echo relay: a ping socket per flow, a table per family */
    need += (uint64_t)t * GW_ECHO_FLOWS * (o->ipv6 ? 2 : 1);
    /* --threads: a queue and an eventfd each, and slack */
    if (t > 1)
        need += (uint64_t)t * 4;
    return need;
}

int gw_fd_budget(const gw_opts *o)
{
    rlim_t need = (rlim_t)gw_fd_need(o);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= need)
        return 0;
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
        fprintf(stderr,
                "synack gateway: the limits (--max-conns %u, --max-udp-flows %u) need %llu file "
                "descriptors; the hard limit is %llu\n",
                o->max_conns, o->max_udp, (unsigned long long)need,
                (unsigned long long)rl.rlim_max);
        return -1;
    }
    rl.rlim_cur = need;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
        perror("synack gateway: setrlimit");
        return -1;
    }
    return 0;
}
