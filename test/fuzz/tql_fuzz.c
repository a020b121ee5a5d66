/*-------------------------------------------------------------------------
 *
 * tql_fuzz.c
 *	  libFuzzer target for the TraceQL scanner, parser and analyzer.
 *
 * Every input is parsed and analyzed.  It must either succeed or raise one
 * of the SQLSTATEs the front end is allowed to raise (42601, 42804, 22023,
 * 0A000, 54000, 54001); anything else, a crash, a sanitizer report or a
 * leak is a finding.  An accepted query is also printed, explained, parsed
 * and analyzed again: the second print must equal the first (the
 * normalized form is a fixed point).  The input is also tried as a tag
 * name (TqlParseTag), which must succeed and read back or raise 22023.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  test/fuzz/tql_fuzz.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <stdio.h>
#include <stdlib.h>

#include "utils/errcodes.h"

#include "tql.h"
#include "tql_shim.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct FuzzCall
{
	const char *text;
	char	   *printed;
} FuzzCall;

static void
compile_and_print(void *arg)
{
	FuzzCall   *call = (FuzzCall *) arg;
	TqlQuery   *q = TqlCompile(call->text);

	call->printed = TqlToString(q);
	(void) TqlExplain(q);
}

static const char *
sqlstate_text(int code)
{
	static char buf[6];
	int			i;

	for (i = 0; i < 5; i++)
	{
		buf[i] = PGUNSIXBIT(code);
		code >>= 6;
	}
	buf[5] = '\0';
	return buf;
}

static void
parse_tag(void *arg)
{
	TqlExpr    *e = TqlParseTag((const char *) arg);
	char	   *printed = TqlExprToString(e);

	/* a valid tag prints as a valid tag of the same meaning */
	if (strcmp(TqlExprToString(TqlParseTag(printed)), printed) != 0)
	{
		fprintf(stderr, "tag does not read back: \"%s\"\n", printed);
		abort();
	}
}

static bool
allowed_code(int code)
{
	return code == ERRCODE_SYNTAX_ERROR ||
		code == ERRCODE_DATATYPE_MISMATCH ||
		code == ERRCODE_INVALID_PARAMETER_VALUE ||
		code == ERRCODE_FEATURE_NOT_SUPPORTED ||
		code == ERRCODE_PROGRAM_LIMIT_EXCEEDED ||
		code == ERRCODE_STATEMENT_TOO_COMPLEX;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *text = malloc(size + 1);
	FuzzCall	first;
	FuzzCall	second;
	int			code;

	memcpy(text, data, size);
	text[size] = '\0';

	TqlShimSetStackBase();
	first.text = text;
	first.printed = NULL;
	code = TqlShimTry(compile_and_print, &first);
	if (code != 0 && !allowed_code(code))
	{
		fprintf(stderr, "unexpected SQLSTATE %s for input \"%s\"\n",
				sqlstate_text(code), text);
		abort();
	}
	if (code == 0)
	{
		second.text = first.printed;
		second.printed = NULL;
		code = TqlShimTry(compile_and_print, &second);
		if (code != 0 && code != ERRCODE_STATEMENT_TOO_COMPLEX)
		{
			fprintf(stderr, "normalized form fails with %s: \"%s\" -> \"%s\"\n",
					sqlstate_text(code), text, first.printed);
			abort();
		}
		if (code == 0 && strcmp(first.printed, second.printed) != 0)
		{
			fprintf(stderr, "normalized form is not stable: \"%s\" -> \"%s\" -> \"%s\"\n",
					text, first.printed, second.printed);
			abort();
		}
	}
	code = TqlShimTry(parse_tag, text);
	if (code != 0 && code != ERRCODE_INVALID_PARAMETER_VALUE &&
		code != ERRCODE_STATEMENT_TOO_COMPLEX)
	{
		fprintf(stderr, "unexpected SQLSTATE %s for tag \"%s\"\n",
				sqlstate_text(code), text);
		abort();
	}

	TqlShimResetArena();
	free(text);
	return 0;
}
