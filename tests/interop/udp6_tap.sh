#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# UDP over IPv6 against the kernel (issue 14): synack on a TAP device in a private
# namespace, 2001:db8::2 beside the kernel's 2001:db8::1. socat's UDP6 datagrams echoed by
# a synack AF_INET6 datagram socket; a 3000-byte datagram synack fragments at the source
# (RFC 8200 4.5) that the kernel reassembles and checks; a closed port both ways (ICMPv6
# port unreachable: ECONNREFUSED on the connected sockets, and an error-queue record on an
# unconnected synack socket with IPV6_RECVERR). Skips (77) without root or
# namespaces.
source "$(dirname "$0")/lib/common.bash"
source "$(dirname "$0")/lib/v6.bash"
require socat sha256sum "${SYNACK_CC:-cc}"

TAP=tap6u
SLL=fe80::ff:fe00:2

NS="synack-udp6_tap-$$"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/synack-udp6_tap.XXXXXX")
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

# 1. kernel -> synack -> kernel: two datagrams echoed, and one to the link-local address
# answered from it (a reply from the global address would not reach socat's socket)
bg echo "$WORK/v6peer" "$TAP" "$S6" udpecho 7 3
ECHO_PID=$BG_PID
wait_for "$WORK/echo.out" listening
for word in hello-over-ipv6 second; do
    got=$(nsx timeout 5 socat -t 2 - "UDP6:[$S6]:7" <<<"$word" 2>"$WORK/socat.err") ||
        fail "socat UDP6 to synack: $(cat "$WORK/socat.err" "$WORK/echo.out" "$WORK/echo.err")"
    [ "$got" = "$word" ] || fail "echo: sent '$word', got '$got'"
done
got=$(nsx timeout 5 socat -t 2 - "UDP6:[$SLL%$TAP]:7" <<<link-local 2>"$WORK/socat.err") ||
    fail "socat UDP6 to synack's link-local: $(cat "$WORK/socat.err" "$WORK/echo.out")"
[ "$got" = link-local ] || fail "link-local echo: got '$got'"
wait "$ECHO_PID" || fail "v6peer udpecho: $(cat "$WORK/echo.out" "$WORK/echo.err")"
grep -q "echoed 3" "$WORK/echo.out" || fail "v6peer udpecho: $(cat "$WORK/echo.out")"
log "kernel -> synack: UDP6 datagrams echoed (global and link-local)"

# 2. synack -> kernel: 3000 bytes in three fragments, reassembled by the kernel
bg krecv timeout 6 socat -u "UDP6-RECV:9090,bind=[$K6]" "CREATE:$WORK/received"
KR_PID=$BG_PID
for _ in $(seq 1 100); do
    nsx ss -Hlun "sport = :9090" 2>/dev/null | grep -q 9090 && break
    sleep 0.05
done
nsx "$WORK/v6peer" "$TAP" "$S6" udpsend "$K6" 9090 3000 >"$WORK/send.out" 2>"$WORK/send.err" ||
    fail "synack -> kernel: $(cat "$WORK/send.out" "$WORK/send.err")"
wait "$KR_PID" 2>/dev/null || true # socat ends at its timeout
want=$(head -c 3000 < <(yes abcdefghijklmnopqrstuvwxyz | tr -d '\n') | sha256sum | cut -d' ' -f1)
got=$(sha256sum <"$WORK/received" | cut -d' ' -f1)
[ "$(stat -c %s "$WORK/received")" = 3000 ] && [ "$got" = "$want" ] ||
    fail "synack -> kernel: $(stat -c %s "$WORK/received") bytes, SHA-256 $got (want $want)"
reasm=$(nsx nstat -az Ip6ReasmOKs 2>/dev/null | awk '/Ip6ReasmOKs/ {print $2}')
log "synack -> kernel: 3000 bytes in fragments, reassembled (Ip6ReasmOKs ${reasm:-?}), SHA-256 equal"

# 3. a closed port both ways
nsx "$WORK/v6peer" "$TAP" "$S6" udpsend "$K6" 9999 10 >"$WORK/refused.out" 2>"$WORK/refused.err" &&
    fail "synack -> closed kernel port: $(cat "$WORK/refused.out")"
grep -q ECONNREFUSED "$WORK/refused.out" ||
    fail "synack -> closed kernel port: $(cat "$WORK/refused.out" "$WORK/refused.err")"
log "synack -> kernel, closed port: ECONNREFUSED"
nsx "$WORK/v6peer" "$TAP" "$S6" udperrq "$K6" 9999 >"$WORK/errq.out" 2>"$WORK/errq.err" ||
    fail "synack IPV6_RECVERR, closed kernel port: $(cat "$WORK/errq.out" "$WORK/errq.err")"
want="errqueue ECONNREFUSED origin 3 type 1 code 4 offender $K6 quote abcdefgh"
grep -qxF "$want" "$WORK/errq.out" ||
    fail "synack IPV6_RECVERR: want '$want', got: $(cat "$WORK/errq.out")"
log "synack -> kernel, closed port, IPV6_RECVERR: the kernel's port unreachable queued"
bg quiet "$WORK/v6peer" "$TAP" "$S6" udpecho 7 1
Q_PID=$BG_PID
wait_for "$WORK/quiet.out" listening
nsx timeout 5 socat -t 1 - "UDP6:[$S6]:9" <<<"anyone" >"$WORK/kref.out" 2>"$WORK/kref.err" &&
    fail "kernel -> closed synack port: no error ($(cat "$WORK/kref.out"))"
grep -qi "refused" "$WORK/kref.err" ||
    fail "kernel -> closed synack port: $(cat "$WORK/kref.err")"
kill "$Q_PID" 2>/dev/null
wait "$Q_PID" 2>/dev/null || true
log "kernel -> synack, closed port: Connection refused"
log "PASS"
