/* SPDX-License-Identifier: MIT */
/* synack.h spells the socket API's numbers itself (SYNACK_SOL_SOCKET, SYNACK_SO_*,
 * struct synack_sockaddr_in, synack_socklen_t ...) so that a bare-metal target can include
 * it; the socket layer is written with the BSD names, which are the host's on a host
 * (src/util/sockdefs.h). This holds the two to the same values and layouts, so a Linux
 * program may use either, and the bare-metal fallback (defined from the SYNACK_* values)
 * behaves as the host build that the tests run. */
#include <stddef.h>

#include "synack/synack.h"
#include "util/sockdefs.h"

#ifdef SYNACK_HOST_SOCKETS
#ifdef __linux__
#define SAME(a, b) _Static_assert((a) == (b), #a " differs from the host's " #b)
SAME(SYNACK_AF_INET, AF_INET);
SAME(SYNACK_SOCK_STREAM, SOCK_STREAM);
SAME(SYNACK_SOCK_DGRAM, SOCK_DGRAM);
SAME(SYNACK_IPPROTO_UDP, IPPROTO_UDP);
SAME(SYNACK_MSG_TRUNC, MSG_TRUNC);
SAME(SYNACK_SOCK_NONBLOCK, SOCK_NONBLOCK);
SAME(SYNACK_SOCK_CLOEXEC, SOCK_CLOEXEC);
SAME(SYNACK_SOL_SOCKET, SOL_SOCKET);
SAME(SYNACK_SO_REUSEADDR, SO_REUSEADDR);
SAME(SYNACK_SO_TYPE, SO_TYPE);
SAME(SYNACK_SO_ERROR, SO_ERROR);
SAME(SYNACK_SO_SNDBUF, SO_SNDBUF);
SAME(SYNACK_SO_RCVBUF, SO_RCVBUF);
SAME(SYNACK_SO_KEEPALIVE, SO_KEEPALIVE);
SAME(SYNACK_SO_OOBINLINE, SO_OOBINLINE);
SAME(SYNACK_SO_LINGER, SO_LINGER);
SAME(SYNACK_SO_MAX_PACING_RATE, SO_MAX_PACING_RATE);
SAME(SYNACK_IPPROTO_TCP, IPPROTO_TCP);
SAME(SYNACK_TCP_NODELAY, TCP_NODELAY);
SAME(SYNACK_TCP_MAXSEG, TCP_MAXSEG);
SAME(SYNACK_TCP_KEEPIDLE, TCP_KEEPIDLE);
SAME(SYNACK_TCP_KEEPINTVL, TCP_KEEPINTVL);
SAME(SYNACK_TCP_KEEPCNT, TCP_KEEPCNT);
SAME(SYNACK_TCP_SYNCNT, TCP_SYNCNT);
SAME(SYNACK_LINUX_TCP_INFO, TCP_INFO);
SAME(SYNACK_TCP_CONGESTION, TCP_CONGESTION);
SAME(SYNACK_TCP_USER_TIMEOUT, TCP_USER_TIMEOUT);
SAME(SYNACK_TCP_CORK, TCP_CORK);
SAME(SYNACK_TCP_NOTSENT_LOWAT, TCP_NOTSENT_LOWAT);
SAME(SYNACK_TCP_INQ, TCP_INQ);
SAME(SYNACK_IPPROTO_IP, IPPROTO_IP);
SAME(SYNACK_IP_TOS, IP_TOS);
SAME(SYNACK_IP_MTU_DISCOVER, IP_MTU_DISCOVER);
SAME(SYNACK_IP_FREEBIND, IP_FREEBIND);
SAME(SYNACK_IP_RECVERR, IP_RECVERR);
SAME(SYNACK_IP_TTL, IP_TTL);
SAME(SYNACK_IP_RECVTTL, IP_RECVTTL);
SAME(SYNACK_IP_PMTUDISC_DONT, IP_PMTUDISC_DONT);
SAME(SYNACK_IP_PMTUDISC_OMIT, IP_PMTUDISC_OMIT);
SAME(SYNACK_MSG_EOR, MSG_EOR);
SAME(SYNACK_MSG_MORE, MSG_MORE);
SAME(SYNACK_TCP_FASTOPEN, TCP_FASTOPEN);
SAME(SYNACK_TCP_FASTOPEN_CONNECT, TCP_FASTOPEN_CONNECT);
SAME(SYNACK_TCP_FASTOPEN_KEY, TCP_FASTOPEN_KEY);
SAME(SYNACK_TCP_FASTOPEN_NO_COOKIE, TCP_FASTOPEN_NO_COOKIE);
SAME(SYNACK_MSG_OOB, MSG_OOB);
SAME(SYNACK_MSG_ERRQUEUE, MSG_ERRQUEUE);
#ifdef MSG_ZEROCOPY
SAME(SYNACK_MSG_ZEROCOPY, MSG_ZEROCOPY);
#endif
#ifdef SO_ZEROCOPY
SAME(SYNACK_SO_ZEROCOPY, SO_ZEROCOPY);
#endif
#if defined(SO_TIMESTAMPING_OLD) && defined(__x86_64__)
SAME(SYNACK_SO_TIMESTAMPING, SO_TIMESTAMPING_OLD);
#endif
SAME(SYNACK_MSG_PEEK, MSG_PEEK);
SAME(SYNACK_MSG_DONTWAIT, MSG_DONTWAIT);
SAME(SYNACK_MSG_NOSIGNAL, MSG_NOSIGNAL);
SAME(SYNACK_MSG_FASTOPEN, MSG_FASTOPEN);
SAME(SYNACK_SHUT_RD, SHUT_RD);
SAME(SYNACK_SHUT_WR, SHUT_WR);
SAME(SYNACK_SHUT_RDWR, SHUT_RDWR);
/* synack's own TCP_INFO number must not shadow one of the host's options. */
_Static_assert(SYNACK_TCP_INFO != TCP_INFO, "SYNACK_TCP_INFO collides with TCP_INFO");

/* The same type, not just the same size: a program passes &len of either kind. */
_Static_assert(_Generic((socklen_t *)0, synack_socklen_t * : 1, default : 0),
               "synack_socklen_t is not the host's socklen_t");

SAME(sizeof(struct synack_sockaddr_in), sizeof(struct sockaddr_in));
SAME(offsetof(struct synack_sockaddr_in, sin_family), offsetof(struct sockaddr_in, sin_family));
SAME(offsetof(struct synack_sockaddr_in, sin_port), offsetof(struct sockaddr_in, sin_port));
SAME(offsetof(struct synack_sockaddr_in, sin_addr), offsetof(struct sockaddr_in, sin_addr));
SAME(sizeof(((struct synack_sockaddr_in *)0)->sin_family),
     sizeof(((struct sockaddr_in *)0)->sin_family));
SAME(sizeof(struct synack_in_addr), sizeof(struct in_addr));
SAME(SYNACK_AF_INET6, AF_INET6);
SAME(SYNACK_IPPROTO_IPV6, IPPROTO_IPV6);
SAME(SYNACK_IPV6_V6ONLY, IPV6_V6ONLY);
SAME(SYNACK_IPV6_RECVERR, IPV6_RECVERR);
SAME(SYNACK_IPV6_UNICAST_HOPS, IPV6_UNICAST_HOPS);
SAME(SYNACK_IPV6_RECVHOPLIMIT, IPV6_RECVHOPLIMIT);
SAME(sizeof(struct synack_sockaddr_in6), sizeof(struct sockaddr_in6));
SAME(offsetof(struct synack_sockaddr_in6, sin6_family), offsetof(struct sockaddr_in6, sin6_family));
SAME(offsetof(struct synack_sockaddr_in6, sin6_port), offsetof(struct sockaddr_in6, sin6_port));
SAME(offsetof(struct synack_sockaddr_in6, sin6_flowinfo),
     offsetof(struct sockaddr_in6, sin6_flowinfo));
SAME(offsetof(struct synack_sockaddr_in6, sin6_addr), offsetof(struct sockaddr_in6, sin6_addr));
SAME(offsetof(struct synack_sockaddr_in6, sin6_scope_id),
     offsetof(struct sockaddr_in6, sin6_scope_id));
SAME(sizeof(struct synack_in6_addr), sizeof(struct in6_addr));
SAME(sizeof(struct synack_linger), sizeof(struct linger));
SAME(offsetof(struct synack_linger, l_onoff), offsetof(struct linger, l_onoff));
SAME(offsetof(struct synack_linger, l_linger), offsetof(struct linger, l_linger));
#else
#error "synack's SYNACK_* socket values are Linux's; check them against this host's"
#endif
#endif

/* ISO C wants at least one declaration in a translation unit (bare metal has no check). */
typedef int synack_sock_values_unit;
