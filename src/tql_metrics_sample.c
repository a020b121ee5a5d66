/*-------------------------------------------------------------------------
 *
 * tql_metrics_sample.c
 *	  Stratified chunk-group sampling for span-level TraceQL metrics.
 *
 * Sampling whole chunk groups (the executor's span_sample) saves reading
 * and decoding, but a plain cluster sample is noisy for series whose spans
 * sit in few chunk groups: a service with 0.035% of the spans, stored in a
 * handful of groups, is missed or doubled by a 10% sample.  Here the
 * choice of groups is planned from metadata alone, before any data is
 * read:
 *
 * 1. Metadata pass.  The query runs with a group filter that rejects every
 *	  chunk group (so nothing is read or decoded) after recording its
 *	  identity, row count and, when a by() item is resource.service.name or
 *	  name (columns service_name / name), that column's dictionary set: the
 *	  hashes of the values the group holds.
 *
 * 2. Strata.  A value ("stratum key") held by few groups is rare: every
 *	  group holding a rare value is read (forced), rarest first, while the
 *	  forced rows stay within TQLM_FORCED_BUDGET of all rows.  Groups without
 *	  a dictionary set, buffered rows and heap partitions are forced too.
 *	  Of the other groups a deterministic hash of the group's identity keeps
 *	  the fraction f.  A value that then has groups but none kept is made
 *	  rare as well (its groups forced), so no value loses its estimate.
 *
 * 3. Data pass with per-value weights.  A span of a forced group counts 1.
 *	  A span of a sampled group whose stratum key is h counts
 *	  w_h = N_h / N'_h, with N_h the rows of the sampled-stratum groups that
 *	  hold h and N'_h those of them that were kept: a ratio estimator over
 *	  the domain of h, so the estimate of a value only depends on how its
 *	  density varies between the groups that hold it, not on how many of
 *	  them the hash happened to pick.  Spans without a key (nil, or no
 *	  dictionary column in by()) use the domain of all sampled groups.
 *	  Rare values are therefore exact; the others are estimated.  Weights
 *	  are fixed point (TQLM_WEIGHT_ONE) so the int64 accumulators stay
 *	  exact integers; results are scaled by 1 / TQLM_WEIGHT_ONE.  Counts,
 *	  rates and histogram counts are weighted; min and max ignore weights;
 *	  quantiles only see ratios of weighted counts.  sum/avg and compare()
 *	  keep the executor's plain span_sample.
 *
 * 4. Error.  For every key, over the kept sampled groups that hold it
 *	  (including those where nothing matched: the filter sees every kept
 *	  group), the residuals e = c - r n of the ratio estimator give its
 *	  standard error; TqlmStrataError returns the largest relative one, and
 *	  sample=true reads more (or everything) when it is above the target.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/tql_metrics_sample.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "common/hashfn.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "tql_metrics.h"

/* Forced (always read) rows may take at most this share of the rows */
#define TQLM_FORCED_BUDGET 0.1
/* A key expected in fewer kept groups than this is rare */
#define TQLM_RARE_KEPT_GROUPS 10.0

typedef struct GroupKey
{
	Oid			relid;
	int32		group;
	uint64		stripe;
} GroupKey;

typedef struct GroupMeta
{
	GroupKey	key;			/* hash key */
	uint64		first_rownum;	/* stable within the partition: the sample hash */
	int			nrows;
	int			nkeys;
	int32	   *keys;			/* stratum key indexes */
	bool		has_dict;
	bool		forced;
	bool		kept;
} GroupMeta;

typedef struct KeyEntry
{
	uint32		hash;			/* hash key: ColGroupHashText value */
	int32		index;
} KeyEntry;

/* Per stratum key: domain sizes, weight, error sums */
typedef struct KeyStat
{
	int64		groups;			/* groups holding it */
	int64		rows_s;			/* N_h: rows of sampled-stratum groups */
	int64		rows_kept;		/* N'_h */
	bool		rare;
	int64		weight;			/* fixed point */
	/* over kept sampled groups holding it */
	double		b,
				sc,
				scc,
				scn,
				sn,
				snn;
	double		forced_count;	/* matches in forced groups */
} KeyStat;

struct TqlmStrata
{
	MemoryContext cxt;
	const char *colname;		/* by() column, or NULL */
	int			by_item;		/* its by() index */
	HTAB	   *groups;			/* GroupKey -> GroupMeta */
	HTAB	   *keyhash;		/* hash -> index */
	int			nkeys;			/* index 0 = no key (all sampled groups) */
	KeyStat    *keys;
	Oid			attrel;			/* cache of the column's attno */
	AttrNumber	attno;
	double		fraction;
	int64		rows_total;
	int64		rows_read;
	int64		groups_total;
	int64		groups_read;
	/* data pass: the current group */
	GroupMeta  *cur;
	bool		cur_forced;
	int64	   *cur_count;		/* [nkeys] matches this group */
	bool		dirty;
};

/* Key columns: by() items that are dedicated dictionary-encoded columns */
static const char *
key_column(const TqlExpr *e)
{
	if (e->kind == TQL_EXPR_ATTRIBUTE && e->scope == TQL_SCOPE_RESOURCE &&
		strcmp(e->name, "service.name") == 0)
		return "service_name";
	if (e->kind == TQL_EXPR_INTRINSIC && e->intrinsic == TQL_INTR_NAME)
		return "name";
	return NULL;
}

/* Keep a group whose identity hashes to h at fraction f? */
static inline bool
hash_fraction_keep(uint32 h, double f)
{
	return (double) h / 4294967296.0 < f;
}

static uint32
group_hash(uint64 rownum)
{
	return hash_bytes_uint32((uint32) (rownum ^ (rownum >> 32)) * 0x9e3779b1U);
}

/* Metadata pass: record the group, read nothing */
static bool
meta_filter(void *arg, const ColGroupInfo *info)
{
	TqlmStrata *sp = arg;
	GroupKey	k;
	GroupMeta  *g;
	bool		found;
	MemoryContext old;

	if (info->buffered)
	{
		/* forced, and not known in advance: count it in the data pass */
		return false;
	}
	memset(&k, 0, sizeof(k));
	k.relid = info->relid;
	k.stripe = info->stripe_num;
	k.group = info->group;
	g = hash_search(sp->groups, &k, HASH_ENTER, &found);
	if (found)
		return false;
	old = MemoryContextSwitchTo(sp->cxt);
	g->nrows = info->nrows;
	g->first_rownum = info->first_rownum;
	g->nkeys = 0;
	g->keys = NULL;
	g->has_dict = false;
	g->forced = false;
	g->kept = false;
	if (sp->colname != NULL)
	{
		const uint32 *set;
		int			n,
					i;

		if (sp->attrel != info->relid)
		{
			sp->attrel = info->relid;
			sp->attno = get_attnum(info->relid, sp->colname);
		}
		set = ColGroupDictSet(info, sp->attno, &n);
		if (set != NULL)
		{
			g->has_dict = true;
			g->nkeys = n;
			g->keys = palloc(sizeof(int32) * Max(n, 1));
			for (i = 0; i < n; i++)
			{
				KeyEntry   *ke = hash_search(sp->keyhash, &set[i], HASH_ENTER, &found);

				if (!found)
					ke->index = sp->nkeys++;
				g->keys[i] = ke->index;
			}
		}
	}
	MemoryContextSwitchTo(old);
	return false;
}

/* Decide forced and kept groups, and the weights */
static void
plan_strata(TqlmStrata *sp)
{
	HASH_SEQ_STATUS seq;
	GroupMeta  *g;
	int64		rows_all = 0;
	int64		forced_rows = 0;
	int		   *order;
	int			i,
				k;
	bool		again;
	bool		force_rest = false;

	sp->keys = MemoryContextAllocZero(sp->cxt, sizeof(KeyStat) * Max(sp->nkeys, 1));
	hash_seq_init(&seq, sp->groups);
	while ((g = hash_seq_search(&seq)) != NULL)
	{
		rows_all += g->nrows;
		if (sp->colname != NULL && !g->has_dict)
			g->forced = true;
		for (k = 0; k < g->nkeys; k++)
			sp->keys[g->keys[k]].groups++;
		g->kept = hash_fraction_keep(group_hash(g->first_rownum), sp->fraction);
	}

	/* rarest keys first, while the budget lasts */
	order = palloc(sizeof(int) * Max(sp->nkeys, 1));
	for (i = 0; i < sp->nkeys; i++)
		order[i] = i;
	for (i = 1; i < sp->nkeys; i++)
	{
		int			x = order[i];
		int			j = i;

		while (j > 1 && sp->keys[order[j - 1]].groups > sp->keys[x].groups)
		{
			order[j] = order[j - 1];
			j--;
		}
		order[j] = x;
	}
	for (i = 1; i < sp->nkeys; i++)
	{
		KeyStat    *ks = &sp->keys[order[i]];

		if (ks->groups * sp->fraction >= TQLM_RARE_KEPT_GROUPS)
			break;
		if ((double) (forced_rows + ks->groups * COL_CHUNK_ROWS) >
			TQLM_FORCED_BUDGET * (double) rows_all)
			break;
		ks->rare = true;
		forced_rows += ks->groups * COL_CHUNK_ROWS;
	}

	/* force the groups of rare keys; make keys whose sample is empty rare */
	do
	{
		again = false;
		for (k = 0; k < sp->nkeys; k++)
			sp->keys[k].rows_s = sp->keys[k].rows_kept = 0;
		hash_seq_init(&seq, sp->groups);
		while ((g = hash_seq_search(&seq)) != NULL)
		{
			if (force_rest)
				g->forced = true;
			for (k = 0; k < g->nkeys && !g->forced; k++)
				if (sp->keys[g->keys[k]].rare)
					g->forced = true;
			if (g->forced)
				continue;
			sp->keys[0].rows_s += g->nrows;
			if (g->kept)
				sp->keys[0].rows_kept += g->nrows;
			for (k = 0; k < g->nkeys; k++)
			{
				sp->keys[g->keys[k]].rows_s += g->nrows;
				if (g->kept)
					sp->keys[g->keys[k]].rows_kept += g->nrows;
			}
		}
		for (k = 0; k < sp->nkeys; k++)
		{
			KeyStat    *ks = &sp->keys[k];

			if (ks->rows_s > 0 && ks->rows_kept == 0)
			{
				/* key 0 (no key) is in every group: read them all */
				if (k == 0)
					force_rest = true;
				ks->rare = true;
				again = true;
			}
		}
	} while (again);

	for (k = 0; k < sp->nkeys; k++)
	{
		KeyStat    *ks = &sp->keys[k];

		ks->weight = ks->rows_kept > 0 ?
			(int64) rint((double) TQLM_WEIGHT_ONE * (double) ks->rows_s /
						 (double) ks->rows_kept) : TQLM_WEIGHT_ONE;
	}
	sp->rows_total = rows_all;
	sp->groups_total = hash_get_num_entries(sp->groups);
}

/*
 * TqlmStrataPlan
 *		The strata for a span-level sample of fraction f of query q over the
 *		time range of opts, or NULL when the query's function does not allow
 *		weights.  Reads only metadata.
 */
TqlmStrata *
TqlmStrataPlan(const TqlQuery *q, const TqlRunOptions *range, double f)
{
	const TqlNode *m = q->metrics;
	TqlmStrata *sp;
	TqlRunOptions opts;
	HASHCTL		ctl;
	int			k;

	switch (m->func)
	{
		case TQL_MF_RATE:
		case TQL_MF_COUNT_OVER_TIME:
		case TQL_MF_HISTOGRAM_OVER_TIME:
		case TQL_MF_QUANTILE_OVER_TIME:
		case TQL_MF_MIN_OVER_TIME:
		case TQL_MF_MAX_OVER_TIME:
			break;
		default:
			return NULL;
	}
	sp = palloc0(sizeof(TqlmStrata));
	sp->cxt = CurrentMemoryContext;
	sp->fraction = f;
	sp->by_item = -1;
	for (k = 0; k < m->nitems && sp->colname == NULL; k++)
	{
		sp->colname = key_column(m->items[k]);
		sp->by_item = k;
	}
	if (sp->colname == NULL)
		sp->by_item = -1;

	ctl.keysize = sizeof(GroupKey);
	ctl.entrysize = sizeof(GroupMeta);
	ctl.hcxt = sp->cxt;
	sp->groups = hash_create("TraceQL metrics chunk groups", 1024, &ctl,
							 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	ctl.keysize = sizeof(uint32);
	ctl.entrysize = sizeof(KeyEntry);
	sp->keyhash = hash_create("TraceQL metrics strata", 64, &ctl,
							  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	sp->nkeys = 1;				/* 0: no key */

	TqlRunOptionsInit(&opts);
	opts.start_ns = range->start_ns;
	opts.end_ns = range->end_ns;
	opts.start_exclusive = range->start_exclusive;
	opts.skip_ids = true;
	opts.skip_duration = true;
	opts.group_filter = meta_filter;
	opts.group_filter_arg = sp;
	TqlRunSpans(q, &opts, NULL, NULL);
	plan_strata(sp);
	sp->cur_count = palloc0(sizeof(int64) * sp->nkeys);
	return sp;
}

/* Fold the current group's matches into the error sums */
static void
flush_group(TqlmStrata *sp)
{
	GroupMeta  *g = sp->cur;
	int			k;

	if (g == NULL)
		return;
	if (g->forced)
	{
		for (k = 0; k < sp->nkeys; k++)
			sp->keys[k].forced_count += sp->cur_count[k];
	}
	else
	{
		double		n = g->nrows;
		int			j;

		for (j = -1; j < g->nkeys; j++)
		{
			KeyStat    *ks = &sp->keys[j < 0 ? 0 : g->keys[j]];
			double		c = sp->cur_count[j < 0 ? 0 : g->keys[j]];

			ks->b += 1;
			ks->sc += c;
			ks->scc += c * c;
			ks->scn += c * n;
			ks->sn += n;
			ks->snn += n * n;
		}
	}
	if (sp->dirty)
		memset(sp->cur_count, 0, sizeof(int64) * sp->nkeys);
	sp->dirty = false;
	sp->cur = NULL;
}

/* Data pass: keep the planned groups */
static bool
data_filter(void *arg, const ColGroupInfo *info)
{
	TqlmStrata *sp = arg;
	GroupKey	k;
	GroupMeta  *g;

	flush_group(sp);
	if (info->buffered)
	{
		sp->cur_forced = true;
		sp->rows_total += info->nrows;
		sp->rows_read += info->nrows;
		sp->groups_total++;
		sp->groups_read++;
		return true;
	}
	memset(&k, 0, sizeof(k));
	k.relid = info->relid;
	k.stripe = info->stripe_num;
	k.group = info->group;
	g = hash_search(sp->groups, &k, HASH_FIND, NULL);
	if (g == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("chunk group changed between the passes of a sampled metrics query")));
	if (!g->forced && !g->kept)
		return false;
	sp->cur = g;
	sp->cur_forced = g->forced;
	sp->rows_read += g->nrows;
	sp->groups_read++;
	return true;
}

/*
 * TqlmStrataAttach
 *		Make opts read the planned groups and st weight its counts.
 */
void
TqlmStrataAttach(TqlmStrata *sp, TqlmState *st, TqlRunOptions *opts)
{
	opts->span_sample = 1.0;
	opts->group_filter = data_filter;
	opts->group_filter_arg = sp;
	st->strata = sp;
	st->strata_item = sp->by_item;
}

/* Stratum key index of by() group g (0 = none) */
static int32
group_key(TqlmState *st, int g)
{
	TqlmStrata *sp = st->strata;
	const TqlmValue *v;
	text	   *t;
	uint32		h;
	KeyEntry   *ke;

	if (st->strata_item < 0)
		return 0;
	v = &st->valarr[st->strata_item][st->group_vals[(Size) g * st->nby + st->strata_item]];
	if (v->type != TQL_TYPE_STRING)
		return 0;
	t = cstring_to_text_with_len(v->s, v->len);
	h = ColGroupHashText(PointerGetDatum(t));
	pfree(t);
	ke = hash_search(sp->keyhash, &h, HASH_FIND, NULL);
	return ke ? ke->index : 0;
}

/*
 * TqlmStrataWeights
 *		The weight of every span of a batch, by its by() group (< 0: none),
 *		into w; counts the matches per key for the error.
 */
void
TqlmStrataWeights(TqlmState *st, const int32 *group, int n, int64 *w)
{
	TqlmStrata *sp = st->strata;
	int			i;

	if (st->ngroups > st->strata_maxgroups)
	{
		int			size = Max(st->maxgroups, st->ngroups);

		if (st->strata_key == NULL)
			st->strata_key = MemoryContextAlloc(st->cxt, sizeof(int32) * size);
		else
			st->strata_key = repalloc(st->strata_key, sizeof(int32) * size);
		for (i = st->strata_maxgroups; i < size; i++)
			st->strata_key[i] = -1;
		st->strata_maxgroups = size;
	}
	sp->dirty = true;
	for (i = 0; i < n; i++)
	{
		int			g = group[i];
		int32		k = 0;

		if (g >= 0)
		{
			if (st->strata_key[g] < 0)
				st->strata_key[g] = group_key(st, g);
			k = st->strata_key[g];
		}
		sp->cur_count[k]++;
		w[i] = sp->cur_forced ? TQLM_WEIGHT_ONE : sp->keys[k].weight;
	}
}

/*
 * TqlmStrataError
 *		After the data pass: the largest relative standard error of a key's
 *		estimated total (0 when everything was exact).
 */
double
TqlmStrataError(TqlmStrata *sp)
{
	double		worst = 0.0;
	int			k;

	flush_group(sp);
	for (k = 0; k < sp->nkeys; k++)
	{
		KeyStat    *ks = &sp->keys[k];
		double		r,
					var,
					se,
					total,
					f;

		if (ks->b < 1 || ks->sc <= 0 || ks->rows_kept <= 0)
			continue;
		if (ks->b < 2)
		{
			worst = Max(worst, 1.0);
			continue;
		}
		r = ks->sc / ks->sn;
		var = (ks->scc - 2 * r * ks->scn + r * r * ks->snn) / (ks->b - 1);
		f = (double) ks->rows_kept / (double) ks->rows_s;
		se = ((double) ks->rows_s / (double) ks->rows_kept) *
			sqrt(Max(var, 0.0) * ks->b * Max(1.0 - f, 0.0));
		total = ks->forced_count + ks->sc * (double) ks->rows_s / (double) ks->rows_kept;
		worst = Max(worst, se / total);
	}
	return worst;
}

/* Rows read / rows in range, and the chunk groups behind it */
double
TqlmStrataReadFraction(TqlmStrata *sp, int64 *groups_read, int64 *groups_total)
{
	*groups_read = sp->groups_read;
	*groups_total = sp->groups_total;
	return sp->rows_total > 0 ? (double) sp->rows_read / (double) sp->rows_total : 1.0;
}
