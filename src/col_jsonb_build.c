/*-------------------------------------------------------------------------
 *
 * col_jsonb_build.c
 *	  Build jsonb objects straight into their binary form, for values whose
 *	  keys are known to be unique and already in jsonb order.
 *
 * Rebuilding the jsonb values of a shredded chunk (ColJsonbRebuild) is the
 * main cost of reading whole attribute columns, and of compaction, which
 * decodes every row of the head stripes it merges.  PostgreSQL's way of
 * making a jsonb (pushJsonbValue, then JsonbValueToJsonb) allocates a
 * parse state and a pair array per object, sorts and de-duplicates the
 * keys, and serializes into a StringInfo that starts at 1 kB and grows by
 * doubling: several allocations and copies per row, and one fresh block of
 * memory per row that the kernel has to fault in.
 *
 * Here the caller hands the pairs of one object, keys sorted the way jsonb
 * sorts them (by length, then bytes: ColJsonbKeyCmp) and unique, and the
 * object is written once, in its exact size, into an arena of large
 * blocks.  The bytes are those PostgreSQL's serializer (jsonb_util.c's
 * convertJsonbObject) produces for the same object: the container header,
 * the keys' then the values' JEntries (every JB_OFFSET_STRIDE'th one
 * holding the end offset instead of the length), the key strings, then
 * the values, numerics and nested containers padded with zero bytes to a
 * 4-byte boundary counted from the start of the varlena (the padding
 * belongs to the value's length).  A nested container is copied as it is
 * stored (its offsets are relative to its own start, and its inner padding
 * depends only on its start being 4-aligned), which is what serializing
 * its unpacked tokens again would give.  Integers become the numerics
 * int64_to_numeric makes.  The regression test col_compact_jsonb compares
 * values rebuilt this way with the originals.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/col_jsonb_build.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "col_internal.h"

/* jsonb's order of object keys: shorter first, then by bytes. */
int
ColJsonbKeyCmp(const char *a, int alen, const char *b, int blen)
{
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return memcmp(a, b, alen);
}

/* Zero bytes up to the next 4-byte boundary of off; returns their count. */
static inline uint32
pad_to_int(char *base, Size *off)
{
	uint32		pad = INTALIGN(*off) - *off;

	if (pad > 0)
		memset(base + *off, 0, pad);
	*off += pad;
	return pad;
}

/*
 * The jsonb object of npairs pairs (keys unique and in ColJsonbKeyCmp
 * order), allocated in the arena.  Integer pairs are converted with
 * int64_to_numeric.
 */
struct varlena *
ColJsonbBuildObject(ColArena *arena, ColJsonbPair *pairs, int npairs)
{
	Size		bound;
	Size		off;
	char	   *base;
	JEntry	   *je;
	uint32		totallen = 0;
	int			i;

	/* an upper bound of the size: 3 bytes of padding per padded value */
	bound = VARHDRSZ + sizeof(uint32) + sizeof(JEntry) * 2 * (Size) npairs;
	for (i = 0; i < npairs; i++)
	{
		ColJsonbPair *p = &pairs[i];

		bound += p->keylen;
		switch (p->type)
		{
			case COL_KV_STRING:
				bound += VARSIZE_ANY_EXHDR(p->ptr);
				break;
			case COL_KV_INT:
				p->ptr = (const char *) int64_to_numeric(p->ival);
				/* FALLTHROUGH */
			case COL_KV_FLOAT:
				bound += 3 + VARSIZE_ANY(p->ptr);
				break;
			case COL_KV_OTHER:
				bound += 3 + VARSIZE(p->ptr) - VARHDRSZ;
				break;
			default:
				break;
		}
	}
	base = ColArenaReserve(arena, bound);
	*(uint32 *) (base + VARHDRSZ) = (uint32) npairs | JB_FOBJECT;
	je = (JEntry *) (base + VARHDRSZ + sizeof(uint32));
	off = VARHDRSZ + sizeof(uint32) + sizeof(JEntry) * 2 * (Size) npairs;

	for (i = 0; i < npairs; i++)
	{
		JEntry		meta = pairs[i].keylen;

		memcpy(base + off, pairs[i].key, pairs[i].keylen);
		off += pairs[i].keylen;
		totallen += pairs[i].keylen;
		if (i % JB_OFFSET_STRIDE == 0)
			meta = totallen | JENTRY_HAS_OFF;
		je[i] = meta;
	}
	for (i = 0; i < npairs; i++)
	{
		ColJsonbPair *p = &pairs[i];
		uint32		len = 0;
		JEntry		meta;
		Size		n;

		switch (p->type)
		{
			case COL_KV_NULL:
				meta = JENTRY_ISNULL;
				break;
			case COL_KV_BOOL:
				meta = p->ival != 0 ? JENTRY_ISBOOL_TRUE : JENTRY_ISBOOL_FALSE;
				break;
			case COL_KV_STRING:
				len = VARSIZE_ANY_EXHDR(p->ptr);
				memcpy(base + off, VARDATA_ANY(p->ptr), len);
				off += len;
				meta = JENTRY_ISSTRING;
				break;
			case COL_KV_INT:
			case COL_KV_FLOAT:
				len = pad_to_int(base, &off);
				n = VARSIZE_ANY(p->ptr);
				memcpy(base + off, p->ptr, n);
				off += n;
				len += n;
				meta = JENTRY_ISNUMERIC;
				if (p->type == COL_KV_INT)
					pfree((void *) p->ptr);
				break;
			case COL_KV_OTHER:
				len = pad_to_int(base, &off);
				n = VARSIZE(p->ptr) - VARHDRSZ;
				memcpy(base + off, VARDATA(p->ptr), n);
				off += n;
				len += n;
				meta = JENTRY_ISCONTAINER;
				break;
			default:
				elog(ERROR, "unexpected jsonb pair type %d", p->type);
				meta = 0;		/* keep the compiler quiet */
		}
		totallen += len;
		if (totallen > JENTRY_OFFLENMASK)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("total size of jsonb object elements exceeds the maximum of %d bytes",
							JENTRY_OFFLENMASK)));
		if ((i + npairs) % JB_OFFSET_STRIDE == 0)
			meta |= totallen | JENTRY_HAS_OFF;
		else
			meta |= len;
		je[npairs + i] = meta;
	}
	Assert(off <= bound);
	SET_VARSIZE(base, off);
	arena->used += off;
	return (struct varlena *) base;
}
