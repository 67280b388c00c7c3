#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The kernel pings synack on a TAP device: ARP resolves (RFC 826), ICMP echo requests of
# several sizes up to the full MTU are answered (RFC 792), and the capture is clean. Then
# `synack ping` pings the kernel (3 replies) and an unresolvable address (Destination Host
# Unreachable from ourselves, exit 1), to which `synack connect` fails with EHOSTUNREACH.
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

# The other way: `synack ping` (an echo socket) pings the kernel, then an address nobody
# holds, whose ARP resolution fails: ping's "Destination Host Unreachable" and exit 1.
out=$(nsx timeout 20 "$SYNACK_BIN" ping --tap "$TAP" --addr "$SYNACK_IP/24" --no-ctl \
    -c 3 -i 0.2 "$KERNEL_IP") || fail "synack ping $KERNEL_IP: exit $?: $out"
[ "$(grep -c "^64 bytes from $KERNEL_IP: icmp_seq=[123] ttl=64 time=[0-9.]* ms$" <<<"$out")" = 3 ] ||
    fail "synack ping $KERNEL_IP: not 3 replies: $out"
grep -q "^3 packets transmitted, 3 received, 0% packet loss" <<<"$out" ||
    fail "synack ping $KERNEL_IP: summary: $out"
grep -q "^rtt min/avg/max/mdev = " <<<"$out" || fail "synack ping: no rtt line: $out"
log "synack ping $KERNEL_IP: 3 replies"
rc=0
out=$(nsx timeout 20 "$SYNACK_BIN" ping --tap "$TAP" --addr "$SYNACK_IP/24" --no-ctl \
    -c 2 -i 0.2 -W 5 192.0.2.77) || rc=$?
[ "$rc" = 1 ] || fail "synack ping 192.0.2.77: exit $rc, expected 1: $out"
grep -q "^From $SYNACK_IP icmp_seq=1 Destination Host Unreachable$" <<<"$out" ||
    fail "synack ping 192.0.2.77: no unreachable line: $out"
grep -q "^2 packets transmitted, 0 received, +2 errors, 100% packet loss" <<<"$out" ||
    fail "synack ping 192.0.2.77: summary: $out"
log "synack ping 192.0.2.77: Destination Host Unreachable, exit 1"
# `synack connect` to that address fails as Linux's connect() does: when ARP gives up
# (three requests, 3 s), EHOSTUNREACH, not ETIMEDOUT after the SYN's schedule.
rc=0
t0=$(date +%s%N)
out=$(nsx timeout 20 "$SYNACK_BIN" connect --tap "$TAP" --addr "$SYNACK_IP/24" --no-ctl \
    --to 192.0.2.77:80 --send /dev/null --recv /dev/null 2>&1) || rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$rc" = 1 ] || fail "synack connect 192.0.2.77: exit $rc, expected 1: $out"
grep -q "No route to host" <<<"$out" || fail "synack connect 192.0.2.77: not EHOSTUNREACH: $out"
[ "$ms" -lt 8000 ] || fail "synack connect 192.0.2.77: failed after $ms ms, not about 3 s"
log "synack connect 192.0.2.77: No route to host after $ms ms"
stop_capture
check_capture "$WORK/tap.pcap"
check_capture "$WORK/synack.pcap"
log "PASS"
