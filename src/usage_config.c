/*-------------------------------------------------------------------------
 *
 * usage_config.c
 *	  The cost-attribution settings: parsing and checking
 *	  tempo.cost_attribution_dimensions, and the stale duration.
 *
 * The check hook parses the dimension list into a flat UsageConfig (the
 * GUC "extra", so it is parsed once per change and never on the hot
 * path) and refuses a bad list with a message saying which entry is
 * wrong; the assign hook publishes it.  Because the setting is
 * PGC_SIGHUP, ALTER SYSTEM + pg_reload_conf() changes it in every process
 * without a restart.
 *
 * Entry syntax: [resource.|span.]attribute[=label], whitespace around
 * entries, names and '=' ignored.  The label defaults to the attribute
 * name without its scope prefix; it is sanitised to a Prometheus label
 * name (every character outside [A-Za-z0-9_] becomes '_', a leading digit
 * gets a '_' in front).  Labels "tenant" and "tracker" (the metric's own
 * labels) and labels beginning with "__" (reserved by Prometheus) are
 * refused.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/usage_config.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "utils/guc.h"
#include "utils/timestamp.h"

#include "tempo.h"
#include "usage_internal.h"

/* The parsed dimension list in force in this process (NULL: none). */
UsageConfig *usage_config = NULL;

static bool
isLabelChar(char c, bool first)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')
		return true;
	return !first && c >= '0' && c <= '9';
}

/* Copy s (len bytes) to dst, sanitised to a Prometheus label name. */
static bool
sanitizeLabel(const char *s, int len, char *dst)
{
	int			n = 0;
	int			i;

	if (len > 0 && s[0] >= '0' && s[0] <= '9')
		dst[n++] = '_';
	for (i = 0; i < len; i++)
	{
		if (n >= USAGE_MAX_LABEL_LEN)
			return false;
		dst[n++] = isLabelChar(s[i], false) ? s[i] : '_';
	}
	dst[n] = '\0';
	return true;
}

/* Trim blanks at both ends of [*s, *s + *len). */
static void
trim(const char **s, int *len)
{
	while (*len > 0 && isspace((unsigned char) **s))
	{
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && isspace((unsigned char) (*s)[*len - 1]))
		(*len)--;
}

static int
cmpLabels(const void *a, const void *b)
{
	return strcmp((const char *) a, (const char *) b);
}

/*
 * Parse one entry into cfg->dims[cfg->ndims], its label name into
 * labelbuf.  Returns false with GUC_check_errdetail set on error.
 */
static bool
parseEntry(const char *s, int len, UsageConfig *cfg, char *labelbuf)
{
	UsageDimension *dim = &cfg->dims[cfg->ndims];
	const char *eq = memchr(s, '=', len);
	const char *attr = s;
	int			attrlen = eq ? eq - s : len;
	const char *label = eq ? eq + 1 : NULL;
	int			labellen = eq ? len - (eq + 1 - s) : 0;
	const char *bare;
	int			barelen;

	trim(&attr, &attrlen);
	trim(&label, &labellen);
	if (attrlen == 0)
	{
		GUC_check_errdetail("Entry \"%.*s\" has no attribute name.", len, s);
		return false;
	}
	if (attrlen > USAGE_MAX_ATTR_LEN)
	{
		GUC_check_errdetail("Attribute name \"%.*s...\" is longer than %d bytes.",
							20, attr, USAGE_MAX_ATTR_LEN);
		return false;
	}
	dim->scope = USAGE_SCOPE_ANY;
	bare = attr;
	barelen = attrlen;
	if (attrlen >= 9 && strncmp(attr, "resource.", 9) == 0)
	{
		dim->scope = USAGE_SCOPE_RESOURCE;
		bare += 9;
		barelen -= 9;
	}
	else if (attrlen >= 5 && strncmp(attr, "span.", 5) == 0)
	{
		dim->scope = USAGE_SCOPE_SPAN;
		bare += 5;
		barelen -= 5;
	}
	if (barelen == 0)
	{
		GUC_check_errdetail("Entry \"%.*s\" has no attribute name after its scope.", len, s);
		return false;
	}
	memcpy(dim->attr, bare, barelen);
	dim->attr[barelen] = '\0';
	if (strlen(dim->attr) != barelen)
	{
		GUC_check_errdetail("Attribute name \"%.*s\" contains a zero byte.", attrlen, attr);
		return false;
	}

	if (labellen == 0)
	{
		label = bare;
		labellen = barelen;
	}
	if (!sanitizeLabel(label, labellen, labelbuf))
	{
		GUC_check_errdetail("Label name for \"%.*s\" is longer than %d bytes.",
							attrlen, attr, USAGE_MAX_LABEL_LEN);
		return false;
	}
	if (strncmp(labelbuf, "__", 2) == 0)
	{
		GUC_check_errdetail("Label name \"%s\" (for \"%.*s\") begins with \"__\", which Prometheus reserves.",
							labelbuf, attrlen, attr);
		return false;
	}
	if (strcmp(labelbuf, "tenant") == 0 || strcmp(labelbuf, "tracker") == 0)
	{
		GUC_check_errdetail("Label name \"%s\" (for \"%.*s\") is used by the metric itself; give the dimension another label, as in \"%.*s=my_%s\".",
							labelbuf, attrlen, attr, attrlen, attr, labelbuf);
		return false;
	}
	return true;
}

/*
 * Parse a dimension list into *cfg.  On error returns false with
 * GUC_check_errdetail set.
 */
static bool
parseDimensions(const char *value, UsageConfig *cfg)
{
	char		labelbuf[USAGE_MAX_DIMENSIONS][USAGE_MAX_LABEL_LEN + 1];
	const char *p = value;
	int			names_bytes = 0;
	int			i,
				j;

	memset(cfg, 0, sizeof(*cfg));
	if (value == NULL)
		return true;
	/* an all-blank list means no dimensions */
	while (*p && isspace((unsigned char) *p))
		p++;
	if (*p == '\0')
		return true;

	p = value;
	for (;;)
	{
		const char *comma = strchr(p, ',');
		int			len = comma ? comma - p : strlen(p);
		const char *s = p;

		trim(&s, &len);
		if (len == 0)
		{
			GUC_check_errdetail("The list has an empty entry.");
			return false;
		}
		if (cfg->ndims >= USAGE_MAX_DIMENSIONS)
		{
			GUC_check_errdetail("At most %d dimensions are allowed.", USAGE_MAX_DIMENSIONS);
			return false;
		}
		if (!parseEntry(s, len, cfg, labelbuf[cfg->ndims]))
			return false;
		cfg->ndims++;
		if (comma == NULL)
			break;
		p = comma + 1;
	}

	/* distinct labels, sorted */
	for (i = 0; i < cfg->ndims; i++)
	{
		for (j = 0; j < cfg->nlabels; j++)
			if (strcmp(cfg->labels[j], labelbuf[i]) == 0)
				break;
		if (j == cfg->nlabels)
		{
			strcpy(cfg->labels[cfg->nlabels++], labelbuf[i]);
			names_bytes += strlen(labelbuf[i]) + 1;
		}
	}
	if (names_bytes > USAGE_MAX_NAMES_BYTES)
	{
		GUC_check_errdetail("The label names are longer than %d bytes together.",
							USAGE_MAX_NAMES_BYTES);
		return false;
	}
	qsort(cfg->labels, cfg->nlabels, sizeof(cfg->labels[0]), cmpLabels);
	for (i = 0; i < cfg->ndims; i++)
		for (j = 0; j < cfg->nlabels; j++)
			if (strcmp(cfg->labels[j], labelbuf[i]) == 0)
				cfg->dims[i].label = j;
	return true;
}

/* GUC check hook of tempo.cost_attribution_dimensions. */
bool
usage_check_dimensions(char **newval, void **extra, GucSource source)
{
	UsageConfig *cfg;

	/*
	 * The GUC machinery free()s "extra" itself, so it must come from
	 * malloc (PostgreSQL 15 does not export guc_malloc).
	 */
	cfg = malloc(sizeof(UsageConfig));
	if (cfg == NULL)
	{
		GUC_check_errcode(ERRCODE_OUT_OF_MEMORY);
		GUC_check_errmsg("out of memory");
		return false;
	}
	if (!parseDimensions(*newval, cfg))
	{
		free(cfg);
		return false;
	}
	*extra = cfg;
	return true;
}

/* GUC assign hook of tempo.cost_attribution_dimensions. */
void
usage_assign_dimensions(const char *newval, void *extra)
{
	usage_config = (UsageConfig *) extra;
}

/* Should requests be attributed now? */
bool
UsageTrackingEnabled(void)
{
	return tempo_cost_attribution_enabled && usage_shared != NULL &&
		usage_config != NULL && usage_config->ndims > 0;
}

/*
 * tempo.cost_attribution_stale_duration in microseconds (months count as
 * 30 days).  Parsed again only when the setting's string changes.
 */
int64
UsageStaleUsecs(void)
{
	static char *parsed_for = NULL;
	static char parsed_value[64];
	static int64 usecs = 15 * 60 * USECS_PER_SEC;
	const char *cur = tempo_cost_attribution_stale_duration;

	if (cur == NULL)
		return usecs;
	if (cur != parsed_for || strncmp(cur, parsed_value, sizeof(parsed_value)) != 0)
	{
		Interval   *iv = TempoParseIntervalSetting("tempo.cost_attribution_stale_duration", cur);

		usecs = iv->time + (int64) iv->day * USECS_PER_DAY +
			(int64) iv->month * DAYS_PER_MONTH * USECS_PER_DAY;
		pfree(iv);
		parsed_for = tempo_cost_attribution_stale_duration;
		strlcpy(parsed_value, cur, sizeof(parsed_value));
	}
	return usecs;
}
