/* SPDX-License-Identifier: MIT */
/* synack — text renderings of trace events (docs/TRACE.md, the trace contract).
 *
 * Everything here writes through one bounded writer (struct fmt) that behaves like
 * snprintf: it always counts the full length, stores only what fits below cap - 1 and
 * NUL-terminates. No malloc, no stdio: numbers are formatted by hand so the output is
 * independent of locale and the truncation rule is the same for every piece. */
#include "synack/event.h"
#include "synack/synack.h"

#include <stdbool.h>
#include <string.h>

/* A bounded output buffer that keeps counting past its end, like snprintf. */
struct fmt {
    char *out;  /* caller's buffer; may be NULL when cap is 0 */
    size_t cap; /* size of out in bytes, including room for the NUL */
    size_t len; /* characters produced so far, whether or not they fit */
};

/* NOLINTNEXTLINE(readability-non-const-parameter): kept in fmt.out and written through */
static struct fmt fmt_init(char *out, size_t cap)
{
    if (!out)
        cap = 0; /* only count: a NULL buffer of any claimed size is never written */
    struct fmt f = {out, cap, 0};
    return f;
}

static void put_c(struct fmt *f, char c)
{
    /* Keep the last byte of the buffer for the terminator. */
    if (f->len + 1 < f->cap)
        f->out[f->len] = c;
    f->len++;
}

static void put_s(struct fmt *f, const char *s)
{
    if (s == NULL)
        return;
    while (*s != '\0')
        put_c(f, *s++);
}

static void put_u64(struct fmt *f, uint64_t v)
{
    char digits[20]; /* UINT64_MAX has 20 decimal digits */
    size_t n = 0;
    do {
        digits[n++] = (char)('0' + (v % 10u));
        v /= 10u;
    } while (v != 0);
    while (n > 0)
        put_c(f, digits[--n]);
}

static void put_i64(struct fmt *f, int64_t v)
{
    if (v < 0) {
        put_c(f, '-');
        /* Negate in unsigned arithmetic so INT64_MIN does not overflow. */
        put_u64(f, (uint64_t)0 - (uint64_t)v);
    } else {
        put_u64(f, (uint64_t)v);
    }
}

/* NUL-terminates at the end of what fit and returns the length needed. */
static size_t fmt_finish(struct fmt *f)
{
    if (f->cap > 0)
        f->out[f->len < f->cap ? f->len : f->cap - 1] = '\0';
    return f->len;
}

static void put_ipv4(struct fmt *f, uint32_t a)
{
    for (int shift = 24; shift >= 0; shift -= 8) {
        put_u64(f, (a >> shift) & 0xffu);
        if (shift > 0)
            put_c(f, '.');
    }
}

/* RFC 5952 4: lower-case hex without leading zeros, the longest run (the first of equal
 * ones) of two or more zero groups as "::". */
static void put_ipv6(struct fmt *f, const uint8_t a[16])
{
    static const char hex[] = "0123456789abcdef";
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(a, mapped, 12) == 0) { /* RFC 5952 5: IPv4-mapped in dotted form */
        put_s(f, "::ffff:");
        put_ipv4(f, (uint32_t)a[12] << 24 | (uint32_t)a[13] << 16 | (uint32_t)a[14] << 8 | a[15]);
        return;
    }
    unsigned g[8];
    for (size_t i = 0; i < 8; i++)
        g[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
    int best = -1, best_len = 1;
    for (int i = 0; i < 8;) {
        int j = i;
        while (j < 8 && g[j] == 0)
            j++;
        if (j - i > best_len) {
            best = i;
            best_len = j - i;
        }
        i = j > i ? j : i + 1;
    }
    for (int i = 0; i < 8; i++) {
        if (i == best) {
            put_s(f, "::");
            i += best_len - 1;
            continue;
        }
        if (i > 0 && i != best + best_len)
            put_c(f, ':');
        int started = 0;
        for (int shift = 12; shift >= 0; shift -= 4) {
            unsigned d = (g[i] >> shift) & 0xfu;
            if (d || started || shift == 0) {
                put_c(f, hex[d]);
                started = 1;
            }
        }
    }
}

const char *synack_state_name(synack_tcp_state s)
{
    /* RFC 9293 3.3.2 spells the states with hyphens. */
    static const char *const names[SYNACK_STATE_COUNT] = {
        [SYNACK_CLOSED] = "CLOSED",           [SYNACK_LISTEN] = "LISTEN",
        [SYNACK_SYN_SENT] = "SYN-SENT",       [SYNACK_SYN_RECEIVED] = "SYN-RECEIVED",
        [SYNACK_ESTABLISHED] = "ESTABLISHED", [SYNACK_FIN_WAIT_1] = "FIN-WAIT-1",
        [SYNACK_FIN_WAIT_2] = "FIN-WAIT-2",   [SYNACK_CLOSE_WAIT] = "CLOSE-WAIT",
        [SYNACK_CLOSING] = "CLOSING",         [SYNACK_LAST_ACK] = "LAST-ACK",
        [SYNACK_TIME_WAIT] = "TIME-WAIT",
    };
    /* Compare as unsigned so a stray negative value is also out of range. */
    if ((unsigned)s >= (unsigned)SYNACK_STATE_COUNT)
        return "?";
    return names[s];
}

static void put_flags(struct fmt *f, uint8_t flags)
{
    /* tcpdump's order, not bit order: SYN and FIN first, ACK shown as '.'. */
    static const struct {
        uint8_t bit;
        char letter;
    } order[] = {
        {0x02, 'S'}, {0x01, 'F'}, {0x04, 'R'}, {0x08, 'P'},
        {0x10, '.'}, {0x20, 'U'}, {0x40, 'E'}, {0x80, 'W'},
    };
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        if (flags & order[i].bit)
            put_c(f, order[i].letter);
    }
}

void synack_flags_str(uint8_t flags, char out[9])
{
    struct fmt f = fmt_init(out, 9);
    put_flags(&f, flags);
    fmt_finish(&f);
}

static void put_opts(struct fmt *f, const synack_seg_info *seg)
{
    bool first = true;
#define SEP()                                                                                      \
    do {                                                                                           \
        if (!first)                                                                                \
            put_c(f, ',');                                                                         \
        first = false;                                                                             \
    } while (0)

    if (seg->has_mss) { /* RFC 9293 3.7.1 */
        SEP();
        put_s(f, "mss=");
        put_u64(f, seg->mss);
    }
    if (seg->has_wscale) { /* RFC 7323 2 */
        SEP();
        put_s(f, "ws=");
        put_u64(f, seg->wscale);
    }
    if (seg->sack_ok) { /* RFC 2018 2 */
        SEP();
        put_s(f, "sackok");
    }
    if (seg->has_ts) { /* RFC 7323 3 */
        SEP();
        put_s(f, "ts=");
        put_u64(f, seg->ts_val);
        put_c(f, ':');
        put_u64(f, seg->ts_ecr);
    }
    /* RFC 2018 3: at most four blocks fit; never read past the array. */
    const size_t nsack = seg->nsack < 4 ? seg->nsack : 4;
    for (size_t i = 0; i < nsack; i++) {
        SEP();
        put_s(f, "sack=");
        put_u64(f, seg->sack[i][0]);
        put_c(f, '-');
        put_u64(f, seg->sack[i][1]);
    }
#undef SEP
}

size_t synack_opts_str(const synack_seg_info *seg, char *out, size_t cap)
{
    struct fmt f = fmt_init(out, cap);
    if (seg)
        put_opts(&f, seg);
    return fmt_finish(&f);
}

static void put_endpoints(struct fmt *f, const synack_endpoints *ep)
{
    if (ep->family == SYNACK_AF_INET6) { /* RFC 5952 6: [address]:port */
        put_c(f, '[');
        put_ipv6(f, ep->laddr6);
        put_s(f, "]:");
        put_u64(f, ep->lport);
        put_s(f, ">[");
        put_ipv6(f, ep->raddr6);
        put_s(f, "]:");
        put_u64(f, ep->rport);
        return;
    }
    put_ipv4(f, ep->laddr);
    put_c(f, ':');
    put_u64(f, ep->lport);
    put_c(f, '>');
    put_ipv4(f, ep->raddr);
    put_c(f, ':');
    put_u64(f, ep->rport);
}

void synack_endpoints_str(const synack_endpoints *ep, char *out, size_t cap)
{
    struct fmt f = fmt_init(out, cap);
    if (ep)
        put_endpoints(&f, ep);
    fmt_finish(&f);
}

/* A JSON string body (RFC 8259 7): quote and backslash escaped, every control
 * character as \u00XX. Other bytes, including UTF-8, pass through. NULL is "". */
static void put_json_escaped(struct fmt *f, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    if (s == NULL)
        return;
    for (; *s != '\0'; s++) {
        const unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            put_c(f, '\\');
            put_c(f, (char)c);
        } else if (c < 0x20) {
            put_s(f, "\\u00");
            put_c(f, hex[c >> 4]);
            put_c(f, hex[c & 0xf]);
        } else {
            put_c(f, (char)c);
        }
    }
}

/* Starts a member: the separator (every key but "t_us" follows another) and the key. */
static void put_key(struct fmt *f, const char *key)
{
    if (f->len > 1)
        put_c(f, ',');
    put_c(f, '"');
    put_s(f, key);
    put_s(f, "\":");
}

static void member_str(struct fmt *f, const char *key, const char *val)
{
    put_key(f, key);
    put_c(f, '"');
    put_json_escaped(f, val);
    put_c(f, '"');
}

static void member_u64(struct fmt *f, const char *key, uint64_t v)
{
    put_key(f, key);
    put_u64(f, v);
}

static void member_i64(struct fmt *f, const char *key, int64_t v)
{
    put_key(f, key);
    put_i64(f, v);
}

static void member_conn(struct fmt *f, const synack_endpoints *ep)
{
    put_key(f, "conn");
    put_c(f, '"');
    put_endpoints(f, ep); /* digits, '.', ':' and '>' only: nothing to escape */
    put_c(f, '"');
}

static const char *event_name(synack_event_type t)
{
    switch (t) {
    case SYNACK_EV_APP:
        return "app";
    case SYNACK_EV_STATE:
        return "state";
    case SYNACK_EV_TX:
        return "tx";
    case SYNACK_EV_RX:
        return "rx";
    case SYNACK_EV_DROP:
        return "drop";
    case SYNACK_EV_TIMER:
        return "timer";
    case SYNACK_EV_COUNTER:
        return "counter";
    case SYNACK_EV_NOTE:
        return "note";
    }
    return "?";
}

static void put_seg_members(struct fmt *f, const synack_seg_info *seg)
{
    put_key(f, "flags");
    put_c(f, '"');
    put_flags(f, seg->flags);
    put_c(f, '"');
    member_u64(f, "seq", seg->seq);
    member_u64(f, "ack", seg->ack);
    member_u64(f, "len", seg->len);
    member_u64(f, "win", seg->win);
    put_key(f, "opts"); /* always present so readers need not special-case it */
    put_c(f, '"');
    put_opts(f, seg);
    put_c(f, '"');
    /* only when set: a trace without ECN reads as it always did */
    static const char *const ecn[4] = {"", "ect1", "ect0", "ce"};
    if (seg->ecn & 3)
        member_str(f, "ecn", ecn[seg->ecn & 3]);
}

size_t synack_event_json(const synack_event *ev, const char *host, char *out, size_t cap)
{
    struct fmt f = fmt_init(out, cap);
    if (!ev)
        return fmt_finish(&f); /* nothing to render: "" */
    put_c(&f, '{');
    member_u64(&f, "t_us", ev->t_us);
    if (host != NULL)
        member_str(&f, "host", host);
    member_str(&f, "ev", event_name(ev->type));

    switch (ev->type) {
    case SYNACK_EV_APP:
        if (ev->has_conn)
            member_conn(&f, &ev->conn);
        member_str(&f, "call", ev->u.app.call);
        member_i64(&f, "sock", ev->u.app.sock);
        member_i64(&f, "ret", ev->u.app.ret);
        break;
    case SYNACK_EV_STATE:
        member_conn(&f, &ev->conn);
        member_str(&f, "from", synack_state_name(ev->u.state.from));
        member_str(&f, "to", synack_state_name(ev->u.state.to));
        member_str(&f, "why", ev->u.state.why);
        break;
    case SYNACK_EV_TX:
    case SYNACK_EV_RX:
        member_conn(&f, &ev->conn);
        put_seg_members(&f, &ev->u.seg);
        break;
    case SYNACK_EV_DROP:
        if (ev->has_conn)
            member_conn(&f, &ev->conn);
        member_str(&f, "reason", ev->u.drop.reason);
        break;
    case SYNACK_EV_TIMER:
        member_conn(&f, &ev->conn);
        member_str(&f, "timer", ev->u.timer.timer);
        member_u64(&f, "n", ev->u.timer.n);
        break;
    case SYNACK_EV_COUNTER:
        member_str(&f, "name", ev->u.counter.name);
        member_u64(&f, "value", ev->u.counter.value);
        break;
    case SYNACK_EV_NOTE:
        if (ev->has_conn)
            member_conn(&f, &ev->conn);
        member_str(&f, "text", ev->u.note.text);
        break;
    }
    put_c(&f, '}');
    return fmt_finish(&f);
}
