/*-------------------------------------------------------------------------
 *
 * col.h
 *	  Public API of the tempo_columnar storage: the batch reader that every
 *	  consumer of span data uses (custom scan, TraceQL engine, compactor,
 *	  tag lookups) and the bulk writer used by the compactor.
 *
 * This header is a contract between subsystems.  It may be extended; do not
 * change the meaning of what is here without updating every caller.
 *
 * Reading
 * -------
 *   ColReadState *rs = ColBeginRead(rel, snapshot, attrs, preds, npreds, NULL);
 *   ColReadAddKey(rs, attno, "http.route");    (optional, jsonb columns)
 *   while (ColReadNext(rs, &batch))
 *       ... batch->nrows rows, batch->cols[attno - 1] for projected columns
 *   ColEndRead(rs);
 *
 * - attrs: the 1-based column numbers to decode (NULL/empty = none: the
 *   batches then only carry nrows, enough for count(*)).  Columns not asked
 *   for are never read from disk or decompressed.
 * - preds: a conjunction used only to SKIP stripes and chunk groups whose
 *   zone maps, dictionary sets or bloom filters prove that no row can
 *   match.  Rows of a chunk group that is read are all returned: callers
 *   always evaluate their own filters.  Skipping never changes results.
 *   One exception: when an equality predicate is on a column that is
 *   cheap to decode (not jsonb) and matches under 1/8 of a chunk group's
 *   rows, the reader decodes that column first and returns only the
 *   matching rows (late materialization, for point lookups such as
 *   trace_id = ...).  The rows left out provably fail the predicate, so
 *   callers that evaluate their filters get the same results.  Such a
 *   batch has non-consecutive row numbers: use ColBatchRownum(b, i).
 *   This never happens once ColReadAddKey was called.
 * - Keys not known when the read began: ColBatchKeyNames lists the keys of
 *   a jsonb column that occur in the last batch's chunk group (from the
 *   shredded key directory, without decoding values) and ColBatchReadKey
 *   reads one key for the last batch's rows, as ColReadAddKey would have.
 * - A batch is one chunk group (at most COL_CHUNK_ROWS rows).  Its memory
 *   belongs to the read state and is reset by the next ColReadNext or
 *   ColEndRead; copy what must live longer.
 * - Every read checks for interrupts between chunk groups; corrupt or
 *   truncated data raises ERRCODE_DATA_CORRUPTED.
 *
 * Chunk-group filter (sampling)
 * -----------------------------
 *   ColReadSetGroupFilter(rs, filter, arg);    (before the first ColReadNext)
 * makes the reader call filter(arg, &info) for every chunk group that the
 * predicates did not skip, just before reading it; when it returns false
 * the group is skipped: nothing of it is read from disk or decoded, and it
 * counts in stats.chunk_groups_skipped and stats.chunk_groups_filtered.
 * The call happens in read order, so every batch that ColReadNext returns
 * comes from the group of the last call that returned true.  info
 * identifies the group stably (relation, stripe number, group index in
 * the stripe: the same data gives the same identities in every scan) and
 * carries its row count; ColGroupDictSet and ColGroupMinMax give its
 * stored metadata for one column (the dictionary set and zone map kept in
 * the stripe footer, so no I/O).  Rows this transaction has buffered and
 * not yet written come in batches of their own: the filter sees them with
 * info.buffered set and no metadata.
 *
 * Summaries (counting consumers)
 * ------------------------------
 *   ColReadSetSummary(rs, time_attno, filter, arg);  (before ColReadNext)
 * lets the reader answer a chunk group from the value census of its footer
 * (col_census.c) instead of reading it.  For a group that the predicates
 * and the group filter keep, when the census gives, for every projected
 * column but the time column (a bigint, e.g. start_time_unix_nano), the
 * rows holding each value per cell of time, and at most one of those
 * columns has more than one distinct value in the group (NULL counts as a
 * value; a byval column whose zone map has min = max and no NULLs counts
 * as constant without a census), the reader calls filter(arg, &info,
 * cell_width, tmin, tmax) with the cells' width in ns (0: one cell for the
 * whole group) and the time column's zone map.  When it returns true,
 * ColReadNext returns a summary batch: batch->weights != NULL, one row per
 * (cell, distinct combination of values), weights[i] rows of the group
 * have it; the time column holds, for the rows of cell c, the time
 * Min((c + 1) * cell_width, tmax) (tmax for one cell), which lies in
 * [tmin, tmax] and in the cell.  The filter must return true only when
 * that value stands for any time of its cell as far as the consumer is
 * concerned (e.g. they fall into the same interval of a metrics grid).
 * Rows with a NULL time are not counted.  Never with keys
 * (ColReadAddKey), for buffered rows, or in the row selection of
 * equality lookups; row numbers of a summary batch mean nothing.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/col.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef COL_H
#define COL_H

#include "access/relscan.h"
#include "nodes/bitmapset.h"
#include "utils/rel.h"
#include "utils/snapshot.h"

/* Rows per chunk group (the zone-map and vector unit). */
#define COL_CHUNK_ROWS			8192
/* Default rows per stripe (the MVCC, flush and parallelism unit). */
#define COL_STRIPE_ROWS			(8 * COL_CHUNK_ROWS)

typedef enum ColPredOp
{
	COL_OP_EQ,
	COL_OP_LT,
	COL_OP_LE,
	COL_OP_GT,
	COL_OP_GE
} ColPredOp;

/* "column op constant", used for skipping only (see above). */
typedef struct ColPredicate
{
	AttrNumber	attno;			/* 1-based column number */
	ColPredOp	op;
	Datum		value;			/* non-NULL constant of the column's type */
	Oid			collation;		/* for text comparisons; InvalidOid = C */
} ColPredicate;

/* One decoded column of a batch. */
typedef struct ColVector
{
	Datum	   *values;			/* nrows values; by-ref ones point into batch
								 * memory */
	bool	   *isnull;			/* nrows flags */
	bool		hasnulls;		/* any isnull[i] true? */

	/*
	 * Dictionary form, set when the chunk is dictionary encoded: values[i]
	 * == dict[codes[i]] for non-NULL rows (codes[i] = -1 for NULL).  Lets a
	 * caller evaluate a predicate once per distinct value.  codes == NULL
	 * when the chunk is not dictionary encoded.
	 */
	int32	   *codes;
	int			ndict;
	Datum	   *dict;
} ColVector;

/* Type of one attribute value in a ColKeyVector row. */
typedef enum ColKvType
{
	COL_KV_ABSENT = 0,			/* row has no such key (or the column is
								 * NULL) */
	COL_KV_NULL,				/* JSON null */
	COL_KV_STRING,				/* strings[i]: text datum */
	COL_KV_INT,					/* ints[i]: integral JSON number (scale 0)
								 * that fits int64 */
	COL_KV_FLOAT,				/* floats[i]: any other JSON number */
	COL_KV_BOOL,				/* ints[i] is 0 or 1 */
	COL_KV_OTHER				/* others[i]: array or object, as Jsonb */
} ColKvType;

/*
 * The values of one top-level key of a jsonb column, for every row of a
 * batch, decoded without touching the column's other keys.
 */
typedef struct ColKeyVector
{
	AttrNumber	attno;
	const char *key;
	uint8	   *types;			/* nrows ColKvType */
	int64	   *ints;
	double	   *floats;
	text	  **strings;
	struct Jsonb **others;
} ColKeyVector;

typedef struct ColBatch
{
	int			nrows;
	uint64		first_rownum;	/* row number of row 0 (see ColRownumToTid) */
	uint64	   *rownums;		/* [nrows] row numbers when the rows are not
								 * consecutive, else NULL; use ColBatchRownum */
	int			natts;
	ColVector **cols;			/* [natts], NULL for columns not projected */
	int			nkeys;
	ColKeyVector **keys;		/* in ColReadAddKey order */
	int32	   *weights;		/* summary batches only (see above): row i
								 * stands for weights[i] rows; else NULL */
} ColBatch;

/* Row number of row i of a batch. */
#define ColBatchRownum(b, i) \
	((b)->rownums != NULL ? (b)->rownums[i] : (b)->first_rownum + (uint64) (i))

typedef struct ColReadStats
{
	int64		stripes_total;
	int64		stripes_skipped;
	int64		chunk_groups_total;
	int64		chunk_groups_skipped;
	int64		rows_returned;
	int64		bytes_read;			/* stored (compressed) bytes read */
	int64		bytes_decoded;		/* bytes after decompression */
	int64		chunk_groups_filtered;	/* of chunk_groups_skipped: by the
										 * group filter */
} ColReadStats;

/* A chunk group offered to a group filter (see above). */
typedef struct ColGroupInfo
{
	Oid			relid;
	uint64		stripe_num;		/* 0 when buffered */
	int			group;			/* index within the stripe, -1 when buffered */
	int			nrows;
	uint64		first_rownum;
	bool		buffered;		/* rows of this transaction, not yet written */
	const void *meta;			/* private: for ColGroupDictSet/MinMax */
} ColGroupInfo;

typedef bool (*ColGroupFilter) (void *arg, const ColGroupInfo *info);

/*
 * Summaries (see above): may a group whose rows have times in [tmin, tmax]
 * be summarized with cells of width cell_width ns (0: one cell)?
 */
typedef bool (*ColSummaryFilter) (void *arg, const ColGroupInfo *info,
								  int64 cell_width, int64 tmin, int64 tmax);

typedef struct ColReadState ColReadState;	/* opaque */
typedef struct ColWriteState ColWriteState; /* opaque */

/* in col_reader.c */
extern ColReadState *ColBeginRead(Relation rel, Snapshot snapshot,
								  Bitmapset *attrs,
								  const ColPredicate *preds, int npreds,
								  ParallelTableScanDesc pscan);
extern void ColReadAddKey(ColReadState *rs, AttrNumber attno, const char *key);
extern char **ColBatchKeyNames(ColReadState *rs, AttrNumber attno, int *nkeys);
extern ColKeyVector *ColBatchReadKey(ColReadState *rs, AttrNumber attno,
									 const char *key);
extern bool ColReadNext(ColReadState *rs, ColBatch **batch);
extern void ColRescan(ColReadState *rs);
extern void ColReadGetStats(ColReadState *rs, ColReadStats *stats);
extern void ColReadSetGroupFilter(ColReadState *rs, ColGroupFilter filter,
								  void *arg);
extern const uint32 *ColGroupDictSet(const ColGroupInfo *info,
									 AttrNumber attno, int *n);
extern bool ColGroupMinMax(const ColGroupInfo *info, AttrNumber attno,
						   Datum *min, Datum *max);
extern void ColReadSetSummary(ColReadState *rs, AttrNumber time_attno,
							  ColSummaryFilter filter, void *arg);
extern uint32 ColGroupHashText(Datum value);
extern void ColEndRead(ColReadState *rs);

/*
 * Bulk writer for the compactor: rows go straight into stripes of the
 * given relation inside the current transaction (no executor, no slots).
 * ColEndWrite flushes what is buffered; the stripes become visible when the
 * transaction commits and vanish if it aborts.
 */
/* in col_writer.c */
extern ColWriteState *ColBeginWrite(Relation rel);
extern void ColWriteRow(ColWriteState *ws, Datum *values, bool *isnull);
extern void ColEndWrite(ColWriteState *ws);

/*
 * For the rest of the current transaction, the rows of committed
 * subtransactions join their parent's write buffer instead of being
 * written at the end of each statement or subtransaction (the ingest
 * path: one head stripe per group commit, not per request).
 */
extern void ColMergeSubxactWrites(void);

/* Row numbers <-> TIDs (row numbers start at 1; TIDs never use offset 0). */
extern void ColRownumToTid(uint64 rownum, ItemPointer tid);
extern uint64 ColTidToRownum(ItemPointer tid);

/* True when rel is a tempo_columnar table. */
/* in col_am.c */
extern bool ColIsColumnar(Relation rel);
extern void ColInit(void);

#endif							/* COL_H */
