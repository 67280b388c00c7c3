/* synack — the network interface a stack sends and receives through.
 *
 * A stack owns exactly one netif. Frames come in through synack_input() and leave
 * through `output`, which the stack calls synchronously from synack_input(),
 * synack_poll() and the socket calls. The frame is only valid during the call. */
#ifndef SYNACK_NETIF_H
#define SYNACK_NETIF_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum synack_link_type {
    /* Ethernet II frames; the stack answers and resolves ARP (RFC 826). A TAP device. */
    SYNACK_LINK_ETHERNET = 1,
    /* Bare IPv4 packets, no link header. A TUN device or an in-memory link. */
    SYNACK_LINK_IP = 2,
} synack_link_type;

/* Called for every frame the stack sends. Returns 0, or a negative errno that is
 * counted (OutDiscards) — the frame is then lost, as on a real wire. */
typedef int (*synack_output_fn)(void *ctx, const uint8_t *frame, size_t len);

typedef struct synack_netif {
    /* What the frames look like on this interface. Default SYNACK_LINK_IP. */
    synack_link_type type;
    /* Our Ethernet address (SYNACK_LINK_ETHERNET only). */
    uint8_t mac[6];
    /* Our IPv4 address, host byte order. */
    uint32_t addr;
    /* Prefix length of the attached subnet; other destinations go via `gateway`. */
    uint8_t prefix_len;
    /* Next hop for off-link destinations, host byte order; 0 means none (unreachable). */
    uint32_t gateway;
    /* Largest IP packet the link carries, bytes. Default 1500. */
    uint32_t mtu;
    /* Where frames go. Required. */
    synack_output_fn output;
    /* Passed back to `output`. */
    void *output_ctx;
} synack_netif;

#ifdef __cplusplus
}
#endif
#endif
