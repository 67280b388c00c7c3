/* SPDX-License-Identifier: MIT */
/* synack sim — what the text, Mermaid and SVG drawings share: which items they draw and the
 * words they put beside lanes and on arrows. */
#include <stdio.h>
#include <string.h>

#include "sim_run.h"

int render_drawn(const sim_trace *t, const sim_item *it)
{
    (void)t;
    if (it->quiet || it->no_draw)
        return 0;
    switch (it->kind) {
    case SIM_IT_EVENT:
        /* rx is drawn as the arrival of the segment; counters belong to json. */
        return it->ev.type != SYNACK_EV_RX && it->ev.type != SYNACK_EV_COUNTER &&
               it->ev.type != SYNACK_EV_APP;
    case SIM_IT_LINKDROP:
        return 0;
    default:
        return 1;
    }
}

void render_seg_label(const sim_item *it, char *buf, size_t cap)
{
    const synack_seg_info *s = &it->ev.u.seg;
    char flags[9];
    synack_flags_str(s->flags, flags);
    int n = snprintf(buf, cap, "%s seq=%u", flags, it->rel_ok ? it->rel_seq : s->seq);
    if ((s->flags & 0x10) && n >= 0 && (size_t)n < cap)
        n += snprintf(buf + n, cap - (size_t)n, " ack=%u", it->rel_ack_ok ? it->rel_ack : s->ack);
    if (s->len && n >= 0 && (size_t)n < cap)
        n += snprintf(buf + n, cap - (size_t)n, " len=%u", s->len);
    if (it->ndeliv > 1 && n >= 0 && (size_t)n < cap)
        n += snprintf(buf + n, cap - (size_t)n, " (x%u)", it->ndeliv);
    if (it->injected && it->text && n >= 0 && (size_t)n < cap)
        snprintf(buf + n, cap - (size_t)n, " (%s)", it->text);
}

int render_unit_is_s(const sim_trace *t)
{
    uint64_t last = 0;
    for (size_t i = 0; i < t->nitems; i++)
        if (render_drawn(t, &t->items[i]) && t->items[i].t > last)
            last = t->items[i].t;
    return last >= 10ull * 1000000;
}

const char *render_time(const sim_trace *t, uint64_t us, int with_unit, char *buf, size_t cap)
{
    if (render_unit_is_s(t))
        snprintf(buf, cap, "%llu.%03llu%s", (unsigned long long)(us / 1000000),
                 (unsigned long long)(us / 1000 % 1000), with_unit ? " s" : "");
    else
        snprintf(buf, cap, "%llu.%03llu%s", (unsigned long long)(us / 1000),
                 (unsigned long long)(us % 1000), with_unit ? " ms" : "");
    return buf;
}

const char *render_conn_tag(const sim_trace *t, uint32_t conn_id, char *buf, size_t cap)
{
    if (t->ndisp > 1 && conn_id && conn_id <= t->nconns && t->conns[conn_id - 1].disp)
        snprintf(buf, cap, "c%u ", t->conns[conn_id - 1].disp);
    else
        snprintf(buf, cap, "%s", "");
    return buf;
}

const char *render_lane_text(const sim_trace *t, const sim_item *it, char *buf, size_t cap,
                             char *kind)
{
    char tag[16], r[32];
    switch (it->kind) {
    case SIM_IT_APP:
        *kind = 'a';
        if (it->has_ret)
            snprintf(buf, cap, "%s = %s", it->text, sim_ret_str(it->ret, r, sizeof(r)));
        else
            snprintf(buf, cap, "%s", it->text);
        return buf;
    case SIM_IT_EVENT:
        break;
    default:
        return NULL;
    }
    render_conn_tag(t, it->conn_id, tag, sizeof(tag));
    switch (it->ev.type) {
    case SYNACK_EV_STATE:
        *kind = 's';
        snprintf(buf, cap, "%s%s", tag, synack_state_name(it->ev.u.state.to));
        return buf;
    case SYNACK_EV_TIMER:
        *kind = 't';
        if (it->ev.u.timer.n > 1)
            snprintf(buf, cap, "%s%s timer #%u", tag, it->ev.u.timer.timer, it->ev.u.timer.n);
        else
            snprintf(buf, cap, "%s%s timer", tag, it->ev.u.timer.timer);
        return buf;
    case SYNACK_EV_DROP:
        *kind = 'd';
        snprintf(buf, cap, "%sdrop: %s", tag, it->ev.u.drop.reason);
        return buf;
    case SYNACK_EV_NOTE:
        *kind = 'n';
        snprintf(buf, cap, "%s", it->ev.u.note.text ? it->ev.u.note.text : "");
        return buf;
    case SYNACK_EV_APP:
        *kind = 'a';
        snprintf(buf, cap, "%s() = %s", it->ev.u.app.call,
                 sim_ret_str(it->ev.u.app.ret, r, sizeof(r)));
        return buf;
    default:
        return NULL;
    }
}

void render_conn_legend(const sim_trace *t, size_t i, char *buf, size_t cap)
{
    const sim_conn_rec *c = &t->conns[i];
    char a[48], b[48];
    const char *an = c->a_lane >= 0 ? t->lanes[c->a_lane].name : "?";
    const char *bn = c->b_lane >= 0 ? t->lanes[c->b_lane].name : "?";
    char ia[24] = "ISN unknown", ib[24] = "ISN unknown";
    if (c->has_a)
        snprintf(ia, sizeof(ia), "ISN %u", c->isn_a);
    if (c->has_b)
        snprintf(ib, sizeof(ib), "ISN %u", c->isn_b);
    /* RFC 5952 6: an IPv6 address with a port is bracketed */
    const char *lb = t->ipv6 ? "[" : "", *rb = t->ipv6 ? "]" : "";
    snprintf(buf, cap, "c%u: %s %s%s%s:%u %s; %s %s%s%s:%u %s", c->disp, an, lb,
             render_addr(t, c->a_addr, a, sizeof(a)), rb, c->a_port, ia, bn, lb,
             render_addr(t, c->b_addr, b, sizeof(b)), rb, c->b_port, ib);
}

void render_wrap(const char *text, size_t width, void (*fn)(void *ctx, const char *line), void *ctx)
{
    char line[256];
    if (width >= sizeof(line))
        width = sizeof(line) - 1;
    const char *p = text;
    while (*p) {
        if (*p == '\n') { /* a paragraph break */
            fn(ctx, "");
            p++;
            continue;
        }
        while (*p == ' ')
            p++;
        size_t len = 0, last_space = 0;
        const char *q = p;
        /* Count display columns: UTF-8 continuation bytes take none. */
        size_t cols = 0, bytes = 0;
        while (q[bytes] && q[bytes] != '\n') {
            unsigned char c = (unsigned char)q[bytes];
            if ((c & 0xc0) != 0x80)
                cols++;
            if (cols > width)
                break;
            if (c == ' ')
                last_space = bytes;
            bytes++;
        }
        if (q[bytes] == '\0' || q[bytes] == '\n' || cols <= width)
            len = bytes;
        else
            len = last_space ? last_space : bytes;
        if (len >= sizeof(line))
            len = sizeof(line) - 1;
        memcpy(line, p, len);
        line[len] = '\0';
        fn(ctx, line);
        p += len;
        if (*p == '\n')
            p++;
    }
}
