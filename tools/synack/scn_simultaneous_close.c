/* SPDX-License-Identifier: MIT */
/* simultaneous-close: both sides close at the same moment; the FINs cross, both pass
 * CLOSING and both wait in TIME-WAIT (RFC 9293 3.6 Figure 13). */
#include <string.h>

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
    sim_close(w, SIM_SERVER, ss);
    synack_config cfg;
    sim_host_config(w, &cfg);
    sim_run_for(w, 2 * cfg.msl_us + 10 * SIM_S);

    char pc[256], ps[256];
    sim_state_path(w, SIM_CLIENT, 0, pc, sizeof(pc));
    sim_state_path(w, SIM_SERVER, 0, ps, sizeof(ps));
    const char *wc = "CLOSED>SYN-SENT>ESTABLISHED>FIN-WAIT-1>CLOSING>TIME-WAIT>CLOSED";
    const char *ws = "LISTEN>SYN-RECEIVED>ESTABLISHED>FIN-WAIT-1>CLOSING>TIME-WAIT>CLOSED";
    sim_expect_exact(w, strcmp(pc, wc) == 0, "client passes %s (it went %s)", wc, pc);
    sim_expect_exact(w, strcmp(ps, ws) == 0, "server passes %s (it went %s)", ws, ps);
    sim_expect(w,
               sim_state_entries(w, SIM_CLIENT, SYNACK_TIME_WAIT) == 1 &&
                   sim_state_entries(w, SIM_SERVER, SYNACK_TIME_WAIT) == 1,
               "both sides closed actively: both pass TIME-WAIT");
    sim_expect_flow(w, mark, "C:F.|S:F.|S:.|C:.");
    sim_expect(w, sim_count_conns(w, SIM_CLIENT) == 0 && sim_count_conns(w, SIM_SERVER) == 0,
               "both sides end CLOSED after 2*MSL");
}

const sim_scenario scn_simultaneous_close = {
    .name = "simultaneous-close",
    .summary = "both sides close at once: FINs cross, both pass CLOSING and TIME-WAIT",
    .explain = "When both applications close at the same moment, each side sends its FIN before it "
               "has seen the other's. Each then receives a FIN while its own is not yet "
               "acknowledged: that is the CLOSING state. The ACKs cross as well, and since both "
               "sides closed actively both wait in TIME-WAIT for 2*MSL. No side is the passive "
               "closer, so neither passes CLOSE-WAIT or LAST-ACK.",
    .run = run,
};
