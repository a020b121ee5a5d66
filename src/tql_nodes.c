/*-------------------------------------------------------------------------
 *
 * tql_nodes.c
 *	  Constructors, names and normalized printing of TraceQL trees.
 *
 * The normalized form is what tempo.explain shows and what tests compare.
 * Rules, chosen so that printing an analyzed query and parsing the text
 * again yields the same tree (the fuzz target checks this):
 *
 *	- every operand that is a binary operation is parenthesised, so
 *	  precedence is always explicit: "{ .a * .b + .c = 1 }" prints as
 *	  "{ ((.a * .b) + .c) = 1 }"; unary operations and negative numbers
 *	  are parenthesised when they are the left operand ("(-.a) = 1");
 *	- intrinsics print in their scoped form ("status" -> "span:status",
 *	  "rootServiceName" -> "trace:rootService"); the nested-set intrinsics,
 *	  which have no scoped form, keep their legacy names;
 *	- "{ }" prints as "{ true }"; strings print double-quoted with Go
 *	  escapes; attribute names are quoted when they hold characters that
 *	  would end an unquoted name;
 *	- durations print as hours, minutes and seconds with the smallest
 *	  exact unit ("1h30m", "1.5s", "250ms"), floats in the shortest form
 *	  that reads back to the same double, always with a "." or exponent.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/tql_nodes.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "lib/stringinfo.h"
#include "miscadmin.h"

#include "tql.h"

TqlExpr *
TqlMakeExpr(TqlExprKind kind, int location)
{
	TqlExpr    *e = palloc0(sizeof(TqlExpr));

	e->kind = kind;
	e->location = location;
	return e;
}

TqlNode *
TqlMakeNode(TqlNodeKind kind, int location)
{
	TqlNode    *n = palloc0(sizeof(TqlNode));

	n->kind = kind;
	n->location = location;
	return n;
}

void
TqlAppendStage(TqlNode *pipeline, TqlNode *stage)
{
	Assert(pipeline->kind == TQL_NODE_PIPELINE);
	if (pipeline->nitems == 0)
		pipeline->stages = palloc(sizeof(TqlNode *) * 4);
	else if ((pipeline->nitems & (pipeline->nitems - 1)) == 0 && pipeline->nitems >= 4)
		pipeline->stages = repalloc(pipeline->stages,
									sizeof(TqlNode *) * pipeline->nitems * 2);
	pipeline->stages[pipeline->nitems++] = stage;
}

void
TqlAppendItem(TqlNode *node, TqlExpr *item)
{
	if (node->nitems == 0)
		node->items = palloc(sizeof(TqlExpr *) * 4);
	else if ((node->nitems & (node->nitems - 1)) == 0 && node->nitems >= 4)
		node->items = repalloc(node->items, sizeof(TqlExpr *) * node->nitems * 2);
	node->items[node->nitems++] = item;
}

const char *
TqlTypeName(TqlType type)
{
	switch (type)
	{
		case TQL_TYPE_ATTRIBUTE:
			return "attribute";
		case TQL_TYPE_NUMERIC:
			return "number";
		case TQL_TYPE_NIL:
			return "nil";
		case TQL_TYPE_BOOL:
			return "bool";
		case TQL_TYPE_INT:
			return "int";
		case TQL_TYPE_FLOAT:
			return "float";
		case TQL_TYPE_STRING:
			return "string";
		case TQL_TYPE_DURATION:
			return "duration";
		case TQL_TYPE_STATUS:
			return "status";
		case TQL_TYPE_KIND:
			return "kind";
	}
	return "?";
}

const char *
TqlOpName(TqlOp op)
{
	switch (op)
	{
		case TQL_OP_NONE:
			return "?";
		case TQL_OP_ADD:
			return "+";
		case TQL_OP_SUB:
		case TQL_OP_NEG:
			return "-";
		case TQL_OP_MUL:
			return "*";
		case TQL_OP_DIV:
			return "/";
		case TQL_OP_MOD:
			return "%";
		case TQL_OP_POW:
			return "^";
		case TQL_OP_EQ:
			return "=";
		case TQL_OP_NEQ:
			return "!=";
		case TQL_OP_LT:
			return "<";
		case TQL_OP_LTE:
			return "<=";
		case TQL_OP_GT:
			return ">";
		case TQL_OP_GTE:
			return ">=";
		case TQL_OP_RE:
			return "=~";
		case TQL_OP_NRE:
			return "!~";
		case TQL_OP_AND:
			return "&&";
		case TQL_OP_OR:
			return "||";
		case TQL_OP_NOT:
			return "!";
	}
	return "?";
}

const char *
TqlSpansetOpName(TqlSpansetOp op)
{
	static const char *const names[] = {
		"&&", "||", ">", "<", ">>", "<<", "~", "!>", "!<", "!>>", "!<<", "!~",
		"&>", "&<", "&>>", "&<<", "&~"
	};

	if ((int) op < 0 || (int) op >= lengthof(names))
		return "?";
	return names[op];
}

const char *
TqlAggregateName(TqlAggregate agg)
{
	static const char *const names[] = {"count", "avg", "min", "max", "sum"};

	if ((int) agg < 0 || (int) agg >= lengthof(names))
		return "?";
	return names[agg];
}

const char *
TqlMetricsFuncName(TqlMetricsFunc func)
{
	static const char *const names[] = {
		"rate", "count_over_time", "min_over_time", "max_over_time",
		"avg_over_time", "sum_over_time", "quantile_over_time",
		"histogram_over_time", "compare"
	};

	if ((int) func < 0 || (int) func >= lengthof(names))
		return "?";
	return names[func];
}

const char *
TqlIntrinsicName(TqlIntrinsic intr)
{
	static const char *const names[] = {
		"?", "span:name", "span:status", "span:statusMessage", "span:kind",
		"span:duration", "span:id", "span:parentID", "trace:id",
		"trace:duration", "trace:rootName", "trace:rootService", "event:name",
		"event:timeSinceStart", "link:traceID", "link:spanID",
		"instrumentation:name", "instrumentation:version", "nestedSetLeft",
		"nestedSetRight", "nestedSetParent", "childCount", "parent"
	};

	StaticAssertStmt(lengthof(names) == TQL_INTR_COUNT,
					 "intrinsic names out of sync");
	if ((int) intr < 0 || (int) intr >= lengthof(names))
		return "?";
	return names[intr];
}

const char *
TqlScopeName(TqlScope scope)
{
	switch (scope)
	{
		case TQL_SCOPE_NONE:
			return "";
		case TQL_SCOPE_SPAN:
			return "span";
		case TQL_SCOPE_RESOURCE:
			return "resource";
		case TQL_SCOPE_EVENT:
			return "event";
		case TQL_SCOPE_LINK:
			return "link";
		case TQL_SCOPE_INSTRUMENTATION:
			return "instrumentation";
		case TQL_SCOPE_PARENT:
			return "parent";
		case TQL_SCOPE_PARENT_SPAN:
			return "parent.span";
		case TQL_SCOPE_PARENT_RESOURCE:
			return "parent.resource";
	}
	return "?";
}

const char *
TqlStatusName(int status)
{
	switch (status)
	{
		case TQL_STATUS_UNSET:
			return "unset";
		case TQL_STATUS_OK:
			return "ok";
		case TQL_STATUS_ERROR:
			return "error";
	}
	return "?";
}

const char *
TqlKindName(int kind)
{
	static const char *const names[] = {
		"unspecified", "internal", "server", "client", "producer", "consumer"
	};

	if (kind < 0 || kind >= lengthof(names))
		return "?";
	return names[kind];
}

TqlType
TqlIntrinsicType(TqlIntrinsic intr)
{
	switch (intr)
	{
		case TQL_INTR_STATUS:
			return TQL_TYPE_STATUS;
		case TQL_INTR_KIND:
			return TQL_TYPE_KIND;
		case TQL_INTR_DURATION:
		case TQL_INTR_TRACE_DURATION:
		case TQL_INTR_EVENT_TIME_SINCE_START:
			return TQL_TYPE_DURATION;
		case TQL_INTR_NESTED_SET_LEFT:
		case TQL_INTR_NESTED_SET_RIGHT:
		case TQL_INTR_NESTED_SET_PARENT:
		case TQL_INTR_CHILD_COUNT:
			return TQL_TYPE_INT;
		case TQL_INTR_PARENT:
		case TQL_INTR_NONE:
			return TQL_TYPE_ATTRIBUTE;
		default:
			return TQL_TYPE_STRING;
	}
}

/* ---------------------------------------------------------------------
 * Printing
 * ---------------------------------------------------------------------
 */

/* Append a double-quoted string literal with Go escapes */
void
TqlAppendString(StringInfo buf, const char *s)
{
	appendStringInfoChar(buf, '"');
	for (; *s; s++)
	{
		unsigned char c = (unsigned char) *s;

		switch (c)
		{
			case '"':
				appendStringInfoString(buf, "\\\"");
				break;
			case '\\':
				appendStringInfoString(buf, "\\\\");
				break;
			case '\n':
				appendStringInfoString(buf, "\\n");
				break;
			case '\r':
				appendStringInfoString(buf, "\\r");
				break;
			case '\t':
				appendStringInfoString(buf, "\\t");
				break;
			default:
				if (c < 0x20 || c == 0x7F)
					appendStringInfo(buf, "\\x%02x", c);
				else
					appendStringInfoChar(buf, (char) c);
		}
	}
	appendStringInfoChar(buf, '"');
}

static void
append_float(StringInfo buf, double v)
{
	char		tmp[64];
	int			prec;

	/* plain decimals for ordinary magnitudes, exponents otherwise */
	if (v == 0.0 || (fabs(v) >= 1e-4 && fabs(v) < 1e15))
	{
		for (prec = 1; prec <= 20; prec++)
		{
			snprintf(tmp, sizeof(tmp), "%.*f", prec, v);
			if (strtod(tmp, NULL) == v)
				break;
		}
		/* drop trailing zeros but keep one digit after the point */
		{
			int			len = strlen(tmp);

			while (len > 2 && tmp[len - 1] == '0' && tmp[len - 2] != '.')
				tmp[--len] = '\0';
		}
	}
	else
	{
		for (prec = 1; prec <= 17; prec++)
		{
			snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
			if (strtod(tmp, NULL) == v)
				break;
		}
	}
	appendStringInfoString(buf, tmp);
	if (strpbrk(tmp, ".eEni") == NULL)
		appendStringInfoString(buf, ".0");
}

/* nanoseconds < 1 unit as "N<unit>" or "N.FFF<unit>" */
static void
append_fraction(StringInfo buf, int64 v, int64 unit, const char *name)
{
	int64		whole = v / unit;
	int64		frac = v % unit;

	appendStringInfo(buf, INT64_FORMAT, whole);
	if (frac != 0)
	{
		char		digits[32];
		int			width = 0;
		int64		u;
		int			len;

		for (u = unit; u > 1; u /= 10)
			width++;
		snprintf(digits, sizeof(digits), "%0*" INT64_MODIFIER "d", width, frac);
		len = strlen(digits);
		while (len > 0 && digits[len - 1] == '0')
			digits[--len] = '\0';
		appendStringInfo(buf, ".%s", digits);
	}
	appendStringInfoString(buf, name);
}

static void
append_duration(StringInfo buf, int64 ns)
{
	int64		h,
				m;

	if (ns == PG_INT64_MIN)
	{
		/* its magnitude does not fit: write it as an expression */
		appendStringInfoString(buf, "(-2562047h47m16.854775807s - 1ns)");
		return;
	}
	if (ns == 0)
	{
		appendStringInfoString(buf, "0s");
		return;
	}
	if (ns < 0)
	{
		appendStringInfoChar(buf, '-');
		ns = -ns;
	}
	h = ns / INT64CONST(3600000000000);
	ns %= INT64CONST(3600000000000);
	m = ns / INT64CONST(60000000000);
	ns %= INT64CONST(60000000000);
	if (h > 0)
		appendStringInfo(buf, INT64_FORMAT "h", h);
	if (m > 0)
		appendStringInfo(buf, INT64_FORMAT "m", m);
	if (ns == 0)
		return;
	if (ns >= INT64CONST(1000000000))
		append_fraction(buf, ns, INT64CONST(1000000000), "s");
	else if (ns >= INT64CONST(1000000))
		append_fraction(buf, ns, INT64CONST(1000000), "ms");
	else if (ns >= INT64CONST(1000))
		append_fraction(buf, ns, INT64CONST(1000), "us");
	else
		appendStringInfo(buf, INT64_FORMAT "ns", ns);
}

void
TqlAppendStatic(StringInfo buf, const TqlStatic *value)
{
	switch (value->type)
	{
		case TQL_TYPE_NIL:
			appendStringInfoString(buf, "nil");
			break;
		case TQL_TYPE_BOOL:
			appendStringInfoString(buf, value->v.b ? "true" : "false");
			break;
		case TQL_TYPE_INT:
			if (value->v.i == PG_INT64_MIN)
				appendStringInfoString(buf, "(-9223372036854775807 - 1)");
			else
				appendStringInfo(buf, INT64_FORMAT, value->v.i);
			break;
		case TQL_TYPE_FLOAT:
			append_float(buf, value->v.f);
			break;
		case TQL_TYPE_STRING:
			TqlAppendString(buf, value->v.s);
			break;
		case TQL_TYPE_DURATION:
			append_duration(buf, value->v.i);
			break;
		case TQL_TYPE_STATUS:
			appendStringInfoString(buf, TqlStatusName(value->v.e));
			break;
		case TQL_TYPE_KIND:
			appendStringInfoString(buf, TqlKindName(value->v.e));
			break;
		default:
			appendStringInfoString(buf, "?");
			break;
	}
}

/* Does an attribute name need quoting to read back as the same name? */
static bool
name_needs_quotes(TqlScope scope, const char *name)
{
	const char *c;

	if (name[0] == '\0')
		return true;
	if (scope == TQL_SCOPE_NONE && name[0] >= '0' && name[0] <= '9')
		return true;
	if (scope == TQL_SCOPE_PARENT &&
		(strncmp(name, "span.", 5) == 0 || strncmp(name, "resource.", 9) == 0))
		return true;
	for (c = name; *c; c++)
	{
		if (*c == '"' || *c == ' ' || *c == '\t' || *c == '\n' || *c == '\r' ||
			*c == '\v' || *c == '\f' || strchr("{}()=~!<>&|^,", *c) != NULL)
			return true;
	}
	return false;
}

void
TqlAppendAttributeName(StringInfo buf, TqlScope scope, const char *name)
{
	const char *c;

	appendStringInfoString(buf, TqlScopeName(scope));
	appendStringInfoChar(buf, '.');
	if (!name_needs_quotes(scope, name))
	{
		appendStringInfoString(buf, name);
		return;
	}
	appendStringInfoChar(buf, '"');
	for (c = name; *c; c++)
	{
		if (*c == '"' || *c == '\\')
			appendStringInfoChar(buf, '\\');
		appendStringInfoChar(buf, *c);
	}
	appendStringInfoChar(buf, '"');
}

static bool
operand_needs_parens(const TqlExpr *e)
{
	if (e->kind == TQL_EXPR_BINARY || e->kind == TQL_EXPR_UNARY ||
		e->kind == TQL_EXPR_EXISTS)
		return true;
	if (e->kind == TQL_EXPR_STATIC)
	{
		if ((e->value.type == TQL_TYPE_INT || e->value.type == TQL_TYPE_DURATION) &&
			e->value.v.i < 0)
			return true;
		if (e->value.type == TQL_TYPE_FLOAT && signbit(e->value.v.f))
			return true;
	}
	return false;
}

/*
 * Operands are parenthesised when they are binary operations or existence
 * tests; unary operations and negative literals only on the left of an
 * operator, where "-x * y" would read back as "-(x * y)".
 */
static void
append_operand(StringInfo buf, const TqlExpr *e, bool left)
{
	if (e->kind == TQL_EXPR_BINARY || e->kind == TQL_EXPR_EXISTS ||
		(left && operand_needs_parens(e)))
	{
		appendStringInfoChar(buf, '(');
		TqlAppendExpr(buf, e);
		appendStringInfoChar(buf, ')');
	}
	else
		TqlAppendExpr(buf, e);
}

void
TqlAppendExpr(StringInfo buf, const TqlExpr *expr)
{
	check_stack_depth();

	switch (expr->kind)
	{
		case TQL_EXPR_STATIC:
			TqlAppendStatic(buf, &expr->value);
			break;
		case TQL_EXPR_ATTRIBUTE:
			TqlAppendAttributeName(buf, expr->scope, expr->name);
			break;
		case TQL_EXPR_INTRINSIC:
			appendStringInfoString(buf, TqlIntrinsicName(expr->intrinsic));
			break;
		case TQL_EXPR_UNARY:
			appendStringInfoString(buf, TqlOpName(expr->op));
			append_operand(buf, expr->left, true);
			break;
		case TQL_EXPR_BINARY:
			append_operand(buf, expr->left, true);
			appendStringInfo(buf, " %s ", TqlOpName(expr->op));
			append_operand(buf, expr->right, false);
			break;
		case TQL_EXPR_EXISTS:
			append_operand(buf, expr->left, true);
			appendStringInfoString(buf, " != nil");
			break;
	}
}

static void
append_child_node(StringInfo buf, const TqlNode *node, TqlNodeKind wrap_kind)
{
	bool		wrap = (node->kind == wrap_kind) ||
		(node->kind == TQL_NODE_SCALAR_STATIC &&
		 node->expr->kind != TQL_EXPR_STATIC) ||
		(node->kind == TQL_NODE_SCALAR_STATIC &&
		 operand_needs_parens(node->expr));

	if (wrap)
		appendStringInfoChar(buf, '(');
	TqlAppendNode(buf, node);
	if (wrap)
		appendStringInfoChar(buf, ')');
}

void
TqlAppendNode(StringInfo buf, const TqlNode *node)
{
	int			i;

	check_stack_depth();

	switch (node->kind)
	{
		case TQL_NODE_FILTER:
			appendStringInfoString(buf, "{ ");
			TqlAppendExpr(buf, node->expr);
			appendStringInfoString(buf, " }");
			break;
		case TQL_NODE_SPANSET_OP:
			append_child_node(buf, node->left, TQL_NODE_SPANSET_OP);
			appendStringInfo(buf, " %s ", TqlSpansetOpName(node->ssop));
			append_child_node(buf, node->right, TQL_NODE_SPANSET_OP);
			break;
		case TQL_NODE_PIPELINE:
			if (node->parenthesized)
				appendStringInfoChar(buf, '(');
			for (i = 0; i < node->nitems; i++)
			{
				if (i > 0)
					appendStringInfoString(buf, " | ");
				TqlAppendNode(buf, node->stages[i]);
			}
			if (node->parenthesized)
				appendStringInfoChar(buf, ')');
			break;
		case TQL_NODE_AGGREGATE:
			appendStringInfo(buf, "%s(", TqlAggregateName(node->agg));
			if (node->expr)
				TqlAppendExpr(buf, node->expr);
			appendStringInfoChar(buf, ')');
			break;
		case TQL_NODE_SCALAR_STATIC:
			TqlAppendExpr(buf, node->expr);
			break;
		case TQL_NODE_SCALAR_OP:
			append_child_node(buf, node->left, TQL_NODE_SCALAR_OP);
			appendStringInfo(buf, " %s ", TqlOpName(node->op));
			append_child_node(buf, node->right, TQL_NODE_SCALAR_OP);
			break;
		case TQL_NODE_SCALAR_FILTER:
			TqlAppendNode(buf, node->left);
			appendStringInfo(buf, " %s ", TqlOpName(node->op));
			TqlAppendNode(buf, node->right);
			break;
		case TQL_NODE_GROUP:
			appendStringInfoString(buf, "by(");
			TqlAppendExpr(buf, node->expr);
			appendStringInfoChar(buf, ')');
			break;
		case TQL_NODE_COALESCE:
			appendStringInfoString(buf, "coalesce()");
			break;
		case TQL_NODE_SELECT:
			appendStringInfoString(buf, "select(");
			for (i = 0; i < node->nitems; i++)
			{
				if (i > 0)
					appendStringInfoString(buf, ", ");
				TqlAppendExpr(buf, node->items[i]);
			}
			appendStringInfoChar(buf, ')');
			break;
		case TQL_NODE_METRICS:
			appendStringInfo(buf, "%s(", TqlMetricsFuncName(node->func));
			if (node->func == TQL_MF_COMPARE)
			{
				TqlAppendNode(buf, node->compare_filter);
				if (node->ncompare_args >= 2)
					appendStringInfo(buf, ", " INT64_FORMAT, node->compare_topn);
				if (node->ncompare_args >= 4)
					appendStringInfo(buf, ", " INT64_FORMAT ", " INT64_FORMAT,
									 node->compare_start, node->compare_end);
			}
			else if (node->expr)
				TqlAppendExpr(buf, node->expr);
			for (i = 0; i < node->nquantiles; i++)
			{
				appendStringInfoString(buf, ", ");
				append_float(buf, node->quantiles[i]);
			}
			appendStringInfoChar(buf, ')');
			if (node->has_by)
			{
				appendStringInfoString(buf, " by (");
				for (i = 0; i < node->nitems; i++)
				{
					if (i > 0)
						appendStringInfoString(buf, ", ");
					TqlAppendExpr(buf, node->items[i]);
				}
				appendStringInfoChar(buf, ')');
			}
			break;
		case TQL_NODE_SECOND_STAGE:
			appendStringInfo(buf, "%s(" INT64_FORMAT ")",
							 node->bottom ? "bottomk" : "topk", node->k);
			break;
	}
}

void
TqlAppendQuery(StringInfo buf, const TqlQuery *query)
{
	int			i;

	TqlAppendNode(buf, query->pipeline);
	if (query->metrics)
	{
		appendStringInfoString(buf, " | ");
		TqlAppendNode(buf, query->metrics);
	}
	if (query->second_stage)
	{
		appendStringInfoString(buf, " | ");
		TqlAppendNode(buf, query->second_stage);
	}
	if (query->nhints > 0)
	{
		appendStringInfoString(buf, " with (");
		for (i = 0; i < query->nhints; i++)
		{
			if (i > 0)
				appendStringInfoString(buf, ", ");
			appendStringInfo(buf, "%s = ", query->hints[i].name);
			TqlAppendStatic(buf, &query->hints[i].value);
		}
		appendStringInfoChar(buf, ')');
	}
}

char *
TqlToString(const TqlQuery *query)
{
	StringInfoData buf;

	initStringInfo(&buf);
	TqlAppendQuery(&buf, query);
	return buf.data;
}

char *
TqlExprToString(const TqlExpr *expr)
{
	StringInfoData buf;

	initStringInfo(&buf);
	TqlAppendExpr(&buf, expr);
	return buf.data;
}
