/*-------------------------------------------------------------------------
 *
 * http_codec.c
 *	  Protocol-neutral pieces of the ingest workers: status mapping, gzip
 *	  inflation with a size cap, response bodies, listening sockets.
 *
 * Inflation streams: the output grows in steps of at most HTTP_INFLATE_STEP
 * and stops one byte past the limit, so a gzip bomb costs no more than
 * tempo.max_request_bytes of memory before it is refused.
 *
 * Response bodies follow OTLP: success is an ExportTraceServiceResponse
 * (empty, or with partial_success), failures a google.rpc.Status, both in
 * the request's format (protobuf or OTLP/JSON, where 64-bit integers are
 * strings).
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/http_codec.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <zlib.h>

#include "miscadmin.h"
#include "utils/json.h"
#include "utils/memutils.h"

#include "google/rpc/status.pb-c.h"
#include "http_internal.h"

/* inflate output is grown by at most this much at a time */
#define HTTP_INFLATE_STEP	(64 * 1024)

/* HTTP status code of a request outcome. */
int
HttpStatusHttpCode(HttpStatus status)
{
	switch (status)
	{
		case HTTP_STATUS_OK:
			return 200;
		case HTTP_STATUS_BAD_DATA:
			return 400;
		case HTTP_STATUS_UNAUTHENTICATED:
			return 401;
		case HTTP_STATUS_NOT_FOUND:
			return 404;
		case HTTP_STATUS_BAD_METHOD:
			return 405;
		case HTTP_STATUS_TOO_LARGE:
			return 413;
		case HTTP_STATUS_BAD_TYPE:
			return 415;
		case HTTP_STATUS_RATE_LIMITED:
			return 429;
		case HTTP_STATUS_UNAVAILABLE:
			return 503;
		case HTTP_STATUS_INTERNAL:
		case HTTP_NUM_STATUSES:
			break;
	}
	return 500;
}

/*
 * gRPC status code of a request outcome.  Rate limiting is
 * RESOURCE_EXHAUSTED as in Tempo; overload and an unreachable database are
 * UNAVAILABLE, the code OTLP clients retry.
 */
int
HttpStatusGrpcCode(HttpStatus status)
{
	switch (status)
	{
		case HTTP_STATUS_OK:
			return GRPC_OK;
		case HTTP_STATUS_BAD_DATA:
		case HTTP_STATUS_BAD_TYPE:
			return GRPC_INVALID_ARGUMENT;
		case HTTP_STATUS_UNAUTHENTICATED:
			return GRPC_UNAUTHENTICATED;
		case HTTP_STATUS_NOT_FOUND:
		case HTTP_STATUS_BAD_METHOD:
			return GRPC_UNIMPLEMENTED;
		case HTTP_STATUS_TOO_LARGE:
		case HTTP_STATUS_RATE_LIMITED:
			return GRPC_RESOURCE_EXHAUSTED;
		case HTTP_STATUS_UNAVAILABLE:
			return GRPC_UNAVAILABLE;
		case HTTP_STATUS_INTERNAL:
		case HTTP_NUM_STATUSES:
			break;
	}
	return GRPC_INTERNAL;
}

/* zlib allocator on top of the current memory context; NULL when out of memory */
static voidpf
zallocPalloc(voidpf opaque, uInt items, uInt size)
{
	return MemoryContextAllocExtended((MemoryContext) opaque,
									  (Size) items * size, MCXT_ALLOC_NO_OOM);
}

static void
zfreePalloc(voidpf opaque, voidpf address)
{
	pfree(address);
}

/*
 * Inflate a gzip stream given as a list of chunks into out (initialised by
 * the caller, in the current memory context), stopping when more than
 * limit bytes come out.  Concatenated gzip members are accepted.
 */
HttpInflateResult
HttpInflate(const struct iovec *chunks, int nchunks, size_t limit, StringInfo out)
{
	z_stream	zs;
	HttpInflateResult result = HTTP_INFLATE_OK;
	bool		ended = false;
	int			i;

	memset(&zs, 0, sizeof(zs));
	zs.zalloc = zallocPalloc;
	zs.zfree = zfreePalloc;
	zs.opaque = (voidpf) CurrentMemoryContext;
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
		return HTTP_INFLATE_BAD;

	for (i = 0; i < nchunks && result == HTTP_INFLATE_OK; i++)
	{
		zs.next_in = (Bytef *) chunks[i].iov_base;
		zs.avail_in = (uInt) chunks[i].iov_len;

		while (zs.avail_in > 0)
		{
			size_t		room;
			int			rc;

			CHECK_FOR_INTERRUPTS();
			if (ended)
			{
				/* another gzip member follows */
				if (inflateReset(&zs) != Z_OK)
				{
					result = HTTP_INFLATE_BAD;
					break;
				}
				ended = false;
			}
			if ((size_t) out->len > limit)
			{
				result = HTTP_INFLATE_TOO_LARGE;
				break;
			}
			/* never produce more than one byte past the limit */
			room = Min((size_t) HTTP_INFLATE_STEP, limit + 1 - out->len);
			enlargeStringInfo(out, (int) room);
			zs.next_out = (Bytef *) out->data + out->len;
			zs.avail_out = (uInt) room;
			rc = inflate(&zs, Z_NO_FLUSH);
			out->len += room - zs.avail_out;
			out->data[out->len] = '\0';
			if (rc == Z_STREAM_END)
				ended = true;
			else if (rc == Z_BUF_ERROR && zs.avail_out > 0)
			{
				result = HTTP_INFLATE_BAD;
				break;
			}
			else if (rc != Z_OK && rc != Z_BUF_ERROR)
			{
				result = HTTP_INFLATE_BAD;
				break;
			}
		}
	}
	if (result == HTTP_INFLATE_OK && (size_t) out->len > limit)
		result = HTTP_INFLATE_TOO_LARGE;
	else if (result == HTTP_INFLATE_OK && !ended)
		result = HTTP_INFLATE_BAD;	/* truncated or empty stream */
	inflateEnd(&zs);
	return result;
}

/* Append a google.rpc.Status with code and message to out. */
void
HttpEncodeStatus(StringInfo out, OtlpFormat format, int grpc_code,
				 const char *message)
{
	if (format == OTLP_FORMAT_PROTOBUF)
	{
		Google__Rpc__Status st = GOOGLE__RPC__STATUS__INIT;
		size_t		len;

		st.code = grpc_code;
		st.message = (char *) (message ? message : "");
		len = google__rpc__status__get_packed_size(&st);
		enlargeStringInfo(out, (int) len);
		google__rpc__status__pack(&st, (uint8_t *) out->data + out->len);
		out->len += len;
		out->data[out->len] = '\0';
	}
	else
	{
		appendStringInfo(out, "{\"code\":%d,\"message\":", grpc_code);
		escape_json(out, message ? message : "");
		appendStringInfoChar(out, '}');
	}
}

/*
 * Append an ExportTraceServiceResponse to out: empty for full success, with
 * partial_success when spans were rejected or message warns of something.
 */
void
HttpEncodeExportResponse(StringInfo out, OtlpFormat format, int64 rejected,
						 const char *message)
{
	bool		partial = (rejected > 0 || message != NULL);

	if (format == OTLP_FORMAT_PROTOBUF)
	{
		Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceResponse resp =
			OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_RESPONSE__INIT;
		Opentelemetry__Proto__Collector__Trace__V1__ExportTracePartialSuccess ps =
			OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_PARTIAL_SUCCESS__INIT;
		size_t		len;

		if (partial)
		{
			ps.rejected_spans = rejected;
			ps.error_message = (char *) (message ? message : "");
			resp.partial_success = &ps;
		}
		len = opentelemetry__proto__collector__trace__v1__export_trace_service_response__get_packed_size(&resp);
		enlargeStringInfo(out, (int) len);
		opentelemetry__proto__collector__trace__v1__export_trace_service_response__pack(&resp,
																					   (uint8_t *) out->data + out->len);
		out->len += len;
		out->data[out->len] = '\0';
	}
	else if (!partial)
		appendStringInfoString(out, "{}");
	else
	{
		appendStringInfo(out, "{\"partialSuccess\":{\"rejectedSpans\":\"" INT64_FORMAT "\"",
						 rejected);
		if (message != NULL)
		{
			appendStringInfoString(out, ",\"errorMessage\":");
			escape_json(out, message);
		}
		appendStringInfoString(out, "}}");
	}
}

/*
 * Warn when something already listens on a "host:port" setting.  Called in
 * the postmaster before the workers start: a plain bind (SO_REUSEADDR,
 * which only excuses TIME_WAIT, but not SO_REUSEPORT) fails if any socket
 * listens there.  With SO_REUSEPORT the kernel would otherwise quietly
 * share the port, and the connections, with another server run by the
 * same user.
 */
void
HttpCheckListen(const char *setting, const char *listen)
{
	struct sockaddr_storage ss;
	int			sslen = sizeof(ss);
	int			fd;
	int			one = 1;

	if (listen == NULL || listen[0] == '\0')
		return;
	memset(&ss, 0, sizeof(ss));
	if (evutil_parse_sockaddr_port(listen, (struct sockaddr *) &ss, &sslen) != 0)
	{
		ereport(WARNING,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for parameter \"%s\": \"%s\"", setting, listen),
				 errhint("Use host:port, such as \"127.0.0.1:4318\" or \"[::1]:4318\".")));
		return;
	}
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0)
		return;
	(void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *) &ss, sslen) != 0 && errno == EADDRINUSE)
		ereport(WARNING,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("address \"%s\" of \"%s\" is already in use", listen, setting),
				 errdetail("Another process listens there; the tempo ingest workers may fail to listen or share its connections."),
				 errhint("Give each server its own OTLP addresses.")));
	close(fd);
}

/*
 * Open a listening socket for a "host:port" setting (IPv6 as
 * "[addr]:port"), with SO_REUSEADDR and SO_REUSEPORT so that every ingest
 * worker can listen on the same port and the kernel spreads connections.
 * cb is an evconnlistener_cb.  Raises an error naming the setting when the
 * value is bad or the address cannot be bound.
 */
struct evconnlistener *
HttpListen(const char *setting, const char *listen, evconnlistener_cb cb,
		   void *arg)
{
	struct sockaddr_storage ss;
	int			sslen = sizeof(ss);
	struct evconnlistener *lev;

	memset(&ss, 0, sizeof(ss));
	if (evutil_parse_sockaddr_port(listen, (struct sockaddr *) &ss, &sslen) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for parameter \"%s\": \"%s\"", setting, listen),
				 errhint("Use host:port, such as \"127.0.0.1:4318\" or \"[::1]:4318\".")));
	lev = evconnlistener_new_bind(HttpEventBase, cb, arg,
								  LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC |
								  LEV_OPT_REUSEABLE | LEV_OPT_REUSEABLE_PORT,
								  128, (struct sockaddr *) &ss, sslen);
	if (lev == NULL)
		ereport(ERROR,
				(errcode_for_socket_access(),
				 errmsg("could not listen on \"%s\" (%s): %m", listen, setting)));
	return lev;
}
