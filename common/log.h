/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Diagnostics on stderr.  main() calls log_init() with the program name and
 * log_setup() once the options are known; the settings are read-only after
 * that.  Levels: -q errors only (0), default warnings (1), -v steps (2),
 * -vv debug (3).  With --json, errors are also one JSON object on stderr.
 */
#ifndef COMMON_LOG_H
#define COMMON_LOG_H

#include <stdbool.h>

void	log_init(const char *);
void	log_setup(int, bool);
const char *log_progname(void);
int	log_level(void);

void	log_warnx(const char *, ...) __attribute__((__format__(__printf__, 1, 2)));
void	log_info(const char *, ...) __attribute__((__format__(__printf__, 1, 2)));
void	log_debug(const char *, ...) __attribute__((__format__(__printf__, 1, 2)));

/* Print a final error line "prog: msg" with exit code ex (used by error_exit). */
void	log_fatal(int, const char *);

#endif /* COMMON_LOG_H */
