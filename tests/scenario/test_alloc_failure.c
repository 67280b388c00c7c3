/* SPDX-License-Identifier: MIT */
/* Memory exhaustion: with an allocator that fails every Nth call, a full connection life
 * (listen, connect, data both ways, close, TIME-WAIT) never crashes, never leaks, and every
 * failure reaches the caller as NULL or a negative errno. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "synack/link.h"
#include "synack/synack.h"

typedef struct failing {
    uint64_t calls;  /* allocations attempted */
    uint64_t every;  /* fail each call whose number is a multiple of this (0: never) */
    uint64_t failed; /* allocations refused */
    int64_t bytes;   /* bytes outstanding */
} failing;

static void *f_alloc(void *ctx, size_t size)
{
    failing *f = ctx;
    f->calls++;
    if (f->every && f->calls % f->every == 0) {
        f->failed++;
        return NULL;
    }
    f->bytes += (int64_t)size;
    return malloc(size);
}

static void f_free(void *ctx, void *p, size_t size)
{
    failing *f = ctx;
    f->bytes -= (int64_t)size;
    free(p);
}

static int ok_or_errno(long rc)
{
    return rc >= 0 || (rc < 0 && rc > -4096);
}

/* One full life of a connection; returns the bytes that reached the server. */
static size_t run_life(failing *fa)
{
    synack_allocator a = {f_alloc, f_free, fa};
    synack_memlink *link = synack_memlink_new(NULL, 1000, 2000, 10000);
    synack_stack *st[2] = {NULL, NULL};
    for (int h = 0; h < 2; h++) {
        synack_config cfg;
        synack_config_default(&cfg);
        synack_config_deterministic(&cfg, 1);
        cfg.allocator = &a;
        cfg.netif.addr = h ? 0xc0000202u : 0xc0000201u;
        cfg.sndbuf = cfg.rcvbuf = 16384;
        synack_memlink_netif(link, h, &cfg.netif);
        st[h] = synack_stack_new(&cfg);
        if (st[h])
            synack_memlink_attach(link, h, st[h]);
    }
    size_t got = 0;
    if (st[0] && st[1]) {
        int ls = synack_socket(st[1], SOCK_STREAM);
        struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(80)};
        assert_true(ok_or_errno(synack_bind(st[1], ls, (struct sockaddr *)&sin, sizeof(sin))));
        long rc = synack_listen(st[1], ls, 4);
        assert_true(rc == 0 || rc == -ENOMEM);
        int cs = synack_socket(st[0], SOCK_STREAM);
        struct sockaddr_in to = {
            .sin_family = AF_INET, .sin_port = htons(80), .sin_addr.s_addr = htonl(0xc0000202u)};
        rc = synack_connect(st[0], cs, (struct sockaddr *)&to, sizeof(to));
        assert_true(rc == -EINPROGRESS || rc == -ENOBUFS);
        uint64_t now = synack_memlink_run(link, 0, 50000);
        int ss = synack_accept(st[1], ls, NULL, NULL);
        assert_true(ss >= 0 || ss == -EAGAIN || ss == -EINVAL);
        char buf[8192];
        memset(buf, 'a', sizeof(buf));
        for (int i = 0; i < 20; i++) {
            rc = synack_send(st[0], cs, buf, sizeof(buf), 0);
            assert_true(ok_or_errno(rc));
            now = synack_memlink_run(link, now, now + 20000);
            if (ss >= 0) {
                rc = synack_recv(st[1], ss, buf, sizeof(buf), 0);
                assert_true(ok_or_errno(rc));
                if (rc > 0)
                    got += (size_t)rc;
            }
        }
        now = synack_memlink_run(link, now, now + 500000);
        for (int i = 0; ss >= 0 && i < 40; i++) {
            rc = synack_recv(st[1], ss, buf, sizeof(buf), 0);
            assert_true(ok_or_errno(rc));
            if (rc <= 0)
                break;
            got += (size_t)rc;
            now = synack_memlink_run(link, now, now + 20000);
        }
        synack_close(st[0], cs);
        if (ss >= 0)
            synack_close(st[1], ss);
        synack_close(st[1], ls);
        synack_memlink_run(link, now, now + 200000000ull);
    }
    synack_stack_free(st[0]);
    synack_stack_free(st[1]);
    synack_memlink_free(link);
    return got;
}

static void test_no_failures_baseline(void **state)
{
    (void)state;
    failing fa = {0};
    size_t got = run_life(&fa);
    assert_int_equal(got, 20 * 8192);
    assert_int_equal(fa.failed, 0);
    assert_int_equal(fa.bytes, 0);
}

static void test_every_nth_allocation_fails(void **state)
{
    (void)state;
    failing base = {0};
    run_life(&base);
    uint64_t total = base.calls;
    assert_true(total > 5);
    for (uint64_t n = 1; n <= total + 1; n++) {
        failing fa = {.every = n};
        run_life(&fa);
        assert_int_equal(fa.bytes, 0); /* nothing leaked, whatever failed */
        if (n <= total)
            assert_true(fa.failed > 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_failures_baseline),
        cmocka_unit_test(test_every_nth_allocation_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
