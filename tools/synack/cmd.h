/* SPDX-License-Identifier: MIT */
/* synack — the subcommands of the command-line tool (docs/CLI.md). Each takes the
 * arguments after its name (argv[0] is the subcommand's name) and returns the exit code:
 * 0 success, 1 a behaviour check failed, 2 a usage error (message on stderr). */
#ifndef SYNACK_TOOL_CMD_H
#define SYNACK_TOOL_CMD_H

int cmd_sim(int argc, char **argv);
int cmd_demo(int argc, char **argv);
/* Prints the usage of `sim` to stdout (for `synack help sim`). */
void cmd_sim_usage(void);
/* serve / connect / stat on a TUN/TAP device (cmd_serve.c, cmd_connect.c, cmd_stat.c). */
int cmd_serve(int argc, char **argv);
int cmd_connect(int argc, char **argv);
int cmd_stat(int argc, char **argv);
/* ping: echo requests over a TUN/TAP device, iputils ping's output (cmd_ping.c). */
int cmd_ping(int argc, char **argv);
/* bench: side-by-side figures against the Linux kernel (cmd_bench*.c). */
int cmd_bench(int argc, char **argv);
/* gateway: a network namespace's TCP relayed to host sockets (cmd_gateway*.c). */
int cmd_gateway(int argc, char **argv);

#endif
