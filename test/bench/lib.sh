# test/bench/lib.sh: the temporary PostgreSQL instance of the benchmarks
# (sourced by test/bench/storage and test/bench/search).
#
#   bench_start NAME        initdb + start an instance (as user postgres,
#                           shared_preload_libraries = tempo, scratch dir,
#                           port $PORT, fsync off, JIT and autovacuum off)
#                           and CREATE EXTENSION tempo from a snapshot of
#                           the installed build (see "Snapshot" below)
#   psql_q ARGS...          psql on that instance, stop on error
#   timed SQL               median of $RUNS [3] runs of SQL in ms (psql \timing)
#   fmt A B [DIGITS]        A / B with DIGITS decimals (default 1)
#   now_ns                  wall clock in nanoseconds
#
# Settings read: PORT, KEEP [0] (1 = keep the scratch directory), LOCK
# [/tmp/tempo-install.lock; empty = none], INSTALL_FROM [none; a built
# source tree to "make install" from, under the lock, first].  Sets DIR
# (scratch directory) and SOCK.  Needs scripts/common.sh sourced.

KEEP=${KEEP:-0}
LOCK=${LOCK-/tmp/tempo-install.lock}
INSTALL_FROM=${INSTALL_FROM:-}
bench_started=0

bench_cleanup() {
	if [ $bench_started -eq 1 ]; then
		as_pg pg_ctl -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true
	fi
	if [ "$KEEP" = 1 ]; then
		echo "# kept $DIR" >&2
	else
		rm -rf "$DIR"
	fi
}

bench_start() {
	local name=$1 libsnap snap_sql
	DIR=$(pg_tmpdir "$name")
	SOCK="$DIR"
	trap bench_cleanup EXIT
	libsnap="$DIR/lib"
	as_pg initdb -D "$DIR/data" -A trust -U postgres --no-sync >"$DIR/initdb.log" 2>&1
	cat >>"$DIR/data/postgresql.conf" <<EOF
port = $PORT
listen_addresses = ''
unix_socket_directories = '$SOCK'
shared_preload_libraries = 'tempo'
tempo.otlp_http_listen = ''
tempo.otlp_grpc_listen = ''
tempo.ingest_workers = 0
search_path = '"\$user", public, tempo'
shared_buffers = 1GB
maintenance_work_mem = 512MB
work_mem = 64MB
max_wal_size = 8GB
checkpoint_timeout = 30min
fsync = off
synchronous_commit = off
full_page_writes = off
jit = off
autovacuum = off
EOF
	# Snapshot: other work may reinstall tempo while this runs for minutes,
	# and a backend that resolves "$libdir/tempo" to a replaced file would
	# load a second, different tempo.so.  So, holding the install lock,
	# hard-link tempo.so into the scratch directory (make install replaces
	# the file, so the link keeps this version; a link, not a copy, so that
	# CREATE EXTENSION's "$libdir/tempo" is the same file as the preloaded
	# one), load it from there (dynamic_library_path), create the extension
	# from the matching SQL script and point its functions at the link.
	# Without a link (another file system) the installed files are used.
	if [ -n "$LOCK" ]; then
		exec 9>>"$LOCK"
		flock 9
	fi
	if [ -n "$INSTALL_FROM" ]; then
		make -C "$INSTALL_FROM" -s install >/dev/null
	fi
	mkdir -p "$libsnap"
	chmod 755 "$libsnap"
	if ln "$($PG_CONFIG --pkglibdir)/tempo.so" "$libsnap/tempo.so" 2>/dev/null; then
		echo "dynamic_library_path = '$libsnap:\$libdir'" >>"$DIR/data/postgresql.conf"
		snap_sql="UPDATE pg_catalog.pg_proc SET probin = '$libsnap/tempo' WHERE probin = '\$libdir/tempo';"
	else
		echo "# could not hard-link tempo.so: using the installed files" >&2
		snap_sql=
	fi
	as_pg pg_ctl -D "$DIR/data" -l "$DIR/server.log" -w start >/dev/null 9>&-
	bench_started=1
	psql_q >/dev/null <<EOF
CREATE EXTENSION tempo;
$snap_sql
EOF
	if [ -n "$LOCK" ]; then
		flock -u 9
		exec 9>&-
	fi
}

psql_q() {
	as_pg psql -X -q -v ON_ERROR_STOP=1 -h "$SOCK" -p "$PORT" -U postgres -d postgres "$@"
}

now_ns() { date +%s%N; }

fmt() { awk -v a="$1" -v b="$2" "BEGIN { printf \"%.${3:-1}f\", a / b }"; }

# median of RUNS runs, in ms, measured by psql's \timing (server round trip)
RUNS=${RUNS:-3}
timed() {
	local sql=$1 i t times=()
	for ((i = 0; i < RUNS; i++)); do
		if ! t=$( { echo '\timing on'; echo '\o /dev/null'; echo "$sql;"; } | psql_q) ||
			! t=$(echo "$t" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p') || [ -z "$t" ]; then
			echo "bench: query failed: $sql" >&2
			exit 1
		fi
		times+=("$t")
	done
	printf '%s\n' "${times[@]}" | sort -g | sed -n "$(( (RUNS + 1) / 2 ))p"
}
