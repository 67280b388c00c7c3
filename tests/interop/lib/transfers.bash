# SPDX-License-Identifier: MIT
# The 100 MiB transfers between the kernel and synack, both ways, each checked by SHA-256
# and by a clean capture (synack's --pcap: every frame as it crossed the device, after
# synack's fault injector). Used by transfer.sh (no faults) and transfer_faults.sh.
#
# run_transfers "SYNACK FAULT OPTIONS" "ALLOWED ANALYSIS FLAGS" [NOISE_MAX]
# (NOISE_MAX: see check_capture; used without faults.) Flow control is always allowed: a
# bulk receiver slower than its sender closes its window (window full, zero window, probes),
# and echo couples the two directions, so it stops reading when the way back is slower.

# 100 MiB; a sanitizer build (several times slower) moves 25 MiB, unless told otherwise.
if [ -z "${SYNACK_INTEROP_BYTES:-}" ] && grep -q -a __asan_init "${SYNACK_BIN:-}" 2>/dev/null; then
    SYNACK_INTEROP_BYTES=26214400
fi
SIZE=${SYNACK_INTEROP_BYTES:-104857600}

# rate NAME START_MS: logs the throughput of a transfer of $SIZE bytes.
rate() {
    local ms=$(($(now_ms) - $2))
    [ "$ms" -gt 0 ] || ms=1
    log "$1: $SIZE bytes in $ms ms = $((SIZE * 8 / 1000 / ms)) Mbit/s"
}

run_transfers() {
    local faults=$1 allowed=${2:+$2|}$FLOW_CONTROL noise=${3:-}
    head -c "$SIZE" /dev/urandom >"$WORK/data"
    local want
    want=$(sha_of "$WORK/data")

    # 1. kernel -> synack discard: synack's log has the digest of what it received.
    # shellcheck disable=SC2086
    synack_serve discard --app discard --count 1 --sha256 --pcap "$WORK/discard.pcap" $faults
    local t
    t=$(now_ms)
    nsx timeout 120 socat -u -T 60 "OPEN:$WORK/data" "TCP:$SYNACK_IP:9" ||
        fail "socat to discard failed"
    wait_exit "$SERVE_PID" 30 || fail "synack serve (discard) failed"
    rate "kernel -> synack discard" "$t"
    grep -q "rx $SIZE bytes sha256 $want" "$WORK/discard.out" ||
        fail "discard received something else: $(grep '^conn' "$WORK/discard.out")"
    check_capture "$WORK/discard.pcap" "$allowed" $noise

    # 2. kernel -> synack echo -> kernel: the same bytes come back.
    # shellcheck disable=SC2086
    synack_serve echo --app echo --count 1 --pcap "$WORK/echo.pcap" $faults
    t=$(now_ms)
    nsx timeout 120 socat -t 60 -T 60 - "TCP:$SYNACK_IP:7" <"$WORK/data" >"$WORK/echoed" ||
        fail "socat to echo failed"
    wait_exit "$SERVE_PID" 30 || fail "synack serve (echo) failed"
    rate "kernel <-> synack echo (each way)" "$t"
    [ "$(sha_of "$WORK/echoed")" = "$want" ] ||
        fail "echo returned $(stat -c %s "$WORK/echoed") bytes with another digest"
    grep -q "rx $SIZE bytes, tx $SIZE bytes" "$WORK/echo.out" ||
        fail "echo log: $(grep '^conn' "$WORK/echo.out")"
    rm -f "$WORK/echoed"
    check_capture "$WORK/echo.pcap" "$allowed" $noise

    # 3. synack -> kernel: `synack connect` sends the file to a kernel listener.
    bg sink socat -u -T 60 TCP-LISTEN:5001,reuseaddr "CREATE:$WORK/received"
    local sink=$BG_PID
    sleep 0.2
    t=$(now_ms)
    # shellcheck disable=SC2086
    nsx timeout 120 "$SYNACK_BIN" connect --tap "$TAP" --addr "$SYNACK_IP/24" --quiet \
        --to "$KERNEL_IP:5001" --send "$WORK/data" --recv /dev/null \
        --pcap "$WORK/connect.pcap" $faults >"$WORK/connect.err" 2>&1 ||
        fail "synack connect failed: $(tail -5 "$WORK/connect.err")"
    wait_exit "$sink" 30 || fail "the kernel's socat listener failed"
    rate "synack -> kernel" "$t"
    [ "$(sha_of "$WORK/received")" = "$want" ] ||
        fail "the kernel received $(stat -c %s "$WORK/received") bytes with another digest"
    grep "^tcp_info" "$WORK/connect.err" >&2
    rm -f "$WORK/received"
    check_capture "$WORK/connect.pcap" "$allowed" $noise
}
