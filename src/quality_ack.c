/*-------------------------------------------------------------------------
 *
 * quality_ack.c
 *	  Ack latency of the ingest workers: a histogram per protocol of the
 *	  time from a request's arrival to its answer.
 *
 * The worker observes every request it queued once the request's batch
 * is committed (or failed) and the answer is handed to the connection, so
 * the figure is what a client waits for an acknowledgement, group commit
 * included.  Requests refused before queueing (413, 415, 429...) are not
 * observed: they are answered at once.
 *
 * The counters are atomics in the usage tracker's shared memory, so
 * observing takes no lock.  Buckets are Prometheus' default ones.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/quality_ack.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "usage_internal.h"

const double QualityAckBucketBounds[QUALITY_NUM_ACK_BUCKETS] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
};

static const char *const QualityProtocolNames[QUALITY_NUM_PROTOCOLS] = {
	"http",
	"grpc"
};

/* Set the counters to zero (shared memory initialisation). */
void
QualityAckInit(QualityAckCounters *ack)
{
	int			p,
				b;

	for (p = 0; p < QUALITY_NUM_PROTOCOLS; p++)
	{
		for (b = 0; b <= QUALITY_NUM_ACK_BUCKETS; b++)
			pg_atomic_init_u64(&ack[p].buckets[b], 0);
		pg_atomic_init_u64(&ack[p].sum_usecs, 0);
	}
}

/* Observe the answer to one queued request, usecs after it arrived. */
void
QualityObserveAck(QualityProtocol protocol, int64 usecs)
{
	QualityAckCounters *ack;
	int			b;

	if (usage_shared == NULL || protocol < 0 || protocol >= QUALITY_NUM_PROTOCOLS)
		return;
	if (usecs < 0)				/* the clock went back */
		usecs = 0;
	ack = &usage_shared->ack[protocol];
	for (b = 0; b < QUALITY_NUM_ACK_BUCKETS; b++)
		if ((double) usecs <= QualityAckBucketBounds[b] * USECS_PER_SEC)
			break;
	pg_atomic_fetch_add_u64(&ack->buckets[b], 1);
	pg_atomic_fetch_add_u64(&ack->sum_usecs, (uint64) usecs);
}

/* Append tempo_ingest_ack_duration_seconds in the Prometheus text format. */
void
QualityAppendAckMetrics(StringInfo buf)
{
	const char *name = "tempo_ingest_ack_duration_seconds";
	int			p,
				b;

	if (usage_shared == NULL)
		return;
	appendStringInfo(buf, "# HELP %s Time from the arrival of an ingest request to its answer, "
					 "after the commit of its batch.\n# TYPE %s histogram\n", name, name);
	for (p = 0; p < QUALITY_NUM_PROTOCOLS; p++)
	{
		QualityAckCounters *ack = &usage_shared->ack[p];
		uint64		cum = 0;

		for (b = 0; b <= QUALITY_NUM_ACK_BUCKETS; b++)
		{
			cum += pg_atomic_read_u64(&ack->buckets[b]);
			if (b < QUALITY_NUM_ACK_BUCKETS)
				appendStringInfo(buf, "%s_bucket{protocol=\"%s\",le=\"%g\"} " UINT64_FORMAT "\n",
								 name, QualityProtocolNames[p], QualityAckBucketBounds[b], cum);
			else
				appendStringInfo(buf, "%s_bucket{protocol=\"%s\",le=\"+Inf\"} " UINT64_FORMAT "\n",
								 name, QualityProtocolNames[p], cum);
		}
		appendStringInfo(buf, "%s_sum{protocol=\"%s\"} %.6f\n", name, QualityProtocolNames[p],
						 (double) pg_atomic_read_u64(&ack->sum_usecs) / USECS_PER_SEC);
		appendStringInfo(buf, "%s_count{protocol=\"%s\"} " UINT64_FORMAT "\n",
						 name, QualityProtocolNames[p], cum);
	}
}
