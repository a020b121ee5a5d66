/*-------------------------------------------------------------------------
 *
 * tql_metrics_funcs.c
 *	  SQL functions of TraceQL metrics, their settings, query hints and
 *	  sampling.
 *
 *	 tempo.metrics_range(q, start_time, end_time, step)
 *		 -> (series text, labels jsonb, ts timestamptz, value float8)
 *	 tempo.metrics_instant(q, start_time, end_time)
 *		 -> (series text, labels jsonb, value float8)
 *	 tempo.metrics_exemplars(q, start_time, end_time, step, max_exemplars)
 *		 -> (series text, ts timestamptz, value float8, trace_id, span_id)
 *	 tempo.metrics_buckets(...), tempo.metrics_bucket_of(...)
 *		 the time grid on its own, in nanoseconds (for tests and for users
 *		 who want to see the buckets a request gets)
 *
 * Results are long format, one row per series and timestamp, ordered by
 * series text then time, so a Grafana PostgreSQL panel (or any BI tool)
 * takes ts as the time and series as the metric name.  NaN samples
 * (intervals without a value) have no row.
 *
 * Sampling (with(...) hints, Tempo 2.9): span_sample=x and trace_sample=x
 * keep about x of the spans (traces), in fact 1/floor(1/x) as Tempo's
 * fixed samplers do; sample=x picks the level itself: traces when the
 * pipeline needs whole traces (spanset operators, aggregates, by()),
 * spans otherwise.  Tempo's sample=true keeps 1 in L entries with
 * L = min(10, ceil(10 p)), p the share of entries that match; here
 * sample=true is span level (trace level when the pipeline needs whole
 * traces) at a tenth, and accuracy is checked rather than guessed.
 *
 * Span-level samples skip whole chunk groups before they are read.  For
 * the functions whose results are counts or extremes (rate, count,
 * histogram, quantile, min, max) they are stratified by the values of a
 * by() column and nested (tql_metrics_sample.c): series whose values sit
 * in few chunk groups are exact, the others ratio estimates weighted per
 * series; with sample=true a second pass reads the additional groups each
 * series needs for a relative standard error of at most 2.5% (so every
 * series is within 5% with about 95% confidence).  Results are scaled by
 * 1 / TQLM_WEIGHT_ONE (the weighted counts are fixed point).  Other
 * functions (sum, avg, compare()) and trace-level samples use the
 * executor's plain sampling: when fewer than 10000 spans matched,
 * sample=true runs again unsampled; otherwise (span level) the spread of
 * every group's count between chunk groups gives the standard error, as
 * above.  They are scaled by 1 / (fraction actually kept, as the executor
 * reports it): counts, rates, sums, histogram and compare() counts; min,
 * max, averages and quantiles are not scaled.  A NOTICE reports what was
 * read.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/tql_metrics_funcs.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>
#include <math.h>

#include "datatype/timestamp.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "tempo.h"
#include "tempo_ids.h"
#include "tql_metrics.h"

int			tqlm_max_series = 10000;
int			tqlm_max_intervals = 10000;

#define UNIX_EPOCH_USECS \
	((int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY)

/*
 * sample=true reads this fraction of the data; with fewer matches than
 * TQLM_ADAPTIVE_MIN_MATCHES there, the query runs again unsampled.
 */
#define TQLM_ADAPTIVE_FRACTION 0.1
#define TQLM_ADAPTIVE_MIN_MATCHES 10000
#define TQLM_ADAPTIVE_MAX_ERROR 0.025

PG_FUNCTION_INFO_V1(tempo_metrics_range);
PG_FUNCTION_INFO_V1(tempo_metrics_instant);
PG_FUNCTION_INFO_V1(tempo_metrics_exemplars);
PG_FUNCTION_INFO_V1(tempo_metrics_buckets);
PG_FUNCTION_INFO_V1(tempo_metrics_bucket_of);

void
TqlMetricsInit(void)
{
	DefineCustomIntVariable("tempo.metrics_max_series",
							"Most series a TraceQL metrics query may keep.",
							"Past it the query fails; quantile and histogram "
							"buckets count as series.",
							&tqlm_max_series,
							10000, 1, INT_MAX / 2,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("tempo.metrics_max_intervals",
							"Most intervals (range / step) of a TraceQL metrics range query.",
							"0 means no limit (Tempo's max_intervals).",
							&tqlm_max_intervals,
							10000, 0, 1000000,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
}

/* timestamptz -> unix ns */
static int64
ts_to_ns(TimestampTz ts, const char *what)
{
	int64		us;
	int64		ns;

	if (TIMESTAMP_NOT_FINITE(ts) ||
		pg_add_s64_overflow(ts, UNIX_EPOCH_USECS, &us) ||
		pg_mul_s64_overflow(us, 1000, &ns))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("%s is out of range for TraceQL metrics", what)));
	return ns;
}

static TimestampTz
ns_to_ts(int64 ns)
{
	int64		us = ns / 1000;

	if (ns < 0 && ns % 1000 != 0)
		us--;
	return us - UNIX_EPOCH_USECS;
}

static int64
interval_to_ns(Interval *iv)
{
	int64		us;
	int64		ns;

	if (iv->month != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("step cannot contain months or years")));
	if (pg_mul_s64_overflow((int64) iv->day, USECS_PER_DAY, &us) ||
		pg_add_s64_overflow(us, iv->time, &us) ||
		pg_mul_s64_overflow(us, 1000, &ns))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("step is out of range")));
	return ns;
}

static const TqlHint *
find_hint(const TqlQuery *q, const char *name, TqlType type)
{
	int			i;

	for (i = 0; i < q->nhints; i++)
		if (strcmp(q->hints[i].name, name) == 0 &&
			q->hints[i].value.type == type)
			return &q->hints[i];
	return NULL;
}

/* A float hint in (0, 1), as Tempo's fixed sampler keeps it: 1/floor(1/x) */
static double
fixed_fraction(const TqlQuery *q, const char *name)
{
	const TqlHint *h = find_hint(q, name, TQL_TYPE_FLOAT);

	if (h == NULL || !(h->value.v.f > 0.0 && h->value.v.f < 1.0))
		return 1.0;
	return 1.0 / floor(1.0 / h->value.v.f);
}

static TqlQuery *
compile_metrics(const char *text)
{
	TqlQuery   *q = TqlCompile(text);

	if (q->metrics == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("not a metrics query"),
				 errhint("A TraceQL metrics query ends in a metrics function, such as \"{ } | rate()\".")));
	return q;
}

/*
 * Choose the sampling of a query from its hints.  Returns true for
 * sample=true (adaptive): the caller then checks how many spans matched.
 */
static bool
choose_sampling(const TqlQuery *q, TqlRunOptions *opts)
{
	bool		traces = TqlQueryNeedsFullTraces(q);
	bool		adaptive = false;
	const TqlHint *h;
	double		f;

	opts->trace_sample = fixed_fraction(q, "trace_sample");
	opts->span_sample = fixed_fraction(q, "span_sample");

	h = find_hint(q, "sample", TQL_TYPE_BOOL);
	if (h != NULL && h->value.v.b)
	{
		adaptive = true;
		if (traces)
			opts->trace_sample = TQLM_ADAPTIVE_FRACTION;
		else
			opts->span_sample = TQLM_ADAPTIVE_FRACTION;
	}

	f = fixed_fraction(q, "sample");
	if (f < 1.0)
	{
		adaptive = false;
		if (traces)
			opts->trace_sample = f;
		else
			opts->span_sample = f;
	}
	return adaptive;
}

/* One pass of the executor with the given sampling */
static TqlmState *
run_once(const TqlQuery *q, const TqlmGrid *grid, int max_exemplars,
		 double span_sample, double trace_sample, bool track, double *kept)
{
	TqlRunOptions opts;
	TqlmState  *st;

	TqlRunOptionsInit(&opts);
	st = TqlmCreate(q, grid, max_exemplars, &opts);
	st->track_spread = track;
	opts.span_sample = span_sample;
	opts.trace_sample = trace_sample;
	*kept = 1.0;
	opts.kept_fraction_out = kept;
	TqlRunSpans(q, &opts, TqlmSink, st);
	if (st->census_groups > 0)
		elog(DEBUG1, "TraceQL metrics: %lld spans of %lld chunk groups counted from value censuses",
			 (long long) st->census_spans, (long long) st->census_groups);
	return st;
}

/*
 * A stratified sample (tql_metrics_sample.c) whose first sample keeps the
 * fraction f of the sampled stratum; with eps > 0 (sample=true) a second,
 * nested sample reads the groups the series need for a relative standard
 * error of at most eps.  NULL when the query's function does not allow it.
 */
static TqlmState *
run_strata(const TqlQuery *q, const TqlmGrid *grid, int max_exemplars,
		   double f, double eps, TqlmStrata **strata)
{
	TqlRunOptions opts;
	TqlmState  *st;
	TqlmStrata *sp;
	MemoryContext old;

	TqlRunOptionsInit(&opts);
	st = TqlmCreate(q, grid, max_exemplars, &opts);
	old = MemoryContextSwitchTo(st->cxt);
	sp = TqlmStrataPlan(q, &opts, f, eps > 0);
	MemoryContextSwitchTo(old);
	if (sp == NULL)
	{
		MemoryContextDelete(st->cxt);
		return NULL;
	}
	TqlmStrataAttach(sp, st, &opts);
	TqlRunSpans(q, &opts, TqlmSink, st);
	if (eps > 0 && TqlmStrataExtend(sp, eps))
		TqlRunSpans(q, &opts, TqlmSink, st);
	TqlmStrataFold(st);
	elog(DEBUG1, "TraceQL metrics stratified sample: largest relative standard error %g",
		 TqlmStrataError(sp));
	*strata = sp;
	return st;
}

/* Run a metrics query over a grid: the output series, in text order */
static TqlmSeries **
run_metrics(const TqlQuery *q, const TqlmGrid *grid, int max_exemplars,
			TqlmState **state, int *nseries)
{
	TqlRunOptions opts;
	TqlmState  *st;
	TqlmSeries **out;
	TqlmSeries **sorted;
	double		kept = 1.0;
	double		scale = 1.0;
	bool		adaptive;
	bool		span_level;
	int			n;

	TqlmStrata *sp = NULL;

	TqlRunOptionsInit(&opts);
	adaptive = choose_sampling(q, &opts);
	span_level = opts.span_sample < 1.0 && opts.trace_sample >= 1.0;
	if (span_level &&
		(st = run_strata(q, grid, max_exemplars, opts.span_sample,
						 adaptive ? TQLM_ADAPTIVE_MAX_ERROR : 0.0, &sp)) != NULL)
	{
		int64		gread,
					gtotal;
		double		read = TqlmStrataReadFraction(sp, &gread, &gtotal);
		double		lo,
					hi;

		scale = 1.0 / TQLM_WEIGHT_ONE;
		if (TqlmStrataFactors(sp, &lo, &hi))
			ereport(NOTICE,
					(errmsg("TraceQL metrics read %lld of %lld chunk groups (%.4g%% of the spans in range)",
							(long long) gread, (long long) gtotal, read * 100.0),
					 errdetail("Counts are scaled per series by the rows of the chunk groups holding its value over those read: factors %.4g to %.4g.",
							   lo, hi)));
		else
			ereport(NOTICE,
					(errmsg("TraceQL metrics read %lld of %lld chunk groups (%.4g%% of the spans in range)",
							(long long) gread, (long long) gtotal, read * 100.0),
					 errdetail("Every series was read whole: the counts are exact.")));
	}
	else
		st = run_once(q, grid, max_exemplars, opts.span_sample, opts.trace_sample,
					  adaptive && span_level, &kept);
	if (sp == NULL && adaptive && kept < 1.0)
	{
		double		want = 1.0;

		/*
		 * Too few matches, or counts that vary too much between chunk
		 * groups for the sample to give every series within a few percent
		 * (relative standard error above TQLM_ADAPTIVE_MAX_ERROR): read more.
		 */
		if (st->matched >= TQLM_ADAPTIVE_MIN_MATCHES)
		{
			double		err = span_level ? TqlmSampleError(st, kept) : 0.0;

			want = err <= TQLM_ADAPTIVE_MAX_ERROR ? kept :
				kept * (err / TQLM_ADAPTIVE_MAX_ERROR) * (err / TQLM_ADAPTIVE_MAX_ERROR);
			elog(DEBUG1, "TraceQL metrics sample: kept %g, %lld matches, largest relative error %g, fraction wanted %g",
				 kept, (long long) st->matched, err, want);
		}
		if (want > kept)
		{
			MemoryContextDelete(st->cxt);
			if (want >= 0.5)
				opts.span_sample = opts.trace_sample = 1.0;
			else if (span_level)
				opts.span_sample = want;
			else
				opts.trace_sample = want;
			st = run_once(q, grid, max_exemplars, opts.span_sample,
						  opts.trace_sample, false, &kept);
		}
	}
	if (sp == NULL && (opts.span_sample < 1.0 || opts.trace_sample < 1.0) &&
		kept < 1.0)
	{
		if (kept > 0.0)
			scale = 1.0 / kept;
		ereport(NOTICE,
				(errmsg("TraceQL metrics sampled %.4g%% of the data; counts scaled by %.6g",
						kept * 100.0, scale)));
	}
	out = TqlmFinish(st, scale, &n);
	if (q->second_stage != NULL)
		out = TqlmSecondStage(out, n, grid->nint, q->second_stage->bottom,
							  q->second_stage->k, &n);
	sorted = palloc(sizeof(TqlmSeries *) * Max(n, 1));
	memcpy(sorted, out, sizeof(TqlmSeries *) * n);
	TqlmSortSeries(sorted, n);
	*state = st;
	*nseries = n;
	return sorted;
}

/* Range request: validate, default step, align */
static void
range_grid(FunctionCallInfo fcinfo, TqlmGrid *grid)
{
	int64		start = ts_to_ns(PG_GETARG_TIMESTAMPTZ(1), "start_time");
	int64		end = ts_to_ns(PG_GETARG_TIMESTAMPTZ(2), "end_time");
	int64		step;

	TqlmCheckRange(start, end);
	if (PG_ARGISNULL(3))
		step = TqlmDefaultStep(start, end);
	else
		step = interval_to_ns(PG_GETARG_INTERVAL_P(3));
	TqlmCheckStep(start, end, step, tqlm_max_intervals);
	TqlmGridForRange(grid, start, end, step, true);
}

static bool
null_args(FunctionCallInfo fcinfo, int n)
{
	int			i;

	for (i = 0; i < n; i++)
		if (PG_ARGISNULL(i))
			return true;
	return false;
}

/* Set up the result set; the compiled query, or NULL for NULL arguments */
static TqlQuery *
begin_call(FunctionCallInfo fcinfo)
{
	InitMaterializedSRF(fcinfo, 0);
	if (null_args(fcinfo, 3))
		return NULL;
	return compile_metrics(text_to_cstring(PG_GETARG_TEXT_PP(0)));
}

Datum
tempo_metrics_range(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TqlmGrid	grid;
	TqlQuery   *q;
	TqlmState  *st;
	TqlmSeries **series;
	int			n;
	int			i;
	int			k;

	if ((q = begin_call(fcinfo)) == NULL)
		PG_RETURN_NULL();
	range_grid(fcinfo, &grid);
	series = run_metrics(q, &grid, 0, &st, &n);

	for (i = 0; i < n; i++)
	{
		TqlmSeries *s = series[i];
		Datum		values[4];

		CHECK_FOR_INTERRUPTS();
		/* the labels are the same on every row of a series */
		values[0] = CStringGetTextDatum(s->text);
		values[1] = JsonbPGetDatum(s->labels);
		for (k = 0; k < grid.nint; k++)
		{
			bool		nulls[4] = {false, false, false, false};

			if (s->indicator)
			{
				if (k != grid.nint - 1)
					continue;
				nulls[3] = true;
			}
			else if (isnan(s->values[k]))
				continue;
			values[2] = TimestampTzGetDatum(ns_to_ts(TqlmTimestampOf(&grid, k)));
			values[3] = Float8GetDatum(s->values[k]);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	MemoryContextDelete(st->cxt);
	PG_RETURN_NULL();
}

Datum
tempo_metrics_instant(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TqlmGrid	grid;
	TqlQuery   *q;
	TqlmState  *st;
	TqlmSeries **series;
	int64		start;
	int64		end;
	int			n;
	int			i;

	if ((q = begin_call(fcinfo)) == NULL)
		PG_RETURN_NULL();
	start = ts_to_ns(PG_GETARG_TIMESTAMPTZ(1), "start_time");
	end = ts_to_ns(PG_GETARG_TIMESTAMPTZ(2), "end_time");
	TqlmCheckRange(start, end);
	TqlmGridForInstant(&grid, start, end);
	series = run_metrics(q, &grid, 0, &st, &n);

	for (i = 0; i < n; i++)
	{
		TqlmSeries *s = series[i];
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		if (!s->indicator && isnan(s->values[0]))
			continue;
		values[0] = CStringGetTextDatum(s->text);
		values[1] = JsonbPGetDatum(s->labels);
		values[2] = Float8GetDatum(s->values[0]);
		nulls[2] = s->indicator;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	MemoryContextDelete(st->cxt);
	PG_RETURN_NULL();
}

static int
cmp_exemplar_out(const void *a, const void *b)
{
	const TqlmExemplar *x = a;
	const TqlmExemplar *y = b;
	int			c = strcmp(x->target->text, y->target->text);

	if (c != 0)
		return c;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return memcmp(x->trace_id, y->trace_id, 16);
}

Datum
tempo_metrics_exemplars(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TqlmGrid	grid;
	TqlQuery   *q;
	TqlmState  *st;
	TqlmExemplar *ex;
	const TqlHint *h;
	int			max_exemplars;
	int			n;
	int			i;

	if ((q = begin_call(fcinfo)) == NULL)
		PG_RETURN_NULL();
	range_grid(fcinfo, &grid);
	max_exemplars = PG_ARGISNULL(4) ? 100 : PG_GETARG_INT32(4);
	if (max_exemplars < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_exemplars must not be negative")));
	/* with(exemplars=N) can lower the limit, never raise it */
	h = find_hint(q, "exemplars", TQL_TYPE_INT);
	if (h != NULL && h->value.v.i >= 0 && h->value.v.i < max_exemplars)
		max_exemplars = (int) h->value.v.i;
	if (max_exemplars == 0 || q->metrics->func == TQL_MF_COMPARE)
		PG_RETURN_NULL();

	(void) run_metrics(q, &grid, max_exemplars, &st, &n);
	ex = TqlmExemplarsSelect(st, &n);
	if (n > 1)
		qsort(ex, n, sizeof(TqlmExemplar), cmp_exemplar_out);
	for (i = 0; i < n; i++)
	{
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};
		TraceId    *tid = palloc(sizeof(TraceId));

		memcpy(tid->data, ex[i].trace_id, TRACE_ID_LEN);
		values[0] = CStringGetTextDatum(ex[i].target->text);
		values[1] = TimestampTzGetDatum(ns_to_ts(ex[i].ts));
		values[2] = Float8GetDatum(ex[i].value);
		nulls[2] = isnan(ex[i].value);
		values[3] = TraceIdPGetDatum(tid);
		values[4] = SpanIdGetDatum(SpanIdFromBytes(ex[i].span_id));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	MemoryContextDelete(st->cxt);
	PG_RETURN_NULL();
}

/* Grid of metrics_buckets / metrics_bucket_of arguments (ns) */
static void
grid_from_ns(int64 start, int64 end, int64 step, bool step_null,
			 bool instant, bool extra_bucket, TqlmGrid *grid)
{
	TqlmCheckRange(start, end);
	if (instant)
	{
		TqlmGridForInstant(grid, start, end);
		return;
	}
	if (step_null)
		step = TqlmDefaultStep(start, end);
	TqlmCheckStep(start, end, step, tqlm_max_intervals);
	TqlmGridForRange(grid, start, end, step, extra_bucket);
}

/*
 * tempo.metrics_buckets(start_ns, end_ns, step_ns, instant, extra_bucket)
 *		The intervals of a request: (from_ns, to_ns], reported at to_ns.
 */
Datum
tempo_metrics_buckets(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TqlmGrid	grid;
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(3) || PG_ARGISNULL(4))
		PG_RETURN_NULL();
	grid_from_ns(PG_GETARG_INT64(0), PG_GETARG_INT64(1),
				 PG_ARGISNULL(2) ? 0 : PG_GETARG_INT64(2), PG_ARGISNULL(2),
				 PG_GETARG_BOOL(3), PG_GETARG_BOOL(4), &grid);
	for (i = 0; i < grid.nint; i++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};
		int64		ts = TqlmTimestampOf(&grid, i);

		values[0] = Int32GetDatum(i);
		values[1] = Int64GetDatum(grid.instant ? grid.start : ts - grid.step);
		values[2] = Int64GetDatum(ts);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		CHECK_FOR_INTERRUPTS();
	}
	PG_RETURN_NULL();
}

/*
 * tempo.metrics_bucket_of(ts_ns, start_ns, end_ns, step_ns, extra_bucket)
 *		The interval a start time falls in, NULL outside the grid.
 */
Datum
tempo_metrics_bucket_of(PG_FUNCTION_ARGS)
{
	TqlmGrid	grid;
	int64		ts = PG_GETARG_INT64(0);
	int32		k;

	grid_from_ns(PG_GETARG_INT64(1), PG_GETARG_INT64(2), PG_GETARG_INT64(3),
				 false, false, PG_GETARG_BOOL(4), &grid);
	TqlmBucketize(&grid, &ts, 1, &k);
	if (k < 0)
		PG_RETURN_NULL();
	PG_RETURN_INT32(k);
}
