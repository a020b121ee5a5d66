/*-------------------------------------------------------------------------
 *
 * tql_tags.h
 *	  Tag lookups (tempo.tag_names, tempo.tag_values): the shared pieces of
 *	  the SQL entry points (tql_tags.c), the storage walk that answers
 *	  lookups without a query (tql_tags_scan.c) and the executor-based
 *	  path for lookups restricted by a TraceQL query (tql_tags_query.c).
 *
 * Both lookups collect into a TagSet: distinct (kind, string) pairs, where
 * kind is a scope (tag names) or a value type (tag values), in a memory
 * context of the caller.  A set of values stops growing at its limit
 * (max_values) and says so, so that scans can stop early.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/tql_tags.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TQL_TAGS_H
#define TQL_TAGS_H

#include "utils/hsearch.h"
#include "utils/jsonb.h"
#include "utils/relcache.h"

#include "tql.h"
#include "tql_exec.h"

/* Kinds of tag names: the scopes of Tempo's tag-names API, in output order */
typedef enum TagScope
{
	TAG_SCOPE_SPAN = 0,
	TAG_SCOPE_RESOURCE,
	TAG_SCOPE_EVENT,
	TAG_SCOPE_LINK,
	TAG_SCOPE_INSTRUMENTATION,
	TAG_SCOPE_INTRINSIC,
	TAG_NSCOPES
} TagScope;

/* Kinds of tag values: Tempo's value types, in output order */
typedef enum TagType
{
	TAG_TYPE_STRING = 0,
	TAG_TYPE_INT,
	TAG_TYPE_FLOAT,
	TAG_TYPE_BOOL,
	TAG_TYPE_DURATION,
	TAG_TYPE_KEYWORD,
	TAG_NTYPES
} TagType;

typedef struct TagEntry
{
	uint8		kind;			/* TagScope or TagType */
	uint32		len;
	const char *str;			/* NUL-terminated, len bytes */
	int64		ival;			/* INT, DURATION, BOOL: sort key */
	double		fval;			/* FLOAT: sort key */
} TagEntry;

typedef struct TagSet
{
	MemoryContext cxt;
	HTAB	   *hash;
	int64		limit;			/* 0 = none */
	int64		count;
	bool		full;			/* count reached limit */
} TagSet;

/* What a lookup reads: time range and tenants. */
typedef struct TagRange
{
	int64		start_ns;
	int64		end_ns;
	int			ntenants;		/* 0 = every tenant */
	char	  **tenants;
} TagRange;

/* in tql_tags.c */
extern TagSet *TagSetCreate(int64 limit);
extern void TagSetAdd(TagSet *set, int kind, const char *str, int len,
					  int64 ival, double fval);
extern bool TagSetContains(TagSet *set, int kind, const char *str, int len);
extern void TagSetAddInt(TagSet *set, int64 v);
extern void TagSetAddFloat(TagSet *set, double v);
extern void TagSetAddBool(TagSet *set, bool v);
extern void TagSetAddDuration(TagSet *set, int64 ns);
extern void TagSetAddJsonbValue(TagSet *set, const JsonbValue *v);
extern void TagSetAddJsonbElements(TagSet *set, Jsonb *jb);
extern void TagAddJsonbKeys(TagSet *set, int scope, JsonbContainer *map);
extern const char *TagScopeNames[TAG_NSCOPES];

/* in tql_tags_scan.c */
extern void TagScanNames(const TagRange *range, bool *scopes, TagSet *set);
extern bool TagScanValues(const TagRange *range, const TqlExpr *tag, TagSet *set);

/* in tql_tags_heap.c */
extern void TagHeapNames(Relation rel, const TagRange *range, bool *scopes,
						 TagSet *set);
extern bool TagHeapValues(Relation rel, const TagRange *range,
						  const TqlExpr *tag, TagSet *set);

/* in tql_tags_query.c */
extern void TagQueryNames(const TqlQuery *query, const TagRange *range,
						  bool *scopes, TagSet *set);
extern void TagQueryValues(const TqlQuery *query, const TagRange *range,
						   TqlExpr *tag, TagSet *set);

#endif							/* TQL_TAGS_H */
