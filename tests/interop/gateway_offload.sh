#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `synack gateway`'s fast path (issue 15): by default the namespace's TAP has MTU 65520 and
# checksum/TSO offloads (IFF_VNET_HDR), so 64 KiB frames with partial checksums cross it
# both ways; --no-offload --mtu 1500 gives a plain TAP; offloads at --mtu 1500 carry
# super-frames (GSO from the kernel, TSO from us) larger than the MTU. Each time 32 MiB go
# down and up intact (SHA-256), and the gateway's TAP summary shows which frames crossed.
# Bad size options are usage errors. With strace installed: a one-byte round trip costs
# the gateway at most 8 system calls (poll, TAP read and its EAGAIN, send, poll, recv, TAP
# write: no reads for nothing on the side that did not wake it), and a relayed connection
# (connect, 64 bytes each way, close) three TAP writes (SYN-ACK, reply, FIN: the reply
# carries the window the first read opened, no bare ACK for it) and one socket and one
# setsockopt, at most 32 calls in all; a 32 MiB upload costs at most 3 TAP writes
# (ACKs) per MiB, and a 32 MiB download at most 27 (TSO frames). Namespaces "container"
# and "host" only, servers at 198.18.0.1 on the host namespace's loopback: nothing leaves.
source "$(dirname "$0")/lib/gateway.bash"
require python3 ethtool sha256sum

gw_setup
# Usage errors first: no namespace needed.
gw_usage_errors "--buffer 1k" "--buffer 65M" "--max-buffer 1x" "--mtu 65521"
log "bad --buffer/--max-buffer/--mtu values: usage errors"

head -c $((32 << 20)) /dev/urandom >"$WORK/data"
WANT=$(sha_of "$WORK/data")
# Port 7100 sends the file and closes; port 7101 reads to EOF and answers its SHA-256;
# port 7102 echoes.
hbg srv python3 -c '
import hashlib, socket, sys, threading
def give(c):
    with open(sys.argv[2], "rb") as f:
        c.sendall(f.read())
    c.close()
def take(c):
    h = hashlib.sha256()
    while True:
        b = c.recv(1 << 20)
        if not b: break
        h.update(b)
    c.sendall(h.hexdigest().encode()); c.close()
def serve(port, fn):
    l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind((sys.argv[1], port)); l.listen(8)
    while True:
        c, _ = l.accept(); threading.Thread(target=fn, args=(c,), daemon=True).start()
threading.Thread(target=serve, args=(7100, give), daemon=True).start()
def echo(c):
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    while True:
        b = c.recv(4096)
        if not b: break
        c.sendall(b)
    c.close()
threading.Thread(target=serve, args=(7101, take), daemon=True).start()
threading.Thread(target=serve, args=(7102, echo), daemon=True).start()
print("up", flush=True)
threading.Event().wait()' "$SERVER" "$WORK/data"
wait_for "$WORK/srv.out" up

# transfer TAG: 32 MiB down and up through the gateway, both checked by SHA-256.
transfer() {
    cx timeout 60 python3 - "$SERVER" "$WORK/data" "$WANT" <<'PY' || fail "$1: transfer"
import hashlib, socket, sys
srv, path, want = sys.argv[1], sys.argv[2], sys.argv[3]
s = socket.create_connection((srv, 7100), timeout=30)
h = hashlib.sha256()
while True:
    b = s.recv(1 << 20)
    if not b: break
    h.update(b)
assert h.hexdigest() == want, "download corrupted"
s = socket.create_connection((srv, 7101), timeout=30)
with open(path, "rb") as f:
    s.sendall(f.read())
s.shutdown(socket.SHUT_WR)
got = s.recv(100).decode()
assert got == want, "upload corrupted: %r" % got
PY
}

# tap_summary FILE: the gateway_tap JSON line of a stopped gateway, as python literal.
check_summary() {
    python3 - "$1" "$2" <<'PY' || fail "gateway TAP summary ($2): $(cat "$1")"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
t = [l for l in lines if l["summary"] == "gateway_tap"][0]
assert lines[-1]["summary"] == "gateway", lines
assert t["rx_errors"] == 0 and t["tx_errors"] == 0, t
assert t["rx_bytes"] >= 32 << 20 and t["tx_bytes"] >= 32 << 20, t
if sys.argv[2] == "offload":
    assert t["offload"] == 1, t
    # 64 KiB frames, the checksums left to the device both ways
    assert t["rx_max"] > 60000, t
    assert t["rx_partial"] > 0 and t["tx_partial"] > 0, t
elif sys.argv[2] == "super":
    assert t["offload"] == 1 and t["rx_super"] > 0 and t["tx_super"] > 0, t
    assert t["rx_max"] > 1514, t
else:
    assert t["offload"] == 0 and t["rx_partial"] == 0 and t["tx_partial"] == 0, t
    assert t["rx_max"] <= 1514 and t["rx_super"] == 0 and t["tx_super"] == 0, t
PY
}

# 1. Defaults: MTU 65520 and the offloads on the namespace's side of the TAP.
hbg gw1 "$SYNACK_BIN" gateway --netns "/run/netns/$NS_C" --addr 192.0.2.100/24 \
    --gw 192.0.2.2 --json
GW=$BG_PID
wait_for "$WORK/gw1.err" "serving"
link=$(cx ip -o link show tap0)
[[ "$link" == *"mtu 65520"* ]] || fail "default MTU: $link"
feat=$(cx ethtool -k tap0)
[[ "$feat" == *"tx-checksumming: on"* ]] || fail "tx checksum offload off: $feat"
[[ "$feat" == *"tcp-segmentation-offload: on"* ]] || fail "TSO off: $feat"
transfer defaults
stop "$GW" 10 || fail "gateway exited $?"
check_summary "$WORK/gw1.out" offload
log "defaults: MTU 65520, offloads on, 32 MiB each way; $(grep gateway_tap "$WORK/gw1.out")"

# 2. --no-offload --mtu 1500: a plain TAP, ordinary frames.
ip netns del "$NS_C"
ip netns add "$NS_C"
hbg gw2 "$SYNACK_BIN" gateway --netns "/run/netns/$NS_C" --addr 192.0.2.100/24 \
    --gw 192.0.2.2 --no-offload --mtu 1500 --buffer 256k --max-buffer 64M --json
GW=$BG_PID
wait_for "$WORK/gw2.err" "serving"
link=$(cx ip -o link show tap0)
[[ "$link" == *"mtu 1500"* ]] || fail "--mtu 1500: $link"
feat=$(cx ethtool -k tap0)
[[ "$feat" == *"tcp-segmentation-offload: off"* ]] || fail "--no-offload: TSO on: $feat"
transfer plain
stop "$GW" 10 || fail "gateway exited $?"
check_summary "$WORK/gw2.out" plain
log "--no-offload --mtu 1500: plain TAP, 32 MiB each way"

# 2b. Offloads at MTU 1500: the kernel hands over GSO super-packets (GRO-sized, larger than
# the MTU) and takes TSO super-frames back.
ip netns del "$NS_C"
ip netns add "$NS_C"
hbg gw2b "$SYNACK_BIN" gateway --netns "/run/netns/$NS_C" --addr 192.0.2.100/24 \
    --gw 192.0.2.2 --mtu 1500 --json
GW=$BG_PID
wait_for "$WORK/gw2b.err" "serving"
transfer super
stop "$GW" 10 || fail "gateway exited $?"
check_summary "$WORK/gw2b.out" super
log "offloads at MTU 1500: $(grep gateway_tap "$WORK/gw2b.out")"

# 3. System calls per one-byte round trip (needs strace; the count, not the time). The
# counted gateways run with --busy-poll 0: polling adds epoll_wait(2) calls by design, as
# many as the wait lasts (gateway_busy_poll checks that), and these counts are of the work.
if ! command -v strace >/dev/null 2>&1; then
    log "strace not installed: the system-call count is not checked"
    exit 0
fi
ip netns del "$NS_C"
ip netns add "$NS_C"
hbg gw3 "$SYNACK_BIN" gateway --netns "/run/netns/$NS_C" --addr 192.0.2.100/24 \
    --gw 192.0.2.2 --json --busy-poll 0
GW=$BG_PID
wait_for "$WORK/gw3.err" "serving"
RR=500
cx timeout 30 python3 - "$SERVER" "$WORK/rr.go" "$WORK/rr.done" "$RR" >"$WORK/rr.out" 2>&1 <<'PY' &
import os, socket, sys, time
s = socket.create_connection((sys.argv[1], 7102), timeout=10)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
s.sendall(b"w"); s.recv(1)  # connected and relayed before the count starts
open(sys.argv[2] + ".ready", "w").close()
for _ in range(200):
    if os.path.exists(sys.argv[2]): break
    time.sleep(0.05)
for _ in range(int(sys.argv[4])):
    s.sendall(b"x")
    assert s.recv(1) == b"x"
open(sys.argv[3], "w").close()
time.sleep(0.5)  # connection still open while strace detaches
PY
RR_PID=$!
BG_PIDS+=("$RR_PID")
wait_for_file() {
    for _ in $(seq 1 100); do
        [ -e "$1" ] && return 0
        sleep 0.05
    done
    fail "timed out waiting for $1"
}
wait_for_file "$WORK/rr.go.ready"
strace -c -p "$GW" -o "$WORK/strace.txt" 2>"$WORK/strace.err" &
ST_PID=$!
BG_PIDS+=("$ST_PID")
wait_for "$WORK/strace.err" "attached" 5
touch "$WORK/rr.go"
wait_for_file "$WORK/rr.done"
kill -INT "$ST_PID"
wait "$ST_PID" 2>/dev/null || true
wait "$RR_PID" || fail "round trips: $(cat "$WORK/rr.out")"
python3 - "$WORK/strace.txt" "$RR" <<'PY' || fail "system calls: $(cat "$WORK/strace.txt")"
import sys
calls = errors = 0
per = {}
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) >= 5 and f[0][0].isdigit() and f[-1] != "total":
        n = int(f[3]); e = int(f[4]) if len(f) == 6 else 0
        per[f[-1]] = (n, e)
        calls += n
rr = int(sys.argv[2])
assert calls <= 8 * rr, "%d system calls for %d round trips: %s" % (calls, rr, per)
# recv(2) only when poll said the host socket had something
assert per.get("recvfrom", (0, 0))[1] <= rr // 10, per
print("%.2f system calls per round trip: %s" % (calls / rr, per))
PY
stop "$GW" 10 || fail "gateway exited $?"
log "one-byte round trips: $(python3 - "$WORK/strace.txt" "$RR" <<'PY'
import sys
t = [l.split() for l in open(sys.argv[1]) if l.rstrip().endswith("total")][0]
print("%.2f system calls each" % (int(t[3]) / int(sys.argv[2])))
PY
)"

# 4. System calls per relayed connection: connect, 64 bytes each way, close.
ip netns del "$NS_C"
ip netns add "$NS_C"
hbg gw4 "$SYNACK_BIN" gateway --netns "/run/netns/$NS_C" --addr 192.0.2.100/24 \
    --gw 192.0.2.2 --json --busy-poll 0
GW=$BG_PID
wait_for "$WORK/gw4.err" "serving"
CONNS=300
cx timeout 60 python3 - "$SERVER" "$WORK/cc.go" "$WORK/cc.done" "$CONNS" >"$WORK/cc.out" 2>&1 <<'PY' &
import os, socket, sys, time
def one():
    s = socket.create_connection((sys.argv[1], 7102), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.sendall(b"q" * 64)
    got = b""
    while len(got) < 64:
        b = s.recv(64 - len(got))
        assert b, "connection closed early"
        got += b
    s.close()
for _ in range(20):  # the host server's threads are up before the count starts
    one()
open(sys.argv[2] + ".ready", "w").close()
for _ in range(200):
    if os.path.exists(sys.argv[2]): break
    time.sleep(0.05)
for _ in range(int(sys.argv[4])):
    one()
time.sleep(0.5)  # the last FINs are relayed while strace still counts
open(sys.argv[3], "w").close()
PY
CC_PID=$!
BG_PIDS+=("$CC_PID")
wait_for_file "$WORK/cc.go.ready"
strace -c -p "$GW" -o "$WORK/strace2.txt" 2>"$WORK/strace2.err" &
ST_PID=$!
BG_PIDS+=("$ST_PID")
wait_for "$WORK/strace2.err" "attached" 5
touch "$WORK/cc.go"
for _ in $(seq 1 600); do # 30 s: 300 connections under strace on a loaded machine
    [ -e "$WORK/cc.done" ] && break
    sleep 0.05
done
wait_for_file "$WORK/cc.done"
kill -INT "$ST_PID"
wait "$ST_PID" 2>/dev/null || true
wait "$CC_PID" || fail "connections: $(cat "$WORK/cc.out")"
python3 - "$WORK/strace2.txt" "$CONNS" >"$WORK/cc.sum" <<'PY' || fail "system calls per connection: $(cat "$WORK/strace2.txt")"
import sys
calls = 0
per = {}
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) >= 5 and f[0][0].isdigit() and f[-1] != "total":
        per[f[-1]] = int(f[3])
        calls += int(f[3])
n = int(sys.argv[2])
# 23-24 measured (22-26 with poll(2)): wake-ups and EAGAIN reads vary with how frames
# batch per wake-up
assert calls <= 27 * n, "%d system calls for %d connections: %s" % (calls, n, per)
# epoll: each host socket registered once, never modified (EPOLLOUT only for a connect
# still under way or a blocked send, neither here), removed by its close; no SO_ERROR
# read for a connect that completed; about two wake-ups per connection
assert "poll" not in per and per.get("epoll_ctl", 0) <= n + 5, per
assert per.get("getsockopt", 0) == 0 and per.get("epoll_wait", 0) <= 3 * n, per
# SYN-ACK, reply and FIN: no bare window-update ACK after the first read (4 per
# connection when there was one; a reply later than the delayed-ACK timer still costs it)
assert per.get("writev", 0) <= 3.5 * n, per
# one socket, one TCP_NODELAY per relay
assert per.get("socket", 0) == n and per.get("setsockopt", 0) <= n + 5, per
print("%.2f system calls per connection, %.2f TAP writes: %s" % (calls / n, per.get("writev", 0) / n, per))
PY
stop "$GW" 10 || fail "gateway exited $?"
log "relayed connections: $(cat "$WORK/cc.sum")"

# 5. ACK frames toward a namespace's bulk upload: its 64 KiB segments are ACKed every
# fourth (cfg.ack_every_segs 4) at most, and the gateway batches each round's output
# (synack_batch_begin/end), so one ACK answers all the frames one TAP drain read, with the
# window the relay's sends opened: 1.5-2 TAP writes per MiB (at most 3 here), against 5
# with an ACK every fourth segment and 9 with one every second.
ip netns del "$NS_C"
ip netns add "$NS_C"
hbg gw5 "$SYNACK_BIN" gateway --netns "/run/netns/$NS_C" --addr 192.0.2.100/24 \
    --gw 192.0.2.2 --json
GW=$BG_PID
wait_for "$WORK/gw5.err" "serving"
cx timeout 60 python3 - "$SERVER" "$WORK/data" "$WANT" <<'PY' || fail "upload"
import socket, sys
s = socket.create_connection((sys.argv[1], 7101), timeout=30)
with open(sys.argv[2], "rb") as f:
    s.sendall(f.read())
s.shutdown(socket.SHUT_WR)
assert s.recv(100).decode() == sys.argv[3], "upload corrupted"
PY
stop "$GW" 10 || fail "gateway exited $?"
python3 - "$WORK/gw5.out" >"$WORK/up.sum" <<'PY' || fail "ACK frames for an upload: $(grep gateway_tap "$WORK/gw5.out")"
import json, sys
t = [json.loads(l) for l in open(sys.argv[1]) if '"gateway_tap"' in l][0]
mib = t["rx_bytes"] / (1 << 20)
assert mib >= 32, t
assert t["tx_frames"] <= 3 * mib, "%d TAP writes for %.1f MiB up: %s" % (t["tx_frames"], mib, t)
print("%d TAP writes for %.1f MiB up (%.1f per MiB)" % (t["tx_frames"], mib, t["tx_frames"] / mib))
PY
log "upload: $(cat "$WORK/up.sum")"

# 6. TSO frames toward a namespace's download: without batching, each ACK from the
# namespace and each recv(2) from the host sent a frame of what that one event allowed
# (33-35 per MiB, 31 KB on average); batched, a round's output goes once, in frames as
# large as the windows allow (17-22 per MiB; at most 27 here).
ip netns del "$NS_C"
ip netns add "$NS_C"
hbg gw6 "$SYNACK_BIN" gateway --netns "/run/netns/$NS_C" --addr 192.0.2.100/24 \
    --gw 192.0.2.2 --json
GW=$BG_PID
wait_for "$WORK/gw6.err" "serving"
cx timeout 60 python3 - "$SERVER" "$WANT" <<'PY' || fail "download"
import hashlib, socket, sys
s = socket.create_connection((sys.argv[1], 7100), timeout=30)
h = hashlib.sha256()
while True:
    b = s.recv(1 << 20)
    if not b: break
    h.update(b)
assert h.hexdigest() == sys.argv[2], "download corrupted"
PY
stop "$GW" 10 || fail "gateway exited $?"
python3 - "$WORK/gw6.out" >"$WORK/down.sum" <<'PY' || fail "TSO frames for a download: $(grep gateway_tap "$WORK/gw6.out")"
import json, sys
t = [json.loads(l) for l in open(sys.argv[1]) if '"gateway_tap"' in l][0]
mib = t["tx_bytes"] / (1 << 20)
assert mib >= 32, t
assert t["tx_frames"] <= 27 * mib, "%d TAP writes for %.1f MiB down: %s" % (t["tx_frames"], mib, t)
print("%d TAP writes for %.1f MiB down (%.1f per MiB, %.0f bytes each), %d frames in (%.1f per MiB)"
      % (t["tx_frames"], mib, t["tx_frames"] / mib, t["tx_bytes"] / t["tx_frames"], t["rx_frames"],
         t["rx_frames"] / mib))
PY
log "download: $(cat "$WORK/down.sum")"
