/* SPDX-License-Identifier: MIT */
/* synack gateway --threads: a thread's inbox of frames other threads read on its behalf.
 * Bounded in frames and bytes (a flood from the namespace cannot grow it), a mutex around
 * the ring (hand-offs are rare: ARP replies and forwarded connections' strays), and an
 * eventfd that wakes the owner's poll. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "cmd_gateway_threads.h"

int gw_inbox_init(gw_inbox *b)
{
    memset(b, 0, sizeof(*b));
    b->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (b->efd < 0)
        return -errno;
    if (pthread_mutex_init(&b->mu, NULL) != 0) {
        close(b->efd);
        b->efd = -1;
        return -ENOMEM;
    }
    return 0;
}

void gw_inbox_destroy(gw_inbox *b)
{
    gw_inbox_frame f[64];
    uint32_t n;
    while ((n = gw_inbox_take(b, f, 64)) > 0)
        for (uint32_t i = 0; i < n; i++)
            free(f[i].buf);
    pthread_mutex_destroy(&b->mu);
    if (b->efd >= 0)
        close(b->efd);
    b->efd = -1;
}

void gw_inbox_wake(gw_inbox *b)
{
    uint64_t one = 1;
    /* A full counter (never, at 2^64 - 2) is as good as a wake. */
    ssize_t w = write(b->efd, &one, sizeof(one));
    (void)w;
}

void gw_inbox_clear(gw_inbox *b)
{
    uint64_t v;
    ssize_t r = read(b->efd, &v, sizeof(v));
    (void)r;
}

int gw_inbox_put(gw_inbox *b, const uint8_t *frame, size_t len, const synack_rx_meta *meta)
{
    pthread_mutex_lock(&b->mu);
    int full = b->count == GW_INBOX_FRAMES || b->bytes + len > GW_INBOX_BYTES;
    b->drops += (uint64_t)full;
    pthread_mutex_unlock(&b->mu);
    if (full)
        return -ENOBUFS;
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return -ENOMEM;
    memcpy(buf, frame, len);
    pthread_mutex_lock(&b->mu);
    /* Checked again: another thread may have filled it meanwhile. */
    if (b->count == GW_INBOX_FRAMES || b->bytes + len > GW_INBOX_BYTES) {
        b->drops++;
        pthread_mutex_unlock(&b->mu);
        free(buf);
        return -ENOBUFS;
    }
    gw_inbox_frame *f = &b->q[(b->head + b->count) % GW_INBOX_FRAMES];
    f->buf = buf;
    f->len = len;
    if (meta)
        f->meta = *meta;
    else
        memset(&f->meta, 0, sizeof(f->meta));
    b->count++;
    b->bytes += len;
    b->in++;
    pthread_mutex_unlock(&b->mu);
    gw_inbox_wake(b);
    return 0;
}

uint32_t gw_inbox_take(gw_inbox *b, gw_inbox_frame *out, uint32_t max)
{
    pthread_mutex_lock(&b->mu);
    uint32_t n = 0;
    for (; n < max && b->count > 0; n++) {
        out[n] = b->q[b->head];
        b->head = (b->head + 1) % GW_INBOX_FRAMES;
        b->count--;
        b->bytes -= out[n].len;
    }
    pthread_mutex_unlock(&b->mu);
    return n;
}

uint32_t gw_inbox_pending(gw_inbox *b)
{
    pthread_mutex_lock(&b->mu);
    uint32_t n = b->count;
    pthread_mutex_unlock(&b->mu);
    return n;
}
