#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# IPv6 Path MTU Discovery through real kernel routers (RFC 8201; issue 14, "Path MTU").
# synack (tests/interop/lib/v6peer.c) on a TUN in namespace A, whose kernel forwards,
# sends to a kernel listener in B through a router namespace R whose link to B has a
# 1280-byte MTU. IPv6 routers never fragment: R answers each too-big packet with Packet
# Too Big (MTU 1280), and the transfer only completes if that lowers the MSS of the running
# connection and what was in flight is sent again at the new size. Checked by SHA-256 of
# what B received, by synack's MSS and counters, and by a capture on the TUN (no packet
# from synack above 1280 after the first Packet Too Big). Addresses in 2001:db8::/32 only.
#
#   synack 2001:db8::2 --tun6-- 2001:db8::1 [A] 2001:db8:1::1 --veth-- 2001:db8:1::2 [R]
#     2001:db8:2::1 (mtu 1280) --veth-- 2001:db8:2::2 [B: socat listener]
source "$(dirname "$0")/lib/common.bash"
source "$(dirname "$0")/lib/v6.bash"
require socat tshark sha256sum "${SYNACK_CC:-cc}"

TUN=tun6
LINK_MTU=1280
B6=2001:db8:2::2
NS="synack-pmtu_v6-$$"
NS_R="${NS}-r"
NS_B="${NS}-b"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/synack-pmtu_v6.XXXXXX")
# common.bash's cleanup (processes by PID, namespace A, scratch files) after the two extra
# namespaces go, with the test's exit status.
cleanup_all() {
    local rc=$?
    set +e
    ip netns del "$NS_R" 2>/dev/null
    ip netns del "$NS_B" 2>/dev/null
    (exit "$rc")
    cleanup
}
trap cleanup_all EXIT
trap 'exit 130' INT TERM

v6_build_peer

ip netns add "$NS"
ip netns add "$NS_R"
ip netns add "$NS_B"
nsr() { ip netns exec "$NS_R" "$@"; }
nsb() { ip netns exec "$NS_B" "$@"; }
for n in "$NS" "$NS_R" "$NS_B"; do
    ip netns exec "$n" ip link set lo up
done
nsx ip tuntap add dev "$TUN" mode tun
nsx ip link set "$TUN" txqueuelen 10000
nsx ip link set "$TUN" up
ip link add ar0 netns "$NS" type veth peer name ra0 netns "$NS_R"
ip link add rb0 netns "$NS_R" type veth peer name br0 netns "$NS_B"
# nodad: nothing else is on these links, and the addresses are usable at once.
nsx ip -6 addr add "$K6/64" dev "$TUN" nodad
nsx ip -6 addr add 2001:db8:1::1/64 dev ar0 nodad
nsx ip link set ar0 up
nsr ip -6 addr add 2001:db8:1::2/64 dev ra0 nodad
nsr ip -6 addr add 2001:db8:2::1/64 dev rb0 nodad
nsr ip link set ra0 up
nsr ip link set rb0 mtu "$LINK_MTU" up
nsb ip -6 addr add "$B6/64" dev br0 nodad
# B's own link keeps 1500, so its SYN-ACK announces MSS 1440 and only R knows the limit.
nsb ip link set br0 up
nsx sysctl -qw net.ipv6.conf.all.forwarding=1
nsr sysctl -qw net.ipv6.conf.all.forwarding=1
nsx ip -6 route add 2001:db8:2::/64 via 2001:db8:1::2
nsr ip -6 route add 2001:db8::/64 via 2001:db8:1::1
nsb ip -6 route add default via 2001:db8:2::1
# Every Packet Too Big R sends must reach synack: no rate limit in the routers.
nsx sysctl -qw net.ipv6.icmp.ratelimit=0
nsr sysctl -qw net.ipv6.icmp.ratelimit=0
log "routers ready: link R-B mtu $LINK_MTU (work dir $WORK)"

SIZE=${SYNACK_INTEROP_BYTES:-8388608}
head -c "$SIZE" /dev/urandom >"$WORK/data"
want=$(sha_of "$WORK/data")

ip netns exec "$NS_B" timeout 60 socat -u -T 30 "TCP6-LISTEN:5001,reuseaddr" "CREATE:$WORK/received" \
    >"$WORK/sink.out" 2>"$WORK/sink.err" &
sink=$!
BG_PIDS+=("$sink")
for _ in $(seq 1 50); do
    nsb ss -Htln "sport = :5001" | grep -q . && break
    sleep 0.1
done
# What synack sends, as the kernel receives it from the TUN (bounded by time and count).
bg capture timeout 60 tshark -n -i "$TUN" -a duration:55 -c 200000 -w "$WORK/tun.pcap"
CAP_PID=$BG_PID
for _ in $(seq 1 50); do
    [ -s "$WORK/tun.pcap" ] && break
    sleep 0.1
done

nsx timeout 45 "$WORK/v6peer" "$TUN" "$S6" send "$B6" 5001 "$WORK/data" \
    >"$WORK/send.out" 2>"$WORK/send.err" ||
    fail "synack -> B: $(cat "$WORK/send.out" "$WORK/send.err")"
wait_exit "$sink" 30 || fail "the kernel's socat listener in B failed"
[ "$(sha_of "$WORK/received")" = "$want" ] ||
    fail "B received $(stat -c %s "$WORK/received") bytes with another digest"
log "B received $SIZE bytes, SHA-256 matches"
sleep 0.5 # the capture's last frames to disk
stop "$CAP_PID" 5 || true

# The connection's MSS came down from B's 1440 to the path's: 1280 - 60 - 12 (timestamps).
cat "$WORK/send.out" >&2
grep -qx "mss $((LINK_MTU - 72))" "$WORK/send.out" || fail "the MSS did not come down to $((LINK_MTU - 72))"
ptb=$(sed -n 's/^Icmp6InPktTooBigs //p' "$WORK/send.out")
[ "${ptb:-0}" -ge 1 ] || fail "no Packet Too Big reached synack"
grep -qx "PmtuCacheUpdates 1" "$WORK/send.out" || fail "the path MTU was not recorded once"
# One tshark pass (each costs seconds on a loaded machine; the bulk port decoded as plain
# data, as tshark_bad does) gives, per frame: number, ICMPv6 type and MTU, source, TCP
# payload and frame length. The capture is the kernel's view of the TUN, so segments synack
# had sent before it read the first Packet Too Big follow it (each meeting its own); after
# the first segment at the new size, nothing above the path MTU.
tshark -n -r "$WORK/tun.pcap" -d tcp.port==5001,data -o tcp.desegment_tcp_streams:FALSE \
    -T fields -e frame.number -e icmpv6.type -e icmpv6.mtu -e ipv6.src -e tcp.len -e frame.len \
    2>/dev/null >"$WORK/tun.fields" || fail "tshark cannot read $WORK/tun.pcap"
read -r ptbs first resized big_after total_after < <(awk -F'\t' -v mtu="$LINK_MTU" -v me="$S6" '
    $2 == 2 && $3 == mtu { ptbs++ }
    $2 == 2 && first == "" { first = $1 }
    first != "" && $1 > first && $2 == "" && $4 == me && $5 > 0 && $6 <= mtu && resized == "" { resized = $1; next }
    resized != "" && $2 == "" && $4 == me { if ($6 > mtu) big++; if ($5 > 0) total++ }
    END { print ptbs + 0, (first == "" ? "-" : first), (resized == "" ? "-" : resized), big + 0, total + 0 }' \
    "$WORK/tun.fields")
[ "$ptbs" -ge 1 ] || fail "no Packet Too Big with MTU $LINK_MTU in the capture"
[ "$resized" != - ] || fail "no data segment at the path MTU after the Packet Too Big"
log "Packet Too Big messages: $ptbs; after the first resized segment: $total_after data segments, $big_after above $LINK_MTU"
[ "$total_after" -gt 100 ] || fail "too few segments after the Packet Too Big ($total_after)"
[ "$big_after" -eq 0 ] || fail "$big_after packets above the path MTU after the resize"
log "PASS"
