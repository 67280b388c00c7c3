#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `synack gateway --forward` (issue 15): host -> namespace port forwarding. Checked: 100 MiB
# downloaded from a server in the container through a forward (curl, SHA-256) and 100 MiB
# uploaded into it (socat, SHA-256); half-close through a forward (the container's server
# keeps sending after the host client's FIN); a forward to a port nobody listens on in the
# container resets the host client at once; `synack stat --gateway PID` shows a live flow
# with both sides' 4-tuples, as text and JSON; the container's server killed mid-transfer
# resets the host client; --forward udp: and udp6: carry datagrams of two host peers each
# to the container's echo server and each peer its own replies; the JSON summary's forward
# counters.
source "$(dirname "$0")/lib/gateway.bash"
require curl socat python3 sha256sum

gw_setup
gw_start --forward tcp:8080:80 --forward "tcp:$SERVER:8081:81" --forward tcp:8082:82 \
    --forward tcp:8083:83 --forward tcp:8084:84 --forward udp:127.0.0.1:8053:53 \
    --forward udp6:8054:54
log "gateway $GW_PID serves $NS_C with seven forwards"

# 1. 100 MiB out of the container through tcp:8080:80, by HTTP.
head -c $((100 << 20)) /dev/urandom >"$WORK/data"
# (http.server's own bind looks its name up in DNS, which the container has not: skip that.)
cbg http python3 -c '
import functools, http.server, socketserver, sys
class S(http.server.ThreadingHTTPServer):
    def server_bind(self):
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]
h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[2])
S((sys.argv[1], 80), h).serve_forever()' "$CONTAINER" "$WORK"
HTTP_PID=$BG_PID
wait_port "$NS_C" "$CONTAINER" 80
hx timeout 100 curl -sS --max-time 90 -o "$WORK/got" "http://127.0.0.1:8080/data" ||
    fail "curl through the forward failed"
[ "$(sha_of "$WORK/got")" = "$(sha_of "$WORK/data")" ] || fail "100 MiB download corrupted"
rm -f "$WORK/got"
log "100 MiB from the container through a forward, SHA-256 matches"

# 2. 100 MiB into the container through tcp:SERVER:8081:81 (an explicit host address).
cbg upsrv socat -u TCP-LISTEN:81,bind="$CONTAINER",reuseaddr "CREATE:$WORK/upgot"
UP_PID=$BG_PID
for _ in $(seq 1 50); do
    listening=$(cx ss -Hltn "sport = :81")
    [ -n "$listening" ] && break
    sleep 0.1
done
hx timeout 100 socat -u "FILE:$WORK/data" "TCP:$SERVER:8081" || fail "upload through the forward"
wait_exit "$UP_PID" 30 || fail "upload server exited $?"
[ "$(sha_of "$WORK/upgot")" = "$(sha_of "$WORK/data")" ] || fail "100 MiB upload corrupted"
rm -f "$WORK/upgot" "$WORK/data"
log "100 MiB into the container through a forward, SHA-256 matches"

# 3. Half-close: the host client's FIN reaches the container's server, which then still sends.
cbg halfsrv python3 -c '
import socket, sys
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind((sys.argv[1], 83)); l.listen(1); print("up", flush=True)
c, _ = l.accept(); n = 0
while True:
    b = c.recv(4096)
    if not b: break
    n += len(b)
for _ in range(100):
    c.sendall(b"x" * 1000)
c.sendall(b"\ngot %d bytes after your FIN\n" % n); c.close()' "$CONTAINER"
wait_for "$WORK/halfsrv.out" up
printf 'hello' | hx timeout 10 socat -t 5 - TCP:127.0.0.1:8083 >"$WORK/half.got" ||
    fail "socat half-close"
[ "$(tail -1 "$WORK/half.got")" = "got 5 bytes after your FIN" ] ||
    fail "half-close: got '$(tail -1 "$WORK/half.got")'"
[ "$(head -c 100000 "$WORK/half.got" | tr -d x | wc -c)" = 0 ] || fail "half-close: bad bytes"
log "half-close through a forward: 100000 bytes and '$(tail -1 "$WORK/half.got")' after the FIN"

# 4. Nobody listens on 82 in the container: the host client is reset at once.
hx timeout 10 python3 - <<'PY' || fail "refused inner connect"
import socket, time
t = time.monotonic()
try:  # (the reset may come before connect() returns: the kernel's handshake is done first)
    s = socket.create_connection(("127.0.0.1", 8082), timeout=5)
    b = s.recv(10)
    raise SystemExit("got %r, expected a reset" % b)
except ConnectionResetError:
    pass
dt = time.monotonic() - t
assert dt < 0.9, "the reset took %.3f s" % dt
PY
log "forward to a closed container port: the host client is reset at once"

# 5. `synack stat --gateway PID` while a forwarded connection is open.
stop "$HTTP_PID" 5 || true
cbg idlesrv python3 -c '
import socket, sys, time
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind((sys.argv[1], 80)); l.listen(1); print("up", flush=True)
c, _ = l.accept(); c.recv(1); time.sleep(30)' "$CONTAINER"
IDLE_PID=$BG_PID
wait_for "$WORK/idlesrv.out" up
hbg idlecli python3 -c '
import socket, time
s = socket.create_connection(("127.0.0.1", 8080), timeout=5); s.sendall(b"1")
print("connected %s:%d" % s.getsockname(), flush=True); time.sleep(30)'
IDLECLI_PID=$BG_PID
wait_for "$WORK/idlecli.out" connected
sleep 0.3
hx "$SYNACK_BIN" stat --gateway "$GW_PID" >"$WORK/stat.txt" || fail "synack stat --gateway"
cport=$(sed -n 's/^connected 127.0.0.1:\([0-9]*\)$/\1/p' "$WORK/idlecli.out")
grep -E "^in +relay +$CONTAINER:80 +192.0.2.2:[0-9]+ +127.0.0.1:8080 +127.0.0.1:$cport " \
    "$WORK/stat.txt" >/dev/null || fail "stat: no such flow: $(cat "$WORK/stat.txt")"
grep -E "^ESTABLISHED .* 192.0.2.2:[0-9]+ +$CONTAINER:80 " "$WORK/stat.txt" >/dev/null ||
    fail "stat: no such connection: $(cat "$WORK/stat.txt")"
grep -E "^GwFwdConnected +4$" "$WORK/stat.txt" >/dev/null || fail "stat: $(cat "$WORK/stat.txt")"
[ "$(hx "$SYNACK_BIN" stat --gateway "$GW_PID" --count ESTABLISHED)" = 1 ] ||
    fail "stat --count ESTABLISHED"
hx "$SYNACK_BIN" stat --gateway "$GW_PID" --json >"$WORK/stat.json" || fail "stat --json"
python3 - "$WORK/stat.json" "$cport" "$CONTAINER" <<'PY' || fail "stat --json: $(cat "$WORK/stat.json")"
import json, sys
s = json.loads(open(sys.argv[1]).read())
assert s["report"] == "stat" and s["cmd"] == "gateway", s
f = [f for f in s["flows"] if f["host_peer"] == "127.0.0.1:" + sys.argv[2]]
assert len(f) == 1 and f[0]["dir"] == "in" and f[0]["state"] == "relay", s["flows"]
assert f[0]["ns_peer"] == sys.argv[3] + ":80" and f[0]["host_local"] == "127.0.0.1:8080", f
assert s["gateway"]["GwOpen"] == 1 and s["gateway"]["GwFwdFailed"] == 1, s["gateway"]
assert s["gateway"]["GwHostFds"] == 1, s["gateway"]
PY
log "synack stat --gateway shows the flow 127.0.0.1:$cport -> 127.0.0.1:8080 -> $CONTAINER:80"
stop "$IDLECLI_PID" 5 || true
stop "$IDLE_PID" 5 || true

# 6. The container's server killed mid-transfer: the host client is reset.
gw_kill_mid_transfer container "$CONTAINER" 84 127.0.0.1 8084
log "container server killed mid-transfer: host client $(cat "$WORK/client.out")"

# 7. --forward udp:127.0.0.1:8053:53 and udp6:8054:54: two host peers on each reach the
#    container's echo server (IPv4 from the gateway's address, IPv6 from its IPv6 one) and
#    each gets its own replies.
cbg udpsrv timeout 60 python3 -c '
import select, socket
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.bind(("0.0.0.0", 53))
b = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
b.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1); b.bind(("::", 54))
print("up", flush=True)
while True:
    for s in select.select([a, b], [], [], 60)[0]:
        d, p = s.recvfrom(2048); s.sendto(d + b" from " + p[0].encode(), p)'
wait_for "$WORK/udpsrv.out" up
hx timeout 20 python3 - <<'PY' || fail "forward udp / udp6"
import socket
peers = [(socket.AF_INET, ("127.0.0.1", 8053), "192.0.2.2"),
         (socket.AF_INET6, ("::1", 8054), "2001:db8:ffff::2")]
for fam, dst, gw in peers:
    socks = [socket.socket(fam, socket.SOCK_DGRAM) for _ in range(2)]
    for i, s in enumerate(socks):
        s.settimeout(2)
        for _ in range(3):  # the first may wait for neighbor discovery
            s.sendto(b"peer %d" % i, dst)
            try:
                r = s.recv(2048)
                break
            except socket.timeout:
                continue
        else:
            raise SystemExit("no reply through %s" % (dst,))
        assert r == b"peer %d from %s" % (i, gw.encode()), r
PY
log "--forward udp: and udp6: echo for two host peers each"

stop "$GW_PID" 10 || fail "gateway exited $?"
python3 - "$WORK/gateway.out" <<'PY' || fail "gateway summary: $(gw_summary)"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]).read().splitlines() if l.startswith("{")]
u = [l for l in lines if l["summary"] == "gateway_udp"][0]
assert u["fwd_peers"] == 4 and u["fwd_in"] >= 4 and u["fwd_out"] >= 4, u
assert u["fwd_evicted"] == 0 and u["errors"] == 0, u
s = lines[-1]
assert s["fwd_accepted"] == 6 and s["fwd_connected"] == 5 and s["fwd_failed"] == 1, s
assert s["resets"] == 1, s
assert s["held"] == 0 and s["open"] == 0, s
PY
log "gateway summary: $(gw_summary)"
