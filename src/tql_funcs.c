/*-------------------------------------------------------------------------
 *
 * tql_funcs.c
 *	  SQL-callable TraceQL functions: tempo.explain, tempo.search and
 *	  tempo.search_spans.
 *
 * Every function compiles the query first, in a memory context owned by
 * the call, so that an invalid query raises its error (DESIGN.md 3.3)
 * before anything is read.  Time arguments are timestamptz; search sees
 * the spans whose start time lies in [start_time, end_time] (end before
 * start raises 22023).  Tenants come from tempo.tenant (tql_exec.c).
 *
 * tempo.search mirrors Tempo's search response, one row per trace:
 *	- which traces: for queries that need whole traces the executor hands
 *	  over assembled traces directly; for span-only queries the span path
 *	  finds the first max_traces traces with a matching span (all of them
 *	  with most_recent=true) and their spans are then assembled by trace
 *	  id, so that the spansets (and their matched counts) are computed
 *	  over the whole trace in the range, as Tempo does per trace;
 *	- most_recent=true keeps the max_traces traces that start last (the
 *	  whole range is searched); without it the first traces found are
 *	  returned, as Tempo (which trace is found first is not defined);
 *	- rows come out newest first (trace start, then trace id), as Tempo's
 *	  frontend sorts them;
 *	- root_service_name is "<root span not yet received>" when the trace
 *	  has no root span in the range (or the root has no service.name), as
 *	  Tempo's frontend writes; root_span_name is then NULL (Tempo leaves
 *	  rootTraceName empty); start_time and duration_ms span the spans of
 *	  the trace in the range;
 *	- spansets is a JSON array of {"spans": [...], "matched": N,
 *	  "attributes": [...]}: up to spans_per_spanset spans (earliest
 *	  first), each {"spanID", "name", "startTimeUnixNano",
 *	  "durationNanos", "attributes"} with the values of the attributes and
 *	  intrinsics the query reads or select()s (keyed by bare name as Tempo
 *	  does: "http.status_code", "status"; name, duration and ids are not
 *	  repeated), typed as OTLP AnyValues; the spanset's attributes are its
 *	  by() values, keyed "by(<expression>)".
 *
 * tempo.search_spans returns the matched spans themselves; attributes is
 * a JSON object of the values the query reads or select()s, keyed by
 * their TraceQL names ("span.http.status_code", "span:status").
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/tql_funcs.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "common/int.h"
#include "datatype/timestamp.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/fmgrprotos.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "tempo_ids.h"
#include "tql.h"
#include "tql_exec_int.h"

PG_FUNCTION_INFO_V1(tempo_explain);
PG_FUNCTION_INFO_V1(tempo_search);
PG_FUNCTION_INFO_V1(tempo_search_spans);

/* Tempo's root service name of a trace whose root span is missing */
#define TQL_ROOT_NOT_RECEIVED "<root span not yet received>"

#define UNIX_TO_PG_USECS \
	((int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY)

Datum
tempo_explain(PG_FUNCTION_ARGS)
{
	char	   *query = text_to_cstring(PG_GETARG_TEXT_PP(0));
	MemoryContext callcxt = CurrentMemoryContext;
	MemoryContext tqlcxt;
	MemoryContext oldcxt;
	TqlQuery   *q;
	char	   *plan;
	text	   *result;

	tqlcxt = AllocSetContextCreate(callcxt, "TraceQL explain context",
								   ALLOCSET_DEFAULT_SIZES);
	oldcxt = MemoryContextSwitchTo(tqlcxt);
	q = TqlCompile(query);
	plan = psprintf("%s\n%s", TqlExplain(q), ExecExplain(q));
	MemoryContextSwitchTo(oldcxt);

	result = cstring_to_text(plan);
	MemoryContextDelete(tqlcxt);
	PG_RETURN_TEXT_P(result);
}

/* ---------------------------------------------------------------------
 * Shared helpers
 * ---------------------------------------------------------------------
 */

static int64
timestamptz_to_ns(TimestampTz ts)
{
	int64		us;
	int64		ns;

	if (TIMESTAMP_IS_NOBEGIN(ts))
		return PG_INT64_MIN;
	if (TIMESTAMP_IS_NOEND(ts))
		return PG_INT64_MAX;
	us = ts + UNIX_TO_PG_USECS;
	if (pg_mul_s64_overflow(us, 1000, &ns))
		return us < 0 ? PG_INT64_MIN : PG_INT64_MAX;
	return ns;
}

static TimestampTz
ns_to_timestamptz(int64 ns)
{
	/* round down to the microsecond, as start_time is stored */
	int64		us = ns / 1000 - ((ns % 1000 < 0) ? 1 : 0);

	return us - UNIX_TO_PG_USECS;
}

/* Compile a search query and check the common arguments. */
static TqlQuery *
compile_search(FunctionCallInfo fcinfo, TqlRunOptions *opts, int64 *max_traces)
{
	char	   *qs = text_to_cstring(PG_GETARG_TEXT_PP(0));
	TqlQuery   *q = TqlCompile(qs);
	TimestampTz start = PG_GETARG_TIMESTAMPTZ(1);
	TimestampTz end = PG_GETARG_TIMESTAMPTZ(2);

	if (q->metrics != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a metrics query cannot be used for search"),
				 errhint("Use tempo.metrics_range() or tempo.metrics_instant().")));
	if (end < start)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("end_time must not be before start_time")));
	*max_traces = PG_GETARG_INT32(3);
	if (*max_traces <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_traces must be greater than zero")));
	TqlRunOptionsInit(opts);
	opts->start_ns = timestamptz_to_ns(start);
	opts->end_ns = timestamptz_to_ns(end);
	return q;
}

static bool
most_recent(const TqlQuery *q)
{
	int			i;
	bool		on = false;

	for (i = 0; i < q->nhints; i++)
		if (strcmp(q->hints[i].name, "most_recent") == 0 &&
			q->hints[i].value.type == TQL_TYPE_BOOL)
			on = q->hints[i].value.v.b;
	return on;
}

/* Fields the query reads or select()s, shown with matched spans */
typedef struct ShownFields
{
	int			n;
	int		   *field;
	TqlExpr   **expr;
} ShownFields;

static void
shown_expr(ExecPlan *plan, TqlExpr *e, ShownFields *sf)
{
	int			f,
				i;

	check_stack_depth();
	if (e == NULL)
		return;
	if (e->kind != TQL_EXPR_ATTRIBUTE && e->kind != TQL_EXPR_INTRINSIC)
	{
		shown_expr(plan, e->left, sf);
		shown_expr(plan, e->right, sf);
		return;
	}
	f = ExecFieldOf(plan, e);
	if (plan->fields[f].trace_level)
		return;
	if (e->kind == TQL_EXPR_INTRINSIC &&
		(e->intrinsic == TQL_INTR_NAME || e->intrinsic == TQL_INTR_DURATION ||
		 e->intrinsic == TQL_INTR_SPAN_ID || e->intrinsic == TQL_INTR_TRACE_ID))
		return;
	for (i = 0; i < sf->n; i++)
		if (sf->field[i] == f)
			return;
	if (sf->n % 16 == 0)
	{
		sf->field = sf->n ? repalloc(sf->field, sizeof(int) * (sf->n + 16)) :
			palloc(sizeof(int) * 16);
		sf->expr = sf->n ? repalloc(sf->expr, sizeof(TqlExpr *) * (sf->n + 16)) :
			palloc(sizeof(TqlExpr *) * 16);
	}
	sf->field[sf->n] = f;
	sf->expr[sf->n] = e;
	sf->n++;
}

static void
shown_node(ExecPlan *plan, TqlNode *node, ShownFields *sf)
{
	int			i;

	check_stack_depth();
	if (node == NULL)
		return;
	if (node->kind == TQL_NODE_FILTER || node->kind == TQL_NODE_SELECT)
		shown_expr(plan, node->expr, sf);
	shown_node(plan, node->left, sf);
	shown_node(plan, node->right, sf);
	if (node->kind == TQL_NODE_PIPELINE)
		for (i = 0; i < node->nitems; i++)
			shown_node(plan, node->stages[i], sf);
	else if (node->kind == TQL_NODE_SELECT)
		for (i = 0; i < node->nitems; i++)
			shown_expr(plan, node->items[i], sf);
}

/* Tempo's key for a shown field: the bare attribute or intrinsic name */
static const char *
shown_key(const TqlExpr *e)
{
	if (e->kind == TQL_EXPR_ATTRIBUTE)
		return e->name;
	else
	{
		const char *n = TqlIntrinsicName(e->intrinsic);

		if (strncmp(n, "span:", 5) == 0)
			return n + 5;
		return n;
	}
}

/* Go-style duration text: 1.5s, 250ms, 10µs, 42ns */
static void
append_duration(StringInfo buf, int64 ns)
{
	double		v = (double) ns;

	if (ns == 0)
		appendStringInfoString(buf, "0s");
	else if (llabs(ns) < 1000)
		appendStringInfo(buf, INT64_FORMAT "ns", ns);
	else if (llabs(ns) < 1000000)
		appendStringInfo(buf, "%.15gµs", v / 1e3);
	else if (llabs(ns) < 1000000000)
		appendStringInfo(buf, "%.15gms", v / 1e6);
	else
		appendStringInfo(buf, "%.15gs", v / 1e9);
}

static void
append_double(StringInfo buf, double d)
{
	if (isnan(d))
		appendStringInfoString(buf, "\"NaN\"");
	else if (isinf(d))
		appendStringInfoString(buf, d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
	else
		appendStringInfoString(buf, float8out_internal(d));
}

static void append_any_value(StringInfo buf, const ExecVal *v);

/* A JSON string of a counted string */
static void
append_json_text(StringInfo buf, const char *s, int len)
{
	char	   *tmp = pnstrdup(s, len);

	escape_json(buf, tmp);
	pfree(tmp);
}

static void
append_jsonb_elem_value(StringInfo buf, JsonbValue *jv)
{
	switch (jv->type)
	{
		case jbvString:
			appendStringInfoString(buf, "{\"stringValue\":");
			append_json_text(buf, jv->val.string.val, jv->val.string.len);
			appendStringInfoChar(buf, '}');
			break;
		case jbvNumeric:
			{
				char	   *s = DatumGetCString(DirectFunctionCall1(numeric_out,
																	NumericGetDatum(jv->val.numeric)));

				if (strpbrk(s, ".eE") != NULL)
					appendStringInfo(buf, "{\"doubleValue\":%s}", s);
				else
					appendStringInfo(buf, "{\"intValue\":\"%s\"}", s);
				break;
			}
		case jbvBool:
			appendStringInfo(buf, "{\"boolValue\":%s}", jv->val.boolean ? "true" : "false");
			break;
		default:
			appendStringInfoString(buf, "{}");
			break;
	}
}

/* An OTLP AnyValue for a value */
static void
append_any_value(StringInfo buf, const ExecVal *v)
{
	switch (v->type)
	{
		case TQL_TYPE_STRING:
			appendStringInfoString(buf, "{\"stringValue\":");
			append_json_text(buf, v->u.s, v->len);
			appendStringInfoChar(buf, '}');
			break;
		case TQL_TYPE_INT:
			appendStringInfo(buf, "{\"intValue\":\"" INT64_FORMAT "\"}", v->u.i);
			break;
		case TQL_TYPE_FLOAT:
			appendStringInfoString(buf, "{\"doubleValue\":");
			append_double(buf, v->u.f);
			appendStringInfoChar(buf, '}');
			break;
		case TQL_TYPE_BOOL:
			appendStringInfo(buf, "{\"boolValue\":%s}", v->u.i ? "true" : "false");
			break;
		case TQL_TYPE_DURATION:
			appendStringInfoString(buf, "{\"stringValue\":\"");
			append_duration(buf, v->u.i);
			appendStringInfoString(buf, "\"}");
			break;
		case TQL_TYPE_STATUS:
			appendStringInfo(buf, "{\"stringValue\":\"%s\"}", TqlStatusName((int) v->u.i));
			break;
		case TQL_TYPE_KIND:
			appendStringInfo(buf, "{\"stringValue\":\"%s\"}", TqlKindName((int) v->u.i));
			break;
		case TQL_TYPE_ATTRIBUTE:
			{
				JsonbContainer *c = &v->u.a->root;
				int			n = JsonContainerSize(c);
				int			i;

				appendStringInfoString(buf, "{\"arrayValue\":{\"values\":[");
				for (i = 0; i < n; i++)
				{
					JsonbValue *e = getIthJsonbValueFromContainer(c, i);

					if (i > 0)
						appendStringInfoChar(buf, ',');
					append_jsonb_elem_value(buf, e);
				}
				appendStringInfoString(buf, "]}}");
				break;
			}
		default:
			appendStringInfoString(buf, "{}");
			break;
	}
}

/* A plain JSON value (search_spans attributes) */
static void
append_json_value(StringInfo buf, const ExecVal *v)
{
	switch (v->type)
	{
		case TQL_TYPE_STRING:
			append_json_text(buf, v->u.s, v->len);
			break;
		case TQL_TYPE_INT:
			appendStringInfo(buf, INT64_FORMAT, v->u.i);
			break;
		case TQL_TYPE_FLOAT:
			append_double(buf, v->u.f);
			break;
		case TQL_TYPE_BOOL:
			appendStringInfoString(buf, v->u.i ? "true" : "false");
			break;
		case TQL_TYPE_DURATION:
			appendStringInfoChar(buf, '"');
			append_duration(buf, v->u.i);
			appendStringInfoChar(buf, '"');
			break;
		case TQL_TYPE_STATUS:
			appendStringInfo(buf, "\"%s\"", TqlStatusName((int) v->u.i));
			break;
		case TQL_TYPE_KIND:
			appendStringInfo(buf, "\"%s\"", TqlKindName((int) v->u.i));
			break;
		case TQL_TYPE_ATTRIBUTE:
			appendStringInfoString(buf, JsonbToCString(NULL, &v->u.a->root,
													   VARSIZE(v->u.a)));
			break;
		default:
			appendStringInfoString(buf, "null");
			break;
	}
}

/* ---------------------------------------------------------------------
 * tempo.search
 * ---------------------------------------------------------------------
 */

typedef struct SearchRow
{
	uint8		trace_id[16];
	char	   *root_service;
	char	   *root_name;
	int64		start_ns;
	int64		end_ns;
	char	   *spansets;
} SearchRow;

typedef struct SearchState
{
	MemoryContext rowcxt;		/* where rows live */
	int			spss;
	int64		limit;
	bool		keep_newest;
	ShownFields shown;
	int			nrows;
	int			cap;
	SearchRow  *rows;
} SearchState;

static char *
val_cstring(const ExecVal *v)
{
	if (v->type != TQL_TYPE_STRING)
		return NULL;
	return pnstrdup(v->u.s, v->len);
}

static void
search_sink(void *arg, ExecPlan *plan, ExecTrace *t, int nsets, ExecSpanset *sets)
{
	SearchState *ss = arg;
	StringInfoData buf;
	int			i,
				j,
				k;
	MemoryContext old;
	SearchRow	row;
	int			slot;

	/* with most_recent, keep only the newest traces */
	if (ss->keep_newest && ss->nrows >= ss->limit)
	{
		int			oldest = 0;

		for (i = 1; i < ss->nrows; i++)
			if (ss->rows[i].start_ns < ss->rows[oldest].start_ns)
				oldest = i;
		if (t->start_ns <= ss->rows[oldest].start_ns)
			return;
		slot = oldest;
	}
	else
		slot = -1;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '[');
	for (i = 0; i < nsets; i++)
	{
		ExecSpanset *s = &sets[i];
		bool		firstattr = true;

		if (i > 0)
			appendStringInfoChar(&buf, ',');
		appendStringInfoString(&buf, "{\"spans\":[");
		for (j = 0; j < s->n && j < ss->spss; j++)
		{
			ExecSpan   *sp = t->spans[s->idx[j]];
			uint8		sid[8];
			char		hex[17];
			bool		first = true;

			SpanIdToBytes(sp->span_id, sid);
			TempoFormatHex(sid, 8, hex);
			if (j > 0)
				appendStringInfoChar(&buf, ',');
			appendStringInfo(&buf, "{\"spanID\":\"%s\",\"name\":", hex);
			if (sp->vals[plan->f_name].type == TQL_TYPE_STRING)
				append_json_text(&buf, sp->vals[plan->f_name].u.s,
								 sp->vals[plan->f_name].len);
			else
				appendStringInfoString(&buf, "\"\"");
			appendStringInfo(&buf, ",\"startTimeUnixNano\":\"" INT64_FORMAT
							 "\",\"durationNanos\":\"" INT64_FORMAT "\",\"attributes\":[",
							 sp->start_ns, sp->duration_ns);
			for (k = 0; k < ss->shown.n; k++)
			{
				ExecVal    *v = &sp->vals[ss->shown.field[k]];

				if (v->type == TQL_TYPE_NIL)
					continue;
				if (!first)
					appendStringInfoChar(&buf, ',');
				first = false;
				appendStringInfoString(&buf, "{\"key\":");
				escape_json(&buf, shown_key(ss->shown.expr[k]));
				appendStringInfoString(&buf, ",\"value\":");
				append_any_value(&buf, v);
				appendStringInfoChar(&buf, '}');
			}
			appendStringInfoString(&buf, "]}");
		}
		appendStringInfo(&buf, "],\"matched\":%d,\"attributes\":[", s->n);
		for (k = 0; k < s->nattrs; k++)
		{
			if (s->attr_vals[k].type == TQL_TYPE_NIL)
				continue;
			if (!firstattr)
				appendStringInfoChar(&buf, ',');
			firstattr = false;
			appendStringInfoString(&buf, "{\"key\":");
			escape_json(&buf, s->attr_names[k]);
			appendStringInfoString(&buf, ",\"value\":");
			append_any_value(&buf, &s->attr_vals[k]);
			appendStringInfoChar(&buf, '}');
		}
		appendStringInfoString(&buf, "]}");
	}
	appendStringInfoChar(&buf, ']');

	old = MemoryContextSwitchTo(ss->rowcxt);
	memset(&row, 0, sizeof(row));
	memcpy(row.trace_id, t->trace_id, 16);
	if (t->root >= 0)
	{
		row.root_service = val_cstring(&t->spans[t->root]->vals[plan->f_service]);
		row.root_name = val_cstring(&t->spans[t->root]->vals[plan->f_name]);
	}
	row.start_ns = t->start_ns;
	row.end_ns = t->end_ns;
	row.spansets = pstrdup(buf.data);
	if (slot >= 0)
		ss->rows[slot] = row;
	else
	{
		if (ss->nrows == ss->cap)
		{
			ss->cap = ss->cap ? ss->cap * 2 : 16;
			ss->rows = ss->rows ? repalloc(ss->rows, sizeof(SearchRow) * ss->cap) :
				palloc(sizeof(SearchRow) * ss->cap);
		}
		ss->rows[ss->nrows++] = row;
	}
	MemoryContextSwitchTo(old);
	pfree(buf.data);
}

/* Span path of search: the traces that have a matching span */
typedef struct TraceIds
{
	HTAB	   *seen;
	int64		count;
	int64		keep;			/* most_recent: traces to keep, else 0 */
} TraceIds;

typedef struct TraceIdEntry
{
	uint8		id[16];
	int64		latest;			/* latest matched span start */
} TraceIdEntry;

static int
int64_desc_cmp(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return (x < y) - (x > y);
}

/*
 * most_recent: forget the traces whose latest matching span is older than
 * the keep-th newest one (a later span brings a trace back), so memory
 * stays proportional to max_traces.
 */
static void
prune_trace_ids(TraceIds *ti)
{
	int64	   *lat = palloc(sizeof(int64) * ti->count);
	HASH_SEQ_STATUS seq;
	TraceIdEntry *e;
	int64		n = 0;
	int64		cutoff;

	hash_seq_init(&seq, ti->seen);
	while ((e = hash_seq_search(&seq)) != NULL)
		lat[n++] = e->latest;
	qsort(lat, n, sizeof(int64), int64_desc_cmp);
	cutoff = lat[ti->keep - 1];
	pfree(lat);
	hash_seq_init(&seq, ti->seen);
	while ((e = hash_seq_search(&seq)) != NULL)
		if (e->latest < cutoff)
		{
			(void) hash_search(ti->seen, e->id, HASH_REMOVE, NULL);
			ti->count--;
		}
}

static void
trace_ids_sink(void *arg, const TqlSpanBatch *b)
{
	TraceIds   *ti = arg;
	int			i;

	for (i = 0; i < b->nspans; i++)
	{
		bool		found;
		TraceIdEntry *e = hash_search(ti->seen, b->trace_ids + 16 * (Size) i,
									  HASH_ENTER, &found);

		if (!found)
		{
			e->latest = b->start_ns[i];
			ti->count++;
		}
		else if (b->start_ns[i] > e->latest)
			e->latest = b->start_ns[i];
	}
	if (ti->keep > 0 && ti->count > Max(4 * ti->keep, 256))
		prune_trace_ids(ti);
}

static int
entry_latest_cmp(const void *a, const void *b)
{
	const TraceIdEntry *x = a,
			   *y = b;

	if (x->latest != y->latest)
		return x->latest > y->latest ? -1 : 1;
	return memcmp(x->id, y->id, 16);
}

static int
row_cmp(const void *a, const void *b)
{
	const SearchRow *x = a,
			   *y = b;

	if (x->start_ns != y->start_ns)
		return x->start_ns > y->start_ns ? -1 : 1;
	return memcmp(x->trace_id, y->trace_id, 16);
}

/*
 * tempo.search(q text, start_time timestamptz, end_time timestamptz,
 *				max_traces int, spans_per_spanset int)
 */
Datum
tempo_search(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext callcxt = CurrentMemoryContext;
	MemoryContext runcxt;
	MemoryContext old;
	TqlQuery   *q;
	TqlRunOptions opts;
	int64		max_traces;
	ExecPlan   *plan;
	SearchState ss;
	bool		newest;
	MemoryContext rowtmp;
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	runcxt = AllocSetContextCreate(callcxt, "TraceQL search",
								   ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(runcxt);
	q = compile_search(fcinfo, &opts, &max_traces);
	memset(&ss, 0, sizeof(ss));
	ss.spss = PG_GETARG_INT32(4);
	if (ss.spss <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("spans_per_spanset must be greater than zero")));
	newest = most_recent(q);
	ss.rowcxt = runcxt;
	ss.limit = max_traces;
	ss.keep_newest = newest;

	if (TqlQueryNeedsFullTraces(q))
	{
		if (!newest)
			opts.max_traces = max_traces;
		plan = ExecMakePlan(q, &opts, 0, NULL, true);
		shown_node(plan, q->pipeline, &ss.shown);
		ExecRunTraces(plan, 0, NULL, search_sink, &ss);
	}
	else
	{
		TraceIds	ti;
		HASHCTL		ctl;
		TraceIdEntry *ents;
		HASH_SEQ_STATUS seq;
		TraceIdEntry *e;
		int			n = 0;
		uint8	   *cand;
		TqlRunOptions o1 = opts;
		List	   *found_tenants = NIL;

		/* the traces with a matching span; the trace-level plan may also
		 * decide trace mode itself (trace-level fields), which is fine */
		ctl.keysize = 16;
		ctl.entrysize = sizeof(TraceIdEntry);
		ctl.hcxt = runcxt;
		ti.seen = hash_create("TraceQL search traces", 256, &ctl,
							  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		ti.count = 0;
		ti.keep = newest ? max_traces : 0;
		o1.skip_duration = true;
		o1.traces_only = true;	/* the traces are assembled below */
		if (!newest)
			o1.max_traces = max_traces;
		o1.tenants_out = &found_tenants;
		TqlRunSpans(q, &o1, trace_ids_sink, &ti);

		ents = palloc(sizeof(TraceIdEntry) * Max(ti.count, 1));
		hash_seq_init(&seq, ti.seen);
		while ((e = hash_seq_search(&seq)) != NULL)
			ents[n++] = *e;
		qsort(ents, n, sizeof(TraceIdEntry), entry_latest_cmp);
		n = Min(n, max_traces);
		cand = palloc(16 * (Size) Max(n, 1));
		for (i = 0; i < n; i++)
			memcpy(cand + 16 * (Size) i, ents[i].id, 16);
		if (n > 0)
		{
			plan = ExecMakePlan(q, &opts, 0, NULL, true);
			shown_node(plan, q->pipeline, &ss.shown);
			ss.keep_newest = false;
			/* the tenants of the matched spans are those to run for */
			ExecRunTracesIn(plan, ExecPlanTenantsFrom(plan, found_tenants),
							n, cand, search_sink, &ss);
		}
	}

	qsort(ss.rows, ss.nrows, sizeof(SearchRow), row_cmp);
	/* a candidate trace id may be a trace in each of several tenants */
	ss.nrows = Min(ss.nrows, max_traces);

	/*
	 * Each row is built in rowtmp, reset per row: the tuplestore keeps its
	 * own copy, and parsing thousands of spansets into the call's context
	 * would only grow it.
	 */
	rowtmp = AllocSetContextCreate(runcxt, "TraceQL search row",
								   ALLOCSET_DEFAULT_SIZES);
	for (i = 0; i < ss.nrows; i++)
	{
		SearchRow  *r = &ss.rows[i];
		Datum		values[6];
		bool		nulls[6] = {false, false, false, false, false, false};
		TraceId    *tid;

		CHECK_FOR_INTERRUPTS();
		MemoryContextReset(rowtmp);
		MemoryContextSwitchTo(rowtmp);
		tid = palloc(sizeof(TraceId));

		memcpy(tid->data, r->trace_id, 16);
		values[0] = TraceIdPGetDatum(tid);
		/* Tempo's frontend fills in an empty root service name */
		values[1] = CStringGetTextDatum(r->root_service && r->root_service[0] ?
										r->root_service : TQL_ROOT_NOT_RECEIVED);
		if (r->root_name)
			values[2] = CStringGetTextDatum(r->root_name);
		else
			nulls[2] = true;
		values[3] = TimestampTzGetDatum(ns_to_timestamptz(r->start_ns));
		values[4] = Float8GetDatum((double) (r->end_ns - r->start_ns) / 1e6);
		values[5] = DirectFunctionCall1(jsonb_in, CStringGetDatum(r->spansets));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	MemoryContextSwitchTo(old);
	MemoryContextDelete(runcxt);
	return (Datum) 0;
}

/* ---------------------------------------------------------------------
 * tempo.search_spans
 * ---------------------------------------------------------------------
 */

typedef struct SpansState
{
	ReturnSetInfo *rsinfo;
	MemoryContext callcxt;
	int			nshown;
	TqlExpr   **shown;
} SpansState;

static void
spans_sink(void *arg, const TqlSpanBatch *b)
{
	SpansState *st = arg;
	int			i,
				k;
	MemoryContext old = MemoryContextSwitchTo(st->callcxt);

	for (i = 0; i < b->nspans; i++)
	{
		Datum		values[7];
		bool		nulls[7] = {false, false, false, false, false, false, false};
		TraceId    *tid = palloc(sizeof(TraceId));
		ExecVal		v;
		StringInfoData buf;
		bool		first = true;

		memcpy(tid->data, b->trace_ids + 16 * (Size) i, 16);
		values[0] = TraceIdPGetDatum(tid);
		values[1] = SpanIdGetDatum(SpanIdFromBytes(b->span_ids + 8 * (Size) i));
		ExecVecGet((ExecVec *) b->values[1], i, &v);
		if (v.type == TQL_TYPE_STRING)
			values[2] = PointerGetDatum(cstring_to_text_with_len(v.u.s, v.len));
		else
			nulls[2] = true;
		ExecVecGet((ExecVec *) b->values[0], i, &v);
		if (v.type == TQL_TYPE_STRING)
			values[3] = PointerGetDatum(cstring_to_text_with_len(v.u.s, v.len));
		else
			nulls[3] = true;
		values[4] = TimestampTzGetDatum(ns_to_timestamptz(b->start_ns[i]));
		values[5] = Int64GetDatum(b->duration_ns[i]);
		initStringInfo(&buf);
		appendStringInfoChar(&buf, '{');
		for (k = 0; k < st->nshown; k++)
		{
			ExecVecGet((ExecVec *) b->values[2 + k], i, &v);
			if (v.type == TQL_TYPE_NIL)
				continue;
			if (!first)
				appendStringInfoChar(&buf, ',');
			first = false;
			escape_json(&buf, TqlExprToString(st->shown[k]));
			appendStringInfoChar(&buf, ':');
			append_json_value(&buf, &v);
		}
		appendStringInfoChar(&buf, '}');
		values[6] = DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data));
		tuplestore_putvalues(st->rsinfo->setResult, st->rsinfo->setDesc, values, nulls);
	}
	MemoryContextSwitchTo(old);
}

/*
 * tempo.search_spans(q text, start_time timestamptz, end_time timestamptz,
 *					  max_traces int)
 */
Datum
tempo_search_spans(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext callcxt = CurrentMemoryContext;
	MemoryContext runcxt;
	MemoryContext old;
	TqlQuery   *q;
	TqlRunOptions opts;
	int64		max_traces;
	SpansState	st;
	ExecPlan   *probe;
	ShownFields sf;
	TqlExpr    *name;
	TqlExpr    *svc;
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	runcxt = AllocSetContextCreate(callcxt, "TraceQL search_spans",
								   ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(runcxt);
	q = compile_search(fcinfo, &opts, &max_traces);
	opts.max_traces = max_traces;

	/* values wanted: name, service name, then what the query reads */
	name = TqlMakeExpr(TQL_EXPR_INTRINSIC, -1);
	name->intrinsic = TQL_INTR_NAME;
	name->type = TQL_TYPE_STRING;
	svc = TqlMakeExpr(TQL_EXPR_ATTRIBUTE, -1);
	svc->scope = TQL_SCOPE_RESOURCE;
	svc->name = "service.name";
	svc->type = TQL_TYPE_ATTRIBUTE;
	probe = ExecMakePlan(q, &opts, 0, NULL, false);
	memset(&sf, 0, sizeof(sf));
	shown_node(probe, q->pipeline, &sf);
	opts.nexprs = 2 + sf.n;
	opts.exprs = palloc(sizeof(TqlExpr *) * opts.nexprs);
	opts.exprs[0] = name;
	opts.exprs[1] = svc;
	for (i = 0; i < sf.n; i++)
		opts.exprs[2 + i] = sf.expr[i];

	st.rsinfo = rsinfo;
	st.callcxt = callcxt;
	st.nshown = sf.n;
	st.shown = sf.expr;
	TqlRunSpans(q, &opts, spans_sink, &st);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(runcxt);
	return (Datum) 0;
}
