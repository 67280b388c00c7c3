/* SPDX-License-Identifier: MIT */
/* The packetdrill shim (libsynack_packetdrill.so) loaded the way packetdrill loads it, for
 * the scenario tests that drive it directly (test_packetdrill_shim, test_packetdrill_v6).
 * Header-only: only those tests are built with the shim's pd_abi.h on their include path
 * and with libdl, so it cannot live in the support library every test links. */
#ifndef SYNACK_TEST_PD_FIXTURE_H
#define SYNACK_TEST_PD_FIXTURE_H

#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pd_abi.h"

#ifndef SYNACK_PACKETDRILL_SO
#define SYNACK_PACKETDRILL_SO "libsynack_packetdrill.so"
#endif

typedef struct pd_fixture {
    void *dl;         /* the loaded shim */
    pd_interface ifc; /* its function table */
    void *u;          /* ifc.userdata */
} pd_fixture;

/* The shim ($SYNACK_PACKETDRILL_SO, else the one this build made) initialised with flags,
 * as packetdrill's --so_flags; fails the running test if it does not load. */
static inline pd_fixture *pd_fixture_load(const char *flags)
{
    const char *path = getenv("SYNACK_PACKETDRILL_SO");
    if (!path || !*path)
        path = SYNACK_PACKETDRILL_SO;
    pd_fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!f->dl)
        fail_msg("dlopen %s: %s", path, dlerror());
    pd_interface_init_fn init;
    void *sym = dlsym(f->dl, "packetdrill_interface_init");
    assert_non_null(sym);
    memcpy(&init, &sym, sizeof(init));
    init(flags, &f->ifc);
    f->u = f->ifc.userdata;
    return f;
}

static inline void pd_fixture_unload(pd_fixture *f)
{
    f->ifc.free(f->u);
    dlclose(f->dl);
    free(f);
}

#endif
