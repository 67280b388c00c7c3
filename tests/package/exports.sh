#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# libsynack.so exports the public API and nothing else: every defined dynamic symbol is a
# synack_* name. Internal functions (tcp_input, ip_output, ct_lookup, ...) would collide
# with another stack's in the same process (lwIP uses the same names). And the API is
# there: synack_stack_create, synack_config_default and synack_config_init are exported.
source "$(dirname "$0")/lib.bash"
command -v nm >/dev/null || skip "nm (binutils) is not installed"

lib=${SYNACK_SHARED_LIB:-$SYNACK_BUILD_DIR/libsynack.so}
[ -f "$lib" ] || fail "$lib does not exist (target synack_shared)"

nm -D --defined-only "$lib" | awk 'NF == 3 { print $3 }' | sed 's/@.*//' | sort -u >"$WORK/exported"
grep -v '^synack_' "$WORK/exported" >"$WORK/foreign" || true
if [ -s "$WORK/foreign" ]; then
    log "$(wc -l <"$WORK/foreign") exported symbol(s) outside the API, e.g.: $(head -20 "$WORK/foreign" | tr '\n' ' ')"
    fail "libsynack.so exports internal symbols"
fi
for api in synack_stack_create synack_config_init synack_config_default synack_input synack_poll; do
    grep -qx "$api" "$WORK/exported" || fail "libsynack.so does not export $api"
done
log "PASS: $(wc -l <"$WORK/exported") symbols exported, all synack_*"
