/* SPDX-License-Identifier: MIT */
/* Unit tests for src/util/siphash.c against the SipHash-2-4 reference vectors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/siphash.h"

/* The 64-bit output table of the reference implementation: key 00 01 .. 0f,
 * message i is the i bytes 00 01 .. (i-1). Entry 15 is the worked example in
 * appendix A of the paper. */
static const uint64_t sip24_vectors[] = {
    UINT64_C(0x726fdb47dd0e0e31), UINT64_C(0x74f839c593dc67fd), UINT64_C(0x0d6c8009d9a94f5a),
    UINT64_C(0x85676696d7fb7e2d), UINT64_C(0xcf2794e0277187b7), UINT64_C(0x18765564cd99a68d),
    UINT64_C(0xcbc9466e58fee3ce), UINT64_C(0xab0200f58b01d137), UINT64_C(0x93f5f5799a932462),
    UINT64_C(0x9e0082df0ba9e4b0), UINT64_C(0x7a5dbbc594ddb9f3), UINT64_C(0xf4b32f46226bada7),
    UINT64_C(0x751e8fbc860ee5fb), UINT64_C(0x14ea5627c0843d90), UINT64_C(0xf723ca908e7af2ee),
    UINT64_C(0xa129ca6149be45e5), UINT64_C(0x3f2acc7f57c29bdb),
};

static void reference_key(uint8_t key[16])
{
    for (unsigned i = 0; i < 16; i++)
        key[i] = (uint8_t)i;
}

static void test_reference_vectors(void **state)
{
    (void)state;
    uint8_t key[16], msg[64];
    reference_key(key);
    for (unsigned i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)i;
    for (size_t n = 0; n < sizeof sip24_vectors / sizeof sip24_vectors[0]; n++)
        assert_int_equal(siphash24(key, msg, n), sip24_vectors[n]);
}

static void test_empty_message_null_pointer(void **state)
{
    (void)state;
    uint8_t key[16];
    reference_key(key);
    assert_int_equal(siphash24(key, NULL, 0), UINT64_C(0x726fdb47dd0e0e31));
}

/* The input is read byte by byte: an odd address gives the same answer. */
static void test_unaligned_input(void **state)
{
    (void)state;
    uint8_t key[16], buf[40];
    reference_key(key);
    for (unsigned i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(i - 1);
    /* buf + 1 holds 00 01 .. 0f. */
    assert_int_equal(siphash24(key, buf + 1, 15), UINT64_C(0xa129ca6149be45e5));
    assert_int_equal(siphash24(key, buf + 1, 16), UINT64_C(0x3f2acc7f57c29bdb));
}

/* Flipping any key bit changes the output: the key is really mixed in. */
static void test_key_sensitivity(void **state)
{
    (void)state;
    uint8_t key[16];
    const uint8_t msg[12] = {192, 0, 2, 1, 192, 0, 2, 2, 0xc0, 0x00, 0x00, 80};
    reference_key(key);
    const uint64_t base = siphash24(key, msg, sizeof msg);
    for (unsigned bit = 0; bit < 128; bit++) {
        key[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_int_not_equal(siphash24(key, msg, sizeof msg), base);
        key[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    assert_int_equal(siphash24(key, msg, sizeof msg), base);
}

/* Messages that differ only by trailing zero bytes hash differently, because
 * the length is part of the final block. */
static void test_length_is_hashed(void **state)
{
    (void)state;
    uint8_t key[16];
    const uint8_t zeros[16] = {0};
    reference_key(key);
    for (size_t a = 0; a < sizeof zeros; a++)
        for (size_t b = a + 1; b <= sizeof zeros; b++)
            assert_int_not_equal(siphash24(key, zeros, a), siphash24(key, zeros, b));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_vectors), cmocka_unit_test(test_empty_message_null_pointer),
        cmocka_unit_test(test_unaligned_input),   cmocka_unit_test(test_key_sensitivity),
        cmocka_unit_test(test_length_is_hashed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
