/*-------------------------------------------------------------------------
 *
 * tql_exec_trace.c
 *	  TraceQL executor for queries that need whole traces: trace assembly,
 *	  nested sets, spanset operators and the pipeline stages.
 *
 * Assembly runs in up to two scans of the time range:
 *
 *	pass 1 (candidates): the span-level conditions of the pipeline's first
 *	  stage ("atoms": the filters, without their trace-level conjuncts) are
 *	  evaluated batch by batch; a hash table remembers, per trace id, which
 *	  atoms some span satisfied.  The pipeline's spanset operators give a
 *	  formula over the atoms (&& and the structural operators need both
 *	  sides, || either, the negated operators only their right side, since
 *	  an empty left side keeps every right span) and only traces that
 *	  satisfy it are candidates.  For "{ filters } | count() op N" pass 1
 *	  counts each trace's matching spans instead, and the count decides.  The pass is skipped when a trace without
 *	  any atom could match (e.g. "{ } | count() > 3"): then every trace is
 *	  a candidate.  With a single atom its conditions are pushed into the
 *	  reader as in span mode.
 *
 *	pass 2 (assembly): the spans of the candidates are read (by trace id,
 *	  in one lookup scan per batch of ids that reads only the chunk groups
 *	  whose trace id zone maps and blooms may hold one of them, when there
 *	  are at most EXEC_POINT_LOOKUPS of them, or, when the number of
 *	  results is limited, for the first batches of them; candidates the
 *	  caller gives, which all match, in one lookup scan for up to
 *	  EXEC_LOOKUP_IDS; else in one scan with a hash probe per row) and
 *	  kept as ExecSpans holding only the fields the query reads.
 *
 * Memory: the bytes held for the spans of pass 2 (records, values,
 * trace headers) are counted and checked after every batch against
 * get_hash_memory_limit() (work_mem times hash_mem_multiplier, the bound of
 * PostgreSQL's own hash joins and aggregates).  When a round would exceed it, the round is restarted on
 * half of the traces (those whose trace id hash has one more bit equal)
 * and the other half is queued for a later round: a big query costs more
 * scans, never more memory.  A single trace larger than the limit is an
 * error (54000) that says so.  Pass 1 keeps one small entry per trace that
 * has a span matching an atom.
 *
 * Per trace, the spans are sorted by start time, the root is the earliest
 * span without a parent, trace:duration spans from the earliest start to
 * the latest end, and the nested-set numbers are assigned depth first from
 * every root (children by start time): left going down, right going up,
 * parent = the parent's left, -1 for roots, 0 for spans not reachable
 * from a root (disconnected), which take part in no structural relation.
 * Only spans inside the time range make up a trace.
 *
 * The pipeline then runs as Tempo's: a list of spansets, initially one
 * with every span of the trace; filters keep matching spans and drop empty
 * spansets; "&&" / "||" combine the results of both sides on each input
 * spanset; structural operators relate the single spanset of each side
 * (several spansets, after by(), are an error as in Tempo), computed from
 * the numbered tree in linear time; scalar filters compare an aggregate of
 * each spanset; by() splits spansets by value; coalesce() merges them;
 * select() only names values for the result.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/tql_exec_trace.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "common/hashfn.h"
#include "miscadmin.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "tempo_ids.h"
#include "tql_exec_int.h"

/* candidate traces read by one trace id lookup scan, at most, per batch */
#define EXEC_POINT_LOOKUPS 64
/* given candidates read by one lookup scan, at most (else a full scan) */
#define EXEC_LOOKUP_IDS 1024
/* batches of lookups tried before a full scan, when results are limited */
#define EXEC_LOOKUP_BATCHES 2

typedef struct TraceEntry
{
	uint8		id[16];
	ExecTrace  *trace;
	uint32		atoms;
	int64		count;			/* count mode: matching spans */
} TraceEntry;

static inline uint32
trace_hash(const uint8 *id)
{
	return hash_bytes(id, 16);
}

static HTAB *
trace_table(const char *name, MemoryContext cxt)
{
	HASHCTL		ctl;

	ctl.keysize = 16;
	ctl.entrysize = sizeof(TraceEntry);
	ctl.hcxt = cxt;
	return hash_create(name, 1024, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

/* ---------------------------------------------------------------------
 * Pass 1: candidates
 * ---------------------------------------------------------------------
 */

typedef struct Pass1
{
	ExecPlan   *plan;
	HTAB	   *seen;
} Pass1;

static bool
pass1_batch(void *arg, ExecSource *src, const int64 *start, int n, const int *rows)
{
	Pass1	   *p = arg;
	ExecPlan   *plan = p->plan;
	ColVector  *tid = src->batch->cols[src->attnos[EC_TRACE_ID] - 1];
	uint8	   *res = palloc(Max(n, 1));
	int			a,
				j;

	if (plan->count_mode)
	{
		const uint8 *last_id = NULL;
		TraceEntry *last = NULL;

		if (plan->natoms > 0)
			ExecEvalPred(src, plan->atoms[0], n, rows, res);
		else
			memset(res, 1, n);
		for (j = 0; j < n; j++)
		{
			const uint8 *id;
			bool		found;

			if (res[j] != 1)
				continue;
			id = (const uint8 *) DatumGetPointer(tid->values[rows ? rows[j] : j]);
			if (last_id == NULL || memcmp(id, last_id, 16) != 0)
			{
				last = hash_search(p->seen, id, HASH_ENTER, &found);
				if (!found)
				{
					last->trace = NULL;
					last->atoms = 0;
					last->count = 0;
				}
				last_id = id;
			}
			last->count++;
		}
		return true;
	}

	for (a = 0; a < plan->natoms; a++)
	{
		ExecEvalPred(src, plan->atoms[a], n, rows, res);
		for (j = 0; j < n; j++)
		{
			TraceEntry *e;
			bool		found;

			if (res[j] != 1)
				continue;
			e = hash_search(p->seen, DatumGetPointer(tid->values[rows ? rows[j] : j]),
							HASH_ENTER, &found);
			if (!found)
			{
				e->trace = NULL;
				e->atoms = 0;
				e->count = 0;
			}
			e->atoms |= (uint32) 1 << a;
		}
	}
	return true;
}

static bool compare_doubles(TqlOp op, double a, double b);

/* Is a trace seen in pass 1 a candidate? */
static bool
pass1_candidate(ExecPlan *plan, const TraceEntry *e)
{
	if (plan->count_mode)
		return e->count > 0 && compare_doubles(plan->count_op, (double) e->count,
											   plan->count_limit);
	return ExecTraceIsCandidate(plan, e->atoms);
}

/* ---------------------------------------------------------------------
 * Pass 2: assembly
 * ---------------------------------------------------------------------
 */

typedef struct RoundClass
{
	uint32		mod;
	uint32		res;
} RoundClass;

typedef struct Assembly
{
	ExecPlan   *plan;
	HTAB	   *cand;			/* candidate set, or NULL = every trace */
	uint32		mod;			/* this round: trace_hash % mod == res */
	uint32		res;
	double		sample;			/* keep traces whose hash is below */
	HTAB	   *traces;
	MemoryContext store;
	Size		budget;
	int			nfields;
	bool	   *stored;			/* [nfields] field stored per span */
	/* bump allocator for spans and their values, in store */
	char	   *arena;
	Size		arena_left;
	Size		used;			/* bytes held for the round's traces */
	long		ntraces;
	/* classes of traces left for later rounds */
	RoundClass *queue;
	int			nqueue;
	int			qcap;
} Assembly;

#define ARENA_BLOCK (64 * 1024)

/* Memory in the round's store that lives as long as the round */
static void *
arena_alloc(Assembly *as, Size size)
{
	void	   *p;

	size = MAXALIGN(size);
	as->used += size;
	if (size > ARENA_BLOCK / 4)
		return MemoryContextAlloc(as->store, size);
	if (size > as->arena_left)
	{
		as->arena = MemoryContextAlloc(as->store, ARENA_BLOCK);
		as->arena_left = ARENA_BLOCK;
	}
	p = as->arena;
	as->arena += size;
	as->arena_left -= size;
	return p;
}

static const char *
arena_strdup(Assembly *as, const char *s, int len)
{
	char	   *p = arena_alloc(as, len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

static Jsonb *
store_jsonb(Assembly *as, const Jsonb *jb)
{
	Jsonb	   *copy = arena_alloc(as, VARSIZE(jb));

	memcpy(copy, jb, VARSIZE(jb));
	return copy;
}

/* Copy a value into the round's store */
static void
store_val(Assembly *as, ExecVal *dst, const ExecVal *src)
{
	*dst = *src;
	if (src->type == TQL_TYPE_STRING)
		dst->u.s = arena_strdup(as, src->u.s, src->len);
	else if (src->type == TQL_TYPE_ATTRIBUTE)
		dst->u.a = store_jsonb(as, src->u.a);
}

static void
queue_class(Assembly *as, uint32 mod, uint32 res)
{
	if (as->nqueue == as->qcap)
	{
		as->qcap *= 2;
		as->queue = repalloc(as->queue, sizeof(RoundClass) * as->qcap);
	}
	as->queue[as->nqueue].mod = mod;
	as->queue[as->nqueue].res = res;
	as->nqueue++;
}

static void
new_store(Assembly *as, MemoryContext parent)
{
	as->store = AllocSetContextCreate(parent, "TraceQL traces",
									  ALLOCSET_DEFAULT_SIZES);
	as->traces = trace_table("TraceQL traces", as->store);
	as->arena = NULL;
	as->arena_left = 0;
	as->used = 0;
	as->ntraces = 0;
}

/*
 * The round holds too much: keep only the half of its traces whose hash
 * has one more bit equal to the round's residue, copied into a fresh
 * store, and queue the other half for a later round.  The scan goes on.
 */
static void
split_round(Assembly *as)
{
	MemoryContext oldstore = as->store;
	HTAB	   *oldtraces = as->traces;
	MemoryContext parent = MemoryContextGetParent(oldstore);
	uint32		newmod;
	HASH_SEQ_STATUS seq;
	TraceEntry *e;
	Size		spansize = MAXALIGN(sizeof(ExecSpan)) +
		sizeof(ExecVal) * Max(as->nfields, 1);

	if (as->mod >= ((uint32) 1 << 30))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many traces share trace id hash values to fit in work_mem"),
				 errhint("Increase work_mem or hash_mem_multiplier.")));
	newmod = as->mod * 2;
	queue_class(as, newmod, as->res + as->mod);
	as->mod = newmod;
	new_store(as, parent);

	hash_seq_init(&seq, oldtraces);
	while ((e = hash_seq_search(&seq)) != NULL)
	{
		ExecTrace  *t = e->trace;
		ExecTrace  *nt;
		TraceEntry *ne;
		bool		found;
		int			i,
					f;

		if (trace_hash(e->id) % newmod != as->res)
			continue;
		ne = hash_search(as->traces, e->id, HASH_ENTER, &found);
		nt = MemoryContextAllocZero(as->store, sizeof(ExecTrace));
		memcpy(nt->trace_id, t->trace_id, 16);
		nt->maxspans = Max(t->nspans, 8);
		nt->spans = MemoryContextAllocHuge(as->store, sizeof(ExecSpan *) * nt->maxspans);
		as->used += sizeof(TraceEntry) + sizeof(ExecTrace) +
			sizeof(ExecSpan *) * nt->maxspans;
		as->ntraces++;
		for (i = 0; i < t->nspans; i++)
		{
			ExecSpan   *sp = t->spans[i];
			ExecSpan   *ns = arena_alloc(as, spansize);

			memcpy(ns, sp, sizeof(ExecSpan));
			ns->vals = (ExecVal *) ((char *) ns + MAXALIGN(sizeof(ExecSpan)));
			for (f = 0; f < as->nfields; f++)
				store_val(as, &ns->vals[f], &sp->vals[f]);
			if (sp->span_attrs)
				ns->span_attrs = store_jsonb(as, sp->span_attrs);
			if (sp->res_attrs)
				ns->res_attrs = store_jsonb(as, sp->res_attrs);
			nt->spans[nt->nspans++] = ns;
		}
		ne->trace = nt;
		ne->atoms = 0;
	}
	MemoryContextDelete(oldstore);
}

static bool
assemble_batch(void *arg, ExecSource *src, const int64 *start, int n, const int *rows)
{
	Assembly   *as = arg;
	ExecPlan   *plan = as->plan;
	ColVector  *tid = ExecSourceColumn(src, EC_TRACE_ID);
	ColVector  *sid,
			   *pid,
			   *dur;
	ColVector  *sa = NULL,
			   *ra = NULL;
	ExecVec   **vecs;
	ColKeyVector **kvs;
	const char ***interned;
	const uint8 *last_id = NULL;
	ExecTrace  *last = NULL;
	int		   *keep = palloc(sizeof(int) * Max(n, 1));
	int			nkeep = 0;
	int			j,
				f;
	Size		spansize = MAXALIGN(sizeof(ExecSpan)) +
		sizeof(ExecVal) * Max(as->nfields, 1);

	/*
	 * First the rows of the round's traces, from the trace ids alone: the
	 * other columns (decoded on demand, see run_rounds) are read only for a
	 * batch that has some.
	 */
	for (j = 0; j < n; j++)
	{
		int			r = rows ? rows[j] : j;
		const uint8 *id = (const uint8 *) DatumGetPointer(tid->values[r]);

		/* the spans of a trace are usually stored together */
		if (last_id == NULL || memcmp(id, last_id, 16) != 0)
		{
			uint32		h = trace_hash(id);
			bool		found;

			last_id = id;
			last = NULL;
			if (as->mod > 1 && h % as->mod != as->res)
				continue;
			if (as->sample < 1.0 && (double) h / 4294967296.0 >= as->sample)
				continue;
			if (as->cand != NULL)
			{
				(void) hash_search_with_hash_value(as->cand, id, h, HASH_FIND, &found);
				if (!found)
					continue;
			}
			last = (ExecTrace *) 1;		/* wanted; made below */
		}
		if (last == NULL)
			continue;
		keep[nkeep++] = r;
	}
	if (nkeep == 0)
		return true;

	if (start == NULL)
		start = (const int64 *) ExecSourceColumn(src, EC_START_NS)->values;
	sid = ExecSourceColumn(src, EC_SPAN_ID);
	pid = ExecSourceColumn(src, EC_PARENT_SPAN_ID);
	dur = ExecSourceColumn(src, EC_DURATION);
	if (plan->opts->want_attributes)
	{
		sa = ExecSourceColumn(src, EC_SPAN_ATTRS);
		ra = ExecSourceColumn(src, EC_RESOURCE_ATTRS);
	}
	vecs = palloc0(sizeof(ExecVec *) * Max(as->nfields, 1));
	kvs = palloc0(sizeof(ColKeyVector *) * Max(as->nfields, 1));
	interned = palloc0(sizeof(char **) * Max(as->nfields, 1));
	for (f = 0; f < as->nfields; f++)
	{
		if (!as->stored[f])
			continue;
		/* attribute keys: only the kept rows' values are converted */
		kvs[f] = ExecFieldKeyVector(src, f);
		if (kvs[f] == NULL)
			vecs[f] = ExecFieldValues(src, f);
	}

	last_id = NULL;
	last = NULL;
	for (j = 0; j < nkeep; j++)
	{
		int			r = keep[j];
		const uint8 *id = (const uint8 *) DatumGetPointer(tid->values[r]);
		ExecTrace  *t;
		ExecSpan   *sp;

		if (last_id != NULL && memcmp(id, last_id, 16) == 0)
			t = last;
		else
		{
			uint32		h = trace_hash(id);
			TraceEntry *e;
			bool		found;

			e = hash_search_with_hash_value(as->traces, id, h, HASH_ENTER, &found);
			if (!found)
			{
				t = MemoryContextAllocZero(as->store, sizeof(ExecTrace));
				memcpy(t->trace_id, id, 16);
				t->maxspans = 8;
				t->spans = MemoryContextAlloc(as->store, sizeof(ExecSpan *) * t->maxspans);
				as->used += sizeof(TraceEntry) + sizeof(ExecTrace) +
					sizeof(ExecSpan *) * t->maxspans;
				as->ntraces++;
				e->trace = t;
				e->atoms = 0;
			}
			t = e->trace;
			last = t;
			last_id = id;
		}
		if (t->nspans == t->maxspans)
		{
			as->used += sizeof(ExecSpan *) * t->maxspans;
			t->maxspans *= 2;
			t->spans = repalloc_huge(t->spans, sizeof(ExecSpan *) * t->maxspans);
		}
		sp = arena_alloc(as, spansize);
		memset(sp, 0, sizeof(ExecSpan));
		sp->vals = (ExecVal *) ((char *) sp + MAXALIGN(sizeof(ExecSpan)));
		sp->span_id = DatumGetSpanId(sid->values[r]);
		sp->has_parent = !pid->isnull[r];
		sp->parent_id = sp->has_parent ? DatumGetSpanId(pid->values[r]) : 0;
		sp->start_ns = start[r];
		sp->duration_ns = DatumGetInt64(dur->values[r]);
		for (f = 0; f < as->nfields; f++)
		{
			ExecVec    *vec = vecs[f];

			if (kvs[f] != NULL)
			{
				ExecVal		v;

				ExecKeyValue(kvs[f], r, &v);
				store_val(as, &sp->vals[f], &v);
				continue;
			}
			if (vec == NULL)
			{
				sp->vals[f].type = TQL_TYPE_NIL;
				continue;
			}
			if (vec->v.codes != NULL)
			{
				/* dictionary: copy each distinct value once per batch */
				int32		c = vec->v.codes[r];

				if (c < 0 || c >= vec->v.ndict)
				{
					sp->vals[f].type = TQL_TYPE_NIL;
					continue;
				}
				if (interned[f] == NULL)
					interned[f] = palloc0(sizeof(char *) * vec->v.ndict);
				if (interned[f][c] == NULL)
					interned[f][c] = arena_strdup(as, vec->v.dict->strs[c],
												  vec->v.dict->strlens[c]);
				sp->vals[f].type = TQL_TYPE_STRING;
				sp->vals[f].u.s = interned[f][c];
				sp->vals[f].len = vec->v.dict->strlens[c];
			}
			else
			{
				ExecVal		v;

				ExecVecGet(vec, r, &v);
				store_val(as, &sp->vals[f], &v);
			}
		}
		if (sa != NULL)
		{
			if (!sa->isnull[r])
				sp->span_attrs = store_jsonb(as, DatumGetJsonbP(sa->values[r]));
			if (!ra->isnull[r])
				sp->res_attrs = store_jsonb(as, DatumGetJsonbP(ra->values[r]));
		}
		t->spans[t->nspans++] = sp;
	}
	while (as->used > as->budget)
	{
		if (as->ntraces <= 1)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("a single trace needs more memory than work_mem allows"),
					 errdetail("The trace holds %zu bytes; the limit is %zu bytes.",
							   as->used, as->budget),
					 errhint("Increase work_mem or hash_mem_multiplier.")));
		split_round(as);
	}
	return true;
}

/* ---------------------------------------------------------------------
 * Trace preparation: order, root, nested set
 * ---------------------------------------------------------------------
 */

static int
span_start_cmp(const void *a, const void *b)
{
	const ExecSpan *x = *(ExecSpan *const *) a;
	const ExecSpan *y = *(ExecSpan *const *) b;

	if (x->start_ns != y->start_ns)
		return x->start_ns < y->start_ns ? -1 : 1;
	if (x->span_id != y->span_id)
		return x->span_id < y->span_id ? -1 : 1;
	return 0;
}

typedef struct IdIdx
{
	uint64		id;
	int			idx;
} IdIdx;

static int
ididx_cmp(const void *a, const void *b)
{
	const IdIdx *x = a,
			   *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return (x->idx > y->idx) - (x->idx < y->idx);
}

static int
find_span(const IdIdx *ids, int n, uint64 id)
{
	int			lo = 0,
				hi = n - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;

		if (ids[mid].id == id)
		{
			while (mid > 0 && ids[mid - 1].id == id)
				mid--;
			return ids[mid].idx;
		}
		if (ids[mid].id < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

void
ExecTracePrepare(ExecPlan *plan, ExecTrace *t)
{
	int			n = t->nspans;
	IdIdx	   *ids;
	int		   *first_child;
	int		   *next_sibling;
	int		   *stack;
	int			i;
	int32		counter = 0;
	bool		dup3 = false;

	if (t->prepared)
		return;
	t->prepared = true;
	qsort(t->spans, n, sizeof(ExecSpan *), span_start_cmp);
	t->root = -1;
	t->start_ns = PG_INT64_MAX;
	t->end_ns = PG_INT64_MIN;
	t->tparent = palloc(sizeof(int) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		ExecSpan   *sp = t->spans[i];

		t->tparent[i] = -1;
		sp->ns_left = sp->ns_right = sp->ns_parent = 0;
		if (!sp->has_parent && t->root < 0)
			t->root = i;
		t->start_ns = Min(t->start_ns, sp->start_ns);
		t->end_ns = Max(t->end_ns, sp->start_ns + sp->duration_ns);
	}
	if (n == 0)
		t->start_ns = t->end_ns = 0;

	/* nested set numbering */
	ids = palloc(sizeof(IdIdx) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		ids[i].id = t->spans[i]->span_id;
		ids[i].idx = i;
	}
	qsort(ids, n, sizeof(IdIdx), ididx_cmp);
	for (i = 2; i < n; i++)
		if (ids[i].id == ids[i - 2].id)
			dup3 = true;
	if (dup3)
		return;					/* Tempo leaves such traces unnumbered */

	first_child = palloc(sizeof(int) * Max(n, 1));
	next_sibling = palloc(sizeof(int) * Max(n, 1));
	for (i = 0; i < n; i++)
		first_child[i] = next_sibling[i] = -1;
	/* children in start order: link from the back */
	for (i = n - 1; i >= 0; i--)
	{
		ExecSpan   *sp = t->spans[i];
		int			p;

		if (!sp->has_parent)
			continue;
		p = find_span(ids, n, sp->parent_id);
		if (p < 0 || p == i)
			continue;
		next_sibling[i] = first_child[p];
		first_child[p] = i;
	}
	stack = palloc(sizeof(int) * (Max(n, 1) + 1));
	for (i = 0; i < n; i++)
	{
		int			top = 0;

		if (t->spans[i]->has_parent)
			continue;
		/* iterative DFS: a span is on the stack while its subtree runs */
		t->spans[i]->ns_left = ++counter;
		t->spans[i]->ns_parent = -1;
		stack[top++] = i;
		while (top > 0)
		{
			int			cur = stack[top - 1];
			int			c = first_child[cur];

			if (c >= 0 && t->spans[c]->ns_left == 0)
			{
				/* descend into the next child */
				first_child[cur] = next_sibling[c];
				t->spans[c]->ns_left = ++counter;
				t->spans[c]->ns_parent = t->spans[cur]->ns_left;
				t->tparent[c] = cur;
				stack[top++] = c;
			}
			else if (c >= 0)
				first_child[cur] = next_sibling[c];	/* seen already (dups) */
			else
			{
				t->spans[cur]->ns_right = ++counter;
				top--;
			}
			CHECK_FOR_INTERRUPTS();
		}
	}
	(void) plan;
}

/* ---------------------------------------------------------------------
 * Spansets
 * ---------------------------------------------------------------------
 */

typedef struct TraceCtx
{
	ExecPlan   *plan;
	ExecTrace  *trace;
	ExecSource	src;
	bool	   *mark;			/* scratch, [nspans] */
} TraceCtx;

static ExecSpanset *
set_from_mark(TraceCtx *cx, const ExecSpanset *like, int *count)
{
	int			n = cx->trace->nspans;
	ExecSpanset *s = palloc0(sizeof(ExecSpanset));
	int			i,
				m = 0;

	for (i = 0; i < n; i++)
		m += cx->mark[i];
	s->idx = palloc(sizeof(int) * Max(m, 1));
	for (i = 0; i < n; i++)
		if (cx->mark[i])
		{
			s->idx[s->n++] = i;
			cx->mark[i] = false;
		}
	if (like != NULL)
	{
		s->nattrs = like->nattrs;
		s->attr_names = like->attr_names;
		s->attr_vals = like->attr_vals;
	}
	*count = m;
	return s;
}

typedef struct SetList
{
	int			n;
	int			cap;
	ExecSpanset *sets;
} SetList;

static void
setlist_add(SetList *l, const ExecSpanset *s)
{
	if (l->n == l->cap)
	{
		l->cap = l->cap ? l->cap * 2 : 4;
		l->sets = l->sets ? repalloc(l->sets, sizeof(ExecSpanset) * l->cap) :
			palloc(sizeof(ExecSpanset) * l->cap);
	}
	l->sets[l->n++] = *s;
}

static void eval_pipeline(TraceCtx *cx, const TqlNode *pipe, SetList *in, SetList *out);
static void eval_ssexpr(TraceCtx *cx, const TqlNode *node, SetList *in, SetList *out);

static void
eval_filter(TraceCtx *cx, const TqlNode *node, SetList *in, SetList *out)
{
	int			i,
				j;

	for (i = 0; i < in->n; i++)
	{
		ExecSpanset *s = &in->sets[i];
		uint8	   *res = palloc(Max(s->n, 1));
		ExecSpanset r = *s;

		ExecEvalPred(&cx->src, node->expr, s->n, s->idx, res);
		r.idx = palloc(sizeof(int) * Max(s->n, 1));
		r.n = 0;
		for (j = 0; j < s->n; j++)
			if (res[j] == 1)
				r.idx[r.n++] = s->idx[j];
		if (r.n > 0)
			setlist_add(out, &r);
	}
}

/* Relations between spans of the numbered tree */
typedef enum Rel
{
	REL_CHILD_OF,				/* b's parent is in A */
	REL_PARENT_OF,				/* b is the parent of some a */
	REL_DESC_OF,				/* b has an ancestor in A */
	REL_ANC_OF,					/* b is an ancestor of some a */
	REL_SIBLING_OF				/* b has a sibling in A */
} Rel;

static Rel
rel_inverse(Rel r)
{
	switch (r)
	{
		case REL_CHILD_OF:
			return REL_PARENT_OF;
		case REL_PARENT_OF:
			return REL_CHILD_OF;
		case REL_DESC_OF:
			return REL_ANC_OF;
		case REL_ANC_OF:
			return REL_DESC_OF;
		default:
			return REL_SIBLING_OF;
	}
}

/* mark[b] |= (b in B relates to some span of A) */
static void
relate(TraceCtx *cx, Rel rel, const ExecSpanset *A, const ExecSpanset *B,
	   bool invert, bool *mark)
{
	ExecTrace  *t = cx->trace;
	int			n = t->nspans;
	bool	   *inA = palloc0(Max(n, 1));
	bool	   *hit = palloc0(Max(n, 1));
	int			i;

	for (i = 0; i < A->n; i++)
		inA[A->idx[i]] = true;

	switch (rel)
	{
		case REL_CHILD_OF:
			for (i = 0; i < B->n; i++)
			{
				int			b = B->idx[i];
				int			p = t->tparent[b];

				hit[b] = t->spans[b]->ns_left != 0 && p >= 0 && inA[p];
			}
			break;
		case REL_PARENT_OF:
			{
				bool	   *isparent = palloc0(Max(n, 1));

				for (i = 0; i < A->n; i++)
				{
					int			p = t->tparent[A->idx[i]];

					if (p >= 0 && t->spans[A->idx[i]]->ns_left != 0)
						isparent[p] = true;
				}
				for (i = 0; i < B->n; i++)
					hit[B->idx[i]] = isparent[B->idx[i]];
			}
			break;
		case REL_DESC_OF:
			{
				/* memo: 1 = has an ancestor in A, 2 = has not, 0 = unknown */
				uint8	   *memo = palloc0(Max(n, 1));

				for (i = 0; i < B->n; i++)
				{
					int			b = B->idx[i];
					int			p;
					int			res = 2;

					if (t->spans[b]->ns_left == 0)
						continue;
					for (p = t->tparent[b]; p >= 0; p = t->tparent[p])
					{
						if (inA[p])
						{
							res = 1;
							break;
						}
						if (memo[p] != 0)
						{
							res = memo[p];
							break;
						}
					}
					/* record the answer along the path */
					for (p = t->tparent[b]; p >= 0 && memo[p] == 0 && !inA[p];
						 p = t->tparent[p])
						memo[p] = res;
					hit[b] = res == 1;
				}
			}
			break;
		case REL_ANC_OF:
			{
				bool	   *isanc = palloc0(Max(n, 1));

				for (i = 0; i < A->n; i++)
				{
					int			p;

					if (t->spans[A->idx[i]]->ns_left == 0)
						continue;
					for (p = t->tparent[A->idx[i]]; p >= 0 && !isanc[p]; p = t->tparent[p])
						isanc[p] = true;
				}
				for (i = 0; i < B->n; i++)
					hit[B->idx[i]] = isanc[B->idx[i]];
			}
			break;
		case REL_SIBLING_OF:
			{
				/* A spans per parent (index + 1; 0 = roots) */
				int		   *cnt = palloc0(sizeof(int) * (n + 1));

				for (i = 0; i < A->n; i++)
				{
					int			a = A->idx[i];

					if (t->spans[a]->ns_left != 0)
						cnt[t->tparent[a] + 1]++;
				}
				for (i = 0; i < B->n; i++)
				{
					int			b = B->idx[i];
					int			c;

					if (t->spans[b]->ns_left == 0)
						continue;
					c = cnt[t->tparent[b] + 1] - (inA[b] ? 1 : 0);
					hit[b] = c > 0;
				}
			}
			break;
	}
	for (i = 0; i < B->n; i++)
	{
		int			b = B->idx[i];

		if (hit[b] != invert)
			mark[b] = true;
	}
}

static const ExecSpanset empty_set = {0, NULL, 0, NULL, NULL};

static void
eval_spanset_op(TraceCtx *cx, const TqlNode *node, SetList *in, SetList *out)
{
	int			i,
				k;

	for (i = 0; i < in->n; i++)
	{
		SetList		one = {0, 0, NULL};
		SetList		lhs = {0, 0, NULL};
		SetList		rhs = {0, 0, NULL};
		ExecSpanset *res;
		int			count;

		setlist_add(&one, &in->sets[i]);
		eval_ssexpr(cx, node->left, &one, &lhs);
		eval_ssexpr(cx, node->right, &one, &rhs);

		if (node->ssop == TQL_SS_AND || node->ssop == TQL_SS_OR)
		{
			if (node->ssop == TQL_SS_AND ? (lhs.n == 0 || rhs.n == 0) :
				(lhs.n == 0 && rhs.n == 0))
				continue;
			for (k = 0; k < lhs.n; k++)
			{
				int			j;

				for (j = 0; j < lhs.sets[k].n; j++)
					cx->mark[lhs.sets[k].idx[j]] = true;
			}
			for (k = 0; k < rhs.n; k++)
			{
				int			j;

				for (j = 0; j < rhs.sets[k].n; j++)
					cx->mark[rhs.sets[k].idx[j]] = true;
			}
		}
		else
		{
			const ExecSpanset *L,
					   *R;
			Rel			rel;
			bool		negated = false;
			bool		both = false;

			if (lhs.n > 1 || rhs.n > 1)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("spanset operators are not supported for multiple spansets per trace"),
						 errhint("Consider using coalesce().")));
			L = lhs.n ? &lhs.sets[0] : &empty_set;
			R = rhs.n ? &rhs.sets[0] : &empty_set;
			switch (node->ssop)
			{
				case TQL_SS_CHILD:
				case TQL_SS_NOT_CHILD:
				case TQL_SS_UNION_CHILD:
					rel = REL_CHILD_OF;
					break;
				case TQL_SS_PARENT:
				case TQL_SS_NOT_PARENT:
				case TQL_SS_UNION_PARENT:
					rel = REL_PARENT_OF;
					break;
				case TQL_SS_DESCENDANT:
				case TQL_SS_NOT_DESCENDANT:
				case TQL_SS_UNION_DESCENDANT:
					rel = REL_DESC_OF;
					break;
				case TQL_SS_ANCESTOR:
				case TQL_SS_NOT_ANCESTOR:
				case TQL_SS_UNION_ANCESTOR:
					rel = REL_ANC_OF;
					break;
				default:
					rel = REL_SIBLING_OF;
					break;
			}
			negated = node->ssop >= TQL_SS_NOT_CHILD && node->ssop <= TQL_SS_NOT_SIBLING;
			both = node->ssop >= TQL_SS_UNION_CHILD;
			if (R->n == 0 || (L->n == 0 && !negated))
				continue;
			relate(cx, rel, L, R, negated, cx->mark);
			if (both)
			{
				bool		any = false;
				int			j;

				for (j = 0; j < R->n && !any; j++)
					any = cx->mark[R->idx[j]];
				if (any)
					relate(cx, rel_inverse(rel), R, L, false, cx->mark);
			}
		}
		res = set_from_mark(cx, &in->sets[i], &count);
		if (count > 0)
			setlist_add(out, res);
	}
}

static void
eval_ssexpr(TraceCtx *cx, const TqlNode *node, SetList *in, SetList *out)
{
	check_stack_depth();
	switch (node->kind)
	{
		case TQL_NODE_FILTER:
			eval_filter(cx, node, in, out);
			break;
		case TQL_NODE_SPANSET_OP:
			eval_spanset_op(cx, node, in, out);
			break;
		case TQL_NODE_PIPELINE:
			eval_pipeline(cx, node, in, out);
			break;
		default:
			elog(ERROR, "unexpected TraceQL node %d in a spanset expression",
				 (int) node->kind);
	}
}

static bool
compare_doubles(TqlOp op, double a, double b)
{
	if (isnan(a) || isnan(b))
		return false;
	switch (op)
	{
		case TQL_OP_EQ:
			return a == b;
		case TQL_OP_NEQ:
			return a != b;
		case TQL_OP_LT:
			return a < b;
		case TQL_OP_LTE:
			return a <= b;
		case TQL_OP_GT:
			return a > b;
		case TQL_OP_GTE:
			return a >= b;
		default:
			return false;
	}
}

static void
eval_scalar_filter(TraceCtx *cx, const TqlNode *node, SetList *in, SetList *out)
{
	const TqlNode *agg = node->left;
	double		limit;
	int			i,
				j;

	switch (node->right->expr->value.type)
	{
		case TQL_TYPE_FLOAT:
			limit = node->right->expr->value.v.f;
			break;
		default:
			limit = (double) node->right->expr->value.v.i;
			break;
	}
	for (i = 0; i < in->n; i++)
	{
		ExecSpanset *s = &in->sets[i];
		double		v;

		if (agg->agg == TQL_AGG_COUNT)
			v = s->n;
		else
		{
			ExecVec    *vals = ExecEvalValue(&cx->src, agg->expr, s->n, s->idx);
			double		sum = 0,
						mn = get_float8_nan(),
						mx = get_float8_nan();
			int			cnt = 0;

			for (j = 0; j < s->n; j++)
			{
				ExecVal		x;
				double		d;

				ExecVecGet(vals, j, &x);
				if (!ExecValNumber(&x, &d))
					continue;
				sum += d;
				if (cnt == 0 || d < mn)
					mn = d;
				if (cnt == 0 || d > mx)
					mx = d;
				cnt++;
			}
			switch (agg->agg)
			{
				case TQL_AGG_SUM:
					v = sum;
					break;
				case TQL_AGG_AVG:
					v = cnt > 0 ? sum / cnt : get_float8_nan();
					break;
				case TQL_AGG_MIN:
					v = mn;
					break;
				default:
					v = mx;
					break;
			}
		}
		if (compare_doubles(node->op, v, limit))
			setlist_add(out, s);
	}
}

static void
eval_group(TraceCtx *cx, const TqlNode *node, SetList *in, SetList *out)
{
	char	   *name = psprintf("by(%s)", TqlExprToString(node->expr));
	int			i,
				j,
				g;

	for (i = 0; i < in->n; i++)
	{
		ExecSpanset *s = &in->sets[i];
		ExecVec    *vals = ExecEvalValue(&cx->src, node->expr, s->n, s->idx);
		ExecVal    *keys = palloc(sizeof(ExecVal) * Max(s->n, 1));
		int		   *grp = palloc(sizeof(int) * Max(s->n, 1));
		int		   *count;
		int		   *fill;
		int			ngroups = 0;
		int			tsize = 16;
		int		   *table;

		/* group ids by value: open addressing over value hashes */
		while (tsize < 2 * s->n)
			tsize *= 2;
		table = palloc(sizeof(int) * tsize);
		memset(table, -1, sizeof(int) * tsize);
		for (j = 0; j < s->n; j++)
		{
			ExecVal		v;
			uint32		slot;

			ExecVecGet(vals, j, &v);
			slot = ExecValHash(&v) & (tsize - 1);
			while (table[slot] >= 0 && !ExecValEqual(&keys[table[slot]], &v))
				slot = (slot + 1) & (tsize - 1);
			if (table[slot] < 0)
			{
				keys[ngroups] = v;
				table[slot] = ngroups++;
			}
			grp[j] = table[slot];
		}

		/* one spanset per group, in order of first appearance */
		count = palloc0(sizeof(int) * Max(ngroups, 1));
		for (j = 0; j < s->n; j++)
			count[grp[j]]++;
		fill = palloc0(sizeof(int) * Max(ngroups, 1));
		for (g = 0; g < ngroups; g++)
		{
			ExecSpanset r;

			memset(&r, 0, sizeof(r));
			r.idx = palloc(sizeof(int) * count[g]);
			r.nattrs = s->nattrs + 1;
			r.attr_names = palloc(sizeof(char *) * r.nattrs);
			r.attr_vals = palloc(sizeof(ExecVal) * r.nattrs);
			if (s->nattrs > 0)
			{
				memcpy(r.attr_names, s->attr_names, sizeof(char *) * s->nattrs);
				memcpy(r.attr_vals, s->attr_vals, sizeof(ExecVal) * s->nattrs);
			}
			r.attr_names[s->nattrs] = name;
			r.attr_vals[s->nattrs] = keys[g];
			setlist_add(out, &r);
		}
		/* the new spansets are the last ngroups of out */
		for (j = 0; j < s->n; j++)
		{
			ExecSpanset *r = &out->sets[out->n - ngroups + grp[j]];

			r->idx[fill[grp[j]]++] = s->idx[j];
		}
		for (g = 0; g < ngroups; g++)
			out->sets[out->n - ngroups + g].n = count[g];
	}
}

static void
eval_coalesce(TraceCtx *cx, SetList *in, SetList *out)
{
	int			i,
				j,
				count;
	ExecSpanset *r;

	if (in->n == 0)
		return;
	for (i = 0; i < in->n; i++)
		for (j = 0; j < in->sets[i].n; j++)
			cx->mark[in->sets[i].idx[j]] = true;
	r = set_from_mark(cx, NULL, &count);
	if (count > 0)
		setlist_add(out, r);
}

static void
eval_pipeline(TraceCtx *cx, const TqlNode *pipe, SetList *in, SetList *out)
{
	SetList		cur = *in;
	int			i;

	check_stack_depth();
	for (i = 0; i < pipe->nitems && cur.n > 0; i++)
	{
		const TqlNode *st = pipe->stages[i];
		SetList		next = {0, 0, NULL};

		switch (st->kind)
		{
			case TQL_NODE_FILTER:
			case TQL_NODE_SPANSET_OP:
			case TQL_NODE_PIPELINE:
				eval_ssexpr(cx, st, &cur, &next);
				break;
			case TQL_NODE_SCALAR_FILTER:
				eval_scalar_filter(cx, st, &cur, &next);
				break;
			case TQL_NODE_GROUP:
				eval_group(cx, st, &cur, &next);
				break;
			case TQL_NODE_COALESCE:
				eval_coalesce(cx, &cur, &next);
				break;
			case TQL_NODE_SELECT:
				next = cur;
				break;
			default:
				elog(ERROR, "unexpected TraceQL pipeline stage %d", (int) st->kind);
		}
		cur = next;
	}
	for (i = 0; i < cur.n; i++)
		setlist_add(out, &cur.sets[i]);
}

/*
 * ExecTracePipeline
 *		Run the query's pipeline over a prepared trace; returns the number
 *		of non-empty spansets left (in *sets).
 */
int
ExecTracePipeline(ExecPlan *plan, ExecTrace *trace, ExecSpanset **sets)
{
	TraceCtx	cx;
	SetList		in = {0, 0, NULL};
	SetList		out = {0, 0, NULL};
	ExecSpanset all;
	int			i;

	ExecTracePrepare(plan, trace);
	memset(&cx, 0, sizeof(cx));
	cx.plan = plan;
	cx.trace = trace;
	ExecSourceInit(&cx.src, plan, trace->nspans);
	cx.src.trace = trace;
	cx.mark = palloc0(Max(trace->nspans, 1));

	memset(&all, 0, sizeof(all));
	all.n = trace->nspans;
	all.idx = palloc(sizeof(int) * Max(all.n, 1));
	for (i = 0; i < all.n; i++)
		all.idx[i] = i;
	if (all.n > 0)
		setlist_add(&in, &all);
	eval_pipeline(&cx, plan->query->pipeline, &in, &out);
	*sets = out.sets;
	return out.n;
}

/* ---------------------------------------------------------------------
 * The driver
 * ---------------------------------------------------------------------
 */

/* Group filter of a lookup of several trace ids */
typedef struct IdFilter
{
	List	   *ids;			/* trace ids (16 bytes each) */
	Oid			relid;			/* partition of the last group offered */
	AttrNumber	attno;			/* its trace_id column */
} IdFilter;

static bool
id_group_filter(void *arg, const ColGroupInfo *g)
{
	IdFilter   *idf = arg;
	ListCell   *lc;

	if (g->buffered)
		return true;
	if (g->relid != idf->relid)
	{
		idf->relid = g->relid;
		idf->attno = get_attnum(g->relid, ExecColNames[EC_TRACE_ID]);
	}
	if (idf->attno == InvalidAttrNumber)
		return true;
	foreach(lc, idf->ids)
	{
		if (ColGroupMayContain(g, idf->attno, PointerGetDatum(lfirst(lc))))
			return true;
	}
	return false;
}

/*
 * Assemble the traces the Assembly accepts (all candidates, or those of
 * the trace id list point, read in one scan that skips the chunk groups
 * holding none of them) in as many rounds as memory needs, and run the
 * pipeline over each.  Returns false once the limit of matched traces is
 * reached.
 */
static bool
run_rounds(Assembly *as, Bitmapset *cols, List *point, ExecTraceSink sink,
		   void *arg, int64 *nmatched)
{
	ExecPlan   *plan = as->plan;
	const TqlRunOptions *opts = plan->opts;
	MemoryContext runcxt = CurrentMemoryContext;

	as->nqueue = 0;
	queue_class(as, 1, 0);
	while (as->nqueue > 0)
	{
		HASH_SEQ_STATUS seq;
		TraceEntry *e;
		bool		stop = false;

		as->mod = as->queue[as->nqueue - 1].mod;
		as->res = as->queue[as->nqueue - 1].res;
		as->nqueue--;
		new_store(as, runcxt);
		/* trace ids first, the rest for the batches with wanted rows */
		plan->lazy_cols = bms_add_member(bms_del_member(bms_copy(cols),
														EC_TRACE_ID + 1),
										 EC_START_NS + 1);
		plan->lazy_keys = true;
		if (point != NIL)
		{
			IdFilter	idf;
			HTAB	   *saved = as->cand;
			ListCell   *lc;

			/*
			 * One scan for all the traces: the chunk groups whose trace id
			 * zone maps and blooms rule all of them out are skipped, the
			 * rows of other traces in the groups read are dropped by the
			 * candidate probe.
			 */
			memset(&idf, 0, sizeof(idf));
			idf.ids = point;
			as->cand = trace_table("TraceQL lookups", as->store);
			foreach(lc, point)
			{
				bool		found;

				(void) hash_search(as->cand, lfirst(lc), HASH_ENTER, &found);
			}
			plan->scan_filter = id_group_filter;
			plan->scan_filter_arg = &idf;
			ExecScanSpans(plan, cols, ExecAllKeys(plan), NULL, 0, NULL,
						  assemble_batch, as);
			plan->scan_filter = NULL;
			plan->scan_filter_arg = NULL;
			as->cand = saved;
		}
		else
			ExecScanSpans(plan, cols, ExecAllKeys(plan), NULL, 0, NULL,
						  assemble_batch, as);
		plan->lazy_cols = NULL;
		plan->lazy_keys = false;

		hash_seq_init(&seq, as->traces);
		while ((e = hash_seq_search(&seq)) != NULL)
		{
			ExecSpanset *sets;
			int			nsets;
			MemoryContext tcxt;
			MemoryContext old;

			CHECK_FOR_INTERRUPTS();
			tcxt = AllocSetContextCreate(runcxt, "TraceQL trace",
										 ALLOCSET_DEFAULT_SIZES);
			old = MemoryContextSwitchTo(tcxt);
			nsets = ExecTracePipeline(plan, e->trace, &sets);
			if (nsets > 0)
			{
				sink(arg, plan, e->trace, nsets, sets);
				(*nmatched)++;
			}
			MemoryContextSwitchTo(old);
			MemoryContextDelete(tcxt);
			if (opts->max_traces > 0 && *nmatched >= opts->max_traces)
			{
				hash_seq_term(&seq);
				stop = true;
				break;
			}
		}
		MemoryContextDelete(as->store);
		if (stop)
			return false;
	}
	return true;
}

/* Take up to n candidates out of the set, as a list of trace ids */
static List *
take_candidates(HTAB *candset, int n)
{
	HASH_SEQ_STATUS seq;
	TraceEntry *e;
	List	   *ids = NIL;
	ListCell   *lc;

	hash_seq_init(&seq, candset);
	while ((e = hash_seq_search(&seq)) != NULL)
	{
		uint8	   *id = palloc(16);

		memcpy(id, e->id, 16);
		ids = lappend(ids, id);
		if (list_length(ids) >= n)
		{
			hash_seq_term(&seq);
			break;
		}
	}
	foreach(lc, ids)
		(void) hash_search(candset, lfirst(lc), HASH_REMOVE, NULL);
	return ids;
}

/*
 * run_traces_one
 *		Assemble the candidate traces (the ncand trace ids in cand, or those
 *		pass 1 finds, or every trace) and hand every trace whose pipeline
 *		leaves a spanset to sink.
 *
 *		Few candidates are looked up by trace id.  With a limit on matched
 *		traces and many candidates, up to EXEC_LOOKUP_BATCHES batches of
 *		them are looked up first (a search usually stops there); the rest
 *		is assembled in full scans.
 */
static void
run_traces_one(ExecPlan *plan, int ncand, const uint8 *cand,
			   ExecTraceSink sink, void *arg)
{
	const TqlRunOptions *opts = plan->opts;
	MemoryContext runcxt = CurrentMemoryContext;
	HTAB	   *candset = NULL;
	Bitmapset  *cols;
	int64		nmatched = 0;
	Assembly	as;
	int			i;

	cols = ExecFieldColumns(plan, NULL, NULL);

	/* candidates */
	if (cand != NULL)
	{
		candset = trace_table("TraceQL candidates", runcxt);
		for (i = 0; i < ncand; i++)
		{
			bool		found;

			(void) hash_search(candset, cand + 16 * (Size) i, HASH_ENTER, &found);
		}
	}
	else if (plan->need_pass1)
	{
		Pass1		p1;
		Bitmapset  *c1 = NULL;
		HASH_SEQ_STATUS seq;
		TraceEntry *e;
		bool	   *used = palloc0(Max(plan->nfields, 1));

		/* pass 1 reads only what the atoms read */
		for (i = 0; i < plan->natoms; i++)
			ExecExprFields(plan, plan->atoms[i], used);
		p1.plan = plan;
		p1.seen = trace_table("TraceQL pass 1", runcxt);
		c1 = bms_add_member(ExecFieldColumns(plan, NULL, used), EC_TRACE_ID + 1);
		ExecScanSpans(plan, c1, ExecFieldKeys(plan, used), plan->push, plan->npush,
					  NULL, pass1_batch, &p1);
		candset = trace_table("TraceQL candidates", runcxt);
		hash_seq_init(&seq, p1.seen);
		while ((e = hash_seq_search(&seq)) != NULL)
		{
			bool		found;

			if (!pass1_candidate(plan, e))
				continue;
			(void) hash_search(candset, e->id, HASH_ENTER, &found);

			/*
			 * In count mode a candidate is sure to match: with a limit,
			 * that many candidates are enough.
			 */
			if (plan->count_mode && opts->max_traces > 0 &&
				hash_get_num_entries(candset) >= opts->max_traces)
			{
				hash_seq_term(&seq);
				break;
			}
		}
		hash_destroy(p1.seen);
	}
	if (candset != NULL && hash_get_num_entries(candset) == 0)
		return;

	/* what pass 2 reads */
	cols = bms_add_member(cols, EC_TRACE_ID + 1);
	cols = bms_add_member(cols, EC_SPAN_ID + 1);
	cols = bms_add_member(cols, EC_PARENT_SPAN_ID + 1);
	cols = bms_add_member(cols, EC_DURATION + 1);
	if (opts->want_attributes)
	{
		cols = bms_add_member(cols, EC_SPAN_ATTRS + 1);
		cols = bms_add_member(cols, EC_RESOURCE_ATTRS + 1);
	}

	memset(&as, 0, sizeof(as));
	as.plan = plan;
	as.cand = candset;
	as.sample = Min(opts->span_sample, 1.0) * Min(opts->trace_sample, 1.0);
	as.budget = get_hash_memory_limit();
	as.nfields = plan->nfields;
	as.stored = palloc0(sizeof(bool) * Max(plan->nfields, 1));
	for (i = 0; i < plan->nfields; i++)
		as.stored[i] = !plan->fields[i].trace_level;
	as.qcap = 8;
	as.queue = palloc(sizeof(RoundClass) * as.qcap);

	if (candset != NULL)
	{
		int			batches = 0;

		/*
		 * Given candidates are all wanted (search has already found that
		 * they match): one lookup scan for up to EXEC_LOOKUP_IDS of them.
		 * Pass 1 candidates may still fail the pipeline: with a limit, a
		 * few small lookup batches usually fill it.
		 */
		if (cand != NULL && ncand <= EXEC_LOOKUP_IDS)
		{
			(void) run_rounds(&as, cols, take_candidates(candset, ncand),
							  sink, arg, &nmatched);
			return;
		}
		while (hash_get_num_entries(candset) > 0)
		{
			List	   *point;

			if (hash_get_num_entries(candset) > EXEC_POINT_LOOKUPS &&
				(opts->max_traces <= 0 || batches >= EXEC_LOOKUP_BATCHES))
				break;
			/* lookups take their traces out of the candidate set */
			point = take_candidates(candset, EXEC_POINT_LOOKUPS);
			as.cand = NULL;
			if (!run_rounds(&as, cols, point, sink, arg, &nmatched))
				return;
			as.cand = candset;
			batches++;
		}
		if (hash_get_num_entries(candset) == 0)
			return;
	}
	(void) run_rounds(&as, cols, NIL, sink, arg, &nmatched);
}

/* ---------------------------------------------------------------------
 * TqlRunSpans over assembled traces
 * ---------------------------------------------------------------------
 */

/* Counts the traces a per-tenant run hands on */
typedef struct TenantRun
{
	ExecTraceSink sink;
	void	   *arg;
	int64		ntraces;
} TenantRun;

static void
tenant_run_sink(void *arg, ExecPlan *plan, ExecTrace *t, int nsets, ExecSpanset *sets)
{
	TenantRun  *tr = arg;

	tr->ntraces++;
	tr->sink(tr->arg, plan, t, nsets, sets);
}

/*
 * ExecRunTraces
 *		Run run_traces_one once per tenant when the session may see several
 *		(a trace is a tenant's trace id: tql_exec.c), sharing the limit on
 *		matched traces.
 */
void
ExecRunTraces(ExecPlan *plan, int ncand, const uint8 *cand,
			  ExecTraceSink sink, void *arg)
{
	ExecRunTracesIn(plan, ExecPlanTenants(plan), ncand, cand, sink, arg);
}

/*
 * ExecRunTracesIn
 *		ExecRunTraces with the tenants to run for already known (NIL: one
 *		run), see ExecPlanTenantsFrom.
 */
void
ExecRunTracesIn(ExecPlan *plan, List *tenants, int ncand, const uint8 *cand,
				ExecTraceSink sink, void *arg)
{
	ListCell   *lc;
	TenantRun	tr;

	if (tenants == NIL)
	{
		run_traces_one(plan, ncand, cand, sink, arg);
		return;
	}
	tr.sink = sink;
	tr.arg = arg;
	tr.ntraces = 0;
	foreach(lc, tenants)
	{
		TqlRunOptions *o = palloc(sizeof(TqlRunOptions));

		*o = *plan->opts;
		if (o->max_traces > 0)
		{
			if (tr.ntraces >= plan->opts->max_traces)
				break;
			o->max_traces = plan->opts->max_traces - tr.ntraces;
		}
		CHECK_FOR_INTERRUPTS();
		run_traces_one(ExecPlanForTenant(plan, lfirst(lc), o), ncand, cand,
					   tenant_run_sink, &tr);
	}
}

typedef struct SpansFromTraces
{
	TqlSpanSink sink;
	void	   *arg;
} SpansFromTraces;

static void
spans_of_trace(void *arg, ExecPlan *plan, ExecTrace *t, int nsets, ExecSpanset *sets)
{
	SpansFromTraces *st = arg;
	const TqlRunOptions *opts = plan->opts;
	bool	   *mark = palloc0(Max(t->nspans, 1));
	int		   *rows = palloc(sizeof(int) * Max(t->nspans, 1));
	int			m = 0;
	int			i,
				j;
	TqlSpanBatch out;
	int64	   *start,
			   *dur;
	uint8	   *tids,
			   *sids;
	ExecSource	src;

	for (i = 0; i < nsets; i++)
		for (j = 0; j < sets[i].n; j++)
			mark[sets[i].idx[j]] = true;
	for (i = 0; i < t->nspans; i++)
		if (mark[i])
			rows[m++] = i;

	memset(&out, 0, sizeof(out));
	out.nspans = m;
	start = palloc(sizeof(int64) * Max(m, 1));
	dur = palloc(sizeof(int64) * Max(m, 1));
	tids = palloc(16 * (Size) Max(m, 1));
	sids = palloc(8 * (Size) Max(m, 1));
	for (i = 0; i < m; i++)
	{
		ExecSpan   *sp = t->spans[rows[i]];

		start[i] = sp->start_ns;
		dur[i] = sp->duration_ns;
		memcpy(tids + 16 * (Size) i, t->trace_id, 16);
		SpanIdToBytes(sp->span_id, sids + 8 * (Size) i);
	}
	out.start_ns = start;
	out.duration_ns = opts->skip_duration ? NULL : dur;
	out.trace_ids = opts->skip_ids ? NULL : tids;
	out.span_ids = opts->skip_ids ? NULL : sids;
	out.nvalues = opts->nexprs;
	memset(&src, 0, sizeof(src));
	ExecSourceInit(&src, plan, t->nspans);
	src.trace = t;
	if (opts->nexprs > 0)
	{
		out.values = palloc(sizeof(TqlValueVector *) * opts->nexprs);
		for (i = 0; i < opts->nexprs; i++)
			out.values[i] = &ExecEvalValue(&src, opts->exprs[i], m, rows)->v;
	}
	if (opts->want_attributes)
	{
		out.span_attributes = palloc(sizeof(Jsonb *) * Max(m, 1));
		out.resource_attributes = palloc(sizeof(Jsonb *) * Max(m, 1));
		for (i = 0; i < m; i++)
		{
			out.span_attributes[i] = t->spans[rows[i]]->span_attrs;
			out.resource_attributes[i] = t->spans[rows[i]]->res_attrs;
		}
	}
	if (m > 0)
		st->sink(st->arg, &out);
}

void
ExecRunSpansFromTraces(ExecPlan *plan, TqlSpanSink sink, void *arg)
{
	SpansFromTraces st;

	st.sink = sink;
	st.arg = arg;
	ExecRunTraces(plan, 0, NULL, spans_of_trace, &st);
	if (plan->opts->kept_fraction_out)
		*plan->opts->kept_fraction_out =
			Min(plan->opts->span_sample, 1.0) * Min(plan->opts->trace_sample, 1.0);
}
