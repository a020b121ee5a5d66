/*-------------------------------------------------------------------------
 *
 * col_compact.h
 *	  The compactor of tempo_columnar heads (col_compact.c) and its
 *	  background worker and metrics (col_compactor.c).
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/col_compact.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef COL_COMPACT_H
#define COL_COMPACT_H

#include "lib/stringinfo.h"
#include "nodes/pg_list.h"
#include "utils/relcache.h"
#include "utils/timestamp.h"

typedef struct ColCompactResult
{
	int64		head_stripes;	/* head stripes consumed */
	int64		head_rows;		/* their rows */
	int64		stripes_written;	/* stripes written to pages */
	int64		rows_written;
} ColCompactResult;

extern int	col_compaction_stripe_rows;
extern int	col_compaction_max_age;
extern int	col_compaction_merge_count;
extern char *col_compaction_sort_columns;

/* in col_compact.c */
extern void ColCompactInit(void);
extern bool ColCompactOne(Relation rel, bool force, ColCompactResult *res);
extern bool ColCompactRelation(Oid relid, bool force, ColCompactResult *res);
extern bool ColCompactRelationUnit(Oid relid, ColCompactResult *res);

/* A relation's head, as summed by ColHeadRelations. */
typedef struct ColHeadRelation
{
	Oid			relid;
	int64		stripes;
	int64		rows;
	int64		bytes;
	TimestampTz oldest;
} ColHeadRelation;

/* in col_head.c */
extern List *ColHeadRelations(void);

/* in col_compactor.c */
extern void ColCompactorInit(void);
extern void ColCompactCountResult(const ColCompactResult *res);
extern void ColCompactorMetricsText(StringInfo out);
extern bool ColHeadIsFull(void);

#endif							/* COL_COMPACT_H */
