#!/usr/bin/env bash
# TraceQL conformance: checks the query classes of Tempo's own test corpus
# (../shared/conformance/traceql-examples.yaml, relative to the repository
# root; TEMPO_SHARED overrides the directory) against tempo.explain:
#   valid          -> accepted, and its normalized form reads back to itself
#   parse_fails    -> SQLSTATE 42601
#   validate_fails -> SQLSTATE 42804 or 22023
#   unsupported    -> SQLSTATE 0A000, or accepted
# The corpus is read in place, never copied into the project.
#
# Connection: when PGPORT (or PGHOST) is set, the server from the
# environment is used (the tempo extension is created if missing);
# otherwise a temporary instance with tempo preloaded is started as user
# postgres on port ${CONFORMANCE_PORT:-54334} and removed afterwards.
# Prints "conformance: N passed, M failed"; exits non-zero on failure.
set -euo pipefail
. "$(dirname "$0")/../../scripts/common.sh"
cd "$TOP"

shared=${TEMPO_SHARED:-$TOP/../shared}
corpus=$shared/conformance/traceql-examples.yaml
if [ ! -f "$corpus" ]; then
	echo "conformance: skipped ($corpus not found)"
	exit 0
fi

work=$(pg_tmpdir conformance)
instance=""
cleanup() {
	if [ -n "$instance" ]; then
		as_pg pg_ctl -D "$instance" -m immediate stop >/dev/null 2>&1 || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

# YAML subset: "section:" lines and "  - '<single-quoted query>'" items
# (with '' for a quote and an optional trailing comment).
awk '
	/^[a-z_]+:/ { section = substr($0, 1, index($0, ":") - 1); next }
	/^  - \x27/ {
		line = substr($0, index($0, "\x27") + 1)
		q = ""
		while (length(line) > 0) {
			c = substr(line, 1, 1)
			if (c == "\x27") {
				if (substr(line, 2, 1) == "\x27") { q = q "\x27"; line = substr(line, 3); continue }
				break
			}
			q = q c
			line = substr(line, 2)
		}
		gsub(/\x27/, "\x27\x27", q)
		printf "(%d, \x27%s\x27, \x27%s\x27),\n", ++n, section, q
	}
' "$corpus" > "$work/cases.txt"
ncases=$(wc -l < "$work/cases.txt")
if [ "$ncases" -eq 0 ]; then
	echo "conformance: no queries found in $corpus" >&2
	exit 1
fi

{
	cat <<'SQL'
\set ON_ERROR_STOP 1
SELECT to_regprocedure('tempo.explain(text)') IS NULL AS need_extension \gset
\if :need_extension
CREATE EXTENSION tempo;
\endif
-- 'ok', 'unstable' (normalized form does not read back to itself) or
-- the SQLSTATE raised
CREATE FUNCTION pg_temp.tql_sqlstate(q text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE
	n text;
BEGIN
	n := substr(split_part(tempo.explain(q), E'\n', 1), 8);
	IF substr(split_part(tempo.explain(n), E'\n', 1), 8) IS DISTINCT FROM n THEN
		RETURN 'unstable';
	END IF;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE;
END
$f$;
CREATE TEMP TABLE tql_cases(n int, class text, q text);
INSERT INTO tql_cases VALUES
SQL
	sed '$ s/,$/;/' "$work/cases.txt"
	cat <<'SQL'
CREATE TEMP TABLE tql_results AS
	SELECT n, class, q, pg_temp.tql_sqlstate(q) AS got FROM tql_cases;
SELECT 'FAIL ' || class || ': got ' || got || ': ' || q
FROM tql_results
WHERE NOT CASE class
	WHEN 'valid' THEN got = 'ok'
	WHEN 'parse_fails' THEN got = '42601'
	WHEN 'validate_fails' THEN got IN ('42804', '22023')
	WHEN 'unsupported' THEN got IN ('0A000', 'ok')
	ELSE false END
ORDER BY n;
SQL
} > "$work/conformance.sql"
chmod 644 "$work/conformance.sql"

if [ -z "${PGPORT:-}" ] && [ -z "${PGHOST:-}" ]; then
	instance=$work/instance
	port=${CONFORMANCE_PORT:-54334}
	as_pg initdb -D "$instance" -A trust -U postgres >/dev/null
	cat "$TOP/test/tempo.conf" >> "$instance/postgresql.conf"
	echo "listen_addresses = ''" >> "$instance/postgresql.conf"
	echo "unix_socket_directories = '$work'" >> "$instance/postgresql.conf"
	as_pg pg_ctl -D "$instance" -o "-p $port" -l "$work/server.log" -w start >/dev/null
	export PGHOST=$work PGPORT=$port PGDATABASE=postgres PGUSER=postgres
	runner=(as_pg env PGHOST="$PGHOST" PGPORT="$PGPORT" PGDATABASE="$PGDATABASE" PGUSER="$PGUSER")
else
	runner=()
fi

failures=$("${runner[@]}" psql -X -q -A -t -v ON_ERROR_STOP=1 -f "$work/conformance.sql")
nfail=0
if [ -n "$failures" ]; then
	echo "$failures"
	nfail=$(printf '%s\n' "$failures" | wc -l)
fi
echo "conformance: $((ncases - nfail)) passed, $nfail failed"
[ "$nfail" -eq 0 ]
