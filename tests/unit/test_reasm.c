/* SPDX-License-Identifier: MIT */
/* Unit tests for src/stack/reasm.c: IPv4 and IPv6 reassembly, exact rebuilt headers,
 * RFC 5722 overlaps, RFC 6946 atomic fragments, bounds (table, bytes, fragments,
 * 65535), timeouts with the Time Exceeded report, every drop counted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "stack/reasm.h"
#include "synack/alloc.h"
#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"

#define SEC 1000000ull

static uint8_t payload[70000];
static uint8_t out[70000];

static void fill_payload(void)
{
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)(i * 7 + 3);
}

static reasm *new_reasm(uint32_t dgrams, uint32_t bytes, uint16_t frags)
{
    reasm_config cfg;
    reasm_config_default(&cfg);
    if (dgrams)
        cfg.max_datagrams = dgrams;
    if (bytes)
        cfg.max_bytes = bytes;
    if (frags)
        cfg.max_frags = frags;
    reasm *r = malloc(sizeof *r);
    assert_non_null(r);
    assert_int_equal(reasm_init(r, &cfg, synack_allocator_libc()), 0);
    fill_payload();
    return r;
}

static void free_reasm(reasm *r)
{
    reasm_destroy(r);
    free(r);
}

/* An IPv4 fragment of payload[off, off + n) with id and MF, parsed into f. */
typedef struct v4frag {
    uint8_t b[1600];
    reasm_frag f;
} v4frag;

static void v4(v4frag *v, uint16_t id, uint32_t off, size_t n, int more, uint32_t src)
{
    ipv4_hdr h = {.id = id, .ttl = 64, .proto = 6, .src = src, .dst = 0xc0000202u};
    h.frag = (uint16_t)((off / 8) | (more ? IPV4_FLAG_MF : 0));
    assert_int_equal(ipv4_emit(v->b, sizeof v->b, &h, n), 20);
    memcpy(v->b + 20, payload + off, n);
    ipv4_hdr p;
    assert_int_equal(ipv4_parse(v->b, 20 + n, &p), off == 0 && !more ? WIRE_OK : WIRE_FRAGMENT);
    assert_int_equal(p.payload_len, n);
    reasm_frag_ipv4(&v->f, v->b, &p);
}

static reasm_result in(reasm *r, const reasm_frag *f, uint64_t now, size_t *len)
{
    return reasm_input(r, f, now, out, sizeof out, len);
}

static void test_v4_in_and_out_of_order(void **state)
{
    (void)state;
    reasm *r = new_reasm(0, 0, 0);
    v4frag a, b, c;
    size_t len;
    v4(&a, 7, 0, 1480, 1, 0xc0000201u);
    v4(&b, 7, 1480, 1480, 1, 0xc0000201u);
    v4(&c, 7, 2960, 40, 0, 0xc0000201u);
    assert_int_equal(in(r, &c.f, 0, &len), REASM_HELD);
    assert_int_equal(in(r, &a.f, 1, &len), REASM_HELD);
    assert_int_equal(reasm_count(r), 1);
    assert_int_equal(in(r, &b.f, 2, &len), REASM_DONE);
    assert_int_equal(len, 20 + 3000);
    static const uint8_t want[10] = {0x45, 0, 0x0b, 0xcc, 0, 7, 0, 0, 64, 6};
    assert_memory_equal(out, want, 10);
    assert_int_equal(csum_finish(csum_add(0, out, 20)), 0);
    assert_memory_equal(out + 20, payload, 3000);
    ipv4_hdr h;
    assert_int_equal(ipv4_parse(out, len, &h), WIRE_OK);
    assert_int_equal(reasm_count(r), 0);
    assert_int_equal(r->v4.ReasmReqds, 3);
    assert_int_equal(r->v4.ReasmOKs, 1);
    assert_int_equal(r->v4.ReasmFails, 0);
    assert_int_equal(r->bytes, 0);
    /* Same id from another source is another datagram. */
    v4(&a, 7, 0, 8, 1, 0xc0000201u);
    v4(&b, 7, 8, 8, 0, 0xc0000209u);
    assert_int_equal(in(r, &a.f, 3, &len), REASM_HELD);
    assert_int_equal(in(r, &b.f, 3, &len), REASM_HELD);
    assert_int_equal(reasm_count(r), 2);
    free_reasm(r);
}

static void test_v4_overlap_and_duplicate(void **state)
{
    (void)state;
    reasm *r = new_reasm(0, 0, 0);
    v4frag a, b, c;
    size_t len;
    v4(&a, 9, 0, 16, 1, 1);
    v4(&b, 9, 8, 16, 1, 1); /* overlaps a by 8 */
    assert_int_equal(in(r, &a.f, 0, &len), REASM_HELD);
    assert_int_equal(in(r, &b.f, 0, &len), REASM_DROPPED);
    assert_int_equal(reasm_count(r), 0); /* the whole datagram went */
    assert_int_equal(r->v4.ReasmOverlaps, 1);
    assert_int_equal(r->v4.ReasmFails, 1);
    assert_int_equal(r->bytes, 0);
    /* An exact duplicate is dropped alone; the datagram completes. */
    v4(&c, 9, 16, 8, 0, 1);
    assert_int_equal(in(r, &a.f, 1, &len), REASM_HELD);
    assert_int_equal(in(r, &a.f, 1, &len), REASM_DROPPED);
    assert_int_equal(r->v4.ReasmDups, 1);
    assert_int_equal(reasm_count(r), 1);
    v4(&b, 9, 16, 8, 0, 1);
    assert_int_equal(in(r, &b.f, 1, &len), REASM_DONE);
    assert_int_equal(len, 44);
    assert_memory_equal(out + 20, payload, 24);
    assert_int_equal(r->v4.ReasmFails, 2);
    assert_int_equal(r->v4.ReasmOKs, 1);
    free_reasm(r);
}

static void test_v4_inconsistent_end(void **state)
{
    (void)state;
    reasm *r = new_reasm(0, 0, 0);
    v4frag a, b;
    size_t len;
    v4(&a, 3, 16, 8, 0, 1); /* says the datagram ends at 24 */
    v4(&b, 3, 24, 8, 1, 1); /* data past that end */
    assert_int_equal(in(r, &a.f, 0, &len), REASM_HELD);
    assert_int_equal(in(r, &b.f, 0, &len), REASM_DROPPED);
    assert_int_equal(reasm_count(r), 0);
    assert_int_equal(in(r, &b.f, 0, &len), REASM_HELD);
    assert_int_equal(in(r, &a.f, 0, &len), REASM_DROPPED); /* a last fragment before held data */
    assert_int_equal(r->v4.ReasmOverlaps, 2);
    v4(&a, 3, 16, 8, 0, 1);
    v4(&b, 3, 16, 16, 0, 1);
    assert_int_equal(in(r, &a.f, 0, &len), REASM_HELD);
    assert_int_equal(in(r, &b.f, 0, &len), REASM_DROPPED); /* two different ends */
    assert_int_equal(r->v4.ReasmFails, 3);
    free_reasm(r);
}

static void test_bad_lengths(void **state)
{
    (void)state;
    reasm *r = new_reasm(0, 0, 0);
    v4frag a;
    size_t len;
    v4(&a, 1, 0, 12, 1, 1); /* M set, not a multiple of 8 */
    assert_int_equal(in(r, &a.f, 0, &len), REASM_DROPPED);
    v4(&a, 1, 8, 0, 0, 1); /* empty */
    assert_int_equal(in(r, &a.f, 0, &len), REASM_DROPPED);
    v4(&a, 1, 65528, 8, 0, 1); /* 20 + 65536 */
    assert_int_equal(in(r, &a.f, 0, &len), REASM_DROPPED);
    assert_int_equal(r->v4.ReasmTooBig, 3);
    assert_int_equal(r->v4.ReasmFails, 3);
    assert_int_equal(reasm_count(r), 0);
    /* Atomic: offset 0 without MF is processed at once, no state. */
    v4(&a, 1, 0, 8, 0, 1);
    assert_int_equal(in(r, &a.f, 0, &len), REASM_ATOMIC);
    assert_int_equal(reasm_count(r), 0);
    /* The largest datagram fits exactly; one byte less of buffer drops it. */
    v4frag *big = malloc(sizeof *big);
    assert_non_null(big);
    reasm_config cfg;
    reasm_config_default(&cfg);
    uint32_t off = 0;
    size_t total = 65535 - 20;
    reasm_result res = REASM_HELD;
    while (off < total) {
        size_t n = total - off > 1480 ? 1480 : total - off;
        v4(big, 2, off, n, off + n < total, 1);
        res = reasm_input(r, &big->f, 0, out, 65534, &len);
        off += (uint32_t)n;
    }
    assert_int_equal(res, REASM_DROPPED);
    assert_int_equal(r->v4.ReasmTooBig, 4);
    off = 0;
    while (off < total) {
        size_t n = total - off > 1480 ? 1480 : total - off;
        v4(big, 2, off, n, off + n < total, 1);
        res = reasm_input(r, &big->f, 0, out, 65535, &len);
        off += (uint32_t)n;
    }
    assert_int_equal(res, REASM_DONE);
    assert_int_equal(len, 65535);
    assert_memory_equal(out + 20, payload, total);
    free(big);
    free_reasm(r);
}

static void test_bounds(void **state)
{
    (void)state;
    v4frag a;
    size_t len;
    /* Table full: a third datagram is refused; the first two stay. */
    reasm *r = new_reasm(2, 0, 0);
    for (uint16_t id = 0; id < 3; id++) {
        v4(&a, id, 8, 8, 1, 1);
        assert_int_equal(in(r, &a.f, 0, &len), id < 2 ? REASM_HELD : REASM_DROPPED);
    }
    assert_int_equal(r->v4.ReasmNoSpace, 1);
    assert_int_equal(reasm_count(r), 2);
    free_reasm(r);
    /* Byte budget: fragments are charged with their bookkeeping. */
    r = new_reasm(0, 2000, 0);
    v4(&a, 1, 0, 1480, 1, 1);
    assert_int_equal(in(r, &a.f, 0, &len), REASM_HELD);
    v4(&a, 1, 1480, 1000, 1, 1);
    assert_int_equal(in(r, &a.f, 0, &len), REASM_DROPPED);
    assert_int_equal(r->v4.ReasmNoSpace, 1);
    assert_int_equal(reasm_count(r), 1);
    assert_true(r->bytes <= 2000);
    /* A new datagram refused for space leaves no slot behind. */
    v4(&a, 2, 8, 1000, 1, 1);
    assert_int_equal(in(r, &a.f, 0, &len), REASM_DROPPED);
    assert_int_equal(reasm_count(r), 1);
    free_reasm(r);
    /* Tiny fragments: the fourth of at most three ends the datagram. */
    r = new_reasm(0, 0, 3);
    for (uint32_t i = 0; i < 4; i++) {
        v4(&a, 5, 8 + 8 * i, 8, 1, 1);
        assert_int_equal(in(r, &a.f, 0, &len), i < 3 ? REASM_HELD : REASM_DROPPED);
    }
    assert_int_equal(r->v4.ReasmTooMany, 1);
    assert_int_equal(reasm_count(r), 0);
    assert_int_equal(r->bytes, 0);
    free_reasm(r);
}

/* An IPv6 fragment: fixed header, Hop-by-Hop (8, PadN), Fragment, payload[off, off + n). */
typedef struct v6frag {
    uint8_t b[1600];
    size_t len;
    reasm_frag f;
} v6frag;

static const ipv6_addr S6 = {{0x20, 0x01, 0x0d, 0xb8, [15] = 1}};
static const ipv6_addr D6 = {{0x20, 0x01, 0x0d, 0xb8, [15] = 2}};

static void v6(v6frag *v, uint32_t id, uint16_t off, size_t n, int more)
{
    ipv6_hdr h = {.next = IP_PROTO_HOPOPTS, .hop_limit = 64, .src = S6, .dst = D6};
    ipv6_emit(v->b, sizeof v->b, &h, 16 + n);
    static const uint8_t hbh[8] = {IP_PROTO_FRAGMENT, 0, 1, 4, 0, 0, 0, 0};
    memcpy(v->b + 40, hbh, 8);
    ipv6_frag_emit(v->b + 48, 8, 6, off, more, id);
    memcpy(v->b + 56, payload + off, n);
    v->len = 56 + n;
    ipv6_chain c;
    ipv6_walk(v->b, v->len, 0, NULL, &c);
    if (off == 0 && !more) {
        assert_int_equal(c.verdict, IPV6_WALK_UPPER);
        assert_int_equal(c.atomic, 1);
    } else {
        assert_int_equal(c.verdict, IPV6_WALK_FRAGMENT);
    }
    reasm_frag_ipv6(&v->f, v->b, v->len, &c);
}

static void test_v6_reassembly(void **state)
{
    (void)state;
    reasm *r = new_reasm(0, 0, 0);
    v6frag a, b;
    size_t len;
    v6(&a, 0xabcdef01u, 0, 1232, 1);
    v6(&b, 0xabcdef01u, 1232, 100, 0);
    assert_int_equal(in(r, &b.f, 0, &len), REASM_HELD);
    assert_int_equal(in(r, &a.f, 0, &len), REASM_DONE);
    assert_int_equal(len, 48 + 1332);
    /* Fixed header with the payload length of HBH + data; the HBH now names TCP. */
    assert_int_equal(rd16(out + 4), 8 + 1332);
    assert_int_equal(out[6], IP_PROTO_HOPOPTS);
    assert_int_equal(out[40], 6);
    assert_memory_equal(out + 8, S6.b, 16);
    assert_memory_equal(out + 48, payload, 1332);
    ipv6_chain c;
    ipv6_walk(out, len, 0, NULL, &c);
    assert_int_equal(c.verdict, IPV6_WALK_UPPER);
    assert_int_equal(c.proto, 6);
    assert_int_equal(c.offset, 48);
    assert_int_equal(r->v6.ReasmOKs, 1);
    assert_int_equal(r->v6.ReasmReqds, 2);
    assert_int_equal(r->v4.ReasmReqds, 0);
    /* Atomic fragment (RFC 6946): no state. */
    v6(&a, 5, 0, 40, 0);
    assert_int_equal(in(r, &a.f, 0, &len), REASM_ATOMIC);
    assert_int_equal(reasm_count(r), 0);
    /* Overlap (RFC 5722): the datagram goes. */
    v6(&a, 6, 0, 64, 1);
    v6(&b, 6, 56, 8, 0);
    assert_int_equal(in(r, &a.f, 0, &len), REASM_HELD);
    assert_int_equal(in(r, &b.f, 0, &len), REASM_DROPPED);
    assert_int_equal(r->v6.ReasmOverlaps, 1);
    assert_int_equal(reasm_count(r), 0);
    free_reasm(r);
}

typedef struct expired {
    int calls;
    uint8_t family;
    uint8_t first[1300];
    size_t len;
} expired;

static void on_expired(void *ctx, uint8_t family, const uint8_t *first, size_t len)
{
    expired *e = ctx;
    e->calls++;
    e->family = family;
    memcpy(e->first, first, len);
    e->len = len;
}

static void test_timeouts(void **state)
{
    (void)state;
    reasm *r = new_reasm(0, 0, 0);
    v6frag a;
    v4frag b, c;
    size_t len;
    uint8_t scratch[1232];
    expired e = {0};
    v6(&a, 1, 0, 1232, 1);
    assert_int_equal(in(r, &a.f, 10, &len), REASM_HELD);
    v4(&b, 1, 0, 64, 1, 1);
    assert_int_equal(in(r, &b.f, 20, &len), REASM_HELD);
    v4(&c, 2, 64, 64, 1, 1); /* no first fragment: expires without a report */
    assert_int_equal(in(r, &c.f, 20, &len), REASM_HELD);
    assert_int_equal(reasm_poll(r, 20, scratch, sizeof scratch, on_expired, &e), 20 + 30 * SEC);
    assert_int_equal(reasm_poll(r, 20 + 30 * SEC, scratch, sizeof scratch, on_expired, &e),
                     10 + 60 * SEC);
    assert_int_equal(e.calls, 1);
    assert_int_equal(e.family, REASM_V4);
    assert_int_equal(e.len, 84);
    assert_memory_equal(e.first, b.b, 84);
    assert_int_equal(r->v4.ReasmTimeout, 2);
    assert_int_equal(r->v4.ReasmFails, 2);
    assert_int_equal(reasm_poll(r, 10 + 60 * SEC, scratch, sizeof scratch, on_expired, &e),
                     UINT64_MAX);
    assert_int_equal(e.calls, 2);
    assert_int_equal(e.family, REASM_V6);
    /* The quote is the first fragment as it came, cut to the caller's buffer. */
    assert_int_equal(e.len, sizeof scratch);
    assert_memory_equal(e.first, a.b, sizeof scratch);
    assert_int_equal(r->v6.ReasmTimeout, 1);
    assert_int_equal(reasm_count(r), 0);
    assert_int_equal(r->bytes, 0);
    /* An overdue datagram met by input before any poll is timed out, then begun anew. */
    v4(&b, 3, 0, 64, 1, 1);
    assert_int_equal(in(r, &b.f, 0, &len), REASM_HELD);
    v4(&c, 3, 64, 8, 0, 1);
    assert_int_equal(in(r, &c.f, 31 * SEC, &len), REASM_HELD);
    assert_int_equal(r->v4.ReasmTimeout, 3);
    assert_int_equal(reasm_count(r), 1);
    free_reasm(r);
}

static void test_init_refuses_zero(void **state)
{
    (void)state;
    reasm r;
    reasm_config cfg;
    reasm_config_default(&cfg);
    cfg.max_datagrams = 0;
    assert_int_equal(reasm_init(&r, &cfg, synack_allocator_libc()), -22);
    reasm_config_default(&cfg);
    assert_int_equal(reasm_init(&r, &cfg, NULL), -22);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v4_in_and_out_of_order),
        cmocka_unit_test(test_v4_overlap_and_duplicate),
        cmocka_unit_test(test_v4_inconsistent_end),
        cmocka_unit_test(test_bad_lengths),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_v6_reassembly),
        cmocka_unit_test(test_timeouts),
        cmocka_unit_test(test_init_refuses_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
