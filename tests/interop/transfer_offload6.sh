#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# transfer_offload.sh over IPv6 (2001:db8::1 kernel, 2001:db8::2 synack on the TAP, with
# Neighbor Discovery): synack opens the TAP with IFF_VNET_HDR and
# TUNSETOFFLOAD(TUN_F_CSUM|TUN_F_TSO4|TUN_F_TSO6) (`--offload`), so the kernel hands it
# TCP/IPv6 super-packets (virtio GSO_TCPV6) with partial checksums and cuts its
# GSO_TCPV6 super-frames. One bulk transfer each way, SHA-256 checked; the captures
# (checksums completed as the device would) are clean and hold IPv6 super-packets both
# ways, so the offloads really were on. Skips (77) without root or namespaces.
source "$(dirname "$0")/lib/common.bash"
source "$(dirname "$0")/lib/v6.bash"
require socat tshark sha256sum

# 32 MiB (8 MiB in a sanitizer build): the 100 MiB runs are transfer_offload's over IPv4.
SIZE=${SYNACK_INTEROP_BYTES:-33554432}
if [ -z "${SYNACK_INTEROP_BYTES:-}" ] && grep -q -a __asan_init "$SYNACK_BIN" 2>/dev/null; then
    SIZE=8388608
fi

setup_ns
nsx sh -c "echo 0 >/proc/sys/net/ipv6/conf/$TAP/disable_ipv6"
nsx ip -6 addr add "$K6/64" dev "$TAP" nodad
head -c "$SIZE" /dev/urandom >"$WORK/data"
want=$(sha_of "$WORK/data")

# big FILE SOURCE: IPv6 frames from SOURCE longer than an MTU-sized Ethernet frame.
big() {
    tshark -n -r "$1" -Y "frame.len > 1514 && ipv6.src == $2" 2>/dev/null | wc -l
}

# 1. kernel -> synack: the kernel's super-packets arrive whole.
synack_serve discard --app discard --count 1 --sha256 --offload --addr6 "$S6/64" \
    --pcap "$WORK/discard.pcap"
nsx timeout 60 socat -u -T 30 "OPEN:$WORK/data" "TCP6:[$S6]:9" || fail "socat to discard failed"
wait_exit "$SERVE_PID" 30 || fail "synack serve (discard) failed: $(cat "$WORK/discard.err")"
grep -q "rx $SIZE bytes sha256 $want" "$WORK/discard.out" ||
    fail "discard received something else: $(grep '^conn' "$WORK/discard.out")"
check_capture "$WORK/discard.pcap" "$FLOW_CONTROL" 100
k2s=$(big "$WORK/discard.pcap" "$K6")
log "kernel -> synack over IPv6: $SIZE bytes, SHA-256 equal, $k2s super-packets"
[ "$k2s" -gt 0 ] || fail "the kernel sent no IPv6 super-packet to synack (TUN_F_TSO6 off?)"

# 2. synack -> kernel: synack's GSO_TCPV6 super-frames, cut by the kernel.
bg sink socat -u -T 30 "TCP6-LISTEN:5001,bind=[$K6],reuseaddr" "CREATE:$WORK/received"
sink=$BG_PID
for _ in $(seq 1 100); do
    nsx ss -Hltn "sport = :5001" 2>/dev/null | grep -q 5001 && break
    sleep 0.05
done
nsx timeout 60 "$SYNACK_BIN" connect --tap "$TAP" --addr "$SYNACK_IP/24" --addr6 "$S6/64" \
    --offload --quiet --no-ctl --to "[$K6]:5001" --send "$WORK/data" --recv /dev/null \
    --pcap "$WORK/connect.pcap" >"$WORK/connect.out" 2>"$WORK/connect.err" ||
    fail "synack connect failed: $(tail -5 "$WORK/connect.err")"
wait_exit "$sink" 30 || fail "the kernel's socat listener failed: $(cat "$WORK/sink.err")"
[ "$(sha_of "$WORK/received")" = "$want" ] ||
    fail "the kernel received $(stat -c %s "$WORK/received") bytes with another digest"
check_capture "$WORK/connect.pcap" "$FLOW_CONTROL" 100
s2k=$(big "$WORK/connect.pcap" "$S6")
log "synack -> kernel over IPv6: $SIZE bytes, SHA-256 equal, $s2k super-frames"
[ "$s2k" -gt 0 ] || fail "synack sent no GSO_TCPV6 super-frame to the kernel"
log "PASS"
