/* SPDX-License-Identifier: MIT */
/* synack bench tap — lwIP on a TAP device: the comparison rows "kernel -> lwIP" and
 * "lwIP -> kernel" beside synack's.
 *
 * lwIP is the system's (Debian liblwip-dev), loaded with dlopen(3) at run time, never
 * linked: liblwip.so calls its own global functions through its PLT, and the synack tool
 * defines tcp_input and tcp_output too, so a linked lwIP could bind to synack's. The TAP
 * glue (netif, frame I/O, timers) and the two raw-API applications are ours; lwIP's
 * packaged tapif driver is not used. Built only when CMake found lwIP's headers
 * (cmake/SynackLwip.cmake defines SYNACK_HAVE_LWIP for this file). */
#ifndef SYNACK_TOOL_BENCH_LWIP_TAP_H
#define SYNACK_TOOL_BENCH_LWIP_TAP_H

#include <stdint.h>

#include "synack/tuntap.h"

/* The two transfers' outcome. Seconds are 0 when a transfer did not finish. */
typedef struct bench_lwip_result {
    double k2l_s;       /* kernel -> lwIP: kernel connect() to lwIP seeing the FIN */
    double l2k_s;       /* lwIP -> kernel: lwIP tcp_connect() to the kernel reading EOF */
    uint64_t k2l_bytes; /* bytes lwIP received and found in the expected pattern */
    uint64_t l2k_bytes; /* bytes the kernel received and found in the expected pattern */
    char err[160];      /* "" when both transfers completed intact */
} bench_lwip_result;

/* 1 when this binary was built with lwIP's headers, else 0 (the rows say "not built"). */
int bench_lwip_built(void);

/* Runs both transfers of `bytes` bytes between lwIP at lwip_addr on dev and the kernel at
 * kernel_addr (the TAP's address, already configured and up, in the caller's network
 * namespace), each bounded by max_s seconds. The kernel ends are threads of this process;
 * lwIP runs single-threaded in the calling thread. Call at most once per process (lwIP's
 * state is global). Returns 0, or -1 with res->err set. */
int bench_lwip_tap_run(synack_tuntap *dev, uint32_t kernel_addr, uint32_t lwip_addr, uint64_t bytes,
                       double max_s, bench_lwip_result *res);

#endif
