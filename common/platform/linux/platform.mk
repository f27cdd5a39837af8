# Linux: glibc needs _GNU_SOURCE for the BSD and Linux interfaces we use.
# ISA-L (Debian libisal-dev) inflates gzip layers several times faster than
# zlib; without it common/decomp.c falls back to zlib.
ISAL_CPPFLAGS != pkg-config --exists libisal 2>/dev/null && echo -DHAVE_ISAL || true
ISAL_LIBS != pkg-config --exists libisal 2>/dev/null && pkg-config --libs libisal || true
# libseccomp (Debian libseccomp-dev) makes the apps' system call filter;
# without it pods run with none, which the build and pod-exec both say.
SECCOMP_CPPFLAGS != pkg-config --exists libseccomp 2>/dev/null && echo -DHAVE_LIBSECCOMP || true
SECCOMP_LIBS != pkg-config --exists libseccomp 2>/dev/null && pkg-config --libs libseccomp || true
BUILD_WARNING != pkg-config --exists libseccomp 2>/dev/null || echo "libseccomp not found (apt-get install libseccomp-dev): pods will run WITHOUT a seccomp filter"
PLAT_CPPFLAGS = -D_GNU_SOURCE -DHAVE_OPENAT2 -DHAVE_SYS_SYSMACROS_H \
	$(ISAL_CPPFLAGS) $(SECCOMP_CPPFLAGS)
PLAT_OBJS = common/platform/linux/cgroup_linux.o \
	common/platform/linux/drvplat_linux.o \
	common/platform/linux/os_linux.o common/platform/linux/sbx_linux.o \
	common/platform/linux/sysfilter_linux.o
PLAT_LIBS = -lpthread $(ISAL_LIBS) $(SECCOMP_LIBS)
DEP_PKGS = libcurl jansson libarchive libcrypto zlib libzstd
DEP_CFLAGS != pkg-config --cflags $(DEP_PKGS)
# Link only the libraries a program uses: pod-render and pod-exec need
# neither libcurl nor libarchive, whose dependencies cost milliseconds
# at every start.
DEP_LIBS_ALL != pkg-config --libs $(DEP_PKGS)
DEP_LIBS = -Wl,--as-needed $(DEP_LIBS_ALL)
