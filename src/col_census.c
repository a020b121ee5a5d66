/*-------------------------------------------------------------------------
 *
 * col_census.c
 *	  Value censuses in the stripe footer: for each chunk group, how many
 *	  rows hold each distinct value of a low-cardinality column, per cell
 *	  of time.
 *
 * Purpose.  A counting query ("{ } | rate() by (resource.service.name)")
 * needs, per interval of time and per value, a number of rows.  When the
 * footer can say how many rows of a chunk group hold each value in each
 * cell of time, and the cells lie inside the query's intervals, the group
 * is answered without reading or decompressing any of its chunks
 * (ColReadSetSummary in col_reader.c returns such a group as a summary
 * batch of weighted rows).  The answer is exact: nothing is estimated.
 *
 * What is recorded.  Only in tables with a bigint column named
 * start_time_unix_nano (the time column; tempo.spans and its partitions).
 * Per chunk group:
 *	- the row census: rows with a non-NULL time, per cell;
 *	- for every text column and every smallint or integer column, the
 *	  (cell, value) pairs with their row counts, NULL being a value of its
 *	  own, again over the rows with a non-NULL time.
 * A cell of width W holds the times t with c * W < t <= (c + 1) * W (the
 * intervals of TraceQL metrics are open on the left too).  W is chosen
 * per group and column from a ladder (1 s, 5 s, 15 s, 30 s, 1, 2, 5,
 * 10, 15, 30 min, 1 h, or the whole group as one cell): the finest whose
 * pairs stay within 8 per distinct value plus 64 (a few hundred bytes).  So a group of spans covering
 * a minute records a service name census per 5 or 15 s, a group of rare
 * spans covering hours one per hour or one for the whole group.  A column
 * with more than 256 distinct values in a group, or more than 1024 in
 * the stripe, or longer values than COL_MAX_MINMAX_BYTES, has no census
 * for that group (the stripe dictionary of values is shared by its
 * groups, so a value is stored once per stripe).
 *
 * Layout.  The census is an extension of the stripe footer, appended
 * after the column sections (ColFooterSerialize's layout is unchanged and
 * readers that do not know it never look past the sections):
 *
 *	  column blocks, one per censused column (the row census first)
 *	  the directory: per block uint32 attno (0 = rows), offset, length
 *		and CRC32C of the block; uint32 ncols; uint32 cell ladder base
 *		(ns, 10^9; reserved for other ladders); uint32 attno of the time
 *		column
 *	  uint32 CRC32C of the directory
 *	  uint32 length of the extension (all of it, trailer included)
 *	  uint32 magic COL_CENSUS_MAGIC
 *
 * A column block: varint nvalues, the values (text: varint length and
 * bytes; integers: zigzag varint), then per group a level byte (ladder
 * index, COL_CENSUS_WHOLE or COL_CENSUS_NONE) and, unless none, zigzag
 * varint of the first cell, varint npairs and per pair: varint cell
 * delta, varint code (0 = NULL, v = value v - 1), varint count.  Pairs
 * are sorted by cell, then code.  A reader reads the trailer and the
 * directory, then only the blocks of the columns it asks about, so a
 * query by service name touches a few hundred bytes per chunk group.
 *
 * Pairs per group and column are also capped at 512 (then a coarser
 * width is taken), so a column such as the span name, with a hundred
 * values or more in a group, costs at most a few KB per group.
 *
 * A footer without the extension (older stripes) simply has no census;
 * one whose trailing bytes do not end in the magic number is treated the
 * same way, so other additive footer extensions can coexist.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/col_census.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "miscadmin.h"
#include "utils/memutils.h"

#include "col_internal.h"

#define COL_CENSUS_MAGIC		0x534E4354	/* "TCNS" */
#define COL_CENSUS_NONE			0xFF
#define COL_CENSUS_WHOLE		0xFE
#define CENSUS_MAX_GROUP_VALUES 256
#define CENSUS_MAX_STRIPE_VALUES 1024
#define CENSUS_TIME_COLUMN		"start_time_unix_nano"

#define NS_PER_SEC				INT64CONST(1000000000)

/* cell widths in seconds, finest first */
static const int64 census_ladder[] = {1, 5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600};
#define CENSUS_NLEVELS	((int) lengthof(census_ladder))

/* ---------------- varints ---------------- */

static void
put_varint(StringInfo s, uint64 v)
{
	char		b[10];
	int			n = 0;

	do
	{
		uint8		c = v & 0x7F;

		v >>= 7;
		b[n++] = (char) (c | (v ? 0x80 : 0));
	} while (v);
	appendBinaryStringInfo(s, b, n);
}

static void
put_svarint(StringInfo s, int64 v)
{
	put_varint(s, ((uint64) v << 1) ^ (uint64) (v >> 63));
}

static void
put_u32(StringInfo s, uint32 v)
{
	appendBinaryStringInfo(s, (char *) &v, 4);
}

typedef struct CensusReader
{
	const char *p;
	const char *end;
} CensusReader;

static uint64
get_varint(CensusReader *r)
{
	uint64		v = 0;
	int			shift = 0;

	for (;;)
	{
		uint8		c;

		if (r->p >= r->end || shift > 63)
			ColCorrupt("value census is truncated");
		c = (uint8) *r->p++;
		v |= (uint64) (c & 0x7F) << shift;
		if (!(c & 0x80))
			return v;
		shift += 7;
	}
}

static int64
get_svarint(CensusReader *r)
{
	uint64		v = get_varint(r);

	return (int64) (v >> 1) ^ -(int64) (v & 1);
}

/* ---------------- writing ---------------- */

/* floor((t - 1) / w) for any t (w > 0) */
static inline int64
cell_of(int64 t, int64 w)
{
	int64		x = t - 1;
	int64		q = x / w;

	if (x % w != 0 && x < 0)
		q--;
	return q;
}

static inline int64
floordiv(int64 x, int64 m)
{
	int64		q = x / m;

	if (x % m != 0 && x < 0)
		q--;
	return q;
}

/* (cell, code) -> count, open addressing; used slots are remembered */
typedef struct PairTab
{
	int			size;			/* power of two */
	int64	   *cell;
	int32	   *code;			/* -1 = empty */
	int32	   *count;
	int32	   *used;
	int			nused;
} PairTab;

static void
pairtab_init(PairTab *t, int size)
{
	int			i;

	t->size = size;
	t->cell = palloc(sizeof(int64) * size);
	t->code = palloc(sizeof(int32) * size);
	t->count = palloc(sizeof(int32) * size);
	t->used = palloc(sizeof(int32) * size);
	t->nused = 0;
	for (i = 0; i < size; i++)
		t->code[i] = -1;
}

static void
pairtab_clear(PairTab *t)
{
	int			i;

	for (i = 0; i < t->nused; i++)
		t->code[t->used[i]] = -1;
	t->nused = 0;
}

static inline void
pairtab_add(PairTab *t, int64 cell, int32 code, int32 n)
{
	uint64		k = ((uint64) cell * UINT64CONST(0x9E3779B97F4A7C15)) ^
		((uint64) code * UINT64CONST(0xC2B2AE3D27D4EB4F));
	uint32		h = (uint32) (k >> 32) ^ (uint32) k;
	int			mask = t->size - 1;
	int			i = h & mask;

	for (;;)
	{
		if (t->code[i] < 0)
		{
			t->cell[i] = cell;
			t->code[i] = code;
			t->count[i] = n;
			t->used[t->nused++] = i;
			return;
		}
		if (t->code[i] == code && t->cell[i] == cell)
		{
			t->count[i] += n;
			return;
		}
		i = (i + 1) & mask;
	}
}

typedef struct Pair
{
	int64		cell;
	int32		code;
	int32		count;
} Pair;

static int
pair_cmp(const void *a, const void *b)
{
	const Pair *x = a;
	const Pair *y = b;

	if (x->cell != y->cell)
		return x->cell < y->cell ? -1 : 1;
	return (x->code > y->code) - (x->code < y->code);
}

/* The stripe dictionary of one column */
typedef struct StripeDict
{
	int			nvals;
	Datum	   *vals;
	uint32	   *hashes;
	int32	   *slots;			/* open addressing: value index or -1 */
	bool		full;
} StripeDict;

#define DICT_SLOTS (CENSUS_MAX_STRIPE_VALUES * 2)

static uint32
value_hash(const ColTypeInfo *ti, Datum d)
{
	if (ti->typbyval)
		return hash_bytes_uint32((uint32) DatumGetInt64(d) ^
								 (uint32) ((uint64) DatumGetInt64(d) >> 32));
	return hash_bytes((const unsigned char *) VARDATA_ANY(DatumGetPointer(d)),
					  VARSIZE_ANY_EXHDR(DatumGetPointer(d)));
}

static bool
value_eq(const ColTypeInfo *ti, Datum a, Datum b)
{
	struct varlena *x,
			   *y;

	if (ti->typbyval)
		return a == b;
	x = (struct varlena *) DatumGetPointer(a);
	y = (struct varlena *) DatumGetPointer(b);
	return VARSIZE_ANY_EXHDR(x) == VARSIZE_ANY_EXHDR(y) &&
		memcmp(VARDATA_ANY(x), VARDATA_ANY(y), VARSIZE_ANY_EXHDR(x)) == 0;
}

/* code (>= 1) of a value, adding it; 0 when the dictionary is full */
static int
dict_code(StripeDict *d, const ColTypeInfo *ti, Datum v)
{
	uint32		h = value_hash(ti, v);
	int			i = h & (DICT_SLOTS - 1);

	for (;;)
	{
		int			k = d->slots[i];

		if (k < 0)
			break;
		if (d->hashes[k] == h && value_eq(ti, d->vals[k], v))
			return k + 1;
		i = (i + 1) & (DICT_SLOTS - 1);
	}
	if (d->nvals >= CENSUS_MAX_STRIPE_VALUES ||
		(!ti->typbyval && VARSIZE_ANY_EXHDR(DatumGetPointer(v)) > COL_MAX_MINMAX_BYTES))
	{
		d->full = true;
		return 0;
	}
	d->slots[i] = d->nvals;
	d->hashes[d->nvals] = h;
	d->vals[d->nvals] = v;
	return ++d->nvals;
}

/*
 * Count the (cell, code) pairs of a group's rows into tab, cells of m
 * seconds (0: one cell); cells1[i] is row i's cell of 1 s.
 */
static int
build_pairs(PairTab *tab, const int32 *codes, const int64 *cells1,
			const bool *timenull, int n, int64 m)
{
	int			prevcode = -1;
	int64		prevcell = 0;
	int32		run = 0;
	int			i;

	pairtab_clear(tab);
	for (i = 0; i < n; i++)
	{
		int64		c;

		if (timenull[i])
			continue;
		c = m == 1 ? cells1[i] : m == 0 ? 0 : floordiv(cells1[i], m);
		if (c == prevcell && codes[i] == prevcode)
		{
			run++;
			continue;
		}
		if (run > 0)
			pairtab_add(tab, prevcell, prevcode, run);
		prevcell = c;
		prevcode = codes[i];
		run = 1;
	}
	if (run > 0)
		pairtab_add(tab, prevcell, prevcode, run);
	return tab->nused;
}

/*
 * Census of one group of one column (codes[i] per row: 0 NULL, else
 * value code) into out: level byte and pairs.  ncells[level] is the
 * number of cells at each level when known (else 0): a level with more
 * cells than the budget allows is not tried.  The row census (ncells_out
 * set) records the cells of the levels it tries.
 */
static void
census_group(StringInfo out, PairTab *tab, const int32 *codes,
			 const int64 *cells1, const bool *timenull, int n, int ndistinct,
			 const int *ncells, int *ncells_out)
{
	int			budget = Min(8 * ndistinct + 64, 512);
	int			level = 0;
	int			i;
	Pair	   *pairs;
	int			npairs;
	int64		prev;

	if (ncells != NULL)
		while (level < CENSUS_NLEVELS && ncells[level] > budget)
			level++;
	for (;;)
	{
		int			np = build_pairs(tab, codes, cells1, timenull, n,
									 level < CENSUS_NLEVELS ? census_ladder[level] : 0);

		if (ncells_out != NULL && level < CENSUS_NLEVELS)
			ncells_out[level] = np;
		if (np <= budget || level == CENSUS_NLEVELS)
			break;
		level++;
	}
	npairs = tab->nused;
	pairs = palloc(sizeof(Pair) * Max(npairs, 1));
	for (i = 0; i < npairs; i++)
	{
		int			s = tab->used[i];

		pairs[i].cell = tab->cell[s];
		pairs[i].code = tab->code[s];
		pairs[i].count = tab->count[s];
	}
	qsort(pairs, npairs, sizeof(Pair), pair_cmp);

	appendStringInfoChar(out, (char) (level < CENSUS_NLEVELS ? level : COL_CENSUS_WHOLE));
	prev = npairs > 0 ? pairs[0].cell : 0;
	put_svarint(out, prev);
	put_varint(out, npairs);
	for (i = 0; i < npairs; i++)
	{
		put_varint(out, (uint64) (pairs[i].cell - prev));
		prev = pairs[i].cell;
		put_varint(out, pairs[i].code);
		put_varint(out, pairs[i].count);
	}
	pfree(pairs);
}

static bool
census_column(const ColTypeInfo *ti, Form_pg_attribute att)
{
	if (att->attisdropped)
		return false;
	if (ti->text_like && !ti->is_jsonb)
		return true;
	return ti->typid == INT2OID || ti->typid == INT4OID;
}

/*
 * ColCensusAppend
 *		Append the census extension for the buffered rows of a stripe
 *		(groups bounds[g] .. bounds[g + 1] - 1 of values/isnull) to the
 *		serialized footer; nothing when the table has no time column.
 */
void
ColCensusAppend(StringInfo footer, TupleDesc tupdesc, ColTypeInfo *types,
				int natts, int ngroups, const int *bounds,
				Datum **values, bool **isnull)
{
	MemoryContext cxt,
				old;
	StringInfoData ext;
	StringInfoData dir;
	int			tatt = -1;
	int			ncols = 0;
	int			a,
				g;
	int32	   *codes;
	PairTab		tab;
	uint32		start = footer->len;
	int64	   *cells1;
	int		   *ncells;
	int			i;

	for (a = 0; a < natts; a++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, a);

		if (!att->attisdropped && att->atttypid == INT8OID &&
			strcmp(NameStr(att->attname), CENSUS_TIME_COLUMN) == 0)
			tatt = a;
	}
	if (tatt < 0)
		return;

	cxt = AllocSetContextCreate(CurrentMemoryContext, "tempo columnar census",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	initStringInfo(&ext);
	initStringInfo(&dir);
	codes = palloc(sizeof(int32) * COL_CHUNK_ROWS);
	/* a table twice as large as the largest group (small for small flushes) */
	{
		int			maxrows = 1;
		int			size = 64;

		for (g = 0; g < ngroups; g++)
			maxrows = Max(maxrows, bounds[g + 1] - bounds[g]);
		while (size < 2 * maxrows)
			size *= 2;
		pairtab_init(&tab, size);
	}

	/* every row's cell of 1 s, and cells per level and group (row census) */
	cells1 = palloc(sizeof(int64) * Max(bounds[ngroups], 1));
	for (i = 0; i < bounds[ngroups]; i++)
		cells1[i] = isnull[tatt][i] ? 0 : cell_of(DatumGetInt64(values[tatt][i]), NS_PER_SEC);
	ncells = palloc0(sizeof(int) * ngroups * CENSUS_NLEVELS);

	/* -1: the row census (first: it counts the cells); then the columns */
	for (a = -1; a < natts; a++)
	{
		uint32		off = ext.len;
		StripeDict	d;
		StringInfoData groups;
		int			i;

		if (a >= 0 && (a == tatt || !census_column(&types[a], TupleDescAttr(tupdesc, a))))
			continue;
		CHECK_FOR_INTERRUPTS();
		memset(&d, 0, sizeof(d));
		if (a >= 0)
		{
			d.vals = palloc(sizeof(Datum) * CENSUS_MAX_STRIPE_VALUES);
			d.hashes = palloc(sizeof(uint32) * CENSUS_MAX_STRIPE_VALUES);
			d.slots = palloc(sizeof(int32) * DICT_SLOTS);
			memset(d.slots, -1, sizeof(int32) * DICT_SLOTS);
		}
		initStringInfo(&groups);
		for (g = 0; g < ngroups; g++)
		{
			int			lo = bounds[g];
			int			n = bounds[g + 1] - lo;
			int			ndistinct = 1;

			if (a >= 0)
			{
				uint8		seen[CENSUS_MAX_STRIPE_VALUES + 1];
				int			prevc = -1;

				memset(seen, 0, sizeof(seen));
				ndistinct = 0;
				for (i = 0; i < n && !d.full; i++)
				{
					int			c;

					/* runs of one value are common: compare with the last row */
					if (isnull[a][lo + i])
						c = 0;
					else if (prevc > 0 && !isnull[a][lo + i - 1] &&
							 value_eq(&types[a], values[a][lo + i - 1], values[a][lo + i]))
						c = prevc;
					else
						c = dict_code(&d, &types[a], values[a][lo + i]);
					prevc = c;

					if (c == 0 && !isnull[a][lo + i])
						break;
					codes[i] = c;
					if (!seen[c])
					{
						seen[c] = 1;
						ndistinct++;
					}
				}
				if (d.full || ndistinct > CENSUS_MAX_GROUP_VALUES)
				{
					appendStringInfoChar(&groups, (char) COL_CENSUS_NONE);
					continue;
				}
			}
			else
				memset(codes, 0, sizeof(int32) * n);
			census_group(&groups, &tab, codes, cells1 + lo, isnull[tatt] + lo,
						 n, ndistinct, ncells + (Size) g * CENSUS_NLEVELS,
						 a < 0 ? ncells + (Size) g * CENSUS_NLEVELS : NULL);
		}
		put_varint(&ext, d.nvals);
		for (i = 0; i < d.nvals; i++)
		{
			if (types[a].typbyval)
				put_svarint(&ext, DatumGetInt64(d.vals[i]));
			else
			{
				struct varlena *v = (struct varlena *) DatumGetPointer(d.vals[i]);

				put_varint(&ext, VARSIZE_ANY_EXHDR(v));
				appendBinaryStringInfo(&ext, VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v));
			}
		}
		appendBinaryStringInfo(&ext, groups.data, groups.len);
		put_u32(&dir, (uint32) (a + 1));
		put_u32(&dir, off);
		put_u32(&dir, ext.len - off);
		put_u32(&dir, ColCrc(ext.data + off, ext.len - off));
		ncols++;
	}
	put_u32(&dir, ncols);
	put_u32(&dir, (uint32) NS_PER_SEC);
	put_u32(&dir, (uint32) (tatt + 1));
	appendBinaryStringInfo(&ext, dir.data, dir.len);
	put_u32(&ext, ColCrc(dir.data, dir.len));
	put_u32(&ext, ext.len + 8);
	put_u32(&ext, COL_CENSUS_MAGIC);
	MemoryContextSwitchTo(old);
	appendBinaryStringInfo(footer, ext.data, ext.len);
	Assert(footer->len - start == ext.len);
	(void) start;
	MemoryContextDelete(cxt);
}

/* ---------------- reading ---------------- */

typedef struct CensusColumn
{
	int			attno;			/* 0 = rows */
	uint32		off;			/* of the block, from the extension start */
	uint32		len;
	uint32		crc;
	bool		parsed;
	int			nvals;
	Datum	   *vals;
	ColCensusGroup *groups;		/* [ngroups] */
} CensusColumn;

struct ColCensus
{
	Relation	rel;			/* where the blocks are read from */
	const ColStripeInfo *si;
	BlockNumber nblocks;
	uint64		ext_start;		/* stripe offset of the extension */
	int			ngroups;
	int			time_attno;
	int			ncols;
	CensusColumn *cols;
	const ColTypeInfo *types;
};

/*
 * ColCensusLoad
 *		Read the census extension of a stripe's footer (current memory
 *		context, which must live as long as the footer); NULL when the
 *		footer has none.  Columns are parsed on first use.
 */
ColCensus *
ColCensusLoad(Relation rel, const ColStripeInfo *si, const ColFooter *f,
			  const ColTypeInfo *types, BlockNumber nblocks)
{
	uint64		end = 0;
	uint64		base = si->data_length - si->footer_length;
	uint32		extlen;
	uint32		taillen;
	char	   *tail;
	const char *t;
	uint32		w[6];
	ColCensus  *c;
	const char *dir;
	int			a,
				k;

	for (a = 0; a < f->natts; a++)
		end = Max(end, (uint64) f->sect_off[a] + f->sect_len[a]);
	if (si->footer_length < end + 24)
		return NULL;

	/* the trailer and, in the same read, a directory of every column */
	taillen = (uint32) Min(si->footer_length - end, 24 + 16 * ((uint64) f->natts + 1));
	tail = palloc(taillen);
	ColStripeBytes(rel, si, base + si->footer_length - taillen, tail, taillen,
				   nblocks);
	t = tail + taillen - 24;
	memcpy(w, t, 24);			/* ncols, ladder, time, crc, length, magic */
	if (w[5] != COL_CENSUS_MAGIC)
		return NULL;
	extlen = w[4];
	if (extlen < 24 || extlen > si->footer_length - end ||
		w[0] > (uint32) f->natts + 1 || 24 + 16 * (uint64) w[0] > extlen ||
		24 + 16 * (uint64) w[0] > taillen)
		ColCorrupt("value census has a bad length");
	dir = t - 16 * (Size) w[0];
	if (ColCrc(dir, 16 * (Size) w[0] + 12) != w[3])
		ColCorrupt("value census checksum mismatch");
	if (w[1] != (uint32) NS_PER_SEC || w[2] < 1 || w[2] > (uint32) f->natts)
		ColCorrupt("value census has a bad time column");

	c = palloc0(sizeof(ColCensus));
	c->rel = rel;
	c->si = si;
	c->nblocks = nblocks;
	c->ext_start = base + si->footer_length - extlen;
	c->ngroups = f->ngroups;
	c->types = types;
	c->time_attno = (int) w[2];
	c->ncols = (int) w[0];
	c->cols = palloc0(sizeof(CensusColumn) * Max(c->ncols, 1));
	for (k = 0; k < c->ncols; k++)
	{
		uint32		e[4];

		memcpy(e, dir + 16 * (Size) k, 16);
		if (e[0] > (uint32) f->natts ||
			(uint64) e[1] + e[2] > extlen - 24 - 16 * (uint64) c->ncols)
			ColCorrupt("value census has a bad directory");
		c->cols[k].attno = (int) e[0];
		c->cols[k].off = e[1];
		c->cols[k].len = e[2];
		c->cols[k].crc = e[3];
	}
	pfree(tail);
	return c;
}

static Datum
read_value(CensusReader *r, const ColTypeInfo *ti)
{
	if (ti->typbyval)
	{
		int64		v = get_svarint(r);

		if (ti->typlen == 2)
			return Int16GetDatum((int16) v);
		if (ti->typlen == 4)
			return Int32GetDatum((int32) v);
		return Int64GetDatum(v);
	}
	else
	{
		uint64		len = get_varint(r);
		text	   *t;

		if (len > COL_MAX_MINMAX_BYTES || len > (uint64) (r->end - r->p))
			ColCorrupt("value census is truncated");
		t = (text *) palloc(len + VARHDRSZ);
		SET_VARSIZE(t, len + VARHDRSZ);
		memcpy(VARDATA(t), r->p, len);
		r->p += len;
		return PointerGetDatum(t);
	}
}

static void
parse_column(ColCensus *c, CensusColumn *col)
{
	char	   *data = palloc(Max(col->len, 1));
	CensusReader r = {data, data + col->len};
	const ColTypeInfo *ti = col->attno > 0 ? &c->types[col->attno - 1] : NULL;
	int			g,
				i;
	uint64		nv;

	ColStripeBytes(c->rel, c->si, c->ext_start + col->off, data, col->len,
				   c->nblocks);
	if (ColCrc(data, col->len) != col->crc)
		ColCorrupt("value census checksum mismatch");
	nv = get_varint(&r);
	if (nv > CENSUS_MAX_STRIPE_VALUES || (nv > 0 && ti == NULL))
		ColCorrupt("value census has too many values");
	if (ti != NULL && !ti->typbyval && !ti->text_like)
		ColCorrupt("value census on a column of the wrong type");
	col->nvals = (int) nv;
	col->vals = palloc(sizeof(Datum) * Max(nv, 1));
	for (i = 0; i < col->nvals; i++)
		col->vals[i] = read_value(&r, ti);
	col->groups = palloc0(sizeof(ColCensusGroup) * c->ngroups);
	for (g = 0; g < c->ngroups; g++)
	{
		ColCensusGroup *cg = &col->groups[g];
		uint8		level;
		int64		cell;
		uint64		np;

		if (r.p >= r.end)
			ColCorrupt("value census is truncated");
		level = (uint8) *r.p++;
		if (level == COL_CENSUS_NONE)
		{
			cg->npairs = -1;
			continue;
		}
		if (level != COL_CENSUS_WHOLE && level >= CENSUS_NLEVELS)
			ColCorrupt("value census has a bad cell width");
		cg->width = level == COL_CENSUS_WHOLE ? 0 : census_ladder[level] * NS_PER_SEC;
		cell = get_svarint(&r);
		np = get_varint(&r);
		if (np > COL_CHUNK_ROWS)
			ColCorrupt("value census has too many pairs");
		cg->npairs = (int) np;
		cg->cells = palloc(sizeof(int64) * Max(np, 1));
		cg->codes = palloc(sizeof(int32) * Max(np, 1));
		cg->counts = palloc(sizeof(int32) * Max(np, 1));
		for (i = 0; i < cg->npairs; i++)
		{
			uint64		code;
			uint64		count;

			cell += (int64) get_varint(&r);
			code = get_varint(&r);
			count = get_varint(&r);
			if (code > nv || count == 0 || count > COL_CHUNK_ROWS)
				ColCorrupt("value census has a bad pair");
			cg->cells[i] = cell;
			cg->codes[i] = (int32) code;
			cg->counts[i] = (int32) count;
		}
	}
	if (r.p != r.end)
		ColCorrupt("value census has trailing bytes");
	pfree(data);
	col->parsed = true;
}

/*
 * ColCensusGroupOf
 *		The census of column attno (0: the row census) in group g, or NULL
 *		when there is none.  Codes are 0 for NULL, else 1 + the index of
 *		a value of ColCensusValues.
 */
const ColCensusGroup *
ColCensusGroupOf(ColCensus *c, int attno, int g)
{
	int			k;

	if (c == NULL || g < 0 || g >= c->ngroups)
		return NULL;
	for (k = 0; k < c->ncols; k++)
	{
		CensusColumn *col = &c->cols[k];

		if (col->attno != attno)
			continue;
		if (!col->parsed)
			parse_column(c, col);
		return col->groups[g].npairs >= 0 ? &col->groups[g] : NULL;
	}
	return NULL;
}

/* The values of column attno's stripe dictionary (after ColCensusGroupOf) */
const Datum *
ColCensusValues(ColCensus *c, int attno, int *n)
{
	int			k;

	for (k = 0; k < c->ncols; k++)
		if (c->cols[k].attno == attno && c->cols[k].parsed)
		{
			*n = c->cols[k].nvals;
			return c->cols[k].vals;
		}
	*n = 0;
	return NULL;
}

/* The time column the cells are of */
int
ColCensusTimeAttno(ColCensus *c)
{
	return c->time_attno;
}
