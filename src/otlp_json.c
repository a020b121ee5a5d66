/*-------------------------------------------------------------------------
 *
 * otlp_json.c
 *	  Decode OTLP/JSON ExportTraceServiceRequest payloads into the same
 *	  protobuf-c structs the protobuf decoder produces.
 *
 * The payload is checked to be UTF-8 and not nested deeper than
 * OTLP_MAX_JSON_DEPTH brackets (a cheap scan, so that PostgreSQL's
 * recursive JSON parser never runs into the stack limit), converted to
 * the server encoding, parsed to jsonb with PostgreSQL's own JSON parser,
 * and the jsonb tree is walked into protobuf-c messages.
 *
 * OTLP/JSON rules (proto3 JSON mapping with the OTLP deviations):
 *	- trace/span ids are hex strings (either case), bytes values base64
 *	  (standard or URL-safe alphabet, padding optional);
 *	- enums as integers, and also as their proto names (lenient);
 *	- 64-bit integers as decimal strings or JSON numbers; doubles as
 *	  numbers or the strings "NaN", "Infinity", "-Infinity";
 *	- field names in lowerCamelCase and, leniently, in the original
 *	  snake_case (matching ignores '_' and case);
 *	- unknown fields are ignored, null means "absent".
 * Anything else that does not fit the schema (wrong JSON type, bad hex or
 * base64, out-of-range numbers) makes the whole payload invalid: 22P02.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/otlp_json.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"

#include "otlp.h"
#include "tempo_ids.h"

static void jsonAttributes(JsonbValue *v, size_t *n, OtlpKeyValue ***out);
static OtlpAnyValue *jsonAnyValue(JsonbValue *v);

static void
jsonError(const char *fmt, const char *arg)
{
	char		buf[256];

	snprintf(buf, sizeof(buf), fmt, arg);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid OTLP/JSON payload"),
			 errdetail_internal("%s", buf)));
}

/*
 * Does the JSON key equal name, ignoring case and underscores?  name is
 * given in lower case without underscores, so "startTimeUnixNano" and
 * "start_time_unix_nano" both match "starttimeunixnano".
 */
static bool
keyIs(const JsonbValue *key, const char *name)
{
	const char *k = key->val.string.val;
	int			klen = key->val.string.len;
	int			i;

	for (i = 0; i < klen; i++)
	{
		char		ch = k[i];

		if (ch == '_')
			continue;
		if (ch >= 'A' && ch <= 'Z')
			ch += 'a' - 'A';
		if (*name == '\0' || ch != *name)
			return false;
		name++;
	}
	return *name == '\0';
}

/* Start iterating an object; errors if v is not a JSON object. */
static JsonbIterator *
objectBegin(JsonbValue *v, const char *what)
{
	JsonbIterator *it;
	JsonbValue	dummy;

	if (v->type != jbvBinary || !JsonContainerIsObject(v->val.binary.data))
		jsonError("%s must be a JSON object.", what);
	it = JsonbIteratorInit(v->val.binary.data);
	(void) JsonbIteratorNext(&it, &dummy, true);	/* WJB_BEGIN_OBJECT */
	return it;
}

/* Next key/value pair of an object, skipping null values. */
static bool
objectNext(JsonbIterator **it, JsonbValue *key, JsonbValue *val)
{
	for (;;)
	{
		JsonbIteratorToken r = JsonbIteratorNext(it, key, true);

		if (r != WJB_KEY)
		{
			/* WJB_END_OBJECT: run the iterator to its end */
			while (r != WJB_DONE)
				r = JsonbIteratorNext(it, key, true);
			return false;
		}
		r = JsonbIteratorNext(it, val, true);
		Assert(r == WJB_VALUE);
		if (val->type != jbvNull)
			return true;
	}
}

/* Number of elements of a JSON array value; errors if not an array. */
static int
arrayBegin(JsonbValue *v, const char *what, JsonbIterator **it)
{
	JsonbValue	dummy;

	if (v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data) ||
		JsonContainerIsScalar(v->val.binary.data))
		jsonError("%s must be a JSON array.", what);
	*it = JsonbIteratorInit(v->val.binary.data);
	(void) JsonbIteratorNext(it, &dummy, true);	/* WJB_BEGIN_ARRAY */
	return JsonContainerSize(v->val.binary.data);
}

static bool
arrayNext(JsonbIterator **it, JsonbValue *elem)
{
	JsonbIteratorToken r = JsonbIteratorNext(it, elem, true);

	if (r != WJB_ELEM)
	{
		while (r != WJB_DONE)
			r = JsonbIteratorNext(it, elem, true);
		return false;
	}
	return true;
}

static char *
jsonString(JsonbValue *v, const char *what)
{
	if (v->type != jbvString)
		jsonError("%s must be a JSON string.", what);
	return pnstrdup(v->val.string.val, v->val.string.len);
}

static bool
jsonBool(JsonbValue *v, const char *what)
{
	if (v->type != jbvBool)
		jsonError("%s must be true or false.", what);
	return v->val.boolean;
}

/* The decimal text of a JSON number or string holding an integer. */
static char *
jsonIntegerText(JsonbValue *v, const char *what)
{
	char	   *s;

	if (v->type == jbvNumeric)
		s = DatumGetCString(DirectFunctionCall1(numeric_out,
												NumericGetDatum(v->val.numeric)));
	else if (v->type == jbvString)
		s = pnstrdup(v->val.string.val, v->val.string.len);
	else
	{
		jsonError("%s must be an integer (number or decimal string).", what);
		s = NULL;				/* keep compiler quiet */
	}

	/* a JSON number like 5.0 is still an integer */
	if (v->type == jbvNumeric)
	{
		char	   *dot = strchr(s, '.');

		if (dot != NULL)
		{
			char	   *q;

			for (q = dot + 1; *q; q++)
				if (*q != '0')
					jsonError("%s must be an integer.", what);
			*dot = '\0';
		}
	}
	return s;
}

static int64
jsonInt64(JsonbValue *v, const char *what)
{
	char	   *s = jsonIntegerText(v, what);
	char	   *end;
	long long	r;

	errno = 0;
	r = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		jsonError("%s is not a valid 64-bit integer.", what);
	return (int64) r;
}

static uint64
jsonUint64(JsonbValue *v, const char *what)
{
	char	   *s = jsonIntegerText(v, what);
	char	   *end;
	unsigned long long r;

	errno = 0;
	if (*s == '-')
		jsonError("%s must not be negative.", what);
	r = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		jsonError("%s is not a valid unsigned 64-bit integer.", what);
	return (uint64) r;
}

static uint32
jsonUint32(JsonbValue *v, const char *what)
{
	uint64		r = jsonUint64(v, what);

	if (r > PG_UINT32_MAX)
		jsonError("%s is out of range for a 32-bit integer.", what);
	return (uint32) r;
}

static double
jsonDouble(JsonbValue *v, const char *what)
{
	if (v->type == jbvNumeric)
		return DatumGetFloat8(DirectFunctionCall1(numeric_float8,
												  NumericGetDatum(v->val.numeric)));
	if (v->type == jbvString)
	{
		char	   *s = pnstrdup(v->val.string.val, v->val.string.len);
		char	   *end;
		double		d;

		if (strcmp(s, "NaN") == 0)
			return get_float8_nan();
		if (strcmp(s, "Infinity") == 0)
			return get_float8_infinity();
		if (strcmp(s, "-Infinity") == 0)
			return -get_float8_infinity();
		errno = 0;
		d = strtod(s, &end);
		if (end == s || *end != '\0' || isnan(d) || isinf(d))
			jsonError("%s is not a valid double.", what);
		return d;
	}
	jsonError("%s must be a number.", what);
	return 0;					/* keep compiler quiet */
}

/* An enum given as an integer or as one of its value names. */
static int
jsonEnum(JsonbValue *v, const char *what, const char *const *names, int nnames)
{
	if (v->type == jbvString)
	{
		int			i;

		for (i = 0; i < nnames; i++)
			if ((int) strlen(names[i]) == v->val.string.len &&
				memcmp(names[i], v->val.string.val, v->val.string.len) == 0)
				return i;
		jsonError("%s has an unknown enum value name.", what);
	}
	return (int) jsonInt64(v, what);
}

/* Hex string (either case, any even length) to bytes. */
static void
jsonHexBytes(JsonbValue *v, const char *what, ProtobufCBinaryData *out)
{
	int			len;

	if (v->type != jbvString)
		jsonError("%s must be a hex string.", what);
	len = v->val.string.len;
	if (len % 2 != 0)
		jsonError("%s has an odd number of hex digits.", what);
	out->len = len / 2;
	out->data = palloc(out->len + 1);
	if (len > 0 && !TempoParseHex(v->val.string.val, len, out->data, len / 2))
		jsonError("%s is not valid hex.", what);
}

/*
 * Decode base64 (standard or URL-safe alphabet, '=' padding optional,
 * whitespace not allowed).  dst must hold len * 3 / 4 + 3 bytes.
 */
bool
OtlpBase64Decode(const char *src, int len, uint8 *dst, int *dstlen)
{
	uint32		acc = 0;
	int			bits = 0;
	int			n = 0;
	int			i;

	while (len > 0 && src[len - 1] == '=')
		len--;
	for (i = 0; i < len; i++)
	{
		char		ch = src[i];
		int			val;

		if (ch >= 'A' && ch <= 'Z')
			val = ch - 'A';
		else if (ch >= 'a' && ch <= 'z')
			val = ch - 'a' + 26;
		else if (ch >= '0' && ch <= '9')
			val = ch - '0' + 52;
		else if (ch == '+' || ch == '-')
			val = 62;
		else if (ch == '/' || ch == '_')
			val = 63;
		else
			return false;
		acc = (acc << 6) | (uint32) val;
		bits += 6;
		if (bits >= 8)
		{
			bits -= 8;
			dst[n++] = (uint8) ((acc >> bits) & 0xff);
		}
	}
	/* one leftover sextet cannot encode a byte */
	if (bits >= 6)
		return false;
	*dstlen = n;
	return true;
}

static void
jsonBase64Bytes(JsonbValue *v, const char *what, ProtobufCBinaryData *out)
{
	int			n;

	if (v->type != jbvString)
		jsonError("%s must be a base64 string.", what);
	out->data = palloc(v->val.string.len * 3 / 4 + 3);
	if (!OtlpBase64Decode(v->val.string.val, v->val.string.len, out->data, &n))
		jsonError("%s is not valid base64.", what);
	out->len = n;
}

static OtlpKeyValue *
jsonKeyValue(JsonbValue *v)
{
	OtlpKeyValue *kv = palloc(sizeof(OtlpKeyValue));
	JsonbIterator *it = objectBegin(v, "an attribute");
	JsonbValue	key;
	JsonbValue	val;

	opentelemetry__proto__common__v1__key_value__init(kv);
	while (objectNext(&it, &key, &val))
	{
		if (keyIs(&key, "key"))
			kv->key = jsonString(&val, "attribute key");
		else if (keyIs(&key, "value"))
			kv->value = jsonAnyValue(&val);
	}
	return kv;
}

static void
jsonAttributes(JsonbValue *v, size_t *n, OtlpKeyValue ***out)
{
	JsonbIterator *it;
	JsonbValue	elem;
	int			count = arrayBegin(v, "attributes", &it);
	size_t		i = 0;

	*out = palloc(sizeof(OtlpKeyValue *) * Max(count, 1));
	while (arrayNext(&it, &elem))
	{
		CHECK_FOR_INTERRUPTS();
		(*out)[i++] = jsonKeyValue(&elem);
	}
	*n = i;
}

/* An AnyValue object: {"stringValue": ...} etc.; {} is the empty value. */
static OtlpAnyValue *
jsonAnyValue(JsonbValue *v)
{
	OtlpAnyValue *av = palloc(sizeof(OtlpAnyValue));
	JsonbIterator *it;
	JsonbValue	key;
	JsonbValue	val;

	check_stack_depth();
	opentelemetry__proto__common__v1__any_value__init(av);
	it = objectBegin(v, "an attribute value");
	while (objectNext(&it, &key, &val))
	{
		if (keyIs(&key, "stringvalue"))
		{
			av->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
			av->string_value = jsonString(&val, "stringValue");
		}
		else if (keyIs(&key, "boolvalue"))
		{
			av->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE;
			av->bool_value = jsonBool(&val, "boolValue");
		}
		else if (keyIs(&key, "intvalue"))
		{
			av->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE;
			av->int_value = jsonInt64(&val, "intValue");
		}
		else if (keyIs(&key, "doublevalue"))
		{
			av->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE;
			av->double_value = jsonDouble(&val, "doubleValue");
		}
		else if (keyIs(&key, "bytesvalue"))
		{
			av->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BYTES_VALUE;
			jsonBase64Bytes(&val, "bytesValue", &av->bytes_value);
		}
		else if (keyIs(&key, "arrayvalue"))
		{
			OtlpArrayValue *arr = palloc(sizeof(OtlpArrayValue));
			JsonbIterator *ait = objectBegin(&val, "arrayValue");
			JsonbValue	akey;
			JsonbValue	aval;

			opentelemetry__proto__common__v1__array_value__init(arr);
			while (objectNext(&ait, &akey, &aval))
			{
				if (keyIs(&akey, "values"))
				{
					JsonbIterator *eit;
					JsonbValue	elem;
					int			count = arrayBegin(&aval, "arrayValue.values", &eit);
					size_t		i = 0;

					arr->values = palloc(sizeof(OtlpAnyValue *) * Max(count, 1));
					while (arrayNext(&eit, &elem))
					{
						CHECK_FOR_INTERRUPTS();
						arr->values[i++] = jsonAnyValue(&elem);
					}
					arr->n_values = i;
				}
			}
			av->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE;
			av->array_value = arr;
		}
		else if (keyIs(&key, "kvlistvalue"))
		{
			OtlpKeyValueList *kvl = palloc(sizeof(OtlpKeyValueList));
			JsonbIterator *kit = objectBegin(&val, "kvlistValue");
			JsonbValue	kkey;
			JsonbValue	kval;

			opentelemetry__proto__common__v1__key_value_list__init(kvl);
			while (objectNext(&kit, &kkey, &kval))
			{
				if (keyIs(&kkey, "values"))
					jsonAttributes(&kval, &kvl->n_values, &kvl->values);
			}
			av->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE;
			av->kvlist_value = kvl;
		}
		/* stringValueStrindex (profiling only) and unknown keys: ignored */
	}
	return av;
}

static const char *const span_kind_names[] = {
	"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER",
	"SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"
};

static const char *const status_code_names[] = {
	"STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"
};

static OtlpEvent *
jsonEvent(JsonbValue *v)
{
	OtlpEvent  *ev = palloc(sizeof(OtlpEvent));
	JsonbIterator *it = objectBegin(v, "an event");
	JsonbValue	key;
	JsonbValue	val;

	opentelemetry__proto__trace__v1__span__event__init(ev);
	while (objectNext(&it, &key, &val))
	{
		if (keyIs(&key, "timeunixnano"))
			ev->time_unix_nano = jsonUint64(&val, "timeUnixNano");
		else if (keyIs(&key, "name"))
			ev->name = jsonString(&val, "event name");
		else if (keyIs(&key, "attributes"))
			jsonAttributes(&val, &ev->n_attributes, &ev->attributes);
		else if (keyIs(&key, "droppedattributescount"))
			ev->dropped_attributes_count = jsonUint32(&val, "droppedAttributesCount");
	}
	return ev;
}

static OtlpLink *
jsonLink(JsonbValue *v)
{
	OtlpLink   *link = palloc(sizeof(OtlpLink));
	JsonbIterator *it = objectBegin(v, "a link");
	JsonbValue	key;
	JsonbValue	val;

	opentelemetry__proto__trace__v1__span__link__init(link);
	while (objectNext(&it, &key, &val))
	{
		if (keyIs(&key, "traceid"))
			jsonHexBytes(&val, "link traceId", &link->trace_id);
		else if (keyIs(&key, "spanid"))
			jsonHexBytes(&val, "link spanId", &link->span_id);
		else if (keyIs(&key, "tracestate"))
			link->trace_state = jsonString(&val, "link traceState");
		else if (keyIs(&key, "attributes"))
			jsonAttributes(&val, &link->n_attributes, &link->attributes);
		else if (keyIs(&key, "droppedattributescount"))
			link->dropped_attributes_count = jsonUint32(&val, "droppedAttributesCount");
		else if (keyIs(&key, "flags"))
			link->flags = jsonUint32(&val, "link flags");
	}
	return link;
}

static OtlpStatus *
jsonStatus(JsonbValue *v)
{
	OtlpStatus *st = palloc(sizeof(OtlpStatus));
	JsonbIterator *it = objectBegin(v, "status");
	JsonbValue	key;
	JsonbValue	val;

	opentelemetry__proto__trace__v1__status__init(st);
	while (objectNext(&it, &key, &val))
	{
		if (keyIs(&key, "message"))
			st->message = jsonString(&val, "status message");
		else if (keyIs(&key, "code"))
			st->code = jsonEnum(&val, "status code", status_code_names,
								lengthof(status_code_names));
	}
	return st;
}

static OtlpSpan *
jsonSpan(JsonbValue *v)
{
	OtlpSpan   *span = palloc(sizeof(OtlpSpan));
	JsonbIterator *it = objectBegin(v, "a span");
	JsonbValue	key;
	JsonbValue	val;

	opentelemetry__proto__trace__v1__span__init(span);
	while (objectNext(&it, &key, &val))
	{
		CHECK_FOR_INTERRUPTS();
		if (keyIs(&key, "traceid"))
			jsonHexBytes(&val, "traceId", &span->trace_id);
		else if (keyIs(&key, "spanid"))
			jsonHexBytes(&val, "spanId", &span->span_id);
		else if (keyIs(&key, "parentspanid"))
			jsonHexBytes(&val, "parentSpanId", &span->parent_span_id);
		else if (keyIs(&key, "tracestate"))
			span->trace_state = jsonString(&val, "traceState");
		else if (keyIs(&key, "flags"))
			span->flags = jsonUint32(&val, "flags");
		else if (keyIs(&key, "name"))
			span->name = jsonString(&val, "span name");
		else if (keyIs(&key, "kind"))
			span->kind = jsonEnum(&val, "kind", span_kind_names,
								  lengthof(span_kind_names));
		else if (keyIs(&key, "starttimeunixnano"))
			span->start_time_unix_nano = jsonUint64(&val, "startTimeUnixNano");
		else if (keyIs(&key, "endtimeunixnano"))
			span->end_time_unix_nano = jsonUint64(&val, "endTimeUnixNano");
		else if (keyIs(&key, "attributes"))
			jsonAttributes(&val, &span->n_attributes, &span->attributes);
		else if (keyIs(&key, "droppedattributescount"))
			span->dropped_attributes_count = jsonUint32(&val, "droppedAttributesCount");
		else if (keyIs(&key, "events"))
		{
			JsonbIterator *eit;
			JsonbValue	elem;
			int			count = arrayBegin(&val, "events", &eit);
			size_t		i = 0;

			span->events = palloc(sizeof(OtlpEvent *) * Max(count, 1));
			while (arrayNext(&eit, &elem))
				span->events[i++] = jsonEvent(&elem);
			span->n_events = i;
		}
		else if (keyIs(&key, "droppedeventscount"))
			span->dropped_events_count = jsonUint32(&val, "droppedEventsCount");
		else if (keyIs(&key, "links"))
		{
			JsonbIterator *lit;
			JsonbValue	elem;
			int			count = arrayBegin(&val, "links", &lit);
			size_t		i = 0;

			span->links = palloc(sizeof(OtlpLink *) * Max(count, 1));
			while (arrayNext(&lit, &elem))
				span->links[i++] = jsonLink(&elem);
			span->n_links = i;
		}
		else if (keyIs(&key, "droppedlinkscount"))
			span->dropped_links_count = jsonUint32(&val, "droppedLinksCount");
		else if (keyIs(&key, "status"))
			span->status = jsonStatus(&val);
	}
	return span;
}

static OtlpScopeSpans *
jsonScopeSpans(JsonbValue *v)
{
	OtlpScopeSpans *ss = palloc(sizeof(OtlpScopeSpans));
	JsonbIterator *it = objectBegin(v, "scopeSpans element");
	JsonbValue	key;
	JsonbValue	val;

	opentelemetry__proto__trace__v1__scope_spans__init(ss);
	while (objectNext(&it, &key, &val))
	{
		if (keyIs(&key, "scope"))
		{
			OtlpScope  *scope = palloc(sizeof(OtlpScope));
			JsonbIterator *sit = objectBegin(&val, "scope");
			JsonbValue	skey;
			JsonbValue	sval;

			opentelemetry__proto__common__v1__instrumentation_scope__init(scope);
			while (objectNext(&sit, &skey, &sval))
			{
				if (keyIs(&skey, "name"))
					scope->name = jsonString(&sval, "scope name");
				else if (keyIs(&skey, "version"))
					scope->version = jsonString(&sval, "scope version");
				else if (keyIs(&skey, "attributes"))
					jsonAttributes(&sval, &scope->n_attributes, &scope->attributes);
				else if (keyIs(&skey, "droppedattributescount"))
					scope->dropped_attributes_count =
						jsonUint32(&sval, "droppedAttributesCount");
			}
			ss->scope = scope;
		}
		else if (keyIs(&key, "spans"))
		{
			JsonbIterator *sit;
			JsonbValue	elem;
			int			count = arrayBegin(&val, "spans", &sit);
			size_t		i = 0;

			ss->spans = palloc(sizeof(OtlpSpan *) * Max(count, 1));
			while (arrayNext(&sit, &elem))
				ss->spans[i++] = jsonSpan(&elem);
			ss->n_spans = i;
		}
		else if (keyIs(&key, "schemaurl"))
			ss->schema_url = jsonString(&val, "schemaUrl");
	}
	return ss;
}

static OtlpResourceSpans *
jsonResourceSpans(JsonbValue *v)
{
	OtlpResourceSpans *rs = palloc(sizeof(OtlpResourceSpans));
	JsonbIterator *it = objectBegin(v, "resourceSpans element");
	JsonbValue	key;
	JsonbValue	val;

	opentelemetry__proto__trace__v1__resource_spans__init(rs);
	while (objectNext(&it, &key, &val))
	{
		if (keyIs(&key, "resource"))
		{
			OtlpResource *res = palloc(sizeof(OtlpResource));
			JsonbIterator *rit = objectBegin(&val, "resource");
			JsonbValue	rkey;
			JsonbValue	rval;

			opentelemetry__proto__resource__v1__resource__init(res);
			while (objectNext(&rit, &rkey, &rval))
			{
				if (keyIs(&rkey, "attributes"))
					jsonAttributes(&rval, &res->n_attributes, &res->attributes);
				else if (keyIs(&rkey, "droppedattributescount"))
					res->dropped_attributes_count =
						jsonUint32(&rval, "droppedAttributesCount");
			}
			rs->resource = res;
		}
		else if (keyIs(&key, "scopespans"))
		{
			JsonbIterator *sit;
			JsonbValue	elem;
			int			count = arrayBegin(&val, "scopeSpans", &sit);
			size_t		i = 0;

			rs->scope_spans = palloc(sizeof(OtlpScopeSpans *) * Max(count, 1));
			while (arrayNext(&sit, &elem))
				rs->scope_spans[i++] = jsonScopeSpans(&elem);
			rs->n_scope_spans = i;
		}
		else if (keyIs(&key, "schemaurl"))
			rs->schema_url = jsonString(&val, "schemaUrl");
	}
	return rs;
}

/*
 * Check the bracket nesting of a JSON text without parsing it; strings
 * (with escapes) are skipped.  Syntax errors are left to the parser.
 */
static void
jsonCheckDepth(const char *data, size_t len)
{
	int			depth = 0;
	bool		in_string = false;
	size_t		i;

	for (i = 0; i < len; i++)
	{
		char		ch = data[i];

		if (in_string)
		{
			if (ch == '\\')
				i++;
			else if (ch == '"')
				in_string = false;
		}
		else if (ch == '"')
			in_string = true;
		else if (ch == '{' || ch == '[')
		{
			if (++depth > OTLP_MAX_JSON_DEPTH)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
						 errmsg("invalid OTLP/JSON payload"),
						 errdetail_internal("JSON nested deeper than %d levels at byte offset %zu.",
											OTLP_MAX_JSON_DEPTH, i)));
		}
		else if (ch == '}' || ch == ']')
			depth--;
	}
}

/*
 * Decode an OTLP/JSON ExportTraceServiceRequest.  The result and all it
 * points to are allocated in CurrentMemoryContext.
 */
OtlpRequest *
OtlpDecodeJson(const char *data, size_t len)
{
	OtlpRequest *req = palloc(sizeof(OtlpRequest));
	char	   *text;
	Jsonb	   *jb;
	JsonbValue	root;
	JsonbIterator *it;
	JsonbValue	key;
	JsonbValue	val;

	if (!pg_verify_mbstr(PG_UTF8, data, (int) len, true))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid OTLP/JSON payload"),
				 errdetail_internal("The payload is not valid UTF-8 or contains a zero byte.")));
	jsonCheckDepth(data, len);
	text = pg_any_to_server(data, (int) len, PG_UTF8);
	if (text == data)
		text = pnstrdup(data, len);
	jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(text)));
	pfree(text);

	opentelemetry__proto__collector__trace__v1__export_trace_service_request__init(req);
	root.type = jbvBinary;
	root.val.binary.data = &jb->root;
	root.val.binary.len = VARSIZE(jb) - VARHDRSZ;
	if (JsonContainerIsScalar(&jb->root))
		jsonError("%s must be a JSON object.", "the request");
	it = objectBegin(&root, "the request");
	while (objectNext(&it, &key, &val))
	{
		if (keyIs(&key, "resourcespans"))
		{
			JsonbIterator *rit;
			JsonbValue	elem;
			int			count = arrayBegin(&val, "resourceSpans", &rit);
			size_t		i = 0;

			req->resource_spans = palloc(sizeof(OtlpResourceSpans *) * Max(count, 1));
			while (arrayNext(&rit, &elem))
				req->resource_spans[i++] = jsonResourceSpans(&elem);
			req->n_resource_spans = i;
		}
	}
	return req;
}
