#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The library as a user installs it: `cmake --install --prefix DIR` (what `make install
# PREFIX=DIR` runs) into a scratch prefix, then programs built outside the tree with
# nothing but `pkg-config --cflags --libs synack`, against the shared library and against
# the static one, run correctly. A staged install (DESTDIR) names its final prefix.
source "$(dirname "$0")/lib.bash"
command -v pkg-config >/dev/null || skip "needs pkg-config"
command -v "$CC" >/dev/null || skip "no C compiler '$CC'"

PREFIX="$WORK/prefix"
cmake --install "$SYNACK_BUILD_DIR" --prefix "$PREFIX" >"$WORK/install.log" 2>&1 ||
    fail "cmake --install failed: $(tail -5 "$WORK/install.log")"
pc=$(find "$PREFIX" -name synack.pc)
[ -n "$pc" ] || fail "no synack.pc installed under $PREFIX"
export PKG_CONFIG_PATH
PKG_CONFIG_PATH=$(dirname "$pc")
[ "$(pkg-config --variable=prefix synack)" = "$PREFIX" ] ||
    fail "synack.pc says prefix=$(pkg-config --variable=prefix synack), installed into $PREFIX"
[ "$(pkg-config --modversion synack)" = "$PROJECT_VERSION" ] ||
    fail "synack.pc says version $(pkg-config --modversion synack), the project is $PROJECT_VERSION"
libdir=$(pkg-config --variable=libdir synack)
[ -f "$libdir/libsynack.a" ] && [ -e "$libdir/libsynack.so" ] ||
    fail "libdir=$libdir from synack.pc does not hold libsynack.a and libsynack.so"
[ -f "$libdir/libsynack_core.a" ] || fail "libdir=$libdir does not hold libsynack_core.a (bare-metal core)"
log "installed into $PREFIX; pkg-config: $(pkg-config --cflags --libs synack)"

# Programs of the user's own, in a directory outside the tree: the in-memory example and a
# check that the headers and the library agree on the version.
mkdir "$WORK/app"
cp "$SYNACK_SOURCE_DIR/examples/memlink_pair.c" "$WORK/app/"
cat >"$WORK/app/version.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <synack/synack.h>
#include <synack/version.h>
int main(void)
{
    printf("%s\n", synack_version());
    return strcmp(synack_version(), SYNACK_VERSION_STRING) != 0;
}
C
cd "$WORK/app"

# build NAME KIND SOURCE PKG-CONFIG-ARGS...: compile with only pkg-config's flags (plus the
# sanitizer runtime when the library was built sanitized).
build() {
    local name=$1 src=$2
    shift 2
    # shellcheck disable=SC2046 # pkg-config's output is a list of flags
    "$CC" -std=c11 -Wall -Wextra -Werror "${SAN_FLAGS[@]}" "$src" -o "$name" \
        $(pkg-config "$@" synack) 2>"$name.err" || fail "$name: $(head -5 "$name.err")"
}

# Shared: found at run time through LD_LIBRARY_PATH, as for any library off the default path.
build version_shared version.c --cflags --libs
build pair_shared memlink_pair.c --cflags --libs
# (Outputs are captured before grep: with pipefail, `cmd | grep -q` fails when grep's early
# exit kills cmd with SIGPIPE.)
deps=$(LD_LIBRARY_PATH=$libdir ldd ./pair_shared)
[[ $deps == *"libsynack.so.0 => $libdir/libsynack.so.0"* ]] ||
    fail "pair_shared does not load $libdir/libsynack.so.0: $deps"
out=$(LD_LIBRARY_PATH=$libdir ./version_shared) || fail "version_shared: headers and library disagree ($out)"
[ "$out" = "$PROJECT_VERSION" ] || fail "version_shared printed '$out', want $PROJECT_VERSION"
LD_LIBRARY_PATH=$libdir ./pair_shared >pair_shared.out 2>&1 || fail "pair_shared: $(cat pair_shared.out)"
grep -q "both ends closed; echo intact" pair_shared.out || fail "pair_shared: $(cat pair_shared.out)"
log "shared: built and ran version.c and memlink_pair.c"

# Static: a prefix that holds only libsynack.a (as a static-only package would), linked with
# `pkg-config --static` so that Libs.private (-lm) comes along.
cp -a "$PREFIX" "$WORK/static-prefix"
sed -i "s|^prefix=.*|prefix=$WORK/static-prefix|" "$WORK/static-prefix/${pc#"$PREFIX"/}"
rm -f "$WORK/static-prefix/${libdir#"$PREFIX"/}"/libsynack.so*
PKG_CONFIG_PATH=$(dirname "$WORK/static-prefix/${pc#"$PREFIX"/}")
build version_static version.c --static --cflags --libs
build pair_static memlink_pair.c --static --cflags --libs
deps=$(ldd ./pair_static 2>&1 || true)
[[ $deps != *libsynack* ]] || fail "pair_static still loads a shared libsynack: $deps"
out=$(./version_static) || fail "version_static: headers and library disagree ($out)"
[ "$out" = "$PROJECT_VERSION" ] || fail "version_static printed '$out', want $PROJECT_VERSION"
./pair_static >pair_static.out 2>&1 || fail "pair_static: $(cat pair_static.out)"
grep -q "both ends closed; echo intact" pair_static.out || fail "pair_static: $(cat pair_static.out)"
log "static: built and ran version.c and memlink_pair.c"

# A staged install (DESTDIR, as distribution packages are built) says the final prefix.
DESTDIR="$WORK/stage" cmake --install "$SYNACK_BUILD_DIR" --prefix /opt/synack >"$WORK/stage.log" 2>&1 ||
    fail "staged install failed: $(tail -5 "$WORK/stage.log")"
staged=$(find "$WORK/stage/opt/synack" -name synack.pc)
[ -n "$staged" ] || fail "the staged install put no synack.pc under $WORK/stage/opt/synack"
grep -qx "prefix=/opt/synack" "$staged" || fail "staged synack.pc: $(head -1 "$staged")"

# `make install PREFIX=DIR` hands PREFIX to cmake --install (what ran above).
plan=$(make -s -n -C "$SYNACK_SOURCE_DIR" install PREFIX=/some/where 2>/dev/null || true)
[[ $plan == *"--install build --prefix /some/where"* ]] ||
    fail "make install does not pass PREFIX to cmake --install: $plan"
log "PASS"
