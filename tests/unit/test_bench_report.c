/* SPDX-License-Identifier: MIT */
/* synack bench's report (tools/synack/cmd_bench_report.c, compiled into this test): a long
 * label is wrapped or shortened at word boundaries, never cut mid-word; the JSON report
 * carries it whole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cmd_bench.h"

/* The longest label `synack bench tap` writes. */
static const char long_metric[] = "kernel -> stack over TAP, synack offloads (other col: lwIP)";

/* Runs bench_print and returns what it wrote to stdout (caller frees). */
static char *printed(const bench_report *r, int json)
{
    fflush(stdout);
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    int saved = dup(STDOUT_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(fileno(tmp), STDOUT_FILENO) >= 0);
    bench_print(r, json);
    fflush(stdout);
    assert_true(dup2(saved, STDOUT_FILENO) >= 0);
    close(saved);
    long n = ftell(tmp);
    assert_true(n > 0);
    char *buf = calloc(1, (size_t)n + 1);
    assert_non_null(buf);
    rewind(tmp);
    assert_int_equal(fread(buf, 1, (size_t)n, tmp), (size_t)n);
    fclose(tmp);
    return buf;
}

static void one_row(bench_report *r, const char *metric)
{
    memset(r, 0, sizeof(*r));
    r->name = "tap";
    r->other = "Linux kernel";
    bench_row *row = bench_row_add(r, metric, "Gbit/s", 4.0, 1.0, BENCH_HIGHER);
    snprintf(row->other, sizeof row->other, "lwIP");
    bench_row_target(row, ">= 3x lwIP", 1);
}

static void test_table_wraps_at_words(void **state)
{
    (void)state;
    bench_report r;
    one_row(&r, long_metric);
    char *out = printed(&r, 0);
    /* The label's first words beside the figures, the rest whole on the next line. */
    assert_non_null(strstr(out, "\nkernel -> stack over TAP, synack offloads    Gbit/s "));
    assert_non_null(strstr(out, " (met)\n  (other col: lwIP)\n"));
    free(out);
}

static void test_json_keeps_the_label(void **state)
{
    (void)state;
    bench_report r;
    one_row(&r, long_metric);
    char *out = printed(&r, 1);
    assert_non_null(
        strstr(out, "\"metric\":\"kernel -> stack over TAP, synack offloads (other col: lwIP)\""));
    free(out);
}

static void test_too_long_ends_at_a_word(void **state)
{
    (void)state;
    char metric[200];
    snprintf(metric, sizeof metric, "%s%s", "a label far longer than any row can hold, ",
             "written to check where it is shortened: at a word, never inside one");
    bench_report r;
    one_row(&r, metric);
    /* Shortened to the last whole word that fits, marked with "...". */
    assert_string_equal(r.rows[0].metric, "a label far longer than any row can hold, written "
                                          "to check where it is shortened: at a word,...");
    bench_note(&r,
               "%0150d and then some words at the end of a very long note line that "
               "goes past two hundred characters",
               0);
    assert_string_equal(r.notes[0] + 150, " and then some words at the end of a very long...");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_wraps_at_words),
        cmocka_unit_test(test_json_keeps_the_label),
        cmocka_unit_test(test_too_long_ends_at_a_word),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
