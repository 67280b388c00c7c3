/* SPDX-License-Identifier: MIT */
/* handshake-data: data queued during SYN-SENT rides on the third segment of the handshake
 * (RFC 9293 3.10.2: SEND in SYN-SENT queues the data; 3.10.7.3: it MAY go with the ACK). */
#include <errno.h>
#include <string.h>

#include "sim.h"

static const char request[] = "GET / HTTP/1.0\r\n\r\n";

static void run(sim *w)
{
    sim_pair(w, NULL, NULL);
    int ls = sim_listen(w, SIM_SERVER, SIM_PORT, 16);
    size_t mark = sim_mark(w);
    int cs = sim_connect(w, SIM_CLIENT, SIM_SERVER_ADDR, SIM_PORT);
    size_t len = sizeof(request) - 1;
    long n = sim_send(w, SIM_CLIENT, cs, request, len);
    int queued = n == (long)len;
    long first = n;
    if (!queued) {
        /* The stack refuses to queue before ESTABLISHED: send once it is. */
        sim_wait_state(w, SIM_CLIENT, cs, SYNACK_ESTABLISHED, 300 * SIM_S);
        n = sim_send(w, SIM_CLIENT, cs, request, len);
    }
    int ss = sim_wait_accept(w, SIM_SERVER, ls, 300 * SIM_S);
    sim_run_for(w, 100 * SIM_MS); /* past the server's delayed ACK */
    char buf[64] = {0};
    long got = ss >= 0 ? sim_recv(w, SIM_SERVER, ss, buf, sizeof(buf)) : -1;

    char r[32];
    sim_expect(w, queued, "send() in SYN-SENT queues the data (RFC 9293 3.10.2); it returned %s",
               sim_ret_str(first, r, sizeof(r)));
    const sim_item *third = sim_nth_tx(w, SIM_CLIENT, 0x12, 0x10, 1);
    sim_expect_exact(w, third && third->ev.u.seg.len == len,
                     "the client's third segment (its first ACK) carries the %zu request bytes "
                     "(it carried %u)",
                     len, third ? third->ev.u.seg.len : 0);
    sim_expect_flow(w, mark, "C:S|S:S.|C:P./18|S:.");
    sim_expect(w, got == (long)len && memcmp(buf, request, len) == 0,
               "the server delivers the request to its application (recv() = %ld)", got);
    sim_expect_path(w, SIM_SERVER, 0, "LISTEN>SYN-RECEIVED>ESTABLISHED");
}

const sim_scenario scn_handshake_data = {
    .name = "handshake-data",
    .summary = "the client's third handshake segment carries data; the server delivers it",
    .explain =
        "Data may not ride on a SYN without TCP Fast Open, because the server cannot yet tell "
        "a fresh SYN from an old duplicate. The third segment is different: it acknowledges "
        "the server's ISN, so the server knows the connection is new and can accept the data "
        "it carries. A client that writes while the handshake is in progress (an HTTP "
        "request, say) therefore saves a segment and gets its request to the server at the "
        "earliest moment allowed: one round trip after connect().",
    .run = run,
};
