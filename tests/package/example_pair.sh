#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# examples/memlink_pair runs to completion: exit 0, the echo intact, and each end goes
# through exactly the states of an active and a passive open and close (RFC 9293 3.3.2).
source "$(dirname "$0")/lib.bash"
bin="$SYNACK_BUILD_DIR/examples/memlink_pair"
[ -x "$bin" ] || skip "examples not built (SYNACK_EXAMPLES=OFF)"

rc=0
"$bin" >"$WORK/out" 2>"$WORK/err" || rc=$?
cat "$WORK/out" >&2
[ "$rc" -eq 0 ] || fail "memlink_pair exited $rc: $(cat "$WORK/err")"
[ ! -s "$WORK/err" ] || fail "memlink_pair wrote to stderr: $(cat "$WORK/err")"
head -1 "$WORK/out" | grep -q "^synack $PROJECT_VERSION: two stacks" || fail "first line: $(head -1 "$WORK/out")"
grep -q "client read back: hello, synack$" "$WORK/out" || fail "no echo read back"
grep -q "both ends closed; echo intact$" "$WORK/out" || fail "no clean end"

# "<time> ms  <who> <endpoints> <from> -> <to> (<why>)" -> "from>to" per host, in order.
states() { awk -v who="$1" '$3 == who && $6 == "->" { printf "%s>%s ", $5, $7 }' "$WORK/out"; }
want_client="CLOSED>SYN-SENT SYN-SENT>ESTABLISHED ESTABLISHED>FIN-WAIT-1 FIN-WAIT-1>FIN-WAIT-2 FIN-WAIT-2>TIME-WAIT TIME-WAIT>CLOSED "
want_server="LISTEN>SYN-RECEIVED SYN-RECEIVED>ESTABLISHED ESTABLISHED>CLOSE-WAIT CLOSE-WAIT>LAST-ACK LAST-ACK>CLOSED "
[ "$(states client)" = "$want_client" ] || fail "client states: $(states client)"
[ "$(states server)" = "$want_server" ] || fail "server states: $(states server)"
# TIME-WAIT lasts 2 x MSL (60 s by default) of the link's simulated time.
tw_end=$(awk '$3 == "client" && $5 == "TIME-WAIT" { print int($1) }' "$WORK/out")
[ "$tw_end" -ge 60000 ] && [ "$tw_end" -lt 61000 ] || fail "TIME-WAIT ended at $tw_end ms"
log "PASS"
