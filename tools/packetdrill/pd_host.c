/* SPDX-License-Identifier: MIT */
/* The shim's model of the host under profile=linux: the net.ipv4.tcp_* sysctls a script
 * sets (in ../common/defaults.sh, or with set_sysctls.py in its first backtick block)
 * become the matching synack config fields, as a Linux socket would follow them.
 *
 * Scripts set them after packetdrill has loaded the shim, so the stack is configured again
 * when the first socket is made (pd_sock.c); sysctls written after that are not seen,
 * but for tcp_ecn, which Linux reads at each handshake: every new socket takes its value
 * then (SYNACK_TCP_ECN).
 * Knobs without a synack counterpart (tcp_fastopen, tcp_syn_linear_timeouts,
 * tcp_slow_start_after_idle, tcp_min_tso_segs, ...) are ignored; docs/CONFORMANCE.md lists
 * them. tcp_congestion_control is not followed: every upstream script asks for cubic
 * (the profile's default), and where the namespace may not load it the write fails and the
 * file keeps the host's choice, which is not what the script meant. The directory is
 * /proc/sys/net/ipv4 unless so_flags sysctl_dir= names another (tests) or "none" (no host model).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pd_shim.h"

/* Reads the first integer of dir/name (tcp_rmem holds three); 1 on success. */
static int read_long(const char *dir, const char *name, long *v)
{
    char path[512];
    if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
        return 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    int ok = fscanf(f, "%li", v) == 1;
    fclose(f);
    return ok;
}

static uint32_t clamp_u32(long v, uint32_t lo, uint32_t hi)
{
    if (v < (long)lo)
        return lo;
    if ((unsigned long)v > hi)
        return hi;
    return (uint32_t)v;
}

void pd_host_apply(const pd_shim *sh, synack_config *cfg)
{
    const char *dir = sh->sysctl_dir[0] ? sh->sysctl_dir : "/proc/sys/net/ipv4";
    if (!sh->linux_profile || strcmp(dir, "none") == 0)
        return;
    long v;
    if (read_long(dir, "tcp_timestamps", &v))
        cfg->timestamps = v != 0; /* 2 (no per-connection offset) is still "on" */
    if (read_long(dir, "tcp_sack", &v))
        cfg->sack = v != 0;
    if (read_long(dir, "tcp_window_scaling", &v) && v == 0)
        cfg->wscale = 255; /* synack's "no window-scale option" */
    if (read_long(dir, "tcp_syn_retries", &v))
        cfg->syn_retries = clamp_u32(v, 1, 127);
    if (read_long(dir, "tcp_synack_retries", &v))
        cfg->synack_retries = clamp_u32(v, 0, 255);
    if (read_long(dir, "tcp_retries2", &v))
        cfg->data_retries = clamp_u32(v, 0, 255);
    if (read_long(dir, "tcp_fin_timeout", &v) && v > 0)
        cfg->fin_wait2_us = (uint64_t)v * 1000000;
    if (read_long(dir, "tcp_keepalive_time", &v) && v > 0)
        cfg->keepidle_us = (uint64_t)v * 1000000;
    if (read_long(dir, "tcp_keepalive_intvl", &v) && v > 0)
        cfg->keepintvl_us = (uint64_t)v * 1000000;
    if (read_long(dir, "tcp_keepalive_probes", &v) && v > 0)
        cfg->keepcnt = clamp_u32(v, 1, 127);
    if (read_long(dir, "tcp_syncookies", &v))
        cfg->syncookies = (uint8_t)clamp_u32(v, 0, 2);
    if (read_long(dir, "tcp_abort_on_overflow", &v))
        cfg->abort_on_overflow = v != 0;
    if (read_long(dir, "tcp_challenge_ack_limit", &v) && v > 0)
        cfg->challenge_ack_limit = clamp_u32(v, 1, UINT32_MAX);
    /* 0, 1, 2 as synack's; Linux's AccECN modes (3 and up) are not modelled. */
    if (read_long(dir, "tcp_ecn", &v) && v >= 0 && v <= 2)
        cfg->ecn = (uint8_t)v;
    /* tcp_recovery bit 0 is RACK-TLP; an explicit rack= flag still wins. */
    if (sh->rack < 0 && read_long(dir, "tcp_recovery", &v))
        cfg->rack = (v & 1) != 0;
}

void pd_host_socket(const pd_shim *sh, int s)
{
    const char *dir = sh->sysctl_dir[0] ? sh->sysctl_dir : "/proc/sys/net/ipv4";
    long v;
    if (!sh->linux_profile || strcmp(dir, "none") == 0 || !read_long(dir, "tcp_ecn", &v) || v < 0 ||
        v > 2)
        return;
    int mode = (int)v;
    synack_setsockopt(sh->st, s, IPPROTO_TCP, SYNACK_TCP_ECN, &mode, sizeof(mode));
}
