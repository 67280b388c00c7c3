/* SPDX-License-Identifier: MIT */
/* The versioned config (synack_config.size): what the library accepts from a program built
 * against another version of synack.h, and how it reads it. */
#ifndef SYNACK_STACK_CONFIG_H
#define SYNACK_STACK_CONFIG_H

#include <stddef.h>

#include "synack/synack.h"

/* The first layout that carried `size` ends at `cc`: every later field is appended after
 * it, so a program built then passes exactly this size. */
#define CONFIG_SIZE_MIN (offsetof(synack_config, cc) + sizeof(((synack_config *)0)->cc))

/* *out = the defaults (synack_config_init) overwritten by the first n bytes of in (n at
 * most sizeof(synack_config)): the fields a program's older layout has keep its values,
 * the fields it has never heard of get their defaults. out->size is this build's size. */
void config_import(synack_config *out, const void *in, size_t n);

#endif
