# lua-seg — build, test, demo, bench.
#   make            build seg.so (the Lua module) in the repository root
#   make deps       install the Debian packages everything below needs
#   make test       build and run the specs (busted, Lua 5.4)
#   make test-asan  the same under AddressSanitizer + UndefinedBehaviorSanitizer
#   make demo       threshold-and-label demo on the bundled sample images
#   make bench      side-by-side timings against OpenCV / scikit-image
#   make install    install seg.so and lua-seg (PREFIX, or INST_LIBDIR/INST_BINDIR)

LUA       ?= lua5.4
LUA_INCDIR ?= /usr/include/lua5.4
CC        ?= gcc
OPT       ?= -O3
WARN      = -Wall -Wextra -Wshadow -Wundef -Wwrite-strings -Wredundant-decls \
            -Wdisabled-optimization -Wmissing-declarations -Wmissing-prototypes \
            -Wstrict-prototypes -Wnested-externs -Wold-style-definition \
            -Wpointer-arith -Wvla -Wformat=2
ifeq ($(WERROR),1)
WARN     += -Werror
endif
CFLAGS    ?= $(OPT)
# Kernels (core, io, ops) build without Lua's include path, so one that
# includes lua.h fails to compile; only src/lua/ and src/seg.c see Lua.
# Everything is hidden but luaopen_seg (SEG_API in src/seg.c).
BASEFLAGS = -std=gnu11 -fPIC -pthread -fvisibility=hidden $(WARN) -Isrc $(EXTRA_INC)
LUAFLAGS  = -I$(LUA_INCDIR)
LIBS      = -lpng -ljpeg -lm -lpthread
LDFLAGS   ?=

KSRC = $(sort $(wildcard src/core/*.c src/io/*.c src/ops/*/*.c))
LSRC = $(sort $(wildcard src/lua/*.c)) src/seg.c
SRC  = $(KSRC) $(LSRC)
OBJ  = $(patsubst src/%.c,build/obj/%.o,$(SRC))
AOBJ = $(patsubst src/%.c,build/asan/%.o,$(SRC))
DEPS = $(OBJ:.o=.d) $(AOBJ:.o=.d)

# Debian packages: to build, to test, to benchmark.
PKG_BUILD = gcc make pkg-config lua5.4 liblua5.4-dev libpng-dev libjpeg62-turbo-dev
PKG_TEST  = lua-busted luarocks python3-skimage
PKG_BENCH = python3-opencv python3-skimage python3-scipy lua-system

BUSTED = busted --lua=$(LUA)
SPECS ?= spec
ASAN_FLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined -DSEG_NO_CLONES

.PHONY: all deps deps-build deps-test deps-bench test test-asan demo bench install clean fixtures

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
