/* SPDX-License-Identifier: MIT */
/* The default entropy source: the OS's CSPRNG through getrandom(2). Host glue, like the
 * TUN/TAP code: the core only ever reaches it through the config's entropy callback. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "synack/synack.h"

#ifdef SYNACK_HAVE_GETRANDOM
#include <sys/random.h>

int synack_entropy_os(void *ctx, void *buf, size_t len)
{
    (void)ctx;
    if (!buf && len)
        return -EFAULT;
    uint8_t *p = buf;
    while (len > 0) {
        /* Blocks only until the kernel's pool is first initialised (early boot); a signal
         * or a large request can cut a call short, so loop until everything is filled. */
        ssize_t n = getrandom(p, len, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}
#else
int synack_entropy_os(void *ctx, void *buf, size_t len)
{
    (void)ctx;
    (void)buf;
    (void)len;
    return -ENOSYS;
}
#endif
