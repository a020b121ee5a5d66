/*-------------------------------------------------------------------------
 *
 * tql_regex.c
 *	  The server services the TraceQL front end needs: regex compilation
 *	  and encoding checks.
 *
 * Kept apart from the scanner, parser and analyzer so that those build
 * unchanged outside the server (test/fuzz/tql_shim.c provides stand-ins
 * for these two functions).
 *
 * TqlCheckRegex compiles the anchored pattern with pg_regcomp, the engine
 * behind PostgreSQL's "~" operator, with the C collation and the flags the
 * analyzer chose, and frees it again: this is only a validity check, the
 * executor compiles (and caches) the same pattern with the same flags.
 * A bad pattern raises 22023 with the engine's message.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/tql_regex.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_collation.h"
#include "mb/pg_wchar.h"
#include "regex/regex.h"

#include "tql.h"
#include "tql_int.h"

void
TqlCheckRegex(const char *src, int location, const char *anchored, int flags)
{
	regex_t		re;
	pg_wchar   *wide;
	int			len = strlen(anchored);
	int			wlen;
	int			rc;

	wide = palloc((len + 1) * sizeof(pg_wchar));
	wlen = pg_mb2wchar_with_len(anchored, wide, len);
	rc = pg_regcomp(&re, wide, wlen, flags, C_COLLATION_OID);
	pfree(wide);
	if (rc != REG_OKAY)
	{
		char		errstr[100];

		pg_regerror(rc, &re, errstr, sizeof(errstr));
		TqlErrorAt(src, location, ERRCODE_INVALID_PARAMETER_VALUE,
				   "invalid regular expression: %s", errstr);
	}
	pg_regfree(&re);
}

bool
TqlValidEncoding(const char *s, int len)
{
	return pg_verifymbstr(s, len, true);
}
