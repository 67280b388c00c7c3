/* SPDX-License-Identifier: MIT */
/* The versioned config (synack_config.size) and the core's synack_config_init: a program
 * built against an older synack.h gets the defaults of the fields it never heard of; a
 * config that never went through init is refused by name; the core's defaults name no
 * entropy source, so a core-only program is secure or refused. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "stack/config.h"
#include "stack/stack_impl.h"
#include "synack/synack.h"

#define ADDR 0x0a000001u /* 10.0.0.1 */

static int discard(void *ctx, const uint8_t *frame, size_t len)
{
    (void)ctx;
    (void)frame;
    (void)len;
    return 0;
}

static void usable(synack_config *c)
{
    synack_config_init(c);
    c->netif.addr = ADDR;
    c->netif.output = discard;
}

static const char *check(const synack_config *c)
{
    const char *field = NULL;
    int rc = synack_config_check(c, &field);
    assert_int_equal(rc, field ? -EINVAL : 0);
    return field;
}

static void test_init_is_default_without_entropy(void **state)
{
    (void)state;
    synack_config a, b;
    memset(&a, 0xa5, sizeof(a));
    memset(&b, 0x5a, sizeof(b));
    synack_config_init(&a);
    synack_config_default(&b);
    assert_int_equal(a.size, sizeof(synack_config));
    assert_int_equal(b.size, sizeof(synack_config));
    assert_null(a.entropy);
    assert_int_equal(a.deterministic, 0);
    b.entropy = NULL; /* the one field the host library adds */
    assert_memory_equal(&a, &b, sizeof(a));
    synack_config_init(NULL); /* ignored, like synack_config_deterministic(NULL) */
    synack_config_default(NULL);
}

static void test_init_alone_is_refused_until_a_source_is_chosen(void **state)
{
    (void)state;
    synack_config c;
    usable(&c);
    assert_string_equal(check(&c), "entropy");
    assert_null(synack_stack_new(&c));
    synack_config_deterministic(&c, 7);
    assert_null(check(&c));
    synack_stack *st = synack_stack_new(&c);
    assert_non_null(st);
    synack_stack_free(st);
}

static void test_size_must_be_set_and_known(void **state)
{
    (void)state;
    synack_config c;
    usable(&c);
    synack_config_deterministic(&c, 1);
    const uint32_t sizes[] = {0, 4, (uint32_t)CONFIG_SIZE_MIN - 1,
                              (uint32_t)sizeof(synack_config) + 1, UINT32_MAX};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        c.size = sizes[i];
        assert_string_equal(check(&c), "size");
        synack_stack *st = (synack_stack *)&c; /* must be overwritten with NULL */
        const char *field = NULL;
        assert_int_equal(synack_stack_create(&c, &st, &field), -EINVAL);
        assert_null(st);
        assert_string_equal(field, "size");
    }
    /* A hand-built config (designated initialisers, no init call) has size 0. */
    synack_config hand = {.netif = c.netif, .deterministic = 1};
    assert_string_equal(check(&hand), "size");
}

/* A program built when synack_config ended at CONFIG_SIZE_MIN: its struct is exactly that
 * long (on the heap, so ASan catches a read past it), and the stack must take its fields
 * and give every later field its default. */
static void test_older_build_gets_defaults_for_newer_fields(void **state)
{
    (void)state;
    synack_config full;
    usable(&full);
    synack_config_deterministic(&full, 3);
    full.mss = 1000;
    full.rack = 1;
    full.size = (uint32_t)CONFIG_SIZE_MIN;
    unsigned char *old = malloc(CONFIG_SIZE_MIN);
    assert_non_null(old);
    memcpy(old, &full, CONFIG_SIZE_MIN);
    const synack_config *cfg = (const synack_config *)(const void *)old;
    assert_null(check(cfg));
    synack_stack *st = NULL;
    assert_int_equal(synack_stack_create(cfg, &st, NULL), 0);
    assert_int_equal(st->cfg.size, sizeof(synack_config));
    assert_int_equal(st->cfg.mss, 1000);
    assert_int_equal(st->cfg.rack, 1);
    assert_int_equal(st->cfg.seed, 3);
    synack_config defaults;
    synack_config_init(&defaults);
    assert_memory_equal((const unsigned char *)&st->cfg + CONFIG_SIZE_MIN,
                        (const unsigned char *)&defaults + CONFIG_SIZE_MIN,
                        sizeof(synack_config) - CONFIG_SIZE_MIN);
    synack_stack_free(st);
    free(old);
}

/* The mechanism for any cut: fields up to n bytes come from the program, later ones are
 * the defaults (here as if rack, pacing and cc had been added after the program was
 * built), and the result carries this build's size. */
static void test_import_defaults_what_the_program_lacks(void **state)
{
    (void)state;
    synack_config in;
    usable(&in);
    in.size = 123;
    in.mss = 1000;
    in.tail_loss_probe = 1;
    in.rack = 0; /* unlike the default, 1: the cut must not carry it */
    in.pacing = 1;
    memcpy(in.cc, "bbr", 4);
    synack_config out;
    memset(&out, 0xee, sizeof(out));
    config_import(&out, &in, offsetof(synack_config, rack));
    assert_int_equal(out.size, sizeof(synack_config));
    assert_int_equal(out.netif.addr, ADDR);
    assert_int_equal(out.mss, 1000);
    assert_int_equal(out.tail_loss_probe, 1);
    assert_int_equal(out.rack, 1);
    assert_int_equal(out.pacing, 0);
    assert_string_equal(out.cc, "cubic");
    /* Longer than this build's layout: only what this build knows is read. */
    config_import(&out, &in, sizeof(in));
    assert_int_equal(out.size, sizeof(synack_config));
    assert_string_equal(out.cc, "bbr");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_is_default_without_entropy),
        cmocka_unit_test(test_init_alone_is_refused_until_a_source_is_chosen),
        cmocka_unit_test(test_size_must_be_set_and_known),
        cmocka_unit_test(test_older_build_gets_defaults_for_newer_fields),
        cmocka_unit_test(test_import_defaults_what_the_program_lacks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
