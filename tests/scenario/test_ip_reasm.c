/* SPDX-License-Identifier: MIT */
/* IPv4 fragments reaching the stack (src/stack/ip_frag.c over src/stack/reasm.c): a TCP
 * segment cut into fragments is delivered whatever their order (RFC 791 3.2); overlapping
 * fragments discard the datagram (RFC 5722, as Linux does for IPv4); a datagram that runs
 * out of time is freed and, when its first fragment came, answered with ICMP Time
 * Exceeded code 1 (RFC 792, RFC 1122 3.3.2); a flood of first fragments stays within the
 * configured bounds, every drop counted; the reassembly state is freed when idle. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/fixture.h"
#include "support/seghost.h"
#include "wire/checksum.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"

#define DATA_LEN 1000
#define SEG_LEN (IPV4_HDR_LEN + TCP_HDR_LEN + DATA_LEN)
#define TIMEOUT_US 30000000ull

typedef struct fixture {
    seghost h;
    int s;
    uint32_t siss;
    size_t mem0; /* synack_mem_in_use once established, before any fragment */
    uint8_t seg[SEG_LEN];
    uint8_t data[DATA_LEN];
} fixture;

static void setup(fixture *f, const synack_config *cfg)
{
    f->s = fx_sh_established(&f->h, cfg, &f->siss);
    for (size_t i = 0; i < DATA_LEN; i++)
        f->data[i] = (uint8_t)(i * 7 + 3);
    /* One whole segment first, read, so that the receive ring is there before the
     * fragments come and the memory measured afterwards is reassembly's alone. */
    uint8_t buf[DATA_LEN];
    assert_int_equal(sh_send(&f->h, FX_PEER_PORT, FX_PORT, FX_PEER_ISS + 1, f->siss + 1,
                             TCP_ACK | TCP_PSH, 65535, f->data, DATA_LEN, NULL),
                     0);
    assert_int_equal(synack_recv(f->h.st, f->s, buf, sizeof(buf), 0), DATA_LEN);
    sh_run_for(&f->h, 2 * TIMEOUT_US); /* its ACK sent, idle memory given back */
    size_t n = seg_build(f->seg, sizeof(f->seg), SH_PEER, SH_ADDR, FX_PEER_PORT, FX_PORT,
                         FX_PEER_ISS + 1 + DATA_LEN, f->siss + 1, TCP_ACK | TCP_PSH, 65535, f->data,
                         DATA_LEN, NULL);
    assert_int_equal(n, SEG_LEN);
    f->mem0 = synack_mem_in_use(f->h.st);
}

/* Writes the fragment of datagram d (IPv4 header of 20 bytes) holding payload bytes
 * [off, off + len) with identification id into out; returns its length. */
static size_t fragment(const uint8_t *d, size_t off, size_t len, int more, uint16_t id,
                       uint8_t *out)
{
    memcpy(out, d, IPV4_HDR_LEN);
    memcpy(out + IPV4_HDR_LEN, d + IPV4_HDR_LEN + off, len);
    size_t total = IPV4_HDR_LEN + len;
    uint16_t frag = (uint16_t)((more ? IPV4_FLAG_MF : 0) | (off / 8));
    out[2] = (uint8_t)(total >> 8);
    out[3] = (uint8_t)total;
    out[4] = (uint8_t)(id >> 8);
    out[5] = (uint8_t)id;
    out[6] = (uint8_t)(frag >> 8);
    out[7] = (uint8_t)frag;
    out[10] = out[11] = 0;
    uint16_t c = csum_finish(csum_add(0, out, IPV4_HDR_LEN));
    out[10] = (uint8_t)(c >> 8);
    out[11] = (uint8_t)c;
    return total;
}

/* Sends fragment [off, off + len) of the fixture's segment; returns synack_input's result. */
static int send_frag(fixture *f, size_t off, size_t len, int more, uint16_t id)
{
    uint8_t frame[SEG_LEN];
    size_t n = fragment(f->seg, off, len, more, id, frame);
    return synack_input(f->h.st, f->h.now, frame, n);
}

static uint64_t ctr(const fixture *f, synack_counter c)
{
    return synack_counter_get(f->h.st, c);
}

/* The segment's 1000 bytes arrived in one piece and were acknowledged. */
static void assert_delivered(fixture *f)
{
    uint8_t buf[2 * DATA_LEN];
    assert_int_equal(synack_recv(f->h.st, f->s, buf, sizeof(buf), 0), DATA_LEN);
    assert_memory_equal(buf, f->data, DATA_LEN);
    sh_run_for(&f->h, 200000);
    const sh_seg *a = sh_last(&f->h);
    assert_int_equal(a->s.flags, TCP_ACK);
    assert_int_equal(a->s.ack, FX_PEER_ISS + 1 + 2 * DATA_LEN);
    assert_int_equal(ctr(f, SYNACK_CTR_ReasmOKs), 1);
    assert_int_equal(ctr(f, SYNACK_CTR_ReasmFails), 0);
    sh_run_for(&f->h, 2 * TIMEOUT_US); /* the receive ring given back as in setup */
    assert_int_equal(synack_mem_in_use(f->h.st), f->mem0); /* reassembly's state went too */
}

/* The IP payload is 1020 bytes: [0, 400), [400, 800), [800, 1020). */
static void test_three_fragments_in_order(void **state)
{
    (void)state;
    fixture f;
    setup(&f, NULL);
    uint64_t rx = ctr(&f, SYNACK_CTR_InReceives);
    assert_int_equal(send_frag(&f, 0, 400, 1, 7), 0);
    assert_int_equal(send_frag(&f, 400, 400, 1, 7), 0);
    assert_true(synack_mem_in_use(f.h.st) > f.mem0);
    uint8_t buf[16];
    assert_int_equal(synack_recv(f.h.st, f.s, buf, sizeof(buf), 0), -EAGAIN);
    assert_int_equal(send_frag(&f, 800, 220, 0, 7), 0);
    assert_int_equal(ctr(&f, SYNACK_CTR_ReasmReqds), 3);
    /* Three frames received; the reassembled datagram is not a fourth. */
    assert_int_equal(ctr(&f, SYNACK_CTR_InReceives), rx + 3);
    assert_delivered(&f);
    sh_free(&f.h);
}

static void test_three_fragments_out_of_order(void **state)
{
    (void)state;
    fixture f;
    setup(&f, NULL);
    assert_int_equal(send_frag(&f, 800, 220, 0, 9), 0);
    assert_int_equal(send_frag(&f, 0, 400, 1, 9), 0);
    assert_int_equal(send_frag(&f, 400, 400, 1, 9), 0);
    assert_int_equal(ctr(&f, SYNACK_CTR_ReasmReqds), 3);
    assert_delivered(&f);
    sh_free(&f.h);
}

static void test_two_fragments_last_first(void **state)
{
    (void)state;
    fixture f;
    setup(&f, NULL);
    assert_int_equal(send_frag(&f, 512, 508, 0, 11), 0);
    assert_int_equal(send_frag(&f, 0, 512, 1, 11), 0);
    assert_int_equal(ctr(&f, SYNACK_CTR_ReasmReqds), 2);
    assert_delivered(&f);
    sh_free(&f.h);
}

static void test_overlap_drops_the_datagram(void **state)
{
    (void)state;
    fixture f;
    setup(&f, NULL);
    assert_int_equal(send_frag(&f, 0, 400, 1, 13), 0);
    /* [392, 800) overlaps [0, 400) by 8 bytes: RFC 5722, the whole datagram goes. */
    assert_int_equal(send_frag(&f, 392, 408, 1, 13), -EINVAL);
    assert_int_equal(ctr(&f, SYNACK_CTR_ReasmOverlaps), 1);
    assert_int_equal(ctr(&f, SYNACK_CTR_ReasmFails), 1);
    assert_int_equal(synack_mem_in_use(f.h.st), f.mem0);
    /* The rest of it alone is no datagram: held, then expires (no first fragment now,
     * so no Time Exceeded). */
    assert_int_equal(send_frag(&f, 800, 220, 0, 13), 0);
    size_t icmp = f.h.bad_frames;
    sh_run_for(&f.h, TIMEOUT_US);
    assert_int_equal(ctr(&f, SYNACK_CTR_ReasmTimeout), 1);
    assert_int_equal(ctr(&f, SYNACK_CTR_ReasmFails), 2);
    assert_int_equal(ctr(&f, SYNACK_CTR_OutTimeExcds), 0);
    assert_int_equal(f.h.bad_frames, icmp);
    assert_int_equal(ctr(&f, SYNACK_CTR_ReasmOKs), 0);
    uint8_t buf[16];
    assert_int_equal(synack_recv(f.h.st, f.s, buf, sizeof(buf), 0), -EAGAIN);
    assert_int_equal(synack_mem_in_use(f.h.st), f.mem0);
    sh_free(&f.h);
}

static void test_timeout_sends_time_exceeded(void **state)
{
    (void)state;
    fixture f;
    setup(&f, NULL);
    uint64_t t0 = f.h.now;
    uint8_t first[SEG_LEN];
    size_t n = fragment(f.seg, 0, 400, 1, 21, first);
    assert_int_equal(synack_input(f.h.st, t0, first, n), 0);
    assert_int_equal(send_frag(&f, 800, 220, 0, 21), 0);
    /* The deadline is part of the stack's, so a sans-I/O host polls in time. */
    assert_true(synack_next_deadline(f.h.st) <= t0 + TIMEOUT_US);
    size_t icmp = f.h.bad_frames;
    sh_run_until(&f.h, t0 + TIMEOUT_US - 1);
    assert_int_equal(f.h.bad_frames, icmp);
    assert_true(synack_mem_in_use(f.h.st) > f.mem0);
    sh_run_until(&f.h, t0 + TIMEOUT_US);
    assert_int_equal(f.h.bad_frames, icmp + 1);
    assert_int_equal(ctr(&f, SYNACK_CTR_ReasmTimeout), 1);
    assert_int_equal(ctr(&f, SYNACK_CTR_ReasmFails), 1);
    assert_int_equal(ctr(&f, SYNACK_CTR_OutTimeExcds), 1);
    assert_int_equal(synack_mem_in_use(f.h.st), f.mem0);

    /* The message: an IPv4 header to the sender, then type 11 code 1, unused zero, and
     * the first fragment's header as it came with the first 8 bytes of its data. */
    ipv4_hdr ip;
    assert_int_equal(ipv4_parse(f.h.other, f.h.other_len, &ip), WIRE_OK);
    assert_int_equal(ip.proto, IP_PROTO_ICMP);
    assert_int_equal(ip.src, SH_ADDR);
    assert_int_equal(ip.dst, SH_PEER);
    uint8_t want[ICMP_HDR_LEN + IPV4_HDR_LEN + 8] = {ICMP_TIME_EXCEEDED, 1, 0, 0, 0, 0, 0, 0};
    memcpy(want + ICMP_HDR_LEN, first, IPV4_HDR_LEN + 8);
    uint16_t c = csum_finish(csum_add(0, want, sizeof(want)));
    want[2] = (uint8_t)(c >> 8);
    want[3] = (uint8_t)c;
    assert_int_equal(ip.payload_len, sizeof(want));
    assert_memory_equal(ip.payload, want, sizeof(want));
    sh_free(&f.h);
}

/* Many first fragments of distinct datagrams, none ever completed. */
static void flood(fixture *f, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        send_frag(f, 0, 400, 1, (uint16_t)(1000 + i));
}

static void test_flood_bounded_by_datagrams(void **state)
{
    (void)state;
    fixture f;
    setup(&f, NULL); /* 64 datagrams, 256 KiB */
    flood(&f, 1000);
    assert_int_equal(ctr(&f, SYNACK_CTR_ReasmReqds), 1000);
    assert_int_equal(ctr(&f, SYNACK_CTR_ReasmFails), 1000 - 64);
    /* Held: 64 fragments of 420 bytes and bookkeeping, the slot table, one output buffer. */
    assert_true(synack_mem_high_water(f.h.st) - f.mem0 < 64 * 512 + 65536 + 64 * 128);
    sh_run_for(&f.h, TIMEOUT_US);
    assert_int_equal(ctr(&f, SYNACK_CTR_ReasmTimeout), 64);
    assert_int_equal(ctr(&f, SYNACK_CTR_OutTimeExcds), 64);
    assert_int_equal(synack_mem_in_use(f.h.st), f.mem0);
    sh_free(&f.h);
}

static void test_flood_bounded_by_bytes(void **state)
{
    (void)state;
    fixture f;
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.reasm_max_datagrams = 1024;
    cfg.reasm_max_bytes = 16384;
    setup(&f, &cfg);
    flood(&f, 1000);
    uint64_t fails = ctr(&f, SYNACK_CTR_ReasmFails);
    /* Each fragment costs its 400 bytes, its 20-byte header and its bookkeeping. */
    assert_true(fails >= 1000 - 16384 / 420 && fails < 1000 - 16384 / 512);
    assert_true(synack_mem_high_water(f.h.st) - f.mem0 < 16384 + 65536 + 1024 * 128);
    sh_run_for(&f.h, TIMEOUT_US);
    assert_int_equal(ctr(&f, SYNACK_CTR_ReasmTimeout), 1000 - fails);
    assert_int_equal(synack_mem_in_use(f.h.st), f.mem0);
    sh_free(&f.h);
}

static void test_reassembly_off(void **state)
{
    (void)state;
    fixture f;
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.reasm_max_datagrams = 0;
    setup(&f, &cfg);
    assert_int_equal(send_frag(&f, 0, 400, 1, 5), -EINVAL);
    assert_int_equal(ctr(&f, SYNACK_CTR_ReasmReqds), 1);
    assert_int_equal(ctr(&f, SYNACK_CTR_ReasmFails), 1);
    assert_int_equal(synack_mem_in_use(f.h.st), f.mem0);
    sh_free(&f.h);
}

static int no_output(void *ctx, const uint8_t *frame, size_t len)
{
    (void)ctx;
    (void)frame;
    (void)len;
    return 0;
}

static void base_config(synack_config *cfg)
{
    synack_config_default(cfg);
    cfg->netif.addr = SH_ADDR;
    cfg->netif.output = no_output;
}

static void test_config_bounds_named(void **state)
{
    (void)state;
    synack_config cfg;
    const char *field = NULL;
    base_config(&cfg);
    assert_int_equal(synack_config_check(&cfg, &field), 0);
    base_config(&cfg);
    cfg.reasm_max_bytes = 0;
    assert_int_equal(synack_config_check(&cfg, &field), -EINVAL);
    assert_string_equal(field, "reasm_max_bytes");
    base_config(&cfg);
    cfg.reasm_max_frags = 8193;
    assert_int_equal(synack_config_check(&cfg, &field), -EINVAL);
    assert_string_equal(field, "reasm_max_frags");
    base_config(&cfg);
    cfg.reasm_max_datagrams = 4097;
    assert_int_equal(synack_config_check(&cfg, &field), -EINVAL);
    assert_string_equal(field, "reasm_max_datagrams");
    base_config(&cfg);
    cfg.reasm_timeout_us = 0;
    assert_int_equal(synack_config_check(&cfg, &field), -EINVAL);
    assert_string_equal(field, "reasm_timeout_us");
    base_config(&cfg);
    cfg.pmtu_cache_size = 4097;
    assert_int_equal(synack_config_check(&cfg, &field), -EINVAL);
    assert_string_equal(field, "pmtu_cache_size");
    base_config(&cfg);
    cfg.pmtu_expire_us = 0;
    assert_int_equal(synack_config_check(&cfg, &field), -EINVAL);
    assert_string_equal(field, "pmtu_expire_us");
    base_config(&cfg);
    assert_int_equal(cfg.reasm_max_datagrams, 64);
    assert_int_equal(cfg.reasm_max_bytes, 256 * 1024);
    assert_int_equal(cfg.reasm_max_frags, 64);
    assert_int_equal(cfg.reasm_timeout_us, TIMEOUT_US);
    assert_int_equal(cfg.pmtu_cache_size, 64);
    assert_int_equal(cfg.pmtu_expire_us, 600000000ull);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_three_fragments_in_order),
        cmocka_unit_test(test_three_fragments_out_of_order),
        cmocka_unit_test(test_two_fragments_last_first),
        cmocka_unit_test(test_overlap_drops_the_datagram),
        cmocka_unit_test(test_timeout_sends_time_exceeded),
        cmocka_unit_test(test_flood_bounded_by_datagrams),
        cmocka_unit_test(test_flood_bounded_by_bytes),
        cmocka_unit_test(test_reassembly_off),
        cmocka_unit_test(test_config_bounds_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
