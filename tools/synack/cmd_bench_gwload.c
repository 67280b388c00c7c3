/* SPDX-License-Identifier: MIT */
/* synack bench gateway — the load processes (see cmd_bench_gwload.h). */
#include "cmd_bench_gwload.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd_bench.h"

int gwload_enter(const char *ns)
{
    char path[128];
    snprintf(path, sizeof path, "/run/netns/%s", ns);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int rc = setns(fd, CLONE_NEWNET) == 0 ? 0 : -errno;
    close(fd);
    return rc;
}

pid_t gwload_spawn(const char *ns, char *const argv[], unsigned life_s)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
            _exit(126);
        if (gwload_enter(ns) != 0)
            _exit(126);
        alarm(life_s); /* survives exec: the child ends even if the bench is killed */
        execvp(argv[0], argv);
        _exit(127);
    }
    return pid;
}

void gwload_end(pid_t pid)
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

static struct sockaddr_in sin_port(uint32_t addr, uint16_t port)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(addr);
    return sa;
}

static struct sockaddr_in sin_of(uint32_t addr)
{
    return sin_port(addr, GWLOAD_ECHO_PORT);
}

/* Echoes whatever arrives on every accepted connection, and every datagram on us, until
 * killed. */
static void echo_loop(int ls, int us)
{
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = ls};
    struct epoll_event uev = {.events = EPOLLIN, .data.fd = us};
    if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev) != 0 ||
        epoll_ctl(ep, EPOLL_CTL_ADD, us, &uev) != 0)
        _exit(1);
    char buf[4096];
    for (;;) {
        struct epoll_event evs[64];
        int n = epoll_wait(ep, evs, 64, -1);
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == us) {
                struct sockaddr_in from;
                socklen_t fl = sizeof from;
                ssize_t r =
                    recvfrom(us, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
                if (r >= 0)
                    (void)sendto(us, buf, (size_t)r, MSG_DONTWAIT, (struct sockaddr *)&from, fl);
                continue;
            }
            if (fd == ls) {
                int c = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
                if (c < 0)
                    continue;
                int one = 1;
                setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                struct epoll_event cev = {.events = EPOLLIN, .data.fd = c};
                if (epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev) != 0)
                    close(c);
                continue;
            }
            ssize_t r = read(fd, buf, sizeof buf);
            /* Replies are tiny and the peer waits for each one, so a blocking write
             * cannot fill the send buffer. */
            if (r <= 0 || write(fd, buf, (size_t)r) != r)
                close(fd); /* close also drops it from the epoll set */
        }
    }
}

pid_t gwload_echo_server(const char *ns, uint32_t addr, unsigned life_s)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    alarm(life_s);
    if (gwload_enter(ns) != 0)
        _exit(1);
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    int us = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = sin_of(addr), ua = sin_port(addr, GWLOAD_UDP_PORT);
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(ls, 1024) != 0)
        _exit(1);
    if (us < 0 || bind(us, (struct sockaddr *)&ua, sizeof ua) != 0)
        _exit(1);
    echo_loop(ls, us);
    _exit(0);
}

/* Reads a request's head (bounded: 4 KiB, the socket's timeout); 0 once it ended. */
static int http_read_head(int c)
{
    char req[4096];
    size_t got = 0;
    while (got < sizeof req - 1) {
        ssize_t r = read(c, req + got, sizeof req - 1 - got);
        if (r <= 0)
            return -1;
        got += (size_t)r;
        req[got] = '\0';
        if (strstr(req, "\r\n\r\n"))
            return strncmp(req, "GET ", 4) == 0 ? 0 : -1;
    }
    return -1;
}

static void http_serve(int c)
{
    static char body[256 << 10];
    memset(body, 'h', sizeof body);
    struct timeval tv = {10, 0}; /* a client that stops reading cannot hold the server */
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (http_read_head(c) != 0)
        return;
    char head[160];
    int hl = snprintf(head, sizeof head,
                      "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                      "Content-Length: %u\r\nConnection: close\r\n\r\n",
                      GWLOAD_HTTP_BYTES);
    if (write(c, head, (size_t)hl) != hl)
        return;
    for (size_t left = GWLOAD_HTTP_BYTES; left > 0;) {
        size_t n = left < sizeof body ? left : sizeof body;
        ssize_t w = write(c, body, n);
        if (w <= 0)
            return;
        left -= (size_t)w;
    }
}

pid_t gwload_http_server(const char *ns, uint32_t addr, unsigned life_s)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    alarm(life_s);
    signal(SIGPIPE, SIG_IGN);
    if (gwload_enter(ns) != 0)
        _exit(1);
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    struct sockaddr_in sa = sin_port(addr, GWLOAD_HTTP_PORT);
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(ls, 16) != 0)
        _exit(1);
    for (;;) {
        int c = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0)
            continue;
        http_serve(c);
        close(c);
    }
}

static double now_s(void)
{
    return (double)bench_now_ns() / 1e9;
}

static int full_read(int fd, char *b, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, b + got, n - got);
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    return 0;
}

static int dial(uint32_t addr)
{
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    struct sockaddr_in sa = sin_of(addr);
    if (s < 0)
        return -1;
    struct timeval tv = {2, 0}; /* one stuck exchange must not stall the run */
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(s, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(s);
        return -1;
    }
    return s;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The client body, run in the child: fills *res. */
static void connect_rate_body(uint32_t addr, uint64_t count, double max_s, gwload_result *res)
{
    char req[64], rep[64];
    memset(req, 'r', sizeof req);
    double t0 = now_s(), t = t0;
    for (uint64_t i = 0; i < count && t - t0 < max_s; i++) {
        int s = dial(addr);
        if (s < 0 || write(s, req, sizeof req) != (ssize_t)sizeof req ||
            full_read(s, rep, sizeof rep) != 0) {
            res->failed = 1;
            if (s >= 0)
                close(s);
            break;
        }
        close(s);
        res->done++;
        t = now_s();
    }
    res->rate = t > t0 ? (double)res->done / (t - t0) : NAN;
}

static void pingpong_body(uint32_t addr, uint64_t count, double max_s, gwload_result *res)
{
    double *rtt = calloc(count ? count : 1, sizeof *rtt);
    int s = dial(addr);
    if (!rtt || s < 0) {
        res->failed = 1;
        free(rtt);
        return;
    }
    double t0 = now_s();
    char b = 'x';
    for (uint64_t i = 0; i < count; i++) {
        double a = now_s();
        if (a - t0 >= max_s)
            break;
        if (write(s, &b, 1) != 1 || full_read(s, &b, 1) != 0) {
            res->failed = 1;
            break;
        }
        rtt[res->done++] = (now_s() - a) * 1e6;
    }
    close(s);
    if (res->done) {
        qsort(rtt, res->done, sizeof *rtt, cmp_double);
        res->p50_us = rtt[(size_t)(0.50 * (double)(res->done - 1) + 0.5)];
        res->p99_us = rtt[(size_t)(0.99 * (double)(res->done - 1) + 0.5)];
    }
    free(rtt);
}

static void udp_rr_body(uint32_t addr, uint64_t count, size_t size, double max_s,
                        gwload_result *res)
{
    double *rtt = calloc(count ? count : 1, sizeof *rtt);
    char out[1500], in[1500];
    if (size > sizeof out)
        size = sizeof out;
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = sin_port(addr, GWLOAD_UDP_PORT);
    struct timeval tv = {0, 200000};
    if (!rtt || s < 0 || setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
        connect(s, (struct sockaddr *)&sa, sizeof sa) != 0) {
        res->failed = 1;
        free(rtt);
        if (s >= 0)
            close(s);
        return;
    }
    double t0 = now_s();
    for (uint64_t i = 0; i < count; i++) {
        double a = now_s();
        if (a - t0 >= max_s)
            break;
        /* Each request carries its number so that a late reply to an earlier one (after
         * its 200 ms) is not taken for this one's. */
        memset(out, 'u', size);
        memcpy(out, &i, size < sizeof i ? size : sizeof i);
        if (send(s, out, size, 0) != (ssize_t)size) {
            res->lost++;
            continue;
        }
        for (;;) {
            ssize_t r = recv(s, in, sizeof in, 0);
            if (r < 0) {
                res->lost++;
                break;
            }
            if ((size_t)r == size && memcmp(in, out, size) == 0) {
                rtt[res->done++] = (now_s() - a) * 1e6;
                break;
            }
        }
    }
    close(s);
    if (res->done) {
        qsort(rtt, res->done, sizeof *rtt, cmp_double);
        res->p50_us = rtt[(size_t)(0.50 * (double)(res->done - 1) + 0.5)];
        res->p99_us = rtt[(size_t)(0.99 * (double)(res->done - 1) + 0.5)];
    }
    res->failed = res->done == 0 || res->lost * 10 > res->done + res->lost;
    free(rtt);
}

enum { CLIENT_CONNECT, CLIENT_PINGPONG, CLIENT_UDP };

/* Runs one client body in a child that joined `ns`; the result comes back over a pipe. */
static int run_client(const char *ns, uint32_t addr, uint64_t count, double max_s, int kind,
                      size_t size, gwload_result *res)
{
    memset(res, 0, sizeof *res);
    res->rate = res->p50_us = res->p99_us = NAN;
    int pfd[2];
    if (pipe(pfd) != 0)
        return -errno;
    pid_t pid = fork();
    if (pid < 0) {
        close(pfd[0]);
        close(pfd[1]);
        return -errno;
    }
    if (pid == 0) {
        close(pfd[0]);
        alarm((unsigned)max_s + 10);
        gwload_result r = *res;
        if (gwload_enter(ns) != 0)
            r.failed = 1;
        else if (kind == CLIENT_PINGPONG)
            pingpong_body(addr, count, max_s, &r);
        else if (kind == CLIENT_UDP)
            udp_rr_body(addr, count, size, max_s, &r);
        else
            connect_rate_body(addr, count, max_s, &r);
        _exit(write(pfd[1], &r, sizeof r) == (ssize_t)sizeof r ? 0 : 1);
    }
    close(pfd[1]);
    gwload_result r;
    ssize_t n = read(pfd[0], &r, sizeof r); /* EOF at the latest when the alarm ends it */
    close(pfd[0]);
    waitpid(pid, NULL, 0);
    if (n != (ssize_t)sizeof r) {
        res->failed = 1;
        return -EIO;
    }
    *res = r;
    return 0;
}

int gwload_connect_rate(const char *ns, uint32_t addr, uint64_t count, double max_s,
                        gwload_result *res)
{
    return run_client(ns, addr, count, max_s, CLIENT_CONNECT, 0, res);
}

int gwload_pingpong(const char *ns, uint32_t addr, uint64_t count, double max_s, gwload_result *res)
{
    return run_client(ns, addr, count, max_s, CLIENT_PINGPONG, 0, res);
}

int gwload_udp_rr(const char *ns, uint32_t addr, uint64_t count, size_t size, double max_s,
                  gwload_result *res)
{
    return run_client(ns, addr, count, max_s, CLIENT_UDP, size ? size : 1, res);
}

double gwload_cpu_seconds(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return NAN;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* comm may hold spaces and parentheses: fields are counted after the last ')' */
    const char *p = strrchr(buf, ')');
    unsigned long ut = 0, st = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return NAN;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}
