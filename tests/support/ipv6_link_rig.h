/* SPDX-License-Identifier: MIT */
/* Test rig for IPv6 over an in-memory IP link: two stacks, 2001:db8::1 (side 0, with
 * 192.0.2.1) and 2001:db8::2 (side 1, 192.0.2.2), and a tap that records every frame the
 * link delivers, so the IPv6 TCP, ICMPv6, PMTU, reassembly, UDP and Fast Open scenario
 * tests share one copy. */
#ifndef SYNACK_TEST_IPV6_LINK_RIG_H
#define SYNACK_TEST_IPV6_LINK_RIG_H

#include <stddef.h>
#include <stdint.h>

#include "synack/link.h"
#include "synack/synack.h"

extern const uint8_t IP6_RIG_ADDR[2][16];

typedef struct ip6_frame {
    int to; /* receiving side */
    uint64_t t;
    size_t len;
    uint8_t b[1600];
} ip6_frame;

#define IP6_TAP_MAX 512
typedef struct ip6_tap {
    size_t n;    /* frames kept in f */
    size_t seen; /* frames delivered, kept or not */
    size_t max;  /* keep at most this many (<= IP6_TAP_MAX) */
    int drop_to; /* the link drops what goes to this side (-1: nothing) */
    ip6_frame f[IP6_TAP_MAX];
} ip6_tap;

/* The two stacks, their link and the time; tests with nothing more to keep use it. */
typedef struct ip6_pair {
    synack_memlink *link;
    synack_stack *st[2];
    uint64_t now;
} ip6_pair;

/* Sets up two stacks on a new memlink (delay 1000 us), each config deterministic (seed 7
 * + side) with the addresses above, /64, after `tweak` (may be NULL) saw it; the tap is
 * emptied, keeps up to max frames and drops nothing. */
typedef void (*ip6_tweak_fn)(synack_config *c, int side, void *arg);
void ip6_pair_init(synack_memlink **link, synack_stack *st[2], ip6_tap *tap, size_t max,
                   ip6_tweak_fn tweak, void *arg);
void ip6_pair_free(synack_memlink *link, synack_stack *st[2]);

/* Runs p's link for us microseconds from p->now, which moves to where the link stopped. */
void ip6_pair_run(ip6_pair *p, uint64_t us);

/* The memlink tap; ctx is an ip6_tap. */
int ip6_tap_fn(void *ctx, int side, uint64_t t, const uint8_t *frame, size_t len);

/* One stack, IPv4 addr4 and addr6/64 (deterministic, seed 7, MTU mtu), every frame it
 * sends up to IP6_HOST_MAX kept (a longer one dropped): the test plays its peers. */
typedef struct ip6_host_frame {
    uint8_t b[1600];
    size_t len;
} ip6_host_frame;
#define IP6_HOST_MAX 128
typedef struct ip6_host {
    synack_stack *st;
    uint64_t now;
    ip6_host_frame out[IP6_HOST_MAX];
    int nout;
} ip6_host;
void ip6_host_init(ip6_host *r, uint32_t addr4, const uint8_t addr6[16], uint32_t mtu);

/* a:port as a socket address (a NULL: the unspecified address). */
struct synack_sockaddr_in6 ip6_sin6(const uint8_t a[16], uint16_t port);

/* The IPv4 address a (host order):port as a socket address, for the pair's IPv4 side. */
struct synack_sockaddr_in ip6_sin4(uint32_t a, uint16_t port);

#endif
