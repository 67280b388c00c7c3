/* SPDX-License-Identifier: MIT */
/* SYNACK_TUNTAP_MULTI_QUEUE: every open of one name attaches another queue of the same
 * device. Runs in a network namespace of its own (unshare), so no interface appears
 * anywhere else; skipped without root or /dev/net/tun. */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "synack/tuntap.h"

static void test_multi_queue(void **state)
{
    (void)state;
    if (unshare(CLONE_NEWNET) != 0 || access("/dev/net/tun", R_OK | W_OK) != 0)
        skip();
    synack_tuntap q[3];
    unsigned mq = SYNACK_TUNTAP_MULTI_QUEUE | SYNACK_TUNTAP_OFFLOAD;
    int rc = synack_tuntap_open_ex(&q[0], "mq0", SYNACK_LINK_ETHERNET, mq);
    if (rc == -EPERM || rc == -ENOENT)
        skip();
    assert_int_equal(rc, 0);
    assert_string_equal(q[0].name, "mq0");
    /* the second queue of the same device */
    assert_int_equal(synack_tuntap_open_ex(&q[1], "mq0", SYNACK_LINK_ETHERNET, mq), 0);
    assert_string_equal(q[1].name, "mq0");
    assert_true(q[1].fd >= 0 && q[1].fd != q[0].fd);
    assert_int_equal(q[1].vnet_hdr_len, q[0].vnet_hdr_len);
    /* a single-queue open of a multi-queue device is refused by the kernel */
    assert_int_equal(
        synack_tuntap_open_ex(&q[2], "mq0", SYNACK_LINK_ETHERNET, SYNACK_TUNTAP_OFFLOAD), -EINVAL);
    assert_int_equal(q[2].fd, -1);
    /* nothing queued on either */
    uint8_t buf[128];
    assert_int_equal(synack_tuntap_read(&q[0], buf, sizeof(buf)), -EAGAIN);
    assert_int_equal(synack_tuntap_read(&q[1], buf, sizeof(buf)), -EAGAIN);
    synack_tuntap_close(&q[1]);
    synack_tuntap_close(&q[0]);
    /* unknown flags stay refused */
    assert_int_equal(synack_tuntap_open_ex(&q[0], "mq1", SYNACK_LINK_ETHERNET, 1u << 7), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_multi_queue),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
