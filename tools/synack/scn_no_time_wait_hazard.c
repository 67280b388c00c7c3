/* SPDX-License-Identifier: MIT */
/* no-time-wait-hazard: what TIME-WAIT prevents. With MSL 0 the active closer forgets the
 * connection at once; when its last ACK is lost, a new connection on the same 4-tuple meets
 * the old one's retransmitted FIN and the peer's leftover LAST-ACK state. */
#include "sim.h"

#define LPORT 50000

struct timer_find {
    uint64_t at; /* when the server's retransmission timer fires */
};

static void find_rexmit(void *ctx, const synack_conn_view *v)
{
    struct timer_find *tf = ctx;
    if (v->state == SYNACK_LAST_ACK && v->timer && v->timer[0] == 'r')
        tf->at = v->timer_at;
}

static void run(sim *w)
{
    synack_config ccfg;
    sim_host_config(w, &ccfg);
    ccfg.msl_us = 0;
    sim_pair(w, &ccfg, NULL);
    synack_fault_config f;
    sim_default_link(&f);
    /* The client's pure ACKs: #1 ends the handshake, #2 acknowledges the server's FIN. */
    f.rules[0] = (synack_fault_rule){.flags_mask = 0x1f, .flags_value = 0x10, .nth = 2, .count = 1};
    sim_link(w, SIM_CLIENT, SIM_SERVER, &f);
    sim_note(w, SIM_CLIENT, "the client's MSL is 0: TIME-WAIT lasts no time at all");
    int ls = sim_listen(w, SIM_SERVER, SIM_PORT, 16);
    int cs = sim_connect_from(w, SIM_CLIENT, LPORT, 1, SIM_SERVER_ADDR, SIM_PORT);
    int ss = sim_wait_accept(w, SIM_SERVER, ls, 300 * SIM_S);
    sim_run_for(w, 100 * SIM_MS);
    sim_close(w, SIM_CLIENT, cs);
    sim_wait_state(w, SIM_SERVER, ss, SYNACK_CLOSE_WAIT, sim_now(w) + 300 * SIM_S);
    char buf[16];
    sim_recv(w, SIM_SERVER, ss, buf, sizeof(buf));
    sim_close(w, SIM_SERVER, ss);
    sim_wait_state(w, SIM_CLIENT, cs, SYNACK_CLOSED, sim_now(w) + 300 * SIM_S);
    sim_run_for(w, 1 * SIM_MS);
    uint64_t tw_in = sim_state_time(w, SIM_CLIENT, SYNACK_TIME_WAIT, 1);
    uint64_t tw_out = sim_state_time(w, SIM_CLIENT, SYNACK_CLOSED, 1);

    /* Reconnect from the same port just before the server's FIN comes again. */
    struct timer_find tf = {0};
    synack_foreach_conn(sim_stack(w, SIM_SERVER), find_rexmit, &tf);
    if (tf.at > sim_now(w) + SIM_MS / 2)
        sim_run_until(w, tf.at - SIM_MS / 2);
    sim_note(w, SIM_CLIENT, "a new connection on the same 4-tuple (port %d again)", LPORT);
    size_t mark = sim_mark(w);
    uint64_t t_new = sim_now(w);
    int cs2 = sim_connect_from(w, SIM_CLIENT, LPORT, 1, SIM_SERVER_ADDR, SIM_PORT);
    int ss2 = sim_wait_accept(w, SIM_SERVER, ls, sim_now(w) + 300 * SIM_S);
    sim_wait_state(w, SIM_CLIENT, cs2, SYNACK_ESTABLISHED, sim_now(w) + 300 * SIM_S);
    sim_run_for(w, 10 * SIM_MS);
    uint64_t t_est = sim_state_time(w, SIM_CLIENT, SYNACK_ESTABLISHED, 2);

    sim_expect_exact(w, tw_in != UINT64_MAX && tw_out == tw_in,
                     "the client leaves TIME-WAIT at once (MSL 0)");
    sim_expect_exact(w, cs2 >= 0, "bind() and connect() on the same 4-tuple succeed at once");
    int hit = 0;
    const sim_item *it;
    for (int k = 1; (it = sim_nth_tx(w, SIM_CLIENT, 0x04, 0x04, k)) != NULL; k++)
        hit += it->t >= t_new;
    sim_expect_exact(w, hit >= 1,
                     "the new connection meets segments of the old one and the client must "
                     "answer them with RST (%d RSTs)",
                     hit);
    sim_expect_exact(w, sim_count_tx(w, SIM_SERVER, 0x01, 0x01) >= 2,
                     "the server's retransmitted FIN reaches a client that has forgotten the "
                     "connection");
    sim_expect_path(w, SIM_SERVER, 0, "LISTEN>SYN-RECEIVED>ESTABLISHED>CLOSE-WAIT>LAST-ACK>CLOSED");
    sim_expect_exact(w, ss2 >= 0 && t_est != UINT64_MAX, "the new connection forms in the end");
    sim_expect_exact(w, t_est != UINT64_MAX && t_est - t_new >= 900 * SIM_MS,
                     "but only after a SYN retransmission: %.3f s instead of one round trip",
                     t_est == UINT64_MAX ? -1.0 : (double)(t_est - t_new) / 1e6);
    (void)mark;
}

const sim_scenario scn_no_time_wait_hazard = {
    .name = "no-time-wait-hazard",
    .summary = "MSL 0: a new connection on the same 4-tuple is hit by the old connection's "
               "FIN and RST",
    .explain =
        "TIME-WAIT keeps the memory of a closed connection for 2*MSL so that its last "
        "segments are dealt with by the connection they belong to. Here the client keeps "
        "none (MSL 0) and its last ACK is lost. The server, still in LAST-ACK, retransmits "
        "its FIN; it reaches the client's new connection on the same addresses and ports, "
        "which can only answer with a RST; the new SYN meets the old connection at the "
        "server and draws an ACK from the wrong sequence space; the old connection ends in a "
        "reset instead of a clean close, and the new one opens only after a retransmission. "
        "With a data segment instead of a FIN and unlucky sequence numbers, old data could "
        "even be accepted into the new connection. TIME-WAIT makes all of this impossible.",
    .run = run,
};
