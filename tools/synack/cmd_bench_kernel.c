/* SPDX-License-Identifier: MIT */
/* synack bench — the Linux kernel's side of each comparison, over loopback (127.0.0.1, or
 * ::1 for the IPv6 rows) in this process: a server thread and the calling thread as
 * client, blocking sockets. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cmd_bench.h"

/* What the server thread needs and reports. */
typedef struct kserver {
    int lfd;           /* listening socket */
    int cpu;           /* pin to this CPU, -1 none */
    uint64_t count;    /* lifecycles or round trips to serve */
    uint64_t bytes;    /* bytes read (throughput) */
    uint64_t served;   /* lifecycles served (churn) */
    volatile int stop; /* churn: the client gave up early */
    int err;           /* errno of a failure, 0 none */
} kserver;

/* The loopback address and a port: 127.0.0.1, or ::1 when v6. */
typedef union kaddr {
    struct sockaddr sa;
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
} kaddr;

static socklen_t loopback_addr(kaddr *a, int v6, uint16_t port)
{
    memset(a, 0, sizeof(*a));
    if (v6) {
        a->v6.sin6_family = AF_INET6;
        a->v6.sin6_port = htons(port);
        a->v6.sin6_addr = in6addr_loopback;
        return sizeof(a->v6);
    }
    a->v4.sin_family = AF_INET;
    a->v4.sin_port = htons(port);
    a->v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return sizeof(a->v4);
}

/* A listening socket on 127.0.0.1 (::1 when v6) with an ephemeral port; maxseg > 0 sets
 * TCP_MAXSEG (accepted sockets inherit it). Returns the fd and fills *port, or -errno. */
static int listen_loopback(int maxseg, int v6, uint16_t *port)
{
    int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (maxseg > 0 && setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &maxseg, sizeof maxseg) != 0)
        goto fail;
    kaddr a;
    socklen_t len = loopback_addr(&a, v6, 0);
    if (bind(fd, &a.sa, len) != 0 || listen(fd, 1024) != 0)
        goto fail;
    if (getsockname(fd, &a.sa, &len) != 0)
        goto fail;
    *port = ntohs(v6 ? a.v6.sin6_port : a.v4.sin_port);
    return fd;
fail:;
    int e = errno;
    close(fd);
    return -e;
}

static int connect_loopback(uint16_t port, int maxseg, int nodelay, int v6)
{
    int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (maxseg > 0)
        setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &maxseg, sizeof maxseg);
    if (nodelay)
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, sizeof nodelay);
    kaddr a;
    socklen_t len = loopback_addr(&a, v6, port);
    if (connect(fd, &a.sa, len) != 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

/* Reads exactly n bytes; returns 0, 1 at EOF, or -errno. */
static int read_full(int fd, void *buf, size_t n)
{
    uint8_t *p = buf;
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r == 0)
            return 1;
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static int write_full(int fd, const void *buf, size_t n)
{
    const uint8_t *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* ---- throughput ---- */

static void *sink_thread(void *arg)
{
    kserver *ks = arg;
    int fd = accept(ks->lfd, NULL, NULL);
    if (fd < 0) {
        ks->err = errno;
        return NULL;
    }
    size_t cap = 256u << 10;
    uint8_t *buf = malloc(cap);
    for (; buf;) {
        ssize_t r = read(fd, buf, cap);
        if (r == 0)
            break;
        if (r < 0) {
            if (errno == EINTR)
                continue;
            ks->err = errno;
            break;
        }
        ks->bytes += (uint64_t)r;
    }
    free(buf);
    close(fd);
    return NULL;
}

int kbench_throughput(uint64_t bytes, int maxseg, int v6, kbench_result *res)
{
    memset(res, 0, sizeof(*res));
    uint16_t port;
    int lfd = listen_loopback(maxseg, v6, &port);
    if (lfd < 0) {
        snprintf(res->error, sizeof res->error, "listen: %s", strerror(-lfd));
        return -1;
    }
    kserver ks = {.lfd = lfd, .cpu = -1};
    pthread_t th;
    if (pthread_create(&th, NULL, sink_thread, &ks) != 0) {
        close(lfd);
        snprintf(res->error, sizeof res->error, "pthread_create failed");
        return -1;
    }
    size_t chunk = 128u << 10;
    uint8_t *buf = calloc(1, chunk);
    uint64_t t0 = bench_now_ns(), c0 = bench_cpu_ns();
    int fd = connect_loopback(port, maxseg, 0, v6);
    int rc = 0;
    if (fd < 0 || !buf) {
        snprintf(res->error, sizeof res->error, "connect: %s", strerror(fd < 0 ? -fd : ENOMEM));
        rc = -1;
    } else {
        socklen_t len = sizeof res->cc;
        if (getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, res->cc, &len) != 0)
            snprintf(res->cc, sizeof res->cc, "?");
        res->cc[sizeof res->cc - 1] = '\0';
        len = sizeof res->mss;
        getsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &res->mss, &len);
        for (uint64_t left = bytes; left > 0;) {
            size_t n = left < chunk ? (size_t)left : chunk;
            if (write_full(fd, buf, n) != 0) {
                snprintf(res->error, sizeof res->error, "write: %s", strerror(errno));
                rc = -1;
                break;
            }
            left -= n;
        }
        close(fd);
    }
    if (fd < 0)
        shutdown(lfd, SHUT_RDWR); /* wake the accept */
    pthread_join(th, NULL);
    res->seconds = (double)(bench_now_ns() - t0) / 1e9;
    res->cpu_seconds = (double)(bench_cpu_ns() - c0) / 1e9;
    res->bytes = ks.bytes;
    close(lfd);
    if (rc == 0 && ks.bytes != bytes) {
        snprintf(res->error, sizeof res->error, "received %llu of %llu bytes",
                 (unsigned long long)ks.bytes, (unsigned long long)bytes);
        rc = -1;
    }
    free(buf);
    return rc;
}

/* ---- churn ---- */

static void *churn_server(void *arg)
{
    kserver *ks = arg;
    uint8_t buf[64];
    while (!ks->stop && ks->served < ks->count) {
        int fd = accept(ks->lfd, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR)
                continue;
            if (!ks->stop)
                ks->err = errno;
            break;
        }
        if (read_full(fd, buf, sizeof buf) == 0 && write_full(fd, buf, sizeof buf) == 0) {
            /* The client closes first: wait for its FIN, then close (LAST-ACK here,
             * TIME-WAIT on the client, as the issue asks). */
            while (read(fd, buf, sizeof buf) > 0) {
            }
        }
        close(fd);
        ks->served++;
    }
    return NULL;
}

int kbench_churn(uint64_t count, double max_seconds, int v6, kbench_result *res)
{
    memset(res, 0, sizeof(*res));
    uint16_t port;
    int lfd = listen_loopback(0, v6, &port);
    if (lfd < 0) {
        snprintf(res->error, sizeof res->error, "listen: %s", strerror(-lfd));
        return -1;
    }
    kserver ks = {.lfd = lfd, .cpu = -1, .count = count};
    pthread_t th;
    if (pthread_create(&th, NULL, churn_server, &ks) != 0) {
        close(lfd);
        snprintf(res->error, sizeof res->error, "pthread_create failed");
        return -1;
    }
    uint8_t req[64], rep[64];
    memset(req, 'q', sizeof req);
    uint64_t t0 = bench_now_ns(), c0 = bench_cpu_ns();
    uint64_t limit = max_seconds > 0 ? (uint64_t)(max_seconds * 1e9) : UINT64_MAX;
    uint64_t done = 0;
    int rc = 0;
    while (done < count) {
        int fd = connect_loopback(port, 0, 0, v6);
        if (fd < 0) {
            snprintf(res->error, sizeof res->error, "connect #%llu: %s", (unsigned long long)done,
                     strerror(-fd));
            rc = -1;
            break;
        }
        if (write_full(fd, req, sizeof req) != 0 || read_full(fd, rep, sizeof rep) != 0) {
            snprintf(res->error, sizeof res->error, "request #%llu failed",
                     (unsigned long long)done);
            close(fd);
            rc = -1;
            break;
        }
        close(fd);
        done++;
        if ((done & 255) == 0 && bench_now_ns() - t0 > limit)
            break;
    }
    res->seconds = (double)(bench_now_ns() - t0) / 1e9;
    res->cpu_seconds = (double)(bench_cpu_ns() - c0) / 1e9;
    res->count = done;
    if (done < count) {
        ks.stop = 1;
        shutdown(lfd, SHUT_RDWR); /* wake a blocked accept */
    }
    pthread_join(th, NULL);
    close(lfd);
    return rc;
}

/* ---- latency ---- */

static void *echo_server(void *arg)
{
    kserver *ks = arg;
    bench_pin(ks->cpu);
    int fd = accept(ks->lfd, NULL, NULL);
    if (fd < 0) {
        ks->err = errno;
        return NULL;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    uint8_t b;
    for (;;) {
        ssize_t r = read(fd, &b, 1);
        if (r <= 0)
            break;
        if (write(fd, &b, 1) != 1)
            break;
        ks->served++;
    }
    close(fd);
    return NULL;
}

int kbench_latency(uint64_t count, int cpu, int v6, kbench_result *res)
{
    memset(res, 0, sizeof(*res));
    uint32_t *rtt = malloc(count * sizeof *rtt);
    if (!rtt) {
        snprintf(res->error, sizeof res->error, "out of memory");
        return -1;
    }
    uint16_t port;
    int lfd = listen_loopback(0, v6, &port);
    if (lfd < 0) {
        free(rtt);
        snprintf(res->error, sizeof res->error, "listen: %s", strerror(-lfd));
        return -1;
    }
    kserver ks = {.lfd = lfd, .cpu = cpu};
    pthread_t th;
    if (pthread_create(&th, NULL, echo_server, &ks) != 0) {
        free(rtt);
        close(lfd);
        snprintf(res->error, sizeof res->error, "pthread_create failed");
        return -1;
    }
    cpu_set_t old;
    sched_getaffinity(0, sizeof old, &old);
    bench_pin(cpu);
    int fd = connect_loopback(port, 0, 1, v6);
    int rc = 0;
    uint64_t done = 0;
    uint64_t t0 = bench_now_ns(), c0 = bench_cpu_ns();
    if (fd < 0) {
        snprintf(res->error, sizeof res->error, "connect: %s", strerror(-fd));
        shutdown(lfd, SHUT_RDWR);
        rc = -1;
    } else {
        uint8_t b = 'x';
        for (; done < count; done++) {
            uint64_t a = bench_now_ns();
            if (write(fd, &b, 1) != 1 || read(fd, &b, 1) != 1) {
                snprintf(res->error, sizeof res->error, "ping-pong #%llu failed",
                         (unsigned long long)done);
                rc = -1;
                break;
            }
            uint64_t d = bench_now_ns() - a;
            rtt[done] = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
        }
        close(fd);
    }
    res->seconds = (double)(bench_now_ns() - t0) / 1e9;
    res->cpu_seconds = (double)(bench_cpu_ns() - c0) / 1e9;
    pthread_join(th, NULL);
    sched_setaffinity(0, sizeof old, &old);
    close(lfd);
    res->count = done;
    res->median_ns = bench_quantile_u32(rtt, done, 0.5);
    res->p99_ns = bench_quantile_u32(rtt, done, 0.99);
    free(rtt);
    return rc;
}
