/*-------------------------------------------------------------------------
 *
 * otlp_store.c
 *	  Insert the accepted spans of a decoded OTLP request into tempo.spans.
 *
 * Two passes over the request.  The first makes sure a partition covers
 * the start time of every valid span: it looks each time up in the
 * partition bounds of tempo.spans, sorts the uncovered ones and calls
 * tempo.create_partition(timestamptz) for the first, reloads the bounds,
 * skips the times now covered, and so on: one call per partition created.
 * Without that function an uncovered time is an error (23514, as core
 * tuple routing would raise).  tempo.spans is not held open meanwhile,
 * because creating a partition requires its parent unused by the session.  The second converts the spans to rows and
 * inserts them the way COPY FROM does: an executor state with a result
 * relation for tempo.spans, the core tuple routing (ExecFindPartition) to
 * pick each row's partition, and per-partition buffers flushed with
 * table_multi_insert() and a BulkInsertState, so every partition's own
 * table access method (heap or tempo_columnar) does the writing.  Index
 * entries and NOT NULL / CHECK constraints are maintained; row triggers
 * on the partitions are not fired.  Row-level security on tempo.spans is
 * not supported here yet (an error, as for COPY FROM).  tempo_columnar
 * partitions keep the rows of every request of the transaction (the
 * workers' group commit) in one buffer per partition, written at commit
 * as one head stripe (ColMergeSubxactWrites, col_head.c).
 *
 * Columns of tempo.spans are matched by name, so the table may gain more
 * columns (they are stored as NULL).
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/otlp_store.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "catalog/pg_type.h"
#include "executor/execPartition.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_func.h"
#include "partitioning/partbounds.h"
#include "partitioning/partdesc.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/partcache.h"
#include "utils/rel.h"

#include "col.h"
#include "otlp.h"
#include "tempo_ids.h"
#include "tempo_tenancy.h"

/* flush a partition's buffer at this many rows or bytes */
#define OTLP_BUFFER_ROWS	1000
#define OTLP_BUFFER_BYTES	(1024 * 1024)

/* Rows buffered for one partition. */
typedef struct PartBuffer
{
	ResultRelInfo *rri;
	BulkInsertState bistate;
	TupleTableSlot *slots[OTLP_BUFFER_ROWS];
	int			nused;
	int			nslots;			/* slots created so far */
	Size		bytes;
} PartBuffer;

/* State of the insert pass. */
typedef struct StoreState
{
	Relation	rel;
	EState	   *estate;
	ModifyTableState *mtstate;
	ResultRelInfo *root;
	PartitionTupleRouting *proute;
	TupleTableSlot *rootslot;
	AttrNumber	colmap[OTLP_NUM_COLS];	/* our column -> root attno - 1 */
	List	   *buffers;		/* PartBuffer * */
	CommandId	cid;
} StoreState;

/* State of the partition pass. */
typedef struct PartCheckState
{
	Relation	rel;
	int64	   *missing;		/* start times no partition covers */
	int			nmissing;
	int			maxmissing;
	int64		last_ns;		/* last start time looked at (cache) */
	bool		have_last;
} PartCheckState;

/* Is ts covered by a partition (or a default partition) of rel? */
static bool
partitionCovers(Relation rel, Datum ts)
{
	PartitionKey key = RelationGetPartitionKey(rel);
	PartitionDesc pd = RelationGetPartitionDesc(rel, true);
	PartitionBoundInfo bi = pd->boundinfo;
	bool		equal = false;
	int			off;

	if (pd->nparts == 0 || bi == NULL)
		return false;
	if (partition_bound_has_default(bi))
		return true;
	if (key->strategy != PARTITION_STRATEGY_RANGE || key->partnatts != 1)
		return true;			/* not ours to judge; routing will tell */
	off = partition_range_datum_bsearch(key->partsupfunc, key->partcollation,
										bi, 1, &ts, &equal);
	return bi->indexes[off + 1] >= 0;
}

static void
partCheckOne(void *arg, int64 ns)
{
	PartCheckState *pc = (PartCheckState *) arg;

	/* spans of one request usually share their start times' partition */
	if (pc->have_last && pc->last_ns == ns)
		return;
	pc->last_ns = ns;
	pc->have_last = true;
	if (partitionCovers(pc->rel, OtlpNanosToTimestamptz(ns)))
		return;
	if (pc->nmissing == pc->maxmissing)
	{
		pc->maxmissing = Max(16, pc->maxmissing * 2);
		pc->missing = (pc->missing == NULL) ?
			palloc(sizeof(int64) * pc->maxmissing) :
			repalloc(pc->missing, sizeof(int64) * pc->maxmissing);
	}
	pc->missing[pc->nmissing++] = ns;
}

static int
cmpInt64(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return (x > y) - (x < y);
}

static char *
nanosText(int64 ns)
{
	return DatumGetCString(DirectFunctionCall1(timestamptz_out,
											   OtlpNanosToTimestamptz(ns)));
}

/*
 * Make sure a partition of tempo.spans covers the start time of every
 * valid span of req, calling tempo.create_partition() for the first
 * uncovered time, then the first still uncovered one, and so on (one call
 * per partition created).  The relation must not be open in this
 * function's caller: creating a partition needs the parent unused.
 */
static void
ensurePartitions(Oid relid, const OtlpRequest *req)
{
	PartCheckState pc;
	Oid			argtypes[1] = {TIMESTAMPTZOID};
	Oid			create_fn;
	int			i;

	memset(&pc, 0, sizeof(pc));
	pc.rel = table_open(relid, RowExclusiveLock);
	OtlpForEachSpanStart(req, partCheckOne, &pc);
	table_close(pc.rel, NoLock);
	if (pc.nmissing == 0)
		return;

	create_fn = LookupFuncName(list_make2(makeString("tempo"),
										  makeString("create_partition")),
							   1, argtypes, true);
	if (!OidIsValid(create_fn))
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("no partition of relation \"spans\" covers span start time %s",
						nanosText(pc.missing[0])),
				 errhint("Create a partition of tempo.spans for that time.")));
	if (pg_proc_aclcheck(create_fn, GetUserId(), ACL_EXECUTE) != ACLCHECK_OK)
		aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_FUNCTION, get_func_name(create_fn));

	qsort(pc.missing, pc.nmissing, sizeof(int64), cmpInt64);
	i = 0;
	while (i < pc.nmissing)
	{
		Relation	rel;

		CHECK_FOR_INTERRUPTS();
		(void) OidFunctionCall1(create_fn, OtlpNanosToTimestamptz(pc.missing[i]));
		CommandCounterIncrement();
		rel = table_open(relid, RowExclusiveLock);
		if (!partitionCovers(rel, OtlpNanosToTimestamptz(pc.missing[i])))
			ereport(ERROR,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("tempo.create_partition did not create a partition covering %s",
							nanosText(pc.missing[i]))));
		for (i++; i < pc.nmissing; i++)
			if (!partitionCovers(rel, OtlpNanosToTimestamptz(pc.missing[i])))
				break;
		table_close(rel, NoLock);
	}
	pfree(pc.missing);
}

/* Write out the rows buffered for one partition. */
static void
flushBuffer(StoreState *ss, PartBuffer *buf)
{
	ResultRelInfo *rri = buf->rri;
	int			i;

	if (buf->nused == 0)
		return;
	table_multi_insert(rri->ri_RelationDesc, buf->slots, buf->nused,
					   ss->cid, 0, buf->bistate);
	if (rri->ri_NumIndices > 0)
	{
		for (i = 0; i < buf->nused; i++)
		{
			List	   *recheck;

			recheck = ExecInsertIndexTuples(rri, buf->slots[i], ss->estate,
											false, false, NULL, NIL);
			list_free(recheck);
		}
	}
	for (i = 0; i < buf->nused; i++)
		ExecClearTuple(buf->slots[i]);
	buf->nused = 0;
	buf->bytes = 0;
	ResetPerTupleExprContext(ss->estate);
}

static PartBuffer *
getBuffer(StoreState *ss, ResultRelInfo *rri)
{
	ListCell   *lc;
	PartBuffer *buf;
	MemoryContext oldcxt;

	foreach(lc, ss->buffers)
	{
		buf = (PartBuffer *) lfirst(lc);
		if (buf->rri == rri)
			return buf;
	}
	oldcxt = MemoryContextSwitchTo(ss->estate->es_query_cxt);
	buf = palloc0(sizeof(PartBuffer));
	buf->rri = rri;
	buf->bistate = GetBulkInsertState();
	ss->buffers = lappend(ss->buffers, buf);
	MemoryContextSwitchTo(oldcxt);
	return buf;
}

/* Row callback of the insert pass: route the row and buffer it. */
static void
storeRow(void *arg, Datum *values, bool *isnull)
{
	StoreState *ss = (StoreState *) arg;
	TupleTableSlot *slot = ss->rootslot;
	ResultRelInfo *rri;
	PartBuffer *buf;
	TupleTableSlot *dst;
	TupleConversionMap *map;
	MemoryContext oldcxt;
	int			i;

	ExecClearTuple(slot);
	memset(slot->tts_isnull, true, sizeof(bool) * slot->tts_tupleDescriptor->natts);
	for (i = 0; i < OTLP_NUM_COLS; i++)
	{
		slot->tts_values[ss->colmap[i]] = values[i];
		slot->tts_isnull[ss->colmap[i]] = isnull[i];
	}
	ExecStoreVirtualTuple(slot);

	rri = ExecFindPartition(ss->mtstate, ss->root, ss->proute, slot, ss->estate);
	buf = getBuffer(ss, rri);
	if (buf->nused == buf->nslots)
	{
		oldcxt = MemoryContextSwitchTo(ss->estate->es_query_cxt);
		buf->slots[buf->nslots++] =
			MakeSingleTupleTableSlot(RelationGetDescr(rri->ri_RelationDesc),
									 table_slot_callbacks(rri->ri_RelationDesc));
		MemoryContextSwitchTo(oldcxt);
	}
	dst = buf->slots[buf->nused];
	map = rri->ri_RootToPartitionMap;
	if (map != NULL)
		dst = execute_attr_map_slot(map->attrMap, slot, dst);
	else
		ExecCopySlot(dst, slot);
	ExecMaterializeSlot(dst);
	if (rri->ri_RelationDesc->rd_att->constr)
		ExecConstraints(rri, dst, ss->estate);
	buf->nused++;
	for (i = 0; i < OTLP_NUM_COLS; i++)
		if (!isnull[i] && TupleDescAttr(slot->tts_tupleDescriptor,
										ss->colmap[i])->attlen == -1)
			buf->bytes += VARSIZE_ANY(DatumGetPointer(values[i]));
	if (buf->nused >= OTLP_BUFFER_ROWS || buf->bytes >= OTLP_BUFFER_BYTES)
		flushBuffer(ss, buf);
}

/* Map our columns onto tempo.spans by name and check their types. */
static void
mapColumns(Relation rel, AttrNumber *colmap)
{
	TupleDesc	desc = RelationGetDescr(rel);
	Oid			types[OTLP_NUM_COLS];
	int			i,
				j;

	for (i = 0; i < OTLP_NUM_COLS; i++)
		types[i] = TEXTOID;
	types[OTLP_COL_TRACE_ID] = TempoTraceIdTypeOid();
	types[OTLP_COL_SPAN_ID] = TempoSpanIdTypeOid();
	types[OTLP_COL_PARENT_SPAN_ID] = TempoSpanIdTypeOid();
	types[OTLP_COL_KIND] = INT2OID;
	types[OTLP_COL_STATUS_CODE] = INT2OID;
	types[OTLP_COL_START_TIME] = TIMESTAMPTZOID;
	types[OTLP_COL_START_TIME_UNIX_NANO] = INT8OID;
	types[OTLP_COL_DURATION_NS] = INT8OID;
	types[OTLP_COL_RESOURCE_ATTRIBUTES] = JSONBOID;
	types[OTLP_COL_SPAN_ATTRIBUTES] = JSONBOID;
	types[OTLP_COL_EVENTS] = JSONBOID;
	types[OTLP_COL_LINKS] = JSONBOID;

	for (i = 0; i < OTLP_NUM_COLS; i++)
	{
		colmap[i] = InvalidAttrNumber;
		for (j = 0; j < desc->natts; j++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, j);

			if (!att->attisdropped &&
				strcmp(NameStr(att->attname), OtlpColumnNames[i]) == 0)
			{
				if (att->atttypid != types[i])
					elog(ERROR, "column \"%s\" of tempo.spans has an unexpected type",
						 OtlpColumnNames[i]);
				colmap[i] = j;
				break;
			}
		}
		if (j == desc->natts)
			elog(ERROR, "tempo.spans has no column \"%s\"", OtlpColumnNames[i]);
	}
}

/*
 * Insert the accepted spans of req for tenant into tempo.spans; counters
 * go to *stats.  Runs in the caller's transaction.
 */
void
OtlpStoreRequest(const OtlpRequest *req, const char *tenant,
				 OtlpIngestStats *stats)
{
	Oid			nsp = get_namespace_oid("tempo", false);
	Oid			relid = get_relname_relid("spans", nsp);
	RangeTblEntry *rte;
	StoreState	ss;
	ListCell   *lc;
	int			i;

	if (!OidIsValid(relid))
		elog(ERROR, "relation tempo.spans does not exist");
	/* one head stripe per partition per transaction, not per request */
	ColMergeSubxactWrites();

	memset(&ss, 0, sizeof(ss));
	ss.rel = table_open(relid, RowExclusiveLock);
	if (ss.rel->rd_rel->relkind != RELKIND_PARTITIONED_TABLE)
		elog(ERROR, "tempo.spans is not a partitioned table");
	mapColumns(ss.rel, ss.colmap);

	/* permission to insert, checked as the executor would */
	rte = makeNode(RangeTblEntry);
	rte->rtekind = RTE_RELATION;
	rte->relid = relid;
	rte->relkind = ss.rel->rd_rel->relkind;
	rte->rellockmode = RowExclusiveLock;
	rte->requiredPerms = ACL_INSERT;
	for (i = 0; i < OTLP_NUM_COLS; i++)
		rte->insertedCols = bms_add_member(rte->insertedCols,
										   ss.colmap[i] + 1 - FirstLowInvalidHeapAttributeNumber);
	ExecCheckRTPerms(list_make1(rte), true);
	/* row-level security: only the tenant binding policy, checked here */
	{
		List	   *tenants;
		ListCell   *tc;
		bool		ok = false;

		if (!TempoSpansTenancy(relid, "tempo.ingest", &tenants))
			ok = true;
		foreach(tc, tenants)
			if (strcmp(lfirst(tc), tenant) == 0)
				ok = true;
		if (!ok)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("new row violates row-level security policy for table \"spans\""),
					 errdetail("The current role is not bound to tenant \"%s\".", tenant)));
	}

	/* pass 1: partitions for every accepted span's start time */
	table_close(ss.rel, NoLock);
	ensurePartitions(relid, req);
	ss.rel = table_open(relid, RowExclusiveLock);

	/* pass 2: convert, route and insert */
	ss.estate = CreateExecutorState();
	ExecInitRangeTable(ss.estate, list_make1(rte));
	ss.root = makeNode(ResultRelInfo);
	ExecInitResultRelation(ss.estate, ss.root, 1);
	CheckValidResultRel(ss.root, CMD_INSERT);
	ExecOpenIndices(ss.root, false);

	ss.mtstate = makeNode(ModifyTableState);
	ss.mtstate->ps.plan = NULL;
	ss.mtstate->ps.state = ss.estate;
	ss.mtstate->operation = CMD_INSERT;
	ss.mtstate->mt_nrels = 1;
	ss.mtstate->resultRelInfo = ss.root;
	ss.mtstate->rootResultRelInfo = ss.root;
	ss.proute = ExecSetupPartitionTupleRouting(ss.estate, ss.rel);
	ss.rootslot = ExecInitExtraTupleSlot(ss.estate, RelationGetDescr(ss.rel),
										 &TTSOpsVirtual);
	ss.cid = GetCurrentCommandId(true);

	OtlpConvertRequest(req, tenant, stats, storeRow, &ss);

	foreach(lc, ss.buffers)
	{
		PartBuffer *buf = (PartBuffer *) lfirst(lc);

		flushBuffer(&ss, buf);
		for (i = 0; i < buf->nslots; i++)
			ExecDropSingleTupleTableSlot(buf->slots[i]);
		FreeBulkInsertState(buf->bistate);
		table_finish_bulk_insert(buf->rri->ri_RelationDesc, 0);
	}

	ExecCleanupTupleRouting(ss.mtstate, ss.proute);
	ExecCloseResultRelations(ss.estate);
	ExecCloseRangeTableRelations(ss.estate);
	ExecResetTupleTable(ss.estate->es_tupleTable, false);
	FreeExecutorState(ss.estate);
	table_close(ss.rel, NoLock);
}
