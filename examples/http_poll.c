/* SPDX-License-Identifier: MIT */
/* An HTTP server on a TAP device, driven by the application's own poll(2) loop.
 *
 * synack's core does no I/O: this program owns the device, the clock and the sleeping.
 * Each round it sleeps in poll(2) on the TAP file descriptor until a frame arrives or the
 * stack's next timer is due, hands every queued frame to synack_input(), lets the stack
 * run its timers with synack_poll(), and then serves HTTP over synack's sockets (the
 * server in http_app.c, which both HTTP examples link). Frames the stack sends go
 * straight to the device through the netif's output callback. http_loop.c is the same
 * server on the library's loop helper instead.
 *
 * Usage (as root, or with CAP_NET_ADMIN):
 *     http_poll IFNAME ADDR/PREFIX [PORT]
 *     ip tuntap add dev tap0 mode tap && ip addr add 192.0.2.1/24 dev tap0 && ip link set tap0 up
 *     http_poll tap0 192.0.2.2/24 80 &     # synack answers at 192.0.2.2
 *     curl http://192.0.2.2/hello          # the kernel, at 192.0.2.1, asks
 * SIGINT or SIGTERM ends it; it then prints how many requests it answered. */
#define _POSIX_C_SOURCE 200809L /* poll(), clock_gettime() in strict C11 */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <synack/synack.h>
#include <synack/tuntap.h>

#include "http_app.h"

/* ---- the host: device, clock and loop, all the application's ---- */

/* The stack's time: any monotonic clock in microseconds will do, as long as it never goes
 * backwards. */
static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* How long poll(2) may sleep: until the stack's next deadline, at most a second (the
 * signal flag is checked at least that often). */
static int sleep_ms(synack_stack *st)
{
    uint64_t deadline = synack_next_deadline(st), now = now_us();
    if (deadline <= now)
        return 0;
    uint64_t ms = (deadline - now + 999) / 1000;
    return ms > 1000 ? 1000 : (int)ms;
}

int main(int argc, char **argv)
{
    uint32_t addr;
    uint8_t prefix_len;
    long port;
    if (parse_args(argc, argv, "http_poll", &addr, &prefix_len, &port) < 0)
        return 2;

    /* The device: a TAP interface carries Ethernet frames (the stack answers ARP). */
    synack_tuntap dev;
    int rc = synack_tuntap_open(&dev, argv[1], SYNACK_LINK_ETHERNET);
    if (rc < 0) {
        fprintf(stderr, "http_poll: cannot open TAP %s: %s\n", argv[1], strerror(-rc));
        return 1;
    }

    /* The stack: the default configuration, plus where it lives on the network. */
    synack_config cfg;
    synack_config_default(&cfg);
    synack_tuntap_netif(&dev, &cfg.netif); /* frame type, MTU, output = write to the device */
    cfg.netif.addr = addr;
    cfg.netif.prefix_len = prefix_len;
    synack_tuntap_make_mac(cfg.netif.mac, addr); /* any seed; must differ from the kernel's */
    synack_stack *st = synack_stack_new(&cfg);
    server sv;
    if (!st || (rc = server_start(&sv, st, addr, (uint16_t)port)) < 0) {
        fprintf(stderr, "http_poll: cannot start: %s\n", st ? strerror(-rc) : "bad config or no memory");
        synack_stack_free(st);
        synack_tuntap_close(&dev);
        return 1;
    }
    synack_tuntap_wait_up(&dev, 2000); /* else the kernel drops its first frames to us */
    catch_signals();
    fprintf(stderr, "http_poll: listening on %s port %ld (%s)\n", argv[2], port, dev.name);

    static uint8_t frame[SYNACK_TUNTAP_MAX_FRAME];
    while (!stop_requested) {
        struct pollfd pfd = {.fd = dev.fd, .events = POLLIN};
        if (poll(&pfd, 1, sleep_ms(st)) < 0 && errno != EINTR) {
            perror("http_poll: poll");
            break;
        }
        uint64_t now = now_us();
        /* Everything the device has queued, in a bounded batch so timers are not starved. */
        for (int i = 0; i < 64; i++) {
            long len = synack_tuntap_read(&dev, frame, sizeof frame);
            if (len == -EAGAIN)
                break;
            if (len < 0) {
                fprintf(stderr, "http_poll: read: %s\n", strerror((int)-len));
                break;
            }
            synack_input(st, now, frame, (size_t)len); /* a bad frame is dropped and counted */
        }
        synack_poll(st, now); /* due timers; also the time the socket calls below act at */
        server_step(&sv);
    }

    fprintf(stderr, "http_poll: answered %lu requests\n", sv.served);
    /* The stack first (it sends through the device), then the device. */
    synack_stack_free(st);
    synack_tuntap_close(&dev);
    return 0;
}
