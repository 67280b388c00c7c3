# SPDX-License-Identifier: MIT
# lwIP for `synack bench tap` (optional).
#
# The tool compiles tools/synack/bench_lwip_tap.c against the system's lwIP headers (their
# lwipopts.h fixes the struct layouts of the library they came with) and loads liblwip
# with dlopen at run time; it never links it (see bench_lwip_tap.h for why). Without the
# headers the file builds as a stub and the bench prints lwIP's rows as "not built".
# Debian: apt-get install liblwip-dev.

find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
    pkg_check_modules(SYNACK_PC_LWIP QUIET lwip)
endif()
find_path(SYNACK_LWIP_INCLUDE_DIR NAMES lwipopts.h
    HINTS ${SYNACK_PC_LWIP_INCLUDE_DIRS}
    PATH_SUFFIXES lwip)
find_library(SYNACK_LWIP_LIBRARY NAMES lwip HINTS ${SYNACK_PC_LWIP_LIBRARY_DIRS})

set(_lwip_glue "${PROJECT_SOURCE_DIR}/tools/synack/bench_lwip_tap.c")
if(TARGET synack AND EXISTS "${_lwip_glue}" AND SYNACK_LWIP_INCLUDE_DIR AND SYNACK_LWIP_LIBRARY
   AND EXISTS "${SYNACK_LWIP_INCLUDE_DIR}/lwip/tcp.h"
   AND EXISTS "${SYNACK_LWIP_INCLUDE_DIR}/netif/ethernet.h")
    get_filename_component(_lwip_so "${SYNACK_LWIP_LIBRARY}" REALPATH)
    # -isystem: lwIP's headers are not held to this tree's -Werror warning set.
    set_property(SOURCE "${_lwip_glue}" APPEND PROPERTY COMPILE_OPTIONS
        -isystem "${SYNACK_LWIP_INCLUDE_DIR}")
    set_property(SOURCE "${_lwip_glue}" APPEND PROPERTY COMPILE_DEFINITIONS
        SYNACK_HAVE_LWIP=1 "SYNACK_LWIP_SO=\"${_lwip_so}\"")
    target_link_libraries(synack PRIVATE ${CMAKE_DL_LIBS})
    message(STATUS "synack: lwIP found (${SYNACK_LWIP_INCLUDE_DIR}, ${_lwip_so}): bench tap compares it")
else()
    message(STATUS "synack: lwIP not found (apt-get install liblwip-dev): bench tap reports it as not built")
endif()
