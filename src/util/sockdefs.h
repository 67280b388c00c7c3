/* SPDX-License-Identifier: MIT */
/* The BSD socket and poll(2) names the core is written with (AF_INET, SOL_SOCKET, SO_*,
 * IPPROTO_TCP, TCP_*, MSG_*, SHUT_*, POLL*, struct sockaddr_in, socklen_t, htons...).
 * Where the host has <sys/socket.h> they are the host's; on a bare-metal C library
 * (newlib) they are defined here from the SYNACK_* values of synack.h, which are Linux's,
 * so the same core sources build in both places. Private: never installed. */
#ifndef SYNACK_UTIL_SOCKDEFS_H
#define SYNACK_UTIL_SOCKDEFS_H

#include <stdint.h>

#include "synack/synack.h"

/* Linux's number for TCP_INFO; synack's own SYNACK_TCP_INFO is a different one and both
 * are accepted (src/stack/sock_values.c checks this against <netinet/tcp.h>). */
#define SYNACK_LINUX_TCP_INFO 11

/* A build may force the fallback (a host test of the bare-metal path). */
#if !defined(SYNACK_NO_HOST_SOCKETS) && defined(__has_include)
#if __has_include(<sys/socket.h>) && __has_include(<poll.h>)
#define SYNACK_HOST_SOCKETS 1
#endif
#endif

#ifdef SYNACK_HOST_SOCKETS
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#else

#define AF_INET SYNACK_AF_INET
#define SOCK_STREAM SYNACK_SOCK_STREAM
#define SOCK_DGRAM SYNACK_SOCK_DGRAM
#define SOCK_NONBLOCK SYNACK_SOCK_NONBLOCK
#define SOCK_CLOEXEC SYNACK_SOCK_CLOEXEC
#define SOL_SOCKET SYNACK_SOL_SOCKET
#define SO_REUSEADDR SYNACK_SO_REUSEADDR
#define SO_TYPE SYNACK_SO_TYPE
#define SO_ERROR SYNACK_SO_ERROR
#define SO_SNDBUF SYNACK_SO_SNDBUF
#define SO_RCVBUF SYNACK_SO_RCVBUF
#define SO_KEEPALIVE SYNACK_SO_KEEPALIVE
#define SO_OOBINLINE SYNACK_SO_OOBINLINE
#define SO_LINGER SYNACK_SO_LINGER
#define SO_MAX_PACING_RATE SYNACK_SO_MAX_PACING_RATE
#define IPPROTO_TCP SYNACK_IPPROTO_TCP
#define IPPROTO_UDP SYNACK_IPPROTO_UDP
#define TCP_NODELAY SYNACK_TCP_NODELAY
#define TCP_MAXSEG SYNACK_TCP_MAXSEG
#define TCP_KEEPIDLE SYNACK_TCP_KEEPIDLE
#define TCP_KEEPINTVL SYNACK_TCP_KEEPINTVL
#define TCP_KEEPCNT SYNACK_TCP_KEEPCNT
#define TCP_SYNCNT SYNACK_TCP_SYNCNT
#define TCP_INFO SYNACK_LINUX_TCP_INFO
#define TCP_CONGESTION SYNACK_TCP_CONGESTION
#define TCP_USER_TIMEOUT SYNACK_TCP_USER_TIMEOUT
#define TCP_CORK SYNACK_TCP_CORK
#define TCP_NOTSENT_LOWAT SYNACK_TCP_NOTSENT_LOWAT
#define TCP_INQ SYNACK_TCP_INQ
#define IPPROTO_IP SYNACK_IPPROTO_IP
#define IP_TOS SYNACK_IP_TOS
#define IP_MTU_DISCOVER SYNACK_IP_MTU_DISCOVER
#define IP_FREEBIND SYNACK_IP_FREEBIND
#define IP_PMTUDISC_DONT SYNACK_IP_PMTUDISC_DONT
#define IP_PMTUDISC_WANT SYNACK_IP_PMTUDISC_WANT
#define IP_PMTUDISC_DO SYNACK_IP_PMTUDISC_DO
#define IP_PMTUDISC_PROBE SYNACK_IP_PMTUDISC_PROBE
#define IP_PMTUDISC_OMIT SYNACK_IP_PMTUDISC_OMIT
#define TCP_FASTOPEN_CONNECT SYNACK_TCP_FASTOPEN_CONNECT
#define TCP_FASTOPEN_NO_COOKIE SYNACK_TCP_FASTOPEN_NO_COOKIE
#define MSG_OOB SYNACK_MSG_OOB
#define MSG_PEEK SYNACK_MSG_PEEK
#define MSG_DONTWAIT SYNACK_MSG_DONTWAIT
#define MSG_TRUNC SYNACK_MSG_TRUNC
#define MSG_NOSIGNAL SYNACK_MSG_NOSIGNAL
#define MSG_EOR SYNACK_MSG_EOR
#define MSG_MORE SYNACK_MSG_MORE
#define MSG_FASTOPEN SYNACK_MSG_FASTOPEN
#define SHUT_RD SYNACK_SHUT_RD
#define SHUT_WR SYNACK_SHUT_WR
#define SHUT_RDWR SYNACK_SHUT_RDWR
#define POLLIN SYNACK_POLLIN
#define POLLOUT SYNACK_POLLOUT
#define POLLERR SYNACK_POLLERR
#define POLLHUP SYNACK_POLLHUP
#define POLLNVAL SYNACK_POLLNVAL
#define POLLRDHUP SYNACK_POLLRDHUP
#define POLLPRI SYNACK_POLLPRI

typedef synack_socklen_t socklen_t;
typedef uint16_t sa_family_t;
typedef uint16_t in_port_t;
typedef uint32_t in_addr_t;

struct sockaddr {
    sa_family_t sa_family;
    char sa_data[14];
};
struct in_addr {
    in_addr_t s_addr;
};
struct sockaddr_in {
    sa_family_t sin_family;
    in_port_t sin_port;
    struct in_addr sin_addr;
    uint8_t sin_zero[8];
};
struct linger {
    int l_onoff;
    int l_linger;
};

_Static_assert(sizeof(struct sockaddr_in) == sizeof(struct synack_sockaddr_in) &&
                   sizeof(struct sockaddr) == sizeof(struct synack_sockaddr_in),
               "the fallback sockaddr_in must be struct synack_sockaddr_in's layout");
_Static_assert(sizeof(struct linger) == sizeof(struct synack_linger),
               "the fallback linger must be struct synack_linger's layout");

#if !defined(__BYTE_ORDER__) || !defined(__ORDER_LITTLE_ENDIAN__)
#error "sockdefs.h needs the compiler's __BYTE_ORDER__ to define htons/htonl"
#endif
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
static inline uint16_t htons(uint16_t v)
{
    return (uint16_t)((v << 8) | (v >> 8));
}
static inline uint32_t htonl(uint32_t v)
{
    return (v << 24) | ((v & 0xff00u) << 8) | ((v >> 8) & 0xff00u) | (v >> 24);
}
#else
static inline uint16_t htons(uint16_t v)
{
    return v;
}
static inline uint32_t htonl(uint32_t v)
{
    return v;
}
#endif
static inline uint16_t ntohs(uint16_t v)
{
    return htons(v);
}
static inline uint32_t ntohl(uint32_t v)
{
    return htonl(v);
}

#endif /* SYNACK_HOST_SOCKETS */
#endif
