/* SPDX-License-Identifier: MIT */
/* The packetdrill shim without packetdrill: loads libsynack_packetdrill.so with dlopen,
 * calls packetdrill_interface_init and drives synack through the function table as
 * packetdrill would — packets in with netdev_send, out with netdev_receive, socket calls
 * with fds, time through gettimeofday/usleep — for a passive open, data both ways, a
 * close, a blocking accept on a second thread, SYN retransmission timing and errno; the
 * libc getsockopt(TCP_INFO) packetdrill makes for `%{ }%` blocks, its libc sendfile, the
 * host's sysctls under profile=linux, edge-triggered epoll and recvmsg(MSG_ERRQUEUE).
 *
 * The .so's path is compiled in (SYNACK_PACKETDRILL_SO); $SYNACK_PACKETDRILL_SO wins.
 * Every profile=linux load says sysctl_dir=none (or names its own directory), so the
 * host's sysctls cannot change what these tests see. */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <time.h> /* before linux/errqueue.h, which uses struct timespec */

#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "pd_abi.h"
#include "support/pd_fixture.h"
#include "support/segbuild.h"
#include "tcp/fastopen_server.h"
#include "wire/ipv4.h"
#include "wire/tcp_wire.h"

#define LOCAL 0xc0000202u  /* 192.0.2.2: synack */
#define REMOTE 0xc0000201u /* 192.0.2.1: the "packetdrill" side */
#define LPORT 8080
#define RPORT 40000

typedef pd_fixture fixture;

typedef struct pkt {
    ipv4_hdr ip;       /* the parsed IPv4 header */
    tcp_seg seg;       /* the parsed TCP segment (payload points into buf) */
    long long t_us;    /* the timestamp netdev_receive gave */
    uint8_t buf[2048]; /* the raw packet */
    size_t len;        /* its length */
} pkt;

static fixture *load(const char *flags)
{
    fixture *f = pd_fixture_load(flags);
    /* every member of the table is filled */
    void *raw[33];
    memcpy(raw, &f->ifc, sizeof(raw));
    for (int i = 1; i < 33; i++)
        assert_non_null(raw[i]);
    return f;
}

/* Injects one segment from REMOTE:RPORT to LOCAL:LPORT. */
static void inject(fixture *f, uint8_t flags, uint32_t seq, uint32_t ack, const char *data,
                   const tcp_opts *o)
{
    uint8_t frame[SEG_FRAME_MAX];
    size_t dlen = data ? strlen(data) : 0;
    size_t n = seg_build(frame, sizeof(frame), REMOTE, LOCAL, RPORT, LPORT, seq, ack, flags, 29200,
                         data, dlen, o);
    assert_true(n > 0);
    assert_int_equal(f->ifc.netdev_send(f->u, frame, n), 0);
}

/* The next packet synack sends (the shim jumps its clock to the next timer if needed). */
static void sniff(fixture *f, pkt *p)
{
    p->len = sizeof(p->buf);
    assert_int_equal(f->ifc.netdev_receive(f->u, p->buf, &p->len, &p->t_us), 0);
    assert_true(p->len > 0);
    assert_int_equal(ipv4_parse(p->buf, p->len, &p->ip), WIRE_OK);
    assert_int_equal(p->ip.src, LOCAL);
    assert_int_equal(p->ip.dst, REMOTE);
    assert_int_equal(tcp_parse(p->ip.payload, p->ip.payload_len, p->ip.src, p->ip.dst, &p->seg),
                     WIRE_OK);
}

static long long now_us(fixture *f)
{
    struct timeval tv;
    assert_int_equal(f->ifc.gettimeofday(f->u, &tv, NULL), 0);
    return (long long)tv.tv_sec * 1000000 + tv.tv_usec;
}

static int listener(fixture *f)
{
    int fd = f->ifc.socket(f->u, AF_INET, SOCK_STREAM, IPPROTO_TCP);
    assert_true(fd >= 0);
    assert_true(fcntl(fd, F_GETFD) >= 0); /* a real kernel fd */
    int one = 1;
    assert_int_equal(f->ifc.setsockopt(f->u, fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
    struct sockaddr_in sin = {
        .sin_family = AF_INET, .sin_port = htons(LPORT), .sin_addr.s_addr = htonl(LOCAL)};
    assert_int_equal(f->ifc.bind(f->u, fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    assert_int_equal(f->ifc.listen(f->u, fd, 1), 0);
    return fd;
}

/* SYN in, SYN-ACK out (checked), ACK in. Returns our ISS. */
static uint32_t handshake(fixture *f)
{
    tcp_opts o = {.has_mss = 1, .mss = 1000, .sack_ok = 1, .has_wscale = 1, .wscale = 7};
    inject(f, TCP_SYN, 0, 0, NULL, &o);
    pkt p;
    sniff(f, &p);
    assert_int_equal(p.seg.flags, TCP_SYN | TCP_ACK);
    assert_int_equal(p.seg.ack, 1);
    assert_int_equal(p.seg.sport, LPORT);
    assert_int_equal(p.seg.opts.mss, 1460);
    assert_true(p.seg.opts.sack_ok);
    assert_int_equal(p.seg.opts.wscale, 8); /* profile=linux */
    /* Linux's layout without timestamps: mss, nop, nop, sackOK, nop, wscale */
    static const uint8_t linux_opts[] = {2, 4, 0x05, 0xb4, 1, 1, 4, 2, 1, 3, 3, 8};
    assert_int_equal(p.seg.hdr_len, TCP_HDR_LEN + sizeof(linux_opts));
    assert_memory_equal(p.buf + IPV4_HDR_LEN + TCP_HDR_LEN, linux_opts, sizeof(linux_opts));
    uint32_t iss = p.seg.seq;
    inject(f, TCP_ACK, 1, iss + 1, NULL, NULL);
    return iss;
}

static void test_passive_open_data_close(void **state)
{
    (void)state;
    fixture *f = load("addr=192.0.2.2,profile=linux,sysctl_dir=none");
    int lfd = listener(f);
    uint32_t iss = handshake(f);

    struct sockaddr_in peer;
    socklen_t plen = sizeof(peer);
    memset(&peer, 0, sizeof(peer));
    int fd = f->ifc.accept(f->u, lfd, (struct sockaddr *)&peer, &plen);
    assert_true(fd >= 0);
    assert_int_equal(plen, sizeof(peer));
    assert_int_equal(ntohl(peer.sin_addr.s_addr), REMOTE);
    assert_int_equal(ntohs(peer.sin_port), RPORT);

    /* data in: ACKed at once (quick-ACK at the start of a connection) */
    long long t0 = now_us(f);
    inject(f, TCP_ACK | TCP_PSH, 1, iss + 1, "hello", NULL);
    pkt p;
    sniff(f, &p);
    assert_int_equal(p.seg.flags, TCP_ACK);
    assert_int_equal(p.seg.ack, 6);
    assert_true(p.t_us - t0 < 1000);
    char buf[64];
    assert_int_equal(f->ifc.read(f->u, fd, buf, sizeof(buf)), 5);
    assert_memory_equal(buf, "hello", 5);

    /* nothing more to read: a non-blocking fd says EAGAIN */
    assert_int_equal(f->ifc.fcntl(f->u, fd, F_SETFL, O_RDWR | O_NONBLOCK), 0);
    assert_true(f->ifc.fcntl(f->u, fd, F_GETFL) & O_NONBLOCK);
    errno = 0;
    assert_int_equal(f->ifc.read(f->u, fd, buf, sizeof(buf)), -1);
    assert_int_equal(errno, EAGAIN);

    /* data out, PSH on the last segment of the write */
    assert_int_equal(f->ifc.write(f->u, fd, "world!", 6), 6);
    sniff(f, &p);
    assert_int_equal(p.seg.flags, TCP_ACK | TCP_PSH);
    assert_int_equal(p.seg.seq, iss + 1);
    assert_int_equal(p.seg.payload_len, 6);
    assert_memory_equal(p.seg.payload, "world!", 6);
    inject(f, TCP_ACK, 6, iss + 7, NULL, NULL);

    /* poll: writable, not readable */
    struct pollfd pfd = {.fd = fd, .events = POLLIN | POLLOUT};
    assert_int_equal(f->ifc.poll(f->u, &pfd, 1, 0), 1);
    assert_int_equal(pfd.revents, POLLOUT);

    /* close: FIN, its ACK, the peer's FIN, our ACK from TIME-WAIT */
    assert_int_equal(f->ifc.close(f->u, fd), 0);
    assert_true(fcntl(fd, F_GETFD) < 0); /* the placeholder fd is gone too */
    sniff(f, &p);
    assert_int_equal(p.seg.flags, TCP_FIN | TCP_ACK);
    assert_int_equal(p.seg.seq, iss + 7);
    inject(f, TCP_ACK, 6, iss + 8, NULL, NULL);
    inject(f, TCP_FIN | TCP_ACK, 6, iss + 8, NULL, NULL);
    sniff(f, &p);
    assert_int_equal(p.seg.flags, TCP_ACK);
    assert_int_equal(p.seg.ack, 7);

    /* errno for a bad fd */
    errno = 0;
    assert_int_equal(f->ifc.listen(f->u, 1000, 1), -1);
    assert_int_equal(errno, EBADF);
    assert_int_equal(f->ifc.close(f->u, lfd), 0);
    pd_fixture_unload(f);
}

struct accept_arg {
    fixture *f; /* the shim */
    int lfd;    /* listening fd */
    int fd;     /* what accept returned */
    int err;    /* its errno */
};

static void *accept_thread(void *arg)
{
    struct accept_arg *a = arg;
    struct sockaddr_in peer;
    socklen_t plen = sizeof(peer);
    a->fd = a->f->ifc.accept(a->f->u, a->lfd, (struct sockaddr *)&peer, &plen);
    a->err = errno;
    return NULL;
}

static void test_blocking_accept_on_second_thread(void **state)
{
    (void)state;
    fixture *f = load("addr=192.0.2.2,profile=linux,sysctl_dir=none");
    struct accept_arg a = {.f = f, .lfd = listener(f), .fd = -2};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, accept_thread, &a), 0);
    /* let the thread block; the connection arrives 100 ms later in virtual time */
    usleep(20000);
    assert_int_equal(f->ifc.usleep(f->u, 100000), 0);
    handshake(f);
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_true(a.fd >= 0);
    assert_int_equal(f->ifc.close(f->u, a.fd), 0);
    pkt p;
    sniff(f, &p);
    assert_int_equal(p.seg.flags, TCP_FIN | TCP_ACK);
    pd_fixture_unload(f);
}

static void test_syn_backoff_and_virtual_time(void **state)
{
    (void)state;
    fixture *f = load("addr=192.0.2.2,mss=1000,profile=linux,sysctl_dir=none");
    int fd = f->ifc.socket(f->u, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sin = {
        .sin_family = AF_INET, .sin_port = htons(RPORT), .sin_addr.s_addr = htonl(REMOTE)};
    long long t0 = now_us(f);
    errno = 0;
    assert_int_equal(f->ifc.connect(f->u, fd, (struct sockaddr *)&sin, sizeof(sin)), -1);
    assert_int_equal(errno, EINPROGRESS);
    pkt p[4];
    for (int i = 0; i < 4; i++) {
        sniff(f, &p[i]);
        assert_int_equal(p[i].seg.flags, TCP_SYN);
        assert_int_equal(p[i].seg.opts.mss, 1000);
        assert_true(p[i].seg.opts.has_ts);
    }
    /* Linux's SYN layout with timestamps: mss, sackOK, TS, nop, wscale */
    static const uint8_t syn_opts[] = {2, 4, 0x03, 0xe8, 4, 2, 8, 10};
    assert_memory_equal(p[0].buf + IPV4_HDR_LEN + TCP_HDR_LEN, syn_opts, sizeof(syn_opts));
    /* sent at once, then after 1 s, 2 s, 4 s: each stamped with its deadline */
    assert_true(p[0].t_us - t0 < 100);
    assert_int_equal(p[1].t_us - p[0].t_us, 1000000);
    assert_int_equal(p[2].t_us - p[1].t_us, 2000000);
    assert_int_equal(p[3].t_us - p[2].t_us, 4000000);
    /* the clock moved with the timers; usleep moves it exactly */
    long long t1 = now_us(f);
    assert_true(t1 >= p[3].t_us);
    assert_int_equal(f->ifc.usleep(f->u, 250000), 0);
    long long t2 = now_us(f);
    assert_true(t2 - t1 >= 250000 && t2 - t1 < 250100);
    /* a SYN-ACK completes the open; poll says writable */
    tcp_opts o = {.has_mss = 1, .mss = 1460};
    uint8_t frame[SEG_FRAME_MAX];
    size_t n = seg_build(frame, sizeof(frame), REMOTE, LOCAL, RPORT, p[0].seg.sport, 0,
                         p[0].seg.seq + 1, TCP_SYN | TCP_ACK, 5840, NULL, 0, &o);
    assert_int_equal(f->ifc.netdev_send(f->u, frame, n), 0);
    pkt ack;
    sniff(f, &ack);
    assert_int_equal(ack.seg.flags, TCP_ACK);
    assert_int_equal(ack.seg.ack, 1);
    struct pollfd pfd = {.fd = fd, .events = POLLOUT};
    assert_int_equal(f->ifc.poll(f->u, &pfd, 1, 0), 1);
    /* Linux's struct tcp_info through getsockopt */
    struct tcp_info ti;
    socklen_t tl = sizeof(ti);
    assert_int_equal(f->ifc.getsockopt(f->u, fd, IPPROTO_TCP, TCP_INFO, &ti, &tl), 0);
    assert_int_equal(ti.tcpi_state, 1); /* TCP_ESTABLISHED */
    assert_int_equal(ti.tcpi_snd_mss, 1460 < 1000 ? 1460 : 1000);
    pd_fixture_unload(f);
}

static void test_nothing_to_send_fails_fast(void **state)
{
    (void)state;
    fixture *f = load("addr=192.0.2.2");
    uint8_t buf[64];
    size_t n = sizeof(buf);
    long long t;
    /* no timer, no other thread: an empty packet (packetdrill fails at once) */
    assert_int_equal(f->ifc.netdev_receive(f->u, buf, &n, &t), 0);
    assert_int_equal(n, 0);
    pd_fixture_unload(f);
}

static void test_epoll_and_pipe(void **state)
{
    (void)state;
    fixture *f = load("addr=192.0.2.2,profile=linux,sysctl_dir=none");
    int lfd = listener(f);
    int ep = f->ifc.epoll_create(f->u, 1);
    assert_true(ep >= 0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 42};
    assert_int_equal(f->ifc.epoll_ctl(f->u, ep, EPOLL_CTL_ADD, lfd, &ev), 0);
    errno = 0;
    assert_int_equal(f->ifc.epoll_ctl(f->u, ep, EPOLL_CTL_ADD, lfd, &ev), -1);
    assert_int_equal(errno, EEXIST);
    struct epoll_event out[4];
    assert_int_equal(f->ifc.epoll_wait(f->u, ep, out, 4, 0), 0);
    /* a timeout moves virtual time on the clock-driving thread */
    long long t0 = now_us(f);
    assert_int_equal(f->ifc.epoll_wait(f->u, ep, out, 4, 50), 0);
    assert_true(now_us(f) - t0 >= 50000);
    handshake(f);
    assert_int_equal(f->ifc.epoll_wait(f->u, ep, out, 4, 0), 1);
    assert_int_equal(out[0].data.u64, 42);
    assert_true(out[0].events & EPOLLIN);
    int pfds[2];
    assert_int_equal(f->ifc.pipe(f->u, pfds), 0);
    assert_int_equal(f->ifc.write(f->u, pfds[1], "x", 1), 1);
    char c = 0;
    assert_int_equal(f->ifc.read(f->u, pfds[0], &c, 1), 1);
    assert_int_equal(c, 'x');
    assert_int_equal(f->ifc.close(f->u, pfds[0]), 0);
    assert_int_equal(f->ifc.close(f->u, pfds[1]), 0);
    assert_int_equal(f->ifc.close(f->u, ep), 0);
    pd_fixture_unload(f);
}

/* The fixture's connection, accepted and non-blocking; returns its fd, *iss our ISS. */
static int accepted(fixture *f, uint32_t *iss)
{
    int lfd = listener(f);
    *iss = handshake(f);
    int fd = f->ifc.accept(f->u, lfd, NULL, NULL);
    assert_true(fd >= 0);
    assert_int_equal(f->ifc.fcntl(f->u, fd, F_SETFL, O_RDWR | O_NONBLOCK), 0);
    return fd;
}

/* Offsets of fields of Linux's struct tcp_info (<linux/tcp.h>) past the part glibc's
 * <netinet/tcp.h> declares; the struct only grows at its end, so they are fixed. */
#define LINUX_TCPI_BYTES_ACKED 120
#define LINUX_TCPI_BYTES_RECEIVED 128
#define LINUX_TCPI_SEGS_OUT 136
#define LINUX_TCPI_SEGS_IN 140
#define LINUX_TCPI_SND_WND 228
#define LINUX_TCPI_RCV_WND 232

static uint64_t u64_at(const uint8_t *b, size_t off)
{
    uint64_t v;
    memcpy(&v, b + off, sizeof(v));
    return v;
}

static uint32_t u32_at(const uint8_t *b, size_t off)
{
    uint32_t v;
    memcpy(&v, b + off, sizeof(v));
    return v;
}

/* packetdrill reads TCP_INFO for `%{ }%` blocks with libc's getsockopt on the fd, not
 * through the function table: the shim must answer that call too. */
static void test_libc_getsockopt_reaches_synack(void **state)
{
    (void)state;
    fixture *f = load("addr=192.0.2.2,profile=linux,sysctl_dir=none");
    uint32_t iss;
    int fd = accepted(f, &iss);
    inject(f, TCP_ACK | TCP_PSH, 1, iss + 1, "hello", NULL);
    pkt p;
    sniff(f, &p); /* our ACK */
    assert_int_equal(f->ifc.write(f->u, fd, "abc", 3), 3);
    sniff(f, &p);

    /* packetdrill asks for its own copy of the struct, larger than this machine's */
    uint8_t buf[300];
    memset(buf, 0xee, sizeof(buf));
    socklen_t len = sizeof(buf);
    assert_int_equal(getsockopt(fd, SOL_TCP, TCP_INFO, buf, &len), 0);
    assert_int_equal(len, sizeof(buf));
    struct tcp_info ti;
    memcpy(&ti, buf, sizeof(ti));
    assert_int_equal(ti.tcpi_state, 1);    /* TCP_ESTABLISHED */
    assert_int_equal(ti.tcpi_ca_state, 0); /* TCP_CA_Open */
    assert_int_equal(ti.tcpi_options, TCPI_OPT_SACK | TCPI_OPT_WSCALE);
    assert_int_equal(ti.tcpi_snd_wscale, 7);
    assert_int_equal(ti.tcpi_rcv_wscale, 8);
    /* the handshake's ~0 RTT (SRTT 1 us): SRTT + TCP_RTO_MIN, in us, as Linux's RTO floors
     * the variance term (rto_var_floor), not the sum */
    assert_int_equal(ti.tcpi_rto, 200001);
    assert_int_equal(ti.tcpi_snd_mss, 1000);
    assert_int_equal(ti.tcpi_rcv_mss, 1460);
    assert_int_equal(ti.tcpi_advmss, 1460);
    assert_int_equal(ti.tcpi_pmtu, 1500);
    assert_int_equal(ti.tcpi_unacked, 1);               /* 3 bytes: one segment */
    assert_int_equal(ti.tcpi_snd_cwnd, 10);             /* segments, not bytes */
    assert_int_equal(ti.tcpi_snd_ssthresh, 0x7fffffff); /* TCP_INFINITE_SSTHRESH */
    assert_int_equal(ti.tcpi_total_retrans, 0);
    assert_int_equal(u64_at(buf, LINUX_TCPI_BYTES_ACKED), 0);
    assert_int_equal(u64_at(buf, LINUX_TCPI_BYTES_RECEIVED), 5);
    assert_int_equal(u32_at(buf, LINUX_TCPI_SEGS_IN), 3);  /* SYN, ACK, data */
    assert_int_equal(u32_at(buf, LINUX_TCPI_SEGS_OUT), 3); /* SYN-ACK, ACK, data */
    assert_int_equal(u32_at(buf, LINUX_TCPI_SND_WND), 29200u << 7);
    assert_true(u32_at(buf, LINUX_TCPI_RCV_WND) > 0);
    for (size_t i = LINUX_TCPI_RCV_WND + 4; i < sizeof(buf); i++)
        assert_int_equal(buf[i], 0); /* fields synack does not know */

    /* the other two packetdrill reads before running a block */
    uint8_t cc[64];
    len = sizeof(cc);
    assert_int_equal(getsockopt(fd, SOL_TCP, TCP_CC_INFO, cc, &len), 0);
    assert_int_equal(len, 0); /* cubic has no cc info, as on Linux */
    uint32_t mi[9];
    len = sizeof(mi);
    assert_int_equal(getsockopt(fd, SOL_SOCKET, 55 /* SO_MEMINFO */, mi, &len), 0);
    assert_int_equal(len, sizeof(mi));
    assert_true(mi[1] > 0); /* SK_MEMINFO_RCVBUF */

    /* an fd that is not the shim's still reaches the kernel */
    int pfds[2];
    assert_int_equal(pipe(pfds), 0);
    len = sizeof(buf);
    errno = 0;
    assert_int_equal(getsockopt(pfds[0], SOL_TCP, TCP_INFO, buf, &len), -1);
    assert_int_equal(errno, ENOTSOCK);
    close(pfds[0]);
    close(pfds[1]);
    pd_fixture_unload(f);
    /* with the shim gone, the executable's getsockopt is libc's again */
    len = sizeof(buf);
    errno = 0;
    assert_int_equal(getsockopt(fd, SOL_TCP, TCP_INFO, buf, &len), -1);
    assert_true(errno == EBADF || errno == ENOTSOCK);
}

static void write_sysctl(const char *dir, const char *name, const char *value)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(value, fp);
    fclose(fp);
}

/* Under profile=linux the shim follows the net.ipv4.tcp_* sysctls a script writes after
 * packetdrill loaded it (its first backtick block), from the first socket on. */
static void test_host_sysctls_shape_the_stack(void **state)
{
    (void)state;
    char dir[] = "/tmp/synack-pd-sysctl-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char flags[128];
    snprintf(flags, sizeof(flags), "addr=192.0.2.2,mss=1000,profile=linux,sysctl_dir=%s", dir);
    fixture *f = load(flags);
    write_sysctl(dir, "tcp_timestamps", "0\n");
    write_sysctl(dir, "tcp_sack", "0\n");
    write_sysctl(dir, "tcp_window_scaling", "0\n");
    write_sysctl(dir, "tcp_syn_retries", "2\n");
    write_sysctl(dir, "tcp_ecn", "1\n");
    write_sysctl(dir, "tcp_rmem", "4096 131072 6291456\n"); /* not followed: harmless */

    int fd = f->ifc.socket(f->u, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sin = {
        .sin_family = AF_INET, .sin_port = htons(RPORT), .sin_addr.s_addr = htonl(REMOTE)};
    errno = 0;
    assert_int_equal(f->ifc.connect(f->u, fd, (struct sockaddr *)&sin, sizeof(sin)), -1);
    assert_int_equal(errno, EINPROGRESS);
    pkt p[3];
    for (int i = 0; i < 3; i++) {
        sniff(f, &p[i]);
        /* tcp_ecn=1: an ECN-setup SYN, resent without ECE|CWR (RFC 3168 6.1.1.1) */
        assert_int_equal(p[i].seg.flags, i == 0 ? TCP_SYN | TCP_ECE | TCP_CWR : TCP_SYN);
        /* the MSS option alone: no timestamps, SACK-permitted or window scale */
        assert_int_equal(p[i].seg.hdr_len, TCP_HDR_LEN + 4);
        assert_int_equal(p[i].seg.opts.mss, 1000);
    }
    /* two retransmissions (tcp_syn_retries=2, not the profile's 6), then ETIMEDOUT */
    assert_int_equal(f->ifc.usleep(f->u, 4100000), 0);
    int err = 0;
    socklen_t el = sizeof(err);
    assert_int_equal(f->ifc.getsockopt(f->u, fd, SOL_SOCKET, SO_ERROR, &err, &el), 0);
    assert_int_equal(err, ETIMEDOUT);
    /* tcp_ecn, read at each handshake on Linux, reaches sockets made after it changed */
    write_sysctl(dir, "tcp_ecn", "0\n");
    fd = f->ifc.socket(f->u, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    assert_true(fd >= 0);
    assert_int_equal(f->ifc.connect(f->u, fd, (struct sockaddr *)&sin, sizeof(sin)), -1);
    sniff(f, &p[0]);
    assert_int_equal(p[0].seg.flags, TCP_SYN);
    pd_fixture_unload(f);

    /* sysctl_dir=none: no host model, the profile's own choices (timestamps on) */
    f = load("addr=192.0.2.2,mss=1000,profile=linux,sysctl_dir=none");
    fd = f->ifc.socket(f->u, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    assert_int_equal(f->ifc.connect(f->u, fd, (struct sockaddr *)&sin, sizeof(sin)), -1);
    sniff(f, &p[0]);
    assert_true(p[0].seg.opts.has_ts);
    assert_true(p[0].seg.opts.sack_ok);
    pd_fixture_unload(f);

    static const char *const names[] = {"tcp_timestamps",  "tcp_sack", "tcp_window_scaling",
                                        "tcp_syn_retries", "tcp_rmem", "tcp_ecn"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        assert_int_equal(unlink(path), 0);
    }
    assert_int_equal(rmdir(dir), 0);
}

/* tcp_fastopen's server bits and tcp_fastopen_key reach the stack: with 0x70403 (as
 * defaults.sh sets) a listener without TCP_FASTOPEN answers a cookie request with Linux's
 * cookie for that key, data in a SYN with it is accepted, and TCP_INFO says so. */
static void test_host_fastopen_sysctls(void **state)
{
    (void)state;
    char dir[] = "/tmp/synack-pd-sysctl-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char flags[128];
    snprintf(flags, sizeof(flags), "addr=192.0.2.2,profile=linux,sysctl_dir=%s", dir);
    fixture *f = load(flags);
    write_sysctl(dir, "tcp_fastopen", "0x70403\n");
    write_sysctl(dir, "tcp_fastopen_key", "a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4\n");
    int lfd = listener(f);

    tcp_opts o = {.has_mss = 1, .mss = 1000, .has_fo = 1, .fo_exp = 1};
    inject(f, TCP_SYN, 0, 0, "abc", &o);
    pkt p;
    sniff(f, &p);
    assert_int_equal(p.seg.flags, TCP_SYN | TCP_ACK);
    assert_int_equal(p.seg.ack, 1); /* a request: its data is not taken */
    assert_true(p.seg.opts.has_fo);
    assert_true(p.seg.opts.fo_exp);
    static const uint8_t key[16] = {0xa1, 0xa1, 0xa1, 0xa1, 0xb2, 0xb2, 0xb2, 0xb2,
                                    0xc3, 0xc3, 0xc3, 0xc3, 0xd4, 0xd4, 0xd4, 0xd4};
    uint8_t want[TFO_COOKIE_LEN];
    tcp_fastopen_cookie(key, REMOTE, LOCAL, want);
    assert_int_equal(p.seg.opts.fo_len, TFO_COOKIE_LEN);
    assert_memory_equal(p.seg.opts.fo_cookie, want, TFO_COOKIE_LEN);
    inject(f, TCP_RST, 1, 0, NULL, NULL); /* that embryo goes; the next SYN is new */

    o.fo_len = TFO_COOKIE_LEN;
    memcpy(o.fo_cookie, want, TFO_COOKIE_LEN);
    inject(f, TCP_SYN, 1000, 0, "abc", &o);
    sniff(f, &p);
    assert_int_equal(p.seg.flags, TCP_SYN | TCP_ACK);
    assert_int_equal(p.seg.ack, 1004);
    assert_false(p.seg.opts.has_fo);
    int fd = f->ifc.accept(f->u, lfd, NULL, NULL);
    assert_true(fd >= 0);
    struct tcp_info ti;
    socklen_t len = sizeof(ti);
    memset(&ti, 0, sizeof(ti));
    assert_int_equal(f->ifc.getsockopt(f->u, fd, SOL_TCP, TCP_INFO, &ti, &len), 0);
    assert_int_equal(ti.tcpi_state, 3); /* TCP_SYN_RECV */
    assert_true(ti.tcpi_options & TCPI_OPT_SYN_DATA);
    char buf[8];
    assert_int_equal(f->ifc.read(f->u, fd, buf, sizeof(buf)), 3);
    assert_memory_equal(buf, "abc", 3);
    pd_fixture_unload(f);
    static const char *const names[] = {"tcp_fastopen", "tcp_fastopen_key"};
    for (size_t i = 0; i < 2; i++) {
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        assert_int_equal(unlink(path), 0);
    }
    assert_int_equal(rmdir(dir), 0);
}

/* EPOLLET as Linux has it: each arrival of data is an edge even while EPOLLIN is already
 * set, and the report carries every ready bit, EPOLLOUT too. */
static void test_epoll_edge_reports_every_ready_bit(void **state)
{
    (void)state;
    fixture *f = load("addr=192.0.2.2,profile=linux,sysctl_dir=none");
    uint32_t iss;
    int fd = accepted(f, &iss);
    int ep = f->ifc.epoll_create(f->u, 1);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.u64 = 7};
    assert_int_equal(f->ifc.epoll_ctl(f->u, ep, EPOLL_CTL_ADD, fd, &ev), 0);
    struct epoll_event out[2];
    assert_int_equal(f->ifc.epoll_wait(f->u, ep, out, 2, 0), 1);
    assert_int_equal(out[0].events, EPOLLOUT);
    assert_int_equal(f->ifc.epoll_wait(f->u, ep, out, 2, 0), 0);

    pkt p;
    inject(f, TCP_ACK | TCP_PSH, 1, iss + 1, "four", NULL);
    sniff(f, &p);
    assert_int_equal(f->ifc.epoll_wait(f->u, ep, out, 2, 0), 1);
    assert_int_equal(out[0].events, EPOLLIN | EPOLLOUT);
    assert_int_equal(out[0].data.u64, 7);
    assert_int_equal(f->ifc.epoll_wait(f->u, ep, out, 2, 0), 0);

    /* more data while the first is unread: a new edge, all bits again */
    inject(f, TCP_ACK | TCP_PSH, 5, iss + 1, "more", NULL);
    assert_int_equal(f->ifc.epoll_wait(f->u, ep, out, 2, 0), 1);
    assert_int_equal(out[0].events, EPOLLIN | EPOLLOUT);
    /* reading some is no edge */
    char buf[2];
    assert_int_equal(f->ifc.read(f->u, fd, buf, sizeof(buf)), 2);
    assert_int_equal(f->ifc.epoll_wait(f->u, ep, out, 2, 0), 0);
    assert_int_equal(f->ifc.close(f->u, ep), 0);
    pd_fixture_unload(f);
}

/* A script's sendfile() is libc's sendfile on the fd: the shim sends the file's bytes. */
static void test_libc_sendfile_reaches_synack(void **state)
{
    (void)state;
    fixture *f = load("addr=192.0.2.2,profile=linux,sysctl_dir=none");
    uint32_t iss;
    int fd = accepted(f, &iss);
    char path[] = "/tmp/synack-pd-sendfile-XXXXXX";
    int file = mkstemp(path);
    assert_true(file >= 0);
    assert_int_equal(write(file, "0123456789", 10), 10);

    /* with an offset: the file position stays, *offset moves */
    off_t off = 2;
    assert_int_equal(sendfile(fd, file, &off, 5), 5);
    assert_int_equal(off, 7);
    pkt p;
    sniff(f, &p);
    assert_int_equal(p.seg.flags, TCP_ACK | TCP_PSH);
    assert_int_equal(p.seg.seq, iss + 1);
    assert_int_equal(p.seg.payload_len, 5);
    assert_memory_equal(p.seg.payload, "23456", 5);

    /* without: from the file position, which moves past what was sent */
    assert_int_equal(lseek(file, 8, SEEK_SET), 8);
    assert_int_equal(sendfile(fd, file, NULL, 100), 2);
    assert_int_equal(lseek(file, 0, SEEK_CUR), 10);
    sniff(f, &p);
    assert_int_equal(p.seg.seq, iss + 6);
    assert_memory_equal(p.seg.payload, "89", 2);

    /* other fds still reach the kernel */
    int pfds[2];
    assert_int_equal(pipe(pfds), 0);
    off = 0;
    assert_int_equal(sendfile(pfds[1], file, &off, 3), 3);
    char buf[4] = {0};
    assert_int_equal(read(pfds[0], buf, 3), 3);
    assert_string_equal(buf, "012");
    close(pfds[0]);
    close(pfds[1]);
    close(file);
    unlink(path);
    pd_fixture_unload(f);
}

/* recvmsg(MSG_ERRQUEUE) as Linux's: EAGAIN with the msghdr untouched when empty; a
 * zerocopy completion as one IP_RECVERR cmsg (sock_extended_err and an offender address);
 * a TX timestamp as SCM_TIMESTAMPING (the wall-clock time of the send) then IP_RECVERR,
 * with MSG_TRUNC for the payload Linux would offer. Also what zerocopy scripts lean on:
 * SO_MARK is accepted, a send before connect is EPIPE. */
static void test_errqueue_recvmsg(void **state)
{
    (void)state;
    fixture *f = load("addr=192.0.2.2,profile=linux,sysctl_dir=none");
    int one = 1;
    int lone = f->ifc.socket(f->u, AF_INET, SOCK_STREAM, IPPROTO_TCP);
    assert_int_equal(f->ifc.setsockopt(f->u, lone, SOL_SOCKET, SO_MARK, &one, sizeof(one)), 0);
    assert_int_equal(f->ifc.send(f->u, lone, "x", 1, MSG_ZEROCOPY), -1);
    assert_int_equal(errno, EPIPE);
    uint32_t iss;
    int fd = accepted(f, &iss);
    assert_int_equal(f->ifc.setsockopt(f->u, fd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)), 0);

    char ctl[256];
    struct iovec iov = {.iov_base = ctl, .iov_len = 0};
    struct msghdr m = {.msg_iov = &iov,
                       .msg_iovlen = 1,
                       .msg_control = ctl,
                       .msg_controllen = sizeof(ctl),
                       .msg_flags = 0x55};
    assert_int_equal(f->ifc.recvmsg(f->u, fd, &m, MSG_ERRQUEUE), -1);
    assert_int_equal(errno, EAGAIN);
    assert_int_equal(m.msg_controllen, sizeof(ctl));
    assert_int_equal(m.msg_flags, 0x55);

    assert_int_equal(f->ifc.send(f->u, fd, "four", 4, MSG_ZEROCOPY), 4);
    pkt p;
    sniff(f, &p);
    inject(f, TCP_ACK, 1, iss + 5, NULL, NULL);
    assert_int_equal(f->ifc.recvmsg(f->u, fd, &m, MSG_ERRQUEUE), 0);
    assert_int_equal(m.msg_flags, MSG_ERRQUEUE);
    struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
    assert_non_null(cm);
    assert_int_equal(cm->cmsg_level, SOL_IP);
    assert_int_equal(cm->cmsg_type, IP_RECVERR);
    assert_int_equal(cm->cmsg_len, CMSG_LEN(sizeof(struct sock_extended_err) + 16));
    struct sock_extended_err ee;
    memcpy(&ee, CMSG_DATA(cm), sizeof(ee));
    assert_int_equal(ee.ee_errno, 0);
    assert_int_equal(ee.ee_origin, SO_EE_ORIGIN_ZEROCOPY);
    assert_int_equal(ee.ee_code, SO_EE_CODE_ZEROCOPY_COPIED);
    assert_int_equal(ee.ee_info, 0);
    assert_int_equal(ee.ee_data, 0);
    assert_null(CMSG_NXTHDR(&m, cm));

    int ts = SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE | SOF_TIMESTAMPING_OPT_ID;
    assert_int_equal(f->ifc.setsockopt(f->u, fd, SOL_SOCKET, SO_TIMESTAMPING, &ts, sizeof(ts)), 0);
    long long t = now_us(f);
    assert_int_equal(f->ifc.send(f->u, fd, "abc", 3, 0), 3);
    sniff(f, &p);
    m.msg_controllen = sizeof(ctl);
    assert_int_equal(f->ifc.recvmsg(f->u, fd, &m, MSG_ERRQUEUE), 0);
    assert_int_equal(m.msg_flags, MSG_ERRQUEUE | MSG_TRUNC);
    cm = CMSG_FIRSTHDR(&m);
    assert_int_equal(cm->cmsg_level, SOL_SOCKET);
    assert_int_equal(cm->cmsg_type, SCM_TIMESTAMPING);
    assert_int_equal(cm->cmsg_len, CMSG_LEN(sizeof(struct scm_timestamping)));
    struct scm_timestamping st;
    memcpy(&st, CMSG_DATA(cm), sizeof(st));
    long long got = (long long)st.ts[0].tv_sec * 1000000 + st.ts[0].tv_nsec / 1000;
    assert_true(got >= t && got <= t + 10); /* the send's time (gettimeofday ticks 1 us) */
    cm = CMSG_NXTHDR(&m, cm);
    assert_non_null(cm);
    assert_int_equal(cm->cmsg_type, IP_RECVERR);
    memcpy(&ee, CMSG_DATA(cm), sizeof(ee));
    assert_int_equal(ee.ee_errno, ENOMSG);
    assert_int_equal(ee.ee_origin, SO_EE_ORIGIN_TIMESTAMPING);
    assert_int_equal(ee.ee_info, SCM_TSTAMP_SND);
    assert_int_equal(ee.ee_data, 2);
    pd_fixture_unload(f);
}

/* TCP_INQ: recvmsg carries Linux's TCP_CM_INQ control message (the bytes still to read);
 * MSG_MORE reaches synack: a corked tail leaves only when the persist timer fires. */
static void test_inq_cmsg_and_msg_more(void **state)
{
    (void)state;
    fixture *f = load("addr=192.0.2.2,profile=linux,sysctl_dir=none");
    int lfd = listener(f);
    uint32_t iss = handshake(f);
    int fd = f->ifc.accept(f->u, lfd, NULL, NULL);
    assert_true(fd >= 0);
    int one = 1;
    assert_int_equal(f->ifc.setsockopt(f->u, fd, SOL_TCP, TCP_INQ, &one, sizeof(one)), 0);
    inject(f, TCP_ACK | TCP_PSH, 1, iss + 1, "hello world", NULL);
    pkt p;
    sniff(f, &p);
    char buf[16];
    union {
        char raw[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } ctl;
    memset(&ctl, 0, sizeof(ctl));
    struct iovec iov = {.iov_base = buf, .iov_len = 5};
    struct msghdr m = {.msg_iov = &iov,
                       .msg_iovlen = 1,
                       .msg_control = ctl.raw,
                       .msg_controllen = sizeof(ctl.raw)};
    assert_int_equal(f->ifc.recvmsg(f->u, fd, &m, 0), 5);
    struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
    assert_non_null(cm);
    assert_int_equal(cm->cmsg_level, SOL_TCP);
    assert_int_equal(cm->cmsg_type, TCP_CM_INQ);
    int inq;
    memcpy(&inq, CMSG_DATA(cm), sizeof(inq));
    assert_int_equal(inq, 6);

    long long t0 = now_us(f);
    assert_int_equal(f->ifc.send(f->u, fd, "abc", 3, MSG_MORE), 3);
    sniff(f, &p); /* the shim's clock jumps to the persist timer: one RTO */
    assert_int_equal(p.seg.payload_len, 3);
    assert_true(p.t_us - t0 >= 200000);
    assert_int_equal(f->ifc.close(f->u, fd), 0);
    assert_int_equal(f->ifc.close(f->u, lfd), 0);
    pd_fixture_unload(f);
}

/* net.ipv4.tcp_notsent_lowat: a write that leaves unsent data above half the mark leaves
 * the socket not writable. */
static void test_notsent_lowat_sysctl(void **state)
{
    (void)state;
    char dir[] = "/tmp/synack-pd-lowat-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char flags[128];
    snprintf(flags, sizeof(flags), "addr=192.0.2.2,profile=linux,sysctl_dir=%s", dir);
    fixture *f = load(flags);
    write_sysctl(dir, "tcp_notsent_lowat", "4000\n");
    int lfd = listener(f);
    handshake(f);
    int fd = f->ifc.accept(f->u, lfd, NULL, NULL);
    assert_true(fd >= 0);
    assert_int_equal(f->ifc.fcntl(f->u, fd, F_SETFL, O_RDWR | O_NONBLOCK), 0);
    static char data[20000];
    assert_int_equal(f->ifc.write(f->u, fd, data, sizeof(data)), sizeof(data));
    struct pollfd pfd = {.fd = fd, .events = POLLOUT};
    assert_int_equal(f->ifc.poll(f->u, &pfd, 1, 0), 0); /* 10000 of them not sent */
    pd_fixture_unload(f);
    char path[512];
    snprintf(path, sizeof(path), "%s/tcp_notsent_lowat", dir);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
}

/* net.ipv4.tcp_slow_start_after_idle: 0 keeps cwnd across an idle period; otherwise the
 * profile's cwnd_restart (Linux's tcp_cwnd_restart) takes it back to the initial window. */
static unsigned cwnd_after_idle(const char *value)
{
    char dir[] = "/tmp/synack-pd-ssai-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char flags[128];
    snprintf(flags, sizeof(flags), "addr=192.0.2.2,profile=linux,sysctl_dir=%s", dir);
    fixture *f = load(flags);
    write_sysctl(dir, "tcp_slow_start_after_idle", value);
    int lfd = listener(f);
    uint32_t iss = handshake(f);
    int fd = f->ifc.accept(f->u, lfd, NULL, NULL);
    assert_true(fd >= 0);
    static char data[20000];
    assert_int_equal(f->ifc.write(f->u, fd, data, sizeof(data)), sizeof(data));
    inject(f, TCP_ACK, 1, iss + 1 + 10000, NULL, NULL); /* cwnd 10 -> 20 segments */
    inject(f, TCP_ACK, 1, iss + 1 + 20000, NULL, NULL); /* (not cwnd-limited: stays) */
    assert_int_equal(f->ifc.usleep(f->u, 2000000), 0);
    assert_int_equal(f->ifc.write(f->u, fd, data, 1000), 1000);
    struct tcp_info ti;
    socklen_t tl = sizeof(ti);
    assert_int_equal(f->ifc.getsockopt(f->u, fd, IPPROTO_TCP, TCP_INFO, &ti, &tl), 0);
    pd_fixture_unload(f);
    char path[512];
    snprintf(path, sizeof(path), "%s/tcp_slow_start_after_idle", dir);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
    return ti.tcpi_snd_cwnd;
}

static void test_slow_start_after_idle_sysctl(void **state)
{
    (void)state;
    assert_int_equal(cwnd_after_idle("0\n"), 20);
    assert_int_equal(cwnd_after_idle("1\n"), 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_passive_open_data_close),
        cmocka_unit_test(test_blocking_accept_on_second_thread),
        cmocka_unit_test(test_syn_backoff_and_virtual_time),
        cmocka_unit_test(test_nothing_to_send_fails_fast),
        cmocka_unit_test(test_epoll_and_pipe),
        cmocka_unit_test(test_libc_getsockopt_reaches_synack),
        cmocka_unit_test(test_host_sysctls_shape_the_stack),
        cmocka_unit_test(test_host_fastopen_sysctls),
        cmocka_unit_test(test_epoll_edge_reports_every_ready_bit),
        cmocka_unit_test(test_libc_sendfile_reaches_synack),
        cmocka_unit_test(test_errqueue_recvmsg),
        cmocka_unit_test(test_inq_cmsg_and_msg_more),
        cmocka_unit_test(test_notsent_lowat_sysctl),
        cmocka_unit_test(test_slow_start_after_idle_sysctl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
