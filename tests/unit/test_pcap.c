/* SPDX-License-Identifier: MIT */
/* Unit tests for src/host/pcap.c: write captures, read the bytes back. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "synack/pcap.h"

static uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t get_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

/* Reads a whole file into a malloc'd buffer. */
static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    assert_non_null(buf);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        if (got == 0)
            break;
        n += got;
    }
    fclose(f);
    *len = n;
    return buf;
}

/* A fresh temporary path (the file exists, empty). */
static void temp_path(char path[64])
{
    snprintf(path, 64, "/tmp/synack_test_pcap_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
}

/* RFC 1071 Internet checksum over a buffer, with a starting partial sum. */
static uint16_t inet_csum(const uint8_t *p, size_t n, uint32_t sum)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        sum += (uint32_t)p[n - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* An Ethernet + IPv4 + TCP SYN from 192.0.2.1:49152 to 192.0.2.2:80 with
 * correct checksums, so tshark shows it as a clean packet. Returns 54. */
static size_t build_syn(uint8_t f[54], uint32_t seq)
{
    static const uint8_t eth[14] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00};
    memcpy(f, eth, sizeof eth);
    uint8_t *ip = f + 14, *tcp = f + 34;
    memset(ip, 0, 40);
    ip[0] = 0x45;
    ip[3] = 40; /* total length */
    ip[8] = 64; /* TTL */
    ip[9] = 6;  /* TCP */
    const uint8_t src[4] = {192, 0, 2, 1}, dst[4] = {192, 0, 2, 2};
    memcpy(ip + 12, src, 4);
    memcpy(ip + 16, dst, 4);
    uint16_t c = inet_csum(ip, 20, 0);
    ip[10] = (uint8_t)(c >> 8);
    ip[11] = (uint8_t)c;
    tcp[0] = 0xc0; /* 49152 */
    tcp[3] = 80;
    tcp[4] = (uint8_t)(seq >> 24);
    tcp[5] = (uint8_t)(seq >> 16);
    tcp[6] = (uint8_t)(seq >> 8);
    tcp[7] = (uint8_t)seq;
    tcp[12] = 5 << 4; /* data offset */
    tcp[13] = 0x02;   /* SYN */
    tcp[14] = 0xff;   /* window 65535 */
    tcp[15] = 0xff;
    /* Pseudo-header: addresses, protocol, TCP length (RFC 9293 3.1). */
    uint32_t sum = (192 << 8 | 0) + (2 << 8 | 1) + (192 << 8 | 0) + (2 << 8 | 2) + 6 + 20;
    c = inet_csum(tcp, 20, sum);
    tcp[16] = (uint8_t)(c >> 8);
    tcp[17] = (uint8_t)c;
    return 54;
}

static void test_two_frames_round_trip(void **state)
{
    (void)state;
    char path[64];
    temp_path(path);
    uint8_t f1[54], f2[54];
    build_syn(f1, 1000);
    build_syn(f2, 2000);

    synack_pcap *p = synack_pcap_open(path, SYNACK_PCAP_ETHERNET);
    assert_non_null(p);
    assert_int_equal(synack_pcap_write(p, 1500000, f1, sizeof f1), 0);
    assert_int_equal(synack_pcap_write(p, UINT64_C(4000000123456), f2, sizeof f2), 0);
    assert_int_equal(synack_pcap_close(p), 0);

    size_t n;
    uint8_t *b = slurp(path, &n);
    assert_int_equal(n, 24 + 2 * (16 + 54));
    /* Global header, little-endian: d4 c3 b2 a1 02 00 04 00 ... */
    static const uint8_t magic[4] = {0xd4, 0xc3, 0xb2, 0xa1};
    assert_memory_equal(b, magic, 4);
    assert_int_equal(get_le32(b), 0xa1b2c3d4u);
    assert_int_equal(get_le16(b + 4), 2);
    assert_int_equal(get_le16(b + 6), 4);
    assert_int_equal(get_le32(b + 8), 0);
    assert_int_equal(get_le32(b + 12), 0);
    assert_int_equal(get_le32(b + 16), 262144);
    assert_int_equal(get_le32(b + 20), 1);
    /* Record 1 at t = 1.5 s. */
    const uint8_t *r = b + 24;
    assert_int_equal(get_le32(r), 1);
    assert_int_equal(get_le32(r + 4), 500000);
    assert_int_equal(get_le32(r + 8), 54);
    assert_int_equal(get_le32(r + 12), 54);
    assert_memory_equal(r + 16, f1, 54);
    /* Record 2 at t = 4000000.123456 s. */
    r += 16 + 54;
    assert_int_equal(get_le32(r), 4000000);
    assert_int_equal(get_le32(r + 4), 123456);
    assert_int_equal(get_le32(r + 8), 54);
    assert_int_equal(get_le32(r + 12), 54);
    assert_memory_equal(r + 16, f2, 54);
    free(b);
    assert_int_equal(unlink(path), 0);
}

/* Raw IPv4 link type; an empty frame; a frame above the snap length is cut
 * there but keeps its real length. */
static void test_raw_ipv4_empty_and_truncated(void **state)
{
    (void)state;
    char path[64];
    temp_path(path);
    const size_t big = SYNACK_PCAP_SNAPLEN + 100;
    uint8_t *frame = malloc(big);
    assert_non_null(frame);
    for (size_t i = 0; i < big; i++)
        frame[i] = (uint8_t)(i * 7);

    synack_pcap *p = synack_pcap_open(path, SYNACK_PCAP_RAW_IPV4);
    assert_non_null(p);
    assert_int_equal(synack_pcap_write(p, 0, NULL, 0), 0);
    assert_int_equal(synack_pcap_write(p, 999999, frame, big), 0);
    assert_int_equal(synack_pcap_close(p), 0);

    size_t n;
    uint8_t *b = slurp(path, &n);
    assert_int_equal(n, 24 + 16 + 16 + SYNACK_PCAP_SNAPLEN);
    assert_int_equal(get_le32(b + 20), 228);
    const uint8_t *r = b + 24;
    assert_int_equal(get_le32(r), 0);
    assert_int_equal(get_le32(r + 4), 0);
    assert_int_equal(get_le32(r + 8), 0);
    assert_int_equal(get_le32(r + 12), 0);
    r += 16;
    assert_int_equal(get_le32(r), 0);
    assert_int_equal(get_le32(r + 4), 999999);
    assert_int_equal(get_le32(r + 8), SYNACK_PCAP_SNAPLEN);
    assert_int_equal(get_le32(r + 12), big);
    assert_memory_equal(r + 16, frame, SYNACK_PCAP_SNAPLEN);
    free(b);
    free(frame);
    assert_int_equal(unlink(path), 0);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    char path[64];
    temp_path(path);
    synack_pcap *p = synack_pcap_open(path, SYNACK_PCAP_ETHERNET);
    assert_non_null(p);
    uint8_t f[4] = {0};
    assert_int_equal(synack_pcap_write(p, 0, NULL, 4), -EINVAL);
    assert_int_equal(synack_pcap_write(NULL, 0, f, 4), -EINVAL);
    /* 2^32 seconds do not fit the header's seconds field. */
    assert_int_equal(synack_pcap_write(p, UINT64_C(4294967296) * 1000000, f, 4), -ERANGE);
    assert_int_equal(synack_pcap_write(p, UINT64_C(4294967295) * 1000000 + 999999, f, 4), 0);
    /* Rejected calls wrote nothing and do not poison the file. */
    assert_int_equal(synack_pcap_close(p), 0);
    size_t n;
    uint8_t *b = slurp(path, &n);
    assert_int_equal(n, 24 + 16 + 4);
    assert_int_equal(get_le32(b + 24), UINT32_MAX);
    free(b);
    assert_int_equal(synack_pcap_close(NULL), 0);
    assert_int_equal(unlink(path), 0);
}

static void test_open_failure(void **state)
{
    (void)state;
    errno = 0;
    assert_null(synack_pcap_open("/nonexistent-dir/x.pcap", SYNACK_PCAP_ETHERNET));
    assert_int_equal(errno, ENOENT);
    errno = 0;
    assert_null(synack_pcap_open(NULL, SYNACK_PCAP_ETHERNET));
    assert_int_equal(errno, EINVAL);
}

/* A full disk is reported, at the latest by close, never silently lost. */
static void test_write_error_reported(void **state)
{
    (void)state;
    if (access("/dev/full", W_OK) != 0)
        skip();
    uint8_t f[1500] = {0};
    synack_pcap *p = synack_pcap_open("/dev/full", SYNACK_PCAP_ETHERNET);
    assert_non_null(p); /* the header sits in stdio's buffer */
    int first_err = 0;
    for (int i = 0; i < 100 && first_err == 0; i++)
        first_err = synack_pcap_write(p, (uint64_t)i, f, sizeof f);
    assert_int_equal(first_err, -ENOSPC);
    /* Later writes keep failing with the same error, and close reports it. */
    assert_int_equal(synack_pcap_write(p, 1000, f, sizeof f), -ENOSPC);
    assert_int_equal(synack_pcap_close(p), -ENOSPC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_frames_round_trip),
        cmocka_unit_test(test_raw_ipv4_empty_and_truncated),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_open_failure),
        cmocka_unit_test(test_write_error_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
