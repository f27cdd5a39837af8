/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for the storage drivers (common/driver*.c): names, chain ids,
 * berth.conf, the tree copier, and the dir and overlay drivers end to end
 * on small tar layers written here (commit, sharing, whiteouts, diffID
 * mismatch, leftovers of killed builds, two builders at once).  The zfs
 * driver is exercised by tests/integration/img-unpack.sh on zfs-fuse.
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "common/digest.h"
#include "common/driver.h"
#include "common/error.h"
#include "common/limits.h"
#include "common/fsutil.h"
#include "common/layer.h"
#include "common/log.h"
#include "common/platform.h"
#include "common/platform_driver.h"
#include "tests/unit/unit.h"

static char tmpdir[256];

/* ------------------------------------------------------------ tar writer */

struct tar {
	unsigned char	*buf;
	size_t		 len;
};

static void
tar_put(struct tar *t, const void *p, size_t n)
{
	t->buf = realloc(t->buf, t->len + n);
	if (t->buf == NULL)
		abort();
	(void)memcpy(t->buf + t->len, p, n);
	t->len += n;
}

/* One ustar entry: type '0' file, '5' dir, '2' symlink, '1' hardlink. */
static void
tar_entry(struct tar *t, const char *name, char type, unsigned mode,
    const char *data, const char *link)
{
	unsigned char h[512], pad[512];
	size_t n = data != NULL ? strlen(data) : 0, i;
	unsigned sum = 0;

	(void)memset(h, 0, sizeof(h));
	(void)snprintf((char *)h, 100, "%s", name);
	(void)snprintf((char *)h + 100, 8, "%07o", mode);
	(void)snprintf((char *)h + 108, 8, "%07o", 0);
	(void)snprintf((char *)h + 116, 8, "%07o", 0);
	(void)snprintf((char *)h + 124, 12, "%011o", (unsigned)n);
	(void)snprintf((char *)h + 136, 12, "%011o", 1600000000);
	(void)memset(h + 148, ' ', 8);
	h[156] = (unsigned char)type;
	if (link != NULL)
		(void)snprintf((char *)h + 157, 100, "%s", link);
	(void)memcpy(h + 257, "ustar", 6);
	(void)memcpy(h + 263, "00", 2);
	for (i = 0; i < sizeof(h); i++)
		sum += h[i];
	(void)snprintf((char *)h + 148, 8, "%06o", sum);
	tar_put(t, h, sizeof(h));
	if (n > 0) {
		tar_put(t, data, n);
		(void)memset(pad, 0, sizeof(pad));
		if (n % 512 != 0)
			tar_put(t, pad, 512 - n % 512);
	}
}

/* End the archive, write it to a file, return its digest (= diffID). */
static void
tar_finish(struct tar *t, const char *path, char *digest)
{
	unsigned char z[1024];
	int fd;

	(void)memset(z, 0, sizeof(z));
	tar_put(t, z, sizeof(z));
	digest_buf(DIGEST_SHA256, t->buf, t->len, digest);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1 || write(fd, t->buf, t->len) != (ssize_t)t->len)
		abort();
	(void)close(fd);
	free(t->buf);
	t->buf = NULL;
	t->len = 0;
}

/* ------------------------------------------------------------ helpers */

static void
mkpath(char *buf, size_t len, const char *name)
{
	(void)snprintf(buf, len, "%s/%s", tmpdir, name);
}

static bool
has_content(const char *path, const char *want)
{
	char buf[256];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (false);
	n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (n < 0)
		return (false);
	buf[n] = '\0';
	return (strcmp(buf, want) == 0);
}

static bool
exists(const char *path)
{
	struct stat st;

	return (lstat(path, &st) == 0);
}

static int
count_tmp(const char *dir)
{
	DIR *d;
	struct dirent *de;
	int n = 0;

	if ((d = opendir(dir)) == NULL)
		return (-1);
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, ".tmp-", 5) == 0)
			n++;
	(void)closedir(d);
	return (n);
}

/* Attribute attr of dir/name, through the platform's call. */
static ssize_t
xattr_at(const char *dir, const char *name, const char *attr, void *buf,
    size_t len)
{
	ssize_t n;
	int fd, saved;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return (-1);
	n = os_getxattrat(fd, name, attr, buf, len);
	saved = errno;
	(void)close(fd);
	errno = saved;
	return (n);
}

static void
rmtree(const char *path)
{
	struct error e = ERROR_INIT;

	(void)rm_rf_at(AT_FDCWD, path, &e);
}

/* ------------------------------------------------------------ tests */

static void
kinds(void)
{
	struct error e = ERROR_INIT;
	enum driver_kind k = DRIVER_DIR;

	CHECK(driver_kind_parse("zfs", &k, &e) == 0 && k == DRIVER_ZFS);
	CHECK(driver_kind_parse("overlay", &k, &e) == 0 &&
	    k == DRIVER_OVERLAY);
	CHECK(driver_kind_parse("dir", &k, &e) == 0 && k == DRIVER_DIR);
	CHECK(driver_kind_parse("btrfs", &k, &e) == -1 && e.exit == EX_USAGE);
	CHECK(strstr(e.msg, "'btrfs'") != NULL);
	CHECK(driver_kind_parse("", &k, &e) == -1);
	CHECK(driver_kind_parse("Dir", &k, &e) == -1);
	CHECK_STREQ(driver_kind_name(DRIVER_OVERLAY), "overlay");
}

static void
datasets(void)
{
	struct error e = ERROR_INIT;

	CHECK(driver_dataset_validate("tank", &e) == 0);
	CHECK(driver_dataset_validate("tank/berth", &e) == 0);
	CHECK(driver_dataset_validate("t_1/a.b:c-d/E", &e) == 0);
	CHECK(driver_dataset_validate("", &e) == -1 && e.exit == EX_USAGE);
	CHECK(driver_dataset_validate("/tank", &e) == -1);
	CHECK(driver_dataset_validate("tank/", &e) == -1);
	CHECK(driver_dataset_validate("tank//a", &e) == -1);
	CHECK(driver_dataset_validate("tank@snap", &e) == -1);
	CHECK(driver_dataset_validate("tank/a b", &e) == -1);
	CHECK(driver_dataset_validate("-tank", &e) == -1);
	CHECK(driver_dataset_validate("tank/.hidden", &e) == -1);
	CHECK(driver_dataset_validate("tank/../x", &e) == -1);
}

static void
chain_ids(void)
{
	struct error e = ERROR_INIT;
	char a[DIGEST_MAX], b[DIGEST_MAX], out[DIGEST_MAX];

	(void)snprintf(a, sizeof(a), "sha256:%064d", 0);
	(void)memset(a + 7, 'a', 64);
	(void)snprintf(b, sizeof(b), "%s", a);
	(void)memset(b + 7, 'b', 64);
	/* The bottom layer's chain id is its diffID. */
	CHECK(driver_chain_id(NULL, a, out, &e) == 0);
	CHECK_STREQ(out, a);
	/* sha256("sha256:aaa... sha256:bbb..."), computed with Python. */
	CHECK(driver_chain_id(a, b, out, &e) == 0);
	CHECK_STREQ(out, "sha256:ccd722928bd92476ba1745586fed6e45a102504185ad8"
	    "8cd89e01ff116fd146c");
	CHECK(driver_chain_id(a, "sha256:xyz", out, &e) == -1 &&
	    e.exit == EX_DATAERR);
	CHECK(driver_chain_id("nope", b, out, &e) == -1 &&
	    e.exit == EX_DATAERR);
}

static void
conf(void)
{
	struct error e = ERROR_INIT;
	struct driver_conf c, r;
	char dir[512], path[600];
	int fd;

	mkpath(dir, sizeof(dir), "conf");
	(void)mkdir(dir, 0700);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(fd != -1);
	CHECK(driver_conf_read(fd, &r, &e) == 0 && !r.has_driver);
	(void)memset(&c, 0, sizeof(c));
	c.has_driver = true;
	c.driver = DRIVER_ZFS;
	(void)snprintf(c.zfs_dataset, sizeof(c.zfs_dataset), "tank/berth");
	CHECK(driver_conf_write(fd, &c, &e) == 0);
	CHECK(driver_conf_read(fd, &r, &e) == 1);
	CHECK(r.has_driver && r.driver == DRIVER_ZFS);
	CHECK_STREQ(r.zfs_dataset, "tank/berth");

	(void)snprintf(path, sizeof(path), "%s/berth.conf", dir);
	CHECK(file_write_atomic(AT_FDCWD, path,
	    "# comment\n\n  driver = overlay \r\n", 34, 0644, &e) == 0);
	CHECK(driver_conf_read(fd, &r, &e) == 1 && r.driver ==
	    DRIVER_OVERLAY && r.zfs_dataset[0] == '\0');
	CHECK(file_write_atomic(AT_FDCWD, path, "driver=btrfs\n", 13, 0644,
	    &e) == 0);
	CHECK(driver_conf_read(fd, &r, &e) == -1 && e.exit == EX_CONFIG);
	CHECK(strstr(e.msg, "berth.conf:1") != NULL);
	CHECK(file_write_atomic(AT_FDCWD, path, "driver=dir\ncolour=red\n",
	    22, 0644, &e) == 0);
	CHECK(driver_conf_read(fd, &r, &e) == -1 && e.exit == EX_CONFIG);
	CHECK(strstr(e.msg, "berth.conf:2") != NULL);
	CHECK(strstr(e.msg, "'colour'") != NULL);
	CHECK(file_write_atomic(AT_FDCWD, path, "driver\n", 7, 0644,
	    &e) == 0);
	CHECK(driver_conf_read(fd, &r, &e) == -1 && e.exit == EX_CONFIG);
	CHECK(file_write_atomic(AT_FDCWD, path, "zfs_dataset=/x\n", 15, 0644,
	    &e) == 0);
	CHECK(driver_conf_read(fd, &r, &e) == -1 && e.exit == EX_CONFIG);
	/* max_layer_expansion: a ratio, a size, or both; written back. */
	CHECK(file_write_atomic(AT_FDCWD, path,
	    "max_layer_expansion = 50, 20G\n", 30, 0644, &e) == 0);
	CHECK(driver_conf_read(fd, &r, &e) == 1);
	CHECK(r.limits.max_layer_expansion == 50);
	CHECK(r.limits.max_layer_size == 20LL << 30);
	CHECK(driver_conf_write(fd, &r, &e) == 0);
	(void)memset(&c, 0, sizeof(c));
	CHECK(driver_conf_read(fd, &c, &e) == 1 &&
	    c.limits.max_layer_expansion == 50 &&
	    c.limits.max_layer_size == 20LL << 30);
	CHECK(file_write_atomic(AT_FDCWD, path,
	    "max_layer_expansion=off\n", 24, 0644, &e) == 0);
	CHECK(driver_conf_read(fd, &r, &e) == 1 &&
	    r.limits.max_layer_expansion == 0 &&
	    r.limits.max_layer_size == LIMITS_LAYER_SIZE_DEFAULT);
	CHECK(file_write_atomic(AT_FDCWD, path,
	    "max_layer_expansion=lots\n", 25, 0644, &e) == 0);
	CHECK(driver_conf_read(fd, &r, &e) == -1 && e.exit == EX_CONFIG);
	CHECK(strstr(e.msg, "berth.conf:1") != NULL &&
	    strstr(e.msg, "'lots'") != NULL);
	{
		struct limits x;

		limits_init(&x);
		CHECK(limits_set(&x, "max_layer_expansion", "2T", &e) == 1 &&
		    x.max_layer_expansion == LIMITS_EXPANSION_DEFAULT &&
		    x.max_layer_size == 2LL << 40);
		CHECK(limits_set(&x, "max_layer_expansion", "7", &e) == 1 &&
		    x.max_layer_expansion == 7);
		CHECK(limits_set(&x, "max_layer_expansion", "5,6", &e) == -1 &&
		    e.exit == EX_USAGE);
		CHECK(limits_set(&x, "max_layer_expansion", "1G,2G",
		    &e) == -1);
		CHECK(limits_set(&x, "max_layer_expansion", "", &e) == -1);
		CHECK(limits_set(&x, "max_layer_expansion", "-3", &e) == -1);
		CHECK(limits_set(&x, "max_layer_expansion", "off,1G",
		    &e) == 1 && x.max_layer_expansion == 0 &&
		    x.max_layer_size == 1LL << 30);
	}
	(void)close(fd);
}

/* The resource limits in berth.conf, next to the driver keys. */
static void
conf_limits(void)
{
	static const char text[] = "driver=dir\nmax_blob_size = 512M\n"
	    "max_image_size=2G\nmin_free_space=0\n"
	    "max_layer_expansion=20x\n";
	struct error e = ERROR_INIT;
	struct driver_conf c, r;
	char dir[512], path[600], *buf = NULL;
	size_t len;
	int fd;

	mkpath(dir, sizeof(dir), "conf-limits");
	(void)mkdir(dir, 0700);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(fd != -1);
	(void)snprintf(path, sizeof(path), "%s/berth.conf", dir);
	/* No file: the defaults. */
	CHECK(driver_conf_read(fd, &r, &e) == 0);
	CHECK(r.limits.max_blob_size == LIMITS_BLOB_SIZE_DEFAULT);
	CHECK(r.limits.max_layer_expansion == LIMITS_EXPANSION_DEFAULT);
	CHECK(file_write_atomic(AT_FDCWD, path, text, sizeof(text) - 1,
	    0644, &e) == 0);
	CHECK(driver_conf_read(fd, &r, &e) == 1 && r.driver == DRIVER_DIR);
	CHECK(r.limits.max_blob_size == 512LL << 20);
	CHECK(r.limits.max_image_size == 2LL << 30);
	CHECK(r.limits.min_free_space == 0);
	CHECK(r.limits.max_layer_expansion == 20);
	CHECK(r.limits.max_layer_size == LIMITS_LAYER_SIZE_DEFAULT);
	/* Written back: what is on and not the default survives. */
	CHECK(driver_conf_write(fd, &r, &e) == 0);
	CHECK(driver_conf_read(fd, &c, &e) == 1);
	CHECK(c.limits.max_blob_size == 512LL << 20 &&
	    c.limits.max_image_size == 2LL << 30 &&
	    c.limits.max_layer_expansion == 20);
	/* A zeroed conf written by a driver chooser turns nothing off. */
	(void)memset(&c, 0, sizeof(c));
	c.has_driver = true;
	c.driver = DRIVER_OVERLAY;
	CHECK(driver_conf_write(fd, &c, &e) == 0);
	CHECK(file_read_all(fd, "berth.conf", 4096, &buf, &len, &e) == 0);
	CHECK(buf != NULL && strstr(buf, "max_") == NULL &&
	    strstr(buf, "min_") == NULL);
	free(buf);
	CHECK(driver_conf_read(fd, &r, &e) == 1 &&
	    r.limits.min_free_space == LIMITS_FREE_SPACE_DEFAULT);
	/* A bad value is a configuration error naming line and key. */
	CHECK(file_write_atomic(AT_FDCWD, path, "driver=dir\n"
	    "max_blob_size=lots\n", 30, 0644, &e) == 0);
	CHECK(driver_conf_read(fd, &r, &e) == -1 && e.exit == EX_CONFIG);
	CHECK(strstr(e.msg, "berth.conf:2") != NULL &&
	    strstr(e.msg, "max_blob_size") != NULL);
	CHECK(r.limits.max_blob_size == LIMITS_BLOB_SIZE_DEFAULT);
	/* FreeBSD: the host's additions to the devfs safe set. */
	CHECK(file_write_atomic(AT_FDCWD, path,
	    "driver=dir\ndevfs_unhide = crypto, dri/*\n", 40, 0644, &e) == 0);
	CHECK(driver_conf_read(fd, &r, &e) == 1);
	CHECK_STREQ(r.devfs_unhide, "crypto, dri/*");
	CHECK(driver_conf_write(fd, &r, &e) == 0);
	CHECK(driver_conf_read(fd, &c, &e) == 1);
	CHECK_STREQ(c.devfs_unhide, "crypto, dri/*");
	CHECK(c.has_driver && c.driver == DRIVER_DIR);
	CHECK(file_write_atomic(AT_FDCWD, path,
	    "driver=dir\ndevfs_unhide=../ada0\n", 32, 0644, &e) == 0);
	CHECK(driver_conf_read(fd, &r, &e) == -1 && e.exit == EX_CONFIG);
	CHECK(strstr(e.msg, "berth.conf:2") != NULL);
	CHECK(strstr(e.msg, "devfs_unhide") != NULL);
	(void)close(fd);
}

/* A source tree with every kind of thing the copier must preserve. */
static void
make_src(const char *src)
{
	char p[1024];
	struct timespec ts[2] = { { 1000000000, 0 }, { 1100000000, 5 } };
	struct stat nst;
	int fd;

	(void)mkdir(src, 0755);
	(void)snprintf(p, sizeof(p), "%s/file", src);
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	CHECK(fd != -1 && write(fd, "hello\n", 6) == 6);
	CHECK(os_fsetxattr(fd, "user.berth", "v1", 2) == 0 ||
	    errno == ENOTSUP || errno == EOPNOTSUPP);
	CHECK(fchmod(fd, 04751) == 0);
	CHECK(futimens(fd, ts) == 0);
	(void)close(fd);
	(void)snprintf(p, sizeof(p), "%s/sparse", src);
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	CHECK(fd != -1 && pwrite(fd, "end", 3, 8 << 20) == 3);
	(void)close(fd);
	(void)snprintf(p, sizeof(p), "%s/sub", src);
	(void)mkdir(p, 0755);
	(void)snprintf(p, sizeof(p), "%s/sub/deep", src);
	(void)mkdir(p, 0700);
	(void)snprintf(p, sizeof(p), "%s/sub/deep/hl1", src);
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0640);
	CHECK(fd != -1 && write(fd, "linked", 6) == 6);
	(void)close(fd);
	(void)snprintf(p, sizeof(p), "%s/hl2", src);
	{
		char t[1024];

		(void)snprintf(t, sizeof(t), "%s/sub/deep/hl1", src);
		CHECK(link(t, p) == 0);
	}
	(void)snprintf(p, sizeof(p), "%s/abs", src);
	CHECK(symlink("/etc/passwd", p) == 0);
	(void)snprintf(p, sizeof(p), "%s/sub/rel", src);
	CHECK(symlink("../file", p) == 0);
	(void)snprintf(p, sizeof(p), "%s/fifo", src);
	CHECK(mkfifo(p, 0600) == 0 && chmod(p, 0620) == 0);
	(void)snprintf(p, sizeof(p), "%s/ro", src);
	(void)mkdir(p, 0755);
	(void)snprintf(p, sizeof(p), "%s/ro/inside", src);
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0444);
	(void)close(fd);
	(void)snprintf(p, sizeof(p), "%s/ro", src);
	CHECK(chmod(p, 0555) == 0);
	if (geteuid() == 0) {
		(void)snprintf(p, sizeof(p), "%s/sub", src);
		CHECK(lchown(p, 1234, 5678) == 0);
		(void)snprintf(p, sizeof(p), "%s/abs", src);
		CHECK(lchown(p, 42, 43) == 0);
		(void)snprintf(p, sizeof(p), "%s/null", src);
		CHECK(stat("/dev/null", &nst) == 0);
		CHECK(mknod(p, S_IFCHR | 0666, nst.st_rdev) == 0);
	}
}

static void
copy_tree(void)
{
	struct error e = ERROR_INIT;
	char src[512], dst[512], p[1024], q[1024];
	char v[16];
	struct stat a, b;
	int sfd, dfd;

	mkpath(src, sizeof(src), "copysrc");
	mkpath(dst, sizeof(dst), "copydst");
	make_src(src);
	sfd = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	dfd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(driver_copy_tree(sfd, dfd, "copydst", geteuid() == 0, &e) == 0);
	if (e.msg[0] != '\0')
		printf("# %s\n", e.msg);
	/* Existing destination: refused, not merged. */
	CHECK(driver_copy_tree(sfd, dfd, "copydst", false, &e) == -1 &&
	    e.exit == EX_CANTCREAT);
	(void)close(sfd);
	(void)close(dfd);

	(void)snprintf(p, sizeof(p), "%s/file", dst);
	CHECK(lstat(p, &a) == 0 && (a.st_mode & 07777) == 04751);
	CHECK(a.st_mtim.tv_sec == 1100000000 && a.st_mtim.tv_nsec == 5);
	CHECK(a.st_atim.tv_sec == 1000000000);
	CHECK(has_content(p, "hello\n"));
	if (xattr_at(dst, "file", "user.berth", v, sizeof(v)) != -1)
		CHECK(memcmp(v, "v1", 2) == 0);
	else
		CHECK(errno == ENOTSUP || errno == EOPNOTSUPP);
	(void)snprintf(p, sizeof(p), "%s/sparse", dst);
	CHECK(lstat(p, &a) == 0 && a.st_size == (8 << 20) + 3);
	CHECK((off_t)a.st_blocks * 512 < a.st_size);
	CHECK(has_content(p, "") || true);
	(void)snprintf(p, sizeof(p), "%s/hl2", dst);
	(void)snprintf(q, sizeof(q), "%s/sub/deep/hl1", dst);
	CHECK(lstat(p, &a) == 0 && lstat(q, &b) == 0);
	CHECK(a.st_ino == b.st_ino && a.st_nlink == 2);
	CHECK(has_content(q, "linked"));
	(void)snprintf(p, sizeof(p), "%s/abs", dst);
	CHECK(readlink(p, v, sizeof(v)) == 11 && memcmp(v, "/etc/passwd",
	    11) == 0);
	(void)snprintf(p, sizeof(p), "%s/sub/rel", dst);
	CHECK(readlink(p, v, sizeof(v)) == 7);
	(void)snprintf(p, sizeof(p), "%s/fifo", dst);
	CHECK(lstat(p, &a) == 0 && S_ISFIFO(a.st_mode) &&
	    (a.st_mode & 0777) == 0620);
	(void)snprintf(p, sizeof(p), "%s/ro", dst);
	CHECK(lstat(p, &a) == 0 && (a.st_mode & 0777) == 0555);
	(void)snprintf(p, sizeof(p), "%s/ro/inside", dst);
	CHECK(exists(p));
	(void)snprintf(p, sizeof(p), "%s/sub/deep", dst);
	CHECK(lstat(p, &a) == 0 && (a.st_mode & 0777) == 0700);
	if (geteuid() == 0) {
		(void)snprintf(p, sizeof(p), "%s/sub", dst);
		CHECK(lstat(p, &a) == 0 && a.st_uid == 1234 &&
		    a.st_gid == 5678);
		(void)snprintf(p, sizeof(p), "%s/abs", dst);
		CHECK(lstat(p, &a) == 0 && a.st_uid == 42 && a.st_gid == 43);
		(void)snprintf(p, sizeof(p), "%s/null", dst);
		CHECK(stat("/dev/null", &b) == 0);
		CHECK(lstat(p, &a) == 0 && S_ISCHR(a.st_mode) &&
		    a.st_rdev == b.st_rdev);
	}
	rmtree(src);
	rmtree(dst);
}

/* Open the directory depth levels of "d" below dfd/name (-1 on error). */
static int
open_level(int dfd, const char *name, int depth)
{
	int fd, nfd, i;

	if ((fd = openat(dfd, name, O_RDONLY | O_DIRECTORY)) == -1)
		return (-1);
	for (i = 0; i < depth; i++) {
		nfd = openat(fd, "d", O_RDONLY | O_DIRECTORY);
		(void)close(fd);
		if ((fd = nfd) == -1)
			return (-1);
	}
	return (fd);
}

/*
 * 2200 levels of "d", each with a file "f"; "h1" at level 2100 and "h2"
 * at level 2150 are one file, whose first copy's path is longer than
 * PATH_MAX.  Copied by a process allowed 64 descriptors.
 */
static void
copy_tree_deep(void)
{
	struct rlimit rl = { 64, 64 };
	struct stat a, b;
	char src[512];
	pid_t pid;
	int dfd, fd, nfd, i, st = 0;

	mkpath(src, sizeof(src), "deepsrc");
	CHECK(mkdir(src, 0755) == 0);
	fd = open(src, O_RDONLY | O_DIRECTORY);
	for (i = 0; fd != -1 && i < 2200; i++) {
		CHECK((nfd = openat(fd, "f", O_WRONLY | O_CREAT, 0644)) != -1);
		(void)close(nfd);
		if (i == 2100)
			CHECK((nfd = openat(fd, "h1", O_WRONLY | O_CREAT,
			    0644)) != -1 && write(nfd, "deep", 4) == 4 &&
			    close(nfd) == 0);
		CHECK(mkdirat(fd, "d", 0755) == 0);
		nfd = openat(fd, "d", O_RDONLY | O_DIRECTORY);
		(void)close(fd);
		fd = nfd;
	}
	CHECK(fd != -1);
	(void)close(fd);
	dfd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	fd = open_level(dfd, "deepsrc", 2100);
	nfd = open_level(dfd, "deepsrc", 2150);
	CHECK(fd != -1 && nfd != -1 && linkat(fd, "h1", nfd, "h2", 0) == 0);
	(void)close(fd);
	(void)close(nfd);
	(void)fflush(stdout);
	if ((pid = fork()) == 0) {
		struct error ce = ERROR_INIT;

		if (setrlimit(RLIMIT_NOFILE, &rl) == -1 ||
		    (fd = open(src, O_RDONLY | O_DIRECTORY)) == -1)
			_exit(99);
		if (driver_copy_tree(fd, dfd, "deepdst", geteuid() == 0,
		    &ce) == -1) {
			(void)printf("# %s\n", ce.msg);
			(void)fflush(stdout);
			_exit(ce.exit);
		}
		_exit(0);
	}
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0);
	fd = open_level(dfd, "deepdst", 2100);
	nfd = open_level(dfd, "deepdst", 2150);
	CHECK(fd != -1 && nfd != -1);
	CHECK(fstatat(fd, "h1", &a, 0) == 0 && fstatat(nfd, "h2", &b, 0) == 0);
	CHECK(a.st_ino == b.st_ino && a.st_nlink == 2 && a.st_size == 4);
	(void)close(fd);
	(void)close(nfd);
	fd = open_level(dfd, "deepdst", 2199);
	CHECK(fd != -1 && fstatat(fd, "f", &a, 0) == 0);
	(void)close(fd);
	CHECK(rm_rf_at(dfd, "deepsrc", &(struct error)ERROR_INIT) == 0);
	CHECK(rm_rf_at(dfd, "deepdst", &(struct error)ERROR_INIT) == 0);
	(void)close(dfd);
}

/*
 * Layers for the driver tests: 0 the base, 1 a whiteout on top, 2 another
 * image's top on 0; 3 on 1 hardlinks files of 0 and 1 (and whites out a
 * file of 0), 4 on 1 hardlinks a file that 1 whited out.
 */
#define	NLAYERS	5
struct layers {
	char	path[NLAYERS][512];
	char	diffid[NLAYERS][DIGEST_MAX];
	char	chain[NLAYERS][DIGEST_MAX];
};

static void
make_layers(struct layers *L)
{
	struct error e = ERROR_INIT;
	struct tar t = { NULL, 0 };

	tar_entry(&t, "etc/", '5', 0755, NULL, NULL);
	tar_entry(&t, "etc/os", '0', 0644, "berth\n", NULL);
	tar_entry(&t, "etc/gone", '0', 0600, "bye\n", NULL);
	tar_entry(&t, "bin/", '5', 0755, NULL, NULL);
	tar_entry(&t, "bin/sh", '0', 0755, "#!sh\n", NULL);
	tar_entry(&t, "bin/ash", '1', 0755, NULL, "bin/sh");
	tar_entry(&t, "sh", '2', 0777, NULL, "bin/sh");
	mkpath(L->path[0], sizeof(L->path[0]), "layer0.tar");
	tar_finish(&t, L->path[0], L->diffid[0]);

	tar_entry(&t, "etc/", '5', 0755, NULL, NULL);
	tar_entry(&t, "etc/.wh.gone", '0', 0644, "", NULL);
	tar_entry(&t, "etc/new", '0', 0644, "new\n", NULL);
	mkpath(L->path[1], sizeof(L->path[1]), "layer1.tar");
	tar_finish(&t, L->path[1], L->diffid[1]);

	/* A second image's top layer on the same base. */
	tar_entry(&t, "other", '0', 0644, "other\n", NULL);
	mkpath(L->path[2], sizeof(L->path[2]), "layer2.tar");
	tar_finish(&t, L->path[2], L->diffid[2]);

	tar_entry(&t, "bin/", '5', 0755, NULL, NULL);
	tar_entry(&t, "bin/ash2", '1', 0755, NULL, "bin/sh");
	tar_entry(&t, "new2", '1', 0644, NULL, "etc/new");
	tar_entry(&t, ".wh.sh", '0', 0644, "", NULL);
	mkpath(L->path[3], sizeof(L->path[3]), "layer3.tar");
	tar_finish(&t, L->path[3], L->diffid[3]);

	tar_entry(&t, "gone2", '1', 0600, NULL, "etc/gone");
	mkpath(L->path[4], sizeof(L->path[4]), "layer4.tar");
	tar_finish(&t, L->path[4], L->diffid[4]);

	CHECK(driver_chain_id(NULL, L->diffid[0], L->chain[0], &e) == 0);
	CHECK(driver_chain_id(L->chain[0], L->diffid[1], L->chain[1],
	    &e) == 0);
	CHECK(driver_chain_id(L->chain[0], L->diffid[2], L->chain[2],
	    &e) == 0);
	CHECK(driver_chain_id(L->chain[1], L->diffid[3], L->chain[3],
	    &e) == 0);
	CHECK(driver_chain_id(L->chain[1], L->diffid[4], L->chain[4],
	    &e) == 0);
}

/* Build chain i on chain parent (-1: none) from the blob fd. */
static int
create_fd(struct driver *d, const struct layers *L, int i, int parent,
    const char *diffid, int fd, struct layer_stats *st, struct error *ep)
{
	struct driver_layer l;

	(void)memset(&l, 0, sizeof(l));
	l.chainid = L->chain[i];
	l.parent = parent >= 0 ? L->chain[parent] : NULL;
	l.diffid = diffid != NULL ? diffid : L->diffid[i];
	l.digest = L->diffid[i];
	l.comp = LAYER_PLAIN;
	l.blobfd = fd;
	return (driver_create(d, &l, NULL, st, ep));
}

static int
create(struct driver *d, const struct layers *L, int i, int parent,
    const char *diffid, struct error *ep)
{
	int fd, r;

	if ((fd = open(L->path[i], O_RDONLY | O_CLOEXEC)) == -1)
		return (error_set(ep, EX_NOINPUT, errno, "open"));
	r = create_fd(d, L, i, parent, diffid, fd, NULL, ep);
	(void)close(fd);
	return (r);
}

static void
dir_driver(void)
{
	struct error e = ERROR_INIT;
	struct layers L;
	struct driver *d = NULL;
	char root[512], p[1024], base[600];
	char parent[DIGEST_MAX], bad[DIGEST_MAX];
	struct stat a, b;

	make_layers(&L);
	mkpath(root, sizeof(root), "dirroot");
	(void)mkdir(root, 0700);
	CHECK(driver_open(root, DRIVER_DIR, NULL, &d, &e) == 0);
	if (d == NULL) {
		printf("# %s\n", e.msg);
		return;
	}
	(void)snprintf(base, sizeof(base), "%s/layers/dir", root);
	CHECK(driver_exists(d, L.chain[0], &e) == 0);
	/* The parent must be there first. */
	CHECK(create(d, &L, 1, 0, NULL, &e) == -1 && e.exit == EX_NOINPUT);
	CHECK(create(d, &L, 0, -1, NULL, &e) == 1);
	CHECK(create(d, &L, 0, -1, NULL, &e) == 0);
	CHECK(create(d, &L, 1, 0, NULL, &e) == 1);
	CHECK(driver_exists(d, L.chain[1], &e) == 1);

	/* The parent keeps its file; the child lost it. */
	CHECK(driver_path(d, L.chain[0], p, sizeof(p), &e) == 0);
	CHECK(strncmp(p, base, strlen(base)) == 0);
	(void)strncat(p, "/etc/gone", sizeof(p) - strlen(p) - 1);
	CHECK(has_content(p, "bye\n"));
	CHECK(driver_path(d, L.chain[1], p, sizeof(p), &e) == 0);
	(void)strncat(p, "/etc/gone", sizeof(p) - strlen(p) - 1);
	CHECK(!exists(p));
	CHECK(driver_path(d, L.chain[1], p, sizeof(p), &e) == 0);
	(void)strncat(p, "/etc/new", sizeof(p) - strlen(p) - 1);
	CHECK(has_content(p, "new\n"));
	/* The copy kept the hardlink and the symlink. */
	CHECK(driver_path(d, L.chain[1], p, sizeof(p), &e) == 0);
	(void)strncat(p, "/bin/sh", sizeof(p) - strlen(p) - 1);
	CHECK(lstat(p, &a) == 0 && (a.st_mode & 0777) == 0755);
	CHECK(driver_path(d, L.chain[1], p, sizeof(p), &e) == 0);
	(void)strncat(p, "/bin/ash", sizeof(p) - strlen(p) - 1);
	CHECK(lstat(p, &b) == 0 && a.st_ino == b.st_ino);
	CHECK(driver_path(d, L.chain[1], p, sizeof(p), &e) == 0);
	(void)strncat(p, "/sh", sizeof(p) - strlen(p) - 1);
	CHECK(lstat(p, &a) == 0 && S_ISLNK(a.st_mode));

	CHECK(driver_parent(d, L.chain[1], parent, &e) == 0);
	CHECK_STREQ(parent, L.chain[0]);
	CHECK(driver_parent(d, L.chain[0], parent, &e) == 0);
	CHECK_STREQ(parent, "");
	CHECK(driver_snapshot(d, L.chain[0], p, sizeof(p), &e) == -1 &&
	    e.exit == EX_UNAVAILABLE);

	/* A diffID that does not match: refused, nothing left behind. */
	(void)snprintf(bad, sizeof(bad), "%s", L.diffid[2]);
	bad[7] = bad[7] == '0' ? '1' : '0';
	CHECK(create(d, &L, 2, 0, bad, &e) == -1 && e.exit == EX_DATAERR);
	CHECK(strstr(e.msg, L.chain[2]) != NULL);
	CHECK(driver_exists(d, L.chain[2], &e) == 0);
	CHECK(count_tmp(base) == 0);
	CHECK(driver_path(d, L.chain[2], p, sizeof(p), &e) == -1 &&
	    e.exit == EX_NOINPUT);
	/* A second image on the same base shares chain 0. */
	CHECK(create(d, &L, 2, 0, NULL, &e) == 1);
	driver_close(d);
	rmtree(root);
}

static void
sweep(void)
{
	struct error e = ERROR_INIT;
	struct layers L;
	struct driver *d = NULL;
	char root[512], p[1024], base[600];
	int lockfd, locksfd;

	make_layers(&L);
	mkpath(root, sizeof(root), "sweeproot");
	(void)mkdir(root, 0700);
	CHECK(driver_open(root, DRIVER_DIR, NULL, &d, &e) == 0);
	if (d == NULL)
		return;
	(void)snprintf(base, sizeof(base), "%s/layers/dir", root);
	/* What a killed build of chain 0 and one of chain 1 left. */
	(void)snprintf(p, sizeof(p), "%s/.tmp-%.64s-99999999", base,
	    L.chain[0] + 7);
	CHECK(mkdir(p, 0700) == 0);
	(void)strncat(p, "/rootfs", sizeof(p) - strlen(p) - 1);
	CHECK(mkdir(p, 0555) == 0);
	(void)snprintf(p, sizeof(p), "%s/.tmp-%.64s-99999998", base,
	    L.chain[1] + 7);
	CHECK(mkdir(p, 0700) == 0);
	CHECK(count_tmp(base) == 2);
	/* Chain 1's builder still holds its lock: its directory stays. */
	(void)snprintf(p, sizeof(p), "%s/locks", root);
	locksfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	(void)snprintf(p, sizeof(p), "layer-dir-%s.lock", L.chain[1] + 7);
	lockfd = lock_take(locksfd, p, true, false, &e);
	CHECK(lockfd != -1);
	CHECK(driver_sweep(d, &e) == 1);
	CHECK(count_tmp(base) == 1);
	lock_release(lockfd);
	(void)close(locksfd);
	CHECK(driver_sweep(d, &e) == 1);
	CHECK(count_tmp(base) == 0);
	CHECK(driver_sweep(d, &e) == 0);
	/* A build clears its own chain's leftovers too. */
	(void)snprintf(p, sizeof(p), "%s/.tmp-%.64s-1", base, L.chain[0] + 7);
	CHECK(mkdir(p, 0700) == 0);
	CHECK(create(d, &L, 0, -1, NULL, &e) == 1);
	CHECK(count_tmp(base) == 0);
	driver_close(d);
	rmtree(root);
}

/* Two processes build one chain: one does the work, the other waits. */
static void
concurrent(void)
{
	struct error e = ERROR_INIT;
	struct layers L;
	struct driver *d = NULL;
	char root[512];
	pid_t pid[2];
	int i, st, ones = 0, zeros = 0;

	make_layers(&L);
	mkpath(root, sizeof(root), "concroot");
	(void)mkdir(root, 0700);
	for (i = 0; i < 2; i++) {
		if ((pid[i] = fork()) == 0) {
			int r;

			if (driver_open(root, DRIVER_DIR, NULL, &d, &e) == -1)
				_exit(10);
			r = create(d, &L, 0, -1, NULL, &e);
			if (r != -1)
				r = create(d, &L, 1, 0, NULL, &e);
			driver_close(d);
			_exit(r == 1 ? 1 : r == 0 ? 0 : 11);
		}
	}
	for (i = 0; i < 2; i++) {
		CHECK(waitpid(pid[i], &st, 0) == pid[i] && WIFEXITED(st));
		if (WEXITSTATUS(st) == 1)
			ones++;
		else if (WEXITSTATUS(st) == 0)
			zeros++;
	}
	/*
	 * Each chain was built once, but whoever built chain 0 did not
	 * necessarily build chain 1: the exit status says 1 if this
	 * process built chain 1.
	 */
	CHECK(ones == 1 && zeros == 1);
	CHECK(driver_open(root, DRIVER_DIR, NULL, &d, &e) == 0);
	if (d != NULL) {
		CHECK(driver_exists(d, L.chain[0], &e) == 1);
		CHECK(driver_exists(d, L.chain[1], &e) == 1);
		driver_close(d);
	}
	rmtree(root);
}

static void
overlay_driver(void)
{
	struct error e = ERROR_INIT;
	struct layers L;
	struct driver *d = NULL;
	char root[512], p[1024], v[8];
	struct stat a;

	if (geteuid() != 0) {
		printf("# skipped: overlay needs root\n");
		mkpath(root, sizeof(root), "ovlroot");
		(void)mkdir(root, 0700);
		CHECK(driver_open(root, DRIVER_OVERLAY, NULL, &d, &e) == -1 &&
		    e.exit == EX_NOPERM);
		rmtree(root);
		return;
	}
	make_layers(&L);
	mkpath(root, sizeof(root), "ovlroot");
	(void)mkdir(root, 0700);
	CHECK(driver_open(root, DRIVER_OVERLAY, NULL, &d, &e) == 0);
	if (d == NULL)
		return;
	/* Applied without its parent, but not committed without it. */
	CHECK(create(d, &L, 1, 0, NULL, &e) == -1 && e.exit == EX_NOINPUT);
	CHECK(strstr(e.msg, "nobody is unpacking it") != NULL);
	CHECK(driver_exists(d, L.chain[1], &e) == 0);
	(void)snprintf(p, sizeof(p), "%s/layers/overlay", root);
	CHECK(count_tmp(p) == 0);
	CHECK(create(d, &L, 0, -1, NULL, &e) == 1);
	CHECK(create(d, &L, 1, 0, NULL, &e) == 1);
	/* Only the diff: the whiteout is a 0/0 device, no copy of etc/os. */
	CHECK(driver_path(d, L.chain[1], p, sizeof(p), &e) == 0);
	CHECK(strstr(p, "/layers/overlay/") != NULL);
	(void)strncat(p, "/etc/gone", sizeof(p) - strlen(p) - 1);
	CHECK(lstat(p, &a) == 0 && S_ISCHR(a.st_mode) && a.st_rdev == 0U);
	CHECK(driver_path(d, L.chain[1], p, sizeof(p), &e) == 0);
	(void)strncat(p, "/etc/os", sizeof(p) - strlen(p) - 1);
	CHECK(!exists(p));
	CHECK(driver_path(d, L.chain[0], p, sizeof(p), &e) == 0);
	CHECK(xattr_at(p, "etc", "trusted.overlay.opaque", v,
	    sizeof(v)) == -1);
	CHECK(driver_parent(d, L.chain[1], p, &e) == 0);
	CHECK_STREQ(p, L.chain[0]);
	driver_close(d);
	rmtree(root);
}

static double
now_s(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

/* path/name's inode and link count, or 0. */
static ino_t
ino_at(const char *path, const char *name, nlink_t *nlink)
{
	char p[1024];
	struct stat st;

	(void)snprintf(p, sizeof(p), "%s/%s", path, name);
	if (lstat(p, &st) == -1)
		return (0);
	if (nlink != NULL)
		*nlink = st.st_nlink;
	return (st.st_ino);
}

/* In a child: build chain 1, which waits for chain 0 to be committed. */
static pid_t
waiting_builder(const char *root, const struct layers *L)
{
	struct error e = ERROR_INIT;
	struct driver *d = NULL;
	pid_t pid;
	int r;

	if ((pid = fork()) != 0)
		return (pid);
	if (driver_open(root, DRIVER_OVERLAY, NULL, &d, &e) == -1)
		_exit(10);
	r = create(d, L, 1, 0, NULL, &e);
	if (r == 1 && driver_exists(d, L->chain[0], &e) != 1)
		r = -1;
	driver_close(d);
	_exit(r == 1 ? 0 : 11);
}

/*
 * In a child: build chain 0 from a pipe that a grandchild fills after a
 * second, so that the chain's lock is held meanwhile.
 */
static pid_t
slow_builder(const char *root, const struct layers *L)
{
	struct error e = ERROR_INIT;
	struct driver *d = NULL;
	char buf[4096];
	ssize_t n;
	pid_t pid, w;
	int p[2], fd, r;

	if ((pid = fork()) != 0)
		return (pid);
	if (pipe(p) == -1)
		_exit(12);
	if ((w = fork()) == 0) {
		(void)close(p[0]);
		(void)sleep(1);
		if ((fd = open(L->path[0], O_RDONLY)) == -1)
			_exit(1);
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			if (write(p[1], buf, (size_t)n) != n)
				_exit(1);
		_exit(0);
	}
	(void)close(p[1]);
	if (driver_open(root, DRIVER_OVERLAY, NULL, &d, &e) == -1)
		_exit(10);
	r = create_fd(d, L, 0, -1, NULL, p[0], NULL, &e);
	driver_close(d);
	(void)waitpid(w, NULL, 0);
	_exit(r == 1 ? 0 : 11);
}

/*
 * A layer hardlinking files of lower layers: applied alone it lacks them,
 * so the driver waits for the chains below and applies it again over
 * their diffs, copying the targets up.
 */
static void
overlay_hardlinks(void)
{
	struct error e = ERROR_INIT;
	struct layer_stats st;
	struct layers L;
	struct driver *d = NULL;
	struct stat sb;
	const char *top[3];
	char root[512], base[600], p[1024], d0[900], d3[900], m[900];
	nlink_t nl = 0;
	double t0;
	pid_t pid, pid1;
	int fd, status;

	if (geteuid() != 0) {
		printf("# skipped: overlay needs root\n");
		return;
	}
	make_layers(&L);
	mkpath(root, sizeof(root), "ovlhl");
	(void)mkdir(root, 0700);
	CHECK(driver_open(root, DRIVER_OVERLAY, NULL, &d, &e) == 0);
	if (d == NULL)
		return;
	(void)snprintf(base, sizeof(base), "%s/layers/overlay", root);
	/* Nothing below and nobody unpacking it: a bounded wait. */
	t0 = now_s();
	CHECK(create(d, &L, 3, 1, NULL, &e) == -1 && e.exit == EX_NOINPUT);
	CHECK(strstr(e.msg, "nobody is unpacking it") != NULL);
	CHECK(now_s() - t0 > 2.0 && now_s() - t0 < 30.0);
	CHECK(driver_exists(d, L.chain[3], &e) == 0);
	CHECK(count_tmp(base) == 0);
	/*
	 * Chain 0 is being built meanwhile, and chain 1, applied, waits for
	 * it before it commits.
	 */
	pid = slow_builder(root, &L);
	(void)usleep(300000);
	pid1 = waiting_builder(root, &L);
	(void)usleep(300000);
	t0 = now_s();
	(void)memset(&st, 0, sizeof(st));
	if ((fd = open(L.path[3], O_RDONLY | O_CLOEXEC)) == -1)
		abort();
	CHECK(create_fd(d, &L, 3, 1, NULL, fd, &st, &e) == 1);
	(void)close(fd);
	if (e.msg[0] != '\0')
		printf("# %s\n", e.msg);
	CHECK(now_s() - t0 > 0.4);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0);
	CHECK(waitpid(pid1, &status, 0) == pid1 && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0);
	/* bin, bin/sh and etc, etc/new came up; bin itself was listed. */
	CHECK(st.copied_up == 3 && st.hardlinks == 2 && st.whiteouts == 1);
	CHECK(driver_path(d, L.chain[3], d3, sizeof(d3), &e) == 0);
	CHECK(driver_path(d, L.chain[0], d0, sizeof(d0), &e) == 0);
	CHECK(ino_at(d3, "bin/sh", &nl) == ino_at(d3, "bin/ash2", NULL) &&
	    nl == 2);
	(void)snprintf(p, sizeof(p), "%s/bin/ash2", d3);
	CHECK(has_content(p, "#!sh\n"));
	CHECK(ino_at(d3, "etc/new", &nl) == ino_at(d3, "new2", NULL) &&
	    nl == 2);
	(void)snprintf(p, sizeof(p), "%s/etc/os", d3);
	CHECK(!exists(p));
	(void)snprintf(p, sizeof(p), "%s/sh", d3);
	CHECK(lstat(p, &sb) == 0 && S_ISCHR(sb.st_mode) && sb.st_rdev == 0);
	/* The lower diffs are as they were. */
	CHECK(ino_at(d0, "bin/sh", &nl) != 0 && nl == 2);
	CHECK(ino_at(d0, "bin/sh", NULL) != ino_at(d3, "bin/sh", NULL));
	/* Mounted, the two names are one file, as in the other drivers. */
	top[0] = L.chain[3];
	top[1] = L.chain[1];
	top[2] = L.chain[0];
	if (driver_mount(d, top, 3, m, sizeof(m), &e) == 0) {
		CHECK(ino_at(m, "bin/sh", &nl) == ino_at(m, "bin/ash2", NULL) &&
		    nl == 2);
		CHECK(ino_at(m, "new2", NULL) == ino_at(m, "etc/new", NULL));
		CHECK(ino_at(m, "sh", NULL) == 0 &&
		    ino_at(m, "etc/gone", NULL) == 0);
		(void)snprintf(p, sizeof(p), "%s/etc/os", m);
		CHECK(has_content(p, "berth\n"));
		CHECK(os_unmount(m, &e) == 0);
	} else
		printf("# no overlay mount: %s\n", e.msg);
	/* A target that the layer below whited out. */
	CHECK(create(d, &L, 4, 1, NULL, &e) == -1 && e.exit == EX_DATAERR);
	CHECK(strstr(e.msg, "'etc/gone' not found") != NULL);
	CHECK(driver_exists(d, L.chain[4], &e) == 0);
	CHECK(count_tmp(base) == 0);
	driver_close(d);
	rmtree(root);
}

static void
zfs_needs_dataset(void)
{
	struct error e = ERROR_INIT;
	struct driver *d = NULL;
	char root[512];

	mkpath(root, sizeof(root), "zfsroot");
	(void)mkdir(root, 0700);
	CHECK(driver_open(root, DRIVER_ZFS, NULL, &d, &e) == -1 &&
	    e.exit == EX_USAGE);
	CHECK(driver_open(root, DRIVER_ZFS, "bad@name", &d, &e) == -1 &&
	    e.exit == EX_USAGE);
	CHECK(d == NULL);
	rmtree(root);
}

int
main(void)
{
	char tmpl[] = "/tmp/test_driver.XXXXXX";

	log_init("test_driver");
	log_setup(0, false);
	if (mkdtemp(tmpl) == NULL) {
		perror("mkdtemp");
		return (1);
	}
	(void)snprintf(tmpdir, sizeof(tmpdir), "%s", tmpl);
	TEST(kinds);
	TEST(datasets);
	TEST(chain_ids);
	TEST(conf);
	TEST(conf_limits);
	TEST(copy_tree);
	TEST(copy_tree_deep);
	TEST(dir_driver);
	TEST(sweep);
	TEST(concurrent);
	TEST(overlay_driver);
	TEST(overlay_hardlinks);
	TEST(zfs_needs_dataset);
	rmtree(tmpdir);
	return (unit_done());
}
