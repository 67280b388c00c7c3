# SPDX-License-Identifier: MIT
# Shared by the gateway_*.sh tests: a
# "container" namespace NS_C served by `synack gateway` (192.0.2.100/24, gateway 192.0.2.2),
# and a "host" namespace NS_H where the gateway runs and the host's servers listen on
# 198.18.0.1 (RFC 2544 space, on NS_H's loopback). Nothing leaves the two namespaces; every
# process started is killed by PID on exit and both namespaces are deleted.
source "$(dirname "$0")/lib/common.bash"
source "$(dirname "$0")/lib/gateway_checks.bash"

NS_C="synack-gwc-$$"
NS_H="synack-gwh-$$"
SERVER=198.18.0.1
CONTAINER=192.0.2.100
GW_PID=""

gw_cleanup() {
    local rc=$?
    stop_bg
    sanitizer_reported && [ "$rc" -eq 0 ] && rc=1
    ip netns del "$NS_C" 2>/dev/null || true
    ip netns del "$NS_H" 2>/dev/null || true
    if [ -n "$WORK" ]; then
        rm -f "$WORK/data" "$WORK/got" "$WORK/up" "$WORK/upgot"
        if [ "$rc" -ne 0 ]; then
            for f in "$WORK"/*.err "$WORK"/*.out; do
                [ -s "$f" ] && { echo "== $f" >&2; tail -5 "$f" >&2; }
            done
            echo "(scratch files kept in $WORK)" >&2
        else
            rm -rf "$WORK"
        fi
    fi
    exit "$rc"
}

cx() { ip netns exec "$NS_C" "$@"; }
hx() { ip netns exec "$NS_H" "$@"; }
# hbg / cbg NAME CMD...: CMD in the host / container namespace, in the background, logs in
# $WORK/NAME.*, its PID in $BG_PID.
hbg() {
    local name=$1
    shift
    ip netns exec "$NS_H" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
    BG_PID=$!
    BG_PIDS+=("$BG_PID")
}
cbg() {
    local name=$1
    shift
    ip netns exec "$NS_C" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
    BG_PID=$!
    BG_PIDS+=("$BG_PID")
}

# gw_setup: both namespaces and the scratch directory.
gw_setup() {
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/synack-$(basename "$0" .sh).XXXXXX")
    trap gw_cleanup EXIT
    trap 'exit 130' INT TERM
    ip netns add "$NS_C"
    ip netns add "$NS_H"
    hx ip link set lo up
    hx ip addr add "$SERVER/32" dev lo
}

# gw_usage_errors OPTS...: each argument (an option and its value, split on spaces) must
# make `synack gateway` exit 2 (a usage error) before it touches any namespace.
gw_usage_errors() {
    local bad rc
    for bad in "$@"; do
        # shellcheck disable=SC2086 # word-split on purpose: option and value
        if "$SYNACK_BIN" gateway --netns /nonexistent $bad 2>"$WORK/usage.err"; then
            fail "'$bad' was accepted"
        else
            rc=$?
            [ "$rc" -eq 2 ] || fail "'$bad': exit $rc, expected 2 (usage)"
        fi
    done
}

# gw_start ARGS...: the gateway for NS_C, run in NS_H, with extra ARGS; waits until it serves.
# GW_THREADS=N in the environment runs it with --threads N (gateway_threads.sh).
# shellcheck disable=SC2120 # (the extra ARGS are optional)
gw_start() {
    # A previous gateway's "serving" must not pass for this one's before its output is opened.
    rm -f "$WORK/gateway.err"
    hbg gateway "$SYNACK_BIN" gateway --netns "/run/netns/$NS_C" --addr "$CONTAINER/24" \
        --gw 192.0.2.2 --connect-timeout 3000 --json ${GW_THREADS:+--threads "$GW_THREADS"} "$@"
    GW_PID=$BG_PID
    for _ in $(seq 1 200); do
        grep -q serving "$WORK/gateway.err" 2>/dev/null && return 0
        kill -0 "$GW_PID" 2>/dev/null || fail "the gateway exited: $(cat "$WORK/gateway.err")"
        sleep 0.1
    done
    fail "the gateway did not start serving within 20 s"
}

# wait_port NS ADDR PORT: until something accepts on ADDR:PORT in namespace NS (5 s at most).
wait_port() {
    local ns=$1 addr=$2 port=$3
    for _ in $(seq 1 50); do
        ip netns exec "$ns" python3 -c "import socket; socket.create_connection(('$addr', $port), 1).close()" \
            2>/dev/null && return 0
        sleep 0.1
    done
    fail "nothing listens on $addr:$port in $ns"
}

# gw_fds / gw_rss_kb: the gateway's open file descriptors and resident memory now.
gw_fds() { find "/proc/$GW_PID/fd" -mindepth 1 -maxdepth 1 | wc -l; }
gw_rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$GW_PID/status"; }

# gw_summary: the gateway's JSON summary (after it stopped), as one line.
gw_summary() { tail -1 "$WORK/gateway.out"; }
