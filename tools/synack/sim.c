/* SPDX-License-Identifier: MIT */
/* synack sim — the command line: `synack sim --list`, `synack sim NAME [options]`, and
 * `synack demo` (what `make demo` runs). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "sim_run.h"

void cmd_sim_usage(void)
{
    printf("usage: synack sim --list\n"
           "       synack sim NAME [--seed N] [--format text|json|mermaid|svg] [--pcap FILE]\n"
           "                       [--loss P] [--reorder P] [--dup P] [--delay MS] [--jitter MS]\n"
           "                       [--rate MBIT] [--cc cubic|newreno|bbr] [--ipv6]\n"
           "\n"
           "Plays a TCP connection-management scenario between simulated hosts in virtual\n"
           "time and draws it. The same seed gives byte-identical output.\n"
           "  --list         scenario names with a summary, one per line\n"
           "  --seed N       seed of the network's and the hosts' randomness (default 1)\n"
           "  --format F     text (default): timeline and sequence diagram; json: the event\n"
           "                 stream, one object per line; mermaid: a sequenceDiagram; svg: a\n"
           "                 drawing\n"
           "  --pcap FILE    also write every frame the hosts exchanged (raw IPv4 pcap,\n"
           "                 raw IPv6 with --ipv6)\n"
           "  --loss P, --reorder P, --dup P   probabilities in [0,1] on every link\n"
           "  --delay MS, --jitter MS          one-way delay and its jitter, milliseconds\n"
           "  --rate MBIT    bottleneck rate of every link, Mbit/s\n"
           "These six replace the scenario's own link settings; checks that only the\n"
           "scenario's links guarantee are then reported as skipped.\n"
           "  --cc NAME      every host's congestion control (default cubic; bbr paces)\n"
           "  --ipv6         the hosts talk over IPv6: 192.0.2.N is 2001:db8::N, any other\n"
           "                 address a.b.c.d of a scenario is 2001:db8:: with a.b.c.d as its\n"
           "                 last 32 bits\n"
           "Exit codes: 0 the stack behaved as expected, 1 a check failed (named on stderr),\n"
           "2 usage error.\n");
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "synack sim: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(`synack help sim` shows the usage)\n");
    return 2;
}

static int parse_prob(const char *opt, const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end != '\0' || !(v >= 0.0 && v <= 1.0)) {
        fprintf(stderr, "synack sim: %s wants a probability in [0,1], not '%s'\n", opt, s);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_nonneg(const char *opt, const char *s, double max, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end != '\0' || !(v >= 0.0 && v <= max) || isnan(v)) {
        fprintf(stderr, "synack sim: %s wants a number from 0 to %g, not '%s'\n", opt, max, s);
        return -1;
    }
    *out = v;
    return 0;
}

static void list_scenarios(void)
{
    size_t w = 0;
    for (size_t i = 0; i < sim_scenario_count; i++)
        if (strlen(sim_scenarios[i]->name) > w)
            w = strlen(sim_scenarios[i]->name);
    for (size_t i = 0; i < sim_scenario_count; i++)
        printf("%-*s  %s\n", (int)w, sim_scenarios[i]->name, sim_scenarios[i]->summary);
}

int cmd_sim(int argc, char **argv)
{
    sim_options o;
    memset(&o, 0, sizeof(o));
    o.seed = 1;
    o.format = SIM_FMT_TEXT;
    const char *name = NULL;
    int list = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        char optname[32];
        if (strncmp(a, "--", 2) == 0 && a[2]) {
            /* --opt=value or --opt value */
            const char *eq = strchr(a, '=');
            size_t n = eq ? (size_t)(eq - a) : strlen(a);
            if (n >= sizeof(optname))
                return usage_error("unknown option '%s'", a);
            memcpy(optname, a, n);
            optname[n] = '\0';
            if (strcmp(optname, "--ipv6") == 0) {
                if (eq)
                    return usage_error("%s takes no value", optname);
                o.ipv6 = 1;
                continue;
            }
            if (strcmp(optname, "--list") == 0 || strcmp(optname, "--help") == 0) {
                if (eq)
                    return usage_error("%s takes no value", optname);
                if (optname[2] == 'h') {
                    cmd_sim_usage();
                    return 0;
                }
                list = 1;
                continue;
            }
            static const char *const valued[] = {"--seed",    "--format", "--pcap",  "--loss",
                                                 "--reorder", "--dup",    "--delay", "--jitter",
                                                 "--rate",    "--cc"};
            int known = 0;
            for (size_t k = 0; k < sizeof valued / sizeof valued[0]; k++)
                known |= strcmp(optname, valued[k]) == 0;
            if (!known)
                return usage_error("unknown option '%s'", optname);
            if (eq) {
                val = eq + 1;
            } else {
                if (i + 1 >= argc)
                    return usage_error("%s needs a value", optname);
                val = argv[++i];
            }
            double d = 0.0;
            if (strcmp(optname, "--seed") == 0) {
                char *end;
                errno = 0;
                unsigned long long v = strtoull(val, &end, 10);
                if (errno || end == val || *end != '\0' || val[0] == '-')
                    return usage_error("--seed wants a non-negative integer, not '%s'", val);
                o.seed = v;
            } else if (strcmp(optname, "--format") == 0) {
                if (strcmp(val, "text") == 0)
                    o.format = SIM_FMT_TEXT;
                else if (strcmp(val, "json") == 0)
                    o.format = SIM_FMT_JSON;
                else if (strcmp(val, "mermaid") == 0)
                    o.format = SIM_FMT_MERMAID;
                else if (strcmp(val, "svg") == 0)
                    o.format = SIM_FMT_SVG;
                else
                    return usage_error("--format is text, json, mermaid or svg, not '%s'", val);
            } else if (strcmp(optname, "--pcap") == 0) {
                if (!val[0])
                    return usage_error("--pcap needs a file name%s", "");
                o.pcap = val;
            } else if (strcmp(optname, "--loss") == 0) {
                if (parse_prob(optname, val, &o.loss))
                    return 2;
                o.has_loss = 1;
            } else if (strcmp(optname, "--reorder") == 0) {
                if (parse_prob(optname, val, &o.reorder))
                    return 2;
                o.has_reorder = 1;
            } else if (strcmp(optname, "--dup") == 0) {
                if (parse_prob(optname, val, &o.dup))
                    return 2;
                o.has_dup = 1;
            } else if (strcmp(optname, "--delay") == 0) {
                if (parse_nonneg(optname, val, 3600e3, &d))
                    return 2;
                o.delay_us = (uint64_t)llround(d * 1000.0);
                o.has_delay = 1;
            } else if (strcmp(optname, "--jitter") == 0) {
                if (parse_nonneg(optname, val, 3600e3, &d))
                    return 2;
                o.jitter_us = (uint64_t)llround(d * 1000.0);
                o.has_jitter = 1;
            } else if (strcmp(optname, "--rate") == 0) {
                if (parse_nonneg(optname, val, 1e6, &d))
                    return 2;
                if (d <= 0.0)
                    return usage_error("--rate must be above 0, not '%s'", val);
                o.rate_bps = (uint64_t)llround(d * 1e6);
                o.has_rate = 1;
            } else if (strcmp(optname, "--cc") == 0) {
                if (strcmp(val, "cubic") != 0 && strcmp(val, "newreno") != 0 &&
                    strcmp(val, "bbr") != 0)
                    return usage_error("--cc is cubic, newreno or bbr, not '%s'", val);
                o.cc = val;
            }
        } else if (strcmp(a, "-h") == 0) {
            cmd_sim_usage();
            return 0;
        } else if (a[0] == '-' && a[1]) {
            return usage_error("unknown option '%s'", a);
        } else if (!name) {
            name = a;
        } else {
            return usage_error("one scenario at a time ('%s' is extra)", a);
        }
    }
    if (list) {
        if (name)
            return usage_error("--list takes no scenario name ('%s')", name);
        list_scenarios();
        return 0;
    }
    if (!name)
        return usage_error("which scenario? %s", "`synack sim --list` shows them");
    const sim_scenario *scn = sim_find_scenario(name);
    if (!scn)
        return usage_error("no scenario '%s' (`synack sim --list` shows them)", name);
    return sim_execute(scn, &o, stdout);
}

int cmd_demo(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("usage: synack demo\n"
               "Plays three scenarios as text timelines (what `make demo` shows): the\n"
               "handshake, data exchange (a request sent during the handshake, delivered to\n"
               "the server and read) and close. `synack sim --list` shows the others.\n");
        return 0;
    }
    if (argc > 1) {
        fprintf(stderr, "synack demo: %s '%s' (`synack demo --help`)\n",
                argv[1][0] == '-' ? "unknown option" : "takes no arguments, not", argv[1]);
        return 2;
    }
    /* A connection's life as the README promises it: open, carry data, close. */
    static const char *const names[] = {"handshake", "handshake-data", "close"};
    int rc = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        sim_options o;
        memset(&o, 0, sizeof(o));
        o.seed = 1;
        o.format = SIM_FMT_TEXT;
        if (i > 0)
            printf("\n\n");
        int r = sim_execute(sim_find_scenario(names[i]), &o, stdout);
        if (r > rc)
            rc = r;
    }
    return rc;
}
