/*-------------------------------------------------------------------------
 *
 * tql_metrics_stage.c
 *	  The parts of TraceQL metrics beyond one series per group:
 *	  topk/bottomk, compare() and exemplars.
 *
 * topk(k) / bottomk(k) work per timestamp, like PromQL (Tempo 2.9): at
 * each interval the k highest (lowest) values are kept; a series is output
 * if it was among them at some interval, with no sample at the others.
 * Ties go to the series whose text sorts first, so answers are stable.
 *
 * compare({filter}, topN, start, end) splits the matched spans into the
 * selection (filter true and, with a window, start < span start <= end)
 * and the baseline, and counts, per interval, every value of every
 * attribute of those spans: span:name, span:status, span:kind,
 * span:statusMessage (when set), span.* and resource.* attributes (each
 * element of an array counts as a value; maps are skipped).  Output per
 * attribute: the topN values by total count as {__meta_type="baseline" |
 * "selection", attr=value}, the totals as {__meta_type="baseline_total" |
 * "selection_total", attr=nil}, and {__meta_error="__too_many_values__",
 * attr=nil} when there were more than topN values (that series has no
 * samples: the SQL functions give it one row with a NULL value).  At most
 * tempo.metrics_max_series distinct values are tracked per attribute;
 * later ones count only in the totals (and mark the attribute).
 *
 * Exemplars (tempo.metrics_exemplars): at most one per trace, at most one
 * per series and time slot (the range cut into max_exemplars slots), so
 * they spread over time; candidates are kept as spans arrive (bounded),
 * then chosen round-robin across series (series in text order, each
 * series' candidates in time order) up to max_exemplars.  An exemplar's
 * value is the metrics attribute (seconds for durations) for
 * min/max/sum/avg/quantile, NULL for rate/count/histogram; for a quantile
 * it goes to the lowest quantile series whose value over the whole range
 * is at least the exemplar's (Tempo 2.9).  Exemplars whose interval has no
 * sample in their series are dropped.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/tql_metrics_stage.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "common/hashfn.h"
#include "miscadmin.h"
#include "nodes/pg_list.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "tql_metrics.h"

/* ----------------------------------------------------------------
 * topk / bottomk
 * ----------------------------------------------------------------
 */

static int
cmp_series_text(const void *a, const void *b)
{
	return strcmp((*(TqlmSeries *const *) a)->text,
				  (*(TqlmSeries *const *) b)->text);
}

/* Sort series by their text; returns n */
int
TqlmSortSeries(TqlmSeries **s, int n)
{
	if (n > 1)
		qsort(s, n, sizeof(TqlmSeries *), cmp_series_text);
	return n;
}

typedef struct RankItem
{
	double		v;
	int			idx;
} RankItem;

static int
cmp_rank_desc(const void *a, const void *b)
{
	const RankItem *x = a;
	const RankItem *y = b;

	if (x->v != y->v)
		return x->v > y->v ? -1 : 1;
	return x->idx - y->idx;
}

static int
cmp_rank_asc(const void *a, const void *b)
{
	const RankItem *x = a;
	const RankItem *y = b;

	if (x->v != y->v)
		return x->v < y->v ? -1 : 1;
	return x->idx - y->idx;
}

/*
 * TqlmSecondStage
 *		Apply topk/bottomk in place: values outside the top k of their
 *		interval become NaN.  Returns the series left (in text order).
 */
TqlmSeries **
TqlmSecondStage(TqlmSeries **in, int n, int nint, bool bottom, int64 k,
				int *nout)
{
	RankItem   *items = palloc(sizeof(RankItem) * Max(n, 1));
	bool	   *keep = palloc(sizeof(bool) * Max(n, 1) * Max(nint, 1));
	TqlmSeries **out = palloc(sizeof(TqlmSeries *) * Max(n, 1));
	int			i;
	int			j;
	int			m = 0;

	/* rank on a sorted copy: callers keep their array's order */
	in = memcpy(palloc(sizeof(TqlmSeries *) * Max(n, 1)), in,
				sizeof(TqlmSeries *) * n);
	TqlmSortSeries(in, n);
	memset(keep, 0, sizeof(bool) * Max(n, 1) * Max(nint, 1));
	for (i = 0; i < nint; i++)
	{
		int			c = 0;

		CHECK_FOR_INTERRUPTS();
		for (j = 0; j < n; j++)
			if (!isnan(in[j]->values[i]))
			{
				items[c].v = in[j]->values[i];
				items[c].idx = j;
				c++;
			}
		qsort(items, c, sizeof(RankItem), bottom ? cmp_rank_asc : cmp_rank_desc);
		for (j = 0; j < c && j < k; j++)
			keep[(Size) items[j].idx * nint + i] = true;
	}
	for (j = 0; j < n; j++)
	{
		bool		any = false;

		for (i = 0; i < nint; i++)
		{
			if (keep[(Size) j * nint + i])
				any = true;
			else
				in[j]->values[i] = NAN;
		}
		if (any)
			out[m++] = in[j];
	}
	pfree(items);
	pfree(keep);
	*nout = m;
	return out;
}

/* ----------------------------------------------------------------
 * compare()
 * ----------------------------------------------------------------
 */

/* values of one attribute */
typedef struct CmpValEntry
{
	TqlmValue	key;
	uint32		hash;
	char		status;
	int64		total;
	int64	   *counts;
} CmpValEntry;

#define SH_PREFIX tqlm_cmpval
#define SH_ELEMENT_TYPE CmpValEntry
#define SH_KEY_TYPE TqlmValue
#define SH_KEY key
#define SH_HASH_KEY(tb, k) TqlmValueHash(&(k))
#define SH_EQUAL(tb, a, b) TqlmValueEqual(&(a), &(b))
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a) ((a)->hash)
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/* one attribute on one side (baseline or selection) */
typedef struct CmpAttr
{
	char	   *name;
	bool		selection;
	int64	   *totals;
	struct tqlm_cmpval_hash *values;
	int			nvalues;
	bool		overflow;
} CmpAttr;

typedef struct CmpKey
{
	const char *name;			/* first byte: 'b' or 's', then the name */
	int			len;
} CmpKey;

typedef struct CmpAttrEntry
{
	CmpKey		key;
	uint32		hash;
	char		status;
	CmpAttr    *attr;
} CmpAttrEntry;

#define SH_PREFIX tqlm_cmp
#define SH_ELEMENT_TYPE CmpAttrEntry
#define SH_KEY_TYPE CmpKey
#define SH_KEY key
#define SH_HASH_KEY(tb, k) hash_bytes((const unsigned char *) (k).name, (k).len)
#define SH_EQUAL(tb, a, b) ((a).len == (b).len && memcmp((a).name, (b).name, (a).len) == 0)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a) ((a)->hash)
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/* Count value v of attribute "name" (side-prefixed in keybuf) */
static void
cmp_count(TqlmState *st, StringInfo keybuf, const TqlmValue *v, int bucket)
{
	CmpKey		key;
	CmpAttrEntry *ae;
	CmpAttr    *a;
	CmpValEntry *ve;
	bool		found;
	MemoryContext old;

	key.name = keybuf->data;
	key.len = keybuf->len;
	ae = tqlm_cmp_insert(st->cmp, key, &found);
	old = MemoryContextSwitchTo(st->cxt);
	if (!found)
	{
		a = palloc0(sizeof(CmpAttr));
		a->name = pnstrdup(keybuf->data + 1, keybuf->len - 1);
		a->selection = keybuf->data[0] == 's';
		a->totals = palloc0(sizeof(int64) * st->grid.nint);
		a->values = tqlm_cmpval_create(st->cxt, 16, NULL);
		ae->key.name = pnstrdup(keybuf->data, keybuf->len);
		ae->attr = a;
	}
	a = ae->attr;
	a->totals[bucket]++;
	ve = tqlm_cmpval_lookup(a->values, *v);
	if (ve == NULL)
	{
		if (a->nvalues >= st->series_limit)
		{
			a->overflow = true;
			MemoryContextSwitchTo(old);
			return;
		}
		ve = tqlm_cmpval_insert(a->values, *v, &found);
		ve->key = TqlmCopyValue(v);
		ve->total = 0;
		ve->counts = palloc0(sizeof(int64) * st->grid.nint);
		a->nvalues++;
	}
	ve->total++;
	ve->counts[bucket]++;
	MemoryContextSwitchTo(old);
}

static void
cmp_set_key(StringInfo keybuf, bool sel, const char *prefix, const char *name,
			int namelen)
{
	resetStringInfo(keybuf);
	appendStringInfoChar(keybuf, sel ? 's' : 'b');
	appendStringInfoString(keybuf, prefix);
	appendBinaryStringInfo(keybuf, name, namelen);
}

/* A jsonb scalar as a typed value; false for null and containers */
static bool
jsonb_scalar_value(const JsonbValue *jv, TqlmValue *out)
{
	memset(out, 0, sizeof(TqlmValue));
	switch (jv->type)
	{
		case jbvString:
			out->type = TQL_TYPE_STRING;
			out->s = pnstrdup(jv->val.string.val, jv->val.string.len);
			out->len = jv->val.string.len;
			return true;
		case jbvBool:
			out->type = TQL_TYPE_BOOL;
			out->i = jv->val.boolean ? 1 : 0;
			return true;
		case jbvNumeric:
			{
				char	   *s = DatumGetCString(DirectFunctionCall1(numeric_out,
																	NumericGetDatum(jv->val.numeric)));
				char	   *end;

				if (strpbrk(s, ".eEnN") == NULL)
				{
					errno = 0;
					out->i = strtoll(s, &end, 10);
					if (errno == 0 && *end == '\0')
					{
						out->type = TQL_TYPE_INT;
						return true;
					}
				}
				out->type = TQL_TYPE_FLOAT;
				out->f = strtod(s, NULL);
				return true;
			}
		default:
			return false;
	}
}

/* Count every attribute of a jsonb map under prefix */
static void
cmp_count_map(TqlmState *st, StringInfo keybuf, bool sel, const char *prefix,
			  Jsonb *map, int bucket)
{
	JsonbIterator *it;
	JsonbValue	k;
	JsonbValue	v;
	JsonbIteratorToken tok;

	if (map == NULL || !JB_ROOT_IS_OBJECT(map))
		return;
	it = JsonbIteratorInit(&map->root);
	while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
	{
		TqlmValue	val;

		if (tok != WJB_KEY)
			continue;
		tok = JsonbIteratorNext(&it, &v, true);
		cmp_set_key(keybuf, sel, prefix, k.val.string.val, k.val.string.len);
		if (v.type == jbvBinary)
		{
			JsonbIterator *ait;
			JsonbValue	e;
			JsonbIteratorToken atok;

			if (!JsonContainerIsArray(v.val.binary.data))
				continue;
			ait = JsonbIteratorInit(v.val.binary.data);
			while ((atok = JsonbIteratorNext(&ait, &e, true)) != WJB_DONE)
				if (atok == WJB_ELEM && jsonb_scalar_value(&e, &val))
					cmp_count(st, keybuf, &val, bucket);
			continue;
		}
		if (jsonb_scalar_value(&v, &val))
			cmp_count(st, keybuf, &val, bucket);
	}
}

/*
 * TqlmCompareObserve
 *		Count the attributes of a batch's spans, per side.
 */
void
TqlmCompareObserve(TqlmState *st, const TqlSpanBatch *b, const int32 *bucket)
{
	static const char *const intr_names[] = {
		"span:name", "span:status", "span:kind", "span:statusMessage"
	};
	const TqlValueVector *sel = b->values[st->cmp_index];
	StringInfoData keybuf;
	MemoryContext tmp;
	MemoryContext old;
	int			i;
	int			j;

	if (st->cmp == NULL)
		st->cmp = tqlm_cmp_create(st->cxt, 64, NULL);
	tmp = AllocSetContextCreate(CurrentMemoryContext, "compare batch",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(tmp);
	initStringInfo(&keybuf);
	for (i = 0; i < b->nspans; i++)
	{
		TqlmValue	v;
		bool		is_sel;

		if (bucket[i] < 0)
			continue;
		TqlmGetValue(sel, i, &v);
		is_sel = v.type == TQL_TYPE_BOOL && v.i != 0;
		if (is_sel && st->cmp_end > st->cmp_start &&
			!(b->start_ns[i] > st->cmp_start && b->start_ns[i] <= st->cmp_end))
			is_sel = false;

		for (j = 0; j < lengthof(intr_names); j++)
		{
			TqlmGetValue(b->values[st->cmp_intr_index + j], i, &v);
			if (v.type == TQL_TYPE_NIL ||
				(v.type == TQL_TYPE_STRING && v.len == 0))
				continue;
			cmp_set_key(&keybuf, is_sel, "", intr_names[j], strlen(intr_names[j]));
			cmp_count(st, &keybuf, &v, bucket[i]);
		}
		if (b->span_attributes)
			cmp_count_map(st, &keybuf, is_sel, "span.", b->span_attributes[i], bucket[i]);
		if (b->resource_attributes)
			cmp_count_map(st, &keybuf, is_sel, "resource.", b->resource_attributes[i], bucket[i]);
		if ((i & 1023) == 1023)
			MemoryContextReset(tmp);
	}
	MemoryContextSwitchTo(old);
	MemoryContextDelete(tmp);
}

typedef struct CmpRank
{
	CmpValEntry *e;
	char	   *text;
} CmpRank;

static int
cmp_rank(const void *a, const void *b)
{
	const CmpRank *x = a;
	const CmpRank *y = b;

	if (x->e->total != y->e->total)
		return x->e->total > y->e->total ? -1 : 1;
	return strcmp(x->text, y->text);
}

/* A compare() series: meta label first, then the attribute */
static TqlmSeries *
cmp_series(TqlmState *st, const char *meta_name, const char *meta,
		   const char *attr, const TqlmValue *v, const int64 *counts,
		   double scale)
{
	const char *names[2];
	TqlmValue	vals[2];
	TqlmSeries *s;
	int			k;

	memset(vals, 0, sizeof(vals));
	names[0] = meta_name;
	vals[0].type = TQL_TYPE_STRING;
	vals[0].s = meta;
	vals[0].len = strlen(meta);
	names[1] = attr;
	if (v)
		vals[1] = *v;
	else
		vals[1].type = TQL_TYPE_NIL;
	s = TqlmMakeSeries(st, -1, 2, names, vals);
	s->values = palloc(sizeof(double) * st->grid.nint);
	for (k = 0; k < st->grid.nint; k++)
		s->values[k] = counts ? (double) counts[k] * scale : NAN;
	if (counts == NULL)
		s->indicator = true;
	return s;
}

/*
 * TqlmCompareFinish
 *		The compare() series.
 */
TqlmSeries **
TqlmCompareFinish(TqlmState *st, double scale, int *nseries)
{
	tqlm_cmp_iterator it;
	CmpAttrEntry *ae;
	List	   *erred = NIL;
	int			max = 16;
	int			n = 0;
	TqlmSeries **out = palloc(sizeof(TqlmSeries *) * max);
	ListCell   *lc;

#define ADD_SERIES(x) \
	do { \
		if (n >= max) { max *= 2; out = repalloc(out, sizeof(TqlmSeries *) * max); } \
		out[n++] = (x); \
	} while (0)

	if (st->cmp == NULL)
	{
		*nseries = 0;
		return out;
	}
	tqlm_cmp_start_iterate(st->cmp, &it);
	while ((ae = tqlm_cmp_iterate(st->cmp, &it)) != NULL)
	{
		CmpAttr    *a = ae->attr;
		CmpRank    *rank = palloc(sizeof(CmpRank) * Max(a->nvalues, 1));
		tqlm_cmpval_iterator vit;
		CmpValEntry *ve;
		int			nv = 0;
		int			i;

		tqlm_cmpval_start_iterate(a->values, &vit);
		while ((ve = tqlm_cmpval_iterate(a->values, &vit)) != NULL)
		{
			StringInfoData t;

			initStringInfo(&t);
			TqlmAppendLabelValue(&t, &ve->key);
			rank[nv].e = ve;
			rank[nv++].text = t.data;
		}
		qsort(rank, nv, sizeof(CmpRank), cmp_rank);
		for (i = 0; i < nv && i < st->cmp_topn; i++)
			ADD_SERIES(cmp_series(st, "__meta_type",
								  a->selection ? "selection" : "baseline",
								  a->name, &rank[i].e->key, rank[i].e->counts, scale));
		ADD_SERIES(cmp_series(st, "__meta_type",
							  a->selection ? "selection_total" : "baseline_total",
							  a->name, NULL, a->totals, scale));
		if (nv > st->cmp_topn || a->overflow)
		{
			bool		seen = false;

			foreach(lc, erred)
				if (strcmp((char *) lfirst(lc), a->name) == 0)
					seen = true;
			if (!seen)
				erred = lappend(erred, a->name);
		}
	}
	foreach(lc, erred)
		ADD_SERIES(cmp_series(st, "__meta_error", "__too_many_values__",
							  (char *) lfirst(lc), NULL, NULL, 1.0));
	*nseries = n;
	return out;
}

/* ----------------------------------------------------------------
 * exemplars
 * ----------------------------------------------------------------
 */

typedef struct ExSlotEntry
{
	int64		key;
	char		status;
} ExSlotEntry;

#define SH_PREFIX tqlm_ex
#define SH_ELEMENT_TYPE ExSlotEntry
#define SH_KEY_TYPE int64
#define SH_KEY key
#define SH_HASH_KEY(tb, k) ((uint32) hash_bytes_uint32_extended((uint32) (k), (uint64) (k) >> 32))
#define SH_EQUAL(tb, a, b) ((a) == (b))
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

typedef struct TraceKey
{
	uint8		id[16];
} TraceKey;

typedef struct ExTraceEntry
{
	TraceKey	key;
	char		status;
} ExTraceEntry;

#define SH_PREFIX tqlm_trace
#define SH_ELEMENT_TYPE ExTraceEntry
#define SH_KEY_TYPE TraceKey
#define SH_KEY key
#define SH_HASH_KEY(tb, k) hash_bytes((k).id, 16)
#define SH_EQUAL(tb, a, b) (memcmp((a).id, (b).id, 16) == 0)
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/*
 * TqlmExemplarsObserve
 *		Keep candidate exemplars among a batch's spans.
 */
void
TqlmExemplarsObserve(TqlmState *st, const TqlSpanBatch *b,
					 const int32 *bucket, const int32 *series,
					 const double *values)
{
	int			nslots = st->max_exemplars;
	double		span = (double) (st->grid.end - st->grid.start);
	bool		need_value = values != NULL &&
		st->func != TQL_MF_HISTOGRAM_OVER_TIME;
	int			i;

	if (st->ex_slots == NULL)
	{
		st->ex_max = Max(16 * nslots, 1024);
		st->ex = MemoryContextAlloc(st->cxt, sizeof(TqlmExemplar) * st->ex_max);
		st->ex_slots = tqlm_ex_create(st->cxt, 256, NULL);
		st->ex_traces = tqlm_trace_create(st->cxt, 256, NULL);
	}
	for (i = 0; i < b->nspans && st->ex_n < st->ex_max; i++)
	{
		int64		slot;
		bool		found;
		TraceKey	tk;
		TqlmExemplar *e;

		if (series[i] < 0 || bucket[i] < 0)
			continue;
		if (need_value && isnan(values[i]))
			continue;
		slot = (int64) ((double) (b->start_ns[i] - st->grid.start - 1) / span * nslots);
		slot = Max(Min(slot, nslots - 1), 0);
		slot += (int64) series[i] * nslots;
		if (tqlm_ex_lookup(st->ex_slots, slot) != NULL)
			continue;
		memcpy(tk.id, b->trace_ids + (Size) i * 16, 16);
		(void) tqlm_trace_insert(st->ex_traces, tk, &found);
		if (found)
			continue;
		(void) tqlm_ex_insert(st->ex_slots, slot, &found);
		e = &st->ex[st->ex_n++];
		e->series = series[i];
		e->target = NULL;
		e->ts = b->start_ns[i];
		e->value = (values != NULL && st->func != TQL_MF_HISTOGRAM_OVER_TIME &&
					st->func != TQL_MF_RATE && st->func != TQL_MF_COUNT_OVER_TIME) ?
			values[i] : NAN;
		memcpy(e->trace_id, tk.id, 16);
		memcpy(e->span_id, b->span_ids + (Size) i * 8, 8);
	}
}

static int
cmp_exemplar(const void *a, const void *b)
{
	const TqlmExemplar *x = a;
	const TqlmExemplar *y = b;
	int			c = strcmp(x->target->text, y->target->text);

	if (c != 0)
		return c;
	return x->ts < y->ts ? -1 : x->ts > y->ts ? 1 : 0;
}

/*
 * TqlmExemplarsSelect
 *		Resolve candidates to output series (after TqlmFinish and any
 *		second stage) and choose up to max_exemplars round-robin.
 */
TqlmExemplar *
TqlmExemplarsSelect(TqlmState *st, int *n)
{
	TqlmExemplar *cand = palloc(sizeof(TqlmExemplar) * Max(st->ex_n, 1));
	TqlmExemplar *res = palloc(sizeof(TqlmExemplar) * Max(st->max_exemplars, 1));
	int		   *first_of_group = NULL;
	int			nc = 0;
	int			nres = 0;
	int			i;

	if (st->func == TQL_MF_QUANTILE_OVER_TIME)
	{
		first_of_group = palloc(sizeof(int) * Max(st->ngroups, 1));
		for (i = 0; i < st->ngroups; i++)
			first_of_group[i] = -1;
		for (i = st->nout - 1; i >= 0; i--)
			first_of_group[st->out[i]->group] = i;
	}
	for (i = 0; i < st->ex_n; i++)
	{
		TqlmExemplar e = st->ex[i];
		TqlmSeries *target = NULL;
		int32		k;

		if (st->func == TQL_MF_QUANTILE_OVER_TIME)
		{
			int			f = first_of_group[st->series_group[e.series]];
			int			q;
			int			nq = st->metrics->nquantiles;

			if (f < 0)
				continue;
			for (q = 0; q < nq - 1; q++)
				if (e.value <= st->out[f + q]->overall)
					break;
			target = st->out[f + q];
		}
		else if (st->out_of_series != NULL && st->out_of_series[e.series] >= 0)
			target = st->out[st->out_of_series[e.series]];
		if (target == NULL)
			continue;
		TqlmBucketize(&st->grid, &e.ts, 1, &k);
		if (k < 0 || isnan(target->values[k]))
			continue;
		e.target = target;
		cand[nc++] = e;
	}
	if (nc > 1)
		qsort(cand, nc, sizeof(TqlmExemplar), cmp_exemplar);

	/* round-robin: round r takes the r-th candidate of every series */
	{
		int		   *rank = palloc(sizeof(int) * Max(nc, 1));
		int			round;
		int			maxrank = 0;

		for (i = 0; i < nc; i++)
		{
			rank[i] = (i > 0 && cand[i].target == cand[i - 1].target) ? rank[i - 1] + 1 : 0;
			maxrank = Max(maxrank, rank[i]);
		}
		for (round = 0; round <= maxrank && nres < st->max_exemplars; round++)
			for (i = 0; i < nc && nres < st->max_exemplars; i++)
				if (rank[i] == round)
					res[nres++] = cand[i];
	}
	*n = nres;
	return res;
}
