/*-------------------------------------------------------------------------
 *
 * tql_tags_heap.c
 *	  Tag names and values from leaf partitions of tempo.spans that are not
 *	  tempo_columnar tables (a heap partition attached by hand, for
 *	  instance), for lookups without a TraceQL query.
 *
 * The columnar walk (tql_tags_scan.c) reads key directories and
 * dictionaries that other table access methods do not have, so such a
 * partition is asked in SQL, through SPI: SELECT DISTINCT over the
 * expression that yields the names or values, with the same time range
 * and tenant conditions, and the rows are added to the set with the same
 * typing rules as the columnar walk.  The relation name is quoted and
 * every constant is a parameter.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/tql_tags_heap.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "tql_tags.h"

/* How the rows of a lookup query become set entries */
typedef enum HeapResult
{
	HR_NAME,					/* text: a name of scope */
	HR_TEXT,					/* text: a string value */
	HR_JSONB,					/* jsonb: an attribute value */
	HR_DURATION					/* int8: nanoseconds */
} HeapResult;

/*
 * Run "SELECT DISTINCT <target> FROM <rel> <from_extra> WHERE <range and
 * tenants> [AND where_extra]" and add its rows.  Parameter $4 is key (or
 * NULL).
 */
static void
heap_lookup(Relation rel, const TagRange *range, const char *target,
			const char *from_extra, const char *where_extra, const char *key,
			HeapResult kind, int scope, TagSet *set)
{
	StringInfoData sql;
	Oid			argtypes[4] = {INT8OID, INT8OID, TEXTARRAYOID, TEXTOID};
	Datum		args[4];
	char		nulls[4] = {' ', ' ', ' ', ' '};
	uint64		i;

	initStringInfo(&sql);
	appendStringInfo(&sql,
					 "SELECT DISTINCT %s FROM ONLY %s.%s s%s "
					 "WHERE s.start_time_unix_nano BETWEEN $1 AND $2 "
					 "AND ($3 IS NULL OR s.tenant = ANY ($3))%s%s",
					 target,
					 quote_identifier(get_namespace_name(RelationGetNamespace(rel))),
					 quote_identifier(RelationGetRelationName(rel)),
					 from_extra ? from_extra : "",
					 where_extra ? " AND " : "", where_extra ? where_extra : "");
	args[0] = Int64GetDatum(range->start_ns);
	args[1] = Int64GetDatum(range->end_ns);
	if (range->ntenants > 0)
	{
		Datum	   *elems = palloc(sizeof(Datum) * range->ntenants);
		int			t;

		for (t = 0; t < range->ntenants; t++)
			elems[t] = CStringGetTextDatum(range->tenants[t]);
		args[2] = PointerGetDatum(construct_array(elems, range->ntenants, TEXTOID,
												  -1, false, TYPALIGN_INT));
	}
	else
		nulls[2] = 'n';
	if (key != NULL)
		args[3] = CStringGetTextDatum(key);
	else
		nulls[3] = 'n';

	if (SPI_execute_with_args(sql.data, 4, argtypes, args, nulls, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "tag lookup query failed: %s", sql.data);
	for (i = 0; i < SPI_processed && !set->full; i++)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1,
									  &isnull);

		if (isnull)
			continue;
		switch (kind)
		{
			case HR_NAME:
			case HR_TEXT:
				{
					text	   *t = DatumGetTextPP(d);

					TagSetAdd(set, kind == HR_NAME ? scope : TAG_TYPE_STRING,
							  VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), 0, 0);
				}
				break;
			case HR_JSONB:
				{
					Jsonb	   *jb = DatumGetJsonbP(d);
					JsonbValue	v;

					if (JB_ROOT_IS_SCALAR(jb))
						(void) JsonbExtractScalar(&jb->root, &v);
					else
					{
						v.type = jbvBinary;
						v.val.binary.data = &jb->root;
						v.val.binary.len = VARSIZE(jb) - VARHDRSZ;
					}
					TagSetAddJsonbValue(set, &v);
				}
				break;
			case HR_DURATION:
				TagSetAddDuration(set, DatumGetInt64(d));
				break;
		}
	}
	pfree(sql.data);
}

/* Attribute names of the scopes asked for, from one partition. */
void
TagHeapNames(Relation rel, const TagRange *range, bool *scopes, TagSet *set)
{
	static const char *const elems =
		", jsonb_array_elements(CASE jsonb_typeof(s.%s) WHEN 'array' THEN s.%s END) e";
	char	   *from;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (scopes[TAG_SCOPE_SPAN])
		heap_lookup(rel, range, "k", ", jsonb_object_keys(s.span_attributes) k",
					"jsonb_typeof(s.span_attributes) = 'object'", NULL,
					HR_NAME, TAG_SCOPE_SPAN, set);
	if (scopes[TAG_SCOPE_RESOURCE])
		heap_lookup(rel, range, "k", ", jsonb_object_keys(s.resource_attributes) k",
					"jsonb_typeof(s.resource_attributes) = 'object'", NULL,
					HR_NAME, TAG_SCOPE_RESOURCE, set);
	if (scopes[TAG_SCOPE_EVENT])
	{
		from = psprintf(elems, "events", "events");
		heap_lookup(rel, range,
					"jsonb_object_keys(CASE jsonb_typeof(e->'attributes') WHEN 'object' THEN e->'attributes' END)",
					from, NULL, NULL, HR_NAME, TAG_SCOPE_EVENT, set);
	}
	if (scopes[TAG_SCOPE_LINK])
	{
		from = psprintf(elems, "links", "links");
		heap_lookup(rel, range,
					"jsonb_object_keys(CASE jsonb_typeof(e->'attributes') WHEN 'object' THEN e->'attributes' END)",
					from, NULL, NULL, HR_NAME, TAG_SCOPE_LINK, set);
	}
	SPI_finish();
}

/*
 * Values of tag from one partition; returns false for the tags storage
 * does not hold (as TagScanValues).
 */
bool
TagHeapValues(Relation rel, const TagRange *range, const TqlExpr *tag, TagSet *set)
{
	const char *target = NULL;
	const char *from = NULL;
	const char *where = NULL;
	const char *key = NULL;
	HeapResult	kind = HR_TEXT;
	static const char *const events =
		", jsonb_array_elements(CASE jsonb_typeof(s.events) WHEN 'array' THEN s.events END) e";
	static const char *const links =
		", jsonb_array_elements(CASE jsonb_typeof(s.links) WHEN 'array' THEN s.links END) e";

	if (tag->kind == TQL_EXPR_ATTRIBUTE)
	{
		key = tag->name;
		kind = HR_JSONB;
		switch (tag->scope)
		{
			case TQL_SCOPE_SPAN:
				target = "s.span_attributes -> $4";
				break;
			case TQL_SCOPE_RESOURCE:
				target = "s.resource_attributes -> $4";
				break;
			case TQL_SCOPE_NONE:
				target = "coalesce(s.span_attributes -> $4, s.resource_attributes -> $4)";
				break;
			case TQL_SCOPE_EVENT:
				target = "e -> 'attributes' -> $4";
				from = events;
				break;
			case TQL_SCOPE_LINK:
				target = "e -> 'attributes' -> $4";
				from = links;
				break;
			case TQL_SCOPE_INSTRUMENTATION:
				return true;
			default:
				return false;
		}
	}
	else
	{
		switch (tag->intrinsic)
		{
			case TQL_INTR_NAME:
				target = "s.name";
				break;
			case TQL_INTR_STATUS_MESSAGE:
				target = "s.status_message";
				break;
			case TQL_INTR_ROOT_NAME:
				target = "s.name";
				where = "s.parent_span_id IS NULL";
				break;
			case TQL_INTR_ROOT_SERVICE:
				target = "s.service_name";
				where = "s.parent_span_id IS NULL";
				break;
			case TQL_INTR_DURATION:
				target = "s.duration_ns";
				kind = HR_DURATION;
				break;
			case TQL_INTR_SPAN_ID:
				target = "s.span_id::text";
				break;
			case TQL_INTR_PARENT_ID:
				target = "s.parent_span_id::text";
				break;
			case TQL_INTR_TRACE_ID:
				target = "s.trace_id::text";
				break;
			case TQL_INTR_INSTRUMENTATION_NAME:
				target = "s.scope_name";
				break;
			case TQL_INTR_INSTRUMENTATION_VERSION:
				target = "s.scope_version";
				break;
			case TQL_INTR_EVENT_NAME:
				target = "e ->> 'name'";
				from = events;
				break;
			case TQL_INTR_EVENT_TIME_SINCE_START:
				target = "(e ->> 'time_unix_nano')::numeric::int8 - s.start_time_unix_nano";
				from = events;
				kind = HR_DURATION;
				break;
			case TQL_INTR_LINK_TRACE_ID:
				target = "e ->> 'trace_id'";
				from = links;
				break;
			case TQL_INTR_LINK_SPAN_ID:
				target = "e ->> 'span_id'";
				from = links;
				break;
			default:
				return false;
		}
	}
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	heap_lookup(rel, range, target, from, where, key, kind, 0, set);
	SPI_finish();
	return true;
}
