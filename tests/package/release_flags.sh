#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A packager's plain `cmake -DCMAKE_BUILD_TYPE=Release` does not turn warnings into errors
# (a newer compiler's new warning must not break it); -DSYNACK_WERROR=ON, what make and CI
# use, does. And the file GCC 12 refused at -O3 (an unrolled byte loop it proved could
# index past an 8-byte array, -Werror=aggressive-loop-optimizations) now compiles clean at
# the optimisation levels of Release builds, and clang accepts what it once refused.
source "$(dirname "$0")/lib.bash"
command -v cmake >/dev/null || skip "needs cmake"

# flags_of DIR: the compile flags of the core library in a configured tree.
flags_of() {
    python3 - "$1/compile_commands.json" <<'PY'
import json, sys
for entry in json.load(open(sys.argv[1])):
    if entry["file"].endswith("src/stack/stack.c"):
        print(entry.get("command") or " ".join(entry["arguments"]))
        break
PY
}
configure() {
    cmake -S "$SYNACK_SOURCE_DIR" -B "$1" -DCMAKE_BUILD_TYPE=Release -DSYNACK_TESTS=OFF \
        -DSYNACK_EXAMPLES=OFF -DCMAKE_C_COMPILER="$CC" "${@:2}" >"$1.log" 2>&1 ||
        fail "configure $1: $(tail -5 "$1.log")"
}
configure "$WORK/plain"
plain=$(flags_of "$WORK/plain")
[ -n "$plain" ] || fail "no compile command for src/stack/stack.c"
[[ " $plain " != *" -Werror "* ]] || fail "a plain Release configure compiles with -Werror: $plain"
[[ " $plain " == *" -Wall "* ]] || fail "the warning set is gone: $plain"
configure "$WORK/werror" -DSYNACK_WERROR=ON
strict=$(flags_of "$WORK/werror")
[[ " $strict " == *" -Werror "* ]] || fail "-DSYNACK_WERROR=ON does not add -Werror: $strict"
log "plain Release: no -Werror; SYNACK_WERROR=ON: -Werror"

# The Makefile's builds (make test, make build-release, CI) configure with -Werror.
plan=$(make -s -n -C "$SYNACK_SOURCE_DIR" build build-asan build-release 2>/dev/null || true)
n=$(grep -c -- "-DSYNACK_WERROR=ON" <<<"$plan" || true)
[ "$n" -eq 3 ] || fail "make build/build-asan/build-release: $n of 3 configure with -DSYNACK_WERROR=ON"

for opt in -O2 -O3; do
    "$CC" -std=c11 -D_GNU_SOURCE "$opt" -DNDEBUG -Wall -Wextra -Werror -Wshadow \
        -I"$SYNACK_SOURCE_DIR/include" -I"$SYNACK_BUILD_DIR/generated/include" \
        -I"$SYNACK_SOURCE_DIR/src" -I"$SYNACK_SOURCE_DIR/tests" \
        -I"$SYNACK_SOURCE_DIR/tests/scenario" -DSYNACK_SOURCE_DIR="\"$SYNACK_SOURCE_DIR\"" \
        -c "$SYNACK_SOURCE_DIR/tests/scenario/test_lossy_transfer.c" -o "$WORK/lossy.o" \
        2>"$WORK/lossy.err" || fail "test_lossy_transfer.c at $opt: $(head -8 "$WORK/lossy.err")"
done
log "test_lossy_transfer.c compiles warning-free at -O2 and -O3 with $CC"

# clang (CI builds Release with it too) flagged "literal" + int in the receive-buffer tests
# (-Wstring-plus-int), a warning gcc does not have. A full clang build is CI's job; this
# keeps the files it once refused in check.
if command -v clang >/dev/null; then
    for f in tests/unit/test_recvbuf_inorder.c tests/unit/test_recvbuf_model.c; do
        clang -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -Wshadow -fsyntax-only \
            -I"$SYNACK_SOURCE_DIR/include" -I"$SYNACK_SOURCE_DIR/src" -I"$SYNACK_SOURCE_DIR/tests" \
            -I"$SYNACK_SOURCE_DIR/tests/unit" "$SYNACK_SOURCE_DIR/$f" 2>"$WORK/clang.err" ||
            fail "clang: $f: $(head -5 "$WORK/clang.err")"
    done
    log "clang: the receive-buffer tests compile warning-free"
fi
log "PASS"
