#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 100 MiB each way between the Linux kernel's TCP and synack over a TAP device: socat to
# synack's discard and echo servers, and `synack connect` to a kernel listener. SHA-256
# matches every way; the captures are clean.
source "$(dirname "$0")/lib/common.bash"
source "$(dirname "$0")/lib/transfers.bash"
require socat tshark sha256sum
setup_ns
run_transfers "" "" 100
log "PASS"
