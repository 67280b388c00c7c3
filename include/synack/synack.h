/* SPDX-License-Identifier: MIT */
/* synack — a sans-I/O TCP/IPv4 stack.
 *
 * The stack never reads a clock or touches a device: the host passes the time (in
 * microseconds, monotonic) to synack_input() and synack_poll(), and asks
 * synack_next_deadline() when to call synack_poll() again. Frames leave through the
 * netif's output callback; trace events through the event callback.
 *
 * Socket calls act at the time of the latest synack_input()/synack_poll() (or
 * synack_set_time()). Every call returns >= 0 on success or a negative errno: -EINVAL for
 * a NULL stack or another bad argument, -EBADF for a socket id that is not open, -EFAULT
 * for a NULL data buffer with a non-zero length, and -EBUSY for a call that would change
 * the stack made from inside one of its callbacks (output, on_event, entropy, a
 * synack_foreach_conn visitor), which may only read it (docs/API.md has the table). */
#ifndef SYNACK_SYNACK_H
#define SYNACK_SYNACK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h> /* ssize_t: POSIX, and newlib has it on bare metal too */

#include "synack/alloc.h"
#include "synack/api.h"
#include "synack/event.h"
#include "synack/netif.h"
#include "synack/route.h"

#ifdef __cplusplus
extern "C" {
#endif

SYNACK_API_BEGIN

typedef struct synack_stack synack_stack;

/* ---- the socket API's names, without the host's socket headers ----
 * A bare-metal target has no <sys/socket.h> or <netinet/tcp.h>, so synack spells the
 * numbers its socket calls take itself. They are Linux's values (src/stack/sock_values.c
 * checks them against the host's headers at build time), so on Linux SOL_SOCKET and
 * SYNACK_SOL_SOCKET, struct sockaddr_in and struct synack_sockaddr_in, socklen_t and
 * synack_socklen_t are interchangeable. The calls take a `struct sockaddr *`: the host's
 * when the program has <sys/socket.h>, otherwise a synack_sockaddr_in cast to it. */
struct sockaddr;
/* glibc's socklen_t is this same type, so a socklen_t * passes without a cast. */
typedef uint32_t synack_socklen_t;

#define SYNACK_AF_INET 2
#define SYNACK_AF_INET6 10          /* synack_socket_domain(); struct synack_sockaddr_in6 */
#define SYNACK_SOCK_STREAM 1        /* synack_socket()'s types: TCP, */
#define SYNACK_SOCK_DGRAM 2         /*   UDP (RFC 768; docs/API.md, "UDP"), with: */
#define SYNACK_SOCK_NONBLOCK 0x800  /*   accepted and ignored: calls never block */
#define SYNACK_SOCK_CLOEXEC 0x80000 /*   accepted and ignored: there is no exec */

#define SYNACK_SOL_SOCKET 1          /* level of the SYNACK_SO_* options */
#define SYNACK_SO_REUSEADDR 2        /* int */
#define SYNACK_SO_TYPE 3             /* int, get only: SYNACK_SOCK_STREAM or _DGRAM */
#define SYNACK_SO_ERROR 4            /* int, get only: the pending error (positive errno) */
#define SYNACK_SO_SNDBUF 7           /* int, bytes */
#define SYNACK_SO_RCVBUF 8           /* int, bytes */
#define SYNACK_SO_KEEPALIVE 9        /* int */
#define SYNACK_SO_OOBINLINE 10       /* int: the urgent byte stays in line (no MSG_OOB read) */
#define SYNACK_SO_LINGER 13          /* struct synack_linger */
#define SYNACK_SO_MAX_PACING_RATE 47 /* uint32_t or uint64_t, bytes/s */
#define SYNACK_SO_TIMESTAMPING 37    /* int, SYNACK_SOF_TIMESTAMPING_* (error queue) */
#define SYNACK_SO_ZEROCOPY 60        /* int 0/1: honour SYNACK_MSG_ZEROCOPY (error queue) */

#define SYNACK_IPPROTO_TCP 6       /* level of the SYNACK_TCP_* options */
#define SYNACK_TCP_NODELAY 1       /* int */
#define SYNACK_TCP_MAXSEG 2        /* int */
#define SYNACK_TCP_KEEPIDLE 4      /* int, seconds */
#define SYNACK_TCP_KEEPINTVL 5     /* int, seconds */
#define SYNACK_TCP_KEEPCNT 6       /* int */
#define SYNACK_TCP_SYNCNT 7        /* int, SYN retransmissions before connect fails */
#define SYNACK_TCP_CONGESTION 13   /* char[16], the algorithm's name */
#define SYNACK_TCP_USER_TIMEOUT 18 /* int, milliseconds */
/* int: hold partial segments until uncorked (or an RTO) */
#define SYNACK_TCP_CORK 3
/* int, bytes: writable only while fewer are queued and not sent (docs/API.md) */
#define SYNACK_TCP_NOTSENT_LOWAT 25
/* int: a flag for the host's recvmsg (the value: synack_recv_inq) */
#define SYNACK_TCP_INQ 36

#define SYNACK_IPPROTO_IP 0       /* level of the SYNACK_IP_* options (int or one byte) */
#define SYNACK_IP_TOS 1           /* the TOS byte of outgoing headers (ECN bits kept 0) */
#define SYNACK_IP_MTU_DISCOVER 10 /* SYNACK_IP_PMTUDISC_*: DONT clears DF */
#define SYNACK_IP_FREEBIND 15     /* int: bind() to an address that is not the stack's */
#define SYNACK_IP_RECVERR 11      /* int (UDP, echo sockets): ICMP errors on the error queue */
#define SYNACK_IP_TTL 2           /* int 1..255, -1 = the default (64): IPv4 TTL of what it sends */
#define SYNACK_IPPROTO_IPV6 41    /* level of the SYNACK_IPV6_* options */
#define SYNACK_IPV6_V6ONLY 26     /* int 0/1: an AF_INET6 socket refuses IPv4 (::ffff:a.b.c.d) */
#define SYNACK_IPV6_RECVERR 25    /* int (UDP, echo): ICMPv6 errors on the error queue */
/* int 0..255, -1 = the default (an RA's Cur Hop Limit, else 64): the hop limit of the
 * unicast IPv6 packets it sends */
#define SYNACK_IPV6_UNICAST_HOPS 16
/* int 0/1 (AF_INET6 UDP and echo sockets): synack_recvfrom_info() gives an IPv6 datagram's
 * hop limit */
#define SYNACK_IPV6_RECVHOPLIMIT 51
/* int 0/1 (UDP and echo sockets): synack_recvfrom_info() gives an IPv4 datagram's TTL */
#define SYNACK_IP_RECVTTL 12
#define SYNACK_IP_PMTUDISC_DONT 0
#define SYNACK_IP_PMTUDISC_WANT 1 /* the default */
#define SYNACK_IP_PMTUDISC_DO 2
#define SYNACK_IP_PMTUDISC_PROBE 3
#define SYNACK_IP_PMTUDISC_INTERFACE 4
#define SYNACK_IP_PMTUDISC_OMIT 5
/* TCP Fast Open (RFC 7413). The server side: TCP_FASTOPEN (int) is a listener's Fast Open
 * queue, the most requests pending at once (5.1), 0 = off, and needs
 * SYNACK_TFO_SERVER_ENABLE in the config; TCP_FASTOPEN_KEY (16 or 32 bytes, set only) is
 * the stack's cookie key, as synack_fastopen_key(). The client (synack_sendto): int 0/1,
 * TCP_FASTOPEN_CONNECT: connect() leaves the SYN for the first send, whose data it
 * carries. TCP_FASTOPEN_NO_COOKIE (int 0/1): a client's SYN data goes without a cookie, a
 * listener accepts SYN data without one. */
#define SYNACK_TCP_FASTOPEN 23
#define SYNACK_TCP_FASTOPEN_CONNECT 30
#define SYNACK_TCP_FASTOPEN_KEY 33
#define SYNACK_TCP_FASTOPEN_NO_COOKIE 34
/* TCP_INFO: SYNACK_TCP_INFO below (Linux's TCP_INFO, 11, is accepted too). */
/* synack's own listener options (docs/API.md, "Catch-all listener and held SYNs"): */
#define SYNACK_TCP_CATCH_ALL 0x5310   /* int 0/1: the listener takes SYNs to any address:port */
#define SYNACK_TCP_HOLD_SYN 0x5311    /* int ms, 0 off: SYNs wait for synack_held_verdict() */
#define SYNACK_HOLD_SYN_MAX_MS 600000 /* the longest a SYN may be held */
#define SYNACK_IPPROTO_UDP 17         /* level of SYNACK_UDP_CATCH_ALL */
#define SYNACK_IPPROTO_ICMP 1         /* synack_socket_proto(): an ICMP echo socket */
#define SYNACK_IPPROTO_ICMPV6 58      /* synack_socket_proto(): an ICMPv6 echo socket */
/* int 0/1 on a SOCK_DGRAM socket: it receives datagrams to any address:port that no other
 * socket claims (one per stack; synack_recvfrom_to() says where each was sent) */
#define SYNACK_UDP_CATCH_ALL 0x5320

#define SYNACK_MSG_OOB 0x1         /* urgent data: send marks it, recv reads the urgent byte */
#define SYNACK_MSG_PEEK 0x2        /* recv: leave the data queued */
#define SYNACK_MSG_DONTWAIT 0x40   /* accepted: calls never block */
#define SYNACK_MSG_TRUNC 0x20      /* UDP recv: return the datagram's real length */
#define SYNACK_MSG_EOR 0x80        /* send: the data ends a record; no segment spans its end */
#define SYNACK_MSG_NOSIGNAL 0x4000 /* accepted: calls never signal */
/* The error queue's (synack_recv_errqueue stands for recvmsg with MSG_ERRQUEUE): */
#define SYNACK_MSG_ERRQUEUE 0x2000
#define SYNACK_MSG_ZEROCOPY 0x4000000 /* send: a completion on the error queue once acked */
#define SYNACK_MSG_MORE 0x8000        /* send: more follows; hold a partial segment (per call) */
/* sendto: connect, with data in the SYN (TCP Fast Open, synack_sendto) */
#define SYNACK_MSG_FASTOPEN 0x20000000
/* sendto/send that opens with Fast Open: the caller blocks until the handshake ends and
 * then sends what did not fit in the SYN (as a blocking Linux call does); with
 * cfg.write_pending_delack the SYN-ACK is then not answered with an ACK of its own */
#define SYNACK_MSG_WAITOPEN 0x10000000

#define SYNACK_SHUT_RD 0
#define SYNACK_SHUT_WR 1
#define SYNACK_SHUT_RDWR 2

/* Linux's struct in_addr and struct sockaddr_in, byte for byte (16 bytes). */
struct synack_in_addr {
    uint32_t s_addr; /* network byte order */
};
struct synack_sockaddr_in {
    uint16_t sin_family; /* SYNACK_AF_INET */
    uint16_t sin_port;   /* network byte order */
    struct synack_in_addr sin_addr;
    uint8_t sin_zero[8];
};
/* Linux's struct in6_addr and struct sockaddr_in6, byte for byte (28 bytes). */
struct synack_in6_addr {
    uint8_t s6_bytes[16]; /* network byte order (not s6_addr: <netinet/in.h> makes that a macro) */
};
struct synack_sockaddr_in6 {
    uint16_t sin6_family;   /* SYNACK_AF_INET6 */
    uint16_t sin6_port;     /* network byte order */
    uint32_t sin6_flowinfo; /* ignored */
    struct synack_in6_addr sin6_addr;
    uint32_t sin6_scope_id; /* for a link-local (fe80::/10) address: 0 or SYNACK_IFINDEX
                               (else -ENODEV); shown as SYNACK_IFINDEX; else ignored */
};
/* The index of synack's one interface, as sin6_scope_id names it (Linux's first non-
 * loopback interface is usually 2; synack has no loopback). */
#define SYNACK_IFINDEX 1
/* Linux's struct linger, for SYNACK_SO_LINGER. */
struct synack_linger {
    int l_onoff;  /* non-zero: linger on close */
    int l_linger; /* seconds; 0 with l_onoff: close() aborts (RST) */
};

/* Fills buf with len unpredictable bytes; returns 0 or a negative errno. */
typedef int (*synack_entropy_fn)(void *ctx, void *buf, size_t len);

/* Every tunable, with its default (set by synack_config_default) and where it comes from.
 * The ranges each field must respect are in docs/API.md, "Configuration";
 * synack_config_check() names the first field outside them.
 *
 * Versioned by `size`: new fields are only ever appended, and a program built against an
 * older header passes its smaller size, so the library reads only the fields that program
 * knows and gives the rest their defaults. Always start from synack_config_init() or
 * synack_config_default(), which set it; a config whose size is not set (0) is refused. */
typedef struct synack_config {
    uint32_t size;                     /* sizeof(synack_config) of the program's build; set
                                          by synack_config_init/_default, keep it */
    synack_netif netif;                /* the one interface (see netif.h) */
    const synack_allocator *allocator; /* NULL: malloc/free */
    synack_entropy_fn entropy;         /* secrets for ISNs, cookies, ports; default
                                          synack_entropy_os with synack_config_default
                                          (NULL in a build without getrandom(2)), NULL
                                          with synack_config_init; NULL is refused
                                          unless `deterministic` is set */
    void *entropy_ctx;                 /* passed to entropy */
    synack_event_fn on_event;          /* trace events; NULL: none (and no formatting cost) */
    void *event_ctx;                   /* passed to on_event */
    uint64_t seed;                     /* with entropy NULL and deterministic 1: every secret
                                          is derived from it; default 1 */
    uint8_t deterministic;             /* 1: entropy NULL is meant (simulation, tests,
                                          benchmarks): ISNs, ports and secrets repeat run
                                          after run; default 0. Set it with
                                          synack_config_deterministic() */

    /* --- limits: exceeding one drops and counts, never allocates without bound --- */
    uint32_t max_sockets;        /* socket ids; default 1024 */
    uint32_t max_conns;          /* connections of any state, incl. half-open; default 65536 */
    uint32_t max_syn_backlog;    /* cap on a listener's SYN queue; default 256
                                    (Linux tcp_max_syn_backlog scaled down) */
    uint32_t max_accept_backlog; /* cap on listen()'s backlog; default 4096 (Linux somaxconn) */
    uint32_t max_time_wait;      /* TIME-WAIT entries; the oldest is recycled; default 32768 */
    uint32_t max_buffer_bytes;   /* send+receive ring storage for the whole stack; past it a
                                    segment is dropped (NoMemory) and a send is short or
                                    -ENOMEM; default 256 MiB */
    uint32_t arp_cache_size;     /* ARP entries; default 64 */
    uint32_t arp_pending_max;    /* frames waiting for ARP resolution; default 32 */

    /* --- buffers --- */
    uint32_t sndbuf; /* default SO_SNDBUF, bytes; default 256 KiB */
    uint32_t rcvbuf; /* default SO_RCVBUF, bytes; default 256 KiB */

    /* --- timers (microseconds) --- */
    uint64_t rto_initial_us; /* RFC 6298 2.1: 1 s */
    uint64_t rto_min_us;     /* RFC 6298 2.4 says 1 s; default 200 ms as Linux */
    uint64_t rto_max_us;     /* RFC 6298 2.5 allows a cap >= 60 s; default 120 s as Linux */
    uint64_t msl_us;         /* maximum segment lifetime; TIME-WAIT is 2*MSL; default 30 s */
    uint64_t delack_us;      /* delayed-ACK timer, RFC 1122 4.2.3.2 (< 500 ms); default 40 ms */
    uint64_t fin_wait2_us; /* orphaned FIN-WAIT-2 lifetime; default 60 s (Linux tcp_fin_timeout) */
    uint64_t keepidle_us;  /* TCP_KEEPIDLE default, RFC 1122 4.2.3.6: 7200 s */
    uint64_t keepintvl_us; /* TCP_KEEPINTVL default: 75 s */
    uint32_t keepcnt;      /* TCP_KEEPCNT default: 9 */
    uint32_t syn_retries;  /* SYN retransmissions before ETIMEDOUT; default 6 */
    uint32_t synack_retries; /* SYN-ACK retransmissions before giving up; default 5 */
    uint32_t data_retries;   /* data retransmissions before ETIMEDOUT; default 15 (Linux
                                tcp_retries2) */

    /* --- behaviour --- */
    uint16_t mss;                 /* our MSS, 88..65495; 0 (default): MTU - 40 */
    uint8_t wscale;               /* our window-scale shift, RFC 7323: 0..14, default 7; 255
                                     turns the option off */
    uint8_t timestamps;           /* offer RFC 7323 timestamps; default 1 */
    uint8_t sack;                 /* offer SACK-permitted, RFC 2018; default 1 */
    uint8_t synack_giveup_rst;    /* send RST when a half-open connection times out; default 1
                                     (Linux: 0) */
    uint8_t syncookies;           /* 0 never, 1 when the SYN queue is full (default), 2 always */
    uint8_t abort_on_overflow;    /* RST instead of dropping the final ACK when the accept queue
                                     is full; default 0 (Linux tcp_abort_on_overflow) */
    uint8_t linux_profile;        /* choose as Linux does where the RFCs leave a choice: sets
                                     every field of the "choices" group below */
    uint16_t ephemeral_lo;        /* ephemeral port range, RFC 6056; default 49152 */
    uint16_t ephemeral_hi;        /* default 65535 */
    uint32_t challenge_ack_limit; /* challenge ACKs per second, RFC 5961 7; default 1000 */
    uint32_t initial_cwnd_segs;   /* initial window, RFC 6928; default 10 */
    uint8_t tail_loss_probe;      /* RFC 8985 7 Tail Loss Probe: a lost last segment is probed
                                     after ~2 SRTT instead of waiting for the RTO; default 0 */
    uint8_t rack;                 /* RFC 8985 RACK-TLP on SACK connections: a segment is lost once
                                     one sent RTT + min_RTT/4 later was delivered (replaces the
                                     3-duplicate-ACK rule and Early Retransmit), and implies the
                                     tail loss probe; default 1 (0: RFC 6675's rules) */
    uint8_t pacing;               /* pace every connection's data segments: at most 2 x cwnd/SRTT
                                     in slow start, 1.2 x after (Linux's rule), in bursts of at
                                     most max(2 segments, 1 ms of the rate); per socket with
                                     SO_MAX_PACING_RATE; BBR paces regardless; default 0 */
    char cc[16];                  /* congestion control: "cubic" (RFC 9438 + HyStart++, the
                                     default), "newreno" (RFC 5681/6582) or "bbr" (BBR v1,
                                     draft-cardwell-iccrg-bbr-congestion-control-00; paces);
                                     per socket with TCP_CONGESTION */

    /* --- choices the RFCs leave open (docs/ARCHITECTURE.md "Profiles"): each 0 (the
     * default, the RFCs' reading) or 1 (what Linux does); linux_profile 1 turns every one
     * on when the stack is made, whatever the field says --- */
    uint8_t quickack_start;       /* ACK the first 16 data segments of a connection at once
                                     (Linux's quick-ACK mode) instead of every second one */
    uint8_t quickack_fin;         /* ACK a FIN at once when no data came before it (Linux's
                                     delayed-ACK timeout is 0 until data has arrived) */
    uint8_t ack_unsent_drop;      /* an ACK of data never sent (SEG.ACK > SND.NXT) is dropped
                                     silently, TS.Recent unchanged, instead of a challenge ACK
                                     (RFC 5961 5.2) */
    uint8_t paws_disordered_ack;  /* PAWS lets a reordered duplicate ACK through (Linux's
                                    tcp_disordered_ack) instead of dropping it (RFC 7323 5.3) */
    uint8_t nagle_minshall;       /* Nagle holds a small segment only while an earlier small
                                     one is unacknowledged (Minshall), not while anything is */
    uint8_t psh_burst_end;        /* PSH also on the last segment of a window-limited burst */
    uint8_t window_update_double; /* after a read, a window update only when the offered
                                   window was at most half the largest and at least doubles
                                   (Linux's tcp_cleanup_rbuf), not when it opens by
                                   min(buffer/2, MSS) (RFC 1122 4.2.3.3) */
    uint8_t send_waits_open;      /* send() before the handshake completes is -EAGAIN, not
                                     queued for after it (RFC 9293 3.10.2) */
    uint8_t rst_reply_orphan;     /* data reaching a connection whose socket was closed is
                                     answered as a segment without a connection is
                                     (<SEQ=SEG.ACK><CTL=RST>, Linux), not with the abort's
                                     <SEQ=SND.NXT><ACK=RCV.NXT><CTL=RST,ACK> */
    uint8_t rto_var_floor;        /* rto_min floors the variance term, RTO = SRTT +
                                     max(4*RTTVAR, rto_min), and a sample below SRTT moves
                                     RTTVAR by 1/32 (Linux's tcp_rtt_estimator), instead of
                                     flooring the whole RTO (RFC 6298 2.4) */
    uint8_t ss_stretch_ack;       /* slow start adds every byte an ACK covers, up to
                                     ssthresh (Linux's tcp_slow_start), not at most one SMSS
                                     per ACK (RFC 3465 L = 1 SMSS) */
    uint8_t cwnd_limited_growth;  /* cwnd grows only while cwnd-limited: the flight filled it
                                     in the current window, or (slow start) cwnd is below twice
                                     the largest flight (Linux's tcp_is_cwnd_limited) */
    uint8_t hystart_linux;        /* cubic leaves slow start by Linux's HyStart (tcp_cubic.c:
                                     an ACK train longer than half the minimum RTT, or a
                                     round's minimum RTT 1/8 above it, clamped to 4..16 ms,
                                     once cwnd reaches 16 segments) instead of RFC 9406's
                                     HyStart++ with Conservative Slow Start */
    uint32_t notsent_lowat;       /* TCP_NOTSENT_LOWAT of sockets that set none: bytes not yet
                                     sent below which a socket is writable (Linux's
                                     net.ipv4.tcp_notsent_lowat); UINT32_MAX: no limit */

    /* --- TCP Fast Open, the client (RFC 7413) --- */
    uint8_t fastopen_client;     /* Linux's net.ipv4.tcp_fastopen client bits: 0x1 lets
                                    MSG_FASTOPEN and TCP_FASTOPEN_CONNECT open with data in
                                    the SYN, 0x4 sends that data without a cookie; default
                                    0x1 (as Linux) */
    uint32_t fastopen_cache_max; /* destinations whose cookie, MSS and SYN-loss history are
                                    remembered (least recently used forgotten first); 0:
                                    none, so every SYN only asks for a cookie; default 64 */

    /* --- TCP Fast Open, the server side (RFC 7413), in the bits of Linux's
     * net.ipv4.tcp_fastopen (profile-independent) --- */
    uint32_t fastopen_server; /* SYNACK_TFO_SERVER_* bits; default 0 (off, as Linux's default
                                 0x1 is the client only). Without the enable bit a SYN's
                                 data is never accepted and no cookie is sent */

    /* --- a later choice the RFCs leave open, as the group above (linux_profile sets it) --- */
    uint8_t reset_keeps_data; /* after a RST, data received before it stays readable, then
                                 the error comes (Linux), instead of RFC 9293 3.10.7.4's
                                 flushed queues and the error at once */
    uint8_t simopen_dsack;    /* profile choice (set by linux_profile): in a simultaneous
                                 open, the peer's SYN-ACK, which repeats the SYN we have,
                                 is answered at once with an ACK reporting that SYN in a
                                 D-SACK block (Linux), not taken silently (RFC 9293 Fig. 7) */

    uint8_t ecn; /* Explicit Congestion Notification (RFC 3168), as Linux's net.ipv4.tcp_ecn:
                    0 off; 1 connect() asks for it (an ECN-setup SYN) and a listener grants
                    it; 2 (the default) only granted to a peer that asks */

    /* --- IPv4 and IPv6 fragment reassembly (RFC 791 3.2, RFC 1122 3.3.2, RFC 8200 4.5)
     * and the path-MTU cache (RFC 1191, RFC 8201); both allocated at their first use and
     * bounded by these --- */
    uint32_t reasm_max_datagrams; /* datagrams reassembled at once; 0: fragments are dropped
                                     (counted in ReasmFails); default 64, at most 4096 */
    uint32_t reasm_max_bytes;     /* bytes held over all of them, each fragment's bookkeeping
                                     included; default 256 KiB, 1..64 MiB */
    uint32_t reasm_max_frags;     /* fragments per datagram; default 64, 1..8192 */
    uint64_t reasm_timeout_us;    /* a datagram's time to complete (Linux's ipfrag_time);
                                     default 30 s, 1 ms..1 h; then Time Exceeded code 1 */
    uint32_t pmtu_cache_size;     /* destinations whose lowered path MTU is remembered for new
                                     connections; 0: none; default 64, at most 4096 */
    uint64_t pmtu_expire_us;      /* an estimate's lifetime (RFC 1191 6.3: 10 min, Linux's
                                     mtu_expires); default 600 s, 1 s..1 day */

    uint8_t reset_child_stays;    /* a connection reset before accept() stays in the accept
                                     queue (Linux's tcp_done on an unaccepted child): accept()
                                     returns it closed, reporting the reset (and its data, with
                                     reset_keeps_data), instead of its leaving the queue */
    uint8_t write_pending_delack; /* profile choice (set by linux_profile): when a Fast Open
                                     sendto/send with SYNACK_MSG_WAITOPEN left data for after
                                     the handshake, the SYN-ACK's ACK waits (up to 200 ms) for
                                     that data, and data sent within 40 ms of it makes the
                                     connection interactive: the next data received is ACKed
                                     after the delayed-ACK time, not at once (Linux's
                                     sk_write_pending and pingpong mode) */
    uint8_t synsent_paws;         /* profile choice (set by linux_profile): in SYN-SENT, a
                                     SYN-ACK whose TSecr (when not 0) is not between our first
                                     SYN's TSval and now is answered with a RST and dropped,
                                     counted in PAWSActiveRejected (Linux's
                                     tcp_rcv_synsent_state_process); RFC 7323 leaves SYN-SENT
                                     to the implementation, and by default it is accepted */
    uint8_t rack_reo_linux;       /* profile choice (set by linux_profile): RACK's reordering
                                     timer as Linux runs it: RACK.rtt is the round trip of
                                     the last segment Linux reads from an ACK (the highest
                                     cumulatively acknowledged, else the highest SACKed), a
                                     segment that left after it in the same burst is not yet
                                     lost but waits (Linux stamps each packet in µs), and the
                                     timer is set 2 ms (TCP_TIMEOUT_MIN_US) past the deadline,
                                     rounded up to a millisecond; RFC 8985 6.2 marks such a
                                     segment lost at once and sets the timer at the deadline */
    uint8_t reorder_sack_growth;  /* profile choice (set by linux_profile): once SACKs showed
                                     reordering beyond DupThresh (TCP_INFO reordering > 3),
                                     an ACK that only SACKs new data grows cwnd by what it
                                     SACKed, outside recovery (Linux's tcp_may_raise_cwnd);
                                     by default only a cumulative ACK grows it (RFC 5681 3.1) */

    uint8_t psh_skb_model; /* profile choice (set by linux_profile; replaces
                              psh_burst_end): PSH also where Linux ends a transmission
                              unit of two or more segments (its TSO packets carry PSH),
                              units cut as Linux's tcp_write_xmit cuts its send queue
                              (half cwnd, cwnd room, tso_min_segs or 1 ms of the
                              pacing rate) and, on a SACK resend, as first sent */
    uint8_t tso_min_segs;  /* Linux's net.ipv4.tcp_min_tso_segs, the smallest unit
                              psh_skb_model cuts (1..255; default 2) */

    /* --- per-destination route metrics (synack/route.h) and Packetization-Layer Path MTU
     * Discovery (RFC 4821), whose knobs are Linux's net.ipv4.tcp_mtu_probing, tcp_base_mss,
     * tcp_probe_threshold and tcp_probe_interval --- */
    uint8_t mtu_probing;        /* 0 off (the default, as Linux's); 1 on for a connection once
                                   a retransmission timeout suggests a black hole; 2 always */
    uint64_t probe_interval_us; /* a search that ended starts again after this long; default
                                   600 s, 1 s..1 day */
    uint32_t route_table_size;  /* routes synack_route_set can hold, and as many IPv6 ones
                                   synack_route6_set; 0: none; default 16, at most 1024 */
    uint32_t probe_threshold;   /* a search ends when what is left of its range is smaller
                                   (bytes); default 8, at most 65535 */
    uint16_t base_mss;          /* the MSS a search starts from and falls back to; default
                                   1024, 48..65495 */

    /* --- after idle, and zero-window probes --- */
    uint8_t cwnd_restart;     /* a write after more than an RTO without sending data:
                                 0 keeps cwnd; 1 (default) cwnd = min(initial window,
                                 cwnd) (RFC 5681 4.1); 2 Linux's tcp_cwnd_restart
                                 (halved per RTO idle, not below that, ssthresh at
                                 least 3/4 of the old cwnd). linux_profile turns 1
                                 into 2; 0 is Linux's tcp_slow_start_after_idle=0 */
    uint8_t persist_bare_ack; /* profile choice (set by linux_profile): a zero-window
                                 probe is a bare ACK at SND.UNA - 1, as Linux's
                                 tcp_xmit_probe_skb, not one byte of data beyond the
                                 window (RFC 9293 3.8.6.1) */

    /* --- IPv6 on Ethernet: Duplicate Address Detection (RFC 4862 5.4) --- */
    uint8_t dad_transmits; /* DupAddrDetectTransmits: Neighbor Solicitations sent for each
                              configured address (link-local and global) before it is used,
                              RetransTimer (1 s) apart; default 1, at most 10; 0 skips DAD
                              (the addresses are usable at once: for tests and sims) */
    uint8_t mld_reports;   /* MLDv2 (RFC 3810 6.1): unsolicited reports joining our
                              solicited-node groups at start-up (the Robustness Variable);
                              default 2, at most 10; 0 sends none (queries are still
                              answered) */
    uint8_t slaac;         /* 1: a Router Advertisement's autonomous /64 prefix forms the
                              global address (RFC 4862 5.5) when netif.addr6 is unset;
                              default 0, static configuration only */

    /* --- IPv6 on Ethernet: start-up pacing (RFC 4861 6.3.7, RFC 4862 5.4.2) --- */
    uint8_t router_solicits; /* Router Solicitations (RFC 4861 6.3.7) sent once the
                                link-local address is in use, 4 s apart after a random
                                0..1 s, until an RA names a default router: 0 none, at
                                most 10; default SYNACK_RTR_SOLICITS_AUTO, 3
                                (MAX_RTR_SOLICITATIONS) when slaac is on, else none */
    uint8_t dad_delay;       /* 1: the first DAD probe of an address (and the MLD report
                                joining its group) waits a random 0..1 s (RFC 4862 5.4.2
                                SHOULD, for many hosts starting at once); default 0, so
                                DAD runs at the first poll */
    uint8_t dad_nonce;       /* 1: RFC 7527 enhanced DAD: each address's probes carry a
                                random Nonce option, and a probe that comes back with it
                                (a looped-back link) is not another node's; default 0
                                (Linux's enhanced_dad is 1) */

    /* --- receive side, for relays --- */
    uint8_t window_update_delack; /* 1: after a read, a window update the peer does not need
                                     yet (the window it was offered is still at least half
                                     of min(buffer, 65535), what a SYN can offer) waits for
                                     the delayed-ACK timer or the next segment sent before
                                     it, instead of going out at once as a bare ACK;
                                     default 0 */
    uint8_t ack_every_segs;       /* full-sized segments received before an ACK goes out at
                                     once (fewer wait for the delayed-ACK timer or a reply);
                                     default 2 (RFC 5681 4.2's SHOULD), at most 16: more
                                     makes stretch ACKs, fewer frames for a relay's bulk */

    /* --- a later choice the RFCs leave open (linux_profile sets it) --- */
    uint8_t mtu_probe6_linux; /* profile choice (set by linux_profile): an IPv6 PLPMTUD
                                 search starts at base_mss and falls back as far as an IPv4
                                 one (Linux's tcp_mtup_init), not only down to IPv6's
                                 minimum link MTU of 1280 (RFC 8200 5, RFC 8201 4) */

    /* --- IPv6: more addresses than netif.addr6 (synack_addr6_add, SLAAC's prefixes) --- */
    uint8_t addr6_max; /* addresses beside netif.addr6 and the link-local one; default 8,
                          at most 32; one more is refused (Ip6AddrListFull) */

    /* --- IPv6 without netif.addr6 --- */
    uint8_t ipv6; /* 1: the netif speaks IPv6 though netif.addr6 is unset: on Ethernet from
                     its link-local address (DAD, MLD, ND as with netif.addr6), and from
                     the addresses synack_addr6_add gives it; default 0: IPv6 exactly when
                     netif.addr6 is set or (Ethernet) slaac is on */
} synack_config;

/* synack_config.router_solicits: the default, MAX_RTR_SOLICITATIONS with slaac, else 0. */
#define SYNACK_RTR_SOLICITS_AUTO 255

/* synack_config.fastopen_client's bits (Linux's net.ipv4.tcp_fastopen client bits). */
#define SYNACK_TFO_CLIENT_ENABLE 0x1    /* Fast Open on active opens */
#define SYNACK_TFO_CLIENT_NO_COOKIE 0x4 /* SYN data without a cookie */

/* synack_config.fastopen_server, with Linux's values for the same bits of tcp_fastopen:
 * ENABLE: listeners with TCP_FASTOPEN answer cookie requests and accept data in a SYN with
 * a valid cookie; COOKIE_NOT_REQD: data in a SYN is accepted without a cookie (on every
 * such listener, as TCP_FASTOPEN_NO_COOKIE); WO_SOCKOPT: a listener without TCP_FASTOPEN
 * gets a Fast Open queue as long as its listen() backlog. */
#define SYNACK_TFO_SERVER_ENABLE 0x2
#define SYNACK_TFO_SERVER_COOKIE_NOT_REQD 0x200
#define SYNACK_TFO_SERVER_WO_SOCKOPT 0x400

/* Every field to its default and `size` to this build's sizeof(synack_config), with no
 * entropy source: the core library's call (it knows no OS), for bare-metal programs. The
 * stack refuses the config until the program sets `entropy` or chooses determinism.
 * A NULL cfg is ignored. */
void synack_config_init(synack_config *cfg);
/* synack_config_init() plus the OS's defaults (host library): entropy is the OS's CSPRNG
 * (synack_entropy_os) where the build has one, else NULL (and synack_stack_new refuses the
 * config until the program gives a source or chooses determinism). A NULL cfg is ignored. */
void synack_config_default(synack_config *cfg);
/* The explicit opt-in to predictable secrets: entropy NULL, seed, deterministic 1. For
 * simulations, tests and benchmarks only: an attacker who knows the seed can forge
 * segments (RFC 6528). A NULL cfg is ignored. */
void synack_config_deterministic(synack_config *cfg, uint64_t seed);
/* The OS's CSPRNG (getrandom(2), retried on EINTR and short reads): 0, or a negative
 * errno (-ENOSYS in a build without getrandom). ctx is unused. Host glue, not core. */
int synack_entropy_os(void *ctx, void *buf, size_t len);

/* The library's version, "MAJOR.MINOR.PATCH" (static storage). synack/version.h has the
 * version of the headers as SYNACK_VERSION_STRING and SYNACK_VERSION_MAJOR/MINOR/PATCH. */
const char *synack_version(void);

/* NULL when the config is unusable or memory is short. */
/* 0 if a stack can be made from cfg, else -EINVAL with *field (when field is not NULL)
 * naming the first bad field as in C, e.g. "netif.addr", "entropy", "mss" ("cfg" for a
 * NULL cfg); *field is NULL on success. Does not allocate or call anything. */
int synack_config_check(const synack_config *cfg, const char **field);
/* Makes a stack: 0 with *out set; -EINVAL for a bad config (*field names it, as
 * synack_config_check), -ENOMEM, or the entropy callback's negative errno (*field
 * "entropy"). *out is NULL on failure; field may be NULL. */
int synack_stack_create(const synack_config *cfg, synack_stack **out, const char **field);
/* synack_stack_create() without the reason: NULL on any failure (cfg NULL included). */
synack_stack *synack_stack_new(const synack_config *cfg);
/* Frees everything, sockets and connections included, without sending anything. A memlink
 * or loop attached to the stack forgets it (it stops delivering to it). Called from inside
 * one of the stack's callbacks (output, on_event, entropy, a foreach visitor), the stack
 * stops calling them at once and is freed when the outermost synack_* call on it returns.
 * NULL is accepted. */
void synack_stack_free(synack_stack *st);

/* The contract of `now_us`, for every call that takes it: microseconds of a monotonic
 * clock (any origin), never earlier than the latest value given to any call on the stack,
 * and at most SYNACK_TIME_MAX (2^62 - 1, ~146,000 years), so that now plus any timeout
 * cannot overflow. A time that breaks it (UINT64_MAX, time going backwards) is refused
 * with -EINVAL and changes nothing. The same value again is fine. */
#define SYNACK_TIME_MAX ((UINT64_C(1) << 62) - 1)

/* Sets the stack's notion of now without doing anything else (socket calls use it).
 * Returns 0, or -EINVAL (NULL stack, or a time against the contract above). */
int synack_set_time(synack_stack *st, uint64_t now_us);
/* Hands the stack one frame that arrived at now_us. Returns 0, or a negative errno: for a
 * frame that was dropped (it is also counted and traced), -EINVAL for a bad time or
 * unknown meta flags, -EFAULT for a NULL frame with len > 0 (refused calls count
 * nothing and change nothing). */
int synack_input(synack_stack *st, uint64_t now_us, const void *frame, size_t len);
/* synack_input() for a frame with what the device vouches for (netif.h: checksum already
 * verified or only partial, a GRO/GSO super-packet). meta NULL or all zero is
 * synack_input(). */
int synack_input_ex(synack_stack *st, uint64_t now_us, const void *frame, size_t len,
                    const synack_rx_meta *meta);
/* Runs the timers due at now_us and sends what is pending. Returns 0, or -EINVAL (NULL
 * stack, or a time against the contract: nothing runs). */
int synack_poll(synack_stack *st, uint64_t now_us);
/* When synack_poll() must next be called; UINT64_MAX if nothing is pending (not a time to
 * pass to synack_poll(), which refuses it). */
uint64_t synack_next_deadline(synack_stack *st);

/* Draws new ISN and SYN-cookie secrets from the entropy source. Live connections are not
 * affected; cookies already sent stay valid for their lifetime. Returns 0 or the entropy
 * callback's negative errno. */
int synack_rotate_secrets(synack_stack *st);
/* Sets the Fast Open cookie key (RFC 7413 4.1.2), as Linux's net.ipv4.tcp_fastopen_key:
 * len 16 (the key; the one it replaces is still accepted) or 32 (the key, then the previous
 * key to accept). A cookie is the low 8 bytes of SipHash-2-4 over the client's and our
 * IPv4 address under it, so hosts given one key issue the same cookies. Otherwise the key
 * comes from the stack's entropy (and synack_rotate_secrets() replaces it). Returns 0, or
 * -EINVAL (st or key NULL, another len), -EBUSY from a callback. */
int synack_fastopen_key(synack_stack *st, const void *key, size_t len);

/* ---- sockets (BSD-like; ids are small integers >= 0) ---- */
int synack_socket(synack_stack *st, int type);
/* socket(domain, type, 0): SYNACK_AF_INET (as synack_socket) or SYNACK_AF_INET6, whose
 * calls take and give struct synack_sockaddr_in6 (IPv4 peers as ::ffff:a.b.c.d unless
 * SYNACK_IPV6_V6ONLY); another domain is -EAFNOSUPPORT. */
int synack_socket_domain(synack_stack *st, int domain, int type);
/* socket(domain, type, proto): proto 0 is synack_socket_domain(); SYNACK_SOCK_DGRAM with
 * SYNACK_IPPROTO_ICMP (AF_INET) or SYNACK_IPPROTO_ICMPV6 (AF_INET6) is an echo ("ping")
 * socket as Linux's (docs/API.md, "Ping sockets"); another pair is -EPROTONOSUPPORT. */
int synack_socket_proto(synack_stack *st, int domain, int type, int proto);
int synack_bind(synack_stack *st, int s, const struct sockaddr *addr, synack_socklen_t len);
int synack_listen(synack_stack *st, int s, int backlog);
int synack_accept(synack_stack *st, int s, struct sockaddr *addr, synack_socklen_t *len);
int synack_connect(synack_stack *st, int s, const struct sockaddr *addr, synack_socklen_t len);
ssize_t synack_send(synack_stack *st, int s, const void *buf, size_t len, int flags);
/* send() with an address, which TCP reads only with MSG_FASTOPEN on an unconnected socket
 * (TCP Fast Open, RFC 7413, as Linux): connect to addr and put what fits of the data in
 * the SYN. Returns the bytes that went in the SYN, or -EINPROGRESS when none did (no
 * cookie for the destination yet: the SYN asks for one; send the data once connected).
 * -EOPNOTSUPP when fastopen_client bit 0x1 is off or addr is AF_UNSPEC, -EALREADY while
 * the handshake runs, connect()'s errors otherwise. Without MSG_FASTOPEN, or on a
 * connected socket, it is send() and addr is ignored. On a socket whose connect() was
 * deferred by TCP_FASTOPEN_CONNECT, send() and sendto() both send the SYN with data. */
ssize_t synack_sendto(synack_stack *st, int s, const void *buf, size_t len, int flags,
                      const struct sockaddr *addr, synack_socklen_t addrlen);
ssize_t synack_recv(synack_stack *st, int s, void *buf, size_t len, int flags);
/* Zero-copy variants. synack_send_reserve() lends up to `want` bytes of the socket's send
 * buffer (contiguous; maybe fewer at a wrap) and synack_send_commit() queues the first n of
 * them, as send() would have; nothing else may run on the stack in between. Errors as
 * synack_send(); commit also gives -EINVAL (nothing queued) for n beyond what the last
 * reserve lent, or with no loan outstanding (none, or already committed, or voided by a
 * send() on the socket): each reserve allows one commit. synack_recv_borrow() points *data
 * at the next received bytes without copying (returns how many are contiguous there, 0 at
 * end of stream, errors as synack_recv()); the pointer is valid until the next call into
 * the stack. synack_recv_release() consumes n of them and opens the window: -EINVAL
 * (nothing consumed) for n beyond what the last borrow lent, or with no loan outstanding
 * (none, already released, or voided by a recv()); each borrow allows one release. */
ssize_t synack_send_reserve(synack_stack *st, int s, void **buf, size_t want);
ssize_t synack_send_commit(synack_stack *st, int s, size_t n);
ssize_t synack_recv_borrow(synack_stack *st, int s, const void **data);
ssize_t synack_recv_release(synack_stack *st, int s, size_t n);
/* Output batching, for a host that hands the stack many frames and socket calls per
 * wake-up (a relay): between synack_batch_begin() and synack_batch_end(), what input and
 * socket calls would transmit for a connection (data, ACKs, window updates, FIN) waits,
 * and synack_batch_end() sends it, once per connection: one ACK for all that arrived,
 * with the window the reads in between opened, and data in frames as large as the windows
 * allow. Resets, SYN-ACKs, and what timers (synack_poll) send are not held; beyond 64
 * connections with output waiting, the others transmit at once. begin: 0, -EALREADY in a
 * batch already; end: 0, -EINVAL with no batch open; both -EINVAL for a NULL st and -EBUSY
 * from a callback. End the batch in the same wake-up: nothing is sent until then. */
int synack_batch_begin(synack_stack *st);
int synack_batch_end(synack_stack *st);
/* Bytes a recv() would return now, plus 1 once the peer's FIN has arrived: Linux's TCP_INQ
 * value (the TCP_CM_INQ control message), non-zero until a reader has seen end of stream.
 * Also 1 after the connection ended; -EBADF, -ENOTCONN (never connected), -EINVAL (st NULL
 * or a listening socket). */
int synack_recv_inq(synack_stack *st, int s);
/* sockatmark(3) (Linux's ioctl SIOCATMARK): 1 when the next byte a recv reads is the peer's
 * urgent mark (RFC 6093: the byte the urgent pointer follows), else 0; -EBADF, -EINVAL
 * (st NULL, a listener). */
int synack_sockatmark(synack_stack *st, int s);
int synack_shutdown(synack_stack *st, int s, int how);
int synack_close(synack_stack *st, int s);
int synack_setsockopt(synack_stack *st, int s, int level, int name, const void *val,
                      synack_socklen_t len);
int synack_getsockopt(synack_stack *st, int s, int level, int name, void *val,
                      synack_socklen_t *len);
int synack_getsockname(synack_stack *st, int s, struct sockaddr *addr, synack_socklen_t *len);
int synack_getpeername(synack_stack *st, int s, struct sockaddr *addr, synack_socklen_t *len);

/* ---- UDP (SOCK_DGRAM; docs/API.md, "UDP") ----
 * synack_sendto() sends one datagram to addr (or, with addr NULL, to the connect()ed
 * peer); synack_send() to the connected peer. synack_recvfrom() pops one datagram: the
 * bytes that fit in buf (the rest is lost; MSG_TRUNC returns its real length), its source
 * in src and srclen (either may be NULL). On a TCP socket it is synack_recv() and *srclen is
 * set to 0. */
ssize_t synack_recvfrom(synack_stack *st, int s, void *buf, size_t len, int flags,
                        struct sockaddr *src, synack_socklen_t *srclen);
/* synack_recvfrom() that also gives the address and port the datagram was sent to (for a
 * SYNACK_UDP_CATCH_ALL socket, a foreign one): dst/dstlen as src/srclen. UDP only
 * (-EOPNOTSUPP on TCP). */
ssize_t synack_recvfrom_to(synack_stack *st, int s, void *buf, size_t len, int flags,
                           struct sockaddr *src, synack_socklen_t *srclen, struct sockaddr *dst,
                           synack_socklen_t *dstlen);
/* What Linux's recvmsg() hands over as control messages with a datagram, for the options
 * that ask for them: `flags` says which members hold a value. */
#define SYNACK_RECV_TTL 0x1      /* ttl: SYNACK_IP_RECVTTL set, an IPv4 datagram (IP_TTL) */
#define SYNACK_RECV_HOPLIMIT 0x2 /* hoplimit: SYNACK_IPV6_RECVHOPLIMIT set, an IPv6 one */
typedef struct synack_recv_info {
    uint32_t flags; /* SYNACK_RECV_* */
    int ttl;        /* the TTL its IPv4 header arrived with */
    int hoplimit;   /* the hop limit its IPv6 header arrived with */
} synack_recv_info;
/* synack_recvfrom() that also fills *info (when not NULL) for the datagram it pops (or, with
 * MSG_PEEK, shows); info->flags 0 when it returns no datagram. UDP and echo sockets only
 * (-EOPNOTSUPP on TCP). */
ssize_t synack_recvfrom_info(synack_stack *st, int s, void *buf, size_t len, int flags,
                             struct sockaddr *src, synack_socklen_t *srclen,
                             synack_recv_info *info);
/* synack_sendto() from the address and port `from` instead of the socket's: a
 * SYNACK_UDP_CATCH_ALL socket answering as the destination a datagram was sent to. -EINVAL
 * on any other socket or for a port 0; -EOPNOTSUPP on TCP. */
ssize_t synack_sendto_from(synack_stack *st, int s, const void *buf, size_t len, int flags,
                           const struct sockaddr *from, synack_socklen_t fromlen,
                           const struct sockaddr *to, synack_socklen_t tolen);
/* ICMP destination unreachable `code` (0..15; 3: port) to `client`, from the stack's
 * address, quoting a datagram from client to dst: a SYNACK_UDP_CATCH_ALL socket's way to
 * tell a client its destination did not take what it sent (a connected Linux socket then
 * fails with ECONNREFUSED for code 3). 0, -EINVAL (not the catch-all, a code above 15, a
 * port 0), -EAFNOSUPPORT, -EOPNOTSUPP on TCP. */
int synack_udp_unreach(synack_stack *st, int s, const struct sockaddr *client,
                       synack_socklen_t clientlen, const struct sockaddr *dst,
                       synack_socklen_t dstlen, int code);

/* send() takes MSG_DONTWAIT and MSG_NOSIGNAL (calls never block nor signal), recv()
 * MSG_DONTWAIT and MSG_PEEK; both MSG_OOB (urgent data, docs/API.md); other bits -EINVAL.
 * listen() on an unbound socket binds an ephemeral port first. Unknown options or levels
 * are -ENOPROTOOPT, a value shorter than the option's -EINVAL. */

/* ---- the error queue (docs/API.md, "Error queue"): MSG_ZEROCOPY completions and
 * SO_TIMESTAMPING TX records, as Linux's recvmsg(MSG_ERRQUEUE) reports them ---- */
#define SYNACK_SOF_TIMESTAMPING_TX_SOFTWARE (1u << 1) /* a record when the last byte leaves */
#define SYNACK_SOF_TIMESTAMPING_SOFTWARE (1u << 4)    /* report the software time */
#define SYNACK_SOF_TIMESTAMPING_OPT_ID (1u << 7)      /* ee_data: the last byte's number */
#define SYNACK_SOF_TIMESTAMPING_TX_SCHED (1u << 8)    /* a record when it is scheduled */
#define SYNACK_SOF_TIMESTAMPING_TX_ACK (1u << 9)      /* a record when it is acknowledged */
#define SYNACK_SOF_TIMESTAMPING_OPT_TSONLY (1u << 11) /* no payload with the record */
#define SYNACK_SOF_TIMESTAMPING_MASK 0x3ffffu         /* Linux's bits; others are -EINVAL */
#define SYNACK_SO_EE_ORIGIN_ICMP 2                    /* an ICMP error (SYNACK_IP_RECVERR) */
#define SYNACK_SO_EE_ORIGIN_ICMP6 3                   /* an ICMPv6 error (SYNACK_IPV6_RECVERR) */
#define SYNACK_SO_EE_ORIGIN_TIMESTAMPING 4
#define SYNACK_SO_EE_ORIGIN_ZEROCOPY 5
#define SYNACK_SO_EE_CODE_ZEROCOPY_COPIED 1 /* the bytes were copied (always, in synack) */
#define SYNACK_SCM_TSTAMP_SND 0             /* ee_info of a timestamping record */
#define SYNACK_SCM_TSTAMP_SCHED 1
#define SYNACK_SCM_TSTAMP_ACK 2
/* One error-queue record. Its first 16 bytes are Linux's struct sock_extended_err. */
typedef struct synack_sock_err {
    uint32_t ee_errno;  /* 0 (zerocopy) or ENOMSG (timestamping) */
    uint8_t ee_origin;  /* SYNACK_SO_EE_ORIGIN_* */
    uint8_t ee_type;    /* 0 */
    uint8_t ee_code;    /* zerocopy: SYNACK_SO_EE_CODE_ZEROCOPY_COPIED; else 0 */
    uint8_t ee_pad;     /* 0 */
    uint32_t ee_info;   /* zerocopy: first send id of the range; timestamping: SCM_TSTAMP_* */
    uint32_t ee_data;   /* zerocopy: last send id (inclusive); timestamping: with OPT_ID the
                           number of the send's last byte counted from when OPT_ID was set */
    uint64_t tstamp_us; /* timestamping: the stack time of the event; zerocopy: 0 */
    /* ICMP and ICMP6 origins (a UDP or echo socket with SYNACK_IP_RECVERR / _IPV6_RECVERR):
     * ee_errno is the error's errno, ee_type/ee_code the message's, ee_info the MTU of a
     * Fragmentation Needed / Packet Too Big, the pointer of a Parameter Problem (ICMPv6:
     * the message's 32-bit field, as Linux). offender is who sent it (Linux's
     * SO_EE_OFFENDER: a sockaddr_in or sockaddr_in6, port 0); quote the echo request it
     * names, from its ICMP header on (type, code, checksum, identifier, sequence), or the
     * first 8 bytes of the quoted UDP datagram's payload (after its header; zero past what
     * the error quoted), as Linux returns either as the record's payload. Other origins:
     * zero. */
    union {
        struct synack_sockaddr_in sin;
        struct synack_sockaddr_in6 sin6;
    } offender;
    uint8_t quote[8];
} synack_sock_err;
/* Pops the oldest record into *out: 0, or -EAGAIN (empty), -EBADF, -EINVAL (NULL). */
int synack_recv_errqueue(synack_stack *st, int s, synack_sock_err *out);
typedef struct synack_errqueue_stat {
    uint32_t queued;  /* records waiting to be read */
    uint32_t pending; /* sends whose completion or records are still to come */
    uint64_t raised;  /* records queued or merged into the last one, ever (each an edge) */
    uint64_t dropped; /* records lost: the queue was full (SYNACK_ERRQUEUE_MAX) */
} synack_errqueue_stat;
/* Records a socket holds unread; sends awaiting theirs (past it, MSG_ZEROCOPY: -ENOBUFS). */
#define SYNACK_ERRQUEUE_MAX 32
#define SYNACK_ERRQUEUE_PENDING 64
/* The socket's error-queue figures: 0, -EBADF, -EINVAL (NULL). */
int synack_errqueue_stat_get(const synack_stack *st, int s, synack_errqueue_stat *out);

/* Readiness, as poll(2): events/revents use POLLIN, POLLOUT, POLLERR, POLLHUP, POLLRDHUP. */
/* Readiness, as poll(2), with poll(2)'s bits under synack's names. They have Linux's
 * values, so on Linux POLLIN and SYNACK_POLLIN are interchangeable; defining them here
 * keeps this header free of <poll.h> and of _GNU_SOURCE (which POLLRDHUP needs).
 *   SYNACK_POLLIN     data to read, a connection to accept, or the peer's FIN (EOF)
 *   SYNACK_POLLOUT    send() accepts at least one byte
 *   SYNACK_POLLERR    a pending error (getsockopt SO_ERROR); always reported
 *   SYNACK_POLLHUP    both directions closed (or reset); always reported
 *   SYNACK_POLLRDHUP  the peer sent FIN: nothing more will arrive
 *   SYNACK_POLLNVAL   not a valid socket id; always reported
 *   SYNACK_POLLPRI    a listener holds SYNs that wait for a verdict; a connection holds
 *                     the peer's urgent byte unread */
#define SYNACK_POLLIN 0x001
#define SYNACK_POLLPRI 0x002 /* held SYNs (SYNACK_TCP_HOLD_SYN); an unread urgent byte */
#define SYNACK_POLLOUT 0x004
#define SYNACK_POLLERR 0x008
#define SYNACK_POLLHUP 0x010
#define SYNACK_POLLNVAL 0x020
#define SYNACK_POLLRDHUP 0x2000
typedef struct synack_pollfd {
    int sock;      /* socket id */
    short events;  /* requested */
    short revents; /* returned */
} synack_pollfd;
/* Fills revents; returns how many entries have a non-zero revents. Never blocks.
 * (Named apart from synack_poll(), which drives the stack's timers.) */
int synack_sock_poll(synack_stack *st, synack_pollfd *fds, int n);

/* Edge-triggered readiness, in the spirit of epoll with EPOLLET (docs/API.md, "Readiness"):
 * a watched socket is queued, at most once, when its state really changes (in-order data
 * or a FIN arrives, send space opens after a send found the buffer full, a connect
 * completes, the connection dies, a listener's accept queue grows), and
 * synack_sock_ready() pops the queued sockets with their readiness at that moment: O(1)
 * per ready socket, whatever the number of idle ones. */
typedef struct synack_ready {
    int sock;      /* socket id */
    short revents; /* its readiness when popped, as synack_sock_poll() (never 0) */
    void *user;    /* the pointer given to synack_sock_watch() */
} synack_ready;
/* Watches socket s for `events` (POLLIN, POLLOUT, POLLRDHUP; POLLERR and POLLHUP are
 * always included) with a pointer of the caller's; 0 stops watching. A socket already
 * ready for them is queued at once. Calling it again replaces events and user (and so
 * re-arms). Returns 0, -EBADF (no such socket), -EINVAL (st NULL or another bit). */
int synack_sock_watch(synack_stack *st, int s, short events, void *user);
/* Pops up to max queued sockets into out, oldest edge first, skipping those no longer
 * ready. Returns how many it filled (0: none), or -EINVAL (st NULL, max < 0, out NULL
 * with max > 0). */
int synack_sock_ready(synack_stack *st, synack_ready *out, int max);
/* Sockets on the ready list (an upper bound on what synack_sock_ready() returns), or
 * -EINVAL for a NULL st. A host loop does not sleep while it is non-zero. */
int synack_sock_ready_pending(const synack_stack *st);

/* TCP_INFO (getsockopt IPPROTO_TCP, TCP_INFO) fills this, not Linux's struct tcp_info. */
typedef struct synack_tcp_info {
    uint8_t state;           /* synack_tcp_state */
    uint8_t ca_state;        /* 0 open, 1 disorder, 3 recovery, 4 loss (Linux numbering) */
    uint8_t snd_wscale;      /* peer's window-scale shift */
    uint8_t rcv_wscale;      /* ours */
    uint8_t options;         /* bit 0 timestamps, bit 1 SACK, bit 2 window scale, bit 5
                                (0x20) data in the SYN was accepted (a Fast Open
                                listener's child) or our SYN's data was acknowledged (a
                                Fast Open client); Linux's TCPI_OPT_* values */
    char ca_name[16];        /* congestion control algorithm */
    uint32_t rto_us;         /* current retransmission timeout */
    uint32_t rtt_us;         /* smoothed RTT */
    uint32_t rttvar_us;      /* RTT variation */
    uint32_t snd_mss;        /* MSS we send with */
    uint32_t rcv_mss;        /* MSS we advertised */
    uint32_t snd_cwnd;       /* congestion window, bytes */
    uint32_t snd_ssthresh;   /* slow-start threshold, bytes */
    uint32_t snd_wnd;        /* peer's window, bytes */
    uint32_t rcv_wnd;        /* our advertised window, bytes */
    uint32_t unacked;        /* bytes sent and not acknowledged */
    uint32_t retransmits;    /* consecutive retransmissions of the current segment */
    uint64_t total_retrans;  /* segments retransmitted in the connection's life */
    uint64_t bytes_acked;    /* bytes sent and acknowledged */
    uint64_t bytes_received; /* bytes received in order */
    uint64_t segs_out;       /* segments sent */
    uint64_t segs_in;        /* segments received */
    uint32_t sacked;         /* bytes above the cumulative ACK the peer has SACKed */
    uint32_t lost;           /* bytes RACK marked lost (resent or not), not since SACKed */
    uint32_t reordering;     /* segments: the reordering degree SACKs have shown (3 at first) */

    uint32_t last_data_sent_ms; /* since data last left (resent data too), or since the
                                   connection was established */
    uint32_t last_data_recv_ms; /* since in-order data last arrived, or idem */
    uint32_t last_ack_recv_ms;  /* since a segment last arrived */
    uint32_t reord_seen;        /* ACKs that showed segments delivered out of order */
    uint64_t busy_time_us;      /* time with data to send or unacknowledged (Linux's chrono),
                                   the two below included */
    uint64_t rwnd_limited_us;   /* of it, the next segment held back by the peer's window */
    uint64_t sndbuf_limited_us; /* of it, all data sent with cwnd to spare, the application
                                   blocked by a full send buffer */
    uint32_t delivered;         /* segments the peer acknowledged, SYN and FIN included (Linux's
                                   tcpi_delivered; counted as SND.UNA passes them) */
    uint32_t probes;            /* resource probes in a row the output callback refused
                                   (-ENOBUFS) with nothing in flight (Linux's tcpi_probes
                                   for a local drop; window probes are not counted here) */
} synack_tcp_info;

/* synack's own option names at level IPPROTO_TCP, beside the Linux ones. */
#define SYNACK_TCP_INFO                                                                            \
    0x5301 /* getsockopt fills struct synack_tcp_info: min(*len, sizeof)                           \
              bytes, *len set to that (the struct only grows at its end) */
#define SYNACK_TCP_ECN                                                                             \
    0x5302 /* int 0..2, synack_config.ecn's modes for this socket (from the config at              \
              first): read by connect(), and by a listener at each SYN */
#define SYNACK_TCP_TIMESTAMPS                                                                      \
    0x5303 /* int 0..1, synack_config.timestamps for this socket (from the config at first):       \
              read when connect() sends the SYN and when the SYN-ACK answers it */

/* ---- IPv6 address state (Duplicate Address Detection, RFC 4862 5.4) ---- */
#define SYNACK_ADDR6_TENTATIVE 1  /* DAD under way: not used yet (bind/connect: EADDRNOTAVAIL) */
#define SYNACK_ADDR6_PREFERRED 2  /* in use */
#define SYNACK_ADDR6_DUPLICATE 3  /* DAD found another node using it: never used */
#define SYNACK_ADDR6_DEPRECATED 4 /* formed by SLAAC, past its preferred lifetime: still used */
/* The state of addr (network byte order), the netif's global or link-local address or
 * one synack_addr6_add or SLAAC added:
 * SYNACK_ADDR6_*, or -EADDRNOTAVAIL (not one of them), -EINVAL (st or addr NULL). */
int synack_addr6_state(synack_stack *st, const uint8_t addr[16]);

/* ---- more IPv6 addresses (beside netif.addr6 and the link-local one) ---- */
#define SYNACK_ADDR6_FOREVER 0xffffffffu /* a lifetime that never ends (RFC 4861 4.6.2) */
/* Adds addr (network byte order) with its on-link prefix length (0..128) and lifetimes in
 * seconds from now (SYNACK_ADDR6_FOREVER: none); at the end of preferred_s it is
 * deprecated (kept for existing connections, not chosen for new ones), at the end of
 * valid_s removed. On Ethernet it runs DAD first (tentative) and joins its solicited-node
 * group. 0, or -EINVAL (st or addr NULL, prefix_len > 128, valid_s 0, preferred_s >
 * valid_s, or not a unicast address), -EAFNOSUPPORT (the netif has no IPv6), -EEXIST (one
 * of ours already), -ENOSPC (cfg.addr6_max reached: Ip6AddrListFull), -EBUSY (from a
 * callback). */
int synack_addr6_add(synack_stack *st, const uint8_t addr[16], uint8_t prefix_len, uint32_t valid_s,
                     uint32_t preferred_s);
/* Removes an address synack_addr6_add or SLAAC added: its group is left when no other
 * address shares it. Connections on it are kept, as Linux keeps them, but what arrives for
 * it is no longer accepted (Ip6InAddrErrors), so they end by their own timeouts unless the
 * address comes back. 0, or -EINVAL (NULL), -EPERM (netif.addr6 or the link-local
 * address), -EADDRNOTAVAIL (not ours), -EBUSY (from a callback). */
int synack_addr6_del(synack_stack *st, const uint8_t addr[16]);
/* Where an address came from (synack_addr6_info.origin). */
#define SYNACK_ADDR6_LINK_LOCAL 1 /* the EUI-64 link-local address (Ethernet) */
#define SYNACK_ADDR6_STATIC 2     /* netif.addr6 */
#define SYNACK_ADDR6_ADDED 3      /* synack_addr6_add */
#define SYNACK_ADDR6_SLAAC 4      /* formed from a Router Advertisement's prefix */
typedef struct synack_addr6_info {
    uint8_t addr[16];         /* network byte order */
    uint8_t prefix_len;       /* its on-link prefix */
    uint8_t state;            /* SYNACK_ADDR6_TENTATIVE .. SYNACK_ADDR6_DEPRECATED */
    uint8_t origin;           /* SYNACK_ADDR6_LINK_LOCAL .. SYNACK_ADDR6_SLAAC */
    uint64_t valid_until;     /* stack time (µs) its valid lifetime ends; UINT64_MAX never */
    uint64_t preferred_until; /* and its preferred lifetime */
} synack_addr6_info;
/* The netif's IPv6 addresses: the link-local one, netif.addr6, then the added and formed
 * ones in the order they came; up to max of them into out (NULL with max 0 counts).
 * Returns how many there are, or -EINVAL (st NULL, out NULL with max > 0). */
int synack_addr6_list(synack_stack *st, synack_addr6_info *out, size_t max);

/* ---- counters (nstat names) ----
 * Append only: a counter's number (its synack_counter value) and name are ABI, so a new
 * counter goes at the end of the list, and none is ever removed, renamed or reordered
 * (tests/unit/test_counters_abi.c holds the released list). */
/* One line per group of counters reads better than clang-format's reflow. */
/* clang-format off */
#define SYNACK_COUNTERS(X)                                                                 \
    X(ActiveOpens) X(PassiveOpens) X(AttemptFails) X(EstabResets) X(CurrEstab) X(InSegs)   \
    X(OutSegs) X(RetransSegs) X(InErrs) X(OutRsts) X(InCsumErrors) X(InReceives)           \
    X(InHdrErrors) X(InAddrErrors) X(InUnknownProtos) X(InDiscards) X(OutDiscards)         \
    X(ReasmFails) X(ListenOverflows) X(ListenDrops) X(SyncookiesSent) X(SyncookiesRecv)    \
    X(SyncookiesFailed) X(TCPChallengeACK) X(TCPSYNChallenge) X(TCPTimeWaitReused)         \
    X(TCPKeepAliveTimeouts) X(TCPTimeouts) X(TCPAbortOnData) X(TCPAbortOnClose)            \
    X(TCPAbortOnLinger) X(TCPAbortOnTimeout) X(TCPAbortFailed) X(TCPOFOQueue)              \
    X(TCPOFODrop) X(TCPRcvQDrop) X(TCPFastRetrans) X(TCPLossProbes) X(TCPDSACKRecv)        \
    X(TCPDSACKOldSent) X(TCPDSACKOfoSent) X(PAWSEstab)                                     \
    X(TCPSACKRecv) X(TCPPureAcks) X(TCPHPHits) X(TCPDelayedACKs) X(TCPZeroWindowDrop)      \
    X(TCPWinProbe) X(TCPTimeWaitRecycled) X(TCPACKSkippedChallenge) X(TCPOldAckDrop)       \
    X(InEchos) X(OutEchoReps) X(OutDestUnreachs) X(InDestUnreachs) X(ArpDrops) X(NoMemory) \
    X(TCPLossProbeRecovery) X(TCPLostRetransmit) X(RackLossDetected)                       \
    X(RackReorderTimeouts) X(RackRecordOverflows) X(SackScoreboardOverflows)               \
    X(TCPFastOpenActive) X(TCPFastOpenActiveFail) X(TCPFastOpenActiveDisabled)             \
    X(TCPFastOpenCacheEvict)                                                               \
    X(TCPFastOpenPassive) X(TCPFastOpenPassiveFail) X(TCPFastOpenListenOverflow)           \
    X(TCPFastOpenCookieReqd) X(TCPFastOpenPassiveAltKey)                                   \
    X(InECT1Pkts) X(InECT0Pkts) X(InCEPkts) X(TCPECNNegotiated) X(TCPECNReductions)        \
    X(ReasmReqds) X(ReasmOKs) X(ReasmTimeout) X(ReasmOverlaps) X(OutTimeExcds)             \
    X(PmtuCacheUpdates) X(PmtuCacheExpired) X(PmtuCacheEvict)                              \
    X(TCPSynHeld) X(TCPSynHeldRetrans) X(TCPSynHeldExpired) X(TCPSynHeldRejected)          \
    X(TCPSynHeldInvalid) X(PAWSActiveRejected)                                             \
    X(UdpInDatagrams) X(UdpNoPorts) X(UdpInErrors) X(UdpOutDatagrams) X(UdpRcvbufErrors)   \
    X(UdpInCsumErrors) X(TCPMTUPFail) X(TCPMTUPSuccess)                                    \
    X(Ip6InReceives) X(Ip6InHdrErrors) X(Ip6InAddrErrors) X(Ip6InUnknownProtos)            \
    X(Ip6InTruncatedPkts) X(Ip6InDiscards) X(Ip6InDelivers) X(Ip6OutRequests)              \
    X(Ip6OutDiscards) X(Ip6OutNoRoutes) X(SkbRecordFull)                                   \
    X(Icmp6InMsgs) X(Icmp6InErrors) X(Icmp6InCsumErrors) X(Icmp6OutMsgs)                   \
    X(Icmp6InEchos) X(Icmp6OutEchoReplies) X(Icmp6InDestUnreachs) X(Icmp6InPktTooBigs)     \
    X(Icmp6InTimeExcds) X(Icmp6InParmProblems) X(Icmp6OutDestUnreachs)                     \
    X(Icmp6OutParmProblems) X(IcmpOutRateLimitGlobal)                                      \
    X(Icmp6InNeighborSolicits) X(Icmp6InNeighborAdvertisements)                            \
    X(Icmp6OutNeighborSolicits) X(Icmp6OutNeighborAdvertisements)                          \
    X(Ip6ReasmReqds) X(Ip6ReasmOKs) X(Ip6ReasmFails) X(Ip6ReasmTimeout) X(Icmp6OutTimeExcds) \
    X(OutOfWindowIcmps)                                                                    \
    X(Udp6InDatagrams) X(Udp6NoPorts) X(Udp6InErrors) X(Udp6OutDatagrams)                  \
    X(Udp6RcvbufErrors) X(Udp6InCsumErrors) X(Ip6FragOKs) X(Ip6FragFails)                  \
    X(Ip6FragCreates) X(Icmp6OutRateLimitHost)                                             \
    X(Ip6DadFailed) X(Icmp6InGroupMembQueries) X(Icmp6OutMLDv2Reports)                    \
    X(Icmp6InRouterAdvertisements) X(Icmp6InRedirects) X(Icmp6InRaPrefixIgnored)          \
    X(Icmp6InRaRoutersIgnored) X(OutEchos) X(InEchoReps) X(Icmp6OutEchos)                \
    X(Icmp6InEchoReplies) X(PingRcvbufErrors)                                              \
    X(Icmp6OutRouterSolicits) X(Icmp6InRaMtuIgnored) X(Ip6DadLoopedBack)                  \
    X(Icmp6OutGroupMembResponses) X(Icmp6OutGroupMembReductions)                          \
    X(Icmp6InGroupMembResponses) X(Ip6AddrListFull) \
    X(ArpProbes) X(ArpNudFailures) X(TCPIcmpRtoReverts)
/* clang-format on */

typedef enum synack_counter {
#define SYNACK_COUNTER_ENUM(name) SYNACK_CTR_##name,
    SYNACK_COUNTERS(SYNACK_COUNTER_ENUM)
#undef SYNACK_COUNTER_ENUM
        SYNACK_CTR_COUNT
} synack_counter;

const char *synack_counter_name(synack_counter c);
uint64_t synack_counter_get(const synack_stack *st, synack_counter c);
/* Emits one SYNACK_EV_COUNTER event for every non-zero counter. */
void synack_emit_counters(synack_stack *st);

/* ---- held SYNs: the application answers each SYN of a SYNACK_TCP_HOLD_SYN listener ----
 * Such a listener keeps each new SYN in its SYN queue (bounded by the backlog) without
 * answering it, raises POLLPRI, and waits: retransmitted SYNs are absorbed. A request with
 * no verdict within the option's milliseconds is dropped silently (TCPSynHeldExpired). */
typedef struct synack_held_syn {
    synack_endpoints ep; /* laddr:lport is the SYN's destination, raddr:rport its source */
    uint64_t since_us;   /* when the SYN arrived */
    uint32_t retrans;    /* retransmitted SYNs absorbed since */
} synack_held_syn;
/* Fills out with up to max held requests, oldest first; returns how many, or -EBADF, or
 * -EINVAL (st NULL, not a listener, max < 0, out NULL with max > 0). */
int synack_held_list(synack_stack *st, int s, synack_held_syn *out, int max);
typedef enum synack_verdict {
    SYNACK_VERDICT_ACCEPT = 0, /* send the SYN-ACK now; accept() follows the handshake */
    SYNACK_VERDICT_REFUSE,     /* RST, as a closed port: the client sees ECONNREFUSED */
    SYNACK_VERDICT_UNREACH,    /* ICMP destination unreachable with icmp_code (0..15); for
                                  an IPv6 request ICMPv6's, code 0..6 (RFC 4443 3.1) */
    SYNACK_VERDICT_DROP        /* forget it: the client's SYN retries and timeout apply */
} synack_verdict;
/* Answers the held request ep (as synack_held_list() gave it). Returns 0, -EBADF, -EINVAL
 * (st or ep NULL, not a listener, unknown verdict, icmp_code > 15 for UNREACH, > 6 for an
 * IPv6 request's), -ENOENT (no
 * such held request: answered, expired, or reset by the peer). */
int synack_held_verdict(synack_stack *st, int s, const synack_endpoints *ep, int verdict,
                        int icmp_code);

/* ---- introspection: the connection table, like `ss -tan` ---- */
typedef struct synack_conn_view {
    synack_endpoints ep;    /* addresses */
    synack_tcp_state state; /* state */
    int sock;               /* socket id, -1 for orphans and embryos */
    uint32_t recv_q;        /* bytes received, not yet read (listeners: accept queue) */
    uint32_t send_q;        /* bytes not yet acknowledged (listeners: backlog) */
    const char *timer;      /* the next timer: "rexmit", "keepalive", "time-wait", ... or "" */
    uint64_t timer_at;      /* when it fires */
} synack_conn_view;
typedef void (*synack_conn_visit_fn)(void *ctx, const synack_conn_view *v);
/* Visits listeners, connections and TIME-WAIT entries. */
void synack_foreach_conn(synack_stack *st, synack_conn_visit_fn fn, void *ctx);
/* Bytes the stack holds from its allocator right now, and at most so far. */
size_t synack_mem_in_use(const synack_stack *st);
size_t synack_mem_high_water(const synack_stack *st);

SYNACK_API_END

#ifdef __cplusplus
}
#endif
#endif
