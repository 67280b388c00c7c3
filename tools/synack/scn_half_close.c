/* SPDX-License-Identifier: MIT */
/* half-close: the client shuts down its sending direction (shutdown SHUT_WR) after its
 * request; the server reads to end-of-stream and still sends its answer, which the client
 * receives in FIN-WAIT-2 (RFC 9293 3.6: a half-closed connection). */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

#include "sim.h"

static void run(sim *w)
{
    sim_pair(w, NULL, NULL);
    int ls = sim_listen(w, SIM_SERVER, SIM_PORT, 16);
    int cs, ss;
    sim_open(w, SIM_CLIENT, SIM_SERVER, ls, SIM_SERVER_ADDR, SIM_PORT, &cs, &ss);
    static const char req[] = "sort these words please";
    sim_send(w, SIM_CLIENT, cs, req, sizeof(req) - 1);
    sim_shutdown(w, SIM_CLIENT, cs, SHUT_WR);
    sim_wait_state(w, SIM_SERVER, ss, SYNACK_CLOSE_WAIT, sim_now(w) + 300 * SIM_S);
    char buf[128] = {0};
    long n = sim_recv(w, SIM_SERVER, ss, buf, sizeof(buf));
    long eof = sim_recv(w, SIM_SERVER, ss, buf + 64, 16);
    sim_run_for(w, 5 * SIM_MS);
    static const char resp[] = "please sort these words";
    long sent = sim_send(w, SIM_SERVER, ss, resp, sizeof(resp) - 1);
    sim_wait_readable(w, SIM_CLIENT, cs, sim_now(w) + 300 * SIM_S);
    int client_state_during = sim_sock_state(w, SIM_CLIENT, cs);
    char got[64] = {0};
    long rn = sim_recv(w, SIM_CLIENT, cs, got, sizeof(got));
    sim_close(w, SIM_SERVER, ss);
    sim_wait_state(w, SIM_CLIENT, cs, SYNACK_TIME_WAIT, sim_now(w) + 300 * SIM_S);
    long ceof = sim_recv(w, SIM_CLIENT, cs, got + 40, 16);
    sim_close(w, SIM_CLIENT, cs);
    sim_run_for(w, 70 * SIM_S);

    sim_expect(w, n == (long)sizeof(req) - 1 && eof == 0,
               "the server reads the request, then end-of-stream");
    sim_expect(w, sent == (long)sizeof(resp) - 1,
               "the server can still send in CLOSE-WAIT (send() = %ld)", sent);
    sim_expect_exact(w, client_state_during == SYNACK_FIN_WAIT_2,
                     "the client is in FIN-WAIT-2 while the answer arrives (%s)",
                     synack_state_name((synack_tcp_state)client_state_during));
    sim_expect(w, rn == (long)sizeof(resp) - 1 && memcmp(got, resp, sizeof(resp) - 1) == 0,
               "the client receives the whole answer after its own FIN (recv() = %ld)", rn);
    sim_expect(w, ceof == 0, "then the client reads end-of-stream");
    sim_expect_path(w, SIM_CLIENT, 0,
                    "CLOSED>SYN-SENT>ESTABLISHED>FIN-WAIT-1>FIN-WAIT-2>TIME-WAIT>CLOSED");
    sim_expect_path(w, SIM_SERVER, 0, "LISTEN>SYN-RECEIVED>ESTABLISHED>CLOSE-WAIT>LAST-ACK>CLOSED");
}

const sim_scenario scn_half_close = {
    .name = "half-close",
    .summary = "client shuts down its sending side; the server still answers; then both close",
    .explain =
        "Closing is per direction. shutdown(SHUT_WR) sends a FIN, telling the server that no "
        "more data will come, while the client keeps reading. This is how a client says "
        "\"that is my whole request\" to a server that must see all of it before answering "
        "(sort, a compressor, an rsh command). The server reads end-of-stream, sends its "
        "answer from CLOSE-WAIT, then closes; the client receives the answer in FIN-WAIT-2 "
        "and then the server's FIN.",
    .run = run,
};
