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

gw_dns_resolver "$SERVER"
hbg echo6 timeout 60 socat "UDP6-RECVFROM:7007,bind=[$SERVER6],fork" EXEC:cat
hbg echo4 timeout 60 socat "UDP4-RECVFROM:7008,bind=$SERVER,fork" EXEC:cat

gw_start --dns-server "$SERVER" --ipv6-addr "$CONTAINER6/64" --ipv6-gw "$GW6"
log "gateway $GW_PID serves $NS_C over IPv6"

# 1. DNS over IPv6: a query to the gateway's address, port 53, answered from there.
gw_check_dns "$GW6"
log "DNS: [$GW6]:53 answered host.test = 192.0.2.77"

# 2. UDP echo over IPv6 through a NAT flow (socat in the container).
gw_check_udp_echo "$SERVER6" 7007 "hello over udp6"

# 3. A closed port: the host's ICMPv6 port unreachable reaches the container's connected
#    socket; a datagram to another port of the gateway goes nowhere.
gw_check_udp_closed "$SERVER6" "$GW6"

# 4. IPv4 beside it, through the same (dual-stack) catch-all.
gw_check_udp_echo "$SERVER" 7008 "hello over udp4"

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
