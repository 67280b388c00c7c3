/* SPDX-License-Identifier: MIT */
/* synack gateway --busy-poll (tools/synack/cmd_gateway_spin.c and cmd_gateway_events.c,
 * compiled into this test): a wait polls before it sleeps only after a round that moved a
 * few small frames over the TAP, never after an idle round or a transfer's, never with the
 * option at 0 or when enough other threads poll; a poll ends at the first event (a hit) or
 * after its budget, then sleeps as a plain wait would; the count of pollers is given back. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "cmd_gateway_spin.h"

static uint64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void test_due_after_small_rounds_only(void **state)
{
    (void)state;
    gw_spin s = {.us = 50};
    assert_false(gw_spin_due(&s, 0, 1000));  /* nothing moved: a timer's round */
    assert_true(gw_spin_due(&s, 66, 1000));  /* a SYN */
    assert_false(gw_spin_due(&s, 66, 1000)); /* nothing since */
    assert_true(gw_spin_due(&s, 66 + GW_SPIN_ROUND_BYTES, 1000)); /* at the bound */
    uint64_t m = 66 + GW_SPIN_ROUND_BYTES;
    assert_false(gw_spin_due(&s, m + GW_SPIN_ROUND_BYTES + 1, 1000)); /* a transfer's */
    m += GW_SPIN_ROUND_BYTES + 1;
    assert_int_equal(s.moved, m);
    assert_false(gw_spin_due(&s, m + 100, 0)); /* a wait that does not sleep anyway */
    assert_true(gw_spin_due(&s, m + 200, -1)); /* an endless one: yes */
    s.us = 0;
    assert_false(gw_spin_due(&s, m + 300, 1000)); /* --busy-poll 0 */
    /* The TAP's count wraps as unsigned arithmetic does. */
    gw_spin w = {.us = 50, .moved = UINT64_MAX - 10};
    assert_true(gw_spin_due(&w, 20, 1000));
}

/* An event already there: the poll returns it at once and counts a hit. */
static void test_poll_hits_pending_event(void **state)
{
    (void)state;
    gw_ev e;
    assert_int_equal(gw_ev_init(&e), 0);
    int fd = eventfd(1, EFD_NONBLOCK | EFD_CLOEXEC);
    assert_true(fd >= 0);
    uint64_t tag = GW_EV_TAG(GW_EV_RELAY, 3, fd);
    assert_int_equal(gw_ev_set(&e, fd, EPOLLIN, tag), 0);
    gw_spin s = {.us = 1000, .max_spinners = 1};
    struct epoll_event ev[4];
    uint64_t t0 = mono_us();
    assert_int_equal(gw_spin_wait(&s, &e, ev, 4, 1000, 100), 1);
    assert_true(mono_us() - t0 < 500000); /* not the 1 s sleep */
    assert_int_equal(ev[0].data.u64, tag);
    assert_int_equal(s.polls, 1);
    assert_int_equal(s.hits, 1);
    close(fd);
    gw_ev_free(&e);
}

/* Nothing comes: the poll lasts its budget, then the wait sleeps its timeout and returns 0;
 * a poll, no hit. */
static void test_poll_budget_then_sleep(void **state)
{
    (void)state;
    gw_ev e;
    assert_int_equal(gw_ev_init(&e), 0);
    int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); /* never readable */
    assert_true(fd >= 0);
    assert_int_equal(gw_ev_set(&e, fd, EPOLLIN, GW_EV_TAG(GW_EV_RELAY, 0, fd)), 0);
    gw_spin s = {.us = 3000, .max_spinners = 1};
    struct epoll_event ev[4];
    uint64_t t0 = mono_us();
    assert_int_equal(gw_spin_wait(&s, &e, ev, 4, 20, 100), 0);
    uint64_t took = mono_us() - t0;
    assert_true(took >= 3000 + 20000 - 1000); /* the budget, then (about) the timeout */
    assert_int_equal(s.polls, 1);
    assert_int_equal(s.hits, 0);
    /* After a round that moved nothing, no poll: only the sleep. */
    assert_int_equal(gw_spin_wait(&s, &e, ev, 4, 1, 100), 0);
    assert_int_equal(s.polls, 1);
    close(fd);
    gw_ev_free(&e);
}

/* With the threads' count of pollers at its bound, a thread sleeps instead; a poll gives its
 * place back whichever way it ends. */
static void test_spinners_bound(void **state)
{
    (void)state;
    gw_ev e;
    assert_int_equal(gw_ev_init(&e), 0);
    int fd = eventfd(1, EFD_NONBLOCK | EFD_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_equal(gw_ev_set(&e, fd, EPOLLIN, GW_EV_TAG(GW_EV_RELAY, 0, fd)), 0);
    _Atomic uint32_t spinners = 1;
    gw_spin s = {.us = 1000, .max_spinners = 1, .spinners = &spinners};
    struct epoll_event ev[4];
    assert_int_equal(gw_spin_wait(&s, &e, ev, 4, 1000, 100), 1); /* the event, unpolled */
    assert_int_equal(s.polls, 0);
    assert_int_equal(atomic_load(&spinners), 1);
    spinners = 0;
    assert_int_equal(gw_spin_wait(&s, &e, ev, 4, 1000, 200), 1);
    assert_int_equal(s.polls, 1);
    assert_int_equal(s.hits, 1);
    assert_int_equal(atomic_load(&spinners), 0);
    /* A miss gives it back too. */
    uint64_t one;
    assert_int_equal(read(fd, &one, sizeof one), (ssize_t)sizeof one);
    s.us = 200;
    assert_int_equal(gw_spin_wait(&s, &e, ev, 4, 1, 300), 0);
    assert_int_equal(s.polls, 2);
    assert_int_equal(s.hits, 1);
    assert_int_equal(atomic_load(&spinners), 0);
    close(fd);
    gw_ev_free(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_due_after_small_rounds_only),
        cmocka_unit_test(test_poll_hits_pending_event),
        cmocka_unit_test(test_poll_budget_then_sleep),
        cmocka_unit_test(test_spinners_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
