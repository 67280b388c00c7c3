/* SPDX-License-Identifier: MIT */
/* synack bench gateway — a first slice of issue 15's benchmark: iperf3, one stream each
 * way, between a "container" namespace and a server at 198.18.0.1 in a "host" namespace,
 * once over a plain veth pair (the kernel-only ceiling) and once through `synack gateway`.
 * Everything runs in two namespaces made for the run and deleted after it; the processes
 * it starts (iperf3 server, gateway) are ended by their PIDs, each phase bounded by
 * timeout(1). Needs root and iperf3. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd_bench.h"

static int gsh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int gsh(const char *fmt, ...)
{
    char cmd[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    return system(cmd) == 0 ? 0 : -1;
}

/* Starts argv in the background, its output discarded; its PID or -1. */
static pid_t spawn(char *const argv[])
{
    pid_t pid = fork();
    if (pid == 0) {
        freopen("/dev/null", "w", stdout);
        freopen("/dev/null", "w", stderr);
        execvp(argv[0], argv);
        _exit(127);
    }
    return pid;
}

/* SIGTERM, a bounded wait, then SIGKILL. */
static void end(pid_t pid)
{
    if (pid <= 0)
        return;
    kill(pid, SIGTERM);
    for (int i = 0; i < 50; i++) {
        if (waitpid(pid, NULL, WNOHANG) == pid)
            return;
        struct timespec ts = {0, 100000000};
        nanosleep(&ts, NULL);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

/* iperf3 from the container namespace to the server, `secs` seconds, -R for host ->
 * namespace; the receiver's Gbit/s, NAN when it failed. */
static double iperf(const char *ns, int secs, int reverse)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd,
             "timeout %d ip netns exec %s iperf3 -c 198.18.0.1 -t %d -J %s 2>/dev/null", secs + 15,
             ns, secs, reverse ? "-R" : "");
    FILE *p = popen(cmd, "r");
    if (!p)
        return NAN;
    static char out[1 << 18];
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    pclose(p);
    const char *s = strstr(out, "\"sum_received\"");
    s = s ? strstr(s, "\"bits_per_second\"") : NULL;
    if (!s)
        return NAN;
    s = strchr(s, ':');
    return s ? strtod(s + 1, NULL) / 1e9 : NAN;
}

static int wait_route(const char *ns)
{
    for (int i = 0; i < 50; i++) {
        if (gsh("ip -n %s route 2>/dev/null | grep -q default", ns) == 0)
            return 0;
        struct timespec ts = {0, 100000000};
        nanosleep(&ts, NULL);
    }
    return -1;
}

int bench_gateway(const bench_opts *o, bench_report *r)
{
    r->other = "veth";
    if (geteuid() != 0 || access("/dev/net/tun", R_OK | W_OK) != 0 ||
        gsh("command -v iperf3 >/dev/null") != 0) {
        bench_note(r, "skipped: needs root, /dev/net/tun and iperf3");
        return 0;
    }
    char self[512];
    ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    if (sl <= 0)
        return bench_note(r, "skipped: /proc/self/exe unreadable"), 0;
    self[sl] = '\0';
    int secs = o->quick ? 2 : 5;
    char c[48], h[48], nspath[80];
    snprintf(c, sizeof c, "synack-bgwc-%d", (int)getpid());
    snprintf(h, sizeof h, "synack-bgwh-%d", (int)getpid());
    snprintf(nspath, sizeof nspath, "/run/netns/%s", c);
    double vu = NAN, vd = NAN, gu = NAN, gd = NAN;
    pid_t srv = -1, gw = -1;
    if (gsh("ip netns add %s && ip netns add %s && ip -n %s link set lo up && "
            "ip -n %s link set lo up && ip -n %s addr add 198.18.0.1/32 dev lo",
            c, h, c, h, h) != 0 ||
        gsh("ip -n %s link add v0 type veth peer name v1 netns %s && "
            "ip -n %s addr add 192.0.2.100/24 dev v0 && ip -n %s link set v0 up && "
            "ip -n %s addr add 192.0.2.2/24 dev v1 && ip -n %s link set v1 up && "
            "ip -n %s route add default via 192.0.2.2",
            c, h, c, c, h, h, c) != 0) {
        bench_note(r, "failed: could not set up the namespaces and the veth pair");
        r->failed = 1;
        goto out;
    }
    char *const srv_argv[] = {"ip", "netns", "exec", h, "iperf3", "-s", "-B", "198.18.0.1", NULL};
    srv = spawn(srv_argv);
    sleep(1);
    if (!o->no_kernel) {
        vu = iperf(c, secs, 0);
        vd = iperf(c, secs, 1);
    }
    gsh("ip -n %s link del v0", c);
    char *const gw_argv[] = {"ip",      "netns",     "exec", h,        self,
                             "gateway", "--netns",   nspath, "--addr", "192.0.2.100/24",
                             "--gw",    "192.0.2.2", NULL};
    gw = spawn(gw_argv);
    if (wait_route(c) != 0) {
        bench_note(r, "failed: the gateway did not configure the namespace");
        r->failed = 1;
        goto out;
    }
    gu = iperf(c, secs, 0);
    gd = iperf(c, secs, 1);
out:
    end(gw);
    end(srv);
    gsh("ip netns del %s 2>/dev/null; ip netns del %s 2>/dev/null", c, h);
    bench_row *row =
        bench_row_add(r, "namespace -> host, iperf3 1 stream", "Gbit/s", gu, vu, BENCH_HIGHER);
    double q = bench_ratio(row);
    bench_row_target(row, ">= 0.75x veth", isnan(q) ? -1 : q >= 0.75);
    row = bench_row_add(r, "host -> namespace, iperf3 1 stream", "Gbit/s", gd, vd, BENCH_HIGHER);
    q = bench_ratio(row);
    bench_row_target(row, ">= 0.75x veth", isnan(q) ? -1 : q >= 0.75);
    bench_note(r,
               "%d s each; synack column: `synack gateway` (one thread, MTU 1500, no "
               "offloads) attached to the container namespace; veth: the same two namespaces "
               "joined by a veth pair (kernel defaults)",
               secs);
    return 0;
}
