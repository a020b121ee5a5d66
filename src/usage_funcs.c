/*-------------------------------------------------------------------------
 *
 * usage_funcs.c
 *	  SQL functions and Prometheus text of the usage tracker and the
 *	  quality counters.
 *
 * tempo.usage_series() and tempo.ingest_quality_counters() return copies
 * of the shared counters (the views tempo.usage and tempo.ingest_quality
 * sit on them); tempo.usage_metrics_text() and
 * tempo.quality_metrics_text() return what GET /usage_metrics and
 * GET /metrics serve, so the text can be checked from SQL.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/usage_funcs.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include "usage_internal.h"

PG_FUNCTION_INFO_V1(tempo_usage_series);
PG_FUNCTION_INFO_V1(tempo_ingest_quality_counters);
PG_FUNCTION_INFO_V1(tempo_usage_metrics_text);
PG_FUNCTION_INFO_V1(tempo_quality_metrics_text);

/* Append s escaped as a label value of the Prometheus text format. */
void
UsageAppendLabelValue(StringInfo buf, const char *s)
{
	for (; *s; s++)
	{
		if (*s == '\\')
			appendStringInfoString(buf, "\\\\");
		else if (*s == '"')
			appendStringInfoString(buf, "\\\"");
		else if (*s == '\n')
			appendStringInfoString(buf, "\\n");
		else
			appendStringInfoChar(buf, *s);
	}
}

/* The part of a key after the one at p, or NULL at its end. */
const char *
UsageKeyNext(const UsageKey *key, const char *p)
{
	p += strlen(p) + 1;
	return (p < key->data + key->len) ? p : NULL;
}

static void
pushString(JsonbParseState **ps, JsonbIteratorToken tok, const char *s)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = (char *) s;
	v.val.string.len = strlen(s);
	(void) pushJsonbValue(ps, tok, &v);
}

static void
pushInt(JsonbParseState **ps, const char *key, int64 n)
{
	JsonbValue	v;

	pushString(ps, WJB_KEY, key);
	v.type = jbvNumeric;
	v.val.numeric = int64_to_numeric(n);
	(void) pushJsonbValue(ps, WJB_VALUE, &v);
}

/* The labels of a series key as a jsonb object. */
static Datum
keyLabelsJsonb(const UsageKey *key)
{
	JsonbParseState *ps = NULL;
	const char *p = UsageKeyNext(key, key->data);

	(void) pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
	while (p != NULL)
	{
		const char *v = UsageKeyNext(key, p);

		if (v == NULL)
			break;
		pushString(&ps, WJB_KEY, p);
		pushString(&ps, WJB_VALUE, v);
		p = UsageKeyNext(key, v);
	}
	return JsonbPGetDatum(JsonbValueToJsonb(pushJsonbValue(&ps, WJB_END_OBJECT, NULL)));
}

/*
 * tempo.usage_series() RETURNS TABLE(tenant text, labels jsonb,
 *	 bytes_received bigint, spans_received bigint, last_seen timestamptz)
 * Purges stale series first.
 */
Datum
tempo_usage_series(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	UsageSnapshotEntry *snap;
	int			n;
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	UsagePurgeStale(GetCurrentTimestamp());
	snap = UsageSnapshot(&n);
	for (i = 0; i < n; i++)
	{
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};

		values[0] = CStringGetTextDatum(snap[i].key.data);
		values[1] = keyLabelsJsonb(&snap[i].key);
		values[2] = Int64GetDatum(snap[i].bytes);
		values[3] = Int64GetDatum(snap[i].spans);
		values[4] = TimestampTzGetDatum(snap[i].last_seen);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* {"reason": n, ...} of the non-zero counts */
static Datum
reasonsJsonb(const int64 *counts, const char *const *names, int n)
{
	JsonbParseState *ps = NULL;
	int			i;

	(void) pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
	for (i = 0; i < n; i++)
		if (counts[i] != 0)
			pushInt(&ps, names[i], counts[i]);
	return JsonbPGetDatum(JsonbValueToJsonb(pushJsonbValue(&ps, WJB_END_OBJECT, NULL)));
}

/* A histogram as {"300": n, "1800": n, "3600": n, "+Inf": n, "sum": s, "count": c}, cumulative. */
static Datum
histogramJsonb(const int64 *buckets, double sum)
{
	JsonbParseState *ps = NULL;
	JsonbValue	v;
	int64		cum = 0;
	char		name[16];
	int			b;

	(void) pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
	for (b = 0; b < QUALITY_NUM_BUCKETS; b++)
	{
		cum += buckets[b];
		/* the key is referenced, not copied, until the end */
		snprintf(name, sizeof(name), "%d", QualityBucketBounds[b]);
		pushInt(&ps, pstrdup(name), cum);
	}
	cum += buckets[QUALITY_NUM_BUCKETS];
	pushInt(&ps, "+Inf", cum);
	pushInt(&ps, "count", cum);
	pushString(&ps, WJB_KEY, "sum");
	v.type = jbvNumeric;
	v.val.numeric = DatumGetNumeric(DirectFunctionCall1(float8_numeric, Float8GetDatum(sum)));
	(void) pushJsonbValue(&ps, WJB_VALUE, &v);
	return JsonbPGetDatum(JsonbValueToJsonb(pushJsonbValue(&ps, WJB_END_OBJECT, NULL)));
}

/*
 * tempo.ingest_quality_counters() RETURNS TABLE(tenant text, requests
 *	 bigint, ingress_bytes bigint, bytes_received bigint, spans_received
 *	 bigint, spans_accepted bigint, spans_rejected bigint, rejected_by_reason
 *	 jsonb, attributes_truncated bigint, warnings jsonb,
 *	 distance_in_future jsonb, distance_in_past jsonb)
 */
Datum
tempo_ingest_quality_counters(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	UsageTenant *tenants;
	int			n;
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	tenants = QualitySnapshot(&n);
	for (i = 0; i < n; i++)
	{
		const QualityCounters *q = &tenants[i].q;
		Datum		values[12];
		bool		nulls[12];

		memset(nulls, 0, sizeof(nulls));
		values[0] = CStringGetTextDatum(tenants[i].name);
		values[1] = Int64GetDatum(q->requests);
		values[2] = Int64GetDatum(q->ingress_bytes);
		values[3] = Int64GetDatum(q->bytes_received);
		values[4] = Int64GetDatum(q->spans_received);
		values[5] = Int64GetDatum(q->spans_accepted);
		values[6] = Int64GetDatum(q->spans_rejected);
		values[7] = reasonsJsonb(q->discarded, QualityDiscardReasonNames,
								 QUALITY_NUM_DISCARD_REASONS);
		values[8] = Int64GetDatum(q->attributes_truncated);
		values[9] = reasonsJsonb(q->warnings, QualityWarningNames, QUALITY_NUM_WARNINGS);
		values[10] = histogramJsonb(q->future, q->future_sum);
		values[11] = histogramJsonb(q->past, q->past_sum);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

static int
cmpSnapshot(const void *a, const void *b)
{
	const UsageKey *ka = &((const UsageSnapshotEntry *) a)->key;
	const UsageKey *kb = &((const UsageSnapshotEntry *) b)->key;
	int			c = memcmp(ka->data, kb->data, Min(ka->len, kb->len));

	if (c != 0)
		return c;
	return (ka->len > kb->len) - (ka->len < kb->len);
}

/*
 * The label set of a series: its dimension labels (sorted) merged with
 * tenant and tracker, in name order.
 */
static void
appendSeriesLabels(StringInfo buf, const UsageKey *key)
{
	const char *fixed_names[2] = {"tenant", "tracker"};
	const char *fixed_values[2] = {key->data, "cost-attribution"};
	const char *p = UsageKeyNext(key, key->data);
	int			f = 0;
	bool		first = true;

	appendStringInfoChar(buf, '{');
	for (;;)
	{
		const char *name;
		const char *value;

		if (p != NULL && (f >= 2 || strcmp(p, fixed_names[f]) < 0))
		{
			name = p;
			value = UsageKeyNext(key, p);
			if (value == NULL)
				break;
			p = UsageKeyNext(key, value);
		}
		else if (f < 2)
		{
			name = fixed_names[f];
			value = fixed_values[f];
			f++;
		}
		else
			break;
		appendStringInfo(buf, "%s%s=\"", first ? "" : ",", name);
		UsageAppendLabelValue(buf, value);
		appendStringInfoChar(buf, '"');
		first = false;
	}
	appendStringInfoChar(buf, '}');
}

/*
 * Append the usage tracker's series in the Prometheus text format, sorted
 * by key.  Meant for GET /usage_metrics.  Purges stale series first.
 */
void
UsageAppendMetrics(StringInfo buf)
{
	UsageSnapshotEntry *snap;
	int			n;
	int			i;

	UsagePurgeStale(GetCurrentTimestamp());
	snap = UsageSnapshot(&n);
	if (n > 1)
		qsort(snap, n, sizeof(UsageSnapshotEntry), cmpSnapshot);

	appendStringInfoString(buf,
						   "# HELP tempo_usage_tracker_bytes_received_total bytes total received with these attributes\n"
						   "# TYPE tempo_usage_tracker_bytes_received_total counter\n");
	for (i = 0; i < n; i++)
	{
		appendStringInfoString(buf, "tempo_usage_tracker_bytes_received_total");
		appendSeriesLabels(buf, &snap[i].key);
		appendStringInfo(buf, " " INT64_FORMAT "\n", snap[i].bytes);
	}
	appendStringInfoString(buf,
						   "# HELP tempo_usage_tracker_spans_received_total spans total received with these attributes\n"
						   "# TYPE tempo_usage_tracker_spans_received_total counter\n");
	for (i = 0; i < n; i++)
	{
		appendStringInfoString(buf, "tempo_usage_tracker_spans_received_total");
		appendSeriesLabels(buf, &snap[i].key);
		appendStringInfo(buf, " " INT64_FORMAT "\n", snap[i].spans);
	}
	if (snap)
		pfree(snap);
}

/* tempo.usage_metrics_text() RETURNS text: the body of GET /usage_metrics */
Datum
tempo_usage_metrics_text(PG_FUNCTION_ARGS)
{
	StringInfoData buf;

	initStringInfo(&buf);
	UsageAppendMetrics(&buf);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(buf.data, buf.len));
}

/* tempo.quality_metrics_text() RETURNS text: our part of GET /metrics */
Datum
tempo_quality_metrics_text(PG_FUNCTION_ARGS)
{
	StringInfoData buf;

	initStringInfo(&buf);
	QualityAppendMetrics(&buf);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(buf.data, buf.len));
}
