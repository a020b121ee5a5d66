/*-------------------------------------------------------------------------
 *
 * tql_analyze.c
 *	  Semantic analysis of TraceQL: typing, static folding, checks.
 *
 * TqlAnalyze runs three passes over a parsed query, in the order Tempo's
 * validate() reports problems (so each query of the conformance corpus
 * gets the right class of error):
 *
 *	1. unsupported fields: "parent", "childCount" and the parent.* scopes
 *	   parse but are not supported (0A000), before any type check, so that
 *	   "{ "foo" = childCount }" is "unsupported", not a type error;
 *	2. typing and folding, bottom-up: every TqlExpr gets its static type,
 *	   constant sub-trees become TQL_EXPR_STATIC nodes, "X != nil" becomes
 *	   an existence test, regexes are anchored and compiled; type and
 *	   value errors raise 42804 / 22023;
 *	3. shape checks that Tempo calls "not yet supported" (0A000): scalar
 *	   filters other than "aggregate op number", comparisons of scalar
 *	   pipelines.
 *
 * Typing (spec 1.6): int, float and duration form one numeric family and
 * combine freely; attributes have no static type and combine with
 * anything; arithmetic over attributes is "number".  status and kind
 * compare only with themselves and only with = and !=, bool likewise.
 *
 * Folding and Tempo quirks, decided one by one:
 *	- int op int stays int (integer division and modulo, like Go); any
 *	  float makes it float64.  Durations are exact int64 nanoseconds:
 *	  duration op int/duration is computed in integer nanoseconds and is a
 *	  duration ("1h / 2" = 30m, "1s * 2s" = 2e18ns, as Tempo's float64
 *	  arithmetic gives for these), where Tempo rounds through float64;
 *	  float op duration is a duration rounded to the nanosecond
 *	  ("1.5 * 1s" = 1.5s).
 *	- integer "^": Tempo 2.9 computes rhs^lhs (quirk); we do NOT copy it,
 *	  "2 ^ 3" is 8.  A negative integer exponent gives a float.
 *	- overflow, division or modulo by zero and non-finite float results in
 *	  constant expressions raise 22023 (Go would wrap around, panic or
 *	  produce Inf/NaN).
 *	- "nil = nil" and "nil != nil" fold to false as in Tempo; "lit != nil"
 *	  folds to true.
 *	- regex operators are never folded, even over two literals; the
 *	  pattern is still compiled here so a bad one fails at once.
 *	- aggregates of a scalar filter may compare with a folded constant
 *	  ("avg(.a) > 1 - 3" works; Tempo reports it unsupported).
 *
 * Regular expressions: Tempo matches Go RE2 patterns fully anchored.  We
 * compile with PostgreSQL's engine (advanced REs) as "^(?:pattern)$" with
 * REG_NLSTOP, which gives RE2's default that "." and bracket expressions
 * do not match a newline.  A leading "(?i)" / "(?s)" / "(?is)" is turned
 * into REG_ICASE / no REG_NLSTOP.  Known differences, which raise 22023
 * or match differently: other inline flags, flags that are not at the
 * start, "(?P<name>...)", "\z" (use "\Z"), "\b" (ARE: backspace; use
 * "\y"), "\pL" classes; case folding follows the C collation.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/tql_analyze.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "common/int.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "regex/regex.h"

#include "tql.h"
#include "tql_int.h"

typedef struct AnalyzeContext
{
	const char *src;
} AnalyzeContext;

#define TQL_MAX_BY_ATTRIBUTES 5

static TqlType analyze_expr(AnalyzeContext *cx, TqlExpr *e);
static void analyze_node(AnalyzeContext *cx, TqlNode *node);

/* ---------------------------------------------------------------------
 * Pass 1: unsupported fields
 * ---------------------------------------------------------------------
 */

static void
check_unsupported_expr(AnalyzeContext *cx, const TqlExpr *e)
{
	check_stack_depth();

	if (e == NULL)
		return;
	if (e->kind == TQL_EXPR_INTRINSIC &&
		(e->intrinsic == TQL_INTR_PARENT || e->intrinsic == TQL_INTR_CHILD_COUNT))
		TqlErrorAt(cx->src, e->location, ERRCODE_FEATURE_NOT_SUPPORTED,
				   "intrinsic \"%s\" is not supported",
				   TqlIntrinsicName(e->intrinsic));
	if (e->kind == TQL_EXPR_ATTRIBUTE &&
		(e->scope == TQL_SCOPE_PARENT || e->scope == TQL_SCOPE_PARENT_SPAN ||
		 e->scope == TQL_SCOPE_PARENT_RESOURCE))
		TqlErrorAt(cx->src, e->location, ERRCODE_FEATURE_NOT_SUPPORTED,
				   "attribute scope \"%s\" is not supported",
				   TqlScopeName(e->scope));
	check_unsupported_expr(cx, e->left);
	check_unsupported_expr(cx, e->right);
}

static void
check_unsupported_node(AnalyzeContext *cx, const TqlNode *node)
{
	int			i;

	check_stack_depth();

	if (node == NULL)
		return;
	check_unsupported_expr(cx, node->expr);
	check_unsupported_node(cx, node->left);
	check_unsupported_node(cx, node->right);
	check_unsupported_node(cx, node->compare_filter);
	if (node->kind == TQL_NODE_PIPELINE)
		for (i = 0; i < node->nitems; i++)
			check_unsupported_node(cx, node->stages[i]);
	else
		for (i = 0; i < node->nitems; i++)
			check_unsupported_expr(cx, node->items[i]);
}

/* ---------------------------------------------------------------------
 * Pass 2: typing and folding of field expressions
 * ---------------------------------------------------------------------
 */

static bool
is_numeric_type(TqlType t)
{
	return t == TQL_TYPE_INT || t == TQL_TYPE_FLOAT ||
		t == TQL_TYPE_DURATION || t == TQL_TYPE_NUMERIC;
}

static bool
is_static(const TqlExpr *e)
{
	return e->kind == TQL_EXPR_STATIC;
}

static double
static_as_double(const TqlStatic *v)
{
	if (v->type == TQL_TYPE_FLOAT)
		return v->v.f;
	return (double) v->v.i;
}

/* Replace *e by a literal */
static void
make_static(TqlExpr *e, const TqlStatic *value)
{
	e->kind = TQL_EXPR_STATIC;
	e->value = *value;
	e->type = value->type;
	e->left = e->right = NULL;
	e->op = TQL_OP_NONE;
}

static void
make_bool(TqlExpr *e, bool b)
{
	TqlStatic	v;

	memset(&v, 0, sizeof(v));
	v.type = TQL_TYPE_BOOL;
	v.v.b = b;
	make_static(e, &v);
}

static void
fold_error(AnalyzeContext *cx, const TqlExpr *e, const char *what)
{
	TqlErrorAt(cx->src, e->location, ERRCODE_INVALID_PARAMETER_VALUE,
			   "%s in constant expression", what);
}

/* Integer (or nanosecond) arithmetic with overflow checks */
static bool
int_arith(AnalyzeContext *cx, const TqlExpr *e, int64 a, int64 b, int64 *r)
{
	switch (e->op)
	{
		case TQL_OP_ADD:
			if (pg_add_s64_overflow(a, b, r))
				fold_error(cx, e, "integer out of range");
			return true;
		case TQL_OP_SUB:
			if (pg_sub_s64_overflow(a, b, r))
				fold_error(cx, e, "integer out of range");
			return true;
		case TQL_OP_MUL:
			if (pg_mul_s64_overflow(a, b, r))
				fold_error(cx, e, "integer out of range");
			return true;
		case TQL_OP_DIV:
		case TQL_OP_MOD:
			if (b == 0)
				fold_error(cx, e, "division by zero");
			if (b == -1)
			{
				/* avoid INT64_MIN / -1 trapping */
				if (e->op == TQL_OP_MOD)
					*r = 0;
				else if (pg_sub_s64_overflow(0, a, r))
					fold_error(cx, e, "integer out of range");
				return true;
			}
			*r = (e->op == TQL_OP_DIV) ? a / b : a % b;
			return true;
		case TQL_OP_POW:
			{
				int64		acc = 1;

				if (b < 0)
					return false;	/* caller uses float math */
				while (b-- > 0)
				{
					if (pg_mul_s64_overflow(acc, a, &acc))
						fold_error(cx, e, "integer out of range");
					if (acc == 0 || acc == 1)
						break;
					if (acc == -1)
					{
						/* (-1)^n: parity of the remaining exponent */
						if (b % 2 == 1)
							acc = 1;
						break;
					}
					CHECK_FOR_INTERRUPTS();
				}
				*r = acc;
				return true;
			}
		default:
			return false;
	}
}

static void
fold_arith(AnalyzeContext *cx, TqlExpr *e)
{
	TqlStatic  *l = &e->left->value;
	TqlStatic  *r = &e->right->value;
	TqlStatic	res;
	bool		use_float = (l->type == TQL_TYPE_FLOAT || r->type == TQL_TYPE_FLOAT);

	memset(&res, 0, sizeof(res));
	if (!use_float)
	{
		res.type = (l->type == TQL_TYPE_DURATION || r->type == TQL_TYPE_DURATION) ?
			TQL_TYPE_DURATION : TQL_TYPE_INT;
		if (int_arith(cx, e, l->v.i, r->v.i, &res.v.i))
		{
			make_static(e, &res);
			return;
		}
		/* negative integer exponent: fall through to float */
	}

	{
		double		a = static_as_double(l);
		double		b = static_as_double(r);
		double		v;

		switch (e->op)
		{
			case TQL_OP_ADD:
				v = a + b;
				break;
			case TQL_OP_SUB:
				v = a - b;
				break;
			case TQL_OP_MUL:
				v = a * b;
				break;
			case TQL_OP_DIV:
				if (b == 0.0)
					fold_error(cx, e, "division by zero");
				v = a / b;
				break;
			case TQL_OP_MOD:
				if (b == 0.0)
					fold_error(cx, e, "division by zero");
				v = fmod(a, b);
				break;
			default:
				v = pow(a, b);
				break;
		}
		if (isnan(v) || isinf(v))
			fold_error(cx, e, "result is not a finite number");
		if ((l->type == TQL_TYPE_DURATION || r->type == TQL_TYPE_DURATION) &&
			e->op != TQL_OP_POW)
		{
			/* float with a duration: a duration, rounded to nanoseconds */
			if (!(fabs(v) < 9.2e18))
				fold_error(cx, e, "duration out of range");
			res.type = TQL_TYPE_DURATION;
			res.v.i = (int64) llround(v);
		}
		else
		{
			res.type = TQL_TYPE_FLOAT;
			res.v.f = v;
		}
		make_static(e, &res);
	}
}

/* Compare two literals of compatible types: <0, 0, >0 */
static int
compare_statics(const TqlStatic *l, const TqlStatic *r)
{
	if (is_numeric_type(l->type))
	{
		if (l->type != TQL_TYPE_FLOAT && r->type != TQL_TYPE_FLOAT)
			return (l->v.i > r->v.i) - (l->v.i < r->v.i);
		else
		{
			double		a = static_as_double(l);
			double		b = static_as_double(r);

			return (a > b) - (a < b);
		}
	}
	switch (l->type)
	{
		case TQL_TYPE_STRING:
			return strcmp(l->v.s, r->v.s);
		case TQL_TYPE_BOOL:
			return (int) l->v.b - (int) r->v.b;
		case TQL_TYPE_STATUS:
		case TQL_TYPE_KIND:
			return l->v.e - r->v.e;
		default:
			return 0;
	}
}

static bool
types_compatible(TqlType a, TqlType b)
{
	if (a == TQL_TYPE_ATTRIBUTE || b == TQL_TYPE_ATTRIBUTE)
		return true;
	if (is_numeric_type(a) && is_numeric_type(b))
		return true;
	return a == b;
}

static void
type_error(AnalyzeContext *cx, const TqlExpr *e, const char *fmt, TqlType t1, TqlType t2)
{
	TqlErrorAt(cx->src, e->location, ERRCODE_DATATYPE_MISMATCH, fmt,
			   TqlOpName(e->op), TqlTypeName(t1), TqlTypeName(t2));
}

/*
 * TqlAnchorRegex
 *		Turn a Go RE2 pattern into the fully anchored pattern and pg_regcomp
 *		flags that give Tempo's semantics (see the file header).  Returns
 *		NULL and sets *error for the leading inline flags and director
 *		prefixes PostgreSQL would otherwise read differently.  The executor
 *		uses this for patterns only known at run time.
 */
char *
TqlAnchorRegex(const char *pattern, int *flags, const char **error)
{
	StringInfoData buf;
	const char *p = pattern;

	*flags = REG_ADVANCED | REG_NLSTOP;
	*error = NULL;
	if (p[0] == '(' && p[1] == '?')
	{
		const char *q = p + 2;

		while ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z'))
		{
			if (*q != 'i' && *q != 's')
			{
				*error = "only the inline flags \"i\" and \"s\" are supported";
				return NULL;
			}
			q++;
		}
		if (*q == ')' && q > p + 2)
		{
			const char *f;

			for (f = p + 2; f < q; f++)
			{
				if (*f == 'i')
					*flags |= REG_ICASE;
				else
					*flags &= ~REG_NLSTOP;
			}
			p = q + 1;
		}
	}
	if (p[0] == '*' && p[1] == '*' && p[2] == '*')
	{
		*error = "director prefix \"***\" is not allowed";
		return NULL;
	}

	initStringInfo(&buf);
	appendStringInfo(&buf, "^(?:%s)$", p);
	return buf.data;
}

static TqlType
analyze_comparison(AnalyzeContext *cx, TqlExpr *e)
{
	TqlType		lt,
				rt;
	bool		lnil = is_static(e->left) && e->left->value.type == TQL_TYPE_NIL;
	bool		rnil = is_static(e->right) && e->right->value.type == TQL_TYPE_NIL;

	/* nil: existence tests */
	if (lnil || rnil)
	{
		TqlExpr    *other = lnil ? e->right : e->left;

		if (e->op != TQL_OP_NEQ && e->op != TQL_OP_EQ)
			TqlErrorAt(cx->src, e->location, ERRCODE_DATATYPE_MISMATCH,
					   "operator \"%s\" cannot be applied to nil",
					   TqlOpName(e->op));
		if (lnil && rnil)
		{
			make_bool(e, false);	/* Tempo: nil = nil and nil != nil */
			return TQL_TYPE_BOOL;
		}
		(void) analyze_expr(cx, other);
		if (is_static(other))
		{
			make_bool(e, true);
			return TQL_TYPE_BOOL;
		}
		e->kind = TQL_EXPR_EXISTS;
		e->left = other;
		e->right = NULL;
		e->type = TQL_TYPE_BOOL;
		return TQL_TYPE_BOOL;
	}

	lt = analyze_expr(cx, e->left);
	rt = analyze_expr(cx, e->right);

	if (e->op == TQL_OP_RE || e->op == TQL_OP_NRE)
	{
		if ((lt != TQL_TYPE_STRING && lt != TQL_TYPE_ATTRIBUTE) ||
			(rt != TQL_TYPE_STRING && rt != TQL_TYPE_ATTRIBUTE))
			type_error(cx, e, "operator \"%s\" cannot be applied to %s and %s", lt, rt);
		if (is_static(e->right))
		{
			const char *error;

			e->regex = TqlAnchorRegex(e->right->value.v.s, &e->regex_flags, &error);
			if (e->regex == NULL)
				TqlErrorAt(cx->src, e->right->location, ERRCODE_INVALID_PARAMETER_VALUE,
						   "invalid regular expression: %s", error);
			TqlCheckRegex(cx->src, e->right->location, e->regex, e->regex_flags);
		}
		e->type = TQL_TYPE_BOOL;
		return TQL_TYPE_BOOL;
	}

	if (!types_compatible(lt, rt))
		type_error(cx, e, "operator \"%s\" cannot compare %s with %s", lt, rt);
	if (e->op != TQL_OP_EQ && e->op != TQL_OP_NEQ &&
		(lt == TQL_TYPE_BOOL || lt == TQL_TYPE_STATUS || lt == TQL_TYPE_KIND ||
		 rt == TQL_TYPE_BOOL || rt == TQL_TYPE_STATUS || rt == TQL_TYPE_KIND))
		type_error(cx, e, "operator \"%s\" cannot be applied to %s and %s", lt, rt);

	if (is_static(e->left) && is_static(e->right))
	{
		int			c = compare_statics(&e->left->value, &e->right->value);
		bool		b;

		switch (e->op)
		{
			case TQL_OP_EQ:
				b = (c == 0);
				break;
			case TQL_OP_NEQ:
				b = (c != 0);
				break;
			case TQL_OP_LT:
				b = (c < 0);
				break;
			case TQL_OP_LTE:
				b = (c <= 0);
				break;
			case TQL_OP_GT:
				b = (c > 0);
				break;
			default:
				b = (c >= 0);
				break;
		}
		make_bool(e, b);
	}
	e->type = TQL_TYPE_BOOL;
	return TQL_TYPE_BOOL;
}

/*
 * analyze_expr
 *		Type (and fold) one field expression; returns its type.
 */
static TqlType
analyze_expr(AnalyzeContext *cx, TqlExpr *e)
{
	TqlType		lt,
				rt;

	check_stack_depth();

	switch (e->kind)
	{
		case TQL_EXPR_STATIC:
			e->type = e->value.type;
			return e->type;

		case TQL_EXPR_ATTRIBUTE:
			e->type = TQL_TYPE_ATTRIBUTE;
			return e->type;

		case TQL_EXPR_INTRINSIC:
			e->type = TqlIntrinsicType(e->intrinsic);
			return e->type;

		case TQL_EXPR_EXISTS:
			(void) analyze_expr(cx, e->left);
			e->type = TQL_TYPE_BOOL;
			return e->type;

		case TQL_EXPR_UNARY:
			lt = analyze_expr(cx, e->left);
			if (e->op == TQL_OP_NOT)
			{
				if (lt != TQL_TYPE_BOOL && lt != TQL_TYPE_ATTRIBUTE)
					TqlErrorAt(cx->src, e->location, ERRCODE_DATATYPE_MISMATCH,
							   "operator \"!\" cannot be applied to %s",
							   TqlTypeName(lt));
				if (is_static(e->left))
					make_bool(e, !e->left->value.v.b);
				else
					e->type = TQL_TYPE_BOOL;
				return TQL_TYPE_BOOL;
			}
			if (!is_numeric_type(lt) && lt != TQL_TYPE_ATTRIBUTE)
				TqlErrorAt(cx->src, e->location, ERRCODE_DATATYPE_MISMATCH,
						   "operator \"-\" cannot be applied to %s",
						   TqlTypeName(lt));
			if (is_static(e->left))
			{
				TqlStatic	v = e->left->value;

				if (v.type == TQL_TYPE_FLOAT)
					v.v.f = -v.v.f;
				else if (pg_sub_s64_overflow(0, v.v.i, &v.v.i))
					fold_error(cx, e, "integer out of range");
				make_static(e, &v);
				return e->type;
			}
			e->type = (lt == TQL_TYPE_ATTRIBUTE) ? TQL_TYPE_NUMERIC : lt;
			return e->type;

		case TQL_EXPR_BINARY:
			break;
	}

	switch (e->op)
	{
		case TQL_OP_ADD:
		case TQL_OP_SUB:
		case TQL_OP_MUL:
		case TQL_OP_DIV:
		case TQL_OP_MOD:
		case TQL_OP_POW:
			lt = analyze_expr(cx, e->left);
			rt = analyze_expr(cx, e->right);
			if ((!is_numeric_type(lt) && lt != TQL_TYPE_ATTRIBUTE) ||
				(!is_numeric_type(rt) && rt != TQL_TYPE_ATTRIBUTE))
				type_error(cx, e, "operator \"%s\" cannot be applied to %s and %s", lt, rt);
			if (is_static(e->left) && is_static(e->right))
			{
				fold_arith(cx, e);
				return e->type;
			}
			if (lt == TQL_TYPE_ATTRIBUTE || rt == TQL_TYPE_ATTRIBUTE ||
				lt == TQL_TYPE_NUMERIC || rt == TQL_TYPE_NUMERIC)
				e->type = TQL_TYPE_NUMERIC;
			else if (lt == TQL_TYPE_FLOAT || rt == TQL_TYPE_FLOAT)
				e->type = TQL_TYPE_FLOAT;
			else if (lt == TQL_TYPE_DURATION || rt == TQL_TYPE_DURATION)
				e->type = TQL_TYPE_DURATION;
			else
				e->type = TQL_TYPE_INT;
			return e->type;

		case TQL_OP_AND:
		case TQL_OP_OR:
			lt = analyze_expr(cx, e->left);
			rt = analyze_expr(cx, e->right);
			if ((lt != TQL_TYPE_BOOL && lt != TQL_TYPE_ATTRIBUTE) ||
				(rt != TQL_TYPE_BOOL && rt != TQL_TYPE_ATTRIBUTE))
				type_error(cx, e, "operator \"%s\" cannot be applied to %s and %s", lt, rt);
			if (is_static(e->left) && is_static(e->right))
				make_bool(e, e->op == TQL_OP_AND ?
						  (e->left->value.v.b && e->right->value.v.b) :
						  (e->left->value.v.b || e->right->value.v.b));
			else
				e->type = TQL_TYPE_BOOL;
			return TQL_TYPE_BOOL;

		default:
			return analyze_comparison(cx, e);
	}
}

/*
 * TqlExprReferencesSpan
 *		Does the expression read anything of the span (attribute,
 *		intrinsic)?
 */
bool
TqlExprReferencesSpan(const TqlExpr *expr)
{
	check_stack_depth();

	if (expr == NULL)
		return false;
	if (expr->kind == TQL_EXPR_ATTRIBUTE || expr->kind == TQL_EXPR_INTRINSIC)
		return true;
	return TqlExprReferencesSpan(expr->left) || TqlExprReferencesSpan(expr->right);
}

/* ---------------------------------------------------------------------
 * Pipeline nodes (passes 2 and 3)
 * ---------------------------------------------------------------------
 */

static void
analyze_scalar_op(AnalyzeContext *cx, TqlNode *node)
{
	analyze_node(cx, node->left);
	analyze_node(cx, node->right);

	/* fold arithmetic over number literals into one literal */
	if (node->left->kind == TQL_NODE_SCALAR_STATIC &&
		node->right->kind == TQL_NODE_SCALAR_STATIC)
	{
		TqlExpr    *bin = TqlMakeExpr(TQL_EXPR_BINARY, node->location);

		bin->op = node->op;
		bin->left = node->left->expr;
		bin->right = node->right->expr;
		(void) analyze_expr(cx, bin);
		node->kind = TQL_NODE_SCALAR_STATIC;
		node->expr = bin;
		node->left = node->right = NULL;
	}
}

static void
analyze_metrics(AnalyzeContext *cx, TqlNode *node)
{
	int			i;
	int			max_by;

	if (node->expr)
	{
		TqlType		t = analyze_expr(cx, node->expr);

		if (node->func != TQL_MF_COMPARE && t != TQL_TYPE_ATTRIBUTE &&
			!is_numeric_type(t))
			TqlErrorAt(cx->src, node->expr->location, ERRCODE_DATATYPE_MISMATCH,
					   "argument of %s() must be numeric, not %s",
					   TqlMetricsFuncName(node->func), TqlTypeName(t));
	}
	for (i = 0; i < node->nitems; i++)
		(void) analyze_expr(cx, node->items[i]);

	max_by = TQL_MAX_BY_ATTRIBUTES;
	if (node->func == TQL_MF_QUANTILE_OVER_TIME ||
		node->func == TQL_MF_HISTOGRAM_OVER_TIME)
		max_by--;				/* one label is reserved for __bucket */
	if (node->nitems > max_by)
		TqlErrorAt(cx->src, node->items[max_by]->location,
				   ERRCODE_INVALID_PARAMETER_VALUE,
				   "%s() takes at most %d by() attributes",
				   TqlMetricsFuncName(node->func), max_by);

	for (i = 0; i < node->nquantiles; i++)
		if (!(node->quantiles[i] >= 0.0 && node->quantiles[i] <= 1.0))
			TqlErrorAt(cx->src, node->location, ERRCODE_INVALID_PARAMETER_VALUE,
					   "quantile %g is not between 0 and 1", node->quantiles[i]);

	if (node->func == TQL_MF_COMPARE)
	{
		analyze_node(cx, node->compare_filter);
		if (node->ncompare_args >= 2 && node->compare_topn <= 0)
			TqlErrorAt(cx->src, node->location, ERRCODE_INVALID_PARAMETER_VALUE,
					   "compare() top N must be greater than zero");
		if (node->ncompare_args == 4 && node->compare_start >= node->compare_end)
			TqlErrorAt(cx->src, node->location, ERRCODE_INVALID_PARAMETER_VALUE,
					   "compare() start must be before end");
	}
}

static void
analyze_node(AnalyzeContext *cx, TqlNode *node)
{
	int			i;
	TqlType		t;

	check_stack_depth();

	switch (node->kind)
	{
		case TQL_NODE_FILTER:
			t = analyze_expr(cx, node->expr);
			if (t != TQL_TYPE_BOOL && t != TQL_TYPE_ATTRIBUTE)
				TqlErrorAt(cx->src, node->expr->location, ERRCODE_DATATYPE_MISMATCH,
						   "span filter expression must be of type bool, not %s",
						   TqlTypeName(t));
			break;

		case TQL_NODE_SPANSET_OP:
			analyze_node(cx, node->left);
			analyze_node(cx, node->right);
			break;

		case TQL_NODE_PIPELINE:
			for (i = 0; i < node->nitems; i++)
				analyze_node(cx, node->stages[i]);
			break;

		case TQL_NODE_AGGREGATE:
			if (node->expr == NULL)
				break;
			t = analyze_expr(cx, node->expr);
			if (!is_numeric_type(t) && t != TQL_TYPE_ATTRIBUTE)
				TqlErrorAt(cx->src, node->expr->location, ERRCODE_DATATYPE_MISMATCH,
						   "argument of %s() must be numeric, not %s",
						   TqlAggregateName(node->agg), TqlTypeName(t));
			if (!TqlExprReferencesSpan(node->expr))
				TqlErrorAt(cx->src, node->expr->location, ERRCODE_DATATYPE_MISMATCH,
						   "argument of %s() must reference the span",
						   TqlAggregateName(node->agg));
			break;

		case TQL_NODE_SCALAR_STATIC:
			(void) analyze_expr(cx, node->expr);
			break;

		case TQL_NODE_SCALAR_OP:
			analyze_scalar_op(cx, node);
			break;

		case TQL_NODE_SCALAR_FILTER:
			analyze_node(cx, node->left);
			analyze_node(cx, node->right);
			/* pass 3: only "aggregate op number" is supported */
			if (node->left->kind != TQL_NODE_AGGREGATE ||
				node->right->kind != TQL_NODE_SCALAR_STATIC)
				TqlErrorAt(cx->src, node->location, ERRCODE_FEATURE_NOT_SUPPORTED,
						   "scalar filters other than \"aggregate op number\" are not supported");
			if (!is_numeric_type(node->right->expr->type))
				TqlErrorAt(cx->src, node->right->location, ERRCODE_DATATYPE_MISMATCH,
						   "cannot compare an aggregate with %s",
						   TqlTypeName(node->right->expr->type));
			break;

		case TQL_NODE_GROUP:
			(void) analyze_expr(cx, node->expr);
			if (!TqlExprReferencesSpan(node->expr))
				TqlErrorAt(cx->src, node->expr->location, ERRCODE_DATATYPE_MISMATCH,
						   "by() expression must reference the span");
			break;

		case TQL_NODE_COALESCE:
			break;

		case TQL_NODE_SELECT:
			for (i = 0; i < node->nitems; i++)
				(void) analyze_expr(cx, node->items[i]);
			break;

		case TQL_NODE_METRICS:
			analyze_metrics(cx, node);
			break;

		case TQL_NODE_SECOND_STAGE:
			break;
	}
}

/*
 * TqlAnalyze
 *		Type, fold and check a parsed query in place.
 */
void
TqlAnalyze(TqlQuery *query)
{
	AnalyzeContext cx;

	if (query->analyzed)
		return;
	cx.src = query->source;

	/* pass 1 */
	check_unsupported_node(&cx, query->pipeline);
	check_unsupported_node(&cx, query->metrics);

	/* passes 2 and 3 */
	analyze_node(&cx, query->pipeline);
	if (query->metrics)
		analyze_node(&cx, query->metrics);
	if (query->second_stage)
	{
		if (query->second_stage->k <= 0)
			TqlErrorAt(cx.src, query->second_stage->location,
					   ERRCODE_INVALID_PARAMETER_VALUE,
					   "%s() needs a limit greater than zero",
					   query->second_stage->bottom ? "bottomk" : "topk");
		if (query->metrics->func == TQL_MF_COMPARE)
			TqlErrorAt(cx.src, query->second_stage->location,
					   ERRCODE_INVALID_PARAMETER_VALUE,
					   "%s() cannot follow compare()",
					   query->second_stage->bottom ? "bottomk" : "topk");
	}
	query->analyzed = true;
}

/*
 * TqlCompile
 *		Parse and analyze.
 */
TqlQuery *
TqlCompile(const char *query)
{
	TqlQuery   *q = TqlParse(query);

	TqlAnalyze(q);
	return q;
}

static bool
node_needs_full_traces(const TqlNode *node)
{
	int			i;

	check_stack_depth();

	switch (node->kind)
	{
		case TQL_NODE_SPANSET_OP:
		case TQL_NODE_SCALAR_FILTER:
		case TQL_NODE_GROUP:
		case TQL_NODE_COALESCE:
			return true;
		case TQL_NODE_PIPELINE:
			for (i = 0; i < node->nitems; i++)
				if (node_needs_full_traces(node->stages[i]))
					return true;
			return false;
		default:
			return false;
	}
}

/*
 * TqlQueryNeedsFullTraces
 *		Must the executor see every span of a candidate trace (spanset
 *		operators, aggregates, grouping), or can it work span by span?
 *		This is also Tempo's rule for trace- versus span-level sampling.
 */
bool
TqlQueryNeedsFullTraces(const TqlQuery *query)
{
	return node_needs_full_traces(query->pipeline);
}
