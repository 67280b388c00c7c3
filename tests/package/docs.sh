#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every contract lives in the repository: no document, header, source or test cites a
# design or style file that is not part of it, and every relative link in README.md and
# docs/*.md opens a file that exists.
source "$(dirname "$0")/lib.bash"
cd "$SYNACK_SOURCE_DIR"

# Spelled with brackets so that this file does not match itself.
pattern='(DESIGN|STYLE)[.]md|[.][.]/shared'
hits=$(grep -rnE "$pattern" README.md CHANGELOG.md docs include src tools tests examples \
    --include='*.md' --include='*.[ch]' --include='*.sh' --include='*.bash' --include='*.py' \
    --include='*.cmake' --include='*.txt' --include='*.pkt' --include='*.in' 2>/dev/null || true)
[ -z "$hits" ] || fail "citations of files outside the repository:
$hits"

bad=""
for doc in README.md CHANGELOG.md docs/*.md; do
    dir=$(dirname "$doc")
    # [text](target) with a relative target; anchors and query parts dropped.
    while IFS= read -r target; do
        case "$target" in http://* | https://* | mailto:* | '#'*) continue ;; esac
        path=${target%%#*}
        [ -n "$path" ] || continue
        [ -e "$dir/$path" ] || bad="$bad
$doc: ($target)"
    done < <(grep -oE '\]\([^) ]+\)' "$doc" | sed -E 's/^\]\((.*)\)$/\1/')
done
[ -z "$bad" ] || fail "links to missing files:$bad"
log "PASS: no outside citations; every relative link in README.md, CHANGELOG.md and docs/ resolves"
