/* SPDX-License-Identifier: MIT */
/* The control socket (see ctl.h). */
#include "ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "host.h"

/* Fills an abstract address (sun_path[0] == '\0') "synack/IF"; returns its length. */
static socklen_t ctl_addr(struct sockaddr_un *sa, const char *ifname)
{
    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    int n = snprintf(sa->sun_path + 1, sizeof(sa->sun_path) - 1, "synack/%s", ifname);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

int ctl_listen(const char *ifname)
{
    struct sockaddr_un sa;
    socklen_t len = ctl_addr(&sa, ifname);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (bind(fd, (struct sockaddr *)&sa, len) != 0 || listen(fd, 8) != 0) {
        fprintf(stderr,
                "synack: warning: no control socket for %s (%s); `synack stat` "
                "will not see this instance\n",
                ifname, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

void ctl_serve(struct host *h)
{
    int c = accept4(h->ctl_fd, NULL, NULL, SOCK_CLOEXEC);
    if (c < 0)
        return;
    /* The request line; a client that sends none within 200 ms gets text. */
    struct timeval rtv = {.tv_usec = 200000};
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &rtv, sizeof(rtv));
    char req[16] = "";
    size_t rlen = 0;
    while (rlen + 1 < sizeof(req) && !memchr(req, '\n', rlen)) {
        ssize_t n = read(c, req + rlen, sizeof(req) - 1 - rlen);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        rlen += (size_t)n;
    }
    req[rlen] = '\0';
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    if (m && strncmp(req, "json\n", 5) == 0) {
        host_print_json(h, m, "\"report\":\"stat\"");
        fclose(m);
    } else if (m) {
        fprintf(m, "%s (synack %s on %s, up %.3f s)\n", CTL_CONNS_HEADING, h->cmd, h->dev.name,
                host_elapsed(h));
        host_print_table(h, m);
        fprintf(m, "%s\n", CTL_COUNTERS_HEADING);
        host_print_counters(h, m);
        fclose(m);
    }
    /* Blocking, with a deadline: a stuck reader must not stall the stack for long. */
    struct timeval tv = {.tv_sec = 1};
    setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    size_t off = 0;
    while (text && off < len) {
        ssize_t n = write(c, text + off, len - off);
        if (n <= 0) {
            if (n < 0 && errno == EINTR)
                continue;
            break;
        }
        off += (size_t)n;
    }
    free(text);
    close(c);
}

int ctl_connect(const char *ifname, const char *request)
{
    struct sockaddr_un sa;
    socklen_t len = ctl_addr(&sa, ifname);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    char line[16];
    int n = snprintf(line, sizeof(line), "%s\n", request);
    if (connect(fd, (struct sockaddr *)&sa, len) != 0 || write(fd, line, (size_t)n) != n) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}
