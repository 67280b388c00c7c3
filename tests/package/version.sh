#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `synack --version` exits 0 and prints "synack X.Y.Z" with the project version.
source "$(dirname "$0")/lib.bash"
[ -n "${SYNACK_BIN:-}" ] && [ -x "$SYNACK_BIN" ] || skip "SYNACK_BIN is not set or not executable"

rc=0
out=$("$SYNACK_BIN" --version 2>"$WORK/err") || rc=$?
[ "$rc" -eq 0 ] || fail "synack --version exited $rc: $(cat "$WORK/err")"
[ "$out" = "synack $PROJECT_VERSION" ] || fail "synack --version printed '$out', want 'synack $PROJECT_VERSION'"
[ ! -s "$WORK/err" ] || fail "synack --version wrote to stderr: $(cat "$WORK/err")"
log "PASS: $out"
