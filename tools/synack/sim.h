/* SPDX-License-Identifier: MIT */
/* synack sim — the scenario framework: a simulated network of named hosts (include/synack/
 * simnet.h), a recorded trace of everything they did, application calls made at given
 * virtual times, and checks of the expected outcome.
 *
 * A scenario is one small file (tools/synack/scn_<name>.c) that defines a sim_scenario and
 * one line in the table of tools/synack/scenarios.c. Its run() builds the hosts and links,
 * plays a script of application calls with sim_run_until() between them, and states its
 * expectations with sim_expect() (always enforced) or sim_expect_exact() (enforced only on
 * the scenario's own links, i.e. without --loss/--delay/... overrides). */
#ifndef SYNACK_TOOL_SIM_H
#define SYNACK_TOOL_SIM_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "synack/simnet.h"
#include "synack/synack.h"

#define SIM_CLIENT 0                /* host index of the client made by sim_pair() */
#define SIM_SERVER 1                /* host index of the server made by sim_pair() */
#define SIM_CLIENT_ADDR 0xc0000201u /* 192.0.2.1 (RFC 5737 TEST-NET-1) */
#define SIM_SERVER_ADDR 0xc0000202u /* 192.0.2.2 */
#define SIM_PORT 80                 /* the server's port in every scenario */
#define SIM_MAX_LANES 8             /* hosts plus ghost lanes */

#define SIM_MS 1000ull   /* microseconds per millisecond */
#define SIM_S 1000000ull /* microseconds per second */

typedef struct sim sim;

/* One scenario: a name (the CLI contract), a line for --list, a script and an explanation. */
typedef struct sim_scenario {
    const char *name;    /* as typed after `synack sim` */
    const char *summary; /* one line, shown by --list and as the subtitle */
    const char *explain; /* why TCP behaves so, plain language; ends the text output */
    void (*run)(sim *w); /* builds the network, plays the script, checks the outcome */
} sim_scenario;

/* The scenario table (scenarios.c). */
extern const sim_scenario *const sim_scenarios[];
extern const size_t sim_scenario_count;
const sim_scenario *sim_find_scenario(const char *name);

/* ---- what the trace records ------------------------------------------------------------ */

typedef enum sim_item_kind {
    SIM_IT_EVENT,   /* a stack event (§4) other than tx; json and (mostly) the drawings */
    SIM_IT_SEG,     /* a segment put on the wire: a tx event, or an injected packet */
    SIM_IT_ARRIVE,  /* a segment handed to its receiver (drawings only; refers to a SEG) */
    SIM_IT_APP,     /* an application call as the script made it (drawings only) */
    SIM_IT_NOTE,    /* the scenario's narration (json as a note event, drawings) */
    SIM_IT_SUMMARY, /* what a quiet stretch held, in one line (drawings only) */
    SIM_IT_LINKDROP /* the link lost a frame (json only, as a drop event of host "net") */
} sim_item_kind;

/* One thing that happened, in the order it happened. */
typedef struct sim_item {
    sim_item_kind kind; /* what it is */
    int lane;           /* the host or ghost lane it belongs to; -1 for the whole network */
    uint64_t t;         /* virtual time, microseconds */
    uint8_t quiet;      /* recorded in a quiet stretch: json only, the drawings summarise */
    uint8_t no_json;    /* not part of the event stream */
    uint8_t no_draw;    /* not drawn (e.g. an app event the script already shows) */
    synack_event ev;    /* SIM_IT_EVENT/SEG/LINKDROP: the event (strings are interned) */
    const char *text;   /* SIM_IT_APP label, SIM_IT_NOTE/SUMMARY text (interned) */
    long ret;           /* SIM_IT_APP: what the call returned */
    uint8_t has_ret;    /* SIM_IT_APP: ret is set */
    /* SIM_IT_SEG only: */
    int to;             /* receiving lane, -1 when the address belongs to no lane */
    uint8_t lost;       /* the link dropped it */
    uint8_t injected;   /* put on the wire by synack_simnet_inject, not by a stack */
    uint8_t matched;    /* the link reported it (delivered or lost) */
    uint32_t ndeliv;    /* times delivered (2 = duplicated) */
    uint64_t t_arrive;  /* first delivery time */
    uint32_t conn_id;   /* connection incarnation, 1-based, in order of first SYN */
    uint8_t rel_ok;     /* rel_seq is relative (the sender's ISN is known) */
    uint8_t rel_ack_ok; /* rel_ack is relative (the receiver's ISN is known) */
    uint32_t rel_seq;   /* seq minus the sender's ISN */
    uint32_t rel_ack;   /* ack minus the receiver's ISN */
    size_t seg;         /* SIM_IT_ARRIVE: index of its SIM_IT_SEG */
} sim_item;

/* A lane of the drawings: a host, or a ghost (addresses that belong to no host, e.g.
 * spoofed sources or an attacker). */
typedef struct sim_lane {
    char name[16];    /* "client", "server", ... */
    uint32_t addr_lo; /* first address of the lane */
    uint32_t addr_hi; /* last address of the lane */
    uint8_t ghost;    /* no stack behind it */
} sim_lane;

/* A connection incarnation seen on the wire, for the legend. */
typedef struct sim_conn_rec {
    uint32_t a_addr, b_addr; /* the endpoint that sent the first SYN (a) and the other */
    uint16_t a_port, b_port; /* their ports */
    int a_lane, b_lane;      /* their lanes (-1 if none) */
    uint32_t isn_a, isn_b;   /* initial sequence numbers */
    uint8_t has_a, has_b;    /* each is known */
    uint32_t syn_len_a;      /* data in a's SYN (Fast Open): its SYN-ACK acknowledges it too */
    uint32_t syn_len_b;      /* the same for b */
    uint64_t last_use;       /* order of the latest segment assigned to it */
    uint32_t disp;           /* its number in the drawings (c1, c2, ...); 0: not drawn */
} sim_conn_rec;

/* Everything the renderers need, read-only. */
typedef struct sim_trace {
    const sim_scenario *scn;   /* what ran */
    uint64_t seed;             /* --seed */
    const sim_item *items;     /* in order */
    size_t nitems;             /* count */
    const sim_lane *lanes;     /* lanes, hosts first */
    int nlanes;                /* count */
    const sim_conn_rec *conns; /* connection incarnations */
    size_t nconns;             /* count */
    uint32_t ndisp;            /* connections the drawings show */
    const char *link_desc;     /* "1 ms each way, no faults" */
    int overridden;            /* link settings came from the command line */
    const char *const *checks; /* one line per check, "ok ..." / "FAIL ..." / "skip ..." */
    size_t nchecks;            /* count */
    int failed;                /* a check failed */
    int ipv6;                  /* the hosts talked over IPv6 (--ipv6): render_addr */
} sim_trace;

/* ---- building a world ------------------------------------------------------------------- */

/* The defaults every host starts from, with this run's seed in it. */
void sim_host_config(sim *w, synack_config *cfg);
/* Adds a host; cfg NULL means sim_host_config(). Returns the host index (also its lane). */
int sim_add_host(sim *w, const char *name, uint32_t addr, const synack_config *cfg);
/* A lane without a stack for the addresses lo..hi (spoofed sources, attackers). Add every
 * host first. Returns the lane index. */
int sim_add_ghost(sim *w, const char *name, uint32_t lo, uint32_t hi);
/* The default link: 1 ms each way, no faults. */
void sim_default_link(synack_fault_config *f);
/* Sets both directions between hosts a and b (command-line overrides applied on top). */
void sim_path(sim *w, int a, int b, const synack_fault_config *f);
/* Sets one direction. */
void sim_link(sim *w, int from, int to, const synack_fault_config *f);
/* A client (host 0, 192.0.2.1) and a server (host 1, 192.0.2.2) on the default path;
 * either config may be NULL. */
void sim_pair(sim *w, const synack_config *client, const synack_config *server);
synack_stack *sim_stack(sim *w, int host);
synack_simnet *sim_net(sim *w);
/* Link settings come from the command line: exact checks are not enforced. */
int sim_overridden(const sim *w);

/* ---- time ------------------------------------------------------------------------------- */

uint64_t sim_now(const sim *w);
/* Runs the network until t (absolute microseconds). */
void sim_run_until(sim *w, uint64_t t);
void sim_run_for(sim *w, uint64_t dt);
/* Runs until nothing is pending or `limit`; returns the time reached. */
uint64_t sim_run_idle(sim *w, uint64_t limit);

/* Runs until cond(w, ctx) holds (checked after every step of the network) or `limit`
 * (absolute). Returns 1 if cond held. */
int sim_wait(sim *w, uint64_t limit, int (*cond)(sim *w, void *ctx), void *ctx);
/* Runs until socket s of host is in `state` (or has no connection, for SYNACK_CLOSED). */
int sim_wait_state(sim *w, int host, int s, synack_tcp_state state, uint64_t limit);
/* Runs until the listener ls has a connection to accept, and accepts it. Returns the new
 * socket or a negative errno at `limit`. */
int sim_wait_accept(sim *w, int host, int ls, uint64_t limit);
/* Runs until recv() on socket s of host would not block: data, end-of-stream or an error.
 * Returns 1 if so, 0 at `limit`. */
int sim_wait_readable(sim *w, int host, int s, uint64_t limit);

/* ---- application calls: traced as the script makes them --------------------------------- */

/* socket(), not drawn. */
int sim_socket(sim *w, int host);
/* bind(s, :port) and listen(s, backlog), drawn. */
int sim_bind(sim *w, int host, int s, uint16_t port);
int sim_listen_sock(sim *w, int host, int s, int backlog);
/* socket + bind(port) + listen(backlog). Returns the listening socket or a negative errno. */
int sim_listen(sim *w, int host, uint16_t port, int backlog);
/* socket + connect(addr:port). Returns the socket (connect is in progress) or a negative
 * errno. */
int sim_connect(sim *w, int host, uint32_t addr, uint16_t port);
/* socket [+ SO_REUSEADDR] + bind(lport) + connect: a fixed local port. Returns the socket
 * or a negative errno (the bind's or the connect's). */
int sim_connect_from(sim *w, int host, uint16_t lport, int reuseaddr, uint32_t addr, uint16_t port);
int sim_accept(sim *w, int host, int ls);
/* connect() from host `client` to `server`'s listener ls (at addr:port), then run until the
 * server accepts (at most 300 s). Returns 0 with both sockets, or a negative errno. */
int sim_open(sim *w, int client, int server, int ls, uint32_t addr, uint16_t port, int *cs,
             int *ss);
ssize_t sim_send(sim *w, int host, int s, const void *buf, size_t len);
/* Receives everything available (up to cap bytes; buf may be NULL to discard). */
ssize_t sim_recv(sim *w, int host, int s, void *buf, size_t cap);
int sim_close(sim *w, int host, int s);
int sim_shutdown(sim *w, int host, int s, int how);
/* setsockopt with an int value, labelled e.g. "SO_KEEPALIVE". */
int sim_setsockopt_int(sim *w, int host, int s, int level, int name, const char *label, int v);
/* SO_LINGER {on, secs}. */
int sim_linger(sim *w, int host, int s, int on, int secs);
/* SO_ERROR (consumes it), drawn as "getsockopt(SO_ERROR) = -ECONNREFUSED". */
int sim_sock_error(sim *w, int host, int s);
/* Marks an application call the script makes directly on sim_stack(): label shows in the
 * drawings; pass its return value to sim_app_ret(). */
size_t sim_app_begin(sim *w, int host, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
long sim_app_ret(sim *w, size_t mark, long ret);

/* ---- the wire ----------------------------------------------------------------------------- */

/* Puts a TCP segment built from these fields on the wire from lane `lane` (a ghost, or a
 * host's lane for an old duplicate), delivered after delay_us to the owner of dst. */
typedef struct sim_raw_seg {
    uint32_t src, dst;     /* IPv4 addresses, host order */
    uint16_t sport, dport; /* ports */
    uint32_t seq, ack;     /* sequence and acknowledgment numbers */
    uint8_t flags;         /* TCP flags */
    uint16_t win;          /* window */
    uint16_t mss;          /* MSS option if non-zero (SYNs) */
    const char *tag;       /* shown on its arrow, e.g. "old SYN"; may be NULL */
} sim_raw_seg;
int sim_inject(sim *w, int lane, uint64_t delay_us, const sim_raw_seg *seg);

/* ---- narration ---------------------------------------------------------------------------- */

/* A line of narration at the current time, on a lane (or -1 for the network). */
void sim_note(sim *w, int lane, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* From here on, record for json only; the drawings show one summary line instead, where
 * the stretch began. */
void sim_quiet_begin(sim *w);
/* From here on, record only what involves the addresses lo..hi (e.g. spoofed sources) for
 * json only; the rest is drawn as usual. */
void sim_quiet_addrs(sim *w, uint32_t lo, uint32_t hi);
/* Ends the quiet stretch; `what` names it ("the 1 MiB transfer"); the summary adds counts of
 * the segments it hid. */
void sim_quiet_end(sim *w, const char *what);

/* ---- looking at what happened ------------------------------------------------------------- */

synack_tcp_state sim_sock_state(sim *w, int host, int s);
/* Connections of `host` now in `state` (listeners, embryos, orphans and TIME-WAIT included). */
int sim_count_state(sim *w, int host, synack_tcp_state state);
/* Every connection `host` holds now, any state except LISTEN. */
int sim_count_conns(sim *w, int host);
/* Time `host` entered `state` for the nth time (1-based), on any connection; UINT64_MAX
 * if it did not. */
uint64_t sim_state_time(const sim *w, int host, synack_tcp_state state, int nth);
/* How many times `host` entered `state`. */
int sim_state_entries(const sim *w, int host, synack_tcp_state state);
/* The states `host` passed through on connection incarnation conn_id (0: the first
 * connection it had), as "CLOSED>SYN-SENT>ESTABLISHED" into buf. */
const char *sim_state_path(const sim *w, int host, uint32_t conn_id, char *buf, size_t cap);
/* Segments `host` sent (tx, not injected) whose flags & mask == value, from item index `from`. */
int sim_count_tx(const sim *w, int host, uint8_t mask, uint8_t value);
/* The nth (1-based) such segment, or NULL. */
const sim_item *sim_nth_tx(const sim *w, int host, uint8_t mask, uint8_t value, int nth);
/* Items recorded so far (a mark for sim_flow). */
size_t sim_mark(const sim *w);
/* The exchange since `mark` as "C:S|S:S.|C:." ("C"/"S"/first letter of the lane name,
 * flags, "/len" with payload, "x" suffix when the link lost it). */
const char *sim_flow(const sim *w, size_t mark, char *buf, size_t cap);
/* Timer expiries of `host` named `timer` ("rexmit", "keepalive", ...). */
int sim_count_timer(const sim *w, int host, const char *timer);
/* Drop events of `host` with this reason. */
int sim_count_drop(const sim *w, int host, const char *reason);
const sim_trace *sim_get_trace(const sim *w);

/* ---- checks ------------------------------------------------------------------------------- */

/* Records a check: ok or not, with a description of what was expected (and, on failure,
 * what happened instead). A failed sim_expect makes the run exit 1. */
void sim_expect(sim *w, int ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* As sim_expect, but with command-line link overrides a failure is reported as skipped:
 * for details (exact segment exchanges, exact times) that only the scenario's own links
 * guarantee. */
void sim_expect_exact(sim *w, int ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Core check: the states host passed through on connection conn_id (0: its first) are
 * exactly `want`, e.g. "CLOSED>SYN-SENT>ESTABLISHED". */
void sim_expect_path(sim *w, int host, uint32_t conn_id, const char *want);
/* Exact check: the segments since `mark` are `want` (sim_flow notation). */
void sim_expect_flow(sim *w, size_t mark, const char *want);
/* The connection id of the first segment a host sent from item index `mark` on (0 if
 * none). */
uint32_t sim_conn_after(const sim *w, int host, size_t mark);
/* A gap in the stack the scenario cannot show yet; printed with the checks. */
void sim_gap(sim *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "-ETIMEDOUT", "0", "3" ... */
const char *sim_ret_str(long ret, char *buf, size_t cap);
/* "192.0.2.1" */
const char *sim_addr_str(uint32_t a, char *buf, size_t cap);

/* ---- IPv6 (--ipv6) ---------------------------------------------------------------------- */

/* The run is over IPv6: every host also has the IPv6 address sim_addr6() gives its IPv4
 * one, sockets are AF_INET6, and the addresses scenarios pass (sim_connect, sim_inject,
 * ghost lanes) stand for those IPv6 addresses. */
int sim_ipv6(const sim *w);
/* The IPv6 address (2001:db8::/32) an IPv4 address of a scenario stands for. */
void sim_addr6(uint32_t a, uint8_t out[16]);
/* The IPv4 address sim_addr6() maps to a6; 0 for an address outside its range. */
uint32_t sim_addr_key6(const uint8_t a6[16]);
/* The local port of socket s of host (getsockname, either family); 0 on error. */
uint16_t sim_local_port(sim *w, int host, int s);

#endif
