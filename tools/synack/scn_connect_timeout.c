/* SPDX-License-Identifier: MIT */
/* connect-timeout: the server is a black hole; the SYN is retried with exponential backoff
 * (RFC 6298 5.5) and connect() fails with ETIMEDOUT after the last retry's timeout. */
#include <errno.h>

#include "sim.h"

static void run(sim *w)
{
    sim_pair(w, NULL, NULL);
    synack_fault_config f;
    sim_default_link(&f);
    f.blackhole = 1;
    sim_link(w, SIM_CLIENT, SIM_SERVER, &f);
    sim_note(w, -1, "the path to the server drops everything (a black hole)");
    int cs = sim_connect(w, SIM_CLIENT, SIM_SERVER_ADDR, SIM_PORT);
    sim_wait_state(w, SIM_CLIENT, cs, SYNACK_CLOSED, 1000 * SIM_S);
    int err = sim_sock_error(w, SIM_CLIENT, cs);

    /* The expected schedule: RTO doubles from rto_initial up to rto_max. */
    synack_config cfg;
    sim_host_config(w, &cfg);
    uint64_t t = 0, rto = cfg.rto_initial_us;
    int ok = 1;
    for (uint32_t i = 0; i <= cfg.syn_retries; i++) {
        const sim_item *syn = sim_nth_tx(w, SIM_CLIENT, 0x12, 0x02, (int)i + 1);
        if (!syn || syn->t != t)
            ok = 0;
        t += rto;
        rto = rto * 2 < cfg.rto_max_us ? rto * 2 : cfg.rto_max_us;
    }
    sim_expect(w, sim_count_tx(w, SIM_CLIENT, 0x12, 0x02) == (int)cfg.syn_retries + 1,
               "the client sends 1 + %u SYNs (sent %d)", cfg.syn_retries,
               sim_count_tx(w, SIM_CLIENT, 0x12, 0x02));
    sim_expect(w, ok, "SYNs leave at 0, 1, 3, 7, 15, 31, 63 s: the RTO doubles each time");
    uint64_t closed = sim_state_time(w, SIM_CLIENT, SYNACK_CLOSED, 1);
    sim_expect(w, closed == t, "connect gives up at %llu s (gave up at %.3f s)",
               (unsigned long long)(t / SIM_S), closed == UINT64_MAX ? -1.0 : (double)closed / 1e6);
    char r[32];
    sim_expect(w, err == -ETIMEDOUT, "the application sees ETIMEDOUT (SO_ERROR %s)",
               sim_ret_str(err, r, sizeof(r)));
}

const sim_scenario scn_connect_timeout = {
    .name = "connect-timeout",
    .summary = "server is a black hole: SYN retries with backoff; connect fails ETIMEDOUT "
               "at 127 s",
    .explain =
        "With no answer at all the client cannot tell a dead host from a slow or lossy path, "
        "so it keeps trying, but backs off exponentially (RFC 6298 5.5) so that a congested "
        "network is not flooded with retries: the SYN goes out at 0, 1, 3, 7, 15, 31 and 63 "
        "seconds. After the sixth retry (Linux's tcp_syn_retries) and its 64-second timeout "
        "the client gives up and connect() reports ETIMEDOUT, 127 seconds after it began. A "
        "host that answers with RST or an ICMP error fails at once instead.",
    .run = run,
};
