/* SPDX-License-Identifier: MIT */
/* The HTTP server of http_poll.c on the library's loop helper (synack/loop.h).
 *
 * synack_loop is host glue shipped beside the core: it owns the clock (CLOCK_MONOTONIC),
 * sleeps in ppoll(2) until a frame arrives or the stack's next timer is due, feeds the
 * device's frames to synack_input() and runs synack_poll(). What is left to the
 * application is its own work between rounds; compare main() with http_poll.c's.
 *
 * Usage (as root, or with CAP_NET_ADMIN):
 *     http_loop IFNAME ADDR/PREFIX [PORT]
 *     ip tuntap add dev tap0 mode tap && ip addr add 192.0.2.1/24 dev tap0 && ip link set tap0 up
 *     http_loop tap0 192.0.2.2/24 80 &     # synack answers at 192.0.2.2
 *     curl http://192.0.2.2/hello          # the kernel, at 192.0.2.1, asks
 * SIGINT or SIGTERM ends it; it then prints how many requests it answered. */
#define _POSIX_C_SOURCE 200809L /* sigaction() in strict C11 */

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <synack/loop.h>
#include <synack/synack.h>
#include <synack/tuntap.h>

/* ---- the application: a tiny HTTP/1.0 server over synack's sockets ----
 *
 * Every request gets one short text/plain answer naming the path asked for, then the
 * server closes the connection (HTTP/1.0). Nothing blocks: each pass asks
 * synack_sock_poll() which sockets are ready and does only what they allow. */

#define MAX_CLIENTS 32

typedef struct client {
    int sock;           /* socket id, -1 for a free slot */
    char req[2048];     /* the request as far as it came */
    size_t nreq;        /* its length */
    char resp[512];     /* the answer, once the request's headers are complete */
    size_t nresp, sent; /* its length, and how much send() took so far */
} client;

typedef struct server {
    synack_stack *st;
    int lsock;                   /* the listening socket */
    client c[MAX_CLIENTS];
    unsigned long served;        /* answers sent in full */
} server;

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

/* One pass over the listener and every client, after the stack has run. */
static void server_step(server *sv)
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

/* socket, bind, listen on addr:port (host byte order). Returns 0 or a negative errno. */
static int server_start(server *sv, synack_stack *st, uint32_t addr, uint16_t port)
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

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* SIGINT and SIGTERM end the loop: without SA_RESTART the sleep returns with EINTR. */
static void catch_signals(void)
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

/* ---- the host: the library's loop ---- */

int main(int argc, char **argv)
{
    uint32_t addr;
    uint8_t prefix_len;
    long port = argc > 3 ? strtol(argv[3], NULL, 10) : 80;
    if (argc < 3 || parse_addr(argv[2], &addr, &prefix_len) < 0 || port < 1 || port > 65535) {
        fprintf(stderr, "usage: http_loop IFNAME ADDR/PREFIX [PORT]\n");
        return 2;
    }

    synack_tuntap dev;
    int rc = synack_tuntap_open(&dev, argv[1], SYNACK_LINK_ETHERNET);
    if (rc < 0) {
        fprintf(stderr, "http_loop: cannot open TAP %s: %s\n", argv[1], strerror(-rc));
        return 1;
    }

    /* The loop on the device: no faults, no capture (all zero). */
    synack_loop_config lcfg;
    memset(&lcfg, 0, sizeof lcfg);
    lcfg.dev = &dev;
    synack_loop *lp = synack_loop_new(&lcfg);

    /* The stack sends through the loop (which writes to the device) instead of to the
     * device directly; the rest is as in http_poll.c. */
    synack_config cfg;
    synack_config_default(&cfg);
    synack_stack *st = NULL;
    if (lp) {
        synack_loop_netif(lp, &cfg.netif);
        cfg.netif.addr = addr;
        cfg.netif.prefix_len = prefix_len;
        synack_tuntap_make_mac(cfg.netif.mac, addr);
        st = synack_stack_new(&cfg);
    }
    server sv;
    if (!st || (rc = server_start(&sv, st, addr, (uint16_t)port)) < 0) {
        fprintf(stderr, "http_loop: cannot start: %s\n", st ? strerror(-rc) : "bad config or no memory");
        synack_stack_free(st);
        synack_loop_free(lp);
        synack_tuntap_close(&dev);
        return 1;
    }
    synack_loop_attach(lp, st); /* the device's frames go to this stack */
    synack_tuntap_wait_up(&dev, 2000);
    catch_signals();
    fprintf(stderr, "http_loop: listening on %s port %ld (%s)\n", argv[2], port, dev.name);

    while (!stop_requested) {
        /* Sleep (at most a second) and let the stack take in frames and run its timers. */
        rc = synack_loop_run_once(lp, 1000000, NULL, 0);
        if (rc < 0) {
            fprintf(stderr, "http_loop: device: %s\n", strerror(-rc));
            break;
        }
        server_step(&sv);
        synack_loop_service(lp); /* what the socket calls made due goes out now */
    }

    synack_loop_stats stats;
    synack_loop_get_stats(lp, &stats);
    fprintf(stderr, "http_loop: answered %lu requests (%llu frames in, %llu out)\n", sv.served,
            (unsigned long long)stats.rx_frames, (unsigned long long)stats.tx_frames);
    /* Teardown in the reverse order of setup: stack, loop, device. */
    synack_stack_free(st);
    synack_loop_free(lp);
    synack_tuntap_close(&dev);
    return 0;
}
