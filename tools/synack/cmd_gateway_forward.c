/* SPDX-License-Identifier: MIT */
/* synack gateway: port forwarding host -> namespace (--forward tcp:[HOSTADDR:]HOSTPORT:NSPORT).
 * The gateway listens on the host side; each host connection it accepts becomes a synack
 * connection from the gateway's address to the namespace's --addr at NSPORT, handed to the
 * relay (gw_relay_adopt), which splices the two once the inner connect succeeds and resets
 * the host connection when it fails. Listeners are polled only while the relay has room,
 * so beyond the limits host clients wait in the kernel's bounded accept queue. With
 * --forward tcp6:HOSTPORT:NSPORT (cmd_gateway_v6.c) the host side is [::]:HOSTPORT and the
 * inner connection goes from --ipv6-gw to --ipv6-addr. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cmd_gateway.h"
#include "synack/loop.h"

/* Host connections taken per listener per round: the TAP side gets its turn. */
#define GW_FWD_BURST 32

struct gw_fwd {
    synack_stack *st;
    gw_relay *r;
    gw_opts o;
    int fd[GW_MAX_FORWARDS];
};

void gw_fwd_free(gw_fwd *f)
{
    if (!f)
        return;
    for (uint32_t i = 0; i < f->o.nfwd; i++)
        if (f->fd[i] >= 0)
            close(f->fd[i]);
    free(f);
}

gw_fwd *gw_fwd_open(const gw_opts *o, synack_stack *st, gw_relay *r)
{
    gw_fwd *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    f->st = st;
    f->r = r;
    f->o = *o;
    for (uint32_t i = 0; i < GW_MAX_FORWARDS; i++)
        f->fd[i] = -1;
    for (uint32_t i = 0; i < o->nfwd; i++) {
        const gw_forward *fw = &o->fwd[i];
        if (fw->udp)
            continue; /* cmd_gateway_udp.c's */
        struct sockaddr_in a = {.sin_family = AF_INET,
                                .sin_port = htons(fw->host_port),
                                .sin_addr = {htonl(fw->host_addr)}};
        struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons(fw->host_port)};
        int one = 1;
        f->fd[i] =
            socket(fw->v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (f->fd[i] < 0 ||
            setsockopt(f->fd[i], SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
            (fw->v6 && setsockopt(f->fd[i], IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0) ||
            (fw->v6 ? bind(f->fd[i], (struct sockaddr *)&a6, sizeof(a6))
                    : bind(f->fd[i], (struct sockaddr *)&a, sizeof(a))) != 0 ||
            listen(f->fd[i], 128) != 0) {
            if (fw->v6)
                fprintf(stderr, "synack gateway: --forward tcp6:%u:%u: %s\n", fw->host_port,
                        fw->ns_port, strerror(errno));
            else
                fprintf(stderr, "synack gateway: --forward tcp:%u.%u.%u.%u:%u:%u: %s\n",
                        fw->host_addr >> 24, (fw->host_addr >> 16) & 255,
                        (fw->host_addr >> 8) & 255, fw->host_addr & 255, fw->host_port, fw->ns_port,
                        strerror(errno));
            gw_fwd_free(f);
            return NULL;
        }
    }
    return f;
}

int gw_fwd_pollfds(gw_fwd *f, struct pollfd *out, int max)
{
    if (!gw_relay_room(f->r))
        return 0;
    int n = 0;
    for (uint32_t i = 0; i < f->o.nfwd && n < max; i++) {
        if (f->fd[i] < 0)
            continue;
        out[n].fd = f->fd[i];
        out[n].events = POLLIN;
        out[n].revents = 0;
        n++;
    }
    return n;
}

/* Resets the host connection: the namespace side could not be opened. */
static void refuse(int hfd)
{
    struct linger lg = {1, 0};
    setsockopt(hfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    close(hfd);
}

static void take(gw_fwd *f, int i, uint64_t now)
{
    gw_stats *s = gw_relay_stats_mut(f->r);
    for (int k = 0; k < GW_FWD_BURST && gw_relay_room(f->r); k++) {
        int hfd = accept4(f->fd[i], NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (hfd < 0)
            return;
        s->fwd_accepted++;
        struct sockaddr_in a = {.sin_family = AF_INET,
                                .sin_port = htons(f->o.fwd[i].ns_port),
                                .sin_addr = {htonl(f->o.addr)}};
        struct synack_sockaddr_in6 a6 = {.sin6_family = SYNACK_AF_INET6,
                                         .sin6_port = htons(f->o.fwd[i].ns_port)};
        memcpy(a6.sin6_addr.s6_bytes, f->o.addr6, 16);
        int v6 = f->o.fwd[i].v6;
        int ss =
            synack_socket_domain(f->st, v6 ? SYNACK_AF_INET6 : SYNACK_AF_INET, SYNACK_SOCK_STREAM);
        int rc = ss < 0 ? ss
                 : v6   ? synack_connect(f->st, ss, (struct sockaddr *)&a6, sizeof(a6))
                        : synack_connect(f->st, ss, (struct sockaddr *)&a, sizeof(a));
        if ((rc < 0 && rc != -EINPROGRESS) || gw_relay_adopt(f->r, hfd, ss, now) != 0) {
            s->fwd_failed++;
            if (ss >= 0)
                synack_close(f->st, ss);
            refuse(hfd);
        }
    }
}

void gw_fwd_step(gw_fwd *f, uint64_t now)
{
    for (uint32_t i = 0; i < f->o.nfwd; i++)
        if (f->fd[i] >= 0)
            take(f, (int)i, now);
}

void gw_extra_ready(gw_fwd *f, gw_ctl *c, const struct pollfd *pf, int nfwd, int nctl)
{
    for (int i = 0; i < nfwd; i++) {
        if (pf[i].revents) {
            gw_fwd_step(f, synack_loop_clock());
            break;
        }
    }
    if (nctl > 0 && pf[nfwd].revents)
        gw_ctl_step(c);
}
