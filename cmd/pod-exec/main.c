/* SPDX-License-Identifier: BSD-2-Clause */
/* pod-exec: run a pod, run a command in a running pod, or signal one. */
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "common/error.h"
#include "common/log.h"
#include "common/num.h"
#include "common/platform.h"
#include "pod-exec.h"

static _Noreturn void	usage(void);

enum {
	OPT_GRACE = 256,
	OPT_JSON,
	OPT_MAIN
};

static const struct option longopts[] = {
	{ "grace",	required_argument,	NULL,	OPT_GRACE },
	{ "json",	no_argument,		NULL,	OPT_JSON },
	{ "main",	required_argument,	NULL,	OPT_MAIN },
	{ "quiet",	no_argument,		NULL,	'q' },
	{ "root",	required_argument,	NULL,	'R' },
	{ "verbose",	no_argument,		NULL,	'v' },
	{ NULL,		0,			NULL,	0 }
};

/*
 * Before entering a pod: run from a sealed copy of ourselves
 * (os_exec_sealed()), so that no pod can write to pod-exec's file.
 */
static void
sealed(char **args)
{
	struct error e = ERROR_INIT;

	if (os_exec_sealed(args, &e) == -1) {
		error_wrap(&e, "CVE-2019-5736 guard");
		error_exit(&e);
	}
}

int
main(int argc, char *argv[])
{
	struct exec_opts opts = { .verbose = 1, .grace = 10 };
	struct error e = ERROR_INIT;
	char **args = argv;
	long long n;
	bool has_grace = false;
	int ch, sig;

	log_init("pod-exec");
	while ((ch = getopt_long(argc, argv, "+R:a:de:ik:qtv", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'R':
			opts.root = optarg;
			break;
		case 'a':
			opts.app = optarg;
			break;
		case 'd':
			opts.detach = true;
			break;
		case 'e':
		case 'k':
			/* One of the two, once. */
			if (opts.mode != MODE_RUN)
				usage();
			opts.mode = ch == 'e' ? MODE_ENTER : MODE_KILL;
			opts.uuid = optarg;
			break;
		case 'i':
			opts.interactive = true;
			break;
		case 'q':
			opts.verbose = 0;
			break;
		case 't':
			opts.tty = true;
			break;
		case 'v':
			opts.verbose++;
			break;
		case OPT_GRACE:
			if (parse_num(optarg, 0, 86400, &n, &e) == -1) {
				error_wrap(&e, "--grace");
				error_exit(&e);
			}
			opts.grace = (int)n;
			has_grace = true;
			break;
		case OPT_JSON:
			opts.json = true;
			break;
		case OPT_MAIN:
			opts.main_app = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	log_setup(opts.verbose, opts.json);

	switch (opts.mode) {
	case MODE_RUN:
		if (argc != 1 || opts.app != NULL)
			usage();
		opts.uuid = argv[0];
		if (opts.detach && (opts.interactive || opts.tty)) {
			error_set(&e, EX_USAGE, 0, "-d cannot be used with -i "
			    "or -t: a detached pod has no terminal");
			error_exit(&e);
		}
		sealed(args);
		return (exec_run(&opts));
	case MODE_ENTER:
		if (argc < 1 || opts.detach || opts.json ||
		    opts.main_app != NULL || has_grace)
			usage();
		opts.cmd = argv;
		sealed(args);
		return (exec_enter(&opts));
	case MODE_KILL:
		if (argc > 1 || opts.detach || opts.json || opts.app != NULL ||
		    opts.main_app != NULL || has_grace || opts.interactive ||
		    opts.tty)
			usage();
		opts.signal = argc == 1 ? argv[0] : "TERM";
		/* A bad signal is a usage error before the pod is looked at. */
		if (signal_parse(opts.signal, &sig, &e) == -1)
			error_exit(&e);
		/*
		 * The supervisor forwards only these: any other would never
		 * reach it (Linux: PID 1 of the pod's PID namespace ignores
		 * what it does not catch) or stop or kill it (FreeBSD), and
		 * -k would say nothing of it.  SIGKILL ends the pod.
		 */
		if (sig != SIGKILL && !supervisor_forwards(sig)) {
			error_set(&e, EX_USAGE, 0, "signal '%s' is not "
			    "forwarded to the apps (HUP INT QUIT TERM USR1 "
			    "USR2 are, KILL ends the pod)", opts.signal);
			error_exit(&e);
		}
		return (exec_kill(&opts));
	}
	usage();
}

static _Noreturn void
usage(void)
{
	(void)fprintf(stderr,
	    "usage: pod-exec [-qv] [-R root] [--json] [-i] [-t] [-d] "
	    "[--main app]\n"
	    "                [--grace seconds] uuid\n"
	    "       pod-exec [-qv] [-R root] -e uuid [-a app] [-i] [-t] "
	    "-- cmd [arg ...]\n"
	    "       pod-exec [-qv] [-R root] -k uuid [signal]\n");
	exit(EX_USAGE);
}
