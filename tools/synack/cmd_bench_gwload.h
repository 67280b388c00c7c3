/* SPDX-License-Identifier: MIT */
/* synack bench gateway — the load it puts through each translator, in processes of its own
 * that join a named network namespace: an echo server (TCP and UDP) and an HTTP server in the
 * "host" namespace, and from a "container" namespace a connect-rate client, a one-byte
 * ping-pong client and a UDP request/response client. Every process is bounded by alarm(2)
 * so none outlives the run. */
#ifndef SYNACK_TOOL_CMD_BENCH_GWLOAD_H
#define SYNACK_TOOL_CMD_BENCH_GWLOAD_H

#include <stdint.h>
#include <sys/types.h>

#define GWLOAD_ECHO_PORT 7000
#define GWLOAD_UDP_PORT 7001  /* the echo server's datagram side */
#define GWLOAD_HTTP_PORT 8080 /* gwload_http_server */
#define GWLOAD_HTTP_BYTES (100u << 20)

/* Joins /run/netns/NAME; 0 or a negative errno. */
int gwload_enter(const char *ns);
/* Forks a child that joins `ns` and execs argv (output discarded, killed by SIGALRM after
 * life_s seconds unless it resets the alarm); its PID or -1. */
pid_t gwload_spawn(const char *ns, char *const argv[], unsigned life_s);
/* Forks the echo server on addr:GWLOAD_ECHO_PORT (TCP) and addr:GWLOAD_UDP_PORT (UDP) in
 * `ns` (life_s bound); PID or -1. */
pid_t gwload_echo_server(const char *ns, uint32_t addr, unsigned life_s);
/* Forks an HTTP/1.1 server on addr:GWLOAD_HTTP_PORT in `ns` (life_s bound) that answers
 * every request, one connection at a time, with GWLOAD_HTTP_BYTES of body and closes;
 * PID or -1. */
pid_t gwload_http_server(const char *ns, uint32_t addr, unsigned life_s);
/* SIGTERM, a bounded wait, then SIGKILL. */
void gwload_end(pid_t pid);

typedef struct gwload_result {
    double rate;   /* connections per second, or NAN */
    double p50_us; /* ping-pong round trip, median */
    double p99_us; /* and 99th percentile */
    uint64_t done; /* lifecycles or round trips completed */
    uint64_t lost; /* UDP: requests with no reply in time */
    int failed;    /* a connect or an exchange failed */
} gwload_result;

/* From `ns`: up to `count` connect / 64 B request / 64 B reply / close, within max_s. */
int gwload_connect_rate(const char *ns, uint32_t addr, uint64_t count, double max_s,
                        gwload_result *res);
/* From `ns`: one connection, up to `count` one-byte round trips, within max_s. */
int gwload_pingpong(const char *ns, uint32_t addr, uint64_t count, double max_s,
                    gwload_result *res);
/* From `ns`: one UDP socket, up to `count` `size`-byte datagrams echoed, within max_s; a
 * reply missing for 200 ms counts as lost and the next request goes out. Fails when more
 * than a tenth are lost. */
int gwload_udp_rr(const char *ns, uint32_t addr, uint64_t count, size_t size, double max_s,
                  gwload_result *res);
/* utime + stime of process `pid`, seconds; NAN when unreadable. */
double gwload_cpu_seconds(pid_t pid);

#endif
