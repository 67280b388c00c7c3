/* SPDX-License-Identifier: MIT */
/* synack — capture files in the classic libpcap format.
 *
 * Frames are written with the host-supplied microsecond time, so a simulated
 * run gives a byte-identical capture for the same seed; tcpdump, tshark and
 * Wireshark open the result. Format: the "libpcap File Format" (draft-ietf-
 * opsawg-pcap), magic 0xa1b2c3d4, version 2.4, written little-endian. */
#ifndef SYNACK_PCAP_H
#define SYNACK_PCAP_H

#include <stddef.h>
#include <stdint.h>

#include "synack/api.h"

#ifdef __cplusplus
extern "C" {
#endif

SYNACK_API_BEGIN

/* LINKTYPE_ETHERNET: frames start with an Ethernet II header. */
#define SYNACK_PCAP_ETHERNET 1
/* LINKTYPE_IPV4: frames are bare IPv4 packets (TUN devices, raw links). */
#define SYNACK_PCAP_RAW_IPV4 228
/* LINKTYPE_IPV6: frames are bare IPv6 packets. */
#define SYNACK_PCAP_RAW_IPV6 229
/* LINKTYPE_RAW: bare IPv4 or IPv6 packets, told apart by their version (a dual-stack TUN). */
#define SYNACK_PCAP_RAW_IP 101

/* Largest number of bytes kept per frame; longer frames are truncated in the
 * file and keep their original length in the record header. */
#define SYNACK_PCAP_SNAPLEN 262144

/* An open capture file. */
typedef struct synack_pcap synack_pcap;

/* Creates (or truncates) path and writes the file header for linktype.
 * Returns NULL on error with errno set. */
synack_pcap *synack_pcap_open(const char *path, int linktype);

/* Appends one frame of len bytes captured at t_us microseconds. Returns 0, or
 * -EINVAL (NULL frame with len > 0, len above 2^32 - 1), -ERANGE (t_us past
 * the 32-bit seconds field), or the negative errno of a failed write. */
int synack_pcap_write(synack_pcap *p, uint64_t t_us, const void *frame, size_t len);

/* Flushes and closes the file and frees p (NULL is accepted). Returns 0 or
 * the negative errno of the first failure, including an earlier failed
 * write, so a truncated capture is never reported as complete. */
int synack_pcap_close(synack_pcap *p);

SYNACK_API_END

#ifdef __cplusplus
}
#endif
#endif
