#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `synack gateway --busy-poll` (issue 15's round-trip and connection-rate rows): after a
# round trip's small frames the gateway polls for events for up to 50 us before it sleeps,
# so the host's answer finds it awake. Checked here: one-byte round trips are polled for
# and the polls catch answers (the JSON summary's busy_polls / busy_poll_hits, also
# GwBusyPolls in `synack stat`); the polling is bounded: a gateway holding an idle
# connection uses no CPU to speak of, and round trips paced 20 ms apart cost it a small
# fraction of the CPU; --busy-poll 0 never polls; bad values are usage errors. Namespaces
# "container" and "host" only, the server at 198.18.0.1 on the host namespace's loopback.
source "$(dirname "$0")/lib/gateway.bash"
require python3

gw_setup
gw_usage_errors "--busy-poll 1001" "--busy-poll x" "--busy-poll -1" "--busy-poll"
log "bad --busy-poll values: usage errors"

hbg echo python3 -c '
import socket, threading
def echo(c):
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    while True:
        b = c.recv(4096)
        if not b: break
        c.sendall(b)
    c.close()
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("'"$SERVER"'", 7102)); l.listen(8); print("up", flush=True)
while True:
    c, _ = l.accept(); threading.Thread(target=echo, args=(c,), daemon=True).start()'
wait_for "$WORK/echo.out" up

# rr N PACE_S [IDLE_S]: N one-byte round trips on one connection, PACE_S apart, then the
# connection stays open IDLE_S seconds; prints "ready" once connected, "done" at the end.
rr() {
    cx timeout 60 python3 - "$SERVER" "$@" <<'PY'
import socket, sys, time
s = socket.create_connection((sys.argv[1], 7102), timeout=10)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
s.sendall(b"w"); assert s.recv(1) == b"w"
print("ready", flush=True)
for _ in range(int(sys.argv[2])):
    s.sendall(b"x")
    assert s.recv(1) == b"x"
    time.sleep(float(sys.argv[3]))
print("done", flush=True)
time.sleep(float(sys.argv[4]) if len(sys.argv) > 4 else 0)
PY
}

# cpu_ticks PID: utime + stime of PID, in clock ticks.
cpu_ticks() {
    awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# 1. Back-to-back round trips: polled for, and answered while polling.
gw_start
rr 500 0 >"$WORK/rr1.out" || fail "round trips: $(cat "$WORK/rr1.out")"
stop "$GW_PID" 10 || fail "gateway exited $?"
python3 - "$WORK/gateway.out" >"$WORK/s1" <<'PY' || fail "summary: $(gw_summary)"
import json, sys
s = json.loads(open(sys.argv[1]).read().splitlines()[-1])
# Every request's round moves a few small frames: its wait polls (the answer's round ends
# the exchange and polls too). Hits need the host's answer within 50 us, which a loaded
# machine may miss: at least some.
assert s["busy_polls"] >= 500, s
assert 0 < s["busy_poll_hits"] <= s["busy_polls"], s
print("%d polls, %d hits for 500 round trips" % (s["busy_polls"], s["busy_poll_hits"]))
PY
log "default: $(cat "$WORK/s1")"

# 2. Bounded: an idle connection costs nothing; paced round trips little.
for _ in $(seq 1 50); do
    [[ "$(cx ip -o link)" != *tap0* ]] && break
    sleep 0.1
done
gw_start
rr 100 0.02 2 >"$WORK/rr2.out" &
RR_PID=$!
BG_PIDS+=("$RR_PID")
wait_for "$WORK/rr2.out" ready
t0=$(cpu_ticks "$GW_PID")
wait_for "$WORK/rr2.out" "done" 30
t1=$(cpu_ticks "$GW_PID")
sleep 1.5 # the connection is open and idle
t2=$(cpu_ticks "$GW_PID")
wait "$RR_PID" || fail "paced round trips: $(cat "$WORK/rr2.out")"
hz=$(getconf CLK_TCK)
# 100 round trips over >= 2 s: two polls of at most 50 us each, plus the work, per trip
# (about 0.02 s in all); 0.3 s would mean polling that did not stop.
[ $((t1 - t0)) -le $((hz * 3 / 10)) ] || fail "paced round trips cost the gateway $((t1 - t0)) ticks"
[ $((t2 - t1)) -le $((hz / 10)) ] || fail "an idle connection cost the gateway $((t2 - t1)) ticks"
stop "$GW_PID" 10 || fail "gateway exited $?"
log "100 round trips 20 ms apart: $((t1 - t0)) ticks of gateway CPU; 1.5 s idle: $((t2 - t1)) (CLK_TCK $hz)"

# 3. --busy-poll 0: never polls.
for _ in $(seq 1 50); do
    [[ "$(cx ip -o link)" != *tap0* ]] && break
    sleep 0.1
done
gw_start --busy-poll 0
rr 200 0 >"$WORK/rr3.out" || fail "round trips: $(cat "$WORK/rr3.out")"
stop "$GW_PID" 10 || fail "gateway exited $?"
python3 - "$WORK/gateway.out" <<'PY' || fail "summary: $(gw_summary)"
import json, sys
s = json.loads(open(sys.argv[1]).read().splitlines()[-1])
assert s["busy_polls"] == 0 and s["busy_poll_hits"] == 0, s
PY
log "--busy-poll 0: no polls"
