/* SPDX-License-Identifier: MIT */
/* refused: nobody listens on the port; the server's TCP answers the SYN with RST
 * (RFC 9293 3.10.7.1) and connect() fails with ECONNREFUSED. */
#include <errno.h>

#include "sim.h"

static void run(sim *w)
{
    sim_pair(w, NULL, NULL);
    sim_note(w, SIM_SERVER, "no socket listens on port 80");
    size_t mark = sim_mark(w);
    int cs = sim_connect(w, SIM_CLIENT, SIM_SERVER_ADDR, SIM_PORT);
    sim_wait_state(w, SIM_CLIENT, cs, SYNACK_CLOSED, 300 * SIM_S);
    int err = sim_sock_error(w, SIM_CLIENT, cs);
    sim_run_for(w, 10 * SIM_MS);

    char r[32];
    sim_expect(w, err == -ECONNREFUSED, "connect fails with ECONNREFUSED (SO_ERROR %s)",
               sim_ret_str(err, r, sizeof(r)));
    sim_expect_flow(w, mark, "C:S|S:R.");
    const sim_item *syn = sim_nth_tx(w, SIM_CLIENT, 0x02, 0x02, 1);
    const sim_item *rst = sim_nth_tx(w, SIM_SERVER, 0x04, 0x04, 1);
    sim_expect(w,
               syn && rst && rst->ev.u.seg.seq == 0 && (rst->ev.u.seg.flags & 0x10) &&
                   rst->ev.u.seg.ack == syn->ev.u.seg.seq + 1,
               "the RST has seq 0 and acknowledges the SYN (RFC 9293 3.10.7.1)");
    sim_expect_exact(w, sim_state_time(w, SIM_CLIENT, SYNACK_CLOSED, 1) == 2 * SIM_MS,
                     "connect fails after one round trip (2 ms)");
    sim_expect_path(w, SIM_CLIENT, 0, "CLOSED>SYN-SENT>CLOSED");
    sim_expect(w, sim_count_conns(w, SIM_SERVER) == 0, "the server keeps no state");
}

const sim_scenario scn_refused = {
    .name = "refused",
    .summary = "no listener: the SYN is answered with RST and connect fails ECONNREFUSED",
    .explain =
        "A host that receives a SYN for a port nobody listens on answers at once with a "
        "reset. Since the SYN carried no acknowledgment, the RST takes sequence number 0 and "
        "acknowledges the SYN, so the client can check that it answers its own SYN and not "
        "an old one (a RST that does not acknowledge the SYN is ignored in SYN-SENT). The "
        "client gives up after one round trip with ECONNREFUSED, and the server keeps no "
        "state at all.",
    .run = run,
};
