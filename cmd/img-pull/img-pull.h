/* SPDX-License-Identifier: BSD-2-Clause */
/* img-pull: private declarations shared by main.c and pull.c. */
#ifndef IMG_PULL_H
#define IMG_PULL_H

#include <stdbool.h>
#include <stdint.h>

struct error;

struct pull_opts {
	const char	*root;		/* -R, else BERTH_ROOT, else default */
	const char	*platform;	/* --platform, or NULL for the host's */
	const char	*ca_file;	/* --ca-file, else BERTH_CA_FILE */
	const char	*insecure_hosts; /* more hosts allowed plain HTTP */
	int		 jobs;		/* parallel blob downloads */
	/* Limits from options, -1 where berth.conf (or its default) rules. */
	int64_t		 max_blob_size;
	int64_t		 max_image_size;
	int64_t		 min_free_space;
	int		 verbose;
	bool		 insecure;	/* this reference's host may be HTTP */
	bool		 json;
	bool		 progress;	/* stderr is a terminal and not -q */
};

/* Pull one reference into the store; prints the result on stdout. */
int	pull_image(const struct pull_opts *, const char *, struct error *);

#endif /* IMG_PULL_H */
