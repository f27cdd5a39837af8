/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A one-line progress display on stderr for long transfers.  Counters are
 * updated from any thread; progress_draw() is called by one thread (the
 * caller decides whether progress is shown at all: stderr a terminal and
 * not -q).
 */
#ifndef COMMON_PROGRESS_H
#define COMMON_PROGRESS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct progress {
	const char		*what;		/* "pulling", "pushing" */
	bool			 enabled;
	atomic_int_least64_t	 done;		/* bytes so far */
	atomic_int_least64_t	 total;		/* bytes expected */
	atomic_int		 items_done;
	int			 items;
	int64_t			 started_ms;
	int			 drawn;		/* width of the last line */
};

void	progress_init(struct progress *, const char *, bool, int, int64_t);
void	progress_add(struct progress *, int64_t);
void	progress_item_done(struct progress *);
/* Redraw the line (no-op when disabled). */
void	progress_draw(struct progress *);
/* Erase the line (no-op when disabled). */
void	progress_end(struct progress *);

/* Monotonic milliseconds. */
int64_t	progress_now_ms(void);

/* Format a byte count as "12.3 MiB" into buf. */
void	progress_fmt_bytes(int64_t, char *, size_t);

#endif /* COMMON_PROGRESS_H */
