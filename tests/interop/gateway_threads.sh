#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `synack gateway --threads 2` (issue 15, "more than one core"): two stacks on the two queues
# of a multi-queue TAP. Checked here: 200 connections held open at once spread over both
# threads (the kernel's flow hash picks the queue, the stack reading it owns the connection)
# and all echo; `synack stat --gateway` shows the sum of both threads while they run; the
# exit summary has a line per thread. Then --tun --threads 2, direct and with --socks5 (HTTP
# by SHA-256, 200 connections at once, refused, DNS, UDP echo, half-close, IPv6). Then the
# other gateway tests run again with
# GW_THREADS=2: 100 MiB by SHA-256, refused and unreachable, half-close, resets
# (gateway_tcp), 1,000 connections 200 at a time (gateway_conns), DNS, UDP echo, ping
# (gateway_udp), the same over IPv6 (gateway_udp6), TCP and UDP port forwards and the
# control socket (gateway_forward).
source "$(dirname "$0")/lib/gateway.bash"
require python3 curl socat sha256sum

export GW_THREADS=2
gw_setup
gw_start
hbg echo python3 -c '
import socket, sys, threading
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind((sys.argv[1], 7100)); l.listen(512); print("up", flush=True)
def serve(c):
    with c:
        while True:
            b = c.recv(4096)
            if not b: return
            c.sendall(b)
while True:
    c, _ = l.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()' "$SERVER"
wait_for "$WORK/echo.out" up
# 200 connections open at once (each echoes once, then waits), so that stat sees them all.
cbg clients timeout 60 python3 -c '
import os, socket, sys, time
socks = []
for i in range(200):
    s = socket.create_connection((sys.argv[1], 7100), timeout=10)
    s.sendall(b"%03d" % i)
    assert s.recv(3) == b"%03d" % i
    socks.append(s)
print("open", flush=True)
while not os.path.exists(sys.argv[2]):
    time.sleep(0.05)
for s in socks:
    s.close()
print("closed", flush=True)' "$SERVER" "$WORK/release"
wait_for "$WORK/clients.out" open 60
hx "$SYNACK_BIN" stat --gateway "$GW_PID" --json >"$WORK/stat.json" || fail "stat --json"
python3 - "$WORK/stat.json" <<'PY' || fail "stat --gateway --json (kept in $WORK/stat.json)"
import json, sys
r = json.loads(open(sys.argv[1]).read())
g = r["gateway"]
assert g["GwAccepted"] == 200 and g["GwOpen"] == 200, g
est = [c for c in r["conns"] if c["state"] == "ESTABLISHED"]
assert len(est) == 200, len(est)
assert len(r["flows"]) == 200, len(r["flows"])
assert r["counters"]["PassiveOpens"] == 200 and r["counters"]["CurrEstab"] == 200, r["counters"]
PY
[ "$(hx "$SYNACK_BIN" stat --gateway "$GW_PID" --count ESTABLISHED)" = 200 ] ||
    fail "stat --count ESTABLISHED: $(hx "$SYNACK_BIN" stat --gateway "$GW_PID" --count ESTABLISHED)"
log "stat --gateway: 200 connections of both threads, counters summed"
touch "$WORK/release"
wait_for "$WORK/clients.out" closed 30
# the relays end once both FINs went through: until then the summary would count them open
for _ in $(seq 1 100); do
    hx "$SYNACK_BIN" stat --gateway "$GW_PID" --json >"$WORK/stat.json" || fail "stat --json"
    python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["gateway"]["GwOpen"] != 0)' \
        "$WORK/stat.json" && break
    sleep 0.1
done
stop "$GW_PID" 10 || fail "gateway exited $?"
python3 - "$WORK/gateway.out" <<'PY' || fail "summary: $(cat "$WORK/gateway.out")"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]).read().splitlines() if l.startswith("{")]
t = [l for l in lines if l["summary"] == "gateway_threads"][0]
g = lines[-1]
assert g["summary"] == "gateway" and g["accepted"] == 200 and g["open"] == 0, g
assert t["threads"] == 2 and sum(t["tcp_held"]) == 200, t
# 200 flows hashed over two queues: both get some (all on one: 2^-199)
assert min(t["tcp_held"]) > 0 and min(t["rx_frames"]) > 0 and min(t["tx_frames"]) > 0, t
assert sum(t["handoff_drops"]) == 0, t
PY
log "threads: $(grep gateway_threads "$WORK/gateway.out")"

# --tun --threads 2 (tun2socks users' mode), direct and then through a SOCKS5 proxy the test
# runs (lib/socks5d.py): the same steering on bare IP packets. Each mode: 4 MiB over HTTP
# by SHA-256, 200 connections open at once (over both threads), a refused port, DNS and a
# UDP echo (through UDP ASSOCIATEs with --socks5), half-close, and over IPv6 a UDP echo and
# 20 connections; ping over IPv4 and IPv6 (echo goes direct through the host's ping sockets,
# with --socks5 too), and to an address the host cannot route: net unreachable at once.
PROXY=198.18.0.2
SERVER6=2001:db8:1::1
hx ip addr add "$PROXY/32" dev lo
hx ip -6 addr add "$SERVER6/128" dev lo nodad
hx sysctl -qw net.ipv4.ping_group_range="0 2147483647" # unprivileged ICMP sockets
head -c $((4 << 20)) /dev/urandom >"$WORK/data"
hbg http python3 -m http.server --bind "$SERVER" --directory "$WORK" 8080
gw_dns_resolver "$SERVER"
hbg uecho timeout 60 socat "UDP4-RECVFROM:7007,bind=$SERVER,fork" EXEC:cat
hbg uecho6 timeout 60 socat "UDP6-RECVFROM:7007,bind=[$SERVER6],fork" EXEC:cat
hbg echo6 timeout 60 socat "TCP6-LISTEN:7100,bind=[$SERVER6],fork,reuseaddr,backlog=64" EXEC:cat
hbg socks timeout 60 python3 "$(dirname "$0")/lib/socks5d.py" --listen "$PROXY:1080" \
    --source "$PROXY" --max-clients 400 --lifetime 55
wait_for "$WORK/socks.out" listening
wait_port "$NS_H" "$SERVER" 8080
tun_mode() {
    local mode=$1
    shift
    gw_start --tun --dns-server "$SERVER" --ipv6 "$@"
    gw_check_fetch "http://$SERVER:8080/data" "$WORK/data" 20
    cx timeout 30 python3 - "$SERVER" 7100 200 "$SERVER6" 7100 20 <<'PY' || fail "$mode: connections"
import asyncio, sys
async def one(addr, port, i):
    r, w = await asyncio.wait_for(asyncio.open_connection(addr, port), 10)
    msg = b"%07d" % i
    w.write(msg)
    assert await asyncio.wait_for(r.readexactly(7), 10) == msg
    return w
async def main():
    a = sys.argv[1:]
    for addr, port, n in zip(a[0::3], a[1::3], a[2::3]):
        ws = await asyncio.gather(*(one(addr, int(port), i) for i in range(int(n))))
        for w in ws:  # all open at once, then closed
            w.close()
asyncio.run(main())
PY
    gw_check_connect_fails "$SERVER" 9 ECONNREFUSED || fail "$mode: refused port"
    gw_check_dns 192.0.2.3
    gw_check_udp_echoes "$SERVER" 7007 "$SERVER6" 7007
    gw_check_half_close "$SERVER"
    gw_check_ping "$SERVER"
    gw_check_ping "$SERVER6"
    gw_check_ping_fails 198.19.0.1
    gw_check_ping_fails 2001:db8:dead::1
    stop "$GW_PID" 10 || fail "$mode: gateway exited $?"
    python3 - "$WORK/gateway.out" "$mode" <<'PY' || fail "$mode summary: $(cat "$WORK/gateway.out")"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]).read().splitlines() if l.startswith("{")]
t = [l for l in lines if l["summary"] == "gateway_threads"][0]
u = [l for l in lines if l["summary"] == "gateway_udp"][0]
g = lines[-1]
# curl, 220 echoes, half-close; the refused one
assert g["accepted"] == 222 and g["refused"] == 1 and g["open"] == 0, g
assert min(t["tcp_held"]) > 0 and sum(t["handoff_drops"]) == 0, t
assert u["dns"] == 1 and u["flows"] == 3, u
# two pings each to two addresses, both answered; one each to two unroutable addresses
assert u["echo_requests"] == 4 and u["echo_replies"] == 4 and u["echo_refused"] == 2, u
assert u["echo_unreachable"] == 2, u
if "socks5" in sys.argv[2]:
    s5 = [l for l in lines if l["summary"] == "gateway_socks5"][0]
    assert s5["ok"] == 222 and s5["refused"] == 1 and s5["udp_ok"] == 3, s5
PY
    log "$mode: $(grep gateway_threads "$WORK/gateway.out")"
}
tun_mode "--tun --threads 2"
tun_mode "--tun --threads 2 --socks5" --socks5 "$PROXY:1080"

dir=$(dirname "$0")
for t in gateway_tcp gateway_conns gateway_udp gateway_udp6 gateway_forward; do
    log "--- $t with --threads 2"
    bash "$dir/$t.sh" || fail "$t with --threads 2 (exit $?)"
done
