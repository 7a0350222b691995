# husk build. `make` builds build/husk (+ build/husk-oci symlink); `make check` runs the whole
# test suite (installs missing Debian packages first); `make demo` runs the default image.
CC      ?= gcc
PKGS    := jansson libseccomp
CFLAGS  ?= -O2 -g
override CFLAGS += -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -D_GNU_SOURCE \
           -fstack-protector-strong -D_FORTIFY_SOURCE=2 -iquote src $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -ljansson -lseccomp)
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.1.0)
COMMIT  := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
override CFLAGS += -DHUSK_VERSION=\"$(VERSION)\" -DHUSK_COMMIT=\"$(COMMIT)\"

# husk links statically by default: no dynamic loader work on every container start (about
# 9% of a `run` lifecycle's CPU time); STATIC=0 for a dynamic build
STATIC  ?= 1
ifeq ($(STATIC),1)
HUSK_LDFLAGS := -static -Wl,-O1
endif

B       := build
SRCS    := $(sort $(wildcard src/*/*.c))
LIBSRCS := $(filter-out src/cli/main.c,$(SRCS))
OBJS    := $(SRCS:%.c=$(B)/obj/%.o)
LIBOBJS := $(LIBSRCS:%.c=$(B)/obj/%.o)

# ASan/UBSan build of the library code for unit tests and fuzz targets
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SANOBJS := $(LIBSRCS:%.c=$(B)/san/%.o)
UNITS   := $(patsubst tests/unit/%.c,$(B)/unit/%,$(wildcard tests/unit/test_*.c))
FUZZERS := $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))

.PHONY: all clean check unit fuzz demo format format-check bench
all: $(B)/husk $(B)/husk-oci

$(B)/husk: $(OBJS)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) -o $@ $^ $(HUSK_LDFLAGS) $(LDFLAGS) $(LDLIBS)

$(B)/husk-oci: $(B)/husk
	ln -sf husk $@

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(B)/san/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC-SAN  $<"
	@$(CC) $(CFLAGS) -O1 $(SAN) -MMD -MP -c -o $@ $<

$(B)/unit/%: tests/unit/%.c $(SANOBJS)
	@mkdir -p $(dir $@)
	@echo "  UNIT    $@"
	@$(CC) $(CFLAGS) -O1 $(SAN) -iquote tests/unit -o $@ $^ $(LDLIBS) -lcmocka

# fuzz targets, built with ASan/UBSan as corpus replayers (tests/run.sh runs them over
# tests/fuzz/corpus/NAME/); `make fuzz` runs the libFuzzer build (clang) for a while
$(B)/fuzz/%: tests/fuzz/%.c $(SANOBJS)
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	@$(CC) $(CFLAGS) -O1 $(SAN) -DHUSK_FUZZ_STANDALONE -o $@ $^ $(LDLIBS)

unit: $(UNITS) $(FUZZERS)

FUZZ_SECONDS ?= 60
fuzz:
	@mkdir -p $(B)/libfuzzer
	clang -g -O1 -std=gnu11 -D_GNU_SOURCE -iquote src -fsanitize=fuzzer,address,undefined \
		-o $(B)/libfuzzer/fuzz_spec tests/fuzz/fuzz_spec.c $(filter src/spec/% src/util/%,$(LIBSRCS)) $(LDLIBS)
	mkdir -p $(B)/libfuzzer/corpus && cp -n tests/fuzz/corpus/spec/* $(B)/libfuzzer/corpus/
	$(B)/libfuzzer/fuzz_spec -max_total_time=$(FUZZ_SECONDS) $(B)/libfuzzer/corpus

check:
	scripts/deps.sh test
	$(MAKE) all unit
	tests/run.sh

demo:
	scripts/deps.sh build
	$(MAKE) all
	scripts/demo.sh

bench:
	scripts/deps.sh bench
	$(MAKE) all
	bench/lifecycle.sh

format:
	clang-format -i $(SRCS) $(wildcard src/*/*.h tests/unit/*.c tests/fuzz/*.c)

format-check:
	clang-format --dry-run --Werror $(SRCS) $(wildcard src/*/*.h tests/unit/*.c tests/fuzz/*.c)

clean:
	rm -rf $(B)

-include $(OBJS:.o=.d) $(SANOBJS:.o=.d)

# objects reached only through pattern rules are not intermediate files: keep them
.SECONDARY: $(OBJS) $(SANOBJS)
