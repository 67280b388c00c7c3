/* SPDX-License-Identifier: MIT */
/* RFC 6724 5's rules that apply to a host with one interface and no home or temporary
 * addresses: 4 (home), 5 (outgoing interface) and 7 (temporary) never tell two of our
 * addresses apart, so they are left out. */
#include "stack/addr6_select.h"

#include <string.h>

/* Leading bits a and b share, at most max. */
static int common_prefix(const ipv6_addr *a, const ipv6_addr *b, int max)
{
    int n = 0;
    for (int i = 0; i < 16 && n < max; i++) {
        uint8_t x = (uint8_t)(a->b[i] ^ b->b[i]);
        if (x == 0) {
            n += 8;
            continue;
        }
        while (!(x & 0x80)) {
            x = (uint8_t)(x << 1);
            n++;
        }
        break;
    }
    return n < max ? n : max;
}

int addr6_scope(const ipv6_addr *a)
{
    if (a->b[0] == 0xff)
        return a->b[1] & 0x0f;
    static const uint8_t loopback[16] = {[15] = 1};
    if (memcmp(a->b, loopback, 16) == 0 || (a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0x80))
        return 2;
    if (a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0xc0)
        return 5;
    return 14;
}

int addr6_label(const ipv6_addr *a)
{
    /* 2.1's default table, longest prefix first so the first match is the longest */
    static const struct {
        uint8_t p[16], len, label;
    } t[] = {
        {{[15] = 1}, 128, 0},                /* ::1/128 */
        {{[10] = 0xff, [11] = 0xff}, 96, 4}, /* ::ffff:0:0/96 */
        {{0}, 96, 3},                        /* ::/96 */
        {{0x20, 0x01}, 32, 5},               /* 2001::/32 */
        {{0x20, 0x02}, 16, 2},               /* 2002::/16 */
        {{0x3f, 0xfe}, 16, 12},              /* 3ffe::/16 */
        {{0xfe, 0xc0}, 10, 11},              /* fec0::/10 */
        {{0xfc}, 7, 13},                     /* fc00::/7 */
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        ipv6_addr p;
        memcpy(p.b, t[i].p, 16);
        if (common_prefix(a, &p, t[i].len) == t[i].len)
            return t[i].label;
    }
    return 1; /* ::/0 */
}

/* > 0 when SA is the better source for d, < 0 when SB is, 0 when the rules tie. */
static int compare(const addr6_cand *sa, const addr6_cand *sb, const ipv6_addr *d)
{
    /* Rule 1 */
    if (ipv6_addr_equal(&sa->a, d))
        return 1;
    if (ipv6_addr_equal(&sb->a, d))
        return -1;
    /* Rule 2 */
    int ssa = addr6_scope(&sa->a), ssb = addr6_scope(&sb->a), sd = addr6_scope(d);
    if (ssa < ssb)
        return ssa < sd ? -1 : 1;
    if (ssb < ssa)
        return ssb < sd ? 1 : -1;
    /* Rule 3 */
    if (sa->deprecated != sb->deprecated)
        return sa->deprecated ? -1 : 1;
    /* Rule 6 */
    int ld = addr6_label(d), la = addr6_label(&sa->a) == ld, lb = addr6_label(&sb->a) == ld;
    if (la != lb)
        return la ? 1 : -1;
    /* Rule 8 */
    int pa = common_prefix(&sa->a, d, sa->prefix_len ? sa->prefix_len : 64);
    int pb = common_prefix(&sb->a, d, sb->prefix_len ? sb->prefix_len : 64);
    return pa - pb;
}

int addr6_select(const addr6_cand *c, size_t n, const ipv6_addr *dst)
{
    int best = n ? 0 : -1;
    for (size_t i = 1; i < n; i++)
        if (compare(&c[i], &c[best], dst) > 0)
            best = (int)i;
    return best;
}
