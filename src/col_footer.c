/*-------------------------------------------------------------------------
 *
 * col_footer.c
 *	  Serialization of the stripe footer: the chunk directory with each
 *	  chunk's position, lengths, encoding, checksum and skip structures.
 *
 * Layout (host byte order):
 *	  uint32 magic, version, natts, ngroups
 *	  uint32 group_rows[ngroups]
 *	  per column: uint32 section offset (from the footer start), length, CRC32C
 *	  uint32 CRC32C of the header (everything above)
 *	  per column, its section: per chunk group:
 *		uint64 offset, stored_len, raw_len
 *		uint32 crc, nnulls
 *		uint8 encoding, compression, flags, source (derived encodings:
 *			  the column + 1 whose chunk of the same group they decode from)
 *		[if HAS_MINMAX: min and max, each uint32 length + bytes]
 *		uint32 bloom_bytes + bytes
 *		uint32 ndictset + uint32 hashes
 *
 * Columns have their own sections and checksums so that a reader can load
 * the header and only the sections of the columns it needs: a point lookup
 * reads the trace_id section of every stripe (its blooms), and the other
 * columns' sections only of the stripes it does not skip.
 *
 * The parser checks every length against the buffer; the reader checks
 * that the chunks lie inside the stripe data before the footer.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/col_footer.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/tupdesc.h"

#include "col_internal.h"

static void
put32(StringInfo buf, uint32 v)
{
	appendBinaryStringInfo(buf, (char *) &v, 4);
}

static void
put64(StringInfo buf, uint64 v)
{
	appendBinaryStringInfo(buf, (char *) &v, 8);
}

static void
put_datum(StringInfo buf, ColTypeInfo *ti, Datum d)
{
	if (ti->typbyval)
	{
		put32(buf, 8);
		put64(buf, (uint64) d);
	}
	else if (ti->typlen > 0)
	{
		put32(buf, ti->typlen);
		appendBinaryStringInfo(buf, DatumGetPointer(d), ti->typlen);
	}
	else
	{
		struct varlena *v = (struct varlena *) DatumGetPointer(d);
		uint32		dlen = VARSIZE_ANY_EXHDR(v);

		put32(buf, dlen);
		appendBinaryStringInfo(buf, VARDATA_ANY(v), dlen);
	}
}

void
ColFooterSerialize(StringInfo buf, int natts, int ngroups,
				   const uint32 *group_rows, ColEncodedChunk *chunks,
				   ColTypeInfo *types)
{
	StringInfoData sect;
	uint32		hdrlen = 16 + 4 * ngroups + 12 * natts + 4;
	uint32		pos = hdrlen;
	int			a,
				g;

	initStringInfo(&sect);
	put32(buf, COL_FOOTER_MAGIC);
	put32(buf, COL_FORMAT_VERSION);
	put32(buf, natts);
	put32(buf, ngroups);
	for (g = 0; g < ngroups; g++)
		put32(buf, group_rows[g]);
	for (a = 0; a < natts; a++)
	{
		uint32		start = sect.len;

		for (g = 0; g < ngroups; g++)
		{
			ColEncodedChunk *c = &chunks[a * ngroups + g];
			uint8		b[4];

			put64(&sect, c->offset);
			put64(&sect, c->stored_len);
			put64(&sect, c->raw_len);
			put32(&sect, c->crc);
			put32(&sect, c->nnulls);
			b[0] = c->encoding;
			b[1] = c->compression;
			b[2] = c->flags;
			b[3] = c->source;
			appendBinaryStringInfo(&sect, (char *) b, 4);
			if (c->flags & COL_CHUNK_HAS_MINMAX)
			{
				put_datum(&sect, &types[a], c->min);
				put_datum(&sect, &types[a], c->max);
			}
			put32(&sect, c->bloom_bytes);
			if (c->bloom_bytes)
				appendBinaryStringInfo(&sect, (char *) c->bloom, c->bloom_bytes);
			put32(&sect, c->ndictset);
			if (c->ndictset)
				appendBinaryStringInfo(&sect, (char *) c->dictset,
									   sizeof(uint32) * c->ndictset);
		}
		put32(buf, pos);
		put32(buf, sect.len - start);
		put32(buf, ColCrc(sect.data + start, sect.len - start));
		pos += sect.len - start;
	}
	put32(buf, ColCrc(buf->data, buf->len));
	Assert(buf->len == hdrlen);
	appendBinaryStringInfo(buf, sect.data, sect.len);
	pfree(sect.data);
}

typedef struct FooterReader
{
	const char *data;
	uint64		len;
	uint64		off;
} FooterReader;

static const char *
take(FooterReader *r, uint64 n)
{
	const char *p;

	if (r->off + n > r->len || r->off + n < r->off)
		ColCorrupt("stripe footer is truncated");
	p = r->data + r->off;
	r->off += n;
	return p;
}

static uint32
get32(FooterReader *r)
{
	uint32		v;

	memcpy(&v, take(r, 4), 4);
	return v;
}

static uint64
get64(FooterReader *r)
{
	uint64		v;

	memcpy(&v, take(r, 8), 8);
	return v;
}

static Datum
get_datum(FooterReader *r, ColTypeInfo *ti)
{
	uint32		len = get32(r);
	const char *p = take(r, len);

	if (ti->typbyval)
	{
		uint64		v;

		if (len != 8)
			ColCorrupt("bad zone map value");
		memcpy(&v, p, 8);
		return (Datum) v;
	}
	else if (ti->typlen > 0)
	{
		char	   *c;

		if (len != (uint32) ti->typlen)
			ColCorrupt("bad zone map value");
		c = palloc(len);
		memcpy(c, p, len);
		return PointerGetDatum(c);
	}
	else
	{
		char	   *c;

		if (len > COL_MAX_MINMAX_BYTES)
			ColCorrupt("bad zone map value");
		c = palloc(len + VARHDRSZ);
		SET_VARSIZE(c, len + VARHDRSZ);
		memcpy(c + VARHDRSZ, p, len);
		return PointerGetDatum(c);
	}
}

/*
 * Length of the footer header, from the footer's first 16 bytes; checks
 * the magic number and the version.
 */
uint64
ColFooterHeaderLength(const char *first, uint64 footer_len)
{
	uint32		w[4];
	uint64		hdrlen;

	if (footer_len < 20)
		ColCorrupt("stripe footer is truncated");
	memcpy(w, first, 16);
	if (w[0] != COL_FOOTER_MAGIC)
		ColCorrupt("stripe footer has a bad magic number");
	if (w[1] != COL_FORMAT_VERSION)
		ColCorrupt("stripe footer has an unknown version");
	if (w[2] > MaxTupleAttributeNumber || w[3] == 0 || w[3] > COL_STRIPE_ROWS)
		ColCorrupt("stripe footer has impossible counts");
	hdrlen = 16 + 4 * (uint64) w[3] + 12 * (uint64) w[2] + 4;
	if (hdrlen > footer_len)
		ColCorrupt("stripe footer is truncated");
	return hdrlen;
}

/*
 * Parse the footer header (hdrlen bytes, see ColFooterHeaderLength) of a
 * footer of footer_len bytes.  No column is loaded yet.
 */
ColFooter *
ColFooterParseHeader(const char *data, uint64 hdrlen, uint64 footer_len,
					 TupleDesc tupdesc)
{
	FooterReader r = {data, hdrlen - 4, 8};
	ColFooter  *f = palloc0(sizeof(ColFooter));
	uint32		crc;
	uint64		rows = 0;
	int			a,
				g;

	memcpy(&crc, data + hdrlen - 4, 4);
	if (ColCrc(data, hdrlen - 4) != crc)
		ColCorrupt("stripe footer checksum mismatch");
	f->natts = get32(&r);
	f->ngroups = get32(&r);
	if (f->natts > tupdesc->natts || f->ngroups <= 0 ||
		f->ngroups > COL_STRIPE_ROWS)
		ColCorrupt("stripe footer has impossible counts");
	f->group_rows = palloc(sizeof(uint32) * f->ngroups);
	f->group_first = palloc(sizeof(uint64) * f->ngroups);
	for (g = 0; g < f->ngroups; g++)
	{
		f->group_rows[g] = get32(&r);
		f->group_first[g] = rows;
		if (f->group_rows[g] == 0 || f->group_rows[g] > COL_CHUNK_ROWS)
			ColCorrupt("chunk group has an impossible row count");
		rows += f->group_rows[g];
	}
	f->sect_off = palloc(sizeof(uint32) * Max(f->natts, 1));
	f->sect_len = palloc(sizeof(uint32) * Max(f->natts, 1));
	f->sect_crc = palloc(sizeof(uint32) * Max(f->natts, 1));
	f->loaded = palloc0(sizeof(bool) * Max(f->natts, 1));
	for (a = 0; a < f->natts; a++)
	{
		f->sect_off[a] = get32(&r);
		f->sect_len[a] = get32(&r);
		f->sect_crc[a] = get32(&r);
		if (f->sect_off[a] < hdrlen || f->sect_off[a] > footer_len ||
			f->sect_len[a] > footer_len - f->sect_off[a])
			ColCorrupt("stripe footer section lies outside the footer");
	}
	f->chunks = palloc0(sizeof(ColChunkDesc) * Max(f->natts * f->ngroups, 1));
	return f;
}

/*
 * Parse column a's section (f->sect_len[a] bytes at data).  The blooms
 * point into data, which must live as long as the footer.
 */
void
ColFooterParseColumn(ColFooter *f, int a, const char *data, ColTypeInfo *ti)
{
	FooterReader r = {data, f->sect_len[a], 0};
	int			g;

	if (ColCrc(data, f->sect_len[a]) != f->sect_crc[a])
		ColCorrupt("stripe footer checksum mismatch");
	for (g = 0; g < f->ngroups; g++)
	{
		ColChunkDesc *c = COL_CHUNK(f, a, g);
		const uint8 *b;

		c->offset = get64(&r);
		c->stored_len = get64(&r);
		c->raw_len = get64(&r);
		c->crc = get32(&r);
		c->nnulls = get32(&r);
		b = (const uint8 *) take(&r, 4);
		c->encoding = b[0];
		c->compression = b[1];
		c->flags = b[2];
		c->source = b[3];
		if (ColDerivedEncoding(c->encoding) !=
			(c->source > 0 && c->source <= f->natts && c->source != a + 1))
			ColCorrupt("derived chunk has a bad source column");
		if (c->nnulls > f->group_rows[g])
			ColCorrupt("chunk has more NULLs than rows");
		if (c->flags & COL_CHUNK_HAS_MINMAX)
		{
			c->min = get_datum(&r, ti);
			c->max = get_datum(&r, ti);
		}
		c->bloom_bytes = get32(&r);
		c->bloom = (const uint8 *) take(&r, c->bloom_bytes);
		c->ndictset = get32(&r);
		if (c->ndictset > COL_DICTSET_MAX)
			ColCorrupt("dictionary set is too large");
		if (c->ndictset)
		{
			uint32	   *ds = palloc(sizeof(uint32) * c->ndictset);

			memcpy(ds, take(&r, sizeof(uint32) * c->ndictset),
				   sizeof(uint32) * c->ndictset);
			c->dictset = ds;
		}
	}
	if (r.off != r.len)
		ColCorrupt("stripe footer has trailing bytes");
	f->loaded[a] = true;
}

/* Parse a whole footer of len bytes. */
ColFooter *
ColFooterParse(const char *data, uint64 len, TupleDesc tupdesc,
			   ColTypeInfo *types)
{
	uint64		hdrlen = ColFooterHeaderLength(data, len);
	ColFooter  *f = ColFooterParseHeader(data, hdrlen, len, tupdesc);
	int			a;

	for (a = 0; a < f->natts; a++)
		ColFooterParseColumn(f, a, data + f->sect_off[a], &types[a]);
	return f;
}
