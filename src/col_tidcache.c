/*-------------------------------------------------------------------------
 *
 * col_tidcache.c
 *	  A shared-memory cache of the trace id skip data of stripes, so that a
 *	  lookup by trace id in a fresh connection does not read every stripe
 *	  footer.
 *
 * Why: a lookup by trace id (WHERE trace_id = ..., tempo.trace()) must
 * test every visible stripe, because trace ids are random and partitions
 * are by time.  Reading a stripe's footer header and trace_id section is
 * cheap in a backend that has touched those pages before, but a new
 * connection touches each of those shared buffers (and their descriptors
 * and buffer-table entries) for the first time, and on virtual machines
 * every such first touch is a page fault of tens of microseconds or more:
 * at 10M spans (~150 stripes) that was most of the lookup.  Here the
 * stripes' trace id zone maps and bloom filters sit together in one
 * shared region, so a new backend faults in a few contiguous pages (the
 * kernel maps neighbouring pages of shared memory in one fault) and tests
 * every stripe without reading its footer; only stripes that may hold the
 * trace are read as before.
 *
 * What is cached: per stripe and trace id column, for each chunk group,
 * whether the chunk is all NULL, its min and max trace id and its bloom
 * filter: exactly what chunk_excludes() in col_reader.c tests for an
 * equality on a trace id.  A probe answers "no group can hold this id"
 * (skip the stripe) or "some may" / "not cached" (read the footer as
 * before); a lookup that reads a footer stores its entry.
 *
 * Correctness needs no invalidation: a stripe's bytes never change once
 * written, and the key names the stripe by everything that identifies
 * its bytes: database, tablespace and relfilenode, storage id (a new one
 * after TRUNCATE, VACUUM FULL and rewrites), stripe number, first row,
 * row count, start block and lengths.  Visibility (MVCC, rolled back
 * writes, compaction that deletes stripes) is still decided by the stripe
 * catalog: the cache is only asked about stripes the snapshot sees, and
 * entries of dropped or compacted stripes are never asked about again
 * and age out.  Shared memory starts empty after a restart or a crash,
 * and a standby fills its own from what it reads.
 *
 * Memory: a fixed region of tempo.trace_id_cache_size (needs
 * shared_preload_libraries; 0 turns the cache off) used as a ring: new
 * entries are appended and the oldest are evicted (FIFO), with a shared
 * hash table from key to position.  One LWLock: probes share it and test
 * the blooms in place (nothing is copied into backend memory), stores take
 * it exclusively.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/col_tidcache.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/rel.h"

#include "col_internal.h"
#include "tempo_ids.h"

/* What names a stripe's bytes (see the header comment); no padding bytes. */
typedef struct TidCacheKey
{
	Oid			dbid;
	Oid			spcid;
	Oid			relnode;
	int32		attno;			/* 1-based trace id column */
	uint64		storage_id;
	uint64		stripe_num;
	uint64		first_row;
	uint64		row_count;
	uint64		data_length;
	uint64		footer_length;
	uint64		start_block;	/* 0 for head stripes */
} TidCacheKey;

typedef struct TidCacheEntry
{
	TidCacheKey key;
	uint64		pos;			/* ring position of its record */
} TidCacheEntry;

/*
 * A record in the ring: this header, then per group a TidCacheGroup, then
 * the groups' blooms.  len covers all of it (MAXALIGNed); a record with
 * ngroups = -1 only fills the end of the ring.
 */
typedef struct TidCacheRecord
{
	TidCacheKey key;
	uint32		len;
	int32		ngroups;
} TidCacheRecord;

#define TIDCACHE_ALLNULL	0x01
#define TIDCACHE_MINMAX		0x02

typedef struct TidCacheGroup
{
	uint8		min[TRACE_ID_LEN];
	uint8		max[TRACE_ID_LEN];
	uint32		bloom_off;		/* from the record start */
	uint32		bloom_bytes;
	uint32		flags;
	uint32		pad;
} TidCacheGroup;

typedef struct TidCacheShared
{
	LWLock	   *lock;
	uint64		size;			/* bytes of the ring */
	uint64		head;			/* next position to write (monotonic) */
	uint64		tail;			/* oldest record still there */
	uint64		stores;			/* under the lock */
	pg_atomic_uint64 hits;		/* probes that found the stripe's entry */
	pg_atomic_uint64 misses;
	char		ring[FLEXIBLE_ARRAY_MEMBER];
} TidCacheShared;

/* kB; PGC_POSTMASTER */
static int	tidcache_size_kb = 64 * 1024;

static TidCacheShared *tidcache = NULL;
static HTAB *tidcache_hash = NULL;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/* hash table capacity: one entry per this many bytes of ring */
#define TIDCACHE_BYTES_PER_ENTRY	512

static uint64
ring_bytes(void)
{
	return (uint64) tidcache_size_kb * 1024;
}

static long
max_entries(void)
{
	return (long) Max(ring_bytes() / TIDCACHE_BYTES_PER_ENTRY, 16);
}

static Size
tidcache_shmem_size(void)
{
	Size		size = add_size(offsetof(TidCacheShared, ring), ring_bytes());

	size = MAXALIGN(size);
	return add_size(size, hash_estimate_size(max_entries(), sizeof(TidCacheEntry)));
}

static void
tidcache_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(tidcache_shmem_size());
	RequestNamedLWLockTranche("tempo_trace_id_cache", 1);
}

static void
tidcache_shmem_startup(void)
{
	HASHCTL		ctl;
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	tidcache = ShmemInitStruct("tempo trace id cache",
							   offsetof(TidCacheShared, ring) + ring_bytes(),
							   &found);
	if (!found)
	{
		tidcache->lock = &(GetNamedLWLockTranche("tempo_trace_id_cache"))->lock;
		tidcache->size = ring_bytes();
		tidcache->head = 0;
		tidcache->tail = 0;
		tidcache->stores = 0;
		pg_atomic_init_u64(&tidcache->hits, 0);
		pg_atomic_init_u64(&tidcache->misses, 0);
	}
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(TidCacheKey);
	ctl.entrysize = sizeof(TidCacheEntry);
	tidcache_hash = ShmemInitHash("tempo trace id cache entries",
								  max_entries(), max_entries(), &ctl,
								  HASH_ELEM | HASH_BLOBS);
	LWLockRelease(AddinShmemInitLock);
}

/* The setting, and with shared_preload_libraries the shared memory. */
void
ColTidCacheInit(void)
{
	DefineCustomIntVariable("tempo.trace_id_cache_size",
							"Shared memory for the trace id skip data of tempo_columnar stripes.",
							"Lets lookups by trace id skip stripes without reading their footers; "
							"0 turns the cache off.  Needs shared_preload_libraries.",
							&tidcache_size_kb,
							64 * 1024, 0, 64 * 1024 * 1024,
							PGC_POSTMASTER,
							GUC_UNIT_KB,
							NULL, NULL, NULL);
	if (!process_shared_preload_libraries_in_progress || tidcache_size_kb == 0)
		return;
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = tidcache_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = tidcache_shmem_startup;
}

static void
make_key(TidCacheKey *key, Relation rel, uint64 storage_id,
		 const ColStripeInfo *si, int attno)
{
	memset(key, 0, sizeof(*key));
	key->dbid = rel->rd_node.dbNode;
	key->spcid = rel->rd_node.spcNode;
	key->relnode = rel->rd_node.relNode;
	key->attno = attno;
	key->storage_id = storage_id;
	key->stripe_num = si->stripe_num;
	key->first_row = si->first_row;
	key->row_count = si->row_count;
	key->data_length = si->data_length;
	key->footer_length = si->footer_length;
	key->start_block = si->start_block;
}

static inline TidCacheRecord *
record_at(uint64 pos)
{
	return (TidCacheRecord *) (tidcache->ring + pos % tidcache->size);
}

/* Can group g of a cached record hold trace id id (hash h)? */
static bool
group_may_contain(const TidCacheRecord *rec, const TidCacheGroup *grp,
				  const uint8 *id, uint64 h)
{
	if (grp->flags & TIDCACHE_ALLNULL)
		return false;
	if ((grp->flags & TIDCACHE_MINMAX) &&
		(memcmp(id, grp->min, TRACE_ID_LEN) < 0 ||
		 memcmp(id, grp->max, TRACE_ID_LEN) > 0))
		return false;
	if (grp->bloom_bytes > 0 &&
		!ColBloomMayContain((const uint8 *) rec + grp->bloom_off,
							grp->bloom_bytes, h))
		return false;
	return true;
}

/*
 * Is the stripe known to hold no row with trace id id in column attno?
 * Returns true (and its number of chunk groups in *ngroups) only when its
 * entry is cached and rules out every group.
 */
bool
ColTidCacheExcludes(Relation rel, uint64 storage_id, const ColStripeInfo *si,
					int attno, const uint8 *id, int *ngroups)
{
	TidCacheKey key;
	TidCacheEntry *e;
	bool		excluded = false;

	if (tidcache == NULL)
		return false;
	make_key(&key, rel, storage_id, si, attno);
	LWLockAcquire(tidcache->lock, LW_SHARED);
	e = hash_search(tidcache_hash, &key, HASH_FIND, NULL);
	if (e != NULL)
	{
		TidCacheRecord *rec = record_at(e->pos);
		const TidCacheGroup *grp = (const TidCacheGroup *) (rec + 1);
		uint64		h = ColHashTraceId(id);
		int			g;

		excluded = true;
		for (g = 0; g < rec->ngroups && excluded; g++)
			if (group_may_contain(rec, &grp[g], id, h))
				excluded = false;
		*ngroups = rec->ngroups;
	}
	LWLockRelease(tidcache->lock);
	pg_atomic_fetch_add_u64(e != NULL ? &tidcache->hits : &tidcache->misses, 1);
	return excluded;
}

/* Drop the oldest record (cache lock held exclusively). */
static void
evict_oldest(void)
{
	uint64		off = tidcache->tail % tidcache->size;
	TidCacheRecord *rec;

	if (tidcache->size - off < sizeof(TidCacheRecord))
	{
		/* too little room for a record header: the end is skipped */
		tidcache->tail += tidcache->size - off;
		return;
	}
	rec = record_at(tidcache->tail);

	if (rec->ngroups >= 0)
	{
		TidCacheEntry *e = hash_search(tidcache_hash, &rec->key, HASH_FIND, NULL);

		if (e != NULL && e->pos == tidcache->tail)
			hash_search(tidcache_hash, &rec->key, HASH_REMOVE, NULL);
	}
	tidcache->tail += rec->len;
}

/* Make room for len contiguous bytes at the head (lock held). */
static void
reserve(uint64 len)
{
	uint64		off = tidcache->head % tidcache->size;

	if (off + len > tidcache->size)
	{
		/* fill the end of the ring with a filler record and wrap */
		uint64		fill = tidcache->size - off;

		while (tidcache->head + fill - tidcache->tail > tidcache->size)
			evict_oldest();
		if (fill >= sizeof(TidCacheRecord))
		{
			record_at(tidcache->head)->ngroups = -1;
			record_at(tidcache->head)->len = (uint32) fill;
		}
		tidcache->head += fill;
	}
	while (tidcache->head + len - tidcache->tail > tidcache->size)
		evict_oldest();
	/* shared hash tables grow into spare shared memory: stay at the cap */
	while (hash_get_num_entries(tidcache_hash) >= max_entries() &&
		   tidcache->tail < tidcache->head)
		evict_oldest();
}

/*
 * Remember the trace id skip data of column attno (1-based) of a stripe
 * whose footer section of that column is loaded in f.
 */
void
ColTidCacheStore(Relation rel, uint64 storage_id, const ColStripeInfo *si,
				 int attno, ColFooter *f)
{
	TidCacheKey key;
	TidCacheEntry *e;
	TidCacheRecord *rec;
	TidCacheGroup *grp;
	uint64		len;
	uint32		off;
	bool		found;
	int			g;

	if (tidcache == NULL || attno < 1 || attno > f->natts || !f->loaded[attno - 1])
		return;
	len = sizeof(TidCacheRecord) + sizeof(TidCacheGroup) * (uint64) f->ngroups;
	for (g = 0; g < f->ngroups; g++)
		len += MAXALIGN(COL_CHUNK(f, attno - 1, g)->bloom_bytes);
	len = MAXALIGN(len);
	/* an entry larger than 1/16 of the cache would evict too much */
	if (len > tidcache->size / 16 || len > PG_UINT32_MAX / 2)
		return;
	make_key(&key, rel, storage_id, si, attno);

	LWLockAcquire(tidcache->lock, LW_EXCLUSIVE);
	if (hash_search(tidcache_hash, &key, HASH_FIND, NULL) != NULL)
	{
		LWLockRelease(tidcache->lock);
		return;					/* another backend stored it */
	}
	reserve(len);
	e = hash_search(tidcache_hash, &key, HASH_ENTER_NULL, &found);
	while (e == NULL && tidcache->tail < tidcache->head)
	{
		/* the table is full: evict until an entry is free */
		evict_oldest();
		e = hash_search(tidcache_hash, &key, HASH_ENTER_NULL, &found);
	}
	if (e == NULL)
	{
		LWLockRelease(tidcache->lock);
		return;
	}
	e->pos = tidcache->head;
	rec = record_at(tidcache->head);
	rec->key = key;
	rec->len = (uint32) len;
	rec->ngroups = f->ngroups;
	grp = (TidCacheGroup *) (rec + 1);
	off = sizeof(TidCacheRecord) + sizeof(TidCacheGroup) * f->ngroups;
	for (g = 0; g < f->ngroups; g++)
	{
		ColChunkDesc *cd = COL_CHUNK(f, attno - 1, g);

		memset(&grp[g], 0, sizeof(TidCacheGroup));
		if (cd->nnulls == f->group_rows[g])
			grp[g].flags |= TIDCACHE_ALLNULL;
		if (cd->flags & COL_CHUNK_HAS_MINMAX)
		{
			grp[g].flags |= TIDCACHE_MINMAX;
			memcpy(grp[g].min, DatumGetPointer(cd->min), TRACE_ID_LEN);
			memcpy(grp[g].max, DatumGetPointer(cd->max), TRACE_ID_LEN);
		}
		grp[g].bloom_off = off;
		grp[g].bloom_bytes = cd->bloom_bytes;
		if (cd->bloom_bytes > 0)
			memcpy((char *) rec + off, cd->bloom, cd->bloom_bytes);
		off += MAXALIGN(cd->bloom_bytes);
	}
	tidcache->head += len;
	tidcache->stores++;
	LWLockRelease(tidcache->lock);
}

/*
 * tempo.col_trace_id_cache(): size and use of the cache (all zero without
 * shared_preload_libraries or with tempo.trace_id_cache_size = 0).
 */
PG_FUNCTION_INFO_V1(tempo_col_trace_id_cache);
Datum
tempo_col_trace_id_cache(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[6];
	bool		nulls[6];

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	memset(values, 0, sizeof(values));
	memset(nulls, 0, sizeof(nulls));
	if (tidcache != NULL)
	{
		LWLockAcquire(tidcache->lock, LW_SHARED);
		values[0] = Int64GetDatum((int64) hash_get_num_entries(tidcache_hash));
		values[1] = Int64GetDatum((int64) (tidcache->head - tidcache->tail));
		values[2] = Int64GetDatum((int64) tidcache->size);
		values[3] = Int64GetDatum((int64) tidcache->stores);
		LWLockRelease(tidcache->lock);
		values[4] = Int64GetDatum((int64) pg_atomic_read_u64(&tidcache->hits));
		values[5] = Int64GetDatum((int64) pg_atomic_read_u64(&tidcache->misses));
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
