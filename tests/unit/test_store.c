/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for common/store.c: the layout store_open() creates, blobs,
 * resumable ingests (commit, mismatch, overflow, limits of size and free
 * space, abort and resume, a killed download, four processes racing for
 * one blob), and index.json
 * (set, replace, list, remove, foreign fields kept, eight concurrent
 * writers, stale temporary files).
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "common/digest.h"
#include "common/error.h"
#include "common/fsutil.h"
#include "common/platform.h"
#include "common/store.h"
#include "tests/unit/unit.h"

#define	HELLO_SHA256	"sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e" \
			"1b161e5c1fa7425e73043362938b9824"
#define	MANIFEST_MT	"application/vnd.oci.image.manifest.v1+json"

static char top[1024];

/* A path under top for a new store (in a static buffer). */
static const char *
root_path(const char *name)
{
	static char p[2048];

	(void)snprintf(p, sizeof(p), "%s/%s", top, name);
	return (p);
}

/* Deterministic, not repetitive test data. */
static unsigned char *
make_data(size_t len, unsigned int seed)
{
	unsigned char *p;
	size_t i;

	if ((p = malloc(len == 0 ? 1 : len)) == NULL)
		abort();
	for (i = 0; i < len; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (unsigned char)(seed >> 16);
	}
	return (p);
}

static bool
file_is(int dfd, const char *path, const char *want)
{
	struct error e = ERROR_INIT;
	char *buf;
	size_t len;
	bool ok;

	if (file_read_all(dfd, path, 1 << 20, &buf, &len, &e) == -1)
		return (false);
	ok = len == strlen(want) && memcmp(buf, want, len) == 0;
	free(buf);
	return (ok);
}

static bool
exists_at(int dfd, const char *path)
{
	struct stat st;

	return (fstatat(dfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0);
}

/* Entries of dfd/path (those starting with prefix, if not NULL). */
static int
count_entries(int dfd, const char *path, const char *prefix)
{
	struct dirent *de;
	DIR *d;
	int fd, n = 0;

	if ((fd = openat(dfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return (-1);
	if ((d = fdopendir(fd)) == NULL) {
		(void)close(fd);
		return (-1);
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (prefix == NULL || strncmp(de->d_name, prefix,
		    strlen(prefix)) == 0)
			n++;
	}
	(void)closedir(d);
	return (n);
}

static int64_t
size_at(int dfd, const char *path)
{
	struct stat st;

	if (fstatat(dfd, path, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return (-1);
	return ((int64_t)st.st_size);
}

static void
open_creates_layout(void)
{
	struct error e = ERROR_INIT;
	struct store s, s2;
	struct stat st;
	const char *root = root_path("layout/deep/store");
	char *buf;
	size_t len;
	json_t *j;

	CHECK(store_open(&s, root, true, &e) == 0);
	CHECK(stat(root, &st) == 0 && (st.st_mode & 0777) == 0700);
	CHECK(s.rootfd >= 0 && s.ocifd >= 0 && s.blobsfd >= 0 &&
	    s.ingestfd >= 0 && s.locksfd >= 0);
	CHECK((fcntl(s.ocifd, F_GETFD) & FD_CLOEXEC) != 0);
	CHECK_STREQ(s.root, root);
	CHECK(file_is(s.ocifd, "oci-layout",
	    "{\"imageLayoutVersion\":\"1.0.0\"}"));
	CHECK(file_read_all(s.ocifd, "index.json", 4096, &buf, &len,
	    &e) == 0);
	j = json_loadb(buf, len, 0, NULL);
	free(buf);
	CHECK(j != NULL && json_integer_value(json_object_get(j,
	    "schemaVersion")) == 2);
	CHECK(j != NULL && json_is_array(json_object_get(j, "manifests")) &&
	    json_array_size(json_object_get(j, "manifests")) == 0);
	CHECK_STREQ(json_string_value(json_object_get(j, "mediaType")),
	    "application/vnd.oci.image.index.v1+json");
	json_decref(j);
	CHECK(fstatat(s.blobsfd, "sha256", &st, 0) == 0 &&
	    S_ISDIR(st.st_mode));
	CHECK(fstatat(s.rootfd, "ingest", &st, 0) == 0 && S_ISDIR(st.st_mode));
	CHECK(fstatat(s.rootfd, "locks", &st, 0) == 0 && S_ISDIR(st.st_mode));
	CHECK(!exists_at(s.blobsfd, "sha512"));

	/* Reopening changes nothing, with or without create. */
	CHECK(store_open(&s2, root, true, &e) == 0);
	store_close(&s2);
	CHECK(store_open(&s2, root, false, &e) == 0);
	store_close(&s2);
	CHECK(file_is(s.ocifd, "oci-layout",
	    "{\"imageLayoutVersion\":\"1.0.0\"}"));
	store_close(&s);
	CHECK(s.root == NULL && s.rootfd == -1 && s.locksfd == -1);
	store_close(&s);		/* twice is harmless */

	/* Missing store, without create. */
	error_clear(&e);
	CHECK(store_open(&s, root_path("nothere"), false, &e) == -1);
	CHECK(e.exit == EX_NOINPUT && strstr(e.msg, "nothere") != NULL);
	CHECK(s.root == NULL && s.rootfd == -1);
	CHECK(!exists_at(AT_FDCWD, root_path("nothere")));
	CHECK(store_open(&s, "", true, &e) == -1);
}

static void	fill_entry(struct store_entry *, const char *, const char *);

/* Many processes creating one store at once all succeed. */
static void
open_race(void)
{
	struct error e = ERROR_INIT;
	struct store s;
	struct store_entry ent, *list = NULL;
	const char *root = root_path("race");
	pid_t pids[8];
	size_t n = 0;
	int i, st, ok = 0, gate[2];
	char c, ref[32];

	CHECK(pipe(gate) == 0);
	(void)fflush(stdout);
	for (i = 0; i < 8; i++) {
		if ((pids[i] = fork()) == 0) {
			struct error ce = ERROR_INIT;
			struct store cs;

			(void)close(gate[1]);
			(void)read(gate[0], &c, 1);
			if (store_open(&cs, root, true, &ce) == -1) {
				(void)printf("# child: %s\n", ce.msg);
				_exit(1);
			}
			/* Nobody's creation may clobber another's entry. */
			(void)snprintf(ref, sizeof(ref), "race:%d", i);
			fill_entry(&ent, ref, ref);
			if (store_index_set(&cs, &ent, &ce) == -1)
				_exit(2);
			store_close(&cs);
			_exit(0);
		}
	}
	(void)close(gate[0]);
	(void)close(gate[1]);		/* go */
	for (i = 0; i < 8; i++)
		if (pids[i] > 0 && waitpid(pids[i], &st, 0) == pids[i] &&
		    WIFEXITED(st) && WEXITSTATUS(st) == 0)
			ok++;
	CHECK(ok == 8);
	CHECK(store_open(&s, root, false, &e) == 0);
	CHECK(store_index_list(&s, &list, &n, &e) == 0 && n == 8);
	free(list);
	store_close(&s);
}

static void
bad_layout_refused(void)
{
	struct error e = ERROR_INIT;
	struct store s;
	char root[2048];

	(void)snprintf(root, sizeof(root), "%s", root_path("badlayout"));

	CHECK(store_open(&s, root, true, &e) == 0);
	CHECK(file_write_atomic(s.ocifd, "oci-layout",
	    "{\"imageLayoutVersion\":\"2.0.0\"}", 30, 0644, &e) == 0);
	store_close(&s);
	error_clear(&e);
	CHECK(store_open(&s, root, true, &e) == -1);
	CHECK(e.exit == EX_DATAERR && strstr(e.msg, "2.0.0") != NULL);
	CHECK(store_open(&s, root, false, &e) == -1 && e.exit == EX_DATAERR);

	CHECK(file_write_atomic(AT_FDCWD, root_path("badlayout/oci/oci-layout"),
	    "not json", 8, 0644, &e) == 0);
	error_clear(&e);
	CHECK(store_open(&s, root, true, &e) == -1 && e.exit == EX_DATAERR);
	CHECK(file_write_atomic(AT_FDCWD, root_path("badlayout/oci/oci-layout"),
	    "[1]", 3, 0644, &e) == 0);
	error_clear(&e);
	CHECK(store_open(&s, root, true, &e) == -1 && e.exit == EX_DATAERR);
	/* Extra fields are allowed. */
	CHECK(file_write_atomic(AT_FDCWD, root_path("badlayout/oci/oci-layout"),
	    "{\"imageLayoutVersion\":\"1.0.0\",\"x\":1}", 36, 0644, &e) == 0);
	CHECK(store_open(&s, root, false, &e) == 0);
	store_close(&s);
	/* Missing, without create: not a store. */
	CHECK(unlink(root_path("badlayout/oci/oci-layout")) == 0);
	error_clear(&e);
	CHECK(store_open(&s, root, false, &e) == -1 && e.exit == EX_NOINPUT);
	CHECK(strstr(e.msg, "oci-layout") != NULL);
	/* With create, it is written again. */
	CHECK(store_open(&s, root, true, &e) == 0);
	store_close(&s);
}

/*
 * A root that another OCI tool made (skopeo copy ... oci:ROOT/oci:REF):
 * the image layout alone.  Opened without create, it gets ingest/ and
 * locks/; a root without the layout gets nothing.
 */
static void
open_foreign_layout(void)
{
	struct error e = ERROR_INIT;
	struct store s;
	struct stat st;
	char root[1024], p[1100];

	(void)snprintf(root, sizeof(root), "%.1000s", root_path("skopeo"));
	(void)snprintf(p, sizeof(p), "%s/oci/blobs/sha256", root);
	CHECK(mkdir_p(AT_FDCWD, p, 0755, &e) == 0);
	(void)snprintf(p, sizeof(p), "%s/oci/oci-layout", root);
	CHECK(file_write_atomic(AT_FDCWD, p,
	    "{\"imageLayoutVersion\":\"1.0.0\"}", 30, 0644, &e) == 0);
	(void)snprintf(p, sizeof(p), "%s/oci/index.json", root);
	CHECK(file_write_atomic(AT_FDCWD, p, "{\"schemaVersion\":2,"
	    "\"manifests\":[]}", 33, 0644, &e) == 0);
	CHECK(store_open(&s, root, false, &e) == 0);
	if (e.msg[0] != '\0')
		(void)printf("# %s\n", e.msg);
	CHECK(s.ingestfd >= 0 && s.locksfd >= 0);
	CHECK(fstatat(s.rootfd, "ingest", &st, 0) == 0 && S_ISDIR(st.st_mode));
	CHECK(fstatat(s.rootfd, "locks", &st, 0) == 0 && S_ISDIR(st.st_mode));
	store_close(&s);
	/* No image layout: not a store, and nothing is made. */
	(void)snprintf(p, sizeof(p), "%.1000s", root_path("notastore"));
	CHECK(mkdir(p, 0700) == 0);
	error_clear(&e);
	CHECK(store_open(&s, p, false, &e) == -1 && e.exit == EX_NOINPUT);
	CHECK(strstr(e.msg, "'oci' is missing") != NULL);
	CHECK(count_entries(AT_FDCWD, p, NULL) == 0);
}

static void
blobs(void)
{
	struct error e = ERROR_INIT;
	struct store s;
	char out[DIGEST_MAX], path[4096], *buf;
	char d512[DIGEST_MAX], rel[300];
	size_t len;
	int fd;

	CHECK(store_open(&s, root_path("blobs"), true, &e) == 0);
	CHECK(!store_blob_exists(&s, HELLO_SHA256, -1));
	CHECK(store_blob_put(&s, "hello", 5, NULL, out, &e) == 0);
	CHECK_STREQ(out, HELLO_SHA256);
	CHECK(store_blob_exists(&s, HELLO_SHA256, -1));
	CHECK(store_blob_exists(&s, HELLO_SHA256, 5));
	CHECK(!store_blob_exists(&s, HELLO_SHA256, 6));
	CHECK(!store_blob_exists(&s, "sha256:zz", -1));
	CHECK(!store_blob_exists(&s, "../../etc/passwd", -1));
	/* Again, with the digest given: fine, nothing changes. */
	CHECK(store_blob_put(&s, "hello", 5, HELLO_SHA256, NULL, &e) == 0);
	CHECK(store_blob_read(&s, HELLO_SHA256, 100, &buf, &len, &e) == 0);
	CHECK(len == 5 && buf != NULL && strcmp(buf, "hello") == 0);
	free(buf);
	error_clear(&e);
	CHECK(store_blob_read(&s, HELLO_SHA256, 4, &buf, &len, &e) == -1);
	CHECK(e.exit == EX_DATAERR && buf == NULL);
	CHECK((fd = store_blob_open(&s, HELLO_SHA256, &e)) >= 0);
	CHECK((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
	CHECK(digest_fd(DIGEST_SHA256, fd, out, &e) == 0);
	CHECK_STREQ(out, HELLO_SHA256);
	(void)close(fd);
	CHECK(store_blob_path(&s, HELLO_SHA256, path, sizeof(path), &e) == 0);
	CHECK(strcmp(path, root_path("blobs/oci/blobs/sha256/"
	    "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"))
	    == 0);
	CHECK(store_blob_path(&s, HELLO_SHA256, path, 20, &e) == -1);
	CHECK(store_blob_path(&s, "md5:abc", path, sizeof(path), &e) == -1);
	CHECK(e.exit == EX_DATAERR);

	/* Wrong content for the digest. */
	error_clear(&e);
	CHECK(store_blob_put(&s, "hellO", 5, HELLO_SHA256, NULL, &e) == -1);
	CHECK(e.exit == EX_DATAERR);
	CHECK(strstr(e.msg, "digest mismatch for blob '" HELLO_SHA256
	    "': got sha256:") != NULL);
	/* Absent. */
	digest_buf(DIGEST_SHA256, "absent", 6, out);
	error_clear(&e);
	CHECK(store_blob_open(&s, out, &e) == -1 && e.exit == EX_NOINPUT);
	CHECK(store_blob_read(&s, out, 100, &buf, &len, &e) == -1);
	CHECK(e.exit == EX_NOINPUT);

	/* Corrupted on disk: the read checks the digest again. */
	CHECK(file_write_atomic(s.blobsfd, "sha256/2cf24dba5fb0a30e26e83b2ac5b9"
	    "e29e1b161e5c1fa7425e73043362938b9824", "jello", 5, 0644,
	    &e) == 0);
	error_clear(&e);
	CHECK(store_blob_read(&s, HELLO_SHA256, 100, &buf, &len, &e) == -1);
	CHECK(e.exit == EX_DATAERR && strstr(e.msg, "corrupt") != NULL);

	/* sha512 blobs get their directory on demand. */
	digest_buf(DIGEST_SHA512, "x", 1, d512);
	CHECK(store_blob_put(&s, "x", 1, d512, NULL, &e) == 0);
	(void)snprintf(rel, sizeof(rel), "sha512/%s", digest_hex(d512));
	CHECK(file_is(s.blobsfd, rel, "x"));
	CHECK(store_blob_exists(&s, d512, 1));
	/* No temporary files left: hello (twice put) and "absent" never. */
	CHECK(count_entries(s.blobsfd, "sha256", NULL) == 1);
	CHECK(count_entries(s.blobsfd, "sha512", NULL) == 1);
	store_close(&s);
}

/* Write len bytes in chunks of chunk. */
static int
feed(struct ingest *ig, const unsigned char *p, size_t len, size_t chunk,
    struct error *ep)
{
	size_t n;

	while (len > 0) {
		n = len < chunk ? len : chunk;
		if (ingest_write(ig, p, n, ep) == -1)
			return (-1);
		p += n;
		len -= n;
	}
	return (0);
}

static void
ingest_commit_ok(void)
{
	struct error e = ERROR_INIT;
	struct store s;
	struct ingest *ig = NULL;
	unsigned char *data;
	char dg[DIGEST_MAX], got[DIGEST_MAX], partial[200], lock[200];
	size_t len = 3 * 1024 * 1024 + 777;
	int fd;

	CHECK(store_open(&s, root_path("ingest"), true, &e) == 0);
	data = make_data(len, 1);
	digest_buf(DIGEST_SHA256, data, len, dg);
	(void)snprintf(partial, sizeof(partial), "%s.partial", digest_hex(dg));
	(void)snprintf(lock, sizeof(lock), "%s.lock", digest_hex(dg));
	CHECK(store_ingest_begin(&s, dg, (int64_t)len, &ig, &e) == 0);
	CHECK(ig != NULL && ingest_offset(ig) == 0);
	CHECK(exists_at(s.ingestfd, partial) && exists_at(s.ingestfd, lock));
	/* Small chunks, then one bigger than the buffer, then the rest. */
	CHECK(feed(ig, data, 100000, 16384, &e) == 0);
	CHECK(ingest_write(ig, data + 100000, 2 * 1024 * 1024, &e) == 0);
	CHECK(ingest_write(ig, NULL, 0, &e) == 0);
	CHECK(feed(ig, data + 100000 + 2 * 1024 * 1024,
	    len - 100000 - 2 * 1024 * 1024, 65536, &e) == 0);
	CHECK(ingest_offset(ig) == (int64_t)len);
	CHECK(ingest_commit(ig, &e) == 0);
	CHECK(store_blob_exists(&s, dg, (int64_t)len));
	CHECK((fd = store_blob_open(&s, dg, &e)) >= 0);
	CHECK(digest_fd(DIGEST_SHA256, fd, got, &e) == 0);
	CHECK_STREQ(got, dg);
	(void)close(fd);
	CHECK(!exists_at(s.ingestfd, partial));
	CHECK(!exists_at(s.ingestfd, lock));

	/* Present now: begin says so at once. */
	ig = (struct ingest *)&s;
	CHECK(store_ingest_begin(&s, dg, (int64_t)len, &ig, &e) == 1);
	CHECK(ig == NULL);
	CHECK(store_ingest_begin(&s, dg, -1, &ig, &e) == 1);
	/* Present, but the caller expects another size. */
	error_clear(&e);
	CHECK(store_ingest_begin(&s, dg, 5, &ig, &e) == -1);
	CHECK(e.exit == EX_DATAERR && strstr(e.msg, "size mismatch") != NULL);
	CHECK(ig == NULL);
	/* A bad digest. */
	CHECK(store_ingest_begin(&s, "sha256:1234", 5, &ig, &e) == -1);
	CHECK(e.exit == EX_DATAERR && ig == NULL);

	/* Unknown size, sha512, empty content. */
	digest_buf(DIGEST_SHA512, "", 0, dg);
	CHECK(store_ingest_begin(&s, dg, -1, &ig, &e) == 0);
	CHECK(ig != NULL && ingest_commit(ig, &e) == 0);
	CHECK(store_blob_exists(&s, dg, 0));
	free(data);
	store_close(&s);
}

/* Issue #8: the largest blob, free space, and what a failure leaves. */
static void
ingest_limits(void)
{
	struct error e = ERROR_INIT;
	struct store s;
	struct ingest *ig = NULL;
	unsigned char *data;
	char dg[DIGEST_MAX], partial[200];
	size_t len = 3 * 1024 * 1024;

	CHECK(store_open(&s, root_path("limits"), true, &e) == 0);
	CHECK(s.blob_max == 0 && s.free_min == 0);
	data = make_data(len, 7);
	digest_buf(DIGEST_SHA256, data, len, dg);
	(void)snprintf(partial, sizeof(partial), "%s.partial", digest_hex(dg));

	/* A descriptor over the limit: refused before anything exists. */
	s.blob_max = (int64_t)len - 1;
	CHECK(store_ingest_begin(&s, dg, (int64_t)len, &ig, &e) == -1);
	CHECK(e.exit == EX_DATAERR && ig == NULL);
	CHECK(strstr(e.msg, dg) != NULL && strstr(e.msg, "3145728 bytes") !=
	    NULL && strstr(e.msg, "max_blob_size limit of 3145727") != NULL);
	CHECK(count_entries(s.ingestfd, ".", NULL) == 0);
	/* Of unknown size: the body may not grow past it. */
	CHECK(store_ingest_begin(&s, dg, -1, &ig, &e) == 0);
	CHECK(feed(ig, data, len - 1, 65536, &e) == 0);
	error_clear(&e);
	CHECK(ingest_write(ig, data + len - 1, 1, &e) == -1);
	CHECK(e.exit == EX_DATAERR && strstr(e.msg, "max_blob_size") != NULL);
	ingest_abort(ig, false);	/* discarded all the same */
	CHECK(!exists_at(s.ingestfd, partial));
	s.blob_max = 0;

	/* More than the filesystem has: refused, no partial made. */
	s.free_min = INT64_MAX / 2;
	error_clear(&e);
	CHECK(store_ingest_begin(&s, dg, (int64_t)len, &ig, &e) == -1);
	CHECK(e.exit == EX_CANTCREAT && ig == NULL);
	CHECK(strstr(e.msg, "not enough space in '") != NULL &&
	    strstr(e.msg, "3145728 needed") != NULL);
	CHECK(!exists_at(s.ingestfd, partial));
	CHECK(store_space_check(&s, 1, &e) == -1 && e.exit == EX_CANTCREAT);
	s.free_min = 0;
	CHECK(store_space_check(&s, 1, &e) == 0);

	/* Space running out while writing: stopped, partial discarded. */
	CHECK(store_ingest_begin(&s, dg, (int64_t)len, &ig, &e) == 0);
	CHECK(feed(ig, data, 2 * 1024 * 1024, 65536, &e) == 0);
	CHECK(store_ingest_partial(&s, dg) >= 1024 * 1024);
	s.free_min = INT64_MAX / 2;
	error_clear(&e);
	CHECK(feed(ig, data + 2 * 1024 * 1024, len - 2 * 1024 * 1024, 65536,
	    &e) == -1);
	CHECK(e.exit == EX_CANTCREAT && strstr(e.msg, "stopped") != NULL);
	ingest_abort(ig, false);
	CHECK(!exists_at(s.ingestfd, partial));
	CHECK(store_ingest_partial(&s, dg) == 0);
	s.free_min = 0;

	/* An empty partial is not worth keeping; a non-empty one is. */
	CHECK(store_ingest_begin(&s, dg, (int64_t)len, &ig, &e) == 0);
	ingest_abort(ig, false);
	CHECK(!exists_at(s.ingestfd, partial));
	CHECK(store_ingest_begin(&s, dg, (int64_t)len, &ig, &e) == 0);
	CHECK(ingest_write(ig, data, 10, &e) == 0);
	ingest_abort(ig, false);
	CHECK(exists_at(s.ingestfd, partial));
	CHECK(store_ingest_partial(&s, dg) == 10);
	/* A partial an earlier run left is kept when space is short. */
	s.free_min = INT64_MAX / 2;
	CHECK(store_ingest_begin(&s, dg, (int64_t)len, &ig, &e) == -1);
	CHECK(e.exit == EX_CANTCREAT && exists_at(s.ingestfd, partial));
	s.free_min = 0;
	CHECK(store_ingest_begin(&s, dg, (int64_t)len, &ig, &e) == 0);
	CHECK(ingest_offset(ig) == 10);
	CHECK(feed(ig, data + 10, len - 10, 100000, &e) == 0);
	CHECK(ingest_commit(ig, &e) == 0);
	CHECK(store_blob_exists(&s, dg, (int64_t)len));
	free(data);
	store_close(&s);
}

static void
ingest_mismatch(void)
{
	struct error e = ERROR_INIT;
	struct store s;
	struct ingest *ig = NULL;
	char dg[DIGEST_MAX], partial[200];

	CHECK(store_open(&s, root_path("mismatch"), true, &e) == 0);
	digest_buf(DIGEST_SHA256, "right", 5, dg);
	(void)snprintf(partial, sizeof(partial), "%s.partial", digest_hex(dg));

	/* Wrong bytes of the right size. */
	CHECK(store_ingest_begin(&s, dg, 5, &ig, &e) == 0);
	CHECK(ingest_write(ig, "wrong", 5, &e) == 0);
	error_clear(&e);
	CHECK(ingest_commit(ig, &e) == -1);
	CHECK(e.exit == EX_DATAERR);
	CHECK(strncmp(e.msg, "digest mismatch for blob '", 26) == 0);
	CHECK(strstr(e.msg, dg) != NULL && strstr(e.msg, "': got sha256:") !=
	    NULL);
	CHECK(!exists_at(s.ingestfd, partial));
	CHECK(!store_blob_exists(&s, dg, -1));

	/* More bytes than announced. */
	CHECK(store_ingest_begin(&s, dg, 4, &ig, &e) == 0);
	error_clear(&e);
	CHECK(ingest_write(ig, "right", 5, &e) == -1);
	CHECK(e.exit == EX_DATAERR && strstr(e.msg, "expected 4") != NULL);
	CHECK(ingest_offset(ig) == 0);
	CHECK(ingest_write(ig, "righ", 4, &e) == 0);
	CHECK(ingest_write(ig, "t", 1, &e) == -1);
	ingest_abort(ig, true);
	CHECK(!exists_at(s.ingestfd, partial));

	/* Fewer bytes than announced, committed anyway. */
	CHECK(store_ingest_begin(&s, dg, 5, &ig, &e) == 0);
	CHECK(ingest_write(ig, "righ", 4, &e) == 0);
	error_clear(&e);
	CHECK(ingest_commit(ig, &e) == -1);
	CHECK(e.exit == EX_DATAERR && strstr(e.msg, "size mismatch") != NULL);
	CHECK(!exists_at(s.ingestfd, partial));
	CHECK(!store_blob_exists(&s, dg, -1));

	/* A reset (the server ignored Range) starts over cleanly. */
	CHECK(store_ingest_begin(&s, dg, 5, &ig, &e) == 0);
	CHECK(ingest_write(ig, "xx", 2, &e) == 0);
	CHECK(ingest_reset(ig, &e) == 0 && ingest_offset(ig) == 0);
	CHECK(ingest_write(ig, "right", 5, &e) == 0);
	CHECK(ingest_commit(ig, &e) == 0);
	CHECK(store_blob_exists(&s, dg, 5));
	store_close(&s);
}

static void
ingest_resume(void)
{
	struct error e = ERROR_INIT;
	struct store s;
	struct ingest *ig = NULL;
	unsigned char *data;
	char dg[DIGEST_MAX], got[DIGEST_MAX], partial[200];
	size_t len = 2 * 1024 * 1024 + 512 * 1024 + 3, cut = 1536 * 1024 + 5;
	int fd;

	CHECK(store_open(&s, root_path("resume"), true, &e) == 0);
	data = make_data(len, 2);
	digest_buf(DIGEST_SHA256, data, len, dg);
	(void)snprintf(partial, sizeof(partial), "%s.partial", digest_hex(dg));

	CHECK(store_ingest_begin(&s, dg, (int64_t)len, &ig, &e) == 0);
	CHECK(feed(ig, data, cut, 100000, &e) == 0);
	ingest_abort(ig, false);
	/* The buffered tail was written out before giving up. */
	CHECK(size_at(s.ingestfd, partial) == (int64_t)cut);
	CHECK(store_ingest_begin(&s, dg, (int64_t)len, &ig, &e) == 0);
	CHECK(ig != NULL && ingest_offset(ig) == (int64_t)cut);
	CHECK(feed(ig, data + cut, len - cut, 70000, &e) == 0);
	CHECK(ingest_commit(ig, &e) == 0);
	CHECK((fd = store_blob_open(&s, dg, &e)) >= 0);
	CHECK(digest_fd(DIGEST_SHA256, fd, got, &e) == 0);
	CHECK_STREQ(got, dg);
	(void)close(fd);
	CHECK(!exists_at(s.ingestfd, partial));

	/* Abort with discard leaves nothing. */
	digest_buf(DIGEST_SHA256, data, 1000, dg);
	(void)snprintf(partial, sizeof(partial), "%s.partial", digest_hex(dg));
	CHECK(store_ingest_begin(&s, dg, 1000, &ig, &e) == 0);
	CHECK(ingest_write(ig, data, 10, &e) == 0);
	ingest_abort(ig, true);
	CHECK(!exists_at(s.ingestfd, partial));
	ingest_abort(NULL, false);

	/* A complete partial: offset == size, commit without writing. */
	CHECK(file_write_atomic(s.ingestfd, partial, data, 1000, 0644,
	    &e) == 0);
	CHECK(store_ingest_begin(&s, dg, 1000, &ig, &e) == 0);
	CHECK(ig != NULL && ingest_offset(ig) == 1000);
	CHECK(ingest_commit(ig, &e) == 0);
	CHECK(store_blob_exists(&s, dg, 1000));

	/* A partial longer than the blob is discarded. */
	digest_buf(DIGEST_SHA256, data, 10, dg);
	(void)snprintf(partial, sizeof(partial), "%s.partial", digest_hex(dg));
	CHECK(file_write_atomic(s.ingestfd, partial, data, 100, 0644,
	    &e) == 0);
	CHECK(store_ingest_begin(&s, dg, 10, &ig, &e) == 0);
	CHECK(ig != NULL && ingest_offset(ig) == 0);
	CHECK(size_at(s.ingestfd, partial) == 0);
	CHECK(ingest_write(ig, data, 10, &e) == 0);
	CHECK(ingest_commit(ig, &e) == 0);
	CHECK(store_blob_exists(&s, dg, 10));

	/* A corrupt partial is resumed, caught at commit, and deleted. */
	digest_buf(DIGEST_SHA256, data, 20, dg);
	(void)snprintf(partial, sizeof(partial), "%s.partial", digest_hex(dg));
	CHECK(file_write_atomic(s.ingestfd, partial, "garbage", 7, 0644,
	    &e) == 0);
	CHECK(store_ingest_begin(&s, dg, 20, &ig, &e) == 0);
	CHECK(ig != NULL && ingest_offset(ig) == 7);
	CHECK(ingest_write(ig, data + 7, 13, &e) == 0);
	error_clear(&e);
	CHECK(ingest_commit(ig, &e) == -1 && e.exit == EX_DATAERR);
	CHECK(!exists_at(s.ingestfd, partial));
	CHECK(store_ingest_begin(&s, dg, 20, &ig, &e) == 0);
	CHECK(ig != NULL && ingest_offset(ig) == 0);
	ingest_abort(ig, true);
	free(data);
	store_close(&s);
}

/*
 * A download killed with SIGKILL leaves the partial (what was flushed)
 * and a lock file no one holds; the next run resumes from it.
 */
static void
ingest_killed(void)
{
	struct error e = ERROR_INIT;
	struct store s;
	struct ingest *ig = NULL;
	unsigned char *data;
	char dg[DIGEST_MAX], partial[200];
	size_t len = 3 * 1024 * 1024;
	pid_t pid;
	int st = 0;
	int64_t left;

	CHECK(store_open(&s, root_path("killed"), true, &e) == 0);
	data = make_data(len, 3);
	digest_buf(DIGEST_SHA256, data, len, dg);
	(void)snprintf(partial, sizeof(partial), "%s.partial", digest_hex(dg));
	(void)fflush(stdout);
	if ((pid = fork()) == 0) {
		struct error ce = ERROR_INIT;
		struct ingest *cig;

		if (store_ingest_begin(&s, dg, (int64_t)len, &cig, &ce) != 0 ||
		    feed(cig, data, 2 * 1024 * 1024 + 300000, 16384, &ce) == -1)
			_exit(1);
		(void)kill(getpid(), SIGKILL);
		_exit(2);
	}
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	left = size_at(s.ingestfd, partial);
	CHECK(left > 0 && left <= 2 * 1024 * 1024 + 300000);
	CHECK(store_ingest_begin(&s, dg, (int64_t)len, &ig, &e) == 0);
	CHECK(ig != NULL && ingest_offset(ig) == left);
	if (ig != NULL && left > 0) {
		CHECK(feed(ig, data + left, len - (size_t)left, 50000,
		    &e) == 0);
		CHECK(ingest_commit(ig, &e) == 0);
	} else if (ig != NULL)
		ingest_abort(ig, true);
	CHECK(store_blob_exists(&s, dg, (int64_t)len));
	free(data);
	store_close(&s);
}

/* Four processes race for one blob: one downloads, three find it there. */
static void
ingest_concurrent(void)
{
	struct error e = ERROR_INIT;
	struct store s;
	unsigned char *data;
	char dg[DIGEST_MAX];
	size_t len = 1024 * 1024 + 99;
	pid_t pids[4];
	int i, st, wrote = 0, found = 0, gate[2];
	char c;

	CHECK(store_open(&s, root_path("concurrent"), true, &e) == 0);
	data = make_data(len, 4);
	digest_buf(DIGEST_SHA256, data, len, dg);
	CHECK(pipe(gate) == 0);
	(void)fflush(stdout);
	for (i = 0; i < 4; i++) {
		if ((pids[i] = fork()) == 0) {
			struct error ce = ERROR_INIT;
			struct store cs;
			struct ingest *cig;
			int r;

			(void)close(gate[1]);
			(void)read(gate[0], &c, 1);
			if (store_open(&cs, root_path("concurrent"), true,
			    &ce) == -1)
				_exit(1);
			r = store_ingest_begin(&cs, dg, (int64_t)len, &cig,
			    &ce);
			if (r == 1)
				_exit(11);
			if (r != 0)
				_exit(2);
			/* Slowly, so that the others must wait. */
			(void)usleep(200000);
			if (feed(cig, data, len, 100000, &ce) == -1 ||
			    ingest_commit(cig, &ce) == -1)
				_exit(3);
			_exit(10);
		}
	}
	(void)close(gate[0]);
	(void)close(gate[1]);
	for (i = 0; i < 4; i++) {
		if (pids[i] <= 0 || waitpid(pids[i], &st, 0) != pids[i] ||
		    !WIFEXITED(st))
			continue;
		if (WEXITSTATUS(st) == 10)
			wrote++;
		else if (WEXITSTATUS(st) == 11)
			found++;
	}
	CHECK(wrote == 1);
	CHECK(found == 3);
	CHECK(store_blob_exists(&s, dg, (int64_t)len));
	free(data);
	store_close(&s);
}

static void
fill_entry(struct store_entry *ent, const char *ref, const char *content)
{
	(void)memset(ent, 0, sizeof(*ent));
	(void)snprintf(ent->ref, sizeof(ent->ref), "%s", ref);
	(void)snprintf(ent->media_type, sizeof(ent->media_type), "%s",
	    MANIFEST_MT);
	digest_buf(DIGEST_SHA256, content, strlen(content), ent->digest);
	ent->size = (int64_t)strlen(content);
}

static json_t *
load_index(struct store *s)
{
	struct error e = ERROR_INIT;
	json_t *j;
	char *buf;
	size_t len;

	if (file_read_all(s->ocifd, "index.json", 1 << 20, &buf, &len,
	    &e) == -1)
		return (NULL);
	j = json_loadb(buf, len, 0, NULL);
	free(buf);
	return (j);
}

static void
index_ops(void)
{
	struct error e = ERROR_INIT;
	struct store s;
	struct store_entry ent, got, *list = NULL;
	size_t n = 0, i;
	json_t *j, *m, *d;
	int seen = 0;

	CHECK(store_open(&s, root_path("index"), true, &e) == 0);
	CHECK(store_index_list(&s, &list, &n, &e) == 0 && n == 0);
	free(list);
	error_clear(&e);
	CHECK(store_index_get(&s, "docker.io/library/x:1", &got, &e) == -1);
	CHECK(e.exit == EX_NOINPUT && strstr(e.msg, "x:1") != NULL);

	fill_entry(&ent, "docker.io/library/x:1", "m1");
	CHECK(store_index_set(&s, &ent, &e) == 0);
	CHECK(store_index_get(&s, "docker.io/library/x:1", &got, &e) == 0);
	CHECK_STREQ(got.ref, ent.ref);
	CHECK_STREQ(got.digest, ent.digest);
	CHECK_STREQ(got.media_type, MANIFEST_MT);
	CHECK(got.size == 2);
	/* The descriptor as written. */
	j = load_index(&s);
	m = json_object_get(j, "manifests");
	CHECK(json_array_size(m) == 1);
	d = json_array_get(m, 0);
	CHECK_STREQ(json_string_value(json_object_get(d, "digest")),
	    ent.digest);
	CHECK(json_integer_value(json_object_get(d, "size")) == 2);
	CHECK_STREQ(json_string_value(json_object_get(json_object_get(d,
	    "annotations"), "org.opencontainers.image.ref.name")),
	    "docker.io/library/x:1");
	CHECK(json_object_size(d) == 4);
	json_decref(j);

	/* Replace. */
	fill_entry(&ent, "docker.io/library/x:1", "m1-new");
	CHECK(store_index_set(&s, &ent, &e) == 0);
	fill_entry(&ent, "docker.io/library/y@sha256:"
	    "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
	    "m2");
	CHECK(store_index_set(&s, &ent, &e) == 0);
	CHECK(store_index_get(&s, "docker.io/library/x:1", &got, &e) == 0);
	CHECK(got.size == 6);
	CHECK(store_index_list(&s, &list, &n, &e) == 0 && n == 2);
	for (i = 0; i < n; i++)
		if (strcmp(list[i].ref, "docker.io/library/x:1") == 0 ||
		    strcmp(list[i].ref, ent.ref) == 0)
			seen++;
	CHECK(seen == 2);
	free(list);

	/* Remove; removing again is fine. */
	CHECK(store_index_remove(&s, "docker.io/library/x:1", &e) == 0);
	CHECK(store_index_get(&s, "docker.io/library/x:1", &got, &e) == -1);
	CHECK(e.exit == EX_NOINPUT);
	CHECK(store_index_remove(&s, "docker.io/library/x:1", &e) == 0);
	CHECK(store_index_get(&s, ent.ref, &got, &e) == 0);
	CHECK(store_index_list(&s, &list, &n, &e) == 0 && n == 1);
	free(list);

	/* Bad entries are refused. */
	fill_entry(&ent, "", "m");
	CHECK(store_index_set(&s, &ent, &e) == -1 && e.exit == EX_DATAERR);
	fill_entry(&ent, "has space", "m");
	CHECK(store_index_set(&s, &ent, &e) == -1 && e.exit == EX_DATAERR);
	fill_entry(&ent, "a:b", "m");
	(void)snprintf(ent.digest, sizeof(ent.digest), "sha256:abc");
	CHECK(store_index_set(&s, &ent, &e) == -1 && e.exit == EX_DATAERR);
	fill_entry(&ent, "a:b", "m");
	ent.size = -1;
	CHECK(store_index_set(&s, &ent, &e) == -1 && e.exit == EX_DATAERR);
	fill_entry(&ent, "a:b\xff", "m");
	CHECK(store_index_set(&s, &ent, &e) == -1 && e.exit == EX_DATAERR);
	CHECK(store_index_list(&s, &list, &n, &e) == 0 && n == 1);
	free(list);
	store_close(&s);
}

/* An entry naming an OCI rewrite keeps the registry's digest. */
static void
index_source_digest(void)
{
	static const char src[] = "sha256:"
	    "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
	struct error e = ERROR_INIT;
	struct store s;
	struct store_entry ent, got;
	json_t *j, *d;

	CHECK(store_open(&s, root_path("srcdigest"), true, &e) == 0);
	fill_entry(&ent, "docker.io/library/d:1", "rewrite");
	(void)snprintf(ent.source_digest, sizeof(ent.source_digest), "%s",
	    src);
	CHECK(store_index_set(&s, &ent, &e) == 0);
	CHECK(store_index_get(&s, ent.ref, &got, &e) == 0);
	CHECK_STREQ(got.source_digest, src);
	CHECK_STREQ(got.digest, ent.digest);
	j = load_index(&s);
	d = json_array_get(json_object_get(j, "manifests"), 0);
	CHECK_STREQ(json_string_value(json_object_get(json_object_get(d,
	    "annotations"), STORE_SOURCE_DIGEST)), src);
	json_decref(j);
	/* Without one, the entry has none, and a bad one is refused. */
	fill_entry(&ent, "docker.io/library/d:1", "plain");
	CHECK(store_index_set(&s, &ent, &e) == 0);
	CHECK(store_index_get(&s, ent.ref, &got, &e) == 0);
	CHECK_STREQ(got.source_digest, "");
	(void)snprintf(ent.source_digest, sizeof(ent.source_digest),
	    "sha256:xyz");
	CHECK(store_index_set(&s, &ent, &e) == -1 && e.exit == EX_DATAERR);
	store_close(&s);
}

/* What other OCI tools wrote stays as it was. */
static void
index_foreign(void)
{
	struct error e = ERROR_INIT;
	struct store s;
	struct store_entry ent, got, *list = NULL;
	size_t n = 0;
	json_t *j, *m, *d;
	char other[DIGEST_MAX], idx[2048];
	const char *mine = "docker.io/library/busybox:latest";

	CHECK(store_open(&s, root_path("foreign"), true, &e) == 0);
	digest_buf(DIGEST_SHA256, "other", 5, other);
	(void)snprintf(idx, sizeof(idx), "{\"schemaVersion\":2,"
	    "\"annotations\":{\"tool\":\"skopeo\"},\"x-extra\":[1,2],"
	    "\"manifests\":["
	    "{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":5,"
	    "\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\"},"
	    "\"annotations\":{\"org.opencontainers.image.ref.name\":\"v1\","
	    "\"com.example\":\"keep\"},\"x-custom\":true},"
	    "{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":5},"
	    "{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":5,"
	    "\"annotations\":{\"org.opencontainers.image.ref.name\":\"%s\"}},"
	    "{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":5,"
	    "\"annotations\":{\"org.opencontainers.image.ref.name\":\"%s\"}},"
	    "{\"bogus\":1}]}",
	    MANIFEST_MT, other, MANIFEST_MT, other, MANIFEST_MT, other, mine,
	    MANIFEST_MT, other, mine);
	CHECK(file_write_atomic(s.ocifd, "index.json", idx, strlen(idx), 0644,
	    &e) == 0);
	/* Malformed entries are skipped by list; the unnamed one is listed. */
	CHECK(store_index_list(&s, &list, &n, &e) == 0 && n == 4);
	free(list);
	CHECK(store_index_get(&s, "v1", &got, &e) == 0 && got.size == 5);

	fill_entry(&ent, mine, "mine");
	CHECK(store_index_set(&s, &ent, &e) == 0);
	j = load_index(&s);
	CHECK(j != NULL);
	CHECK_STREQ(json_string_value(json_object_get(json_object_get(j,
	    "annotations"), "tool")), "skopeo");
	CHECK(json_array_size(json_object_get(j, "x-extra")) == 2);
	m = json_object_get(j, "manifests");
	/* The duplicate of mine is gone, the rest kept in order. */
	CHECK(json_array_size(m) == 4);
	d = json_array_get(m, 0);
	CHECK(json_is_true(json_object_get(d, "x-custom")));
	CHECK_STREQ(json_string_value(json_object_get(json_object_get(d,
	    "platform"), "architecture")), "arm64");
	CHECK_STREQ(json_string_value(json_object_get(json_object_get(d,
	    "annotations"), "com.example")), "keep");
	CHECK(json_object_get(json_array_get(m, 1), "annotations") == NULL);
	CHECK_STREQ(json_string_value(json_object_get(json_array_get(m, 2),
	    "digest")), ent.digest);
	CHECK(json_integer_value(json_object_get(json_array_get(m, 3),
	    "bogus")) == 1);
	json_decref(j);

	/* A broken index.json is an error, not an empty store. */
	CHECK(file_write_atomic(s.ocifd, "index.json", "{\"manifests\":{}}",
	    16, 0644, &e) == 0);
	error_clear(&e);
	CHECK(store_index_set(&s, &ent, &e) == -1 && e.exit == EX_DATAERR);
	CHECK(store_index_list(&s, &list, &n, &e) == -1);
	CHECK(file_write_atomic(s.ocifd, "index.json", "{", 1, 0644, &e) == 0);
	CHECK(store_index_get(&s, mine, &got, &e) == -1);
	CHECK(e.exit == EX_DATAERR);
	/* A missing one reads as empty and is written again by set. */
	CHECK(unlinkat(s.ocifd, "index.json", 0) == 0);
	CHECK(store_index_list(&s, &list, &n, &e) == 0 && n == 0);
	CHECK(store_index_set(&s, &ent, &e) == 0);
	j = load_index(&s);
	CHECK(json_array_size(json_object_get(j, "manifests")) == 1);
	CHECK(json_integer_value(json_object_get(j, "schemaVersion")) == 2);
	json_decref(j);
	store_close(&s);
}

/* Eight processes each set their own name at once: none is lost. */
static void
index_concurrent(void)
{
	struct error e = ERROR_INIT;
	struct store s;
	struct store_entry got, *list = NULL;
	size_t n = 0;
	pid_t pids[8];
	int i, st, ok = 0, gate[2];
	char c, ref[64];

	CHECK(store_open(&s, root_path("index8"), true, &e) == 0);
	CHECK(pipe(gate) == 0);
	(void)fflush(stdout);
	for (i = 0; i < 8; i++) {
		if ((pids[i] = fork()) == 0) {
			struct error ce = ERROR_INIT;
			struct store cs;
			struct store_entry ent;
			int k;

			(void)close(gate[1]);
			(void)read(gate[0], &c, 1);
			if (store_open(&cs, root_path("index8"), true, &ce) ==
			    -1)
				_exit(1);
			/* Several rounds, to give the race room. */
			for (k = 0; k < 5; k++) {
				(void)snprintf(ref, sizeof(ref),
				    "example.com/app:v%d", i);
				fill_entry(&ent, ref, ref);
				ent.size = k;
				if (store_index_set(&cs, &ent, &ce) == -1)
					_exit(2);
			}
			_exit(0);
		}
	}
	(void)close(gate[0]);
	(void)close(gate[1]);
	for (i = 0; i < 8; i++)
		if (pids[i] > 0 && waitpid(pids[i], &st, 0) == pids[i] &&
		    WIFEXITED(st) && WEXITSTATUS(st) == 0)
			ok++;
	CHECK(ok == 8);
	CHECK(store_index_list(&s, &list, &n, &e) == 0 && n == 8);
	free(list);
	for (i = 0; i < 8; i++) {
		(void)snprintf(ref, sizeof(ref), "example.com/app:v%d", i);
		CHECK(store_index_get(&s, ref, &got, &e) == 0 && got.size == 4);
	}
	CHECK(count_entries(s.ocifd, ".", ".index.json.tmp.") == 0);
	CHECK(count_entries(s.rootfd, "ingest", NULL) == 0);
	store_close(&s);
}

/* A temporary index.json left by a killed writer is cleaned up later. */
static void
index_stale_tmp(void)
{
	struct error e = ERROR_INIT;
	struct store s;
	struct store_entry ent;
	struct timespec ts[2];
	const char *old = ".index.json.tmp.99999.7", *fresh =
	    ".index.json.tmp.99998.0";

	CHECK(store_open(&s, root_path("stale"), true, &e) == 0);
	CHECK(file_write_atomic(s.ocifd, old, "{", 1, 0644, &e) == 0);
	CHECK(file_write_atomic(s.ocifd, fresh, "{", 1, 0644, &e) == 0);
	ts[0].tv_sec = ts[1].tv_sec = time(NULL) - 3600;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	CHECK(utimensat(s.ocifd, old, ts, 0) == 0);
	/* Readers ignore them. */
	CHECK(store_index_get(&s, "a:b", &ent, &e) == -1 &&
	    e.exit == EX_NOINPUT);
	fill_entry(&ent, "a:b", "x");
	CHECK(store_index_set(&s, &ent, &e) == 0);
	CHECK(!exists_at(s.ocifd, old));
	CHECK(exists_at(s.ocifd, fresh));
	/* Again, through the same store: each writer looks. */
	CHECK(file_write_atomic(s.ocifd, old, "{", 1, 0644, &e) == 0);
	CHECK(utimensat(s.ocifd, old, ts, 0) == 0);
	CHECK(store_index_remove(&s, "a:b", &e) == 0);
	CHECK(!exists_at(s.ocifd, old));
	CHECK(exists_at(s.ocifd, fresh));
	store_close(&s);
}

/*
 * Layers and logs may hold secrets: another local user cannot open the
 * store at all, even where an administrator opened its root's mode.
 */
static void
store_closed_to_others(void)
{
	struct error e = ERROR_INIT;
	struct store s;
	struct store_entry ent;
	const char *root = root_path("reader");
	pid_t pid;
	int st = 0;

	CHECK(store_open(&s, root, true, &e) == 0);
	fill_entry(&ent, "r:1", "r");
	CHECK(store_index_set(&s, &ent, &e) == 0);
	store_close(&s);
	CHECK(chmod(top, 0755) == 0 && chmod(root, 0755) == 0);
	(void)fflush(stdout);
	if ((pid = fork()) == 0) {
		struct error ce = ERROR_INIT;
		struct store cs;

		if (geteuid() == 0 && (setgid(65534) == -1 ||
		    setuid(65534) == -1))
			_exit(2);
		if (store_open(&cs, root, false, &ce) == 0)
			_exit(3);
		if (ce.exit != EX_NOPERM) {
			(void)printf("# child: %s\n", ce.msg);
			_exit(4);
		}
		_exit(0);
	}
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void
refname_grammar(void)
{
	CHECK(store_refname_valid("docker.io/library/redis:7"));
	CHECK(store_refname_valid("localhost:5000/a/b@sha256:0123abc"));
	CHECK(store_refname_valid("latest"));
	CHECK(store_refname_valid("a--b/c+d/E.F_g"));
	CHECK(store_refname_valid("x:1.0-rc1"));
	CHECK(!store_refname_valid(""));
	CHECK(!store_refname_valid("a__b:1"));
	CHECK(!store_refname_valid("a---b"));
	CHECK(!store_refname_valid("/a"));
	CHECK(!store_refname_valid("a/"));
	CHECK(!store_refname_valid("a//b"));
	CHECK(!store_refname_valid("@0"));
	CHECK(!store_refname_valid("a:"));
	CHECK(!store_refname_valid("a b"));
	CHECK(!store_refname_valid("caf\xc3\xa9"));
}

static void
root_choice(void)
{
	CHECK_STREQ(store_root_choose("/opt/x"), "/opt/x");
	CHECK(setenv("BERTH_ROOT", "/env/root", 1) == 0);
	CHECK_STREQ(store_root_choose(NULL), "/env/root");
	CHECK_STREQ(store_root_choose("/opt/x"), "/opt/x");
	CHECK(setenv("BERTH_ROOT", "", 1) == 0);
	CHECK_STREQ(store_root_choose(NULL), os_default_root());
	CHECK(unsetenv("BERTH_ROOT") == 0);
	CHECK_STREQ(store_root_choose(NULL), os_default_root());
}

int
main(void)
{
	struct error e = ERROR_INIT;
	const char *tmp;

	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	(void)umask(022);
	(void)snprintf(top, sizeof(top), "%s/test_store.XXXXXX", tmp);
	if (mkdtemp(top) == NULL) {
		perror("mkdtemp");
		return (1);
	}
	TEST(open_creates_layout);
	TEST(open_race);
	TEST(bad_layout_refused);
	TEST(open_foreign_layout);
	TEST(blobs);
	TEST(ingest_commit_ok);
	TEST(ingest_mismatch);
	TEST(ingest_limits);
	TEST(ingest_resume);
	TEST(ingest_killed);
	TEST(ingest_concurrent);
	TEST(index_ops);
	TEST(index_source_digest);
	TEST(index_foreign);
	TEST(index_concurrent);
	TEST(index_stale_tmp);
	TEST(store_closed_to_others);
	TEST(refname_grammar);
	TEST(root_choice);
	if (rm_rf_at(AT_FDCWD, top, &e) == -1)
		(void)fprintf(stdout, "# cleanup: %s\n", e.msg);
	return (unit_done());
}
