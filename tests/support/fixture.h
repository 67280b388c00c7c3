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

/* sh_init(h, cfg), then the test's peer (port FX_PEER_PORT, ISS FX_PEER_ISS, no options,
 * window 65535) opens a connection to a listener on FX_PORT (sh_handshake), asserting it
 * was accepted. Returns the accepted socket; the stack's ISS goes to *server_iss. */
#define FX_PEER_PORT 40000
#define FX_PEER_ISS 1000u
int fx_sh_established(seghost *h, const synack_config *cfg, uint32_t *server_iss);

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

#endif
