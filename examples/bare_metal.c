/* SPDX-License-Identifier: MIT */
/* synack as firmware: a listening stack that lives in a static arena, with no heap, no
 * clock, no device driver and no operating system. A peer's SYN is handed in as if the
 * Ethernet MAC's receive interrupt had delivered it, the timers run, and the SYN-ACK that
 * the stack answers with is checked.
 *
 * `make embedded` cross-builds this file for a Cortex-M4 with arm-none-eabi-gcc and
 * newlib's nosys specs (it links with no malloc: the pool below is all the memory the
 * stack gets); the host build compiles the same file and tests/package/embedded.sh runs
 * it. On a board, `frame_out` would hand the frame to the MAC's DMA ring, the time would
 * come from a free-running timer, and cfg.entropy from the chip's TRNG.
 * Exit status 0 when the SYN-ACK came back as it should and the pool is whole again. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <synack/alloc.h>
#include <synack/synack.h>

#define OUR_ADDR 0xc0000202u  /* 192.0.2.2 (RFC 5737 documentation range) */
#define PEER_ADDR 0xc0000201u /* 192.0.2.1 */
#define OUR_PORT 80
#define PEER_PORT 40000
#define PEER_ISS 1000000u

/* All the memory the stack will ever have. A board's linker script places it in SRAM. */
static _Alignas(max_align_t) unsigned char arena[24 * 1024];
static synack_pool pool;

/* What the "MAC" was given to send. */
static uint8_t sent[128];
static size_t sent_len;
static unsigned sent_frames;

static int frame_out(void *ctx, const uint8_t *frame, size_t len)
{
    (void)ctx;
    sent_frames++;
    sent_len = len;
    memcpy(sent, frame, len < sizeof sent ? len : sizeof sent);
    return 0;
}

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v);
}

static uint32_t get16(const uint8_t *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t get32(const uint8_t *p)
{
    return get16(p) << 16 | get16(p + 2);
}

/* The Internet checksum (RFC 1071) of p[0..len), len even, added to sum. */
static uint32_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
    for (size_t i = 0; i < len; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    return sum;
}

static uint16_t fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* The peer's SYN as an IPv4 packet (the netif is SYNACK_LINK_IP): 20 bytes of IPv4, 24 of
 * TCP with an MSS option of 536. */
static size_t peer_syn(uint8_t *f)
{
    memset(f, 0, 44);
    f[0] = 0x45;      /* IPv4, 5-word header */
    put16(f + 2, 44); /* total length */
    f[8] = 64;        /* TTL */
    f[9] = 6;         /* TCP */
    put32(f + 12, PEER_ADDR);
    put32(f + 16, OUR_ADDR);
    put16(f + 10, fold(sum16(f, 20, 0)));
    uint8_t *t = f + 20;
    put16(t, PEER_PORT);
    put16(t + 2, OUR_PORT);
    put32(t + 4, PEER_ISS);
    t[12] = 6 << 4;      /* data offset: 6 words */
    t[13] = 0x02;        /* SYN */
    put16(t + 14, 8192); /* window */
    t[20] = 2;           /* MSS option, length 4, 536 */
    t[21] = 4;
    put16(t + 22, 536);
    uint8_t pseudo[12];
    memcpy(pseudo, f + 12, 8);
    pseudo[8] = 0;
    pseudo[9] = 6;
    put16(pseudo + 10, 24);
    put16(t + 16, fold(sum16(t, 24, sum16(pseudo, 12, 0))));
    return 44;
}

int main(void)
{
    if (synack_allocator_pool_init(&pool, arena, sizeof arena) != 0)
        return 1;
    const size_t whole = synack_pool_free_bytes(&pool);

    synack_config cfg;
    /* The core's defaults: synack_config_default() is host glue (it adds the OS's
     * getrandom), and a board has no OS. */
    synack_config_init(&cfg);
    cfg.netif.type = SYNACK_LINK_IP;
    cfg.netif.addr = OUR_ADDR;
    cfg.netif.prefix_len = 24;
    cfg.netif.mtu = 576;
    cfg.netif.output = frame_out;
    cfg.allocator = &pool.allocator;
    /* A board gives its TRNG here (cfg.entropy); without one, secrets derive from a seed,
     * which is only acceptable where nobody can forge segments. */
    synack_config_deterministic(&cfg, 0x5eed);
    /* Limits sized for a microcontroller: the defaults are for a server. */
    cfg.max_sockets = 4;
    cfg.max_conns = 4;
    cfg.max_syn_backlog = 4;
    cfg.max_accept_backlog = 4;
    cfg.max_time_wait = 4;
    cfg.sndbuf = 2048;
    cfg.rcvbuf = 2048;
    cfg.max_buffer_bytes = 8192;

    synack_stack *st = NULL;
    if (synack_stack_create(&cfg, &st, NULL) != 0)
        return 2;
    int s = synack_socket(st, SYNACK_SOCK_STREAM);
    struct synack_sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = SYNACK_AF_INET;
    put16((uint8_t *)&sin.sin_port, OUR_PORT); /* network byte order */
    if (s < 0 || synack_bind(st, s, (const struct sockaddr *)&sin, sizeof sin) != 0 ||
        synack_listen(st, s, 2) != 0)
        return 3;

    uint8_t frame[44];
    uint64_t now_us = 1000;
    if (synack_input(st, now_us, frame, peer_syn(frame)) != 0)
        return 4;
    now_us += 1000;
    synack_poll(st, now_us);

    /* One SYN-ACK from 192.0.2.2:80 acknowledging the peer's ISN, and a retransmission
     * timer armed for it. */
    const uint8_t *t = sent + 20;
    int ok = sent_frames == 1 && sent_len >= 40 && sent[9] == 6 && get32(sent + 12) == OUR_ADDR &&
             get32(sent + 16) == PEER_ADDR && get16(t) == OUR_PORT && get16(t + 2) == PEER_PORT &&
             t[13] == 0x12 && get32(t + 8) == PEER_ISS + 1 &&
             synack_next_deadline(st) != UINT64_MAX;

    synack_stack_free(st);
    if (synack_pool_free_bytes(&pool) != whole)
        return 6;
    return ok ? 0 : 5;
}
