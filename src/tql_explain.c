/*-------------------------------------------------------------------------
 *
 * tql_explain.c
 *	  Plan description of an analyzed TraceQL query (tempo.explain).
 *
 * The text starts with the normalized query, then says whether the query
 * is a search or a metrics query and whether the executor needs whole
 * traces, then walks the pipeline.  Each span filter is split into its
 * top-level "&&" conjuncts: a conjunct that compares one field with a
 * literal, or tests a field for existence, is a per-span condition the
 * batch reader can evaluate on its own (projection, zone maps,
 * dictionaries, bloom filters); anything else is a residual evaluated per
 * span after the fetch.  The lines are meant for people and tests, not
 * for machines.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/tql_explain.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "miscadmin.h"

#include "tql.h"

/* fields listed per span filter, at most */
#define TQL_EXPLAIN_MAX_FIELDS 32

static const char *const spanset_op_words[] = {
	"and", "union", "child", "parent", "descendant", "ancestor", "sibling",
	"not child", "not parent", "not descendant", "not ancestor",
	"not sibling", "union child", "union parent", "union descendant",
	"union ancestor", "union sibling"
};

static void explain_node(StringInfo buf, const TqlNode *node, int indent);

static void
indent_line(StringInfo buf, int indent)
{
	appendStringInfoSpaces(buf, indent * 2);
}

static bool
is_field(const TqlExpr *e)
{
	return e->kind == TQL_EXPR_ATTRIBUTE || e->kind == TQL_EXPR_INTRINSIC;
}

/* Where a field's value comes from */
static const char *
field_source(const TqlExpr *e)
{
	if (e->kind == TQL_EXPR_INTRINSIC)
	{
		switch (e->intrinsic)
		{
			case TQL_INTR_TRACE_ID:
			case TQL_INTR_TRACE_DURATION:
			case TQL_INTR_ROOT_NAME:
			case TQL_INTR_ROOT_SERVICE:
				return "trace intrinsic";
			case TQL_INTR_EVENT_NAME:
			case TQL_INTR_EVENT_TIME_SINCE_START:
				return "event intrinsic, any event";
			case TQL_INTR_LINK_TRACE_ID:
			case TQL_INTR_LINK_SPAN_ID:
				return "link intrinsic, any link";
			case TQL_INTR_INSTRUMENTATION_NAME:
			case TQL_INTR_INSTRUMENTATION_VERSION:
				return "instrumentation intrinsic";
			case TQL_INTR_NESTED_SET_LEFT:
			case TQL_INTR_NESTED_SET_RIGHT:
			case TQL_INTR_NESTED_SET_PARENT:
				return "nested-set intrinsic";
			default:
				return "span intrinsic";
		}
	}
	switch (e->scope)
	{
		case TQL_SCOPE_NONE:
			return "span or resource attribute";
		case TQL_SCOPE_SPAN:
			return "span attribute";
		case TQL_SCOPE_RESOURCE:
			return "resource attribute";
		case TQL_SCOPE_EVENT:
			return "event attribute, any event";
		case TQL_SCOPE_LINK:
			return "link attribute, any link";
		case TQL_SCOPE_INSTRUMENTATION:
			return "instrumentation attribute";
		default:
			return "parent attribute";
	}
}

/* Collect the distinct fields an expression reads, in order */
static void
collect_fields(const TqlExpr *e, StringInfo list, int *count)
{
	check_stack_depth();

	if (e == NULL)
		return;
	if (is_field(e))
	{
		char	   *name;
		const char *p;
		size_t		n;

		/* keep the listing (and its quadratic duplicate check) short */
		if (*count > TQL_EXPLAIN_MAX_FIELDS)
			return;
		if (*count == TQL_EXPLAIN_MAX_FIELDS)
		{
			appendStringInfoString(list, ", ...");
			(*count)++;
			return;
		}
		name = TqlExprToString(e);
		p = list->data;
		n = strlen(name);

		/* list is ", "-separated; skip names already present */
		while (p && *p)
		{
			if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0'))
				return;
			p = strstr(p, ", ");
			if (p)
				p += 2;
		}
		if (*count > 0)
			appendStringInfoString(list, ", ");
		appendStringInfoString(list, name);
		(*count)++;
		return;
	}
	collect_fields(e->left, list, count);
	collect_fields(e->right, list, count);
}

static void
explain_conjunct(StringInfo buf, const TqlExpr *e, int indent, int *n)
{
	check_stack_depth();

	if (e->kind == TQL_EXPR_BINARY && e->op == TQL_OP_AND)
	{
		explain_conjunct(buf, e->left, indent, n);
		explain_conjunct(buf, e->right, indent, n);
		return;
	}
	indent_line(buf, indent);
	appendStringInfo(buf, "condition %d: ", ++(*n));
	TqlAppendExpr(buf, e);

	if (e->kind == TQL_EXPR_EXISTS && is_field(e->left))
		appendStringInfo(buf, " (exists, %s)", field_source(e->left));
	else if (e->kind == TQL_EXPR_BINARY && e->op != TQL_OP_OR &&
			 ((is_field(e->left) && e->right->kind == TQL_EXPR_STATIC) ||
			  (is_field(e->right) && e->left->kind == TQL_EXPR_STATIC)))
	{
		const TqlExpr *field = is_field(e->left) ? e->left : e->right;
		const TqlExpr *lit = is_field(e->left) ? e->right : e->left;

		appendStringInfo(buf, " (%s, %s literal", field_source(field),
						 TqlTypeName(lit->type));
		if (e->regex)
			appendStringInfo(buf, ", regex %s", e->regex);
		appendStringInfoChar(buf, ')');
	}
	else if (e->kind == TQL_EXPR_ATTRIBUTE)
		appendStringInfo(buf, " (%s is boolean true)", field_source(e));
	else if (e->kind == TQL_EXPR_STATIC)
		appendStringInfoString(buf, e->value.v.b ? " (every span)" : " (no span)");
	else
		appendStringInfoString(buf, " (residual, evaluated per span)");
	appendStringInfoChar(buf, '\n');
}

static void
explain_node(StringInfo buf, const TqlNode *node, int indent)
{
	int			i;

	check_stack_depth();

	indent_line(buf, indent);
	switch (node->kind)
	{
		case TQL_NODE_FILTER:
			{
				StringInfoData fields;
				int			nfields = 0;
				int			nconds = 0;

				appendStringInfoString(buf, "span filter ");
				TqlAppendNode(buf, node);
				appendStringInfoChar(buf, '\n');
				initStringInfo(&fields);
				collect_fields(node->expr, &fields, &nfields);
				if (nfields > 0)
				{
					indent_line(buf, indent + 1);
					appendStringInfo(buf, "fetch: %s\n", fields.data);
				}
				explain_conjunct(buf, node->expr, indent + 1, &nconds);
				pfree(fields.data);
				break;
			}
		case TQL_NODE_SPANSET_OP:
			appendStringInfo(buf, "spanset operator %s (%s)\n",
							 TqlSpansetOpName(node->ssop),
							 spanset_op_words[node->ssop]);
			explain_node(buf, node->left, indent + 1);
			explain_node(buf, node->right, indent + 1);
			break;
		case TQL_NODE_PIPELINE:
			appendStringInfo(buf, "%spipeline of %d stage%s\n",
							 node->scalar ? "scalar " : "",
							 node->nitems, node->nitems == 1 ? "" : "s");
			for (i = 0; i < node->nitems; i++)
				explain_node(buf, node->stages[i], indent + 1);
			break;
		case TQL_NODE_AGGREGATE:
			appendStringInfoString(buf, "aggregate ");
			TqlAppendNode(buf, node);
			appendStringInfoString(buf, " per spanset\n");
			break;
		case TQL_NODE_SCALAR_STATIC:
		case TQL_NODE_SCALAR_OP:
			appendStringInfoString(buf, "scalar ");
			TqlAppendNode(buf, node);
			appendStringInfoChar(buf, '\n');
			break;
		case TQL_NODE_SCALAR_FILTER:
			appendStringInfoString(buf, "scalar filter ");
			TqlAppendNode(buf, node);
			appendStringInfoString(buf, " (keeps spansets where it holds)\n");
			break;
		case TQL_NODE_GROUP:
			appendStringInfoString(buf, "group ");
			TqlAppendNode(buf, node);
			appendStringInfoString(buf, " (splits each spanset)\n");
			break;
		case TQL_NODE_COALESCE:
			appendStringInfoString(buf, "coalesce() (merges the spansets of a trace)\n");
			break;
		case TQL_NODE_SELECT:
			appendStringInfoString(buf, "select ");
			for (i = 0; i < node->nitems; i++)
			{
				if (i > 0)
					appendStringInfoString(buf, ", ");
				TqlAppendExpr(buf, node->items[i]);
			}
			appendStringInfoString(buf, " (adds values, no filtering)\n");
			break;
		case TQL_NODE_METRICS:
			appendStringInfoString(buf, "metrics ");
			TqlAppendNode(buf, node);
			appendStringInfoChar(buf, '\n');
			if (node->compare_filter)
				explain_node(buf, node->compare_filter, indent + 1);
			break;
		case TQL_NODE_SECOND_STAGE:
			appendStringInfoString(buf, "second stage ");
			TqlAppendNode(buf, node);
			appendStringInfoString(buf, " (per timestamp)\n");
			break;
	}
}

/*
 * TqlExplain
 *		Describe an analyzed query: normalized text and plan.
 */
char *
TqlExplain(const TqlQuery *query)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "query: ");
	TqlAppendQuery(&buf, query);
	appendStringInfo(&buf, "\nkind: %s\n", query->metrics ? "metrics" : "search");
	appendStringInfo(&buf, "whole traces: %s\n",
					 TqlQueryNeedsFullTraces(query) ? "yes" : "no");
	for (i = 0; i < query->nhints; i++)
	{
		appendStringInfo(&buf, "hint: %s = ", query->hints[i].name);
		TqlAppendStatic(&buf, &query->hints[i].value);
		appendStringInfoChar(&buf, '\n');
	}
	appendStringInfoString(&buf, "plan:\n");
	explain_node(&buf, query->pipeline, 1);
	if (query->metrics)
		explain_node(&buf, query->metrics, 1);
	if (query->second_stage)
		explain_node(&buf, query->second_stage, 1);

	/* no trailing newline */
	if (buf.len > 0 && buf.data[buf.len - 1] == '\n')
		buf.data[--buf.len] = '\0';
	return buf.data;
}
