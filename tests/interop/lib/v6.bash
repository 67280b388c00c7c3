# SPDX-License-Identifier: MIT
# Shared by the IPv6 interop tests (ipv6_tun.sh, ipv6_tap.sh, udp6_tap.sh): the addresses, and synack's
# side, tests/interop/lib/v6peer.c, built from the library into $WORK/v6peer (the synack
# tool speaks IPv4 only so far).
K6=2001:db8::1
S6=2001:db8::2

# v6_build_peer: $WORK/v6peer from libsynack.a (with the sanitizers when the build has them);
# skips without the library.
v6_build_peer() {
    local lib="$SYNACK_BUILD_DIR/libsynack.a"
    [ -f "$lib" ] || skip "no $lib"
    local cflags=(-std=c11 -D_GNU_SOURCE -O1)
    [ "${SYNACK_SANITIZE:-0}" = 1 ] && cflags+=(-fsanitize=address,undefined)
    "${SYNACK_CC:-cc}" "${cflags[@]}" -I "$SYNACK_SOURCE_DIR/include" \
        "$SYNACK_SOURCE_DIR/tests/interop/lib/v6peer.c" "$lib" -o "$WORK/v6peer" ||
        fail "cannot build v6peer"
}
