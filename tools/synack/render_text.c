/* SPDX-License-Identifier: MIT */
/* synack sim --format text: a timeline a person reads in ten seconds. One row per moment
 * and lane: time, a sequence diagram with one lifeline per host (arrows labelled with
 * flags, relative seq/ack and length; a lost segment ends in ✕), each side's state changes
 * and application calls beside its lifeline; then the checks and why TCP behaves so. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render_layout.h"
#include "sim_run.h"

#define TIME_W 11   /* time column, right-aligned, then two spaces */
#define MARGIN_W 28 /* text beside the outer lifelines */
#define MAX_W 200   /* widest row */

typedef struct row {
    uint32_t cell[MAX_W]; /* code points; 0 = empty */
    uint64_t t;           /* time of the row */
    int owner;            /* lane whose doings share the row; -2 = exclusive */
    int lifelines;        /* draw the lifelines behind */
    int sealed;           /* takes nothing more (a long text fills it) */
} row;

typedef struct canvas {
    row *rows;            /* rows so far */
    size_t n, cap;        /* count, capacity */
    int width;            /* columns */
    int nlanes;           /* lanes */
    int x[SIM_MAX_LANES]; /* lifeline columns */
} canvas;

static row *new_row(canvas *c, uint64_t t, int owner)
{
    c->rows = render_grow(c->rows, c->n, &c->cap, sizeof(*c->rows));
    row *r = &c->rows[c->n++];
    memset(r, 0, sizeof(*r));
    r->t = t;
    r->owner = owner;
    r->lifelines = 1;
    return r;
}

/* Decodes UTF-8 text into code points; returns how many. */
static size_t utf8_decode(const char *s, uint32_t *out, size_t cap)
{
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p && n < cap) {
        uint32_t cp;
        if (*p < 0x80) {
            cp = *p++;
        } else if ((*p & 0xe0) == 0xc0 && p[1]) {
            cp = (uint32_t)(p[0] & 0x1f) << 6 | (p[1] & 0x3f);
            p += 2;
        } else if ((*p & 0xf0) == 0xe0 && p[1] && p[2]) {
            cp = (uint32_t)(p[0] & 0x0f) << 12 | (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
            p += 3;
        } else {
            cp = '?';
            p++;
        }
        out[n++] = cp;
    }
    return n;
}

static void put_cp(FILE *out, uint32_t cp)
{
    if (cp < 0x80) {
        fputc((int)cp, out);
    } else if (cp < 0x800) {
        fputc((int)(0xc0 | (cp >> 6)), out);
        fputc((int)(0x80 | (cp & 0x3f)), out);
    } else {
        fputc((int)(0xe0 | (cp >> 12)), out);
        fputc((int)(0x80 | ((cp >> 6) & 0x3f)), out);
        fputc((int)(0x80 | (cp & 0x3f)), out);
    }
}

static int span_free(const row *r, int a, int b)
{
    if (a < 0 || b >= MAX_W || a > b)
        return 0;
    for (int i = a; i <= b; i++)
        if (r->cell[i])
            return 0;
    return 1;
}

static void put_text(row *r, int x, const uint32_t *cps, size_t n)
{
    for (size_t i = 0; i < n && x + (int)i < MAX_W; i++)
        r->cell[x + (int)i] = cps[i];
}

/* Where a lane's text goes: [*a, *b] beside the lifeline, outward for the outer lanes. */
static void text_span(const canvas *c, int lane, size_t len, int *a, int *b)
{
    int x = c->x[lane];
    if (lane == 0 && x - 2 - (int)len >= TIME_W + 2) {
        *b = x - 2;
        *a = *b - (int)len + 1;
    } else {
        *a = x + 2; /* lane 0's text too long for the margin goes inside the gap */
        *b = *a + (int)len - 1;
    }
}

/* Places a lane's text in the last row when it belongs to the same moment and lane and
 * there is room; else in a new row. */
static void place_text(canvas *c, const sim_item *it, const char *text)
{
    uint32_t cps[160];
    size_t n = utf8_decode(text, cps, 160);
    int a, b;
    text_span(c, it->lane, n, &a, &b);
    if (b >= c->width)
        b = c->width - 1;
    row *r = c->n ? &c->rows[c->n - 1] : NULL;
    /* A text pushed into the gap gets a row of its own, so rows keep their order. */
    int in_gap = it->lane == 0 && a > c->x[0];
    /* Keep a blank column each side so texts never touch. */
    if (!r || r->t != it->t || r->owner != it->lane || r->sealed || in_gap ||
        !span_free(r, a - 1, b + 1 < MAX_W ? b + 1 : b))
        r = new_row(c, it->t, it->lane);
    r->sealed = in_gap;
    put_text(r, a, cps, (size_t)(b - a + 1) < n ? (size_t)(b - a + 1) : n);
}

static void place_arrow(canvas *c, const sim_item *it, const char *label)
{
    int from = it->lane, to = it->to;
    int xa = c->x[from];
    int xb = render_arrow_x(c->x, c->nlanes, from, to);
    int lo = (xa < xb ? xa : xb) + 1, hi = (xa < xb ? xb : xa) - 1;
    row *r = c->n ? &c->rows[c->n - 1] : NULL;
    if (!r || r->t != it->t || r->owner != from || r->sealed || !span_free(r, lo, hi))
        r = new_row(c, it->t, from);
    int right = xb > xa;
    uint32_t shaft = it->injected ? 0x254c /* ╌ */ : 0x2500 /* ─ */;
    int len = hi - lo + 1;
    int stop = len; /* cells of shaft drawn, from the sender */
    if (it->lost || to < 0)
        stop = len * 3 / 4;
    for (int k = 0; k < len; k++) {
        int col = right ? lo + k : hi - k;
        uint32_t ch = 0x20;
        if (k < stop)
            ch = shaft;
        for (int l = 0; l < c->nlanes; l++)
            if (col == c->x[l] && k < stop)
                ch = 0x253c; /* ┼ crossing a lifeline */
        r->cell[col] = ch;
    }
    if (it->lost || to < 0) {
        int col = right ? lo + stop : hi - stop;
        r->cell[col] = 0x2715; /* ✕ */
    } else if (right) {
        r->cell[hi] = 0x25b6; /* ▶ */
    } else {
        r->cell[lo] = 0x25c0; /* ◀ */
    }
    /* The label, centred on the drawn part of the shaft, with a space each side. */
    uint32_t cps[96];
    size_t n = utf8_decode(label, cps, 96);
    int room = stop - 4;
    if (room < 4)
        return;
    if ((int)n > room)
        n = (size_t)room;
    int start_k = (stop - (int)n) / 2;
    if (right && start_k < 2)
        start_k = 2;
    int col0 = right ? lo + start_k : hi - start_k - (int)n + 1;
    r->cell[col0 - 1] = ' ';
    put_text(r, col0, cps, n);
    r->cell[col0 + (int)n] = ' ';
}

struct full_ctx {
    canvas *c;          /* where */
    uint64_t t;         /* time of the rows */
    const char *prefix; /* before the first line */
    int first;          /* the next line is the first */
};

static void full_line(void *ctx, const char *line)
{
    struct full_ctx *f = ctx;
    char buf[600];
    snprintf(buf, sizeof(buf), "%s%s", f->first ? f->prefix : "  ", line);
    f->first = 0;
    uint32_t cps[MAX_W];
    size_t n = utf8_decode(buf, cps, MAX_W);
    row *r = new_row(f->c, f->t, -2);
    r->lifelines = 0;
    int x = TIME_W + 2;
    if ((size_t)(f->c->width - x) < n)
        n = (size_t)(f->c->width - x);
    put_text(r, x, cps, n);
}

/* A narration or summary row across the whole diagram, wrapped to its width. */
static void place_full(canvas *c, uint64_t t, const char *prefix, const char *text)
{
    struct full_ctx f = {c, t, prefix, 1};
    int width = c->width - (TIME_W + 2) - 2;
    render_wrap(text, (size_t)(width > 40 ? width : 40), full_line, &f);
}

struct wrap_out {
    FILE *out;          /* where */
    const char *indent; /* before each line */
};

static void wrap_line(void *ctx, const char *line)
{
    struct wrap_out *o = ctx;
    fprintf(o->out, "%s%s\n", line[0] ? o->indent : "", line);
}

static void print_row(FILE *out, const canvas *c, const row *r, const row *prev, const sim_trace *t)
{
    uint32_t line[MAX_W];
    memcpy(line, r->cell, sizeof(line));
    if (r->lifelines)
        for (int l = 0; l < c->nlanes; l++)
            if (!line[c->x[l]])
                line[c->x[l]] = 0x2502; /* │ */
    char tb[32] = "";
    if (!prev || prev->t != r->t)
        render_time(t, r->t, 0, tb, sizeof(tb));
    fprintf(out, "%*s  ", TIME_W, tb);
    int last = c->width - 1;
    while (last >= TIME_W + 2 && (line[last] == 0 || line[last] == ' '))
        last--;
    for (int i = TIME_W + 2; i <= last; i++)
        put_cp(out, line[i] ? line[i] : ' ');
    fputc('\n', out);
}

static void legend_line(void *ctx, const char *line)
{
    fprintf(ctx, "  %s\n", line);
}

void render_text(const sim_trace *t, FILE *out)
{
    const sim_scenario *s = t->scn;
    canvas c;
    memset(&c, 0, sizeof(c));
    c.nlanes = t->nlanes;
    /* 44 (or, with more lanes, 36) columns between lifelines */
    c.width =
        render_lanes_x(t->nlanes, TIME_W + 2 + MARGIN_W, 44 + 1, 36 + 1, c.x) + 1 + MARGIN_W + 8;
    if (c.width > MAX_W)
        c.width = MAX_W;

    /* --- header --- */
    fprintf(out, "synack sim %s (seed %llu): %s\n", s->name, (unsigned long long)t->seed,
            s->summary);
    for (int l = 0; l < t->nlanes; l++) {
        char a[48], b[48];
        if (t->lanes[l].ghost && t->lanes[l].addr_hi != t->lanes[l].addr_lo)
            fprintf(out, "%s%s %s-%s", l ? ", " : "", t->lanes[l].name,
                    render_addr(t, t->lanes[l].addr_lo, a, sizeof(a)),
                    render_addr(t, t->lanes[l].addr_hi, b, sizeof(b)));
        else
            fprintf(out, "%s%s %s", l ? ", " : "", t->lanes[l].name,
                    render_addr(t, t->lanes[l].addr_lo, a, sizeof(a)));
    }
    fprintf(out, "; link %s%s.\n", t->link_desc, t->overridden ? " (from the command line)" : "");
    fprintf(out, "Sequence numbers are relative to each sender's initial sequence number "
                 "(ISN); json shows them absolute.\n");
    if (render_legend(t, legend_line, out))
        fprintf(out, "  ... %u connections in all\n", t->ndisp);
    fputc('\n', out);

    /* --- lane names over the lifelines --- */
    {
        row head;
        memset(&head, 0, sizeof(head));
        for (int l = 0; l < t->nlanes; l++) {
            uint32_t cps[32];
            size_t n = utf8_decode(t->lanes[l].name, cps, 32);
            int x = c.x[l] - (int)n / 2;
            put_text(&head, x, cps, n);
        }
        fprintf(out, "%*s  ", TIME_W, render_unit_is_s(t) ? "t (s)" : "t (ms)");
        int last = c.width - 1;
        while (last >= TIME_W + 2 && !head.cell[last])
            last--;
        for (int i = TIME_W + 2; i <= last; i++)
            put_cp(out, head.cell[i] ? head.cell[i] : ' ');
        fputc('\n', out);
    }

    /* --- the rows --- */
    for (size_t i = 0; i < t->nitems; i++) {
        const sim_item *it = &t->items[i];
        if (!render_drawn(t, it))
            continue;
        char buf[256], kind;
        switch (it->kind) {
        case SIM_IT_SEG:
            if (it->lane < 0 || it->lane >= t->nlanes)
                break;
            render_seg_label(it, buf, sizeof(buf));
            place_arrow(&c, it, buf);
            break;
        case SIM_IT_NOTE:
            place_full(&c, it->t, "\xc2\xbb ", it->text); /* » */
            break;
        case SIM_IT_SUMMARY:
            place_full(&c, it->t, "\xe2\x8b\xae ", it->text); /* ⋮ */
            break;
        case SIM_IT_APP:
        case SIM_IT_EVENT:
            if (it->lane < 0 || it->lane >= t->nlanes)
                break;
            if (render_lane_text(t, it, buf, sizeof(buf), &kind)) {
                char deco[272];
                if (kind == 's')
                    snprintf(deco, sizeof(deco), "[%s]", buf);
                else
                    snprintf(deco, sizeof(deco), "%s", buf);
                place_text(&c, it, deco);
            }
            break;
        default:
            break;
        }
    }
    for (size_t i = 0; i < c.n; i++)
        print_row(out, &c, &c.rows[i], i ? &c.rows[i - 1] : NULL, t);
    free(c.rows);

    /* --- checks and explanation --- */
    fprintf(out, "\nChecks:\n");
    for (size_t i = 0; i < t->nchecks; i++)
        fprintf(out, "  %s\n", t->checks[i]);
    if (t->nchecks == 0)
        fprintf(out, "  (none)\n");
    fprintf(out, "\nWhy:\n");
    struct wrap_out wo = {out, "  "};
    render_wrap(s->explain, 88, wrap_line, &wo);
}
