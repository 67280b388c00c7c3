# SPDX-License-Identifier: MIT
# synack — the commands a person types. The real build is CMake; this file only drives it.
#
#   make / make build   configure and build ./build (RelWithDebInfo); the tool is build/synack
#   make demo           build, then run `./build/synack demo`
#   make test           build ./build and ./build-asan (ASan+UBSan, Debug), run ctest in both
#                       (not the valgrind and exhaustive labels: `make valgrind`; CI runs
#                       `ctest --test-dir build -L exhaustive`)
#   make build-release  build ./build-release (Release, -O3) with CC (default cc); nothing runs
#   make valgrind       run every unit/scenario test under valgrind (in ./build)
#   make fuzz           build ./build-fuzz with clang + libFuzzer, run each target FUZZ_SECONDS
#   make bench          build, then run `./build/synack bench all`
#   make embedded       cross-build the core for a Cortex-M4 (arm-none-eabi-gcc, newlib) into
#                       ./build-embedded with examples/bare_metal.c as firmware, check it links
#                       with no heap, print the size table (tools/embedded/report.sh)
#   make format         clang-format -i every C source and header (format-check: just check)
#   make tidy           clang-tidy (.clang-tidy) over src/ and the headers it includes, using
#                       build/compile_commands.json; fails on any finding
#   make install        install ./build into PREFIX (default /usr/local)
#   make clean          remove every build directory

JOBS         ?= $(shell nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
CTEST_JOBS   ?= 2
BUILD_TYPE   ?= RelWithDebInfo
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
PREFIX       ?= /usr/local
CMAKE        ?= cmake
CTEST        ?= ctest
CLANG_FORMAT ?= clang-format
CLANG_TIDY   ?= clang-tidy
RUN_CLANG_TIDY ?= run-clang-tidy
TIDY_JOBS    ?= $(JOBS)
# This tree's own builds treat warnings as errors; a plain `cmake` build does not (SYNACK_WERROR).
WERROR       ?= ON

# Keep the output readable: no "Entering directory" lines from the CMake-generated makefiles.
MAKEFLAGS += --no-print-directory

BUILD_DIR := build
ASAN_DIR  := build-asan
REL_DIR   := build-release
FUZZ_DIR  := build-fuzz
EMB_DIR   := build-embedded
ARM_CC    ?= arm-none-eabi-gcc

FUZZ_SOURCES   := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_TARGETS   := $(notdir $(FUZZ_SOURCES:.c=))
FORMAT_SOURCES  = $(shell find src include tools tests -name '*.[ch]' 2>/dev/null)
TIDY_SOURCES    = $(shell find src -name '*.c' 2>/dev/null | sort)

.PHONY: all build build-asan build-release demo test valgrind fuzz bench embedded format format-check tidy install clean

all: build

build:
	$(CMAKE) -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DSYNACK_WERROR=$(WERROR)
	$(CMAKE) --build $(BUILD_DIR) -j $(JOBS)

build-asan:
	$(CMAKE) -S . -B $(ASAN_DIR) -DCMAKE_BUILD_TYPE=Debug -DSYNACK_SANITIZE=ON -DSYNACK_WERROR=$(WERROR)
	$(CMAKE) --build $(ASAN_DIR) -j $(JOBS)

# The build type packagers use: every target (tests included) must compile warning-free at -O3.
build-release:
	$(CMAKE) -S . -B $(REL_DIR) -DCMAKE_BUILD_TYPE=Release -DSYNACK_WERROR=$(WERROR)
	$(CMAKE) --build $(REL_DIR) -j $(JOBS)

demo: build
	@if [ ! -x $(BUILD_DIR)/synack ]; then \
	    echo "make demo: $(BUILD_DIR)/synack was not built (tools/synack has no sources yet)" >&2; \
	    exit 1; \
	fi
	./$(BUILD_DIR)/synack demo

# Both trees are built and tested even when the first fails, then the result is the worst.
test: build build-asan
	@status=0; \
	for dir in $(BUILD_DIR) $(ASAN_DIR); do \
	    echo "==> ctest in $$dir"; \
	    $(CTEST) --test-dir $$dir --output-on-failure -j $(CTEST_JOBS) -LE 'valgrind|exhaustive' || status=1; \
	done; \
	if [ $$status -ne 0 ]; then echo "make test: FAILED (see above)" >&2; fi; \
	exit $$status

valgrind:
	@command -v valgrind >/dev/null || { echo "make valgrind: valgrind is not installed (apt-get install -y valgrind)" >&2; exit 1; }
	$(CMAKE) -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DSYNACK_WERROR=$(WERROR) -DSYNACK_VALGRIND=ON
	$(CMAKE) --build $(BUILD_DIR) -j $(JOBS)
	$(CTEST) --test-dir $(BUILD_DIR) --output-on-failure -j $(CTEST_JOBS) -L valgrind

# Each target runs for FUZZ_SECONDS on a scratch copy of tests/fuzz/corpus/<target>/ (so
# the repository corpus is not modified), with tests/fuzz/<target>.dict when present.
# Crashes are written to build-fuzz/artifacts/<target>/.
fuzz:
	@command -v $(FUZZ_CC) >/dev/null || { echo "make fuzz: $(FUZZ_CC) is not installed (apt-get install -y clang)" >&2; exit 1; }
	@if [ -z "$(FUZZ_TARGETS)" ]; then echo "make fuzz: no tests/fuzz/fuzz_*.c targets yet"; exit 0; fi; \
	set -e; \
	$(CMAKE) -S . -B $(FUZZ_DIR) -DCMAKE_C_COMPILER=$(FUZZ_CC) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    -DSYNACK_FUZZ=ON -DSYNACK_TESTS=OFF -DSYNACK_WERROR=$(WERROR); \
	$(CMAKE) --build $(FUZZ_DIR) -j $(JOBS) --target fuzz_targets; \
	status=0; failed=""; \
	for t in $(FUZZ_TARGETS); do \
	    work=$$(mktemp -d "$${TMPDIR:-/tmp}/synack-fuzz-$$t.XXXXXX"); \
	    if [ -d tests/fuzz/corpus/$$t ]; then cp -R tests/fuzz/corpus/$$t/. "$$work/"; fi; \
	    dict=""; if [ -f tests/fuzz/$$t.dict ]; then dict="-dict=tests/fuzz/$$t.dict"; fi; \
	    mkdir -p $(FUZZ_DIR)/artifacts/$$t; \
	    echo "==> fuzz $$t for $(FUZZ_SECONDS)s (corpus: $$(ls -A "$$work" | wc -l) files)"; \
	    if ./$(FUZZ_DIR)/$$t -max_total_time=$(FUZZ_SECONDS) -timeout=25 -rss_limit_mb=2048 \
	        -print_final_stats=1 -artifact_prefix=$(FUZZ_DIR)/artifacts/$$t/ $$dict "$$work"; then \
	        echo "==> fuzz $$t: ok"; \
	    else \
	        echo "==> fuzz $$t: FAILED, reproducer in $(FUZZ_DIR)/artifacts/$$t/" >&2; \
	        ls -l $(FUZZ_DIR)/artifacts/$$t/ >&2 || true; \
	        status=1; failed="$$failed $$t"; \
	    fi; \
	    rm -rf "$$work"; \
	done; \
	if [ $$status -ne 0 ]; then echo "make fuzz: FAILED:$$failed" >&2; fi; \
	exit $$status

bench: build
	@if [ ! -x $(BUILD_DIR)/synack ]; then \
	    echo "make bench: $(BUILD_DIR)/synack was not built (tools/synack has no sources yet)" >&2; \
	    exit 1; \
	fi
	./$(BUILD_DIR)/synack bench all

embedded:
	@command -v $(ARM_CC) >/dev/null || { echo "make embedded: $(ARM_CC) is not installed (apt-get install -y gcc-arm-none-eabi libnewlib-arm-none-eabi)" >&2; exit 1; }
	$(CMAKE) -S tools/embedded -B $(EMB_DIR) -DCMAKE_TOOLCHAIN_FILE=$(CURDIR)/cmake/arm-none-eabi.cmake -DCMAKE_BUILD_TYPE=MinSizeRel
	$(CMAKE) --build $(EMB_DIR) -j $(JOBS)
	tools/embedded/report.sh $(EMB_DIR)

format:
	@files="$(FORMAT_SOURCES)"; [ -z "$$files" ] || $(CLANG_FORMAT) -i $$files

format-check:
	@files="$(FORMAT_SOURCES)"; [ -z "$$files" ] || $(CLANG_FORMAT) --dry-run --Werror $$files

# Configuring is enough: clang-tidy needs compile_commands.json and the generated headers,
# not objects. run-clang-tidy runs TIDY_JOBS files at a time; without it, xargs does.
tidy:
	@command -v $(CLANG_TIDY) >/dev/null || { echo "make tidy: $(CLANG_TIDY) is not installed (apt-get install -y clang-tidy)" >&2; exit 1; }
	$(CMAKE) -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DSYNACK_WERROR=$(WERROR) >/dev/null
	@if command -v $(RUN_CLANG_TIDY) >/dev/null; then \
	    $(RUN_CLANG_TIDY) -clang-tidy-binary $$(command -v $(CLANG_TIDY)) -p $(BUILD_DIR) \
	        -j $(TIDY_JOBS) -quiet $(addprefix $(CURDIR)/,$(TIDY_SOURCES)) >$(BUILD_DIR)/tidy.log 2>&1; \
	else \
	    printf '%s\n' $(TIDY_SOURCES) | xargs -P $(TIDY_JOBS) -n 1 \
	        $(CLANG_TIDY) -p $(BUILD_DIR) --quiet >$(BUILD_DIR)/tidy.log 2>&1; \
	fi; \
	status=$$?; \
	grep -E '(warning|error): ' $(BUILD_DIR)/tidy.log | sed 's/\x1b\[[0-9;]*m//g' | sort -u; \
	if [ $$status -ne 0 ]; then \
	    echo "make tidy: FAILED (findings above; full log in $(BUILD_DIR)/tidy.log)" >&2; exit 1; \
	fi; \
	echo "make tidy: clean ($(words $(TIDY_SOURCES)) files)"

install: build
	$(CMAKE) --install $(BUILD_DIR) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(REL_DIR) $(FUZZ_DIR) $(EMB_DIR)
