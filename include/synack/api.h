/* SPDX-License-Identifier: MIT */
/* What the library exports. libsynack is compiled with hidden visibility, so a symbol is
 * visible to programs only when its declaration is marked here: every public header wraps
 * its declarations in SYNACK_API_BEGIN ... SYNACK_API_END. Internal functions (tcp_input,
 * ip_output, ...) stay inside the library and cannot collide with another stack's
 * (lwIP has the same names) in one process. */
#ifndef SYNACK_API_H
#define SYNACK_API_H

#if defined(__GNUC__) || defined(__clang__)
#define SYNACK_API __attribute__((visibility("default")))
#define SYNACK_API_BEGIN _Pragma("GCC visibility push(default)")
#define SYNACK_API_END _Pragma("GCC visibility pop")
#else
#define SYNACK_API
#define SYNACK_API_BEGIN
#define SYNACK_API_END
#endif

#endif
