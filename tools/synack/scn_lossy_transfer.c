/* SPDX-License-Identifier: MIT */
/* lossy-transfer: 1 MiB over a link with 10% loss and reordering arrives intact and in
 * order: retransmission (RFC 6298, RFC 5681 fast retransmit, RFC 6582 NewReno) and
 * reassembly at work. */
#include <poll.h>
#include <string.h>

#include "sim.h"

#define TOTAL (1u << 20)

static uint8_t pattern(uint64_t i)
{
    return (uint8_t)(i * 131u + (i >> 9) * 7u);
}

static void run(sim *w)
{
    sim_add_host(w, "client", SIM_CLIENT_ADDR, NULL);
    sim_add_host(w, "server", SIM_SERVER_ADDR, NULL);
    synack_fault_config f;
    sim_default_link(&f);
    f.delay_us = 5 * SIM_MS;
    f.loss = 0.10;
    f.reorder = 0.05;
    sim_path(w, SIM_CLIENT, SIM_SERVER, &f);
    int ls = sim_listen(w, SIM_SERVER, SIM_PORT, 16);
    int cs, ss;
    sim_open(w, SIM_CLIENT, SIM_SERVER, ls, SIM_SERVER_ADDR, SIM_PORT, &cs, &ss);

    synack_stack *cst = sim_stack(w, SIM_CLIENT), *sst = sim_stack(w, SIM_SERVER);
    uint64_t sent = 0, got = 0, bad = 0;
    uint64_t limit = sim_now(w) + 600 * SIM_S;
    uint8_t buf[16384];
    sim_quiet_begin(w);
    uint64_t t0 = sim_now(w);
    while (got < TOTAL && sim_now(w) < limit && ss >= 0) {
        synack_pollfd p = {.sock = cs, .events = POLLOUT};
        if (sent < TOTAL && synack_sock_poll(cst, &p, 1) > 0 && (p.revents & POLLOUT)) {
            size_t n = TOTAL - sent < sizeof(buf) ? (size_t)(TOTAL - sent) : sizeof(buf);
            for (size_t i = 0; i < n; i++)
                buf[i] = pattern(sent + i);
            ssize_t k = synack_send(cst, cs, buf, n, 0);
            if (k > 0)
                sent += (uint64_t)k;
        }
        synack_pollfd q = {.sock = ss, .events = POLLIN};
        while (synack_sock_poll(sst, &q, 1) > 0 && (q.revents & POLLIN)) {
            ssize_t k = synack_recv(sst, ss, buf, sizeof(buf), 0);
            if (k <= 0)
                break;
            for (ssize_t i = 0; i < k; i++)
                bad += buf[i] != pattern(got + (uint64_t)i);
            got += (uint64_t)k;
            q.revents = 0;
        }
        sim_run_for(w, 2 * SIM_MS);
    }
    double secs = (double)(sim_now(w) - t0) / 1e6;
    sim_quiet_end(w, "the 1 MiB transfer");
    sim_close(w, SIM_CLIENT, cs);
    sim_wait_state(w, SIM_SERVER, ss, SYNACK_CLOSE_WAIT, sim_now(w) + 300 * SIM_S);
    long eof = sim_recv(w, SIM_SERVER, ss, buf, sizeof(buf));
    sim_close(w, SIM_SERVER, ss);
    sim_wait_state(w, SIM_CLIENT, cs, SYNACK_CLOSED, sim_now(w) + 300 * SIM_S);
    sim_run_for(w, 120 * SIM_S); /* the server's LAST-ACK may need retransmissions */

    uint64_t rexmit = synack_counter_get(cst, SYNACK_CTR_RetransSegs);
    sim_expect(w, got == TOTAL && bad == 0,
               "all %u bytes arrive, in order and intact (%llu arrived, %llu differ)", TOTAL,
               (unsigned long long)got, (unsigned long long)bad);
    sim_expect(w, eof == 0, "then the server reads end-of-stream");
    sim_expect_exact(w, rexmit > 0, "lost segments were retransmitted (%llu)",
                     (unsigned long long)rexmit);
    sim_expect(w, sim_count_conns(w, SIM_SERVER) == 0,
               "the connection closes cleanly (the server keeps nothing)");
    sim_expect(w, got == TOTAL, "transfer took %.3f s of virtual time", secs);
}

const sim_scenario scn_lossy_transfer = {
    .name = "lossy-transfer",
    .summary = "1 MiB over a link with 10% loss and reordering arrives intact",
    .explain =
        "IP may lose, duplicate and reorder packets; TCP turns that into a reliable, ordered "
        "byte stream. Every byte has a sequence number; the receiver acknowledges the "
        "highest in-order byte (and, with SACK, what it holds beyond a gap) and keeps "
        "out-of-order data for reassembly. The sender resends what is not acknowledged: "
        "quickly after three duplicate ACKs (fast retransmit), or when its retransmission "
        "timer expires. Loss is also read as congestion, so the sender slows down, which is "
        "why the transfer takes seconds on a link that could carry it in milliseconds.",
    .run = run,
};
