#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The kernel pings synack on a TAP device: ARP resolves (RFC 826), ICMP echo requests of
# several sizes up to the full MTU are answered (RFC 792), and the capture is clean.
source "$(dirname "$0")/lib/common.bash"
require ping tshark
setup_ns

start_capture tap
synack_serve serve --app http --pcap "$WORK/synack.pcap"

for size in 56 1 1000 1472; do
    out=$(nsx timeout 10 ping -n -c 5 -i 0.2 -W 1 -s "$size" "$SYNACK_IP") ||
        fail "ping -s $size: $out"
    grep -q " 0% packet loss" <<<"$out" || fail "ping -s $size lost replies: $out"
    log "ping -s $size: $(echo "$out" | tail -1)"
done
# A datagram larger than our MTU cannot be sent with DF; one that fits exactly can.
nsx timeout 5 ping -n -c 1 -W 1 -M do -s 1473 "$SYNACK_IP" >/dev/null 2>&1 &&
    fail "ping -M do -s 1473 should not fit a 1500-byte MTU"
nsx ip neigh show "$SYNACK_IP" dev "$TAP" | grep -q "lladdr 02:" ||
    fail "the kernel has no ARP entry with synack's locally administered MAC"

stop "$SERVE_PID" || fail "synack serve exited with an error"
grep -q "^InEchos *20$" "$WORK/serve.out" || fail "synack did not count 20 echo requests: $(grep Echo "$WORK/serve.out")"
grep -q "^OutEchoReps *20$" "$WORK/serve.out" || fail "synack did not count 20 echo replies"
stop_capture
check_capture "$WORK/tap.pcap"
check_capture "$WORK/synack.pcap"
log "PASS"
