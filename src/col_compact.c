/*-------------------------------------------------------------------------
 *
 * col_compact.c
 *	  Compaction of the head of tempo_columnar relations (see col_head.c):
 *	  small head stripes become large stripes, sorted, in one transaction.
 *
 * One compaction unit (ColCompactOne) takes the oldest visible head
 * stripes of a relation, at most tempo.compaction_stripe_rows rows, decodes
 * them with the reader's chunk decoders (ColReadFooter/ColReadChunk),
 * sorts the rows by tempo.compaction_sort_columns, writes them as one
 * stripe with the bulk writer and deletes the head rows it read, in the
 * caller's transaction.  Either everything commits or nothing: a crash
 * before the commit leaves the head intact and the new pages unreferenced,
 * a crash after it leaves the stripe alone, so compaction is crash safe and
 * idempotent (a unit never sees a head row twice).  The relation is locked
 * in ShareUpdateExclusiveLock, which conflicts with itself, VACUUM, DROP
 * and TRUNCATE but not with inserts or reads; the head is listed with a
 * snapshot taken after the lock, so two compactions never pick the same
 * rows.
 *
 * A unit runs when the relation's head holds
 *	- at least compaction_stripe_rows rows: a full stripe is written;
 *	- a head stripe older than tempo.compaction_max_age, or the caller forces
 *	  it (tempo.compact()): a stripe of what there is (up to a full one);
 *	- tempo.compaction_merge_count head stripes or more that together hold
 *	  under 1/8 of a stripe (a trickle of tiny requests): they are merged
 *	  into one head stripe that keeps the oldest creation time, so readers
 *	  see few head stripes while the stripe written at max_age stays large.
 *
 * Sort order: by default (tenant, service_name, trace_id, start_time) when
 * the table has such columns: one tenant's and one service's spans share
 * chunk groups (dictionaries of one entry, tight zone maps on service and
 * trace id), and a trace's spans of one service are adjacent.  Values
 * compare by their bytes (integers numerically), not by collation: what
 * matters is grouping equal values, and byte comparisons cost no function
 * calls.  Rows whose keys are equal keep their arrival order.
 *
 * Trace quality: when the table has tempo.spans' id columns, the unit
 * counts, per tenant, traces without a root span (rootless) and traces with
 * a span whose parent is not among the unit's spans (disconnected), for
 * tempo_warnings_total.  As in Tempo, the judgement is per compaction unit:
 * a trace split across units may be counted although it is complete.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/col_compact.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/relation.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/varlena.h"

#include "col_compact.h"
#include "col_internal.h"
#include "quality.h"

int			col_compaction_stripe_rows = COL_STRIPE_ROWS;
int			col_compaction_max_age = 600;	/* seconds */
int			col_compaction_merge_count = 32;
char	   *col_compaction_sort_columns = NULL;

#define COMPACT_MAX_KEYS 8

/* Decoded rows of one unit and how to order them. */
typedef struct CompactRows
{
	int			natts;
	int64		nrows;
	Datum	  **values;			/* [natts][nrows] */
	bool	  **isnull;
	ColTypeInfo *types;
	int			nkeys;
	int			keys[COMPACT_MAX_KEYS]; /* 0-based columns */
} CompactRows;

void
ColCompactInit(void)
{
	DefineCustomIntVariable("tempo.compaction_stripe_rows",
							"Rows per stripe written by the compactor.",
							NULL,
							&col_compaction_stripe_rows,
							COL_STRIPE_ROWS, 16, COL_STRIPE_ROWS,
							PGC_SIGHUP,
							0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("tempo.compaction_max_age",
							"Head stripes older than this are compacted even when few.",
							NULL,
							&col_compaction_max_age,
							600, 1, INT_MAX / 1000,
							PGC_SIGHUP,
							GUC_UNIT_S,
							NULL, NULL, NULL);
	DefineCustomIntVariable("tempo.compaction_merge_count",
							"Merge tiny head stripes of a table once there are this many.",
							NULL,
							&col_compaction_merge_count,
							32, 2, INT_MAX,
							PGC_SIGHUP,
							0,
							NULL, NULL, NULL);
	DefineCustomStringVariable("tempo.compaction_sort_columns",
							   "Columns the compactor sorts rows by (those the table has).",
							   NULL,
							   &col_compaction_sort_columns,
							   "tenant, service_name, trace_id, start_time",
							   PGC_SIGHUP,
							   0,
							   NULL, NULL, NULL);
}

/* ---------------- ordering ---------------- */

/* Byte-wise comparison of two non-NULL values of one column. */
static int
value_cmp(const ColTypeInfo *ti, Datum a, Datum b)
{
	if (ti->typbyval)
	{
		int64		x,
					y;

		switch (ti->typlen)
		{
			case 1:
				x = DatumGetChar(a);
				y = DatumGetChar(b);
				break;
			case 2:
				x = DatumGetInt16(a);
				y = DatumGetInt16(b);
				break;
			case 4:
				x = DatumGetInt32(a);
				y = DatumGetInt32(b);
				break;
			default:
				if (ti->unsigned_int)
				{
					uint64		ux = (uint64) DatumGetInt64(a),
								uy = (uint64) DatumGetInt64(b);

					return ux < uy ? -1 : (ux > uy ? 1 : 0);
				}
				x = DatumGetInt64(a);
				y = DatumGetInt64(b);
				break;
		}
		return x < y ? -1 : (x > y ? 1 : 0);
	}
	if (ti->typlen > 0)
		return memcmp(DatumGetPointer(a), DatumGetPointer(b), ti->typlen);
	if (ti->typlen == -1)
	{
		const struct varlena *va = (const struct varlena *) DatumGetPointer(a);
		const struct varlena *vb = (const struct varlena *) DatumGetPointer(b);
		int			la = VARSIZE_ANY_EXHDR(va),
					lb = VARSIZE_ANY_EXHDR(vb);
		int			c = memcmp(VARDATA_ANY(va), VARDATA_ANY(vb), Min(la, lb));

		if (c != 0)
			return c;
		return la < lb ? -1 : (la > lb ? 1 : 0);
	}
	return 0;
}

static int
row_cmp(const void *pa, const void *pb, void *arg)
{
	const CompactRows *cr = arg;
	int64		a = *(const int64 *) pa;
	int64		b = *(const int64 *) pb;
	int			k;

	for (k = 0; k < cr->nkeys; k++)
	{
		int			col = cr->keys[k];
		bool		na = cr->isnull[col][a],
					nb = cr->isnull[col][b];
		int			c;

		if (na || nb)
		{
			if (na && nb)
				continue;
			return na ? 1 : -1; /* NULLs last */
		}
		c = value_cmp(&cr->types[col], cr->values[col][a], cr->values[col][b]);
		if (c != 0)
			return c;
	}
	return a < b ? -1 : (a > b ? 1 : 0);	/* stable: arrival order */
}

/* Resolve tempo.compaction_sort_columns against the relation's columns. */
static void
resolve_sort_keys(TupleDesc tupdesc, CompactRows *cr)
{
	char	   *raw = pstrdup(col_compaction_sort_columns ? col_compaction_sort_columns : "");
	List	   *names = NIL;
	ListCell   *lc;

	cr->nkeys = 0;
	if (!SplitIdentifierString(raw, ',', &names))
		return;					/* unparsable setting: arrival order */
	foreach(lc, names)
	{
		const char *name = lfirst(lc);
		int			a;

		for (a = 0; a < tupdesc->natts && cr->nkeys < COMPACT_MAX_KEYS; a++)
		{
			Form_pg_attribute att = TupleDescAttr(tupdesc, a);

			if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0 &&
				a < cr->natts)
				cr->keys[cr->nkeys++] = a;
		}
	}
}

/* ---------------- trace quality ---------------- */

static int
find_column(TupleDesc tupdesc, const char *name, int typlen)
{
	int			a;

	for (a = 0; a < tupdesc->natts; a++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, a);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0 &&
			(typlen == 0 || att->attlen == typlen))
			return a;
	}
	return -1;
}

/* Do rows a and b have the same value (or both NULL) in column col? */
static bool
same_value(const CompactRows *cr, int col, int64 a, int64 b)
{
	if (cr->isnull[col][a] || cr->isnull[col][b])
		return cr->isnull[col][a] && cr->isnull[col][b];
	return value_cmp(&cr->types[col], cr->values[col][a], cr->values[col][b]) == 0;
}

/* qsort_arg comparator of span ids (passed by value or not) */
static int
span_id_cmp(const void *a, const void *b, void *arg)
{
	return value_cmp(arg, *(const Datum *) a, *(const Datum *) b);
}

static bool
span_id_member(const ColTypeInfo *ti, const Datum *spans, int n, Datum v)
{
	int			lo = 0,
				hi = n - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;
		int			c = value_cmp(ti, v, spans[mid]);

		if (c == 0)
			return true;
		if (c < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return false;
}

static void
report_warnings(const CompactRows *cr, int ctenant, int64 row,
				int64 *rootless, int64 *disc)
{
	char	   *tenant = TextDatumGetCString(cr->values[ctenant][row]);

	if (*rootless > 0)
		QualityCountWarning(tenant, QUALITY_WARN_ROOTLESS_TRACE, *rootless);
	if (*disc > 0)
		QualityCountWarning(tenant, QUALITY_WARN_DISCONNECTED_TRACE, *disc);
	pfree(tenant);
	*rootless = 0;
	*disc = 0;
}

/*
 * Count rootless and disconnected traces among the unit's rows, per
 * tenant, into tempo_warnings_total.
 */
static void
count_trace_warnings(TupleDesc tupdesc, CompactRows *cr)
{
	int			ctenant = find_column(tupdesc, "tenant", -1);
	int			ctrace = find_column(tupdesc, "trace_id", 16);
	int			cspan = find_column(tupdesc, "span_id", 8);
	int			cparent = find_column(tupdesc, "parent_span_id", 8);
	CompactRows byid;
	int64	   *perm;
	Datum	   *spans;
	int64		tenant_row = -1;
	int64		rootless = 0,
				disc = 0;
	int64		i,
				j;

	if (ctenant < 0 || ctrace < 0 || cspan < 0 || cparent < 0 ||
		TupleDescAttr(tupdesc, ctenant)->atttypid != TEXTOID ||
		Max(Max(ctenant, ctrace), Max(cspan, cparent)) >= cr->natts)
		return;
	byid = *cr;
	byid.nkeys = 2;
	byid.keys[0] = ctenant;
	byid.keys[1] = ctrace;
	perm = palloc(sizeof(int64) * cr->nrows);
	for (i = 0; i < cr->nrows; i++)
		perm[i] = i;
	qsort_arg(perm, cr->nrows, sizeof(int64), row_cmp, &byid);
	spans = palloc(sizeof(Datum) * cr->nrows);
	for (i = 0; i < cr->nrows; i = j)
	{
		int64		first = perm[i];
		bool		has_root = false;
		bool		disconnected = false;
		int			nspans = 0;
		int64		k;

		CHECK_FOR_INTERRUPTS();
		for (j = i; j < cr->nrows; j++)
		{
			int64		r = perm[j];

			if (j > i && !(same_value(cr, ctenant, r, first) &&
						   same_value(cr, ctrace, r, first)))
				break;
			if (cr->isnull[cparent][r])
				has_root = true;
			if (!cr->isnull[cspan][r])
				spans[nspans++] = cr->values[cspan][r];
		}
		if (cr->isnull[ctenant][first] || cr->isnull[ctrace][first])
			continue;
		if (nspans > 1)
			qsort_arg(spans, nspans, sizeof(Datum), span_id_cmp, &cr->types[cspan]);
		for (k = i; k < j && !disconnected; k++)
		{
			int64		r = perm[k];

			if (!cr->isnull[cparent][r] &&
				!span_id_member(&cr->types[cspan], spans, nspans,
								cr->values[cparent][r]))
				disconnected = true;
		}
		/* rows are grouped by tenant: count per tenant, report on change */
		if (tenant_row >= 0 && !same_value(cr, ctenant, tenant_row, first))
			report_warnings(cr, ctenant, tenant_row, &rootless, &disc);
		tenant_row = first;
		rootless += !has_root;
		disc += disconnected;
	}
	if (tenant_row >= 0)
		report_warnings(cr, ctenant, tenant_row, &rootless, &disc);
	pfree(spans);
	pfree(perm);
}

/* ---------------- one unit ---------------- */

static int
stripe_num_cmp(const void *a, const void *b)
{
	uint64		x = ((const ColStripeInfo *) a)->stripe_num;
	uint64		y = ((const ColStripeInfo *) b)->stripe_num;

	return x < y ? -1 : (x > y ? 1 : 0);
}

/* Decode the rows of the chosen head stripes into cr. */
static void
decode_heads(Relation rel, ColStripeInfo **in, int nin, CompactRows *cr)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	BlockNumber nblocks = ColRelationBlocks(rel);
	int64		row = 0;
	int			s,
				a,
				g;

	cr->natts = tupdesc->natts;
	cr->types = palloc(sizeof(ColTypeInfo) * Max(cr->natts, 1));
	cr->values = palloc(sizeof(Datum *) * Max(cr->natts, 1));
	cr->isnull = palloc(sizeof(bool *) * Max(cr->natts, 1));
	for (a = 0; a < cr->natts; a++)
	{
		ColTypeInfoInit(&cr->types[a], TupleDescAttr(tupdesc, a));
		cr->values[a] = MemoryContextAllocHuge(CurrentMemoryContext,
											   sizeof(Datum) * Max(cr->nrows, 1));
		cr->isnull[a] = MemoryContextAllocHuge(CurrentMemoryContext,
											   sizeof(bool) * Max(cr->nrows, 1));
	}
	for (s = 0; s < nin; s++)
	{
		ColFooter  *f = ColReadFooter(rel, in[s], tupdesc, cr->types, nblocks);

		for (g = 0; g < f->ngroups; g++)
		{
			int			n = f->group_rows[g];

			CHECK_FOR_INTERRUPTS();
			if (row + n > cr->nrows)
				ColCorrupt("head stripe holds more rows than its catalog row says");
			for (a = 0; a < cr->natts; a++)
			{
				ColVector	vec;

				if (a >= f->natts || TupleDescAttr(tupdesc, a)->attisdropped)
					ColFillMissing(tupdesc, a, n, &vec);
				else
					ColReadChunk(rel, in[s], f, a, g, &cr->types[a], &vec,
								 nblocks, NULL);
				memcpy(cr->values[a] + row, vec.values, sizeof(Datum) * n);
				memcpy(cr->isnull[a] + row, vec.isnull, sizeof(bool) * n);
			}
			row += n;
		}
	}
	if (row != cr->nrows)
		ColCorrupt("head stripes hold fewer rows than their catalog rows say");
}

/*
 * Run one compaction unit on rel (locked by the caller in
 * ShareUpdateExclusiveLock), in the current transaction.  force: compact
 * whatever the head holds.  Returns false when there was nothing to do.
 */
bool
ColCompactOne(Relation rel, bool force, ColCompactResult *res)
{
	MemoryContext cxt,
				old;
	Snapshot	snap;
	ColStripeInfo *all;
	ColStripeInfo **heads;
	int			nall,
				ncap,
				nheads = 0,
				nin = 0;
	int64		total = 0,
				taken = 0;
	int64		limit = col_compaction_stripe_rows;
	TimestampTz oldest = 0;
	bool		final;
	bool		merge = false;
	bool		done = false;
	int			i;

	cxt = AllocSetContextCreate(CurrentMemoryContext, "tempo compaction",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	/* a fresh snapshot: rows compacted by an earlier lock holder are gone */
	snap = RegisterSnapshot(GetLatestSnapshot());
	PushActiveSnapshot(snap);
	/* the head stripes only, by stripe number (= age) */
	nall = 0;
	ncap = 16;
	all = palloc(sizeof(ColStripeInfo) * ncap);
	ColHeadAppendStripes(ColRelationStorageId(rel), snap, &all, &nall, &ncap);
	if (nall > 1)
		qsort(all, nall, sizeof(ColStripeInfo), stripe_num_cmp);
	heads = palloc(sizeof(ColStripeInfo *) * Max(nall, 1));
	for (i = 0; i < nall; i++)
	{
		if (nheads == 0 || ColHeadCreated(&all[i]) < oldest)
			oldest = ColHeadCreated(&all[i]);
		heads[nheads++] = &all[i];
		total += all[i].row_count;
	}

	final = force ||
		(nheads > 0 &&
		 TimestampDifferenceExceeds(oldest, GetCurrentTimestamp(),
									col_compaction_max_age * 1000));
	if (!final && total < limit)
	{
		/* a trickle of tiny stripes: merge them into one head stripe */
		merge = nheads >= col_compaction_merge_count && total < limit / 8;
		if (!merge)
			nheads = 0;
	}

	if (nheads > 0)
	{
		CompactRows cr;
		int64	   *perm;
		ColWriteState *ws;
		Datum	   *values;
		bool	   *isnull;
		TimestampTz created = 0;
		int64		r;
		int			a,
					k,
					nout;

		/* the oldest stripes (by stripe number) that fit in one stripe */
		for (nin = 0; nin < nheads; nin++)
		{
			if (nin > 0 && taken + (int64) heads[nin]->row_count > limit)
				break;
			taken += heads[nin]->row_count;
			if (nin == 0 || ColHeadCreated(heads[nin]) < created)
				created = ColHeadCreated(heads[nin]);
		}
		memset(&cr, 0, sizeof(cr));
		cr.nrows = taken;
		decode_heads(rel, heads, nin, &cr);
		resolve_sort_keys(RelationGetDescr(rel), &cr);

		perm = MemoryContextAllocHuge(cxt, sizeof(int64) * Max(cr.nrows, 1));
		for (r = 0; r < cr.nrows; r++)
			perm[r] = r;
		if (cr.nkeys > 0)
			qsort_arg(perm, cr.nrows, sizeof(int64), row_cmp, &cr);
		if (!merge)
			count_trace_warnings(RelationGetDescr(rel), &cr);

		/*
		 * One stripe, or a head stripe when merging; a head stripe larger
		 * than a stripe (tempo.head_flush_rows above the stripe size) is cut
		 * into even stripes.
		 */
		nout = merge ? 1 : (int) ((cr.nrows + limit - 1) / limit);
		values = palloc(sizeof(Datum) * Max(cr.natts, 1));
		isnull = palloc(sizeof(bool) * Max(cr.natts, 1));
		r = 0;
		for (k = 0; k < nout; k++)
		{
			int64		end = cr.nrows * (k + 1) / nout;

			ws = ColBeginWriteTo(rel, merge ? COL_DEST_HEAD : COL_DEST_PAGES);
			/* cr's values live until the end of the unit: no copies */
			ColWriteSetBorrowValues(ws);
			if (merge)
				ColWriteSetCreated(ws, created);
			for (; r < end; r++)
			{
				if ((r & 4095) == 0)
					CHECK_FOR_INTERRUPTS();
				for (a = 0; a < cr.natts; a++)
				{
					values[a] = cr.values[a][perm[r]];
					isnull[a] = cr.isnull[a][perm[r]];
				}
				ColWriteRow(ws, values, isnull);
			}
			ColEndWrite(ws);
		}

		for (i = 0; i < nin; i++)
			ColHeadDelete(heads[i]);
		CommandCounterIncrement();

		res->head_stripes += nin;
		res->head_rows += taken;
		if (!merge)
		{
			res->stripes_written += nout;
			res->rows_written += taken;
		}
		done = true;
	}
	PopActiveSnapshot();
	UnregisterSnapshot(snap);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	return done;
}

/*
 * Lock (ShareUpdateExclusiveLock, held to the end of the transaction) and
 * open a relation for compaction; NULL when the lock is not available
 * (nowait), the relation is gone or it is not columnar.
 */
static Relation
open_for_compaction(Oid relid, bool nowait)
{
	Relation	rel;

	if (nowait)
	{
		if (!ConditionalLockRelationOid(relid, ShareUpdateExclusiveLock))
			return NULL;
	}
	else
		LockRelationOid(relid, ShareUpdateExclusiveLock);
	rel = try_relation_open(relid, NoLock);
	if (rel == NULL)
	{
		UnlockRelationOid(relid, ShareUpdateExclusiveLock);
		return NULL;
	}
	if (!ColIsColumnar(rel))
	{
		relation_close(rel, ShareUpdateExclusiveLock);
		return NULL;
	}
	return rel;
}

/*
 * Compact rel until its head is below the thresholds (empty when forced),
 * in the current transaction.  False when the relation is gone or not
 * columnar.
 */
bool
ColCompactRelation(Oid relid, bool force, ColCompactResult *res)
{
	Relation	rel = open_for_compaction(relid, false);

	if (rel == NULL)
		return false;
	while (ColCompactOne(rel, force, res))
		CHECK_FOR_INTERRUPTS();
	relation_close(rel, NoLock);
	return true;
}

/*
 * The compactor's step: one unit on relid if its lock is free and its
 * head is due, in the current transaction.  True when a unit ran (call
 * again in a new transaction).
 */
bool
ColCompactRelationUnit(Oid relid, ColCompactResult *res)
{
	Relation	rel = open_for_compaction(relid, true);
	bool		done;

	if (rel == NULL)
		return false;
	done = ColCompactOne(rel, false, res);
	relation_close(rel, NoLock);
	return done;
}

/* ---------------- SQL ---------------- */

/*
 * tempo.compact(rel regclass DEFAULT NULL, force boolean DEFAULT true):
 * compact in the caller's transaction; one result row per relation.
 */
PG_FUNCTION_INFO_V1(tempo_compact);
Datum
tempo_compact(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bool		force = PG_ARGISNULL(1) ? true : PG_GETARG_BOOL(1);
	List	   *relids = NIL;
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, 0);
	if (!PG_ARGISNULL(0))
	{
		Oid			relid = PG_GETARG_OID(0);

		if (!pg_class_ownercheck(relid, GetUserId()))
			aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_TABLE, get_rel_name(relid));
		relids = list_make1_oid(relid);
	}
	else
	{
		List	   *all = ColHeadRelations();

		foreach(lc, all)
		{
			Oid			relid = ((ColHeadRelation *) lfirst(lc))->relid;

			if (pg_class_ownercheck(relid, GetUserId()))
				relids = lappend_oid(relids, relid);
		}
	}
	foreach(lc, relids)
	{
		Oid			relid = lfirst_oid(lc);
		ColCompactResult res;
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};

		memset(&res, 0, sizeof(res));
		if (!ColCompactRelation(relid, force, &res))
		{
			if (!PG_ARGISNULL(0))
				ereport(ERROR,
						(errcode(ERRCODE_WRONG_OBJECT_TYPE),
						 errmsg("\"%s\" is not a tempo_columnar table",
								get_rel_name(relid))));
			continue;
		}
		ColCompactCountResult(&res);
		values[0] = ObjectIdGetDatum(relid);
		values[1] = Int64GetDatum(res.head_stripes);
		values[2] = Int64GetDatum(res.head_rows);
		values[3] = Int64GetDatum(res.stripes_written);
		values[4] = Int64GetDatum(res.rows_written);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* tempo.col_head_stats(rel): the visible head of one relation. */
PG_FUNCTION_INFO_V1(col_head_stats);
Datum
col_head_stats(PG_FUNCTION_ARGS)
{
	Relation	rel = relation_open(PG_GETARG_OID(0), AccessShareLock);
	TupleDesc	tupdesc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, true};
	int64		n = 0,
				rows = 0,
				bytes = 0;
	TimestampTz oldest = 0;
	ColStripeInfo *stripes;
	int			nstripes,
				s;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (!ColIsColumnar(rel))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a tempo_columnar table",
						RelationGetRelationName(rel))));
	stripes = ColListStripes(ColRelationStorageId(rel), GetActiveSnapshot(), &nstripes);
	for (s = 0; s < nstripes; s++)
	{
		if (stripes[s].head == NULL)
			continue;
		if (n == 0 || ColHeadCreated(&stripes[s]) < oldest)
			oldest = ColHeadCreated(&stripes[s]);
		n++;
		rows += stripes[s].row_count;
		bytes += stripes[s].data_length;
	}
	values[0] = Int64GetDatum(n);
	values[1] = Int64GetDatum(rows);
	values[2] = Int64GetDatum(bytes);
	if (n > 0)
	{
		values[3] = TimestampTzGetDatum(oldest);
		nulls[3] = false;
	}
	relation_close(rel, AccessShareLock);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
