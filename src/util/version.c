/* SPDX-License-Identifier: MIT */
/* synack — the library's version, compiled in so that a program can ask the library it
 * actually loaded (a shared library may be newer than the headers it was built with). */
#include "synack/synack.h"
#include "synack/version.h"

const char *synack_version(void)
{
    return SYNACK_VERSION_STRING;
}
