/*-------------------------------------------------------------------------
 *
 * tql_parse.c
 *	  Recursive-descent parser for TraceQL.
 *
 * Why not bison: TraceQL's upstream grammar is an LALR grammar that needs
 * many precedence declarations and leaves several reduce/reduce choices to
 * the parser generator (a parenthesised "( ... )" can be a grouped spanset
 * expression, a grouped scalar expression, a wrapped spanset pipeline or a
 * wrapped scalar pipeline, and which one is known only after the closing
 * parenthesis).  A hand-written parser makes those choices explicit: each
 * operand is parsed once and tagged with what it turned out to be
 * (ElemKind), and the operator that combines two operands checks the tags.
 * It also shares one scanner with the attribute-name rules (see
 * tql_scan.c), gives messages with the exact line and column, and builds
 * outside the server for the fuzz target.  Every recursive function calls
 * check_stack_depth(), so deeply nested input raises an error instead of
 * overflowing the stack.
 *
 * Operator precedence, lowest to highest, as Tempo 2.9 (spec 1.6):
 *
 *	1  |                       pipeline (handled by parse_pipeline)
 *	2  && ||                   same level, left associative
 *	3  = != < <= > >= =~ !~    and the structural spanset operators
 *	4  + -                     (unary - binds here too)
 *	5  !                       unary not
 *	6  * / %
 *	7  ^                       right associative
 *
 * So "a || b && c" is "(a || b) && c", "!.a = .b" is "(!.a) = .b" and
 * "-.a * .b" is "-(.a * .b)", exactly as Tempo's yacc precedences resolve
 * them.
 *
 * The parser enforces the grammar-level rules Tempo enforces at parse time:
 * a scalar filter compares scalars whose literals are numbers; a naked
 * aggregate is not a pipeline stage; only parenthesised pipelines ending in
 * an aggregate may be combined arithmetically, and compared with another
 * such pipeline or with a single literal; "X = nil" is a syntax error;
 * coalesce() cannot start a pipeline; metrics functions come after at
 * least one pipeline stage, and topk/bottomk only after a metrics function.
 * Everything that is a type or value question is left to tql_analyze.c.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/tql_parse.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"

#include "tql.h"
#include "tql_int.h"

typedef struct TqlParser
{
	const char *src;
	TqlScanner	scanner;
	TqlToken	tok;			/* current token (one token of lookahead) */
	TqlQuery   *query;
} TqlParser;

/* What a parsed operand turned out to be */
typedef enum ElemKind
{
	EK_SPANSET,					/* filter, spanset operation, wrapped pipeline */
	EK_SCALAR,					/* aggregate, number, arithmetic over them */
	EK_SCALAR_FILTER,			/* scalar cmp scalar */
	EK_SCALAR_PIPE,				/* (pipeline | aggregate), arithmetic */
	EK_SCALAR_PIPE_FILTER,		/* scalar pipeline cmp (pipeline | literal) */
	EK_LITERAL					/* non-numeric literal */
} ElemKind;

typedef struct Elem
{
	ElemKind	kind;
	TqlNode    *node;
	bool		bare_literal;	/* a single literal, no operator, no parens */
} Elem;

static const char *const elem_kind_names[] = {
	"a spanset expression",
	"a scalar expression",
	"a scalar filter",
	"a scalar pipeline",
	"a scalar pipeline filter",
	"a literal"
};

static TqlNode *parse_pipeline(TqlParser *p, bool in_parens, Elem *result);
static TqlExpr *parse_field(TqlParser *p, int minprec);
static Elem parse_elem(TqlParser *p, int minprec);

static void
advance(TqlParser *p)
{
	TqlNextToken(&p->scanner, &p->tok);
}

static char *
describe_token(TqlParser *p)
{
	int			len = p->tok.end - p->tok.start;

	if (p->tok.type == TT_EOF)
		return pstrdup("end of query");
	if (len > 40)
		return psprintf("\"%.*s...\"", TqlClipLength(p->src + p->tok.start, 40),
						p->src + p->tok.start);
	return psprintf("\"%.*s\"", len, p->src + p->tok.start);
}

static void
unexpected(TqlParser *p, const char *expecting)
{
	if (expecting)
		TqlSyntaxError(&p->scanner, p->tok.start, "unexpected %s, expecting %s",
					   describe_token(p), expecting);
	TqlSyntaxError(&p->scanner, p->tok.start, "unexpected %s", describe_token(p));
}

static void
expect(TqlParser *p, TqlTokenType type, const char *what)
{
	if (p->tok.type != type)
		unexpected(p, what);
	advance(p);
}

static bool
is_keyword(TqlParser *p, TqlKeyword kw)
{
	return p->tok.type == TT_KEYWORD && p->tok.keyword == kw;
}

/* ---------------------------------------------------------------------
 * Literals, attributes and intrinsics
 * ---------------------------------------------------------------------
 */

/* If the current token is a literal, consume it into *value */
static bool
parse_literal_token(TqlParser *p, TqlStatic *value)
{
	memset(value, 0, sizeof(TqlStatic));
	switch (p->tok.type)
	{
		case TT_INT:
			value->type = TQL_TYPE_INT;
			value->v.i = p->tok.ival;
			break;
		case TT_FLOAT:
			value->type = TQL_TYPE_FLOAT;
			value->v.f = p->tok.fval;
			break;
		case TT_DURATION:
			value->type = TQL_TYPE_DURATION;
			value->v.i = p->tok.ival;
			break;
		case TT_STRING:
			value->type = TQL_TYPE_STRING;
			value->v.s = p->tok.str;
			break;
		case TT_KEYWORD:
			switch (p->tok.keyword)
			{
				case KW_TRUE:
				case KW_FALSE:
					value->type = TQL_TYPE_BOOL;
					value->v.b = (p->tok.keyword == KW_TRUE);
					break;
				case KW_NIL:
					value->type = TQL_TYPE_NIL;
					break;
				case KW_OK:
				case KW_ERROR:
				case KW_UNSET:
					value->type = TQL_TYPE_STATUS;
					value->v.e = p->tok.keyword == KW_OK ? TQL_STATUS_OK :
						p->tok.keyword == KW_ERROR ? TQL_STATUS_ERROR :
						TQL_STATUS_UNSET;
					break;
				case KW_UNSPECIFIED:
				case KW_INTERNAL:
				case KW_SERVER:
				case KW_CLIENT:
				case KW_PRODUCER:
				case KW_CONSUMER:
					value->type = TQL_TYPE_KIND;
					value->v.e =
						p->tok.keyword == KW_UNSPECIFIED ? TQL_KIND_UNSPECIFIED :
						p->tok.keyword == KW_INTERNAL ? TQL_KIND_INTERNAL :
						p->tok.keyword == KW_SERVER ? TQL_KIND_SERVER :
						p->tok.keyword == KW_CLIENT ? TQL_KIND_CLIENT :
						p->tok.keyword == KW_PRODUCER ? TQL_KIND_PRODUCER :
						TQL_KIND_CONSUMER;
					break;
				default:
					return false;
			}
			break;
		default:
			return false;
	}
	advance(p);
	return true;
}

/* A literal, with an optional minus before a number (hints, statics) */
static void
parse_signed_literal(TqlParser *p, TqlStatic *value)
{
	if (p->tok.type == TT_SUB)
	{
		advance(p);
		if (p->tok.type != TT_INT && p->tok.type != TT_FLOAT &&
			p->tok.type != TT_DURATION)
			unexpected(p, "a number");
		parse_literal_token(p, value);
		if (value->type == TQL_TYPE_FLOAT)
			value->v.f = -value->v.f;
		else
			value->v.i = -value->v.i;
		return;
	}
	if (!parse_literal_token(p, value))
		unexpected(p, "a literal");
}

/* Legacy (unscoped) intrinsic keywords */
static TqlIntrinsic
legacy_intrinsic(TqlKeyword kw)
{
	switch (kw)
	{
		case KW_NAME:
			return TQL_INTR_NAME;
		case KW_STATUS:
			return TQL_INTR_STATUS;
		case KW_STATUSMESSAGE:
			return TQL_INTR_STATUS_MESSAGE;
		case KW_KIND:
			return TQL_INTR_KIND;
		case KW_DURATION:
			return TQL_INTR_DURATION;
		case KW_TRACEDURATION:
			return TQL_INTR_TRACE_DURATION;
		case KW_ROOTNAME:
			return TQL_INTR_ROOT_NAME;
		case KW_ROOTSERVICENAME:
			return TQL_INTR_ROOT_SERVICE;
		case KW_NESTEDSETLEFT:
			return TQL_INTR_NESTED_SET_LEFT;
		case KW_NESTEDSETRIGHT:
			return TQL_INTR_NESTED_SET_RIGHT;
		case KW_NESTEDSETPARENT:
			return TQL_INTR_NESTED_SET_PARENT;
		case KW_CHILDCOUNT:
			return TQL_INTR_CHILD_COUNT;
		case KW_PARENT:
			return TQL_INTR_PARENT;
		default:
			return TQL_INTR_NONE;
	}
}

/* Intrinsic named by "scope:" + keyword, or TQL_INTR_NONE */
static TqlIntrinsic
scoped_intrinsic(const TqlToken *scope, const TqlToken *name)
{
	TqlKeyword	kw = name->type == TT_KEYWORD ? name->keyword : KW_NONE;

	if (scope->trace_scope)
	{
		switch (kw)
		{
			case KW_DURATION:
				return TQL_INTR_TRACE_DURATION;
			case KW_ROOTNAME:
				return TQL_INTR_ROOT_NAME;
			case KW_ROOTSERVICE:
				return TQL_INTR_ROOT_SERVICE;
			case KW_ID:
				return TQL_INTR_TRACE_ID;
			default:
				return TQL_INTR_NONE;
		}
	}
	switch (scope->scope)
	{
		case TQL_SCOPE_SPAN:
			switch (kw)
			{
				case KW_NAME:
					return TQL_INTR_NAME;
				case KW_STATUS:
					return TQL_INTR_STATUS;
				case KW_STATUSMESSAGE:
					return TQL_INTR_STATUS_MESSAGE;
				case KW_KIND:
					return TQL_INTR_KIND;
				case KW_DURATION:
					return TQL_INTR_DURATION;
				case KW_ID:
					return TQL_INTR_SPAN_ID;
				case KW_PARENTID:
					return TQL_INTR_PARENT_ID;
				default:
					return TQL_INTR_NONE;
			}
		case TQL_SCOPE_EVENT:
			if (kw == KW_NAME)
				return TQL_INTR_EVENT_NAME;
			if (kw == KW_TIMESINCESTART)
				return TQL_INTR_EVENT_TIME_SINCE_START;
			return TQL_INTR_NONE;
		case TQL_SCOPE_LINK:
			if (kw == KW_TRACEID)
				return TQL_INTR_LINK_TRACE_ID;
			if (kw == KW_SPANID)
				return TQL_INTR_LINK_SPAN_ID;
			return TQL_INTR_NONE;
		case TQL_SCOPE_INSTRUMENTATION:
			if (kw == KW_NAME)
				return TQL_INTR_INSTRUMENTATION_NAME;
			if (kw == KW_VERSION)
				return TQL_INTR_INSTRUMENTATION_VERSION;
			return TQL_INTR_NONE;
		default:
			return TQL_INTR_NONE;
	}
}

/*
 * If the current token starts an attribute or an intrinsic, parse it and
 * return the expression; otherwise return NULL without consuming anything.
 */
static TqlExpr *
try_parse_field_ref(TqlParser *p)
{
	TqlExpr    *e;

	if (p->tok.type == TT_ATTRIBUTE)
	{
		e = TqlMakeExpr(TQL_EXPR_ATTRIBUTE, p->tok.start);
		e->scope = p->tok.scope;
		e->name = p->tok.str;
		advance(p);
		return e;
	}
	if (p->tok.type == TT_KEYWORD && legacy_intrinsic(p->tok.keyword) != TQL_INTR_NONE)
	{
		e = TqlMakeExpr(TQL_EXPR_INTRINSIC, p->tok.start);
		e->intrinsic = legacy_intrinsic(p->tok.keyword);
		advance(p);
		return e;
	}
	if (p->tok.type == TT_SCOPE_COLON)
	{
		TqlToken	scope = p->tok;
		TqlIntrinsic intr;

		advance(p);
		intr = scoped_intrinsic(&scope, &p->tok);
		if (intr == TQL_INTR_NONE)
			TqlSyntaxError(&p->scanner, p->tok.start,
						   "unexpected %s, expecting an intrinsic of scope \"%.*s\"",
						   describe_token(p), scope.end - scope.start,
						   p->src + scope.start);
		e = TqlMakeExpr(TQL_EXPR_INTRINSIC, scope.start);
		e->intrinsic = intr;
		advance(p);
		return e;
	}
	return NULL;
}

static TqlExpr *
parse_field_ref(TqlParser *p)
{
	TqlExpr    *e = try_parse_field_ref(p);

	if (e == NULL)
		unexpected(p, "an attribute or intrinsic");
	return e;
}

/* ---------------------------------------------------------------------
 * Field expressions (inside { }, aggregates and by())
 * ---------------------------------------------------------------------
 */

static int
field_precedence(TqlTokenType type, TqlOp *op)
{
	switch (type)
	{
		case TT_AND:
			*op = TQL_OP_AND;
			return 2;
		case TT_OR:
			*op = TQL_OP_OR;
			return 2;
		case TT_EQ:
			*op = TQL_OP_EQ;
			return 3;
		case TT_NEQ:
			*op = TQL_OP_NEQ;
			return 3;
		case TT_LT:
			*op = TQL_OP_LT;
			return 3;
		case TT_LTE:
			*op = TQL_OP_LTE;
			return 3;
		case TT_GT:
			*op = TQL_OP_GT;
			return 3;
		case TT_GTE:
			*op = TQL_OP_GTE;
			return 3;
		case TT_RE:
			*op = TQL_OP_RE;
			return 3;
		case TT_NRE:
			*op = TQL_OP_NRE;
			return 3;
		case TT_ADD:
			*op = TQL_OP_ADD;
			return 4;
		case TT_SUB:
			*op = TQL_OP_SUB;
			return 4;
		case TT_MUL:
			*op = TQL_OP_MUL;
			return 6;
		case TT_DIV:
			*op = TQL_OP_DIV;
			return 6;
		case TT_MOD:
			*op = TQL_OP_MOD;
			return 6;
		case TT_POW:
			*op = TQL_OP_POW;
			return 7;
		default:
			*op = TQL_OP_NONE;
			return -1;
	}
}

static bool
is_nil_literal(const TqlExpr *e)
{
	return e->kind == TQL_EXPR_STATIC && e->value.type == TQL_TYPE_NIL;
}

static TqlExpr *
parse_field_primary(TqlParser *p)
{
	TqlExpr    *e;
	TqlStatic	value;
	int			start = p->tok.start;

	if (p->tok.type == TT_LPAREN)
	{
		advance(p);
		e = parse_field(p, 0);
		expect(p, TT_RPAREN, "\")\"");
		return e;
	}
	if (parse_literal_token(p, &value))
	{
		e = TqlMakeExpr(TQL_EXPR_STATIC, start);
		e->value = value;
		return e;
	}
	e = try_parse_field_ref(p);
	if (e == NULL)
		unexpected(p, NULL);
	return e;
}

/*
 * parse_field
 *		Precedence climbing over field expressions; "minprec" is the lowest
 *		binary operator precedence this call may consume.
 */
static TqlExpr *
parse_field(TqlParser *p, int minprec)
{
	TqlExpr    *lhs;

	check_stack_depth();

	if (p->tok.type == TT_SUB || p->tok.type == TT_NOT)
	{
		bool		neg = (p->tok.type == TT_SUB);

		lhs = TqlMakeExpr(TQL_EXPR_UNARY, p->tok.start);
		lhs->op = neg ? TQL_OP_NEG : TQL_OP_NOT;
		advance(p);
		/* unary - has the precedence of binary -, unary ! its own (5) */
		lhs->left = parse_field(p, neg ? 5 : 6);
	}
	else
		lhs = parse_field_primary(p);

	for (;;)
	{
		TqlOp		op;
		int			prec = field_precedence(p->tok.type, &op);
		int			oploc = p->tok.start;
		TqlExpr    *bin;

		if (prec < 0 || prec < minprec)
			break;
		advance(p);
		bin = TqlMakeExpr(TQL_EXPR_BINARY, oploc);
		bin->op = op;
		bin->left = lhs;
		bin->right = parse_field(p, op == TQL_OP_POW ? prec : prec + 1);

		/* Tempo 2.9: "X = nil" is a syntax error, only "!= nil" exists */
		if (op == TQL_OP_EQ && is_nil_literal(bin->left) != is_nil_literal(bin->right))
			TqlSyntaxError(&p->scanner,
						   is_nil_literal(bin->left) ? bin->left->location : bin->right->location,
						   "unexpected \"nil\", comparing with nil is only possible with \"!=\"");
		lhs = bin;
	}
	return lhs;
}

/* ---------------------------------------------------------------------
 * Pipeline elements: spanset expressions and scalar expressions
 * ---------------------------------------------------------------------
 */

static TqlNode *
parse_spanset_filter(TqlParser *p)
{
	TqlNode    *node = TqlMakeNode(TQL_NODE_FILTER, p->tok.start);

	expect(p, TT_LBRACE, "\"{\"");
	if (p->tok.type == TT_RBRACE)
	{
		/* "{ }" matches every span, like "{ true }" */
		node->expr = TqlMakeExpr(TQL_EXPR_STATIC, node->location);
		node->expr->value.type = TQL_TYPE_BOOL;
		node->expr->value.v.b = true;
	}
	else
		node->expr = parse_field(p, 0);
	expect(p, TT_RBRACE, "\"}\"");
	return node;
}

static TqlNode *
parse_aggregate(TqlParser *p)
{
	TqlNode    *node = TqlMakeNode(TQL_NODE_AGGREGATE, p->tok.start);

	switch (p->tok.keyword)
	{
		case KW_COUNT:
			node->agg = TQL_AGG_COUNT;
			break;
		case KW_AVG:
			node->agg = TQL_AGG_AVG;
			break;
		case KW_MIN:
			node->agg = TQL_AGG_MIN;
			break;
		case KW_MAX:
			node->agg = TQL_AGG_MAX;
			break;
		default:
			node->agg = TQL_AGG_SUM;
			break;
	}
	advance(p);
	expect(p, TT_LPAREN, "\"(\"");
	if (node->agg != TQL_AGG_COUNT)
		node->expr = parse_field(p, 0);
	expect(p, TT_RPAREN, "\")\"");
	return node;
}

static int
elem_precedence(TqlTokenType type)
{
	switch (type)
	{
		case TT_AND:
		case TT_OR:
			return 2;
		case TT_EQ:
		case TT_NEQ:
		case TT_LT:
		case TT_LTE:
		case TT_GT:
		case TT_GTE:
		case TT_RE:
		case TT_NRE:
		case TT_DESC:
		case TT_ANCE:
		case TT_TILDE:
		case TT_NOT_CHILD:
		case TT_NOT_PARENT:
		case TT_NOT_DESC:
		case TT_NOT_ANCE:
		case TT_UNION_CHILD:
		case TT_UNION_PARENT:
		case TT_UNION_DESC:
		case TT_UNION_ANCE:
		case TT_UNION_SIBL:
			return 3;
		case TT_ADD:
		case TT_SUB:
			return 4;
		case TT_MUL:
		case TT_DIV:
		case TT_MOD:
			return 6;
		case TT_POW:
			return 7;
		default:
			return -1;
	}
}

static bool
spanset_operator(TqlTokenType type, TqlSpansetOp *op)
{
	switch (type)
	{
		case TT_AND:
			*op = TQL_SS_AND;
			return true;
		case TT_OR:
			*op = TQL_SS_OR;
			return true;
		case TT_GT:
			*op = TQL_SS_CHILD;
			return true;
		case TT_LT:
			*op = TQL_SS_PARENT;
			return true;
		case TT_DESC:
			*op = TQL_SS_DESCENDANT;
			return true;
		case TT_ANCE:
			*op = TQL_SS_ANCESTOR;
			return true;
		case TT_TILDE:
			*op = TQL_SS_SIBLING;
			return true;
		case TT_NOT_CHILD:
			*op = TQL_SS_NOT_CHILD;
			return true;
		case TT_NOT_PARENT:
			*op = TQL_SS_NOT_PARENT;
			return true;
		case TT_NOT_DESC:
			*op = TQL_SS_NOT_DESCENDANT;
			return true;
		case TT_NOT_ANCE:
			*op = TQL_SS_NOT_ANCESTOR;
			return true;
		case TT_NRE:
			*op = TQL_SS_NOT_SIBLING;
			return true;
		case TT_UNION_CHILD:
			*op = TQL_SS_UNION_CHILD;
			return true;
		case TT_UNION_PARENT:
			*op = TQL_SS_UNION_PARENT;
			return true;
		case TT_UNION_DESC:
			*op = TQL_SS_UNION_DESCENDANT;
			return true;
		case TT_UNION_ANCE:
			*op = TQL_SS_UNION_ANCESTOR;
			return true;
		case TT_UNION_SIBL:
			*op = TQL_SS_UNION_SIBLING;
			return true;
		default:
			return false;
	}
}

static void
combine_error(TqlParser *p, const TqlToken *optok, const Elem *lhs, const Elem *rhs)
{
	TqlSyntaxError(&p->scanner, optok->start,
				   "operator \"%.*s\" cannot combine %s and %s",
				   optok->end - optok->start, p->src + optok->start,
				   elem_kind_names[lhs->kind], elem_kind_names[rhs->kind]);
}

/* Combine two operands with a binary operator, checking what they are */
static Elem
combine(TqlParser *p, const TqlToken *optok, Elem lhs, Elem rhs)
{
	Elem		result;
	TqlSpansetOp ssop;
	TqlOp		op;
	TqlNode    *node;

	memset(&result, 0, sizeof(Elem));

	/* spanset operators */
	if (lhs.kind == EK_SPANSET && rhs.kind == EK_SPANSET &&
		spanset_operator(optok->type, &ssop))
	{
		node = TqlMakeNode(TQL_NODE_SPANSET_OP, optok->start);
		node->ssop = ssop;
		node->left = lhs.node;
		node->right = rhs.node;
		result.kind = EK_SPANSET;
		result.node = node;
		return result;
	}

	(void) field_precedence(optok->type, &op);
	switch (op)
	{
		case TQL_OP_ADD:
		case TQL_OP_SUB:
		case TQL_OP_MUL:
		case TQL_OP_DIV:
		case TQL_OP_MOD:
		case TQL_OP_POW:
			if (!((lhs.kind == EK_SCALAR && rhs.kind == EK_SCALAR) ||
				  (lhs.kind == EK_SCALAR_PIPE && rhs.kind == EK_SCALAR_PIPE)))
				combine_error(p, optok, &lhs, &rhs);
			node = TqlMakeNode(TQL_NODE_SCALAR_OP, optok->start);
			node->op = op;
			node->left = lhs.node;
			node->right = rhs.node;
			result.kind = lhs.kind;
			result.node = node;
			return result;

		case TQL_OP_EQ:
		case TQL_OP_NEQ:
		case TQL_OP_LT:
		case TQL_OP_LTE:
		case TQL_OP_GT:
		case TQL_OP_GTE:
			if (lhs.kind == EK_SCALAR && rhs.kind == EK_SCALAR)
				result.kind = EK_SCALAR_FILTER;
			else if (lhs.kind == EK_SCALAR_PIPE &&
					 (rhs.kind == EK_SCALAR_PIPE ||
					  ((rhs.kind == EK_SCALAR || rhs.kind == EK_LITERAL) &&
					   rhs.bare_literal)))
				result.kind = EK_SCALAR_PIPE_FILTER;
			else
				combine_error(p, optok, &lhs, &rhs);
			node = TqlMakeNode(TQL_NODE_SCALAR_FILTER, optok->start);
			node->op = op;
			node->left = lhs.node;
			node->right = rhs.node;
			result.node = node;
			return result;

		default:
			combine_error(p, optok, &lhs, &rhs);
	}
	return result;				/* keep compiler quiet */
}

static Elem
parse_elem_primary(TqlParser *p)
{
	Elem		result;
	TqlStatic	value;
	int			start = p->tok.start;

	memset(&result, 0, sizeof(Elem));

	if (p->tok.type == TT_LBRACE)
	{
		result.kind = EK_SPANSET;
		result.node = parse_spanset_filter(p);
		return result;
	}
	if (p->tok.type == TT_LPAREN)
	{
		advance(p);
		result.node = parse_pipeline(p, true, &result);
		expect(p, TT_RPAREN, "\")\"");
		result.bare_literal = false;
		return result;
	}
	if (p->tok.type == TT_KEYWORD &&
		(p->tok.keyword == KW_COUNT || p->tok.keyword == KW_AVG ||
		 p->tok.keyword == KW_MIN || p->tok.keyword == KW_MAX ||
		 p->tok.keyword == KW_SUM))
	{
		result.kind = EK_SCALAR;
		result.node = parse_aggregate(p);
		return result;
	}
	if (p->tok.type == TT_SUB || parse_literal_token(p, &value))
	{
		if (start == p->tok.start)	/* not consumed yet: a minus sign */
			parse_signed_literal(p, &value);
		result.node = TqlMakeNode(TQL_NODE_SCALAR_STATIC, start);
		result.node->expr = TqlMakeExpr(TQL_EXPR_STATIC, start);
		result.node->expr->value = value;
		result.bare_literal = true;
		if (value.type == TQL_TYPE_INT || value.type == TQL_TYPE_FLOAT ||
			value.type == TQL_TYPE_DURATION)
			result.kind = EK_SCALAR;
		else
			result.kind = EK_LITERAL;
		return result;
	}
	unexpected(p, NULL);
	return result;				/* keep compiler quiet */
}

static Elem
parse_elem(TqlParser *p, int minprec)
{
	Elem		lhs;

	check_stack_depth();

	lhs = parse_elem_primary(p);
	for (;;)
	{
		int			prec = elem_precedence(p->tok.type);
		TqlToken	optok = p->tok;
		Elem		rhs;

		if (prec < 0 || prec < minprec)
			break;
		advance(p);
		rhs = parse_elem(p, optok.type == TT_POW ? prec : prec + 1);
		lhs = combine(p, &optok, lhs, rhs);
	}
	return lhs;
}

/* ---------------------------------------------------------------------
 * Pipeline stages, metrics, hints
 * ---------------------------------------------------------------------
 */

static bool
is_metrics_keyword(TqlKeyword kw)
{
	switch (kw)
	{
		case KW_RATE:
		case KW_COUNT_OVER_TIME:
		case KW_MIN_OVER_TIME:
		case KW_MAX_OVER_TIME:
		case KW_AVG_OVER_TIME:
		case KW_SUM_OVER_TIME:
		case KW_QUANTILE_OVER_TIME:
		case KW_HISTOGRAM_OVER_TIME:
		case KW_COMPARE:
			return true;
		default:
			return false;
	}
}

static int64
parse_int_arg(TqlParser *p)
{
	int64		v;

	if (p->tok.type != TT_INT)
		unexpected(p, "an integer");
	v = p->tok.ival;
	advance(p);
	return v;
}

static TqlNode *
parse_metrics(TqlParser *p)
{
	TqlNode    *node = TqlMakeNode(TQL_NODE_METRICS, p->tok.start);
	TqlKeyword	kw = p->tok.keyword;

	switch (kw)
	{
		case KW_RATE:
			node->func = TQL_MF_RATE;
			break;
		case KW_COUNT_OVER_TIME:
			node->func = TQL_MF_COUNT_OVER_TIME;
			break;
		case KW_MIN_OVER_TIME:
			node->func = TQL_MF_MIN_OVER_TIME;
			break;
		case KW_MAX_OVER_TIME:
			node->func = TQL_MF_MAX_OVER_TIME;
			break;
		case KW_AVG_OVER_TIME:
			node->func = TQL_MF_AVG_OVER_TIME;
			break;
		case KW_SUM_OVER_TIME:
			node->func = TQL_MF_SUM_OVER_TIME;
			break;
		case KW_QUANTILE_OVER_TIME:
			node->func = TQL_MF_QUANTILE_OVER_TIME;
			break;
		case KW_HISTOGRAM_OVER_TIME:
			node->func = TQL_MF_HISTOGRAM_OVER_TIME;
			break;
		default:
			node->func = TQL_MF_COMPARE;
			break;
	}
	advance(p);
	expect(p, TT_LPAREN, "\"(\"");

	switch (node->func)
	{
		case TQL_MF_RATE:
		case TQL_MF_COUNT_OVER_TIME:
			break;
		case TQL_MF_COMPARE:
			node->compare_filter = parse_spanset_filter(p);
			node->ncompare_args = 1;
			if (p->tok.type == TT_COMMA)
			{
				advance(p);
				node->compare_topn = parse_int_arg(p);
				node->ncompare_args = 2;
				if (p->tok.type == TT_COMMA)
				{
					advance(p);
					node->compare_start = parse_int_arg(p);
					expect(p, TT_COMMA, "\",\"");
					node->compare_end = parse_int_arg(p);
					node->ncompare_args = 4;
				}
			}
			break;
		case TQL_MF_QUANTILE_OVER_TIME:
			node->expr = parse_field_ref(p);
			if (p->tok.type != TT_COMMA)
				unexpected(p, "\",\"");
			while (p->tok.type == TT_COMMA)
			{
				double		q = 0.0;

				advance(p);
				if (p->tok.type == TT_INT)
					q = (double) p->tok.ival;
				else if (p->tok.type == TT_FLOAT)
					q = p->tok.fval;
				else
					unexpected(p, "a number");
				advance(p);
				node->quantiles = node->nquantiles == 0 ?
					palloc(sizeof(double)) :
					repalloc(node->quantiles, sizeof(double) * (node->nquantiles + 1));
				node->quantiles[node->nquantiles++] = q;
			}
			break;
		default:
			node->expr = parse_field_ref(p);
			break;
	}
	expect(p, TT_RPAREN, "\")\"");

	if (node->func != TQL_MF_COMPARE && is_keyword(p, KW_BY))
	{
		advance(p);
		expect(p, TT_LPAREN, "\"(\"");
		node->has_by = true;
		TqlAppendItem(node, parse_field_ref(p));
		while (p->tok.type == TT_COMMA)
		{
			advance(p);
			TqlAppendItem(node, parse_field_ref(p));
		}
		expect(p, TT_RPAREN, "\")\"");
	}
	return node;
}

static TqlNode *
parse_second_stage(TqlParser *p)
{
	TqlNode    *node = TqlMakeNode(TQL_NODE_SECOND_STAGE, p->tok.start);

	if (!is_keyword(p, KW_TOPK) && !is_keyword(p, KW_BOTTOMK))
		unexpected(p, "\"topk\" or \"bottomk\"");
	node->bottom = is_keyword(p, KW_BOTTOMK);
	advance(p);
	expect(p, TT_LPAREN, "\"(\"");
	node->k = parse_int_arg(p);
	expect(p, TT_RPAREN, "\")\"");
	return node;
}

/* by(), coalesce(), select(): return NULL if the token starts none */
static TqlNode *
parse_stage_keyword(TqlParser *p, bool first)
{
	TqlNode    *node;

	if (is_keyword(p, KW_BY))
	{
		node = TqlMakeNode(TQL_NODE_GROUP, p->tok.start);
		advance(p);
		expect(p, TT_LPAREN, "\"(\"");
		node->expr = parse_field(p, 0);
		expect(p, TT_RPAREN, "\")\"");
		return node;
	}
	if (is_keyword(p, KW_COALESCE))
	{
		if (first)
			unexpected(p, NULL);
		node = TqlMakeNode(TQL_NODE_COALESCE, p->tok.start);
		advance(p);
		expect(p, TT_LPAREN, "\"(\"");
		expect(p, TT_RPAREN, "\")\"");
		return node;
	}
	if (is_keyword(p, KW_SELECT))
	{
		node = TqlMakeNode(TQL_NODE_SELECT, p->tok.start);
		advance(p);
		expect(p, TT_LPAREN, "\"(\"");
		TqlAppendItem(node, parse_field_ref(p));
		while (p->tok.type == TT_COMMA)
		{
			advance(p);
			TqlAppendItem(node, parse_field_ref(p));
		}
		expect(p, TT_RPAREN, "\")\"");
		return node;
	}
	return NULL;
}

/*
 * parse_pipeline
 *		Parse "stage | stage | ...", either the top-level pipeline or the
 *		contents of a parenthesis (in_parens).
 *
 * At top level the result is always a PIPELINE node, and a metrics
 * function ends it.  Inside parentheses a single spanset expression or
 * scalar expression is returned as it is (the parentheses only group);
 * anything else becomes a parenthesised PIPELINE node, marked "scalar" if
 * it ends with an aggregate.  *result says which.
 */
static TqlNode *
parse_pipeline(TqlParser *p, bool in_parens, Elem *result)
{
	TqlNode    *pipeline = TqlMakeNode(TQL_NODE_PIPELINE, p->tok.start);
	bool		first = true;

	check_stack_depth();

	pipeline->parenthesized = in_parens;
	for (;;)
	{
		TqlNode    *stage;
		Elem		elem;
		bool		at_end;

		if (!first && !in_parens && p->tok.type == TT_KEYWORD &&
			is_metrics_keyword(p->tok.keyword))
		{
			p->query->metrics = parse_metrics(p);
			if (p->tok.type == TT_PIPE)
			{
				/* topk/bottomk; after compare() the analyzer rejects it */
				advance(p);
				p->query->second_stage = parse_second_stage(p);
			}
			break;
		}

		stage = parse_stage_keyword(p, first);
		if (stage != NULL)
		{
			TqlAppendStage(pipeline, stage);
		}
		else
		{
			elem = parse_elem(p, 2);
			at_end = in_parens ? (p->tok.type == TT_RPAREN) :
				(p->tok.type == TT_EOF || is_keyword(p, KW_WITH));

			switch (elem.kind)
			{
				case EK_SPANSET:
				case EK_SCALAR_FILTER:
					if (in_parens && first && at_end && elem.kind == EK_SPANSET)
					{
						/* "( spanset expression )" only groups */
						*result = elem;
						return elem.node;
					}
					TqlAppendStage(pipeline, elem.node);
					break;
				case EK_SCALAR:
					if (in_parens && at_end && first)
					{
						/* "( scalar expression )" only groups */
						*result = elem;
						return elem.node;
					}
					if (in_parens && at_end && !first &&
						elem.node->kind == TQL_NODE_AGGREGATE)
					{
						TqlAppendStage(pipeline, elem.node);
						pipeline->scalar = true;
						result->kind = EK_SCALAR_PIPE;
						result->node = pipeline;
						return pipeline;
					}
					unexpected(p, "a comparison operator");
					break;
				case EK_SCALAR_PIPE:
					if (in_parens && at_end && first)
					{
						*result = elem;
						return elem.node;
					}
					unexpected(p, "a comparison operator");
					break;
				case EK_SCALAR_PIPE_FILTER:
					if (in_parens || !first || !at_end)
						TqlSyntaxError(&p->scanner, elem.node->location,
									   "a comparison of scalar pipelines must be the whole query");
					TqlAppendStage(pipeline, elem.node);
					break;
				case EK_LITERAL:
					TqlSyntaxError(&p->scanner, elem.node->location,
								   "unexpected literal, expecting a spanset filter or a scalar filter");
					break;
			}
		}

		if (p->tok.type != TT_PIPE)
			break;
		advance(p);
		first = false;
	}

	result->kind = EK_SPANSET;
	result->node = pipeline;
	result->bare_literal = false;
	return pipeline;
}

static void
parse_hints(TqlParser *p)
{
	TqlQuery   *q = p->query;

	advance(p);					/* "with" */
	expect(p, TT_LPAREN, "\"(\"");
	for (;;)
	{
		TqlHint    *hint;

		if (p->tok.type != TT_IDENT)
			unexpected(p, "a hint name");
		q->hints = q->nhints == 0 ? palloc(sizeof(TqlHint)) :
			repalloc(q->hints, sizeof(TqlHint) * (q->nhints + 1));
		hint = &q->hints[q->nhints++];
		hint->name = p->tok.str;
		hint->location = p->tok.start;
		advance(p);
		expect(p, TT_EQ, "\"=\"");
		parse_signed_literal(p, &hint->value);
		if (p->tok.type != TT_COMMA)
			break;
		advance(p);
	}
	expect(p, TT_RPAREN, "\")\"");
}

/*
 * TqlParse
 *		Parse a TraceQL query (grammar only).  Raises 42601 on any error.
 */
TqlQuery *
TqlParse(const char *query)
{
	TqlParser	parser;
	TqlParser  *p = &parser;
	Elem		elem;

	if (strlen(query) > TQL_MAX_QUERY_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("TraceQL query is too long"),
				 errdetail("The query has %zu bytes, the maximum is %d.",
						   strlen(query), TQL_MAX_QUERY_BYTES)));

	memset(p, 0, sizeof(TqlParser));
	p->src = query;
	p->query = palloc0(sizeof(TqlQuery));
	p->query->source = query;
	TqlScannerInit(&p->scanner, query);
	advance(p);

	if (p->tok.type == TT_EOF)
		unexpected(p, NULL);
	p->query->pipeline = parse_pipeline(p, false, &elem);
	if (is_keyword(p, KW_WITH))
		parse_hints(p);
	if (p->tok.type != TT_EOF)
		unexpected(p, NULL);
	return p->query;
}

/*
 * TqlParseTag
 *		Parse the tag name of a tag-values lookup (spec section 3): one
 *		intrinsic (legacy or scoped) or one attribute with a scope or a
 *		leading dot ("span:name", "status", ".x", "resource.\"a b\"").
 *		Anything else, including the unsupported parent scopes, raises
 *		22023 ("app.user.id", "foo", "{ .a }").
 */
TqlExpr *
TqlParseTag(const char *tag)
{
	TqlParser	parser;
	TqlParser  *p = &parser;
	TqlExpr    *e;

	memset(p, 0, sizeof(TqlParser));
	p->src = tag;
	TqlScannerInit(&p->scanner, tag);
	p->scanner.errcode = ERRCODE_INVALID_PARAMETER_VALUE;
	advance(p);

	e = try_parse_field_ref(p);
	if (e == NULL || p->tok.type != TT_EOF ||
		(e->kind == TQL_EXPR_ATTRIBUTE &&
		 (e->scope == TQL_SCOPE_PARENT || e->scope == TQL_SCOPE_PARENT_SPAN ||
		  e->scope == TQL_SCOPE_PARENT_RESOURCE)) ||
		(e->kind == TQL_EXPR_INTRINSIC &&
		 (e->intrinsic == TQL_INTR_PARENT || e->intrinsic == TQL_INTR_CHILD_COUNT)))
		TqlSyntaxError(&p->scanner, 0,
					   "tag name is not a valid intrinsic or scoped attribute");
	e->type = (e->kind == TQL_EXPR_INTRINSIC) ?
		TqlIntrinsicType(e->intrinsic) : TQL_TYPE_ATTRIBUTE;
	return e;
}
