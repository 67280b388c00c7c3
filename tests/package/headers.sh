#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every public header compiles on its own in strict ISO C11 (no _GNU_SOURCE, no POSIX
# feature macro, -pedantic-errors), and synack.h alone gives a program the poll bits of
# synack_sock_poll(), with the values <poll.h> has on this system. The core API's headers
# need none of the host's socket headers (a bare-metal C library has none): each compiles
# with those headers made into errors, and with arm-none-eabi-gcc and newlib when present;
# a program uses the socket API through synack's names alone, and a host program through
# the host's, socklen_t included, without a cast.
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

# The core API, with the host's socket and poll headers turned into errors.
CORE=(alloc.h event.h netif.h synack.h version.h)
mkdir -p "$WORK/poison/sys" "$WORK/poison/netinet" "$WORK/poison/arpa"
for h in sys/socket.h netinet/in.h netinet/tcp.h arpa/inet.h poll.h; do
    printf '#error "a core header included the host header <%s>"\n' "$h" >"$WORK/poison/$h"
done
for name in "${CORE[@]}"; do
    printf '#include <synack/%s>\nint main(void) { return 0; }\n' "$name" >"$WORK/core.c"
    "$CC" "${STRICT[@]}" -I"$WORK/poison" "${INC[@]}" -fsyntax-only "$WORK/core.c" 2>"$WORK/err" ||
        fail "<synack/$name> needs a host socket header: $(grep -m1 error "$WORK/err")"
done
log "core headers (${CORE[*]}) need no <sys/socket.h>, <netinet/*.h>, <arpa/inet.h>, <poll.h>"

# The socket API through synack's own names only, as a bare-metal program writes it.
cat >"$WORK/own.c" <<'C'
#include <synack/synack.h>
int use(synack_stack *st);
int use(synack_stack *st)
{
    int s = synack_socket(st, SYNACK_SOCK_STREAM | SYNACK_SOCK_NONBLOCK);
    struct synack_sockaddr_in sin = {.sin_family = SYNACK_AF_INET, .sin_port = 0x5000};
    sin.sin_addr.s_addr = 0x0100000a;
    synack_socklen_t len = sizeof(sin);
    struct synack_linger lg = {1, 0};
    int one = 1;
    char buf[4];
    synack_tcp_info ti;
    synack_socklen_t tl = sizeof(ti);
    return synack_connect(st, s, (const struct sockaddr *)&sin, len) +
           synack_getsockname(st, s, (struct sockaddr *)&sin, &len) +
           synack_setsockopt(st, s, SYNACK_SOL_SOCKET, SYNACK_SO_LINGER, &lg, sizeof(lg)) +
           synack_setsockopt(st, s, SYNACK_IPPROTO_TCP, SYNACK_TCP_NODELAY, &one, sizeof(one)) +
           synack_getsockopt(st, s, SYNACK_IPPROTO_TCP, SYNACK_TCP_INFO, &ti, &tl) +
           (int)synack_recv(st, s, buf, sizeof(buf), SYNACK_MSG_PEEK | SYNACK_MSG_DONTWAIT) +
           synack_shutdown(st, s, SYNACK_SHUT_WR);
}
C
"$CC" "${STRICT[@]}" -I"$WORK/poison" "${INC[@]}" -c -o "$WORK/own.o" "$WORK/own.c" 2>"$WORK/err" ||
    fail "the socket API is not usable through SYNACK_* names alone: $(head -5 "$WORK/err")"

# A host program keeps the host's names and types: socklen_t * where synack_socklen_t * is
# taken, with every warning an error and no cast.
cat >"$WORK/host.c" <<'C'
#define _GNU_SOURCE
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <synack/synack.h>
int use(synack_stack *st);
int use(synack_stack *st)
{
    int s = synack_socket(st, SOCK_STREAM);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(80)};
    socklen_t len = sizeof(sin);
    struct linger lg = {1, 0};
    return synack_accept(st, s, (struct sockaddr *)&sin, &len) +
           synack_getpeername(st, s, (struct sockaddr *)&sin, &len) +
           synack_getsockopt(st, s, SOL_SOCKET, SO_LINGER, &lg, &len) +
           synack_shutdown(st, s, SHUT_RDWR);
}
C
"$CC" -std=c11 -Wall -Wextra -Werror -Wpedantic "${INC[@]}" -c -o "$WORK/host.o" "$WORK/host.c" 2>"$WORK/err" ||
    fail "a host program passing socklen_t and struct sockaddr_in does not compile cleanly: $(head -5 "$WORK/err")"
log "the socket API compiles through SYNACK_* names alone and through the host's"

# The same headers with a bare-metal C library, when its cross compiler is installed.
ARM_CC=${SYNACK_ARM_CC:-arm-none-eabi-gcc}
if command -v "$ARM_CC" >/dev/null; then
    for name in "${CORE[@]}"; do
        printf '#include <synack/%s>\nint main(void) { return 0; }\n' "$name" >"$WORK/arm.c"
        "$ARM_CC" "${STRICT[@]}" -mthumb -mcpu=cortex-m4 "${INC[@]}" -fsyntax-only "$WORK/arm.c" 2>"$WORK/err" ||
            fail "<synack/$name> does not compile with $ARM_CC (newlib): $(head -5 "$WORK/err")"
    done
    "$ARM_CC" "${STRICT[@]}" -mthumb -mcpu=cortex-m4 "${INC[@]}" -c -o "$WORK/own-arm.o" "$WORK/own.c" 2>"$WORK/err" ||
        fail "the SYNACK_* socket program does not compile with $ARM_CC: $(head -5 "$WORK/err")"
    log "PASS: core headers and the SYNACK_* socket program compile with $ARM_CC (newlib)"
else
    log "PASS (without $ARM_CC: the newlib check did not run)"
fi
