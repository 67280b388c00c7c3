/* SPDX-License-Identifier: MIT */
/* synack gateway, tun2socks mode: the SOCKS5 CONNECT handshake (RFC 1928, RFC 1929).
 * Greeting, then (if the proxy chose it) username/password, then the CONNECT request: one
 * message in flight at a time, since proxies are not required to take pipelined requests.
 * Replies are read exactly to their end (the reply's own lengths say where it is): bytes a
 * server-speaks-first destination sends right after the reply stay in the socket for the
 * relay. Everything read is bounded by the largest reply the protocol allows
 * (GW_S5_MAX_REPLY); a proxy that sends anything else fails the handshake. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include "cmd_gateway_socks5.h"

#define S5_VERSION 5
#define S5_AUTH_VERSION 1
#define S5_NO_AUTH 0x00
#define S5_USERPASS 0x02
#define S5_NO_ACCEPTABLE 0xff
#define S5_CONNECT 0x01
#define S5_UDP_ASSOCIATE 0x03
#define S5_ATYP_IPV4 1
#define S5_ATYP_DOMAIN 3
#define S5_ATYP_IPV6 4

static void queue(gw_socks5 *s, const uint8_t *p, size_t n)
{
    memcpy(s->out, p, n);
    s->out_len = (uint16_t)n;
    s->out_off = 0;
    s->in_len = 0;
}

static void end(gw_socks5 *s, int phase, gw_s5_outcome o)
{
    s->phase = (uint8_t)phase;
    s->outcome = (uint8_t)o;
    s->out_len = s->out_off = 0;
}

void gw_s5_fail(gw_socks5 *s, gw_s5_outcome o)
{
    end(s, GW_S5_FAILED, o);
}

static int begin(gw_socks5 *s, uint8_t cmd, const uint8_t *addr, size_t alen, uint16_t port,
                 const char *user, const char *pass)
{
    size_t ul = user ? strlen(user) : 0, pl = pass ? strlen(pass) : 0;
    if ((alen != 4 && alen != 16) || !user != !pass || (user && (ul < 1 || ul > 255)) ||
        (pass && (pl < 1 || pl > 255)))
        return -EINVAL;
    memset(s, 0, sizeof(*s));
    memcpy(s->dst, addr, alen);
    s->alen = (uint8_t)alen;
    s->dst_port = port;
    s->user = user;
    s->pass = pass;
    s->cmd = cmd;
    s->phase = GW_S5_GREET;
    static const uint8_t plain[] = {S5_VERSION, 1, S5_NO_AUTH};
    static const uint8_t with_auth[] = {S5_VERSION, 2, S5_NO_AUTH, S5_USERPASS};
    if (user)
        queue(s, with_auth, sizeof(with_auth));
    else
        queue(s, plain, sizeof(plain));
    return 0;
}

int gw_s5_begin(gw_socks5 *s, const uint8_t *addr, size_t alen, uint16_t port, const char *user,
                const char *pass)
{
    return begin(s, S5_CONNECT, addr, alen, port, user, pass);
}

int gw_s5_begin_udp(gw_socks5 *s, const char *user, const char *pass)
{
    /* DST is where the datagrams will come from; the gateway cannot know the address the
     * proxy sees, and RFC 1928 section 7 says to send zeros then. */
    static const uint8_t any[4];
    return begin(s, S5_UDP_ASSOCIATE, any, 4, 0, user, pass);
}

int gw_s5_relay(const gw_socks5 *s, const struct sockaddr_storage *proxy,
                struct sockaddr_storage *out, socklen_t *len)
{
    if (s->phase != GW_S5_DONE)
        return -EINVAL;
    static const uint8_t zero[16];
    /* An unspecified BND.ADDR, or a name (resolving it would block the loop), means the
     * proxy's own address: what proxies that answer so intend. */
    int own = s->atyp == S5_ATYP_DOMAIN || memcmp(s->in + 4, zero, s->bnd_len) == 0;
    memset(out, 0, sizeof(*out));
    if (own) {
        memcpy(out, proxy, sizeof(*out));
    } else if (s->atyp == S5_ATYP_IPV4) {
        struct sockaddr_in *a = (struct sockaddr_in *)out;
        a->sin_family = AF_INET;
        memcpy(&a->sin_addr, s->in + 4, 4);
    } else {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)out;
        a->sin6_family = AF_INET6;
        memcpy(&a->sin6_addr, s->in + 4, 16);
    }
    if (out->ss_family == AF_INET) {
        ((struct sockaddr_in *)out)->sin_port = htons(s->bnd_port);
        *len = sizeof(struct sockaddr_in);
    } else {
        ((struct sockaddr_in6 *)out)->sin6_port = htons(s->bnd_port);
        *len = sizeof(struct sockaddr_in6);
    }
    return s->bnd_port ? 0 : -EINVAL; /* port 0 names no relay */
}

size_t gw_s5_output(const gw_socks5 *s, const uint8_t **p)
{
    *p = s->out + s->out_off;
    return (size_t)(s->out_len - s->out_off);
}

void gw_s5_sent(gw_socks5 *s, size_t n)
{
    size_t left = (size_t)(s->out_len - s->out_off);
    s->out_off = (uint16_t)(s->out_off + (n < left ? n : left));
}

/* The length of the reply expected in the current phase, as far as what was read says. */
static size_t reply_len(const gw_socks5 *s)
{
    if (s->phase != GW_S5_REQUEST)
        return 2; /* method selection; RFC 1929 status */
    if (s->in_len < 4)
        return 4;
    switch (s->in[3]) {
    case S5_ATYP_IPV4:
        return 4 + 4 + 2;
    case S5_ATYP_IPV6:
        return 4 + 16 + 2;
    default: /* S5_ATYP_DOMAIN: the header's check let no other type through */
        return s->in_len < 5 ? 5 : (size_t)(5 + s->in[4] + 2);
    }
}

size_t gw_s5_want(const gw_socks5 *s)
{
    if (s->phase >= GW_S5_DONE || s->out_off < s->out_len)
        return 0;
    return reply_len(s) - s->in_len;
}

static void send_request(gw_socks5 *s)
{
    uint8_t m[4 + 16 + 2] = {S5_VERSION, s->cmd, 0, s->alen == 4 ? S5_ATYP_IPV4 : S5_ATYP_IPV6};
    memcpy(m + 4, s->dst, s->alen);
    m[4 + s->alen] = (uint8_t)(s->dst_port >> 8);
    m[5 + s->alen] = (uint8_t)s->dst_port;
    s->phase = GW_S5_REQUEST;
    queue(s, m, 6u + s->alen);
}

static void send_auth(gw_socks5 *s)
{
    uint8_t m[GW_S5_MAX_OUT];
    size_t ul = strlen(s->user), pl = strlen(s->pass);
    m[0] = S5_AUTH_VERSION;
    m[1] = (uint8_t)ul;
    memcpy(m + 2, s->user, ul);
    m[2 + ul] = (uint8_t)pl;
    memcpy(m + 3 + ul, s->pass, pl);
    s->phase = GW_S5_AUTH;
    queue(s, m, 3 + ul + pl);
}

static void method_chosen(gw_socks5 *s)
{
    uint8_t m = s->in[1];
    if (s->in[0] == S5_VERSION && m == S5_NO_AUTH)
        send_request(s);
    else if (s->in[0] == S5_VERSION && m == S5_USERPASS && s->user)
        send_auth(s);
    else if (s->in[0] == S5_VERSION && m == S5_NO_ACCEPTABLE)
        gw_s5_fail(s, GW_S5_NO_METHOD);
    else /* another version, or a method we never offered */
        gw_s5_fail(s, GW_S5_PROTOCOL);
}

static void auth_status(gw_socks5 *s)
{
    /* RFC 1929 says version 1; some servers echo the SOCKS version instead, harmless. */
    if (s->in[0] != S5_AUTH_VERSION && s->in[0] != S5_VERSION)
        gw_s5_fail(s, GW_S5_PROTOCOL);
    else if (s->in[1] != 0)
        gw_s5_fail(s, GW_S5_AUTH_FAILED);
    else
        send_request(s);
}

/* VER REP RSV ATYP: a failure is decided here, without waiting for the bound address (a
 * proxy closing right after a short failure reply still gets its code mapped). */
static void reply_header(gw_socks5 *s)
{
    static const uint8_t by_code[] = {GW_S5_OK,          GW_S5_GENERAL,      GW_S5_NOT_ALLOWED,
                                      GW_S5_NET_UNREACH, GW_S5_HOST_UNREACH, GW_S5_REFUSED,
                                      GW_S5_TTL_EXPIRED};
    s->rep = s->in[1];
    s->atyp = s->in[3];
    if (s->in[0] != S5_VERSION) {
        gw_s5_fail(s, GW_S5_PROTOCOL);
        return;
    }
    if (s->rep != 0) {
        gw_s5_fail(s,
                   s->rep < sizeof(by_code) ? (gw_s5_outcome)by_code[s->rep] : GW_S5_OTHER_REPLY);
        return;
    }
    /* RSV is not checked: RFC 1928 gives it no meaning to act on. */
    if (s->atyp != S5_ATYP_IPV4 && s->atyp != S5_ATYP_IPV6 && s->atyp != S5_ATYP_DOMAIN)
        gw_s5_fail(s, GW_S5_PROTOCOL);
}

static void reply_done(gw_socks5 *s)
{
    size_t at = s->atyp == S5_ATYP_DOMAIN ? 5 : 4;
    s->bnd_len = (uint8_t)(s->atyp == S5_ATYP_IPV4 ? 4 : s->atyp == S5_ATYP_IPV6 ? 16 : s->in[4]);
    s->bnd_port = (uint16_t)(s->in[at + s->bnd_len] << 8 | s->in[at + s->bnd_len + 1]);
    end(s, GW_S5_DONE, GW_S5_OK);
}

size_t gw_s5_input(gw_socks5 *s, const uint8_t *p, size_t n)
{
    size_t used = 0;
    for (;;) {
        size_t want = gw_s5_want(s);
        if (!want || used == n)
            return used;
        size_t take = n - used < want ? n - used : want;
        memcpy(s->in + s->in_len, p + used, take);
        s->in_len = (uint16_t)(s->in_len + take);
        s->in_total = (uint16_t)(s->in_total + take);
        used += take;
        if (s->phase == GW_S5_REQUEST && s->in_len == 4)
            reply_header(s); /* (before the length, which the header's type decides) */
        if (s->phase >= GW_S5_DONE || s->in_len < reply_len(s))
            continue; /* (a domain reply's length byte may just have arrived) */
        if (s->phase == GW_S5_GREET)
            method_chosen(s);
        else if (s->phase == GW_S5_AUTH)
            auth_status(s);
        else
            reply_done(s);
        /* Once something is queued, gw_s5_want is 0: the rest waits until it was sent,
         * and a proxy that answers before it was asked breaks the protocol anyway. */
    }
}

void gw_s5_eof(gw_socks5 *s)
{
    if (s->phase < GW_S5_DONE)
        gw_s5_fail(s, GW_S5_PROTOCOL);
}

int gw_s5_errno(gw_s5_outcome o)
{
    switch (o) {
    case GW_S5_OK:
        return 0;
    case GW_S5_NET_UNREACH:
        return ENETUNREACH;
    case GW_S5_HOST_UNREACH:
        return EHOSTUNREACH;
    case GW_S5_TTL_EXPIRED: /* the destination never answered: silence, as a direct connect */
    case GW_S5_TIMEOUT:
        return ETIMEDOUT;
    default:
        /* The proxy answered, and no retry of the client's SYN would change its mind: a
         * reset tells the application at once instead of after its SYN retries (minutes).
         * A general failure (0x01) is what many proxies report for every dial error. */
        return ECONNREFUSED;
    }
}

const char *gw_s5_outcome_name(gw_s5_outcome o)
{
    static const char *const names[GW_S5_NOUTCOMES] = {
        "Ok",       "General",    "NotAllowed", "NetUnreach", "HostUnreach",
        "Refused",  "TtlExpired", "OtherReply", "NoMethod",   "AuthFailed",
        "Protocol", "Timeout",    "ProxyDown"};
    return (unsigned)o < GW_S5_NOUTCOMES ? names[o] : "?";
}

int gw_s5_io(gw_socks5 *s, int fd)
{
    while (s->phase < GW_S5_DONE) {
        const uint8_t *p;
        size_t n = gw_s5_output(s, &p);
        if (n) {
            ssize_t w = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
                return 0;
            if (w <= 0) {
                gw_s5_fail(s, GW_S5_PROXY_DOWN);
                break;
            }
            gw_s5_sent(s, (size_t)w);
            continue;
        }
        uint8_t buf[GW_S5_MAX_REPLY];
        size_t want = gw_s5_want(s);
        ssize_t r = recv(fd, buf, want, MSG_DONTWAIT);
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            return 0;
        if (r < 0) {
            gw_s5_fail(s, GW_S5_PROXY_DOWN);
            break;
        }
        if (r == 0)
            gw_s5_eof(s);
        else
            gw_s5_input(s, buf, (size_t)r);
    }
    return 1;
}

short gw_s5_events(const gw_socks5 *s)
{
    return s->out_off < s->out_len ? POLLOUT : POLLIN;
}
