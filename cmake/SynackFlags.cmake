# SPDX-License-Identifier: MIT
# Compiler flags shared by every synack target.
#
# synack_flags is an INTERFACE target that carries the warning set and feature macros;
# link it PRIVATE into anything compiled from this tree. SYNACK_SANITIZE adds ASan+UBSan
# to every target globally (compile and link), so the library, the tool and the tests all
# agree.

add_library(synack_flags INTERFACE)
target_compile_options(synack_flags INTERFACE -Wall -Wextra -Wshadow)
# Warnings are errors in the project's own builds (make, CI), which pin what they test; a
# packager's or user's plain `cmake` build must not break when a newer compiler adds one.
if(SYNACK_WERROR)
    target_compile_options(synack_flags INTERFACE -Werror)
endif()
target_compile_definitions(synack_flags INTERFACE _GNU_SOURCE)

# Flags used for sanitized builds; also reused by the fuzz build.
set(SYNACK_SANITIZER_FLAGS -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)

if(SYNACK_SANITIZE)
    add_compile_options(${SYNACK_SANITIZER_FLAGS})
    # Ring storage is filled with a poison byte when allocated and freed (src/util/poison.h);
    # the tests see the same definition and check the wire never carries it.
    add_compile_definitions(SYNACK_POISON_RINGS=1)
    add_link_options(-fsanitize=address,undefined)
endif()
