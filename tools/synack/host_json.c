/* SPDX-License-Identifier: MIT */
/* synack serve / connect / stat --json: the connection table, the counters and the
 * device's figures as one JSON object (what host_print_table and host_print_counters show
 * as text), for scripts that would otherwise parse the tables. */
#include <stdio.h>

#include "host.h"

void host_json_str(FILE *out, const char *s)
{
    fputc('"', out);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < 0x20)
            fprintf(out, "\\u%04x", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

struct json_rows {
    FILE *out;    /* where rows go */
    uint64_t now; /* for timer countdowns */
    int n;        /* rows written */
};

static void json_row(void *arg, const synack_conn_view *v)
{
    struct json_rows *t = arg;
    char l[64], r[64];
    host_view_ends(v, l, r, sizeof(l));
    fprintf(t->out, "%s{\"state\":", t->n ? "," : "");
    host_json_str(t->out, synack_state_name(v->state));
    fprintf(t->out, ",\"recv_q\":%u,\"send_q\":%u,\"local\":\"%s\",\"peer\":\"%s\",\"sock\":%d",
            v->recv_q, v->send_q, l, r, v->sock);
    double left = host_view_timer_s(v, t->now);
    if (left >= 0) {
        fprintf(t->out, ",\"timer\":");
        host_json_str(t->out, v->timer);
        fprintf(t->out, ",\"timer_s\":%.3f", left);
    }
    fputc('}', t->out);
    t->n++;
}

void host_tcp_info_json(FILE *out, const synack_tcp_info *ti)
{
    fprintf(out, "{\"state\":");
    host_json_str(out, synack_state_name((synack_tcp_state)ti->state));
    fprintf(out, ",\"ca\":");
    host_json_str(out, ti->ca_name);
    fprintf(out,
            ",\"rtt_ms\":%.3f,\"rttvar_ms\":%.3f,\"rto_ms\":%.0f,\"snd_mss\":%u,\"rcv_mss\":%u,"
            "\"cwnd\":%u,\"ssthresh\":%u,\"snd_wnd\":%u,\"rcv_wnd\":%u,\"unacked\":%u,"
            "\"retrans\":%llu,\"bytes_acked\":%llu,\"bytes_received\":%llu,\"segs_out\":%llu,"
            "\"segs_in\":%llu,\"ts\":%s,\"sack\":%s,\"wscale\":%s}",
            ti->rtt_us / 1000.0, ti->rttvar_us / 1000.0, ti->rto_us / 1000.0, ti->snd_mss,
            ti->rcv_mss, ti->snd_cwnd, ti->snd_ssthresh, ti->snd_wnd, ti->rcv_wnd, ti->unacked,
            (unsigned long long)ti->total_retrans, (unsigned long long)ti->bytes_acked,
            (unsigned long long)ti->bytes_received, (unsigned long long)ti->segs_out,
            (unsigned long long)ti->segs_in, (ti->options & 1) ? "true" : "false",
            (ti->options & 2) ? "true" : "false", (ti->options & 4) ? "true" : "false");
}

void host_print_json(host *h, FILE *out, const char *fields)
{
    fputc('{', out);
    if (fields && fields[0])
        fprintf(out, "%s,", fields);
    fprintf(out, "\"cmd\":");
    host_json_str(out, h->cmd);
    fprintf(out, ",\"device\":");
    host_json_str(out, h->dev.name);
    fprintf(out, ",\"up_s\":%.3f,\"conns\":[", host_elapsed(h));
    struct json_rows t = {.out = out, .now = synack_loop_clock()};
    synack_foreach_conn(h->st, json_row, &t);
    fprintf(out, "],\"counters\":{");
    int n = 0;
    for (int c = 0; c < SYNACK_CTR_COUNT; c++) {
        uint64_t v = synack_counter_get(h->st, (synack_counter)c);
        if (!v)
            continue;
        fprintf(out, "%s", n++ ? "," : "");
        host_json_str(out, synack_counter_name((synack_counter)c));
        fprintf(out, ":%llu", (unsigned long long)v);
    }
    synack_loop_stats ls;
    synack_loop_get_stats(h->loop, &ls);
    fprintf(out,
            "},\"device_rx\":{\"frames\":%llu,\"bytes\":%llu},"
            "\"device_tx\":{\"frames\":%llu,\"bytes\":%llu,\"refused\":%llu}",
            (unsigned long long)ls.rx_frames, (unsigned long long)ls.rx_bytes,
            (unsigned long long)ls.tx_frames, (unsigned long long)ls.tx_bytes,
            (unsigned long long)ls.tx_errors);
    if (h->opt.loss > 0 || h->opt.reorder > 0 || h->opt.delay_us)
        fprintf(out,
                ",\"faults\":{\"tx_lost\":%llu,\"tx_reordered\":%llu,\"rx_lost\":%llu,"
                "\"rx_reordered\":%llu,\"hold_queue_drops\":%llu}",
                (unsigned long long)ls.tx_link.lost, (unsigned long long)ls.tx_link.reordered,
                (unsigned long long)ls.rx_link.lost, (unsigned long long)ls.rx_link.reordered,
                (unsigned long long)ls.held_drops);
    fprintf(out, "}\n");
}
