# zk: one Makefile, no generated build files. Every lib/*.c goes into
# lib/libzk.a, every cmd/NAME.c becomes bin/NAME, every
# tests/unit/test_NAME.c a unit test program.
#
#   make            build bin/ and lib/libzk.a (installs missing packages)
#   make run        a standalone zk-peer on 127.0.0.1:2181, data in ./data
#   make test       unit tests, then every BATS file; ends "N passed, M failed"
#   make check-asan the same tests under AddressSanitizer + UBSan
#   make sim        the replication simulator over SEEDS seeds (JOBS processes)
#   make install PREFIX=/usr/local
#   make clean

PREFIX	?= /usr/local
CC	?= cc
PKGS	 = libevent libevent_pthreads msgpack jansson
OPT	?= -O2
CFLAGS	+= $(OPT) -g -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE -pthread \
	   -msse4.2 $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS	+= $(shell pkg-config --libs $(PKGS) 2>/dev/null) -pthread -lm

# Out-of-tree build for the sanitizer run: `make B=build/asan SAN=1`.
B	?= .
SAN	?=
ifneq ($(SAN),)
CFLAGS	+= -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS	+= -fsanitize=address,undefined
endif

LIB_SRCS  = $(sort $(wildcard lib/*.c))
CMD_SRCS  = $(sort $(wildcard cmd/*.c))
TEST_SRCS = $(sort $(wildcard tests/unit/test_*.c))
OBJDIR	  = $(B)/build/obj
LIB	  = $(B)/lib/libzk.a
BINS	  = $(patsubst cmd/%.c,$(B)/bin/%,$(CMD_SRCS))
TESTS	  = $(patsubst tests/unit/%.c,$(B)/build/tests/%,$(TEST_SRCS))
LIB_OBJS  = $(patsubst lib/%.c,$(OBJDIR)/lib/%.o,$(LIB_SRCS))

# The replication simulator (tests/sim): build/tests/sim and its make test
# program build/tests/test_sim. The -planted twins link lib/zab*.c built
# with ZK_PLANTED_BUGS (and tests/sim built so too) instead of the real ones.
SIM_SRCS  = $(filter-out tests/sim/sim_main.c tests/sim/test_sim.c, \
	    $(sort $(wildcard tests/sim/*.c)))
SIM_OBJS  = $(patsubst %.c,$(OBJDIR)/%.o,$(SIM_SRCS))
SIMP_OBJS = $(patsubst %.c,$(OBJDIR)/planted/%.o,$(SIM_SRCS))
SIMP_LIB  = $(filter-out $(OBJDIR)/lib/zab%.o,$(LIB_OBJS)) \
	    $(patsubst lib/%.c,$(OBJDIR)/planted/lib/%.o,$(wildcard lib/zab*.c))
SIM_BINS  = $(B)/build/tests/sim $(B)/build/tests/sim-planted \
	    $(B)/build/tests/test_sim $(B)/build/tests/test_sim_planted
# The linearizability checker (tests/lin): build/tests/lincheck checks a
# history file, build/tests/linload records one against live servers, and
# build/tests/test_lin is its make test program. Built once the files exist.
LIN_MAINS = tests/lin/lincheck_main.c tests/lin/linload.c tests/lin/test_lin.c
LIN_SRCS  = $(filter-out $(LIN_MAINS),$(sort $(wildcard tests/lin/*.c)))
LIN_OBJS  = $(patsubst %.c,$(OBJDIR)/%.o,$(LIN_SRCS))
LIN_BINS  = $(if $(filter 3,$(words $(wildcard $(LIN_MAINS)))),$(B)/build/tests/lincheck \
	    $(B)/build/tests/linload $(B)/build/tests/test_lin)
# zk-peer with lib/pipeline.c built with ZK_PLANTED_BUGS: the
# linearizability test's proof that its checker catches a stale read.
PEERP_LIB = $(filter-out $(OBJDIR)/lib/pipeline.o,$(LIB_OBJS)) \
	    $(OBJDIR)/planted/lib/pipeline.o
PEERP_BIN = $(B)/build/tests/zk-peer-planted
SEEDS	 ?= 10000
JOBS	 ?= 2

.PHONY: all deps run test unit bats check-asan install clean sim
# Objects are kept between builds, not removed as intermediates.
.SECONDARY:
all: deps $(BINS) $(LIB) $(TESTS) $(SIM_BINS) $(LIN_BINS) $(PEERP_BIN)

# Installs whatever Debian package the build or the tests need and is missing.
deps:
	@sh tests/deps.sh

$(OBJDIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -Ilib -c -o $@ $<

$(LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(B)/bin/%: $(OBJDIR)/cmd/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(B)/build/tests/%: $(OBJDIR)/tests/unit/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(OBJDIR)/planted/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DZK_PLANTED_BUGS -MMD -MP -Ilib -c -o $@ $<

$(B)/build/tests/sim: $(OBJDIR)/tests/sim/sim_main.o $(SIM_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(SIM_OBJS) $(LIB) $(LDLIBS)

$(B)/build/tests/test_sim: $(OBJDIR)/tests/sim/test_sim.o $(SIM_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(SIM_OBJS) $(LIB) $(LDLIBS)

$(B)/build/tests/sim-planted: $(OBJDIR)/planted/tests/sim/sim_main.o \
    $(SIMP_OBJS) $(SIMP_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/build/tests/test_sim_planted: $(OBJDIR)/planted/tests/sim/test_sim.o \
    $(SIMP_OBJS) $(SIMP_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/build/tests/lincheck: $(OBJDIR)/tests/lin/lincheck_main.o $(LIN_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LIN_OBJS) $(LIB) $(LDLIBS)

$(B)/build/tests/linload: $(OBJDIR)/tests/lin/linload.o $(LIN_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LIN_OBJS) $(LIB) $(LDLIBS)

$(B)/build/tests/test_lin: $(OBJDIR)/tests/lin/test_lin.o $(LIN_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LIN_OBJS) $(LIB) $(LDLIBS)

$(PEERP_BIN): $(OBJDIR)/cmd/zk-peer.o $(PEERP_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The long run: make sim SEEDS=1000000 (ensemble sizes rotate by seed).
sim: deps $(B)/build/tests/sim
	$(B)/build/tests/sim --seeds $(SEEDS) --jobs $(JOBS)

run: all
	@mkdir -p data
	./bin/zk-peer --data-dir ./data

test: all
	@sh tests/run.sh $(B)

check-asan: deps
	$(MAKE) B=build/asan SAN=1 OPT=-O1 $(patsubst $(B)/%,build/asan/%,$(BINS) $(TESTS) $(SIM_BINS) $(LIN_BINS) $(PEERP_BIN))
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    ZK_SIM_SCALE=20 sh tests/run.sh build/asan

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
	    $(DESTDIR)$(PREFIX)/share/zsh/vendor-completions \
	    $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -m 755 $(BINS) $(DESTDIR)$(PREFIX)/bin
	install -m 644 share/man/man1/*.1 $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 644 completions/zk.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/zk
	for b in $(notdir $(BINS)); do \
	    ln -sf zk $(DESTDIR)$(PREFIX)/share/bash-completion/completions/$$b; done
	install -m 644 completions/_zk $(DESTDIR)$(PREFIX)/share/zsh/vendor-completions/_zk
	install -m 644 completions/zk.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/zk.fish
	for b in $(notdir $(BINS)); do \
	    ln -sf zk.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/$$b.fish; done

clean:
	rm -rf bin build lib/libzk.a

-include $(shell find $(B)/build/obj -name '*.d' 2>/dev/null)
