#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The licence is stated once (LICENSE, MIT) and every source file says which it is under:
# an SPDX identifier in its first two lines (the second for scripts with a shebang). A new
# file without one fails here rather than shipping unlabelled.
source "$(dirname "$0")/lib.bash"
cd "$SYNACK_SOURCE_DIR"

[ -f LICENSE ] || fail "no LICENSE file"
head -1 LICENSE | grep -qx 'MIT License' || fail "LICENSE is not the MIT License"
grep -q 'the MIT License' README.md || fail "README.md does not name the licence"

# The project's own folders: in a git checkout their tracked files and new ones not ignored
# (a build folder of any name elsewhere in the tree is not the project's), else every file.
dirs=(src include tools tests examples cmake .ci CMakeLists.txt Makefile)
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    list=$(git ls-files -co --exclude-standard -- "${dirs[@]}")
else
    list=$(find "${dirs[@]}" -type f 2>/dev/null)
fi
missing=""
checked=0
while IFS= read -r f; do
    case "$f" in
    tests/fuzz/corpus/* | build*/* ) continue ;;
    *.c | *.h | *.sh | *.bash | *.py | *.cmake | *.pkt | *.in | *.map | CMakeLists.txt | */CMakeLists.txt | Makefile | .ci/run) ;;
    *) continue ;;
    esac
    [ -f "$f" ] || continue
    checked=$((checked + 1))
    head -2 "$f" | grep -q 'SPDX-License-Identifier: MIT' || missing="$missing
$f"
done <<<"$list"
[ "$checked" -gt 100 ] || fail "only $checked source files found: is SYNACK_SOURCE_DIR right?"
[ -z "$missing" ] || fail "files without an SPDX-License-Identifier line:$missing"
log "PASS: LICENSE is MIT; $checked source files carry SPDX-License-Identifier: MIT"
