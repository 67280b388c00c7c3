#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# transfer.sh with offloads: synack opens the TAP with IFF_VNET_HDR and
# TUNSETOFFLOAD(TUN_F_CSUM|TUN_F_TSO4) (`--offload`), so the kernel hands it TCP
# super-packets of up to 64 KiB with partial checksums and takes TSO super-frames from it.
# 100 MiB each way, SHA-256 checked; the captures (checksums completed as the device would)
# are clean and hold super-packets both ways, so the offloads really were on.
source "$(dirname "$0")/lib/common.bash"
source "$(dirname "$0")/lib/transfers.bash"
require socat tshark sha256sum
setup_ns
run_transfers "--offload" "" 100

# big FILE DIRECTION_FILTER: frames longer than an MTU-sized Ethernet frame in the capture.
big() {
    tshark -n -r "$1" -Y "frame.len > 1514 && $2" 2>/dev/null | wc -l
}
k2s=$(big "$WORK/discard.pcap" "ip.src == $KERNEL_IP")
s2k=$(big "$WORK/connect.pcap" "ip.src == $SYNACK_IP")
log "super-packets: kernel -> synack $k2s, synack -> kernel $s2k"
[ "$k2s" -gt 0 ] || fail "the kernel sent no super-packet to synack (offloads off?)"
[ "$s2k" -gt 0 ] || fail "synack sent no TSO super-frame to the kernel"
log "PASS"
