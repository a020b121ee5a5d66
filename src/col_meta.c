/*-------------------------------------------------------------------------
 *
 * col_meta.c
 *	  Stripe catalog rows of tempo_columnar relations (tempo.col_stripe).
 *
 * Every stripe has one heap row in tempo.col_stripe, inserted by the
 * transaction that wrote the stripe.  The stripe is visible exactly when
 * that row is visible under the scan's snapshot, which gives the data
 * pages (which carry no transaction ids) full MVCC: aborted and rolled
 * back stripes are invisible, concurrent readers see consistent sets.
 * Rows are keyed by the storage id kept in the relation's metapage, so a
 * new relfilenode (TRUNCATE, rewrite) starts with an empty stripe set.
 * Access goes through the heap and systable_* APIs, never SPI; when the
 * primary key index is missing (binary upgrade) scans fall back to a heap
 * scan.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/col_meta.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "commands/sequence.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "col_internal.h"

#define COL_SCHEMA				"tempo"
#define COL_STRIPE_TABLE		"col_stripe"
#define COL_STRIPE_INDEX		"col_stripe_pkey"
#define COL_STORAGE_SEQ			"col_storage_id_seq"

#define Natts_col_stripe		8
#define Anum_cs_storage_id		1
#define Anum_cs_stripe_num		2
#define Anum_cs_first_row		3
#define Anum_cs_row_count		4
#define Anum_cs_start_block		5
#define Anum_cs_data_length		6
#define Anum_cs_footer_length	7
#define Anum_cs_raw_bytes		8

static Oid
col_schema_oid(bool missing_ok)
{
	return get_namespace_oid(COL_SCHEMA, missing_ok);
}

static Oid
col_relid(const char *name, bool missing_ok)
{
	Oid			nsp = col_schema_oid(missing_ok);
	Oid			relid;

	if (!OidIsValid(nsp))
		return InvalidOid;
	relid = get_relname_relid(name, nsp);
	if (!OidIsValid(relid) && !missing_ok)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation \"%s.%s\" does not exist", COL_SCHEMA, name),
				 errhint("The tempo extension must be installed to use tempo_columnar tables.")));
	return relid;
}

Oid
ColStripeCatalogOid(bool missing_ok)
{
	return col_relid(COL_STRIPE_TABLE, missing_ok);
}

uint64
ColNewStorageId(void)
{
	return (uint64) nextval_internal(col_relid(COL_STORAGE_SEQ, false), false);
}

void
ColInsertStripeRow(uint64 storage_id, const ColStripeInfo *si)
{
	Relation	crel;
	Datum		values[Natts_col_stripe];
	bool		nulls[Natts_col_stripe];
	HeapTuple	tup;

	crel = table_open(ColStripeCatalogOid(false), RowExclusiveLock);
	memset(nulls, 0, sizeof(nulls));
	values[Anum_cs_storage_id - 1] = Int64GetDatum((int64) storage_id);
	values[Anum_cs_stripe_num - 1] = Int64GetDatum((int64) si->stripe_num);
	values[Anum_cs_first_row - 1] = Int64GetDatum((int64) si->first_row);
	values[Anum_cs_row_count - 1] = Int64GetDatum((int64) si->row_count);
	values[Anum_cs_start_block - 1] = Int64GetDatum((int64) si->start_block);
	values[Anum_cs_data_length - 1] = Int64GetDatum((int64) si->data_length);
	values[Anum_cs_footer_length - 1] = Int64GetDatum((int64) si->footer_length);
	values[Anum_cs_raw_bytes - 1] = Int64GetDatum((int64) si->raw_bytes);
	tup = heap_form_tuple(RelationGetDescr(crel), values, nulls);
	CatalogTupleInsert(crel, tup);
	heap_freetuple(tup);
	table_close(crel, RowExclusiveLock);
}

static int
stripe_cmp(const void *a, const void *b)
{
	const ColStripeInfo *sa = a;
	const ColStripeInfo *sb = b;

	if (sa->stripe_num < sb->stripe_num)
		return -1;
	return sa->stripe_num > sb->stripe_num ? 1 : 0;
}

/*
 * Visible stripes of a storage, ordered by stripe number, palloc'd in the
 * current memory context.
 */
ColStripeInfo *
ColListStripes(uint64 storage_id, Snapshot snapshot, int *nstripes)
{
	Oid			crelid = ColStripeCatalogOid(false);
	Oid			idxid = col_relid(COL_STRIPE_INDEX, true);
	Relation	crel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;
	ColStripeInfo *res;
	int			n = 0;
	int			cap = 16;

	res = palloc(sizeof(ColStripeInfo) * cap);
	crel = table_open(crelid, AccessShareLock);
	ScanKeyInit(&key, Anum_cs_storage_id, BTEqualStrategyNumber, F_INT8EQ,
				Int64GetDatum((int64) storage_id));
	scan = systable_beginscan(crel, idxid, OidIsValid(idxid), snapshot, 1, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Datum		values[Natts_col_stripe];
		bool		nulls[Natts_col_stripe];
		ColStripeInfo *si;
		int			i;

		heap_deform_tuple(tup, RelationGetDescr(crel), values, nulls);
		for (i = 0; i < Natts_col_stripe; i++)
			if (nulls[i])
				ColCorrupt("stripe catalog row has a NULL field");
		if (n == cap)
		{
			cap *= 2;
			res = repalloc(res, sizeof(ColStripeInfo) * cap);
		}
		si = &res[n++];
		si->stripe_num = DatumGetInt64(values[Anum_cs_stripe_num - 1]);
		si->first_row = DatumGetInt64(values[Anum_cs_first_row - 1]);
		si->row_count = DatumGetInt64(values[Anum_cs_row_count - 1]);
		si->start_block = (BlockNumber) DatumGetInt64(values[Anum_cs_start_block - 1]);
		si->data_length = DatumGetInt64(values[Anum_cs_data_length - 1]);
		si->footer_length = DatumGetInt64(values[Anum_cs_footer_length - 1]);
		si->raw_bytes = DatumGetInt64(values[Anum_cs_raw_bytes - 1]);
		si->head = NULL;
		if (si->footer_length > si->data_length || si->start_block == 0 ||
			si->row_count == 0)
			ColCorrupt("stripe catalog row is inconsistent");
	}
	systable_endscan(scan);
	table_close(crel, AccessShareLock);
	/* the head's small stripes (col_head.c) read like the others */
	ColHeadAppendStripes(storage_id, snapshot, &res, &n, &cap);
	if (n > 1)
		qsort(res, n, sizeof(ColStripeInfo), stripe_cmp);
	*nstripes = n;
	return res;
}

/* Delete (transactionally) every catalog row of a storage. */
void
ColDeleteStorageRows(uint64 storage_id)
{
	Oid			crelid = ColStripeCatalogOid(true);
	Oid			idxid;
	Relation	crel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;

	if (!OidIsValid(crelid))
		return;
	idxid = col_relid(COL_STRIPE_INDEX, true);
	crel = table_open(crelid, RowExclusiveLock);
	ScanKeyInit(&key, Anum_cs_storage_id, BTEqualStrategyNumber, F_INT8EQ,
				Int64GetDatum((int64) storage_id));
	scan = systable_beginscan(crel, idxid, OidIsValid(idxid), SnapshotSelf, 1, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
		simple_heap_delete(crel, &tup->t_self);
	systable_endscan(scan);
	table_close(crel, RowExclusiveLock);
	ColHeadDeleteStorage(storage_id);
	CommandCounterIncrement();
}

uint64
ColRelationStorageId(Relation rel)
{
	ColMetaPage meta;

	if (!ColReadMetapage(rel, &meta))
		ColCorrupt("metapage is missing or invalid");
	if (meta.version != COL_FORMAT_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("tempo_columnar relation \"%s\" has unsupported format version %u",
						RelationGetRelationName(rel), meta.version)));
	return meta.storage_id;
}
