/* SPDX-License-Identifier: MIT */
/* Zero-copy misuse: a commit may queue only what the last reserve lent, once, and a
 * release may consume only what the last borrow lent, once. Anything else is -EINVAL and
 * changes nothing — above all, bytes nobody wrote (stale heap, another connection's data)
 * never reach the wire. The test plays the peer (seghost), so it sees every byte sent; in
 * the sanitizer build the rings are also poisoned and the harness aborts on poison. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "support/fixture.h"
#include "support/seghost.h"
#include "support/wire_poison.h"
#include "wire/tcp_wire.h"

#define SECRET_LEN 2040

/* Payload bytes the stack sent to peer port `pport` from segment index `from` on. */
static size_t sent_to(const seghost *h, uint16_t pport, size_t from)
{
    size_t n = 0;
    for (size_t i = from; i < h->nout; i++)
        if (h->out[i].s.dport == pport)
            n += h->out[i].s.payload_len;
    return n;
}

/* Whether any 8-byte piece of secret appears in what the stack sent to pport. */
static int leaked(const seghost *h, uint16_t pport, const uint8_t *secret, size_t len)
{
    for (size_t i = 0; i < h->nout; i++) {
        const sh_seg *o = &h->out[i];
        size_t n = o->s.payload_len < sizeof(o->data) ? o->s.payload_len : sizeof(o->data);
        if (o->s.dport != pport)
            continue;
        for (size_t a = 0; a + 8 <= n; a++)
            for (size_t b = 0; b + 8 <= len; b++)
                if (memcmp(o->data + a, secret + b, 8) == 0)
                    return 1;
    }
    return 0;
}

static void test_commit_only_what_was_lent(void **state)
{
    (void)state;
    seghost h;
    uint32_t iss;
    int s = fx_sh_established(&h, NULL, &iss);
    int one = 1; /* every commit leaves at once, so the wire shows each one */
    assert_int_equal(synack_setsockopt(h.st, s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), 0);
    size_t before = h.nout;
    void *buf = NULL;

    /* The case: reserve(100), commit(1000). */
    assert_int_equal(synack_send_reserve(h.st, s, &buf, 100), 100);
    memset(buf, 'x', 100);
    assert_int_equal(synack_send_commit(h.st, s, 1000), -EINVAL);
    /* The refused commit ended the loan: nothing can be committed from it now. */
    assert_int_equal(synack_send_commit(h.st, s, 100), -EINVAL);
    /* No reserve at all, with or without bytes. */
    assert_int_equal(synack_send_commit(h.st, s, 1), -EINVAL);
    assert_int_equal(synack_send_commit(h.st, s, 0), -EINVAL);
    /* More than size_t's 32-bit share. */
    assert_int_equal(synack_send_reserve(h.st, s, &buf, 10), 10);
    assert_int_equal(synack_send_commit(h.st, s, (size_t)UINT32_MAX + 11), -EINVAL);
    /* A send between reserve and commit moves the tail: the loan is void. */
    assert_int_equal(synack_send_reserve(h.st, s, &buf, 10), 10);
    assert_int_equal(synack_send(h.st, s, "abc", 3, 0), 3);
    assert_int_equal(synack_send_commit(h.st, s, 10), -EINVAL);
    assert_int_equal(sent_to(&h, FX_PEER_PORT, before), 3); /* only send()'s bytes left */

    /* The exact loan works, once. */
    before = h.nout;
    assert_int_equal(synack_send_reserve(h.st, s, &buf, 5), 5);
    memcpy(buf, "hello", 5);
    assert_int_equal(synack_send_commit(h.st, s, 5), 5);
    assert_int_equal(synack_send_commit(h.st, s, 5), -EINVAL);
    /* Committing fewer than lent is fine, and commit(0) just returns the loan. */
    assert_int_equal(synack_send_reserve(h.st, s, &buf, 8), 8);
    memcpy(buf, "ab", 2);
    assert_int_equal(synack_send_commit(h.st, s, 2), 2);
    assert_int_equal(synack_send_reserve(h.st, s, &buf, 8), 8);
    assert_int_equal(synack_send_commit(h.st, s, 0), 0);
    assert_int_equal(synack_send_commit(h.st, s, 0), -EINVAL);
    sh_run_for(&h, 1000);
    size_t got = 0;
    char wire[16] = {0};
    for (size_t i = before; i < h.nout; i++) {
        const sh_seg *o = &h.out[i];
        if (o->s.dport == FX_PEER_PORT && o->s.payload_len &&
            got + o->s.payload_len < sizeof(wire)) {
            memcpy(wire + got, o->data, o->s.payload_len);
            got += o->s.payload_len;
        }
    }
    assert_string_equal(wire, "helloab");
    sh_free(&h);
}

static void test_new_connection_never_sends_the_old_ones_secret(void **state)
{
    (void)state;
    uint8_t secret[SECRET_LEN];
    for (size_t i = 0; i < SECRET_LEN; i += 16) {
        char piece[17];
        snprintf(piece, sizeof(piece), "TOP-SECRET-%04zu|", i / 16);
        memcpy(secret + i, piece, SECRET_LEN - i < 16 ? SECRET_LEN - i : 16);
    }

    seghost h;
    sh_init(&h, NULL);
    int ls = sh_listen(&h, FX_PORT, 4);
    assert_true(ls >= 0);
    uint32_t iss1;
    int s1 = sh_handshake(&h, ls, FX_PORT, 40000, 1000, 65535, &iss1);
    assert_true(s1 >= 0);
    /* The first connection carries the secret to its own peer, who acknowledges it all. */
    assert_int_equal(synack_send(h.st, s1, secret, SECRET_LEN, 0), SECRET_LEN);
    for (int round = 0; round < 10 && sent_to(&h, 40000, 0) < SECRET_LEN; round++) {
        sh_run_for(&h, 1000);
        uint32_t upto = iss1 + 1 + (uint32_t)sent_to(&h, 40000, 0);
        sh_send(&h, 40000, FX_PORT, 1001, upto, TCP_ACK, 65535, NULL, 0, NULL);
    }
    assert_int_equal(sent_to(&h, 40000, 0), SECRET_LEN);
    /* ... and closes: our FIN, the peer's FIN: TIME-WAIT, the rings go back to the heap. */
    assert_int_equal(synack_close(h.st, s1), 0);
    sh_send(&h, 40000, FX_PORT, 1001, iss1 + 2 + SECRET_LEN, TCP_FIN | TCP_ACK, 65535, NULL, 0,
            NULL);
    assert_int_not_equal(sh_state_time(&h, SYNACK_TIME_WAIT, 0), UINT64_MAX);

    /* A second connection, to a different peer, asks for 10 bytes and commits 2040. */
    uint32_t iss2;
    int s2 = sh_handshake(&h, ls, FX_PORT, 40001, 5000, 65535, &iss2);
    assert_true(s2 >= 0);
    void *buf = NULL;
    assert_int_equal(synack_send_reserve(h.st, s2, &buf, 10), 10);
    memcpy(buf, "new-data-1", 10);
    assert_int_equal(synack_send_commit(h.st, s2, SECRET_LEN), -EINVAL);
    sh_run_for(&h, 1000);
    assert_int_equal(sent_to(&h, 40001, 0), 0);
    /* The honest way still works, and carries exactly what was written. */
    assert_int_equal(synack_send_reserve(h.st, s2, &buf, 10), 10);
    memcpy(buf, "new-data-1", 10);
    assert_int_equal(synack_send_commit(h.st, s2, 10), 10);
    sh_run_for(&h, 1000);
    assert_int_equal(sent_to(&h, 40001, 0), 10);
    assert_false(leaked(&h, 40001, secret, SECRET_LEN));
    for (size_t i = 0; i < h.nout; i++)
        assert_false(wire_has_poison(h.out[i].data, sizeof(h.out[i].data) < h.out[i].s.payload_len
                                                        ? sizeof(h.out[i].data)
                                                        : h.out[i].s.payload_len));
    sh_free(&h);
}

/* The peer sends len bytes of `c` at sequence number seq. */
static void peer_data(seghost *h, uint32_t seq, uint32_t ack, char c, size_t len)
{
    uint8_t d[200];
    assert_true(len <= sizeof(d));
    memset(d, c, len);
    assert_int_equal(
        sh_send(h, FX_PEER_PORT, FX_PORT, seq, ack, TCP_ACK | TCP_PSH, 65535, d, len, NULL), 0);
}

static void test_release_only_what_was_borrowed(void **state)
{
    (void)state;
    seghost h;
    uint32_t iss;
    int s = fx_sh_established(&h, NULL, &iss);
    uint32_t seq = FX_PEER_ISS + 1;
    const void *data = NULL;

    /* Nothing ready: the borrow says so and lends nothing; a release is misuse (API.md
     * always promised -EINVAL for releasing more than is ready). */
    assert_int_equal(synack_recv_borrow(h.st, s, &data), -EAGAIN);
    assert_int_equal(synack_recv_release(h.st, s, 1), -EINVAL);
    assert_int_equal(synack_recv_release(h.st, s, 0), -EINVAL);

    peer_data(&h, seq, iss + 1, 'a', 100);
    seq += 100;
    /* Without a borrow the application never saw the bytes: refused, nothing consumed. */
    assert_int_equal(synack_recv_release(h.st, s, 50), -EINVAL);
    assert_int_equal(synack_recv_borrow(h.st, s, &data), 100);
    /* More than lent: refused, and the loan is over. */
    assert_int_equal(synack_recv_release(h.st, s, 101), -EINVAL);
    assert_int_equal(synack_recv_release(h.st, s, 100), -EINVAL);
    /* A recv() between borrow and release consumed borrowed bytes: the loan is void. */
    assert_int_equal(synack_recv_borrow(h.st, s, &data), 100);
    char one;
    assert_int_equal(synack_recv(h.st, s, &one, 1, 0), 1);
    assert_int_equal(synack_recv_release(h.st, s, 99), -EINVAL);
    /* MSG_PEEK consumes nothing: the loan stands. */
    assert_int_equal(synack_recv_borrow(h.st, s, &data), 99);
    assert_int_equal(synack_recv(h.st, s, &one, 1, MSG_PEEK), 1);
    assert_int_equal(synack_recv_release(h.st, s, 40), 40);
    assert_int_equal(synack_recv_release(h.st, s, 0), -EINVAL); /* once */
    assert_int_equal(synack_recv_borrow(h.st, s, &data), 59);
    assert_int_equal(synack_recv_release(h.st, s, 59), 59);
    assert_int_equal(synack_recv_borrow(h.st, s, &data), -EAGAIN);

    /* End of stream lends 0, so `release(borrow())` holds there too; 1 is too many. */
    assert_int_equal(
        sh_send(&h, FX_PEER_PORT, FX_PORT, seq, iss + 1, TCP_FIN | TCP_ACK, 65535, NULL, 0, NULL),
        0);
    assert_int_equal(synack_recv_borrow(h.st, s, &data), 0);
    assert_int_equal(synack_recv_release(h.st, s, 0), 0);
    assert_int_equal(synack_recv_borrow(h.st, s, &data), 0);
    assert_int_equal(synack_recv_release(h.st, s, 1), -EINVAL);
    assert_int_equal(synack_recv_release(h.st, 999, 0), -EBADF);
    sh_free(&h);
}

/* The sanitizer build's rings are poisoned: a run of the poison byte is recognised. */
static void test_poison_detector(void **state)
{
    (void)state;
    uint8_t f[64];
    memset(f, 0, sizeof(f));
    memset(f + 10, POISON_BYTE, WIRE_POISON_RUN - 1);
    assert_false(wire_has_poison(f, sizeof(f)));
    memset(f + 10, POISON_BYTE, WIRE_POISON_RUN);
    assert_true(wire_has_poison(f, sizeof(f)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commit_only_what_was_lent),
        cmocka_unit_test(test_new_connection_never_sends_the_old_ones_secret),
        cmocka_unit_test(test_release_only_what_was_borrowed),
        cmocka_unit_test(test_poison_detector),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
