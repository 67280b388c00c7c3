/* SPDX-License-Identifier: MIT */
/* synack gateway, tun2socks mode: UDP ASSOCIATE (RFC 1928 section 7), one association per
 * UDP flow (cmd_gateway_socks5udp.h says why it is laid out so). */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "cmd_gateway_events.h"
#include "cmd_gateway_socks5udp.h"

#define ATYP_IPV4 1
#define ATYP_DOMAIN 3
#define ATYP_IPV6 4

int gw_s5u_header(uint8_t *hdr, const uint8_t *addr, size_t alen, uint16_t port)
{
    if (alen != 4 && alen != 16)
        return -EINVAL;
    hdr[0] = hdr[1] = 0; /* RSV */
    hdr[2] = 0;          /* FRAG: every datagram is whole */
    hdr[3] = alen == 4 ? ATYP_IPV4 : ATYP_IPV6;
    memcpy(hdr + 4, addr, alen);
    hdr[4 + alen] = (uint8_t)(port >> 8);
    hdr[5 + alen] = (uint8_t)port;
    return (int)(6 + alen);
}

int gw_s5u_parse(const uint8_t *p, size_t n, gw_s5u_from *from)
{
    if (n < 4)
        return GW_S5U_TRUNCATED;
    if (p[0] || p[1])
        return GW_S5U_BAD_RSV;
    if (p[2])
        return GW_S5U_FRAGMENT;
    size_t at = 4;
    memset(from, 0, sizeof(*from));
    from->atyp = p[3];
    switch (p[3]) {
    case ATYP_IPV4:
        from->len = 4;
        break;
    case ATYP_IPV6:
        from->len = 16;
        break;
    case ATYP_DOMAIN:
        if (n < 5)
            return GW_S5U_TRUNCATED;
        from->len = p[4];
        at = 5;
        break;
    default:
        return GW_S5U_BAD_ATYP;
    }
    if (n < at + from->len + 2)
        return GW_S5U_TRUNCATED;
    if (from->atyp != ATYP_DOMAIN)
        memcpy(from->addr, p + at, from->len);
    from->port = (uint16_t)(p[at + from->len] << 8 | p[at + from->len + 1]);
    return (int)(at + from->len + 2);
}

static void fail(gw_s5u_flow *x, gw_s5_outcome o)
{
    gw_s5_fail(&x->hs, o);
    if (x->cfd >= 0)
        gw_fd_close(x->cfd);
    x->cfd = -1;
    x->state = GW_S5U_FAILED;
    free(x->pend);
    x->pend = NULL;
}

int gw_s5u_start(gw_s5u_flow *x, const struct sockaddr *proxy, socklen_t plen, const char *user,
                 const char *pass, uint64_t deadline)
{
    memset(x, 0, sizeof(*x));
    x->cfd = -1;
    x->deadline = deadline;
    x->state = GW_S5U_CONNECTING;
    int rc = gw_s5_begin_udp(&x->hs, user, pass);
    if (rc == 0) {
        x->cfd = socket(proxy->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        rc = x->cfd < 0 ? -errno : 0;
    }
    if (rc == 0 && connect(x->cfd, proxy, plen) == 0)
        x->state = GW_S5U_HANDSHAKE;
    else if (rc == 0 && errno != EINPROGRESS)
        rc = -errno;
    if (rc != 0)
        fail(x, GW_S5_PROXY_DOWN);
    return rc;
}

static socklen_t sa_len(const struct sockaddr *sa)
{
    return sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

/* The handshake succeeded: the flow's socket is connected to the relay, so the kernel
 * passes on datagrams from the relay only (RFC 1928: the client drops others). */
static int to_relay(gw_s5u_flow *x, int *ufd, const struct sockaddr *proxy)
{
    struct sockaddr_storage relay;
    socklen_t len;
    if (gw_s5_relay(&x->hs, (const struct sockaddr_storage *)(const void *)proxy, &relay, &len) !=
        0)
        return -EINVAL;
    int dom = 0;
    socklen_t dl = sizeof(dom);
    if (getsockopt(*ufd, SOL_SOCKET, SO_DOMAIN, &dom, &dl) != 0)
        return -errno;
    if (dom != relay.ss_family) { /* a relay of the other family than the proxy's address */
        int fd = socket(relay.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return -errno;
        int r = dup3(fd, *ufd, O_CLOEXEC);
        close(fd);
        if (r < 0)
            return -errno;
    }
    x->relay_v6 = relay.ss_family == AF_INET6;
    return connect(*ufd, (struct sockaddr *)&relay, len) == 0 ? 0 : -errno;
}

int gw_s5u_step(gw_s5u_flow *x, int *ufd, const struct sockaddr *proxy, uint64_t now)
{
    if (x->state == GW_S5U_CONNECTING) {
        /* A second connect() says how the first went: 0 or EISCONN connected, EALREADY
         * still going, anything else its error. */
        if (connect(x->cfd, proxy, sa_len(proxy)) == 0 || errno == EISCONN) {
            x->state = GW_S5U_HANDSHAKE;
        } else if (errno != EALREADY && errno != EINPROGRESS) {
            fail(x, GW_S5_PROXY_DOWN);
            return GW_S5U_NOW_FAILED;
        }
    }
    if (x->state == GW_S5U_HANDSHAKE && gw_s5_io(&x->hs, x->cfd)) {
        if (x->hs.outcome != GW_S5_OK) {
            fail(x, (gw_s5_outcome)x->hs.outcome);
            return GW_S5U_NOW_FAILED;
        }
        if (to_relay(x, ufd, proxy) != 0) {
            fail(x, GW_S5_PROTOCOL);
            return GW_S5U_NOW_FAILED;
        }
        x->state = GW_S5U_READY;
        return GW_S5U_NOW_READY;
    }
    if (x->state == GW_S5U_READY) {
        /* The proxy has nothing more to say on the control connection: bytes are ignored
         * (bounded per call), its end is the association's. */
        uint8_t buf[512];
        ssize_t r = recv(x->cfd, buf, sizeof(buf), MSG_DONTWAIT);
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            return GW_S5U_ENDED;
        return GW_S5U_WAIT;
    }
    if (x->state < GW_S5U_READY && now >= x->deadline) {
        fail(x, GW_S5_TIMEOUT);
        return GW_S5U_NOW_FAILED;
    }
    return GW_S5U_WAIT;
}

short gw_s5u_events(const gw_s5u_flow *x)
{
    switch (x->state) {
    case GW_S5U_CONNECTING:
        return POLLOUT;
    case GW_S5U_HANDSHAKE:
        return gw_s5_events(&x->hs);
    case GW_S5U_READY:
        return POLLIN;
    default:
        return 0;
    }
}

int gw_s5u_send(int ufd, int relay_v6, const uint8_t *addr, size_t alen, uint16_t port,
                const uint8_t *data, size_t n)
{
    uint8_t hdr[GW_S5U_HDR6];
    int h = gw_s5u_header(hdr, addr, alen, port);
    if (h < 0)
        return h;
    if (n > (size_t)(relay_v6 ? GW_S5U_MAX_DGRAM6 : GW_S5U_MAX_DGRAM4) - (size_t)h)
        return -EMSGSIZE;
    struct iovec iov[2] = {{hdr, (size_t)h}, {(void *)(uintptr_t)data, n}};
    struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2};
    return sendmsg(ufd, &m, MSG_DONTWAIT) < 0 ? -errno : 0;
}

int gw_s5u_hold(gw_s5u_flow *x, const uint8_t *p, size_t n)
{
    if (x->pend)
        return -ENOBUFS;
    x->pend = malloc(n ? n : 1);
    if (!x->pend)
        return -ENOMEM;
    memcpy(x->pend, p, n);
    x->pend_len = n;
    return 0;
}

void gw_s5u_close(gw_s5u_flow *x)
{
    if (x->cfd >= 0)
        gw_fd_close(x->cfd);
    x->cfd = -1;
    free(x->pend);
    x->pend = NULL;
    x->state = GW_S5U_FAILED;
}
