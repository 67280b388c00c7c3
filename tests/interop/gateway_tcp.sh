#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `synack gateway` (issue 15, TCP): a "container" namespace gets the network through a
# gateway that runs in a "host" namespace, where a server listens on 198.18.0.1 (RFC 2544
# benchmarking space, on the host namespace's loopback: nothing leaves the two namespaces). Checked:
# 100 MiB over HTTP by SHA-256, a refused port fails at once with ECONNREFUSED and an
# unroutable address with ENETUNREACH, half-close
# (the server keeps sending after the client's FIN), and the host-side server killed
# mid-transfer resets the container's connection, and a reset from the container reaches the
# host server.
source "$(dirname "$0")/lib/gateway.bash"
require curl socat python3 sha256sum

gw_setup
gw_start
routes=$(cx ip -4 route) # not piped into grep -q: with pipefail, ip's SIGPIPE would fail it
case "$routes" in
*"default via 192.0.2.2 dev tap0"*) ;;
*) fail "no default route in the container: $routes" ;;
esac
log "gateway $GW_PID serves $NS_C"

# 1. 100 MiB over HTTP, checked by SHA-256.
head -c $((100 << 20)) /dev/urandom >"$WORK/data"
hbg http python3 -m http.server --bind "$SERVER" --directory "$WORK" 8080
wait_port "$NS_H" "$SERVER" 8080
gw_check_fetch "http://$SERVER:8080/data" "$WORK/data" 100
log "100 MiB through the gateway, SHA-256 matches"

# 2. A refused port: ECONNREFUSED in the container, at once; an address the host namespace
# has no route to: ENETUNREACH, as the kernel's own.
gw_check_connect_fails "$SERVER" 9 ECONNREFUSED 198.19.0.1 80 ENETUNREACH ||
    fail "refused / unreachable"
log "refused port: ECONNREFUSED at once; unroutable address: ENETUNREACH at once"

# 3. Half-close: the client's FIN reaches the server, which then still sends.
gw_check_half_close "$SERVER"

# 4. The host-side server killed mid-transfer: the container's connection is reset.
gw_check_server_killed "$SERVER"

# 5. The container resets its connection (SO_LINGER {1, 0}): the host server sees a reset.
gw_check_container_reset "$SERVER"

stop "$GW_PID" 10 || fail "gateway exited $?"
python3 - "$WORK/gateway.out" <<'PY' || fail "gateway summary: $(cat "$WORK/gateway.out")"
import json, sys
s = json.loads(open(sys.argv[1]).read().splitlines()[-1])
assert s["summary"] == "gateway", s
assert s["accepted"] == 4 and s["refused"] == 1 and s["unreachable"] == 1, s
assert s["resets"] == 2 and s["finished"] == 2 and s["open"] == 0, s
assert s["down_bytes"] >= 100 << 20, s
PY
log "gateway summary: $(tail -1 "$WORK/gateway.out")"
