/* SPDX-License-Identifier: MIT */
/* libFuzzer target: synack_input() of a stack that holds a listener and live connections.
 *
 * The input is a little program. Each step is one opcode byte and its operands:
 *   0  raw frame: len (1 byte) then bytes — checked by the wire layer like any frame
 *   1  TCP segment for a known 4-tuple with correct checksums: tuple (bit 3: over IPv6,
 *      to the dual-stack listener's port 81 or a connection), seq offset from RCV.NXT,
 *      ack offset from SND.UNA, flags, window, option bytes, payload length
 *   2  advance time by (1 byte) * 10 ms and run timers
 *   3  application call on the server's connection: send / recv / shutdown / close / accept
 * so the fuzzer reaches every state with segments that pass the checksum. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "stack/stack_impl.h"
#include "tcp/tcp.h"
#include "synack/link.h"
#include "synack/synack.h"
#include "wire/checksum.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"
#include "wire/tcp_wire.h"

#define CLIENT 0xc0000201u
#define SERVER 0xc0000202u
/* The same hosts' IPv6 addresses, 2001:db8::1 and 2001:db8::2: the server also listens
 * on [::]:81 (dual stack), so IPv6 segments reach a listener and its connections. */
static const uint8_t CLIENT6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t SERVER6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};

typedef struct reader {
    const uint8_t *p;
    size_t n;
} reader;

static int rd(reader *r, uint8_t *b)
{
    if (r->n == 0)
        return 0;
    *b = *r->p++;
    r->n--;
    return 1;
}

static uint32_t rd32(reader *r)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        uint8_t b = 0;
        rd(r, &b);
        v = v << 8 | b;
    }
    return v;
}

/* Sends a crafted segment from `raddr:rport` to the server's `lport`, over IPv6 if v6. */
static void send_seg(synack_stack *st, uint64_t now, uint16_t rport, uint16_t lport, int v6,
                     reader *r)
{
    synack_endpoints ep = {.laddr = SERVER, .raddr = CLIENT, .lport = lport, .rport = rport};
    if (v6) {
        ep = (synack_endpoints){.family = SYNACK_AF_INET6, .lport = lport, .rport = rport};
        memcpy(ep.laddr6, SERVER6, 16);
        memcpy(ep.raddr6, CLIENT6, 16);
    }
    tcp_conn *c = tcp_conn_find(st, &ep);
    uint32_t rcv_nxt = 1000, snd_una = 0;
    if (c) {
        rcv_nxt = c->rcv_nxt;
        snd_una = c->snd_una;
    }
    uint8_t flags = 0, winb = 0, optlen = 0, plen = 0;
    uint32_t seqoff = rd32(r), ackoff = rd32(r);
    rd(r, &flags);
    rd(r, &winb);
    rd(r, &optlen);
    optlen &= 0x3f;
    if (optlen > 40)
        optlen = 40;
    uint8_t opts[40] = {0};
    for (uint8_t i = 0; i < optlen; i++)
        rd(r, &opts[i]);
    rd(r, &plen);
    static uint8_t frame[1600];
    const size_t iphdr = v6 ? IPV6_HDR_LEN : IPV4_HDR_LEN;
    uint8_t *tcp = frame + iphdr;
    /* Offsets are small most of the time so they land in the window. */
    uint32_t seq = rcv_nxt + (seqoff & 0x80000000u ? seqoff : (seqoff & 0xffff) - 0x100);
    uint32_t ack = snd_una + (ackoff & 0x80000000u ? ackoff : (ackoff & 0xffff) - 0x100);
    size_t optpad = (optlen + 3u) & ~3u;
    size_t hdr = TCP_HDR_LEN + optpad;
    memset(tcp, 0, hdr + plen);
    tcp[0] = (uint8_t)(rport >> 8);
    tcp[1] = (uint8_t)rport;
    tcp[2] = (uint8_t)(lport >> 8);
    tcp[3] = (uint8_t)lport;
    for (int i = 0; i < 4; i++) {
        tcp[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
        tcp[8 + i] = (uint8_t)(ack >> (24 - 8 * i));
    }
    tcp[12] = (uint8_t)((hdr / 4) << 4);
    tcp[13] = flags;
    tcp[14] = winb;
    tcp[15] = 0xff;
    memcpy(tcp + TCP_HDR_LEN, opts, optlen);
    for (size_t i = 0; i < plen; i++)
        tcp[hdr + i] = (uint8_t)i;
    /* Re-emit through the wire layer to get a valid checksum, keeping raw options. */
    size_t seglen = hdr + plen;
    uint64_t acc = v6 ? csum_pseudo_ipv6(0, CLIENT6, SERVER6, IP_PROTO_TCP, (uint32_t)seglen)
                      : csum_pseudo_ipv4(0, CLIENT, SERVER, IP_PROTO_TCP, (uint16_t)seglen);
    acc = csum_add(acc, tcp, seglen);
    uint16_t ck = csum_finish(acc);
    tcp[16] = (uint8_t)(ck >> 8);
    tcp[17] = (uint8_t)ck;
    if (v6) {
        ipv6_hdr h6 = {.next = IP_PROTO_TCP, .hop_limit = 64};
        memcpy(h6.src.b, CLIENT6, 16);
        memcpy(h6.dst.b, SERVER6, 16);
        ipv6_emit(frame, IPV6_HDR_LEN, &h6, seglen);
    } else {
        ipv4_hdr ih = {.ttl = 64, .proto = IP_PROTO_TCP, .src = CLIENT, .dst = SERVER};
        ipv4_emit(frame, IPV4_HDR_LEN, &ih, seglen);
    }
    synack_input(st, now, frame, iphdr + seglen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A client and a server over the in-memory link; one connection established with
     * data in flight, then the server is fed the fuzz program directly. */
    synack_memlink *link = synack_memlink_new(NULL, 1000, 2000, 1000);
    synack_config cfg;
    synack_stack *st[2];
    for (int h = 0; h < 2; h++) {
        synack_config_init(&cfg); /* the core's defaults: the fuzz build links only the core */
        cfg.netif.addr = h ? SERVER : CLIENT;
        memcpy(cfg.netif.addr6, h ? SERVER6 : CLIENT6, 16);
        cfg.netif.prefix6_len = 64;
        synack_config_deterministic(&cfg, (uint64_t)h + 7);
        cfg.sndbuf = cfg.rcvbuf = 8192;
        cfg.max_conns = 64;
        cfg.max_syn_backlog = 8;
        cfg.challenge_ack_limit = 100;
        synack_memlink_netif(link, h, &cfg.netif);
        st[h] = synack_stack_new(&cfg);
        synack_memlink_attach(link, h, st[h]);
    }
    int ls = synack_socket(st[1], SOCK_STREAM);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(80)};
    synack_bind(st[1], ls, (struct sockaddr *)&sin, sizeof(sin));
    synack_listen(st[1], ls, 4);
    int ls6 = synack_socket_domain(st[1], SYNACK_AF_INET6, SOCK_STREAM);
    struct synack_sockaddr_in6 any6 = {.sin6_family = SYNACK_AF_INET6, .sin6_port = htons(81)};
    synack_bind(st[1], ls6, (struct sockaddr *)&any6, sizeof(any6));
    synack_listen(st[1], ls6, 4);
    int cs = synack_socket(st[0], SOCK_STREAM);
    struct sockaddr_in to = {
        .sin_family = AF_INET, .sin_port = htons(80), .sin_addr.s_addr = htonl(SERVER)};
    synack_connect(st[0], cs, (struct sockaddr *)&to, sizeof(to));
    uint64_t now = synack_memlink_run(link, 0, 20000);
    int ss = synack_accept(st[1], ls, NULL, NULL);
    synack_send(st[0], cs, "0123456789", 10, 0);
    now = synack_memlink_run(link, now, now + 500);
    /* From here on only the fuzz program talks to the server. */
    synack_memlink_attach(link, 1, NULL);
    struct sockaddr_in cname;
    socklen_t clen = sizeof(cname);
    synack_getsockname(st[0], cs, (struct sockaddr *)&cname, &clen);
    uint16_t cport = ntohs(cname.sin_port);

    reader r = {data, size};
    uint8_t op;
    int steps = 0;
    while (rd(&r, &op) && steps++ < 256) {
        switch (op % 4) {
        case 0: {
            uint8_t len = 0;
            rd(&r, &len);
            size_t n = len < r.n ? len : r.n;
            synack_input(st[1], now, r.p, n);
            r.p += n;
            r.n -= n;
            break;
        }
        case 1: {
            uint8_t t = 0;
            rd(&r, &t);
            uint16_t rport = (t & 3) == 0 ? cport : (uint16_t)(40000 + (t & 3));
            uint16_t lport = (t & 4) ? 81 : 80;
            send_seg(st[1], now, rport, lport, (t & 8) != 0, &r);
            break;
        }
        case 2: {
            uint8_t d = 0;
            rd(&r, &d);
            now += (uint64_t)d * 10000 + 1;
            uint64_t dl;
            int guard = 0;
            while ((dl = synack_next_deadline(st[1])) <= now && guard++ < 1000)
                synack_poll(st[1], dl);
            synack_poll(st[1], now);
            break;
        }
        case 3: {
            uint8_t a = 0;
            rd(&r, &a);
            char buf[64];
            switch (a % 6) {
            case 0:
                synack_send(st[1], ss, "abcdefgh", 8, 0);
                break;
            case 1:
                synack_recv(st[1], ss, buf, sizeof(buf), 0);
                break;
            case 2:
                synack_shutdown(st[1], ss, SHUT_WR);
                break;
            case 3:
                synack_close(st[1], ss);
                ss = -1;
                break;
            case 4: {
                int n = synack_accept(st[1], ls, NULL, NULL);
                if (n < 0)
                    n = synack_accept(st[1], ls6, NULL, NULL);
                if (n >= 0) {
                    if (ss >= 0)
                        synack_close(st[1], ss);
                    ss = n;
                }
                break;
            }
            default: {
                int one = 1;
                synack_setsockopt(st[1], ss, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
                int idle = 1;
                synack_setsockopt(st[1], ss, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
                break;
            }
            }
            break;
        }
        }
    }
    synack_stack_free(st[0]);
    synack_stack_free(st[1]);
    synack_memlink_free(link);
    return 0;
}
