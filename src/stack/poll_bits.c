/* SPDX-License-Identifier: MIT */
/* synack.h spells poll(2)'s bits itself (SYNACK_POLLIN ...) so that it needs neither
 * <poll.h> nor _GNU_SOURCE; the stack sets revents with <poll.h>'s names. This holds the
 * two to the same values, so an application may use either. */
#include "synack/synack.h"
#include "util/sockdefs.h"

#ifdef SYNACK_HOST_SOCKETS
#ifdef __linux__
_Static_assert(SYNACK_POLLIN == POLLIN, "SYNACK_POLLIN differs from <poll.h>");
_Static_assert(SYNACK_POLLOUT == POLLOUT, "SYNACK_POLLOUT differs from <poll.h>");
_Static_assert(SYNACK_POLLERR == POLLERR, "SYNACK_POLLERR differs from <poll.h>");
_Static_assert(SYNACK_POLLHUP == POLLHUP, "SYNACK_POLLHUP differs from <poll.h>");
_Static_assert(SYNACK_POLLNVAL == POLLNVAL, "SYNACK_POLLNVAL differs from <poll.h>");
_Static_assert(SYNACK_POLLRDHUP == POLLRDHUP, "SYNACK_POLLRDHUP differs from <poll.h>");
_Static_assert(SYNACK_POLLPRI == POLLPRI, "SYNACK_POLLPRI differs from <poll.h>");
#else
#error "synack's socket layer and SYNACK_POLL* assume Linux's poll(2) bit values"
#endif
#endif

/* ISO C wants at least one declaration in a translation unit (bare metal has no check). */
typedef int synack_poll_bits_unit;
