/*-------------------------------------------------------------------------
 *
 * usage.h
 *	  Cost attribution (Tempo's usage tracker): bytes and spans received,
 *	  broken down by configured attribute dimensions, per tenant.
 *
 * Callers (tempo.ingest and the ingest workers) hand every decoded OTLP
 * request that passed the request limits to UsageTrackRequest(), before
 * the spans are validated and stored, as Tempo's distributor does.  The
 * call does nothing unless tempo.cost_attribution_enabled is on, a
 * dimension is configured and the library was preloaded.
 *
 * Attribution (Tempo 2.9): per ResourceSpans, each span is charged its
 * framed protobuf size (tag + length varint + message) plus an even share,
 * rounded half to even, of the batch's remaining bytes (resource, scope
 * messages, schema URLs, framing of the ScopeSpans); the rounding
 * remainder, possibly negative, goes to the batch's first span.  The
 * series of a tenant therefore sum to the sum of the ResourceSpans
 * message sizes, i.e. the request's protobuf size minus the framing of
 * each ResourceSpans (1 byte tag + its length varint).
 *
 * Dimensions (tempo.cost_attribution_dimensions): "attr" or "attr=label",
 * comma separated.  "resource.attr" looks at resource attributes only,
 * "span.attr" at span attributes only, a bare "attr" at both, the span's
 * value winning.  Only non-empty string values count; a span without one
 * gets "__missing__".  Labels are sanitised to Prometheus label names,
 * deduplicated (several attributes may feed one label: the last matching
 * attribute wins, span attributes after resource attributes) and sorted.
 *
 * Each tenant has at most tempo.cost_attribution_max_cardinality series;
 * the bytes of new label sets past that go to one overflow series whose
 * every label is "__overflow__".  Series not updated for
 * tempo.cost_attribution_stale_duration disappear from the live views and
 * are purged once their counts are in tempo.usage_history.
 *
 * Hot path: a request is attributed into a backend-local table first; the
 * shared table is locked once per request to merge it.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/usage.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef USAGE_H
#define USAGE_H

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/guc.h"

#include "otlp.h"

/* Value of a dimension a span lacks, and of every label of the overflow. */
#define USAGE_MISSING	"__missing__"
#define USAGE_OVERFLOW	"__overflow__"

/* in usage_config.c: hooks of tempo.cost_attribution_dimensions */
extern bool usage_check_dimensions(char **newval, void **extra, GucSource source);
extern void usage_assign_dimensions(const char *newval, void *extra);

/* in usage_settings.c */
extern void UsageDefineSettingAliases(void);

/* in usage_track.c */
extern void UsageTrackRequest(const OtlpRequest *req, const char *tenant);
extern void UsageAppendMetrics(StringInfo buf);

/* in usage_worker.c */
extern PGDLLEXPORT void usage_history_worker_main(Datum main_arg);

#endif							/* USAGE_H */
