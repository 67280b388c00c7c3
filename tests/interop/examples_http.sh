#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# examples/http_poll (the application's own poll loop) and examples/http_loop (the
# library's loop helper) serve HTTP on a TAP device: curl in the namespace gets the exact
# answer, several times and several at once, and each program counts what it answered and
# exits 0 on SIGTERM.
source "$(dirname "$0")/lib/common.bash"
require curl
for ex in http_poll http_loop; do
    [ -x "$SYNACK_BUILD_DIR/examples/$ex" ] || skip "examples not built (SYNACK_EXAMPLES=OFF)"
done
probe="synack-probe-$$"
ip netns add "$probe" 2>/dev/null || skip "cannot create network namespaces"
ip netns del "$probe"
version=$(sed -n 's/^project(synack VERSION \([0-9.]*\).*/\1/p' "$SYNACK_SOURCE_DIR/CMakeLists.txt")
setup_ns

for ex in http_poll http_loop; do
    bg "$ex" "$SYNACK_BUILD_DIR/examples/$ex" "$TAP" "$SYNACK_IP/24" 8080
    pid=$BG_PID
    wait_for "$WORK/$ex.err" "$ex: listening on $SYNACK_IP/24 port 8080"

    for path in /hello /a/b?c=1 /; do
        body=$(nsx curl -sS --max-time 10 "http://$SYNACK_IP:8080$path") || fail "$ex: curl $path failed"
        [ "$body" = "hello from synack $version: $path" ] || fail "$ex: GET $path answered '$body'"
    done
    # Four at once: the server keeps several connections in flight.
    for i in 1 2 3 4; do
        nsx curl -sS --max-time 10 -o "$WORK/$ex.par$i" "http://$SYNACK_IP:8080/par/$i" &
        BG_PIDS+=("$!")
    done
    wait "${BG_PIDS[@]: -4}" || fail "$ex: a parallel curl failed"
    for i in 1 2 3 4; do
        [ "$(cat "$WORK/$ex.par$i")" = "hello from synack $version: /par/$i" ] ||
            fail "$ex: parallel GET $i answered '$(cat "$WORK/$ex.par$i")'"
    done
    headers=$(nsx curl -sS --max-time 10 -D - -o /dev/null "http://$SYNACK_IP:8080/h") || fail "$ex: curl -D failed"
    [[ $headers == "HTTP/1.0 200 OK"* ]] || fail "$ex: status line: $headers"

    stop "$pid" || fail "$ex exited with an error: $(cat "$WORK/$ex.err")"
    grep -q "^$ex: answered 8 requests" "$WORK/$ex.err" || fail "$ex: $(tail -1 "$WORK/$ex.err")"
    log "$ex: 8 requests answered, clean exit"
done
log "PASS"
