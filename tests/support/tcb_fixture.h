/* SPDX-License-Identifier: MIT */
/* Unit-test fixture for the engine's per-connection parts (congestion control, pacing,
 * rate sampling, the transmit log): a stack whose frames go nowhere and one bare connection
 * 192.0.2.2:80 <-> 192.0.2.1:5000 made by tcp_conn_new, which the test then drives by
 * calling the part under test directly. */
#ifndef SYNACK_TEST_TCB_FIXTURE_H
#define SYNACK_TEST_TCB_FIXTURE_H

#include <stdint.h>

#include "synack/synack.h"
#include "tcp/tcp.h"

typedef struct tcb_fixture {
    synack_stack *st; /* the stack, clock at the `now` given to tcb_fixture_init */
    tcp_conn *c;      /* the connection, SND.MSS as given */
} tcb_fixture;

/* cfg may be NULL (defaults); its address and output are replaced and it is made
 * deterministic (synack_config_deterministic with cfg->seed). Asserts that the stack
 * and the connection were made. */
void tcb_fixture_init(tcb_fixture *f, const synack_config *cfg, uint64_t now, uint16_t mss);
/* tcb_fixture_init with the default configuration seeded with `seed`, SND.MSS 1000: for
 * tests of what the seed and the clock decide (ISNs, SYN cookies). */
tcb_fixture tcb_fixture_seeded(uint64_t now, uint64_t seed);
void tcb_fixture_free(tcb_fixture *f);

#endif
