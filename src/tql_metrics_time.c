/*-------------------------------------------------------------------------
 *
 * tql_metrics_time.c
 *	  The time grid of TraceQL metrics: Tempo 2.9's buckets.
 *
 * Since Tempo 2.9 (aligned with Prometheus) the sample at timestamp t
 * aggregates the spans that started in (t - step, t]: intervals are open
 * on the left and closed on the right, and a start time exactly on a
 * boundary belongs to the interval that ends there.
 *
 * A range request is first aligned, as Tempo's query frontend does: start
 * is rounded down and end up to multiples of step, then one more interval
 * is added in front (when start > step).  So the timestamps reported are
 * the multiples of step from floor(start / step) * step to
 * ceil(end / step) * step, and the spans counted are those in
 * (aligned start, aligned end].  A request whose range is exactly one step
 * is an instant request, which is never aligned: one interval
 * (start, end], reported at end.
 *
 * Validation follows the frontend too, before alignment: end must be
 * after start, and (end - start) / step may not exceed
 * tempo.metrics_max_intervals (Tempo's max_intervals, default 10000); the
 * error names both durations in Go's notation ("step of 35ms is too small,
 * minimum step for given range is 36ms").
 *
 * Bucketing is the hot path: a multiplication by the reciprocal of the step
 * in double precision and one integer correction replace a 64-bit division
 * per span.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/tql_metrics_time.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "tql_metrics.h"

#define NS_PER_SEC	INT64CONST(1000000000)

/*
 * TqlmDefaultStep
 *		Tempo's step when none is given: about 240 points, rounded down to
 *		5 s multiples (or whole seconds below 5 s), at least 1 s.
 */
int64
TqlmDefaultStep(int64 start, int64 end)
{
	int64		baseline = (end - start) / 240;
	int64		step = baseline / (5 * NS_PER_SEC) * (5 * NS_PER_SEC);

	if (step < 5 * NS_PER_SEC)
		step = baseline / NS_PER_SEC * NS_PER_SEC;
	if (step < NS_PER_SEC)
		step = NS_PER_SEC;
	return step;
}

/*
 * TqlmCheckRange
 *		The range must not be empty (Tempo: start == end passes the
 *		frontend but the engine rejects it with the same message).
 */
void
TqlmCheckRange(int64 start, int64 end)
{
	if (end <= start)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("end must be greater than start")));
}

/*
 * TqlmCheckStep
 *		Reject a step that is not positive or gives more than max_intervals
 *		intervals (0 = no limit on the count).
 */
void
TqlmCheckStep(int64 start, int64 end, int64 step, int max_intervals)
{
	int64		range = end - start;
	bool		bad;

	if (max_intervals > 0)
		bad = step <= 0 || range / step > max_intervals;
	else
		bad = step <= 0;
	if (bad)
	{
		StringInfoData a;
		StringInfoData b;

		initStringInfo(&a);
		initStringInfo(&b);
		TqlmAppendGoDuration(&a, step);
		TqlmAppendGoDuration(&b, max_intervals > 0 ? range / max_intervals : 1);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("step of %s is too small, minimum step for given range is %s",
						a.data, b.data)));
	}
}

/* floor(x / step) * step for any sign of x */
static int64
round_down(int64 x, int64 step)
{
	int64		r = x % step;

	return r < 0 ? x - r - step : x - r;
}

/*
 * TqlmGridForInstant
 *		One interval (start, end], reported at end.
 */
void
TqlmGridForInstant(TqlmGrid *grid, int64 start, int64 end)
{
	grid->start = start;
	grid->end = end;
	grid->step = end - start;
	grid->nint = 1;
	grid->instant = true;
	grid->inv_step = 1.0 / (double) grid->step;
}

/*
 * TqlmGridForRange
 *		Align a validated range request.  extra_bucket adds the leading
 *		interval of the query frontend; without it the grid is Tempo's
 *		interval mapper over the unaligned request.
 */
void
TqlmGridForRange(TqlmGrid *grid, int64 start, int64 end, int64 step,
				 bool extra_bucket)
{
	int64		s;
	int64		e;

	Assert(end > start && step > 0);
	if (end - start == step)
	{
		TqlmGridForInstant(grid, start, end);
		return;
	}
	s = round_down(start, step);
	e = round_down(end, step);
	if (e < end)
		e += step;
	if (extra_bucket && s > step)
		s -= step;
	grid->start = s;
	grid->end = e;
	grid->step = step;
	grid->nint = (int) ((e - s) / step);
	grid->instant = false;
	grid->inv_step = 1.0 / (double) step;
}

/*
 * TqlmBucketize
 *		out[i] = the interval of start time ts[i], or -1 outside the grid.
 */
void
TqlmBucketize(const TqlmGrid *grid, const int64 *ts, int n, int32 *out)
{
	int64		start = grid->start;
	int64		end = grid->end;
	int64		step = grid->step;
	double		inv = grid->inv_step;
	int			i;

	for (i = 0; i < n; i++)
	{
		int64		t = ts[i];
		int64		off;
		int64		q;
		int64		r;

		if (t <= start || t > end)
		{
			out[i] = -1;
			continue;
		}
		off = t - start - 1;
		q = (int64) ((double) off * inv);
		r = off - q * step;
		while (r < 0)
		{
			q--;
			r += step;
		}
		while (r >= step)
		{
			q++;
			r -= step;
		}
		out[i] = (int32) q;
	}
}

/* Timestamp (right edge) of interval i, ns */
int64
TqlmTimestampOf(const TqlmGrid *grid, int i)
{
	if (grid->instant)
		return grid->end;
	return grid->start + (int64) (i + 1) * grid->step;
}

/* v in units of unit (a power of ten) with the fraction Go prints, then name */
static void
append_units(StringInfo buf, uint64 v, uint64 unit, const char *name)
{
	uint64		rem = v % unit;

	appendStringInfo(buf, UINT64_FORMAT, v / unit);
	if (rem != 0)
	{
		/* the fraction's digits, most significant first, no trailing zeros */
		appendStringInfoChar(buf, '.');
		while (rem != 0)
		{
			unit /= 10;
			appendStringInfoChar(buf, (char) ('0' + rem / unit));
			rem %= unit;
		}
	}
	appendStringInfoString(buf, name);
}

/*
 * TqlmAppendGoDuration
 *		A duration the way Go's time.Duration.String() writes it ("35ms",
 *		"1.5s", "2m0s", "1h0m0s"), for messages that quote Tempo's.
 */
void
TqlmAppendGoDuration(StringInfo buf, int64 ns)
{
	uint64		u;
	uint64		secs;

	if (ns < 0)
	{
		appendStringInfoChar(buf, '-');
		u = (uint64) 0 - (uint64) ns;
	}
	else
		u = (uint64) ns;

	if (u == 0)
		appendStringInfoString(buf, "0s");
	else if (u < 1000)
		appendStringInfo(buf, UINT64_FORMAT "ns", u);
	else if (u < 1000000)
		append_units(buf, u, 1000, "\xc2\xb5s");
	else if (u < (uint64) NS_PER_SEC)
		append_units(buf, u, 1000000, "ms");
	else
	{
		secs = u / NS_PER_SEC;
		if (secs >= 3600)
			appendStringInfo(buf, UINT64_FORMAT "h", secs / 3600);
		if (secs >= 60)
			appendStringInfo(buf, UINT64_FORMAT "m", secs / 60 % 60);
		append_units(buf, secs % 60 * NS_PER_SEC + u % NS_PER_SEC,
					 NS_PER_SEC, "s");
	}
}
