/* SPDX-License-Identifier: MIT */
/* synack — fragment reassembly for IPv4 (RFC 791 3.2, RFC 1122 3.3.2) and IPv6 (RFC 8200
 * 4.5) in one bounded module.
 *
 * Bounded by construction: a fixed table of datagrams in progress (allocated once), a
 * byte budget over every fragment held (each fragment also charged its bookkeeping, so
 * tiny fragments exhaust the budget sooner), a fragment count per datagram, and a
 * timeout. Overlapping fragments discard the whole datagram (RFC 5722, and Linux does the
 * same for IPv4); exact duplicates are dropped alone (RFC 5722 erratum 3089). Atomic
 * fragments (offset 0, no M flag; RFC 6946) never touch the table. Every drop is counted
 * in the family's reasm_counters under the name Linux's nstat prints.
 *
 * Sans-I/O: time is an argument, reassembled datagrams are copied into the caller's
 * buffer, and a datagram that expires with its first fragment is handed to a callback so
 * the caller can send Time Exceeded code 1 (RFC 8200 4.5, RFC 1122 3.3.2). */
#ifndef SYNACK_STACK_REASM_H
#define SYNACK_STACK_REASM_H

#include <stddef.h>
#include <stdint.h>

#include "synack/alloc.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"

#define REASM_V4 4
#define REASM_V6 6

typedef struct reasm_config {
    uint32_t max_datagrams; /* Datagrams in progress at once (default 64). */
    uint32_t max_bytes;     /* Bytes held over all of them (default 256 KiB). */
    uint16_t max_frags;     /* Fragments per datagram (default 64). */
    uint64_t timeout_v4_us; /* Linux's ipfrag_time: 30 s. */
    uint64_t timeout_v6_us; /* RFC 8200 4.5: 60 s. */
} reasm_config;

/* Per family; IPv4's as IpReasm*, IPv6's as Ip6Reasm*. */
typedef struct reasm_counters {
    uint64_t ReasmReqds;    /* Fragments received. */
    uint64_t ReasmOKs;      /* Datagrams reassembled. */
    uint64_t ReasmFails;    /* Fragments or datagrams given up; every reason below adds here. */
    uint64_t ReasmTimeout;  /* Datagrams that expired (also in ReasmFails). */
    uint64_t ReasmOverlaps; /* Datagrams discarded for an overlap (IpExtReasmOverlaps). */
    uint64_t ReasmDups;     /* Exact duplicate fragments dropped. */
    uint64_t ReasmNoSpace;  /* Fragments dropped: table or byte budget full. */
    uint64_t ReasmTooBig;   /* Datagrams over 65535 bytes, or a bad length. */
    uint64_t ReasmTooMany;  /* Datagrams over max_frags fragments. */
} reasm_counters;

/* One fragment as the caller found it. */
typedef struct reasm_frag {
    uint8_t family;     /* REASM_V4 or REASM_V6. */
    uint8_t proto;      /* IPv4: the protocol (part of the key, RFC 791); IPv6: 0. */
    uint8_t more;       /* M / MF flag. */
    uint8_t nh;         /* IPv6: Next Header in the Fragment header. */
    uint32_t id;        /* Identification. */
    uint32_t offset;    /* Fragment offset in bytes. */
    ipv6_addr src, dst; /* IPv4 addresses as v4-mapped. */
    const uint8_t *pkt; /* The whole fragment, from its IP header on. */
    size_t hdr_len;     /* IPv4: IHL * 4; IPv6: up to the end of the Fragment header. */
    size_t data_len;    /* Fragment data after hdr_len. */
    uint32_t frag_hdr;  /* IPv6: offset of the Fragment header. */
    uint32_t prev_nh;   /* IPv6: offset of the Next Header octet naming it. */
} reasm_frag;

typedef struct reasm_node reasm_node;

typedef struct reasm_dgram {
    uint8_t in_use;
    uint8_t family, proto, nh;
    uint8_t have_last;
    uint16_t nfrags;
    uint32_t id;
    ipv6_addr src, dst;
    uint64_t deadline;
    uint32_t total; /* Payload length, known once the last fragment came. */
    uint32_t held;  /* Data bytes held. */
    size_t charged; /* Bytes charged to the budget. */
    uint8_t *hdr;   /* The first fragment's headers (NULL until it came). */
    uint16_t hdr_len;
    uint32_t frag_hdr, prev_nh;
    reasm_node *frags; /* Sorted by offset, never overlapping. */
} reasm_dgram;

typedef struct reasm {
    reasm_config cfg;
    const synack_allocator *mem;
    reasm_dgram *slots; /* cfg.max_datagrams */
    size_t bytes;       /* Charged over all slots. */
    reasm_counters v4, v6;
} reasm;

typedef enum reasm_result {
    REASM_HELD = 0, /* Kept; the datagram is not complete yet. */
    REASM_DONE,     /* *out_len bytes of reassembled datagram are in out. */
    REASM_DROPPED,  /* The fragment (and maybe its datagram) was dropped and counted. */
    REASM_ATOMIC,   /* Offset 0 without M: not a fragment to hold, process it at once. */
} reasm_result;

/* The defaults in reasm_config's comments. */
void reasm_config_default(reasm_config *cfg);

/* Makes r empty; allocates the slot table from mem. Returns 0 or -ENOMEM; -EINVAL for a
 * zero bound. */
int reasm_init(reasm *r, const reasm_config *cfg, const synack_allocator *mem);

/* Frees everything r holds. */
void reasm_destroy(reasm *r);

/* Fills f from an IPv4 fragment (pkt with h from ipv4_parse, which said WIRE_FRAGMENT). */
void reasm_frag_ipv4(reasm_frag *f, const uint8_t *pkt, const ipv4_hdr *h);

/* Fills f from an IPv6 fragment (pkt of len = 40 + payload_len bytes, c from ipv6_walk,
 * which said IPV6_WALK_FRAGMENT or walked an atomic fragment). */
void reasm_frag_ipv6(reasm_frag *f, const uint8_t *pkt, size_t len, const ipv6_chain *c);

/* Adds fragment f at time now. On REASM_DONE the whole datagram, headers rebuilt (IPv4:
 * MF and offset cleared, total length and checksum set; IPv6: the unfragmentable part with
 * the Fragment header removed, its Next Header spliced in, the payload length set), is in
 * out[0, *out_len); cap must hold it (65535 for IPv4, 65575 for IPv6) or it is dropped.
 * Also expires overdue datagrams of other keys first (without reporting them: call
 * reasm_poll to get the reports). */
reasm_result reasm_input(reasm *r, const reasm_frag *f, uint64_t now, uint8_t *out, size_t cap,
                         size_t *out_len);

/* Called for each expired datagram whose first fragment had arrived, with that fragment
 * (headers and data, cut to cap) for the Time Exceeded quote. */
typedef void (*reasm_expired_fn)(void *ctx, uint8_t family, const uint8_t *first, size_t len);

/* Discards datagrams whose time ran out (counted as ReasmTimeout and ReasmFails), calling
 * fn (if non-NULL) as above with scratch[0, cap) as the buffer. Returns the earliest
 * remaining deadline, or UINT64_MAX. */
uint64_t reasm_poll(reasm *r, uint64_t now, uint8_t *scratch, size_t cap, reasm_expired_fn fn,
                    void *ctx);

/* Datagrams in progress. */
uint32_t reasm_count(const reasm *r);

#endif
