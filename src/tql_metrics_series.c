/*-------------------------------------------------------------------------
 *
 * tql_metrics_series.c
 *	  Series of TraceQL metrics: typed label values, by() groups, the
 *	  series limit, and the text and jsonb forms of a label set.
 *
 * Label values are typed (Tempo 2.9, PR 5659): the integer 500 and the
 * string "500" are different values and make different series.  Each by()
 * item has its own table interning the values seen (hash on type and
 * payload) into dense value ids; a group (a by() series) is the tuple of
 * its items' value ids.  With one by() item -- the common case -- the value
 * id maps to the group through an array; with several, a hash table on the
 * tuple does, with the previous row's tuple remembered (spans of one
 * service or route come in runs).
 *
 * The executor hands a by() value in dictionary form when its column chunk
 * is dictionary encoded: then each distinct value is interned once per
 * batch and rows only index an array, so grouping costs one load per row.
 *
 * Every accumulator the engine keeps counts against tempo.metrics_max_series
 * (for quantile_over_time and histogram_over_time one per power-of-two
 * bucket of a group): past it the query fails with 54000 rather than
 * growing without bound.
 *
 * Label sets print like Prometheus's, in by() order: {a="x", b=500}.
 * Strings are quoted (Go escapes), numbers and booleans are bare, nil is
 * nil; durations, status and kind are strings, as Tempo turns them into
 * strings.  The jsonb form has the same keys with JSON-typed values.  A
 * nil value drops its label; when that leaves nothing, the first by() label
 * is kept with nil (Prometheus needs one label), and an ungrouped series is
 * {__name__="<function>"}.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/tql_metrics_series.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "common/hashfn.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "tql_metrics.h"

/* value interning tables, one per by() item */
typedef struct TqlmValEntry
{
	TqlmValue	key;
	uint32		hash;
	int32		id;
	char		status;
} TqlmValEntry;

#define SH_PREFIX tqlm_vals
#define SH_ELEMENT_TYPE TqlmValEntry
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

/* groups of several by() items: tuple of value ids -> group */
typedef struct TqlmGroupKey
{
	int32		v[TQLM_MAX_BY];
} TqlmGroupKey;

typedef struct TqlmGroupEntry
{
	TqlmGroupKey key;
	uint32		hash;
	int32		id;
	char		status;
} TqlmGroupEntry;

#define SH_PREFIX tqlm_groups
#define SH_ELEMENT_TYPE TqlmGroupEntry
#define SH_KEY_TYPE TqlmGroupKey
#define SH_KEY key
#define SH_HASH_KEY(tb, k) hash_bytes((const unsigned char *) &(k), sizeof(TqlmGroupKey))
#define SH_EQUAL(tb, a, b) (memcmp(&(a), &(b), sizeof(TqlmGroupKey)) == 0)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a) ((a)->hash)
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/* Value i of a vector (either form) */
void
TqlmGetValue(const TqlValueVector *v, int i, TqlmValue *out)
{
	memset(out, 0, sizeof(TqlmValue));
	if (v->codes != NULL)
	{
		if (v->codes[i] < 0)
		{
			out->type = TQL_TYPE_NIL;
			return;
		}
		TqlmGetValue(v->dict, v->codes[i], out);
		return;
	}
	out->type = v->types[i];
	switch (out->type)
	{
		case TQL_TYPE_BOOL:
		case TQL_TYPE_INT:
		case TQL_TYPE_DURATION:
		case TQL_TYPE_STATUS:
		case TQL_TYPE_KIND:
			out->i = v->ints[i];
			break;
		case TQL_TYPE_FLOAT:
			out->f = v->floats[i];
			if (out->f == 0.0)
				out->f = 0.0;	/* -0 is 0 */
			break;
		case TQL_TYPE_STRING:
			out->s = v->strs[i];
			out->len = v->strlens[i];
			break;
		case TQL_TYPE_ATTRIBUTE:
			if (v->arrays == NULL || v->arrays[i] == NULL)
			{
				out->type = TQL_TYPE_NIL;
				break;
			}
			out->s = JsonbToCString(NULL, &v->arrays[i]->root,
									VARSIZE(v->arrays[i]));
			out->len = strlen(out->s);
			break;
		default:
			out->type = TQL_TYPE_NIL;
			break;
	}
}

bool
TqlmValueEqual(const TqlmValue *a, const TqlmValue *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type)
	{
		case TQL_TYPE_NIL:
			return true;
		case TQL_TYPE_FLOAT:
			return memcmp(&a->f, &b->f, sizeof(double)) == 0;
		case TQL_TYPE_STRING:
		case TQL_TYPE_ATTRIBUTE:
			return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
		default:
			return a->i == b->i;
	}
}

uint32
TqlmValueHash(const TqlmValue *v)
{
	uint64		bits;

	switch (v->type)
	{
		case TQL_TYPE_STRING:
		case TQL_TYPE_ATTRIBUTE:
			return hash_bytes((const unsigned char *) v->s, v->len) ^ v->type;
		case TQL_TYPE_FLOAT:
			memcpy(&bits, &v->f, sizeof(bits));
			break;
		case TQL_TYPE_NIL:
			bits = 0;
			break;
		default:
			bits = (uint64) v->i;
			break;
	}
	return (uint32) hash_bytes_uint32_extended((uint32) bits,
											   (bits >> 32) * 31 + v->type);
}

/* A copy of v whose string lives in the current memory context */
TqlmValue
TqlmCopyValue(const TqlmValue *v)
{
	TqlmValue	c = *v;

	if (v->s != NULL)
	{
		char	   *s = palloc(v->len + 1);

		memcpy(s, v->s, v->len);
		s[v->len] = '\0';
		c.s = s;
	}
	return c;
}

void
TqlmSeriesInit(TqlmState *st)
{
	int			k;

	for (k = 0; k < st->nby; k++)
	{
		st->vals[k] = tqlm_vals_create(st->cxt, 64, NULL);
		st->maxvals[k] = 64;
		st->valarr[k] = palloc(sizeof(TqlmValue) * st->maxvals[k]);
	}
	if (st->nby >= 2)
		st->groups = tqlm_groups_create(st->cxt, 64, NULL);
	st->maxgroups = 64;
	st->group_vals = palloc(sizeof(int32) * st->maxgroups * Max(st->nby, 1));
	st->group_slots = palloc0(sizeof(int32 *) * st->maxgroups);
}

void
TqlmSeriesLimitError(int limit)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("TraceQL metrics query produces more than %d series", limit),
			 errhint("Group by fewer or lower-cardinality attributes, narrow the query, or raise tempo.metrics_max_series.")));
}

/* Value id of v in by() item k, interning it */
static int32
intern_value(TqlmState *st, int k, const TqlmValue *v)
{
	TqlmValEntry *e;
	bool		found;

	e = tqlm_vals_insert(st->vals[k], *v, &found);
	if (!found)
	{
		MemoryContext old = MemoryContextSwitchTo(st->cxt);

		if (st->nvals[k] >= st->maxvals[k])
		{
			st->maxvals[k] *= 2;
			st->valarr[k] = repalloc_huge(st->valarr[k],
										  sizeof(TqlmValue) * st->maxvals[k]);
		}
		e->key = TqlmCopyValue(v);
		e->id = st->nvals[k];
		st->valarr[k][st->nvals[k]++] = e->key;
		MemoryContextSwitchTo(old);
	}
	return e->id;
}

/* Create a group from a tuple of value ids */
static int32
new_group(TqlmState *st, const int32 *vids)
{
	int			g = st->ngroups;
	int			nby = Max(st->nby, 1);

	if (g >= st->series_limit)
		TqlmSeriesLimitError(st->series_limit);
	if (g >= st->maxgroups)
	{
		int			oldmax = st->maxgroups;

		st->maxgroups *= 2;
		st->group_vals = repalloc_huge(st->group_vals,
									   sizeof(int32) * st->maxgroups * nby);
		st->group_slots = repalloc_huge(st->group_slots,
										sizeof(int32 *) * st->maxgroups);
		memset(st->group_slots + oldmax, 0,
			   sizeof(int32 *) * (st->maxgroups - oldmax));
	}
	memcpy(st->group_vals + (Size) g * nby, vids, sizeof(int32) * nby);
	st->ngroups++;
	/* functions without histogram slots: series id == group id */
	if (st->func != TQL_MF_HISTOGRAM_OVER_TIME &&
		st->func != TQL_MF_QUANTILE_OVER_TIME)
		(void) TqlmNewSeries(st, g, -1);
	return g;
}

/* One by() item: the group of value id vid, created on first use */
static int32
group_for_value(TqlmState *st, int32 vid)
{
	int32		g;

	if (unlikely(st->group_of_val_size <= vid))
	{
		int			oldsize = st->group_of_val_size;
		int			size = Max(st->nvals[0], oldsize * 2);
		int			i;

		if (st->group_of_val == NULL)
			st->group_of_val = MemoryContextAlloc(st->cxt, sizeof(int32) * size);
		else
			st->group_of_val = repalloc_huge(st->group_of_val, sizeof(int32) * size);
		for (i = oldsize; i < size; i++)
			st->group_of_val[i] = -1;
		st->group_of_val_size = size;
	}
	g = st->group_of_val[vid];
	if (unlikely(g < 0))
	{
		g = new_group(st, &vid);
		st->group_of_val[vid] = g;
	}
	return g;
}

/*
 * TqlmMapGroups
 *		group[i] = the by() group of row i, for the rows with keep[i] >= 0;
 *		-1 for the others.
 */
void
TqlmMapGroups(TqlmState *st, const TqlSpanBatch *batch, const int32 *keep,
			  int32 *group)
{
	int			n = batch->nspans;
	int			i;
	int			k;
	int32	   *vids[TQLM_MAX_BY];

	if (st->nby == 0)
	{
		int32		zero = 0;

		for (i = 0; i < n; i++)
		{
			if (keep[i] < 0)
			{
				group[i] = -1;
				continue;
			}
			if (st->ngroups == 0)
				(void) new_group(st, &zero);
			group[i] = 0;
		}
		return;
	}

	/*
	 * One by() item in dictionary form, the common case: map each
	 * dictionary entry to its group the first time a kept row uses it,
	 * then every row is one array load.
	 */
	if (st->nby == 1 && batch->values[st->by_index[0]]->codes != NULL)
	{
		const TqlValueVector *v = batch->values[st->by_index[0]];
		int32	   *gmap = palloc(sizeof(int32) * (v->ndict + 1));
		int			d;

		for (d = 0; d <= v->ndict; d++)
			gmap[d] = -1;
		for (i = 0; i < n; i++)
		{
			int			c = v->codes[i] + 1;

			if (keep[i] < 0)
			{
				group[i] = -1;
				continue;
			}
			if (unlikely(gmap[c] < 0))
			{
				TqlmValue	val;
				int32		vid;

				if (c == 0)
				{
					memset(&val, 0, sizeof(val));
					val.type = TQL_TYPE_NIL;
				}
				else
					TqlmGetValue(v->dict, c - 1, &val);
				vid = intern_value(st, 0, &val);
				gmap[c] = group_for_value(st, vid);
			}
			group[i] = gmap[c];
		}
		pfree(gmap);
		return;
	}

	/* value ids of every by() item */
	for (k = 0; k < st->nby; k++)
	{
		const TqlValueVector *v = batch->values[st->by_index[k]];
		int32	   *out = st->vidbuf + (Size) k * st->scratch_n;

		vids[k] = out;
		if (v->codes != NULL)
		{
			int32	   *dmap = palloc(sizeof(int32) * (v->ndict + 1));
			TqlmValue	val;
			int			d;

			/* dmap[0] is nil, dmap[d + 1] dictionary entry d */
			memset(&val, 0, sizeof(val));
			val.type = TQL_TYPE_NIL;
			dmap[0] = intern_value(st, k, &val);
			for (d = 0; d < v->ndict; d++)
			{
				TqlmGetValue(v->dict, d, &val);
				dmap[d + 1] = intern_value(st, k, &val);
			}
			for (i = 0; i < n; i++)
				out[i] = dmap[v->codes[i] + 1];
			pfree(dmap);
		}
		else
		{
			TqlmValue	prev;
			int32		prev_id = -1;

			for (i = 0; i < n; i++)
			{
				TqlmValue	val;

				if (keep[i] < 0)
				{
					out[i] = -1;
					continue;
				}
				TqlmGetValue(v, i, &val);
				if (prev_id < 0 || !TqlmValueEqual(&val, &prev))
				{
					prev_id = intern_value(st, k, &val);
					prev = val;
				}
				out[i] = prev_id;
			}
		}
	}

	if (st->nby == 1)
	{
		int32	   *v0 = vids[0];

		for (i = 0; i < n; i++)
			group[i] = keep[i] < 0 ? -1 : group_for_value(st, v0[i]);
		return;
	}

	/* several items: hash the tuple, remembering the previous one */
	{
		TqlmGroupKey prev;
		int32		prev_g = -1;

		memset(&prev, 0, sizeof(prev));
		for (i = 0; i < n; i++)
		{
			TqlmGroupKey key;
			TqlmGroupEntry *e;
			bool		found;

			if (keep[i] < 0)
			{
				group[i] = -1;
				continue;
			}
			memset(&key, 0, sizeof(key));
			for (k = 0; k < st->nby; k++)
				key.v[k] = vids[k][i];
			if (prev_g >= 0 && memcmp(&key, &prev, sizeof(key)) == 0)
			{
				group[i] = prev_g;
				continue;
			}
			e = tqlm_groups_insert(st->groups, key, &found);
			if (!found)
				e->id = new_group(st, key.v);
			group[i] = prev_g = e->id;
			prev = key;
		}
	}
}

/*
 * TqlmSeriesFor
 *		The accumulator of histogram slot "slot" of group "group".
 */
int
TqlmSeriesFor(TqlmState *st, int group, int slot)
{
	int32	   *slots = st->group_slots[group];

	if (slots == NULL)
	{
		int			i;

		slots = MemoryContextAlloc(st->cxt, sizeof(int32) * TQLM_HIST_SLOTS);
		for (i = 0; i < TQLM_HIST_SLOTS; i++)
			slots[i] = -1;
		st->group_slots[group] = slots;
	}
	if (slots[slot] < 0)
		slots[slot] = TqlmNewSeries(st, group, slot);
	return slots[slot];
}

/* Label value as text: strings quoted, numbers bare */
void
TqlmAppendLabelValue(StringInfo buf, const TqlmValue *v)
{
	TqlStatic	s;

	switch (v->type)
	{
		case TQL_TYPE_STRING:
			TqlAppendString(buf, v->s);
			return;
		case TQL_TYPE_ATTRIBUTE:
			appendBinaryStringInfo(buf, v->s, v->len);
			return;
		case TQL_TYPE_DURATION:
			{
				StringInfoData d;

				initStringInfo(&d);
				TqlmAppendGoDuration(&d, v->i);
				TqlAppendString(buf, d.data);
				pfree(d.data);
				return;
			}
		case TQL_TYPE_STATUS:
			TqlAppendString(buf, TqlStatusName((int) v->i));
			return;
		case TQL_TYPE_KIND:
			TqlAppendString(buf, TqlKindName((int) v->i));
			return;
		case TQL_TYPE_FLOAT:
			if (isnan(v->f) || isinf(v->f))
			{
				appendStringInfoString(buf, isnan(v->f) ? "NaN" :
									   v->f > 0 ? "+Inf" : "-Inf");
				return;
			}
			s.type = TQL_TYPE_FLOAT;
			s.v.f = v->f;
			break;
		case TQL_TYPE_INT:
			s.type = TQL_TYPE_INT;
			s.v.i = v->i;
			break;
		case TQL_TYPE_BOOL:
			s.type = TQL_TYPE_BOOL;
			s.v.b = v->i != 0;
			break;
		default:
			s.type = TQL_TYPE_NIL;
			break;
	}
	TqlAppendStatic(buf, &s);
}

static void
push_string(JsonbParseState **ps, const char *s, int len, JsonbIteratorToken tok)
{
	JsonbValue	jv;

	jv.type = jbvString;
	jv.val.string.val = (char *) s;
	jv.val.string.len = len;
	(void) pushJsonbValue(ps, tok, &jv);
}

/* Push v as a jsonb object value */
void
TqlmPushLabelValue(JsonbParseState **ps, const TqlmValue *v)
{
	JsonbValue	jv;
	StringInfoData d;

	switch (v->type)
	{
		case TQL_TYPE_STRING:
			push_string(ps, v->s, v->len, WJB_VALUE);
			return;
		case TQL_TYPE_DURATION:
			initStringInfo(&d);
			TqlmAppendGoDuration(&d, v->i);
			push_string(ps, d.data, d.len, WJB_VALUE);
			return;
		case TQL_TYPE_STATUS:
			push_string(ps, TqlStatusName((int) v->i),
						strlen(TqlStatusName((int) v->i)), WJB_VALUE);
			return;
		case TQL_TYPE_KIND:
			push_string(ps, TqlKindName((int) v->i),
						strlen(TqlKindName((int) v->i)), WJB_VALUE);
			return;
		case TQL_TYPE_INT:
			jv.type = jbvNumeric;
			jv.val.numeric = int64_to_numeric(v->i);
			break;
		case TQL_TYPE_FLOAT:
			if (isnan(v->f) || isinf(v->f))
			{
				const char *t = isnan(v->f) ? "NaN" : v->f > 0 ? "Infinity" : "-Infinity";

				push_string(ps, t, strlen(t), WJB_VALUE);
				return;
			}
			jv.type = jbvNumeric;
			jv.val.numeric = DatumGetNumeric(DirectFunctionCall1(float8_numeric,
																 Float8GetDatum(v->f)));
			break;
		case TQL_TYPE_BOOL:
			jv.type = jbvBool;
			jv.val.boolean = v->i != 0;
			break;
		case TQL_TYPE_ATTRIBUTE:
			{
				Jsonb	   *j = DatumGetJsonbP(DirectFunctionCall1(jsonb_in,
																   CStringGetDatum(v->s)));

				jv.type = jbvBinary;
				jv.val.binary.data = &j->root;
				jv.val.binary.len = VARSIZE(j) - VARHDRSZ;
				break;
			}
		default:
			jv.type = jbvNull;
			break;
	}
	(void) pushJsonbValue(ps, WJB_VALUE, &jv);
}

/*
 * TqlmMakeSeries
 *		An output series for a group (or -1: no by() labels) with extra
 *		labels after the by() ones; values are left for the caller.
 */
TqlmSeries *
TqlmMakeSeries(TqlmState *st, int group, int nextra, const char **extra_names,
			   const TqlmValue *extra_values)
{
	TqlmSeries *s = palloc0(sizeof(TqlmSeries));
	const char *names[TQLM_MAX_BY + 4];
	TqlmValue	values[TQLM_MAX_BY + 4];
	int			n = 0;
	int			i;
	StringInfoData buf;
	JsonbParseState *ps = NULL;
	JsonbValue *res;

	Assert(nextra <= 4);
	if (group >= 0)
	{
		for (i = 0; i < st->nby; i++)
		{
			const TqlmValue *v = &st->valarr[i][st->group_vals[(Size) group * st->nby + i]];

			if (v->type == TQL_TYPE_NIL)
				continue;
			names[n] = st->by_names[i];
			values[n++] = *v;
		}
	}
	if (n == 0 && nextra == 0)
	{
		memset(&values[0], 0, sizeof(TqlmValue));
		if (st->nby > 0)
		{
			names[0] = st->by_names[0];
			values[0].type = TQL_TYPE_NIL;
		}
		else
		{
			names[0] = "__name__";
			values[0].type = TQL_TYPE_STRING;
			values[0].s = TqlMetricsFuncName(st->func);
			values[0].len = strlen(values[0].s);
		}
		n = 1;
	}
	for (i = 0; i < nextra; i++)
	{
		names[n] = extra_names[i];
		values[n++] = extra_values[i];
	}

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	(void) pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
	for (i = 0; i < n; i++)
	{
		if (i > 0)
			appendStringInfoString(&buf, ", ");
		appendStringInfo(&buf, "%s=", names[i]);
		TqlmAppendLabelValue(&buf, &values[i]);
		push_string(&ps, names[i], strlen(names[i]), WJB_KEY);
		TqlmPushLabelValue(&ps, &values[i]);
	}
	res = pushJsonbValue(&ps, WJB_END_OBJECT, NULL);
	appendStringInfoChar(&buf, '}');
	s->text = buf.data;
	s->labels = JsonbValueToJsonb(res);
	s->group = group;
	s->slot = -1;
	return s;
}
