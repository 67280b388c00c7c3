/* SPDX-License-Identifier: MIT */
#include "support/arp_frames.h"

#include <string.h>

#include "wire/bytes.h"

void arp_frame(uint8_t f[ARP_FRAME_LEN], uint16_t op, const uint8_t eth_dst[6],
               const uint8_t sha[6], uint32_t spa, const uint8_t *tha, uint32_t tpa)
{
    /* EtherType ARP; hardware Ethernet, protocol IPv4, lengths 6 and 4 */
    static const uint8_t fixed[8] = {0x08, 0x06, 0, 1, 0x08, 0, 6, 4};
    memset(f, 0, ARP_FRAME_LEN);
    memcpy(f, eth_dst, 6);
    memcpy(f + 6, sha, 6);
    memcpy(f + 12, fixed, 8);
    wr16(f + 20, op);
    memcpy(f + 22, sha, 6);
    wr32(f + 28, spa);
    if (tha)
        memcpy(f + 32, tha, 6);
    wr32(f + 38, tpa);
}
