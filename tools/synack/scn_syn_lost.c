/* SPDX-License-Identifier: MIT */
/* syn-lost: the first SYN is lost; the retransmission timer (RFC 6298 2.1, initial RTO 1 s)
 * sends it again and the connection forms. */
#include "sim.h"

static void run(sim *w)
{
    sim_pair(w, NULL, NULL);
    synack_fault_config f;
    sim_default_link(&f);
    f.rules[0] = (synack_fault_rule){.flags_mask = 0x12, .flags_value = 0x02, .nth = 1, .count = 1};
    sim_link(w, SIM_CLIENT, SIM_SERVER, &f);
    int ls = sim_listen(w, SIM_SERVER, SIM_PORT, 16);
    size_t mark = sim_mark(w);
    int cs = sim_connect(w, SIM_CLIENT, SIM_SERVER_ADDR, SIM_PORT);
    int ss = sim_wait_accept(w, SIM_SERVER, ls, 300 * SIM_S);
    sim_run_for(w, 10 * SIM_MS);

    synack_config cfg;
    sim_host_config(w, &cfg);
    sim_expect(w, ss >= 0 && sim_sock_state(w, SIM_CLIENT, cs) == SYNACK_ESTABLISHED,
               "the connection forms in spite of the lost SYN");
    sim_expect(w, sim_count_tx(w, SIM_CLIENT, 0x12, 0x02) >= 2,
               "the client sends its SYN again (%d SYNs)", sim_count_tx(w, SIM_CLIENT, 0x12, 0x02));
    sim_expect_flow(w, mark, "C:Sx|C:S|S:S.|C:.");
    const sim_item *s2 = sim_nth_tx(w, SIM_CLIENT, 0x12, 0x02, 2);
    sim_expect_exact(w, s2 && s2->t == cfg.rto_initial_us,
                     "the second SYN leaves after the initial RTO, %llu ms (at %llu ms)",
                     (unsigned long long)(cfg.rto_initial_us / SIM_MS),
                     (unsigned long long)(s2 ? s2->t / SIM_MS : 0));
    const sim_item *s1 = sim_nth_tx(w, SIM_CLIENT, 0x12, 0x02, 1);
    sim_expect(w, s1 && s2 && s1->ev.u.seg.seq == s2->ev.u.seg.seq,
               "the retransmitted SYN carries the same ISN");
    sim_expect(w, sim_count_timer(w, SIM_CLIENT, "rexmit") >= 1,
               "the client's retransmission timer fired");
}

const sim_scenario scn_syn_lost = {
    .name = "syn-lost",
    .summary = "the first SYN is lost; it is retransmitted after the RTO and the connection "
               "forms",
    .explain =
        "TCP has no way to know that a segment was lost except that its acknowledgment does "
        "not come. Before the first round trip there is no RTT measurement, so the "
        "retransmission timer starts at the conservative 1 second of RFC 6298. When it fires "
        "the client sends the same SYN (same ISN) again; this one gets through and the "
        "handshake completes one second late. A lost SYN is why a connection to a busy or "
        "lossy server sometimes takes exactly one (or three, or seven) seconds.",
    .run = run,
};
