/* SPDX-License-Identifier: MIT */
/* isn: initial sequence numbers are unpredictable (RFC 6528), and a blind RST with a
 * guessed sequence number is answered with a challenge ACK, not obeyed (RFC 5961 3.2). */
#include <arpa/inet.h>
#include <string.h>

#include "sim.h"

#define NCONN 3

static void run(sim *w)
{
    sim_pair(w, NULL, NULL);
    int attacker = sim_add_ghost(w, "attacker", 0xcb007142u, 0xcb007142u); /* 203.0.113.66 */
    int ls = sim_listen(w, SIM_SERVER, SIM_PORT, 16);
    int cs[NCONN], ss[NCONN];
    uint32_t isn_c[NCONN], isn_s[NCONN];
    for (int i = 0; i < NCONN; i++) {
        size_t mark = sim_mark(w);
        sim_open(w, SIM_CLIENT, SIM_SERVER, ls, SIM_SERVER_ADDR, SIM_PORT, &cs[i], &ss[i]);
        uint32_t id = sim_conn_after(w, SIM_CLIENT, mark);
        const sim_item *syn = NULL, *synack = NULL;
        for (int k = 1; (syn = sim_nth_tx(w, SIM_CLIENT, 0x12, 0x02, k)) != NULL; k++)
            if (syn->conn_id == id)
                break;
        for (int k = 1; (synack = sim_nth_tx(w, SIM_SERVER, 0x12, 0x12, k)) != NULL; k++)
            if (synack->conn_id == id)
                break;
        isn_c[i] = syn ? syn->ev.u.seg.seq : 0;
        isn_s[i] = synack ? synack->ev.u.seg.seq : 0;
        sim_run_for(w, 100 * SIM_MS);
    }
    sim_note(w, -1, "client ISNs %u, %u, %u; server ISNs %u, %u, %u", isn_c[0], isn_c[1], isn_c[2],
             isn_s[0], isn_s[1], isn_s[2]);

    /* The attacker knows the 4-tuple of connection 3 but not its sequence numbers. */
    uint16_t me_port = sim_local_port(w, SIM_CLIENT, cs[NCONN - 1]);
    /* Where the server expects the client's next byte (no data was sent yet). */
    uint32_t rcv_nxt = isn_c[NCONN - 1] + 1;

    /* Wait for a fresh challenge-ACK second (RFC 5961 7 rate limit). */
    sim_run_until(w, 2 * SIM_S);
    sim_note(w, attacker, "a blind attacker sends RSTs with guessed sequence numbers");
    uint64_t chack0 = synack_counter_get(sim_stack(w, SIM_SERVER), SYNACK_CTR_TCPChallengeACK);
    size_t before = sim_mark(w);
    sim_raw_seg far = {.src = SIM_CLIENT_ADDR,
                       .dst = SIM_SERVER_ADDR,
                       .sport = me_port,
                       .dport = SIM_PORT,
                       .seq = rcv_nxt + 0x40000000u,
                       .flags = 0x04,
                       .tag = "guess"};
    sim_inject(w, attacker, 1 * SIM_MS, &far);
    sim_run_for(w, 50 * SIM_MS);
    sim_raw_seg near = far;
    near.seq = rcv_nxt + 1000;
    near.tag = "guess";
    sim_inject(w, attacker, 1 * SIM_MS, &near);
    sim_run_for(w, 50 * SIM_MS);
    uint64_t chack =
        synack_counter_get(sim_stack(w, SIM_SERVER), SYNACK_CTR_TCPChallengeACK) - chack0;
    static const char ping[] = "still here?";
    sim_send(w, SIM_CLIENT, cs[NCONN - 1], ping, sizeof(ping) - 1);
    sim_run_for(w, 100 * SIM_MS);
    char buf[32];
    long n = sim_recv(w, SIM_SERVER, ss[NCONN - 1], buf, sizeof(buf));

    int distinct = 1;
    for (int i = 0; i < NCONN; i++)
        for (int j = i + 1; j < NCONN; j++)
            if (isn_c[i] == isn_c[j] || isn_s[i] == isn_s[j])
                distinct = 0;
    sim_expect(w, distinct, "every connection gets different ISNs");
    sim_expect(
        w, isn_c[1] - isn_c[0] != isn_c[2] - isn_c[1] && isn_s[1] - isn_s[0] != isn_s[2] - isn_s[1],
        "successive ISNs do not follow a fixed step");
    sim_expect(w, chack == 1, "the in-window guess draws exactly one challenge ACK (%llu)",
               (unsigned long long)chack);
    sim_expect(w, sim_count_tx(w, SIM_SERVER, 0x04, 0x04) == 0, "the server sends no RST");
    sim_expect(w,
               sim_sock_state(w, SIM_SERVER, ss[NCONN - 1]) == SYNACK_ESTABLISHED &&
                   sim_sock_state(w, SIM_CLIENT, cs[NCONN - 1]) == SYNACK_ESTABLISHED,
               "the connection survives on both sides");
    sim_expect_exact(w, n == (long)sizeof(ping) - 1, "and still carries data (recv() = %ld)", n);
    (void)before;
}

const sim_scenario scn_isn = {
    .name = "isn",
    .summary = "ISNs are unpredictable; a blind RST with a guessed sequence number draws a "
               "challenge ACK",
    .explain = "An attacker who can guess a connection's sequence numbers can inject data into it "
               "or reset it without seeing its packets. So the initial sequence number of every "
               "connection is a clock plus a keyed hash of its addresses and ports (RFC 6528): it "
               "moves with time, but differently for every connection, and cannot be predicted "
               "from earlier ones. Even a RST whose sequence number merely falls inside the window "
               "is not obeyed (RFC 5961): only an exact match resets the connection; anything else "
               "in the window draws a \"challenge ACK\" that tells the real peer where the "
               "sequence really is (a genuine peer would answer it with an exact RST), and RSTs "
               "outside the window are ignored.",
    .run = run,
};
