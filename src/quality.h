/*-------------------------------------------------------------------------
 *
 * quality.h
 *	  Ingest and trace-quality counters per tenant (Tempo 2.9's distributor
 *	  metrics), kept in shared memory next to the usage tracker.
 *
 * Who calls what:
 *	- QualityTrackRequest() once per decoded request that was stored (or
 *	  that the store tried), after OtlpStoreRequest() filled *stats: counts
 *	  ingress and received bytes (the request's protobuf size), spans
 *	  received/accepted/rejected by reason, attributes truncated, and
 *	  observes every valid span's end time in the future/past distance
 *	  histograms.
 *	- QualityTrackDiscarded() for a request refused before it was stored
 *	  (rate limited, too large, internal error): counts its ingress bytes
 *	  and its spans as discarded with the reason.
 *	- QualityCountWarning() for rootless/disconnected traces found when
 *	  compacting, and for spans outside the ingestion time slack.
 *	- QualityObserveAck() by an ingest worker for every queued request it
 *	  answered (quality_ack.c).
 * All of them do nothing when the library was not preloaded.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/quality.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef QUALITY_H
#define QUALITY_H

#include "lib/stringinfo.h"

#include "otlp.h"

/*
 * Reasons of tempo_discarded_spans_total.  The first ones are Tempo's;
 * the invalid_* ones are our per-span validation (Tempo refuses the whole
 * request instead), in the order of OtlpRejectReason.
 */
typedef enum QualityDiscardReason
{
	QUALITY_DISCARD_RATE_LIMITED = 0,
	QUALITY_DISCARD_TRACE_TOO_LARGE,
	QUALITY_DISCARD_LIVE_TRACES_EXCEEDED,
	QUALITY_DISCARD_UNKNOWN_ERROR,
	QUALITY_DISCARD_REQUEST_TOO_LARGE,
	QUALITY_DISCARD_INVALID_TRACE_ID,
	QUALITY_DISCARD_INVALID_SPAN_ID,
	QUALITY_DISCARD_INVALID_PARENT_SPAN_ID,
	QUALITY_DISCARD_INVALID_TIME,
	QUALITY_NUM_DISCARD_REASONS
} QualityDiscardReason;

/* Reasons of tempo_warnings_total. */
typedef enum QualityWarning
{
	QUALITY_WARN_OUTSIDE_INGESTION_TIME_SLACK = 0,
	QUALITY_WARN_ROOTLESS_TRACE,
	QUALITY_WARN_DISCONNECTED_TRACE,
	QUALITY_NUM_WARNINGS
} QualityWarning;

/* Upper bounds (seconds) of the distance histograms, +Inf implied. */
#define QUALITY_NUM_BUCKETS 3
extern const int QualityBucketBounds[QUALITY_NUM_BUCKETS];

/* Ack latency histogram (quality_ack.c): per protocol. */
typedef enum QualityProtocol
{
	QUALITY_PROTOCOL_HTTP = 0,
	QUALITY_PROTOCOL_GRPC,
	QUALITY_NUM_PROTOCOLS
} QualityProtocol;

#define QUALITY_NUM_ACK_BUCKETS 11
extern const double QualityAckBucketBounds[QUALITY_NUM_ACK_BUCKETS];

extern const char *const QualityDiscardReasonNames[QUALITY_NUM_DISCARD_REASONS];
extern const char *const QualityWarningNames[QUALITY_NUM_WARNINGS];

/* in quality_track.c */
extern void QualityTrackRequest(const OtlpRequest *req, const char *tenant,
								const OtlpIngestStats *stats);
extern void QualityTrackDiscarded(const char *tenant, QualityDiscardReason reason,
								  int64 spans, int64 ingress_bytes);
extern void QualityCountWarning(const char *tenant, QualityWarning reason, int64 n);
extern void QualityAppendMetrics(StringInfo buf);

/* in quality_ack.c */
extern void QualityObserveAck(QualityProtocol protocol, int64 usecs);
extern void QualityAppendAckMetrics(StringInfo buf);

#endif							/* QUALITY_H */
