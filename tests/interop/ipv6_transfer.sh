#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 100 MiB over IPv6 on Ethernet between the kernel and synack (issue 14): `curl -6` of a
# body from synack's side (tests/interop/lib/v6peer.c, an HTTP responder on the library),
# socat to synack and synack to socat, each checked by SHA-256. A TAP device in a private
# namespace, 2001:db8::/64 only. Skips (77) without root or namespaces.
source "$(dirname "$0")/lib/common.bash"
source "$(dirname "$0")/lib/v6.bash"
source "$(dirname "$0")/lib/v6runs.bash"
require socat curl sha256sum "${SYNACK_CC:-cc}"
v6_setup_tap
v6_transfers
log "PASS"
