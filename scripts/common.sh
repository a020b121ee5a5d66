# Shared helpers for the run and test scripts (sourced, not executed).

PG_CONFIG=${PG_CONFIG:-pg_config}
PG_BINDIR=$($PG_CONFIG --bindir)
PGXS_DIR=$(cd "$(dirname "$($PG_CONFIG --pgxs)")/../.." && pwd)
PG_REGRESS="$PGXS_DIR/src/test/regress/pg_regress"
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# PostgreSQL refuses to run as root: run server-side tools as "postgres".
# as_pg CMD... runs CMD as postgres when we are root, as ourselves otherwise.
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- env PATH="$PG_BINDIR:$PATH" "$@"
	else
		env PATH="$PG_BINDIR:$PATH" "$@"
	fi
}

# A scratch directory the postgres user can write to.
pg_tmpdir() {
	local d
	d=$(mktemp -d "${TMPDIR:-/tmp}/tempo-$1.XXXXXX")
	chmod 755 "$d"
	if [ "$(id -u)" -eq 0 ]; then chown postgres: "$d"; fi
	echo "$d"
}
