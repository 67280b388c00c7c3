/* SPDX-License-Identifier: MIT */
/* The HTTP server of http_poll.c (http_app.c) on the library's loop helper (synack/loop.h).
 *
 * synack_loop is host glue shipped beside the core: it owns the clock (CLOCK_MONOTONIC),
 * sleeps in ppoll(2) until a frame arrives or the stack's next timer is due, feeds the
 * device's frames to synack_input() and runs synack_poll(). What is left to the
 * application is its own work between rounds; compare main() with http_poll.c's.
 *
 * Usage (as root, or with CAP_NET_ADMIN):
 *     http_loop IFNAME ADDR/PREFIX [PORT]
 *     ip tuntap add dev tap0 mode tap && ip addr add 192.0.2.1/24 dev tap0 && ip link set tap0 up
 *     http_loop tap0 192.0.2.2/24 80 &     # synack answers at 192.0.2.2
 *     curl http://192.0.2.2/hello          # the kernel, at 192.0.2.1, asks
 * SIGINT or SIGTERM ends it; it then prints how many requests it answered. */
#include <stdio.h>
#include <string.h>

#include <synack/loop.h>
#include <synack/synack.h>
#include <synack/tuntap.h>

#include "http_app.h"

/* ---- the host: the library's loop ---- */

int main(int argc, char **argv)
{
    uint32_t addr;
    uint8_t prefix_len;
    long port;
    if (parse_args(argc, argv, "http_loop", &addr, &prefix_len, &port) < 0)
        return 2;

    synack_tuntap dev;
    int rc = synack_tuntap_open(&dev, argv[1], SYNACK_LINK_ETHERNET);
    if (rc < 0) {
        fprintf(stderr, "http_loop: cannot open TAP %s: %s\n", argv[1], strerror(-rc));
        return 1;
    }

    /* The loop on the device: no faults, no capture (all zero). */
    synack_loop_config lcfg;
    memset(&lcfg, 0, sizeof lcfg);
    lcfg.dev = &dev;
    synack_loop *lp = synack_loop_new(&lcfg);

    /* The stack sends through the loop (which writes to the device) instead of to the
     * device directly; the rest is as in http_poll.c. */
    synack_config cfg;
    synack_config_default(&cfg);
    synack_stack *st = NULL;
    if (lp) {
        synack_loop_netif(lp, &cfg.netif);
        cfg.netif.addr = addr;
        cfg.netif.prefix_len = prefix_len;
        synack_tuntap_make_mac(cfg.netif.mac, addr);
        st = synack_stack_new(&cfg);
    }
    server sv;
    if (!st || (rc = server_start(&sv, st, addr, (uint16_t)port)) < 0) {
        fprintf(stderr, "http_loop: cannot start: %s\n", st ? strerror(-rc) : "bad config or no memory");
        synack_stack_free(st);
        synack_loop_free(lp);
        synack_tuntap_close(&dev);
        return 1;
    }
    synack_loop_attach(lp, st); /* the device's frames go to this stack */
    synack_tuntap_wait_up(&dev, 2000);
    catch_signals();
    fprintf(stderr, "http_loop: listening on %s port %ld (%s)\n", argv[2], port, dev.name);

    while (!stop_requested) {
        /* Sleep (at most a second) and let the stack take in frames and run its timers. */
        rc = synack_loop_run_once(lp, 1000000, NULL, 0);
        if (rc < 0) {
            fprintf(stderr, "http_loop: device: %s\n", strerror(-rc));
            break;
        }
        server_step(&sv);
        synack_loop_service(lp); /* what the socket calls made due goes out now */
    }

    synack_loop_stats stats;
    synack_loop_get_stats(lp, &stats);
    fprintf(stderr, "http_loop: answered %lu requests (%llu frames in, %llu out)\n", sv.served,
            (unsigned long long)stats.rx_frames, (unsigned long long)stats.tx_frames);
    /* Teardown in the reverse order of setup: stack, loop, device. */
    synack_stack_free(st);
    synack_loop_free(lp);
    synack_tuntap_close(&dev);
    return 0;
}
