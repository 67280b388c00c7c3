#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `synack gateway --tun --socks5` (issue 15, tun2socks mode): the container namespace gets
# a TUN device, and every TCP connection it makes goes through a SOCKS5 proxy the test
# starts itself (lib/socks5d.py, username/password required) in the host namespace, at
# 198.18.0.2, whose outbound connections leave from 198.18.0.2: the host servers on
# 198.18.0.1 see the proxy, never the gateway. Checked: 100 MiB over HTTP by SHA-256
# through the proxy (its log and the server's both show it), a refused port fails at once
# with ECONNREFUSED and an unroutable address with ENETUNREACH (the proxy's replies 5 and
# 3), a proxy that never replies leaves the SYN unanswered, half-close with socat, 200
# connections 50 at a time, the handshakes' counters in `synack stat --gateway`, and the
# proxy killed: the container's open connection is reset and a new one refused at once.
# First, --tun without --socks5: 1 MiB direct.
source "$(dirname "$0")/lib/gateway.bash"
require curl socat python3 sha256sum

PROXY=198.18.0.2
SOCKS5D="$(dirname "$0")/lib/socks5d.py"

gw_setup
hx ip addr add "$PROXY/32" dev lo
hbg socks python3 "$SOCKS5D" --listen "$PROXY:1080" --source "$PROXY" --user synack \
    --password s3cret --max-clients 128 --lifetime 300 --stall-port 7999
SOCKS_PID=$BG_PID
wait_for "$WORK/socks.out" listening
head -c $((100 << 20)) /dev/urandom >"$WORK/data"
hbg http python3 -m http.server --bind "$SERVER" --directory "$WORK" 8080
wait_port "$NS_H" "$SERVER" 8080

# 0. --tun alone: direct host connects over a TUN (the server sees the gateway's namespace
# itself, 198.18.0.1, not the proxy); ping relayed through the host's ping socket.
hx sysctl -qw net.ipv4.ping_group_range="0 2147483647" # unprivileged ICMP sockets
gw_start --tun
head -c $((1 << 20)) "$WORK/data" >"$WORK/small"
gw_check_fetch "http://$SERVER:8080/small" "$WORK/small" 15
grep -q "^$SERVER - - .*GET /small" "$WORK/http.err" || fail "not direct: $(cat "$WORK/http.err")"
gw_check_ping "$SERVER"
stop "$GW_PID" 10 || fail "the --tun gateway exited $?"
grep -q '"summary":"gateway_socks5"' "$WORK/gateway.out" && fail "a socks5 summary without --socks5"
grep -q '"echo_requests":2,"echo_replies":2' "$WORK/gateway.out" ||
    fail "ping over the TUN not relayed: $(grep gateway_udp "$WORK/gateway.out")"
log "--tun alone: 1 MiB direct over the TUN, ping answered"

export SYNACK_SOCKS5_PASSWORD=s3cret
gw_start --tun --socks5 "$PROXY:1080" --socks5-user synack
unset SYNACK_SOCKS5_PASSWORD
routes=$(cx ip -4 route) # not piped into grep -q: with pipefail, ip's SIGPIPE would fail it
case "$routes" in
*"default via 192.0.2.2 dev tun0"*) ;;
*) fail "no default route via tun0 in the container: $routes" ;;
esac
link=$(cx ip link show tun0)
case "$link" in
*"link/none"*) ;;
*) fail "tun0 is not a TUN device: $link" ;;
esac
log "gateway $GW_PID serves $NS_C on tun0 through the proxy at $PROXY:1080"

# 1. 100 MiB over HTTP, checked by SHA-256; the server saw the proxy's address.
gw_check_fetch "http://$SERVER:8080/data" "$WORK/data" 90
grep -q "CONNECT $SERVER:8080 rep=0" "$WORK/socks.out" || fail "the proxy logged no CONNECT"
grep -q "^$PROXY - - .*GET /data" "$WORK/http.err" ||
    fail "the server did not see the proxy: $(tail -3 "$WORK/http.err")"
log "100 MiB through the proxy, SHA-256 matches; the server saw $PROXY"

# 2. A refused port: the proxy's reply 5, ECONNREFUSED in the container at once. An
# address the host has no route to: reply 3, ENETUNREACH (ICMP net unreachable).
gw_check_connect_fails "$SERVER" 9 ECONNREFUSED 198.19.0.1 80 ENETUNREACH ||
    fail "refused / unreachable"
grep -q "CONNECT $SERVER:9 rep=5" "$WORK/socks.out" || fail "no refused CONNECT in the proxy's log"
grep -q "CONNECT 198.19.0.1:80 rep=3" "$WORK/socks.out" || fail "no unreachable CONNECT in the log"
log "refused port: ECONNREFUSED at once; unroutable address: ENETUNREACH at once"

# 2b. A proxy that never replies (its own connect hangs): the SYN goes unanswered past
# --connect-timeout (3 s), so the client's own timeout applies, as for a silent host.
cx timeout 10 python3 - "$SERVER" <<'PY' || fail "stalled proxy"
import socket, sys
s = socket.socket()
s.settimeout(4.5)
try:
    s.connect((sys.argv[1], 7999))
    sys.exit("connected through a proxy that never replied")
except socket.timeout:
    pass
PY
grep -q "STALL $SERVER:7999" "$WORK/socks.out" || fail "the proxy saw no CONNECT to 7999"
log "a proxy that never replies: the client's connect times out (nothing was sent back)"

# 3. Half-close: the client's FIN reaches the server through the proxy; it then still sends.
gw_check_half_close "$SERVER"

# 4. 200 connections, 50 at a time, each 64 bytes echoed.
hbg echo python3 -c '
import asyncio, sys
async def serve(r, w):
    w.write(await r.readexactly(64)); await w.drain(); w.close()
async def main():
    s = await asyncio.start_server(serve, sys.argv[1], 7300, backlog=512)
    print("up", flush=True)
    await s.serve_forever()
asyncio.run(main())' "$SERVER"
wait_for "$WORK/echo.out" up
cx timeout 60 python3 - "$SERVER" <<'PY' || fail "200 connections"
import asyncio, sys, time
async def one(i, sem):
    async with sem:
        r, w = await asyncio.wait_for(asyncio.open_connection(sys.argv[1], 7300), 20)
        msg = b"%063d\n" % i
        w.write(msg)
        got = await asyncio.wait_for(r.readexactly(64), 20)
        assert got == msg, (i, got)
        w.close()
        await w.wait_closed()
async def main():
    sem = asyncio.Semaphore(50)
    t = time.monotonic()
    res = await asyncio.gather(*(one(i, sem) for i in range(200)), return_exceptions=True)
    bad = [r for r in res if r is not None]
    assert not bad, "%d failed, first: %r" % (len(bad), bad[0])
    print("200 connections in %.1f s" % (time.monotonic() - t))
asyncio.run(main())
PY
n=$(grep -c "CONNECT $SERVER:7300 rep=0" "$WORK/socks.out") || true
[ "$n" = 200 ] || fail "the proxy logged $n of the 200 connections"
log "200 connections, 50 at a time, all echoed through the proxy"

# `synack stat --gateway` shows the handshakes' outcomes; the gateway's own address answers
# ping over the TUN.
hx "$SYNACK_BIN" stat --gateway "$GW_PID" >"$WORK/stat.txt" || fail "synack stat --gateway"
grep -q "^GwSocksOk  *202$" "$WORK/stat.txt" || fail "stat: $(grep GwSocks "$WORK/stat.txt")"
grep -q "^GwSocksRefused  *1$" "$WORK/stat.txt" || fail "stat: $(grep GwSocks "$WORK/stat.txt")"
hx "$SYNACK_BIN" stat --gateway "$GW_PID" --json >"$WORK/stat.json" || fail "stat --json"
python3 - "$WORK/stat.json" <<'PY' || fail "stat --json: $(cat "$WORK/stat.json")"
import json, sys
g = json.load(open(sys.argv[1]))["gateway"]
assert g["GwSocksOk"] == 202 and g["GwSocksNetUnreach"] == 1 and g["GwSocksProxyDown"] == 0, g
PY
cx ping -c 1 -W 2 192.0.2.2 >/dev/null || fail "the gateway's address does not answer ping on tun0"
log "stat --gateway: $(grep -c '^GwSocks' "$WORK/stat.txt") GwSocks counters; ping of 192.0.2.2 answered"

# 5. The proxy killed while a connection is open: the container's connection is reset
# (the server never reads, so the proxy dies with unread bytes: its kernel resets), and a
# new connection is refused at once (the proxy's port is closed: a reset, not silence).
hbg sinksrv python3 -c '
import socket, sys, time
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind((sys.argv[1], 7001)); l.listen(1); print("up", flush=True)
c, _ = l.accept(); print("accepted", flush=True)
time.sleep(60)' "$SERVER"
wait_for "$WORK/sinksrv.out" up
cx timeout 30 python3 - "$SERVER" "$WORK/client.ready" >"$WORK/client.out" 2>&1 <<'PY' &
import socket, sys, time
s = socket.create_connection((sys.argv[1], 7001), timeout=10)
s.settimeout(1)
sent = 0
try:
    while True:
        try:
            sent += s.send(b"u" * 65536)
        except socket.timeout:
            open(sys.argv[2], "w").close()  # the path is full: the proxy holds unread bytes
            time.sleep(0.2)
except (ConnectionResetError, BrokenPipeError) as e:
    print("reset after %d bytes: %s" % (sent, type(e).__name__))
PY
CLIENT_PID=$!
BG_PIDS+=("$CLIENT_PID")
for _ in $(seq 1 150); do
    [ -e "$WORK/client.ready" ] && break
    sleep 0.1
done
[ -e "$WORK/client.ready" ] || fail "the upload never filled the path: $(cat "$WORK/client.out")"
kill -KILL "$SOCKS_PID"
wait "$SOCKS_PID" 2>/dev/null || true
wait "$CLIENT_PID" || fail "client: $(cat "$WORK/client.out")"
grep -q "reset after" "$WORK/client.out" || fail "client: $(cat "$WORK/client.out")"
log "proxy killed: $(cat "$WORK/client.out")"
gw_check_connect_fails "$SERVER" 7300 ECONNREFUSED || fail "connect with the proxy gone"
log "proxy gone: a new connection is refused at once"

stop "$GW_PID" 10 || fail "gateway exited $?"
python3 - "$WORK/gateway.out" <<'PY' || fail "gateway summary: $(cat "$WORK/gateway.out")"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]).read().splitlines()]
g, s5 = lines[-1], lines[-2]
assert g["summary"] == "gateway" and s5["summary"] == "gateway_socks5", lines
# curl, socat, 200 echoes, the upload; refused 9 and the one with the proxy gone; 198.19.
assert s5["ok"] == 203 and s5["refused"] == 1 and s5["net_unreach"] == 1, s5
assert s5["proxy_down"] == 1 and s5["protocol"] == 0 and s5["auth_failed"] == 0, s5
assert s5["timeout"] >= 1 and g["dropped"] == s5["timeout"], (s5, g)
assert g["accepted"] == 203 and g["refused"] == 2 and g["unreachable"] == 1, g
assert g["open"] == 0 and g["down_bytes"] >= 100 << 20, g
PY
log "gateway summary: $(tail -2 "$WORK/gateway.out" | tr '\n' ' ')"
