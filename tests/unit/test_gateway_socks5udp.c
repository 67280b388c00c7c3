/* SPDX-License-Identifier: MIT */
/* synack gateway's SOCKS5 UDP ASSOCIATE (tools/synack/cmd_gateway_socks5udp.c, with
 * cmd_gateway_socks5.c's handshake), compiled into this test: the UDP request header's
 * exact bytes, every reply header form (IPv4, IPv6, a name) and every bad one (truncated at
 * each length, RSV or FRAG not zero, an unknown type), datagrams too large for one relay
 * datagram, the UDP ASSOCIATE request and the relay address taken from its reply, and one
 * association driven over loopback sockets against a proxy played by the test: the
 * datagram that waits for it, the relay's connect, its end with the control connection,
 * and a proxy that never answers. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "cmd_gateway_socks5.h"
#include "cmd_gateway_socks5udp.h"

static const uint8_t DST4[4] = {198, 18, 0, 1};
static const uint8_t DST6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

static void test_header(void **state)
{
    (void)state;
    uint8_t h[GW_S5U_HDR6 + 1];
    memset(h, 0xee, sizeof(h));
    assert_int_equal(gw_s5u_header(h, DST4, 4, 53), GW_S5U_HDR4);
    static const uint8_t want4[] = {0, 0, 0, 1, 198, 18, 0, 1, 0, 53};
    assert_memory_equal(h, want4, sizeof(want4));
    assert_int_equal(h[GW_S5U_HDR4], 0xee); /* nothing past it */
    assert_int_equal(gw_s5u_header(h, DST6, 16, 0x1f90), GW_S5U_HDR6);
    static const uint8_t want6[] = {0, 0, 0, 4, 0x20, 0x01, 0x0d, 0xb8, 0, 1,    0,
                                    0, 0, 0, 0, 0,    0,    0,    0,    1, 0x1f, 0x90};
    assert_memory_equal(h, want6, sizeof(want6));
    assert_int_equal(gw_s5u_header(h, DST4, 5, 53), -EINVAL);
    assert_int_equal(gw_s5u_header(h, DST4, 0, 53), -EINVAL);
}

static void test_parse_forms(void **state)
{
    (void)state;
    gw_s5u_from f;
    static const uint8_t v4[] = {0, 0, 0, 1, 198, 18, 0, 1, 0, 53, 'h', 'i'};
    assert_int_equal(gw_s5u_parse(v4, sizeof(v4), &f), 10);
    assert_int_equal(f.atyp, 1);
    assert_int_equal(f.len, 4);
    assert_memory_equal(f.addr, DST4, 4);
    assert_int_equal(f.port, 53);
    /* a header with no data is an empty datagram, not a truncated one */
    assert_int_equal(gw_s5u_parse(v4, 10, &f), 10);
    uint8_t v6[GW_S5U_HDR6 + 3];
    assert_int_equal(gw_s5u_header(v6, DST6, 16, 7007), GW_S5U_HDR6);
    memcpy(v6 + GW_S5U_HDR6, "abc", 3);
    assert_int_equal(gw_s5u_parse(v6, sizeof(v6), &f), GW_S5U_HDR6);
    assert_int_equal(f.atyp, 4);
    assert_int_equal(f.len, 16);
    assert_memory_equal(f.addr, DST6, 16);
    assert_int_equal(f.port, 7007);
    /* ATYP 3: a name (8 bytes) with its length byte */
    static const uint8_t name[] = {0,   0,   0,   3,   8,   'd', 'n', 's',
                                   '.', 't', 'e', 's', 't', 0,   53,  'x'};
    assert_int_equal(gw_s5u_parse(name, sizeof(name), &f), 15);
    assert_int_equal(f.atyp, 3);
    assert_int_equal(f.len, 8);
    assert_int_equal(f.port, 53);
    /* every shorter piece of each form is truncated */
    for (size_t n = 0; n < 10; n++)
        assert_int_equal(gw_s5u_parse(v4, n, &f), GW_S5U_TRUNCATED);
    for (size_t n = 0; n < GW_S5U_HDR6; n++)
        assert_int_equal(gw_s5u_parse(v6, n, &f), GW_S5U_TRUNCATED);
    for (size_t n = 0; n < 15; n++)
        assert_int_equal(gw_s5u_parse(name, n, &f), GW_S5U_TRUNCATED);
}

static void test_parse_bad(void **state)
{
    (void)state;
    gw_s5u_from f;
    uint8_t d[] = {0, 0, 0, 1, 198, 18, 0, 1, 0, 53, 'h', 'i'};
    d[0] = 1;
    assert_int_equal(gw_s5u_parse(d, sizeof(d), &f), GW_S5U_BAD_RSV);
    d[0] = 0;
    d[1] = 0x80;
    assert_int_equal(gw_s5u_parse(d, sizeof(d), &f), GW_S5U_BAD_RSV);
    d[1] = 0;
    for (int frag = 1; frag < 256; frag++) { /* 0x80 is "the last fragment": still one */
        d[2] = (uint8_t)frag;
        assert_int_equal(gw_s5u_parse(d, sizeof(d), &f), GW_S5U_FRAGMENT);
    }
    d[2] = 0;
    static const uint8_t types[] = {0, 2, 5, 0xff};
    for (size_t i = 0; i < sizeof(types); i++) {
        d[3] = types[i];
        assert_int_equal(gw_s5u_parse(d, sizeof(d), &f), GW_S5U_BAD_ATYP);
    }
    /* a name claiming 255 bytes in a short datagram */
    static const uint8_t long_name[] = {0, 0, 0, 3, 255, 'a', 'b', 0, 53};
    assert_int_equal(gw_s5u_parse(long_name, sizeof(long_name), &f), GW_S5U_TRUNCATED);
}

/* Sends n bytes to DST (alen) through gw_s5u_send on a datagram socket pair: 0 and the
 * exact datagram on the other end, or the error. */
static int send_one(int v6relay, const uint8_t *dst, size_t alen, size_t n)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
    int big = 1 << 20;
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
    setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
    uint8_t *data = malloc(n + 1), *got = malloc(n + GW_S5U_HDR6 + 1);
    assert_non_null(data);
    assert_non_null(got);
    for (size_t i = 0; i < n; i++)
        data[i] = (uint8_t)(i * 7);
    int rc = gw_s5u_send(sv[0], v6relay, dst, alen, 53, data, n);
    if (rc == 0) {
        ssize_t r = recv(sv[1], got, n + GW_S5U_HDR6 + 1, MSG_DONTWAIT);
        assert_int_equal(r, (ssize_t)(n + 6 + alen));
        uint8_t h[GW_S5U_HDR6];
        assert_int_equal(gw_s5u_header(h, dst, alen, 53), (int)(6 + alen));
        assert_memory_equal(got, h, 6 + alen);
        if (n)
            assert_memory_equal(got + 6 + alen, data, n);
    }
    assert_int_equal(recv(sv[1], got, 1, MSG_DONTWAIT), -1); /* nothing else went */
    free(data);
    free(got);
    close(sv[0]);
    close(sv[1]);
    return rc;
}

static void test_send_sizes(void **state)
{
    (void)state;
    assert_int_equal(send_one(0, DST4, 4, 40), 0);
    assert_int_equal(send_one(0, DST4, 4, 0), 0);
    assert_int_equal(send_one(0, DST6, 16, 40), 0);
    /* to an IPv4 relay the header and the data fit 65507 bytes, no more */
    assert_int_equal(send_one(0, DST4, 4, GW_S5U_MAX_DGRAM4 - GW_S5U_HDR4), 0);
    assert_int_equal(send_one(0, DST4, 4, GW_S5U_MAX_DGRAM4 - GW_S5U_HDR4 + 1), -EMSGSIZE);
    assert_int_equal(send_one(0, DST6, 16, GW_S5U_MAX_DGRAM4 - GW_S5U_HDR6 + 1), -EMSGSIZE);
    /* an IPv6 relay takes 20 bytes more */
    assert_int_equal(send_one(1, DST4, 4, GW_S5U_MAX_DGRAM4 - GW_S5U_HDR4 + 1), 0);
    assert_int_equal(send_one(1, DST6, 16, GW_S5U_MAX_DGRAM6 - GW_S5U_HDR6), 0);
    assert_int_equal(send_one(1, DST6, 16, GW_S5U_MAX_DGRAM6 - GW_S5U_HDR6 + 1), -EMSGSIZE);
    assert_int_equal(send_one(0, DST4, 3, 40), -EINVAL);
}

/* Takes everything queued and checks it is exactly want[0..n). */
static void expect_out(gw_socks5 *s, const uint8_t *want, size_t n)
{
    const uint8_t *p;
    size_t len = gw_s5_output(s, &p);
    assert_int_equal(len, n);
    assert_memory_equal(p, want, n);
    gw_s5_sent(s, len);
}

static struct sockaddr_storage proxy4(void)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    struct sockaddr_in *a = (struct sockaddr_in *)&ss;
    a->sin_family = AF_INET;
    a->sin_port = htons(1080);
    a->sin_addr.s_addr = htonl(0xc6120002u); /* 198.18.0.2 */
    return ss;
}

/* A UDP ASSOCIATE up to its request, then reply[0..n) fed. */
static void associate(gw_socks5 *s, const uint8_t *reply, size_t n)
{
    assert_int_equal(gw_s5_begin_udp(s, NULL, NULL), 0);
    static const uint8_t greet[] = {5, 1, 0};
    expect_out(s, greet, sizeof(greet));
    static const uint8_t method[] = {5, 0};
    assert_int_equal(gw_s5_input(s, method, 2), 2);
    /* CMD 3, DST 0.0.0.0:0: the gateway cannot know the address the proxy sees */
    static const uint8_t req[] = {5, 3, 0, 1, 0, 0, 0, 0, 0, 0};
    expect_out(s, req, sizeof(req));
    assert_int_equal(gw_s5_input(s, reply, n), n);
}

static void test_associate_reply(void **state)
{
    (void)state;
    gw_socks5 s;
    struct sockaddr_storage px = proxy4(), relay;
    socklen_t len = 0;
    static const uint8_t r4[] = {5, 0, 0, 1, 198, 18, 0, 9, 0x13, 0x88};
    associate(&s, r4, sizeof(r4));
    assert_int_equal(s.phase, GW_S5_DONE);
    assert_int_equal(gw_s5_relay(&s, &px, &relay, &len), 0);
    const struct sockaddr_in *a = (const struct sockaddr_in *)&relay;
    assert_int_equal(len, sizeof(*a));
    assert_int_equal(a->sin_family, AF_INET);
    assert_int_equal(ntohl(a->sin_addr.s_addr), 0xc6120009u);
    assert_int_equal(ntohs(a->sin_port), 5000);
    /* 0.0.0.0: the proxy's own address, with the reply's port */
    static const uint8_t any[] = {5, 0, 0, 1, 0, 0, 0, 0, 0x13, 0x89};
    associate(&s, any, sizeof(any));
    assert_int_equal(gw_s5_relay(&s, &px, &relay, &len), 0);
    assert_int_equal(ntohl(a->sin_addr.s_addr), 0xc6120002u);
    assert_int_equal(ntohs(a->sin_port), 5001);
    /* a name: the proxy's own address too (resolving would block the loop) */
    static const uint8_t nm[] = {5, 0, 0, 3, 5, 'p', 'r', 'o', 'x', 'y', 0x13, 0x8a};
    associate(&s, nm, sizeof(nm));
    assert_int_equal(gw_s5_relay(&s, &px, &relay, &len), 0);
    assert_int_equal(ntohl(a->sin_addr.s_addr), 0xc6120002u);
    assert_int_equal(ntohs(a->sin_port), 5002);
    /* an IPv6 relay */
    uint8_t r6[4 + 16 + 2] = {5, 0, 0, 4};
    memcpy(r6 + 4, DST6, 16);
    r6[20] = 0x13;
    r6[21] = 0x8b;
    associate(&s, r6, sizeof(r6));
    assert_int_equal(gw_s5_relay(&s, &px, &relay, &len), 0);
    const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)&relay;
    assert_int_equal(len, sizeof(*a6));
    assert_int_equal(a6->sin6_family, AF_INET6);
    assert_memory_equal(&a6->sin6_addr, DST6, 16);
    assert_int_equal(ntohs(a6->sin6_port), 5003);
    /* port 0 names no relay */
    static const uint8_t p0[] = {5, 0, 0, 1, 198, 18, 0, 9, 0, 0};
    associate(&s, p0, sizeof(p0));
    assert_int_equal(gw_s5_relay(&s, &px, &relay, &len), -EINVAL);
    /* 7, command not supported (a CONNECT-only proxy): failed, no relay */
    static const uint8_t no[] = {5, 7, 0, 1, 0, 0, 0, 0, 0, 0};
    associate(&s, no, 4); /* decided on the header alone */
    assert_int_equal(s.phase, GW_S5_FAILED);
    assert_int_equal(s.outcome, GW_S5_OTHER_REPLY);
    assert_int_equal(gw_s5_relay(&s, &px, &relay, &len), -EINVAL);
}

/* Reads exactly n bytes from fd (blocking, a test proxy). */
static void read_exact(int fd, uint8_t *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = recv(fd, p + got, n - got, 0);
        assert_true(r > 0);
        got += (size_t)r;
    }
}

static void test_association(void **state)
{
    (void)state;
    /* the proxy's control listener and its relay, on loopback */
    int ls = socket(AF_INET, SOCK_STREAM, 0), relay = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in lo = {.sin_family = AF_INET, .sin_addr = {htonl(INADDR_LOOPBACK)}};
    assert_int_equal(bind(ls, (struct sockaddr *)&lo, sizeof(lo)), 0);
    assert_int_equal(listen(ls, 4), 0);
    assert_int_equal(bind(relay, (struct sockaddr *)&lo, sizeof(lo)), 0);
    struct sockaddr_storage px, ra;
    socklen_t pl = sizeof(px), rl = sizeof(ra);
    assert_int_equal(getsockname(ls, (struct sockaddr *)&px, &pl), 0);
    assert_int_equal(getsockname(relay, (struct sockaddr *)&ra, &rl), 0);

    gw_s5u_flow x;
    int ufd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    assert_int_equal(gw_s5u_start(&x, (struct sockaddr *)&px, pl, NULL, NULL, 1000), 0);
    assert_true(x.state == GW_S5U_CONNECTING || x.state == GW_S5U_HANDSHAKE);
    x.alen = 4;
    memcpy(x.dst, DST4, 4);
    x.dport = 53;
    /* one datagram waits for the association; a second does not */
    assert_int_equal(gw_s5u_hold(&x, (const uint8_t *)"query", 5), 0);
    assert_int_equal(gw_s5u_hold(&x, (const uint8_t *)"again", 5), -ENOBUFS);
    int c = accept(ls, NULL, NULL);
    assert_true(c >= 0);
    /* the greeting goes out on the first steps */
    for (int i = 0; i < 4; i++)
        assert_int_equal(gw_s5u_step(&x, &ufd, (struct sockaddr *)&px, 10), GW_S5U_WAIT);
    assert_int_equal(x.state, GW_S5U_HANDSHAKE);
    uint8_t b[16];
    read_exact(c, b, 3);
    assert_memory_equal(b, "\x05\x01\x00", 3);
    assert_int_equal(send(c, "\x05\x00", 2, 0), 2);
    struct pollfd pf = {.fd = x.cfd, .events = gw_s5u_events(&x)};
    assert_int_equal(poll(&pf, 1, 1000), 1);
    assert_int_equal(gw_s5u_step(&x, &ufd, (struct sockaddr *)&px, 20), GW_S5U_WAIT);
    read_exact(c, b, 10);
    assert_memory_equal(b, "\x05\x03\x00\x01\x00\x00\x00\x00\x00\x00", 10);
    uint8_t rep[10] = {5, 0, 0, 1};
    memcpy(rep + 4, &((struct sockaddr_in *)&ra)->sin_addr, 4);
    memcpy(rep + 8, &((struct sockaddr_in *)&ra)->sin_port, 2);
    assert_int_equal(send(c, rep, sizeof(rep), 0), 10);
    pf.events = gw_s5u_events(&x);
    assert_int_equal(pf.events, POLLIN);
    assert_int_equal(poll(&pf, 1, 1000), 1);
    /* ready: the flow's socket is connected to the relay; the held datagram is the
     * caller's to send (still there), and now goes out with its header */
    assert_int_equal(gw_s5u_step(&x, &ufd, (struct sockaddr *)&px, 30), GW_S5U_NOW_READY);
    assert_int_equal(x.state, GW_S5U_READY);
    assert_non_null(x.pend);
    assert_int_equal(x.pend_len, 5);
    assert_int_equal(gw_s5u_send(ufd, x.relay_v6, x.dst, x.alen, x.dport, x.pend, x.pend_len), 0);
    uint8_t d[64];
    struct sockaddr_storage from;
    socklen_t fl = sizeof(from);
    ssize_t n = recvfrom(relay, d, sizeof(d), 0, (struct sockaddr *)&from, &fl);
    assert_int_equal(n, 15);
    assert_memory_equal(d, "\x00\x00\x00\x01\xc6\x12\x00\x01\x00\x35query", 15);
    /* the relay's answer reaches the flow's socket; another sender's does not */
    int other = socket(AF_INET, SOCK_DGRAM, 0);
    assert_int_equal(sendto(other, "x", 1, 0, (struct sockaddr *)&from, fl), 1);
    assert_int_equal(sendto(relay, d, (size_t)n, 0, (struct sockaddr *)&from, fl), n);
    pf = (struct pollfd){.fd = ufd, .events = POLLIN};
    assert_int_equal(poll(&pf, 1, 1000), 1);
    assert_int_equal(recv(ufd, d, sizeof(d), 0), n);
    assert_int_equal(recv(ufd, d, sizeof(d), MSG_DONTWAIT), -1);
    /* nothing on the control connection: it waits; the proxy's close ends it */
    assert_int_equal(gw_s5u_step(&x, &ufd, (struct sockaddr *)&px, 2000000), GW_S5U_WAIT);
    close(c);
    pf = (struct pollfd){.fd = x.cfd, .events = gw_s5u_events(&x)};
    assert_int_equal(poll(&pf, 1, 1000), 1);
    assert_int_equal(gw_s5u_step(&x, &ufd, (struct sockaddr *)&px, 40), GW_S5U_ENDED);
    gw_s5u_close(&x);
    assert_int_equal(x.cfd, -1);
    assert_null(x.pend);

    /* A proxy that accepts and never answers: at the deadline the association failed,
     * the waiting datagram dropped, the control connection closed. */
    assert_int_equal(gw_s5u_start(&x, (struct sockaddr *)&px, pl, NULL, NULL, 1000), 0);
    assert_int_equal(gw_s5u_hold(&x, (const uint8_t *)"q", 1), 0);
    c = accept(ls, NULL, NULL);
    assert_int_equal(gw_s5u_step(&x, &ufd, (struct sockaddr *)&px, 999), GW_S5U_WAIT);
    assert_int_equal(gw_s5u_step(&x, &ufd, (struct sockaddr *)&px, 1000), GW_S5U_NOW_FAILED);
    assert_int_equal(x.hs.outcome, GW_S5_TIMEOUT);
    assert_int_equal(x.state, GW_S5U_FAILED);
    assert_int_equal(x.cfd, -1);
    assert_null(x.pend);
    assert_int_equal(gw_s5u_events(&x), 0);
    assert_int_equal(recv(c, d, sizeof(d), 0), 3); /* its greeting, then the close */
    assert_int_equal(recv(c, d, sizeof(d), 0), 0);
    close(c);

    /* No proxy at all (its port closed): failed as ProxyDown. */
    close(ls);
    assert_int_equal(gw_s5u_start(&x, (struct sockaddr *)&px, pl, NULL, NULL, 1000), 0);
    int r = GW_S5U_WAIT;
    for (int i = 0; i < 100 && r == GW_S5U_WAIT; i++) {
        pf = (struct pollfd){.fd = x.cfd, .events = gw_s5u_events(&x)};
        poll(&pf, 1, 10);
        r = gw_s5u_step(&x, &ufd, (struct sockaddr *)&px, 5);
    }
    assert_int_equal(r, GW_S5U_NOW_FAILED);
    assert_int_equal(x.hs.outcome, GW_S5_PROXY_DOWN);
    gw_s5u_close(&x);
    close(other);
    close(relay);
    close(ufd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header),          cmocka_unit_test(test_parse_forms),
        cmocka_unit_test(test_parse_bad),       cmocka_unit_test(test_send_sizes),
        cmocka_unit_test(test_associate_reply), cmocka_unit_test(test_association),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
