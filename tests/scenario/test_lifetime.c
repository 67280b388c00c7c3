/* SPDX-License-Identifier: MIT */
/* Lifetimes and re-entrancy: freeing a stack detaches it from the memlink or loop that
 * points at it; freeing the link or loop first leaves the stack dropping what it sends;
 * synack_stack_free() from inside one of the stack's own callbacks (output, on_event, a
 * foreach visitor) is deferred until the outermost call on the stack returns, and calls
 * that would re-enter the engine from there are -EBUSY. Each free case was a
 * use-after-free (ASan) before. */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "support/pair.h"
#include "synack/link.h"
#include "synack/loop.h"
#include "synack/synack.h"

/* An allocator that counts what is outstanding, so a test can see a deferred free happen. */
static size_t outstanding;

static void *count_alloc(void *ctx, size_t size)
{
    (void)ctx;
    void *p = test_malloc(size);
    if (p)
        outstanding += size;
    return p;
}

static void count_free(void *ctx, void *p, size_t size)
{
    (void)ctx;
    outstanding -= size;
    test_free(p);
}

static const synack_allocator counting = {count_alloc, count_free, NULL};

static int start_connect(synack_stack *st)
{
    int s = synack_socket(st, SOCK_STREAM);
    assert_true(s >= 0);
    struct sockaddr_in a = pair_sin(PAIR_SERVER_ADDR, 80);
    return synack_connect(st, s, (struct sockaddr *)&a, sizeof(a));
}

/* A stack on the counting allocator attached to side `side` of l, with on_event (NULL:
 * none). */
static synack_stack *memlink_stack(synack_memlink *l, int side, synack_config *c,
                                   synack_event_fn on_event)
{
    synack_config_default(c);
    c->allocator = &counting;
    c->netif.addr = side ? PAIR_SERVER_ADDR : PAIR_CLIENT_ADDR;
    c->on_event = on_event;
    assert_int_equal(synack_memlink_netif(l, side, &c->netif), 0);
    synack_stack *st = synack_stack_new(c);
    assert_non_null(st);
    assert_int_equal(synack_memlink_attach(l, side, st), 0);
    return st;
}

/* A stack freed while the link still has it attached, with a frame in flight to it: the
 * link forgets it and drops the frame. */
static void test_free_stack_attached_to_memlink(void **state)
{
    (void)state;
    synack_memlink *l = synack_memlink_new(NULL, 1000, 65536, 64);
    synack_config c;
    synack_stack *client = memlink_stack(l, 0, &c, NULL);
    synack_stack *server = memlink_stack(l, 1, &c, NULL);
    assert_int_equal(start_connect(client), -EINPROGRESS); /* a SYN travels to the server */
    synack_stack_free(server);
    /* delivering the SYN, asking the server's deadline: both used the freed stack */
    assert_int_equal(synack_memlink_run(l, 0, 5000), 5000);
    assert_true(synack_memlink_next(l) > 5000); /* only the client's SYN timer is left */
    synack_stack_free(client);
    assert_int_equal(outstanding, 0);
    assert_int_equal(synack_memlink_next(l), UINT64_MAX);
    synack_memlink_free(l);
}

/* The other order: the link goes first. The stack outlives it and drops what it sends
 * (OutDiscards) instead of writing into the freed link. */
static void test_free_memlink_before_stack(void **state)
{
    (void)state;
    synack_memlink *l = synack_memlink_new(NULL, 1000, 65536, 64);
    synack_config c;
    synack_stack *client = memlink_stack(l, 0, &c, NULL);
    synack_memlink_free(l);
    uint64_t discards = synack_counter_get(client, SYNACK_CTR_OutDiscards);
    assert_int_equal(start_connect(client), -EINPROGRESS);
    assert_int_equal(synack_counter_get(client, SYNACK_CTR_OutDiscards), discards + 1);
    synack_stack_free(client);
    assert_int_equal(outstanding, 0);
}

/* A loop on a stand-in device (one end of a socket pair carries bare IPv4 frames as a TUN
 * device would). */
typedef struct fake_dev {
    synack_tuntap dev;
    int peer; /* the "kernel" side */
} fake_dev;

static void fake_dev_open(fake_dev *d)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv), 0);
    memset(&d->dev, 0, sizeof(d->dev));
    d->dev.fd = sv[0];
    d->dev.type = SYNACK_LINK_IP;
    d->dev.mtu = 1500;
    d->peer = sv[1];
}

static void fake_dev_close(fake_dev *d)
{
    close(d->dev.fd);
    close(d->peer);
}

static synack_loop *loop_with_stack(fake_dev *d, synack_stack **st)
{
    synack_loop_config lc;
    memset(&lc, 0, sizeof(lc));
    lc.dev = &d->dev;
    synack_loop *lp = synack_loop_new(&lc);
    assert_non_null(lp);
    synack_config c;
    synack_config_default(&c);
    c.allocator = &counting;
    c.netif.addr = PAIR_CLIENT_ADDR;
    assert_int_equal(synack_loop_netif(lp, &c.netif), 0);
    *st = synack_stack_new(&c);
    assert_non_null(*st);
    assert_int_equal(synack_loop_attach(lp, *st), 0);
    return lp;
}

/* A stack freed while its loop still runs it: the loop forgets it, and a frame that
 * arrives afterwards is read and dropped. */
static void test_free_stack_attached_to_loop(void **state)
{
    (void)state;
    fake_dev d;
    fake_dev_open(&d);
    synack_stack *st;
    synack_loop *lp = loop_with_stack(&d, &st);
    assert_int_equal(start_connect(st), -EINPROGRESS); /* a SYN timer is armed */
    synack_stack_free(st);
    assert_int_equal(write(d.peer, "\x45\x00\x00\x14", 4), 4);
    assert_int_equal(synack_loop_run_once(lp, 0, NULL, 0), 1); /* read, handed to nobody */
    synack_loop_service(lp);
    assert_int_equal(outstanding, 0);
    synack_loop_free(lp);
    fake_dev_close(&d);
}

/* The loop freed first: the stack then drops what it sends. */
static void test_free_loop_before_stack(void **state)
{
    (void)state;
    fake_dev d;
    fake_dev_open(&d);
    synack_stack *st;
    synack_loop *lp = loop_with_stack(&d, &st);
    synack_loop_free(lp);
    uint64_t discards = synack_counter_get(st, SYNACK_CTR_OutDiscards);
    assert_int_equal(start_connect(st), -EINPROGRESS);
    assert_int_equal(synack_counter_get(st, SYNACK_CTR_OutDiscards), discards + 1);
    synack_stack_free(st);
    assert_int_equal(outstanding, 0);
    fake_dev_close(&d);
}

/* --- free from inside a callback --- */

static synack_stack *victim;  /* the stack a callback frees */
static int callbacks_after;   /* callbacks that came after the free */
static int freed_in_callback; /* the callback did free */

static void free_on_first_state(void *ctx, const synack_event *ev)
{
    (void)ctx;
    if (freed_in_callback) {
        callbacks_after++;
        return;
    }
    if (ev->type == SYNACK_EV_STATE) {
        freed_in_callback = 1;
        synack_stack_free(victim);
        /* the stack is still there for the rest of the callback */
        assert_int_equal(synack_next_deadline(victim) > 0, 1);
    }
}

static int outputs;

static int free_on_output(void *ctx, const uint8_t *frame, size_t len)
{
    (void)ctx;
    (void)frame;
    (void)len;
    outputs++;
    if (!freed_in_callback) {
        freed_in_callback = 1;
        synack_stack_free(victim);
    }
    return 0;
}

static int discard_output(void *ctx, const uint8_t *frame, size_t len)
{
    (void)ctx;
    (void)frame;
    (void)len;
    return 0;
}

/* The stack a callback frees: the counting allocator, PAIR_CLIENT_ADDR, these callbacks
 * (on_event may be NULL). */
static synack_stack *victim_new(synack_output_fn output, synack_event_fn on_event, void *event_ctx)
{
    synack_config c;
    synack_config_default(&c);
    c.allocator = &counting;
    c.netif.addr = PAIR_CLIENT_ADDR;
    c.netif.output = output;
    c.on_event = on_event;
    c.event_ctx = event_ctx;
    synack_stack *st = synack_stack_new(&c);
    assert_non_null(st);
    return st;
}

static void reset_callback_state(void)
{
    victim = NULL;
    callbacks_after = 0;
    freed_in_callback = 0;
    outputs = 0;
}

/* on_event frees the stack at connect()'s first state change (CLOSED -> SYN-SENT); the
 * rest of connect() still runs on a live stack, sends nothing more, reports nothing more,
 * and the stack is freed when connect() returns. */
static void test_free_from_on_event(void **state)
{
    (void)state;
    reset_callback_state();
    /* output counts; the stack is already being freed */
    victim = victim_new(free_on_output, free_on_first_state, NULL);
    int s = synack_socket(victim, SOCK_STREAM);
    assert_true(outstanding > 0);
    struct sockaddr_in a = pair_sin(PAIR_SERVER_ADDR, 80);
    assert_int_equal(synack_connect(victim, s, (struct sockaddr *)&a, sizeof(a)), -EINPROGRESS);
    assert_int_equal(freed_in_callback, 1);
    assert_int_equal(outputs, 0);         /* the SYN was not sent */
    assert_int_equal(callbacks_after, 0); /* no tx or app event after the free */
    assert_int_equal(outstanding, 0);     /* freed on connect()'s way out */
}

/* output frees the stack while connect() sends the SYN. */
static void test_free_from_output(void **state)
{
    (void)state;
    reset_callback_state();
    victim = victim_new(free_on_output, NULL, NULL);
    assert_int_equal(start_connect(victim), -EINPROGRESS);
    assert_int_equal(outputs, 1);
    assert_int_equal(outstanding, 0);
}

/* The same from a frame's input on a memlink: the stack frees itself while answering a
 * SYN inside synack_memlink_run(); the link forgets it at once and goes on. */
static void test_free_from_callback_during_memlink_run(void **state)
{
    (void)state;
    reset_callback_state();
    synack_memlink *l = synack_memlink_new(NULL, 1000, 65536, 64);
    synack_config c;
    synack_stack *client = memlink_stack(l, 0, &c, NULL);
    /* the listener's embryo: CLOSED -> SYN-RECEIVED */
    victim = memlink_stack(l, 1, &c, free_on_first_state);
    int ls = synack_socket(victim, SOCK_STREAM);
    struct sockaddr_in a = pair_sin(0, 80);
    assert_int_equal(synack_bind(victim, ls, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(synack_listen(victim, ls, 4), 0);
    assert_int_equal(start_connect(client), -EINPROGRESS);
    assert_int_equal(synack_memlink_run(l, 0, 100000), 100000);
    assert_int_equal(freed_in_callback, 1);
    assert_int_equal(callbacks_after, 0);
    synack_stack_free(client);
    assert_int_equal(outstanding, 0);
    synack_memlink_free(l);
}

static void free_in_visit(void *ctx, const synack_conn_view *v)
{
    (void)v;
    int *visits = ctx;
    if ((*visits)++ == 0)
        synack_stack_free(victim);
}

/* A foreach visitor frees the stack: the walk stops, the stack goes when it returns. */
static void test_free_from_foreach_visitor(void **state)
{
    (void)state;
    reset_callback_state();
    victim = victim_new(discard_output, NULL, NULL);
    for (int i = 0; i < 3; i++)
        assert_int_equal(start_connect(victim), -EINPROGRESS);
    int visits = 0;
    synack_foreach_conn(victim, free_in_visit, &visits);
    assert_true(visits >= 1);
    assert_int_equal(outstanding, 0);
}

/* A free from a callback of a call made inside another callback waits for the outermost
 * call: synack_poll fires the SYN timer, on_event (for the timer) walks the connections,
 * and the visitor frees the stack; the walk returns to a live stack, on_event still reads
 * it, and the poll frees it on its way out. */
static int stage;

static void free_in_nested_visit(void *arg, const synack_conn_view *v)
{
    (void)arg;
    (void)v;
    if (stage == 1) {
        stage = 2;
        synack_stack_free(victim);
    }
}

static void nested_on_event(void *ctx, const synack_event *ev)
{
    (void)ctx;
    if (ev->type == SYNACK_EV_TIMER && stage == 0) {
        stage = 1;
        synack_foreach_conn(victim, free_in_nested_visit, NULL); /* the inner call */
        assert_int_equal(stage, 2);
        assert_true(outstanding > 0); /* not freed under the outer call's feet */
        assert_int_equal(synack_counter_get(victim, SYNACK_CTR_ActiveOpens), 1);
    }
}

static void test_free_deferred_to_outermost_call(void **state)
{
    (void)state;
    reset_callback_state();
    stage = 0;
    victim = victim_new(discard_output, nested_on_event, NULL);
    assert_int_equal(start_connect(victim), -EINPROGRESS); /* SYN timer at 1 s */
    assert_int_equal(synack_poll(victim, synack_next_deadline(victim)), 0);
    assert_int_equal(stage, 2);
    assert_int_equal(outstanding, 0);
}

/* From inside a callback, calls that would re-enter the engine are refused with -EBUSY
 * and change nothing; the read-only ones work. */
static int busy_checked;

static void busy_on_event(void *ctx, const synack_event *ev)
{
    int s = *(int *)ctx;
    if (ev->type != SYNACK_EV_STATE || busy_checked)
        return;
    busy_checked = 1;
    char b[4] = {0};
    struct sockaddr_in a = pair_sin(PAIR_SERVER_ADDR, 80);
    socklen_t len = sizeof(a);
    int v = 1;
    assert_int_equal(synack_close(victim, s), -EBUSY);
    assert_int_equal(synack_send(victim, s, "x", 1, 0), -EBUSY);
    assert_int_equal(synack_recv(victim, s, b, sizeof(b), 0), -EBUSY);
    assert_int_equal(synack_shutdown(victim, s, SHUT_WR), -EBUSY);
    assert_int_equal(synack_setsockopt(victim, s, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof(v)), -EBUSY);
    assert_int_equal(synack_socket(victim, SOCK_STREAM), -EBUSY);
    assert_int_equal(synack_connect(victim, s, (struct sockaddr *)&a, sizeof(a)), -EBUSY);
    assert_int_equal(synack_input(victim, 0, b, sizeof(b)), -EBUSY);
    assert_int_equal(synack_poll(victim, 0), -EBUSY);
    assert_int_equal(synack_set_time(victim, 0), -EBUSY);
    assert_int_equal(synack_rotate_secrets(victim), -EBUSY);
    /* reading is fine */
    assert_int_equal(synack_getsockname(victim, s, (struct sockaddr *)&a, &len), 0);
    assert_int_equal(synack_getsockopt(victim, s, SOL_SOCKET, SO_KEEPALIVE, &v, &len), 0);
    synack_pollfd p = {.sock = s, .events = POLLIN};
    assert_int_equal(synack_sock_poll(victim, &p, 1), 0);
    assert_true(synack_next_deadline(victim) == UINT64_MAX); /* the SYN timer is not armed yet */
}

static void test_reentry_refused_with_ebusy(void **state)
{
    (void)state;
    reset_callback_state();
    busy_checked = 0;
    int s = -1;
    victim = victim_new(discard_output, busy_on_event, &s);
    s = synack_socket(victim, SOCK_STREAM);
    struct sockaddr_in a = pair_sin(PAIR_SERVER_ADDR, 80);
    assert_int_equal(synack_connect(victim, s, (struct sockaddr *)&a, sizeof(a)), -EINPROGRESS);
    assert_int_equal(busy_checked, 1);
    /* nothing the refused calls asked for happened: the socket is open and connecting */
    assert_int_equal(synack_send(victim, s, "y", 1, 0), 1);
    assert_int_equal(synack_close(victim, s), 0);
    synack_stack_free(victim);
    assert_int_equal(outstanding, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_free_stack_attached_to_memlink),
        cmocka_unit_test(test_free_memlink_before_stack),
        cmocka_unit_test(test_free_stack_attached_to_loop),
        cmocka_unit_test(test_free_loop_before_stack),
        cmocka_unit_test(test_free_from_on_event),
        cmocka_unit_test(test_free_from_output),
        cmocka_unit_test(test_free_from_callback_during_memlink_run),
        cmocka_unit_test(test_free_from_foreach_visitor),
        cmocka_unit_test(test_free_deferred_to_outermost_call),
        cmocka_unit_test(test_reentry_refused_with_ebusy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
