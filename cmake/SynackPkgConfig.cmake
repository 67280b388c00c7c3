# SPDX-License-Identifier: MIT
# Install-time script (run by `cmake --install`, included from an install(CODE) block in
# CMakeLists.txt that sets the SYNACK_PC_* and PROJECT_* variables): writes synack.pc with
# the prefix of this installation and installs it. CMAKE_INSTALL_PREFIX here is the one
# `cmake --install --prefix` (or `make install PREFIX=`) gave, not the configured one;
# file(INSTALL) honours DESTDIR, so a staged install still says the final prefix.
set(SYNACK_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
configure_file("${SYNACK_PC_IN}" "${SYNACK_PC_OUT}" @ONLY)
file(INSTALL "${SYNACK_PC_OUT}" DESTINATION "${SYNACK_PC_DESTINATION}")
