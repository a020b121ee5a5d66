
-- ---------------------------------------------------------------------
-- Roles bound to tenants (src/tempo_tenancy.c).
--
-- A role bound to tenants sees only their rows of tempo.spans (and of
-- tempo.usage_history, tempo.usage, tempo.ingest_quality), through SQL and
-- through every tempo function, by a row-level security policy that
-- tempo.bind_tenant() installs.  Roles that are not bound see every
-- tenant, superusers and BYPASSRLS roles always do, and so does the owner
-- of tempo.spans (PostgreSQL does not apply row-level security to a table's
-- owner).
-- ---------------------------------------------------------------------

CREATE TABLE @extschema@.tenant_roles (
    role   regrole NOT NULL,
    tenant text NOT NULL
           CONSTRAINT tenant_roles_tenant_check
           CHECK (tenant <> '' AND strpos(tenant, '|') = 0),
    PRIMARY KEY (role, tenant)
);
REVOKE ALL ON @extschema@.tenant_roles FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('@extschema@.tenant_roles', '');
COMMENT ON TABLE @extschema@.tenant_roles IS
    'tenants each bound role (and every role that has its privileges) may see; managed by tempo.bind_tenant() and tempo.unbind_tenant()';

CREATE FUNCTION @extschema@.allowed_tenants() RETURNS text[]
    AS 'MODULE_PATHNAME', 'tempo_allowed_tenants'
    LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.allowed_tenants() IS
    'tenants the current role is bound to; NULL when it may see every tenant (not bound, superuser or BYPASSRLS)';

-- Install the tenant binding policy on a table with a "tenant" column and
-- enable row-level security there (idempotent).
CREATE FUNCTION @extschema@.tenant_policy_install(tab regclass) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_policy
                    WHERE polrelid = tab AND polname = 'tempo_tenant_binding') THEN
        EXECUTE format(
            'CREATE POLICY tempo_tenant_binding ON %s '
            'USING ((SELECT @extschema@.allowed_tenants()) IS NULL '
            '       OR tenant = ANY ((SELECT @extschema@.allowed_tenants())::text[])) '
            'WITH CHECK ((SELECT @extschema@.allowed_tenants()) IS NULL '
            '       OR tenant = ANY ((SELECT @extschema@.allowed_tenants())::text[]))', tab);
    END IF;
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tab);
END $$;
REVOKE ALL ON FUNCTION @extschema@.tenant_policy_install(regclass) FROM PUBLIC;

CREATE FUNCTION @extschema@.bind_tenant(role regrole, tenant text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
DECLARE
    spans regclass := '@extschema@.spans'::regclass;
BEGIN
    IF role IS NULL OR tenant IS NULL OR tenant = '' OR strpos(tenant, '|') > 0 THEN
        RAISE EXCEPTION 'invalid tenant binding'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The role must not be null and the tenant must be a non-empty name without "|".';
    END IF;
    IF NOT pg_has_role(current_user,
                       (SELECT relowner FROM pg_class WHERE oid = spans), 'USAGE') THEN
        RAISE EXCEPTION 'permission denied to bind roles to tenants'
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Only superusers and the owner of tempo.spans can bind roles to tenants.';
    END IF;
    IF (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE oid = role) THEN
        RAISE EXCEPTION 'role "%" bypasses row-level security', role
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Superusers and roles with BYPASSRLS see every tenant.';
    END IF;
    INSERT INTO @extschema@.tenant_roles VALUES (role, tenant) ON CONFLICT DO NOTHING;
    PERFORM @extschema@.tenant_policy_install(spans);
    IF to_regclass('@extschema@.usage_history') IS NOT NULL THEN
        PERFORM @extschema@.tenant_policy_install('@extschema@.usage_history');
    END IF;
END $$;
REVOKE ALL ON FUNCTION @extschema@.bind_tenant(regrole, text) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.bind_tenant(regrole, text) IS
    'let role (and the roles that have its privileges) see tenant; a bound role sees only its tenants (row-level security on tempo.spans and tempo.usage_history, installed here)';

CREATE FUNCTION @extschema@.unbind_tenant(role regrole, tenant text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
DECLARE
    n bigint;
BEGIN
    IF NOT pg_has_role(current_user,
                       (SELECT relowner FROM pg_class
                         WHERE oid = '@extschema@.spans'::regclass), 'USAGE') THEN
        RAISE EXCEPTION 'permission denied to unbind roles from tenants'
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Only superusers and the owner of tempo.spans can unbind roles from tenants.';
    END IF;
    DELETE FROM @extschema@.tenant_roles r
     WHERE r.role = unbind_tenant.role
       AND (unbind_tenant.tenant IS NULL OR r.tenant = unbind_tenant.tenant);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;
REVOKE ALL ON FUNCTION @extschema@.unbind_tenant(regrole, text) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.unbind_tenant(regrole, text) IS
    'remove role''s binding to tenant (NULL: to every tenant); returns the bindings removed; a role left without bindings sees every tenant again';
