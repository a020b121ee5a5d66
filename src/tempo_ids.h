/*-------------------------------------------------------------------------
 *
 * tempo_ids.h
 *	  The tempo.trace_id (16 bytes) and tempo.span_id (8 bytes) types.
 *
 * trace_id is a fixed-length pass-by-reference type holding the 16 raw id
 * bytes.  span_id is pass-by-value: the 8 id bytes read as a big-endian
 * unsigned integer, so integer order equals byte order equals the order of
 * the hex text.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/tempo_ids.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TEMPO_IDS_H
#define TEMPO_IDS_H

#include "fmgr.h"

#define TRACE_ID_LEN 16
#define SPAN_ID_LEN 8

typedef struct TraceId
{
	uint8		data[TRACE_ID_LEN];
} TraceId;

#define DatumGetTraceIdP(X)		((TraceId *) DatumGetPointer(X))
#define TraceIdPGetDatum(X)		PointerGetDatum(X)
#define PG_GETARG_TRACE_ID_P(n) DatumGetTraceIdP(PG_GETARG_DATUM(n))
#define PG_RETURN_TRACE_ID_P(x) return TraceIdPGetDatum(x)

/* span ids are carried as uint64 in a Datum */
#define DatumGetSpanId(X)		((uint64) DatumGetInt64(X))
#define SpanIdGetDatum(X)		Int64GetDatum((int64) (X))

/* in tempo_ids.c */
extern uint64 SpanIdFromBytes(const uint8 *bytes);
extern void SpanIdToBytes(uint64 id, uint8 *bytes);
extern bool TempoParseHex(const char *str, int len, uint8 *out, int nbytes);
extern void TempoFormatHex(const uint8 *bytes, int nbytes, char *out);
extern Oid	TempoTraceIdTypeOid(void);
extern Oid	TempoSpanIdTypeOid(void);

#endif							/* TEMPO_IDS_H */
