/* SPDX-License-Identifier: MIT */
/* synack — names of wire parse results, used as trace drop reasons. */
#include "wire/result.h"

/* Indexed by wire_result; keep in enum order. */
static const char *const wire_result_names[WIRE_RESULT_COUNT] = {
    [WIRE_OK] = "ok",
    [WIRE_TRUNCATED] = "truncated",
    [WIRE_BAD_VERSION] = "bad-ip-version",
    [WIRE_BAD_IHL] = "bad-ihl",
    [WIRE_BAD_TOTAL_LEN] = "bad-total-length",
    [WIRE_BAD_IP_CSUM] = "bad-ip-checksum",
    [WIRE_FRAGMENT] = "fragment",
    [WIRE_BAD_TCP_CSUM] = "bad-tcp-checksum",
    [WIRE_BAD_DOFF] = "bad-data-offset",
    [WIRE_BAD_OPTLEN] = "bad-option-length",
    [WIRE_BAD_ICMP_CSUM] = "bad-icmp-checksum",
    [WIRE_BAD_ARP] = "bad-arp",
    [WIRE_UNKNOWN_ETHERTYPE] = "unknown-ethertype",
    [WIRE_BAD_EXTHDR] = "bad-extension-header",
    [WIRE_EXTHDR_LIMIT] = "extension-header-limit",
    [WIRE_UNKNOWN_OPTION] = "unknown-ipv6-option",
    [WIRE_INCOMPLETE_CHAIN] = "incomplete-header-chain",
    [WIRE_BAD_FRAGMENT] = "bad-fragment",
    [WIRE_BAD_ND] = "bad-neighbor-discovery",
};

const char *wire_result_name(wire_result r)
{
    if ((unsigned)r >= (unsigned)WIRE_RESULT_COUNT)
        return "unknown";
    return wire_result_names[r];
}
