/*-------------------------------------------------------------------------
 *
 * col_customscan.c
 *	  "Tempo Columnar Scan": a custom scan node that reads tempo_columnar
 *	  tables through the batch reader with projection and skipping.
 *
 * PostgreSQL 15 gives a table access method no way to learn which columns
 * a plain sequential scan needs or which quals it has.  This node fills the
 * gap: set_rel_pathlist_hook offers a CustomPath for every tempo_columnar
 * base relation, costed below the sequential scan in proportion to the
 * share of columns it must decode.  At plan time the quals of the form
 * "column op constant" (op a btree comparison of the column type's default
 * operator family) are turned into ColPredicates; the executor still
 * evaluates every qual, so the predicates only let the reader skip stripes
 * and chunk groups whose zone maps, dictionary sets or bloom filters prove
 * that no row can match.  The columns to decode are those referenced by
 * the target list and the quals (a whole-row reference means all).
 *
 * The node is parallel aware: its DSM holds the table AM's parallel scan
 * descriptor, which hands out stripes to the leader and the workers.
 *
 * EXPLAIN shows the projected columns and pushed-down filters, and with
 * ANALYZE how many stripes and chunk groups were skipped (leader's share in
 * a parallel scan).
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/col_customscan.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/relation.h"
#include "access/sysattr.h"
#include "access/tableam.h"
#include "catalog/pg_am.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/extensible.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/restrictinfo.h"
#include "parser/parsetree.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "col.h"
#include "col_customscan.h"

#define COL_SCAN_NAME "TempoColumnarScan"

bool		col_enable_custom_scan = true;

static set_rel_pathlist_hook_type prev_set_rel_pathlist_hook = NULL;

typedef struct ColScanState
{
	CustomScanState css;
	Bitmapset  *attrs;			/* 1-based column numbers to decode */
	ColPredicate *preds;
	int			npreds;
	List	   *pred_text;		/* for EXPLAIN */
	ParallelTableScanDesc pscan;	/* in DSM, or NULL */
	ColReadState *reader;
	ColBatch   *batch;
	int			row;			/* next row of batch */
	bool		have_stats;
	ColReadStats stats;
} ColScanState;

static Plan *col_plan_path(PlannerInfo *root, RelOptInfo *rel,
						   CustomPath *best_path, List *tlist,
						   List *clauses, List *custom_plans);
static Node *col_create_state(CustomScan *cscan);
static void col_begin(CustomScanState *node, EState *estate, int eflags);
static TupleTableSlot *col_exec(CustomScanState *node);
static void col_end(CustomScanState *node);
static void col_rescan(CustomScanState *node);
static Size col_estimate_dsm(CustomScanState *node, ParallelContext *pcxt);
static void col_init_dsm(CustomScanState *node, ParallelContext *pcxt,
						 void *coordinate);
static void col_reinit_dsm(CustomScanState *node, ParallelContext *pcxt,
						   void *coordinate);
static void col_init_worker(CustomScanState *node, shm_toc *toc,
							void *coordinate);
static void col_explain(CustomScanState *node, List *ancestors,
						ExplainState *es);

static const CustomPathMethods col_path_methods = {
	.CustomName = COL_SCAN_NAME,
	.PlanCustomPath = col_plan_path,
};

static const CustomScanMethods col_scan_methods = {
	.CustomName = COL_SCAN_NAME,
	.CreateCustomScanState = col_create_state,
};

static const CustomExecMethods col_exec_methods = {
	.CustomName = COL_SCAN_NAME,
	.BeginCustomScan = col_begin,
	.ExecCustomScan = col_exec,
	.EndCustomScan = col_end,
	.ReScanCustomScan = col_rescan,
	.EstimateDSMCustomScan = col_estimate_dsm,
	.InitializeDSMCustomScan = col_init_dsm,
	.ReInitializeDSMCustomScan = col_reinit_dsm,
	.InitializeWorkerCustomScan = col_init_worker,
	.ExplainCustomScan = col_explain,
};

/* ---------------------------------------------------------------------
 * Planning
 * ---------------------------------------------------------------------
 */

/*
 * Fraction of the relation's stored bytes the scan is expected to read:
 * the share of its columns referenced by the query, at least a little for
 * the per-stripe work.
 */
static double
needed_fraction(RelOptInfo *rel, int natts)
{
	Bitmapset  *attrs = NULL;
	ListCell   *lc;
	int			n;

	if (natts <= 0)
		return 1.0;
	pull_varattnos((Node *) rel->reltarget->exprs, rel->relid, &attrs);
	foreach(lc, rel->baserestrictinfo)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);

		pull_varattnos((Node *) ri->clause, rel->relid, &attrs);
	}
	if (bms_is_member(0 - FirstLowInvalidHeapAttributeNumber, attrs))
		return 1.0;
	n = bms_num_members(attrs);
	return Max(0.05, Min(1.0, (double) n / natts));
}

/*
 * Share of the table the skip structures are expected to leave to read:
 * the selectivity of the quals that can be pushed down, but never less
 * than one chunk group.  Without this, a point lookup that reads one chunk
 * group looks as expensive as a full scan and gets a parallel plan whose
 * worker start-up costs more than the whole lookup.
 */
double
ColSkipFraction(PlannerInfo *root, RelOptInfo *rel)
{
	List	   *pushable = NIL;
	ListCell   *lc;
	double		sel;
	double		floor_sel;

	foreach(lc, rel->baserestrictinfo)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);

		if (ColPushdownEntry((Node *) ri->clause, rel->relid) != NIL)
			pushable = lappend(pushable, ri);
	}
	if (pushable == NIL)
		return 1.0;
	sel = clauselist_selectivity(root, pushable, rel->relid, JOIN_INNER, NULL);
	floor_sel = rel->tuples > COL_CHUNK_ROWS ? COL_CHUNK_ROWS / rel->tuples : 1.0;
	list_free(pushable);
	return Min(1.0, Max(sel, floor_sel));
}

static void
col_cost_path(PlannerInfo *root, RelOptInfo *rel, Path *path,
			  double fraction, int workers)
{
	double		skip = ColSkipFraction(root, rel);
	double		pages = Max(rel->pages, 1) * fraction * skip;
	double		rows = Max(rel->tuples, 1) * skip;
	QualCost	qcost;
	double		cpu_per_tuple;
	double		cpu_run;

	cost_qual_eval(&qcost, rel->baserestrictinfo, root);
	/* decoding a vector of values is far cheaper than deforming heap rows */
	cpu_per_tuple = cpu_tuple_cost * (0.1 + 0.4 * fraction) + qcost.per_tuple;
	cpu_run = cpu_per_tuple * rows + path->pathtarget->cost.per_tuple * path->rows;

	path->startup_cost = qcost.startup + path->pathtarget->cost.startup;
	if (workers > 0)
	{
		double		divisor = workers;

		if (parallel_leader_participation && workers < 4)
			divisor += 1.0 - 0.3 * workers;
		cpu_run /= divisor;
	}
	path->total_cost = path->startup_cost + seq_page_cost * pages + cpu_run;
}

static CustomPath *
col_make_path(PlannerInfo *root, RelOptInfo *rel, double fraction,
			  int workers)
{
	CustomPath *cpath = makeNode(CustomPath);

	cpath->path.pathtype = T_CustomScan;
	cpath->path.parent = rel;
	cpath->path.pathtarget = rel->reltarget;
	cpath->path.param_info = get_baserel_parampathinfo(root, rel,
													   rel->lateral_relids);
	cpath->path.parallel_aware = workers > 0;
	cpath->path.parallel_safe = rel->consider_parallel;
	cpath->path.parallel_workers = workers;
	cpath->path.rows = rel->rows;
	if (workers > 0)
		cpath->path.rows = clamp_row_est(rel->rows / (workers + 1));
	cpath->path.pathkeys = NIL;
	cpath->flags = 0;
	cpath->custom_paths = NIL;
	cpath->custom_private = NIL;
	cpath->methods = &col_path_methods;
	col_cost_path(root, rel, &cpath->path, fraction, workers);
	return cpath;
}

static void
col_set_rel_pathlist(PlannerInfo *root, RelOptInfo *rel, Index rti,
					 RangeTblEntry *rte)
{
	Relation	relation;
	bool		columnar;
	int			natts;
	double		fraction;

	if (prev_set_rel_pathlist_hook)
		prev_set_rel_pathlist_hook(root, rel, rti, rte);

	if (!col_enable_custom_scan)
		return;
	if (rel->reloptkind != RELOPT_BASEREL &&
		rel->reloptkind != RELOPT_OTHER_MEMBER_REL)
		return;
	if (rte->rtekind != RTE_RELATION || rte->relkind != RELKIND_RELATION ||
		rte->tablesample != NULL || rte->inh)
		return;

	relation = relation_open(rte->relid, NoLock);
	columnar = ColIsColumnar(relation);
	natts = RelationGetNumberOfAttributes(relation);
	relation_close(relation, NoLock);
	if (!columnar)
		return;

	fraction = needed_fraction(rel, natts);
	add_path(rel, (Path *) col_make_path(root, rel, fraction, 0));

	if (rel->consider_parallel && rel->lateral_relids == NULL)
	{
		int			workers;

		workers = compute_parallel_worker(rel, rel->pages, -1,
										  max_parallel_workers_per_gather);
		if (workers > 0)
			add_partial_path(rel, (Path *) col_make_path(root, rel, fraction,
														 workers));
	}
}

/* Strip binary-compatible relabelling. */
Node *
ColStripRelabel(Node *node)
{
	while (node && IsA(node, RelabelType))
		node = (Node *) ((RelabelType *) node)->arg;
	return node;
}

/*
 * Bring an integer constant to the integer type of the column, so that the
 * very common "int8 column > 500" can be pushed down.  Returns false when
 * the types are not both integers or the value does not fit.
 */
static bool
coerce_int_const(Const *c, Oid coltype, Datum *value)
{
	int64		v;

	switch (c->consttype)
	{
		case INT2OID:
			v = DatumGetInt16(c->constvalue);
			break;
		case INT4OID:
			v = DatumGetInt32(c->constvalue);
			break;
		case INT8OID:
			v = DatumGetInt64(c->constvalue);
			break;
		default:
			return false;
	}
	switch (coltype)
	{
		case INT2OID:
			if (v < PG_INT16_MIN || v > PG_INT16_MAX)
				return false;
			*value = Int16GetDatum((int16) v);
			return true;
		case INT4OID:
			if (v < PG_INT32_MIN || v > PG_INT32_MAX)
				return false;
			*value = Int32GetDatum((int32) v);
			return true;
		case INT8OID:
			*value = Int64GetDatum(v);
			return true;
		default:
			return false;
	}
}

/*
 * If clause is "column op constant" (either order) with op a btree
 * comparison for the column's type, return a pushdown entry:
 * list(attno, ColPredOp, Const of the column type, collation).
 */
List *
ColPushdownEntry(Node *clause, Index relid)
{
	OpExpr	   *op;
	Node	   *left;
	Node	   *right;
	Var		   *var;
	Const	   *con;
	bool		commuted = false;
	Oid			opclass;
	Oid			opfamily;
	int			strategy;
	ColPredOp	pop;
	Datum		value;
	Const	   *result;

	if (!IsA(clause, OpExpr))
		return NIL;
	op = (OpExpr *) clause;
	if (list_length(op->args) != 2)
		return NIL;
	left = ColStripRelabel(linitial(op->args));
	right = ColStripRelabel(lsecond(op->args));
	if (IsA(left, Var) && IsA(right, Const))
	{
		var = (Var *) left;
		con = (Const *) right;
	}
	else if (IsA(left, Const) && IsA(right, Var))
	{
		var = (Var *) right;
		con = (Const *) left;
		commuted = true;
	}
	else
		return NIL;

	if (var->varno != relid || var->varlevelsup != 0 || var->varattno <= 0 ||
		con->constisnull)
		return NIL;

	opclass = GetDefaultOpClass(var->vartype, BTREE_AM_OID);
	if (!OidIsValid(opclass))
		return NIL;
	opfamily = get_opclass_family(opclass);
	strategy = get_op_opfamily_strategy(op->opno, opfamily);
	switch (strategy)
	{
		case BTLessStrategyNumber:
			pop = commuted ? COL_OP_GT : COL_OP_LT;
			break;
		case BTLessEqualStrategyNumber:
			pop = commuted ? COL_OP_GE : COL_OP_LE;
			break;
		case BTEqualStrategyNumber:
			pop = COL_OP_EQ;
			break;
		case BTGreaterEqualStrategyNumber:
			pop = commuted ? COL_OP_LE : COL_OP_GE;
			break;
		case BTGreaterStrategyNumber:
			pop = commuted ? COL_OP_LT : COL_OP_GT;
			break;
		default:
			return NIL;
	}

	if (con->consttype == var->vartype)
		value = con->constvalue;
	else if (!coerce_int_const(con, var->vartype, &value))
		return NIL;

	result = makeConst(var->vartype, var->vartypmod, var->varcollid,
					   get_typlen(var->vartype), value,
					   false, get_typbyval(var->vartype));
	return list_make4(makeInteger(var->varattno), makeInteger(pop), result,
					  makeInteger((int) op->inputcollid));
}

static Plan *
col_plan_path(PlannerInfo *root, RelOptInfo *rel, CustomPath *best_path,
			  List *tlist, List *clauses, List *custom_plans)
{
	CustomScan *cscan = makeNode(CustomScan);
	List	   *pushdown = NIL;
	ListCell   *lc;

	clauses = extract_actual_clauses(clauses, false);
	foreach(lc, clauses)
	{
		List	   *entry = ColPushdownEntry((Node *) lfirst(lc), rel->relid);

		if (entry != NIL)
			pushdown = lappend(pushdown, entry);
	}

	cscan->scan.plan.targetlist = tlist;
	cscan->scan.plan.qual = clauses;
	cscan->scan.scanrelid = rel->relid;
	cscan->flags = best_path->flags;
	cscan->custom_private = list_make1(pushdown);
	cscan->methods = &col_scan_methods;
	return &cscan->scan.plan;
}

/* ---------------------------------------------------------------------
 * Execution
 * ---------------------------------------------------------------------
 */

static const char *
pred_op_name(ColPredOp op)
{
	switch (op)
	{
		case COL_OP_EQ:
			return "=";
		case COL_OP_LT:
			return "<";
		case COL_OP_LE:
			return "<=";
		case COL_OP_GT:
			return ">";
		case COL_OP_GE:
			return ">=";
	}
	return "?";
}

static Node *
col_create_state(CustomScan *cscan)
{
	ColScanState *state = (ColScanState *) newNode(sizeof(ColScanState),
												   T_CustomScanState);

	state->css.methods = &col_exec_methods;
	return (Node *) state;
}

static void
col_begin(CustomScanState *node, EState *estate, int eflags)
{
	ColScanState *state = (ColScanState *) node;
	CustomScan *cscan = (CustomScan *) node->ss.ps.plan;
	Relation	rel = node->ss.ss_currentRelation;
	TupleDesc	tupdesc = RelationGetDescr(rel);
	List	   *pushdown = linitial(cscan->custom_private);
	Bitmapset  *refs = NULL;
	int			i;

	/* columns referenced by the target list and the quals */
	pull_varattnos((Node *) cscan->scan.plan.targetlist, cscan->scan.scanrelid,
				   &refs);
	pull_varattnos((Node *) cscan->scan.plan.qual, cscan->scan.scanrelid,
				   &refs);
	if (bms_is_member(0 - FirstLowInvalidHeapAttributeNumber, refs))
	{
		for (i = 1; i <= tupdesc->natts; i++)
			if (!TupleDescAttr(tupdesc, i - 1)->attisdropped)
				state->attrs = bms_add_member(state->attrs, i);
	}
	else
	{
		i = -1;
		while ((i = bms_next_member(refs, i)) >= 0)
		{
			int			attno = i + FirstLowInvalidHeapAttributeNumber;

			if (attno > 0)
				state->attrs = bms_add_member(state->attrs, attno);
		}
	}

	state->preds = ColPredicatesFromList(pushdown, &state->npreds);
}

/*
 * Turn a list of ColPushdownEntry() results (from a plan's custom_private)
 * into a palloc'd ColPredicate array; the constants stay in the plan.
 */
ColPredicate *
ColPredicatesFromList(List *pushdown, int *npreds)
{
	ColPredicate *preds;
	ListCell   *lc;
	int			i = 0;

	*npreds = list_length(pushdown);
	preds = palloc0(sizeof(ColPredicate) * Max(*npreds, 1));
	foreach(lc, pushdown)
	{
		List	   *entry = (List *) lfirst(lc);
		ColPredicate *p = &preds[i++];

		p->attno = intVal(linitial(entry));
		p->op = (ColPredOp) intVal(lsecond(entry));
		p->value = lthird_node(Const, entry)->constvalue;
		p->collation = (Oid) intVal(lfourth(entry));
	}
	return preds;
}

static void
col_start_reader(ColScanState *state)
{
	EState	   *estate = state->css.ss.ps.state;

	state->reader = ColBeginRead(state->css.ss.ss_currentRelation,
								 estate->es_snapshot, state->attrs,
								 state->preds, state->npreds, state->pscan);
	state->batch = NULL;
	state->row = 0;
}

/* Fetch the next row into the scan slot, or return an empty slot at end. */
static TupleTableSlot *
col_next(ScanState *ss)
{
	ColScanState *state = (ColScanState *) ss;
	TupleTableSlot *slot = ss->ss_ScanTupleSlot;
	int			natts = slot->tts_tupleDescriptor->natts;
	int			i;

	if (state->reader == NULL)
		col_start_reader(state);

	for (;;)
	{
		ColBatch   *batch = state->batch;

		if (batch != NULL && state->row < batch->nrows)
		{
			int			row = state->row++;
			int			attno = -1;

			ExecClearTuple(slot);
			while ((attno = bms_next_member(state->attrs, attno)) >= 0)
			{
				ColVector  *vec = batch->cols[attno - 1];

				slot->tts_values[attno - 1] = vec->values[row];
				slot->tts_isnull[attno - 1] = vec->isnull[row];
			}
			ExecStoreVirtualTuple(slot);
			slot->tts_tableOid = RelationGetRelid(ss->ss_currentRelation);
			ColRownumToTid(ColBatchRownum(batch, row), &slot->tts_tid);
			return slot;
		}

		if (!ColReadNext(state->reader, &state->batch))
		{
			state->batch = NULL;
			return ExecClearTuple(slot);
		}
		state->row = 0;

		/* columns not decoded read as NULL */
		ExecClearTuple(slot);
		for (i = 0; i < natts; i++)
			if (!bms_is_member(i + 1, state->attrs))
			{
				slot->tts_values[i] = (Datum) 0;
				slot->tts_isnull[i] = true;
			}
	}
}

static bool
col_recheck(ScanState *ss, TupleTableSlot *slot)
{
	return true;
}

static TupleTableSlot *
col_exec(CustomScanState *node)
{
	return ExecScan(&node->ss, col_next, col_recheck);
}

static void
col_save_stats(ColScanState *state)
{
	if (state->reader != NULL)
	{
		ColReadGetStats(state->reader, &state->stats);
		state->have_stats = true;
	}
}

static void
col_end(CustomScanState *node)
{
	ColScanState *state = (ColScanState *) node;

	if (state->reader != NULL)
	{
		col_save_stats(state);
		ColEndRead(state->reader);
		state->reader = NULL;
	}
}

static void
col_rescan(CustomScanState *node)
{
	ColScanState *state = (ColScanState *) node;

	if (state->reader != NULL)
	{
		ColRescan(state->reader);
		state->batch = NULL;
		state->row = 0;
	}
	ExecScanReScan(&node->ss);
}

static Size
col_estimate_dsm(CustomScanState *node, ParallelContext *pcxt)
{
	return table_parallelscan_estimate(node->ss.ss_currentRelation,
									   node->ss.ps.state->es_snapshot);
}

static void
col_init_dsm(CustomScanState *node, ParallelContext *pcxt, void *coordinate)
{
	ColScanState *state = (ColScanState *) node;

	table_parallelscan_initialize(node->ss.ss_currentRelation,
								  (ParallelTableScanDesc) coordinate,
								  node->ss.ps.state->es_snapshot);
	state->pscan = (ParallelTableScanDesc) coordinate;
}

static void
col_reinit_dsm(CustomScanState *node, ParallelContext *pcxt, void *coordinate)
{
	table_parallelscan_reinitialize(node->ss.ss_currentRelation,
									(ParallelTableScanDesc) coordinate);
}

static void
col_init_worker(CustomScanState *node, shm_toc *toc, void *coordinate)
{
	ColScanState *state = (ColScanState *) node;

	state->pscan = (ParallelTableScanDesc) coordinate;
}

static void
col_explain(CustomScanState *node, List *ancestors, ExplainState *es)
{
	ColScanState *state = (ColScanState *) node;
	TupleDesc	tupdesc = RelationGetDescr(node->ss.ss_currentRelation);
	StringInfoData buf;
	int			attno = -1;
	int			i;

	initStringInfo(&buf);
	while ((attno = bms_next_member(state->attrs, attno)) >= 0)
	{
		if (buf.len > 0)
			appendStringInfoString(&buf, ", ");
		appendStringInfoString(&buf,
							   quote_identifier(NameStr(TupleDescAttr(tupdesc, attno - 1)->attname)));
	}
	ExplainPropertyText("Columnar Projection",
						buf.len > 0 ? buf.data : "<none>", es);

	if (state->npreds > 0)
	{
		resetStringInfo(&buf);
		for (i = 0; i < state->npreds; i++)
		{
			ColPredicate *p = &state->preds[i];
			Form_pg_attribute att = TupleDescAttr(tupdesc, p->attno - 1);
			Oid			outfunc;
			bool		isvarlena;

			getTypeOutputInfo(att->atttypid, &outfunc, &isvarlena);
			if (i > 0)
				appendStringInfoString(&buf, " AND ");
			appendStringInfo(&buf, "%s %s %s",
							 quote_identifier(NameStr(att->attname)),
							 pred_op_name(p->op),
							 quote_literal_cstr(OidOutputFunctionCall(outfunc, p->value)));
		}
		ExplainPropertyText("Columnar Skip Filter", buf.data, es);
	}

	if (es->analyze)
	{
		if (state->reader != NULL)
			col_save_stats(state);
		if (state->have_stats)
		{
			ExplainPropertyInteger("Stripes Read", NULL,
								   state->stats.stripes_total - state->stats.stripes_skipped, es);
			ExplainPropertyInteger("Stripes Skipped", NULL,
								   state->stats.stripes_skipped, es);
			ExplainPropertyInteger("Chunk Groups Read", NULL,
								   state->stats.chunk_groups_total - state->stats.chunk_groups_skipped, es);
			ExplainPropertyInteger("Chunk Groups Skipped", NULL,
								   state->stats.chunk_groups_skipped, es);
		}
	}
	pfree(buf.data);
}

/* ---------------------------------------------------------------------
 * Registration
 * ---------------------------------------------------------------------
 */

void
ColCustomScanInit(void)
{
	DefineCustomBoolVariable("tempo.enable_custom_scan",
							 "Use the projecting, skipping custom scan for tempo_columnar tables.",
							 NULL,
							 &col_enable_custom_scan,
							 true,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);

	RegisterCustomScanMethods(&col_scan_methods);
	prev_set_rel_pathlist_hook = set_rel_pathlist_hook;
	set_rel_pathlist_hook = col_set_rel_pathlist;
}
