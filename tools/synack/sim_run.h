/* SPDX-License-Identifier: MIT */
/* synack sim — running one scenario with the command line's options, and the renderers
 * that turn its trace into text, JSON Lines, Mermaid or SVG. */
#ifndef SYNACK_TOOL_SIM_RUN_H
#define SYNACK_TOOL_SIM_RUN_H

#include <stdint.h>
#include <stdio.h>

#include "sim.h"

typedef enum sim_format {
    SIM_FMT_TEXT,    /* timeline with a sequence diagram, checks and an explanation */
    SIM_FMT_JSON,    /* the docs/TRACE.md event stream */
    SIM_FMT_MERMAID, /* a Mermaid sequenceDiagram */
    SIM_FMT_SVG,     /* a drawn sequence diagram */
} sim_format;

/* What the command line asked for. A has_* flag says the value overrides the scenario's. */
typedef struct sim_options {
    uint64_t seed;       /* --seed, default 1 */
    sim_format format;   /* --format */
    const char *pcap;    /* --pcap FILE or NULL */
    uint8_t has_loss;    /* --loss given */
    uint8_t has_reorder; /* --reorder given */
    uint8_t has_dup;     /* --dup given */
    uint8_t has_delay;   /* --delay given */
    uint8_t has_jitter;  /* --jitter given */
    uint8_t has_rate;    /* --rate given */
    double loss;         /* probability */
    double reorder;      /* probability */
    double dup;          /* probability */
    uint64_t delay_us;   /* one-way delay */
    uint64_t jitter_us;  /* jitter */
    uint64_t rate_bps;   /* bottleneck rate */
    const char *cc;      /* --cc NAME: every host's congestion control, or NULL */
    uint8_t ipv6;        /* --ipv6: the hosts talk over IPv6 (2001:db8::/32) */
} sim_options;

/* Runs scn and writes the chosen rendering to out. Returns the exit code: 0 when every
 * check held, 1 when one failed (named on stderr), 2 when the run could not start (e.g.
 * the capture file cannot be created; message on stderr). */
int sim_execute(const sim_scenario *scn, const sim_options *opt, FILE *out);

void render_text(const sim_trace *t, FILE *out);
void render_json(const sim_trace *t, FILE *out);
void render_mermaid(const sim_trace *t, FILE *out);
void render_svg(const sim_trace *t, FILE *out);

/* ---- shared by the renderers (render_common.c) ---- */

/* Whether a drawing shows this item at all (quiet stretches, hidden calls, counters). */
int render_drawn(const sim_trace *t, const sim_item *it);
/* "S. seq=0 ack=1 len=5" (relative numbers where the ISN is known). */
void render_seg_label(const sim_item *it, char *buf, size_t cap);
/* Time display: milliseconds when the whole run is under 10 s, else seconds. */
int render_unit_is_s(const sim_trace *t);
/* "12.000 ms" / "7200.000 s" (with_unit) or just the number. */
const char *render_time(const sim_trace *t, uint64_t us, int with_unit, char *buf, size_t cap);
/* What a drawing writes beside a lane for a non-segment item: "SYN-SENT",
 * "connect() = -EINPROGRESS", "rexmit timer #2", "drop: syn-queue-full". Returns NULL for
 * items without such a text. *kind receives 's' state, 'a' app, 't' timer, 'd' drop,
 * 'n' note/stack note. */
const char *render_lane_text(const sim_trace *t, const sim_item *it, char *buf, size_t cap,
                             char *kind);
/* The connection tag "c2 " when the run has more than one connection, else "". */
const char *render_conn_tag(const sim_trace *t, uint32_t conn_id, char *buf, size_t cap);
/* The legend line of connection i (one the drawings show, disp != 0):
 * "c1: client 192.0.2.1:49152 ISN 123; server 192.0.2.2:80 ISN 456". */
void render_conn_legend(const sim_trace *t, size_t i, char *buf, size_t cap);
/* Address a as the run shows it: "192.0.2.1", or over IPv6 "2001:db8::1" (sim_addr.c). */
const char *render_addr(const sim_trace *t, uint32_t a, char *buf, size_t cap);
/* Splits text into lines of at most width columns (ASCII words); calls fn per line. */
void render_wrap(const char *text, size_t width, void (*fn)(void *ctx, const char *line),
                 void *ctx);

#endif
