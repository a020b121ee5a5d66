/*-------------------------------------------------------------------------
 *
 * tql_shim.h
 *	  Harness side of the stand-alone TraceQL fuzz build (see tql_shim.c).
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  test/fuzz/tql_shim.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TQL_SHIM_H
#define TQL_SHIM_H

extern int	TqlShimTry(void (*fn) (void *), void *arg);
extern void TqlShimResetArena(void);
extern void TqlShimSetStackBase(void);

#endif							/* TQL_SHIM_H */
