/*-------------------------------------------------------------------------
 *
 * usage_shmem.c
 *	  Shared memory of the usage tracker and quality counters: setup,
 *	  tenant lookup, stale purge and snapshots.
 *
 * Two fixed-size shared hash tables (see usage_internal.h) under one
 * LWLock of the tranche "tempo_usage".  Writers (one merge per request,
 * see usage_track.c and quality_track.c) take it exclusively for a short
 * time; readers copy what they need under a shared lock and format it
 * after releasing it.  Series keys are variable-length strings in a
 * fixed-size buffer, so the tables use their own hash and compare
 * functions that only look at the used part.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/usage_shmem.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "miscadmin.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "storage/shmem.h"
#include "utils/timestamp.h"

#include "tempo.h"
#include "usage_internal.h"

UsageShared *usage_shared = NULL;
HTAB	   *usage_series = NULL;
HTAB	   *usage_tenants = NULL;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;
static int	usage_capacity = 0;

uint32
usage_key_hash(const void *key, Size keysize)
{
	const UsageKey *k = (const UsageKey *) key;

	return hash_bytes((const unsigned char *) k->data, k->len);
}

int
usage_key_cmp(const void *key1, const void *key2, Size keysize)
{
	const UsageKey *a = (const UsageKey *) key1;
	const UsageKey *b = (const UsageKey *) key2;

	if (a->len != b->len)
		return 1;
	return memcmp(a->data, b->data, a->len);
}

static Size
usageShmemSize(void)
{
	Size		size = MAXALIGN(sizeof(UsageShared));

	size = add_size(size, hash_estimate_size(usage_capacity + USAGE_MAX_TENANTS + 1,
											 sizeof(UsageSeries)));
	size = add_size(size, hash_estimate_size(USAGE_MAX_TENANTS + 1,
											 sizeof(UsageTenant)));
	return size;
}

static void
usage_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(usageShmemSize());
	RequestNamedLWLockTranche("tempo_usage", 1);
}

static void
usage_shmem_startup(void)
{
	HASHCTL		ctl;
	bool		found;
	long		nseries = usage_capacity + USAGE_MAX_TENANTS + 1;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	usage_shared = ShmemInitStruct("tempo usage", sizeof(UsageShared), &found);
	if (!found)
	{
		memset(usage_shared, 0, sizeof(UsageShared));
		usage_shared->lock = &(GetNamedLWLockTranche("tempo_usage"))->lock;
		usage_shared->max_series = usage_capacity;
		QualityAckInit(usage_shared->ack);
	}

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(UsageKey);
	ctl.entrysize = sizeof(UsageSeries);
	ctl.hash = usage_key_hash;
	ctl.match = usage_key_cmp;
	usage_series = ShmemInitHash("tempo usage series", nseries, nseries, &ctl,
								 HASH_ELEM | HASH_FUNCTION | HASH_COMPARE);

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = USAGE_TENANT_LEN;
	ctl.entrysize = sizeof(UsageTenant);
	usage_tenants = ShmemInitHash("tempo usage tenants", USAGE_MAX_TENANTS + 1,
								  USAGE_MAX_TENANTS + 1, &ctl,
								  HASH_ELEM | HASH_STRINGS);
	LWLockRelease(AddinShmemInitLock);
}

/*
 * Set up shared memory and the history worker; called from _PG_init.
 * Without shared_preload_libraries there is no tracking: the SQL views
 * are empty and the tracking calls do nothing.
 */
void
UsageInit(void)
{
	BackgroundWorker worker;

	if (!process_shared_preload_libraries_in_progress)
		return;

	usage_capacity = Max(2 * tempo_cost_attribution_max_cardinality, USAGE_MIN_SERIES);
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = usage_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = usage_shmem_startup;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = 60;
	strlcpy(worker.bgw_library_name, "tempo", BGW_MAXLEN);
	strlcpy(worker.bgw_function_name, "usage_history_worker_main", BGW_MAXLEN);
	strlcpy(worker.bgw_name, "tempo usage history", BGW_MAXLEN);
	strlcpy(worker.bgw_type, "tempo usage history", BGW_MAXLEN);
	RegisterBackgroundWorker(&worker);
}

/*
 * The entry of a tenant, created if needed; past USAGE_MAX_TENANTS
 * tenants, the shared USAGE_OVERFLOW tenant.  Caller holds the lock
 * exclusively.
 */
UsageTenant *
UsageGetTenant(const char *tenant)
{
	char		name[USAGE_TENANT_LEN];
	UsageTenant *t;
	bool		found;

	strlcpy(name, tenant, sizeof(name));
	t = hash_search(usage_tenants, name, HASH_FIND, NULL);
	if (t != NULL)
		return t;
	if (hash_get_num_entries(usage_tenants) >= USAGE_MAX_TENANTS)
		strlcpy(name, USAGE_OVERFLOW, sizeof(name));
	t = hash_search(usage_tenants, name, HASH_ENTER, &found);
	if (!found)
	{
		t->nseries = 0;
		memset(&t->q, 0, sizeof(t->q));
	}
	return t;
}

/* The tenant part of a series key. */
static const char *
keyTenant(const UsageKey *key)
{
	return key->data;
}

/*
 * Remove series not updated within the stale duration whose counts are in
 * tempo.usage_history (or that nobody would write there).  Takes the lock.
 */
void
UsagePurgeStale(TimestampTz now)
{
	TimestampTz cutoff = now - UsageStaleUsecs();
	HASH_SEQ_STATUS seq;
	UsageSeries *s;
	bool		removed = false;

	if (usage_shared == NULL)
		return;
	LWLockAcquire(usage_shared->lock, LW_EXCLUSIVE);
	hash_seq_init(&seq, usage_series);
	while ((s = hash_seq_search(&seq)) != NULL)
	{
		UsageTenant *t;

		if (s->last_seen >= cutoff)
			continue;
		if (usage_shared->history_active &&
			(s->bytes != s->flushed_bytes || s->spans != s->flushed_spans))
			continue;
		if (!s->overflow)
		{
			t = hash_search(usage_tenants, keyTenant(&s->key), HASH_FIND, NULL);
			if (t == NULL)		/* counted under the overflow tenant */
				t = hash_search(usage_tenants, USAGE_OVERFLOW, HASH_FIND, NULL);
			if (t != NULL && t->nseries > 0)
				t->nseries--;
		}
		usage_shared->nseries--;
		hash_search(usage_series, &s->key, HASH_REMOVE, NULL);
		removed = true;
	}
	/* backends must not use shared entries they remember (usage_track.c) */
	if (removed)
		usage_shared->generation++;
	LWLockRelease(usage_shared->lock);
}

/*
 * Copy of series, palloc'd in the current memory context: every live (not
 * stale) one with its counts, or with deltas, every one with counts not
 * yet written to tempo.usage_history, which are marked written.
 */
static UsageSnapshotEntry *
copySeries(int *count, bool deltas)
{
	TimestampTz cutoff = deltas ? 0 : GetCurrentTimestamp() - UsageStaleUsecs();
	UsageSnapshotEntry *result;
	HASH_SEQ_STATUS seq;
	UsageSeries *s;
	int			n = 0;

	*count = 0;
	if (usage_shared == NULL)
		return NULL;
	LWLockAcquire(usage_shared->lock, deltas ? LW_EXCLUSIVE : LW_SHARED);
	result = palloc(sizeof(UsageSnapshotEntry) * (hash_get_num_entries(usage_series) + 1));
	hash_seq_init(&seq, usage_series);
	while ((s = hash_seq_search(&seq)) != NULL)
	{
		int64		done_bytes = deltas ? s->flushed_bytes : 0;
		int64		done_spans = deltas ? s->flushed_spans : 0;

		if (deltas ? (s->bytes == done_bytes && s->spans == done_spans) :
			s->last_seen < cutoff)
			continue;
		result[n].key = s->key;
		result[n].bytes = s->bytes - done_bytes;
		result[n].spans = s->spans - done_spans;
		result[n].last_seen = s->last_seen;
		if (deltas)
		{
			s->flushed_bytes = s->bytes;
			s->flushed_spans = s->spans;
		}
		n++;
	}
	LWLockRelease(usage_shared->lock);
	*count = n;
	return result;
}

/* Copy of every live (not stale) series. */
UsageSnapshotEntry *
UsageSnapshot(int *count)
{
	return copySeries(count, false);
}

/*
 * The counts of every series not yet written to tempo.usage_history, which
 * are marked written.  (If the caller's transaction then fails, those
 * counts are lost to the history; the live counters keep them.)
 */
UsageSnapshotEntry *
UsageTakeDeltas(int *count)
{
	return copySeries(count, true);
}

/* Copy of every tenant's counters, palloc'd, sorted by nothing. */
UsageTenant *
QualitySnapshot(int *count)
{
	UsageTenant *result;
	HASH_SEQ_STATUS seq;
	UsageTenant *t;
	int			n = 0;

	*count = 0;
	if (usage_shared == NULL)
		return NULL;
	LWLockAcquire(usage_shared->lock, LW_SHARED);
	result = palloc(sizeof(UsageTenant) * (hash_get_num_entries(usage_tenants) + 1));
	hash_seq_init(&seq, usage_tenants);
	while ((t = hash_seq_search(&seq)) != NULL)
		result[n++] = *t;
	LWLockRelease(usage_shared->lock);
	*count = n;
	return result;
}
