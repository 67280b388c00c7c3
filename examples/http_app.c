/* SPDX-License-Identifier: MIT */
/* The HTTP server both HTTP examples link (see http_app.h); their loops call server_step()
 * after the stack has taken in its frames and run its timers. */
#define _POSIX_C_SOURCE 200809L /* sigaction(), inet_pton() in strict C11 */

#include "http_app.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void client_close(server *sv, client *c)
{
    synack_close(sv->st, c->sock); /* graceful: queued data, then FIN */
    c->sock = -1;
}

/* The request's headers are complete: write the answer. */
static void client_answer(client *c)
{
    char path[256] = "/";
    /* "GET /path HTTP/1.x": only the path matters here. */
    if (sscanf(c->req, "%*15s %255s", path) != 1)
        strcpy(path, "/");
    char body[320];
    int nbody = snprintf(body, sizeof body, "hello from synack %s: %s\n", synack_version(), path);
    int n = snprintf(c->resp, sizeof c->resp,
                     "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
                     "Connection: close\r\n\r\n%s",
                     nbody, body);
    c->nresp = n < (int)sizeof c->resp ? (size_t)n : sizeof c->resp - 1;
}

void server_step(server *sv)
{
    synack_pollfd fds[1 + MAX_CLIENTS];
    client *owner[1 + MAX_CLIENTS];
    int n = 0;
    fds[n++] = (synack_pollfd){.sock = sv->lsock, .events = SYNACK_POLLIN};
    for (int i = 0; i < MAX_CLIENTS; i++) {
        client *c = &sv->c[i];
        if (c->sock < 0)
            continue;
        owner[n] = c;
        /* Read until the request is whole, then wait for room to send the answer. */
        short want = c->nresp ? SYNACK_POLLOUT : SYNACK_POLLIN;
        fds[n++] = (synack_pollfd){.sock = c->sock, .events = want};
    }
    if (synack_sock_poll(sv->st, fds, n) <= 0)
        return;

    for (int i = 1; i < n; i++) {
        client *c = owner[i];
        short ev = fds[i].revents;
        if (ev & (SYNACK_POLLERR | SYNACK_POLLHUP)) { /* reset, or gone both ways */
            client_close(sv, c);
            continue;
        }
        if (ev & SYNACK_POLLIN) {
            ssize_t got = synack_recv(sv->st, c->sock, c->req + c->nreq,
                                      sizeof c->req - 1 - c->nreq, 0);
            if (got <= 0 || c->nreq + (size_t)got >= sizeof c->req - 1) {
                client_close(sv, c); /* EOF before a whole request, an error, or too long */
                continue;
            }
            c->nreq += (size_t)got;
            c->req[c->nreq] = '\0';
            if (strstr(c->req, "\r\n\r\n") || strstr(c->req, "\n\n"))
                client_answer(c);
        }
        if (c->nresp && (ev & SYNACK_POLLOUT || c->sent == 0)) {
            ssize_t put = synack_send(sv->st, c->sock, c->resp + c->sent, c->nresp - c->sent, 0);
            if (put < 0 && put != -EAGAIN) {
                client_close(sv, c);
                continue;
            }
            if (put > 0)
                c->sent += (size_t)put;
            if (c->sent == c->nresp) {
                sv->served++;
                client_close(sv, c);
            }
        }
    }

    if (fds[0].revents & SYNACK_POLLIN) {
        int s;
        while ((s = synack_accept(sv->st, sv->lsock, NULL, NULL)) >= 0) {
            client *c = NULL;
            for (int i = 0; i < MAX_CLIENTS && !c; i++)
                if (sv->c[i].sock < 0)
                    c = &sv->c[i];
            if (!c) {
                synack_close(sv->st, s); /* full: turn the newcomer away */
                continue;
            }
            memset(c, 0, sizeof *c);
            c->sock = s;
        }
    }
}

int server_start(server *sv, synack_stack *st, uint32_t addr, uint16_t port)
{
    memset(sv, 0, sizeof *sv);
    sv->st = st;
    for (int i = 0; i < MAX_CLIENTS; i++)
        sv->c[i].sock = -1;
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(addr);
    sin.sin_port = htons(port);
    int rc;
    if ((sv->lsock = synack_socket(st, SOCK_STREAM)) < 0)
        return sv->lsock;
    if ((rc = synack_bind(st, sv->lsock, (struct sockaddr *)&sin, sizeof sin)) < 0)
        return rc;
    return synack_listen(st, sv->lsock, 64);
}

/* ---- command line and signals ---- */

volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* "192.0.2.2/24" -> address (host byte order) and prefix length. */
static int parse_addr(const char *arg, uint32_t *addr, uint8_t *prefix_len)
{
    char ip[32];
    const char *slash = strchr(arg, '/');
    size_t n = slash ? (size_t)(slash - arg) : strlen(arg);
    if (n == 0 || n >= sizeof ip)
        return -1;
    memcpy(ip, arg, n);
    ip[n] = '\0';
    struct in_addr in;
    if (inet_pton(AF_INET, ip, &in) != 1)
        return -1;
    long len = slash ? strtol(slash + 1, NULL, 10) : 24;
    if (len < 1 || len > 32)
        return -1;
    *addr = ntohl(in.s_addr);
    *prefix_len = (uint8_t)len;
    return 0;
}

int parse_args(int argc, char **argv, const char *prog, uint32_t *addr, uint8_t *prefix_len,
               long *port)
{
    *port = argc > 3 ? strtol(argv[3], NULL, 10) : 80;
    if (argc < 3 || parse_addr(argv[2], addr, prefix_len) < 0 || *port < 1 || *port > 65535) {
        fprintf(stderr, "usage: %s IFNAME ADDR/PREFIX [PORT]\n", prog);
        return -1;
    }
    return 0;
}
