/* SPDX-License-Identifier: MIT */
/* synack ping — iputils ping on synack's echo sockets (SOCK_DGRAM, IPPROTO_ICMP/ICMPV6)
 * over a TUN/TAP device: its lines, its summary and its exit status (0 when a reply came,
 * 1 when none did, 2 on a usage or setup error). ICMP errors come from the error queue
 * (IP_RECVERR / IPV6_RECVERR) and are printed as ping prints them. Always bounded: COUNT
 * requests (default 4), then at most TIMEOUT seconds for the last replies. */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "host.h"

#define PING_MAX_COUNT 65535u /* one sequence number each, no wrap */
#define PING_DEFAULT_COUNT 4u
#define PING_DEFAULT_SIZE 56u
#define ECHO_HDR 8u

typedef struct ping_opts {
    int v6;               /* -6, or an IPv6 DEST */
    int force4;           /* -4 */
    uint32_t count;       /* -c */
    uint64_t interval_us; /* -i */
    uint32_t size;        /* -s: data bytes after the 8-byte header */
    uint64_t timeout_us;  /* -W: how long to wait for replies after the last request */
    const char *dest;     /* DEST as typed */
    uint32_t dst4;        /* host order */
    uint8_t dst6[16];
} ping_opts;

/* What a run saw. */
typedef struct ping_run {
    uint64_t *sent_at; /* per sequence number (1-based): when it left, 0 not sent */
    uint8_t *answered; /* per sequence number: a reply (or an error) came */
    uint32_t sent, received, dups, errors;
    double tmin, tmax, tsum, tsum2; /* ms */
} ping_run;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: synack ping [-4|-6] [-c COUNT] [-i INTERVAL] [-s SIZE] [-W TIMEOUT]\n"
            "                   --tap IF|--tun IF --addr A/LEN|--addr6 A/LEN [options below] DEST\n"
            "\n"
            "iputils ping on synack's echo sockets over a TUN/TAP device: a line per reply\n"
            "(\"64 bytes from 192.0.2.1: icmp_seq=1 ttl=64 time=0.123 ms\"; ttl= is the\n"
            "reply's TTL, or its hop limit over IPv6, as iputils prints both), ICMP errors as\n"
            "ping prints them (\"From 192.0.2.2 icmp_seq=1 Destination Host Unreachable\"),\n"
            "then the summary. --json: only the summary, as one JSON object\n"
            "({\"summary\":\"ping\",..}).\n"
            "Exit status 0 when a reply came, 1 when none did, 2 on a usage or setup error.\n"
            "  DEST         an IPv4 or IPv6 address (no names: synack has no resolver)\n"
            "  -4, -6       the family (default: DEST's)\n"
            "  -c COUNT     requests to send, 1..%u (default %u: never endless)\n"
            "  -i INTERVAL  seconds between requests, 0.01..60 (default 1)\n"
            "  -s SIZE      data bytes per request (default %u)\n"
            "  -W TIMEOUT   seconds to wait for replies after the last request, 0.1..60\n"
            "               (default 10, as iputils; it ends sooner once all are in)\n",
            PING_MAX_COUNT, PING_DEFAULT_COUNT, PING_DEFAULT_SIZE);
    host_usage(out);
}

static int parse_num(const char *opt, const char *v, double lo, double hi, double *out)
{
    char *e;
    errno = 0;
    double d = strtod(v, &e);
    if (errno || e == v || *e || !(d >= lo && d <= hi)) {
        fprintf(stderr, "synack ping: %s wants a number from %g to %g, not '%s'\n", opt, lo, hi, v);
        return -1;
    }
    *out = d;
    return 0;
}

static int whole(const char *opt, double d)
{
    if (d == floor(d))
        return 0;
    fprintf(stderr, "synack ping: %s wants a whole number\n", opt);
    return -1;
}

/* One of ping's own options at argv[*i] ("-c 3" or "-c3"): 1 consumed, 0 not ours, -1
 * after a message. */
static int parse_own(ping_opts *p, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    if (!strcmp(a, "-4") || !strcmp(a, "-6")) {
        if (a[1] == '6')
            p->v6 = 1;
        else
            p->force4 = 1;
        return 1;
    }
    if (a[0] != '-' || !a[1] || !strchr("cisW", a[1]))
        return 0;
    const char *v = a[2] ? a + 2 : NULL;
    if (!v) {
        if (*i + 1 >= argc) {
            fprintf(stderr, "synack ping: %s needs a value\n", a);
            return -1;
        }
        v = argv[++*i];
    }
    double d;
    char opt[3] = {'-', a[1], '\0'};
    switch (a[1]) {
    case 'c':
        if (parse_num(opt, v, 1, PING_MAX_COUNT, &d) || whole(opt, d))
            return -1;
        p->count = (uint32_t)d;
        return 1;
    case 'i':
        if (parse_num(opt, v, 0.01, 60, &d))
            return -1;
        p->interval_us = (uint64_t)(d * 1e6);
        return 1;
    case 's':
        if (parse_num(opt, v, 0, 65519, &d) || whole(opt, d))
            return -1;
        p->size = (uint32_t)d;
        return 1;
    default: /* W */
        if (parse_num(opt, v, 0.1, 60, &d))
            return -1;
        p->timeout_us = (uint64_t)(d * 1e6);
        return 1;
    }
}

static int parse_dest(ping_opts *p, const char *v)
{
    p->dest = v;
    if (host_parse_ip(v, &p->dst4) == 0) {
        if (p->v6) {
            fprintf(stderr, "synack ping: -6 wants an IPv6 DEST, not '%s'\n", v);
            return -1;
        }
        return 0;
    }
    if (host_parse_ip6(v, p->dst6) == 0) {
        if (p->force4) {
            fprintf(stderr, "synack ping: -4 wants an IPv4 DEST, not '%s'\n", v);
            return -1;
        }
        p->v6 = 1;
        return 0;
    }
    fprintf(stderr, "synack ping: DEST wants an IPv4 or IPv6 address, not '%s'\n", v);
    return -1;
}

/* What an ICMP(v6) error says, as ping words it. */
static void describe(const synack_sock_err *e, char *buf, size_t cap)
{
    static const char *const unreach4[] = {
        "Destination Net Unreachable",
        "Destination Host Unreachable",
        "Destination Protocol Unreachable",
        "Destination Port Unreachable",
        "Frag needed and DF set",
        "Source Route Failed",
        "Destination Net Unknown",
        "Destination Host Unknown",
        "Source Host Isolated",
        "Destination Net Prohibited",
        "Destination Host Prohibited",
        "Destination Net Unreachable for Type of Service",
        "Destination Host Unreachable for Type of Service",
        "Packet filtered",
        "Precedence Violation",
        "Precedence Cutoff",
    };
    static const char *const unreach6[] = {
        "No route",
        "Administratively prohibited",
        "Beyond scope of source address",
        "Address unreachable",
        "Port unreachable",
        "Source address failed ingress/egress policy",
        "Reject route to destination",
    };
    if (e->ee_origin == SYNACK_SO_EE_ORIGIN_ICMP) {
        if (e->ee_type == 3 && e->ee_code == 4)
            snprintf(buf, cap, "Frag needed and DF set (mtu = %u)", e->ee_info);
        else if (e->ee_type == 3 && e->ee_code < 16)
            snprintf(buf, cap, "%s", unreach4[e->ee_code]);
        else if (e->ee_type == 11)
            snprintf(buf, cap, "%s",
                     e->ee_code ? "Frag reassembly time exceeded" : "Time to live exceeded");
        else if (e->ee_type == 12)
            snprintf(buf, cap, "Parameter problem: pointer = %u", e->ee_info);
        else
            snprintf(buf, cap, "Bad ICMP type: %u", e->ee_type);
        return;
    }
    if (e->ee_type == 1 && e->ee_code < 7)
        snprintf(buf, cap, "Destination unreachable: %s", unreach6[e->ee_code]);
    else if (e->ee_type == 1)
        snprintf(buf, cap, "Destination unreachable: Unknown code %u", e->ee_code);
    else if (e->ee_type == 2)
        snprintf(buf, cap, "Packet too big: mtu=%u", e->ee_info);
    else if (e->ee_type == 3)
        snprintf(buf, cap, "Time exceeded: %s",
                 e->ee_code ? "Defragmentation failure" : "Hop limit");
    else if (e->ee_type == 4)
        snprintf(buf, cap, "Parameter problem: %s at %u",
                 e->ee_code == 0   ? "Wrong header field"
                 : e->ee_code == 1 ? "Unknown header"
                                   : "Unknown option",
                 e->ee_info);
    else
        snprintf(buf, cap, "Bad ICMPv6 type: %u", e->ee_type);
}

static void addr_str(const void *sa, char *buf, size_t cap)
{
    const struct synack_sockaddr_in6 *s6 = sa;
    if (s6->sin6_family == SYNACK_AF_INET6) {
        inet_ntop(AF_INET6, s6->sin6_addr.s6_bytes, buf, (socklen_t)cap);
        return;
    }
    const struct synack_sockaddr_in *s4 = sa;
    inet_ntop(AF_INET, &s4->sin_addr, buf, (socklen_t)cap);
}

/* iputils' precision: fewer decimals as the time grows. */
static void print_ms(double ms)
{
    if (ms >= 100)
        printf("%.0f ms", ms);
    else if (ms >= 10)
        printf("%.1f ms", ms);
    else if (ms >= 1)
        printf("%.2f ms", ms);
    else
        printf("%.3f ms", ms);
}

/* Reads the error queue: one line per error about one of our requests. */
static void drain_errors(host *h, int s, const ping_opts *p, ping_run *r, int quiet)
{
    synack_sock_err e;
    while (synack_recv_errqueue(h->st, s, &e) == 0) {
        if (e.ee_origin != SYNACK_SO_EE_ORIGIN_ICMP && e.ee_origin != SYNACK_SO_EE_ORIGIN_ICMP6)
            continue;
        uint16_t seq = (uint16_t)(e.quote[6] << 8 | e.quote[7]);
        if (seq == 0 || seq > p->count || !r->sent_at[seq])
            continue;
        r->errors++;
        r->answered[seq] = 1;
        if (quiet)
            continue;
        char from[INET6_ADDRSTRLEN], what[96];
        addr_str(&e.offender, from, sizeof(from));
        describe(&e, what, sizeof(what));
        printf("From %s icmp_seq=%u %s\n", from, seq, what);
    }
}

/* Reads the replies waiting. */
static void drain_replies(host *h, int s, const ping_opts *p, ping_run *r, uint8_t *buf, size_t cap,
                          int quiet)
{
    int errs = 0;
    for (;;) {
        union {
            struct synack_sockaddr_in v4;
            struct synack_sockaddr_in6 v6;
        } from;
        synack_socklen_t fl = sizeof(from);
        synack_recv_info info;
        long n = synack_recvfrom_info(h->st, s, buf, cap, 0, (struct sockaddr *)&from, &fl, &info);
        if (n == -EAGAIN || n == 0)
            return;
        if (n < 0 && ++errs == 1)
            continue; /* the pending error of a record the queue holds: read there */
        if (n < 0)
            return;
        if ((size_t)n < ECHO_HDR || buf[0] != (p->v6 ? 129 : 0))
            continue;
        uint16_t seq = (uint16_t)(buf[6] << 8 | buf[7]);
        if (seq == 0 || seq > p->count || !r->sent_at[seq])
            continue;
        double ms = (double)(synack_loop_clock() - r->sent_at[seq]) / 1e3;
        int dup = r->answered[seq] == 2;
        if (dup) {
            r->dups++;
        } else {
            r->answered[seq] = 2;
            r->received++;
            r->tmin = r->received == 1 || ms < r->tmin ? ms : r->tmin;
            r->tmax = ms > r->tmax ? ms : r->tmax;
            r->tsum += ms;
            r->tsum2 += ms * ms;
        }
        if (quiet)
            continue;
        char a[INET6_ADDRSTRLEN];
        addr_str(&from, a, sizeof(a));
        printf("%ld bytes from %s: icmp_seq=%u", n, a, seq);
        if (info.flags & (SYNACK_RECV_TTL | SYNACK_RECV_HOPLIMIT))
            printf(" ttl=%d", info.flags & SYNACK_RECV_TTL ? info.ttl : info.hoplimit);
        printf(" time=");
        print_ms(ms);
        printf("%s\n", dup ? " (DUP!)" : "");
    }
}

static int all_answered(const ping_opts *p, const ping_run *r)
{
    for (uint32_t k = 1; k <= p->count; k++)
        if (!r->answered[k])
            return 0;
    return 1;
}

static int send_one(host *h, int s, const ping_opts *p, ping_run *r, uint8_t *msg, int quiet)
{
    uint32_t seq = r->sent + 1;
    memset(msg, 0, ECHO_HDR);
    msg[0] = p->v6 ? 128 : 8;
    msg[6] = (uint8_t)(seq >> 8);
    msg[7] = (uint8_t)seq;
    host_sa to;
    memset(&to, 0, sizeof(to));
    if (p->v6) {
        to.u.v6.sin6_family = SYNACK_AF_INET6;
        memcpy(to.u.v6.sin6_addr.s6_bytes, p->dst6, 16);
        to.len = sizeof(to.u.v6);
    } else {
        to.u.v4.sin_family = SYNACK_AF_INET;
        to.u.v4.sin_addr.s_addr = htonl(p->dst4);
        to.len = sizeof(to.u.v4);
    }
    r->sent_at[seq] = synack_loop_clock();
    r->sent++;
    long n =
        synack_sendto(h->st, s, msg, ECHO_HDR + p->size, 0, (const struct sockaddr *)&to.u, to.len);
    if (n < 0) {
        r->errors++;
        r->answered[seq] = 1;
        if (!quiet)
            printf("ping: sendmsg: %s\n", host_err_str((int)n));
    }
    return 0;
}

static void summary(const ping_opts *p, const ping_run *r, double secs, int json, host *h)
{
    uint32_t loss = r->sent ? (uint32_t)(((uint64_t)(r->sent - r->received) * 100) / r->sent) : 0;
    double avg = r->received ? r->tsum / r->received : 0;
    double var = r->received ? r->tsum2 / r->received - avg * avg : 0;
    double mdev = var > 0 ? sqrt(var) : 0;
    if (json) {
        char fields[512];
        snprintf(fields, sizeof(fields),
                 "\"summary\":\"ping\",\"dest\":\"%s\",\"transmitted\":%u,\"received\":%u,"
                 "\"duplicates\":%u,\"errors\":%u,\"loss_pct\":%u,\"time_ms\":%.0f,"
                 "\"rtt_min_ms\":%.3f,\"rtt_avg_ms\":%.3f,\"rtt_max_ms\":%.3f,"
                 "\"rtt_mdev_ms\":%.3f",
                 p->dest, r->sent, r->received, r->dups, r->errors, loss, secs * 1e3, r->tmin, avg,
                 r->tmax, mdev);
        host_print_json(h, stdout, fields);
        return;
    }
    printf("\n--- %s ping statistics ---\n%u packets transmitted, %u received", p->dest, r->sent,
           r->received);
    if (r->dups)
        printf(", +%u duplicates", r->dups);
    if (r->errors)
        printf(", +%u errors", r->errors);
    printf(", %u%% packet loss, time %.0fms\n", loss, secs * 1e3);
    if (r->received)
        printf("rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms\n", r->tmin, avg, r->tmax, mdev);
}

static int run(host *h, const ping_opts *p, int json)
{
    int s = synack_socket_proto(h->st, p->v6 ? SYNACK_AF_INET6 : SYNACK_AF_INET, SYNACK_SOCK_DGRAM,
                                p->v6 ? SYNACK_IPPROTO_ICMPV6 : SYNACK_IPPROTO_ICMP);
    if (s < 0) {
        fprintf(stderr, "synack ping: socket: %s\n", host_err_str(s));
        return 2;
    }
    int one = 1;
    if (p->v6) {
        synack_setsockopt(h->st, s, SYNACK_IPPROTO_IPV6, SYNACK_IPV6_RECVERR, &one, sizeof(one));
        synack_setsockopt(h->st, s, SYNACK_IPPROTO_IPV6, SYNACK_IPV6_RECVHOPLIMIT, &one,
                          sizeof(one));
    } else {
        synack_setsockopt(h->st, s, SYNACK_IPPROTO_IP, SYNACK_IP_RECVERR, &one, sizeof(one));
        synack_setsockopt(h->st, s, SYNACK_IPPROTO_IP, SYNACK_IP_RECVTTL, &one, sizeof(one));
    }
    ping_run r;
    memset(&r, 0, sizeof(r));
    r.sent_at = calloc((size_t)p->count + 1, sizeof(*r.sent_at));
    r.answered = calloc((size_t)p->count + 1, 1);
    size_t cap = ECHO_HDR + p->size;
    uint8_t *msg = malloc(cap), *buf = malloc(cap + 64);
    if (!r.sent_at || !r.answered || !msg || !buf) {
        fprintf(stderr, "synack ping: out of memory\n");
        free(r.sent_at);
        free(r.answered);
        free(msg);
        free(buf);
        synack_close(h->st, s);
        return 2;
    }
    for (uint32_t k = 0; k < p->size; k++)
        msg[ECHO_HDR + k] = (uint8_t)(k + ECHO_HDR); /* iputils' pattern */
    if (!json) {
        if (p->v6)
            printf("PING %s(%s) %u data bytes\n", p->dest, p->dest, p->size);
        else
            printf("PING %s (%s) %u(%u) bytes of data.\n", p->dest, p->dest, p->size,
                   p->size + ECHO_HDR + 20);
    }
    fflush(stdout);
    uint64_t t0 = synack_loop_clock(), next = t0, last = t0;
    while (!host_stopping()) {
        uint64_t now = synack_loop_clock();
        if (r.sent < p->count && now >= next) {
            send_one(h, s, p, &r, msg, json);
            last = now;
            next += p->interval_us;
            continue;
        }
        if (r.sent == p->count && (all_answered(p, &r) || now >= last + p->timeout_us))
            break;
        uint64_t until = r.sent < p->count ? next : last + p->timeout_us;
        host_run(h, until > now ? until - now : 0, NULL, 0);
        drain_errors(h, s, p, &r, json);
        drain_replies(h, s, p, &r, buf, cap + 64, json);
        fflush(stdout);
    }
    double secs = (double)(last - t0) / 1e6;
    summary(p, &r, secs, json, h);
    free(r.sent_at);
    free(r.answered);
    free(msg);
    free(buf);
    synack_close(h->st, s);
    return r.received ? 0 : 1;
}

int cmd_ping(int argc, char **argv)
{
    host_opts o;
    host_opts_init(&o);
    ping_opts p = {.count = PING_DEFAULT_COUNT,
                   .interval_us = 1000000,
                   .size = PING_DEFAULT_SIZE,
                   .timeout_us = 10000000};
    const char *dest = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        }
        int rc = parse_own(&p, argc, argv, &i);
        if (rc < 0)
            return 2;
        if (rc)
            continue;
        rc = host_parse_opt(&o, "ping", argc, argv, &i);
        if (rc < 0)
            return 2;
        if (rc)
            continue;
        if (a[0] == '-' && a[1]) {
            fprintf(stderr, "synack ping: unknown option '%s' (`synack ping --help`)\n", a);
            return 2;
        }
        if (dest) {
            fprintf(stderr, "synack ping: unexpected argument '%s' (one DEST)\n", a);
            return 2;
        }
        dest = a;
    }
    if (p.v6 && p.force4) {
        fprintf(stderr, "synack ping: -4 or -6, not both\n");
        return 2;
    }
    if (!dest) {
        fprintf(stderr, "synack ping: whom? (DEST)\n");
        return 2;
    }
    if (parse_dest(&p, dest))
        return 2;
    if (host_check_opts(&o, "ping"))
        return 2;
    if (p.v6 && !o.has_addr6) {
        fprintf(stderr, "synack ping: an IPv6 DEST needs our IPv6 address (--addr6 A/LEN)\n");
        return 2;
    }
    if (!p.v6 && !o.has_addr) {
        fprintf(stderr, "synack ping: an IPv4 DEST needs our IPv4 address (--addr A/LEN)\n");
        return 2;
    }
    if (!p.v6 && p.size > 65507 - ECHO_HDR) {
        fprintf(stderr, "synack ping: -s %u is more than an IPv4 datagram holds (65499)\n", p.size);
        return 2;
    }
    host h;
    if (host_open(&h, "ping", &o))
        return 2;
    h.report = stdout;
    int rc = run(&h, &p, o.json);
    if (host_close(&h) && rc == 0)
        rc = 2;
    return rc;
}
