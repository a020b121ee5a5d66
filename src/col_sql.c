/*-------------------------------------------------------------------------
 *
 * col_sql.c
 *	  SQL-callable inspection and test functions of the tempo_columnar
 *	  storage: relation and stripe statistics, a predicate-skipping probe,
 *	  per-key jsonb extraction and a superuser-only corruption hook used by
 *	  the regression tests.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/col_sql.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/generic_xlog.h"
#include "access/relation.h"
#include "access/table.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "col_internal.h"

static Relation
open_columnar(Oid relid)
{
	Relation	rel = relation_open(relid, AccessShareLock);

	if (!ColIsColumnar(rel))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a tempo_columnar table",
						RelationGetRelationName(rel))));
	return rel;
}

PG_FUNCTION_INFO_V1(col_relation_stats);
Datum
col_relation_stats(PG_FUNCTION_ARGS)
{
	Relation	rel = open_columnar(PG_GETARG_OID(0));
	TupleDesc	tupdesc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};
	int			nstripes;
	ColStripeInfo *stripes;
	int64		rows = 0,
				raw = 0;
	int			s;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	stripes = ColListStripes(ColRelationStorageId(rel), GetActiveSnapshot(), &nstripes);
	for (s = 0; s < nstripes; s++)
	{
		rows += stripes[s].row_count;
		raw += stripes[s].raw_bytes;
	}
	values[0] = Int64GetDatum(nstripes);
	values[1] = Int64GetDatum(rows);
	values[2] = Int64GetDatum(raw);
	values[3] = Int64GetDatum((int64) ColRelationBlocks(rel) * BLCKSZ);
	relation_close(rel, AccessShareLock);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

PG_FUNCTION_INFO_V1(col_stripes);
Datum
col_stripes(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Relation	rel = open_columnar(PG_GETARG_OID(0));
	TupleDesc	reldesc = RelationGetDescr(rel);
	ColTypeInfo *types = palloc(sizeof(ColTypeInfo) * Max(reldesc->natts, 1));
	int			nstripes;
	ColStripeInfo *stripes;
	BlockNumber nblocks;
	int			s,
				a;

	InitMaterializedSRF(fcinfo, 0);
	for (a = 0; a < reldesc->natts; a++)
		ColTypeInfoInit(&types[a], TupleDescAttr(reldesc, a));
	stripes = ColListStripes(ColRelationStorageId(rel), GetActiveSnapshot(), &nstripes);
	nblocks = ColRelationBlocks(rel);
	for (s = 0; s < nstripes; s++)
	{
		ColFooter  *f = ColReadFooter(rel, &stripes[s], reldesc, types, nblocks);
		Datum		values[6];
		bool		nulls[6] = {false, false, false, false, false, false};

		values[0] = Int64GetDatum(stripes[s].stripe_num);
		values[1] = Int64GetDatum(stripes[s].first_row);
		values[2] = Int64GetDatum(stripes[s].row_count);
		values[3] = Int32GetDatum(f->ngroups);
		values[4] = Int64GetDatum(stripes[s].raw_bytes);
		values[5] = Int64GetDatum(stripes[s].data_length);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	relation_close(rel, AccessShareLock);
	return (Datum) 0;
}

/*
 * col_column_stats(rel): per column, raw and stored chunk bytes and the
 * bytes of its footer sections, summed over the visible stripes.
 */
PG_FUNCTION_INFO_V1(col_column_stats);
Datum
col_column_stats(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Relation	rel = open_columnar(PG_GETARG_OID(0));
	TupleDesc	reldesc = RelationGetDescr(rel);
	int			natts = reldesc->natts;
	ColTypeInfo *types = palloc(sizeof(ColTypeInfo) * Max(natts, 1));
	int64	   *sums = palloc0(sizeof(int64) * 3 * Max(natts, 1));
	int			nstripes;
	ColStripeInfo *stripes;
	BlockNumber nblocks;
	int			s,
				a,
				g;

	InitMaterializedSRF(fcinfo, 0);
	for (a = 0; a < natts; a++)
		ColTypeInfoInit(&types[a], TupleDescAttr(reldesc, a));
	stripes = ColListStripes(ColRelationStorageId(rel), GetActiveSnapshot(), &nstripes);
	nblocks = ColRelationBlocks(rel);
	for (s = 0; s < nstripes; s++)
	{
		ColFooter  *f = ColReadFooter(rel, &stripes[s], reldesc, types, nblocks);

		CHECK_FOR_INTERRUPTS();
		for (a = 0; a < f->natts; a++)
		{
			for (g = 0; g < f->ngroups; g++)
			{
				sums[3 * a] += COL_CHUNK(f, a, g)->raw_len;
				sums[3 * a + 1] += COL_CHUNK(f, a, g)->stored_len;
			}
			sums[3 * a + 2] += f->sect_len[a];
		}
	}
	for (a = 0; a < natts; a++)
	{
		Form_pg_attribute att = TupleDescAttr(reldesc, a);
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};

		if (att->attisdropped)
			continue;
		values[0] = NameGetDatum(&att->attname);
		values[1] = Int64GetDatum(sums[3 * a]);
		values[2] = Int64GetDatum(sums[3 * a + 1]);
		values[3] = Int64GetDatum(sums[3 * a + 2]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	relation_close(rel, AccessShareLock);
	return (Datum) 0;
}

static AttrNumber
column_number(Relation rel, text *name)
{
	char	   *n = text_to_cstring(name);
	AttrNumber	attno = get_attnum(RelationGetRelid(rel), n);

	if (attno <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"%s\" does not exist",
						n, RelationGetRelationName(rel))));
	return attno;
}

/*
 * col_scan_stats(rel, column, op, value): read one column with the
 * predicate "column op value" and report what the reader skipped.
 */
PG_FUNCTION_INFO_V1(col_scan_stats);
Datum
col_scan_stats(PG_FUNCTION_ARGS)
{
	Relation	rel = open_columnar(PG_GETARG_OID(0));
	TupleDesc	tupdesc;
	ColPredicate pred;
	int			npreds = 0;
	Bitmapset  *attrs = NULL;
	ColReadState *rs;
	ColBatch   *b;
	ColReadStats st;
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (!PG_ARGISNULL(1))
	{
		Form_pg_attribute att;
		char	   *op;
		Oid			typinput,
					typioparam;

		pred.attno = column_number(rel, PG_GETARG_TEXT_PP(1));
		att = TupleDescAttr(RelationGetDescr(rel), pred.attno - 1);
		if (PG_ARGISNULL(2) || PG_ARGISNULL(3))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("operator and value must not be NULL")));
		op = text_to_cstring(PG_GETARG_TEXT_PP(2));
		if (strcmp(op, "=") == 0)
			pred.op = COL_OP_EQ;
		else if (strcmp(op, "<") == 0)
			pred.op = COL_OP_LT;
		else if (strcmp(op, "<=") == 0)
			pred.op = COL_OP_LE;
		else if (strcmp(op, ">") == 0)
			pred.op = COL_OP_GT;
		else if (strcmp(op, ">=") == 0)
			pred.op = COL_OP_GE;
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unsupported operator \"%s\"", op),
					 errhint("Use one of =, <, <=, >, >=.")));
		getTypeInputInfo(att->atttypid, &typinput, &typioparam);
		pred.value = OidInputFunctionCall(typinput,
										  text_to_cstring(PG_GETARG_TEXT_PP(3)),
										  typioparam, att->atttypmod);
		pred.collation = att->attcollation;
		npreds = 1;
		attrs = bms_make_singleton(pred.attno);
	}
	rs = ColBeginRead(rel, GetActiveSnapshot(), attrs, &pred, npreds, NULL);
	while (ColReadNext(rs, &b))
		;
	ColReadGetStats(rs, &st);
	ColEndRead(rs);
	values[0] = Int64GetDatum(st.stripes_total);
	values[1] = Int64GetDatum(st.stripes_skipped);
	values[2] = Int64GetDatum(st.chunk_groups_total);
	values[3] = Int64GetDatum(st.chunk_groups_skipped);
	values[4] = Int64GetDatum(st.rows_returned);
	relation_close(rel, AccessShareLock);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* col_key_values(rel, column, key): the key's typed values per row. */
PG_FUNCTION_INFO_V1(col_key_values);
Datum
col_key_values(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Relation	rel = open_columnar(PG_GETARG_OID(0));
	AttrNumber	attno = column_number(rel, PG_GETARG_TEXT_PP(1));
	char	   *key = text_to_cstring(PG_GETARG_TEXT_PP(2));
	ColReadState *rs;
	ColBatch   *b;
	static const char *const names[] = {"absent", "null", "string", "int",
	"float", "bool", "other"};

	InitMaterializedSRF(fcinfo, 0);
	rs = ColBeginRead(rel, GetActiveSnapshot(), NULL, NULL, 0, NULL);
	ColReadAddKey(rs, attno, key);
	while (ColReadNext(rs, &b))
	{
		ColKeyVector *kv = b->keys[0];
		int			i;

		for (i = 0; i < b->nrows; i++)
		{
			Datum		values[3];
			bool		nulls[3] = {false, false, false};
			char		buf[64];
			uint8		t = kv->types[i];

			if (t == COL_KV_ABSENT)
				continue;
			values[0] = Int64GetDatum((int64) ColBatchRownum(b, i));
			values[1] = CStringGetTextDatum(names[t]);
			switch (t)
			{
				case COL_KV_NULL:
					nulls[2] = true;
					values[2] = (Datum) 0;
					break;
				case COL_KV_STRING:
					values[2] = PointerGetDatum(kv->strings[i]);
					break;
				case COL_KV_INT:
					snprintf(buf, sizeof(buf), INT64_FORMAT, kv->ints[i]);
					values[2] = CStringGetTextDatum(buf);
					break;
				case COL_KV_FLOAT:
					values[2] = DirectFunctionCall1(float8out, Float8GetDatum(kv->floats[i]));
					values[2] = CStringGetTextDatum(DatumGetCString(values[2]));
					break;
				case COL_KV_BOOL:
					values[2] = CStringGetTextDatum(kv->ints[i] ? "true" : "false");
					break;
				default:
					{
						Jsonb	   *jb = (Jsonb *) kv->others[i];

						values[2] = CStringGetTextDatum(JsonbToCString(NULL, &jb->root,
																	   VARSIZE(jb)));
					}
					break;
			}
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	ColEndRead(rs);
	relation_close(rel, AccessShareLock);
	return (Datum) 0;
}

/*
 * col_debug_corrupt(rel, block, byte): flip the bits of one payload byte
 * of a data page (WAL-logged as a full page image).  Superuser only; for
 * testing that corruption is detected.
 */
PG_FUNCTION_INFO_V1(col_debug_corrupt);
Datum
col_debug_corrupt(PG_FUNCTION_ARGS)
{
	Relation	rel;
	int64		blkno = PG_GETARG_INT64(1);
	int32		byte = PG_GETARG_INT32(2);
	Buffer		buf;
	GenericXLogState *state;
	Page		page;

	if (!superuser())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be superuser to corrupt tempo_columnar data")));
	rel = relation_open(PG_GETARG_OID(0), AccessExclusiveLock);
	if (!ColIsColumnar(rel))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a tempo_columnar table",
						RelationGetRelationName(rel))));
	if (blkno < 1 || blkno >= ColRelationBlocks(rel) || byte < 0 ||
		byte >= (int32) COL_PAGE_USABLE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("block or byte out of range")));
	buf = ReadBufferExtended(rel, MAIN_FORKNUM, (BlockNumber) blkno, RBM_NORMAL, NULL);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	state = GenericXLogStart(rel);
	page = GenericXLogRegisterBuffer(state, buf, GENERIC_XLOG_FULL_IMAGE);
	((char *) page)[SizeOfPageHeaderData + byte] ^= 0xFF;
	GenericXLogFinish(state);
	UnlockReleaseBuffer(buf);
	relation_close(rel, AccessExclusiveLock);
	PG_RETURN_VOID();
}
