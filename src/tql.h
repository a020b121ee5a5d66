/*-------------------------------------------------------------------------
 *
 * tql.h
 *	  Public API of the TraceQL front end: parse, analyze, print, explain.
 *
 * TqlParse checks the grammar only and raises 42601 (syntax error, with
 * line and column) on failure.  TqlAnalyze types the tree, folds constant
 * sub-expressions, compiles regular expressions and applies the semantic
 * checks: type errors raise 42804, bad values (regex, topk(0), quantiles)
 * raise 22023 and features Tempo 2.9 parses but does not support raise
 * 0A000.  TqlCompile does both.  Every result is allocated in the current
 * memory context.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/tql.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TQL_H
#define TQL_H

#include "tql_nodes.h"

/* Longest query accepted (Tempo's max_query_expression_size_bytes) */
#define TQL_MAX_QUERY_BYTES 131072

/* in tql_parse.c */
extern TqlQuery *TqlParse(const char *query);
extern TqlExpr *TqlParseTag(const char *tag);

/* in tql_analyze.c */
extern void TqlAnalyze(TqlQuery *query);
extern TqlQuery *TqlCompile(const char *query);
extern bool TqlExprReferencesSpan(const TqlExpr *expr);
extern bool TqlQueryNeedsFullTraces(const TqlQuery *query);
extern char *TqlAnchorRegex(const char *pattern, int *flags, const char **error);

/* in tql_nodes.c */
extern char *TqlToString(const TqlQuery *query);
extern char *TqlExprToString(const TqlExpr *expr);

/* in tql_explain.c */
extern char *TqlExplain(const TqlQuery *query);

/*
 * in tql_regex.c (backend) or test/fuzz/tql_shim.c (stand-alone fuzzing):
 * the two services the front end takes from the server.
 */
extern void TqlCheckRegex(const char *src, int location, const char *anchored,
						  int flags);
extern bool TqlValidEncoding(const char *s, int len);

#endif							/* TQL_H */
