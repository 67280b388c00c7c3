/* SPDX-License-Identifier: MIT */
/* close-merged: the passive side closes at once, inside the delayed-ACK time, so its FIN
 * rides on the ACK of the client's FIN: three segments instead of four. */
#include "sim.h"

static void run(sim *w)
{
    sim_pair(w, NULL, NULL);
    int ls = sim_listen(w, SIM_SERVER, SIM_PORT, 16);
    int cs, ss;
    sim_open(w, SIM_CLIENT, SIM_SERVER, ls, SIM_SERVER_ADDR, SIM_PORT, &cs, &ss);
    sim_run_until(w, sim_now(w) + 100 * SIM_MS);
    size_t mark = sim_mark(w);
    sim_close(w, SIM_CLIENT, cs);
    /* The server's application reads end-of-stream and closes at once. */
    sim_wait_state(w, SIM_SERVER, ss, SYNACK_CLOSE_WAIT, sim_now(w) + 300 * SIM_S);
    char buf[16];
    long eof = sim_recv(w, SIM_SERVER, ss, buf, sizeof(buf));
    sim_close(w, SIM_SERVER, ss);
    synack_config cfg;
    sim_host_config(w, &cfg);
    sim_run_for(w, 2 * cfg.msl_us + 10 * SIM_S);

    sim_expect(w, eof == 0, "the server reads end-of-stream (recv() = 0)");
    sim_expect_flow(w, mark, "C:F.|S:F.|C:.");
    const sim_item *fin = sim_nth_tx(w, SIM_SERVER, 0x01, 0x01, 1);
    const sim_item *cfin = sim_nth_tx(w, SIM_CLIENT, 0x01, 0x01, 1);
    sim_expect(w,
               fin && cfin && (fin->ev.u.seg.flags & 0x10) &&
                   fin->ev.u.seg.ack == cfin->ev.u.seg.seq + 1,
               "the server's FIN also acknowledges the client's FIN");
    sim_expect_path(w, SIM_SERVER, 0, "LISTEN>SYN-RECEIVED>ESTABLISHED>CLOSE-WAIT>LAST-ACK>CLOSED");
    sim_expect(w,
               sim_state_entries(w, SIM_CLIENT, SYNACK_TIME_WAIT) == 1 &&
                   sim_count_conns(w, SIM_CLIENT) == 0,
               "the client passes TIME-WAIT and ends CLOSED");
}

const sim_scenario scn_close_merged = {
    .name = "close-merged",
    .summary = "passive side closes at once: its FIN rides on the ACK of the client's FIN",
    .explain =
        "A TCP need not acknowledge a segment at once: it may wait a little (the delayed-ACK "
        "time, 40 ms here as in Linux) hoping to send the acknowledgment together with data "
        "or a FIN. synack treats an arriving FIN that way. When the server's application "
        "reads end-of-stream and closes within that time, the ACK of the client's FIN and "
        "the server's own FIN travel in one segment, and the close takes three segments "
        "instead of four. The client then passes FIN-WAIT-2 only for an instant.",
    .run = run,
};
