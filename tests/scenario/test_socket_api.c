/* SPDX-License-Identifier: MIT */
/* The socket API's contract (docs/API.md): every bad call returns a precise negative
 * errno, poll readiness follows the connection, and TCP_INFO reports what happened. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "support/fixture.h"
#include "support/pair.h"

#define DELAY 1000

#define SA(x) ((struct sockaddr *)&(x))

static void test_ebadf(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, NULL, DELAY);
    synack_stack *st = p.st[PAIR_CLIENT];
    int closed = synack_socket(st, SOCK_STREAM);
    assert_int_equal(synack_close(st, closed), 0);
    const int bad[] = {-1, closed, 1023, 1024, 1 << 20};
    struct sockaddr_in sin = pair_sin(0, 1234);
    socklen_t len = sizeof(sin);
    int v = 1;
    socklen_t vl = sizeof(v);
    char buf[4];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int s = bad[i];
        assert_int_equal(synack_bind(st, s, SA(sin), sizeof(sin)), -EBADF);
        assert_int_equal(synack_listen(st, s, 1), -EBADF);
        assert_int_equal(synack_accept(st, s, NULL, NULL), -EBADF);
        assert_int_equal(synack_connect(st, s, SA(sin), sizeof(sin)), -EBADF);
        assert_int_equal(synack_send(st, s, "x", 1, 0), -EBADF);
        assert_int_equal(synack_recv(st, s, buf, sizeof(buf), 0), -EBADF);
        assert_int_equal(synack_shutdown(st, s, SHUT_RDWR), -EBADF);
        assert_int_equal(synack_setsockopt(st, s, SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)), -EBADF);
        assert_int_equal(synack_getsockopt(st, s, SOL_SOCKET, SO_REUSEADDR, &v, &vl), -EBADF);
        assert_int_equal(synack_getsockname(st, s, SA(sin), &len), -EBADF);
        assert_int_equal(synack_getpeername(st, s, SA(sin), &len), -EBADF);
        assert_int_equal(synack_close(st, s), -EBADF);
        assert_int_equal(fx_poll(st, s, POLLIN), POLLNVAL);
    }
    assert_int_equal(p.nsegs, 0);
    pair_free(&p);
}

static void test_socket_and_bind_errors(void **state)
{
    (void)state;
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.max_sockets = 4;
    pair p;
    pair_init(&p, &cfg, DELAY);
    synack_stack *st = p.st[PAIR_SERVER];
    assert_int_equal(synack_socket(st, SOCK_RAW), -EPROTONOSUPPORT);
    int s[4];
    for (int i = 0; i < 4; i++) {
        s[i] = synack_socket(st, i == 0 ? (SOCK_STREAM | SOCK_NONBLOCK) : SOCK_STREAM);
        assert_true(s[i] >= 0);
    }
    assert_int_equal(synack_socket(st, SOCK_STREAM), -EMFILE);
    int t = -1;
    socklen_t tl = sizeof(t);
    assert_int_equal(synack_getsockopt(st, s[0], SOL_SOCKET, SO_TYPE, &t, &tl), 0);
    assert_int_equal(t, SOCK_STREAM);

    struct sockaddr_in a = pair_sin(0, 7000);
    assert_int_equal(synack_bind(st, s[0], SA(a), sizeof(a) - 1), -EINVAL);
    assert_int_equal(synack_bind(st, s[0], NULL, sizeof(a)), -EINVAL);
    struct sockaddr_in a6 = a;
    a6.sin_family = AF_INET6;
    assert_int_equal(synack_bind(st, s[0], SA(a6), sizeof(a6)), -EAFNOSUPPORT);
    struct sockaddr_in other = pair_sin(0x0a000001u, 7000); /* not our address */
    assert_int_equal(synack_bind(st, s[0], SA(other), sizeof(other)), -EADDRNOTAVAIL);
    struct sockaddr_in mine = pair_sin(PAIR_SERVER_ADDR, 7000);
    assert_int_equal(synack_bind(st, s[0], SA(mine), sizeof(mine)), 0);
    assert_int_equal(synack_bind(st, s[0], SA(a), sizeof(a)), -EINVAL); /* bound already */
    assert_int_equal(synack_bind(st, s[1], SA(a), sizeof(a)), -EADDRINUSE);
    struct sockaddr_in got;
    socklen_t gl = sizeof(got);
    assert_int_equal(synack_getsockname(st, s[0], SA(got), &gl), 0);
    assert_int_equal(ntohs(got.sin_port), 7000);
    assert_int_equal(ntohl(got.sin_addr.s_addr), PAIR_SERVER_ADDR);

    /* SO_REUSEADDR on both lets two sockets share a port until one listens */
    int one = 1;
    assert_int_equal(synack_setsockopt(st, s[0], SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
    struct sockaddr_in b = pair_sin(0, 7001);
    assert_int_equal(synack_setsockopt(st, s[1], SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
    assert_int_equal(synack_setsockopt(st, s[2], SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
    assert_int_equal(synack_bind(st, s[1], SA(b), sizeof(b)), 0);
    assert_int_equal(synack_bind(st, s[2], SA(b), sizeof(b)), 0);
    assert_int_equal(synack_listen(st, s[1], 4), 0);
    assert_int_equal(synack_listen(st, s[2], 4), -EADDRINUSE);
    int r = 0;
    socklen_t rl = sizeof(r);
    assert_int_equal(synack_getsockopt(st, s[3], SOL_SOCKET, SO_REUSEADDR, &r, &rl), 0);
    assert_int_equal(r, 0);
    assert_int_equal(synack_setsockopt(st, s[3], SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
    assert_int_equal(synack_bind(st, s[3], SA(b), sizeof(b)), -EADDRINUSE); /* a listener */
    assert_int_equal(synack_close(st, s[3]), 0);
    assert_true(synack_socket(st, SOCK_STREAM) >= 0); /* the id is free again */
    pair_free(&p);
}

static void test_call_order_errors(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, NULL, DELAY);
    synack_stack *cst = p.st[PAIR_CLIENT], *sst = p.st[PAIR_SERVER];
    int ls = pair_listen(&p, 80, 4);
    char buf[8];
    struct sockaddr_in peer;
    socklen_t pl = sizeof(peer);

    /* a fresh socket: nothing to talk to */
    int s = synack_socket(cst, SOCK_STREAM);
    assert_int_equal(synack_send(cst, s, "x", 1, 0), -ENOTCONN);
    assert_int_equal(synack_recv(cst, s, buf, sizeof(buf), 0), -ENOTCONN);
    assert_int_equal(synack_shutdown(cst, s, SHUT_WR), -ENOTCONN);
    assert_int_equal(synack_getpeername(cst, s, SA(peer), &pl), -ENOTCONN);
    assert_int_equal(synack_accept(cst, s, NULL, NULL), -EINVAL); /* not listening */
    assert_int_equal(synack_shutdown(cst, s, 7), -EINVAL);
    assert_int_equal(fx_poll(cst, s, POLLIN | POLLOUT), 0);

    /* a listener is not a connection */
    assert_int_equal(synack_recv(sst, ls, buf, sizeof(buf), 0), -ENOTCONN);
    assert_int_equal(synack_send(sst, ls, "x", 1, 0), -ENOTCONN);
    assert_int_equal(synack_accept(sst, ls, NULL, NULL), -EAGAIN);

    /* bad destinations */
    struct sockaddr_in to = pair_sin(PAIR_SERVER_ADDR, 80);
    assert_int_equal(synack_connect(cst, s, SA(to), sizeof(to) - 1), -EINVAL);
    struct sockaddr_in to6 = to;
    to6.sin_family = AF_INET6;
    assert_int_equal(synack_connect(cst, s, SA(to6), sizeof(to6)), -EAFNOSUPPORT);
    assert_int_equal(p.nsegs, 0);

    /* connecting: EALREADY while in SYN-SENT, data queued for after the handshake
     * (RFC 9293 3.10.2), EISCONN once open */
    assert_int_equal(synack_connect(cst, s, SA(to), sizeof(to)), -EINPROGRESS);
    assert_int_equal(synack_connect(cst, s, SA(to), sizeof(to)), -EALREADY);
    assert_int_equal(synack_send(cst, s, "x", 1, 0), 1);
    assert_int_equal(synack_recv(cst, s, buf, sizeof(buf), 0), -EAGAIN);
    assert_int_equal(synack_listen(cst, s, 4), -EINVAL);
    struct sockaddr_in b = pair_sin(0, 9999);
    assert_int_equal(synack_bind(cst, s, SA(b), sizeof(b)), -EINVAL);
    assert_int_equal(fx_poll(cst, s, POLLIN | POLLOUT), 0);
    pair_run_for(&p, 10000);
    assert_int_equal(synack_connect(cst, s, SA(to), sizeof(to)), -EISCONN);
    assert_int_equal(synack_listen(cst, s, 4), -EINVAL);
    int ss = synack_accept(sst, ls, NULL, NULL);
    assert_true(ss >= 0);
    assert_int_equal(synack_recv(cst, s, buf, sizeof(buf), 0), -EAGAIN);
    assert_int_equal(synack_getpeername(cst, s, SA(peer), &pl), 0);
    assert_int_equal(ntohs(peer.sin_port), 80);
    assert_int_equal(synack_send(cst, s, NULL, 0, 0), 0);

    /* the connection's local port is taken */
    struct sockaddr_in mine;
    socklen_t ml = sizeof(mine);
    assert_int_equal(synack_getsockname(cst, s, SA(mine), &ml), 0);
    assert_int_equal(ntohl(mine.sin_addr.s_addr), PAIR_CLIENT_ADDR);
    int s2 = synack_socket(cst, SOCK_STREAM);
    struct sockaddr_in same = pair_sin(0, ntohs(mine.sin_port));
    assert_int_equal(synack_bind(cst, s2, SA(same), sizeof(same)), -EADDRINUSE);

    /* EPIPE after shutdown(SHUT_WR); reads still work */
    assert_int_equal(synack_shutdown(cst, s, SHUT_WR), 0);
    assert_int_equal(synack_send(cst, s, "x", 1, 0), -EPIPE);
    assert_int_equal(synack_send(sst, ss, "data", 4, 0), 4);
    pair_run_for(&p, 100000);
    assert_int_equal(synack_recv(cst, s, buf, sizeof(buf), 0), 4);
    /* the byte queued in SYN-SENT arrived, then the FIN */
    assert_int_equal(synack_recv(sst, ss, buf, sizeof(buf), 0), 1);
    assert_int_equal(buf[0], 'x');
    assert_int_equal(synack_recv(sst, ss, buf, sizeof(buf), 0), 0);
    pair_free(&p);
}

/* shutdown(SHUT_WR) in SYN-SENT abandons the connection (RFC 9293 3.10.4: delete the TCB,
 * "error: closing" to pending RECEIVEs; Linux disconnects with ECONNRESET). The application
 * learns it from its next call instead of reading a clean end of stream from a connection
 * that never was; the SYN-ACK that follows finds no connection and gets a RST. */
static void test_shutdown_in_syn_sent(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, NULL, DELAY);
    synack_stack *cst = p.st[PAIR_CLIENT], *sst = p.st[PAIR_SERVER];
    int ls = pair_listen(&p, 80, 4);
    int s = synack_socket(cst, SOCK_STREAM);
    struct sockaddr_in to = pair_sin(PAIR_SERVER_ADDR, 80);
    char buf[8];
    assert_int_equal(synack_connect(cst, s, SA(to), sizeof(to)), -EINPROGRESS);
    assert_int_equal(synack_shutdown(cst, s, SHUT_WR), 0);
    assert_int_equal(synack_recv(cst, s, buf, sizeof(buf), 0), -ECONNRESET);
    assert_int_equal(synack_send(cst, s, "x", 1, 0), -EPIPE);
    pair_run_for(&p, 100000);
    assert_int_equal(synack_accept(sst, ls, NULL, NULL), -EAGAIN);
    assert_int_equal(synack_counter_get(cst, SYNACK_CTR_OutRsts), 1);
    assert_int_equal(synack_close(cst, s), 0);
    pair_free(&p);
}

static void test_send_buffer_full(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, NULL, DELAY);
    synack_stack *cst = p.st[PAIR_CLIENT];
    int ls = pair_listen(&p, 80, 4);
    int s = synack_socket(cst, SOCK_STREAM);
    int sz = 4096;
    assert_int_equal(synack_setsockopt(cst, s, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz)), 0);
    socklen_t l = sizeof(sz);
    sz = 0;
    assert_int_equal(synack_getsockopt(cst, s, SOL_SOCKET, SO_SNDBUF, &sz, &l), 0);
    assert_int_equal(sz, 4096);
    struct sockaddr_in to = pair_sin(PAIR_SERVER_ADDR, 80);
    synack_connect(cst, s, SA(to), sizeof(to));
    pair_run_for(&p, 10000);
    int ss = synack_accept(p.st[PAIR_SERVER], ls, NULL, NULL);
    assert_true(ss >= 0);
    static uint8_t big[10000];
    assert_int_equal(fx_poll(cst, s, POLLOUT), POLLOUT);
    assert_int_equal(synack_send(cst, s, big, sizeof(big), 0), 4096); /* a partial write */
    assert_int_equal(synack_send(cst, s, big, 10, 0), -EAGAIN);
    assert_int_equal(fx_poll(cst, s, POLLOUT), 0);
    pair_run_for(&p, 100000); /* acknowledged: room again */
    assert_int_equal(fx_poll(cst, s, POLLOUT), POLLOUT);
    assert_int_equal(synack_send(cst, s, big, 10, 0), 10);
    pair_free(&p);
}

static void test_poll_readiness(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, NULL, DELAY);
    synack_stack *cst = p.st[PAIR_CLIENT], *sst = p.st[PAIR_SERVER];
    int ls = pair_listen(&p, 80, 4);
    const short all = POLLIN | POLLOUT | POLLRDHUP;
    assert_int_equal(fx_poll(sst, ls, all), 0);
    int cs = pair_connect(&p, 80);
    assert_int_equal(fx_poll(cst, cs, all), 0); /* SYN-SENT: neither */
    pair_run_for(&p, 10000);
    assert_int_equal(fx_poll(sst, ls, all), POLLIN); /* a connection to accept */
    assert_int_equal(fx_poll(sst, ls, POLLOUT), 0);
    int ss = synack_accept(sst, ls, NULL, NULL);
    assert_int_equal(fx_poll(sst, ls, all), 0);
    assert_int_equal(fx_poll(cst, cs, all), POLLOUT);
    assert_int_equal(fx_poll(sst, ss, all), POLLOUT);

    assert_int_equal(synack_send(cst, cs, "abc", 3, 0), 3);
    pair_run_for(&p, 100000);
    assert_int_equal(fx_poll(sst, ss, all), POLLIN | POLLOUT);
    assert_int_equal(fx_poll(sst, ss, POLLOUT), POLLOUT); /* only what was asked */

    /* several at once: the count of entries with events */
    synack_pollfd fds[4] = {{.sock = ls, .events = POLLIN},
                            {.sock = ss, .events = POLLIN},
                            {.sock = cs, .events = POLLIN},
                            {.sock = 77, .events = POLLIN}};
    assert_int_equal(synack_sock_poll(sst, fds, 4), 2);
    assert_int_equal(fds[0].revents, 0);
    assert_int_equal(fds[1].revents, POLLIN);
    assert_int_equal(fds[3].revents, POLLNVAL);

    char buf[8];
    assert_int_equal(synack_recv(sst, ss, buf, sizeof(buf), MSG_PEEK), 3);
    assert_int_equal(fx_poll(sst, ss, POLLIN), POLLIN);
    assert_int_equal(synack_recv(sst, ss, buf, sizeof(buf), 0), 3);
    assert_int_equal(fx_poll(sst, ss, all), POLLOUT);

    /* the peer's FIN: readable (EOF) and read-hung-up */
    assert_int_equal(synack_shutdown(cst, cs, SHUT_WR), 0);
    assert_int_equal(fx_poll(cst, cs, all), 0);
    pair_run_for(&p, 100000);
    assert_int_equal(fx_poll(sst, ss, all), POLLIN | POLLOUT | POLLRDHUP);
    /* both directions closed: hung up */
    assert_int_equal(synack_shutdown(sst, ss, SHUT_WR), 0);
    pair_run_for(&p, 100000);
    assert_true(fx_poll(sst, ss, POLLIN) & POLLHUP);
    short ev = fx_poll(cst, cs, all);
    assert_true(ev & POLLIN);
    assert_true(ev & POLLRDHUP);
    assert_true(ev & POLLHUP);
    assert_false(ev & POLLOUT);
    assert_false(ev & POLLERR);
    pair_free(&p);
}

static void test_options(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, NULL, DELAY);
    synack_stack *st = p.st[PAIR_CLIENT];
    int s = synack_socket(st, SOCK_STREAM);
    int v = 1;
    socklen_t vl = sizeof(v);
    assert_int_equal(synack_setsockopt(st, s, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v)), 0);
    v = 0;
    assert_int_equal(synack_getsockopt(st, s, IPPROTO_TCP, TCP_NODELAY, &v, &vl), 0);
    assert_int_equal(v, 1);
    assert_int_equal(synack_setsockopt(st, s, IPPROTO_TCP, TCP_NODELAY, &v, 1), -EINVAL);
    assert_int_equal(synack_setsockopt(st, s, IPPROTO_TCP, TCP_NODELAY, NULL, sizeof(v)), -EINVAL);
    v = 0;
    assert_int_equal(synack_setsockopt(st, s, IPPROTO_TCP, TCP_KEEPIDLE, &v, sizeof(v)), -EINVAL);
    assert_int_equal(synack_setsockopt(st, s, IPPROTO_TCP, TCP_KEEPINTVL, &v, sizeof(v)), -EINVAL);
    assert_int_equal(synack_setsockopt(st, s, IPPROTO_TCP, TCP_KEEPCNT, &v, sizeof(v)), -EINVAL);
    v = 10;
    assert_int_equal(synack_setsockopt(st, s, IPPROTO_TCP, TCP_MAXSEG, &v, sizeof(v)), -EINVAL);
    v = 1000;
    assert_int_equal(synack_setsockopt(st, s, IPPROTO_TCP, TCP_MAXSEG, &v, sizeof(v)), 0);
    assert_int_equal(synack_setsockopt(st, s, IPPROTO_TCP, 9999, &v, sizeof(v)), -ENOPROTOOPT);
    assert_int_equal(synack_setsockopt(st, s, SOL_SOCKET, 9999, &v, sizeof(v)), -ENOPROTOOPT);
    assert_int_equal(synack_setsockopt(st, s, IPPROTO_IP, IP_OPTIONS, &v, sizeof(v)), -ENOPROTOOPT);
    assert_int_equal(synack_getsockopt(st, s, IPPROTO_TCP, 9999, &v, &vl), -ENOPROTOOPT);
    vl = 1;
    assert_int_equal(synack_getsockopt(st, s, IPPROTO_TCP, TCP_NODELAY, &v, &vl), -EINVAL);
    synack_tcp_info info;
    /* one byte short of the struct as first published (it ended at segs_in) */
    socklen_t il = offsetof(synack_tcp_info, segs_in) + sizeof(info.segs_in) - 1;
    assert_int_equal(synack_getsockopt(st, s, IPPROTO_TCP, SYNACK_TCP_INFO, &info, &il), -EINVAL);
    il = sizeof(info);
    assert_int_equal(synack_getsockopt(st, s, IPPROTO_TCP, SYNACK_TCP_INFO, &info, &il), 0);
    assert_int_equal(info.state, SYNACK_CLOSED);

    /* TCP_MAXSEG shapes the MSS the SYN offers */
    int ls = pair_listen(&p, 80, 4);
    struct sockaddr_in to = pair_sin(PAIR_SERVER_ADDR, 80);
    synack_connect(st, s, SA(to), sizeof(to));
    assert_int_equal(p.segs[0].s.mss, 1000);
    pair_run_for(&p, 10000);
    assert_true(synack_accept(p.st[PAIR_SERVER], ls, NULL, NULL) >= 0);
    il = sizeof(info);
    assert_int_equal(synack_getsockopt(st, s, IPPROTO_TCP, SYNACK_TCP_INFO, &info, &il), 0);
    assert_int_equal(info.rcv_mss, 1000);
    /* as in Linux, TCP_MAXSEG caps what we send too: 1000 less the timestamps option */
    assert_int_equal(info.snd_mss, 988);
    pair_free(&p);
}

/* TCP_INFO after a known exchange: 3000 bytes out (MSS 1448: three segments), 100 in. */
static void test_tcp_info(void **state)
{
    (void)state;
    pair p;
    int cs;
    int ss = fx_established(&p, NULL, DELAY, &cs);
    synack_stack *cst = p.st[PAIR_CLIENT], *sst = p.st[PAIR_SERVER];
    static uint8_t data[3000];
    assert_int_equal(synack_send(cst, cs, data, sizeof(data), 0), 3000);
    synack_tcp_info i;
    socklen_t len = sizeof(i);
    assert_int_equal(synack_getsockopt(cst, cs, IPPROTO_TCP, TCP_INFO, &i, &len), 0);
    /* two full segments are out; Nagle (RFC 1122 4.2.3.4) holds the 104-byte tail until
     * they are acknowledged */
    assert_int_equal(i.unacked, 2 * 1448);
    assert_int_equal(i.bytes_acked, 0);
    pair_run_for(&p, 100000);
    char buf[4096];
    assert_int_equal(synack_recv(sst, ss, buf, sizeof(buf), 0), 3000);
    assert_int_equal(synack_send(sst, ss, data, 100, 0), 100);
    pair_run_for(&p, 100000);
    assert_int_equal(synack_recv(cst, cs, buf, sizeof(buf), 0), 100);
    pair_run_for(&p, 100000);

    assert_int_equal(synack_getsockopt(cst, cs, IPPROTO_TCP, TCP_INFO, &i, &len), 0);
    assert_int_equal(len, sizeof(i));
    assert_int_equal(i.state, SYNACK_ESTABLISHED);
    assert_int_equal(i.ca_state, 0);
    assert_true(i.ca_name[0] != 0);
    assert_int_equal(i.options, 7);
    assert_int_equal(i.snd_wscale, 7);
    assert_int_equal(i.rcv_wscale, 7);
    assert_int_equal(i.snd_mss, 1448);
    assert_int_equal(i.rcv_mss, 1460);
    assert_int_equal(i.unacked, 0);
    assert_int_equal(i.bytes_acked, 3000);
    assert_int_equal(i.bytes_received, 100);
    assert_int_equal(i.retransmits, 0);
    assert_int_equal(i.total_retrans, 0);
    /* RFC 6298 2.3 over three samples: the SYN (2 ms), the first two data segments,
     * ACKed at once as two full segments (2 ms), and the 104-byte tail, ACKed by the
     * peer's 40 ms delayed ACK (42 ms): SRTT = 7/8 * 2000 + 1/8 * 42000 */
    assert_int_equal(i.rtt_us, 7000);
    assert_true(i.rto_us >= 200000); /* rto_min */
    assert_true(i.snd_cwnd >= 10 * 1448);
    assert_true(i.snd_wnd > 0);
    assert_true(i.rcv_wnd > 0);
    /* the segments counted: SYN, ACK, three data segments out; SYN-ACK, the server's
     * ACK(s) and its data segment in */
    size_t out = pair_count_segs(&p, 0, PAIR_CLIENT), in = pair_count_segs(&p, 0, PAIR_SERVER);
    assert_int_equal(i.segs_out, out);
    assert_int_equal(i.segs_in, in);
    assert_int_equal(i.delivered, 4); /* the SYN and the three data segments */
    assert_int_equal(synack_getsockopt(sst, ss, IPPROTO_TCP, TCP_INFO, &i, &len), 0);
    assert_int_equal(i.bytes_received, 3000);
    assert_int_equal(i.bytes_acked, 100);
    assert_int_equal(i.delivered, 2); /* the SYN-ACK (acknowledged before accept) and the data */
    assert_int_equal(i.segs_out, in);
    assert_int_equal(i.segs_in, out);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ebadf),
        cmocka_unit_test(test_socket_and_bind_errors),
        cmocka_unit_test(test_call_order_errors),
        cmocka_unit_test(test_shutdown_in_syn_sent),
        cmocka_unit_test(test_send_buffer_full),
        cmocka_unit_test(test_poll_readiness),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_tcp_info),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
