/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * podprobe: what an attacker inside a pod runs, for the security tests.
 * Built static by the tests (cc -static) and put into a test image; each
 * subcommand tries one thing and prints what happened, one line per
 * finding, so that the test decides what is right.  Linux only.
 *
 *	podprobe swap SECONDS A B	renameat2(RENAME_EXCHANGE) A and B in a
 *					tight loop for SECONDS
 *	podprobe keyadd user|session DESC DATA
 *					add a "user" key to the user or session
 *					keyring; prints its serial
 *	podprobe keyrevoke SERIAL	revoke the key SERIAL (a test's cleanup)
 *	podprobe keyfind DESC		look DESC up in the session and user
 *					keyrings: "session found" or
 *					"session ERRNO", the same for "user"
 *	podprobe session DESC -- CMD...	join a new session keyring, add DESC
 *					to it, exec CMD
 *	podprobe syscall NAME		try one call the default seccomp filter
 *					blocks: "NAME ok" or "NAME ERRNO"
 *					(keyctl, unshare-user, unshare-ns,
 *					clone-newuser, mount, ptrace-self,
 *					personality, bpf, perf, userfaultfd)
 *	podprobe exewatch SECONDS	open /proc/PID/exe of every other
 *					process seen for SECONDS; for each new
 *					target, write its first byte back over
 *					itself: "exe TARGET written|ERRNO"
 *	podprobe forkbomb N		fork until N children live or fork
 *					fails: "forked K" and "fork ERRNO"
 */
#define	_GNU_SOURCE
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/keyctl.h>

#ifndef RENAME_EXCHANGE
#define	RENAME_EXCHANGE	(1 << 1)
#endif

static long
now_s(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long)ts.tv_sec);
}

static const char *
errname(int e)
{
	switch (e) {
	case EPERM: return ("EPERM");
	case EACCES: return ("EACCES");
	case ENOSYS: return ("ENOSYS");
	case ENOKEY: return ("ENOKEY");
	case EINVAL: return ("EINVAL");
	case ETXTBSY: return ("ETXTBSY");
	case ENOENT: return ("ENOENT");
	case EAGAIN: return ("EAGAIN");
	case ESRCH: return ("ESRCH");
	case EKEYREVOKED: return ("EKEYREVOKED");
	default: return (strerror(e));
	}
}

static int
swap(int argc, char **argv)
{
	long end;

	if (argc != 3)
		return (2);
	end = now_s() + atol(argv[0]);
	while (now_s() < end)
		if (syscall(SYS_renameat2, AT_FDCWD, argv[1], AT_FDCWD,
		    argv[2], RENAME_EXCHANGE) == -1) {
			perror("podprobe swap");
			return (1);
		}
	return (0);
}

static int
keyadd(int argc, char **argv)
{
	long ring, k;

	if (argc != 3)
		return (2);
	ring = strcmp(argv[0], "user") == 0 ? KEY_SPEC_USER_KEYRING :
	    KEY_SPEC_SESSION_KEYRING;
	k = syscall(SYS_add_key, "user", argv[1], argv[2], strlen(argv[2]),
	    ring);
	if (k == -1) {
		(void)printf("add_key %s\n", errname(errno));
		return (1);
	}
	(void)printf("%ld\n", k);
	return (0);
}

static int
keyrevoke(int argc, char **argv)
{
	if (argc != 1)
		return (2);
	return (syscall(SYS_keyctl, KEYCTL_REVOKE, atol(argv[0])) == -1);
}

static void
keyfind_in(const char *what, long ring, const char *desc)
{
	char buf[256];
	long k, n;

	k = syscall(SYS_keyctl, KEYCTL_SEARCH, ring, "user", desc, 0);
	if (k == -1) {
		(void)printf("%s %s\n", what, errname(errno));
		return;
	}
	n = syscall(SYS_keyctl, KEYCTL_READ, k, buf, sizeof(buf) - 1);
	if (n < 0) {
		(void)printf("%s found-unreadable %s\n", what, errname(errno));
		return;
	}
	buf[n < (long)sizeof(buf) ? n : (long)sizeof(buf) - 1] = '\0';
	(void)printf("%s found %s\n", what, buf);
}

static int
keyfind(int argc, char **argv)
{
	if (argc != 1)
		return (2);
	keyfind_in("session", KEY_SPEC_SESSION_KEYRING, argv[0]);
	keyfind_in("user", KEY_SPEC_USER_KEYRING, argv[0]);
	return (0);
}

static int
session(int argc, char **argv)
{
	if (argc < 3 || strcmp(argv[1], "--") != 0)
		return (2);
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) == -1 ||
	    syscall(SYS_add_key, "user", argv[0], "session-secret", 14,
	    KEY_SPEC_SESSION_KEYRING) == -1) {
		perror("podprobe session");
		return (1);
	}
	(void)execvp(argv[2], argv + 2);
	perror(argv[2]);
	return (127);
}

static int
try_syscall(const char *name)
{
	long r = -1;
	pid_t pid;
	int st;

	errno = 0;
	if (strcmp(name, "keyctl") == 0)
		r = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID,
		    KEY_SPEC_SESSION_KEYRING, 0);
	else if (strcmp(name, "unshare-user") == 0)
		r = unshare(CLONE_NEWUSER);
	else if (strcmp(name, "unshare-ns") == 0)
		r = unshare(CLONE_NEWNS);
	else if (strcmp(name, "clone-newuser") == 0) {
		r = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL,
		    NULL, 0);
		if (r == 0)
			_exit(0);
		if (r > 0)
			(void)waitpid((pid_t)r, &st, 0);
	} else if (strcmp(name, "mount") == 0)
		r = mount("none", "/tmp", "tmpfs", 0, NULL);
	else if (strcmp(name, "ptrace-self") == 0) {
		if ((pid = fork()) == 0) {
			(void)raise(SIGSTOP);
			_exit(0);
		}
		r = ptrace(PTRACE_ATTACH, pid, NULL, NULL);
		(void)kill(pid, SIGKILL);
		(void)waitpid(pid, &st, 0);
	} else if (strcmp(name, "personality") == 0)
		r = personality(READ_IMPLIES_EXEC);
	else if (strcmp(name, "bpf") == 0)
		r = syscall(SYS_bpf, 0, NULL, 0);
	else if (strcmp(name, "perf") == 0)
		r = syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0);
	else if (strcmp(name, "userfaultfd") == 0)
		r = syscall(SYS_userfaultfd, 0);
	else {
		(void)fprintf(stderr, "podprobe: unknown syscall %s\n", name);
		return (2);
	}
	if (r == -1)
		(void)printf("%s %s\n", name, errname(errno));
	else
		(void)printf("%s ok\n", name);
	return (0);
}

/* Remember up to 64 targets, to print each once. */
static int
seen(char (*list)[PATH_MAX], int *n, const char *t)
{
	int i;

	for (i = 0; i < *n; i++)
		if (strcmp(list[i], t) == 0)
			return (1);
	if (*n < 64)
		(void)snprintf(list[(*n)++], PATH_MAX, "%s", t);
	return (0);
}

/*
 * Write the first byte of the file path names over itself: harmless if
 * it works, and the write (not only the open) is what a seal refuses.
 */
static const char *
rewrite(const char *path)
{
	unsigned char c;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (errname(errno));
	if (pread(fd, &c, 1, 0) != 1) {
		(void)close(fd);
		return ("unreadable");
	}
	(void)close(fd);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) == -1)
		return (errname(errno));
	if (pwrite(fd, &c, 1, 0) != 1) {
		(void)close(fd);
		return (errname(errno));
	}
	(void)close(fd);
	return ("written");
}

static int
exewatch(int argc, char **argv)
{
	static char list[64][PATH_MAX];
	char path[300], target[PATH_MAX];
	struct dirent *d;
	long end;
	ssize_t len;
	int n = 0, fd;
	pid_t self = getpid();
	DIR *dir;

	if (argc != 1)
		return (2);
	(void)setvbuf(stdout, NULL, _IOLBF, 0);
	end = now_s() + atol(argv[0]);
	while (now_s() < end) {
		if ((dir = opendir("/proc")) == NULL)
			return (1);
		while ((d = readdir(dir)) != NULL) {
			if (d->d_name[0] < '0' || d->d_name[0] > '9' ||
			    atoi(d->d_name) == self)
				continue;
			(void)snprintf(path, sizeof(path), "/proc/%s/exe",
			    d->d_name);
			if ((fd = open(path, O_PATH | O_CLOEXEC)) == -1)
				continue;
			(void)snprintf(path, sizeof(path), "/proc/self/fd/%d",
			    fd);
			len = readlink(path, target, sizeof(target) - 1);
			target[len > 0 ? len : 0] = '\0';
			if (!seen(list, &n, target))
				(void)printf("exe %s %s\n", target,
				    rewrite(path));
			(void)close(fd);
		}
		(void)closedir(dir);
	}
	return (0);
}

static int
forkbomb(int argc, char **argv)
{
	pid_t *pids;
	long want, k, i;

	if (argc != 1 || (want = atol(argv[0])) <= 0 ||
	    (pids = calloc((size_t)want, sizeof(*pids))) == NULL)
		return (2);
	(void)setvbuf(stdout, NULL, _IOLBF, 0);
	for (k = 0; k < want; k++) {
		if ((pids[k] = fork()) == -1) {
			(void)printf("fork %s\n", errname(errno));
			break;
		}
		if (pids[k] == 0) {
			(void)pause();
			_exit(0);
		}
	}
	(void)printf("forked %ld\n", k);
	for (i = 0; i < k; i++)
		(void)kill(pids[i], SIGKILL);
	for (i = 0; i < k; i++)
		(void)waitpid(pids[i], NULL, 0);
	free(pids);
	return (0);
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		(void)fprintf(stderr, "usage: podprobe CMD ARGS...\n");
		return (2);
	}
	if (strcmp(argv[1], "swap") == 0)
		return (swap(argc - 2, argv + 2));
	if (strcmp(argv[1], "keyadd") == 0)
		return (keyadd(argc - 2, argv + 2));
	if (strcmp(argv[1], "keyrevoke") == 0)
		return (keyrevoke(argc - 2, argv + 2));
	if (strcmp(argv[1], "keyfind") == 0)
		return (keyfind(argc - 2, argv + 2));
	if (strcmp(argv[1], "session") == 0)
		return (session(argc - 2, argv + 2));
	if (strcmp(argv[1], "syscall") == 0 && argc == 3)
		return (try_syscall(argv[2]));
	if (strcmp(argv[1], "exewatch") == 0)
		return (exewatch(argc - 2, argv + 2));
	if (strcmp(argv[1], "forkbomb") == 0)
		return (forkbomb(argc - 2, argv + 2));
	(void)fprintf(stderr, "podprobe: unknown command %s\n", argv[1]);
	return (2);
}
