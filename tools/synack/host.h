/* SPDX-License-Identifier: MIT */
/* synack serve / connect — what both commands share: the options that put a stack on a
 * TUN/TAP device, the device + loop + stack, signals (SIGUSR1 prints the connection
 * table, SIGINT/SIGTERM stop), the once-a-second status line, the `ss`/`nstat`-like
 * reports, and the control socket that `synack stat` reads. */
#ifndef SYNACK_TOOL_HOST_H
#define SYNACK_TOOL_HOST_H

#include <poll.h>
#include <stdint.h>
#include <stdio.h>

#include "synack/loop.h"
#include "synack/pcap.h"
#include "synack/synack.h"
#include "synack/tuntap.h"

/* Options of every command that runs a stack on a device. */
typedef struct host_opts {
    const char *ifname;      /* --tap IF / --tun IF */
    synack_link_type type;   /* SYNACK_LINK_ETHERNET (--tap) or SYNACK_LINK_IP (--tun) */
    uint32_t addr;           /* --addr A/LEN: our address, host order */
    uint8_t prefix_len;      /* --addr A/LEN: the subnet's prefix length */
    uint8_t has_addr;        /* --addr was given */
    uint32_t gateway;        /* --gw A: next hop for other subnets, 0 none */
    uint32_t mtu;            /* --mtu N: 0 = the device's */
    uint16_t mss;            /* --mss N: our MSS, 0 = from the MTU */
    const char *pcap;        /* --pcap FILE: capture what crosses the device */
    double loss;             /* --loss P: frame loss, each direction */
    double reorder;          /* --reorder P: frames held back, each direction */
    uint64_t delay_us;       /* --delay MS: one-way delay added, each direction */
    uint64_t seed;           /* --seed N: seed of the fault injector */
    uint64_t msl_us;         /* --msl MS: maximum segment lifetime (TIME-WAIT = 2 MSL) */
    uint32_t sndbuf, rcvbuf; /* --sndbuf / --rcvbuf BYTES, 0 = defaults */
    int keepalive;           /* --keepalive IDLE,INTVL,CNT given */
    int keepidle, keepintvl; /* seconds */
    int keepcnt;             /* probes */
    int nodelay;             /* --nodelay */
    int trace;               /* --trace: the stack's JSON event stream on stderr */
    int digest;              /* --sha256: SHA-256 of the bytes each way (costs CPU) */
    int status;              /* -1 when stderr is a terminal (default), 0 --quiet,
                                1 --status */
    int no_ctl;              /* --no-ctl: no control socket for `synack stat` */
    int offload;             /* --offload: IFF_VNET_HDR, checksum offload and TSO/GSO */
    int json;                /* --json: reports as JSON objects (host_print_json) */
    uint8_t addr6[16];       /* --addr6 A/LEN: our IPv6 address (network order) */
    uint8_t prefix6_len;     /* --addr6 A/LEN: its on-link prefix length (default 64) */
    uint8_t has_addr6;       /* --addr6 was given: the stack speaks IPv6 too */
    uint8_t gateway6[16];    /* --gw6 A: next hop for other IPv6 prefixes, zero none */
    /* --addr6 again: more IPv6 addresses (synack_addr6_add), network order, and prefixes */
#define HOST_MORE6 4
    uint8_t more6[HOST_MORE6][16];
    uint8_t more6_len[HOST_MORE6];
    uint8_t n_more6;
} host_opts;

/* A stack running on a device. */
typedef struct host {
    const char *cmd;         /* "serve", "connect": prefix of messages */
    host_opts opt;           /* what the command line said */
    synack_tuntap dev;       /* the device */
    synack_loop *loop;       /* the event loop */
    synack_stack *st;        /* the stack */
    synack_pcap *pcap;       /* capture file, or NULL */
    int ctl_fd;              /* control socket (abstract "synack/IF"), or -1 */
    uint64_t start_us;       /* when the host started (monotonic) */
    uint64_t status_at;      /* when the next status line is due */
    uint64_t status_bytes;   /* bytes at the previous status line */
    uint64_t status_prev_at; /* time of the previous status line */
    FILE *report;            /* where tables and summaries go (the SIGUSR1 table too):
                                stdout, unless the command writes data there */
} host;

/* Fills the defaults. */
void host_opts_init(host_opts *o);
/* If argv[*i] is a shared option, consumes it (and its value: "--opt V" or "--opt=V")
 * and returns 1; returns 0 for an option that is not shared; -1 after a usage message. */
int host_parse_opt(host_opts *o, const char *cmd, int argc, char **argv, int *i);
/* The shared options' help text. */
void host_usage(FILE *out);
/* Checks the shared options are complete (device, address). 0, or -1 after a message. */
int host_check_opts(const host_opts *o, const char *cmd);
/* Opens the device, the capture, the loop, the stack and the control socket; installs
 * the signal handlers. Returns 0, or -1 after a message (everything undone). */
int host_open(host *h, const char *cmd, const host_opts *o);
/* Closes everything (flushes the capture). Returns 0, or -1 if the capture failed. */
int host_close(host *h);
/* One loop round (see synack_loop_run_once), then the control socket and the signals.
 * Returns the loop's result. */
int host_run(host *h, uint64_t max_wait_us, struct pollfd *extra, int nextra);
/* SIGINT or SIGTERM arrived. */
int host_stopping(void);
/* Applies --keepalive, --nodelay, --sndbuf, --rcvbuf to a socket. */
void host_sockopts(host *h, int sock);
/* A once-a-second line on stderr when enabled: bytes, rate, RTT, cwnd, retransmits (from
 * TCP_INFO of sock, if >= 0). `bytes` is the command's running total. */
void host_status(host *h, uint64_t bytes, int sock);
/* The connection table, like `ss -tan`. */
void host_print_table(host *h, FILE *out);
/* Non-zero counters, like `nstat`, and the device's figures. */
void host_print_counters(host *h, FILE *out);
/* The table, the counters and the device's figures as one JSON object on one line:
 * {FIELDS,"cmd":..,"device":..,"up_s":..,"conns":[{"state","recv_q","send_q","local","peer",
 * "sock"[,"timer","timer_s"]}..],"counters":{NAME:N..},"device_rx":{..},"device_tx":{..}
 * [,"faults":{..}]}. `fields` (may be NULL) is the command's own members, already JSON
 * ("\"finished\":3,..."), written first. */
void host_print_json(host *h, FILE *out, const char *fields);
/* TCP_INFO as a JSON object (the fields host_print_tcp_info shows). */
void host_tcp_info_json(FILE *out, const synack_tcp_info *ti);
/* s as a JSON string, quotes included. */
void host_json_str(FILE *out, const char *s);
/* Connections in `state` right now (listeners included for SYNACK_LISTEN). */
int host_count_state(host *h, synack_tcp_state state);
/* Connections of any state other than LISTEN and TIME-WAIT. */
int host_count_live(host *h);
/* Seconds since the host started. */
double host_elapsed(const host *h);
/* "192.0.2.1:80" into buf. */
const char *host_ep_str(uint32_t addr, uint16_t port, char *buf, size_t cap);
/* A connection's two ends as the tables show them, each into a buffer of cap bytes: local,
 * and peer ("0.0.0.0:*" for a listener). */
void host_view_ends(const synack_conn_view *v, char *l, char *r, size_t cap);
/* Seconds until the connection's timer fires at `now` (0 once due), or -1 when none runs. */
double host_view_timer_s(const synack_conn_view *v, uint64_t now);
/* "Connection refused (ECONNREFUSED)" for a negative errno. */
const char *host_err_str(int neg_errno);
/* Parses "A.B.C.D" (host order). 0, or -1. */
int host_parse_ip(const char *s, uint32_t *out);

/* ---- either family (host_addr.c) ---- */

/* A socket address the library takes: sockaddr_in or sockaddr_in6, its length, its port. */
typedef struct host_sa {
    union {
        struct synack_sockaddr_in v4;
        struct synack_sockaddr_in6 v6;
    } u;
    synack_socklen_t len; /* sizeof the member in use */
    uint16_t port;        /* host order */
} host_sa;
/* Parses an IPv6 address in any RFC 4291 text form (network order). 0, or -1. */
int host_parse_ip6(const char *s, uint8_t out[16]);
/* Parses "A.B.C.D:PORT" or "[IPV6]:PORT" (port 1..65535). 0, or -1. */
int host_parse_ep(const char *v, host_sa *out);
/* "[2001:db8::1]:80" (RFC 5952; "[..]:*" for port 0); an IPv4-mapped address as IPv4. */
const char *host_ep6_str(const uint8_t a[16], uint16_t port, char *buf, size_t cap);
/* A sockaddr_in or sockaddr_in6 (by its family) as host_ep_str or host_ep6_str writes it. */
const char *host_sa_str(const void *sa, char *buf, size_t cap);
/* Prints throughput figures: "104857600 bytes in 1.234 s = 679.8 Mbit/s". */
void host_print_rate(FILE *out, const char *what, uint64_t bytes, double secs);
/* Prints TCP_INFO of a socket in one block. */
void host_print_tcp_info(FILE *out, const synack_tcp_info *ti);

#endif
