/* SPDX-License-Identifier: MIT */
/* syn-flood: spoofed SYNs fill a listener's SYN queue (half-open connections). Without SYN
 * cookies a legitimate client's SYNs are dropped; with them it is served; memory stays
 * bounded either way. */
#include "sim.h"

#define QUEUE 16                 /* SYN queue (and backlog) of both servers */
#define SPOOF_LO 0xc6336400u     /* 198.51.100.0, RFC 5737 TEST-NET-2 */
#define SPOOF_HI 0xc63364ffu     /* 198.51.100.255 */
#define SERVER2_ADDR 0xc0000203u /* 192.0.2.3 */

static void flood(sim *w, uint32_t dst, uint32_t *n)
{
    uint32_t i = (*n)++;
    sim_raw_seg syn = {.src = SPOOF_LO + 1 + (i * 37) % 254,
                       .dst = dst,
                       .sport = (uint16_t)(1024 + (i * 7919) % 60000),
                       .dport = SIM_PORT,
                       .seq = 0x9e3779b9u * (i + 1),
                       .flags = 0x02,
                       .win = 65535,
                       .mss = 1460,
                       .tag = "spoofed"};
    sim_inject(w, -1, 1 * SIM_MS, &syn);
}

static void run(sim *w)
{
    synack_config off, on;
    sim_host_config(w, &off);
    off.syncookies = 0;
    off.max_syn_backlog = QUEUE;
    on = off;
    on.syncookies = 1;
    sim_pair(w, NULL, &off);
    int srv2 = sim_add_host(w, "server2", SERVER2_ADDR, &on);
    synack_fault_config f;
    sim_default_link(&f);
    sim_path(w, SIM_CLIENT, srv2, &f);
    int ls1 = sim_listen(w, SIM_SERVER, SIM_PORT, QUEUE);
    int ls2 = sim_listen(w, srv2, SIM_PORT, QUEUE);
    sim_note(w, -1,
             "server: SYN cookies off; server2: SYN cookies on; both queue %d "
             "half-open connections",
             QUEUE);
    sim_note(w, -1, "spoofed SYNs from %s flood both servers (50 per second)",
             sim_ipv6(w) ? "2001:db8::c633:6400/120" : "198.51.100.0/24");

    sim_quiet_addrs(w, SPOOF_LO, SPOOF_HI);
    uint32_t n1 = 0, n2 = 0;
    size_t mem_early = 0;
    int c1 = -1, c2 = -1;
    for (uint64_t t = 0; t <= 15 * SIM_S; t += 20 * SIM_MS) {
        sim_run_until(w, t);
        flood(w, SIM_SERVER_ADDR, &n1);
        flood(w, SERVER2_ADDR, &n2);
        if (t == 1 * SIM_S) {
            mem_early = synack_mem_high_water(sim_stack(w, SIM_SERVER));
            c1 = sim_connect(w, SIM_CLIENT, SIM_SERVER_ADDR, SIM_PORT);
            c2 = sim_connect(w, SIM_CLIENT, SERVER2_ADDR, SIM_PORT);
        }
    }
    sim_run_until(w, 15 * SIM_S + 10 * SIM_MS);
    sim_quiet_end(w, "the flood");
    size_t mem_late = synack_mem_high_water(sim_stack(w, SIM_SERVER));
    int embryos = sim_count_state(w, SIM_SERVER, SYNACK_SYN_RECEIVED);
    int a1 = sim_accept(w, SIM_SERVER, ls1);
    int a2 = sim_accept(w, srv2, ls2);

    synack_stack *s1 = sim_stack(w, SIM_SERVER), *s2 = sim_stack(w, srv2);
    int syns = 0;
    const sim_item *it;
    for (int k = 1; (it = sim_nth_tx(w, SIM_CLIENT, 0x12, 0x02, k)) != NULL; k++)
        syns += it->to == SIM_SERVER;
    sim_expect(w, embryos == QUEUE,
               "the server's SYN queue is full of spoofed half-open "
               "connections (%d of %d)",
               embryos, QUEUE);
    sim_expect(w,
               sim_count_drop(w, SIM_SERVER, "syn-queue-full") > 0 &&
                   synack_counter_get(s1, SYNACK_CTR_ListenDrops) > 0,
               "further SYNs are dropped and counted (ListenDrops %llu)",
               (unsigned long long)synack_counter_get(s1, SYNACK_CTR_ListenDrops));
    sim_expect(w, a1 < 0 && sim_sock_state(w, SIM_CLIENT, c1) == SYNACK_SYN_SENT,
               "without cookies the legitimate client is not served: still in SYN-SENT "
               "after %d SYNs",
               syns);
    sim_expect(w, mem_late <= mem_early + mem_early / 10,
               "the server's memory stays bounded (%zu bytes at 1 s, %zu at 15 s, %u spoofed "
               "SYNs)",
               mem_early, mem_late, n1);
    if (synack_counter_get(s2, SYNACK_CTR_SyncookiesSent) > 0) {
        sim_expect_exact(w, a2 >= 0 && sim_sock_state(w, SIM_CLIENT, c2) == SYNACK_ESTABLISHED,
                         "with cookies the legitimate client is served (SyncookiesSent %llu)",
                         (unsigned long long)synack_counter_get(s2, SYNACK_CTR_SyncookiesSent));
        sim_expect(w, sim_count_state(w, srv2, SYNACK_SYN_RECEIVED) <= QUEUE,
                   "and server2's SYN queue stays bounded too");
    } else {
        sim_gap(w, "SYN cookies are not implemented yet (server2's SyncookiesSent stayed 0): "
                   "the cookies-on case cannot be shown, server2 behaves like server");
    }
}

const sim_scenario scn_syn_flood = {
    .name = "syn-flood",
    .summary = "spoofed SYNs fill the SYN queue; without cookies a real client is dropped, "
               "with cookies served",
    .explain = "A server must remember every SYN it answered until the handshake completes or "
               "times out (about a minute with five SYN-ACK retries). An attacker who sends SYNs "
               "from forged addresses never completes them, so a small flood keeps the bounded "
               "queue of half-open connections full, and a legitimate client's SYNs are dropped as "
               "if the server were down. Bounding the queue keeps the server's memory fixed, but "
               "only SYN cookies keep it reachable: when the queue is full the server encodes the "
               "connection's parameters in the ISN of its SYN-ACK and keeps nothing, and rebuilds "
               "the connection from the ACK that a real client returns.",
    .run = run,
};
