/* SPDX-License-Identifier: MIT */
/* Tests that run a program (the synack tool, tshark, rsvg-convert): start it, collect its
 * stdout and the start of its stderr, and its exit code. */
#ifndef SYNACK_TEST_PROC_H
#define SYNACK_TEST_PROC_H

#include <stddef.h>

/* What one run printed, and how it ended. */
typedef struct proc_out {
    char *out;      /* stdout, NUL-terminated */
    size_t len;     /* its length */
    char err[2048]; /* the start of stderr */
    int status;     /* exit code, or -1 when it did not exit normally */
} proc_out;

/* Runs argv (argv[0] is a path or a name on PATH) with stdin as it is, and collects its
 * output into *r (free r->out). Returns 0, or -1 when it could not be started. */
int proc_run(char *const argv[], proc_out *r);
/* Whether prog is an executable on PATH. */
int proc_on_path(const char *prog);

#endif
