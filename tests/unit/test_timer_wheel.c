/* SPDX-License-Identifier: MIT */
/* Unit tests for src/util/timer_wheel.c: behaviour cases and a randomized
 * model check against a plain array of deadlines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/timer_wheel.h"
#include "util/rng.h"

static void test_empty_wheel(void **state)
{
    (void)state;
    timer_wheel w;
    tw_init(&w, 1000);
    assert_int_equal(tw_count(&w), 0);
    assert_int_equal(tw_next_deadline(&w), UINT64_MAX);
    assert_null(tw_expire(&w, 5000));
    assert_null(tw_expire(&w, UINT64_MAX));
    assert_int_equal(tw_next_deadline(&w), UINT64_MAX);
}

static void test_fires_at_deadline_not_before(void **state)
{
    (void)state;
    timer_wheel w;
    tw_node n;
    tw_init(&w, 0);
    tw_node_init(&n);
    assert_false(tw_armed(&n));
    tw_arm(&w, &n, 200000);
    assert_true(tw_armed(&n));
    assert_int_equal(tw_count(&w), 1);
    assert_int_equal(tw_next_deadline(&w), 200000);
    assert_null(tw_expire(&w, 100000));
    assert_null(tw_expire(&w, 199999));
    assert_ptr_equal(tw_expire(&w, 200000), &n);
    assert_false(tw_armed(&n));
    assert_int_equal(tw_count(&w), 0);
    assert_null(tw_expire(&w, 200000));
    assert_int_equal(tw_next_deadline(&w), UINT64_MAX);
}

static void test_cancel_and_rearm(void **state)
{
    (void)state;
    timer_wheel w;
    tw_node a, b;
    tw_init(&w, 50);
    tw_node_init(&a);
    tw_node_init(&b);
    tw_cancel(&w, &a); /* not armed: no-op */
    assert_int_equal(tw_count(&w), 0);

    tw_arm(&w, &a, 1000);
    tw_arm(&w, &b, 3000);
    assert_int_equal(tw_next_deadline(&w), 1000);
    tw_cancel(&w, &a);
    assert_false(tw_armed(&a));
    assert_int_equal(tw_count(&w), 1);
    assert_int_equal(tw_next_deadline(&w), 3000);
    tw_cancel(&w, &a); /* twice: still a no-op */
    assert_int_equal(tw_count(&w), 1);

    /* Re-arming moves the timer rather than adding a second one. */
    tw_arm(&w, &b, 500);
    assert_int_equal(tw_count(&w), 1);
    assert_int_equal(tw_next_deadline(&w), 500);
    tw_arm(&w, &b, 1u << 30);
    assert_int_equal(tw_next_deadline(&w), 1u << 30);
    assert_null(tw_expire(&w, 600));
    assert_ptr_equal(tw_expire(&w, 1u << 30), &b);
    assert_null(tw_expire(&w, 1u << 30));
}

/* A deadline at or before the wheel's time fires at the very next expire. */
static void test_past_deadline_fires_next_expire(void **state)
{
    (void)state;
    timer_wheel w;
    tw_node a, b;
    tw_init(&w, 10000);
    tw_node_init(&a);
    tw_node_init(&b);
    tw_arm(&w, &a, 10000);
    tw_arm(&w, &b, 3);
    assert_int_equal(tw_next_deadline(&w), 3);
    tw_node *x = tw_expire(&w, 10000);
    tw_node *y = tw_expire(&w, 10000);
    assert_non_null(x);
    assert_non_null(y);
    assert_true((x == &a && y == &b) || (x == &b && y == &a));
    assert_null(tw_expire(&w, 10000));
}

/* Timers come out earliest first across levels. */
static void test_expires_in_deadline_order(void **state)
{
    (void)state;
    const uint64_t when[] = {
        70,     5,      4096 + 7,   64,   63, UINT64_MAX, 1ull << 40, (1ull << 40) + 1,
        262144, 262143, 1ull << 63, 4095, 65, 100000000,  7,
    };
    enum { N = sizeof when / sizeof when[0] };
    timer_wheel w;
    tw_node n[N];
    tw_init(&w, 1);
    for (int i = 0; i < N; i++) {
        tw_node_init(&n[i]);
        tw_arm(&w, &n[i], when[i]);
    }
    uint64_t last = 0;
    int fired = 0;
    tw_node *x;
    while ((x = tw_expire(&w, UINT64_MAX)) != NULL) {
        assert_true(x->when >= last);
        last = x->when;
        fired++;
    }
    assert_int_equal(fired, N);
    assert_int_equal(last, UINT64_MAX);
}

/* Jumping 7200 s, or to the end of time, costs work per timer, not per
 * microsecond elapsed (an O(ticks) wheel would never finish this test). */
static void test_huge_time_jump(void **state)
{
    (void)state;
    enum { N = 1000 };
    static tw_node n[N];
    timer_wheel w;
    synack_rng r;
    rng_seed(&r, 1);
    tw_init(&w, 0);
    for (int i = 0; i < N; i++) {
        tw_node_init(&n[i]);
        tw_arm(&w, &n[i], 1 + rng_next(&r) % 7200000000ull);
    }
    int fired = 0;
    while (tw_expire(&w, 7200000000ull))
        fired++;
    assert_int_equal(fired, N);
    for (int i = 0; i < N; i++)
        tw_arm(&w, &n[i], rng_next(&r) | 1ull << 63);
    fired = 0;
    while (tw_expire(&w, UINT64_MAX))
        fired++;
    assert_int_equal(fired, N);
    assert_int_equal(tw_next_deadline(&w), UINT64_MAX);
}

/* Several timers sharing the minimum: the deadline stays until the last goes. */
static void test_next_deadline_with_ties(void **state)
{
    (void)state;
    timer_wheel w;
    tw_node n[4];
    tw_init(&w, 0);
    for (int i = 0; i < 4; i++)
        tw_node_init(&n[i]);
    tw_arm(&w, &n[0], 5000);
    tw_arm(&w, &n[1], 5000);
    tw_arm(&w, &n[2], 5000);
    tw_arm(&w, &n[3], 9000);
    assert_int_equal(tw_next_deadline(&w), 5000);
    tw_cancel(&w, &n[1]);
    assert_int_equal(tw_next_deadline(&w), 5000);
    assert_non_null(tw_expire(&w, 6000));
    assert_int_equal(tw_next_deadline(&w), 5000);
    assert_non_null(tw_expire(&w, 6000));
    assert_int_equal(tw_next_deadline(&w), 9000);
    assert_null(tw_expire(&w, 6000));
    tw_arm(&w, &n[0], 100); /* in the wheel's past */
    assert_int_equal(tw_next_deadline(&w), 100);
    tw_cancel(&w, &n[0]);
    assert_int_equal(tw_next_deadline(&w), 9000);
}

/* A now earlier than the wheel's time does not move the wheel back. */
static void test_time_never_goes_back(void **state)
{
    (void)state;
    timer_wheel w;
    tw_node n;
    tw_init(&w, 0);
    tw_node_init(&n);
    assert_null(tw_expire(&w, 10000));
    assert_null(tw_expire(&w, 10));
    tw_arm(&w, &n, 9000); /* before the wheel's time: due now */
    assert_ptr_equal(tw_expire(&w, 10), &n);
}

/* ---- randomized model check ------------------------------------------- */

enum { MODEL_NODES = 600, MODEL_OPS = 100000 };

/* What the model believes about one node. */
typedef struct model_timer {
    /* Armed in the model. */
    int armed;
    /* Deadline while armed. */
    uint64_t when;
} model_timer;

typedef struct model {
    tw_node node[MODEL_NODES];
    model_timer m[MODEL_NODES];
    uint64_t now;
    size_t armed;
    uint64_t arms, fires, cancels, superseded;
} model;

static uint64_t model_min(const model *md)
{
    uint64_t min = UINT64_MAX;
    for (int i = 0; i < MODEL_NODES; i++)
        if (md->m[i].armed && md->m[i].when < min)
            min = md->m[i].when;
    return min;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* A deadline drawn from everywhere that matters: now, the past, each level's
 * range, the far future, and exact ties with another timer. */
static uint64_t random_when(synack_rng *r, const model *md)
{
    switch (rng_below(r, 8)) {
    case 0:
        return md->now;
    case 1:
        return md->now - rng_below(r, (uint32_t)(md->now < 5000 ? md->now + 1 : 5000));
    case 2:
        return add_sat(md->now, 1 + rng_below(r, 64));
    case 3:
        return add_sat(md->now, rng_below(r, 1u << 20));
    case 4: /* log-uniform over all magnitudes */
        return add_sat(md->now, rng_next(r) >> rng_below(r, 64));
    case 5: { /* tie with some other timer */
        int j = (int)rng_below(r, MODEL_NODES);
        return md->m[j].armed ? md->m[j].when : md->now + 1;
    }
    case 6:
        return rng_below(r, 100) == 0 ? UINT64_MAX : add_sat(md->now, 7200000000ull);
    default: /* absolute random time, past or future */
        return rng_next(r) >> rng_below(r, 4);
    }
}

/* A step of time: mostly small, sometimes exactly to (or just short of) the
 * next deadline, now and then 7200 s or a log-uniform jump of up to 2^44 us. */
static uint64_t random_advance(synack_rng *r, timer_wheel *w, const model *md)
{
    uint32_t k = rng_below(r, 20);
    if (k < 6)
        return rng_below(r, 10);
    if (k < 11)
        return rng_below(r, 100000);
    if (k < 15) {
        uint64_t next = tw_next_deadline(w);
        if (next == UINT64_MAX || next <= md->now)
            return 0;
        return next - md->now - (k & 1);
    }
    if (k < 18)
        return 1;
    if (k == 18)
        return 7200000000ull;
    return rng_next(r) >> (20 + rng_below(r, 44));
}

/* Pops one timer and checks it against the model. Returns 0 when empty. */
static int expire_one(model *md, timer_wheel *w)
{
    tw_node *x = tw_expire(w, md->now);
    if (!x)
        return 0;
    assert_true(x >= md->node && x < md->node + MODEL_NODES);
    int i = (int)(x - md->node);
    assert_false(tw_armed(x));
    assert_true(md->m[i].armed);           /* fires at most once per arm */
    assert_true(md->m[i].when <= md->now); /* never early */
    assert_int_equal(x->when, md->m[i].when);
    md->m[i].armed = 0;
    md->armed--;
    md->fires++;
    return 1;
}

static void check_consistent(model *md, timer_wheel *w)
{
    assert_int_equal(tw_count(w), md->armed);
    assert_int_equal(tw_next_deadline(w), model_min(md));
    for (int i = 0; i < MODEL_NODES; i++)
        assert_int_equal(!!tw_armed(&md->node[i]), md->m[i].armed);
}

static void run_model(uint64_t seed, uint64_t start)
{
    static model md;
    static timer_wheel w;
    synack_rng r;
    memset(&md, 0, sizeof md);
    rng_seed(&r, seed);
    md.now = start;
    tw_init(&w, start);
    for (int i = 0; i < MODEL_NODES; i++)
        tw_node_init(&md.node[i]);

    for (int op = 0; op < MODEL_OPS; op++) {
        uint32_t what = rng_below(&r, 100);
        int i = (int)rng_below(&r, MODEL_NODES);
        if (what < 45) {
            uint64_t when = random_when(&r, &md);
            if (md.m[i].armed)
                md.superseded++;
            else
                md.armed++;
            tw_arm(&w, &md.node[i], when);
            md.m[i].armed = 1;
            md.m[i].when = when;
            md.arms++;
        } else if (what < 60) {
            if (md.m[i].armed) {
                md.m[i].armed = 0;
                md.armed--;
                md.cancels++;
            }
            tw_cancel(&w, &md.node[i]);
        } else if (what < 70) {
            /* A caller that handles one timer and comes back later. */
            expire_one(&md, &w);
        } else {
            md.now = add_sat(md.now, random_advance(&r, &w, &md));
            while (expire_one(&md, &w))
                ;
            /* Nothing due may be left behind. */
            for (int j = 0; j < MODEL_NODES; j++)
                if (md.m[j].armed)
                    assert_true(md.m[j].when > md.now);
        }
        check_consistent(&md, &w);
    }

    /* Drain: everything still armed fires exactly once at the end of time. */
    md.now = UINT64_MAX;
    while (expire_one(&md, &w))
        ;
    check_consistent(&md, &w);
    assert_int_equal(md.armed, 0);
    assert_int_equal(md.arms, md.fires + md.cancels + md.superseded);
    /* The run exercised all paths. */
    assert_true(md.fires > 10000);
    assert_true(md.cancels > 1000);
    assert_true(md.superseded > 1000);
}

static void test_model_check_from_zero(void **state)
{
    (void)state;
    run_model(0x5eed, 0);
}

static void test_model_check_odd_start(void **state)
{
    (void)state;
    run_model(12345, 0x123456789abcdefull);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_wheel),
        cmocka_unit_test(test_fires_at_deadline_not_before),
        cmocka_unit_test(test_cancel_and_rearm),
        cmocka_unit_test(test_past_deadline_fires_next_expire),
        cmocka_unit_test(test_expires_in_deadline_order),
        cmocka_unit_test(test_huge_time_jump),
        cmocka_unit_test(test_next_deadline_with_ties),
        cmocka_unit_test(test_time_never_goes_back),
        cmocka_unit_test(test_model_check_from_zero),
        cmocka_unit_test(test_model_check_odd_start),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
