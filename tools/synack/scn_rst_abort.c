/* SPDX-License-Identifier: MIT */
/* rst-abort: close() with SO_LINGER {1, 0} aborts the connection (RFC 9293 3.10.5 ABORT):
 * a RST instead of a FIN, no TIME-WAIT, and the peer sees ECONNRESET. */
#include <errno.h>

#include "sim.h"

static void run(sim *w)
{
    sim_pair(w, NULL, NULL);
    int ls = sim_listen(w, SIM_SERVER, SIM_PORT, 16);
    int cs, ss;
    sim_open(w, SIM_CLIENT, SIM_SERVER, ls, SIM_SERVER_ADDR, SIM_PORT, &cs, &ss);
    static const char msg[] = "hello";
    sim_send(w, SIM_CLIENT, cs, msg, sizeof(msg) - 1);
    sim_wait_readable(w, SIM_SERVER, ss, sim_now(w) + 300 * SIM_S);
    sim_run_for(w, 100 * SIM_MS);
    char buf[32];
    long n = sim_recv(w, SIM_SERVER, ss, buf, sizeof(buf));
    size_t mark = sim_mark(w);
    sim_linger(w, SIM_CLIENT, cs, 1, 0);
    sim_close(w, SIM_CLIENT, cs);
    sim_run_for(w, 10 * SIM_MS);
    long r = sim_recv(w, SIM_SERVER, ss, buf, sizeof(buf));
    sim_close(w, SIM_SERVER, ss);
    sim_run_for(w, 10 * SIM_MS);

    char rs[32];
    sim_expect(w, n == (long)sizeof(msg) - 1, "the server reads the data first");
    sim_expect_flow(w, mark, "C:R.");
    sim_expect(w, sim_count_tx(w, SIM_CLIENT, 0x01, 0x01) == 0, "the client sends no FIN");
    sim_expect(w,
               sim_state_entries(w, SIM_CLIENT, SYNACK_TIME_WAIT) == 0 &&
                   sim_count_conns(w, SIM_CLIENT) == 0,
               "the client keeps no TIME-WAIT: the connection is gone at once");
    /* A RST is never retransmitted: on a lossy link the server may not hear it. */
    sim_expect_exact(w, r == -ECONNRESET, "the server's recv() fails with ECONNRESET (%s)",
                     sim_ret_str(r, rs, sizeof(rs)));
    sim_expect_exact(w, sim_count_conns(w, SIM_SERVER) == 0, "the server holds no connection");
}

const sim_scenario scn_rst_abort = {
    .name = "rst-abort",
    .summary = "close() with SO_LINGER {1,0} sends RST; the peer sees ECONNRESET",
    .explain = "close() normally sends a FIN after all queued data and lets the connection wind "
               "down. With SO_LINGER set to {on, 0 seconds} it aborts instead: queued data is "
               "thrown away, a RST is sent, and the connection is forgotten at once, with no "
               "TIME-WAIT. The peer learns of it as an error, ECONNRESET, not as end-of-stream. "
               "Servers sometimes do this to avoid TIME-WAIT; the price is that the peer cannot "
               "tell an abort from a crash, and data in flight is lost.",
    .run = run,
};
