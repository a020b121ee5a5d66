/*-------------------------------------------------------------------------
 *
 * col_encode.c
 *	  Column chunk encodings, compression, checksums and bloom filters of
 *	  the tempo_columnar storage.
 *
 * A chunk is the values of one column in one chunk group.  Its raw form is
 * an optional null bitmap (only when some value is NULL) followed by the
 * non-NULL values in one of these encodings, chosen per chunk:
 *
 *	- integers (every pass-by-value type of width 1, 2, 4 or 8: int2/4/8,
 *	  date, timestamp(tz), tempo.span_id, bool, float...): the smallest of
 *	  frame-of-reference bit packing (value - min), delta bit packing
 *	  (first value, then delta - min delta, which suits sorted and
 *	  time-like data; subtracting the minimum makes zigzag coding of
 *	  negative deltas unnecessary) and raw fixed width; values wider than
 *	  a byte are not bit-packed but split into byte planes (all lowest
 *	  bytes, then all second bytes...): zstd then squeezes the mostly
 *	  small high bytes of log-normal durations and time offsets, which
 *	  bit packing sized by the largest value wastes;
 *	- other fixed-length types (tempo.trace_id, uuid, interval...): raw,
 *	  one aligned slot per value, or runs (bit-packed run lengths, then one
 *	  slot per run) when values repeat in runs, as the trace ids of the
 *	  spans of one trace do;
 *	- varlena types: a chunk dictionary with bit-packed codes when the
 *	  values repeat enough to make it smaller, else plain values; values
 *	  are stored as aligned 4-byte-header varlenas so that decoding hands
 *	  out pointers into the decompressed buffer without copying;
 *	- jsonb chunks whose values are all objects: shredded (col_jsonb.c).
 *
 * The raw form is then compressed with zstd (level 3, one context per
 * backend) and kept raw when compression does not make it smaller.  Every
 * stored chunk carries a CRC32C and every length is checked before it is
 * used, so corrupt data raises ERRCODE_DATA_CORRUPTED instead of crashing.
 * Multi-byte integers are stored in host (little-endian) order.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/col_encode.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#define ZSTD_STATIC_LINKING_ONLY
#include <math.h>
#include <zstd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "access/tupmacs.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "utils/timestamp.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "port/pg_crc32c.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/typcache.h"

#include "col_internal.h"
#include "tempo_ids.h"

#define COL_ZSTD_LEVEL 3

static MemoryContext zstd_cxt = NULL;
static ZSTD_CCtx *zstd_cctx = NULL;
static ZSTD_DCtx *zstd_dctx = NULL;

/* Growable, huge-capable byte buffer. */
typedef struct ColBuf
{
	char	   *data;
	Size		len;
	Size		cap;
} ColBuf;

static void
colbuf_init(ColBuf *b, Size cap)
{
	b->cap = Max(cap, 64);
	b->data = MemoryContextAllocHuge(CurrentMemoryContext, b->cap);
	b->len = 0;
}

static void
colbuf_reserve(ColBuf *b, Size more)
{
	if (b->len + more > b->cap)
	{
		Size		ncap = b->cap * 2;

		while (ncap < b->len + more)
			ncap *= 2;
		b->data = repalloc_huge(b->data, ncap);
		b->cap = ncap;
	}
}

static void
colbuf_append(ColBuf *b, const void *p, Size n)
{
	colbuf_reserve(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

/*
 * Make b's bytes the chunk's stored data: zstd when that is smaller, and
 * the checksum.  b->data belongs to out afterwards.
 */
static void
compress_chunk(ColBuf *b, ColEncodedChunk *out)
{
	out->raw_len = b->len;
	out->data = b->data;
	out->stored_len = b->len;
	out->compression = COL_COMP_NONE;
	if (b->len >= COL_MIN_COMPRESS_BYTES)
	{
		Size		cap = ColCompressBound(b->len);
		char	   *dst = MemoryContextAllocHuge(CurrentMemoryContext, cap);
		Size		clen = ColCompress(b->data, b->len, dst, cap);

		if (clen > 0)
		{
			pfree(b->data);
			out->data = dst;
			out->stored_len = clen;
			out->compression = COL_COMP_ZSTD;
		}
		else
			pfree(dst);
	}
	out->crc = ColCrc(out->data, out->stored_len);
}

/* Zero-pad to a multiple of align (a power of two). */
static void
colbuf_pad(ColBuf *b, Size align)
{
	Size		nl = TYPEALIGN(align, b->len);

	colbuf_reserve(b, nl - b->len);
	memset(b->data + b->len, 0, nl - b->len);
	b->len = nl;
}

/*
 * Start a chunk's bytes with its null bitmap (bit i: row i is NULL) when
 * there are NULLs (nn < n); the buffer must be empty.
 */
static void
colbuf_nulls(ColBuf *b, const bool *isnull, int n, int nn, ColEncodedChunk *out)
{
	Size		nb = (n + 7) / 8;
	int			i;

	if (nn == n)
		return;
	out->flags |= COL_CHUNK_HAS_NULLS;
	colbuf_reserve(b, nb);
	memset(b->data, 0, nb);
	for (i = 0; i < n; i++)
		if (isnull[i])
			b->data[i >> 3] |= (char) (1 << (i & 7));
	b->len = nb;
}

void
ColCorrupt(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("tempo_columnar data is corrupt: %s", what)));
}

uint32
ColCrc(const char *data, uint64 len)
{
	pg_crc32c	crc;

	INIT_CRC32C(crc);
	while (len > 0)
	{
		uint32		take = (uint32) Min(len, (uint64) 0x40000000);

		COMP_CRC32C(crc, data, take);
		data += take;
		len -= take;
	}
	FIN_CRC32C(crc);
	return crc;
}

/* ---------------- zstd with palloc'd memory ---------------- */

static void *
zstd_alloc(void *opaque, size_t size)
{
	return MemoryContextAllocExtended(zstd_cxt, size,
									  MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
}

static void
zstd_free(void *opaque, void *address)
{
	if (address)
		pfree(address);
}

static void
zstd_setup(void)
{
	ZSTD_customMem mem = {zstd_alloc, zstd_free, NULL};

	if (zstd_cxt == NULL)
		zstd_cxt = AllocSetContextCreate(TopMemoryContext, "tempo zstd",
										 ALLOCSET_DEFAULT_SIZES);
	if (zstd_cctx == NULL)
		zstd_cctx = ZSTD_createCCtx_advanced(mem);
	if (zstd_dctx == NULL)
		zstd_dctx = ZSTD_createDCtx_advanced(mem);
	if (zstd_cctx == NULL || zstd_dctx == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("Could not create a zstd context.")));
}

Size
ColCompressBound(Size len)
{
	return ZSTD_compressBound(len);
}

/* Compress; returns the compressed size, or 0 when it is not smaller. */
Size
ColCompress(const char *src, Size len, char *dst, Size cap)
{
	size_t		r;

	zstd_setup();
	r = ZSTD_compressCCtx(zstd_cctx, dst, cap, src, len, COL_ZSTD_LEVEL);
	if (ZSTD_isError(r) || r >= len)
		return 0;
	return r;
}

void
ColDecompressInto(const char *src, Size len, char *dst, Size rawlen)
{
	size_t		r;

	zstd_setup();
	r = ZSTD_decompressDCtx(zstd_dctx, dst, rawlen, src, len);
	if (ZSTD_isError(r) || r != rawlen)
		ColCorrupt("a compressed chunk does not decompress to its recorded size");
}

/* ---------------- bit packing ---------------- */

int
ColBitWidth(uint64 v)
{
	int			w = 0;

	while (v)
	{
		w++;
		v >>= 1;
	}
	return w;
}

Size
ColPackedBytes(int n, int width)
{
	return (Size) (((uint64) n * width + 63) / 64) * 8;
}

/* dst must be 8-byte aligned with ColPackedBytes(n, width) bytes. */
void
ColPackBits(const uint64 *v, int n, int width, char *dst)
{
	uint64	   *w = (uint64 *) dst;
	uint64		bit = 0;
	int			i;

	if (width == 0)
		return;
	memset(dst, 0, ColPackedBytes(n, width));
	for (i = 0; i < n; i++, bit += width)
	{
		uint64		idx = bit >> 6;
		int			sh = bit & 63;

		w[idx] |= v[i] << sh;
		if (sh + width > 64)
			w[idx + 1] |= v[i] >> (64 - sh);
	}
}

/*
 * The inverse of ColPackBits.  Hot in every scan (dictionary codes, frame of
 * reference and delta integers), so while a whole 8-byte window around a
 * value lies inside the packed bytes it is read with one unaligned load
 * and one shift (widths up to 57 bits fit such a window); only the last
 * few values, and wider widths, take the word-pair path.
 */
void
ColUnpackBits(const char *src, int n, int width, uint64 *dst)
{
	const uint64 *w = (const uint64 *) src;
	uint64		mask = width == 64 ? ~UINT64CONST(0) : ((UINT64CONST(1) << width) - 1);
	uint64		bit = 0;
	int			i = 0;

	if (width == 0)
	{
		memset(dst, 0, sizeof(uint64) * n);
		return;
	}
	if (width <= 57)
	{
		Size		len = ColPackedBytes(n, width);

		for (; i < n && (bit >> 3) + 8 <= len; i++, bit += width)
		{
			uint64		v;

			memcpy(&v, src + (bit >> 3), sizeof(v));
			dst[i] = (v >> (bit & 7)) & mask;
		}
	}
	for (; i < n; i++, bit += width)
	{
		uint64		idx = bit >> 6;
		int			sh = bit & 63;
		uint64		v = w[idx] >> sh;

		if (sh + width > 64)
			v |= w[idx + 1] << (64 - sh);
		dst[i] = v & mask;
	}
}

/* Byte planes of n values of nbytes bytes each: plane p holds byte p of each. */
static void
pack_planes(const uint64 *v, int n, int nbytes, char *dst)
{
	int			p,
				i;

	for (p = 0; p < nbytes; p++)
		for (i = 0; i < n; i++)
			dst[(Size) p * n + i] = (char) (v[i] >> (8 * p));
}

/* pack_planes and unpack_planes for other encoders (col_jsonb.c) */
void
ColPackPlanes(const uint64 *v, int n, int nbytes, char *dst)
{
	pack_planes(v, n, nbytes, dst);
}

static void unpack_planes(const char *src, int n, int nbytes, uint64 *dst);

void
ColUnpackPlanes(const char *src, int n, int nbytes, uint64 *dst)
{
	unpack_planes(src, n, nbytes, dst);
}

/*
 * Rebuilding integers from byte planes is a byte transpose: interleaving
 * plane 0 with plane 1 gives the low 16 bits of each value, interleaving
 * those pairs gives 32 bits, and so on.  With SSE2 (every x86-64) sixteen
 * rows take 8 loads, 24 unpacks and 8 stores, missing high planes being
 * zero vectors; other platforms, and the last n % 16 rows, go plane by
 * plane.
 */
static void
unpack_planes(const char *src, int n, int nbytes, uint64 *dst)
{
	const uint8 *s = (const uint8 *) src;
	int			p,
				r,
				i = 0;

	if (nbytes == 0)
	{
		memset(dst, 0, sizeof(uint64) * n);
		return;
	}
#ifdef __SSE2__
	for (; i + 16 <= n; i += 16)
	{
		__m128i		b[8];
		__m128i		w[8];
		__m128i		d[8];

		for (p = 0; p < 8; p++)
			b[p] = p < nbytes ?
				_mm_loadu_si128((const __m128i *) (s + (Size) p * n + i)) :
				_mm_setzero_si128();
		/* 16-bit pieces: w[2k] rows 0-7, w[2k + 1] rows 8-15 of planes 2k, 2k+1 */
		for (p = 0; p < 4; p++)
		{
			w[2 * p] = _mm_unpacklo_epi8(b[2 * p], b[2 * p + 1]);
			w[2 * p + 1] = _mm_unpackhi_epi8(b[2 * p], b[2 * p + 1]);
		}
		/* 32-bit pieces: d[0..3] low halves of rows 0-3, 4-7, 8-11, 12-15 */
		for (p = 0; p < 2; p++)
		{
			d[4 * p] = _mm_unpacklo_epi16(w[4 * p], w[4 * p + 2]);
			d[4 * p + 1] = _mm_unpackhi_epi16(w[4 * p], w[4 * p + 2]);
			d[4 * p + 2] = _mm_unpacklo_epi16(w[4 * p + 1], w[4 * p + 3]);
			d[4 * p + 3] = _mm_unpackhi_epi16(w[4 * p + 1], w[4 * p + 3]);
		}
		/* 64-bit values, two rows per store */
		for (p = 0; p < 4; p++)
		{
			_mm_storeu_si128((__m128i *) (dst + i + 4 * p),
							 _mm_unpacklo_epi32(d[p], d[p + 4]));
			_mm_storeu_si128((__m128i *) (dst + i + 4 * p + 2),
							 _mm_unpackhi_epi32(d[p], d[p + 4]));
		}
	}
#endif
	for (r = i; r < n; r++)
		dst[r] = s[r];
	for (p = 1; p < nbytes; p++)
	{
		const uint8 *plane = s + (Size) p * n;
		int			sh = 8 * p;

		for (r = i; r < n; r++)
			dst[r] |= (uint64) plane[r] << sh;
	}
}

static inline uint64
plane_value(const char *src, int n, int nbytes, int idx)
{
	uint64		v = 0;
	int			p;

	for (p = 0; p < nbytes; p++)
		v |= (uint64) (uint8) src[(Size) p * n + idx] << (8 * p);
	return v;
}

/* ---------------- hashing and bloom filters ---------------- */

uint64
ColHashTraceId(const void *p)
{
	return hash_bytes_extended((const unsigned char *) p, TRACE_ID_LEN, 0x5EED);
}

uint64
ColHashText64(Datum value)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(value);

	return hash_bytes_extended((const unsigned char *) VARDATA_ANY(v),
							   VARSIZE_ANY_EXHDR(v), 0x5EED);
}

uint32
ColHashText(Datum value)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(value);

	return hash_bytes((const unsigned char *) VARDATA_ANY(v),
					  VARSIZE_ANY_EXHDR(v));
}

static void
bloom_add(uint8 *bloom, uint32 nbytes, uint64 h)
{
	uint64		nbits = (uint64) nbytes * 8;
	uint64		h1 = h;
	uint64		h2 = (h >> 32) | 1;
	int			i;

	for (i = 0; i < COL_BLOOM_PROBES; i++)
	{
		uint64		b = (h1 + i * h2) % nbits;

		bloom[b >> 3] |= (uint8) (1 << (b & 7));
	}
}

static int
uint64_cmp(const void *a, const void *b)
{
	uint64		x = *(const uint64 *) a;
	uint64		y = *(const uint64 *) b;

	return x < y ? -1 : (x > y ? 1 : 0);
}

/*
 * Build the bloom filter of a chunk from its values' hashes (sorted in
 * place).  The filter is sized for the distinct values, not the rows: the
 * spans of one trace sit together, so a chunk holds about one trace id per
 * dozen rows, and a filter sized per row would be most of the footer that
 * every point lookup reads.
 */
static void
bloom_build(uint64 *hashes, int n, ColEncodedChunk *out)
{
	uint64		ndistinct = 0;
	uint32		nbytes;
	int			i;

	qsort(hashes, n, sizeof(uint64), uint64_cmp);
	for (i = 0; i < n; i++)
		if (i == 0 || hashes[i] != hashes[i - 1])
			ndistinct++;
	nbytes = TYPEALIGN(8, (ndistinct * COL_BLOOM_BITS_PER_VALUE + 7) / 8);
	nbytes = Max(nbytes, 8);
	out->bloom = palloc0(nbytes);
	out->bloom_bytes = nbytes;
	for (i = 0; i < n; i++)
		if (i == 0 || hashes[i] != hashes[i - 1])
			bloom_add(out->bloom, nbytes, hashes[i]);
}

bool
ColBloomMayContain(const uint8 *bloom, uint32 nbytes, uint64 h)
{
	uint64		nbits = (uint64) nbytes * 8;
	uint64		h1 = h;
	uint64		h2 = (h >> 32) | 1;
	int			i;

	if (nbytes == 0)
		return true;
	for (i = 0; i < COL_BLOOM_PROBES; i++)
	{
		uint64		b = (h1 + i * h2) % nbits;

		if (!(bloom[b >> 3] & (1 << (b & 7))))
			return false;
	}
	return true;
}

/* ---------------- type facts ---------------- */

void
ColTypeInfoInit(ColTypeInfo *ti, Form_pg_attribute att)
{
	Oid			base;
	TypeCacheEntry *tc;

	memset(ti, 0, sizeof(ColTypeInfo));
	base = att->attisdropped ? InvalidOid : getBaseType(att->atttypid);
	ti->typid = base;
	ti->typlen = att->attlen;
	ti->typbyval = att->attbyval;
	ti->typalign = att->attalign;
	ti->collation = att->attcollation;
	if (att->attisdropped)
		return;
	switch (base)
	{
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case DATEOID:
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
		case TIMEOID:
			ti->signed_int = true;
			break;
		case JSONBOID:
			ti->is_jsonb = true;
			break;
		case TEXTOID:
		case VARCHAROID:
			ti->text_like = true;
			break;
		default:
			break;
	}
	if (ti->typbyval && ti->typlen == 8 && base == TempoSpanIdTypeOid())
		ti->unsigned_int = true;
	if (!ti->typbyval && ti->typlen == TRACE_ID_LEN && base == TempoTraceIdTypeOid())
		ti->is_trace_id = true;
	if (ti->is_jsonb)
		return;					/* zone maps on jsonb are useless */
	tc = lookup_type_cache(base, TYPECACHE_CMP_PROC_FINFO);
	if (OidIsValid(tc->cmp_proc_finfo.fn_oid))
	{
		fmgr_info_copy(&ti->cmp, &tc->cmp_proc_finfo, CurrentMemoryContext);
		ti->has_cmp = true;
	}
}

static inline int64
datum_to_int(Datum d, int typlen)
{
	switch (typlen)
	{
		case 1:
			return (int64) (int8) DatumGetChar(d);
		case 2:
			return (int64) DatumGetInt16(d);
		case 4:
			return (int64) DatumGetInt32(d);
		default:
			return DatumGetInt64(d);
	}
}

static inline Datum
int_to_datum(int64 v, int typlen)
{
	switch (typlen)
	{
		case 1:
			return CharGetDatum((char) v);
		case 2:
			return Int16GetDatum((int16) v);
		case 4:
			return Int32GetDatum((int32) v);
		default:
			return Int64GetDatum(v);
	}
}

static inline int
cmp_datum(ColTypeInfo *ti, Datum a, Datum b)
{
	return DatumGetInt32(FunctionCall2Coll(&ti->cmp, ti->collation, a, b));
}

/* Track min/max with the type's comparison function. */
static void
minmax_generic(ColTypeInfo *ti, Datum v, bool *have, Datum *min, Datum *max)
{
	if (!*have)
	{
		*min = *max = v;
		*have = true;
		return;
	}
	if (cmp_datum(ti, v, *min) < 0)
		*min = v;
	else if (cmp_datum(ti, v, *max) > 0)
		*max = v;
}

/* ---------------- encoders ---------------- */

static void
encode_ints(ColTypeInfo *ti, Datum *dense, int nn, ColBuf *b, ColEncodedChunk *out)
{
	int64	   *v = palloc(sizeof(int64) * Max(nn, 1));
	uint64	   *tmp;
	int64		min,
				max,
				dmin = 0,
				dmax = 0;
	int			wfor,
				wdelta;
	Size		sfor,
				sdelta,
				sraw;
	int			i;

	for (i = 0; i < nn; i++)
		v[i] = datum_to_int(dense[i], ti->typlen);
	min = max = v[0];
	for (i = 1; i < nn; i++)
	{
		int64		d = (int64) ((uint64) v[i] - (uint64) v[i - 1]);

		if (v[i] < min)
			min = v[i];
		if (v[i] > max)
			max = v[i];
		if (i == 1 || d < dmin)
			dmin = d;
		if (i == 1 || d > dmax)
			dmax = d;
	}
	wfor = ColBitWidth((uint64) max - (uint64) min);
	wdelta = ColBitWidth((uint64) dmax - (uint64) dmin);
	sfor = 16 + ColPackedBytes(nn, wfor);
	sdelta = 24 + ColPackedBytes(nn - 1, wdelta);
	sraw = (Size) nn * ti->typlen;

	/* zone map */
	if (ti->signed_int)
	{
		out->min = int_to_datum(min, ti->typlen);
		out->max = int_to_datum(max, ti->typlen);
		out->flags |= COL_CHUNK_HAS_MINMAX;
	}
	else if (ti->unsigned_int)
	{
		uint64		umin = (uint64) v[0],
					umax = (uint64) v[0];

		for (i = 1; i < nn; i++)
		{
			if ((uint64) v[i] < umin)
				umin = (uint64) v[i];
			if ((uint64) v[i] > umax)
				umax = (uint64) v[i];
		}
		out->min = Int64GetDatum((int64) umin);
		out->max = Int64GetDatum((int64) umax);
		out->flags |= COL_CHUNK_HAS_MINMAX;
	}
	else if (ti->has_cmp)
	{
		bool		have = false;

		for (i = 0; i < nn; i++)
			minmax_generic(ti, dense[i], &have, &out->min, &out->max);
		out->flags |= COL_CHUNK_HAS_MINMAX;
	}

	colbuf_pad(b, 8);
	if (sraw <= sfor && sraw <= sdelta)
	{
		out->encoding = COL_ENC_FIXED_RAW;
		colbuf_reserve(b, sraw);
		for (i = 0; i < nn; i++)
		{
			switch (ti->typlen)
			{
				case 1:
					*(int8 *) (b->data + b->len) = (int8) v[i];
					break;
				case 2:
					*(int16 *) (b->data + b->len) = (int16) v[i];
					break;
				case 4:
					*(int32 *) (b->data + b->len) = (int32) v[i];
					break;
				default:
					memcpy(b->data + b->len, &v[i], 8);
					break;
			}
			b->len += ti->typlen;
		}
	}
	else if (sfor <= sdelta)
	{
		int64		hdr[2];

		out->encoding = wfor > 8 ? COL_ENC_INT_FOR_PLANES : COL_ENC_INT_FOR;
		hdr[0] = min;
		hdr[1] = wfor;
		colbuf_append(b, hdr, sizeof(hdr));
		tmp = palloc(sizeof(uint64) * nn);
		for (i = 0; i < nn; i++)
			tmp[i] = (uint64) v[i] - (uint64) min;
		if (wfor > 8)
		{
			colbuf_reserve(b, (Size) nn * ((wfor + 7) / 8));
			pack_planes(tmp, nn, (wfor + 7) / 8, b->data + b->len);
			b->len += (Size) nn * ((wfor + 7) / 8);
		}
		else
		{
			colbuf_reserve(b, ColPackedBytes(nn, wfor));
			ColPackBits(tmp, nn, wfor, b->data + b->len);
			b->len += ColPackedBytes(nn, wfor);
		}
		pfree(tmp);
	}
	else
	{
		int64		hdr[3];

		out->encoding = wdelta > 8 ? COL_ENC_INT_DELTA_PLANES : COL_ENC_INT_DELTA;
		hdr[0] = v[0];
		hdr[1] = dmin;
		hdr[2] = wdelta;
		colbuf_append(b, hdr, sizeof(hdr));
		tmp = palloc(sizeof(uint64) * Max(nn - 1, 1));
		for (i = 1; i < nn; i++)
			tmp[i - 1] = ((uint64) v[i] - (uint64) v[i - 1]) - (uint64) dmin;
		if (wdelta > 8)
		{
			colbuf_reserve(b, (Size) (nn - 1) * ((wdelta + 7) / 8));
			pack_planes(tmp, nn - 1, (wdelta + 7) / 8, b->data + b->len);
			b->len += (Size) (nn - 1) * ((wdelta + 7) / 8);
		}
		else
		{
			colbuf_reserve(b, ColPackedBytes(nn - 1, wdelta));
			ColPackBits(tmp, nn - 1, wdelta, b->data + b->len);
			b->len += ColPackedBytes(nn - 1, wdelta);
		}
		pfree(tmp);
	}
	pfree(v);
}

static inline Size
value_align(ColTypeInfo *ti)
{
	if (ti->typalign == TYPALIGN_DOUBLE)
		return 8;
	return 4;
}

static void
encode_fixed(ColTypeInfo *ti, Datum *dense, int nn, ColBuf *b, ColEncodedChunk *out)
{
	Size		stride = att_align_nominal(ti->typlen, ti->typalign);
	int			i;

	int			nruns = 1;

	for (i = 1; i < nn; i++)
		if (memcmp(DatumGetPointer(dense[i]), DatumGetPointer(dense[i - 1]),
				   ti->typlen) != 0)
			nruns++;
	colbuf_pad(b, 8);
	if (nruns <= nn / 2)
	{
		/* runs: the spans of a trace share its id */
		uint32		hdr[4];
		uint64	   *lens = palloc(sizeof(uint64) * nruns);
		uint64		maxlen = 0;
		int			r = 0;
		int			start = 0;

		for (i = 1; i <= nn; i++)
			if (i == nn || memcmp(DatumGetPointer(dense[i]),
								  DatumGetPointer(dense[i - 1]), ti->typlen) != 0)
			{
				lens[r] = (uint64) (i - start - 1);
				maxlen = Max(maxlen, lens[r]);
				r++;
				start = i;
			}
		out->encoding = COL_ENC_FIXED_RUNS;
		hdr[0] = nruns;
		hdr[1] = ColBitWidth(maxlen);
		hdr[2] = hdr[3] = 0;
		colbuf_append(b, hdr, sizeof(hdr));
		colbuf_reserve(b, ColPackedBytes(nruns, hdr[1]));
		ColPackBits(lens, nruns, hdr[1], b->data + b->len);
		b->len += ColPackedBytes(nruns, hdr[1]);
		colbuf_pad(b, 8);
		pfree(lens);
	}
	else
		out->encoding = COL_ENC_FIXED_RAW;
	colbuf_reserve(b, stride * nn);
	for (i = 0; i < nn; i++)
	{
		if (out->encoding == COL_ENC_FIXED_RUNS && i > 0 &&
			memcmp(DatumGetPointer(dense[i]), DatumGetPointer(dense[i - 1]),
				   ti->typlen) == 0)
			continue;
		memcpy(b->data + b->len, DatumGetPointer(dense[i]), ti->typlen);
		if (stride > (Size) ti->typlen)
			memset(b->data + b->len + ti->typlen, 0, stride - ti->typlen);
		b->len += stride;
	}
	if (ti->is_trace_id)
	{
		uint64	   *h = palloc(sizeof(uint64) * nn);

		for (i = 0; i < nn; i++)
			h[i] = ColHashTraceId(DatumGetPointer(dense[i]));
		bloom_build(h, nn, out);
		pfree(h);
	}
	else if (ti->has_cmp)
	{
		bool		have = false;

		for (i = 0; i < nn; i++)
			minmax_generic(ti, dense[i], &have, &out->min, &out->max);
		if (ti->typlen <= COL_MAX_MINMAX_BYTES)
			out->flags |= COL_CHUNK_HAS_MINMAX;
	}
}

/* Append one varlena as an aligned 4-byte-header varlena. */
static inline void
append_varlena(ColBuf *b, Datum d, Size align)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(d);
	Size		dlen = VARSIZE_ANY_EXHDR(v);
	char	   *p;

	colbuf_pad(b, align);
	colbuf_reserve(b, dlen + VARHDRSZ);
	p = b->data + b->len;
	SET_VARSIZE(p, dlen + VARHDRSZ);
	memcpy(p + VARHDRSZ, VARDATA_ANY(v), dlen);
	b->len += dlen + VARHDRSZ;
}

static int
uint32_cmp(const void *a, const void *b)
{
	uint32		x = *(const uint32 *) a;
	uint32		y = *(const uint32 *) b;

	return x < y ? -1 : (x > y ? 1 : 0);
}

typedef struct DictEntry
{
	uint32		hash;
	uint32		len;
	const char *data;
	Datum		datum;
} DictEntry;

/*
 * Try to build a dictionary; returns the number of entries, or -1 when
 * there would be too many.  codes[] receives each value's code.
 */
static int
build_dict(Datum *dense, int nn, DictEntry **entries_out, uint32 *codes)
{
	int			maxent = Min(COL_DICT_MAX_ENTRIES, Max(nn / 2, 1));
	int			tsize = 16;
	int32	   *table;
	DictEntry  *ent;
	int			nent = 0;
	int			i;

	while (tsize < maxent * 2)
		tsize *= 2;
	table = palloc(sizeof(int32) * tsize);
	memset(table, 0xFF, sizeof(int32) * tsize);
	ent = palloc(sizeof(DictEntry) * (maxent + 1));
	for (i = 0; i < nn; i++)
	{
		struct varlena *v = (struct varlena *) DatumGetPointer(dense[i]);
		const char *data = VARDATA_ANY(v);
		uint32		len = VARSIZE_ANY_EXHDR(v);
		uint32		h = hash_bytes((const unsigned char *) data, len);
		uint32		slot = h & (tsize - 1);

		for (;;)
		{
			int32		e = table[slot];

			if (e < 0)
			{
				if (nent >= maxent)
				{
					pfree(table);
					pfree(ent);
					return -1;
				}
				ent[nent].hash = h;
				ent[nent].len = len;
				ent[nent].data = data;
				ent[nent].datum = dense[i];
				table[slot] = nent;
				codes[i] = nent++;
				break;
			}
			if (ent[e].hash == h && ent[e].len == len &&
				memcmp(ent[e].data, data, len) == 0)
			{
				codes[i] = e;
				break;
			}
			slot = (slot + 1) & (tsize - 1);
		}
	}
	pfree(table);
	*entries_out = ent;
	return nent;
}

/*
 * Does a jsonb chunk hold so few distinct documents that a dictionary of
 * whole documents beats shredding?  Resource attributes are the case: one
 * document per service instance, repeated on every span.  A dictionary
 * stores each document once and a few bits per row; shredding would store
 * every key's value on every row.  Key reads on such chunks decode the
 * dictionary's documents instead of one key's stream.
 */
static bool
jsonb_few_distinct(Datum *dense, int nn)
{
	uint32	   *codes;
	DictEntry  *ent = NULL;
	int			ndict;

	if (nn < 64)
		return false;
	codes = palloc(sizeof(uint32) * nn);
	ndict = build_dict(dense, nn, &ent, codes);
	pfree(codes);
	if (ent != NULL)
		pfree(ent);
	return ndict > 0 && ndict * 32 <= nn;
}

/* Zone map and value set of a dictionary-coded chunk, over its entries. */
static void
dict_summary(ColTypeInfo *ti, const Datum *dict, int ndict, ColEncodedChunk *out)
{
	int			i;

	if (ti->has_cmp)
	{
		bool		have = false;

		for (i = 0; i < ndict; i++)
			minmax_generic(ti, dict[i], &have, &out->min, &out->max);
		if (VARSIZE_ANY(DatumGetPointer(out->min)) <= COL_MAX_MINMAX_BYTES &&
			VARSIZE_ANY(DatumGetPointer(out->max)) <= COL_MAX_MINMAX_BYTES)
			out->flags |= COL_CHUNK_HAS_MINMAX;
	}
	if (ti->text_like && ndict <= COL_DICTSET_MAX)
	{
		out->dictset = palloc(sizeof(uint32) * ndict);
		for (i = 0; i < ndict; i++)
			out->dictset[i] = hash_bytes((const unsigned char *) VARDATA_ANY(DatumGetPointer(dict[i])),
										 VARSIZE_ANY_EXHDR(DatumGetPointer(dict[i])));
		qsort(out->dictset, ndict, sizeof(uint32), uint32_cmp);
		out->ndictset = ndict;
	}
}

static void
encode_varlena(ColTypeInfo *ti, Datum *dense, int nn, ColBuf *b, ColEncodedChunk *out)
{
	Size		align = value_align(ti);
	uint32	   *codes = palloc(sizeof(uint32) * nn);
	DictEntry  *ent = NULL;
	int			ndict;
	Size		plain_size = 0;
	int			i;

	for (i = 0; i < nn; i++)
		plain_size += TYPEALIGN(align, VARSIZE_ANY_EXHDR(DatumGetPointer(dense[i])) + VARHDRSZ);

	ndict = nn >= 8 ? build_dict(dense, nn, &ent, codes) : -1;
	if (ndict > 0)
	{
		Size		dict_size = 16;
		int			width = ColBitWidth((uint64) (ndict - 1));

		for (i = 0; i < ndict; i++)
			dict_size += TYPEALIGN(align, ent[i].len + VARHDRSZ);
		dict_size += ColPackedBytes(nn, width);
		if (dict_size < plain_size)
		{
			uint32		hdr[4];
			uint64	   *tmp;

			out->encoding = COL_ENC_VAR_DICT;
			colbuf_pad(b, 8);
			hdr[0] = ndict;
			hdr[1] = width;
			hdr[2] = hdr[3] = 0;
			colbuf_append(b, hdr, sizeof(hdr));
			tmp = palloc(sizeof(uint64) * nn);
			for (i = 0; i < nn; i++)
				tmp[i] = codes[i];
			colbuf_reserve(b, ColPackedBytes(nn, width));
			ColPackBits(tmp, nn, width, b->data + b->len);
			b->len += ColPackedBytes(nn, width);
			pfree(tmp);
			colbuf_pad(b, 8);
			for (i = 0; i < ndict; i++)
				append_varlena(b, ent[i].datum, align);

			{
				Datum	   *dict = palloc(sizeof(Datum) * ndict);

				for (i = 0; i < ndict; i++)
					dict[i] = ent[i].datum;
				dict_summary(ti, dict, ndict, out);
				pfree(dict);
			}
			pfree(ent);
			pfree(codes);
			return;
		}
		pfree(ent);
	}
	pfree(codes);

	out->encoding = COL_ENC_VAR_PLAIN;
	colbuf_pad(b, 8);
	colbuf_reserve(b, plain_size);
	for (i = 0; i < nn; i++)
		append_varlena(b, dense[i], align);

	/* many distinct strings: a bloom filter serves equality lookups */
	if (ti->text_like)
	{
		uint64	   *h = palloc(sizeof(uint64) * nn);

		for (i = 0; i < nn; i++)
			h[i] = ColHashText64(dense[i]);
		bloom_build(h, nn, out);
		pfree(h);
	}
}

/*
 * Encode n values (with NULL flags) of one column into a stored chunk.
 * Allocates in the current memory context.
 */
void
ColEncodeChunk(ColTypeInfo *ti, Datum *values, bool *isnull, int n,
			   ColEncodedChunk *out)
{
	ColBuf		b;
	Datum	   *dense;
	int			nn = 0;
	int			i;

	memset(out, 0, sizeof(ColEncodedChunk));
	for (i = 0; i < n; i++)
		if (!isnull[i])
			nn++;
	out->nnulls = n - nn;
	colbuf_init(&b, 1024);

	colbuf_nulls(&b, isnull, n, nn, out);
	if (nn < n)
	{
		dense = palloc(sizeof(Datum) * Max(nn, 1));
		nn = 0;
		for (i = 0; i < n; i++)
			if (!isnull[i])
				dense[nn++] = values[i];
	}
	else
		dense = values;

	if (nn == 0)
		out->encoding = COL_ENC_NONE;
	else if (ti->typbyval && (ti->typlen == 1 || ti->typlen == 2 ||
							  ti->typlen == 4 || ti->typlen == 8))
		encode_ints(ti, dense, nn, &b, out);
	else if (ti->typlen > 0)
		encode_fixed(ti, dense, nn, &b, out);
	else if (ti->typlen == -1)
	{
		StringInfoData sb;

		if (ti->is_jsonb && !ti->plain_jsonb && !jsonb_few_distinct(dense, nn))
		{
			initStringInfo(&sb);
			if (ColJsonbShred(dense, nn, &sb))
			{
				/* sub-streams are compressed individually */
				colbuf_pad(&b, 8);
				colbuf_append(&b, sb.data, sb.len);
				out->encoding = COL_ENC_JSONB_SHRED;
				out->raw_len = b.len;
				out->stored_len = b.len;
				out->data = b.data;
				out->compression = COL_COMP_NONE;
				out->crc = ColCrc(b.data, b.len);
				pfree(sb.data);
				return;
			}
			pfree(sb.data);
		}
		encode_varlena(ti, dense, nn, &b, out);
	}
	else
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("tempo_columnar cannot store values of type %s",
						format_type_be(ti->typid))));

	compress_chunk(&b, out);
	if (dense != values)
		pfree(dense);
}

/* ---------------- decoders ---------------- */

/* Raw (decompressed) bytes of a chunk whose CRC was verified. */
char *
ColDecompress(const ColChunkDesc *cd, const char *stored)
{
	char	   *raw;

	if (cd->compression == COL_COMP_NONE)
	{
		if (cd->raw_len != cd->stored_len)
			ColCorrupt("an uncompressed chunk has inconsistent lengths");
		return (char *) stored;
	}
	if (cd->compression != COL_COMP_ZSTD)
		ColCorrupt("unknown chunk compression");
	if (cd->raw_len > MaxAllocHugeSize)
		ColCorrupt("chunk raw length is too large");
	raw = MemoryContextAllocHuge(CurrentMemoryContext, Max(cd->raw_len, 8));
	ColDecompressInto(stored, cd->stored_len, raw, cd->raw_len);
	return raw;
}

#define NEED(off, n, end) \
	do { if ((uint64) (off) + (uint64) (n) > (uint64) (end)) \
			ColCorrupt("a chunk is shorter than its encoding needs"); } while (0)

static void
decode_ints(ColTypeInfo *ti, uint8 enc, const char *raw, uint64 off, uint64 end,
			int nn, Datum *out)
{
	int			i;

	/* the bit-packed forms are unpacked straight into out, as uint64 */
	StaticAssertStmt(sizeof(Datum) == sizeof(uint64),
					 "the integer decoders need 8-byte Datums");
	off = TYPEALIGN(8, off);
	if (enc == COL_ENC_FIXED_RAW)
	{
		NEED(off, (uint64) nn * ti->typlen, end);
		for (i = 0; i < nn; i++)
		{
			const char *p = raw + off + (uint64) i * ti->typlen;

			switch (ti->typlen)
			{
				case 1:
					out[i] = CharGetDatum(*p);
					break;
				case 2:
					{
						int16		x;

						memcpy(&x, p, 2);
						out[i] = Int16GetDatum(x);
					}
					break;
				case 4:
					{
						int32		x;

						memcpy(&x, p, 4);
						out[i] = Int32GetDatum(x);
					}
					break;
				default:
					{
						int64		x;

						memcpy(&x, p, 8);
						out[i] = Int64GetDatum(x);
					}
					break;
			}
		}
	}
	else if (enc == COL_ENC_INT_FOR || enc == COL_ENC_INT_FOR_PLANES)
	{
		int64		hdr[2];
		uint64	   *u = (uint64 *) out;

		NEED(off, sizeof(hdr), end);
		memcpy(hdr, raw + off, sizeof(hdr));
		off += sizeof(hdr);
		if (hdr[1] < 0 || hdr[1] > 64)
			ColCorrupt("bad bit width");
		if (enc == COL_ENC_INT_FOR_PLANES)
		{
			NEED(off, (uint64) nn * ((hdr[1] + 7) / 8), end);
			unpack_planes(raw + off, nn, (int) (hdr[1] + 7) / 8, u);
		}
		else
		{
			NEED(off, ColPackedBytes(nn, (int) hdr[1]), end);
			ColUnpackBits(raw + off, nn, (int) hdr[1], u);
		}
		if (ti->typlen == 8)
			for (i = 0; i < nn; i++)
				u[i] += (uint64) hdr[0];
		else
			for (i = 0; i < nn; i++)
				out[i] = int_to_datum((int64) ((uint64) hdr[0] + u[i]), ti->typlen);
	}
	else if (enc == COL_ENC_INT_DELTA || enc == COL_ENC_INT_DELTA_PLANES)
	{
		int64		hdr[3];
		uint64	   *u = (uint64 *) out;
		uint64		cur;

		NEED(off, sizeof(hdr), end);
		memcpy(hdr, raw + off, sizeof(hdr));
		off += sizeof(hdr);
		if (hdr[2] < 0 || hdr[2] > 64)
			ColCorrupt("bad bit width");
		/* deltas go to out[1..nn-1], then a running sum in place */
		if (enc == COL_ENC_INT_DELTA_PLANES)
		{
			NEED(off, (uint64) (nn - 1) * ((hdr[2] + 7) / 8), end);
			unpack_planes(raw + off, nn - 1, (int) (hdr[2] + 7) / 8, u + 1);
		}
		else
		{
			NEED(off, ColPackedBytes(nn - 1, (int) hdr[2]), end);
			ColUnpackBits(raw + off, nn - 1, (int) hdr[2], u + 1);
		}
		cur = (uint64) hdr[0];
		u[0] = cur;
		for (i = 1; i < nn; i++)
		{
			cur += u[i] + (uint64) hdr[1];
			u[i] = cur;
		}
		if (ti->typlen != 8)
			for (i = 0; i < nn; i++)
				out[i] = int_to_datum((int64) u[i], ti->typlen);
	}
	else
		ColCorrupt("unknown integer encoding");
}

/*
 * The plain varlena at offset *off of raw (aligned to align first), with a
 * checked length; *off moves past it.
 */
static inline Datum
next_varlena(const char *raw, uint64 *off, uint64 end, Size align)
{
	uint64		o = TYPEALIGN(align, *off);
	uint32		len;

	NEED(o, VARHDRSZ, end);
	len = VARSIZE(raw + o);
	if (len < VARHDRSZ)
		ColCorrupt("bad value length");
	NEED(o, len, end);
	*off = o + len;
	return PointerGetDatum(raw + o);
}

static uint64
decode_varlenas(ColTypeInfo *ti, const char *raw, uint64 off, uint64 end,
				int n, Datum *out)
{
	Size		align = value_align(ti);
	int			i;

	for (i = 0; i < n; i++)
		out[i] = next_varlena(raw, &off, end, align);
	return off;
}

/*
 * Set isnull[nrows] from a chunk's null bitmap (all false without one);
 * returns the offset of the values.
 */
static uint64
read_nulls(const ColChunkDesc *cd, const char *raw, uint64 end, int nrows,
		   bool *isnull)
{
	uint32		cnt = 0;
	int			i;

	if (!(cd->flags & COL_CHUNK_HAS_NULLS))
	{
		if (cd->nnulls != 0)
			ColCorrupt("chunk NULL count without a bitmap");
		memset(isnull, 0, sizeof(bool) * nrows);
		return 0;
	}
	NEED(0, (nrows + 7) / 8, end);
	for (i = 0; i < nrows; i++)
	{
		isnull[i] = (raw[i >> 3] >> (i & 7)) & 1;
		cnt += isnull[i];
	}
	if (cnt != cd->nnulls)
		ColCorrupt("null bitmap does not match the NULL count");
	return (nrows + 7) / 8;
}

/*
 * Read the header of a COL_ENC_VAR_DICT chunk's values at off (8-aligned)
 * into hdr[4] (entries, code width) and check that the nn packed codes
 * follow; returns the offset of the codes.
 */
static uint64
read_dict_header(const char *raw, uint64 off, uint64 end, int nn, uint32 *hdr)
{
	NEED(off, sizeof(uint32) * 4, end);
	memcpy(hdr, raw + off, sizeof(uint32) * 4);
	off += sizeof(uint32) * 4;
	if (hdr[0] == 0 || hdr[0] > COL_DICT_MAX_ENTRIES || hdr[1] > 32)
		ColCorrupt("bad dictionary header");
	NEED(off, ColPackedBytes(nn, hdr[1]), end);
	return off;
}

/* ---------------- derived encodings ---------------- */

/*
 * Some columns repeat what another column of the same row says.  OTLP
 * spans carry their start time both as nanoseconds (bigint) and as a
 * timestamptz, the latter exactly the former truncated to microseconds;
 * and most parent span ids are the span id of another row of the same
 * chunk, since a trace's spans are written together.  The writer offers
 * each chunk such a source column (ColEncodeDerived) and keeps the derived
 * form when it holds for the chunk:
 *
 *	- COL_ENC_DERIVED_TS (timestamp[tz] from bigint nanoseconds): no bytes
 *	  of its own; NULL exactly where the source is NULL.
 *	- COL_ENC_PARENT_REF (span id from another span id column): the null
 *	  bitmap, then uint32 nlit and a pad, uint16 codes[nn] (0 = the next
 *	  literal, else 1 + zigzag(row - referenced row)), 8-aligned, uint64
 *	  literals[nlit].  Only sources with a lower column number, so
 *	  references never form a cycle.
 *
 * The footer records the source column, and the reader decodes the
 * source's chunk of the same group first (col_reader.c).
 */
bool
ColDerivedEncoding(uint8 encoding)
{
	return encoding == COL_ENC_DERIVED_TS || encoding == COL_ENC_PARENT_REF ||
		encoding == COL_ENC_VAR_DICT_CTX;
}

static inline Timestamp
nanos_to_timestamp(int64 nanos)
{
	return nanos / 1000 -
		(Timestamp) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY;
}

static inline uint32
zigzag32(int32 v)
{
	return ((uint32) v << 1) ^ (uint32) (v >> 31);
}

static inline int32
unzigzag32(uint32 v)
{
	return (int32) (v >> 1) ^ -(int32) (v & 1);
}

bool
ColEncodeDerived(ColTypeInfo *ti, Datum *values, bool *isnull, int n,
				 ColTypeInfo *sti, int srcatt, Datum *svalues, bool *sisnull,
				 ColEncodedChunk *out)
{
	int			i;

	if (srcatt >= 255)
		return false;
	if ((ti->typid == TIMESTAMPTZOID || ti->typid == TIMESTAMPOID) &&
		sti->typid == INT8OID)
	{
		Timestamp	min = 0,
					max = 0;
		int			nn = 0;

		for (i = 0; i < n; i++)
		{
			if (isnull[i] != sisnull[i])
				return false;
			if (isnull[i])
				continue;
			if (DatumGetTimestamp(values[i]) !=
				nanos_to_timestamp(DatumGetInt64(svalues[i])))
				return false;
			if (nn == 0 || DatumGetTimestamp(values[i]) < min)
				min = DatumGetTimestamp(values[i]);
			if (nn == 0 || DatumGetTimestamp(values[i]) > max)
				max = DatumGetTimestamp(values[i]);
			nn++;
		}
		memset(out, 0, sizeof(ColEncodedChunk));
		out->nnulls = n - nn;
		out->encoding = nn > 0 ? COL_ENC_DERIVED_TS : COL_ENC_NONE;
		if (nn > 0)
		{
			out->source = srcatt + 1;
			out->min = TimestampGetDatum(min);
			out->max = TimestampGetDatum(max);
			out->flags |= COL_CHUNK_HAS_MINMAX;
		}
		out->data = palloc(8);
		out->crc = ColCrc(out->data, 0);
		return true;
	}
	if (ti->unsigned_int && sti->unsigned_int && ti->typlen == 8 && n <= 16384)
	{
		/* value -> first row holding it in the source */
		int			cap = 1;
		int		   *slot;
		uint64	   *key;
		uint16	   *codes;
		uint64	   *lits;
		int			nlit = 0;
		int			nn = 0;
		uint64		umin = 0,
					umax = 0;
		ColBuf		b;
		Size		nb = (n + 7) / 8;

		while (cap < 2 * n)
			cap <<= 1;
		slot = palloc(sizeof(int) * cap);
		key = palloc(sizeof(uint64) * cap);
		memset(slot, -1, sizeof(int) * cap);
		for (i = 0; i < n; i++)
		{
			uint64		v = (uint64) DatumGetInt64(svalues[i]);
			uint32		h;

			if (sisnull[i])
				continue;
			h = (uint32) hash_bytes_uint32((uint32) (v ^ (v >> 32))) & (cap - 1);
			while (slot[h] >= 0 && key[h] != v)
				h = (h + 1) & (cap - 1);
			if (slot[h] < 0)
			{
				slot[h] = i;
				key[h] = v;
			}
		}
		codes = palloc(sizeof(uint16) * Max(n, 1));
		lits = palloc(sizeof(uint64) * Max(n, 1));
		for (i = 0; i < n; i++)
		{
			uint64		v;
			uint32		h;

			if (isnull[i])
				continue;
			v = (uint64) DatumGetInt64(values[i]);
			if (nn == 0 || v < umin)
				umin = v;
			if (nn == 0 || v > umax)
				umax = v;
			h = (uint32) hash_bytes_uint32((uint32) (v ^ (v >> 32))) & (cap - 1);
			while (slot[h] >= 0 && key[h] != v)
				h = (h + 1) & (cap - 1);
			if (slot[h] >= 0)
				codes[nn] = (uint16) (1 + zigzag32(i - slot[h]));
			else
			{
				codes[nn] = 0;
				lits[nlit++] = v;
			}
			nn++;
		}
		pfree(slot);
		pfree(key);
		if (nn == 0 || nlit * 2 > nn)
		{
			pfree(codes);
			pfree(lits);
			return false;
		}
		memset(out, 0, sizeof(ColEncodedChunk));
		out->nnulls = n - nn;
		out->encoding = COL_ENC_PARENT_REF;
		out->source = srcatt + 1;
		out->min = Int64GetDatum((int64) umin);
		out->max = Int64GetDatum((int64) umax);
		out->flags |= COL_CHUNK_HAS_MINMAX;
		colbuf_init(&b, nb + 16 + 2 * nn + 8 * nlit + 16);
		colbuf_nulls(&b, isnull, n, nn, out);
		colbuf_pad(&b, 8);
		{
			uint32		hdr[2] = {nlit, 0};

			colbuf_append(&b, hdr, sizeof(hdr));
		}
		colbuf_append(&b, codes, sizeof(uint16) * nn);
		colbuf_pad(&b, 8);
		colbuf_append(&b, lits, sizeof(uint64) * nlit);
		pfree(codes);
		pfree(lits);
		compress_chunk(&b, out);
		return true;
	}
	return false;
}

/*
 * Decode a derived chunk of nrows rows into vec, given its source
 * column's decoded chunk of the same group.
 */
void
ColDecodeDerived(ColTypeInfo *ti, const ColChunkDesc *cd, const char *stored,
				 int nrows, const ColVector *src, ColVector *vec)
{
	int			i;

	if (ColCrc(stored, cd->stored_len) != cd->crc)
		ColCorrupt("chunk checksum mismatch");
	if (cd->nnulls > (uint32) nrows)
		ColCorrupt("chunk has more NULLs than rows");
	vec->values = palloc(sizeof(Datum) * Max(nrows, 1));
	vec->isnull = palloc(sizeof(bool) * Max(nrows, 1));
	vec->hasnulls = cd->nnulls > 0;
	vec->codes = NULL;
	vec->ndict = 0;
	vec->dict = NULL;
	if (cd->encoding == COL_ENC_DERIVED_TS)
	{
		uint32		cnt = 0;

		if (cd->raw_len != 0)
			ColCorrupt("derived chunk has bytes");
		for (i = 0; i < nrows; i++)
		{
			vec->isnull[i] = src->isnull[i];
			cnt += src->isnull[i];
			vec->values[i] = src->isnull[i] ? (Datum) 0 :
				TimestampGetDatum(nanos_to_timestamp(DatumGetInt64(src->values[i])));
		}
		if (cnt != cd->nnulls)
			ColCorrupt("derived chunk and its source disagree on NULLs");
	}
	else if (cd->encoding == COL_ENC_PARENT_REF)
	{
		const char *raw = ColDecompress(cd, stored);
		uint64		end = cd->raw_len;
		uint64		off = 0;
		uint32		hdr[2];
		const char *codes;
		const char *lits;
		uint32		nn = nrows - cd->nnulls;
		uint32		k = 0;
		uint32		lit = 0;

		off = read_nulls(cd, raw, end, nrows, vec->isnull);
		off = TYPEALIGN(8, off);
		NEED(off, sizeof(hdr), end);
		memcpy(hdr, raw + off, sizeof(hdr));
		off += sizeof(hdr);
		NEED(off, sizeof(uint16) * (uint64) nn, end);
		codes = raw + off;
		off = TYPEALIGN(8, off + sizeof(uint16) * (uint64) nn);
		if (hdr[0] > nn)
			ColCorrupt("bad literal count");
		NEED(off, sizeof(uint64) * (uint64) hdr[0], end);
		lits = raw + off;
		for (i = 0; i < nrows; i++)
		{
			uint16		c;

			if (vec->isnull[i])
			{
				vec->values[i] = (Datum) 0;
				continue;
			}
			memcpy(&c, codes + sizeof(uint16) * k++, sizeof(uint16));
			if (c == 0)
			{
				uint64		v;

				if (lit >= hdr[0])
					ColCorrupt("bad literal count");
				memcpy(&v, lits + sizeof(uint64) * lit++, sizeof(uint64));
				vec->values[i] = Int64GetDatum((int64) v);
			}
			else
			{
				int64		r = (int64) i - unzigzag32(c - 1);

				if (r < 0 || r >= nrows || src->isnull[r])
					ColCorrupt("span reference points to no span");
				vec->values[i] = src->values[r];
			}
		}
		if (lit != hdr[0])
			ColCorrupt("bad literal count");
		if (raw != stored)
			pfree((char *) raw);
	}
	else
		ColCorrupt("not a derived encoding");
}

/* Whether a chunk of a pass-by-value column has an integer encoding. */
static bool
int_encoding(ColTypeInfo *ti, uint8 enc)
{
	if (enc != COL_ENC_INT_FOR && enc != COL_ENC_INT_DELTA &&
		enc != COL_ENC_INT_FOR_PLANES && enc != COL_ENC_INT_DELTA_PLANES &&
		enc != COL_ENC_FIXED_RAW)
		return false;
	if (!(ti->typlen == 1 || ti->typlen == 2 || ti->typlen == 4 || ti->typlen == 8))
		ColCorrupt("integer encoding on a type of another width");
	return true;
}

/*
 * Check a stored chunk of nrows rows (checksum, NULL count) and return
 * its raw bytes, decompressed when needed.
 */
static const char *
chunk_raw(const ColChunkDesc *cd, const char *stored, int nrows,
		  int64 *bytes_decoded)
{
	if (ColCrc(stored, cd->stored_len) != cd->crc)
		ColCorrupt("chunk checksum mismatch");
	if (cd->nnulls > (uint32) nrows)
		ColCorrupt("chunk has more NULLs than rows");
	if (bytes_decoded)
		*bytes_decoded += cd->raw_len;
	return ColDecompress(cd, stored);
}

/* Value idx of n packed values of the given width. */
static inline uint64
unpack_one(const char *src, uint64 idx, int width)
{
	const uint64 *w = (const uint64 *) src;
	uint64		mask = width == 64 ? ~UINT64CONST(0) : ((UINT64CONST(1) << width) - 1);
	uint64		bit = idx * width;
	int			sh = bit & 63;
	uint64		v;

	if (width == 0)
		return 0;
	v = w[bit >> 6] >> sh;
	if (sh + width > 64)
		v |= w[(bit >> 6) + 1] << (64 - sh);
	return v & mask;
}

/*
 * Decode only the rows rows[0..nsel-1] (ascending) of a chunk of nrows
 * rows into vec, which gets nsel entries; the same values as
 * ColDecodeChunk followed by picking those rows, without building vectors
 * of the whole chunk.  Point lookups keep a handful of rows of a chunk
 * group, and in a fresh backend every page of a whole-chunk vector is a
 * page fault.  Not for shredded jsonb (returns false; use ColDecodeChunk).
 */
bool
ColDecodeChunkRows(ColTypeInfo *ti, const ColChunkDesc *cd, const char *stored,
				   int nrows, const int *rows, int nsel, ColVector *vec,
				   int64 *bytes_decoded)
{
	const char *raw;
	uint64		off = 0;
	uint64		end;
	int			nn;
	int		   *didx;			/* dense index of each selected row, -1 NULL */
	int			i;

	if (cd->encoding == COL_ENC_JSONB_SHRED || ColDerivedEncoding(cd->encoding))
		return false;
	raw = chunk_raw(cd, stored, nrows, bytes_decoded);
	end = cd->raw_len;
	nn = nrows - cd->nnulls;

	vec->values = palloc0(sizeof(Datum) * Max(nsel, 1));
	vec->isnull = palloc(sizeof(bool) * Max(nsel, 1));
	vec->hasnulls = false;
	vec->codes = NULL;
	vec->ndict = 0;
	vec->dict = NULL;
	didx = palloc(sizeof(int) * Max(nsel, 1));

	if (cd->flags & COL_CHUNK_HAS_NULLS)
	{
		int			cnt = 0;
		int			r = 0;
		int			k = 0;

		NEED(0, (nrows + 7) / 8, end);
		for (r = 0; r < nrows; r++)
		{
			bool		isnull = (raw[r >> 3] >> (r & 7)) & 1;

			if (k < nsel && rows[k] == r)
			{
				vec->isnull[k] = isnull;
				didx[k] = isnull ? -1 : r - cnt;
				vec->hasnulls |= isnull;
				k++;
			}
			cnt += isnull;
		}
		if (cnt != (int) cd->nnulls || k != nsel)
			ColCorrupt("null bitmap does not match the NULL count");
		off = (nrows + 7) / 8;
	}
	else
	{
		if (cd->nnulls != 0)
			ColCorrupt("chunk NULL count without a bitmap");
		for (i = 0; i < nsel; i++)
		{
			if (rows[i] < 0 || rows[i] >= nrows || (i > 0 && rows[i] <= rows[i - 1]))
				elog(ERROR, "selected rows are not ascending row indexes");
			vec->isnull[i] = false;
			didx[i] = rows[i];
		}
	}

	if (nn == 0)
	{
		if (cd->encoding != COL_ENC_NONE)
			ColCorrupt("chunk without values has an encoding");
	}
	else if (ti->typbyval && int_encoding(ti, cd->encoding))
	{
		off = TYPEALIGN(8, off);
		if (cd->encoding == COL_ENC_FIXED_RAW)
		{
			NEED(off, (uint64) nn * ti->typlen, end);
			for (i = 0; i < nsel; i++)
			{
				int64		x = 0;
				const char *p = raw + off + (uint64) didx[i] * ti->typlen;

				if (didx[i] < 0)
					continue;
				switch (ti->typlen)
				{
					case 1:
						x = *(const int8 *) p;
						break;
					case 2:
						{
							int16		y;

							memcpy(&y, p, 2);
							x = y;
						}
						break;
					case 4:
						{
							int32		y;

							memcpy(&y, p, 4);
							x = y;
						}
						break;
					default:
						memcpy(&x, p, 8);
						break;
				}
				vec->values[i] = int_to_datum(x, ti->typlen);
			}
		}
		else if (cd->encoding == COL_ENC_INT_FOR ||
				 cd->encoding == COL_ENC_INT_FOR_PLANES)
		{
			int64		hdr[2];
			bool		planes = cd->encoding == COL_ENC_INT_FOR_PLANES;

			NEED(off, sizeof(hdr), end);
			memcpy(hdr, raw + off, sizeof(hdr));
			off += sizeof(hdr);
			if (hdr[1] < 0 || hdr[1] > 64)
				ColCorrupt("bad bit width");
			NEED(off, planes ? (uint64) nn * ((hdr[1] + 7) / 8) :
				 ColPackedBytes(nn, (int) hdr[1]), end);
			for (i = 0; i < nsel; i++)
				if (didx[i] >= 0)
					vec->values[i] =
						int_to_datum((int64) ((uint64) hdr[0] +
											  (planes ?
											   plane_value(raw + off, nn, (int) (hdr[1] + 7) / 8, didx[i]) :
											   unpack_one(raw + off, didx[i], (int) hdr[1]))),
									 ti->typlen);
		}
		else
		{
			int64		hdr[3];
			uint64		cur;
			int			d = 0;
			bool		planes = cd->encoding == COL_ENC_INT_DELTA_PLANES;

			NEED(off, sizeof(hdr), end);
			memcpy(hdr, raw + off, sizeof(hdr));
			off += sizeof(hdr);
			if (hdr[2] < 0 || hdr[2] > 64)
				ColCorrupt("bad bit width");
			NEED(off, planes ? (uint64) (nn - 1) * ((hdr[2] + 7) / 8) :
				 ColPackedBytes(nn - 1, (int) hdr[2]), end);
			cur = (uint64) hdr[0];
			for (i = 0; i < nsel; i++)
			{
				if (didx[i] < 0)
					continue;
				while (d < didx[i])
				{
					cur += (planes ?
							plane_value(raw + off, nn - 1, (int) (hdr[2] + 7) / 8, d) :
							unpack_one(raw + off, d, (int) hdr[2])) + (uint64) hdr[1];
					d++;
				}
				vec->values[i] = int_to_datum((int64) cur, ti->typlen);
			}
		}
	}
	else if (ti->typlen > 0 && (cd->encoding == COL_ENC_FIXED_RAW ||
								cd->encoding == COL_ENC_FIXED_RUNS))
	{
		Size		stride = att_align_nominal(ti->typlen, ti->typalign);

		off = TYPEALIGN(8, off);
		if (cd->encoding == COL_ENC_FIXED_RAW)
		{
			NEED(off, stride * nn, end);
			for (i = 0; i < nsel; i++)
				if (didx[i] >= 0)
					vec->values[i] = PointerGetDatum(raw + off + stride * didx[i]);
		}
		else
		{
			uint32		hdr[4];
			const char *lens;
			uint64		run = 0;
			uint64		runend;

			NEED(off, sizeof(hdr), end);
			memcpy(hdr, raw + off, sizeof(hdr));
			off += sizeof(hdr);
			if (hdr[0] == 0 || hdr[0] > (uint32) nn || hdr[1] > 32)
				ColCorrupt("bad run header");
			NEED(off, ColPackedBytes(hdr[0], hdr[1]), end);
			lens = raw + off;
			off = TYPEALIGN(8, off + ColPackedBytes(hdr[0], hdr[1]));
			NEED(off, stride * hdr[0], end);
			runend = unpack_one(lens, 0, hdr[1]) + 1;
			for (i = 0; i < nsel; i++)
			{
				if (didx[i] < 0)
					continue;
				while ((uint64) didx[i] >= runend)
				{
					if (++run >= hdr[0])
						ColCorrupt("runs cover fewer rows than the chunk has");
					runend += unpack_one(lens, run, hdr[1]) + 1;
				}
				vec->values[i] = PointerGetDatum(raw + off + stride * run);
			}
		}
	}
	else if (ti->typlen == -1 && (cd->encoding == COL_ENC_VAR_PLAIN ||
								  cd->encoding == COL_ENC_VAR_DICT))
	{
		Size		align = value_align(ti);
		const char *codes = NULL;
		uint32		hdr[4] = {0, 0, 0, 0};
		int			nwalk;

		off = TYPEALIGN(8, off);
		if (cd->encoding == COL_ENC_VAR_DICT)
		{
			off = read_dict_header(raw, off, end, nn, hdr);
			codes = raw + off;
			off = TYPEALIGN(8, off + ColPackedBytes(nn, hdr[1]));
			vec->dict = palloc(sizeof(Datum) * hdr[0]);
			vec->ndict = hdr[0];
			decode_varlenas(ti, raw, off, end, hdr[0], vec->dict);
			vec->codes = palloc(sizeof(int32) * Max(nsel, 1));
			for (i = 0; i < nsel; i++)
			{
				uint64		c;

				if (didx[i] < 0)
				{
					vec->codes[i] = -1;
					continue;
				}
				c = unpack_one(codes, didx[i], hdr[1]);
				if (c >= hdr[0])
					ColCorrupt("dictionary code out of range");
				vec->codes[i] = (int32) c;
				vec->values[i] = vec->dict[c];
			}
		}
		else
		{
			/* plain varlenas: walk to each selected one */
			nwalk = 0;
			for (i = 0; i < nsel; i++)
			{
				if (didx[i] < 0)
					continue;
				while (nwalk <= didx[i])
				{
					Datum		v = next_varlena(raw, &off, end, align);

					if (nwalk == didx[i])
						vec->values[i] = v;
					nwalk++;
				}
			}
		}
	}
	else
		ColCorrupt("chunk encoding does not fit the column type");
	pfree(didx);
	return true;
}

/*
 * Decode a stored chunk (CRC already verified by the caller or here) of
 * nrows rows into vec; allocates in the current memory context.  sel
 * (nrows flags, or NULL for all) says which rows the caller will look at:
 * the values of other rows may be left (Datum) 0 when skipping them saves
 * work (shredded jsonb).
 */
void
ColDecodeChunk(ColTypeInfo *ti, const ColChunkDesc *cd, const char *stored,
			   int nrows, const bool *sel, ColVector *vec, int64 *bytes_decoded)
{
	const char *raw;
	uint64		off = 0;
	uint64		end;
	int			nn;
	Datum	   *dense;
	int			i;

	raw = chunk_raw(cd, stored, nrows, bytes_decoded);
	end = cd->raw_len;
	nn = nrows - cd->nnulls;

	vec->values = palloc(sizeof(Datum) * Max(nrows, 1));
	vec->isnull = palloc(sizeof(bool) * Max(nrows, 1));
	vec->hasnulls = cd->nnulls > 0;
	vec->codes = NULL;
	vec->ndict = 0;
	vec->dict = NULL;

	off = read_nulls(cd, raw, end, nrows, vec->isnull);
	dense = !(cd->flags & COL_CHUNK_HAS_NULLS) ? vec->values :
		nn > 0 ? palloc(sizeof(Datum) * nn) : NULL;

	if (nn == 0)
	{
		if (cd->encoding != COL_ENC_NONE)
			ColCorrupt("chunk without values has an encoding");
	}
	else if (ti->typbyval && int_encoding(ti, cd->encoding))
	{
		decode_ints(ti, cd->encoding, raw, off, end, nn, dense);
	}
	else if (ti->typlen > 0 && cd->encoding == COL_ENC_FIXED_RAW)
	{
		Size		stride = att_align_nominal(ti->typlen, ti->typalign);

		off = TYPEALIGN(8, off);
		NEED(off, stride * nn, end);
		for (i = 0; i < nn; i++)
			dense[i] = PointerGetDatum(raw + off + stride * i);
	}
	else if (ti->typlen > 0 && cd->encoding == COL_ENC_FIXED_RUNS)
	{
		Size		stride = att_align_nominal(ti->typlen, ti->typalign);
		uint32		hdr[4];
		uint64	   *lens;
		int			r;
		int			j = 0;

		off = TYPEALIGN(8, off);
		NEED(off, sizeof(hdr), end);
		memcpy(hdr, raw + off, sizeof(hdr));
		off += sizeof(hdr);
		if (hdr[0] == 0 || hdr[0] > (uint32) nn || hdr[1] > 32)
			ColCorrupt("bad run header");
		NEED(off, ColPackedBytes(hdr[0], hdr[1]), end);
		lens = palloc(sizeof(uint64) * hdr[0]);
		ColUnpackBits(raw + off, hdr[0], hdr[1], lens);
		off = TYPEALIGN(8, off + ColPackedBytes(hdr[0], hdr[1]));
		NEED(off, stride * hdr[0], end);
		for (r = 0; r < (int) hdr[0]; r++)
		{
			Datum		d = PointerGetDatum(raw + off + stride * r);
			uint64		k;

			if (lens[r] >= (uint64) (nn - j))
				ColCorrupt("runs cover more rows than the chunk has");
			for (k = 0; k <= lens[r]; k++)
				dense[j++] = d;
		}
		if (j != nn)
			ColCorrupt("runs cover fewer rows than the chunk has");
		pfree(lens);
	}
	else if (ti->typlen == -1 && cd->encoding == COL_ENC_VAR_PLAIN)
	{
		off = TYPEALIGN(8, off);
		decode_varlenas(ti, raw, off, end, nn, dense);
	}
	else if (ti->typlen == -1 && cd->encoding == COL_ENC_VAR_DICT)
	{
		uint32		hdr[4];
		uint64	   *tmp;
		Datum	   *dict;
		int			j;

		off = TYPEALIGN(8, off);
		NEED(off, sizeof(hdr), end);
		memcpy(hdr, raw + off, sizeof(hdr));
		off += sizeof(hdr);
		if (hdr[0] == 0 || hdr[0] > COL_DICT_MAX_ENTRIES || hdr[1] > 32)
			ColCorrupt("bad dictionary header");
		NEED(off, ColPackedBytes(nn, hdr[1]), end);
		tmp = palloc(sizeof(uint64) * nn);
		ColUnpackBits(raw + off, nn, hdr[1], tmp);
		off = TYPEALIGN(8, off + ColPackedBytes(nn, hdr[1]));
		dict = palloc(sizeof(Datum) * hdr[0]);
		decode_varlenas(ti, raw, off, end, hdr[0], dict);
		vec->codes = palloc(sizeof(int32) * nrows);
		vec->dict = dict;
		vec->ndict = hdr[0];
		for (i = 0; i < nn; i++)
		{
			if (unlikely(tmp[i] >= hdr[0]))
				ColCorrupt("dictionary code out of range");
			dense[i] = dict[tmp[i]];
		}
		if (!vec->hasnulls)
			for (i = 0; i < nrows; i++)
				vec->codes[i] = (int32) tmp[i];
		else
		{
			j = 0;
			for (i = 0; i < nrows; i++)
				vec->codes[i] = vec->isnull[i] ? -1 : (int32) tmp[j++];
		}
		pfree(tmp);
	}
	else if (ti->is_jsonb && cd->encoding == COL_ENC_JSONB_SHRED)
	{
		bool	   *dsel = NULL;

		/* rows not selected need not be rebuilt (values left 0) */
		if (sel != NULL)
		{
			int			j = 0;

			dsel = palloc(sizeof(bool) * Max(nn, 1));
			for (i = 0; i < nrows; i++)
				if (!vec->isnull[i])
					dsel[j++] = sel[i];
		}
		off = TYPEALIGN(8, off);
		ColJsonbRebuild(raw + off, end - off, nn, dsel, dense);
	}
	else
		ColCorrupt("chunk encoding does not fit the column type");

	if (dense != vec->values)
	{
		int			j = 0;

		for (i = 0; i < nrows; i++)
			vec->values[i] = vec->isnull[i] ? (Datum) 0 : dense[j++];
		if (dense)
			pfree(dense);
	}
}

/* ---------------- dictionary codes in the context of another column ---------------- */

/*
 * Span columns follow each other: a service has a handful of span names,
 * one resource document per instance, one instrumentation scope per kind
 * of span, and a scope name fixes its version.  A dictionary chunk codes
 * each row with log2(entries) bits whatever its neighbours say; coding it
 * given the dictionary code of a related column (its "context") costs
 * only what that column leaves open.  COL_ENC_VAR_DICT_CTX is a derived
 * encoding (the footer records the context column as its source):
 *
 *	  null bitmap (when the chunk has NULLs), 8-aligned
 *	  uint32 ndict, rank_bits | list_bytes << 8 (1 or 2), nctx, npairs
 *	  ranks: one per non-NULL row, bit-packed in rank_bits bits (packed
 *	  small numbers compress better than bytes: zstd spends more than
 *	  their entropy on short matches between bytes)
 *	  uint16 count[nctx], list[npairs] of list_bytes each
 *	  8-aligned, the ndict distinct values as in COL_ENC_VAR_DICT
 *
 * Context c of a row is its source code, or nctx - 1 where the source is
 * NULL; the count[c] entries of list after those of contexts 0..c-1 are
 * the codes seen with c, most frequent first, and a row stores the
 * position of its code among them (mostly 0).  Codes number the distinct values in first-seen order, as
 * COL_ENC_VAR_DICT does, so both encodings give the same codes; the
 * footer keeps the zone map and value set of the dictionary, so chunk
 * skipping works unchanged.  The writer (col_writer.c) picks for each
 * dictionary chunk the context column of lowest estimated cost
 * (ColContextBits) and keeps the result only when it is much smaller; a
 * context is always a plain COL_ENC_VAR_DICT chunk, whose codes alone the
 * reader decodes (col_reader.c).
 */

/*
 * Dictionary codes of n values (-1 for NULL) numbered as encode_varlena
 * numbers them; returns the number of entries, or -1 when there is no
 * dictionary.
 */
int
ColDictCodes(Datum *values, bool *isnull, int n, int32 *codes)
{
	Datum	   *dense = palloc(sizeof(Datum) * Max(n, 1));
	uint32	   *dc = palloc(sizeof(uint32) * Max(n, 1));
	DictEntry  *ent = NULL;
	int			nn = 0;
	int			ndict;
	int			i;

	for (i = 0; i < n; i++)
		if (!isnull[i])
			dense[nn++] = values[i];
	ndict = nn >= 8 ? build_dict(dense, nn, &ent, dc) : -1;
	if (ndict > 0)
	{
		nn = 0;
		for (i = 0; i < n; i++)
			codes[i] = isnull[i] ? -1 : (int32) dc[nn++];
		pfree(ent);
	}
	pfree(dense);
	pfree(dc);
	return ndict;
}

/* Distinct (context, code) pairs of a chunk and their counts. */
typedef struct CtxPairs
{
	int			cap;			/* hash table slots (power of two) */
	int32	   *slot;			/* pair index or -1 */
	uint32	   *key;			/* per pair: ctx << 12 | code */
	uint32	   *count;
	int			npairs;
	uint32	   *ctxcount;		/* [nctx] rows per context */
} CtxPairs;

static inline uint32
ctx_of(const int32 *scodes, int i, int nctx)
{
	return scodes[i] < 0 ? (uint32) (nctx - 1) : (uint32) scodes[i];
}

/* Count the pairs of the non-NULL rows; rowpair[i] (if given) = pair index. */
static void
ctx_pairs(const int32 *codes, const int32 *scodes, int n, int nctx,
		  CtxPairs *p, int32 *rowpair)
{
	int			i;

	p->cap = 16;
	while (p->cap < 2 * n)
		p->cap <<= 1;
	p->slot = palloc(sizeof(int32) * p->cap);
	memset(p->slot, 0xFF, sizeof(int32) * p->cap);
	p->key = palloc(sizeof(uint32) * Max(n, 1));
	p->count = palloc(sizeof(uint32) * Max(n, 1));
	p->ctxcount = palloc0(sizeof(uint32) * nctx);
	p->npairs = 0;
	for (i = 0; i < n; i++)
	{
		uint32		k,
					h;

		if (codes[i] < 0)
			continue;
		k = ctx_of(scodes, i, nctx) << 12 | (uint32) codes[i];
		h = hash_bytes_uint32(k) & (p->cap - 1);
		while (p->slot[h] >= 0 && p->key[p->slot[h]] != k)
			h = (h + 1) & (p->cap - 1);
		if (p->slot[h] < 0)
		{
			p->slot[h] = p->npairs;
			p->key[p->npairs] = k;
			p->count[p->npairs++] = 0;
		}
		p->count[p->slot[h]]++;
		p->ctxcount[k >> 12]++;
		if (rowpair)
			rowpair[i] = p->slot[h];
	}
}

static void
ctx_pairs_free(CtxPairs *p)
{
	pfree(p->slot);
	pfree(p->key);
	pfree(p->count);
	pfree(p->ctxcount);
}

/*
 * Estimated bits of a chunk's codes[n] (ndict entries) coded in the
 * context of scodes[n] (nsdict entries): the conditional entropy of the
 * rows plus the pair table.  -1 when the encoding cannot be used.
 */
double
ColContextBits(const int32 *codes, int ndict, const int32 *scodes, int nsdict, int n)
{
	CtxPairs	p;
	double		bits = 0;
	int			i;

	if (ndict <= 0 || ndict > COL_DICT_MAX_ENTRIES || nsdict <= 0 ||
		nsdict >= COL_DICT_MAX_ENTRIES)
		return -1;
	ctx_pairs(codes, scodes, n, nsdict + 1, &p, NULL);
	for (i = 0; i < p.npairs; i++)
		bits += p.count[i] * log2((double) p.ctxcount[p.key[i] >> 12] / p.count[i]);
	bits += 4.0 * p.npairs + 2.0 * (nsdict + 1) + 256;
	ctx_pairs_free(&p);
	return bits;
}

/* Order of pairs in the list: by context, then most frequent first. */
static int
ctx_pair_cmp(const void *a, const void *b, void *arg)
{
	const CtxPairs *p = (const CtxPairs *) arg;
	int32		x = *(const int32 *) a;
	int32		y = *(const int32 *) b;
	uint32		kx = p->key[x];
	uint32		ky = p->key[y];

	if ((kx >> 12) != (ky >> 12))
		return (kx >> 12) < (ky >> 12) ? -1 : 1;
	if (p->count[x] != p->count[y])
		return p->count[x] > p->count[y] ? -1 : 1;
	return kx < ky ? -1 : (kx > ky ? 1 : 0);
}

/*
 * Encode n values (codes[n] from ColDictCodes, ndict entries) as
 * COL_ENC_VAR_DICT_CTX in the context of column srcatt's codes scodes[n]
 * (nsdict entries).  Allocates in the current memory context.
 */
void
ColEncodeContext(ColTypeInfo *ti, Datum *values, bool *isnull, int n,
				 const int32 *codes, int ndict, int srcatt,
				 const int32 *scodes, int nsdict, ColEncodedChunk *out)
{
	int			nctx = nsdict + 1;
	CtxPairs	p;
	int32	   *rowpair = palloc(sizeof(int32) * Max(n, 1));
	int32	   *order;
	uint16	   *rank;
	uint32	   *start = palloc0(sizeof(uint32) * (nctx + 1));
	uint16	   *list;
	Datum	   *dict = palloc(sizeof(Datum) * ndict);
	bool	   *seen = palloc0(sizeof(bool) * ndict);
	uint32		hdr[4];
	uint32		maxrank = 0;
	int			rank_bits,
				list_bytes;
	int			nn = 0;
	int			i,
				j;
	ColBuf		b;
	Size		nb = (n + 7) / 8;

	Assert(ndict > 0 && ndict <= COL_DICT_MAX_ENTRIES && nsdict < COL_DICT_MAX_ENTRIES);
	ctx_pairs(codes, scodes, n, nctx, &p, rowpair);
	order = palloc(sizeof(int32) * Max(p.npairs, 1));
	rank = palloc(sizeof(uint16) * Max(p.npairs, 1));
	list = palloc(sizeof(uint16) * Max(p.npairs, 1));
	for (i = 0; i < p.npairs; i++)
		order[i] = i;
	qsort_arg(order, p.npairs, sizeof(int32), ctx_pair_cmp, &p);
	for (i = 0; i < p.npairs; i++)
	{
		uint32		c = p.key[order[i]] >> 12;

		start[c + 1]++;
		list[i] = (uint16) (p.key[order[i]] & 0xFFF);
	}
	for (i = 0; i < nctx; i++)
		start[i + 1] += start[i];
	for (i = 0; i < p.npairs; i++)
	{
		rank[order[i]] = (uint16) (i - start[p.key[order[i]] >> 12]);
		maxrank = Max(maxrank, rank[order[i]]);
	}
	rank_bits = ColBitWidth(maxrank);
	list_bytes = ndict <= 256 ? 1 : 2;

	memset(out, 0, sizeof(ColEncodedChunk));
	colbuf_init(&b, nb + 16 + 2 * (Size) n + 4 * (Size) (nctx + 1) + 2 * (Size) p.npairs + 64);
	for (i = 0; i < n; i++)
	{
		if (isnull[i])
			continue;
		nn++;
		if (!seen[codes[i]])
		{
			seen[codes[i]] = true;
			dict[codes[i]] = values[i];
		}
	}
	out->nnulls = n - nn;
	colbuf_nulls(&b, isnull, n, nn, out);
	colbuf_pad(&b, 8);
	hdr[0] = ndict;
	hdr[1] = rank_bits | list_bytes << 8;
	hdr[2] = nctx;
	hdr[3] = p.npairs;
	colbuf_append(&b, hdr, sizeof(hdr));
	{
		uint64	   *tmp = palloc(sizeof(uint64) * Max(nn, 1));

		j = 0;
		for (i = 0; i < n; i++)
			if (!isnull[i])
				tmp[j++] = rank[rowpair[i]];
		colbuf_reserve(&b, ColPackedBytes(nn, rank_bits));
		ColPackBits(tmp, nn, rank_bits, b.data + b.len);
		b.len += ColPackedBytes(nn, rank_bits);
		pfree(tmp);
	}
	for (i = 0; i < nctx; i++)
	{
		uint16		cnt = (uint16) (start[i + 1] - start[i]);

		colbuf_append(&b, &cnt, sizeof(uint16));
	}
	for (i = 0; i < p.npairs; i++)
	{
		if (list_bytes == 1)
		{
			uint8		v = (uint8) list[i];

			colbuf_append(&b, &v, 1);
		}
		else
			colbuf_append(&b, &list[i], sizeof(uint16));
	}
	colbuf_pad(&b, 8);
	for (i = 0; i < ndict; i++)
	{
		if (!seen[i])
			elog(ERROR, "dictionary code without a value");
		append_varlena(&b, dict[i], value_align(ti));
	}
	dict_summary(ti, dict, ndict, out);
	out->encoding = COL_ENC_VAR_DICT_CTX;
	out->source = srcatt + 1;
	compress_chunk(&b, out);

	ctx_pairs_free(&p);
	pfree(rowpair);
	pfree(order);
	pfree(rank);
	pfree(start);
	pfree(list);
	pfree(dict);
	pfree(seen);
}

/*
 * Check and parse a COL_ENC_VAR_DICT_CTX chunk given its context's codes
 * scodes[nrows]: sets isnull[nrows] and codes[nrows] (-1 for NULL),
 * *ndict, and returns the raw bytes, the dictionary at *dictoff.
 */
static const char *
ctx_decode_codes(const ColChunkDesc *cd, const char *stored, int nrows,
				 const int32 *scodes, bool *isnull, int32 *codes,
				 uint32 *ndict, uint64 *dictoff, int64 *bytes_decoded)
{
	const char *raw = chunk_raw(cd, stored, nrows, bytes_decoded);
	uint64		end = cd->raw_len;
	uint64		off;
	uint32		hdr[4];
	const char *ranks;
	uint64	   *rk;
	uint32	   *start;
	const char *list;
	uint32		nn = nrows - cd->nnulls;
	uint32		k = 0;
	uint32		rank_bits,
				list_bytes;
	int			i,
				c;

	if (cd->encoding != COL_ENC_VAR_DICT_CTX)
		ColCorrupt("not a context coded chunk");
	off = TYPEALIGN(8, read_nulls(cd, raw, end, nrows, isnull));
	NEED(off, sizeof(hdr), end);
	memcpy(hdr, raw + off, sizeof(hdr));
	off += sizeof(hdr);
	rank_bits = hdr[1] & 0xFF;
	list_bytes = hdr[1] >> 8;
	if (hdr[0] == 0 || hdr[0] > COL_DICT_MAX_ENTRIES ||
		rank_bits > 12 || (list_bytes != 1 && list_bytes != 2) ||
		hdr[2] == 0 || hdr[2] > COL_DICT_MAX_ENTRIES || hdr[3] > nn)
		ColCorrupt("bad context dictionary header");
	NEED(off, ColPackedBytes(nn, rank_bits), end);
	ranks = raw + off;
	off += ColPackedBytes(nn, rank_bits);
	NEED(off, sizeof(uint16) * (uint64) hdr[2] + (uint64) list_bytes * hdr[3], end);
	start = palloc(sizeof(uint32) * (hdr[2] + 1));
	start[0] = 0;
	for (c = 0; c < (int) hdr[2]; c++)
	{
		uint16		cnt;

		memcpy(&cnt, raw + off + sizeof(uint16) * c, sizeof(uint16));
		start[c + 1] = start[c] + cnt;
	}
	off += sizeof(uint16) * (uint64) hdr[2];
	list = raw + off;
	off = TYPEALIGN(8, off + (uint64) list_bytes * hdr[3]);
	if (start[hdr[2]] != hdr[3])
		ColCorrupt("bad context dictionary table");
	rk = palloc(sizeof(uint64) * Max(nn, 1));
	ColUnpackBits(ranks, nn, rank_bits, rk);
	for (i = 0; i < nrows; i++)
	{
		uint32		ctx,
					r;
		uint16		code;

		if (isnull[i])
		{
			codes[i] = -1;
			continue;
		}
		ctx = scodes[i] < 0 ? hdr[2] - 1 : (uint32) scodes[i];
		if (ctx >= hdr[2] || (scodes[i] >= 0 && ctx == hdr[2] - 1))
			ColCorrupt("context code out of range");
		r = (uint32) rk[k++];
		if (r >= start[ctx + 1] - start[ctx])
			ColCorrupt("context rank out of range");
		if (list_bytes == 1)
			code = (uint8) list[start[ctx] + r];
		else
			memcpy(&code, list + sizeof(uint16) * (start[ctx] + r), sizeof(uint16));
		if (code >= hdr[0])
			ColCorrupt("dictionary code out of range");
		codes[i] = code;
	}
	pfree(start);
	pfree(rk);
	*ndict = hdr[0];
	*dictoff = off;
	return raw;
}

/*
 * Dictionary codes (-1 for NULL) of a COL_ENC_VAR_DICT chunk, without its
 * values; palloc'd, nrows entries.  *ndict receives the entry count.
 */
int32 *
ColChunkCodes(const ColChunkDesc *cd, const char *stored, int nrows, int *ndict)
{
	int32	   *codes = palloc(sizeof(int32) * Max(nrows, 1));
	bool	   *isnull = palloc(sizeof(bool) * Max(nrows, 1));
	uint64	   *tmp;
	const char *raw;
	uint64		end = cd->raw_len;
	uint64		off;
	uint32		hdr[4];
	uint32		nn = nrows - cd->nnulls;
	int			i,
				j = 0;

	if (cd->encoding != COL_ENC_VAR_DICT)
		ColCorrupt("context column is not dictionary coded");
	raw = chunk_raw(cd, stored, nrows, NULL);
	off = read_dict_header(raw, TYPEALIGN(8, read_nulls(cd, raw, end, nrows, isnull)),
						   end, nn, hdr);
	tmp = palloc(sizeof(uint64) * Max(nn, 1));
	ColUnpackBits(raw + off, nn, hdr[1], tmp);
	for (i = 0; i < nrows; i++)
	{
		if (isnull[i])
		{
			codes[i] = -1;
			continue;
		}
		if (unlikely(tmp[j] >= hdr[0]))
			ColCorrupt("dictionary code out of range");
		codes[i] = (int32) tmp[j++];
	}
	pfree(tmp);
	if (raw != stored)
		pfree((char *) raw);
	pfree(isnull);
	*ndict = (int) hdr[0];
	return codes;
}

/*
 * Decode a COL_ENC_VAR_DICT_CTX chunk of nrows rows into vec (values and
 * dictionary form), given its context column's codes scodes[nrows].
 */
void
ColDecodeContext(ColTypeInfo *ti, const ColChunkDesc *cd, const char *stored,
				 int nrows, const int32 *scodes, ColVector *vec,
				 int64 *bytes_decoded)
{
	const char *raw;
	uint32		ndict;
	uint64		off;
	int			i;

	if (ti->typlen != -1)
		ColCorrupt("chunk encoding does not fit the column type");
	vec->values = palloc(sizeof(Datum) * Max(nrows, 1));
	vec->isnull = palloc(sizeof(bool) * Max(nrows, 1));
	vec->codes = palloc(sizeof(int32) * Max(nrows, 1));
	vec->hasnulls = cd->nnulls > 0;
	/* the raw bytes stay allocated: the dictionary points into them */
	raw = ctx_decode_codes(cd, stored, nrows, scodes, vec->isnull, vec->codes,
						   &ndict, &off, bytes_decoded);
	vec->dict = palloc(sizeof(Datum) * ndict);
	vec->ndict = ndict;
	decode_varlenas(ti, raw, off, cd->raw_len, ndict, vec->dict);
	for (i = 0; i < nrows; i++)
		vec->values[i] = vec->codes[i] < 0 ? (Datum) 0 : vec->dict[vec->codes[i]];
}
