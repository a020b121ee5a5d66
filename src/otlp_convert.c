/*-------------------------------------------------------------------------
 *
 * otlp_convert.c
 *	  Validate decoded OTLP spans and convert them to tempo.spans rows.
 *
 * Validation (per span; a failing span is rejected and counted, the rest
 * of the request is kept, as OTLP partial success):
 *	- trace_id must be 16 bytes and not all zero, span_id 8 bytes and not
 *	  all zero, parent_span_id empty or 8 bytes (8 zero bytes = root);
 *	- start and end time must fit in int64 nanoseconds (before 2262).
 * A span whose end time is before its start time (or absent) is kept with
 * duration_ns = 0 and counted: a negative duration would poison every
 * duration aggregate, and OTLP requires end >= start.
 *
 * Strings: protobuf strings are not checked for UTF-8 by protobuf-c.  An
 * invalid byte sequence is replaced by U+FFFD and counted rather than
 * failing the whole request (Tempo's Go receiver stores such strings
 * as they are; PostgreSQL text cannot).  A string is cut at its first zero
 * byte (text cannot hold one).  Attribute keys and string values, at any
 * nesting depth and on resource, span, event and link attributes, longer
 * than tempo.max_attribute_bytes (0 = no limit) are truncated at a UTF-8
 * character boundary and counted.
 *
 * Attribute maps become jsonb objects, key -> value:
 *	string -> JSON string; int -> JSON integer; bool -> JSON bool;
 *	double -> JSON number that always has a fractional part (1.0 stays
 *	"1.0"), so a number with a '.' reads back as a double and one without
 *	as an int; NaN and +-Infinity -> {"doubleValue": "NaN" | "Infinity" |
 *	"-Infinity"}; -0.0 is stored as 0.0;
 *	bytes -> {"bytesValue": "<standard base64>"};
 *	array -> JSON array of values; kvlist -> JSON object, except that a
 *	kvlist having a key named bytesValue, doubleValue or kvlistValue is
 *	wrapped as {"kvlistValue": {...}}, so that a one-key object with one of
 *	those keys is always a wrapper and the mapping stays unambiguous;
 *	an empty (unset) value -> JSON null.
 * Duplicate keys keep the last value (jsonb); key order is not kept.
 * Scope attributes, dropped_*_count of resource/scope/span and span flags
 * have no column and are not stored.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/otlp_convert.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "common/base64.h"
#include "common/shortest_dec.h"
#include "datatype/timestamp.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "otlp.h"
#include "tempo.h"
#include "tempo_ids.h"

const char *const OtlpColumnNames[OTLP_NUM_COLS] = {
	"tenant", "trace_id", "span_id", "parent_span_id", "name", "kind",
	"start_time", "start_time_unix_nano", "duration_ns", "status_code",
	"status_message", "service_name", "resource_attributes",
	"span_attributes", "scope_name", "scope_version", "events", "links",
	"trace_state"
};

static const char *const reject_reason_text[OTLP_NUM_REJECT_REASONS] = {
	"invalid trace id",
	"invalid span id",
	"invalid parent span id",
	"timestamp out of range"
};

typedef struct ConvertState
{
	OtlpIngestStats *stats;
	int			max_bytes;		/* tempo.max_attribute_bytes, 0 = none */
	bool		need_conversion;	/* server encoding is not UTF-8 */
} ConvertState;

/* A cleaned string: valid, in server encoding, possibly truncated. */
typedef struct CleanString
{
	const char *s;
	int			len;
} CleanString;

static JsonbValue *pushAttributes(ConvertState *st, JsonbParseState **ps,
								  OtlpKeyValue **kvs, size_t n);

/*
 * Clean a protobuf-c string: repair invalid UTF-8, optionally truncate to
 * max_bytes at a character boundary, convert to the server encoding.
 */
static CleanString
cleanString(ConvertState *st, const char *s, bool truncate)
{
	CleanString r;
	int			len = (s != NULL) ? (int) strlen(s) : 0;

	r.s = (s != NULL) ? s : "";
	r.len = len;
	if (len == 0)
		return r;

	if (!pg_verify_mbstr(PG_UTF8, s, len, true))
	{
		StringInfoData buf;
		int			i = 0;

		initStringInfo(&buf);
		while (i < len)
		{
			int			l = pg_utf_mblen((const unsigned char *) s + i);

			if (i + l <= len && pg_utf8_islegal((const unsigned char *) s + i, l))
			{
				appendBinaryStringInfo(&buf, s + i, l);
				i += l;
			}
			else
			{
				appendBinaryStringInfo(&buf, "\xef\xbf\xbd", 3);
				i++;
			}
		}
		r.s = buf.data;
		r.len = buf.len;
		st->stats->invalid_utf8++;
	}

	if (truncate && st->max_bytes > 0 && r.len > st->max_bytes)
	{
		int			n = st->max_bytes;

		/* back up to the first byte of a character */
		while (n > 0 && (((const unsigned char *) r.s)[n] & 0xC0) == 0x80)
			n--;
		r.len = n;
		st->stats->truncated++;
	}

	if (st->need_conversion)
	{
		char	   *conv = pg_any_to_server(r.s, r.len, PG_UTF8);

		r.s = conv;
		r.len = strlen(conv);
	}
	return r;
}

static Datum
cleanTextDatum(ConvertState *st, const char *s)
{
	CleanString c = cleanString(st, s, false);

	return PointerGetDatum(cstring_to_text_with_len(c.s, c.len));
}

static void
pushString(JsonbParseState **ps, JsonbIteratorToken tok, const char *s, int len)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = (char *) s;
	v.val.string.len = len;
	(void) pushJsonbValue(ps, tok, &v);
}

/* {"<wrapper>": "<text>"} as a value (of an object or an array) */
static void
pushWrapper(JsonbParseState **ps, const char *wrapper, const char *text, int len)
{
	(void) pushJsonbValue(ps, WJB_BEGIN_OBJECT, NULL);
	pushString(ps, WJB_KEY, wrapper, strlen(wrapper));
	pushString(ps, WJB_VALUE, text, len);
	(void) pushJsonbValue(ps, WJB_END_OBJECT, NULL);
}

/* A double as a numeric that always shows a fractional part. */
static Numeric
doubleToNumeric(double d)
{
	char		buf[32];
	Datum		num;

	if (d == 0)
		d = 0;					/* -0.0 -> 0.0 */
	(void) double_to_shortest_decimal_buf(d, buf);
	num = DirectFunctionCall3(numeric_in, CStringGetDatum(buf),
							  ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
	if (DatumGetInt32(DirectFunctionCall1(numeric_scale, num)) <= 0)
		num = DirectFunctionCall2(numeric_round, num, Int32GetDatum(1));
	return DatumGetNumeric(num);
}

static bool
isWrapperKey(const char *s, int len)
{
	return (len == 10 && memcmp(s, "bytesValue", 10) == 0) ||
		(len == 11 && memcmp(s, "doubleValue", 11) == 0) ||
		(len == 11 && memcmp(s, "kvlistValue", 11) == 0);
}

/*
 * Push one AnyValue as a jsonb value (tok = WJB_VALUE in an object,
 * WJB_ELEM in an array).  Nesting depth is bounded by the decoders.
 */
static void
pushAnyValue(ConvertState *st, JsonbParseState **ps, JsonbIteratorToken tok,
			 const OtlpAnyValue *av)
{
	JsonbValue	v;

	check_stack_depth();
	CHECK_FOR_INTERRUPTS();
	if (av == NULL)
	{
		v.type = jbvNull;
		(void) pushJsonbValue(ps, tok, &v);
		return;
	}
	switch (av->value_case)
	{
		case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE:
			{
				CleanString c = cleanString(st, av->string_value, true);

				pushString(ps, tok, c.s, c.len);
				break;
			}
		case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE:
			v.type = jbvBool;
			v.val.boolean = av->bool_value != 0;
			(void) pushJsonbValue(ps, tok, &v);
			break;
		case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE:
			v.type = jbvNumeric;
			v.val.numeric = int64_to_numeric(av->int_value);
			(void) pushJsonbValue(ps, tok, &v);
			break;
		case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE:
			if (isnan(av->double_value))
				pushWrapper(ps, "doubleValue", "NaN", 3);
			else if (isinf(av->double_value))
			{
				if (av->double_value > 0)
					pushWrapper(ps, "doubleValue", "Infinity", 8);
				else
					pushWrapper(ps, "doubleValue", "-Infinity", 9);
			}
			else
			{
				v.type = jbvNumeric;
				v.val.numeric = doubleToNumeric(av->double_value);
				(void) pushJsonbValue(ps, tok, &v);
			}
			break;
		case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BYTES_VALUE:
			{
				int			inlen = (int) av->bytes_value.len;
				int			enclen = pg_b64_enc_len(inlen);
				char	   *enc = palloc(enclen + 1);
				int			n;

				n = pg_b64_encode((const char *) av->bytes_value.data, inlen,
								  enc, enclen);
				if (n < 0)
					elog(ERROR, "could not encode bytes value as base64");
				pushWrapper(ps, "bytesValue", enc, n);
				break;
			}
		case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE:
			{
				const OtlpArrayValue *arr = av->array_value;
				size_t		i;

				(void) pushJsonbValue(ps, WJB_BEGIN_ARRAY, NULL);
				if (arr != NULL)
					for (i = 0; i < arr->n_values; i++)
						pushAnyValue(st, ps, WJB_ELEM, arr->values[i]);
				(void) pushJsonbValue(ps, WJB_END_ARRAY, NULL);
				break;
			}
		case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE:
			{
				const OtlpKeyValueList *kvl = av->kvlist_value;
				bool		wrap = false;
				size_t		i;

				if (kvl != NULL)
					for (i = 0; i < kvl->n_values && !wrap; i++)
					{
						const char *k = kvl->values[i]->key;

						wrap = (k != NULL && isWrapperKey(k, strlen(k)));
					}
				if (wrap)
				{
					(void) pushJsonbValue(ps, WJB_BEGIN_OBJECT, NULL);
					pushString(ps, WJB_KEY, "kvlistValue", 11);
				}
				if (kvl != NULL)
					pushAttributes(st, ps, kvl->values, kvl->n_values);
				else
				{
					(void) pushJsonbValue(ps, WJB_BEGIN_OBJECT, NULL);
					(void) pushJsonbValue(ps, WJB_END_OBJECT, NULL);
				}
				if (wrap)
					(void) pushJsonbValue(ps, WJB_END_OBJECT, NULL);
				break;
			}
		default:
			/* unset, or the profiling-only string_value_strindex */
			v.type = jbvNull;
			(void) pushJsonbValue(ps, tok, &v);
			break;
	}
}

/*
 * Push a key/value list as one jsonb object; returns the finished value
 * when the object is the outermost one.
 */
static JsonbValue *
pushAttributes(ConvertState *st, JsonbParseState **ps,
			   OtlpKeyValue **kvs, size_t n)
{
	size_t		i;

	(void) pushJsonbValue(ps, WJB_BEGIN_OBJECT, NULL);
	for (i = 0; i < n; i++)
	{
		CleanString key = cleanString(st, kvs[i]->key, true);

		pushString(ps, WJB_KEY, key.s, key.len);
		pushAnyValue(st, ps, WJB_VALUE, kvs[i]->value);
	}
	return pushJsonbValue(ps, WJB_END_OBJECT, NULL);
}

static Datum
attributesJsonb(ConvertState *st, OtlpKeyValue **kvs, size_t n)
{
	JsonbParseState *ps = NULL;

	return JsonbPGetDatum(JsonbValueToJsonb(pushAttributes(st, &ps, kvs, n)));
}

static void
pushKeyText(JsonbParseState **ps, const char *key, const char *s, int len)
{
	pushString(ps, WJB_KEY, key, strlen(key));
	pushString(ps, WJB_VALUE, s, len);
}

static void
pushKeyHex(JsonbParseState **ps, const char *key, const ProtobufCBinaryData *b)
{
	char	   *hex = palloc(b->len * 2 + 1);

	TempoFormatHex(b->data, (int) b->len, hex);
	pushKeyText(ps, key, hex, (int) b->len * 2);
}

static void
pushKeyUint(JsonbParseState **ps, const char *key, uint64 val)
{
	JsonbValue	v;

	pushString(ps, WJB_KEY, key, strlen(key));
	v.type = jbvNumeric;
	v.val.numeric = DatumGetNumeric(DirectFunctionCall1(int8_numeric,
														Int64GetDatum((int64) val)));
	(void) pushJsonbValue(ps, WJB_VALUE, &v);
}

/* events: [{"time_unix_nano": "<ns>", "name", "attributes", ...}] */
static Datum
eventsJsonb(ConvertState *st, const OtlpSpan *span)
{
	JsonbParseState *ps = NULL;
	size_t		i;

	(void) pushJsonbValue(&ps, WJB_BEGIN_ARRAY, NULL);
	for (i = 0; i < span->n_events; i++)
	{
		const OtlpEvent *ev = span->events[i];
		char		nsbuf[32];
		CleanString name = cleanString(st, ev->name, false);

		snprintf(nsbuf, sizeof(nsbuf), UINT64_FORMAT, (uint64) ev->time_unix_nano);
		(void) pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
		pushKeyText(&ps, "time_unix_nano", nsbuf, strlen(nsbuf));
		pushKeyText(&ps, "name", name.s, name.len);
		pushString(&ps, WJB_KEY, "attributes", 10);
		pushAttributes(st, &ps, ev->attributes, ev->n_attributes);
		if (ev->dropped_attributes_count > 0)
			pushKeyUint(&ps, "dropped_attributes_count", ev->dropped_attributes_count);
		(void) pushJsonbValue(&ps, WJB_END_OBJECT, NULL);
	}
	return JsonbPGetDatum(JsonbValueToJsonb(pushJsonbValue(&ps, WJB_END_ARRAY, NULL)));
}

/* links: [{"trace_id", "span_id", "trace_state"?, "attributes", ...}] */
static Datum
linksJsonb(ConvertState *st, const OtlpSpan *span)
{
	JsonbParseState *ps = NULL;
	size_t		i;

	(void) pushJsonbValue(&ps, WJB_BEGIN_ARRAY, NULL);
	for (i = 0; i < span->n_links; i++)
	{
		const OtlpLink *link = span->links[i];
		CleanString ts = cleanString(st, link->trace_state, false);

		(void) pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
		pushKeyHex(&ps, "trace_id", &link->trace_id);
		pushKeyHex(&ps, "span_id", &link->span_id);
		if (ts.len > 0)
			pushKeyText(&ps, "trace_state", ts.s, ts.len);
		pushString(&ps, WJB_KEY, "attributes", 10);
		pushAttributes(st, &ps, link->attributes, link->n_attributes);
		if (link->dropped_attributes_count > 0)
			pushKeyUint(&ps, "dropped_attributes_count", link->dropped_attributes_count);
		if (link->flags != 0)
			pushKeyUint(&ps, "flags", link->flags);
		(void) pushJsonbValue(&ps, WJB_END_OBJECT, NULL);
	}
	return JsonbPGetDatum(JsonbValueToJsonb(pushJsonbValue(&ps, WJB_END_ARRAY, NULL)));
}

static bool
allZero(const ProtobufCBinaryData *b)
{
	size_t		i;

	for (i = 0; i < b->len; i++)
		if (b->data[i] != 0)
			return false;
	return true;
}

/* Is the span acceptable?  If not, *reason says why. */
bool
OtlpSpanIsValid(const OtlpSpan *span, OtlpRejectReason *reason)
{
	if (span->trace_id.len != TRACE_ID_LEN || allZero(&span->trace_id))
		*reason = OTLP_REJECT_TRACE_ID;
	else if (span->span_id.len != SPAN_ID_LEN || allZero(&span->span_id))
		*reason = OTLP_REJECT_SPAN_ID;
	else if (span->parent_span_id.len != 0 &&
			 span->parent_span_id.len != SPAN_ID_LEN)
		*reason = OTLP_REJECT_PARENT_SPAN_ID;
	else if (span->start_time_unix_nano > (uint64) PG_INT64_MAX ||
			 span->end_time_unix_nano > (uint64) PG_INT64_MAX)
		*reason = OTLP_REJECT_TIME;
	else
		return true;
	return false;
}

/* Nanoseconds since the Unix epoch to timestamptz (truncated to us). */
Datum
OtlpNanosToTimestamptz(int64 ns)
{
	int64		us = ns / 1000;

	if (ns < 0 && ns % 1000 != 0)
		us--;
	return TimestampTzGetDatum(us - (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) *
							   USECS_PER_DAY);
}

/* Call cb with the start time of every valid span of the request. */
void
OtlpForEachSpanStart(const OtlpRequest *req, OtlpTimeCallback cb, void *arg)
{
	size_t		r,
				s,
				i;

	for (r = 0; r < req->n_resource_spans; r++)
	{
		const OtlpResourceSpans *rs = req->resource_spans[r];

		for (s = 0; s < rs->n_scope_spans; s++)
		{
			const OtlpScopeSpans *ss = rs->scope_spans[s];

			for (i = 0; i < ss->n_spans; i++)
			{
				OtlpRejectReason reason;

				CHECK_FOR_INTERRUPTS();
				if (OtlpSpanIsValid(ss->spans[i], &reason))
					cb(arg, (int64) ss->spans[i]->start_time_unix_nano);
			}
		}
	}
}

/* The string value of resource attribute service.name, or NULL. */
static const char *
findServiceName(const OtlpResource *res)
{
	size_t		i;
	const char *found = NULL;

	if (res == NULL)
		return NULL;
	for (i = 0; i < res->n_attributes; i++)
	{
		const OtlpKeyValue *kv = res->attributes[i];

		if (kv->key != NULL && strcmp(kv->key, "service.name") == 0 &&
			kv->value != NULL &&
			kv->value->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE)
			found = kv->value->string_value;	/* last one wins, as in jsonb */
	}
	return found;
}

/*
 * Validate and convert every span of the request, calling cb once per
 * accepted span.  Counters are added to *stats.
 */
void
OtlpConvertRequest(const OtlpRequest *req, const char *tenant,
				   OtlpIngestStats *stats, OtlpRowCallback cb, void *arg)
{
	ConvertState st;
	MemoryContext rescxt;
	MemoryContext rowcxt;
	MemoryContext oldcxt;
	Datum		values[OTLP_NUM_COLS];
	bool		isnull[OTLP_NUM_COLS];
	Datum		tenant_datum = PointerGetDatum(cstring_to_text(tenant));
	size_t		r,
				s,
				i;

	st.stats = stats;
	st.max_bytes = tempo_max_attribute_bytes;
	st.need_conversion = (GetDatabaseEncoding() != PG_UTF8);

	rescxt = AllocSetContextCreate(CurrentMemoryContext, "otlp resource",
								   ALLOCSET_DEFAULT_SIZES);
	rowcxt = AllocSetContextCreate(CurrentMemoryContext, "otlp span row",
								   ALLOCSET_DEFAULT_SIZES);

	for (r = 0; r < req->n_resource_spans; r++)
	{
		const OtlpResourceSpans *rs = req->resource_spans[r];
		const OtlpResource *res = rs->resource;
		const char *svc;

		MemoryContextReset(rescxt);
		oldcxt = MemoryContextSwitchTo(rescxt);
		memset(isnull, 0, sizeof(isnull));
		values[OTLP_COL_TENANT] = tenant_datum;
		if (res != NULL && res->n_attributes > 0)
			values[OTLP_COL_RESOURCE_ATTRIBUTES] =
				attributesJsonb(&st, res->attributes, res->n_attributes);
		else
			isnull[OTLP_COL_RESOURCE_ATTRIBUTES] = true;
		svc = findServiceName(res);
		if (svc != NULL)
		{
			/* same cleaning as the attribute value in resource_attributes */
			CleanString c = cleanString(&st, svc, true);

			values[OTLP_COL_SERVICE_NAME] =
				PointerGetDatum(cstring_to_text_with_len(c.s, c.len));
		}
		else
			isnull[OTLP_COL_SERVICE_NAME] = true;
		MemoryContextSwitchTo(oldcxt);

		for (s = 0; s < rs->n_scope_spans; s++)
		{
			const OtlpScopeSpans *ss = rs->scope_spans[s];
			const OtlpScope *scope = ss->scope;

			oldcxt = MemoryContextSwitchTo(rescxt);
			isnull[OTLP_COL_SCOPE_NAME] = (scope == NULL || scope->name == NULL ||
										   scope->name[0] == '\0');
			if (!isnull[OTLP_COL_SCOPE_NAME])
				values[OTLP_COL_SCOPE_NAME] = cleanTextDatum(&st, scope->name);
			isnull[OTLP_COL_SCOPE_VERSION] = (scope == NULL || scope->version == NULL ||
											  scope->version[0] == '\0');
			if (!isnull[OTLP_COL_SCOPE_VERSION])
				values[OTLP_COL_SCOPE_VERSION] = cleanTextDatum(&st, scope->version);
			MemoryContextSwitchTo(oldcxt);

			for (i = 0; i < ss->n_spans; i++)
			{
				const OtlpSpan *span = ss->spans[i];
				OtlpRejectReason reason;
				TraceId    *tid;
				uint64		start = span->start_time_unix_nano;
				uint64		end = span->end_time_unix_nano;
				int			kind = span->kind;
				int			code = span->status ? span->status->code : 0;

				CHECK_FOR_INTERRUPTS();
				stats->spans_received++;
				if (!OtlpSpanIsValid(span, &reason))
				{
					stats->spans_rejected++;
					stats->rejected[reason]++;
					continue;
				}

				MemoryContextReset(rowcxt);
				oldcxt = MemoryContextSwitchTo(rowcxt);

				tid = palloc(sizeof(TraceId));
				memcpy(tid->data, span->trace_id.data, TRACE_ID_LEN);
				values[OTLP_COL_TRACE_ID] = PointerGetDatum(tid);
				values[OTLP_COL_SPAN_ID] = SpanIdGetDatum(SpanIdFromBytes(span->span_id.data));
				isnull[OTLP_COL_PARENT_SPAN_ID] = (span->parent_span_id.len == 0 ||
												   allZero(&span->parent_span_id));
				if (!isnull[OTLP_COL_PARENT_SPAN_ID])
					values[OTLP_COL_PARENT_SPAN_ID] =
						SpanIdGetDatum(SpanIdFromBytes(span->parent_span_id.data));
				values[OTLP_COL_NAME] = cleanTextDatum(&st, span->name);
				/* unknown enum values (open proto3 enums) read as unspecified */
				values[OTLP_COL_KIND] = Int16GetDatum((kind >= 0 && kind <= 5) ? kind : 0);
				values[OTLP_COL_START_TIME] = OtlpNanosToTimestamptz((int64) start);
				values[OTLP_COL_START_TIME_UNIX_NANO] = Int64GetDatum((int64) start);
				if (end < start)
				{
					stats->end_before_start++;
					end = start;
				}
				values[OTLP_COL_DURATION_NS] = Int64GetDatum((int64) (end - start));
				values[OTLP_COL_STATUS_CODE] = Int16GetDatum((code >= 0 && code <= 2) ? code : 0);
				isnull[OTLP_COL_STATUS_MESSAGE] = (span->status == NULL ||
												   span->status->message == NULL ||
												   span->status->message[0] == '\0');
				if (!isnull[OTLP_COL_STATUS_MESSAGE])
					values[OTLP_COL_STATUS_MESSAGE] =
						cleanTextDatum(&st, span->status->message);
				isnull[OTLP_COL_SPAN_ATTRIBUTES] = (span->n_attributes == 0);
				if (span->n_attributes > 0)
					values[OTLP_COL_SPAN_ATTRIBUTES] =
						attributesJsonb(&st, span->attributes, span->n_attributes);
				isnull[OTLP_COL_EVENTS] = (span->n_events == 0);
				if (span->n_events > 0)
					values[OTLP_COL_EVENTS] = eventsJsonb(&st, span);
				isnull[OTLP_COL_LINKS] = (span->n_links == 0);
				if (span->n_links > 0)
					values[OTLP_COL_LINKS] = linksJsonb(&st, span);
				isnull[OTLP_COL_TRACE_STATE] = (span->trace_state == NULL ||
												span->trace_state[0] == '\0');
				if (!isnull[OTLP_COL_TRACE_STATE])
					values[OTLP_COL_TRACE_STATE] = cleanTextDatum(&st, span->trace_state);

				cb(arg, values, isnull);
				stats->spans_accepted++;
				MemoryContextSwitchTo(oldcxt);
			}
		}
	}
	MemoryContextDelete(rowcxt);
	MemoryContextDelete(rescxt);
}

/*
 * The partial-success message for a request (English, as OTLP asks), or
 * NULL when every span was accepted unchanged.
 */
char *
OtlpStatsMessage(const OtlpIngestStats *stats)
{
	StringInfoData buf;
	int			i;
	bool		first = true;

	if (stats->spans_rejected == 0 && stats->truncated == 0 &&
		stats->invalid_utf8 == 0 && stats->end_before_start == 0)
		return NULL;
	initStringInfo(&buf);
	if (stats->spans_rejected > 0)
	{
		appendStringInfo(&buf, "rejected " INT64_FORMAT " of " INT64_FORMAT " spans (",
						 stats->spans_rejected, stats->spans_received);
		for (i = 0; i < OTLP_NUM_REJECT_REASONS; i++)
		{
			if (stats->rejected[i] == 0)
				continue;
			appendStringInfo(&buf, "%s" INT64_FORMAT " %s", first ? "" : ", ",
							 stats->rejected[i], reject_reason_text[i]);
			first = false;
		}
		appendStringInfoString(&buf, ")");
	}
	if (stats->truncated > 0)
		appendStringInfo(&buf, "%s" INT64_FORMAT " attribute keys or values truncated to %d bytes",
						 buf.len > 0 ? "; " : "", stats->truncated,
						 tempo_max_attribute_bytes);
	if (stats->invalid_utf8 > 0)
		appendStringInfo(&buf, "%s" INT64_FORMAT " strings with invalid UTF-8 repaired",
						 buf.len > 0 ? "; " : "", stats->invalid_utf8);
	if (stats->end_before_start > 0)
		appendStringInfo(&buf, "%s" INT64_FORMAT " spans ending before their start stored with duration 0",
						 buf.len > 0 ? "; " : "", stats->end_before_start);
	return buf.data;
}
