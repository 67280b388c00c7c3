#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `synack gateway --ipv6`, UDP (issue 15): the "container" namespace (2001:db8:2::100/64,
# default route via the gateway's 2001:db8:2::2) sends datagrams to a "host" namespace
# server at 2001:db8:1::1 (on its loopback: nothing leaves the two namespaces; only
# 2001:db8::/32, 192.0.2.0/24 and 198.18.0.0/15 are used). Checked: a DNS query to the
# gateway's own IPv6 address, port 53, answered by the host's resolver (an IPv4 one the test
# runs, as --dns-server); a UDP echo over IPv6 with socat through a NAT flow on an AF_INET6
# host socket; a closed port's ICMPv6 error passed on to the container (ECONNREFUSED); a
# datagram to another port of the gateway not forwarded; IPv4 UDP beside it through the same
# dual-stack catch-all; the gateway's JSON counts.
source "$(dirname "$0")/lib/gateway.bash"
require socat python3

SERVER6=2001:db8:1::1
CONTAINER6=2001:db8:2::100
GW6=2001:db8:2::2

gw_setup
hx ip -6 addr add "$SERVER6/128" dev lo nodad

# The resolver: A 192.0.2.77 for any name, 60 s of life at most.
hbg dns timeout 60 python3 -c '
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 53)); print("up", flush=True)
while True:
    q, a = s.recvfrom(512)
    tid, flags, qd = struct.unpack("!HHH", q[:6])
    end = 12
    while q[end]: end += q[end] + 1
    question = q[12:end + 5]
    ans = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton("192.0.2.77")
    s.sendto(struct.pack("!HHHHHH", tid, 0x8180, 1, 1, 0, 0) + question + ans, a)' "$SERVER"
hbg echo6 timeout 60 socat "UDP6-RECVFROM:7007,bind=[$SERVER6],fork" EXEC:cat
hbg echo4 timeout 60 socat "UDP4-RECVFROM:7008,bind=$SERVER,fork" EXEC:cat
wait_for "$WORK/dns.out" up

gw_start --dns-server "$SERVER" --ipv6-addr "$CONTAINER6/64" --ipv6-gw "$GW6"
log "gateway $GW_PID serves $NS_C over IPv6"

# 1. DNS over IPv6: a query to the gateway's address, port 53, answered from there.
cx timeout 10 python3 - "$GW6" <<'PY' || fail "DNS query over IPv6"
import socket, struct, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.settimeout(3)
q = struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + b"\x04host\x04test\x00" + struct.pack("!HH", 1, 1)
for _ in range(3):
    s.sendto(q, (sys.argv[1], 53))
    try:
        r, a = s.recvfrom(512)
        break
    except socket.timeout:
        continue
else:
    raise SystemExit("no answer")
assert a[:2] == (sys.argv[1], 53), a
assert r[:2] == b"\x12\x34" and r[-4:] == socket.inet_aton("192.0.2.77"), r
PY
log "DNS: [$GW6]:53 answered host.test = 192.0.2.77"

# 2. UDP echo over IPv6 through a NAT flow (socat in the container).
got=$(printf 'hello over udp6\n' | cx timeout 10 socat -t 2 - "UDP6:[$SERVER6]:7007") ||
    fail "socat UDP6 echo"
[ "$got" = "hello over udp6" ] || fail "UDP6 echo returned '$got'"
log "UDP6 echo: '$got'"

# 3. A closed port: the host's ICMPv6 port unreachable reaches the container's connected
#    socket; a datagram to another port of the gateway goes nowhere.
cx timeout 10 python3 - "$SERVER6" "$GW6" <<'PY' || fail "closed UDP6 port"
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.settimeout(3)
s.connect((sys.argv[1], 7999))
s.send(b"anyone?")
try:
    s.recv(100)
    raise SystemExit("an answer from a closed port")
except ConnectionRefusedError:
    pass
socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).sendto(b"x", (sys.argv[2], 9))
PY
log "closed UDP6 port: ECONNREFUSED in the container"

# 4. IPv4 beside it, through the same (dual-stack) catch-all.
got=$(printf 'hello over udp4\n' | cx timeout 10 socat -t 2 - "UDP4:$SERVER:7008") ||
    fail "socat UDP4 echo beside IPv6"
[ "$got" = "hello over udp4" ] || fail "UDP4 echo returned '$got'"
log "UDP4 echo beside IPv6: '$got'"

stop "$GW_PID" 10 || fail "gateway exited $?"
python3 - "$WORK/gateway.out" <<'PY' || fail "gateway summary: $(cat "$WORK/gateway.out")"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]).read().splitlines() if l.startswith("{")]
u = [l for l in lines if l["summary"] == "gateway_udp"][0]
assert lines[-1]["summary"] == "gateway", lines
assert u["flows"] == 4 and u["flows6"] == 3 and u["open"] == 4, u
assert u["dns"] >= 1 and u["blocked"] == 1 and u["unreachable"] == 1 and u["errors"] == 0, u
assert u["down"] >= 3, u
PY
log "gateway summary: $(grep gateway_udp "$WORK/gateway.out")"
