/* SPDX-License-Identifier: MIT */
/* Unit tests for the TCP receive buffer (src/tcp/recvbuf.c): a randomized check of every
 * operation against a byte-by-byte model of the stream. */
#include "recvbuf_test.h"
#include "support/test_rng.h"

static uint64_t rng_state;

static uint32_t rnd(void)
{
    return test_rng_next(&rng_state);
}

/* ---- randomized model check ----
 * The reference holds, for every absolute stream position, whether a byte was
 * received and which (the first copy). RCV.NXT, the reads and every range the
 * buffer reports are checked against it after each operation. */

#define STREAM_LIMIT 200000u

typedef struct model {
    uint32_t cap;  /* buffer capacity */
    uint32_t size; /* storage the buffer should have allocated */
    uint32_t rd;   /* stream position of the first unread byte */
    uint32_t nxt;  /* stream position of RCV.NXT */
    uint8_t *val;  /* byte received at each position (first copy) */
    uint8_t *have; /* whether each position was received */
} model;

/* Out-of-order ranges of the model, relative to nxt; returns the count. */
static uint32_t model_ranges(const model *m, recvbuf_range *out, uint32_t max, uint32_t *bytes)
{
    uint32_t n = 0, total = 0;
    uint32_t end = m->rd + m->cap;
    for (uint32_t p = m->nxt; p < end;) {
        if (!m->have[p]) {
            p++;
            continue;
        }
        uint32_t q = p;
        while (q < end && m->have[q])
            q++;
        if (n < max) {
            out[n].start = p - m->nxt;
            out[n].end = q - m->nxt;
        }
        n++;
        total += q - p;
        p = q;
    }
    if (bytes != NULL)
        *bytes = total;
    return n;
}

static void check_against_model(const recvbuf *b, const model *m)
{
    assert_int_equal(recvbuf_ready(b), m->nxt - m->rd);
    assert_int_equal(recvbuf_space(b), m->cap - (m->nxt - m->rd));
    recvbuf_range want[64], got[RECVBUF_MAX_RANGES + 1];
    uint32_t bytes = 0;
    uint32_t n = model_ranges(m, want, 64, &bytes);
    assert_true(n <= RECVBUF_MAX_RANGES);
    assert_int_equal(recvbuf_sack_ranges(b, got, RECVBUF_MAX_RANGES + 1), n);
    for (uint32_t i = 0; i < n; i++) {
        assert_int_equal(got[i].start, want[i].start);
        assert_int_equal(got[i].end, want[i].end);
    }
    assert_int_equal(b->ooo_bytes, bytes);
    assert_int_equal(b->size, m->size);
    /* the storage and, while ranges are held, the range table: each freed with its size */
    assert_int_equal(ta.live_bytes, m->size + rb_table(b));
    if (n > 0)
        assert_non_null(b->ranges);
    assert_true(b->head < m->size || b->head == 0);
    /* everything held lies within the storage */
    assert_true(m->nxt - m->rd + (n > 0 ? want[n - 1].end : 0) <= m->size || m->size == 0);
}

typedef struct run_stats {
    unsigned enospc;      /* writes refused for lack of a range entry */
    unsigned enomem;      /* writes refused for lack of memory */
    unsigned advanced;    /* writes that filled a hole and advanced past held data */
    unsigned wrapped;     /* operations after which held data straddled the ring end */
    unsigned grew;        /* writes that moved held data to bigger storage */
    unsigned grew_ooo;    /* ... with out-of-order ranges among it */
    unsigned grow_failed; /* writes refused because bigger storage was refused */
} run_stats;

static void run_model(uint32_t cap, uint64_t seed, int ops, run_stats *st)
{
    rng_state = seed;
    model m = {cap, 0, 0, 0, calloc(STREAM_LIMIT + cap, 1), calloc(STREAM_LIMIT + cap, 1)};
    assert_non_null(m.val);
    assert_non_null(m.have);
    uint32_t bufsz = cap + 16;
    uint8_t *in = malloc(bufsz), *out = malloc(bufsz);
    assert_non_null(in);
    assert_non_null(out);
    recvbuf b;
    recvbuf_init(&b, cap);
    /* small segments make many holes; large ones make overlaps and cuts. Runs
     * differ in how often data arrives in order, so some fill every range entry. */
    uint32_t small = 1 + rnd() % 6;
    uint32_t in_order_1_in = seed % 2 ? 4 : 40;
    uint32_t large_1_in = seed % 3 ? 2 : 12;

    for (int op = 0; op < ops && m.rd + cap < STREAM_LIMIT; op++) {
        uint32_t r = rnd() % 100;
        uint32_t space = cap - (m.nxt - m.rd);
        if (r < 55) {
            uint32_t off = rnd() % in_order_1_in == 0 ? 0 : rnd() % (space + 4);
            /* large ones are sometimes medium-sized, so storage grows a stage at a time */
            uint32_t medium = cap < 1200 ? cap + 8 : 1200;
            uint32_t n = rnd() % large_1_in ? rnd() % (small + 1)
                         : rnd() % 2        ? rnd() % (cap + 8)
                                            : rnd() % medium;
            for (uint32_t i = 0; i < n; i++)
                in[i] = (uint8_t)rnd(); /* new contents each time: first copy must win */
            /* what the model expects */
            long want = 0;
            uint32_t want_stored = 0;
            int apply = 0;
            if (n > 0 && off < space) {
                uint32_t s = off, e = off + n < space ? off + n : space;
                recvbuf_range rs[RECVBUF_MAX_RANGES + 1];
                uint32_t nr = model_ranges(&m, rs, RECVBUF_MAX_RANGES + 1, NULL);
                int touches = 0;
                for (uint32_t i = 0; i < nr; i++)
                    if (rs[i].start <= e && rs[i].end >= s)
                        touches = 1;
                uint32_t need = m.nxt - m.rd + e; /* storage must reach the segment's end */
                if (off > 0 && !touches && nr == RECVBUF_MAX_RANGES) {
                    want = -ENOSPC;
                } else if (need > m.size && (ta.fail = (int)(rnd() % 3 == 0))) {
                    want = -ENOMEM;
                    if (m.size > 0)
                        st->grow_failed++;
                } else {
                    apply = 1;
                    if (need > m.size) {
                        if (m.nxt > m.rd || nr > 0)
                            st->grew++;
                        if (nr > 0)
                            st->grew_ooo++;
                        m.size = expect_storage(m.size, need, cap);
                    }
                }
                if (apply) {
                    for (uint32_t p = s; p < e; p++)
                        if (!m.have[m.nxt + p]) {
                            m.have[m.nxt + p] = 1;
                            m.val[m.nxt + p] = in[p - s];
                            want_stored++;
                        }
                    uint32_t adv = 0;
                    while (m.nxt + adv < m.rd + cap && m.have[m.nxt + adv])
                        adv++;
                    if (adv > e)
                        st->advanced++;
                    m.nxt += adv;
                    want = adv;
                }
            }
            uint32_t stored = 12345;
            uint32_t *sp = rnd() % 8 ? &stored : NULL;
            recvbuf before = b;
            long got = recvbuf_write(&b, &A, off, in, n, sp);
            ta.fail = 0;
            assert_int_equal(got, want);
            if (sp != NULL)
                assert_int_equal(stored, want_stored);
            if (want == -ENOSPC)
                st->enospc++;
            if (want == -ENOMEM) {
                st->enomem++;
                assert_memory_equal(&b, &before, sizeof(b)); /* nothing changed */
            }
        } else if (r < 80) {
            uint32_t n = rnd() % (cap + 3);
            uint32_t ready = m.nxt - m.rd;
            uint32_t want = n < ready ? n : ready;
            memset(out, 0xAA, bufsz);
            int discard = rnd() % 8 == 0;
            assert_int_equal(recvbuf_read(&b, discard ? NULL : out, n), want);
            if (!discard) {
                assert_memory_equal(out, m.val + m.rd, want);
                assert_int_equal(out[want], 0xAA);
            }
            m.rd += want;
        } else if (r < 93) {
            uint32_t n = rnd() % (cap + 3);
            uint32_t ready = m.nxt - m.rd;
            uint32_t want = n < ready ? n : ready;
            memset(out, 0xAA, bufsz);
            assert_int_equal(recvbuf_peek(&b, out, n), want);
            assert_memory_equal(out, m.val + m.rd, want);
            assert_int_equal(out[want], 0xAA);
        } else if (r < 95) {
            uint32_t bytes = 0;
            recvbuf_range rs[64];
            model_ranges(&m, rs, 64, &bytes);
            assert_int_equal(recvbuf_drop_ooo(&b), bytes);
            memset(m.have + m.nxt, 0, m.rd + cap - m.nxt);
        } else {
            uint32_t bytes = 0;
            recvbuf_range rs[64];
            uint32_t nr = model_ranges(&m, rs, 64, &bytes);
            recvbuf_shrink(&b, &A);
            if (m.nxt == m.rd && nr == 0) {
                assert_null(b.data);
                m.size = 0;
            } else {
                assert_non_null(b.data);
            }
        }
        check_against_model(&b, &m);
        uint32_t held_end = m.nxt - m.rd + b.ooo_bytes; /* lower bound on extent held */
        if (b.data != NULL && b.head + held_end > b.size)
            st->wrapped++;
    }
    recvbuf_free(&b, &A);
    free(m.val);
    free(m.have);
    free(in);
    free(out);
}

static void test_random_model(void **state)
{
    (void)state;
    /* small caps (storage is cap at once) and caps the storage grows towards,
     * powers of two or not */
    static const uint32_t caps[] = {1,   2,   3,   5,    7,    10,   17,   31,  64,
                                    100, 127, 256, 1000, 2048, 3000, 4096, 5000};
    run_stats total = {0};
    for (size_t c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
        run_stats st = {0};
        for (uint64_t seed = 1; seed <= 6; seed++)
            run_model(caps[c], seed * 0x9E3779B97F4A7C15ull ^ caps[c], 4000, &st);
        if (caps[c] > 2)
            assert_true(st.wrapped > 0); /* the ring really wrapped at this capacity */
        if (caps[c] > RECVBUF_MIN_STORAGE) {
            assert_true(st.grew > 0); /* growth moved held data at this capacity */
            assert_true(st.grew_ooo > 0);
            assert_true(st.grow_failed > 0);
        }
        total.enospc += st.enospc;
        total.enomem += st.enomem;
        total.advanced += st.advanced;
        total.wrapped += st.wrapped;
    }
    /* the interesting paths were all taken */
    /* a long run with many small out-of-order writes into a large buffer fills every
     * range entry, so the refusal path is exercised too */
    for (uint64_t seed = 3; total.enospc == 0 && seed < 3 + 6 * 20; seed += 6) {
        run_stats st = {0};
        run_model(20000, seed, 40000, &st);
        total.enospc += st.enospc;
    }
    assert_true(total.enospc > 0);
    assert_true(total.enomem > 0);
    assert_true(total.advanced > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_random_model, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
