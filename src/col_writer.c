/*-------------------------------------------------------------------------
 *
 * col_writer.c
 *	  Write buffers and stripe flushing of the tempo_columnar storage, the
 *	  per-transaction pending-write registry used by the table AM, and the
 *	  bulk writer API (ColBeginWrite/ColWriteRow/ColEndWrite).
 *
 * Rows are buffered per relation and per (sub)transaction in a
 * ColWriteBuf: values are detoasted and copied into an arena, NULL flags
 * and the inserting command id are kept per row.  The buffer reserves a
 * range of COL_STRIPE_ROWS row numbers from the metapage when it takes its
 * first row, so every row has its final TID at insert time.  Rows are cut
 * into chunk groups of COL_CHUNK_ROWS rows, or fewer when a group's raw
 * bytes reach COL_CHUNK_MAX_BYTES; the buffer becomes one stripe when it
 * holds COL_STRIPE_ROWS rows or COL_STRIPE_MAX_BYTES raw bytes, at
 * PRE_COMMIT, at RELEASE SAVEPOINT (when the parent also has a buffer for
 * the relation; otherwise the buffer is handed to the parent), and at
 * finish_bulk_insert (end of COPY, table rewrites).  Aborted
 * (sub)transactions drop their buffers.
 *
 * Scans of the writing transaction read the buffered rows straight from
 * memory (read-your-writes without flushing, so the same transaction may
 * read inside any subtransaction): a scan pins each buffer (refcount) and
 * sees the rows whose command id precedes its snapshot's.  A buffer that
 * is flushed while pinned is detached and freed by its last reader.
 *
 * The bulk writer uses the same buffer and flush code without the
 * registry: its rows become visible to later commands once flushed.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/col_writer.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/detoast.h"
#include "access/relation.h"
#include "access/tupmacs.h"
#include "access/xact.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "col_internal.h"

#define COL_ARENA_BLOCK		((Size) 1024 * 1024)

struct ColWriteState
{
	Relation	rel;
	ColWriteBuf *buf;
};

/* Buffers of the current transaction, in TopTransactionContext. */
static List *pending = NIL;
static ColWriteBuf *last_buf = NULL;

/*
 * Set for the rest of the transaction by ColMergeSubxactWrites(): the
 * ingest path's many small subtransactions (one per request of a group
 * commit) hand their rows to the parent's buffer instead of each writing
 * its own (head) stripe.  The rows get new row numbers (TIDs) in the
 * parent's range; the ingest path keeps no TIDs, which is why this is not
 * the default.
 */
static bool merge_subxact_writes = false;

void
ColMergeSubxactWrites(void)
{
	merge_subxact_writes = true;
}

bool
ColMergingSubxactWrites(void)
{
	return merge_subxact_writes;
}

/*
 * Move the rows of a committing subtransaction's buffer into its parent's
 * buffer of the same relation, when they fit in one stripe.  False when
 * they do not (the caller flushes the child instead).
 */
static bool
merge_into_parent(ColWriteBuf *child, ColWriteBuf *parent)
{
	Relation	rel;
	Datum	   *values;
	bool	   *isnull;
	int			i,
				a;

	if (child->refcount > 0 || child->natts != parent->natts ||
		child->relfilenode != parent->relfilenode ||
		parent->nrows + child->nrows >= COL_STRIPE_ROWS ||
		parent->bytes + child->bytes >= COL_STRIPE_MAX_BYTES)
		return false;
	rel = try_relation_open(child->relid, NoLock);
	if (rel == NULL)
		return false;
	if (rel->rd_node.relNode != child->relfilenode ||
		RelationGetDescr(rel)->natts != child->natts)
	{
		relation_close(rel, NoLock);
		return false;
	}
	values = palloc(sizeof(Datum) * Max(child->natts, 1));
	isnull = palloc(sizeof(bool) * Max(child->natts, 1));
	for (i = 0; i < child->nrows; i++)
	{
		for (a = 0; a < child->natts; a++)
		{
			values[a] = child->values[a][i];
			isnull[a] = child->isnull[a][i];
		}
		ColWriteBufAdd(parent, rel, values, isnull, child->cids[i]);
	}
	pfree(values);
	pfree(isnull);
	relation_close(rel, NoLock);
	return true;
}

ColWriteBuf *
ColWriteBufCreate(Relation rel, MemoryContext parent)
{
	ColWriteBuf *buf = MemoryContextAllocZero(parent, sizeof(ColWriteBuf));

	buf->relid = RelationGetRelid(rel);
	buf->relfilenode = rel->rd_node.relNode;
	buf->subxid = GetCurrentSubTransactionId();
	buf->cxt = AllocSetContextCreate(parent, "tempo columnar write buffer",
									 ALLOCSET_DEFAULT_SIZES);
	buf->natts = RelationGetDescr(rel)->natts;
	return buf;
}

void
ColWriteBufReset(ColWriteBuf *buf)
{
	MemoryContextReset(buf->cxt);
	buf->nrows = 0;
	buf->capacity = 0;
	buf->values = NULL;
	buf->isnull = NULL;
	buf->cids = NULL;
	buf->bytes = 0;
	buf->ngroups = 0;
	buf->bounds = NULL;
	buf->bounds_cap = 0;
	buf->group_bytes = 0;
	buf->arena = NULL;
	buf->arena_used = 0;
	buf->arena_size = 0;
	buf->first_row = 0;
}

static void
buf_grow(ColWriteBuf *buf)
{
	int			ncap = buf->capacity == 0 ? 1024 : Min(buf->capacity * 2, COL_STRIPE_ROWS);
	MemoryContext old = MemoryContextSwitchTo(buf->cxt);
	int			a;

	if (buf->values == NULL)
	{
		buf->values = palloc0(sizeof(Datum *) * Max(buf->natts, 1));
		buf->isnull = palloc0(sizeof(bool *) * Max(buf->natts, 1));
		for (a = 0; a < buf->natts; a++)
		{
			buf->values[a] = palloc(sizeof(Datum) * ncap);
			buf->isnull[a] = palloc(sizeof(bool) * ncap);
		}
		buf->cids = palloc(sizeof(CommandId) * ncap);
		buf->bounds_cap = 16;
		buf->bounds = palloc(sizeof(int) * buf->bounds_cap);
		buf->bounds[0] = 0;
	}
	else
	{
		for (a = 0; a < buf->natts; a++)
		{
			buf->values[a] = repalloc(buf->values[a], sizeof(Datum) * ncap);
			buf->isnull[a] = repalloc(buf->isnull[a], sizeof(bool) * ncap);
		}
		buf->cids = repalloc(buf->cids, sizeof(CommandId) * ncap);
	}
	buf->capacity = ncap;
	MemoryContextSwitchTo(old);
}

static char *
arena_alloc(ColWriteBuf *buf, Size size)
{
	char	   *p;

	buf->arena_used = MAXALIGN(buf->arena_used);
	if (buf->arena == NULL || buf->arena_used + size > buf->arena_size)
	{
		Size		bsize = Max(COL_ARENA_BLOCK, MAXALIGN(size));

		buf->arena = MemoryContextAllocHuge(buf->cxt, bsize);
		buf->arena_size = bsize;
		buf->arena_used = 0;
	}
	p = buf->arena + buf->arena_used;
	buf->arena_used += size;
	return p;
}

static void
close_group(ColWriteBuf *buf)
{
	if (buf->nrows == buf->bounds[buf->ngroups])
		return;
	if (buf->ngroups + 2 > buf->bounds_cap)
	{
		buf->bounds_cap *= 2;
		buf->bounds = repalloc(buf->bounds, sizeof(int) * buf->bounds_cap);
	}
	buf->bounds[++buf->ngroups] = buf->nrows;
	buf->group_bytes = 0;
}

/* Add one row (values are copied; toasted values are detoasted). */
void
ColWriteBufAdd(ColWriteBuf *buf, Relation rel, Datum *values, bool *isnull,
			   CommandId cid)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	int			row;
	Size		rowbytes = 0;
	int			a;

	if (buf->nrows == 0)
	{
		if (buf->capacity == 0)
			buf_grow(buf);
		buf->first_row = ColReserveRows(rel, COL_STRIPE_ROWS);
	}
	if (buf->nrows == buf->capacity)
		buf_grow(buf);
	row = buf->nrows;
	for (a = 0; a < buf->natts; a++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, a);
		Datum		v;

		if (a >= tupdesc->natts || att->attisdropped || isnull[a])
		{
			buf->values[a][row] = (Datum) 0;
			buf->isnull[a][row] = true;
			continue;
		}
		buf->isnull[a][row] = false;
		v = values[a];
		if (att->attbyval)
		{
			buf->values[a][row] = v;
			rowbytes += att->attlen;
		}
		else if (att->attlen > 0)
		{
			char	   *p = arena_alloc(buf, att->attlen);

			memcpy(p, DatumGetPointer(v), att->attlen);
			buf->values[a][row] = PointerGetDatum(p);
			rowbytes += att->attlen;
		}
		else if (att->attlen == -1)
		{
			struct varlena *vl = (struct varlena *) DatumGetPointer(v);
			struct varlena *flat = vl;
			Size		sz;
			char	   *p;

			if (VARATT_IS_EXTERNAL(vl) || VARATT_IS_COMPRESSED(vl))
				flat = detoast_attr(vl);
			sz = VARSIZE_ANY(flat);
			p = arena_alloc(buf, sz);
			memcpy(p, flat, sz);
			if (flat != vl)
				pfree(flat);
			buf->values[a][row] = PointerGetDatum(p);
			rowbytes += sz;
		}
		else
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("tempo_columnar cannot store values of type %s",
							format_type_be(att->atttypid))));
	}
	buf->cids[row] = cid;
	buf->nrows++;
	buf->bytes += rowbytes;
	buf->group_bytes += rowbytes;
	if (buf->nrows - buf->bounds[buf->ngroups] >= COL_CHUNK_ROWS ||
		buf->group_bytes >= COL_CHUNK_MAX_BYTES)
		close_group(buf);
}

bool
ColWriteBufFull(ColWriteBuf *buf)
{
	return buf->nrows >= COL_STRIPE_ROWS || buf->bytes >= COL_STRIPE_MAX_BYTES;
}

/*
 * Encode the buffered rows as one stripe, write it and insert its catalog
 * row.  The buffer is left as is (callers reset or detach it).
 */
void
ColWriteBufFlush(ColWriteBuf *buf, Relation rel)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	MemoryContext cxt,
				old;
	ColTypeInfo *types;
	ColEncodedChunk *chunks;
	uint32	   *group_rows;
	StringInfoData footer;
	char	   *data;
	uint64		total = 0;
	uint64		off = 0;
	int			natts = buf->natts;
	int			ngroups;
	int			a,
				g;
	ColStripeInfo si;

	if (buf->nrows == 0)
		return;
	if (natts > tupdesc->natts)
		elog(ERROR, "tempo_columnar: buffered rows have more columns than the table");
	if (IsInParallelMode())
		elog(ERROR, "tempo_columnar: cannot flush a stripe in parallel mode");
	close_group(buf);
	ngroups = buf->ngroups;

	cxt = AllocSetContextCreate(CurrentMemoryContext, "tempo columnar flush",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	types = palloc(sizeof(ColTypeInfo) * Max(natts, 1));
	chunks = palloc0(sizeof(ColEncodedChunk) * Max(natts * ngroups, 1));
	group_rows = palloc(sizeof(uint32) * ngroups);
	for (g = 0; g < ngroups; g++)
		group_rows[g] = buf->bounds[g + 1] - buf->bounds[g];
	for (a = 0; a < natts; a++)
		ColTypeInfoInit(&types[a], TupleDescAttr(tupdesc, a));
	for (a = 0; a < natts; a++)
	{
		for (g = 0; g < ngroups; g++)
		{
			ColEncodedChunk *c = &chunks[a * ngroups + g];
			int			s;
			bool		done = false;

			CHECK_FOR_INTERRUPTS();
			/* a column that repeats another one (see ColEncodeDerived) */
			for (s = 0; s < natts && !done; s++)
			{
				if (s == a || TupleDescAttr(tupdesc, s)->attisdropped ||
					TupleDescAttr(tupdesc, a)->attisdropped ||
					(types[a].unsigned_int && s > a))
					continue;
				done = ColEncodeDerived(&types[a], buf->values[a] + buf->bounds[g],
										buf->isnull[a] + buf->bounds[g],
										group_rows[g], &types[s], s,
										buf->values[s] + buf->bounds[g],
										buf->isnull[s] + buf->bounds[g], c);
			}
			if (!done)
				ColEncodeChunk(&types[a], buf->values[a] + buf->bounds[g],
							   buf->isnull[a] + buf->bounds[g], group_rows[g], c);
			c->offset = total;
			total += c->stored_len;
		}
	}
	initStringInfo(&footer);
	ColFooterSerialize(&footer, natts, ngroups, group_rows, chunks, types);
	ColCensusAppend(&footer, tupdesc, types, natts, ngroups, buf->bounds,
					buf->values, buf->isnull);

	data = MemoryContextAllocHuge(cxt, total + footer.len);
	for (a = 0; a < natts * ngroups; a++)
	{
		memcpy(data + off, chunks[a].data, chunks[a].stored_len);
		off += chunks[a].stored_len;
	}
	memcpy(data + off, footer.data, footer.len);

	memset(&si, 0, sizeof(si));
	si.stripe_num = (buf->first_row - 1) / COL_STRIPE_ROWS + 1;
	si.first_row = buf->first_row;
	si.row_count = buf->nrows;
	si.data_length = total + footer.len;
	si.footer_length = footer.len;
	si.raw_bytes = buf->bytes;
	if (buf->dest == COL_DEST_HEAD ||
		(buf->dest == COL_DEST_AUTO && ColHeadAccepts(rel, buf->nrows)))
		ColHeadInsert(rel, ColRelationStorageId(rel), &si, data,
					  buf->created != 0 ? buf->created :
					  GetCurrentTransactionStartTimestamp());
	else
	{
		si.start_block = ColWriteStripeData(rel, data, si.data_length);
		ColInsertStripeRow(ColRelationStorageId(rel), &si);
	}

	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
}

/* ---------------- pending-write registry (table AM) ---------------- */

static void
buf_free(ColWriteBuf *buf)
{
	if (last_buf == buf)
		last_buf = NULL;
	MemoryContextDelete(buf->cxt);
	pfree(buf);
}

/* Remove a buffer from the registry; freed now or by its last reader. */
static void
buf_detach(ColWriteBuf *buf, bool aborted)
{
	pending = list_delete_ptr(pending, buf);
	if (last_buf == buf)
		last_buf = NULL;
	buf->detached = true;
	buf->aborted = aborted;
	if (buf->refcount == 0)
		buf_free(buf);
}

void
ColReleaseBuffer(ColWriteBuf *buf)
{
	Assert(buf->refcount > 0);
	buf->refcount--;
	if (buf->refcount == 0 && buf->detached)
		buf_free(buf);
}

static void
flush_buf(ColWriteBuf *buf)
{
	Relation	rel = try_relation_open(buf->relid, NoLock);

	/* rows of a storage that was replaced (rewrite, truncate) are gone */
	if (rel != NULL && rel->rd_node.relNode == buf->relfilenode)
		ColWriteBufFlush(buf, rel);
	if (rel != NULL)
		relation_close(rel, NoLock);
	buf_detach(buf, false);
}

/*
 * Buffer one row for the table AM and return the buffer; *tid gets the
 * row's TID.
 */
ColWriteBuf *
ColPendingInsert(Relation rel, Datum *values, bool *isnull, CommandId cid,
				 ItemPointer tid)
{
	Oid			relid = RelationGetRelid(rel);
	SubTransactionId subxid = GetCurrentSubTransactionId();
	ColWriteBuf *buf = NULL;
	ListCell   *lc;

	if (last_buf && last_buf->relid == relid && last_buf->subxid == subxid &&
		last_buf->relfilenode == rel->rd_node.relNode)
		buf = last_buf;
	else
	{
		foreach(lc, pending)
		{
			ColWriteBuf *b = lfirst(lc);

			if (b->relid == relid && b->subxid == subxid &&
				b->relfilenode == rel->rd_node.relNode)
			{
				buf = b;
				break;
			}
		}
		if (buf == NULL)
		{
			MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);

			buf = ColWriteBufCreate(rel, TopTransactionContext);
			pending = lappend(pending, buf);
			MemoryContextSwitchTo(old);
		}
		last_buf = buf;
	}
	if (buf->natts != RelationGetDescr(rel)->natts)
	{
		/* the table's columns changed since rows were buffered */
		flush_buf(buf);
		return ColPendingInsert(rel, values, isnull, cid, tid);
	}
	ColWriteBufAdd(buf, rel, values, isnull, cid);
	ColRownumToTid(buf->first_row + buf->nrows - 1, tid);
	if (ColWriteBufFull(buf))
	{
		ColWriteBufFlush(buf, rel);
		if (buf->refcount > 0)
			buf_detach(buf, false);
		else
			ColWriteBufReset(buf);
	}
	return buf;
}

/* Flush the current subtransaction's buffers of a relation. */
void
ColFlushPending(Oid relid)
{
	SubTransactionId subxid = GetCurrentSubTransactionId();
	ListCell   *lc;

	foreach(lc, pending)
	{
		ColWriteBuf *b = lfirst(lc);

		if (b->relid == relid && b->subxid == subxid)
		{
			flush_buf(b);
			return;				/* at most one per (relation, subxact) */
		}
	}
}

/* Drop every buffer of a relation (TRUNCATE, DROP). */
void
ColDiscardPending(Oid relid)
{
	ListCell   *lc;

restart:
	foreach(lc, pending)
	{
		ColWriteBuf *b = lfirst(lc);

		if (b->relid == relid)
		{
			buf_detach(b, true);
			goto restart;
		}
	}
}

bool
ColHasPending(Oid relid)
{
	ListCell   *lc;

	foreach(lc, pending)
		if (((ColWriteBuf *) lfirst(lc))->relid == relid)
			return true;
	return false;
}

/* Buffers of a relation, pinned; callers release with ColReleaseBuffer. */
List *
ColPendingBuffers(Relation rel)
{
	List	   *res = NIL;
	ListCell   *lc;

	foreach(lc, pending)
	{
		ColWriteBuf *b = lfirst(lc);

		if (b->relid == RelationGetRelid(rel) &&
			b->relfilenode == rel->rd_node.relNode && b->nrows > 0)
		{
			b->refcount++;
			res = lappend(res, b);
		}
	}
	return res;
}

static void
col_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PRE_PREPARE:
			while (pending != NIL)
				flush_buf(linitial(pending));
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PREPARE:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PARALLEL_ABORT:
			/* memory goes away with TopTransactionContext */
			pending = NIL;
			last_buf = NULL;
			merge_subxact_writes = false;
			break;
		default:
			break;
	}
}

static void
col_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					 SubTransactionId parentSubid, void *arg)
{
	ListCell   *lc;

	switch (event)
	{
		case SUBXACT_EVENT_PRE_COMMIT_SUB:
	restart_commit:
			foreach(lc, pending)
			{
				ColWriteBuf *b = lfirst(lc);
				ListCell   *lc2;
				ColWriteBuf *parent = NULL;

				if (b->subxid != mySubid)
					continue;
				foreach(lc2, pending)
				{
					ColWriteBuf *p = lfirst(lc2);

					if (p->relid == b->relid && p->subxid == parentSubid)
						parent = p;
				}
				if (parent != NULL)
				{
					if (merge_subxact_writes && merge_into_parent(b, parent))
						buf_detach(b, false);
					else
						flush_buf(b);
					goto restart_commit;
				}
				b->subxid = parentSubid;
			}
			last_buf = NULL;
			break;
		case SUBXACT_EVENT_ABORT_SUB:
	restart_abort:
			foreach(lc, pending)
			{
				ColWriteBuf *b = lfirst(lc);

				if (b->subxid == mySubid)
				{
					buf_detach(b, true);
					goto restart_abort;
				}
			}
			last_buf = NULL;
			break;
		default:
			break;
	}
}

void
ColWriterInit(void)
{
	RegisterXactCallback(col_xact_callback, NULL);
	RegisterSubXactCallback(col_subxact_callback, NULL);
}

/* ---------------- bulk writer ---------------- */

ColWriteState *
ColBeginWrite(Relation rel)
{
	return ColBeginWriteTo(rel, COL_DEST_PAGES);
}

/* The bulk writer with a choice of destination (the compactor's). */
ColWriteState *
ColBeginWriteTo(Relation rel, ColWriteDest dest)
{
	ColWriteState *ws = palloc0(sizeof(ColWriteState));

	if (!ColIsColumnar(rel))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a tempo_columnar table",
						RelationGetRelationName(rel))));
	ws->rel = rel;
	ws->buf = ColWriteBufCreate(rel, CurrentMemoryContext);
	ws->buf->dest = dest;
	return ws;
}

/* Creation time recorded for head stripes this writer makes. */
void
ColWriteSetCreated(ColWriteState *ws, TimestampTz created)
{
	ws->buf->created = created;
}

void
ColWriteRow(ColWriteState *ws, Datum *values, bool *isnull)
{
	ColWriteBufAdd(ws->buf, ws->rel, values, isnull, GetCurrentCommandId(true));
	if (ColWriteBufFull(ws->buf))
	{
		ColWriteBufFlush(ws->buf, ws->rel);
		ColWriteBufReset(ws->buf);
	}
}

void
ColEndWrite(ColWriteState *ws)
{
	ColWriteBufFlush(ws->buf, ws->rel);
	MemoryContextDelete(ws->buf->cxt);
	pfree(ws->buf);
	pfree(ws);
}
