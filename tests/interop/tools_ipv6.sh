#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The synack tool over IPv6 against the kernel (issue 14, "The tools"), 2001:db8::/32 only:
# `synack serve --addr6` on a TAP (Neighbor Discovery) answers curl -6 and, on the same
# dual-stack listener, curl -4 and curl -6 to a second --addr6; `synack stat` lists its IPv6 listener and connection in
# RFC 5952 form; `synack connect --to [IPV6]:PORT` sends to the kernel's socat over a TUN
# (IPv6-only: no --addr) and over the TAP, checked by SHA-256; an IPv6-only serve on the
# TUN answers curl -6; `synack ping -6` gets 3 replies from the kernel over the TAP and the
# TUN, and "Address unreachable" (exit 1) from an address that never answers ND. Short on
# purpose: the bulk IPv6 transfers are ipv6_tap.sh, ipv6_tun.sh and the transfer tests. Skips (77) without root or namespaces.
source "$(dirname "$0")/lib/common.bash"
source "$(dirname "$0")/lib/v6.bash"
require curl socat sha256sum python3

K6T=2001:db8:1::1 # the kernel's end of the TUN
S6T=2001:db8:1::2 # synack's end of the TUN
TUN=tun6
N=262144

setup_ns
nsx sh -c "echo 0 >/proc/sys/net/ipv6/conf/$TAP/disable_ipv6"
nsx ip -6 addr add "$K6/64" dev "$TAP" nodad
nsx ip tuntap add dev "$TUN" mode tun
nsx ip link set "$TUN" up
nsx ip -6 addr add "$K6T/64" dev "$TUN" nodad
want=$(pattern_sha "$N")

# 1. serve on the TAP: IPv6 and IPv4 on one listener
S6B=2001:db8::7 # a second address of synack's (--addr6 again)
synack_serve serve --app http --addr6 "$S6/64" --addr6 "$S6B/64"
grep -q "synack serve: http on $SYNACK_IP:80 and \[$S6\]:80 (TAP $TAP)" "$WORK/serve.err" ||
    fail "serve's banner: $(cat "$WORK/serve.err")"
got=$(nsx timeout 10 curl -6 -sS --fail -g "http://[$S6]/bytes/$N" | sha256sum | cut -d' ' -f1)
[ "$got" = "$want" ] || fail "curl -6 /bytes/$N: sha256 $got, expected $want"
log "curl -6 http://[$S6]/bytes/$N: SHA-256 equal"
page=$(nsx timeout 10 curl -4 -sS --fail "http://$SYNACK_IP/") || fail "curl -4 / failed"
grep -q "Hello from synack" <<<"$page" || fail "curl -4: unexpected page: $page"
log "curl -4 on the same (dual-stack) listener"
page=$(nsx timeout 10 curl -6 -sS --fail -g "http://[$S6B]/") || fail "curl -6 [$S6B] failed"
grep -q "Hello from synack" <<<"$page" || fail "curl -6 [$S6B]: unexpected page: $page"
log "curl -6 to the second --addr6 [$S6B]"

# 2. stat: an idle IPv6 connection and the listener, as `ss` writes them
bg idle timeout 10 socat -u "TCP6:[$S6]:80" /dev/null
IDLE_PID=$BG_PID
conns=""
for _ in $(seq 1 50); do
    conns=$(nsx "$SYNACK_BIN" stat --tap "$TAP" --conns) || fail "synack stat failed"
    grep -q "^ESTABLISHED .*\[$S6\]:80 *\[$K6\]:[0-9]" <<<"$conns" && break
    sleep 0.1
done
grep -q "^ESTABLISHED .*\[$S6\]:80 *\[$K6\]:[0-9]" <<<"$conns" ||
    fail "synack stat shows no IPv6 connection: $conns"
grep -q "^LISTEN .*\[::\]:80 *\[::\]:\*" <<<"$conns" || fail "no [::]:80 listener: $conns"
log "synack stat: [$S6]:80 <-> [$K6] ESTABLISHED, listener [::]:80"
stop "$IDLE_PID" || true
stop "$SERVE_PID" || fail "synack serve exited with an error: $(cat "$WORK/serve.err")"

# 3. connect over the TUN, then over the TAP: synack sends N bytes to the kernel
send_to() { # send_to NAME DEVICE-OPTION DEVICE ADDR4 ADDR6 KERNEL6
    local name=$1 devopt=$2 dev=$3 a4=$4 a6=$5 k6=$6
    rm -f "$WORK/received"
    bg "$name-listen" timeout 20 socat -u "TCP6-LISTEN:9090,bind=[$k6],reuseaddr" \
        "CREATE:$WORK/received"
    local kl=$BG_PID
    for _ in $(seq 1 100); do
        nsx ss -Hltn "sport = :9090" 2>/dev/null | grep -q 9090 && break
        sleep 0.05
    done
    local v4=()
    [ -n "$a4" ] && v4=(--addr "$a4")
    nsx timeout 20 "$SYNACK_BIN" connect "$devopt" "$dev" "${v4[@]}" --addr6 "$a6/64" \
        --quiet --no-ctl --to "[$k6]:9090" --bytes "$N" --recv /dev/null \
        >"$WORK/$name.out" 2>"$WORK/$name.err" ||
        fail "synack connect over $dev: $(cat "$WORK/$name.out" "$WORK/$name.err")"
    wait_exit "$kl" 20 || fail "kernel socat listener failed: $(cat "$WORK/$name-listen.err")"
    [ "$(sha_of "$WORK/received")" = "$want" ] ||
        fail "connect over $dev: SHA-256 differs ($(stat -c %s "$WORK/received") bytes)"
    grep -q "\[$k6\]:9090" "$WORK/$name.out" "$WORK/$name.err" ||
        fail "connect over $dev does not name [$k6]:9090: $(cat "$WORK/$name.err")"
    log "synack connect $devopt $dev --to [$k6]:9090: $N bytes, SHA-256 equal"
}
send_to tun --tun "$TUN" "" "$S6T" "$K6T" # IPv6-only: --addr6 without --addr
send_to tap --tap "$TAP" "$SYNACK_IP/24" "$S6" "$K6"

# 4. an IPv6-only serve (--addr6 without --addr) over the TUN
bg serve6 "$SYNACK_BIN" serve --tun "$TUN" --addr6 "$S6T/64" --quiet --app http
SERVE6_PID=$BG_PID
wait_for "$WORK/serve6.err" "synack serve: http on \[$S6T\]:80 (TUN $TUN)"
page=$(nsx timeout 10 curl -6 -sS --fail -g "http://[$S6T]/") || fail "curl -6 of an IPv6-only serve"
grep -q "Hello from synack" <<<"$page" || fail "IPv6-only serve: unexpected page: $page"
stop "$SERVE6_PID" || fail "IPv6-only serve exited with an error: $(cat "$WORK/serve6.err")"
log "an IPv6-only serve on [$S6T]:80 answers curl -6"

# 5. `synack ping -6` pings the kernel over the TAP (Neighbor Discovery) and the TUN, then
# an address on the TAP's link that never answers ND: "Address unreachable", exit 1
ping6_kernel() { # ping6_kernel DEVICE-OPTION DEVICE ADDR6 KERNEL6
    local out
    out=$(nsx timeout 20 "$SYNACK_BIN" ping -6 "$1" "$2" --addr6 "$3/64" --no-ctl -c 3 -i 0.2 \
        "$4") || fail "synack ping -6 $4 over $2: exit $?: $out"
    [ "$(grep -c "^64 bytes from $4: icmp_seq=[123] ttl=64 time=[0-9.]* ms$" <<<"$out")" = 3 ] ||
        fail "synack ping -6 $4 over $2: not 3 replies: $out"
    grep -q "^3 packets transmitted, 3 received, 0% packet loss" <<<"$out" ||
        fail "synack ping -6 $4 over $2: summary: $out"
    log "synack ping -6 $1 $2 $4: 3 replies"
}
ping6_kernel --tap "$TAP" "$S6" "$K6"
ping6_kernel --tun "$TUN" "$S6T" "$K6T"
rc=0
out=$(nsx timeout 20 "$SYNACK_BIN" ping --tap "$TAP" --addr6 "$S6/64" --no-ctl -c 2 -i 0.2 -W 5 \
    2001:db8::77) || rc=$?
[ "$rc" = 1 ] || fail "synack ping 2001:db8::77: exit $rc, expected 1: $out"
grep -q "^From $S6 icmp_seq=1 Destination unreachable: Address unreachable$" <<<"$out" ||
    fail "synack ping 2001:db8::77: no unreachable line: $out"
log "synack ping 2001:db8::77: Address unreachable, exit 1"
log "PASS"
