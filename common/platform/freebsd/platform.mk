# FreeBSD: libraries from ports/pkg under /usr/local, found with pkg-config.
PLAT_CPPFLAGS = -DHAVE_STRLCPY -DHAVE_O_RESOLVE_BENEATH
PLAT_OBJS = common/platform/freebsd/os_freebsd.o
PLAT_LIBS = -lpthread -lutil
DEP_PKGS = libcurl jansson libarchive libcrypto zlib libzstd
DEP_CFLAGS != pkg-config --cflags $(DEP_PKGS) 2>/dev/null || echo -I/usr/local/include
DEP_LIBS != pkg-config --libs $(DEP_PKGS) 2>/dev/null || echo -L/usr/local/lib -lcurl -ljansson -larchive -lcrypto -lz -lzstd
