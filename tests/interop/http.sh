#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The kernel's curl fetches pages from `synack serve --app http`: the index page, a 100 MiB
# body whose SHA-256 matches the pattern computed independently, two requests on one
# persistent connection (HTTP/1.1 keep-alive), a 404, and HEAD. Captures are clean.
source "$(dirname "$0")/lib/common.bash"
require curl tshark python3
setup_ns

BIG=104857600
expected=$(pattern_sha "$BIG") # computed while nothing else runs
start_capture tap
synack_serve serve --app http --pcap "$WORK/synack.pcap"

page=$(nsx timeout 10 curl -sS --fail http://$SYNACK_IP/) || fail "curl / failed"
grep -q "Hello from synack" <<<"$page" || fail "unexpected page: $page"
log "GET / ok"

# Two requests, one connection: curl reuses it when the server keeps it alive.
nsx timeout 10 curl -sS --fail -o /dev/null -o /dev/null -w '%{num_connects}\n' \
    http://$SYNACK_IP/bytes/1000 http://$SYNACK_IP/bytes/2000 >"$WORK/keepalive.txt" ||
    fail "curl keep-alive requests failed"
[ "$(tr -d '\n' <"$WORK/keepalive.txt")" = "10" ] ||
    fail "the second request did not reuse the connection: $(cat "$WORK/keepalive.txt")"
log "keep-alive: two requests on one connection"

code=$(nsx timeout 10 curl -sS -o /dev/null -w '%{http_code}' http://$SYNACK_IP/nowhere)
[ "$code" = 404 ] || fail "GET /nowhere gave $code, not 404"
len=$(nsx timeout 10 curl -sS -I http://$SYNACK_IP/bytes/12345 | tr -d '\r' |
    awk -F': ' 'tolower($1) == "content-length" {print $2}')
[ "$len" = 12345 ] || fail "HEAD /bytes/12345 gave Content-Length '$len'"
stop_capture # the kernel-side capture covers the small exchanges above

start=$(now_ms)
got=$(nsx timeout 120 curl -sS --fail http://$SYNACK_IP/bytes/$BIG | sha256sum | cut -d' ' -f1)
ms=$(($(now_ms) - start))
[ "$got" = "$expected" ] || fail "GET /bytes/$BIG: sha256 $got, expected $expected"
log "GET /bytes/$BIG: sha256 matches, $ms ms, $((BIG * 8 / 1000 / (ms > 0 ? ms : 1))) Mbit/s"

stop "$SERVE_PID" || fail "synack serve exited with an error"
grep -q "with errors" "$WORK/serve.out" && ! grep -q "(0 with errors)" "$WORK/serve.out" &&
    fail "a connection ended in error: $(grep error "$WORK/serve.out")"
check_capture "$WORK/tap.pcap"
check_capture "$WORK/synack.pcap" "$FLOW_CONTROL" # curl | sha256sum may read slower
log "PASS"
