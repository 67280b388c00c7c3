/* SPDX-License-Identifier: MIT */
/* A stack's lifetime as seen by the host glue that keeps a pointer to it (the in-memory
 * link, the loop), and the guard that defers a synack_stack_free() made from inside one of
 * the stack's own callbacks until the public call that ran the callback returns. */
#ifndef SYNACK_STACK_LIFETIME_H
#define SYNACK_STACK_LIFETIME_H

#include "synack/synack.h"

/* Embedded in whatever points at a stack. The stack calls on_free once when it is freed
 * (or when its free is requested from a callback), and never touches the hook after that;
 * the owner must forget the stack there. Intrusive, so registering cannot fail. */
typedef struct stack_hook {
    struct stack_hook *next;
    void (*on_free)(struct stack_hook *h);
} stack_hook;

void stack_hook_add(synack_stack *st, stack_hook *h);
/* Unregisters h (nothing when it is not registered). */
void stack_hook_remove(synack_stack *st, stack_hook *h);
/* The object at ctx goes away while the stack lives: if the stack's netif sends to ctx, it
 * drops its frames from now on (counted as OutDiscards) instead of calling into freed
 * memory. */
void stack_output_gone(synack_stack *st, const void *ctx);

#endif
