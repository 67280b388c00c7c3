#!/bin/bash
# SPDX-License-Identifier: MIT
# Runs every tests/packetdrill/*.pkt against synack through libsynack_packetdrill.so with
# Google's packetdrill ($PACKETDRILL, else `packetdrill` on PATH, else the build under
# /tmp/packetdrill that interop.upstream_packetdrill uses). Skipped (exit 77) without one, when not root
# (packetdrill calls mlockall), or when the shared object has not been built.
#
# Each script runs with --so_flags=addr=192.0.2.2,profile=linux unless it contains the
# line "// synack-profile: rfc"; a line "// synack-flags: k=v,..." appends shim flags
# (e.g. rack=1). The only backtick commands the scripts run are `tc` on tun0, a tun device
# made afresh for each script in the namespace (the shim writes its frames through tun0's
# qdisc there, pd_qdisc.c), so nothing here touches the host.
#
# Environment: SYNACK_PACKETDRILL_SO (set by CMake) or SYNACK_BUILD_DIR locate the .so;
# PACKETDRILL overrides the binary; SYNACK_SOURCE_DIR the tree.
set -u

here=$(cd "$(dirname "$0")" && pwd)
src=${SYNACK_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
pd=${PACKETDRILL:-$(command -v packetdrill || true)}
if [ -z "$pd" ] && [ -x /tmp/packetdrill/gtests/net/packetdrill/packetdrill ]; then
    pd=/tmp/packetdrill/gtests/net/packetdrill/packetdrill
fi
so=${SYNACK_PACKETDRILL_SO:-${SYNACK_BUILD_DIR:-$src/build}/libsynack_packetdrill.so}

if [ -z "$pd" ]; then
    echo "SKIP: no packetdrill on PATH or under /tmp/packetdrill (set PACKETDRILL to use one elsewhere)"
    exit 77
fi
if [ "$(id -u)" != 0 ]; then
    echo "SKIP: packetdrill needs root (mlockall)"
    exit 77
fi
if [ ! -f "$so" ]; then
    echo "SKIP: $so not built"
    exit 77
fi
# A sanitizer build's shim needs its runtime loaded first, which packetdrill does not do.
if grep -q '__asan_\|__ubsan_' <<<"$(readelf --dyn-syms "$so" 2> /dev/null)"; then
    echo "SKIP: $so is a sanitizer build (packetdrill cannot load it)"
    exit 77
fi

local_ip=192.0.2.2
remote_ip=192.0.2.1
# packetdrill runs in a namespace of its own, so nothing it might configure reaches the host.
NS="synack-packetdrill-$$"
ip netns add "$NS"
trap 'ip netns del "$NS" 2>/dev/null || true' EXIT
ip netns exec "$NS" ip link set lo up
fails=0
total=0
for script in "$src"/tests/packetdrill/*.pkt; do
    total=$((total + 1))
    profile=linux
    if grep -q '^// synack-profile: rfc' "$script"; then
        profile=rfc
    fi
    # "// synack-flags: rack=1" adds shim flags (config knobs the script needs)
    extra=$(sed -n 's|^// synack-flags: *\([a-z0-9=,]*\)$|,\1|p' "$script" | head -n 1)
    name=$(basename "$script")
    ip netns exec "$NS" ip link del tun0 2>/dev/null
    ip netns exec "$NS" ip tuntap add dev tun0 mode tun && ip netns exec "$NS" ip link set tun0 up
    if out=$(cd "$(dirname "$script")" && timeout 120 ip netns exec "$NS" "$pd" \
            --so_filename="$so" --so_flags="addr=$local_ip,profile=$profile$extra" \
            --ip_version=ipv4 --local_ip=$local_ip --remote_ip=$remote_ip \
            "$name" 2>&1); then
        echo "PASS $name ($profile)"
    else
        echo "FAIL $name ($profile)"
        echo "$out" | sed 's/^/    /'
        fails=$((fails + 1))
    fi
done
echo "packetdrill: $((total - fails))/$total scripts passed"
[ "$fails" -eq 0 ]
