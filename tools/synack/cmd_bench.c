/* SPDX-License-Identifier: MIT */
/* synack bench NAME [options] — side-by-side figures for synack and the Linux kernel
 * (issue 6; docs/PERFORMANCE.md says what each benchmark does and how to reproduce it). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "cmd_bench.h"

typedef struct bench_entry {
    const char *name;                                 /* what the user types */
    int (*run)(const bench_opts *o, bench_report *r); /* the benchmark */
    const char *summary;                              /* one line for --list */
} bench_entry;

static const bench_entry benches[] = {
    {"throughput", bench_throughput,
     "one connection, bulk transfer, MTU 1500 and 65535, vs kernel loopback"},
    {"churn", bench_churn, "sequential connect/64 B request/64 B reply/close lifecycles"},
    {"latency", bench_latency, "one-byte ping-pong round trips, median and p99"},
    {"scale", bench_scale,
     "many concurrent connections: bytes per idle/TIME-WAIT connection, ping-pong cost"},
    {"ready", bench_ready,
     "100,000 idle connections + 1 busy: ready list vs sweeping every socket per wake-up"},
    {"tap", bench_tap, "kernel <-> synack (and <-> lwIP) bulk transfer over TAP (root)"},
    {"gateway", bench_gateway,
     "namespace <-> host: veth, `synack gateway`, slirp4netns, pasta side by side (root)"},
    {"size", bench_size, "text size of the core library at -Os"},
};
#define NBENCHES (sizeof benches / sizeof benches[0])

/* The 1-minute load average, NAN when unknown: the machine may be shared, and a figure
 * taken while other work runs is lower than the machine can do. */
static double load_average(void)
{
    FILE *f = fopen("/proc/loadavg", "r");
    double v = -1;
    if (f) {
        if (fscanf(f, "%lf", &v) != 1)
            v = -1;
        fclose(f);
    }
    return v;
}

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: synack bench NAME|all|--list [--json] [--quick] [--no-kernel]\n"
        "                    [--bytes N] [--count N] [--conns N] [--mtu N]\n"
        "                    [--sndbuf B] [--rcvbuf B] [--copy-link] [--zero-copy] [--step-us N]\n"
        "                    [--max-seconds S] [--cpu N] [--src DIR] [--cc CC]\n"
        "                    [--lwip-src DIR] [--runs N] [--seconds S]\n"
        "                    [--rows bulk1,bulk4,cps,rr,udp,http] [--no-rivals] [--no-threads]\n"
        "                    [--busy-poll US]\n"
        "benchmarks:\n");
    for (size_t i = 0; i < NBENCHES; i++)
        fprintf(out, "  %-11s %s\n", benches[i].name, benches[i].summary);
    fprintf(out, "sizes accept suffixes k, M, G (powers of 1024 for --bytes and buffers, of 1000\n"
                 "for counts). --quick scales every default down for a run of seconds.\n");
}

/* Parses a non-negative number with an optional k/M/G suffix (base 1024 or 1000). */
static int parse_size(const char *s, uint64_t base, uint64_t *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || v < 0)
        return -1;
    if (*end == 'k' || *end == 'K')
        v *= (double)base, end++;
    else if (*end == 'M')
        v *= (double)base * (double)base, end++;
    else if (*end == 'G')
        v *= (double)base * (double)base * (double)base, end++;
    if (*end || v > 1.8e19)
        return -1;
    *out = (uint64_t)v;
    return 0;
}

int cmd_bench(int argc, char **argv)
{
    bench_opts o;
    memset(&o, 0, sizeof o);
    o.cpu = -1;
    o.step_us = 1;
    o.gw_busy_poll = -1;
    const char *name = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t v = 0;
        if (strcmp(a, "--json") == 0) {
            o.json = 1;
        } else if (strcmp(a, "--quick") == 0) {
            o.quick = 1;
        } else if (strcmp(a, "--no-kernel") == 0) {
            o.no_kernel = 1;
        } else if (strcmp(a, "--no-rivals") == 0) {
            o.no_rivals = 1;
        } else if (strcmp(a, "--no-threads") == 0) {
            o.no_threads = 1;
        } else if (strcmp(a, "--copy-link") == 0) {
            o.copy_link = 1;
        } else if (strcmp(a, "--zero-copy") == 0) {
            bench_zero_copy = 1;
        } else if (strcmp(a, "--list") == 0) {
            for (size_t k = 0; k < NBENCHES; k++)
                printf("%-11s %s\n", benches[k].name, benches[k].summary);
            return 0;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (a[0] == '-' && a[1] == '-') {
            static const char *const valued[] = {
                "--bytes",   "--count",       "--conns", "--mtu",      "--sndbuf", "--rcvbuf",
                "--step-us", "--max-seconds", "--cpu",   "--src",      "--cc",     "--lwip-src",
                "--runs",    "--seconds",     "--rows",  "--busy-poll"};
            int known = 0;
            for (size_t k = 0; k < sizeof valued / sizeof valued[0]; k++)
                known |= strcmp(a, valued[k]) == 0;
            if (!known) {
                fprintf(stderr, "synack bench: unknown option '%s' (`synack bench --help`)\n", a);
                return 2;
            }
            if (!val) {
                fprintf(stderr, "synack bench: %s needs a value\n", a);
                return 2;
            }
            int bad = 0;
            if (strcmp(a, "--bytes") == 0)
                bad = parse_size(val, 1024, &o.bytes);
            else if (strcmp(a, "--count") == 0)
                bad = parse_size(val, 1000, &o.count);
            else if (strcmp(a, "--conns") == 0)
                bad = parse_size(val, 1000, &o.conns);
            else if (strcmp(a, "--mtu") == 0) {
                bad = parse_size(val, 1000, &v);
                bad = bad || v < 576 || v > 65535;
                o.mtu = (uint32_t)v;
            } else if (strcmp(a, "--sndbuf") == 0 || strcmp(a, "--rcvbuf") == 0) {
                bad = parse_size(val, 1024, &v);
                bad = bad || v < 2048 || v > (64u << 20);
                if (a[2] == 's')
                    o.sndbuf = (uint32_t)v;
                else
                    o.rcvbuf = (uint32_t)v;
            } else if (strcmp(a, "--step-us") == 0) {
                bad = parse_size(val, 1000, &o.step_us);
            } else if (strcmp(a, "--max-seconds") == 0) {
                char *end;
                o.max_seconds = strtod(val, &end);
                bad = *end != '\0' || o.max_seconds <= 0;
            } else if (strcmp(a, "--cpu") == 0) {
                bad = parse_size(val, 1000, &v);
                bad = bad || v > 1023;
                o.cpu = (int)v;
            } else if (strcmp(a, "--src") == 0) {
                o.src = val;
            } else if (strcmp(a, "--cc") == 0) {
                o.cc = val;
            } else if (strcmp(a, "--lwip-src") == 0) {
                o.lwip_src = val;
            } else if (strcmp(a, "--runs") == 0) {
                bad = parse_size(val, 1000, &o.runs);
                bad = bad || o.runs < 1 || o.runs > 99;
            } else if (strcmp(a, "--seconds") == 0) {
                bad = parse_size(val, 1000, &o.seconds);
                bad = bad || o.seconds < 1 || o.seconds > 600;
            } else if (strcmp(a, "--rows") == 0) {
                bad = bench_gateway_rows(val, &o.gw_rows);
            } else if (strcmp(a, "--busy-poll") == 0) {
                bad = parse_size(val, 1000, &v);
                bad = bad || v > 1000; /* the gateway's own bound */
                o.gw_busy_poll = (int)v;
            }
            if (bad) {
                fprintf(stderr, "synack bench: bad value for %s: %s\n", a, val);
                return 2;
            }
            i++;
        } else if (!name) {
            name = a;
        } else {
            fprintf(stderr, "synack bench: unexpected argument %s\n", a);
            return 2;
        }
    }
    if (!name) {
        usage(stderr);
        return 2;
    }
    int all = strcmp(name, "all") == 0;
    int found = 0, failed = 0;
    for (size_t i = 0; i < NBENCHES; i++) {
        if (!all && strcmp(name, benches[i].name) != 0)
            continue;
        found = 1;
        bench_report r;
        memset(&r, 0, sizeof r);
        r.name = benches[i].name;
        r.other = "Linux kernel";
        if (!o.json)
            fprintf(stderr, "synack bench: running %s...\n", r.name);
        double load = load_average();
        int rc = benches[i].run(&o, &r);
        if (load >= 0)
            bench_note(&r, "1-minute load average when it started: %.2f on %ld CPUs", load,
                       sysconf(_SC_NPROCESSORS_ONLN));
        if (rc != 0)
            r.failed = 1;
        bench_print(&r, o.json);
        failed |= r.failed;
    }
    if (!found) {
        fprintf(stderr, "synack bench: no benchmark named '%s'\n", name);
        usage(stderr);
        return 2;
    }
    return failed ? 1 : 0;
}
