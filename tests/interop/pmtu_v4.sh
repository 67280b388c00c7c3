#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# IPv4 Path MTU Discovery through real kernel routers (RFC 1191; issue 14, "Path MTU").
# synack sends with DF set over a TAP in namespace A (whose kernel forwards), through a
# router namespace R whose link to namespace B has a 1280-byte MTU, to a kernel listener in
# B. R answers each too-big segment with ICMP fragmentation needed (next-hop MTU 1280); the
# transfer only completes if that lowers the MSS of the running connection and the bytes in
# flight are sent again at the new size. Checked by SHA-256 of what B received, by synack's
# counters and by its capture (no segment larger than 1280 after the first ICMP).
#
#   synack 192.0.2.2 --tap0-- 192.0.2.1 [A] 198.18.0.1 --veth-- 198.18.0.2 [R]
#     198.18.1.1 (mtu 1280) --veth-- 198.18.1.2 [B: socat listener]
source "$(dirname "$0")/lib/common.bash"
require socat tshark sha256sum
setup_ns

LINK_MTU=1280
B_IP=198.18.1.2
NS_R="${NS}-r"
NS_B="${NS}-b"
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

ip netns add "$NS_R"
ip netns add "$NS_B"
nsr() { ip netns exec "$NS_R" "$@"; }
nsb() { ip netns exec "$NS_B" "$@"; }
for n in "$NS" "$NS_R" "$NS_B"; do
    ip netns exec "$n" ip link set lo up
    ip netns exec "$n" sh -c 'echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6' 2>/dev/null || true
done
ip link add ar0 netns "$NS" type veth peer name ra0 netns "$NS_R"
ip link add rb0 netns "$NS_R" type veth peer name br0 netns "$NS_B"
nsx ip addr add 198.18.0.1/24 dev ar0
nsx ip link set ar0 up
nsr ip addr add 198.18.0.2/24 dev ra0
nsr ip addr add 198.18.1.1/24 dev rb0
nsr ip link set ra0 up
nsr ip link set rb0 mtu "$LINK_MTU" up
nsb ip addr add "$B_IP/24" dev br0
# B's own link keeps 1500, so its SYN-ACK announces MSS 1460 and only R knows the limit.
nsb ip link set br0 up
nsx ip route add 198.18.1.0/24 via 198.18.0.2
nsr ip route add 192.0.2.0/24 via 198.18.0.1
nsb ip route add default via 198.18.1.1
nsx sysctl -qw net.ipv4.ip_forward=1
nsr sysctl -qw net.ipv4.ip_forward=1
# Every ICMP error R sends must reach synack: no rate limit in the routers.
nsx sysctl -qw net.ipv4.icmp_ratelimit=0
nsr sysctl -qw net.ipv4.icmp_ratelimit=0
log "routers ready: link R-B mtu $LINK_MTU"

SIZE=${SYNACK_INTEROP_BYTES:-8388608}
head -c "$SIZE" /dev/urandom >"$WORK/data"
want=$(sha_of "$WORK/data")

ip netns exec "$NS_B" timeout 60 socat -u -T 30 TCP-LISTEN:5001,reuseaddr "CREATE:$WORK/received" \
    >"$WORK/sink.out" 2>"$WORK/sink.err" &
sink=$!
BG_PIDS+=("$sink")
for _ in $(seq 1 50); do
    nsb ss -Htln "sport = :5001" | grep -q . && break
    sleep 0.1
done

nsx timeout 60 "$SYNACK_BIN" connect --tap "$TAP" --addr "$SYNACK_IP/24" --gw "$KERNEL_IP" \
    --quiet --to "$B_IP:5001" --send "$WORK/data" --recv /dev/null \
    --pcap "$WORK/connect.pcap" >"$WORK/connect.err" 2>&1 ||
    fail "synack connect failed: $(tail -5 "$WORK/connect.err")"
wait_exit "$sink" 30 || fail "the kernel's socat listener in B failed"
[ "$(sha_of "$WORK/received")" = "$want" ] ||
    fail "B received $(stat -c %s "$WORK/received") bytes with another digest"
log "B received $SIZE bytes, SHA-256 matches"

# The connection's MSS came down from B's 1460 to the path's: 1280 - 40 - 12 (timestamps).
info=$(grep "^tcp_info" "$WORK/connect.err") || fail "no tcp_info from synack connect"
echo "$info" >&2
[[ "$info" == *" mss $((LINK_MTU - 52))/1460 "* ]] || fail "the MSS did not come down to $((LINK_MTU - 52))"
# One tshark pass (each costs seconds on a loaded machine; the bulk port decoded as plain
# data) gives, per frame: number, ICMP type, code and next-hop MTU, source, IP length, TCP
# payload and DF. synack's capture is in the order synack handled frames: after it read the
# first ICMP, it sent nothing above the path MTU; no data segment of it ever lacks DF.
tshark -n -r "$WORK/connect.pcap" -d tcp.port==5001,data -o tcp.desegment_tcp_streams:FALSE \
    -T fields -e frame.number -e icmp.type -e icmp.code -e icmp.mtu -e ip.src -e ip.len \
    -e tcp.len -e ip.flags.df 2>/dev/null >"$WORK/connect.fields" ||
    fail "tshark cannot read $WORK/connect.pcap"
read -r icmp first big_after total_after df < <(awk -F'\t' -v mtu="$LINK_MTU" -v me="$SYNACK_IP" '
    $2 == 3 && $3 == 4 && $4 == mtu { icmp++ }
    $2 == 3 && $3 == 4 && first == "" { first = $1 }
    $2 == "" && $5 == me && $7 > 0 && $8 == 0 { df++ }
    first != "" && $1 > first && $2 == "" && $5 == me { if ($6 > mtu) big++; if ($7 > 0) total++ }
    END { print icmp + 0, (first == "" ? "-" : first), big + 0, total + 0, df + 0 }' \
    "$WORK/connect.fields")
[ "$icmp" -ge 1 ] || fail "no fragmentation-needed with MTU $LINK_MTU reached synack"
log "fragmentation-needed messages: $icmp; after the first: $total_after data segments, $big_after above $LINK_MTU"
[ "$total_after" -gt 100 ] || fail "too few segments after the ICMP ($total_after)"
[ "$big_after" -eq 0 ] || fail "$big_after segments above the path MTU after the ICMP"
[ "$df" -eq 0 ] || fail "$df data segments without DF"
log "PASS"
