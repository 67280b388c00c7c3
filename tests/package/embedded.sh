#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make embedded` in a scratch tree: the core cross-compiles for a Cortex-M4 with
# arm-none-eabi-gcc and newlib (warnings are errors), examples/bare_metal.c links against
# it with nano/nosys specs and --gc-sections and without malloc, and the size table comes
# out with a row for each part. Skipped (77) without the cross compiler, and in the
# sanitizer tree (the cross build does not depend on it; build/ runs it).
source "$(dirname "$0")/lib.bash"
ARM_CC=${SYNACK_ARM_PREFIX:-arm-none-eabi-}gcc
command -v "$ARM_CC" >/dev/null || skip "no $ARM_CC (apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)"
[ "${SYNACK_SANITIZE:-0}" != 1 ] || skip "the cross build runs in the unsanitized tree"

src=$SYNACK_SOURCE_DIR
cmake -S "$src/tools/embedded" -B "$WORK/emb" -DCMAKE_TOOLCHAIN_FILE="$src/cmake/arm-none-eabi.cmake" \
    -DCMAKE_BUILD_TYPE=MinSizeRel >"$WORK/cfg.log" 2>&1 || fail "configure: $(tail -20 "$WORK/cfg.log")"
cmake --build "$WORK/emb" -j 2 >"$WORK/build.log" 2>&1 || fail "build: $(grep -m5 -E 'error|warning' "$WORK/build.log")"
! grep -q 'warning:' "$WORK/build.log" || fail "build warnings: $(grep -m5 'warning:' "$WORK/build.log")"

[ -f "$WORK/emb/libsynack.a" ] || fail "no core archive libsynack.a"
file_out=$("${ARM_CC%gcc}readelf" -h "$WORK/emb/bare_metal.elf" | awk -F: '/Machine/ { gsub(/^ +/, "", $2); print $2 }')
[ "$file_out" = "ARM" ] || fail "bare_metal.elf is for '$file_out', not ARM"
# Nothing of the host glue made it into the core archive.
for host in tuntap loop pcap memlink simnet fault holdq; do
    ! "${ARM_CC%gcc}ar" t "$WORK/emb/libsynack.a" | grep -q "^$host\.c\." ||
        fail "host/simulation file $host.c is in the core archive"
done

"$src/tools/embedded/report.sh" "$WORK/emb" >"$WORK/report" 2>&1 || fail "report.sh: $(cat "$WORK/report")"
cat "$WORK/report" >&2
for part in tcp wire stack util "core total"; do
    grep -Eq "^$part +[1-9][0-9]* +[0-9]+ +[0-9]+$" "$WORK/report" || fail "no size row for '$part'"
done
grep -q "^tcp/input.c " "$WORK/report" || fail "no per-object row for tcp/input.c"
log "PASS"
