/* SPDX-License-Identifier: MIT */
/* time-wait-lost-ack: the active closer's last ACK is lost; the peer's FIN comes again,
 * TIME-WAIT answers it and restarts its 2*MSL timer (RFC 9293 3.10.7.4, TIME-WAIT). */
#include "sim.h"

static void run(sim *w)
{
    sim_pair(w, NULL, NULL);
    synack_fault_config f;
    sim_default_link(&f);
    /* The client's pure ACKs: #1 ends the handshake, #2 acknowledges the server's FIN. */
    f.rules[0] = (synack_fault_rule){.flags_mask = 0x1f, .flags_value = 0x10, .nth = 2, .count = 1};
    sim_link(w, SIM_CLIENT, SIM_SERVER, &f);
    int ls = sim_listen(w, SIM_SERVER, SIM_PORT, 16);
    int cs, ss;
    sim_open(w, SIM_CLIENT, SIM_SERVER, ls, SIM_SERVER_ADDR, SIM_PORT, &cs, &ss);
    sim_run_until(w, sim_now(w) + 100 * SIM_MS);
    size_t mark = sim_mark(w);
    sim_close(w, SIM_CLIENT, cs);
    sim_wait_state(w, SIM_SERVER, ss, SYNACK_CLOSE_WAIT, sim_now(w) + 300 * SIM_S);
    char buf[16];
    sim_recv(w, SIM_SERVER, ss, buf, sizeof(buf));
    sim_close(w, SIM_SERVER, ss);
    synack_config cfg;
    sim_host_config(w, &cfg);
    sim_run_for(w, 2 * cfg.msl_us + 20 * SIM_S);

    sim_expect_flow(w, mark, "C:F.|S:F.|C:.x|S:F.|C:.");
    int fins = sim_count_tx(w, SIM_SERVER, 0x01, 0x01);
    sim_expect_exact(w, fins >= 2, "the server sends its FIN again (%d FINs)", fins);
    const sim_item *last_fin = sim_nth_tx(w, SIM_SERVER, 0x01, 0x01, fins);
    uint64_t end = sim_state_time(w, SIM_CLIENT, SYNACK_CLOSED, 1);
    sim_expect_exact(w,
                     last_fin && last_fin->ndeliv && end != UINT64_MAX &&
                         end == last_fin->t_arrive + 2 * cfg.msl_us,
                     "TIME-WAIT restarts its 2*MSL when the FIN comes again: CLOSED at %.3f s "
                     "(%.3f s)",
                     last_fin ? (double)(last_fin->t_arrive + 2 * cfg.msl_us) / 1e6 : -1.0,
                     end == UINT64_MAX ? -1.0 : (double)end / 1e6);
    sim_expect_path(w, SIM_SERVER, 0, "LISTEN>SYN-RECEIVED>ESTABLISHED>CLOSE-WAIT>LAST-ACK>CLOSED");
    sim_expect(w, sim_state_entries(w, SIM_CLIENT, SYNACK_TIME_WAIT) == 1,
               "the client answers from TIME-WAIT, without leaving it");
    sim_expect_exact(w, sim_count_conns(w, SIM_CLIENT) == 0 && sim_count_conns(w, SIM_SERVER) == 0,
                     "both sides end CLOSED, the server by the ACK and not by a reset");
    sim_expect(w, sim_count_tx(w, SIM_CLIENT, 0x04, 0x04) == 0, "the client sends no RST");
}

const sim_scenario scn_time_wait_lost_ack = {
    .name = "time-wait-lost-ack",
    .summary = "the last ACK is lost; the FIN comes again; TIME-WAIT answers and restarts "
               "2*MSL",
    .explain = "The side that sends the last ACK of a connection cannot know whether it arrived: "
               "nothing acknowledges an ACK. If it is lost, the peer (in LAST-ACK) retransmits its "
               "FIN. This is the first reason for TIME-WAIT: the client still remembers the "
               "connection, so it acknowledges the FIN again and restarts its 2*MSL wait, and the "
               "server closes cleanly. Without TIME-WAIT the client would answer the FIN with a "
               "RST and the server would see an error on a connection that ended normally.",
    .run = run,
};
