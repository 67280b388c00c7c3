/* SPDX-License-Identifier: MIT */
/* synack serve / connect — the shared host side (see host.h). */
#include "host.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.h"

/* Set by the signal handlers, read by the loop. */
static volatile sig_atomic_t stop_flag;
static volatile sig_atomic_t dump_flag;

static void on_stop(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static void on_dump(int sig)
{
    (void)sig;
    dump_flag = 1;
}

int host_stopping(void)
{
    return stop_flag != 0;
}

void host_opts_init(host_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->type = SYNACK_LINK_ETHERNET;
    o->seed = 1;
    o->status = -1;
}

void host_usage(FILE *out)
{
    fprintf(out,
            "device and stack:\n"
            "  --tap IF | --tun IF    the TAP (Ethernet, ARP/ND) or TUN (bare IP) device; it is\n"
            "                         created if missing (configure the kernel side with `ip`)\n"
            "  --addr A/LEN           our IPv4 address and prefix length\n"
            "  --gw A                 next hop for other subnets\n"
            "  --addr6 A/LEN          IPv6: our address and prefix length (default 64), e.g.\n"
            "                         2001:db8::1/64; a TAP adds a link-local address. One of\n"
            "                         --addr and --addr6 is needed; with --addr6 alone the\n"
            "                         stack is IPv6-only; repeated (up to 5), more addresses\n"
            "  --gw6 A                IPv6 next hop for other prefixes\n"
            "  --mtu N, --mss N       link MTU (default: the device's) and our MSS\n"
            "  --msl MS               maximum segment lifetime (TIME-WAIT lasts 2 MSL; 30000)\n"
            "  --sndbuf B, --rcvbuf B socket buffer sizes in bytes (256 KiB)\n"
            "  --keepalive I,N,C      SO_KEEPALIVE with TCP_KEEPIDLE I s, TCP_KEEPINTVL N s,\n"
            "                         TCP_KEEPCNT C\n"
            "  --nodelay              TCP_NODELAY\n"
            "  --offload              checksum offload and TSO/GSO super-packets with the\n"
            "                         kernel (IFF_VNET_HDR; a new device or one made so)\n"
            "faults (the simulator's model, on both directions of the device):\n"
            "  --loss P, --reorder P  probabilities in [0,1]; --delay MS one-way delay;\n"
            "  --seed N               seed of their choices (default 1)\n"
            "observing:\n"
            "  --pcap FILE            capture the frames as they cross the device\n"
            "  --trace                the stack's events as JSON Lines on stderr\n"
            "  --sha256               SHA-256 of the bytes sent and received (costs CPU)\n"
            "  --status | --quiet     force the once-a-second status line on or off (default:\n"
            "                         on when stderr is a terminal)\n"
            "  --no-ctl               no control socket for `synack stat`\n"
            "  --json                 the end summary (and each report) as JSON, one object\n"
            "                         per line\n"
            "  SIGUSR1                prints the connection table (with the other reports)\n");
}

int host_parse_ip(const char *s, uint32_t *out)
{
    struct in_addr a;
    if (inet_pton(AF_INET, s, &a) != 1)
        return -1;
    *out = ntohl(a.s_addr);
    return 0;
}

static int parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
    char *end;
    errno = 0;
    if (!s[0] || s[0] == '-')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end != '\0' || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_double(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end != '\0' || isnan(v) || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int bad(const char *cmd, const char *opt, const char *want, const char *val)
{
    fprintf(stderr, "synack %s: %s wants %s, not '%s'\n", cmd, opt, want, val);
    return -1;
}

int host_parse_opt(host_opts *o, const char *cmd, int argc, char **argv, int *i)
{
    static const char *const flags[] = {"--nodelay", "--trace",  "--status",  "--quiet",
                                        "--no-ctl",  "--sha256", "--offload", "--json"};
    static const char *const valued[] = {
        "--tap",    "--tun",    "--addr",      "--gw",    "--mtu",  "--mss",
        "--pcap",   "--loss",   "--reorder",   "--delay", "--seed", "--msl",
        "--sndbuf", "--rcvbuf", "--keepalive", "--addr6", "--gw6",
    };
    const char *a = argv[*i];
    char name[32];
    const char *eq = strchr(a, '=');
    size_t n = eq ? (size_t)(eq - a) : strlen(a);
    if (n >= sizeof(name))
        return 0;
    memcpy(name, a, n);
    name[n] = '\0';
    for (size_t k = 0; k < sizeof(flags) / sizeof(flags[0]); k++) {
        if (strcmp(name, flags[k]) != 0)
            continue;
        if (eq) {
            fprintf(stderr, "synack %s: %s takes no value\n", cmd, name);
            return -1;
        }
        if (!strcmp(name, "--nodelay"))
            o->nodelay = 1;
        else if (!strcmp(name, "--trace"))
            o->trace = 1;
        else if (!strcmp(name, "--status"))
            o->status = 1;
        else if (!strcmp(name, "--quiet"))
            o->status = 0;
        else if (!strcmp(name, "--sha256"))
            o->digest = 1;
        else if (!strcmp(name, "--offload"))
            o->offload = 1;
        else if (!strcmp(name, "--json"))
            o->json = 1;
        else
            o->no_ctl = 1;
        return 1;
    }
    int known = 0;
    for (size_t k = 0; k < sizeof(valued) / sizeof(valued[0]); k++)
        known |= strcmp(name, valued[k]) == 0;
    if (!known)
        return 0;
    const char *v;
    if (eq) {
        v = eq + 1;
    } else {
        if (*i + 1 >= argc) {
            fprintf(stderr, "synack %s: %s needs a value\n", cmd, name);
            return -1;
        }
        v = argv[++*i];
    }
    unsigned long long u;
    double d;
    if (!strcmp(name, "--tap") || !strcmp(name, "--tun")) {
        if (!v[0] || strlen(v) >= 16)
            return bad(cmd, name, "an interface name (1 to 15 characters)", v);
        o->ifname = v;
        o->type = name[3] == 'a' ? SYNACK_LINK_ETHERNET : SYNACK_LINK_IP;
    } else if (!strcmp(name, "--addr")) {
        char ip[64];
        const char *slash = strchr(v, '/');
        size_t len = slash ? (size_t)(slash - v) : strlen(v);
        if (len >= sizeof(ip))
            return bad(cmd, name, "A.B.C.D/LEN", v);
        memcpy(ip, v, len);
        ip[len] = '\0';
        unsigned long long plen = 24;
        if (host_parse_ip(ip, &o->addr) != 0 || (slash && parse_uint(slash + 1, 32, &plen)))
            return bad(cmd, name,
                       strchr(ip, ':') ? "A.B.C.D/LEN (IPv6 goes in --addr6)" : "A.B.C.D/LEN", v);
        o->prefix_len = (uint8_t)plen;
        o->has_addr = 1;
    } else if (!strcmp(name, "--addr6")) {
        char ip[64];
        const char *slash = strchr(v, '/');
        size_t len = slash ? (size_t)(slash - v) : strlen(v);
        unsigned long long plen = 64;
        if (len >= sizeof(ip))
            return bad(cmd, name, "an IPv6 address/LEN", v);
        memcpy(ip, v, len);
        ip[len] = '\0';
        /* the first is netif.addr6, the others are added (at most HOST_MORE6) */
        if (o->has_addr6 && o->n_more6 == HOST_MORE6)
            return bad(cmd, name, "at most 5 IPv6 addresses", v);
        uint8_t *dst = o->has_addr6 ? o->more6[o->n_more6] : o->addr6;
        if (host_parse_ip6(ip, dst) != 0 || (slash && parse_uint(slash + 1, 128, &plen)))
            return bad(cmd, name, "an IPv6 address/LEN", v);
        if (o->has_addr6) {
            o->more6_len[o->n_more6++] = (uint8_t)plen;
        } else {
            o->prefix6_len = (uint8_t)plen;
            o->has_addr6 = 1;
        }
    } else if (!strcmp(name, "--gw6")) {
        if (host_parse_ip6(v, o->gateway6) != 0)
            return bad(cmd, name, "an IPv6 address", v);
    } else if (!strcmp(name, "--gw")) {
        if (host_parse_ip(v, &o->gateway) != 0)
            return bad(cmd, name, "an IPv4 address", v);
    } else if (!strcmp(name, "--mtu")) {
        if (parse_uint(v, 65535, &u) || u < 68)
            return bad(cmd, name, "a number from 68 to 65535", v);
        o->mtu = (uint32_t)u;
    } else if (!strcmp(name, "--mss")) {
        if (parse_uint(v, 65495, &u) || u < 88)
            return bad(cmd, name, "a number from 88 to 65495", v);
        o->mss = (uint16_t)u;
    } else if (!strcmp(name, "--pcap")) {
        if (!v[0])
            return bad(cmd, name, "a file name", v);
        o->pcap = v;
    } else if (!strcmp(name, "--loss") || !strcmp(name, "--reorder")) {
        if (parse_double(v, 0.0, 1.0, &d))
            return bad(cmd, name, "a probability in [0,1]", v);
        if (name[2] == 'l')
            o->loss = d;
        else
            o->reorder = d;
    } else if (!strcmp(name, "--delay")) {
        if (parse_double(v, 0.0, 3600e3, &d))
            return bad(cmd, name, "milliseconds from 0 to 3600000", v);
        o->delay_us = (uint64_t)llround(d * 1000.0);
    } else if (!strcmp(name, "--seed")) {
        if (parse_uint(v, UINT64_MAX, &u))
            return bad(cmd, name, "a non-negative integer", v);
        o->seed = u;
    } else if (!strcmp(name, "--msl")) {
        if (parse_double(v, 1.0, 3600e3, &d))
            return bad(cmd, name, "milliseconds from 1 to 3600000", v);
        o->msl_us = (uint64_t)llround(d * 1000.0);
    } else if (!strcmp(name, "--sndbuf") || !strcmp(name, "--rcvbuf")) {
        if (parse_uint(v, 64u << 20, &u) || u < 2048)
            return bad(cmd, name, "bytes from 2048 to 67108864", v);
        if (name[2] == 's')
            o->sndbuf = (uint32_t)u;
        else
            o->rcvbuf = (uint32_t)u;
    } else { /* --keepalive IDLE,INTVL,CNT */
        int idle, intvl, cnt, used = 0;
        if (sscanf(v, "%d,%d,%d%n", &idle, &intvl, &cnt, &used) != 3 || v[used] != '\0' ||
            idle < 1 || idle > 32767 || intvl < 1 || intvl > 32767 || cnt < 1 || cnt > 127)
            return bad(cmd, name, "IDLE,INTVL,CNT (seconds, seconds, probes)", v);
        o->keepalive = 1;
        o->keepidle = idle;
        o->keepintvl = intvl;
        o->keepcnt = cnt;
    }
    return 1;
}

int host_check_opts(const host_opts *o, const char *cmd)
{
    if (!o->ifname) {
        fprintf(stderr, "synack %s: which device? (--tap IF or --tun IF)\n", cmd);
        return -1;
    }
    if (!o->has_addr && !o->has_addr6) {
        fprintf(stderr, "synack %s: which address? (--addr A/LEN, --addr6 A/LEN or both)\n", cmd);
        return -1;
    }
    return 0;
}

static void on_event(void *ctx, const synack_event *ev)
{
    const char *name = ctx;
    char line[1024];
    synack_event_json(ev, name, line, sizeof(line));
    fprintf(stderr, "%s\n", line);
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop; /* no SA_RESTART: ppoll returns EINTR at once */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = on_dump;
    sigaction(SIGUSR1, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
}

/* On Ethernet the addresses are tentative until DAD has run. */
static int any_tentative(synack_stack *st, const host_opts *o)
{
    int t = synack_addr6_state(st, o->addr6) == SYNACK_ADDR6_TENTATIVE;
    for (int i = 0; i < o->n_more6; i++)
        t |= synack_addr6_state(st, o->more6[i]) == SYNACK_ADDR6_TENTATIVE;
    return t;
}

int host_open(host *h, const char *cmd, const host_opts *o)
{
    memset(h, 0, sizeof(*h));
    h->cmd = cmd;
    h->opt = *o;
    h->report = stdout;
    h->ctl_fd = -1;
    h->dev.fd = -1;
    int rc =
        synack_tuntap_open_ex(&h->dev, o->ifname, o->type, o->offload ? SYNACK_TUNTAP_OFFLOAD : 0);
    if (rc < 0) {
        fprintf(stderr, "synack %s: cannot open %s %s: %s%s\n", cmd,
                o->type == SYNACK_LINK_ETHERNET ? "TAP" : "TUN", o->ifname, strerror(-rc),
                rc == -EPERM ? " (needs CAP_NET_ADMIN: run as root)" : "");
        return -1;
    }
    if (o->pcap) {
        int lt = o->type == SYNACK_LINK_ETHERNET ? SYNACK_PCAP_ETHERNET
                 : o->has_addr6                  ? SYNACK_PCAP_RAW_IP
                                                 : SYNACK_PCAP_RAW_IPV4;
        h->pcap = synack_pcap_open(o->pcap, lt);
        if (!h->pcap) {
            fprintf(stderr, "synack %s: cannot create %s: %s\n", cmd, o->pcap, strerror(errno));
            synack_tuntap_close(&h->dev);
            return -1;
        }
    }
    synack_loop_config lc;
    memset(&lc, 0, sizeof(lc));
    lc.dev = &h->dev;
    lc.pcap = h->pcap;
    lc.fault_seed = o->seed;
    lc.tx_fault.loss = lc.rx_fault.loss = o->loss;
    lc.tx_fault.reorder = lc.rx_fault.reorder = o->reorder;
    lc.tx_fault.delay_us = lc.rx_fault.delay_us = o->delay_us;
    h->loop = synack_loop_new(&lc);

    synack_config cfg;
    synack_config_default(&cfg);
    cfg.netif.addr = o->addr;
    cfg.netif.prefix_len = o->prefix_len;
    cfg.netif.gateway = o->gateway;
    cfg.netif.mtu = o->mtu;
    if (o->has_addr6) {
        memcpy(cfg.netif.addr6, o->addr6, 16);
        cfg.netif.prefix6_len = o->prefix6_len;
        memcpy(cfg.netif.gateway6, o->gateway6, 16);
    }
    uint64_t macseed = 0;
    synack_entropy_os(NULL, &macseed, sizeof(macseed));
    synack_tuntap_make_mac(cfg.netif.mac, macseed);
    if (o->trace) {
        cfg.on_event = on_event;
        cfg.event_ctx = (void *)cmd;
    }
    if (o->msl_us)
        cfg.msl_us = o->msl_us;
    if (o->mss)
        cfg.mss = o->mss;
    if (o->sndbuf)
        cfg.sndbuf = o->sndbuf;
    if (o->rcvbuf)
        cfg.rcvbuf = o->rcvbuf;
    const char *field = NULL;
    int made = -ENOMEM;
    if (h->loop) {
        synack_loop_netif(h->loop, &cfg.netif);
        made = synack_stack_create(&cfg, &h->st, &field);
    }
    if (made != 0) {
        if (made == -EINVAL && field) /* an option out of the stack's range */
            fprintf(stderr, "synack %s: cannot create the stack: bad %s\n", cmd, field);
        else
            fprintf(stderr, "synack %s: cannot create the stack: %s\n", cmd, strerror(-made));
        synack_loop_free(h->loop);
        synack_pcap_close(h->pcap);
        synack_tuntap_close(&h->dev);
        return -1;
    }
    for (int i = 0; i < o->n_more6; i++) {
        int arc = synack_addr6_add(h->st, o->more6[i], o->more6_len[i], SYNACK_ADDR6_FOREVER,
                                   SYNACK_ADDR6_FOREVER);
        if (arc != 0) {
            fprintf(stderr, "synack %s: cannot add IPv6 address %d: %s\n", cmd, i + 2,
                    strerror(-arc));
            synack_stack_free(h->st);
            h->st = NULL;
            synack_loop_free(h->loop);
            synack_pcap_close(h->pcap);
            synack_tuntap_close(&h->dev);
            return -1;
        }
    }
    synack_loop_attach(h->loop, h->st);
    /* Let the kernel finish bringing the interface up, or it drops its first replies. */
    synack_tuntap_wait_up(&h->dev, 2000);
    /* On Ethernet the IPv6 address is tentative until Duplicate Address Detection (RFC
     * 4862) has run: connect() and bind() to it would fail with EADDRNOTAVAIL meanwhile. */
    if (o->has_addr6) {
        uint64_t end = synack_loop_clock() + 5000000;
        while (any_tentative(h->st, o) && synack_loop_clock() < end && !host_stopping())
            host_run(h, 50000, NULL, 0);
        if (synack_addr6_state(h->st, o->addr6) == SYNACK_ADDR6_DUPLICATE)
            fprintf(stderr, "synack %s: %s is in use on the link (DAD failed)\n", cmd,
                    "the --addr6 address");
    }
    if (!o->no_ctl)
        h->ctl_fd = ctl_listen(h->dev.name);
    install_signals();
    h->start_us = synack_loop_clock();
    h->status_prev_at = h->start_us;
    h->status_at = h->start_us + 1000000;
    if (h->opt.status < 0)
        h->opt.status = isatty(STDERR_FILENO);
    return 0;
}

int host_close(host *h)
{
    int rc = 0;
    if (h->ctl_fd >= 0)
        close(h->ctl_fd);
    h->ctl_fd = -1;
    synack_stack_free(h->st);
    h->st = NULL;
    synack_loop_free(h->loop);
    h->loop = NULL;
    if (h->pcap && synack_pcap_close(h->pcap) != 0) {
        fprintf(stderr, "synack %s: writing %s failed\n", h->cmd, h->opt.pcap);
        rc = -1;
    }
    h->pcap = NULL;
    synack_tuntap_close(&h->dev);
    return rc;
}

int host_run(host *h, uint64_t max_wait_us, struct pollfd *extra, int nextra)
{
    struct pollfd fds[17];
    int n = 0;
    if (nextra > 15)
        nextra = 15;
    for (int i = 0; i < nextra; i++)
        fds[n++] = extra[i];
    int ctl_slot = -1;
    if (h->ctl_fd >= 0) {
        ctl_slot = n;
        fds[n++] = (struct pollfd){.fd = h->ctl_fd, .events = POLLIN};
    }
    uint64_t now = synack_loop_clock();
    if (h->opt.status && h->status_at > now && h->status_at - now < max_wait_us)
        max_wait_us = h->status_at - now;
    int rc = synack_loop_run_once(h->loop, max_wait_us, fds, n);
    for (int i = 0; i < nextra; i++)
        extra[i].revents = fds[i].revents;
    if (ctl_slot >= 0 && (fds[ctl_slot].revents & POLLIN))
        ctl_serve(h);
    if (dump_flag) {
        dump_flag = 0;
        if (h->opt.json)
            host_print_json(h, h->report, "\"report\":\"SIGUSR1\"");
        else
            host_print_table(h, h->report);
        fflush(h->report);
    }
    return rc;
}

void host_sockopts(host *h, int s)
{
    int one = 1;
    if (h->opt.keepalive) {
        synack_setsockopt(h->st, s, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
        synack_setsockopt(h->st, s, IPPROTO_TCP, TCP_KEEPIDLE, &h->opt.keepidle, sizeof(int));
        synack_setsockopt(h->st, s, IPPROTO_TCP, TCP_KEEPINTVL, &h->opt.keepintvl, sizeof(int));
        synack_setsockopt(h->st, s, IPPROTO_TCP, TCP_KEEPCNT, &h->opt.keepcnt, sizeof(int));
    }
    if (h->opt.nodelay)
        synack_setsockopt(h->st, s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

double host_elapsed(const host *h)
{
    return (double)(synack_loop_clock() - h->start_us) / 1e6;
}

static void human_bytes(char *buf, size_t cap, double b)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (b >= 1024.0 && u < 4) {
        b /= 1024.0;
        u++;
    }
    snprintf(buf, cap, u ? "%.1f %s" : "%.0f %s", b, units[u]);
}

void host_status(host *h, uint64_t bytes, int sock)
{
    if (!h->opt.status)
        return;
    uint64_t now = synack_loop_clock();
    if (now < h->status_at)
        return;
    double dt = (double)(now - h->status_prev_at) / 1e6;
    double rate = dt > 0 ? (double)(bytes - h->status_bytes) * 8.0 / dt / 1e6 : 0.0;
    char tot[32];
    human_bytes(tot, sizeof(tot), (double)bytes);
    fprintf(stderr, "[%6.1fs] %10s %9.1f Mbit/s", (double)(now - h->start_us) / 1e6, tot, rate);
    synack_tcp_info ti;
    socklen_t len = sizeof(ti);
    if (sock >= 0 && synack_getsockopt(h->st, sock, IPPROTO_TCP, SYNACK_TCP_INFO, &ti, &len) == 0 &&
        ti.state != SYNACK_CLOSED && ti.state != SYNACK_LISTEN) {
        char cw[32];
        human_bytes(cw, sizeof(cw), (double)ti.snd_cwnd);
        fprintf(stderr, "  rtt %.2f ms  cwnd %s  retrans %llu  %s", ti.rtt_us / 1000.0, cw,
                (unsigned long long)ti.total_retrans,
                synack_state_name((synack_tcp_state)ti.state));
    } else {
        fprintf(stderr, "  conns %d  retrans %llu", host_count_live(h),
                (unsigned long long)synack_counter_get(h->st, SYNACK_CTR_RetransSegs));
    }
    fputc('\n', stderr);
    h->status_bytes = bytes;
    h->status_prev_at = now;
    h->status_at = now + 1000000;
}

const char *host_ep_str(uint32_t addr, uint16_t port, char *buf, size_t cap)
{
    if (port)
        snprintf(buf, cap, "%u.%u.%u.%u:%u", addr >> 24, (addr >> 16) & 255, (addr >> 8) & 255,
                 addr & 255, port);
    else
        snprintf(buf, cap, "%u.%u.%u.%u:*", addr >> 24, (addr >> 16) & 255, (addr >> 8) & 255,
                 addr & 255);
    return buf;
}

const char *host_err_str(int e)
{
    static char buf[96];
    const char *name = "";
    switch (-e) {
    case ECONNREFUSED:
        name = "ECONNREFUSED";
        break;
    case ECONNRESET:
        name = "ECONNRESET";
        break;
    case ETIMEDOUT:
        name = "ETIMEDOUT";
        break;
    case EHOSTUNREACH:
        name = "EHOSTUNREACH";
        break;
    case ENETUNREACH:
        name = "ENETUNREACH";
        break;
    case EPIPE:
        name = "EPIPE";
        break;
    case EADDRNOTAVAIL:
        name = "EADDRNOTAVAIL";
        break;
    case EADDRINUSE:
        name = "EADDRINUSE";
        break;
    default:
        break;
    }
    snprintf(buf, sizeof(buf), "%s%s%s%s", strerror(-e), name[0] ? " (" : "", name,
             name[0] ? ")" : "");
    return buf;
}

void host_view_ends(const synack_conn_view *v, char *l, char *r, size_t cap)
{
    if (v->ep.family == SYNACK_AF_INET6) {
        host_ep6_str(v->ep.laddr6, v->ep.lport, l, cap);
        if (v->state == SYNACK_LISTEN)
            snprintf(r, cap, "[::]:*");
        else
            host_ep6_str(v->ep.raddr6, v->ep.rport, r, cap);
        return;
    }
    host_ep_str(v->ep.laddr, v->ep.lport, l, cap);
    if (v->state == SYNACK_LISTEN)
        snprintf(r, cap, "0.0.0.0:*");
    else
        host_ep_str(v->ep.raddr, v->ep.rport, r, cap);
}

double host_view_timer_s(const synack_conn_view *v, uint64_t now)
{
    if (!v->timer || !v->timer[0] || v->timer_at == UINT64_MAX)
        return -1;
    return v->timer_at > now ? (double)(v->timer_at - now) / 1e6 : 0.0;
}

struct table_ctx {
    FILE *out;    /* where rows go */
    uint64_t now; /* for timer countdowns */
    int n;        /* rows printed */
};

static void table_row(void *arg, const synack_conn_view *v)
{
    struct table_ctx *t = arg;
    char l[64], r[64], timer[48] = "";
    host_view_ends(v, l, r, sizeof(l));
    double left = host_view_timer_s(v, t->now);
    if (left >= 0)
        snprintf(timer, sizeof(timer), "%s(%.3fs)", v->timer, left);
    fprintf(t->out, "%-12s %7u %7u  %-21s %-21s %4d  %s\n", synack_state_name(v->state), v->recv_q,
            v->send_q, l, r, v->sock, timer);
    t->n++;
}

void host_print_table(host *h, FILE *out)
{
    struct table_ctx t = {.out = out, .now = synack_loop_clock()};
    fprintf(out, "%-12s %7s %7s  %-21s %-21s %4s  %s\n", "State", "Recv-Q", "Send-Q",
            "Local Address:Port", "Peer Address:Port", "Sock", "Timer");
    synack_foreach_conn(h->st, table_row, &t);
    fprintf(out, "(%d entr%s)\n", t.n, t.n == 1 ? "y" : "ies");
}

void host_print_counters(host *h, FILE *out)
{
    for (int c = 0; c < SYNACK_CTR_COUNT; c++) {
        uint64_t v = synack_counter_get(h->st, (synack_counter)c);
        if (v)
            fprintf(out, "%-24s %llu\n", synack_counter_name((synack_counter)c),
                    (unsigned long long)v);
    }
    synack_loop_stats ls;
    synack_loop_get_stats(h->loop, &ls);
    fprintf(out, "%-24s %llu frames, %llu bytes\n", "DeviceRx", (unsigned long long)ls.rx_frames,
            (unsigned long long)ls.rx_bytes);
    fprintf(out, "%-24s %llu frames, %llu bytes, %llu refused\n", "DeviceTx",
            (unsigned long long)ls.tx_frames, (unsigned long long)ls.tx_bytes,
            (unsigned long long)ls.tx_errors);
    if (h->opt.loss > 0 || h->opt.reorder > 0 || h->opt.delay_us)
        fprintf(out,
                "%-24s tx lost %llu reordered %llu; rx lost %llu reordered %llu; "
                "hold-queue drops %llu\n",
                "Faults", (unsigned long long)ls.tx_link.lost,
                (unsigned long long)ls.tx_link.reordered, (unsigned long long)ls.rx_link.lost,
                (unsigned long long)ls.rx_link.reordered, (unsigned long long)ls.held_drops);
}

struct count_ctx {
    synack_tcp_state state; /* the state counted, or SYNACK_STATE_COUNT for "live" */
    int n;                  /* matches */
};

static void count_row(void *arg, const synack_conn_view *v)
{
    struct count_ctx *c = arg;
    if (c->state == SYNACK_STATE_COUNT)
        c->n += v->state != SYNACK_LISTEN && v->state != SYNACK_TIME_WAIT;
    else
        c->n += v->state == c->state;
}

int host_count_state(host *h, synack_tcp_state state)
{
    struct count_ctx c = {.state = state};
    synack_foreach_conn(h->st, count_row, &c);
    return c.n;
}

int host_count_live(host *h)
{
    return host_count_state(h, SYNACK_STATE_COUNT);
}

void host_print_rate(FILE *out, const char *what, uint64_t bytes, double secs)
{
    double mbit = secs > 0 ? (double)bytes * 8.0 / secs / 1e6 : 0.0;
    fprintf(out, "%s %llu bytes in %.3f s = %.1f Mbit/s\n", what, (unsigned long long)bytes, secs,
            mbit);
}

void host_print_tcp_info(FILE *out, const synack_tcp_info *ti)
{
    fprintf(out,
            "tcp_info: state %s ca %s rtt %.3f ms rttvar %.3f ms rto %.0f ms mss %u/%u "
            "cwnd %u ssthresh %u snd_wnd %u rcv_wnd %u unacked %u retrans %llu "
            "bytes_acked %llu bytes_received %llu segs_out %llu segs_in %llu "
            "options%s%s%s\n",
            synack_state_name((synack_tcp_state)ti->state), ti->ca_name, ti->rtt_us / 1000.0,
            ti->rttvar_us / 1000.0, ti->rto_us / 1000.0, ti->snd_mss, ti->rcv_mss, ti->snd_cwnd,
            ti->snd_ssthresh, ti->snd_wnd, ti->rcv_wnd, ti->unacked,
            (unsigned long long)ti->total_retrans, (unsigned long long)ti->bytes_acked,
            (unsigned long long)ti->bytes_received, (unsigned long long)ti->segs_out,
            (unsigned long long)ti->segs_in, (ti->options & 1) ? " ts" : "",
            (ti->options & 2) ? " sack" : "", (ti->options & 4) ? " wscale" : "");
}
