/* SPDX-License-Identifier: MIT */
/* synack.h spells poll(2)'s bits itself (SYNACK_POLLIN ...) so that it needs neither
 * <poll.h> nor _GNU_SOURCE; the stack sets revents with <poll.h>'s names. This holds the
 * two to the same values, so an application may use either. */
#include <poll.h>

#include "synack/synack.h"

#ifdef __linux__
_Static_assert(SYNACK_POLLIN == POLLIN, "SYNACK_POLLIN differs from <poll.h>");
_Static_assert(SYNACK_POLLOUT == POLLOUT, "SYNACK_POLLOUT differs from <poll.h>");
_Static_assert(SYNACK_POLLERR == POLLERR, "SYNACK_POLLERR differs from <poll.h>");
_Static_assert(SYNACK_POLLHUP == POLLHUP, "SYNACK_POLLHUP differs from <poll.h>");
_Static_assert(SYNACK_POLLNVAL == POLLNVAL, "SYNACK_POLLNVAL differs from <poll.h>");
_Static_assert(SYNACK_POLLRDHUP == POLLRDHUP, "SYNACK_POLLRDHUP differs from <poll.h>");
#else
#error "synack's socket layer and SYNACK_POLL* assume Linux's poll(2) bit values"
#endif
