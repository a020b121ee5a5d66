/*-------------------------------------------------------------------------
 *
 * gen.h
 *	  Shared declarations of the synthetic span generator (test/bench/gen):
 *	  the in-memory span, the shop model's resources and scopes, and the
 *	  two writers (COPY text in gen_copy.c, OTLP/protobuf in gen_otlp.c).
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  test/bench/gen.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef GEN_H
#define GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <protobuf-c/protobuf-c.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

/* Short names for the generated protobuf-c types. */
typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest PbRequest;
typedef Opentelemetry__Proto__Trace__V1__ResourceSpans PbResourceSpans;
typedef Opentelemetry__Proto__Trace__V1__ScopeSpans PbScopeSpans;
typedef Opentelemetry__Proto__Trace__V1__Span PbSpan;
typedef Opentelemetry__Proto__Trace__V1__Span__Event PbEvent;
typedef Opentelemetry__Proto__Trace__V1__Span__Link PbLink;
typedef Opentelemetry__Proto__Trace__V1__Status PbStatus;
typedef Opentelemetry__Proto__Resource__V1__Resource PbResource;
typedef Opentelemetry__Proto__Common__V1__InstrumentationScope PbScope;
typedef Opentelemetry__Proto__Common__V1__KeyValue PbKeyValue;
typedef Opentelemetry__Proto__Common__V1__AnyValue PbAnyValue;

#define GEN_NSERVICES		20
#define GEN_NROUTES			6
#define GEN_NINTERNAL		3
#define GEN_NDBOPS			3
#define GEN_NPODS			3
#define GEN_NRESOURCES		(GEN_NSERVICES * GEN_NPODS)
#define GEN_MAX_CALLEES		8
#define GEN_MAX_TRACE		52
#define GEN_MAX_ATTRS		14	/* 10 + error.type + the 3 of --label-sets */
#define GEN_MAX_EVATTRS		3
#define GEN_MAX_LINKATTRS	2
#define GEN_SBUF			1024
#define GEN_OUTBUF			(4 * 1024 * 1024)
#define GEN_NRES_ATTRS		8
#define GEN_NSCOPES			(LANG_COUNT * CAT_COUNT)

/* span kinds and status codes (OTLP enum values) */
#define KIND_INTERNAL	1
#define KIND_SERVER		2
#define KIND_CLIENT		3
#define KIND_PRODUCER	4
#define KIND_CONSUMER	5

/* instrumentation scope categories */
enum
{
	CAT_HTTP_SERVER,
	CAT_HTTP_CLIENT,
	CAT_DB,
	CAT_INTERNAL,
	CAT_MESSAGING,
	CAT_COUNT
};

enum
{
	LANG_JAVA,
	LANG_GO,
	LANG_PYTHON,
	LANG_NODE,
	LANG_COUNT
};

enum
{
	DB_NONE,
	DB_POSTGRES,
	DB_MYSQL,
	DB_REDIS,
	DB_MONGO,
	DB_SEARCH
};

typedef enum
{
	AV_STR,
	AV_INT,
	AV_DBL,
	AV_BOOL
} AttrType;

typedef struct Attr
{
	const char *key;
	uint16_t	klen;			/* strlen(key) */
	uint16_t	vlen;			/* strlen(v.s) for AV_STR */
	AttrType	type;
	union
	{
		const char *s;
		int64_t		i;
		double		d;
		bool		b;
	}			v;
} Attr;

typedef struct Event
{
	uint64_t	time;
	const char *name;
	int			nattrs;
	Attr		attrs[GEN_MAX_EVATTRS];
} Event;

typedef struct Link
{
	uint8_t		trace_id[16];
	uint8_t		span_id[8];
	int			nattrs;
	Attr		attrs[GEN_MAX_LINKATTRS];
} Link;

/*
 * One span.  Strings are either static or live in sbuf; span_copy() fixes
 * the pointers of the latter when a span is copied.
 */
typedef struct Span
{
	uint8_t		trace_id[16];
	uint8_t		span_id[8];
	uint8_t		parent_id[8];
	bool		has_parent;
	int			parent;			/* index in the trace, -1 for the root */
	const char *name;
	int			kind;
	uint64_t	start;
	uint64_t	end;
	int			status;
	const char *status_msg;
	int			service;
	int			pod;
	int			scope;			/* index into scopes[] */
	const char *trace_state;
	uint32_t	flags;
	bool		open;			/* may get children */
	int			nattrs;
	Attr		attrs[GEN_MAX_ATTRS];
	int			nevents;
	Event		event;
	int			nlinks;
	Link		link;
	int			sused;
	char		sbuf[GEN_SBUF];
} Span;

typedef struct ServiceSpec
{
	const char *name;
	const char *noun;			/* URL collection, e.g. "carts" */
	const char *sub;			/* sub-resource, e.g. "items" */
	int			lang;
	int			db;
	const char *db_name;		/* database / keyspace / index */
	const char *db_table;
	int			ncallees;
	int			callees[GEN_MAX_CALLEES];
} ServiceSpec;


typedef struct Resource
{
	char	   *json;			/* resource_attributes, COPY-escaped JSON */
	size_t		json_len;
	PbResource	pb;
	PbKeyValue	kv[GEN_NRES_ATTRS];
	PbAnyValue	av[GEN_NRES_ATTRS];
	PbKeyValue *kvp[GEN_NRES_ATTRS];
} Resource;

typedef struct Scope
{
	const char *name;
	const char *version;
	PbScope		pb;
} Scope;

/* COPY writer state */
typedef struct Out
{
	FILE	   *fp;
	char	   *buf;
	size_t		len;
} Out;

typedef struct Batch Batch;

/* gen.c */
extern const ServiceSpec service_specs[GEN_NSERVICES];
extern Resource resources[GEN_NRESOURCES];
extern Scope scopes[GEN_NSCOPES];
extern void die(const char *fmt,...) __attribute__((format(printf, 1, 2), noreturn));
extern void *xmalloc(size_t n);

/* gen_copy.c */
extern void copy_init(Out *o, FILE *fp, const char *tenant);
extern void copy_write_span(Out *o, const Span *s);
extern void copy_finish(Out *o);

/* gen_otlp.c */
extern Batch *otlp_create(int cap, FILE *fp, bool verify);
extern void otlp_add_span(Batch *b, const Span *s);
extern void otlp_finish(Batch *b, uint64_t *requests, uint64_t *bytes,
						uint64_t *verified_spans);

/* attribute setters: keep the cached lengths right */
static inline void
attr_str(Attr *a, const char *key, const char *val)
{
	a->key = key;
	a->klen = (uint16_t) strlen(key);
	a->type = AV_STR;
	a->v.s = val;
	a->vlen = (uint16_t) strlen(val);
}

static inline void
attr_int(Attr *a, const char *key, int64_t val)
{
	a->key = key;
	a->klen = (uint16_t) strlen(key);
	a->type = AV_INT;
	a->v.i = val;
}

static inline void
attr_dbl(Attr *a, const char *key, double val)
{
	a->key = key;
	a->klen = (uint16_t) strlen(key);
	a->type = AV_DBL;
	a->v.d = val;
}

static inline void
attr_bool(Attr *a, const char *key, bool val)
{
	a->key = key;
	a->klen = (uint16_t) strlen(key);
	a->type = AV_BOOL;
	a->v.b = val;
}

/* decimal digits of v into buf (no terminator); returns the length */
static inline int
gen_fmt_u64(char *buf, uint64_t v)
{
	char		tmp[20];
	int			n = 0,
				i;

	do
	{
		tmp[n++] = (char) ('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	return n;
}

#endif							/* GEN_H */
