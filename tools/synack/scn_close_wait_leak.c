/* SPDX-License-Identifier: MIT */
/* close-wait-leak: an application that never calls close() leaves every connection its
 * clients closed in CLOSE-WAIT, forever; the connection table shows them pile up until it
 * finally closes them. */
#include <stdio.h>

#include "sim.h"

#define N 4

struct table {
    int close_wait; /* connections in CLOSE-WAIT */
    int other;      /* connections in any other state but LISTEN */
};

static void visit(void *ctx, const synack_conn_view *v)
{
    struct table *t = ctx;
    if (v->state == SYNACK_CLOSE_WAIT)
        t->close_wait++;
    else if (v->state != SYNACK_LISTEN)
        t->other++;
}

static struct table table(sim *w)
{
    struct table t = {0, 0};
    synack_foreach_conn(sim_stack(w, SIM_SERVER), visit, &t);
    return t;
}

static void run(sim *w)
{
    sim_pair(w, NULL, NULL);
    int ls = sim_listen(w, SIM_SERVER, SIM_PORT, 16);
    sim_note(w, SIM_SERVER, "the server's application has a bug: it never calls close()");
    int ss[N];
    int grew = 1;
    size_t mem0 = synack_mem_in_use(sim_stack(w, SIM_SERVER));
    for (int i = 0; i < N; i++) {
        int cs;
        sim_open(w, SIM_CLIENT, SIM_SERVER, ls, SIM_SERVER_ADDR, SIM_PORT, &cs, &ss[i]);
        sim_close(w, SIM_CLIENT, cs);
        sim_run_for(w, 100 * SIM_MS);
        struct table t = table(w);
        sim_note(w, SIM_SERVER, "server's connection table: %d in CLOSE-WAIT", t.close_wait);
        if (t.close_wait != i + 1)
            grew = 0;
    }
    sim_run_until(w, 20 * SIM_S);
    struct table before = table(w);
    size_t mem_leak = synack_mem_in_use(sim_stack(w, SIM_SERVER));
    sim_note(w, SIM_SERVER,
             "20 s later: still %d in CLOSE-WAIT; the bug is fixed, the server "
             "closes them",
             before.close_wait);
    for (int i = 0; i < N; i++)
        sim_close(w, SIM_SERVER, ss[i]);
    sim_run_for(w, 30 * SIM_S); /* room for retransmissions on a lossy link */
    struct table after = table(w);
    size_t mem_end = synack_mem_in_use(sim_stack(w, SIM_SERVER));

    sim_expect_exact(w, grew, "CLOSE-WAIT grows by one with every client that closes: 1, 2, 3, 4");
    sim_expect(w, before.close_wait == N, "20 s later all %d are still there (%d)", N,
               before.close_wait);
    sim_expect(w, after.close_wait == 0 && after.other == 0,
               "after close() the table is empty again (%d CLOSE-WAIT, %d others)",
               after.close_wait, after.other);
    sim_expect(w, mem_leak > mem0 && mem_end < mem_leak,
               "the leaked connections held memory (%zu bytes more), released by close()",
               mem_leak - mem0);
    sim_expect(w, sim_count_tx(w, SIM_SERVER, 0x01, 0x01) >= N,
               "each close() sends the FIN the clients were waiting for");
}

const sim_scenario scn_close_wait_leak = {
    .name = "close-wait-leak",
    .summary = "a server that never calls close() leaves connections in CLOSE-WAIT, growing",
    .explain = "CLOSE-WAIT means: the peer has closed its side, and TCP is waiting for the local "
               "application to close too. TCP cannot decide that on its own, because the "
               "application may still want to send. No timer ends CLOSE-WAIT, so an application "
               "that forgets to close sockets after reading end-of-stream leaks one connection, "
               "with its buffers, per client, until it runs out of memory or file descriptors; "
               "`ss -tan state close-wait` (or synack's connection table) shows them pile up. The "
               "fix is in the application: close the socket when recv() returns 0.",
    .run = run,
};
