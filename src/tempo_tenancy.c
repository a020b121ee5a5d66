/*-------------------------------------------------------------------------
 *
 * tempo_tenancy.c
 *	  Roles bound to tenants: which tenants the current role may see, and
 *	  whether the C readers of tempo.spans can honour its row-level
 *	  security.
 *
 * tempo.tenant_roles(role, tenant) lists the tenants each bound role may
 * see; tempo.bind_tenant() / tempo.unbind_tenant() (sqlsrc/80_tenancy.sql)
 * manage it and install the policy TEMPO_TENANT_POLICY on tempo.spans:
 *
 *	 (SELECT tempo.allowed_tenants()) IS NULL
 *	   OR tenant = ANY ((SELECT tempo.allowed_tenants()))
 *
 * The sub-selects make the function an init plan, run once per query and
 * not once per row.  tempo.allowed_tenants() is NULL for a role that is not
 * bound (it sees every tenant, as before any binding), for superusers and
 * for roles with BYPASSRLS; otherwise it is the union of the tenants bound
 * to the roles whose privileges the current role has (so binding a group
 * role binds its members).  It reads tempo.tenant_roles directly, so a
 * bound role needs no privilege on that table and cannot see the other
 * roles' bindings.
 *
 * SQL reading tempo.spans gets the policy from PostgreSQL.  The C readers
 * (the TraceQL executor's batch reader and tempo.ingest's bulk insert) do
 * not run the rewriter, so they call TempoSpansTenancy(): when row-level
 * security applies to the caller and the only policy on tempo.spans is
 * ours, they apply the same rule themselves; any other policy is refused
 * with 0A000, since these readers cannot evaluate arbitrary expressions
 * per span.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/tempo_tenancy.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "nodes/pg_list.h"
#include "rewrite/rowsecurity.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"

#include "tempo_tenancy.h"

PG_FUNCTION_INFO_V1(tempo_allowed_tenants);

/*
 * TempoBoundTenants
 *		The tenants the current role is bound to, as a list of palloc'd
 *		strings; false (and NIL) when the role is not restricted.
 */
bool
TempoBoundTenants(List **tenants)
{
	Oid			user = GetUserId();
	Oid			nsp;
	Oid			relid;
	Relation	rel;
	TableScanDesc scan;
	TupleTableSlot *slot;
	Snapshot	snap;
	bool		bound = false;

	*tenants = NIL;
	if (superuser_arg(user) || has_bypassrls_privilege(user))
		return false;
	nsp = get_namespace_oid("tempo", true);
	relid = OidIsValid(nsp) ? get_relname_relid("tenant_roles", nsp) : InvalidOid;
	if (!OidIsValid(relid))
		return false;

	rel = table_open(relid, AccessShareLock);
	snap = ActiveSnapshotSet() ? GetActiveSnapshot() : GetTransactionSnapshot();
	scan = table_beginscan(rel, snap, 0, NULL);
	slot = table_slot_create(rel, NULL);
	while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		bool		isnull_role,
					isnull_tenant;
		Datum		role = slot_getattr(slot, 1, &isnull_role);
		Datum		tenant = slot_getattr(slot, 2, &isnull_tenant);
		char	   *t;
		ListCell   *lc;
		bool		dup = false;

		CHECK_FOR_INTERRUPTS();
		if (isnull_role || isnull_tenant ||
			!has_privs_of_role(user, DatumGetObjectId(role)))
			continue;
		bound = true;
		t = TextDatumGetCString(tenant);
		foreach(lc, *tenants)
			if (strcmp(lfirst(lc), t) == 0)
				dup = true;
		if (!dup)
			*tenants = lappend(*tenants, t);
	}
	ExecDropSingleTupleTableSlot(slot);
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	return bound;
}

/*
 * tempo.allowed_tenants() RETURNS text[]: the tenants the current role is
 * bound to, NULL when it is not restricted.
 */
Datum
tempo_allowed_tenants(PG_FUNCTION_ARGS)
{
	List	   *tenants;
	Datum	   *elems;
	ListCell   *lc;
	int			n = 0;

	if (!TempoBoundTenants(&tenants))
		PG_RETURN_NULL();
	elems = palloc(sizeof(Datum) * Max(list_length(tenants), 1));
	foreach(lc, tenants)
		elems[n++] = CStringGetTextDatum(lfirst(lc));
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, n, TEXTOID, -1, false,
										  TYPALIGN_INT));
}

/*
 * TempoSpansTenancy
 *		How row-level security on tempo.spans (relid) restricts the caller,
 *		for C code that reads or writes it without the rewriter.
 *
 * Returns false when nothing restricts the caller.  Returns true with
 * *tenants = the tenants the caller may see (NIL: none at all) when the
 * tenant binding policy applies.  Raises 0A000 when other policies apply;
 * "what" names the caller in the message.
 */
bool
TempoSpansTenancy(Oid relid, const char *what, List **tenants)
{
	Relation	rel;
	ListCell   *lc;
	bool		ours = false;
	char	   *other = NULL;

	*tenants = NIL;
	if (check_enable_rls(relid, InvalidOid, false) != RLS_ENABLED)
		return false;

	rel = table_open(relid, AccessShareLock);
	if (rel->rd_rsdesc != NULL)
	{
		foreach(lc, rel->rd_rsdesc->policies)
		{
			RowSecurityPolicy *p = lfirst(lc);

			if (strcmp(p->policy_name, TEMPO_TENANT_POLICY) == 0)
				ours = true;
			else if (other == NULL)
				other = pstrdup(p->policy_name);
		}
	}
	table_close(rel, AccessShareLock);

	if (other != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s cannot apply row-level security policy \"%s\" of tempo.spans",
						what, other),
				 errdetail("Only the tenant binding policy \"%s\" is supported.",
						   TEMPO_TENANT_POLICY),
				 errhint("Bind roles to tenants with tempo.bind_tenant() instead, or use a role that bypasses row-level security.")));
	if (!ours)
		return true;			/* no policy at all: every row is hidden */
	if (!TempoBoundTenants(tenants))
		return false;			/* not bound: the policy shows everything */
	return true;
}
