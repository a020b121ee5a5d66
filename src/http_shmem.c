/*-------------------------------------------------------------------------
 *
 * http_shmem.c
 *	  Ingest counters in shared memory and their Prometheus text form.
 *
 * Every ingest worker adds to the same set of atomic counters, so a
 * scrape of GET /metrics on any worker (they share the port) reports the
 * totals of all of them.  The counters are plain pg_atomic_uint64 values
 * in one struct reserved through shmem_request_hook; they start at zero
 * when the server starts, as Prometheus counters may.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/http_shmem.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "port/atomics.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"

#include "http_internal.h"

typedef struct HttpCounters
{
	pg_atomic_uint64 requests[HTTP_NUM_PROTOCOLS][HTTP_NUM_STATUSES];
	pg_atomic_uint64 spans_accepted;
	pg_atomic_uint64 commits;
	pg_atomic_uint64 committed_requests;
} HttpCounters;

static HttpCounters *httpCounters = NULL;

static const char *const grpcCodeNames[GRPC_NUM_CODES] = {
	"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
	"NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
	"FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED",
	"INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"
};

/* shmem_request_hook part: reserve the counters. */
void
HttpShmemRequest(void)
{
	RequestAddinShmemSpace(MAXALIGN(sizeof(HttpCounters)));
}

/* shmem_startup_hook part: attach to (and on first use zero) the counters. */
void
HttpShmemStartup(void)
{
	bool		found;
	int			i,
				j;

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	httpCounters = ShmemInitStruct("tempo ingest counters",
								   sizeof(HttpCounters), &found);
	if (!found)
	{
		for (i = 0; i < HTTP_NUM_PROTOCOLS; i++)
			for (j = 0; j < HTTP_NUM_STATUSES; j++)
				pg_atomic_init_u64(&httpCounters->requests[i][j], 0);
		pg_atomic_init_u64(&httpCounters->spans_accepted, 0);
		pg_atomic_init_u64(&httpCounters->commits, 0);
		pg_atomic_init_u64(&httpCounters->committed_requests, 0);
	}
	LWLockRelease(AddinShmemInitLock);
}

/* Count one answered request. */
void
HttpCountRequest(HttpProtocol protocol, HttpStatus status)
{
	if (httpCounters == NULL)
		return;
	pg_atomic_fetch_add_u64(&httpCounters->requests[protocol][status], 1);
}

/*
 * Count the accepted spans of one stored request.  Bytes, received and
 * rejected spans and truncations are counted per tenant by the quality
 * tracker (quality_track.c).
 */
void
HttpCountIngest(const OtlpIngestStats *stats, size_t bytes)
{
	if (httpCounters == NULL)
		return;
	pg_atomic_fetch_add_u64(&httpCounters->spans_accepted, stats->spans_accepted);
}

/* Count one group commit covering nrequests stored requests. */
void
HttpCountCommit(int nrequests)
{
	if (httpCounters == NULL)
		return;
	pg_atomic_fetch_add_u64(&httpCounters->commits, 1);
	pg_atomic_fetch_add_u64(&httpCounters->committed_requests, nrequests);
}

static void
metricHeader(StringInfo out, const char *name, const char *help)
{
	appendStringInfo(out, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
}

static void
metricValue(StringInfo out, const char *name, pg_atomic_uint64 *v)
{
	appendStringInfo(out, "%s " UINT64_FORMAT "\n", name, pg_atomic_read_u64(v));
}

/* Append the counters in the Prometheus text exposition format to out. */
void
HttpMetricsText(StringInfo out)
{
	uint64		grpc[GRPC_NUM_CODES];
	int			s;
	int			i;

	if (httpCounters == NULL)
		return;

	metricHeader(out, "tempo_ingest_requests_total",
				 "OTLP requests answered, by protocol and response code.");
	for (s = 0; s < HTTP_NUM_STATUSES; s++)
	{
		uint64		n = pg_atomic_read_u64(&httpCounters->requests[HTTP_PROTOCOL_HTTP][s]);

		if (n > 0 || s == HTTP_STATUS_OK)
			appendStringInfo(out,
							 "tempo_ingest_requests_total{protocol=\"http\",code=\"%d\"} " UINT64_FORMAT "\n",
							 HttpStatusHttpCode((HttpStatus) s), n);
	}
	/* several statuses share a gRPC code: add them up per code */
	memset(grpc, 0, sizeof(grpc));
	for (s = 0; s < HTTP_NUM_STATUSES; s++)
		grpc[HttpStatusGrpcCode((HttpStatus) s)] +=
			pg_atomic_read_u64(&httpCounters->requests[HTTP_PROTOCOL_GRPC][s]);
	for (i = 0; i < GRPC_NUM_CODES; i++)
		if (grpc[i] > 0 || i == GRPC_OK)
			appendStringInfo(out,
							 "tempo_ingest_requests_total{protocol=\"grpc\",code=\"%s\"} " UINT64_FORMAT "\n",
							 grpcCodeNames[i], grpc[i]);

	/*
	 * tempo_distributor_* and tempo_discarded_spans_total are emitted per
	 * tenant by QualityAppendMetrics (quality_track.c), appended to the same
	 * exposition; a family may appear only once.
	 */
	metricHeader(out, "tempo_ingest_spans_accepted_total",
				 "Spans stored and acknowledged.");
	metricValue(out, "tempo_ingest_spans_accepted_total",
				&httpCounters->spans_accepted);

	metricHeader(out, "tempo_ingest_commits_total",
				 "Transactions committed by the ingest workers (group commits).");
	metricValue(out, "tempo_ingest_commits_total", &httpCounters->commits);

	metricHeader(out, "tempo_ingest_committed_requests_total",
				 "Requests acknowledged after a group commit.");
	metricValue(out, "tempo_ingest_committed_requests_total",
				&httpCounters->committed_requests);
}
