/*-------------------------------------------------------------------------
 *
 * col_am.c
 *	  The tempo_columnar table access method (PostgreSQL 15 callbacks).
 *
 * Scans run through the batch reader (col_reader.c) and hand rows out in
 * virtual slots whose TIDs encode row numbers (ColRownumToTid); parallel
 * sequential scans share an atomic next-stripe counter.  Inserts (INSERT,
 * COPY, INSERT ... SELECT, table rewrites) go into the per-transaction
 * write buffers of col_writer.c.  Stripe visibility is that of the
 * stripe's catalog row, so the pages hold no transaction ids: VACUUM only
 * refreshes statistics and advances relfrozenxid, and VACUUM FULL rewrites
 * the rows into fresh, full stripes.
 *
 * ANALYZE samples physical blocks: a sampled block inside a stripe yields
 * that stripe's rows in proportion to the block's share of the stripe
 * (decoding only the chunk groups concerned), so row estimates add up to
 * the true count without reading the whole table.
 *
 * The data is append-only: UPDATE, DELETE, row locks (SELECT FOR UPDATE)
 * and speculative inserts raise 0A000.  Indexes are not supported either
 * (CREATE INDEX raises 0A000): the batch reader's zone maps and bloom
 * filters serve point lookups, and index scans over compressed chunk
 * groups are a known pathology of columnar stores.  UNLOGGED and TEMP
 * tables are rejected.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/col_am.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "access/heapam.h"
#include "access/multixact.h"
#include "access/relation.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "catalog/objectaccess.h"
#include "catalog/pg_class.h"
#include "catalog/storage.h"
#include "commands/progress.h"
#include "commands/vacuum.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "optimizer/plancat.h"
#include "pgstat.h"
#include "storage/bufmgr.h"
#include "storage/procarray.h"
#include "storage/smgr.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "col_internal.h"

#define COL_APPEND_ONLY_HINT "tempo_columnar tables are append-only; drop partitions or truncate the table to remove data."

static const TableAmRoutine col_methods;
static object_access_hook_type prev_object_access_hook = NULL;
static get_relation_info_hook_type prev_get_relation_info_hook = NULL;

typedef struct ColScanDescData
{
	TableScanDescData base;
	ColReadState *rs;
	ColBatch   *batch;
	int			row;
	bool		temp_snapshot;
	MemoryContext scan_cxt;		/* where scan_begin was called */
	Bitmapset  *attrs;			/* columns to decode, NULL = all */
	ColPredicate *preds;		/* for skipping only */
	int			npreds;
	int		   *proj;			/* columns present in the current batch */
	int			nproj;

	/* ANALYZE */
	MemoryContext acxt;			/* per-scan */
	MemoryContext gcxt;			/* decoded group, reset per group */
	Snapshot	asnap;
	ColStripeInfo *astripes;	/* sorted by start block */
	int			nastripes;
	TupleDesc	tupdesc;
	ColTypeInfo *types;
	BlockNumber nblocks;
	int			a_stripe;		/* stripe of the current block, -1 none */
	uint64		a_cur;			/* next row index within stripe */
	uint64		a_end;
	int			f_stripe;		/* stripe whose footer is loaded */
	ColFooter  *footer;
	int			g_loaded;		/* decoded group, -1 none */
	ColVector  *gvecs;
} ColScanDescData;

typedef ColScanDescData *ColScanDesc;

bool
ColIsColumnar(Relation rel)
{
	return rel != NULL && rel->rd_tableam == &col_methods;
}

static void
append_only_error(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("%s is not supported on tempo_columnar tables", what),
			 errhint(COL_APPEND_ONLY_HINT)));
}

static const TupleTableSlotOps *
col_slot_callbacks(Relation rel)
{
	return &TTSOpsVirtual;
}

/* ---------------- sequential and parallel scans ---------------- */

static TableScanDesc
col_scan_begin(Relation rel, Snapshot snapshot, int nkeys, ScanKey key,
			   ParallelTableScanDesc pscan, uint32 flags)
{
	ColScanDesc scan = palloc0(sizeof(ColScanDescData));

	scan->base.rs_rd = rel;
	scan->base.rs_snapshot = snapshot;
	scan->base.rs_nkeys = nkeys;
	scan->base.rs_key = key;
	scan->base.rs_flags = flags;
	scan->base.rs_parallel = pscan;
	scan->temp_snapshot = (flags & SO_TEMP_SNAPSHOT) != 0;
	scan->scan_cxt = CurrentMemoryContext;

	if (flags & SO_TYPE_SAMPLESCAN)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("TABLESAMPLE is not supported on tempo_columnar tables")));
	if (flags & SO_TYPE_ANALYZE)
	{
		scan->a_stripe = -1;
		scan->f_stripe = -1;
		scan->g_loaded = -1;
		return (TableScanDesc) scan;
	}
	/* the read state is created by the first getnextslot, see there */
	return (TableScanDesc) scan;
}

static void
analyze_cleanup(ColScanDesc scan)
{
	if (scan->acxt)
		MemoryContextDelete(scan->acxt);
	scan->acxt = NULL;
	if (scan->asnap)
		UnregisterSnapshot(scan->asnap);
	scan->asnap = NULL;
}

/* Decode only these columns (before the first row is fetched). */
void
ColScanSetAttrs(TableScanDesc sscan, Bitmapset *attrs)
{
	ColScanDesc scan = (ColScanDesc) sscan;
	MemoryContext old = MemoryContextSwitchTo(scan->scan_cxt);

	Assert(scan->rs == NULL);
	scan->attrs = bms_copy(attrs);
	MemoryContextSwitchTo(old);
}

/* Skip chunk groups that cannot satisfy these (executor-checked) quals. */
void
ColScanSetPreds(TableScanDesc sscan, ColPredicate *preds, int npreds)
{
	ColScanDesc scan = (ColScanDesc) sscan;

	Assert(scan->rs == NULL);
	scan->preds = preds;
	scan->npreds = npreds;
}

static void
col_scan_end(TableScanDesc sscan)
{
	ColScanDesc scan = (ColScanDesc) sscan;

	if (scan->rs)
		ColEndRead(scan->rs);
	analyze_cleanup(scan);
	if (scan->temp_snapshot)
		UnregisterSnapshot(scan->base.rs_snapshot);
	pfree(scan);
}

static void
col_scan_rescan(TableScanDesc sscan, ScanKey key, bool set_params,
				bool allow_strat, bool allow_sync, bool allow_pagemode)
{
	ColScanDesc scan = (ColScanDesc) sscan;

	if (scan->rs)
		ColRescan(scan->rs);
	scan->batch = NULL;
	scan->row = 0;
}

static bool
col_scan_getnextslot(TableScanDesc sscan, ScanDirection direction,
					 TupleTableSlot *slot)
{
	ColScanDesc scan = (ColScanDesc) sscan;
	ColBatch   *b;
	int			natts = slot->tts_tupleDescriptor->natts;
	int			a;

	if (direction == BackwardScanDirection)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("backward scans are not supported on tempo_columnar tables")));
	if (scan->rs == NULL)
	{
		/* decode with the slot's descriptor: rewrites read old rows */
		MemoryContext old = MemoryContextSwitchTo(scan->scan_cxt);
		Bitmapset  *attrs;

		/* Parallel Seq Scan: what col_project.c found it needs */
		if (sscan->rs_parallel != NULL && scan->attrs == NULL)
			(void) ColSlotScanHint(slot, &scan->attrs, &scan->preds, &scan->npreds);
		attrs = scan->attrs ? scan->attrs : bms_add_range(NULL, 1, Max(natts, 1));

		scan->rs = ColBeginReadDesc(sscan->rs_rd, slot->tts_tupleDescriptor,
									sscan->rs_snapshot, attrs,
									scan->preds, scan->npreds,
									sscan->rs_parallel);
		MemoryContextSwitchTo(old);
	}
	while (scan->batch == NULL || scan->row >= scan->batch->nrows)
	{
		if (!ColReadNext(scan->rs, &scan->batch))
		{
			scan->batch = NULL;
			ExecClearTuple(slot);
			return false;
		}
		scan->row = 0;
	}
	b = scan->batch;
	ExecClearTuple(slot);
	if (scan->row == 0)
	{
		/* new batch: list its columns, the others read as NULL */
		if (scan->proj == NULL)
			scan->proj = MemoryContextAlloc(scan->scan_cxt, sizeof(int) * Max(natts, 1));
		scan->nproj = 0;
		for (a = 0; a < natts; a++)
		{
			if (a < b->natts && b->cols[a] != NULL)
				scan->proj[scan->nproj++] = a;
			else
			{
				slot->tts_values[a] = (Datum) 0;
				slot->tts_isnull[a] = true;
			}
		}
	}
	for (a = 0; a < scan->nproj; a++)
	{
		int			c = scan->proj[a];
		ColVector  *v = b->cols[c];

		slot->tts_values[c] = v->values[scan->row];
		slot->tts_isnull[c] = v->isnull[scan->row];
	}
	ExecStoreVirtualTuple(slot);
	ColRownumToTid(ColBatchRownum(b, scan->row), &slot->tts_tid);
	slot->tts_tableOid = RelationGetRelid(sscan->rs_rd);
	scan->row++;
	return true;
}

static Size
col_parallelscan_estimate(Relation rel)
{
	return sizeof(ColParallelScanDescData);
}

static Size
col_parallelscan_initialize(Relation rel, ParallelTableScanDesc pscan)
{
	ColParallelScanDescData *cp = (ColParallelScanDescData *) pscan;

	cp->base.phs_relid = RelationGetRelid(rel);
	cp->base.phs_syncscan = false;
	pg_atomic_init_u64(&cp->next_stripe, 0);
	return sizeof(ColParallelScanDescData);
}

static void
col_parallelscan_reinitialize(Relation rel, ParallelTableScanDesc pscan)
{
	ColParallelScanDescData *cp = (ColParallelScanDescData *) pscan;

	pg_atomic_write_u64(&cp->next_stripe, 0);
}

/* ---------------- index support (not provided) ---------------- */

static void
no_index_error(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("indexes are not supported on tempo_columnar tables"),
			 errhint("Queries use the zone maps and bloom filters of the columnar storage instead.")));
}

static IndexFetchTableData *
col_index_fetch_begin(Relation rel)
{
	no_index_error();
	return NULL;
}

static void
col_index_fetch_reset(IndexFetchTableData *data)
{
}

static void
col_index_fetch_end(IndexFetchTableData *data)
{
}

static bool
col_index_fetch_tuple(IndexFetchTableData *scan, ItemPointer tid,
					  Snapshot snapshot, TupleTableSlot *slot,
					  bool *call_again, bool *all_dead)
{
	no_index_error();
	return false;
}

static double
col_index_build_range_scan(Relation table_rel, Relation index_rel,
						   IndexInfo *index_info, bool allow_sync,
						   bool anyvisible, bool progress,
						   BlockNumber start_blockno, BlockNumber numblocks,
						   IndexBuildCallback callback, void *callback_state,
						   TableScanDesc scan)
{
	no_index_error();
	return 0;
}

static void
col_index_validate_scan(Relation table_rel, Relation index_rel,
						IndexInfo *index_info, Snapshot snapshot,
						ValidateIndexState *state)
{
	no_index_error();
}

static TransactionId
col_index_delete_tuples(Relation rel, TM_IndexDeleteOp *delstate)
{
	no_index_error();
	return InvalidTransactionId;
}

/* ---------------- single-row access by TID ---------------- */

/*
 * Find the row with this row number among the stripes visible in the
 * snapshot (and this transaction's buffered rows) and store it in slot.
 */
static bool
fetch_rownum(Relation rel, uint64 rownum, Snapshot snapshot, TupleTableSlot *slot)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "tempo columnar fetch",
											  ALLOCSET_SMALL_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	TupleDesc	tupdesc = RelationGetDescr(rel);
	int			nstripes;
	ColStripeInfo *stripes = ColListStripes(ColRelationStorageId(rel), snapshot, &nstripes);
	bool		found = false;
	int			s;

	ExecClearTuple(slot);
	for (s = 0; s < nstripes && !found; s++)
	{
		ColStripeInfo *si = &stripes[s];
		ColTypeInfo *types;
		ColFooter  *f;
		uint64		idx;
		int			g,
					a;
		BlockNumber nblocks;

		if (rownum < si->first_row || rownum >= si->first_row + si->row_count)
			continue;
		idx = rownum - si->first_row;
		nblocks = ColRelationBlocks(rel);
		types = palloc(sizeof(ColTypeInfo) * Max(tupdesc->natts, 1));
		for (a = 0; a < tupdesc->natts; a++)
			ColTypeInfoInit(&types[a], TupleDescAttr(tupdesc, a));
		f = ColReadFooter(rel, si, tupdesc, types, nblocks);
		for (g = 0; g < f->ngroups; g++)
			if (idx < f->group_first[g] + f->group_rows[g])
				break;
		for (a = 0; a < slot->tts_tupleDescriptor->natts && a < tupdesc->natts; a++)
		{
			ColVector	vec;
			int			r = idx - f->group_first[g];

			if (a >= f->natts || TupleDescAttr(tupdesc, a)->attisdropped)
				ColFillMissing(tupdesc, a, f->group_rows[g], &vec);
			else
				ColReadChunk(rel, si, f, a, g, &types[a], &vec, nblocks, NULL);
			slot->tts_isnull[a] = vec.isnull[r];
			slot->tts_values[a] = vec.isnull[r] ? (Datum) 0 : vec.values[r];
		}
		found = true;
	}
	if (!found)
	{
		List	   *bufs = ColPendingBuffers(rel);
		ListCell   *lc;

		foreach(lc, bufs)
		{
			ColWriteBuf *b = lfirst(lc);
			int			a;

			if (!found && rownum >= b->first_row && rownum < b->first_row + b->nrows &&
				(!IsMVCCSnapshot(snapshot) ||
				 b->cids[rownum - b->first_row] < snapshot->curcid))
			{
				int			r = rownum - b->first_row;

				for (a = 0; a < slot->tts_tupleDescriptor->natts; a++)
				{
					slot->tts_isnull[a] = a >= b->natts ? true : b->isnull[a][r];
					slot->tts_values[a] = slot->tts_isnull[a] ? (Datum) 0 : b->values[a][r];
				}
				found = true;
			}
		}
		if (found)
		{
			MemoryContextSwitchTo(old);
			ExecStoreVirtualTuple(slot);
			ExecMaterializeSlot(slot);
		}
		foreach(lc, bufs)
			ColReleaseBuffer(lfirst(lc));
		MemoryContextSwitchTo(cxt);
	}
	else
	{
		MemoryContextSwitchTo(old);
		ExecStoreVirtualTuple(slot);
		ExecMaterializeSlot(slot);
	}
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	if (found)
	{
		ColRownumToTid(rownum, &slot->tts_tid);
		slot->tts_tableOid = RelationGetRelid(rel);
	}
	return found;
}

static bool
col_tuple_fetch_row_version(Relation rel, ItemPointer tid, Snapshot snapshot,
							TupleTableSlot *slot)
{
	return fetch_rownum(rel, ColTidToRownum(tid), snapshot, slot);
}

static bool
col_tuple_tid_valid(TableScanDesc scan, ItemPointer tid)
{
	return ItemPointerIsValid(tid) && ColTidToRownum(tid) >= 1;
}

static void
col_tuple_get_latest_tid(TableScanDesc scan, ItemPointer tid)
{
	/* rows are never updated: every TID is the latest version */
}

static bool
col_tuple_satisfies_snapshot(Relation rel, TupleTableSlot *slot, Snapshot snapshot)
{
	uint64		rownum = ColTidToRownum(&slot->tts_tid);
	int			nstripes;
	ColStripeInfo *stripes = ColListStripes(ColRelationStorageId(rel), snapshot, &nstripes);
	int			s;

	for (s = 0; s < nstripes; s++)
		if (rownum >= stripes[s].first_row &&
			rownum < stripes[s].first_row + stripes[s].row_count)
			return true;
	return false;
}

/* ---------------- modifications ---------------- */

static void
col_tuple_insert(Relation rel, TupleTableSlot *slot, CommandId cid,
				 int options, BulkInsertState bistate)
{
	slot_getallattrs(slot);
	ColPendingInsert(rel, slot->tts_values, slot->tts_isnull, cid, &slot->tts_tid);
	slot->tts_tableOid = RelationGetRelid(rel);
}

static void
col_tuple_insert_speculative(Relation rel, TupleTableSlot *slot, CommandId cid,
							 int options, BulkInsertState bistate, uint32 specToken)
{
	append_only_error("INSERT ... ON CONFLICT");
}

static void
col_tuple_complete_speculative(Relation rel, TupleTableSlot *slot,
							   uint32 specToken, bool succeeded)
{
	append_only_error("INSERT ... ON CONFLICT");
}

static void
col_multi_insert(Relation rel, TupleTableSlot **slots, int nslots,
				 CommandId cid, int options, BulkInsertState bistate)
{
	int			i;

	for (i = 0; i < nslots; i++)
		col_tuple_insert(rel, slots[i], cid, options, bistate);
}

static TM_Result
col_tuple_delete(Relation rel, ItemPointer tid, CommandId cid,
				 Snapshot snapshot, Snapshot crosscheck, bool wait,
				 TM_FailureData *tmfd, bool changingPart)
{
	append_only_error("DELETE");
	return TM_Ok;
}

static TM_Result
col_tuple_update(Relation rel, ItemPointer otid, TupleTableSlot *slot,
				 CommandId cid, Snapshot snapshot, Snapshot crosscheck,
				 bool wait, TM_FailureData *tmfd, LockTupleMode *lockmode,
				 bool *update_indexes)
{
	append_only_error("UPDATE");
	return TM_Ok;
}

static TM_Result
col_tuple_lock(Relation rel, ItemPointer tid, Snapshot snapshot,
			   TupleTableSlot *slot, CommandId cid, LockTupleMode mode,
			   LockWaitPolicy wait_policy, uint8 flags, TM_FailureData *tmfd)
{
	append_only_error("locking rows (SELECT FOR UPDATE/SHARE)");
	return TM_Ok;
}

static void
col_finish_bulk_insert(Relation rel, int options)
{
	/* the ingest path writes its rows at commit (ColMergeSubxactWrites) */
	if (ColMergingSubxactWrites())
		return;
	/* end of COPY or of a table rewrite: write what is buffered */
	ColFlushPending(RelationGetRelid(rel));
}

/* ---------------- DDL ---------------- */

static void
col_relation_set_new_filenode(Relation rel, const RelFileNode *newrnode,
							  char persistence, TransactionId *freezeXid,
							  MultiXactId *minmulti)
{
	SMgrRelation srel;

	if (persistence != RELPERSISTENCE_PERMANENT)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("tempo_columnar does not support unlogged or temporary tables")));

	/* a new filenode for an existing relation (TRUNCATE): drop old rows */
	if (!RelFileNodeEquals(rel->rd_node, *newrnode) &&
		smgrexists(RelationGetSmgr(rel), MAIN_FORKNUM))
	{
		ColMetaPage meta;

		ColDiscardPending(RelationGetRelid(rel));
		if (ColReadMetapage(rel, &meta))
			ColDeleteStorageRows(meta.storage_id);
	}

	*freezeXid = RecentXmin;
	*minmulti = GetOldestMultiXactId();
	srel = RelationCreateStorage(*newrnode, persistence, true);
	ColInitMetapage(srel, persistence, ColNewStorageId());
	smgrclose(srel);
}

static void
col_relation_nontransactional_truncate(Relation rel)
{
	ColMetaPage meta;
	uint64		storage_id;

	ColDiscardPending(RelationGetRelid(rel));
	if (ColReadMetapage(rel, &meta))
	{
		storage_id = meta.storage_id;
		ColDeleteStorageRows(storage_id);
	}
	else
		storage_id = ColNewStorageId();
	RelationTruncate(rel, 0);
	ColInitMetapageBuffer(rel, storage_id);
}

static void
col_relation_copy_data(Relation rel, const RelFileNode *newrnode)
{
	SMgrRelation dstrel;

	ColFlushPending(RelationGetRelid(rel));
	if (ColHasPending(RelationGetRelid(rel)))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot move \"%s\" while an outer subtransaction has unwritten rows for it",
						RelationGetRelationName(rel))));
	FlushRelationBuffers(rel);
	dstrel = smgropen(*newrnode, rel->rd_backend);
	RelationCreateStorage(*newrnode, rel->rd_rel->relpersistence, true);
	RelationCopyStorage(RelationGetSmgr(rel), dstrel, MAIN_FORKNUM,
						rel->rd_rel->relpersistence);
	RelationDropStorage(rel);
	smgrclose(dstrel);
}

/* VACUUM FULL / CLUSTER: rewrite every visible row into full stripes. */
static void
col_relation_copy_for_cluster(Relation OldTable, Relation NewTable,
							  Relation OldIndex, bool use_sort,
							  TransactionId OldestXmin,
							  TransactionId *xid_cutoff,
							  MultiXactId *multi_cutoff,
							  double *num_tuples, double *tups_vacuumed,
							  double *tups_recently_dead)
{
	Snapshot	snap = RegisterSnapshot(GetLatestSnapshot());
	TupleDesc	tupdesc = RelationGetDescr(OldTable);
	Bitmapset  *attrs = bms_add_range(NULL, 1, Max(tupdesc->natts, 1));
	ColReadState *rs;
	ColWriteState *ws;
	ColBatch   *b;
	Datum	   *values = palloc(sizeof(Datum) * Max(tupdesc->natts, 1));
	bool	   *isnull = palloc(sizeof(bool) * Max(tupdesc->natts, 1));
	double		n = 0;

	if (OldIndex != NULL || use_sort)
		no_index_error();
	rs = ColBeginRead(OldTable, snap, attrs, NULL, 0, NULL);
	ws = ColBeginWrite(NewTable);
	while (ColReadNext(rs, &b))
	{
		int			r,
					a;

		for (r = 0; r < b->nrows; r++)
		{
			for (a = 0; a < tupdesc->natts; a++)
			{
				values[a] = b->cols[a]->values[r];
				isnull[a] = b->cols[a]->isnull[r];
			}
			ColWriteRow(ws, values, isnull);
			n++;
		}
	}
	ColEndWrite(ws);
	ColEndRead(rs);
	UnregisterSnapshot(snap);
	*xid_cutoff = RecentXmin;
	*multi_cutoff = GetOldestMultiXactId();
	*num_tuples = n;
	*tups_vacuumed = 0;
	*tups_recently_dead = 0;
}

/* Visible row count of a relation (catalog only) plus buffered rows. */
static double
visible_rows(Relation rel, Snapshot snapshot, int *nstripes_out)
{
	int			nstripes;
	ColStripeInfo *stripes;
	double		rows = 0;
	int			s;
	List	   *bufs;
	ListCell   *lc;

	stripes = ColListStripes(ColRelationStorageId(rel), snapshot, &nstripes);
	for (s = 0; s < nstripes; s++)
		rows += stripes[s].row_count;
	pfree(stripes);
	bufs = ColPendingBuffers(rel);
	foreach(lc, bufs)
	{
		rows += ((ColWriteBuf *) lfirst(lc))->nrows;
		ColReleaseBuffer(lfirst(lc));
	}
	list_free(bufs);
	if (nstripes_out)
		*nstripes_out = nstripes;
	return rows;
}

static void
col_relation_vacuum(Relation rel, VacuumParams *params, BufferAccessStrategy bstrategy)
{
	Snapshot	snap = RegisterSnapshot(GetLatestSnapshot());
	int			nstripes;
	double		rows = visible_rows(rel, snap, &nstripes);
	BlockNumber nblocks = ColRelationBlocks(rel);

	UnregisterSnapshot(snap);
	ereport((params->options & VACOPT_VERBOSE) ? INFO : DEBUG2,
			(errmsg("\"%s\": %d stripes, %.0f rows, %u pages",
					RelationGetRelationName(rel), nstripes, rows, nblocks)));
	/* the pages carry no transaction ids: everything is frozen */
	vac_update_relstats(rel, nblocks, rows, 0, false,
						GetOldestNonRemovableTransactionId(rel),
						GetOldestMultiXactId(), NULL, NULL, false);
	pgstat_report_vacuum(RelationGetRelid(rel), rel->rd_rel->relisshared,
						 (PgStat_Counter) rows, 0);
}

/* ---------------- ANALYZE ---------------- */

static int
stripe_block_cmp(const void *a, const void *b)
{
	const ColStripeInfo *sa = a;
	const ColStripeInfo *sb = b;

	if (sa->start_block < sb->start_block)
		return -1;
	return sa->start_block > sb->start_block ? 1 : 0;
}

static void
analyze_setup(ColScanDesc scan)
{
	Relation	rel = scan->base.rs_rd;
	MemoryContext old;
	int			a,
				i;

	scan->acxt = AllocSetContextCreate(CurrentMemoryContext, "tempo columnar analyze",
									   ALLOCSET_DEFAULT_SIZES);
	scan->gcxt = AllocSetContextCreate(scan->acxt, "tempo columnar analyze group",
									   ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(scan->acxt);
	scan->asnap = RegisterSnapshot(GetTransactionSnapshot());
	scan->astripes = ColListStripes(ColRelationStorageId(rel), scan->asnap,
									&scan->nastripes);
	/* head stripes have no blocks to sample (see col_head.c) */
	for (a = 0, i = 0; i < scan->nastripes; i++)
		if (scan->astripes[i].head == NULL)
			scan->astripes[a++] = scan->astripes[i];
	scan->nastripes = a;
	if (scan->nastripes > 1)
		qsort(scan->astripes, scan->nastripes, sizeof(ColStripeInfo), stripe_block_cmp);
	scan->tupdesc = RelationGetDescr(rel);
	scan->types = palloc(sizeof(ColTypeInfo) * Max(scan->tupdesc->natts, 1));
	for (a = 0; a < scan->tupdesc->natts; a++)
		ColTypeInfoInit(&scan->types[a], TupleDescAttr(scan->tupdesc, a));
	scan->nblocks = ColRelationBlocks(rel);
	scan->gvecs = palloc0(sizeof(ColVector) * Max(scan->tupdesc->natts, 1));
	MemoryContextSwitchTo(old);
}

static bool
col_scan_analyze_next_block(TableScanDesc sscan, BlockNumber blockno,
							BufferAccessStrategy bstrategy)
{
	ColScanDesc scan = (ColScanDesc) sscan;
	int			lo,
				hi;

	if (scan->acxt == NULL)
		analyze_setup(scan);
	scan->a_stripe = -1;
	lo = 0;
	hi = scan->nastripes - 1;
	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		ColStripeInfo *si = &scan->astripes[mid];
		BlockNumber nb = ColStripeBlocks(si->data_length);

		if (blockno < si->start_block)
			hi = mid - 1;
		else if (blockno >= si->start_block + nb)
			lo = mid + 1;
		else
		{
			uint64		j = blockno - si->start_block;

			scan->a_stripe = mid;
			scan->a_cur = j * si->row_count / nb;
			scan->a_end = (j + 1) * si->row_count / nb;
			break;
		}
	}
	return true;
}

static bool
col_scan_analyze_next_tuple(TableScanDesc sscan, TransactionId OldestXmin,
							double *liverows, double *deadrows,
							TupleTableSlot *slot)
{
	ColScanDesc scan = (ColScanDesc) sscan;
	ColStripeInfo *si;
	int			g;
	int			r;
	int			a;

	if (scan->a_stripe < 0 || scan->a_cur >= scan->a_end)
		return false;
	si = &scan->astripes[scan->a_stripe];
	if (scan->f_stripe != scan->a_stripe)
	{
		MemoryContext old = MemoryContextSwitchTo(scan->acxt);

		MemoryContextReset(scan->gcxt);
		scan->footer = ColReadFooter(scan->base.rs_rd, si, scan->tupdesc,
									 scan->types, scan->nblocks);
		scan->f_stripe = scan->a_stripe;
		scan->g_loaded = -1;
		MemoryContextSwitchTo(old);
	}
	for (g = 0; g < scan->footer->ngroups; g++)
		if (scan->a_cur < scan->footer->group_first[g] + scan->footer->group_rows[g])
			break;
	if (g >= scan->footer->ngroups)
		ColCorrupt("row outside its stripe");
	if (scan->g_loaded != g)
	{
		MemoryContext old;

		MemoryContextReset(scan->gcxt);
		old = MemoryContextSwitchTo(scan->gcxt);
		for (a = 0; a < scan->tupdesc->natts; a++)
		{
			if (TupleDescAttr(scan->tupdesc, a)->attisdropped || a >= scan->footer->natts)
				ColFillMissing(scan->tupdesc, a, scan->footer->group_rows[g], &scan->gvecs[a]);
			else
				ColReadChunk(scan->base.rs_rd, si, scan->footer, a, g, &scan->types[a],
							 &scan->gvecs[a], scan->nblocks, NULL);
		}
		MemoryContextSwitchTo(old);
		scan->g_loaded = g;
	}
	r = scan->a_cur - scan->footer->group_first[g];
	ExecClearTuple(slot);
	for (a = 0; a < slot->tts_tupleDescriptor->natts; a++)
	{
		if (a < scan->tupdesc->natts)
		{
			slot->tts_values[a] = scan->gvecs[a].values[r];
			slot->tts_isnull[a] = scan->gvecs[a].isnull[r];
		}
		else
		{
			slot->tts_values[a] = (Datum) 0;
			slot->tts_isnull[a] = true;
		}
	}
	ExecStoreVirtualTuple(slot);
	ColRownumToTid(si->first_row + scan->a_cur, &slot->tts_tid);
	scan->a_cur++;
	*liverows += 1;
	return true;
}

/* ---------------- sizes ---------------- */

static bool
col_relation_needs_toast_table(Relation rel)
{
	return false;
}

static void
col_relation_estimate_size(Relation rel, int32 *attr_widths, BlockNumber *pages,
						   double *tuples, double *allvisfrac)
{
	Snapshot	snap = ActiveSnapshotSet() ? GetActiveSnapshot() : GetLatestSnapshot();

	snap = RegisterSnapshot(snap);
	*pages = ColRelationBlocks(rel);
	*tuples = visible_rows(rel, snap, NULL);
	*allvisfrac = 1.0;
	UnregisterSnapshot(snap);
}

static bool
col_scan_sample_next_block(TableScanDesc scan, SampleScanState *scanstate)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("TABLESAMPLE is not supported on tempo_columnar tables")));
	return false;
}

static bool
col_scan_sample_next_tuple(TableScanDesc scan, SampleScanState *scanstate,
						   TupleTableSlot *slot)
{
	return false;
}

static const TableAmRoutine col_methods = {
	.type = T_TableAmRoutine,

	.slot_callbacks = col_slot_callbacks,

	.scan_begin = col_scan_begin,
	.scan_end = col_scan_end,
	.scan_rescan = col_scan_rescan,
	.scan_getnextslot = col_scan_getnextslot,

	.scan_set_tidrange = NULL,
	.scan_getnextslot_tidrange = NULL,

	.parallelscan_estimate = col_parallelscan_estimate,
	.parallelscan_initialize = col_parallelscan_initialize,
	.parallelscan_reinitialize = col_parallelscan_reinitialize,

	.index_fetch_begin = col_index_fetch_begin,
	.index_fetch_reset = col_index_fetch_reset,
	.index_fetch_end = col_index_fetch_end,
	.index_fetch_tuple = col_index_fetch_tuple,

	.tuple_fetch_row_version = col_tuple_fetch_row_version,
	.tuple_tid_valid = col_tuple_tid_valid,
	.tuple_get_latest_tid = col_tuple_get_latest_tid,
	.tuple_satisfies_snapshot = col_tuple_satisfies_snapshot,
	.index_delete_tuples = col_index_delete_tuples,

	.tuple_insert = col_tuple_insert,
	.tuple_insert_speculative = col_tuple_insert_speculative,
	.tuple_complete_speculative = col_tuple_complete_speculative,
	.multi_insert = col_multi_insert,
	.tuple_delete = col_tuple_delete,
	.tuple_update = col_tuple_update,
	.tuple_lock = col_tuple_lock,
	.finish_bulk_insert = col_finish_bulk_insert,

	.relation_set_new_filenode = col_relation_set_new_filenode,
	.relation_nontransactional_truncate = col_relation_nontransactional_truncate,
	.relation_copy_data = col_relation_copy_data,
	.relation_copy_for_cluster = col_relation_copy_for_cluster,
	.relation_vacuum = col_relation_vacuum,
	.scan_analyze_next_block = col_scan_analyze_next_block,
	.scan_analyze_next_tuple = col_scan_analyze_next_tuple,
	.index_build_range_scan = col_index_build_range_scan,
	.index_validate_scan = col_index_validate_scan,

	.relation_size = table_block_relation_size,
	.relation_needs_toast_table = col_relation_needs_toast_table,
	.relation_toast_am = NULL,
	.relation_fetch_toast_slice = NULL,

	.relation_estimate_size = col_relation_estimate_size,

	.scan_bitmap_next_block = NULL,
	.scan_bitmap_next_tuple = NULL,
	.scan_sample_next_block = col_scan_sample_next_block,
	.scan_sample_next_tuple = col_scan_sample_next_tuple
};

PG_FUNCTION_INFO_V1(tempo_columnar_handler);
Datum
tempo_columnar_handler(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(&col_methods);
}

/* ---------------- hooks ---------------- */

/* DROP TABLE: forget buffered rows and delete the stripe catalog rows. */
static void
col_object_access(ObjectAccessType access, Oid classId, Oid objectId,
				  int subId, void *arg)
{
	if (prev_object_access_hook)
		prev_object_access_hook(access, classId, objectId, subId, arg);
	if (access == OAT_DROP && classId == RelationRelationId && subId == 0)
	{
		Relation	rel = try_relation_open(objectId, AccessExclusiveLock);

		if (rel == NULL)
			return;
		if (ColIsColumnar(rel))
		{
			ColMetaPage meta;

			ColDiscardPending(objectId);
			if (smgrexists(RelationGetSmgr(rel), MAIN_FORKNUM) &&
				ColReadMetapage(rel, &meta))
				ColDeleteStorageRows(meta.storage_id);
		}
		relation_close(rel, NoLock);
	}
}

/*
 * The compressed relation has few pages, so the page-based worker count
 * would keep scans serial; ask for workers by stripe count instead, and
 * none while this backend has unwritten rows for the table (workers
 * cannot see them).
 */
static void
col_get_relation_info(PlannerInfo *root, Oid relationObjectId, bool inhparent,
					  RelOptInfo *rel)
{
	if (prev_get_relation_info_hook)
		prev_get_relation_info_hook(root, relationObjectId, inhparent, rel);
	if (!inhparent)
	{
		Relation	r = table_open(relationObjectId, NoLock);

		if (ColIsColumnar(r))
		{
			if (ColHasPending(relationObjectId))
				rel->rel_parallel_workers = 0;
			else if (rel->rel_parallel_workers == -1)
			{
				double		stripes = ceil(rel->tuples / COL_STRIPE_ROWS);

				rel->rel_parallel_workers = stripes > 1 ? (int) Min(stripes - 1, 64) : 0;
			}
		}
		table_close(r, NoLock);
	}
}

void
ColInit(void)
{
#ifdef __GLIBC__

	/*
	 * Decoding a chunk group allocates and frees several arrays of 8192
	 * values (64 kB each) per column and batch.  With glibc's defaults the
	 * heap top is trimmed (brk) on every free and regrown, page fault by
	 * page fault, on the next batch: on virtual machines that churn cost
	 * as much as decoding itself.  Keep up to 32 MB of freed memory for
	 * reuse and serve allocations up to 8 MB from the heap; fixed values
	 * also stop glibc's dynamic threshold from drifting.
	 */
	mallopt(M_MMAP_THRESHOLD, 8 * 1024 * 1024);
	mallopt(M_TRIM_THRESHOLD, 32 * 1024 * 1024);
#endif
	ColWriterInit();
	ColProjectInit();
	ColHeadInit();
	ColTidCacheInit();
	prev_object_access_hook = object_access_hook;
	object_access_hook = col_object_access;
	prev_get_relation_info_hook = get_relation_info_hook;
	get_relation_info_hook = col_get_relation_info;
}
