/* SPDX-License-Identifier: BSD-2-Clause */
/* pod-render: create a pod on disk from a pod manifest or an image. */
#include <sys/types.h>

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "common/driver.h"
#include "common/error.h"
#include "common/log.h"
#include "common/num.h"
#include "common/podspec.h"
#include "common/xalloc.h"
#include "pod-render.h"

static _Noreturn void	usage(void);

enum {
	OPT_CPU = 256,
	OPT_HOSTNAME,
	OPT_JSON,
	OPT_MEMORY,
	OPT_PIDS,
	OPT_SECCOMP_REMOVE,
	OPT_SECCOMP_RETAIN,
	OPT_VERBOSE
};

static const struct option longopts[] = {
	{ "annotation",	required_argument,	NULL,	'a' },
	{ "cpu",	required_argument,	NULL,	OPT_CPU },
	{ "destroy",	required_argument,	NULL,	'D' },
	{ "env",	required_argument,	NULL,	'e' },
	{ "file",	required_argument,	NULL,	'f' },
	{ "hostname",	required_argument,	NULL,	OPT_HOSTNAME },
	{ "json",	no_argument,		NULL,	OPT_JSON },
	{ "memory",	required_argument,	NULL,	OPT_MEMORY },
	{ "name",	required_argument,	NULL,	'n' },
	{ "pids",	required_argument,	NULL,	OPT_PIDS },
	{ "quiet",	no_argument,		NULL,	'q' },
	{ "root",	required_argument,	NULL,	'R' },
	{ "seccomp-remove-set", required_argument, NULL, OPT_SECCOMP_REMOVE },
	{ "seccomp-retain-set", required_argument, NULL, OPT_SECCOMP_RETAIN },
	{ "user",	required_argument,	NULL,	'u' },
	{ "verbose",	no_argument,		NULL,	OPT_VERBOSE },
	{ "volume",	required_argument,	NULL,	'v' },
	{ "workdir",	required_argument,	NULL,	'w' },
	{ NULL,		0,			NULL,	0 }
};

static _Noreturn void
die_usage(const char *fmt, const char *arg)
{
	(void)fprintf(stderr, "pod-render: ");
	(void)fprintf(stderr, fmt, arg);
	(void)fprintf(stderr, "\n");
	exit(EX_USAGE);
}

/* K=V with a non-empty K. */
static void
add_kv(struct render_kv **v, size_t *n, const char *arg, const char *opt)
{
	const char *eq = strchr(arg, '=');

	if (eq == NULL || eq == arg)
		die_usage(opt, arg);
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[*n].name = xstrndup(arg, (size_t)(eq - arg));
	(*v)[*n].value = xstrdup(eq + 1);
	(*n)++;
}

/*
 * Whether arg is a volume: "NAME:/PATH[:ro|:rw]" or "/HOST:/PATH[...]".
 * Anything else given to -v is not a volume (see main()).
 */
static bool
is_volume(const char *arg)
{
	const char *c = strchr(arg, ':');

	return (c != NULL && c != arg && c[1] == '/');
}

static void
add_volume(struct render_opts *o, const char *arg, size_t *nhost)
{
	struct render_volume v;
	char *s = xstrdup(arg), *p, *mode;

	(void)memset(&v, 0, sizeof(v));
	p = strchr(s, ':');
	*p++ = '\0';
	if ((mode = strchr(p, ':')) != NULL) {
		*mode++ = '\0';
		if (strcmp(mode, "ro") == 0)
			v.readonly = true;
		else if (strcmp(mode, "rw") != 0)
			die_usage("-v '%s': the mode is 'ro' or 'rw'", arg);
	}
	if (!podspec_path_valid(p))
		die_usage("-v '%s': not a clean absolute path in the app",
		    arg);
	v.path = xstrdup(p);
	if (s[0] == '/') {
		if (!podspec_path_valid(s))
			die_usage("-v '%s': not a clean absolute host path",
			    arg);
		v.source = xstrdup(s);
		v.name = xasprintf("host-%zu", ++*nhost);
	} else {
		if (!podspec_name_valid(s))
			die_usage("-v '%s': the volume name is not an AC Name "
			    "([a-z0-9]+ joined by '-')", arg);
		v.name = xstrdup(s);
	}
	free(s);
	o->vols = xreallocarray(o->vols, o->nvols + 1, sizeof(*o->vols));
	o->vols[o->nvols++] = v;
}

int
main(int argc, char *argv[])
{
	struct render_opts opts;
	struct error e = ERROR_INIT;
	long long n;
	int64_t q;
	size_t nhost = 0;
	const char *p;
	bool image_flags = false;
	int ch;

	(void)memset(&opts, 0, sizeof(opts));
	opts.verbose = 1;
	opts.argv0 = argv[0];
	log_init("pod-render");
	while ((ch = getopt_long(argc, argv, "+D:R:a:e:f:n:qu:v:w:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'D':
			opts.destroy = optarg;
			break;
		case 'R':
			opts.root = optarg;
			break;
		case 'a':
			add_kv(&opts.ann, &opts.nann, optarg,
			    "-a '%s': expected NAME=VALUE");
			image_flags = true;
			break;
		case 'e':
			add_kv(&opts.env, &opts.nenv, optarg,
			    "-e '%s': expected NAME=VALUE");
			image_flags = true;
			break;
		case 'f':
			opts.file = optarg;
			break;
		case 'n':
			if (!podspec_name_valid(optarg))
				die_usage("-n '%s': not an AC Name ([a-z0-9]+ "
				    "joined by '-')", optarg);
			opts.name = optarg;
			image_flags = true;
			break;
		case 'q':
			opts.verbose = 0;
			break;
		case 'u':
			if (optarg[0] == '\0' || optarg[0] == ':')
				die_usage("-u '%s': expected USER[:GROUP]",
				    optarg);
			opts.user = optarg;
			image_flags = true;
			break;
		case 'v':
			/*
			 * -v is both "more verbose" (every program has it)
			 * and "volume" (docker run has it): a volume always
			 * has the form X:/PATH, so anything else was not
			 * this option's argument.
			 */
			if (is_volume(optarg)) {
				add_volume(&opts, optarg, &nhost);
				image_flags = true;
				break;
			}
			if (optarg == argv[optind - 1]) {
				/* "-v IMAGE": give the operand back. */
				optind--;
				opts.verbose++;
				break;
			}
			/* "-vv": each 'v' more. */
			for (p = optarg; *p == 'v'; p++)
				;
			if (*p != '\0')
				die_usage("-v '%s': expected NAME:/PATH or "
				    "/HOST:/PATH", optarg);
			opts.verbose += 1 + (int)(p - optarg);
			break;
		case 'w':
			if (!podspec_path_valid(optarg))
				die_usage("-w '%s': not a clean absolute path",
				    optarg);
			opts.workdir = optarg;
			image_flags = true;
			break;
		case OPT_CPU:
			if (podspec_parse_cpu(optarg, &q, &e) == -1 || q <= 0)
				die_usage("--cpu '%s': expected millicores "
				    "(\"500m\") or cpus (\"2\", \"0.5\")",
				    optarg);
			opts.cpu = optarg;
			image_flags = true;
			break;
		case OPT_HOSTNAME:
			if (!render_hostname_valid(optarg))
				die_usage("--hostname '%s': not a valid "
				    "hostname", optarg);
			opts.hostname = optarg;
			image_flags = true;
			break;
		case OPT_JSON:
			opts.json = true;
			break;
		case OPT_MEMORY:
			if (podspec_parse_quantity(optarg, &q, &e) == -1 ||
			    q <= 0)
				die_usage("--memory '%s': expected a size "
				    "(\"512Mi\", \"1G\", bytes)", optarg);
			opts.memory = optarg;
			image_flags = true;
			break;
		case OPT_PIDS:
			if (parse_num(optarg, 0, INT32_MAX, &n, &e) == -1)
				die_usage("--pids '%s': expected a number of "
				    "processes (0: no limit)", optarg);
			opts.pids = n;
			opts.has_pids = true;
			break;
		case OPT_SECCOMP_REMOVE:
			opts.seccomp_remove = optarg;
			image_flags = true;
			break;
		case OPT_SECCOMP_RETAIN:
			opts.seccomp_retain = optarg;
			image_flags = true;
			break;
		case OPT_VERBOSE:
			opts.verbose++;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;

	if (opts.seccomp_retain != NULL && opts.seccomp_remove != NULL)
		die_usage("%s", "--seccomp-retain-set and --seccomp-remove-set "
		    "exclude each other");
	if (opts.destroy != NULL) {
		if (argc != 0 || opts.file != NULL || image_flags ||
		    opts.json || opts.has_pids)
			usage();
	} else if (opts.file != NULL) {
		if (argc != 0 || image_flags)
			usage();
	} else {
		if (argc < 1)
			usage();
		opts.image = argv[0];
		argc--;
		argv++;
		if (argc > 0) {
			if (strcmp(argv[0], "--") != 0)
				usage();
			argc--;
			argv++;
			/* "IMAGE --" alone keeps the image's command. */
			opts.has_args = argc > 0;
			opts.args = argv;
			opts.nargs = (size_t)argc;
		}
	}

	log_setup(opts.verbose, opts.json);
	driver_nofile_raise();
	if (opts.destroy != NULL) {
		if (render_destroy(&opts, &e) == -1)
			error_exit(&e);
	} else if (render_pod(&opts, &e) == -1)
		error_exit(&e);
	return (EX_OK);
}

static _Noreturn void
usage(void)
{
	(void)fprintf(stderr,
	    "usage: pod-render [-qv] [-R root] [--json] [--pids n] -f pod.json\n"
	    "       pod-render [-qv] [-R root] [--json] [-n name] "
	    "[-e name=value]...\n"
	    "                  [-v name:path[:ro]]... "
	    "[-v /host:path[:ro]]... [-w dir]\n"
	    "                  [-u user[:group]] [-a name=value]... "
	    "[--hostname name]\n"
	    "                  [--memory size] [--cpu n] [--pids n]\n"
	    "                  [--seccomp-retain-set list | "
	    "--seccomp-remove-set list]\n"
	    "                  image [-- arg ...]\n"
	    "       pod-render [-qv] [-R root] -D uuid\n");
	exit(EX_USAGE);
}
