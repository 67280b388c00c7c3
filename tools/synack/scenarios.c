/* SPDX-License-Identifier: MIT */
/* synack sim — the table of scenarios. Adding one: write tools/synack/scn_<name>.c defining
 * `const sim_scenario scn_<name>` and add a line here (the order is the --list order). */
#include <string.h>

#include "sim.h"

extern const sim_scenario scn_handshake, scn_handshake_data, scn_two_way_hazard, scn_syn_lost,
    scn_connect_timeout, scn_synack_timeout, scn_refused, scn_syn_flood, scn_accept_queue_full,
    scn_isn, scn_close, scn_close_merged, scn_half_close, scn_simultaneous_open,
    scn_simultaneous_close, scn_time_wait_lost_ack, scn_no_time_wait_hazard, scn_time_wait_reuse,
    scn_close_wait_leak, scn_keepalive, scn_rst_abort, scn_lossy_transfer, scn_fast_open;

const sim_scenario *const sim_scenarios[] = {
    &scn_handshake,
    &scn_handshake_data,
    &scn_two_way_hazard,
    &scn_syn_lost,
    &scn_connect_timeout,
    &scn_synack_timeout,
    &scn_refused,
    &scn_syn_flood,
    &scn_accept_queue_full,
    &scn_isn,
    &scn_close,
    &scn_close_merged,
    &scn_half_close,
    &scn_simultaneous_open,
    &scn_simultaneous_close,
    &scn_time_wait_lost_ack,
    &scn_no_time_wait_hazard,
    &scn_time_wait_reuse,
    &scn_close_wait_leak,
    &scn_keepalive,
    &scn_rst_abort,
    &scn_lossy_transfer,
    &scn_fast_open,
};
const size_t sim_scenario_count = sizeof sim_scenarios / sizeof sim_scenarios[0];

const sim_scenario *sim_find_scenario(const char *name)
{
    for (size_t i = 0; i < sim_scenario_count; i++)
        if (strcmp(sim_scenarios[i]->name, name) == 0)
            return sim_scenarios[i];
    return NULL;
}
