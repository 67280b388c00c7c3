/* SPDX-License-Identifier: MIT */
/* Source address selection (RFC 6724 5), pure: no stack, for its own tests. */
#ifndef SYNACK_ADDR6_SELECT_H
#define SYNACK_ADDR6_SELECT_H

#include <stddef.h>
#include <stdint.h>

#include "wire/ipv6.h"

typedef struct addr6_cand {
    ipv6_addr a;
    uint8_t prefix_len; /* its on-link prefix: rule 8 compares no further (RFC 6724 2.2) */
    uint8_t deprecated; /* past its preferred lifetime (rule 3) */
} addr6_cand;

/* The index of the best source among the n candidates for dst by rules 1 (the same
 * address), 2 (appropriate scope), 3 (avoid deprecated), 6 (matching label of the default
 * policy table, 2.1) and 8 (longest matching prefix); ties keep the earlier one. -1 when
 * n is 0. */
int addr6_select(const addr6_cand *c, size_t n, const ipv6_addr *dst);
/* Scope (RFC 6724 3.1): a multicast address's field, else 2 link-local (and loopback),
 * 5 site-local, 14 global. */
int addr6_scope(const ipv6_addr *a);
/* The default policy table's label (RFC 6724 2.1). */
int addr6_label(const ipv6_addr *a);

#endif
