/* SPDX-License-Identifier: MIT */
/* The in-memory link: two bounded FIFOs of copied frames with a fixed delay. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "stack/lifetime.h"
#include "synack/link.h"

typedef struct frame {
    struct frame *next; /* FIFO link */
    uint64_t at;        /* arrival time */
    size_t len;         /* bytes */
    uint8_t data[];     /* the frame */
} frame;

struct endpoint {
    synack_memlink *link; /* back pointer */
    int side;             /* 0 or 1: the side that sends through this endpoint */
    stack_hook hook;      /* registered with the stack attached at this side */
};

struct synack_memlink {
    const synack_allocator *a; /* where frames come from */
    uint64_t delay;            /* one-way delay */
    size_t max_frame;          /* largest frame */
    size_t max_queue;          /* frames in flight per direction */
    uint64_t now;              /* the link's clock: the latest send or delivery time */
    synack_stack *st[2];       /* receiving stack per side */
    frame *head[2], *tail[2];  /* frames travelling towards side i */
    size_t qlen[2];            /* their number */
    struct endpoint ep[2];     /* output contexts */
    uint64_t dropped;          /* frames dropped */
    synack_memlink_tap_fn tap; /* observer */
    void *tap_ctx;             /* its context */
};

synack_memlink *synack_memlink_new(const synack_allocator *a, uint64_t delay_us, size_t max_frame,
                                   size_t max_queue)
{
    if (!a)
        a = synack_allocator_libc();
    if (!a->alloc || !a->free)
        return NULL;
    synack_memlink *l = a->alloc(a->ctx, sizeof(*l));
    if (!l)
        return NULL;
    memset(l, 0, sizeof(*l));
    l->a = a;
    l->delay = delay_us;
    l->max_frame = max_frame;
    l->max_queue = max_queue;
    for (int i = 0; i < 2; i++) {
        l->ep[i].link = l;
        l->ep[i].side = i;
    }
    return l;
}

/* The stack at this side is being freed: stop delivering to it. */
static void side_stack_freed(stack_hook *h)
{
    struct endpoint *ep = (struct endpoint *)(void *)((char *)h - offsetof(struct endpoint, hook));
    ep->link->st[ep->side] = NULL;
}

void synack_memlink_free(synack_memlink *l)
{
    if (!l)
        return;
    for (int i = 0; i < 2; i++) {
        if (!l->st[i])
            continue;
        /* A stack that outlives the link must neither call its hook nor send into it. */
        stack_hook_remove(l->st[i], &l->ep[i].hook);
        for (int k = 0; k < 2; k++)
            stack_output_gone(l->st[i], &l->ep[k]);
    }
    for (int i = 0; i < 2; i++) {
        while (l->head[i]) {
            frame *f = l->head[i];
            l->head[i] = f->next;
            l->a->free(l->a->ctx, f, sizeof(*f) + f->len);
        }
    }
    l->a->free(l->a->ctx, l, sizeof(*l));
}

static int link_output(void *ctx, const uint8_t *data, size_t len)
{
    struct endpoint *ep = ctx;
    synack_memlink *l = ep->link;
    int to = 1 - ep->side;
    if (len > l->max_frame || l->qlen[to] >= l->max_queue) {
        l->dropped++;
        return -ENOBUFS;
    }
    frame *f = l->a->alloc(l->a->ctx, sizeof(*f) + len);
    if (!f) {
        l->dropped++;
        return -ENOMEM;
    }
    f->next = NULL;
    f->at = l->now + l->delay;
    f->len = len;
    memcpy(f->data, data, len);
    if (l->tail[to])
        l->tail[to]->next = f;
    else
        l->head[to] = f;
    l->tail[to] = f;
    l->qlen[to]++;
    return 0;
}

int synack_memlink_netif(synack_memlink *l, int side, synack_netif *nif)
{
    if (!l || !nif || (side != 0 && side != 1))
        return -EINVAL;
    nif->output = link_output;
    nif->output_ctx = &l->ep[side];
    return 0;
}

int synack_memlink_attach(synack_memlink *l, int side, synack_stack *st)
{
    if (!l || (side != 0 && side != 1))
        return -EINVAL;
    struct endpoint *ep = &l->ep[side];
    if (l->st[side])
        stack_hook_remove(l->st[side], &ep->hook);
    l->st[side] = st;
    if (st) {
        ep->hook.on_free = side_stack_freed;
        stack_hook_add(st, &ep->hook);
    }
    return 0;
}

int synack_memlink_set_tap(synack_memlink *l, synack_memlink_tap_fn fn, void *ctx)
{
    if (!l)
        return -EINVAL;
    l->tap = fn;
    l->tap_ctx = ctx;
    return 0;
}

uint64_t synack_memlink_dropped(const synack_memlink *l)
{
    return l ? l->dropped : 0;
}

uint64_t synack_memlink_next(synack_memlink *l)
{
    uint64_t t = UINT64_MAX;
    if (!l)
        return t;
    for (int i = 0; i < 2; i++) {
        if (l->head[i] && l->head[i]->at < t)
            t = l->head[i]->at;
        if (l->st[i]) {
            uint64_t d = synack_next_deadline(l->st[i]);
            if (d < t)
                t = d;
        }
    }
    return t;
}

uint64_t synack_memlink_run(synack_memlink *l, uint64_t now, uint64_t until)
{
    if (!l)
        return 0;
    /* The stacks refuse times past SYNACK_TIME_MAX: "run until idle" stops there. */
    int idle = until > SYNACK_TIME_MAX; /* run until nothing is left, not to a time */
    if (idle)
        until = SYNACK_TIME_MAX;
    if (now > l->now && now <= SYNACK_TIME_MAX)
        l->now = now;
    for (;;) {
        uint64_t t = synack_memlink_next(l);
        if (t > until)
            break;
        if (t > l->now)
            l->now = t;
        for (int i = 0; i < 2; i++) {
            while (l->head[i] && l->head[i]->at <= l->now) {
                frame *f = l->head[i];
                l->head[i] = f->next;
                if (!l->head[i])
                    l->tail[i] = NULL;
                l->qlen[i]--;
                int drop = l->tap ? l->tap(l->tap_ctx, i, l->now, f->data, f->len) : 0;
                if (!drop && l->st[i])
                    synack_input(l->st[i], l->now, f->data, f->len);
                l->a->free(l->a->ctx, f, sizeof(*f) + f->len);
            }
        }
        int refused = 0;
        for (int i = 0; i < 2; i++)
            if (l->st[i] && synack_next_deadline(l->st[i]) <= l->now)
                refused |= synack_poll(l->st[i], l->now) < 0;
        if (refused)
            break; /* run from inside a stack's callback (-EBUSY): the deadline would stay */
    }
    if (!idle && until > l->now)
        l->now = until;
    for (int i = 0; i < 2; i++)
        if (l->st[i])
            synack_set_time(l->st[i], l->now);
    return l->now;
}
