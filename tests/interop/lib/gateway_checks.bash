# SPDX-License-Identifier: MIT
# Checks the gateway_*.sh tests share, sourced by gateway.bash: each runs one step between
# the container (cx) and a host server (hbg), for either address family: an address with a
# ':' is IPv6, and the Python and socat sides pick their family from it.

# gw_sock_addr PROTO ADDR PORT: a socat address, e.g. TCP:198.18.0.1:7000 or
# UDP6:[2001:db8:1::1]:7007 (PROTO is TCP or UDP; UDP with IPv4 is UDP4).
gw_sock_addr() {
    local proto=$1 addr=$2 port=$3
    case "$addr" in
    *:*) echo "${proto}6:[$addr]:$port" ;;
    *) [ "$proto" = UDP ] && proto=UDP4
       echo "$proto:$addr:$port" ;;
    esac
}

# gw_check_fetch URL SRC SECS: URL fetched by curl in the container within SECS seconds
# arrives as SRC, byte for byte (by SHA-256); it lands in $WORK/got.
gw_check_fetch() {
    local url=$1 src=$2 secs=$3
    cx timeout $((secs + 20)) curl -gsS --max-time "$secs" -o "$WORK/got" "$url" ||
        fail "curl $url through the gateway failed"
    [ "$(sha_of "$WORK/got")" = "$(sha_of "$src")" ] || fail "$url arrived corrupted"
}

# gw_check_connect_fails ADDR PORT ERRNO [ADDR PORT ERRNO ...]: each connect from the
# container fails with ERRNO (a name: ECONNREFUSED, ENETUNREACH) at once, as the answer to
# the first SYN (within 0.9 s).
gw_check_connect_fails() {
    cx timeout 20 python3 - "$@" <<'PY'
import errno, socket, sys, time
a = sys.argv[1:]
for addr, port, want in zip(a[0::3], map(int, a[1::3]), (getattr(errno, e) for e in a[2::3])):
    t = time.monotonic()
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
    s.settimeout(5)
    try:
        s.connect((addr, port))
        sys.exit("connected to %s port %d" % (addr, port))
    except OSError as e:
        assert e.errno == want, ("%s port %d" % (addr, port), e)
    dt = time.monotonic() - t
    assert dt < 0.9, "%s port %d took %.3f s (not the first SYN's answer)" % (addr, port, dt)
PY
}

# gw_check_half_close ADDR: the container's FIN reaches a host server on ADDR:7000, which
# then still sends (socat in the container).
gw_check_half_close() {
    local addr=$1 got
    # a previous call's "up" must not pass for this server's (hbg truncates in the background)
    rm -f "$WORK/halfsrv.out"
    hbg halfsrv python3 -c '
import socket, sys
l = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET)
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind((sys.argv[1], 7000)); l.listen(1); print("up", flush=True)
c, _ = l.accept(); n = 0
while True:
    b = c.recv(4096)
    if not b: break
    n += len(b)
c.sendall(b"got %d bytes after your FIN\n" % n); c.close()' "$addr"
    wait_for "$WORK/halfsrv.out" up
    got=$(printf 'hello' | cx timeout 10 socat -t 5 - "$(gw_sock_addr TCP "$addr" 7000)") ||
        fail "socat half-close"
    [ "$got" = "got 5 bytes after your FIN" ] || fail "half-close: got '$got'"
    log "half-close: $got"
}

# gw_kill_mid_transfer SIDE SADDR SPORT CADDR CPORT: a server on SADDR:SPORT in the SIDE
# namespace ("host": the client is in the container; "container": the client is on the
# host) sends until it is killed; the client, connected to CADDR:CPORT, is reset. Its
# line ("reset after N bytes") stays in $WORK/client.out.
gw_kill_mid_transfer() {
    local side=$1 saddr=$2 sport=$3 caddr=$4 cport=$5 srv=hbg cli=cx kill_pid client_pid
    [ "$side" = container ] && srv=cbg cli=hx
    "$srv" killsrv python3 -c '
import socket, sys, time
l = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET)
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind((sys.argv[1], int(sys.argv[2]))); l.listen(1); print("up", flush=True)
c, _ = l.accept(); print("accepted", flush=True)
while True:
    c.sendall(b"x" * 4096); time.sleep(0.01)' "$saddr" "$sport"
    kill_pid=$BG_PID
    wait_for "$WORK/killsrv.out" up
    "$cli" timeout 20 python3 - "$caddr" "$cport" "$WORK/client.ready" >"$WORK/client.out" 2>&1 <<'PY' &
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
s.sendall(b"y" * 65536)  # unread by the server: its death is a RST, not a FIN
got = 0
try:
    while True:
        b = s.recv(65536)
        if not b:
            sys.exit("orderly EOF, expected a reset")
        got += len(b)
        if got > 100000:
            open(sys.argv[3], "w").close()
except ConnectionResetError:
    print("reset after %d bytes" % got)
PY
    client_pid=$!
    BG_PIDS+=("$client_pid")
    for _ in $(seq 1 100); do
        [ -e "$WORK/client.ready" ] && break
        sleep 0.1
    done
    [ -e "$WORK/client.ready" ] ||
        fail "no data from the $side's server before the kill: $(cat "$WORK/client.out")"
    kill -KILL "$kill_pid"
    wait "$kill_pid" 2>/dev/null || true
    wait "$client_pid" || fail "client: $(cat "$WORK/client.out")"
    grep -q "reset after" "$WORK/client.out" || fail "client: $(cat "$WORK/client.out")"
}

# gw_check_server_killed ADDR: a host server on ADDR:7001 killed mid-transfer resets the
# container's connection.
gw_check_server_killed() {
    gw_kill_mid_transfer host "$1" 7001 "$1" 7001
    log "server killed mid-transfer: $(cat "$WORK/client.out")"
}

# gw_check_container_reset ADDR: the container resets its connection to a host server on
# ADDR:7002 (SO_LINGER {1, 0}); the server sees a reset.
gw_check_container_reset() {
    local addr=$1
    hbg rstsrv python3 -c '
import socket, sys
l = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET)
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind((sys.argv[1], 7002)); l.listen(1); print("up", flush=True)
c, _ = l.accept(); c.settimeout(10)
try:
    while c.recv(4096): pass
    print("orderly EOF", flush=True)
except ConnectionResetError:
    print("reset", flush=True)' "$addr"
    wait_for "$WORK/rstsrv.out" up
    cx timeout 10 python3 - "$addr" <<'PY' || fail "container reset"
import socket, struct, sys, time
s = socket.create_connection((sys.argv[1], 7002), timeout=5)
s.sendall(b"z" * 1000); time.sleep(0.3)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); s.close()
PY
    wait_for "$WORK/rstsrv.out" "reset\|orderly" 10
    grep -q "^reset" "$WORK/rstsrv.out" || fail "host server saw: $(cat "$WORK/rstsrv.out")"
    log "container reset: the host server saw a reset"
}

# gw_dns_resolver ADDR: a resolver on the host's ADDR:53 (IPv4) answering A 192.0.2.77 for
# any name, 60 s of life at most; returns once it listens.
gw_dns_resolver() {
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
    s.sendto(struct.pack("!HHHHHH", tid, 0x8180, 1, 1, 0, 0) + question + ans, a)' "$1"
    wait_for "$WORK/dns.out" up
}

# gw_check_dns ADDR: a query for host.test from the container to ADDR:53 is answered from
# ADDR with gw_dns_resolver's 192.0.2.77.
gw_check_dns() {
    cx timeout 10 python3 - "$1" <<'PY' || fail "DNS query to $1"
import socket, struct, sys
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET, socket.SOCK_DGRAM)
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
}

# gw_check_udp_echo ADDR PORT TEXT: TEXT sent by socat in the container to a host echo
# server on ADDR:PORT comes back.
gw_check_udp_echo() {
    local addr=$1 port=$2 text=$3 got
    got=$(printf '%s\n' "$text" | cx timeout 10 socat -t 2 - "$(gw_sock_addr UDP "$addr" "$port")") ||
        fail "socat UDP echo to $addr port $port"
    [ "$got" = "$text" ] || fail "UDP echo to $addr port $port returned '$got'"
    log "UDP echo: '$got'"
}

# gw_check_udp_closed ADDR [BLOCKED]: a datagram from the container's connected socket to
# the closed ADDR:7999 brings ECONNREFUSED (the host's port unreachable passed on); then,
# with BLOCKED, one datagram to BLOCKED:9 (the gateway's own address: not forwarded).
gw_check_udp_closed() {
    cx timeout 10 python3 - "$@" <<'PY' || fail "closed UDP port on $1"
import socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.settimeout(3)
s.connect((sys.argv[1], 7999))
s.send(b"anyone?")
try:
    s.recv(100)
    raise SystemExit("an answer from a closed port")
except ConnectionRefusedError:
    pass
if len(sys.argv) > 2:
    socket.socket(fam, socket.SOCK_DGRAM).sendto(b"x", (sys.argv[2], 9))
PY
    log "closed UDP port on $1: ECONNREFUSED in the container"
}

# gw_check_ping ADDR: two pings from the container to ADDR, both answered.
gw_check_ping() {
    local out fam=-4
    [[ "$1" == *:* ]] && fam=-6
    out=$(cx timeout 10 ping "$fam" -n -c 2 -i 0.2 -W 2 "$1") || fail "ping $1: $out"
    case "$out" in
    *"2 received"*) ;;
    *) fail "ping $1: $out" ;;
    esac
}

# gw_check_ping_fails ADDR: a ping from the container to ADDR, which the host cannot route,
# fails at once with the gateway's ICMP net unreachable (ICMPv6 no route), as through a
# router without a route.
gw_check_ping_fails() {
    local out fam=-4
    [[ "$1" == *:* ]] && fam=-6
    if out=$(cx timeout 10 ping "$fam" -n -c 1 -W 3 "$1"); then
        fail "ping $1 answered: $out"
    fi
    case "$out" in
    *"Destination Net Unreachable"* | *"Destination unreachable: No route"*) ;;
    *) fail "ping $1: $out" ;;
    esac
}

# gw_check_udp_echoes ADDR PORT [ADDR PORT ...]: a datagram from the container to each host
# echo server comes back from it (returns at the answer: no wait for more, as socat's -t).
gw_check_udp_echoes() {
    cx timeout 10 python3 - "$@" <<'PY' || fail "UDP echo to $*"
import os, socket, sys
a = sys.argv[1:]
for addr, port in zip(a[0::2], map(int, a[1::2])):
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1)
    q = os.urandom(32)
    for _ in range(3):
        s.sendto(q, (addr, port))
        try:
            r, peer = s.recvfrom(100)
            break
        except socket.timeout:
            continue
    else:
        raise SystemExit("no echo from %s port %d" % (addr, port))
    assert r == q and peer[:2] == (addr, port), (addr, port, r, peer)
PY
    log "UDP echo from $*"
}
