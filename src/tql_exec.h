/*-------------------------------------------------------------------------
 *
 * tql_exec.h
 *	  Contract between the TraceQL executor and the subsystems built on it.
 *
 * The executor (src/tql_exec*.c) runs the spanset pipeline of an analyzed
 * query (TqlQuery.pipeline) over tempo.spans within a time range and the
 * session's tenants, with Tempo 2.9 per-trace semantics.  Search
 * (tempo.search, tempo.search_spans), tag lookups and metrics
 * (tempo.metrics_*) are all consumers of the one entry point below:
 *
 *	 TqlRunSpans(query, &opts, sink, arg);
 *
 * calls sink(arg, batch) any number of times, each time with some of the
 * spans that the pipeline left in a non-empty spanset of their trace (the
 * "matched" spans).  A span is delivered at most once.  Order is not
 * defined.  For queries whose pipeline only needs per-span conditions
 * (TqlQueryNeedsFullTraces() is false) the executor works a chunk group at
 * a time and never assembles traces; otherwise it assembles candidate
 * traces first.
 *
 * Besides the fixed per-span fields, the sink may ask for the values of
 * any analyzed field expressions (opts.exprs): by() items, the attribute of
 * a metrics function, a compare() selection (a boolean expression).  They
 * arrive as TqlValueVectors, one per expression, evaluated with exactly the
 * semantics of a span filter (unscoped names look at span then resource,
 * missing attributes are nil, arrays stay arrays: see below).
 *
 * Memory: everything a batch points to belongs to the executor and is
 * valid only during the sink call; copy what must live longer.  The sink
 * runs in a short-lived memory context of the executor (reset after the
 * call): allocate what must survive in a context of your own.  The sink
 * may ereport(); the executor cleans up through memory contexts.  Long
 * runs check for interrupts between chunk groups.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/tql_exec.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TQL_EXEC_H
#define TQL_EXEC_H

#include "col.h"
#include "tql.h"
#include "utils/jsonb.h"

/*
 * Values of one field expression for the spans of a batch.
 *
 * types[i] is the TqlType of span i's value: TQL_TYPE_NIL when the value is
 * absent (missing attribute, NULL column), else one of BOOL, INT, FLOAT,
 * STRING, DURATION, STATUS, KIND.  An attribute holding an array has type
 * TQL_TYPE_ATTRIBUTE and its elements in arrays[i] (a Jsonb array).
 *
 *	 ints[i]	INT, DURATION (ns), STATUS, KIND enum, BOOL (0 or 1)
 *	 floats[i]	FLOAT
 *	 strs[i]	STRING, NUL-terminated (strlens[i] bytes without the NUL)
 *
 * Dictionary form: when codes != NULL, span i's value is entry codes[i] of
 * dict (a vector of ndict entries, itself never in dictionary form), and
 * codes[i] == -1 means nil; types/ints/... of the outer vector are then
 * NULL.  A dictionary is only valid for the batch it comes with (it is
 * usually the chunk group's column dictionary), but it lets a consumer do
 * per-distinct-value work (series lookup for by()) once per batch.
 */
typedef struct TqlValueVector
{
	int			n;				/* number of entries */
	uint8	   *types;
	int64	   *ints;
	double	   *floats;
	const char **strs;
	int32	   *strlens;
	Jsonb	  **arrays;
	/* dictionary form */
	int32	   *codes;
	int			ndict;
	struct TqlValueVector *dict;
} TqlValueVector;

/* The matched spans handed to a sink. */
typedef struct TqlSpanBatch
{
	int			nspans;
	const int64 *start_ns;		/* start_time_unix_nano */
	const int64 *duration_ns;
	const uint8 *trace_ids;		/* nspans x 16 bytes */
	const uint8 *span_ids;		/* nspans x 8 bytes */
	int			nvalues;		/* = opts->nexprs */
	TqlValueVector **values;	/* [nexprs], same order as opts->exprs */

	/*
	 * When opts->want_attributes: the span's and its resource's attribute
	 * maps as stored (NULL entries for NULL columns), for compare().
	 */
	Jsonb	  **span_attributes;
	Jsonb	  **resource_attributes;

	/*
	 * NULL, or (only when opts->summary_ok agreed, see there) row i
	 * stands for weights[i] spans with the same values.
	 */
	const int32 *weights;
} TqlSpanBatch;

typedef void (*TqlSpanSink) (void *arg, const TqlSpanBatch *batch);

typedef struct TqlRunOptions
{
	/*
	 * Time range on start_time_unix_nano: start_ns <= t <= end_ns, or
	 * start_ns < t <= end_ns with start_exclusive (the metrics rule).
	 */
	int64		start_ns;
	int64		end_ns;
	bool		start_exclusive;

	/* Extra per-span values wanted by the sink (analyzed expressions). */
	int			nexprs;
	TqlExpr   **exprs;
	bool		want_attributes;

	/*
	 * Sampling, for metrics (1.0 = everything).  span_sample keeps about
	 * that fraction of the spans by skipping whole chunk groups before
	 * they are read (a hash of the group's identity decides, so the same
	 * query on the same data gives the same answer); trace_sample keeps
	 * the traces whose trace id hashes below the fraction.  The executor
	 * reports what it actually kept in *kept_fraction_out when not NULL
	 * (span_sample: rows of the chunk groups kept / rows of the chunk
	 * groups in range; trace_sample: matches kept / matches), so the
	 * consumer can scale.
	 */
	double		span_sample;
	double		trace_sample;
	double	   *kept_fraction_out;

	/*
	 * A consumer's own choice of chunk groups, replacing span_sample's
	 * (which then only matters to the consumer): in span mode
	 * (TqlQueryNeedsFullTraces() false) it is the group filter of every
	 * partition's batch reader (ColReadSetGroupFilter in col.h), called
	 * with group_filter_arg before each chunk group in range is read.
	 * Calls and sink calls interleave in read order: the spans of a sink
	 * call come from the group of the last call that returned true, so the
	 * consumer also learns of the kept groups in which nothing matched.
	 * Heap partitions offer each batch after reading it (buffered set).
	 * Ignored in trace mode.
	 */
	ColGroupFilter group_filter;
	void	   *group_filter_arg;

	/*
	 * Stop after this many matched traces (0 = no limit); search uses it.
	 * The spans delivered then come from at most that many traces, with
	 * all of their matched spans.
	 */
	int64		max_traces;

	/*
	 * Leave out what the sink does not read, to save decoding: with
	 * skip_ids the batches' trace_ids and span_ids are NULL, with
	 * skip_duration their duration_ns is NULL.
	 */
	bool		skip_ids;
	bool		skip_duration;

	/*
	 * With max_traces: the sink only wants to know which traces match (any
	 * of their spans will do), so the executor may leave the traces'
	 * later matched spans out instead of completing them.
	 */
	bool		traces_only;

	/*
	 * Counting consumers (metrics rate, count_over_time) that only need,
	 * per distinct combination of their expressions' values, how many
	 * spans started in each interval of their own: in span mode, with
	 * skip_ids and skip_duration, no attributes, no trace sampling and no
	 * trace limit, a chunk group whose footer holds a value census of every
	 * column the query reads (col_census.c) may be delivered as a summary
	 * batch (TqlSpanBatch.weights) instead of its spans, each row standing
	 * for the spans of one cell of time with those values, its start_ns
	 * one time of that cell.  summary_ok(summary_arg, cell_width, tmin,
	 * tmax) decides, for a group whose spans started in [tmin, tmax]: it
	 * returns true only when any start time of a cell (c * cell_width,
	 * (c + 1) * cell_width] (cell_width 0: of [tmin, tmax]) falls into the
	 * same interval of the consumer's as every other.  The executor checks
	 * the time range and tenants itself.  Filters are evaluated on the
	 * summary rows as on spans, which is exact since every span of a row
	 * has the row's values.
	 */
	bool		(*summary_ok) (void *arg, int64 cell_width, int64 tmin, int64 tmax);
	void	   *summary_arg;
} TqlRunOptions;

/* Defaults: whole range, no extra values, no sampling, no limit, all fields. */
extern void TqlRunOptionsInit(TqlRunOptions *opts);

/* in tql_exec.c */
extern char *ExecExplain(const TqlQuery *query);
extern void TqlRunSpans(const TqlQuery *query, const TqlRunOptions *opts,
						TqlSpanSink sink, void *arg);

#endif							/* TQL_EXEC_H */
