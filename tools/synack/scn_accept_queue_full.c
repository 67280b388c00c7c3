/* SPDX-License-Identifier: MIT */
/* accept-queue-full: the application does not accept; completed connections fill the accept
 * queue (the listen backlog) and further SYNs are dropped until it accepts. */
#include "sim.h"

#define BACKLOG 2

static void run(sim *w)
{
    sim_pair(w, NULL, NULL);
    int ls = sim_listen(w, SIM_SERVER, SIM_PORT, BACKLOG);
    sim_note(w, SIM_SERVER, "the application is busy and does not call accept()");
    int cs[BACKLOG + 1];
    for (int i = 0; i <= BACKLOG; i++) {
        cs[i] = sim_connect(w, SIM_CLIENT, SIM_SERVER_ADDR, SIM_PORT);
        sim_run_for(w, 10 * SIM_MS);
    }
    sim_run_until(w, 2 * SIM_S);
    int stuck = sim_sock_state(w, SIM_CLIENT, cs[BACKLOG]) == SYNACK_SYN_SENT;
    int queued = sim_count_state(w, SIM_SERVER, SYNACK_ESTABLISHED);
    uint64_t overflows = synack_counter_get(sim_stack(w, SIM_SERVER), SYNACK_CTR_ListenOverflows);
    sim_note(w, SIM_SERVER, "the application accepts at last");
    uint64_t t_accept = sim_now(w);
    int a1 = sim_accept(w, SIM_SERVER, ls);
    int a2 = sim_accept(w, SIM_SERVER, ls);
    int a3 = sim_wait_accept(w, SIM_SERVER, ls, sim_now(w) + 300 * SIM_S);
    sim_run_for(w, 10 * SIM_MS);

    sim_expect_exact(w, queued == BACKLOG,
                     "%d connections complete and wait in the accept queue (%d)", BACKLOG, queued);
    sim_expect_exact(w, stuck, "the third client is still in SYN-SENT: its SYNs are dropped");
    sim_expect_exact(
        w, overflows >= 1 && sim_count_drop(w, SIM_SERVER, "accept-queue-full") >= 1,
        "the server counts ListenOverflows (%llu) and drops the SYNs as accept-queue-full",
        (unsigned long long)overflows);
    sim_expect(w, a1 >= 0 && a2 >= 0, "accept() returns the two queued connections");
    sim_expect(w, a3 >= 0 && sim_sock_state(w, SIM_CLIENT, cs[BACKLOG]) == SYNACK_ESTABLISHED,
               "the third connection forms at its next SYN retransmission, after the accept");
    sim_expect_exact(w, sim_state_time(w, SIM_CLIENT, SYNACK_ESTABLISHED, BACKLOG + 1) > t_accept,
                     "and not before the application made room");
    sim_expect_exact(w, sim_count_tx(w, SIM_CLIENT, 0x12, 0x02) > BACKLOG + 1,
                     "the third client retransmitted its SYN (%d SYNs in all)",
                     sim_count_tx(w, SIM_CLIENT, 0x12, 0x02));
}

const sim_scenario scn_accept_queue_full = {
    .name = "accept-queue-full",
    .summary = "the application does not accept: the accept queue fills and new SYNs are "
               "dropped",
    .explain = "The kernel (here, synack) completes handshakes on its own and queues the finished "
               "connections until the application calls accept(); listen()'s backlog bounds that "
               "queue. When it is full, a new SYN is dropped silently (and counted as "
               "ListenOverflows), as Linux does: accepting it could only end in a connection with "
               "nowhere to go. The client sees no answer and retransmits its SYN with the usual "
               "backoff; once the application accepts and makes room, the next retransmission "
               "gets through. A too-small backlog shows up as connections that take 1, 3 or 7 "
               "seconds to open under load.",
    .run = run,
};
