/*-------------------------------------------------------------------------
 *
 * tql_funcs.c
 *	  SQL-callable wrappers of the TraceQL front end.
 *
 * tempo.explain(q text) parses and analyzes q in a memory context owned by
 * the call, and returns the normalized query and the plan description as
 * text.  Errors are raised by the front end with the SQLSTATEs of
 * DESIGN.md 3.3; the context is a child of the caller's, so an error
 * releases it with the rest of the statement's memory.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/tql_funcs.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "tql.h"

PG_FUNCTION_INFO_V1(tempo_explain);

Datum
tempo_explain(PG_FUNCTION_ARGS)
{
	char	   *query = text_to_cstring(PG_GETARG_TEXT_PP(0));
	MemoryContext callcxt = CurrentMemoryContext;
	MemoryContext tqlcxt;
	MemoryContext oldcxt;
	TqlQuery   *q;
	char	   *plan;
	text	   *result;

	tqlcxt = AllocSetContextCreate(callcxt, "TraceQL explain context",
								   ALLOCSET_DEFAULT_SIZES);
	oldcxt = MemoryContextSwitchTo(tqlcxt);
	q = TqlCompile(query);
	plan = TqlExplain(q);
	MemoryContextSwitchTo(oldcxt);

	result = cstring_to_text(plan);
	MemoryContextDelete(tqlcxt);
	PG_RETURN_TEXT_P(result);
}
