/* SPDX-License-Identifier: MIT */
/* handshake: the three-way handshake, RFC 9293 3.5 Figure 6. */
#include "sim.h"

static void run(sim *w)
{
    sim_pair(w, NULL, NULL);
    int ls = sim_listen(w, SIM_SERVER, SIM_PORT, 16);
    size_t mark = sim_mark(w);
    int cs = sim_connect(w, SIM_CLIENT, SIM_SERVER_ADDR, SIM_PORT);
    sim_expect(w, ls >= 0 && cs >= 0, "listen() and connect() succeed");
    int ss = sim_wait_accept(w, SIM_SERVER, ls, 300 * SIM_S);
    sim_run_for(w, 10 * SIM_MS);

    sim_expect(w, ss >= 0, "the server accepts the connection");
    sim_expect_path(w, SIM_CLIENT, 0, "CLOSED>SYN-SENT>ESTABLISHED");
    sim_expect_path(w, SIM_SERVER, 0, "LISTEN>SYN-RECEIVED>ESTABLISHED");
    sim_expect_flow(w, mark, "C:S|S:S.|C:.");
    uint64_t tc = sim_state_time(w, SIM_CLIENT, SYNACK_ESTABLISHED, 1);
    uint64_t ts = sim_state_time(w, SIM_SERVER, SYNACK_ESTABLISHED, 1);
    sim_expect_exact(w, tc == 2 * SIM_MS && ts == 3 * SIM_MS,
                     "client ESTABLISHED after one round trip (2 ms), server after 1.5 (3 ms); "
                     "got %llu us and %llu us",
                     (unsigned long long)tc, (unsigned long long)ts);
    const sim_item *syn = sim_nth_tx(w, SIM_CLIENT, 0x12, 0x02, 1);
    const sim_item *synack = sim_nth_tx(w, SIM_SERVER, 0x12, 0x12, 1);
    sim_expect(w, syn && synack && synack->ev.u.seg.ack == syn->ev.u.seg.seq + 1,
               "the SYN-ACK acknowledges the client's ISN + 1");
}

const sim_scenario scn_handshake = {
    .name = "handshake",
    .summary = "three-way handshake: SYN, SYN-ACK, ACK; both sides reach ESTABLISHED",
    .explain = "Each side picks its own initial sequence number (ISN) and must learn the other's "
               "before data can be trusted. The client's SYN carries its ISN; the server's SYN-ACK "
               "acknowledges it (ack = ISN + 1, because a SYN occupies one sequence number) and "
               "carries the server's ISN; the client's ACK acknowledges that. Three segments are "
               "the fewest that let both sides confirm that the other received their ISN. The "
               "client is ESTABLISHED after one round trip, the server half a round trip later.",
    .run = run,
};
