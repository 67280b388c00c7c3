/* SPDX-License-Identifier: MIT */
/* time-wait-reuse: a server that closes first piles up TIME-WAIT entries; restarting it,
 * bind() fails with EADDRINUSE unless SO_REUSEADDR is set; a client's new SYN reopens a
 * 4-tuple still in TIME-WAIT (RFC 6191: it is newer by its timestamp). */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "sim.h"

#define N 6
#define PORT0 50001

static void one(sim *w, int ls, uint16_t lport)
{
    int cs = sim_connect_from(w, SIM_CLIENT, lport, 0, SIM_SERVER_ADDR, SIM_PORT);
    int ss = sim_wait_accept(w, SIM_SERVER, ls, sim_now(w) + 300 * SIM_S);
    sim_run_for(w, 5 * SIM_MS);
    /* The server answers and closes first, as an HTTP/1.0 server does. */
    sim_close(w, SIM_SERVER, ss);
    sim_wait_state(w, SIM_CLIENT, cs, SYNACK_CLOSE_WAIT, sim_now(w) + 300 * SIM_S);
    char buf[16];
    sim_recv(w, SIM_CLIENT, cs, buf, sizeof(buf));
    sim_close(w, SIM_CLIENT, cs);
    sim_run_for(w, 50 * SIM_MS);
}

static void run(sim *w)
{
    sim_pair(w, NULL, NULL);
    int ls = sim_listen(w, SIM_SERVER, SIM_PORT, 16);
    one(w, ls, PORT0);
    sim_quiet_begin(w);
    for (int i = 1; i < N; i++)
        one(w, ls, (uint16_t)(PORT0 + i));
    sim_quiet_end(w, "5 more short connections, each closed first by the server");
    int tw = sim_count_state(w, SIM_SERVER, SYNACK_TIME_WAIT);
    sim_note(w, SIM_SERVER, "the server holds %d connections in TIME-WAIT", tw);

    sim_note(w, SIM_SERVER, "the server restarts: a new listening socket on port 80");
    sim_close(w, SIM_SERVER, ls);
    int s1 = sim_socket(w, SIM_SERVER);
    int b1 = sim_bind(w, SIM_SERVER, s1, SIM_PORT);
    sim_close(w, SIM_SERVER, s1);
    int s2 = sim_socket(w, SIM_SERVER);
    sim_setsockopt_int(w, SIM_SERVER, s2, SOL_SOCKET, SO_REUSEADDR, "SO_REUSEADDR", 1);
    int b2 = sim_bind(w, SIM_SERVER, s2, SIM_PORT);
    int l2 = sim_listen_sock(w, SIM_SERVER, s2, 16);
    sim_run_for(w, 100 * SIM_MS);

    sim_note(w, SIM_CLIENT,
             "the client connects again from port %d, a 4-tuple the server "
             "still holds in TIME-WAIT",
             PORT0);
    uint64_t reused0 = synack_counter_get(sim_stack(w, SIM_SERVER), SYNACK_CTR_TCPTimeWaitReused);
    int cs = sim_connect_from(w, SIM_CLIENT, PORT0, 0, SIM_SERVER_ADDR, SIM_PORT);
    int ss = sim_wait_accept(w, SIM_SERVER, s2, sim_now(w) + 300 * SIM_S);
    sim_run_for(w, 10 * SIM_MS);
    uint64_t reused =
        synack_counter_get(sim_stack(w, SIM_SERVER), SYNACK_CTR_TCPTimeWaitReused) - reused0;
    int tw_after = sim_count_state(w, SIM_SERVER, SYNACK_TIME_WAIT);

    char r[32];
    sim_expect_exact(w, tw == N, "TIME-WAIT entries pile up at the server, one per connection (%d)",
                     tw);
    sim_expect(w, b1 == -EADDRINUSE, "bind(:80) without SO_REUSEADDR fails with EADDRINUSE (%s)",
               sim_ret_str(b1, r, sizeof(r)));
    sim_expect(w, b2 == 0 && l2 == 0, "with SO_REUSEADDR bind() and listen() succeed");
    sim_expect(w, cs >= 0 && ss >= 0 && sim_sock_state(w, SIM_CLIENT, cs) == SYNACK_ESTABLISHED,
               "the SYN on the TIME-WAIT 4-tuple opens a new connection");
    sim_expect(w, reused == 1, "the server counts TCPTimeWaitReused (%llu)",
               (unsigned long long)reused);
    sim_expect_exact(w, tw_after == N - 1, "that TIME-WAIT entry is gone, the others stay (%d)",
                     tw_after);
}

const sim_scenario scn_time_wait_reuse = {
    .name = "time-wait-reuse",
    .summary = "TIME-WAIT piles up at a server that closes first; EADDRINUSE vs SO_REUSEADDR; "
               "a SYN reopens a TIME-WAIT 4-tuple",
    .explain = "Whoever closes first keeps the connection in TIME-WAIT for 2*MSL. A busy server "
               "that closes first therefore holds one entry per recent connection. Those entries "
               "still own port 80, so a restarted server's bind() fails with EADDRINUSE unless it "
               "sets SO_REUSEADDR, which lets a listener share the port with TIME-WAIT connections "
               "(never with a live one). TIME-WAIT does not lock the 4-tuple out either: a new SYN "
               "for it is accepted when it is clearly newer than the old connection, by its "
               "timestamp or a higher sequence number (RFC 6191, RFC 1122 4.2.2.13), and the "
               "TIME-WAIT entry makes way for the new connection.",
    .run = run,
};
