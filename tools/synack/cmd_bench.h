/* SPDX-License-Identifier: MIT */
/* synack bench — what the benchmark files share: the options, the report table, the lean
 * two-stack driver, and small helpers for the Linux-kernel side of each comparison.
 *
 * A benchmark measures synack and, beside it, the Linux kernel doing the same thing, and
 * fills a bench_report: one row per figure, with both values and the ratio. The report
 * prints as a table or, with --json, as one JSON object per benchmark (a line each). */
#ifndef SYNACK_TOOL_CMD_BENCH_H
#define SYNACK_TOOL_CMD_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "synack/synack.h"

/* ---- options ---- */

typedef struct bench_opts {
    int json;             /* --json: JSON objects instead of tables */
    int quick;            /* --quick: every size scaled down for a run of seconds */
    int no_kernel;        /* --no-kernel: skip the Linux side */
    uint64_t bytes;       /* --bytes N: throughput/tap transfer size (0 = default) */
    uint64_t count;       /* --count N: churn lifecycles / latency round trips (0 = default) */
    uint64_t conns;       /* --conns N: scale's concurrent connections (0 = default) */
    double max_seconds;   /* --max-seconds S: bound on any one phase (0 = default) */
    uint32_t mtu;         /* --mtu N: run throughput at this MTU only (0 = both) */
    uint32_t sndbuf;      /* --sndbuf BYTES: synack socket buffers (0 = stack default) */
    uint32_t rcvbuf;      /* --rcvbuf BYTES (0 = stack default) */
    int copy_link;        /* --copy-link: queue every frame instead of handing it over */
    uint64_t step_us;     /* --step-us N: virtual time per delivery round (default 1) */
    int cpu;              /* --cpu N: CPU to pin to (-1: none; latency pins to 0 anyway) */
    const char *src;      /* --src DIR: the source tree (size), default from __FILE__ */
    const char *cc;       /* --cc NAME: C compiler for size, default "cc" */
    const char *lwip_src; /* --lwip-src DIR: an lwIP source tree to build for size */
    uint64_t runs;        /* --runs N: gateway reports medians of N runs (0 = default) */
    uint64_t seconds;     /* --seconds S: gateway's iperf3 duration (0 = default) */
    unsigned gw_rows;     /* --rows LIST: gateway row groups, from bench_gateway_rows (0 = all) */
    int no_rivals;        /* --no-rivals: gateway without slirp4netns and pasta */
    int no_threads;       /* --no-threads: gateway without the `--threads 2` column */
    int gw_busy_poll;     /* --busy-poll US: synack gateway's --busy-poll (-1: its default) */
} bench_opts;

/* ---- report ---- */

#define BENCH_MAX_ROWS 96
#define BENCH_MAX_NOTES 32

/* Which way a figure is better, for the ratio column. */
typedef enum bench_better {
    BENCH_HIGHER = 1, /* ratio = synack / kernel */
    BENCH_LOWER = 2,  /* ratio = kernel / synack */
} bench_better;

typedef struct bench_row {
    char metric[96];     /* what was measured (the table wraps it at word boundaries) */
    char unit[16];       /* its unit */
    double synack;       /* synack's value, NAN when not measured */
    double kernel;       /* the kernel's (or the comparison's) value, NAN when none */
    bench_better better; /* direction of "better" */
    char target[40];     /* the target, "" when none */
    int met;             /* 1 target met, 0 missed, -1 no target or not measured */
    char other[16];      /* this row's comparison when it is not the report's, else "" */
} bench_row;

typedef struct bench_report {
    const char *name;                 /* the benchmark's name */
    const char *other;                /* the comparison column's title ("Linux kernel") */
    bench_row rows[BENCH_MAX_ROWS];   /* the figures */
    int nrows;                        /* rows used */
    char notes[BENCH_MAX_NOTES][200]; /* settings and caveats, one line each */
    int nnotes;                       /* notes used */
    int failed;                       /* a part could not run (exit code 1) */
} bench_report;

/* Adds a row; returns it so the caller can set a target. */
bench_row *bench_row_add(bench_report *r, const char *metric, const char *unit, double synack,
                         double kernel, bench_better better);
/* Sets a target on a row: `text` for the table, met = 1/0/-1. */
void bench_row_target(bench_row *row, const char *text, int met);
/* Adds a note line (printf-style). */
void bench_note(bench_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints the report as a table or a JSON object. */
void bench_print(const bench_report *r, int json);
/* synack/kernel or kernel/synack as `better` says; NAN when either is missing. */
double bench_ratio(const bench_row *row);

/* ---- time ---- */

/* CLOCK_MONOTONIC in nanoseconds: wall time, for measuring only. */
uint64_t bench_now_ns(void);
/* CPU time of the whole process (all threads), nanoseconds. */
uint64_t bench_cpu_ns(void);
/* Pins the calling thread to `cpu` (>= 0); returns 0 or a negative errno. */
int bench_pin(int cpu);

/* ---- the two-stack driver (cmd_bench_pair.c) ---- */

/* A FIFO of frames in one preallocated byte ring: no allocation per frame. */
typedef struct bench_q {
    uint8_t *buf; /* ring storage */
    size_t cap;   /* its size */
    size_t head;  /* offset of the oldest record */
    size_t tail;  /* offset where the next record goes */
    size_t count; /* records held */
} bench_q;

typedef struct bench_pair bench_pair;

/* What bench_pair_output needs to know which side sent. */
typedef struct bench_out_ctx {
    bench_pair *p; /* the pair */
    int side;      /* the sending side, 0 or 1 */
} bench_out_ctx;

/* Two stacks joined back to back. Side 0 is 192.0.2.1 (client), side 1 192.0.2.2 (server).
 * A frame one stack sends goes straight into the other's synack_input() when that stack
 * is not already inside a call (and nothing is queued towards it, to keep order); else it
 * is copied into the ring towards it and delivered by bench_pair_pump(). The virtual clock
 * advances by step_us per delivery round and jumps to the next deadline when idle. */
struct bench_pair {
    synack_stack *st[2];  /* client, server */
    bench_q q[2];         /* frames travelling towards side i */
    int busy[2];          /* a call into stack i is on the C stack */
    int direct;           /* hand frames over directly when possible */
    uint64_t now;         /* virtual time, microseconds */
    uint64_t step_us;     /* virtual time per delivery round */
    uint64_t frames[2];   /* frames delivered to side i */
    uint64_t bytes[2];    /* their bytes */
    uint64_t drops;       /* frames lost because a ring was full */
    bench_out_ctx ctx[2]; /* output contexts */
    int ipv6;             /* the sockets are AF_INET6 between 2001:db8::1 and ::2 */
};

#define BENCH_CLIENT_ADDR 0xc0000201u /* 192.0.2.1 */
#define BENCH_SERVER_ADDR 0xc0000202u /* 192.0.2.2 */
/* The IPv6 pair (RFC 3849 documentation prefix): 2001:db8::1 is the client, ::2 the server. */
#define BENCH_ADDR6(last)                                                                          \
    {                                                                                              \
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (last)                            \
    }

/* Fills cfg with the stack defaults plus what the bench needs (no events, fixed seed). */
void bench_config(synack_config *cfg, uint32_t mtu);
/* Asks bench_pair_init for an IPv6 pair: both stacks get their IPv6 address (and keep
 * their IPv4 one) and the bench's sockets are AF_INET6. */
void bench_config_ipv6(synack_config *cfg);
/* Creates both stacks from base (netif address and output are filled in per side) with
 * rings of ring_bytes each. Returns 0 or -ENOMEM. */
int bench_pair_init(bench_pair *p, const synack_config *base, size_t ring_bytes, int direct,
                    uint64_t step_us);
void bench_pair_free(bench_pair *p);
/* Delivers queued frames and runs due timers until both rings are empty. Returns the
 * number of frames delivered. */
uint64_t bench_pair_pump(bench_pair *p);
/* Moves the clock to the earliest deadline of either stack (if any is later than now and
 * at most `limit`), runs the timers, and pumps. Returns 1 if time moved, else 0. */
int bench_pair_wait(bench_pair *p, uint64_t limit);
/* Marks the start and end of a socket call into side `side` (so that frames towards it
 * are queued, never delivered re-entrantly). */
static inline void bench_enter(bench_pair *p, int side)
{
    p->busy[side] = 1;
}
static inline void bench_leave(bench_pair *p, int side)
{
    p->busy[side] = 0;
}
/* Socket calls on one side, bracketed by bench_enter/bench_leave. */
/* --zero-copy: bench_send/bench_recv use synack_send_reserve/_commit and
 * synack_recv_borrow/_release (the application produces and consumes data in place). */
extern int bench_zero_copy;
ssize_t bench_send(bench_pair *p, int side, int s, const void *buf, size_t len);
ssize_t bench_recv(bench_pair *p, int side, int s, void *buf, size_t len);
int bench_close(bench_pair *p, int side, int s);
/* A stream socket of the pair's family on side. */
int bench_socket(bench_pair *p, int side);
int bench_connect(bench_pair *p, int s, uint16_t port);
/* Server: a listening socket on port with the given backlog; negative errno on failure. */
int bench_listen(bench_pair *p, uint16_t port, int backlog);
/* Establishes one connection on `port` with TCP_NODELAY on both ends; fills *cs (client)
 * and *ss (accepted server socket). Returns 0 or a negative errno. */
int bench_pair_connect_one(bench_pair *p, uint16_t port, int *cs, int *ss);
/* Sets an int socket option on side's socket s. */
int bench_setopt(bench_pair *p, int side, int s, int level, int name, int val);

/* A host-side allocator that keeps freed blocks on per-size free lists (a stack allocates
 * few distinct sizes: TCBs, buffer rings, tables), so a connection's life cycle does not go
 * back to malloc. Not thread-safe; free it after the stacks that use it. */
typedef struct bench_cache bench_cache;
bench_cache *bench_cache_new(void);
const synack_allocator *bench_cache_allocator(bench_cache *c);
void bench_cache_free(bench_cache *c);

/* ---- the benchmarks ---- */

int bench_throughput(const bench_opts *o, bench_report *r);
/* cmd_bench_gateway.c: a namespace's traffic through veth, `synack gateway`, slirp4netns
 * and pasta, side by side (root). */
int bench_gateway(const bench_opts *o, bench_report *r);
/* Parses gateway's --rows list ("bulk1,bulk4,cps,rr,udp,http") into a bit per group;
 * 0, or -EINVAL for an empty list or a name it does not know. */
int bench_gateway_rows(const char *list, unsigned *mask);
int bench_churn(const bench_opts *o, bench_report *r);
int bench_latency(const bench_opts *o, bench_report *r);
int bench_scale(const bench_opts *o, bench_report *r);
int bench_ready(const bench_opts *o, bench_report *r);
int bench_tap(const bench_opts *o, bench_report *r);
int bench_size(const bench_opts *o, bench_report *r);

/* ---- the kernel side (cmd_bench_kernel.c): loopback, 127.0.0.1 (::1 when v6), in this
 * process ---- */

typedef struct kbench_result {
    double seconds;     /* wall time */
    double cpu_seconds; /* user + system CPU time of the process meanwhile */
    uint64_t bytes;     /* payload moved */
    uint64_t count;     /* lifecycles or round trips done */
    char cc[16];        /* congestion control of the connection */
    int mss;            /* TCP_MAXSEG read back on the sender after connect */
    double median_ns;   /* latency: median round trip */
    double p99_ns;      /* latency: 99th percentile */
    char error[120];    /* what failed, "" when it worked */
} kbench_result;

/* One connection over loopback, a writer thread and a reader thread, `bytes` bytes;
 * maxseg > 0 sets TCP_MAXSEG on both sockets before the handshake. */
int kbench_throughput(uint64_t bytes, int maxseg, int v6, kbench_result *res);
/* `count` sequential connect / 64-byte request / 64-byte reply / client close. */
int kbench_churn(uint64_t count, double max_seconds, int v6, kbench_result *res);
/* `count` one-byte round trips, both threads pinned to `cpu`. */
int kbench_latency(uint64_t count, int cpu, int v6, kbench_result *res);

/* Sorts v and returns the q-quantile (0..1) by nearest rank. */
double bench_quantile_u32(uint32_t *v, size_t n, double q);

#endif
