/*-------------------------------------------------------------------------
 *
 * tempo_tenancy.h
 *	  Roles bound to tenants (see tempo_tenancy.c).
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/tempo_tenancy.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TEMPO_TENANCY_H
#define TEMPO_TENANCY_H

#include "nodes/pg_list.h"

/* the policy tempo.bind_tenant() installs on tempo.spans */
#define TEMPO_TENANT_POLICY "tempo_tenant_binding"

extern bool TempoBoundTenants(List **tenants);
extern bool TempoSpansTenancy(Oid relid, const char *what, List **tenants);

#endif							/* TEMPO_TENANCY_H */
