# pcdr — top-level build (GNU make).
#
#   make             build ./pcdr and ./pcdr-lab
#   make test        install missing packages, build, run every test
#   make demo        a DR drill against the lab (KEEP=1 leaves it running, FAST=1)
#   make test-demo-clone  a fresh clone in a temporary folder runs make demo
#   make test-asan   the same under AddressSanitizer + UndefinedBehaviorSanitizer
#   make test-crash  the full crash matrix (tests/crash/matrix.sh, a few minutes)
#   make fuzz        build the libFuzzer targets (clang) and run each briefly
#   make bench       benchmarks (see bench/RESULTS.md)
#   make install PREFIX=/usr/local DESTDIR=
#   make deps        apt-get install what pkg-config and headers show missing
#
# Objects go to $(BUILD) (build/ or build/asan/), so a sanitizer build never
# mixes with a normal one.

CC       ?= cc
PREFIX   ?= /usr/local
DESTDIR  ?=
SANITIZE ?=
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
PKGS     := yaml-0.1 libgit2 jansson

ifeq ($(SANITIZE),1)
BUILD    ?= build/asan
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else
BUILD    ?= build/default
SANFLAGS :=
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wno-format-nonliteral -Wvla
CFLAGS   ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(SANFLAGS) -I. $(PKG_CFLAGS) -MMD -MP
LDLIBS_ALL = $(PKG_LIBS) -lsybdb -lpthread
LDFLAGS_ALL = $(SANFLAGS) $(LDFLAGS)

VERSION  := $(shell git describe --always --dirty 2>/dev/null || echo 0.1.0)

# --- sources -------------------------------------------------------------
rwildcard = $(foreach d,$(wildcard $(1:=/*)),$(call rwildcard,$d,$2) $(filter $(subst *,%,$2),$d))

UTIL_SRC  := $(wildcard util/*.c)
SPECS_SRC := $(wildcard specs/*.c)
CORE_SRC  := $(call rwildcard,reconciler/core,*.c)
SRC_SRC   := $(call rwildcard,reconciler/source,*.c)
PCDR_SRC  := $(filter-out reconciler/main.c $(CORE_SRC) $(SRC_SRC),$(call rwildcard,reconciler,*.c)) \
             $(call rwildcard,providers,*.c)
LAB_SRC   := $(filter-out lab/main.c,$(call rwildcard,lab,*.c))

# One archive per layer, so a unit test links only the layers it tests
# (and one layer's work in progress never breaks another layer's tests).
objs = $(1:%.c=$(BUILD)/%.o)
LIBUTIL   := $(BUILD)/libutil.a
LIBSPECS  := $(BUILD)/libspecs.a
LIBCORE   := $(BUILD)/libcore.a
LIBSOURCE := $(BUILD)/libsource.a
LIBPCDR   := $(BUILD)/libpcdr.a
LIBLAB    := $(BUILD)/liblab.a

PCDR_BIN := $(BUILD)/pcdr
LAB_BIN  := $(BUILD)/pcdr-lab

# libraries each unit test folder links, most dependent first
LIBS_util   := $(LIBUTIL)
LIBS_specs  := $(LIBSPECS) $(LIBUTIL)
LIBS_core   := $(LIBCORE) $(LIBSPECS) $(LIBUTIL)
LIBS_source := $(LIBSOURCE) $(LIBSPECS) $(LIBUTIL)
LIBS_lab    := $(LIBLAB) $(LIBUTIL)
LIBS_pcdr   := $(LIBPCDR) $(LIBSOURCE) $(LIBCORE) $(LIBSPECS) $(LIBUTIL)
UNIT_GROUPS := util specs core source lab
UNIT_SRC    := $(foreach f,$(call rwildcard,tests/unit,*.c),$(if $(filter test_%,$(notdir $f)),$f))
UNIT_BIN    := $(UNIT_SRC:%.c=$(BUILD)/%)
TEST_HELPERS := $(patsubst %.c,$(BUILD)/%,$(wildcard tests/helpers/*.c))

.PHONY: all test test-asan test-crash deps install clean fuzz bench demo test-demo-clone check-format unit
.DEFAULT_GOAL := all

all: $(PCDR_BIN) $(LAB_BIN)
ifeq ($(SANITIZE),)
	@cp -f $(PCDR_BIN) ./pcdr
	@cp -f $(LAB_BIN) ./pcdr-lab
endif

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DPCDR_VERSION='"$(VERSION)"' -c $< -o $@

# The two objects that print the version are rebuilt when `git describe`
# changes (a new commit), not only when their sources do: version.stamp
# is rewritten only when its text differs, so nothing else rebuilds.
VERSION_STAMP := $(BUILD)/version.stamp
$(VERSION_STAMP): FORCE
	@mkdir -p $(dir $@)
	@if [ "$$(cat $@ 2>/dev/null)" != "$(VERSION)" ]; then echo "$(VERSION)" >$@; fi
$(BUILD)/reconciler/audit/audit.o $(BUILD)/reconciler/builtin/cmd_version.o: $(VERSION_STAMP)
.PHONY: FORCE
FORCE:

define archive_rule
$(1): $(call objs,$(2))
	@mkdir -p $$(dir $$@)
	@rm -f $$@
	$$(AR) rcs $$@ $$^ $$(if $$^,,2>/dev/null)
endef
$(eval $(call archive_rule,$(LIBUTIL),$(UTIL_SRC)))
$(eval $(call archive_rule,$(LIBSPECS),$(SPECS_SRC)))
$(eval $(call archive_rule,$(LIBCORE),$(CORE_SRC)))
$(eval $(call archive_rule,$(LIBSOURCE),$(SRC_SRC)))
$(eval $(call archive_rule,$(LIBPCDR),$(PCDR_SRC)))
$(eval $(call archive_rule,$(LIBLAB),$(LAB_SRC)))

$(PCDR_BIN): $(BUILD)/reconciler/main.o $(LIBS_pcdr)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

$(LAB_BIN): $(BUILD)/lab/main.o $(LIBS_lab)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL) -lm

# unit tests: tests/unit/<group>/... links LIBS_<group>; other folders link all of pcdr
define unit_rule
$(filter $(BUILD)/tests/unit/$(1)/%,$(UNIT_BIN)): $(BUILD)/tests/unit/$(1)/%: tests/unit/$(1)/%.c $(2)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_CFLAGS) $$(LDFLAGS_ALL) -o $$@ $$< $(2) $$(LDLIBS_ALL) -lm $$(CMOCKA_LIBS)
endef
$(foreach g,$(UNIT_GROUPS),$(eval $(call unit_rule,$(g),$(LIBS_$(g)))))
UNIT_OTHER := $(filter-out $(foreach g,$(UNIT_GROUPS),$(BUILD)/tests/unit/$(g)/%),$(UNIT_BIN))
$(UNIT_OTHER): $(BUILD)/tests/unit/%: tests/unit/%.c $(LIBS_pcdr)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS_ALL) -o $@ $< $(LIBS_pcdr) $(LDLIBS_ALL) -lm $(CMOCKA_LIBS)

$(TEST_HELPERS): $(BUILD)/tests/helpers/%: tests/helpers/%.c $(LIBUTIL)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS_ALL) -o $@ $< $(LIBUTIL) $(LDLIBS_ALL)

unit: $(UNIT_BIN) $(TEST_HELPERS)

# --- tests ---------------------------------------------------------------
test: deps
	@$(MAKE) --no-print-directory -j$(JOBS) all unit
	@BUILD=$(BUILD) tests/run

test-asan:
	@$(MAKE) --no-print-directory SANITIZE=1 test

# SIGKILL `pcdr apply` after every step of three scenarios (make test runs
# a reduced set: tests/e2e/apply_crash.sh); TAP, ends "crash points tested: N"
test-crash: deps
	@$(MAKE) --no-print-directory -j$(JOBS) all
	@TOP=$(CURDIR) BUILD=$(BUILD) bash tests/crash/matrix.sh

deps:
	@tests/deps.sh

# --- fuzzing (clang + libFuzzer) -----------------------------------------
FUZZ_SECONDS ?= 10
FUZZ_SRC  := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BUILD := build/fuzz
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -g -O1 -I. $(PKG_CFLAGS) \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
# fuzz_lab_* targets link the lab, every other target links the spec loader
fuzz_src = $(UTIL_SRC) $(if $(filter fuzz_lab_%,$(1)),$(LAB_SRC),$(SPECS_SRC))

fuzz:
	@mkdir -p $(FUZZ_BUILD)
	@set -e; $(foreach f,$(FUZZ_SRC),n=$(basename $(notdir $(f))); \
		echo "fuzz: building $$n"; \
		clang $(FUZZ_CFLAGS) -o $(FUZZ_BUILD)/$$n $(f) $(call fuzz_src,$(basename $(notdir $(f)))) $(LDLIBS_ALL) -lm; \
		mkdir -p $(FUZZ_BUILD)/corpus-$$n; \
		seeds=""; [ -d tests/fuzz/corpus/$$n ] && seeds=tests/fuzz/corpus/$$n; \
		echo "fuzz: running $$n for $(FUZZ_SECONDS)s"; \
		$(FUZZ_BUILD)/$$n -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
			$(FUZZ_BUILD)/corpus-$$n $$seeds 2>$(FUZZ_BUILD)/$$n.log \
			|| { tail -40 $(FUZZ_BUILD)/$$n.log; exit 1; }; \
		grep -h 'Done [0-9]* runs' $(FUZZ_BUILD)/$$n.log | sed "s/^/fuzz: $$n: /";) true

# every benchmark runs; the target fails if any of them missed its target
bench: all
	@rc=0; bench/run || rc=1; bench/plan || rc=1; bench/rto || rc=1; exit $$rc

# The drill: examples/lab/drill.sh (KEEP=1 leaves the lab running, FAST=1
# the quickest lab clock). It runs the ./pcdr and ./pcdr-lab `all` built.
# The build's compiler lines would bury the drill's first stage: build
# quietly (errors still show), then run the drill.
demo: deps
	@echo "make demo: building pcdr and pcdr-lab (make all; a minute or two the first time)"
	@$(MAKE) --no-print-directory -s -j$(JOBS) all
	@KEEP="$(KEEP)" FAST="$(FAST)" PCDR="$(CURDIR)/pcdr" PCDR_LAB="$(CURDIR)/pcdr-lab" \
		examples/lab/drill.sh

# What a newcomer does: git clone (of this repository's HEAD) into a
# temporary folder, then make demo there. Slow (a full build): CI runs it.
test-demo-clone:
	@TOP="$(CURDIR)" bash tests/e2e/demo_fresh_clone.bash

check-format:
	@clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')

# --- install -------------------------------------------------------------
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 $(PCDR_BIN) $(DESTDIR)$(PREFIX)/bin/pcdr
	install -m 0755 $(LAB_BIN) $(DESTDIR)$(PREFIX)/bin/pcdr-lab
	for m in docs/*.1; do [ -f "$$m" ] && install -m 0644 "$$m" $(DESTDIR)$(PREFIX)/share/man/man1/ || true; done
	install -D -m 0644 contrib/completion/pcdr.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/pcdr
	install -D -m 0644 contrib/completion/pcdr-lab.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/pcdr-lab
	install -d $(DESTDIR)$(PREFIX)/share/pcdr
	install -m 0644 specs/pcdr-v1.schema.json $(DESTDIR)$(PREFIX)/share/pcdr/ 2>/dev/null || true

clean:
	rm -rf build pcdr pcdr-lab

-include $(call rwildcard,build,*.d)
