/* SPDX-License-Identifier: MIT */
/* simultaneous-open: both sides connect to each other at the same moment from fixed ports;
 * the SYNs cross and both pass SYN-RECEIVED to ESTABLISHED (RFC 9293 3.5 Figure 7). */
#include <string.h>

#include "sim.h"

static void run(sim *w)
{
    sim_pair(w, NULL, NULL);
    size_t mark = sim_mark(w);
    int a = sim_connect_from(w, SIM_CLIENT, 5000, 0, SIM_SERVER_ADDR, 6000);
    int b = sim_connect_from(w, SIM_SERVER, 6000, 0, SIM_CLIENT_ADDR, 5000);
    sim_expect(w, a >= 0 && b >= 0, "both connect() calls start");
    sim_wait_state(w, SIM_CLIENT, a, SYNACK_ESTABLISHED, 300 * SIM_S);
    sim_wait_state(w, SIM_SERVER, b, SYNACK_ESTABLISHED, 300 * SIM_S);
    sim_run_for(w, 10 * SIM_MS);

    char pc[256], ps[256];
    sim_state_path(w, SIM_CLIENT, 0, pc, sizeof(pc));
    sim_state_path(w, SIM_SERVER, 0, ps, sizeof(ps));
    const char *want = "CLOSED>SYN-SENT>SYN-RECEIVED>ESTABLISHED";
    sim_expect(w,
               sim_sock_state(w, SIM_CLIENT, a) == SYNACK_ESTABLISHED &&
                   sim_sock_state(w, SIM_SERVER, b) == SYNACK_ESTABLISHED,
               "both sides reach ESTABLISHED");
    sim_expect_exact(w, strcmp(pc, want) == 0, "client passes %s (it went %s)", want, pc);
    sim_expect_exact(w, strcmp(ps, want) == 0, "server passes %s (it went %s)", want, ps);
    const sim_item *sa = sim_nth_tx(w, SIM_CLIENT, 0x12, 0x12, 1);
    const sim_item *sb = sim_nth_tx(w, SIM_SERVER, 0x12, 0x02, 1);
    sim_expect(w, sa && sb && sa->ev.u.seg.ack == sb->ev.u.seg.seq + 1,
               "each side's SYN-ACK acknowledges the other's SYN");
    sim_expect(w, sim_count_conns(w, SIM_CLIENT) == 1 && sim_count_conns(w, SIM_SERVER) == 1,
               "one connection on each side, no listener needed");
    sim_expect_exact(w, sim_state_time(w, SIM_CLIENT, SYNACK_ESTABLISHED, 1) <= 3 * SIM_MS,
                     "both are ESTABLISHED within a round trip and a half, with no "
                     "retransmission");
    (void)mark;
}

const sim_scenario scn_simultaneous_open = {
    .name = "simultaneous-open",
    .summary = "both sides connect() at once; SYNs cross; both pass SYN-RECEIVED",
    .explain = "TCP does not need a client and a server: a connection is just two endpoints that "
               "have exchanged ISNs. When both sides send a SYN at the same moment each receives a "
               "SYN while in SYN-SENT, moves to SYN-RECEIVED and answers with a SYN-ACK that "
               "repeats its own ISN and acknowledges the other's; each SYN-ACK then completes the "
               "handshake on the other side. The result is one connection, not two. It is rare on "
               "the Internet but used by peer-to-peer programs to get through NATs.",
    .run = run,
};
