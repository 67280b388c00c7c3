/* SPDX-License-Identifier: MIT */
/* Running a program and collecting what it prints (see proc.h). */
#include "support/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* A child process whose output is being collected. */
typedef struct proc {
    pid_t pid; /* the child */
    int out;   /* read end of its stdout */
    int err;   /* read end of its stderr */
} proc;

/* Starts argv (argv[0] is a path or a name on PATH). posix_spawn, not fork: forking a
 * sanitizer-instrumented test copies huge page tables thousands of times. */
static int spawn(char *const argv[], proc *p)
{
    int po[2], pe[2];
    if (pipe(po) != 0)
        return -1;
    if (pipe(pe) != 0) {
        close(po[0]);
        close(po[1]);
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, po[1], 1);
    posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
    posix_spawn_file_actions_addclose(&fa, po[0]);
    posix_spawn_file_actions_addclose(&fa, pe[0]);
    posix_spawn_file_actions_addclose(&fa, po[1]);
    posix_spawn_file_actions_addclose(&fa, pe[1]);
    int rc = posix_spawnp(&p->pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(po[1]);
    close(pe[1]);
    if (rc != 0) {
        close(po[0]);
        close(pe[0]);
        return -1;
    }
    p->out = po[0];
    p->err = pe[0];
    return 0;
}

static void drain(int fd, char *buf, size_t cap, size_t *len)
{
    char tmp[4096];
    ssize_t e;
    while ((e = read(fd, tmp, sizeof(tmp))) > 0)
        for (ssize_t i = 0; i < e && *len + 1 < cap; i++)
            buf[(*len)++] = tmp[i];
}

/* Reads everything the child prints and waits for it. */
static int collect(proc *p, proc_out *r)
{
    memset(r, 0, sizeof(*r));
    r->status = -1;
    size_t cap = 65536;
    r->out = malloc(cap);
    if (!r->out)
        abort();
    size_t elen = 0;
    /* stderr is drained between reads so the child never blocks on it. */
    fcntl(p->err, F_SETFL, O_NONBLOCK);
    for (;;) {
        if (r->len + 4096 > cap) {
            cap *= 2;
            r->out = realloc(r->out, cap);
            if (!r->out)
                abort();
        }
        ssize_t n = read(p->out, r->out + r->len, cap - r->len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        r->len += (size_t)n;
        drain(p->err, r->err, sizeof(r->err), &elen);
    }
    r->out[r->len] = '\0';
    fcntl(p->err, F_SETFL, 0);
    drain(p->err, r->err, sizeof(r->err), &elen);
    r->err[elen] = '\0';
    close(p->out);
    close(p->err);
    int st = 0;
    while (waitpid(p->pid, &st, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(st))
        r->status = WEXITSTATUS(st);
    return 0;
}

int proc_run(char *const argv[], proc_out *r)
{
    proc p;
    if (spawn(argv, &p) != 0)
        return -1;
    return collect(&p, r);
}

int proc_on_path(const char *prog)
{
    const char *path = getenv("PATH");
    if (!path)
        return 0;
    char buf[1024];
    const char *p = path;
    while (*p) {
        const char *colon = strchr(p, ':');
        size_t n = colon ? (size_t)(colon - p) : strlen(p);
        if (n > 0 && n + strlen(prog) + 2 < sizeof(buf)) {
            memcpy(buf, p, n);
            buf[n] = '/';
            strcpy(buf + n + 1, prog);
            if (access(buf, X_OK) == 0)
                return 1;
        }
        p += n;
        if (*p == ':')
            p++;
    }
    return 0;
}
