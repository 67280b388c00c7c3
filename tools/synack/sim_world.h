/* SPDX-License-Identifier: MIT */
/* synack sim — the inside of a world (sim_world.c, sim_app.c, sim_query.c). Scenarios use
 * sim.h only. */
#ifndef SYNACK_TOOL_SIM_WORLD_H
#define SYNACK_TOOL_SIM_WORLD_H

#include "sim.h"
#include "sim_run.h"
#include "synack/pcap.h"

/* A frame kept for the capture: written at the end in the order it was sent, so the capture
 * looks as if taken at the senders (lost frames included, duplicates once). */
struct sim_frame {
    uint64_t t;    /* when it was sent */
    size_t order;  /* tie-break: the item index of its segment (send order) */
    uint8_t *data; /* the bytes */
    size_t len;    /* how many */
};

/* Passed to a stack's event callback. */
typedef struct sim_host_ctx {
    sim *w;   /* the world */
    int host; /* which host */
} sim_host_ctx;

/* Segments sent and not yet reported by the network's tap, oldest first. */
typedef struct sim_pending {
    size_t *idx; /* item indices */
    size_t n;    /* count */
    size_t cap;  /* capacity */
} sim_pending;

struct sim {
    const sim_scenario *scn;            /* what runs */
    const sim_options *opt;             /* the command line */
    int ipv6;                           /* --ipv6 */
    uint64_t seed;                      /* --seed */
    synack_simnet *net;                 /* the network */
    int nhosts;                         /* hosts (lanes 0..nhosts-1) */
    int nlanes;                         /* hosts and ghost lanes */
    sim_lane lanes[SIM_MAX_LANES];      /* their names and addresses */
    sim_host_ctx hctx[SIM_MAX_LANES];   /* event-callback contexts */
    sim_item *items;                    /* the trace */
    size_t nitems, capitems;            /* count and capacity */
    sim_conn_rec *conns;                /* connection incarnations */
    size_t nconns, capconns;            /* count and capacity */
    uint64_t conn_uses;                 /* segments assigned to incarnations so far */
    sim_pending pending[SIM_MAX_LANES]; /* per sending host */
    sim_pending pending_inj;            /* injected packets */
    uint32_t ninjected;                 /* injected so far (IP ids) */
    char **strs;                        /* interned strings: open-addressing table */
    size_t strs_n, strs_cap;            /* entries and slots */
    const char **checks;                /* check lines (interned) */
    size_t nchecks, capchecks;          /* count and capacity */
    int failed;                         /* a check failed */
    int in_call;                        /* inside a traced application call */
    int quiet;                          /* in a quiet stretch */
    size_t quiet_mark;                  /* where it began */
    uint64_t quiet_t0;                  /* when it began */
    uint64_t quiet_rexmit0;             /* RetransSegs of all hosts when it began */
    size_t quiet_summary;               /* index of its summary item */
    uint8_t quiet_addrs;                /* the stretch hides only quiet_lo..quiet_hi */
    uint32_t quiet_lo, quiet_hi;        /* those addresses */
    synack_pcap *pcap;                  /* --pcap */
    struct sim_frame *frames;           /* frames for the capture, written at the end */
    size_t nframes, capframes;          /* count and capacity */
    int pcap_err;                       /* first failed write */
    char link_desc[160];                /* the first link's settings, for the header */
    sim_trace trace;                    /* what the renderers read */
};

const char *sim_intern(sim *w, const char *s);
sim_item *sim_push(sim *w, sim_item_kind kind, int lane);
int sim_lane_of(const sim *w, uint32_t addr);
/* The connection incarnation event item i belongs to (0 if none). */
uint32_t sim_event_conn(const sim *w, size_t i);

#endif
