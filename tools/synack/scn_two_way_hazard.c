/* SPDX-License-Identifier: MIT */
/* two-way-hazard: why the handshake has three segments — RFC 9293 3.5 Figure 8: an old
 * duplicate SYN reaches the server first; the client's RST to the SYN-ACK it did not ask
 * for tears the stale connection down, and the real one forms. */
#include <arpa/inet.h>
#include <string.h>

#include "sim.h"

static void run(sim *w)
{
    sim_pair(w, NULL, NULL);
    /* The client's real SYN is held 5 ms in the network, so the old one arrives first. */
    synack_fault_config f;
    sim_default_link(&f);
    f.rules[0] = (synack_fault_rule){
        .flags_mask = 0x12, .flags_value = 0x02, .nth = 1, .count = 1, .delay_us = 5 * SIM_MS};
    sim_link(w, SIM_CLIENT, SIM_SERVER, &f);
    int ls = sim_listen(w, SIM_SERVER, SIM_PORT, 16);
    sim_note(w, -1, "the client's SYN will be held up in the network for 5 ms");
    size_t mark = sim_mark(w);
    int cs = sim_connect(w, SIM_CLIENT, SIM_SERVER_ADDR, SIM_PORT);
    uint16_t me_port = sim_local_port(w, SIM_CLIENT, cs);
    const sim_item *syn = sim_nth_tx(w, SIM_CLIENT, 0x12, 0x02, 1);
    uint32_t iss = syn ? syn->ev.u.seg.seq : 0;

    /* An old duplicate of a SYN from an earlier incarnation of the same 4-tuple. */
    sim_note(w, -1, "an old duplicate SYN from an earlier connection reaches the server");
    sim_raw_seg old = {.src = SIM_CLIENT_ADDR,
                       .dst = SIM_SERVER_ADDR,
                       .sport = me_port,
                       .dport = SIM_PORT,
                       .seq = iss - 100000,
                       .flags = 0x02,
                       .win = 65535,
                       .mss = 1460,
                       .tag = "old SYN"};
    sim_inject(w, SIM_CLIENT, 1 * SIM_MS, &old);

    int ss = sim_wait_accept(w, SIM_SERVER, ls, 300 * SIM_S);
    sim_run_for(w, 10 * SIM_MS);

    const sim_item *sa1 = sim_nth_tx(w, SIM_SERVER, 0x12, 0x12, 1);
    sim_expect(w, sa1 && sa1->ev.u.seg.ack == old.seq + 1,
               "the server answers the old SYN with a SYN-ACK for it (ack = old ISN + 1)");
    const sim_item *rst = sim_nth_tx(w, SIM_CLIENT, 0x04, 0x04, 1);
    sim_expect(w, rst && sa1 && rst->ev.u.seg.seq == sa1->ev.u.seg.ack,
               "the client, which never sent that SYN, answers with RST (seq = its ack)");
    sim_expect(w, sim_state_entries(w, SIM_SERVER, SYNACK_CLOSED) >= 1,
               "the RST removes the server's half-open connection for the old SYN");
    sim_expect(w, ss >= 0, "the real connection forms and is accepted");
    sim_expect(w,
               sim_count_conns(w, SIM_SERVER) == 1 &&
                   sim_count_state(w, SIM_SERVER, SYNACK_ESTABLISHED) == 1,
               "the server holds exactly one connection, ESTABLISHED (it holds %d)",
               sim_count_conns(w, SIM_SERVER));
    const sim_item *sa2 = sim_nth_tx(w, SIM_SERVER, 0x12, 0x12, 2);
    sim_expect_exact(
        w, sa2 && sa2->ev.u.seg.ack == iss + 1,
        "the connection that forms is the client's (its SYN-ACK acknowledges ISN + 1)");
    sim_expect(w, sim_sock_state(w, SIM_CLIENT, cs) == SYNACK_ESTABLISHED,
               "the client is ESTABLISHED");
    sim_expect_exact(w, sim_state_time(w, SIM_CLIENT, SYNACK_ESTABLISHED, 1) == 7 * SIM_MS,
                     "the client is ESTABLISHED at 7 ms, with no retransmission");
    (void)mark;
}

const sim_scenario scn_two_way_hazard = {
    .name = "two-way-hazard",
    .summary = "an old duplicate SYN reaches the server; the client's RST stops a stale "
               "connection",
    .explain = "Segments can linger in a network and arrive long after they were sent. If a server "
               "opened a connection on every SYN, an old duplicate SYN would create a connection "
               "nobody asked for. The third segment of the handshake prevents it: the server's "
               "SYN-ACK acknowledges the old SYN's sequence number, which the client does not "
               "recognise as its own, so the client answers with a RST and the server drops the "
               "half-open connection. The client's real SYN then arrives and the handshake "
               "completes normally (RFC 9293 3.5, Figure 8).",
    .run = run,
};
