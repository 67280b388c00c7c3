#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ipv6_many_conns.sh's 1000 connections from the kernel to synack (echo: the kernel closes
# first; http: synack does; TIME-WAIT on the closer only) with synack's fault injector
# losing 2% and reordering 2% of the frames in each direction of the TAP device. A lost SYN
# or SYN-ACK costs a 1 s retransmission timeout, so the connections run 8 at a time, each
# of the 8 streams one after another (one at a time, each 1000 takes about 50 s); the other
# way is ipv6_faults_conns_out.sh.
source "$(dirname "$0")/lib/common.bash"
source "$(dirname "$0")/lib/v6.bash"
V6_STREAMS=${V6_STREAMS:-8}
source "$(dirname "$0")/lib/v6runs.bash"
require python3 ss "${SYNACK_CC:-cc}"
export V6PEER_LOSS=0.02 V6PEER_REORDER=0.02 V6PEER_SEED=${V6PEER_SEED:-7}
v6_setup_tap
v6_many_conns "${SYNACK_INTEROP_CONNS:-1000}" in
log "PASS"
