#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `synack gateway` limits (issue 15): a SYN flood from inside the container (hping3, 2,000
# SYNs at 2,000/s, to a host address whose connects hang) cannot exhaust the host's file
# descriptors: the gateway's stay within --max-pending of its baseline while it runs, the
# SYNs beyond wait in the bounded SYN queue (GwDeferred), and once the flood stops a new
# client is served; `synack stat --gateway` counts it all. Then --keepalive frees the relay
# of a container that vanished without a trace.
source "$(dirname "$0")/lib/gateway.bash"
require python3 hping3

PENDING=16
gw_setup
# 198.18.4.0/24 on one end of a veth pair whose other end has no address: nobody answers
# ARP for 198.18.4.99, so host connects to it hang until the gateway's connect timeout.
hx ip link add gwv0 type veth peer name gwv1 || skip "no veth devices"
hx ip addr add 198.18.4.1/24 dev gwv0
hx ip link set gwv0 up
hx ip link set gwv1 up
hbg echo python3 -c '
import socket, sys
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind((sys.argv[1], 7200)); l.listen(16); print("up", flush=True)
while True:
    c, a = l.accept(); c.sendall(b"echo " + c.recv(100)); c.close()' "$SERVER"
wait_for "$WORK/echo.out" up
gw_start --max-conns 64 --max-pending "$PENDING" --connect-timeout 1000 --keepalive 1
base=$(gw_fds)
log "gateway $GW_PID: $base fds before the flood"

cbg flood timeout 10 hping3 -q -S -p 80 -i u500 -c 2000 198.18.4.99
FLOOD_PID=$BG_PID
peak=0
while kill -0 "$FLOOD_PID" 2>/dev/null; do
    n=$(gw_fds)
    [ "$n" -gt "$peak" ] && peak=$n
    sleep 0.05
done
wait "$FLOOD_PID" || true
[ "$peak" -gt "$base" ] || fail "the flood opened no host connects (peak $peak fds)"
[ "$peak" -le $((base + PENDING)) ] || fail "$peak fds during the flood (base $base, --max-pending $PENDING)"
log "flood: at most $peak fds (base $base + --max-pending $PENDING)"

# A new client: served once the flood's SYNs drained (held ones expire, connects time out).
cx timeout 40 python3 - "$SERVER" <<'PY' || fail "no service after the flood"
import socket, sys, time
t = time.monotonic()
s = socket.create_connection((sys.argv[1], 7200), timeout=35)
s.sendall(b"hi")
assert s.recv(100) == b"echo hi"
print("served %.1f s after the flood" % (time.monotonic() - t))
PY
log "a new client is served after the flood"

hx "$SYNACK_BIN" stat --gateway "$GW_PID" --json >"$WORK/stat.json" || fail "stat --json"
python3 - "$WORK/stat.json" "$PENDING" <<'PY' || fail "stat: $(cat "$WORK/stat.json")"
import json, sys
g = json.loads(open(sys.argv[1]).read())["gateway"]
assert g["GwDeferred"] > 0 and g["GwDropped"] > 0, g
assert 0 < g["GwHostFdsPeak"] <= int(sys.argv[2]), g
PY
log "stat: $(python3 -c 'import json,sys; g=json.load(open(sys.argv[1]))["gateway"]; print({k: g[k] for k in ("GwHeld","GwDropped","GwDeferred","GwHostFdsPeak")})' "$WORK/stat.json")"
# --keepalive: a container that vanishes without a trace (its link down: no FIN, no RST)
# frees its relay once the probes go unanswered (1 s idle, 3 probes 1 s apart).
hbg idlesrv python3 -c '
import socket, sys
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind((sys.argv[1], 7201)); l.listen(1); print("up", flush=True)
c, _ = l.accept(); c.settimeout(30)
try:
    print("eof" if not c.recv(10) else "data", flush=True)
except ConnectionResetError:
    print("reset", flush=True)' "$SERVER"
wait_for "$WORK/idlesrv.out" up
cbg idlecli python3 -c '
import socket, sys, time
s = socket.create_connection((sys.argv[1], 7201), timeout=5); print("connected", flush=True)
time.sleep(60)' "$SERVER"
wait_for "$WORK/idlecli.out" connected
cx ip link set tap0 down
wait_for "$WORK/idlesrv.out" "reset\|eof\|data" 20
grep -q "^reset" "$WORK/idlesrv.out" || fail "host server saw: $(cat "$WORK/idlesrv.out")"
log "keepalive: the vanished container's relay was reset ($(sed -n 2p "$WORK/idlesrv.out") at the host server)"
stop "$GW_PID" 10 || fail "gateway exited $?"
