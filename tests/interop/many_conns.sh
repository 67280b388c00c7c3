#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 1000 short connections in a row each way, and TIME-WAIT where RFC 9293 3.6 puts it: on
# the side that closed first. TIME-WAIT lasts 2*MSL; synack runs with --msl 1000 (2 s), and
# after it nothing is left in synack's table (the kernel's own TIME-WAIT lasts 60 s; only
# its count is checked). Every state other than TIME-WAIT is gone on both sides at the end.
source "$(dirname "$0")/lib/common.bash"
require python3 ss tshark
setup_ns

N=${SYNACK_INTEROP_CONNS:-1000}
MSL=1000 # ms
PEER="$(dirname "$0")/lib/peer.py"

# kernel_live: the kernel's connections other than LISTEN and TIME-WAIT.
kernel_live() { nsx ss -Htan state all exclude listening exclude time-wait | wc -l; }

# settle_synack: waits (bounded) until synack's table holds only LISTEN and TIME-WAIT.
settle() {
    local i
    for i in $(seq 1 50); do
        local live
        live=$(nsx "$SYNACK_BIN" stat --tap "$TAP" --conns | awk 'NR > 1 && $1 != "LISTEN" && $1 != "TIME-WAIT" && $1 !~ /^\(/' | wc -l)
        [ "$live" = 0 ] && return 0
        sleep 0.1
    done
    nsx "$SYNACK_BIN" stat --tap "$TAP" --conns | head -20 >&2
    fail "synack still has live connections"
}

# 1. kernel -> synack echo, the kernel closes first: TIME-WAIT on the kernel's side.
start_capture tap
synack_serve serve --app echo --msl "$MSL" --backlog 128
t=$(now_ms)
nsx timeout 120 python3 "$PEER" clients "$SYNACK_IP" 7 "$N" echo >"$WORK/c1.out" ||
    fail "kernel clients to echo: $(cat "$WORK/c1.out")"
log "kernel -> synack echo: $N connections in $(($(now_ms) - t)) ms, kernel closed first"
settle
stop_capture
tw_kernel=$(kernel_tw 7)
tw_synack=$(synack_count TIME-WAIT)
[ "$tw_kernel" -ge "$N" ] || fail "the kernel holds $tw_kernel TIME-WAIT connections, not $N"
[ "$tw_synack" = 0 ] || fail "synack holds $tw_synack TIME-WAIT connections after a passive close"
log "TIME-WAIT: kernel $tw_kernel, synack $tw_synack"
check_capture "$WORK/tap.pcap"

# 2. kernel -> synack http with "Connection: close": synack closes first.
nsx "$SYNACK_BIN" stat --tap "$TAP" --counters >"$WORK/counters1.txt"
stop "$SERVE_PID" || fail "synack serve (echo) exited with an error"
synack_serve serve2 --app http --msl "$MSL" --backlog 128
t=$(now_ms)
nsx timeout 120 python3 "$PEER" clients "$SYNACK_IP" 80 "$N" http >"$WORK/c2.out" ||
    fail "kernel clients to http: $(cat "$WORK/c2.out")"
log "kernel -> synack http: $N connections in $(($(now_ms) - t)) ms, synack closed first"
tw_synack=$(synack_count TIME-WAIT)
tw_kernel=$(nsx ss -Htan state time-wait "( sport = :80 or dport = :80 )" | wc -l)
[ "$tw_synack" -ge $((N * 9 / 10)) ] || fail "synack holds $tw_synack TIME-WAIT connections, expected about $N"
[ "$tw_kernel" = 0 ] || fail "the kernel holds $tw_kernel TIME-WAIT connections to port 80"
log "TIME-WAIT: synack $tw_synack, kernel $tw_kernel"
# SIGUSR1 prints synack's connection table (like ss -tan) with its other reports, on stdout.
kill -USR1 "$SERVE_PID"
wait_for "$WORK/serve2.out" "^TIME-WAIT .*$SYNACK_IP:80 .*time-wait("
log "SIGUSR1 table: $(grep -c '^TIME-WAIT' "$WORK/serve2.out") TIME-WAIT rows"
sleep $((2 * MSL / 1000 + 1))
left=$(nsx "$SYNACK_BIN" stat --tap "$TAP" --conns | awk 'NR > 1 && $1 != "LISTEN" && $1 !~ /^\(/' | wc -l)
[ "$left" = 0 ] || fail "after 2*MSL synack still holds $left connections"
log "after 2*MSL synack's table holds only the listener"
stop "$SERVE_PID" || fail "synack serve (http) exited with an error"

# 3. synack -> kernel, synack closes first (sends, half-closes, reads to EOF).
echo "hello from synack" >"$WORK/hello"
bg sink python3 "$PEER" server 5002 "$N" sink
SINK=$BG_PID
wait_for "$WORK/sink.out" listening
t=$(now_ms)
rc=0
nsx timeout 120 "$SYNACK_BIN" connect --tap "$TAP" --addr "$SYNACK_IP/24" --quiet --msl "$MSL" \
    --to "$KERNEL_IP:5002" --send "$WORK/hello" --recv /dev/null --repeat "$N" \
    --hold $((2 * MSL + 500)) >"$WORK/c3.err" 2>&1 &
CONNECT=$!
BG_PIDS+=("$CONNECT")
# While it holds on, its table shows the TIME-WAIT connections.
wait_for "$WORK/sink.out" "server: " 60
tw_synack=$(synack_count TIME-WAIT)
wait_exit "$CONNECT" 30 || rc=$?
[ "$rc" = 0 ] || fail "synack connect --repeat failed: $(grep -v '^ ' "$WORK/c3.err" | tail -5)"
wait_exit "$SINK" 10 || fail "kernel sink: $(cat "$WORK/sink.out" "$WORK/sink.err")"
grep -q "$N connections to $KERNEL_IP:5002: $N ok, 0 failed" "$WORK/c3.err" ||
    fail "connect: $(grep connections "$WORK/c3.err")"
log "synack -> kernel: $(grep 'connections to' "$WORK/c3.err")"
tw_kernel=$(kernel_tw 5002)
[ "$tw_synack" -ge $((N * 9 / 10)) ] || fail "synack held $tw_synack TIME-WAIT connections, expected about $N"
[ "$tw_kernel" = 0 ] || fail "the kernel holds $tw_kernel TIME-WAIT connections to port 5002"
log "TIME-WAIT: synack $tw_synack, kernel $tw_kernel"
# --hold outlasted 2*MSL: the table at exit is empty.
grep -q "^(0 entries)" "$WORK/c3.err" || fail "synack's table was not empty at exit: $(grep -A3 '^State' "$WORK/c3.err")"

# 4. synack -> kernel, the kernel closes first (greets and closes; synack waits for EOF).
bg greet python3 "$PEER" server 5003 "$N" greet
GREET=$BG_PID
wait_for "$WORK/greet.out" listening
t=$(now_ms)
rc=0
nsx timeout 120 "$SYNACK_BIN" connect --tap "$TAP" --addr "$SYNACK_IP/24" --quiet --msl "$MSL" \
    --to "$KERNEL_IP:5003" --send /dev/null --wait-eof --recv "$WORK/greetings" --repeat "$N" \
    >"$WORK/c4.err" 2>&1 || rc=$?
[ "$rc" = 0 ] || fail "synack connect --repeat --wait-eof failed: $(tail -5 "$WORK/c4.err")"
wait_exit "$GREET" 10 || fail "kernel greeter: $(cat "$WORK/greet.out" "$WORK/greet.err")"
[ "$(grep -c '^hello' "$WORK/greetings")" = "$N" ] || fail "not every greeting arrived"
log "synack -> kernel (kernel closes): $(grep 'connections to' "$WORK/c4.err")"
tw_kernel=$(kernel_tw 5003)
[ "$tw_kernel" -ge $((N * 9 / 10)) ] || fail "the kernel holds $tw_kernel TIME-WAIT connections, expected about $N"
grep -q "^(0 entries)" "$WORK/c4.err" || fail "synack's table was not empty at exit"
log "TIME-WAIT: kernel $tw_kernel, synack 0"

[ "$(kernel_live)" = 0 ] || fail "the kernel has connections left that are not TIME-WAIT: $(nsx ss -tan)"
log "PASS"
