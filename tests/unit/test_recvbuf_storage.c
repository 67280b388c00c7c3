/* SPDX-License-Identifier: MIT */
/* Unit tests for the TCP receive buffer (src/tcp/recvbuf.c): its storage — allocation
 * failure, giving storage back (shrink, set_cap), and progressive growth from a small
 * first block to cap that keeps ready data and held ranges intact. */
#include "recvbuf_test.h"

/* Byte i of the peer's stream: varies with both low and high bits of i, so a
 * block copied to the wrong offset (even a multiple of 256 away) shows. */
static uint8_t pat(uint32_t i)
{
    return (uint8_t)(i * 131u + (i >> 8) * 7u + (i >> 16));
}

/* Writes stream bytes [seq, seq + n) with RCV.NXT at stream position nxt. */
static long put_pat(recvbuf *b, uint32_t nxt, uint32_t seq, uint32_t n, uint32_t *stored)
{
    uint8_t *in = malloc(n ? n : 1);
    assert_non_null(in);
    for (uint32_t i = 0; i < n; i++)
        in[i] = pat(seq + i);
    long got = recvbuf_write(b, &A, seq - nxt, in, n, stored);
    free(in);
    return got;
}

/* Fills every hole in [nxt, nxt + n) in order. The bytes offered where data is
 * held already are wrong, so they only read back right if the held copy (which
 * wins) survived. Returns how far RCV.NXT advanced. */
static long fill_holes(recvbuf *b, uint32_t nxt, uint32_t n)
{
    uint8_t *in = malloc(n ? n : 1);
    assert_non_null(in);
    for (uint32_t i = 0; i < n; i++) {
        int held = 0;
        for (uint32_t k = 0; k < b->nranges; k++)
            if (i >= b->ranges[k].start && i < b->ranges[k].end)
                held = 1;
        in[i] = held ? (uint8_t)~pat(nxt + i) : pat(nxt + i);
    }
    long got = recvbuf_write(b, &A, 0, in, n, NULL);
    free(in);
    return got;
}

/* Reads n ready bytes and checks they are stream bytes [rd, rd + n). */
static void read_pat(recvbuf *b, uint32_t rd, uint32_t n)
{
    uint8_t *out = malloc(n + 1u);
    assert_non_null(out);
    out[n] = 0xAA;
    assert_int_equal(recvbuf_read(b, out, n), n);
    for (uint32_t i = 0; i < n; i++)
        if (out[i] != pat(rd + i))
            fail_msg("byte %u is %u, want %u", rd + i, out[i], pat(rd + i));
    assert_int_equal(out[n], 0xAA);
    free(out);
}

/* Peeks at every ready byte and checks they are stream bytes [rd, ...). */
static void peek_pat(const recvbuf *b, uint32_t rd)
{
    uint32_t n = recvbuf_ready(b);
    uint8_t *out = malloc(n + 1u);
    assert_non_null(out);
    assert_int_equal(recvbuf_peek(b, out, n + 1u), n);
    for (uint32_t i = 0; i < n; i++)
        if (out[i] != pat(rd + i))
            fail_msg("ready byte %u is %u, want %u", rd + i, out[i], pat(rd + i));
    free(out);
}

static void test_alloc_failure(void **state)
{
    (void)state;
    recvbuf b;
    recvbuf_init(&b, 64);
    recvbuf before = b;
    ta.fail = 1;
    uint32_t stored = 99;
    assert_int_equal(recvbuf_write(&b, &A, 0, "abc", 3, &stored), -ENOMEM);
    assert_int_equal(stored, 0);
    assert_memory_equal(&b, &before, sizeof(b));
    stored = 99;
    assert_int_equal(recvbuf_write(&b, &A, 7, "abc", 3, &stored), -ENOMEM);
    assert_int_equal(stored, 0);
    assert_memory_equal(&b, &before, sizeof(b));
    assert_int_equal(ta.failed, 2);
    assert_int_equal(ta.live_bytes, 0);
    ta.fail = 0;
    assert_int_equal(recvbuf_write(&b, &A, 7, "abc", 3, &stored), 0);
    assert_int_equal(stored, 3);
    /* storage exists: later writes need no allocation and cannot fail */
    ta.fail = 1;
    assert_int_equal(recvbuf_write(&b, &A, 0, "0123456", 7, &stored), 10);
    char out[10];
    assert_int_equal(recvbuf_read(&b, out, 10), 10);
    assert_memory_equal(out, "0123456abc", 10);
    /* the storage is kept when drained; shrink gives it back */
    assert_int_equal(ta.live_bytes, 64);
    recvbuf_shrink(&b, &A);
    assert_int_equal(ta.live_bytes, 0);
    assert_int_equal(recvbuf_write(&b, &A, 0, "x", 1, &stored), -ENOMEM);
    ta.fail = 0;
    recvbuf_free(&b, &A);
}

static void test_shrink(void **state)
{
    (void)state;
    recvbuf b;
    recvbuf_init(&b, 16);
    assert_int_equal(put(&b, 0, 0, 2, NULL), 2);
    recvbuf_shrink(&b, &A); /* ready data: kept */
    assert_non_null(b.data);
    assert_int_equal(recvbuf_read(&b, NULL, 2), 2);
    assert_int_equal(put(&b, 2, 5, 2, NULL), 0);
    recvbuf_shrink(&b, &A); /* out-of-order data: kept */
    assert_non_null(b.data);
    assert_int_equal(b.ooo_bytes, 2);
    assert_int_equal(recvbuf_drop_ooo(&b), 2);
    recvbuf_shrink(&b, &A);
    assert_null(b.data);
    assert_int_equal(ta.live_bytes, 0);
    assert_int_equal(recvbuf_space(&b), 16);
    assert_int_equal(recvbuf_write(&b, &A, 1, "b", 1, NULL), 0);
    assert_non_null(b.ranges);
    assert_int_equal(recvbuf_write(&b, &A, 0, "a", 1, NULL), 2);
    assert_null(b.ranges); /* the hole filled: the range table went back */
    /* storage; the range table for the first out-of-order byte; after the shrink, the
     * range table and the storage again */
    assert_int_equal(ta.allocs, 4);
    char out[2];
    assert_int_equal(recvbuf_read(&b, out, 2), 2);
    assert_memory_equal(out, "ab", 2);
    recvbuf_free(&b, &A);
}

static void test_set_cap(void **state)
{
    (void)state;
    recvbuf b;
    recvbuf_init(&b, 16);
    assert_int_equal(put(&b, 0, 0, 2, NULL), 2);
    assert_int_equal(recvbuf_set_cap(&b, &A, 64), -EBUSY);
    assert_int_equal(recvbuf_read(&b, NULL, 2), 2);
    assert_int_equal(put(&b, 2, 4, 1, NULL), 0);
    assert_int_equal(recvbuf_set_cap(&b, &A, 64), -EBUSY); /* ooo data only */
    assert_int_equal(b.cap, 16);
    recvbuf_drop_ooo(&b);
    assert_int_equal(recvbuf_set_cap(&b, &A, 64), 0);
    assert_null(b.data);
    assert_int_equal(ta.live_bytes, 0);
    assert_int_equal(recvbuf_space(&b), 64);
    assert_int_equal(put(&b, 0, 0, 40, NULL), 40);
    assert_int_equal(ta.last_size, 64);
    recvbuf_free(&b, &A);
}

static void test_first_storage_is_small(void **state)
{
    (void)state;
    static const struct {
        uint32_t cap, off, n, size;
    } cases[] = {
        {256u * 1024u, 0, 64, 2048}, /* a small request: the minimum, not cap */
        {256u * 1024u, 0, 2048, 2048},
        {256u * 1024u, 0, 2049, 4096},
        {256u * 1024u, 3000, 10, 4096},          /* out of order: must reach the segment's end */
        {256u * 1024u, 0, 300000, 256u * 1024u}, /* cut at cap, storage is cap */
        {1000, 0, 1, 1000},                      /* cap below the minimum: cap */
        {3000, 5, 10, 2048},                     /* cap not a power of two */
        {3000, 2500, 10, 3000},                  /* 4096 would pass cap */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        recvbuf b;
        recvbuf_init(&b, cases[i].cap);
        uint32_t stored = 0;
        long adv = put_pat(&b, 0, cases[i].off, cases[i].n, &stored);
        uint32_t end = cases[i].off + cases[i].n;
        if (end > cases[i].cap)
            end = cases[i].cap;
        assert_int_equal(stored, end - cases[i].off);
        assert_int_equal(adv, cases[i].off == 0 ? end : 0);
        assert_int_equal(b.size, cases[i].size);
        assert_int_equal(b.size, expect_storage(0, end, cases[i].cap));
        assert_int_equal(ta.last_size, cases[i].size);
        assert_int_equal(b.ranges != NULL, cases[i].off > 0);
        assert_int_equal(ta.live_bytes, cases[i].size + rb_table(&b));
        /* the window still comes from cap, whatever the storage */
        assert_int_equal(recvbuf_space(&b), cases[i].cap - (uint32_t)adv);
        if (cases[i].off > 0)
            assert_int_equal(fill_holes(&b, 0, end), end);
        read_pat(&b, 0, end);
        recvbuf_free(&b, &A);
        assert_int_equal(b.size, 0);
        assert_int_equal(ta.live_bytes, 0);
    }
}

static void test_growth_keeps_data_and_ranges(void **state)
{
    (void)state;
    /* cap not a power of two: 2048, 4096, 8192, 16384, then cap itself */
    const uint32_t cap = 20000;
    recvbuf b;
    recvbuf_init(&b, cap);
    uint32_t rd = 0, nxt = 0; /* stream positions of head and RCV.NXT */
    assert_int_equal(put_pat(&b, nxt, nxt, 100, NULL), 100);
    nxt += 100;
    read_pat(&b, rd, 100);
    rd += 100;
    assert_int_equal(b.size, 2048);
    unsigned stages = 0;
    for (int layout = 0;; layout ^= 1) {
        uint32_t size = b.size;
        unsigned allocs = ta.allocs;
        assert_int_equal(b.head, 0); /* empty: the ring restarted at index 0 */
        /* move head to the middle of the storage */
        assert_int_equal(put_pat(&b, nxt, nxt, size / 2 + 5, NULL), size / 2 + 5);
        nxt += size / 2 + 5;
        read_pat(&b, rd, size / 2 + 4);
        rd += size / 2 + 4;
        assert_int_equal(b.head, size / 2 + 4);
        /* layout 0: the ready bytes run across the storage's end;
         * layout 1: the first held range does */
        uint32_t more = layout == 0 ? size / 2 : size / 2 - 31;
        assert_int_equal(put_pat(&b, nxt, nxt, more, NULL), more);
        nxt += more;
        uint32_t ready = recvbuf_ready(&b);
        if (layout == 0)
            assert_true(b.head + ready > b.size);
        else
            assert_true(b.head + ready + 10 < b.size && b.head + ready + 50 > b.size);
        assert_int_equal(put_pat(&b, nxt, nxt + 10, 40, NULL), 0);
        assert_int_equal(put_pat(&b, nxt, nxt + 100, 20, NULL), 0);
        uint32_t last = size - ready; /* the storage ends this far past RCV.NXT */
        assert_int_equal(put_pat(&b, nxt, nxt + last - 30, 20, NULL), 0);
        assert_int_equal(b.size, size);
        assert_int_equal(ta.allocs, allocs + 1); /* only the range table */
        recvbuf_range held[RECVBUF_MAX_RANGES];
        uint32_t nheld = recvbuf_sack_ranges(&b, held, RECVBUF_MAX_RANGES);
        assert_int_equal(nheld, 3);
        uint32_t ooo = b.ooo_bytes;
        assert_int_equal(ooo, 80);

        if (size < cap) {
            /* a segment beyond the storage: it grows, keeping ready data and ranges */
            unsigned frees = ta.frees;
            uint32_t stored = 0;
            assert_int_equal(put_pat(&b, nxt, nxt + last + 50, 30, &stored), 0);
            assert_int_equal(stored, 30);
            uint32_t want = expect_storage(size, ready + last + 80, cap);
            assert_int_equal(want, size * 2 < cap ? size * 2 : cap);
            assert_int_equal(b.size, want);
            assert_int_equal(ta.allocs, allocs + 2);
            assert_int_equal(ta.frees, frees + 1); /* the old storage, with its size */
            assert_int_equal(ta.live_bytes, want + RB_TABLE_BYTES);
            assert_int_equal(b.head, 0);
            assert_int_equal(recvbuf_ready(&b), ready);
            assert_int_equal(recvbuf_space(&b), cap - ready);
            held[nheld].start = last + 50;
            held[nheld].end = last + 80;
            nheld++;
            assert_ranges(&b, held, nheld);
            stages++;
        }
        peek_pat(&b, rd);
        /* fill every hole: RCV.NXT runs to the end of the last range */
        uint32_t span = held[nheld - 1].end;
        assert_int_equal(fill_holes(&b, nxt, span), span);
        nxt += span;
        read_pat(&b, rd, nxt - rd);
        rd = nxt;
        if (size == cap)
            break;
    }
    assert_int_equal(stages, 4);
    assert_int_equal(b.size, cap);
    /* at cap: data past cap is cut, the storage does not grow past it */
    uint32_t stored = 0;
    assert_int_equal(put_pat(&b, nxt, nxt, cap + 100, &stored), cap);
    assert_int_equal(stored, cap);
    assert_int_equal(b.size, cap);
    assert_int_equal(ta.live_bytes, cap);
    read_pat(&b, rd, cap);
    recvbuf_free(&b, &A);
}

static void test_growth_failure_leaves_buffer_intact(void **state)
{
    (void)state;
    recvbuf b;
    recvbuf_init(&b, 20000);
    uint32_t rd = 0, nxt = 0;
    assert_int_equal(put_pat(&b, nxt, nxt, 1500, NULL), 1500);
    nxt += 1500;
    read_pat(&b, rd, 1000);
    rd += 1000;
    assert_int_equal(put_pat(&b, nxt, nxt, 1000, NULL), 1000); /* wraps: head 1000 */
    nxt += 1000;
    assert_true(b.head + recvbuf_ready(&b) > b.size);
    assert_int_equal(put_pat(&b, nxt, nxt + 100, 50, NULL), 0);
    assert_int_equal(b.size, 2048);
    unsigned allocs = ta.allocs, frees = ta.frees;
    recvbuf before = b;

    ta.fail = 1;
    uint32_t stored = 99;
    /* out of order, beyond the storage: refused whole, nothing changed */
    assert_int_equal(put_pat(&b, nxt, nxt + 600, 10, &stored), -ENOMEM);
    assert_int_equal(stored, 0);
    assert_memory_equal(&b, &before, sizeof(b));
    /* in order, partly within the storage: refused whole too */
    stored = 99;
    assert_int_equal(put_pat(&b, nxt, nxt, 600, &stored), -ENOMEM);
    assert_int_equal(stored, 0);
    assert_memory_equal(&b, &before, sizeof(b));
    assert_int_equal(ta.failed, 2);
    assert_int_equal(ta.allocs, allocs);
    assert_int_equal(ta.frees, frees);
    assert_int_equal(ta.live_bytes, 2048 + RB_TABLE_BYTES);
    /* within the storage nothing is allocated, so nothing fails */
    assert_int_equal(put_pat(&b, nxt, nxt + 200, 10, &stored), 0);
    assert_int_equal(stored, 10);
    assert_int_equal(ta.failed, 2);
    peek_pat(&b, rd);

    /* memory comes back: the same segments are taken, everything intact */
    ta.fail = 0;
    assert_int_equal(put_pat(&b, nxt, nxt + 600, 10, &stored), 0);
    assert_int_equal(b.size, 4096);
    assert_int_equal(ta.live_bytes, 4096 + RB_TABLE_BYTES);
    assert_ranges(&b, (recvbuf_range[]){{100, 150}, {200, 210}, {600, 610}}, 3);
    assert_int_equal(fill_holes(&b, nxt, 610), 610);
    nxt += 610;
    read_pat(&b, rd, nxt - rd);
    rd = nxt;

    /* an empty ring whose storage must grow fails the same way and keeps its storage */
    uint8_t *storage = b.data;
    before = b;
    ta.fail = 1;
    assert_int_equal(put_pat(&b, nxt, nxt, 5000, &stored), -ENOMEM);
    assert_memory_equal(&b, &before, sizeof(b));
    assert_ptr_equal(b.data, storage);
    ta.fail = 0;
    assert_int_equal(put_pat(&b, nxt, nxt, 5000, &stored), 5000);
    assert_int_equal(b.size, 8192);
    read_pat(&b, rd, 5000);
    recvbuf_free(&b, &A);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_alloc_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shrink, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_first_storage_is_small, setup, teardown),
        cmocka_unit_test_setup_teardown(test_growth_keeps_data_and_ranges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_growth_failure_leaves_buffer_intact, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
