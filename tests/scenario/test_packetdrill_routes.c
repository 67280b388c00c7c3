/* SPDX-License-Identifier: MIT */
/* The packetdrill shim follows the host's routes (tools/packetdrill/pd_route.c): in a
 * network namespace of its own (a forked child, so the test's own namespace is untouched),
 * a route to the remote with "advmss 700 mtu lock 1200 initcwnd 3" shapes the SYN-ACK's
 * MSS, the MSS synack sends with and its first flight; a route changed between calls
 * reaches a running connection; the same with `ip -6 route` in the shim's ipv6 mode. Skipped where
 * namespaces or `ip` are not available (not root). */
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "pd_abi.h"
#include "support/segbuild.h"
#include "wire/checksum.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"
#include "wire/tcp_wire.h"

#ifndef SYNACK_PACKETDRILL_SO
#define SYNACK_PACKETDRILL_SO "libsynack_packetdrill.so"
#endif

#define LOCAL 0xc0000202u  /* 192.0.2.2: synack */
#define REMOTE 0xc0000201u /* 192.0.2.1 */
#define LPORT 8080
#define RPORT 40000
#define SKIP 77

/* The child reports the first check that failed as its exit status (line & 0x3f + 1). */
#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);                  \
            _exit(1);                                                                              \
        }                                                                                          \
    } while (0)

static pd_interface ifc;
static void *u;

static void inject(uint8_t flags, uint32_t seq, uint32_t ack, const tcp_opts *o)
{
    uint8_t frame[SEG_FRAME_MAX];
    size_t n = seg_build(frame, sizeof(frame), REMOTE, LOCAL, RPORT, LPORT, seq, ack, flags, 65535,
                         NULL, 0, o);
    CHECK(n > 0);
    CHECK(ifc.netdev_send(u, frame, n) == 0);
}

static tcp_seg sniff(void)
{
    static uint8_t buf[2048];
    size_t len = sizeof(buf);
    long long t;
    CHECK(ifc.netdev_receive(u, buf, &len, &t) == 0);
    ipv4_hdr ip;
    CHECK(ipv4_parse(buf, len, &ip) == WIRE_OK);
    tcp_seg s;
    CHECK(tcp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &s) == WIRE_OK);
    return s;
}

static pd_interface_init_fn load_init(void **dl)
{
    const char *path = getenv("SYNACK_PACKETDRILL_SO");
    *dl = dlopen(path && *path ? path : SYNACK_PACKETDRILL_SO, RTLD_NOW | RTLD_LOCAL);
    CHECK(*dl);
    pd_interface_init_fn init;
    void *sym = dlsym(*dl, "packetdrill_interface_init");
    CHECK(sym);
    memcpy(&init, &sym, sizeof(init));
    return init;
}

/* Everything the child does; returns only on success. */
static void in_namespace(void)
{
    if (system("ip link set lo up && ip route add 192.0.2.1/32 dev lo advmss 700 mtu lock 1200 "
               "initcwnd 3") != 0)
        _exit(SKIP);
    void *dl;
    pd_interface_init_fn init = load_init(&dl);
    /* No sysctl_dir=: the real host, which is this namespace. */
    init("addr=192.0.2.2,profile=linux", &ifc);
    u = ifc.userdata;

    int lfd = ifc.socket(u, AF_INET, SOCK_STREAM, IPPROTO_TCP);
    CHECK(lfd >= 0);
    struct sockaddr_in sin = {
        .sin_family = AF_INET, .sin_port = htons(LPORT), .sin_addr.s_addr = htonl(LOCAL)};
    CHECK(ifc.bind(u, lfd, (struct sockaddr *)&sin, sizeof(sin)) == 0);
    CHECK(ifc.listen(u, lfd, 1) == 0);
    tcp_opts o = {.has_mss = 1, .mss = 1460};
    inject(TCP_SYN, 0, 0, &o);
    tcp_seg sa = sniff();
    CHECK(sa.flags == (TCP_SYN | TCP_ACK));
    CHECK(sa.opts.mss == 700); /* the route's advmss */
    uint32_t iss = sa.seq;
    inject(TCP_ACK, 1, iss + 1, NULL);
    int fd = ifc.accept(u, lfd, NULL, NULL);
    CHECK(fd >= 0);
    static char data[4000];
    CHECK(ifc.write(u, fd, data, sizeof(data)) == (ssize_t)sizeof(data));
    /* initcwnd 3 segments of 1200 - 40 bytes. */
    for (int i = 0; i < 3; i++) {
        tcp_seg d = sniff();
        CHECK(d.seq == iss + 1 + 1160u * (uint32_t)i);
        CHECK(d.payload_len == 1160);
    }
    /* The route grows between calls; the segment the ACK lets out meets it, and the
     * next write goes at the new size. */
    CHECK(system("ip route change 192.0.2.1/32 dev lo mtu lock 1500") == 0);
    inject(TCP_ACK, 1, iss + 1 + 3 * 1160u, NULL);
    tcp_seg rest = sniff();
    CHECK(rest.seq == iss + 1 + 3 * 1160u && rest.payload_len == 4000 - 3 * 1160);
    inject(TCP_ACK, 1, iss + 1 + 4000, NULL);
    CHECK(ifc.write(u, fd, data, 3000) == 3000);
    tcp_seg big = sniff();
    CHECK(big.seq == iss + 1 + 4000 && big.payload_len == 1460);
    ifc.free(u);
    dlclose(dl);
}

/* 2001:db8:1::2 (synack) and 2001:db8::1 (the remote), as the ipv6 runner's. */
static const uint8_t LOCAL6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
static const uint8_t REMOTE6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

static void inject6(uint8_t flags, uint32_t seq, uint32_t ack, const tcp_opts *o)
{
    uint8_t frame[SEG_FRAME_MAX + IPV6_HDR_LEN];
    size_t n = seg_build6(frame, sizeof(frame), REMOTE6, LOCAL6, RPORT, LPORT, seq, ack, flags,
                          65535, NULL, 0, o);
    CHECK(n > 0);
    CHECK(ifc.netdev_send(u, frame, n) == 0);
}

static tcp_seg sniff6(void)
{
    static uint8_t buf[2048];
    size_t len = sizeof(buf);
    long long t;
    CHECK(ifc.netdev_receive(u, buf, &len, &t) == 0);
    ipv6_hdr ip;
    CHECK(ipv6_parse(buf, len, &ip) == WIRE_OK && ip.next == IP_PROTO_TCP);
    tcp_seg s;
    uint64_t hs = 0;
    CHECK(tcp_parse6(ip.payload, ip.payload_len, LOCAL6, REMOTE6, 0, &s, &hs) == WIRE_OK);
    return s;
}

/* The same over IPv6 (the shim in ipv6 mode): `ip -6 route` metrics become a
 * synack_route6, and a change between calls reaches the running connection. */
static void in_namespace6(void)
{
    if (system("ip link set lo up && ip -6 route add 2001:db8::1/128 dev lo advmss 700 "
               "mtu lock 1200 initcwnd 3") != 0)
        _exit(SKIP);
    void *dl;
    pd_interface_init_fn init = load_init(&dl);
    init("addr=2001:db8:1::2,remote=2001:db8::1,profile=linux", &ifc);
    u = ifc.userdata;

    int lfd = ifc.socket(u, AF_INET6, SOCK_STREAM, IPPROTO_TCP);
    CHECK(lfd >= 0);
    struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_port = htons(LPORT)};
    memcpy(&sin6.sin6_addr, LOCAL6, 16);
    CHECK(ifc.bind(u, lfd, (struct sockaddr *)&sin6, sizeof(sin6)) == 0);
    CHECK(ifc.listen(u, lfd, 1) == 0);
    tcp_opts o = {.has_mss = 1, .mss = 1440};
    inject6(TCP_SYN, 0, 0, &o);
    tcp_seg sa = sniff6();
    CHECK(sa.flags == (TCP_SYN | TCP_ACK));
    CHECK(sa.opts.mss == 700); /* the route's advmss */
    uint32_t iss = sa.seq;
    inject6(TCP_ACK, 1, iss + 1, NULL);
    int fd = ifc.accept(u, lfd, NULL, NULL);
    CHECK(fd >= 0);
    static char data[4000];
    CHECK(ifc.write(u, fd, data, sizeof(data)) == (ssize_t)sizeof(data));
    /* initcwnd 3 segments of 1200 - 60 bytes. */
    for (int i = 0; i < 3; i++) {
        tcp_seg d = sniff6();
        CHECK(d.seq == iss + 1 + 1140u * (uint32_t)i);
        CHECK(d.payload_len == 1140);
    }
    CHECK(system("ip -6 route change 2001:db8::1/128 dev lo mtu lock 1500") == 0);
    inject6(TCP_ACK, 1, iss + 1 + 3 * 1140u, NULL);
    tcp_seg rest = sniff6();
    CHECK(rest.seq == iss + 1 + 3 * 1140u && rest.payload_len == 4000 - 3 * 1140);
    inject6(TCP_ACK, 1, iss + 1 + 4000, NULL);
    CHECK(ifc.write(u, fd, data, 3000) == 3000);
    tcp_seg big = sniff6();
    CHECK(big.seq == iss + 1 + 4000 && big.payload_len == 1440);
    ifc.free(u);
    dlclose(dl);
}

/* Whether `cmd`'s output contains `want`. */
static int output_has(const char *cmd, const char *want)
{
    FILE *f = popen(cmd, "r");
    if (!f)
        return 0;
    static char buf[4096];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    pclose(f);
    return strstr(buf, want) != NULL;
}

/* A test namespace with a bare tun0, as pd-sweep.sh makes: the shim gives it its address
 * and the route to the remote, as packetdrill's tun mode would (here through so_flags, in
 * the documentation ranges); a tun0 that has an address already is left as it is. */
static void tun_in_namespace(void)
{
    if (system("ip link set lo up && ip tuntap add dev tun0 mode tun && ip link set tun0 up") != 0)
        _exit(SKIP);
    void *dl;
    pd_interface_init_fn init = load_init(&dl);
    init("addr=198.18.0.1,prefix=15,remote=192.0.2.1,gateway=198.18.0.2,profile=linux", &ifc);
    CHECK(output_has("ip -4 addr show dev tun0", "inet 198.18.0.1/15"));
    CHECK(output_has("ip -4 route show 192.0.2.1", "192.0.2.1 via 198.18.0.2 dev tun0"));
    /* what the script then does to it (mtu_probe/basic-v4.pkt) */
    CHECK(system("ip route change 192.0.2.1 via 198.18.0.3 dev tun0 advmss 600 mtu lock 640") == 0);
    ifc.free(ifc.userdata);
    /* configured already: nothing added */
    CHECK(system("ip route del 192.0.2.1") == 0);
    init("addr=198.18.0.9,prefix=15,profile=linux", &ifc);
    CHECK(!output_has("ip -4 addr show dev tun0", "198.18.0.9"));
    CHECK(!output_has("ip -4 route show 192.0.2.1", "192.0.2.1"));
    ifc.free(ifc.userdata);
    dlclose(dl);
}

/* ipv6 mode: tun0 gets the IPv6 address (no DAD: usable at once), the route to the remote
 * through the gateway, and mtu= as its MTU (packetdrill's --mtu); the kernel's own
 * link-local address does not count as one configured already, a global one does. */
static void tun6_in_namespace(void)
{
    if (system("ip link set lo up && ip tuntap add dev tun0 mode tun && ip link set tun0 up") != 0)
        _exit(SKIP);
    void *dl;
    pd_interface_init_fn init = load_init(&dl);
    init("addr=2001:db8:1::2,remote=2001:db8::1,gateway=2001:db8:1:8888::1,mtu=1520,"
         "profile=linux",
         &ifc);
    CHECK(output_has("ip -6 addr show dev tun0", "inet6 2001:db8:1::2/48 scope global nodad"));
    CHECK(
        output_has("ip -6 route show 2001:db8::1", "2001:db8::1 via 2001:db8:1:8888::1 dev tun0"));
    CHECK(output_has("ip link show dev tun0", "mtu 1520"));
    CHECK(!output_has("ip -4 addr show dev tun0", "inet ")); /* no IPv4 set up in ipv6 mode */
    /* what mtu_probe/basic-v6.pkt then does to it */
    CHECK(system("ip -6 route change 2001:db8::1 via 2001:db8:1:8888::1 dev tun0 advmss 600 "
                 "mtu lock 660") == 0);
    ifc.free(ifc.userdata);
    /* configured already: nothing added; without gateway= the route is on-link */
    CHECK(system("ip -6 route del 2001:db8::1") == 0);
    init("addr=2001:db8:1::9,remote=2001:db8::1,prefix6=64,profile=linux", &ifc);
    CHECK(!output_has("ip -6 addr show dev tun0", "2001:db8:1::9"));
    CHECK(!output_has("ip -6 route show 2001:db8::1", "2001:db8::1"));
    ifc.free(ifc.userdata);
    CHECK(system("ip -6 addr del 2001:db8:1::2/48 dev tun0") == 0);
    init("addr=2001:db8:1::9,remote=2001:db8::1,prefix6=64,profile=linux", &ifc);
    CHECK(output_has("ip -6 addr show dev tun0", "inet6 2001:db8:1::9/64"));
    CHECK(output_has("ip -6 route show 2001:db8::1", "2001:db8::1 dev tun0"));
    ifc.free(ifc.userdata);
    dlclose(dl);
}

/* Runs body in a forked child with a network namespace of its own (the test's own stays
 * untouched); the child's exit status is the verdict, SKIP without namespaces or `ip`. */
static void in_own_netns(void (*body)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (unshare(CLONE_NEWNET) != 0)
            _exit(SKIP);
        body();
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) == SKIP)
        skip();
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_tun0_configured_as_packetdrill_does(void **state)
{
    (void)state;
    in_own_netns(tun_in_namespace);
}

static void test_tun0_configured_for_ipv6(void **state)
{
    (void)state;
    in_own_netns(tun6_in_namespace);
}

static void test_host_routes_reach_the_stack(void **state)
{
    (void)state;
    in_own_netns(in_namespace);
}

static void test_host_ipv6_routes_reach_the_stack(void **state)
{
    (void)state;
    in_own_netns(in_namespace6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host_routes_reach_the_stack),
        cmocka_unit_test(test_host_ipv6_routes_reach_the_stack),
        cmocka_unit_test(test_tun0_configured_as_packetdrill_does),
        cmocka_unit_test(test_tun0_configured_for_ipv6),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
