#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `synack gateway` (issue 15, UDP and ICMP): a "container" namespace reaches a "host"
# namespace through the gateway, which runs in the host one; its servers listen on
# 198.18.0.1 (RFC 2544 benchmarking space, on the host namespace's loopback: nothing
# leaves the two namespaces). Checked: a DNS query to the gateway's DNS address (192.0.2.3)
# answered by a resolver the test runs in the host namespace, a UDP echo with socat, a ping
# through an unprivileged ICMP socket (an unroutable address: net unreachable), the flow
# table's bound (--max-udp-flows 3: the least recently used flow gives way, and every
# client still gets its answer), a datagram to the
# gateway's own address not forwarded, a closed port's ICMP error passed on to the
# container (ECONNREFUSED), and the gateway's JSON counts.
source "$(dirname "$0")/lib/gateway.bash"
require socat python3 ping

gw_setup
# unprivileged ICMP sockets for the gateway (a new namespace starts with none allowed)
hx sysctl -qw net.ipv4.ping_group_range="0 2147483647"

gw_dns_resolver "$SERVER"
# The UDP echo server.
hbg echo timeout 60 socat UDP4-RECVFROM:7007,bind="$SERVER",fork EXEC:cat

gw_start --dns-server "$SERVER" --max-udp-flows 3
log "gateway $GW_PID serves $NS_C"

# 1. DNS: a query to the gateway's DNS address, answered by the host's resolver.
gw_check_dns 192.0.2.3
log "DNS: 192.0.2.3 answered host.test = 192.0.2.77"

# 2. UDP echo through a NAT flow (socat in the container).
gw_check_udp_echo "$SERVER" 7007 "hello over udp"

# 3. Ping through the gateway's ICMP socket; an address the host cannot route is net
# unreachable at once.
gw_check_ping "$SERVER"
gw_check_ping_fails 198.19.0.1
log "ping: 2 of 2 answered, 198.19.0.1 net unreachable"

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
gw_check_udp_closed "$SERVER"

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
assert u["echo_refused"] == 1 and u["echo_unreachable"] == 1, u
assert u["errors"] == 0, u
PY
log "gateway summary: $(grep gateway_udp "$WORK/gateway.out")"
