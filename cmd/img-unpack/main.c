/* SPDX-License-Identifier: BSD-2-Clause */
/* img-unpack: materialise a stored image's layers in a storage driver. */
#include <sys/types.h>

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>

#include "common/driver.h"
#include "common/error.h"
#include "common/limits.h"
#include "common/log.h"
#include "img-unpack.h"

static _Noreturn void	usage(void);

enum {
	OPT_JSON = 256,
	OPT_MAX_EXPANSION,
	OPT_MOUNT,
	OPT_ZFS_DATASET
};

static const struct option longopts[] = {
	{ "driver",	required_argument,	NULL,	'd' },
	{ "json",	no_argument,		NULL,	OPT_JSON },
	{ "max-layer-expansion", required_argument, NULL, OPT_MAX_EXPANSION },
	{ "mount",	no_argument,		NULL,	OPT_MOUNT },
	{ "quiet",	no_argument,		NULL,	'q' },
	{ "root",	required_argument,	NULL,	'R' },
	{ "verbose",	no_argument,		NULL,	'v' },
	{ "zfs-dataset", required_argument,	NULL,	OPT_ZFS_DATASET },
	{ NULL,		0,			NULL,	0 }
};

int
main(int argc, char *argv[])
{
	struct unpack_opts opts = { .verbose = 1 };
	struct error e = ERROR_INIT;
	struct limits lim;
	int ch;

	log_init("img-unpack");
	while ((ch = getopt_long(argc, argv, "+R:d:qv", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'R':
			opts.root = optarg;
			break;
		case 'd':
			if (driver_kind_parse(optarg, &opts.driver, &e) == -1)
				error_exit(&e);
			opts.has_driver = true;
			break;
		case 'q':
			opts.verbose = 0;
			break;
		case 'v':
			opts.verbose++;
			break;
		case OPT_JSON:
			opts.json = true;
			break;
		case OPT_MAX_EXPANSION:
			/* Checked now, applied over berth.conf's later. */
			limits_init(&lim);
			if (limits_set(&lim, "max_layer_expansion", optarg,
			    &e) == -1) {
				error_wrap(&e, "--max-layer-expansion");
				error_exit(&e);
			}
			opts.max_expansion = optarg;
			break;
		case OPT_MOUNT:
			opts.mount = true;
			break;
		case OPT_ZFS_DATASET:
			if (driver_dataset_validate(optarg, &e) == -1) {
				error_wrap(&e, "--zfs-dataset");
				error_exit(&e);
			}
			opts.zfs_dataset = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		usage();
	if (opts.has_driver && opts.driver != DRIVER_ZFS &&
	    opts.zfs_dataset != NULL) {
		e.exit = EX_USAGE;
		(void)snprintf(e.msg, sizeof(e.msg), "--zfs-dataset needs the "
		    "zfs driver, not -d %s", driver_kind_name(opts.driver));
		error_exit(&e);
	}

	log_setup(opts.verbose, opts.json);
	driver_nofile_raise();
	if (unpack_image(&opts, argv[0], &e) == -1)
		error_exit(&e);
	return (EX_OK);
}

static _Noreturn void
usage(void)
{
	(void)fprintf(stderr,
	    "usage: img-unpack [-qv] [-d zfs|overlay|dir] [-R root] [--json] "
	    "[--mount]\n"
	    "                  [--max-layer-expansion ratio[,size]]\n"
	    "                  [--zfs-dataset pool/path] image\n");
	exit(EX_USAGE);
}
