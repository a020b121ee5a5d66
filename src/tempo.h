/*-------------------------------------------------------------------------
 *
 * tempo.h
 *	  Settings shared by every tempo subsystem and the subsystem entry
 *	  points called from _PG_init.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/tempo.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TEMPO_H
#define TEMPO_H

#include "fmgr.h"

/* Settings (tempo.*); see tempo.c for their meaning and defaults. */
extern char *tempo_database;
extern char *tempo_otlp_http_listen;
extern char *tempo_otlp_grpc_listen;
extern int	tempo_ingest_workers;
extern int	tempo_max_request_bytes;
extern int	tempo_max_attribute_bytes;
extern bool tempo_multitenancy;
extern char *tempo_retention;
extern char *tempo_partition_interval;
extern char *tempo_tenant;
extern bool tempo_cost_attribution_enabled;
extern char *tempo_cost_attribution_dimensions;
extern int	tempo_cost_attribution_max_cardinality;
extern char *tempo_cost_attribution_stale_duration;

/* Tenant used when multi-tenancy is off (Tempo's name for it). */
#define TEMPO_SINGLE_TENANT "single-tenant"

/* in tempo.c */
extern bool tempo_preloaded;
extern Interval *TempoParseIntervalSetting(const char *name, const char *value);

/* Subsystem initialisation, called once from _PG_init, go below. */
extern void UsageInit(void);	/* usage_shmem.c */
extern void TqlMetricsInit(void);	/* tql_metrics_funcs.c */

/* in http_worker.c: ingest workers, their settings and shared memory */
extern void HttpInit(void);

#endif							/* TEMPO_H */
