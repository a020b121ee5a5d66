/*-------------------------------------------------------------------------
 *
 * col_reader.c
 *	  The batch reader of the tempo_columnar storage (see col.h).
 *
 * ColBeginRead lists the stripes whose catalog rows are visible in the
 * snapshot.  ColReadNext then walks them (or, in a parallel scan, claims
 * them one at a time through an atomic counter in shared memory), reads
 * each stripe's footer, drops chunk groups that the predicates rule out
 * (zone maps, dictionary hash sets, bloom filters; a stripe whose groups
 * are all ruled out counts as skipped) and decodes only the projected
 * columns of the remaining groups, one batch per chunk group.  For an
 * equality predicate on a column that is cheap to decode (point lookups:
 * trace_id = ...), that column is decoded first and, when few rows match,
 * the batch keeps only those rows, with their row numbers; shredded jsonb
 * is rebuilt for them alone.  Last come the rows that the current
 * transaction has buffered but not yet written (leader only; they are
 * copied per batch and filtered by command id), so a transaction always
 * reads its own writes.
 *
 * Memory: the read state owns a context; the footer lives in a per-stripe
 * context and the decoded batch in a per-batch context reset by the next
 * ColReadNext.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/col_reader.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/parallel.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "col_internal.h"

typedef struct ColKeyReq
{
	AttrNumber	attno;
	char	   *key;
} ColKeyReq;

struct ColReadState
{
	Relation	rel;
	Snapshot	snapshot;
	TupleDesc	tupdesc;
	int			natts;
	bool	   *want;			/* [natts] */
	bool	   *need;			/* [natts] footer sections to load: want,
								 * predicate and key columns */
	ColTypeInfo *types;			/* [natts] */
	ColPredicate *preds;
	int			npreds;
	ColParallelScanDescData *pscan;
	MemoryContext cxt;
	MemoryContext stripe_cxt;
	MemoryContext batch_cxt;
	BlockNumber nblocks;

	ColStripeInfo *stripes;
	int			nstripes;
	int			next_local;		/* next stripe (serial scans) */
	int			cur;			/* current stripe index, -1 none */
	ColFooter  *footer;
	bool	   *group_skip;
	int			next_group;

	/* buffered rows of this transaction */
	List	   *pending;
	int		   *pending_visible;
	int			pend_idx;
	int			pend_row;
	bool		pending_done;

	int			nkeys;
	ColKeyReq  *keys;

	/* where the current batch comes from, for ColBatchKeyNames/ReadKey */
	int			batch_group;	/* group of stripe cur, or -1: pending rows */
	ColWriteBuf *pend_buf;		/* pending rows: buffer and first row */
	int			pend_start;
	ColGroupFilter filter;		/* see ColReadSetGroupFilter */
	void	   *filter_arg;
	ColSummaryFilter summary;	/* see ColReadSetSummary */
	void	   *summary_arg;
	int			summary_time;	/* time column, 0-based */
	ColCensus  *census;			/* of the current stripe, once loaded */
	bool		census_loaded;
	bool		sections_pending;	/* footer sections of need[] not loaded */
	int			prefetched;		/* stripes whose footers were prefetched */

	ColBatch	batch;
	ColReadStats stats;
};

/* ---------------- low-level helpers shared with the table AM ---------------- */

/* Check that column a's chunks lie inside the stripe data. */
static void
check_chunks(const ColStripeInfo *si, ColFooter *f, int a)
{
	uint64		datalen = si->data_length - si->footer_length;
	int			g;

	for (g = 0; g < f->ngroups; g++)
	{
		ColChunkDesc *c = COL_CHUNK(f, a, g);

		if (c->offset > datalen || c->stored_len > datalen - c->offset)
			ColCorrupt("chunk lies outside its stripe");
	}
}

static void
check_footer_extent(const ColStripeInfo *si, BlockNumber nblocks)
{
	if (si->footer_length > si->data_length || si->footer_length > MaxAllocSize)
		ColCorrupt("stripe footer length is impossible");
	if (si->head == NULL &&
		(uint64) si->start_block + ColStripeBlocks(si->data_length) > nblocks)
		ColCorrupt("stripe extends past the end of the relation");
}

static void
check_row_count(const ColStripeInfo *si, ColFooter *f)
{
	uint64		rows = 0;
	int			g;

	for (g = 0; g < f->ngroups; g++)
		rows += f->group_rows[g];
	if (rows != si->row_count)
		ColCorrupt("stripe footer and catalog disagree on the row count");
}

/* Read and parse a whole stripe footer (current memory context). */
ColFooter *
ColReadFooter(Relation rel, const ColStripeInfo *si, TupleDesc tupdesc,
			  ColTypeInfo *types, BlockNumber nblocks)
{
	char	   *buf;
	ColFooter  *f;
	int			a;

	check_footer_extent(si, nblocks);
	buf = palloc(si->footer_length);
	ColStripeBytes(rel, si, si->data_length - si->footer_length,
				   buf, si->footer_length, nblocks);
	f = ColFooterParse(buf, si->footer_length, tupdesc, types);
	for (a = 0; a < f->natts; a++)
		check_chunks(si, f, a);
	check_row_count(si, f);
	return f;
}

/*
 * Read only the header of a stripe footer; ColFooterLoad then loads the
 * sections of the columns a reader needs.
 */
ColFooter *
ColReadFooterHeader(Relation rel, const ColStripeInfo *si, TupleDesc tupdesc,
					BlockNumber nblocks)
{
	uint64		base = si->data_length - si->footer_length;
	char		first[16];
	uint64		hdrlen;
	char	   *buf;
	ColFooter  *f;

	check_footer_extent(si, nblocks);
	if (si->footer_length < sizeof(first))
		ColCorrupt("stripe footer is truncated");
	ColStripeBytes(rel, si, base, first, sizeof(first), nblocks);
	hdrlen = ColFooterHeaderLength(first, si->footer_length);
	buf = palloc(hdrlen);
	ColStripeBytes(rel, si, base, buf, hdrlen, nblocks);
	f = ColFooterParseHeader(buf, hdrlen, si->footer_length, tupdesc);
	pfree(buf);
	check_row_count(si, f);
	return f;
}

/*
 * Load the footer sections of the columns cols[a] (NULL = all) that are
 * not loaded yet, reading adjacent sections together.  Allocates in the
 * current memory context, which must live as long as the footer.
 */
void
ColFooterLoad(Relation rel, const ColStripeInfo *si, ColFooter *f,
			  ColTypeInfo *types, BlockNumber nblocks, const bool *cols)
{
	uint64		base = si->data_length - si->footer_length;
	int			a = 0;

	while (a < f->natts)
	{
		int			last = a;
		uint64		len;
		char	   *buf;
		int			b;

		if (f->loaded[a] || (cols != NULL && !cols[a]))
		{
			a++;
			continue;
		}
		/* extend over following wanted columns stored right after */
		while (last + 1 < f->natts && !f->loaded[last + 1] &&
			   (cols == NULL || cols[last + 1]) &&
			   f->sect_off[last + 1] == f->sect_off[last] + f->sect_len[last])
			last++;
		len = (uint64) f->sect_off[last] + f->sect_len[last] - f->sect_off[a];
		buf = palloc(Max(len, 1));
		ColStripeBytes(rel, si, base + f->sect_off[a], buf, len, nblocks);
		for (b = a; b <= last; b++)
		{
			ColFooterParseColumn(f, b, buf + (f->sect_off[b] - f->sect_off[a]),
								 &types[b]);
			check_chunks(si, f, b);
		}
		a = last + 1;
	}

	/* the sources of derived chunks (col_encode.c) are needed too */
	for (a = 0; a < f->natts; a++)
	{
		int			g;

		if (!f->loaded[a])
			continue;
		for (g = 0; g < f->ngroups; g++)
		{
			int			src = COL_CHUNK(f, a, g)->source - 1;

			if (src >= 0 && !f->loaded[src])
			{
				bool	   *more = palloc0(sizeof(bool) * f->natts);

				more[src] = true;
				ColFooterLoad(rel, si, f, types, nblocks, more);
				pfree(more);
			}
		}
	}
}

/* Fill a vector for a column the stripe does not store (added later). */
void
ColFillMissing(TupleDesc tupdesc, int att, int nrows, ColVector *vec)
{
	bool		isnull;
	Datum		d = getmissingattr(tupdesc, att + 1, &isnull);
	int			i;

	vec->values = palloc(sizeof(Datum) * Max(nrows, 1));
	vec->isnull = palloc(sizeof(bool) * Max(nrows, 1));
	for (i = 0; i < nrows; i++)
	{
		vec->values[i] = d;
		vec->isnull[i] = isnull;
	}
	vec->hasnulls = isnull;
	vec->codes = NULL;
	vec->ndict = 0;
	vec->dict = NULL;
}

/*
 * Read and decode one chunk into vec (current memory context); sel as for
 * ColDecodeChunk.
 */
static void
read_chunk(Relation rel, const ColStripeInfo *si, ColFooter *footer,
		   int att, int group, ColTypeInfo *ti, const bool *sel,
		   ColVector *vec, BlockNumber nblocks, ColReadStats *stats)
{
	ColChunkDesc *cd = COL_CHUNK(footer, att, group);
	char	   *stored;

	if (cd->stored_len > MaxAllocHugeSize)
		ColCorrupt("chunk length is impossible");
	stored = MemoryContextAllocHuge(CurrentMemoryContext, Max(cd->stored_len, 8));
	ColStripeBytes(rel, si, cd->offset, stored, cd->stored_len, nblocks);
	if (stats)
		stats->bytes_read += cd->stored_len;
	if (ColDerivedEncoding(cd->encoding))
	{
		/* decode the source column's chunk first (sources are 8-byte ints) */
		int			src = cd->source - 1;
		ColTypeInfo sti;
		ColVector	srcvec;

		if (!footer->loaded[src] ||
			ColDerivedEncoding(COL_CHUNK(footer, src, group)->encoding))
			ColCorrupt("derived chunk has a bad source column");
		memset(&sti, 0, sizeof(sti));
		sti.typlen = 8;
		sti.typbyval = true;
		sti.typalign = TYPALIGN_DOUBLE;
		read_chunk(rel, si, footer, src, group, &sti, NULL, &srcvec, nblocks, stats);
		ColDecodeDerived(ti, cd, stored, footer->group_rows[group], &srcvec, vec);
		pfree(srcvec.values);
		pfree(srcvec.isnull);
		pfree(stored);
		return;
	}
	ColDecodeChunk(ti, cd, stored, footer->group_rows[group], sel, vec,
				   stats ? &stats->bytes_decoded : NULL);
	if (stored != (char *) DatumGetPointer(0) && cd->compression != COL_COMP_NONE)
		pfree(stored);
}

/* Read and decode one chunk into vec (current memory context). */
void
ColReadChunk(Relation rel, const ColStripeInfo *si, ColFooter *footer,
			 int att, int group, ColTypeInfo *ti, ColVector *vec,
			 BlockNumber nblocks, ColReadStats *stats)
{
	read_chunk(rel, si, footer, att, group, ti, NULL, vec, nblocks, stats);
}

/* ---------------- predicates ---------------- */

static bool
collation_ok(ColTypeInfo *ti, Oid predcoll)
{
	if (!OidIsValid(ti->collation))
		return true;
	if (predcoll == ti->collation)
		return true;
	if (!OidIsValid(predcoll) && ti->collation == C_COLLATION_OID)
		return true;
	return false;
}

/* True when no row of the chunk can satisfy the predicate. */
static bool
chunk_excludes(ColTypeInfo *ti, const ColChunkDesc *cd, uint32 nrows,
			   const ColPredicate *p)
{
	if (cd->nnulls == nrows)
		return true;			/* col op const is never true for NULL */
	if ((cd->flags & COL_CHUNK_HAS_MINMAX) && ti->has_cmp &&
		collation_ok(ti, p->collation))
	{
		int			cmin,
					cmax;

		cmin = DatumGetInt32(FunctionCall2Coll(&ti->cmp, ti->collation,
											   p->value, cd->min));
		cmax = DatumGetInt32(FunctionCall2Coll(&ti->cmp, ti->collation,
											   p->value, cd->max));
		switch (p->op)
		{
			case COL_OP_EQ:
				if (cmin < 0 || cmax > 0)
					return true;
				break;
			case COL_OP_LT:		/* need some x < v: min < v */
				if (cmin <= 0)
					return true;
				break;
			case COL_OP_LE:
				if (cmin < 0)
					return true;
				break;
			case COL_OP_GT:		/* need max > v */
				if (cmax >= 0)
					return true;
				break;
			case COL_OP_GE:
				if (cmax > 0)
					return true;
				break;
		}
	}
	if (p->op == COL_OP_EQ && cd->ndictset > 0 && ti->text_like &&
		(!OidIsValid(p->collation) || get_collation_isdeterministic(p->collation)) &&
		(!OidIsValid(ti->collation) || get_collation_isdeterministic(ti->collation)))
	{
		uint32		h = ColHashText(p->value);
		int			lo = 0,
					hi = cd->ndictset - 1;
		bool		found = false;

		while (lo <= hi)
		{
			int			mid = (lo + hi) / 2;

			if (cd->dictset[mid] == h)
			{
				found = true;
				break;
			}
			if (cd->dictset[mid] < h)
				lo = mid + 1;
			else
				hi = mid - 1;
		}
		if (!found)
			return true;
	}
	if (p->op == COL_OP_EQ && cd->bloom_bytes > 0 && ti->text_like &&
		(!OidIsValid(p->collation) || get_collation_isdeterministic(p->collation)) &&
		(!OidIsValid(ti->collation) || get_collation_isdeterministic(ti->collation)))
	{
		if (!ColBloomMayContain(cd->bloom, cd->bloom_bytes, ColHashText64(p->value)))
			return true;
	}
	if (p->op == COL_OP_EQ && cd->bloom_bytes > 0 && ti->is_trace_id)
	{
		if (!ColBloomMayContain(cd->bloom, cd->bloom_bytes,
								ColHashTraceId(DatumGetPointer(p->value))))
			return true;
	}
	return false;
}

/* ---------------- API ---------------- */

ColReadState *
ColBeginRead(Relation rel, Snapshot snapshot, Bitmapset *attrs,
			 const ColPredicate *preds, int npreds, ParallelTableScanDesc pscan)
{
	return ColBeginReadDesc(rel, RelationGetDescr(rel), snapshot, attrs,
							preds, npreds, pscan);
}

/*
 * ColBeginRead with an explicit tuple descriptor: table rewrites (ALTER
 * COLUMN TYPE) read the old rows with the old descriptor while the
 * relation already has the new one.
 */
ColReadState *
ColBeginReadDesc(Relation rel, TupleDesc tupdesc, Snapshot snapshot,
				 Bitmapset *attrs, const ColPredicate *preds, int npreds,
				 ParallelTableScanDesc pscan)
{
	MemoryContext cxt,
				old;
	ColReadState *rs;
	uint64		storage_id;
	int			i;

	if (!ColIsColumnar(rel))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a tempo_columnar table",
						RelationGetRelationName(rel))));
	cxt = AllocSetContextCreate(CurrentMemoryContext, "tempo columnar read",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	rs = palloc0(sizeof(ColReadState));
	rs->cxt = cxt;
	rs->stripe_cxt = AllocSetContextCreate(cxt, "tempo columnar stripe",
										   ALLOCSET_DEFAULT_SIZES);
	rs->batch_cxt = AllocSetContextCreate(cxt, "tempo columnar batch",
										  ALLOCSET_DEFAULT_SIZES);
	rs->rel = rel;
	rs->snapshot = snapshot;
	rs->tupdesc = tupdesc;
	rs->natts = rs->tupdesc->natts;
	rs->want = palloc0(sizeof(bool) * Max(rs->natts, 1));
	rs->types = palloc(sizeof(ColTypeInfo) * Max(rs->natts, 1));
	for (i = 0; i < rs->natts; i++)
	{
		ColTypeInfoInit(&rs->types[i], TupleDescAttr(rs->tupdesc, i));
		rs->want[i] = bms_is_member(i + 1, attrs);
	}
	if (npreds > 0)
	{
		rs->preds = palloc(sizeof(ColPredicate) * npreds);
		for (i = 0; i < npreds; i++)
		{
			if (preds[i].attno < 1 || preds[i].attno > rs->natts)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("predicate column %d is out of range", preds[i].attno)));
			rs->preds[rs->npreds++] = preds[i];
		}
	}
	rs->pscan = (ColParallelScanDescData *) pscan;
	rs->need = palloc(sizeof(bool) * Max(rs->natts, 1));
	for (i = 0; i < rs->natts; i++)
		rs->need[i] = rs->want[i];
	for (i = 0; i < rs->npreds; i++)
		rs->need[rs->preds[i].attno - 1] = true;

	storage_id = ColRelationStorageId(rel);
	rs->stripes = ColListStripes(storage_id, snapshot, &rs->nstripes);
	rs->nblocks = ColRelationBlocks(rel);
	rs->cur = -1;

	/* rows this transaction buffered (never in parallel workers) */
	if (!IsParallelWorker())
	{
		ListCell   *lc;
		int			k = 0;

		rs->pending = ColPendingBuffers(rel);
		rs->pending_visible = palloc(sizeof(int) * Max(list_length(rs->pending), 1));
		foreach(lc, rs->pending)
		{
			ColWriteBuf *b = lfirst(lc);
			int			vis = b->nrows;

			if (snapshot != NULL && IsMVCCSnapshot(snapshot))
			{
				vis = 0;
				while (vis < b->nrows && b->cids[vis] < snapshot->curcid)
					vis++;
			}
			rs->pending_visible[k++] = vis;
		}
	}
	rs->batch.natts = rs->natts;
	rs->batch.cols = palloc0(sizeof(ColVector *) * Max(rs->natts, 1));
	MemoryContextSwitchTo(old);
	return rs;
}

void
ColReadAddKey(ColReadState *rs, AttrNumber attno, const char *key)
{
	MemoryContext old = MemoryContextSwitchTo(rs->cxt);

	if (attno < 1 || attno > rs->natts || !rs->types[attno - 1].is_jsonb)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("column %d is not a jsonb column", attno)));
	if (rs->keys == NULL)
		rs->keys = palloc(sizeof(ColKeyReq) * 8);
	else if ((rs->nkeys & 7) == 0)
		rs->keys = repalloc(rs->keys, sizeof(ColKeyReq) * (rs->nkeys + 8));
	rs->keys[rs->nkeys].attno = attno;
	rs->keys[rs->nkeys].key = pstrdup(key);
	rs->need[attno - 1] = true;
	rs->nkeys++;
	rs->batch.nkeys = rs->nkeys;
	rs->batch.keys = palloc0(sizeof(ColKeyVector *) * rs->nkeys);
	MemoryContextSwitchTo(old);
}

/* Claim the next stripe index, or -1. */
static int
next_stripe(ColReadState *rs)
{
	uint64		idx;

	if (rs->pscan)
		idx = pg_atomic_fetch_add_u64(&rs->pscan->next_stripe, 1);
	else
		idx = rs->next_local++;
	if (idx >= (uint64) rs->nstripes)
		return -1;
	return (int) idx;
}

/*
 * With summaries a scan reads little but footers, one small scattered
 * read after another: ask the kernel for the footer pages of the next
 * stripes ahead of time (PrefetchBuffer: nothing when they are already
 * in shared buffers), so reads that miss the caches overlap.
 */
#define COL_FOOTER_PREFETCH 16

static void
prefetch_footers(ColReadState *rs, int idx)
{
#ifdef USE_PREFETCH
	int			upto = Min(rs->nstripes, idx + COL_FOOTER_PREFETCH);

	if (rs->prefetched < idx)
		rs->prefetched = idx;
	for (; rs->prefetched < upto; rs->prefetched++)
	{
		ColStripeInfo *si = &rs->stripes[rs->prefetched];
		BlockNumber b,
					last;

		if (si->head != NULL || si->footer_length == 0 ||
			si->footer_length > si->data_length)
			continue;
		b = si->start_block +
			(BlockNumber) ((si->data_length - si->footer_length) / COL_PAGE_USABLE);
		last = si->start_block + (BlockNumber) ((si->data_length - 1) / COL_PAGE_USABLE);
		for (; b <= last && b < rs->nblocks; b++)
			(void) PrefetchBuffer(rs->rel, MAIN_FORKNUM, b);
	}
#endif
}

/*
 * Load stripe idx's footer and decide which groups to skip: first only the
 * predicate columns' footer sections, then, unless every group is
 * skipped, the sections of the other columns the scan needs.
 */
static void
load_stripe(ColReadState *rs, int idx)
{
	ColStripeInfo *si = &rs->stripes[idx];
	MemoryContext old;
	int			nskip = 0;
	int			g,
				p;

	MemoryContextReset(rs->stripe_cxt);
	old = MemoryContextSwitchTo(rs->stripe_cxt);
	if (rs->summary != NULL && rs->pscan == NULL)
		prefetch_footers(rs, idx);
	rs->footer = ColReadFooterHeader(rs->rel, si, rs->tupdesc, rs->nblocks);
	rs->group_skip = palloc0(sizeof(bool) * rs->footer->ngroups);
	rs->census = NULL;
	rs->census_loaded = false;
	rs->sections_pending = false;
	rs->cur = idx;
	rs->next_group = 0;
	rs->stats.stripes_total++;
	rs->stats.chunk_groups_total += rs->footer->ngroups;
	if (rs->npreds > 0)
	{
		bool	   *pcols = palloc0(sizeof(bool) * Max(rs->natts, 1));

		for (p = 0; p < rs->npreds; p++)
			pcols[rs->preds[p].attno - 1] = true;
		ColFooterLoad(rs->rel, si, rs->footer, rs->types, rs->nblocks, pcols);
		for (g = 0; g < rs->footer->ngroups; g++)
		{
			for (p = 0; p < rs->npreds; p++)
			{
				int			a = rs->preds[p].attno - 1;

				if (a >= rs->footer->natts ||
					TupleDescAttr(rs->tupdesc, a)->attisdropped)
					continue;
				if (chunk_excludes(&rs->types[a], COL_CHUNK(rs->footer, a, g),
								   rs->footer->group_rows[g], &rs->preds[p]))
				{
					rs->group_skip[g] = true;
					nskip++;
					break;
				}
			}
		}
		rs->stats.chunk_groups_skipped += nskip;
		if (nskip == rs->footer->ngroups)
			rs->stats.stripes_skipped++;
	}
	/*
	 * With summaries the other sections wait until a group is decoded
	 * (decode_group): groups answered from the census never need them.
	 */
	if (nskip < rs->footer->ngroups)
	{
		if (rs->summary != NULL)
		{
			bool	   *tcols = palloc0(sizeof(bool) * Max(rs->natts, 1));

			tcols[rs->summary_time] = true;
			ColFooterLoad(rs->rel, si, rs->footer, rs->types, rs->nblocks, tcols);
			rs->sections_pending = true;
		}
		else
			ColFooterLoad(rs->rel, si, rs->footer, rs->types, rs->nblocks, rs->need);
	}
	MemoryContextSwitchTo(old);
}

static void
fill_keys_from_vectors(ColReadState *rs, ColVector **full, int nrows)
{
	int			k;

	for (k = 0; k < rs->nkeys; k++)
	{
		ColKeyVector *kv = palloc0(sizeof(ColKeyVector));

		kv->attno = rs->keys[k].attno;
		kv->key = rs->keys[k].key;
		ColJsonbKeyFromValues(full[kv->attno - 1], nrows, kv->key, kv);
		rs->batch.keys[k] = kv;
	}
}

/*
 * Late materialization for equality lookups: when an EQ predicate is on a
 * column that decodes cheaply (anything but jsonb) and that we can compare
 * exactly (trace ids by bytes, other types with their btree comparison
 * under the column's collation), decode that column of group g first and
 * find the rows that match.  Returns the predicate's column (its decoded
 * vector in *predvec, for reuse) or -1.  The outputs sel, selrows and nsel
 * describe the matching rows when they are few enough (under 1/8 of the
 * group) for returning only them to pay; otherwise *sel is NULL and all
 * rows are returned.
 */
static int
select_rows(ColReadState *rs, int g, ColVector **predvec, bool **sel,
			int **selrows, int *nsel)
{
	ColStripeInfo *si = &rs->stripes[rs->cur];
	ColFooter  *f = rs->footer;
	int			nrows = f->group_rows[g];
	int			p;

	*sel = NULL;
	*selrows = NULL;
	*nsel = nrows;
	for (p = 0; p < rs->npreds; p++)
	{
		const ColPredicate *pr = &rs->preds[p];
		int			a = pr->attno - 1;
		ColTypeInfo *ti = &rs->types[a];
		ColVector  *vec;
		bool	   *match;
		bool	   *dmatch = NULL;
		int			n = 0;
		int			i;

		if (pr->op != COL_OP_EQ || a >= f->natts ||
			TupleDescAttr(rs->tupdesc, a)->attisdropped || ti->is_jsonb)
			continue;
		if (!(ti->is_trace_id && ti->typlen > 0) &&
			!(ti->has_cmp && collation_ok(ti, pr->collation)))
			continue;

		vec = palloc0(sizeof(ColVector));
		read_chunk(rs->rel, si, f, a, g, ti, NULL, vec, rs->nblocks, &rs->stats);
		match = palloc(sizeof(bool) * Max(nrows, 1));
		if (vec->codes != NULL)
		{
			/* dictionary: compare each distinct value once */
			dmatch = palloc(sizeof(bool) * Max(vec->ndict, 1));
			for (i = 0; i < vec->ndict; i++)
				dmatch[i] = DatumGetInt32(FunctionCall2Coll(&ti->cmp, ti->collation,
															pr->value,
															vec->dict[i])) == 0;
		}
		for (i = 0; i < nrows; i++)
		{
			if (vec->isnull[i])
				match[i] = false;
			else if (dmatch != NULL)
				match[i] = vec->codes[i] >= 0 && vec->codes[i] < vec->ndict &&
					dmatch[vec->codes[i]];
			else if (ti->is_trace_id && ti->typlen > 0)
				match[i] = memcmp(DatumGetPointer(vec->values[i]),
								  DatumGetPointer(pr->value), ti->typlen) == 0;
			else
				match[i] = DatumGetInt32(FunctionCall2Coll(&ti->cmp, ti->collation,
														   pr->value,
														   vec->values[i])) == 0;
			n += match[i];
		}
		*predvec = vec;
		if ((int64) n * 8 < nrows)
		{
			int			j = 0;

			*sel = match;
			*nsel = n;
			*selrows = palloc(sizeof(int) * Max(n, 1));
			for (i = 0; i < nrows; i++)
				if (match[i])
					(*selrows)[j++] = i;
		}
		return a;
	}
	return -1;
}

/* Keep only the rows selrows[0..nsel-1] of vec. */
static void
compact_vector(ColVector *vec, const int *selrows, int nsel)
{
	Datum	   *values = palloc(sizeof(Datum) * Max(nsel, 1));
	bool	   *isnull = palloc(sizeof(bool) * Max(nsel, 1));
	int32	   *codes = vec->codes ? palloc(sizeof(int32) * Max(nsel, 1)) : NULL;
	int			j;

	vec->hasnulls = false;
	for (j = 0; j < nsel; j++)
	{
		values[j] = vec->values[selrows[j]];
		isnull[j] = vec->isnull[selrows[j]];
		if (isnull[j])
			vec->hasnulls = true;
		if (codes)
			codes[j] = vec->codes[selrows[j]];
	}
	vec->values = values;
	vec->isnull = isnull;
	vec->codes = codes;
}

/*
 * Decode only the rows selrows[0..nsel-1] (sel: the same as flags) of
 * column a of group g into vec.
 */
static void
read_chunk_rows(ColReadState *rs, int a, int g, const bool *sel,
				const int *selrows, int nsel, ColVector *vec)
{
	ColStripeInfo *si = &rs->stripes[rs->cur];
	ColFooter  *f = rs->footer;
	ColChunkDesc *cd = COL_CHUNK(f, a, g);
	char	   *stored;

	if (cd->stored_len > MaxAllocHugeSize)
		ColCorrupt("chunk length is impossible");
	stored = MemoryContextAllocHuge(CurrentMemoryContext, Max(cd->stored_len, 8));
	ColStripeBytes(rs->rel, si, cd->offset, stored, cd->stored_len,
				   rs->nblocks);
	rs->stats.bytes_read += cd->stored_len;
	if (ColDerivedEncoding(cd->encoding))
	{
		pfree(stored);
		read_chunk(rs->rel, si, f, a, g, &rs->types[a], sel, vec, rs->nblocks,
				   &rs->stats);
		compact_vector(vec, selrows, nsel);
	}
	else if (!ColDecodeChunkRows(&rs->types[a], cd, stored, f->group_rows[g],
								 selrows, nsel, vec, &rs->stats.bytes_decoded))
	{
		ColDecodeChunk(&rs->types[a], cd, stored, f->group_rows[g], sel, vec,
					   &rs->stats.bytes_decoded);
		compact_vector(vec, selrows, nsel);
	}
}

/*
 * Make sure the footer section of column a of the current stripe is loaded:
 * readers load only the sections of the columns they were asked for, and
 * the on-demand key lookups below may touch another jsonb column.
 */
static void
need_column(ColReadState *rs, int a)
{
	MemoryContext old;
	bool	   *cols;

	if (a >= rs->footer->natts || rs->footer->loaded[a])
		return;
	old = MemoryContextSwitchTo(rs->stripe_cxt);
	cols = palloc0(sizeof(bool) * rs->footer->natts);
	cols[a] = true;
	ColFooterLoad(rs->rel, &rs->stripes[rs->cur], rs->footer, rs->types,
				  rs->nblocks, cols);
	pfree(cols);
	MemoryContextSwitchTo(old);
}

/*
 * Read chunk g's shredded jsonb chunk of column a (checksum verified) into
 * the current memory context, or return NULL when that chunk is not
 * shredded.
 */
static char *
read_shredded(ColReadState *rs, int g, int a)
{
	ColFooter  *f = rs->footer;
	ColChunkDesc *cd;
	char	   *stored;

	need_column(rs, a);
	if (a >= f->natts || COL_CHUNK(f, a, g)->encoding != COL_ENC_JSONB_SHRED)
		return NULL;
	cd = COL_CHUNK(f, a, g);
	stored = MemoryContextAllocHuge(CurrentMemoryContext, Max(cd->stored_len, 8));
	ColStripeBytes(rs->rel, &rs->stripes[rs->cur], cd->offset, stored,
				   cd->stored_len, rs->nblocks);
	rs->stats.bytes_read += cd->stored_len;
	if (ColCrc(stored, cd->stored_len) != cd->crc)
		ColCorrupt("chunk checksum mismatch");
	return stored;
}

/*
 * The whole decoded column a of group g, decoded at most once per batch
 * (full[] caches it).
 */
static ColVector *
group_column(ColReadState *rs, int g, int a, ColVector **full)
{
	ColFooter  *f = rs->footer;

	if (rs->batch.cols[a] != NULL && rs->batch.rownums == NULL)
		return rs->batch.cols[a];
	if (full[a] == NULL)
	{
		need_column(rs, a);
		full[a] = palloc0(sizeof(ColVector));
		if (a >= f->natts)
			ColFillMissing(rs->tupdesc, a, f->group_rows[g], full[a]);
		else
			ColReadChunk(rs->rel, &rs->stripes[rs->cur], f, a, g, &rs->types[a],
						 full[a], rs->nblocks, &rs->stats);
	}
	return full[a];
}

/*
 * Fill kv (attno and key set) with the values of its key for every row of
 * group g: from the key's own stream when the chunk is shredded, else
 * from the decoded values.
 */
static void
read_group_key(ColReadState *rs, int g, ColKeyVector *kv, ColVector **full)
{
	int			a = kv->attno - 1;
	int			nrows = rs->footer->group_rows[g];
	char	   *stored = read_shredded(rs, g, a);

	if (stored != NULL)
		ColJsonbReadKey(COL_CHUNK(rs->footer, a, g), stored, nrows, kv->key, kv);
	else
		ColJsonbKeyFromValues(group_column(rs, g, a, full), nrows, kv->key, kv);
}

/*
 * Decode group g of the current stripe into rs->batch.  Returns false when
 * an equality predicate matches no row of the group (nothing to return).
 */
static bool
decode_group(ColReadState *rs, int g)
{
	ColStripeInfo *si = &rs->stripes[rs->cur];
	ColFooter  *f = rs->footer;
	int			nrows = f->group_rows[g];
	ColVector **full = NULL;
	ColVector  *predvec = NULL;
	bool	   *sel = NULL;
	int		   *selrows = NULL;
	int			nsel = nrows;
	int			predatt = -1;
	uint64		base = si->first_row + f->group_first[g];
	int			a,
				k;

	rs->batch_group = g;
	if (rs->sections_pending)
	{
		MemoryContext old = MemoryContextSwitchTo(rs->stripe_cxt);

		ColFooterLoad(rs->rel, si, f, rs->types, rs->nblocks, rs->need);
		rs->sections_pending = false;
		MemoryContextSwitchTo(old);
	}
	/* key vectors are not compacted: no row selection with keys */
	if (rs->nkeys == 0 && rs->npreds > 0)
		predatt = select_rows(rs, g, &predvec, &sel, &selrows, &nsel);
	if (sel != NULL && nsel == 0)
		return false;

	rs->batch.nrows = nsel;
	rs->batch.first_rownum = base;
	rs->batch.rownums = NULL;
	rs->batch.weights = NULL;
	if (sel != NULL)
	{
		rs->batch.rownums = palloc(sizeof(uint64) * nsel);
		for (k = 0; k < nsel; k++)
			rs->batch.rownums[k] = base + selrows[k];
		rs->batch.first_rownum = rs->batch.rownums[0];
	}
	for (a = 0; a < rs->natts; a++)
	{
		ColVector  *vec;

		rs->batch.cols[a] = NULL;
		if (!rs->want[a])
			continue;
		if (a == predatt)
			vec = predvec;
		else
		{
			vec = palloc0(sizeof(ColVector));
			if (a >= f->natts || TupleDescAttr(rs->tupdesc, a)->attisdropped)
				ColFillMissing(rs->tupdesc, a, nrows, vec);
			else if (sel != NULL)
			{
				read_chunk_rows(rs, a, g, sel, selrows, nsel, vec);
				rs->batch.cols[a] = vec;
				continue;
			}
			else
				read_chunk(rs->rel, si, f, a, g, &rs->types[a], sel, vec,
						   rs->nblocks, &rs->stats);
		}
		if (sel != NULL)
			compact_vector(vec, selrows, nsel);
		rs->batch.cols[a] = vec;
	}
	if (rs->nkeys == 0)
		return true;
	Assert(sel == NULL);
	full = palloc0(sizeof(ColVector *) * rs->natts);
	for (k = 0; k < rs->nkeys; k++)
	{
		ColKeyVector *kv = palloc0(sizeof(ColKeyVector));

		kv->attno = rs->keys[k].attno;
		kv->key = rs->keys[k].key;
		rs->batch.keys[k] = kv;
		read_group_key(rs, g, kv, full);
	}
	return true;
}

/* Next batch of buffered (unwritten) rows of this transaction. */
static bool
next_pending(ColReadState *rs)
{
	while (rs->pend_idx < list_length(rs->pending))
	{
		ColWriteBuf *b = list_nth(rs->pending, rs->pend_idx);
		int			vis = rs->pending_visible[rs->pend_idx];
		int			start = rs->pend_row;
		int			n;
		int			a;
		ColVector **full;

		if (b->aborted || start >= vis)
		{
			rs->pend_idx++;
			rs->pend_row = 0;
			continue;
		}
		n = Min(vis - start, COL_CHUNK_ROWS);
		rs->pend_row += n;
		if (rs->filter != NULL)
		{
			ColGroupInfo info;

			memset(&info, 0, sizeof(info));
			info.relid = RelationGetRelid(rs->rel);
			info.group = -1;
			info.nrows = n;
			info.first_rownum = b->first_row + start;
			info.buffered = true;
			if (!rs->filter(rs->filter_arg, &info))
				continue;
		}
		rs->batch_group = -1;
		rs->pend_buf = b;
		rs->pend_start = start;
		rs->batch.nrows = n;
		rs->batch.first_rownum = b->first_row + start;
		rs->batch.rownums = NULL;
		rs->batch.weights = NULL;
		full = palloc0(sizeof(ColVector *) * rs->natts);
		for (a = 0; a < rs->natts; a++)
		{
			ColVector  *vec;
			int			i;

			rs->batch.cols[a] = NULL;
			if (!rs->want[a] && rs->nkeys == 0)
				continue;
			vec = palloc0(sizeof(ColVector));
			if (a >= b->natts)
				ColFillMissing(rs->tupdesc, a, n, vec);
			else
			{
				vec->values = palloc(sizeof(Datum) * n);
				vec->isnull = palloc(sizeof(bool) * n);
				memcpy(vec->values, b->values[a] + start, sizeof(Datum) * n);
				memcpy(vec->isnull, b->isnull[a] + start, sizeof(bool) * n);
				for (i = 0; i < n; i++)
					if (vec->isnull[i])
						vec->hasnulls = true;
			}
			full[a] = vec;
			if (rs->want[a])
				rs->batch.cols[a] = vec;
		}
		if (rs->nkeys > 0)
			fill_keys_from_vectors(rs, full, n);
		rs->stats.rows_returned += n;
		return true;
	}
	rs->pending_done = true;
	return false;
}

/*
 * Ask the group filter about group g of the current stripe (true without
 * one); count what it rejects.
 */
static bool
filter_keeps(ColReadState *rs, int g)
{
	ColGroupInfo info;
	ColStripeInfo *si;

	if (rs->filter == NULL)
		return true;
	si = &rs->stripes[rs->cur];
	info.relid = RelationGetRelid(rs->rel);
	info.stripe_num = si->stripe_num;
	info.group = g;
	info.nrows = rs->footer->group_rows[g];
	info.first_rownum = si->first_row + rs->footer->group_first[g];
	info.buffered = false;
	info.meta = rs;
	if (rs->filter(rs->filter_arg, &info))
		return true;
	rs->group_skip[g] = true;
	rs->stats.chunk_groups_skipped++;
	rs->stats.chunk_groups_filtered++;
	return false;
}

/* ---------------- summaries (see col.h) ---------------- */

/* What summarize_group learns about one projected column */
typedef struct SumCol
{
	int			att;
	const ColCensusGroup *cg;	/* census, or NULL for a constant byval */
	const Datum *vals;			/* the census's stripe values */
	Datum		constval;		/* constant: its value */
	bool		constnull;
	bool		varying;
} SumCol;

/* The value of census code c as a datum */
static inline void
census_datum(const SumCol *sc, int32 code, Datum *d, bool *isnull)
{
	*isnull = code == 0;
	*d = code == 0 ? (Datum) 0 : sc->vals[code - 1];
}

/* The census of a column in group g; parsed columns live with the footer */
static const ColCensusGroup *
census_group(ColReadState *rs, int attno, int g)
{
	MemoryContext old = MemoryContextSwitchTo(rs->stripe_cxt);
	const ColCensusGroup *cg = ColCensusGroupOf(rs->census, attno, g);

	MemoryContextSwitchTo(old);
	return cg;
}

/*
 * Answer group g of the current stripe from its value census when the
 * summary filter agrees: fill rs->batch as a summary batch.  false when
 * the group must be read.
 */
static bool
summarize_group(ColReadState *rs, int g)
{
	ColFooter  *f = rs->footer;
	ColChunkDesc *tcd;
	const ColCensusGroup *vg = NULL;
	SumCol	   *cols;
	int			ncols = 0;
	int			vary = -1;
	int			a,
				i,
				k;
	int64		tmin,
				tmax,
				width;
	ColGroupInfo info;
	ColStripeInfo *si = &rs->stripes[rs->cur];

	if (rs->nkeys > 0 || rs->summary_time >= f->natts)
		return false;
	if (!rs->census_loaded)
	{
		MemoryContext old = MemoryContextSwitchTo(rs->stripe_cxt);

		rs->census = ColCensusLoad(rs->rel, si, f, rs->types, rs->nblocks);
		rs->census_loaded = true;
		MemoryContextSwitchTo(old);
	}
	if (rs->census == NULL ||
		ColCensusTimeAttno(rs->census) != rs->summary_time + 1)
		return false;
	tcd = COL_CHUNK(f, rs->summary_time, g);
	if (!f->loaded[rs->summary_time] || !(tcd->flags & COL_CHUNK_HAS_MINMAX))
		return false;
	tmin = DatumGetInt64(tcd->min);
	tmax = DatumGetInt64(tcd->max);

	cols = palloc(sizeof(SumCol) * Max(rs->natts, 1));
	for (a = 0; a < rs->natts; a++)
	{
		SumCol	   *sc = &cols[ncols];
		ColChunkDesc *cd;

		if (!rs->want[a] || a == rs->summary_time)
			continue;
		if (a >= f->natts || TupleDescAttr(rs->tupdesc, a)->attisdropped)
			return false;
		memset(sc, 0, sizeof(SumCol));
		sc->att = a;
		sc->cg = census_group(rs, a + 1, g);
		if (sc->cg != NULL)
		{
			int			n;

			sc->vals = ColCensusValues(rs->census, a + 1, &n);
			for (i = 1; i < sc->cg->npairs; i++)
				if (sc->cg->codes[i] != sc->cg->codes[0])
					sc->varying = true;
			if (!sc->varying)
			{
				if (sc->cg->npairs == 0)
					return false;	/* nothing to tell the value by */
				census_datum(sc, sc->cg->codes[0], &sc->constval, &sc->constnull);
			}
		}
		else
		{
			/* a byval column holding one value in every row */
			if (!rs->types[a].typbyval)
				return false;
			need_column(rs, a);
			cd = COL_CHUNK(f, a, g);
			if (!f->loaded[a] || cd->nnulls > 0 ||
				!(cd->flags & COL_CHUNK_HAS_MINMAX) || cd->min != cd->max ||
				ColDerivedEncoding(cd->encoding))
				return false;
			sc->constval = cd->min;
		}
		if (sc->varying)
		{
			if (vary >= 0)
				return false;	/* two columns vary: no joint counts */
			vary = ncols;
		}
		ncols++;
	}
	vg = vary >= 0 ? cols[vary].cg : census_group(rs, 0, g);
	if (vg == NULL)
		return false;
	width = vg->width;

	info.relid = RelationGetRelid(rs->rel);
	info.stripe_num = si->stripe_num;
	info.group = g;
	info.nrows = f->group_rows[g];
	info.first_rownum = si->first_row + f->group_first[g];
	info.buffered = false;
	info.meta = rs;
	if (!rs->summary(rs->summary_arg, &info, width, tmin, tmax))
		return false;

	/* the batch: one row per pair of the census that varies (or rows) */
	rs->batch_group = g;
	rs->batch.nrows = vg->npairs;
	rs->batch.first_rownum = info.first_rownum;
	rs->batch.rownums = NULL;
	rs->batch.weights = palloc(sizeof(int32) * Max(vg->npairs, 1));
	for (a = 0; a < rs->natts; a++)
	{
		ColVector  *vec;

		rs->batch.cols[a] = NULL;
		if (!rs->want[a])
			continue;
		vec = palloc0(sizeof(ColVector));
		vec->values = palloc(sizeof(Datum) * Max(vg->npairs, 1));
		vec->isnull = palloc0(sizeof(bool) * Max(vg->npairs, 1));
		rs->batch.cols[a] = vec;
	}
	for (i = 0; i < vg->npairs; i++)
	{
		int64		t = tmax;

		if (width > 0 && vg->cells[i] < PG_INT64_MAX / width - 1)
			t = Min((vg->cells[i] + 1) * width, tmax);
		rs->batch.cols[rs->summary_time]->values[i] = Int64GetDatum(t);
		rs->batch.weights[i] = vg->counts[i];
	}
	for (k = 0; k < ncols; k++)
	{
		SumCol	   *sc = &cols[k];
		ColVector  *vec = rs->batch.cols[sc->att];

		for (i = 0; i < vg->npairs; i++)
		{
			if (sc->varying)
				census_datum(sc, vg->codes[i], &vec->values[i], &vec->isnull[i]);
			else
			{
				vec->values[i] = sc->constval;
				vec->isnull[i] = sc->constnull;
			}
			if (vec->isnull[i])
				vec->hasnulls = true;
		}
	}
	rs->stats.rows_returned += vg->npairs;
	return true;
}

/*
 * ColReadSetSummary
 *		Let the reader answer chunk groups from their value census when
 *		filter agrees (see col.h).  NULL turns it off.
 */
void
ColReadSetSummary(ColReadState *rs, AttrNumber time_attno,
				  ColSummaryFilter filter, void *arg)
{
	if (filter != NULL &&
		(time_attno < 1 || time_attno > rs->natts ||
		 TupleDescAttr(rs->tupdesc, time_attno - 1)->atttypid != INT8OID))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("summary time column %d is not a bigint column", time_attno)));
	rs->summary = filter;
	rs->summary_arg = arg;
	rs->summary_time = time_attno - 1;
	if (filter != NULL)
		rs->need[time_attno - 1] = true;
}

bool
ColReadNext(ColReadState *rs, ColBatch **batch)
{
	MemoryContext old;

	MemoryContextReset(rs->batch_cxt);
	old = MemoryContextSwitchTo(rs->batch_cxt);
	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		if (rs->cur >= 0)
		{
			ColFooter  *f = rs->footer;

			while (rs->next_group < f->ngroups &&
				   (rs->group_skip[rs->next_group] ||
					!filter_keeps(rs, rs->next_group)))
				rs->next_group++;
			if (rs->next_group < f->ngroups)
			{
				if (rs->summary != NULL && summarize_group(rs, rs->next_group))
				{
					rs->next_group++;
					MemoryContextSwitchTo(old);
					*batch = &rs->batch;
					return true;
				}
				if (!decode_group(rs, rs->next_group++))
				{
					/* no row matched: drop what was decoded, go on */
					MemoryContextReset(rs->batch_cxt);
					continue;
				}
				rs->stats.rows_returned += rs->batch.nrows;
				MemoryContextSwitchTo(old);
				*batch = &rs->batch;
				return true;
			}
			rs->cur = -1;
		}
		if (rs->cur < 0)
		{
			int			idx = next_stripe(rs);

			if (idx >= 0)
			{
				load_stripe(rs, idx);
				continue;
			}
		}
		if (!rs->pending_done && next_pending(rs))
		{
			MemoryContextSwitchTo(old);
			*batch = &rs->batch;
			return true;
		}
		MemoryContextSwitchTo(old);
		return false;
	}
}

void
ColRescan(ColReadState *rs)
{
	MemoryContextReset(rs->batch_cxt);
	MemoryContextReset(rs->stripe_cxt);
	rs->next_local = 0;
	rs->cur = -1;
	rs->footer = NULL;
	rs->prefetched = 0;
	rs->pend_idx = 0;
	rs->pend_row = 0;
	rs->pending_done = false;
	memset(&rs->stats, 0, sizeof(rs->stats));
}

void
ColReadGetStats(ColReadState *rs, ColReadStats *stats)
{
	*stats = rs->stats;
}

/*
 * ColReadSetGroupFilter
 *		Let filter decide, before anything of it is read, whether each chunk
 *		group is read (see col.h).  NULL removes the filter.
 */
void
ColReadSetGroupFilter(ColReadState *rs, ColGroupFilter filter, void *arg)
{
	rs->filter = filter;
	rs->filter_arg = arg;
}

/* The stored chunk of column attno of the group a filter is offered */
static const ColChunkDesc *
group_chunk(const ColGroupInfo *info, AttrNumber attno)
{
	const ColReadState *rs = info->meta;

	if (rs == NULL || info->buffered || attno < 1 ||
		attno > rs->footer->natts ||
		TupleDescAttr(rs->tupdesc, attno - 1)->attisdropped)
		return NULL;
	/* the column need not be one the reader decodes: load its section */
	need_column(unconstify(ColReadState *, rs), attno - 1);
	return COL_CHUNK(rs->footer, attno - 1, info->group);
}

/*
 * ColGroupDictSet
 *		The dictionary set of a text column's chunk in the group a filter is
 *		offered: the sorted ColGroupHashText hashes of its distinct values
 *		(*n of them).  NULL when the chunk has none (too many distinct
 *		values, not dictionary encoded, buffered rows).
 */
const uint32 *
ColGroupDictSet(const ColGroupInfo *info, AttrNumber attno, int *n)
{
	const ColChunkDesc *cd = group_chunk(info, attno);

	*n = 0;
	if (cd == NULL || cd->ndictset == 0)
		return NULL;
	*n = (int) cd->ndictset;
	return cd->dictset;
}

/*
 * ColGroupMinMax
 *		The zone map of a column's chunk in the group a filter is offered.
 *		false when there is none.  The datums point into reader memory.
 */
bool
ColGroupMinMax(const ColGroupInfo *info, AttrNumber attno,
			   Datum *min, Datum *max)
{
	const ColChunkDesc *cd = group_chunk(info, attno);

	if (cd == NULL || !(cd->flags & COL_CHUNK_HAS_MINMAX))
		return false;
	*min = cd->min;
	*max = cd->max;
	return true;
}

/* The hash dictionary sets hold for a text value */
uint32
ColGroupHashText(Datum value)
{
	return ColHashText(value);
}

const ColStripeInfo *
ColReadStripes(ColReadState *rs, int *nstripes)
{
	*nstripes = rs->nstripes;
	return rs->stripes;
}

void
ColEndRead(ColReadState *rs)
{
	ListCell   *lc;

	foreach(lc, rs->pending)
		ColReleaseBuffer(lfirst(lc));
	MemoryContextDelete(rs->cxt);
}

/* ---------------- on-demand jsonb keys of the current batch ---------------- */

static void
check_jsonb_attno(ColReadState *rs, AttrNumber attno)
{
	if (attno < 1 || attno > rs->natts || !rs->types[attno - 1].is_jsonb)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("column %d is not a jsonb column", attno)));
}

/* Pending rows of the current batch, column a, as a vector (no copy). */
static ColVector *
pending_column(ColReadState *rs, int a)
{
	ColWriteBuf *b = rs->pend_buf;
	int			n = rs->batch.nrows;
	ColVector  *vec = palloc0(sizeof(ColVector));

	if (a >= b->natts)
		ColFillMissing(rs->tupdesc, a, n, vec);
	else
	{
		vec->values = b->values[a] + rs->pend_start;
		vec->isnull = b->isnull[a] + rs->pend_start;
	}
	return vec;
}

/*
 * ColBatchKeyNames
 *		The top-level keys of jsonb column attno that occur in at least one
 *		row of the chunk group the last batch came from (for buffered rows,
 *		of the batch).  For a shredded chunk this reads the key directory
 *		only; no value is decoded.  When the batch's rows were selected
 *		(rownums != NULL) the names may include keys of rows left out.
 *		The result lives in batch memory.
 */
char	  **
ColBatchKeyNames(ColReadState *rs, AttrNumber attno, int *nkeys)
{
	MemoryContext old = MemoryContextSwitchTo(rs->batch_cxt);
	char	  **names;
	int			a = attno - 1;

	check_jsonb_attno(rs, attno);
	if (rs->batch_group < 0)
		names = ColJsonbKeyNamesFromValues(pending_column(rs, a),
										   rs->batch.nrows, nkeys);
	else
	{
		int			g = rs->batch_group;
		char	   *stored = read_shredded(rs, g, a);

		if (stored != NULL)
			names = ColJsonbKeyNames(COL_CHUNK(rs->footer, a, g), stored,
									 rs->footer->group_rows[g], nkeys);
		else
		{
			ColVector **full = palloc0(sizeof(ColVector *) * rs->natts);

			names = ColJsonbKeyNamesFromValues(group_column(rs, g, a, full),
											   rs->footer->group_rows[g],
											   nkeys);
		}
	}
	MemoryContextSwitchTo(old);
	return names;
}

/*
 * ColBatchReadKey
 *		The values of key in jsonb column attno for the rows of the last
 *		batch, as ColReadAddKey would have given them, for keys not known
 *		when the read began.  The vector lives in batch memory.
 */
ColKeyVector *
ColBatchReadKey(ColReadState *rs, AttrNumber attno, const char *key)
{
	MemoryContext old = MemoryContextSwitchTo(rs->batch_cxt);
	ColKeyVector *kv = palloc0(sizeof(ColKeyVector));

	check_jsonb_attno(rs, attno);
	kv->attno = attno;
	kv->key = pstrdup(key);
	if (rs->batch_group < 0)
		ColJsonbKeyFromValues(pending_column(rs, attno - 1), rs->batch.nrows,
							  kv->key, kv);
	else
	{
		ColVector **full = palloc0(sizeof(ColVector *) * rs->natts);

		read_group_key(rs, rs->batch_group, kv, full);
		if (rs->batch.rownums != NULL)
		{
			uint64		base = rs->stripes[rs->cur].first_row +
				rs->footer->group_first[rs->batch_group];
			int			i;

			/* keep the selected rows only, in batch order */
			for (i = 0; i < rs->batch.nrows; i++)
			{
				int			r = (int) (rs->batch.rownums[i] - base);

				kv->types[i] = kv->types[r];
				kv->ints[i] = kv->ints[r];
				kv->floats[i] = kv->floats[r];
				kv->strings[i] = kv->strings[r];
				kv->others[i] = kv->others[r];
			}
		}
	}
	MemoryContextSwitchTo(old);
	return kv;
}

void
ColRownumToTid(uint64 rownum, ItemPointer tid)
{
	ItemPointerSet(tid, (BlockNumber) (rownum / MaxHeapTuplesPerPage),
				   (OffsetNumber) (rownum % MaxHeapTuplesPerPage + 1));
}

uint64
ColTidToRownum(ItemPointer tid)
{
	return (uint64) ItemPointerGetBlockNumber(tid) * MaxHeapTuplesPerPage +
		ItemPointerGetOffsetNumber(tid) - 1;
}
