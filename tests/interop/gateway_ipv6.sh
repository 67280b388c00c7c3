#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `synack gateway --ipv6` (issue 15 after issue 14): the "container" namespace gets
# 2001:db8:2::100/64 with a default route via the gateway's 2001:db8:2::2 (its neighbor
# answered by synack's NDP), and reaches a server in the "host" namespace at 2001:db8:1::1
# (on its loopback: nothing leaves the two namespaces; only 2001:db8::/32 is used).
# Checked: ping -6 of the gateway (the stack) and of the host address (ICMPv6 echo relayed
# through a ping socket; an unroutable address gets ICMPv6 no route), 100 MiB by curl -6 checked by SHA-256, a refused port fails at
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
#    host namespace's address (relayed through an ICMPv6 ping socket); an address the host
#    cannot route gets ICMPv6 no route at once.
out=$(cx timeout 10 ping -6 -n -c 2 -W 2 "$GW6") || fail "ping -6 $GW6: $out"
gw_check_ping "$SERVER6"
gw_check_ping_fails 2001:db8:dead::1
log "ping -6: the gateway and $SERVER6 answer, 2001:db8:dead::1 has no route"

# 2. 100 MiB over HTTP by curl -6, checked by SHA-256.
head -c $((100 << 20)) /dev/urandom >"$WORK/data"
hbg http python3 -m http.server --bind "$SERVER6" --directory "$WORK" 8080
wait_port "$NS_H" "$SERVER6" 8080
gw_check_fetch "http://[$SERVER6]:8080/data" "$WORK/data" 100
rm -f "$WORK/got"
log "100 MiB through the gateway over IPv6, SHA-256 matches"

# 3. A refused port, an unroutable address and the gateway's own address (denied): each
#    fails at once, as the kernel's own connect would.
gw_check_connect_fails "$SERVER6" 9 ECONNREFUSED 2001:db8:dead::1 80 ENETUNREACH \
    "$GW6" 80 ECONNREFUSED || fail "refused / unreachable / denied"
log "refused port: ECONNREFUSED; no route: ENETUNREACH; the gateway itself: refused"

# 4. Half-close: the client's FIN reaches the server, which then still sends.
gw_check_half_close "$SERVER6"

# 5. The host-side server killed mid-transfer: the container's connection is reset.
gw_check_server_killed "$SERVER6"

# 6. The container resets its connection (SO_LINGER {1, 0}): the host server sees a reset.
gw_check_container_reset "$SERVER6"

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
assert u["echo_refused"] == 1 and u["echo_unreachable"] == 1, u
PY
log "gateway summary: $(tail -1 "$WORK/gateway.out")"
