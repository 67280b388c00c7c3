# SPDX-License-Identifier: MIT
# Toolchain file for a bare-metal Cortex-M4 with arm-none-eabi-gcc and newlib (Debian:
# gcc-arm-none-eabi, libnewlib-arm-none-eabi). Used by `make embedded` for the build in
# tools/embedded/; any CMake project can use it with -DCMAKE_TOOLCHAIN_FILE=.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

set(SYNACK_ARM_PREFIX "arm-none-eabi-" CACHE STRING "Prefix of the cross tools")
set(CMAKE_C_COMPILER "${SYNACK_ARM_PREFIX}gcc")
set(CMAKE_AR "${SYNACK_ARM_PREFIX}ar" CACHE FILEPATH "")
set(CMAKE_RANLIB "${SYNACK_ARM_PREFIX}ranlib" CACHE FILEPATH "")
set(CMAKE_SIZE "${SYNACK_ARM_PREFIX}size" CACHE FILEPATH "")
set(CMAKE_NM "${SYNACK_ARM_PREFIX}nm" CACHE FILEPATH "")

# No OS to run a test program on: probe compilers by building a library.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# Cortex-M4 in Thumb-2, every function and object in its own section so that
# --gc-sections keeps only what a program reaches.
set(CMAKE_C_FLAGS_INIT "-mthumb -mcpu=cortex-m4 -ffunction-sections -fdata-sections")
set(CMAKE_C_FLAGS_MINSIZEREL_INIT "-Os -DNDEBUG")
# newlib-nano, and stubs for the system calls newlib would make (there is no OS).
set(CMAKE_EXE_LINKER_FLAGS_INIT "--specs=nano.specs --specs=nosys.specs -Wl,--gc-sections")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
