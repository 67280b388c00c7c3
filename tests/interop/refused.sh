#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Closed ports both ways. The kernel connects to a port synack does not listen on and gets
# "Connection refused" (synack answers the SYN with RST+ACK, RFC 9293 3.10.7.1); synack
# connects to a closed kernel port and reports ECONNREFUSED (RFC 9293 3.10.7.3: a RST that
# acknowledges our SYN). Captures are clean.
source "$(dirname "$0")/lib/common.bash"
require curl socat tshark
setup_ns

start_capture tap
synack_serve serve --app http --port 80

out=$(nsx timeout 10 curl -sS -v http://$SYNACK_IP:81/ 2>&1) && fail "curl to a closed port succeeded: $out"
grep -q "Connection refused" <<<"$out" || fail "curl to a closed synack port: $out"
log "kernel -> closed synack port: $(echo "$out" | grep -m1 "Connection refused")"
out=$(nsx timeout 10 socat -u /dev/null TCP:$SYNACK_IP:4242 2>&1) && fail "socat to a closed port succeeded"
grep -q "Connection refused" <<<"$out" || fail "socat to a closed synack port: $out"
stop "$SERVE_PID" || fail "synack serve exited with an error"
grep -q "^OutRsts *2$" "$WORK/serve.out" || fail "synack should have sent 2 RSTs: $(grep Rst "$WORK/serve.out")"

rc=0
nsx timeout 20 "$SYNACK_BIN" connect --tap "$TAP" --addr "$SYNACK_IP/24" --quiet \
    --to "$KERNEL_IP:9" --send /dev/null --recv /dev/null >"$WORK/connect.err" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "synack connect to a closed port exited $rc, not 1: $(cat "$WORK/connect.err")"
grep -q "ECONNREFUSED" "$WORK/connect.err" || fail "no ECONNREFUSED: $(cat "$WORK/connect.err")"
grep -q "^AttemptFails *1$" "$WORK/connect.err" || fail "AttemptFails is not 1"
log "synack -> closed kernel port: $(grep ECONNREFUSED "$WORK/connect.err")"
stop_capture
check_capture "$WORK/tap.pcap"
log "PASS"
