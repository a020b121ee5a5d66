/*-------------------------------------------------------------------------
 *
 * tempo.c
 *	  Module entry point: settings (tempo.*) and subsystem initialisation.
 *
 * tempo must be in shared_preload_libraries for its background workers and
 * shared memory; the settings below are defined either way so that plain
 * CREATE EXTENSION on an unpreloaded server still gives a working SQL side.
 * Settings that shape the postmaster (listen addresses, worker count) can
 * only be set at server start.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/tempo.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/timestamp.h"

#include "col.h"
#include "col_customscan.h"
#include "tempo.h"
#include "usage.h"

PG_MODULE_MAGIC;

char	   *tempo_database = NULL;
char	   *tempo_otlp_http_listen = NULL;
char	   *tempo_otlp_grpc_listen = NULL;
int			tempo_ingest_workers = 1;
int			tempo_max_request_bytes = 16 * 1024 * 1024;
int			tempo_max_attribute_bytes = 2048;
bool		tempo_multitenancy = false;
char	   *tempo_retention = NULL;
char	   *tempo_partition_interval = NULL;
char	   *tempo_tenant = NULL;
bool		tempo_cost_attribution_enabled = false;
char	   *tempo_cost_attribution_dimensions = NULL;
int			tempo_cost_attribution_max_cardinality = 10000;
char	   *tempo_cost_attribution_stale_duration = NULL;

bool		tempo_preloaded = false;

void		_PG_init(void);

/*
 * Parse an interval-valued setting; raises 22023 naming the setting when
 * the value is not a positive interval.  Result is palloc'd in the caller's
 * memory context.
 */
Interval *
TempoParseIntervalSetting(const char *name, const char *value)
{
	Interval   *result;
	Interval	zero;

	result = DatumGetIntervalP(DirectFunctionCall3(interval_in,
												   CStringGetDatum(value),
												   ObjectIdGetDatum(InvalidOid),
												   Int32GetDatum(-1)));
	memset(&zero, 0, sizeof(zero));
	if (DatumGetInt32(DirectFunctionCall2(interval_cmp,
										  IntervalPGetDatum(result),
										  IntervalPGetDatum(&zero))) <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for parameter \"%s\": \"%s\"", name, value),
				 errdetail("The interval must be positive.")));
	return result;
}

/* GUC check hook: the value must parse as a positive interval. */
static bool
check_positive_interval(char **newval, void **extra, GucSource source)
{
	bool		ok = true;
	MemoryContext oldcxt = CurrentMemoryContext;

	if (*newval == NULL)
		return true;

	PG_TRY();
	{
		(void) TempoParseIntervalSetting("interval", *newval);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(oldcxt);
		FlushErrorState();
		ok = false;
	}
	PG_END_TRY();

	if (!ok)
		GUC_check_errdetail("The value must be a positive interval, such as \"1 day\".");
	return ok;
}

void
_PG_init(void)
{
	tempo_preloaded = process_shared_preload_libraries_in_progress;

	DefineCustomStringVariable("tempo.database",
							   "Database the tempo background workers write spans to.",
							   NULL,
							   &tempo_database,
							   "postgres",
							   PGC_POSTMASTER,
							   0,
							   NULL, NULL, NULL);

	DefineCustomStringVariable("tempo.otlp_http_listen",
							   "Address and port of the OTLP/HTTP receiver (empty disables it).",
							   NULL,
							   &tempo_otlp_http_listen,
							   "127.0.0.1:4318",
							   PGC_POSTMASTER,
							   0,
							   NULL, NULL, NULL);

	DefineCustomStringVariable("tempo.otlp_grpc_listen",
							   "Address and port of the OTLP/gRPC receiver (empty disables it).",
							   NULL,
							   &tempo_otlp_grpc_listen,
							   "127.0.0.1:4317",
							   PGC_POSTMASTER,
							   0,
							   NULL, NULL, NULL);

	DefineCustomIntVariable("tempo.ingest_workers",
							"Number of OTLP ingest background workers.",
							NULL,
							&tempo_ingest_workers,
							1, 0, 64,
							PGC_POSTMASTER,
							0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("tempo.max_request_bytes",
							"Largest accepted OTLP request body, after decompression.",
							NULL,
							&tempo_max_request_bytes,
							16 * 1024 * 1024, 1024, INT_MAX / 2,
							PGC_SIGHUP,
							GUC_UNIT_BYTE,
							NULL, NULL, NULL);

	DefineCustomIntVariable("tempo.max_attribute_bytes",
							"Longest attribute key or string value; longer ones are truncated.",
							NULL,
							&tempo_max_attribute_bytes,
							2048, 0, 1024 * 1024,
							PGC_SIGHUP,
							GUC_UNIT_BYTE,
							NULL, NULL, NULL);

	DefineCustomBoolVariable("tempo.multitenancy",
							 "Take the tenant from X-Scope-OrgID instead of using \"single-tenant\".",
							 NULL,
							 &tempo_multitenancy,
							 false,
							 PGC_SIGHUP,
							 0,
							 NULL, NULL, NULL);

	DefineCustomStringVariable("tempo.retention",
							   "How long spans are kept; older partitions are dropped.",
							   NULL,
							   &tempo_retention,
							   "14 days",
							   PGC_SIGHUP,
							   0,
							   check_positive_interval, NULL, NULL);

	DefineCustomStringVariable("tempo.partition_interval",
							   "Time range covered by each partition of tempo.spans.",
							   NULL,
							   &tempo_partition_interval,
							   "1 day",
							   PGC_SUSET,
							   0,
							   check_positive_interval, NULL, NULL);

	DefineCustomStringVariable("tempo.tenant",
							   "Tenants this session reads (empty = all it may see; \"a|b\" = several).",
							   NULL,
							   &tempo_tenant,
							   "",
							   PGC_USERSET,
							   0,
							   NULL, NULL, NULL);

	DefineCustomBoolVariable("tempo.cost_attribution_enabled",
							 "Count received bytes per configured attribute dimensions.",
							 NULL,
							 &tempo_cost_attribution_enabled,
							 false,
							 PGC_SIGHUP,
							 0,
							 NULL, NULL, NULL);

	DefineCustomStringVariable("tempo.cost_attribution_dimensions",
							   "Comma-separated attributes (attr or attr=label) for cost attribution.",
							   NULL,
							   &tempo_cost_attribution_dimensions,
							   "",
							   PGC_SIGHUP,
							   0,
							   usage_check_dimensions, usage_assign_dimensions, NULL);

	DefineCustomIntVariable("tempo.cost_attribution_max_cardinality",
							"Most cost-attribution series per tenant before overflow.",
							NULL,
							&tempo_cost_attribution_max_cardinality,
							10000, 1, 1000000,
							PGC_SIGHUP,
							0,
							NULL, NULL, NULL);

	DefineCustomStringVariable("tempo.cost_attribution_stale_duration",
							   "Cost-attribution series unused for this long are purged.",
							   NULL,
							   &tempo_cost_attribution_stale_duration,
							   "15 min",
							   PGC_SIGHUP,
							   0,
							   check_positive_interval, NULL, NULL);
	UsageDefineSettingAliases();

	HttpInit();

	MarkGUCPrefixReserved("tempo");

	ColInit();
	ColCustomScanInit();
	ColAggScanInit();
	UsageInit();
	TqlMetricsInit();
}
