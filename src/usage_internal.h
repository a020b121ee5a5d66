/*-------------------------------------------------------------------------
 *
 * usage_internal.h
 *	  Shared-memory layout and helpers shared by the usage_* and quality_*
 *	  files; not an API for other subsystems (see usage.h, quality.h).
 *
 * Shared memory holds two fixed-size hash tables under one LWLock:
 *	- series: key = tenant, then label name/value pairs (see UsageKey),
 *	  counting bytes and spans, with the part already written to
 *	  tempo.usage_history;
 *	- tenants: per tenant the number of (non-overflow) series and the
 *	  quality counters.
 * Both are sized at postmaster start: series for twice the
 * tempo.cost_attribution_max_cardinality of that moment (at least
 * USAGE_MIN_SERIES), tenants for USAGE_MAX_TENANTS.  When the series table
 * is full, new label sets of every tenant go to its overflow series; past
 * USAGE_MAX_TENANTS tenants, further tenants are counted under the tenant
 * USAGE_OVERFLOW.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/usage_internal.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef USAGE_INTERNAL_H
#define USAGE_INTERNAL_H

#include "datatype/timestamp.h"
#include "port/atomics.h"
#include "storage/lwlock.h"
#include "utils/hsearch.h"

#include "quality.h"
#include "usage.h"

/* Limits of the dimension configuration (checked by the GUC hook). */
#define USAGE_MAX_DIMENSIONS	16
#define USAGE_MAX_ATTR_LEN		127 /* bytes of an attribute name */
#define USAGE_MAX_LABEL_LEN		63	/* bytes of a label name */
#define USAGE_MAX_NAMES_BYTES	128 /* all label names, each + 1 */

/* Series key: the longest label value kept, and the whole key. */
#define USAGE_MAX_VALUE_LEN		128
#define USAGE_KEY_LEN			512
#define USAGE_TENANT_LEN		(OTLP_MAX_TENANT_LEN + 1)

#define USAGE_MIN_SERIES		1024
#define USAGE_MAX_TENANTS		512

/* Scope of a dimension. */
#define USAGE_SCOPE_RESOURCE	'r'
#define USAGE_SCOPE_SPAN		's'
#define USAGE_SCOPE_ANY			'u'

typedef struct UsageDimension
{
	char		scope;			/* USAGE_SCOPE_* */
	int			label;			/* index into UsageConfig.labels */
	char		attr[USAGE_MAX_ATTR_LEN + 1];
} UsageDimension;

/* Parsed tempo.cost_attribution_dimensions (the GUC's "extra"). */
typedef struct UsageConfig
{
	int			ndims;
	int			nlabels;		/* distinct labels, sorted by name */
	UsageDimension dims[USAGE_MAX_DIMENSIONS];
	char		labels[USAGE_MAX_DIMENSIONS][USAGE_MAX_LABEL_LEN + 1];
} UsageConfig;

/*
 * A series key: "tenant\0name1\0value1\0name2\0value2\0..." with names in
 * label order.  Names and values never contain a zero byte, so the
 * encoding is unambiguous.  Only the first len bytes count (hash and
 * comparison use usage_key_hash/usage_key_cmp).
 */
typedef struct UsageKey
{
	uint32		len;
	char		data[USAGE_KEY_LEN];
} UsageKey;

typedef struct UsageSeries
{
	UsageKey	key;			/* hash key, first */
	int64		bytes;
	int64		spans;
	int64		flushed_bytes;	/* part already in tempo.usage_history */
	int64		flushed_spans;
	TimestampTz last_seen;
	bool		overflow;		/* the tenant's overflow series */
} UsageSeries;

/* Quality counters of one tenant. */
typedef struct QualityCounters
{
	int64		requests;
	int64		ingress_bytes;
	int64		bytes_received;
	int64		spans_received;
	int64		spans_accepted;
	int64		spans_rejected;
	int64		attributes_truncated;
	int64		discarded[QUALITY_NUM_DISCARD_REASONS];
	int64		warnings[QUALITY_NUM_WARNINGS];
	/* histograms: per bucket (not cumulative), the last one is +Inf */
	int64		future[QUALITY_NUM_BUCKETS + 1];
	int64		past[QUALITY_NUM_BUCKETS + 1];
	double		future_sum;
	double		past_sum;
} QualityCounters;

typedef struct UsageTenant
{
	char		name[USAGE_TENANT_LEN]; /* hash key, first */
	int			nseries;		/* series excluding the overflow series */
	QualityCounters q;
} UsageTenant;

/* Ack latency of one protocol: per bucket (not cumulative), last +Inf. */
typedef struct QualityAckCounters
{
	pg_atomic_uint64 buckets[QUALITY_NUM_ACK_BUCKETS + 1];
	pg_atomic_uint64 sum_usecs;
} QualityAckCounters;

typedef struct UsageShared
{
	LWLock	   *lock;
	int			max_series;		/* capacity of the series table */
	int			nseries;		/* entries in it */
	uint64		generation;		/* bumped when series entries are removed */
	bool		history_active; /* a worker flushes to tempo.usage_history */
	QualityAckCounters ack[QUALITY_NUM_PROTOCOLS];	/* atomics, no lock */
} UsageShared;

/* One series as copied out of shared memory. */
typedef struct UsageSnapshotEntry
{
	UsageKey	key;
	int64		bytes;
	int64		spans;
	TimestampTz last_seen;
} UsageSnapshotEntry;

/* in quality_ack.c */
extern void QualityAckInit(QualityAckCounters *ack);

/* in usage_config.c */
extern UsageConfig *usage_config;
extern bool UsageTrackingEnabled(void);
extern int64 UsageStaleUsecs(void);

/* in usage_shmem.c */
extern UsageShared *usage_shared;
extern HTAB *usage_series;
extern HTAB *usage_tenants;
extern uint32 usage_key_hash(const void *key, Size keysize);
extern int	usage_key_cmp(const void *key1, const void *key2, Size keysize);
extern UsageTenant *UsageGetTenant(const char *tenant);
extern void UsagePurgeStale(TimestampTz now);
extern UsageSnapshotEntry *UsageSnapshot(int *count);
extern UsageSnapshotEntry *UsageTakeDeltas(int *count);
extern UsageTenant *QualitySnapshot(int *count);

/* in usage_track.c */
extern int64 UsageRequestBytes(const OtlpRequest *req);

/* in usage_funcs.c */
extern void UsageAppendLabelValue(StringInfo buf, const char *s);
extern const char *UsageKeyNext(const UsageKey *key, const char *p);

#endif							/* USAGE_INTERNAL_H */
