# FreeBSD: libraries from ports/pkg under /usr/local, found with pkg-config.
# ISA-L (devel/isa-l) inflates gzip layers several times faster than zlib;
# without it common/decomp.c falls back to zlib.
ISAL_CPPFLAGS != pkg-config --exists libisal 2>/dev/null && echo -DHAVE_ISAL || true
ISAL_LIBS != pkg-config --exists libisal 2>/dev/null && pkg-config --libs libisal || true
PLAT_CPPFLAGS = -DHAVE_STRLCPY -DHAVE_O_RESOLVE_BENEATH $(ISAL_CPPFLAGS)
PLAT_OBJS = common/platform/freebsd/drvplat_freebsd.o \
	common/platform/freebsd/os_freebsd.o \
	common/platform/freebsd/sbx_freebsd.o \
	common/platform/freebsd/sysfilter_freebsd.o
PLAT_LIBS = -lpthread -lutil $(ISAL_LIBS)
DEP_PKGS = libcurl jansson libarchive libcrypto zlib libzstd
DEP_CFLAGS != pkg-config --cflags $(DEP_PKGS) 2>/dev/null || echo -I/usr/local/include
# Link only the libraries a program uses: pod-render and pod-exec need
# neither libcurl nor libarchive, whose dependencies cost milliseconds
# at every start.
DEP_LIBS_ALL != pkg-config --libs $(DEP_PKGS) 2>/dev/null || echo -L/usr/local/lib -lcurl -ljansson -larchive -lcrypto -lz -lzstd
DEP_LIBS = -Wl,--as-needed $(DEP_LIBS_ALL)
# Nothing the build should warn about (Linux: a missing libseccomp).
BUILD_WARNING =
