/*-------------------------------------------------------------------------
 *
 * tql_exec.c
 *	  TraceQL executor: planning, the partition scan and span-only queries.
 *
 * Planning (ExecMakePlan) collects every attribute and intrinsic that the
 * query and the consumer's expressions read into ExecFields (one per
 * distinct field) and decides the mode:
 *
 *	- span mode, when the pipeline is only span filters and select()
 *	  (TqlQueryNeedsFullTraces() is false) and no field is trace-level
 *	  (trace:duration, trace:rootName, trace:rootService, nested sets).  A
 *	  span matches when it satisfies every filter: the conjuncts of all
 *	  filters are evaluated batch by batch, each on the rows that passed
 *	  the previous ones, cheapest first.  Nothing is assembled.
 *	- trace mode otherwise: see tql_exec_trace.c.
 *
 * Conjuncts "column op literal" on name, service_name, status, kind,
 * status_message, instrumentation name/version, duration, trace and span
 * ids become reader predicates (zone maps, dictionary sets and blooms skip
 * chunk groups; a trace id lookup reads only the matching rows), with the
 * time range on start_time_unix_nano and, for a single tenant, the tenant.
 * Attributes are read as single keys of the jsonb columns (ColReadAddKey),
 * never as whole maps.  Only the columns a query needs are decoded: "{ }"
 * decodes start_time_unix_nano alone (plus tenant when tempo.tenant is
 * set, and what the consumer asks for).
 *
 * Partitions of tempo.spans are pruned with their bounds (start_time,
 * with one microsecond of slack since start_time is start_time_unix_nano
 * rounded).  tempo_columnar partitions are read with the batch reader;
 * any other partition (a heap partition someone attached) is read with a
 * sequential scan turned into batches of the same shape, so results never
 * depend on the storage.  The caller needs SELECT on tempo.spans; the
 * session's tenants (tempo.tenant: empty = all, "a|b" = several) are
 * applied to every row.  The reader does not evaluate row-level security
 * policies; when they apply to the caller, the tenant binding policy of
 * tempo.bind_tenant() is honoured by intersecting the session's tenants
 * with the role's (tempo_tenancy.c), and any other policy is refused
 * (0A000) rather than showing hidden rows.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/tql_exec.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/relscan.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "common/hashfn.h"
#include "datatype/timestamp.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "partitioning/partbounds.h"
#include "partitioning/partdesc.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "col_internal.h"
#include "tempo.h"
#include "tempo_ids.h"
#include "tempo_tenancy.h"
#include "tql_exec_int.h"

const char *const ExecColNames[EC_NCOLS] = {
	"tenant", "trace_id", "span_id", "parent_span_id", "name", "kind",
	"start_time_unix_nano", "duration_ns", "status_code", "status_message",
	"service_name", "resource_attributes", "span_attributes", "scope_name",
	"scope_version", "events", "links"
};

/* microseconds between the Unix and PostgreSQL epochs */
#define UNIX_TO_PG_USECS \
	((int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY)

void
TqlRunOptionsInit(TqlRunOptions *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->start_ns = PG_INT64_MIN;
	opts->end_ns = PG_INT64_MAX;
	opts->span_sample = 1.0;
	opts->trace_sample = 1.0;
}

/* ---------------------------------------------------------------------
 * Fields
 * ---------------------------------------------------------------------
 */

static void
field_of_expr(const TqlExpr *e, ExecField *f)
{
	memset(f, 0, sizeof(*f));
	f->col = -1;
	f->span_key = f->res_key = -1;
	if (e->kind == TQL_EXPR_INTRINSIC)
	{
		switch (e->intrinsic)
		{
			case TQL_INTR_NAME:
				f->kind = EF_TEXT_COL;
				f->col = EC_NAME;
				break;
			case TQL_INTR_STATUS:
				f->kind = EF_STATUS;
				break;
			case TQL_INTR_STATUS_MESSAGE:
				f->kind = EF_TEXT_COL;
				f->col = EC_STATUS_MESSAGE;
				break;
			case TQL_INTR_KIND:
				f->kind = EF_KIND;
				break;
			case TQL_INTR_DURATION:
				f->kind = EF_DURATION;
				break;
			case TQL_INTR_SPAN_ID:
				f->kind = EF_SPAN_ID;
				break;
			case TQL_INTR_PARENT_ID:
				f->kind = EF_PARENT_ID;
				break;
			case TQL_INTR_TRACE_ID:
				f->kind = EF_TRACE_ID;
				break;
			case TQL_INTR_TRACE_DURATION:
				f->kind = EF_TRACE_DURATION;
				break;
			case TQL_INTR_ROOT_NAME:
				f->kind = EF_ROOT_NAME;
				break;
			case TQL_INTR_ROOT_SERVICE:
				f->kind = EF_ROOT_SERVICE;
				break;
			case TQL_INTR_EVENT_NAME:
				f->kind = EF_EVENT_NAME;
				break;
			case TQL_INTR_EVENT_TIME_SINCE_START:
				f->kind = EF_EVENT_TSS;
				break;
			case TQL_INTR_LINK_TRACE_ID:
				f->kind = EF_LINK_TRACE_ID;
				break;
			case TQL_INTR_LINK_SPAN_ID:
				f->kind = EF_LINK_SPAN_ID;
				break;
			case TQL_INTR_INSTRUMENTATION_NAME:
				f->kind = EF_TEXT_COL;
				f->col = EC_SCOPE_NAME;
				break;
			case TQL_INTR_INSTRUMENTATION_VERSION:
				f->kind = EF_TEXT_COL;
				f->col = EC_SCOPE_VERSION;
				break;
			case TQL_INTR_NESTED_SET_LEFT:
				f->kind = EF_NS_LEFT;
				break;
			case TQL_INTR_NESTED_SET_RIGHT:
				f->kind = EF_NS_RIGHT;
				break;
			case TQL_INTR_NESTED_SET_PARENT:
				f->kind = EF_NS_PARENT;
				break;
			default:
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("intrinsic \"%s\" is not supported",
								TqlIntrinsicName(e->intrinsic))));
		}
	}
	else
	{
		f->key = e->name;
		switch (e->scope)
		{
			case TQL_SCOPE_SPAN:
				f->kind = EF_SPAN_ATTR;
				break;
			case TQL_SCOPE_RESOURCE:
				if (strcmp(e->name, "service.name") == 0)
				{
					f->kind = EF_TEXT_COL;
					f->col = EC_SERVICE_NAME;
					f->key = NULL;
				}
				else
					f->kind = EF_RESOURCE_ATTR;
				break;
			case TQL_SCOPE_NONE:
				f->kind = EF_ANY_ATTR;
				if (strcmp(e->name, "service.name") == 0)
					f->col = EC_SERVICE_NAME;
				break;
			case TQL_SCOPE_EVENT:
				f->kind = EF_EVENT_ATTR;
				break;
			case TQL_SCOPE_LINK:
				f->kind = EF_LINK_ATTR;
				break;
			case TQL_SCOPE_INSTRUMENTATION:
				/* scope attributes are not stored (see otlp_convert.c) */
				f->kind = EF_NIL;
				break;
			default:
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("attribute scope \"%s\" is not supported",
								TqlScopeName(e->scope))));
		}
	}
	f->trace_level = f->kind >= EF_TRACE_DURATION;
}

static int
add_key(ExecPlan *plan, ExecCol col, const char *key)
{
	int			i;

	for (i = 0; i < plan->nkeys; i++)
		if (plan->key_cols[i] == col && strcmp(plan->key_names[i], key) == 0)
			return i;
	if (plan->nkeys == 0)
	{
		plan->key_cols = palloc(sizeof(ExecCol) * 8);
		plan->key_names = palloc(sizeof(char *) * 8);
	}
	else if ((plan->nkeys & 7) == 0)
	{
		plan->key_cols = repalloc(plan->key_cols, sizeof(ExecCol) * (plan->nkeys + 8));
		plan->key_names = repalloc(plan->key_names, sizeof(char *) * (plan->nkeys + 8));
	}
	plan->key_cols[plan->nkeys] = col;
	plan->key_names[plan->nkeys] = pstrdup(key);
	return plan->nkeys++;
}

static int
add_field(ExecPlan *plan, const ExecField *f, TqlExpr *e)
{
	int			i;

	for (i = 0; i < plan->nfields; i++)
	{
		ExecField  *g = &plan->fields[i];

		if (g->kind == f->kind && g->col == f->col &&
			((g->key == NULL && f->key == NULL) ||
			 (g->key != NULL && f->key != NULL && strcmp(g->key, f->key) == 0)))
			return i;
	}
	if (plan->nfields == 0)
		plan->fields = palloc(sizeof(ExecField) * 8);
	else if ((plan->nfields & 7) == 0)
		plan->fields = repalloc(plan->fields, sizeof(ExecField) * (plan->nfields + 8));
	plan->fields[plan->nfields] = *f;
	plan->fields[plan->nfields].expr = e;
	if (f->kind == EF_SPAN_ATTR || f->kind == EF_ANY_ATTR)
		plan->fields[plan->nfields].span_key = add_key(plan, EC_SPAN_ATTRS, f->key);
	if (f->kind == EF_RESOURCE_ATTR || f->kind == EF_ANY_ATTR)
		plan->fields[plan->nfields].res_key = add_key(plan, EC_RESOURCE_ATTRS, f->key);
	return plan->nfields++;
}

static void
map_expr(ExecPlan *plan, const TqlExpr *e, int field)
{
	if (plan->nmap == 0)
	{
		plan->map_expr = palloc(sizeof(TqlExpr *) * 16);
		plan->map_field = palloc(sizeof(int) * 16);
	}
	else if ((plan->nmap & 15) == 0)
	{
		plan->map_expr = repalloc(plan->map_expr, sizeof(TqlExpr *) * (plan->nmap + 16));
		plan->map_field = repalloc(plan->map_field, sizeof(int) * (plan->nmap + 16));
	}
	plan->map_expr[plan->nmap] = e;
	plan->map_field[plan->nmap] = field;
	plan->nmap++;
}

static void
collect_expr(ExecPlan *plan, TqlExpr *e)
{
	check_stack_depth();
	if (e == NULL)
		return;
	if (e->kind == TQL_EXPR_ATTRIBUTE || e->kind == TQL_EXPR_INTRINSIC)
	{
		ExecField	f;

		field_of_expr(e, &f);
		map_expr(plan, e, add_field(plan, &f, e));
		return;
	}
	collect_expr(plan, e->left);
	collect_expr(plan, e->right);
}

static void
collect_node(ExecPlan *plan, TqlNode *node)
{
	int			i;

	check_stack_depth();
	if (node == NULL)
		return;
	collect_expr(plan, node->expr);
	collect_node(plan, node->left);
	collect_node(plan, node->right);
	if (node->kind == TQL_NODE_PIPELINE)
		for (i = 0; i < node->nitems; i++)
			collect_node(plan, node->stages[i]);
	else if (node->kind == TQL_NODE_SELECT)
		for (i = 0; i < node->nitems; i++)
		{
			collect_expr(plan, node->items[i]);
			if (plan->nselect == 0)
				plan->selects = palloc(sizeof(TqlExpr *) * 64);
			if (plan->nselect < 64)
				plan->selects[plan->nselect++] = node->items[i];
		}
}

int
ExecFieldOf(ExecPlan *plan, const TqlExpr *e)
{
	int			i;

	for (i = 0; i < plan->nmap; i++)
		if (plan->map_expr[i] == e)
			return plan->map_field[i];
	elog(ERROR, "TraceQL field was not planned");
	return -1;					/* keep compiler quiet */
}

/* An intrinsic field by kind, added when missing */
static int
intrinsic_field(ExecPlan *plan, TqlIntrinsic intr)
{
	TqlExpr    *e = TqlMakeExpr(TQL_EXPR_INTRINSIC, -1);
	ExecField	f;
	int			idx;

	e->intrinsic = intr;
	e->type = TqlIntrinsicType(intr);
	field_of_expr(e, &f);
	idx = add_field(plan, &f, e);
	map_expr(plan, e, idx);
	return idx;
}

/* ---------------------------------------------------------------------
 * Span conditions and pushdown
 * ---------------------------------------------------------------------
 */

void
ExecSplitConjuncts(TqlExpr *e, TqlExpr ***out, int *n, int *cap)
{
	check_stack_depth();
	if (e->kind == TQL_EXPR_BINARY && e->op == TQL_OP_AND)
	{
		ExecSplitConjuncts(e->left, out, n, cap);
		ExecSplitConjuncts(e->right, out, n, cap);
		return;
	}
	if (e->kind == TQL_EXPR_STATIC && e->value.type == TQL_TYPE_BOOL && e->value.v.b)
		return;					/* "true" filters nothing */
	if (*n == *cap)
	{
		*cap *= 2;
		*out = repalloc(*out, sizeof(TqlExpr *) * *cap);
	}
	(*out)[(*n)++] = e;
}

/* Rough cost of a conjunct, to evaluate cheap ones first */
static int
conjunct_cost(ExecPlan *plan, const TqlExpr *e)
{
	check_stack_depth();
	if (e == NULL)
		return 0;
	if (e->kind == TQL_EXPR_ATTRIBUTE || e->kind == TQL_EXPR_INTRINSIC)
	{
		switch (plan->fields[ExecFieldOf(plan, e)].kind)
		{
			case EF_STATUS:
			case EF_KIND:
			case EF_DURATION:
				return 1;
			case EF_TEXT_COL:
				return 2;
			case EF_SPAN_ATTR:
			case EF_RESOURCE_ATTR:
			case EF_ANY_ATTR:
				return 5;
			default:
				return 10;
		}
	}
	return conjunct_cost(plan, e->left) + conjunct_cost(plan, e->right) +
		((e->op == TQL_OP_RE || e->op == TQL_OP_NRE) ? 20 : 0);
}

static void
sort_conjuncts(ExecPlan *plan, TqlExpr **c, int n)
{
	int			i,
				j;

	/* insertion sort, stable: n is small */
	for (i = 1; i < n; i++)
	{
		TqlExpr    *x = c[i];
		int			cx = conjunct_cost(plan, x);

		for (j = i - 1; j >= 0 && conjunct_cost(plan, c[j]) > cx; j--)
			c[j + 1] = c[j];
		c[j + 1] = x;
	}
}

static bool
hex_literal(const char *s, int width, uint8 *out)
{
	char		buf[33];
	int			len = strlen(s);

	if (len == 0 || len > width)
		return false;
	memset(buf, '0', width - len);
	memcpy(buf + width - len, s, len);
	return TempoParseHex(buf, width, out, width / 2);
}

static void
add_push(ExecPlan *plan, ExecCol col, ColPredOp op, Datum value)
{
	if (plan->npush >= EXEC_MAX_PUSHDOWN)
		return;
	plan->push[plan->npush].col = col;
	plan->push[plan->npush].op = op;
	plan->push[plan->npush].value = value;
	plan->npush++;
}

/* Reader predicate for "field op literal", when there is one */
static void
pushdown_conjunct(ExecPlan *plan, const TqlExpr *e)
{
	const TqlExpr *field;
	const TqlStatic *lit;
	TqlOp		op;
	ExecField  *f;
	ColPredOp	cop;

	if (e->kind != TQL_EXPR_BINARY)
		return;
	if ((e->left->kind == TQL_EXPR_ATTRIBUTE || e->left->kind == TQL_EXPR_INTRINSIC) &&
		e->right->kind == TQL_EXPR_STATIC)
	{
		field = e->left;
		lit = &e->right->value;
		op = e->op;
	}
	else if ((e->right->kind == TQL_EXPR_ATTRIBUTE || e->right->kind == TQL_EXPR_INTRINSIC) &&
			 e->left->kind == TQL_EXPR_STATIC)
	{
		field = e->right;
		lit = &e->left->value;
		switch (e->op)
		{
			case TQL_OP_LT:
				op = TQL_OP_GT;
				break;
			case TQL_OP_LTE:
				op = TQL_OP_GTE;
				break;
			case TQL_OP_GT:
				op = TQL_OP_LT;
				break;
			case TQL_OP_GTE:
				op = TQL_OP_LTE;
				break;
			default:
				op = e->op;
				break;
		}
	}
	else
		return;

	switch (op)
	{
		case TQL_OP_EQ:
			cop = COL_OP_EQ;
			break;
		case TQL_OP_LT:
			cop = COL_OP_LT;
			break;
		case TQL_OP_LTE:
			cop = COL_OP_LE;
			break;
		case TQL_OP_GT:
			cop = COL_OP_GT;
			break;
		case TQL_OP_GTE:
			cop = COL_OP_GE;
			break;
		default:
			return;
	}
	f = &plan->fields[ExecFieldOf(plan, field)];
	switch (f->kind)
	{
		case EF_TEXT_COL:
			if (cop == COL_OP_EQ && lit->type == TQL_TYPE_STRING)
				add_push(plan, f->col, cop, CStringGetTextDatum(lit->v.s));
			break;
		case EF_STATUS:
		case EF_KIND:
			if (cop == COL_OP_EQ &&
				(lit->type == TQL_TYPE_STATUS || lit->type == TQL_TYPE_KIND))
				add_push(plan, f->kind == EF_STATUS ? EC_STATUS : EC_KIND, cop,
						 Int16GetDatum((int16) lit->v.e));
			break;
		case EF_DURATION:
			if (lit->type == TQL_TYPE_INT || lit->type == TQL_TYPE_DURATION)
				add_push(plan, EC_DURATION, cop, Int64GetDatum(lit->v.i));
			break;
		case EF_TRACE_ID:
			if (cop == COL_OP_EQ && lit->type == TQL_TYPE_STRING)
			{
				uint8	   *id = palloc(TRACE_ID_LEN);

				if (hex_literal(lit->v.s, 32, id))
					add_push(plan, EC_TRACE_ID, cop, PointerGetDatum(id));
			}
			break;
		case EF_SPAN_ID:
			if (cop == COL_OP_EQ && lit->type == TQL_TYPE_STRING)
			{
				uint8		id[SPAN_ID_LEN];

				if (hex_literal(lit->v.s, 16, id))
					add_push(plan, EC_SPAN_ID, cop, SpanIdGetDatum(SpanIdFromBytes(id)));
			}
			break;
		default:
			break;
	}
}

/* ---------------------------------------------------------------------
 * Trace mode: candidate atoms
 * ---------------------------------------------------------------------
 */

/* The span-level part of a filter: conjuncts without trace-level fields */
static TqlExpr *
span_level_part(ExecPlan *plan, TqlExpr *e)
{
	TqlExpr   **c;
	int			n = 0,
				cap = 8;
	TqlExpr    *r = NULL;
	int			i;

	c = palloc(sizeof(TqlExpr *) * cap);
	ExecSplitConjuncts(e, &c, &n, &cap);
	for (i = 0; i < n; i++)
	{
		if (ExecExprIsTraceLevel(plan, c[i]))
			continue;
		if (r == NULL)
			r = c[i];
		else
		{
			TqlExpr    *and = TqlMakeExpr(TQL_EXPR_BINARY, c[i]->location);

			and->op = TQL_OP_AND;
			and->type = TQL_TYPE_BOOL;
			and->left = r;
			and->right = c[i];
			r = and;
		}
	}
	return r;
}

static int
add_atom(ExecPlan *plan, TqlExpr *cond)
{
	int			i;

	for (i = 0; i < plan->natoms; i++)
		if (plan->atoms[i] == cond)
			return i;
	if (plan->natoms >= EXEC_MAX_ATOMS)
		return -1;
	plan->atoms[plan->natoms] = cond;
	return plan->natoms++;
}

/*
 * The trace-level formula: which atoms (span conditions) a trace must have
 * a span for.  Encoded as a tiny tree evaluated per trace after pass 1.
 */
typedef struct Formula
{
	char		kind;			/* 't' true, 'a' atom, '&', '|' */
	int			atom;
	struct Formula *l,
			   *r;
} Formula;

static Formula *
fmake(char kind, int atom, Formula *l, Formula *r)
{
	Formula    *f = palloc(sizeof(Formula));

	f->kind = kind;
	f->atom = atom;
	f->l = l;
	f->r = r;
	return f;
}

static Formula *formula_of_pipeline(ExecPlan *plan, TqlNode *pipe);

static Formula *
formula_of_node(ExecPlan *plan, TqlNode *node)
{
	check_stack_depth();
	switch (node->kind)
	{
		case TQL_NODE_FILTER:
			{
				TqlExpr    *cond = span_level_part(plan, node->expr);
				int			a;

				if (cond == NULL)
					return fmake('t', 0, NULL, NULL);
				if (cond->kind == TQL_EXPR_STATIC && cond->value.type == TQL_TYPE_BOOL &&
					!cond->value.v.b)
					return fmake('f', 0, NULL, NULL);
				a = add_atom(plan, cond);
				if (a < 0)
					return fmake('t', 0, NULL, NULL);
				return fmake('a', a, NULL, NULL);
			}
		case TQL_NODE_SPANSET_OP:
			{
				Formula    *l = formula_of_node(plan, node->left);
				Formula    *r = formula_of_node(plan, node->right);

				switch (node->ssop)
				{
					case TQL_SS_OR:
						return fmake('|', 0, l, r);
					case TQL_SS_NOT_CHILD:
					case TQL_SS_NOT_PARENT:
					case TQL_SS_NOT_DESCENDANT:
					case TQL_SS_NOT_ANCESTOR:
					case TQL_SS_NOT_SIBLING:
						return r;
					default:
						return fmake('&', 0, l, r);
				}
			}
		case TQL_NODE_PIPELINE:
			return formula_of_pipeline(plan, node);
		default:
			return fmake('t', 0, NULL, NULL);
	}
}

static Formula *
formula_of_pipeline(ExecPlan *plan, TqlNode *pipe)
{
	Formula    *f = NULL;
	int			i;

	/* consecutive filters at the start all have to hold */
	for (i = 0; i < pipe->nitems; i++)
	{
		TqlNode    *st = pipe->stages[i];
		Formula    *g;

		if (st->kind == TQL_NODE_SELECT)
			continue;
		if (st->kind != TQL_NODE_FILTER && st->kind != TQL_NODE_SPANSET_OP &&
			st->kind != TQL_NODE_PIPELINE)
			break;
		g = formula_of_node(plan, st);
		f = f ? fmake('&', 0, f, g) : g;
		if (st->kind != TQL_NODE_FILTER)
			break;
	}
	return f ? f : fmake('t', 0, NULL, NULL);
}

static bool
formula_eval(const Formula *f, uint32 atoms)
{
	switch (f->kind)
	{
		case 't':
			return true;
		case 'f':
			return false;
		case 'a':
			return (atoms & ((uint32) 1 << f->atom)) != 0;
		case '&':
			return formula_eval(f->l, atoms) && formula_eval(f->r, atoms);
		default:
			return formula_eval(f->l, atoms) || formula_eval(f->r, atoms);
	}
}

/*
 * "{ f1 } | { f2 } | count() op N [| select(...)]" with span-level filters:
 * pass 1 can count each trace's matching spans, which decides the trace.
 */
static void
plan_count_mode(ExecPlan *plan, TqlNode *pipe)
{
	TqlExpr    *cond = NULL;
	TqlNode    *sf = NULL;
	int			i;

	for (i = 0; i < pipe->nitems; i++)
	{
		TqlNode    *st = pipe->stages[i];

		if (st->kind == TQL_NODE_SELECT)
			continue;
		if (sf != NULL)
			return;				/* something after the count */
		if (st->kind == TQL_NODE_FILTER)
		{
			if (ExecExprIsTraceLevel(plan, st->expr))
				return;
			if (cond == NULL)
				cond = st->expr;
			else
			{
				TqlExpr    *and = TqlMakeExpr(TQL_EXPR_BINARY, st->location);

				and->op = TQL_OP_AND;
				and->type = TQL_TYPE_BOOL;
				and->left = cond;
				and->right = st->expr;
				cond = and;
			}
		}
		else if (st->kind == TQL_NODE_SCALAR_FILTER &&
				 st->left->kind == TQL_NODE_AGGREGATE && st->left->agg == TQL_AGG_COUNT &&
				 st->right->kind == TQL_NODE_SCALAR_STATIC)
			sf = st;
		else
			return;
	}
	if (sf == NULL)
		return;
	plan->count_mode = true;
	plan->count_op = sf->op;
	plan->count_limit = sf->right->expr->value.type == TQL_TYPE_FLOAT ?
		sf->right->expr->value.v.f : (double) sf->right->expr->value.v.i;
	plan->need_pass1 = true;
	plan->natoms = 0;
	plan->npush = 0;
	if (cond != NULL && !(cond->kind == TQL_EXPR_STATIC &&
						  cond->value.type == TQL_TYPE_BOOL && cond->value.v.b))
		plan->atoms[plan->natoms++] = cond;
}

/* ---------------------------------------------------------------------
 * Same-event and same-link conditions
 *
 * Tempo 2.9 fetches the events of a span with the conditions of a filter
 * that is a conjunction, and keeps an event only when it meets all of them:
 * "{ event.a = 1 && event.b = 2 }" needs one event with both, not one
 * event with a = 1 and another with b = 2 (likewise for links).  Such
 * conditions (comparisons of an event field with a literal, existence
 * tests) form a group per filter and scope, evaluated as one boolean
 * field (EF_ELEM_GROUP, tql_exec_eval.c) from the events column.  A single
 * condition keeps the "any event" meaning, which is the same thing.
 * ---------------------------------------------------------------------
 */

/* The event (or link) field a group condition reads, or NULL */
static TqlExpr *
elem_cond_field(TqlExpr *c, bool links)
{
	TqlExpr    *f = NULL;
	ExecField	ef;

	if (c->kind == TQL_EXPR_EXISTS)
		f = c->left;
	else if (c->kind == TQL_EXPR_BINARY &&
			 (c->op == TQL_OP_EQ || c->op == TQL_OP_NEQ || c->op == TQL_OP_LT ||
			  c->op == TQL_OP_LTE || c->op == TQL_OP_GT || c->op == TQL_OP_GTE ||
			  c->op == TQL_OP_RE || c->op == TQL_OP_NRE))
	{
		if (c->left->kind == TQL_EXPR_STATIC)
			f = c->right;
		else if (c->right->kind == TQL_EXPR_STATIC)
			f = c->left;
	}
	if (f == NULL || (f->kind != TQL_EXPR_ATTRIBUTE && f->kind != TQL_EXPR_INTRINSIC))
		return NULL;
	field_of_expr(f, &ef);
	if (links ? (ef.kind == EF_LINK_TRACE_ID || ef.kind == EF_LINK_SPAN_ID ||
				 ef.kind == EF_LINK_ATTR) :
		(ef.kind == EF_EVENT_NAME || ef.kind == EF_EVENT_TSS ||
		 ef.kind == EF_EVENT_ATTR))
		return f;
	return NULL;
}

static void
plan_elem_groups_of(ExecPlan *plan, TqlExpr *root)
{
	TqlExpr   **c;
	int			n = 0,
				cap = 8,
				i,
				l;
	int			first = plan->ngroups;

	if (root == NULL || root->kind != TQL_EXPR_BINARY || root->op != TQL_OP_AND)
		return;
	c = palloc(sizeof(TqlExpr *) * cap);
	ExecSplitConjuncts(root, &c, &n, &cap);
	for (l = 0; l < 2; l++)
	{
		ExecElemGroup *g;
		ExecField	gf;
		int			m = 0;

		for (i = 0; i < n; i++)
			if (elem_cond_field(c[i], l == 1) != NULL)
				m++;
		if (m < 2)
			continue;
		if (plan->ngroups == 0)
			plan->groups = palloc(sizeof(ExecElemGroup) * 4);
		else if ((plan->ngroups & 3) == 0)
			plan->groups = repalloc(plan->groups,
									sizeof(ExecElemGroup) * (plan->ngroups + 4));
		g = &plan->groups[plan->ngroups];
		memset(g, 0, sizeof(*g));
		g->links = (l == 1);
		g->root = root;
		g->conds = palloc(sizeof(TqlExpr *) * m);
		g->cfields = palloc(sizeof(ExecField) * m);
		for (i = 0; i < n; i++)
		{
			TqlExpr    *f = elem_cond_field(c[i], g->links);

			if (f == NULL)
				continue;
			g->conds[g->nconds] = c[i];
			field_of_expr(f, &g->cfields[g->nconds]);
			g->nconds++;
		}
		memset(&gf, 0, sizeof(gf));
		gf.kind = EF_ELEM_GROUP;
		gf.col = -1;
		gf.span_key = gf.res_key = -1;
		gf.key = psprintf("%s group %d", g->links ? "link" : "event", plan->ngroups);
		gf.group = plan->ngroups;
		g->synth = TqlMakeExpr(TQL_EXPR_ATTRIBUTE, -1);
		g->synth->scope = g->links ? TQL_SCOPE_LINK : TQL_SCOPE_EVENT;
		g->synth->name = gf.key;
		g->synth->type = TQL_TYPE_BOOL;
		g->field = add_field(plan, &gf, g->synth);
		map_expr(plan, g->synth, g->field);
		plan->ngroups++;
	}
	if (plan->ngroups == first)
		return;

	/* the root's conjuncts outside its groups, then the groups */
	for (i = first; i < plan->ngroups; i++)
	{
		ExecElemGroup *g = &plan->groups[i];
		int			k,
					j;

		g->rconds = palloc(sizeof(TqlExpr *) * (n + 2));
		for (k = 0; k < n; k++)
		{
			bool		grouped = false;

			for (j = first; j < plan->ngroups && !grouped; j++)
				grouped = elem_cond_field(c[k], plan->groups[j].links) != NULL;
			if (!grouped)
				g->rconds[g->nrconds++] = c[k];
		}
		for (j = first; j < plan->ngroups; j++)
			g->rconds[g->nrconds++] = plan->groups[j].synth;
	}
}

static void
plan_elem_groups(ExecPlan *plan, TqlNode *node)
{
	int			i;

	check_stack_depth();
	if (node == NULL)
		return;
	if (node->kind == TQL_NODE_FILTER)
		plan_elem_groups_of(plan, node->expr);
	plan_elem_groups(plan, node->left);
	plan_elem_groups(plan, node->right);
	if (node->kind == TQL_NODE_PIPELINE)
		for (i = 0; i < node->nitems; i++)
			plan_elem_groups(plan, node->stages[i]);
}

/* The group whose filter expression is e, or NULL */
const ExecElemGroup *
ExecGroupOfRoot(ExecPlan *plan, const TqlExpr *e)
{
	int			i;

	for (i = 0; i < plan->ngroups; i++)
		if (plan->groups[i].root == e)
			return &plan->groups[i];
	return NULL;
}

/* ---------------------------------------------------------------------
 * Plan
 * ---------------------------------------------------------------------
 */

static void
parse_tenants(ExecPlan *plan)
{
	char	   *s = tempo_tenant ? pstrdup(tempo_tenant) : NULL;
	char	   *p;
	int			cap = 4;

	if (s == NULL || *s == '\0')
		return;
	plan->tenants = palloc(sizeof(char *) * cap);
	for (p = s;;)
	{
		char	   *bar = strchr(p, '|');

		if (bar)
			*bar = '\0';
		if (*p != '\0')
		{
			if (plan->ntenants == cap)
			{
				cap *= 2;
				plan->tenants = repalloc(plan->tenants, sizeof(char *) * cap);
			}
			plan->tenants[plan->ntenants++] = p;
		}
		if (!bar)
			break;
		p = bar + 1;
	}
	if (plan->ntenants == 0)
		plan->no_tenant = true; /* "|" alone: no tenant at all */
}

/*
 * Apply row-level security of tempo.spans: a role bound to tenants sees
 * only those (tempo_tenancy.c), so tempo.tenant is intersected with them;
 * naming a tenant the role is not bound to shows nothing, as the policy
 * does in SQL.  Other policies are refused there.
 */
static void
apply_tenancy(ExecPlan *plan, Oid spans)
{
	List	   *bound;
	ListCell   *lc;
	int			i,
				n = 0;

	plan->tenancy_done = true;
	if (!TempoSpansTenancy(spans, "TraceQL functions", &bound))
		return;
	if (plan->ntenants == 0 && !plan->no_tenant)
	{
		plan->tenants = palloc(sizeof(char *) * Max(list_length(bound), 1));
		foreach(lc, bound)
			plan->tenants[n++] = lfirst(lc);
	}
	else
	{
		for (i = 0; i < plan->ntenants; i++)
		{
			bool		ok = false;

			foreach(lc, bound)
				if (strcmp(lfirst(lc), plan->tenants[i]) == 0)
					ok = true;
			if (ok)
				plan->tenants[n++] = plan->tenants[i];
		}
	}
	plan->ntenants = n;
	if (n == 0)
		plan->no_tenant = true;
}

ExecPlan *
ExecMakePlan(const TqlQuery *query, const TqlRunOptions *opts, int nextra,
			 TqlExpr **extra, bool force_traces)
{
	ExecPlan   *plan = palloc0(sizeof(ExecPlan));
	int			i;

	if (!query->analyzed)
		elog(ERROR, "TraceQL query was not analyzed");
	plan->query = query;
	plan->opts = opts;
	plan->cxt = CurrentMemoryContext;
	plan->f_name = plan->f_service = plan->f_status = -1;

	collect_node(plan, query->pipeline);
	plan_elem_groups(plan, query->pipeline);
	for (i = 0; i < opts->nexprs; i++)
		collect_expr(plan, opts->exprs[i]);
	for (i = 0; i < nextra; i++)
		collect_expr(plan, extra[i]);

	plan->trace_mode = force_traces || TqlQueryNeedsFullTraces(query);
	for (i = 0; i < plan->nfields; i++)
		if (plan->fields[i].trace_level)
			plan->trace_mode = true;

	parse_tenants(plan);

	if (!plan->trace_mode)
	{
		TqlNode    *pipe = query->pipeline;
		int			cap = 8;

		plan->span_conds = palloc(sizeof(TqlExpr *) * cap);
		for (i = 0; i < pipe->nitems; i++)
		{
			const ExecElemGroup *g;

			if (pipe->stages[i]->kind != TQL_NODE_FILTER)
				continue;
			g = ExecGroupOfRoot(plan, pipe->stages[i]->expr);
			if (g != NULL)
			{
				/* the filter's conjuncts with its groups in place */
				int			k;

				for (k = 0; k < g->nrconds; k++)
					ExecSplitConjuncts(g->rconds[k], &plan->span_conds,
									   &plan->nspan_conds, &cap);
			}
			else
				ExecSplitConjuncts(pipe->stages[i]->expr, &plan->span_conds,
								   &plan->nspan_conds, &cap);
		}
		sort_conjuncts(plan, plan->span_conds, plan->nspan_conds);
		for (i = 0; i < plan->nspan_conds; i++)
			pushdown_conjunct(plan, plan->span_conds[i]);
	}
	else
	{
		Formula    *f;

		/* root name and service, and search's fields, need these */
		plan->f_name = intrinsic_field(plan, TQL_INTR_NAME);
		{
			TqlExpr    *svc = TqlMakeExpr(TQL_EXPR_ATTRIBUTE, -1);
			ExecField	sf;

			svc->scope = TQL_SCOPE_RESOURCE;
			svc->name = "service.name";
			svc->type = TQL_TYPE_ATTRIBUTE;
			field_of_expr(svc, &sf);
			plan->f_service = add_field(plan, &sf, svc);
			map_expr(plan, svc, plan->f_service);
		}
		plan->f_status = intrinsic_field(plan, TQL_INTR_STATUS);

		f = formula_of_pipeline(plan, query->pipeline);
		plan->formula = f;
		/* pass 1 pays when a trace without any atom cannot match */
		plan->need_pass1 = plan->natoms > 0 && !formula_eval(f, 0);
		plan_count_mode(plan, query->pipeline);
		if (plan->need_pass1 && plan->natoms == 1)
		{
			TqlExpr   **c;
			int			n = 0,
						cap = 8;

			c = palloc(sizeof(TqlExpr *) * cap);
			ExecSplitConjuncts(plan->atoms[0], &c, &n, &cap);
			for (i = 0; i < n; i++)
				pushdown_conjunct(plan, c[i]);
		}
	}
	return plan;
}

/* Does a trace with these atoms satisfy the plan's formula? */
bool
ExecTraceIsCandidate(ExecPlan *plan, uint32 atoms)
{
	return plan->formula == NULL || formula_eval(plan->formula, atoms);
}

/* ---------------------------------------------------------------------
 * Partitions and the scan
 * ---------------------------------------------------------------------
 */

static Oid
spans_relid(void)
{
	/* the extension is not relocatable: its schema is always "tempo" */
	Oid			nsp = get_namespace_oid("tempo", false);
	Oid			relid = get_relname_relid("spans", nsp);

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("table \"spans\" of extension \"tempo\" does not exist")));
	return relid;
}

static int64
bound_us(PartitionBoundInfo bi, int i, bool upper)
{
	if (i < 0 || i >= bi->ndatums)
		return upper ? PG_INT64_MAX : PG_INT64_MIN;
	if (bi->kind[i][0] == PARTITION_RANGE_DATUM_MINVALUE)
		return PG_INT64_MIN;
	if (bi->kind[i][0] == PARTITION_RANGE_DATUM_MAXVALUE)
		return PG_INT64_MAX;
	return DatumGetTimestampTz(bi->datums[i][0]);
}

static int64
ns_to_pg_us(int64 ns, bool up)
{
	int64		us = ns / 1000;

	if (ns == PG_INT64_MIN)
		return PG_INT64_MIN;
	if (ns == PG_INT64_MAX)
		return PG_INT64_MAX;
	us += up ? 1 : -1;			/* rounding slack */
	return us - UNIX_TO_PG_USECS;
}

typedef struct PartRef
{
	Oid			relid;
	int64		lo_us;
} PartRef;

static int
partref_cmp(const void *a, const void *b)
{
	const PartRef *x = a,
			   *y = b;

	return (x->lo_us > y->lo_us) - (x->lo_us < y->lo_us);
}

/* Partitions that may hold spans in [start_ns, end_ns], by start */
static PartRef *
list_partitions(int64 start_ns, int64 end_ns, int *n)
{
	Oid			parent = spans_relid();
	Relation	prel;
	PartitionDesc pd;
	PartitionBoundInfo bi;
	PartRef    *parts;
	int64		lo = ns_to_pg_us(start_ns, false);
	int64		hi = ns_to_pg_us(end_ns, true);
	int			i;
	AclResult	acl;

	acl = pg_class_aclcheck(parent, GetUserId(), ACL_SELECT);
	if (acl != ACLCHECK_OK)
		aclcheck_error(acl, OBJECT_TABLE, get_rel_name(parent));

	prel = table_open(parent, AccessShareLock);
	pd = RelationGetPartitionDesc(prel, true);
	bi = pd->boundinfo;
	parts = palloc(sizeof(PartRef) * Max(pd->nparts, 1));
	*n = 0;
	if (bi != NULL && pd->nparts > 0)
	{
		if (bi->strategy == PARTITION_STRATEGY_RANGE)
		{
			for (i = 0; i <= bi->ndatums; i++)
			{
				int			p = bi->indexes[i];
				int64		plo = bound_us(bi, i - 1, false);
				int64		phi = bound_us(bi, i, true);

				if (p < 0 || p >= pd->nparts)
					continue;
				if (phi <= lo || plo > hi)
					continue;
				parts[*n].relid = pd->oids[p];
				parts[*n].lo_us = plo;
				(*n)++;
			}
			if (bi->default_index >= 0)
			{
				parts[*n].relid = pd->oids[bi->default_index];
				parts[*n].lo_us = PG_INT64_MIN;
				(*n)++;
			}
		}
		else
		{
			for (i = 0; i < pd->nparts; i++)
			{
				parts[*n].relid = pd->oids[i];
				parts[*n].lo_us = 0;
				(*n)++;
			}
		}
	}
	table_close(prel, NoLock);
	qsort(parts, *n, sizeof(PartRef), partref_cmp);
	return parts;
}

/* ---------------------------------------------------------------------
 * Trace identity across tenants
 *
 * A trace is (tenant, trace id): the same trace id in two tenants is two
 * traces.  Runs that assemble traces therefore run once per tenant when the
 * session may see several (ExecRunTraces); a run for one tenant also gets
 * the tenant as a reader predicate.
 * ---------------------------------------------------------------------
 */

typedef struct TenantList
{
	List	   *names;
} TenantList;

static void
tenant_list_add(TenantList *tl, const char *s)
{
	ListCell   *lc;
	MemoryContext old;

	foreach(lc, tl->names)
		if (strcmp(lfirst(lc), s) == 0)
			return;
	old = MemoryContextSwitchTo(GetMemoryChunkContext(tl));
	tl->names = lappend(tl->names, pstrdup(s));
	MemoryContextSwitchTo(old);
}

static bool
collect_tenants(void *arg, ExecSource *src, const int64 *start, int n,
				const int *rows)
{
	TenantList *tl = arg;
	ColVector  *tv = src->batch->cols[src->attnos[EC_TENANT] - 1];
	int			i;

	if (tv->codes != NULL)
	{
		/* the chunk group's dictionary; a tenant without rows in the
		 * range only costs an empty run */
		for (i = 0; i < tv->ndict; i++)
			tenant_list_add(tl, TextDatumGetCString(tv->dict[i]));
		return true;
	}
	for (i = 0; i < n; i++)
	{
		int			r = rows ? rows[i] : i;

		if (!tv->isnull[r])
			tenant_list_add(tl, TextDatumGetCString(tv->values[r]));
	}
	return true;
}

/*
 * ExecPlanTenants
 *		The tenants to run a trace-assembling plan for, one run each; NIL
 *		when one run is enough (a single tenant, or none at all).
 */
List *
ExecPlanTenants(ExecPlan *plan)
{
	TenantList *tl;
	int			i;

	if (!plan->tenancy_done)
		apply_tenancy(plan, spans_relid());
	if (plan->no_tenant || plan->ntenants == 1)
		return NIL;
	tl = palloc0(sizeof(TenantList));
	if (plan->ntenants > 1)
	{
		for (i = 0; i < plan->ntenants; i++)
			tenant_list_add(tl, plan->tenants[i]);
	}
	else
		ExecScanSpans(plan, bms_make_singleton(EC_TENANT + 1), NULL, NULL, 0,
					  NULL, collect_tenants, tl);
	return list_length(tl->names) > 1 ? tl->names : NIL;
}

/* A copy of plan restricted to one tenant, with its own options */
ExecPlan *
ExecPlanForTenant(const ExecPlan *plan, const char *tenant,
				  const TqlRunOptions *opts)
{
	ExecPlan   *p = palloc(sizeof(ExecPlan));

	*p = *plan;
	p->opts = opts;
	p->tenants = palloc(sizeof(char *));
	p->tenants[0] = pstrdup(tenant);
	p->ntenants = 1;
	p->no_tenant = false;
	p->tenancy_done = true;
	return p;
}

/* Batches from a heap (non-columnar) partition, same shape as the reader's */
typedef struct HeapBatchScan
{
	TableScanDesc scan;
	TupleTableSlot *slot;
	Bitmapset  *attrs;
	int			natts;
	ColBatch	batch;
	MemoryContext cxt;
	AttrNumber *keyatts;
	char	  **keynames;
	int			nkeys;
	bool		done;
} HeapBatchScan;

static bool
heap_next_batch(HeapBatchScan *hs, ColBatch **out)
{
	int			n = 0;
	int			a;
	MemoryContext old;

	if (hs->done)
		return false;
	MemoryContextReset(hs->cxt);
	old = MemoryContextSwitchTo(hs->cxt);
	for (a = 0; a < hs->natts; a++)
	{
		hs->batch.cols[a] = NULL;
		if (bms_is_member(a + 1, hs->attrs))
		{
			ColVector  *v = palloc0(sizeof(ColVector));

			v->values = palloc(sizeof(Datum) * COL_CHUNK_ROWS);
			v->isnull = palloc(sizeof(bool) * COL_CHUNK_ROWS);
			hs->batch.cols[a] = v;
		}
	}
	while (n < COL_CHUNK_ROWS)
	{
		CHECK_FOR_INTERRUPTS();
		if (!table_scan_getnextslot(hs->scan, ForwardScanDirection, hs->slot))
		{
			hs->done = true;
			break;
		}
		slot_getallattrs(hs->slot);
		for (a = 0; a < hs->natts; a++)
		{
			ColVector  *v = hs->batch.cols[a];
			Form_pg_attribute att = TupleDescAttr(hs->slot->tts_tupleDescriptor, a);

			if (v == NULL)
				continue;
			v->isnull[n] = hs->slot->tts_isnull[a];
			if (v->isnull[n])
			{
				v->hasnulls = true;
				v->values[n] = (Datum) 0;
			}
			else
				v->values[n] = datumCopy(hs->slot->tts_values[a], att->attbyval,
										 att->attlen);
		}
		n++;
	}
	hs->batch.nrows = n;
	hs->batch.first_rownum = 0;
	hs->batch.rownums = NULL;
	hs->batch.nkeys = hs->nkeys;
	for (a = 0; a < hs->nkeys; a++)
	{
		ColKeyVector *kv;

		hs->batch.keys[a] = NULL;
		if (hs->batch.cols[hs->keyatts[a] - 1] == NULL)
			continue;			/* key not requested */
		kv = palloc0(sizeof(ColKeyVector));
		kv->attno = hs->keyatts[a];
		kv->key = hs->keynames[a];
		ColJsonbKeyFromValues(hs->batch.cols[hs->keyatts[a] - 1], n, kv->key, kv);
		hs->batch.keys[a] = kv;
	}
	MemoryContextSwitchTo(old);
	*out = &hs->batch;
	return n > 0;
}

/* A heap partition's batch, offered to the group filter after reading */
static bool
heap_batch_offer(const TqlRunOptions *opts, Oid relid, ColBatch *b, int n)
{
	ColGroupInfo info;

	memset(&info, 0, sizeof(info));
	info.relid = relid;
	info.group = n;
	info.nrows = b->nrows;
	info.first_rownum = b->first_rownum;
	info.buffered = true;
	return opts->group_filter(opts->group_filter_arg, &info);
}

/* What exec_summary_filter needs */
typedef struct ExecSummaryCtx
{
	const TqlRunOptions *opts;
	int64		lo;
	int64		hi;
	bool		lo_excl;
} ExecSummaryCtx;

/* x mod m in [0, m) */
static inline int64
mod_floor(int64 x, int64 m)
{
	int64		r = x % m;

	return r < 0 ? r + m : r;
}

/*
 * The reader's summary filter (ColReadSetSummary): a group's cells must
 * lie inside the time range or outside it, then the consumer decides.
 */
static bool
exec_summary_filter(void *arg, const ColGroupInfo *info, int64 width,
					int64 tmin, int64 tmax)
{
	ExecSummaryCtx *c = arg;
	bool		inside = (c->lo_excl ? tmin > c->lo : tmin >= c->lo) && tmax <= c->hi;

	if (!inside &&
		(width <= 0 || !c->lo_excl || c->hi == PG_INT64_MAX ||
		 mod_floor(c->lo, width) != 0 || mod_floor(c->hi, width) != 0))
		return false;
	return c->opts->summary_ok(c->opts->summary_arg, width, tmin, tmax);
}

/*
 * ExecScan
 *		Read the spans of the plan's time range and tenants, the columns in
 *		cols (a set of ExecCol + 1) and the plan's attribute keys k with
 *		keys[k] (keys NULL: none), the plan's
 *		attribute keys; call fn for every batch with the rows that lie in
 *		the range and belong to the tenants.  fn returns false to stop.
 */
void
ExecScanSpans(ExecPlan *plan, Bitmapset *cols, const bool *keys,
		 const ExecPushdown *push, int npush, const uint8 *trace_id,
		 bool (*fn) (void *arg, ExecSource *src, const int64 *start,
					 int nrows, const int *rows),
		 void *arg)
{
	const TqlRunOptions *opts = plan->opts;
	PartRef    *parts;
	int			nparts;
	int			pi;
	MemoryContext batchcxt;
	bool		stop = false;
	int64		lo = opts->start_ns;
	int64		hi = opts->end_ns;
	bool		lo_excl = opts->start_exclusive;
	ExecSummaryCtx summary;

	if (!plan->tenancy_done)
		apply_tenancy(plan, spans_relid());
	if (hi < lo)
		return;
	parts = list_partitions(lo, hi, &nparts);	/* checks privileges */
	if (plan->no_tenant)
		return;
	batchcxt = AllocSetContextCreate(CurrentMemoryContext, "TraceQL batch",
									 ALLOCSET_DEFAULT_SIZES);
	cols = bms_add_member(bms_copy(cols), EC_START_NS + 1);
	if (plan->ntenants > 0)
		cols = bms_add_member(cols, EC_TENANT + 1);

	for (pi = 0; pi < nparts && !stop; pi++)
	{
		Relation	rel = table_open(parts[pi].relid, AccessShareLock);
		TupleDesc	td = RelationGetDescr(rel);
		AttrNumber	attnos[EC_NCOLS];
		Bitmapset  *attrs = NULL;
		ColPredicate preds[EXEC_MAX_PUSHDOWN + 4];
		int			npreds = 0;
		int		   *keymap = NULL;
		int			c,
					k;
		ColReadState *rs = NULL;
		HeapBatchScan hs;
		bool		columnar = ColIsColumnar(rel);
		int			nheap = 0;
		int			ncols_td = td->natts;

		for (c = 0; c < EC_NCOLS; c++)
		{
			attnos[c] = get_attnum(parts[pi].relid, ExecColNames[c]);
			if (attnos[c] == InvalidAttrNumber && bms_is_member(c + 1, cols))
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_COLUMN),
						 errmsg("partition \"%s\" of tempo.spans has no column \"%s\"",
								RelationGetRelationName(rel), ExecColNames[c])));
			if (bms_is_member(c + 1, cols))
				attrs = bms_add_member(attrs, attnos[c]);
		}

		/* predicates: time range, tenant, pushed conditions, trace id */
		if (lo != PG_INT64_MIN)
		{
			preds[npreds].attno = attnos[EC_START_NS];
			preds[npreds].op = lo_excl ? COL_OP_GT : COL_OP_GE;
			preds[npreds].value = Int64GetDatum(lo);
			preds[npreds].collation = InvalidOid;
			npreds++;
		}
		if (hi != PG_INT64_MAX)
		{
			preds[npreds].attno = attnos[EC_START_NS];
			preds[npreds].op = COL_OP_LE;
			preds[npreds].value = Int64GetDatum(hi);
			preds[npreds].collation = InvalidOid;
			npreds++;
		}
		if (plan->ntenants == 1)
		{
			preds[npreds].attno = attnos[EC_TENANT];
			preds[npreds].op = COL_OP_EQ;
			preds[npreds].value = CStringGetTextDatum(plan->tenants[0]);
			preds[npreds].collation = TupleDescAttr(td, attnos[EC_TENANT] - 1)->attcollation;
			npreds++;
		}
		for (k = 0; k < npush && npreds < EXEC_MAX_PUSHDOWN + 3; k++)
		{
			AttrNumber	att = attnos[push[k].col];

			if (att == InvalidAttrNumber)
				continue;
			preds[npreds].attno = att;
			preds[npreds].op = push[k].op;
			preds[npreds].value = push[k].value;
			preds[npreds].collation = TupleDescAttr(td, att - 1)->attcollation;
			npreds++;
		}
		if (trace_id != NULL)
		{
			preds[npreds].attno = attnos[EC_TRACE_ID];
			preds[npreds].op = COL_OP_EQ;
			preds[npreds].value = PointerGetDatum(trace_id);
			preds[npreds].collation = InvalidOid;
			npreds++;
		}

		if (keys != NULL && plan->nkeys > 0)
			keymap = palloc(sizeof(int) * plan->nkeys);
		if (columnar)
		{
			int			nread = 0;

			rs = ColBeginRead(rel, GetActiveSnapshot(), attrs, preds, npreds, NULL);
			if (opts->group_filter != NULL && !plan->trace_mode)
				ColReadSetGroupFilter(rs, opts->group_filter,
									  opts->group_filter_arg);
			if (opts->summary_ok != NULL && !plan->trace_mode && trace_id == NULL &&
				opts->skip_ids && opts->skip_duration && !opts->want_attributes &&
				opts->trace_sample >= 1.0 && opts->max_traces == 0)
			{
				summary.opts = opts;
				summary.lo = lo;
				summary.hi = hi;
				summary.lo_excl = lo_excl;
				ColReadSetSummary(rs, attnos[EC_START_NS], exec_summary_filter,
								  &summary);
			}
			if (keymap)
				for (k = 0; k < plan->nkeys; k++)
				{
					keymap[k] = -1;
					if (!keys[k])
						continue;
					ColReadAddKey(rs, attnos[plan->key_cols[k]], plan->key_names[k]);
					keymap[k] = nread++;
				}
		}
		else
		{
			memset(&hs, 0, sizeof(hs));
			hs.scan = table_beginscan(rel, GetActiveSnapshot(), 0, NULL);
			hs.slot = table_slot_create(rel, NULL);
			/* keys come from the whole jsonb values here */
			if (keymap)
				for (k = 0; k < plan->nkeys; k++)
					if (keys[k])
						attrs = bms_add_member(attrs, attnos[plan->key_cols[k]]);
			hs.attrs = attrs;
			hs.natts = ncols_td;
			hs.cxt = AllocSetContextCreate(CurrentMemoryContext, "TraceQL heap batch",
										   ALLOCSET_DEFAULT_SIZES);
			hs.batch.natts = ncols_td;
			hs.batch.cols = palloc0(sizeof(ColVector *) * Max(ncols_td, 1));
			if (keymap)
			{
				hs.nkeys = plan->nkeys;
				hs.keyatts = palloc(sizeof(AttrNumber) * plan->nkeys);
				hs.keynames = plan->key_names;
				hs.batch.keys = palloc0(sizeof(ColKeyVector *) * plan->nkeys);
				for (k = 0; k < plan->nkeys; k++)
				{
					hs.keyatts[k] = attnos[plan->key_cols[k]];
					keymap[k] = keys[k] ? k : -1;
				}
			}
		}

		for (;;)
		{
			ColBatch   *b;
			ExecSource	src;
			MemoryContext old;
			int			n,
						i,
						m = 0;
			int		   *rows;
			ColVector  *sv;
			const int64 *start;

			if (columnar ? !ColReadNext(rs, &b) : !heap_next_batch(&hs, &b))
				break;
			CHECK_FOR_INTERRUPTS();
			if (!columnar && opts->group_filter != NULL && !plan->trace_mode &&
				!heap_batch_offer(opts, parts[pi].relid, b, nheap++))
				continue;
			MemoryContextReset(batchcxt);
			old = MemoryContextSwitchTo(batchcxt);
			n = b->nrows;
			memset(&src, 0, sizeof(src));
			ExecSourceInit(&src, plan, n);
			src.batch = b;
			src.relid = parts[pi].relid;
			src.attnos = attnos;
			src.keymap = keymap;

			sv = b->cols[attnos[EC_START_NS] - 1];
			start = (const int64 *) sv->values;
			rows = palloc(sizeof(int) * Max(n, 1));
			for (i = 0; i < n; i++)
			{
				int64		t = start[i];

				if (!sv->isnull[i] && (lo_excl ? t > lo : t >= lo) && t <= hi)
					rows[m++] = i;
			}
			if (m > 0 && plan->ntenants > 0)
			{
				ColVector  *tv = b->cols[attnos[EC_TENANT] - 1];
				int			j = 0;
				bool	   *dok = NULL;

				if (tv->codes != NULL)
				{
					dok = palloc0(Max(tv->ndict, 1));
					for (i = 0; i < tv->ndict; i++)
					{
						int			t;
						char	   *s = TextDatumGetCString(tv->dict[i]);

						for (t = 0; t < plan->ntenants; t++)
							if (strcmp(s, plan->tenants[t]) == 0)
								dok[i] = true;
					}
				}
				for (i = 0; i < m; i++)
				{
					int			r = rows[i];
					bool		ok = false;

					if (tv->isnull[r])
						ok = false;
					else if (dok != NULL)
						ok = tv->codes[r] >= 0 && dok[tv->codes[r]];
					else
					{
						char	   *s = TextDatumGetCString(tv->values[r]);
						int			t;

						for (t = 0; t < plan->ntenants && !ok; t++)
							ok = strcmp(s, plan->tenants[t]) == 0;
					}
					if (ok)
						rows[j++] = r;
				}
				m = j;
			}
			if (m > 0)
				stop = !fn(arg, &src, start, m, (m == n) ? NULL : rows);
			MemoryContextSwitchTo(old);
			if (stop)
				break;
		}
		if (columnar)
			ColEndRead(rs);
		else
		{
			ExecDropSingleTupleTableSlot(hs.slot);
			table_endscan(hs.scan);
			MemoryContextDelete(hs.cxt);
		}
		table_close(rel, NoLock);
	}
	MemoryContextDelete(batchcxt);
}

/* ---------------------------------------------------------------------
 * Span mode
 * ---------------------------------------------------------------------
 */

typedef struct SpanRun
{
	ExecPlan   *plan;
	TqlSpanSink sink;
	void	   *arg;
	HTAB	   *traces;			/* max_traces: the traces seen */
	int64		ntraces;
	HTAB	   *delivered;		/* max_traces: (trace id, span id) sent */
	bool		stopped;		/* the scan stopped at max_traces */
	bool		lookup;			/* completing the traces by trace id */
	int64		rows_seen;		/* rows of the chunk groups offered */
	int64		rows_sampled;	/* ... and kept by span sampling */
	int64		matched;		/* matched, before trace sampling */
	int64		matched_kept;	/* ... and after */
} SpanRun;

/* Fraction in [0,1) from a hash */
static inline double
hash_fraction(uint32 h)
{
	return (double) h / 4294967296.0;
}

/* Go on scanning?  Not once the trace limit is reached (first pass). */
static bool
span_run_continue(SpanRun *run)
{
	int64		max = run->plan->opts->max_traces;

	if (run->lookup || max <= 0 || run->ntraces < max)
		return true;
	run->stopped = true;
	return false;
}

/*
 * span_sample's group filter: a chunk group is kept when the hash of its
 * identity (partition, stripe, group; first row for buffered rows) falls
 * below the fraction.
 */
static bool
span_sample_filter(void *arg, const ColGroupInfo *g)
{
	SpanRun    *run = arg;
	uint64		pos = g->buffered ? g->first_rownum :
		(g->stripe_num << 16) ^ (uint64) g->group;
	uint32		h;

	h = hash_bytes_uint32((uint32) g->relid) ^
		hash_bytes_uint32((uint32) (pos ^ (pos >> 32)) * 0x9e3779b1U);
	run->rows_seen += g->nrows;
	if (hash_fraction(h) >= run->plan->opts->span_sample)
		return false;
	run->rows_sampled += g->nrows;
	return true;
}

static bool
span_batch(void *arg, ExecSource *src, const int64 *start, int n, const int *rows)
{
	SpanRun    *run = arg;
	ExecPlan   *plan = run->plan;
	const TqlRunOptions *opts = plan->opts;
	ColBatch   *b = src->batch;
	int		   *sel = NULL;
	int			m = n;
	int			c,
				i;
	TqlSpanBatch out;
	ColVector  *tid = NULL;
	bool		need_tid;

	need_tid = !opts->skip_ids || opts->max_traces > 0 || opts->trace_sample < 1.0;
	if (need_tid)
		tid = b->cols[src->attnos[EC_TRACE_ID] - 1];

	/* the conditions, each on the rows the previous ones left */
	if (plan->nspan_conds > 0)
	{
		uint8	   *res = palloc(Max(n, 1));

		sel = palloc(sizeof(int) * Max(n, 1));
		if (rows)
			memcpy(sel, rows, sizeof(int) * n);
		else
			for (i = 0; i < n; i++)
				sel[i] = i;
		for (c = 0; c < plan->nspan_conds && m > 0; c++)
		{
			int			j = 0;

			ExecEvalPred(src, plan->span_conds[c], m,
						 (m == src->nrows) ? NULL : sel, res);
			for (i = 0; i < m; i++)
				if (res[i] == 1)
					sel[j++] = sel[i];
			m = j;
		}
		rows = (m == src->nrows) ? NULL : sel;
	}
	if (m == 0)
		return true;

	/* trace sampling and the trace limit */
	run->matched += m;
	if (opts->trace_sample < 1.0 || opts->max_traces > 0)
	{
		int			j = 0;
		ColVector  *sv = run->delivered ? b->cols[src->attnos[EC_SPAN_ID] - 1] : NULL;

		if (rows == NULL)
		{
			sel = palloc(sizeof(int) * m);
			for (i = 0; i < m; i++)
				sel[i] = i;
		}
		else
			sel = (int *) rows;
		for (i = 0; i < m; i++)
		{
			const uint8 *id = (const uint8 *) DatumGetPointer(tid->values[sel[i]]);

			if (opts->trace_sample < 1.0 &&
				hash_fraction(hash_bytes(id, 16)) >= opts->trace_sample)
				continue;
			if (opts->max_traces > 0)
			{
				bool		found;

				if (run->ntraces >= opts->max_traces)
				{
					(void) hash_search(run->traces, id, HASH_FIND, &found);
					if (!found)
						continue;
				}
				else
				{
					(void) hash_search(run->traces, id, HASH_ENTER, &found);
					if (!found)
						run->ntraces++;
				}
			}
			if (sv != NULL)
			{
				/*
				 * With a trace limit, remember what went out: the traces
				 * are completed later by trace id lookups (TqlRunSpans),
				 * which must not send a span twice.
				 */
				uint8		key[24];
				bool		found;

				memcpy(key, id, 16);
				SpanIdToBytes(DatumGetSpanId(sv->values[sel[i]]), key + 16);
				(void) hash_search(run->delivered, key, HASH_ENTER, &found);
				if (found)
					continue;
			}
			sel[j++] = sel[i];
		}
		m = j;
		rows = (m == src->nrows) ? NULL : sel;
	}
	if (opts->trace_sample < 1.0)
		run->matched_kept += m;
	if (m == 0)
		return span_run_continue(run);

	/* the batch for the sink */
	memset(&out, 0, sizeof(out));
	out.nspans = m;
	if (b->weights != NULL)
	{
		if (rows == NULL)
			out.weights = b->weights;
		else
		{
			int32	   *w = palloc(sizeof(int32) * m);

			for (i = 0; i < m; i++)
				w[i] = b->weights[rows[i]];
			out.weights = w;
		}
	}
	if (rows == NULL)
		out.start_ns = start;
	else
	{
		int64	   *s = palloc(sizeof(int64) * m);

		for (i = 0; i < m; i++)
			s[i] = start[rows[i]];
		out.start_ns = s;
	}
	if (!opts->skip_duration)
	{
		ColVector  *dv = b->cols[src->attnos[EC_DURATION] - 1];

		if (rows == NULL)
			out.duration_ns = (const int64 *) dv->values;
		else
		{
			int64	   *d = palloc(sizeof(int64) * m);

			for (i = 0; i < m; i++)
				d[i] = DatumGetInt64(dv->values[rows[i]]);
			out.duration_ns = d;
		}
	}
	if (!opts->skip_ids)
	{
		ColVector  *sv = b->cols[src->attnos[EC_SPAN_ID] - 1];
		uint8	   *t = palloc(16 * (Size) m);
		uint8	   *s = palloc(8 * (Size) m);

		for (i = 0; i < m; i++)
		{
			int			r = rows ? rows[i] : i;

			memcpy(t + 16 * (Size) i, DatumGetPointer(tid->values[r]), 16);
			SpanIdToBytes(DatumGetSpanId(sv->values[r]), s + 8 * (Size) i);
		}
		out.trace_ids = t;
		out.span_ids = s;
	}
	out.nvalues = opts->nexprs;
	if (opts->nexprs > 0)
	{
		out.values = palloc(sizeof(TqlValueVector *) * opts->nexprs);
		for (c = 0; c < opts->nexprs; c++)
			out.values[c] = &ExecEvalValue(src, opts->exprs[c], m, rows)->v;
	}
	if (opts->want_attributes)
	{
		ColVector  *sa = b->cols[src->attnos[EC_SPAN_ATTRS] - 1];
		ColVector  *ra = b->cols[src->attnos[EC_RESOURCE_ATTRS] - 1];

		out.span_attributes = palloc(sizeof(Jsonb *) * m);
		out.resource_attributes = palloc(sizeof(Jsonb *) * m);
		for (i = 0; i < m; i++)
		{
			int			r = rows ? rows[i] : i;

			out.span_attributes[i] = sa->isnull[r] ? NULL : DatumGetJsonbP(sa->values[r]);
			out.resource_attributes[i] = ra->isnull[r] ? NULL : DatumGetJsonbP(ra->values[r]);
		}
	}
	run->sink(run->arg, &out);
	return span_run_continue(run);
}

/* A key mask that reads every attribute key of the plan */
const bool *
ExecAllKeys(ExecPlan *plan)
{
	bool	   *keys = palloc(Max(plan->nkeys, 1));

	memset(keys, true, Max(plan->nkeys, 1));
	return keys;
}

/* Mark the fields an expression reads */
void
ExecExprFields(ExecPlan *plan, const TqlExpr *e, bool *fieldmask)
{
	check_stack_depth();
	if (e == NULL)
		return;
	if (e->kind == TQL_EXPR_ATTRIBUTE || e->kind == TQL_EXPR_INTRINSIC)
	{
		fieldmask[ExecFieldOf(plan, e)] = true;
		return;
	}
	ExecExprFields(plan, e->left, fieldmask);
	ExecExprFields(plan, e->right, fieldmask);
}

/* The attribute keys the marked fields read */
bool *
ExecFieldKeys(ExecPlan *plan, const bool *fieldmask)
{
	bool	   *keys = palloc0(Max(plan->nkeys, 1));
	int			i;

	for (i = 0; i < plan->nfields; i++)
	{
		if (!fieldmask[i])
			continue;
		if (plan->fields[i].span_key >= 0)
			keys[plan->fields[i].span_key] = true;
		if (plan->fields[i].res_key >= 0)
			keys[plan->fields[i].res_key] = true;
	}
	return keys;
}

/* Columns the field kinds read from a batch (fieldmask NULL: all fields) */
Bitmapset *
ExecFieldColumns(ExecPlan *plan, Bitmapset *cols, const bool *fieldmask)
{
	int			i;

	for (i = 0; i < plan->nfields; i++)
	{
		ExecField  *f = &plan->fields[i];

		if (fieldmask != NULL && !fieldmask[i])
			continue;
		switch (f->kind)
		{
			case EF_TEXT_COL:
				cols = bms_add_member(cols, f->col + 1);
				break;
			case EF_STATUS:
				cols = bms_add_member(cols, EC_STATUS + 1);
				break;
			case EF_KIND:
				cols = bms_add_member(cols, EC_KIND + 1);
				break;
			case EF_DURATION:
				cols = bms_add_member(cols, EC_DURATION + 1);
				break;
			case EF_SPAN_ID:
				cols = bms_add_member(cols, EC_SPAN_ID + 1);
				break;
			case EF_PARENT_ID:
				cols = bms_add_member(cols, EC_PARENT_SPAN_ID + 1);
				break;
			case EF_TRACE_ID:
				cols = bms_add_member(cols, EC_TRACE_ID + 1);
				break;
			case EF_ANY_ATTR:
				if ((int) f->col >= 0)
					cols = bms_add_member(cols, f->col + 1);
				break;
			case EF_EVENT_NAME:
			case EF_EVENT_ATTR:
				cols = bms_add_member(cols, EC_EVENTS + 1);
				break;
			case EF_EVENT_TSS:
				cols = bms_add_member(cols, EC_EVENTS + 1);
				cols = bms_add_member(cols, EC_START_NS + 1);
				break;
			case EF_LINK_TRACE_ID:
			case EF_LINK_SPAN_ID:
			case EF_LINK_ATTR:
				cols = bms_add_member(cols, EC_LINKS + 1);
				break;
			case EF_ELEM_GROUP:
				cols = bms_add_member(cols, plan->groups[f->group].links ?
									  EC_LINKS + 1 : EC_EVENTS + 1);
				cols = bms_add_member(cols, EC_START_NS + 1);
				break;
			default:
				break;
		}
	}
	return cols;
}

/* Is one of the span conditions the constant false? */
static bool
span_conds_false(ExecPlan *plan)
{
	int			i;

	for (i = 0; i < plan->nspan_conds; i++)
	{
		TqlExpr    *c = plan->span_conds[i];

		if (c->kind == TQL_EXPR_STATIC &&
			(c->value.type != TQL_TYPE_BOOL || !c->value.v.b))
			return true;
	}
	return false;
}

/*
 * TqlRunSpans
 *		Run the query's spanset pipeline; see tql_exec.h.
 */
void
TqlRunSpans(const TqlQuery *query, const TqlRunOptions *opts,
			TqlSpanSink sink, void *arg)
{
	MemoryContext runcxt;
	MemoryContext old;
	ExecPlan   *plan;

	runcxt = AllocSetContextCreate(CurrentMemoryContext, "TraceQL run",
								   ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(runcxt);
	plan = ExecMakePlan(query, opts, 0, NULL, false);
	if (!plan->trace_mode && span_conds_false(plan))
	{
		/* "{ false }" and the like: nothing can match */
		if (opts->kept_fraction_out)
			*opts->kept_fraction_out = 1.0;
	}
	else if (plan->trace_mode)
		ExecRunSpansFromTraces(plan, sink, arg);
	else
	{
		SpanRun		run;
		Bitmapset  *cols = ExecFieldColumns(plan, NULL, NULL);

		memset(&run, 0, sizeof(run));
		run.plan = plan;
		run.sink = sink;
		run.arg = arg;
		if (opts->max_traces > 0)
		{
			HASHCTL		ctl;

			ctl.keysize = 16;
			ctl.entrysize = 16;
			ctl.hcxt = runcxt;
			run.traces = hash_create("TraceQL traces", 256, &ctl,
									 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		}
		if (opts->max_traces > 0 && !opts->traces_only)
		{
			HASHCTL		ctl;

			ctl.hcxt = runcxt;
			ctl.keysize = 24;
			ctl.entrysize = 24;
			run.delivered = hash_create("TraceQL spans sent", 256, &ctl,
										HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
			cols = bms_add_member(cols, EC_SPAN_ID + 1);
		}
		if (!opts->skip_ids || opts->max_traces > 0 || opts->trace_sample < 1.0)
			cols = bms_add_member(cols, EC_TRACE_ID + 1);
		if (!opts->skip_ids)
			cols = bms_add_member(cols, EC_SPAN_ID + 1);
		if (!opts->skip_duration)
			cols = bms_add_member(cols, EC_DURATION + 1);
		if (opts->want_attributes)
		{
			cols = bms_add_member(cols, EC_SPAN_ATTRS + 1);
			cols = bms_add_member(cols, EC_RESOURCE_ATTRS + 1);
		}
		if (opts->span_sample < 1.0 && opts->group_filter == NULL)
		{
			/* the executor's own sampling, through a copy of the options */
			TqlRunOptions *o = palloc(sizeof(TqlRunOptions));

			*o = *opts;
			o->group_filter = span_sample_filter;
			o->group_filter_arg = &run;
			plan->opts = o;
		}
		ExecScanSpans(plan, cols, ExecAllKeys(plan), plan->push, plan->npush, NULL,
					  span_batch, &run);
		plan->opts = opts;
		if (run.stopped && run.delivered != NULL)
		{
			/*
			 * The scan stopped at the limit: the traces it chose may have
			 * matched spans in what it did not read.  Look each one up by
			 * trace id (blooms skip the rest) for the spans not sent yet.
			 */
			uint8	   *ids = palloc(16 * (Size) run.ntraces);
			HASH_SEQ_STATUS seq;
			uint8	   *e;
			int64		nids = 0,
						k;

			hash_seq_init(&seq, run.traces);
			while ((e = hash_seq_search(&seq)) != NULL)
				memcpy(ids + 16 * (Size) nids++, e, 16);
			run.lookup = true;
			for (k = 0; k < nids; k++)
				ExecScanSpans(plan, cols, ExecAllKeys(plan), plan->push, plan->npush,
							  ids + 16 * (Size) k, span_batch, &run);
		}
		if (opts->kept_fraction_out)
		{
			double		kept = 1.0;

			if (opts->span_sample < 1.0 && opts->group_filter == NULL &&
				run.rows_seen > 0)
				kept *= (double) run.rows_sampled / (double) run.rows_seen;
			if (opts->trace_sample < 1.0 && run.matched > 0)
				kept *= (double) run.matched_kept / (double) run.matched;
			*opts->kept_fraction_out = kept;
		}
	}
	MemoryContextSwitchTo(old);
	MemoryContextDelete(runcxt);
}

/* ---------------------------------------------------------------------
 * Explain
 * ---------------------------------------------------------------------
 */

static const char *const pred_op_text[] = {"=", "<", "<=", ">", ">="};

static void
append_push(StringInfo buf, const ExecPushdown *p)
{
	appendStringInfo(buf, "%s %s ", ExecColNames[p->col], pred_op_text[p->op]);
	switch (p->col)
	{
		case EC_STATUS:
		case EC_KIND:
			appendStringInfo(buf, "%d", (int) DatumGetInt16(p->value));
			break;
		case EC_DURATION:
			appendStringInfo(buf, INT64_FORMAT, DatumGetInt64(p->value));
			break;
		case EC_TRACE_ID:
			{
				char		hex[33];

				TempoFormatHex((const uint8 *) DatumGetPointer(p->value), 16, hex);
				appendStringInfo(buf, "'%s'", hex);
				break;
			}
		case EC_SPAN_ID:
			{
				uint8		b[8];
				char		hex[17];

				SpanIdToBytes(DatumGetSpanId(p->value), b);
				TempoFormatHex(b, 8, hex);
				appendStringInfo(buf, "'%s'", hex);
				break;
			}
		default:
			appendStringInfo(buf, "%s", quote_literal_cstr(TextDatumGetCString(p->value)));
			break;
	}
}

/*
 * ExecExplain
 *		The executor's part of tempo.explain: mode, reader predicates,
 *		attribute keys and, for whole-trace queries, the candidate
 *		conditions.  Depends on the query only (not on settings).
 */
char *
ExecExplain(const TqlQuery *query)
{
	TqlRunOptions opts;
	ExecPlan   *plan;
	StringInfoData buf;
	int			i;

	TqlRunOptionsInit(&opts);
	plan = ExecMakePlan(query, &opts, 0, NULL, false);
	initStringInfo(&buf);
	if (!plan->trace_mode)
		appendStringInfoString(&buf, "execution: span filter, one chunk group at a time\n");
	else
	{
		appendStringInfoString(&buf, "execution: whole traces\n");
		if (plan->count_mode)
		{
			appendStringInfoString(&buf, "  pass 1: count the spans matching ");
			if (plan->natoms > 0)
				TqlAppendExpr(&buf, plan->atoms[0]);
			else
				appendStringInfoString(&buf, "true");
			appendStringInfo(&buf, " per trace; candidates have count() %s %g\n",
							 TqlOpName(plan->count_op), plan->count_limit);
		}
		else if (plan->need_pass1)
		{
			appendStringInfo(&buf, "  pass 1: candidate traces have a span matching ");
			for (i = 0; i < plan->natoms; i++)
			{
				if (i > 0)
					appendStringInfoString(&buf, "; ");
				TqlAppendExpr(&buf, plan->atoms[i]);
			}
			appendStringInfoChar(&buf, '\n');
		}
		else
			appendStringInfoString(&buf, "  pass 1: none, every trace is a candidate\n");
	}
	if (plan->npush > 0)
	{
		appendStringInfo(&buf, "  %sreader predicates: ", plan->trace_mode ? "pass 1 " : "");
		for (i = 0; i < plan->npush; i++)
		{
			if (i > 0)
				appendStringInfoString(&buf, " AND ");
			append_push(&buf, &plan->push[i]);
		}
		appendStringInfoChar(&buf, '\n');
	}
	if (plan->trace_mode)
		appendStringInfoString(&buf, "  pass 2: assemble the candidates within work_mem x hash_mem_multiplier\n");
	for (i = 0; i < plan->ngroups; i++)
	{
		const ExecElemGroup *g = &plan->groups[i];
		int			c;

		appendStringInfo(&buf, "  one %s must match: ", g->links ? "link" : "event");
		for (c = 0; c < g->nconds; c++)
		{
			if (c > 0)
				appendStringInfoString(&buf, " && ");
			TqlAppendExpr(&buf, g->conds[c]);
		}
		appendStringInfoChar(&buf, '\n');
	}
	if (plan->nkeys > 0)
	{
		appendStringInfoString(&buf, "  attribute keys: ");
		for (i = 0; i < plan->nkeys; i++)
			appendStringInfo(&buf, "%s%s[%s]", i > 0 ? ", " : "",
							 ExecColNames[plan->key_cols[i]],
							 quote_literal_cstr(plan->key_names[i]));
		appendStringInfoChar(&buf, '\n');
	}
	if (buf.len > 0 && buf.data[buf.len - 1] == '\n')
		buf.data[--buf.len] = '\0';
	return buf.data;
}
