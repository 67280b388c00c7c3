/* SPDX-License-Identifier: MIT */
/* Two synack stacks joined by the in-memory link: a client connects to a server, sends a
 * line, reads it back echoed, and both close. Every TCP state change is printed as it
 * happens, from the stack's trace events.
 *
 * Nothing here touches a device or a clock: the link carries the frames and its simulated
 * time drives both stacks, so the program finishes at once even though the connection
 * lives through 60 s of TIME-WAIT. Build against an installed synack with
 *     cc memlink_pair.c $(pkg-config --cflags --libs synack) -o memlink_pair
 * Exit status 0 when the echo came back intact and both ends reached CLOSED. */
#define _POSIX_C_SOURCE 200809L /* htonl(), inet_ntop() in strict C11 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <synack/link.h>
#include <synack/synack.h>

#define CLIENT_ADDR 0xc0000201u /* 192.0.2.1 (RFC 5737 documentation range) */
#define SERVER_ADDR 0xc0000202u /* 192.0.2.2 */
#define SERVER_PORT 7
#define ONE_WAY_US 5000 /* 5 ms each way: a 10 ms round trip */

/* The trace callback: a stack calls it synchronously for everything it does. Only state
 * changes are printed; `ctx` is the name we gave the stack. */
static void on_event(void *ctx, const synack_event *ev)
{
    if (ev->type != SYNACK_EV_STATE)
        return;
    char ep[48];
    synack_endpoints_str(&ev->conn, ep, sizeof ep);
    printf("%9.3f ms  %-6s %-29s %-12s -> %-12s (%s)\n", (double)ev->t_us / 1000.0,
           (const char *)ctx, ep, synack_state_name(ev->u.state.from),
           synack_state_name(ev->u.state.to), ev->u.state.why);
}

static struct sockaddr_in sin_of(uint32_t addr, uint16_t port)
{
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(addr);
    sin.sin_port = htons(port);
    return sin;
}

/* One stack on side `side` of the link. The default config is what a real program
 * starts from; only the address and the trace callback are ours. */
static synack_stack *make_stack(synack_memlink *link, int side, uint32_t addr, char *name)
{
    synack_config cfg;
    synack_config_default(&cfg);
    synack_memlink_netif(link, side, &cfg.netif); /* frames leave into the link */
    cfg.netif.addr = addr;
    cfg.on_event = on_event;
    cfg.event_ctx = name;
    synack_stack *st = synack_stack_new(&cfg);
    if (st)
        synack_memlink_attach(link, side, st); /* frames for `side` arrive here */
    return st;
}

/* Advances simulated time until cond(ctx) holds, or `limit_us` passes. The link delivers
 * frames and runs both stacks' timers; socket calls in cond() act at the time reached. */
static int run_until(synack_memlink *link, uint64_t *now, uint64_t limit_us,
                     int (*cond)(void *ctx), void *ctx)
{
    while (!cond(ctx)) {
        uint64_t next = synack_memlink_next(link);
        if (next == UINT64_MAX || next > limit_us)
            return -1; /* nothing left to happen, or too late: give up */
        *now = synack_memlink_run(link, *now, next);
    }
    return 0;
}

typedef struct world {
    synack_stack *client, *server;
    int lsock, csock, ssock; /* listener, client socket, accepted socket */
    char got[64];            /* what the client read back */
    size_t ngot;
} world;

static int accepted(void *ctx)
{
    world *w = ctx;
    if (w->ssock < 0)
        w->ssock = synack_accept(w->server, w->lsock, NULL, NULL); /* -EAGAIN until then */
    return w->ssock >= 0;
}

/* The server echoes whatever it has; the client collects it. */
static int echoed(void *ctx)
{
    world *w = ctx;
    char buf[64];
    ssize_t n = synack_recv(w->server, w->ssock, buf, sizeof buf, 0);
    if (n > 0)
        synack_send(w->server, w->ssock, buf, (size_t)n, 0);
    n = synack_recv(w->client, w->csock, w->got + w->ngot, sizeof w->got - 1 - w->ngot, 0);
    if (n > 0)
        w->ngot += (size_t)n;
    return memchr(w->got, '\n', w->ngot) != NULL;
}

/* The server sees the client's FIN as end of stream (recv returns 0) and closes too. */
static int server_saw_eof(void *ctx)
{
    world *w = ctx;
    char buf[16];
    return synack_recv(w->server, w->ssock, buf, sizeof buf, 0) == 0;
}

/* Both ends are gone from the connection tables (TIME-WAIT included; the listener was
 * closed before). */
static void count_conn(void *ctx, const synack_conn_view *v)
{
    (void)v;
    ++*(int *)ctx;
}
static int all_closed(void *ctx)
{
    world *w = ctx;
    int n = 0;
    synack_foreach_conn(w->client, count_conn, &n);
    synack_foreach_conn(w->server, count_conn, &n);
    return n == 0;
}

int main(void)
{
    static const char line[] = "hello, synack\n";
    world w = {.lsock = -1, .csock = -1, .ssock = -1};
    uint64_t now = 0;
    int ok = 0;

    printf("synack %s: two stacks on an in-memory link, %d ms round trip\n",
           synack_version(), 2 * ONE_WAY_US / 1000);
    /* 64 KiB frames fit anything a stack sends; 1024 frames in flight per direction. */
    synack_memlink *link = synack_memlink_new(NULL, ONE_WAY_US, 65536, 1024);
    if (!link)
        return 1;
    w.client = make_stack(link, 0, CLIENT_ADDR, "client");
    w.server = make_stack(link, 1, SERVER_ADDR, "server");
    if (!w.client || !w.server)
        goto out;

    /* The server: socket, bind, listen, as with BSD sockets (ids, not descriptors). */
    struct sockaddr_in any = sin_of(SERVER_ADDR, SERVER_PORT);
    w.lsock = synack_socket(w.server, SOCK_STREAM);
    if (w.lsock < 0 || synack_bind(w.server, w.lsock, (struct sockaddr *)&any, sizeof any) < 0 ||
        synack_listen(w.server, w.lsock, 8) < 0)
        goto out;

    /* The client: connect() returns at once (-EINPROGRESS); the handshake happens as the
     * link runs. Data sent before it completes is queued and goes out with the ACK. */
    struct sockaddr_in to = sin_of(SERVER_ADDR, SERVER_PORT);
    w.csock = synack_socket(w.client, SOCK_STREAM);
    if (w.csock < 0)
        goto out;
    int rc = synack_connect(w.client, w.csock, (struct sockaddr *)&to, sizeof to);
    if (rc < 0 && rc != -EINPROGRESS)
        goto out;
    if (synack_send(w.client, w.csock, line, sizeof line - 1, 0) != (ssize_t)(sizeof line - 1))
        goto out;

    if (run_until(link, &now, 1000000, accepted, &w) < 0)
        goto out;
    synack_close(w.server, w.lsock); /* one connection is all this server takes */
    w.lsock = -1;
    if (run_until(link, &now, 2000000, echoed, &w) < 0)
        goto out;
    w.got[w.ngot] = '\0';
    printf("%9.3f ms  client read back: %s", (double)now / 1000.0, w.got);

    /* The client closes first (it will hold TIME-WAIT, 2 x MSL = 60 s); the server closes
     * when it reads end of stream. */
    synack_close(w.client, w.csock);
    w.csock = -1;
    if (run_until(link, &now, 3000000, server_saw_eof, &w) < 0)
        goto out;
    synack_close(w.server, w.ssock);
    w.ssock = -1;
    if (run_until(link, &now, 120000000, all_closed, &w) < 0)
        goto out;
    ok = strcmp(w.got, line) == 0;
    printf("%9.3f ms  both ends closed; echo %s\n", (double)now / 1000.0,
           ok ? "intact" : "CORRUPTED");

out:
    if (!ok)
        fprintf(stderr, "memlink_pair: failed at %.3f ms\n", (double)now / 1000.0);
    /* A stack must be freed before the link it is attached to. */
    synack_stack_free(w.client);
    synack_stack_free(w.server);
    synack_memlink_free(link);
    return ok ? 0 : 1;
}
