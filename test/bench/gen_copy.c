/*-------------------------------------------------------------------------
 *
 * gen_copy.c
 *	  COPY text writer of the span generator: one row per span with the
 *	  columns of tempo.spans (DESIGN.md 3.1), in table order.
 *
 * Text is assembled with small appenders into a 4 MB buffer rather than
 * with printf: this writer runs for every span of multi-million-span
 * benchmark loads.  JSON strings get JSON escaping and then COPY escaping
 * in one pass, through per-byte tables; strings known to be safe (our own
 * attribute keys, the precomputed resource JSON) are copied as they are.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  test/bench/gen_copy.c
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

static const char hexdigits[] = "0123456789abcdef";

static void
out_flush(Out *o)
{
	if (o->len > 0 && fwrite(o->buf, 1, o->len, o->fp) != o->len)
		die("could not write output: %s", strerror(errno));
	o->len = 0;
}

static inline void
out_reserve(Out *o, size_t n)
{
	if (o->len + n > GEN_OUTBUF)
	{
		out_flush(o);
		if (n > GEN_OUTBUF)
			die("row too long");
	}
}

static inline void
out_mem(Out *o, const char *s, size_t n)
{
	out_reserve(o, n);
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

#define OUT_LIT(o, lit) out_mem((o), (lit), sizeof(lit) - 1)

static inline void
out_ch(Out *o, char c)
{
	out_reserve(o, 1);
	o->buf[o->len++] = c;
}

static inline void
out_u64(Out *o, uint64_t v)
{
	out_reserve(o, 20);
	o->len += gen_fmt_u64(o->buf + o->len, v);
}

static inline void
out_i64(Out *o, int64_t v)
{
	if (v < 0)
	{
		out_ch(o, '-');
		out_u64(o, (uint64_t) 0 - (uint64_t) v);
	}
	else
		out_u64(o, (uint64_t) v);
}

static inline void
out_hex(Out *o, const uint8_t *b, int n)
{
	int			i;
	char	   *p;

	out_reserve(o, 2 * n);
	p = o->buf + o->len;
	for (i = 0; i < n; i++)
	{
		p[2 * i] = hexdigits[b[i] >> 4];
		p[2 * i + 1] = hexdigits[b[i] & 15];
	}
	o->len += 2 * n;
}

/*
 * Escape tables.  copy_esc[c]: replacement of a byte in COPY text (0 = as
 * is).  json_copy_esc[c]: JSON string escaping followed by COPY escaping,
 * e.g. '"' -> \" -> \\", newline -> \n -> \\n.
 */
static const char *copy_esc[256];
static const char *json_copy_esc[256];
static char json_copy_buf[32][12];
static unsigned char copy_stop[256];	/* 1 for NUL and bytes to escape */
static unsigned char json_stop[256];
static char *tenant_copy;			/* COPY-escaped --tenant */
static size_t tenant_copy_len;

static void
init_escapes(void)
{
	int			c;

	copy_esc['\\'] = "\\\\";
	copy_esc['\n'] = "\\n";
	copy_esc['\r'] = "\\r";
	copy_esc['\t'] = "\\t";
	for (c = 0; c < 32; c++)
	{
		if (c == '\n')
			json_copy_esc[c] = "\\\\n";
		else if (c == '\r')
			json_copy_esc[c] = "\\\\r";
		else if (c == '\t')
			json_copy_esc[c] = "\\\\t";
		else
		{
			snprintf(json_copy_buf[c], sizeof(json_copy_buf[c]), "\\\\u%04x", c);
			json_copy_esc[c] = json_copy_buf[c];
		}
	}
	json_copy_esc['"'] = "\\\\\"";
	json_copy_esc['\\'] = "\\\\\\\\";
	json_copy_esc[127] = "\\\\u007f";
	for (c = 0; c < 256; c++)
	{
		copy_stop[c] = (c == 0 || copy_esc[c] != NULL);
		json_stop[c] = (c == 0 || json_copy_esc[c] != NULL);
	}
}

static void
out_escaped(Out *o, const char *s, const char *const *table)
{
	const unsigned char *p = (const unsigned char *) s;
	const unsigned char *run = p;
	const unsigned char *stop = table == copy_esc ? copy_stop : json_stop;

	for (;;)
	{
		const char *rep;

		while (!stop[*p])
			p++;
		if (*p == '\0')
			break;
		rep = table[*p];
		out_mem(o, (const char *) run, (size_t) (p - run));
		out_mem(o, rep, strlen(rep));
		run = ++p;
	}
	out_mem(o, (const char *) run, (size_t) (p - run));
}

static inline void
out_text(Out *o, const char *s)
{
	out_escaped(o, s, copy_esc);
}

static inline void
out_json_str(Out *o, const char *s)
{
	out_ch(o, '"');
	out_escaped(o, s, json_copy_esc);
	out_ch(o, '"');
}

/*
 * The shortest decimal text that reads back as the same double.  Our
 * doubles are mostly k/100 or k/1000: if d is the double nearest to k/10^n
 * for n <= 3, the decimal k/10^n (trailing zeros dropped) reads back as d
 * and no shorter decimal does, so print it directly; else search with
 * printf.
 */
static void
out_double(Out *o, double d)
{
	char		buf[40];
	int			prec;
	int			n;
	double		scale = 1.0;

	if (!isfinite(d))
		die("cannot write a non-finite double as JSON");
	for (n = (d == 0.0 && signbit(d)) ? 4 : 0; n <= 3; n++, scale *= 10.0)
	{
		double		m = d * scale;
		long long	k;

		if (!(fabs(m) < 1e15))
			break;
		k = llround(m);
		if ((double) k / scale == d)
		{
			uint64_t	mag = k < 0 ? (uint64_t) -k : (uint64_t) k;
			uint64_t	pow = 1;
			uint64_t	frac;
			int			i;

			while (n > 0 && mag % 10 == 0)
			{
				mag /= 10;
				n--;
			}
			for (i = 0; i < n; i++)
				pow *= 10;
			if (k < 0)
				out_ch(o, '-');
			out_u64(o, mag / pow);
			if (n > 0)
			{
				out_ch(o, '.');
				frac = mag % pow;
				for (i = n - 1; i >= 0; i--)
				{
					buf[i] = (char) ('0' + frac % 10);
					frac /= 10;
				}
				out_mem(o, buf, (size_t) n);
			}
			return;
		}
	}
	for (prec = 15; prec <= 17; prec++)
	{
		snprintf(buf, sizeof(buf), "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	out_mem(o, buf, strlen(buf));
}

static void
out_attrs_json(Out *o, const Attr *attrs, int n)
{
	int			i;

	out_ch(o, '{');
	for (i = 0; i < n; i++)
	{
		const Attr *a = &attrs[i];

		if (i > 0)
			OUT_LIT(o, ", ");
		/* keys are our own literals and need no escaping */
		out_ch(o, '"');
		out_mem(o, a->key, a->klen);
		OUT_LIT(o, "\": ");
		switch (a->type)
		{
			case AV_STR:
				out_json_str(o, a->v.s);
				break;
			case AV_INT:
				out_i64(o, a->v.i);
				break;
			case AV_DBL:
				out_double(o, a->v.d);
				break;
			case AV_BOOL:
				if (a->v.b)
					OUT_LIT(o, "true");
				else
					OUT_LIT(o, "false");
				break;
		}
	}
	out_ch(o, '}');
}

/* days since 1970-01-01 to a civil date (proleptic Gregorian) */
static void
civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t		era,
				yoe,
				doy,
				mp;
	uint64_t	doe;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (uint64_t) (z - era * 146097);
	yoe = (int64_t) ((doe - doe / 1460 + doe / 36524 - doe / 146096) / 365);
	doy = (int64_t) doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int) (doy - (153 * mp + 2) / 5 + 1);
	*m = (int) (mp < 10 ? mp + 3 : mp - 9);
	*y = (int) (yoe + era * 400 + (*m <= 2));
}

static inline void
put2(char *p, int v)
{
	p[0] = (char) ('0' + v / 10);
	p[1] = (char) ('0' + v % 10);
}

/* "YYYY-MM-DD HH:MM:SS.uuuuuu+00" */
static void
out_timestamptz(Out *o, uint64_t ns)
{
	static int64_t cached_day = -1;
	static char cached_date[11];
	uint64_t	secs = ns / 1000000000ULL;
	uint64_t	us = (ns / 1000) % 1000000;
	int64_t		day = (int64_t) (secs / 86400);
	int			sod = (int) (secs % 86400);
	char	   *p;
	int			i;

	if (day != cached_day)
	{
		int			y,
					m,
					d;

		civil_from_days(day, &y, &m, &d);
		snprintf(cached_date, sizeof(cached_date), "%04d-%02d-%02d", y, m, d);
		cached_day = day;
	}
	out_reserve(o, 29);
	p = o->buf + o->len;
	memcpy(p, cached_date, 10);
	p[10] = ' ';
	put2(p + 11, sod / 3600);
	p[13] = ':';
	put2(p + 14, (sod / 60) % 60);
	p[16] = ':';
	put2(p + 17, sod % 60);
	p[19] = '.';
	for (i = 25; i >= 20; i--)
	{
		p[i] = (char) ('0' + us % 10);
		us /= 10;
	}
	memcpy(p + 26, "+00", 3);
	o->len += 29;
}

void
copy_write_span(Out *o, const Span *s)
{
	const Scope *sc = &scopes[s->scope];

	out_mem(o, tenant_copy, tenant_copy_len);
	out_ch(o, '\t');
	out_hex(o, s->trace_id, 16);
	out_ch(o, '\t');
	out_hex(o, s->span_id, 8);
	out_ch(o, '\t');
	if (s->has_parent)
		out_hex(o, s->parent_id, 8);
	else
		OUT_LIT(o, "\\N");
	out_ch(o, '\t');
	out_text(o, s->name);
	out_ch(o, '\t');
	out_u64(o, (uint64_t) s->kind);
	out_ch(o, '\t');
	out_timestamptz(o, s->start);
	out_ch(o, '\t');
	out_u64(o, s->start);
	out_ch(o, '\t');
	out_u64(o, s->end - s->start);
	out_ch(o, '\t');
	out_u64(o, (uint64_t) s->status);
	out_ch(o, '\t');
	if (s->status_msg != NULL && s->status_msg[0] != '\0')
		out_text(o, s->status_msg);
	else
		OUT_LIT(o, "\\N");
	out_ch(o, '\t');
	out_text(o, service_specs[s->service].name);
	out_ch(o, '\t');
	out_mem(o, resources[s->service * GEN_NPODS + s->pod].json,
			resources[s->service * GEN_NPODS + s->pod].json_len);
	out_ch(o, '\t');
	out_attrs_json(o, s->attrs, s->nattrs);
	out_ch(o, '\t');
	out_text(o, sc->name);
	out_ch(o, '\t');
	if (sc->version[0] != '\0')
		out_text(o, sc->version);
	else
		OUT_LIT(o, "\\N");
	out_ch(o, '\t');
	if (s->nevents > 0)
	{
		OUT_LIT(o, "[{\"time_unix_nano\": \"");
		out_u64(o, s->event.time);
		OUT_LIT(o, "\", \"name\": ");
		out_json_str(o, s->event.name);
		OUT_LIT(o, ", \"attributes\": ");
		out_attrs_json(o, s->event.attrs, s->event.nattrs);
		OUT_LIT(o, "}]");
	}
	else
		OUT_LIT(o, "\\N");
	out_ch(o, '\t');
	if (s->nlinks > 0)
	{
		OUT_LIT(o, "[{\"trace_id\": \"");
		out_hex(o, s->link.trace_id, 16);
		OUT_LIT(o, "\", \"span_id\": \"");
		out_hex(o, s->link.span_id, 8);
		OUT_LIT(o, "\", \"trace_state\": ");
		out_json_str(o, s->trace_state);
		OUT_LIT(o, ", \"attributes\": ");
		out_attrs_json(o, s->link.attrs, s->link.nattrs);
		OUT_LIT(o, "}]");
	}
	else
		OUT_LIT(o, "\\N");
	out_ch(o, '\t');
	if (s->trace_state[0] != '\0')
		out_text(o, s->trace_state);
	else
		OUT_LIT(o, "\\N");
	out_ch(o, '\n');
}


void
copy_init(Out *o, FILE *fp, const char *tenant)
{
	Out			tmp = {0};

	init_escapes();
	tmp.buf = xmalloc(GEN_OUTBUF);
	out_text(&tmp, tenant);
	tenant_copy = tmp.buf;
	tenant_copy_len = tmp.len;

	o->fp = fp;
	o->buf = xmalloc(GEN_OUTBUF);
	o->len = 0;
}

void
copy_finish(Out *o)
{
	out_flush(o);
	if (fflush(o->fp) != 0)
		die("could not write COPY output: %s", strerror(errno));
	if (o->fp != stdout)
		fclose(o->fp);
}
