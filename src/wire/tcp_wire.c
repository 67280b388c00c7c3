/* SPDX-License-Identifier: MIT */
/* synack — TCP header and option parse and emit (RFC 9293 3.1 and 3.2,
 * RFC 7323 2-3, RFC 2018 2-3). */
#include "wire/tcp_wire.h"

#include <string.h>

#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/ipv4.h"

/* Field offsets within the fixed header (RFC 9293 3.1 figure 1). */
enum {
    TCP_OFF_SPORT = 0,
    TCP_OFF_DPORT = 2,
    TCP_OFF_SEQ = 4,
    TCP_OFF_ACK = 8,
    TCP_OFF_DOFF = 12,
    TCP_OFF_FLAGS = 13,
    TCP_OFF_WIN = 14,
    TCP_OFF_CSUM = 16,
    TCP_OFF_URG = 18,
};

/* Bytes of one SACK block and of the SACK option's kind+length prefix. */
#define TCP_SACK_BLOCK_LEN 8
#define TCP_OPTLEN_SACK_BASE 2
/* Kind+length of the Fast Open option; kind+length+magic of its experimental form. */
#define TCP_OPTLEN_FO_BASE 2
#define TCP_OPTLEN_FO_EXP_BASE 4

/* Records a Fast Open cookie of clen bytes at c. RFC 7413 4.1.1 allows an empty cookie
 * (the request) or an even 4 to 16 bytes; any other length is ignored, as Linux ignores
 * it, rather than failing the whole segment. */
static void take_fastopen(tcp_opts *o, const uint8_t *c, size_t clen, uint8_t exp)
{
    if (clen != 0 &&
        (clen < TCP_FASTOPEN_COOKIE_MIN || clen > TCP_FASTOPEN_COOKIE_MAX || clen % 2 != 0))
        return;
    o->has_fo = 1;
    o->fo_exp = exp;
    o->fo_len = (uint8_t)clen;
    if (clen != 0)
        memcpy(o->fo_cookie, c, clen);
}

/* Parses the option list opt[0..n) into o (zeroed first). RFC 9293 3.2: every
 * kind but EOL and NOP carries a length octet that counts kind and length. */
static wire_result parse_options(const uint8_t *opt, size_t n, tcp_opts *o)
{
    memset(o, 0, sizeof *o);
    /* The layout nearly every segment of an established connection carries (RFC 7323
     * Appendix A: NOP, NOP, timestamps): read it without walking the list. */
    if (n == 12 && rd32(opt) == ((uint32_t)TCP_OPT_NOP << 24 | (uint32_t)TCP_OPT_NOP << 16 |
                                 (uint32_t)TCP_OPT_TS << 8 | TCP_OPTLEN_TS)) {
        o->has_ts = 1;
        o->ts_val = rd32(opt + 4);
        o->ts_ecr = rd32(opt + 8);
        return WIRE_OK;
    }
    size_t i = 0;
    while (i < n) {
        uint8_t kind = opt[i];
        if (kind == TCP_OPT_EOL)
            break;
        if (kind == TCP_OPT_NOP) {
            i++;
            continue;
        }
        if (n - i < 2)
            return WIRE_BAD_OPTLEN; /* The length octet is missing. */
        size_t olen = opt[i + 1];
        if (olen < 2 || olen > n - i)
            return WIRE_BAD_OPTLEN; /* Would loop forever or overrun the header. */
        const uint8_t *v = opt + i + 2;
        switch (kind) {
        case TCP_OPT_MSS:
            if (olen != TCP_OPTLEN_MSS)
                return WIRE_BAD_OPTLEN;
            o->has_mss = 1;
            o->mss = rd16(v);
            break;
        case TCP_OPT_WSCALE:
            if (olen != TCP_OPTLEN_WSCALE)
                return WIRE_BAD_OPTLEN;
            o->has_wscale = 1;
            /* RFC 7323 2.3: a shift above 14 MUST be used as 14. */
            o->wscale = v[0] > TCP_MAX_WSCALE ? TCP_MAX_WSCALE : v[0];
            break;
        case TCP_OPT_SACK_PERM:
            if (olen != TCP_OPTLEN_SACK_PERM)
                return WIRE_BAD_OPTLEN;
            o->sack_ok = 1;
            break;
        case TCP_OPT_SACK: {
            size_t body = olen - TCP_OPTLEN_SACK_BASE;
            size_t nblk = body / TCP_SACK_BLOCK_LEN;
            if (body % TCP_SACK_BLOCK_LEN != 0 || nblk < 1 || nblk > TCP_MAX_SACK)
                return WIRE_BAD_OPTLEN;
            o->nsack = (uint8_t)nblk;
            for (size_t b = 0; b < nblk; b++) {
                o->sack[b].left = rd32(v + b * TCP_SACK_BLOCK_LEN);
                o->sack[b].right = rd32(v + b * TCP_SACK_BLOCK_LEN + 4);
            }
            break;
        }
        case TCP_OPT_TS:
            if (olen != TCP_OPTLEN_TS)
                return WIRE_BAD_OPTLEN;
            o->has_ts = 1;
            o->ts_val = rd32(v);
            o->ts_ecr = rd32(v + 4);
            break;
        case TCP_OPT_FASTOPEN:
            take_fastopen(o, v, olen - TCP_OPTLEN_FO_BASE, 0);
            break;
        case TCP_OPT_EXP:
            /* RFC 6994: an experimental option is Fast Open only with its identifier. */
            if (olen >= TCP_OPTLEN_FO_EXP_BASE && rd16(v) == TCP_EXP_FASTOPEN_MAGIC)
                take_fastopen(o, v + 2, olen - TCP_OPTLEN_FO_EXP_BASE, 1);
            break;
        default:
            break; /* RFC 9293 3.2: unknown options are skipped by length. */
        }
        i += olen;
    }
    return WIRE_OK;
}

wire_result tcp_parse(const uint8_t *seg, size_t len, uint32_t src, uint32_t dst, tcp_seg *out)
{
    return tcp_parse_ex(seg, len, src, dst, 0, out);
}

/* How parse() treats the checksum. */
typedef enum csum_mode {
    CSUM_VERIFY,  /* the whole segment, here */
    CSUM_VOUCHED, /* not at all: the device checked it */
    CSUM_DEFER,   /* pseudo-header and header here; the caller adds the payload */
} csum_mode;

static wire_result parse(const uint8_t *seg, size_t len, uint64_t pseudo, csum_mode mode,
                         tcp_seg *out, uint64_t *hdr_sum);

wire_result tcp_parse_ex(const uint8_t *seg, size_t len, uint32_t src, uint32_t dst,
                         int csum_vouched, tcp_seg *out)
{
    return parse(seg, len, csum_pseudo_ipv4(0, src, dst, IP_PROTO_TCP, (uint16_t)len),
                 csum_vouched ? CSUM_VOUCHED : CSUM_VERIFY, out, NULL);
}

wire_result tcp_parse_deferred(const uint8_t *seg, size_t len, uint32_t src, uint32_t dst,
                               tcp_seg *out, uint64_t *hdr_sum)
{
    return parse(seg, len, csum_pseudo_ipv4(0, src, dst, IP_PROTO_TCP, (uint16_t)len), CSUM_DEFER,
                 out, hdr_sum);
}

wire_result tcp_parse6(const uint8_t *seg, size_t len, const uint8_t src[16], const uint8_t dst[16],
                       int csum_vouched, tcp_seg *out, uint64_t *hdr_sum)
{
    return parse(seg, len, csum_pseudo_ipv6(0, src, dst, IP_PROTO_TCP, (uint32_t)len),
                 csum_vouched ? CSUM_VOUCHED : CSUM_DEFER, out, hdr_sum);
}

void tcp_csum_add_addrs6(uint8_t *seg, const uint8_t src[16], const uint8_t dst[16])
{
    /* RFC 1624 eqn. 3, HC' = ~(~HC + m'): the IPv4 pseudo-header with zero addresses and
     * the IPv6 one differ by the address words alone (same protocol, same length, which
     * fits 16 bits). */
    uint64_t acc = csum_add16(0, (uint16_t)~rd16(seg + TCP_OFF_CSUM));
    acc = csum_add(acc, src, 16);
    acc = csum_add(acc, dst, 16);
    wr16(seg + TCP_OFF_CSUM, csum_finish(acc));
}

int tcp_csum_complete(uint64_t hdr_sum, uint64_t payload_sum)
{
    /* The header is a multiple of 4 bytes, so the payload starts on an even offset. */
    return csum_finish(csum_add_partial(hdr_sum, payload_sum, 0)) == 0;
}

static wire_result parse(const uint8_t *seg, size_t len, uint64_t pseudo, csum_mode mode,
                         tcp_seg *out, uint64_t *hdr_sum)
{
    if (len < TCP_HDR_LEN)
        return WIRE_TRUNCATED;
    size_t hdr_len = (size_t)(seg[TCP_OFF_DOFF] >> 4) * 4;
    if (hdr_len < TCP_HDR_LEN || hdr_len > len)
        return WIRE_BAD_DOFF;
    /* RFC 9293 3.1: the checksum covers pseudo-header, header and data; the
     * pseudo-header's 16-bit TCP length cannot describe a longer segment. */
    if (len > 0xffffu)
        return WIRE_BAD_TCP_CSUM;
    uint64_t acc = pseudo;
    if (mode == CSUM_VERIFY && csum_finish(csum_add(acc, seg, len)) != 0)
        return WIRE_BAD_TCP_CSUM;
    if (mode == CSUM_DEFER)
        *hdr_sum = csum_add(acc, seg, hdr_len);
    tcp_opts opts;
    wire_result r = parse_options(seg + TCP_HDR_LEN, hdr_len - TCP_HDR_LEN, &opts);
    /* Bad options in a corrupt segment are a checksum error first, whatever the mode:
     * no caller will complete the sum of a segment it cannot parse. */
    if (r != WIRE_OK && mode == CSUM_DEFER && csum_finish(csum_add(acc, seg, len)) != 0)
        return WIRE_BAD_TCP_CSUM;
    if (r != WIRE_OK)
        return r;

    out->sport = rd16(seg + TCP_OFF_SPORT);
    out->dport = rd16(seg + TCP_OFF_DPORT);
    out->seq = rd32(seg + TCP_OFF_SEQ);
    out->ack = rd32(seg + TCP_OFF_ACK);
    out->flags = seg[TCP_OFF_FLAGS];
    out->win = rd16(seg + TCP_OFF_WIN);
    out->urg = rd16(seg + TCP_OFF_URG);
    out->hdr_len = (uint8_t)hdr_len;
    out->opts = opts;
    out->payload = seg + hdr_len;
    out->payload_len = len - hdr_len;
    return WIRE_OK;
}

/* Appends SACK blocks from o at opt[n], after `lead` NOPs, keeping as many of
 * the first blocks as fit in TCP_MAX_OPT_LEN (RFC 2018 4: the first block is
 * the most recent, so it is the one to keep). Returns the new length. */
static size_t put_sack(uint8_t *opt, size_t n, const tcp_opts *o, size_t lead)
{
    size_t want = o->nsack > TCP_MAX_SACK ? TCP_MAX_SACK : o->nsack;
    size_t room = TCP_MAX_OPT_LEN - n;
    if (want == 0 || room < lead + TCP_OPTLEN_SACK_BASE + TCP_SACK_BLOCK_LEN)
        return n;
    size_t fit = (room - lead - TCP_OPTLEN_SACK_BASE) / TCP_SACK_BLOCK_LEN;
    size_t nblk = want < fit ? want : fit;
    for (size_t k = 0; k < lead; k++)
        opt[n++] = TCP_OPT_NOP;
    opt[n++] = TCP_OPT_SACK;
    opt[n++] = (uint8_t)(TCP_OPTLEN_SACK_BASE + nblk * TCP_SACK_BLOCK_LEN);
    for (size_t b = 0; b < nblk; b++) {
        wr32(opt + n, o->sack[b].left);
        wr32(opt + n + 4, o->sack[b].right);
        n += TCP_SACK_BLOCK_LEN;
    }
    return n;
}

/* Appends the Fast Open option of o at opt[n]; with `align`, NOP-pads it to a 32-bit
 * boundary as Linux does. Returns the new length. */
static size_t put_fastopen(uint8_t *opt, size_t n, const tcp_opts *o, int align)
{
    if (!o->has_fo)
        return n;
    size_t clen = o->fo_len > TCP_FASTOPEN_COOKIE_MAX ? TCP_FASTOPEN_COOKIE_MAX : o->fo_len;
    size_t olen = (o->fo_exp ? TCP_OPTLEN_FO_EXP_BASE : TCP_OPTLEN_FO_BASE) + clen;
    if (n + olen > TCP_MAX_OPT_LEN)
        return n; /* Unreachable with the SYN options; never overrun the header. */
    opt[n++] = o->fo_exp ? TCP_OPT_EXP : TCP_OPT_FASTOPEN;
    opt[n++] = (uint8_t)olen;
    if (o->fo_exp) {
        wr16(opt + n, TCP_EXP_FASTOPEN_MAGIC);
        n += 2;
    }
    memcpy(opt + n, o->fo_cookie, clen);
    n += clen;
    while (align && n % 4 != 0 && n < TCP_MAX_OPT_LEN)
        opt[n++] = TCP_OPT_NOP;
    return n;
}

/* Linux's arrangement (every option starts its own 32-bit word): MSS;
 * sackOK+TS or NOP,NOP,TS; NOP,NOP,sackOK when there is no TS; NOP,WS;
 * NOP,NOP,SACK. A SYN with all four is "mss,sackOK,TS,nop,wscale". */
static size_t build_linux(uint8_t *opt, const tcp_opts *o)
{
    size_t n = 0;
    if (o->has_mss) {
        opt[n++] = TCP_OPT_MSS;
        opt[n++] = TCP_OPTLEN_MSS;
        wr16(opt + n, o->mss);
        n += 2;
    }
    if (o->has_ts) {
        if (o->sack_ok) {
            opt[n++] = TCP_OPT_SACK_PERM;
            opt[n++] = TCP_OPTLEN_SACK_PERM;
        } else {
            opt[n++] = TCP_OPT_NOP;
            opt[n++] = TCP_OPT_NOP;
        }
        opt[n++] = TCP_OPT_TS;
        opt[n++] = TCP_OPTLEN_TS;
        wr32(opt + n, o->ts_val);
        wr32(opt + n + 4, o->ts_ecr);
        n += 8;
    } else if (o->sack_ok) {
        opt[n++] = TCP_OPT_NOP;
        opt[n++] = TCP_OPT_NOP;
        opt[n++] = TCP_OPT_SACK_PERM;
        opt[n++] = TCP_OPTLEN_SACK_PERM;
    }
    if (o->has_wscale) {
        opt[n++] = TCP_OPT_NOP;
        opt[n++] = TCP_OPT_WSCALE;
        opt[n++] = TCP_OPTLEN_WSCALE;
        opt[n++] = o->wscale;
    }
    n = put_fastopen(opt, n, o, 1);
    return put_sack(opt, n, o, 2);
}

/* Options back to back without alignment NOPs, then EOL padding. */
static size_t build_compact(uint8_t *opt, const tcp_opts *o)
{
    size_t n = 0;
    if (o->has_mss) {
        opt[n++] = TCP_OPT_MSS;
        opt[n++] = TCP_OPTLEN_MSS;
        wr16(opt + n, o->mss);
        n += 2;
    }
    if (o->has_wscale) {
        opt[n++] = TCP_OPT_WSCALE;
        opt[n++] = TCP_OPTLEN_WSCALE;
        opt[n++] = o->wscale;
    }
    if (o->sack_ok) {
        opt[n++] = TCP_OPT_SACK_PERM;
        opt[n++] = TCP_OPTLEN_SACK_PERM;
    }
    if (o->has_ts) {
        opt[n++] = TCP_OPT_TS;
        opt[n++] = TCP_OPTLEN_TS;
        wr32(opt + n, o->ts_val);
        wr32(opt + n + 4, o->ts_ecr);
        n += 8;
    }
    n = put_fastopen(opt, n, o, 0);
    return put_sack(opt, n, o, 0);
}

/* Builds the options for o into opt (TCP_MAX_OPT_LEN bytes) and pads them to
 * a 32-bit boundary, since data offset counts words (RFC 9293 3.1). */
static size_t build_options(uint8_t opt[TCP_MAX_OPT_LEN], const tcp_opts *o, tcp_opt_layout layout)
{
    size_t n = layout == TCP_OPTS_COMPACT ? build_compact(opt, o) : build_linux(opt, o);
    /* MSS, WS, sackOK and TS together take at most 4 + 4 + 4 + 12 = 24 bytes in either
     * layout (20 in Linux's), a Fast Open option at most 20 more, and put_fastopen and
     * put_sack only fill what is left of 40; padding therefore stays within it. */
    while (n % 4 != 0)
        opt[n++] = TCP_OPT_EOL;
    return n;
}

size_t tcp_opts_len(const tcp_opts *o, tcp_opt_layout layout)
{
    uint8_t opt[TCP_MAX_OPT_LEN];
    return build_options(opt, o, layout);
}

size_t tcp_opts_emit(uint8_t *buf, size_t cap, const tcp_opts *o, tcp_opt_layout layout)
{
    uint8_t opt[TCP_MAX_OPT_LEN];
    size_t n = build_options(opt, o, layout);
    if (n > cap)
        return 0;
    memcpy(buf, opt, n);
    return n;
}

/* Writes the header and options and the checksum; payload_sum is the payload's partial
 * sum, or UINT64_MAX to sum the payload here (after moving it into place). */
static size_t emit_segment(uint8_t *buf, size_t cap, const tcp_seg *s, tcp_opt_layout layout,
                           uint32_t src, uint32_t dst, uint64_t payload_sum)
{
    uint8_t opt[TCP_MAX_OPT_LEN];
    size_t olen = build_options(opt, &s->opts, layout);
    size_t hdr_len = TCP_HDR_LEN + olen;
    if (cap < hdr_len || s->payload_len > cap - hdr_len || s->payload_len > 0xffffu - hdr_len)
        return 0;
    size_t len = hdr_len + s->payload_len;

    /* Payload first: it may already live in buf, even where the header goes. */
    if (s->payload_len > 0 && s->payload != buf + hdr_len)
        memmove(buf + hdr_len, s->payload, s->payload_len);
    wr16(buf + TCP_OFF_SPORT, s->sport);
    wr16(buf + TCP_OFF_DPORT, s->dport);
    wr32(buf + TCP_OFF_SEQ, s->seq);
    wr32(buf + TCP_OFF_ACK, s->ack);
    buf[TCP_OFF_DOFF] = (uint8_t)((hdr_len / 4) << 4); /* Reserved bits zero. */
    buf[TCP_OFF_FLAGS] = s->flags;
    wr16(buf + TCP_OFF_WIN, s->win);
    wr16(buf + TCP_OFF_CSUM, 0);
    wr16(buf + TCP_OFF_URG, s->urg);
    memcpy(buf + TCP_HDR_LEN, opt, olen);

    uint64_t acc = csum_pseudo_ipv4(0, src, dst, IP_PROTO_TCP, (uint16_t)len);
    if (payload_sum == UINT64_MAX) {
        acc = csum_add(acc, buf, len);
    } else {
        /* hdr_len is a multiple of 4, so the payload starts on a word boundary. */
        acc = csum_add(acc, buf, hdr_len);
        acc = csum_add_partial(acc, payload_sum, 0);
    }
    wr16(buf + TCP_OFF_CSUM, csum_finish(acc));
    return len;
}

size_t tcp_emit(uint8_t *buf, size_t cap, const tcp_seg *s, tcp_opt_layout layout, uint32_t src,
                uint32_t dst)
{
    return emit_segment(buf, cap, s, layout, src, dst, UINT64_MAX);
}

size_t tcp_emit_summed(uint8_t *buf, size_t cap, const tcp_seg *s, tcp_opt_layout layout,
                       uint32_t src, uint32_t dst, uint64_t payload_sum)
{
    if (s->payload_len > 0 && s->payload != buf + TCP_HDR_LEN + tcp_opts_len(&s->opts, layout))
        return 0; /* the sum describes bytes that are not where the caller said */
    return emit_segment(buf, cap, s, layout, src, dst, payload_sum);
}

uint16_t tcp_csum_pseudo_partial(uint32_t src, uint32_t dst, size_t len)
{
    /* csum_finish complements the folded sum; the device wants it uncomplemented. */
    return (uint16_t)~csum_finish(csum_pseudo_ipv4(0, src, dst, IP_PROTO_TCP, (uint16_t)len));
}

uint16_t tcp_csum_pseudo_partial6(const uint8_t src[16], const uint8_t dst[16], size_t len)
{
    return (uint16_t)~csum_finish(csum_pseudo_ipv6(0, src, dst, IP_PROTO_TCP, (uint32_t)len));
}

void tcp_set_csum(uint8_t *seg, uint16_t csum)
{
    wr16(seg + TCP_OFF_CSUM, csum);
}
