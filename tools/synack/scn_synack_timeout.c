/* SPDX-License-Identifier: MIT */
/* synack-timeout: the client's final ACK never arrives; the server retries its SYN-ACK with
 * backoff, then frees the half-open connection and tells the client with a RST. */
#include <errno.h>

#include "sim.h"

static void run(sim *w)
{
    sim_pair(w, NULL, NULL);
    synack_fault_config f;
    sim_default_link(&f);
    /* Every pure ACK from the client is lost. */
    f.rules[0] =
        (synack_fault_rule){.flags_mask = 0x1f, .flags_value = 0x10, .nth = 1, .count = UINT32_MAX};
    sim_link(w, SIM_CLIENT, SIM_SERVER, &f);
    sim_note(w, -1, "every pure ACK from the client is lost");
    int ls = sim_listen(w, SIM_SERVER, SIM_PORT, 16);
    int cs = sim_connect(w, SIM_CLIENT, SIM_SERVER_ADDR, SIM_PORT);
    sim_wait_state(w, SIM_CLIENT, cs, SYNACK_CLOSED, 1000 * SIM_S);
    sim_run_for(w, 10 * SIM_MS);
    char buf[16];
    long r = sim_recv(w, SIM_CLIENT, cs, buf, sizeof(buf));
    int as = sim_accept(w, SIM_SERVER, ls);

    synack_config cfg;
    sim_host_config(w, &cfg);
    uint64_t t = 0, rto = cfg.rto_initial_us;
    const sim_item *first = sim_nth_tx(w, SIM_SERVER, 0x12, 0x12, 1);
    uint64_t t0 = first ? first->t : 0;
    int ok = first != NULL;
    for (uint32_t i = 0; i <= cfg.synack_retries && ok; i++) {
        const sim_item *sa = sim_nth_tx(w, SIM_SERVER, 0x12, 0x12, (int)i + 1);
        if (!sa || sa->t != t0 + t)
            ok = 0;
        t += rto;
        rto = rto * 2 < cfg.rto_max_us ? rto * 2 : cfg.rto_max_us;
    }
    sim_expect(w, sim_count_tx(w, SIM_SERVER, 0x12, 0x12) == (int)cfg.synack_retries + 1,
               "the server sends 1 + %u SYN-ACKs (sent %d)", cfg.synack_retries,
               sim_count_tx(w, SIM_SERVER, 0x12, 0x12));
    sim_expect(w, ok, "SYN-ACKs leave at +0, 1, 3, 7, 15, 31 s: the RTO doubles each time");
    sim_expect_path(w, SIM_SERVER, 0, "LISTEN>SYN-RECEIVED>CLOSED");
    uint64_t freed = sim_state_time(w, SIM_SERVER, SYNACK_CLOSED, 1);
    sim_expect(w, freed == t0 + t,
               "the server frees the half-open connection at %.3f s (at %.3f s)",
               (double)(t0 + t) / 1e6, freed == UINT64_MAX ? -1.0 : (double)freed / 1e6);
    sim_expect(w, sim_count_tx(w, SIM_SERVER, 0x04, 0x04) == 1,
               "the server sends a RST when it gives up");
    sim_expect(w, sim_count_conns(w, SIM_SERVER) == 0 && as < 0,
               "nothing is left at the server: no connection, nothing to accept");
    char rs[32];
    sim_expect_exact(w, r == -ECONNRESET,
                     "the client, which thought it was connected, sees "
                     "ECONNRESET (recv() = %s)",
                     sim_ret_str(r, rs, sizeof(rs)));
}

const sim_scenario scn_synack_timeout = {
    .name = "synack-timeout",
    .summary = "the final ACK never arrives: SYN-ACK retried with backoff, then the half-open "
               "connection is freed with a RST",
    .explain =
        "The client is ESTABLISHED as soon as it gets the SYN-ACK, but the server only after "
        "the client's ACK arrives. When that ACK is lost the server cannot tell it from a "
        "SYN-ACK that was lost, so it retransmits the SYN-ACK with exponential backoff; each "
        "copy draws another ACK from the client, all lost here. After five retries (Linux's "
        "tcp_synack_retries) the server frees the half-open connection so that it does not "
        "hold memory forever, and sends a RST so the client learns that the connection it "
        "believes in is gone, instead of finding out at its first write.",
    .run = run,
};
