/*-------------------------------------------------------------------------
 *
 * otlp_funcs.c
 *	  SQL entry points of the OTLP layer: tempo.ingest() and
 *	  tempo.trace_json().
 *
 * Thin wrappers: argument checks, a memory context for the decoded
 * request, and the result row.  Decoding, validation, conversion and the
 * insert live in otlp_decode.c, otlp_json.c, otlp_convert.c and
 * otlp_store.c, shared with the ingest workers.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/otlp_funcs.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "otlp.h"
#include "quality.h"
#include "usage.h"

PG_FUNCTION_INFO_V1(tempo_ingest);
PG_FUNCTION_INFO_V1(tempo_trace_json);

/*
 * tempo.ingest(payload bytea, content_type text, tenant text)
 *	  RETURNS TABLE(accepted_spans bigint, rejected_spans bigint, message text)
 */
Datum
tempo_ingest(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bytea	   *payload = PG_GETARG_BYTEA_PP(0);
	char	   *content_type = text_to_cstring(PG_GETARG_TEXT_PP(1));
	char	   *tenant = text_to_cstring(PG_GETARG_TEXT_PP(2));
	OtlpFormat	format;
	OtlpIngestStats stats;
	MemoryContext reqcxt;
	MemoryContext oldcxt;
	OtlpRequest *req;
	char	   *message;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};

	format = OtlpParseContentType(content_type);
	if (format == OTLP_FORMAT_INVALID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unsupported OTLP content type \"%s\"", content_type),
				 errhint("Accepted content types are: %s.", OTLP_ACCEPTED_CONTENT_TYPES)));
	OtlpCheckTenant(tenant);

	InitMaterializedSRF(fcinfo, 0);

	memset(&stats, 0, sizeof(stats));
	reqcxt = AllocSetContextCreate(CurrentMemoryContext, "otlp request",
								   ALLOCSET_DEFAULT_SIZES);
	oldcxt = MemoryContextSwitchTo(reqcxt);
	req = OtlpDecode(format, VARDATA_ANY(payload), VARSIZE_ANY_EXHDR(payload));
	UsageTrackRequest(req, tenant);
	OtlpStoreRequest(req, tenant, &stats);
	QualityTrackRequest(req, tenant, &stats);
	MemoryContextSwitchTo(oldcxt);

	message = OtlpStatsMessage(&stats);
	values[0] = Int64GetDatum(stats.spans_accepted);
	values[1] = Int64GetDatum(stats.spans_rejected);
	if (message != NULL)
		values[2] = CStringGetTextDatum(message);
	else
		nulls[2] = true;
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	MemoryContextDelete(reqcxt);
	return (Datum) 0;
}

/*
 * tempo.trace_json(trace_id tempo.trace_id, start_time timestamptz,
 *					end_time timestamptz) RETURNS jsonb
 */
Datum
tempo_trace_json(PG_FUNCTION_ARGS)
{
	bool		found;
	Datum		result;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	result = OtlpTraceJson(PG_GETARG_DATUM(0),
						   !PG_ARGISNULL(1), PG_ARGISNULL(1) ? (Datum) 0 : PG_GETARG_DATUM(1),
						   !PG_ARGISNULL(2), PG_ARGISNULL(2) ? (Datum) 0 : PG_GETARG_DATUM(2),
						   &found);
	if (!found)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(result);
}
