/*-------------------------------------------------------------------------
 *
 * col_storage.c
 *	  Page level storage of tempo_columnar relations: the metapage and the
 *	  append-only byte space that stripes are written to.
 *
 * Block 0 is the metapage; it holds the storage id (which ties catalog
 * rows to this relfilenode) and the next unreserved row number.  It is
 * changed in place through generic WAL.  Every other page carries a slice
 * of one stripe right after the page header, with pd_lower marking the
 * end of the used bytes, so the page hole is all zeroes and standard page
 * compression of full-page images skips it.
 *
 * A stripe is written as a run of new pages at the end of the relation
 * while holding the relation extension lock; each new page is WAL-logged
 * as a full-page image (log_newpage_buffer), so redo, streaming replicas
 * and PITR need nothing but core code.  Pages of a stripe whose catalog
 * row never commits are unreachable garbage.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/col_storage.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/generic_xlog.h"
#include "access/xloginsert.h"
#include "catalog/pg_class.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "storage/smgr.h"
#include "utils/rel.h"

#include "col_internal.h"

/* Fill a page image with a fresh metapage. */
static void
build_metapage(Page page, uint64 storage_id)
{
	ColMetaPage *meta;

	PageInit(page, BLCKSZ, 0);
	meta = (ColMetaPage *) ((char *) page + SizeOfPageHeaderData);
	memset(meta, 0, sizeof(ColMetaPage));
	meta->magic = COL_META_MAGIC;
	meta->version = COL_FORMAT_VERSION;
	meta->storage_id = storage_id;
	meta->next_rownum = 1;
	((PageHeader) page)->pd_lower = SizeOfPageHeaderData + sizeof(ColMetaPage);
}

/*
 * Write the metapage of a just-created relfilenode (outside shared
 * buffers, like an index build), WAL-log it and sync it.
 */
void
ColInitMetapage(SMgrRelation srel, char persistence, uint64 storage_id)
{
	PGAlignedBlock block;
	Page		page = (Page) block.data;

	build_metapage(page, storage_id);
	PageSetChecksumInplace(page, 0);
	smgrextend(srel, MAIN_FORKNUM, 0, block.data, true);
	if (persistence == RELPERSISTENCE_PERMANENT)
		log_newpage(&srel->smgr_rnode.node, MAIN_FORKNUM, 0, page, true);
	smgrimmedsync(srel, MAIN_FORKNUM);
}

/* Write a fresh metapage into an empty relation through shared buffers. */
void
ColInitMetapageBuffer(Relation rel, uint64 storage_id)
{
	Buffer		buf;
	Page		page;

	buf = ReadBufferExtended(rel, MAIN_FORKNUM, P_NEW, RBM_NORMAL, NULL);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	if (BufferGetBlockNumber(buf) != 0)
		elog(ERROR, "tempo_columnar: metapage must be block 0");
	page = BufferGetPage(buf);
	START_CRIT_SECTION();
	build_metapage(page, storage_id);
	MarkBufferDirty(buf);
	if (RelationNeedsWAL(rel))
		log_newpage_buffer(buf, true);
	END_CRIT_SECTION();
	UnlockReleaseBuffer(buf);
}

/* Copy the metapage out; false if block 0 is missing or not ours. */
bool
ColReadMetapage(Relation rel, ColMetaPage *meta)
{
	Buffer		buf;
	Page		page;

	if (smgrnblocks(RelationGetSmgr(rel), MAIN_FORKNUM) == 0)
		return false;
	buf = ReadBufferExtended(rel, MAIN_FORKNUM, 0, RBM_NORMAL, NULL);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	memcpy(meta, (char *) page + SizeOfPageHeaderData, sizeof(ColMetaPage));
	UnlockReleaseBuffer(buf);
	return meta->magic == COL_META_MAGIC;
}

/*
 * Reserve nrows consecutive row numbers; returns the first.
 */
uint64
ColReserveRows(Relation rel, uint64 nrows)
{
	Buffer		buf;
	GenericXLogState *state;
	Page		page;
	ColMetaPage *meta;
	uint64		first;

	if (smgrnblocks(RelationGetSmgr(rel), MAIN_FORKNUM) == 0)
		ColCorrupt("metapage is missing");
	buf = ReadBufferExtended(rel, MAIN_FORKNUM, 0, RBM_NORMAL, NULL);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	state = GenericXLogStart(rel);
	page = GenericXLogRegisterBuffer(state, buf, 0);
	meta = (ColMetaPage *) ((char *) page + SizeOfPageHeaderData);
	if (meta->magic != COL_META_MAGIC || meta->version != COL_FORMAT_VERSION)
	{
		GenericXLogAbort(state);
		UnlockReleaseBuffer(buf);
		ColCorrupt("metapage has a bad magic number or version");
	}
	first = meta->next_rownum;
	meta->next_rownum += nrows;
	GenericXLogFinish(state);
	UnlockReleaseBuffer(buf);
	return first;
}

BlockNumber
ColStripeBlocks(uint64 data_length)
{
	return (BlockNumber) ((data_length + COL_PAGE_USABLE - 1) / COL_PAGE_USABLE);
}

BlockNumber
ColRelationBlocks(Relation rel)
{
	return smgrnblocks(RelationGetSmgr(rel), MAIN_FORKNUM);
}

/*
 * Append len bytes as new pages at the end of the relation; returns the
 * first block.  Each page is WAL-logged as a full image.
 */
BlockNumber
ColWriteStripeData(Relation rel, const char *data, uint64 len)
{
	BlockNumber first = InvalidBlockNumber;
	BlockNumber prev = InvalidBlockNumber;
	uint64		done = 0;
	bool		needwal = RelationNeedsWAL(rel);

	LockRelationForExtension(rel, ExclusiveLock);
	while (done < len)
	{
		Buffer		buf;
		Page		page;
		uint64		take = Min(len - done, (uint64) COL_PAGE_USABLE);
		BlockNumber blk;

		CHECK_FOR_INTERRUPTS();
		buf = ReadBufferExtended(rel, MAIN_FORKNUM, P_NEW, RBM_NORMAL, NULL);
		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		blk = BufferGetBlockNumber(buf);
		if (first == InvalidBlockNumber)
			first = blk;
		else if (blk != prev + 1)
			elog(ERROR, "tempo_columnar: relation extension returned block %u after %u",
				 blk, prev);
		prev = blk;
		page = BufferGetPage(buf);

		START_CRIT_SECTION();
		PageInit(page, BLCKSZ, 0);
		memcpy((char *) page + SizeOfPageHeaderData, data + done, take);
		((PageHeader) page)->pd_lower = SizeOfPageHeaderData + take;
		MarkBufferDirty(buf);
		if (needwal)
			log_newpage_buffer(buf, true);
		END_CRIT_SECTION();

		UnlockReleaseBuffer(buf);
		done += take;
	}
	UnlockRelationForExtension(rel, ExclusiveLock);
	return first;
}

/*
 * Copy len bytes starting at byte offset of the stripe that begins at
 * start_block.  nblocks is the relation size; any byte that lies past it,
 * or past a page's used bytes, means the data is truncated or corrupt.
 */
void
ColReadBytes(Relation rel, BlockNumber start_block, uint64 offset,
			 char *dst, uint64 len, BlockNumber nblocks)
{
	uint64		done = 0;

	while (done < len)
	{
		uint64		pos = offset + done;
		uint64		blk64 = (uint64) start_block + pos / COL_PAGE_USABLE;
		uint32		inpage = pos % COL_PAGE_USABLE;
		uint64		take = Min(len - done, (uint64) (COL_PAGE_USABLE - inpage));
		Buffer		buf;
		Page		page;
		uint16		lower;

		if (blk64 == 0 || blk64 >= nblocks)
			ColCorrupt("stripe data extends past the end of the relation");
		buf = ReadBufferExtended(rel, MAIN_FORKNUM, (BlockNumber) blk64,
								 RBM_NORMAL, NULL);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		lower = ((PageHeader) page)->pd_lower;
		if (PageIsNew(page) || lower < SizeOfPageHeaderData ||
			lower > BLCKSZ ||
			inpage + take > (uint64) (lower - SizeOfPageHeaderData))
		{
			UnlockReleaseBuffer(buf);
			ColCorrupt("data page is shorter than its stripe says");
		}
		memcpy(dst + done, (char *) page + SizeOfPageHeaderData + inpage, take);
		UnlockReleaseBuffer(buf);
		done += take;
	}
}
