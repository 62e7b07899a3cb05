# SPDX-License-Identifier: GPL-2.0-or-later
# sanso: build, test, install.  `make help` lists the targets.

PREFIX		?= /usr/local
exec_prefix	?= $(PREFIX)
bindir		?= $(exec_prefix)/bin
sbindir		?= $(exec_prefix)/sbin
datarootdir	?= $(PREFIX)/share
datadir		?= $(datarootdir)
sysconfdir	?= $(PREFIX)/etc
localstatedir	?= $(PREFIX)/var
runstatedir	?= /run
unitdir		?= $(PREFIX)/lib/systemd/system
DESTDIR		?=

# Build directory: `make` uses build/, the sanitizer build uses build-san/.
B		?= build
SAN		?=
CC		?= cc
PKG_CONFIG	?= pkg-config

PKGS		:= libnftnl libmnl libevent libevent_openssl jansson yaml-0.1 \
		   libsystemd libssl libcrypto sqlite3
CTL_PKGS	:= jansson libcurl
WARN		:= -Wall -Wextra -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
		   -Wcast-qual -Wformat=2 -Wno-format-nonliteral -Werror
CFLAGS		?= -O2 -g
ALL_CFLAGS	= -std=gnu11 -D_GNU_SOURCE -pthread $(WARN) $(CFLAGS) -MMD -MP \
		   -DSYSCONFDIR='"$(sysconfdir)"' -DLOCALSTATEDIR='"$(localstatedir)"' \
		   -DRUNSTATEDIR='"$(runstatedir)"' -DDATADIR='"$(datadir)"' \
		   $(shell $(PKG_CONFIG) --cflags $(PKGS) $(CTL_PKGS) 2>/dev/null)
ifeq ($(SAN),1)
ALL_CFLAGS	+= -fsanitize=address,undefined -fno-omit-frame-pointer \
		   -fno-sanitize-recover=undefined -O1
SAN_LDFLAGS	:= -fsanitize=address,undefined
endif
LIBS		= $(shell $(PKG_CONFIG) --libs $(PKGS))
CTL_LIBS	= $(shell $(PKG_CONFIG) --libs $(CTL_PKGS))
CHECK_LIBS	= $(shell $(PKG_CONFIG) --libs check)

# Pure logic, no netlink and no event loop: policy, validation, compiler.
CORE_SRCS	:= $(wildcard daemon/log.c daemon/xmalloc.c daemon/diag.c daemon/auth.c \
		   daemon/policy.c daemon/policy-*.c daemon/compile.c \
		   daemon/matrix.c daemon/json-policy.c daemon/store.c daemon/store-*.c \
		   daemon/events.c daemon/event-file.c daemon/event-rfc5424.c \
		   daemon/event-spool.c daemon/settings.c daemon/settings-*.c \
		   daemon/isolation-target.c daemon/intern.c \
		   nftables/ruleset.c nftables/ruleset-text.c)
# Everything that speaks netlink (DESIGN.md §3: nothing else does).
NFT_SRCS	:= $(filter-out nftables/ruleset.c nftables/ruleset-text.c, \
		   $(wildcard nftables/*.c))
# The daemon: event loop, control API, state, services.
SANSOD_SRCS	:= $(filter-out $(CORE_SRCS) daemon/sansoctl.c \
		   $(wildcard daemon/cmd-*.c daemon/ctl-*.c), $(wildcard daemon/*.c))
# The command-line client.
SANSOCTL_SRCS	:= $(wildcard daemon/sansoctl.c daemon/cmd-*.c daemon/ctl-*.c) \
		   daemon/log.c daemon/xmalloc.c daemon/diag.c
UNIT_SRCS	:= $(wildcard tests/unit/test-*.c)
# Small drivers the netns lab runs against the real kernel.
KTEST_SRCS	:= $(wildcard tests/kernel/*.c)

obj		= $(patsubst %.c,$(B)/%.o,$(1))
CORE_OBJS	:= $(call obj,$(CORE_SRCS))
NFT_OBJS	:= $(call obj,$(NFT_SRCS))
SANSOD_OBJS	:= $(call obj,$(SANSOD_SRCS))
SANSOCTL_OBJS	:= $(call obj,$(SANSOCTL_SRCS))
UNIT_BINS	:= $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRCS))
KTEST_BINS	:= $(patsubst tests/kernel/%.c,$(B)/tests/kernel/%,$(KTEST_SRCS))

.PHONY: ensure-deps all check unit sanitize check-sanitize install uninstall demo deps \
	bench fuzz clean help

all: $(B)/sansod $(B)/sansoctl

help:
	@echo "make            build sansod and sansoctl (warnings are errors)"
	@echo "make check      every test: unit, CLI, netns lab (lab needs root)"
	@echo "make sanitize   the same tests against an ASan+UBSan build"
	@echo "make demo       start the lab gateway with the default α policy"
	@echo "make bench      benchmarks (tests/bench), not part of check"
	@echo "make deps       install the Debian packages (root)"
	@echo "make install    PREFIX, DESTDIR, sysconfdir honoured"

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/libsanso-core.a: $(CORE_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(B)/libsanso-nft.a: $(NFT_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(B)/sansod: $(SANSOD_OBJS) $(B)/libsanso-nft.a $(B)/libsanso-core.a
	$(CC) -pthread $(SAN_LDFLAGS) $(LDFLAGS) -o $@ $(SANSOD_OBJS) \
	    $(B)/libsanso-nft.a $(B)/libsanso-core.a $(LIBS)

$(B)/sansoctl: $(SANSOCTL_OBJS)
	$(CC) $(SAN_LDFLAGS) $(LDFLAGS) -o $@ $^ $(CTL_LIBS)

$(B)/tests/%: $(B)/tests/unit/%.o $(B)/libsanso-nft.a $(B)/libsanso-core.a
	@mkdir -p $(dir $@)
	$(CC) $(SAN_LDFLAGS) $(LDFLAGS) -o $@ $< $(B)/libsanso-nft.a \
	    $(B)/libsanso-core.a $(LIBS) $(CHECK_LIBS)

$(B)/tests/kernel/%: $(B)/tests/kernel/%.o $(B)/libsanso-nft.a $(B)/libsanso-core.a
	$(CC) $(SAN_LDFLAGS) $(LDFLAGS) -o $@ $< $(B)/libsanso-nft.a \
	    $(B)/libsanso-core.a $(LIBS)

unit: $(UNIT_BINS) $(KTEST_BINS)

# The whole suite; tests/run prints "N passed, N failed" and fails on any.
check:
	$(MAKE) ensure-deps
	$(MAKE) B=$(B) SAN=$(SAN) all unit
	B=$(B) tests/run

sanitize check-sanitize:
	$(MAKE) B=build-san SAN=1 check

demo:
	$(MAKE) ensure-deps
	$(MAKE) B=$(B) all
	B=$(B) tests/lab/demo

bench: all
	B=$(B) tests/bench/run

# libFuzzer targets for every parser (clang).
fuzz:
	B=$(B) tests/fuzz/build

# Every Debian package the build, the tests and the demo need (Debian 12).
DEB_PKGS := build-essential pkg-config clang libclang-rt-14-dev \
	libnftnl-dev libmnl-dev libevent-dev libjansson-dev libyaml-dev \
	libsystemd-dev libcurl4-openssl-dev libssl-dev libsqlite3-dev check \
	nftables iproute2 socat netcat-openbsd conntrack iputils-ping procps \
	psmisc curl valgrind python3 util-linux \
	python3-yaml openssl jq wrk nginx \
	rsyslog rsyslog-openssl \
	sqlite3 prometheus \
	ulogd2 ulogd2-json
# Installs the packages only when one is missing (so check and demo work on
# a fresh machine and cost nothing on a prepared one).
ensure-deps:
	@missing=$$(for p in $(DEB_PKGS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "missing packages:" $$missing; \
		if [ "$$(id -u)" -ne 0 ]; then echo "run as root (sudo) to install them, or: sudo make deps"; exit 1; fi; \
		$(MAKE) deps; \
	fi

deps:
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(DEB_PKGS)

install: all
	install -d $(DESTDIR)$(sbindir) $(DESTDIR)$(bindir) \
	    $(DESTDIR)$(sysconfdir)/sanso $(DESTDIR)$(datadir)/sanso/web \
	    $(DESTDIR)$(unitdir) $(DESTDIR)$(datadir)/doc/sanso
	install -d -m 0700 $(DESTDIR)$(localstatedir)/lib/sanso
	install -m 0755 $(B)/sansod $(DESTDIR)$(sbindir)/sansod
	install -m 0755 $(B)/sansoctl $(DESTDIR)$(bindir)/sansoctl
	install -m 0644 docs/policy-alpha.yaml \
	    $(DESTDIR)$(datadir)/doc/sanso/policy.yaml.example
	test -e $(DESTDIR)$(sysconfdir)/sanso/policy.yaml || \
	    install -m 0640 docs/policy-alpha.yaml \
	    $(DESTDIR)$(sysconfdir)/sanso/policy.yaml
	cp -R web/. $(DESTDIR)$(datadir)/sanso/web/
	sed -e 's|@sbindir@|$(sbindir)|g' -e 's|@sysconfdir@|$(sysconfdir)|g' \
	    -e 's|@localstatedir@|$(localstatedir)|g' \
	    -e 's|@runstatedir@|$(runstatedir)|g' \
	    daemon/sansod.service.in > $(DESTDIR)$(unitdir)/sansod.service
	chmod 0644 $(DESTDIR)$(unitdir)/sansod.service

uninstall:
	rm -f $(DESTDIR)$(sbindir)/sansod $(DESTDIR)$(bindir)/sansoctl \
	    $(DESTDIR)$(unitdir)/sansod.service
	rm -rf $(DESTDIR)$(datadir)/sanso $(DESTDIR)$(datadir)/doc/sanso

clean:
	rm -rf build build-san

-include $(shell find $(B) -name '*.d' 2>/dev/null)
