/* SPDX-License-Identifier: BSD-2-Clause */
/* pod-render: private declarations shared by main.c and render.c. */
#ifndef POD_RENDER_H
#define POD_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct error;

/* -v: an empty volume of the pod, or a host directory. */
struct render_volume {
	char	*name;		/* empty: -v NAME:PATH; host: "host-N" */
	char	*source;	/* host: absolute path; NULL for empty */
	char	*path;		/* in the app */
	bool	 readonly;
};

struct render_kv {
	char	*name;
	char	*value;
};

struct render_opts {
	const char		*root;		/* -R, else $BERTH_ROOT */
	const char		*argv0;		/* to find img-unpack */
	const char		*file;		/* -f POD.json ("-": stdin) */
	const char		*destroy;	/* -D UUID */
	const char		*image;		/* IMAGE */
	char *const		*args;		/* -- ARG... */
	size_t			 nargs;
	bool			 has_args;
	const char		*name;		/* -n */
	struct render_kv	*env;		/* -e */
	size_t			 nenv;
	struct render_kv	*ann;		/* -a */
	size_t			 nann;
	struct render_volume	*vols;		/* -v */
	size_t			 nvols;
	const char		*workdir;	/* -w */
	const char		*user;		/* -u USER[:GROUP] */
	const char		*hostname;	/* --hostname */
	const char		*memory;	/* --memory, checked */
	const char		*cpu;		/* --cpu, checked */
	int64_t			 pids;		/* --pids; 0: no limit */
	bool			 has_pids;
	/* --seccomp-retain-set / --seccomp-remove-set: names, commas */
	const char		*seccomp_retain;
	const char		*seccomp_remove;
	bool			 json;
	int			 verbose;
};

/*
 * Create a pod from opts->file or opts->image; prints its uuid (or the
 * --json object) on stdout.
 */
int	render_pod(const struct render_opts *, struct error *);

/* Remove the pod opts->destroy, which must not be running. */
int	render_destroy(const struct render_opts *, struct error *);

/*
 * The most processes a pod may have when neither its manifest nor
 * --pids says: a fork bomb in one pod must not exhaust the host.
 */
#define	RENDER_PIDS_DEFAULT	4096

/* A hostname of RFC 1123 labels, at most 253 bytes. */
bool	render_hostname_valid(const char *);

#endif /* POD_RENDER_H */
