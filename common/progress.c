/* SPDX-License-Identifier: BSD-2-Clause */
/* The progress line: bytes, items, rate, redrawn in place with \r. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/progress.h"

int64_t
progress_now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

void
progress_fmt_bytes(int64_t n, char *buf, size_t len)
{
	static const char *units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	size_t u = 0;

	while (v >= 1024 && u < sizeof(units) / sizeof(units[0]) - 1) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		(void)snprintf(buf, len, "%lld B", (long long)n);
	else
		(void)snprintf(buf, len, "%.1f %s", v, units[u]);
}

void
progress_init(struct progress *p, const char *what, bool enabled, int items,
    int64_t total)
{
	p->what = what;
	p->enabled = enabled;
	atomic_init(&p->done, 0);
	atomic_init(&p->total, total);
	atomic_init(&p->items_done, 0);
	p->items = items;
	p->started_ms = progress_now_ms();
	p->drawn = 0;
}

void
progress_add(struct progress *p, int64_t n)
{
	atomic_fetch_add(&p->done, n);
}

void
progress_item_done(struct progress *p)
{
	atomic_fetch_add(&p->items_done, 1);
}

void
progress_draw(struct progress *p)
{
	char done[32], total[32], rate[32], line[160];
	int64_t d, t, ms;
	int n;

	if (!p->enabled)
		return;
	d = atomic_load(&p->done);
	t = atomic_load(&p->total);
	ms = progress_now_ms() - p->started_ms;
	progress_fmt_bytes(d, done, sizeof(done));
	progress_fmt_bytes(t, total, sizeof(total));
	progress_fmt_bytes(ms > 0 ? d * 1000 / ms : 0, rate, sizeof(rate));
	n = snprintf(line, sizeof(line), "%s: %d/%d blobs, %s / %s (%d%%), %s/s",
	    p->what, atomic_load(&p->items_done), p->items, done, total,
	    t > 0 ? (int)(d * 100 / t) : 100, rate);
	if (n < 0)
		return;
	(void)fprintf(stderr, "\r%s%*s", line, p->drawn > n ? p->drawn - n : 0,
	    "");
	(void)fflush(stderr);
	p->drawn = n;
}

void
progress_end(struct progress *p)
{
	if (!p->enabled || p->drawn == 0)
		return;
	(void)fprintf(stderr, "\r%*s\r", p->drawn, "");
	(void)fflush(stderr);
	p->drawn = 0;
}
