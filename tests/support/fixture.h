/* SPDX-License-Identifier: MIT */
/* Test fixtures for the scenario tests, over the pair harness (pair.h): a pair with one
 * established connection, exact segment checks, the compact exchange compared as a whole,
 * the common link filters, and the socket queries the tests repeat. Each helper fails the
 * running cmocka test itself, naming what differed. */
#ifndef SYNACK_TEST_FIXTURE_H
#define SYNACK_TEST_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "support/pair.h"
#include "support/seghost.h"

#define FX_PORT 80 /* the server's port in the established fixtures */

/* pair_init(p, cfg, delay_us), then one connection to FX_PORT established (listen,
 * connect, 10 ms, accept), asserting it was. Returns the accepted server socket; the
 * client socket goes to *cs. cfg may be NULL (defaults). */
int fx_established(pair *p, const synack_config *cfg, uint64_t delay_us, int *cs);

/* The same with the sockets as sock[PAIR_CLIENT] and sock[PAIR_SERVER], for tests that
 * take either side's view (`a` closes, `1 - a` answers). */
void fx_established_socks(pair *p, const synack_config *cfg, uint64_t delay_us, int sock[2]);

/* n client connections to FX_PORT at once, 10 ms, then each accepted from the server's
 * listener ls, asserting it was: client sockets to cs[i], server sockets to ss[i]. */
void fx_connect_accept(pair *p, int ls, int n, int *cs, int *ss);

/* sh_init(h, cfg), then the test's peer (port FX_PEER_PORT, ISS FX_PEER_ISS, no options,
 * window 65535) opens a connection to a listener on FX_PORT (sh_handshake), asserting it
 * was accepted. Returns the accepted socket; the stack's ISS goes to *server_iss. */
#define FX_PEER_PORT 40000
#define FX_PEER_ISS 1000u
int fx_sh_established(seghost *h, const synack_config *cfg, uint32_t *server_iss);

/* The same, but the peer's SYN carries MSS 1460 and, when asked, SACK-permitted and a
 * timestamp (TSval 100; the final ACK then echoes the SYN-ACK's), so the connection uses
 * them; asserts the stack answered with a SYN-ACK. */
int fx_sh_established_opts(seghost *h, const synack_config *cfg, int sack, int ts,
                           uint32_t *server_iss);

/* sh_init(h, cfg), then the test's peer opens a connection to FX_PORT offering MSS `mss`
 * and SACK (no timestamps), its final ACK rtt_us after the SYN-ACK so that the handshake
 * measures the path's RTT; the accepted socket gets TCP_NODELAY. Returns it; the stack's
 * first data sequence number (ISS + 1) goes to *base. */
int fx_sh_sack_rtt(seghost *h, const synack_config *cfg, uint16_t mss, uint64_t rtt_us,
                   uint32_t *base);

/* The segments the stack sent from h->out[from] on, as "offset/len[P]|..." with offsets
 * from base (the first data sequence number), written into buf (cap bytes). */
void fx_sh_sent(const seghost *h, size_t from, uint32_t base, char *buf, size_t cap);

/* The test's peer (from FX_PEER_PORT, at sequence number FX_PEER_ISS + 1, no data)
 * acknowledges up to `ack`, SACKing [l, r) if r != l. */
void fx_sh_peer_ack(seghost *h, uint32_t ack, uint32_t l, uint32_t r);
/* The same with up to two SACK blocks, [l1, r1) first; an empty block (l == r) is left out. */
void fx_sh_peer_ack2(seghost *h, uint32_t ack, uint32_t l1, uint32_t r1, uint32_t l2, uint32_t r2);

/* Asserts segment s: sender, exact flags, seq, ack and payload length. */
void fx_assert_seg(const pair_seg *s, int from, uint8_t flags, uint32_t seq, uint32_t ack,
                   uint32_t len);

/* Asserts the exchange from segment index `from` on, as pair_flow writes it
 * ("C:F.|S:.|S:P./4"). */
void fx_assert_flow(const pair *p, size_t from, const char *want);

/* The sequence number that follows the last segment `host` sent (its SND.NXT as the wire
 * shows it: seq + len, + 1 for a SYN or a FIN); asserts it sent one. */
uint32_t fx_next_seq(const pair *p, int host);

/* Link filters (pair.filter): ctx is a size_t holding the index of the one segment to
 * drop (fx_drop_nth), or unused (fx_drop_first_fin drops the first FIN of the run; ctx is
 * an int set to 1 once it did). */
/* Link filter: drops the client's data segment starting at seq[i], once for each i
 * (seq[i] == 0: none); bit i of `done` records that seq[i] was dropped. ctx: fx_drop_seqs. */
typedef struct fx_drop_seqs {
    uint32_t seq[2];
    int done;
} fx_drop_seqs;
int fx_drop_client_seqs(pair *p, const pair_seg *seg, size_t n, void *ctx);
int fx_drop_nth(pair *p, const pair_seg *seg, size_t n, void *ctx);
int fx_drop_first_fin(pair *p, const pair_seg *seg, size_t n, void *ctx);

/* Hands host's stack, at time t, a bare segment (no options, no payload) from src:sport
 * to the host's own address and port dport, as if the link delivered it; returns
 * synack_input()'s result. */
int fx_inject(pair *p, int host, uint64_t t, uint32_t src, uint16_t sport, uint16_t dport,
              uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win);

/* poll(2) readiness of one socket; asserts synack_sock_poll's count agrees. */
short fx_poll(synack_stack *st, int s, short events);
/* TCP_INFO of socket s, asserting getsockopt succeeded with the whole struct. */
synack_tcp_info fx_tcp_info(synack_stack *st, int s);
/* SO_ERROR of socket s (reading clears it), asserting getsockopt succeeded. */
int fx_so_error(synack_stack *st, int s);
/* TCP_MAXSEG of socket s, asserting getsockopt succeeded. */
int fx_maxseg(synack_stack *st, int s);

#endif
