# SPDX-License-Identifier: MIT
# libsynack_packetdrill.so: the shared object through which Google's packetdrill drives
# synack (packetdrill --so_filename=<build>/libsynack_packetdrill.so). Not part of the core
# library: it uses threads, eventfds and /proc. It carries its own copy of the core objects
# and exports only packetdrill_interface_init (tools/packetdrill/exports.map).
#
# Also wires the shim's tests:
#   scenario.test_packetdrill_shim  loads the .so with dlopen (path compiled in as
#                                   SYNACK_PACKETDRILL_SO, or $SYNACK_PACKETDRILL_SO)
#   scenario.test_packetdrill_routes  the same, in a namespace of its own (root)
#   scenario.test_packetdrill_v6    the same, in packetdrill's ipv6 and ipv4-mapped-ipv6 modes
#   interop.packetdrill             runs tests/packetdrill/*.pkt in the three modes (ipv4,
#                                   ipv4-mapped-ipv6, ipv6) when `packetdrill` is on
#                                   PATH (skipped otherwise); it finds the .so through
#                                   $SYNACK_PACKETDRILL_SO
#   interop.upstream_packetdrill    (labels interop, conformance) Linux's own scripts from a
#                                   packetdrill checkout ($PACKETDRILL or /tmp/packetdrill),
#                                   compared with tests/packetdrill/upstream-expected.txt
#   interop.upstream_packetdrill_ipv6, interop.upstream_packetdrill_mapped  (the same labels)
#                                   the same scripts in the ipv6 and ipv4-mapped-ipv6 modes,
#                                   compared with upstream-expected-ipv6.txt and
#                                   upstream-expected-ipv4-mapped-ipv6.txt

file(GLOB SYNACK_PD_SOURCES CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/tools/packetdrill/*.c")
list(SORT SYNACK_PD_SOURCES)

if(SYNACK_PD_SOURCES)
    find_package(Threads REQUIRED)
    set(_pd_map "${PROJECT_SOURCE_DIR}/tools/packetdrill/exports.map")
    add_library(synack_packetdrill SHARED ${SYNACK_PD_SOURCES} $<TARGET_OBJECTS:synack_core_objects>)
    set_target_properties(synack_packetdrill PROPERTIES
        OUTPUT_NAME synack_packetdrill
        LIBRARY_OUTPUT_DIRECTORY "${PROJECT_BINARY_DIR}"
        C_VISIBILITY_PRESET hidden
        LINK_DEPENDS "${_pd_map}")
    target_include_directories(synack_packetdrill PRIVATE
        "${PROJECT_SOURCE_DIR}/include" "${SYNACK_GENERATED_INCLUDE_DIR}" "${PROJECT_SOURCE_DIR}/src"
        "${PROJECT_SOURCE_DIR}/tools/packetdrill")
    target_link_options(synack_packetdrill PRIVATE "-Wl,--version-script=${_pd_map}")
    target_link_libraries(synack_packetdrill PRIVATE synack_flags Threads::Threads ${CMAKE_DL_LIBS})
    if(SYNACK_LIBM)
        target_link_libraries(synack_packetdrill PRIVATE m)
    endif()
    set(SYNACK_PACKETDRILL_SO "$<TARGET_FILE:synack_packetdrill>")

    foreach(_t IN ITEMS scenario_test_packetdrill_shim scenario_test_packetdrill_routes
                    scenario_test_packetdrill_v6)
        if(SYNACK_TESTS AND TARGET ${_t})
            target_compile_definitions(${_t} PRIVATE
                SYNACK_PACKETDRILL_SO="${SYNACK_PACKETDRILL_SO}")
            target_include_directories(${_t} PRIVATE "${PROJECT_SOURCE_DIR}/tools/packetdrill")
            target_link_libraries(${_t} PRIVATE ${CMAKE_DL_LIBS} Threads::Threads)
            add_dependencies(${_t} synack_packetdrill)
        endif()
    endforeach()
    set(_pd_upstream interop.upstream_packetdrill interop.upstream_packetdrill_ipv6
                     interop.upstream_packetdrill_mapped)
    foreach(_t IN ITEMS interop.packetdrill ${_pd_upstream})
        if(TEST ${_t})
            set_property(TEST ${_t} APPEND PROPERTY ENVIRONMENT
                "SYNACK_PACKETDRILL_SO=${SYNACK_PACKETDRILL_SO}")
        endif()
    endforeach()
    foreach(_t IN LISTS _pd_upstream)
        if(TEST ${_t})
            # 137 upstream scripts, some with seconds of virtual time and a retry each.
            set_property(TEST ${_t} APPEND PROPERTY LABELS conformance)
            set_tests_properties(${_t} PROPERTIES TIMEOUT 1800)
        endif()
    endforeach()
endif()
