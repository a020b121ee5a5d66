/*-------------------------------------------------------------------------
 *
 * decode_only.c
 *	  Baseline of the ingest benchmark: protobuf-c decode speed.
 *
 * Reads a file of length-prefixed OTLP/protobuf requests (as written by
 * "gen --otlp") into memory, then unpacks every request with the
 * protoc-c generated code and frees it, and prints the spans decoded
 * per second of CPU-bound wall time (file reading excluded) as
 * "decode_spans_per_s=N spans=N requests=N seconds=S".
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  test/bench/decode_only.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	FILE	   *f;
	uint8_t    *data;
	long		size;
	long		off;
	long		spans = 0;
	long		nreq = 0;
	double		t0;
	double		t;

	if (argc != 2)
	{
		fprintf(stderr, "usage: decode_only FILE\n");
		return 2;
	}
	f = fopen(argv[1], "rb");
	if (f == NULL)
	{
		perror(argv[1]);
		return 1;
	}
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, 0, SEEK_SET);
	data = malloc(size > 0 ? size : 1);
	if (data == NULL || (size > 0 && fread(data, 1, size, f) != (size_t) size))
	{
		fprintf(stderr, "decode_only: could not read %s\n", argv[1]);
		return 1;
	}
	fclose(f);

	t0 = now_s();
	for (off = 0; off + 4 <= size;)
	{
		uint32_t	len = ((uint32_t) data[off] << 24) | (data[off + 1] << 16) |
			(data[off + 2] << 8) | data[off + 3];
		Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest *req;
		size_t		i,
					j;

		if (off + 4 + (long) len > size)
			break;
		req = opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(NULL, len, data + off + 4);
		if (req == NULL)
		{
			fprintf(stderr, "decode_only: request %ld does not decode\n", nreq);
			return 1;
		}
		for (i = 0; i < req->n_resource_spans; i++)
			for (j = 0; j < req->resource_spans[i]->n_scope_spans; j++)
				spans += req->resource_spans[i]->scope_spans[j]->n_spans;
		opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(req, NULL);
		off += 4 + len;
		nreq++;
	}
	t = now_s() - t0;
	if (off != size)
	{
		fprintf(stderr, "decode_only: truncated file\n");
		return 1;
	}
	printf("decode_spans_per_s=%.0f spans=%ld requests=%ld seconds=%.3f\n",
		   t > 0 ? spans / t : 0, spans, nreq, t);
	free(data);
	return 0;
}
