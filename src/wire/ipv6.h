/* SPDX-License-Identifier: MIT */
/* synack — IPv6 header parse and emit, and the extension-header chain walk (RFC 8200).
 *
 * Pure functions over bytes, like the IPv4 side. The walk applies RFC 8200 4 to every
 * extension header a host must process and stops at the upper-layer header, at a
 * fragment that needs reassembly, or at a verdict: drop silently, or drop and answer with
 * an ICMPv6 Parameter Problem whose code and pointer the walk fills in. Which counter
 * the caller bumps for each outcome is given at ipv6_walk_verdict. */
#ifndef SYNACK_WIRE_IPV6_H
#define SYNACK_WIRE_IPV6_H

#include <stddef.h>
#include <stdint.h>

#include "wire/result.h"

#define IPV6_HDR_LEN 40     /* The fixed header (RFC 8200 3). */
#define IPV6_MIN_MTU 1280   /* Every link carries this much (RFC 8200 5). */
#define IPV6_FRAG_HDR_LEN 8 /* The Fragment header (RFC 8200 4.5). */

#define IP_PROTO_HOPOPTS 0   /* Hop-by-Hop Options header (RFC 8200 4.3). */
#define IP_PROTO_ROUTING 43  /* Routing header (RFC 8200 4.4). */
#define IP_PROTO_FRAGMENT 44 /* Fragment header (RFC 8200 4.5). */
#define IP_PROTO_ICMPV6 58   /* ICMPv6 (RFC 4443). */
#define IP_PROTO_NONE 59     /* No Next Header (RFC 8200 4.7). */
#define IP_PROTO_DSTOPTS 60  /* Destination Options header (RFC 8200 4.6). */

#define IPV6_OPT_PAD1 0x00         /* One octet of padding (RFC 8200 4.2). */
#define IPV6_OPT_PADN 0x01         /* N octets of padding (RFC 8200 4.2). */
#define IPV6_OPT_ROUTER_ALERT 0x05 /* Router Alert (RFC 2711), for MLD. */

/* An IPv6 address, network byte order, no alignment promise. */
typedef struct ipv6_addr {
    uint8_t b[16];
} ipv6_addr;

typedef struct ipv6_hdr {
    uint8_t tclass;         /* Traffic class (DSCP + ECN, RFC 8200 7). */
    uint32_t flow;          /* Flow label, 20 bits (RFC 6437). */
    uint16_t payload_len;   /* Bytes after the fixed header, extension headers included. */
    uint8_t next;           /* Next Header: first extension header or upper-layer protocol. */
    uint8_t hop_limit;      /* Hop limit (RFC 8200 3). */
    ipv6_addr src;          /* Source address. */
    ipv6_addr dst;          /* Destination address. */
    const uint8_t *payload; /* First byte after the fixed header, inside the parsed buffer. */
} ipv6_hdr;

/* Parses the fixed header at pkt (len bytes, possibly with trailing link padding).
 * Checks, in order: len >= 40 (WIRE_TRUNCATED); version 6 (WIRE_BAD_VERSION);
 * 40 + payload_len <= len (WIRE_BAD_TOTAL_LEN). A payload length of 0 with a
 * Hop-by-Hop header would be a jumbogram (RFC 2675), which no link synack drives can
 * carry: it is parsed as an empty payload and the walk then finds the chain truncated. */
wire_result ipv6_parse(const uint8_t *pkt, size_t len, ipv6_hdr *out);

/* Writes the 40-byte fixed header from h (tclass, flow, next, hop_limit, src, dst) with
 * payload_len. Returns IPV6_HDR_LEN, or 0 (writing nothing) if cap < 40 or payload_len
 * exceeds 65535. */
size_t ipv6_emit(uint8_t *buf, size_t cap, const ipv6_hdr *h, size_t payload_len);

/* Writes an 8-byte Fragment header: next header nh, offset in bytes (a multiple of 8),
 * the M flag and the identification. Returns 8, or 0 if cap < 8 or offset is not a
 * multiple of 8 or above 65528. */
size_t ipv6_frag_emit(uint8_t *buf, size_t cap, uint8_t nh, uint16_t offset, int more, uint32_t id);

/* Writes the 8-byte Hop-by-Hop header MLD needs (RFC 3810 5: Router Alert, value 0,
 * then PadN) with next header nh. Returns 8, or 0 if cap < 8. */
size_t ipv6_hbh_router_alert_emit(uint8_t *buf, size_t cap, uint8_t nh);

/* Bounds on the walk, so a hostile chain costs bounded CPU. */
typedef struct ipv6_walk_limits {
    uint16_t max_hdrs;  /* Extension headers walked (Linux has no bound; RFC 8200 4.1 lists
                           at most 6 kinds, dest-options twice). */
    uint16_t max_bytes; /* Bytes of extension headers before the upper-layer header. */
    uint16_t max_opts;  /* Non-padding options in one Hop-by-Hop or Destination Options
                           header (Linux's max_hbh_opts_number / max_dst_opts_number). */
} ipv6_walk_limits;

#define IPV6_WALK_MAX_HDRS 8
#define IPV6_WALK_MAX_BYTES 1024 /* Well inside the 1280 a first fragment must hold. */
#define IPV6_WALK_MAX_OPTS 8
#define IPV6_WALK_MAX_PAD 7 /* Consecutive padding octets (RFC 8200 4.2 needs at most 7). */

/* The defaults above. */
extern const ipv6_walk_limits ipv6_walk_default_limits;

typedef enum ipv6_walk_verdict {
    /* proto/offset name the upper-layer header (which the caller may not know: then it
     * sends Parameter Problem code 1 with pointer nh_field, Ip6InUnknownProtos). */
    IPV6_WALK_UPPER = 0,
    /* A fragment to hand to reassembly (frag_* valid). For a first fragment the rest of
     * the chain was checked too and proto/offset are filled. */
    IPV6_WALK_FRAGMENT,
    /* No Next Header (59): nothing to deliver; bytes after it are ignored (RFC 8200 4.7). */
    IPV6_WALK_NO_NEXT,
    /* Discard silently; reason says why (Ip6InHdrErrors). */
    IPV6_WALK_DROP,
    /* Discard and send ICMPv6 Parameter Problem with icmp_code and pointer
     * (Ip6InHdrErrors; the error is subject to RFC 4443 2.4(e) and rate limiting). */
    IPV6_WALK_PARAM_PROBLEM,
} ipv6_walk_verdict;

#define ICMP6_PARAM_ERRONEOUS 0   /* Erroneous header field encountered. */
#define ICMP6_PARAM_UNKNOWN_NH 1  /* Unrecognized Next Header type. */
#define ICMP6_PARAM_UNKNOWN_OPT 2 /* Unrecognized IPv6 option. */
#define ICMP6_PARAM_INCOMPLETE 3  /* First fragment lacks the chain (RFC 7112 5). */

typedef struct ipv6_chain {
    ipv6_walk_verdict verdict;
    wire_result reason; /* WIRE_OK for UPPER/FRAGMENT/NO_NEXT, else the drop reason. */
    uint8_t proto;      /* Upper-layer protocol (UPPER, first FRAGMENT). */
    uint8_t icmp_code;  /* Parameter Problem code (ICMP6_PARAM_*). */
    uint8_t nhdrs;      /* Extension headers walked. */
    uint8_t atomic;     /* An atomic fragment was walked through (RFC 6946). */
    uint32_t offset;    /* Upper-layer header offset from the start of the packet. */
    uint32_t nh_field;  /* Offset of the Next Header octet that named proto. */
    uint32_t pointer;   /* Parameter Problem pointer, from the start of the packet. */
    /* Fragment header (FRAGMENT, or atomic): */
    uint32_t frag_hdr;     /* Its offset: the unfragmentable part is [0, frag_hdr). */
    uint32_t frag_prev_nh; /* Offset of the Next Header octet naming it. */
    uint32_t frag_id;      /* Identification. */
    uint16_t frag_offset;  /* Fragment offset in bytes. */
    uint8_t frag_more;     /* M flag. */
    uint8_t frag_nh;       /* Next header inside the Fragment header. */
} ipv6_chain;

/* Walks the extension headers of the packet at pkt, which starts with the fixed header
 * (already accepted by ipv6_parse) and is len = 40 + payload_len bytes long. Processes,
 * per RFC 8200 4: Hop-by-Hop only right after the fixed header (else Parameter Problem
 * code 1 at the naming octet); options per 4.2 (Pad1/PadN; an unknown option's two high
 * bits: 00 skip, 01 drop, 10 Parameter Problem code 2, 11 the same unless dst_multicast,
 * then drop; padding runs over 7 octets dropped, as Linux does); Routing headers with
 * Segments Left 0 ignored, otherwise Parameter Problem code 0 at the Routing Type (a host
 * routes no type, and type 0 is deprecated, RFC 5095 3); Fragment: a length that is not
 * a multiple of 8 with M set, or an end past 65535, is Parameter Problem code 0 (4.5),
 * an atomic fragment (offset 0, M 0) is walked through (RFC 6946 4), a first fragment
 * without the whole chain and the upper-layer header is Parameter Problem code 3 pointer
 * 0 (RFC 7112 5). A header extending past len is dropped (WIRE_BAD_EXTHDR); a chain
 * over the limits (NULL: the defaults) is dropped (WIRE_EXTHDR_LIMIT). */
void ipv6_walk(const uint8_t *pkt, size_t len, int dst_multicast, const ipv6_walk_limits *lim,
               ipv6_chain *out);

/* Address classes (RFC 4291 2.4). */
int ipv6_addr_is_unspecified(const ipv6_addr *a);
int ipv6_addr_is_loopback(const ipv6_addr *a);
int ipv6_addr_is_multicast(const ipv6_addr *a);
int ipv6_addr_is_link_local(const ipv6_addr *a); /* fe80::/10 */
int ipv6_addr_is_v4mapped(const ipv6_addr *a);   /* ::ffff:0:0/96 (RFC 4291 2.5.5.2) */
int ipv6_addr_equal(const ipv6_addr *a, const ipv6_addr *b);

/* ::ffff:a.b.c.d from an IPv4 address in host byte order. */
void ipv6_addr_v4mapped(ipv6_addr *out, uint32_t v4);

/* The solicited-node multicast address ff02::1:ffXX:XXXX of a (RFC 4291 2.7.1). */
void ipv6_addr_solicited_node(ipv6_addr *out, const ipv6_addr *a);

/* The Ethernet multicast address 33:33 + low 32 bits of a multicast IPv6 address
 * (RFC 2464 7). */
void ipv6_mcast_mac(uint8_t mac[6], const ipv6_addr *a);

/* fe80::/64 with the modified EUI-64 interface identifier of an Ethernet MAC (RFC 4291
 * appendix A: ff:fe in the middle, the universal/local bit inverted). */
void ipv6_addr_link_local_eui64(ipv6_addr *out, const uint8_t mac[6]);

/* fe80::/64 with interface identifier iid (64 random bits from the caller, as RFC 8981
 * and RFC 7217 prefer over EUI-64). Returns 0, or -1 leaving out untouched when iid is
 * reserved (RFC 5453: all zero, the subnet anycast range fdff:ffff:ffff:ff80 and up, the
 * proxy-mobile 0200:5eff:fe00:0000-5213): draw again. */
int ipv6_addr_link_local_iid(ipv6_addr *out, uint64_t iid);

#endif
