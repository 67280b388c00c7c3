/* SPDX-License-Identifier: MIT */
/* keepalive: RFC 1122 4.2.3.6 keep-alive probes. A peer that vanishes without a word is
 * detected after keepidle + keepcnt * keepintvl (7200 + 9 * 75 = 7875 s); a live peer
 * answers every probe and its connection stays. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "sim.h"

#define CLIENT2_ADDR 0xc0000203u /* 192.0.2.3 */

static void run(sim *w)
{
    sim_pair(w, NULL, NULL);
    int c2 = sim_add_host(w, "client2", CLIENT2_ADDR, NULL);
    synack_fault_config f;
    sim_default_link(&f);
    sim_path(w, c2, SIM_SERVER, &f);
    int ls = sim_listen(w, SIM_SERVER, SIM_PORT, 16);
    sim_setsockopt_int(w, SIM_SERVER, ls, SOL_SOCKET, SO_KEEPALIVE, "SO_KEEPALIVE", 1);
    int cs1, ss1, cs2, ss2;
    sim_open(w, SIM_CLIENT, SIM_SERVER, ls, SIM_SERVER_ADDR, SIM_PORT, &cs1, &ss1);
    sim_open(w, c2, SIM_SERVER, ls, SIM_SERVER_ADDR, SIM_PORT, &cs2, &ss2);
    /* The last thing the server heard from each client. */
    uint64_t heard1 = sim_state_time(w, SIM_SERVER, SYNACK_ESTABLISHED, 1);
    uint64_t heard2 = sim_state_time(w, SIM_SERVER, SYNACK_ESTABLISHED, 2);

    sim_run_until(w, 10 * SIM_S);
    sim_note(w, SIM_CLIENT,
             "the client vanishes without a word (power cut): nothing gets "
             "through any more");
    synack_fault_config dead = f;
    dead.blackhole = 1;
    sim_path(w, SIM_CLIENT, SIM_SERVER, &dead);
    sim_wait_state(w, SIM_SERVER, ss1, SYNACK_CLOSED, 9000 * SIM_S);
    char buf[16];
    long r1 = sim_recv(w, SIM_SERVER, ss1, buf, sizeof(buf));
    sim_run_until(w, 15000 * SIM_S);
    long r2 = sim_recv(w, SIM_SERVER, ss2, buf, sizeof(buf));

    synack_config cfg;
    sim_host_config(w, &cfg);
    uint64_t expect_abort = heard1 + cfg.keepidle_us + cfg.keepcnt * cfg.keepintvl_us;
    uint64_t abort_t = sim_state_time(w, SIM_SERVER, SYNACK_CLOSED, 1);
    int probes1 = 0, probes2 = 0, probe_ok = 1;
    const sim_item *it;
    for (int k = 1; (it = sim_nth_tx(w, SIM_SERVER, 0x17, 0x10, k)) != NULL; k++) {
        if (it->t < 1000 * SIM_S)
            continue;
        if (it->to == SIM_CLIENT) {
            uint64_t want = heard1 + cfg.keepidle_us + (uint64_t)probes1 * cfg.keepintvl_us;
            if (it->t != want)
                probe_ok = 0;
            probes1++;
        } else if (it->to == c2) {
            probes2++;
        }
    }
    char rs[32];
    sim_expect(w, probes1 == (int)cfg.keepcnt,
               "the server sends %u probes to the vanished client (sent %d)", cfg.keepcnt, probes1);
    sim_expect_exact(w, probe_ok, "the first after 7200 s of silence, then one every 75 s");
    sim_expect_exact(
        w, abort_t == expect_abort,
        "the server gives up at %.3f s = 7200 + 9 x 75 s after the last word (at %.3f s)",
        (double)expect_abort / 1e6, abort_t == UINT64_MAX ? -1.0 : (double)abort_t / 1e6);
    sim_expect(w, r1 == -ETIMEDOUT, "the server's application sees ETIMEDOUT (%s)",
               sim_ret_str(r1, rs, sizeof(rs)));
    sim_expect_exact(w, probes2 == 2 && sim_count_tx(w, c2, 0x17, 0x10) >= 3,
                     "client2 answers each of its probes (at 7200 s and 14400 s)");
    sim_expect(w, sim_sock_state(w, SIM_SERVER, ss2) == SYNACK_ESTABLISHED && r2 == -EAGAIN,
               "and its connection stays ESTABLISHED");
    (void)heard2;
}

const sim_scenario scn_keepalive = {
    .name = "keepalive",
    .summary = "a peer vanishes silently: probes at 7200 s then every 75 s, abort at 7875 s; "
               "a live peer answers",
    .explain = "An idle TCP connection sends nothing, so a peer that crashed or lost power without "
               "a FIN or RST is never noticed: the connection would stay ESTABLISHED forever. With "
               "SO_KEEPALIVE, after two hours of silence (RFC 1122's minimum default) TCP sends a "
               "probe: an ACK for a byte the peer already acknowledged, which any live peer must "
               "answer. A live peer does, and the connection stays. A vanished one does not; after "
               "nine unanswered probes 75 s apart the connection is aborted and the application "
               "gets ETIMEDOUT, 7875 s after the last sign of life. Applications that need to know "
               "sooner shorten TCP_KEEPIDLE or send their own heartbeats.",
    .run = run,
};
