# callqa: plain GNU make.  pipeline/*.c -> build/libpipeline.a, each
# cmd/X.c -> bin/X, tests/unit/X.c -> build/tests/X.
#
#   make            build the programs
#   make demo       install missing Debian packages, build, generate a month
#                   of calls, run the nightly batch and print the board
#   make check      install, build, run every test (and again under
#                   AddressSanitizer + UndefinedBehaviorSanitizer)
#   make bench      speed against ffmpeg, praat and a bare libsndfile decode
#
# Knobs: CC, OPT, PREFIX, DESTDIR, V=1 (show commands), O=DIR (out-of-tree
# build: DIR/bin, DIR/build), SANITIZE=address,undefined, VALGRIND=1.

CC ?= cc
OPT ?= -O2 -g
PREFIX ?= /usr/local
DESTDIR ?=
O ?= .
WERROR ?= -Werror
SANITIZE ?=

PKGS := sndfile soxr libpq yaml-0.1
WARN := -Wall -Wextra -Wpedantic -Wstrict-prototypes -Wmissing-prototypes \
	-Wold-style-definition -Wwrite-strings -Wvla -Wformat-security
CPPFLAGS += -D_GNU_SOURCE -Iinclude
# -fno-math-errno: nothing reads errno after a math call, and without it
# a loop of sqrtf() cannot go on vectors (results are the same).
CFLAGS += -std=c11 -fno-math-errno $(OPT) $(WARN) $(WERROR) -MMD -MP -pthread
LDLIBS += -lm -pthread
ifneq ($(SANITIZE),)
CFLAGS += -fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS += -fsanitize=$(SANITIZE)
endif

BIN := $(O)/bin
BUILD := $(O)/build

ifeq ($(V),1)
Q :=
else
Q := @
endif

LIB_SRC := $(sort $(wildcard pipeline/*.c))
SQL_SRC := $(sort $(wildcard pipeline/sql/*.sql))
CMD_SRC := $(sort $(wildcard cmd/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
ifneq ($(SQL_SRC),)
LIB_OBJ += $(BUILD)/gen/migrations.o
endif
PROGS := $(CMD_SRC:cmd/%.c=$(BIN)/%)
UNITS := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
GEN_SRC := $(sort $(wildcard tests/gen/*.c))
CALLGEN := $(GEN_SRC:tests/gen/%.c=$(BUILD)/%)
MANS := $(sort $(wildcard cmd/*.1 cmd/*.5))
LIB := $(BUILD)/libpipeline.a

# Debian packages the build, the tests and the demo need.
DEPS := gcc make pkg-config perl libsndfile1-dev libsoxr-dev libpq-dev \
	libyaml-dev postgresql espeak-ng valgrind praat pocketsphinx-testdata \
	slurm-wlm munge man-db systemd time chromium fonts-wqy-microhei ffmpeg \
	sox
BENCH_DEPS := ffmpeg praat sox time

.PHONY: all deps bench-deps check test unit check-headers fmt-check demo \
	bench clean install uninstall asan unit-run check-docker

all: $(PROGS) $(CALLGEN)

deps:
	@sh tests/install-deps.sh $(DEPS)

bench-deps:
	@sh tests/install-deps.sh $(DEPS) $(BENCH_DEPS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(shell pkg-config --cflags $(PKGS)) $(CFLAGS) -c -o $@ $<

$(BUILD)/gen/migrations.c: $(SQL_SRC) tests/sql2c.awk
	@mkdir -p $(dir $@)
	$(Q)awk -f tests/sql2c.awk $(SQL_SRC) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/migrations.o: $(BUILD)/gen/migrations.c
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-overlength-strings -c -o $@ $<

$(LIB): $(LIB_OBJ)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BIN)/%: $(BUILD)/cmd/%.o $(LIB)
	@mkdir -p $(BIN)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(shell pkg-config --libs $(PKGS)) $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(shell pkg-config --libs $(PKGS)) $(LDLIBS)

# Test-data generators (callgen: sample calls; mkwav: fixture files).
$(CALLGEN): $(BUILD)/%: $(BUILD)/tests/gen/%.o
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(shell pkg-config --libs sndfile soxr) $(LDLIBS)

# The test suite: C unit tests and shell tests over the real programs, run
# by prove; then the same suite again built with the sanitizers.
TESTENV = CALLQA_BIN=$(abspath $(BIN)) CALLQA_BUILD=$(abspath $(BUILD)) \
	CALLQA_TOP=$(CURDIR) CALLQA_VALGRIND=$(VALGRIND) LC_ALL=C.UTF-8 TZ=UTC

check test: deps
	$(MAKE) all $(UNITS)
	$(MAKE) check-headers
	$(TESTENV) prove -e '' $(UNITS) $(sort $(wildcard tests/t[0-9]*.sh))
	$(MAKE) asan

asan:
	$(MAKE) O=build/asan SANITIZE=address,undefined OPT='-O1 -g' unit-run

unit-run: all $(UNITS)
	ASAN_OPTIONS=detect_leaks=1 $(TESTENV) prove -e '' $(UNITS) \
		$(sort $(wildcard tests/t[0-9]*.sh))

check-headers:
	$(Q)for h in include/callqa/*.h; do \
		echo "#include \"$${h#include/}\"" | \
		$(CC) $(CPPFLAGS) $(shell pkg-config --cflags $(PKGS)) \
			$(filter-out -MMD -MP,$(CFLAGS)) -fsyntax-only -x c - || exit 1; \
	done

fmt-check:
	clang-format --dry-run --Werror cmd/*.c pipeline/*.c include/callqa/*.h

demo: deps all
	sh tests/demo.sh

# The Dockerfile's steps in fresh debootstrap roots (no container engine
# runs here); needs root and the network to Debian.
check-docker: deps all
	sh tests/docker-check.sh

bench: bench-deps all
	sh tests/bench.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/callqa/rules
	install -m 755 $(PROGS) $(DESTDIR)$(PREFIX)/bin/
	for m in $(MANS); do \
		s=$${m##*.}; install -m 644 $$m $(DESTDIR)$(PREFIX)/share/man/man$$s/; \
	done
	install -m 644 rules/*.yaml $(DESTDIR)$(PREFIX)/share/callqa/rules/
	install -d $(DESTDIR)$(PREFIX)/share/callqa/examples
	install -m 644 cmd/*.service cmd/*.timer cmd/*.cron \
		$(DESTDIR)$(PREFIX)/share/callqa/examples/

uninstall:
	for p in $(PROGS); do rm -f $(DESTDIR)$(PREFIX)/bin/$${p##*/}; done
	for m in $(MANS); do \
		s=$${m##*.}; rm -f $(DESTDIR)$(PREFIX)/share/man/man$$s/$${m##*/}; \
	done
	rm -rf $(DESTDIR)$(PREFIX)/share/callqa

clean:
	rm -rf bin build

-include $(LIB_OBJ:.o=.d) $(CMD_SRC:%.c=$(BUILD)/%.d) $(UNIT_SRC:%.c=$(BUILD)/%.d) \
	$(GEN_SRC:%.c=$(BUILD)/%.d)

# Fuzzing (libFuzzer, from clang): each target runs for FUZZ_SECONDS over
# its seed corpus in tests/fuzz/corpus/NAME; a crash leaves its input in
# build/fuzz/ and fails the target.  Findings become regression tests.
FUZZ_SECONDS ?= 60
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_LIB_SRC := $(LIB_SRC) $(if $(SQL_SRC),$(BUILD)/gen/migrations.c)
.PHONY: fuzz
fuzz: $(if $(SQL_SRC),$(BUILD)/gen/migrations.c)
	@sh tests/install-deps.sh $(DEPS) clang libclang-rt-14-dev
	@mkdir -p build/fuzz
	@for f in $(FUZZ_SRC); do \
		n=$$(basename $$f .c); n=$${n#fuzz_}; \
		clang -g -O1 -fsanitize=fuzzer,address,undefined $(CPPFLAGS) \
			$$(pkg-config --cflags $(PKGS)) -o build/fuzz/$$n $$f \
			$(FUZZ_LIB_SRC) $$(pkg-config --libs $(PKGS)) -lm -pthread || exit 1; \
		mkdir -p build/fuzz/corpus-$$n; \
		echo "fuzz: $$n for $(FUZZ_SECONDS) s"; \
		build/fuzz/$$n -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
			-artifact_prefix=build/fuzz/$$n- build/fuzz/corpus-$$n \
			tests/fuzz/corpus/$$n 2>build/fuzz/$$n.log || \
			{ tail -30 build/fuzz/$$n.log; exit 1; }; \
		tail -1 build/fuzz/$$n.log; \
	done
