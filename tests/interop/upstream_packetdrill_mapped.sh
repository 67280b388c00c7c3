#!/bin/bash
# SPDX-License-Identifier: MIT
# Linux's own packetdrill suite in packetdrill's ipv4-mapped-ipv6 mode, checked against
# tests/packetdrill/upstream-expected-ipv4-mapped-ipv6.txt (upstream_packetdrill.sh does
# the work).
UPSTREAM_IP_VERSION=ipv4-mapped-ipv6 exec bash "$(dirname "$(readlink -f "$0")")/upstream_packetdrill.sh"
