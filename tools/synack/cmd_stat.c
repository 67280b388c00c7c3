/* SPDX-License-Identifier: MIT */
/* synack stat — the connection table and counters of a running `synack serve` or
 * `synack connect`, read from its control socket (ctl.h), like `ss -tan` and `nstat`. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "ctl.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: synack stat --tap IF | --tun IF | --gateway PID\n"
            "                   [--conns | --counters | --count STATE]\n"
            "                   [--json]\n"
            "\n"
            "Shows the connection table (like `ss -tan`) and the non-zero counters (like\n"
            "`nstat`) of the synack serve/connect running on device IF, read from its control\n"
            "socket. Run it in the network namespace where that synack runs.\n"
            "  --gateway PID   the synack gateway with that process id instead: its\n"
            "                  connections, its relayed flows (both sides' addresses) and\n"
            "                  its counters (the Gw* ones its own)\n"
            "  --conns         only the connection table\n"
            "  --counters      only the counters\n"
            "  --count STATE   only the number of connections in STATE (e.g. TIME-WAIT,\n"
            "                  ESTABLISHED, LISTEN)\n"
            "  --json          both as one JSON object on one line ({\"report\":\"stat\",\n"
            "                  \"conns\":[..],\"counters\":{..},..}); not with the three above\n");
}

/* Reads everything the server sends. Returns a NUL-terminated buffer or NULL. */
static char *slurp(int fd)
{
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (len + 1 >= cap) {
            char *n = realloc(buf, cap * 2);
            if (!n) {
                free(buf);
                return NULL;
            }
            buf = n;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + len, cap - len - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    if (buf)
        buf[len] = '\0';
    return buf;
}

int cmd_stat(int argc, char **argv)
{
    const char *ifname = NULL, *count = NULL;
    char gwname[32];
    int want_conns = 1, want_counters = 1, json = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--tap") || !strcmp(a, "--tun") || !strcmp(a, "--if") ||
                   !strcmp(a, "--count")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "synack stat: %s needs a value\n", a);
                return 2;
            }
            if (!strcmp(a, "--count"))
                count = argv[++i];
            else
                ifname = argv[++i];
        } else if (!strcmp(a, "--gateway")) {
            char *end = NULL;
            long pid = i + 1 < argc ? strtol(argv[i + 1], &end, 10) : 0;
            if (pid <= 0 || *end) {
                fprintf(stderr, "synack stat: --gateway needs a process id\n");
                return 2;
            }
            i++;
            snprintf(gwname, sizeof(gwname), "gateway.%ld", pid);
            ifname = gwname;
        } else if (!strcmp(a, "--conns")) {
            want_counters = 0;
        } else if (!strcmp(a, "--counters")) {
            want_conns = 0;
        } else if (!strcmp(a, "--json")) {
            json = 1;
        } else {
            fprintf(stderr, "synack stat: %s '%s'\n",
                    a[0] == '-' ? "unknown option" : "unexpected argument", a);
            usage(stderr);
            return 2;
        }
    }
    if (!ifname || strlen(ifname) >= 16) {
        fprintf(stderr, "synack stat: which instance? (--tap IF, --tun IF or --gateway PID)\n");
        return 2;
    }
    if (json && (count || !want_conns || !want_counters)) {
        fprintf(stderr, "synack stat: --json shows everything; it does not combine with "
                        "--conns, --counters or --count\n");
        return 2;
    }
    int fd = ctl_connect(ifname, json ? "json" : "text");
    if (fd < 0) {
        fprintf(stderr, "synack stat: no synack running on %s in this network namespace (%s)\n",
                ifname, strerror(-fd));
        return 1;
    }
    char *text = slurp(fd);
    close(fd);
    if (!text) {
        fprintf(stderr, "synack stat: out of memory\n");
        return 1;
    }
    if (json) {
        /* The instance wrote one JSON object; anything else means it could not. */
        int ok = text[0] == '{' && strchr(text, '\n') == text + strlen(text) - 1;
        fputs(text, ok ? stdout : stderr);
        free(text);
        return ok ? 0 : 1;
    }
    int section = 0; /* 1 connections, 2 counters */
    int matches = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        int heading = 0;
        if (!strncmp(line, CTL_CONNS_HEADING, strlen(CTL_CONNS_HEADING)))
            section = heading = 1;
        else if (!strncmp(line, CTL_COUNTERS_HEADING, strlen(CTL_COUNTERS_HEADING)))
            section = heading = 2;
        if (heading) { /* headings only when both sections are shown */
            if (!count && want_conns && want_counters)
                printf("%s\n", line);
            continue;
        }
        if (count) {
            size_t n = strlen(count);
            if (section == 1 && !strncmp(line, count, n) && (line[n] == ' ' || !line[n]))
                matches++;
            continue;
        }
        if ((section == 1 && want_conns) || (section == 2 && want_counters))
            printf("%s\n", line);
    }
    if (count)
        printf("%d\n", matches);
    free(text);
    return 0;
}
