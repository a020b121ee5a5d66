/*-------------------------------------------------------------------------
 *
 * tql_metrics_agg.c
 *	  Accumulating matched spans into series, a batch at a time, and
 *	  turning the accumulators into the output series.
 *
 * The executor calls TqlmSink with batches of matched spans.  For each
 * batch the sink
 *	 1. buckets every start time with integer arithmetic (TqlmBucketize),
 *	 2. reads the metrics attribute into a double per row (durations in
 *		seconds; the duration column directly for span:duration) and, for
 *		histogram_over_time and quantile_over_time, its power-of-two slot,
 *	 3. maps rows to groups (tql_metrics_series.c: once per distinct value
 *		on dictionary vectors), then to accumulators,
 *	 4. runs one tight loop for the function: counts[series][interval]++,
 *		min/max, or a Neumaier-compensated sum.
 * Nothing is evaluated per row through SQL or through the expression
 * machinery.
 *
 * rate() and count_over_time() also take summary batches (weights set):
 * chunk groups the reader answered from their footer's value census
 * (col_census.c), one row per cell of time and value, counted by weight.
 * summary_ok below tells the executor which groups qualify: cells aligned
 * with the grid, or a group inside one interval, so that the row's start
 * time lands in the interval of every span it stands for.
 *
 * Functions, per series and interval (Tempo 2.9):
 *	 count_over_time	spans; an interval without spans is 0
 *	 rate				count / step in seconds (instant: end - start)
 *	 sum/min/max/avg	over the attribute's numeric values; spans without
 *						one are ignored (Tempo lets a NaN restart a running
 *						sum; we do not copy that); no value -> no sample
 *	 histogram_over_time	count per power-of-two bucket, label __bucket
 *						(2^ceil(log2 ns) in seconds for durations, the power
 *						of two for integers; values below 2 and floats are
 *						dropped, as in Tempo)
 *	 quantile_over_time one series per quantile, label p, from the same
 *						histogram: the bucket holding the ceil(q * n)-th
 *						value, interpolated exponentially from the bucket
 *						below; an interval without values reports 0, as
 *						Tempo does (no sample in a stratified sample, whose
 *						unread chunk groups may leave an interval empty)
 * Sampling scales counts, sums, histogram counts (by "scale" in
 * TqlmFinish); min, max, averages and quantiles are left alone.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/tql_metrics_agg.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>
#include <math.h>

#include "miscadmin.h"
#include "port/pg_bitutils.h"
#include "utils/memutils.h"

#include "tql_metrics.h"

static bool func_uses_counts(TqlMetricsFunc f);
static bool func_uses_sums(TqlMetricsFunc f);
static bool strata_dropped(TqlmState *st, int s);

static TqlExpr *
make_intrinsic(TqlIntrinsic intr)
{
	TqlExpr    *e = TqlMakeExpr(TQL_EXPR_INTRINSIC, 0);

	e->intrinsic = intr;
	e->type = TqlIntrinsicType(intr);
	return e;
}

static bool
is_hist(TqlMetricsFunc f)
{
	return f == TQL_MF_HISTOGRAM_OVER_TIME || f == TQL_MF_QUANTILE_OVER_TIME;
}

/*
 * The executor's summary_ok (tql_exec.h): may the spans of a chunk group
 * with start times in [tmin, tmax] be counted per cell of cell_width ns?
 * Yes when the cells are aligned with the grid (every interval edge is a
 * multiple of the width, so a cell lies inside one interval or outside
 * the grid), or when the whole group falls into one interval.  Stratified
 * samples (tql_metrics_sample.c) take summaries too: their bookkeeping
 * counts the weights.
 */
static bool
summary_ok(void *arg, int64 cell_width, int64 tmin, int64 tmax)
{
	TqlmState  *st = (TqlmState *) arg;
	const TqlmGrid *g = &st->grid;
	int64		ts[2];
	int32		b[2];

	if (cell_width > 0)
	{
		int64		r = g->start % cell_width;

		if (r < 0)
			r += cell_width;
		if (r == 0 && g->step % cell_width == 0)
			return true;
	}
	ts[0] = tmin;
	ts[1] = tmax;
	TqlmBucketize(g, ts, 2, b);
	return b[0] >= 0 && b[0] == b[1];
}

/*
 * TqlmCreate
 *		State for one query over a grid; fills in the values the sink
 *		needs in opts (which must have been initialized).
 */
TqlmState *
TqlmCreate(const TqlQuery *query, const TqlmGrid *grid, int max_exemplars,
		   TqlRunOptions *opts)
{
	MemoryContext cxt;
	MemoryContext old;
	TqlmState  *st;
	const TqlNode *m = query->metrics;
	int			nexprs = 0;
	TqlExpr   **exprs;
	int			k;

	cxt = AllocSetContextCreate(CurrentMemoryContext, "TraceQL metrics",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	st = palloc0(sizeof(TqlmState));
	st->cxt = cxt;
	st->query = query;
	st->metrics = m;
	st->func = m->func;
	st->grid = *grid;
	st->series_limit = tqlm_max_series;
	st->max_exemplars = max_exemplars;
	st->attr_index = -1;
	st->cmp_index = -1;
	st->cmp_intr_index = -1;

	exprs = palloc(sizeof(TqlExpr *) * (m->nitems + 8));
	if (st->func != TQL_MF_COMPARE)
	{
		st->nby = m->nitems;
		for (k = 0; k < m->nitems; k++)
		{
			st->by_index[k] = nexprs;
			st->by_names[k] = TqlExprToString(m->items[k]);
			exprs[nexprs++] = m->items[k];
		}
	}
	if (m->expr != NULL && st->func != TQL_MF_COMPARE)
	{
		if (m->expr->kind == TQL_EXPR_INTRINSIC &&
			m->expr->intrinsic == TQL_INTR_DURATION)
			st->attr_is_duration = true;
		else
		{
			st->attr_index = nexprs;
			exprs[nexprs++] = m->expr;
		}
	}
	if (st->func == TQL_MF_COMPARE)
	{
		st->cmp_index = nexprs;
		exprs[nexprs++] = m->compare_filter->expr;
		st->cmp_intr_index = nexprs;
		exprs[nexprs++] = make_intrinsic(TQL_INTR_NAME);
		exprs[nexprs++] = make_intrinsic(TQL_INTR_STATUS);
		exprs[nexprs++] = make_intrinsic(TQL_INTR_KIND);
		exprs[nexprs++] = make_intrinsic(TQL_INTR_STATUS_MESSAGE);
		opts->want_attributes = true;
		st->cmp_topn = m->ncompare_args >= 2 ? (int) Min(m->compare_topn, INT_MAX) : 10;
		if (m->ncompare_args == 4)
		{
			st->cmp_start = m->compare_start;
			st->cmp_end = m->compare_end;
		}
	}
	opts->nexprs = nexprs;
	opts->exprs = exprs;
	opts->start_ns = grid->start;
	opts->end_ns = grid->end;
	opts->start_exclusive = true;
	/* decode only what the sink reads */
	opts->skip_ids = max_exemplars == 0;
	opts->skip_duration = !st->attr_is_duration;
	/* counts may come from value censuses (see summary_ok) */
	if ((st->func == TQL_MF_RATE || st->func == TQL_MF_COUNT_OVER_TIME) &&
		max_exemplars == 0)
	{
		opts->summary_ok = summary_ok;
		opts->summary_arg = st;
	}

	st->maxseries = 16;
	st->series_group = palloc(sizeof(int32) * st->maxseries);
	st->series_slot = palloc(sizeof(int16) * st->maxseries);
	st->counts = palloc0(sizeof(int64 *) * st->maxseries);
	st->sums = palloc0(sizeof(double *) * st->maxseries);
	st->comps = palloc0(sizeof(double *) * st->maxseries);
	TqlmSeriesInit(st);
	MemoryContextSwitchTo(old);
	return st;
}

static bool
func_uses_counts(TqlMetricsFunc f)
{
	return f != TQL_MF_MIN_OVER_TIME && f != TQL_MF_MAX_OVER_TIME;
}

static bool
func_uses_sums(TqlMetricsFunc f)
{
	return f == TQL_MF_MIN_OVER_TIME || f == TQL_MF_MAX_OVER_TIME ||
		f == TQL_MF_SUM_OVER_TIME || f == TQL_MF_AVG_OVER_TIME;
}

/*
 * TqlmNewSeries
 *		A new accumulator for a group (and histogram slot), within the
 *		series limit.
 */
int
TqlmNewSeries(TqlmState *st, int group, int slot)
{
	int			s = st->nseries;
	int			nint = st->grid.nint;
	MemoryContext old;

	if (s >= st->series_limit)
		TqlmSeriesLimitError(st->series_limit);
	old = MemoryContextSwitchTo(st->cxt);
	if (s >= st->maxseries)
	{
		int			oldmax = st->maxseries;

		st->maxseries *= 2;
		st->series_group = repalloc_huge(st->series_group, sizeof(int32) * st->maxseries);
		st->series_slot = repalloc_huge(st->series_slot, sizeof(int16) * st->maxseries);
		st->counts = repalloc_huge(st->counts, sizeof(int64 *) * st->maxseries);
		st->sums = repalloc_huge(st->sums, sizeof(double *) * st->maxseries);
		st->comps = repalloc_huge(st->comps, sizeof(double *) * st->maxseries);
		memset(st->counts + oldmax, 0, sizeof(int64 *) * (st->maxseries - oldmax));
		memset(st->sums + oldmax, 0, sizeof(double *) * (st->maxseries - oldmax));
		memset(st->comps + oldmax, 0, sizeof(double *) * (st->maxseries - oldmax));
	}
	st->series_group[s] = group;
	st->series_slot[s] = (int16) slot;
	if (func_uses_counts(st->func))
		st->counts[s] = palloc0(sizeof(int64) * nint);
	if (func_uses_sums(st->func))
	{
		int			i;

		st->sums[s] = palloc(sizeof(double) * nint);
		for (i = 0; i < nint; i++)
			st->sums[s][i] = (st->func == TQL_MF_MIN_OVER_TIME ||
							  st->func == TQL_MF_MAX_OVER_TIME) ? NAN : 0.0;
		if (st->func == TQL_MF_SUM_OVER_TIME || st->func == TQL_MF_AVG_OVER_TIME)
			st->comps[s] = palloc0(sizeof(double) * nint);
	}
	st->nseries++;
	MemoryContextSwitchTo(old);
	return s;
}

/*
 * TqlmLog2Slot
 *		Histogram slot of v: 2^ceil(log2 v), computed exactly on integers;
 *		-1 for values below 2, which Tempo drops.
 */
int
TqlmLog2Slot(int64 v, bool duration)
{
	int			e;

	if (v < 2)
		return -1;
	e = pg_leftmost_one_pos64((uint64) (v - 1)) + 1;
	return duration ? e : 64 + e;
}

/* Upper bound of a slot's bucket: seconds for durations */
double
TqlmSlotValue(int slot)
{
	if (slot < 64)
		return ldexp(1.0, slot) / 1e9;
	return ldexp(1.0, slot - 64);
}

static void
ensure_scratch(TqlmState *st, int n)
{
	MemoryContext old;

	if (n <= st->scratch_n)
		return;
	old = MemoryContextSwitchTo(st->cxt);
	if (st->bucket)
	{
		pfree(st->bucket);
		pfree(st->group);
		pfree(st->series);
		pfree(st->slots);
		pfree(st->vidbuf);
		pfree(st->fvals);
		if (st->keep)
			pfree(st->keep);
	}
	st->scratch_n = Max(n, 1024);
	st->bucket = palloc(sizeof(int32) * st->scratch_n);
	st->group = palloc(sizeof(int32) * st->scratch_n);
	st->series = palloc(sizeof(int32) * st->scratch_n);
	st->slots = palloc(sizeof(int16) * st->scratch_n);
	st->vidbuf = palloc(sizeof(int32) * st->scratch_n * Max(st->nby, 1));
	st->fvals = palloc(sizeof(double) * st->scratch_n);
	st->keep = st->strata ? palloc(sizeof(bool) * st->scratch_n) : NULL;
	MemoryContextSwitchTo(old);
}

/*
 * Attribute values of a batch: fvals[i] (NaN when missing or not a
 * number) and, when slots != NULL, the histogram slot (or -1).
 */
static void
read_attribute(TqlmState *st, const TqlSpanBatch *b, double *fvals,
			   int16 *slots)
{
	int			n = b->nspans;
	int			i;
	const TqlValueVector *v;

	if (st->attr_is_duration)
	{
		const int64 *d = b->duration_ns;

		if (fvals)
			for (i = 0; i < n; i++)
				fvals[i] = (double) d[i] / 1e9;
		if (slots)
			for (i = 0; i < n; i++)
				slots[i] = (int16) (d[i] < 2 ? -1 :
									pg_leftmost_one_pos64((uint64) (d[i] - 1)) + 1);
		return;
	}
	v = b->values[st->attr_index];
	for (i = 0; i < n; i++)
	{
		TqlmValue	val;
		int			slot = -1;
		double		f;

		TqlmGetValue(v, i, &val);
		switch (val.type)
		{
			case TQL_TYPE_DURATION:
				f = (double) val.i / 1e9;
				slot = TqlmLog2Slot(val.i, true);
				break;
			case TQL_TYPE_INT:
				f = (double) val.i;
				slot = TqlmLog2Slot(val.i, false);
				break;
			case TQL_TYPE_FLOAT:
				f = val.f;
				break;
			default:
				f = NAN;
				break;
		}
		if (fvals)
			fvals[i] = f;
		if (slots)
			slots[i] = (int16) slot;
	}
}

/* Count each group's rows in this batch into the spread sums */
static void
track_spread(TqlmState *st, const int32 *group, const int32 *weights, int n)
{
	int			g;
	int			i;

	if (st->batch_count == NULL || st->ngroups > st->maxgroups_spread)
	{
		MemoryContext old = MemoryContextSwitchTo(st->cxt);
		int			size = Max(st->maxgroups, st->ngroups);

		if (st->batch_count == NULL)
		{
			st->batch_count = palloc0(sizeof(int32) * size);
			st->spread_s1 = palloc0(sizeof(double) * size);
			st->spread_s2 = palloc0(sizeof(double) * size);
		}
		else
		{
			st->batch_count = repalloc_huge(st->batch_count, sizeof(int32) * size);
			st->spread_s1 = repalloc_huge(st->spread_s1, sizeof(double) * size);
			st->spread_s2 = repalloc_huge(st->spread_s2, sizeof(double) * size);
			memset(st->batch_count + st->maxgroups_spread, 0,
				   sizeof(int32) * (size - st->maxgroups_spread));
			memset(st->spread_s1 + st->maxgroups_spread, 0,
				   sizeof(double) * (size - st->maxgroups_spread));
			memset(st->spread_s2 + st->maxgroups_spread, 0,
				   sizeof(double) * (size - st->maxgroups_spread));
		}
		st->maxgroups_spread = size;
		MemoryContextSwitchTo(old);
	}
	for (i = 0; i < n; i++)
		if (group[i] >= 0)
			st->batch_count[group[i]] += weights ? weights[i] : 1;
	for (g = 0; g < st->ngroups; g++)
	{
		double		c = st->batch_count[g];

		st->spread_s1[g] += c;
		st->spread_s2[g] += c * c;
		st->batch_count[g] = 0;
	}
	st->nbatches++;
}

/*
 * TqlmSink
 *		The executor's sink: accumulate one batch of matched spans.
 */
void
TqlmSink(void *arg, const TqlSpanBatch *b)
{
	TqlmState  *st = (TqlmState *) arg;
	int			n = b->nspans;
	int32	   *bucket;
	int32	   *group;
	int32	   *series;
	double	   *fv = NULL;
	int			i;

	if (n <= 0)
		return;
	if (b->weights != NULL)
	{
		/* a summary (only for counting functions, see TqlmCreate) */
		int64		w = 0;

		Assert(st->func == TQL_MF_RATE || st->func == TQL_MF_COUNT_OVER_TIME);
		st->census_groups++;
		for (i = 0; i < n; i++)
			w += b->weights[i];
		st->census_spans += w;
		st->matched += w;
	}
	else
		st->matched += n;
	ensure_scratch(st, n);
	bucket = st->bucket;
	group = st->group;
	series = st->series;
	TqlmBucketize(&st->grid, b->start_ns, n, bucket);

	if (st->func == TQL_MF_COMPARE)
	{
		TqlmCompareObserve(st, b, bucket);
		return;
	}

	if (st->attr_is_duration || st->attr_index >= 0)
	{
		/* histograms need only the slots, unless exemplars want values */
		if (!is_hist(st->func) || st->max_exemplars > 0)
			fv = st->fvals;
		read_attribute(st, b, fv, is_hist(st->func) ? st->slots : NULL);
		if (is_hist(st->func))
			for (i = 0; i < n; i++)
				if (st->slots[i] < 0)
					bucket[i] = -1;
	}

	TqlmMapGroups(st, b, bucket, group);

	if (is_hist(st->func))
	{
		for (i = 0; i < n; i++)
		{
			int32	   *gs;
			int			g = group[i];

			if (g < 0)
			{
				series[i] = -1;
				continue;
			}
			gs = st->group_slots[g];
			if (likely(gs != NULL && gs[st->slots[i]] >= 0))
				series[i] = gs[st->slots[i]];
			else
				series[i] = TqlmSeriesFor(st, g, st->slots[i]);
		}
	}
	else
		series = group;			/* series id == group id */

	switch (st->func)
	{
		case TQL_MF_RATE:
		case TQL_MF_COUNT_OVER_TIME:
		case TQL_MF_HISTOGRAM_OVER_TIME:
		case TQL_MF_QUANTILE_OVER_TIME:
			{
				int64	  **counts = st->counts;
				const int32 *bw = b->weights;

				if (st->strata != NULL)
				{
					bool	   *keep = st->keep;

					counts = TqlmStrataTarget(st, group, bw, n, keep);
					for (i = 0; i < n; i++)
						if (series[i] >= 0 && keep[i])
							counts[series[i]][bucket[i]] += bw ? bw[i] : 1;
				}
				else if (bw != NULL)
				{
					for (i = 0; i < n; i++)
						if (series[i] >= 0)
							counts[series[i]][bucket[i]] += bw[i];
				}
				else if (st->nby == 0 && !is_hist(st->func) && st->nseries > 0)
				{
					int64	   *c = counts[0];

					for (i = 0; i < n; i++)
						if (bucket[i] >= 0)
							c[bucket[i]]++;
				}
				else
					for (i = 0; i < n; i++)
						if (series[i] >= 0)
							counts[series[i]][bucket[i]]++;
				break;
			}
		case TQL_MF_MIN_OVER_TIME:
		case TQL_MF_MAX_OVER_TIME:
			{
				/* one loop: compare as minima, negating for max */
				double		sign = st->func == TQL_MF_MIN_OVER_TIME ? 1.0 : -1.0;

				/* every span read counts; the sample's statistics need them */
				if (st->strata != NULL)
					(void) TqlmStrataTarget(st, group, NULL, n, st->keep);
				for (i = 0; i < n; i++)
				{
					double	   *cell;

					if (series[i] < 0 || isnan(fv[i]))
						continue;
					cell = &st->sums[series[i]][bucket[i]];
					if (isnan(*cell) || sign * fv[i] < sign * *cell)
						*cell = fv[i];
				}
				break;
			}
		case TQL_MF_SUM_OVER_TIME:
		case TQL_MF_AVG_OVER_TIME:
			for (i = 0; i < n; i++)
			{
				int			s = series[i];
				int			k = bucket[i];
				double		v = fv[i];
				double		sum;
				double		t;

				if (s < 0 || isnan(v))
					continue;
				sum = st->sums[s][k];
				t = sum + v;
				if (fabs(sum) >= fabs(v))
					st->comps[s][k] += (sum - t) + v;
				else
					st->comps[s][k] += (v - t) + sum;
				st->sums[s][k] = t;
				st->counts[s][k]++;
			}
			break;
		case TQL_MF_COMPARE:
			break;
	}

	if (st->track_spread)
		track_spread(st, group, b->weights, n);
	if (st->max_exemplars > 0)
		TqlmExemplarsObserve(st, b, bucket, series, fv);
}

/*
 * TqlmSampleError
 *		After a run that kept the fraction "kept" of the chunk groups (one
 *		batch each), the largest relative standard error of a group's
 *		scaled total, from the spread of its counts between batches
 *		(cluster sampling without replacement).  0 when nothing matched.
 */
double
TqlmSampleError(TqlmState *st, double kept)
{
	double		b = (double) st->nbatches;
	double		worst = 0.0;
	int			g;

	if (b < 2 || st->spread_s1 == NULL)
		return st->ngroups > 0 ? 1.0 : 0.0;
	for (g = 0; g < st->ngroups; g++)
	{
		double		s1 = st->spread_s1[g];
		double		mean = s1 / b;
		double		var = (st->spread_s2[g] - b * mean * mean) / (b - 1);
		double		rse;

		if (s1 <= 0)
			continue;
		rse = sqrt(Max(var, 0.0) * b * Max(1.0 - kept, 0.0)) / s1;
		worst = Max(worst, rse);
	}
	return worst;
}

/*
 * TqlmLog2Quantile
 *		Quantile q of a histogram given as ascending bucket upper bounds
 *		and their counts (zero counts allowed, they are skipped): the bucket
 *		holding the ceil(q * total)-th value, interpolated exponentially
 *		between the previous non-empty bucket's bound (half the bound for
 *		the first) and its own.  0 when there are no values.
 */
double
TqlmLog2Quantile(double q, const double *bmax, const double *counts, int n)
{
	double		total = 0;
	double		want;
	double		seen = 0;
	int			i;
	int			prev = -1;
	int			b = -1;
	int			bprev = -1;
	double		maxv;
	double		minv;

	if (isnan(q) || q < 0 || q > 1)
		return 0;
	for (i = 0; i < n; i++)
		total += counts[i];
	if (total <= 0)
		return 0;
	want = ceil(q * total);
	if (want == 0)
		want = 1;
	for (i = 0; i < n; i++)
	{
		if (counts[i] <= 0)
			continue;
		b = i;
		bprev = prev;
		if (seen + counts[i] > want)
			break;
		seen += counts[i];
		if (seen == want)
			return bmax[i];
		prev = i;
	}
	maxv = log2(bmax[b]);
	minv = bprev >= 0 ? log2(bmax[bprev]) : maxv - 1;
	return exp2(minv + (maxv - minv) * ((want - seen) / counts[b]));
}

static int	slot_order[TQLM_HIST_SLOTS];
static bool slot_order_done = false;

static int
cmp_slot_value(const void *a, const void *b)
{
	double		x = TqlmSlotValue(*(const int *) a);
	double		y = TqlmSlotValue(*(const int *) b);

	return x < y ? -1 : x > y ? 1 : 0;
}

/* The series of quantile_over_time: per group, one per quantile */
static TqlmSeries **
finish_quantiles(TqlmState *st, int *nout)
{
	int			nq = st->metrics->nquantiles;
	int			nint = st->grid.nint;
	TqlmSeries **out = palloc(sizeof(TqlmSeries *) * (Size) Max(st->ngroups * nq, 1));
	double	   *bmax = palloc(sizeof(double) * TQLM_HIST_SLOTS);
	double	   *cnt = palloc(sizeof(double) * TQLM_HIST_SLOTS);
	int		   *sids = palloc(sizeof(int) * TQLM_HIST_SLOTS);

	/*
	 * Stratified samples count in fixed point: back to spans, so that the
	 * rank ceil(q * n) is the one an exact run takes
	 */
	double		unit = st->strata != NULL ? 1.0 / TQLM_WEIGHT_ONE : 1.0;
	int			n = 0;
	int			g;

	if (!slot_order_done)
	{
		for (g = 0; g < TQLM_HIST_SLOTS; g++)
			slot_order[g] = g;
		qsort(slot_order, TQLM_HIST_SLOTS, sizeof(int), cmp_slot_value);
		slot_order_done = true;
	}

	for (g = 0; g < st->ngroups; g++)
	{
		int32	   *slots = st->group_slots[g];
		int			nb = 0;
		int			j;
		int			qi;

		if (slots == NULL)
			continue;
		CHECK_FOR_INTERRUPTS();
		for (j = 0; j < TQLM_HIST_SLOTS; j++)
		{
			int			slot = slot_order[j];

			if (slots[slot] >= 0 && !strata_dropped(st, slots[slot]))
			{
				bmax[nb] = TqlmSlotValue(slot);
				sids[nb++] = slots[slot];
			}
		}
		if (nb == 0)
			continue;
		for (qi = 0; qi < nq; qi++)
		{
			const char *pname = "p";
			TqlmValue	pv;
			TqlmSeries *s;
			int			k;

			memset(&pv, 0, sizeof(pv));
			pv.type = TQL_TYPE_FLOAT;
			pv.f = st->metrics->quantiles[qi];
			s = TqlmMakeSeries(st, g, 1, &pname, &pv);
			s->qvalue = pv.f;
			s->values = palloc(sizeof(double) * nint);
			for (k = 0; k < nint; k++)
			{
				bool		any = false;

				for (j = 0; j < nb; j++)
				{
					cnt[j] = (double) st->counts[sids[j]][k] * unit;
					any |= cnt[j] > 0;
				}

				/*
				 * An interval without values reports 0 (Tempo), but in a
				 * stratified sample it may just have no group read: no
				 * sample there
				 */
				s->values[k] = !any && st->strata != NULL ? NAN :
					TqlmLog2Quantile(pv.f, bmax, cnt, nb);
			}
			/* over the whole range, to place exemplars */
			for (j = 0; j < nb; j++)
			{
				cnt[j] = 0;
				for (k = 0; k < nint; k++)
					cnt[j] += (double) st->counts[sids[j]][k] * unit;
			}
			s->overall = TqlmLog2Quantile(pv.f, bmax, cnt, nb);
			out[n++] = s;
		}
	}
	*nout = n;
	return out;
}

/*
 * A count series of a stratified sample whose spans were all read but not
 * counted (tql_metrics_sample.c): it has no sample, as in an exact run.
 */
static bool
strata_dropped(TqlmState *st, int s)
{
	int			k;

	if (st->strata == NULL || !func_uses_counts(st->func))
		return false;
	for (k = 0; k < st->grid.nint; k++)
		if (st->counts[s][k] != 0)
			return false;
	return true;
}

/*
 * TqlmFinish
 *		The output series, unsorted; scale multiplies counts and sums
 *		(sampling).  Series without any sample are left out.
 */
TqlmSeries **
TqlmFinish(TqlmState *st, double scale, int *nseries)
{
	MemoryContext old = MemoryContextSwitchTo(st->cxt);
	int			nint = st->grid.nint;
	double		step_sec = (double) st->grid.step / 1e9;
	TqlmSeries **out;
	int			n = 0;
	int			s;

	if (st->func == TQL_MF_COMPARE)
	{
		out = TqlmCompareFinish(st, scale, &n);
		MemoryContextSwitchTo(old);
		*nseries = n;
		return out;
	}
	if (st->func == TQL_MF_QUANTILE_OVER_TIME)
	{
		out = finish_quantiles(st, &n);
		st->out = out;
		st->nout = n;
		MemoryContextSwitchTo(old);
		*nseries = n;
		return out;
	}

	out = palloc(sizeof(TqlmSeries *) * Max(st->nseries, 1));
	st->out_of_series = palloc(sizeof(int32) * Max(st->nseries, 1));
	for (s = 0; s < st->nseries; s++)
	{
		TqlmSeries *ser;
		double	   *v;
		bool		any = false;
		int			k;

		CHECK_FOR_INTERRUPTS();
		if (strata_dropped(st, s))
		{
			st->out_of_series[s] = -1;
			continue;
		}
		v = palloc(sizeof(double) * nint);
		for (k = 0; k < nint; k++)
		{
			switch (st->func)
			{
				case TQL_MF_COUNT_OVER_TIME:
				case TQL_MF_HISTOGRAM_OVER_TIME:
					v[k] = (double) st->counts[s][k] * scale;
					break;
				case TQL_MF_RATE:
					v[k] = (double) st->counts[s][k] * scale / step_sec;
					break;
				case TQL_MF_MIN_OVER_TIME:
				case TQL_MF_MAX_OVER_TIME:
					v[k] = st->sums[s][k];
					break;
				case TQL_MF_SUM_OVER_TIME:
					v[k] = st->counts[s][k] > 0 ?
						(st->sums[s][k] + st->comps[s][k]) * scale : NAN;
					break;
				case TQL_MF_AVG_OVER_TIME:
					v[k] = st->counts[s][k] > 0 ?
						(st->sums[s][k] + st->comps[s][k]) / (double) st->counts[s][k] : NAN;
					break;
				default:
					v[k] = NAN;
					break;
			}
			if (!isnan(v[k]))
				any = true;
		}
		if (!any)
		{
			st->out_of_series[s] = -1;
			continue;
		}
		if (st->func == TQL_MF_HISTOGRAM_OVER_TIME)
		{
			const char *bname = "__bucket";
			TqlmValue	bv;

			memset(&bv, 0, sizeof(bv));
			bv.type = TQL_TYPE_FLOAT;
			bv.f = TqlmSlotValue(st->series_slot[s]);
			ser = TqlmMakeSeries(st, st->series_group[s], 1, &bname, &bv);
			ser->slot = st->series_slot[s];
		}
		else
			ser = TqlmMakeSeries(st, st->series_group[s], 0, NULL, NULL);
		ser->values = v;
		st->out_of_series[s] = n;
		out[n++] = ser;
	}
	st->out = out;
	st->nout = n;
	MemoryContextSwitchTo(old);
	*nseries = n;
	return out;
}
