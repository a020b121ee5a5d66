/*-------------------------------------------------------------------------
 *
 * tql_exec_int.h
 *	  Declarations shared by the files of the TraceQL executor only
 *	  (tql_exec.c, tql_exec_eval.c, tql_exec_trace.c, tql_funcs.c).
 *
 * The executor reads tempo.spans with the batch reader (col.h).  What a
 * query reads is described by ExecFields: one per distinct attribute or
 * intrinsic, deduplicated over the whole query and the consumer's extra
 * expressions.  Values travel as ExecVecs (a TqlValueVector plus a
 * "uniform type" flag for fast paths), filled either from a ColBatch
 * (span-only queries and the scans of trace assembly) or from the span
 * records of an assembled trace (ExecTrace).  The same evaluator runs on
 * both (tql_exec_eval.c).
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/tql_exec_int.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TQL_EXEC_INT_H
#define TQL_EXEC_INT_H

#include "col.h"
#include "regex/regex.h"
#include "utils/hsearch.h"
#include "tql_exec.h"

/* The columns of tempo.spans the executor may read (by name). */
typedef enum ExecCol
{
	EC_TENANT = 0,
	EC_TRACE_ID,
	EC_SPAN_ID,
	EC_PARENT_SPAN_ID,
	EC_NAME,
	EC_KIND,
	EC_START_NS,
	EC_DURATION,
	EC_STATUS,
	EC_STATUS_MESSAGE,
	EC_SERVICE_NAME,
	EC_RESOURCE_ATTRS,
	EC_SPAN_ATTRS,
	EC_SCOPE_NAME,
	EC_SCOPE_VERSION,
	EC_EVENTS,
	EC_LINKS,
	EC_NCOLS
} ExecCol;

extern const char *const ExecColNames[EC_NCOLS];

/* Where a field's values come from. */
typedef enum ExecFieldKind
{
	EF_TEXT_COL,				/* name, statusMessage, instrumentation:*,
								 * resource.service.name: a text column */
	EF_STATUS,
	EF_KIND,
	EF_DURATION,
	EF_SPAN_ID,
	EF_PARENT_ID,
	EF_TRACE_ID,
	EF_SPAN_ATTR,				/* span.x */
	EF_RESOURCE_ATTR,			/* resource.x */
	EF_ANY_ATTR,				/* .x: span, then resource */
	EF_EVENT_NAME,
	EF_EVENT_TSS,
	EF_EVENT_ATTR,
	EF_LINK_TRACE_ID,
	EF_LINK_SPAN_ID,
	EF_LINK_ATTR,
	EF_NIL,						/* instrumentation.x: not stored, always nil */
	EF_ELEM_GROUP,				/* bool: one event (link) meets all of a
								 * filter's event (link) conditions */
	/* trace level: only known once the trace is assembled */
	EF_TRACE_DURATION,
	EF_ROOT_NAME,
	EF_ROOT_SERVICE,
	EF_NS_LEFT,
	EF_NS_RIGHT,
	EF_NS_PARENT
} ExecFieldKind;

typedef struct ExecField
{
	ExecFieldKind kind;
	ExecCol		col;			/* EF_TEXT_COL; fallback column of
								 * EF_ANY_ATTR "service.name" (or -1) */
	char	   *key;			/* attribute name */
	int			span_key;		/* reader key index of span_attributes key */
	int			res_key;		/* reader key index of resource_attributes key */
	bool		trace_level;
	TqlExpr    *expr;			/* one node that reads it (for names) */
	int			group;			/* EF_ELEM_GROUP: index in plan->groups */
} ExecField;

/*
 * Conditions on event (link) fields that one filter ANDs must hold for one
 * and the same event (link), as in Tempo 2.9 (tql_exec.c).  The filter's
 * expression (root) is evaluated as the AND of rconds: its other
 * conjuncts and synth, an expression of the group's EF_ELEM_GROUP field.
 */
typedef struct ExecElemGroup
{
	bool		links;
	const TqlExpr *root;
	int			nconds;
	TqlExpr   **conds;			/* comparisons with a literal, or exists */
	ExecField  *cfields;		/* the field each condition reads */
	TqlExpr    *synth;
	int			field;
	int			nrconds;
	TqlExpr   **rconds;
} ExecElemGroup;

/* A single value (what a record stores per field). */
typedef struct ExecVal
{
	uint8		type;			/* TqlType; NIL when absent */
	int32		len;			/* STRING */
	union
	{
		int64		i;
		double		f;
		const char *s;
		Jsonb	   *a;			/* ATTRIBUTE: an array */
	}			u;
} ExecVal;

/* Values of one expression for a list of rows. */
typedef struct ExecVec
{
	TqlValueVector v;
	int			uniform;		/* TqlType every entry has (never nil), or -1 */
} ExecVec;

/* A span of an assembled trace. */
typedef struct ExecSpan
{
	uint64		span_id;
	uint64		parent_id;
	bool		has_parent;
	int64		start_ns;
	int64		duration_ns;
	int32		ns_left;		/* nested set numbers, 0 = not numbered */
	int32		ns_right;
	int32		ns_parent;
	Jsonb	   *span_attrs;		/* when wanted */
	Jsonb	   *res_attrs;
	ExecVal    *vals;			/* [plan->nfields] (trace-level ones unset) */
} ExecSpan;

typedef struct ExecTrace
{
	uint8		trace_id[16];
	int			nspans;
	int			maxspans;
	ExecSpan  **spans;
	/* trace level, filled by ExecTracePrepare */
	int64		start_ns;
	int64		end_ns;
	int			root;			/* index of the root span, -1 none */
	int		   *tparent;		/* parent in the numbered tree, -1 none */
	uint32		atoms;			/* pass 1: candidate atoms seen */
	bool		prepared;
} ExecTrace;

/* A spanset of a trace during pipeline evaluation. */
typedef struct ExecSpanset
{
	int			n;
	int		   *idx;			/* ascending span indexes into the trace */
	int			nattrs;			/* by() values */
	char	  **attr_names;
	ExecVal    *attr_vals;
} ExecSpanset;

/* Pushdown of span conditions into the reader, resolved per partition. */
typedef struct ExecPushdown
{
	ExecCol		col;
	ColPredOp	op;
	Datum		value;
} ExecPushdown;

#define EXEC_MAX_PUSHDOWN 16
#define EXEC_MAX_ATOMS 32

typedef struct ExecPlan
{
	const TqlQuery *query;
	const TqlRunOptions *opts;
	MemoryContext cxt;			/* the run's memory */

	int			nfields;
	ExecField  *fields;
	int			nmap;			/* expression node -> field */
	const TqlExpr **map_expr;
	int		   *map_field;
	int			nkeys;			/* reader keys: (column, key) */
	ExecCol    *key_cols;
	char	  **key_names;

	int			ngroups;		/* same-event (same-link) condition groups */
	ExecElemGroup *groups;

	bool		trace_mode;		/* assemble traces */
	TqlExpr   **span_conds;		/* span mode: conjuncts of all filters */
	int			nspan_conds;

	/* trace mode, pass 1: candidate atoms and the trace-level formula */
	int			natoms;
	TqlExpr    *atoms[EXEC_MAX_ATOMS];	/* NULL = every span */
	bool		need_pass1;

	/*
	 * "{ filters } | count() op N": pass 1 counts the matching spans per
	 * trace (atoms[0] is the filters' conjunction, or natoms = 0 for every
	 * span) and only traces whose count passes are candidates.
	 */
	bool		count_mode;
	TqlOp		count_op;
	double		count_limit;

	/*
	 * tenants: NULL = all.  tempo.tenant, intersected with the role's bound
	 * tenants on the first scan (tenancy_done); no_tenant when that leaves
	 * none, so every scan is empty.
	 */
	int			ntenants;
	char	  **tenants;
	bool		tenancy_done;
	bool		no_tenant;

	int			npush;
	ExecPushdown push[EXEC_MAX_PUSHDOWN];

	/* search: fields it shows on result spans (indexes), and helpers */
	int			f_name;
	int			f_service;
	int			f_status;
	bool		want_trace_ids;	/* delivered batches carry ids */

	/* selected values (select()), for search results */
	int			nselect;
	TqlExpr   **selects;

	struct Formula *formula;	/* trace mode: which atoms a trace needs */

	/*
	 * A chunk-group filter of the executor's own for the next scans (tenant
	 * discovery, trace id lookups), applied after the options' one; NULL
	 * when none.
	 */
	ColGroupFilter scan_filter;
	void	   *scan_filter_arg;

	/*
	 * Columns (ExecCol + 1) that the next scans of tempo_columnar
	 * partitions decode only when a batch's consumer first asks for them
	 * (ExecSourceColumn), and whether attribute keys are read that way too
	 * (ExecSourceKey): a condition that leaves no row spares the others'
	 * columns, a lookup's chunk group without the trace spares all but the
	 * trace ids.
	 */
	Bitmapset  *lazy_cols;
	bool		lazy_keys;
} ExecPlan;

/* Where the evaluator takes values from: a batch, or a trace. */
typedef struct ExecSource
{
	ExecPlan   *plan;
	int			nrows;			/* rows of the batch / spans of the trace */
	Oid			relid;			/* partition of the batch */
	/* batch */
	ColBatch   *batch;
	const AttrNumber *attnos;	/* [EC_NCOLS] partition column numbers */
	const int  *keymap;			/* [plan->nkeys] batch key index, or -1 */
	ColReadState *rs;			/* columnar batch: its reader (lazy reads) */
	const bool *keywant;		/* [plan->nkeys] keys the scan may read */
	ColKeyVector **lazykeys;	/* [plan->nkeys] keys read on demand */
	/* trace */
	ExecTrace  *trace;
	/* per-field value cache, [plan->nfields], row-indexed */
	ExecVec   **cache;
} ExecSource;

/* Consumer of assembled traces (search) */
typedef void (*ExecTraceSink) (void *arg, ExecPlan *plan, ExecTrace *trace,
							   int nsets, ExecSpanset *sets);

/* in tql_exec.c */
extern ExecPlan *ExecMakePlan(const TqlQuery *query, const TqlRunOptions *opts,
							  int nextra, TqlExpr **extra, bool force_traces);
extern int	ExecFieldOf(ExecPlan *plan, const TqlExpr *e);
extern void ExecScanSpans(ExecPlan *plan, Bitmapset *cols, const bool *keys,
					 const ExecPushdown *push, int npush,
					 const uint8 *trace_id,
					 bool (*fn) (void *arg, ExecSource *src, const int64 *start,
								 int nrows, const int *rows),
					 void *arg);
extern ColVector *ExecSourceColumn(ExecSource *src, ExecCol col);
extern ColKeyVector *ExecSourceKey(ExecSource *src, int key);
extern Bitmapset *ExecFieldColumns(ExecPlan *plan, Bitmapset *cols,
								   const bool *fieldmask);
extern const bool *ExecAllKeys(ExecPlan *plan);
extern void ExecExprFields(ExecPlan *plan, const TqlExpr *e, bool *fieldmask);
extern bool *ExecFieldKeys(ExecPlan *plan, const bool *fieldmask);
extern bool ExecTraceIsCandidate(ExecPlan *plan, uint32 atoms);
extern void ExecSplitConjuncts(TqlExpr *e, TqlExpr ***out, int *n, int *cap);
extern const ExecElemGroup *ExecGroupOfRoot(ExecPlan *plan, const TqlExpr *e);

/* in tql_exec_trace.c */
extern void ExecRunTraces(ExecPlan *plan, int ncand, const uint8 *cand,
						  ExecTraceSink sink, void *arg);
extern void ExecRunSpansFromTraces(ExecPlan *plan, TqlSpanSink sink, void *arg);
extern List *ExecPlanTenants(ExecPlan *plan);
extern List *ExecPlanTenantsFrom(ExecPlan *plan, List *found);
extern void ExecRunTracesIn(ExecPlan *plan, List *tenants, int ncand,
							const uint8 *cand, ExecTraceSink sink, void *arg);
extern ExecPlan *ExecPlanForTenant(const ExecPlan *plan, const char *tenant,
								   const TqlRunOptions *opts);

/* in tql_exec_eval.c */
extern void ExecSourceInit(ExecSource *src, ExecPlan *plan, int nrows);
extern ExecVec *ExecFieldValues(ExecSource *src, int field);
extern void ExecEvalPred(ExecSource *src, const TqlExpr *e, int n,
						 const int *rows, uint8 *out);
extern ExecVec *ExecEvalValue(ExecSource *src, const TqlExpr *e, int n,
							  const int *rows);
extern ColKeyVector *ExecFieldKeyVector(ExecSource *src, int field);
extern void ExecKeyValue(const ColKeyVector *kv, int i, ExecVal *out);
extern void ExecVecGet(const ExecVec *vec, int i, ExecVal *out);
extern bool ExecValEqual(const ExecVal *a, const ExecVal *b);
extern uint32 ExecValHash(const ExecVal *v);
extern bool ExecValNumber(const ExecVal *v, double *d);
extern bool ExecExprIsTraceLevel(ExecPlan *plan, const TqlExpr *e);

extern void ExecTracePrepare(ExecPlan *plan, ExecTrace *trace);
extern int	ExecTracePipeline(ExecPlan *plan, ExecTrace *trace,
							  ExecSpanset **sets);

#endif							/* TQL_EXEC_INT_H */
