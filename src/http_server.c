/*-------------------------------------------------------------------------
 *
 * http_server.c
 *	  OTLP/HTTP receiver of an ingest worker, on libevent's evhttp.
 *
 * evhttp parses HTTP/1.1 (keep-alive, chunked bodies, Expect: 100-continue),
 * bounds header size and body size (tempo.max_request_bytes; a request
 * whose Content-Length is larger is refused with 413 before its body is
 * read, with evhttp's own short body) and closes connections idle or
 * stalled for tempo.ingest_idle_timeout.  It calls handleRequest() once a
 * request is complete.
 *
 * POST /v1/traces checks, in order: content type (415), tenant (401 when
 * multi-tenancy is on and X-Scope-OrgID is missing, duplicated or
 * invalid), content encoding (gzip inflated with the size cap: 413, or 400
 * when corrupt; anything else 415), the tenant's rate limit (429 with
 * Retry-After) and room in the queue (503 with Retry-After).  A request
 * that passes is queued for the next group commit; replyItem() answers it
 * after the commit.  GET /ready and GET /metrics answer at once.  Other
 * paths are 404, other methods 405.  Error bodies are google.rpc.Status in
 * the request's format (JSON when the format is unknown).
 *
 * libevent callbacks must not be left by longjmp, so handleRequest()
 * catches any error, answers 500 if it had not answered yet, and goes on.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/http_server.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "col_compact.h"
#include "http_internal.h"
#include "quality.h"
#include "tempo.h"
#include "usage.h"

#define HTTP_ALL_METHODS \
	(EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | \
	 EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | \
	 EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH)

static struct evhttp *httpServer = NULL;
static MemoryContext requestContext = NULL; /* reset after each callback */
static bool answered;			/* current request answered or queued */

static const char *
reasonPhrase(int code)
{
	switch (code)
	{
		case 200:
			return "OK";
		case 400:
			return "Bad Request";
		case 401:
			return "Unauthorized";
		case 404:
			return "Not Found";
		case 405:
			return "Method Not Allowed";
		case 413:
			return "Content Too Large";
		case 415:
			return "Unsupported Media Type";
		case 429:
			return "Too Many Requests";
		case 503:
			return "Service Unavailable";
	}
	return "Internal Server Error";
}

/* Send a response with body data; Retry-After when retry_after > 0. */
static void
sendResponse(struct evhttp_request *req, int code, const char *content_type,
			 const char *data, size_t len, int retry_after)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	struct evbuffer *body = evbuffer_new();

	evhttp_add_header(out, "Content-Type", content_type);
	if (retry_after > 0)
	{
		char		value[32];

		snprintf(value, sizeof(value), "%d", retry_after);
		evhttp_add_header(out, "Retry-After", value);
	}
	if (body != NULL)
		evbuffer_add(body, data, len);
	evhttp_send_reply(req, code, reasonPhrase(code), body);
	if (body != NULL)
		evbuffer_free(body);
	answered = true;
}

/* Answer an OTLP request with a google.rpc.Status and count it. */
static void
sendStatus(struct evhttp_request *req, OtlpFormat format, HttpStatus status,
		   const char *message, int retry_after)
{
	StringInfoData buf;

	if (format == OTLP_FORMAT_INVALID)
		format = OTLP_FORMAT_JSON;
	initStringInfo(&buf);
	HttpEncodeStatus(&buf, format, HttpStatusGrpcCode(status), message);
	sendResponse(req, HttpStatusHttpCode(status),
				 format == OTLP_FORMAT_PROTOBUF ? "application/x-protobuf" : "application/json",
				 buf.data, buf.len, retry_after);
	HttpCountRequest(HTTP_PROTOCOL_HTTP, status);
	pfree(buf.data);
}

/* Reply callback of a queued request: called after its batch. */
static void
replyItem(HttpIngestItem *item)
{
	struct evhttp_request *req = (struct evhttp_request *) item->owner;
	MemoryContext oldcxt = MemoryContextSwitchTo(item->cxt);

	if (item->status == HTTP_STATUS_OK)
	{
		StringInfoData buf;

		initStringInfo(&buf);
		HttpEncodeExportResponse(&buf, item->format, item->stats.spans_rejected,
								 item->message);
		sendResponse(req, 200,
					 item->format == OTLP_FORMAT_PROTOBUF ? "application/x-protobuf" : "application/json",
					 buf.data, buf.len, 0);
		HttpCountRequest(HTTP_PROTOCOL_HTTP, HTTP_STATUS_OK);
	}
	else
		sendStatus(req, item->format, item->status, item->message,
				   item->status == HTTP_STATUS_UNAVAILABLE ? HTTP_RETRY_AFTER_UNAVAILABLE : 0);
	MemoryContextSwitchTo(oldcxt);
	HttpItemFree(item);
}

/* The only value of header name, or NULL; *count says how many there are. */
static const char *
findHeader(struct evkeyvalq *headers, const char *name, int *count)
{
	struct evkeyval *kv;
	const char *value = NULL;

	*count = 0;
	/* keyvalq_struct.h has the queue types but not TAILQ_FOREACH */
	for (kv = headers->tqh_first; kv != NULL; kv = kv->next.tqe_next)
	{
		if (pg_strcasecmp(kv->key, name) == 0)
		{
			value = kv->value;
			(*count)++;
		}
	}
	return value;
}

/* Trim blanks; compare case-insensitively. */
static bool
tokenEquals(const char *value, const char *token)
{
	size_t		n;

	while (*value == ' ' || *value == '\t')
		value++;
	n = strlen(value);
	while (n > 0 && (value[n - 1] == ' ' || value[n - 1] == '\t'))
		n--;
	return n == strlen(token) && pg_strncasecmp(value, token, n) == 0;
}

/*
 * The tenant of a request, or NULL after answering 401.  Uses
 * X-Scope-OrgID when multi-tenancy is on, "single-tenant" otherwise.
 */
static const char *
requestTenant(struct evhttp_request *req, OtlpFormat format)
{
	struct evkeyvalq *headers = evhttp_request_get_input_headers(req);
	const char *tenant;
	int			count;
	MemoryContext oldcxt = CurrentMemoryContext;
	char	   *volatile problem = NULL;

	if (!tempo_multitenancy)
		return TEMPO_SINGLE_TENANT;

	tenant = findHeader(headers, "X-Scope-OrgID", &count);
	if (count == 0)
	{
		sendStatus(req, format, HTTP_STATUS_UNAUTHENTICATED,
				   "no org id: the X-Scope-OrgID header is required", 0);
		return NULL;
	}
	if (count > 1)
	{
		sendStatus(req, format, HTTP_STATUS_UNAUTHENTICATED,
				   "multiple org ids: send one X-Scope-OrgID header", 0);
		return NULL;
	}
	PG_TRY();
	{
		OtlpCheckTenant(tenant);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		problem = edata->message;
	}
	PG_END_TRY();
	if (problem != NULL)
	{
		sendStatus(req, format, HTTP_STATUS_UNAUTHENTICATED, problem, 0);
		return NULL;
	}
	return tenant;
}

/* POST /v1/traces */
static void
handleTraces(struct evhttp_request *req)
{
	struct evkeyvalq *headers = evhttp_request_get_input_headers(req);
	struct evbuffer *input = evhttp_request_get_input_buffer(req);
	const char *ctype;
	const char *encoding;
	const char *tenant;
	OtlpFormat	format;
	HttpIngestItem *item;
	size_t		len = evbuffer_get_length(input);
	int			count;
	int			retry_after;
	bool		gzip = false;
	MemoryContext oldcxt;

	ctype = findHeader(headers, "Content-Type", &count);
	format = (count == 1) ? OtlpParseContentType(ctype) : OTLP_FORMAT_INVALID;
	if (format == OTLP_FORMAT_INVALID)
	{
		sendStatus(req, format, HTTP_STATUS_BAD_TYPE,
				   psprintf("unsupported content type \"%s\"; use " OTLP_ACCEPTED_CONTENT_TYPES,
							ctype ? ctype : ""), 0);
		return;
	}

	tenant = requestTenant(req, format);
	if (tenant == NULL)
		return;

	encoding = findHeader(headers, "Content-Encoding", &count);
	if (count > 1)
		encoding = "multiple";
	if (encoding != NULL && tokenEquals(encoding, "gzip"))
		gzip = true;
	else if (encoding != NULL && !tokenEquals(encoding, "identity"))
	{
		sendStatus(req, format, HTTP_STATUS_BAD_TYPE,
				   psprintf("unsupported content encoding \"%s\"; use gzip or identity",
							encoding), 0);
		return;
	}

	item = HttpItemCreate(HTTP_PROTOCOL_HTTP);
	oldcxt = MemoryContextSwitchTo(item->cxt);
	if (gzip)
	{
		int			n = evbuffer_peek(input, -1, NULL, NULL, 0);
		struct evbuffer_iovec *vec = palloc(sizeof(struct evbuffer_iovec) * Max(n, 1));
		struct iovec *iov = palloc(sizeof(struct iovec) * Max(n, 1));
		StringInfoData out;
		HttpInflateResult r;
		int			i;

		n = evbuffer_peek(input, -1, NULL, vec, n);
		for (i = 0; i < n; i++)
		{
			iov[i].iov_base = vec[i].iov_base;
			iov[i].iov_len = vec[i].iov_len;
		}
		initStringInfo(&out);
		r = HttpInflate(iov, n, (size_t) tempo_max_request_bytes, &out);
		if (r != HTTP_INFLATE_OK)
		{
			MemoryContextSwitchTo(oldcxt);
			HttpItemFree(item);
			if (r == HTTP_INFLATE_TOO_LARGE)
			{
				QualityTrackDiscarded(tenant, QUALITY_DISCARD_REQUEST_TOO_LARGE, 0, len);
				sendStatus(req, format, HTTP_STATUS_TOO_LARGE,
						   psprintf("request body exceeds tempo.max_request_bytes (%d bytes) after decompression",
									tempo_max_request_bytes), 0);
			}
			else
				sendStatus(req, format, HTTP_STATUS_BAD_DATA,
						   "could not decompress the gzip request body", 0);
			return;
		}
		item->body = out.data;
		item->len = out.len;
	}
	else
	{
		if (len > (size_t) tempo_max_request_bytes)
		{
			MemoryContextSwitchTo(oldcxt);
			HttpItemFree(item);
			QualityTrackDiscarded(tenant, QUALITY_DISCARD_REQUEST_TOO_LARGE, 0, len);
			sendStatus(req, format, HTTP_STATUS_TOO_LARGE,
					   psprintf("request body exceeds tempo.max_request_bytes (%d bytes)",
								tempo_max_request_bytes), 0);
			return;
		}
		item->body = palloc(len + 1);
		evbuffer_copyout(input, item->body, len);
		item->body[len] = '\0';
		item->len = len;
	}
	item->tenant = pstrdup(tenant);
	item->format = format;
	item->reply = replyItem;
	item->owner = req;
	MemoryContextSwitchTo(oldcxt);

	if (!HttpRateLimitAdmit(tenant, item->len, &retry_after))
	{
		char	   *msg;

		msg = psprintf("RATE_LIMITED: ingestion rate limit (%d bytes/s, burst %d bytes) exceeded while adding %zu bytes for tenant \"%s\"",
					   tempo_ingest_rate_limit_bytes, tempo_ingest_burst_size_bytes,
					   item->len, tenant);
		QualityTrackDiscarded(tenant, QUALITY_DISCARD_RATE_LIMITED, 0, item->len);
		HttpItemFree(item);
		sendStatus(req, format, HTTP_STATUS_RATE_LIMITED, msg, retry_after);
		return;
	}
	if (!HttpItemEnqueue(item))
	{
		HttpItemFree(item);
		sendStatus(req, format, HTTP_STATUS_UNAVAILABLE,
				   ColHeadIsFull() ? "the head is full (compaction lags); retry later" :
				   "the ingest queue is full; retry later", HTTP_RETRY_AFTER_UNAVAILABLE);
		return;
	}
	answered = true;			/* replyItem() answers after the commit */
}

/* GET /ready: 200 when requests can be stored. */
static void
handleReady(struct evhttp_request *req)
{
	char	   *reason = NULL;

	if (HttpDatabaseReady(&reason))
		sendResponse(req, 200, "text/plain; charset=utf-8", "ready\n", 6, 0);
	else
	{
		char	   *msg = psprintf("not ready: %s\n", reason ? reason : "unknown");

		sendResponse(req, 503, "text/plain; charset=utf-8", msg, strlen(msg),
					 HTTP_RETRY_AFTER_UNAVAILABLE);
	}
}

/* GET /metrics: Prometheus text format. */
static void
handleMetrics(struct evhttp_request *req)
{
	StringInfoData buf;

	initStringInfo(&buf);
	HttpMetricsText(&buf);
	QualityAppendMetrics(&buf);
	ColCompactorMetricsText(&buf);
	sendResponse(req, 200, "text/plain; version=0.0.4; charset=utf-8",
				 buf.data, buf.len, 0);
}

/* GET /usage_metrics: cost attribution series, Prometheus text format. */
static void
handleUsageMetrics(struct evhttp_request *req)
{
	StringInfoData buf;

	initStringInfo(&buf);
	UsageAppendMetrics(&buf);
	sendResponse(req, 200, "text/plain; version=0.0.4; charset=utf-8",
				 buf.data, buf.len, 0);
}

static void
dispatch(struct evhttp_request *req)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	bool		get = (cmd == EVHTTP_REQ_GET || cmd == EVHTTP_REQ_HEAD);

	if (path == NULL)
		path = "";
	if (strcmp(path, "/v1/traces") == 0)
	{
		if (cmd != EVHTTP_REQ_POST)
		{
			evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "POST");
			sendStatus(req, OTLP_FORMAT_INVALID, HTTP_STATUS_BAD_METHOD,
					   "method not allowed; use POST", 0);
		}
		else
			handleTraces(req);
	}
	else if (strcmp(path, "/ready") == 0 || strcmp(path, "/metrics") == 0 ||
			 strcmp(path, "/usage_metrics") == 0)
	{
		if (!get)
		{
			evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, HEAD");
			sendStatus(req, OTLP_FORMAT_INVALID, HTTP_STATUS_BAD_METHOD,
					   "method not allowed; use GET", 0);
		}
		else if (path[1] == 'r')
			handleReady(req);
		else if (path[1] == 'u')
			handleUsageMetrics(req);
		else
			handleMetrics(req);
	}
	else
		sendStatus(req, OTLP_FORMAT_INVALID, HTTP_STATUS_NOT_FOUND,
				   psprintf("no such path \"%s\"; OTLP traces go to /v1/traces", path), 0);
}

/* evhttp's callback for every complete request. */
static void
handleRequest(struct evhttp_request *req, void *arg)
{
	MemoryContext oldcxt = MemoryContextSwitchTo(requestContext);

	answered = false;
	PG_TRY();
	{
		dispatch(req);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(requestContext);
		edata = CopyErrorData();
		FlushErrorState();
		ereport(WARNING,
				(errmsg("could not handle an OTLP/HTTP request: %s", edata->message)));
		if (!answered)
		{
			PG_TRY();
			{
				sendStatus(req, OTLP_FORMAT_INVALID, HTTP_STATUS_INTERNAL,
						   "internal error", 0);
			}
			PG_CATCH();
			{
				FlushErrorState();
			}
			PG_END_TRY();
		}
	}
	PG_END_TRY();
	MemoryContextSwitchTo(oldcxt);
	MemoryContextReset(requestContext);
}

/* Listen on listen and serve OTLP/HTTP from the worker's event loop. */
void
HttpServerStart(const char *listen)
{
	struct evconnlistener *lev;

	requestContext = AllocSetContextCreate(TopMemoryContext,
										   "tempo OTLP/HTTP request",
										   ALLOCSET_DEFAULT_SIZES);
	httpServer = evhttp_new(HttpEventBase);
	if (httpServer == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("could not create the OTLP/HTTP server")));
	lev = HttpListen("tempo.otlp_http_listen", listen, NULL, NULL);
	if (evhttp_bind_listener(httpServer, lev) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("could not attach the OTLP/HTTP server to \"%s\"", listen)));
	evhttp_set_allowed_methods(httpServer, HTTP_ALL_METHODS);
	evhttp_set_gencb(httpServer, handleRequest, NULL);
	HttpServerReload();
}

/* Apply the current settings to new connections. */
void
HttpServerReload(void)
{
	evhttp_set_max_headers_size(httpServer, HTTP_MAX_HEADER_BYTES);
	evhttp_set_max_body_size(httpServer, tempo_max_request_bytes);
	evhttp_set_timeout(httpServer, tempo_ingest_idle_timeout);
}
