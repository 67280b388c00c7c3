/* SPDX-License-Identifier: MIT */
/* synack sim — the layout arithmetic the text and SVG diagrams share: where the lifelines
 * stand, which lifeline an arrow points at, growing the row arrays, and which connections
 * the legend lists. Positions are in the renderer's own unit (character cells for text,
 * pixels for SVG). */
#ifndef SYNACK_TOOL_RENDER_LAYOUT_H
#define SYNACK_TOOL_RENDER_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "sim.h"

/* Makes room in an array of elem-byte elements holding n for one more: doubles *cap
 * (from 64) when full. Returns the array, possibly moved. A drawing cannot be half made,
 * so running out of memory ends the program with exit code 2. */
void *render_grow(void *arr, size_t n, size_t *cap, size_t elem);

/* The lifelines of nlanes lanes, evenly spaced from `first`: step_two apart when there are
 * two lanes, step_more when more share the width. Fills x[0..nlanes) and returns the last
 * lane's position. */
int render_lanes_x(int nlanes, int first, int step_two, int step_more, int *x);

/* Where an arrow from lane `from` ends: at the receiving lane `to`; when no lane owns the
 * destination (to < 0) or it is the sender's own, one lane outward — the next lane, or
 * from the last lane the one before it. */
int render_arrow_x(const int *x, int nlanes, int from, int to);

/* The legend lists every connection the drawing shows when there are at most four, else
 * the first three and a line saying how many there are in all. Calls fn with each listed
 * connection's line, in drawing order; returns 1 when the "in all" line must follow. */
int render_legend(const sim_trace *t, void (*fn)(void *ctx, const char *line), void *ctx);

/* Lines the legend takes, the "in all" line included. */
uint32_t render_legend_lines(const sim_trace *t);

#endif
