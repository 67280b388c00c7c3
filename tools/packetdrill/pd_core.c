/* SPDX-License-Identifier: MIT */
/* libsynack_packetdrill.so: the entry point packetdrill looks up, the flags, the virtual
 * clock and the "network device" (packets in through netdev_send, out through
 * netdev_receive).
 *
 * Time is virtual: packetdrill busy-waits on gettimeofday and sleeps through usleep, so
 * each gettimeofday moves the clock a little and usleep moves it by its argument; timers
 * that fall due on the way run at their own deadline, and the packets they send carry that
 * deadline as their timestamp. When packetdrill waits for a packet and none is queued,
 * netdev_receive jumps the clock to the stack's next deadline. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "pd_shim.h"

/* How far gettimeofday moves the clock per call: packetdrill spins on it for the last
 * 20 us before an event, so a tick must be well below that. */
#define PD_GTOD_TICK_US 1
/* netdev_receive gives up (fails the test fast) when the stack would need to run longer
 * than this without sending anything. */
#define PD_MAX_JUMP_US (4ull * 3600 * 1000000)
/* How long netdev_receive waits, in real time, for a packet from another thread's socket
 * call before declaring that none will come. */
#define PD_RECEIVE_GRACE_MS 1000
/* Real time a usleep yields after a blocking call returned (see pd_usleep). */
#define PD_RELEASE_GRACE_NS 2000000L

/* The virtual clock starts here, so that no timestamp is 0. */
#define PD_T0_US 1000000ull

void pd_lock(pd_shim *sh)
{
    pthread_mutex_lock(&sh->mu);
}
void pd_unlock(pd_shim *sh)
{
    pthread_mutex_unlock(&sh->mu);
}

void pd_changed(pd_shim *sh)
{
    if (sh->waiters || sh->rx_waiting) {
        sh->woken = sh->waiters;
        pthread_cond_broadcast(&sh->cv);
    }
}

void pd_settle(pd_shim *sh)
{
    if (!pthread_equal(pthread_self(), sh->main_thread) || sh->woken == 0)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 1; /* a woken thread that never runs must not hang the test */
    while (sh->woken > 0) {
        if (pthread_cond_timedwait(&sh->settled, &sh->mu, &ts) != 0) {
            sh->woken = 0;
            break;
        }
    }
}

long pd_ret(long rc)
{
    if (rc < 0) {
        errno = (int)-rc;
        return -1;
    }
    return rc;
}

void pd_advance(pd_shim *sh, uint64_t t)
{
    pd_settle(sh);
    /* Run each due timer at its own deadline, in order, so what it sends is stamped with
     * the time the stack chose. The bound only guards against a timer that never moves. */
    for (int guard = 0; guard < 1000000; guard++) {
        uint64_t d = synack_next_deadline(sh->st);
        if (d > t)
            break;
        if (d > sh->now)
            sh->now = d;
        synack_poll(sh->st, sh->now);
    }
    if (t > sh->now)
        sh->now = t;
    synack_set_time(sh->st, sh->now);
    pd_changed(sh);
}

int pd_block(pd_shim *sh, uint64_t until_us)
{
    if (sh->closing)
        return -EINTR;
    if (sh->now >= until_us)
        return -ETIMEDOUT;
    if (pthread_equal(pthread_self(), sh->main_thread)) {
        /* Nobody else moves the clock while this thread waits: let time pass as it
         * would, up to the next timer or the caller's limit. */
        uint64_t d = synack_next_deadline(sh->st);
        if (d == UINT64_MAX && until_us == UINT64_MAX)
            return -EAGAIN; /* would block forever */
        pd_advance(sh, d < until_us ? d : until_us);
        return 0;
    }
    sh->waiters++;
    pthread_cond_wait(&sh->cv, &sh->mu);
    sh->waiters--;
    sh->released++;
    if (sh->woken > 0 && --sh->woken == 0)
        pthread_cond_broadcast(&sh->settled);
    return sh->closing ? -EINTR : 0;
}

pd_fd *pd_fd_slot(pd_shim *sh, int fd)
{
    if (fd < 0)
        return NULL;
    if (fd >= sh->nfds) {
        int n = sh->nfds ? sh->nfds : 64;
        while (n <= fd)
            n *= 2;
        pd_fd *bigger = realloc(sh->fds, (size_t)n * sizeof(*bigger));
        if (!bigger)
            return NULL;
        memset(bigger + sh->nfds, 0, (size_t)(n - sh->nfds) * sizeof(*bigger));
        sh->fds = bigger;
        sh->nfds = n;
    }
    return &sh->fds[fd];
}

pd_fd *pd_fd_get(pd_shim *sh, int fd, pd_fd_kind kind)
{
    if (fd < 0 || fd >= sh->nfds || sh->fds[fd].kind != kind)
        return NULL;
    return &sh->fds[fd];
}

void pd_fd_forget(pd_shim *sh, int fd)
{
    if (fd < 0 || fd >= sh->nfds)
        return;
    pd_epoll_release(&sh->fds[fd]);
    memset(&sh->fds[fd], 0, sizeof(sh->fds[fd]));
}

/* The stack's netif output: queue a copy of the packet, stamped with the current time. */
static int pd_output(void *ctx, const uint8_t *frame, size_t len)
{
    pd_shim *sh = ctx;
    int rc = pd_qdisc_pass(sh, frame, len);
    if (rc < 0)
        return rc; /* a local drop: packetdrill never sees the frame, as on Linux */
    pd_pkt *p = malloc(sizeof(*p) + len);
    if (!p)
        return -ENOMEM;
    p->next = NULL;
    p->t_us = sh->now;
    p->len = len;
    memcpy(p->data, frame, len);
    if (sh->tail)
        sh->tail->next = p;
    else
        sh->head = p;
    sh->tail = p;
    return 0;
}

static int pd_netdev_send(void *ud, const void *buf, size_t n)
{
    pd_shim *sh = ud;
    pd_lock(sh);
    pd_route_sync(sh); /* what this packet makes the stack send meets today's routes */
    synack_input(sh->st, sh->now, buf, n);
    pd_changed(sh);
    pd_unlock(sh);
    return 0; /* a dropped packet is the stack's business, as on a wire */
}

static void add_ms(struct timespec *ts, long ms)
{
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static int pd_netdev_receive(void *ud, void *buf, size_t *n, long long *time_us)
{
    pd_shim *sh = ud;
    pd_lock(sh);
    uint64_t start = sh->now;
    int waited = 0;
    for (;;) {
        pd_pkt *p = sh->head;
        if (p) {
            sh->head = p->next;
            if (!sh->head)
                sh->tail = NULL;
            size_t len = p->len < *n ? p->len : *n;
            memcpy(buf, p->data, len);
            *n = len;
            *time_us = (long long)(sh->epoch_us + p->t_us);
            free(p);
            pd_unlock(sh);
            return 0;
        }
        uint64_t d = synack_next_deadline(sh->st);
        if (d != UINT64_MAX && d - (d > start ? start : d) <= PD_MAX_JUMP_US) {
            /* Nothing queued: what comes next is what the next timer sends. */
            pd_advance(sh, d > sh->now ? d : sh->now);
            continue;
        }
        if (waited || sh->closing)
            break;
        /* No timer either: only a socket call on another thread can still send
         * something. Give it a moment of real time. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        add_ms(&ts, PD_RECEIVE_GRACE_MS);
        sh->rx_waiting = 1;
        while (!sh->head && !sh->closing) {
            if (pthread_cond_timedwait(&sh->cv, &sh->mu, &ts) != 0)
                break;
        }
        sh->rx_waiting = 0;
        waited = 1;
    }
    /* Nothing will ever come: an empty packet makes packetdrill fail at once with a parse
     * error, instead of calling us again forever. */
    fprintf(stderr, "synack-packetdrill: the stack has nothing to send (now %.6f s)\n",
            (double)(sh->now - PD_T0_US) / 1e6);
    *n = 0;
    *time_us = (long long)(sh->epoch_us + sh->now);
    pd_unlock(sh);
    return 0;
}

static int pd_usleep(void *ud, useconds_t us)
{
    pd_shim *sh = ud;
    pd_lock(sh);
    pd_settle(sh);
    if (sh->released) {
        /* A blocking call returned to packetdrill's syscall thread, which records the
         * result (the accepted fd, say) under packetdrill's lock, released only while
         * this usleep runs. Virtual sleep takes no real time, so give that thread some:
         * otherwise the next event can run before packetdrill knows the new fd. */
        sh->released = 0;
        pd_unlock(sh);
        struct timespec ts = {0, PD_RELEASE_GRACE_NS};
        nanosleep(&ts, NULL);
        pd_lock(sh);
    }
    pd_advance(sh, sh->now + us);
    pd_unlock(sh);
    return 0;
}

static int pd_gettimeofday(void *ud, struct timeval *tv, struct timezone *tz)
{
    (void)tz;
    pd_shim *sh = ud;
    pd_lock(sh);
    pd_advance(sh, sh->now + PD_GTOD_TICK_US);
    uint64_t t = sh->epoch_us + sh->now;
    pd_unlock(sh);
    if (tv) {
        tv->tv_sec = (time_t)(t / 1000000);
        tv->tv_usec = (suseconds_t)(t % 1000000);
    }
    return 0;
}

/* Reads the count of eventfd fd from /proc; returns 1 and sets *v if fd is an eventfd. */
static int eventfd_count(int fd, unsigned long long *v)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[256];
    int found = 0;
    while (fgets(line, sizeof(line), f)) {
        if (sscanf(line, "eventfd-count: %llx", v) == 1) {
            found = 1;
            break;
        }
    }
    fclose(f);
    return found;
}

static void pd_free(void *ud)
{
    pd_shim *sh = ud;
    if (!sh)
        return;
    pd_hook_remove(sh);
    pd_lock(sh);
    sh->closing = 1;
    pthread_cond_broadcast(&sh->cv);
    /* Let blocked calls see `closing` and leave before the mutex goes away. */
    for (int i = 0; i < 1000 && sh->waiters; i++) {
        pd_unlock(sh);
        usleep(1000);
        pd_lock(sh);
    }
    for (int fd = 0; fd < sh->nfds; fd++) {
        if (sh->fds[fd].kind == PD_FD_NONE)
            continue;
        /* packetdrill may already have closed the fd with libc and the number may have
         * been reused: close it only if it is still our eventfd. */
        unsigned long long v;
        if (eventfd_count(fd, &v) && v == PD_EVENTFD_TAG)
            close(fd);
        pd_fd_forget(sh, fd);
    }
    free(sh->fds);
    while (sh->head) {
        pd_pkt *p = sh->head;
        sh->head = p->next;
        free(p);
    }
    synack_stack_free(sh->st);
    pd_qdisc_close(sh);
    int waiters = sh->waiters;
    pd_unlock(sh);
    if (waiters)
        return; /* a thread is still inside: leak the shim rather than free it under it */
    pthread_cond_destroy(&sh->cv);
    pthread_cond_destroy(&sh->settled);
    pthread_mutex_destroy(&sh->mu);
    free(sh);
}

static int entropy(void *ctx, void *buf, size_t len)
{
    (void)ctx;
    /* Deterministic runs make failures repeatable; the seed comes from the config. */
    memset(buf, 0x5a, len);
    return 0;
}

/* Parses "addr=A,mss=N,profile=rfc|linux,rack=0|1,sysctl_dir=DIR,prefix=N,prefix6=N,remote=A,
 * gateway=A,mtu=N" (A: IPv4, or IPv6 for addr, remote and gateway). Returns 0 or -1
 * (message on stderr). */
static int parse_addr(pd_shim *sh, const char *k, const char *v)
{
    struct in_addr a;
    struct in6_addr a6;
    if (inet_pton(AF_INET, v, &a) == 1) {
        uint32_t h = ntohl(a.s_addr);
        if (k[0] == 'a') {
            sh->addr = h;
            sh->v6 = 0;
        } else {
            *(k[0] == 'r' ? &sh->tun_remote : &sh->tun_gateway) = h;
        }
        return 0;
    }
    if (inet_pton(AF_INET6, v, &a6) == 1) {
        /* addr= picks the mode: an IPv6 address is packetdrill's --ip_version=ipv6 */
        uint8_t *to = k[0] == 'a' ? sh->addr6 : k[0] == 'r' ? sh->tun_remote6 : sh->tun_gateway6;
        memcpy(to, &a6, 16);
        if (k[0] == 'a')
            sh->v6 = 1;
        return 0;
    }
    fprintf(stderr, "synack-packetdrill: bad %s '%s'\n", k, v);
    return -1;
}

/* A decimal flag value in lo..hi: 0 and *out, or -1 (message on stderr). */
static int parse_num(const char *k, const char *v, unsigned long lo, unsigned long hi,
                     unsigned long *out)
{
    char *end;
    unsigned long n = strtoul(v, &end, 10);
    if (!*v || *end || n < lo || n > hi) {
        fprintf(stderr, "synack-packetdrill: bad %s '%s'\n", k, v);
        return -1;
    }
    *out = n;
    return 0;
}

static int parse_flags(pd_shim *sh, const char *flags)
{
    if (!flags)
        return 0;
    char *copy = strdup(flags);
    if (!copy)
        return -1;
    int rc = 0;
    char *save = NULL;
    for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq) {
            rc = -1;
            fprintf(stderr, "synack-packetdrill: flag '%s' is not key=value\n", kv);
            break;
        }
        *eq = '\0';
        const char *k = kv, *v = eq + 1;
        unsigned long n;
        if (strcmp(k, "addr") == 0 || strcmp(k, "remote") == 0 || strcmp(k, "gateway") == 0) {
            if (parse_addr(sh, k, v) != 0) {
                rc = -1;
                break;
            }
        } else if (strcmp(k, "prefix") == 0) {
            if (parse_num(k, v, 1, 32, &n) != 0) {
                rc = -1;
                break;
            }
            sh->tun_prefix = (uint8_t)n;
        } else if (strcmp(k, "prefix6") == 0) {
            if (parse_num(k, v, 1, 128, &n) != 0) {
                rc = -1;
                break;
            }
            sh->tun_prefix6 = (uint8_t)n;
        } else if (strcmp(k, "mtu") == 0) {
            /* an IPv6 run needs 1280 at least (RFC 8200 5): the stack's config check says
             * so at build time */
            if (parse_num(k, v, 576, PD_MTU_MAX, &n) != 0) {
                rc = -1;
                break;
            }
            sh->mtu = (uint32_t)n;
        } else if (strcmp(k, "mss") == 0) {
            char *end;
            unsigned long m = strtoul(v, &end, 10);
            if (*end || m < 88 || m > 65495) { /* synack_config_check's range */
                rc = -1;
                fprintf(stderr, "synack-packetdrill: bad mss '%s'\n", v);
                break;
            }
            sh->mss = (uint16_t)m;
        } else if (strcmp(k, "rack") == 0) {
            if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0) {
                rc = -1;
                fprintf(stderr, "synack-packetdrill: rack must be 0 or 1\n");
                break;
            }
            sh->rack = v[0] == '1';
        } else if (strcmp(k, "sysctl_dir") == 0) {
            if (strlen(v) >= sizeof(sh->sysctl_dir)) {
                rc = -1;
                fprintf(stderr, "synack-packetdrill: sysctl_dir too long\n");
                break;
            }
            strcpy(sh->sysctl_dir, v);
        } else if (strcmp(k, "profile") == 0) {
            if (strcmp(v, "linux") == 0) {
                sh->linux_profile = 1;
            } else if (strcmp(v, "rfc") == 0) {
                sh->linux_profile = 0;
            } else {
                rc = -1;
                fprintf(stderr, "synack-packetdrill: profile must be rfc or linux\n");
                break;
            }
        } else {
            rc = -1;
            fprintf(stderr, "synack-packetdrill: unknown flag '%s'\n", k);
            break;
        }
    }
    free(copy);
    return rc;
}

/* The stack's configuration for a profile. The linux profile sets the knobs to Linux's
 * values and turns on the engine's Linux choices (cfg.linux_profile, see ARCHITECTURE.md
 * "Profiles"). */
static void configure(const pd_shim *sh, synack_config *cfg)
{
    synack_config_init(cfg); /* core defaults: the shim brings its own entropy, below */
    cfg->netif.type = SYNACK_LINK_IP;
    cfg->netif.addr = sh->addr;
    cfg->netif.prefix_len = 0; /* everything is on the (virtual) link */
    cfg->netif.mtu = sh->mtu;
    if (sh->v6) {
        /* an IPv6 peer is on the one (virtual) link as well: prefix 0 */
        memcpy(cfg->netif.addr6, sh->addr6, 16);
    }
    cfg->mss = sh->mss;
    cfg->entropy = entropy;
    /* Linux detects loss with RACK-TLP by default (net.ipv4.tcp_recovery = 1), so the
     * linux profile does too; the rfc profile keeps RFC 6675's duplicate-ACK rule. */
    cfg->rack = (uint8_t)(sh->rack >= 0 ? sh->rack : sh->linux_profile);
    if (sh->linux_profile) {
        cfg->linux_profile = 1;
        cfg->wscale = 8;               /* what Linux offers with its default buffers */
        cfg->initial_cwnd_segs = 10;   /* TCP_INIT_CWND */
        cfg->rto_initial_us = 1000000; /* TCP_TIMEOUT_INIT */
        cfg->rto_min_us = 200000;      /* TCP_RTO_MIN */
        cfg->delack_us = 40000;        /* TCP_DELACK_MIN */
        cfg->syn_retries = 6;          /* tcp_syn_retries */
        cfg->synack_retries = 5;       /* tcp_synack_retries */
        cfg->synack_giveup_rst = 0;    /* Linux drops a timed-out embryo silently */
        cfg->msl_us = 30000000;        /* TCP_TIMEWAIT_LEN is 60 s = 2 MSL */
    }
    pd_host_apply(sh, cfg);
}

int pd_stack_build(pd_shim *sh)
{
    synack_config cfg;
    configure(sh, &cfg);
    cfg.netif.output = pd_output;
    cfg.netif.output_ctx = sh;
    const char *field = NULL;
    synack_stack *st = NULL;
    int rc = synack_stack_create(&cfg, &st, &field);
    if (rc != 0) {
        fprintf(stderr, "synack-packetdrill: synack_stack_create: %s%s%s\n", strerror(-rc),
                field ? ", field " : "", field ? field : "");
        return rc;
    }
    pd_host_apply_stack(sh, st);
    synack_stack_free(sh->st);
    sh->st = st;
    sh->nroutes = sh->nroutes6 = 0; /* the new stack's tables are empty */
    synack_set_time(sh->st, sh->now);
    return 0;
}

void packetdrill_interface_init(const char *flags, pd_interface *ifc)
    __attribute__((visibility("default")));

void packetdrill_interface_init(const char *flags, pd_interface *ifc)
{
    memset(ifc, 0, sizeof(*ifc));
    pd_shim *sh = calloc(1, sizeof(*sh));
    if (!sh) {
        fprintf(stderr, "synack-packetdrill: out of memory\n");
        abort();
    }
    sh->addr = 0xc0000202;        /* 192.0.2.2 unless addr= says otherwise */
    sh->rack = -1;                /* the profile's choice unless rack= says otherwise */
    sh->tun_prefix = 16;          /* packetdrill's defaults: netmask 255.255.0.0, */
    sh->tun_remote = 0xc0000201;  /* remote 192.0.2.1, */
    sh->tun_gateway = 0xc0a80001; /* gateway 192.168.0.1 */
    sh->tun_prefix6 = 48;         /* packetdrill's IPv6 defaults: prefix /48, */
    sh->tun_remote6[0] = 0x20;    /* remote 2001:db8::1 */
    sh->tun_remote6[1] = 0x01;
    sh->tun_remote6[2] = 0x0d;
    sh->tun_remote6[3] = 0xb8;
    sh->tun_remote6[15] = 0x01;
    sh->mtu = PD_MTU;
    if (parse_flags(sh, flags) != 0)
        abort(); /* packetdrill has no way to hear about a bad init */
    pthread_mutex_init(&sh->mu, NULL);
    pthread_cond_init(&sh->cv, NULL);
    pthread_cond_init(&sh->settled, NULL);
    sh->main_thread = pthread_self();
    struct timeval tv;
    gettimeofday(&tv, NULL);
    sh->epoch_us = (uint64_t)tv.tv_sec * 1000000 + (uint64_t)tv.tv_usec - PD_T0_US;
    sh->now = PD_T0_US;
    pd_qdisc_open(sh);
    pd_tunaddr_setup(sh);
    if (pd_stack_build(sh) != 0)
        abort();

    ifc->userdata = sh;
    ifc->free = pd_free;
    pd_hook_install(sh);
    ifc->netdev_send = pd_netdev_send;
    ifc->netdev_receive = pd_netdev_receive;
    ifc->usleep = pd_usleep;
    ifc->gettimeofday = pd_gettimeofday;
    pd_sock_install(ifc);
    pd_poll_install(ifc);
}
