# SPDX-License-Identifier: MIT
# How `make test` (ctest -j2) schedules the slow tests. Included by SynackTests.cmake after
# every test is registered; a name that is not a test here is ignored.
#
# Interop tests make namespaces of their own, named after their PID (TAP devices and ports
# live inside them), so they need no lock to run side by side. Two locks remain, for tests
# that would disturb each other rather than collide:
#   synack_interop_load   bulk transfers, floods and soaks that keep a core busy, and the
#                         tests that time or capture-check a transfer with no allowance for
#                         a loaded host (keepalive's 3..4 s window, http's and many_conns'
#                         clean captures): one of them at a time, beside the light tests.
#   synack_packetdrill    packetdrill plays scripts in real time with millisecond
#                         tolerances: one packetdrill run at a time.
# COST (seconds, roughly one test's time in build/) lets ctest start the long tests first
# and fill the other slot with short ones; without it a long test that starts last decides
# the wall time.

foreach(_tc IN ITEMS
        interop.gateway_soak:68 scenario.test_sim_cli:50 interop.upstream_packetdrill:38
        interop.upstream_packetdrill_ipv6:37 interop.upstream_packetdrill_mapped:36
        interop.ipv6_faults_conns_out:37 scenario.test_lossy_transfer:33
        interop.gateway_threads:30 interop.bench_gateway:28 interop.ipv6_faults_conns_in:28
        interop.ipv6_faults_transfer:30 interop.packetdrill:17 interop.transfer_faults:17
        interop.ipv6_tap:16 interop.udp6_tap:16 interop.transfer:14
        interop.gateway_socks5_udp:13 interop.gateway_socks5:12 interop.gateway_limits:11
        interop.ipv6_many_conns:10 interop.many_conns:10 interop.ping:10)
    string(REPLACE ":" ";" _tc "${_tc}")
    list(GET _tc 0 _t)
    list(GET _tc 1 _cost)
    if(TEST ${_t})
        set_tests_properties(${_t} PROPERTIES COST ${_cost})
    endif()
endforeach()

set(_synack_load_tests
    interop.gateway_soak interop.gateway_threads interop.bench_gateway interop.transfer
    interop.transfer_faults interop.transfer_offload interop.transfer_offload6
    interop.ipv6_transfer interop.ipv6_faults_transfer interop.pmtu_v4 interop.pmtu_v6
    interop.gateway_offload interop.syn_flood interop.http interop.examples_http
    interop.many_conns interop.ipv6_many_conns interop.keepalive)
foreach(_t IN LISTS _synack_load_tests)
    if(TEST ${_t})
        set_property(TEST ${_t} APPEND PROPERTY RESOURCE_LOCK synack_interop_load)
        # This lock's tests add up to about half of build/'s test time: ranked above every
        # other test, the next of them starts whenever the last ends, so the chain never
        # waits for a free slot and the short tests fill the other one.
        get_test_property(${_t} COST _cost)
        if(NOT _cost)
            set(_cost 0)
        endif()
        math(EXPR _cost "${_cost} + 1000")
        set_tests_properties(${_t} PROPERTIES COST ${_cost})
    endif()
endforeach()
foreach(_t IN ITEMS interop.packetdrill interop.upstream_packetdrill
                    interop.upstream_packetdrill_ipv6 interop.upstream_packetdrill_mapped)
    if(TEST ${_t})
        set_property(TEST ${_t} APPEND PROPERTY RESOURCE_LOCK synack_packetdrill)
    endif()
endforeach()

# Tests whose worth is the same in both trees run in one of them only:
# - bench_gateway is a smoke test of `synack bench gateway` whose figures are not judged:
#   it runs in the sanitizer tree, where it also checks the benchmark and the gateway it
#   drives for memory errors (28 s, both cores busy, saved in build/).
# - gateway_soak's resident-memory check is meaningless under sanitizers (their quarantine
#   holds freed memory) and the script skips it there: the sanitizer tree soaks 15 s
#   instead of 60, enough to drive every ending (echo, both resets, quick close, refusal)
#   through the gateway under ASan many times; the fd, relay and heap accounting checks
#   still run in both.
if(SYNACK_SANITIZE)
    if(TEST interop.gateway_soak)
        set_property(TEST interop.gateway_soak APPEND PROPERTY ENVIRONMENT SOAK_SECONDS=15)
    endif()
elseif(TEST interop.bench_gateway)
    set_tests_properties(interop.bench_gateway PROPERTIES DISABLED TRUE)
endif()
