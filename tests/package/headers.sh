#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every public header compiles on its own in strict ISO C11 (no _GNU_SOURCE, no POSIX
# feature macro, -pedantic-errors), and synack.h alone gives a program the poll bits of
# synack_sock_poll(), with the values <poll.h> has on this system.
source "$(dirname "$0")/lib.bash"
command -v "$CC" >/dev/null || skip "no C compiler '$CC'"

INC=(-I"$SYNACK_SOURCE_DIR/include" -I"$SYNACK_BUILD_DIR/generated/include")
STRICT=(-std=c11 -pedantic-errors -Wall -Wextra -Werror)

headers=("$SYNACK_SOURCE_DIR"/include/synack/*.h "$SYNACK_BUILD_DIR/generated/include/synack/version.h")
for h in "${headers[@]}"; do
    name=$(basename "$h")
    printf '#include <synack/%s>\nint main(void) { return 0; }\n' "$name" >"$WORK/alone.c"
    "$CC" "${STRICT[@]}" "${INC[@]}" -fsyntax-only "$WORK/alone.c" 2>"$WORK/err" ||
        fail "<synack/$name> does not compile alone in strict C11: $(head -5 "$WORK/err")"
done
log "${#headers[@]} headers compile alone with ${STRICT[*]}"

# The bits, from synack.h alone in strict C11 ...
cat >"$WORK/bits.c" <<'C'
#include <stdio.h>
#include <synack/synack.h>
int main(void)
{
    synack_pollfd p = {0, SYNACK_POLLIN | SYNACK_POLLOUT | SYNACK_POLLRDHUP, 0};
    printf("%d %d %d %d %d %d %d\n", SYNACK_POLLIN, SYNACK_POLLOUT, SYNACK_POLLERR,
           SYNACK_POLLHUP, SYNACK_POLLNVAL, SYNACK_POLLRDHUP, p.events);
    return 0;
}
C
"$CC" "${STRICT[@]}" "${INC[@]}" -o "$WORK/bits" "$WORK/bits.c" 2>"$WORK/err" ||
    fail "synack.h alone does not give the poll bits: $(head -5 "$WORK/err")"
# ... and from the system's <poll.h>, where POLLRDHUP needs _GNU_SOURCE.
cat >"$WORK/sys.c" <<'C'
#define _GNU_SOURCE
#include <poll.h>
#include <stdio.h>
int main(void)
{
    printf("%d %d %d %d %d %d %d\n", POLLIN, POLLOUT, POLLERR, POLLHUP, POLLNVAL, POLLRDHUP,
           POLLIN | POLLOUT | POLLRDHUP);
    return 0;
}
C
"$CC" -o "$WORK/sys" "$WORK/sys.c" || fail "cannot build the <poll.h> reference program"
ours=$("$WORK/bits")
theirs=$("$WORK/sys")
[ "$ours" = "$theirs" ] || fail "SYNACK_POLL* are '$ours', <poll.h> has '$theirs'"
log "PASS: SYNACK_POLLIN OUT ERR HUP NVAL RDHUP = $ours"
