#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# IPv6 on Ethernet against the kernel (issue 14): synack on a TAP device in a private
# namespace, 2001:db8::2 beside the kernel's 2001:db8::1. Neighbor Discovery both ways
# (the kernel resolves synack to ping it and to connect; synack resolves the kernel to
# connect), `ping -6` of synack's global (sizes up to the MTU) and link-local addresses,
# synack pinging the kernel from an ICMPv6 (and an ICMP) echo socket,
# 1 MiB each way by socat, checked by SHA-256, and a closed port both ways (curl -6 and
# socat see "Connection refused"; synack sees ECONNREFUSED). What synack sends as it
# starts, seen by tshark (when installed): the MLDv2 report joining its solicited-node
# group and its DAD probe, both from ::; and DAD against the kernel: synack given the
# kernel's own address hears the kernel's NA and refuses to use it (EADDRNOTAVAIL). Skips
# (77) without root or namespaces.
source "$(dirname "$0")/lib/common.bash"
source "$(dirname "$0")/lib/v6.bash"
require socat curl sha256sum ping "${SYNACK_CC:-cc}"

SLL=fe80::ff:fe00:2
SMAC=02:00:00:00:00:02
TAP=tap6

NS="synack-ipv6_tap-$$"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/synack-ipv6_tap.XXXXXX")
trap cleanup EXIT
trap 'exit 130' INT TERM

v6_build_peer
export V6PEER_TAP=1

ip netns add "$NS"
nsx ip link set lo up
nsx ip tuntap add dev "$TAP" mode tap
nsx ip link set "$TAP" up
nsx ip -6 addr add "$K6/64" dev "$TAP" nodad
log "namespace $NS ready (work dir $WORK)"

head -c $((1 << 20)) /dev/urandom >"$WORK/data"
want=$(sha256sum <"$WORK/data" | cut -d' ' -f1)

# 1. kernel -> synack: ping (global and link-local), then a transfer
bg sink "$WORK/v6peer" "$TAP" "$S6" sink 8080 "$WORK/received"
SINK_PID=$BG_PID
wait_for "$WORK/sink.out" listening
# Sizes up to a full 1500-byte MTU (1452 = 1500 - 40 - 8); one more byte does not fit.
for size in 56 1 1000 1452; do
    out=$(nsx ping -6 -n -c 3 -i 0.2 -W 2 -s "$size" "$S6" 2>&1) || fail "ping -6 -s $size $S6: $out"
    grep -q " 0% packet loss" <<<"$out" || fail "ping -6 -s $size lost replies: $out"
done
nsx ping -6 -n -c 1 -W 1 -M "do" -s 1453 "$S6" >/dev/null 2>&1 &&
    fail "ping -6 -M do -s 1453 should not fit a 1500-byte MTU"
nsx ping -6 -c 2 -i 0.2 -W 2 "$SLL%$TAP" >"$WORK/ping_ll.out" 2>&1 ||
    fail "ping -6 $SLL: $(cat "$WORK/ping_ll.out")"
log "kernel pings synack (global and link-local)"
neigh=$(nsx ip -6 neigh show "$S6" dev "$TAP")
grep -qi "lladdr $SMAC" <<<"$neigh" || fail "kernel did not resolve synack: $neigh"
log "kernel resolved synack: $neigh"
nsx timeout 25 socat -u "OPEN:$WORK/data" "TCP6:[$S6]:8080" ||
    fail "socat to synack: $(cat "$WORK/sink.out" "$WORK/sink.err")"
wait "$SINK_PID" || fail "v6peer sink failed: $(cat "$WORK/sink.out" "$WORK/sink.err")"
got=$(sha256sum <"$WORK/received" | cut -d' ' -f1)
[ "$got" = "$want" ] || fail "kernel -> synack: SHA-256 differs"
if ! grep -q "^Icmp6InEchos 14$" "$WORK/sink.out" || ! grep -q "^Icmp6OutEchoReplies 14$" "$WORK/sink.out"; then
    fail "synack did not count 14 echo requests and replies: $(grep Echo "$WORK/sink.out")"
fi
log "kernel -> synack: 1 MiB over IPv6 on Ethernet, SHA-256 equal"

# 2. synack -> kernel: synack resolves the kernel first
nsx ip -6 neigh flush dev "$TAP"
rm -f "$WORK/received"
CAP_PID=
if command -v tshark >/dev/null 2>&1; then
    bg cap timeout 40 tshark -n -i "$TAP" -f ip6 -w "$WORK/start.pcapng"
    CAP_PID=$BG_PID
    wait_for "$WORK/cap.err" "Capturing on"
fi
bg klisten timeout 25 socat -u "TCP6-LISTEN:9090,bind=[$K6],reuseaddr" "CREATE:$WORK/received"
KL_PID=$BG_PID
for _ in $(seq 1 100); do
    nsx ss -Hltn "sport = :9090" 2>/dev/null | grep -q 9090 && break
    sleep 0.05
done
# (three DAD probes: the kernel drops what synack writes before it sees the TAP's carrier,
# so the first probe may never reach the capture)
V6PEER_DAD_TRANSMITS=3 nsx "$WORK/v6peer" "$TAP" "$S6" send "$K6" 9090 "$WORK/data" >"$WORK/send.out" 2>"$WORK/send.err" ||
    fail "synack -> kernel: $(cat "$WORK/send.out" "$WORK/send.err")"
wait "$KL_PID" || fail "kernel socat listener failed: $(cat "$WORK/klisten.err")"
got=$(sha256sum <"$WORK/received" | cut -d' ' -f1)
[ "$got" = "$want" ] || fail "synack -> kernel: SHA-256 differs"
# A fresh stack: it solicited the kernel's address and took its advertisement first.
ns=$(awk '$1 == "Icmp6OutNeighborSolicits" {print $2}' "$WORK/send.out")
na=$(awk '$1 == "Icmp6InNeighborAdvertisements" {print $2}' "$WORK/send.out")
if [ "${ns:-0}" -lt 1 ] || [ "${na:-0}" -lt 1 ]; then
    fail "synack did not resolve the kernel: NS ${ns:-0}, NA ${na:-0}"
fi
log "synack -> kernel: 1 MiB over IPv6 on Ethernet, SHA-256 equal (resolved by NS $ns / NA $na)"

# 2b. synack pings the kernel from an ICMPv6 echo socket, resolving it first
nsx ip -6 neigh flush dev "$TAP"
nsx "$WORK/v6peer" "$TAP" "$S6" ping "$K6" 5 >"$WORK/ping.out" 2>"$WORK/ping.err" ||
    fail "synack pings the kernel: $(cat "$WORK/ping.out" "$WORK/ping.err")"
grep -q "^ping 5 of 5 answered$" "$WORK/ping.out" || fail "synack ping -6: $(cat "$WORK/ping.out")"
if ! grep -q "^Icmp6OutEchos 5$" "$WORK/ping.out" || ! grep -q "^Icmp6InEchoReplies 5$" "$WORK/ping.out"; then
    fail "synack did not count 5 echo requests and replies: $(grep Echo "$WORK/ping.out")"
fi
log "synack -> kernel: 5 of 5 pings answered (ICMPv6 echo socket)"
# and over IPv4 from an ICMP echo socket, the kernel resolving by ARP
nsx ip addr add 192.0.2.1/24 dev "$TAP"
V6PEER_ADDR4=192.0.2.2 nsx "$WORK/v6peer" "$TAP" "$S6" ping 192.0.2.1 3 >"$WORK/ping4.out" 2>"$WORK/ping4.err" ||
    fail "synack pings the kernel over IPv4: $(cat "$WORK/ping4.out" "$WORK/ping4.err")"
if ! grep -q "^OutEchos 3$" "$WORK/ping4.out" || ! grep -q "^InEchoReps 3$" "$WORK/ping4.out"; then
    fail "synack did not count 3 ICMP echo requests and replies: $(cat "$WORK/ping4.out")"
fi
log "synack -> kernel: 3 of 3 pings answered over IPv4 (ICMP echo socket)"

# 3. closed ports both ways: synack answers a SYN to a closed port with RST+ACK (RFC 9293
#    3.10.7.1), and a RST that acknowledges synack's SYN is ECONNREFUSED (3.10.7.3).
bg refuser "$WORK/v6peer" "$TAP" "$S6" sink 8080 "$WORK/unused"
REFUSER=$BG_PID
wait_for "$WORK/refuser.out" listening
out=$(nsx timeout 10 curl -6 -sS -v "http://[$S6]:81/" 2>&1) && fail "curl -6 to a closed port succeeded: $out"
grep -q "Connection refused" <<<"$out" || fail "curl -6 to a closed synack port: $out"
out=$(nsx timeout 10 socat -u /dev/null "TCP6:[$S6]:4242" 2>&1) && fail "socat to a closed port succeeded"
grep -q "Connection refused" <<<"$out" || fail "socat to a closed synack port: $out"
stop "$REFUSER" 5 || true # it waits for a connection that never comes
grep -q "^OutRsts 2$" "$WORK/refuser.out" || fail "synack should have sent 2 RSTs: $(grep Rst "$WORK/refuser.out")"
log "kernel -> closed synack port: refused (curl -6, socat), 2 RSTs sent"
rc=0
nsx "$WORK/v6peer" "$TAP" "$S6" send "$K6" 9 /dev/null >"$WORK/refused.out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "synack -> closed kernel port exited $rc: $(cat "$WORK/refused.out")"
grep -q "ECONNREFUSED" "$WORK/refused.out" || fail "no ECONNREFUSED: $(cat "$WORK/refused.out")"
grep -q "^AttemptFails 1$" "$WORK/refused.out" || fail "AttemptFails is not 1: $(cat "$WORK/refused.out")"
log "synack -> closed kernel port: ECONNREFUSED"

# 4. synack's start-up in the capture: an MLDv2 report (hop limit 1, from ::, DAD not done)
# joining ff02::1:ff00:2, and the DAD probe for 2001:db8::2 (an NS from ::)
if [ -n "$CAP_PID" ]; then
    stop "$CAP_PID" 5 || true
    mld=$(tshark -n -r "$WORK/start.pcapng" -Y 'icmpv6.type == 143 && ipv6.src == :: && ipv6.hlim == 1' \
        -T fields -e icmpv6.mldr.mar.multicast_address 2>/dev/null)
    grep -q "ff02::1:ff00:2" <<<"$mld" || fail "no MLDv2 report joining ff02::1:ff00:2: '$mld'"
    dad=$(tshark -n -r "$WORK/start.pcapng" -Y "icmpv6.type == 135 && ipv6.src == :: && icmpv6.nd.ns.target_address == $S6" \
        -T fields -e frame.number 2>/dev/null)
    [ -n "$dad" ] || fail "no DAD probe for $S6 in the capture"
    log "tshark saw synack's MLDv2 report and DAD probe, both from ::"
else
    log "(no tshark: the start-up capture is not checked)"
fi

# 5. DAD against the kernel: synack given the kernel's address finds it taken (three probes:
# the kernel does not send on the TAP until it sees the carrier come up, a moment after
# v6peer opens the device)
V6PEER_DAD_TRANSMITS=3 nsx "$WORK/v6peer" "$TAP" "$K6" send 2001:db8::9 9 "$WORK/data" >"$WORK/dup.out" 2>"$WORK/dup.err" &&
    fail "synack used the kernel's address: $(cat "$WORK/dup.out")"
grep -q "connect: EADDRNOTAVAIL" "$WORK/dup.out" ||
    fail "DAD against the kernel: $(cat "$WORK/dup.out" "$WORK/dup.err")"
log "synack's DAD found $K6 taken by the kernel: EADDRNOTAVAIL"
log "PASS"
