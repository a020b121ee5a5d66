/*-------------------------------------------------------------------------
 *
 * col_compactor.c
 *	  The "tempo compactor" background worker: compacts the heads of
 *	  tempo_columnar tables (col_compact.c), applies retention, and keeps
 *	  the head and compaction metrics of GET /metrics.
 *
 * The worker (registered by ColCompactorInit when the library is
 * preloaded) connects to tempo.database and wakes every
 * tempo.compaction_naptime.  Each pass lists the relations that have head
 * rows (one sequential scan of tempo.col_head, which the compactor keeps
 * small), publishes head size and compaction lag (age of the oldest head
 * stripe) in shared memory, and compacts every relation whose head is due
 * (see col_compact.c), one unit per transaction, taking the relation's
 * lock without waiting (a relation that is busy, e.g. being dropped, is
 * retried on the next pass).  An error in one relation is logged and the
 * relation is left alone for a minute; the worker goes on.  Once a minute
 * it calls tempo.drop_old_partitions() (retention, tempo.retention) with
 * a short lock_timeout.
 *
 * The worker runs at nice 10: on a busy machine the ingest workers'
 * acknowledgements go first, and the compactor catches up when the load
 * drops (the head keeps every acknowledged span readable meanwhile).
 *
 * Memory: a unit decodes up to a stripe of rows (tens of MB) and frees
 * it at its end.  With the backends' malloc settings (col_am.c) most of
 * that went back to the kernel after every unit and was faulted in again
 * page by page by the next one, a fifth of the compactor's CPU time on a
 * virtual machine.  The worker keeps freed memory (up to
 * COMPACTOR_KEEP_BYTES) while it has work, and returns it (malloc_trim)
 * once no unit ran for COMPACTOR_IDLE_TRIM_MS (under a steady load units
 * come every few seconds, with passes that find nothing due between them).
 *
 * With tempo.compactor = off a pass only measures.  While the heads hold
 * more than tempo.head_max_rows rows the ingest workers answer 503 with
 * Retry-After (ColHeadIsFull), so a compactor that cannot keep up bounds
 * the head instead of letting it grow without limit.
 *
 * Lifecycle as worker_spi: SIGHUP reloads the settings, SIGTERM is
 * PostgreSQL's die() so a compaction in progress is cancelled at its next
 * CHECK_FOR_INTERRUPTS() and its transaction rolled back (compaction is
 * transactional, nothing is lost), postmaster death ends the wait.  Other
 * databases' tempo_columnar tables keep their heads until tempo.compact()
 * is run there.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/col_compactor.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/resource.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "access/xact.h"
#include "catalog/namespace.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "port/atomics.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "col_compact.h"
#include "tempo.h"

PGDLLEXPORT void col_compactor_main(Datum main_arg);

/* Shared counters and gauges. */
typedef struct ColCompactorShared
{
	pg_atomic_uint64 head_stripes;	/* gauges, as of the last pass */
	pg_atomic_uint64 head_rows;
	pg_atomic_uint64 head_bytes;
	pg_atomic_uint64 lag_ms;
	pg_atomic_uint64 stripes_written;	/* counters */
	pg_atomic_uint64 rows_written;
	pg_atomic_uint64 head_stripes_compacted;
	pg_atomic_uint64 errors;
	pg_atomic_uint64 passes;
} ColCompactorShared;

static ColCompactorShared *compactor_shared = NULL;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

static bool col_compactor_enabled = true;
static int	col_head_max_rows = 10000000;
static int	col_compaction_naptime = 1000;	/* ms */

#define RETENTION_INTERVAL_MS	(60 * 1000)
/* nice(1) value of the worker: compaction yields the CPU to acks */
#define COMPACTOR_NICE			10
#define FAILED_BACKOFF_MS		(60 * 1000)
/* freed memory the worker keeps for the next unit while it has work */
#define COMPACTOR_KEEP_BYTES	(512 * 1024 * 1024)
#define COMPACTOR_IDLE_TRIM_MS	(30 * 1000)

/* Relations whose compaction failed, and when they may be tried again. */
typedef struct FailedRel
{
	Oid			relid;
	TimestampTz retry_at;
} FailedRel;

static List *failed_rels = NIL;	/* in TopMemoryContext */

static void
compactor_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(ColCompactorShared)));
}

static void
compactor_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	compactor_shared = ShmemInitStruct("tempo compactor", sizeof(ColCompactorShared),
									   &found);
	if (!found)
	{
		pg_atomic_init_u64(&compactor_shared->head_stripes, 0);
		pg_atomic_init_u64(&compactor_shared->head_rows, 0);
		pg_atomic_init_u64(&compactor_shared->head_bytes, 0);
		pg_atomic_init_u64(&compactor_shared->lag_ms, 0);
		pg_atomic_init_u64(&compactor_shared->stripes_written, 0);
		pg_atomic_init_u64(&compactor_shared->rows_written, 0);
		pg_atomic_init_u64(&compactor_shared->head_stripes_compacted, 0);
		pg_atomic_init_u64(&compactor_shared->errors, 0);
		pg_atomic_init_u64(&compactor_shared->passes, 0);
	}
	LWLockRelease(AddinShmemInitLock);
}

/* Settings, and with shared_preload_libraries the worker and its memory. */
void
ColCompactorInit(void)
{
	BackgroundWorker worker;

	ColCompactInit();
	DefineCustomBoolVariable("tempo.compactor",
							 "Run the compactor of tempo_columnar heads in tempo.database.",
							 NULL,
							 &col_compactor_enabled,
							 true,
							 PGC_SIGHUP,
							 0,
							 NULL, NULL, NULL);
	DefineCustomIntVariable("tempo.head_max_rows",
							"Ingest answers 503 while the heads hold more rows than this (0: no limit).",
							"Measured by the compactor on each pass.",
							&col_head_max_rows,
							10000000, 0, INT_MAX,
							PGC_SIGHUP,
							0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("tempo.compaction_naptime",
							"Time between two passes of the compactor.",
							NULL,
							&col_compaction_naptime,
							1000, 10, 3600 * 1000,
							PGC_SIGHUP,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	if (!process_shared_preload_libraries_in_progress)
		return;
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = compactor_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = compactor_shmem_startup;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = 10;
	strlcpy(worker.bgw_library_name, "tempo", BGW_MAXLEN);
	strlcpy(worker.bgw_function_name, "col_compactor_main", BGW_MAXLEN);
	strlcpy(worker.bgw_name, "tempo compactor", BGW_MAXLEN);
	strlcpy(worker.bgw_type, "tempo compactor", BGW_MAXLEN);
	RegisterBackgroundWorker(&worker);
}

/* Add a compaction's figures to the counters (any backend). */
void
ColCompactCountResult(const ColCompactResult *res)
{
	if (compactor_shared == NULL)
		return;
	pg_atomic_fetch_add_u64(&compactor_shared->stripes_written, res->stripes_written);
	pg_atomic_fetch_add_u64(&compactor_shared->rows_written, res->rows_written);
	pg_atomic_fetch_add_u64(&compactor_shared->head_stripes_compacted, res->head_stripes);
}

static void
metric(StringInfo out, const char *name, const char *type, const char *help,
	   const char *value)
{
	appendStringInfo(out, "# HELP %s %s\n# TYPE %s %s\n%s %s\n",
					 name, help, name, type, name, value);
}

static void
metric_u64(StringInfo out, const char *name, const char *type, const char *help,
		   pg_atomic_uint64 *v)
{
	char		buf[32];

	snprintf(buf, sizeof(buf), UINT64_FORMAT, pg_atomic_read_u64(v));
	metric(out, name, type, help, buf);
}

/*
 * Is the head too large to take more (tempo.head_max_rows, as of the
 * compactor's last pass)?  Ingest workers answer 503 meanwhile.
 */
bool
ColHeadIsFull(void)
{
	return compactor_shared != NULL && col_head_max_rows > 0 &&
		pg_atomic_read_u64(&compactor_shared->head_rows) > (uint64) col_head_max_rows;
}

/* Append the head and compaction metrics (Prometheus text) to out. */
void
ColCompactorMetricsText(StringInfo out)
{
	ColCompactorShared *s = compactor_shared;
	char		buf[32];

	if (s == NULL)
		return;
	metric_u64(out, "tempo_head_stripes", "gauge",
			   "Stripes in the heads of tempo_columnar tables at the compactor's last pass.",
			   &s->head_stripes);
	metric_u64(out, "tempo_head_rows", "gauge",
			   "Rows in the heads of tempo_columnar tables at the compactor's last pass.",
			   &s->head_rows);
	metric_u64(out, "tempo_head_bytes", "gauge",
			   "Stored bytes of the heads of tempo_columnar tables at the compactor's last pass.",
			   &s->head_bytes);
	snprintf(buf, sizeof(buf), "%.3f", pg_atomic_read_u64(&s->lag_ms) / 1000.0);
	metric(out, "tempo_compaction_lag_seconds", "gauge",
		   "Age of the oldest head stripe at the compactor's last pass.", buf);
	metric_u64(out, "tempo_compaction_stripes_written_total", "counter",
			   "Stripes written by compaction.", &s->stripes_written);
	metric_u64(out, "tempo_compaction_rows_written_total", "counter",
			   "Rows written into stripes by compaction.", &s->rows_written);
	metric_u64(out, "tempo_compaction_head_stripes_total", "counter",
			   "Head stripes consumed by compaction (merged or written out).",
			   &s->head_stripes_compacted);
	metric_u64(out, "tempo_compaction_errors_total", "counter",
			   "Compactions that failed (logged; retried later).", &s->errors);
}

/* ---------------- the worker ---------------- */

static bool
is_failed(Oid relid, TimestampTz now)
{
	ListCell   *lc;

	foreach(lc, failed_rels)
	{
		FailedRel  *f = lfirst(lc);

		if (f->relid == relid)
		{
			if (now < f->retry_at)
				return true;
			failed_rels = foreach_delete_current(failed_rels, lc);
			pfree(f);
			return false;
		}
	}
	return false;
}

static void
mark_failed(Oid relid)
{
	MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
	FailedRel  *f = palloc(sizeof(FailedRel));

	f->relid = relid;
	f->retry_at = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), FAILED_BACKOFF_MS);
	failed_rels = lappend(failed_rels, f);
	MemoryContextSwitchTo(old);
}

/* Is a relation's head due for compaction (col_compact.c's rules)? */
static bool
head_due(const ColHeadRelation *hr, TimestampTz now)
{
	if (hr->rows >= col_compaction_stripe_rows)
		return true;
	if (TimestampDifferenceExceeds(hr->oldest, now, col_compaction_max_age * 1000))
		return true;
	return hr->stripes >= col_compaction_merge_count &&
		hr->rows < col_compaction_stripe_rows / 8;
}

/*
 * Compact one relation, a unit per transaction, until nothing is due.
 * True when a unit ran.
 */
static bool
compact_relation(Oid relid)
{
	MemoryContext cxt = CurrentMemoryContext;
	volatile bool ran = false;

	PG_TRY();
	{
		for (;;)
		{
			ColCompactResult res;
			bool		more;

			memset(&res, 0, sizeof(res));
			SetCurrentStatementStartTimestamp();
			StartTransactionCommand();
			pgstat_report_activity(STATE_RUNNING, "compacting");
			more = ColCompactRelationUnit(relid, &res);
			CommitTransactionCommand();
			ColCompactCountResult(&res);
			if (!more)
				break;
			ran = true;
			CHECK_FOR_INTERRUPTS();
		}
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		EmitErrorReport();
		FlushErrorState();
		AbortCurrentTransaction();
		if (compactor_shared)
			pg_atomic_fetch_add_u64(&compactor_shared->errors, 1);
		mark_failed(relid);
	}
	PG_END_TRY();
	pgstat_report_activity(STATE_IDLE, NULL);
	return ran;
}

/* tempo.drop_old_partitions(), if the extension is installed here. */
static void
apply_retention(void)
{
	MemoryContext cxt = CurrentMemoryContext;

	PG_TRY();
	{
		SetCurrentStatementStartTimestamp();
		StartTransactionCommand();
		PushActiveSnapshot(GetTransactionSnapshot());
		pgstat_report_activity(STATE_RUNNING, "applying retention");
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "could not connect to SPI");
		if (OidIsValid(get_namespace_oid("tempo", true)) &&
			OidIsValid(get_relname_relid("span_partitions",
										 get_namespace_oid("tempo", true))))
		{
			(void) SPI_execute("SET LOCAL lock_timeout = '1s'", false, 0);
			if (SPI_execute("SELECT tempo.drop_old_partitions()", false, 0) != SPI_OK_SELECT)
				elog(ERROR, "could not apply retention");
			if (SPI_processed > 0)
				elog(LOG, "tempo compactor: retention dropped " UINT64_FORMAT " partitions",
					 SPI_processed);
		}
		SPI_finish();
		PopActiveSnapshot();
		CommitTransactionCommand();
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		EmitErrorReport();
		FlushErrorState();
		AbortCurrentTransaction();
	}
	PG_END_TRY();
	pgstat_report_activity(STATE_IDLE, NULL);
}

/* One pass: measure the heads, compact what is due.  True when a unit ran. */
static bool
compactor_pass(MemoryContext pass_cxt)
{
	bool		ran = false;
	List	   *heads = NIL;
	ListCell   *lc;
	TimestampTz now;
	uint64		stripes = 0,
				rows = 0,
				bytes = 0;
	TimestampTz oldest = 0;

	MemoryContextReset(pass_cxt);
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	{
		MemoryContext old = MemoryContextSwitchTo(pass_cxt);

		heads = ColHeadRelations();
		MemoryContextSwitchTo(old);
	}
	PopActiveSnapshot();
	CommitTransactionCommand();

	now = GetCurrentTimestamp();
	foreach(lc, heads)
	{
		ColHeadRelation *hr = lfirst(lc);

		stripes += hr->stripes;
		rows += hr->rows;
		bytes += hr->bytes;
		if (oldest == 0 || hr->oldest < oldest)
			oldest = hr->oldest;
	}
	pg_atomic_write_u64(&compactor_shared->head_stripes, stripes);
	pg_atomic_write_u64(&compactor_shared->head_rows, rows);
	pg_atomic_write_u64(&compactor_shared->head_bytes, bytes);
	pg_atomic_write_u64(&compactor_shared->lag_ms,
						oldest == 0 || oldest > now ? 0 : (now - oldest) / 1000);
	pg_atomic_fetch_add_u64(&compactor_shared->passes, 1);

	if (!col_compactor_enabled)
		return false;			/* measure only */
	foreach(lc, heads)
	{
		ColHeadRelation *hr = lfirst(lc);

		CHECK_FOR_INTERRUPTS();
		if (head_due(hr, now) && !is_failed(hr->relid, now))
			ran |= compact_relation(hr->relid);
	}
	return ran;
}

void
col_compactor_main(Datum main_arg)
{
	MemoryContext pass_cxt;
	TimestampTz last_retention = 0;
	TimestampTz last_unit = 0;	/* 0: memory returned */

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	/* background work: acks (the ingest workers) go first on a busy CPU */
	if (setpriority(PRIO_PROCESS, 0, COMPACTOR_NICE) != 0)
		elog(DEBUG1, "could not lower the compactor's priority: %m");
#ifdef __GLIBC__
	/* keep the units' memory for the next unit (see the file header) */
	mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
	mallopt(M_TRIM_THRESHOLD, COMPACTOR_KEEP_BYTES);
#endif
	BackgroundWorkerInitializeConnection(tempo_database, NULL, 0);
	pgstat_report_appname("tempo compactor");
	pass_cxt = AllocSetContextCreate(TopMemoryContext, "tempo compactor pass",
									 ALLOCSET_DEFAULT_SIZES);

	for (;;)
	{
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 col_compaction_naptime, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		if (compactor_pass(pass_cxt))
			last_unit = GetCurrentTimestamp();
		else if (last_unit != 0 &&
				 TimestampDifferenceExceeds(last_unit, GetCurrentTimestamp(),
											COMPACTOR_IDLE_TRIM_MS))
		{
			/* idle: give the units' memory back */
			last_unit = 0;
#ifdef __GLIBC__
			malloc_trim(0);
#endif
		}
		if (TimestampDifferenceExceeds(last_retention, GetCurrentTimestamp(),
									   RETENTION_INTERVAL_MS))
		{
			apply_retention();
			last_retention = GetCurrentTimestamp();
		}
	}
}
