/*-------------------------------------------------------------------------
 *
 * quality_track.c
 *	  Ingest and trace-quality counters: counting, and their Prometheus
 *	  text (Tempo 2.9 metric names).
 *
 * Counting follows the usage tracker's pattern: everything about a request
 * is computed locally, then added to the tenant's shared counters under
 * one short exclusive lock.
 *
 * Timestamp distance (Tempo 2.9): a span whose end time, truncated to
 * whole seconds, is after the current time (whole seconds) is observed in
 * tempo_spans_distance_in_future_seconds with end - now; every other
 * span in tempo_spans_distance_in_past_seconds with now - end (0
 * included).  Only valid spans (those that can be stored) are observed.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/quality_track.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/timestamp.h"

#include "usage_internal.h"

const int	QualityBucketBounds[QUALITY_NUM_BUCKETS] = {300, 1800, 3600};

const char *const QualityDiscardReasonNames[QUALITY_NUM_DISCARD_REASONS] = {
	"rate_limited",
	"trace_too_large",
	"live_traces_exceeded",
	"unknown_error",
	"request_too_large",
	"invalid_trace_id",
	"invalid_span_id",
	"invalid_parent_span_id",
	"invalid_time"
};

const char *const QualityWarningNames[QUALITY_NUM_WARNINGS] = {
	"outside_ingestion_time_slack",
	"rootless_trace",
	"disconnected_trace"
};

StaticAssertDecl(OTLP_NUM_REJECT_REASONS == 4 &&
				 QUALITY_DISCARD_INVALID_TIME - QUALITY_DISCARD_INVALID_TRACE_ID == 3,
				 "invalid_* discard reasons must follow OtlpRejectReason");

static void
observe(int64 *buckets, double *sum, int64 seconds)
{
	int			b;

	for (b = 0; b < QUALITY_NUM_BUCKETS; b++)
		if (seconds <= QualityBucketBounds[b])
			break;
	buckets[b]++;
	*sum += (double) seconds;
}

/* Current time in whole seconds since the Unix epoch. */
static int64
unixNowSeconds(void)
{
	TimestampTz now = GetCurrentTimestamp();

	return now / USECS_PER_SEC +
		(int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY;
}

/*
 * Count a request that went through validation and storage; *stats is
 * what OtlpConvertRequest/OtlpStoreRequest counted.
 */
void
QualityTrackRequest(const OtlpRequest *req, const char *tenant,
					const OtlpIngestStats *stats)
{
	QualityCounters local;
	UsageTenant *t;
	int64		now_s;
	int64		bytes;
	size_t		r,
				s,
				i;
	int			b;

	if (usage_shared == NULL || req == NULL)
		return;

	memset(&local, 0, sizeof(local));
	bytes = UsageRequestBytes(req);
	now_s = unixNowSeconds();
	for (r = 0; r < req->n_resource_spans; r++)
	{
		const OtlpResourceSpans *rs = req->resource_spans[r];

		for (s = 0; s < rs->n_scope_spans; s++)
		{
			const OtlpScopeSpans *ss = rs->scope_spans[s];

			for (i = 0; i < ss->n_spans; i++)
			{
				const OtlpSpan *span = ss->spans[i];
				OtlpRejectReason reason;
				int64		end_s;

				CHECK_FOR_INTERRUPTS();
				if (!OtlpSpanIsValid(span, &reason))
					continue;
				end_s = (int64) (span->end_time_unix_nano / UINT64CONST(1000000000));
				if (end_s > now_s)
					observe(local.future, &local.future_sum, end_s - now_s);
				else
					observe(local.past, &local.past_sum, now_s - end_s);
			}
		}
	}

	LWLockAcquire(usage_shared->lock, LW_EXCLUSIVE);
	t = UsageGetTenant(tenant);
	t->q.requests++;
	t->q.ingress_bytes += bytes;
	t->q.bytes_received += bytes;
	if (stats != NULL)
	{
		t->q.spans_received += stats->spans_received;
		t->q.spans_accepted += stats->spans_accepted;
		t->q.spans_rejected += stats->spans_rejected;
		t->q.attributes_truncated += stats->truncated;
		for (b = 0; b < OTLP_NUM_REJECT_REASONS; b++)
			t->q.discarded[QUALITY_DISCARD_INVALID_TRACE_ID + b] += stats->rejected[b];
	}
	for (b = 0; b <= QUALITY_NUM_BUCKETS; b++)
	{
		t->q.future[b] += local.future[b];
		t->q.past[b] += local.past[b];
	}
	t->q.future_sum += local.future_sum;
	t->q.past_sum += local.past_sum;
	LWLockRelease(usage_shared->lock);
}

/*
 * Count a request refused before it was stored: its bytes as ingress
 * only, its spans as received and discarded with the reason.
 */
void
QualityTrackDiscarded(const char *tenant, QualityDiscardReason reason,
					  int64 spans, int64 ingress_bytes)
{
	UsageTenant *t;

	if (usage_shared == NULL || reason < 0 || reason >= QUALITY_NUM_DISCARD_REASONS)
		return;
	LWLockAcquire(usage_shared->lock, LW_EXCLUSIVE);
	t = UsageGetTenant(tenant);
	t->q.requests++;
	t->q.ingress_bytes += ingress_bytes;
	t->q.spans_received += spans;
	t->q.spans_rejected += spans;
	t->q.discarded[reason] += spans;
	LWLockRelease(usage_shared->lock);
}

/* Count n trace-quality warnings of a tenant. */
void
QualityCountWarning(const char *tenant, QualityWarning reason, int64 n)
{
	UsageTenant *t;

	if (usage_shared == NULL || reason < 0 || reason >= QUALITY_NUM_WARNINGS)
		return;
	LWLockAcquire(usage_shared->lock, LW_EXCLUSIVE);
	t = UsageGetTenant(tenant);
	t->q.warnings[reason] += n;
	LWLockRelease(usage_shared->lock);
}

static int
cmpTenants(const void *a, const void *b)
{
	return strcmp(((const UsageTenant *) a)->name, ((const UsageTenant *) b)->name);
}

static void
appendHeader(StringInfo buf, const char *name, const char *type, const char *help)
{
	appendStringInfo(buf, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
appendTenantCounter(StringInfo buf, const char *name, const char *tenant, int64 v)
{
	appendStringInfo(buf, "%s{tenant=\"", name);
	UsageAppendLabelValue(buf, tenant);
	appendStringInfo(buf, "\"} " INT64_FORMAT "\n", v);
}

static void
appendHistogram(StringInfo buf, const char *name, const char *help,
				const UsageTenant *tenants, int n, bool future)
{
	int			i,
				b;

	appendHeader(buf, name, "histogram", help);
	for (i = 0; i < n; i++)
	{
		const int64 *buckets = future ? tenants[i].q.future : tenants[i].q.past;
		double		sum = future ? tenants[i].q.future_sum : tenants[i].q.past_sum;
		int64		cum = 0;

		for (b = 0; b <= QUALITY_NUM_BUCKETS; b++)
		{
			cum += buckets[b];
			appendStringInfo(buf, "%s_bucket{tenant=\"", name);
			UsageAppendLabelValue(buf, tenants[i].name);
			if (b < QUALITY_NUM_BUCKETS)
				appendStringInfo(buf, "\",le=\"%d\"} " INT64_FORMAT "\n",
								 QualityBucketBounds[b], cum);
			else
				appendStringInfo(buf, "\",le=\"+Inf\"} " INT64_FORMAT "\n", cum);
		}
		appendStringInfo(buf, "%s_sum{tenant=\"", name);
		UsageAppendLabelValue(buf, tenants[i].name);
		appendStringInfo(buf, "\"} %.17g\n", sum);
		appendStringInfo(buf, "%s_count{tenant=\"", name);
		UsageAppendLabelValue(buf, tenants[i].name);
		appendStringInfo(buf, "\"} " INT64_FORMAT "\n", cum);
	}
}

static void
appendReasonCounter(StringInfo buf, const char *name, const char *help,
					const UsageTenant *tenants, int n, bool warnings)
{
	int			i,
				r;
	int			nreasons = warnings ? QUALITY_NUM_WARNINGS : QUALITY_NUM_DISCARD_REASONS;

	appendHeader(buf, name, "counter", help);
	for (i = 0; i < n; i++)
	{
		for (r = 0; r < nreasons; r++)
		{
			int64		v = warnings ? tenants[i].q.warnings[r] : tenants[i].q.discarded[r];

			if (v == 0)
				continue;
			appendStringInfo(buf, "%s{reason=\"%s\",tenant=\"", name,
							 warnings ? QualityWarningNames[r] : QualityDiscardReasonNames[r]);
			UsageAppendLabelValue(buf, tenants[i].name);
			appendStringInfo(buf, "\"} " INT64_FORMAT "\n", v);
		}
	}
}

/*
 * Append the quality metrics in the Prometheus text format (version
 * 0.0.4), tenants sorted by name.  Meant for GET /metrics.
 */
void
QualityAppendMetrics(StringInfo buf)
{
	UsageTenant *tenants;
	int			n;
	int			i;

	tenants = QualitySnapshot(&n);
	if (n > 1)
		qsort(tenants, n, sizeof(UsageTenant), cmpTenants);

	appendHistogram(buf, "tempo_spans_distance_in_future_seconds",
					"Distance in seconds of span end times in the future from the time they were received.",
					tenants, n, true);
	appendHistogram(buf, "tempo_spans_distance_in_past_seconds",
					"Distance in seconds of span end times in the past from the time they were received.",
					tenants, n, false);
	appendReasonCounter(buf, "tempo_discarded_spans_total",
						"The total number of spans discarded, by reason.",
						tenants, n, false);
	appendReasonCounter(buf, "tempo_warnings_total",
						"The total number of trace-quality warnings, by reason.",
						tenants, n, true);

	appendHeader(buf, "tempo_distributor_spans_received_total", "counter",
				 "The total number of spans received.");
	for (i = 0; i < n; i++)
		appendTenantCounter(buf, "tempo_distributor_spans_received_total",
							tenants[i].name, tenants[i].q.spans_received);
	appendHeader(buf, "tempo_distributor_bytes_received_total", "counter",
				 "The total number of proto bytes received, after limits.");
	for (i = 0; i < n; i++)
		appendTenantCounter(buf, "tempo_distributor_bytes_received_total",
							tenants[i].name, tenants[i].q.bytes_received);
	appendHeader(buf, "tempo_distributor_ingress_bytes_total", "counter",
				 "The total number of proto bytes received, before limits.");
	for (i = 0; i < n; i++)
		appendTenantCounter(buf, "tempo_distributor_ingress_bytes_total",
							tenants[i].name, tenants[i].q.ingress_bytes);
	appendHeader(buf, "tempo_distributor_attributes_truncated_total", "counter",
				 "The total number of attribute keys or values truncated.");
	for (i = 0; i < n; i++)
		appendTenantCounter(buf, "tempo_distributor_attributes_truncated_total",
							tenants[i].name, tenants[i].q.attributes_truncated);
	appendHeader(buf, "tempo_distributor_spans_accepted_total", "counter",
				 "The total number of spans stored.");
	for (i = 0; i < n; i++)
		appendTenantCounter(buf, "tempo_distributor_spans_accepted_total",
							tenants[i].name, tenants[i].q.spans_accepted);
	if (tenants)
		pfree(tenants);

	QualityAppendAckMetrics(buf);
}
