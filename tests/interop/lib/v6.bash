# SPDX-License-Identifier: MIT
# Shared by the IPv6 interop tests (ipv6_*.sh, udp6_tap.sh, pmtu_v6.sh): the addresses, and
# synack's side, tests/interop/lib/v6peer*.c, built from the library into $WORK/v6peer (a
# test program rather than the synack tool: the tests need its fault stage, echo and UDP
# modes, DAD control and the full counter dump at exit).
K6=2001:db8::1
S6=2001:db8::2

# v6_build_peer: $WORK/v6peer from libsynack.a (with the sanitizers when the build has them);
# skips without the library.
v6_build_peer() {
    local lib="$SYNACK_BUILD_DIR/libsynack.a"
    [ -f "$lib" ] || skip "no $lib"
    local cflags=(-std=c11 -D_GNU_SOURCE -O1 -Wall -Wextra -Werror)
    [ "${SYNACK_SANITIZE:-0}" = 1 ] && cflags+=(-fsanitize=address,undefined)
    "${SYNACK_CC:-cc}" "${cflags[@]}" -I "$SYNACK_SOURCE_DIR/include" \
        "$SYNACK_SOURCE_DIR"/tests/interop/lib/v6peer*.c "$lib" -o "$WORK/v6peer" ||
        fail "cannot build v6peer"
}

# v6_setup_tap: the namespace "synack-<test>-<pid>" with a TAP device $TAP (tap6) where the
# kernel has $K6/64 (no DAD: nothing else is on the link), the scratch directory $WORK,
# cleanup on exit, and $WORK/v6peer built; v6peer runs as an Ethernet stack on it.
v6_setup_tap() {
    TAP=tap6
    NS="synack-$(basename "$0" .sh)-$$"
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/synack-$(basename "$0" .sh).XXXXXX")
    trap cleanup EXIT
    trap 'exit 130' INT TERM
    v6_build_peer
    export V6PEER_TAP=1
    ip netns add "$NS"
    nsx ip link set lo up
    nsx ip tuntap add dev "$TAP" mode tap
    # As setup_ns does: room for bursts while synack is descheduled.
    nsx ip link set "$TAP" txqueuelen 10000
    nsx ip link set "$TAP" up
    nsx ip -6 addr add "$K6/64" dev "$TAP" nodad
    log "namespace $NS ready (work dir $WORK)"
}

# v6peer_bg NAME ARGS...: v6peer on $TAP as $S6 in the background (see bg); PID in $BG_PID.
v6peer_bg() {
    local name=$1
    shift
    bg "$name" "$WORK/v6peer" "$TAP" "$S6" "$@"
}

# v6peer_run NAME ARGS...: v6peer in the foreground, output in $WORK/NAME.out and .err;
# returns its status.
v6peer_run() {
    local name=$1
    shift
    nsx "$WORK/v6peer" "$TAP" "$S6" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
}

# k_wait_listen PORT: waits (bounded) until the kernel listens on PORT.
k_wait_listen() {
    local _
    for _ in $(seq 1 100); do
        nsx ss -Hltn "sport = :$1" 2>/dev/null | grep -q ":$1" && return 0
        sleep 0.05
    done
    fail "the kernel does not listen on port $1"
}

# k_tw6 PORT: TIME-WAIT connections over IPv6 the kernel holds with local or remote PORT.
k_tw6() {
    nsx ss -6 -Htan state time-wait "( sport = :$1 or dport = :$1 )" | wc -l
}

# out_value FILE NAME: the number after "NAME " on FILE's line that starts so (0 if none).
out_value() {
    awk -v n="$2" '$1 == n {v = $2} END {print v + 0}' "$1"
}
