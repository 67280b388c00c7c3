/* SPDX-License-Identifier: MIT */
/* A binary min-heap of held frames (see holdq.h). */
#include "sim/holdq.h"

#include <stdlib.h>
#include <string.h>

void holdq_init(holdq *q, size_t limit)
{
    memset(q, 0, sizeof(*q));
    q->limit = limit;
}

void holdq_destroy(holdq *q)
{
    for (size_t i = 0; i < q->len; i++)
        free(q->items[i].frame);
    free(q->items);
    memset(q, 0, sizeof(*q));
}

static int earlier(const holdq_item *a, const holdq_item *b)
{
    return a->at < b->at || (a->at == b->at && a->order < b->order);
}

static void swap(holdq_item *a, holdq_item *b)
{
    holdq_item t = *a;
    *a = *b;
    *b = t;
}

uint8_t *holdq_push(holdq *q, uint64_t at, int dir, const uint8_t *frame, size_t len)
{
    if (q->len >= q->limit)
        return NULL;
    if (q->len == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 64;
        if (cap > q->limit)
            cap = q->limit;
        holdq_item *n = realloc(q->items, cap * sizeof(*n));
        if (!n)
            return NULL;
        q->items = n;
        q->cap = cap;
    }
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return NULL;
    memcpy(copy, frame, len);
    size_t i = q->len++;
    q->items[i] =
        (holdq_item){.at = at, .order = q->next_order++, .dir = dir, .len = len, .frame = copy};
    while (i > 0) { /* sift up */
        size_t parent = (i - 1) / 2;
        if (!earlier(&q->items[i], &q->items[parent]))
            break;
        swap(&q->items[i], &q->items[parent]);
        i = parent;
    }
    return copy;
}

uint64_t holdq_next(const holdq *q)
{
    return q->len ? q->items[0].at : UINT64_MAX;
}

int holdq_pop_due(holdq *q, uint64_t now, holdq_item *out)
{
    if (q->len == 0 || q->items[0].at > now)
        return 0;
    *out = q->items[0];
    q->items[0] = q->items[--q->len];
    size_t i = 0;
    for (;;) { /* sift down */
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < q->len && earlier(&q->items[l], &q->items[m]))
            m = l;
        if (r < q->len && earlier(&q->items[r], &q->items[m]))
            m = r;
        if (m == i)
            break;
        swap(&q->items[i], &q->items[m]);
        i = m;
    }
    return 1;
}
