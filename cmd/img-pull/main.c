/* SPDX-License-Identifier: BSD-2-Clause */
/* img-pull: fetch an image from a registry into the local store. */
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "common/error.h"
#include "common/log.h"
#include "common/num.h"
#include "img-pull.h"

static _Noreturn void	usage(void);
static int64_t	size_arg(const char *, const char *);

enum {
	OPT_CA_FILE = 256,
	OPT_INSECURE,
	OPT_JSON,
	OPT_MAX_BLOB_SIZE,
	OPT_MAX_IMAGE_SIZE,
	OPT_MIN_FREE_SPACE,
	OPT_PLATFORM
};

static const struct option longopts[] = {
	{ "ca-file",	required_argument,	NULL,	OPT_CA_FILE },
	{ "insecure",	no_argument,		NULL,	OPT_INSECURE },
	{ "jobs",	required_argument,	NULL,	'j' },
	{ "json",	no_argument,		NULL,	OPT_JSON },
	{ "max-blob-size", required_argument,	NULL,	OPT_MAX_BLOB_SIZE },
	{ "max-image-size", required_argument,	NULL,	OPT_MAX_IMAGE_SIZE },
	{ "min-free-space", required_argument,	NULL,	OPT_MIN_FREE_SPACE },
	{ "platform",	required_argument,	NULL,	OPT_PLATFORM },
	{ "quiet",	no_argument,		NULL,	'q' },
	{ "root",	required_argument,	NULL,	'R' },
	{ "verbose",	no_argument,		NULL,	'v' },
	{ NULL,		0,			NULL,	0 }
};

int
main(int argc, char *argv[])
{
	struct pull_opts opts = { .jobs = 4, .verbose = 1,
	    .max_blob_size = -1, .max_image_size = -1, .min_free_space = -1 };
	struct error e = ERROR_INIT;
	long long n;
	const char *env;
	int ch;

	log_init("img-pull");
	while ((ch = getopt_long(argc, argv, "+R:j:qv", longopts, NULL)) != -1) {
		switch (ch) {
		case 'R':
			opts.root = optarg;
			break;
		case 'j':
			if (parse_num(optarg, 1, 64, &n, &e) == -1) {
				error_wrap(&e, "-j");
				error_exit(&e);
			}
			opts.jobs = (int)n;
			break;
		case 'q':
			opts.verbose = 0;
			break;
		case 'v':
			opts.verbose++;
			break;
		case OPT_CA_FILE:
			opts.ca_file = optarg;
			break;
		case OPT_INSECURE:
			opts.insecure = true;
			break;
		case OPT_JSON:
			opts.json = true;
			break;
		case OPT_MAX_BLOB_SIZE:
			opts.max_blob_size = size_arg("--max-blob-size",
			    optarg);
			break;
		case OPT_MAX_IMAGE_SIZE:
			opts.max_image_size = size_arg("--max-image-size",
			    optarg);
			break;
		case OPT_MIN_FREE_SPACE:
			opts.min_free_space = size_arg("--min-free-space",
			    optarg);
			break;
		case OPT_PLATFORM:
			opts.platform = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		usage();

	log_setup(opts.verbose, opts.json);
	/* A closed connection must be an error return, not a signal. */
	(void)signal(SIGPIPE, SIG_IGN);
	opts.progress = opts.verbose > 0 && isatty(STDERR_FILENO);
	if (opts.ca_file == NULL && (env = getenv("BERTH_CA_FILE")) != NULL &&
	    *env != '\0')
		opts.ca_file = env;
	opts.insecure_hosts = getenv("BERTH_INSECURE_REGISTRIES");
	if (pull_image(&opts, argv[0], &e) == -1)
		error_exit(&e);
	return (EX_OK);
}

/* A size option ("512M", "10G"; 0 turns the limit off), or exit 64. */
static int64_t
size_arg(const char *opt, const char *arg)
{
	struct error e = ERROR_INIT;
	long long v;

	if (parse_size(arg, &v, &e) == -1) {
		error_wrap(&e, "%s", opt);
		error_exit(&e);
	}
	return ((int64_t)v);
}

static _Noreturn void
usage(void)
{
	(void)fprintf(stderr,
	    "usage: img-pull [-qv] [-j jobs] [-R root] [--ca-file file] "
	    "[--insecure] [--json]\n"
	    "                [--max-blob-size size] [--max-image-size size]\n"
	    "                [--min-free-space size] "
	    "[--platform os/arch[/variant]] reference\n");
	exit(EX_USAGE);
}
