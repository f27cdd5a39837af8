# Linux: glibc needs _GNU_SOURCE for the BSD and Linux interfaces we use.
PLAT_CPPFLAGS = -D_GNU_SOURCE -DHAVE_OPENAT2
PLAT_OBJS = common/platform/linux/os_linux.o
PLAT_LIBS = -lpthread
DEP_PKGS = libcurl jansson libarchive libcrypto zlib libzstd
DEP_CFLAGS != pkg-config --cflags $(DEP_PKGS)
DEP_LIBS != pkg-config --libs $(DEP_PKGS)
