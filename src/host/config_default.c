/* SPDX-License-Identifier: MIT */
/* synack_config_default: the core's defaults plus what only a host can give, the OS's
 * entropy. It lives here so that the core archive has no reference to getrandom. */
#include "synack/synack.h"

void synack_config_default(synack_config *cfg)
{
    if (!cfg)
        return;
    synack_config_init(cfg);
#ifdef SYNACK_HAVE_GETRANDOM
    cfg->entropy = synack_entropy_os; /* secure unless the program opts out by name */
#endif
}
