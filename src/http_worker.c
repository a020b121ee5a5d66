/*-------------------------------------------------------------------------
 *
 * http_worker.c
 *	  The OTLP ingest background workers: registration, settings, main
 *	  loop, request queue and group commit.
 *
 * Each worker runs one libevent loop that serves OTLP/HTTP (evhttp, see
 * http_server.c) and OTLP/gRPC (nghttp2, see http_grpc.c) on ports it
 * shares with the other workers through SO_REUSEPORT.
 *
 * Waiting.  libevent cannot wait on the process latch (PostgreSQL does not
 * expose the latch's file descriptor), so, as worker_spi's rule "never
 * sleep, wait on the latch" cannot be followed literally, the loop runs
 * event_base_loop(EVLOOP_ONCE) with a persistent 100 ms timer event.  Every
 * return from the loop (an I/O event or the timer) is followed by
 * CHECK_FOR_INTERRUPTS() (SIGTERM arrives through die()), a postmaster
 * liveness check and a config reload when SIGHUP set ConfigReloadPending.
 * So the worker reacts to SIGTERM, SIGHUP and postmaster death within
 * about 100 ms, and signals also cut epoll_wait short.
 *
 * Group commit.  Protocol callbacks never touch the database: a complete,
 * admitted request becomes an HttpIngestItem in the worker's queue.  After
 * each loop iteration the worker takes a batch from the queue (bounded by
 * count and bytes), stores every item in its own subtransaction of one
 * transaction (a bad request is rolled back alone and answered 400),
 * commits with synchronous_commit at least "on" so the commit record is
 * flushed, and only then answers: 200 / OK to the stored requests, 503 /
 * UNAVAILABLE to all of them when the transaction failed.  Requests that
 * arrive while a batch is being stored wait in the socket buffers and the
 * queue and go into the next commit together.  A full queue answers 503
 * with Retry-After at once.
 *
 * Errors.  Protocol callbacks catch errors themselves (they must not
 * longjmp through libevent or nghttp2); the batch catches errors per item
 * and per transaction.  No request can end the worker; if the worker does
 * exit (say, it could not bind its port), the postmaster restarts it after
 * HTTP_WORKER_RESTART_SECS.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/http_worker.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include <event2/event.h>

#include "access/xact.h"
#include "access/xlog.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/pmsignal.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "http.h"
#include "http_internal.h"
#include "quality.h"
#include "tempo.h"
#include "usage.h"

/* seconds before the postmaster restarts a worker that exited */
#define HTTP_WORKER_RESTART_SECS	1

/* the loop wakes up at least this often (microseconds) */
#define HTTP_TICK_USECS			(100 * 1000)

/* one transaction stores at most this many requests / bytes */
#define HTTP_BATCH_MAX_REQUESTS	256
#define HTTP_BATCH_MAX_BYTES	(16 * 1024 * 1024)

/* lock_timeout of the workers unless one is configured */
#define HTTP_LOCK_TIMEOUT		"5s"

/* requests waiting for a batch, at most */
#define HTTP_QUEUE_MAX_REQUESTS 1024
#define HTTP_QUEUE_MIN_BYTES	(64 * 1024 * 1024)

int			tempo_ingest_rate_limit_bytes = 15000000;
int			tempo_ingest_burst_size_bytes = 20000000;
int			tempo_ingest_idle_timeout = 60;

struct event_base *HttpEventBase = NULL;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

static MemoryContext workerContext = NULL;	/* items live below it */
static MemoryContext decodeContext = NULL;	/* one item's decoding, reset */
static dlist_head queue = DLIST_STATIC_INIT(queue);
static int	queueCount = 0;
static size_t queueBytes = 0;

static void
http_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	HttpShmemRequest();
}

static void
http_shmem_startup(void)
{
	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	HttpShmemStartup();
}

/*
 * Define the ingest settings; when preloaded, reserve shared memory and
 * register tempo.ingest_workers background workers.
 */
void
HttpInit(void)
{
	int			i;

	DefineCustomIntVariable("tempo.ingest_rate_limit_bytes",
							"Per-tenant ingestion rate limit of each ingest worker, in bytes per second.",
							"Payload bytes after decompression; Tempo's ingestion.rate_limit_bytes.",
							&tempo_ingest_rate_limit_bytes,
							15000000, 1, INT_MAX,
							PGC_SIGHUP,
							0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("tempo.ingest_burst_size_bytes",
							"Per-tenant ingestion burst size of each ingest worker, in bytes.",
							"Tempo's ingestion.burst_size_bytes.",
							&tempo_ingest_burst_size_bytes,
							20000000, 1, INT_MAX,
							PGC_SIGHUP,
							0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("tempo.ingest_idle_timeout",
							"Idle OTLP connections, and requests stalled for this long, are closed.",
							NULL,
							&tempo_ingest_idle_timeout,
							60, 1, 3600,
							PGC_SIGHUP,
							GUC_UNIT_S,
							NULL, NULL, NULL);

	if (!process_shared_preload_libraries_in_progress)
		return;

	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = http_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = http_shmem_startup;

	/* nothing to serve */
	if ((tempo_otlp_http_listen == NULL || tempo_otlp_http_listen[0] == '\0') &&
		(tempo_otlp_grpc_listen == NULL || tempo_otlp_grpc_listen[0] == '\0'))
		return;

	if (tempo_ingest_workers > 0)
	{
		HttpCheckListen("tempo.otlp_http_listen", tempo_otlp_http_listen);
		HttpCheckListen("tempo.otlp_grpc_listen", tempo_otlp_grpc_listen);
	}

	for (i = 0; i < tempo_ingest_workers; i++)
	{
		BackgroundWorker worker;

		memset(&worker, 0, sizeof(worker));
		worker.bgw_flags = BGWORKER_SHMEM_ACCESS |
			BGWORKER_BACKEND_DATABASE_CONNECTION;
		worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
		worker.bgw_restart_time = HTTP_WORKER_RESTART_SECS;
		strlcpy(worker.bgw_library_name, "tempo", BGW_MAXLEN);
		strlcpy(worker.bgw_function_name, "http_worker_main", BGW_MAXLEN);
		snprintf(worker.bgw_name, BGW_MAXLEN, "tempo ingest worker %d", i + 1);
		strlcpy(worker.bgw_type, "tempo ingest worker", BGW_MAXLEN);
		worker.bgw_main_arg = Int32GetDatum(i + 1);
		worker.bgw_notify_pid = 0;
		RegisterBackgroundWorker(&worker);
	}
}

/*
 * An ack promises durability, so the commit must wait for the local WAL
 * flush: a server-wide synchronous_commit = off is raised to "on" for the
 * worker; "local", "on", "remote_write" and "remote_apply" already wait
 * for the local flush and are kept.
 */
static void
ensureSynchronousCommit(void)
{
	if (synchronous_commit < SYNCHRONOUS_COMMIT_LOCAL_FLUSH)
		SetConfigOption("synchronous_commit", "on", PGC_SUSET, PGC_S_OVERRIDE);
}

/*
 * A worker waiting for a lock serves nobody: unless lock_timeout is set in
 * the configuration, the workers give up after HTTP_LOCK_TIMEOUT and answer
 * 503, so clients retry later.
 */
static void
ensureLockTimeout(void)
{
	if (LockTimeout == 0)
		SetConfigOption("lock_timeout", HTTP_LOCK_TIMEOUT, PGC_SUSET, PGC_S_SESSION);
}

/* New item with its own memory context (owned by the worker). */
HttpIngestItem *
HttpItemCreate(HttpProtocol protocol)
{
	MemoryContext cxt;
	HttpIngestItem *item;

	cxt = AllocSetContextCreate(workerContext, "tempo ingest request",
								ALLOCSET_SMALL_SIZES);
	item = MemoryContextAllocZero(cxt, sizeof(HttpIngestItem));
	item->cxt = cxt;
	item->protocol = protocol;
	item->received = GetCurrentTimestamp();
	item->status = HTTP_STATUS_UNAVAILABLE;
	return item;
}

/* Release an item and everything it owns. */
void
HttpItemFree(HttpIngestItem *item)
{
	MemoryContextDelete(item->cxt);
}

/*
 * Queue an item for the next batch.  Returns false (the caller answers
 * 503) when the queue is full.
 */
bool
HttpItemEnqueue(HttpIngestItem *item)
{
	size_t		maxbytes = Max((size_t) HTTP_QUEUE_MIN_BYTES,
							   2 * (size_t) tempo_max_request_bytes);

	if (queueCount >= HTTP_QUEUE_MAX_REQUESTS ||
		(queueCount > 0 && queueBytes + item->len > maxbytes))
		return false;
	dlist_push_tail(&queue, &item->node);
	queueCount++;
	queueBytes += item->len;
	return true;
}

/*
 * Can requests be stored?  Must run inside a transaction.  On false,
 * *reason says why (palloc'd).
 */
static bool
checkReady(char **reason)
{
	if (RecoveryInProgress())
	{
		*reason = pstrdup("the database server is in recovery");
		return false;
	}
	if (!OidIsValid(get_extension_oid("tempo", true)))
	{
		*reason = psprintf("extension \"tempo\" is not installed in database \"%s\"",
						   tempo_database);
		return false;
	}
	return true;
}

/*
 * Can requests be stored?  For GET /ready; runs its own transaction and
 * never raises an error.  *reason is palloc'd in the caller's context.
 */
bool
HttpDatabaseReady(char **reason)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	volatile bool ready = false;
	char	   *volatile why = NULL;

	PG_TRY();
	{
		char	   *r = NULL;

		StartTransactionCommand();
		ready = checkReady(&r);
		if (!ready)
			why = MemoryContextStrdup(oldcxt, r);
		CommitTransactionCommand();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		AbortOutOfAnyTransaction();
		ready = false;
		why = edata->message;
	}
	PG_END_TRY();
	MemoryContextSwitchTo(oldcxt);
	*reason = why;
	return ready;
}

/*
 * Is this error the server's trouble rather than the request's (out of
 * memory or disk, cancelled, I/O or internal error)?  Such failures are
 * answered 503 even while decoding, so that clients retry.
 */
static bool
serverSideError(int sqlerrcode)
{
	int			category = ERRCODE_TO_CATEGORY(sqlerrcode);

	return category == ERRCODE_INSUFFICIENT_RESOURCES ||
		category == ERRCODE_OPERATOR_INTERVENTION ||
		category == ERRCODE_SYSTEM_ERROR ||
		category == ERRCODE_INTERNAL_ERROR;
}

/*
 * Decode and store one item in a subtransaction of the batch transaction.
 * Undecodable data, and data errors or limits while storing, give 400;
 * server-side failures give 503 (retryable) and a warning in the log.  Returns false
 * after such a failure: the database is not taking writes (a lock not
 * granted within lock_timeout, no space...), so the rest of the batch is
 * not tried.
 */
static bool
storeItem(HttpIngestItem *item)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	volatile bool decoded = false;

	memset(&item->stats, 0, sizeof(item->stats));
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(decodeContext);
	PG_TRY();
	{
		OtlpRequest *req;
		char	   *msg;

		req = OtlpDecode(item->format, item->body, item->len);
		decoded = true;
		UsageTrackRequest(req, item->tenant);
		OtlpStoreRequest(req, item->tenant, &item->stats);
		QualityTrackRequest(req, item->tenant, &item->stats);
		msg = OtlpStatsMessage(&item->stats);
		item->message = msg ? MemoryContextStrdup(item->cxt, msg) : NULL;
		item->status = HTTP_STATUS_OK;

		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(item->cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;

		item->message = edata->message;
		if (!serverSideError(edata->sqlerrcode) &&
			(!decoded ||
			 ERRCODE_TO_CATEGORY(edata->sqlerrcode) == ERRCODE_DATA_EXCEPTION ||
			 ERRCODE_TO_CATEGORY(edata->sqlerrcode) == ERRCODE_PROGRAM_LIMIT_EXCEEDED))
		{
			item->status = HTTP_STATUS_BAD_DATA;
			ereport(LOG,
					(errmsg("rejected OTLP request of tenant \"%s\": %s",
							item->tenant, edata->message)));
		}
		else
		{
			item->status = HTTP_STATUS_UNAVAILABLE;
			ereport(WARNING,
					(errcode(edata->sqlerrcode),
					 errmsg("could not store OTLP request of tenant \"%s\": %s",
							item->tenant, edata->message)));
		}
	}
	PG_END_TRY();
	MemoryContextReset(decodeContext);
	return item->status != HTTP_STATUS_UNAVAILABLE;
}

/*
 * Store a batch of items in one transaction and set every item's status.
 * Nothing is marked OK unless the commit succeeded.
 */
static void
storeBatch(dlist_head *batch, int nitems)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	volatile bool committed = false;
	dlist_iter	iter;
	char	   *volatile failure = NULL;

	SetCurrentStatementStartTimestamp();
	PG_TRY();
	{
		char	   *reason = NULL;

		StartTransactionCommand();
		PushActiveSnapshot(GetTransactionSnapshot());
		pgstat_report_activity(STATE_RUNNING, "storing OTLP requests");

		if (!checkReady(&reason))
		{
			failure = MemoryContextStrdup(oldcxt, reason);
			dlist_foreach(iter, batch)
			{
				HttpIngestItem *item = dlist_container(HttpIngestItem, node, iter.cur);

				item->status = HTTP_STATUS_UNAVAILABLE;
			}
		}
		else
		{
			bool		going = true;

			dlist_foreach(iter, batch)
			{
				HttpIngestItem *item = dlist_container(HttpIngestItem, node, iter.cur);

				CHECK_FOR_INTERRUPTS();
				if (going)
					going = storeItem(item);
				else
				{
					item->status = HTTP_STATUS_UNAVAILABLE;
					item->message = MemoryContextStrdup(item->cxt,
														"not stored: an earlier request of the batch could not be stored");
				}
			}
		}
		PopActiveSnapshot();
		CommitTransactionCommand();
		committed = (failure == NULL);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		AbortOutOfAnyTransaction();
		failure = edata->message;
		ereport(WARNING,
				(errcode(edata->sqlerrcode),
				 errmsg("could not store a batch of %d OTLP requests: %s",
						nitems, edata->message)));
	}
	PG_END_TRY();
	MemoryContextSwitchTo(oldcxt);
	pgstat_report_stat(false);
	pgstat_report_activity(STATE_IDLE, NULL);

	if (committed)
	{
		int			nstored = 0;

		dlist_foreach(iter, batch)
		{
			HttpIngestItem *item = dlist_container(HttpIngestItem, node, iter.cur);

			if (item->status == HTTP_STATUS_OK)
			{
				HttpCountIngest(&item->stats, item->len);
				nstored++;
			}
		}
		HttpCountCommit(nstored);
		return;
	}

	/* nothing was stored: stored-looking items become 503 */
	dlist_foreach(iter, batch)
	{
		HttpIngestItem *item = dlist_container(HttpIngestItem, node, iter.cur);

		if (item->status == HTTP_STATUS_OK || item->status == HTTP_STATUS_UNAVAILABLE)
		{
			item->status = HTTP_STATUS_UNAVAILABLE;
			item->message = MemoryContextStrdup(item->cxt, failure ? failure :
												"could not store the request");
		}
	}
}

/* Take a batch from the queue, store it, answer every item in it. */
static void
processBatch(void)
{
	dlist_head	batch;
	dlist_mutable_iter miter;
	int			n = 0;
	size_t		bytes = 0;

	dlist_init(&batch);
	while (!dlist_is_empty(&queue) && n < HTTP_BATCH_MAX_REQUESTS)
	{
		HttpIngestItem *item = dlist_head_element(HttpIngestItem, node, &queue);

		if (n > 0 && bytes + item->len > HTTP_BATCH_MAX_BYTES)
			break;
		dlist_delete(&item->node);
		dlist_push_tail(&batch, &item->node);
		n++;
		bytes += item->len;
	}
	queueCount -= n;
	queueBytes -= bytes;

	storeBatch(&batch, n);

	dlist_foreach_modify(miter, &batch)
	{
		HttpIngestItem *item = dlist_container(HttpIngestItem, node, miter.cur);

		dlist_delete(&item->node);
		PG_TRY();
		{
			TimestampTz received = item->received;
			QualityProtocol protocol = item->protocol == HTTP_PROTOCOL_GRPC ?
				QUALITY_PROTOCOL_GRPC : QUALITY_PROTOCOL_HTTP;

			item->reply(item);	/* frees the item */
			QualityObserveAck(protocol, GetCurrentTimestamp() - received);
		}
		PG_CATCH();
		{
			/* out of memory, say: this client gets no answer, others do */
			MemoryContextSwitchTo(workerContext);
			EmitErrorReport();
			FlushErrorState();
		}
		PG_END_TRY();
	}
}

/* The loop's timer: only makes event_base_loop(EVLOOP_ONCE) return. */
static void
tickCallback(evutil_socket_t fd, short what, void *arg)
{
}

/* Entry point of an ingest worker; main_arg is its number (1-based). */
void
http_worker_main(Datum main_arg)
{
	int			index = DatumGetInt32(main_arg);
	struct event *tick;
	struct timeval tv;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	/* as the bootstrap superuser */
	BackgroundWorkerInitializeConnection(tempo_database, NULL, 0);
	pgstat_report_appname("tempo ingest worker");
	ensureSynchronousCommit();
	ensureLockTimeout();

	workerContext = AllocSetContextCreate(TopMemoryContext,
										  "tempo ingest worker",
										  ALLOCSET_DEFAULT_SIZES);
	decodeContext = AllocSetContextCreate(workerContext,
										  "tempo ingest decoding",
										  ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(workerContext);

	HttpEventBase = event_base_new();
	if (HttpEventBase == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("could not create the event loop of tempo ingest worker %d", index)));
	if (tempo_otlp_http_listen[0] != '\0')
		HttpServerStart(tempo_otlp_http_listen);
	if (tempo_otlp_grpc_listen[0] != '\0')
		GrpcServerStart(tempo_otlp_grpc_listen);

	tick = event_new(HttpEventBase, -1, EV_PERSIST, tickCallback, NULL);
	tv.tv_sec = 0;
	tv.tv_usec = HTTP_TICK_USECS;
	if (tick == NULL || event_add(tick, &tv) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("could not create the timer of tempo ingest worker %d", index)));

	ereport(LOG,
			(errmsg("tempo ingest worker %d serving OTLP/HTTP on \"%s\" and OTLP/gRPC on \"%s\" for database \"%s\"",
					index, tempo_otlp_http_listen, tempo_otlp_grpc_listen,
					tempo_database)));

	for (;;)
	{
		/* with work left over, only pick up what is ready */
		event_base_loop(HttpEventBase,
						dlist_is_empty(&queue) ? EVLOOP_ONCE : EVLOOP_NONBLOCK);

		CHECK_FOR_INTERRUPTS();
		if (!PostmasterIsAlive())
			proc_exit(1);
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
			ensureSynchronousCommit();
			ensureLockTimeout();
			if (tempo_otlp_http_listen[0] != '\0')
				HttpServerReload();
			if (tempo_otlp_grpc_listen[0] != '\0')
				GrpcServerReload();
		}
		if (!dlist_is_empty(&queue))
			processBatch();
	}
}
