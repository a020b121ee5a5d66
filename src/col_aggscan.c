/*-------------------------------------------------------------------------
 *
 * col_aggscan.c
 *	  "Tempo Columnar Aggregate": vectorized GROUP BY aggregation over
 *	  tempo_columnar tables (and partitioned tables whose partitions all
 *	  are tempo_columnar, such as tempo.spans).
 *
 * The executor's Agg node pulls one row at a time out of a scan, forms a
 * tuple, evaluates the quals as expressions and hashes the grouping key.
 * For the analytic queries users run over spans (count per service,
 * average duration of one service over an hour) that per-row work costs
 * far more than decoding the columns.  This node replaces
 * "Agg <- Scan" with one node that works a chunk group at a time on the
 * reader's column vectors:
 *
 *   1. Filters "column op constant" and "column IS [NOT] NULL" are
 *      evaluated over the vector into a selection mask; on dictionary
 *      encoded chunks once per distinct value, on integer-like columns
 *      with inline comparisons, otherwise with one operator call a row.
 *      The same filters are handed to the reader to skip stripes and chunk
 *      groups through zone maps and blooms.
 *   2. Each grouping column's values are mapped to dense ids (again once
 *      per distinct value on dictionary chunks); several grouping columns
 *      are combined pairwise into one group id.
 *   3. count, sum, avg, min and max update flat per-group state arrays.
 *
 * It is offered from create_upper_paths_hook only when everything is
 * covered: a single base relation, plain column references as grouping
 * keys of types whose binary equality is their equality, built-in
 * aggregates without DISTINCT/ORDER BY/FILTER, no HAVING, no grouping
 * sets, and only filters of the supported shapes.  Anything else plans as
 * usual.  Results equal the regular plan's (sums of float8 may differ in
 * the last bits, as they do between serial and parallel plans).
 * tempo.enable_vectorized_agg turns the node off.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/col_aggscan.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/relation.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "commands/explain.h"
#include "common/hashfn.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/extensible.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/planner.h"
#include "optimizer/restrictinfo.h"
#include "optimizer/tlist.h"
#include "parser/parsetree.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/float.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/pg_locale.h"
#include "utils/rel.h"
#include "utils/typcache.h"

#include "col.h"
#include "col_customscan.h"
#include "tempo_ids.h"

#define COL_AGG_NAME "TempoColumnarAggregate"

bool		col_enable_vectorized_agg = true;

static create_upper_paths_hook_type prev_upper_paths_hook = NULL;

typedef enum AggKind
{
	AGG_COUNT_STAR,
	AGG_COUNT,
	AGG_SUM,
	AGG_AVG,
	AGG_MIN,
	AGG_MAX
} AggKind;

/* How values of a column are compared and summed. */
typedef enum ValClass
{
	VAL_INT64,					/* int2/int4/int8/date/timestamp(tz): int64
								 * space */
	VAL_FLOAT8,
	VAL_OTHER
} ValClass;

/* Output of one custom_scan_tlist entry. */
typedef struct OutCol
{
	bool		is_group;
	int			index;			/* into groupcols or aggs */
} OutCol;

typedef struct AggSpec
{
	AggKind		kind;
	AttrNumber	attno;			/* 0 for count(*) */
	Oid			argtype;
	Oid			collation;
	ValClass	vclass;
	int16		typlen;
	bool		typbyval;
	FmgrInfo	cmp;			/* btree comparison, for VAL_OTHER min/max */
	/* per-group state, grown with the number of groups */
	int64	   *count;
	int128	   *isum;
	double	   *fsum;
	int64	   *ival;
	Datum	   *dval;
	bool	   *has;
} AggSpec;

typedef enum FilterKind
{
	FILTER_OP,
	FILTER_ISNULL,
	FILTER_NOTNULL
} FilterKind;

typedef struct FilterSpec
{
	FilterKind	kind;
	AttrNumber	attno;
	bool		commuted;		/* constant is the left operand */
	Oid			opfuncid;
	Oid			collation;
	Datum		constval;
	int			strategy;		/* btree strategy when inline_int */
	bool		inline_int;		/* compare in int64 space */
	int64		iconst;
	FmgrInfo	finfo;
} FilterSpec;

/* Open-addressing map from a column value to a dense id. */
typedef struct ValueMap
{
	int16		typlen;
	bool		typbyval;
	int			size;			/* power of two */
	int			used;
	uint32	   *hashes;
	int32	   *ids;			/* -1 = empty slot */
	Datum	   *values;			/* by id */
	int			nvalues;
	int			valcap;
	int32		null_id;		/* id of NULL, -1 until seen */
} ValueMap;

/* Open-addressing map from a pair of ids to a dense group id. */
typedef struct PairMap
{
	int			size;
	int			used;
	uint64	   *keys;
	int32	   *ids;
} PairMap;

typedef struct ColAggState
{
	CustomScanState css;
	List	   *relids;			/* OIDs to read, in order */
	int			ngroupcols;
	AttrNumber *groupcols;
	Oid		   *grouptypes;
	int			naggs;
	AggSpec    *aggs;
	int			nfilters;
	FilterSpec *filters;
	ColPredicate *preds;
	int			npreds;
	int			nout;
	OutCol	   *out;
	Bitmapset  *attrs;

	MemoryContext aggcxt;		/* group state */
	ValueMap   *colmaps;		/* per grouping column */
	PairMap    *pairmaps;		/* ngroupcols - 1 */
	int			ngroups;
	int			groupcap;
	int32	   *group_colids;	/* ngroups * ngroupcols */

	bool		done;			/* aggregation finished */
	int			emit;			/* next group to return */
	ColReadStats stats;
} ColAggState;

static Plan *agg_plan_path(PlannerInfo *root, RelOptInfo *rel,
						   CustomPath *best_path, List *tlist,
						   List *clauses, List *custom_plans);
static Node *agg_create_state(CustomScan *cscan);
static void agg_begin(CustomScanState *node, EState *estate, int eflags);
static TupleTableSlot *agg_exec(CustomScanState *node);
static void agg_end(CustomScanState *node);
static void agg_rescan(CustomScanState *node);
static void agg_explain(CustomScanState *node, List *ancestors,
						ExplainState *es);

static const CustomPathMethods agg_path_methods = {
	.CustomName = COL_AGG_NAME,
	.PlanCustomPath = agg_plan_path,
};

static const CustomScanMethods agg_scan_methods = {
	.CustomName = COL_AGG_NAME,
	.CreateCustomScanState = agg_create_state,
};

static const CustomExecMethods agg_exec_methods = {
	.CustomName = COL_AGG_NAME,
	.BeginCustomScan = agg_begin,
	.ExecCustomScan = agg_exec,
	.EndCustomScan = agg_end,
	.ReScanCustomScan = agg_rescan,
	.ExplainCustomScan = agg_explain,
};

/* ---------------------------------------------------------------------
 * Type classification
 * ---------------------------------------------------------------------
 */

static ValClass
val_class(Oid type)
{
	switch (type)
	{
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case DATEOID:
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
			return VAL_INT64;
		case FLOAT8OID:
			return VAL_FLOAT8;
		default:
			return VAL_OTHER;
	}
}

static inline int64
datum_to_int64(Datum d, Oid type)
{
	switch (type)
	{
		case INT2OID:
			return DatumGetInt16(d);
		case INT4OID:
		case DATEOID:
			return DatumGetInt32(d);
		default:
			return DatumGetInt64(d);
	}
}

static inline Datum
int64_to_datum(int64 v, Oid type)
{
	switch (type)
	{
		case INT2OID:
			return Int16GetDatum((int16) v);
		case INT4OID:
		case DATEOID:
			return Int32GetDatum((int32) v);
		default:
			return Int64GetDatum(v);
	}
}

/*
 * Can values of this type be grouped by binary equality?  True for types
 * whose equal values always have the same bytes.
 */
static bool
groupable_type(Oid type, Oid collation)
{
	switch (type)
	{
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case BOOLOID:
		case CHAROID:
		case OIDOID:
		case DATEOID:
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
		case UUIDOID:
		case BYTEAOID:
			return true;
		case TEXTOID:
		case VARCHAROID:
			return !OidIsValid(collation) ||
				get_collation_isdeterministic(collation);
		default:
			break;
	}
	if (type == TempoTraceIdTypeOid() || type == TempoSpanIdTypeOid())
		return true;
	return false;
}

/* ---------------------------------------------------------------------
 * Planning
 * ---------------------------------------------------------------------
 */

static bool
is_rel_var(Node *node, Index relid)
{
	Var		   *var = (Var *) ColStripRelabel(node);

	return var != NULL && IsA(var, Var) && var->varno == relid &&
		var->varlevelsup == 0 && var->varattno > 0;
}

/*
 * Describe one filter as a list for custom_private, or return NIL when it
 * cannot be evaluated vectorized.
 */
static List *
filter_entry(Node *clause, Index relid)
{
	if (IsA(clause, NullTest))
	{
		NullTest   *nt = (NullTest *) clause;
		Var		   *var;

		if (nt->argisrow || !is_rel_var((Node *) nt->arg, relid))
			return NIL;
		var = (Var *) ColStripRelabel((Node *) nt->arg);
		return list_make2(makeInteger(nt->nulltesttype == IS_NULL ? FILTER_ISNULL : FILTER_NOTNULL),
						  makeInteger(var->varattno));
	}
	if (IsA(clause, OpExpr))
	{
		OpExpr	   *op = (OpExpr *) clause;
		Node	   *l;
		Node	   *r;
		Var		   *var;
		Const	   *con;
		bool		commuted;

		if (list_length(op->args) != 2)
			return NIL;
		l = ColStripRelabel(linitial(op->args));
		r = ColStripRelabel(lsecond(op->args));
		if (is_rel_var(l, relid) && IsA(r, Const))
		{
			var = (Var *) l;
			con = (Const *) r;
			commuted = false;
		}
		else if (IsA(l, Const) && is_rel_var(r, relid))
		{
			var = (Var *) r;
			con = (Const *) l;
			commuted = true;
		}
		else
			return NIL;
		if (con->constisnull || !func_strict(op->opfuncid) ||
			func_volatile(op->opfuncid) == PROVOLATILE_VOLATILE)
			return NIL;
		return list_make5(makeInteger(FILTER_OP), makeInteger(var->varattno),
						  makeInteger(commuted), makeInteger((int) op->opno),
						  list_make2(copyObject(con),
									 makeInteger((int) op->inputcollid)));
	}
	return NIL;
}

/* Describe one Aggref as a list, or NIL when it is not supported. */
static List *
agg_entry(Aggref *aggref, Index relid)
{
	char	   *name;
	AggKind		kind;
	Oid			argtype = InvalidOid;
	AttrNumber	attno = 0;

	if (aggref->aggdistinct != NIL || aggref->aggorder != NIL ||
		aggref->aggfilter != NULL || aggref->agglevelsup != 0 ||
		aggref->aggkind != AGGKIND_NORMAL || aggref->aggvariadic)
		return NIL;
	if (get_func_namespace(aggref->aggfnoid) != PG_CATALOG_NAMESPACE)
		return NIL;
	name = get_func_name(aggref->aggfnoid);

	if (aggref->aggstar)
	{
		if (strcmp(name, "count") != 0)
			return NIL;
		kind = AGG_COUNT_STAR;
	}
	else
	{
		TargetEntry *tle;
		Var		   *var;

		if (list_length(aggref->args) != 1)
			return NIL;
		tle = linitial_node(TargetEntry, aggref->args);
		if (!is_rel_var((Node *) tle->expr, relid))
			return NIL;
		var = (Var *) ColStripRelabel((Node *) tle->expr);
		attno = var->varattno;
		argtype = var->vartype;

		if (strcmp(name, "count") == 0)
			kind = AGG_COUNT;
		else if (strcmp(name, "sum") == 0 || strcmp(name, "avg") == 0)
		{
			kind = strcmp(name, "sum") == 0 ? AGG_SUM : AGG_AVG;
			if (argtype != INT2OID && argtype != INT4OID &&
				argtype != INT8OID && argtype != FLOAT8OID)
				return NIL;
		}
		else if (strcmp(name, "min") == 0 || strcmp(name, "max") == 0)
		{
			kind = strcmp(name, "min") == 0 ? AGG_MIN : AGG_MAX;
			if (val_class(argtype) == VAL_OTHER)
			{
				Oid			opclass = GetDefaultOpClass(argtype, BTREE_AM_OID);

				if (!OidIsValid(opclass) || argtype == NUMERICOID)
					return NIL;
			}
		}
		else
			return NIL;
	}
	return list_make4_int(kind, attno, (int) argtype, (int) aggref->inputcollid);
}

typedef struct TlistCollect
{
	List	   *entries;		/* Vars and Aggrefs, unique */
} TlistCollect;

static void
col_upper_paths(PlannerInfo *root, UpperRelationKind stage,
				RelOptInfo *input_rel, RelOptInfo *output_rel, void *extra)
{
	Query	   *parse = root->parse;
	GroupPathExtraData *gextra = (GroupPathExtraData *) extra;
	RangeTblEntry *rte;
	Index		relid;
	List	   *relids = NIL;
	List	   *groupcols = NIL;
	List	   *aggs = NIL;
	List	   *filters = NIL;
	List	   *preds = NIL;
	List	   *scan_tlist = NIL;
	List	   *outmap = NIL;
	List	   *components;
	ListCell   *lc;
	CustomPath *cpath;
	double		rows_in;
	double		groups = 1;
	Relation	parent;
	TupleDesc	parentdesc;

	if (prev_upper_paths_hook)
		prev_upper_paths_hook(root, stage, input_rel, output_rel, extra);

	if (stage != UPPERREL_GROUP_AGG || !col_enable_vectorized_agg)
		return;
	if (gextra == NULL || gextra->patype != PARTITIONWISE_AGGREGATE_NONE ||
		gextra->havingQual != NULL)
		return;
	if (parse->groupingSets != NIL || parse->hasTargetSRFs ||
		root->hasPseudoConstantQuals)
		return;
	if (input_rel->reloptkind != RELOPT_BASEREL ||
		bms_membership(input_rel->relids) != BMS_SINGLETON ||
		input_rel->lateral_relids != NULL)
		return;
	relid = input_rel->relid;
	rte = planner_rt_fetch(relid, root);
	if (rte->rtekind != RTE_RELATION || rte->tablesample != NULL)
		return;

	/* the relations to read: the table, or every live partition */
	if (rte->inh)
	{
		foreach(lc, root->append_rel_list)
		{
			AppendRelInfo *appinfo = lfirst_node(AppendRelInfo, lc);
			RelOptInfo *child;
			RangeTblEntry *crte;

			if (appinfo->parent_relid != relid)
				continue;
			child = root->simple_rel_array[appinfo->child_relid];
			if (child == NULL)
				return;
			if (IS_DUMMY_REL(child))
				continue;
			crte = planner_rt_fetch(appinfo->child_relid, root);
			if (crte->relkind != RELKIND_RELATION || crte->inh)
				return;
			relids = lappend_oid(relids, crte->relid);
		}
	}
	else
	{
		if (rte->relkind != RELKIND_RELATION)
			return;
		relids = list_make1_oid(rte->relid);
	}

	/* every relation must be tempo_columnar with the parent's columns */
	parent = relation_open(rte->relid, NoLock);
	parentdesc = RelationGetDescr(parent);
	foreach(lc, relids)
	{
		Relation	r = relation_open(lfirst_oid(lc), NoLock);
		TupleDesc	d = RelationGetDescr(r);
		bool		ok = ColIsColumnar(r) && d->natts == parentdesc->natts;
		int			i;

		for (i = 0; ok && i < d->natts; i++)
		{
			Form_pg_attribute a = TupleDescAttr(d, i);
			Form_pg_attribute b = TupleDescAttr(parentdesc, i);

			if (a->attisdropped != b->attisdropped || a->atttypid != b->atttypid ||
				(!a->attisdropped && strcmp(NameStr(a->attname), NameStr(b->attname)) != 0))
				ok = false;
		}
		relation_close(r, NoLock);
		if (!ok)
		{
			relation_close(parent, NoLock);
			return;
		}
	}
	relation_close(parent, NoLock);

	/* grouping columns */
	foreach(lc, parse->groupClause)
	{
		SortGroupClause *sgc = lfirst_node(SortGroupClause, lc);
		Node	   *expr = get_sortgroupclause_expr(sgc, parse->targetList);
		Var		   *var;

		if (!is_rel_var(expr, relid))
			return;
		var = (Var *) ColStripRelabel(expr);
		if (!groupable_type(var->vartype, var->varcollid))
			return;
		groupcols = lappend_int(groupcols, var->varattno);
	}

	/* filters */
	foreach(lc, input_rel->baserestrictinfo)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);
		List	   *entry;
		List	   *pred;

		if (ri->pseudoconstant)
			return;
		entry = filter_entry((Node *) ri->clause, relid);
		if (entry == NIL)
			return;
		filters = lappend(filters, entry);
		pred = ColPushdownEntry((Node *) ri->clause, relid);
		if (pred != NIL)
			preds = lappend(preds, pred);
	}

	/* the Vars and Aggrefs the grouped target is computed from */
	components = pull_var_clause((Node *) output_rel->reltarget->exprs,
								 PVC_INCLUDE_AGGREGATES |
								 PVC_RECURSE_WINDOWFUNCS |
								 PVC_RECURSE_PLACEHOLDERS);
	foreach(lc, components)
	{
		Node	   *node = (Node *) lfirst(lc);
		ListCell   *lc2;
		bool		dup = false;

		foreach(lc2, scan_tlist)
		{
			if (equal(((TargetEntry *) lfirst(lc2))->expr, node))
				dup = true;
		}
		if (dup)
			continue;

		if (IsA(node, Var))
		{
			Var		   *var = (Var *) node;
			int			idx = 0;
			bool		found = false;
			ListCell   *lc3;

			if (var->varno != relid || var->varattno <= 0)
				return;
			foreach(lc3, groupcols)
			{
				if (lfirst_int(lc3) == var->varattno)
				{
					found = true;
					break;
				}
				idx++;
			}
			if (!found)
				return;
			outmap = lappend(outmap, list_make2_int(1, idx));
		}
		else if (IsA(node, Aggref))
		{
			List	   *entry = agg_entry((Aggref *) node, relid);

			if (entry == NIL)
				return;
			outmap = lappend(outmap, list_make2_int(0, list_length(aggs)));
			aggs = lappend(aggs, entry);
		}
		else
			return;
		scan_tlist = lappend(scan_tlist,
							 makeTargetEntry((Expr *) copyObject(node),
											 list_length(scan_tlist) + 1,
											 NULL, false));
	}

	/* estimate: one pass over the needed columns, cheap per row */
	rows_in = Max(input_rel->tuples, 1);
	foreach(lc, output_rel->pathlist)
		groups = Max(groups, ((Path *) lfirst(lc))->rows);

	cpath = makeNode(CustomPath);
	cpath->path.pathtype = T_CustomScan;
	cpath->path.parent = output_rel;
	cpath->path.pathtarget = output_rel->reltarget;
	cpath->path.param_info = NULL;
	cpath->path.parallel_aware = false;
	cpath->path.parallel_safe = false;
	cpath->path.parallel_workers = 0;
	cpath->path.rows = groups;
	cpath->path.pathkeys = NIL;
	/* vectorized: few pages (projection), little work per row; skipping */
	cpath->path.startup_cost = ColSkipFraction(root, input_rel) *
		(seq_page_cost * Max(input_rel->pages, 1) * 0.05 +
		 rows_in * cpu_operator_cost * 0.05 *
		 (1 + list_length(filters) + list_length(groupcols) + list_length(aggs)));
	cpath->path.total_cost = cpath->path.startup_cost + groups * cpu_tuple_cost;
	cpath->flags = 0;
	cpath->custom_paths = NIL;
	cpath->custom_private = list_make5(relids, groupcols, aggs,
									   list_make2(filters, preds),
									   list_make2(outmap, scan_tlist));
	cpath->methods = &agg_path_methods;
	add_path(output_rel, (Path *) cpath);
}

static Plan *
agg_plan_path(PlannerInfo *root, RelOptInfo *rel, CustomPath *best_path,
			  List *tlist, List *clauses, List *custom_plans)
{
	CustomScan *cscan = makeNode(CustomScan);
	List	   *tl = lsecond(list_nth(best_path->custom_private, 4));

	cscan->scan.plan.targetlist = tlist;
	cscan->scan.plan.qual = NIL;
	cscan->scan.scanrelid = 0;
	cscan->flags = best_path->flags;
	cscan->custom_scan_tlist = tl;
	cscan->custom_private = best_path->custom_private;
	cscan->custom_relids = NULL;
	cscan->methods = &agg_scan_methods;
	return &cscan->scan.plan;
}

/* ---------------------------------------------------------------------
 * Value and pair maps
 * ---------------------------------------------------------------------
 */

/* 64-bit finalizer mix (splitmix64), folded to 32 bits. */
static inline uint32
hash_uint64_local(uint64 x)
{
	x ^= x >> 30;
	x *= UINT64CONST(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64CONST(0x94d049bb133111eb);
	x ^= x >> 31;
	return (uint32) x;
}

static inline Datum
plain_datum(Datum d, int16 typlen)
{
	if (typlen == -1 && VARATT_IS_EXTENDED(DatumGetPointer(d)) &&
		!VARATT_IS_SHORT(DatumGetPointer(d)))
		return PointerGetDatum(pg_detoast_datum_packed((struct varlena *) DatumGetPointer(d)));
	return d;
}

static inline uint32
value_hash(ValueMap *m, Datum d)
{
	if (m->typbyval)
		return hash_uint64_local((uint64) d);
	if (m->typlen == -1)
		return hash_bytes((unsigned char *) VARDATA_ANY(DatumGetPointer(d)),
						  VARSIZE_ANY_EXHDR(DatumGetPointer(d)));
	if (m->typlen == -2)
		return hash_bytes((unsigned char *) DatumGetPointer(d),
						  strlen(DatumGetCString(d)));
	return hash_bytes((unsigned char *) DatumGetPointer(d), m->typlen);
}

static inline bool
value_equal(ValueMap *m, Datum a, Datum b)
{
	if (m->typbyval)
		return a == b;
	if (m->typlen == -1)
	{
		Size		la = VARSIZE_ANY_EXHDR(DatumGetPointer(a));

		return la == VARSIZE_ANY_EXHDR(DatumGetPointer(b)) &&
			memcmp(VARDATA_ANY(DatumGetPointer(a)),
				   VARDATA_ANY(DatumGetPointer(b)), la) == 0;
	}
	if (m->typlen == -2)
		return strcmp(DatumGetCString(a), DatumGetCString(b)) == 0;
	return memcmp(DatumGetPointer(a), DatumGetPointer(b), m->typlen) == 0;
}

static void
valuemap_init(ValueMap *m, Oid type)
{
	get_typlenbyval(type, &m->typlen, &m->typbyval);
	m->size = 64;
	m->used = 0;
	m->hashes = palloc(sizeof(uint32) * m->size);
	m->ids = palloc(sizeof(int32) * m->size);
	memset(m->ids, -1, sizeof(int32) * m->size);
	m->valcap = 64;
	m->values = palloc(sizeof(Datum) * m->valcap);
	m->nvalues = 0;
	m->null_id = -1;
}

static void
valuemap_grow(ValueMap *m)
{
	int			oldsize = m->size;
	uint32	   *oldh = m->hashes;
	int32	   *oldi = m->ids;
	int			i;

	m->size *= 2;
	m->hashes = palloc(sizeof(uint32) * m->size);
	m->ids = palloc(sizeof(int32) * m->size);
	memset(m->ids, -1, sizeof(int32) * m->size);
	for (i = 0; i < oldsize; i++)
	{
		uint32		pos;

		if (oldi[i] < 0)
			continue;
		pos = oldh[i] & (m->size - 1);
		while (m->ids[pos] >= 0)
			pos = (pos + 1) & (m->size - 1);
		m->hashes[pos] = oldh[i];
		m->ids[pos] = oldi[i];
	}
	pfree(oldh);
	pfree(oldi);
}

/* Id of a value (NULL included), adding it (copied) when new. */
static int32
valuemap_lookup(ValueMap *m, Datum d, bool isnull)
{
	uint32		h;
	uint32		pos;
	int32		id;

	if (isnull)
	{
		if (m->null_id < 0)
		{
			if (m->nvalues == m->valcap)
			{
				m->valcap *= 2;
				m->values = repalloc(m->values, sizeof(Datum) * m->valcap);
			}
			m->values[m->nvalues] = (Datum) 0;
			m->null_id = m->nvalues++;
		}
		return m->null_id;
	}

	d = plain_datum(d, m->typlen);
	h = value_hash(m, d);
	pos = h & (m->size - 1);
	while ((id = m->ids[pos]) >= 0)
	{
		if (m->hashes[pos] == h && value_equal(m, m->values[id], d))
			return id;
		pos = (pos + 1) & (m->size - 1);
	}

	if (m->nvalues == m->valcap)
	{
		m->valcap *= 2;
		m->values = repalloc(m->values, sizeof(Datum) * m->valcap);
	}
	id = m->nvalues++;
	m->values[id] = datumCopy(d, m->typbyval, m->typlen);
	m->hashes[pos] = h;
	m->ids[pos] = id;
	if (++m->used * 2 > m->size)
		valuemap_grow(m);
	return id;
}

static void
pairmap_init(PairMap *m)
{
	m->size = 64;
	m->used = 0;
	m->keys = palloc(sizeof(uint64) * m->size);
	m->ids = palloc(sizeof(int32) * m->size);
	memset(m->ids, -1, sizeof(int32) * m->size);
}

/* Returns the id stored for key, or stores newid and returns -1. */
static int32
pairmap_lookup(PairMap *m, uint64 key, int32 newid)
{
	uint32		pos = hash_uint64_local(key) & (m->size - 1);

	while (m->ids[pos] >= 0)
	{
		if (m->keys[pos] == key)
			return m->ids[pos];
		pos = (pos + 1) & (m->size - 1);
	}
	m->keys[pos] = key;
	m->ids[pos] = newid;
	if (++m->used * 2 > m->size)
	{
		int			oldsize = m->size;
		uint64	   *oldk = m->keys;
		int32	   *oldi = m->ids;
		int			i;

		m->size *= 2;
		m->keys = palloc(sizeof(uint64) * m->size);
		m->ids = palloc(sizeof(int32) * m->size);
		memset(m->ids, -1, sizeof(int32) * m->size);
		for (i = 0; i < oldsize; i++)
		{
			uint32		p;

			if (oldi[i] < 0)
				continue;
			p = hash_uint64_local(oldk[i]) & (m->size - 1);
			while (m->ids[p] >= 0)
				p = (p + 1) & (m->size - 1);
			m->keys[p] = oldk[i];
			m->ids[p] = oldi[i];
		}
		pfree(oldk);
		pfree(oldi);
	}
	return -1;
}

/* ---------------------------------------------------------------------
 * Execution
 * ---------------------------------------------------------------------
 */

static Node *
agg_create_state(CustomScan *cscan)
{
	ColAggState *state = (ColAggState *) newNode(sizeof(ColAggState),
												 T_CustomScanState);

	state->css.methods = &agg_exec_methods;
	return (Node *) state;
}

static void
grow_groups(ColAggState *state, int need)
{
	int			newcap;
	int			i;
	MemoryContext old;

	if (need <= state->groupcap)
		return;
	newcap = Max(state->groupcap * 2, Max(need, 64));
	old = MemoryContextSwitchTo(state->aggcxt);
	if (state->ngroupcols > 0)
	{
		if (state->group_colids == NULL)
			state->group_colids = palloc(sizeof(int32) * newcap * state->ngroupcols);
		else
			state->group_colids = repalloc(state->group_colids,
										   sizeof(int32) * newcap * state->ngroupcols);
	}
	for (i = 0; i < state->naggs; i++)
	{
		AggSpec    *a = &state->aggs[i];

#define GROW(field, type) \
		do { \
			if (a->field == NULL) \
				a->field = palloc0(sizeof(type) * newcap); \
			else \
			{ \
				a->field = repalloc(a->field, sizeof(type) * newcap); \
				memset(a->field + state->groupcap, 0, \
					   sizeof(type) * (newcap - state->groupcap)); \
			} \
		} while (0)

		GROW(count, int64);
		GROW(has, bool);
		switch (a->kind)
		{
			case AGG_SUM:
			case AGG_AVG:
				if (a->vclass == VAL_FLOAT8)
					GROW(fsum, double);
				else
					GROW(isum, int128);
				break;
			case AGG_MIN:
			case AGG_MAX:
				if (a->vclass == VAL_OTHER)
					GROW(dval, Datum);
				else if (a->vclass == VAL_FLOAT8)
					GROW(fsum, double);
				else
					GROW(ival, int64);
				break;
			default:
				break;
		}
#undef GROW
	}
	state->groupcap = newcap;
	MemoryContextSwitchTo(old);
}

static void
agg_begin(CustomScanState *node, EState *estate, int eflags)
{
	ColAggState *state = (ColAggState *) node;
	CustomScan *cscan = (CustomScan *) node->ss.ps.plan;
	List	   *priv = cscan->custom_private;
	List	   *groupcols = lsecond(priv);
	List	   *aggs = lthird(priv);
	List	   *filters = linitial(lfourth(priv));
	List	   *preds = lsecond(lfourth(priv));
	List	   *outmap = linitial(list_nth(priv, 4));
	ListCell   *lc;
	int			i;

	state->relids = linitial(priv);
	state->aggcxt = AllocSetContextCreate(estate->es_query_cxt,
										  "tempo columnar aggregate",
										  ALLOCSET_DEFAULT_SIZES);

	state->ngroupcols = list_length(groupcols);
	state->groupcols = palloc(sizeof(AttrNumber) * Max(state->ngroupcols, 1));
	state->grouptypes = palloc(sizeof(Oid) * Max(state->ngroupcols, 1));
	state->colmaps = palloc0(sizeof(ValueMap) * Max(state->ngroupcols, 1));
	state->pairmaps = palloc0(sizeof(PairMap) * Max(state->ngroupcols, 1));
	i = 0;
	foreach(lc, groupcols)
	{
		state->groupcols[i] = lfirst_int(lc);
		state->attrs = bms_add_member(state->attrs, state->groupcols[i]);
		i++;
	}

	state->naggs = list_length(aggs);
	state->aggs = palloc0(sizeof(AggSpec) * Max(state->naggs, 1));
	i = 0;
	foreach(lc, aggs)
	{
		List	   *e = (List *) lfirst(lc);
		AggSpec    *a = &state->aggs[i++];

		a->kind = (AggKind) linitial_int(e);
		a->attno = lsecond_int(e);
		a->argtype = (Oid) lthird_int(e);
		a->collation = (Oid) lfourth_int(e);
		if (a->attno > 0)
		{
			state->attrs = bms_add_member(state->attrs, a->attno);
			a->vclass = val_class(a->argtype);
			get_typlenbyval(a->argtype, &a->typlen, &a->typbyval);
			if ((a->kind == AGG_MIN || a->kind == AGG_MAX) && a->vclass == VAL_OTHER)
			{
				TypeCacheEntry *tc = lookup_type_cache(a->argtype,
													   TYPECACHE_CMP_PROC_FINFO);

				if (!OidIsValid(tc->cmp_proc_finfo.fn_oid))
					elog(ERROR, "no comparison function for type %u", a->argtype);
				fmgr_info_copy(&a->cmp, &tc->cmp_proc_finfo, estate->es_query_cxt);
			}
		}
	}

	state->nfilters = list_length(filters);
	state->filters = palloc0(sizeof(FilterSpec) * Max(state->nfilters, 1));
	i = 0;
	foreach(lc, filters)
	{
		List	   *e = (List *) lfirst(lc);
		FilterSpec *f = &state->filters[i++];

		f->kind = (FilterKind) intVal(linitial(e));
		f->attno = intVal(lsecond(e));
		state->attrs = bms_add_member(state->attrs, f->attno);
		if (f->kind == FILTER_OP)
		{
			Oid			opno = (Oid) intVal(lfourth(e));
			List	   *cl = (List *) list_nth(e, 4);
			Const	   *con = linitial_node(Const, cl);
			Oid			coltype = get_atttype(linitial_oid(state->relids), f->attno);
			Oid			opclass;

			f->commuted = intVal(lthird(e)) != 0;
			f->collation = (Oid) intVal(lsecond(cl));
			f->constval = con->constvalue;
			f->opfuncid = get_opcode(opno);
			fmgr_info_cxt(f->opfuncid, &f->finfo, estate->es_query_cxt);

			/* integer-like column and constant of the same class: inline */
			opclass = GetDefaultOpClass(coltype, BTREE_AM_OID);
			if (val_class(coltype) == VAL_INT64 &&
				val_class(con->consttype) == VAL_INT64 &&
				(coltype == con->consttype ||
				 ((coltype == INT2OID || coltype == INT4OID || coltype == INT8OID) &&
				  (con->consttype == INT2OID || con->consttype == INT4OID ||
				   con->consttype == INT8OID))) &&
				OidIsValid(opclass))
			{
				int			strategy = get_op_opfamily_strategy(opno,
																get_opclass_family(opclass));

				if (strategy == 0)
				{
					/* cross-type integer operator: look in the family too */
					strategy = get_op_opfamily_strategy(opno, get_opclass_family(opclass));
				}
				if (strategy >= BTLessStrategyNumber &&
					strategy <= BTGreaterStrategyNumber)
				{
					f->inline_int = true;
					f->strategy = strategy;
					f->iconst = datum_to_int64(con->constvalue, con->consttype);
				}
			}
		}
	}

	state->preds = ColPredicatesFromList(preds, &state->npreds);

	state->nout = list_length(outmap);
	state->out = palloc(sizeof(OutCol) * Max(state->nout, 1));
	i = 0;
	foreach(lc, outmap)
	{
		List	   *e = (List *) lfirst(lc);

		state->out[i].is_group = linitial_int(e) != 0;
		state->out[i].index = lsecond_int(e);
		i++;
	}

	/* group maps live as long as the groups */
	{
		MemoryContext old = MemoryContextSwitchTo(state->aggcxt);

		for (i = 0; i < state->ngroupcols; i++)
		{
			state->grouptypes[i] = get_atttype(linitial_oid(state->relids),
											   state->groupcols[i]);
			valuemap_init(&state->colmaps[i], state->grouptypes[i]);
			if (i > 0)
				pairmap_init(&state->pairmaps[i - 1]);
		}
		MemoryContextSwitchTo(old);
	}
}

static inline bool
int_cmp_matches(int strategy, int64 v, int64 c, bool commuted)
{
	int			cmp = (v > c) - (v < c);

	if (commuted)
		cmp = -cmp;
	switch (strategy)
	{
		case BTLessStrategyNumber:
			return cmp < 0;
		case BTLessEqualStrategyNumber:
			return cmp <= 0;
		case BTEqualStrategyNumber:
			return cmp == 0;
		case BTGreaterEqualStrategyNumber:
			return cmp >= 0;
		default:
			return cmp > 0;
	}
}

static inline bool
call_filter(FilterSpec *f, Datum v)
{
	Datum		r;

	if (f->commuted)
		r = FunctionCall2Coll(&f->finfo, f->collation, f->constval, v);
	else
		r = FunctionCall2Coll(&f->finfo, f->collation, v, f->constval);
	return DatumGetBool(r);
}

/* Clear sel[i] for rows of the batch the filter rejects. */
static void
apply_filter(ColAggState *state, FilterSpec *f, ColVector *vec, int n,
			 uint8 *sel, Oid coltype)
{
	int			i;

	if (f->kind != FILTER_OP)
	{
		bool		want_null = f->kind == FILTER_ISNULL;

		for (i = 0; i < n; i++)
			if (vec->isnull[i] != want_null)
				sel[i] = 0;
		return;
	}

	if (vec->codes != NULL)
	{
		/* once per distinct value */
		uint8	   *ok = palloc(Max(vec->ndict, 1));
		int			k;

		for (k = 0; k < vec->ndict; k++)
			ok[k] = call_filter(f, vec->dict[k]) ? 1 : 0;
		for (i = 0; i < n; i++)
		{
			int32		code = vec->codes[i];

			if (code < 0 || !ok[code])
				sel[i] = 0;
		}
		pfree(ok);
		return;
	}

	if (f->inline_int)
	{
		for (i = 0; i < n; i++)
		{
			if (!sel[i])
				continue;
			if (vec->isnull[i] ||
				!int_cmp_matches(f->strategy, datum_to_int64(vec->values[i], coltype),
								 f->iconst, f->commuted))
				sel[i] = 0;
		}
		return;
	}

	for (i = 0; i < n; i++)
	{
		if (!sel[i])
			continue;
		if (vec->isnull[i] || !call_filter(f, vec->values[i]))
			sel[i] = 0;
	}
}

/*
 * Map every selected row of the batch to a group id.  Each grouping
 * column's values get dense ids from the column's value map (once per
 * distinct value on dictionary chunks); with several columns the ids are
 * chained pairwise through pair maps, the last of which hands out the
 * group ids.
 */
static void
assign_groups(ColAggState *state, ColBatch *batch, uint8 *sel, int32 *gid)
{
	int			n = batch->nrows;
	int			ncols = state->ngroupcols;
	int32	   *colids;
	int			c;
	int			i;
	MemoryContext old;

	if (ncols == 0)
	{
		memset(gid, 0, sizeof(int32) * n);
		return;
	}

	colids = palloc(sizeof(int32) * n * ncols);
	old = MemoryContextSwitchTo(state->aggcxt);
	for (c = 0; c < ncols; c++)
	{
		ColVector  *vec = batch->cols[state->groupcols[c] - 1];
		ValueMap   *m = &state->colmaps[c];
		int32	   *ids = colids + c * n;

		if (vec->codes != NULL)
		{
			int32	   *map = palloc(sizeof(int32) * Max(vec->ndict, 1));
			int			k;

			for (k = 0; k < vec->ndict; k++)
				map[k] = -2;
			for (i = 0; i < n; i++)
			{
				int32		code;

				if (!sel[i])
					continue;
				code = vec->codes[i];
				if (code < 0)
					ids[i] = valuemap_lookup(m, (Datum) 0, true);
				else
				{
					if (map[code] == -2)
						map[code] = valuemap_lookup(m, vec->dict[code], false);
					ids[i] = map[code];
				}
			}
			pfree(map);
		}
		else
		{
			for (i = 0; i < n; i++)
				if (sel[i])
					ids[i] = valuemap_lookup(m, vec->values[i], vec->isnull[i]);
		}
	}
	MemoryContextSwitchTo(old);

	for (i = 0; i < n; i++)
	{
		int32		g;

		if (!sel[i])
			continue;
		g = colids[i];
		if (ncols == 1)
		{
			if (g >= state->ngroups)
			{
				grow_groups(state, g + 1);
				while (state->ngroups <= g)
				{
					state->group_colids[state->ngroups] = state->ngroups;
					state->ngroups++;
				}
			}
		}
		else
		{
			for (c = 1; c < ncols; c++)
			{
				PairMap    *pm = &state->pairmaps[c - 1];
				uint64		key = ((uint64) (uint32) g << 32) | (uint32) colids[c * n + i];
				bool		last = (c == ncols - 1);
				int32		newid = last ? state->ngroups : pm->used;
				int32		found;

				old = MemoryContextSwitchTo(state->aggcxt);
				found = pairmap_lookup(pm, key, newid);
				MemoryContextSwitchTo(old);
				if (found >= 0)
					g = found;
				else
				{
					g = newid;
					if (last)
					{
						int			cc;

						grow_groups(state, state->ngroups + 1);
						for (cc = 0; cc < ncols; cc++)
							state->group_colids[g * ncols + cc] = colids[cc * n + i];
						state->ngroups++;
					}
				}
			}
		}
		gid[i] = g;
	}
	pfree(colids);
}

static void
update_aggs(ColAggState *state, ColBatch *batch, uint8 *sel, int32 *gid)
{
	int			n = batch->nrows;
	int			k;
	int			i;

	for (k = 0; k < state->naggs; k++)
	{
		AggSpec    *a = &state->aggs[k];
		ColVector  *vec = a->attno > 0 ? batch->cols[a->attno - 1] : NULL;

		if (a->kind == AGG_COUNT_STAR)
		{
			for (i = 0; i < n; i++)
				if (sel[i])
					a->count[gid[i]]++;
			continue;
		}

		for (i = 0; i < n; i++)
		{
			int32		g;
			Datum		v;

			if (!sel[i] || vec->isnull[i])
				continue;
			g = gid[i];
			v = vec->values[i];
			a->count[g]++;
			switch (a->kind)
			{
				case AGG_SUM:
				case AGG_AVG:
					if (a->vclass == VAL_FLOAT8)
						a->fsum[g] += DatumGetFloat8(v);
					else
						a->isum[g] += datum_to_int64(v, a->argtype);
					a->has[g] = true;
					break;
				case AGG_MIN:
				case AGG_MAX:
					if (a->vclass == VAL_INT64)
					{
						int64		x = datum_to_int64(v, a->argtype);

						if (!a->has[g] ||
							(a->kind == AGG_MIN ? x < a->ival[g] : x > a->ival[g]))
							a->ival[g] = x;
					}
					else if (a->vclass == VAL_FLOAT8)
					{
						double		x = DatumGetFloat8(v);

						/* float8 order: NaN sorts above everything */
						if (!a->has[g] ||
							(a->kind == AGG_MIN ? float8_lt(x, a->fsum[g]) :
							 float8_gt(x, a->fsum[g])))
							a->fsum[g] = x;
					}
					else
					{
						int			cmp = 0;

						v = plain_datum(v, a->typlen);
						if (a->has[g])
							cmp = DatumGetInt32(FunctionCall2Coll(&a->cmp, a->collation,
																  v, a->dval[g]));
						if (!a->has[g] || (a->kind == AGG_MIN ? cmp < 0 : cmp > 0))
						{
							MemoryContext old = MemoryContextSwitchTo(state->aggcxt);

							if (a->has[g] && !a->typbyval)
								pfree(DatumGetPointer(a->dval[g]));
							a->dval[g] = datumCopy(v, a->typbyval, a->typlen);
							MemoryContextSwitchTo(old);
						}
					}
					a->has[g] = true;
					break;
				default:
					break;
			}
		}
	}
}

/* Read every relation and aggregate. */
static void
aggregate_all(ColAggState *state)
{
	EState	   *estate = state->css.ss.ps.state;
	MemoryContext batchcxt;
	ListCell   *lc;

	batchcxt = AllocSetContextCreate(CurrentMemoryContext,
									 "tempo columnar aggregate batch",
									 ALLOCSET_DEFAULT_SIZES);

	/* with no GROUP BY there is always exactly one result row */
	if (state->ngroupcols == 0)
	{
		grow_groups(state, 1);
		state->ngroups = 1;
	}

	foreach(lc, state->relids)
	{
		Relation	rel = table_open(lfirst_oid(lc), AccessShareLock);
		ColReadState *rs;
		ColBatch   *batch;
		ColReadStats st;

		rs = ColBeginRead(rel, estate->es_snapshot, state->attrs,
						  state->preds, state->npreds, NULL);
		while (ColReadNext(rs, &batch))
		{
			MemoryContext old;
			uint8	   *sel;
			int32	   *gid;
			int			f;

			CHECK_FOR_INTERRUPTS();
			if (batch->nrows == 0)
				continue;
			old = MemoryContextSwitchTo(batchcxt);
			sel = palloc(batch->nrows);
			memset(sel, 1, batch->nrows);
			gid = palloc(sizeof(int32) * batch->nrows);
			for (f = 0; f < state->nfilters; f++)
			{
				FilterSpec *fs = &state->filters[f];

				apply_filter(state, fs, batch->cols[fs->attno - 1], batch->nrows,
							 sel, TupleDescAttr(RelationGetDescr(rel), fs->attno - 1)->atttypid);
			}
			assign_groups(state, batch, sel, gid);
			update_aggs(state, batch, sel, gid);
			MemoryContextSwitchTo(old);
			MemoryContextReset(batchcxt);
		}
		ColReadGetStats(rs, &st);
		state->stats.stripes_total += st.stripes_total;
		state->stats.stripes_skipped += st.stripes_skipped;
		state->stats.chunk_groups_total += st.chunk_groups_total;
		state->stats.chunk_groups_skipped += st.chunk_groups_skipped;
		state->stats.rows_returned += st.rows_returned;
		ColEndRead(rs);
		table_close(rel, NoLock);
	}
	MemoryContextDelete(batchcxt);
	state->done = true;
	state->emit = 0;
}

static Datum
int128_to_numeric_datum(int128 v)
{
	char		buf[64];
	char	   *p = buf + sizeof(buf) - 1;
	bool		neg = v < 0;
	uint128		u = neg ? -(uint128) v : (uint128) v;

	if (v >= PG_INT64_MIN && v <= PG_INT64_MAX)
		return NumericGetDatum(int64_to_numeric((int64) v));
	*p = '\0';
	do
	{
		*--p = '0' + (int) (u % 10);
		u /= 10;
	} while (u > 0);
	if (neg)
		*--p = '-';
	return DirectFunctionCall3(numeric_in, CStringGetDatum(p),
							   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
}

/* Final value of aggregate a for group g. */
static Datum
agg_final(AggSpec *a, int g, bool *isnull)
{
	*isnull = false;
	switch (a->kind)
	{
		case AGG_COUNT_STAR:
		case AGG_COUNT:
			return Int64GetDatum(a->count[g]);
		case AGG_SUM:
			if (a->count[g] == 0)
				break;
			if (a->vclass == VAL_FLOAT8)
				return Float8GetDatum(a->fsum[g]);
			if (a->argtype == INT8OID)
				return int128_to_numeric_datum(a->isum[g]);
			if (a->isum[g] < PG_INT64_MIN || a->isum[g] > PG_INT64_MAX)
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("bigint out of range")));
			return Int64GetDatum((int64) a->isum[g]);
		case AGG_AVG:
			if (a->count[g] == 0)
				break;
			if (a->vclass == VAL_FLOAT8)
				return Float8GetDatum(a->fsum[g] / (double) a->count[g]);
			return DirectFunctionCall2(numeric_div,
									   int128_to_numeric_datum(a->isum[g]),
									   NumericGetDatum(int64_to_numeric(a->count[g])));
		case AGG_MIN:
		case AGG_MAX:
			if (!a->has[g])
				break;
			if (a->vclass == VAL_INT64)
				return int64_to_datum(a->ival[g], a->argtype);
			if (a->vclass == VAL_FLOAT8)
				return Float8GetDatum(a->fsum[g]);
			return a->dval[g];
	}
	*isnull = true;
	return (Datum) 0;
}

static TupleTableSlot *
agg_next(ScanState *ss)
{
	ColAggState *state = (ColAggState *) ss;
	TupleTableSlot *slot = ss->ss_ScanTupleSlot;
	int			g;
	int			i;

	if (!state->done)
		aggregate_all(state);

	ExecClearTuple(slot);
	if (state->emit >= state->ngroups)
		return slot;
	g = state->emit++;
	for (i = 0; i < state->nout; i++)
	{
		OutCol	   *o = &state->out[i];

		if (o->is_group)
		{
			ValueMap   *m = &state->colmaps[o->index];
			int32		id = state->group_colids[g * state->ngroupcols + o->index];

			slot->tts_isnull[i] = (id == m->null_id);
			slot->tts_values[i] = m->values[id];
		}
		else
			slot->tts_values[i] = agg_final(&state->aggs[o->index], g,
											&slot->tts_isnull[i]);
	}
	return ExecStoreVirtualTuple(slot);
}

static bool
agg_recheck(ScanState *ss, TupleTableSlot *slot)
{
	return true;
}

static TupleTableSlot *
agg_exec(CustomScanState *node)
{
	return ExecScan(&node->ss, agg_next, agg_recheck);
}

static void
agg_end(CustomScanState *node)
{
}

static void
agg_rescan(CustomScanState *node)
{
	ColAggState *state = (ColAggState *) node;

	/* the groups are kept: re-emit them */
	state->emit = 0;
	ExecScanReScan(&node->ss);
}

static void
agg_explain(CustomScanState *node, List *ancestors, ExplainState *es)
{
	ColAggState *state = (ColAggState *) node;
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, state->relids)
	{
		if (buf.len > 0)
			appendStringInfoString(&buf, ", ");
		appendStringInfoString(&buf, get_rel_name(lfirst_oid(lc)));
	}
	ExplainPropertyText("Relations", buf.len > 0 ? buf.data : "<none>", es);
	ExplainPropertyInteger("Vectorized Filters", NULL, state->nfilters, es);
	ExplainPropertyInteger("Skip Filters", NULL, state->npreds, es);
	if (es->analyze && state->done)
	{
		ExplainPropertyInteger("Groups", NULL, state->ngroups, es);
		ExplainPropertyInteger("Stripes Read", NULL,
							   state->stats.stripes_total - state->stats.stripes_skipped, es);
		ExplainPropertyInteger("Stripes Skipped", NULL, state->stats.stripes_skipped, es);
		ExplainPropertyInteger("Chunk Groups Read", NULL,
							   state->stats.chunk_groups_total - state->stats.chunk_groups_skipped, es);
		ExplainPropertyInteger("Chunk Groups Skipped", NULL,
							   state->stats.chunk_groups_skipped, es);
	}
	pfree(buf.data);
}

void
ColAggScanInit(void)
{
	DefineCustomBoolVariable("tempo.enable_vectorized_agg",
							 "Aggregate tempo_columnar tables with the vectorized aggregate node.",
							 NULL,
							 &col_enable_vectorized_agg,
							 true,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);

	RegisterCustomScanMethods(&agg_scan_methods);
	prev_upper_paths_hook = create_upper_paths_hook;
	create_upper_paths_hook = col_upper_paths;
}
