#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `synack gateway --ipv6` (issue 15 after issue 14): the "container" namespace gets
# 2001:db8:2::100/64 with a default route via the gateway's 2001:db8:2::2 (its neighbor
# answered by synack's NDP), and reaches a server in the "host" namespace at 2001:db8:1::1
# (on its loopback: nothing leaves the two namespaces; only 2001:db8::/32 is used).
# Checked: ping -6 of the gateway (the stack) and of the host address (ICMPv6 echo relayed
# through a ping socket), 100 MiB by curl -6 checked by SHA-256, a refused port fails at
# once with ECONNREFUSED, an address the host has no route to with ENETUNREACH (ICMPv6 no
# route, as the kernel's own connect), the gateway's own address denied (RST), half-close
# with socat, resets both ways, --forward tcp6 into the container, and `synack stat
# --gateway` naming an IPv6 flow. IPv4 keeps working beside it.
source "$(dirname "$0")/lib/gateway.bash"
require curl socat python3 sha256sum ping

SERVER6=2001:db8:1::1
CONTAINER6=2001:db8:2::100
GW6=2001:db8:2::2

gw_setup
hx sysctl -qw net.ipv4.ping_group_range="0 2147483647"
hx ip -6 addr add "$SERVER6/128" dev lo nodad
gw_start --ipv6-addr "$CONTAINER6/64" --ipv6-gw "$GW6" --forward tcp6:8086:80
routes=$(cx ip -6 route)
case "$routes" in
*"default via $GW6 dev tap0"*) ;;
*) fail "no IPv6 default route in the container: $routes" ;;
esac
log "gateway $GW_PID serves $NS_C over IPv6"

# 1. ping -6: the gateway's address (the stack answers, after neighbor discovery), then the
#    host namespace's address (relayed through an ICMPv6 ping socket).
out=$(cx timeout 10 ping -6 -n -c 2 -W 2 "$GW6") || fail "ping -6 $GW6: $out"
out=$(cx timeout 10 ping -6 -n -c 2 -W 2 "$SERVER6") || fail "ping -6 $SERVER6: $out"
case "$out" in
*"2 received"*) ;;
*) fail "ping -6 $SERVER6: $out" ;;
esac
log "ping -6: the gateway and $SERVER6 answer"

# 2. 100 MiB over HTTP by curl -6, checked by SHA-256.
head -c $((100 << 20)) /dev/urandom >"$WORK/data"
hbg http python3 -m http.server --bind "$SERVER6" --directory "$WORK" 8080
wait_port "$NS_H" "$SERVER6" 8080
cx timeout 120 curl -6 -gsS --max-time 100 -o "$WORK/got" "http://[$SERVER6]:8080/data" ||
    fail "curl -6 through the gateway failed"
[ "$(sha_of "$WORK/got")" = "$(sha_of "$WORK/data")" ] || fail "100 MiB arrived corrupted"
rm -f "$WORK/got"
log "100 MiB through the gateway over IPv6, SHA-256 matches"

# 3. A refused port, an unroutable address and the gateway's own address (denied): each
#    fails at once, as the kernel's own connect would.
cx timeout 20 python3 - "$SERVER6" "$GW6" <<'PY' || fail "refused / unreachable / denied"
import errno, socket, sys, time
def attempt(addr, port, want):
    t = time.monotonic()
    s = socket.socket(socket.AF_INET6)
    s.settimeout(5)
    try:
        s.connect((addr, port))
        sys.exit("connected to [%s]:%d" % (addr, port))
    except OSError as e:
        assert e.errno == want, ("[%s]:%d" % (addr, port), e)
    dt = time.monotonic() - t
    assert dt < 0.9, "[%s]:%d took %.3f s (not the first SYN's answer)" % (addr, port, dt)
attempt(sys.argv[1], 9, errno.ECONNREFUSED)
attempt("2001:db8:dead::1", 80, errno.ENETUNREACH)
attempt(sys.argv[2], 80, errno.ECONNREFUSED)
PY
log "refused port: ECONNREFUSED; no route: ENETUNREACH; the gateway itself: refused"

# 4. Half-close: the client's FIN reaches the server, which then still sends.
hbg halfsrv python3 -c '
import socket, sys
l = socket.socket(socket.AF_INET6); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind((sys.argv[1], 7000)); l.listen(1); print("up", flush=True)
c, _ = l.accept(); n = 0
while True:
    b = c.recv(4096)
    if not b: break
    n += len(b)
c.sendall(b"got %d bytes after your FIN\n" % n); c.close()' "$SERVER6"
wait_for "$WORK/halfsrv.out" up
got=$(printf 'hello' | cx timeout 10 socat -t 5 - "TCP6:[$SERVER6]:7000") || fail "socat half-close"
[ "$got" = "got 5 bytes after your FIN" ] || fail "half-close: got '$got'"
log "half-close: $got"

# 5. The host-side server killed mid-transfer: the container's connection is reset.
hbg killsrv python3 -c '
import socket, sys, time
l = socket.socket(socket.AF_INET6); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind((sys.argv[1], 7001)); l.listen(1); print("up", flush=True)
c, _ = l.accept()
while True:
    c.sendall(b"x" * 4096); time.sleep(0.01)' "$SERVER6"
KILL_PID=$BG_PID
wait_for "$WORK/killsrv.out" up
cx timeout 20 python3 - "$SERVER6" "$WORK/client.ready" >"$WORK/client.out" 2>&1 <<'PY' &
import socket, sys
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

# 6. The container resets its connection (SO_LINGER {1, 0}): the host server sees a reset.
hbg rstsrv python3 -c '
import socket, sys
l = socket.socket(socket.AF_INET6); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind((sys.argv[1], 7002)); l.listen(1); print("up", flush=True)
c, _ = l.accept(); c.settimeout(10)
try:
    while c.recv(4096): pass
    print("orderly EOF", flush=True)
except ConnectionResetError:
    print("reset", flush=True)' "$SERVER6"
wait_for "$WORK/rstsrv.out" up
cx timeout 10 python3 - "$SERVER6" <<'PY' || fail "container reset"
import socket, struct, sys, time
s = socket.create_connection((sys.argv[1], 7002), timeout=5)
s.sendall(b"z" * 1000); time.sleep(0.3)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); s.close()
PY
wait_for "$WORK/rstsrv.out" "reset\|orderly" 10
grep -q "^reset" "$WORK/rstsrv.out" || fail "host server saw: $(cat "$WORK/rstsrv.out")"
log "container reset: the host server saw a reset"

# 7. --forward tcp6:8086:80: the host's [::]:8086 reaches the container's port 80.
cbg fwdsrv python3 -c '
import socket
l = socket.socket(socket.AF_INET6); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("::", 80)); l.listen(1); print("up", flush=True)
c, a = l.accept(); b = c.recv(100)
c.sendall(b"%s from [%s]:%d" % (b, a[0].encode(), a[1])); c.close()'
wait_for "$WORK/fwdsrv.out" up
got=$(printf 'hi' | hx timeout 10 socat -t 5 - "TCP6:[::1]:8086") || fail "forward tcp6"
case "$got" in
"hi from [$GW6]:"*) ;;
*) fail "forward tcp6: got '$got'" ;;
esac
log "--forward tcp6: $got"

# 8. `synack stat --gateway PID` shows an IPv6 flow with its addresses.
hbg idlesrv python3 -c '
import socket, sys, time
l = socket.socket(socket.AF_INET6); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind((sys.argv[1], 7003)); l.listen(1); print("up", flush=True)
c, _ = l.accept(); c.recv(1); time.sleep(30)' "$SERVER6"
IDLE_PID=$BG_PID
wait_for "$WORK/idlesrv.out" up
cbg idlecli python3 -c '
import socket, sys, time
s = socket.create_connection((sys.argv[1], 7003), timeout=5); s.sendall(b"1")
print("connected %d" % s.getsockname()[1], flush=True); time.sleep(30)' "$SERVER6"
IDLECLI_PID=$BG_PID
wait_for "$WORK/idlecli.out" connected
sleep 0.3
hx "$SYNACK_BIN" stat --gateway "$GW_PID" --json >"$WORK/stat.json" || fail "stat --json"
cport=$(sed -n 's/^connected \([0-9]*\)$/\1/p' "$WORK/idlecli.out")
python3 - "$WORK/stat.json" "$cport" "$SERVER6" "$CONTAINER6" <<'PY' || fail "stat --json: $(cat "$WORK/stat.json")"
import json, sys
s = json.loads(open(sys.argv[1]).read())
f = [f for f in s["flows"] if f["ns_peer"] == "[%s]:%s" % (sys.argv[4], sys.argv[2])]
assert len(f) == 1 and f[0]["dir"] == "out" and f[0]["state"] == "relay", s["flows"]
assert f[0]["ns_local"] == "[%s]:7003" % sys.argv[3], f
assert f[0]["host_peer"] == "[%s]:7003" % sys.argv[3], f
PY
stop "$IDLECLI_PID" 5 || true
stop "$IDLE_PID" 5 || true
log "synack stat --gateway shows [$CONTAINER6]:$cport -> [$SERVER6]:7003"

# 9. IPv4 beside it, through the same gateway.
hbg http4 python3 -m http.server --bind "$SERVER" --directory "$WORK" 8081
wait_port "$NS_H" "$SERVER" 8081
cx timeout 30 curl -4 -sS --max-time 20 -o /dev/null "http://$SERVER:8081/data" ||
    fail "curl -4 beside IPv6 failed"
log "IPv4 still relayed"

stop "$GW_PID" 10 || fail "gateway exited $?"
python3 - "$WORK/gateway.out" <<'PY' || fail "gateway summary: $(cat "$WORK/gateway.out")"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]).read().splitlines() if l.startswith("{")]
s = lines[-1]
assert s["summary"] == "gateway", s
assert s["accepted"] == 6 and s["refused"] == 1 and s["unreachable"] == 1, s
assert s["denied"] == 1 and s["resets"] == 2 and s["finished"] == 5 and s["open"] == 0, s
assert s["fwd_accepted"] == 1 and s["fwd_connected"] == 1, s
assert s["down_bytes"] >= 200 << 20, s
u = [l for l in lines if l["summary"] == "gateway_udp"][0]
assert u["echo_requests"] == 2 and u["echo_replies"] == 2, u  # the gateway's own: the stack's
PY
log "gateway summary: $(tail -1 "$WORK/gateway.out")"
