/*-------------------------------------------------------------------------
 *
 * tql_tags.c
 *	  tempo.tag_names and tempo.tag_values: argument checking, the sets
 *	  of distinct names and typed values, and the result rows.
 *
 * A lookup without a query (q NULL, empty or "{ }") reads storage directly
 * (tql_tags_scan.c): attribute names come from the key directories of the
 * shredded jsonb chunks and values from the per-key streams and column
 * dictionaries, with the time range and the tenants applied per span.
 * A lookup with a query runs the TraceQL executor and looks only at the
 * spans it matches (tql_tags_query.c).  An invalid query raises its error
 * (42601 with line and column for syntax errors) before anything is read;
 * nothing is locked beyond the usual AccessShareLock on the partitions, so
 * a bad query can never block another session.  Unlike Tempo's HTTP API,
 * which quietly falls back to the valid part of q, SQL callers get the
 * error (DESIGN.md 3.3).
 *
 * Decisions where Tempo leaves room:
 *	- Tag names are sorted by scope (span, resource, event, link,
 *	  instrumentation, intrinsic) and then by name (bytewise); values by
 *	  type (string, int, float, bool, duration, keyword) and then by value
 *	  (numbers numerically, strings bytewise).  Tempo's order is arbitrary.
 *	- The intrinsic scope is a static list, as in Tempo; "status" and
 *	  "kind" values are the static keyword lists.
 *	- Array attributes contribute each element as a value; kvlist and
 *	  bytes values and JSON null have no TraceQL type and are skipped.
 *	- Unscoped ".x" values are what a span filter sees: the span's value
 *	  when the span has the attribute, else the resource's.
 *	- Instrumentation-scope attributes are not stored (see
 *	  otlp_convert.c), so that scope has no names and its attributes no
 *	  values; instrumentation:name and :version come from the columns.
 *	- start_time and end_time NULL mean unbounded; spans are included when
 *	  start_time <= span start <= end_time, as for tempo.search.
 *	- max_values caps the number of distinct values (which ones are kept
 *	  when there are more is not defined, as in Tempo); it must be >= 1.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/tql_tags.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "common/hashfn.h"
#include "datatype/timestamp.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "tempo.h"
#include "tql_tags.h"

const char *TagScopeNames[TAG_NSCOPES] = {
	"span", "resource", "event", "link", "instrumentation", "intrinsic"
};

static const char *const tag_type_names[TAG_NTYPES] = {
	"string", "int", "float", "bool", "duration", "keyword"
};

/*
 * The intrinsic scope of tag_names: every intrinsic a span filter accepts,
 * legacy and scoped spellings (nestedSet* are undocumented and left out,
 * as Tempo does).
 */
static const char *const intrinsic_tags[] = {
	"duration", "kind", "name", "rootName", "rootServiceName", "status",
	"statusMessage", "traceDuration",
	"event:name", "event:timeSinceStart",
	"instrumentation:name", "instrumentation:version",
	"link:spanID", "link:traceID",
	"span:duration", "span:id", "span:kind", "span:name", "span:parentID",
	"span:status", "span:statusMessage",
	"trace:duration", "trace:id", "trace:rootName", "trace:rootService"
};

/* ---------------- sets of distinct entries ---------------- */

static uint32
tag_entry_hash(const void *key, Size keysize)
{
	const TagEntry *e = key;

	return hash_bytes((const unsigned char *) e->str, e->len) ^ (e->kind * 0x9e3779b9);
}

static int
tag_entry_match(const void *a, const void *b, Size keysize)
{
	const TagEntry *x = a;
	const TagEntry *y = b;

	if (x->kind != y->kind || x->len != y->len)
		return 1;
	return memcmp(x->str, y->str, x->len);
}

/* A set of at most limit entries (0 = no limit) in the current context. */
TagSet *
TagSetCreate(int64 limit)
{
	TagSet	   *set = palloc0(sizeof(TagSet));
	HASHCTL		ctl;

	set->cxt = CurrentMemoryContext;
	set->limit = limit;
	ctl.keysize = sizeof(TagEntry);
	ctl.entrysize = sizeof(TagEntry);
	ctl.hash = tag_entry_hash;
	ctl.match = tag_entry_match;
	ctl.hcxt = CurrentMemoryContext;
	set->hash = hash_create("tempo tag set", 256, &ctl,
							HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
	return set;
}

/* Add (kind, str[0..len)) unless present or the set is full. */
void
TagSetAdd(TagSet *set, int kind, const char *str, int len, int64 ival,
		  double fval)
{
	TagEntry	key;
	TagEntry   *e;
	bool		found;

	if (set->full)
		return;
	key.kind = (uint8) kind;
	key.len = len;
	key.str = str;
	e = hash_search(set->hash, &key, HASH_ENTER, &found);
	if (found)
		return;
	/* the entry's key points at the caller's string until copied here */
	e->str = (const char *) memcpy(MemoryContextAlloc(set->cxt, len + 1), str, len);
	((char *) e->str)[len] = '\0';
	e->ival = ival;
	e->fval = fval;
	set->count++;
	if (set->limit > 0 && set->count >= set->limit)
		set->full = true;
}

/* Is (kind, str[0..len)) in the set? */
bool
TagSetContains(TagSet *set, int kind, const char *str, int len)
{
	TagEntry	key;

	key.kind = (uint8) kind;
	key.len = len;
	key.str = str;
	return hash_search(set->hash, &key, HASH_FIND, NULL) != NULL;
}

void
TagSetAddInt(TagSet *set, int64 v)
{
	char		buf[32];
	int			len = snprintf(buf, sizeof(buf), INT64_FORMAT, v);

	TagSetAdd(set, TAG_TYPE_INT, buf, len, v, 0);
}

void
TagSetAddFloat(TagSet *set, double v)
{
	char	   *s = float8out_internal(v);

	TagSetAdd(set, TAG_TYPE_FLOAT, s, strlen(s), 0, v);
	pfree(s);
}

void
TagSetAddBool(TagSet *set, bool v)
{
	TagSetAdd(set, TAG_TYPE_BOOL, v ? "true" : "false", v ? 4 : 5, v, 0);
}

/*
 * Append the decimal fraction digits of v / 10^prec, without trailing
 * zeros, and the integer part: Go's time.Duration formatting helper.
 */
static void
append_fraction(StringInfo buf, uint64 v, int prec)
{
	char		digits[32];
	int			n = 0,
				i;
	bool		print = false;

	for (i = 0; i < prec; i++)
	{
		int			d = v % 10;

		print = print || d != 0;
		if (print)
			digits[n++] = '0' + d;
		v /= 10;
	}
	appendStringInfo(buf, UINT64_FORMAT, v);
	if (n > 0)
	{
		appendStringInfoChar(buf, '.');
		while (n > 0)
			appendStringInfoChar(buf, digits[--n]);
	}
}

/*
 * Durations are shown as TraceQL (and Go) writes them: "0s", "750ns",
 * "1.5µs", "12.25ms", "2.5s", "1h2m3s", so that a value can be pasted back
 * into a query.
 */
void
TagSetAddDuration(TagSet *set, int64 ns)
{
	StringInfoData buf;
	uint64		u = ns < 0 ? -(uint64) ns : (uint64) ns;

	initStringInfo(&buf);
	if (ns < 0)
		appendStringInfoChar(&buf, '-');
	if (u == 0)
		appendStringInfoString(&buf, "0s");
	else if (u < 1000)
		appendStringInfo(&buf, UINT64_FORMAT "ns", u);
	else if (u < 1000000)
	{
		append_fraction(&buf, u, 3);
		appendStringInfoString(&buf, "µs");
	}
	else if (u < 1000000000)
	{
		append_fraction(&buf, u, 6);
		appendStringInfoString(&buf, "ms");
	}
	else
	{
		uint64		secs = u / 1000000000;
		uint64		frac = u % 1000000000;

		if (secs >= 3600)
			appendStringInfo(&buf, UINT64_FORMAT "h", secs / 3600);
		if (secs >= 60)
			appendStringInfo(&buf, UINT64_FORMAT "m", (secs / 60) % 60);
		append_fraction(&buf, (secs % 60) * 1000000000 + frac, 9);
		appendStringInfoChar(&buf, 's');
	}
	TagSetAdd(set, TAG_TYPE_DURATION, buf.data, buf.len, ns, 0);
	pfree(buf.data);
}

/*
 * Add one stored attribute value (see otlp_convert.c for the mapping):
 * strings, integers, doubles (numbers with a fraction, and the
 * {"doubleValue": "NaN"} wrapper), booleans, and the elements of arrays.
 */
void
TagSetAddJsonbValue(TagSet *set, const JsonbValue *v)
{
	switch (v->type)
	{
		case jbvString:
			TagSetAdd(set, TAG_TYPE_STRING, v->val.string.val, v->val.string.len, 0, 0);
			break;
		case jbvBool:
			TagSetAddBool(set, v->val.boolean);
			break;
		case jbvNumeric:
			{
				Numeric		n = v->val.numeric;

				/* integers are numbers written without a fraction */
				if (!numeric_is_nan(n) && !numeric_is_inf(n) &&
					DatumGetInt32(DirectFunctionCall1(numeric_scale,
													  NumericGetDatum(n))) == 0)
				{
					char	   *s = numeric_normalize(n);
					char	   *end;
					int64		i;

					errno = 0;
					i = strtoi64(s, &end, 10);
					if (errno == 0 && *end == '\0')
					{
						TagSetAddInt(set, i);
						break;
					}
				}
				TagSetAddFloat(set, DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
																	   NumericGetDatum(n))));
			}
			break;
		case jbvBinary:
			{
				Jsonb	   *jb = JsonbValueToJsonb((JsonbValue *) v);

				if (JB_ROOT_IS_ARRAY(jb) && !JB_ROOT_IS_SCALAR(jb))
					TagSetAddJsonbElements(set, jb);
				else if (JB_ROOT_IS_OBJECT(jb))
				{
					JsonbValue	d;

					/* {"doubleValue": "NaN" | "Infinity" | "-Infinity"} */
					if (JB_ROOT_COUNT(jb) == 1 &&
						getKeyJsonValueFromContainer(&jb->root, "doubleValue", 11, &d) != NULL &&
						d.type == jbvString)
					{
						char	   *s = pnstrdup(d.val.string.val, d.val.string.len);

						TagSetAddFloat(set, float8in_internal(s, NULL, "double precision", s));
					}
				}
			}
			break;
		default:
			break;
	}
}

/* Add the scalar elements of an array attribute. */
void
TagSetAddJsonbElements(TagSet *set, Jsonb *jb)
{
	JsonbIterator *it = JsonbIteratorInit(&jb->root);
	JsonbValue	v;
	JsonbIteratorToken tok;

	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		if (tok == WJB_ELEM)
			TagSetAddJsonbValue(set, &v);
}

/* Add the top-level keys of an attribute map (an object) as names of scope. */
void
TagAddJsonbKeys(TagSet *set, int scope, JsonbContainer *map)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;

	if (map == NULL || !JsonContainerIsObject(map))
		return;
	it = JsonbIteratorInit(map);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		if (tok == WJB_KEY)
			TagSetAdd(set, scope, v.val.string.val, v.val.string.len, 0, 0);
}

/* ---------------- arguments ---------------- */

static int64
timestamp_to_ns(TimestampTz ts, bool is_end)
{
	int64		us;

	if (TIMESTAMP_IS_NOBEGIN(ts))
		return PG_INT64_MIN;
	if (TIMESTAMP_IS_NOEND(ts))
		return PG_INT64_MAX;
	us = ts + (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY;
	if (us > PG_INT64_MAX / 1000)
		return PG_INT64_MAX;
	if (us < PG_INT64_MIN / 1000)
		return PG_INT64_MIN;
	/* an end time includes every nanosecond of its microsecond */
	return us * 1000 + (is_end ? 999 : 0);
}

/* Time range and tenants of a lookup (arguments argno, argno + 1). */
static void
tag_range(FunctionCallInfo fcinfo, int argno, TagRange *range)
{
	char	   *tenants;
	char	   *tok;
	char	   *save;

	range->start_ns = PG_ARGISNULL(argno) ? PG_INT64_MIN :
		timestamp_to_ns(PG_GETARG_TIMESTAMPTZ(argno), false);
	range->end_ns = PG_ARGISNULL(argno + 1) ? PG_INT64_MAX :
		timestamp_to_ns(PG_GETARG_TIMESTAMPTZ(argno + 1), true);
	if (!PG_ARGISNULL(argno) && !PG_ARGISNULL(argno + 1) &&
		PG_GETARG_TIMESTAMPTZ(argno + 1) < PG_GETARG_TIMESTAMPTZ(argno))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("end_time must not be before start_time")));

	/* tempo.tenant: empty = every tenant, "a|b" = several */
	range->ntenants = 0;
	range->tenants = NULL;
	if (tempo_tenant == NULL || tempo_tenant[0] == '\0')
		return;
	tenants = pstrdup(tempo_tenant);
	range->tenants = palloc(sizeof(char *) * (strlen(tenants) / 2 + 2));
	for (tok = strtok_r(tenants, "|", &save); tok != NULL;
		 tok = strtok_r(NULL, "|", &save))
		range->tenants[range->ntenants++] = tok;
	if (range->ntenants == 0)
	{
		/* "|" alone: no tenant at all, as for search */
		range->tenants[range->ntenants++] = "";
	}
}

/* True when a query leaves every span: a single "{ }" (or "{ true }"). */
static bool
query_is_trivial(const TqlQuery *query)
{
	const TqlNode *p = query->pipeline;
	const TqlExpr *e;

	if (p->nitems != 1 || p->stages[0]->kind != TQL_NODE_FILTER)
		return false;
	e = p->stages[0]->expr;
	return e->kind == TQL_EXPR_STATIC && e->value.type == TQL_TYPE_BOOL &&
		e->value.v.b;
}

/*
 * The q argument compiled, or NULL when there is none or it matches every
 * span.  Errors in q are raised here, before any data is read.
 */
static TqlQuery *
tag_query(FunctionCallInfo fcinfo, int argno)
{
	char	   *q;
	TqlQuery   *query;

	if (PG_ARGISNULL(argno))
		return NULL;
	q = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	if (q[strspn(q, " \t\r\n")] == '\0')
		return NULL;
	query = TqlCompile(q);
	if (query->metrics != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("tag lookups take a search query, not a metrics query")));
	return query_is_trivial(query) ? NULL : query;
}

/* ---------------- results ---------------- */

/* Bytewise order of the entries' strings. */
static int
tag_str_cmp(const TagEntry *x, const TagEntry *y)
{
	int			c = memcmp(x->str, y->str, Min(x->len, y->len));

	if (c != 0)
		return c;
	return x->len < y->len ? -1 : (x->len > y->len ? 1 : 0);
}

/* Names: by scope, then by name. */
static int
tag_name_cmp(const void *a, const void *b)
{
	const TagEntry *x = *(TagEntry *const *) a;
	const TagEntry *y = *(TagEntry *const *) b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return tag_str_cmp(x, y);
}

/* Values: by type, then numbers numerically and strings bytewise. */
static int
tag_value_cmp(const void *a, const void *b)
{
	const TagEntry *x = *(TagEntry *const *) a;
	const TagEntry *y = *(TagEntry *const *) b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	switch (x->kind)
	{
		case TAG_TYPE_INT:
		case TAG_TYPE_DURATION:
		case TAG_TYPE_BOOL:
			if (x->ival != y->ival)
				return x->ival < y->ival ? -1 : 1;
			return 0;
		case TAG_TYPE_FLOAT:
			return float8_cmp_internal(x->fval, y->fval);
		default:
			return tag_str_cmp(x, y);
	}
}

/* Emit the set's entries, sorted, as (kind name, string) rows. */
static void
tag_emit(FunctionCallInfo fcinfo, TagSet *set, bool values)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TagEntry  **all = palloc(sizeof(TagEntry *) * Max(set->count, 1));
	HASH_SEQ_STATUS seq;
	TagEntry   *e;
	int64		n = 0,
				i;

	hash_seq_init(&seq, set->hash);
	while ((e = hash_seq_search(&seq)) != NULL)
		all[n++] = e;
	qsort(all, n, sizeof(TagEntry *), values ? tag_value_cmp : tag_name_cmp);
	for (i = 0; i < n; i++)
	{
		Datum		row[2];
		bool		nulls[2] = {false, false};

		row[0] = CStringGetTextDatum(values ? tag_type_names[all[i]->kind] :
									 TagScopeNames[all[i]->kind]);
		row[1] = PointerGetDatum(cstring_to_text_with_len(all[i]->str, all[i]->len));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, row, nulls);
	}
}

/*
 * tempo.tag_names(scope text, q text, start_time timestamptz,
 *				   end_time timestamptz) -> TABLE(scope text, name text)
 */
PG_FUNCTION_INFO_V1(tempo_tag_names);
Datum
tempo_tag_names(PG_FUNCTION_ARGS)
{
	bool		scopes[TAG_NSCOPES];
	TagRange	range;
	TqlQuery   *query;
	TagSet	   *set;
	int			s;

	if (PG_ARGISNULL(0))
		memset(scopes, true, sizeof(scopes));
	else
	{
		char	   *scope = text_to_cstring(PG_GETARG_TEXT_PP(0));
		bool		all = scope[0] == '\0' || strcmp(scope, "none") == 0;

		for (s = 0; s < TAG_NSCOPES; s++)
			scopes[s] = all || strcmp(scope, TagScopeNames[s]) == 0;
		if (!all && memchr(scopes, true, sizeof(scopes)) == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid scope \"%s\"", scope),
					 errhint("Valid scopes are span, resource, event, link, instrumentation and intrinsic.")));
	}
	query = tag_query(fcinfo, 1);
	tag_range(fcinfo, 2, &range);

	InitMaterializedSRF(fcinfo, 0);
	set = TagSetCreate(0);
	if (scopes[TAG_SCOPE_INTRINSIC])
	{
		for (s = 0; s < lengthof(intrinsic_tags); s++)
			TagSetAdd(set, TAG_SCOPE_INTRINSIC, intrinsic_tags[s],
					  strlen(intrinsic_tags[s]), 0, 0);
	}
	if (query != NULL)
		TagQueryNames(query, &range, scopes, set);
	else
		TagScanNames(&range, scopes, set);
	tag_emit(fcinfo, set, false);
	return (Datum) 0;
}

/*
 * tempo.tag_values(tag text, q text, start_time timestamptz,
 *					end_time timestamptz, max_values int)
 *		-> TABLE(type text, value text)
 */
PG_FUNCTION_INFO_V1(tempo_tag_values);
Datum
tempo_tag_values(PG_FUNCTION_ARGS)
{
	TqlExpr    *tag;
	TqlQuery   *query;
	TagRange	range;
	TagSet	   *set;
	int32		max_values;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("tag name must not be null")));
	tag = TqlParseTag(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	if (PG_ARGISNULL(4) || PG_GETARG_INT32(4) < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_values must be at least 1")));
	max_values = PG_GETARG_INT32(4);
	query = tag_query(fcinfo, 1);
	tag_range(fcinfo, 2, &range);

	InitMaterializedSRF(fcinfo, 0);
	set = TagSetCreate(max_values);
	if (tag->kind == TQL_EXPR_INTRINSIC && tag->intrinsic == TQL_INTR_STATUS)
	{
		static const char *const st[] = {"error", "ok", "unset"};
		int			i;

		for (i = 0; i < lengthof(st); i++)
			TagSetAdd(set, TAG_TYPE_KEYWORD, st[i], strlen(st[i]), 0, 0);
	}
	else if (tag->kind == TQL_EXPR_INTRINSIC && tag->intrinsic == TQL_INTR_KIND)
	{
		static const char *const kinds[] = {"client", "consumer", "internal",
		"producer", "server", "unspecified"};
		int			i;

		for (i = 0; i < lengthof(kinds); i++)
			TagSetAdd(set, TAG_TYPE_KEYWORD, kinds[i], strlen(kinds[i]), 0, 0);
	}
	else if (query != NULL || !TagScanValues(&range, tag, set))
	{
		/* the executor evaluates what storage alone cannot answer */
		if (query == NULL)
			query = TqlCompile("{ }");
		TagQueryValues(query, &range, tag, set);
	}
	tag_emit(fcinfo, set, true);
	return (Datum) 0;
}
