#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Keepalive against a kernel peer that is then cut off. synack connects with
# --keepalive 1,1,3 (TCP_KEEPIDLE 1 s, TCP_KEEPINTVL 1 s, TCP_KEEPCNT 3) and stays idle;
# the kernel answers the probes (RFC 1122 4.2.3.6). Then the link goes down: the probes go
# unanswered and synack gives up with ETIMEDOUT idle + cnt*intvl = 4 s after the last
# answer, i.e. 3 to 4 s after the cut. The capture shows keep-alives and nothing wrong.
source "$(dirname "$0")/lib/common.bash"
require python3 tshark
setup_ns

PEER="$(dirname "$0")/lib/peer.py"
bg holder python3 "$PEER" server 5004 1 hold
wait_for "$WORK/holder.out" listening
bg connect "$SYNACK_BIN" connect --tap "$TAP" --addr "$SYNACK_IP/24" --quiet \
    --to "$KERNEL_IP:5004" --send /dev/null --wait-eof --recv /dev/null \
    --keepalive 1,1,3 --pcap "$WORK/synack.pcap"
CONNECT=$BG_PID
for _ in $(seq 1 100); do
    nsx ss -Htan state established "( dport = :5004 or sport = :5004 )" | grep -q . && break
    sleep 0.05
done
nsx ss -Htan state established "( dport = :5004 or sport = :5004 )" | grep -q . ||
    fail "no established connection on the kernel's side"
sleep 3.5 # three probes, answered
kill -0 "$CONNECT" 2>/dev/null || fail "synack connect ended early: $(cat "$WORK/connect.err")"
cut_ms=$(now_ms)
nsx ip link set "$TAP" down
log "link down"
rc=0
wait_exit "$CONNECT" 15 || rc=$?
gone_ms=$(now_ms)
[ "$rc" = 1 ] || fail "synack connect exited $rc, not 1: $(cat "$WORK/connect.err")"
grep -q "ETIMEDOUT" "$WORK/connect.err" || fail "no ETIMEDOUT: $(head -5 "$WORK/connect.err")"
grep -q "^TCPKeepAliveTimeouts *1$" "$WORK/connect.out" || fail "TCPKeepAliveTimeouts is not 1"
took=$((gone_ms - cut_ms))
log "synack: $(grep ETIMEDOUT "$WORK/connect.err") -- $took ms after the cut"
# The last answered probe came at most 1 s before the cut: ETIMEDOUT 3..4 s after it
# (plus the time to notice the exit).
[ "$took" -ge 2900 ] && [ "$took" -le 4800 ] ||
    fail "ETIMEDOUT came $took ms after the cut, expected 3000..4000 ms"
# Before the cut the probes cross the device and are answered; after it the device
# refuses them (the interface is down), so they are counted, not captured.
probes=$(tshark -n -r "$WORK/synack.pcap" -Y "tcp.analysis.keep_alive && ip.src == $SYNACK_IP" 2>/dev/null | wc -l)
answers=$(tshark -n -r "$WORK/synack.pcap" -Y "tcp.analysis.keep_alive_ack && ip.src == $KERNEL_IP" 2>/dev/null | wc -l)
[ "$probes" -ge 3 ] && [ "$answers" -ge 2 ] ||
    fail "$probes keep-alive probes and $answers answers before the cut, expected 3 and 2"
refused=$(awk '/^DeviceTx/ {print $(NF-1)}' "$WORK/connect.out")
[ "${refused:-0}" -ge 3 ] || fail "only ${refused:-0} frames after the cut, expected 3 probes and a RST"
log "$probes probes answered before the cut, $refused frames (probes, RST) after it"
check_capture "$WORK/synack.pcap"
log "PASS"
