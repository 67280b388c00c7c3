/* SPDX-License-Identifier: MIT */
/* synack bench gateway — issue 15's benchmark: a "container" namespace reaching servers at
 * 198.18.0.1 in a "host" namespace, side by side through a plain veth pair (the kernel-only
 * ceiling), `synack gateway`, slirp4netns and pasta, each attached to a container namespace
 * of its own, all in one run, and `synack gateway --threads 2` as a fifth column. Per run and
 * tool: iperf3 with 1 and 4 streams both ways, connections per second, one-byte ping-pong
 * p50/p99, 64-byte UDP request/response p50/p99, an HTTP GET of 100 MiB with curl, and the
 * translator's CPU seconds per GB (utime + stime from /proc/PID/stat around the 1-stream
 * transfers); the figures are medians of --runs runs, the tools interleaved within each run
 * so that load from other work on the machine falls on all of them alike. --rows picks
 * groups of rows, --no-rivals and --no-threads drop columns, for a short run.
 *
 * Everything runs in namespaces made for the run and deleted after it, with addresses in
 * 192.0.2.0/24 and 198.18.0.0/15 only; the host namespace's default route points at a
 * veth whose peer is in the same namespace and never answers, so nothing leaves. Every process
 * started is bounded by alarm(2) or timeout(1) and ended by its PID. Needs root and iperf3; a rival
 * that is not installed or does not come up is skipped with a note. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd_bench.h"
#include "cmd_bench_gwload.h"

#define SERVER_ADDR 0xc6120001u /* 198.18.0.1, on the host namespace's loopback */
#define MAX_RUNS 99

#define UDP_SIZE 64

enum { T_VETH, T_SYNACK, T_SYNACK2, T_SLIRP, T_PASTA, NTOOLS };
static const char *const tool_name[NTOOLS] = {"veth", "synack", "synack --threads 2", "slirp4netns",
                                              "pasta"};

/* Row groups, for --rows: each measurement step fills the metrics of one group. */
enum { G_BULK1, G_BULK4, G_CPS, G_RR, G_UDP, G_HTTP, NGROUPS };
static const char *const group_name[NGROUPS] = {"bulk1", "bulk4", "cps", "rr", "udp", "http"};

enum {
    M_UP1,
    M_DOWN1,
    M_UP4,
    M_DOWN4,
    M_CPS,
    M_P50,
    M_P99,
    M_UDP50,
    M_UDP99,
    M_HTTP_S,
    M_HTTP_G,
    M_CPU_DOWN,
    M_CPU_UP,
    NMETRICS
};
static const struct {
    const char *name, *unit;
    bench_better better;
    int group;
} metric[NMETRICS] = {
    {"namespace -> host, iperf3 1 stream", "Gbit/s", BENCH_HIGHER, G_BULK1},
    {"host -> namespace, iperf3 1 stream", "Gbit/s", BENCH_HIGHER, G_BULK1},
    {"namespace -> host, iperf3 4 streams", "Gbit/s", BENCH_HIGHER, G_BULK4},
    {"host -> namespace, iperf3 4 streams", "Gbit/s", BENCH_HIGHER, G_BULK4},
    {"connections/s (64 B each way)", "conn/s", BENCH_HIGHER, G_CPS},
    {"1-byte RR p50", "us", BENCH_LOWER, G_RR},
    {"1-byte RR p99", "us", BENCH_LOWER, G_RR},
    {"UDP 64-byte RR p50", "us", BENCH_LOWER, G_UDP},
    {"UDP 64-byte RR p99", "us", BENCH_LOWER, G_UDP},
    {"HTTP GET 100 MiB (curl), host -> namespace", "s", BENCH_LOWER, G_HTTP},
    {"HTTP GET 100 MiB (curl), host -> namespace", "Gbit/s", BENCH_HIGHER, G_HTTP},
    {"translator CPU per GB, host -> namespace", "s/GB", BENCH_LOWER, G_BULK1},
    {"translator CPU per GB, namespace -> host", "s/GB", BENCH_LOWER, G_BULK1},
};

int bench_gateway_rows(const char *list, unsigned *mask)
{
    unsigned m = 0;
    const char *p = list;
    while (*p) {
        size_t n = strcspn(p, ",");
        int found = -1;
        for (int g = 0; g < NGROUPS; g++)
            if (strlen(group_name[g]) == n && strncmp(p, group_name[g], n) == 0)
                found = g;
        if (found < 0)
            return -EINVAL;
        m |= 1u << found;
        p += n;
        if (*p == ',' && *++p == '\0')
            return -EINVAL; /* a trailing comma */
    }
    if (!m)
        return -EINVAL;
    *mask = m;
    return 0;
}

typedef struct gw_tool {
    int up;      /* attached and reachable */
    pid_t pid;   /* the translator's process, -1 for veth */
    char ns[48]; /* its container namespace */
    double v[NMETRICS][MAX_RUNS];
    int iperf_retries; /* iperf3 runs that gave no result and were run again */
} gw_tool;

static int gsh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int gsh(const char *fmt, ...)
{
    char cmd[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    return system(cmd) == 0 ? 0 : -1;
}

static void nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* iperf3 from the container namespace, `secs` seconds, `streams` parallel, -R for host ->
 * namespace; the receiver's Gbit/s (NAN when it failed) and bytes. */
static double iperf(const char *ns, int secs, int streams, int reverse, double *bytes)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd,
             "timeout %d ip netns exec %s iperf3 -c 198.18.0.1 -t %d -P %d -J %s 2>/dev/null",
             secs + 15, ns, secs, streams, reverse ? "-R" : "");
    *bytes = NAN;
    FILE *p = popen(cmd, "r");
    if (!p)
        return NAN;
    static char out[1 << 20];
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    pclose(p);
    const char *s = strstr(out, "\"sum_received\"");
    const char *b = s ? strstr(s, "\"bytes\"") : NULL;
    s = s ? strstr(s, "\"bits_per_second\"") : NULL;
    if (!s || !b)
        return NAN;
    *bytes = strtod(strchr(b, ':') + 1, NULL);
    return strtod(strchr(s, ':') + 1, NULL) / 1e9;
}

/* curl of the 100 MiB body from the container namespace; seconds (NAN when it failed or
 * came short), the bytes into *bytes. */
static double http_get(const char *ns, double *bytes)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd,
             "timeout 70 ip netns exec %s curl -s --max-time 60 -o /dev/null "
             "-w '%%{http_code} %%{size_download} %%{time_total}' http://198.18.0.1:%d/blob "
             "2>/dev/null",
             ns, GWLOAD_HTTP_PORT);
    *bytes = NAN;
    FILE *p = popen(cmd, "r");
    if (!p)
        return NAN;
    char out[128];
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    pclose(p);
    int code = 0;
    double size = 0, secs = 0;
    if (sscanf(out, "%d %lf %lf", &code, &size, &secs) != 3 || code != 200 ||
        size != (double)GWLOAD_HTTP_BYTES || secs <= 0)
        return NAN;
    *bytes = size;
    return secs;
}

/* Waits (bounded) until `ns` has a default route and the echo server answers through it. */
static int wait_ready(const char *ns)
{
    for (int i = 0; i < 50; i++) {
        if (gsh("ip -n %s route 2>/dev/null | grep -q default", ns) == 0) {
            gwload_result r;
            if (gwload_pingpong(ns, SERVER_ADDR, 3, 2, &r) == 0 && !r.failed)
                return 0;
        }
        nap_ms(100);
    }
    return -1;
}

static int has(const char *prog)
{
    return gsh("command -v %s >/dev/null 2>&1", prog) == 0;
}

static double median(const double *v, int n)
{
    double s[MAX_RUNS];
    int k = 0;
    for (int i = 0; i < n; i++)
        if (!isnan(v[i]))
            s[k++] = v[i];
    if (!k)
        return NAN;
    for (int i = 1; i < k; i++) /* insertion sort: n <= 99 */
        for (int j = i; j > 0 && s[j - 1] > s[j]; j--) {
            double t = s[j];
            s[j] = s[j - 1];
            s[j - 1] = t;
        }
    return k % 2 ? s[k / 2] : (s[k / 2 - 1] + s[k / 2]) / 2;
}

/* One run of the measurements of the groups in `rows` for one tool, results into column
 * `run`. */
static void measure(gw_tool *t, int run, unsigned rows, int secs, uint64_t nconn, uint64_t nrr,
                    double max_s)
{
    static const int shape[4][2] = {{1, 0}, {1, 1}, {4, 0}, {4, 1}}; /* streams, reverse */
    for (int m = M_UP1; m <= M_DOWN4; m++) {
        if (!(rows & 1u << metric[m].group))
            continue;
        double c0 = t->pid > 0 ? gwload_cpu_seconds(t->pid) : NAN, bytes;
        t->v[m][run] = iperf(t->ns, secs, shape[m][0], shape[m][1], &bytes);
        /* On a loaded machine iperf3's server can still be ending the previous test and
         * refuse the next ("busy"): that is no measurement, so run it again, twice at most,
         * and say so in the notes. A stalled transfer still gives a (low) figure. */
        for (int again = 0; again < 2 && isnan(t->v[m][run]); again++) {
            t->iperf_retries++;
            nap_ms(500);
            c0 = t->pid > 0 ? gwload_cpu_seconds(t->pid) : NAN;
            t->v[m][run] = iperf(t->ns, secs, shape[m][0], shape[m][1], &bytes);
        }
        double c1 = t->pid > 0 ? gwload_cpu_seconds(t->pid) : NAN;
        /* No CPU time seen is below the clock tick's resolution (a stalled transfer of a
         * few MB): not a measurement of zero seconds. */
        if (m == M_UP1 || m == M_DOWN1)
            t->v[m == M_UP1 ? M_CPU_UP : M_CPU_DOWN][run] =
                bytes > 0 && c1 > c0 ? (c1 - c0) / (bytes / 1e9) : NAN;
    }
    gwload_result r;
    if (rows & 1u << G_CPS) {
        gwload_connect_rate(t->ns, SERVER_ADDR, nconn, max_s, &r);
        t->v[M_CPS][run] = r.failed ? NAN : r.rate;
    }
    if (rows & 1u << G_RR) {
        gwload_pingpong(t->ns, SERVER_ADDR, nrr, max_s, &r);
        t->v[M_P50][run] = r.failed ? NAN : r.p50_us;
        t->v[M_P99][run] = r.failed ? NAN : r.p99_us;
    }
    if (rows & 1u << G_UDP) {
        gwload_udp_rr(t->ns, SERVER_ADDR, nrr, UDP_SIZE, max_s, &r);
        t->v[M_UDP50][run] = r.failed ? NAN : r.p50_us;
        t->v[M_UDP99][run] = r.failed ? NAN : r.p99_us;
    }
    if (rows & 1u << G_HTTP) {
        double bytes, s = http_get(t->ns, &bytes);
        t->v[M_HTTP_S][run] = s;
        t->v[M_HTTP_G][run] = isnan(s) ? NAN : bytes * 8 / s / 1e9;
    }
}

/* Attaches the translators (veth is wired by setup); the ones with `skip` set stay off. */
static void attach(gw_tool *tools, const int *skip, const char *h, const char *self, unsigned life,
                   int busy_poll, bench_report *r)
{
    char nspath[NTOOLS][80], bp[16];
    /* --busy-poll for both synack columns, or an empty argument list's end */
    snprintf(bp, sizeof bp, "%d", busy_poll);
    char *bp_opt = busy_poll >= 0 ? "--busy-poll" : NULL;
    for (int i = 0; i < NTOOLS; i++)
        snprintf(nspath[i], sizeof nspath[i], "/run/netns/%s", tools[i].ns);
    char *const gw_argv[] = {(char *)self, "gateway",
                             "--netns",    nspath[T_SYNACK],
                             "--addr",     "192.0.2.100/24",
                             "--gw",       "192.0.2.2",
                             bp_opt,       bp,
                             NULL};
    tools[T_SYNACK].pid = gwload_spawn(h, gw_argv, life);
    char *const gw2_argv[] = {(char *)self,     "gateway", "--netns",   nspath[T_SYNACK2], "--addr",
                              "192.0.2.100/24", "--gw",    "192.0.2.2", "--threads",       "2",
                              bp_opt,           bp,        NULL};
    if (!skip[T_SYNACK2])
        tools[T_SYNACK2].pid = gwload_spawn(h, gw2_argv, life);
    /* slirp4netns: its own 192.0.2.0/24 (guest .100, gateway .2); MTU 65520 as podman
     * and rootlesskit run it. */
    char *const slirp_argv[] = {
        "slirp4netns",       "--configure",   "--mtu=65520", "--cidr=192.0.2.0/24",
        "--netns-type=path", nspath[T_SLIRP], "tap0",        NULL};
    if (!skip[T_SLIRP] && has("slirp4netns"))
        tools[T_SLIRP].pid = gwload_spawn(h, slirp_argv, life);
    else if (!skip[T_SLIRP])
        bench_note(r, "slirp4netns row skipped: slirp4netns is not installed");
    /* pasta copies the host namespace's addresses and routes (198.18.3.1/24 via
     * 198.18.3.254 on the dead-end veth); --runas 0:0 because as root it would otherwise
     * drop to nobody and then fail to join a namespace the initial user namespace owns. */
    char *const pasta_argv[] = {
        "pasta", "-f",   "-q", "--runas", "0:0", "--config-net", "--netns", nspath[T_PASTA],
        "-t",    "none", "-u", "none",    "-T",  "none",         "-U",      "none",
        NULL};
    if (!skip[T_PASTA] && has("pasta"))
        tools[T_PASTA].pid = gwload_spawn(h, pasta_argv, life);
    else if (!skip[T_PASTA])
        bench_note(r, "pasta row skipped: pasta (package passt) is not installed");
    for (int i = 0; i < NTOOLS; i++) {
        if (i != T_VETH && tools[i].pid <= 0)
            continue;
        tools[i].up = wait_ready(tools[i].ns) == 0;
        if (!tools[i].up)
            bench_note(r, "%s row skipped: it did not connect its namespace to the host one",
                       tool_name[i]);
    }
}

static int setup(const char *h, gw_tool *tools)
{
    for (int i = 0; i < NTOOLS; i++)
        if (gsh("ip netns add %s && ip -n %s link set lo up", tools[i].ns, tools[i].ns) != 0)
            return -1;
    const char *c = tools[T_VETH].ns;
    if (gsh("ip netns add %s && ip -n %s link set lo up && "
            "ip -n %s addr add 198.18.0.1/32 dev lo && "
            "ip -n %s link add d0 type veth peer name d1 && ip -n %s link set d1 up && "
            "ip -n %s addr add 198.18.3.1/24 dev d0 && ip -n %s link set d0 up && "
            "ip -n %s route add default via 198.18.3.254",
            h, h, h, h, h, h, h, h) != 0)
        return -1;
    return gsh("ip -n %s link add v0 mtu 65520 type veth peer name v1 mtu 65520 netns %s && "
               "ip -n %s addr add 198.18.2.2/24 dev v0 && ip -n %s link set v0 up && "
               "ip -n %s addr add 198.18.2.1/24 dev v1 && ip -n %s link set v1 up && "
               "ip -n %s route add default via 198.18.2.1",
               c, h, c, c, h, h, c);
}

/* Adds "TOOL: METRIC" with veth's value as the comparison, or "TOOL vs OTHER: METRIC" with
 * `base` being OTHER's (the table's comparison column is titled veth); returns the row. */
static bench_row *tool_row(bench_report *r, int tool, int m, double v, double base,
                           const char *other)
{
    char name[96];
    if (other)
        snprintf(name, sizeof name, "%s vs %s: %s", tool_name[tool], other, metric[m].name);
    else
        snprintf(name, sizeof name, "%s: %s", tool_name[tool], metric[m].name);
    bench_row *row = bench_row_add(r, name, metric[m].unit, v, base, metric[m].better);
    if (other)
        snprintf(row->other, sizeof row->other, "%s", other);
    return row;
}

static int met(const bench_row *row, double at_least)
{
    double q = bench_ratio(row);
    return isnan(q) ? -1 : q >= at_least;
}

/* The issue's targets: bulk >= 0.75x veth, connections/s >= 0.8x veth, RR p50 <= 1.4x veth,
 * >= 1.5x pasta on every row, and two threads >= 1.6x one on 4 streams. */
static void metric_rows(bench_report *r, const gw_tool *tools, double (*med)[NMETRICS], int m)
{
    bench_row *row = tool_row(r, T_SYNACK, m, med[T_SYNACK][m], med[T_VETH][m], NULL);
    if (m <= M_DOWN4)
        bench_row_target(row, ">= 0.75x veth", met(row, 0.75));
    else if (m == M_CPS)
        bench_row_target(row, ">= 0.8x veth", met(row, 0.8));
    else if (m == M_P50)
        bench_row_target(row, "<= 1.4x veth", met(row, 1 / 1.4));
    if (tools[T_PASTA].up) {
        row = tool_row(r, T_SYNACK, m, med[T_SYNACK][m], med[T_PASTA][m], "pasta");
        bench_row_target(row, ">= 1.5x pasta", met(row, 1.5));
    }
    if (tools[T_SYNACK2].up) {
        tool_row(r, T_SYNACK2, m, med[T_SYNACK2][m], med[T_VETH][m], NULL);
        row = tool_row(r, T_SYNACK2, m, med[T_SYNACK2][m], med[T_SYNACK][m], "1 thread");
        if (m == M_UP4 || m == M_DOWN4)
            bench_row_target(row, ">= 1.6x 1 thread", met(row, 1.6));
    }
    for (int i = T_SLIRP; i <= T_PASTA; i++)
        if (tools[i].up)
            tool_row(r, i, m, med[i][m], med[T_VETH][m], NULL);
}

static void report(bench_report *r, const gw_tool *tools, unsigned rows, int runs)
{
    double med[NTOOLS][NMETRICS];
    for (int i = 0; i < NTOOLS; i++)
        for (int m = 0; m < NMETRICS; m++)
            med[i][m] = tools[i].up ? median(tools[i].v[m], runs) : NAN;
    /* The table's "synack" column holds the tool named in the metric, the comparison
     * column veth (the ceiling; translator CPU rows have none) unless the row names another. */
    for (int m = 0; m < NMETRICS; m++)
        if (rows & 1u << metric[m].group)
            metric_rows(r, tools, med, m);
    /* The side-by-side view, one line per figure: values, then x veth. */
    for (int m = 0; m < NMETRICS; m++) {
        if (!(rows & 1u << metric[m].group))
            continue;
        char line[200];
        int n = snprintf(line, sizeof line, "%s (%s):", metric[m].name, metric[m].unit);
        for (int i = 0; i < NTOOLS && n < (int)sizeof line; i++) {
            double v = med[i][m], base = med[T_VETH][m];
            if (i != T_VETH && !tools[i].up)
                continue;
            if (isnan(v)) {
                n += snprintf(line + n, sizeof line - (size_t)n, " %s -", tool_name[i]);
                continue;
            }
            n += snprintf(line + n, sizeof line - (size_t)n, v >= 1000 ? " %s %.0f" : " %s %.3g",
                          tool_name[i], v);
            if (i != T_VETH && !isnan(base) && n < (int)sizeof line)
                n += snprintf(line + n, sizeof line - (size_t)n, " (%.2fx)", v / base);
        }
        bench_note(r, "%s", line);
    }
}

int bench_gateway(const bench_opts *o, bench_report *r)
{
    r->other = "veth";
    if (geteuid() != 0 || access("/dev/net/tun", R_OK | W_OK) != 0 || !has("iperf3")) {
        bench_note(r, "skipped: needs root, /dev/net/tun and iperf3");
        return 0;
    }
    char self[512];
    ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    if (sl <= 0)
        return bench_note(r, "skipped: /proc/self/exe unreadable"), 0;
    self[sl] = '\0';
    int runs = o->runs ? (int)o->runs : o->quick ? 1 : 3;
    unsigned rows = o->gw_rows ? o->gw_rows : (1u << NGROUPS) - 1;
    int skip[NTOOLS] = {0};
    skip[T_SYNACK2] = o->no_threads;
    skip[T_SLIRP] = skip[T_PASTA] = o->no_rivals;
    if ((rows & 1u << G_HTTP) && !has("curl")) {
        bench_note(r, "HTTP rows skipped: curl is not installed");
        rows &= ~(1u << G_HTTP);
    }
    int secs = o->seconds ? (int)o->seconds : o->quick ? 2 : 5;
    uint64_t nconn = o->count ? o->count : o->quick ? 300 : 2000;
    uint64_t nrr = o->count ? o->count : o->quick ? 2000 : 10000;
    double max_s = o->max_seconds > 0 ? o->max_seconds : 20;
    /* Every process started lives at most this long, even if the bench is killed. */
    unsigned life = (unsigned)(runs * NTOOLS * (4 * (secs + 15) + 3 * (max_s + 10) + 70) + 120);

    static gw_tool tools[NTOOLS];
    memset(tools, 0, sizeof tools);
    char h[48];
    snprintf(h, sizeof h, "synack-bgwh-%d", (int)getpid());
    for (int i = 0; i < NTOOLS; i++) {
        snprintf(tools[i].ns, sizeof tools[i].ns, "synack-bgw%d-%d", i, (int)getpid());
        tools[i].pid = -1;
    }
    pid_t srv = -1, echo = -1, http = -1;
    if (setup(h, tools) != 0) {
        bench_note(r, "failed: could not set up the namespaces");
        r->failed = 1;
        goto out;
    }
    char iperf_life[16];
    snprintf(iperf_life, sizeof iperf_life, "%u", life);
    char *const srv_argv[] = {"timeout", iperf_life, "iperf3", "-s", "-B", "198.18.0.1", NULL};
    srv = gwload_spawn(h, srv_argv, life);
    echo = gwload_echo_server(h, SERVER_ADDR, life);
    if (rows & 1u << G_HTTP)
        http = gwload_http_server(h, SERVER_ADDR, life);
    nap_ms(500);
    attach(tools, skip, h, self, life, o->gw_busy_poll, r);
    if (!tools[T_VETH].up) {
        bench_note(r, "failed: the veth path does not reach the host namespace's servers");
        r->failed = 1;
        goto out;
    }
    for (int run = 0; run < runs; run++)
        for (int i = 0; i < NTOOLS; i++) {
            if (!tools[i].up || (i == T_VETH && o->no_kernel))
                continue;
            if (!o->json)
                fprintf(stderr, "synack bench gateway: run %d/%d, %s\n", run + 1, runs,
                        tool_name[i]);
            measure(&tools[i], run, rows, secs, nconn, nrr, max_s);
        }
    if (o->no_kernel)
        tools[T_VETH].up = 0;
    report(r, tools, rows, runs);
    for (int i = 0; i < NTOOLS; i++)
        if (tools[i].iperf_retries)
            bench_note(r, "%s: %d iperf3 run(s) gave no result and were run again", tool_name[i],
                       tools[i].iperf_retries);
    bench_note(r,
               "medians of %d run(s); iperf3 -t %d; %llu connections, %llu TCP and %llu UDP "
               "(%d B) round trips per run; servers at 198.18.0.1 on the host namespace's loopback",
               runs, secs, (unsigned long long)nconn, (unsigned long long)nrr,
               (unsigned long long)nrr, UDP_SIZE);
    char bp[40] = " (--busy-poll 50, ";
    if (o->gw_busy_poll >= 0)
        snprintf(bp, sizeof bp, " but --busy-poll %d (", o->gw_busy_poll);
    bench_note(r,
               "synack: `synack gateway` defaults%sone thread, MTU 65520, TAP offloads), and "
               "with --threads 2; veth MTU 65520; slirp4netns --mtu=65520; pasta defaults "
               "(MTU 65520)",
               bp);
    bench_note(r, "HTTP: curl -o /dev/null of a 100 MiB body from the benchmark's own server; "
                  "CPU per GB: the translator's utime+stime over the 1-stream iperf3 run");
out:
    for (int i = 0; i < NTOOLS; i++)
        gwload_end(tools[i].pid);
    gwload_end(http);
    gwload_end(echo);
    gwload_end(srv);
    for (int i = 0; i < NTOOLS; i++)
        gsh("ip netns del %s 2>/dev/null", tools[i].ns);
    gsh("ip netns del %s 2>/dev/null", h);
    return 0;
}
