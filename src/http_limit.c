/*-------------------------------------------------------------------------
 *
 * http_limit.c
 *	  Per-tenant ingestion rate limit of an ingest worker (token bucket).
 *
 * Tempo limits each tenant to tempo.ingest_rate_limit_bytes per second
 * with bursts up to tempo.ingest_burst_size_bytes (defaults 15 MB/s and
 * 20 MB, Tempo's ingestion.rate_limit_bytes and burst_size_bytes).  Like
 * Tempo's default "local" strategy the bucket is per receiver, here per
 * worker process: with N workers a tenant may reach N times the rate.
 * A request is charged its payload size after decompression; a request
 * larger than the burst can never pass and is refused outright.
 *
 * Buckets live in a worker-local hash table; when it holds too many
 * tenants (random X-Scope-OrgID values) it is emptied, which only ever
 * makes the limiter more lenient.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/http_limit.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "http_internal.h"

/* emptied when it holds more tenants than this */
#define HTTP_LIMIT_MAX_TENANTS	10000

/* longest Retry-After we ask for, in seconds */
#define HTTP_LIMIT_MAX_RETRY_AFTER	60

typedef struct TenantBucket
{
	char		tenant[OTLP_MAX_TENANT_LEN + 1];	/* hash key */
	double		tokens;			/* bytes available */
	TimestampTz last;			/* when tokens was computed */
} TenantBucket;

static HTAB *buckets = NULL;

static void
createBuckets(void)
{
	HASHCTL		ctl;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = OTLP_MAX_TENANT_LEN + 1;
	ctl.entrysize = sizeof(TenantBucket);
	ctl.hcxt = TopMemoryContext;
	buckets = hash_create("tempo ingest rate limits", 64, &ctl,
						  HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
}

/*
 * Charge bytes to tenant's bucket.  Returns true when the request may
 * pass; otherwise false with *retry_after set to the seconds after which
 * it would (at least 1).
 */
bool
HttpRateLimitAdmit(const char *tenant, size_t bytes, int *retry_after)
{
	TenantBucket *b;
	bool		found;
	TimestampTz now = GetCurrentTimestamp();
	double		rate = (double) tempo_ingest_rate_limit_bytes;
	double		burst = (double) tempo_ingest_burst_size_bytes;
	char		key[OTLP_MAX_TENANT_LEN + 1];
	double		wait;

	*retry_after = 1;
	if (buckets == NULL)
		createBuckets();
	if (hash_get_num_entries(buckets) >= HTTP_LIMIT_MAX_TENANTS)
	{
		hash_destroy(buckets);
		createBuckets();
	}

	strlcpy(key, tenant, sizeof(key));
	b = (TenantBucket *) hash_search(buckets, key, HASH_ENTER, &found);
	if (!found)
	{
		b->tokens = burst;
		b->last = now;
	}
	else if (now > b->last)
	{
		b->tokens = Min(burst, b->tokens + rate * (double) (now - b->last) / USECS_PER_SEC);
		b->last = now;
	}
	if (b->tokens > burst)
		b->tokens = burst;		/* the burst setting was lowered */

	if ((double) bytes > burst)
	{
		/* can never pass; ask for a long pause */
		*retry_after = HTTP_LIMIT_MAX_RETRY_AFTER;
		return false;
	}
	if ((double) bytes <= b->tokens)
	{
		b->tokens -= (double) bytes;
		return true;
	}
	wait = ceil(((double) bytes - b->tokens) / Max(rate, 1.0));
	*retry_after = (int) Max(1.0, Min(wait, (double) HTTP_LIMIT_MAX_RETRY_AFTER));
	return false;
}
