/*-------------------------------------------------------------------------
 *
 * http_internal.h
 *	  Shared declarations of the ingest worker files (http_*.c).
 *
 * A request that passed the protocol checks (path, method, content type,
 * size, tenant, rate limit) becomes an HttpIngestItem: its own memory
 * context holding the inflated body, the tenant and, once the batch has
 * run, the outcome.  The protocol layer (http_server.c for OTLP/HTTP,
 * http_grpc.c for OTLP/gRPC) queues the item; the worker loop
 * (http_worker.c) stores a batch of queued items in one transaction and,
 * after the commit, calls each item's reply callback, which answers the
 * client and deletes the item.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/http_internal.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef HTTP_INTERNAL_H
#define HTTP_INTERNAL_H

#include <sys/uio.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "datatype/timestamp.h"
#include "lib/ilist.h"
#include "lib/stringinfo.h"

#include "otlp.h"

/* How a request ended, protocol-neutral (see HttpStatusHttpCode etc.). */
typedef enum HttpStatus
{
	HTTP_STATUS_OK = 0,			/* 200 / OK (possibly partial success) */
	HTTP_STATUS_BAD_DATA,		/* 400 / INVALID_ARGUMENT */
	HTTP_STATUS_UNAUTHENTICATED,	/* 401 / UNAUTHENTICATED */
	HTTP_STATUS_NOT_FOUND,		/* 404 / UNIMPLEMENTED */
	HTTP_STATUS_BAD_METHOD,		/* 405 / UNIMPLEMENTED */
	HTTP_STATUS_TOO_LARGE,		/* 413 / RESOURCE_EXHAUSTED */
	HTTP_STATUS_BAD_TYPE,		/* 415 / INVALID_ARGUMENT */
	HTTP_STATUS_RATE_LIMITED,	/* 429 / RESOURCE_EXHAUSTED */
	HTTP_STATUS_INTERNAL,		/* 500 / INTERNAL */
	HTTP_STATUS_UNAVAILABLE,	/* 503 / UNAVAILABLE */
	HTTP_NUM_STATUSES
} HttpStatus;

/* Wire protocols, for the counters. */
typedef enum HttpProtocol
{
	HTTP_PROTOCOL_HTTP = 0,
	HTTP_PROTOCOL_GRPC,
	HTTP_NUM_PROTOCOLS
} HttpProtocol;

/* gRPC status codes we use. */
#define GRPC_OK					0
#define GRPC_INVALID_ARGUMENT	3
#define GRPC_NOT_FOUND			5
#define GRPC_RESOURCE_EXHAUSTED 8
#define GRPC_UNIMPLEMENTED		12
#define GRPC_INTERNAL			13
#define GRPC_UNAVAILABLE		14
#define GRPC_UNAUTHENTICATED	16
#define GRPC_NUM_CODES			17

/* Seconds a client is asked to wait after 503 (Retry-After). */
#define HTTP_RETRY_AFTER_UNAVAILABLE	1

/* Largest request header block (HTTP/1.1 headers, HTTP/2 header list). */
#define HTTP_MAX_HEADER_BYTES	(16 * 1024)

typedef struct HttpIngestItem HttpIngestItem;
typedef void (*HttpReplyCallback) (HttpIngestItem *item);

struct HttpIngestItem
{
	dlist_node	node;			/* in the worker's queue */
	MemoryContext cxt;			/* owns the item and everything below */
	HttpProtocol protocol;
	OtlpFormat	format;
	TimestampTz received;		/* arrival, for the ack latency histogram */
	char	   *tenant;
	char	   *body;			/* inflated payload */
	size_t		len;

	/* filled in by the batch */
	HttpStatus	status;
	char	   *message;		/* error or partial-success text, or NULL */
	OtlpIngestStats stats;

	/* answers the client and calls HttpItemFree */
	HttpReplyCallback reply;
	void	   *owner;			/* protocol-specific request handle */
};

/* Outcome of inflating a gzip body. */
typedef enum HttpInflateResult
{
	HTTP_INFLATE_OK = 0,
	HTTP_INFLATE_TOO_LARGE,
	HTTP_INFLATE_BAD
} HttpInflateResult;

/* in http_worker.c */
extern int	tempo_ingest_rate_limit_bytes;
extern int	tempo_ingest_burst_size_bytes;
extern int	tempo_ingest_idle_timeout;
extern struct event_base *HttpEventBase;
extern HttpIngestItem *HttpItemCreate(HttpProtocol protocol);
extern void HttpItemFree(HttpIngestItem *item);
extern bool HttpItemEnqueue(HttpIngestItem *item);
extern bool HttpDatabaseReady(char **reason);

/* in http_limit.c */
extern bool HttpRateLimitAdmit(const char *tenant, size_t bytes, int *retry_after);

/* in http_codec.c */
extern int	HttpStatusHttpCode(HttpStatus status);
extern int	HttpStatusGrpcCode(HttpStatus status);
extern HttpInflateResult HttpInflate(const struct iovec *chunks, int nchunks,
									 size_t limit, StringInfo out);
extern void HttpEncodeStatus(StringInfo out, OtlpFormat format,
							 int grpc_code, const char *message);
extern void HttpEncodeExportResponse(StringInfo out, OtlpFormat format,
									 int64 rejected, const char *message);
extern void HttpCheckListen(const char *setting, const char *listen);
extern struct evconnlistener *HttpListen(const char *setting, const char *listen,
										 evconnlistener_cb cb, void *arg);

/* in http_server.c */
extern void HttpServerStart(const char *listen);
extern void HttpServerReload(void);

/* in http_grpc.c */
extern void GrpcServerStart(const char *listen);
extern void GrpcServerReload(void);

/* in http_shmem.c */
extern void HttpShmemRequest(void);
extern void HttpShmemStartup(void);
extern void HttpCountRequest(HttpProtocol protocol, HttpStatus status);
extern void HttpCountIngest(const OtlpIngestStats *stats, size_t bytes);
extern void HttpCountCommit(int nrequests);
extern void HttpMetricsText(StringInfo out);

#endif							/* HTTP_INTERNAL_H */
