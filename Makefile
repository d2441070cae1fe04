# lua-seg — build, test, demo, bench.
#   make            build seg.so (the Lua module) in the repository root
#   make deps       install the Debian packages everything below needs
#   make test       build and run the specs (busted, Lua 5.4)
#   make test-asan  the same under AddressSanitizer + UndefinedBehaviorSanitizer
#   make test-tsan  the same under ThreadSanitizer, every spec on 4 threads
#   make fuzz-api   call every function with random hostile arguments (FUZZ_SEED,
#                   FUZZ_SECONDS, FUZZ_SKIP; FUZZ_SO=build/asan/seg.so for the sanitizers)
#   make fuzz-io    mutated image files through the decoders, ASan/UBSan build
#   make demo       threshold-and-label demo on the bundled sample images
#   make bench      side-by-side timings against OpenCV / scikit-image
#   make bench-pool per-call cost of the thread pool
#   make install    install seg.so and lua-seg (PREFIX, or INST_LIBDIR/INST_BINDIR)

LUA       ?= lua5.4
LUA_INCDIR ?= /usr/include/lua5.4
CC        ?= gcc
OPT       ?= -O3
WARN      = -Wall -Wextra -Wshadow -Wundef -Wwrite-strings -Wredundant-decls \
            -Wdisabled-optimization -Wmissing-declarations -Wmissing-prototypes \
            -Wstrict-prototypes -Wnested-externs -Wold-style-definition \
            -Wpointer-arith -Wvla -Wformat=2 -Werror=implicit-function-declaration
ifeq ($(WERROR),1)
WARN     += -Werror
endif
CFLAGS    ?= $(OPT)
# Kernels (core, io, ops) build without Lua's include path, so one that
# includes lua.h fails to compile; only src/lua/ and src/seg.c see Lua.
# Everything is hidden but luaopen_seg (SEG_API in src/seg.c).
BASEFLAGS = -std=gnu11 -fPIC -pthread -fvisibility=hidden $(WARN) -Isrc $(EXTRA_INC)
# clang fuses a*b+c within expressions by default; the kernels that must
# round as their peers do turn contraction off with gcc's optimize attribute,
# which clang lacks, so clang builds turn it off everywhere.
ifneq ($(findstring clang,$(CC)),)
BASEFLAGS += -ffp-contract=off
endif
LUAFLAGS  = -I$(LUA_INCDIR)
LIBS      = -lpng -ljpeg -lm -lpthread
LDFLAGS   ?=

KSRC = $(sort $(wildcard src/core/*.c src/io/*.c src/ops/*/*.c))
LSRC = $(sort $(wildcard src/lua/*.c)) src/seg.c
SRC  = $(KSRC) $(LSRC)
OBJ  = $(patsubst src/%.c,build/obj/%.o,$(SRC))
AOBJ = $(patsubst src/%.c,build/asan/%.o,$(SRC))
TOBJ = $(patsubst src/%.c,build/tsan/%.o,$(SRC))
DEPS = $(OBJ:.o=.d) $(AOBJ:.o=.d) $(TOBJ:.o=.d)

# Debian packages: to build, to test, to benchmark.
PKG_BUILD = gcc make pkg-config lua5.4 liblua5.4-dev libpng-dev libjpeg62-turbo-dev
PKG_TEST  = lua-busted luarocks python3-skimage
PKG_BENCH = python3-opencv python3-skimage python3-scipy lua-system

BUSTED = busted --lua=$(LUA)
SPECS ?= spec
ASAN_FLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined -DSEG_NO_CLONES -DSEG_CHECKS
TSAN_FLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=thread -DSEG_NO_CLONES -DSEG_CHECKS
# ThreadSanitizer: every spec on SEG_THREADS threads (spec/helper.lua), so
# each kernel's multi-threaded path runs even where the CPU count is 1.
TSAN_THREADS ?= 4

.PHONY: all deps deps-build deps-test deps-bench test test-asan test-tsan fuzz-api fuzz-io demo bench bench-pool install clean fixtures

all: seg.so

seg.so: $(OBJ)
	$(CC) -shared -pthread $(LDFLAGS) $(EXTRA_LIB) -o $@ $(OBJ) $(LIBS)

# Objects of src/lua/ and src/seg.c get Lua's include path; no others do.
luaflags = $(if $(filter src/lua/% src/seg.c,$(1)),$(LUAFLAGS))

build/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(call luaflags,$<) $(CFLAGS) -MMD -MP -c -o $@ $<

build/asan/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(call luaflags,$<) $(ASAN_FLAGS) -MMD -MP -c -o $@ $<

build/asan/seg.so: $(AOBJ)
	$(CC) -shared -pthread -fsanitize=address,undefined -o $@ $(AOBJ) $(LIBS)

build/tsan/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(call luaflags,$<) $(TSAN_FLAGS) -MMD -MP -c -o $@ $<

build/tsan/seg.so: $(TOBJ)
	$(CC) -shared -pthread -fsanitize=thread -o $@ $(TOBJ) $(LIBS)

# The pool alone, under concurrent and nested callers (no Lua).
build/tsan/pool-test: spec/c/pool_test.c src/core/parallel.c src/core/segk.h
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(TSAN_FLAGS) -o $@ spec/c/pool_test.c src/core/parallel.c

# Installs missing packages when root, otherwise prints the command to run.
define apt_install
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:" $$missing; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) >/dev/null || exit 1; \
	  else echo "run: sudo apt-get install -y" $$missing; exit 1; fi; \
	fi
endef

deps-build:
	$(call apt_install,$(PKG_BUILD))
deps-test: deps-build
	$(call apt_install,$(PKG_TEST))
deps-bench: deps-build
	$(call apt_install,$(PKG_BENCH))
deps: deps-build deps-test deps-bench

test: deps-test
	$(MAKE) all
	$(BUSTED) $(SPECS)

test-asan: deps-test build/asan/seg.so
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=23 \
	LSAN_OPTIONS=suppressions=$(CURDIR)/spec/lsan.supp:print_suppressions=0 \
	LD_PRELOAD="$$($(CC) -print-file-name=libasan.so) $$($(CC) -print-file-name=libubsan.so)" \
	SEG_SO=build/asan/seg.so SEG_ASAN=1 $(BUSTED) $(SPECS)

# API fuzzer (spec/fuzz_api.lua): seeded, time-bounded, exits non-zero on any
# finding. FUZZ_SO=build/asan/seg.so runs it on the sanitizer build.
FUZZ_SO ?= seg.so
FUZZ_SECONDS ?= 60
fuzz-api: $(FUZZ_SO)
	$(if $(findstring asan,$(FUZZ_SO)),ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=23 \
	LSAN_OPTIONS=suppressions=$(CURDIR)/spec/lsan.supp:print_suppressions=0 \
	FUZZ_PRELOAD="$$($(CC) -print-file-name=libasan.so) $$($(CC) -print-file-name=libubsan.so)",) \
	FUZZ_SO=$(abspath $(FUZZ_SO)) FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_LUA=$(LUA) $(LUA) spec/fuzz_api.lua

# FUZZ_ARGS: count seed seconds (spec/fuzz_io.lua)
fuzz-io: build/asan/seg.so
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=23 \
	LSAN_OPTIONS=suppressions=$(CURDIR)/spec/lsan.supp:print_suppressions=0 \
	LD_PRELOAD="$$($(CC) -print-file-name=libasan.so) $$($(CC) -print-file-name=libubsan.so)" \
	SEG_SO=build/asan/seg.so $(LUA) spec/fuzz_io.lua $(FUZZ_ARGS)

# lua5.4 itself is not built with TSan, so its runtime is preloaded (a
# TSan seg.so dlopened later fails: "cannot allocate memory in static TLS
# block"). gcc 12's preloaded runtime crashes sh and bash at start, so
# busted runs without re-executing itself through sh (--ignore-lua), and the
# I/O specs, single-threaded and spawning shells, are left out, as is the
# random-call driver (robust_spec: its deep recursion overflows TSan's stack
# depot; ASan covers it) and the 300 x 48 MB allocation loop of core_spec
# (single-threaded; minutes under TSan's shadow memory). memory_spec is left out too:
# it measures resident memory (TSan's shadow skews it) and starts child
# processes through a shell. A report is "WARNING: ThreadSanitizer: ..." on
# stderr; exitcode makes it fail the run.
TSAN_SPECS ?= $(filter-out spec/io% spec/robust_spec.lua spec/memory_spec.lua,$(sort $(wildcard spec/*_spec.lua)))
test-tsan: deps-test build/tsan/seg.so build/tsan/pool-test
	TSAN_OPTIONS=exitcode=66 build/tsan/pool-test
	TSAN_OPTIONS=exitcode=66:halt_on_error=0:second_deadlock_stack=1 \
	LD_PRELOAD="$$($(CC) -print-file-name=libtsan.so)" \
	SEG_SO=build/tsan/seg.so SEG_TSAN=1 SEG_THREADS=$(TSAN_THREADS) \
	$(LUA) "$$(command -v busted)" --ignore-lua --filter-out="memory bounded" $(TSAN_SPECS)

demo: deps-build
	$(MAKE) all
	./lua-seg demo

bench: deps-bench
	$(MAKE) all
	$(LUA) bench/run.lua $(BENCH_ARGS)
	LUA=$(LUA) $(LUA) bench/loops.lua $(LOOPS_ARGS)

# Loops as people write them, collector on: time per iteration and peak
# memory against OpenCV's (bench/loops.md). Also the last step of bench.
.PHONY: bench-loops
bench-loops: deps-bench
	$(MAKE) all
	LUA=$(LUA) $(LUA) bench/loops.lua $(LOOPS_ARGS)

# Per-call cost of the worker pool (no Lua, no peers).
bench-pool: build/bench-pool
	build/bench-pool
build/bench-pool: bench/pool.c src/core/parallel.c src/core/segk.h
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(CFLAGS) -o $@ bench/pool.c src/core/parallel.c -lpthread

PREFIX ?= /usr/local
INST_LIBDIR ?= $(PREFIX)/lib/lua/5.4
INST_LUADIR ?= $(PREFIX)/share/lua/5.4
INST_BINDIR ?= $(PREFIX)/bin
install: seg.so
	install -d $(INST_LIBDIR) $(INST_BINDIR) $(INST_LUADIR)/seg_demo_images
	install -m 755 seg.so $(INST_LIBDIR)/seg.so
	install -m 755 lua-seg $(INST_BINDIR)/lua-seg
	install -m 644 examples/demo.lua $(INST_LUADIR)/seg_demo.lua
	install -m 644 examples/images/*.png $(INST_LUADIR)/seg_demo_images/

clean:
	rm -rf build seg.so

-include $(DEPS)
