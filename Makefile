# restoredrill — one non-recursive Makefile.
#   make            build build/restoredrill
#   make check      install missing deps (with the test tools), build, unit +
#                   integration tests
#   make demo       install missing run-time deps, build, verify a bundled sample
#                   backup
#   make sanitize   the same tests with an ASan+UBSan build (build/san)
#   make fuzz       build the libFuzzer targets (clang) into build/fuzz
#   make install    PREFIX=/usr/local DESTDIR=
#   make format-check

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
DOCDIR  ?= $(PREFIX)/share/doc/restoredrill
BUILD   ?= build
CC      ?= cc
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

CSTD    = -std=c11 -D_DEFAULT_SOURCE -D_XOPEN_SOURCE=700 -D_GNU_SOURCE
WARN    = -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
          -Wwrite-strings -Wvla -Wcast-qual -Wpointer-arith -Wimplicit-fallthrough \
          -Wconversion -Wno-sign-conversion -Wno-missing-field-initializers \
          $(if $(findstring clang,$(CC)),,-Wno-format-truncation)
PKGS    = libpq jansson libcrypto libcurl zlib libzstd liblzma liblz4 libarchive expat libmariadb
CFLAGS  ?= -O2 -g
CFLAGS  += $(CSTD) $(WARN) -I. -DRD_VERSION='"$(VERSION)"' -DRD_DOCDIR='"$(DOCDIR)"' $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lbz2 -lm
ifdef DEV
CFLAGS  += -Werror
endif
ifdef SAN
CFLAGS  += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
endif

SRCDIRS  = verifier verifier/util restore restore/source restore/decode restore/target \
           restore/sandbox \
           reports probes
LIB_SRC  = $(filter-out verifier/main.c,$(wildcard $(addsuffix /*.c,$(SRCDIRS))))
LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/%.o)
HDRS     = $(wildcard $(addsuffix /*.h,$(SRCDIRS)))
BIN      = $(BUILD)/restoredrill

UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_OBJ = $(UNIT_SRC:%.c=$(BUILD)/%.o) $(BUILD)/tests/unit/check_main.o \
           $(BUILD)/tests/unit/testutil.o
UNIT_BIN = $(BUILD)/unit-tests
CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   = $(shell pkg-config --libs check 2>/dev/null)

FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN = $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_CC  = clang-14
FUZZ_CFLAGS = $(CSTD) -g -O1 -I. -DRD_VERSION='"$(VERSION)"' -fsanitize=fuzzer-no-link,address,undefined \
              $(shell pkg-config --cflags $(PKGS) 2>/dev/null)

# Quiet by default; make V=1 shows the commands.
ifeq ($(V),1)
Q =
else
Q = @
endif

.SECONDARY:

.PHONY: all check check-unit check-integration demo sanitize fuzz fuzz-build fuzz-run \
        install uninstall format-check clean deps test-deps bench
all: $(BIN)

$(BUILD)/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(BIN): $(LIB_OBJ) $(BUILD)/verifier/main.o
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# check_main.c includes the generated list of suites (one per test_<m>.c).
$(BUILD)/tests/unit/suites.h: $(UNIT_SRC)
	@mkdir -p $(dir $@)
	@{ for f in $(notdir $(basename $(UNIT_SRC))); do \
	     echo "SUITE($${f#test_})"; done; } > $@.tmp && mv $@.tmp $@

$(BUILD)/tests/unit/%.o: tests/unit/%.c $(HDRS) $(BUILD)/tests/unit/suites.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) $(CHECK_CFLAGS) -I$(BUILD)/tests/unit -c -o $@ $<

$(UNIT_BIN): $(UNIT_OBJ) $(LIB_OBJ)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

# deps: what building and running need (make demo); test-deps: that and the
# test tools (ci/install-deps --test).
deps:
	@ci/install-deps

test-deps:
	@ci/install-deps --test

check: test-deps
	@$(MAKE) --no-print-directory $(BIN) $(UNIT_BIN)
	@$(MAKE) --no-print-directory check-unit check-integration

check-unit: $(UNIT_BIN)
	$(UNIT_BIN)

check-integration: $(BIN)
	RESTOREDRILL=$(abspath $(BIN)) tests/integration/run.sh

demo: deps
	@$(MAKE) --no-print-directory $(BIN)
	RESTOREDRILL=$(abspath $(BIN)) tests/demo/run.sh

# Speed and memory targets (tests/bench/run.sh; BENCH_ROWS=N, BENCH_QUICK=1;
# results in build/bench/), then restoredrill side by side with the bare
# tools and the naive script (tests/bench/sidebyside.sh; BENCH_SCALE=N;
# tables in tests/bench/results/).  See docs/performance.md.
bench: test-deps
	@$(MAKE) --no-print-directory $(BIN)
	RESTOREDRILL=$(abspath $(BIN)) tests/bench/run.sh
	RESTOREDRILL=$(abspath $(BIN)) tests/bench/sidebyside.sh

sanitize: test-deps
	@$(MAKE) --no-print-directory BUILD=build/san SAN=1 CC=gcc build/san/restoredrill build/san/unit-tests
	@$(MAKE) --no-print-directory BUILD=build/san SAN=1 CC=gcc check-unit check-integration

$(BUILD)/fuzz/%.o: %.c $(HDRS) $(wildcard tests/fuzz/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(BUILD)/fuzz/fuzz_%: $(BUILD)/fuzz/tests/fuzz/fuzz_%.o $(LIB_SRC:%.c=$(BUILD)/fuzz/%.o)
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $^ $(LDLIBS)

fuzz: test-deps
	@$(MAKE) --no-print-directory fuzz-build

fuzz-build: $(FUZZ_BIN)

# Bounded run of every target (FUZZ_SECONDS each) on a temp copy of its seeds.
FUZZ_SECONDS ?= 20
fuzz-run: fuzz
	tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BIN)

# docs/ (probe format, config, report schema, error codes) goes to DOCDIR,
# where restoredrill --help and the man page point.
DOC_FILES = $(wildcard docs/*.md docs/*.json)
DOC_EXAMPLES = $(wildcard docs/examples/*)

install: $(BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(DOCDIR)/examples
	install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/restoredrill
	install -m 0644 docs/restoredrill.1 $(DESTDIR)$(MANDIR)/man1/restoredrill.1
	install -m 0644 $(DOC_FILES) $(DESTDIR)$(DOCDIR)/
	install -m 0644 $(DOC_EXAMPLES) $(DESTDIR)$(DOCDIR)/examples/
	@# The unprivileged account the scratch server runs as (run_as).
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then ci/add-run-user; fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/restoredrill $(DESTDIR)$(MANDIR)/man1/restoredrill.1
	rm -f $(addprefix $(DESTDIR)$(DOCDIR)/,$(notdir $(DOC_FILES))) \
	      $(addprefix $(DESTDIR)$(DOCDIR)/examples/,$(notdir $(DOC_EXAMPLES)))
	rmdir $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) 2>/dev/null || true

format-check:
	clang-format --dry-run -Werror $(wildcard $(addsuffix /*.[ch],$(SRCDIRS)) tests/unit/*.c tests/fuzz/*.[ch])

clean:
	rm -rf build
