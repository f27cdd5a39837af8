# berth: one Makefile for GNU make >= 4.0 and bmake.
CC	= cc
CFLAGS	= -O2 -g
WARN	= -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	  -Wpointer-arith -Wformat=2 -Wno-format-nonliteral
UNAME	!= uname -s | tr 'A-Z' 'a-z'
PLATFORM = $(UNAME)
PREFIX	= /usr/local
ZIGCC	= python3 -m ziglang cc -target x86_64-freebsd
include common/platform/$(PLATFORM)/platform.mk
ALL_CFLAGS = -std=c11 -I. $(PLAT_CPPFLAGS) $(DEP_CFLAGS) $(WARN) -MMD -MP \
	$(CPPFLAGS) $(CFLAGS)

.SUFFIXES:
.SUFFIXES: .c .o
.c.o:
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

COMMON_OBJS = common/auth.o common/cleanup.o common/decomp.o \
	common/digest.o common/dockercfg.o common/driver.o \
	common/driver_build.o common/driver_dir.o common/driver_overlay.o \
	common/driver_zfs.o common/error.o common/fsutil.o common/http.o \
	common/image.o common/jailspec.o common/jsonx.o common/layer.o \
	common/limits.o common/log.o \
	common/manifest.o common/num.o common/passwd.o common/pod.o \
	common/podspec.o common/progress.o common/ref.o common/registry.o \
	common/sbx_exec.o \
	common/store.o common/sysfilter.o common/xalloc.o \
	$(PLAT_OBJS)
IMG_PULL_OBJS = cmd/img-pull/main.o cmd/img-pull/pull.o
IMG_UNPACK_OBJS = cmd/img-unpack/main.o cmd/img-unpack/unpack.o
POD_RENDER_OBJS = cmd/pod-render/main.o cmd/pod-render/render.o
POD_EXEC_OBJS = cmd/pod-exec/main.o cmd/pod-exec/exec.o \
	cmd/pod-exec/supervise.o

PROGS	= bin/img-pull bin/img-unpack bin/pod-exec bin/pod-render
UNIT_TESTS = tests/unit/test_auth tests/unit/test_digest \
	tests/unit/test_dockercfg tests/unit/test_driver tests/unit/test_error \
	tests/unit/test_fsutil tests/unit/test_jailspec tests/unit/test_layer \
	tests/unit/test_limits tests/unit/test_manifest tests/unit/test_num tests/unit/test_passwd \
	tests/unit/test_pod tests/unit/test_podspec tests/unit/test_ref \
	tests/unit/test_sbx tests/unit/test_store tests/unit/test_sysfilter
ALL_OBJS = $(COMMON_OBJS) $(IMG_PULL_OBJS) $(IMG_UNPACK_OBJS) \
	$(POD_RENDER_OBJS) $(POD_EXEC_OBJS)
MANS	= man/img-pull.1 man/img-unpack.1 man/pod-exec.8 man/pod-render.8

all: $(PROGS)
	@test -z "$(BUILD_WARNING)" || echo "*** warning: $(BUILD_WARNING)" >&2

common/libcommon.a: $(COMMON_OBJS)
	rm -f $@
	$(AR) rcs $@ $(COMMON_OBJS)

bin/img-pull: $(IMG_PULL_OBJS) common/libcommon.a
	@mkdir -p bin
	$(CC) $(LDFLAGS) -o $@ $(IMG_PULL_OBJS) common/libcommon.a \
	    $(DEP_LIBS) $(PLAT_LIBS)

bin/img-unpack: $(IMG_UNPACK_OBJS) common/libcommon.a
	@mkdir -p bin
	$(CC) $(LDFLAGS) -o $@ $(IMG_UNPACK_OBJS) common/libcommon.a \
	    $(DEP_LIBS) $(PLAT_LIBS)

bin/pod-render: $(POD_RENDER_OBJS) common/libcommon.a
	@mkdir -p bin
	$(CC) $(LDFLAGS) -o $@ $(POD_RENDER_OBJS) common/libcommon.a \
	    $(DEP_LIBS) $(PLAT_LIBS)

bin/pod-exec: $(POD_EXEC_OBJS) common/libcommon.a
	@mkdir -p bin
	$(CC) $(LDFLAGS) -o $@ $(POD_EXEC_OBJS) common/libcommon.a \
	    $(DEP_LIBS) $(PLAT_LIBS)

# Unit tests: one binary per common/ module, linked against libcommon.a.
.SUFFIXES: .c .o .t
tests/unit/test_auth: tests/unit/test_auth.o common/libcommon.a
	$(CC) $(LDFLAGS) -o $@ tests/unit/test_auth.o common/libcommon.a $(DEP_LIBS) $(PLAT_LIBS)
tests/unit/test_digest: tests/unit/test_digest.o common/libcommon.a
	$(CC) $(LDFLAGS) -o $@ tests/unit/test_digest.o common/libcommon.a $(DEP_LIBS) $(PLAT_LIBS)
tests/unit/test_dockercfg: tests/unit/test_dockercfg.o common/libcommon.a
	$(CC) $(LDFLAGS) -o $@ tests/unit/test_dockercfg.o common/libcommon.a $(DEP_LIBS) $(PLAT_LIBS)
tests/unit/test_driver: tests/unit/test_driver.o common/libcommon.a
	$(CC) $(LDFLAGS) -o $@ tests/unit/test_driver.o common/libcommon.a $(DEP_LIBS) $(PLAT_LIBS)
tests/unit/test_error: tests/unit/test_error.o common/libcommon.a
	$(CC) $(LDFLAGS) -o $@ tests/unit/test_error.o common/libcommon.a $(DEP_LIBS) $(PLAT_LIBS)
tests/unit/test_fsutil: tests/unit/test_fsutil.o common/libcommon.a
	$(CC) $(LDFLAGS) -o $@ tests/unit/test_fsutil.o common/libcommon.a $(DEP_LIBS) $(PLAT_LIBS)
tests/unit/test_jailspec: tests/unit/test_jailspec.o common/libcommon.a
	$(CC) $(LDFLAGS) -o $@ tests/unit/test_jailspec.o common/libcommon.a $(DEP_LIBS) $(PLAT_LIBS)
tests/unit/test_passwd: tests/unit/test_passwd.o common/libcommon.a
	$(CC) $(LDFLAGS) -o $@ tests/unit/test_passwd.o common/libcommon.a $(DEP_LIBS) $(PLAT_LIBS)
tests/unit/test_pod: tests/unit/test_pod.o common/libcommon.a
	$(CC) $(LDFLAGS) -o $@ tests/unit/test_pod.o common/libcommon.a $(DEP_LIBS) $(PLAT_LIBS)
tests/unit/test_podspec: tests/unit/test_podspec.o common/libcommon.a
	$(CC) $(LDFLAGS) -o $@ tests/unit/test_podspec.o common/libcommon.a $(DEP_LIBS) $(PLAT_LIBS)
tests/unit/test_layer: tests/unit/test_layer.o common/libcommon.a
	$(CC) $(LDFLAGS) -o $@ tests/unit/test_layer.o common/libcommon.a $(DEP_LIBS) $(PLAT_LIBS)
tests/unit/test_limits: tests/unit/test_limits.o common/libcommon.a
	$(CC) $(LDFLAGS) -o $@ tests/unit/test_limits.o common/libcommon.a $(DEP_LIBS) $(PLAT_LIBS)
tests/unit/test_manifest: tests/unit/test_manifest.o common/libcommon.a
	$(CC) $(LDFLAGS) -o $@ tests/unit/test_manifest.o common/libcommon.a $(DEP_LIBS) $(PLAT_LIBS)
tests/unit/test_num: tests/unit/test_num.o common/libcommon.a
	$(CC) $(LDFLAGS) -o $@ tests/unit/test_num.o common/libcommon.a $(DEP_LIBS) $(PLAT_LIBS)
tests/unit/test_ref: tests/unit/test_ref.o common/libcommon.a
	$(CC) $(LDFLAGS) -o $@ tests/unit/test_ref.o common/libcommon.a $(DEP_LIBS) $(PLAT_LIBS)
tests/unit/test_sbx: tests/unit/test_sbx.o common/libcommon.a
	$(CC) $(LDFLAGS) -o $@ tests/unit/test_sbx.o common/libcommon.a $(DEP_LIBS) $(PLAT_LIBS)
tests/unit/test_store: tests/unit/test_store.o common/libcommon.a
	$(CC) $(LDFLAGS) -o $@ tests/unit/test_store.o common/libcommon.a $(DEP_LIBS) $(PLAT_LIBS)
tests/unit/test_sysfilter: tests/unit/test_sysfilter.o common/libcommon.a
	$(CC) $(LDFLAGS) -o $@ tests/unit/test_sysfilter.o common/libcommon.a $(DEP_LIBS) $(PLAT_LIBS)

unit: $(UNIT_TESTS)

# The two commands of the README: both install what is missing first.
deps:
	@sh scripts/deps --check || sh scripts/deps

check: deps
	@$(MAKE) all unit
	@sh tests/run $(UNIT_TESTS)

demo: deps
	@$(MAKE) all
	@sh scripts/demo

# Compile every .c file for FreeBSD with Zig's cross compiler.
freebsd-check:
	@sh scripts/freebsd-check

lint:
	mandoc -T lint -W warning $(MANS)
	shellcheck -s sh scripts/deps scripts/demo scripts/freebsd-check \
	    tests/run tests/integration/*.sh tests/bench/*.sh

install: all
	mkdir -p $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/man/man8
	cp $(PROGS) $(DESTDIR)$(PREFIX)/bin/
	cp man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	cp man/*.8 $(DESTDIR)$(PREFIX)/share/man/man8/

clean:
	rm -rf bin common/libcommon.a
	rm -f $(ALL_OBJS) $(ALL_OBJS:.o=.d) $(UNIT_TESTS) tests/unit/*.o \
	    tests/unit/*.d

.PHONY: all unit deps check demo freebsd-check lint install clean

-include $(ALL_OBJS:.o=.d) $(UNIT_TESTS:=.d)
