#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The reports of `synack serve`, `synack connect` and `synack stat` (issue 11, item 14).
# With --json, everything serve prints on stdout is a JSON object per line (one per finished
# connection, the summary last), `stat --json` prints one object and `connect --json` one
# summary object. Reports go to stdout -- connect's to stderr while its stdout carries the
# received bytes -- and nothing else does: the tables never land on stderr. serve exits 0
# when every connection ended cleanly and 1 when one ended with an error (here the kernel
# resets it).
source "$(dirname "$0")/lib/common.bash"
require socat python3
setup_ns
PEER="$(dirname "$0")/lib/peer.py"

# jcheck FILE PYTHON: every line of FILE is a JSON object; PYTHON asserts on the list `o`.
jcheck() {
    python3 - "$1" "$2" <<'PY' || fail "$1: $(head -c 600 "$1")"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
o = [json.loads(l) for l in lines]
assert o and all(isinstance(x, dict) for x in o), "not one JSON object per line"
exec(sys.argv[2])
PY
}

# 1. serve --json: stat --json while it runs, one clean echo connection, exit 0.
synack_serve echo --app echo --count 1 --json
nsx "$SYNACK_BIN" stat --tap "$TAP" --json >"$WORK/stat.json" 2>"$WORK/stat.err" ||
    fail "stat --json: $(cat "$WORK/stat.err")"
jcheck "$WORK/stat.json" '
assert len(o) == 1, "stat --json printed %d objects" % len(o)
s = o[0]
assert s["report"] == "stat" and s["cmd"] == "serve" and s["device"] == "tap0", s
assert any(c["state"] == "LISTEN" and c["local"] == "192.0.2.2:7" for c in s["conns"]), s["conns"]
assert isinstance(s["counters"], dict) and s["device_rx"]["frames"] >= 0, s'
got=$(echo hello | nsx timeout 10 socat -t 2 - "TCP:$SYNACK_IP:7") || fail "socat to echo failed"
[ "$got" = hello ] || fail "echo returned '$got'"
rc=0
wait_exit "$SERVE_PID" 15 || rc=$?
[ "$rc" = 0 ] || fail "serve --count 1 after a clean connection exited $rc: $(cat "$WORK/echo.err")"
jcheck "$WORK/echo.out" '
assert len(o) == 2, "%d lines, expected a connection and the summary" % len(o)
c, s = o
assert c["rx_bytes"] == 6 and c["tx_bytes"] == 6 and c["error"] is None, c
assert c["conn"].startswith("192.0.2.1:"), c
assert s["summary"] == "serve" and s["app"] == "echo" and s["finished"] == 1, s
assert s["errors"] == 0 and s["device_error"] is False and s["rx_bytes"] == 6, s
assert s["counters"]["PassiveOpens"] == 1, s["counters"]'
grep -q "State" "$WORK/echo.err" && fail "serve wrote a table on stderr: $(cat "$WORK/echo.err")"
log "serve --json: $(tail -1 "$WORK/echo.out" | head -c 160)..."

# 2. serve (text): the kernel resets the connection; serve ends with an error, exit 1, and
#    its summary and tables are on stdout.
synack_serve discard --app discard --count 1
nsx timeout 10 python3 -c '
import socket, struct, sys, time
s = socket.create_connection((sys.argv[1], 9), timeout=5)
s.sendall(b"x" * 100)
time.sleep(0.5)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()' "$SYNACK_IP" || fail "the resetting client failed"
rc=0
wait_exit "$SERVE_PID" 15 || rc=$?
[ "$rc" = 1 ] || fail "serve after a reset connection exited $rc, not 1: $(cat "$WORK/discard.err")"
grep -q "ended with errors (1 connection)" "$WORK/discard.err" || fail "no error line: $(cat "$WORK/discard.err")"
grep -q "^serve: 1 connections finished (1 with errors)" "$WORK/discard.out" ||
    fail "summary: $(cat "$WORK/discard.out")"
grep -q "^State " "$WORK/discard.out" || fail "no connection table on stdout"
grep -q "^InSegs " "$WORK/discard.out" || fail "no counters on stdout"
grep -q -E "^State |^InSegs " "$WORK/discard.err" && fail "serve wrote a report on stderr"
log "serve after a reset: exit 1, $(grep '^conn' "$WORK/discard.out")"

# 3. connect --json --recv FILE: one summary object on stdout.
bg sink python3 "$PEER" server 5005 1 sink
wait_for "$WORK/sink.out" listening
echo "some bytes for the sink" >"$WORK/hello"
nsx timeout 20 "$SYNACK_BIN" connect --tap "$TAP" --addr "$SYNACK_IP/24" --quiet --json \
    --to "$KERNEL_IP:5005" --send "$WORK/hello" --recv /dev/null \
    >"$WORK/c1.out" 2>"$WORK/c1.err" || fail "connect --json: $(cat "$WORK/c1.err")"
jcheck "$WORK/c1.out" '
assert len(o) == 1, "%d objects" % len(o)
s = o[0]
assert s["summary"] == "connect" and s["to"] == "192.0.2.1:5005", s
assert s["ok"] == 1 and s["failed"] == 0 and s["tx_bytes"] == 24 and s["rx_bytes"] == 0, s
assert s["tcp_info"]["state"] != "CLOSED" and s["counters"]["ActiveOpens"] == 1, s'
[ -s "$WORK/c1.err" ] && fail "connect --recv FILE wrote on stderr: $(cat "$WORK/c1.err")"

# 4. connect --json with the received bytes on stdout: the summary goes to stderr.
bg greet python3 "$PEER" server 5006 1 greet
wait_for "$WORK/greet.out" listening
nsx timeout 20 "$SYNACK_BIN" connect --tap "$TAP" --addr "$SYNACK_IP/24" --quiet --json \
    --to "$KERNEL_IP:5006" --send /dev/null --wait-eof \
    >"$WORK/c2.out" 2>"$WORK/c2.err" || fail "connect --json --recv -: $(cat "$WORK/c2.err")"
[ "$(cat "$WORK/c2.out")" = "hello 0" ] || fail "stdout holds more than the bytes received: $(head -c 300 "$WORK/c2.out")"
jcheck "$WORK/c2.err" '
assert len(o) == 1 and o[0]["summary"] == "connect" and o[0]["rx_bytes"] == 8, o'
log "connect --json: $(head -c 160 "$WORK/c1.out")..."
log "PASS"
