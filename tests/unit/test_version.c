/* SPDX-License-Identifier: MIT */
/* synack_version() and synack/version.h agree with each other and with the one place the
 * version is written down, project(synack VERSION x.y.z) in CMakeLists.txt. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "synack/synack.h"
#include "synack/version.h"

/* The x.y.z after "project(synack VERSION " in the source tree's CMakeLists.txt. */
static void project_version(char *out, size_t cap)
{
    FILE *f = fopen(SYNACK_SOURCE_DIR "/CMakeLists.txt", "r");
    assert_non_null(f);
    char line[512];
    const char *key = "project(synack VERSION ";
    out[0] = '\0';
    while (fgets(line, sizeof line, f)) {
        const char *p = strstr(line, key);
        if (!p)
            continue;
        p += strlen(key);
        size_t n = strspn(p, "0123456789.");
        assert_true(n > 0 && n < cap);
        memcpy(out, p, n);
        out[n] = '\0';
        break;
    }
    fclose(f);
    assert_true(out[0] != '\0');
}

static void test_version_matches_project(void **state)
{
    (void)state;
    char want[32];
    project_version(want, sizeof want);
    assert_string_equal(synack_version(), want);
    assert_string_equal(SYNACK_VERSION_STRING, want);
}

static void test_version_parts(void **state)
{
    (void)state;
    char joined[48];
    snprintf(joined, sizeof joined, "%d.%d.%d", SYNACK_VERSION_MAJOR, SYNACK_VERSION_MINOR,
             SYNACK_VERSION_PATCH);
    assert_string_equal(joined, synack_version());
    /* static storage: the same pointer every call, nothing to free */
    assert_ptr_equal(synack_version(), synack_version());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_matches_project),
        cmocka_unit_test(test_version_parts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
