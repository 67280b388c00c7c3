/* SPDX-License-Identifier: MIT */
/* The shim's model of the host under profile=linux: the net.ipv4.tcp_* sysctls a script
 * sets (in ../common/defaults.sh, or with set_sysctls.py in its first backtick block)
 * become the matching synack config fields, as a Linux socket would follow them.
 *
 * Scripts set them after packetdrill has loaded the shim, so the stack is configured again
 * when the first socket is made (pd_sock.c); sysctls written after that are not seen,
 * but for tcp_ecn and tcp_timestamps, which Linux reads at each handshake: every new
 * socket takes their values then (SYNACK_TCP_ECN, SYNACK_TCP_TIMESTAMPS).
 * tcp_fastopen gives its client bits to fastopen_client, its server bits (0x2, 0x200,
 * 0x400) to fastopen_server, and
 * tcp_fastopen_key becomes the stack's Fast Open key (pd_host_apply_stack).
 * tcp_mtu_probing, tcp_base_mss, tcp_probe_threshold and tcp_probe_interval are the
 * config's PLPMTUD knobs; the routes' metrics come from pd_route.c.
 * Knobs without a synack counterpart (tcp_syn_linear_timeouts,
 * tcp_slow_start_after_idle, ...) are ignored; docs/CONFORMANCE.md lists
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

static const char *host_dir(const pd_shim *sh)
{
    const char *dir = sh->sysctl_dir[0] ? sh->sysctl_dir : "/proc/sys/net/ipv4";
    return !sh->linux_profile || strcmp(dir, "none") == 0 ? NULL : dir;
}

/* net.ipv4.tcp_fastopen's client bits (0x1 enable, 0x4 no cookie; the server bits are
 * read apart). Scripts switch them between calls, so they are read at each Fast Open call
 * (pd_sock.c) rather than once into the config: the stack is built with the client
 * enabled, and the shim refuses (0x1 clear) or asks for cookie-less SYN data (0x4 set,
 * TCP_FASTOPEN_NO_COOKIE) per call as the file says then. */
int pd_host_fastopen_client(const pd_shim *sh)
{
    const char *dir = host_dir(sh);
    long v;
    if (!dir || !read_long(dir, "tcp_fastopen", &v))
        return -1;
    return (int)(v & (SYNACK_TFO_CLIENT_ENABLE | SYNACK_TFO_CLIENT_NO_COOKIE));
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
    if (read_long(dir, "tcp_notsent_lowat", &v) && v > 0)
        cfg->notsent_lowat = clamp_u32(v, 1, UINT32_MAX);
    if (read_long(dir, "tcp_fastopen", &v)) {
        cfg->fastopen_server =
            (uint32_t)v & (SYNACK_TFO_SERVER_ENABLE | SYNACK_TFO_SERVER_COOKIE_NOT_REQD |
                           SYNACK_TFO_SERVER_WO_SOCKOPT);
        cfg->fastopen_client = SYNACK_TFO_CLIENT_ENABLE; /* the rest: pd_host_fastopen_client */
    }
    /* 0, 1, 2 as synack's; Linux's AccECN modes (3 and up) are not modelled. */
    if (read_long(dir, "tcp_ecn", &v) && v >= 0 && v <= 2)
        cfg->ecn = (uint8_t)v;
    /* Packetization-Layer Path MTU Discovery (RFC 4821), Linux's knobs as they are. */
    if (read_long(dir, "tcp_mtu_probing", &v) && v >= 0 && v <= 2)
        cfg->mtu_probing = (uint8_t)v;
    if (read_long(dir, "tcp_base_mss", &v) && v >= 48 && v <= 65495)
        cfg->base_mss = (uint16_t)v;
    if (read_long(dir, "tcp_probe_threshold", &v) && v >= 0 && v <= 65535)
        cfg->probe_threshold = (uint32_t)v;
    if (read_long(dir, "tcp_probe_interval", &v) && v >= 1 && v <= 86400)
        cfg->probe_interval_us = (uint64_t)v * 1000000;
    if (read_long(dir, "tcp_min_tso_segs", &v) && v > 0)
        cfg->tso_min_segs = (uint8_t)clamp_u32(v, 1, 255);
    /* 1 is the profile's restart (Linux's form), 0 none */
    if (read_long(dir, "tcp_slow_start_after_idle", &v) && v == 0)
        cfg->cwnd_restart = 0;
    /* tcp_recovery bit 0 is RACK-TLP; an explicit rack= flag still wins. */
    if (sh->rack < 0 && read_long(dir, "tcp_recovery", &v))
        cfg->rack = (v & 1) != 0;
}

void pd_host_apply_stack(const pd_shim *sh, synack_stack *st)
{
    const char *dir = sh->sysctl_dir[0] ? sh->sysctl_dir : "/proc/sys/net/ipv4";
    if (!sh->linux_profile || strcmp(dir, "none") == 0)
        return;
    char path[512];
    if (snprintf(path, sizeof(path), "%s/tcp_fastopen_key", dir) >= (int)sizeof(path))
        return;
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    /* "%08x-%08x-%08x-%08x", then ",..." for the backup key: each word is stored
     * little-endian, as Linux's proc handler does before it keys SipHash with the bytes */
    unsigned w[8];
    int n = fscanf(f, "%x-%x-%x-%x,%x-%x-%x-%x", &w[0], &w[1], &w[2], &w[3], &w[4], &w[5], &w[6],
                   &w[7]);
    fclose(f);
    if (n != 4 && n != 8)
        return;
    uint8_t key[32];
    for (int i = 0; i < n; i++)
        for (int b = 0; b < 4; b++)
            key[i * 4 + b] = (uint8_t)(w[i] >> (8 * b));
    synack_fastopen_key(st, key, (size_t)n * 4);
}

void pd_host_socket(const pd_shim *sh, int s)
{
    const char *dir = host_dir(sh);
    long v;
    if (!dir)
        return;
    if (read_long(dir, "tcp_ecn", &v) && v >= 0 && v <= 2) {
        int mode = (int)v;
        synack_setsockopt(sh->st, s, IPPROTO_TCP, SYNACK_TCP_ECN, &mode, sizeof(mode));
    }
    if (read_long(dir, "tcp_timestamps", &v)) {
        int on = v != 0;
        synack_setsockopt(sh->st, s, IPPROTO_TCP, SYNACK_TCP_TIMESTAMPS, &on, sizeof(on));
    }
}
