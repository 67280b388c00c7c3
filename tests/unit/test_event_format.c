/* SPDX-License-Identifier: MIT */
/* Unit tests for src/stack/event_format.c: the exact text of the trace contract
 * (docs/TRACE.md), JSON escaping, and snprintf-style truncation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "synack/event.h"
#include "synack/synack.h"

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (d))

static const synack_endpoints client_ep = {
    .laddr = IP(192, 0, 2, 1), .raddr = IP(192, 0, 2, 2), .lport = 49152, .rport = 80};

/* Renders ev and checks both the text and the returned length. */
static void assert_json(const synack_event *ev, const char *host, const char *want)
{
    char buf[1024];
    memset(buf, 'X', sizeof buf);
    const size_t n = synack_event_json(ev, host, buf, sizeof buf);
    assert_string_equal(buf, want);
    assert_int_equal(n, strlen(want));
}

static void test_state_names(void **state)
{
    (void)state;
    static const char *const want[] = {
        "CLOSED",     "LISTEN",     "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1",
        "FIN-WAIT-2", "CLOSE-WAIT", "CLOSING",  "LAST-ACK",     "TIME-WAIT",
    };
    assert_int_equal(sizeof want / sizeof want[0], SYNACK_STATE_COUNT);
    for (int s = 0; s < SYNACK_STATE_COUNT; s++)
        assert_string_equal(synack_state_name((synack_tcp_state)s), want[s]);
    assert_string_equal(synack_state_name(SYNACK_STATE_COUNT), "?");
    assert_string_equal(synack_state_name((synack_tcp_state)99), "?");
    assert_string_equal(synack_state_name((synack_tcp_state)-1), "?");
}

static void test_flags_examples(void **state)
{
    (void)state;
    static const struct {
        uint8_t flags;
        const char *want;
    } cases[] = {
        {0x12, "S."}, {0x11, "F."}, {0x04, "R"},        {0x18, "P."},  {0x14, "R."},
        {0x00, ""},   {0x02, "S"},  {0xff, "SFRP.UEW"}, {0xc2, "SEW"}, {0x19, "FP."},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[9];
        memset(out, 'X', sizeof out);
        synack_flags_str(cases[i].flags, out);
        assert_string_equal(out, cases[i].want);
    }
}

/* For all 256 values: exactly the set bits appear, each once, in S F R P . U E W order. */
static void test_flags_all_values(void **state)
{
    (void)state;
    static const char order[] = "SFRP.UEW";
    static const uint8_t bit[] = {0x02, 0x01, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80};
    for (unsigned v = 0; v < 256; v++) {
        char out[9];
        memset(out, 'X', sizeof out);
        synack_flags_str((uint8_t)v, out);
        char want[9];
        size_t n = 0;
        for (size_t i = 0; i < 8; i++) {
            if (v & bit[i])
                want[n++] = order[i];
        }
        want[n] = '\0';
        assert_string_equal(out, want);
        assert_int_equal(strlen(out), (size_t)__builtin_popcount(v));
        /* Independently: letters strictly increase in position within the order. */
        int last = -1;
        for (const char *p = out; *p; p++) {
            const int pos = (int)(strchr(order, *p) - order);
            assert_true(pos > last);
            last = pos;
        }
    }
}

static void test_opts(void **state)
{
    (void)state;
    char out[256];
    synack_seg_info seg;
    memset(&seg, 0, sizeof seg);

    memset(out, 'X', sizeof out);
    assert_int_equal(synack_opts_str(&seg, out, sizeof out), 0);
    assert_string_equal(out, "");

    seg.has_mss = 1;
    seg.mss = 1460;
    seg.has_wscale = 1;
    seg.wscale = 7;
    seg.sack_ok = 1;
    seg.has_ts = 1;
    seg.ts_val = 100;
    seg.ts_ecr = 0;
    assert_int_equal(synack_opts_str(&seg, out, sizeof out), 29);
    assert_string_equal(out, "mss=1460,ws=7,sackok,ts=100:0");

    seg.nsack = 2;
    seg.sack[0][0] = 1000;
    seg.sack[0][1] = 2000;
    seg.sack[1][0] = 3000;
    seg.sack[1][1] = 4000;
    synack_opts_str(&seg, out, sizeof out);
    assert_string_equal(out, "mss=1460,ws=7,sackok,ts=100:0,sack=1000-2000,sack=3000-4000");

    /* Only SACK blocks: no leading comma. Extremes of every field. */
    memset(&seg, 0, sizeof seg);
    seg.nsack = 1;
    seg.sack[0][0] = 4294967295u;
    seg.sack[0][1] = 0;
    synack_opts_str(&seg, out, sizeof out);
    assert_string_equal(out, "sack=4294967295-0");

    memset(&seg, 0, sizeof seg);
    seg.has_ts = 1;
    seg.ts_val = 4294967295u;
    seg.ts_ecr = 1;
    seg.has_wscale = 1;
    seg.wscale = 14;
    synack_opts_str(&seg, out, sizeof out);
    assert_string_equal(out, "ws=14,ts=4294967295:1");

    /* nsack beyond the array is clamped to the four blocks that exist. */
    memset(&seg, 0, sizeof seg);
    seg.nsack = 200;
    for (uint32_t i = 0; i < 4; i++) {
        seg.sack[i][0] = i;
        seg.sack[i][1] = i + 10;
    }
    synack_opts_str(&seg, out, sizeof out);
    assert_string_equal(out, "sack=0-10,sack=1-11,sack=2-12,sack=3-13");

    /* cap 0 with NULL out just measures. */
    assert_int_equal(synack_opts_str(&seg, NULL, 0), strlen(out));
}

static void test_endpoints(void **state)
{
    (void)state;
    char out[48];
    memset(out, 'X', sizeof out);
    synack_endpoints_str(&client_ep, out, sizeof out);
    assert_string_equal(out, "192.0.2.1:49152>192.0.2.2:80");

    /* The longest possible rendering fits the documented 48 bytes. */
    const synack_endpoints max = {
        .laddr = 0xffffffffu, .raddr = 0xffffffffu, .lport = 65535, .rport = 65535};
    synack_endpoints_str(&max, out, sizeof out);
    assert_string_equal(out, "255.255.255.255:65535>255.255.255.255:65535");

    const synack_endpoints zero = {.laddr = 0, .raddr = IP(10, 0, 0, 255), .lport = 0, .rport = 1};
    synack_endpoints_str(&zero, out, sizeof out);
    assert_string_equal(out, "0.0.0.0:0>10.0.0.255:1");

    /* Short buffer: truncated, terminated, nothing past cap touched. */
    memset(out, 'X', sizeof out);
    synack_endpoints_str(&client_ep, out, 6);
    assert_string_equal(out, "192.0");
    assert_int_equal(out[6], 'X');
    synack_endpoints_str(&client_ep, NULL, 0); /* must not crash */
}

/* IPv6 endpoints as RFC 5952 writes them: [addr]:port, lower-case hex without leading
 * zeros, the longest (first of equal) run of two or more zero groups as ::, a single
 * zero group as 0; the longest rendering fits the documented 96 bytes. */
static void test_endpoints_ipv6(void **state)
{
    (void)state;
    char out[96];
    synack_endpoints ep = {.family = SYNACK_AF_INET6, .lport = 80, .rport = 49152};
    const uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    const uint8_t b[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0};
    memcpy(ep.laddr6, a, 16);
    memcpy(ep.raddr6, b, 16);
    synack_endpoints_str(&ep, out, sizeof out);
    assert_string_equal(out, "[2001:db8::1]:80>[2001:db8:0:1::1:0]:49152");
    const uint8_t c[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0};
    const uint8_t d[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    memcpy(ep.laddr6, c, 16);
    memcpy(ep.raddr6, d, 16);
    synack_endpoints_str(&ep, out, sizeof out);
    assert_string_equal(out, "[2001:db8:0:1:1::]:80>[::]:49152");
    const uint8_t e[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xc0, 0, 2, 1};
    const uint8_t g[16] = {0x20, 0x01, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1};
    memcpy(ep.laddr6, e, 16);
    memcpy(ep.raddr6, g, 16);
    synack_endpoints_str(&ep, out, sizeof out);
    assert_string_equal(out, "[::ffff:192.0.2.1]:80>[2001:0:0:1::1]:49152"); /* RFC 5952 5 */
    memset(ep.laddr6, 0xff, 16);
    memset(ep.raddr6, 0xff, 16);
    ep.lport = ep.rport = 65535;
    synack_endpoints_str(&ep, out, sizeof out);
    assert_int_equal(strlen(out), 95);
}

static synack_event tx_syn(void)
{
    synack_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = SYNACK_EV_TX;
    ev.t_us = 0;
    ev.has_conn = 1;
    ev.conn = client_ep;
    ev.u.seg.flags = 0x02;
    ev.u.seg.seq = 3620123;
    ev.u.seg.ack = 0;
    ev.u.seg.len = 0;
    ev.u.seg.win = 65535;
    ev.u.seg.has_mss = 1;
    ev.u.seg.mss = 1460;
    ev.u.seg.has_wscale = 1;
    ev.u.seg.wscale = 7;
    ev.u.seg.sack_ok = 1;
    ev.u.seg.has_ts = 1;
    ev.u.seg.ts_val = 100;
    ev.u.seg.ts_ecr = 0;
    return ev;
}

static void test_json_tx_rx(void **state)
{
    (void)state;
    synack_event ev = tx_syn();
    assert_json(
        &ev, "client",
        "{\"t_us\":0,\"host\":\"client\",\"ev\":\"tx\",\"conn\":\"192.0.2.1:49152>192.0.2.2:80\","
        "\"flags\":\"S\",\"seq\":3620123,\"ack\":0,\"len\":0,\"win\":65535,"
        "\"opts\":\"mss=1460,ws=7,sackok,ts=100:0\"}");

    /* rx, no host, no options: opts is still present and empty. */
    memset(&ev.u.seg, 0, sizeof ev.u.seg);
    ev.type = SYNACK_EV_RX;
    ev.t_us = 1000;
    ev.conn = (synack_endpoints){
        .laddr = IP(192, 0, 2, 2), .raddr = IP(192, 0, 2, 1), .lport = 80, .rport = 49152};
    ev.u.seg.flags = 0x18;
    ev.u.seg.seq = 4294967295u;
    ev.u.seg.ack = 1;
    ev.u.seg.len = 1448;
    ev.u.seg.win = 502;
    assert_json(&ev, NULL,
                "{\"t_us\":1000,\"ev\":\"rx\",\"conn\":\"192.0.2.2:80>192.0.2.1:49152\","
                "\"flags\":\"P.\",\"seq\":4294967295,\"ack\":1,\"len\":1448,\"win\":502,"
                "\"opts\":\"\"}");
}

/* The ECN field (RFC 3168 5) is a member only when set. */
static void test_json_ecn(void **state)
{
    (void)state;
    synack_event ev = tx_syn();
    memset(&ev.u.seg, 0, sizeof ev.u.seg);
    ev.u.seg.flags = 0x50; /* ECE + ACK */
    static const char *const want[4] = {"", ",\"ecn\":\"ect1\"", ",\"ecn\":\"ect0\"",
                                        ",\"ecn\":\"ce\""};
    for (uint8_t e = 0; e < 4; e++) {
        ev.u.seg.ecn = e;
        char line[512];
        snprintf(line, sizeof line,
                 "{\"t_us\":0,\"ev\":\"tx\",\"conn\":\"192.0.2.1:49152>192.0.2.2:80\","
                 "\"flags\":\".E\",\"seq\":0,\"ack\":0,\"len\":0,\"win\":0,\"opts\":\"\"%s}",
                 want[e]);
        assert_json(&ev, NULL, line);
    }
}

static void test_json_app(void **state)
{
    (void)state;
    synack_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = SYNACK_EV_APP;
    ev.u.app.call = "connect";
    ev.u.app.sock = 3;
    ev.u.app.ret = -115;
    assert_json(&ev, "client",
                "{\"t_us\":0,\"host\":\"client\",\"ev\":\"app\",\"call\":\"connect\",\"sock\":3,"
                "\"ret\":-115}");

    ev.has_conn = 1;
    ev.conn = client_ep;
    ev.t_us = 18446744073709551615u;
    ev.u.app.call = "send";
    ev.u.app.sock = -1;
    ev.u.app.ret = 1000000;
    assert_json(&ev, NULL,
                "{\"t_us\":18446744073709551615,\"ev\":\"app\","
                "\"conn\":\"192.0.2.1:49152>192.0.2.2:80\",\"call\":\"send\",\"sock\":-1,"
                "\"ret\":1000000}");

    /* Extremes of the signed fields, and a NULL string printed as "". */
    ev.has_conn = 0;
    ev.t_us = 5;
    ev.u.app.call = NULL;
    ev.u.app.sock = -2147483647 - 1;
    ev.u.app.ret = -9223372036854775807L - 1;
    if (sizeof(long) == 8) {
        assert_json(&ev, NULL,
                    "{\"t_us\":5,\"ev\":\"app\",\"call\":\"\",\"sock\":-2147483648,"
                    "\"ret\":-9223372036854775808}");
    }
}

static void test_json_state(void **state)
{
    (void)state;
    synack_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = SYNACK_EV_STATE;
    ev.has_conn = 1;
    ev.conn = client_ep;
    ev.u.state.from = SYNACK_CLOSED;
    ev.u.state.to = SYNACK_SYN_SENT;
    ev.u.state.why = "connect";
    assert_json(&ev, "client",
                "{\"t_us\":0,\"host\":\"client\",\"ev\":\"state\","
                "\"conn\":\"192.0.2.1:49152>192.0.2.2:80\",\"from\":\"CLOSED\","
                "\"to\":\"SYN-SENT\",\"why\":\"connect\"}");

    ev.u.state.from = SYNACK_FIN_WAIT_2;
    ev.u.state.to = SYNACK_STATE_COUNT;
    ev.u.state.why = NULL;
    assert_json(&ev, NULL,
                "{\"t_us\":0,\"ev\":\"state\",\"conn\":\"192.0.2.1:49152>192.0.2.2:80\","
                "\"from\":\"FIN-WAIT-2\",\"to\":\"?\",\"why\":\"\"}");
}

static void test_json_drop(void **state)
{
    (void)state;
    synack_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = SYNACK_EV_DROP;
    ev.t_us = 1000;
    ev.has_conn = 1;
    ev.conn = client_ep;
    ev.u.drop.reason = "syn-queue-full";
    assert_json(&ev, "server",
                "{\"t_us\":1000,\"host\":\"server\",\"ev\":\"drop\","
                "\"conn\":\"192.0.2.1:49152>192.0.2.2:80\",\"reason\":\"syn-queue-full\"}");

    ev.has_conn = 0;
    ev.u.drop.reason = "bad-tcp-checksum";
    assert_json(&ev, "server",
                "{\"t_us\":1000,\"host\":\"server\",\"ev\":\"drop\","
                "\"reason\":\"bad-tcp-checksum\"}");
}

static void test_json_timer(void **state)
{
    (void)state;
    synack_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = SYNACK_EV_TIMER;
    ev.t_us = 2000;
    ev.has_conn = 1;
    ev.conn = client_ep;
    ev.u.timer.timer = "rexmit";
    ev.u.timer.n = 1;
    assert_json(&ev, "server",
                "{\"t_us\":2000,\"host\":\"server\",\"ev\":\"timer\","
                "\"conn\":\"192.0.2.1:49152>192.0.2.2:80\",\"timer\":\"rexmit\",\"n\":1}");
}

static void test_json_counter(void **state)
{
    (void)state;
    synack_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = SYNACK_EV_COUNTER;
    ev.t_us = 123456789;
    ev.has_conn = 1; /* counters are per stack: conn is never shown */
    ev.conn = client_ep;
    ev.u.counter.name = "ListenOverflows";
    ev.u.counter.value = 3;
    assert_json(&ev, "server",
                "{\"t_us\":123456789,\"host\":\"server\",\"ev\":\"counter\","
                "\"name\":\"ListenOverflows\",\"value\":3}");
}

static void test_json_note(void **state)
{
    (void)state;
    synack_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = SYNACK_EV_NOTE;
    ev.t_us = 7;
    ev.u.note.text = "hello";
    assert_json(&ev, "h", "{\"t_us\":7,\"host\":\"h\",\"ev\":\"note\",\"text\":\"hello\"}");

    ev.has_conn = 1;
    ev.conn = client_ep;
    assert_json(&ev, NULL,
                "{\"t_us\":7,\"ev\":\"note\",\"conn\":\"192.0.2.1:49152>192.0.2.2:80\","
                "\"text\":\"hello\"}");
}

static void test_json_escaping(void **state)
{
    (void)state;
    synack_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = SYNACK_EV_NOTE;
    ev.u.note.text = "a\"b\\c\nd\te\x01\x1f\x7f/\xc3\xa9";
    assert_json(&ev, "q\"h\\",
                "{\"t_us\":0,\"host\":\"q\\\"h\\\\\",\"ev\":\"note\","
                "\"text\":\"a\\\"b\\\\c\\u000ad\\u0009e\\u0001\\u001f\x7f/\xc3\xa9\"}");

    /* Every control character escapes to exactly six bytes. */
    char text[32];
    for (int c = 1; c < 32; c++)
        text[c - 1] = (char)c;
    text[31] = '\0';
    ev.u.note.text = text;
    char buf[512];
    const size_t n = synack_event_json(&ev, NULL, buf, sizeof buf);
    const size_t frame = strlen("{\"t_us\":0,\"ev\":\"note\",\"text\":\"\"}");
    assert_int_equal(n, frame + 31 * 6);
    assert_non_null(strstr(buf, "\\u0001\\u0002"));
    assert_non_null(strstr(buf, "\\u001e\\u001f\"}"));
}

/* Truncation at every cap from 0 to past the full length: the return value never changes,
 * the output is the prefix that fits, always NUL-terminated, and nothing beyond cap is
 * written. Each buffer is an exact-size heap block so ASan catches any overrun. */
static void check_truncation(const synack_event *ev, const char *host)
{
    char full[1024];
    const size_t need = synack_event_json(ev, host, full, sizeof full);
    assert_int_equal(need, strlen(full));
    assert_int_equal(synack_event_json(ev, host, NULL, 0), need);

    for (size_t cap = 1; cap <= need + 2; cap++) {
        char *buf = malloc(cap);
        assert_non_null(buf);
        memset(buf, 'X', cap);
        assert_int_equal(synack_event_json(ev, host, buf, cap), need);
        const size_t kept = cap - 1 < need ? cap - 1 : need;
        assert_int_equal(buf[kept], '\0');
        assert_int_equal(strlen(buf), kept);
        assert_memory_equal(buf, full, kept);
        free(buf);
    }
}

static void test_json_truncation(void **state)
{
    (void)state;
    synack_event ev = tx_syn();
    ev.u.seg.nsack = 4;
    ev.u.seg.sack[3][1] = 4294967295u;
    check_truncation(&ev, "client");

    synack_event note;
    memset(&note, 0, sizeof note);
    note.type = SYNACK_EV_NOTE;
    note.u.note.text = "esc\"\\\n\x02 end"; /* escapes straddle cap boundaries */
    check_truncation(&note, "h\x1f");

    synack_event app;
    memset(&app, 0, sizeof app);
    app.type = SYNACK_EV_APP;
    app.u.app.call = "recv";
    app.u.app.ret = -11;
    check_truncation(&app, NULL);
}

static void test_opts_truncation(void **state)
{
    (void)state;
    synack_event ev = tx_syn();
    ev.u.seg.nsack = 3;
    char full[256];
    const size_t need = synack_opts_str(&ev.u.seg, full, sizeof full);
    assert_int_equal(need, strlen(full));
    for (size_t cap = 1; cap <= need + 1; cap++) {
        char *buf = malloc(cap);
        assert_non_null(buf);
        assert_int_equal(synack_opts_str(&ev.u.seg, buf, cap), need);
        assert_int_equal(strlen(buf), cap - 1 < need ? cap - 1 : need);
        assert_memory_equal(buf, full, strlen(buf));
        free(buf);
    }
}

static void test_json_unknown_type(void **state)
{
    (void)state;
    synack_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = (synack_event_type)42;
    assert_json(&ev, NULL, "{\"t_us\":0,\"ev\":\"?\"}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_state_names),      cmocka_unit_test(test_flags_examples),
        cmocka_unit_test(test_flags_all_values), cmocka_unit_test(test_opts),
        cmocka_unit_test(test_endpoints),        cmocka_unit_test(test_json_tx_rx),
        cmocka_unit_test(test_json_app),         cmocka_unit_test(test_json_state),
        cmocka_unit_test(test_json_drop),        cmocka_unit_test(test_json_timer),
        cmocka_unit_test(test_json_counter),     cmocka_unit_test(test_json_note),
        cmocka_unit_test(test_json_escaping),    cmocka_unit_test(test_json_truncation),
        cmocka_unit_test(test_opts_truncation),  cmocka_unit_test(test_json_unknown_type),
        cmocka_unit_test(test_json_ecn),         cmocka_unit_test(test_endpoints_ipv6),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
