/* SPDX-License-Identifier: MIT */
/* synack — TCP header and option parse and emit (RFC 9293 3.1, RFC 7323,
 * RFC 2018). Pure functions over bytes; the state machine lives in src/tcp. */
#ifndef SYNACK_WIRE_TCP_WIRE_H
#define SYNACK_WIRE_TCP_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "wire/result.h"

#define TCP_HDR_LEN 20     /* Header without options (data offset 5). */
#define TCP_MAX_OPT_LEN 40 /* Option space: data offset 15 minus the fixed header. */

/* Control bits, as in byte 13 of the header (RFC 9293 3.1, RFC 3168 6.1). */
enum {
    TCP_FIN = 0x01, /* No more data from sender. */
    TCP_SYN = 0x02, /* Synchronize sequence numbers. */
    TCP_RST = 0x04, /* Reset the connection. */
    TCP_PSH = 0x08, /* Push function. */
    TCP_ACK = 0x10, /* Acknowledgment field is significant. */
    TCP_URG = 0x20, /* Urgent pointer field is significant. */
    TCP_ECE = 0x40, /* ECN-Echo (RFC 3168). */
    TCP_CWR = 0x80, /* Congestion Window Reduced (RFC 3168). */
};

/* Option kinds (RFC 9293 3.2, RFC 7323, RFC 2018). */
enum {
    TCP_OPT_EOL = 0,       /* End of option list. */
    TCP_OPT_NOP = 1,       /* No-operation, used for alignment. */
    TCP_OPT_MSS = 2,       /* Maximum segment size, length 4. */
    TCP_OPT_WSCALE = 3,    /* Window scale, length 3 (RFC 7323 2.2). */
    TCP_OPT_SACK_PERM = 4, /* SACK permitted, length 2 (RFC 2018 2). */
    TCP_OPT_SACK = 5,      /* SACK blocks, length 2 + 8n (RFC 2018 3). */
    TCP_OPT_TS = 8,        /* Timestamps, length 10 (RFC 7323 3.2). */
    TCP_OPT_FASTOPEN = 34, /* TCP Fast Open cookie, length 2 + cookie (RFC 7413 4.1.1). */
    TCP_OPT_EXP = 254,     /* Experimental (RFC 6994); Fast Open before kind 34 was assigned. */
};

/* The experiment identifier that marks a kind-254 option as Fast Open (RFC 7413 4.1.1,
 * RFC 6994); pre-RFC clients and Linux's `tcp_fastopen` 0x800-less peers still send it. */
#define TCP_EXP_FASTOPEN_MAGIC 0xF989u
#define TCP_FASTOPEN_COOKIE_MIN 4  /* Shortest cookie (RFC 7413 4.1.1). */
#define TCP_FASTOPEN_COOKIE_MAX 16 /* Longest cookie (RFC 7413 4.1.1). */

#define TCP_OPTLEN_MSS 4       /* Length of the MSS option. */
#define TCP_OPTLEN_WSCALE 3    /* Length of the window scale option. */
#define TCP_OPTLEN_SACK_PERM 2 /* Length of the SACK-permitted option. */
#define TCP_OPTLEN_TS 10       /* Length of the timestamps option. */
#define TCP_MAX_WSCALE 14      /* Largest shift count honoured (RFC 7323 2.3). */
#define TCP_MAX_SACK 4         /* Most SACK blocks an option can carry (RFC 2018 3). */

typedef struct tcp_sack_block {
    uint32_t left;  /* Left edge: first sequence number of the block. */
    uint32_t right; /* Right edge: sequence number just past the block. */
} tcp_sack_block;

typedef struct tcp_opts {
    uint16_t mss;    /* Maximum segment size; valid if has_mss. */
    uint8_t wscale;  /* Window shift count, at most 14 after parsing; valid if has_wscale. */
    uint32_t ts_val; /* TSval, the sender's timestamp; valid if has_ts. */
    uint32_t ts_ecr; /* TSecr, the echoed timestamp; valid if has_ts. */
    uint8_t nsack;   /* Number of SACK blocks in sack[], 0 to TCP_MAX_SACK. */
    tcp_sack_block sack[TCP_MAX_SACK]; /* SACK blocks in the order they appear on the wire. */
    uint8_t has_mss;                   /* 1 if an MSS option is present. */
    uint8_t has_wscale;                /* 1 if a window scale option is present. */
    uint8_t sack_ok;                   /* 1 if a SACK-permitted option is present. */
    uint8_t has_ts;                    /* 1 if a timestamps option is present. */
    /* Fast Open (RFC 7413): has_fo is 1 when the option is present with a usable length:
     * fo_len 0 is a cookie request, otherwise an even 4..16 bytes of fo_cookie. fo_exp
     * says it is (or is to be sent as) the experimental kind 254 form. */
    uint8_t has_fo;
    uint8_t fo_exp;
    uint8_t fo_len;
    uint8_t fo_cookie[TCP_FASTOPEN_COOKIE_MAX];
} tcp_opts;

typedef struct tcp_seg {
    uint16_t sport;         /* Source port. */
    uint16_t dport;         /* Destination port. */
    uint32_t seq;           /* Sequence number. */
    uint32_t ack;           /* Acknowledgment number, meaningful if TCP_ACK is set. */
    uint8_t flags;          /* Control bits (TCP_FIN ... TCP_CWR). */
    uint16_t win;           /* Window field as on the wire, before scaling. */
    uint16_t urg;           /* Urgent pointer, meaningful if TCP_URG is set. */
    uint8_t hdr_len;        /* Data offset * 4; set by parse, ignored (computed) by emit. */
    tcp_opts opts;          /* Options that synack understands; others are skipped. */
    const uint8_t *payload; /* First data byte: in the parsed buffer, or what emit copies. */
    size_t payload_len;     /* Number of data bytes. */
} tcp_seg;

/* How tcp_opts_emit arranges options. */
typedef enum tcp_opt_layout {
    TCP_OPTS_LINUX = 0,   /* Byte-for-byte what Linux sends, NOP-aligned (for interop diffs). */
    TCP_OPTS_COMPACT = 1, /* No alignment NOPs; EOL-padded to a multiple of 4. */
} tcp_opt_layout;

/* Parses the segment at seg (len bytes: the whole IPv4 payload), verifying the
 * checksum with the pseudo-header for src and dst (host byte order). Checks,
 * in order: len >= 20 (WIRE_TRUNCATED); 5 <= data offset and offset*4 <= len
 * (WIRE_BAD_DOFF); checksum over all len bytes (WIRE_BAD_TCP_CSUM; also when
 * len > 65535, which the pseudo-header cannot express); options
 * (WIRE_BAD_OPTLEN). Unknown option kinds are skipped by their length; a
 * window scale above 14 is clamped to 14 (RFC 7323 2.3); a repeated option
 * replaces the earlier one. On WIRE_OK out->payload points into seg. */
wire_result tcp_parse(const uint8_t *seg, size_t len, uint32_t src, uint32_t dst, tcp_seg *out);

/* tcp_parse(), except that with csum_vouched non-zero the checksum is not verified: the
 * device that delivered the segment checked it, or it never crossed a wire
 * (SYNACK_RX_CSUM_VERIFIED / SYNACK_RX_CSUM_PARTIAL in netif.h). A segment longer than
 * 65535 bytes is still refused. */
wire_result tcp_parse_ex(const uint8_t *seg, size_t len, uint32_t src, uint32_t dst,
                         int csum_vouched, tcp_seg *out);

/* tcp_parse() that leaves the payload's share of the checksum to the caller, so that it can
 * be summed while the payload is copied where it is going (the receive fast path). Sets
 * *hdr_sum to the sum of the pseudo-header and the TCP header; the segment is intact
 * exactly when tcp_csum_complete(*hdr_sum, csum_add(0, payload, payload_len)) is 1. Until
 * then nothing in *out may be acted on. A segment it rejects is checked whole, so a corrupt
 * one is WIRE_BAD_TCP_CSUM, as from tcp_parse(). */
wire_result tcp_parse_deferred(const uint8_t *seg, size_t len, uint32_t src, uint32_t dst,
                               tcp_seg *out, uint64_t *hdr_sum);
/* IPv6 (RFC 8200 8.1 pseudo-header, src and dst 16 bytes in network order): as
 * tcp_parse_deferred(), or with csum_vouched non-zero as tcp_parse_ex() vouched (*hdr_sum
 * untouched then). */
wire_result tcp_parse6(const uint8_t *seg, size_t len, const uint8_t src[16], const uint8_t dst[16],
                       int csum_vouched, tcp_seg *out, uint64_t *hdr_sum);
/* 1 when a header sum from tcp_parse_deferred() and its payload's sum make a valid checksum. */
int tcp_csum_complete(uint64_t hdr_sum, uint64_t payload_sum);

/* Number of option bytes tcp_opts_emit writes for o (a multiple of 4, at most
 * TCP_MAX_OPT_LEN, 0 if no options). */
size_t tcp_opts_len(const tcp_opts *o, tcp_opt_layout layout);

/* Writes o's options in the given layout, padded to a multiple of 4. SACK
 * blocks that do not fit in TCP_MAX_OPT_LEN are left out (the first ones are
 * kept). Returns the bytes written: 0 if there are no options, or if cap is
 * smaller than tcp_opts_len() (nothing is written then). */
size_t tcp_opts_emit(uint8_t *buf, size_t cap, const tcp_opts *o, tcp_opt_layout layout);

/* Writes the header of s (hdr_len computed from s->opts; s->hdr_len is
 * ignored), its options, and s->payload_len bytes from s->payload, then the
 * checksum with the pseudo-header for src and dst (host byte order). s->payload
 * may already sit in buf at its final place. Returns the total bytes written,
 * or 0 (writing nothing) if they exceed cap or 65535. */
size_t tcp_emit(uint8_t *buf, size_t cap, const tcp_seg *s, tcp_opt_layout layout, uint32_t src,
                uint32_t dst);
/* tcp_emit() for a payload the caller already placed at buf + tcp_hdr_len(&s->opts) and
 * summed while copying it there: payload_sum is csum_add(0, payload, payload_len), so the
 * data is not read a second time. */
size_t tcp_emit_summed(uint8_t *buf, size_t cap, const tcp_seg *s, tcp_opt_layout layout,
                       uint32_t src, uint32_t dst, uint64_t payload_sum);

/* The checksum field of a segment whose checksum a device completes (checksum offload,
 * virtio NEEDS_CSUM): the folded, uncomplemented sum of the pseudo-header for a segment of
 * len bytes (header included) from src to dst (RFC 9293 3.1), in host order for wr16. */
uint16_t tcp_csum_pseudo_partial(uint32_t src, uint32_t dst, size_t len);
/* The same under the IPv6 pseudo-header (RFC 8200 8.1; src and dst in network order), as
 * virtio's NEEDS_CSUM expects for TCP over IPv6. */
uint16_t tcp_csum_pseudo_partial6(const uint8_t src[16], const uint8_t dst[16], size_t len);

/* A segment emitted with IPv4 addresses 0 and 0 gets the checksum of the same segment
 * under the IPv6 pseudo-header for src and dst (network order): how IPv6 segments are
 * built, with the same emit functions. */
void tcp_csum_add_addrs6(uint8_t *seg, const uint8_t src[16], const uint8_t dst[16]);

/* Overwrites the checksum field of the segment at seg with csum (host order). */
void tcp_set_csum(uint8_t *seg, uint16_t csum);

#endif
