/* SPDX-License-Identifier: MIT */
/* synack sim — layout arithmetic shared by render_text.c and render_svg.c. */
#include "render_layout.h"

#include <stdio.h>
#include <stdlib.h>

#include "sim_run.h"

#define LEGEND_ALL 4  /* up to this many connections, the legend lists them all */
#define LEGEND_SOME 3 /* else it lists this many and says how many there are */

void *render_grow(void *arr, size_t n, size_t *cap, size_t elem)
{
    if (n < *cap)
        return arr;
    *cap = *cap ? *cap * 2 : 64;
    void *grown = realloc(arr, *cap * elem);
    if (!grown) {
        fprintf(stderr, "synack sim: out of memory\n");
        exit(2);
    }
    return grown;
}

int render_lanes_x(int nlanes, int first, int step_two, int step_more, int *x)
{
    int step = nlanes > 2 ? step_more : step_two;
    for (int l = 0; l < nlanes; l++)
        x[l] = first + l * step;
    return nlanes > 0 ? x[nlanes - 1] : first;
}

int render_arrow_x(const int *x, int nlanes, int from, int to)
{
    if (to >= 0 && to != from)
        return x[to];
    if (from < nlanes - 1)
        return x[from + 1];
    return from > 0 ? x[from - 1] : x[from];
}

static uint32_t legend_listed(const sim_trace *t)
{
    return t->ndisp <= LEGEND_ALL ? t->ndisp : LEGEND_SOME;
}

int render_legend(const sim_trace *t, void (*fn)(void *ctx, const char *line), void *ctx)
{
    uint32_t show = legend_listed(t);
    for (uint32_t d = 1; d <= show; d++) {
        for (size_t i = 0; i < t->nconns; i++) {
            if (t->conns[i].disp != d)
                continue;
            char buf[200];
            render_conn_legend(t, i, buf, sizeof(buf));
            fn(ctx, buf);
        }
    }
    return show < t->ndisp;
}

uint32_t render_legend_lines(const sim_trace *t)
{
    uint32_t show = legend_listed(t);
    return show + (show < t->ndisp);
}
