/* SPDX-License-Identifier: MIT */
/* synack bench — the report (table or JSON) and the small helpers every benchmark uses:
 * clocks, CPU time, pinning, quantiles. */
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd_bench.h"

/* Copies src into dst; when it does not fit, ends it at the last whole word that does,
 * followed by "...", so no label is ever cut mid-word. */
static void copy_words(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n < cap) {
        memcpy(dst, src, n + 1);
        return;
    }
    size_t keep = cap > 4 ? cap - 4 : 0; /* room for "..." and the NUL */
    while (keep > 0 && src[keep] != ' ')
        keep--;
    while (keep > 0 && src[keep - 1] == ' ')
        keep--;
    memcpy(dst, src, keep);
    snprintf(dst + keep, cap - keep, "%s", "...");
}

bench_row *bench_row_add(bench_report *r, const char *metric, const char *unit, double synack,
                         double kernel, bench_better better)
{
    if (r->nrows >= BENCH_MAX_ROWS)
        return &r->rows[BENCH_MAX_ROWS - 1];
    bench_row *row = &r->rows[r->nrows++];
    memset(row, 0, sizeof(*row));
    copy_words(row->metric, sizeof row->metric, metric);
    copy_words(row->unit, sizeof row->unit, unit);
    row->synack = synack;
    row->kernel = kernel;
    row->better = better;
    row->met = -1;
    return row;
}

void bench_row_target(bench_row *row, const char *text, int met)
{
    copy_words(row->target, sizeof row->target, text);
    row->met = met;
}

void bench_note(bench_report *r, const char *fmt, ...)
{
    if (r->nnotes >= BENCH_MAX_NOTES)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    copy_words(r->notes[r->nnotes++], sizeof r->notes[0], line);
}

double bench_ratio(const bench_row *row)
{
    if (isnan(row->synack) || isnan(row->kernel) || row->synack <= 0 || row->kernel <= 0)
        return NAN;
    return row->better == BENCH_HIGHER ? row->synack / row->kernel : row->kernel / row->synack;
}

/* A number with 4 significant digits, or "-" when missing. */
static void fmt_num(char *buf, size_t cap, double v)
{
    if (isnan(v))
        snprintf(buf, cap, "-");
    else if (v != 0 && (fabs(v) >= 1e7 || fabs(v) < 1e-3))
        snprintf(buf, cap, "%.4g", v);
    else if (fabs(v) >= 1000)
        snprintf(buf, cap, "%.0f", v);
    else
        snprintf(buf, cap, "%.4g", v);
}

/* Writes s as a JSON string. */
static void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static void json_num(double v)
{
    if (isnan(v) || isinf(v))
        printf("null");
    else
        printf("%.6g", v);
}

static void print_json(const bench_report *r)
{
    printf("{\"bench\":");
    json_str(r->name);
    printf(",\"other\":");
    json_str(r->other ? r->other : "Linux kernel");
    printf(",\"rows\":[");
    for (int i = 0; i < r->nrows; i++) {
        const bench_row *row = &r->rows[i];
        printf("%s{\"metric\":", i ? "," : "");
        const char *m = row->metric;
        while (*m == ' ') /* the table's indentation of sub-rows */
            m++;
        json_str(m);
        printf(",\"unit\":");
        json_str(row->unit);
        printf(",\"synack\":");
        json_num(row->synack);
        printf(",\"kernel\":");
        json_num(row->kernel);
        printf(",\"ratio\":");
        json_num(bench_ratio(row));
        printf(",\"better\":\"%s\"", row->better == BENCH_HIGHER ? "higher" : "lower");
        if (row->other[0]) { /* the "kernel" value is this comparison's, not the report's */
            printf(",\"other\":");
            json_str(row->other);
        }
        if (row->target[0]) {
            printf(",\"target\":");
            json_str(row->target);
            printf(",\"met\":%s", row->met == 1 ? "true" : row->met == 0 ? "false" : "null");
        }
        printf("}");
    }
    printf("],\"notes\":[");
    for (int i = 0; i < r->nnotes; i++) {
        if (i)
            putchar(',');
        json_str(r->notes[i]);
    }
    printf("],\"ok\":%s}\n", r->failed ? "false" : "true");
}

#define METRIC_WIDTH 44

/* The length of the first line of s when wrapped at word boundaries to `width` columns
 * (a single longer word is kept whole); *next receives where the rest begins. */
static size_t wrap_line(const char *s, size_t width, const char **next)
{
    size_t n = strlen(s);
    if (n <= width) {
        *next = s + n;
        return n;
    }
    size_t cut = width;
    while (cut > 0 && s[cut] != ' ')
        cut--;
    if (cut == 0) /* one word longer than the column: keep it whole */
        cut = strcspn(s, " ");
    size_t len = cut;
    while (len > 0 && s[len - 1] == ' ')
        len--;
    while (s[cut] == ' ')
        cut++;
    *next = s + cut;
    return len;
}

static void print_table(const bench_report *r)
{
    const char *other = r->other ? r->other : "Linux kernel";
    printf("== bench %s ==\n", r->name);
    printf("%-*s %-9s %12s %12s %8s  %s\n", METRIC_WIDTH, "metric", "unit", "synack", other,
           "ratio", "target");
    for (int i = 0; i < r->nrows; i++) {
        const bench_row *row = &r->rows[i];
        char a[32], b[32], c[32];
        fmt_num(a, sizeof a, row->synack);
        fmt_num(b, sizeof b, row->kernel);
        double ratio = bench_ratio(row);
        if (isnan(ratio))
            snprintf(c, sizeof c, "-");
        else
            snprintf(c, sizeof c, "%.2fx", ratio);
        /* A long metric wraps onto lines of its own below, indented like its first. */
        const char *rest;
        size_t indent = strspn(row->metric, " ");
        int len = (int)wrap_line(row->metric, METRIC_WIDTH, &rest);
        printf("%-*.*s %-9s %12s %12s %8s  %s%s\n", METRIC_WIDTH, len, row->metric, row->unit, a, b,
               c, row->target,
               row->met == 1   ? " (met)"
               : row->met == 0 ? " (MISSED)"
                               : "");
        while (*rest) {
            const char *line = rest;
            len = (int)wrap_line(line, METRIC_WIDTH - indent - 2, &rest);
            printf("%*s%.*s\n", (int)indent + 2, "", len, line);
        }
    }
    for (int i = 0; i < r->nnotes; i++)
        printf("  note: %s\n", r->notes[i]);
    printf("  (ratio: how many times better synack is; > 1 means synack is ahead)\n\n");
}

void bench_print(const bench_report *r, int json)
{
    if (json)
        print_json(r);
    else
        print_table(r);
    fflush(stdout);
}

uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t bench_cpu_ns(void)
{
    /* Every thread of the process; precise, unlike getrusage's tick sampling. */
    struct timespec ts;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int bench_pin(int cpu)
{
    if (cpu < 0)
        return 0;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0)
        return -errno;
    return 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

double bench_quantile_u32(uint32_t *v, size_t n, double q)
{
    if (n == 0)
        return NAN;
    qsort(v, n, sizeof v[0], cmp_u32);
    size_t rank = (size_t)ceil(q * (double)n);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return v[rank - 1];
}
