#!/bin/bash
# SPDX-License-Identifier: MIT
# Linux's own packetdrill suite in packetdrill's ipv6 mode, checked against
# tests/packetdrill/upstream-expected-ipv6.txt (upstream_packetdrill.sh does the work).
UPSTREAM_IP_VERSION=ipv6 exec bash "$(dirname "$(readlink -f "$0")")/upstream_packetdrill.sh"
