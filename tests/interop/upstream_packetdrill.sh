#!/bin/bash
# SPDX-License-Identifier: MIT
# Linux's own packetdrill suite against synack: runs the upstream scripts listed in
# tests/packetdrill/upstream-expected.txt (google/packetdrill gtests/net/tcp/, the IPv4
# ones Linux itself passes) through libsynack_packetdrill.so with profile=linux, and
# compares each result with the file's PASS/FAIL.
#
#   expected PASS, fails twice      -> test failure (one retry absorbs a timing flake)
#   expected FAIL, passes           -> reported as NEW PASS (update the file), not a failure
#
# Skipped (77) without packetdrill ($PACKETDRILL, else
# /tmp/packetdrill/gtests/net/packetdrill/packetdrill), without root (packetdrill calls
# mlockall), without the shim or with a sanitizer build of it, without the upstream
# gtests/net/tcp folder beside the binary ($SYNACK_UPSTREAM_TCP_DIR overrides) or where
# namespaces cannot be made.
#
# The scripts' backtick commands (defaults.sh, set_sysctls.py, tc, nstat) write sysctls
# and qdiscs: everything runs in a private network and mount namespace, so they reach only
# that namespace. The one global file a script writes (tcp_cubic's hystart_detect module
# parameter) is hidden behind a bind-mounted scratch copy. A tun0 device is made for
# each script because defaults.sh ends with `tc qdisc ... dev tun0` (packetdrill makes no
# tun device when a shim carries the packets), with the address and route tun mode gives it.
#
# Environment: SYNACK_PACKETDRILL_SO (set by CMake) or SYNACK_BUILD_DIR locate the .so;
# UPSTREAM_TIMEOUT seconds per script (60); UPSTREAM_LOGDIR keeps each script's output;
# UPSTREAM_ONLY=substring runs only the listed paths containing it.
#
# UPSTREAM_IP_VERSION=ipv4 (default) | ipv4-mapped-ipv6 | ipv6 plays the scripts in another
# of packetdrill's modes, with run_all.py's arguments for it (ipv6: --mtu=1520 and
# SOL_IPV6/IPV6_RECVERR cmsgs) but documentation addresses: 2001:db8:1::2 (synack, /48),
# 2001:db8::1 (remote) via 2001:db8:1:8888::1. As run_all.py, ipv6 skips *v4.pkt and the
# other modes skip *v6.pkt. Another mode checks its own file,
# tests/packetdrill/upstream-expected-<mode>.txt, as the IPv4 one is checked; without that
# file each result is only reported (PASS/FAIL, with the first lines of a failure).
# UPSTREAM_LIST=file runs the paths listed there (one per line, relative to gtests/net/tcp)
# instead of the file's.
set -u

here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
src=${SYNACK_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
expected="$src/tests/packetdrill/upstream-expected.txt"
pd=${PACKETDRILL:-/tmp/packetdrill/gtests/net/packetdrill/packetdrill}
so=${SYNACK_PACKETDRILL_SO:-${SYNACK_BUILD_DIR:-$src/build}/libsynack_packetdrill.so}

mode=${UPSTREAM_IP_VERSION:-ipv4}
case "$mode" in
ipv4)
    mode_args=(--ip_version=ipv4 --local_ip=192.168.0.1 --gateway_ip=192.168.0.1
        --netmask_ip=255.255.0.0 --remote_ip=192.0.2.1 -D TFO_COOKIE=3021b9d889017eeb
        -D CODE=host_unreachable -D CMSG_LEVEL_IP=SOL_IP -D CMSG_TYPE_RECVERR=IP_RECVERR)
    mode_flags=addr=192.168.0.1 ;;
ipv4-mapped-ipv6)
    mode_args=(--ip_version=ipv4-mapped-ipv6 --local_ip=192.168.0.1 --gateway_ip=192.168.0.1
        --netmask_ip=255.255.0.0 --remote_ip=192.0.2.1 -D TFO_COOKIE=3021b9d889017eeb
        -D CODE=host_unreachable -D CMSG_LEVEL_IP=SOL_IPV6 -D CMSG_TYPE_RECVERR=IPV6_RECVERR)
    mode_flags=addr=192.168.0.1 ;;
ipv6)
    # run_all.py's TFO_COOKIE (c1d1e9742a47a9bc) is Linux's cookie for its fd3d:: addresses
    # under defaults.sh's tcp_fastopen_key; this is the same key's cookie for ours
    # (tests/unit/test_fastopen_cookie.c). run_all.py leaves CODE undefined here, which
    # makes the two ICMP Fast Open scripts that use it semantic errors even on Linux; the
    # ICMPv6 counterpart of host_unreachable (EHOSTUNREACH both) lets them play.
    mode_args=(--ip_version=ipv6 --mtu=1520 --local_ip=2001:db8:1::2
        --gateway_ip=2001:db8:1:8888::1 --remote_ip=2001:db8::1 -D TFO_COOKIE=ac1a5aa928cb98f0
        -D CODE=address_unreachable -D CMSG_LEVEL_IP=SOL_IPV6 -D CMSG_TYPE_RECVERR=IPV6_RECVERR)
    mode_flags=addr=2001:db8:1::2,gateway=2001:db8:1:8888::1,remote=2001:db8::1,mtu=1520 ;;
*)
    echo "upstream_packetdrill: UPSTREAM_IP_VERSION must be ipv4, ipv4-mapped-ipv6 or ipv6" >&2
    exit 2 ;;
esac
# the mode's own results when they are on file, else IPv4's list, reported only
asserting=1
if [ "$mode" != ipv4 ]; then
    if [ -f "$src/tests/packetdrill/upstream-expected-$mode.txt" ]; then
        expected="$src/tests/packetdrill/upstream-expected-$mode.txt"
    else
        asserting=0
    fi
fi

if [ "${UPSTREAM_INNER:-}" != 1 ]; then
    [ -x "$pd" ] || { echo "SKIP: no packetdrill at $pd (set PACKETDRILL)"; exit 77; }
    [ "$(id -u)" = 0 ] || { echo "SKIP: packetdrill needs root (mlockall)"; exit 77; }
    [ -f "$so" ] || { echo "SKIP: $so not built"; exit 77; }
    so=$(readlink -f "$so") # the scripts run from their own folders
    # A sanitizer build's shim needs its runtime loaded first, which packetdrill is not.
    if grep -q '__asan_\|__ubsan_' <<<"$(readelf --dyn-syms "$so" 2> /dev/null)"; then
        echo "SKIP: $so is a sanitizer build (packetdrill cannot load it)"
        exit 77
    fi
    tcpdir=${SYNACK_UPSTREAM_TCP_DIR:-$(cd "$(dirname "$pd")/../tcp" 2>/dev/null && pwd)}
    [ -n "$tcpdir" ] && [ -d "$tcpdir" ] ||
        { echo "SKIP: no upstream gtests/net/tcp beside $pd (set SYNACK_UPSTREAM_TCP_DIR)"; exit 77; }
    command -v python3 > /dev/null || { echo "SKIP: python3 (for %{ }% blocks) missing"; exit 77; }
    unshare -n true 2> /dev/null || { echo "SKIP: cannot create a network namespace"; exit 77; }
    scratch=$(mktemp -d /tmp/synack-upstream.XXXXXX)
    trap 'rm -rf "$scratch"' EXIT
    # bash dies of TERM or INT without the EXIT trap: exit, so the scratch folder goes (the
    # private namespaces vanish with their last process).
    trap 'exit 143' TERM
    trap 'exit 130' INT
    UPSTREAM_INNER=1 UPSTREAM_SCRATCH="$scratch" UPSTREAM_TCP_DIR="$tcpdir" \
        PACKETDRILL="$pd" SYNACK_PACKETDRILL_SO="$so" \
        unshare -n -m --propagation private -- bash "$(readlink -f "$0")"
    exit $?
fi

# --- inside the private namespaces ------------------------------------------------------
scratch=$UPSTREAM_SCRATCH
tcpdir=$UPSTREAM_TCP_DIR
hystart=/sys/module/tcp_cubic/parameters/hystart_detect
if [ -e "$hystart" ]; then
    cat "$hystart" > "$scratch/hystart_detect" 2> /dev/null || echo 3 > "$scratch/hystart_detect"
    mount --bind "$scratch/hystart_detect" "$hystart" ||
        { echo "SKIP: cannot hide $hystart from the scripts"; exit 77; }
fi
ip link set lo up
export NSTAT_HISTORY="$scratch/nstat"

# A bare tun0, as pd-sweep.sh makes it: the shim gives it the local address and the route
# to the remote that packetdrill's tun mode would (pd_tunaddr.c), which scripts change
# (`ip route change 192.0.2.1 via 192.168.0.2 ... mtu lock 640`, mtu_probe/) and the shim
# reads back (pd_route.c).
# In ipv6 mode tun0 also holds an on-link default route: mtu_probe/basic-v6.pkt changes the
# route to the remote `via fd3d:fa7b:d17d:8888::0`, packetdrill's own gateway, which the
# kernel accepts only on a link that reaches it; the route names no address, and what the
# kernel would send through it goes into tun0, which the shim reads and discards.
new_tun0() {
    ip link del tun0 2> /dev/null
    ip tuntap add dev tun0 mode tun && ip link set tun0 up || return 1
    [ "$mode" != ipv6 ] || ip -6 route add default dev tun0
}
new_tun0 || { echo "SKIP: cannot create tun0 in the namespace"; exit 77; }

# Runs one script (path relative to tcpdir); its output goes to $scratch/out.
run_one() {
    local rel=$1 dir
    dir=$(dirname "$tcpdir/$rel")
    new_tun0 || return 1
    # The pid file names the /tmp/sysctl_restore_<pid>.sh that set_sysctls.py leaves.
    (cd "$dir" && timeout "${UPSTREAM_TIMEOUT:-60}" bash -c 'echo $$ > "$0"; exec "$@"' \
        "$scratch/pid" "$PACKETDRILL" --send_omit_free "${mode_args[@]}" \
        --so_filename="$SYNACK_PACKETDRILL_SO" --so_flags="$mode_flags,profile=linux" \
        "$(basename "$rel")" > "$scratch/out" 2>&1 < /dev/null)
    local rc=$?
    local p
    p=$(cat "$scratch/pid" 2> /dev/null)
    [ -n "$p" ] && rm -f "/tmp/sysctl_restore_$p.sh"
    if [ -n "${UPSTREAM_LOGDIR:-}" ]; then
        mkdir -p "$UPSTREAM_LOGDIR/$(dirname "$rel")"
        cp "$scratch/out" "$UPSTREAM_LOGDIR/${rel%.pkt}.log"
    fi
    return $rc
}

# The lines to run: the file's "STATUS PATH ...", or UPSTREAM_LIST's paths as "- PATH".
listing() {
    if [ -n "${UPSTREAM_LIST:-}" ]; then
        sed -n 's|^\([^#[:space:]][^[:space:]]*\).*|- \1|p' "$UPSTREAM_LIST"
    else
        cat "$expected"
    fi
}

declare -A folder_total folder_pass
regressions=0 newpass=0 pass=0 total=0
while read -r want rel _; do
    case "$want" in PASS | FAIL | -) ;; *) continue ;; esac
    [ -n "${UPSTREAM_ONLY:-}" ] && [[ "$rel" != *"$UPSTREAM_ONLY"* ]] && continue
    # run_all.py's rule: *v4.pkt only over IPv4 on the wire, *v6.pkt only in ipv6 mode
    if [ "$mode" = ipv6 ]; then [[ "$rel" == *v4.pkt ]] && continue; fi
    if [ "$mode" != ipv6 ]; then [[ "$rel" == *v6.pkt ]] && continue; fi
    [ "$asserting" = 1 ] || want=-
    folder=${rel%%/*}
    total=$((total + 1))
    folder_total[$folder]=$((${folder_total[$folder]:-0} + 1))
    got=FAIL
    if [ -f "$tcpdir/$rel" ] && run_one "$rel"; then
        got=PASS
    elif [ "$want" = PASS ] && [ -f "$tcpdir/$rel" ] && run_one "$rel"; then
        got=PASS
        echo "note: $rel passed on its retry (timing)"
    fi
    if [ "$got" = PASS ]; then
        pass=$((pass + 1))
        folder_pass[$folder]=$((${folder_pass[$folder]:-0} + 1))
    fi
    if [ "$want" = PASS ] && [ "$got" = FAIL ]; then
        regressions=$((regressions + 1))
        echo "REGRESSION $rel (expected to pass):"
        grep -v '^sysctl: setting key' "$scratch/out" | head -n 8 | sed 's/^/    /'
    elif [ "$want" = FAIL ] && [ "$got" = PASS ]; then
        newpass=$((newpass + 1))
        echo "NEW PASS $rel: mark it PASS in tests/packetdrill/$(basename "$expected")"
    elif [ "$want" = - ] && [ "$got" = FAIL ]; then
        echo "FAIL $rel ($mode):"
        grep -v '^sysctl: setting key' "$scratch/out" | head -n 3 | sed 's/^/    /'
    else
        echo "$got $rel"
    fi
done < <(listing)

echo "per folder (synack passes / listed):"
for folder in $(printf '%s\n' "${!folder_total[@]}" | sort); do
    printf '  %-20s %3d / %3d\n' "$folder" "${folder_pass[$folder]:-0}" "${folder_total[$folder]}"
done
echo "synack passes $pass of $total listed upstream scripts ($mode); $regressions regression(s), $newpass new pass(es)"
[ "$regressions" -eq 0 ]
