/* SPDX-License-Identifier: MIT */
/* close: the four-way close, RFC 9293 3.6 Figure 12. The client closes first (active close)
 * and waits 2*MSL in TIME-WAIT; the server passes CLOSE-WAIT and LAST-ACK. */
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
    /* The server's application notices the end of the stream a while later. */
    sim_wait_state(w, SIM_SERVER, ss, SYNACK_CLOSE_WAIT, sim_now(w) + 300 * SIM_S);
    sim_run_for(w, 100 * SIM_MS);
    char buf[16];
    long eof = sim_recv(w, SIM_SERVER, ss, buf, sizeof(buf));
    sim_close(w, SIM_SERVER, ss);
    synack_config cfg;
    sim_host_config(w, &cfg);
    sim_run_for(w, 2 * cfg.msl_us + 10 * SIM_S);

    sim_expect(w, eof == 0, "the server reads end-of-stream (recv() = 0)");
    sim_expect_path(w, SIM_CLIENT, 0,
                    "CLOSED>SYN-SENT>ESTABLISHED>FIN-WAIT-1>FIN-WAIT-2>TIME-WAIT>CLOSED");
    sim_expect_path(w, SIM_SERVER, 0, "LISTEN>SYN-RECEIVED>ESTABLISHED>CLOSE-WAIT>LAST-ACK>CLOSED");
    sim_expect_flow(w, mark, "C:F.|S:.|S:F.|C:.");
    uint64_t tw = sim_state_time(w, SIM_CLIENT, SYNACK_TIME_WAIT, 1);
    uint64_t end = sim_state_time(w, SIM_CLIENT, SYNACK_CLOSED, 1);
    sim_expect(w, tw != UINT64_MAX && end != UINT64_MAX && end - tw == 2 * cfg.msl_us,
               "the client stays in TIME-WAIT for 2*MSL = %llu s (stayed %.3f s)",
               (unsigned long long)(2 * cfg.msl_us / SIM_S),
               tw == UINT64_MAX || end == UINT64_MAX ? -1.0 : (double)(end - tw) / 1e6);
    sim_expect(w, sim_count_conns(w, SIM_CLIENT) == 0 && sim_count_conns(w, SIM_SERVER) == 0,
               "no connection is left on either side");
}

const sim_scenario scn_close = {
    .name = "close",
    .summary = "four-way close: FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT (2*MSL) / CLOSE-WAIT, "
               "LAST-ACK",
    .explain = "Each direction of a TCP connection is closed on its own: a FIN says \"I will send "
               "no more\" and is acknowledged like data. The client closes first: FIN-WAIT-1 until "
               "its FIN is acknowledged, then FIN-WAIT-2 while the server may still send. The "
               "server's application reads end-of-stream (CLOSE-WAIT), closes, and waits for the "
               "acknowledgment of its own FIN (LAST-ACK). The side that closed first then waits "
               "in TIME-WAIT for twice the maximum segment lifetime: long enough to acknowledge "
               "the server's FIN again if its ACK was lost, and for any old segment of this "
               "connection to die out before the same addresses and ports can be used again.",
    .run = run,
};
