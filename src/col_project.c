/*-------------------------------------------------------------------------
 *
 * col_project.c
 *	  Column projection for plain (and parallel) sequential scans of
 *	  tempo_columnar tables.
 *
 * PostgreSQL 15 does not tell a table AM which columns a scan needs, so a
 * stock Seq Scan would decode every column.  An ExecutorStart hook walks
 * the plan-state tree top-down and works out, for every node, which of
 * its output columns its parent really uses (from the parent's target
 * list, quals, join and hash clauses and sort/group column indexes; a
 * parent of a kind we do not know uses everything).  A Seq Scan on a
 * columnar table then needs only the table columns behind the outputs
 * used plus those in its own qual; a whole-row reference means all.
 *
 * Simple quals ("column op constant" with a btree operator of the column
 * type) become reader predicates, which only skip chunk groups: the
 * executor still checks every row.
 *
 * A serial Seq Scan gets its scan descriptor created right away with that
 * column set and predicates (SeqNext only creates one when there is
 * none).  A parallel Seq Scan's descriptor is created later, by the
 * executor, in the leader and in each worker (each worker runs
 * ExecutorStart, so this hook, on its own copy of the plan); so they are
 * recorded under the node's scan tuple slot, which the scan receives on
 * its first getnextslot, and forgotten when the query's memory goes.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/col_project.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/stratnum.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/execnodes.h"
#include "nodes/nodeFuncs.h"
#include "nodes/plannodes.h"
#include "storage/proc.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/typcache.h"
#include "utils/rel.h"

#include "col_internal.h"

static ExecutorStart_hook_type prev_executor_start = NULL;

/*
 * Parallel Seq Scans: their scan descriptors are created after
 * ExecutorStart, so what a scan needs is recorded under its scan tuple
 * slot (which identifies the node) until the query's memory goes away.
 */
typedef struct SlotHint
{
	TupleTableSlot *slot;
	MemoryContext owner;		/* the query's es_query_cxt */
	Bitmapset  *attrs;
	ColPredicate *preds;
	int			npreds;
} SlotHint;

static List *slot_hints = NIL;	/* cells in TopMemoryContext */

typedef struct VarCollect
{
	int			varno;
	Bitmapset  *attrs;
	bool		all;
} VarCollect;

static bool
collect_vars(Node *node, VarCollect *vc)
{
	if (node == NULL)
		return false;
	if (IsA(node, Var))
	{
		Var		   *v = (Var *) node;

		if (v->varno == vc->varno && v->varlevelsup == 0)
		{
			if (v->varattno == 0)
				vc->all = true;
			else if (v->varattno > 0)
				vc->attrs = bms_add_member(vc->attrs, v->varattno);
		}
		return false;
	}
	return expression_tree_walker(node, collect_vars, (void *) vc);
}

/* Add the vars of the target list entries whose resno is needed. */
static void
collect_tlist(List *tlist, Bitmapset *needed, bool needall, VarCollect *vc)
{
	ListCell   *lc;

	foreach(lc, tlist)
	{
		TargetEntry *tle = lfirst(lc);

		if (needall || bms_is_member(tle->resno, needed))
			collect_vars((Node *) tle->expr, vc);
	}
}

static void
add_colidx(VarCollect *vc, int n, AttrNumber *idx)
{
	int			i;

	for (i = 0; i < n; i++)
		vc->attrs = bms_add_member(vc->attrs, idx[i]);
}

/*
 * Which outputs of the child (OUTER_VAR: left, INNER_VAR: right) does
 * plan use, given which of its own outputs are needed?  Sets *all when
 * it cannot tell.
 */
static Bitmapset *
child_needs(Plan *plan, Bitmapset *needed, bool needall, int varno, bool *all)
{
	VarCollect	vc = {varno, NULL, false};
	bool		outer = varno == OUTER_VAR;

	switch (nodeTag(plan))
	{
		case T_Agg:
			if (((Agg *) plan)->chain != NIL)
			{
				*all = true;	/* grouping sets */
				return NULL;
			}
			if (outer)
				add_colidx(&vc, ((Agg *) plan)->numCols, ((Agg *) plan)->grpColIdx);
			break;
		case T_Group:
			if (outer)
				add_colidx(&vc, ((Group *) plan)->numCols, ((Group *) plan)->grpColIdx);
			break;
		case T_Sort:
		case T_IncrementalSort:
			if (outer)
				add_colidx(&vc, ((Sort *) plan)->numCols, ((Sort *) plan)->sortColIdx);
			break;
		case T_Unique:
			if (outer)
				add_colidx(&vc, ((Unique *) plan)->numCols, ((Unique *) plan)->uniqColIdx);
			break;
		case T_GatherMerge:
			if (outer)
				add_colidx(&vc, ((GatherMerge *) plan)->numCols,
						   ((GatherMerge *) plan)->sortColIdx);
			break;
		case T_Hash:
			collect_vars((Node *) ((Hash *) plan)->hashkeys, &vc);
			break;
		case T_HashJoin:
			collect_vars((Node *) ((HashJoin *) plan)->hashclauses, &vc);
			collect_vars((Node *) ((HashJoin *) plan)->hashkeys, &vc);
			collect_vars((Node *) ((Join *) plan)->joinqual, &vc);
			break;
		case T_MergeJoin:
			collect_vars((Node *) ((MergeJoin *) plan)->mergeclauses, &vc);
			collect_vars((Node *) ((Join *) plan)->joinqual, &vc);
			break;
		case T_NestLoop:
			{
				ListCell   *lc;

				foreach(lc, ((NestLoop *) plan)->nestParams)
					collect_vars((Node *) ((NestLoopParam *) lfirst(lc))->paramval, &vc);
				collect_vars((Node *) ((Join *) plan)->joinqual, &vc);
			}
			break;
		case T_Limit:
		case T_Material:
		case T_Gather:
		case T_Result:
			break;
		default:
			*all = true;
			return NULL;
	}
	collect_tlist(plan->targetlist, needed, needall, &vc);
	collect_vars((Node *) plan->qual, &vc);
	if (vc.all)
		*all = true;
	return vc.attrs;
}

static void
forget_hints(void *arg)
{
	MemoryContext owner = (MemoryContext) arg;
	ListCell   *lc;

	foreach(lc, slot_hints)
	{
		SlotHint   *h = lfirst(lc);

		if (h->owner == owner)
			slot_hints = foreach_delete_current(slot_hints, lc);
	}
}

static void
record_slot_hint(TupleTableSlot *slot, EState *estate, Bitmapset *attrs,
				 ColPredicate *preds, int npreds)
{
	SlotHint   *h = MemoryContextAlloc(estate->es_query_cxt, sizeof(SlotHint));
	MemoryContext old;
	ListCell   *lc;
	bool		have_cb = false;

	h->slot = slot;
	h->owner = estate->es_query_cxt;
	h->attrs = attrs;
	h->preds = preds;
	h->npreds = npreds;
	foreach(lc, slot_hints)
		if (((SlotHint *) lfirst(lc))->owner == h->owner)
			have_cb = true;
	if (!have_cb)
	{
		MemoryContextCallback *cb = MemoryContextAlloc(estate->es_query_cxt,
													   sizeof(MemoryContextCallback));

		cb->func = forget_hints;
		cb->arg = estate->es_query_cxt;
		MemoryContextRegisterResetCallback(estate->es_query_cxt, cb);
	}
	old = MemoryContextSwitchTo(TopMemoryContext);
	slot_hints = lappend(slot_hints, h);
	MemoryContextSwitchTo(old);
}

/* What the Parallel Seq Scan reading into this slot needs; false if unknown. */
bool
ColSlotScanHint(TupleTableSlot *slot, Bitmapset **attrs, ColPredicate **preds,
				int *npreds)
{
	ListCell   *lc;

	foreach(lc, slot_hints)
	{
		SlotHint   *h = lfirst(lc);

		if (h->slot == slot)
		{
			*attrs = h->attrs;
			*preds = h->preds;
			*npreds = h->npreds;
			return true;
		}
	}
	return false;
}

/*
 * Turn the scan's "column op constant" quals (btree operators of the
 * column type) into reader predicates, used only to skip chunk groups;
 * the executor still evaluates every qual.
 */
static ColPredicate *
quals_to_preds(List *qual, Index scanrelid, TupleDesc tupdesc, int *npreds)
{
	ColPredicate *preds = palloc(sizeof(ColPredicate) * Max(list_length(qual), 1));
	ListCell   *lc;
	int			n = 0;

	foreach(lc, qual)
	{
		OpExpr	   *op = lfirst(lc);
		Node	   *l,
				   *r;
		Var		   *var;
		Const	   *cst;
		bool		commuted = false;
		Oid			opno;
		Oid			typid;
		TypeCacheEntry *tc;
		int			strategy;

		if (!IsA(op, OpExpr) || list_length(op->args) != 2)
			continue;
		l = linitial(op->args);
		r = lsecond(op->args);
		if (IsA(l, Var) && IsA(r, Const))
		{
			var = (Var *) l;
			cst = (Const *) r;
		}
		else if (IsA(r, Var) && IsA(l, Const))
		{
			var = (Var *) r;
			cst = (Const *) l;
			commuted = true;
		}
		else
			continue;
		if (var->varno != scanrelid || var->varlevelsup != 0 ||
			var->varattno < 1 || var->varattno > tupdesc->natts || cst->constisnull)
			continue;
		typid = TupleDescAttr(tupdesc, var->varattno - 1)->atttypid;
		if (var->vartype != typid || cst->consttype != typid)
			continue;
		opno = commuted ? get_commutator(op->opno) : op->opno;
		if (!OidIsValid(opno))
			continue;
		tc = lookup_type_cache(typid, TYPECACHE_BTREE_OPFAMILY);
		if (!OidIsValid(tc->btree_opf))
			continue;
		strategy = get_op_opfamily_strategy(opno, tc->btree_opf);
		switch (strategy)
		{
			case BTLessStrategyNumber:
				preds[n].op = COL_OP_LT;
				break;
			case BTLessEqualStrategyNumber:
				preds[n].op = COL_OP_LE;
				break;
			case BTEqualStrategyNumber:
				preds[n].op = COL_OP_EQ;
				break;
			case BTGreaterEqualStrategyNumber:
				preds[n].op = COL_OP_GE;
				break;
			case BTGreaterStrategyNumber:
				preds[n].op = COL_OP_GT;
				break;
			default:
				continue;
		}
		preds[n].attno = var->varattno;
		preds[n].value = datumCopy(cst->constvalue, cst->constbyval, cst->constlen);
		preds[n].collation = op->inputcollid;
		n++;
	}
	*npreds = n;
	return preds;
}

static void
project_seqscan(SeqScanState *ss, Bitmapset *needed, bool needall, EState *estate)
{
	Plan	   *plan = ss->ss.ps.plan;
	Relation	rel = ss->ss.ss_currentRelation;
	VarCollect	vc = {((Scan *) plan)->scanrelid, NULL, false};
	MemoryContext old;

	if (rel == NULL || !ColIsColumnar(rel))
		return;
	collect_tlist(plan->targetlist, needed, needall, &vc);
	collect_vars((Node *) plan->qual, &vc);
	if (vc.all)
		vc.attrs = bms_add_range(vc.attrs, 1, Max(RelationGetDescr(rel)->natts, 1));
	/* member 0 (never a column) makes "no columns" a non-empty set */
	vc.attrs = bms_add_member(vc.attrs, 0);
	if (ss->ss.ss_currentScanDesc != NULL)
		return;
	old = MemoryContextSwitchTo(estate->es_query_cxt);
	{
		int			npreds;
		ColPredicate *preds = quals_to_preds(plan->qual, ((Scan *) plan)->scanrelid,
											 RelationGetDescr(rel), &npreds);
		Bitmapset  *attrs = bms_copy(vc.attrs);

		if (plan->parallel_aware)
			record_slot_hint(ss->ss.ss_ScanTupleSlot, estate, attrs, preds, npreds);
		else
		{
			ss->ss.ss_currentScanDesc = table_beginscan(rel, estate->es_snapshot, 0, NULL);
			ColScanSetAttrs(ss->ss.ss_currentScanDesc, attrs);
			if (npreds > 0)
				ColScanSetPreds(ss->ss.ss_currentScanDesc, preds, npreds);
		}
	}
	MemoryContextSwitchTo(old);
}

static void
walk(PlanState *ps, Bitmapset *needed, bool needall, EState *estate)
{
	Plan	   *plan;

	if (ps == NULL)
		return;
	check_stack_depth();
	plan = ps->plan;
	if (IsA(ps, SeqScanState))
	{
		project_seqscan((SeqScanState *) ps, needed, needall, estate);
		return;
	}
	if (ps->lefttree)
	{
		bool		all = false;
		Bitmapset  *cn = child_needs(plan, needed, needall, OUTER_VAR, &all);

		walk(ps->lefttree, cn, all, estate);
	}
	if (ps->righttree)
	{
		bool		all = false;
		Bitmapset  *cn = child_needs(plan, needed, needall, INNER_VAR, &all);

		walk(ps->righttree, cn, all, estate);
	}
	/* children of other kinds (Append, SubqueryScan...): everything */
	switch (nodeTag(ps))
	{
		case T_AppendState:
			{
				AppendState *as = (AppendState *) ps;
				int			i;

				for (i = 0; i < as->as_nplans; i++)
					walk(as->appendplans[i], NULL, true, estate);
			}
			break;
		case T_MergeAppendState:
			{
				MergeAppendState *ms = (MergeAppendState *) ps;
				int			i;

				for (i = 0; i < ms->ms_nplans; i++)
					walk(ms->mergeplans[i], NULL, true, estate);
			}
			break;
		case T_SubqueryScanState:
			walk(((SubqueryScanState *) ps)->subplan, NULL, true, estate);
			break;
		default:
			break;
	}
	{
		ListCell   *lc;

		foreach(lc, ps->initPlan)
			walk(((SubPlanState *) lfirst(lc))->planstate, NULL, true, estate);
		foreach(lc, ps->subPlan)
			walk(((SubPlanState *) lfirst(lc))->planstate, NULL, true, estate);
	}
}

static void
col_executor_start(QueryDesc *queryDesc, int eflags)
{
	if (prev_executor_start)
		prev_executor_start(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);
	if ((eflags & EXEC_FLAG_EXPLAIN_ONLY) == 0 && queryDesc->planstate != NULL)
		walk(queryDesc->planstate, NULL, true, queryDesc->estate);
}

void
ColProjectInit(void)
{
	prev_executor_start = ExecutorStart_hook;
	ExecutorStart_hook = col_executor_start;
}
