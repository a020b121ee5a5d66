/*-------------------------------------------------------------------------
 *
 * tql_metrics.h
 *	  Internal interfaces of the TraceQL metrics engine (tql_metrics_*.c).
 *
 * The engine turns the spans that the executor (tql_exec.h) delivers in
 * batches into time series, with Tempo 2.9 semantics:
 *
 *	tql_metrics_time.c		the time grid: request alignment, default
 *							step, validation, intervals (t - step, t]
 *	tql_metrics_series.c	typed label values, series keys, the series
 *							limit, series text and labels jsonb
 *	tql_metrics_agg.c		per-batch accumulation (vectorized), log2
 *							histograms and quantiles, final series
 *	tql_metrics_stage.c		topk/bottomk, compare(), exemplars
 *	tql_metrics_sample.c	stratified chunk-group sampling: metadata
 *							pass, strata, per-value weights, error
 *	tql_metrics_funcs.c		SQL functions, settings, hints, sampling
 *
 * Everything a query allocates lives in TqlmState.cxt, a child of the
 * calling function's memory context.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/tql_metrics.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TQL_METRICS_H
#define TQL_METRICS_H

#include "lib/stringinfo.h"
#include "utils/jsonb.h"

#include "tql_exec.h"

/* by() takes at most 5 attributes (the analyzer checks it) */
#define TQLM_MAX_BY 5

/*
 * Power-of-two histogram slots of a series: slot e (0..63) is the bucket
 * 2^e nanoseconds of a duration, slot 64 + e the bucket 2^e of an integer.
 */
#define TQLM_HIST_SLOTS 128

/* Settings (tql_metrics_funcs.c) */
extern int	tqlm_max_series;
extern int	tqlm_max_intervals;

/*
 * The time grid of a query: interval i covers start times in
 * (start + i * step, start + (i + 1) * step] and is reported at its right
 * edge.  For an instant query there is one interval (start, end].
 */
typedef struct TqlmGrid
{
	int64		start;			/* ns: exclusive lower edge of interval 0 */
	int64		end;			/* ns: inclusive upper edge of the last one */
	int64		step;			/* ns */
	int			nint;
	bool		instant;
	double		inv_step;		/* 1.0 / step, for bucketing */
} TqlmGrid;

/* A typed label value (by() value, compare() value) */
typedef struct TqlmValue
{
	uint8		type;			/* TqlType; TQL_TYPE_ATTRIBUTE = array */
	int64		i;				/* BOOL, INT, DURATION, STATUS, KIND */
	double		f;				/* FLOAT */
	const char *s;				/* STRING; array as JSON text */
	int32		len;
} TqlmValue;

/* One output series: labels, and a value per interval (NaN = none) */
typedef struct TqlmSeries
{
	char	   *text;			/* {a="x", b=1} */
	Jsonb	   *labels;
	double	   *values;			/* [grid.nint] */
	int			group;			/* by() group it comes from, or -1 */
	int			slot;			/* histogram slot, or -1 */
	double		qvalue;			/* quantile_over_time: its quantile */
	double		overall;		/* quantile: value over the whole range */
	bool		indicator;		/* compare() error marker: no samples, one
								 * row with a NULL value */
} TqlmSeries;

typedef struct TqlmExemplar
{
	int			series;			/* internal series (accumulator) id */
	TqlmSeries *target;			/* output series, once selected */
	int64		ts;				/* span start, ns */
	double		value;			/* NaN for rate/count/histogram */
	uint8		trace_id[16];
	uint8		span_id[8];
} TqlmExemplar;

typedef struct TqlmState TqlmState;

/* in tql_metrics_time.c */
extern int64 TqlmDefaultStep(int64 start, int64 end);
extern void TqlmCheckRange(int64 start, int64 end);
extern void TqlmCheckStep(int64 start, int64 end, int64 step, int max_intervals);
extern void TqlmGridForRange(TqlmGrid *grid, int64 start, int64 end,
							 int64 step, bool align);
extern void TqlmGridForInstant(TqlmGrid *grid, int64 start, int64 end);
extern void TqlmBucketize(const TqlmGrid *grid, const int64 *ts, int n,
						  int32 *out);
extern int64 TqlmTimestampOf(const TqlmGrid *grid, int i);
extern void TqlmAppendGoDuration(StringInfo buf, int64 ns);

/* in tql_metrics_series.c */
extern void TqlmSeriesInit(TqlmState *st);
extern void TqlmMapGroups(TqlmState *st, const TqlSpanBatch *batch,
						  const int32 *keep, int32 *group);
extern int	TqlmSeriesFor(TqlmState *st, int group, int slot);
extern void TqlmSeriesLimitError(int limit);
extern void TqlmAppendLabelValue(StringInfo buf, const TqlmValue *v);
extern void TqlmPushLabelValue(JsonbParseState **ps, const TqlmValue *v);
extern TqlmSeries *TqlmMakeSeries(TqlmState *st, int group, int nextra,
								  const char **extra_names,
								  const TqlmValue *extra_values);
extern void TqlmGetValue(const TqlValueVector *v, int i, TqlmValue *out);
extern bool TqlmValueEqual(const TqlmValue *a, const TqlmValue *b);
extern uint32 TqlmValueHash(const TqlmValue *v);
extern TqlmValue TqlmCopyValue(const TqlmValue *v);

/* in tql_metrics_agg.c */
extern int	TqlmNewSeries(TqlmState *st, int group, int slot);
extern TqlmState *TqlmCreate(const TqlQuery *query, const TqlmGrid *grid,
							 int max_exemplars, TqlRunOptions *opts);
extern void TqlmSink(void *arg, const TqlSpanBatch *batch);
extern TqlmSeries **TqlmFinish(TqlmState *st, double scale, int *nseries);
extern double TqlmSampleError(TqlmState *st, double kept);

/*
 * Stratified chunk-group sampling (tql_metrics_sample.c).  Weighted counts
 * are fixed point: TQLM_WEIGHT_ONE is a weight of 1.
 */
#define TQLM_WEIGHT_ONE 1024
typedef struct TqlmStrata TqlmStrata;
extern TqlmStrata *TqlmStrataPlan(const TqlQuery *q, const TqlRunOptions *range,
								  double fraction, bool adaptive);
extern void TqlmStrataAttach(TqlmStrata *sp, TqlmState *st, TqlRunOptions *opts);
extern int64 **TqlmStrataTarget(TqlmState *st, const int32 *group,
								const int32 *weights, int n, bool *keep);
extern bool TqlmStrataExtend(TqlmStrata *sp, double eps);
extern void TqlmStrataFold(TqlmState *st);
extern double TqlmStrataError(TqlmStrata *sp);
extern bool TqlmStrataFactors(TqlmStrata *sp, double *lo, double *hi);
extern double TqlmStrataReadFraction(TqlmStrata *sp, int64 *groups_read,
									 int64 *groups_total);
extern double TqlmLog2Quantile(double q, const double *bmax,
							   const double *counts, int n);
extern int	TqlmLog2Slot(int64 v, bool duration);
extern double TqlmSlotValue(int slot);

/* in tql_metrics_stage.c */
extern TqlmSeries **TqlmSecondStage(TqlmSeries **in, int n, int nint,
									bool bottom, int64 k, int *nout);
extern void TqlmCompareObserve(TqlmState *st, const TqlSpanBatch *batch,
							   const int32 *bucket);
extern TqlmSeries **TqlmCompareFinish(TqlmState *st, double scale,
									  int *nseries);
extern void TqlmExemplarsObserve(TqlmState *st, const TqlSpanBatch *batch,
								 const int32 *bucket, const int32 *series,
								 const double *values);
extern TqlmExemplar *TqlmExemplarsSelect(TqlmState *st, int *n);
extern int	TqlmSortSeries(TqlmSeries **s, int n);

/*
 * State of one metrics query.  Fields are grouped by the file that owns
 * them; the struct is shared so the per-batch code needs no accessors.
 */
struct TqlmState
{
	MemoryContext cxt;
	const TqlQuery *query;
	const TqlNode *metrics;
	TqlMetricsFunc func;
	TqlmGrid	grid;

	/* values the sink asked for: index into batch->values, or -1 */
	int			nby;
	int			by_index[TQLM_MAX_BY];
	char	   *by_names[TQLM_MAX_BY];
	int			attr_index;		/* metrics attribute; -1 none */
	bool		attr_is_duration;	/* it is span:duration: use duration_ns */
	int			cmp_index;		/* compare() selection */
	int			cmp_intr_index; /* first of the compare() intrinsics */

	/* series (tql_metrics_series.c) */
	struct tqlm_vals_hash *vals[TQLM_MAX_BY];
	TqlmValue  *valarr[TQLM_MAX_BY];	/* interned values by id */
	int			nvals[TQLM_MAX_BY];
	int			maxvals[TQLM_MAX_BY];
	int32	   *group_of_val;	/* nby == 1: value id -> group */
	int			group_of_val_size;
	struct tqlm_groups_hash *groups;	/* nby >= 2 */
	int			ngroups;
	int			maxgroups;
	int32	   *group_vals;		/* ngroups x nby value ids */
	int32	  **group_slots;	/* histogram: group -> slot -> series */
	int			series_limit;

	/* accumulators (tql_metrics_agg.c), one per internal series */
	int			nseries;
	int			maxseries;
	int32	   *series_group;
	int16	   *series_slot;
	int64	  **counts;			/* count, rate, histogram, quantile, avg */
	double	  **sums;			/* min, max, sum, avg */
	double	  **comps;			/* sum, avg: Neumaier compensation */

	int64		matched;		/* spans delivered by the executor */
	int64		census_groups;	/* of them in summary batches: groups */
	int64		census_spans;	/* ... and their spans */

	/*
	 * Spread of group counts between batches (chunk groups), for the
	 * error of a sampled run: per group, sum and sum of squares of its
	 * count in each batch.
	 */
	bool		track_spread;
	int64		nbatches;
	double	   *spread_s1;
	double	   *spread_s2;
	int32	   *batch_count;	/* per group, this batch */
	int			maxgroups_spread;

	/*
	 * Stratified sampling (tql_metrics_sample.c): counts of sampled chunk
	 * groups are unweighted until TqlmStrataFold weights them by the
	 * stratum key of the by() group (item strata_item); those of the exact
	 * stratum go to strata_exact.
	 */
	TqlmStrata *strata;
	int			strata_item;
	int32	   *strata_key;		/* by() group -> key, -1 not yet known */
	int			strata_maxgroups;
	int64	  **strata_exact;	/* per series, like counts */
	int			strata_nexact;
	int			strata_maxexact;

	/* per-batch scratch */
	int			scratch_n;
	bool	   *keep;			/* with strata */
	int32	   *bucket;
	int32	   *group;
	int32	   *series;
	int16	   *slots;
	int32	   *vidbuf;			/* nby x scratch_n value ids */
	double	   *fvals;

	/* compare() (tql_metrics_stage.c) */
	struct tqlm_cmp_hash *cmp;
	int64		cmp_start;
	int64		cmp_end;
	int			cmp_topn;

	/* exemplars (tql_metrics_stage.c) */
	int			max_exemplars;	/* 0 = none */
	int			ex_n;
	int			ex_max;
	TqlmExemplar *ex;
	struct tqlm_ex_hash *ex_slots;
	struct tqlm_trace_hash *ex_traces;
	TqlmSeries **out;			/* final series, for exemplar mapping */
	int			nout;
	int32	   *out_of_series;	/* internal series -> first output index */
};

#endif							/* TQL_METRICS_H */
