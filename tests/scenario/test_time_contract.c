/* SPDX-License-Identifier: MIT */
/* The contract of `now` (synack.h): monotonic microseconds, never earlier than the latest
 * value given, at most SYNACK_TIME_MAX. A time that breaks it is refused with -EINVAL and
 * changes nothing; and every state change a timer causes names that timer's real reason. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/fixture.h"
#include "support/pair.h"
#include "synack/link.h"
#include "synack/synack.h"

#define SEC 1000000ull
#define PORT 80
#define MAX_EVENTS 8192

/* One event as a host reported it (the details of timer and state events only; the others
 * mark that something other than a timer happened in between). */
typedef struct rec {
    int host;
    synack_event_type type;
    synack_endpoints conn;
    const char *timer;         /* SYNACK_EV_TIMER */
    synack_tcp_state from, to; /* SYNACK_EV_STATE */
    const char *why;           /* SYNACK_EV_STATE */
} rec;

typedef struct two {
    synack_memlink *link;
    synack_stack *st[2];
    uint64_t now;
    rec ev[MAX_EVENTS];
    size_t nev;
    int ctx_host[2];
    int ls; /* the server's listener on PORT */
} two;

static two *g_two; /* the fixture whose events are being recorded */

static void on_event(void *ctx, const synack_event *ev)
{
    int host = *(const int *)ctx;
    assert_true(g_two->nev < MAX_EVENTS);
    rec *r = &g_two->ev[g_two->nev++];
    memset(r, 0, sizeof(*r));
    r->host = host;
    r->type = ev->type;
    r->conn = ev->conn;
    if (ev->type == SYNACK_EV_TIMER) {
        r->timer = ev->u.timer.timer;
    } else {
        r->from = ev->u.state.from;
        r->to = ev->u.state.to;
        r->why = ev->u.state.why;
    }
}

static void two_init(two *t, const synack_config *base)
{
    memset(t, 0, sizeof(*t));
    t->ls = -1;
    g_two = t;
    t->link = synack_memlink_new(NULL, 1000, 65536, 10000);
    assert_non_null(t->link);
    for (int h = 0; h < 2; h++) {
        synack_config c;
        if (base)
            c = *base;
        else
            synack_config_default(&c);
        c.netif.addr = h ? PAIR_SERVER_ADDR : PAIR_CLIENT_ADDR;
        c.seed = 7 + (uint64_t)h;
        t->ctx_host[h] = h;
        c.on_event = on_event;
        c.event_ctx = &t->ctx_host[h];
        assert_int_equal(synack_memlink_netif(t->link, h, &c.netif), 0);
        t->st[h] = synack_stack_new(&c);
        assert_non_null(t->st[h]);
        assert_int_equal(synack_memlink_attach(t->link, h, t->st[h]), 0);
    }
}

static void two_free(two *t)
{
    synack_stack_free(t->st[0]);
    synack_stack_free(t->st[1]);
    synack_memlink_free(t->link);
}

static void run_for(two *t, uint64_t us)
{
    t->now = synack_memlink_run(t->link, t->now, t->now + us);
}

/* One established connection; the server's accepted socket to *ss. Returns the client's. */
static int establish(two *t, int *ss)
{
    if (t->ls < 0) {
        t->ls = synack_socket(t->st[1], SOCK_STREAM);
        struct sockaddr_in b = pair_sin(0, PORT);
        assert_int_equal(synack_bind(t->st[1], t->ls, (struct sockaddr *)&b, sizeof(b)), 0);
        assert_int_equal(synack_listen(t->st[1], t->ls, 8), 0);
    }
    int cs = synack_socket(t->st[0], SOCK_STREAM);
    struct sockaddr_in a = pair_sin(PAIR_SERVER_ADDR, PORT);
    assert_int_equal(synack_connect(t->st[0], cs, (struct sockaddr *)&a, sizeof(a)), -EINPROGRESS);
    run_for(t, 10000);
    *ss = synack_accept(t->st[1], t->ls, NULL, NULL);
    assert_true(*ss >= 0);
    return cs;
}

static synack_tcp_state sock_state(synack_stack *st, int s)
{
    return (synack_tcp_state)fx_tcp_info(st, s).state;
}

static size_t count_state_events(const two *t)
{
    size_t n = 0;
    for (size_t i = 0; i < t->nev; i++)
        n += t->ev[i].type == SYNACK_EV_STATE;
    return n;
}

/* `synack_poll(st, synack_next_deadline(st))` with nothing pending is UINT64_MAX: it is
 * refused, and the ESTABLISHED connection lives on (it used to fire every timer, the
 * stopped ones too, and close it as "fin-wait-2-timeout"). */
static void test_poll_uint64_max_refused(void **state)
{
    (void)state;
    two t;
    two_init(&t, NULL);
    int ss;
    int cs = establish(&t, &ss);
    run_for(&t, 1 * SEC); /* the delayed ACKs are out: nothing pending */
    assert_int_equal(synack_next_deadline(t.st[0]), UINT64_MAX);
    size_t before = count_state_events(&t);
    uint64_t outsegs = synack_counter_get(t.st[0], SYNACK_CTR_OutSegs);

    assert_int_equal(synack_poll(t.st[0], synack_next_deadline(t.st[0])), -EINVAL);
    assert_int_equal(synack_poll(t.st[0], SYNACK_TIME_MAX + 1), -EINVAL);
    assert_int_equal(synack_set_time(t.st[0], UINT64_MAX), -EINVAL);
    assert_int_equal(synack_input(t.st[0], UINT64_MAX, "x", 1), -EINVAL);

    /* with a timer running (keepalive): it used to fire every timer, the stopped ones
     * too, and close the connection as "fin-wait-2-timeout" */
    int one = 1;
    assert_int_equal(synack_setsockopt(t.st[0], cs, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)),
                     0);
    assert_true(synack_next_deadline(t.st[0]) < UINT64_MAX);
    assert_int_equal(synack_poll(t.st[0], UINT64_MAX), -EINVAL);

    assert_int_equal(count_state_events(&t), before);
    assert_int_equal(synack_counter_get(t.st[0], SYNACK_CTR_OutSegs), outsegs);
    assert_int_equal(sock_state(t.st[0], cs), SYNACK_ESTABLISHED);
    /* still a working connection */
    assert_int_equal(synack_send(t.st[0], cs, "ping", 4, 0), 4);
    run_for(&t, 100000);
    char buf[8];
    assert_int_equal(synack_recv(t.st[1], ss, buf, sizeof(buf), 0), 4);
    assert_memory_equal(buf, "ping", 4);
    two_free(&t);
}

/* The ceiling itself is a valid time, and an idle connection whose timers are all stopped
 * survives it. */
static void test_time_max_is_valid(void **state)
{
    (void)state;
    two t;
    two_init(&t, NULL);
    int ss;
    int cs = establish(&t, &ss);
    run_for(&t, 1 * SEC);
    assert_int_equal(synack_poll(t.st[0], SYNACK_TIME_MAX), 0);
    assert_int_equal(sock_state(t.st[0], cs), SYNACK_ESTABLISHED);
    assert_int_equal(synack_poll(t.st[0], SYNACK_TIME_MAX), 0); /* the same time again */
    two_free(&t);
}

/* Time going backwards is refused by every call that takes a time, which changes nothing:
 * not the clock, not the counters, no frame taken in. */
static void test_backwards_time_refused(void **state)
{
    (void)state;
    two t;
    two_init(&t, NULL);
    synack_stack *st = t.st[0];
    assert_int_equal(synack_set_time(st, 5000), 0);
    assert_int_equal(synack_set_time(st, 5000), 0);
    uint64_t rx = synack_counter_get(st, SYNACK_CTR_InReceives);
    uint64_t hdr = synack_counter_get(st, SYNACK_CTR_InHdrErrors);
    assert_int_equal(synack_set_time(st, 4999), -EINVAL);
    assert_int_equal(synack_poll(st, 4999), -EINVAL);
    assert_int_equal(synack_input(st, 4999, "garbage", 7), -EINVAL);
    assert_int_equal(synack_input_ex(st, 0, "garbage", 7, NULL), -EINVAL);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_InReceives), rx);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_InHdrErrors), hdr);
    /* the clock stayed at 5000: a connect now arms its SYN timer from 5000 */
    int cs = synack_socket(st, SOCK_STREAM);
    struct sockaddr_in a = pair_sin(PAIR_SERVER_ADDR, PORT);
    assert_int_equal(synack_connect(st, cs, (struct sockaddr *)&a, sizeof(a)), -EINPROGRESS);
    assert_int_equal(synack_next_deadline(st), 5000 + SEC); /* rto_initial_us */
    two_free(&t);
}

/* What each timer may end, and with which reason. */
static int reason_matches(const char *timer, synack_tcp_state from, const char *why)
{
    if (!strcmp(timer, "rexmit"))
        return from == SYNACK_SYN_SENT ? !strcmp(why, "syn-timeout")
               : from == SYNACK_SYN_RECEIVED
                   ? !strcmp(why, "synack-timeout") || !strcmp(why, "syn-timeout")
                   : !strcmp(why, "rexmit-timeout");
    if (!strcmp(timer, "keepalive"))
        return !strcmp(why, "keepalive-timeout");
    if (!strcmp(timer, "fin-wait-2"))
        return from == SYNACK_FIN_WAIT_2 && !strcmp(why, "fin-wait-2-timeout");
    if (!strcmp(timer, "time-wait"))
        return from == SYNACK_TIME_WAIT && !strcmp(why, "time-wait-expired");
    return 0; /* delack, persist, pace, probes: they never end a connection */
}

static int same_conn(const synack_endpoints *a, const synack_endpoints *b)
{
    return a->laddr == b->laddr && a->raddr == b->raddr && a->lport == b->lport &&
           a->rport == b->rport;
}

/* Every state change right after a timer of the same connection (nothing but segments it
 * sent in between) must be one that timer causes, with its reason. Returns how many such
 * changes there were. */
static size_t check_timer_reasons(const two *t)
{
    size_t n = 0;
    for (size_t i = 1; i < t->nev; i++) {
        const rec *s = &t->ev[i];
        if (s->type != SYNACK_EV_STATE || s->to != SYNACK_CLOSED)
            continue; /* a timer only ever ends a connection */
        const rec *tm = NULL;
        for (size_t k = i; k-- > 0;) {
            /* a segment the timer sent on its way (the keepalive's RST) is not a cause */
            if (t->ev[k].host == s->host && t->ev[k].type != SYNACK_EV_TX) {
                tm = &t->ev[k];
                break;
            }
        }
        if (!tm || tm->type != SYNACK_EV_TIMER || !same_conn(&tm->conn, &s->conn))
            continue;
        if (!reason_matches(tm->timer, s->from, s->why))
            fail_msg("host %d: timer %s ended %s with \"%s\"", s->host, tm->timer,
                     synack_state_name(s->from), s->why);
        n++;
    }
    return n;
}

/* Finds the state change on host to CLOSED with reason `why`, from `from`. */
static int saw(const two *t, int host, synack_tcp_state from, const char *why)
{
    for (size_t i = 0; i < t->nev; i++) {
        const rec *r = &t->ev[i];
        if (r->type == SYNACK_EV_STATE && r->host == host && r->from == from &&
            r->to == SYNACK_CLOSED && !strcmp(r->why, why))
            return 1;
    }
    return 0;
}

/* Each timer that can end a connection does so with its own reason: SYN retransmission
 * (syn-timeout), data retransmission (rexmit-timeout), keepalive (keepalive-timeout), the
 * orphan's FIN-WAIT-2 limit (fin-wait-2-timeout) and TIME-WAIT (time-wait-expired); and a
 * refused poll(UINT64_MAX) on an ESTABLISHED connection ends nothing. */
static void test_timer_reasons_match_timers(void **state)
{
    (void)state;
    synack_config cfg;
    synack_config_default(&cfg);
    cfg.syn_retries = 1;
    cfg.data_retries = 2;
    cfg.keepidle_us = 2 * SEC;
    cfg.keepintvl_us = 1 * SEC;
    cfg.keepcnt = 1;
    cfg.fin_wait2_us = 3 * SEC;
    cfg.msl_us = 1 * SEC;
    two t;
    two_init(&t, &cfg);
    int ss;

    /* ESTABLISHED with a timer running (keepalive) + the bad poll: nothing ends */
    int cs = establish(&t, &ss);
    int one = 1;
    assert_int_equal(synack_setsockopt(t.st[0], cs, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)),
                     0);
    run_for(&t, 1 * SEC);
    assert_int_equal(synack_poll(t.st[0], UINT64_MAX), -EINVAL);
    assert_int_equal(sock_state(t.st[0], cs), SYNACK_ESTABLISHED);

    /* FIN-WAIT-2 of an orphan: the client closes, the server never does */
    assert_int_equal(synack_close(t.st[0], cs), 0);
    run_for(&t, 5 * SEC);
    assert_true(saw(&t, 0, SYNACK_FIN_WAIT_2, "fin-wait-2-timeout"));
    assert_int_equal(synack_close(t.st[1], ss), 0); /* LAST-ACK, answered by a RST */
    run_for(&t, 5 * SEC);

    /* TIME-WAIT, the client's socket still open so the connection keeps its timer */
    cs = establish(&t, &ss);
    assert_int_equal(synack_shutdown(t.st[0], cs, SHUT_WR), 0);
    run_for(&t, 100000);
    assert_int_equal(synack_close(t.st[1], ss), 0);
    run_for(&t, 100000);
    assert_int_equal(sock_state(t.st[0], cs), SYNACK_TIME_WAIT);
    run_for(&t, 3 * SEC);
    assert_true(saw(&t, 0, SYNACK_TIME_WAIT, "time-wait-expired"));
    assert_int_equal(synack_close(t.st[0], cs), 0);

    /* keepalive: the server's stack is cut off */
    cs = establish(&t, &ss);
    assert_int_equal(synack_setsockopt(t.st[0], cs, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)),
                     0);
    assert_int_equal(synack_memlink_attach(t.link, 1, NULL), 0);
    run_for(&t, 10 * SEC);
    assert_true(saw(&t, 0, SYNACK_ESTABLISHED, "keepalive-timeout"));
    assert_int_equal(synack_close(t.st[0], cs), 0);

    /* data retransmission: still cut off */
    cs = synack_socket(t.st[0], SOCK_STREAM);
    struct sockaddr_in a = pair_sin(PAIR_SERVER_ADDR, PORT);
    assert_int_equal(synack_memlink_attach(t.link, 1, t.st[1]), 0);
    assert_int_equal(synack_connect(t.st[0], cs, (struct sockaddr *)&a, sizeof(a)), -EINPROGRESS);
    run_for(&t, 10000);
    assert_int_equal(sock_state(t.st[0], cs), SYNACK_ESTABLISHED);
    assert_int_equal(synack_memlink_attach(t.link, 1, NULL), 0);
    assert_int_equal(synack_send(t.st[0], cs, "lost", 4, 0), 4);
    run_for(&t, 60 * SEC);
    assert_true(saw(&t, 0, SYNACK_ESTABLISHED, "rexmit-timeout"));
    assert_int_equal(synack_close(t.st[0], cs), 0);

    /* SYN retransmission: nobody answers */
    cs = synack_socket(t.st[0], SOCK_STREAM);
    assert_int_equal(synack_connect(t.st[0], cs, (struct sockaddr *)&a, sizeof(a)), -EINPROGRESS);
    run_for(&t, 60 * SEC);
    assert_true(saw(&t, 0, SYNACK_SYN_SENT, "syn-timeout"));

    assert_int_equal(check_timer_reasons(&t), 5);
    two_free(&t);
}

/* The FIN's state change names what queued it: shutdown(SHUT_WR) on a socket, or close(). */
static void test_fin_reason_is_shutdown_or_close(void **state)
{
    (void)state;
    two t;
    two_init(&t, NULL);
    int ss;
    int cs = establish(&t, &ss);
    assert_int_equal(synack_shutdown(t.st[0], cs, SHUT_WR), 0);
    run_for(&t, 100000);
    assert_int_equal(synack_close(t.st[1], ss), 0);
    int seen = 0;
    for (size_t i = 0; i < t.nev; i++) {
        const rec *r = &t.ev[i];
        if (r->type != SYNACK_EV_STATE)
            continue;
        if (r->host == 0 && r->to == SYNACK_FIN_WAIT_1) {
            assert_string_equal(r->why, "shutdown");
            seen |= 1;
        }
        if (r->host == 1 && r->to == SYNACK_LAST_ACK) {
            assert_string_equal(r->why, "close");
            seen |= 2;
        }
    }
    assert_int_equal(seen, 3);
    two_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_poll_uint64_max_refused),
        cmocka_unit_test(test_time_max_is_valid),
        cmocka_unit_test(test_backwards_time_refused),
        cmocka_unit_test(test_timer_reasons_match_timers),
        cmocka_unit_test(test_fin_reason_is_shutdown_or_close),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
