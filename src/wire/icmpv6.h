/* SPDX-License-Identifier: MIT */
/* synack — ICMPv6 (RFC 4443), Neighbor Discovery messages (RFC 4861 4) and the MLDv2
 * Report (RFC 3810 5.2): parse, validate and emit over bytes.
 *
 * Every ICMPv6 checksum covers the RFC 8200 8.1 pseudo-header, so parse and emit take
 * the addresses of the IPv6 header that carries (or will carry) the message. Counters
 * the caller bumps: Icmp6InCsumErrors and Icmp6InErrors for a message that fails
 * icmp6_parse, Icmp6InErrors for one that fails nd_parse. */
#ifndef SYNACK_WIRE_ICMPV6_H
#define SYNACK_WIRE_ICMPV6_H

#include <stddef.h>
#include <stdint.h>

#include "wire/icmp.h"
#include "wire/ipv6.h"
#include "wire/result.h"

#define ICMP6_HDR_LEN 8 /* Type, code, checksum and the 4-byte type-specific field. */

#define ICMP6_DEST_UNREACH 1
#define ICMP6_PACKET_TOO_BIG 2
#define ICMP6_TIME_EXCEEDED 3
#define ICMP6_PARAM_PROBLEM 4
#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY 129
#define ICMP6_ND_RS 133
#define ICMP6_ND_RA 134
#define ICMP6_ND_NS 135
#define ICMP6_ND_NA 136
#define ICMP6_ND_REDIRECT 137
#define ICMP6_MLD1_REPORT 131 /* MLDv1 Multicast Listener Report (RFC 2710 3) */
#define ICMP6_MLD1_DONE 132   /* MLDv1 Multicast Listener Done */
#define ICMP6_MLD2_REPORT 143

#define ICMP6_UNREACH_NO_ROUTE 0
#define ICMP6_UNREACH_ADMIN 1
#define ICMP6_UNREACH_ADDR 3
#define ICMP6_UNREACH_PORT 4
#define ICMP6_TIME_HOP_LIMIT 0
#define ICMP6_TIME_REASSEMBLY 1

/* Errors carry as much of the invoking packet as keeps the whole error within the
 * minimum MTU (RFC 4443 2.4(c)): 1280 - 40 - 8. */
#define ICMP6_ERROR_MAX_QUOTE (IPV6_MIN_MTU - IPV6_HDR_LEN - ICMP6_HDR_LEN)

/* The same header and fields as ICMPv4's: `rest` holds identifier << 16 | sequence for
 * echo, the MTU for Packet Too Big, the pointer for Parameter Problem, flags for NA. */
typedef icmp_msg icmp6_msg;

/* Parses the ICMPv6 message at p (the whole upper-layer payload, len bytes) that came
 * from src to dst. WIRE_TRUNCATED if len < 8, WIRE_BAD_ICMP_CSUM unless the checksum
 * over the pseudo-header and all len bytes verifies (it is mandatory, RFC 4443 2.3). */
wire_result icmp6_parse(const uint8_t *p, size_t len, const ipv6_addr *src, const ipv6_addr *dst,
                        icmp6_msg *out);

/* Writes m (header, then m->payload, which may already sit at buf + 8) with its checksum
 * for src -> dst. Returns 8 + payload_len, or 0 (writing nothing) if that exceeds cap. */
size_t icmp6_emit(uint8_t *buf, size_t cap, const icmp6_msg *m, const ipv6_addr *src,
                  const ipv6_addr *dst);

/* Writes an error (type 1-4) quoting the invoking packet inv (inv_len bytes from its IPv6
 * header on), cut to ICMP6_ERROR_MAX_QUOTE and to cap. rest is 0, the MTU (Packet Too
 * Big) or the pointer (Parameter Problem). Returns the message length or 0 if cap < 8. */
size_t icmp6_error_emit(uint8_t *buf, size_t cap, uint8_t type, uint8_t code, uint32_t rest,
                        const uint8_t *inv, size_t inv_len, const ipv6_addr *src,
                        const ipv6_addr *dst);

/* RFC 4443 2.4(e): whether an error of type/code may answer the invoking packet inv (which
 * starts with its IPv6 header; ll_multicast: it came to a link-layer multicast or
 * broadcast address). Not in answer to an ICMPv6 error or a Redirect, nor to a packet
 * whose source is unspecified, multicast or not unique; nor to a multicast destination
 * (IPv6 or link-layer) except Packet Too Big and Parameter Problem code 2. Returns 1 if
 * allowed (rate limiting, 2.4(f), is still the caller's). */
int icmp6_error_allowed(const uint8_t *inv, size_t inv_len, int ll_multicast, uint8_t type,
                        uint8_t code);

/* --- Neighbor Discovery (RFC 4861) ------------------------------------------------------ */

#define ND_HOP_LIMIT 255 /* Every ND message is sent and accepted with this (RFC 4861 6.1.1). */

#define ND_OPT_SLLA 1     /* Source Link-Layer Address (4.6.1). */
#define ND_OPT_TLLA 2     /* Target Link-Layer Address (4.6.1). */
#define ND_OPT_PREFIX 3   /* Prefix Information (4.6.2). */
#define ND_OPT_REDIRECT 4 /* Redirected Header (4.6.3). */
#define ND_OPT_MTU 5      /* MTU (4.6.4). */
#define ND_OPT_NONCE 14   /* Nonce (RFC 3971 5.3.2), in DAD probes (RFC 7527). */
#define ND_NONCE_LEN 6    /* RFC 7527 4.1: 6 bytes, one 8-byte option. */

#define ND_RA_MANAGED 0x80 /* RA M flag. */
#define ND_RA_OTHER 0x40   /* RA O flag. */
#define ND_NA_ROUTER 0x80  /* NA R flag (high octet of the reserved word). */
#define ND_NA_SOLICITED 0x40
#define ND_NA_OVERRIDE 0x20
#define ND_PREFIX_ONLINK 0x80 /* Prefix Information L flag. */
#define ND_PREFIX_AUTO 0x40   /* Prefix Information A flag. */

#define ND_MAX_PREFIXES 4 /* Prefix options kept from one RA; the rest are counted, ignored. */

typedef struct nd_prefix {
    uint8_t len;        /* Prefix length in bits, 0-128. */
    uint8_t flags;      /* ND_PREFIX_ONLINK, ND_PREFIX_AUTO. */
    uint32_t valid;     /* Valid lifetime, seconds (0xffffffff: infinity). */
    uint32_t preferred; /* Preferred lifetime, seconds. */
    ipv6_addr prefix;
} nd_prefix;

typedef struct nd_opts {
    uint8_t has_slla, has_tlla, has_mtu;
    uint8_t slla[6]; /* Ethernet (RFC 2464 6: option length 1). */
    uint8_t tlla[6];
    uint32_t mtu;
    uint8_t nprefix; /* Entries of prefix[] filled. */
    uint8_t ignored; /* Known options ignored: wrong length, duplicate, over the bound. */
    nd_prefix prefix[ND_MAX_PREFIXES];
    const uint8_t *redirected; /* Redirected Header's quoted packet, or NULL. */
    size_t redirected_len;
    uint8_t has_nonce; /* A 6-byte Nonce option (RFC 7527), the first. */
    uint8_t nonce[ND_NONCE_LEN];
} nd_opts;

typedef struct nd_msg {
    uint8_t type;             /* ICMP6_ND_*. */
    uint8_t cur_hop_limit;    /* RA: 0 = unspecified. */
    uint8_t flags;            /* RA: ND_RA_*; NA: ND_NA_*. */
    uint16_t router_lifetime; /* RA: seconds, 0 = not a default router. */
    uint32_t reachable_ms;    /* RA: Reachable Time, 0 = unspecified. */
    uint32_t retrans_ms;      /* RA: Retrans Timer, 0 = unspecified. */
    ipv6_addr target;         /* NS, NA, Redirect. */
    ipv6_addr redirect_dst;   /* Redirect: the Destination Address. */
    nd_opts opts;
} nd_msg;

/* Validates and parses the ND message m (already through icmp6_parse) that arrived with
 * the IPv6 hop limit hop_limit from src to dst. Returns WIRE_OK, or WIRE_BAD_ND when a
 * validity check fails: for all, hop limit 255, code 0, every option's length non-zero
 * and inside the message, a link-layer address option of length 1; RS (6.1.1): 8+ bytes,
 * no SLLA from ::; RA (6.1.2): 16+ bytes from a link-local source; NS (7.1.1): 24+ bytes,
 * target not multicast, from :: only to a solicited-node address and without SLLA; NA
 * (7.1.2): 24+ bytes, target not multicast, S clear when dst is multicast; Redirect
 * (8.1): 40+ bytes from a link-local source, destination not multicast, target
 * link-local or equal to the destination. WIRE_TRUNCATED for any other type. Unknown
 * options are skipped (4.6); options known but malformed are counted in opts.ignored. */
wire_result nd_parse(const icmp6_msg *m, uint8_t hop_limit, const ipv6_addr *src,
                     const ipv6_addr *dst, nd_msg *out);

/* RFC 4862 5.5.3 (a)-(d): whether a prefix may form an address by SLAAC with a 64-bit
 * interface identifier: A set, not link-local, preferred <= valid, length 64. */
int nd_prefix_autoconf_ok(const nd_prefix *p);

/* Writes a Neighbor Solicitation for target from src to dst, with an SLLA option when
 * slla is non-NULL (never from ::, 7.2.2 and 4.3). Returns its length (24 or 32) or 0. */
size_t nd_ns_emit(uint8_t *buf, size_t cap, const ipv6_addr *target, const uint8_t *slla,
                  const ipv6_addr *src, const ipv6_addr *dst);

/* Writes RFC 7527's DAD probe: an NS for target from :: to dst with a Nonce option of
 * nonce (6 bytes). Returns 32, or 0. */
size_t nd_ns_nonce_emit(uint8_t *buf, size_t cap, const ipv6_addr *target, const uint8_t *nonce,
                        const ipv6_addr *dst);
/* Writes a Neighbor Advertisement with flags (ND_NA_*) for target, with a TLLA option when
 * tlla is non-NULL. Returns its length (24 or 32) or 0. */
size_t nd_na_emit(uint8_t *buf, size_t cap, uint8_t flags, const ipv6_addr *target,
                  const uint8_t *tlla, const ipv6_addr *src, const ipv6_addr *dst);

/* Writes a Router Solicitation (SLLA when slla is non-NULL and src is not ::). Returns
 * 8 or 16, or 0. */
size_t nd_rs_emit(uint8_t *buf, size_t cap, const uint8_t *slla, const ipv6_addr *src,
                  const ipv6_addr *dst);

/* --- MLDv2 (RFC 3810) --------------------------------------------------------------------- */

#define MLD2_CHANGE_TO_EXCLUDE 4 /* Record type for a join: EXCLUDE {} (5.2.12). */
#define MLD2_CHANGE_TO_INCLUDE 3 /* Record type for a leave: INCLUDE {}. */

/* ff02::16, where every MLDv2 Report goes (RFC 3810 5.2.14). */
extern const ipv6_addr mld2_all_routers;

/* Writes an MLDv2 Report from src (link-local, or :: while DAD runs) to ff02::16 with one
 * record of record_type and no sources per group in groups[0..n). The caller sends it with
 * hop limit 1 behind ipv6_hbh_router_alert_emit() (RFC 3810 5). Returns 8 + 20 * n, or 0. */
size_t mld2_report_emit(uint8_t *buf, size_t cap, uint8_t record_type, const ipv6_addr *groups,
                        size_t n, const ipv6_addr *src);

/* ff02::2, where an MLDv1 Done goes (RFC 2710 4). */
extern const ipv6_addr mld1_all_routers;

/* Writes the 24-byte MLDv1 message type (ICMP6_MLD1_REPORT or ICMP6_MLD1_DONE, RFC 2710 3)
 * naming group, from src to dst (the group for a Report, mld1_all_routers for a Done),
 * Maximum Response Delay 0. Sent as an MLDv2 Report is. Returns 24, or 0. */
size_t mld1_emit(uint8_t *buf, size_t cap, uint8_t type, const ipv6_addr *group,
                 const ipv6_addr *src, const ipv6_addr *dst);

#endif
