#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The core archive (libsynack_core.a: src/wire, src/tcp, src/stack, src/util) makes no
# system call and does no I/O: every symbol it needs from outside itself is on the
# allow-list below. An allow-list rather than a deny-list, because a deny-list misses the
# call nobody thought of (a new clock, a read, an assert's write to stderr + abort).
# SYNACK_CORE_ARCHIVE overrides the archive checked.
source "$(dirname "$0")/lib.bash"
command -v nm >/dev/null || skip "nm (binutils) is not installed"

archive=${SYNACK_CORE_ARCHIVE:-$SYNACK_BUILD_DIR/libsynack_core.a}
[ -f "$archive" ] || fail "$archive does not exist (the core archive, target synack_core)"

# What the core may take from outside, and why:
#   memory and strings: pure functions of their arguments
#   snprintf, vsnprintf: formatting into the caller's buffer (trace events), no stream
#   htonl, htons, ntohl, ntohs: byte order (functions, not macros, in unoptimised builds)
#   malloc, free, calloc, realloc: synack_allocator_libc, the default when a config names
#     no allocator; heap memory, which a bare-metal C library serves from a static region
#     (a program with its own allocator never calls them)
#   the compiler's runtime: the GOT of position-independent code, libgcc's CPU feature
#     probe (CPUID, no system call) behind the checksum's per-CPU variants, stack
#     protector, fortified variants of the functions above, integer arithmetic helpers
#   sanitizer and coverage hooks (instrumented builds only)
allowed='^('
allowed+='memcpy|memmove|memset|memcmp|memchr|strlen|strnlen|strcmp|strncmp|strncpy|strchr|strrchr'
allowed+='|snprintf|vsnprintf'
allowed+='|htonl|htons|ntohl|ntohs'
allowed+='|malloc|free|calloc|realloc'
allowed+='|_GLOBAL_OFFSET_TABLE_|__cpu_indicator_init|__cpu_model|__stack_chk_fail|__stack_chk_guard'
allowed+='|__(memcpy|memmove|memset|strncpy|snprintf|vsnprintf)_chk'
allowed+='|__(u?(div|mod)|mul|ashl|ashr|lshr|popcount|clz|ctz|ffs|bswap)[a-z]*[0-9]'
allowed+='|__(asan|ubsan|lsan|sanitizer|sancov)_[A-Za-z0-9_]*'
allowed+=')$'

nm "$archive" | awk '$1 == "U" { print $2 }' | sed 's/@.*//' | sort -u >"$WORK/undefined"
nm --defined-only "$archive" | awk 'NF == 3 { print $3 }' | sort -u >"$WORK/defined"
grep -qx 'synack_stack_create' "$WORK/defined" || fail "$archive does not define synack_stack_create: not the core"
comm -23 "$WORK/undefined" "$WORK/defined" >"$WORK/external"
grep -Ev "$allowed" "$WORK/external" >"$WORK/denied" || true
if [ -s "$WORK/denied" ]; then
    while read -r sym; do
        log "not allowed in the core: $sym (referenced by $(nm -A "$archive" 2>/dev/null |
            awk -v s="$sym" '$2 == "U" && $3 == s { sub(/:$/, "", $1); n = split($1, p, ":"); printf "%s ", p[n] }'))"
    done <"$WORK/denied"
    fail "libsynack_core.a needs $(wc -l <"$WORK/denied") symbol(s) outside the allow-list"
fi
log "PASS: $(wc -l <"$WORK/external") external symbols, all on the allow-list: $(tr '\n' ' ' <"$WORK/external")"
