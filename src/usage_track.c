/*-------------------------------------------------------------------------
 *
 * usage_track.c
 *	  Cost attribution of one OTLP request (the hot path).
 *
 * UsageTrackRequest() walks the decoded request once, computing each
 * span's charge (see usage.h for the algorithm) and its series, and adds
 * the charges up in a backend-local table of series.  The request then
 * costs one short exclusive lock of the shared table, taken to add the
 * sums of the series it touched.
 *
 * The local table outlives the request: each entry remembers the shared
 * entry of its series (dynahash entries never move), so the merge is a
 * pointer walk, not a shared hash lookup per series.  Such a pointer is
 * trusted only while the shared "generation" is the one it was found
 * under; the stale purge, the only code that removes shared entries,
 * bumps it.  Overflowed label sets are never cached (they get their own
 * series once there is room again).  The local table is dropped when it
 * grows past twice the shared capacity.  It is an open-addressing table
 * of small slots (key pointer and hash) over series allocated to the size
 * of their key, so that a lookup of one of thousands of series touches
 * about two cache lines.
 *
 * Per span, the work is: the span's protobuf size, its string attributes
 * matched against the span-scoped dimensions (none when every dimension
 * is resource-scoped), and, only when its label values differ from the
 * previous span's, a series key and one local hash lookup.
 *
 * Protobuf sizes are computed with protobuf-c for the spans, the resource
 * and the scope; the sizes of ScopeSpans and ResourceSpans are assembled
 * from those (tag, length varint, schema URL, unknown fields) so no span
 * is sized twice, and QualityTrackRequest reuses the request's total
 * (UsageRequestBytes).  Assert-enabled builds check the result against
 * protobuf_c_message_get_packed_size() of the whole batch.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/usage_track.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "tempo.h"
#include "usage_internal.h"

/*
 * A series seen by this backend: the sums of the current request, and
 * the shared entry of the series when known.
 */
typedef struct LocalSeries
{
	UsageSeries *shared;		/* valid while shared_gen is current */
	uint64		shared_gen;
	int64		bytes;			/* of the current request */
	int64		spans;
	uint32		hash;			/* of the key, as usage_key_hash() */
	bool		pending;		/* in pending_series */
	uint32		len;
	char		key[FLEXIBLE_ARRAY_MEMBER]; /* a UsageKey's data */
} LocalSeries;

/*
 * Slot of the local open-addressing table (lib/simplehash.h): the key
 * points into its series, and the stored hash is compared first, so a
 * lookup reads the series only when it is the one sought.
 */
typedef struct LocalKey
{
	const char *data;
	uint32		len;
} LocalKey;

typedef struct LocalSlot
{
	LocalKey	key;
	uint32		hash;
	char		status;
	LocalSeries *series;
} LocalSlot;

#define SH_PREFIX		localseries
#define SH_ELEMENT_TYPE	LocalSlot
#define SH_KEY_TYPE		LocalKey
#define SH_KEY			key
#define SH_HASH_KEY(tb, k)	hash_bytes((const unsigned char *) (k).data, (k).len)
#define SH_EQUAL(tb, a, b)	((a).len == (b).len && memcmp((a).data, (b).data, (a).len) == 0)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a)	((a)->hash)
#define SH_SCOPE		static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

static localseries_hash *local_series = NULL;
static MemoryContext track_cxt = NULL;

/* The local series the current request charged, in first-use order. */
static LocalSeries **pending_series = NULL;
static int	npending = 0;
static int	maxpending = 0;

/*
 * The protobuf size of the request last attributed, for
 * QualityTrackRequest (UsageRequestBytes), so that the request is not
 * sized twice.  Identified by its address and first batch; cleared when
 * the next request comes in and when it is used.
 */
static const OtlpRequest *sized_req = NULL;
static const OtlpResourceSpans *sized_first = NULL;
static int64 sized_bytes = 0;

/* Bytes of the varint encoding of v. */
static inline size_t
varintSize(uint64 v)
{
	size_t		n = 1;

	while (v >= 128)
	{
		v >>= 7;
		n++;
	}
	return n;
}

/* Size of a length-delimited field with a 1-byte tag (field number < 16). */
static inline size_t
framed(size_t len)
{
	return 1 + varintSize(len) + len;
}

static size_t
unknownFieldsSize(const ProtobufCMessage *m)
{
	size_t		size = 0;
	unsigned	i;

	for (i = 0; i < m->n_unknown_fields; i++)
		size += varintSize((uint64) m->unknown_fields[i].tag << 3) +
			m->unknown_fields[i].len;
	return size;
}

static inline size_t
stringFieldSize(const char *s)
{
	size_t		len = s ? strlen(s) : 0;

	return len > 0 ? framed(len) : 0;
}

/* x / n rounded half to even (x >= 0, n > 0), as Go's math.RoundToEven. */
static int64
divRoundHalfEven(int64 x, int64 n)
{
	int64		q = x / n;
	int64		r = x % n;

	if (2 * r > n || (2 * r == n && (q % 2) != 0))
		q++;
	return q;
}

/*
 * Append at most maxlen bytes of s to buf at *pos, replacing bytes that
 * are not valid UTF-8 by '?' and not cutting a character; then a zero byte.
 */
static void
appendKeyPart(char *buf, uint32 *pos, const char *s, int maxlen)
{
	uint32		p = *pos;
	int			used = 0;

	while (*s)
	{
		int			l;
		int			i;
		bool		ok = true;

		if (!IS_HIGHBIT_SET(*s))
		{
			/* ASCII, the common case */
			if (used + 1 > maxlen)
				break;
			buf[p++] = *s++;
			used++;
			continue;
		}
		l = pg_utf_mblen((const unsigned char *) s);

		for (i = 1; i < l; i++)
			if (s[i] == '\0')
				ok = false;
		if (ok)
			ok = pg_utf8_islegal((const unsigned char *) s, l);
		if (!ok)
			l = 1;
		if (used + l > maxlen)
			break;
		if (ok)
			memcpy(buf + p, s, l);
		else
			buf[p] = '?';
		p += l;
		used += l;
		s += l;
	}
	buf[p++] = '\0';
	*pos = p;
}

/*
 * Build the key of a series from the tenant and one value per label
 * (NULL = missing).  Value lengths are capped so that every key fits.
 */
static void
buildKey(UsageKey *key, const char *tenant, const UsageConfig *cfg,
		 const char *const *values, int valuecap)
{
	uint32		pos = 0;
	int			i;

	appendKeyPart(key->data, &pos, tenant, OTLP_MAX_TENANT_LEN);
	for (i = 0; i < cfg->nlabels; i++)
	{
		appendKeyPart(key->data, &pos, cfg->labels[i], USAGE_MAX_LABEL_LEN);
		appendKeyPart(key->data, &pos, values[i] ? values[i] : USAGE_MISSING, valuecap);
	}
	Assert(pos <= USAGE_KEY_LEN);
	key->len = pos;
}

/* The longest value that keeps every key of this configuration in bounds. */
static int
valueCap(const UsageConfig *cfg)
{
	int			names = 0;
	int			cap;
	int			i;

	for (i = 0; i < cfg->nlabels; i++)
		names += strlen(cfg->labels[i]) + 1;
	cap = (USAGE_KEY_LEN - USAGE_TENANT_LEN - names) / Max(cfg->nlabels, 1) - 1;
	/* __overflow__ and __missing__ must always fit */
	Assert(cap >= (int) strlen(USAGE_OVERFLOW));
	return Min(cap, USAGE_MAX_VALUE_LEN);
}

/* Apply the string attributes of kvs matching dimensions of one scope. */
static void
applyAttributes(const UsageConfig *cfg, char scope, OtlpKeyValue *const *kvs,
				size_t n, const char **values)
{
	size_t		i;
	int			d;

	for (i = 0; i < n; i++)
	{
		const OtlpKeyValue *kv = kvs[i];
		const char *v;

		if (kv->key == NULL || kv->value == NULL ||
			kv->value->value_case != OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE)
			continue;
		v = kv->value->string_value;
		if (v == NULL || v[0] == '\0')
			continue;
		for (d = 0; d < cfg->ndims; d++)
		{
			const UsageDimension *dim = &cfg->dims[d];

			if ((dim->scope == scope || dim->scope == USAGE_SCOPE_ANY) &&
				strcmp(dim->attr, kv->key) == 0)
				values[dim->label] = v;
		}
	}
}

/* Are the label values of two spans the same strings? */
static inline bool
sameValues(const char *const *a, const char *const *b, int n)
{
	int			i;

	for (i = 0; i < n; i++)
	{
		if (a[i] == b[i])
			continue;
		if (a[i] == NULL || b[i] == NULL || strcmp(a[i], b[i]) != 0)
			return false;
	}
	return true;
}

static LocalSeries *
addLocal(const UsageKey *key, int64 bytes)
{
	LocalSlot  *slot;
	LocalSeries *ls;
	LocalKey	lkey;
	bool		found;

	lkey.data = key->data;
	lkey.len = key->len;
	slot = localseries_insert(local_series, lkey, &found);
	if (!found)
	{
		ls = MemoryContextAlloc(track_cxt, offsetof(LocalSeries, key) + key->len);
		ls->shared = NULL;
		ls->shared_gen = 0;
		ls->bytes = 0;
		ls->spans = 0;
		ls->hash = slot->hash;
		ls->pending = false;
		ls->len = key->len;
		memcpy(ls->key, key->data, key->len);
		slot->key.data = ls->key;	/* the caller's key goes away */
		slot->series = ls;
	}
	ls = slot->series;
	if (!ls->pending)
	{
		if (npending >= maxpending)
		{
			maxpending *= 2;
			pending_series = repalloc(pending_series,
									  sizeof(LocalSeries *) * maxpending);
		}
		pending_series[npending++] = ls;
		ls->pending = true;
	}
	ls->bytes += bytes;
	ls->spans++;
	return ls;
}

/* Forget the sums of the current request (none, or of a failed one). */
static void
resetPending(void)
{
	int			i;

	for (i = 0; i < npending; i++)
	{
		pending_series[i]->pending = false;
		pending_series[i]->bytes = 0;
		pending_series[i]->spans = 0;
	}
	npending = 0;
}

/*
 * The shared entry of a series, created if the tenant and the table have
 * room, else the tenant's overflow series (NULL only when even that does
 * not fit).  Caller holds the lock exclusively.
 */
static UsageSeries *
sharedSeries(LocalSeries *ls, UsageTenant *t, const UsageKey *okey)
{
	UsageSeries *s;
	UsageKey	key;
	bool		found;

	if (ls->shared != NULL && ls->shared_gen == usage_shared->generation)
		return ls->shared;

	key.len = ls->len;
	memcpy(key.data, ls->key, ls->len);
	s = hash_search_with_hash_value(usage_series, &key, ls->hash,
									HASH_FIND, NULL);
	if (s == NULL && t->nseries < tempo_cost_attribution_max_cardinality &&
		usage_shared->nseries < usage_shared->max_series &&
		usage_key_cmp(&key, okey, 0) != 0)
	{
		s = hash_search_with_hash_value(usage_series, &key, ls->hash,
										HASH_ENTER_NULL, &found);
		if (s != NULL)
		{
			memset((char *) s + sizeof(UsageKey), 0,
				   sizeof(UsageSeries) - sizeof(UsageKey));
			t->nseries++;
			usage_shared->nseries++;
		}
	}
	if (s != NULL)
	{
		ls->shared = s;
		ls->shared_gen = usage_shared->generation;
		return s;
	}

	/* past the cap: the tenant's overflow series, not cached */
	s = hash_search(usage_series, okey, HASH_ENTER_NULL, &found);
	if (s != NULL && !found)
	{
		memset((char *) s + sizeof(UsageKey), 0,
			   sizeof(UsageSeries) - sizeof(UsageKey));
		s->overflow = true;
		usage_shared->nseries++;
	}
	return s;
}

/* Add the sums of the current request to the shared table. */
static void
mergeLocal(const char *tenant, const UsageConfig *cfg, int valuecap)
{
	UsageTenant *t;
	UsageKey	okey;
	const char *ovals[USAGE_MAX_DIMENSIONS];
	TimestampTz now;
	int			i;

	if (npending == 0)
		return;
	for (i = 0; i < cfg->nlabels; i++)
		ovals[i] = USAGE_OVERFLOW;
	buildKey(&okey, tenant, cfg, ovals, valuecap);
	now = GetCurrentTimestamp();

	LWLockAcquire(usage_shared->lock, LW_EXCLUSIVE);
	t = UsageGetTenant(tenant);
	for (i = 0; i < npending; i++)
	{
		LocalSeries *ls = pending_series[i];
		UsageSeries *s = sharedSeries(ls, t, &okey);

		if (s != NULL)
		{
			s->bytes += ls->bytes;
			s->spans += ls->spans;
			s->last_seen = now;
		}
	}
	LWLockRelease(usage_shared->lock);
	resetPending();
}

/* Set up the local table, or drop it when it has grown too big. */
static void
prepareLocal(void)
{
	if (local_series != NULL &&
		local_series->members <= 2 * (uint32) usage_shared->max_series)
	{
		/* a request that failed half way may have left sums behind */
		resetPending();
		return;
	}
	if (track_cxt == NULL)
		track_cxt = AllocSetContextCreate(TopMemoryContext, "tempo usage tracking",
										  ALLOCSET_DEFAULT_SIZES);
	else
		MemoryContextReset(track_cxt);
	local_series = localseries_create(track_cxt, 1024, NULL);
	maxpending = 256;
	pending_series = MemoryContextAlloc(track_cxt, sizeof(LocalSeries *) * maxpending);
	npending = 0;
}

/*
 * Attribute the bytes of a decoded request to the series of its spans.
 * Call it once per request that passed the request limits, before the
 * spans are validated (invalid spans are charged too, as in Tempo).
 */
void
UsageTrackRequest(const OtlpRequest *req, const char *tenant)
{
	const UsageConfig *cfg = usage_config;
	const char *resvals[USAGE_MAX_DIMENSIONS];
	const char *values[USAGE_MAX_DIMENSIONS];
	const char *prevvals[USAGE_MAX_DIMENSIONS];
	LocalSeries *prev = NULL;
	int64		request_bytes = 0;
	int			valuecap;
	bool		span_dims = false;
	size_t		r,
				s,
				i;

	sized_req = NULL;
	if (!UsageTrackingEnabled() || req == NULL)
		return;

	prepareLocal();

	valuecap = valueCap(cfg);
	for (i = 0; i < (size_t) cfg->ndims; i++)
		if (cfg->dims[i].scope != USAGE_SCOPE_RESOURCE)
			span_dims = true;
	for (r = 0; r < req->n_resource_spans; r++)
	{
		const OtlpResourceSpans *rs = req->resource_spans[r];
		int64		nspans = 0;
		int64		span_bytes = 0;
		int64		batch_bytes;
		int64		share;
		int64		first_extra;
		size_t	   *sizes;
		size_t		k;
		bool		first = true;

		for (s = 0; s < rs->n_scope_spans; s++)
			nspans += rs->scope_spans[s]->n_spans;
		if (nspans == 0)
		{
			request_bytes += framed(protobuf_c_message_get_packed_size(&rs->base));
			continue;
		}

		/*
		 * sizes: spans, then the ScopeSpans and the batch around them (in
		 * the caller's per-request memory context)
		 */
		sizes = palloc(sizeof(size_t) * nspans);
		batch_bytes = 0;
		k = 0;
		for (s = 0; s < rs->n_scope_spans; s++)
		{
			const OtlpScopeSpans *ss = rs->scope_spans[s];
			size_t		ss_bytes = 0;

			for (i = 0; i < ss->n_spans; i++)
			{
				CHECK_FOR_INTERRUPTS();
				sizes[k] = framed(protobuf_c_message_get_packed_size(&ss->spans[i]->base));
				ss_bytes += sizes[k];
				span_bytes += sizes[k];
				k++;
			}
			if (ss->scope != NULL)
				ss_bytes += framed(protobuf_c_message_get_packed_size(&ss->scope->base));
			ss_bytes += stringFieldSize(ss->schema_url);
			ss_bytes += unknownFieldsSize(&ss->base);
			batch_bytes += framed(ss_bytes);
		}
		if (rs->resource != NULL)
			batch_bytes += framed(protobuf_c_message_get_packed_size(&rs->resource->base));
		batch_bytes += stringFieldSize(rs->schema_url);
		batch_bytes += unknownFieldsSize(&rs->base);
		Assert(batch_bytes == (int64) protobuf_c_message_get_packed_size(&rs->base));
		request_bytes += framed(batch_bytes);

		share = divRoundHalfEven(batch_bytes - span_bytes, nspans);
		first_extra = (batch_bytes - span_bytes) - share * nspans;

		/* resource values, then each span's own */
		for (i = 0; i < (size_t) cfg->nlabels; i++)
			resvals[i] = NULL;
		if (rs->resource != NULL)
			applyAttributes(cfg, USAGE_SCOPE_RESOURCE, rs->resource->attributes,
							rs->resource->n_attributes, resvals);
		k = 0;
		for (s = 0; s < rs->n_scope_spans; s++)
		{
			const OtlpScopeSpans *ss = rs->scope_spans[s];

			for (i = 0; i < ss->n_spans; i++)
			{
				const OtlpSpan *span = ss->spans[i];
				UsageKey	key;
				int64		charge = sizes[k++] + share;

				memcpy(values, resvals, sizeof(char *) * cfg->nlabels);
				if (span_dims)
					applyAttributes(cfg, USAGE_SCOPE_SPAN, span->attributes,
									span->n_attributes, values);
				if (first)
				{
					charge += first_extra;
					first = false;
				}
				if (prev != NULL && sameValues(values, prevvals, cfg->nlabels))
				{
					/* same series as the previous span: skip key and lookup */
					prev->bytes += charge;
					prev->spans++;
					continue;
				}
				buildKey(&key, tenant, cfg, values, valuecap);
				prev = addLocal(&key, charge);
				memcpy(prevvals, values, sizeof(char *) * cfg->nlabels);
			}
		}
		pfree(sizes);
	}

	mergeLocal(tenant, cfg, valuecap);

	request_bytes += unknownFieldsSize(&req->base);
	Assert(request_bytes == (int64) protobuf_c_message_get_packed_size(&req->base));
	sized_req = req;
	sized_first = req->n_resource_spans > 0 ? req->resource_spans[0] : NULL;
	sized_bytes = request_bytes;
}

/*
 * The protobuf size of a decoded request: remembered from
 * UsageTrackRequest when it just attributed this request, else computed.
 */
int64
UsageRequestBytes(const OtlpRequest *req)
{
	if (req == sized_req && req != NULL &&
		sized_first == (req->n_resource_spans > 0 ? req->resource_spans[0] : NULL))
	{
		sized_req = NULL;
		return sized_bytes;
	}
	return (int64) protobuf_c_message_get_packed_size(&req->base);
}
