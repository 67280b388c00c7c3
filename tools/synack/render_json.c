/* SPDX-License-Identifier: MIT */
/* synack sim --format json: the docs/TRACE.md event stream, one JSON object per line, with
 * the hosts named by their lanes. The network's own doings appear as host "net" (a frame
 * the link lost: a drop event with reason "link-loss"; an injected packet: a note), and the
 * scenario's narration as host "sim" notes. Sequence numbers stay absolute. */
#include <stdio.h>
#include <stdlib.h>

#include "sim_run.h"

static void put_line(FILE *out, const synack_event *ev, const char *host)
{
    char buf[1024];
    size_t n = synack_event_json(ev, host, buf, sizeof(buf));
    if (n < sizeof(buf)) {
        fputs(buf, out);
    } else {
        char *big = malloc(n + 1);
        if (!big)
            return;
        synack_event_json(ev, host, big, n + 1);
        fputs(big, out);
        free(big);
    }
    fputc('\n', out);
}

void render_json(const sim_trace *t, FILE *out)
{
    for (size_t i = 0; i < t->nitems; i++) {
        const sim_item *it = &t->items[i];
        if (it->kind == SIM_IT_SEG && it->injected) {
            char label[96], text[160];
            render_seg_label(it, label, sizeof(label));
            synack_event ev = {
                .type = SYNACK_EV_NOTE, .t_us = it->t, .has_conn = 1, .conn = it->ev.conn};
            snprintf(text, sizeof(text), "injected %s (absolute seq=%u ack=%u)", label,
                     it->ev.u.seg.seq, it->ev.u.seg.ack);
            ev.u.note.text = text;
            put_line(out, &ev, "net");
            continue;
        }
        if (it->no_json)
            continue;
        const char *host = "sim";
        if (it->kind == SIM_IT_LINKDROP)
            host = "net";
        else if (it->lane >= 0 && it->lane < t->nlanes)
            host = t->lanes[it->lane].name;
        put_line(out, &it->ev, host);
    }
}
