/*-------------------------------------------------------------------------
 *
 * tql_tags_query.c
 *	  Tag names and values of the spans a TraceQL query matches, through
 *	  the executor (tql_exec.h).
 *
 * Values: the tag is handed to the executor as an extra expression
 * (opts.exprs), so it is evaluated with exactly a span filter's semantics
 * (unscoped names look at span then resource, trace-level intrinsics are
 * computed over the whole trace) for every matched span; a vector in
 * dictionary form is visited once per distinct entry that a span uses.
 * This path also answers, with the query "{ }", the tags that storage does
 * not hold directly (trace:duration, nested-set numbers).
 *
 * Names: the executor hands over each matched span's span and resource
 * attribute maps (opts.want_attributes).  It does not hand over events and
 * links, so with a query the event and link scopes have no names (see
 * README "Tag lookups").
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/tql_tags_query.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/jsonb.h"

#include "tql_tags.h"

typedef struct TagSink
{
	TagSet	   *set;
	bool	   *scopes;
} TagSink;

static void
names_sink(void *arg, const TqlSpanBatch *batch)
{
	TagSink    *ts = arg;
	int			i;

	for (i = 0; i < batch->nspans; i++)
	{
		if (ts->scopes[TAG_SCOPE_SPAN] && batch->span_attributes != NULL &&
			batch->span_attributes[i] != NULL)
			TagAddJsonbKeys(ts->set, TAG_SCOPE_SPAN, &batch->span_attributes[i]->root);
		if (ts->scopes[TAG_SCOPE_RESOURCE] && batch->resource_attributes != NULL &&
			batch->resource_attributes[i] != NULL)
			TagAddJsonbKeys(ts->set, TAG_SCOPE_RESOURCE,
							&batch->resource_attributes[i]->root);
	}
}

void
TagQueryNames(const TqlQuery *query, const TagRange *range, bool *scopes,
			  TagSet *set)
{
	TqlRunOptions opts;
	TagSink		ts;

	if (!scopes[TAG_SCOPE_SPAN] && !scopes[TAG_SCOPE_RESOURCE])
		return;
	TqlRunOptionsInit(&opts);
	opts.start_ns = range->start_ns;
	opts.end_ns = range->end_ns;
	opts.want_attributes = true;
	ts.set = set;
	ts.scopes = scopes;
	TqlRunSpans(query, &opts, names_sink, &ts);
}

/* Add entry i of a value vector (never in dictionary form). */
static void
add_vector_value(TagSet *set, const TqlValueVector *vec, int i)
{
	const char *s;

	switch (vec->types[i])
	{
		case TQL_TYPE_STRING:
			TagSetAdd(set, TAG_TYPE_STRING, vec->strs[i], vec->strlens[i], 0, 0);
			break;
		case TQL_TYPE_INT:
			TagSetAddInt(set, vec->ints[i]);
			break;
		case TQL_TYPE_FLOAT:
			TagSetAddFloat(set, vec->floats[i]);
			break;
		case TQL_TYPE_BOOL:
			TagSetAddBool(set, vec->ints[i] != 0);
			break;
		case TQL_TYPE_DURATION:
			TagSetAddDuration(set, vec->ints[i]);
			break;
		case TQL_TYPE_STATUS:
		case TQL_TYPE_KIND:
			s = vec->types[i] == TQL_TYPE_STATUS ?
				TqlStatusName((int) vec->ints[i]) : TqlKindName((int) vec->ints[i]);
			TagSetAdd(set, TAG_TYPE_KEYWORD, s, strlen(s), 0, 0);
			break;
		case TQL_TYPE_ATTRIBUTE:
			if (vec->arrays != NULL && vec->arrays[i] != NULL)
				TagSetAddJsonbElements(set, vec->arrays[i]);
			break;
		default:
			break;
	}
}

static void
values_sink(void *arg, const TqlSpanBatch *batch)
{
	TagSink    *ts = arg;
	const TqlValueVector *vec = batch->values[0];
	int			i;

	if (vec->codes != NULL)
	{
		bool	   *seen = palloc0(sizeof(bool) * Max(vec->ndict, 1));

		for (i = 0; i < vec->n && !ts->set->full; i++)
		{
			int32		c = vec->codes[i];

			if (c < 0 || seen[c])
				continue;
			seen[c] = true;
			add_vector_value(ts->set, vec->dict, c);
		}
		pfree(seen);
		return;
	}
	for (i = 0; i < vec->n && !ts->set->full; i++)
		add_vector_value(ts->set, vec, i);
}

void
TagQueryValues(const TqlQuery *query, const TagRange *range, TqlExpr *tag,
			   TagSet *set)
{
	TqlRunOptions opts;
	TagSink		ts;

	TqlRunOptionsInit(&opts);
	opts.start_ns = range->start_ns;
	opts.end_ns = range->end_ns;
	opts.nexprs = 1;
	opts.exprs = &tag;
	ts.set = set;
	ts.scopes = NULL;
	TqlRunSpans(query, &opts, values_sink, &ts);
}
