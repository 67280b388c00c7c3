/* SPDX-License-Identifier: MIT */
/* synack sim --format svg: a drawn sequence diagram for a slide. Hosts on top, a lifeline
 * each (coloured by the state the host's connection is in, when it has one), slanted arrows
 * from send to arrival labelled with flags and relative numbers, a lost segment drawn as an
 * arrow that ends in a red ✕, state boxes at each change, application calls and timers
 * beside the lifelines, then a legend and the explanation.
 *
 * Vertical position is by rows, not by time (runs span milliseconds to hours): each row is
 * one moment; the time is written in the left column and long pauses are marked. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render_layout.h"
#include "sim_run.h"

#define TIME_COL 92 /* width of the time column */
#define MARGIN 200  /* room beside the outer lifelines for boxes and calls */
#define ROW_H 30    /* height of one row */
#define TOP 150     /* y of the first row */
#define FONT "DejaVu Sans, Helvetica, Arial, sans-serif"
#define MONO "DejaVu Sans Mono, Menlo, Consolas, monospace"

/* What a row already holds on each lane. */
typedef struct slot {
    uint8_t send;   /* an arrow leaves here */
    uint8_t arrive; /* an arrow ends here */
    uint8_t side;   /* a state box or a text beside the lifeline */
} slot;

typedef struct srow {
    uint64_t t;            /* its time */
    int exclusive;         /* a note or summary band */
    slot s[SIM_MAX_LANES]; /* what each lane holds */
    int gap_before;        /* extra space above for a long pause */
} srow;

typedef struct layout {
    srow *rows;           /* rows */
    size_t n;             /* count */
    size_t cap;           /* capacity */
    int *row_of;          /* per item: its row, or -1 */
    int x[SIM_MAX_LANES]; /* lifeline x */
    int width;            /* picture width */
} layout;

static srow *add_row(layout *L, uint64_t t, int exclusive)
{
    L->rows = render_grow(L->rows, L->n, &L->cap, sizeof(*L->rows));
    srow *r = &L->rows[L->n++];
    memset(r, 0, sizeof(*r));
    r->t = t;
    r->exclusive = exclusive;
    return r;
}

/* Which resource an item needs: 0 send, 1 arrive, 2 side, 3 exclusive band; -1 none. */
static int need_of(const sim_trace *t, const sim_item *it, int *lane)
{
    char buf[8], kind;
    (void)buf;
    switch (it->kind) {
    case SIM_IT_SEG:
        *lane = it->lane;
        return it->lane >= 0 && it->lane < t->nlanes ? 0 : -1;
    case SIM_IT_ARRIVE:
        *lane = it->lane;
        return it->lane >= 0 && it->lane < t->nlanes ? 1 : -1;
    case SIM_IT_APP:
    case SIM_IT_EVENT: {
        char tb[256];
        *lane = it->lane;
        if (it->lane < 0 || it->lane >= t->nlanes)
            return -1;
        return render_lane_text(t, it, tb, sizeof(tb), &kind) ? 2 : -1;
    }
    case SIM_IT_NOTE:
    case SIM_IT_SUMMARY:
        *lane = -1;
        return 3;
    default:
        return -1;
    }
}

static int middle_lane(const sim_trace *t, int lane)
{
    return lane > 0 && lane < t->nlanes - 1;
}

static void do_layout(const sim_trace *t, layout *L)
{
    L->row_of = malloc((t->nitems ? t->nitems : 1) * sizeof(int));
    if (!L->row_of) {
        fprintf(stderr, "synack sim: out of memory\n");
        exit(2);
    }
    for (size_t i = 0; i < t->nitems; i++) {
        const sim_item *it = &t->items[i];
        L->row_of[i] = -1;
        if (!render_drawn(t, it))
            continue;
        if (it->kind == SIM_IT_ARRIVE && t->items[it->seg].quiet)
            continue;
        int lane = -1;
        int need = need_of(t, it, &lane);
        if (need < 0)
            continue;
        srow *r = L->n ? &L->rows[L->n - 1] : NULL;
        int fits = r && r->t == it->t && !r->exclusive && need != 3;
        if (fits) {
            slot *s = &r->s[lane];
            if (need == 0)
                fits = !s->send;
            else if (need == 1)
                fits = !s->arrive;
            else
                fits = !s->side;
            /* A box on a middle lifeline covers the arrows' ends there. */
            if (middle_lane(t, lane) && (s->side || (need == 2 && (s->send || s->arrive))))
                fits = 0;
        }
        if (!fits)
            r = add_row(L, it->t, need == 3);
        if (need == 0)
            r->s[lane].send = 1;
        else if (need == 1)
            r->s[lane].arrive = 1;
        else if (need == 2)
            r->s[lane].side = 1;
        L->row_of[i] = (int)(L->n - 1);
    }
    for (size_t i = 1; i < L->n; i++)
        if (L->rows[i].t - L->rows[i - 1].t >= 10ull * 1000000)
            L->rows[i].gap_before = 1;
}

static int row_y(const layout *L, int row)
{
    int y = TOP;
    for (int i = 1; i <= row && i < (int)L->n; i++)
        y += ROW_H + (L->rows[i].gap_before ? ROW_H : 0);
    return y;
}

static void xml_text(FILE *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        default:
            fputc(*s, out);
        }
    }
}

/* A state's colours (its band on the lifeline and its box): one hue per phase of a
 * connection — opening, established, closing actively, closing passively. */
typedef struct state_colors {
    const char *fill;   /* inside */
    const char *stroke; /* outline */
} state_colors;

static state_colors colors_of(synack_tcp_state s)
{
    switch (s) {
    case SYNACK_CLOSED:
        return (state_colors){"#e0e0e0", "#8c8c8c"};
    case SYNACK_LISTEN:
        return (state_colors){"#c6dbef", "#4a7fb5"};
    case SYNACK_SYN_SENT:
    case SYNACK_SYN_RECEIVED:
        return (state_colors){"#fdd9a8", "#d9822b"};
    case SYNACK_ESTABLISHED:
        return (state_colors){"#b5e0ad", "#3f9a38"};
    case SYNACK_FIN_WAIT_1:
    case SYNACK_FIN_WAIT_2:
    case SYNACK_CLOSING:
        return (state_colors){"#dcdcf0", "#6a5fb0"};
    case SYNACK_TIME_WAIT:
        return (state_colors){"#c4c3e3", "#6a5fb0"};
    case SYNACK_CLOSE_WAIT:
    case SYNACK_LAST_ACK:
        return (state_colors){"#fcc5b0", "#c8553d"};
    default:
        return (state_colors){"#ffffff", "#555555"};
    }
}

/* Rough text width in pixels (the renderer measures for real; this only sizes boxes). */
static int text_w(const char *s, double px)
{
    int n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80)
            n++;
    return (int)(n * px * 0.62 + 0.5);
}

/* The connections each lane takes part in (for the state band: only one). */
static int lane_conns(const sim_trace *t, int lane)
{
    uint32_t seen = 0;
    int n = 0;
    for (size_t i = 0; i < t->nitems; i++) {
        const sim_item *it = &t->items[i];
        if (it->kind == SIM_IT_EVENT && it->lane == lane && it->ev.type == SYNACK_EV_STATE &&
            it->conn_id != seen) {
            if (seen != 0 && it->conn_id != seen)
                return 2;
            seen = it->conn_id;
            n = 1;
        }
    }
    return n;
}

static void draw_band(FILE *out, const sim_trace *t, const layout *L, int lane, int y_top,
                      int y_bot)
{
    int x = L->x[lane];
    synack_tcp_state cur = SYNACK_STATE_COUNT;
    int y = y_top;
    for (size_t i = 0; i < t->nitems; i++) {
        const sim_item *it = &t->items[i];
        if (it->kind != SIM_IT_EVENT || it->lane != lane || it->ev.type != SYNACK_EV_STATE)
            continue;
        int yy = L->row_of[i] >= 0 ? row_y(L, L->row_of[i]) : y;
        if (cur == SYNACK_STATE_COUNT)
            cur = it->ev.u.state.from;
        if (yy > y)
            fprintf(out,
                    "<rect x=\"%d\" y=\"%d\" width=\"8\" height=\"%d\" fill=\"%s\" "
                    "stroke=\"%s\" stroke-width=\"0.8\"/>\n",
                    x - 4, y, yy - y, colors_of(cur).fill, colors_of(cur).stroke);
        y = yy;
        cur = it->ev.u.state.to;
    }
    if (cur != SYNACK_STATE_COUNT && y_bot > y)
        fprintf(out,
                "<rect x=\"%d\" y=\"%d\" width=\"8\" height=\"%d\" fill=\"%s\" stroke=\"%s\" "
                "stroke-width=\"0.8\"/>\n",
                x - 4, y, y_bot - y, colors_of(cur).fill, colors_of(cur).stroke);
}

/* An axis-aligned rectangle: something an arrow label should not cover. */
typedef struct box {
    double x0, y0, x1, y1; /* corners */
} box;

/* Rectangles already taken: state boxes, texts beside lifelines, placed labels. */
typedef struct boxes {
    box *b;     /* the rectangles */
    size_t n;   /* count */
    size_t cap; /* capacity */
} boxes;

static void boxes_add(boxes *bs, box b)
{
    bs->b = render_grow(bs->b, bs->n, &bs->cap, sizeof(*bs->b));
    bs->b[bs->n++] = b;
}

/* How much of b is covered by the rectangles so far (area). */
static double boxes_overlap(const boxes *bs, box b)
{
    double a = 0;
    for (size_t i = 0; i < bs->n; i++) {
        const box *o = &bs->b[i];
        double w = (b.x1 < o->x1 ? b.x1 : o->x1) - (b.x0 > o->x0 ? b.x0 : o->x0);
        double h = (b.y1 < o->y1 ? b.y1 : o->y1) - (b.y0 > o->y0 ? b.y0 : o->y0);
        if (w > 0 && h > 0)
            a += w * h;
    }
    return a;
}

/* The rectangle draw_side() covers for this text. */
static box side_rect(const sim_trace *t, const layout *L, int lane, int y, const char *text,
                     char kind)
{
    int x = L->x[lane];
    int mid = middle_lane(t, lane);
    box b;
    if (kind == 's') {
        int w = text_w(text, 12) + 16;
        int bx = mid ? x - w / 2 : lane == 0 ? x - 12 - w : x + 12;
        b.x0 = bx;
        b.x1 = bx + w;
    } else {
        int w = text_w(text, 11.5) + 8;
        if (mid) {
            b.x0 = x - w / 2;
            b.x1 = x + w / 2;
        } else if (lane == 0) {
            b.x0 = x - 12 - w;
            b.x1 = x - 12;
        } else {
            b.x0 = x + 12;
            b.x1 = x + 12 + w;
        }
    }
    b.y0 = y - 10;
    b.y1 = y + 10;
    return b;
}

/* Places a box or text beside lane's lifeline at y: left of lane 0, right of the others,
 * centred on a middle lifeline. */
static void draw_side(FILE *out, const sim_trace *t, const layout *L, int lane, int y,
                      const char *text, char kind, synack_tcp_state st)
{
    int x = L->x[lane];
    int mid = middle_lane(t, lane);
    if (kind == 's') {
        box b = side_rect(t, L, lane, y, text, kind);
        int bx = (int)b.x0, w = (int)(b.x1 - b.x0);
        fprintf(out,
                "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"20\" rx=\"5\" fill=\"%s\" "
                "stroke=\"%s\" stroke-width=\"1.2\"/>\n",
                bx, y - 10, w, colors_of(st).fill, colors_of(st).stroke);
        fprintf(out,
                "<text x=\"%d\" y=\"%d\" font-family=\"%s\" font-size=\"12\" "
                "font-weight=\"bold\" text-anchor=\"middle\" fill=\"#222\">",
                bx + w / 2, y + 4, FONT);
        xml_text(out, text);
        fputs("</text>\n", out);
        if (!mid)
            fprintf(out,
                    "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
                    "stroke-width=\"1.2\"/>\n",
                    lane == 0 ? bx + w : bx, y, lane == 0 ? x - 4 : x + 4, y, colors_of(st).stroke);
        return;
    }
    const char *color = kind == 'a'   ? "#1f3c88"
                        : kind == 't' ? "#b35900"
                        : kind == 'd' ? "#b00020"
                                      : "#444";
    const char *style = kind == 'a' ? "" : " font-style=\"italic\"";
    const char *anchor = mid ? "middle" : lane == 0 ? "end" : "start";
    int tx = mid ? x : lane == 0 ? x - 12 : x + 12;
    if (mid) {
        int w = text_w(text, 11.5) + 8;
        fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"16\" fill=\"#fff\"/>\n",
                x - w / 2, y - 9, w);
    }
    fprintf(out,
            "<text x=\"%d\" y=\"%d\" font-family=\"%s\" font-size=\"11.5\" fill=\"%s\"%s "
            "text-anchor=\"%s\">",
            tx, y + 4, kind == 'a' ? MONO : FONT, color, style, anchor);
    xml_text(out, text);
    fputs("</text>\n", out);
}

static void draw_arrow(FILE *out, const sim_trace *t, const layout *L, const sim_item *it, int y1,
                       int y2_arrive, boxes *taken)
{
    int from = it->lane;
    int to = it->to;
    int x1 = L->x[from];
    int x2 = render_arrow_x(L->x, t->nlanes, from, to);
    int lost = it->lost || to < 0 || y2_arrive < 0;
    double ex = x2, ey = y2_arrive;
    if (lost) {
        ex = x1 + 0.58 * (x2 - x1);
        ey = y1 + 0.8 * ROW_H;
    }
    /* Start and end a little off the lifeline so the band stays visible. */
    double dir = x2 > x1 ? 1 : -1;
    double sx = x1 + dir * 5;
    if (!lost)
        ex -= dir * 5;
    const char *color = it->injected ? "#7b2d8e" : lost ? "#b00020" : "#222";
    fprintf(out,
            "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
            "stroke-width=\"1.5\"%s%s/>\n",
            sx, y1, ex, ey, color, it->injected ? " stroke-dasharray=\"6,4\"" : "",
            lost           ? ""
            : it->injected ? " marker-end=\"url(#headp)\""
                           : " marker-end=\"url(#head)\"");
    if (lost) {
        fprintf(out,
                "<path d=\"M%.1f %.1f l10 10 M%.1f %.1f l10 -10\" stroke=\"#b00020\" "
                "stroke-width=\"2.5\" stroke-linecap=\"round\"/>\n",
                ex - 5, ey - 5, ex - 5, ey + 5);
    }
    /* The label rides on the arrow, upright, near the sender. */
    char label[128];
    render_seg_label(it, label, sizeof(label));
    if (it->lost)
        strncat(label, " (lost)", sizeof(label) - strlen(label) - 1);
    else if (to < 0)
        strncat(label, " (no such host)", sizeof(label) - strlen(label) - 1);
    double dx = ex - sx, dy = ey - y1;
    double ang = atan2(dy, dx) * 180.0 / M_PI;
    if (dx < 0)
        ang = atan2(-dy, -dx) * 180.0 / M_PI;
    /* Try a few places along the arrow; take the first that covers nothing already drawn
     * (or the one that covers least). */
    static const double fracs_full[] = {0.42, 0.3, 0.55, 0.2, 0.68, 0.12, 0.78};
    static const double fracs_lost[] = {0.5, 0.35, 0.65, 0.22};
    const double *fr = lost ? fracs_lost : fracs_full;
    size_t nfr =
        lost ? sizeof fracs_lost / sizeof fracs_lost[0] : sizeof fracs_full / sizeof fracs_full[0];
    double rad = ang * M_PI / 180.0;
    double hw = text_w(label, 11) / 2.0, hh = 7.0;
    double ex_w = hw * fabs(cos(rad)) + hh * fabs(sin(rad));
    double ex_h = hw * fabs(sin(rad)) + hh * fabs(cos(rad));
    double best_a = -1, px = 0, py = 0;
    box best_b = {0, 0, 0, 0};
    for (size_t k = 0; k < nfr; k++) {
        double cx = sx + fr[k] * dx, cy = y1 + fr[k] * dy;
        /* The label sits 4 px above the line, perpendicular to it. */
        double lx = cx + 4 * sin(rad), ly = cy - 4 * cos(rad) - 4;
        box b = {lx - ex_w, ly - ex_h, lx + ex_w, ly + ex_h};
        double a = boxes_overlap(taken, b);
        if (best_a < 0 || a < best_a) {
            best_a = a;
            px = cx;
            py = cy;
            best_b = b;
        }
        if (a <= 0)
            break;
    }
    boxes_add(taken, best_b);
    fprintf(out,
            "<text x=\"%.1f\" y=\"%.1f\" transform=\"rotate(%.2f %.1f %.1f)\" font-family=\"%s\" "
            "font-size=\"11\" text-anchor=\"middle\" fill=\"%s\" stroke=\"#fff\" "
            "stroke-width=\"3\" paint-order=\"stroke\">",
            px, py - 4, ang, px, py, MONO,
            it->injected ? "#7b2d8e"
            : lost       ? "#b00020"
                         : "#222");
    xml_text(out, label);
    fputs("</text>\n", out);
}

static void count_line(void *ctx, const char *line)
{
    (void)line;
    (*(int *)ctx)++;
}

struct svg_wrap {
    FILE *out; /* where */
    int x;     /* left edge */
    int *y;    /* next baseline */
};

static void svg_wrap_line(void *ctx, const char *line)
{
    struct svg_wrap *w = ctx;
    if (line[0]) {
        fprintf(w->out,
                "<text x=\"%d\" y=\"%d\" font-family=\"%s\" font-size=\"12.5\" fill=\"#333\">",
                w->x, *w->y, FONT);
        xml_text(w->out, line);
        fputs("</text>\n", w->out);
    }
    *w->y += 17;
}

/* One connection's line of the legend. */
static void svg_legend_line(void *ctx, const char *line)
{
    struct svg_wrap *w = ctx;
    fprintf(w->out, "<text x=\"%d\" y=\"%d\" font-family=\"%s\" font-size=\"11.5\" fill=\"#555\">",
            w->x, *w->y, MONO);
    xml_text(w->out, line);
    fputs("</text>\n", w->out);
    *w->y += 17;
}

void render_svg(const sim_trace *t, FILE *out)
{
    layout L;
    memset(&L, 0, sizeof(L));
    L.width = render_lanes_x(t->nlanes, TIME_COL + MARGIN, 420, 340, L.x) + MARGIN + 30;
    if (L.width < 820)
        L.width = 820;
    do_layout(t, &L);

    int rows_bottom = L.n ? row_y(&L, (int)L.n - 1) + ROW_H : TOP + ROW_H;
    /* Legend and explanation below. */
    int text_cols = (L.width - 60) / 7;
    int explain_lines = 0;
    render_wrap(t->scn->explain, (size_t)(text_cols > 20 ? text_cols : 20), count_line,
                &explain_lines);
    int height =
        rows_bottom + 40 + 28 + (int)render_legend_lines(t) * 17 + 30 + explain_lines * 17 + 30;

    fprintf(out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\">\n",
            L.width, height, L.width, height);
    fprintf(out,
            "<defs>\n"
            "<marker id=\"head\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"8\" "
            "markerHeight=\"8\" orient=\"auto\"><path d=\"M0 0 L10 5 L0 10 z\" fill=\"#222\"/>"
            "</marker>\n"
            "<marker id=\"headp\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"8\" "
            "markerHeight=\"8\" orient=\"auto\"><path d=\"M0 0 L10 5 L0 10 z\" fill=\"#7b2d8e\"/>"
            "</marker>\n"
            "</defs>\n");
    fprintf(out, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", L.width,
            height);

    /* Title. */
    fprintf(out,
            "<text x=\"24\" y=\"34\" font-family=\"%s\" font-size=\"20\" font-weight=\"bold\" "
            "fill=\"#111\">synack sim ",
            FONT);
    xml_text(out, t->scn->name);
    fprintf(out,
            "</text>\n<text x=\"24\" y=\"56\" font-family=\"%s\" font-size=\"13\" "
            "fill=\"#555\">",
            FONT);
    xml_text(out, t->scn->summary);
    fprintf(out, " (seed %llu; link ", (unsigned long long)t->seed);
    xml_text(out, t->link_desc);
    fputs(")</text>\n", out);

    /* Host boxes and lifelines. */
    int life_top = 112;
    for (int l = 0; l < t->nlanes; l++) {
        int x = L.x[l];
        char a[48], b[48], addr[100];
        if (t->lanes[l].addr_lo != t->lanes[l].addr_hi)
            snprintf(addr, sizeof(addr), "%s-%s", render_addr(t, t->lanes[l].addr_lo, a, sizeof(a)),
                     render_addr(t, t->lanes[l].addr_hi, b, sizeof(b)));
        else
            snprintf(addr, sizeof(addr), "%s", render_addr(t, t->lanes[l].addr_lo, a, sizeof(a)));
        int w = text_w(addr, 11) + 30;
        if (w < 130)
            w = 130;
        const char *fill = t->lanes[l].ghost ? "#f4f4f4" : "#eef3fb";
        const char *stroke = t->lanes[l].ghost ? "#999" : "#4a6fa5";
        fprintf(out,
                "<rect x=\"%d\" y=\"72\" width=\"%d\" height=\"40\" rx=\"6\" fill=\"%s\" "
                "stroke=\"%s\" stroke-width=\"1.5\"%s/>\n",
                x - w / 2, w, fill, stroke, t->lanes[l].ghost ? " stroke-dasharray=\"4,3\"" : "");
        fprintf(out,
                "<text x=\"%d\" y=\"89\" font-family=\"%s\" font-size=\"14\" font-weight=\"bold\" "
                "text-anchor=\"middle\" fill=\"#111\">",
                x, FONT);
        xml_text(out, t->lanes[l].name);
        fprintf(out,
                "</text>\n<text x=\"%d\" y=\"105\" font-family=\"%s\" font-size=\"11\" "
                "text-anchor=\"middle\" fill=\"#555\">",
                x, MONO);
        xml_text(out, addr);
        fputs("</text>\n", out);
        fprintf(out,
                "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
                "stroke-width=\"1.2\"%s/>\n",
                x, life_top, x, rows_bottom, t->lanes[l].ghost ? "#aaa" : "#666",
                t->lanes[l].ghost ? " stroke-dasharray=\"4,4\"" : "");
        if (!t->lanes[l].ghost && lane_conns(t, l) == 1)
            draw_band(out, t, &L, l, life_top, rows_bottom);
    }

    /* Time column and pause marks. */
    fprintf(out,
            "<text x=\"%d\" y=\"%d\" font-family=\"%s\" font-size=\"11\" text-anchor=\"end\" "
            "fill=\"#777\">%s</text>\n",
            TIME_COL - 8, TOP - 24, FONT, render_unit_is_s(t) ? "time (s)" : "time (ms)");
    for (size_t r = 0; r < L.n; r++) {
        int y = row_y(&L, (int)r);
        if (L.rows[r].gap_before) {
            char tb[32];
            uint64_t d = L.rows[r].t - L.rows[r - 1].t;
            snprintf(tb, sizeof(tb), "%llu s later", (unsigned long long)((d + 500000) / 1000000));
            fprintf(out,
                    "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#bbb\" "
                    "stroke-dasharray=\"2,4\"/>\n",
                    TIME_COL, y - ROW_H, L.width - 20, y - ROW_H);
            fprintf(out,
                    "<text x=\"%d\" y=\"%d\" font-family=\"%s\" font-size=\"10.5\" "
                    "font-style=\"italic\" fill=\"#888\">%s</text>\n",
                    TIME_COL + 4, y - ROW_H - 4, FONT, tb);
        }
        if (r == 0 || L.rows[r].t != L.rows[r - 1].t) {
            char tb[32];
            fprintf(out,
                    "<text x=\"%d\" y=\"%d\" font-family=\"%s\" font-size=\"11\" "
                    "text-anchor=\"end\" fill=\"#777\">%s</text>\n",
                    TIME_COL - 8, y + 4, MONO, render_time(t, L.rows[r].t, 0, tb, sizeof(tb)));
        }
    }

    /* What the texts beside the lifelines will cover: arrow labels keep clear of it. */
    boxes taken = {NULL, 0, 0};
    for (size_t i = 0; i < t->nitems; i++) {
        const sim_item *it = &t->items[i];
        if (L.row_of[i] < 0 || (it->kind != SIM_IT_APP && it->kind != SIM_IT_EVENT))
            continue;
        char buf[256], kind = 0;
        if (render_lane_text(t, it, buf, sizeof(buf), &kind))
            boxes_add(&taken, side_rect(t, &L, it->lane, row_y(&L, L.row_of[i]), buf, kind));
    }

    /* Bands for narration and summaries. */
    int band_l0 = L.x[0] - 80, band_r0 = L.x[t->nlanes - 1] + 80;
    for (size_t i = 0; i < t->nitems; i++) {
        const sim_item *it = &t->items[i];
        if (L.row_of[i] < 0 || (it->kind != SIM_IT_NOTE && it->kind != SIM_IT_SUMMARY))
            continue;
        int y = row_y(&L, L.row_of[i]);
        int summary = it->kind == SIM_IT_SUMMARY;
        /* Wide enough for its text, within the picture. */
        int need = text_w(it->text, 12) + 24, band_l = band_l0, band_r = band_r0;
        if (band_r - band_l < need) {
            int mid = (band_l + band_r) / 2;
            band_l = mid - need / 2;
            band_r = mid + need / 2;
            if (band_l < 12) {
                band_r += 12 - band_l;
                band_l = 12;
            }
            if (band_r > L.width - 12)
                band_r = L.width - 12;
        }
        fprintf(out,
                "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"22\" rx=\"4\" fill=\"%s\" "
                "stroke=\"%s\"/>\n",
                band_l, y - 11, band_r - band_l, summary ? "#f0f0f0" : "#fff8d6",
                summary ? "#bbb" : "#e3c65a");
        fprintf(
            out,
            "<text x=\"%d\" y=\"%d\" font-family=\"%s\" font-size=\"12\" text-anchor=\"middle\" "
            "fill=\"#333\"%s>",
            (band_l + band_r) / 2, y + 4, FONT, summary ? " font-style=\"italic\"" : "");
        xml_text(out, it->text);
        fputs("</text>\n", out);
    }

    /* Arrows. */
    for (size_t i = 0; i < t->nitems; i++) {
        const sim_item *it = &t->items[i];
        if (it->kind != SIM_IT_SEG || L.row_of[i] < 0)
            continue;
        int y2 = -1;
        if (!it->lost) {
            for (size_t j = i + 1; j < t->nitems; j++)
                if (t->items[j].kind == SIM_IT_ARRIVE && t->items[j].seg == i) {
                    if (L.row_of[j] >= 0)
                        y2 = row_y(&L, L.row_of[j]);
                    break;
                }
        }
        draw_arrow(out, t, &L, it, row_y(&L, L.row_of[i]), y2, &taken);
    }
    free(taken.b);

    /* Boxes and texts beside the lifelines, on top of the arrows. */
    for (size_t i = 0; i < t->nitems; i++) {
        const sim_item *it = &t->items[i];
        if (L.row_of[i] < 0 || (it->kind != SIM_IT_APP && it->kind != SIM_IT_EVENT))
            continue;
        char buf[256], kind = 0;
        if (!render_lane_text(t, it, buf, sizeof(buf), &kind))
            continue;
        draw_side(out, t, &L, it->lane, row_y(&L, L.row_of[i]), buf, kind,
                  it->ev.type == SYNACK_EV_STATE ? it->ev.u.state.to : SYNACK_CLOSED);
    }

    /* Legend. */
    int y = rows_bottom + 40;
    fprintf(out, "<line x1=\"24\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ddd\"/>\n", y - 22,
            L.width - 24, y - 22);
    int lx = 24;
    fprintf(out,
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#222\" stroke-width=\"1.5\" "
            "marker-end=\"url(#head)\"/>\n",
            lx, y - 4, lx + 36, y - 4);
    fprintf(out,
            "<text x=\"%d\" y=\"%d\" font-family=\"%s\" font-size=\"12\" fill=\"#333\">segment: "
            "flags seq ack len (relative to each sender's ISN)</text>\n",
            lx + 44, y, FONT);
    lx += 44 + 380;
    fprintf(
        out,
        "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#b00020\" stroke-width=\"1.5\"/>"
        "<path d=\"M%d %d l10 10 M%d %d l10 -10\" stroke=\"#b00020\" stroke-width=\"2.5\" "
        "stroke-linecap=\"round\"/>\n",
        lx, y - 4, lx + 26, y - 4, lx + 24, y - 9, lx + 24, y + 1);
    fprintf(out,
            "<text x=\"%d\" y=\"%d\" font-family=\"%s\" font-size=\"12\" fill=\"#333\">lost on "
            "the link</text>\n",
            lx + 44, y, FONT);
    lx += 44 + 110;
    fprintf(out,
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#7b2d8e\" stroke-width=\"1.5\" "
            "stroke-dasharray=\"6,4\" marker-end=\"url(#headp)\"/>\n",
            lx, y - 4, lx + 36, y - 4);
    fprintf(out,
            "<text x=\"%d\" y=\"%d\" font-family=\"%s\" font-size=\"12\" fill=\"#333\">old "
            "duplicate or forged</text>\n",
            lx + 44, y, FONT);
    y += 24;
    struct svg_wrap legend = {out, 24, &y};
    if (render_legend(t, svg_legend_line, &legend)) {
        fprintf(out,
                "<text x=\"24\" y=\"%d\" font-family=\"%s\" font-size=\"11.5\" fill=\"#555\">... "
                "%u connections in all</text>\n",
                y, MONO, t->ndisp);
        y += 17;
    }
    y += 14;
    fprintf(out,
            "<text x=\"24\" y=\"%d\" font-family=\"%s\" font-size=\"13\" font-weight=\"bold\" "
            "fill=\"#222\">Why</text>\n",
            y, FONT);
    y += 19;
    struct svg_wrap sw = {out, 24, &y};
    render_wrap(t->scn->explain, (size_t)(text_cols > 20 ? text_cols : 20), svg_wrap_line, &sw);
    fputs("</svg>\n", out);
    free(L.rows);
    free(L.row_of);
}
