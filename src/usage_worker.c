/*-------------------------------------------------------------------------
 *
 * usage_worker.c
 *	  tempo.usage_history: the per-minute history of the usage tracker,
 *	  written by a background worker of its own.
 *
 * The worker ("tempo usage history", registered by UsageInit when the
 * library is preloaded) connects to tempo.database and wakes one second
 * after each full minute.  If the extension is installed there, it moves
 * the counts received since its last pass (UsageTakeDeltas) into
 * tempo.usage_history, one row per tenant and label set, stamped with the
 * minute that just ended, deletes rows older than tempo.retention, and
 * purges stale series.  On SIGTERM (server shutdown) it writes what is
 * left before exiting, so a clean restart loses nothing; a crash loses
 * at most the current minute.  While it is writing history, stale
 * series are only purged once written (see UsagePurgeStale).
 *
 * tempo.usage_flush() does the same pass on demand, in the caller's
 * database and transaction, stamped with the current minute (for tests
 * and for operators who want the history up to date now).
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/usage_worker.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "tempo.h"
#include "usage_internal.h"

PG_FUNCTION_INFO_V1(tempo_usage_flush);

static volatile sig_atomic_t got_sigterm = false;

static void
usage_worker_sigterm(SIGNAL_ARGS)
{
	int			save_errno = errno;

	got_sigterm = true;
	SetLatch(MyLatch);
	errno = save_errno;
}

static void
usage_worker_exit(int code, Datum arg)
{
	if (usage_shared != NULL)
		usage_shared->history_active = false;
}

/* Does tempo.usage_history exist in this database?  Needs SPI. */
static bool
historyTableExists(void)
{
	bool		isnull;
	Datum		d;

	if (SPI_execute("SELECT to_regclass('tempo.usage_history') IS NOT NULL",
					true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not look up tempo.usage_history");
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return !isnull && DatumGetBool(d);
}

/*
 * Write the counts not yet in tempo.usage_history, stamped with minute.
 * Needs a transaction, a snapshot and an SPI connection.  Returns the
 * number of rows written.
 */
static int64
flushHistory(TimestampTz minute)
{
	UsageSnapshotEntry *deltas;
	SPIPlanPtr	plan;
	Oid			argtypes[5] = {TIMESTAMPTZOID, TEXTOID, TEXTOID, INT8OID, INT8OID};
	int			n;
	int			i;

	deltas = UsageTakeDeltas(&n);
	if (n == 0)
		return 0;
	plan = SPI_prepare("INSERT INTO tempo.usage_history "
					   "(minute, tenant, labels, bytes_received, spans_received) "
					   "VALUES ($1, $2, $3::jsonb, $4, $5)", 5, argtypes);
	if (plan == NULL)
		elog(ERROR, "could not prepare the usage history insert: %s",
			 SPI_result_code_string(SPI_result));
	for (i = 0; i < n; i++)
	{
		StringInfoData labels;
		const UsageKey *key = &deltas[i].key;
		const char *p = UsageKeyNext(key, key->data);
		Datum		values[5];
		bool		first = true;

		CHECK_FOR_INTERRUPTS();
		initStringInfo(&labels);
		appendStringInfoChar(&labels, '{');
		while (p != NULL)
		{
			const char *v = UsageKeyNext(key, p);

			if (v == NULL)
				break;
			if (!first)
				appendStringInfoString(&labels, ", ");
			escape_json(&labels, p);
			appendStringInfoString(&labels, ": ");
			escape_json(&labels, v);
			first = false;
			p = UsageKeyNext(key, v);
		}
		appendStringInfoChar(&labels, '}');

		values[0] = TimestampTzGetDatum(minute);
		values[1] = CStringGetTextDatum(key->data);
		values[2] = CStringGetTextDatum(labels.data);
		values[3] = Int64GetDatum(deltas[i].bytes);
		values[4] = Int64GetDatum(deltas[i].spans);
		if (SPI_execute_plan(plan, values, NULL, false, 0) != SPI_OK_INSERT)
			elog(ERROR, "could not insert into tempo.usage_history");
		pfree(labels.data);
	}
	SPI_freeplan(plan);
	pfree(deltas);
	return n;
}

/* Delete history rows older than tempo.retention.  Needs SPI. */
static void
applyRetention(void)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1];

	values[0] = CStringGetTextDatum(tempo_retention);
	if (SPI_execute_with_args("DELETE FROM tempo.usage_history "
							  "WHERE minute < now() - $1::interval",
							  1, argtypes, values, NULL, false, 0) != SPI_OK_DELETE)
		elog(ERROR, "could not apply retention to tempo.usage_history");
}

/* Start of the minute containing ts. */
static TimestampTz
minuteStart(TimestampTz ts)
{
	TimestampTz m = ts - ts % (60 * USECS_PER_SEC);

	if (ts < 0 && ts % (60 * USECS_PER_SEC) != 0)
		m -= 60 * USECS_PER_SEC;
	return m;
}

/* One pass of the worker in its own transaction. */
static void
workerPass(TimestampTz minute, bool final)
{
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "could not connect to SPI");
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, "writing tempo.usage_history");

	if (historyTableExists())
	{
		usage_shared->history_active = true;
		(void) flushHistory(minute);
		if (!final)
			applyRetention();
	}
	else
		usage_shared->history_active = false;

	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_activity(STATE_IDLE, NULL);
	if (!final)
		UsagePurgeStale(GetCurrentTimestamp());
}

void
usage_history_worker_main(Datum main_arg)
{
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, usage_worker_sigterm);
	BackgroundWorkerUnblockSignals();

	before_shmem_exit(usage_worker_exit, (Datum) 0);
	BackgroundWorkerInitializeConnection(tempo_database, NULL, 0);

	while (!got_sigterm)
	{
		TimestampTz now = GetCurrentTimestamp();
		TimestampTz next = minuteStart(now) + 61 * USECS_PER_SEC;
		long		ms = (next - now) / 1000;
		int			rc;

		rc = WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
					   Max(ms, 1), PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		if (got_sigterm)
			break;
		if (rc & WL_TIMEOUT)
			workerPass(minuteStart(GetCurrentTimestamp()) - 60 * USECS_PER_SEC, false);
	}

	/* shutting down: keep what was counted since the last pass */
	workerPass(minuteStart(GetCurrentTimestamp()), true);
	/* exit code 1: restarted after bgw_restart_time if terminated by hand */
	proc_exit(1);
}

/*
 * tempo.usage_flush() RETURNS bigint: write the counts not yet in
 * tempo.usage_history now, stamped with the current minute; returns the
 * number of rows written.
 */
Datum
tempo_usage_flush(PG_FUNCTION_ARGS)
{
	int64		n;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "could not connect to SPI");
	n = flushHistory(minuteStart(GetCurrentTimestamp()));
	SPI_finish();
	PG_RETURN_INT64(n);
}
