#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ipv6_transfer.sh's transfers (curl -6 from synack, socat both ways, SHA-256 checked) with
# synack's fault injector losing 2% and reordering 2% of the frames in each direction of
# the TAP device. 25 MiB each: 100 MiB takes about 50 s in all on an idle 2-core machine
# (synack sending at 2% loss runs at about 40 Mbit/s: with RACK-TLP off by default, a lost
# retransmission waits for the RTO), while 25 MiB (some 18,000 segments, 350 of them lost
# each way) exercises recovery alike. V6_BYTES overrides the size.
V6_BYTES=${V6_BYTES:-26214400}
source "$(dirname "$0")/lib/common.bash"
source "$(dirname "$0")/lib/v6.bash"
source "$(dirname "$0")/lib/v6runs.bash"
require socat curl sha256sum "${SYNACK_CC:-cc}"
export V6PEER_LOSS=0.02 V6PEER_REORDER=0.02 V6PEER_SEED=${V6PEER_SEED:-7}
v6_setup_tap
v6_transfers
log "PASS"
