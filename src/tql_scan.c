/*-------------------------------------------------------------------------
 *
 * tql_scan.c
 *	  Hand-written scanner for TraceQL.
 *
 * The scanner is context dependent in one place, which is why it is not a
 * flex specification: after a scope token ("." "span." "resource."
 * "event." "link." "instrumentation." "parent." and the nested
 * "parent.span." / "parent.resource.") it reads an attribute name
 * greedily, up to whitespace, the end of the query or one of
 * { } ( ) = ~ ! < > & | ^ , -- so "+ - * / % : ." are name characters, as
 * in Tempo ("span.foo-bar" is one name, arithmetic after an attribute needs
 * a space).  Double-quoted segments inside a name may hold any other
 * character, with only \" and \\ as escapes ("span.\"a b\".c").
 *
 * Other lexical rules follow Tempo 2.9 (spec 1.2): double-quoted strings
 * with Go escapes, back-quoted raw strings, decimal integers (as in Tempo,
 * no hexadecimal or octal: "017" is 17), floats (".5", "1.", "1e3"),
 * durations (a number immediately followed by units ns us µs ms s m h d w
 * y, compound forms "1h30m", fractions "1.5s"; see TqlParseDuration), the
 * reserved keywords of the spec, maximal munch over the multi-character
 * operators, and Go comments (from two slashes to the end of the line, and
 * slash-star blocks), which Tempo's Go scanner skips.
 *
 * Errors are raised with TqlSyntaxError, which reports the 1-based line
 * and column (in characters) of the offending byte.  The scanner only
 * reads the NUL-terminated query text; tokens' strings are palloc'd.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/tql_scan.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "lib/stringinfo.h"

#include "tql.h"
#include "tql_int.h"

typedef struct TqlKeywordEntry
{
	const char *text;
	TqlKeyword	kw;
} TqlKeywordEntry;

static const TqlKeywordEntry keywords[] = {
	{"avg", KW_AVG},
	{"avg_over_time", KW_AVG_OVER_TIME},
	{"bottomk", KW_BOTTOMK},
	{"by", KW_BY},
	{"childCount", KW_CHILDCOUNT},
	{"client", KW_CLIENT},
	{"coalesce", KW_COALESCE},
	{"compare", KW_COMPARE},
	{"consumer", KW_CONSUMER},
	{"count", KW_COUNT},
	{"count_over_time", KW_COUNT_OVER_TIME},
	{"duration", KW_DURATION},
	{"error", KW_ERROR},
	{"false", KW_FALSE},
	{"histogram_over_time", KW_HISTOGRAM_OVER_TIME},
	{"id", KW_ID},
	{"internal", KW_INTERNAL},
	{"kind", KW_KIND},
	{"max", KW_MAX},
	{"max_over_time", KW_MAX_OVER_TIME},
	{"min", KW_MIN},
	{"min_over_time", KW_MIN_OVER_TIME},
	{"name", KW_NAME},
	{"nestedSetLeft", KW_NESTEDSETLEFT},
	{"nestedSetParent", KW_NESTEDSETPARENT},
	{"nestedSetRight", KW_NESTEDSETRIGHT},
	{"nil", KW_NIL},
	{"ok", KW_OK},
	{"parent", KW_PARENT},
	{"parentID", KW_PARENTID},
	{"producer", KW_PRODUCER},
	{"quantile_over_time", KW_QUANTILE_OVER_TIME},
	{"rate", KW_RATE},
	{"rootName", KW_ROOTNAME},
	{"rootService", KW_ROOTSERVICE},
	{"rootServiceName", KW_ROOTSERVICENAME},
	{"select", KW_SELECT},
	{"server", KW_SERVER},
	{"spanID", KW_SPANID},
	{"status", KW_STATUS},
	{"statusMessage", KW_STATUSMESSAGE},
	{"sum", KW_SUM},
	{"sum_over_time", KW_SUM_OVER_TIME},
	{"timeSinceStart", KW_TIMESINCESTART},
	{"topk", KW_TOPK},
	{"traceDuration", KW_TRACEDURATION},
	{"traceID", KW_TRACEID},
	{"true", KW_TRUE},
	{"unset", KW_UNSET},
	{"unspecified", KW_UNSPECIFIED},
	{"version", KW_VERSION},
	{"with", KW_WITH},
};

#define NUM_KEYWORDS lengthof(keywords)

/* Multi-character operators, longest first for maximal munch */
typedef struct TqlOperatorEntry
{
	const char *text;
	TqlTokenType type;
} TqlOperatorEntry;

static const TqlOperatorEntry operators[] = {
	{"!>>", TT_NOT_DESC},
	{"!<<", TT_NOT_ANCE},
	{"&>>", TT_UNION_DESC},
	{"&<<", TT_UNION_ANCE},
	{"&&", TT_AND},
	{"||", TT_OR},
	{"=~", TT_RE},
	{"!~", TT_NRE},
	{"!=", TT_NEQ},
	{"<=", TT_LTE},
	{">=", TT_GTE},
	{">>", TT_DESC},
	{"<<", TT_ANCE},
	{"!>", TT_NOT_CHILD},
	{"!<", TT_NOT_PARENT},
	{"&>", TT_UNION_CHILD},
	{"&<", TT_UNION_PARENT},
	{"&~", TT_UNION_SIBL},
	{"{", TT_LBRACE},
	{"}", TT_RBRACE},
	{"(", TT_LPAREN},
	{")", TT_RPAREN},
	{",", TT_COMMA},
	{"|", TT_PIPE},
	{"=", TT_EQ},
	{"<", TT_LT},
	{">", TT_GT},
	{"!", TT_NOT},
	{"+", TT_ADD},
	{"-", TT_SUB},
	{"*", TT_MUL},
	{"/", TT_DIV},
	{"%", TT_MOD},
	{"^", TT_POW},
	{"~", TT_TILDE},
};

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
		(unsigned char) c >= 0x80;
}

static bool
is_ident_char(char c)
{
	return is_ident_start(c) || is_digit(c);
}

/* Characters that end an unquoted attribute name */
static bool
is_name_terminator(char c)
{
	return c == '\0' || is_space(c) || c == '\v' || c == '\f' ||
		strchr("{}()=~!<>&|^,", c) != NULL;
}

/*
 * Line and column (1-based, counting UTF-8 characters) of byte "offset" of
 * "src", for error messages.
 */
static void
tql_line_col(const char *src, int offset, int *line, int *col)
{
	int			i;

	*line = 1;
	*col = 1;
	for (i = 0; i < offset && src[i] != '\0'; i++)
	{
		if (src[i] == '\n')
		{
			(*line)++;
			*col = 1;
		}
		else if (((unsigned char) src[i] & 0xC0) != 0x80)
			(*col)++;
	}
}

/*
 * TqlSyntaxError
 *		Raise a syntax error at byte "offset" of the scanner's text, with
 *		its line and column.  The SQLSTATE is the scanner's errcode: 42601
 *		for queries, 22023 for tag names (TqlParseTag).
 */
void
TqlSyntaxError(const TqlScanner *scanner, int offset, const char *fmt,...)
{
	const char *src = scanner->src;
	char		msg[512];
	va_list		args;
	int			line;
	int			col;

	tql_line_col(src, offset, &line, &col);

	va_start(args, fmt);
	vsnprintf(msg, sizeof(msg), fmt, args);
	va_end(args);

	if (scanner->errcode == ERRCODE_SYNTAX_ERROR)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("TraceQL syntax error at line %d, column %d: %s",
						line, col, msg)));
	ereport(ERROR,
			(errcode(scanner->errcode),
			 errmsg("invalid TraceQL tag name \"%s\": %s", src, msg)));
	pg_unreachable();
}

/*
 * TqlErrorAt
 *		Raise a semantic error "sqlerrcode" about byte "offset" of "src".
 */
void
TqlErrorAt(const char *src, int offset, int sqlerrcode, const char *fmt,...)
{
	char		msg[512];
	va_list		args;
	int			line;
	int			col;

	tql_line_col(src, offset, &line, &col);

	va_start(args, fmt);
	vsnprintf(msg, sizeof(msg), fmt, args);
	va_end(args);

	ereport(ERROR,
			(errcode(sqlerrcode),
			 errmsg("%s at line %d, column %d of TraceQL query", msg, line, col)));
	pg_unreachable();
}

/*
 * TqlClipLength
 *		Largest length <= maxlen that does not cut a UTF-8 character of s,
 *		for quoting input text in messages.
 */
int
TqlClipLength(const char *s, int maxlen)
{
	int			len = strnlen(s, maxlen);

	if (len < maxlen)
		return len;
	while (len > 0 && ((unsigned char) s[len] & 0xC0) == 0x80)
		len--;
	return len;
}

const char *
TqlKeywordText(TqlKeyword kw)
{
	int			i;

	for (i = 0; i < NUM_KEYWORDS; i++)
		if (keywords[i].kw == kw)
			return keywords[i].text;
	return "?";
}

static TqlKeyword
lookup_keyword(const char *word, int len)
{
	int			i;

	for (i = 0; i < NUM_KEYWORDS; i++)
		if (strncmp(keywords[i].text, word, len) == 0 &&
			keywords[i].text[len] == '\0')
			return keywords[i].kw;
	return KW_NONE;
}

void
TqlScannerInit(TqlScanner *scanner, const char *src)
{
	scanner->src = src;
	scanner->len = strlen(src);
	scanner->pos = 0;
	scanner->errcode = ERRCODE_SYNTAX_ERROR;
}

/*
 * TqlParseDuration
 *		Parse "len" bytes of "s" as a duration; false if it is not one.
 *
 * A duration is one or more number+unit pairs, accepted if either of the
 * two parsers Tempo tries accepts it: Prometheus (units y w d h m s ms,
 * whole numbers, each unit at most once and in that order) or Go's
 * time.ParseDuration (units h m s ms us/µs ns, fractions, any order).  The
 * result must fit in int64 nanoseconds.
 */
bool
TqlParseDuration(const char *s, int len, int64 *result)
{
	/* units, longest spelling first; rank orders the Prometheus units */
	static const struct
	{
		const char *name;
		int64		ns;
		int			prom_rank;	/* 0: not a Prometheus unit */
		bool		go;			/* a Go unit */
	}			units[] = {
		{"ns", INT64CONST(1), 0, true},
		{"us", INT64CONST(1000), 0, true},
		{"\xc2\xb5s", INT64CONST(1000), 0, true},
		{"ms", INT64CONST(1000000), 1, true},
		{"s", INT64CONST(1000000000), 2, true},
		{"m", INT64CONST(60000000000), 3, true},
		{"h", INT64CONST(3600000000000), 4, true},
		{"d", INT64CONST(86400000000000), 5, false},
		{"w", INT64CONST(604800000000000), 6, false},
		{"y", INT64CONST(31536000000000000), 7, false},
	};
	int			pos = 0;
	int64		total = 0;
	bool		prom_ok = true;
	bool		go_ok = true;
	int			last_rank = 100;

	if (len <= 0)
		return false;
	while (pos < len)
	{
		int64		whole = 0;
		double		frac = 0.0;
		double		scale = 1.0;
		bool		have_digits = false;
		int64		part;
		int			u;

		while (pos < len && is_digit(s[pos]))
		{
			if (whole > (PG_INT64_MAX - 9) / 10)
				return false;
			whole = whole * 10 + (s[pos] - '0');
			have_digits = true;
			pos++;
		}
		if (pos < len && s[pos] == '.')
		{
			prom_ok = false;	/* Prometheus takes whole numbers only */
			pos++;
			while (pos < len && is_digit(s[pos]))
			{
				scale /= 10.0;
				frac += (s[pos] - '0') * scale;
				have_digits = true;
				pos++;
			}
		}
		if (!have_digits || pos >= len)
			return false;

		for (u = 0; u < lengthof(units); u++)
		{
			int			ulen = strlen(units[u].name);

			if (pos + ulen <= len && strncmp(s + pos, units[u].name, ulen) == 0)
			{
				pos += ulen;
				break;
			}
		}
		if (u == lengthof(units))
			return false;
		if (units[u].prom_rank == 0 || units[u].prom_rank >= last_rank)
			prom_ok = false;
		last_rank = units[u].prom_rank;
		if (!units[u].go)
			go_ok = false;
		if (!prom_ok && !go_ok)
			return false;

		if (whole > PG_INT64_MAX / units[u].ns)
			return false;
		part = whole * units[u].ns;
		if (frac > 0.0)
		{
			double		extra = frac * (double) units[u].ns;

			if ((double) part + extra >= 9.2e18)
				return false;
			part += (int64) (extra + 0.5);
		}
		if (total > PG_INT64_MAX - part)
			return false;
		total += part;
	}
	*result = total;
	return true;
}

static bool
is_duration_char(const char *p)
{
	return is_digit(*p) || *p == '.' || strchr("nsumhdwy", *p) != NULL ||
		(unsigned char) *p == 0xC2 || (unsigned char) *p == 0xB5;
}

/* Scan a number, float or duration starting at scanner->pos */
static void
scan_number(TqlScanner *scanner, TqlToken *tok)
{
	const char *src = scanner->src;
	int			start = scanner->pos;
	int			p = start;
	bool		is_float = false;

	while (is_digit(src[p]))
		p++;
	if (src[p] == '.')
	{
		is_float = true;
		p++;
		while (is_digit(src[p]))
			p++;
	}

	/* a unit directly after the number makes it a duration */
	if (strchr("nsumhdwy", src[p]) != NULL && src[p] != '\0')
	{
		int			q = p;
		int64		ns;

		while (src[q] != '\0' && is_duration_char(&src[q]))
			q++;
		if (!TqlParseDuration(src + start, q - start, &ns))
			TqlSyntaxError(scanner, start, "invalid duration \"%.*s\"",
						   TqlClipLength(src + start, Min(q - start, 40)),
						   src + start);
		tok->type = TT_DURATION;
		tok->ival = ns;
		scanner->pos = q;
		return;
	}
	if ((unsigned char) src[p] == 0xC2 && (unsigned char) src[p + 1] == 0xB5)
	{
		int			q = p;
		int64		ns;

		while (src[q] != '\0' && is_duration_char(&src[q]))
			q++;
		if (!TqlParseDuration(src + start, q - start, &ns))
			TqlSyntaxError(scanner, start, "invalid duration \"%.*s\"",
						   TqlClipLength(src + start, Min(q - start, 40)),
						   src + start);
		tok->type = TT_DURATION;
		tok->ival = ns;
		scanner->pos = q;
		return;
	}

	if ((src[p] == 'e' || src[p] == 'E') &&
		(is_digit(src[p + 1]) ||
		 ((src[p + 1] == '+' || src[p + 1] == '-') && is_digit(src[p + 2]))))
	{
		is_float = true;
		p += 2;
		while (is_digit(src[p]))
			p++;
	}

	if (is_float)
	{
		char	   *text = pnstrdup(src + start, p - start);
		char	   *endp;
		double		v;

		errno = 0;
		v = strtod(text, &endp);
		if (*endp != '\0' || isinf(v) || isnan(v))
			TqlSyntaxError(scanner, start, "float out of range");
		tok->type = TT_FLOAT;
		tok->fval = v;
		pfree(text);
	}
	else
	{
		int64		v = 0;
		int			i;

		for (i = start; i < p; i++)
		{
			if (v > (PG_INT64_MAX - (src[i] - '0')) / 10)
				TqlSyntaxError(scanner, start, "integer out of range");
			v = v * 10 + (src[i] - '0');
		}
		tok->type = TT_INT;
		tok->ival = v;
	}
	scanner->pos = p;
}

static int
hex_value(char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Append code point "cp" as UTF-8 */
static void
append_utf8(StringInfo buf, uint32 cp)
{
	if (cp < 0x80)
		appendStringInfoChar(buf, (char) cp);
	else if (cp < 0x800)
	{
		appendStringInfoChar(buf, (char) (0xC0 | (cp >> 6)));
		appendStringInfoChar(buf, (char) (0x80 | (cp & 0x3F)));
	}
	else if (cp < 0x10000)
	{
		appendStringInfoChar(buf, (char) (0xE0 | (cp >> 12)));
		appendStringInfoChar(buf, (char) (0x80 | ((cp >> 6) & 0x3F)));
		appendStringInfoChar(buf, (char) (0x80 | (cp & 0x3F)));
	}
	else
	{
		appendStringInfoChar(buf, (char) (0xF0 | (cp >> 18)));
		appendStringInfoChar(buf, (char) (0x80 | ((cp >> 12) & 0x3F)));
		appendStringInfoChar(buf, (char) (0x80 | ((cp >> 6) & 0x3F)));
		appendStringInfoChar(buf, (char) (0x80 | (cp & 0x3F)));
	}
}

/* Scan a double-quoted (Go escapes) or back-quoted (raw) string literal */
static void
scan_string(TqlScanner *scanner, TqlToken *tok)
{
	const char *src = scanner->src;
	int			start = scanner->pos;
	char		quote = src[start];
	int			p = start + 1;
	StringInfoData buf;

	initStringInfo(&buf);
	for (;;)
	{
		char		c = src[p];

		if (c == '\0')
			TqlSyntaxError(scanner, start, "unterminated string literal");
		if (c == quote)
		{
			p++;
			break;
		}
		if (quote == '`')
		{
			if (c != '\r')		/* Go drops carriage returns in raw strings */
				appendStringInfoChar(&buf, c);
			p++;
			continue;
		}
		if (c == '\n')
			TqlSyntaxError(scanner, p, "newline in string literal");
		if (c != '\\')
		{
			appendStringInfoChar(&buf, c);
			p++;
			continue;
		}

		/* escape sequence */
		c = src[p + 1];
		switch (c)
		{
			case 'a':
				appendStringInfoChar(&buf, '\a');
				p += 2;
				break;
			case 'b':
				appendStringInfoChar(&buf, '\b');
				p += 2;
				break;
			case 'f':
				appendStringInfoChar(&buf, '\f');
				p += 2;
				break;
			case 'n':
				appendStringInfoChar(&buf, '\n');
				p += 2;
				break;
			case 'r':
				appendStringInfoChar(&buf, '\r');
				p += 2;
				break;
			case 't':
				appendStringInfoChar(&buf, '\t');
				p += 2;
				break;
			case 'v':
				appendStringInfoChar(&buf, '\v');
				p += 2;
				break;
			case '\\':
			case '"':
				appendStringInfoChar(&buf, c);
				p += 2;
				break;
			case 'x':
				{
					int			h1 = hex_value(src[p + 2]);
					int			h2 = h1 < 0 ? -1 : hex_value(src[p + 3]);

					if (h1 < 0 || h2 < 0)
						TqlSyntaxError(scanner, p, "invalid escape sequence in string literal");
					appendStringInfoChar(&buf, (char) (h1 * 16 + h2));
					p += 4;
					break;
				}
			case '0':
			case '1':
			case '2':
			case '3':
			case '4':
			case '5':
			case '6':
			case '7':
				{
					int			v = 0;
					int			i;

					for (i = 1; i <= 3; i++)
					{
						if (src[p + i] < '0' || src[p + i] > '7')
							TqlSyntaxError(scanner, p, "invalid escape sequence in string literal");
						v = v * 8 + (src[p + i] - '0');
					}
					if (v > 255)
						TqlSyntaxError(scanner, p, "invalid escape sequence in string literal");
					appendStringInfoChar(&buf, (char) v);
					p += 4;
					break;
				}
			case 'u':
			case 'U':
				{
					int			n = (c == 'u') ? 4 : 8;
					uint32		cp = 0;
					int			i;

					for (i = 0; i < n; i++)
					{
						int			h = hex_value(src[p + 2 + i]);

						if (h < 0)
							TqlSyntaxError(scanner, p, "invalid escape sequence in string literal");
						cp = (cp << 4) | h;
					}
					if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
						TqlSyntaxError(scanner, p, "invalid Unicode code point in string literal");
					append_utf8(&buf, cp);
					p += 2 + n;
					break;
				}
			default:
				TqlSyntaxError(scanner, p, "invalid escape sequence in string literal");
		}
	}

	if (strlen(buf.data) != (size_t) buf.len)
		TqlSyntaxError(scanner, start, "string literal contains a null character");
	if (!TqlValidEncoding(buf.data, buf.len))
		TqlSyntaxError(scanner, start, "string literal is not valid in the server encoding");
	tok->type = TT_STRING;
	tok->str = buf.data;
	scanner->pos = p;
}

/* Read an attribute name starting at scanner->pos (after the scope token) */
static void
scan_attribute_name(TqlScanner *scanner, TqlToken *tok)
{
	const char *src = scanner->src;
	int			p = scanner->pos;
	StringInfoData buf;

	if (is_name_terminator(src[p]))
		TqlSyntaxError(scanner, p, "expecting attribute name");

	initStringInfo(&buf);
	while (!is_name_terminator(src[p]))
	{
		if (src[p] == '"')
		{
			int			qstart = p;

			p++;
			for (;;)
			{
				if (src[p] == '\0')
					TqlSyntaxError(scanner, qstart, "unterminated quoted attribute name");
				if (src[p] == '"')
				{
					p++;
					break;
				}
				if (src[p] == '\\')
				{
					if (src[p + 1] != '"' && src[p + 1] != '\\')
						TqlSyntaxError(scanner, p, "invalid escape sequence in attribute name");
					appendStringInfoChar(&buf, src[p + 1]);
					p += 2;
					continue;
				}
				appendStringInfoChar(&buf, src[p]);
				p++;
			}
			continue;
		}
		appendStringInfoChar(&buf, src[p]);
		p++;
	}
	if (buf.len == 0)
		TqlSyntaxError(scanner, scanner->pos, "empty attribute name");
	tok->type = TT_ATTRIBUTE;
	tok->str = buf.data;
	scanner->pos = p;
}

static bool
word_is(const char *word, int len, const char *lit)
{
	return (int) strlen(lit) == len && strncmp(word, lit, len) == 0;
}

/*
 * TqlNextToken
 *		Read the next token into *tok.
 */
void
TqlNextToken(TqlScanner *scanner, TqlToken *tok)
{
	const char *src = scanner->src;
	int			i;

	memset(tok, 0, sizeof(TqlToken));
	for (;;)
	{
		if (is_space(src[scanner->pos]))
			scanner->pos++;
		else if (src[scanner->pos] == '/' && src[scanner->pos + 1] == '/')
		{
			while (src[scanner->pos] != '\0' && src[scanner->pos] != '\n')
				scanner->pos++;
		}
		else if (src[scanner->pos] == '/' && src[scanner->pos + 1] == '*')
		{
			const char *end = strstr(src + scanner->pos + 2, "*/");

			if (end == NULL)
				TqlSyntaxError(scanner, scanner->pos, "comment not terminated");
			scanner->pos = (end - src) + 2;
		}
		else
			break;
	}
	tok->start = scanner->pos;

	if (src[scanner->pos] == '\0')
	{
		tok->type = TT_EOF;
		tok->end = scanner->pos;
		return;
	}

	if (is_digit(src[scanner->pos]) ||
		(src[scanner->pos] == '.' && is_digit(src[scanner->pos + 1])))
	{
		scan_number(scanner, tok);
	}
	else if (src[scanner->pos] == '"' || src[scanner->pos] == '`')
	{
		scan_string(scanner, tok);
	}
	else if (src[scanner->pos] == '.')
	{
		scanner->pos++;
		tok->scope = TQL_SCOPE_NONE;
		scan_attribute_name(scanner, tok);
	}
	else if (is_ident_start(src[scanner->pos]))
	{
		const char *word = src + scanner->pos;
		int			len = 0;
		char		next;

		while (is_ident_char(word[len]))
			len++;
		next = word[len];

		if (next == '.' &&
			(word_is(word, len, "span") || word_is(word, len, "resource") ||
			 word_is(word, len, "event") || word_is(word, len, "link") ||
			 word_is(word, len, "instrumentation") ||
			 word_is(word, len, "parent")))
		{
			scanner->pos += len + 1;
			if (word_is(word, len, "span"))
				tok->scope = TQL_SCOPE_SPAN;
			else if (word_is(word, len, "resource"))
				tok->scope = TQL_SCOPE_RESOURCE;
			else if (word_is(word, len, "event"))
				tok->scope = TQL_SCOPE_EVENT;
			else if (word_is(word, len, "link"))
				tok->scope = TQL_SCOPE_LINK;
			else if (word_is(word, len, "instrumentation"))
				tok->scope = TQL_SCOPE_INSTRUMENTATION;
			else if (strncmp(src + scanner->pos, "span.", 5) == 0)
			{
				tok->scope = TQL_SCOPE_PARENT_SPAN;
				scanner->pos += 5;
			}
			else if (strncmp(src + scanner->pos, "resource.", 9) == 0)
			{
				tok->scope = TQL_SCOPE_PARENT_RESOURCE;
				scanner->pos += 9;
			}
			else
				tok->scope = TQL_SCOPE_PARENT;
			scan_attribute_name(scanner, tok);
		}
		else if (next == ':' &&
				 (word_is(word, len, "span") || word_is(word, len, "trace") ||
				  word_is(word, len, "event") || word_is(word, len, "link") ||
				  word_is(word, len, "instrumentation")))
		{
			tok->type = TT_SCOPE_COLON;
			if (word_is(word, len, "span"))
				tok->scope = TQL_SCOPE_SPAN;
			else if (word_is(word, len, "trace"))
				tok->trace_scope = true;
			else if (word_is(word, len, "event"))
				tok->scope = TQL_SCOPE_EVENT;
			else if (word_is(word, len, "link"))
				tok->scope = TQL_SCOPE_LINK;
			else
				tok->scope = TQL_SCOPE_INSTRUMENTATION;
			scanner->pos += len + 1;
		}
		else
		{
			tok->keyword = lookup_keyword(word, len);
			tok->type = tok->keyword != KW_NONE ? TT_KEYWORD : TT_IDENT;
			tok->str = pnstrdup(word, len);
			scanner->pos += len;
		}
	}
	else
	{
		for (i = 0; i < lengthof(operators); i++)
		{
			int			oplen = strlen(operators[i].text);

			if (strncmp(src + scanner->pos, operators[i].text, oplen) == 0)
			{
				tok->type = operators[i].type;
				scanner->pos += oplen;
				break;
			}
		}
		if (i == lengthof(operators))
		{
			unsigned char c = (unsigned char) src[scanner->pos];

			if (c >= 0x20 && c < 0x7F)
				TqlSyntaxError(scanner, scanner->pos, "unexpected character \"%c\"", c);
			TqlSyntaxError(scanner, scanner->pos, "unexpected character 0x%02x", c);
		}
	}
	tok->end = scanner->pos;
}
