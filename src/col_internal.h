/*-------------------------------------------------------------------------
 *
 * col_internal.h
 *	  Private structures of the tempo_columnar storage: metapage, stripe
 *	  catalog rows, stripe footer, chunk encodings and the per-transaction
 *	  write buffers.
 *
 * Physical layout
 * ---------------
 * Block 0 is the metapage (ColMetaPage).  Every other block holds a slice
 * of an append-only byte space: the bytes of a page start right after the
 * page header and pd_lower marks how many are used.  A stripe occupies a
 * run of whole pages (it always starts on a fresh page) and holds, column
 * by column, one chunk per chunk group, followed by the stripe footer (the
 * chunk directory with zone maps, dictionary hash sets and bloom filters).
 * The stripe's catalog row (tempo.col_stripe) records where it starts and
 * how long it and its footer are; its MVCC visibility is the stripe's.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/col_internal.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef COL_INTERNAL_H
#define COL_INTERNAL_H

#include "access/relscan.h"
#include "access/tupdesc.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "port/atomics.h"
#include "storage/block.h"
#include "storage/bufpage.h"
#include "utils/relcache.h"
#include "utils/snapshot.h"
#include "utils/timestamp.h"

#include "col.h"

#define COL_META_MAGIC			0x4C4F4354	/* "TCOL" */
#define COL_FOOTER_MAGIC		0x52544654	/* "TFTR" */
#define COL_FORMAT_VERSION		2

/* Bytes of payload per data page. */
#define COL_PAGE_USABLE			(BLCKSZ - SizeOfPageHeaderData)

/* Byte caps (raw, before encoding) so no buffer nears the 1 GB limit. */
#define COL_STRIPE_MAX_BYTES	((Size) 64 * 1024 * 1024)
#define COL_CHUNK_MAX_BYTES		((Size) 16 * 1024 * 1024)

/* Chunks smaller than this are never handed to zstd. */
#define COL_MIN_COMPRESS_BYTES	64

/* Largest zone-map bound kept for a by-reference value. */
#define COL_MAX_MINMAX_BYTES	256

/* Dictionary encoding of varlena chunks: limits. */
#define COL_DICT_MAX_ENTRIES	4096
/* Dictionary hash sets in the footer are kept up to this many entries. */
#define COL_DICTSET_MAX			256

/* Bloom filters: bits per value and number of probes. */
#define COL_BLOOM_BITS_PER_VALUE 10
#define COL_BLOOM_PROBES		6

typedef struct ColMetaPage
{
	uint32		magic;
	uint32		version;
	uint64		storage_id;
	uint64		next_rownum;	/* first row number not yet reserved */
	uint64		reserved[4];
} ColMetaPage;

/* Shared state of a parallel scan: workers claim stripes one by one. */
typedef struct ColParallelScanDescData
{
	ParallelTableScanDescData base;
	pg_atomic_uint64 next_stripe;
} ColParallelScanDescData;

/* Chunk encodings (applied before compression). */
typedef enum ColEncoding
{
	COL_ENC_NONE = 0,			/* every value NULL: no value bytes */
	COL_ENC_INT_FOR,			/* frame of reference + bit packing */
	COL_ENC_INT_DELTA,			/* first value + packed deltas */
	COL_ENC_FIXED_RAW,			/* typlen bytes per value */
	COL_ENC_VAR_PLAIN,			/* aligned 4-byte-header varlenas */
	COL_ENC_VAR_DICT,			/* dictionary + packed codes */
	COL_ENC_JSONB_SHRED,		/* per-key sub-streams (col_jsonb.c) */
	COL_ENC_FIXED_RUNS,			/* packed run lengths + one value a run */
	COL_ENC_DERIVED_TS,			/* timestamp = source int8 nanoseconds / 1000
								 * (no bytes of its own) */
	COL_ENC_PARENT_REF,			/* span id = the source column's value in
								 * another row of the chunk, or a literal */
	COL_ENC_INT_FOR_PLANES,		/* COL_ENC_INT_FOR with byte planes */
	COL_ENC_INT_DELTA_PLANES	/* COL_ENC_INT_DELTA with byte planes */
} ColEncoding;

typedef enum ColCompression
{
	COL_COMP_NONE = 0,
	COL_COMP_ZSTD
} ColCompression;

/* Chunk flags */
#define COL_CHUNK_HAS_NULLS		0x01
#define COL_CHUNK_HAS_MINMAX	0x02

/*
 * One column chunk as described by the stripe footer.  offset is relative
 * to the first byte of the stripe.  min/max/bloom/dictset point into the
 * footer buffer.
 */
typedef struct ColChunkDesc
{
	uint64		offset;
	uint64		stored_len;
	uint64		raw_len;
	uint32		crc;
	uint32		nnulls;
	uint8		encoding;
	uint8		compression;
	uint8		flags;
	uint8		source;			/* derived encodings: source column + 1 */
	Datum		min;
	Datum		max;
	uint32		bloom_bytes;
	const uint8 *bloom;
	uint32		ndictset;
	const uint32 *dictset;		/* sorted hashes of dictionary entries */
} ColChunkDesc;

typedef struct ColFooter
{
	int			natts;			/* columns stored in the stripe */
	int			ngroups;
	uint32	   *group_rows;		/* [ngroups] */
	uint64	   *group_first;	/* [ngroups] row index within stripe */
	ColChunkDesc *chunks;		/* [natts * ngroups], column-major */
	/* per column: its footer section, and whether it is parsed yet */
	uint32	   *sect_off;
	uint32	   *sect_len;
	uint32	   *sect_crc;
	bool	   *loaded;
} ColFooter;

#define COL_CHUNK(f, att, g)	(&(f)->chunks[(att) * (f)->ngroups + (g)])

/* A stripe's catalog row. */
typedef struct ColStripeInfo
{
	uint64		stripe_num;
	uint64		first_row;
	uint64		row_count;
	BlockNumber start_block;
	uint64		data_length;	/* bytes including the footer */
	uint64		footer_length;
	uint64		raw_bytes;
	struct ColHeadRef *head;	/* head stripe: bytes in tempo.col_head
								 * (col_head.c), start_block 0; else NULL */
} ColStripeInfo;

/*
 * Rows buffered for one relation in one (sub)transaction, or for a bulk
 * writer.  Values are copied (detoasted) into the buffer's arena.  cids[]
 * records the command that inserted each row, so scans of the writing
 * transaction see exactly the rows of earlier commands.
 */
typedef struct ColWriteBuf
{
	Oid			relid;
	Oid			relfilenode;	/* storage the rows belong to */
	SubTransactionId subxid;
	MemoryContext cxt;			/* owns everything below */
	int			natts;
	int			nrows;
	int			capacity;
	uint64		first_row;		/* reserved row numbers start here */
	Datum	  **values;			/* [natts][capacity] */
	bool	  **isnull;
	CommandId  *cids;
	Size		bytes;			/* raw bytes buffered */
	/* chunk group boundaries: group g is rows [bounds[g], bounds[g+1]) */
	int			ngroups;		/* closed groups */
	int		   *bounds;			/* [bounds_cap] */
	int			bounds_cap;
	Size		group_bytes;	/* raw bytes of the open group */
	/* arena for copied by-reference values */
	char	   *arena;
	Size		arena_used;
	Size		arena_size;
	/* reader references: a flushed buffer is freed only when unreferenced */
	int			refcount;
	bool		detached;		/* flushed or discarded */
	bool		aborted;		/* rows vanished with their subtransaction */
	uint8		dest;			/* ColWriteDest */
	TimestampTz created;		/* head stripe's creation time, 0 = now */
} ColWriteBuf;

/* Where a flushed buffer goes (see col_head.c). */
typedef enum ColWriteDest
{
	COL_DEST_AUTO = 0,			/* head when small (tempo.head_flush_rows) */
	COL_DEST_PAGES,				/* always a stripe in the relation's pages */
	COL_DEST_HEAD				/* always a head stripe */
} ColWriteDest;

/* Output of encoding one chunk. */
typedef struct ColEncodedChunk
{
	char	   *data;			/* stored bytes */
	uint64		offset;			/* position within the stripe */
	uint64		stored_len;
	uint64		raw_len;
	uint32		crc;
	uint32		nnulls;
	uint8		encoding;
	uint8		compression;
	uint8		flags;
	uint8		source;			/* derived encodings: source column + 1 */
	Datum		min;
	Datum		max;
	uint8	   *bloom;
	uint32		bloom_bytes;
	uint32	   *dictset;
	uint32		ndictset;
} ColEncodedChunk;

/* Per-column type facts used by the encoder and decoder. */
typedef struct ColTypeInfo
{
	Oid			typid;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Oid			collation;
	bool		signed_int;		/* byval integral type with signed order */
	bool		unsigned_int;	/* tempo.span_id: unsigned order */
	bool		is_trace_id;
	bool		is_jsonb;
	bool		text_like;		/* text/varchar: byte equality under a
								 * deterministic collation */
	bool		has_cmp;
	FmgrInfo	cmp;			/* btree comparison support */
} ColTypeInfo;

/* in col_storage.c */
extern void ColInitMetapage(SMgrRelation srel, char persistence, uint64 storage_id);
extern void ColInitMetapageBuffer(Relation rel, uint64 storage_id);
extern bool ColReadMetapage(Relation rel, ColMetaPage *meta);
extern uint64 ColReserveRows(Relation rel, uint64 nrows);
extern BlockNumber ColWriteStripeData(Relation rel, const char *data, uint64 len);
extern void ColReadBytes(Relation rel, BlockNumber start_block, uint64 offset,
						 char *dst, uint64 len, BlockNumber nblocks);
extern BlockNumber ColStripeBlocks(uint64 data_length);
extern BlockNumber ColRelationBlocks(Relation rel);

/* in col_meta.c */
extern Oid	ColStripeCatalogOid(bool missing_ok);
extern uint64 ColNewStorageId(void);
extern void ColInsertStripeRow(uint64 storage_id, const ColStripeInfo *si);
extern ColStripeInfo *ColListStripes(uint64 storage_id, Snapshot snapshot,
									 int *nstripes);
extern void ColDeleteStorageRows(uint64 storage_id);
extern uint64 ColRelationStorageId(Relation rel);

/* in col_encode.c */
extern void ColTypeInfoInit(ColTypeInfo *ti, Form_pg_attribute att);
extern void ColEncodeChunk(ColTypeInfo *ti, Datum *values, bool *isnull,
						   int n, ColEncodedChunk *out);
extern bool ColEncodeDerived(ColTypeInfo *ti, Datum *values, bool *isnull,
							 int n, ColTypeInfo *sti, int srcatt,
							 Datum *svalues, bool *sisnull,
							 ColEncodedChunk *out);
extern bool ColDerivedEncoding(uint8 encoding);
extern void ColDecodeDerived(ColTypeInfo *ti, const ColChunkDesc *cd,
							 const char *stored, int nrows,
							 const ColVector *src, ColVector *vec);
extern void ColDecodeChunk(ColTypeInfo *ti, const ColChunkDesc *cd,
						   const char *stored, int nrows, const bool *sel,
						   ColVector *vec, int64 *bytes_decoded);
extern bool ColDecodeChunkRows(ColTypeInfo *ti, const ColChunkDesc *cd,
							   const char *stored, int nrows, const int *rows,
							   int nsel, ColVector *vec, int64 *bytes_decoded);
extern char *ColDecompress(const ColChunkDesc *cd, const char *stored);
extern uint32 ColCrc(const char *data, uint64 len);
extern void ColCorrupt(const char *what) pg_attribute_noreturn();
extern uint64 ColHashTraceId(const void *p);
extern uint32 ColHashText(Datum value);
extern uint64 ColHashText64(Datum value);
extern bool ColBloomMayContain(const uint8 *bloom, uint32 nbytes, uint64 hash);
extern Size ColCompressBound(Size len);
extern Size ColCompress(const char *src, Size len, char *dst, Size cap);
extern void ColDecompressInto(const char *src, Size len, char *dst, Size rawlen);
extern int	ColBitWidth(uint64 v);
extern void ColPackBits(const uint64 *v, int n, int width, char *dst);
extern void ColUnpackBits(const char *src, int n, int width, uint64 *dst);
extern Size ColPackedBytes(int n, int width);

/* in col_footer.c */
extern void ColFooterSerialize(StringInfo buf, int natts, int ngroups,
							   const uint32 *group_rows,
							   ColEncodedChunk *chunks, ColTypeInfo *types);
extern ColFooter *ColFooterParse(const char *data, uint64 len, TupleDesc tupdesc,
								 ColTypeInfo *types);
extern uint64 ColFooterHeaderLength(const char *first, uint64 footer_len);
extern ColFooter *ColFooterParseHeader(const char *data, uint64 hdrlen,
									   uint64 footer_len, TupleDesc tupdesc);
extern void ColFooterParseColumn(ColFooter *f, int a, const char *data,
								 ColTypeInfo *ti);

/*
 * Value censuses (col_census.c): per chunk group, the rows holding each
 * value of a low-cardinality column per cell of time.  A cell of width
 * W > 0 holds the times c * W < t <= (c + 1) * W; W == 0 means one cell
 * for the whole group (cells[] then 0).  codes: 0 = NULL, v = value v - 1.
 */
typedef struct ColCensus ColCensus;
typedef struct ColCensusGroup
{
	int64		width;			/* ns, 0 = whole group */
	int			npairs;
	int64	   *cells;
	int32	   *codes;
	int32	   *counts;
} ColCensusGroup;

/* in col_census.c */
extern void ColCensusAppend(StringInfo footer, TupleDesc tupdesc,
							ColTypeInfo *types, int natts, int ngroups,
							const int *bounds, Datum **values, bool **isnull);
extern ColCensus *ColCensusLoad(Relation rel, const ColStripeInfo *si,
								const ColFooter *f, const ColTypeInfo *types,
								BlockNumber nblocks);
extern const ColCensusGroup *ColCensusGroupOf(ColCensus *c, int attno, int g);
extern const Datum *ColCensusValues(ColCensus *c, int attno, int *n);
extern int	ColCensusTimeAttno(ColCensus *c);

/* in col_jsonb.c */
extern bool ColJsonbShred(Datum *values, int nn, StringInfo out);
extern void ColJsonbRebuild(const char *raw, uint64 rawlen, int nn,
							const bool *sel, Datum *values);
extern void ColJsonbReadKey(const ColChunkDesc *cd, const char *stored, int nrows,
							const char *key, ColKeyVector *kv);
extern void ColJsonbKeyFromValues(ColVector *vec, int nrows, const char *key,
								  ColKeyVector *kv);
extern char **ColJsonbKeyNames(const ColChunkDesc *cd, const char *stored,
							   int nrows, int *nkeys);
extern char **ColJsonbKeyNamesFromValues(ColVector *vec, int nrows, int *nkeys);

/* in col_writer.c */
extern ColWriteBuf *ColWriteBufCreate(Relation rel, MemoryContext parent);
extern void ColWriteBufAdd(ColWriteBuf *buf, Relation rel, Datum *values,
						   bool *isnull, CommandId cid);
extern bool ColWriteBufFull(ColWriteBuf *buf);
extern void ColWriteBufFlush(ColWriteBuf *buf, Relation rel);
extern void ColWriteBufReset(ColWriteBuf *buf);
extern ColWriteBuf *ColPendingInsert(Relation rel, Datum *values, bool *isnull,
									 CommandId cid, ItemPointer tid);
extern void ColFlushPending(Oid relid);
extern void ColDiscardPending(Oid relid);
extern bool ColHasPending(Oid relid);
extern List *ColPendingBuffers(Relation rel);
extern void ColReleaseBuffer(ColWriteBuf *buf);
extern void ColWriterInit(void);

extern ColWriteState *ColBeginWriteTo(Relation rel, ColWriteDest dest);
extern bool ColMergingSubxactWrites(void);
extern void ColWriteSetCreated(ColWriteState *ws, TimestampTz created);

/* in col_head.c */
extern int	col_head_flush_rows;
extern void ColHeadInit(void);
extern bool ColHeadAccepts(Relation rel, int nrows);
extern void ColHeadInsert(Relation rel, uint64 storage_id, const ColStripeInfo *si,
						  const char *data, TimestampTz created);
extern void ColHeadAppendStripes(uint64 storage_id, Snapshot snapshot,
								 ColStripeInfo **stripes, int *n, int *cap);
extern void ColHeadDeleteStorage(uint64 storage_id);
extern void ColHeadDelete(const ColStripeInfo *si);
extern TimestampTz ColHeadCreated(const ColStripeInfo *si);
extern void ColStripeBytes(Relation rel, const ColStripeInfo *si, uint64 offset,
						   char *dst, uint64 len, BlockNumber nblocks);

/* in col_project.c */
extern bool ColSlotScanHint(TupleTableSlot *slot, Bitmapset **attrs,
							ColPredicate **preds, int *npreds);
extern void ColProjectInit(void);

/* in col_am.c */
extern void ColScanSetAttrs(TableScanDesc scan, Bitmapset *attrs);
extern void ColScanSetPreds(TableScanDesc scan, ColPredicate *preds, int npreds);

/* in col_reader.c */
extern ColReadState *ColBeginReadDesc(Relation rel, TupleDesc tupdesc,
									  Snapshot snapshot, Bitmapset *attrs,
									  const ColPredicate *preds, int npreds,
									  ParallelTableScanDesc pscan);
extern ColFooter *ColReadFooter(Relation rel, const ColStripeInfo *si,
								TupleDesc tupdesc, ColTypeInfo *types,
								BlockNumber nblocks);
extern ColFooter *ColReadFooterHeader(Relation rel, const ColStripeInfo *si,
									  TupleDesc tupdesc, BlockNumber nblocks);
extern void ColFooterLoad(Relation rel, const ColStripeInfo *si, ColFooter *f,
						  ColTypeInfo *types, BlockNumber nblocks,
						  const bool *cols);
extern void ColReadChunk(Relation rel, const ColStripeInfo *si,
						 ColFooter *footer, int att, int group,
						 ColTypeInfo *ti, ColVector *vec, BlockNumber nblocks,
						 ColReadStats *stats);
extern void ColFillMissing(TupleDesc tupdesc, int att, int nrows, ColVector *vec);
extern const ColStripeInfo *ColReadStripes(ColReadState *rs, int *nstripes);

#endif							/* COL_INTERNAL_H */
