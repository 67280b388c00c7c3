/* SPDX-License-Identifier: MIT */
/* SHA-256 (FIPS 180-4), so serve and connect can print a digest of what they sent and
 * received and a test can compare it with sha256sum. */
#ifndef SYNACK_TOOL_SHA256_H
#define SYNACK_TOOL_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct sha256_ctx {
    uint32_t h[8];     /* the intermediate hash value H(i) */
    uint64_t total;    /* bytes hashed so far */
    uint8_t block[64]; /* a partial message block */
    size_t used;       /* bytes in block */
} sha256_ctx;

void sha256_init(sha256_ctx *c);
void sha256_update(sha256_ctx *c, const void *data, size_t len);
/* Writes the digest as 64 lowercase hex digits and a NUL. */
void sha256_final_hex(sha256_ctx *c, char out[65]);

#endif
