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
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    if (m) {
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

int ctl_connect(const char *ifname)
{
    struct sockaddr_un sa;
    socklen_t len = ctl_addr(&sa, ifname);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (connect(fd, (struct sockaddr *)&sa, len) != 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}
