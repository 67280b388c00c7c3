/* SPDX-License-Identifier: MIT */
/* synack's side of the IPv6 interop tests (tests/interop/ipv6_*.sh): a stack on a TUN or
 * TAP device with an IPv6 address, driven through AF_INET6 sockets (a test program, not the
 * synack tool: the tests need the modes below, the fault stage and the counters at exit).
 * Every run ends by itself (V6PEER_SECONDS, 30 s).
 *
 *   v6peer DEV ADDR6 sink PORT OUT      accept one connection on [::]:PORT (dual stack),
 *                                       write what arrives to OUT until end of stream;
 *                                       prints "listening", then "received N from PEER"
 *   v6peer DEV ADDR6 send DST6 PORT IN  connect to [DST6]:PORT, send IN, close after the
 *                                       peer's end of stream; exit 1 with the errno name
 *                                       (e.g. ECONNREFUSED) when the connection fails
 *   v6peer DEV ADDR6 serve PORT MODE N [FILE]
 *                                       serve N connections on [::]:PORT, several at once
 *                                       (v6peer_serve.c): MODE echo, http (FILE as the
 *                                       body of every GET) or sink (all into FILE)
 *   v6peer DEV ADDR6 conns DST6 PORT N MODE
 *                                       N connections one after another (v6peer_connect.c):
 *                                       MODE close (synack sends a line and closes first)
 *                                       or wait (synack reads to the peer's end of stream)
 *   v6peer DEV ADDR6 udpecho PORT N     UDP on [::]:PORT: send each of N datagrams back to
 *                                       its source; prints "listening", then "echoed N"
 *   v6peer DEV ADDR6 udpsend DST6 PORT SIZE  one datagram of SIZE bytes from a socket
 *                                       connected to [DST6]:PORT (fragmented past the MTU);
 *                                       prints "sent", or the errno name an ICMPv6 error
 *                                       gave the socket within 2 s (e.g. ECONNREFUSED)
 *   v6peer DEV ADDR6 udperrq DST6 PORT  10 bytes from an unconnected socket with
 *                                       IPV6_RECVERR to [DST6]:PORT; prints the error-queue
 *                                       record of the ICMPv6 error about it ("errqueue
 *                                       ECONNREFUSED origin 3 type 1 code 4 offender A
 *                                       quote abcdefgh"), or "no error queued" (exit 1)
 *   v6peer DEV ADDR6 ping DST N         N echo requests to DST from an echo socket, 200 ms
 *                                       apart (v6peer_ping.c): ICMPv6, or ICMP from
 *                                       192.0.2.2 for an IPv4 DST; prints "ping K of N
 *                                       answered", exit 0 when all were
 * (v6peer_udp.c). send prints "mss N" (TCP_MAXSEG at the end) before "sent".
 * At exit: the stack's non-zero counters ("Name value") and what the fault stage did.
 *
 * Environment: V6PEER_TAP (DEV is a TAP device: Ethernet with Neighbor Discovery, MAC
 * 02:00:00:00:00:02), V6PEER_LOSS and V6PEER_REORDER (synack's fault injector on both
 * directions of the device, seeded by V6PEER_SEED), V6PEER_MSL_MS (TIME-WAIT is 2*MSL),
 * V6PEER_HOLD_MS (see report_table), V6PEER_STREAMS (see conns), V6PEER_SECONDS,
 * V6PEER_PCAP (a capture of the frames as they cross the device, after the faults),
 * V6PEER_ADDR4 (an IPv4 address too, in a /24: the stack is IPv6-only without it),
 * V6PEER_DAD_TRANSMITS (more DAD probes, for a peer that may miss the first: a TAP's
 * carrier comes up in the kernel a moment after the device is opened). */
#include "v6peer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synack/tuntap.h"

synack_stack *st;
synack_loop *lp;
static uint64_t t0, run_us = 30000000ull;
/* SIGTERM ends the mode early but still prints the report (a test that stops a server
 * waiting for a connection that never comes still reads its counters). */
static volatile sig_atomic_t stopping;

static void on_term(int sig)
{
    (void)sig;
    stopping = 1;
}

int parse6(const char *s, uint16_t port, struct synack_sockaddr_in6 *a)
{
    memset(a, 0, sizeof(*a));
    a->sin6_family = SYNACK_AF_INET6;
    a->sin6_port = htons(port);
    return inet_pton(AF_INET6, s, a->sin6_addr.s6_bytes) == 1 ? 0 : -1;
}

const char *errname(int e)
{
    switch (e) {
    case ECONNREFUSED:
        return "ECONNREFUSED";
    case ETIMEDOUT:
        return "ETIMEDOUT";
    case ECONNRESET:
        return "ECONNRESET";
    case EADDRNOTAVAIL:
        return "EADDRNOTAVAIL";
    default:
        return strerror(e);
    }
}

int step(void)
{
    synack_loop_run_once(lp, 10000, NULL, 0);
    return !stopping && synack_loop_clock() - t0 < run_us;
}

void linger(uint64_t ms)
{
    uint64_t until = synack_loop_clock() + ms * 1000;
    while (synack_loop_clock() < until && step()) {
    }
}

struct tally {
    synack_tcp_state state;
    unsigned match, other;
};

static void visit(void *ctx, const synack_conn_view *v)
{
    struct tally *t = ctx;
    if (v->state == t->state)
        t->match++;
    else if (v->state != SYNACK_LISTEN)
        t->other++;
}

unsigned count_state(synack_tcp_state state)
{
    struct tally t = {.state = state};
    synack_foreach_conn(st, visit, &t);
    return t.match;
}

static unsigned closed_tw, closed_all;

int close_tally(int s)
{
    synack_tcp_info info;
    synack_socklen_t len = sizeof(info);
    if (synack_getsockopt(st, s, SYNACK_IPPROTO_TCP, SYNACK_TCP_INFO, &info, &len) == 0 &&
        info.state == SYNACK_TIME_WAIT)
        closed_tw++;
    closed_all++;
    return synack_close(st, s);
}

void report_table(void)
{
    printf("closed in TIME-WAIT %u of %u\n", closed_tw, closed_all);
    printf("time-wait %u\n", count_state(SYNACK_TIME_WAIT));
    const char *hold = getenv("V6PEER_HOLD_MS");
    if (!hold)
        return;
    linger(strtoull(hold, NULL, 10));
    struct tally t = {.state = SYNACK_TIME_WAIT};
    synack_foreach_conn(st, visit, &t);
    printf("after hold: time-wait %u, other %u\n", t.match, t.other);
}

static double env_double(const char *name)
{
    const char *v = getenv(name);
    return v ? strtod(v, NULL) : 0;
}

static void report(void)
{
    for (int c = 0; c < SYNACK_CTR_COUNT; c++) {
        uint64_t v = synack_counter_get(st, (synack_counter)c);
        if (v)
            printf("%s %llu\n", synack_counter_name((synack_counter)c), (unsigned long long)v);
    }
    synack_loop_stats s;
    synack_loop_get_stats(lp, &s);
    printf("faults: tx lost %llu reordered %llu, rx lost %llu reordered %llu, held drops %llu\n",
           (unsigned long long)s.tx_link.lost, (unsigned long long)s.tx_link.reordered,
           (unsigned long long)s.rx_link.lost, (unsigned long long)s.rx_link.reordered,
           (unsigned long long)s.held_drops);
}

int main(int argc, char **argv)
{
    if (argc < 6)
        return 2;
    synack_tuntap dev;
    int tap = getenv("V6PEER_TAP") != NULL;
    int rc = synack_tuntap_open(&dev, argv[1], tap ? SYNACK_LINK_ETHERNET : SYNACK_LINK_IP);
    if (rc != 0) {
        fprintf(stderr, "tun %s: %s\n", argv[1], strerror(-rc));
        return 2;
    }
    synack_loop_config lc = {.dev = &dev};
    synack_pcap *cap = NULL;
    if (getenv("V6PEER_PCAP")) {
        cap = synack_pcap_open(getenv("V6PEER_PCAP"),
                               tap ? SYNACK_PCAP_ETHERNET : 101 /* LINKTYPE_RAW */);
        lc.pcap = cap;
    }
    lc.tx_fault.loss = lc.rx_fault.loss = env_double("V6PEER_LOSS");
    lc.tx_fault.reorder = lc.rx_fault.reorder = env_double("V6PEER_REORDER");
    lc.fault_seed = getenv("V6PEER_SEED") ? strtoull(getenv("V6PEER_SEED"), NULL, 10) : 1;
    lp = synack_loop_new(&lc);
    synack_config cfg;
    synack_config_default(&cfg);
    synack_loop_netif(lp, &cfg.netif);
    cfg.netif.addr = 0; /* IPv6-only, unless V6PEER_ADDR4 (A.B.C.D, a /24) says otherwise */
    struct in_addr a4;
    if (getenv("V6PEER_ADDR4") && inet_pton(AF_INET, getenv("V6PEER_ADDR4"), &a4) == 1) {
        cfg.netif.addr = ntohl(a4.s_addr);
        cfg.netif.prefix_len = 24;
    }
    if (inet_pton(AF_INET6, argv[2], cfg.netif.addr6) != 1)
        return 2;
    cfg.netif.prefix6_len = 64;
    uint8_t our6[16];
    memcpy(our6, cfg.netif.addr6, 16);
    if (getenv("V6PEER_DAD_TRANSMITS"))
        cfg.dad_transmits = (uint8_t)atoi(getenv("V6PEER_DAD_TRANSMITS"));
    if (tap) {
        static const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0x02}; /* link-local fe80::ff:fe00:2 */
        memcpy(cfg.netif.mac, mac, 6);
    }
    if (getenv("V6PEER_MSL_MS"))
        cfg.msl_us = strtoull(getenv("V6PEER_MSL_MS"), NULL, 10) * 1000;
    if (getenv("V6PEER_SECONDS"))
        run_us = strtoull(getenv("V6PEER_SECONDS"), NULL, 10) * 1000000;
    st = synack_stack_new(&cfg);
    if (!st) {
        const char *field = "?";
        synack_config_check(&cfg, &field);
        fprintf(stderr, "config: %s\n", field);
        return 2;
    }
    synack_loop_attach(lp, st);
    t0 = synack_loop_clock();
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, NULL);
    /* Duplicate Address Detection first (RFC 4862 5.4), whatever the mode: a tentative
     * address neither receives (a peer's datagram would vanish unanswered) nor is a source
     * (connect() would say EADDRNOTAVAIL). */
    while (synack_addr6_state(st, our6) == SYNACK_ADDR6_TENTATIVE && step()) {
    }
    const char *mode = argv[3];
    if (strcmp(mode, "sink") == 0)
        rc = serve((uint16_t)atoi(argv[4]), "sink", 1, argv[5]);
    else if (strcmp(mode, "send") == 0 && argc >= 7)
        rc = send_file(argv[4], (uint16_t)atoi(argv[5]), argv[6]);
    else if (strcmp(mode, "serve") == 0 && argc >= 7)
        rc = serve((uint16_t)atoi(argv[4]), argv[5], (unsigned)atoi(argv[6]),
                   argc >= 8 ? argv[7] : NULL);
    else if (strcmp(mode, "conns") == 0 && argc >= 8)
        rc = conns(argv[4], (uint16_t)atoi(argv[5]), (unsigned)atoi(argv[6]), argv[7]);
    else if (strcmp(mode, "udpecho") == 0)
        rc = udp_echo((uint16_t)atoi(argv[4]), atoi(argv[5]));
    else if (strcmp(mode, "udpsend") == 0 && argc >= 7)
        rc = udp_send(argv[4], (uint16_t)atoi(argv[5]), (size_t)atol(argv[6]));
    else if (strcmp(mode, "udperrq") == 0 && argc >= 6)
        rc = udp_errq(argv[4], (uint16_t)atoi(argv[5]));
    else if (strcmp(mode, "ping") == 0 && argc >= 6)
        rc = ping6(argv[4], atoi(argv[5]));
    else
        rc = 2;
    /* Closes still under way (our FIN not yet acknowledged, lost under V6PEER_LOSS) finish
     * before the stack goes: otherwise the peer would wait in FIN-WAIT-2 for a FIN that
     * never comes. Bounded by the run's time. */
    while (count_state(SYNACK_LAST_ACK) + count_state(SYNACK_FIN_WAIT_1) +
                   count_state(SYNACK_CLOSING) >
               0 &&
           step()) {
    }
    report();
    synack_stack_free(st);
    synack_loop_free(lp);
    synack_tuntap_close(&dev);
    if (cap)
        synack_pcap_close(cap);
    return rc;
}
