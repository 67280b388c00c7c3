#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `synack gateway --tun --socks5` (issue 15, tun2socks mode), UDP and IPv6: each UDP flow
# of the container goes through its own SOCKS5 UDP ASSOCIATE (RFC 1928 section 7) at the
# test's own proxy (lib/socks5d.py, username/password required) in the host namespace.
# Checked: a DNS-like query to the gateway's DNS address (192.0.2.3:53) relayed through the
# proxy to the resolver (--dns-server, here a UDP echo), bytes checked, the proxy's log
# showing the association and the datagram; a UDP echo over IPv4 and one to an IPv6
# destination (--ipv6: ATYP 4 headers); TCP to an IPv6 destination through CONNECT ATYP 4;
# replies the proxy marks FRAG 1 or that name another source dropped and counted; the association's control connection
# closed when the DNS flow times out (10 s idle); a proxy refusing UDP ASSOCIATE (reply 7):
# port unreachable in the container at once, counted; and a proxy reached over IPv6
# ([2001:db8:1::2]:1080) for TCP and UDP.
source "$(dirname "$0")/lib/gateway.bash"
require socat python3

PROXY=198.18.0.2
PROXY6=2001:db8:1::2
SERVER6=2001:db8:1::1
CONTAINER6=2001:db8:2::100
GW6=2001:db8:2::2
SOCKS5D="$(dirname "$0")/lib/socks5d.py"

gw_setup
hx ip addr add "$PROXY/32" dev lo
hx ip -6 addr add "$SERVER6/128" dev lo nodad
hx ip -6 addr add "$PROXY6/128" dev lo nodad
hbg socks timeout 120 python3 "$SOCKS5D" --listen "$PROXY:1080" --source "$PROXY" \
    --user synack --password s3cret --max-clients 32 --lifetime 110 --udp-frag-port 7010 \
    --udp-spoof-port 7011
wait_for "$WORK/socks.out" listening
hbg echo4 timeout 120 socat "UDP4-RECVFROM:7007,bind=$SERVER,fork" EXEC:cat
hbg frag4 timeout 120 socat "UDP4-RECVFROM:7010,bind=$SERVER,fork" EXEC:cat
hbg spoof4 timeout 120 socat "UDP4-RECVFROM:7011,bind=$SERVER,fork" EXEC:cat
hbg echo6 timeout 120 socat "UDP6-RECVFROM:7007,bind=[$SERVER6],fork" EXEC:cat
hbg tcp6 timeout 120 socat "TCP6-LISTEN:7100,bind=[$SERVER6],fork,reuseaddr" EXEC:cat
hbg tcp4 timeout 120 socat "TCP4-LISTEN:7101,bind=$SERVER,fork,reuseaddr" EXEC:cat
wait_port "$NS_H" "$SERVER" 7101

# udp_echo ADDR PORT [WANT]: a 40-byte datagram from a connected socket in the container;
# WANT "echo" (default): the same bytes back from ADDR:PORT; "none": nothing within 1.5 s;
# "refused": ECONNREFUSED (port unreachable) within 0.9 s.
udp_echo() {
    cx timeout 10 python3 - "$1" "$2" "${3:-echo}" <<'PY'
import os, socket, sys, time
addr, port, want = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_DGRAM)
s.connect((addr, port))
q = os.urandom(40)
t = time.monotonic()
s.settimeout(1.5)
for _ in range(3 if want == "echo" else 1):
    try:
        s.send(q)
        r = s.recv(2048)
    except socket.timeout:
        continue
    except ConnectionRefusedError:
        assert want == "refused", "refused"
        assert time.monotonic() - t < 0.9, "refused only after %.3f s" % (time.monotonic() - t)
        sys.exit(0)
    assert want == "echo", "got %r" % r
    assert r == q, (r, q)
    sys.exit(0)
assert want == "none", "no answer"
PY
}

export SYNACK_SOCKS5_PASSWORD=s3cret
gw_start --tun --socks5 "$PROXY:1080" --socks5-user synack --dns-server "$SERVER:7007" \
    --ipv6-addr "$CONTAINER6/64" --ipv6-gw "$GW6"
log "gateway $GW_PID serves $NS_C on tun0 through the proxy at $PROXY:1080"

# 1. DNS-like: the gateway's DNS address, relayed through an association to the resolver.
udp_echo 192.0.2.3 53 || fail "no DNS answer through the proxy"
grep -q "^UDP ASSOCIATE relay $PROXY:" "$WORK/socks.out" || fail "no association: $(cat "$WORK/socks.out")"
grep -q "^UDP OUT $SERVER:7007 40$" "$WORK/socks.out" || fail "no datagram: $(cat "$WORK/socks.out")"
t_dns=$(date +%s)
log "DNS-like query to 192.0.2.3:53 answered through the proxy's association"

# 2. UDP echo to an IPv4 and an IPv6 destination (ATYP 1 and ATYP 4 headers).
udp_echo "$SERVER" 7007 || fail "UDP echo over IPv4 through the proxy"
udp_echo "$SERVER6" 7007 || fail "UDP echo to IPv6 through the proxy"
grep -q "^UDP OUT $SERVER6:7007 40$" "$WORK/socks.out" || fail "no IPv6 datagram in the proxy's log"
log "UDP echo to $SERVER:7007 and [$SERVER6]:7007 through the proxy"

# 3. TCP to an IPv6 destination: CONNECT with ATYP 4.
got=$(printf 'six\n' | cx timeout 10 socat -t 2 - "TCP6:[$SERVER6]:7100") || fail "TCP over IPv6"
[ "$got" = six ] || fail "TCP over IPv6: got '$got'"
grep -q "^CONNECT $SERVER6:7100 rep=0" "$WORK/socks.out" || fail "no IPv6 CONNECT in the log"
log "TCP to [$SERVER6]:7100 through CONNECT ATYP 4"

# 4. A reply the proxy marks as a fragment (FRAG 1), and one whose header names another
# source than the flow's destination, never reach the container.
udp_echo "$SERVER" 7010 none || fail "a FRAG 1 datagram was delivered"
grep -q "^UDP IN $SERVER:7010 40$" "$WORK/socks.out" || fail "the proxy relayed no reply from 7010"
udp_echo "$SERVER" 7011 none || fail "a datagram from another source was delivered"
grep -q "^UDP IN $SERVER:7011 40$" "$WORK/socks.out" || fail "the proxy relayed no reply from 7011"
hx "$SYNACK_BIN" stat --gateway "$GW_PID" >"$WORK/stat.txt" || fail "synack stat --gateway"
for want in "GwSocksUdpOk  *5" "GwSocksUdpFragment  *1" "GwSocksUdpWrongSource  *1"; do
    grep -q "^$want$" "$WORK/stat.txt" || fail "stat: $(grep GwSocksUdp "$WORK/stat.txt")"
done
log "FRAG 1 and wrong-source replies dropped; stat: 5 associations, counted"

# 5. The DNS flow expires 10 s after its last datagram: its association's control
# connection closes, and the proxy ends the association.
for _ in $(seq 1 150); do
    grep -q "^UDP ASSOCIATE closed" "$WORK/socks.out" && break
    sleep 0.1
done
grep -q "^UDP ASSOCIATE closed" "$WORK/socks.out" || fail "no association ended"
dt=$(($(date +%s) - t_dns))
[ "$dt" -ge 8 ] || fail "an association ended after $dt s, before the DNS flow's 10 s"
log "the DNS flow's association ended with the flow ($dt s after its datagram)"
stop "$GW_PID" 10 || fail "gateway exited $?"
python3 - "$WORK/gateway.out" <<'PY' || fail "summary: $(cat "$WORK/gateway.out")"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]).read().splitlines()]
s5 = [l for l in lines if l["summary"] == "gateway_socks5"][0]
u = [l for l in lines if l["summary"] == "gateway_udp"][0]
assert s5["udp_ok"] == 5 and s5["udp_fragment"] == 1 and s5["udp_wrong_source"] == 1, s5
assert s5["udp_bad_header"] == 0 and s5["udp_unreach"] == 0 and s5["ok"] == 1, s5
assert s5["udp_queue_drops"] == 0 and s5["udp_ended"] == 0 and s5["udp_proxy_down"] == 0, s5
assert u["flows"] == 5 and u["expired"] >= 1 and u["dns"] >= 1, u
PY
n=$(grep -c "^UDP ASSOCIATE closed" "$WORK/socks.out") || true
[ "$n" = 5 ] || fail "the proxy saw $n of the 5 associations end with the gateway"
log "summary: 5 associations, all closed at exit"

# 6. A proxy that refuses UDP ASSOCIATE (7, command not supported): port unreachable.
hbg socksno timeout 60 python3 "$SOCKS5D" --listen "$PROXY:1081" --source "$PROXY" \
    --lifetime 50 --udp-refuse
wait_for "$WORK/socksno.out" listening
gw_start --tun --socks5 "$PROXY:1081"
udp_echo "$SERVER" 7007 refused || fail "no port unreachable with UDP ASSOCIATE refused"
grep -q "^REFUSED command 3" "$WORK/socksno.out" || fail "the proxy was not asked"
stop "$GW_PID" 10 || fail "gateway exited $?"
python3 - "$WORK/gateway.out" <<'PY' || fail "summary: $(cat "$WORK/gateway.out")"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]).read().splitlines()]
s5 = [l for l in lines if l["summary"] == "gateway_socks5"][0]
assert s5["udp_other_reply"] == 1 and s5["udp_unreach"] == 1 and s5["udp_ok"] == 0, s5
PY
log "UDP ASSOCIATE refused: ECONNREFUSED in the container at once, counted"

# 7. The proxy over IPv6: TCP and UDP to IPv4 destinations through [$PROXY6]:1080.
hbg socks6 timeout 60 python3 "$SOCKS5D" --listen "[$PROXY6]:1080" --lifetime 50
wait_for "$WORK/socks6.out" listening
gw_start --tun --socks5 "[$PROXY6]:1080"
got=$(printf 'four\n' | cx timeout 10 socat -t 2 - "TCP4:$SERVER:7101") || fail "TCP via an IPv6 proxy"
[ "$got" = four ] || fail "TCP via the IPv6 proxy: got '$got'"
udp_echo "$SERVER" 7007 || fail "UDP via the IPv6 proxy"
grep -q "^CONNECT $SERVER:7101 rep=0" "$WORK/socks6.out" || fail "log: $(cat "$WORK/socks6.out")"
grep -q "^UDP ASSOCIATE relay $PROXY6:" "$WORK/socks6.out" || fail "log: $(cat "$WORK/socks6.out")"
stop "$GW_PID" 10 || fail "gateway exited $?"
log "proxy at [$PROXY6]:1080: TCP and UDP relayed"
