/* SPDX-License-Identifier: MIT */
/* synack bench tap — bulk transfers between the Linux kernel and synack over a TAP device,
 * beside kernel <-> kernel over a veth pair with offloads off.
 *
 * Everything runs in child processes that each unshare(CLONE_NEWNET) a network namespace
 * of their own, so nothing is configured in the caller's namespace and everything (the
 * TAP device, the veth pair, the namespaces) disappears when the children exit. Only
 * 192.0.2.0/24 (TEST-NET-1) is used. The parent waits for each child with a time bound and
 * kills it by its PID when the bound passes. Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN). */
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_lwip_tap.h"
#include "cmd_bench.h"
#include "synack/loop.h"
#include "synack/tuntap.h"

#define DEFAULT_BYTES (256ull << 20)
#define QUICK_BYTES (32ull << 20)
#define KERNEL_ADDR 0xc0000201u /* 192.0.2.1: the kernel's side of the TAP / veth A */
#define SYNACK_ADDR 0xc0000202u /* 192.0.2.2: synack on the TAP / veth B */

/* What a child sends back through its pipe. */
typedef struct tap_result {
    double k2s_s;           /* kernel -> synack seconds (TAP) */
    double s2k_s;           /* synack -> kernel seconds (TAP) */
    double veth_s;          /* kernel -> kernel seconds (veth) */
    uint64_t k2s_bytes;     /* bytes synack read */
    uint64_t s2k_bytes;     /* bytes the kernel read */
    uint64_t veth_bytes;    /* bytes read over veth */
    bench_lwip_result lwip; /* kernel <-> lwIP over TAP (lwip_child) */
    char err[160];          /* "" when it worked */
} tap_result;

/* Runs a shell command in the caller's (the child's) namespace; 0 when it succeeded. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    char cmd[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    return system(cmd) == 0 ? 0 : -1;
}

static int tcp_socket_to(uint32_t addr, uint16_t port, int do_connect)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    sin.sin_addr.s_addr = htonl(addr);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    int rc = do_connect ? connect(fd, (struct sockaddr *)&sin, sizeof sin)
                        : bind(fd, (struct sockaddr *)&sin, sizeof sin);
    if (rc == 0 && !do_connect)
        rc = listen(fd, 8);
    if (rc != 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

/* ---- TAP: one process, the synack loop in the main thread, the kernel in another ---- */

/* Shared between the loop thread and the kernel thread. */
typedef struct tap_shared {
    uint64_t bytes;         /* transfer size */
    _Atomic uint64_t t0_ns; /* when the sender started */
    _Atomic uint64_t t1_ns; /* when the receiver saw the end of the stream */
    _Atomic uint64_t got;   /* bytes the kernel side read */
    _Atomic int done;       /* the kernel thread finished */
    _Atomic int ready;      /* the kernel listener is up */
    int err;                /* errno of a kernel-side failure */
} tap_shared;

static void *kernel_sender(void *arg)
{
    tap_shared *sh_ = arg;
    static uint8_t buf[64 << 10];
    atomic_store(&sh_->t0_ns, bench_now_ns());
    int fd = tcp_socket_to(SYNACK_ADDR, 5001, 1);
    if (fd < 0) {
        sh_->err = -fd;
    } else {
        for (uint64_t left = sh_->bytes; left > 0;) {
            size_t n = left < sizeof buf ? (size_t)left : sizeof buf;
            ssize_t w = write(fd, buf, n);
            if (w <= 0) {
                sh_->err = errno;
                break;
            }
            left -= (uint64_t)w;
        }
        close(fd);
    }
    atomic_store(&sh_->done, 1);
    return NULL;
}

static void *kernel_receiver(void *arg)
{
    tap_shared *sh_ = arg;
    static uint8_t buf[256 << 10];
    int lfd = tcp_socket_to(KERNEL_ADDR, 5002, 0);
    atomic_store(&sh_->ready, 1);
    if (lfd < 0) {
        sh_->err = -lfd;
        atomic_store(&sh_->done, 1);
        return NULL;
    }
    int fd = accept(lfd, NULL, NULL);
    if (fd >= 0) {
        for (;;) {
            ssize_t r = read(fd, buf, sizeof buf);
            if (r <= 0)
                break;
            atomic_fetch_add(&sh_->got, (uint64_t)r);
        }
        atomic_store(&sh_->t1_ns, bench_now_ns());
        close(fd);
    } else {
        sh_->err = errno;
    }
    close(lfd);
    atomic_store(&sh_->done, 1);
    return NULL;
}

/* tap_child opens its TAP with IFF_VNET_HDR offloads (set by tap_offload_child). */
static int tap_offloads;

static void tap_child(uint64_t bytes, double max_s, tap_result *res)
{
    if (unshare(CLONE_NEWNET) != 0) {
        snprintf(res->err, sizeof res->err, "unshare(CLONE_NEWNET): %s", strerror(errno));
        return;
    }
    synack_tuntap dev;
    int rc = synack_tuntap_open_ex(&dev, "sbtap0", SYNACK_LINK_ETHERNET,
                                   tap_offloads ? SYNACK_TUNTAP_OFFLOAD : 0);
    if (rc < 0) {
        snprintf(res->err, sizeof res->err, "TAP open: %s", strerror(-rc));
        return;
    }
    if (sh("ip link set lo up && ip addr add 192.0.2.1/24 dev sbtap0 && "
           "ip link set sbtap0 up") != 0) {
        snprintf(res->err, sizeof res->err, "ip addr/link on the TAP failed");
        synack_tuntap_close(&dev);
        return;
    }
    synack_loop_config lc;
    memset(&lc, 0, sizeof lc);
    lc.dev = &dev;
    synack_loop *lp = synack_loop_new(&lc);
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.netif.addr = SYNACK_ADDR;
    cfg.netif.prefix_len = 24;
    synack_config_deterministic(&cfg, 7);
    synack_tuntap_make_mac(cfg.netif.mac, 0x5eed);
    synack_stack *st = NULL;
    if (lp) {
        synack_loop_netif(lp, &cfg.netif);
        st = synack_stack_new(&cfg);
    }
    if (!st) {
        snprintf(res->err, sizeof res->err, "cannot create the loop or the stack");
        synack_loop_free(lp);
        synack_tuntap_close(&dev);
        return;
    }
    synack_loop_attach(lp, st);
    static uint8_t buf[256 << 10];
    uint64_t limit_ns = (uint64_t)(max_s * 1e9);

    /* kernel -> synack */
    int ls = synack_socket(st, SOCK_STREAM);
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons(5001);
    sin.sin_addr.s_addr = htonl(SYNACK_ADDR);
    synack_bind(st, ls, (struct sockaddr *)&sin, sizeof sin);
    synack_listen(st, ls, 8);
    tap_shared s1 = {.bytes = bytes};
    pthread_t th;
    pthread_create(&th, NULL, kernel_sender, &s1);
    int cs = -1;
    uint64_t start = bench_now_ns();
    for (;;) {
        synack_loop_run_once(lp, 1000, NULL, 0);
        if (cs < 0)
            cs = synack_accept(st, ls, NULL, NULL);
        if (cs >= 0) {
            ssize_t n;
            while ((n = synack_recv(st, cs, buf, sizeof buf, 0)) > 0)
                res->k2s_bytes += (uint64_t)n;
            if (n == 0) {
                res->k2s_s = (double)(bench_now_ns() - atomic_load(&s1.t0_ns)) / 1e9;
                synack_close(st, cs);
                synack_loop_service(lp);
                break;
            }
            if (n < 0 && n != -EAGAIN)
                break;
        }
        if (bench_now_ns() - start > limit_ns)
            break;
    }
    pthread_join(th, NULL);
    if (res->k2s_bytes != bytes)
        snprintf(res->err, sizeof res->err, "kernel->synack: %llu of %llu bytes (%s)",
                 (unsigned long long)res->k2s_bytes, (unsigned long long)bytes,
                 s1.err ? strerror(s1.err) : "timeout");

    /* synack -> kernel */
    tap_shared s2 = {.bytes = bytes};
    pthread_create(&th, NULL, kernel_receiver, &s2);
    while (!atomic_load(&s2.ready))
        synack_loop_run_once(lp, 1000, NULL, 0);
    int os = synack_socket(st, SOCK_STREAM);
    sin.sin_port = htons(5002);
    sin.sin_addr.s_addr = htonl(KERNEL_ADDR);
    uint64_t t0 = bench_now_ns();
    synack_connect(st, os, (struct sockaddr *)&sin, sizeof sin);
    uint64_t sent = 0;
    int closed = 0;
    memset(buf, 'k', sizeof buf);
    start = bench_now_ns();
    while (!atomic_load(&s2.done) && bench_now_ns() - start < limit_ns) {
        synack_loop_run_once(lp, 1000, NULL, 0);
        while (sent < bytes) {
            size_t want = bytes - sent < sizeof buf ? (size_t)(bytes - sent) : sizeof buf;
            ssize_t n = synack_send(st, os, buf, want, 0);
            if (n <= 0)
                break;
            sent += (uint64_t)n;
        }
        if (sent == bytes && !closed) {
            synack_close(st, os);
            closed = 1;
        }
        synack_loop_service(lp);
    }
    /* Let the last ACKs and the FIN exchange finish before the device goes away. */
    for (int i = 0; i < 50; i++)
        synack_loop_run_once(lp, 1000, NULL, 0);
    if (!atomic_load(&s2.done))
        pthread_cancel(th); /* blocked in accept or read: both are cancellation points */
    pthread_join(th, NULL);
    res->s2k_bytes = atomic_load(&s2.got);
    if (atomic_load(&s2.t1_ns))
        res->s2k_s = (double)(atomic_load(&s2.t1_ns) - t0) / 1e9;
    if (!res->err[0] && res->s2k_bytes != bytes)
        snprintf(res->err, sizeof res->err, "synack->kernel: %llu of %llu bytes",
                 (unsigned long long)res->s2k_bytes, (unsigned long long)bytes);
    synack_stack_free(st);
    synack_loop_free(lp);
    synack_tuntap_close(&dev);
}

/* tap_child with checksum offload and TSO/GSO super-packets both ways (the kernel turns
 * on its side's tx checksumming, TSO and GSO when the TAP is opened so). */
static void tap_offload_child(uint64_t bytes, double max_s, tap_result *res)
{
    tap_offloads = 1; /* a child process of its own: the flag dies with it */
    tap_child(bytes, max_s, res);
}

/* ---- veth: namespace A (this child) and B (a grandchild), kernel on both ends ---- */

static void veth_child(uint64_t bytes, double max_s, tap_result *res)
{
    if (unshare(CLONE_NEWNET) != 0) {
        snprintf(res->err, sizeof res->err, "unshare(CLONE_NEWNET): %s", strerror(errno));
        return;
    }
    int up[2], down[2];
    if (pipe(up) != 0 || pipe(down) != 0) {
        snprintf(res->err, sizeof res->err, "pipe: %s", strerror(errno));
        return;
    }
    pid_t g = fork();
    if (g == 0) {
        /* B: its own namespace; the veth end arrives from A. */
        char c = 'r';
        if (unshare(CLONE_NEWNET) != 0 || write(up[1], &c, 1) != 1 || read(down[0], &c, 1) != 1)
            _exit(1);
        if (sh("ip link set lo up && ip addr add 192.0.2.2/24 dev sbvb && ip link set sbvb up "
               "&& ethtool -K sbvb tx off tso off gso off gro off >/dev/null 2>&1") != 0)
            _exit(1);
        int lfd = tcp_socket_to(SYNACK_ADDR, 5003, 0);
        c = lfd >= 0 ? 'l' : 'e';
        if (write(up[1], &c, 1) != 1 || lfd < 0)
            _exit(1);
        int fd = accept(lfd, NULL, NULL);
        static uint8_t buf[256 << 10];
        uint64_t got = 0;
        for (ssize_t r; fd >= 0 && (r = read(fd, buf, sizeof buf)) > 0;)
            got += (uint64_t)r;
        if (fd >= 0 && write(fd, &got, sizeof got) != (ssize_t)sizeof got)
            _exit(1);
        _exit(0);
    }
    if (g < 0) {
        snprintf(res->err, sizeof res->err, "fork: %s", strerror(errno));
        return;
    }
    char c;
    int ok = read(up[0], &c, 1) == 1 &&
             sh("ip link add sbva type veth peer name sbvb && ip link set sbvb netns %d && "
                "ip link set lo up && ip addr add 192.0.2.1/24 dev sbva && ip link set sbva up "
                "&& ethtool -K sbva tx off tso off gso off gro off >/dev/null 2>&1",
                (int)g) == 0 &&
             write(down[1], "g", 1) == 1 && read(up[0], &c, 1) == 1 && c == 'l';
    if (!ok) {
        snprintf(res->err, sizeof res->err, "veth setup failed (ip/ethtool)");
    } else {
        static uint8_t buf[64 << 10];
        uint64_t t0 = bench_now_ns();
        int fd = -1;
        for (int tries = 0; tries < 100 && fd < 0; tries++) { /* DAD/link-up settle */
            fd = tcp_socket_to(SYNACK_ADDR, 5003, 1);
            if (fd < 0)
                usleep(10000);
        }
        if (fd < 0) {
            snprintf(res->err, sizeof res->err, "veth connect: %s", strerror(-fd));
        } else {
            t0 = bench_now_ns();
            uint64_t limit_ns = (uint64_t)(max_s * 1e9);
            for (uint64_t left = bytes; left > 0 && bench_now_ns() - t0 < limit_ns;) {
                size_t n = left < sizeof buf ? (size_t)left : sizeof buf;
                ssize_t w = write(fd, buf, n);
                if (w <= 0)
                    break;
                left -= (uint64_t)w;
            }
            shutdown(fd, SHUT_WR);
            uint64_t got = 0;
            if (read(fd, &got, sizeof got) == (ssize_t)sizeof got) {
                res->veth_s = (double)(bench_now_ns() - t0) / 1e9;
                res->veth_bytes = got;
            }
            close(fd);
        }
    }
    kill(g, SIGKILL);
    waitpid(g, NULL, 0);
}

/* ---- lwIP: the same TAP setup as tap_child, lwIP (bench_lwip_tap.c) in synack's place ---- */

static void lwip_child(uint64_t bytes, double max_s, tap_result *res)
{
    bench_lwip_result *lw = &res->lwip;
    if (unshare(CLONE_NEWNET) != 0) {
        snprintf(lw->err, sizeof lw->err, "unshare(CLONE_NEWNET): %s", strerror(errno));
        return;
    }
    synack_tuntap dev;
    int rc = synack_tuntap_open(&dev, "sbtap1", SYNACK_LINK_ETHERNET);
    if (rc < 0) {
        snprintf(lw->err, sizeof lw->err, "TAP open: %s", strerror(-rc));
        return;
    }
    if (sh("ip link set lo up && ip addr add 192.0.2.1/24 dev sbtap1 && "
           "ip link set sbtap1 up") != 0) {
        snprintf(lw->err, sizeof lw->err, "ip addr/link on the TAP failed");
    } else {
        synack_tuntap_wait_up(&dev, 2000);
        bench_lwip_tap_run(&dev, KERNEL_ADDR, SYNACK_ADDR, bytes, max_s, lw);
    }
    synack_tuntap_close(&dev);
}

/* Runs fn in a child process and waits at most max_s + 30 s for its result. */
static int run_child(void (*fn)(uint64_t, double, tap_result *), uint64_t bytes, double max_s,
                     tap_result *res)
{
    memset(res, 0, sizeof(*res));
    int p[2];
    if (pipe(p) != 0)
        return -1;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        tap_result r;
        memset(&r, 0, sizeof r);
        fn(bytes, max_s, &r);
        ssize_t w = write(p[1], &r, sizeof r);
        _exit(w == (ssize_t)sizeof r ? 0 : 1);
    }
    close(p[1]);
    if (pid < 0) {
        close(p[0]);
        snprintf(res->err, sizeof res->err, "fork: %s", strerror(errno));
        return -1;
    }
    struct pollfd pfd = {.fd = p[0], .events = POLLIN};
    int ready = poll(&pfd, 1, (int)((max_s + 30) * 1000));
    int rc = -1;
    if (ready == 1 && read(p[0], res, sizeof *res) == (ssize_t)sizeof *res)
        rc = 0;
    else
        snprintf(res->err, sizeof res->err, "child %d gave no result in time: killed", (int)pid);
    kill(pid, SIGKILL); /* by PID: it has exited already, or it is stuck */
    waitpid(pid, NULL, 0);
    close(p[0]);
    return rc;
}

static double gbit(uint64_t bytes, double s)
{
    return s > 0 ? (double)bytes * 8 / s / 1e9 : NAN;
}

/* The rate of one direction of a child's run: NaN unless the child reported (rc 0) and moved
 * every byte asked for, so a cut-short transfer never shows as a figure. */
static double moved_gbit(int rc, uint64_t moved, uint64_t bytes, double s)
{
    return rc == 0 && moved == bytes ? gbit(moved, s) : NAN;
}

/* A row of synack's figure beside lwIP's, target synack >= 3x lwIP. */
static void add_vs_lwip_row(bench_report *r, const char *name, double synack, double lwip)
{
    bench_row *row = bench_row_add(r, name, "Gbit/s", synack, lwip, BENCH_HIGHER);
    snprintf(row->other, sizeof row->other, "lwIP");
    double ratio = bench_ratio(row);
    bench_row_target(row, ">= 3x lwIP", isnan(ratio) ? -1 : ratio >= 3);
}

/* Runs the TAP child with offloads and adds its two rows (target: kernel -> synack at
 * least 10 Gbit/s); gbits[] receives both figures (NaN when not measured). Returns 1 when it
 * failed. */
static int add_offload_rows(bench_report *r, uint64_t bytes, double max_s, double gbits[2])
{
    tap_result t;
    int trc = run_child(tap_offload_child, bytes, max_s, &t);
    double k2s = moved_gbit(trc, t.k2s_bytes, bytes, t.k2s_s);
    double s2k = moved_gbit(trc, t.s2k_bytes, bytes, t.s2k_s);
    gbits[0] = k2s;
    gbits[1] = s2k;
    bench_row *row =
        bench_row_add(r, "kernel -> synack over TAP (offloads)", "Gbit/s", k2s, NAN, BENCH_HIGHER);
    bench_row_target(row, ">= 10 Gbit/s", isnan(k2s) ? -1 : k2s >= 10);
    bench_row_add(r, "synack -> kernel over TAP (offloads)", "Gbit/s", s2k, NAN, BENCH_HIGHER);
    bench_note(r, "offloads rows: the TAP opened with IFF_VNET_HDR and TUNSETOFFLOAD(TUN_F_CSUM|"
                  "TUN_F_TSO4); partial checksums and TSO/GSO super-packets of up to 64 KiB "
                  "both ways (synack_tuntap_open_ex, SYNACK_TUNTAP_OFFLOAD)");
    if (t.err[0]) {
        bench_note(r, "TAP (offloads): %s", t.err);
        return 1;
    }
    return trc != 0;
}

/* Runs lwIP's child and adds its two rows: synack's figure beside lwIP's for the same
 * transfer, target synack >= 3x lwIP. Returns 1 when lwIP was there but failed. */
static int add_lwip_rows(bench_report *r, const tap_result *t, int trc, uint64_t bytes,
                         double max_s, const double offload_gbits[2])
{
    tap_result l;
    memset(&l, 0, sizeof l);
    int built = bench_lwip_built(), lrc = -1;
    const bench_lwip_result *lw = &l.lwip;
    const char *err = "not built (no lwIP headers at build time: apt-get install liblwip-dev)";
    if (built) {
        lrc = run_child(lwip_child, bytes, max_s, &l);
        err = lrc != 0 ? l.err : lw->err;
    }
    double lwk2l = moved_gbit(lrc, lw->k2l_bytes, bytes, lw->k2l_s);
    double lwl2k = moved_gbit(lrc, lw->l2k_bytes, bytes, lw->l2k_s);
    add_vs_lwip_row(r, "kernel -> lwIP over TAP (other col: lwIP)",
                    moved_gbit(trc, t->k2s_bytes, bytes, t->k2s_s), lwk2l);
    add_vs_lwip_row(r, "lwIP -> kernel over TAP (other col: lwIP)",
                    moved_gbit(trc, t->s2k_bytes, bytes, t->s2k_s), lwl2k);
    /* The same transfers with synack using what the TAP offers (lwIP 2.1 has no TSO or
     * checksum offload to use): what a user choosing between the two gets on this setup. */
    add_vs_lwip_row(r, "kernel -> stack over TAP, synack offloads (other col: lwIP)",
                    offload_gbits[0], lwk2l);
    add_vs_lwip_row(r, "stack -> kernel over TAP, synack offloads (other col: lwIP)",
                    offload_gbits[1], lwl2k);
    bench_note(r, "lwIP rows: synack's figure beside lwIP 2.1.3 (Debian liblwip via dlopen, "
                  "raw API, TCP_WND 64 KiB) on a TAP with our one-thread poll loop; both "
                  "ends check the bytes");
    if (err[0])
        bench_note(r, "lwIP: %s", err);
    return built && err[0] && strncmp(err, "lwIP not installed", 18) != 0;
}

int bench_tap(const bench_opts *o, bench_report *r)
{
    uint64_t bytes = o->bytes ? o->bytes : o->quick ? QUICK_BYTES : DEFAULT_BYTES;
    double max_s = o->max_seconds > 0 ? o->max_seconds : 60;
    r->other = "kernel veth";
    if (geteuid() != 0 || access("/dev/net/tun", R_OK | W_OK) != 0) {
        bench_note(r, "skipped: needs root and /dev/net/tun (TAP devices, network namespaces)");
        return 0;
    }
    tap_result t, v;
    int trc = run_child(tap_child, bytes, max_s, &t);
    int vrc = o->no_kernel ? -1 : run_child(veth_child, bytes, max_s, &v);
    double vg = vrc == 0 && !v.err[0] ? gbit(v.veth_bytes, v.veth_s) : NAN;
    bench_row_add(r, "kernel -> synack over TAP", "Gbit/s",
                  moved_gbit(trc, t.k2s_bytes, bytes, t.k2s_s), vg, BENCH_HIGHER);
    bench_row_add(r, "synack -> kernel over TAP", "Gbit/s",
                  moved_gbit(trc, t.s2k_bytes, bytes, t.s2k_s), vg, BENCH_HIGHER);
    bench_note(r,
               "%llu bytes each way, MTU 1500, 192.0.2.1 (kernel) <-> 192.0.2.2; synack runs "
               "on the TAP with its real-time loop (synack_loop), one thread; the kernel end "
               "is a thread of the same process",
               (unsigned long long)bytes);
    bench_note(r, "comparison column: kernel -> kernel over a veth pair between two network "
                  "namespaces, offloads off (ethtool -K tx off tso off gso off gro off)");
    double offload_gbits[2] = {NAN, NAN};
    int failed = add_offload_rows(r, bytes, max_s, offload_gbits);
    failed |= add_lwip_rows(r, &t, trc, bytes, max_s, offload_gbits);
    if (t.err[0]) {
        bench_note(r, "TAP: %s", t.err);
        failed = 1;
    }
    /* vrc != 0 with --no-kernel only means veth was not run. */
    if ((vrc == 0 && v.err[0]) || (vrc != 0 && !o->no_kernel)) {
        bench_note(r, "veth: %s", v.err);
        failed = 1;
    }
    return failed ? -1 : 0;
}
