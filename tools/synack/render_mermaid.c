/* SPDX-License-Identifier: MIT */
/* synack sim --format mermaid: a Mermaid sequenceDiagram (renders on GitHub inside a
 * ```mermaid block). Segments are messages (a lost one ends in a cross, an injected one is
 * dotted); state changes and application calls are notes beside their host; long pauses
 * get a note with the time. */
#include <stdio.h>
#include <string.h>

#include "sim_run.h"

/* Mermaid reads ';' as a statement end and '#' as an entity; '<' '>' may become HTML. */
static void put_escaped(FILE *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case ';':
            fputc(',', out);
            break;
        case '#':
            break;
        case '<':
            fputs("\xe2\x80\xb9", out); /* ‹ */
            break;
        case '>':
            fputs("\xe2\x80\xba", out); /* › */
            break;
        case '\n':
            fputc(' ', out);
            break;
        default:
            fputc(*s, out);
        }
    }
}

static const char *note_side(const sim_trace *t, int lane, char *buf, size_t cap)
{
    if (lane == 0)
        snprintf(buf, cap, "left of %s", t->lanes[lane].name);
    else if (lane == t->nlanes - 1)
        snprintf(buf, cap, "right of %s", t->lanes[lane].name);
    else
        snprintf(buf, cap, "over %s", t->lanes[lane].name);
    return buf;
}

void render_mermaid(const sim_trace *t, FILE *out)
{
    fprintf(out, "sequenceDiagram\n");
    for (int l = 0; l < t->nlanes; l++) {
        char a[48], b[48];
        if (t->lanes[l].addr_lo != t->lanes[l].addr_hi)
            fprintf(out, "    participant %s as %s %s-%s\n", t->lanes[l].name, t->lanes[l].name,
                    render_addr(t, t->lanes[l].addr_lo, a, sizeof(a)),
                    render_addr(t, t->lanes[l].addr_hi, b, sizeof(b)));
        else
            fprintf(out, "    participant %s as %s %s\n", t->lanes[l].name, t->lanes[l].name,
                    render_addr(t, t->lanes[l].addr_lo, a, sizeof(a)));
    }
    const char *first = t->lanes[0].name, *last = t->lanes[t->nlanes - 1].name;
    int open_lane = -1;    /* a note being accumulated for this lane */
    uint64_t open_t = 0;   /* at this time */
    uint64_t marker_t = 0; /* time of the last time marker */
    int any = 0;
    for (size_t i = 0; i < t->nitems; i++) {
        const sim_item *it = &t->items[i];
        if (!render_drawn(t, it) || it->kind == SIM_IT_ARRIVE)
            continue;
        if (any && it->t >= marker_t + 1000000 && it->kind != SIM_IT_SUMMARY) {
            if (open_lane >= 0) {
                fputc('\n', out);
                open_lane = -1;
            }
            char tb[32];
            fprintf(out, "    Note over %s,%s: t = %s\n", first, last,
                    render_time(t, it->t, 1, tb, sizeof(tb)));
            marker_t = it->t;
        }
        any = 1;
        char buf[256], kind, side[48];
        const char *text = NULL;
        if (it->kind == SIM_IT_APP || it->kind == SIM_IT_EVENT)
            text = render_lane_text(t, it, buf, sizeof(buf), &kind);
        if (text && it->lane >= 0 && it->lane < t->nlanes) {
            if (open_lane == it->lane && open_t == it->t) {
                fputs("<br/>", out);
            } else {
                if (open_lane >= 0)
                    fputc('\n', out);
                fprintf(out, "    Note %s: ", note_side(t, it->lane, side, sizeof(side)));
                open_lane = it->lane;
                open_t = it->t;
            }
            put_escaped(out, text);
            continue;
        }
        if (open_lane >= 0) {
            fputc('\n', out);
            open_lane = -1;
        }
        switch (it->kind) {
        case SIM_IT_SEG: {
            if (it->lane < 0 || it->lane >= t->nlanes)
                break;
            int to = it->to;
            if (to < 0 || to == it->lane)
                to = it->lane == 0 ? 1 : 0;
            render_seg_label(it, buf, sizeof(buf));
            const char *arrow = it->injected ? "-->>" : "->>";
            if (it->lost || it->to < 0)
                arrow = it->injected ? "--x" : "-x";
            fprintf(out, "    %s%s%s: ", t->lanes[it->lane].name, arrow, t->lanes[to].name);
            put_escaped(out, buf);
            if (it->lost)
                fputs(" (lost)", out);
            else if (it->to < 0)
                fputs(" (no such host)", out);
            if (it->injected && !it->text)
                fputs(" (injected)", out);
            fputc('\n', out);
            break;
        }
        case SIM_IT_NOTE:
            if (it->lane >= 0 && it->lane < t->nlanes)
                fprintf(out, "    Note %s: ", note_side(t, it->lane, side, sizeof(side)));
            else
                fprintf(out, "    Note over %s,%s: ", first, last);
            put_escaped(out, it->text);
            fputc('\n', out);
            break;
        case SIM_IT_SUMMARY:
            fprintf(out, "    Note over %s,%s: ", first, last);
            put_escaped(out, it->text);
            fputc('\n', out);
            break;
        default:
            break;
        }
    }
    if (open_lane >= 0)
        fputc('\n', out);
}
