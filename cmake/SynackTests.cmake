# SPDX-License-Identifier: MIT
# Test registration: cmocka unit and scenario programs, interop shell scripts, and the
# optional second run of every unit/scenario program under valgrind.
#
# Each test gets, in its environment:
#   ASAN_OPTIONS, UBSAN_OPTIONS   so sanitizer builds report leaks and stop on UB
#   SYNACK_SOURCE_DIR             the source tree (for golden files, corpora)
#   SYNACK_BUILD_DIR              this build tree
#   SYNACK_BIN                    the synack tool (empty when tools/synack has no sources)
#   SYNACK_CC, SYNACK_SANITIZE    the C compiler and whether this build is sanitized (for
#                                 tests that compile a program of their own)
# and C test programs are compiled with SYNACK_SOURCE_DIR="<source tree>" defined too.
# Interop scripts may exit 77 to be reported as skipped (e.g. not root).
#
# Every test of `make test` must finish in well under a minute even in the sanitizer build
# on a loaded 2-core machine; TIMEOUT (SYNACK_TEST_TIMEOUT seconds) makes a hang fail fast
# instead of stalling the run. Long sweeps carry the label "exhaustive" instead, which
# `make test` leaves out and CI runs on its own.

set(SYNACK_TEST_TIMEOUT 120 CACHE STRING "Seconds before a unit, scenario or interop test counts as hung")

if(SYNACK_SANITIZE)
    set(_synack_sanitized 1)
else()
    set(_synack_sanitized 0)
endif()
set(SYNACK_TEST_ENV
    "ASAN_OPTIONS=detect_leaks=1"
    "UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1"
    "SYNACK_SOURCE_DIR=${PROJECT_SOURCE_DIR}"
    "SYNACK_BUILD_DIR=${PROJECT_BINARY_DIR}"
    "SYNACK_BIN=${SYNACK_BIN}"
    "SYNACK_CC=${CMAKE_C_COMPILER}"
    "SYNACK_SANITIZE=${_synack_sanitized}")

file(GLOB SYNACK_UNIT_TESTS CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/tests/unit/test_*.c")
file(GLOB SYNACK_SCENARIO_TESTS CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/tests/scenario/test_*.c")
file(GLOB SYNACK_INTEROP_TESTS CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/tests/interop/*.sh")
file(GLOB SYNACK_PACKAGE_TESTS CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/tests/package/*.sh")
list(SORT SYNACK_UNIT_TESTS)
list(SORT SYNACK_SCENARIO_TESTS)
list(SORT SYNACK_INTEROP_TESTS)
list(SORT SYNACK_PACKAGE_TESTS)

# --- cmocka ------------------------------------------------------------------------------------

if(SYNACK_UNIT_TESTS OR SYNACK_SCENARIO_TESTS)
    find_package(PkgConfig QUIET)
    if(PkgConfig_FOUND)
        pkg_check_modules(CMOCKA QUIET IMPORTED_TARGET cmocka)
    endif()
    if(TARGET PkgConfig::CMOCKA)
        set(SYNACK_CMOCKA PkgConfig::CMOCKA)
    else()
        find_path(SYNACK_CMOCKA_INCLUDE_DIR cmocka.h)
        find_library(SYNACK_CMOCKA_LIBRARY cmocka)
        if(NOT SYNACK_CMOCKA_INCLUDE_DIR OR NOT SYNACK_CMOCKA_LIBRARY)
            message(FATAL_ERROR "synack: cmocka not found; install it with "
                                "`apt-get install -y libcmocka-dev pkg-config`, "
                                "or configure with -DSYNACK_TESTS=OFF")
        endif()
        add_library(synack_cmocka INTERFACE)
        target_include_directories(synack_cmocka INTERFACE "${SYNACK_CMOCKA_INCLUDE_DIR}")
        target_link_libraries(synack_cmocka INTERFACE "${SYNACK_CMOCKA_LIBRARY}")
        set(SYNACK_CMOCKA synack_cmocka)
    endif()
endif()

# --- valgrind ----------------------------------------------------------------------------------

set(SYNACK_VALGRIND_COMMAND "")
if(SYNACK_VALGRIND AND NOT SYNACK_SANITIZE AND NOT SYNACK_FUZZ)
    find_program(SYNACK_VALGRIND_EXECUTABLE valgrind)
    if(SYNACK_VALGRIND_EXECUTABLE)
        set(SYNACK_VALGRIND_COMMAND
            "${SYNACK_VALGRIND_EXECUTABLE}" --quiet --error-exitcode=1 --leak-check=full
            --show-leak-kinds=definite,indirect,possible
            --errors-for-leak-kinds=definite,indirect,possible)
    else()
        message(STATUS "synack: valgrind not found, no valgrind tests registered")
    endif()
endif()

# --- test support library (tests/support/*.c: harnesses shared by the test programs) ---------

file(GLOB SYNACK_TEST_SUPPORT CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/tests/support/*.c")
if(SYNACK_TEST_SUPPORT)
    add_library(synack_testsupport STATIC ${SYNACK_TEST_SUPPORT})
    target_include_directories(synack_testsupport PUBLIC
        "${PROJECT_SOURCE_DIR}/src" "${PROJECT_SOURCE_DIR}/tests")
    target_link_libraries(synack_testsupport PUBLIC synack_static PRIVATE synack_flags)
    if(SYNACK_CMOCKA)
        # fixtures (test_alloc.c, fixture.c) fail the running cmocka test themselves
        target_link_libraries(synack_testsupport PUBLIC ${SYNACK_CMOCKA})
    endif()
    set(SYNACK_TESTSUPPORT_LIB synack_testsupport)
else()
    set(SYNACK_TESTSUPPORT_LIB "")
endif()

# --- C test programs ---------------------------------------------------------------------------

# synack_add_c_test(<kind> <source>): one standalone program, built at
# <build>/tests/<kind>/<name>, registered as <kind>.<name> with label <kind>, and again as
# valgrind.<kind>.<name> with label valgrind when valgrind is in use.
function(synack_add_c_test kind source)
    get_filename_component(name "${source}" NAME_WE)
    set(target "${kind}_${name}")
    add_executable(${target} "${source}")
    set_target_properties(${target} PROPERTIES
        OUTPUT_NAME "${name}"
        RUNTIME_OUTPUT_DIRECTORY "${PROJECT_BINARY_DIR}/tests/${kind}")
    target_include_directories(${target} PRIVATE
        "${PROJECT_SOURCE_DIR}/src" "${PROJECT_SOURCE_DIR}/tests/${kind}" "${PROJECT_SOURCE_DIR}/tests")
    target_compile_definitions(${target} PRIVATE SYNACK_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
    target_link_libraries(${target} PRIVATE ${SYNACK_TESTSUPPORT_LIB} synack_static ${SYNACK_CMOCKA} synack_flags)

    add_test(NAME "${kind}.${name}" COMMAND ${target})
    set_tests_properties("${kind}.${name}" PROPERTIES
        LABELS "${kind}"
        TIMEOUT ${SYNACK_TEST_TIMEOUT}
        WORKING_DIRECTORY "${PROJECT_BINARY_DIR}"
        ENVIRONMENT "${SYNACK_TEST_ENV}")

    if(SYNACK_VALGRIND_COMMAND)
        add_test(NAME "valgrind.${kind}.${name}" COMMAND ${SYNACK_VALGRIND_COMMAND} $<TARGET_FILE:${target}>)
        set_tests_properties("valgrind.${kind}.${name}" PROPERTIES
            LABELS "valgrind"
            TIMEOUT 1200
            WORKING_DIRECTORY "${PROJECT_BINARY_DIR}"
            ENVIRONMENT "${SYNACK_TEST_ENV}")
    endif()
endfunction()

foreach(_src IN LISTS SYNACK_UNIT_TESTS)
    synack_add_c_test(unit "${_src}")
endforeach()
foreach(_src IN LISTS SYNACK_SCENARIO_TESTS)
    synack_add_c_test(scenario "${_src}")
endforeach()

# test_bench_report checks the report code of `synack bench` itself.
if(TARGET unit_test_bench_report)
    target_sources(unit_test_bench_report PRIVATE "${PROJECT_SOURCE_DIR}/tools/synack/cmd_bench_report.c")
    target_include_directories(unit_test_bench_report PRIVATE "${PROJECT_SOURCE_DIR}/tools/synack")
endif()
# test_gateway_opts checks `synack gateway`'s option parsing and destination policy.
if(TARGET unit_test_gateway_opts)
    target_sources(unit_test_gateway_opts PRIVATE "${PROJECT_SOURCE_DIR}/tools/synack/cmd_gateway_opts.c")
    target_include_directories(unit_test_gateway_opts PRIVATE "${PROJECT_SOURCE_DIR}/tools/synack")
endif()

# test_gateway_socks5 checks the SOCKS5 client's state machine and the tun2socks options.
if(TARGET unit_test_gateway_socks5)
    target_sources(unit_test_gateway_socks5 PRIVATE "${PROJECT_SOURCE_DIR}/tools/synack/cmd_gateway_socks5.c"
        "${PROJECT_SOURCE_DIR}/tools/synack/cmd_gateway_tun.c")
    target_include_directories(unit_test_gateway_socks5 PRIVATE "${PROJECT_SOURCE_DIR}/tools/synack")
endif()

# test_gateway_socks5udp checks the UDP request header codec and the UDP ASSOCIATE of a flow.
if(TARGET unit_test_gateway_socks5udp)
    target_sources(unit_test_gateway_socks5udp PRIVATE "${PROJECT_SOURCE_DIR}/tools/synack/cmd_gateway_socks5udp.c"
        "${PROJECT_SOURCE_DIR}/tools/synack/cmd_gateway_socks5.c"
        "${PROJECT_SOURCE_DIR}/tools/synack/cmd_gateway_events.c")
    target_include_directories(unit_test_gateway_socks5udp PRIVATE "${PROJECT_SOURCE_DIR}/tools/synack")
endif()

# test_gateway_v6 checks the gateway's IPv6 options, destination policy and relay helpers.
if(TARGET unit_test_gateway_v6)
    target_sources(unit_test_gateway_v6 PRIVATE "${PROJECT_SOURCE_DIR}/tools/synack/cmd_gateway_v6.c"
        "${PROJECT_SOURCE_DIR}/tools/synack/cmd_gateway_opts.c"
        "${PROJECT_SOURCE_DIR}/tools/synack/cmd_gateway_v6icmp.c"
        "${PROJECT_SOURCE_DIR}/tools/synack/cmd_gateway_echo.c"
        "${PROJECT_SOURCE_DIR}/tools/synack/cmd_gateway_events.c")
    target_include_directories(unit_test_gateway_v6 PRIVATE "${PROJECT_SOURCE_DIR}/tools/synack")
endif()

# test_gateway_threads checks --threads: the option, the steering of frames, the inbox.
if(TARGET unit_test_gateway_threads)
    target_sources(unit_test_gateway_threads PRIVATE "${PROJECT_SOURCE_DIR}/tools/synack/cmd_gateway_opts.c"
        "${PROJECT_SOURCE_DIR}/tools/synack/cmd_gateway_steer.c"
        "${PROJECT_SOURCE_DIR}/tools/synack/cmd_gateway_inbox.c")
    target_include_directories(unit_test_gateway_threads PRIVATE "${PROJECT_SOURCE_DIR}/tools/synack")
endif()

# test_gateway_udp checks the gateway's UDP and ICMP decisions that need no network.
if(TARGET unit_test_gateway_udp)
    target_sources(unit_test_gateway_udp PRIVATE "${PROJECT_SOURCE_DIR}/tools/synack/cmd_gateway_udp.c"
        "${PROJECT_SOURCE_DIR}/tools/synack/cmd_gateway_socks5udp.c"
        "${PROJECT_SOURCE_DIR}/tools/synack/cmd_gateway_socks5.c"
        "${PROJECT_SOURCE_DIR}/tools/synack/cmd_gateway_icmp.c"
        "${PROJECT_SOURCE_DIR}/tools/synack/cmd_gateway_v6icmp.c"
        "${PROJECT_SOURCE_DIR}/tools/synack/cmd_gateway_echo.c"
        "${PROJECT_SOURCE_DIR}/tools/synack/cmd_gateway_events.c"
        "${PROJECT_SOURCE_DIR}/tools/synack/cmd_gateway_v6.c"
        "${PROJECT_SOURCE_DIR}/tools/synack/cmd_gateway_opts.c")
    target_include_directories(unit_test_gateway_udp PRIVATE "${PROJECT_SOURCE_DIR}/tools/synack")
endif()

# test_gateway_events checks the gateway's epoll event table.
if(TARGET unit_test_gateway_events)
    target_sources(unit_test_gateway_events PRIVATE "${PROJECT_SOURCE_DIR}/tools/synack/cmd_gateway_events.c")
    target_include_directories(unit_test_gateway_events PRIVATE "${PROJECT_SOURCE_DIR}/tools/synack")
endif()

# test_gateway_trim checks when the gateway gives freed heap back to the OS.
if(TARGET unit_test_gateway_trim)
    target_sources(unit_test_gateway_trim PRIVATE "${PROJECT_SOURCE_DIR}/tools/synack/cmd_gateway_trim.c")
    target_include_directories(unit_test_gateway_trim PRIVATE "${PROJECT_SOURCE_DIR}/tools/synack")
endif()

# test_gateway_spin checks when and how long the gateway polls before sleeping.
if(TARGET unit_test_gateway_spin)
    target_sources(unit_test_gateway_spin PRIVATE "${PROJECT_SOURCE_DIR}/tools/synack/cmd_gateway_spin.c"
        "${PROJECT_SOURCE_DIR}/tools/synack/cmd_gateway_events.c")
    target_include_directories(unit_test_gateway_spin PRIVATE "${PROJECT_SOURCE_DIR}/tools/synack")
endif()

# test_sim_cli drives the tool's simulator in-process (a few seeds per scenario); the same
# program with the argument "exhaustive" sweeps every seed x every format (label exhaustive).
if(TARGET scenario_test_sim_cli AND TARGET synack_sim)
    target_link_libraries(scenario_test_sim_cli PRIVATE synack_sim)
    add_test(NAME "exhaustive.test_sim_cli" COMMAND scenario_test_sim_cli exhaustive)
    set_tests_properties("exhaustive.test_sim_cli" PROPERTIES
        LABELS "exhaustive"
        TIMEOUT 1800
        WORKING_DIRECTORY "${PROJECT_BINARY_DIR}"
        ENVIRONMENT "${SYNACK_TEST_ENV}")
    # About 10 s of CPU in build/ and 30 s under the sanitizers; on a 2-core machine shared
    # with a busy process it has taken 129 s of wall time, past the default timeout.
    if(TEST scenario.test_sim_cli)
        set_tests_properties(scenario.test_sim_cli PROPERTIES TIMEOUT 600)
    endif()
endif()

# --- interop shell tests -----------------------------------------------------------------------

if(SYNACK_INTEROP_TESTS)
    find_program(SYNACK_BASH bash REQUIRED)
endif()
foreach(_script IN LISTS SYNACK_INTEROP_TESTS)
    get_filename_component(_name "${_script}" NAME_WE)
    add_test(NAME "interop.${_name}" COMMAND "${SYNACK_BASH}" "${_script}")
    set_tests_properties("interop.${_name}" PROPERTIES
        LABELS "interop"
        TIMEOUT ${SYNACK_TEST_TIMEOUT}
        SKIP_RETURN_CODE 77
        WORKING_DIRECTORY "${PROJECT_BINARY_DIR}"
        # SYNACK_TEST_TIMEOUT: lib/common.bash ends the script with TERM before ctest's
        # SIGKILL, so that its namespaces and processes are cleaned up.
        ENVIRONMENT "${SYNACK_TEST_ENV};SYNACK_TEST_TIMEOUT=${SYNACK_TEST_TIMEOUT}")
endforeach()
# synack_interop_timeout(<test> <seconds>): a longer TIMEOUT, told to the script too.
function(synack_interop_timeout test seconds)
    if(TEST ${test})
        set_tests_properties(${test} PROPERTIES TIMEOUT ${seconds})
        set_property(TEST ${test} APPEND PROPERTY ENVIRONMENT "SYNACK_TEST_TIMEOUT=${seconds}")
    endif()
endfunction()
# gateway_threads runs four other gateway tests again, with --threads 2.
synack_interop_timeout(interop.gateway_threads 300)
# bench_gateway runs the gateway benchmark twice, briefly, with every tool side by side.
synack_interop_timeout(interop.bench_gateway 300)
# gateway_soak soaks 60 s; other tests run beside it.
synack_interop_timeout(interop.gateway_soak 180)
# ipv6_faults_transfer moves 3 x 100 MiB at 2% loss: 22 s alone, 40 s under the sanitizers.
synack_interop_timeout(interop.ipv6_faults_transfer 300)
include(SynackTestSchedule)

# --- package shell tests: the library as a user gets it (install, headers, version) -----------

if(SYNACK_PACKAGE_TESTS)
    find_program(SYNACK_BASH bash REQUIRED)
endif()
foreach(_script IN LISTS SYNACK_PACKAGE_TESTS)
    get_filename_component(_name "${_script}" NAME_WE)
    add_test(NAME "package.${_name}" COMMAND "${SYNACK_BASH}" "${_script}")
    set_tests_properties("package.${_name}" PROPERTIES
        LABELS "package"
        TIMEOUT 120
        SKIP_RETURN_CODE 77
        WORKING_DIRECTORY "${PROJECT_BINARY_DIR}"
        ENVIRONMENT "${SYNACK_TEST_ENV}")
endforeach()
