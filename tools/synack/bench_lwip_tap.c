/* SPDX-License-Identifier: MIT */
/* synack bench tap — lwIP on a TAP device (see bench_lwip_tap.h).
 *
 * Debian's liblwip is built with NO_SYS=0 and core locking, for the Hurd's socket layer.
 * Its raw API still works without the tcpip thread: lwip_init() sets up the core and the
 * cyclic timers, and as long as tcpip_init() never runs, sys_check_core_locking() accepts
 * calls from any thread. So lwIP runs here like a NO_SYS port: one thread feeds frames
 * from the TAP to netif->input, sends through our linkoutput, and calls
 * sys_check_timeouts(); the kernel ends are two other threads. */
#include "bench_lwip_tap.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#ifndef SYNACK_HAVE_LWIP

int bench_lwip_built(void)
{
    return 0;
}

int bench_lwip_tap_run(synack_tuntap *dev, uint32_t kernel_addr, uint32_t lwip_addr, uint64_t bytes,
                       double max_s, bench_lwip_result *res)
{
    (void)dev, (void)kernel_addr, (void)lwip_addr, (void)bytes, (void)max_s;
    memset(res, 0, sizeof(*res));
    snprintf(res->err, sizeof res->err,
             "not built (no lwIP headers at build time: apt-get install liblwip-dev)");
    return -1;
}

#else

#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "cmd_bench.h"
#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

#define K2L_PORT 5011 /* kernel -> lwIP: lwIP listens */
#define L2K_PORT 5012 /* lwIP -> kernel: the kernel listens */

/* ---- lwIP's functions, looked up with dlsym ---- */

#define LWIP_FUNCS(X)                                                                              \
    X(lwip_init)                                                                                   \
    X(netif_add)                                                                                   \
    X(netif_set_default)                                                                           \
    X(netif_set_up)                                                                                \
    X(netif_set_link_up)                                                                           \
    X(ethernet_input)                                                                              \
    X(etharp_output)                                                                               \
    X(pbuf_alloc)                                                                                  \
    X(pbuf_realloc)                                                                                \
    X(pbuf_free)                                                                                   \
    X(pbuf_copy_partial)                                                                           \
    X(tcp_new)                                                                                     \
    X(tcp_bind)                                                                                    \
    X(tcp_listen_with_backlog)                                                                     \
    X(tcp_accept)                                                                                  \
    X(tcp_arg)                                                                                     \
    X(tcp_recv)                                                                                    \
    X(tcp_recved)                                                                                  \
    X(tcp_sent)                                                                                    \
    X(tcp_err)                                                                                     \
    X(tcp_connect)                                                                                 \
    X(tcp_write)                                                                                   \
    X(tcp_output)                                                                                  \
    X(tcp_close)                                                                                   \
    X(tcp_abort)                                                                                   \
    X(sys_check_timeouts)                                                                          \
    X(sys_timeouts_sleeptime)

/* One pointer per function, typed from lwIP's own prototype. */
typedef struct lwip_api {
#define LWIP_FN_FIELD(name) __typeof__(&name) name;
    LWIP_FUNCS(LWIP_FN_FIELD)
#undef LWIP_FN_FIELD
} lwip_api;

/* RTLD_DEEPBIND makes liblwip resolve its own symbols before the program's; the
 * sanitizer runtimes refuse it, and there the program must not export lwIP's names. */
#if defined(__SANITIZE_ADDRESS__)
#define LW_DEEPBIND 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LW_DEEPBIND 0
#endif
#endif
#ifndef LW_DEEPBIND
#define LW_DEEPBIND RTLD_DEEPBIND
#endif

static int lw_load(lwip_api *api, char *err, size_t cap)
{
    static const char *const paths[] = {"liblwip.so.0", SYNACK_LWIP_SO};
    void *so = NULL;
    for (size_t i = 0; i < sizeof paths / sizeof paths[0] && !so; i++)
        so = dlopen(paths[i], RTLD_NOW | RTLD_LOCAL | LW_DEEPBIND);
    if (!so) {
        snprintf(err, cap, "lwIP not installed (dlopen: %.100s)", dlerror());
        return -1;
    }
    if (!LW_DEEPBIND) {
        void *self = dlopen(NULL, RTLD_NOW);
        int clash = self && (dlsym(self, "tcp_input") || dlsym(self, "tcp_output"));
        if (self)
            dlclose(self);
        if (clash) {
            snprintf(err, cap,
                     "this binary exports tcp_input/tcp_output, which would "
                     "interpose lwIP's own (and RTLD_DEEPBIND is off)");
            return -1;
        }
    }
    _Static_assert(sizeof(void *) == sizeof(void (*)(void)), "dlsym needs code == data ptrs");
#define LWIP_FN_LOAD(name)                                                                         \
    {                                                                                              \
        void *sym = dlsym(so, #name);                                                              \
        if (!sym) {                                                                                \
            snprintf(err, cap, "lwIP lacks %s", #name);                                            \
            return -1;                                                                             \
        }                                                                                          \
        memcpy(&api->name, &sym, sizeof sym);                                                      \
    }
    LWIP_FUNCS(LWIP_FN_LOAD)
#undef LWIP_FN_LOAD
    return 0; /* never dlclose'd: lwIP's timers and pcbs live until the process exits */
}

/* ---- the byte pattern both directions carry ---- */

/* Stream byte i is i % PATTERN_PERIOD; any window of the stream starts somewhere in the
 * first period of this buffer, so a check or a write is one memcmp or one pointer. */
#define PATTERN_PERIOD 251u
#define PATTERN_CHUNK 65535u
static uint8_t pattern[PATTERN_CHUNK + PATTERN_PERIOD];

static void pattern_init(void)
{
    for (size_t i = 0; i < sizeof pattern; i++)
        pattern[i] = (uint8_t)(i % PATTERN_PERIOD);
}

static const uint8_t *pattern_at(uint64_t pos)
{
    return pattern + pos % PATTERN_PERIOD;
}

/* 1 when data[0..len) is the stream's bytes at pos. */
static int pattern_ok(uint64_t pos, const uint8_t *data, size_t len)
{
    while (len > 0) {
        size_t n = len < PATTERN_CHUNK ? len : PATTERN_CHUNK;
        if (memcmp(data, pattern_at(pos), n) != 0)
            return 0;
        data += n;
        pos += n;
        len -= n;
    }
    return 1;
}

/* ---- the glue: one TAP device, one lwIP netif ---- */

typedef struct lwtap {
    lwip_api api;       /* lwIP's functions */
    synack_tuntap *dev; /* the TAP device */
    uint8_t mac[6];     /* lwIP's MAC on it */
    struct netif nif;   /* lwIP's interface */
    struct pbuf *rx;    /* the buffer the next frame is read into (kept on EAGAIN) */
    uint16_t rx_cap;    /* its size: MTU + Ethernet header + a VLAN tag */
    uint8_t tx[2048];   /* flattens a chained outgoing pbuf */
    uint64_t tx_drops;  /* frames the device refused */
    err_t conn_err;     /* the last error lwIP reported on a connection, ERR_OK if none */
    /* kernel -> lwIP (sink) */
    struct tcp_pcb *sink; /* the accepted connection, NULL before and after */
    uint64_t got;         /* bytes received */
    uint64_t bad_at;      /* stream offset of the first wrong byte, UINT64_MAX if none */
    uint64_t sink_end_ns; /* when the FIN arrived, 0 before */
    /* lwIP -> kernel (source) */
    struct tcp_pcb *src; /* the connection, NULL before connect and after close */
    uint64_t want;       /* bytes to send */
    uint64_t queued;     /* bytes handed to tcp_write */
    int src_connected;   /* the handshake finished */
    int src_closed;      /* tcp_close queued the FIN after the last byte */
} lwtap;

static err_t lw_linkoutput(struct netif *nif, struct pbuf *p)
{
    lwtap *t = nif->state;
    int rc;
    if (!p->next) {
        rc = synack_tuntap_write(t->dev, p->payload, p->len);
    } else if (p->tot_len <= sizeof t->tx) {
        u16_t n = t->api.pbuf_copy_partial(p, t->tx, p->tot_len, 0);
        rc = synack_tuntap_write(t->dev, t->tx, n);
    } else {
        rc = -EMSGSIZE;
    }
    if (rc < 0)
        t->tx_drops++; /* lost, as on a wire: TCP recovers */
    return ERR_OK;
}

#if LWIP_IPV6
/* No IPv6 address is configured, so nothing should be sent; drop it if it is. */
static err_t lw_output_ip6(struct netif *nif, struct pbuf *p, const ip6_addr_t *dst)
{
    (void)nif, (void)p, (void)dst;
    return ERR_OK;
}
#endif

static err_t lw_netif_init(struct netif *nif)
{
    lwtap *t = nif->state;
    nif->name[0] = 's';
    nif->name[1] = 'b';
    nif->output = t->api.etharp_output;
    nif->linkoutput = lw_linkoutput;
#if LWIP_IPV6
    nif->output_ip6 = lw_output_ip6;
#endif
    nif->mtu = (u16_t)(t->dev->mtu ? t->dev->mtu : 1500);
    nif->hwaddr_len = 6;
    memcpy(nif->hwaddr, t->mac, 6);
    nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    return ERR_OK;
}

/* Reads one frame into a pbuf and hands it to lwIP; returns 1, or 0 when none waits. */
static int lw_rx_one(lwtap *t)
{
    if (!t->rx)
        t->rx = t->api.pbuf_alloc(PBUF_RAW, t->rx_cap, PBUF_RAM);
    if (!t->rx)
        return 0;
    long n = synack_tuntap_read(t->dev, t->rx->payload, t->rx_cap);
    if (n == -EAGAIN || n == -EINTR)
        return 0;
    if (n < 14)
        return n < 0 && n != -EMSGSIZE ? 0 : 1; /* a runt or an oversized frame: skip it */
    struct pbuf *p = t->rx;
    t->rx = NULL;
    t->api.pbuf_realloc(p, (u16_t)n);
    if (t->nif.input(p, &t->nif) != ERR_OK)
        t->api.pbuf_free(p);
    return 1;
}

/* One round: wait for a frame (at most timeout_ms, less if an lwIP timer is due sooner),
 * take what is queued, run lwIP's due timers. */
static void lw_step(lwtap *t, int timeout_ms)
{
    u32_t due = t->api.sys_timeouts_sleeptime();
    if (due < (u32_t)timeout_ms)
        timeout_ms = (int)due;
    struct pollfd pfd = {.fd = t->dev->fd, .events = POLLIN};
    poll(&pfd, 1, timeout_ms);
    for (int i = 0; i < 256 && lw_rx_one(t); i++)
        ;
    t->api.sys_check_timeouts();
}

static void lw_conn_err(void *arg, err_t err)
{
    lwtap *t = arg;
    t->conn_err = err; /* the pcb is already freed */
    t->sink = NULL;
    t->src = NULL;
}

/* Detaches our callbacks and closes; lwIP finishes the close on its own. Returns ERR_ABRT
 * when it had to abort instead (a callback must then return ERR_ABRT), else ERR_OK. */
static err_t lw_release(lwtap *t, struct tcp_pcb *pcb)
{
    t->api.tcp_arg(pcb, NULL);
    t->api.tcp_recv(pcb, NULL);
    t->api.tcp_sent(pcb, NULL);
    t->api.tcp_err(pcb, NULL);
    if (t->api.tcp_close(pcb) == ERR_OK)
        return ERR_OK;
    t->api.tcp_abort(pcb);
    return ERR_ABRT;
}

/* ---- kernel -> lwIP: a raw-API sink ---- */

static err_t sink_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    lwtap *t = arg;
    (void)err;
    if (!p) { /* the FIN */
        t->sink_end_ns = bench_now_ns();
        t->sink = NULL;
        return lw_release(t, pcb);
    }
    for (struct pbuf *q = p; q; q = q->next) {
        if (t->bad_at == UINT64_MAX && !pattern_ok(t->got, q->payload, q->len))
            t->bad_at = t->got;
        t->got += q->len;
    }
    t->api.tcp_recved(pcb, p->tot_len);
    t->api.pbuf_free(p);
    return ERR_OK;
}

static err_t sink_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    lwtap *t = arg;
    if (err != ERR_OK || !pcb)
        return ERR_VAL;
    if (t->sink) { /* one connection only */
        t->api.tcp_abort(pcb);
        return ERR_ABRT;
    }
    t->sink = pcb;
    t->api.tcp_arg(pcb, t);
    t->api.tcp_recv(pcb, sink_recv);
    t->api.tcp_err(pcb, lw_conn_err);
    return ERR_OK;
}

/* ---- lwIP -> kernel: a raw-API source ---- */

/* Queues as much of the stream as lwIP's send buffer takes, then the FIN after it.
 * Returns ERR_ABRT when the connection was aborted (see lw_release), else ERR_OK. */
static err_t source_push(lwtap *t)
{
    struct tcp_pcb *pcb = t->src;
    if (!pcb || !t->src_connected || t->src_closed)
        return ERR_OK;
    int wrote = 0;
    while (t->queued < t->want) {
        uint64_t left = t->want - t->queued;
        u32_t room = tcp_sndbuf(pcb);
        /* Whole segments only (the tail excepted): lwIP sends what it is given at once. */
        if (room < (left < TCP_MSS ? left : TCP_MSS))
            break;
        u16_t n = (u16_t)(left < room ? left : room);
        u8_t flags = TCP_WRITE_FLAG_COPY | (n < left ? TCP_WRITE_FLAG_MORE : 0);
        err_t e = t->api.tcp_write(pcb, pattern_at(t->queued), n, flags);
        if (e != ERR_OK) {
            if (e != ERR_MEM)
                t->conn_err = e;
            break;
        }
        t->queued += n;
        wrote = 1;
    }
    if (t->queued == t->want) {
        t->src_closed = 1;
        t->src = NULL;
        return lw_release(t, pcb); /* FIN after the data; tcp_close sends */
    }
    if (wrote)
        t->api.tcp_output(pcb);
    return ERR_OK;
}

static err_t source_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    (void)pcb, (void)len;
    return source_push(arg);
}

static err_t source_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    lwtap *t = arg;
    (void)pcb;
    if (err != ERR_OK) {
        t->conn_err = err;
        return ERR_OK;
    }
    t->src_connected = 1;
    return source_push(t);
}

/* ---- the kernel ends ---- */

typedef struct kend {
    uint32_t addr;       /* the address to connect to (sender) or listen on (receiver) */
    uint64_t bytes;      /* stream length (sender) */
    double max_s;        /* SO_SNDTIMEO / SO_RCVTIMEO: a stalled peer cannot hang us */
    _Atomic int fd;      /* the socket, for shutdown() from the lwIP thread; -1 none */
    _Atomic int ready;   /* receiver: listening */
    _Atomic int done;    /* the thread is finished */
    _Atomic uint64_t t0; /* sender: before connect() */
    _Atomic uint64_t t1; /* receiver: when read() returned 0 */
    uint64_t moved;      /* bytes written (sender) or read intact (receiver) */
    uint64_t bad_at;     /* receiver: first wrong byte, UINT64_MAX if none */
    int err;             /* errno of a failure, 0 if none */
} kend;

static int kend_socket(kend *k)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct timeval tv = {.tv_sec = (time_t)k->max_s, .tv_usec = 0};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    return fd;
}

static struct sockaddr_in sin_of(uint32_t addr, uint16_t port)
{
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    sin.sin_addr.s_addr = htonl(addr);
    return sin;
}

static void *kend_sender(void *arg)
{
    kend *k = arg;
    int fd = kend_socket(k);
    atomic_store(&k->fd, fd);
    struct sockaddr_in sin = sin_of(k->addr, K2L_PORT);
    atomic_store(&k->t0, bench_now_ns());
    if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof sin) != 0) {
        k->err = errno;
    } else {
        while (k->moved < k->bytes) {
            uint64_t left = k->bytes - k->moved;
            ssize_t w =
                write(fd, pattern_at(k->moved), left < PATTERN_CHUNK ? left : PATTERN_CHUNK);
            if (w <= 0) {
                k->err = w < 0 ? errno : EPIPE;
                break;
            }
            k->moved += (uint64_t)w;
        }
    }
    atomic_store(&k->fd, -1);
    if (fd >= 0)
        close(fd); /* the FIN lwIP's sink waits for */
    atomic_store(&k->done, 1);
    return NULL;
}

static void *kend_receiver(void *arg)
{
    kend *k = arg;
    static uint8_t buf[256 << 10];
    int lfd = kend_socket(k);
    struct sockaddr_in sin = sin_of(k->addr, L2K_PORT);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&sin, sizeof sin) != 0 || listen(lfd, 1) != 0) {
        k->err = errno;
    } else {
        atomic_store(&k->fd, lfd);
        atomic_store(&k->ready, 1);
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            k->err = errno;
        } else {
            atomic_store(&k->fd, fd);
            for (;;) {
                ssize_t r = read(fd, buf, sizeof buf);
                if (r <= 0) {
                    if (r == 0)
                        atomic_store(&k->t1, bench_now_ns());
                    else
                        k->err = errno;
                    break;
                }
                if (k->bad_at == UINT64_MAX && !pattern_ok(k->moved, buf, (size_t)r))
                    k->bad_at = k->moved;
                k->moved += (uint64_t)r;
            }
            atomic_store(&k->fd, -1);
            close(fd);
        }
    }
    atomic_store(&k->fd, -1);
    if (lfd >= 0)
        close(lfd);
    atomic_store(&k->ready, 1);
    atomic_store(&k->done, 1);
    return NULL;
}

/* Unblocks a kernel thread that waits on a peer that has gone quiet. */
static void kend_stop(kend *k)
{
    int fd = atomic_load(&k->fd);
    if (fd >= 0 && !atomic_load(&k->done))
        shutdown(fd, SHUT_RDWR);
}

/* ---- the run ---- */

static int lw_setup(lwtap *t, uint32_t lwip_addr, char *err, size_t cap)
{
    if (lw_load(&t->api, err, cap) != 0)
        return -1;
    t->api.lwip_init();
    ip4_addr_t a, m, gw;
    a.addr = htonl(lwip_addr);
    m.addr = htonl(0xffffff00u);
    gw.addr = 0;
    synack_tuntap_make_mac(t->mac, 0x1ec0);
    t->rx_cap = (u16_t)((t->dev->mtu ? t->dev->mtu : 1500) + 18);
    if (!t->api.netif_add(&t->nif, &a, &m, &gw, t, lw_netif_init, t->api.ethernet_input)) {
        snprintf(err, cap, "lwIP netif_add failed");
        return -1;
    }
    t->api.netif_set_default(&t->nif);
    t->api.netif_set_up(&t->nif);
    t->api.netif_set_link_up(&t->nif);
    return 0;
}

static void set_addr(ip_addr_t *ip, uint32_t addr)
{
    memset(ip, 0, sizeof(*ip));
    ip_2_ip4(ip)->addr = htonl(addr);
    IP_SET_TYPE_VAL(*ip, IPADDR_TYPE_V4);
}

/* kernel -> lwIP; fills res->k2l_*; returns 0 or -1 with res->err. */
static int run_k2l(lwtap *t, uint32_t lwip_addr, uint64_t bytes, double max_s,
                   bench_lwip_result *res)
{
    ip_addr_t me;
    set_addr(&me, lwip_addr);
    struct tcp_pcb *pcb = t->api.tcp_new();
    if (!pcb || t->api.tcp_bind(pcb, &me, K2L_PORT) != ERR_OK) {
        snprintf(res->err, sizeof res->err, "kernel->lwIP: tcp_new/tcp_bind failed");
        return -1;
    }
    struct tcp_pcb *lpcb = t->api.tcp_listen_with_backlog(pcb, 1);
    if (!lpcb) {
        snprintf(res->err, sizeof res->err, "kernel->lwIP: tcp_listen failed");
        return -1;
    }
    t->api.tcp_arg(lpcb, t);
    t->api.tcp_accept(lpcb, sink_accept);
    t->bad_at = UINT64_MAX;
    kend k = {.addr = lwip_addr, .bytes = bytes, .max_s = max_s, .fd = -1};
    pthread_t th;
    if (pthread_create(&th, NULL, kend_sender, &k) != 0) {
        snprintf(res->err, sizeof res->err, "kernel->lwIP: pthread_create failed");
        return -1;
    }
    uint64_t start = bench_now_ns(), limit = (uint64_t)(max_s * 1e9);
    while (!t->sink_end_ns && bench_now_ns() - start < limit && !(atomic_load(&k.done) && k.err))
        lw_step(t, 10);
    kend_stop(&k);
    pthread_join(th, NULL);
    t->api.tcp_close(lpcb);
    if (t->sink_end_ns && t->got == bytes && t->bad_at == UINT64_MAX) {
        res->k2l_bytes = t->got;
        res->k2l_s = (double)(t->sink_end_ns - atomic_load(&k.t0)) / 1e9;
        return 0;
    }
    if (t->bad_at != UINT64_MAX)
        snprintf(res->err, sizeof res->err, "kernel->lwIP: wrong data at byte %llu",
                 (unsigned long long)t->bad_at);
    else
        snprintf(res->err, sizeof res->err, "kernel->lwIP: %llu of %llu bytes (%s, lwIP err %d)",
                 (unsigned long long)t->got, (unsigned long long)bytes,
                 k.err ? strerror(k.err) : "timeout", (int)t->conn_err);
    return -1;
}

/* lwIP -> kernel; fills res->l2k_*; returns 0 or -1 with res->err. */
static int run_l2k(lwtap *t, uint32_t kernel_addr, uint64_t bytes, double max_s,
                   bench_lwip_result *res)
{
    kend k = {.addr = kernel_addr, .max_s = max_s, .fd = -1, .bad_at = UINT64_MAX};
    pthread_t th;
    if (pthread_create(&th, NULL, kend_receiver, &k) != 0) {
        snprintf(res->err, sizeof res->err, "lwIP->kernel: pthread_create failed");
        return -1;
    }
    while (!atomic_load(&k.ready))
        lw_step(t, 1);
    ip_addr_t dst;
    set_addr(&dst, kernel_addr);
    t->want = bytes;
    t->conn_err = ERR_OK;
    t->src = t->api.tcp_new();
    uint64_t t0 = bench_now_ns();
    if (t->src) {
        t->api.tcp_arg(t->src, t);
        t->api.tcp_sent(t->src, source_sent);
        t->api.tcp_err(t->src, lw_conn_err);
        if (t->api.tcp_connect(t->src, &dst, L2K_PORT, source_connected) != ERR_OK) {
            t->api.tcp_abort(t->src);
            t->src = NULL;
        }
    }
    uint64_t limit = (uint64_t)(max_s * 1e9);
    while (t->src_connected ? !atomic_load(&k.done) : t->src != NULL) {
        if (bench_now_ns() - t0 >= limit)
            break;
        lw_step(t, 10);
        source_push(t); /* also after ERR_MEM, when no ACK will call back */
    }
    kend_stop(&k);
    pthread_join(th, NULL);
    if (atomic_load(&k.t1) && k.moved == bytes && k.bad_at == UINT64_MAX) {
        res->l2k_bytes = k.moved;
        res->l2k_s = (double)(atomic_load(&k.t1) - t0) / 1e9;
        return 0;
    }
    if (k.bad_at != UINT64_MAX)
        snprintf(res->err, sizeof res->err, "lwIP->kernel: wrong data at byte %llu",
                 (unsigned long long)k.bad_at);
    else
        snprintf(res->err, sizeof res->err,
                 "lwIP->kernel: %llu of %llu bytes (%s, lwIP err %d, %llu queued)",
                 (unsigned long long)k.moved, (unsigned long long)bytes,
                 k.err ? strerror(k.err) : "timeout", (int)t->conn_err,
                 (unsigned long long)t->queued);
    return -1;
}

int bench_lwip_built(void)
{
    return 1;
}

int bench_lwip_tap_run(synack_tuntap *dev, uint32_t kernel_addr, uint32_t lwip_addr, uint64_t bytes,
                       double max_s, bench_lwip_result *res)
{
    memset(res, 0, sizeof(*res));
    static lwtap t; /* large (frame buffer) and one per process, as lwIP's own state */
    memset(&t, 0, sizeof t);
    t.dev = dev;
    pattern_init();
    if (lw_setup(&t, lwip_addr, res->err, sizeof res->err) != 0)
        return -1;
    int rc = run_k2l(&t, lwip_addr, bytes, max_s, res);
    /* The second transfer runs even when the first failed; both errors are kept. */
    char first[sizeof res->err];
    memcpy(first, res->err, sizeof first);
    res->err[0] = '\0';
    rc |= run_l2k(&t, kernel_addr, bytes, max_s, res);
    if (first[0]) {
        char second[sizeof res->err];
        memcpy(second, res->err, sizeof second);
        snprintf(res->err, sizeof res->err, "%.90s%s%.60s", first, second[0] ? "; " : "", second);
    }
    return rc ? -1 : 0;
}

#endif
