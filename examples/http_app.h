/* SPDX-License-Identifier: MIT */
/* The application both HTTP examples serve: a tiny HTTP/1.0 server over synack's sockets,
 * plus the command line and signal handling they share. Every request gets one short
 * text/plain answer naming the path asked for, then the server closes the connection
 * (HTTP/1.0). Nothing blocks: each pass asks synack_sock_poll() which sockets are ready
 * and does only what they allow. The examples differ only in their loop: http_poll.c owns
 * the device, clock and sleeping; http_loop.c leaves them to synack/loop.h. */
#ifndef SYNACK_EXAMPLE_HTTP_APP_H
#define SYNACK_EXAMPLE_HTTP_APP_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include <synack/synack.h>

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
    int lsock; /* the listening socket */
    client c[MAX_CLIENTS];
    unsigned long served; /* answers sent in full */
} server;

/* socket, bind, listen on addr:port (host byte order). Returns 0 or a negative errno. */
int server_start(server *sv, synack_stack *st, uint32_t addr, uint16_t port);

/* One pass over the listener and every client, after the stack has run. */
void server_step(server *sv);

/* Set by SIGINT or SIGTERM once catch_signals() has run; the loops end on it. */
extern volatile sig_atomic_t stop_requested;

/* SIGINT and SIGTERM end the loop: without SA_RESTART the sleep returns with EINTR. */
void catch_signals(void);

/* The command line both take, `prog IFNAME ADDR/PREFIX [PORT]`: ADDR/PREFIX as address
 * (host byte order) and prefix length, PORT (80 when not given). Returns 0, or prints the
 * usage line naming prog and returns -1. */
int parse_args(int argc, char **argv, const char *prog, uint32_t *addr, uint8_t *prefix_len,
               long *port);

#endif
