#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ipv6_transfer.sh's transfers (curl -6 from synack, socat both ways, SHA-256 checked) with
# synack's fault injector losing 2% and reordering 2% of the frames in each direction of
# the TAP device, 100 MiB each, as the loss-free transfers (some 72,000 segments, 1,400 of them lost
# each way). With RACK-TLP, the default, synack sends at 2% loss at about 120 Mbit/s (40
# before it, when a lost retransmission waited for the RTO): about 22 s here, 40 s under
# ASan+UBSan, on an idle 2-core machine. V6_BYTES overrides the size.
V6_BYTES=${V6_BYTES:-104857600}
source "$(dirname "$0")/lib/common.bash"
source "$(dirname "$0")/lib/v6.bash"
source "$(dirname "$0")/lib/v6runs.bash"
require socat curl sha256sum "${SYNACK_CC:-cc}"
export V6PEER_LOSS=0.02 V6PEER_REORDER=0.02 V6PEER_SEED=${V6PEER_SEED:-7}
v6_setup_tap
v6_transfers
log "PASS"
