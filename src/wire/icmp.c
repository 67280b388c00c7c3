/* SPDX-License-Identifier: MIT */
/* synack — ICMP message parse and emit (RFC 792; RFC 1122 3.2.2). */
#include "wire/icmp.h"

#include <string.h>

#include "wire/bytes.h"
#include "wire/checksum.h"

wire_result icmp_parse(const uint8_t *p, size_t len, icmp_msg *out)
{
    if (len < ICMP_HDR_LEN)
        return WIRE_TRUNCATED;
    /* RFC 792: the checksum covers the whole ICMP message, type onwards. */
    if (csum_finish(csum_add(0, p, len)) != 0)
        return WIRE_BAD_ICMP_CSUM;
    icmp_hdr_read(p, len, out);
    return WIRE_OK;
}

void icmp_hdr_read(const uint8_t *p, size_t len, icmp_msg *out)
{
    out->type = p[0];
    out->code = p[1];
    out->rest = rd32(p + 4);
    out->payload = p + ICMP_HDR_LEN;
    out->payload_len = len - ICMP_HDR_LEN;
}

size_t icmp_hdr_write(uint8_t *buf, size_t cap, const icmp_msg *m)
{
    if (cap < ICMP_HDR_LEN || m->payload_len > cap - ICMP_HDR_LEN)
        return 0;
    size_t len = ICMP_HDR_LEN + m->payload_len;
    /* memmove: an echo reply is often built over the request's own bytes. */
    if (m->payload_len > 0 && m->payload != buf + ICMP_HDR_LEN)
        memmove(buf + ICMP_HDR_LEN, m->payload, m->payload_len);
    buf[0] = m->type;
    buf[1] = m->code;
    wr16(buf + 2, 0);
    wr32(buf + 4, m->rest);
    return len;
}

size_t icmp_emit(uint8_t *buf, size_t cap, const icmp_msg *m)
{
    size_t len = icmp_hdr_write(buf, cap, m);
    if (len)
        wr16(buf + 2, csum_finish(csum_add(0, buf, len)));
    return len;
}
