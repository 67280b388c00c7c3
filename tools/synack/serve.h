/* SPDX-License-Identifier: MIT */
/* synack serve — one accepted connection and the applications that run on it. */
#ifndef SYNACK_TOOL_SERVE_H
#define SYNACK_TOOL_SERVE_H

#include <stddef.h>
#include <stdint.h>

#include "sha256.h"
#include "synack/synack.h"

/* The HTTP/1.1 application's state on one connection. */
typedef struct http_conn {
    char req[8192];    /* received request bytes not yet answered */
    size_t req_len;    /* bytes in req */
    char hdr[512];     /* the response header being sent */
    size_t hdr_len;    /* its length */
    size_t hdr_off;    /* bytes of it sent */
    const char *page;  /* a fixed body, or NULL for the /bytes/N pattern */
    uint64_t body_len; /* body bytes to send (0 for HEAD) */
    uint64_t body_off; /* body bytes sent */
    int responding;    /* a response is being sent */
    int close_after;   /* the connection closes after this response */
    uint64_t requests; /* requests answered */
} http_conn;

/* Byte counts and digests of one connection. */
typedef struct serve_io {
    uint64_t rx;       /* bytes received */
    uint64_t tx;       /* bytes sent */
    int digest;        /* keep the digests (--sha256; they cost CPU) */
    sha256_ctx rx_sha; /* digest of what was received */
    sha256_ctx tx_sha; /* digest of what was sent */
} serve_io;

/* Counts (and, with --sha256, hashes) bytes received / sent. */
static inline void serve_io_rx(serve_io *io, const void *p, size_t n)
{
    io->rx += n;
    if (io->digest)
        sha256_update(&io->rx_sha, p, n);
}
static inline void serve_io_tx(serve_io *io, const void *p, size_t n)
{
    io->tx += n;
    if (io->digest)
        sha256_update(&io->tx_sha, p, n);
}

/* Runs HTTP on socket s: reads requests and writes responses as far as the buffers allow.
 * `eof` says the peer has finished sending. Returns 1 while the connection goes on, 0 when
 * it should be closed now (everything answered, or "Connection: close"), or a negative
 * errno from the stack. */
int http_step(synack_stack *st, int s, http_conn *hc, serve_io *io, int *eof);

/* Fills buf with the /bytes/N body from offset `off`: 16-byte lines, each the offset of
 * its first byte as 15 lowercase hex digits and a newline (every 16 bytes differ, so a
 * reordered or repeated segment changes the digest). */
void http_pattern(uint8_t *buf, size_t len, uint64_t off);
/* RFC 864 character generator stream from offset `off`: 72-character lines of the 95
 * printable ASCII characters, each line starting one character later, CRLF-terminated. */
void chargen_pattern(uint8_t *buf, size_t len, uint64_t off);

#endif
