#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The transfers of transfer.sh again, with synack's fault injector losing 2% and reordering
# 2% of the frames in each direction of the TAP device (the simulator's fault model).
# SHA-256 still matches; the captures show only what the faults cause: losses and their
# retransmissions, duplicate ACKs, reordering, and -- while a hole is repaired and the
# receive buffer fills with the data above it -- a full window (zero window, window full),
# flow control doing its job. 25 MiB each (about 18,000 segments, some 360 of them lost
# each way) exercises recovery as well as 100 MiB did, in a quarter of the time: with
# RACK-TLP, the default, synack sends at 2% loss at about 120 Mbit/s and this test takes
# about 8 s on an idle 2-core machine; 100 MiB takes 34 s (the captures' checks grow with
# it).
SYNACK_INTEROP_BYTES=${SYNACK_INTEROP_BYTES:-26214400}
source "$(dirname "$0")/lib/common.bash"
source "$(dirname "$0")/lib/transfers.bash"
require socat tshark sha256sum
setup_ns
run_transfers "--loss 0.02 --reorder 0.02 --seed 7" \
    "retransmission|fast_retransmission|spurious_retransmission|duplicate_ack|lost_segment|ack_lost_segment|out_of_order"
log "PASS"
