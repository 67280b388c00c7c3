/* SPDX-License-Identifier: MIT */
/* synack gateway, tun2socks mode: the client side of a SOCKS5 CONNECT (RFC 1928, with
 * username/password authentication, RFC 1929) as a state machine that does no I/O of its
 * own, so that every reply a proxy can send, truncated or hostile, is testable without one
 * (tests/unit/test_gateway_socks5.c); gw_s5_io drives it over a non-blocking socket. */
#ifndef SYNACK_TOOL_CMD_GATEWAY_SOCKS5_H
#define SYNACK_TOOL_CMD_GATEWAY_SOCKS5_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Where a handshake is. */
enum { GW_S5_GREET, GW_S5_AUTH, GW_S5_REQUEST, GW_S5_DONE, GW_S5_FAILED };

/* How a handshake ended; each is counted (gw_stats.socks, `synack stat --gateway`). */
typedef enum gw_s5_outcome {
    GW_S5_OK,           /* reply 0x00: the proxy connected */
    GW_S5_GENERAL,      /* reply 0x01, general SOCKS server failure */
    GW_S5_NOT_ALLOWED,  /* reply 0x02, not allowed by the proxy's ruleset */
    GW_S5_NET_UNREACH,  /* reply 0x03 */
    GW_S5_HOST_UNREACH, /* reply 0x04 */
    GW_S5_REFUSED,      /* reply 0x05 */
    GW_S5_TTL_EXPIRED,  /* reply 0x06 */
    GW_S5_OTHER_REPLY,  /* 0x07 command / 0x08 address type not supported, or unassigned */
    GW_S5_NO_METHOD,    /* the proxy accepted none of the methods offered (0xFF) */
    GW_S5_AUTH_FAILED,  /* RFC 1929: the proxy rejected the username/password */
    GW_S5_PROTOCOL,     /* a malformed reply, or the proxy closed in the middle of one */
    GW_S5_TIMEOUT,      /* no connect or no reply within --connect-timeout */
    GW_S5_PROXY_DOWN,   /* the proxy could not be reached, or reset the connection */
    GW_S5_NOUTCOMES
} gw_s5_outcome;

/* The largest reply: VER REP RSV ATYP, a domain of 255 bytes with its length, the port. */
#define GW_S5_MAX_REPLY (4 + 1 + 255 + 2)
/* The largest message we send: the RFC 1929 request with 255-byte name and password. */
#define GW_S5_MAX_OUT (3 + 255 + 255)

typedef struct gw_socks5 {
    uint8_t phase;   /* GW_S5_GREET .. GW_S5_FAILED */
    uint8_t outcome; /* gw_s5_outcome, once DONE or FAILED */
    uint8_t rep;     /* the CONNECT reply's code */
    uint8_t atyp;    /* the bound address's type in the reply (1 IPv4, 3 domain, 4 IPv6) */
    uint16_t out_len, out_off;
    uint16_t in_len;   /* bytes of the current reply read so far */
    uint16_t in_total; /* bytes read from the proxy in all (bounded by construction) */
    uint16_t bnd_port; /* the reply's BND.PORT */
    uint8_t bnd_len;   /* BND.ADDR's length: 4, 16, or the domain's */
    uint8_t alen;      /* the destination's address length: 4 or 16 */
    uint8_t dst[16];   /* the destination (network order bytes) */
    uint16_t dst_port; /* host order */
    const char *user;  /* RFC 1929 credentials, or NULL: none offered */
    const char *pass;
    uint8_t in[GW_S5_MAX_REPLY];
    uint8_t out[GW_S5_MAX_OUT];
    uint8_t cmd; /* CONNECT (1) or UDP ASSOCIATE (3) */
} gw_socks5;

/* Starts a handshake for a CONNECT to addr (alen 4: IPv4, 16: IPv6, network order) port
 * (host order); user/pass (each 1-255 bytes, or NULL) are offered as RFC 1929
 * authentication besides "none". The greeting is then queued for gw_s5_output. 0, or
 * -EINVAL for an address length or credentials SOCKS5 cannot carry. */
int gw_s5_begin(gw_socks5 *s, const uint8_t *addr, size_t alen, uint16_t port, const char *user,
                const char *pass);
/* The same for a UDP ASSOCIATE (RFC 1928 section 7): once DONE, BND is the proxy's relay
 * (gw_s5_relay). 0, or -EINVAL for credentials SOCKS5 cannot carry. */
int gw_s5_begin_udp(gw_socks5 *s, const char *user, const char *pass);
/* After a UDP ASSOCIATE ended DONE: the relay's address into *out (*len its size); an
 * unspecified address or a name stand for the proxy's own address, *proxy. 0, or -EINVAL
 * (the handshake did not succeed, or BND.PORT is 0). */
int gw_s5_relay(const gw_socks5 *s, const struct sockaddr_storage *proxy,
                struct sockaddr_storage *out, socklen_t *len);
/* The bytes to send now (*p) and how many; 0 when nothing is queued. */
size_t gw_s5_output(const gw_socks5 *s, const uint8_t **p);
/* n of them were sent. */
void gw_s5_sent(gw_socks5 *s, size_t n);
/* How many bytes the next read may take: exactly what the reply still lacks, never more,
 * so no byte the destination sends after the reply is taken from the socket here. 0 while
 * something is queued to send, or once the handshake ended. */
size_t gw_s5_want(const gw_socks5 *s);
/* Feeds bytes read from the proxy; returns how many were used (at most gw_s5_want's worth:
 * the rest belongs to the relayed stream). Afterwards s->phase says where it is. */
size_t gw_s5_input(gw_socks5 *s, const uint8_t *p, size_t n);
/* The proxy closed its side: a handshake not ended yet fails (GW_S5_PROTOCOL). */
void gw_s5_eof(gw_socks5 *s);
/* Ends the handshake as failed with outcome o (a timeout, the proxy unreachable). */
void gw_s5_fail(gw_socks5 *s, gw_s5_outcome o);
/* What the namespace's connect should hear, as the errno a direct connect would have
 * ended with (the relay's verdict maps it): 0, ECONNREFUSED (RST), ENETUNREACH or
 * EHOSTUNREACH (ICMP unreachable), ETIMEDOUT (nothing). */
int gw_s5_errno(gw_s5_outcome o);
/* "Ok", "Refused", ...: the outcome's name in counters. */
const char *gw_s5_outcome_name(gw_s5_outcome o);

/* Drives s over the non-blocking socket fd: sends what is queued, reads what is wanted,
 * until the socket would block. 1 once the handshake ended (s->phase DONE or FAILED), else
 * 0. */
int gw_s5_io(gw_socks5 *s, int fd);
/* The poll(2) events the handshake waits for: POLLOUT while something is queued, else
 * POLLIN. */
short gw_s5_events(const gw_socks5 *s);

#endif
