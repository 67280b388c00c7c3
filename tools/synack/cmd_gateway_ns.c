/* SPDX-License-Identifier: MIT */
/* synack gateway: the TAP inside the target network namespace. A TUN/TAP device is created
 * in the namespace of the task that opens /dev/net/tun; the open file then works from any
 * namespace. So a helper thread enters the target (setns affects only the calling thread),
 * opens the device and configures the interface there, and the gateway keeps serving from
 * its own namespace, where its host sockets connect. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd_gateway.h"

typedef struct attach_job {
    const gw_opts *o;
    synack_tuntap *dev;
    char err[160];
} attach_job;

/* Runs argv (an `ip` command) and waits; a child forked from this thread starts in the
 * thread's namespace. 0 on exit status 0. */
static int run(char *const argv[])
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int dn = open("/dev/null", O_WRONLY);
        if (dn >= 0)
            dup2(dn, STDOUT_FILENO);
        execvp(argv[0], argv);
        _exit(127);
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static void ip4(char *buf, size_t cap, uint32_t a)
{
    snprintf(buf, cap, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

static void *attach_thread(void *arg)
{
    attach_job *j = arg;
    const gw_opts *o = j->o;
    int ns = open(o->netns, O_RDONLY | O_CLOEXEC);
    if (ns < 0) {
        snprintf(j->err, sizeof(j->err), "%s: %s", o->netns, strerror(errno));
        return NULL;
    }
    if (setns(ns, CLONE_NEWNET) < 0) {
        snprintf(j->err, sizeof(j->err), "setns %s: %s", o->netns, strerror(errno));
        close(ns);
        return NULL;
    }
    close(ns);
    int rc = gw_tap_open(j->dev, o);
    if (rc < 0) {
        snprintf(j->err, sizeof(j->err), "TAP %s: %s", o->ifname, strerror(-rc));
        return NULL;
    }
    /* --threads: the other queues of the same device, found by its name in this namespace */
    for (uint32_t q = 1; q < o->threads; q++) {
        rc = synack_tuntap_open_ex(
            &j->dev[q], j->dev->name, o->tun ? SYNACK_LINK_IP : SYNACK_LINK_ETHERNET,
            (o->no_offload ? 0 : SYNACK_TUNTAP_OFFLOAD) | SYNACK_TUNTAP_MULTI_QUEUE);
        if (rc < 0) {
            snprintf(j->err, sizeof(j->err), "%s %s queue %u: %s", o->tun ? "TUN" : "TAP",
                     j->dev->name, q, strerror(-rc));
            while (q-- > 0)
                synack_tuntap_close(&j->dev[q]);
            return NULL;
        }
    }
    char addr[40], gw[20], mtu[16];
    ip4(gw, sizeof(gw), o->gw);
    ip4(addr, sizeof(addr), o->addr);
    snprintf(addr + strlen(addr), sizeof(addr) - strlen(addr), "/%u", o->prefix_len);
    snprintf(mtu, sizeof(mtu), "%u", o->mtu);
    const char *dev = j->dev->name;
    /* `ip` for the first slice; netlink from here would do the same. */
    char *const lo[] = {"ip", "link", "set", "lo", "up", NULL};
    char *const up[] = {"ip", "link", "set", (char *)dev, "mtu", mtu, "up", NULL};
    char *const ad[] = {"ip", "addr", "add", addr, "dev", (char *)dev, NULL};
    char *const rt[] = {"ip", "route", "add", "default", "via", gw, "dev", (char *)dev, NULL};
    /* the DNS address lies in the subnet, where nobody answers ARP for it: routed via the
     * gateway, whose catch-all takes it */
    char dns[24];
    ip4(dns, sizeof(dns), o->dns);
    strcat(dns, "/32");
    char *const dn[] = {"ip", "route", "add", dns, "via", gw, "dev", (char *)dev, NULL};
    /* IPv6: no DAD (the gateway is the link's only other node, and the address is usable
     * at once); the gateway answers Neighbor Solicitations for its address itself */
    char a6[64], g6[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, o->addr6, a6, sizeof(a6));
    snprintf(a6 + strlen(a6), sizeof(a6) - strlen(a6), "/%u", o->prefix6);
    inet_ntop(AF_INET6, o->gw6, g6, sizeof(g6));
    char *const ad6[] = {"ip", "-6", "addr", "add", a6, "dev", (char *)dev, "nodad", NULL};
    char *const rt6[] = {"ip",  "-6", "route", "add",       "default",
                         "via", g6,   "dev",   (char *)dev, NULL};
    char *const *cmds[7] = {lo, up, ad, rt};
    size_t ncmds = 4;
    if (o->dns)
        cmds[ncmds++] = dn;
    if (o->ipv6) {
        cmds[ncmds++] = ad6;
        cmds[ncmds++] = rt6;
    }
    for (size_t i = 0; i < ncmds; i++) {
        if (run(cmds[i]) != 0) {
            snprintf(j->err, sizeof(j->err), "'ip %s %s' failed in %s", cmds[i][1], cmds[i][2],
                     o->netns);
            for (uint32_t q = 0; q < (o->threads > 1 ? o->threads : 1); q++)
                synack_tuntap_close(&j->dev[q]);
            return NULL;
        }
    }
    return NULL;
}

int gw_ns_attach(const gw_opts *o, synack_tuntap *dev)
{
    attach_job j = {.o = o, .dev = dev};
    dev->fd = -1;
    pthread_t t;
    if (pthread_create(&t, NULL, attach_thread, &j) != 0) {
        fprintf(stderr, "synack gateway: cannot start the attach thread\n");
        return -1;
    }
    pthread_join(t, NULL);
    if (j.err[0]) {
        fprintf(stderr, "synack gateway: %s\n", j.err);
        return -1;
    }
    return 0;
}
