/*-------------------------------------------------------------------------
 *
 * col_customscan.h
 *	  Custom scan nodes for tempo_columnar tables.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/col_customscan.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef COL_CUSTOMSCAN_H
#define COL_CUSTOMSCAN_H

#include "col.h"
#include "nodes/pg_list.h"

extern bool col_enable_custom_scan;
extern bool col_enable_vectorized_agg;

/* in col_customscan.c */
extern void ColCustomScanInit(void);
extern List *ColPushdownEntry(Node *clause, Index relid);
extern ColPredicate *ColPredicatesFromList(List *pushdown, int *npreds);
extern Node *ColStripRelabel(Node *node);
struct PlannerInfo;
struct RelOptInfo;
extern double ColSkipFraction(struct PlannerInfo *root, struct RelOptInfo *rel);

/* in col_aggscan.c */
extern void ColAggScanInit(void);

#endif							/* COL_CUSTOMSCAN_H */
