/* SPDX-License-Identifier: MIT */
/* The wire check behind the sanitizer build's ring poisoning (src/util/poison.h): a frame
 * that carries a run of the poison byte carries ring storage nobody wrote — stale heap or
 * another connection's bytes. The harnesses (pair, seghost) abort on one, so every test
 * that uses them checks this; in other builds the rings are not poisoned and the check
 * passes trivially (the secret checks in test_zero_copy_misuse.c cover them). */
#ifndef SYNACK_TEST_WIRE_POISON_H
#define SYNACK_TEST_WIRE_POISON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/poison.h"

/* Long enough that test data never holds it by chance, short enough to catch a TSO tail. */
#define WIRE_POISON_RUN 16

static inline int wire_has_poison(const uint8_t *frame, size_t len)
{
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        run = frame[i] == POISON_BYTE ? run + 1 : 0;
        if (run >= WIRE_POISON_RUN)
            return 1;
    }
    return 0;
}

/* Aborts the test program when the frame carries poison. */
static inline void wire_check_poison(const char *who, const uint8_t *frame, size_t len)
{
    if (frame && wire_has_poison(frame, len)) {
        fprintf(stderr,
                "%s: a %zu-byte frame carries ring poison (0x%02x x %d): unwritten "
                "ring storage reached the wire\n",
                who, len, (unsigned)POISON_BYTE, WIRE_POISON_RUN);
        abort();
    }
}

#endif
