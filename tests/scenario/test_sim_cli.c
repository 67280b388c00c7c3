/* SPDX-License-Identifier: MIT */
/* `synack sim`: every scenario, a few seeds, every format, run twice -- in-process.
 *
 * The simulator, the scenarios and the renderers are linked in (libsynack_sim, the same code
 * the tool runs) and each run renders into memory, so the sweep costs no process starts.
 * Each scenario is one cmocka test (so a failure names it). For every seed and format the
 * run must succeed and render byte-identical output both times; json lines must be JSON
 * objects, mermaid must start with sequenceDiagram, svg must be an <svg> document. With
 * tshark on PATH, the capture of seed 1 must open with no errors (malformed packets, bad
 * checksums) and no expert warnings other than the scenario's deliberate ones; with
 * rsvg-convert on PATH, the SVG of seed 1 must render to a PNG. With --ipv6 (seed 1) every
 * scenario's checks hold in every format, only IPv6 addresses show, and its capture is
 * LINKTYPE_IPV6 and as clean in tshark.
 *
 * A few real `synack sim` processes ($SYNACK_BIN, set by CMake; without it those tests are
 * skipped) cover the command line: --list, usage errors, per-seed determinism, and that the
 * tool prints exactly what the in-process run renders.
 *
 * Run with the argument "exhaustive" (ctest label exhaustive, not part of `make test`) it
 * sweeps seeds 1..50 instead and skips the tool and tshark/rsvg checks. SIM_CLI_SEEDS=N
 * overrides the number of seeds. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "sim_run.h"
#include "support/proc.h"

static const char *bin;  /* $SYNACK_BIN */
static int nseeds = 3;   /* seeds 1..nseeds */
static char tmpdir[256]; /* scratch files */

static const char *const formats[] = {"text", "json", "mermaid", "svg"};
static const sim_format format_ids[] = {SIM_FMT_TEXT, SIM_FMT_JSON, SIM_FMT_MERMAID, SIM_FMT_SVG};
#define NFORMATS (sizeof formats / sizeof formats[0])

/* Runs scenario name in-process with seed and format (and a capture when pcap is not NULL),
 * over IPv6 when ipv6, rendering into r->out; r->status is sim_execute's exit code. */
static void run_sim_ip(const char *name, uint64_t seed, sim_format fmt, const char *pcap, int ipv6,
                       proc_out *r)
{
    memset(r, 0, sizeof(*r));
    const sim_scenario *scn = sim_find_scenario(name);
    assert_non_null(scn);
    sim_options o;
    memset(&o, 0, sizeof(o));
    o.seed = seed;
    o.format = fmt;
    o.pcap = pcap;
    o.ipv6 = (uint8_t)ipv6;
    FILE *f = open_memstream(&r->out, &r->len);
    assert_non_null(f);
    r->status = sim_execute(scn, &o, f);
    assert_int_equal(fclose(f), 0);
}

static void run_sim(const char *name, uint64_t seed, sim_format fmt, const char *pcap, proc_out *r)
{
    run_sim_ip(name, seed, fmt, pcap, 0, r);
}

static int check_format(const char *fmt, const proc_out *r)
{
    if (strcmp(fmt, "json") == 0) {
        /* One object per line. */
        const char *p = r->out;
        while (*p) {
            const char *nl = strchr(p, '\n');
            if (!nl || p[0] != '{' || nl[-1] != '}' || strncmp(p, "{\"t_us\":", 8) != 0)
                return 0;
            p = nl + 1;
        }
        return r->len > 0;
    }
    if (strcmp(fmt, "mermaid") == 0)
        return strncmp(r->out, "sequenceDiagram\n", 16) == 0;
    if (strcmp(fmt, "svg") == 0)
        return strstr(r->out, "<svg ") != NULL && strstr(r->out, "</svg>\n") != NULL;
    return strncmp(r->out, "synack sim ", 11) == 0 && strstr(r->out, "\nWhy:\n") != NULL;
}

static void test_scenario(void **state)
{
    const char *name = *state;
    int failures = 0;
    for (int seed = 1; seed <= nseeds; seed++) {
        for (size_t f = 0; f < NFORMATS; f++) {
            proc_out a, b;
            run_sim(name, (uint64_t)seed, format_ids[f], NULL, &a);
            run_sim(name, (uint64_t)seed, format_ids[f], NULL, &b);
            if (a.status != 0) {
                if (failures++ < 3)
                    print_error("%s --seed %d --format %s: exit %d\n", name, seed, formats[f],
                                a.status);
            } else if (a.len != b.len || memcmp(a.out, b.out, a.len) != 0) {
                if (failures++ < 3)
                    print_error("%s --seed %d --format %s: two runs differ\n", name, seed,
                                formats[f]);
            } else if (!check_format(formats[f], &a)) {
                if (failures++ < 3)
                    print_error("%s --seed %d --format %s: output is not %s\n", name, seed,
                                formats[f], formats[f]);
            }
            free(a.out);
            free(b.out);
        }
    }
    assert_int_equal(failures, 0);
}

/* Counts the json app records whose call (up to any '(') is `call` and whose ret, written
 * as the text writes it, is `ret`. */
static int json_app_count(const char *json, const char *call, size_t clen, const char *ret)
{
    int n = 0;
    for (const char *p = json; (p = strstr(p, "\"ev\":\"app\",\"call\":\"")) != NULL;) {
        p += strlen("\"ev\":\"app\",\"call\":\"");
        size_t k = strcspn(p, "(\"");
        const char *r = strstr(p, "\"ret\":");
        if (!r)
            break;
        char rbuf[32];
        if (k == clen && strncmp(p, call, clen) == 0 &&
            strcmp(sim_ret_str(strtol(r + 6, NULL, 10), rbuf, sizeof(rbuf)), ret) == 0)
            n++;
    }
    return n;
}

/* Every application call the text timeline shows ("getsockopt(SO_ERROR) = -ECONNREFUSED")
 * has its app record in the json stream. */
static void test_json_carries_text(void **state)
{
    const char *name = *state;
    proc_out txt, js;
    run_sim(name, 1, SIM_FMT_TEXT, NULL, &txt);
    run_sim(name, 1, SIM_FMT_JSON, NULL, &js);
    char *end = strstr(txt.out, "\nChecks:");
    if (end)
        *end = '\0';
    int missing = 0, calls = 0;
    for (char *eq = strstr(txt.out, ") = "); eq; eq = strstr(eq + 4, ") = ")) {
        char *open = eq;
        while (open > txt.out && *open != '(' && *open != '\n')
            open--;
        char *call = open;
        while (call > txt.out && (call[-1] == '_' || (call[-1] >= 'a' && call[-1] <= 'z')))
            call--;
        if (*open != '(' || call == open)
            continue;
        char ret[32];
        size_t rl = strcspn(eq + 4, " \n");
        snprintf(ret, sizeof(ret), "%.*s", (int)rl, eq + 4);
        calls++;
        /* The same call with the same result as often in json as in the text so far. */
        int in_text = 0;
        for (char *q = strstr(txt.out, ") = "); q && q <= eq; q = strstr(q + 4, ") = ")) {
            char *o = q;
            while (o > txt.out && *o != '(' && *o != '\n')
                o--;
            char *c = o;
            while (c > txt.out && (c[-1] == '_' || (c[-1] >= 'a' && c[-1] <= 'z')))
                c--;
            in_text += (size_t)(o - c) == (size_t)(open - call) &&
                       strncmp(c, call, (size_t)(open - call)) == 0 &&
                       strncmp(q + 4, ret, rl) == 0 &&
                       (q[4 + rl] == ' ' || q[4 + rl] == '\n' || !q[4 + rl]);
        }
        if (json_app_count(js.out, call, (size_t)(open - call), ret) < in_text) {
            print_error("%s: '%.*s = %s' is in the text but not in the json\n", name,
                        (int)(eq + 1 - call), call, ret);
            missing++;
        }
    }
    free(txt.out);
    free(js.out);
    assert_true(calls > 0);
    assert_int_equal(missing, 0);
}

/* Expert warnings a scenario causes on purpose. */
static int deliberate(const char *scenario, const char *summary)
{
    static const char *const always[] = {
        "Connection reset (RST)",          /* refused, rst-abort, timeouts, isn */
        "suspected) out-of-order segment", /* retransmissions after loss */
        "suspected) retransmission",
        "Duplicate ACK",
        "D-SACK Sequence", /* a receiver reports a duplicate (RFC 2883) */
    };
    for (size_t i = 0; i < sizeof always / sizeof always[0]; i++)
        if (strstr(summary, always[i]))
            return 1;
    /* After heavy loss the receiver holds a whole buffer of out-of-order data; when the
     * hole fills it is all ready at once and the window is briefly zero (or full). */
    if (strcmp(scenario, "lossy-transfer") == 0 &&
        (strstr(summary, "Zero Window") || strstr(summary, "completely full")))
        return 1;
    /* Two incarnations of one 4-tuple in a capture look like gaps to Wireshark. */
    if ((strcmp(scenario, "two-way-hazard") == 0 || strcmp(scenario, "no-time-wait-hazard") == 0) &&
        (strstr(summary, "captured")))
        return 1;
    return 0;
}

static void check_pcap(const char *name, int ipv6)
{
    if (!proc_on_path("tshark"))
        skip();
    char pcap[512];
    snprintf(pcap, sizeof(pcap), "%s/%s%s.pcap", tmpdir, name, ipv6 ? "-v6" : "");
    proc_out r;
    run_sim_ip(name, 1, SIM_FMT_JSON, pcap, ipv6, &r);
    free(r.out);
    /* 1 is a failed behaviour check, reported by the other test; the capture is written. */
    assert_true(r.status == 0 || r.status == 1);
    char *targv[] = {
        "tshark", "-r", pcap,     "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
        "-q",     "-z", "expert", NULL};
    assert_int_equal(proc_run(targv, &r), 0);
    if (ipv6) {
        /* LINKTYPE_IPV6 in the file header: tshark reads every frame as IPv6 (so a frame
         * that is not would be malformed above), not as the IPv4 of a LINKTYPE 228 file. */
        uint8_t hdr[24] = {0};
        FILE *f = fopen(pcap, "rb");
        assert_non_null(f);
        assert_int_equal(fread(hdr, 1, sizeof(hdr), f), sizeof(hdr));
        fclose(f);
        assert_int_equal(hdr[20] | hdr[21] << 8 | hdr[22] << 16 | hdr[23] << 24, 229);
    }
    if (r.status != 0) {
        print_error("%s: tshark exit %d: %s\n", name, r.status, r.err);
        free(r.out);
        fail();
    }
    /* The expert report: sections "Errors (n)", "Warns (n)", "Notes (n)", "Chats (n)". */
    int bad = 0;
    char section[16] = "";
    char *save = NULL;
    for (char *line = strtok_r(r.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (strncmp(line, "Errors", 6) == 0 || strncmp(line, "Warns", 5) == 0 ||
            strncmp(line, "Notes", 5) == 0 || strncmp(line, "Chats", 5) == 0) {
            snprintf(section, sizeof(section), "%.5s", line);
            continue;
        }
        if (!strstr(line, "TCP") && !strstr(line, "IP") && !strstr(line, "Malformed"))
            continue;
        if (strcmp(section, "Error") == 0 || strstr(line, "Malformed") || strstr(line, "hecksum") ||
            (strcmp(section, "Warns") == 0 && !deliberate(name, line))) {
            print_error("%s: tshark: %s\n", name, line);
            bad++;
        }
    }
    free(r.out);
    unlink(pcap);
    assert_int_equal(bad, 0);
}

static void test_pcap(void **state)
{
    check_pcap(*state, 0);
}

static void test_pcap_v6(void **state)
{
    check_pcap(*state, 1);
}

/* --ipv6: the scenario's checks hold over IPv6 in every format (twice the same bytes), and
 * every address shown is the IPv6 one (RFC 5952 text), none the IPv4 one it stands for. */
static void test_ipv6(void **state)
{
    const char *name = *state;
    int failures = 0;
    for (size_t f = 0; f < NFORMATS; f++) {
        proc_out a, b;
        run_sim_ip(name, 1, format_ids[f], NULL, 1, &a);
        run_sim_ip(name, 1, format_ids[f], NULL, 1, &b);
        const char *why = NULL;
        if (a.status != 0)
            why = "exit status";
        else if (a.len != b.len || memcmp(a.out, b.out, a.len) != 0)
            why = "two runs differ";
        else if (!check_format(formats[f], &a))
            why = "not the format";
        else if ((!strstr(a.out, "2001:db8::1") || !strstr(a.out, "2001:db8::2")) &&
                 (format_ids[f] != SIM_FMT_JSON || strstr(a.out, "\"conn\":")))
            why = "no 2001:db8::1 and ::2"; /* json names addresses with connections only */
        else if (strstr(a.out, "192.0.2.") || strstr(a.out, "198.51.100.") ||
                 strstr(a.out, "203.0.113.") || strstr(a.out, "2001:0db8"))
            why = "an IPv4 address or a non-RFC 5952 IPv6 one";
        if (why && failures++ < 3)
            print_error("%s --ipv6 --format %s: %s (exit %d)\n", name, formats[f], why, a.status);
        free(a.out);
        free(b.out);
    }
    assert_int_equal(failures, 0);
}

/* Over IPv6 the MSS a host offers is the MTU less 60 (RFC 8200's 40-byte header and TCP's
 * 20), 1440 on the simulated 1500-byte links, where IPv4 offers 1460; and the connection
 * legend brackets IPv6 addresses before their ports (RFC 5952 6). */
static void test_ipv6_mss(void **state)
{
    (void)state;
    proc_out v4, v6, txt;
    run_sim_ip("handshake", 1, SIM_FMT_JSON, NULL, 0, &v4);
    run_sim_ip("handshake", 1, SIM_FMT_JSON, NULL, 1, &v6);
    run_sim_ip("handshake", 1, SIM_FMT_TEXT, NULL, 1, &txt);
    assert_non_null(strstr(v4.out, "\"conn\":\"192.0.2.1:"));
    assert_non_null(strstr(v4.out, "\"flags\":\"S\""));
    assert_non_null(strstr(v4.out, "\"opts\":\"mss=1460,"));
    assert_null(strstr(v4.out, "mss=1440"));
    assert_non_null(strstr(v6.out, "\"conn\":\"[2001:db8::1]:"));
    assert_non_null(strstr(v6.out, ">[2001:db8::2]:80\",\"flags\":\"S\""));
    assert_non_null(strstr(v6.out, "\"opts\":\"mss=1440,"));
    assert_null(strstr(v6.out, "mss=1460"));
    assert_non_null(strstr(txt.out, "\nclient 2001:db8::1, server 2001:db8::2; link"));
    assert_non_null(strstr(txt.out, "c1: client [2001:db8::1]:"));
    assert_non_null(strstr(txt.out, "; server [2001:db8::2]:80 ISN "));
    free(v4.out);
    free(v6.out);
    free(txt.out);
}

static void test_svg_renders(void **state)
{
    const char *name = *state;
    if (!proc_on_path("rsvg-convert"))
        skip();
    char svg[512], png[512];
    snprintf(svg, sizeof(svg), "%s/%s.svg", tmpdir, name);
    snprintf(png, sizeof(png), "%s/%s.png", tmpdir, name);
    proc_out r;
    run_sim(name, 1, SIM_FMT_SVG, NULL, &r);
    FILE *f = fopen(svg, "w");
    size_t wrote = f ? fwrite(r.out, 1, r.len, f) : 0;
    if (f)
        fclose(f);
    size_t len = r.len;
    int status = r.status;
    free(r.out);
    assert_true(status == 0 || status == 1);
    assert_int_equal(wrote, len);
    char *rargv[] = {"rsvg-convert", "-o", png, svg, NULL};
    assert_int_equal(proc_run(rargv, &r), 0);
    if (r.status != 0)
        print_error("%s: rsvg-convert: %s\n", name, r.err);
    free(r.out);
    assert_int_equal(r.status, 0);
    struct stat stb;
    assert_int_equal(stat(png, &stb), 0);
    assert_true(stb.st_size > 1000);
    unlink(svg);
    unlink(png);
}

/* The command line's contract: --list, usage errors exit 2, determinism is per seed. */
static void test_cli(void **state)
{
    (void)state;
    if (!bin || !*bin)
        skip();
    proc_out r;
    char *l[] = {(char *)bin, "sim", "--list", NULL};
    assert_int_equal(proc_run(l, &r), 0);
    free(r.out);
    assert_int_equal(r.status, 0);
    char *bad[][8] = {
        {(char *)bin, "sim", NULL},
        {(char *)bin, "sim", "no-such-scenario", NULL},
        {(char *)bin, "sim", "handshake", "--format", "png", NULL},
        {(char *)bin, "sim", "handshake", "--loss", "1.5", NULL},
        {(char *)bin, "sim", "handshake", "--seed", "x", NULL},
        {(char *)bin, "sim", "handshake", "--bogus", NULL},
        {(char *)bin, "sim", "handshake", "--delay", NULL},
        {(char *)bin, "sim", "handshake", "--ipv6=1", NULL},
        {(char *)bin, "nonsense", NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(proc_run(bad[i], &r), 0);
        free(r.out);
        if (r.status != 2 || r.err[0] == '\0')
            print_error("case %zu: exit %d, stderr '%s'\n", i, r.status, r.err);
        assert_int_equal(r.status, 2);
        assert_true(r.err[0] != '\0');
    }
    /* Different seeds give different ISNs, hence different json. */
    char *s1[] = {(char *)bin, "sim", "handshake", "--seed", "1", "--format", "json", NULL};
    char *s2[] = {(char *)bin, "sim", "handshake", "--seed", "2", "--format", "json", NULL};
    proc_out a, b;
    assert_int_equal(proc_run(s1, &a), 0);
    assert_int_equal(proc_run(s2, &b), 0);
    int differ = a.len != b.len || memcmp(a.out, b.out, a.len) != 0;
    free(a.out);
    free(b.out);
    assert_true(differ);
    /* Link overrides are accepted; the handshake still forms over a lossy, slow link. */
    char *ov[] = {(char *)bin, "sim", "handshake", "--loss", "0.2",
                  "--delay",   "20",  "--jitter",  "5",      NULL};
    assert_int_equal(proc_run(ov, &r), 0);
    free(r.out);
    if (r.status != 0)
        print_error("overrides: %s\n", r.err);
    assert_int_equal(r.status, 0);
    /* The tool prints exactly what the in-process run renders, in every format. */
    for (size_t f = 0; f < NFORMATS; f++) {
        char *argv[] = {(char *)bin,        "sim", "close", "--seed", "2", "--format",
                        (char *)formats[f], NULL};
        proc_out in;
        assert_int_equal(proc_run(argv, &r), 0);
        run_sim("close", 2, format_ids[f], NULL, &in);
        int same = r.len == in.len && memcmp(r.out, in.out, r.len) == 0;
        int status = r.status;
        free(r.out);
        free(in.out);
        assert_int_equal(status, 0);
        assert_true(same);
    }
}

int main(int argc, char **argv)
{
    int exhaustive = argc > 1 && strcmp(argv[1], "exhaustive") == 0;
    bin = getenv("SYNACK_BIN");
    if (exhaustive)
        nseeds = 50;
    const char *ns = getenv("SIM_CLI_SEEDS");
    if (ns && atoi(ns) > 0)
        nseeds = atoi(ns);
    printf("synack sim: every scenario, seeds 1..%d, every format, twice (in-process)\n", nseeds);
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/synack-sim-cli.XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    size_t n = sim_scenario_count;
    struct CMUnitTest *tests = calloc(6 * n + 2, sizeof(*tests));
    char(*tnames)[128] = calloc(6 * n + 2, sizeof(*tnames));
    if (!tests || !tnames)
        return 1;
    size_t k = 0;
    if (!exhaustive) {
        tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_cli);
        tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_ipv6_mss);
    }
    for (size_t i = 0; i < n; i++) {
        void *name = (void *)sim_scenarios[i]->name;
        snprintf(tnames[k], sizeof(tnames[k]), "sim %.60s: seeds x formats",
                 sim_scenarios[i]->name);
        tests[k] = (struct CMUnitTest){tnames[k], test_scenario, NULL, NULL, name};
        k++;
        if (exhaustive)
            continue;
        snprintf(tnames[k], sizeof(tnames[k]), "sim %.60s: pcap opens in tshark",
                 sim_scenarios[i]->name);
        tests[k] = (struct CMUnitTest){tnames[k], test_pcap, NULL, NULL, name};
        k++;
        snprintf(tnames[k], sizeof(tnames[k]), "sim %.60s: json has every call the text shows",
                 sim_scenarios[i]->name);
        tests[k] = (struct CMUnitTest){tnames[k], test_json_carries_text, NULL, NULL, name};
        k++;
        snprintf(tnames[k], sizeof(tnames[k]), "sim %.60s: svg renders", sim_scenarios[i]->name);
        tests[k] = (struct CMUnitTest){tnames[k], test_svg_renders, NULL, NULL, name};
        k++;
        snprintf(tnames[k], sizeof(tnames[k]), "sim %.60s --ipv6: every format",
                 sim_scenarios[i]->name);
        tests[k] = (struct CMUnitTest){tnames[k], test_ipv6, NULL, NULL, name};
        k++;
        snprintf(tnames[k], sizeof(tnames[k]), "sim %.60s --ipv6: pcap opens in tshark",
                 sim_scenarios[i]->name);
        tests[k] = (struct CMUnitTest){tnames[k], test_pcap_v6, NULL, NULL, name};
        k++;
    }
    int rc =
        _cmocka_run_group_tests(exhaustive ? "sim_exhaustive" : "sim_cli", tests, k, NULL, NULL);
    free(tests);
    free(tnames);
    rmdir(tmpdir);
    return rc;
}
