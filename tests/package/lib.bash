# SPDX-License-Identifier: MIT
# Shared by tests/package/*.sh: a scratch directory removed on exit, the project version
# read from CMakeLists.txt (the one place it is written), and failing/skipping helpers.
# Environment (set by ctest): SYNACK_SOURCE_DIR, SYNACK_BUILD_DIR, SYNACK_BIN, SYNACK_CC,
# SYNACK_SANITIZE (1 in the ASan+UBSan build).

set -euo pipefail

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
skip() {
    echo "SKIP: $*" >&2
    exit 77
}
log() { echo "$*" >&2; }

: "${SYNACK_SOURCE_DIR:?run through ctest}" "${SYNACK_BUILD_DIR:?run through ctest}"
CC=${SYNACK_CC:-cc}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/synack-package.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

PROJECT_VERSION=$(sed -n 's/^project(synack VERSION \([0-9.]*\).*/\1/p' "$SYNACK_SOURCE_DIR/CMakeLists.txt")
[ -n "$PROJECT_VERSION" ] || fail "no project(synack VERSION ...) in CMakeLists.txt"

# A sanitized library needs its runtime in the program that links it; anything else is
# what a user would type.
SAN_FLAGS=()
if [ "${SYNACK_SANITIZE:-0}" = 1 ]; then
    SAN_FLAGS=(-fsanitize=address,undefined)
fi
