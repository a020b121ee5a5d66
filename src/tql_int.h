/*-------------------------------------------------------------------------
 *
 * tql_int.h
 *	  Declarations shared by the TraceQL scanner, parser and analyzer only.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/tql_int.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TQL_INT_H
#define TQL_INT_H

#include "tql_nodes.h"

typedef enum TqlTokenType
{
	TT_EOF = 0,
	TT_LBRACE,					/* { */
	TT_RBRACE,					/* } */
	TT_LPAREN,					/* ( */
	TT_RPAREN,					/* ) */
	TT_COMMA,					/* , */
	TT_PIPE,					/* | */
	TT_EQ,						/* = */
	TT_NEQ,						/* != */
	TT_LT,						/* < */
	TT_LTE,						/* <= */
	TT_GT,						/* > */
	TT_GTE,						/* >= */
	TT_RE,						/* =~ */
	TT_NRE,						/* !~ (also not-sibling) */
	TT_AND,						/* && */
	TT_OR,						/* || */
	TT_NOT,						/* ! */
	TT_ADD,						/* + */
	TT_SUB,						/* - */
	TT_MUL,						/* * */
	TT_DIV,						/* / */
	TT_MOD,						/* % */
	TT_POW,						/* ^ */
	TT_DESC,					/* >> */
	TT_ANCE,					/* << */
	TT_TILDE,					/* ~ */
	TT_NOT_CHILD,				/* !> */
	TT_NOT_PARENT,				/* !< */
	TT_NOT_DESC,				/* !>> */
	TT_NOT_ANCE,				/* !<< */
	TT_UNION_CHILD,				/* &> */
	TT_UNION_PARENT,			/* &< */
	TT_UNION_DESC,				/* &>> */
	TT_UNION_ANCE,				/* &<< */
	TT_UNION_SIBL,				/* &~ */
	TT_STRING,
	TT_INT,
	TT_FLOAT,
	TT_DURATION,
	TT_IDENT,					/* bare word that is not a keyword */
	TT_KEYWORD,
	TT_ATTRIBUTE,				/* scope-dot token plus attribute name */
	TT_SCOPE_COLON				/* span: trace: event: link: instrumentation: */
} TqlTokenType;

/* Keywords; kept in the same order as the table in tql_scan.c */
typedef enum TqlKeyword
{
	KW_NONE = 0,
	KW_AVG,
	KW_BOTTOMK,
	KW_BY,
	KW_CHILDCOUNT,
	KW_CLIENT,
	KW_COALESCE,
	KW_COMPARE,
	KW_CONSUMER,
	KW_COUNT,
	KW_COUNT_OVER_TIME,
	KW_DURATION,
	KW_ERROR,
	KW_FALSE,
	KW_HISTOGRAM_OVER_TIME,
	KW_ID,
	KW_INTERNAL,
	KW_KIND,
	KW_MAX,
	KW_MAX_OVER_TIME,
	KW_MIN,
	KW_MIN_OVER_TIME,
	KW_AVG_OVER_TIME,
	KW_NAME,
	KW_NESTEDSETLEFT,
	KW_NESTEDSETPARENT,
	KW_NESTEDSETRIGHT,
	KW_NIL,
	KW_OK,
	KW_PARENT,
	KW_PARENTID,
	KW_PRODUCER,
	KW_QUANTILE_OVER_TIME,
	KW_RATE,
	KW_ROOTNAME,
	KW_ROOTSERVICE,
	KW_ROOTSERVICENAME,
	KW_SELECT,
	KW_SERVER,
	KW_SPANID,
	KW_STATUS,
	KW_STATUSMESSAGE,
	KW_SUM,
	KW_SUM_OVER_TIME,
	KW_TIMESINCESTART,
	KW_TOPK,
	KW_TRACEDURATION,
	KW_TRACEID,
	KW_TRUE,
	KW_UNSET,
	KW_UNSPECIFIED,
	KW_VERSION,
	KW_WITH
} TqlKeyword;

typedef struct TqlToken
{
	TqlTokenType type;
	int			start;			/* byte offset of the first character */
	int			end;			/* byte offset just past the token */
	TqlKeyword	keyword;		/* KEYWORD */
	TqlScope	scope;			/* ATTRIBUTE; SCOPE_COLON (SPAN...INSTR) */
	bool		trace_scope;	/* SCOPE_COLON: "trace:" */
	char	   *str;			/* STRING value, ATTRIBUTE name, IDENT */
	int64		ival;			/* INT, DURATION (ns) */
	double		fval;			/* FLOAT */
} TqlToken;

typedef struct TqlScanner
{
	const char *src;
	int			len;
	int			pos;
	int			errcode;		/* SQLSTATE of syntax errors */
} TqlScanner;

/* in tql_scan.c */
extern void TqlScannerInit(TqlScanner *scanner, const char *src);
extern void TqlNextToken(TqlScanner *scanner, TqlToken *tok);
extern void TqlSyntaxError(const TqlScanner *scanner, int offset,
						   const char *fmt,...)
			pg_attribute_printf(3, 4) pg_attribute_noreturn();
extern void TqlErrorAt(const char *src, int offset, int sqlerrcode,
					   const char *fmt,...)
			pg_attribute_printf(4, 5) pg_attribute_noreturn();
extern int	TqlClipLength(const char *s, int maxlen);
extern const char *TqlKeywordText(TqlKeyword kw);
extern bool TqlParseDuration(const char *s, int len, int64 *result);

#endif							/* TQL_INT_H */
