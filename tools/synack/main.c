/* SPDX-License-Identifier: MIT */
/* synack — the command-line tool: one binary, subcommands in the style of `ip` and `git`
 * (docs/CLI.md). To add a subcommand, write cmd_<name>() in its own file, declare it in
 * cmd.h and give it a line in the table below. */
#include <stdio.h>
#include <string.h>

#include "synack/synack.h"

#include "cmd.h"

typedef struct command {
    const char *name;                  /* what the user types */
    int (*run)(int argc, char **argv); /* NULL: not implemented yet */
    const char *args;                  /* argument synopsis for help */
    const char *summary;               /* one line for help */
} command;

static int cmd_help(int argc, char **argv);

static const command commands[] = {
    {"sim", cmd_sim, "--list | NAME [--seed N] [--format text|json|mermaid|svg] [--pcap FILE] ...",
     "play a TCP scenario in the deterministic simulator and draw it"},
    {"demo", cmd_demo, "", "the handshake, data exchange and close scenarios as timelines"},
    {"serve", cmd_serve, "--tap IF --addr A/LEN [--port N] [--app echo|discard|chargen|http]",
     "serve an application over a TAP device"},
    {"connect", cmd_connect, "--tap IF --addr A/LEN --to A:PORT [--send FILE|-] [--recv FILE|-]",
     "connect to a server over a TAP device"},
    {"ping", cmd_ping,
     "[-4|-6] [-c COUNT] [-i INTERVAL] [-s SIZE] [-W TIMEOUT] --tap IF|--tun IF --addr A/LEN "
     "DEST",
     "ping an address over a TUN/TAP device (iputils ping's output)"},
    {"bench", cmd_bench, "NAME|all|--list [--json] [--quick] [--bytes N] [--count N] ...",
     "side-by-side figures for synack and the Linux kernel"},
    {"stat", cmd_stat, "--tap IF | --tun IF [--conns | --counters | --count STATE]",
     "connection table and counters of a running serve/connect (ss/nstat-like)"},
    {"gateway", cmd_gateway, "--netns PATH | --pid PID [--addr A/LEN] [--gw A] [--json]",
     "give a network namespace TCP to the outside through synack"},
    {"help", cmd_help, "[COMMAND]", "this text, or a command's usage"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
    fprintf(out, "usage: synack COMMAND [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-8s %s%s\n", commands[i].name, commands[i].summary,
                commands[i].run ? "" : " (not implemented yet)");
    fprintf(out, "\n`synack help COMMAND` shows a command's arguments.\n"
                 "Exit codes: 0 success, 1 a behaviour check failed, 2 usage error.\n");
}

static int cmd_help(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "sim") == 0) {
        cmd_sim_usage();
        return 0;
    }
    for (size_t i = 0; i < NCOMMANDS; i++) {
        if (strcmp(argv[1], commands[i].name) == 0) {
            printf("usage: synack %s %s\n  %s\n", commands[i].name, commands[i].args,
                   commands[i].summary);
            return 0;
        }
    }
    fprintf(stderr, "synack: no such command '%s' (try `synack help`)\n", argv[1]);
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *name = argv[1];
    if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0)
        name = "help";
    if (strcmp(name, "--version") == 0) {
        printf("synack %s\n", synack_version());
        return 0;
    }
    for (size_t i = 0; i < NCOMMANDS; i++) {
        if (strcmp(name, commands[i].name) != 0)
            continue;
        if (!commands[i].run) {
            fprintf(stderr, "synack %s: not implemented yet\n", name);
            return 2;
        }
        return commands[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "synack: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
