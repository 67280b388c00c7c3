/* SPDX-License-Identifier: MIT */
/* synack gateway: the epoll event table (tools/synack/cmd_gateway_events.c, compiled into
 * this test). An fd is registered once and touched again only when its interest changes;
 * a closed fd leaves no stale registration behind, even when its number comes back at
 * once; the pollfd list path adds, changes and removes exactly what changed. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cmocka.h>

#include "cmd_gateway_events.h"

static int efd_ready(void)
{
    int fd = eventfd(1, EFD_NONBLOCK | EFD_CLOEXEC); /* readable and writable */
    assert_true(fd >= 0);
    return fd;
}

static void test_set_only_on_change(void **state)
{
    (void)state;
    gw_ev e;
    assert_int_equal(gw_ev_init(&e), 0);
    int fd = efd_ready();
    uint64_t tag = GW_EV_TAG(GW_EV_RELAY, 7, fd);
    assert_int_equal(gw_ev_set(&e, fd, EPOLLIN, tag), 0);
    assert_int_equal(e.ctl_calls, 1);
    assert_int_equal(gw_ev_set(&e, fd, EPOLLIN, tag), 0); /* the same: no call */
    assert_int_equal(e.ctl_calls, 1);
    struct epoll_event ev[4];
    assert_int_equal(gw_ev_wait(&e, ev, 4, 0), 1);
    assert_int_equal(ev[0].data.u64, tag);
    assert_int_equal(GW_EV_KIND(ev[0].data.u64), GW_EV_RELAY);
    assert_int_equal(GW_EV_IDX(ev[0].data.u64), 7);
    assert_int_equal(GW_EV_FD(ev[0].data.u64), fd);
    assert_int_equal(ev[0].events, EPOLLIN);
    /* Interest change: one MOD. */
    assert_int_equal(gw_ev_set(&e, fd, EPOLLIN | EPOLLOUT, tag), 0);
    assert_int_equal(e.ctl_calls, 2);
    assert_int_equal(gw_ev_wait(&e, ev, 4, 0), 1);
    assert_int_equal(ev[0].events, EPOLLIN | EPOLLOUT);
    /* No interest: removed, and nothing reported any more. */
    assert_int_equal(gw_ev_set(&e, fd, 0, 0), 0);
    assert_int_equal(e.ctl_calls, 3);
    assert_int_equal(gw_ev_wait(&e, ev, 4, 0), 0);
    assert_int_equal(gw_ev_set(&e, fd, 0, 0), 0);
    assert_int_equal(e.ctl_calls, 3);
    assert_int_equal(gw_ev_set(&e, -1, EPOLLIN, 0), -EINVAL);
    close(fd);
    gw_ev_free(&e);
}

/* Edge-triggered, as relays register: one report per edge, none while nothing changes. */
static void test_edge_triggered(void **state)
{
    (void)state;
    gw_ev e;
    assert_int_equal(gw_ev_init(&e), 0);
    int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_equal(gw_ev_set(&e, fd, EPOLLIN | EPOLLET, GW_EV_TAG(GW_EV_RELAY, 1, fd)), 0);
    struct epoll_event ev[4];
    assert_int_equal(gw_ev_wait(&e, ev, 4, 0), 0);
    uint64_t one = 1;
    assert_int_equal(write(fd, &one, sizeof(one)), sizeof(one));
    assert_int_equal(gw_ev_wait(&e, ev, 4, 0), 1);
    assert_int_equal(gw_ev_wait(&e, ev, 4, 0), 0); /* still readable, but no new edge */
    assert_int_equal(e.waits, 1);
    close(fd);
    gw_ev_free(&e);
}

/* A closed fd whose number is reused at once (the lowest free fd) by a new socket with
 * the same interest and tag is registered again: no stale entry swallows it. */
static void test_close_reopen_same_number(void **state)
{
    (void)state;
    gw_ev e;
    assert_int_equal(gw_ev_init(&e), 0);
    gw_ev_bind(&e);
    int fd = efd_ready();
    uint64_t tag = GW_EV_TAG(GW_EV_RELAY, 3, fd);
    assert_int_equal(gw_ev_set(&e, fd, EPOLLIN, tag), 0);
    assert_int_equal(gw_fd_close(fd), 0);
    int fd2 = efd_ready();
    assert_int_equal(fd2, fd);
    assert_int_equal(gw_ev_set(&e, fd2, EPOLLIN, tag), 0);
    assert_int_equal(e.ctl_calls, 2); /* ADD again */
    struct epoll_event ev[4];
    assert_int_equal(gw_ev_wait(&e, ev, 4, 0), 1);
    assert_int_equal(ev[0].data.u64, tag);
    /* Closed without gw_fd_close (a path that forgot): the MOD fails, the ADD follows. */
    close(fd2);
    int fd3 = efd_ready();
    assert_int_equal(fd3, fd);
    assert_int_equal(gw_ev_set(&e, fd3, EPOLLIN | EPOLLOUT, tag), 0);
    assert_int_equal(gw_ev_wait(&e, ev, 4, 0), 1);
    assert_int_equal(ev[0].events, EPOLLIN | EPOLLOUT);
    close(fd3);
    gw_ev_free(&e);
}

/* The pollfd list: unchanged entries cost nothing, revents come back at their (moving)
 * index, an fd that left the list is removed, one that closed and came back is re-added. */
static void test_sync_list(void **state)
{
    (void)state;
    gw_ev e;
    assert_int_equal(gw_ev_init(&e), 0);
    gw_ev_bind(&e);
    int a = efd_ready(), b = efd_ready();
    struct pollfd pf[4] = {{.fd = a, .events = POLLIN}, {.fd = b, .events = POLLIN}};
    gw_ev_sync(&e, pf, 2);
    assert_int_equal(e.ctl_calls, 2);
    assert_int_equal(e.nlist, 2);
    struct epoll_event ev[4];
    assert_int_equal(gw_ev_wait(&e, ev, 4, 0), 0); /* list events are not returned... */
    assert_int_equal(pf[0].revents, POLLIN);       /* ...but written back */
    assert_int_equal(pf[1].revents, POLLIN);
    /* The same fds at other indexes, b with another interest: one MOD. */
    pf[0] = (struct pollfd){.fd = b, .events = POLLOUT};
    pf[1] = (struct pollfd){.fd = a, .events = POLLIN};
    gw_ev_sync(&e, pf, 2);
    assert_int_equal(e.ctl_calls, 3);
    assert_int_equal(pf[0].revents, 0);
    assert_int_equal(gw_ev_wait(&e, ev, 4, 0), 0);
    assert_int_equal(pf[0].revents, POLLOUT);
    assert_int_equal(pf[1].revents, POLLIN);
    /* b leaves the list: removed. */
    pf[0] = (struct pollfd){.fd = a, .events = POLLIN};
    gw_ev_sync(&e, pf, 1);
    assert_int_equal(e.ctl_calls, 4);
    assert_int_equal(e.nlist, 1);
    assert_int_equal(gw_ev_wait(&e, ev, 4, 0), 0);
    assert_int_equal(pf[0].revents, POLLIN);
    /* a closes and its number comes back for a new flow, listed as before. */
    assert_int_equal(gw_fd_close(a), 0);
    int a2 = efd_ready();
    assert_int_equal(a2, a);
    pf[0] = (struct pollfd){.fd = a2, .events = POLLIN};
    gw_ev_sync(&e, pf, 1);
    assert_int_equal(e.ctl_calls, 5);
    assert_int_equal(gw_ev_wait(&e, ev, 4, 0), 0);
    assert_int_equal(pf[0].revents, POLLIN);
    /* An empty list empties the set. */
    gw_ev_sync(&e, pf, 0);
    assert_int_equal(e.nlist, 0);
    assert_int_equal(gw_ev_wait(&e, ev, 4, 0), 0);
    /* An fd another owner registers directly leaves the list's care. */
    pf[0] = (struct pollfd){.fd = b, .events = POLLIN};
    gw_ev_sync(&e, pf, 1);
    assert_int_equal(gw_ev_set(&e, b, EPOLLIN, GW_EV_TAG(GW_EV_TAP, 0, b)), 0);
    gw_ev_sync(&e, pf, 0);
    assert_int_equal(e.nlist, 0);
    assert_int_equal(gw_ev_wait(&e, ev, 4, 0), 1); /* still registered, as the TAP's */
    assert_int_equal(GW_EV_KIND(ev[0].data.u64), GW_EV_TAP);
    close(a2);
    close(b);
    gw_ev_free(&e);
}

/* Many fds: each registered once, the table grows with the largest fd only. */
static void test_many_fds_once(void **state)
{
    (void)state;
    gw_ev e;
    assert_int_equal(gw_ev_init(&e), 0);
    int fds[200];
    for (int i = 0; i < 200; i++) {
        fds[i] = efd_ready();
        assert_int_equal(
            gw_ev_set(&e, fds[i], EPOLLIN | EPOLLET, GW_EV_TAG(GW_EV_RELAY, i, fds[i])), 0);
    }
    assert_int_equal(e.ctl_calls, 200);
    for (int i = 0; i < 200; i++)
        assert_int_equal(
            gw_ev_set(&e, fds[i], EPOLLIN | EPOLLET, GW_EV_TAG(GW_EV_RELAY, i, fds[i])), 0);
    assert_int_equal(e.ctl_calls, 200);
    assert_true(e.nslot <= 512);
    struct epoll_event ev[256];
    assert_int_equal(gw_ev_wait(&e, ev, 256, 0), 200);
    for (int i = 0; i < 200; i++)
        close(fds[i]);
    gw_ev_free(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_only_on_change),
        cmocka_unit_test(test_edge_triggered),
        cmocka_unit_test(test_close_reopen_same_number),
        cmocka_unit_test(test_sync_list),
        cmocka_unit_test(test_many_fds_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
