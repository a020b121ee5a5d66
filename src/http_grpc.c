/*-------------------------------------------------------------------------
 *
 * http_grpc.c
 *	  OTLP/gRPC receiver of an ingest worker: h2c with nghttp2 on libevent.
 *
 * Each accepted connection gets a bufferevent and an nghttp2 server
 * session; bytes read are fed to nghttp2_session_mem_recv() and frames
 * nghttp2 wants to send are copied to the bufferevent.  nghttp2 does all
 * of HTTP/2 (preface, SETTINGS, HPACK, flow control, stream states); this
 * file only sees request headers, DATA payload and stream ends.
 *
 * One stream is one unary call.  Its DATA is collected (bounded by
 * tempo.max_request_bytes plus the 5-byte gRPC prefix, and by a per-worker
 * cap on bytes held by unfinished streams: past either bound the call is
 * answered at once and the rest of its DATA is read and dropped, which
 * keeps HTTP/2 flow control going); at END_STREAM the call is
 * checked: method (UNIMPLEMENTED for anything but TraceService/Export),
 * content type (HTTP 415), tenant from x-scope-orgid (UNAUTHENTICATED),
 * exactly one length-prefixed message, compressed with grpc-encoding gzip
 * or not at all (inflated with the size cap: RESOURCE_EXHAUSTED), rate
 * limit (RESOURCE_EXHAUSTED, like Tempo) and queue room (UNAVAILABLE).  An
 * admitted call is queued for the next group commit; replyItem() sends
 * the ExportTraceServiceResponse and the grpc-status trailer after the
 * commit.  Errors are trailers-only responses.
 *
 * Memory: a connection owns a memory context; each stream a child context
 * freed when nghttp2 closes the stream.  A queued item does not point at
 * its stream once the stream or connection is gone (its owner is cleared),
 * so the late reply is simply dropped.  nghttp2 and libevent allocate
 * their own state with malloc.  Callbacks catch errors so that no longjmp
 * crosses nghttp2 or libevent frames; such an error closes the connection.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/http_grpc.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <nghttp2/nghttp2.h>

#include "lib/ilist.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "http_internal.h"
#include "quality.h"
#include "tempo.h"

#define GRPC_EXPORT_PATH "/opentelemetry.proto.collector.trace.v1.TraceService/Export"

/* gRPC message prefix: compressed flag and 4-byte big-endian length */
#define GRPC_PREFIX_LEN		5

/* bytes all unfinished streams of a worker may hold */
#define GRPC_MAX_BUFFERED	((size_t) 256 * 1024 * 1024)

/* concurrent streams per connection; per-stream receive window */
#define GRPC_MAX_STREAMS	100
#define GRPC_STREAM_WINDOW	(1024 * 1024)

typedef struct GrpcConn
{
	MemoryContext cxt;
	struct bufferevent *bev;
	nghttp2_session *session;
	dlist_head	streams;		/* GrpcStream */
} GrpcConn;

typedef struct GrpcStream
{
	dlist_node	node;
	MemoryContext cxt;
	GrpcConn   *conn;
	int32		stream_id;
	size_t		header_bytes;
	char	   *path;
	char	   *content_type;
	char	   *encoding;
	char	   *tenant;
	int			ntenants;
	StringInfoData body;
	bool		answered;		/* response submitted (or item queued) */
	HttpIngestItem *item;		/* queued, waiting for its batch */
	/* response message being sent */
	char	   *resp;
	size_t		resp_len;
	size_t		resp_off;
	int			grpc_status;
	char	   *grpc_message;
} GrpcStream;

static nghttp2_session_callbacks *grpcCallbacks = NULL;
static struct evconnlistener *grpcListener = NULL;
static MemoryContext grpcContext = NULL;
static size_t grpcBuffered = 0;

static void grpcCloseConn(GrpcConn *conn);

/* Percent-encode a grpc-message value as the gRPC spec asks. */
static char *
percentEncode(const char *s)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (; *s; s++)
	{
		unsigned char c = (unsigned char) *s;

		if (c >= 0x20 && c <= 0x7e && c != '%')
			appendStringInfoChar(&buf, (char) c);
		else
			appendStringInfo(&buf, "%%%02X", c);
	}
	return buf.data;
}

static nghttp2_nv
makeNv(const char *name, const char *value)
{
	nghttp2_nv	nv;

	nv.name = (uint8_t *) name;
	nv.namelen = strlen(name);
	nv.value = (uint8_t *) value;
	nv.valuelen = strlen(value);
	nv.flags = NGHTTP2_NV_FLAG_NONE;
	return nv;
}

/* Copy what nghttp2 wants to send into the connection's output buffer. */
static bool
grpcFlush(GrpcConn *conn)
{
	for (;;)
	{
		const uint8_t *data;
		ssize_t		n = nghttp2_session_mem_send(conn->session, &data);

		if (n < 0)
			return false;
		if (n == 0)
			break;
		if (bufferevent_write(conn->bev, data, n) != 0)
			return false;
	}
	return true;
}

/* Close the connection when nghttp2 is done with it (GOAWAY, errors). */
static void
grpcFlushOrClose(GrpcConn *conn)
{
	if (!grpcFlush(conn))
	{
		grpcCloseConn(conn);
		return;
	}
	if (!nghttp2_session_want_read(conn->session) &&
		!nghttp2_session_want_write(conn->session) &&
		evbuffer_get_length(bufferevent_get_output(conn->bev)) == 0)
		grpcCloseConn(conn);
}

/* Drop a stream's request body and its share of the buffered bytes. */
static void
dropBody(GrpcStream *stream)
{
	if (stream->body.data != NULL)
	{
		grpcBuffered -= stream->body.len;
		pfree(stream->body.data);
		stream->body.data = NULL;
		stream->body.len = 0;
	}
}

/* Trailers-only response: the call ends with status and message. */
static void
submitError(GrpcStream *stream, HttpStatus status, const char *message)
{
	nghttp2_nv	nv[4];
	char		code[16];
	int			n = 0;
	char	   *msg = percentEncode(message ? message : "");

	snprintf(code, sizeof(code), "%d", HttpStatusGrpcCode(status));
	nv[n++] = makeNv(":status", "200");
	nv[n++] = makeNv("content-type", "application/grpc");
	nv[n++] = makeNv("grpc-status", code);
	nv[n++] = makeNv("grpc-message", msg);
	nghttp2_submit_response(stream->conn->session, stream->stream_id, nv, n, NULL);
	stream->answered = true;
	dropBody(stream);
	HttpCountRequest(HTTP_PROTOCOL_GRPC, status);
}

/* Data source of a response: the length-prefixed message, then trailers. */
static ssize_t
readResponse(nghttp2_session *session, int32_t stream_id, uint8_t *buf,
			 size_t length, uint32_t *data_flags, nghttp2_data_source *source,
			 void *user_data)
{
	GrpcStream *stream = (GrpcStream *) source->ptr;
	size_t		n = Min(length, stream->resp_len - stream->resp_off);

	memcpy(buf, stream->resp + stream->resp_off, n);
	stream->resp_off += n;
	if (stream->resp_off == stream->resp_len)
	{
		nghttp2_nv	nv[2];
		char		code[16];
		int			nnv = 0;

		*data_flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
		snprintf(code, sizeof(code), "%d", stream->grpc_status);
		nv[nnv++] = makeNv("grpc-status", code);
		if (stream->grpc_message)
			nv[nnv++] = makeNv("grpc-message", stream->grpc_message);
		if (nghttp2_submit_trailer(session, stream_id, nv, nnv) != 0)
			return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	}
	return (ssize_t) n;
}

/* Reply callback of a queued call: called after its batch. */
static void
replyItem(HttpIngestItem *item)
{
	GrpcStream *stream = (GrpcStream *) item->owner;

	if (stream == NULL)
	{
		/* the client went away */
		HttpItemFree(item);
		return;
	}
	stream->item = NULL;
	PG_TRY();
	{
		MemoryContext oldcxt = MemoryContextSwitchTo(stream->cxt);

		if (item->status == HTTP_STATUS_OK)
		{
			StringInfoData msg;
			nghttp2_nv	nv[2];
			nghttp2_data_provider prd;
			uint32		len;

			initStringInfo(&msg);
			appendBinaryStringInfo(&msg, "\0\0\0\0\0", GRPC_PREFIX_LEN);
			HttpEncodeExportResponse(&msg, OTLP_FORMAT_PROTOBUF,
									 item->stats.spans_rejected, item->message);
			len = msg.len - GRPC_PREFIX_LEN;
			msg.data[1] = (char) (len >> 24);
			msg.data[2] = (char) (len >> 16);
			msg.data[3] = (char) (len >> 8);
			msg.data[4] = (char) len;
			stream->resp = msg.data;
			stream->resp_len = msg.len;
			stream->resp_off = 0;
			stream->grpc_status = GRPC_OK;
			stream->grpc_message = NULL;
			nv[0] = makeNv(":status", "200");
			nv[1] = makeNv("content-type", "application/grpc");
			prd.source.ptr = stream;
			prd.read_callback = readResponse;
			nghttp2_submit_response(stream->conn->session, stream->stream_id,
									nv, 2, &prd);
			HttpCountRequest(HTTP_PROTOCOL_GRPC, HTTP_STATUS_OK);
		}
		else
			submitError(stream, item->status, item->message);
		MemoryContextSwitchTo(oldcxt);
		grpcFlushOrClose(stream->conn);
	}
	PG_CATCH();
	{
		FlushErrorState();
		grpcCloseConn(stream->conn);
	}
	PG_END_TRY();
	HttpItemFree(item);
}

/* Check a finished call and queue it, or answer it with an error. */
static void
dispatchCall(GrpcStream *stream)
{
	const char *tenant = TEMPO_SINGLE_TENANT;
	unsigned char *p;
	uint32		mlen;
	HttpIngestItem *item;
	int			retry_after;
	MemoryContext oldcxt;

	if (stream->path == NULL || strcmp(stream->path, GRPC_EXPORT_PATH) != 0)
	{
		submitError(stream, HTTP_STATUS_NOT_FOUND,
					psprintf("unknown method \"%s\"", stream->path ? stream->path : ""));
		return;
	}
	if (stream->content_type == NULL ||
		strncmp(stream->content_type, "application/grpc", 16) != 0)
	{
		nghttp2_nv	nv[1];

		nv[0] = makeNv(":status", "415");
		nghttp2_submit_response(stream->conn->session, stream->stream_id, nv, 1, NULL);
		stream->answered = true;
		dropBody(stream);
		HttpCountRequest(HTTP_PROTOCOL_GRPC, HTTP_STATUS_BAD_TYPE);
		return;
	}
	if (tempo_multitenancy)
	{
		MemoryContext cxt = CurrentMemoryContext;
		char	   *volatile problem = NULL;

		if (stream->ntenants != 1)
		{
			submitError(stream, HTTP_STATUS_UNAUTHENTICATED,
						stream->ntenants == 0 ?
						"no org id: the x-scope-orgid metadata is required" :
						"multiple org ids: send one x-scope-orgid");
			return;
		}
		PG_TRY();
		{
			OtlpCheckTenant(stream->tenant);
		}
		PG_CATCH();
		{
			ErrorData  *edata;

			MemoryContextSwitchTo(cxt);
			edata = CopyErrorData();
			FlushErrorState();
			problem = edata->message;
		}
		PG_END_TRY();
		if (problem != NULL)
		{
			submitError(stream, HTTP_STATUS_UNAUTHENTICATED, problem);
			return;
		}
		tenant = stream->tenant;
	}

	/* exactly one length-prefixed message */
	p = (unsigned char *) stream->body.data;
	if (p == NULL || stream->body.len < GRPC_PREFIX_LEN)
	{
		submitError(stream, HTTP_STATUS_BAD_DATA, "the call carries no gRPC message");
		return;
	}
	mlen = ((uint32) p[1] << 24) | ((uint32) p[2] << 16) | ((uint32) p[3] << 8) | p[4];
	if ((size_t) mlen != (size_t) stream->body.len - GRPC_PREFIX_LEN)
	{
		submitError(stream, HTTP_STATUS_BAD_DATA,
					"the gRPC message length does not match the data received");
		return;
	}
	if (p[0] > 1)
	{
		submitError(stream, HTTP_STATUS_BAD_DATA, "invalid gRPC compressed flag");
		return;
	}

	item = HttpItemCreate(HTTP_PROTOCOL_GRPC);
	oldcxt = MemoryContextSwitchTo(item->cxt);
	if (p[0] == 1)
	{
		struct iovec iov;
		StringInfoData out;
		HttpInflateResult r;

		if (stream->encoding == NULL || strcmp(stream->encoding, "identity") == 0)
		{
			MemoryContextSwitchTo(oldcxt);
			HttpItemFree(item);
			submitError(stream, HTTP_STATUS_INTERNAL,
						"compressed message without a grpc-encoding");
			return;
		}
		if (strcmp(stream->encoding, "gzip") != 0)
		{
			MemoryContextSwitchTo(oldcxt);
			HttpItemFree(item);
			submitError(stream, HTTP_STATUS_NOT_FOUND,
						psprintf("grpc-encoding \"%s\" is not supported; use gzip",
								 stream->encoding));
			return;
		}
		iov.iov_base = p + GRPC_PREFIX_LEN;
		iov.iov_len = mlen;
		initStringInfo(&out);
		r = HttpInflate(&iov, 1, (size_t) tempo_max_request_bytes, &out);
		if (r != HTTP_INFLATE_OK)
		{
			MemoryContextSwitchTo(oldcxt);
			HttpItemFree(item);
			if (r == HTTP_INFLATE_TOO_LARGE)
			{
				QualityTrackDiscarded(tenant, QUALITY_DISCARD_REQUEST_TOO_LARGE, 0, mlen);
				submitError(stream, HTTP_STATUS_TOO_LARGE,
							psprintf("message exceeds tempo.max_request_bytes (%d bytes) after decompression",
									 tempo_max_request_bytes));
			}
			else
				submitError(stream, HTTP_STATUS_BAD_DATA,
							"could not decompress the gzip message");
			return;
		}
		item->body = out.data;
		item->len = out.len;
	}
	else
	{
		if (mlen > (uint32) tempo_max_request_bytes)
		{
			MemoryContextSwitchTo(oldcxt);
			HttpItemFree(item);
			QualityTrackDiscarded(tenant, QUALITY_DISCARD_REQUEST_TOO_LARGE, 0, mlen);
			submitError(stream, HTTP_STATUS_TOO_LARGE,
						psprintf("message exceeds tempo.max_request_bytes (%d bytes)",
								 tempo_max_request_bytes));
			return;
		}
		item->body = palloc(mlen + 1);
		memcpy(item->body, p + GRPC_PREFIX_LEN, mlen);
		item->body[mlen] = '\0';
		item->len = mlen;
	}
	item->tenant = pstrdup(tenant);
	item->format = OTLP_FORMAT_PROTOBUF;
	item->reply = replyItem;
	item->owner = stream;
	MemoryContextSwitchTo(oldcxt);
	dropBody(stream);

	if (!HttpRateLimitAdmit(tenant, item->len, &retry_after))
	{
		char	   *msg;

		msg = psprintf("RATE_LIMITED: ingestion rate limit (%d bytes/s, burst %d bytes) exceeded while adding %zu bytes for tenant \"%s\"",
					   tempo_ingest_rate_limit_bytes, tempo_ingest_burst_size_bytes,
					   item->len, tenant);
		QualityTrackDiscarded(tenant, QUALITY_DISCARD_RATE_LIMITED, 0, item->len);
		HttpItemFree(item);
		submitError(stream, HTTP_STATUS_RATE_LIMITED, msg);
		return;
	}
	if (!HttpItemEnqueue(item))
	{
		HttpItemFree(item);
		submitError(stream, HTTP_STATUS_UNAVAILABLE, "the ingest queue is full; retry later");
		return;
	}
	stream->item = item;
	stream->answered = true;
}

static int
onBeginHeaders(nghttp2_session *session, const nghttp2_frame *frame,
			   void *user_data)
{
	GrpcConn   *conn = (GrpcConn *) user_data;
	GrpcStream *stream;
	MemoryContext cxt;

	if (frame->hd.type != NGHTTP2_HEADERS ||
		frame->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;
	cxt = AllocSetContextCreate(conn->cxt, "tempo OTLP/gRPC stream",
								ALLOCSET_SMALL_SIZES);
	stream = MemoryContextAllocZero(cxt, sizeof(GrpcStream));
	stream->cxt = cxt;
	stream->conn = conn;
	stream->stream_id = frame->hd.stream_id;
	dlist_push_tail(&conn->streams, &stream->node);
	nghttp2_session_set_stream_user_data(session, frame->hd.stream_id, stream);
	return 0;
}

static int
onHeader(nghttp2_session *session, const nghttp2_frame *frame,
		 const uint8_t *name, size_t namelen, const uint8_t *value,
		 size_t valuelen, uint8_t flags, void *user_data)
{
	GrpcStream *stream;
	char	  **slot = NULL;

	if (frame->hd.type != NGHTTP2_HEADERS ||
		frame->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;				/* trailers of the client are ignored */
	stream = nghttp2_session_get_stream_user_data(session, frame->hd.stream_id);
	if (stream == NULL)
		return 0;
	stream->header_bytes += namelen + valuelen + 32;
	if (stream->header_bytes > HTTP_MAX_HEADER_BYTES)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;	/* resets the stream */

	if (namelen == 5 && memcmp(name, ":path", 5) == 0)
		slot = &stream->path;
	else if (namelen == 12 && memcmp(name, "content-type", 12) == 0)
		slot = &stream->content_type;
	else if (namelen == 13 && memcmp(name, "grpc-encoding", 13) == 0)
		slot = &stream->encoding;
	else if (namelen == 13 && memcmp(name, "x-scope-orgid", 13) == 0)
	{
		slot = &stream->tenant;
		stream->ntenants++;
	}
	if (slot != NULL)
	{
		MemoryContext oldcxt = MemoryContextSwitchTo(stream->cxt);

		*slot = pnstrdup((const char *) value, valuelen);
		MemoryContextSwitchTo(oldcxt);
	}
	return 0;
}

static int
onDataChunk(nghttp2_session *session, uint8_t flags, int32_t stream_id,
			const uint8_t *data, size_t len, void *user_data)
{
	GrpcStream *stream = nghttp2_session_get_stream_user_data(session, stream_id);
	MemoryContext oldcxt;

	if (stream == NULL || stream->answered)
		return 0;
	oldcxt = MemoryContextSwitchTo(stream->cxt);
	if (stream->body.data == NULL)
		initStringInfo(&stream->body);
	if ((size_t) stream->body.len + len >
		(size_t) tempo_max_request_bytes + GRPC_PREFIX_LEN)
		submitError(stream, HTTP_STATUS_TOO_LARGE,
					psprintf("message exceeds tempo.max_request_bytes (%d bytes)",
							 tempo_max_request_bytes));
	else if (grpcBuffered + len > GRPC_MAX_BUFFERED)
		submitError(stream, HTTP_STATUS_UNAVAILABLE,
					"the worker holds too much unfinished request data; retry later");
	else
	{
		appendBinaryStringInfo(&stream->body, (const char *) data, (int) len);
		grpcBuffered += len;
	}
	MemoryContextSwitchTo(oldcxt);
	return 0;
}

static int
onFrameRecv(nghttp2_session *session, const nghttp2_frame *frame,
			void *user_data)
{
	GrpcStream *stream;
	MemoryContext oldcxt;

	if ((frame->hd.type != NGHTTP2_DATA && frame->hd.type != NGHTTP2_HEADERS) ||
		!(frame->hd.flags & NGHTTP2_FLAG_END_STREAM))
		return 0;
	stream = nghttp2_session_get_stream_user_data(session, frame->hd.stream_id);
	if (stream == NULL || stream->answered)
		return 0;
	/* messages and headers of the answer belong to the stream */
	oldcxt = MemoryContextSwitchTo(stream->cxt);
	dispatchCall(stream);
	MemoryContextSwitchTo(oldcxt);
	return 0;
}

static int
onStreamClose(nghttp2_session *session, int32_t stream_id, uint32_t error_code,
			  void *user_data)
{
	GrpcStream *stream = nghttp2_session_get_stream_user_data(session, stream_id);

	if (stream == NULL)
		return 0;
	nghttp2_session_set_stream_user_data(session, stream_id, NULL);
	if (stream->item != NULL)
		stream->item->owner = NULL; /* the late reply is dropped */
	dropBody(stream);
	dlist_delete(&stream->node);
	MemoryContextDelete(stream->cxt);
	return 0;
}

/* Free a connection; queued calls of it will be dropped when answered. */
static void
grpcCloseConn(GrpcConn *conn)
{
	dlist_mutable_iter iter;

	dlist_foreach_modify(iter, &conn->streams)
	{
		GrpcStream *stream = dlist_container(GrpcStream, node, iter.cur);

		if (stream->item != NULL)
			stream->item->owner = NULL;
		dropBody(stream);
		dlist_delete(&stream->node);
		/* should nghttp2 report the stream closed, it finds nothing */
		if (conn->session != NULL)
			nghttp2_session_set_stream_user_data(conn->session, stream->stream_id, NULL);
	}
	if (conn->session != NULL)
		nghttp2_session_del(conn->session);
	if (conn->bev != NULL)
		bufferevent_free(conn->bev);
	MemoryContextDelete(conn->cxt);
}

static void
readCallback(struct bufferevent *bev, void *arg)
{
	GrpcConn   *conn = (GrpcConn *) arg;
	MemoryContext oldcxt = MemoryContextSwitchTo(conn->cxt);
	volatile bool failed = false;

	PG_TRY();
	{
		struct evbuffer *input = bufferevent_get_input(bev);
		size_t		len;

		while ((len = evbuffer_get_length(input)) > 0 && !failed)
		{
			size_t		chunk = evbuffer_get_contiguous_space(input);
			unsigned char *data = evbuffer_pullup(input, chunk);
			ssize_t		n = nghttp2_session_mem_recv(conn->session, data, chunk);

			if (n < 0)
				failed = true;
			else
				evbuffer_drain(input, n);
		}
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(grpcContext);
		edata = CopyErrorData();
		FlushErrorState();
		ereport(WARNING,
				(errmsg("closing an OTLP/gRPC connection after an error: %s",
						edata->message)));
		FreeErrorData(edata);
		failed = true;
	}
	PG_END_TRY();
	MemoryContextSwitchTo(oldcxt);
	if (failed)
		grpcCloseConn(conn);
	else
		grpcFlushOrClose(conn);
}

static void
writeCallback(struct bufferevent *bev, void *arg)
{
	GrpcConn   *conn = (GrpcConn *) arg;

	if (!nghttp2_session_want_read(conn->session) &&
		!nghttp2_session_want_write(conn->session))
		grpcCloseConn(conn);
}

static void
eventCallback(struct bufferevent *bev, short events, void *arg)
{
	if (events & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
		grpcCloseConn((GrpcConn *) arg);
}

static void
acceptCallback(struct evconnlistener *lev, evutil_socket_t fd,
			   struct sockaddr *addr, int socklen, void *arg)
{
	MemoryContext volatile cxt = NULL;
	GrpcConn   *volatile conn = NULL;
	nghttp2_settings_entry iv[3];
	struct timeval tv;
	int			one = 1;

	/* no error may leave this libevent callback by longjmp */
	PG_TRY();
	{
		cxt = AllocSetContextCreate(grpcContext, "tempo OTLP/gRPC connection",
									ALLOCSET_SMALL_SIZES);
		conn = MemoryContextAllocZero(cxt, sizeof(GrpcConn));
	}
	PG_CATCH();
	{
		FlushErrorState();
		conn = NULL;
	}
	PG_END_TRY();
	if (conn == NULL)
	{
		if (cxt != NULL)
			MemoryContextDelete(cxt);
		evutil_closesocket(fd);
		return;
	}
	conn->cxt = cxt;
	dlist_init(&conn->streams);
	(void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	conn->bev = bufferevent_socket_new(HttpEventBase, fd, BEV_OPT_CLOSE_ON_FREE);
	if (conn->bev == NULL)
	{
		evutil_closesocket(fd);
		MemoryContextDelete(cxt);
		return;
	}
	if (nghttp2_session_server_new(&conn->session, grpcCallbacks, conn) != 0)
	{
		conn->session = NULL;
		grpcCloseConn(conn);
		return;
	}
	iv[0].settings_id = NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS;
	iv[0].value = GRPC_MAX_STREAMS;
	iv[1].settings_id = NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE;
	iv[1].value = GRPC_STREAM_WINDOW;
	iv[2].settings_id = NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE;
	iv[2].value = HTTP_MAX_HEADER_BYTES;
	if (nghttp2_submit_settings(conn->session, NGHTTP2_FLAG_NONE, iv, 3) != 0)
	{
		grpcCloseConn(conn);
		return;
	}
	tv.tv_sec = tempo_ingest_idle_timeout;
	tv.tv_usec = 0;
	bufferevent_set_timeouts(conn->bev, &tv, &tv);
	bufferevent_setcb(conn->bev, readCallback, writeCallback, eventCallback, conn);
	bufferevent_enable(conn->bev, EV_READ | EV_WRITE);
	grpcFlushOrClose(conn);
}

/* Listen on listen and serve OTLP/gRPC from the worker's event loop. */
void
GrpcServerStart(const char *listen)
{
	grpcContext = AllocSetContextCreate(TopMemoryContext,
										"tempo OTLP/gRPC connections",
										ALLOCSET_DEFAULT_SIZES);
	if (nghttp2_session_callbacks_new(&grpcCallbacks) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("could not create the OTLP/gRPC server")));
	nghttp2_session_callbacks_set_on_begin_headers_callback(grpcCallbacks, onBeginHeaders);
	nghttp2_session_callbacks_set_on_header_callback(grpcCallbacks, onHeader);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(grpcCallbacks, onDataChunk);
	nghttp2_session_callbacks_set_on_frame_recv_callback(grpcCallbacks, onFrameRecv);
	nghttp2_session_callbacks_set_on_stream_close_callback(grpcCallbacks, onStreamClose);
	grpcListener = HttpListen("tempo.otlp_grpc_listen", listen, acceptCallback, NULL);
}

/* Settings are read per connection and per call; nothing to redo. */
void
GrpcServerReload(void)
{
}
