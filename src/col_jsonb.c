/*-------------------------------------------------------------------------
 *
 * col_jsonb.c
 *	  Shredded storage of jsonb chunks whose values are all objects, and
 *	  per-key extraction (ColKeyVector) for the batch reader.
 *
 * A shredded chunk holds a directory of the top-level keys that occur in
 * the chunk and, per key, a separately zstd-compressed sub-stream:
 *
 *	  uint32 counts[4] (ints, strings, numerics, others)
 *	  uint8  type[nn]			(ColKvType per non-NULL row; ABSENT if the
 *								 row's object lacks the key)
 *	  int64  ints[]				(COL_KV_INT and COL_KV_BOOL rows, in order)
 *	  aligned varlenas:			strings (text), then numerics (the jsonb
 *								 numeric, kept bit for bit), then others
 *								 (nested arrays and objects as Jsonb)
 *
 * Chunks whose header flag word has COL_JSONB_F_STRDICT set (all chunks
 * written now) store strings differently.  Two more uint32s follow the
 * counts: ndict and a zero pad.  When the key's strings repeat (at most
 * one distinct value per two strings), ndict > 0: after the ints come
 * counts[1] codes (uint8, uint16 or uint32, the narrowest that holds
 * ndict - 1), then, 8-byte aligned, the ndict distinct strings as
 * aligned varlenas in first-seen order, and the reader hands out
 * pointers to those entries.  Otherwise (ndict = 0) each string is a
 * varint length followed by its bytes, without headers or padding, and
 * the reader copies them into aligned varlenas.  Chunks without the
 * flag (written before either existed) are read as described above.
 *
 * Chunks with COL_JSONB_F_SHAPES (all chunks written now) also record
 * which keys each row has, once for all keys: the rows of one kind of span
 * share a key set ("shape"), so per-key presence flags would repeat the
 * same information in every key's stream.  After the key names, 8-byte
 * aligned, come uint64 stored_len and raw_len, uint8 compression and 7
 * pad bytes, then the (zstd) shape section: uint32 nshapes and words,
 * nshapes key bitmaps of words uint64 each (bit k: key k present), uint16
 * shape[nn].  Each key's type[] array then has one entry per row that has
 * the key, never ABSENT.
 *
 * Keys with at most COL_JSONB_CAT_MAX distinct values in a chunk, all
 * strings, integers, booleans or nulls (http.route, db.system,
 * server.port...) can be categorical: their value becomes part of the
 * row's shape (as long as refining the shapes by it keeps them at most
 * COL_JSONB_MAX_SHAPES, see append_shapes), since such values mostly
 * follow the kind of span as closely as the key set does.
 * Their streams (string header word 1 = 2) hold no per-row data: after
 * the counts and string header, uint32 nvals and a pad, uint8 vid[nshapes]
 * (the value of each shape, 0xFF where the shape lacks the key), uint8
 * vtype[nvals], 8-aligned int64 vint[nvals], then the string values as
 * aligned varlenas in value order.
 *
 * Chunks with COL_JSONB_F_PLANES (all chunks written now) store the shape
 * of a row in one byte (a chunk has at most 256 shapes), the ints of a
 * stream as uint64 nbytes followed by nbytes byte planes (the widest
 * value's bytes; small counts leave the high planes out), and numerics
 * packed like strings (varint length, bytes).
 *
 * Reading one key therefore decompresses and decodes only that key's
 * stream.  Whole values are rebuilt (only when the column is projected)
 * by pushing every present key's value into a new object; jsonb objects
 * are canonical (keys sorted and unique), so the rebuilt value is the
 * identical jsonb.  Numbers go to the int stream only when converting
 * them back gives the identical numeric, so 1.0 stays 1.0.  Chunks with
 * non-object values or too many distinct keys are not shredded.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/col_jsonb.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "col_internal.h"

#define COL_JSONB_MAGIC		0x5248534A	/* "JSHR" */
#define COL_JSONB_MAX_KEYS	512
#define COL_JSONB_F_STRDICT	0x0001	/* streams have ndict; strings are packed or
										 * dictionary coded */
#define COL_JSONB_F_SHAPES	0x0002	/* a shape section says which keys each
										 * row has; key streams type only those
										 * rows */
#define COL_JSONB_F_PLANES	0x0004	/* one-byte shape codes, integers as
										 * byte planes, packed numerics */
#define COL_JSONB_KNOWN_FLAGS	(COL_JSONB_F_STRDICT | COL_JSONB_F_SHAPES | \
								 COL_JSONB_F_PLANES)
#define COL_JSONB_DICT_MIN	8		/* fewer strings: never a dictionary */
#define COL_JSONB_CAT_MAX	128		/* most values of a categorical key (the
										 * value ids and 0xFF fit a byte) */
#define COL_JSONB_MAX_SHAPES 256	/* most shapes refined by values */

typedef struct ShredKey
{
	char	   *name;
	int			len;
	uint32		hash;
	uint8	   *types;			/* [nn] */
	/* categorical keys (see classify_key) */
	bool		cat;
	int			nvals;
	uint8	   *vid;			/* [nn] value of each row that has the key */
	uint8		vtype[COL_JSONB_CAT_MAX];
	int64		vint[COL_JSONB_CAT_MAX];
	const char *vstr[COL_JSONB_CAT_MAX];	/* aligned varlenas in strs */
	uint32		counts[4];
	StringInfoData ints;
	StringInfoData strs;
	StringInfoData nums;
	StringInfoData others;
} ShredKey;

/* Directory entry as stored. */
typedef struct ShredDirEntry
{
	uint64		offset;			/* from the start of the shredded area */
	uint64		stored_len;
	uint64		raw_len;
	uint32		keylen;
	uint8		compression;
	uint8		pad[3];
} ShredDirEntry;

static Numeric int64_min_num = NULL;
static Numeric int64_max_num = NULL;

/* If n is an integer that round-trips through int64 exactly, set *v. */
static bool
numeric_as_int64(Numeric n, int64 *v)
{
	Numeric		back;
	bool		same;

	if (DatumGetInt32(DirectFunctionCall1(numeric_scale, NumericGetDatum(n))) != 0)
		return false;
	if (int64_min_num == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		int64_min_num = int64_to_numeric(PG_INT64_MIN);
		int64_max_num = int64_to_numeric(PG_INT64_MAX);
		MemoryContextSwitchTo(old);
	}
	if (DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(n),
										  NumericGetDatum(int64_min_num))) < 0 ||
		DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(n),
										  NumericGetDatum(int64_max_num))) > 0)
		return false;
	*v = DatumGetInt64(DirectFunctionCall1(numeric_int8, NumericGetDatum(n)));
	back = int64_to_numeric(*v);
	same = VARSIZE(back) == VARSIZE(n) && memcmp(back, n, VARSIZE(n)) == 0;
	pfree(back);
	return same;
}

static void
append_aligned_varlena(StringInfo s, const char *data, uint32 len)
{
	while (s->len % 8 != 0)
		appendStringInfoCharMacro(s, '\0');
	enlargeStringInfo(s, len + VARHDRSZ);
	SET_VARSIZE(s->data + s->len, len + VARHDRSZ);
	memcpy(s->data + s->len + VARHDRSZ, data, len);
	s->len += len + VARHDRSZ;
	s->data[s->len] = '\0';
}

/*
 * Build a dictionary of the key's strings if they repeat enough (at most
 * one distinct value per two strings).  On success return ndict, fill
 * codes[counts[1]] and append the distinct varlenas to dictout; else 0.
 */
static uint32
build_str_dict(ShredKey *key, uint32 *codes, StringInfo dictout)
{
	uint32		n = key->counts[1];
	uint32		maxdict = n / 2;
	uint32		tsize = 16;
	int32	   *table;
	uint32	   *entoff;			/* per dictionary entry: offset in strs */
	uint32		ndict = 0;
	uint32		i;
	Size		off = 0;

	if (n < COL_JSONB_DICT_MIN)
		return 0;
	while (tsize < maxdict * 2 + 2)
		tsize <<= 1;
	table = palloc(sizeof(int32) * tsize);
	memset(table, 0xFF, sizeof(int32) * tsize);
	entoff = palloc(sizeof(uint32) * Max(maxdict, 1));
	for (i = 0; i < n; i++)
	{
		const char *p;
		uint32		len;
		uint32		slot;

		off = TYPEALIGN(8, off);
		p = key->strs.data + off;
		len = VARSIZE(p);
		slot = hash_bytes((const unsigned char *) p, len) & (tsize - 1);
		for (;;)
		{
			int32		e = table[slot];

			if (e < 0)
			{
				if (ndict >= maxdict)
				{
					pfree(table);
					pfree(entoff);
					return 0;
				}
				entoff[ndict] = off;
				table[slot] = ndict;
				codes[i] = ndict++;
				break;
			}
			if (VARSIZE(key->strs.data + entoff[e]) == len &&
				memcmp(key->strs.data + entoff[e], p, len) == 0)
			{
				codes[i] = e;
				break;
			}
			slot = (slot + 1) & (tsize - 1);
		}
		off += len;
	}
	for (i = 0; i < ndict; i++)
	{
		const char *p = key->strs.data + entoff[i];

		append_aligned_varlena(dictout, VARDATA(p), VARSIZE(p) - VARHDRSZ);
	}
	pfree(table);
	pfree(entoff);
	return ndict;
}

/* Bytes per dictionary code for a dictionary of ndict entries. */
static int
dict_code_width(uint32 ndict)
{
	if (ndict <= 256)
		return 1;
	if (ndict <= 65536)
		return 2;
	return 4;
}

#define COL_JSONB_NUM_MARK	'\x01'	/* a number in a string template */
#define COL_JSONB_NUM_DIGITS 18		/* longest digit run kept as a number */

/*
 * Template coding of a key's strings (all chunks written now try it when
 * the strings do not repeat enough for a dictionary).  Each maximal run
 * of ASCII digits that is a canonical decimal (no leading zero) of at
 * most 18 digits is cut out of the string and replaced by a mark byte;
 * the rest is the string's template.  URLs, statements and message keys
 * with ids in them come down to a few templates (dictionary coded) and a
 * stream of numbers in fixed width little-endian bytes.  Used only when
 * no string contains the mark byte and the result is smaller.  Layout:
 * uint32 ntemplates, nnums, numwidth, pad; one code a string (1, 2 or 4
 * bytes, see dict_code_width); 8-aligned, the numbers; 8-aligned, the
 * templates as aligned varlenas.
 */
static bool
build_str_template(ShredKey *key, StringInfo out)
{
	uint32		n = key->counts[1];
	StringInfoData tmpls;		/* distinct templates, aligned varlenas */
	StringInfoData cur;
	uint64	   *nums;
	uint32		nnums = 0;
	uint32		numcap = 64;
	uint32	   *codes;
	uint32	   *entoff;
	uint32		ntmpl = 0;
	uint32		tsize = 16;
	int32	   *table;
	uint64		maxnum = 0;
	Size		packed = 0;
	Size		soff = 0;
	uint32		hdr[4];
	int			width,
				w;
	uint32		i;
	bool		ok = false;

	if (n < COL_JSONB_DICT_MIN)
		return false;
	while (tsize < n * 2)
		tsize <<= 1;
	table = palloc(sizeof(int32) * tsize);
	memset(table, 0xFF, sizeof(int32) * tsize);
	entoff = palloc(sizeof(uint32) * n);
	codes = palloc(sizeof(uint32) * n);
	nums = palloc(sizeof(uint64) * numcap);
	initStringInfo(&tmpls);
	initStringInfo(&cur);
	for (i = 0; i < n; i++)
	{
		const char *p;
		uint32		len,
					j;
		uint32		slot;

		soff = TYPEALIGN(8, soff);
		p = key->strs.data + soff + VARHDRSZ;
		len = VARSIZE(key->strs.data + soff) - VARHDRSZ;
		soff += len + VARHDRSZ;
		packed += len + 2;
		resetStringInfo(&cur);
		for (j = 0; j < len;)
		{
			uint32		run = 0;

			if (p[j] == COL_JSONB_NUM_MARK)
				goto fail;
			while (j + run < len && p[j + run] >= '0' && p[j + run] <= '9')
				run++;
			if (run == 0)
			{
				appendStringInfoCharMacro(&cur, p[j]);
				j++;
				continue;
			}
			if (run <= COL_JSONB_NUM_DIGITS && (run == 1 || p[j] != '0'))
			{
				uint64		v = 0;
				uint32		d;

				for (d = 0; d < run; d++)
					v = v * 10 + (uint64) (p[j + d] - '0');
				if (nnums == numcap)
				{
					numcap *= 2;
					nums = repalloc(nums, sizeof(uint64) * numcap);
				}
				nums[nnums++] = v;
				maxnum = Max(maxnum, v);
				appendStringInfoCharMacro(&cur, COL_JSONB_NUM_MARK);
			}
			else
				appendBinaryStringInfo(&cur, p + j, run);
			j += run;
		}
		slot = hash_bytes((const unsigned char *) cur.data, cur.len) & (tsize - 1);
		for (;;)
		{
			int32		e = table[slot];

			if (e < 0)
			{
				while (tmpls.len % 8 != 0)
					appendStringInfoCharMacro(&tmpls, '\0');
				entoff[ntmpl] = tmpls.len;
				append_aligned_varlena(&tmpls, cur.data, cur.len);
				table[slot] = ntmpl;
				codes[i] = ntmpl++;
				break;
			}
			if (VARSIZE(tmpls.data + entoff[e]) - VARHDRSZ == (uint32) cur.len &&
				memcmp(tmpls.data + entoff[e] + VARHDRSZ, cur.data, cur.len) == 0)
			{
				codes[i] = e;
				break;
			}
			slot = (slot + 1) & (tsize - 1);
		}
	}
	width = (ColBitWidth(maxnum) + 7) / 8;
	w = dict_code_width(ntmpl);
	if (nnums == 0 || ntmpl > n / 2 ||
		(Size) n * w + (Size) nnums * width + tmpls.len >= packed * 3 / 4)
		goto fail;
	hdr[0] = ntmpl;
	hdr[1] = nnums;
	hdr[2] = width;
	hdr[3] = 0;
	appendBinaryStringInfo(out, (char *) hdr, sizeof(hdr));
	for (i = 0; i < n; i++)
		appendBinaryStringInfo(out, (char *) &codes[i], w);	/* little-endian */
	while (out->len % 8 != 0)
		appendStringInfoCharMacro(out, '\0');
	for (i = 0; i < nnums; i++)
		appendBinaryStringInfo(out, (char *) &nums[i], width);
	while (out->len % 8 != 0)
		appendStringInfoCharMacro(out, '\0');
	appendBinaryStringInfo(out, tmpls.data, tmpls.len);
	ok = true;

fail:
	pfree(table);
	pfree(entoff);
	pfree(codes);
	pfree(nums);
	pfree(tmpls.data);
	pfree(cur.data);
	return ok;
}

/* Append v as a little-endian base-128 varint (7 bits per byte). */
static void
append_varint(StringInfo s, uint32 v)
{
	while (v >= 0x80)
	{
		appendStringInfoCharMacro(s, (char) ((v & 0x7F) | 0x80));
		v >>= 7;
	}
	appendStringInfoCharMacro(s, (char) v);
}

/*
 * Read a varint written by append_varint at *off (< end), advancing *off;
 * corrupt when it runs past end or does not fit in 32 bits.
 */
static uint32
read_varint(const char *raw, uint64 *off, uint64 end)
{
	uint32		v = 0;
	int			shift;

	for (shift = 0; shift < 35; shift += 7)
	{
		uint8		b;

		if (*off >= end)
			ColCorrupt("shredded jsonb stream is truncated");
		b = (uint8) raw[(*off)++];
		if (shift == 28 && (b & 0xF0) != 0)
			break;
		v |= (uint32) (b & 0x7F) << shift;
		if ((b & 0x80) == 0)
			return v;
	}
	ColCorrupt("shredded jsonb stream has a bad length");
	return 0;					/* keep compiler quiet */
}

/* Append a compressed blob: uint64 stored_len, raw_len, uint8 comp, pad. */
static void
append_blob(StringInfo out, const char *data, Size len)
{
	uint64		hdr[2];
	uint8		tail[8] = {0, 0, 0, 0, 0, 0, 0, 0};
	Size		cap = ColCompressBound(len);
	char	   *dst = palloc(cap);
	Size		clen = len >= COL_MIN_COMPRESS_BYTES ? ColCompress(data, len, dst, cap) : 0;

	hdr[0] = clen > 0 ? clen : len;
	hdr[1] = len;
	tail[0] = clen > 0 ? COL_COMP_ZSTD : COL_COMP_NONE;
	appendBinaryStringInfo(out, (char *) hdr, sizeof(hdr));
	appendBinaryStringInfo(out, (char *) tail, sizeof(tail));
	appendBinaryStringInfo(out, clen > 0 ? dst : data, hdr[0]);
	while (out->len % 8 != 0)
		appendStringInfoCharMacro(out, '\0');
	pfree(dst);
}

/*
 * Append n aligned varlenas (as in key->strs) packed: each length as a
 * varint, then its bytes, no headers or padding.
 */
static void
append_packed(StringInfo out, const StringInfo vals, uint32 n)
{
	Size		soff = 0;
	uint32		c;

	for (c = 0; c < n; c++)
	{
		uint32		len;

		soff = TYPEALIGN(8, soff);
		len = VARSIZE(vals->data + soff) - VARHDRSZ;
		append_varint(out, len);
		appendBinaryStringInfo(out, vals->data + soff + VARHDRSZ, len);
		soff += len + VARHDRSZ;
	}
}

/*
 * Append n integers as uint64 nbytes (the widest value's bytes), then
 * nbytes byte planes: small counts, sizes and flags leave their high
 * planes empty, which zstd stores in a few bytes, and the low plane alone
 * compresses to its entropy.
 */
static void
append_int_planes(StringInfo out, const int64 *v, uint32 n)
{
	uint64		maxv = 0;
	uint64		nbytes;
	uint32		i;

	for (i = 0; i < n; i++)
		maxv |= (uint64) v[i];
	nbytes = (ColBitWidth(maxv) + 7) / 8;
	appendBinaryStringInfo(out, (char *) &nbytes, sizeof(nbytes));
	enlargeStringInfo(out, (Size) n * nbytes + 1);
	ColPackPlanes((const uint64 *) v, n, (int) nbytes, out->data + out->len);
	out->len += n * nbytes;
	out->data[out->len] = '\0';
}

/*
 * Decide whether a key is categorical (see the file header) and if so
 * number its values: key->vid[i] for each row i that has the key.
 */
static void
classify_key(ShredKey *key, int nn)
{
	Size		soff = 0;
	uint64		ioff = 0;
	int			i;

	key->cat = false;
	if (key->counts[2] != 0 || key->counts[3] != 0)
		return;
	key->vid = palloc(Max(nn, 1));
	key->nvals = 0;
	for (i = 0; i < nn; i++)
	{
		uint8		t = key->types[i];
		int64		iv = 0;
		const char *sv = NULL;
		int			v;

		if (t == COL_KV_ABSENT)
			continue;
		if (t == COL_KV_INT || t == COL_KV_BOOL)
		{
			memcpy(&iv, key->ints.data + ioff, 8);
			ioff += 8;
		}
		else if (t == COL_KV_STRING)
		{
			soff = TYPEALIGN(8, soff);
			sv = key->strs.data + soff;
			soff += VARSIZE(sv);
		}
		for (v = 0; v < key->nvals; v++)
		{
			if (key->vtype[v] != t)
				continue;
			if (sv == NULL ? key->vint[v] == iv :
				(VARSIZE(key->vstr[v]) == VARSIZE(sv) &&
				 memcmp(key->vstr[v], sv, VARSIZE(sv)) == 0))
				break;
		}
		if (v == key->nvals)
		{
			if (v == COL_JSONB_CAT_MAX)
				return;
			key->vtype[v] = t;
			key->vint[v] = iv;
			key->vstr[v] = sv;
			key->nvals++;
		}
		key->vid[i] = (uint8) v;
	}
	key->cat = true;
}

/* Shapes by key set alone: codes[nn], bitmaps (words uint64 a shape). */
static int
number_shapes(ShredKey **keys, int nkeys, int nn, uint16 *codes, uint64 *bitmaps)
{
	int			words = (nkeys + 63) / 64;
	uint64	   *row = palloc0(sizeof(uint64) * Max(words, 1));
	int			tsize = 16;
	int32	   *table;
	int			nshapes = 0;
	int			i,
				k;

	while (tsize < 2 * nn)
		tsize <<= 1;
	table = palloc(sizeof(int32) * tsize);
	memset(table, 0xFF, sizeof(int32) * tsize);
	for (i = 0; i < nn; i++)
	{
		uint32		slot;

		memset(row, 0, sizeof(uint64) * Max(words, 1));
		for (k = 0; k < nkeys; k++)
			if (keys[k]->types[i] != COL_KV_ABSENT)
				row[k / 64] |= UINT64CONST(1) << (k % 64);
		slot = hash_bytes((const unsigned char *) row, sizeof(uint64) * words) & (tsize - 1);
		for (;;)
		{
			int32		e = table[slot];

			if (e < 0)
			{
				memcpy(bitmaps + (Size) nshapes * words, row, sizeof(uint64) * words);
				table[slot] = nshapes;
				codes[i] = nshapes++;
				break;
			}
			if (memcmp(bitmaps + (Size) e * words, row, sizeof(uint64) * words) == 0)
			{
				codes[i] = e;
				break;
			}
			slot = (slot + 1) & (tsize - 1);
		}
	}
	pfree(table);
	pfree(row);
	return nshapes;
}

/*
 * Refine the shapes codes[nn] (nshapes of them, key bitmaps in bitmaps)
 * by the values of key: returns the new number of shapes, or -1 (nothing
 * changed) when that would exceed COL_JSONB_MAX_SHAPES.
 */
static int
refine_shapes(ShredKey *key, int nn, uint16 *codes, int nshapes,
			  uint64 *bitmaps, int words)
{
	int			tsize = 4 * COL_JSONB_MAX_SHAPES;
	uint32	   *tkey = palloc(sizeof(uint32) * tsize);
	int32	   *tid = palloc(sizeof(int32) * tsize);
	uint16	   *ncodes = palloc(sizeof(uint16) * Max(nn, 1));
	int32	   *from = palloc(sizeof(int32) * COL_JSONB_MAX_SHAPES);
	uint64	   *old;
	int			n = 0;
	int			i;

	memset(tid, 0xFF, sizeof(int32) * tsize);
	for (i = 0; i < nn; i++)
	{
		uint32		kv = ((uint32) codes[i] << 8) |
			(key->types[i] == COL_KV_ABSENT ? 0 : key->vid[i] + 1);
		uint32		slot = hash_bytes_uint32(kv) & (tsize - 1);

		while (tid[slot] >= 0 && tkey[slot] != kv)
			slot = (slot + 1) & (tsize - 1);
		if (tid[slot] < 0)
		{
			if (n == COL_JSONB_MAX_SHAPES)
			{
				n = -1;
				goto done;
			}
			tkey[slot] = kv;
			tid[slot] = n;
			from[n++] = codes[i];
		}
		ncodes[i] = tid[slot];
	}
	memcpy(codes, ncodes, sizeof(uint16) * nn);
	old = palloc(sizeof(uint64) * Max(words, 1) * Max(nshapes, 1));
	memcpy(old, bitmaps, sizeof(uint64) * words * nshapes);
	for (i = 0; i < n; i++)
		memcpy(bitmaps + (Size) i * words, old + (Size) from[i] * words,
			   sizeof(uint64) * words);
	pfree(old);
done:
	pfree(tkey);
	pfree(tid);
	pfree(ncodes);
	pfree(from);
	return n;
}

/*
 * Append the shape section (see the file header) of nn rows; sets
 * codes[nn] and returns the number of shapes.  Rows are told apart by key
 * set, then by the values of candidate categorical keys, fewest values
 * first, as long as the shapes stay few: keys whose values follow from
 * the shape (db.system from the key set and an earlier key...) cost
 * nothing, others only while they fit.
 */
static int
append_shapes(ShredKey **keys, int nkeys, int nn, StringInfo out, uint16 *codes)
{
	int			words = (nkeys + 63) / 64;
	uint64	   *bitmaps;
	int			nshapes;
	StringInfoData blob;
	uint32		hdr[2];
	int			nv,
				k;

	for (k = 0; k < nkeys; k++)
		classify_key(keys[k], nn);
	bitmaps = palloc(sizeof(uint64) * Max(words, 1) * Max(nn, 1));
	nshapes = number_shapes(keys, nkeys, nn, codes, bitmaps);
	for (nv = 1; nv <= COL_JSONB_CAT_MAX; nv++)
	{
		for (k = 0; k < nkeys; k++)
		{
			int			r;

			if (!keys[k]->cat || keys[k]->nvals != nv)
				continue;
			r = nshapes > COL_JSONB_MAX_SHAPES ? -1 :
				refine_shapes(keys[k], nn, codes, nshapes, bitmaps, words);
			if (r < 0)
				keys[k]->cat = false;
			else
				nshapes = r;
		}
	}
	initStringInfo(&blob);
	hdr[0] = nshapes;
	hdr[1] = words;
	appendBinaryStringInfo(&blob, (char *) hdr, sizeof(hdr));
	appendBinaryStringInfo(&blob, (char *) bitmaps, sizeof(uint64) * words * nshapes);
	Assert(nshapes <= 256);
	for (k = 0; k < nn; k++)
		appendStringInfoCharMacro(&blob, (char) (uint8) codes[k]);
	append_blob(out, blob.data, blob.len);
	pfree(blob.data);
	pfree(bitmaps);
	return nshapes;
}

/* The stream of a categorical key (see the file header). */
static void
append_categorical(ShredKey *key, int nn, const uint16 *codes, int nshapes,
				   StringInfo raw)
{
	uint8	   *vid = palloc(Max(nshapes, 1));
	uint32		h[2];
	int			i,
				v;

	memset(vid, 0xFF, Max(nshapes, 1));
	for (i = 0; i < nn; i++)
		if (key->types[i] != COL_KV_ABSENT)
			vid[codes[i]] = key->vid[i];
	h[0] = key->nvals;
	h[1] = 0;
	appendBinaryStringInfo(raw, (char *) h, sizeof(h));
	appendBinaryStringInfo(raw, (char *) vid, nshapes);
	appendBinaryStringInfo(raw, (char *) key->vtype, key->nvals);
	while (raw->len % 8 != 0)
		appendStringInfoCharMacro(raw, '\0');
	appendBinaryStringInfo(raw, (char *) key->vint, sizeof(int64) * key->nvals);
	for (v = 0; v < key->nvals; v++)
		if (key->vtype[v] == COL_KV_STRING)
			append_aligned_varlena(raw, VARDATA(key->vstr[v]),
								   VARSIZE(key->vstr[v]) - VARHDRSZ);
	pfree(vid);
}

static ShredKey *
find_key(ShredKey **keys, int *nkeys, int32 *table, int tsize,
		 const char *name, int len, int nn)
{
	uint32		h = hash_bytes((const unsigned char *) name, len);
	uint32		slot = h & (tsize - 1);

	for (;;)
	{
		int32		e = table[slot];
		ShredKey   *k;

		if (e < 0)
		{
			if (*nkeys >= COL_JSONB_MAX_KEYS)
				return NULL;
			k = palloc0(sizeof(ShredKey));
			k->name = palloc(len + 1);
			memcpy(k->name, name, len);
			k->name[len] = '\0';
			k->len = len;
			k->hash = h;
			k->types = palloc0(nn);
			initStringInfo(&k->ints);
			initStringInfo(&k->strs);
			initStringInfo(&k->nums);
			initStringInfo(&k->others);
			table[slot] = *nkeys;
			keys[(*nkeys)++] = k;
			return k;
		}
		k = keys[e];
		if (k->hash == h && k->len == len && memcmp(k->name, name, len) == 0)
			return k;
		slot = (slot + 1) & (tsize - 1);
	}
}

/*
 * Shred nn non-NULL jsonb values into out; false (out unspecified) when
 * the chunk is not suitable.
 */
bool
ColJsonbShred(Datum *values, int nn, StringInfo out)
{
	MemoryContext cxt,
				old;
	ShredKey  **keys;
	int			nkeys = 0;
	int			tsize = COL_JSONB_MAX_KEYS * 2;
	int32	   *table;
	int			i,
				k;
	Size		dirsize;
	Size		dataoff;
	ShredDirEntry *dir;
	bool		ok = true;
	uint16	   *shape_codes;
	int			nshapes;

	for (i = 0; i < nn; i++)
	{
		Jsonb	   *jb = (Jsonb *) DatumGetPointer(values[i]);

		if (VARATT_IS_SHORT(jb) || VARATT_IS_EXTENDED(jb))
			return false;		/* writer always flattens; be safe */
		if (!JB_ROOT_IS_OBJECT(jb) || JB_ROOT_IS_SCALAR(jb))
			return false;
	}

	cxt = AllocSetContextCreate(CurrentMemoryContext, "tempo jsonb shred",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	keys = palloc(sizeof(ShredKey *) * COL_JSONB_MAX_KEYS);
	table = palloc(sizeof(int32) * tsize);
	memset(table, 0xFF, sizeof(int32) * tsize);

	for (i = 0; i < nn && ok; i++)
	{
		Jsonb	   *jb = (Jsonb *) DatumGetPointer(values[i]);
		JsonbIterator *it = JsonbIteratorInit(&jb->root);
		JsonbValue	v;
		JsonbIteratorToken tok;
		ShredKey   *cur = NULL;

		if ((i & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
		while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		{
			if (tok == WJB_KEY)
			{
				cur = find_key(keys, &nkeys, table, tsize,
							   v.val.string.val, v.val.string.len, nn);
				if (cur == NULL)
				{
					ok = false;
					break;
				}
			}
			else if (tok == WJB_VALUE)
			{
				int64		iv;

				switch (v.type)
				{
					case jbvNull:
						cur->types[i] = COL_KV_NULL;
						break;
					case jbvString:
						cur->types[i] = COL_KV_STRING;
						cur->counts[1]++;
						append_aligned_varlena(&cur->strs, v.val.string.val,
											   v.val.string.len);
						break;
					case jbvNumeric:
						if (numeric_as_int64(v.val.numeric, &iv))
						{
							cur->types[i] = COL_KV_INT;
							cur->counts[0]++;
							appendBinaryStringInfo(&cur->ints, (char *) &iv, 8);
						}
						else
						{
							cur->types[i] = COL_KV_FLOAT;
							cur->counts[2]++;
							append_aligned_varlena(&cur->nums,
												   VARDATA(v.val.numeric),
												   VARSIZE(v.val.numeric) - VARHDRSZ);
						}
						break;
					case jbvBool:
						cur->types[i] = COL_KV_BOOL;
						cur->counts[0]++;
						iv = v.val.boolean ? 1 : 0;
						appendBinaryStringInfo(&cur->ints, (char *) &iv, 8);
						break;
					case jbvBinary:
						{
							Jsonb	   *sub = JsonbValueToJsonb(&v);

							cur->types[i] = COL_KV_OTHER;
							cur->counts[3]++;
							append_aligned_varlena(&cur->others, VARDATA(sub),
												   VARSIZE(sub) - VARHDRSZ);
							pfree(sub);
						}
						break;
					default:
						elog(ERROR, "unexpected jsonb value type %d", v.type);
				}
			}
		}
	}
	/*
	 * Shape codes take one byte: a chunk whose rows have more than
	 * COL_JSONB_MAX_SHAPES distinct key sets is not shredded (the caller
	 * stores the documents whole).
	 */
	if (ok && nn > COL_JSONB_MAX_SHAPES)
	{
		uint16	   *codes = palloc(sizeof(uint16) * nn);
		uint64	   *bitmaps = palloc(sizeof(uint64) * Max((nkeys + 63) / 64, 1) * nn);

		if (number_shapes(keys, nkeys, nn, codes, bitmaps) > COL_JSONB_MAX_SHAPES)
			ok = false;
		pfree(codes);
		pfree(bitmaps);
	}
	if (!ok)
	{
		MemoryContextSwitchTo(old);
		MemoryContextDelete(cxt);
		return false;
	}

	/* header + directory */
	{
		uint32		hdr[4] = {COL_JSONB_MAGIC, (uint32) nkeys, (uint32) nn,
		COL_JSONB_F_STRDICT | COL_JSONB_F_SHAPES | COL_JSONB_F_PLANES};

		appendBinaryStringInfo(out, (char *) hdr, sizeof(hdr));
	}
	dirsize = sizeof(ShredDirEntry) * nkeys;
	dir = palloc0(Max(dirsize, 1));
	{
		Size		dirpos = out->len;

		appendBinaryStringInfo(out, (char *) dir, dirsize);
		for (k = 0; k < nkeys; k++)
		{
			appendBinaryStringInfo(out, keys[k]->name, keys[k]->len);
		}
		while (out->len % 8 != 0)
			appendStringInfoCharMacro(out, '\0');
		shape_codes = palloc(sizeof(uint16) * Max(nn, 1));
		nshapes = append_shapes(keys, nkeys, nn, out, shape_codes);
		dataoff = out->len;
		for (k = 0; k < nkeys; k++)
		{
			ShredKey   *key = keys[k];
			StringInfoData raw;
			char	   *dst;
			Size		cap,
						clen;
			uint32	   *codes;
			uint32		dhdr[2] = {0, 0};
			StringInfoData dict;

			initStringInfo(&dict);
			codes = palloc(sizeof(uint32) * Max(key->counts[1], 1));
			initStringInfo(&raw);
			if (key->cat)
			{
				dhdr[1] = 2;
				appendBinaryStringInfo(&raw, (char *) key->counts, sizeof(key->counts));
				appendBinaryStringInfo(&raw, (char *) dhdr, sizeof(dhdr));
				append_categorical(key, nn, shape_codes, nshapes, &raw);
				goto compress;
			}
			dhdr[0] = build_str_dict(key, codes, &dict);
			if (dhdr[0] == 0 && build_str_template(key, &dict))
				dhdr[1] = 1;

			appendBinaryStringInfo(&raw, (char *) key->counts, sizeof(key->counts));
			appendBinaryStringInfo(&raw, (char *) dhdr, sizeof(dhdr));
			for (i = 0; i < nn; i++)
				if (key->types[i] != COL_KV_ABSENT)
					appendStringInfoCharMacro(&raw, (char) key->types[i]);
			while (raw.len % 8 != 0)
				appendStringInfoCharMacro(&raw, '\0');
			append_int_planes(&raw, (const int64 *) key->ints.data, key->counts[0]);
			if (dhdr[1] == 1)
			{
				/* templates (built into dict) */
				while (raw.len % 8 != 0)
					appendStringInfoCharMacro(&raw, '\0');
				appendBinaryStringInfo(&raw, dict.data, dict.len);
			}
			else if (dhdr[0] == 0)
			{
				/* packed: each length, then its bytes, no padding */
				append_packed(&raw, &key->strs, key->counts[1]);
			}
			else
			{
				int			w = dict_code_width(dhdr[0]);
				uint32		c;

				for (c = 0; c < key->counts[1]; c++)
				{
					uint8		c8 = (uint8) codes[c];
					uint16		c16 = (uint16) codes[c];

					if (w == 1)
						appendBinaryStringInfo(&raw, (char *) &c8, 1);
					else if (w == 2)
						appendBinaryStringInfo(&raw, (char *) &c16, 2);
					else
						appendBinaryStringInfo(&raw, (char *) &codes[c], 4);
				}
				while (raw.len % 8 != 0)
					appendStringInfoCharMacro(&raw, '\0');
				appendBinaryStringInfo(&raw, dict.data, dict.len);
			}
			while (raw.len % 8 != 0)
				appendStringInfoCharMacro(&raw, '\0');
			append_packed(&raw, &key->nums, key->counts[2]);
			while (raw.len % 8 != 0)
				appendStringInfoCharMacro(&raw, '\0');
			appendBinaryStringInfo(&raw, key->others.data, key->others.len);
compress:
			pfree(codes);
			pfree(dict.data);

			dir[k].offset = out->len;
			dir[k].raw_len = raw.len;
			dir[k].keylen = key->len;
			cap = ColCompressBound(raw.len);
			dst = palloc(cap);
			clen = raw.len >= COL_MIN_COMPRESS_BYTES ?
				ColCompress(raw.data, raw.len, dst, cap) : 0;
			if (clen > 0)
			{
				dir[k].compression = COL_COMP_ZSTD;
				dir[k].stored_len = clen;
				appendBinaryStringInfo(out, dst, clen);
			}
			else
			{
				dir[k].compression = COL_COMP_NONE;
				dir[k].stored_len = raw.len;
				appendBinaryStringInfo(out, raw.data, raw.len);
			}
			while (out->len % 8 != 0)
				appendStringInfoCharMacro(out, '\0');
			pfree(dst);
			pfree(raw.data);
		}
		memcpy(out->data + dirpos, dir, dirsize);
	}
	(void) dataoff;
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	return true;
}

/* Parsed view of a shredded area. */
typedef struct ShredView
{
	const char *base;
	uint64		len;
	int			nkeys;
	int			nn;
	uint32		flags;			/* COL_JSONB_F_* */
	const ShredDirEntry *dir;	/* copy, aligned */
	const char **names;
	/* COL_JSONB_F_SHAPES: key bitmaps and each row's shape */
	uint32		nshapes;
	uint32		words;
	const uint64 *shapes;
	const uint16 *shape;
} ShredView;

static void
shred_parse(const char *raw, uint64 rawlen, int nn, ShredView *sv)
{
	uint32		hdr[4];
	uint64		off;
	ShredDirEntry *dir;
	int			k;

	if (rawlen < sizeof(hdr))
		ColCorrupt("shredded jsonb chunk is truncated");
	memcpy(hdr, raw, sizeof(hdr));
	if (hdr[0] != COL_JSONB_MAGIC || hdr[1] > COL_JSONB_MAX_KEYS ||
		hdr[2] != (uint32) nn || (hdr[3] & ~COL_JSONB_KNOWN_FLAGS) != 0)
		ColCorrupt("shredded jsonb chunk has a bad header");
	sv->flags = hdr[3];
	sv->base = raw;
	sv->len = rawlen;
	sv->nkeys = hdr[1];
	sv->nn = nn;
	off = sizeof(hdr);
	if (off + sizeof(ShredDirEntry) * sv->nkeys > rawlen)
		ColCorrupt("shredded jsonb directory is truncated");
	dir = palloc(sizeof(ShredDirEntry) * Max(sv->nkeys, 1));
	memcpy(dir, raw + off, sizeof(ShredDirEntry) * sv->nkeys);
	off += sizeof(ShredDirEntry) * sv->nkeys;
	sv->names = palloc(sizeof(char *) * Max(sv->nkeys, 1));
	for (k = 0; k < sv->nkeys; k++)
	{
		char	   *name;

		if (dir[k].keylen > rawlen || off + dir[k].keylen > rawlen)
			ColCorrupt("shredded jsonb key is truncated");
		name = palloc(dir[k].keylen + 1);
		memcpy(name, raw + off, dir[k].keylen);
		name[dir[k].keylen] = '\0';
		sv->names[k] = name;
		off += dir[k].keylen;
		if (dir[k].offset > rawlen || dir[k].stored_len > rawlen - dir[k].offset ||
			dir[k].raw_len > MaxAllocHugeSize)
			ColCorrupt("shredded jsonb stream lies outside its chunk");
	}
	sv->dir = dir;
	sv->shape = NULL;
	if (sv->flags & COL_JSONB_F_SHAPES)
	{
		uint64		bh[3];
		char	   *blob;
		uint32		sh[2];
		int			i;

		off = TYPEALIGN(8, off);
		if (off + sizeof(bh) > rawlen)
			ColCorrupt("shredded jsonb shape section is truncated");
		memcpy(bh, raw + off, sizeof(bh));
		off += sizeof(bh);
		if (bh[0] > rawlen - off || bh[1] > MaxAllocHugeSize ||
			(bh[2] & 0xFF) > COL_COMP_ZSTD ||
			((bh[2] & 0xFF) == COL_COMP_NONE && bh[0] != bh[1]))
			ColCorrupt("shredded jsonb shape section is truncated");
		blob = MemoryContextAllocHuge(CurrentMemoryContext, Max(bh[1], 8));
		if ((bh[2] & 0xFF) == COL_COMP_ZSTD)
			ColDecompressInto(raw + off, bh[0], blob, bh[1]);
		else
			memcpy(blob, raw + off, bh[1]);
		if (bh[1] < sizeof(sh))
			ColCorrupt("shredded jsonb shape section is truncated");
		memcpy(sh, blob, sizeof(sh));
		sv->nshapes = sh[0];
		sv->words = sh[1];
		if (sv->words != (uint32) (sv->nkeys + 63) / 64 || sv->nshapes > (uint32) Max(nn, 1) ||
			bh[1] != sizeof(sh) + (uint64) sv->nshapes * sv->words * 8 +
			(uint64) nn * ((sv->flags & COL_JSONB_F_PLANES) ? 1 : 2))
			ColCorrupt("shredded jsonb shape section has a bad header");
		sv->shapes = (const uint64 *) (blob + sizeof(sh));
		if (sv->flags & COL_JSONB_F_PLANES)
		{
			/* one byte a row */
			const uint8 *b8 = (const uint8 *) blob + sizeof(sh) +
				(Size) sv->nshapes * sv->words * 8;
			uint16	   *wide = palloc(sizeof(uint16) * Max(nn, 1));

			for (i = 0; i < nn; i++)
				wide[i] = b8[i];
			sv->shape = wide;
		}
		else
			sv->shape = (const uint16 *) (blob + sizeof(sh) + (Size) sv->nshapes * sv->words * 8);
		for (i = 0; i < nn; i++)
			if (sv->shape[i] >= sv->nshapes)
				ColCorrupt("shredded jsonb row has a bad shape");
	}
}

/* Decoded stream of one key. */
typedef struct KeyStream
{
	const uint8 *types;
	const int64 *ints;
	const char **strs;
	const char **nums;
	const char **others;
} KeyStream;

/* The aligned varlena at the 8-aligned *off (< end) of a stream. */
static const char *
take_varlena(const char *raw, uint64 *off, uint64 end)
{
	uint32		len;
	const char *p;

	*off = TYPEALIGN(8, *off);
	if (*off + VARHDRSZ > end)
		ColCorrupt("shredded jsonb stream is truncated");
	len = VARSIZE(raw + *off);
	if (len < VARHDRSZ || len > end - *off)
		ColCorrupt("shredded jsonb value is truncated");
	p = raw + *off;
	*off += len;
	return p;
}

/*
 * n values packed by append_packed at *off (< end), advancing *off: copied
 * into aligned varlenas.
 */
static const char **
take_packed(const char *raw, uint64 *off, uint64 end, uint32 n)
{
	uint64		start = *off;
	char	   *buf,
			   *bp;
	const char **arr;
	uint32		i;

	for (i = 0; i < n; i++)
	{
		uint32		len;

		len = read_varint(raw, off, end);
		if (len > MaxAllocSize - VARHDRSZ || len > end - *off)
			ColCorrupt("shredded jsonb value is truncated");
		*off += len;
	}
	/* each value needs at most 7 bytes more than its stored length */
	buf = MemoryContextAllocHuge(CurrentMemoryContext,
								 Max(*off - start + (uint64) n * 7, 8));
	bp = buf;
	arr = palloc(sizeof(char *) * Max(n, 1));
	*off = start;
	for (i = 0; i < n; i++)
	{
		uint32		len;

		len = read_varint(raw, off, end);
		SET_VARSIZE(bp, len + VARHDRSZ);
		memcpy(bp + VARHDRSZ, raw + *off, len);
		arr[i] = bp;
		*off += len;
		bp += INTALIGN(len + VARHDRSZ);
	}
	return arr;
}

/* Whether the rows of shape sh have key k. */
#define SHAPE_HAS(sv, sh, k) \
	(((sv)->shapes[(Size) (sh) * (sv)->words + (k) / 64] >> ((k) % 64)) & 1)

/* Decode the stream of a categorical key (see the file header). */
static void
stream_decode_categorical(ShredView *sv, int k, const char *raw, uint64 off,
						  uint64 end, const uint32 *counts, KeyStream *ks)
{
	uint32		h[2];
	const uint8 *vid;
	const uint8 *vtype;
	int64	   *vint;
	const char *vstr[COL_JSONB_CAT_MAX];
	uint8	   *types;
	int64	   *ints;
	const char **strs;
	uint32		seen[4] = {0, 0, 0, 0};
	int			i,
				v;

	if (sv->shape == NULL || counts[2] != 0 || counts[3] != 0)
		ColCorrupt("categorical jsonb key without shapes");
	if (off + sizeof(h) > end)
		ColCorrupt("shredded jsonb stream is truncated");
	memcpy(h, raw + off, sizeof(h));
	off += sizeof(h);
	if (h[0] == 0 || h[0] > COL_JSONB_CAT_MAX || h[1] != 0 ||
		off + sv->nshapes + h[0] > end)
		ColCorrupt("categorical jsonb key has a bad header");
	vid = (const uint8 *) raw + off;
	off += sv->nshapes;
	vtype = (const uint8 *) raw + off;
	off = TYPEALIGN(8, off + h[0]);
	if (off + sizeof(int64) * h[0] > end)
		ColCorrupt("shredded jsonb stream is truncated");
	vint = palloc(sizeof(int64) * h[0]);
	memcpy(vint, raw + off, sizeof(int64) * h[0]);
	off += sizeof(int64) * h[0];
	for (v = 0; v < (int) h[0]; v++)
	{
		vstr[v] = NULL;
		if (vtype[v] == COL_KV_STRING)
			vstr[v] = take_varlena(raw, &off, end);
		else if (vtype[v] != COL_KV_INT && vtype[v] != COL_KV_BOOL &&
				 vtype[v] != COL_KV_NULL)
			ColCorrupt("shredded jsonb stream has a bad value type");
	}
	for (i = 0; i < (int) sv->nshapes; i++)
		if (SHAPE_HAS(sv, i, k) ? vid[i] >= h[0] : vid[i] != 0xFF)
			ColCorrupt("categorical jsonb key disagrees with the shapes");
	types = palloc(Max(sv->nn, 1));
	ints = palloc(sizeof(int64) * Max(counts[0], 1));
	strs = palloc(sizeof(char *) * Max(counts[1], 1));
	for (i = 0; i < sv->nn; i++)
	{
		int			sh = sv->shape[i];

		if (!SHAPE_HAS(sv, sh, k))
		{
			types[i] = COL_KV_ABSENT;
			continue;
		}
		v = vid[sh];
		types[i] = vtype[v];
		if (vtype[v] == COL_KV_STRING)
		{
			if (seen[1] >= counts[1])
				ColCorrupt("shredded jsonb stream counts do not match");
			strs[seen[1]++] = vstr[v];
		}
		else if (vtype[v] != COL_KV_NULL)
		{
			if (seen[0] >= counts[0])
				ColCorrupt("shredded jsonb stream counts do not match");
			ints[seen[0]++] = vint[v];
		}
	}
	if (memcmp(seen, counts, sizeof(seen)) != 0)
		ColCorrupt("shredded jsonb stream counts do not match");
	ks->types = types;
	ks->ints = ints;
	ks->strs = strs;
	ks->nums = palloc(sizeof(char *));
	ks->others = palloc(sizeof(char *));
	pfree(vint);
}

static void
stream_decode(ShredView *sv, int k, KeyStream *ks)
{
	const ShredDirEntry *d = &sv->dir[k];
	char	   *raw;
	uint32		counts[4];
	uint32		dhdr[2] = {0, 0};
	uint64		hdrlen = sizeof(counts);
	uint64		off,
				end = d->raw_len;
	uint64		ntypes;
	int			i,
				t;
	const char ***arrays[3];

	if (d->compression == COL_COMP_ZSTD)
	{
		raw = MemoryContextAllocHuge(CurrentMemoryContext, Max(d->raw_len, 8));
		ColDecompressInto(sv->base + d->offset, d->stored_len, raw, d->raw_len);
	}
	else
	{
		if (d->stored_len != d->raw_len)
			ColCorrupt("shredded jsonb stream has inconsistent lengths");
		/* copy for alignment */
		raw = MemoryContextAllocHuge(CurrentMemoryContext, Max(d->raw_len, 8));
		memcpy(raw, sv->base + d->offset, d->raw_len);
	}
	if (sv->flags & COL_JSONB_F_STRDICT)
		hdrlen += sizeof(dhdr);
	ntypes = sv->nn;
	if (sv->shape != NULL)
	{
		ntypes = 0;
		for (i = 0; i < sv->nn; i++)
			ntypes += (sv->shapes[(Size) sv->shape[i] * sv->words + k / 64] >> (k % 64)) & 1;
	}
	if (end < hdrlen)
		ColCorrupt("shredded jsonb stream is truncated");
	memcpy(counts, raw, sizeof(counts));
	if (sv->flags & COL_JSONB_F_STRDICT)
		memcpy(dhdr, raw + sizeof(counts), sizeof(dhdr));
	if (dhdr[1] == 2)
	{
		stream_decode_categorical(sv, k, raw, hdrlen, end, counts, ks);
		return;
	}
	if (end < hdrlen + ntypes)
		ColCorrupt("shredded jsonb stream is truncated");
	ks->types = (const uint8 *) raw + hdrlen;
	if (sv->shape != NULL)
	{
		/* spread the present rows' types over all rows */
		uint8	   *full = palloc(Max(sv->nn, 1));
		int			j = 0;

		for (i = 0; i < sv->nn; i++)
		{
			if ((sv->shapes[(Size) sv->shape[i] * sv->words + k / 64] >> (k % 64)) & 1)
			{
				full[i] = ks->types[j++];
				if (full[i] == COL_KV_ABSENT)
					ColCorrupt("shredded jsonb stream has a bad value type");
			}
			else
				full[i] = COL_KV_ABSENT;
		}
		ks->types = full;
	}
	off = TYPEALIGN(8, hdrlen + ntypes);
	if (sv->flags & COL_JSONB_F_PLANES)
	{
		/* uint64 nbytes, then byte planes (append_int_planes) */
		uint64		nbytes;
		int64	   *ints;

		if (off > end || sizeof(nbytes) > end - off)
			ColCorrupt("shredded jsonb stream is truncated");
		memcpy(&nbytes, raw + off, sizeof(nbytes));
		off += sizeof(nbytes);
		if (nbytes > 8 || counts[0] > (uint32) sv->nn ||
			(uint64) counts[0] * nbytes > end - off)
			ColCorrupt("shredded jsonb integers are truncated");
		ints = palloc(sizeof(int64) * Max(counts[0], 1));
		ColUnpackPlanes(raw + off, counts[0], (int) nbytes, (uint64 *) ints);
		ks->ints = ints;
		off += (uint64) counts[0] * nbytes;
	}
	else
	{
		if (off > end || (uint64) counts[0] * 8 > end - off)
			ColCorrupt("shredded jsonb stream is truncated");
		ks->ints = (const int64 *) (raw + off);
		off += (uint64) counts[0] * 8;
	}
	arrays[0] = &ks->strs;
	arrays[1] = &ks->nums;
	arrays[2] = &ks->others;
	for (t = 0; t < 3; t++)
		if (counts[t + 1] > (uint32) sv->nn)
			ColCorrupt("shredded jsonb stream has impossible counts");
	t = 0;
	if (dhdr[0] != 0)
	{
		/* dictionary coded strings: codes, then the distinct varlenas */
		uint32		ndict = dhdr[0];
		int			w = dict_code_width(ndict);
		const char *codes = raw + off;
		const char **dict;
		const char **arr;

		if (dhdr[1] != 0 || ndict > counts[1])
			ColCorrupt("shredded jsonb string dictionary has a bad header");
		if ((uint64) counts[1] * w > end - off)
			ColCorrupt("shredded jsonb stream is truncated");
		off += (uint64) counts[1] * w;
		dict = palloc(sizeof(char *) * ndict);
		for (i = 0; i < (int) ndict; i++)
			dict[i] = take_varlena(raw, &off, end);
		arr = palloc(sizeof(char *) * Max(counts[1], 1));
		for (i = 0; i < (int) counts[1]; i++)
		{
			uint32		c;

			if (w == 1)
				c = ((const uint8 *) codes)[i];
			else if (w == 2)
			{
				uint16		c16;

				memcpy(&c16, codes + (Size) i * 2, 2);
				c = c16;
			}
			else
				memcpy(&c, codes + (Size) i * 4, 4);
			if (c >= ndict)
				ColCorrupt("shredded jsonb string code is out of range");
			arr[i] = dict[c];
		}
		pfree(dict);
		ks->strs = arr;
		t = 1;
	}
	else if (dhdr[1] == 1)
	{
		/* templates and numbers (see build_str_template) */
		uint32		th[4];
		int			w;
		const char *codes;
		const char *numbytes;
		const char **tmpl;
		uint32	   *marks;
		const char **arr;
		uint64		total = 0;
		uint32		ni = 0;
		char	   *buf,
				   *bp;

		off = TYPEALIGN(8, off);
		if (off + sizeof(th) > end)
			ColCorrupt("shredded jsonb stream is truncated");
		memcpy(th, raw + off, sizeof(th));
		off += sizeof(th);
		if (th[0] == 0 || th[0] > counts[1] || th[2] > 8 || th[3] != 0 ||
			th[1] > (uint32) (MaxAllocSize / 20))
			ColCorrupt("shredded jsonb string templates have a bad header");
		w = dict_code_width(th[0]);
		if ((uint64) counts[1] * w > end - off)
			ColCorrupt("shredded jsonb stream is truncated");
		codes = raw + off;
		off = TYPEALIGN(8, off + (uint64) counts[1] * w);
		if ((uint64) th[1] * th[2] > end - off)
			ColCorrupt("shredded jsonb stream is truncated");
		numbytes = raw + off;
		off = TYPEALIGN(8, off + (uint64) th[1] * th[2]);
		tmpl = palloc(sizeof(char *) * th[0]);
		marks = palloc0(sizeof(uint32) * th[0]);
		for (i = 0; i < (int) th[0]; i++)
		{
			uint32		j;

			tmpl[i] = take_varlena(raw, &off, end);
			for (j = VARHDRSZ; j < VARSIZE(tmpl[i]); j++)
				marks[i] += tmpl[i][j] == COL_JSONB_NUM_MARK;
		}
		/* sizes: each mark becomes at most 20 digits */
		for (i = 0; i < (int) counts[1]; i++)
		{
			uint32		c = 0;

			memcpy(&c, codes + (Size) i * w, w);
			if (c >= th[0])
				ColCorrupt("shredded jsonb string code is out of range");
			total += INTALIGN(VARSIZE(tmpl[c]) + 19 * (uint64) marks[c]);
		}
		if (total > MaxAllocHugeSize)
			ColCorrupt("shredded jsonb strings are too long");
		buf = MemoryContextAllocHuge(CurrentMemoryContext, Max(total, 8));
		bp = buf;
		arr = palloc(sizeof(char *) * Max(counts[1], 1));
		for (i = 0; i < (int) counts[1]; i++)
		{
			uint32		c = 0;
			const char *tp;
			uint32		tl,
						j;
			char	   *dp = bp + VARHDRSZ;

			memcpy(&c, codes + (Size) i * w, w);
			tp = VARDATA(tmpl[c]);
			tl = VARSIZE(tmpl[c]) - VARHDRSZ;
			for (j = 0; j < tl; j++)
			{
				if (tp[j] == COL_JSONB_NUM_MARK)
				{
					uint64		v = 0;
					char		digits[24];
					int			nd = 0;

					if (ni >= th[1])
						ColCorrupt("shredded jsonb string templates lack numbers");
					memcpy(&v, numbytes + (Size) ni * th[2], th[2]);
					ni++;
					do
					{
						digits[nd++] = (char) ('0' + v % 10);
						v /= 10;
					} while (v > 0);
					while (nd > 0)
						*dp++ = digits[--nd];
				}
				else
					*dp++ = tp[j];
			}
			SET_VARSIZE(bp, dp - bp);
			arr[i] = bp;
			bp += INTALIGN(dp - bp);
		}
		if (ni != th[1])
			ColCorrupt("shredded jsonb string templates have numbers left over");
		pfree(tmpl);
		pfree(marks);
		ks->strs = arr;
		t = 1;
	}
	else if (dhdr[1] != 0)
		ColCorrupt("shredded jsonb string dictionary has a bad header");
	else if (sv->flags & COL_JSONB_F_STRDICT)
	{
		ks->strs = take_packed(raw, &off, end, counts[1]);
		t = 1;
	}
	for (; t < 3; t++)
	{
		const char **arr;

		off = TYPEALIGN(8, off);
		if (t == 1 && (sv->flags & COL_JSONB_F_PLANES))
			arr = take_packed(raw, &off, end, counts[2]);
		else
		{
			arr = palloc(sizeof(char *) * Max(counts[t + 1], 1));
			for (i = 0; i < (int) counts[t + 1]; i++)
				arr[i] = take_varlena(raw, &off, end);
		}
		*arrays[t] = arr;
	}
	/* the type counts must agree with the per-row types */
	{
		uint32		seen[4] = {0, 0, 0, 0};

		for (i = 0; i < sv->nn; i++)
		{
			switch (ks->types[i])
			{
				case COL_KV_ABSENT:
				case COL_KV_NULL:
					break;
				case COL_KV_INT:
				case COL_KV_BOOL:
					seen[0]++;
					break;
				case COL_KV_STRING:
					seen[1]++;
					break;
				case COL_KV_FLOAT:
					seen[2]++;
					break;
				case COL_KV_OTHER:
					seen[3]++;
					break;
				default:
					ColCorrupt("shredded jsonb stream has a bad value type");
			}
		}
		if (memcmp(seen, counts, sizeof(seen)) != 0)
			ColCorrupt("shredded jsonb stream counts do not match");
	}
}

/*
 * Rebuild the nn full jsonb values of a shredded area.  With sel (nn flags,
 * may be NULL) only the selected values are built; the others are set to 0
 * and only step the stream cursors.
 */
void
ColJsonbRebuild(const char *raw, uint64 rawlen, int nn, const bool *sel,
				Datum *values)
{
	ShredView	sv;
	KeyStream  *ks;
	int		   *pos;			/* per key: [int, str, num, other] cursors */
	int		   *order;			/* keys in jsonb order */
	ColJsonbPair *pairs;
	ColArena	arena;
	int			i,
				k,
				o,
				np;

	shred_parse(raw, rawlen, nn, &sv);
	ks = palloc(sizeof(KeyStream) * Max(sv.nkeys, 1));
	pos = palloc0(sizeof(int) * 4 * Max(sv.nkeys, 1));
	for (k = 0; k < sv.nkeys; k++)
		stream_decode(&sv, k, &ks[k]);
	order = palloc(sizeof(int) * Max(sv.nkeys, 1));
	for (k = 0; k < sv.nkeys; k++)
	{
		/* insertion sort: chunks have a few dozen keys */
		for (o = k; o > 0; o--)
		{
			int			prev = order[o - 1];
			int			c = ColJsonbKeyCmp(sv.names[prev], sv.dir[prev].keylen,
										   sv.names[k], sv.dir[k].keylen);

			if (c == 0)
				ColCorrupt("shredded jsonb chunk repeats a key");
			if (c < 0)
				break;
			order[o] = prev;
		}
		order[o] = k;
	}
	pairs = palloc(sizeof(ColJsonbPair) * Max(sv.nkeys, 1));
	ColArenaInit(&arena, CurrentMemoryContext);
	for (i = 0; i < nn; i++)
	{
		if ((i & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
		if (sel != NULL && !sel[i])
		{
			for (k = 0; k < sv.nkeys; k++)
			{
				switch (ks[k].types[i])
				{
					case COL_KV_INT:
					case COL_KV_BOOL:
						pos[k * 4]++;
						break;
					case COL_KV_STRING:
						pos[k * 4 + 1]++;
						break;
					case COL_KV_FLOAT:
						pos[k * 4 + 2]++;
						break;
					case COL_KV_OTHER:
						pos[k * 4 + 3]++;
						break;
					default:
						break;
				}
			}
			values[i] = (Datum) 0;
			continue;
		}
		/* the row's pairs in jsonb key order, written straight (see col_jsonb_build.c) */
		np = 0;
		for (o = 0; o < sv.nkeys; o++)
		{
			ColJsonbPair *p = &pairs[np];

			k = order[o];
			p->type = ks[k].types[i];
			switch (p->type)
			{
				case COL_KV_ABSENT:
					continue;
				case COL_KV_NULL:
					break;
				case COL_KV_STRING:
					p->ptr = ks[k].strs[pos[k * 4 + 1]++];
					break;
				case COL_KV_INT:
				case COL_KV_BOOL:
					p->ival = ks[k].ints[pos[k * 4]++];
					break;
				case COL_KV_FLOAT:
					p->ptr = ks[k].nums[pos[k * 4 + 2]++];
					break;
				default:
					p->type = COL_KV_OTHER;
					p->ptr = ks[k].others[pos[k * 4 + 3]++];
					break;
			}
			p->key = sv.names[k];
			p->keylen = sv.dir[k].keylen;
			np++;
		}
		values[i] = PointerGetDatum(ColJsonbBuildObject(&arena, pairs, np));
	}
}

static void
kv_alloc(ColKeyVector *kv, int nrows)
{
	kv->types = palloc0(Max(nrows, 1));
	kv->ints = palloc0(sizeof(int64) * Max(nrows, 1));
	kv->floats = palloc0(sizeof(double) * Max(nrows, 1));
	kv->strings = palloc0(sizeof(text *) * Max(nrows, 1));
	kv->others = palloc0(sizeof(struct Jsonb *) * Max(nrows, 1));
}

static double
numeric_to_double(Numeric n)
{
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
											  NumericGetDatum(n)));
}

/*
 * Check a shredded chunk's descriptor and parse its directory into sv.
 * Returns the length of the chunk's null bitmap (0 when it has none).
 */
static uint64
shred_open(const ColChunkDesc *cd, const char *stored, int nrows, ShredView *sv)
{
	uint64		bitmap = 0;
	uint64		off;

	if (cd->compression != COL_COMP_NONE || cd->stored_len != cd->raw_len ||
		cd->nnulls > (uint32) nrows)
		ColCorrupt("shredded jsonb chunk has a bad descriptor");
	if (cd->flags & COL_CHUNK_HAS_NULLS)
	{
		bitmap = (nrows + 7) / 8;
		if (bitmap > cd->raw_len)
			ColCorrupt("chunk is shorter than its null bitmap");
	}
	off = TYPEALIGN(8, bitmap);
	if (off > cd->raw_len)
		ColCorrupt("shredded jsonb chunk is truncated");
	shred_parse(stored + off, cd->raw_len - off, nrows - cd->nnulls, sv);
	return bitmap;
}

/* Extract one key from a shredded chunk (CRC verified by the caller). */
void
ColJsonbReadKey(const ColChunkDesc *cd, const char *stored, int nrows,
				const char *key, ColKeyVector *kv)
{
	const bool *isnull = NULL;
	bool	   *nulls;
	uint64		off;
	ShredView	sv;
	KeyStream	ks;
	int			klen = strlen(key);
	int			k,
				i,
				j;
	int			pos[4] = {0, 0, 0, 0};

	kv_alloc(kv, nrows);
	nulls = palloc0(sizeof(bool) * Max(nrows, 1));
	off = shred_open(cd, stored, nrows, &sv);
	if (off > 0)
		for (i = 0; i < nrows; i++)
			nulls[i] = (stored[i >> 3] >> (i & 7)) & 1;
	isnull = nulls;
	for (k = 0; k < sv.nkeys; k++)
		if ((int) sv.dir[k].keylen == klen && memcmp(sv.names[k], key, klen) == 0)
			break;
	if (k == sv.nkeys)
		return;					/* no row has the key: all ABSENT */
	stream_decode(&sv, k, &ks);
	j = 0;
	for (i = 0; i < nrows; i++)
	{
		uint8		t;

		if (isnull[i])
			continue;
		t = ks.types[j++];
		kv->types[i] = t;
		switch (t)
		{
			case COL_KV_INT:
			case COL_KV_BOOL:
				kv->ints[i] = ks.ints[pos[0]++];
				break;
			case COL_KV_STRING:
				kv->strings[i] = (text *) ks.strs[pos[1]++];
				break;
			case COL_KV_FLOAT:
				kv->floats[i] = numeric_to_double((Numeric) ks.nums[pos[2]++]);
				break;
			case COL_KV_OTHER:
				kv->others[i] = (struct Jsonb *) ks.others[pos[3]++];
				break;
			default:
				break;
		}
	}
}

/* Extract one key from decoded jsonb values. */
void
ColJsonbKeyFromValues(ColVector *vec, int nrows, const char *key, ColKeyVector *kv)
{
	int			klen = strlen(key);
	int			i;

	kv_alloc(kv, nrows);
	for (i = 0; i < nrows; i++)
	{
		Jsonb	   *jb;
		JsonbValue	v;
		int64		iv;

		if (vec->isnull[i])
			continue;
		jb = DatumGetJsonbP(vec->values[i]);
		if (!JB_ROOT_IS_OBJECT(jb) || JB_ROOT_IS_SCALAR(jb))
			continue;
		if (getKeyJsonValueFromContainer(&jb->root, key, klen, &v) == NULL)
			continue;
		switch (v.type)
		{
			case jbvNull:
				kv->types[i] = COL_KV_NULL;
				break;
			case jbvString:
				kv->types[i] = COL_KV_STRING;
				kv->strings[i] = cstring_to_text_with_len(v.val.string.val,
														  v.val.string.len);
				break;
			case jbvNumeric:
				if (numeric_as_int64(v.val.numeric, &iv))
				{
					kv->types[i] = COL_KV_INT;
					kv->ints[i] = iv;
				}
				else
				{
					kv->types[i] = COL_KV_FLOAT;
					kv->floats[i] = numeric_to_double(v.val.numeric);
				}
				break;
			case jbvBool:
				kv->types[i] = COL_KV_BOOL;
				kv->ints[i] = v.val.boolean ? 1 : 0;
				break;
			default:
				kv->types[i] = COL_KV_OTHER;
				kv->others[i] = (struct Jsonb *) JsonbValueToJsonb(&v);
				break;
		}
	}
}

/*
 * Names of the top-level keys of a shredded chunk (CRC verified by the
 * caller): its key directory, without decoding any value.
 */
char	  **
ColJsonbKeyNames(const ColChunkDesc *cd, const char *stored, int nrows,
				 int *nkeys)
{
	ShredView	sv;

	shred_open(cd, stored, nrows, &sv);
	*nkeys = sv.nkeys;
	return (char **) sv.names;
}

/* Names of the top-level keys that occur in some object of vec's rows. */
char	  **
ColJsonbKeyNamesFromValues(ColVector *vec, int nrows, int *nkeys)
{
	HASHCTL		ctl;
	HTAB	   *seen;
	char	  **names = NULL;
	int			n = 0,
				cap = 0;
	int			i;

	ctl.keysize = NAMEDATALEN;
	ctl.entrysize = NAMEDATALEN;	/* the entry is the key */
	ctl.hcxt = CurrentMemoryContext;
	seen = hash_create("jsonb key names", 64, &ctl,
					   HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	for (i = 0; i < nrows; i++)
	{
		Jsonb	   *jb;
		JsonbIterator *it;
		JsonbValue	v;
		JsonbIteratorToken tok;

		if (vec->isnull[i])
			continue;
		jb = DatumGetJsonbP(vec->values[i]);
		if (!JB_ROOT_IS_OBJECT(jb) || JB_ROOT_IS_SCALAR(jb))
			continue;
		it = JsonbIteratorInit(&jb->root);
		while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		{
			char	   *name;
			bool		found;

			if (tok != WJB_KEY)
				continue;
			name = pnstrdup(v.val.string.val, v.val.string.len);
			if (v.val.string.len < NAMEDATALEN)
			{
				/* short names are deduplicated through the hash table */
				hash_search(seen, name, HASH_ENTER, &found);
				if (found)
					continue;
			}
			else
			{
				int			k;

				for (k = 0; k < n && strcmp(names[k], name) != 0; k++)
					;
				if (k < n)
					continue;
			}
			if (n == cap)
			{
				cap = Max(16, cap * 2);
				names = names ? repalloc(names, sizeof(char *) * cap) :
					palloc(sizeof(char *) * cap);
			}
			names[n++] = name;
		}
	}
	hash_destroy(seen);
	*nkeys = n;
	return names;
}
