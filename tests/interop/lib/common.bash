# SPDX-License-Identifier: MIT
# Shared by the interop tests (tests/interop/*.sh): a fresh network namespace holding a TAP
# device, the Linux kernel on one side (192.0.2.1/24) and synack on the other
# (192.0.2.2/24), both inside the namespace. Only RFC 5737 TEST-NET-1 addresses are used and
# nothing leaves the namespace. Every process a test starts is recorded and killed by PID
# on exit; the namespace and the scratch directory are deleted.
#
# Environment: SYNACK_BIN (the tool), SYNACK_SOURCE_DIR (the source tree), KEEP=1 keeps the
# scratch directory (captures, logs) for a look afterwards.

set -euo pipefail

KERNEL_IP=192.0.2.1
SYNACK_IP=192.0.2.2
TAP=tap0
NS=""
WORK=""
BG_PIDS=()
T0_MS=$(($(date +%s%N) / 1000000))

# Milliseconds since the test started.
now_ms() { echo $(($(date +%s%N) / 1000000 - T0_MS)); }
log() {
    local ms
    ms=$(now_ms)
    printf '[%3d.%03ds] %s\n' $((ms / 1000)) $((ms % 1000)) "$*" >&2
}
fail() {
    log "FAIL: $*"
    exit 1
}
skip() {
    echo "SKIP: $*" >&2
    exit 77
}

# bash dies of TERM and INT without running the EXIT trap, where each setup (setup_ns,
# gw_setup, v6_setup_tap, ...) removes its namespaces and processes: exit instead. A trap
# runs once the foreground command ends, which a `timeout` or a Ctrl-C (sent to the whole
# process group) ends at once, and the watchdog below ends by itself.
trap 'log "terminated (TERM)"; exit 143' TERM
trap 'log "interrupted (INT)"; exit 130' INT

# ctest kills a test that overran its TIMEOUT with SIGKILL, which no trap sees, leaving its
# namespaces behind. With SYNACK_TEST_TIMEOUT (seconds, set by CMake) a watchdog sends TERM
# to the script and its children 15 s before, so the script's cleanup runs. It stays quiet
# (no ctest pipe held open) and leaves alone a PID that is no longer this script's.
WATCHDOG_PID=""
start_watchdog() {
    local secs=${SYNACK_TEST_TIMEOUT:-0} main=$$
    [[ "$secs" =~ ^[0-9]+$ ]] && [ "$secs" -gt 30 ] || return 0
    (
        me=$BASHPID nap=""
        trap 'kill "$nap" 2>/dev/null; exit 0' TERM
        sleep $((secs - 15)) &
        nap=$!
        wait "$nap" || exit 0
        # Reparented (the script is gone, its PID may be reused): nothing to end.
        [ "$(cut -d' ' -f4 "/proc/$me/stat")" = "$main" ] || exit 0
        kill -TERM "$main" 2>/dev/null || exit 0
        for child in $(ps -o pid= --ppid "$main"); do
            [ "$child" = "$me" ] || kill -TERM "$child" 2>/dev/null || true
        done
    ) </dev/null >/dev/null 2>&1 &
    WATCHDOG_PID=$!
}
stop_watchdog() {
    if [ -n "$WATCHDOG_PID" ]; then
        kill -TERM "$WATCHDOG_PID" 2>/dev/null || true
        wait "$WATCHDOG_PID" 2>/dev/null || true
        WATCHDOG_PID=""
    fi
}
start_watchdog
# Until a setup installs its cleanup (which calls stop_bg): a skip must not leave it behind.
trap stop_watchdog EXIT

# Skips (exit 77) unless this can run: root, the tool, /dev/net/tun, and the commands named.
require() {
    [ "$(id -u)" = 0 ] || skip "needs root (network namespaces, TAP devices)"
    [ -n "${SYNACK_BIN:-}" ] && [ -x "$SYNACK_BIN" ] || skip "SYNACK_BIN is not set or not executable"
    [ -c /dev/net/tun ] || skip "no /dev/net/tun"
    local t
    for t in ip timeout "$@"; do
        command -v "$t" >/dev/null 2>&1 || skip "needs '$t' (see .ci/run for the packages)"
    done
}

# Runs a command inside the test's namespace.
nsx() { ip netns exec "$NS" "$@"; }

# 0 (and the report on stderr) when a log in $WORK holds a sanitizer report.
sanitizer_reported() {
    [ -n "$WORK" ] || return 1
    grep -l -E "ERROR: (Address|Leak)Sanitizer|runtime error:" "$WORK"/*.err >/dev/null 2>&1 ||
        return 1
    grep -h -A12 -E "ERROR: (Address|Leak)Sanitizer|runtime error:" "$WORK"/*.err | head -40 >&2
    log "FAIL: sanitizer report"
}

# Stops every process `bg` started, by PID: TERM, up to 3 s, then KILL.
stop_bg() {
    local p
    stop_watchdog
    for p in "${BG_PIDS[@]:-}"; do
        [ -n "$p" ] && kill -TERM "$p" 2>/dev/null || true
    done
    for p in "${BG_PIDS[@]:-}"; do
        [ -n "$p" ] || continue
        for _ in $(seq 1 30); do
            kill -0 "$p" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
}

cleanup() {
    local rc=$?
    # A sanitizer report in any log fails the test (ASan exits 1, which some steps expect).
    sanitizer_reported && [ "$rc" -eq 0 ] && rc=1
    stop_bg
    [ -n "$NS" ] && ip netns del "$NS" 2>/dev/null || true
    if [ -n "$WORK" ]; then
        rm -f "$WORK/data" "$WORK/echoed" "$WORK/received" # bulk payloads, not evidence
        if [ "${KEEP:-0}" = 1 ] || [ "$rc" -ne 0 ]; then
            echo "(scratch files kept in $WORK)" >&2
        else
            rm -rf "$WORK"
        fi
    fi
    exit "$rc"
}

# A fresh namespace "synack-<test>-<pid>" with tap0: kernel 192.0.2.1/24, IPv6 off (so
# captures hold only what the test does).
setup_ns() {
    local name
    name=$(basename "$0" .sh)
    NS="synack-${name}-$$"
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/synack-${name}.XXXXXX")
    trap cleanup EXIT
    trap 'exit 130' INT TERM
    ip netns add "$NS"
    nsx ip link set lo up
    nsx ip tuntap add dev "$TAP" mode tap
    nsx sh -c "echo 1 >/proc/sys/net/ipv6/conf/$TAP/disable_ipv6" 2>/dev/null || true
    nsx ip addr add "$KERNEL_IP/24" dev "$TAP"
    # A longer transmit queue towards synack than the default 1000 frames, so a briefly
    # descheduled synack does not make the kernel's side drop frames.
    nsx ip link set "$TAP" txqueuelen 10000
    nsx ip link set "$TAP" up
    log "namespace $NS ready (work dir $WORK)"
}

# bg NAME CMD...: runs CMD in the background inside the namespace, stdout to
# $WORK/NAME.out and stderr to $WORK/NAME.err; its PID is in $BG_PID.
bg() {
    local name=$1
    shift
    ip netns exec "$NS" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
    BG_PID=$!
    BG_PIDS+=("$BG_PID")
}

# wait_for FILE PATTERN [SECONDS]: waits until FILE has a line matching PATTERN.
wait_for() {
    local file=$1 pat=$2 secs=${3:-10}
    local n=$((secs * 20))
    while [ "$n" -gt 0 ]; do
        grep -q -- "$pat" "$file" 2>/dev/null && return 0
        sleep 0.05
        n=$((n - 1))
    done
    fail "timed out waiting for '$pat' in $file"
}

# stop PID [SECONDS]: SIGTERM, then waits (bounded) for it to exit. Returns its status.
stop() {
    local pid=$1 secs=${2:-10}
    kill -TERM "$pid" 2>/dev/null || true
    local n=$((secs * 10))
    while kill -0 "$pid" 2>/dev/null && [ "$n" -gt 0 ]; do
        sleep 0.1
        n=$((n - 1))
    done
    kill -KILL "$pid" 2>/dev/null || true
    local rc=0
    wait "$pid" 2>/dev/null || rc=$?
    return "$rc"
}

# wait_exit PID SECONDS: waits for a process to end by itself; returns its status.
wait_exit() {
    local pid=$1 secs=$2
    local n=$((secs * 10))
    while kill -0 "$pid" 2>/dev/null && [ "$n" -gt 0 ]; do
        sleep 0.1
        n=$((n - 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        fail "process $pid did not finish within ${secs}s"
    fi
    local rc=0
    wait "$pid" || rc=$?
    return "$rc"
}

# synack_serve NAME ARGS...: starts `synack serve` on the TAP and waits until it listens.
synack_serve() {
    local name=$1
    shift
    bg "$name" "$SYNACK_BIN" serve --tap "$TAP" --addr "$SYNACK_IP/24" --quiet "$@"
    SERVE_PID=$BG_PID
    wait_for "$WORK/$name.err" "synack serve: .* on $SYNACK_IP"
}

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

# The SHA-256 of the body `serve --app http` returns for /bytes/N (16-byte lines holding
# each line's offset in hex), computed independently of synack.
pattern_sha() {
    python3 - "$1" <<'PY'
import hashlib, sys
n = int(sys.argv[1]); h = hashlib.sha256(); lines = n // 16; k = 0
block = b"%015x\n" * 65536
while k < lines:
    m = min(65536, lines - k)
    if m == 65536:
        h.update(block % tuple(range(k * 16, (k + m) * 16, 16)))
    else:
        h.update(b"".join(b"%015x\n" % ((k + j) * 16) for j in range(m)))
    k += m
h.update((b"%015x\n" % (lines * 16))[: n % 16])
print(h.hexdigest())
PY
}

# tshark_bad FILE ALLOWED: prints the frames of FILE that are malformed, have a bad IPv4,
# TCP or ICMP checksum, or carry a TCP analysis flag outside ALLOWED ("a|b" names of
# tcp.analysis.* flags). Window updates and keep-alives are information, not warnings
# (Wireshark's "Bad TCP" colouring rule). Linux writes 0xffff for a TCP checksum that folds
# to 0 (skb_checksum_help's CSUM_MANGLED_0; RFC 1624: both forms of zero verify), which
# Wireshark calls bad: the kernel's frames are excused that, never ours. HTTP bodies are not
# reassembled (a 100 MiB body takes tshark minutes), and the bulk-data ports are decoded as
# plain data (else heuristic dissectors take random payload for Thrift and call it
# malformed).
tshark_bad() {
    local file=$1 extra=$2 f
    local allowed="tcp.analysis.window_update || tcp.analysis.keep_alive || tcp.analysis.keep_alive_ack"
    for f in ${extra//|/ }; do
        allowed="$allowed || tcp.analysis.$f"
    done
    local filter="_ws.malformed || _ws.expert.severity == error"
    filter="$filter || ip.checksum.status == \"Bad\" || icmp.checksum.status == \"Bad\""
    filter="$filter || (tcp.checksum.status == \"Bad\" && !(ip.src == $KERNEL_IP && tcp.checksum == 0xffff))"
    filter="$filter || (tcp.analysis.flags && !($allowed))"
    local as_data=() port
    for port in 7 9 19 5001 5002 5003 5004 5005; do
        as_data+=(-d "tcp.port==$port,data")
    done
    tshark -n -r "$file" -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE \
        -o http.desegment_body:FALSE "${as_data[@]}" -Y "$filter" 2>"$WORK/tshark.err" ||
        fail "tshark cannot read $file: $(grep -v 'Running as user' "$WORK/tshark.err" | head -3)"
}

# Retransmission-family flags a loaded host causes without any fault injected: when the
# synack process is descheduled for a few milliseconds, Linux's tail-loss probe (RFC 8985)
# resends its last segment (a spurious retransmission, which synack answers with a
# duplicate ACK as RFC 9293 3.10.7.4 asks), and a TAP queue that overflowed loses a frame.
# The analysis flags of flow control working: a receiver slower than its sender fills its
# buffer and advertises a zero window; the sender fills the window and probes it.
FLOW_CONTROL="zero_window|window_full|zero_window_probe|zero_window_probe_ack"

HOST_NOISE="retransmission|spurious_retransmission|fast_retransmission|duplicate_ack|lost_segment|ack_lost_segment|out_of_order"

# duplicates_answered FILE FRAMES: how many of FRAMES (frame numbers of FILE, one a line)
# are the kernel resending data synack already had, each with synack's D-SACK reporting
# exactly that range (RFC 2883) within the next 8 frames: both frames count (the D-SACK's
# when it is among FRAMES, as a duplicate ACK). The kernel's
# tail-loss probe fires whenever synack is descheduled for a few milliseconds, so on a
# loaded host their number grows with the load and the transfer's length; the D-SACK proves
# the data had arrived. A range resent more than once is not counted: a second duplicate
# means synack's acknowledgment did not get through, which is a fault, not load.
duplicates_answered() {
    local as_data=() port
    for port in 7 9 5001; do
        as_data+=(-d "tcp.port==$port,data")
    done
    tshark -n -r "$1" "${as_data[@]}" -Y "tcp.len > 0 || tcp.options.sack.dsack" -T fields \
        -e frame.number -e ip.src -e tcp.srcport -e tcp.seq -e tcp.len -e tcp.options.sack.dsack_le \
        -e tcp.options.sack.dsack_re 2>/dev/null |
        python3 -c '
import sys
noise = set(int(x) for x in open(sys.argv[1]).read().split())
rows = [l.rstrip("\n").split("\t") for l in sys.stdin]
seen, ok = set(), 0
for i, r in enumerate(rows):
    n = int(r[0])
    if n not in noise or r[1] != sys.argv[2] or not r[4] or int(r[4]) == 0:
        continue
    rng = (r[2], int(r[3]), int(r[3]) + int(r[4]))
    for d in rows[i + 1:i + 9]:
        if d[1] != sys.argv[2] and d[5] and \
           (int(d[5].split(",")[0]), int(d[6].split(",")[0])) == rng[1:]:
            if rng not in seen:
                ok += 1 + (int(d[0]) in noise)
            seen.add(rng)
            break
print(ok)' "$2" "$KERNEL_IP"
}

# check_capture FILE [ALLOWED] [NOISE_MAX]: tshark reads FILE without error and finds no
# frame that tshark_bad reports. ALLOWED names the analysis flags caused on purpose (the
# fault injector's). With NOISE_MAX, frames carrying HOST_NOISE flags are allowed: the
# kernel's duplicates synack answered with a D-SACK (duplicates_answered), however many,
# and up to NOISE_MAX others (counted and logged); anything else still fails.
check_capture() {
    local file=$1 extra=${2:-} noise_max=${3:-}
    [ -s "$file" ] || fail "capture $file is missing or empty"
    local total out
    if command -v capinfos >/dev/null 2>&1; then
        total=$(capinfos -c -M "$file" 2>/dev/null | awk '/Number of packets/ {print $NF}')
    else
        total=$(tshark -n -r "$file" 2>/dev/null | wc -l)
    fi
    [ "${total:-0}" -gt 0 ] || fail "capture $file holds no packets"
    out=$(tshark_bad "$file" "$extra")
    local note=""
    if [ -n "$out" ] && [ -n "$noise_max" ]; then
        local n dup
        n=$(echo "$out" | wc -l)
        awk '{print $1}' <<<"$out" >"$WORK/noise.frames"
        dup=$(duplicates_answered "$file" "$WORK/noise.frames")
        if [ -z "$(tshark_bad "$file" "${extra:+$extra|}$HOST_NOISE")" ] &&
            [ "$((n - ${dup:-0}))" -le "$noise_max" ]; then
            note=" except $n frames of host-scheduling noise ($dup of them duplicates answered by a D-SACK; at most $noise_max others allowed)"
            head -5 <<<"$out" >&2
            out=""
        fi
    fi
    if [ -n "$out" ]; then
        head -20 <<<"$out" >&2
        fail "capture $(basename "$file"): $(echo "$out" | wc -l) of $total frames are malformed, have bad checksums or TCP analysis warnings"
    fi
    log "capture $(basename "$file"): $total frames, clean${extra:+ (allowed: $extra)}$note"
}

# start_capture NAME: tshark on the TAP device (kernel side) into $WORK/NAME.pcap; waits
# until it captures. Its PID is in $CAPTURE_PID; stop_capture ends it.
start_capture() {
    bg "$1-tshark" tshark -n -i "$TAP" -w "$WORK/$1.pcap"
    CAPTURE_PID=$BG_PID
    wait_for "$WORK/$1-tshark.err" "Capturing on" 15
}
stop_capture() {
    sleep 0.3 # the last frames
    stop "$CAPTURE_PID" || true
}

# kernel_tw PORT: TIME-WAIT connections the kernel holds with local or remote port PORT.
kernel_tw() {
    nsx ss -Htan state time-wait "( sport = :$1 or dport = :$1 )" | wc -l
}

# synack_count STATE: connections in STATE in the running synack (via `synack stat`).
synack_count() {
    nsx "$SYNACK_BIN" stat --tap "$TAP" --count "$1"
}
