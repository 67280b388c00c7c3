#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A SYN flood from the kernel side (hping3 --flood -S, bounded by count and by time) at
# `synack serve --app http`, while curl keeps fetching pages: every fetch succeeds, because
# the listener answers the flood with SYN cookies (RFC 4987 3.6) once its SYN queue is
# full, and the counters show it. The flood's source is a spoofed address inside the test
# network that nobody answers for, so synack's SYN-ACKs go nowhere (ARP never resolves).
source "$(dirname "$0")/lib/common.bash"
require hping3 curl
setup_ns

SPOOF=192.0.2.77
synack_serve serve --app http --backlog 128

# Bounded twice: -c 200000 (which hping3 ignores in flood mode), so also timeout 20 s and
# a stop as soon as the fetches are done.
bg flood timeout 20 hping3 --flood -S -p 80 -a "$SPOOF" -c 200000 "$SYNACK_IP"
FLOOD_PID=$BG_PID
sleep 1 # let the flood fill the SYN queue first

ok=0
for i in $(seq 1 30); do
    page=$(nsx timeout 10 curl -sS --fail --max-time 8 http://$SYNACK_IP/) ||
        fail "fetch $i failed during the flood"
    grep -q "Hello from synack" <<<"$page" ||
        fail "fetch $i: unexpected page (${#page} bytes: $(printf '%s' "$page" | head -c 200 | od -c | head -5))"
    ok=$((ok + 1))
    kill -0 "$FLOOD_PID" 2>/dev/null || break
    sleep 0.1
done
flood_running=0
kill -0 "$FLOOD_PID" 2>/dev/null && flood_running=1
stop "$FLOOD_PID" 2 || true
log "$ok fetches succeeded during the flood (flood still running at the end: $flood_running)"

stop "$SERVE_PID" || fail "synack serve exited with an error"
sent=$(awk '$1 == "SyncookiesSent" {print $2}' "$WORK/serve.out")
recv=$(awk '$1 == "SyncookiesRecv" {print $2}' "$WORK/serve.out")
drops=$(awk '$1 == "ListenDrops" {print $2}' "$WORK/serve.out")
log "counters: SyncookiesSent ${sent:-0}, SyncookiesRecv ${recv:-0}, ListenDrops ${drops:-0}"
[ "${sent:-0}" -gt 1000 ] || fail "synack sent only ${sent:-0} SYN cookies under the flood"
[ "${recv:-0}" -ge 1 ] || fail "no connection was completed by a cookie"
[ "$ok" -ge 5 ] || fail "only $ok fetches ran during the flood"
log "PASS"
