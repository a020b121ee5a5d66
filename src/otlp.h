/*-------------------------------------------------------------------------
 *
 * otlp.h
 *	  OTLP trace decoding, validation and conversion to tempo.spans rows.
 *
 * The internal span model is the protobuf-c message tree of an
 * ExportTraceServiceRequest: the protobuf decoder gets it from protobuf-c,
 * the OTLP/JSON decoder builds the same structs by hand.  Every struct,
 * string and array of a decoded request lives in the memory context that
 * was current when the decoder was called; nothing has to be freed
 * separately.
 *
 * Conversion walks the tree once, validates each span (ids, times), cleans
 * every string (invalid UTF-8 replaced, keys and string values truncated to
 * tempo.max_attribute_bytes) and hands one row of tempo.spans columns per
 * accepted span to a callback.  The same code serves tempo.ingest() and the
 * ingest workers.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/otlp.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef OTLP_H
#define OTLP_H

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/relcache.h"

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest OtlpRequest;
typedef Opentelemetry__Proto__Trace__V1__ResourceSpans OtlpResourceSpans;
typedef Opentelemetry__Proto__Trace__V1__ScopeSpans OtlpScopeSpans;
typedef Opentelemetry__Proto__Trace__V1__Span OtlpSpan;
typedef Opentelemetry__Proto__Trace__V1__Span__Event OtlpEvent;
typedef Opentelemetry__Proto__Trace__V1__Span__Link OtlpLink;
typedef Opentelemetry__Proto__Trace__V1__Status OtlpStatus;
typedef Opentelemetry__Proto__Resource__V1__Resource OtlpResource;
typedef Opentelemetry__Proto__Common__V1__InstrumentationScope OtlpScope;
typedef Opentelemetry__Proto__Common__V1__KeyValue OtlpKeyValue;
typedef Opentelemetry__Proto__Common__V1__AnyValue OtlpAnyValue;
typedef Opentelemetry__Proto__Common__V1__ArrayValue OtlpArrayValue;
typedef Opentelemetry__Proto__Common__V1__KeyValueList OtlpKeyValueList;

/* Payload formats of OTLP/HTTP (and tempo.ingest's content_type). */
typedef enum OtlpFormat
{
	OTLP_FORMAT_INVALID = 0,
	OTLP_FORMAT_PROTOBUF,		/* application/x-protobuf */
	OTLP_FORMAT_JSON			/* application/json */
} OtlpFormat;

#define OTLP_ACCEPTED_CONTENT_TYPES "application/x-protobuf, application/json"

/*
 * Deepest accepted nesting of protobuf messages (the request itself is
 * level 0, a span level 3, an attribute value level 6, each nested
 * array/kvlist adds two).  Deeper payloads are rejected before protobuf-c
 * sees them, so its recursion stays bounded.  OTLP/JSON may use two
 * bracket levels per message level (object plus repeated-field array).
 */
#define OTLP_MAX_MESSAGE_DEPTH	100
#define OTLP_MAX_JSON_DEPTH		(2 * OTLP_MAX_MESSAGE_DEPTH + 2)

/* Longest tenant name (as X-Scope-OrgID in Tempo/dskit). */
#define OTLP_MAX_TENANT_LEN		150

/* Why a span was rejected (partial success). */
typedef enum OtlpRejectReason
{
	OTLP_REJECT_TRACE_ID = 0,	/* not 16 bytes, or all zero */
	OTLP_REJECT_SPAN_ID,		/* not 8 bytes, or all zero */
	OTLP_REJECT_PARENT_SPAN_ID, /* neither empty nor 8 bytes */
	OTLP_REJECT_TIME,			/* start/end past 2262 (beyond int64 ns) */
	OTLP_NUM_REJECT_REASONS
} OtlpRejectReason;

/* Counters of one request. */
typedef struct OtlpIngestStats
{
	int64		spans_received;
	int64		spans_accepted;
	int64		spans_rejected;
	int64		rejected[OTLP_NUM_REJECT_REASONS];
	int64		truncated;		/* keys/string values cut to max bytes */
	int64		invalid_utf8;	/* strings with bad UTF-8 repaired */
	int64		end_before_start;	/* spans stored with duration 0 */
} OtlpIngestStats;

/*
 * Columns of tempo.spans, in attribute order (0-based).  The row callback
 * receives values/isnull arrays of OTLP_NUM_COLS entries in this order.
 */
typedef enum OtlpColumn
{
	OTLP_COL_TENANT = 0,
	OTLP_COL_TRACE_ID,
	OTLP_COL_SPAN_ID,
	OTLP_COL_PARENT_SPAN_ID,
	OTLP_COL_NAME,
	OTLP_COL_KIND,
	OTLP_COL_START_TIME,
	OTLP_COL_START_TIME_UNIX_NANO,
	OTLP_COL_DURATION_NS,
	OTLP_COL_STATUS_CODE,
	OTLP_COL_STATUS_MESSAGE,
	OTLP_COL_SERVICE_NAME,
	OTLP_COL_RESOURCE_ATTRIBUTES,
	OTLP_COL_SPAN_ATTRIBUTES,
	OTLP_COL_SCOPE_NAME,
	OTLP_COL_SCOPE_VERSION,
	OTLP_COL_EVENTS,
	OTLP_COL_LINKS,
	OTLP_COL_TRACE_STATE,
	OTLP_NUM_COLS
} OtlpColumn;

extern const char *const OtlpColumnNames[OTLP_NUM_COLS];

/* Called once per accepted span; values are valid until it returns. */
typedef void (*OtlpRowCallback) (void *arg, Datum *values, bool *isnull);

/* Called once per accepted span with its start time (ns since epoch). */
typedef void (*OtlpTimeCallback) (void *arg, int64 start_time_unix_nano);

/* in otlp_decode.c */
extern OtlpFormat OtlpParseContentType(const char *content_type);
extern OtlpRequest *OtlpDecode(OtlpFormat format, const char *data, size_t len);
extern OtlpRequest *OtlpDecodeProtobuf(const char *data, size_t len);
extern void OtlpCheckTenant(const char *tenant);

/* in otlp_json.c */
extern OtlpRequest *OtlpDecodeJson(const char *data, size_t len);
extern bool OtlpBase64Decode(const char *src, int len, uint8 *dst, int *dstlen);

/* in otlp_convert.c */
extern bool OtlpSpanIsValid(const OtlpSpan *span, OtlpRejectReason *reason);
extern void OtlpForEachSpanStart(const OtlpRequest *req, OtlpTimeCallback cb, void *arg);
extern void OtlpConvertRequest(const OtlpRequest *req, const char *tenant,
							   OtlpIngestStats *stats, OtlpRowCallback cb, void *arg);
extern char *OtlpStatsMessage(const OtlpIngestStats *stats);
extern Datum OtlpNanosToTimestamptz(int64 ns);

/* in otlp_store.c */
extern void OtlpStoreRequest(const OtlpRequest *req, const char *tenant,
							 OtlpIngestStats *stats);

/* in otlp_export.c */
extern Datum OtlpTraceJson(Datum trace_id, bool has_start, Datum start_time,
						   bool has_end, Datum end_time, bool *found);

#endif							/* OTLP_H */
