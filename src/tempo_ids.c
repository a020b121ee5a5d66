/*-------------------------------------------------------------------------
 *
 * tempo_ids.c
 *	  I/O, comparison, hashing and casts for tempo.trace_id and
 *	  tempo.span_id.
 *
 * Text form is exactly 32 (trace) or 16 (span) hex digits; upper case is
 * accepted on input, output is lower case.  Anything else raises 22P02.
 * Binary form (send/recv, bytea casts) is the raw id bytes.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/tempo_ids.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "tempo_ids.h"

static const char hexdigits[] = "0123456789abcdef";

static inline int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Parse exactly nbytes*2 hex digits from str (of length len) into out.
 * Returns false on a wrong length or a non-hex character.
 */
bool
TempoParseHex(const char *str, int len, uint8 *out, int nbytes)
{
	int			i;

	if (len != nbytes * 2)
		return false;
	for (i = 0; i < nbytes; i++)
	{
		int			hi = hexval(str[2 * i]);
		int			lo = hexval(str[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8) ((hi << 4) | lo);
	}
	return true;
}

/* Format nbytes as lower-case hex into out, which must hold 2*nbytes+1. */
void
TempoFormatHex(const uint8 *bytes, int nbytes, char *out)
{
	int			i;

	for (i = 0; i < nbytes; i++)
	{
		out[2 * i] = hexdigits[bytes[i] >> 4];
		out[2 * i + 1] = hexdigits[bytes[i] & 0x0f];
	}
	out[2 * nbytes] = '\0';
}

uint64
SpanIdFromBytes(const uint8 *bytes)
{
	uint64		v = 0;
	int			i;

	for (i = 0; i < SPAN_ID_LEN; i++)
		v = (v << 8) | bytes[i];
	return v;
}

void
SpanIdToBytes(uint64 id, uint8 *bytes)
{
	int			i;

	for (i = SPAN_ID_LEN - 1; i >= 0; i--)
	{
		bytes[i] = (uint8) (id & 0xff);
		id >>= 8;
	}
}

static void
parse_id_text(const char *str, uint8 *out, int nbytes, const char *typname)
{
	if (!TempoParseHex(str, strlen(str), out, nbytes))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s: \"%s\"", typname, str),
				 errdetail("A %s is exactly %d hexadecimal digits.", typname, nbytes * 2)));
}

static void
check_id_bytea_length(bytea *b, int nbytes, const char *typname)
{
	if (VARSIZE_ANY_EXHDR(b) != nbytes)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid length for type %s: %d bytes", typname,
						(int) VARSIZE_ANY_EXHDR(b)),
				 errdetail("A %s is exactly %d bytes.", typname, nbytes)));
}

static bytea *
bytes_to_bytea(const uint8 *bytes, int nbytes)
{
	bytea	   *result = palloc(VARHDRSZ + nbytes);

	SET_VARSIZE(result, VARHDRSZ + nbytes);
	memcpy(VARDATA(result), bytes, nbytes);
	return result;
}

/* Look up a type of ours by name in the extension schema. */
static Oid
tempo_type_oid(const char *name)
{
	Oid			nsp = get_namespace_oid("tempo", false);

	return GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
						   CStringGetDatum(name), ObjectIdGetDatum(nsp));
}

Oid
TempoTraceIdTypeOid(void)
{
	return tempo_type_oid("trace_id");
}

Oid
TempoSpanIdTypeOid(void)
{
	return tempo_type_oid("span_id");
}

/* ---------- trace_id ---------- */

PG_FUNCTION_INFO_V1(trace_id_in);
Datum
trace_id_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	TraceId    *result = palloc(sizeof(TraceId));

	parse_id_text(str, result->data, TRACE_ID_LEN, "trace_id");
	PG_RETURN_TRACE_ID_P(result);
}

PG_FUNCTION_INFO_V1(trace_id_out);
Datum
trace_id_out(PG_FUNCTION_ARGS)
{
	TraceId    *id = PG_GETARG_TRACE_ID_P(0);
	char	   *result = palloc(TRACE_ID_LEN * 2 + 1);

	TempoFormatHex(id->data, TRACE_ID_LEN, result);
	PG_RETURN_CSTRING(result);
}

PG_FUNCTION_INFO_V1(trace_id_recv);
Datum
trace_id_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	TraceId    *result = palloc(sizeof(TraceId));

	memcpy(result->data, pq_getmsgbytes(buf, TRACE_ID_LEN), TRACE_ID_LEN);
	PG_RETURN_TRACE_ID_P(result);
}

PG_FUNCTION_INFO_V1(trace_id_send);
Datum
trace_id_send(PG_FUNCTION_ARGS)
{
	TraceId    *id = PG_GETARG_TRACE_ID_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbytes(&buf, (char *) id->data, TRACE_ID_LEN);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

static inline int
trace_id_cmp_internal(TraceId *a, TraceId *b)
{
	return memcmp(a->data, b->data, TRACE_ID_LEN);
}

PG_FUNCTION_INFO_V1(trace_id_cmp);
Datum
trace_id_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(trace_id_cmp_internal(PG_GETARG_TRACE_ID_P(0),
										  PG_GETARG_TRACE_ID_P(1)));
}

#define TRACE_ID_CMP_FN(fname, op) \
PG_FUNCTION_INFO_V1(fname); \
Datum \
fname(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_BOOL(trace_id_cmp_internal(PG_GETARG_TRACE_ID_P(0), \
										 PG_GETARG_TRACE_ID_P(1)) op 0); \
}

TRACE_ID_CMP_FN(trace_id_eq, ==)
TRACE_ID_CMP_FN(trace_id_ne, !=)
TRACE_ID_CMP_FN(trace_id_lt, <)
TRACE_ID_CMP_FN(trace_id_le, <=)
TRACE_ID_CMP_FN(trace_id_gt, >)
TRACE_ID_CMP_FN(trace_id_ge, >=)

PG_FUNCTION_INFO_V1(trace_id_hash);
Datum
trace_id_hash(PG_FUNCTION_ARGS)
{
	TraceId    *id = PG_GETARG_TRACE_ID_P(0);

	return hash_any(id->data, TRACE_ID_LEN);
}

PG_FUNCTION_INFO_V1(trace_id_hash_extended);
Datum
trace_id_hash_extended(PG_FUNCTION_ARGS)
{
	TraceId    *id = PG_GETARG_TRACE_ID_P(0);

	return hash_any_extended(id->data, TRACE_ID_LEN, PG_GETARG_INT64(1));
}

PG_FUNCTION_INFO_V1(trace_id_to_bytea);
Datum
trace_id_to_bytea(PG_FUNCTION_ARGS)
{
	TraceId    *id = PG_GETARG_TRACE_ID_P(0);

	PG_RETURN_BYTEA_P(bytes_to_bytea(id->data, TRACE_ID_LEN));
}

PG_FUNCTION_INFO_V1(bytea_to_trace_id);
Datum
bytea_to_trace_id(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	TraceId    *result;

	check_id_bytea_length(b, TRACE_ID_LEN, "trace_id");
	result = palloc(sizeof(TraceId));
	memcpy(result->data, VARDATA_ANY(b), TRACE_ID_LEN);
	PG_RETURN_TRACE_ID_P(result);
}

/* ---------- span_id ---------- */

PG_FUNCTION_INFO_V1(span_id_in);
Datum
span_id_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	uint8		bytes[SPAN_ID_LEN];

	parse_id_text(str, bytes, SPAN_ID_LEN, "span_id");
	return SpanIdGetDatum(SpanIdFromBytes(bytes));
}

PG_FUNCTION_INFO_V1(span_id_out);
Datum
span_id_out(PG_FUNCTION_ARGS)
{
	uint8		bytes[SPAN_ID_LEN];
	char	   *result = palloc(SPAN_ID_LEN * 2 + 1);

	SpanIdToBytes(DatumGetSpanId(PG_GETARG_DATUM(0)), bytes);
	TempoFormatHex(bytes, SPAN_ID_LEN, result);
	PG_RETURN_CSTRING(result);
}

PG_FUNCTION_INFO_V1(span_id_recv);
Datum
span_id_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);

	return SpanIdGetDatum(SpanIdFromBytes((const uint8 *) pq_getmsgbytes(buf, SPAN_ID_LEN)));
}

PG_FUNCTION_INFO_V1(span_id_send);
Datum
span_id_send(PG_FUNCTION_ARGS)
{
	uint8		bytes[SPAN_ID_LEN];
	StringInfoData buf;

	SpanIdToBytes(DatumGetSpanId(PG_GETARG_DATUM(0)), bytes);
	pq_begintypsend(&buf);
	pq_sendbytes(&buf, (char *) bytes, SPAN_ID_LEN);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

static inline int
span_id_cmp_internal(uint64 a, uint64 b)
{
	return (a > b) - (a < b);
}

PG_FUNCTION_INFO_V1(span_id_cmp);
Datum
span_id_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(span_id_cmp_internal(DatumGetSpanId(PG_GETARG_DATUM(0)),
										 DatumGetSpanId(PG_GETARG_DATUM(1))));
}

#define SPAN_ID_CMP_FN(fname, op) \
PG_FUNCTION_INFO_V1(fname); \
Datum \
fname(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_BOOL(span_id_cmp_internal(DatumGetSpanId(PG_GETARG_DATUM(0)), \
										DatumGetSpanId(PG_GETARG_DATUM(1))) op 0); \
}

SPAN_ID_CMP_FN(span_id_eq, ==)
SPAN_ID_CMP_FN(span_id_ne, !=)
SPAN_ID_CMP_FN(span_id_lt, <)
SPAN_ID_CMP_FN(span_id_le, <=)
SPAN_ID_CMP_FN(span_id_gt, >)
SPAN_ID_CMP_FN(span_id_ge, >=)

PG_FUNCTION_INFO_V1(span_id_hash);
Datum
span_id_hash(PG_FUNCTION_ARGS)
{
	return DirectFunctionCall1(hashint8, PG_GETARG_DATUM(0));
}

PG_FUNCTION_INFO_V1(span_id_hash_extended);
Datum
span_id_hash_extended(PG_FUNCTION_ARGS)
{
	return DirectFunctionCall2(hashint8extended, PG_GETARG_DATUM(0),
							   PG_GETARG_DATUM(1));
}

PG_FUNCTION_INFO_V1(span_id_to_bytea);
Datum
span_id_to_bytea(PG_FUNCTION_ARGS)
{
	uint8		bytes[SPAN_ID_LEN];

	SpanIdToBytes(DatumGetSpanId(PG_GETARG_DATUM(0)), bytes);
	PG_RETURN_BYTEA_P(bytes_to_bytea(bytes, SPAN_ID_LEN));
}

PG_FUNCTION_INFO_V1(bytea_to_span_id);
Datum
bytea_to_span_id(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);

	check_id_bytea_length(b, SPAN_ID_LEN, "span_id");
	return SpanIdGetDatum(SpanIdFromBytes((const uint8 *) VARDATA_ANY(b)));
}
