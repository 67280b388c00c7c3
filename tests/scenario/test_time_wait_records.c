/* SPDX-License-Identifier: MIT */
/* Compact TIME-WAIT records out of FIFO order: a record whose 2*MSL restarts (a
 * retransmitted FIN) must not hold up the records behind it, and a record released for
 * reuse in the middle of the FIFO must not leak or linger in the table. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "support/fixture.h"
#include "support/pair.h"

#define MSL 1000000ull /* 1 s: TIME-WAIT lasts 2 s */

/* Opens a connection from a fixed client port; returns the accepted socket. */
static int open_from(pair *p, int ls, uint16_t cport, int *cs)
{
    *cs = synack_socket(p->st[0], SOCK_STREAM);
    int one = 1;
    synack_setsockopt(p->st[0], *cs, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in me = {.sin_family = AF_INET, .sin_port = htons(cport)};
    assert_int_equal(synack_bind(p->st[0], *cs, (struct sockaddr *)&me, sizeof(me)), 0);
    struct sockaddr_in to = {
        .sin_family = AF_INET, .sin_port = htons(80), .sin_addr.s_addr = htonl(PAIR_SERVER_ADDR)};
    assert_int_equal(synack_connect(p->st[0], *cs, (struct sockaddr *)&to, sizeof(to)),
                     -EINPROGRESS);
    pair_run_for(p, 10000);
    int ss = synack_accept(p->st[1], ls, NULL, NULL);
    assert_true(ss >= 0);
    return ss;
}

/* The server closes first, so the server holds TIME-WAIT; both sockets are closed. */
static void server_closes(pair *p, int cs, int ss)
{
    assert_int_equal(synack_close(p->st[1], ss), 0);
    pair_run_for(p, 100000);
    assert_int_equal(synack_close(p->st[0], cs), 0);
    pair_run_for(p, 100000);
}

/* A server with MSL 1 s holding two TIME-WAIT records, from client ports 40001 (record A,
 * the FIFO's head) and 40002 (record B). Returns the listening socket. */
static int two_records(pair *p)
{
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.msl_us = MSL;
    pair_init(p, &cfg, 1000);
    int ls = pair_listen(p, 80, 8);
    int cs1, cs2;
    int ss1 = open_from(p, ls, 40001, &cs1);
    int ss2 = open_from(p, ls, 40002, &cs2);
    server_closes(p, cs1, ss1);
    server_closes(p, cs2, ss2);
    return ls;
}

static void test_restarted_record_does_not_block_others(void **state)
{
    (void)state;
    pair p;
    two_records(&p);
    assert_int_equal(pair_count_state(&p, PAIR_SERVER, SYNACK_TIME_WAIT), 2);
    /* A hears a retransmitted FIN from the client half-way through: its 2*MSL restarts */
    size_t i = p.nsegs;
    while (i > 0 && !(p.segs[i - 1].from == PAIR_CLIENT && (p.segs[i - 1].s.flags & 0x01) &&
                      p.segs[i - 1].s.ack != 0 && p.segs[i - 1].t < p.segs[p.nsegs - 1].t - 150000))
        i--;
    assert_true(i > 0);
    /* client 40001's FIN (a copy: p.segs moves as it grows) */
    const synack_seg_info fin = p.segs[i - 1].s;
    pair_run_for(&p, MSL);
    size_t before = p.nsegs;
    fx_inject(&p, PAIR_SERVER, p.now, PAIR_CLIENT_ADDR, 40001, 80, fin.seq, fin.ack, 0x11, 512);
    assert_int_equal(p.nsegs, before + 1); /* re-ACKed, not reset: the record knew it */
    assert_int_equal(p.segs[before].s.flags, 0x10);
    assert_int_equal(p.segs[before].s.ack, fin.seq + 1);
    /* B still expires on time, although A, ahead of it, now runs longer */
    pair_run_for(&p, MSL + 100000);
    assert_int_equal(pair_count_state(&p, PAIR_SERVER, SYNACK_TIME_WAIT), 1);
    pair_run_for(&p, MSL);
    assert_int_equal(pair_count_state(&p, PAIR_SERVER, SYNACK_TIME_WAIT), 0);
    pair_free(&p);
}

static void test_reuse_in_the_middle_frees_the_record(void **state)
{
    (void)state;
    pair p;
    int ls = two_records(&p);
    size_t mem = synack_mem_in_use(p.st[1]);
    /* the client reopens 40002 (the second record, not the head): a higher ISN reuses it */
    int cs3;
    int ss3 = open_from(&p, ls, 40002, &cs3);
    assert_int_equal(synack_counter_get(p.st[1], SYNACK_CTR_TCPTimeWaitReused), 1);
    assert_int_equal(pair_count_state(&p, PAIR_SERVER, SYNACK_TIME_WAIT), 1);
    assert_int_equal(synack_send(p.st[0], cs3, "again", 5, 0), 5);
    pair_run_for(&p, 10000);
    char b[8];
    assert_int_equal(synack_recv(p.st[1], ss3, b, sizeof(b), 0), 5);
    /* once the head expires the released record is freed too */
    pair_run_for(&p, 3 * MSL);
    assert_int_equal(pair_count_state(&p, PAIR_SERVER, SYNACK_TIME_WAIT), 0);
    assert_true(synack_mem_in_use(p.st[1]) < mem + 4096);
    synack_close(p.st[0], cs3);
    synack_close(p.st[1], ss3);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_restarted_record_does_not_block_others),
        cmocka_unit_test(test_reuse_in_the_middle_frees_the_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
