/* SPDX-License-Identifier: MIT */
/* recvmsg(MSG_ERRQUEUE) for the packetdrill shim: one record of synack's error queue
 * (synack_recv_errqueue) as Linux's ip_recv_error hands it over. A timestamping record
 * comes with an SCM_TIMESTAMPING cmsg first (the software time in ts[0] under
 * SOF_TIMESTAMPING_SOFTWARE, the stack's clock mapped onto the wall clock packetdrill
 * reads), then the IP_RECVERR cmsg: struct sock_extended_err and a zeroed offender
 * address. Linux would also copy the sent segment into the iov unless OPT_TSONLY is set;
 * synack keeps no such copy, so no byte is returned and msg_flags says MSG_TRUNC where
 * Linux would have had a payload to offer. */
#include <errno.h>
#include <time.h> /* before linux/errqueue.h, which uses struct timespec */

#include <linux/errqueue.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "pd_shim.h"

/* Appends one cmsg; returns the next free offset or 0 when it does not fit. */
static size_t put_cmsg(struct msghdr *msg, size_t off, int level, int type, const void *data,
                       size_t n)
{
    size_t need = CMSG_SPACE(n);
    if (!msg->msg_control || off + need > msg->msg_controllen)
        return 0;
    struct cmsghdr *cm = (struct cmsghdr *)((char *)msg->msg_control + off);
    memset(cm, 0, need);
    cm->cmsg_level = level;
    cm->cmsg_type = type;
    cm->cmsg_len = CMSG_LEN(n);
    memcpy(CMSG_DATA(cm), data, n);
    return off + need;
}

ssize_t pd_sock_recv_errqueue(pd_shim *sh, int s, int domain, struct msghdr *msg)
{
    synack_sock_err e;
    int rc = synack_recv_errqueue(sh->st, s, &e);
    if (rc < 0)
        return rc;
    int tsflags = 0;
    socklen_t tl = sizeof(tsflags);
    synack_getsockopt(sh->st, s, SOL_SOCKET, SYNACK_SO_TIMESTAMPING, &tsflags, &tl);
    int flags = MSG_ERRQUEUE;
    size_t off = 0;
    int truncated = 0;
    if (e.ee_origin == SO_EE_ORIGIN_TIMESTAMPING) {
        struct scm_timestamping ts;
        memset(&ts, 0, sizeof(ts));
        if (tsflags & SYNACK_SOF_TIMESTAMPING_SOFTWARE) {
            uint64_t t = sh->epoch_us + e.tstamp_us;
            ts.ts[0].tv_sec = (time_t)(t / 1000000);
            ts.ts[0].tv_nsec = (long)(t % 1000000) * 1000;
        }
        off = put_cmsg(msg, off, SOL_SOCKET, SCM_TIMESTAMPING, &ts, sizeof(ts));
        truncated |= off == 0;
        if (!(tsflags & SYNACK_SOF_TIMESTAMPING_OPT_TSONLY))
            flags |= MSG_TRUNC;
    }
    /* The offender's family is the socket's: ipv6_recv_error hands an AF_INET6 socket (an
     * ipv4-mapped one too) a sockaddr_in6 under SOL_IPV6/IPV6_RECVERR. */
    struct {
        struct sock_extended_err ee;
        struct sockaddr_in6 offender;
    } rec;
    _Static_assert(sizeof(struct sock_extended_err) == 16, "Linux's layout");
    memset(&rec, 0, sizeof(rec));
    memcpy(&rec.ee, &e, sizeof(rec.ee)); /* synack_sock_err starts with the same 16 bytes */
    int v6 = domain == AF_INET6;
    size_t rlen = sizeof(rec.ee) + (v6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
    size_t end = truncated ? 0
                           : put_cmsg(msg, off, v6 ? SOL_IPV6 : SOL_IP,
                                      v6 ? IPV6_RECVERR : IP_RECVERR, &rec, rlen);
    if (end == 0 && msg->msg_controllen > 0)
        flags |= MSG_CTRUNC;
    msg->msg_controllen = end ? end : off;
    msg->msg_namelen = 0;
    msg->msg_flags = flags;
    return 0;
}
