#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 1000 short IPv6 connections in a row each way between the kernel and synack, with
# TIME-WAIT only on the side that closed first (RFC 9293 3.6): the kernel's count from
# `ss -6`, synack's from its connection table, which is empty again after 2*MSL. A TAP
# device in a private namespace, 2001:db8::/64 only. Skips (77) without root or namespaces.
source "$(dirname "$0")/lib/common.bash"
source "$(dirname "$0")/lib/v6.bash"
source "$(dirname "$0")/lib/v6runs.bash"
require python3 ss "${SYNACK_CC:-cc}"
v6_setup_tap
v6_many_conns "${SYNACK_INTEROP_CONNS:-1000}"
log "PASS"
