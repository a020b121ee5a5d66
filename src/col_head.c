/*-------------------------------------------------------------------------
 *
 * col_head.c
 *	  The durable head of tempo_columnar relations: small stripes kept in a
 *	  heap catalog (tempo.col_head) until the compactor merges them.
 *
 * Design
 * ------
 * Every flush of a write buffer (end of an INSERT or COPY statement, end
 * of an ingest request, commit) used to become a stripe in the relation's
 * pages, so an OTLP request of 500 spans made a 500-row stripe: many
 * footers, poor compression, stripe-at-a-time pruning that prunes
 * nothing.  Now a flush of fewer than tempo.head_flush_rows rows goes to
 * the head instead: the buffer is encoded as a stripe would be (chunks,
 * zone maps, blooms, zstd, footer) and the bytes are stored as a bytea in
 * one row of tempo.col_head, keyed like tempo.col_stripe by the
 * relation's storage id and the stripe number.  One difference: jsonb
 * chunks of head stripes are not shredded by key (ColTypeInfo.plain_jsonb)
 * but kept as whole values (dictionary or plain, zstd).  The head is a
 * write-side format: every head row is decoded once more by the
 * compactor, which needs whole values to merge rows from many head
 * stripes, and rebuilding jsonb from shredded keys cost the compactor
 * more than all its other work together (on 750k OTLP spans: 12.5 us a
 * row with shredded heads, 6.4 with whole values).  Whole values cost the
 * ingest worker no more than shredding (the zstd of whole attribute
 * objects is about as fast as shredding them), and the head took 13%
 * more bytes (62 instead of 55 a span).  Readers of the head extract
 * keys from whole values (ColJsonbKeyFromValues), slower per row than
 * from shredded streams, on the few recent rows the head holds.  The heap row gives the
 * head MVCC, WAL and crash safety, and TOAST keeps it off the main heap
 * pages (the column is STORAGE EXTERNAL: the bytes are already
 * compressed).
 *
 * Readers do not know about the head.  ColListStripes() appends the
 * visible head rows to the stripe list as stripes whose start_block is 0
 * and whose `head` field points at a ColHeadRef; every byte read of a
 * stripe goes through ColStripeBytes(), which copies from the head row
 * (detoasted once, lazily, when the stripe is first read) instead of the
 * relation's pages.  Footers, chunk decoders, predicates, late
 * materialization, parallel scans and the vectorized aggregate work
 * unchanged, so every acknowledged span is visible at once to plain SQL,
 * the custom scan, TraceQL and tempo.trace().
 *
 * The compactor (col_compact.c) reads head stripes with the reader's
 * chunk decoders, writes large sorted stripes into the pages and deletes
 * the head rows, all in one transaction: a crash before the commit leaves
 * the head as it was (the new pages are unreferenced garbage), a crash
 * after it leaves the new stripes only.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/col_head.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/detoast.h"
#include "access/genam.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "col_compact.h"
#include "col_internal.h"

#define COL_HEAD_TABLE			"col_head"
#define COL_HEAD_INDEX			"col_head_pkey"

#define Natts_col_head			10
#define Anum_ch_storage_id		1
#define Anum_ch_stripe_num		2
#define Anum_ch_relid			3
#define Anum_ch_first_row		4
#define Anum_ch_row_count		5
#define Anum_ch_data_length		6
#define Anum_ch_footer_length	7
#define Anum_ch_raw_bytes		8
#define Anum_ch_created			9
#define Anum_ch_data			10

/* A head stripe as listed; the bytes are fetched on first use. */
typedef struct ColHeadRef
{
	ItemPointerData tid;		/* the catalog row */
	TimestampTz created;
	struct varlena *stored;		/* the bytea as stored (may be a TOAST
								 * pointer) */
	char	   *bytes;			/* detoasted payload, or NULL */
} ColHeadRef;

/* tempo.head_flush_rows: flushes with fewer rows go to the head */
int			col_head_flush_rows = COL_STRIPE_ROWS / 2;

void
ColHeadInit(void)
{
	DefineCustomIntVariable("tempo.head_flush_rows",
							"Writes of fewer rows than this go to the head of a tempo_columnar table.",
							"The compactor later merges the head into large stripes; 0 writes every flush as a stripe.",
							&col_head_flush_rows,
							COL_STRIPE_ROWS / 2, 0, COL_STRIPE_ROWS,
							PGC_USERSET,
							0,
							NULL, NULL, NULL);
}

static Oid
head_relid(const char *name)
{
	Oid			nsp = get_namespace_oid("tempo", true);

	if (!OidIsValid(nsp))
		return InvalidOid;
	return get_relname_relid(name, nsp);
}

/*
 * Should a flush of nrows rows of rel go to the head?  Only when the
 * extension's head catalog exists (not while the extension is being
 * created or on a server with an older install script).
 */
bool
ColHeadAccepts(Relation rel, int nrows)
{
	if (nrows >= col_head_flush_rows)
		return false;
	if (rel->rd_rel->relpersistence != RELPERSISTENCE_PERMANENT)
		return false;
	return OidIsValid(head_relid(COL_HEAD_TABLE));
}

/* Store the encoded stripe data (si->data_length bytes) as a head row. */
void
ColHeadInsert(Relation rel, uint64 storage_id, const ColStripeInfo *si,
			  const char *data, TimestampTz created)
{
	Relation	hrel;
	Datum		values[Natts_col_head];
	bool		nulls[Natts_col_head];
	bytea	   *payload;
	HeapTuple	tup;

	if (si->data_length > MaxAllocSize - VARHDRSZ)
		elog(ERROR, "tempo_columnar head stripe is too large");
	hrel = table_open(head_relid(COL_HEAD_TABLE), RowExclusiveLock);
	payload = palloc(VARHDRSZ + si->data_length);
	SET_VARSIZE(payload, VARHDRSZ + si->data_length);
	memcpy(VARDATA(payload), data, si->data_length);

	memset(nulls, 0, sizeof(nulls));
	values[Anum_ch_storage_id - 1] = Int64GetDatum((int64) storage_id);
	values[Anum_ch_stripe_num - 1] = Int64GetDatum((int64) si->stripe_num);
	values[Anum_ch_relid - 1] = ObjectIdGetDatum(RelationGetRelid(rel));
	values[Anum_ch_first_row - 1] = Int64GetDatum((int64) si->first_row);
	values[Anum_ch_row_count - 1] = Int64GetDatum((int64) si->row_count);
	values[Anum_ch_data_length - 1] = Int64GetDatum((int64) si->data_length);
	values[Anum_ch_footer_length - 1] = Int64GetDatum((int64) si->footer_length);
	values[Anum_ch_raw_bytes - 1] = Int64GetDatum((int64) si->raw_bytes);
	values[Anum_ch_created - 1] = TimestampTzGetDatum(created);
	values[Anum_ch_data - 1] = PointerGetDatum(payload);
	tup = heap_form_tuple(RelationGetDescr(hrel), values, nulls);
	CatalogTupleInsert(hrel, tup);
	heap_freetuple(tup);
	pfree(payload);
	table_close(hrel, RowExclusiveLock);
}

/*
 * Open tempo.col_head in lockmode and scan the rows of a storage (by the
 * primary key when it exists); NULL when the catalog does not exist.
 */
static SysScanDesc
head_scan_begin(uint64 storage_id, LOCKMODE lockmode, Snapshot snapshot,
				Relation *hrel)
{
	Oid			hrelid = head_relid(COL_HEAD_TABLE);
	Oid			idxid;
	ScanKeyData key;

	if (!OidIsValid(hrelid))
		return NULL;
	idxid = head_relid(COL_HEAD_INDEX);
	*hrel = table_open(hrelid, lockmode);
	ScanKeyInit(&key, Anum_ch_storage_id, BTEqualStrategyNumber, F_INT8EQ,
				Int64GetDatum((int64) storage_id));
	return systable_beginscan(*hrel, idxid, OidIsValid(idxid), snapshot, 1, &key);
}

/*
 * Append the head stripes of a storage visible in snapshot to the array
 * *stripes (n used, cap allocated, in the current memory context).
 */
void
ColHeadAppendStripes(uint64 storage_id, Snapshot snapshot,
					 ColStripeInfo **stripes, int *n, int *cap)
{
	Relation	hrel = NULL;
	SysScanDesc scan = head_scan_begin(storage_id, AccessShareLock, snapshot, &hrel);
	HeapTuple	tup;

	if (scan == NULL)
		return;
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Datum		values[Natts_col_head];
		bool		nulls[Natts_col_head];
		ColStripeInfo *si;
		ColHeadRef *ref;
		int			i;

		heap_deform_tuple(tup, RelationGetDescr(hrel), values, nulls);
		for (i = 0; i < Natts_col_head; i++)
			if (nulls[i])
				ColCorrupt("head catalog row has a NULL field");
		if (*n == *cap)
		{
			*cap *= 2;
			*stripes = repalloc(*stripes, sizeof(ColStripeInfo) * *cap);
		}
		si = &(*stripes)[(*n)++];
		si->stripe_num = DatumGetInt64(values[Anum_ch_stripe_num - 1]);
		si->first_row = DatumGetInt64(values[Anum_ch_first_row - 1]);
		si->row_count = DatumGetInt64(values[Anum_ch_row_count - 1]);
		si->start_block = 0;
		si->data_length = DatumGetInt64(values[Anum_ch_data_length - 1]);
		si->footer_length = DatumGetInt64(values[Anum_ch_footer_length - 1]);
		si->raw_bytes = DatumGetInt64(values[Anum_ch_raw_bytes - 1]);
		if (si->footer_length > si->data_length || si->row_count == 0)
			ColCorrupt("head catalog row is inconsistent");
		ref = palloc(sizeof(ColHeadRef));
		ref->tid = tup->t_self;
		ref->created = DatumGetTimestampTz(values[Anum_ch_created - 1]);
		ref->stored = (struct varlena *)
			DatumGetPointer(datumCopy(values[Anum_ch_data - 1], false, -1));
		ref->bytes = NULL;
		si->head = ref;
	}
	systable_endscan(scan);
	table_close(hrel, AccessShareLock);
}

/* Delete (transactionally) every head row of a storage. */
void
ColHeadDeleteStorage(uint64 storage_id)
{
	Relation	hrel = NULL;
	SysScanDesc scan = head_scan_begin(storage_id, RowExclusiveLock, SnapshotSelf, &hrel);
	HeapTuple	tup;

	if (scan == NULL)
		return;
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
		simple_heap_delete(hrel, &tup->t_self);
	systable_endscan(scan);
	table_close(hrel, RowExclusiveLock);
}

/*
 * Delete the catalog row of one listed head stripe.  The caller must make
 * sure nobody else deletes it meanwhile (the compactor holds a
 * self-conflicting lock on the relation).
 */
void
ColHeadDelete(const ColStripeInfo *si)
{
	Relation	hrel;

	Assert(si->head != NULL);
	hrel = table_open(head_relid(COL_HEAD_TABLE), RowExclusiveLock);
	simple_heap_delete(hrel, &si->head->tid);
	table_close(hrel, RowExclusiveLock);
}

TimestampTz
ColHeadCreated(const ColStripeInfo *si)
{
	Assert(si->head != NULL);
	return si->head->created;
}

/* The payload of a head stripe, detoasted on first use. */
static const char *
head_bytes(const ColStripeInfo *si)
{
	ColHeadRef *ref = si->head;

	if (ref->bytes == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(GetMemoryChunkContext(ref));
		struct varlena *flat = ref->stored;

		if (VARATT_IS_EXTENDED(flat))
			flat = detoast_attr(flat);
		if (VARSIZE_ANY_EXHDR(flat) != si->data_length)
			ColCorrupt("head stripe length disagrees with its catalog row");
		ref->bytes = VARDATA_ANY(flat);
		MemoryContextSwitchTo(old);
	}
	return ref->bytes;
}

/*
 * Copy len bytes at offset of a stripe's data into dst: from the head row
 * for a head stripe, else from the relation's pages.
 */
void
ColStripeBytes(Relation rel, const ColStripeInfo *si, uint64 offset,
			   char *dst, uint64 len, BlockNumber nblocks)
{
	if (si->head == NULL)
	{
		ColReadBytes(rel, si->start_block, offset, dst, len, nblocks);
		return;
	}
	if (offset > si->data_length || len > si->data_length - offset)
		ColCorrupt("read past the end of a head stripe");
	memcpy(dst, head_bytes(si) + offset, len);
}

/*
 * One ColHeadRelation per relation that has head rows visible in a fresh
 * snapshot: counts, rows, bytes and the oldest creation time.
 */
List *
ColHeadRelations(void)
{
	Oid			hrelid = head_relid(COL_HEAD_TABLE);
	Relation	hrel;
	TableScanDesc scan;
	HeapTuple	tup;
	List	   *res = NIL;
	Snapshot	snap;

	if (!OidIsValid(hrelid))
		return NIL;
	snap = RegisterSnapshot(GetLatestSnapshot());
	hrel = table_open(hrelid, AccessShareLock);
	scan = table_beginscan(hrel, snap, 0, NULL);
	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		TupleDesc	desc = RelationGetDescr(hrel);
		bool		isnull[4];
		Oid			relid = DatumGetObjectId(heap_getattr(tup, Anum_ch_relid, desc, &isnull[0]));
		int64		rows = DatumGetInt64(heap_getattr(tup, Anum_ch_row_count, desc, &isnull[1]));
		int64		bytes = DatumGetInt64(heap_getattr(tup, Anum_ch_data_length, desc, &isnull[2]));
		TimestampTz created = DatumGetTimestampTz(heap_getattr(tup, Anum_ch_created, desc, &isnull[3]));
		ColHeadRelation *hr = NULL;
		ListCell   *lc;

		CHECK_FOR_INTERRUPTS();
		if (isnull[0] || isnull[1] || isnull[2] || isnull[3])
			ColCorrupt("head catalog row has a NULL field");
		foreach(lc, res)
		{
			if (((ColHeadRelation *) lfirst(lc))->relid == relid)
			{
				hr = lfirst(lc);
				break;
			}
		}
		if (hr == NULL)
		{
			hr = palloc0(sizeof(ColHeadRelation));
			hr->relid = relid;
			hr->oldest = created;
			res = lappend(res, hr);
		}
		hr->stripes++;
		hr->rows += rows;
		hr->bytes += bytes;
		if (created < hr->oldest)
			hr->oldest = created;
	}
	table_endscan(scan);
	table_close(hrel, AccessShareLock);
	UnregisterSnapshot(snap);
	return res;
}
