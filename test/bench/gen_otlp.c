/*-------------------------------------------------------------------------
 *
 * gen_otlp.c
 *	  OTLP/protobuf writer of the span generator: batches of spans as
 *	  ExportTraceServiceRequest messages, each preceded by its length as a
 *	  4-byte big-endian integer.
 *
 * A request holds exactly the configured number of spans (the last one
 * fewer), as a batching exporter or collector sends them: one
 * ResourceSpans per (service, pod) in order of first appearance, inside it
 * one ScopeSpans per instrumentation scope, spans in arrival order.
 *
 * Encoding: libprotobuf-c computes the size of every nested message once
 * per enclosing level, which made it the generator's bottleneck.  The
 * encoder here writes the message back to front instead: a submessage's
 * fields are written (highest field number first, repeated elements last
 * to first), after which its length is known and its length prefix and
 * tag are written in front of it.  One pass, no size computation, and
 * the result is byte-identical to libprotobuf-c's, which also writes
 * fields in ascending number order and skips proto3 defaults; --verify
 * checks exactly that for every request, packs it again with the
 * protoc-c generated code, and unpacks it and compares it with the spans.
 * Resources and scopes never change, so they are packed once, by
 * libprotobuf-c, and copied in.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  test/bench/gen_otlp.c
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

#define SCHEMA_URL "https://opentelemetry.io/schemas/1.26.0"
#define SPAN_BOUND 8192			/* upper bound of one encoded span */

/* protobuf wire types */
#define WT_VARINT	0
#define WT_I64		1
#define WT_LEN		2
#define WT_I32		5

typedef struct Packed
{
	uint8_t    *data;
	size_t		len;
} Packed;

struct Batch
{
	int			cap;
	int			n;
	FILE	   *fp;
	bool		verify;
	Span	   *spans;
	int		   *order;			/* span indexes grouped by resource, scope */
	int		   *rank_of;		/* per span: rank of its resource */
	uint8_t    *buf;			/* encoder buffer, written back to front */
	size_t		buf_cap;
	Packed		res_packed[GEN_NRESOURCES];
	Packed		scope_packed[GEN_NSCOPES];
	/* protobuf-c structures, only for --verify */
	PbSpan	   *pb_spans;
	PbSpan	  **pb_span_ptrs;
	PbStatus   *pb_status;
	PbEvent    *pb_events;
	PbEvent   **pb_event_ptrs;
	PbLink	   *pb_links;
	PbLink	  **pb_link_ptrs;
	PbKeyValue *kv;
	PbAnyValue *av;
	PbKeyValue **kvp;
	PbScopeSpans *ss;
	PbScopeSpans **ssp;
	PbResourceSpans rs[GEN_NRESOURCES];
	PbResourceSpans *rsp[GEN_NRESOURCES];
	uint8_t    *check;
	size_t		check_cap;
	/* statistics */
	uint64_t	requests;
	uint64_t	bytes;
	uint64_t	verified_spans;
};

/* ---------------------------------------------------------------------
 * Back-to-front protobuf writer
 * ---------------------------------------------------------------------
 */
typedef struct RevBuf
{
	uint8_t    *base;
	uint8_t    *p;				/* first written byte */
	uint8_t    *end;
} RevBuf;

static inline size_t
rb_len(const RevBuf *w)
{
	return (size_t) (w->end - w->p);
}

static inline void
rb_raw(RevBuf *w, const void *d, size_t n)
{
	if ((size_t) (w->p - w->base) < n)
		die("OTLP request buffer overflow");
	w->p -= n;
	memcpy(w->p, d, n);
}

static inline void
rb_varint(RevBuf *w, uint64_t v)
{
	uint8_t		tmp[10];
	int			n = 0;

	do
	{
		tmp[n++] = (uint8_t) ((v & 0x7f) | 0x80);
		v >>= 7;
	} while (v != 0);
	tmp[n - 1] &= 0x7f;
	rb_raw(w, tmp, (size_t) n);
}

static inline void
rb_tag(RevBuf *w, int field, int wt)
{
	rb_varint(w, (uint64_t) ((field << 3) | wt));
}

static inline void
rb_bytes(RevBuf *w, int field, const void *d, size_t n)
{
	rb_raw(w, d, n);
	rb_varint(w, n);
	rb_tag(w, field, WT_LEN);
}

/* proto3 string field: skipped when empty */
static inline void
rb_string(RevBuf *w, int field, const char *s)
{
	if (s != NULL && s[0] != '\0')
		rb_bytes(w, field, s, strlen(s));
}

/* close a submessage whose fields were written since mark */
static inline void
rb_close(RevBuf *w, int field, size_t mark)
{
	rb_varint(w, rb_len(w) - mark);
	rb_tag(w, field, WT_LEN);
}

static inline void
rb_fixed64_raw(RevBuf *w, uint64_t v)
{
	uint8_t		b[8];
	int			i;

	for (i = 0; i < 8; i++)
		b[i] = (uint8_t) (v >> (8 * i));
	rb_raw(w, b, 8);
}

static inline void
rb_fixed64(RevBuf *w, int field, uint64_t v)
{
	if (v != 0)
	{
		rb_fixed64_raw(w, v);
		rb_tag(w, field, WT_I64);
	}
}

static inline void
rb_fixed32(RevBuf *w, int field, uint32_t v)
{
	uint8_t		b[4];

	if (v != 0)
	{
		b[0] = (uint8_t) v;
		b[1] = (uint8_t) (v >> 8);
		b[2] = (uint8_t) (v >> 16);
		b[3] = (uint8_t) (v >> 24);
		rb_raw(w, b, 4);
		rb_tag(w, field, WT_I32);
	}
}

static inline void
rb_uint(RevBuf *w, int field, uint64_t v)
{
	if (v != 0)
	{
		rb_varint(w, v);
		rb_tag(w, field, WT_VARINT);
	}
}

/* KeyValue list as repeated field; AnyValue oneof members are always set */
static void
rb_attrs(RevBuf *w, int field, const Attr *attrs, int n)
{
	int			i;

	for (i = n - 1; i >= 0; i--)
	{
		const Attr *a = &attrs[i];
		size_t		kv_mark = rb_len(w);
		size_t		av_mark = rb_len(w);
		uint64_t	bits;

		switch (a->type)
		{
			case AV_STR:
				rb_bytes(w, 1, a->v.s, a->vlen);
				break;
			case AV_BOOL:
				rb_varint(w, a->v.b ? 1 : 0);
				rb_tag(w, 2, WT_VARINT);
				break;
			case AV_INT:
				rb_varint(w, (uint64_t) a->v.i);
				rb_tag(w, 3, WT_VARINT);
				break;
			case AV_DBL:
				memcpy(&bits, &a->v.d, 8);
				rb_fixed64_raw(w, bits);
				rb_tag(w, 4, WT_I64);
				break;
		}
		rb_close(w, 2, av_mark);
		rb_bytes(w, 1, a->key, a->klen);
		rb_close(w, field, kv_mark);
	}
}

/* one Span as field 2 of ScopeSpans */
static void
rb_span(RevBuf *w, const Span *s)
{
	size_t		mark = rb_len(w);

	rb_fixed32(w, 16, s->flags);
	if (s->status != 0)
	{
		size_t		st = rb_len(w);

		rb_uint(w, 3, (uint64_t) s->status);
		rb_string(w, 2, s->status_msg);
		rb_close(w, 15, st);
	}
	if (s->nlinks > 0)
	{
		size_t		ln = rb_len(w);

		rb_fixed32(w, 6, 0x101);
		rb_attrs(w, 4, s->link.attrs, s->link.nattrs);
		rb_string(w, 3, s->trace_state);
		rb_bytes(w, 2, s->link.span_id, 8);
		rb_bytes(w, 1, s->link.trace_id, 16);
		rb_close(w, 13, ln);
	}
	if (s->nevents > 0)
	{
		size_t		ev = rb_len(w);

		rb_attrs(w, 3, s->event.attrs, s->event.nattrs);
		rb_string(w, 2, s->event.name);
		rb_fixed64(w, 1, s->event.time);
		rb_close(w, 11, ev);
	}
	rb_attrs(w, 9, s->attrs, s->nattrs);
	rb_fixed64(w, 8, s->end);
	rb_fixed64(w, 7, s->start);
	rb_uint(w, 6, (uint64_t) s->kind);
	rb_string(w, 5, s->name);
	if (s->has_parent)
		rb_bytes(w, 4, s->parent_id, 8);
	rb_string(w, 3, s->trace_state);
	rb_bytes(w, 2, s->span_id, 8);
	rb_bytes(w, 1, s->trace_id, 16);
	rb_close(w, 2, mark);
}

/* ---------------------------------------------------------------------
 * protobuf-c path, for --verify
 * ---------------------------------------------------------------------
 */
static void
fill_kvs(Batch *b, int *kvi, const Attr *attrs, int n,
		 size_t *n_out, PbKeyValue ***out)
{
	int			i;

	*n_out = (size_t) n;
	*out = &b->kvp[*kvi];
	for (i = 0; i < n; i++)
	{
		PbKeyValue *kv = &b->kv[*kvi];
		PbAnyValue *av = &b->av[*kvi];
		const Attr *a = &attrs[i];

		opentelemetry__proto__common__v1__key_value__init(kv);
		opentelemetry__proto__common__v1__any_value__init(av);
		kv->key = (char *) a->key;
		kv->value = av;
		switch (a->type)
		{
			case AV_STR:
				av->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
				av->string_value = (char *) a->v.s;
				break;
			case AV_INT:
				av->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE;
				av->int_value = a->v.i;
				break;
			case AV_DBL:
				av->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE;
				av->double_value = a->v.d;
				break;
			case AV_BOOL:
				av->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE;
				av->bool_value = a->v.b;
				break;
		}
		b->kvp[*kvi] = kv;
		(*kvi)++;
	}
}

static void
fill_pb_span(Batch *b, int i, int *kvi)
{
	const Span *s = &b->spans[i];
	PbSpan	   *ps = &b->pb_spans[i];

	opentelemetry__proto__trace__v1__span__init(ps);
	ps->trace_id.data = (uint8_t *) s->trace_id;
	ps->trace_id.len = 16;
	ps->span_id.data = (uint8_t *) s->span_id;
	ps->span_id.len = 8;
	if (s->has_parent)
	{
		ps->parent_span_id.data = (uint8_t *) s->parent_id;
		ps->parent_span_id.len = 8;
	}
	ps->trace_state = (char *) s->trace_state;
	ps->flags = s->flags;
	ps->name = (char *) s->name;
	ps->kind = (Opentelemetry__Proto__Trace__V1__Span__SpanKind) s->kind;
	ps->start_time_unix_nano = s->start;
	ps->end_time_unix_nano = s->end;
	fill_kvs(b, kvi, s->attrs, s->nattrs, &ps->n_attributes, &ps->attributes);
	if (s->nevents > 0)
	{
		PbEvent    *ev = &b->pb_events[i];

		opentelemetry__proto__trace__v1__span__event__init(ev);
		ev->time_unix_nano = s->event.time;
		ev->name = (char *) s->event.name;
		fill_kvs(b, kvi, s->event.attrs, s->event.nattrs, &ev->n_attributes, &ev->attributes);
		b->pb_event_ptrs[i] = ev;
		ps->n_events = 1;
		ps->events = &b->pb_event_ptrs[i];
	}
	if (s->nlinks > 0)
	{
		PbLink	   *ln = &b->pb_links[i];

		opentelemetry__proto__trace__v1__span__link__init(ln);
		ln->trace_id.data = (uint8_t *) s->link.trace_id;
		ln->trace_id.len = 16;
		ln->span_id.data = (uint8_t *) s->link.span_id;
		ln->span_id.len = 8;
		ln->trace_state = (char *) s->trace_state;
		ln->flags = 0x101;
		fill_kvs(b, kvi, s->link.attrs, s->link.nattrs, &ln->n_attributes, &ln->attributes);
		b->pb_link_ptrs[i] = ln;
		ps->n_links = 1;
		ps->links = &b->pb_link_ptrs[i];
	}
	if (s->status != 0)
	{
		PbStatus   *st = &b->pb_status[i];

		opentelemetry__proto__trace__v1__status__init(st);
		st->code = (Opentelemetry__Proto__Trace__V1__Status__StatusCode) s->status;
		st->message = (char *) (s->status_msg ? s->status_msg : "");
		ps->status = st;
	}
}

/* the same request through the generated code: pack it into b->check */
static size_t
pack_with_protobuf_c(Batch *b, int nres, const int *res_order, const int *res_count)
{
	PbRequest	req;
	int			kvi = 0;
	int			nss = 0;
	int			pos = 0;
	int			i,
				r;
	size_t		len;

	for (i = 0; i < b->n; i++)
		fill_pb_span(b, i, &kvi);
	for (r = 0; r < nres; r++)
	{
		int			key = res_order[r];
		PbResourceSpans *rs = &b->rs[r];
		int			end = pos + res_count[key];

		opentelemetry__proto__trace__v1__resource_spans__init(rs);
		rs->resource = &resources[key].pb;
		rs->schema_url = SCHEMA_URL;
		rs->scope_spans = &b->ssp[nss];
		while (pos < end)
		{
			PbScopeSpans *ss = &b->ss[nss];
			int			sc = b->spans[b->order[pos]].scope;

			opentelemetry__proto__trace__v1__scope_spans__init(ss);
			ss->scope = &scopes[sc].pb;
			ss->spans = &b->pb_span_ptrs[pos];
			while (pos < end && b->spans[b->order[pos]].scope == sc)
			{
				b->pb_span_ptrs[pos] = &b->pb_spans[b->order[pos]];
				pos++;
				ss->n_spans++;
			}
			b->ssp[nss++] = ss;
			rs->n_scope_spans++;
		}
		b->rsp[r] = rs;
	}
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__init(&req);
	req.n_resource_spans = (size_t) nres;
	req.resource_spans = b->rsp;
	len = opentelemetry__proto__collector__trace__v1__export_trace_service_request__get_packed_size(&req);
	if (len > b->check_cap)
	{
		free(b->check);
		b->check_cap = len * 2;
		b->check = xmalloc(b->check_cap);
	}
	if (opentelemetry__proto__collector__trace__v1__export_trace_service_request__pack(&req, b->check) != len)
		die("protobuf-c packed a different size than it computed");
	return len;
}

/* check that a packed request decodes to the spans we put in */
static void
verify_request(Batch *b, const uint8_t *data, size_t len)
{
	PbRequest  *req;
	size_t		i,
				j,
				k;
	int			seen = 0;

	req = opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(NULL, len, data);
	if (req == NULL)
		die("verify: request %llu does not decode", (unsigned long long) b->requests);
	for (i = 0; i < req->n_resource_spans; i++)
	{
		const PbResourceSpans *rs = req->resource_spans[i];

		if (rs->resource == NULL || rs->resource->n_attributes != GEN_NRES_ATTRS)
			die("verify: resource lost its attributes");
		for (j = 0; j < rs->n_scope_spans; j++)
		{
			const PbScopeSpans *ss = rs->scope_spans[j];

			for (k = 0; k < ss->n_spans; k++)
			{
				const PbSpan *ps = ss->spans[k];
				const Span *s = &b->spans[b->order[seen]];

				if (ps->trace_id.len != 16 || memcmp(ps->trace_id.data, s->trace_id, 16) != 0 ||
					ps->span_id.len != 8 || memcmp(ps->span_id.data, s->span_id, 8) != 0 ||
					ps->start_time_unix_nano != s->start ||
					ps->end_time_unix_nano != s->end ||
					strcmp(ps->name, s->name) != 0 ||
					ps->n_attributes != (size_t) s->nattrs ||
					ps->n_events != (size_t) s->nevents ||
					(ps->status ? (int) ps->status->code : 0) != s->status ||
					ps->parent_span_id.len != (s->has_parent ? 8u : 0u))
					die("verify: span %d of request %llu differs after decoding",
						seen, (unsigned long long) b->requests);
				seen++;
			}
		}
	}
	if (seen != b->n)
		die("verify: request %llu decodes to %d spans, expected %d",
			(unsigned long long) b->requests, seen, b->n);
	b->verified_spans += (uint64_t) seen;
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(req, NULL);
}

/* ---------------------------------------------------------------------
 * Batches
 * ---------------------------------------------------------------------
 */

/*
 * Copy a span into the batch, moving pointers into the source's string
 * buffer to the copy's.  Only the used part of the buffer is copied.
 */
static void
span_copy(Span *dst, const Span *src)
{
	uintptr_t	lo = (uintptr_t) src->sbuf;
	uintptr_t	hi = lo + GEN_SBUF;
	int			i;

#define RELOC(field) \
	do { \
		uintptr_t	p_ = (uintptr_t) (field); \
		if (p_ >= lo && p_ < hi) \
			(field) = dst->sbuf + (p_ - lo); \
	} while (0)

	memcpy(dst, src, offsetof(Span, sbuf));
	memcpy(dst->sbuf, src->sbuf, (size_t) src->sused);
	RELOC(dst->name);
	RELOC(dst->status_msg);
	for (i = 0; i < dst->nattrs; i++)
		if (dst->attrs[i].type == AV_STR)
			RELOC(dst->attrs[i].v.s);
	for (i = 0; i < dst->event.nattrs; i++)
		if (dst->event.attrs[i].type == AV_STR)
			RELOC(dst->event.attrs[i].v.s);
	for (i = 0; i < dst->link.nattrs; i++)
		if (dst->link.attrs[i].type == AV_STR)
			RELOC(dst->link.attrs[i].v.s);
#undef RELOC
}

static Packed
pack_message(const ProtobufCMessage *m)
{
	Packed		p;

	p.len = protobuf_c_message_get_packed_size(m);
	p.data = xmalloc(p.len + 1);
	protobuf_c_message_pack(m, p.data);
	return p;
}

Batch *
otlp_create(int cap, FILE *fp, bool verify)
{
	Batch	   *b = xmalloc(sizeof(Batch));
	int			i;

	b->cap = cap;
	b->fp = fp;
	b->verify = verify;
	b->spans = xmalloc(sizeof(Span) * cap);
	b->order = xmalloc(sizeof(int) * cap);
	b->rank_of = xmalloc(sizeof(int) * cap);
	b->buf_cap = (size_t) cap * SPAN_BOUND + 65536;
	b->buf = xmalloc(b->buf_cap);
	for (i = 0; i < GEN_NRESOURCES; i++)
		b->res_packed[i] = pack_message(&resources[i].pb.base);
	for (i = 0; i < GEN_NSCOPES; i++)
		b->scope_packed[i] = pack_message(&scopes[i].pb.base);
	if (verify)
	{
		int			nkv = cap * (GEN_MAX_ATTRS + GEN_MAX_EVATTRS + GEN_MAX_LINKATTRS);

		b->pb_spans = xmalloc(sizeof(PbSpan) * cap);
		b->pb_span_ptrs = xmalloc(sizeof(PbSpan *) * cap);
		b->pb_status = xmalloc(sizeof(PbStatus) * cap);
		b->pb_events = xmalloc(sizeof(PbEvent) * cap);
		b->pb_event_ptrs = xmalloc(sizeof(PbEvent *) * cap);
		b->pb_links = xmalloc(sizeof(PbLink) * cap);
		b->pb_link_ptrs = xmalloc(sizeof(PbLink *) * cap);
		b->kv = xmalloc(sizeof(PbKeyValue) * nkv);
		b->av = xmalloc(sizeof(PbAnyValue) * nkv);
		b->kvp = xmalloc(sizeof(PbKeyValue *) * nkv);
		b->ss = xmalloc(sizeof(PbScopeSpans) * cap);
		b->ssp = xmalloc(sizeof(PbScopeSpans *) * cap);
		b->check_cap = 1024 * 1024;
		b->check = xmalloc(b->check_cap);
	}
	return b;
}

/* encode and write the batch as one request */
static void
batch_flush(Batch *b)
{
	int			res_rank[GEN_NRESOURCES];
	int			res_count[GEN_NRESOURCES];
	int			res_order[GEN_NRESOURCES];
	int			bucket[GEN_NRESOURCES * GEN_NSCOPES + 1];
	int			nres = 0;
	int			pos;
	int			i,
				r;
	RevBuf		w;
	size_t		len;
	uint8_t		hdr[4];

	if (b->n == 0)
		return;

	for (r = 0; r < GEN_NRESOURCES; r++)
		res_count[r] = 0;
	for (i = 0; i < b->n; i++)
	{
		int			key = b->spans[i].service * GEN_NPODS + b->spans[i].pod;

		if (res_count[key]++ == 0)
		{
			res_rank[key] = nres;
			res_order[nres++] = key;
		}
		b->rank_of[i] = res_rank[key];
	}

	/*
	 * Counting sort of the spans by (resource in order of appearance,
	 * scope); stable, so arrival order is kept within a scope.
	 */
	memset(bucket, 0, sizeof(int) * (nres * GEN_NSCOPES + 1));
	for (i = 0; i < b->n; i++)
		bucket[b->rank_of[i] * GEN_NSCOPES + b->spans[i].scope + 1]++;
	for (r = 1; r <= nres * GEN_NSCOPES; r++)
		bucket[r] += bucket[r - 1];
	for (i = 0; i < b->n; i++)
		b->order[bucket[b->rank_of[i] * GEN_NSCOPES + b->spans[i].scope]++] = i;

	/* back to front: last resource first, its last scope first, ... */
	w.base = b->buf;
	w.end = w.p = b->buf + b->buf_cap;
	pos = b->n;
	for (r = nres - 1; r >= 0; r--)
	{
		size_t		rs_mark = rb_len(&w);
		const Packed *res = &b->res_packed[res_order[r]];

		rb_string(&w, 3, SCHEMA_URL);
		while (pos > 0 && b->rank_of[b->order[pos - 1]] == r)
		{
			int			sc = b->spans[b->order[pos - 1]].scope;
			size_t		ss_mark = rb_len(&w);

			while (pos > 0 && b->rank_of[b->order[pos - 1]] == r &&
				   b->spans[b->order[pos - 1]].scope == sc)
				rb_span(&w, &b->spans[b->order[--pos]]);
			rb_bytes(&w, 1, b->scope_packed[sc].data, b->scope_packed[sc].len);
			rb_close(&w, 2, ss_mark);
		}
		rb_bytes(&w, 1, res->data, res->len);
		rb_close(&w, 1, rs_mark);
	}
	len = rb_len(&w);

	if (b->verify)
	{
		size_t		clen = pack_with_protobuf_c(b, nres, res_order, res_count);

		if (clen != len || memcmp(b->check, w.p, len) != 0)
			die("verify: request %llu differs from libprotobuf-c's encoding (%zu vs %zu bytes)",
				(unsigned long long) b->requests, len, clen);
		verify_request(b, w.p, len);
	}

	hdr[0] = (uint8_t) (len >> 24);
	hdr[1] = (uint8_t) (len >> 16);
	hdr[2] = (uint8_t) (len >> 8);
	hdr[3] = (uint8_t) len;
	if (fwrite(hdr, 1, 4, b->fp) != 4 || fwrite(w.p, 1, len, b->fp) != len)
		die("could not write OTLP output: %s", strerror(errno));
	b->requests++;
	b->bytes += len + 4;
	b->n = 0;
}

void
otlp_add_span(Batch *b, const Span *s)
{
	span_copy(&b->spans[b->n++], s);
	if (b->n == b->cap)
		batch_flush(b);
}

void
otlp_finish(Batch *b, uint64_t *requests, uint64_t *bytes, uint64_t *verified_spans)
{
	batch_flush(b);
	if (fflush(b->fp) != 0)
		die("could not write OTLP output: %s", strerror(errno));
	if (b->fp != stdout)
		fclose(b->fp);
	*requests = b->requests;
	*bytes = b->bytes;
	*verified_spans = b->verified_spans;
}
