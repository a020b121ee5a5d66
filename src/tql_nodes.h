/*-------------------------------------------------------------------------
 *
 * tql_nodes.h
 *	  The TraceQL syntax tree: field expressions, pipeline nodes and the
 *	  query root, as produced by the parser and refined by the analyzer.
 *
 * Two node families:
 *
 *	TqlExpr  - a field expression, evaluated per span: literals (statics),
 *			   attributes (scope + name), intrinsics, unary and binary
 *			   operators, and existence tests (X != nil).  The analyzer
 *			   fills in the static type of every node and folds constant
 *			   sub-trees into TQL_EXPR_STATIC nodes.
 *
 *	TqlNode  - everything above field expressions: span filters, spanset
 *			   operators, pipelines, aggregates, scalar filters, by(),
 *			   coalesce(), select() and the metrics stages.
 *
 * A query is a TqlQuery: one top-level pipeline (a TQL_NODE_PIPELINE),
 * optionally followed by a metrics function and a second metrics stage,
 * and the with(...) hints.  Every node carries the byte offset of its first
 * token in the query text, for error messages.
 *
 * All nodes are palloc'd in the caller's memory context; nothing is shared
 * between queries.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/tql_nodes.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TQL_NODES_H
#define TQL_NODES_H

#include "lib/stringinfo.h"

/* Static types (section 1.3 of the spec) */
typedef enum TqlType
{
	TQL_TYPE_ATTRIBUTE = 0,		/* attribute: type known only at run time */
	TQL_TYPE_NUMERIC,			/* arithmetic over attributes: some number */
	TQL_TYPE_NIL,
	TQL_TYPE_BOOL,
	TQL_TYPE_INT,
	TQL_TYPE_FLOAT,
	TQL_TYPE_STRING,
	TQL_TYPE_DURATION,
	TQL_TYPE_STATUS,
	TQL_TYPE_KIND
} TqlType;

/* Span status (OTLP numbering: 0 unset, 1 ok, 2 error) */
typedef enum TqlStatus
{
	TQL_STATUS_UNSET = 0,
	TQL_STATUS_OK = 1,
	TQL_STATUS_ERROR = 2
} TqlStatus;

/* Span kind (OTLP numbering) */
typedef enum TqlKind
{
	TQL_KIND_UNSPECIFIED = 0,
	TQL_KIND_INTERNAL = 1,
	TQL_KIND_SERVER = 2,
	TQL_KIND_CLIENT = 3,
	TQL_KIND_PRODUCER = 4,
	TQL_KIND_CONSUMER = 5
} TqlKind;

/* Attribute scopes */
typedef enum TqlScope
{
	TQL_SCOPE_NONE = 0,			/* unscoped ".x": span, then resource, ... */
	TQL_SCOPE_SPAN,
	TQL_SCOPE_RESOURCE,
	TQL_SCOPE_EVENT,
	TQL_SCOPE_LINK,
	TQL_SCOPE_INSTRUMENTATION,
	TQL_SCOPE_PARENT,			/* parent.x (unsupported) */
	TQL_SCOPE_PARENT_SPAN,		/* parent.span.x (unsupported) */
	TQL_SCOPE_PARENT_RESOURCE	/* parent.resource.x (unsupported) */
} TqlScope;

/* Intrinsics, legacy and scoped forms map to the same value */
typedef enum TqlIntrinsic
{
	TQL_INTR_NONE = 0,
	TQL_INTR_NAME,				/* span:name, name */
	TQL_INTR_STATUS,			/* span:status, status */
	TQL_INTR_STATUS_MESSAGE,	/* span:statusMessage, statusMessage */
	TQL_INTR_KIND,				/* span:kind, kind */
	TQL_INTR_DURATION,			/* span:duration, duration */
	TQL_INTR_SPAN_ID,			/* span:id */
	TQL_INTR_PARENT_ID,			/* span:parentID */
	TQL_INTR_TRACE_ID,			/* trace:id */
	TQL_INTR_TRACE_DURATION,	/* trace:duration, traceDuration */
	TQL_INTR_ROOT_NAME,			/* trace:rootName, rootName */
	TQL_INTR_ROOT_SERVICE,		/* trace:rootService, rootServiceName */
	TQL_INTR_EVENT_NAME,		/* event:name */
	TQL_INTR_EVENT_TIME_SINCE_START,	/* event:timeSinceStart */
	TQL_INTR_LINK_TRACE_ID,		/* link:traceID */
	TQL_INTR_LINK_SPAN_ID,		/* link:spanID */
	TQL_INTR_INSTRUMENTATION_NAME,	/* instrumentation:name */
	TQL_INTR_INSTRUMENTATION_VERSION,	/* instrumentation:version */
	TQL_INTR_NESTED_SET_LEFT,	/* nestedSetLeft */
	TQL_INTR_NESTED_SET_RIGHT,	/* nestedSetRight */
	TQL_INTR_NESTED_SET_PARENT, /* nestedSetParent */
	TQL_INTR_CHILD_COUNT,		/* childCount (unsupported) */
	TQL_INTR_PARENT				/* parent (unsupported) */
} TqlIntrinsic;

#define TQL_INTR_COUNT (TQL_INTR_PARENT + 1)

/* Field expression operators */
typedef enum TqlOp
{
	TQL_OP_NONE = 0,
	TQL_OP_ADD,
	TQL_OP_SUB,
	TQL_OP_MUL,
	TQL_OP_DIV,
	TQL_OP_MOD,
	TQL_OP_POW,
	TQL_OP_EQ,
	TQL_OP_NEQ,
	TQL_OP_LT,
	TQL_OP_LTE,
	TQL_OP_GT,
	TQL_OP_GTE,
	TQL_OP_RE,					/* =~ (fully anchored) */
	TQL_OP_NRE,					/* !~ */
	TQL_OP_AND,
	TQL_OP_OR,
	TQL_OP_NOT,					/* unary ! */
	TQL_OP_NEG					/* unary - */
} TqlOp;

/* Spanset operators (between spanset expressions) */
typedef enum TqlSpansetOp
{
	TQL_SS_AND = 0,				/* && */
	TQL_SS_OR,					/* || */
	TQL_SS_CHILD,				/* > */
	TQL_SS_PARENT,				/* < */
	TQL_SS_DESCENDANT,			/* >> */
	TQL_SS_ANCESTOR,			/* << */
	TQL_SS_SIBLING,				/* ~ */
	TQL_SS_NOT_CHILD,			/* !> */
	TQL_SS_NOT_PARENT,			/* !< */
	TQL_SS_NOT_DESCENDANT,		/* !>> */
	TQL_SS_NOT_ANCESTOR,		/* !<< */
	TQL_SS_NOT_SIBLING,			/* !~ */
	TQL_SS_UNION_CHILD,			/* &> */
	TQL_SS_UNION_PARENT,		/* &< */
	TQL_SS_UNION_DESCENDANT,	/* &>> */
	TQL_SS_UNION_ANCESTOR,		/* &<< */
	TQL_SS_UNION_SIBLING		/* &~ */
} TqlSpansetOp;

/* Aggregates of scalar filters */
typedef enum TqlAggregate
{
	TQL_AGG_COUNT = 0,
	TQL_AGG_AVG,
	TQL_AGG_MIN,
	TQL_AGG_MAX,
	TQL_AGG_SUM
} TqlAggregate;

/* Metrics functions (section 2.1) */
typedef enum TqlMetricsFunc
{
	TQL_MF_RATE = 0,
	TQL_MF_COUNT_OVER_TIME,
	TQL_MF_MIN_OVER_TIME,
	TQL_MF_MAX_OVER_TIME,
	TQL_MF_AVG_OVER_TIME,
	TQL_MF_SUM_OVER_TIME,
	TQL_MF_QUANTILE_OVER_TIME,
	TQL_MF_HISTOGRAM_OVER_TIME,
	TQL_MF_COMPARE
} TqlMetricsFunc;

/* Literal value */
typedef struct TqlStatic
{
	TqlType		type;			/* never ATTRIBUTE or NUMERIC */
	union
	{
		bool		b;
		int64		i;			/* INT, and DURATION in nanoseconds */
		double		f;
		int			e;			/* STATUS / KIND enum value */
		char	   *s;			/* STRING, NUL-terminated, no embedded NUL */
	}			v;
} TqlStatic;

typedef enum TqlExprKind
{
	TQL_EXPR_STATIC = 0,
	TQL_EXPR_ATTRIBUTE,
	TQL_EXPR_INTRINSIC,
	TQL_EXPR_UNARY,
	TQL_EXPR_BINARY,
	TQL_EXPR_EXISTS				/* "arg != nil" after analysis */
} TqlExprKind;

typedef struct TqlExpr
{
	TqlExprKind kind;
	int			location;		/* byte offset in the query text */
	TqlType		type;			/* static type, set by the analyzer */
	TqlStatic	value;			/* STATIC */
	TqlScope	scope;			/* ATTRIBUTE */
	char	   *name;			/* ATTRIBUTE: name without scope */
	TqlIntrinsic intrinsic;		/* INTRINSIC */
	TqlOp		op;				/* UNARY, BINARY */
	struct TqlExpr *left;		/* UNARY / EXISTS operand, BINARY lhs */
	struct TqlExpr *right;		/* BINARY rhs */
	char	   *regex;			/* RE/NRE with static rhs: the anchored
								 * pattern handed to the regex engine */
	int			regex_flags;	/* and its pg_regcomp flags (REG_*); the
								 * executor compiles with
								 * RE_compile_and_cache(regex, regex_flags,
								 * C_COLLATION_OID), as tql_regex.c checks */
} TqlExpr;

typedef enum TqlNodeKind
{
	TQL_NODE_FILTER = 0,		/* { expr } */
	TQL_NODE_SPANSET_OP,		/* left op right */
	TQL_NODE_PIPELINE,			/* stage | stage | ... */
	TQL_NODE_AGGREGATE,			/* count() avg(e) ... */
	TQL_NODE_SCALAR_STATIC,		/* numeric literal in a scalar expression */
	TQL_NODE_SCALAR_OP,			/* arithmetic over scalars */
	TQL_NODE_SCALAR_FILTER,		/* scalar cmp scalar */
	TQL_NODE_GROUP,				/* by(e) */
	TQL_NODE_COALESCE,			/* coalesce() */
	TQL_NODE_SELECT,			/* select(a, b, ...) */
	TQL_NODE_METRICS,			/* rate() ... compare(...) */
	TQL_NODE_SECOND_STAGE		/* topk(k) / bottomk(k) */
} TqlNodeKind;

typedef struct TqlNode
{
	TqlNodeKind kind;
	int			location;
	TqlExpr    *expr;			/* FILTER, AGGREGATE (NULL for count()),
								 * GROUP, SCALAR_STATIC, METRICS attribute */
	TqlSpansetOp ssop;			/* SPANSET_OP */
	TqlOp		op;				/* SCALAR_OP, SCALAR_FILTER */
	TqlAggregate agg;			/* AGGREGATE */
	struct TqlNode *left;		/* SPANSET_OP, SCALAR_OP, SCALAR_FILTER */
	struct TqlNode *right;
	int			nitems;			/* PIPELINE stages, SELECT/METRICS-by items */
	struct TqlNode **stages;	/* PIPELINE */
	TqlExpr   **items;			/* SELECT attributes, METRICS by() list */
	bool		parenthesized;	/* PIPELINE written as "( ... )" */
	bool		scalar;			/* PIPELINE ending in an aggregate */
	/* METRICS */
	TqlMetricsFunc func;
	bool		has_by;
	int			nquantiles;
	double	   *quantiles;
	struct TqlNode *compare_filter; /* compare({...}) */
	int			ncompare_args;	/* 1, 2 or 4 */
	int64		compare_topn;
	int64		compare_start;
	int64		compare_end;
	/* SECOND_STAGE */
	bool		bottom;			/* bottomk rather than topk */
	int64		k;
} TqlNode;

typedef struct TqlHint
{
	char	   *name;
	TqlStatic	value;
	int			location;
} TqlHint;

typedef struct TqlQuery
{
	const char *source;			/* the query text */
	TqlNode    *pipeline;		/* always a TQL_NODE_PIPELINE */
	TqlNode    *metrics;		/* NULL for search queries */
	TqlNode    *second_stage;	/* topk/bottomk, or NULL */
	int			nhints;
	TqlHint    *hints;
	bool		analyzed;
} TqlQuery;

/* in tql_nodes.c */
extern TqlExpr *TqlMakeExpr(TqlExprKind kind, int location);
extern TqlNode *TqlMakeNode(TqlNodeKind kind, int location);
extern void TqlAppendStage(TqlNode *pipeline, TqlNode *stage);
extern void TqlAppendItem(TqlNode *node, TqlExpr *item);
extern const char *TqlTypeName(TqlType type);
extern const char *TqlOpName(TqlOp op);
extern const char *TqlSpansetOpName(TqlSpansetOp op);
extern const char *TqlAggregateName(TqlAggregate agg);
extern const char *TqlMetricsFuncName(TqlMetricsFunc func);
extern const char *TqlIntrinsicName(TqlIntrinsic intr);
extern const char *TqlScopeName(TqlScope scope);
extern const char *TqlStatusName(int status);
extern const char *TqlKindName(int kind);
extern TqlType TqlIntrinsicType(TqlIntrinsic intr);
extern void TqlAppendStatic(StringInfo buf, const TqlStatic *value);
extern void TqlAppendString(StringInfo buf, const char *s);
extern void TqlAppendAttributeName(StringInfo buf, TqlScope scope,
								   const char *name);
extern void TqlAppendExpr(StringInfo buf, const TqlExpr *expr);
extern void TqlAppendNode(StringInfo buf, const TqlNode *node);
extern void TqlAppendQuery(StringInfo buf, const TqlQuery *query);

#endif							/* TQL_NODES_H */
