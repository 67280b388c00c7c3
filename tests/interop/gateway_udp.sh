#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `synack gateway` (issue 15, UDP and ICMP): a "container" namespace reaches a "host"
# namespace through the gateway, which runs in the host one; its servers listen on
# 198.18.0.1 (RFC 2544 benchmarking space, on the host namespace's loopback: nothing
# leaves the two namespaces). Checked: a DNS query to the gateway's DNS address (192.0.2.3)
# answered by a resolver the test runs in the host namespace, a UDP echo with socat, a ping
# through an unprivileged ICMP socket, the flow table's bound (--max-udp-flows 3: the least
# recently used flow gives way, and every client still gets its answer), a datagram to the
# gateway's own address not forwarded, a closed port's ICMP error passed on to the
# container (ECONNREFUSED), and the gateway's JSON counts.
source "$(dirname "$0")/lib/gateway.bash"
require socat python3 ping

gw_setup
# unprivileged ICMP sockets for the gateway (a new namespace starts with none allowed)
hx sysctl -qw net.ipv4.ping_group_range="0 2147483647"

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
# The UDP echo server.
hbg echo timeout 60 socat UDP4-RECVFROM:7007,bind="$SERVER",fork EXEC:cat
wait_for "$WORK/dns.out" up

gw_start --dns-server "$SERVER" --max-udp-flows 3
log "gateway $GW_PID serves $NS_C"

# 1. DNS: a query to the gateway's DNS address, answered by the host's resolver.
cx timeout 10 python3 - <<'PY' || fail "DNS query"
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
q = struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + b"\x04host\x04test\x00" + struct.pack("!HH", 1, 1)
for _ in range(3):
    s.sendto(q, ("192.0.2.3", 53))
    try:
        r, a = s.recvfrom(512)
        break
    except socket.timeout:
        continue
else:
    raise SystemExit("no answer")
assert a == ("192.0.2.3", 53), a
assert r[:2] == b"\x12\x34" and r[-4:] == socket.inet_aton("192.0.2.77"), r
PY
log "DNS: 192.0.2.3 answered host.test = 192.0.2.77"

# 2. UDP echo through a NAT flow (socat in the container).
got=$(printf 'hello over udp\n' | cx timeout 10 socat -t 2 - "UDP4:$SERVER:7007") ||
    fail "socat UDP echo"
[ "$got" = "hello over udp" ] || fail "UDP echo returned '$got'"
log "UDP echo: '$got'"

# 3. Ping through the gateway's ICMP socket.
out=$(cx timeout 10 ping -n -c 2 -W 2 "$SERVER") || fail "ping: $out"
case "$out" in
*"2 received"*) ;;
*) fail "ping: $out" ;;
esac
log "ping: 2 of 2 answered"

# 4. Three more flows with room for three: the two oldest (DNS, socat) are evicted; the
# gateway's own address is nobody's on the host.
cx timeout 10 python3 - "$SERVER" <<'PY' || fail "flows beyond the table"
import socket, sys
for i in range(3):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.sendto(b"flow %d" % i, (sys.argv[1], 7007))
    r, a = s.recvfrom(100)
    assert r == b"flow %d" % i and a == (sys.argv[1], 7007), (r, a)
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("192.0.2.2", 9))
PY
log "three more flows answered through a table of three"

# 5. A closed port: the host's Port Unreachable reaches the container's connected socket.
cx timeout 10 python3 - "$SERVER" <<'PY' || fail "closed UDP port"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.connect((sys.argv[1], 7999))
s.send(b"anyone?")
try:
    s.recv(100)
    raise SystemExit("an answer from a closed port")
except ConnectionRefusedError:
    pass
PY
log "closed UDP port: ECONNREFUSED in the container"

stop "$GW_PID" 10 || fail "gateway exited $?"
python3 - "$WORK/gateway.out" "${GW_THREADS:-1}" <<'PY' || fail "gateway summary: $(cat "$WORK/gateway.out")"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]).read().splitlines() if l.startswith("{")]
u = [l for l in lines if l["summary"] == "gateway_udp"][0]
assert lines[-1]["summary"] == "gateway", lines
if int(sys.argv[2]) > 1:  # --threads: each has its share of the table, which flows it gets varies
    assert u["flows"] == 6 and u["open"] <= 3 and u["evicted"] + u["open"] == 6, u
else:
    assert u["flows"] == 6 and u["evicted"] == 3 and u["open"] == 3, u
assert u["dns"] == 1 and u["up"] == 6 and u["down"] == 5 and u["blocked"] == 1, u
assert u["unreachable"] == 1, u
assert u["echo_requests"] >= 2 and u["echo_replies"] >= 2, u
assert u["errors"] == 0, u
PY
log "gateway summary: $(grep gateway_udp "$WORK/gateway.out")"
