#!/bin/bash
# SPDX-License-Identifier: MIT
# Runs every tests/packetdrill/*.pkt against synack through libsynack_packetdrill.so with
# Google's packetdrill ($PACKETDRILL, else `packetdrill` on PATH, else the build under
# /tmp/packetdrill that interop.upstream_packetdrill uses). Skipped (exit 77) without one, when not root
# (packetdrill calls mlockall), or when the shared object has not been built.
#
# Each script runs in packetdrill's three modes, as its run_all.py plays every script:
# ipv4 (192.0.2.2 <-> 192.0.2.1), ipv4-mapped-ipv6 (AF_INET6 sockets, ::ffff:192.0.2.2 in
# the API, IPv4 on the wire) and ipv6 (2001:db8:1::2 <-> 2001:db8::1, --mtu=1520 as
# run_all.py gives it, so the MSS is 1460 in every mode). PD_MODES (space-separated)
# narrows that. The shim's flags are addr=<local>,profile=linux unless the script contains
# the line "// synack-profile: rfc"; a line "// synack-flags: k=v,..." appends shim flags
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

# The packetdrill arguments and shim flags of one mode (documentation prefixes only). An
# error-queue record is IP_RECVERR on an AF_INET socket, IPV6_RECVERR on an AF_INET6 one:
# scripts name it CMSG_LEVEL_IP/CMSG_TYPE_RECVERR, as upstream's do.
v4err="-D CMSG_LEVEL_IP=SOL_IP -D CMSG_TYPE_RECVERR=IP_RECVERR"
v6err="-D CMSG_LEVEL_IP=SOL_IPV6 -D CMSG_TYPE_RECVERR=IPV6_RECVERR"
mode_args() {
    case "$1" in
    ipv4) echo "--ip_version=ipv4 --local_ip=192.0.2.2 --remote_ip=192.0.2.1 $v4err" ;;
    ipv4-mapped-ipv6) echo "--ip_version=ipv4-mapped-ipv6 --local_ip=192.0.2.2 --remote_ip=192.0.2.1 $v6err" ;;
    ipv6) echo "--ip_version=ipv6 --mtu=1520 --local_ip=2001:db8:1::2 --gateway_ip=2001:db8:1:8888::1 --remote_ip=2001:db8::1 $v6err" ;;
    esac
}
mode_flags() {
    case "$1" in
    ipv4 | ipv4-mapped-ipv6) echo "addr=192.0.2.2" ;;
    ipv6) echo "addr=2001:db8:1::2,gateway=2001:db8:1:8888::1,remote=2001:db8::1,mtu=1520" ;;
    esac
}
modes=${PD_MODES:-ipv4 ipv4-mapped-ipv6 ipv6}
for m in $modes; do
    [ -n "$(mode_args "$m")" ] || { echo "packetdrill.sh: unknown mode '$m' in PD_MODES" >&2; exit 2; }
done
# packetdrill runs in a namespace of its own, so nothing it might configure reaches the host.
NS="synack-packetdrill-$$"
ip netns add "$NS"
trap 'ip netns del "$NS" 2>/dev/null || true' EXIT
# bash dies of TERM or INT without the EXIT trap: exit, so the namespace goes.
trap 'exit 143' TERM
trap 'exit 130' INT
ip netns exec "$NS" ip link set lo up
fails=0
total=0
for script in "$src"/tests/packetdrill/*.pkt; do
    profile=linux
    if grep -q '^// synack-profile: rfc' "$script"; then
        profile=rfc
    fi
    # "// synack-flags: rack=1" adds shim flags (config knobs the script needs)
    extra=$(sed -n 's|^// synack-flags: *\([a-z0-9=,]*\)$|,\1|p' "$script" | head -n 1)
    name=$(basename "$script")
    for mode in $modes; do
        total=$((total + 1))
        ip netns exec "$NS" ip link del tun0 2>/dev/null
        ip netns exec "$NS" ip tuntap add dev tun0 mode tun && ip netns exec "$NS" ip link set tun0 up
        # shellcheck disable=SC2046 # mode_args is a list of arguments
        if out=$(cd "$(dirname "$script")" && timeout 120 ip netns exec "$NS" "$pd" \
                --so_filename="$so" --so_flags="$(mode_flags "$mode"),profile=$profile$extra" \
                $(mode_args "$mode") "$name" 2>&1); then
            echo "PASS $name ($profile, $mode)"
        else
            echo "FAIL $name ($profile, $mode)"
            sed 's/^/    /' <<<"$out"
            fails=$((fails + 1))
        fi
    done
done
echo "packetdrill: $((total - fails))/$total scripts passed"
[ "$fails" -eq 0 ]
