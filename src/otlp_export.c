/*-------------------------------------------------------------------------
 *
 * otlp_export.c
 *	  Render the spans of one trace as OTLP/JSON (tempo.trace_json).
 *
 * Spans are read from tempo.spans through SPI (to be routed through the
 * batch reader later), restricted to the session's tenants (tempo.tenant:
 * empty = all, "a|b" = several) and the optional start-time window, and
 * grouped into resourceSpans by equal resource attributes and into
 * scopeSpans by equal scope name and version.  The output follows the
 * OTLP/JSON mapping: hex ids, times as decimal strings of nanoseconds,
 * integer enums, typed attribute values with intValue as a decimal
 * string, bytes as base64; the stored attribute encoding (see
 * otlp_convert.c) is turned back into AnyValues exactly.  Fields with
 * default values are left out except traceId, spanId, name, kind, the two
 * times and status.code.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/otlp_export.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/json.h"
#include "utils/jsonb.h"

#include "otlp.h"
#include "tempo.h"
#include "tempo_ids.h"

static void appendAnyValue(StringInfo out, JsonbValue *v);

/* Append a JSON string literal of a counted string. */
static void
appendJsonString(StringInfo out, const char *s, int len)
{
	char	   *tmp = pnstrdup(s, len);

	escape_json(out, tmp);
	pfree(tmp);
}

static bool
strEq(const JsonbValue *v, const char *s)
{
	return v->type == jbvString && v->val.string.len == (int) strlen(s) &&
		memcmp(v->val.string.val, s, v->val.string.len) == 0;
}

/* Append [{"key":..., "value":...}, ...] for a stored attribute object. */
static void
appendKeyValues(StringInfo out, JsonbContainer *obj)
{
	JsonbIterator *it = JsonbIteratorInit(obj);
	JsonbValue	key;
	JsonbValue	val;
	JsonbIteratorToken r;
	bool		first = true;

	appendStringInfoChar(out, '[');
	r = JsonbIteratorNext(&it, &key, true);	/* WJB_BEGIN_OBJECT */
	while ((r = JsonbIteratorNext(&it, &key, true)) != WJB_DONE)
	{
		if (r != WJB_KEY)
			continue;
		r = JsonbIteratorNext(&it, &val, true);
		if (!first)
			appendStringInfoChar(out, ',');
		first = false;
		appendStringInfoString(out, "{\"key\":");
		appendJsonString(out, key.val.string.val, key.val.string.len);
		appendStringInfoString(out, ",\"value\":");
		appendAnyValue(out, &val);
		appendStringInfoChar(out, '}');
	}
	appendStringInfoChar(out, ']');
}

/* Append the OTLP AnyValue for one stored attribute value. */
static void
appendAnyValue(StringInfo out, JsonbValue *v)
{
	check_stack_depth();
	switch (v->type)
	{
		case jbvNull:
			appendStringInfoString(out, "{}");
			break;
		case jbvString:
			appendStringInfoString(out, "{\"stringValue\":");
			appendJsonString(out, v->val.string.val, v->val.string.len);
			appendStringInfoChar(out, '}');
			break;
		case jbvBool:
			appendStringInfo(out, "{\"boolValue\":%s}", v->val.boolean ? "true" : "false");
			break;
		case jbvNumeric:
			{
				char	   *num = DatumGetCString(DirectFunctionCall1(numeric_out,
																	  NumericGetDatum(v->val.numeric)));

				if (strchr(num, '.') != NULL)
					appendStringInfo(out, "{\"doubleValue\":%s}", num);
				else
					appendStringInfo(out, "{\"intValue\":\"%s\"}", num);
				break;
			}
		case jbvBinary:
			{
				JsonbContainer *c = v->val.binary.data;

				if (JsonContainerIsArray(c))
				{
					JsonbIterator *it = JsonbIteratorInit(c);
					JsonbValue	elem;
					JsonbIteratorToken r;
					bool		first = true;

					appendStringInfoString(out, "{\"arrayValue\":{\"values\":[");
					while ((r = JsonbIteratorNext(&it, &elem, true)) != WJB_DONE)
					{
						if (r != WJB_ELEM)
							continue;
						if (!first)
							appendStringInfoChar(out, ',');
						first = false;
						appendAnyValue(out, &elem);
					}
					appendStringInfoString(out, "]}}");
				}
				else
				{
					JsonbContainer *kv = c;

					if (JsonContainerSize(c) == 1)
					{
						JsonbIterator *it = JsonbIteratorInit(c);
						JsonbValue	key;
						JsonbValue	val;

						(void) JsonbIteratorNext(&it, &key, true);
						(void) JsonbIteratorNext(&it, &key, true);
						(void) JsonbIteratorNext(&it, &val, true);
						if (strEq(&key, "bytesValue") && val.type == jbvString)
						{
							appendStringInfoString(out, "{\"bytesValue\":");
							appendJsonString(out, val.val.string.val, val.val.string.len);
							appendStringInfoChar(out, '}');
							break;
						}
						if (strEq(&key, "doubleValue") && val.type == jbvString)
						{
							appendStringInfoString(out, "{\"doubleValue\":");
							appendJsonString(out, val.val.string.val, val.val.string.len);
							appendStringInfoChar(out, '}');
							break;
						}
						if (strEq(&key, "kvlistValue") && val.type == jbvBinary &&
							JsonContainerIsObject(val.val.binary.data))
							kv = val.val.binary.data;
					}
					appendStringInfoString(out, "{\"kvlistValue\":{\"values\":");
					appendKeyValues(out, kv);
					appendStringInfoString(out, "}}");
				}
				break;
			}
		default:
			elog(ERROR, "unexpected jsonb value type %d", (int) v->type);
	}
}

/* Append ,"attributes":[...] when the stored object is non-empty. */
static void
appendAttributesField(StringInfo out, JsonbContainer *obj)
{
	if (obj == NULL || !JsonContainerIsObject(obj) || JsonContainerSize(obj) == 0)
		return;
	appendStringInfoString(out, ",\"attributes\":");
	appendKeyValues(out, obj);
}

/* Field of a stored event/link object, or NULL. */
static JsonbValue *
getField(JsonbContainer *obj, const char *name)
{
	return getKeyJsonValueFromContainer(obj, name, strlen(name), NULL);
}

static void
appendEvents(StringInfo out, Jsonb *events)
{
	JsonbIterator *it = JsonbIteratorInit(&events->root);
	JsonbValue	elem;
	JsonbIteratorToken r;
	bool		first = true;

	appendStringInfoString(out, ",\"events\":[");
	while ((r = JsonbIteratorNext(&it, &elem, true)) != WJB_DONE)
	{
		JsonbValue *f;

		if (r != WJB_ELEM || elem.type != jbvBinary)
			continue;
		if (!first)
			appendStringInfoChar(out, ',');
		first = false;
		appendStringInfoString(out, "{\"timeUnixNano\":");
		f = getField(elem.val.binary.data, "time_unix_nano");
		if (f != NULL && f->type == jbvString)
			appendJsonString(out, f->val.string.val, f->val.string.len);
		else
			appendStringInfoString(out, "\"0\"");
		appendStringInfoString(out, ",\"name\":");
		f = getField(elem.val.binary.data, "name");
		if (f != NULL && f->type == jbvString)
			appendJsonString(out, f->val.string.val, f->val.string.len);
		else
			appendStringInfoString(out, "\"\"");
		f = getField(elem.val.binary.data, "attributes");
		if (f != NULL && f->type == jbvBinary)
			appendAttributesField(out, f->val.binary.data);
		f = getField(elem.val.binary.data, "dropped_attributes_count");
		if (f != NULL && f->type == jbvNumeric)
			appendStringInfo(out, ",\"droppedAttributesCount\":%s",
							 DatumGetCString(DirectFunctionCall1(numeric_out,
																 NumericGetDatum(f->val.numeric))));
		appendStringInfoChar(out, '}');
	}
	appendStringInfoChar(out, ']');
}

static void
appendLinks(StringInfo out, Jsonb *links)
{
	JsonbIterator *it = JsonbIteratorInit(&links->root);
	JsonbValue	elem;
	JsonbIteratorToken r;
	bool		first = true;

	appendStringInfoString(out, ",\"links\":[");
	while ((r = JsonbIteratorNext(&it, &elem, true)) != WJB_DONE)
	{
		JsonbValue *f;
		static const char *const textfields[][2] = {
			{"trace_id", "traceId"}, {"span_id", "spanId"}, {"trace_state", "traceState"}
		};
		static const char *const numfields[][2] = {
			{"dropped_attributes_count", "droppedAttributesCount"}, {"flags", "flags"}
		};
		bool		firstfield = true;
		int			i;

		if (r != WJB_ELEM || elem.type != jbvBinary)
			continue;
		if (!first)
			appendStringInfoChar(out, ',');
		first = false;
		appendStringInfoChar(out, '{');
		for (i = 0; i < lengthof(textfields); i++)
		{
			f = getField(elem.val.binary.data, textfields[i][0]);
			if (f == NULL || f->type != jbvString)
				continue;
			appendStringInfo(out, "%s\"%s\":", firstfield ? "" : ",", textfields[i][1]);
			appendJsonString(out, f->val.string.val, f->val.string.len);
			firstfield = false;
		}
		if (firstfield)
			appendStringInfoString(out, "\"traceId\":\"\"");
		f = getField(elem.val.binary.data, "attributes");
		if (f != NULL && f->type == jbvBinary)
			appendAttributesField(out, f->val.binary.data);
		for (i = 0; i < lengthof(numfields); i++)
		{
			f = getField(elem.val.binary.data, numfields[i][0]);
			if (f != NULL && f->type == jbvNumeric)
				appendStringInfo(out, ",\"%s\":%s", numfields[i][1],
								 DatumGetCString(DirectFunctionCall1(numeric_out,
																	 NumericGetDatum(f->val.numeric))));
		}
		appendStringInfoChar(out, '}');
	}
	appendStringInfoChar(out, ']');
}

/* SPI result column numbers (1-based) of the query below. */
enum
{
	Q_RESOURCE = 1, Q_SCOPE_NAME, Q_SCOPE_VERSION, Q_TRACE_ID, Q_SPAN_ID,
	Q_PARENT, Q_TRACE_STATE, Q_NAME, Q_KIND, Q_START_NS, Q_DURATION,
	Q_ATTRS, Q_EVENTS, Q_LINKS, Q_STATUS_CODE, Q_STATUS_MESSAGE
};

static const char *const trace_query =
"SELECT resource_attributes, scope_name, scope_version, trace_id, span_id,"
" parent_span_id, trace_state, name, kind, start_time_unix_nano, duration_ns,"
" span_attributes, events, links, status_code, status_message"
" FROM tempo.spans"
" WHERE trace_id = $1"
" AND ($2::timestamptz IS NULL OR start_time >= $2)"
" AND ($3::timestamptz IS NULL OR start_time <= $3)"
" AND ($4 = '' OR tenant = ANY (string_to_array($4, '|')))"
" ORDER BY resource_attributes NULLS FIRST, scope_name NULLS FIRST,"
" scope_version NULLS FIRST, start_time_unix_nano, span_id";

static bool
sameColumn(HeapTuple a, HeapTuple b, TupleDesc desc, int col, PGFunction eq)
{
	bool		na,
				nb;
	Datum		da = SPI_getbinval(a, desc, col, &na);
	Datum		db = SPI_getbinval(b, desc, col, &nb);

	if (na || nb)
		return na && nb;
	return DatumGetBool(DirectFunctionCall2Coll(eq, DEFAULT_COLLATION_OID, da, db));
}

static char *
textColumn(HeapTuple tup, TupleDesc desc, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

/* Append the JSON of one span row. */
static void
appendSpan(StringInfo out, HeapTuple tup, TupleDesc desc)
{
	bool		isnull;
	Datum		d;
	char		hex[2 * TRACE_ID_LEN + 1];
	uint8		sid[SPAN_ID_LEN];
	int64		start;
	int64		dur;
	char	   *s;

	d = SPI_getbinval(tup, desc, Q_TRACE_ID, &isnull);
	TempoFormatHex(DatumGetTraceIdP(d)->data, TRACE_ID_LEN, hex);
	appendStringInfo(out, "{\"traceId\":\"%s\"", hex);
	d = SPI_getbinval(tup, desc, Q_SPAN_ID, &isnull);
	SpanIdToBytes(DatumGetSpanId(d), sid);
	TempoFormatHex(sid, SPAN_ID_LEN, hex);
	appendStringInfo(out, ",\"spanId\":\"%s\"", hex);
	d = SPI_getbinval(tup, desc, Q_PARENT, &isnull);
	if (!isnull)
	{
		SpanIdToBytes(DatumGetSpanId(d), sid);
		TempoFormatHex(sid, SPAN_ID_LEN, hex);
		appendStringInfo(out, ",\"parentSpanId\":\"%s\"", hex);
	}
	s = textColumn(tup, desc, Q_TRACE_STATE);
	if (s != NULL)
	{
		appendStringInfoString(out, ",\"traceState\":");
		escape_json(out, s);
	}
	appendStringInfoString(out, ",\"name\":");
	escape_json(out, textColumn(tup, desc, Q_NAME));
	d = SPI_getbinval(tup, desc, Q_KIND, &isnull);
	appendStringInfo(out, ",\"kind\":%d", (int) DatumGetInt16(d));
	start = DatumGetInt64(SPI_getbinval(tup, desc, Q_START_NS, &isnull));
	dur = DatumGetInt64(SPI_getbinval(tup, desc, Q_DURATION, &isnull));
	appendStringInfo(out, ",\"startTimeUnixNano\":\"" INT64_FORMAT "\""
					 ",\"endTimeUnixNano\":\"" UINT64_FORMAT "\"",
					 start, (uint64) start + (uint64) dur);
	d = SPI_getbinval(tup, desc, Q_ATTRS, &isnull);
	if (!isnull)
		appendAttributesField(out, &DatumGetJsonbP(d)->root);
	d = SPI_getbinval(tup, desc, Q_EVENTS, &isnull);
	if (!isnull)
		appendEvents(out, DatumGetJsonbP(d));
	d = SPI_getbinval(tup, desc, Q_LINKS, &isnull);
	if (!isnull)
		appendLinks(out, DatumGetJsonbP(d));
	d = SPI_getbinval(tup, desc, Q_STATUS_CODE, &isnull);
	appendStringInfo(out, ",\"status\":{\"code\":%d", isnull ? 0 : (int) DatumGetInt16(d));
	s = textColumn(tup, desc, Q_STATUS_MESSAGE);
	if (s != NULL)
	{
		appendStringInfoString(out, ",\"message\":");
		escape_json(out, s);
	}
	appendStringInfoString(out, "}}");
}

/*
 * The trace as OTLP/JSON jsonb; *found is false (and the result 0) when
 * no span of the trace is visible.
 */
Datum
OtlpTraceJson(Datum trace_id, bool has_start, Datum start_time,
			  bool has_end, Datum end_time, bool *found)
{
	Oid			argtypes[4] = {TempoTraceIdTypeOid(), TIMESTAMPTZOID,
	TIMESTAMPTZOID, TEXTOID};
	Datum		args[4];
	char		nulls[4] = {' ', has_start ? ' ' : 'n', has_end ? ' ' : 'n', ' '};
	StringInfoData out;
	TupleDesc	desc;
	uint64		i;
	Datum		result = (Datum) 0;
	MemoryContext callercxt = CurrentMemoryContext;

	args[0] = trace_id;
	args[1] = start_time;
	args[2] = end_time;
	args[3] = CStringGetTextDatum(tempo_tenant ? tempo_tenant : "");

	SPI_connect();
	if (SPI_execute_with_args(trace_query, 4, argtypes, args, nulls, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read trace spans");
	*found = (SPI_processed > 0);
	if (*found)
	{
		desc = SPI_tuptable->tupdesc;
		initStringInfo(&out);
		appendStringInfoString(&out, "{\"resourceSpans\":[");
		for (i = 0; i < SPI_processed; i++)
		{
			HeapTuple	tup = SPI_tuptable->vals[i];
			HeapTuple	prev = (i > 0) ? SPI_tuptable->vals[i - 1] : NULL;
			bool		new_resource = (prev == NULL ||
										!sameColumn(prev, tup, desc, Q_RESOURCE, jsonb_eq));
			bool		new_scope = (new_resource ||
									 !sameColumn(prev, tup, desc, Q_SCOPE_NAME, texteq) ||
									 !sameColumn(prev, tup, desc, Q_SCOPE_VERSION, texteq));

			CHECK_FOR_INTERRUPTS();
			if (new_scope && prev != NULL)
				appendStringInfoString(&out, "]}");		/* end spans, scopeSpans elem */
			if (new_resource)
			{
				bool		isnull;
				Datum		d = SPI_getbinval(tup, desc, Q_RESOURCE, &isnull);

				if (prev != NULL)
					appendStringInfoString(&out, "]},");	/* end scopeSpans, resourceSpans elem */
				appendStringInfoString(&out, "{\"resource\":{");
				if (!isnull && JsonContainerSize(&DatumGetJsonbP(d)->root) > 0)
				{
					appendStringInfoString(&out, "\"attributes\":");
					appendKeyValues(&out, &DatumGetJsonbP(d)->root);
				}
				appendStringInfoString(&out, "},\"scopeSpans\":[");
			}
			else if (new_scope)
				appendStringInfoChar(&out, ',');
			if (new_scope)
			{
				char	   *name = textColumn(tup, desc, Q_SCOPE_NAME);
				char	   *version = textColumn(tup, desc, Q_SCOPE_VERSION);

				appendStringInfoString(&out, "{\"scope\":{");
				if (name != NULL)
				{
					appendStringInfoString(&out, "\"name\":");
					escape_json(&out, name);
				}
				if (version != NULL)
				{
					appendStringInfoString(&out, name != NULL ? ",\"version\":" : "\"version\":");
					escape_json(&out, version);
				}
				appendStringInfoString(&out, "},\"spans\":[");
			}
			else
				appendStringInfoChar(&out, ',');
			appendSpan(&out, tup, desc);
		}
		appendStringInfoString(&out, "]}]}]}");

		MemoryContextSwitchTo(callercxt);
		result = DirectFunctionCall1(jsonb_in, CStringGetDatum(out.data));
	}
	SPI_finish();
	return result;
}
