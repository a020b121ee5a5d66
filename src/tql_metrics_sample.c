/*-------------------------------------------------------------------------
 *
 * tql_metrics_sample.c
 *	  Nested, stratified chunk-group sampling for span-level TraceQL
 *	  metrics.
 *
 * Sampling whole chunk groups saves reading and decoding, but a plain
 * cluster sample serves series unevenly: a service with 0.035% of the
 * spans, a few spans in each of most chunk groups, needs a far larger
 * share of its groups than a service present in every group by the
 * thousand.  So the sample is planned per by() value ("key") from the
 * metadata, then grown where the first sample shows it is too small.
 *
 * Notation.  A by() item that is a dictionary-encoded column
 * (resource.service.name -> service_name, name -> name) gives every chunk
 * group g a dictionary set: the keys it holds.  D_k is the set of groups
 * holding key k (key 0 stands for "no key": nil values, or a by() without
 * such a column; it is in every group), M_k = |D_k|, n_g the rows of g,
 * N_k the rows of D_k.  u_g in [0, 1) is a hash of g's first row number
 * (stable, independent of the data).  c_gs is the number of matches of
 * series s (a by() group) in g; T_s = sum over g of c_gs is what a count
 * or rate series adds up to.
 *
 * 1. Metadata pass.  The query runs with a group filter that rejects every
 *	  chunk group after recording its row count and dictionary set: nothing
 *	  is read or decoded.
 *
 * 2. Exact stratum.  Groups without a dictionary set, buffered rows and
 *	  heap partitions are read whole and counted with weight 1.  So are the
 *	  groups of a key expected in fewer than TQLM_RARE_KEPT_GROUPS groups of
 *	  the sample (M_k f < 10), rarest first while these forced rows stay
 *	  under TQLM_FORCED_BUDGET of all rows: with so few groups the spread
 *	  cannot be estimated, and reading them is cheap.  D_k, M_k and N_k
 *	  below only count the other (sampled) groups.
 *
 * 3. First sample: every sampled group with u_g < f (f = 0.1 for
 *	  sample=true, raised to hold at least TQLM_RARE_KEPT_GROUPS groups;
 *	  or the fraction asked for).  Each key k has a fraction
 *	  f_k (f at first) and its sample S_k = { g in D_k : u_g < f_k }: a
 *	  Bernoulli sample of D_k, chosen by the hash alone.  A span of series
 *	  s (whose key is k) counts only when its group is in S_k; it is then
 *	  estimated by the ratio estimator over the domain of k
 *
 *		  T^_s = E_s + (N_k / N'_k) sum over S_k of c_gs
 *
 *	  with E_s its matches in the exact stratum and N'_k the rows of S_k.
 *	  Rows are the auxiliary variable: the estimate only depends on how the
 *	  density of s varies between the groups holding k, not on how many of
 *	  them the hash picked.  Counts are accumulated unweighted, the exact
 *	  stratum apart, and weighted per series at the end (TqlmStrataFold),
 *	  so the weight of a key may change after the first pass.
 *
 * 4. Error rule (sample=true).  With m groups of S_k out of M_k, the
 *	  ratio estimator's variance is, to first order,
 *
 *		  V(m) = M_k^2 (1/m - 1/M_k) S2_s,   S2_s = var(c_gs - R_s n_g)
 *
 *	  R_s = sum c / sum n over S_k (groups of S_k where s had no match
 *	  count, with c = 0).  From the first sample (b groups of S_k) we
 *	  estimate S2_s and T_s and solve V(m) <= (eps T_s)^2 for
 *
 *		  m_s = 1 / (1/M_k + eps^2 T_s^2 / (M_k^2 S2_s))
 *
 *	  and f_k = max(f, max over the series s of key k of m_s / M_k),
 *	  capped at 1.  eps = TQLM_ADAPTIVE_MAX_ERROR (2.5%, set by the
 *	  caller) is a relative standard error: the total is within 2 eps = 5%
 *	  with about 95% probability (normal approximation), for every series.
 *	  A key whose first sample has fewer than TQLM_MIN_SAMPLE_GROUPS groups
 *	  gets f_k = 1 (no usable spread).  The rule uses only the first
 *	  sample's own statistics; nothing is tuned to a data set.
 *
 *	  Quantiles (quantile_over_time) add a rule on each series' number of
 *	  spans read, n.  The q-quantile is interpolated exponentially inside
 *	  its power-of-two bucket, holding the share p_b of the series' spans:
 *	  a rank error d (as a share of all spans) moves it by a factor
 *	  2^(d / p_b), about ln 2 d / p_b relative.  The sample rank's standard
 *	  error being sqrt(q (1 - q) / n), the relative error is at most eps
 *	  when n >= q (1 - q) (ln 2 / (eps p_b))^2, with p_b from the first
 *	  sample's histogram of the series (summed over the range).  That n is
 *	  turned into groups at the first sample's spans per group, with the
 *	  same finite-population correction (1/m = 1/M_k + spans per group / n).
 *	  This bounds the quantile over the whole range; a range query's
 *	  per-interval quantiles rest on fewer spans each.
 *
 * 5. Second sample, nested: group g is read when it was not read before
 *	  and u_g < max(f_0, max over its keys k of f_k).  Since f_k >= f,
 *	  every first-sample group stays in every S_k: nothing is read twice,
 *	  and S_k is again { u_g < f_k }, so step 3's estimator applies with
 *	  the new N'_k.  Spans of a key whose f_k is below the group's u_g are
 *	  read (the group was read for a rarer key) but not counted: their
 *	  groups are not a sample of their key's domain.  When the planned
 *	  groups hold TQLM_READ_ALL_SHARE of the rows or more, every f_k
 *	  becomes 1: the rest costs little more and the answer is exact.
 *
 * What it does not cover: a series with no match in its key's first
 * sample is not seen (its total is then below about 3 M_k / b with 95%
 * confidence, by the rule of three) and may be missing; with a by() that
 * has no dictionary column every series shares key 0, so the rarest one
 * sets the fraction of all groups.
 *
 * Counts, rates and histogram counts are weighted; min and max ignore
 * weights (every span read counts); quantiles only see ratios of weighted
 * counts.  sum/avg and compare() keep the executor's plain span_sample.
 * Weighted counts are fixed point (TQLM_WEIGHT_ONE is a weight of 1, each
 * cell rounded once) so the int64 accumulators stay integers; results are
 * scaled by 1 / TQLM_WEIGHT_ONE.
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
/* A key expected in fewer groups of the first sample than this is rare */
#define TQLM_RARE_KEPT_GROUPS 10.0
/* A first sample of fewer groups of a key gives no usable spread */
#define TQLM_MIN_SAMPLE_GROUPS 5
/* A plan reading this share of the rows reads them all */
#define TQLM_READ_ALL_SHARE 0.5

typedef struct GroupKey
{
	Oid			relid;
	int32		group;
	uint64		stripe;
} GroupKey;

typedef struct GroupMeta
{
	GroupKey	key;			/* hash key */
	double		u;				/* sampling number in [0, 1) */
	double		reach;			/* second sample: read when u < reach */
	int			nrows;
	int			nkeys;
	int32	   *keys;			/* stratum key indexes */
	bool		has_dict;
	bool		forced;			/* exact stratum */
	bool		read;
	bool		summary_try;	/* taken whole in the hope of a summary */
} GroupMeta;

typedef struct KeyEntry
{
	uint32		hash;			/* hash key: ColGroupHashText value */
	int32		index;
} KeyEntry;

/* Per stratum key: its domain in the sampled groups, fraction, weight */
typedef struct KeyStat
{
	int64		groups;			/* all groups holding it */
	bool		rare;
	double		frac;			/* f_k */
	int64		groups_s;		/* M_k */
	int64		rows_s;			/* N_k */
	int64		rows_kept;		/* N'_k */
	double		weight;			/* N_k / N'_k, times TQLM_WEIGHT_ONE */
	/* over the groups of S_k read so far */
	double		b,
				sn,
				snn;
} KeyStat;

/* Per by() group (series s): sums over the groups of its key's sample */
typedef struct SeriesStat
{
	double		sc,
				scc,
				scn;
	double		exact;			/* matches in the exact stratum */
} SeriesStat;

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
	double		fraction;		/* f */
	int			phase;			/* 1 first sample, 2 second */
	bool		summary_try;	/* take groups outside the sample whole */
	int64		rows_total;
	int64		rows_read;
	int64		groups_total;
	int64		groups_read;
	TqlmState  *st;
	/* data pass: the current group */
	GroupMeta  *cur;
	bool		cur_exact;
	/* per by() group: matches counted in the current group, and totals */
	int			maxg;
	int64	   *gcount;
	int32	   *touched;
	int			ntouched;
	SeriesStat *gstat;
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

/* The sampling number of a group, from its first row number */
static double
group_u(uint64 rownum)
{
	uint32		h = hash_bytes_uint32((uint32) (rownum ^ (rownum >> 32)) * 0x9e3779b1U);

	return (double) h / 4294967296.0;
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
		/* exact, and not known in advance: counted in the data pass */
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
	g->u = group_u(info->first_rownum);
	g->reach = 0.0;
	g->nkeys = 0;
	g->keys = NULL;
	g->has_dict = false;
	g->forced = false;
	g->read = false;
	g->summary_try = false;
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

/*
 * Domains of the keys in the sampled groups for their current fractions:
 * M_k, N_k, N'_k and the weights.  Returns true when a key has sampled
 * groups but none in its sample.
 */
static bool
compute_domains(TqlmStrata *sp)
{
	HASH_SEQ_STATUS seq;
	GroupMeta  *g;
	bool		empty = false;
	int			k;

	for (k = 0; k < sp->nkeys; k++)
		sp->keys[k].groups_s = sp->keys[k].rows_s = sp->keys[k].rows_kept = 0;
	hash_seq_init(&seq, sp->groups);
	while ((g = hash_seq_search(&seq)) != NULL)
	{
		int			j;

		if (g->forced)
			continue;
		for (j = -1; j < g->nkeys; j++)
		{
			KeyStat    *ks = &sp->keys[j < 0 ? 0 : g->keys[j]];

			ks->groups_s++;
			ks->rows_s += g->nrows;
			if (g->u < ks->frac)
				ks->rows_kept += g->nrows;
		}
	}
	for (k = 0; k < sp->nkeys; k++)
	{
		KeyStat    *ks = &sp->keys[k];

		if (ks->rows_s > 0 && ks->rows_kept == 0)
			empty = true;
		ks->weight = ks->rows_kept > 0 ?
			(double) TQLM_WEIGHT_ONE * (double) ks->rows_s / (double) ks->rows_kept :
			TQLM_WEIGHT_ONE;
	}
	return empty;
}

/* qsort_arg comparator: keys by the number of groups holding them */
static int
cmp_key_groups(const void *a, const void *b, void *arg)
{
	const KeyStat *keys = arg;
	int64		x = keys[*(const int *) a].groups;
	int64		y = keys[*(const int *) b].groups;

	return x < y ? -1 : x > y ? 1 : 0;
}

/* Decide the exact stratum and the first sample's weights */
static void
plan_strata(TqlmStrata *sp, bool adaptive)
{
	HASH_SEQ_STATUS seq;
	GroupMeta  *g;
	int64		sampled = 0;
	int64		rows_all = 0;
	int64		forced_rows = 0;
	int		   *order;
	int			i,
				k;

	sp->keys = MemoryContextAllocZero(sp->cxt, sizeof(KeyStat) * Max(sp->nkeys, 1));
	hash_seq_init(&seq, sp->groups);
	while ((g = hash_seq_search(&seq)) != NULL)
	{
		rows_all += g->nrows;
		if (sp->colname != NULL && !g->has_dict)
			g->forced = true;
		else
			sampled++;
		for (k = 0; k < g->nkeys; k++)
			sp->keys[g->keys[k]].groups++;
	}
	/* an adaptive first sample needs some groups to measure the spread */
	if (adaptive && sampled > 0 && sp->fraction * sampled < TQLM_RARE_KEPT_GROUPS)
		sp->fraction = Min(1.0, TQLM_RARE_KEPT_GROUPS / (double) sampled);
	for (k = 0; k < sp->nkeys; k++)
		sp->keys[k].frac = sp->fraction;

	/* rare keys, rarest first, while the budget lasts */
	if (sp->nkeys > 1)
	{
		order = palloc(sizeof(int) * sp->nkeys);
		for (i = 1; i < sp->nkeys; i++)
			order[i - 1] = i;
		qsort_arg(order, sp->nkeys - 1, sizeof(int), cmp_key_groups, sp->keys);
		for (i = 0; i < sp->nkeys - 1; i++)
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
		pfree(order);
	}

	/*
	 * Force the groups of rare keys; a key whose sample is empty becomes
	 * rare too (key 0, in every group, then forces everything).
	 */
	for (;;)
	{
		hash_seq_init(&seq, sp->groups);
		while ((g = hash_seq_search(&seq)) != NULL)
		{
			if (sp->keys[0].rare)
				g->forced = true;
			for (k = 0; k < g->nkeys && !g->forced; k++)
				if (sp->keys[g->keys[k]].rare)
					g->forced = true;
		}
		if (!compute_domains(sp))
			break;
		for (k = 0; k < sp->nkeys; k++)
			if (sp->keys[k].rows_s > 0 && sp->keys[k].rows_kept == 0)
				sp->keys[k].rare = true;
	}
	sp->groups_total = hash_get_num_entries(sp->groups);
}

/*
 * TqlmStrataPlan
 *		The strata for a span-level sample of fraction f of query q over the
 *		time range of opts, or NULL when the query's function does not allow
 *		weights.  Reads only metadata.  An adaptive plan's first sample
 *		holds at least TQLM_RARE_KEPT_GROUPS groups.
 */
TqlmStrata *
TqlmStrataPlan(const TqlQuery *q, const TqlRunOptions *range, double f,
			   bool adaptive)
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
	sp->phase = 1;
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
	plan_strata(sp, adaptive);
	return sp;
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

/* The key of by() group g, cached */
static inline int32
key_of(TqlmState *st, int g)
{
	if (st->strata_key[g] < 0)
		st->strata_key[g] = group_key(st, g);
	return st->strata_key[g];
}

/* Room for the by() groups known so far in the per-group arrays */
static void
ensure_groups(TqlmStrata *sp, TqlmState *st)
{
	int			size;
	int			i;

	if (st->ngroups <= sp->maxg)
		return;
	size = Max(Max(st->maxgroups, st->ngroups), 16);
	if (sp->maxg == 0)
	{
		st->strata_key = MemoryContextAlloc(sp->cxt, sizeof(int32) * size);
		sp->gcount = MemoryContextAllocZero(sp->cxt, sizeof(int64) * size);
		sp->touched = MemoryContextAlloc(sp->cxt, sizeof(int32) * size);
		sp->gstat = MemoryContextAllocZero(sp->cxt, sizeof(SeriesStat) * size);
	}
	else
	{
		st->strata_key = repalloc(st->strata_key, sizeof(int32) * size);
		sp->gcount = repalloc(sp->gcount, sizeof(int64) * size);
		sp->touched = repalloc(sp->touched, sizeof(int32) * size);
		sp->gstat = repalloc(sp->gstat, sizeof(SeriesStat) * size);
		memset(sp->gcount + sp->maxg, 0, sizeof(int64) * (size - sp->maxg));
		memset(sp->gstat + sp->maxg, 0, sizeof(SeriesStat) * (size - sp->maxg));
	}
	for (i = sp->maxg; i < size; i++)
		st->strata_key[i] = -1;
	sp->maxg = size;
	st->strata_maxgroups = size;
}

/* Fold the current group's matches into the sums of its series and keys */
static void
flush_group(TqlmStrata *sp)
{
	GroupMeta  *g = sp->cur;
	int			t;

	if (sp->cur_exact)
	{
		for (t = 0; t < sp->ntouched; t++)
			sp->gstat[sp->touched[t]].exact += sp->gcount[sp->touched[t]];
	}
	else if (g != NULL)
	{
		double		n = g->nrows;
		int			j;

		for (j = -1; j < g->nkeys; j++)
		{
			KeyStat    *ks = &sp->keys[j < 0 ? 0 : g->keys[j]];

			if (g->u < ks->frac)
			{
				ks->b += 1;
				ks->sn += n;
				ks->snn += n * n;
			}
		}
		for (t = 0; t < sp->ntouched; t++)
		{
			SeriesStat *ss = &sp->gstat[sp->touched[t]];
			double		c = sp->gcount[sp->touched[t]];

			ss->sc += c;
			ss->scc += c * c;
			ss->scn += c * n;
		}
	}
	for (t = 0; t < sp->ntouched; t++)
		sp->gcount[sp->touched[t]] = 0;
	sp->ntouched = 0;
	sp->cur = NULL;
	sp->cur_exact = false;
}

/* Data pass: read the groups of the current sample */
static bool
data_filter(void *arg, const ColGroupInfo *info)
{
	TqlmStrata *sp = arg;
	GroupKey	k;
	GroupMeta  *g;
	bool		read;

	flush_group(sp);
	if (info->buffered)
	{
		/* read whole in the first pass */
		if (sp->phase > 1)
			return false;
		sp->cur_exact = true;
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
	if (sp->phase == 1)
	{
		read = g->forced || g->u < sp->fraction;
		sp->rows_total += g->nrows;
		if (!read && sp->summary_try)
		{
			/* exact stratum if the reader answers it from its census */
			g->forced = read = g->summary_try = true;
		}
	}
	else
		read = !g->read && !g->forced && g->u < g->reach;
	if (!read)
		return false;
	g->read = true;
	sp->cur = g;
	sp->cur_exact = g->forced;
	sp->rows_read += g->nrows;
	sp->groups_read++;
	return true;
}

/*
 * TqlmStrataAttach
 *		Make opts read the planned groups and st count by them.
 */
void
TqlmStrataAttach(TqlmStrata *sp, TqlmState *st, TqlRunOptions *opts)
{
	opts->span_sample = 1.0;
	opts->group_filter = data_filter;
	opts->group_filter_arg = sp;
	st->strata = sp;
	st->strata_item = sp->by_item;
	sp->st = st;
	sp->summary_try = opts->summary_ok != NULL;
}

/*
 * TqlmStrataTarget
 *		For a batch of matched spans (by() group of each in group, < 0
 *		none): which of them count (keep) and the accumulators they count
 *		in, st->counts (sampled, weighted later) or st->strata_exact.
 */
int64 **
TqlmStrataTarget(TqlmState *st, const int32 *group, const int32 *weights,
				 int n, bool *keep)
{
	TqlmStrata *sp = st->strata;
	bool		exact = sp->cur_exact;
	double		u = sp->cur ? sp->cur->u : 0.0;
	int			i;

	ensure_groups(sp, st);
	if (sp->cur != NULL && sp->cur->summary_try && weights == NULL)
	{
		/* the reader decoded a group taken for its census: stop trying */
		sp->summary_try = false;
	}
	for (i = 0; i < n; i++)
	{
		int			g = group[i];

		if (g < 0)
		{
			keep[i] = false;
			continue;
		}
		keep[i] = exact || u < sp->keys[key_of(st, g)].frac;
		if (!keep[i])
			continue;
		if (sp->gcount[g] == 0)
			sp->touched[sp->ntouched++] = g;
		sp->gcount[g] += weights ? weights[i] : 1;
	}
	if (!exact)
		return st->counts;
	if (st->func == TQL_MF_MIN_OVER_TIME || st->func == TQL_MF_MAX_OVER_TIME)
		return NULL;
	if (st->strata_nexact < st->nseries)
	{
		MemoryContext old = MemoryContextSwitchTo(st->cxt);
		int			size = Max(st->maxseries, st->nseries);

		if (st->strata_exact == NULL)
			st->strata_exact = palloc0(sizeof(int64 *) * size);
		else if (st->strata_maxexact < size)
		{
			st->strata_exact = repalloc(st->strata_exact, sizeof(int64 *) * size);
			memset(st->strata_exact + st->strata_maxexact, 0,
				   sizeof(int64 *) * (size - st->strata_maxexact));
		}
		st->strata_maxexact = Max(st->strata_maxexact, size);
		for (i = st->strata_nexact; i < st->nseries; i++)
			st->strata_exact[i] = palloc0(sizeof(int64) * st->grid.nint);
		st->strata_nexact = st->nseries;
		MemoryContextSwitchTo(old);
	}
	return st->strata_exact;
}

/* Relative standard error of series s's total with m of its key's groups */
static double
series_rse(TqlmStrata *sp, KeyStat *ks, SeriesStat *ss, double m, double *total)
{
	double		b = ks->b;
	double		M = (double) ks->groups_s;
	double		r,
				s2;

	*total = ss->exact + ss->sc * (double) ks->rows_s / (double) ks->rows_kept;
	if (ss->sc <= 0 || b < 2)
		return 0.0;
	r = ss->sc / ks->sn;
	s2 = Max((ss->scc - 2 * r * ss->scn + r * r * ks->snn) / (b - 1), 0.0);
	return M * sqrt(Max(1.0 / m - 1.0 / M, 0.0) * s2) / *total;
}

/* qsort comparator: doubles, ascending */
static int
cmp_double_pair(const void *a, const void *b)
{
	double		x = ((const double *) a)[0];
	double		y = ((const double *) b)[0];

	return x < y ? -1 : x > y ? 1 : 0;
}

/*
 * Spans of series (by() group) s that its quantiles need in a sample for
 * a relative standard error of eps (header, step 4): 0 when none known.
 */
static double
quantile_spans_needed(TqlmState *st, int s, double eps)
{
	int32	   *slots = st->group_slots ? st->group_slots[s] : NULL;
	double		hist[TQLM_HIST_SLOTS][2];
	double		total = 0;
	double		need = 0;
	int			nb = 0;
	int			i,
				k,
				qi;

	if (slots == NULL)
		return 0;
	for (i = 0; i < TQLM_HIST_SLOTS; i++)
	{
		int			sid = slots[i];
		double		c = 0;

		if (sid < 0)
			continue;
		for (k = 0; k < st->grid.nint; k++)
			c += st->counts[sid][k];
		if (sid < st->strata_nexact)
			for (k = 0; k < st->grid.nint; k++)
				c += st->strata_exact[sid][k];
		if (c <= 0)
			continue;
		hist[nb][0] = TqlmSlotValue(i);
		hist[nb][1] = c;
		total += c;
		nb++;
	}
	if (nb == 0)
		return 0;
	qsort(hist, nb, sizeof(hist[0]), cmp_double_pair);
	for (qi = 0; qi < st->metrics->nquantiles; qi++)
	{
		double		q = st->metrics->quantiles[qi];
		double		seen = 0;
		double		pb = 1.0;

		for (i = 0; i < nb; i++)
		{
			seen += hist[i][1];
			if (seen >= q * total)
			{
				pb = hist[i][1] / total;
				break;
			}
		}
		need = Max(need, q * (1 - q) * (M_LN2 / (eps * pb)) * (M_LN2 / (eps * pb)));
	}
	return need;
}

/*
 * TqlmStrataExtend
 *		After the first data pass: the fraction each key needs for every
 *		series' relative standard error to be at most eps (header, step 4),
 *		and the second sample's groups (step 5).  Returns true when there
 *		are groups to read in a second data pass.
 */
bool
TqlmStrataExtend(TqlmStrata *sp, double eps)
{
	TqlmState  *st = sp->st;
	HASH_SEQ_STATUS seq;
	GroupMeta  *g;
	double	   *need;
	int64		rows_all = 0;
	int64		rows_plan = 0;
	bool		more = false;
	int			s,
				k;

	flush_group(sp);
	if (sp->phase != 1)
		return false;
	sp->phase = 2;
	ensure_groups(sp, st);
	compute_domains(sp);
	need = palloc(sizeof(double) * sp->nkeys);
	for (k = 0; k < sp->nkeys; k++)
		need[k] = sp->keys[k].frac;
	for (s = 0; s < st->ngroups; s++)
	{
		int32		key = key_of(st, s);
		KeyStat    *ks = &sp->keys[key];
		SeriesStat *ss = &sp->gstat[s];
		double		M = (double) ks->groups_s;
		double		total,
					rse,
					m;

		if (ss->sc <= 0 || ks->groups_s == 0 || need[key] >= 1.0)
			continue;
		if (ks->b < TQLM_MIN_SAMPLE_GROUPS)
		{
			need[key] = 1.0;
			continue;
		}
		/* rse at m = 1 group gives S2 / T^2 = rse^2 / (M^2 (1 - 1/M)) */
		rse = series_rse(sp, ks, ss, 1.0, &total);
		if (rse <= 0 || M <= 1)
			continue;
		m = 1.0 / (1.0 / M + eps * eps * (1.0 - 1.0 / M) / (rse * rse));
		if (st->func == TQL_MF_QUANTILE_OVER_TIME)
		{
			/* the spans its quantiles need, in groups at the sample's rate */
			double		n = quantile_spans_needed(st, s, eps);
			double		per_group = ss->sc / ks->b;

			if (n > 0 && per_group > 0)
				m = Max(m, 1.0 / (1.0 / M + per_group / n));
		}
		need[key] = Max(need[key], Min(m / M, 1.0));
		elog(DEBUG2, "TraceQL metrics sample: series %d key %d: %g of %g groups, total %g, needs %g groups",
			 s, key, ks->b, M, total, m);
	}

	/* the groups to read, and whether reading everything is cheaper */
	for (;;)
	{
		rows_all = rows_plan = 0;
		hash_seq_init(&seq, sp->groups);
		while ((g = hash_seq_search(&seq)) != NULL)
		{
			int			j;

			g->reach = need[0];
			for (j = 0; j < g->nkeys; j++)
				g->reach = Max(g->reach, need[g->keys[j]]);
			rows_all += g->nrows;
			if (g->forced || g->u < g->reach)
				rows_plan += g->nrows;
		}
		if ((double) rows_plan < TQLM_READ_ALL_SHARE * (double) rows_all ||
			need[0] >= 1.0)
			break;
		for (k = 0; k < sp->nkeys; k++)
			need[k] = 1.0;
	}
	for (k = 0; k < sp->nkeys; k++)
		sp->keys[k].frac = need[k];
	compute_domains(sp);

	hash_seq_init(&seq, sp->groups);
	while ((g = hash_seq_search(&seq)) != NULL)
		if (!g->read && !g->forced && g->u < g->reach)
			more = true;
	elog(DEBUG1, "TraceQL metrics sample: first sample %g, second sample plans %lld of %lld rows",
		 sp->fraction, (long long) rows_plan, (long long) rows_all);
	pfree(need);
	return more;
}

/*
 * TqlmStrataFold
 *		After the last data pass: weight the sampled counts of every series
 *		by its key's N_k / N'_k and add the exact stratum, in fixed point.
 */
void
TqlmStrataFold(TqlmState *st)
{
	TqlmStrata *sp = st->strata;
	int			nint = st->grid.nint;
	int			s;

	flush_group(sp);
	ensure_groups(sp, st);
	compute_domains(sp);
	if (st->counts == NULL || st->func == TQL_MF_MIN_OVER_TIME ||
		st->func == TQL_MF_MAX_OVER_TIME)
		return;
	for (s = 0; s < st->nseries; s++)
	{
		int64	   *c = st->counts[s];
		int64	   *e = s < st->strata_nexact ? st->strata_exact[s] : NULL;
		double		w = sp->keys[key_of(st, st->series_group[s])].weight;
		int			j;

		CHECK_FOR_INTERRUPTS();
		for (j = 0; j < nint; j++)
			c[j] = (int64) rint((double) c[j] * w) +
				(e ? e[j] * TQLM_WEIGHT_ONE : 0);
	}
}

/*
 * TqlmStrataError
 *		After the data passes: the largest relative standard error of a
 *		series' estimated total (0 when everything was exact).
 */
double
TqlmStrataError(TqlmStrata *sp)
{
	TqlmState  *st = sp->st;
	double		worst = 0.0;
	int			s;

	flush_group(sp);
	ensure_groups(sp, st);
	for (s = 0; s < st->ngroups; s++)
	{
		KeyStat    *ks = &sp->keys[key_of(st, s)];
		double		total;

		if (ks->b < 1 || ks->rows_kept <= 0)
			continue;
		worst = Max(worst, series_rse(sp, ks, &sp->gstat[s], ks->b, &total));
	}
	return worst;
}

/*
 * TqlmStrataFactors
 *		The smallest and largest scale factor (N_k / N'_k) of a key that
 *		has matches in the sampled groups; false when there is none (every
 *		series exact).
 */
bool
TqlmStrataFactors(TqlmStrata *sp, double *lo, double *hi)
{
	TqlmState  *st = sp->st;
	bool		any = false;
	int			s;

	ensure_groups(sp, st);
	*lo = *hi = 1.0;
	for (s = 0; s < st->ngroups; s++)
	{
		KeyStat    *ks = &sp->keys[key_of(st, s)];
		double		w;

		if (sp->gstat[s].sc <= 0 || ks->rows_kept <= 0 || ks->rows_kept == ks->rows_s)
			continue;
		w = (double) ks->rows_s / (double) ks->rows_kept;
		*lo = any ? Min(*lo, w) : w;
		*hi = any ? Max(*hi, w) : w;
		any = true;
	}
	return any;
}

/* Rows read / rows in range, and the chunk groups behind it */
double
TqlmStrataReadFraction(TqlmStrata *sp, int64 *groups_read, int64 *groups_total)
{
	*groups_read = sp->groups_read;
	*groups_total = sp->groups_total;
	return sp->rows_total > 0 ? (double) sp->rows_read / (double) sp->rows_total : 1.0;
}
