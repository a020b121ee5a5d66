/*-------------------------------------------------------------------------
 *
 * usage_settings.c
 *	  The dotted names of the cost-attribution settings.
 *
 * DESIGN.md names the settings tempo.cost_attribution.enabled,
 * .dimensions, .max_cardinality and .stale_duration.  PostgreSQL 15
 * accepts such names in SQL (valid_custom_variable_name allows several
 * dots) but not in configuration files: the lexer of postgresql.conf
 * (guc-file.l) knows a name as ID or ID.ID, so a line
 * "tempo.cost_attribution.enabled = on" is a syntax error, the whole file
 * is refused at reload, and the server does not start with it.  ALTER
 * SYSTEM writes such a line into postgresql.auto.conf, so a PGC_SIGHUP
 * setting with a two-dot name would break the next start.
 *
 * So the real settings are tempo.cost_attribution_enabled etc. (one dot,
 * usable in files), and the dotted names are SQL spellings of them:
 *	- SET, RESET, ALTER SYSTEM SET/RESET, ALTER DATABASE/ROLE SET with a
 *	  dotted name are rewritten to the real name by a ProcessUtility hook
 *	  (on a copy of the statement), so ALTER SYSTEM writes the real name;
 *	- SHOW and current_setting() of a dotted name read a read-only mirror
 *	  setting whose show hook returns the real setting's value.  The
 *	  mirrors are hidden from SHOW ALL and pg_settings, which list the
 *	  real settings.
 * set_config() with a dotted name fails (the mirror cannot be set);
 * configuration files must use the real names.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/usage_settings.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "datatype/timestamp.h"
#include "nodes/parsenodes.h"
#include "tcop/utility.h"
#include "utils/guc.h"

#include "tempo.h"
#include "usage.h"

typedef struct UsageSettingAlias
{
	const char *alias;			/* dotted name, SQL only */
	const char *name;			/* the real setting */
} UsageSettingAlias;

static const UsageSettingAlias usage_aliases[] = {
	{"tempo.cost_attribution.enabled", "tempo.cost_attribution_enabled"},
	{"tempo.cost_attribution.dimensions", "tempo.cost_attribution_dimensions"},
	{"tempo.cost_attribution.max_cardinality", "tempo.cost_attribution_max_cardinality"},
	{"tempo.cost_attribution.stale_duration", "tempo.cost_attribution_stale_duration"}
};

/* storage of the mirrors (never read: their show hooks answer) */
static bool mirror_enabled;
static char *mirror_dimensions;
static int	mirror_max_cardinality;
static char *mirror_stale_duration;

static ProcessUtility_hook_type prev_ProcessUtility = NULL;

static const char *
showReal(int i)
{
	return GetConfigOption(usage_aliases[i].name, false, false);
}

static const char *
showEnabled(void)
{
	return showReal(0);
}

static const char *
showDimensions(void)
{
	return showReal(1);
}

static const char *
showMaxCardinality(void)
{
	return showReal(2);
}

static const char *
showStaleDuration(void)
{
	return showReal(3);
}

/* The real name of a dotted alias, or NULL. */
static const char *
aliasTarget(const char *name)
{
	int			i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < lengthof(usage_aliases); i++)
		if (pg_strcasecmp(name, usage_aliases[i].alias) == 0)
			return usage_aliases[i].name;
	return NULL;
}

/* The VariableSetStmt inside a statement that sets a setting, or NULL. */
static VariableSetStmt *
setStatement(Node *stmt)
{
	if (stmt == NULL)
		return NULL;
	switch (nodeTag(stmt))
	{
		case T_VariableSetStmt:
			return (VariableSetStmt *) stmt;
		case T_AlterSystemStmt:
			return ((AlterSystemStmt *) stmt)->setstmt;
		case T_AlterDatabaseSetStmt:
			return ((AlterDatabaseSetStmt *) stmt)->setstmt;
		case T_AlterRoleSetStmt:
			return ((AlterRoleSetStmt *) stmt)->setstmt;
		default:
			return NULL;
	}
}

static void
usage_ProcessUtility(PlannedStmt *pstmt, const char *queryString,
					 bool readOnlyTree, ProcessUtilityContext context,
					 ParamListInfo params, QueryEnvironment *queryEnv,
					 DestReceiver *dest, QueryCompletion *qc)
{
	VariableSetStmt *set = setStatement(pstmt->utilityStmt);
	const char *target = set ? aliasTarget(set->name) : NULL;

	if (target != NULL)
	{
		/* the tree may belong to a cached plan: change a copy */
		pstmt = copyObject(pstmt);
		set = setStatement(pstmt->utilityStmt);
		set->name = pstrdup(target);
		readOnlyTree = false;
	}
	if (prev_ProcessUtility)
		prev_ProcessUtility(pstmt, queryString, readOnlyTree, context,
							params, queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context,
								params, queryEnv, dest, qc);
}

/*
 * Define the mirrors and install the hook; called from _PG_init after
 * the real settings are defined.
 */
void
UsageDefineSettingAliases(void)
{
	int			flags = GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE |
		GUC_DISALLOW_IN_FILE | GUC_DISALLOW_IN_AUTO_FILE;

	DefineCustomBoolVariable(usage_aliases[0].alias,
							 "SQL spelling of tempo.cost_attribution_enabled.",
							 NULL, &mirror_enabled, false, PGC_INTERNAL, flags,
							 NULL, NULL, showEnabled);
	DefineCustomStringVariable(usage_aliases[1].alias,
							   "SQL spelling of tempo.cost_attribution_dimensions.",
							   NULL, &mirror_dimensions, "", PGC_INTERNAL, flags,
							   NULL, NULL, showDimensions);
	DefineCustomIntVariable(usage_aliases[2].alias,
							"SQL spelling of tempo.cost_attribution_max_cardinality.",
							NULL, &mirror_max_cardinality, 10000, 1, 1000000,
							PGC_INTERNAL, flags,
							NULL, NULL, showMaxCardinality);
	DefineCustomStringVariable(usage_aliases[3].alias,
							   "SQL spelling of tempo.cost_attribution_stale_duration.",
							   NULL, &mirror_stale_duration, "15 min", PGC_INTERNAL, flags,
							   NULL, NULL, showStaleDuration);

	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = usage_ProcessUtility;
}
