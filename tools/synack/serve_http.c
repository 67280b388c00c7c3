/* SPDX-License-Identifier: MIT */
/* synack serve --app http: a small HTTP/1.1 server (RFC 9112 message syntax, RFC 9110
 * semantics) with persistent connections, so curl and browsers can fetch
 *   /           a short HTML page
 *   /bytes/N    N bytes of a checkable pattern (http_pattern), for throughput tests.
 * GET and HEAD only; requests may be pipelined. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "serve.h"

static const char index_page[] =
    "<!DOCTYPE html>\n"
    "<html><head><title>synack</title></head>\n"
    "<body><h1>Hello from synack</h1>\n"
    "<p>This page came over a user-space TCP/IPv4 stack (synack) on a TAP device.</p>\n"
    "<p>Try <a href=\"/bytes/1048576\">/bytes/1048576</a> for a megabyte.</p>\n"
    "</body></html>\n";

void http_pattern(uint8_t *buf, size_t len, uint64_t off)
{
    static const char hex[] = "0123456789abcdef";
    uint8_t l[16];
    uint64_t v = off / 16 * 16;
    for (int k = 14; k >= 0; k--) {
        l[k] = (uint8_t)hex[v & 15];
        v >>= 4;
    }
    l[15] = '\n';
    size_t at = (size_t)(off % 16), i = 0;
    while (i < len) {
        size_t take = 16 - at < len - i ? 16 - at : len - i;
        memcpy(buf + i, l + at, take);
        i += take;
        at = 0;
        /* the next line's offset is 16 more: add one to the second-to-last hex digit */
        for (int k = 13; k >= 0; k--) {
            if (l[k] == 'f') {
                l[k] = '0';
                continue;
            }
            l[k] = l[k] == '9' ? 'a' : (uint8_t)(l[k] + 1);
            break;
        }
    }
}

void chargen_pattern(uint8_t *buf, size_t len, uint64_t off)
{
    /* RFC 864: 95 printable characters, 72 per line, each line shifted by one. */
    for (size_t i = 0; i < len; i++) {
        uint64_t o = off + i;
        uint64_t line = o / 74, col = o % 74;
        if (col == 72)
            buf[i] = '\r';
        else if (col == 73)
            buf[i] = '\n';
        else
            buf[i] = (uint8_t)(' ' + (line + col) % 95);
    }
}

/* Finds a header's value in the header block (case-insensitive name). Copies it, trimmed,
 * into out. Returns 1 if present. */
static int header_value(const char *hdrs, const char *name, char *out, size_t cap)
{
    size_t n = strlen(name);
    for (const char *p = hdrs; p && *p; p = strstr(p, "\r\n")) {
        if (p[0] == '\r')
            p += 2;
        if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
            const char *v = p + n + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            const char *e = strstr(v, "\r\n");
            size_t len = e ? (size_t)(e - v) : strlen(v);
            while (len && (v[len - 1] == ' ' || v[len - 1] == '\t'))
                len--;
            if (len >= cap)
                len = cap - 1;
            memcpy(out, v, len);
            out[len] = '\0';
            return 1;
        }
    }
    return 0;
}

/* Does a comma-separated header value contain `token` (case-insensitive)? */
static int has_token(const char *value, const char *token)
{
    size_t n = strlen(token);
    for (const char *p = value; *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        if (strncasecmp(p, token, n) == 0 && (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
            return 1;
        while (*p && *p != ',')
            p++;
    }
    return 0;
}

static void respond(http_conn *hc, int status, const char *reason, const char *type,
                    const char *page, uint64_t len, int head)
{
    hc->page = page;
    hc->body_len = head ? 0 : len;
    hc->body_off = 0;
    hc->hdr_off = 0;
    int n = snprintf(hc->hdr, sizeof(hc->hdr),
                     "HTTP/1.1 %d %s\r\n"
                     "Server: synack\r\n"
                     "Content-Type: %s\r\n"
                     "Content-Length: %" PRIu64 "\r\n"
                     "%s"
                     "\r\n",
                     status, reason, type, len, hc->close_after ? "Connection: close\r\n" : "");
    hc->hdr_len = n > 0 && (size_t)n < sizeof(hc->hdr) ? (size_t)n : 0;
    hc->responding = 1;
    hc->requests++;
}

static const char not_found[] = "not found\n";
static const char bad_request[] = "bad request\n";
static const char not_allowed[] = "method not allowed\n";

/* Parses one complete request at the start of hc->req (header block ending at `end`,
 * just past the blank line) and starts its response. */
static void start_response(http_conn *hc, size_t end)
{
    char *req = hc->req;
    req[end - 2] = '\0'; /* keep the last header's CRLF for header_value */
    char method[16], target[512], version[16];
    char *line_end = strstr(req, "\r\n");
    if (line_end)
        *line_end = '\0';
    int ok = sscanf(req, "%15s %511s %15s", method, target, version) == 3 &&
             strncmp(version, "HTTP/1.", 7) == 0;
    const char *hdrs = line_end ? line_end + 2 : "";
    char conn[128] = "";
    header_value(hdrs, "Connection", conn, sizeof(conn));
    /* RFC 9112 9.3: HTTP/1.1 persists unless "close"; HTTP/1.0 only with "keep-alive". */
    if (ok && strcmp(version, "HTTP/1.0") == 0)
        hc->close_after = !has_token(conn, "keep-alive");
    else
        hc->close_after = has_token(conn, "close");
    /* A request with a body is not something this server expects: answer and close. */
    char cl[32] = "";
    if (header_value(hdrs, "Content-Length", cl, sizeof(cl)) && strcmp(cl, "0") != 0)
        ok = 0;
    if (header_value(hdrs, "Transfer-Encoding", cl, sizeof(cl)))
        ok = 0;
    if (!ok) {
        hc->close_after = 1;
        respond(hc, 400, "Bad Request", "text/plain", bad_request, sizeof(bad_request) - 1, 0);
        return;
    }
    int head = strcmp(method, "HEAD") == 0;
    if (!head && strcmp(method, "GET") != 0) {
        respond(hc, 405, "Method Not Allowed", "text/plain", not_allowed, sizeof(not_allowed) - 1,
                0);
        return;
    }
    if (strcmp(target, "/") == 0 || strcmp(target, "/index.html") == 0) {
        respond(hc, 200, "OK", "text/html; charset=utf-8", index_page, sizeof(index_page) - 1,
                head);
        return;
    }
    if (strncmp(target, "/bytes/", 7) == 0 && isdigit((unsigned char)target[7])) {
        char *e;
        errno = 0;
        unsigned long long n = strtoull(target + 7, &e, 10);
        if (!errno && *e == '\0' && n <= (1ull << 40)) {
            respond(hc, 200, "OK", "application/octet-stream", NULL, n, head);
            return;
        }
    }
    respond(hc, 404, "Not Found", "text/plain", not_found, sizeof(not_found) - 1, head);
}

/* Sends as much of the current response as the send buffer takes. Returns 1 when it is
 * complete, 0 when the buffer is full, or a negative errno. */
static int send_response(synack_stack *st, int s, http_conn *hc, serve_io *io)
{
    uint8_t chunk[16384];
    while (hc->hdr_off < hc->hdr_len || hc->body_off < hc->body_len) {
        size_t n = 0;
        while (n < sizeof(chunk) && hc->hdr_off + n < hc->hdr_len) {
            chunk[n] = (uint8_t)hc->hdr[hc->hdr_off + n];
            n++;
        }
        size_t hdr_part = n;
        uint64_t left = hc->body_len - hc->body_off;
        size_t body = sizeof(chunk) - n < left ? sizeof(chunk) - n : (size_t)left;
        if (hc->page)
            memcpy(chunk + n, hc->page + hc->body_off, body);
        else
            http_pattern(chunk + n, body, hc->body_off);
        n += body;
        ssize_t w = synack_send(st, s, chunk, n, 0);
        if (w == -EAGAIN)
            return 0;
        if (w < 0)
            return (int)w;
        serve_io_tx(io, chunk, (size_t)w);
        size_t wh = (size_t)w < hdr_part ? (size_t)w : hdr_part;
        hc->hdr_off += wh;
        hc->body_off += (uint64_t)w - wh;
        if ((size_t)w < n)
            return 0;
    }
    hc->responding = 0;
    return 1;
}

int http_step(synack_stack *st, int s, http_conn *hc, serve_io *io, int *eof)
{
    for (;;) {
        if (hc->responding) {
            int r = send_response(st, s, hc, io);
            if (r <= 0)
                return r < 0 ? r : 1;
            if (hc->close_after)
                return 0;
        }
        /* A complete request waiting? */
        char *end = NULL;
        if (hc->req_len >= 4) {
            for (size_t i = 0; i + 3 < hc->req_len; i++) {
                if (!memcmp(hc->req + i, "\r\n\r\n", 4)) {
                    end = hc->req + i + 4;
                    break;
                }
            }
        }
        if (end) {
            size_t used = (size_t)(end - hc->req);
            char keep[sizeof(hc->req)];
            size_t rest = hc->req_len - used;
            memcpy(keep, end, rest);
            start_response(hc, used);
            memcpy(hc->req, keep, rest);
            hc->req_len = rest;
            continue;
        }
        if (hc->req_len == sizeof(hc->req)) { /* header block too large */
            hc->close_after = 1;
            hc->req_len = 0;
            respond(hc, 431, "Request Header Fields Too Large", "text/plain", bad_request,
                    sizeof(bad_request) - 1, 0);
            continue;
        }
        if (*eof)
            return 0; /* all answered, nothing more will come */
        ssize_t r = synack_recv(st, s, hc->req + hc->req_len, sizeof(hc->req) - hc->req_len, 0);
        if (r == -EAGAIN)
            return 1;
        if (r < 0)
            return (int)r;
        if (r == 0) {
            *eof = 1;
            continue;
        }
        serve_io_rx(io, hc->req + hc->req_len, (size_t)r);
        hc->req_len += (size_t)r;
    }
}
