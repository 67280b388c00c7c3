#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# TCP over IPv6 against the kernel, on a TUN device in a private namespace, 2001:db8::/64
# only (RFC 3849): the kernel (2001:db8::1) sends 4 MiB to synack (2001:db8::2) with socat,
# synack sends 4 MiB to the kernel, both checked by SHA-256; a closed port both ways (RST,
# "Connection refused" / ECONNREFUSED). synack's side is tests/interop/lib/v6peer.c, built
# here from the library (the synack tool speaks IPv4 only so far).
source "$(dirname "$0")/lib/common.bash"
source "$(dirname "$0")/lib/v6.bash"
require socat sha256sum "${SYNACK_CC:-cc}"

TUN=tun6

NS="synack-ipv6_tun-$$"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/synack-ipv6_tun.XXXXXX")
trap cleanup EXIT
trap 'exit 130' INT TERM

v6_build_peer

ip netns add "$NS"
nsx ip link set lo up
nsx ip tuntap add dev "$TUN" mode tun
nsx ip link set "$TUN" txqueuelen 10000
nsx ip link set "$TUN" up
# No DAD (nothing else is on this link) and a static route: the address is usable at once.
nsx ip -6 addr add "$K6/64" dev "$TUN" nodad
log "namespace $NS ready (work dir $WORK)"

head -c $((4 << 20)) /dev/urandom >"$WORK/data"
want=$(sha256sum <"$WORK/data" | cut -d' ' -f1)

# 1. kernel -> synack
bg sink "$WORK/v6peer" "$TUN" "$S6" sink 8080 "$WORK/received"
SINK_PID=$BG_PID
wait_for "$WORK/sink.out" listening
nsx timeout 25 socat -u "OPEN:$WORK/data" "TCP6:[$S6]:8080" ||
    fail "socat to synack over IPv6: $(cat "$WORK/sink.out" "$WORK/sink.err")"
wait "$SINK_PID" || fail "v6peer sink exited with an error: $(cat "$WORK/sink.out" "$WORK/sink.err")"
got=$(sha256sum <"$WORK/received" | cut -d' ' -f1)
[ "$got" = "$want" ] || fail "kernel -> synack: SHA-256 differs ($(stat -c %s "$WORK/received") bytes)"
grep -q "^received 4194304 from \[$K6\]:" "$WORK/sink.out" || fail "$(cat "$WORK/sink.out")"
log "kernel -> synack: 4 MiB over IPv6, SHA-256 equal"

# 2. synack -> kernel
rm -f "$WORK/received"
bg klisten timeout 25 socat -u "TCP6-LISTEN:9090,bind=[$K6],reuseaddr" "CREATE:$WORK/received"
KL_PID=$BG_PID
for _ in $(seq 1 100); do
    nsx ss -Hltn "sport = :9090" 2>/dev/null | grep -q 9090 && break
    sleep 0.05
done
nsx "$WORK/v6peer" "$TUN" "$S6" send "$K6" 9090 "$WORK/data" >"$WORK/send.out" 2>"$WORK/send.err" ||
    fail "synack -> kernel: $(cat "$WORK/send.out" "$WORK/send.err")"
wait "$KL_PID" || fail "kernel socat listener failed: $(cat "$WORK/klisten.err")"
got=$(sha256sum <"$WORK/received" | cut -d' ' -f1)
[ "$got" = "$want" ] || fail "synack -> kernel: SHA-256 differs ($(stat -c %s "$WORK/received") bytes)"
log "synack -> kernel: 4 MiB over IPv6, SHA-256 equal"

# 3. closed ports both ways
bg sink2 "$WORK/v6peer" "$TUN" "$S6" sink 8080 "$WORK/unused"
wait_for "$WORK/sink2.out" listening
out=$(nsx timeout 10 socat -u /dev/null "TCP6:[$S6]:4242" 2>&1) && fail "socat to a closed synack port succeeded"
grep -q "Connection refused" <<<"$out" || fail "kernel -> closed synack port: $out"
log "kernel -> closed synack port: refused"
stop "$BG_PID" 5 || true # it waits for a connection that never comes; the TUN is free again
rc=0
nsx "$WORK/v6peer" "$TUN" "$S6" send "$K6" 9 /dev/null >"$WORK/refused.out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "synack -> closed kernel port exited $rc: $(cat "$WORK/refused.out")"
grep -q ECONNREFUSED "$WORK/refused.out" || fail "no ECONNREFUSED: $(cat "$WORK/refused.out")"
log "synack -> closed kernel port: ECONNREFUSED"
log "PASS"
