#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A program that links libsynack_core.a and nothing else of synack (as a bare-metal one
# would) builds, and gets secure-or-refused semantics without the host library: the
# core's synack_config_init() names no entropy source, so the stack is refused until the
# program gives one (here its own callback) or chooses determinism; then a connect sends
# its SYN through the program's output callback.
source "$(dirname "$0")/lib.bash"
command -v "$CC" >/dev/null || skip "no C compiler '$CC'"
archive="$SYNACK_BUILD_DIR/libsynack_core.a"
[ -f "$archive" ] || fail "$archive does not exist (target synack_core)"

cat >"$WORK/core_only.c" <<'C'
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <synack/synack.h>

static int frames;
static int out(void *ctx, const uint8_t *frame, size_t len)
{
    (void)ctx;
    (void)frame;
    frames += len >= 40;
    return 0;
}
/* Stands in for a board's hardware RNG. */
static int board_rng(void *ctx, void *buf, size_t len)
{
    unsigned *state = ctx;
    unsigned char *p = buf;
    for (size_t i = 0; i < len; i++)
        p[i] = (unsigned char)((*state = *state * 1103515245u + 12345u) >> 16);
    return 0;
}
int main(void)
{
    synack_config cfg;
    synack_config_init(&cfg);
    cfg.netif.addr = 0xc0000201u; /* 192.0.2.1 */
    cfg.netif.output = out;
    const char *field = NULL;
    if (synack_config_check(&cfg, &field) != -EINVAL || !field || strcmp(field, "entropy") != 0) {
        printf("init alone was not refused for its entropy (%s)\n", field ? field : "accepted");
        return 1;
    }
    unsigned state = 42;
    cfg.entropy = board_rng;
    cfg.entropy_ctx = &state;
    synack_stack *st = NULL;
    if (synack_stack_create(&cfg, &st, &field) != 0) {
        printf("refused: %s\n", field);
        return 1;
    }
    /* Only synack's own names: a core-only program may have no <sys/socket.h> (nor
     * htons), so the port and address are written byte by byte in network order. */
    int s = synack_socket(st, SYNACK_SOCK_STREAM);
    struct synack_sockaddr_in to = {.sin_family = SYNACK_AF_INET};
    memcpy(&to.sin_port, (const unsigned char[]){0, 80}, 2);
    memcpy(&to.sin_addr.s_addr, (const unsigned char[]){192, 0, 2, 2}, 4);
    int rc = synack_connect(st, s, (struct sockaddr *)&to, sizeof(to));
    synack_stack_free(st);
    printf("connect %d, %d frame(s)\n", rc, frames);
    return rc == -EINPROGRESS && frames == 1 ? 0 : 1;
}
C
# The link itself fails if the core needs anything of src/host or src/sim.
"$CC" -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Werror "${SAN_FLAGS[@]}" \
    -I"$SYNACK_SOURCE_DIR/include" -I"$SYNACK_BUILD_DIR/generated/include" \
    "$WORK/core_only.c" "$archive" -lm -o "$WORK/core_only" 2>"$WORK/err" ||
    fail "a program on libsynack_core.a alone does not link: $(head -5 "$WORK/err")"
if nm "$WORK/core_only" | grep -Eq ' T (synack_config_default|synack_entropy_os|synack_loop_clock)$'; then
    fail "host library code is in the core archive"
fi
rc=0
result=$("$WORK/core_only" 2>&1) || rc=$?
[ "$rc" -eq 0 ] || fail "core-only program: $result"
log "PASS: $result"
