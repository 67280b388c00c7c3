#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `synack gateway` (issue 15, TCP): a "container" namespace gets the network through a
# gateway that runs in a "host" namespace, where a server listens on 198.18.0.1 (RFC 2544
# benchmarking space, on the host namespace's loopback: nothing leaves the two namespaces). Checked:
# 100 MiB over HTTP by SHA-256, a refused port fails at once with ECONNREFUSED and an
# unroutable address with ENETUNREACH, half-close
# (the server keeps sending after the client's FIN), and the host-side server killed
# mid-transfer resets the container's connection, and a reset from the container reaches the
# host server.
source "$(dirname "$0")/lib/gateway.bash"
require curl socat python3 sha256sum

gw_setup
gw_start
routes=$(cx ip -4 route) # not piped into grep -q: with pipefail, ip's SIGPIPE would fail it
case "$routes" in
*"default via 192.0.2.2 dev tap0"*) ;;
*) fail "no default route in the container: $routes" ;;
esac
log "gateway $GW_PID serves $NS_C"

# 1. 100 MiB over HTTP, checked by SHA-256.
head -c $((100 << 20)) /dev/urandom >"$WORK/data"
hbg http python3 -m http.server --bind "$SERVER" --directory "$WORK" 8080
wait_port "$NS_H" "$SERVER" 8080
cx timeout 120 curl -sS --max-time 100 -o "$WORK/got" "http://$SERVER:8080/data" ||
    fail "curl through the gateway failed"
[ "$(sha_of "$WORK/got")" = "$(sha_of "$WORK/data")" ] || fail "100 MiB arrived corrupted"
log "100 MiB through the gateway, SHA-256 matches"

# 2. A refused port: ECONNREFUSED in the container, at once.
cx timeout 10 python3 - "$SERVER" <<'PY' || fail "refused port"
import errno, socket, sys, time
t = time.monotonic()
s = socket.socket()
s.settimeout(5)
try:
    s.connect((sys.argv[1], 9))
    sys.exit("connected to a closed port")
except ConnectionRefusedError:
    pass
dt = time.monotonic() - t
assert dt < 0.9, "refusal took %.3f s (not the first SYN's answer)" % dt
PY
log "refused port: ECONNREFUSED at once"

# 2b. An address the host namespace has no route to: ENETUNREACH, as the kernel's own.
cx timeout 10 python3 - <<'PY' || fail "unreachable address"
import socket, time
t = time.monotonic()
s = socket.socket()
s.settimeout(5)
try:
    s.connect(("198.19.0.1", 80))
    raise SystemExit("connected to an unroutable address")
except OSError as e:
    import errno
    assert e.errno == errno.ENETUNREACH, e
assert time.monotonic() - t < 0.9
PY
log "unroutable address: ENETUNREACH at once"

# 3. Half-close: the client's FIN reaches the server, which then still sends.
hbg halfsrv python3 -c '
import socket, sys
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind((sys.argv[1], 7000)); l.listen(1); print("up", flush=True)
c, _ = l.accept(); n = 0
while True:
    b = c.recv(4096)
    if not b: break
    n += len(b)
c.sendall(b"got %d bytes after your FIN\n" % n); c.close()' "$SERVER"
wait_for "$WORK/halfsrv.out" up
got=$(printf 'hello' | cx timeout 10 socat -t 5 - "TCP:$SERVER:7000") || fail "socat half-close"
[ "$got" = "got 5 bytes after your FIN" ] || fail "half-close: got '$got'"
log "half-close: $got"

# 4. The host-side server killed mid-transfer: the container's connection is reset.
hbg killsrv python3 -c '
import socket, sys, time
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind((sys.argv[1], 7001)); l.listen(1); print("up", flush=True)
c, _ = l.accept(); print("accepted", flush=True)
while True:
    c.sendall(b"x" * 4096); time.sleep(0.01)' "$SERVER"
KILL_PID=$BG_PID
wait_for "$WORK/killsrv.out" up
cx timeout 20 python3 - "$SERVER" "$WORK/client.ready" >"$WORK/client.out" 2>&1 <<'PY' &
import socket, sys, time
s = socket.create_connection((sys.argv[1], 7001), timeout=10)
s.sendall(b"y" * 65536)  # unread by the server: its death is a RST, not a FIN
got = 0
try:
    while True:
        b = s.recv(65536)
        if not b:
            sys.exit("orderly EOF, expected a reset")
        got += len(b)
        if got > 100000:
            open(sys.argv[2], "w").close()
except ConnectionResetError:
    print("reset after %d bytes" % got)
PY
CLIENT_PID=$!
BG_PIDS+=("$CLIENT_PID")
for _ in $(seq 1 100); do
    [ -e "$WORK/client.ready" ] && break
    sleep 0.1
done
[ -e "$WORK/client.ready" ] || fail "no data from the killed server before the kill"
kill -KILL "$KILL_PID"
wait "$KILL_PID" 2>/dev/null || true
wait "$CLIENT_PID" || fail "client: $(cat "$WORK/client.out")"
grep -q "reset after" "$WORK/client.out" || fail "client: $(cat "$WORK/client.out")"
log "server killed mid-transfer: $(cat "$WORK/client.out")"

# 5. The container resets its connection (SO_LINGER {1, 0}): the host server sees a reset.
hbg rstsrv python3 -c '
import socket, sys
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind((sys.argv[1], 7002)); l.listen(1); print("up", flush=True)
c, _ = l.accept(); c.settimeout(10)
try:
    while c.recv(4096): pass
    print("orderly EOF", flush=True)
except ConnectionResetError:
    print("reset", flush=True)' "$SERVER"
wait_for "$WORK/rstsrv.out" up
cx timeout 10 python3 - "$SERVER" <<'PY' || fail "container reset"
import socket, struct, sys, time
s = socket.create_connection((sys.argv[1], 7002), timeout=5)
s.sendall(b"z" * 1000); time.sleep(0.3)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); s.close()
PY
wait_for "$WORK/rstsrv.out" "reset\|orderly" 10
grep -q "^reset" "$WORK/rstsrv.out" || fail "host server saw: $(cat "$WORK/rstsrv.out")"
log "container reset: the host server saw a reset"

stop "$GW_PID" 10 || fail "gateway exited $?"
python3 - "$WORK/gateway.out" <<'PY' || fail "gateway summary: $(cat "$WORK/gateway.out")"
import json, sys
s = json.loads(open(sys.argv[1]).read().splitlines()[-1])
assert s["summary"] == "gateway", s
assert s["accepted"] == 4 and s["refused"] == 1 and s["unreachable"] == 1, s
assert s["resets"] == 2 and s["finished"] == 2 and s["open"] == 0, s
assert s["down_bytes"] >= 100 << 20, s
PY
log "gateway summary: $(tail -1 "$WORK/gateway.out")"
