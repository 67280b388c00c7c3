#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `synack gateway` and the host's loopback (issue 15): by default a connection to the
# gateway's own address (--gw) is refused with a RST (ECONNREFUSED at once in the container)
# and never reaches a server on the host's 127.0.0.1; with --enable-host-loopback it does,
# as slirp4netns' 10.0.2.2 does unless --disable-host-loopback.
source "$(dirname "$0")/lib/gateway.bash"
require python3

gw_setup
# A server on the host namespace's 127.0.0.1 only: it echoes one line.
hbg echo python3 -c '
import socket
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", 7100)); l.listen(4); print("up", flush=True)
while True:
    c, a = l.accept(); c.sendall(b"echo " + c.recv(100)); c.close()'
wait_for "$WORK/echo.out" up

# try_gw EXPECT: connects from the container to 192.0.2.2:7100; EXPECT "refused" or "echo".
try_gw() {
    cx timeout 10 python3 - "$1" <<'PY'
import socket, sys, time
t = time.monotonic()
s = socket.socket()
s.settimeout(5)
try:
    s.connect(("192.0.2.2", 7100))
except ConnectionRefusedError:
    assert sys.argv[1] == "refused", "refused"
    assert time.monotonic() - t < 0.9, "the refusal took %.3f s" % (time.monotonic() - t)
    sys.exit(0)
assert sys.argv[1] == "echo", "connected to the host's loopback"
s.sendall(b"hi")
got = s.recv(100)
assert got == b"echo hi", got
PY
}

gw_start
try_gw refused || fail "host loopback reachable by default"
stop "$GW_PID" 10 || fail "gateway exited $?"
python3 - "$WORK/gateway.out" <<'PY' || fail "summary: $(gw_summary)"
import json, sys
s = json.loads(open(sys.argv[1]).read().splitlines()[-1])
assert s["denied"] == 1 and s["loopback"] == 0 and s["accepted"] == 0, s
PY
log "default: 192.0.2.2:7100 refused at once, the host's 127.0.0.1 not reached"

# The TAP went with the first gateway; a second one attaches afresh.
for _ in $(seq 1 50); do
    links=$(cx ip -o link)
    [[ "$links" != *tap0* ]] && break
    sleep 0.1
done
gw_start --enable-host-loopback
try_gw echo || fail "--enable-host-loopback: the host's loopback not reached"
stop "$GW_PID" 10 || fail "gateway exited $?"
python3 - "$WORK/gateway.out" <<'PY' || fail "summary: $(gw_summary)"
import json, sys
s = json.loads(open(sys.argv[1]).read().splitlines()[-1])
assert s["denied"] == 0 and s["loopback"] == 1 and s["finished"] == 1, s
PY
log "--enable-host-loopback: 192.0.2.2:7100 reaches the host's 127.0.0.1:7100"
