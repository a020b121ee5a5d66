/*-------------------------------------------------------------------------
 *
 * tql_tags_scan.c
 *	  Tag names and values straight from storage, for lookups without a
 *	  TraceQL query.
 *
 * Every tempo_columnar leaf partition of tempo.spans is read with the
 * columnar batch reader (other leaf partitions are asked in SQL, see
 * tql_tags_heap.c).  The reader skips chunk groups whose zone maps put them outside
 * the time range (and, for a single tenant, whose dictionaries lack the
 * tenant); the spans of the groups it returns are then checked one by one
 * against the range and the tenants, from the start time and tenant
 * columns (the tenant test runs once per dictionary entry).
 *
 * Names: span and resource attribute names come from the key directory of
 * each shredded jsonb chunk (ColBatchKeyNames), so no value is decoded.
 * When some spans of the group fail the range or tenant test, or the
 * group's rows were selected, a name counts only if one of the passing
 * spans has it, which reads that key's stream (ColBatchReadKey) for the
 * names not yet known.  Event and link attributes live in jsonb arrays
 * that are not shredded; their columns are decoded, only for spans that
 * pass.
 *
 * Values: an attribute's values come from its key stream alone
 * (ColReadAddKey); strings of a dictionary-coded key share one pointer per
 * distinct value, so repeats cost a pointer comparison.  Intrinsics read
 * their column; dictionary-encoded text columns are visited once per
 * distinct entry that a passing span uses.  Values that storage does not
 * hold (trace:duration, nested-set numbers) are left to the executor
 * (TagScanValues returns false).  The walk stops as soon as the value set
 * is full.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/tql_tags_scan.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/relation.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_inherits.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "col.h"
#include "tempo_ids.h"
#include "tql_tags.h"

/* The columns a walk may read, by name */
typedef enum TagCol
{
	TC_TENANT = 0,
	TC_START,
	TC_TRACE_ID,
	TC_SPAN_ID,
	TC_PARENT_ID,
	TC_NAME,
	TC_DURATION,
	TC_STATUS_MESSAGE,
	TC_SERVICE,
	TC_RESOURCE_ATTRS,
	TC_SPAN_ATTRS,
	TC_SCOPE_NAME,
	TC_SCOPE_VERSION,
	TC_EVENTS,
	TC_LINKS,
	TC_NCOLS
} TagCol;

static const char *const tag_col_names[TC_NCOLS] = {
	"tenant", "start_time_unix_nano", "trace_id", "span_id", "parent_span_id",
	"name", "duration_ns", "status_message", "service_name",
	"resource_attributes", "span_attributes", "scope_name", "scope_version",
	"events", "links"
};

/* What a walk does with each batch. */
typedef struct TagWalk
{
	const TagRange *range;
	TagSet	   *set;
	bool		want[TC_NCOLS]; /* columns to decode */
	/* names */
	bool	   *scopes;
	/* values */
	const TqlExpr *tag;
	/* per partition */
	AttrNumber	attno[TC_NCOLS];
	ColReadState *rs;
	ColBatch   *batch;
	bool	   *pass;			/* [nrows] span in range and tenant */
	int			npass;
} TagWalk;

typedef void (*TagBatchFn) (TagWalk *w);

/* ---------------- partitions and spans that pass ---------------- */

static bool
tenant_ok(const TagRange *range, const text *t)
{
	int			len = VARSIZE_ANY_EXHDR(t);
	int			i;

	for (i = 0; i < range->ntenants; i++)
		if ((int) strlen(range->tenants[i]) == len &&
			memcmp(range->tenants[i], VARDATA_ANY(t), len) == 0)
			return true;
	return false;
}

/* Set w->pass and w->npass for the current batch. */
static void
batch_pass(TagWalk *w)
{
	ColBatch   *b = w->batch;
	ColVector  *st = b->cols[w->attno[TC_START] - 1];
	ColVector  *tn = b->cols[w->attno[TC_TENANT] - 1];
	bool	   *dict_ok = NULL;
	int			i;

	w->pass = palloc(sizeof(bool) * Max(b->nrows, 1));
	w->npass = 0;
	if (w->range->ntenants > 0 && tn->codes != NULL)
	{
		dict_ok = palloc(sizeof(bool) * Max(tn->ndict, 1));
		for (i = 0; i < tn->ndict; i++)
			dict_ok[i] = tenant_ok(w->range, DatumGetTextPP(tn->dict[i]));
	}
	for (i = 0; i < b->nrows; i++)
	{
		int64		t = DatumGetInt64(st->values[i]);
		bool		ok = !st->isnull[i] &&
			t >= w->range->start_ns && t <= w->range->end_ns;

		if (ok && w->range->ntenants > 0)
		{
			if (tn->isnull[i])
				ok = false;
			else if (dict_ok != NULL)
				ok = dict_ok[tn->codes[i]];
			else
				ok = tenant_ok(w->range, DatumGetTextPP(tn->values[i]));
		}
		w->pass[i] = ok;
		w->npass += ok;
	}
}

/*
 * Walk every columnar leaf partition of tempo.spans, calling fn for each
 * batch that has spans in the range and tenants.  keyatt/key, when set,
 * ask for one jsonb key (ColReadAddKey) as well.
 */
static void
tag_walk(TagWalk *w, TagBatchFn fn, TagCol keycol1, TagCol keycol2,
		 const char *key)
{
	/* the extension is not relocatable: its schema is always "tempo" */
	Oid			spans = get_relname_relid("spans",
										  get_namespace_oid("tempo", false));
	List	   *leaves;
	ListCell   *lc;
	MemoryContext cxt,
				old;
	AclResult	aclresult;

	if (!OidIsValid(spans))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("table \"spans\" of extension \"tempo\" does not exist")));
	/* the partitions are read directly: check the parent's privilege */
	aclresult = pg_class_aclcheck(spans, GetUserId(), ACL_SELECT);
	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, OBJECT_TABLE, "spans");
	leaves = find_all_inheritors(spans, AccessShareLock, NULL);
	cxt = AllocSetContextCreate(CurrentMemoryContext, "tempo tag walk",
								ALLOCSET_DEFAULT_SIZES);
	w->want[TC_TENANT] = w->want[TC_START] = true;
	foreach(lc, leaves)
	{
		Relation	rel = relation_open(lfirst_oid(lc), NoLock);
		Bitmapset  *attrs = NULL;
		ColPredicate preds[3];
		int			npreds = 0;
		int			c;

		if (!ColIsColumnar(rel))
		{
			/* the parent and any sub-partitioned tables hold no rows */
			if (rel->rd_rel->relkind != RELKIND_PARTITIONED_TABLE)
			{
				if (w->tag != NULL)
					(void) TagHeapValues(rel, w->range, w->tag, w->set);
				else
					TagHeapNames(rel, w->range, w->scopes, w->set);
			}
			relation_close(rel, NoLock);
			if (w->set->full)
				break;
			continue;
		}
		old = MemoryContextSwitchTo(cxt);
		for (c = 0; c < TC_NCOLS; c++)
		{
			w->attno[c] = get_attnum(RelationGetRelid(rel), tag_col_names[c]);
			if (w->attno[c] == InvalidAttrNumber)
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_COLUMN),
						 errmsg("partition \"%s\" has no column \"%s\"",
								RelationGetRelationName(rel), tag_col_names[c])));
			if (w->want[c])
				attrs = bms_add_member(attrs, w->attno[c]);
		}
		if (w->range->start_ns > PG_INT64_MIN)
		{
			preds[npreds].attno = w->attno[TC_START];
			preds[npreds].op = COL_OP_GE;
			preds[npreds].value = Int64GetDatum(w->range->start_ns);
			preds[npreds++].collation = InvalidOid;
		}
		if (w->range->end_ns < PG_INT64_MAX)
		{
			preds[npreds].attno = w->attno[TC_START];
			preds[npreds].op = COL_OP_LE;
			preds[npreds].value = Int64GetDatum(w->range->end_ns);
			preds[npreds++].collation = InvalidOid;
		}
		if (w->range->ntenants == 1)
		{
			preds[npreds].attno = w->attno[TC_TENANT];
			preds[npreds].op = COL_OP_EQ;
			preds[npreds].value = CStringGetTextDatum(w->range->tenants[0]);
			preds[npreds++].collation = C_COLLATION_OID;
		}
		w->rs = ColBeginRead(rel, GetActiveSnapshot(), attrs, preds, npreds, NULL);
		if (key != NULL)
		{
			ColReadAddKey(w->rs, w->attno[keycol1], key);
			if (keycol2 != keycol1)
				ColReadAddKey(w->rs, w->attno[keycol2], key);
		}
		while (!w->set->full && ColReadNext(w->rs, &w->batch))
		{
			batch_pass(w);
			if (w->npass > 0)
				fn(w);
		}
		ColEndRead(w->rs);
		w->rs = NULL;
		MemoryContextSwitchTo(old);
		MemoryContextReset(cxt);
		relation_close(rel, NoLock);
		if (w->set->full)
			break;
	}
	MemoryContextDelete(cxt);
}

/* ---------------- names ---------------- */

/* Names of an attribute map column (span or resource attributes). */
static void
batch_map_names(TagWalk *w, TagCol col, TagScope scope)
{
	ColBatch   *b = w->batch;
	bool		all = w->npass == b->nrows && b->rownums == NULL;
	char	  **names;
	int			nnames;
	int			k,
				i;

	names = ColBatchKeyNames(w->rs, w->attno[col], &nnames);
	for (k = 0; k < nnames; k++)
	{
		ColKeyVector *kv;

		if (all)
		{
			TagSetAdd(w->set, scope, names[k], strlen(names[k]), 0, 0);
			continue;
		}
		if (TagSetContains(w->set, scope, names[k], strlen(names[k])))
			continue;
		kv = ColBatchReadKey(w->rs, w->attno[col], names[k]);
		for (i = 0; i < b->nrows; i++)
			if (w->pass[i] && kv->types[i] != COL_KV_ABSENT)
			{
				TagSetAdd(w->set, scope, names[k], strlen(names[k]), 0, 0);
				break;
			}
	}
}

/*
 * Call fn on each element object of an events or links array, with the
 * element as a jsonb container.
 */
typedef void (*TagElemFn) (TagWalk *w, JsonbContainer *elem, int64 span_start);

static void
batch_elements(TagWalk *w, TagCol col, TagElemFn fn)
{
	ColBatch   *b = w->batch;
	ColVector  *vec = b->cols[w->attno[col] - 1];
	ColVector  *st = b->cols[w->attno[TC_START] - 1];
	int			i;

	for (i = 0; i < b->nrows; i++)
	{
		Jsonb	   *jb;
		JsonbIterator *it;
		JsonbValue	v;
		JsonbIteratorToken tok;

		if (!w->pass[i] || vec->isnull[i])
			continue;
		jb = DatumGetJsonbP(vec->values[i]);
		if (!JB_ROOT_IS_ARRAY(jb) || JB_ROOT_IS_SCALAR(jb))
			continue;
		it = JsonbIteratorInit(&jb->root);
		while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
			if (tok == WJB_ELEM && v.type == jbvBinary &&
				JsonContainerIsObject(v.val.binary.data))
				fn(w, v.val.binary.data, DatumGetInt64(st->values[i]));
		if (w->set->full)
			return;
	}
}

static bool
elem_attributes(JsonbContainer *elem, JsonbValue *attrs)
{
	return getKeyJsonValueFromContainer(elem, "attributes", 10, attrs) != NULL &&
		attrs->type == jbvBinary && JsonContainerIsObject(attrs->val.binary.data);
}

static void
elem_names(TagWalk *w, JsonbContainer *elem, TagScope scope)
{
	JsonbValue	attrs;

	if (elem_attributes(elem, &attrs))
		TagAddJsonbKeys(w->set, scope, attrs.val.binary.data);
}

static void
event_names(TagWalk *w, JsonbContainer *elem, int64 span_start)
{
	elem_names(w, elem, TAG_SCOPE_EVENT);
}

static void
link_names(TagWalk *w, JsonbContainer *elem, int64 span_start)
{
	elem_names(w, elem, TAG_SCOPE_LINK);
}

static void
names_batch(TagWalk *w)
{
	if (w->scopes[TAG_SCOPE_SPAN])
		batch_map_names(w, TC_SPAN_ATTRS, TAG_SCOPE_SPAN);
	if (w->scopes[TAG_SCOPE_RESOURCE])
		batch_map_names(w, TC_RESOURCE_ATTRS, TAG_SCOPE_RESOURCE);
	if (w->scopes[TAG_SCOPE_EVENT])
		batch_elements(w, TC_EVENTS, event_names);
	if (w->scopes[TAG_SCOPE_LINK])
		batch_elements(w, TC_LINKS, link_names);
}

/* Add the attribute names of the scopes asked for. */
void
TagScanNames(const TagRange *range, bool *scopes, TagSet *set)
{
	TagWalk		w;

	if (!scopes[TAG_SCOPE_SPAN] && !scopes[TAG_SCOPE_RESOURCE] &&
		!scopes[TAG_SCOPE_EVENT] && !scopes[TAG_SCOPE_LINK])
		return;
	memset(&w, 0, sizeof(w));
	w.range = range;
	w.set = set;
	w.scopes = scopes;
	w.want[TC_EVENTS] = scopes[TAG_SCOPE_EVENT];
	w.want[TC_LINKS] = scopes[TAG_SCOPE_LINK];
	tag_walk(&w, names_batch, TC_NCOLS, TC_NCOLS, NULL);
}

/* ---------------- values ---------------- */

/* Add the value of row i of a key vector. */
static void
add_key_value(TagSet *set, ColKeyVector *kv, int i)
{
	switch (kv->types[i])
	{
		case COL_KV_STRING:
			TagSetAdd(set, TAG_TYPE_STRING, VARDATA_ANY(kv->strings[i]),
					  VARSIZE_ANY_EXHDR(kv->strings[i]), 0, 0);
			break;
		case COL_KV_INT:
			TagSetAddInt(set, kv->ints[i]);
			break;
		case COL_KV_FLOAT:
			TagSetAddFloat(set, kv->floats[i]);
			break;
		case COL_KV_BOOL:
			TagSetAddBool(set, kv->ints[i] != 0);
			break;
		case COL_KV_OTHER:
			{
				JsonbValue	v;
				Jsonb	   *jb = (Jsonb *) kv->others[i];

				v.type = jbvBinary;
				v.val.binary.data = &jb->root;
				v.val.binary.len = VARSIZE(jb) - VARHDRSZ;
				TagSetAddJsonbValue(set, &v);
			}
			break;
		default:
			break;
	}
}

/*
 * Span, resource and unscoped attributes.  batch.keys[0] is the span's
 * key and keys[1] the resource's (unscoped: the span value wins).
 */
static void
attr_values_batch(TagWalk *w)
{
	ColBatch   *b = w->batch;
	ColKeyVector *first = b->keys[0];
	ColKeyVector *second = b->nkeys > 1 ? b->keys[1] : NULL;
	const text *last = NULL;
	int			i;

	for (i = 0; i < b->nrows && !w->set->full; i++)
	{
		ColKeyVector *kv = first;

		if (!w->pass[i])
			continue;
		if (kv->types[i] == COL_KV_ABSENT && second != NULL)
			kv = second;
		if (kv->types[i] == COL_KV_STRING)
		{
			/* dictionary-coded strings repeat one pointer */
			if (kv->strings[i] == last)
				continue;
			last = kv->strings[i];
		}
		add_key_value(w->set, kv, i);
	}
}

static void
elem_attr_value(TagWalk *w, JsonbContainer *elem, int64 span_start)
{
	JsonbValue	attrs;
	JsonbValue	v;
	const char *name = w->tag->name;

	if (elem_attributes(elem, &attrs) &&
		getKeyJsonValueFromContainer(attrs.val.binary.data, name, strlen(name), &v) != NULL)
		TagSetAddJsonbValue(w->set, &v);
}

/* A string member of an events or links element. */
static void
elem_string(TagWalk *w, JsonbContainer *elem, const char *member)
{
	JsonbValue	v;

	if (getKeyJsonValueFromContainer(elem, member, strlen(member), &v) != NULL &&
		v.type == jbvString)
		TagSetAdd(w->set, TAG_TYPE_STRING, v.val.string.val, v.val.string.len, 0, 0);
}

static void
elem_intrinsic_value(TagWalk *w, JsonbContainer *elem, int64 span_start)
{
	JsonbValue	v;

	switch (w->tag->intrinsic)
	{
		case TQL_INTR_EVENT_NAME:
			elem_string(w, elem, "name");
			break;
		case TQL_INTR_LINK_TRACE_ID:
			elem_string(w, elem, "trace_id");
			break;
		case TQL_INTR_LINK_SPAN_ID:
			elem_string(w, elem, "span_id");
			break;
		case TQL_INTR_EVENT_TIME_SINCE_START:
			if (getKeyJsonValueFromContainer(elem, "time_unix_nano", 14, &v) != NULL &&
				v.type == jbvString)
			{
				char	   *s = pnstrdup(v.val.string.val, v.val.string.len);
				uint64		t = strtou64(s, NULL, 10);

				TagSetAddDuration(w->set, (int64) (t - (uint64) span_start));
				pfree(s);
			}
			break;
		default:
			break;
	}
}

static void
event_values_batch(TagWalk *w)
{
	batch_elements(w, TC_EVENTS, w->tag->kind == TQL_EXPR_ATTRIBUTE ?
				   elem_attr_value : elem_intrinsic_value);
}

static void
link_values_batch(TagWalk *w)
{
	batch_elements(w, TC_LINKS, w->tag->kind == TQL_EXPR_ATTRIBUTE ?
				   elem_attr_value : elem_intrinsic_value);
}

/* Which column an intrinsic's values come from, or TC_NCOLS. */
static TagCol
intrinsic_column(TqlIntrinsic intr)
{
	switch (intr)
	{
		case TQL_INTR_NAME:
		case TQL_INTR_ROOT_NAME:
			return TC_NAME;
		case TQL_INTR_ROOT_SERVICE:
			return TC_SERVICE;
		case TQL_INTR_STATUS_MESSAGE:
			return TC_STATUS_MESSAGE;
		case TQL_INTR_DURATION:
			return TC_DURATION;
		case TQL_INTR_SPAN_ID:
			return TC_SPAN_ID;
		case TQL_INTR_PARENT_ID:
			return TC_PARENT_ID;
		case TQL_INTR_TRACE_ID:
			return TC_TRACE_ID;
		case TQL_INTR_INSTRUMENTATION_NAME:
			return TC_SCOPE_NAME;
		case TQL_INTR_INSTRUMENTATION_VERSION:
			return TC_SCOPE_VERSION;
		case TQL_INTR_EVENT_NAME:
		case TQL_INTR_EVENT_TIME_SINCE_START:
			return TC_EVENTS;
		case TQL_INTR_LINK_TRACE_ID:
		case TQL_INTR_LINK_SPAN_ID:
			return TC_LINKS;
		default:
			return TC_NCOLS;
	}
}

/* Values of an intrinsic held in a column of its own. */
static void
column_values_batch(TagWalk *w)
{
	ColBatch   *b = w->batch;
	TqlIntrinsic intr = w->tag->intrinsic;
	TagCol		col = intrinsic_column(intr);
	ColVector  *vec = b->cols[w->attno[col] - 1];
	ColVector  *parent = b->cols[w->attno[TC_PARENT_ID] - 1];
	bool		roots = intr == TQL_INTR_ROOT_NAME || intr == TQL_INTR_ROOT_SERVICE;
	bool	   *seen = NULL;
	int			i;

	if (vec->codes != NULL)
		seen = palloc0(sizeof(bool) * Max(vec->ndict, 1));
	for (i = 0; i < b->nrows && !w->set->full; i++)
	{
		Datum		d;
		char		hex[33];

		if (!w->pass[i] || vec->isnull[i])
			continue;
		/* root span: empty parent span id (spec 1.5) */
		if (roots && !parent->isnull[i])
			continue;
		if (seen != NULL)
		{
			/* dictionary: each distinct entry once per batch */
			if (seen[vec->codes[i]])
				continue;
			seen[vec->codes[i]] = true;
		}
		d = vec->values[i];
		switch (col)
		{
			case TC_DURATION:
				TagSetAddDuration(w->set, DatumGetInt64(d));
				break;
			case TC_SPAN_ID:
			case TC_PARENT_ID:
				{
					uint8		bytes[8];

					SpanIdToBytes(DatumGetSpanId(d), bytes);
					TempoFormatHex(bytes, 8, hex);
					TagSetAdd(w->set, TAG_TYPE_STRING, hex, 16, 0, 0);
				}
				break;
			case TC_TRACE_ID:
				TempoFormatHex((const uint8 *) DatumGetPointer(d), 16, hex);
				TagSetAdd(w->set, TAG_TYPE_STRING, hex, 32, 0, 0);
				break;
			default:
				{
					text	   *t = DatumGetTextPP(d);

					TagSetAdd(w->set, TAG_TYPE_STRING, VARDATA_ANY(t),
							  VARSIZE_ANY_EXHDR(t), 0, 0);
				}
				break;
		}
	}
}

/*
 * Add the values of tag.  Returns false when storage does not hold them
 * directly (the caller then asks the executor).
 */
bool
TagScanValues(const TagRange *range, const TqlExpr *tag, TagSet *set)
{
	TagWalk		w;

	memset(&w, 0, sizeof(w));
	w.range = range;
	w.set = set;
	w.tag = tag;
	if (tag->kind == TQL_EXPR_ATTRIBUTE)
	{
		switch (tag->scope)
		{
			case TQL_SCOPE_SPAN:
				tag_walk(&w, attr_values_batch, TC_SPAN_ATTRS, TC_SPAN_ATTRS,
						 tag->name);
				return true;
			case TQL_SCOPE_RESOURCE:
				tag_walk(&w, attr_values_batch, TC_RESOURCE_ATTRS,
						 TC_RESOURCE_ATTRS, tag->name);
				return true;
			case TQL_SCOPE_NONE:
				tag_walk(&w, attr_values_batch, TC_SPAN_ATTRS,
						 TC_RESOURCE_ATTRS, tag->name);
				return true;
			case TQL_SCOPE_EVENT:
				w.want[TC_EVENTS] = true;
				tag_walk(&w, event_values_batch, TC_NCOLS, TC_NCOLS, NULL);
				return true;
			case TQL_SCOPE_LINK:
				w.want[TC_LINKS] = true;
				tag_walk(&w, link_values_batch, TC_NCOLS, TC_NCOLS, NULL);
				return true;
			case TQL_SCOPE_INSTRUMENTATION:
				/* scope attributes are not stored (otlp_convert.c) */
				return true;
			default:
				return false;
		}
	}
	switch (intrinsic_column(tag->intrinsic))
	{
		case TC_EVENTS:
			w.want[TC_EVENTS] = true;
			tag_walk(&w, event_values_batch, TC_NCOLS, TC_NCOLS, NULL);
			return true;
		case TC_LINKS:
			w.want[TC_LINKS] = true;
			tag_walk(&w, link_values_batch, TC_NCOLS, TC_NCOLS, NULL);
			return true;
		case TC_NCOLS:
			return false;
		default:
			w.want[intrinsic_column(tag->intrinsic)] = true;
			w.want[TC_PARENT_ID] = true;
			tag_walk(&w, column_values_batch, TC_NCOLS, TC_NCOLS, NULL);
			return true;
	}
}
