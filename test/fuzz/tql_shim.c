/*-------------------------------------------------------------------------
 *
 * tql_shim.c
 *	  Stand-ins for the server services the TraceQL front end uses, so
 *	  that tql_scan.c, tql_parse.c, tql_analyze.c, tql_nodes.c and
 *	  tql_explain.c run inside a libFuzzer process.
 *
 * Built only by scripts/test-fuzz.sh (TQL_FUZZ_SHIM), never into the
 * extension.  The front end is compiled unchanged against the server
 * headers; this file provides:
 *
 *	- palloc and friends over an arena of malloc'd chunks that
 *	  TqlShimResetArena frees in one go after every input (the front end,
 *	  like server code, relies on its memory context being reset);
 *	- errstart/errcode/errmsg/errfinish: an ERROR records its SQLSTATE and
 *	  longjmps back to the harness (TqlShimTry); lower levels are ignored;
 *	- check_stack_depth with a fixed budget measured from the harness's
 *	  frame, and the interrupt flag CHECK_FOR_INTERRUPTS reads;
 *	- TqlCheckRegex (POSIX regcomp as a stand-in for pg_regcomp) and
 *	  TqlValidEncoding (UTF-8 check).
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  test/fuzz/tql_shim.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <regex.h>
#include <setjmp.h>
#include <stdlib.h>

#include "miscadmin.h"
#include "utils/memutils.h"

#include "tql.h"
#include "tql_int.h"
#include "tql_shim.h"

#ifndef TQL_FUZZ_SHIM
#error "tql_shim.c is only for the stand-alone fuzz build"
#endif

typedef struct ShimChunk
{
	struct ShimChunk *next;
	size_t		size;
	max_align_t	data[];
} ShimChunk;

static ShimChunk *arena = NULL;
static size_t arena_bytes = 0;
static sigjmp_buf *error_jump = NULL;
static int	error_code = 0;
static char *stack_base = NULL;

volatile sig_atomic_t InterruptPending = false;

#define SHIM_ARENA_LIMIT ((size_t) 256 * 1024 * 1024)
#define SHIM_STACK_LIMIT ((long) 512 * 1024)

static void *
shim_alloc(size_t size, bool zero)
{
	ShimChunk  *c;

	if (size > MaxAllocSize || arena_bytes + size > SHIM_ARENA_LIMIT)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	c = zero ? calloc(1, sizeof(ShimChunk) + size) : malloc(sizeof(ShimChunk) + size);
	if (c == NULL)
		abort();
	c->next = arena;
	c->size = size;
	arena = c;
	arena_bytes += size;
	return c->data;
}

void *
palloc(Size size)
{
	return shim_alloc(size, false);
}

void *
palloc0(Size size)
{
	return shim_alloc(size, true);
}

void *
palloc_extended(Size size, int flags)
{
	return shim_alloc(size, (flags & MCXT_ALLOC_ZERO) != 0);
}

void *
repalloc(void *pointer, Size size)
{
	ShimChunk  *old = (ShimChunk *) ((char *) pointer - offsetof(ShimChunk, data));
	void	   *p = shim_alloc(size, false);

	memcpy(p, pointer, Min(old->size, size));
	return p;
}

void *
repalloc_huge(void *pointer, Size size)
{
	return repalloc(pointer, size);
}

void
pfree(void *pointer)
{
	/* freed with the arena */
}

char *
pstrdup(const char *in)
{
	size_t		len = strlen(in);
	char	   *out = palloc(len + 1);

	memcpy(out, in, len + 1);
	return out;
}

char *
pnstrdup(const char *in, Size size)
{
	size_t		len = strnlen(in, size);
	char	   *out = palloc(len + 1);

	memcpy(out, in, len);
	out[len] = '\0';
	return out;
}

void
TqlShimResetArena(void)
{
	while (arena)
	{
		ShimChunk  *next = arena->next;

		free(arena);
		arena = next;
	}
	arena_bytes = 0;
}

/* error reporting */

bool
errstart(int elevel, const char *domain)
{
	if (elevel < ERROR)
		return false;
	error_code = ERRCODE_INTERNAL_ERROR;
	return true;
}

bool
errstart_cold(int elevel, const char *domain)
{
	return errstart(elevel, domain);
}

int
errcode(int sqlerrcode)
{
	error_code = sqlerrcode;
	return 0;
}

int
errmsg(const char *fmt,...)
{
	return 0;
}

int
errmsg_internal(const char *fmt,...)
{
	return 0;
}

int
errdetail(const char *fmt,...)
{
	return 0;
}

int
errhint(const char *fmt,...)
{
	return 0;
}

void
errfinish(const char *filename, int lineno, const char *funcname)
{
	if (error_jump == NULL)
		abort();
	siglongjmp(*error_jump, 1);
}

void
check_stack_depth(void)
{
	char		here;

	if (stack_base != NULL && labs((long) (stack_base - &here)) > SHIM_STACK_LIMIT)
		ereport(ERROR,
				(errcode(ERRCODE_STATEMENT_TOO_COMPLEX),
				 errmsg("stack depth limit exceeded")));
}

void
ProcessInterrupts(void)
{
	InterruptPending = false;
}

/* Run fn(arg); return 0 if it returned, else the SQLSTATE it raised */
int
TqlShimTry(void (*fn) (void *), void *arg)
{
	sigjmp_buf	jump;
	sigjmp_buf *save = error_jump;
	char		base;

	if (stack_base == NULL)
		stack_base = &base;
	if (sigsetjmp(jump, 0) != 0)
	{
		error_jump = save;
		return error_code;
	}
	error_jump = &jump;
	fn(arg);
	error_jump = save;
	return 0;
}

void
TqlShimSetStackBase(void)
{
	char		base;

	stack_base = &base;
}

/* server services of tql_regex.c */

void
TqlCheckRegex(const char *src, int location, const char *anchored, int flags)
{
	regex_t		re;

	/* POSIX EREs differ from PostgreSQL AREs; only exercise the call */
	if (regcomp(&re, anchored, REG_EXTENDED | REG_NOSUB) == 0)
		regfree(&re);
}

bool
TqlValidEncoding(const char *s, int len)
{
	const unsigned char *p = (const unsigned char *) s;
	const unsigned char *end = p + len;

	while (p < end)
	{
		int			n;
		int			i;

		if (*p < 0x80)
			n = 1;
		else if ((*p & 0xE0) == 0xC0 && *p >= 0xC2)
			n = 2;
		else if ((*p & 0xF0) == 0xE0)
			n = 3;
		else if ((*p & 0xF8) == 0xF0 && *p <= 0xF4)
			n = 4;
		else
			return false;
		if (end - p < n)
			return false;
		for (i = 1; i < n; i++)
			if ((p[i] & 0xC0) != 0x80)
				return false;
		p += n;
	}
	return true;
}
