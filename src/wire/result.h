/* SPDX-License-Identifier: MIT */
/* synack — outcome of parsing a wire header.
 *
 * Every parser in src/wire returns one of these; anything but WIRE_OK means the
 * packet is dropped, and wire_result_name() gives the drop reason printed in
 * trace events (docs/TRACE.md). */
#ifndef SYNACK_WIRE_RESULT_H
#define SYNACK_WIRE_RESULT_H

typedef enum wire_result {
    WIRE_OK = 0,            /* The header is well formed; the output struct is valid. */
    WIRE_TRUNCATED,         /* Fewer bytes than the fixed header needs. */
    WIRE_BAD_VERSION,       /* IPv4 version field is not 4 (RFC 791 3.1). */
    WIRE_BAD_IHL,           /* IPv4 header length below 5 words or beyond total length. */
    WIRE_BAD_TOTAL_LEN,     /* IPv4 total length below 20 or beyond the bytes received. */
    WIRE_BAD_IP_CSUM,       /* IPv4 header checksum does not verify (RFC 791 3.1). */
    WIRE_FRAGMENT,          /* IPv4 fragment (MF set or offset non-zero); not reassembled. */
    WIRE_BAD_TCP_CSUM,      /* TCP checksum over pseudo-header and segment fails (RFC 9293 3.1). */
    WIRE_BAD_DOFF,          /* TCP data offset below 5 words or beyond the segment. */
    WIRE_BAD_OPTLEN,        /* TCP option length missing, out of range, or wrong for its kind. */
    WIRE_BAD_ICMP_CSUM,     /* ICMP checksum does not verify (RFC 792). */
    WIRE_BAD_ARP,           /* ARP not Ethernet/IPv4 (htype, ptype, hlen, plen; RFC 826). */
    WIRE_UNKNOWN_ETHERTYPE, /* Ethernet frame carries neither IPv4 nor ARP. */
    WIRE_BAD_EXTHDR,        /* IPv6 extension header malformed or misplaced (RFC 8200 4). */
    WIRE_EXTHDR_LIMIT,     /* IPv6 header chain beyond synack's bounds (headers, bytes, options). */
    WIRE_UNKNOWN_OPTION,   /* IPv6 option whose type says discard if unrecognized (RFC 8200 4.2). */
    WIRE_INCOMPLETE_CHAIN, /* IPv6 first fragment without the whole header chain (RFC 7112). */
    WIRE_BAD_FRAGMENT,     /* Fragment length or offset impossible (RFC 8200 4.5, RFC 791). */
    WIRE_BAD_ND,           /* Neighbor Discovery message fails validation (RFC 4861 6.1, 7.1). */
    WIRE_RESULT_COUNT      /* Number of results; not a result. */
} wire_result;

/* Returns the kebab-case name of r used as a drop reason, or "unknown" if r is
 * out of range. */
const char *wire_result_name(wire_result r);

#endif
