/*-------------------------------------------------------------------------
 *
 * tql_exec_eval.c
 *	  Vectorized evaluation of TraceQL field expressions.
 *
 * An expression is evaluated for a list of rows of an ExecSource (a batch
 * of the reader or the spans of an assembled trace): the rows are given as
 * positions (rows[j], or 0..n-1 when rows is NULL) and every result is
 * indexed by j.  Field values are computed once per source and cached,
 * indexed by row.
 *
 * Values (ExecVec) are TqlValueVectors.  A text column that the reader
 * hands over dictionary-encoded stays in dictionary form: a comparison
 * "field op literal" then runs once per distinct value and a gather maps
 * the answers to the rows, and a consumer gets the codes (by() series
 * lookups per distinct value).  Integer columns are used in place when
 * they have no NULLs.
 *
 * Semantics (Tempo 2.9, spec 1.6-1.8):
 *	- a comparison with a missing value is false, also for != and !~;
 *	- values of different types never compare equal, also not with !=
 *	  (int 500 and string "500" differ); int, float and duration form one
 *	  numeric family; status, kind and bool only support = and !=;
 *	- arrays (and the "any event" / "any link" fields, which are arrays of
 *	  the values of all events or links) compare true when any element
 *	  does, for every operator;
 *	- strings order byte-wise; regexes are fully anchored (the analyzer
 *	  built the pattern; patterns only known at run time are anchored the
 *	  same way here and an invalid one makes the comparison false);
 *	- boolean operators are three-valued so that a bare attribute that is
 *	  not a boolean is neither true nor false: "!.a" holds only when .a is
 *	  the boolean false.  A span filter keeps a span when its expression is
 *	  true;
 *	- arithmetic on a missing or non-numeric value is missing; integer
 *	  overflow and division by zero give a missing value (Go would wrap or
 *	  panic); int op int stays int, duration op int/duration is a duration,
 *	  anything with a float is a float (a duration when a duration is
 *	  involved), as the analyzer folds constants.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/tql_exec_eval.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_collation.h"
#include "common/hashfn.h"
#include "common/int.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "tql_exec_int.h"
#include "tempo_ids.h"

/* tri-state results of boolean expressions */
#define T_FALSE 0
#define T_TRUE	1
#define T_NIL	2

/* ---------------------------------------------------------------------
 * Vectors
 * ---------------------------------------------------------------------
 */

static ExecVec *
vec_alloc(int n)
{
	ExecVec    *vec = palloc0(sizeof(ExecVec));
	int			m = Max(n, 1);

	vec->v.n = n;
	vec->v.types = palloc(m);
	memset(vec->v.types, TQL_TYPE_NIL, m);
	/* only the member of an entry's type is ever read: no need to zero */
	vec->v.ints = palloc(sizeof(int64) * m);
	vec->v.floats = palloc(sizeof(double) * m);
	vec->v.strs = palloc(sizeof(char *) * m);
	vec->v.strlens = palloc(sizeof(int32) * m);
	vec->v.arrays = palloc(sizeof(Jsonb *) * m);
	vec->uniform = -1;
	return vec;
}

/* A vector in dictionary form over dict */
static ExecVec *
vec_dict(int32 *codes, int n, ExecVec *dict)
{
	ExecVec    *vec = palloc0(sizeof(ExecVec));

	vec->v.n = n;
	vec->v.codes = codes;
	vec->v.ndict = dict->v.n;
	vec->v.dict = &dict->v;
	vec->uniform = -1;
	return vec;
}

static inline void
vec_set(ExecVec *vec, int i, const ExecVal *v)
{
	vec->v.types[i] = v->type;
	switch (v->type)
	{
		case TQL_TYPE_FLOAT:
			vec->v.floats[i] = v->u.f;
			break;
		case TQL_TYPE_STRING:
			vec->v.strs[i] = v->u.s;
			vec->v.strlens[i] = v->len;
			break;
		case TQL_TYPE_ATTRIBUTE:
			vec->v.arrays[i] = v->u.a;
			break;
		case TQL_TYPE_NIL:
			break;
		default:
			vec->v.ints[i] = v->u.i;
			break;
	}
}

/* Track whether every value of a vector has one type (see ExecVec) */
static inline void
track_uniform(int *uniform, int type)
{
	if (*uniform == -2)
		*uniform = type;
	else if (*uniform != type)
		*uniform = -1;
}

static inline int
final_uniform(int uniform)
{
	return (uniform >= 0 && uniform != TQL_TYPE_NIL) ? uniform : -1;
}

static inline void
tvv_get(const TqlValueVector *v, int i, ExecVal *out)
{
	if (v->codes != NULL)
	{
		int32		c = v->codes[i];

		if (c < 0 || c >= v->ndict)
		{
			out->type = TQL_TYPE_NIL;
			out->u.i = 0;
			return;
		}
		v = v->dict;
		i = c;
	}
	out->type = v->types[i];
	switch (out->type)
	{
		case TQL_TYPE_FLOAT:
			out->u.f = v->floats[i];
			break;
		case TQL_TYPE_STRING:
			out->u.s = v->strs[i];
			out->len = v->strlens[i];
			break;
		case TQL_TYPE_ATTRIBUTE:
			out->u.a = v->arrays[i];
			break;
		case TQL_TYPE_NIL:
			out->u.i = 0;
			break;
		default:
			out->u.i = v->ints[i];
			break;
	}
}

void
ExecVecGet(const ExecVec *vec, int i, ExecVal *out)
{
	tvv_get(&vec->v, i, out);
}

/* Exact equality of two values (same type, same value): by() groups */
bool
ExecValEqual(const ExecVal *a, const ExecVal *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type)
	{
		case TQL_TYPE_NIL:
			return true;
		case TQL_TYPE_FLOAT:
			return a->u.f == b->u.f || (isnan(a->u.f) && isnan(b->u.f));
		case TQL_TYPE_STRING:
			return a->len == b->len && memcmp(a->u.s, b->u.s, a->len) == 0;
		case TQL_TYPE_ATTRIBUTE:
			return VARSIZE(a->u.a) == VARSIZE(b->u.a) &&
				memcmp(a->u.a, b->u.a, VARSIZE(a->u.a)) == 0;
		default:
			return a->u.i == b->u.i;
	}
}

/* A hash consistent with ExecValEqual */
uint32
ExecValHash(const ExecVal *v)
{
	uint32		h = hash_bytes_uint32((uint32) v->type);

	switch (v->type)
	{
		case TQL_TYPE_NIL:
			return h;
		case TQL_TYPE_FLOAT:
			{
				double		d = isnan(v->u.f) ? get_float8_nan() : v->u.f;

				if (d == 0)
					d = 0;		/* -0.0 equals 0.0 */
				return h ^ hash_bytes((const unsigned char *) &d, sizeof(d));
			}
		case TQL_TYPE_STRING:
			return h ^ hash_bytes((const unsigned char *) v->u.s, v->len);
		case TQL_TYPE_ATTRIBUTE:
			return h ^ hash_bytes((const unsigned char *) v->u.a, VARSIZE(v->u.a));
		default:
			return h ^ hash_bytes((const unsigned char *) &v->u.i, sizeof(int64));
	}
}

/* Numeric value as a double (durations in nanoseconds) */
bool
ExecValNumber(const ExecVal *v, double *d)
{
	switch (v->type)
	{
		case TQL_TYPE_INT:
		case TQL_TYPE_DURATION:
			*d = (double) v->u.i;
			return true;
		case TQL_TYPE_FLOAT:
			*d = v->u.f;
			return true;
		default:
			return false;
	}
}

static void
static_to_val(const TqlStatic *s, ExecVal *v)
{
	memset(v, 0, sizeof(*v));
	v->type = s->type;
	switch (s->type)
	{
		case TQL_TYPE_BOOL:
			v->u.i = s->v.b ? 1 : 0;
			break;
		case TQL_TYPE_INT:
		case TQL_TYPE_DURATION:
			v->u.i = s->v.i;
			break;
		case TQL_TYPE_FLOAT:
			v->u.f = s->v.f;
			break;
		case TQL_TYPE_STRING:
			v->u.s = s->v.s;
			v->len = strlen(s->v.s);
			break;
		case TQL_TYPE_STATUS:
		case TQL_TYPE_KIND:
			v->u.i = s->v.e;
			break;
		default:
			v->type = TQL_TYPE_NIL;
			break;
	}
}

/* ---------------------------------------------------------------------
 * Jsonb values: attribute values as stored (see otlp_convert.c)
 * ---------------------------------------------------------------------
 */

/* A JSON number: int when it has no fraction and fits int64, else float */
static void
numeric_val(Numeric num, ExecVal *out)
{
	char	   *s = DatumGetCString(DirectFunctionCall1(numeric_out,
														NumericGetDatum(num)));

	if (strpbrk(s, ".eEN") == NULL)
	{
		char	   *end;
		long long	v;

		errno = 0;
		v = strtoll(s, &end, 10);
		if (errno == 0 && *end == '\0')
		{
			out->type = TQL_TYPE_INT;
			out->u.i = (int64) v;
			return;
		}
	}
	out->type = TQL_TYPE_FLOAT;
	out->u.f = strtod(s, NULL);
}

/* {"doubleValue": "NaN" | "Infinity" | "-Infinity"} is a float */
static bool
special_double(JsonbContainer *c, ExecVal *out)
{
	JsonbValue	v;

	if (!JsonContainerIsObject(c) || JsonContainerSize(c) != 1)
		return false;
	if (getKeyJsonValueFromContainer(c, "doubleValue", 11, &v) == NULL ||
		v.type != jbvString)
		return false;
	out->type = TQL_TYPE_FLOAT;
	if (v.val.string.len == 3 && memcmp(v.val.string.val, "NaN", 3) == 0)
		out->u.f = get_float8_nan();
	else if (v.val.string.len > 0 && v.val.string.val[0] == '-')
		out->u.f = -get_float8_infinity();
	else
		out->u.f = get_float8_infinity();
	return true;
}

/* Convert one JsonbValue (attribute value) to an ExecVal. */
static void
jsonb_val(JsonbValue *jv, ExecVal *out)
{
	memset(out, 0, sizeof(*out));
	switch (jv->type)
	{
		case jbvString:
			out->type = TQL_TYPE_STRING;
			out->u.s = pnstrdup(jv->val.string.val, jv->val.string.len);
			out->len = jv->val.string.len;
			break;
		case jbvNumeric:
			numeric_val(jv->val.numeric, out);
			break;
		case jbvBool:
			out->type = TQL_TYPE_BOOL;
			out->u.i = jv->val.boolean ? 1 : 0;
			break;
		case jbvBinary:
			if (JsonContainerIsArray(jv->val.binary.data))
			{
				out->type = TQL_TYPE_ATTRIBUTE;
				out->u.a = JsonbValueToJsonb(jv);
			}
			else if (!special_double(jv->val.binary.data, out))
				out->type = TQL_TYPE_NIL;
			break;
		default:
			out->type = TQL_TYPE_NIL;
			break;
	}
}

/* Builds a Jsonb array of the values of "any event/link" fields. */
typedef struct ArrayBuilder
{
	JsonbParseState *ps;
	int			n;
} ArrayBuilder;

static void
ab_push(ArrayBuilder *ab, JsonbValue *v)
{
	if (ab->n++ == 0)
		(void) pushJsonbValue(&ab->ps, WJB_BEGIN_ARRAY, NULL);
	(void) pushJsonbValue(&ab->ps, WJB_ELEM, v);
}

static void
ab_finish(ArrayBuilder *ab, ExecVal *out)
{
	if (ab->n == 0)
	{
		out->type = TQL_TYPE_NIL;
		return;
	}
	out->type = TQL_TYPE_ATTRIBUTE;
	out->u.a = JsonbValueToJsonb(pushJsonbValue(&ab->ps, WJB_END_ARRAY, NULL));
}

/* Push every element of an array value (or the value itself). */
static void
ab_push_any(ArrayBuilder *ab, JsonbValue *v)
{
	if (v->type == jbvBinary && JsonContainerIsArray(v->val.binary.data))
	{
		JsonbContainer *c = v->val.binary.data;
		int			n = JsonContainerSize(c);
		int			i;

		for (i = 0; i < n; i++)
		{
			JsonbValue *e = getIthJsonbValueFromContainer(c, i);

			if (e != NULL && e->type != jbvBinary && e->type != jbvNull)
				ab_push(ab, e);
		}
	}
	else if (v->type != jbvBinary && v->type != jbvNull)
		ab_push(ab, v);
}

static int64
ns_of_string(JsonbValue *v)
{
	char		buf[32];
	int			len;

	if (v->type == jbvNumeric)
		return DatumGetInt64(DirectFunctionCall1(numeric_int8,
												 NumericGetDatum(v->val.numeric)));
	if (v->type != jbvString || v->val.string.len >= (int) sizeof(buf))
		return 0;
	len = v->val.string.len;
	memcpy(buf, v->val.string.val, len);
	buf[len] = '\0';
	return (int64) strtoull(buf, NULL, 10);
}

/* Push the values of field f of one event (link) object */
static void
elem_field(const ExecField *f, JsonbContainer *obj, int64 span_start,
		   ArrayBuilder *ab)
{
	JsonbValue	v;

	switch (f->kind)
	{
		case EF_EVENT_NAME:
			if (getKeyJsonValueFromContainer(obj, "name", 4, &v) != NULL)
				ab_push(ab, &v);
			break;
		case EF_EVENT_TSS:
			if (getKeyJsonValueFromContainer(obj, "time_unix_nano", 14, &v) != NULL)
			{
				JsonbValue	d;

				d.type = jbvNumeric;
				d.val.numeric = int64_to_numeric(ns_of_string(&v) - span_start);
				ab_push(ab, &d);
			}
			break;
		case EF_LINK_TRACE_ID:
			if (getKeyJsonValueFromContainer(obj, "trace_id", 8, &v) != NULL)
				ab_push(ab, &v);
			break;
		case EF_LINK_SPAN_ID:
			if (getKeyJsonValueFromContainer(obj, "span_id", 7, &v) != NULL)
				ab_push(ab, &v);
			break;
		default:			/* EF_EVENT_ATTR, EF_LINK_ATTR */
			if (getKeyJsonValueFromContainer(obj, "attributes", 10, &v) != NULL &&
				v.type == jbvBinary && JsonContainerIsObject(v.val.binary.data))
			{
				JsonbValue	a;

				if (getKeyJsonValueFromContainer(v.val.binary.data, f->key,
												 strlen(f->key), &a) != NULL)
					ab_push_any(ab, &a);
			}
			break;
	}
}

/* The event (link) objects of a span's events (links) column, or NULL */
static JsonbContainer *
elem_object(Jsonb *col, int i)
{
	JsonbValue *e = getIthJsonbValueFromContainer(&col->root, i);

	if (e == NULL || e->type != jbvBinary || !JsonContainerIsObject(e->val.binary.data))
		return NULL;
	return e->val.binary.data;
}

static int
elem_count(Jsonb *col)
{
	if (col == NULL || !JB_ROOT_IS_ARRAY(col) || JB_ROOT_IS_SCALAR(col))
		return 0;
	return JsonContainerSize(&col->root);
}

/*
 * Value of an event/link field of one span: the array of the values of
 * every event (link) that has it, or nil.
 */
static void
multi_field(const ExecField *f, Jsonb *col, int64 span_start, ExecVal *out)
{
	ArrayBuilder ab = {NULL, 0};
	int			n = elem_count(col),
				i;

	for (i = 0; i < n; i++)
	{
		JsonbContainer *obj = elem_object(col, i);

		if (obj != NULL)
			elem_field(f, obj, span_start, &ab);
	}
	/* event:timeSinceStart elements are ints: they compare with durations */
	ab_finish(&ab, out);
}

/* ---------------------------------------------------------------------
 * Field values from a batch
 * ---------------------------------------------------------------------
 */

static inline const char *
text_ptr(Datum d, int32 *len)
{
	text	   *t = (text *) DatumGetPointer(d);

	if (VARATT_IS_EXTENDED(t))
		t = pg_detoast_datum_packed(t);
	*len = VARSIZE_ANY_EXHDR(t);
	return VARDATA_ANY(t);
}

static ColVector *
batch_col(ExecSource *src, ExecCol col)
{
	ColVector  *cv = ExecSourceColumn(src, col);

	if (cv == NULL)
		elog(ERROR, "column \"%s\" was not read", ExecColNames[col]);
	return cv;
}

static ExecVec *
text_column_values(ExecSource *src, ExecCol col)
{
	ColVector  *cv = batch_col(src, col);
	int			n = src->nrows;
	ExecVec    *vec;
	int			i;

	if (cv->codes != NULL)
	{
		ExecVec    *dict = vec_alloc(cv->ndict);

		for (i = 0; i < cv->ndict; i++)
		{
			int32		len;
			const char *p = text_ptr(cv->dict[i], &len);

			dict->v.types[i] = TQL_TYPE_STRING;
			dict->v.strs[i] = pnstrdup(p, len);
			dict->v.strlens[i] = len;
		}
		dict->uniform = TQL_TYPE_STRING;
		return vec_dict(cv->codes, n, dict);
	}
	vec = vec_alloc(n);
	for (i = 0; i < n; i++)
	{
		int32		len;
		const char *p;

		if (cv->isnull[i])
			continue;
		p = text_ptr(cv->values[i], &len);
		vec->v.types[i] = TQL_TYPE_STRING;
		vec->v.strs[i] = pnstrdup(p, len);
		vec->v.strlens[i] = len;
	}
	if (!cv->hasnulls)
		vec->uniform = TQL_TYPE_STRING;
	return vec;
}

/* int2/int8 column as INT-family values; int8 ones in place when no NULLs */
static ExecVec *
int_column_values(ExecSource *src, ExecCol col, TqlType type, bool int2)
{
	ColVector  *cv = batch_col(src, col);
	int			n = src->nrows;
	ExecVec    *vec = palloc0(sizeof(ExecVec));
	int			m = Max(n, 1);
	int			i;

	vec->v.n = n;
	vec->v.types = palloc(m);
	memset(vec->v.types, type, m);
	if (!int2 && !cv->hasnulls)
		vec->v.ints = (int64 *) cv->values;
	else
	{
		vec->v.ints = palloc(sizeof(int64) * m);
		for (i = 0; i < n; i++)
			vec->v.ints[i] = int2 ? (int64) DatumGetInt16(cv->values[i]) :
				DatumGetInt64(cv->values[i]);
	}
	vec->uniform = type;
	if (cv->hasnulls)
	{
		for (i = 0; i < n; i++)
			if (cv->isnull[i])
				vec->v.types[i] = TQL_TYPE_NIL;
		vec->uniform = -1;
	}
	/* other arrays are never read for these types */
	vec->v.floats = NULL;
	vec->v.strs = NULL;
	vec->v.strlens = NULL;
	vec->v.arrays = NULL;
	return vec;
}

static ExecVec *
id_column_values(ExecSource *src, ExecCol col)
{
	ColVector  *cv = batch_col(src, col);
	int			n = src->nrows;
	ExecVec    *vec = vec_alloc(n);
	int			i;

	for (i = 0; i < n; i++)
	{
		char	   *s;

		if (cv->isnull[i])
			continue;
		if (col == EC_TRACE_ID)
		{
			s = palloc(33);
			TempoFormatHex((const uint8 *) DatumGetPointer(cv->values[i]), 16, s);
			vec->v.strlens[i] = 32;
		}
		else
		{
			uint8		b[8];

			SpanIdToBytes(DatumGetSpanId(cv->values[i]), b);
			s = palloc(17);
			TempoFormatHex(b, 8, s);
			vec->v.strlens[i] = 16;
		}
		vec->v.types[i] = TQL_TYPE_STRING;
		vec->v.strs[i] = s;
	}
	if (!cv->hasnulls)
		vec->uniform = TQL_TYPE_STRING;
	return vec;
}

/* Value of row i of a reader key vector */
static void
key_val(const ColKeyVector *kv, int i, ExecVal *out)
{
	memset(out, 0, sizeof(*out));
	switch (kv->types[i])
	{
		case COL_KV_STRING:
			{
				text	   *t = kv->strings[i];

				out->type = TQL_TYPE_STRING;
				out->len = VARSIZE_ANY_EXHDR(t);
				out->u.s = pnstrdup(VARDATA_ANY(t), out->len);
				break;
			}
		case COL_KV_INT:
			out->type = TQL_TYPE_INT;
			out->u.i = kv->ints[i];
			break;
		case COL_KV_BOOL:
			out->type = TQL_TYPE_BOOL;
			out->u.i = kv->ints[i];
			break;
		case COL_KV_FLOAT:
			out->type = TQL_TYPE_FLOAT;
			out->u.f = kv->floats[i];
			break;
		case COL_KV_OTHER:
			{
				Jsonb	   *jb = (Jsonb *) kv->others[i];

				if (JB_ROOT_IS_ARRAY(jb) && !JB_ROOT_IS_SCALAR(jb))
				{
					out->type = TQL_TYPE_ATTRIBUTE;
					out->u.a = jb;
				}
				else if (!special_double(&jb->root, out))
					out->type = TQL_TYPE_NIL;
				break;
			}
		default:
			out->type = TQL_TYPE_NIL;
			break;
	}
}

static ColKeyVector *
batch_key(ExecSource *src, int key)
{
	return ExecSourceKey(src, key);
}

static ExecVec *
attr_values(ExecSource *src, const ExecField *f)
{
	int			n = src->nrows;
	ExecVec    *vec = vec_alloc(n);
	ColKeyVector *sk = f->span_key >= 0 ? batch_key(src, f->span_key) : NULL;
	ColKeyVector *rk = f->res_key >= 0 ? batch_key(src, f->res_key) : NULL;
	ExecVec    *fallback = NULL;
	int			i;
	int			uniform = -2;

	if (f->kind == EF_ANY_ATTR && (int) f->col >= 0)
		fallback = text_column_values(src, f->col);
	for (i = 0; i < n; i++)
	{
		ExecVal		v;

		v.type = TQL_TYPE_NIL;
		if (sk != NULL)
			key_val(sk, i, &v);
		if (v.type == TQL_TYPE_NIL && rk != NULL)
			key_val(rk, i, &v);
		if (v.type == TQL_TYPE_NIL && fallback != NULL)
			tvv_get(&fallback->v, i, &v);
		vec_set(vec, i, &v);
		track_uniform(&uniform, v.type);
	}
	vec->uniform = final_uniform(uniform);
	return vec;
}

static ExecVec *
multi_values(ExecSource *src, const ExecField *f)
{
	int			n = src->nrows;
	ExecVec    *vec = vec_alloc(n);
	bool		events = (f->kind == EF_EVENT_NAME || f->kind == EF_EVENT_TSS ||
						  f->kind == EF_EVENT_ATTR);
	ColVector  *cv = batch_col(src, events ? EC_EVENTS : EC_LINKS);
	ColVector  *start = f->kind == EF_EVENT_TSS ? batch_col(src, EC_START_NS) : NULL;
	int			i;

	for (i = 0; i < n; i++)
	{
		ExecVal		v;

		v.type = TQL_TYPE_NIL;
		if (!cv->isnull[i])
			multi_field(f, DatumGetJsonbP(cv->values[i]),
						start ? DatumGetInt64(start->values[i]) : 0, &v);
		vec_set(vec, i, &v);
	}
	return vec;
}

static ExecVec *group_values(ExecSource *src, const ExecField *f);

static ExecVec *
nil_values(int n)
{
	ExecVec    *vec = vec_alloc(n);

	memset(vec->v.types, TQL_TYPE_NIL, Max(n, 1));
	return vec;
}

static ExecVec *
batch_field_values(ExecSource *src, const ExecField *f)
{
	switch (f->kind)
	{
		case EF_TEXT_COL:
			return text_column_values(src, f->col);
		case EF_STATUS:
			return int_column_values(src, EC_STATUS, TQL_TYPE_STATUS, true);
		case EF_KIND:
			return int_column_values(src, EC_KIND, TQL_TYPE_KIND, true);
		case EF_DURATION:
			return int_column_values(src, EC_DURATION, TQL_TYPE_DURATION, false);
		case EF_SPAN_ID:
			return id_column_values(src, EC_SPAN_ID);
		case EF_PARENT_ID:
			return id_column_values(src, EC_PARENT_SPAN_ID);
		case EF_TRACE_ID:
			return id_column_values(src, EC_TRACE_ID);
		case EF_SPAN_ATTR:
		case EF_RESOURCE_ATTR:
		case EF_ANY_ATTR:
			return attr_values(src, f);
		case EF_EVENT_NAME:
		case EF_EVENT_TSS:
		case EF_EVENT_ATTR:
		case EF_LINK_TRACE_ID:
		case EF_LINK_SPAN_ID:
		case EF_LINK_ATTR:
			return multi_values(src, f);
		case EF_NIL:
			return nil_values(src->nrows);
		case EF_ELEM_GROUP:
			return group_values(src, f);
		default:
			elog(ERROR, "trace-level field read from a batch");
	}
	return NULL;				/* keep compiler quiet */
}

/* ---------------------------------------------------------------------
 * Field values from an assembled trace
 * ---------------------------------------------------------------------
 */

static ExecVec *
trace_field_values(ExecSource *src, int field)
{
	ExecTrace  *t = src->trace;
	const ExecField *f = &src->plan->fields[field];
	int			n = t->nspans;
	ExecVec    *vec = vec_alloc(n);
	int			i;
	int			uniform = -2;

	for (i = 0; i < n; i++)
	{
		ExecSpan   *sp = t->spans[i];
		ExecVal		v;

		memset(&v, 0, sizeof(v));
		switch (f->kind)
		{
			case EF_TRACE_DURATION:
				v.type = TQL_TYPE_DURATION;
				v.u.i = t->end_ns - t->start_ns;
				break;
			case EF_ROOT_NAME:
			case EF_ROOT_SERVICE:
				if (t->root < 0)
					v.type = TQL_TYPE_NIL;
				else
					v = t->spans[t->root]->vals[f->kind == EF_ROOT_NAME ?
												src->plan->f_name :
												src->plan->f_service];
				break;
			case EF_NS_LEFT:
			case EF_NS_RIGHT:
			case EF_NS_PARENT:
				v.type = TQL_TYPE_INT;
				v.u.i = f->kind == EF_NS_LEFT ? sp->ns_left :
					f->kind == EF_NS_RIGHT ? sp->ns_right : sp->ns_parent;
				break;
			default:
				v = sp->vals[field];
				break;
		}
		vec_set(vec, i, &v);
		track_uniform(&uniform, v.type);
	}
	vec->uniform = final_uniform(uniform);
	return vec;
}

/* ---------------------------------------------------------------------
 * Sources
 * ---------------------------------------------------------------------
 */

void
ExecSourceInit(ExecSource *src, ExecPlan *plan, int nrows)
{
	src->plan = plan;
	src->nrows = nrows;
	src->cache = palloc0(sizeof(ExecVec *) * Max(plan->nfields, 1));
}

ExecVec *
ExecFieldValues(ExecSource *src, int field)
{
	if (src->cache[field] == NULL)
	{
		if (src->trace != NULL)
			src->cache[field] = trace_field_values(src, field);
		else
			src->cache[field] = batch_field_values(src, &src->plan->fields[field]);
	}
	return src->cache[field];
}

/*
 * ExecFieldKeyVector
 *		The key vector a batch's field is read from, when the field is one
 *		attribute key (span.x, resource.x) not yet computed as a vector;
 *		else NULL.  With ExecKeyValue, a consumer that wants a few rows of a
 *		batch (trace assembly) converts only those.
 */
ColKeyVector *
ExecFieldKeyVector(ExecSource *src, int field)
{
	const ExecField *f = &src->plan->fields[field];

	if (src->batch == NULL || src->cache[field] != NULL ||
		(f->kind != EF_SPAN_ATTR && f->kind != EF_RESOURCE_ATTR) ||
		(f->span_key >= 0) == (f->res_key >= 0))
		return NULL;
	return ExecSourceKey(src, f->span_key >= 0 ? f->span_key : f->res_key);
}

/* The value of row i of a key vector (strings copied) */
void
ExecKeyValue(const ColKeyVector *kv, int i, ExecVal *out)
{
	key_val(kv, i, out);
}

/* Does the expression read a trace-level field? */
bool
ExecExprIsTraceLevel(ExecPlan *plan, const TqlExpr *e)
{
	check_stack_depth();
	if (e == NULL)
		return false;
	if (e->kind == TQL_EXPR_ATTRIBUTE || e->kind == TQL_EXPR_INTRINSIC)
		return plan->fields[ExecFieldOf(plan, e)].trace_level;
	return ExecExprIsTraceLevel(plan, e->left) ||
		ExecExprIsTraceLevel(plan, e->right);
}

/* Positions 0..n-1 of a row-indexed vector for rows[] */
static ExecVec *
gather(const ExecVec *src, int n, const int *rows)
{
	ExecVec    *vec;
	int			j;

	if (rows == NULL && n == src->v.n)
		return (ExecVec *) src;
	if (src->v.codes != NULL)
	{
		int32	   *codes = palloc(sizeof(int32) * Max(n, 1));

		for (j = 0; j < n; j++)
			codes[j] = src->v.codes[rows ? rows[j] : j];
		vec = palloc0(sizeof(ExecVec));
		vec->v.n = n;
		vec->v.codes = codes;
		vec->v.ndict = src->v.ndict;
		vec->v.dict = src->v.dict;
		vec->uniform = -1;
		return vec;
	}
	vec = vec_alloc(n);
	for (j = 0; j < n; j++)
	{
		ExecVal		v;

		tvv_get(&src->v, rows ? rows[j] : j, &v);
		vec_set(vec, j, &v);
	}
	vec->uniform = src->uniform;
	return vec;
}

/* ---------------------------------------------------------------------
 * Comparisons
 * ---------------------------------------------------------------------
 */

typedef struct CmpOp
{
	TqlOp		op;
	regex_t    *re;				/* compiled static pattern, or NULL */
} CmpOp;

static bool
is_int_type(int t)
{
	return t == TQL_TYPE_INT || t == TQL_TYPE_DURATION;
}

static inline bool
order_result(TqlOp op, int c)
{
	switch (op)
	{
		case TQL_OP_EQ:
			return c == 0;
		case TQL_OP_NEQ:
			return c != 0;
		case TQL_OP_LT:
			return c < 0;
		case TQL_OP_LTE:
			return c <= 0;
		case TQL_OP_GT:
			return c > 0;
		case TQL_OP_GTE:
			return c >= 0;
		default:
			return false;
	}
}

static bool
regex_exec(regex_t *re, const char *s, int len)
{
	pg_wchar   *wide = palloc((len + 1) * sizeof(pg_wchar));
	int			wlen = pg_mb2wchar_with_len(s, wide, len);
	int			rc = pg_regexec(re, wide, wlen, 0, NULL, 0, NULL, 0);

	pfree(wide);
	if (rc == REG_OKAY)
		return true;
	if (rc != REG_NOMATCH)
	{
		char		errstr[100];

		pg_regerror(rc, re, errstr, sizeof(errstr));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_REGULAR_EXPRESSION),
				 errmsg("regular expression failed: %s", errstr)));
	}
	return false;
}

static regex_t *
compile_regex(const char *anchored, int flags)
{
	text	   *t = cstring_to_text(anchored);

	return RE_compile_and_cache(t, flags, C_COLLATION_OID);
}

/*
 * A regex only known at run time (the pattern is a value of the span):
 * anchored like a literal one; a pattern that does not compile matches
 * nothing (it is data, not the user's query).  Compiled per use with
 * pg_regcomp, which reports errors as codes: such queries are rare.
 */
static bool
dynamic_regex(const ExecVal *pat, const char *s, int len)
{
	char	   *p = pnstrdup(pat->u.s, pat->len);
	const char *error;
	int			flags;
	char	   *anchored = TqlAnchorRegex(p, &flags, &error);
	regex_t		re;
	pg_wchar   *wide;
	int			wlen;
	bool		ok;

	if (anchored == NULL)
		return false;
	wide = palloc((strlen(anchored) + 1) * sizeof(pg_wchar));
	wlen = pg_mb2wchar_with_len(anchored, wide, strlen(anchored));
	if (pg_regcomp(&re, wide, wlen, flags, C_COLLATION_OID) != REG_OKAY)
		return false;
	ok = regex_exec(&re, s, len);
	pg_regfree(&re);
	return ok;
}

static void
array_elem(JsonbContainer *c, int i, ExecVal *out)
{
	JsonbValue *e = getIthJsonbValueFromContainer(c, i);

	if (e == NULL)
		out->type = TQL_TYPE_NIL;
	else
		jsonb_val(e, out);
}

static bool cmp_vals(const ExecVal *a, const ExecVal *b, const CmpOp *op);

static bool
cmp_array(const ExecVal *arr, const ExecVal *other, const CmpOp *op, bool arr_left)
{
	JsonbContainer *c = &arr->u.a->root;
	int			n = JsonContainerSize(c);
	int			i;

	for (i = 0; i < n; i++)
	{
		ExecVal		e;

		array_elem(c, i, &e);
		if (e.type == TQL_TYPE_ATTRIBUTE || e.type == TQL_TYPE_NIL)
			continue;
		if (arr_left ? cmp_vals(&e, other, op) : cmp_vals(other, &e, op))
			return true;
	}
	return false;
}

/* a op b for two single values (see the file header for the rules) */
static bool
cmp_vals(const ExecVal *a, const ExecVal *b, const CmpOp *op)
{
	if (a->type == TQL_TYPE_NIL || b->type == TQL_TYPE_NIL)
		return false;
	if (a->type == TQL_TYPE_ATTRIBUTE)
		return cmp_array(a, b, op, true);
	if (b->type == TQL_TYPE_ATTRIBUTE)
		return cmp_array(b, a, op, false);

	if (op->op == TQL_OP_RE || op->op == TQL_OP_NRE)
	{
		bool		m;

		if (a->type != TQL_TYPE_STRING || b->type != TQL_TYPE_STRING)
			return false;
		if (op->re != NULL)
			m = regex_exec(op->re, a->u.s, a->len);
		else
			m = dynamic_regex(b, a->u.s, a->len);
		return op->op == TQL_OP_RE ? m : !m;
	}

	if (is_int_type(a->type) && is_int_type(b->type))
		return order_result(op->op, (a->u.i > b->u.i) - (a->u.i < b->u.i));
	if ((is_int_type(a->type) || a->type == TQL_TYPE_FLOAT) &&
		(is_int_type(b->type) || b->type == TQL_TYPE_FLOAT))
	{
		double		x = a->type == TQL_TYPE_FLOAT ? a->u.f : (double) a->u.i;
		double		y = b->type == TQL_TYPE_FLOAT ? b->u.f : (double) b->u.i;

		if (isnan(x) || isnan(y))
			return op->op == TQL_OP_NEQ;
		return order_result(op->op, (x > y) - (x < y));
	}
	if (a->type != b->type)
		return false;
	switch (a->type)
	{
		case TQL_TYPE_STRING:
			{
				int			c = memcmp(a->u.s, b->u.s, Min(a->len, b->len));

				if (c == 0)
					c = (a->len > b->len) - (a->len < b->len);
				return order_result(op->op, c);
			}
		case TQL_TYPE_BOOL:
		case TQL_TYPE_STATUS:
		case TQL_TYPE_KIND:
			if (op->op == TQL_OP_EQ)
				return a->u.i == b->u.i;
			if (op->op == TQL_OP_NEQ)
				return a->u.i != b->u.i;
			return false;
		default:
			return false;
	}
}

/* vec[j] op lit for every position (lit_left: lit op vec[j]) */
static void
cmp_vec_static(const ExecVec *vec, const ExecVal *lit, bool lit_left,
			   const CmpOp *op, int n, uint8 *out)
{
	int			j;

	if (vec->v.codes != NULL)
	{
		/* once per distinct value */
		const TqlValueVector *d = vec->v.dict;
		uint8	   *dm = palloc(Max(d->n, 1));
		const int32 *codes = vec->v.codes;

		for (j = 0; j < d->n; j++)
		{
			ExecVal		v;

			tvv_get(d, j, &v);
			dm[j] = lit_left ? cmp_vals(lit, &v, op) : cmp_vals(&v, lit, op);
		}
		for (j = 0; j < n; j++)
		{
			int32		c = codes[j];

			out[j] = (c >= 0 && c < d->n) ? dm[c] : T_FALSE;
		}
		return;
	}
	if (is_int_type(vec->uniform) && is_int_type(lit->type) &&
		op->op != TQL_OP_RE && op->op != TQL_OP_NRE)
	{
		const int64 *v = vec->v.ints;
		int64		k = lit->u.i;
		TqlOp		o = op->op;

		if (lit_left)
		{
			/* k op v  ==  v op' k */
			switch (o)
			{
				case TQL_OP_LT:
					o = TQL_OP_GT;
					break;
				case TQL_OP_LTE:
					o = TQL_OP_GTE;
					break;
				case TQL_OP_GT:
					o = TQL_OP_LT;
					break;
				case TQL_OP_GTE:
					o = TQL_OP_LTE;
					break;
				default:
					break;
			}
		}
		switch (o)
		{
			case TQL_OP_EQ:
				for (j = 0; j < n; j++)
					out[j] = v[j] == k;
				return;
			case TQL_OP_NEQ:
				for (j = 0; j < n; j++)
					out[j] = v[j] != k;
				return;
			case TQL_OP_LT:
				for (j = 0; j < n; j++)
					out[j] = v[j] < k;
				return;
			case TQL_OP_LTE:
				for (j = 0; j < n; j++)
					out[j] = v[j] <= k;
				return;
			case TQL_OP_GT:
				for (j = 0; j < n; j++)
					out[j] = v[j] > k;
				return;
			case TQL_OP_GTE:
				for (j = 0; j < n; j++)
					out[j] = v[j] >= k;
				return;
			default:
				break;
		}
	}
	if ((vec->uniform == TQL_TYPE_STATUS || vec->uniform == TQL_TYPE_KIND) &&
		lit->type == vec->uniform &&
		(op->op == TQL_OP_EQ || op->op == TQL_OP_NEQ))
	{
		const int64 *v = vec->v.ints;
		int64		k = lit->u.i;
		bool		eq = op->op == TQL_OP_EQ;

		for (j = 0; j < n; j++)
			out[j] = (v[j] == k) == eq;
		return;
	}
	for (j = 0; j < n; j++)
	{
		ExecVal		v;

		tvv_get(&vec->v, j, &v);
		out[j] = lit_left ? cmp_vals(lit, &v, op) : cmp_vals(&v, lit, op);
	}
}

/*
 * attr op literal straight from a batch's key vector: the key stream's
 * typed values are compared as they are (ints as int64, floats as double,
 * strings as bytes, no copy), without an ExecVal per row; an array or a
 * special double takes the general path.  Only for fields read from one
 * key (span.x, resource.x) of a batch; false when it does not apply.  The
 * rules are cmp_vals': values of another type than the literal's never
 * compare (also for !=), ints and floats compare as numbers.
 */
static bool
key_cmp_static(ExecSource *src, const TqlExpr *field, const ExecVal *lit,
			   bool lit_left, const CmpOp *op, int n, const int *rows,
			   uint8 *out)
{
	const ExecField *f;
	ColKeyVector *kv;
	bool		num = is_int_type(lit->type) || lit->type == TQL_TYPE_FLOAT;
	bool		re = op->op == TQL_OP_RE || op->op == TQL_OP_NRE;
	double		litf;
	int			j;

	if (src->batch == NULL || field->kind != TQL_EXPR_ATTRIBUTE)
		return false;
	f = &src->plan->fields[ExecFieldOf(src->plan, field)];
	if ((f->kind != EF_SPAN_ATTR && f->kind != EF_RESOURCE_ATTR) ||
		(f->span_key >= 0) == (f->res_key >= 0))
		return false;
	if (!num && lit->type != TQL_TYPE_STRING)
		return false;
	if (re && (lit->type != TQL_TYPE_STRING || op->re == NULL || lit_left))
		return false;
	if (num && re)
		return false;
	litf = lit->type == TQL_TYPE_FLOAT ? lit->u.f : (double) lit->u.i;
	kv = ExecSourceKey(src, f->span_key >= 0 ? f->span_key : f->res_key);
	for (j = 0; j < n; j++)
	{
		int			r = rows ? rows[j] : j;
		int			c;

		switch (kv->types[r])
		{
			case COL_KV_INT:
				if (!num)
				{
					out[j] = false;
					continue;
				}
				if (lit->type != TQL_TYPE_FLOAT)
					c = (kv->ints[r] > lit->u.i) - (kv->ints[r] < lit->u.i);
				else
				{
					double		x = (double) kv->ints[r];

					if (isnan(litf))
					{
						out[j] = op->op == TQL_OP_NEQ;
						continue;
					}
					c = (x > litf) - (x < litf);
				}
				break;
			case COL_KV_FLOAT:
				if (!num)
				{
					out[j] = false;
					continue;
				}
				if (isnan(kv->floats[r]) || isnan(litf))
				{
					out[j] = op->op == TQL_OP_NEQ;
					continue;
				}
				c = (kv->floats[r] > litf) - (kv->floats[r] < litf);
				break;
			case COL_KV_STRING:
				{
					text	   *t = kv->strings[r];
					int			len = VARSIZE_ANY_EXHDR(t);

					if (num)
					{
						out[j] = false;
						continue;
					}
					if (re)
					{
						bool		m = regex_exec(op->re, VARDATA_ANY(t), len);

						out[j] = op->op == TQL_OP_RE ? m : !m;
						continue;
					}
					c = memcmp(VARDATA_ANY(t), lit->u.s, Min(len, lit->len));
					if (c == 0)
						c = (len > lit->len) - (len < lit->len);
					break;
				}
			case COL_KV_OTHER:
				{
					ExecVal		v;

					key_val(kv, r, &v);
					out[j] = lit_left ? cmp_vals(lit, &v, op) : cmp_vals(&v, lit, op);
					continue;
				}
			default:
				/* absent, null, bool: never equal or ordered to the literal */
				out[j] = false;
				continue;
		}
		out[j] = order_result(op->op, lit_left ? -c : c);
	}
	return true;
}

/* Normalize a literal compared with an id field: lower case, left-padded */
static void
normalize_id_literal(ExecPlan *plan, const TqlExpr *field, ExecVal *lit)
{
	int			width;
	ExecFieldKind k;
	char	   *s;
	int			i;

	if (lit->type != TQL_TYPE_STRING ||
		(field->kind != TQL_EXPR_INTRINSIC))
		return;
	k = plan->fields[ExecFieldOf(plan, field)].kind;
	if (k == EF_TRACE_ID || k == EF_LINK_TRACE_ID)
		width = 32;
	else if (k == EF_SPAN_ID || k == EF_PARENT_ID || k == EF_LINK_SPAN_ID)
		width = 16;
	else
		return;
	if (lit->len > width)
		return;
	for (i = 0; i < lit->len; i++)
		if (!isxdigit((unsigned char) lit->u.s[i]))
			return;
	s = palloc(width + 1);
	memset(s, '0', width - lit->len);
	for (i = 0; i < lit->len; i++)
		s[width - lit->len + i] = pg_ascii_tolower((unsigned char) lit->u.s[i]);
	s[width] = '\0';
	lit->u.s = s;
	lit->len = width;
}

static bool
is_comparison(TqlOp op)
{
	return op == TQL_OP_EQ || op == TQL_OP_NEQ || op == TQL_OP_LT ||
		op == TQL_OP_LTE || op == TQL_OP_GT || op == TQL_OP_GTE ||
		op == TQL_OP_RE || op == TQL_OP_NRE;
}

static void
eval_comparison(ExecSource *src, const TqlExpr *e, int n, const int *rows,
				uint8 *out)
{
	CmpOp		op;
	int			j;

	op.op = e->op;
	op.re = NULL;
	if ((e->op == TQL_OP_RE || e->op == TQL_OP_NRE) && e->regex != NULL)
		op.re = compile_regex(e->regex, e->regex_flags);

	if (e->right->kind == TQL_EXPR_STATIC || e->left->kind == TQL_EXPR_STATIC)
	{
		bool		lit_left = e->left->kind == TQL_EXPR_STATIC;
		const TqlExpr *other = lit_left ? e->right : e->left;
		ExecVal		lit;
		ExecVec    *vec;

		static_to_val(&(lit_left ? e->left : e->right)->value, &lit);
		normalize_id_literal(src->plan, other, &lit);
		if (key_cmp_static(src, other, &lit, lit_left, &op, n, rows, out))
			return;
		vec = ExecEvalValue(src, other, n, rows);
		cmp_vec_static(vec, &lit, lit_left, &op, n, out);
		return;
	}
	{
		ExecVec    *a = ExecEvalValue(src, e->left, n, rows);
		ExecVec    *b = ExecEvalValue(src, e->right, n, rows);

		for (j = 0; j < n; j++)
		{
			ExecVal		x,
						y;

			tvv_get(&a->v, j, &x);
			tvv_get(&b->v, j, &y);
			out[j] = cmp_vals(&x, &y, &op);
		}
	}
}

/*
 * Values of an EF_ELEM_GROUP field: true when one event (link) of the span
 * meets every condition of the group, else false (tql_exec.c).
 */
static ExecVec *
group_values(ExecSource *src, const ExecField *f)
{
	const ExecElemGroup *g = &src->plan->groups[f->group];
	int			n = src->nrows;
	ExecVec    *vec = vec_alloc(n);
	ColVector  *cv = batch_col(src, g->links ? EC_LINKS : EC_EVENTS);
	ColVector  *start = batch_col(src, EC_START_NS);
	ExecVal    *lits = palloc(sizeof(ExecVal) * g->nconds);
	CmpOp	   *ops = palloc(sizeof(CmpOp) * g->nconds);
	bool	   *lit_left = palloc(sizeof(bool) * g->nconds);
	int			i,
				c;

	for (c = 0; c < g->nconds; c++)
	{
		const TqlExpr *e = g->conds[c];

		ops[c].op = e->op;
		ops[c].re = NULL;
		if (e->kind == TQL_EXPR_EXISTS)
			continue;
		if ((e->op == TQL_OP_RE || e->op == TQL_OP_NRE) && e->regex != NULL)
			ops[c].re = compile_regex(e->regex, e->regex_flags);
		lit_left[c] = e->left->kind == TQL_EXPR_STATIC;
		static_to_val(&(lit_left[c] ? e->left : e->right)->value, &lits[c]);
		normalize_id_literal(src->plan, lit_left[c] ? e->right : e->left, &lits[c]);
	}
	vec->uniform = TQL_TYPE_BOOL;
	for (i = 0; i < n; i++)
	{
		Jsonb	   *col = cv->isnull[i] ? NULL : DatumGetJsonbP(cv->values[i]);
		int64		span_start = DatumGetInt64(start->values[i]);
		int			ne = elem_count(col),
					k;
		bool		hit = false;

		for (k = 0; k < ne && !hit; k++)
		{
			JsonbContainer *obj = elem_object(col, k);

			if (obj == NULL)
				continue;
			hit = true;
			for (c = 0; c < g->nconds && hit; c++)
			{
				ArrayBuilder ab = {NULL, 0};
				ExecVal		v;

				elem_field(&g->cfields[c], obj, span_start, &ab);
				ab_finish(&ab, &v);
				if (g->conds[c]->kind == TQL_EXPR_EXISTS)
					hit = v.type != TQL_TYPE_NIL;
				else
					hit = lit_left[c] ? cmp_vals(&lits[c], &v, &ops[c]) :
						cmp_vals(&v, &lits[c], &ops[c]);
			}
		}
		vec->v.types[i] = TQL_TYPE_BOOL;
		vec->v.ints[i] = hit;
	}
	return vec;
}

/* ---------------------------------------------------------------------
 * Boolean expressions
 * ---------------------------------------------------------------------
 */

void
ExecEvalPred(ExecSource *src, const TqlExpr *e, int n, const int *rows,
			 uint8 *out)
{
	int			j;

	check_stack_depth();
	if (n == 0)
		return;

	/* a filter with same-event (same-link) groups: AND of its rconds */
	if (src->plan->ngroups > 0 && e->kind == TQL_EXPR_BINARY && e->op == TQL_OP_AND)
	{
		const ExecElemGroup *g = ExecGroupOfRoot(src->plan, e);

		if (g != NULL)
		{
			uint8	   *r = palloc(n);
			int			k;

			memset(out, T_TRUE, n);
			for (k = 0; k < g->nrconds; k++)
			{
				ExecEvalPred(src, g->rconds[k], n, rows, r);
				for (j = 0; j < n; j++)
					out[j] = (out[j] == T_FALSE || r[j] == T_FALSE) ? T_FALSE :
						(out[j] == T_TRUE && r[j] == T_TRUE) ? T_TRUE : T_NIL;
			}
			pfree(r);
			return;
		}
	}

	switch (e->kind)
	{
		case TQL_EXPR_STATIC:
			memset(out, e->value.type == TQL_TYPE_BOOL ?
				   (e->value.v.b ? T_TRUE : T_FALSE) : T_NIL, n);
			return;

		case TQL_EXPR_EXISTS:
			{
				ExecVec    *vec = ExecEvalValue(src, e->left, n, rows);

				if (vec->v.codes != NULL)
					for (j = 0; j < n; j++)
						out[j] = vec->v.codes[j] >= 0;
				else
					for (j = 0; j < n; j++)
						out[j] = vec->v.types[j] != TQL_TYPE_NIL;
				return;
			}

		case TQL_EXPR_UNARY:
			if (e->op == TQL_OP_NOT)
			{
				ExecEvalPred(src, e->left, n, rows, out);
				for (j = 0; j < n; j++)
					if (out[j] != T_NIL)
						out[j] = !out[j];
				return;
			}
			break;				/* negation: a number, not a bool */

		case TQL_EXPR_BINARY:
			if (e->op == TQL_OP_AND || e->op == TQL_OP_OR)
			{
				bool		and = (e->op == TQL_OP_AND);
				int		   *sub = palloc(sizeof(int) * n);
				int		   *pos = palloc(sizeof(int) * n);
				uint8	   *r;
				int			m = 0;

				ExecEvalPred(src, e->left, n, rows, out);
				/* the right side only where it can change the result */
				for (j = 0; j < n; j++)
					if (out[j] != (and ? T_FALSE : T_TRUE))
					{
						sub[m] = rows ? rows[j] : j;
						pos[m++] = j;
					}
				if (m == 0)
					return;
				r = palloc(m);
				ExecEvalPred(src, e->right, m,
							 (rows == NULL && m == n) ? NULL : sub, r);
				for (j = 0; j < m; j++)
				{
					uint8		l = out[pos[j]];

					if (and)
						out[pos[j]] = (r[j] == T_FALSE) ? T_FALSE :
							(l == T_TRUE && r[j] == T_TRUE) ? T_TRUE : T_NIL;
					else
						out[pos[j]] = (r[j] == T_TRUE) ? T_TRUE :
							(l == T_FALSE && r[j] == T_FALSE) ? T_FALSE : T_NIL;
				}
				pfree(sub);
				pfree(pos);
				pfree(r);
				return;
			}
			if (is_comparison(e->op))
			{
				eval_comparison(src, e, n, rows, out);
				return;
			}
			break;

		default:
			break;
	}

	/* a value in boolean position: true only for the boolean true */
	{
		ExecVec    *vec = ExecEvalValue(src, e, n, rows);

		for (j = 0; j < n; j++)
		{
			ExecVal		v;

			tvv_get(&vec->v, j, &v);
			out[j] = v.type != TQL_TYPE_BOOL ? T_NIL :
				v.u.i ? T_TRUE : T_FALSE;
		}
	}
}

/* ---------------------------------------------------------------------
 * Values
 * ---------------------------------------------------------------------
 */

static void
arith(const ExecVal *a, const ExecVal *b, TqlOp op, ExecVal *r)
{
	bool		af = a->type == TQL_TYPE_FLOAT;
	bool		bf = b->type == TQL_TYPE_FLOAT;
	bool		dur = a->type == TQL_TYPE_DURATION || b->type == TQL_TYPE_DURATION;

	r->type = TQL_TYPE_NIL;
	if ((!is_int_type(a->type) && !af) || (!is_int_type(b->type) && !bf))
		return;
	if (!af && !bf)
	{
		int64		x = a->u.i,
					y = b->u.i,
					z = 0;
		bool		ovf = false;

		switch (op)
		{
			case TQL_OP_ADD:
				ovf = pg_add_s64_overflow(x, y, &z);
				break;
			case TQL_OP_SUB:
				ovf = pg_sub_s64_overflow(x, y, &z);
				break;
			case TQL_OP_MUL:
				ovf = pg_mul_s64_overflow(x, y, &z);
				break;
			case TQL_OP_DIV:
			case TQL_OP_MOD:
				if (y == 0)
					return;
				if (y == -1)
				{
					if (op == TQL_OP_MOD)
						z = 0;
					else
						ovf = pg_sub_s64_overflow(0, x, &z);
				}
				else
					z = (op == TQL_OP_DIV) ? x / y : x % y;
				break;
			case TQL_OP_POW:
				if (y < 0)
					goto floatmath;
				z = 1;
				while (y-- > 0 && !ovf && z != 0 && z != 1)
					ovf = pg_mul_s64_overflow(z, x, &z);
				if (z == 1 && x == -1 && b->u.i % 2 != 0)
					z = -1;
				break;
			default:
				return;
		}
		if (ovf)
			return;
		r->type = dur ? TQL_TYPE_DURATION : TQL_TYPE_INT;
		r->u.i = z;
		return;
	}
floatmath:
	{
		double		x = af ? a->u.f : (double) a->u.i;
		double		y = bf ? b->u.f : (double) b->u.i;
		double		z;

		switch (op)
		{
			case TQL_OP_ADD:
				z = x + y;
				break;
			case TQL_OP_SUB:
				z = x - y;
				break;
			case TQL_OP_MUL:
				z = x * y;
				break;
			case TQL_OP_DIV:
				z = x / y;
				break;
			case TQL_OP_MOD:
				z = fmod(x, y);
				break;
			case TQL_OP_POW:
				z = pow(x, y);
				break;
			default:
				return;
		}
		if (dur && op != TQL_OP_POW)
		{
			if (!(fabs(z) < 9.2e18))
				return;
			r->type = TQL_TYPE_DURATION;
			r->u.i = (int64) llround(z);
			return;
		}
		r->type = TQL_TYPE_FLOAT;
		r->u.f = z;
	}
}

ExecVec *
ExecEvalValue(ExecSource *src, const TqlExpr *e, int n, const int *rows)
{
	ExecVec    *vec;
	int			j;

	check_stack_depth();

	switch (e->kind)
	{
		case TQL_EXPR_ATTRIBUTE:
		case TQL_EXPR_INTRINSIC:
			return gather(ExecFieldValues(src, ExecFieldOf(src->plan, e)), n, rows);

		case TQL_EXPR_STATIC:
			{
				ExecVal		v;

				static_to_val(&e->value, &v);
				vec = vec_alloc(n);
				for (j = 0; j < n; j++)
					vec_set(vec, j, &v);
				vec->uniform = v.type == TQL_TYPE_NIL ? -1 : v.type;
				return vec;
			}

		case TQL_EXPR_UNARY:
			if (e->op == TQL_OP_NEG)
			{
				ExecVec    *a = ExecEvalValue(src, e->left, n, rows);

				vec = vec_alloc(n);
				for (j = 0; j < n; j++)
				{
					ExecVal		v;

					tvv_get(&a->v, j, &v);
					if (v.type == TQL_TYPE_FLOAT)
						v.u.f = -v.u.f;
					else if (!is_int_type(v.type) ||
							 pg_sub_s64_overflow(0, v.u.i, &v.u.i))
						v.type = TQL_TYPE_NIL;
					vec_set(vec, j, &v);
				}
				return vec;
			}
			break;

		case TQL_EXPR_BINARY:
			if (e->op >= TQL_OP_ADD && e->op <= TQL_OP_POW)
			{
				ExecVec    *a = ExecEvalValue(src, e->left, n, rows);
				ExecVec    *b = ExecEvalValue(src, e->right, n, rows);

				vec = vec_alloc(n);
				for (j = 0; j < n; j++)
				{
					ExecVal		x,
								y,
								z;

					tvv_get(&a->v, j, &x);
					tvv_get(&b->v, j, &y);
					arith(&x, &y, e->op, &z);
					vec_set(vec, j, &z);
				}
				return vec;
			}
			break;

		default:
			break;
	}

	/* boolean expressions */
	{
		uint8	   *t = palloc(Max(n, 1));

		ExecEvalPred(src, e, n, rows, t);
		vec = vec_alloc(n);
		for (j = 0; j < n; j++)
		{
			if (t[j] == T_NIL)
				vec->v.types[j] = TQL_TYPE_NIL;
			else
			{
				vec->v.types[j] = TQL_TYPE_BOOL;
				vec->v.ints[j] = t[j];
			}
		}
		pfree(t);
		return vec;
	}
}
