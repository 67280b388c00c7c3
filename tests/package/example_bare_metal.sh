#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# examples/bare_metal, the firmware `make embedded` cross-builds, built for this host: a
# stack on a static pool answers a SYN with a SYN-ACK and gives the pool back whole (exit
# status 0; each other status names the step that failed, see the program).
source "$(dirname "$0")/lib.bash"
bin="$SYNACK_BUILD_DIR/examples/bare_metal"
[ -x "$bin" ] || skip "examples not built (SYNACK_EXAMPLES=OFF)"

rc=0
"$bin" >"$WORK/out" 2>&1 || rc=$?
[ "$rc" -eq 0 ] || fail "bare_metal exited $rc: $(cat "$WORK/out")"
[ ! -s "$WORK/out" ] || fail "bare_metal printed (it has no stdio): $(cat "$WORK/out")"
log "PASS"
