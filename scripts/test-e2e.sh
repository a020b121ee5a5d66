#!/usr/bin/env bash
# End-to-end tests: the OpenTelemetry JS SDK exporters (OTLP proto, JSON, gRPC)
# send traces to the tempo ingest workers of a temporary PostgreSQL 15
# instance; test/e2e/*.test.js then check what arrived through SQL.
#
# Installs test/e2e/node_modules from the lock file when it is missing or the
# lock changed, starts the instance as user postgres in a scratch directory,
# creates the extension and the partitions of the test time window, waits for
# the workers' /ready, runs `node --test`, and always stops the instance.
#
# Environment: E2E_PGPORT (default 54350), E2E_WORKERS (tempo.ingest_workers,
# default 1), E2E_TESTS (test files, default all), E2E_KEEP=1 keeps the scratch dir,
# E2E_FAKE=1 disables the workers and serves OTLP with test/e2e/tools/
# fake-receiver.js (stores through tempo.ingest): tells decoder problems from
# worker problems.  E2E_INSTALL=private copies the PostgreSQL installation
# into the scratch directory and installs this checkout's build there, so the
# run neither needs nor disturbs the shared installation (no install lock).
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$TOP"

E2E="$TOP/test/e2e"
PORT=${E2E_PGPORT:-54350}

for tool in node npm; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "test-e2e: $tool not found (scripts/install-deps.sh installs it)" >&2
		exit 1
	fi
done

# --- node modules, only when missing or the lock file changed
lock_sum=$(sha256sum "$E2E/package-lock.json" | cut -d' ' -f1)
stamp="$E2E/node_modules/.tempo-lock-sha256"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
	echo "test-e2e: npm ci in test/e2e"
	(cd "$E2E" && npm ci --no-audit --no-fund --loglevel=error)
	echo "$lock_sum" >"$stamp"
fi

# --- two free loopback ports for the OTLP listeners (held open together so
# they differ, then released for the server)
read -r HTTP_PORT GRPC_PORT < <(node -e '
const net = require("net");
const a = net.createServer(), b = net.createServer();
a.listen(0, "127.0.0.1", () => b.listen(0, "127.0.0.1", () => {
	console.log(a.address().port, b.address().port);
	a.close(); b.close();
}));')

# --- the instance
dir=$(pg_tmpdir e2e)
data="$dir/data"
log="$dir/postgresql.log"
started=0
fake_pid=
status=1

cleanup() {
	if [ -n "$fake_pid" ]; then
		kill "$fake_pid" 2>/dev/null || true
		wait "$fake_pid" 2>/dev/null || true
	fi
	if [ $started -eq 1 ]; then
		as_pg pg_ctl -D "$data" -m fast -w stop >/dev/null 2>&1 || true
	fi
	if [ $status -ne 0 ] && [ -f "$log" ]; then
		echo "---- server log (last 60 lines of $log) ----"
		tail -n 60 "$log"
	fi
	if [ $status -eq 0 ] && [ "${E2E_KEEP:-0}" != 1 ]; then
		rm -rf "$dir"
	else
		echo "test-e2e: scratch directory kept: $dir"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "${E2E_INSTALL:-}" = private ]; then
	# PostgreSQL finds its share and lib directories relative to its binaries:
	# a copy keeping the layout is a separate installation.
	priv="$dir/pg"
	for d in "$PG_BINDIR" "$($PG_CONFIG --pkglibdir)" "$($PG_CONFIG --sharedir)"; do
		mkdir -p "$priv$(dirname "$d")"
		cp -a "$d" "$priv$(dirname "$d")/"
	done
	make -s install PG_CONFIG="$priv$PG_BINDIR/pg_config" >/dev/null
	PG_BINDIR="$priv$PG_BINDIR"
	echo "test-e2e: private installation in $priv"
fi

as_pg initdb -D "$data" -U postgres -A trust --no-sync >/dev/null
if [ "${E2E_FAKE:-0}" = 1 ]; then
	listen_http=''; listen_grpc=''; workers=0
else
	listen_http="127.0.0.1:$HTTP_PORT"; listen_grpc="127.0.0.1:$GRPC_PORT"; workers=${E2E_WORKERS:-1}
fi
cat >>"$data/postgresql.conf" <<CONF
# --- tempo e2e (scripts/test-e2e.sh)
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$dir'
shared_preload_libraries = 'tempo'
tempo.database = 'postgres'
tempo.otlp_http_listen = '$listen_http'
tempo.otlp_grpc_listen = '$listen_grpc'
tempo.ingest_workers = $workers
fsync = off
log_min_messages = info
CONF
started=1
if ! as_pg pg_ctl -D "$data" -l "$log" -w -t 60 start >/dev/null; then
	echo "test-e2e: the server did not start" >&2
	exit 1
fi

psql_e2e() { as_pg psql -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$PORT" -U postgres -d postgres "$@"; }

psql_e2e -c "CREATE EXTENSION tempo"
# Partitions for the test window (tests use times within the last hour).
# create_partitions() makes tempo_columnar partitions; where that access
# method is not built yet, make registered heap partitions instead.
if [ "$(psql_e2e -tAc "SELECT EXISTS (SELECT FROM pg_am WHERE amname = 'tempo_columnar')
                             AND to_regproc('tempo.create_partitions') IS NOT NULL")" = t ]; then
	psql_e2e -c "SELECT count(*) AS partitions FROM tempo.create_partitions(now() - interval '2 days', now() + interval '1 day')"
else
	echo "test-e2e: no tempo_columnar access method: using heap partitions"
	psql_e2e <<'SQL'
DO $$
DECLARE
    iv interval := tempo.partition_interval();
    lo timestamptz := date_bin(iv, now() - interval '2 days', timestamptz '2000-01-01 00:00:00+00');
    rel regclass;
BEGIN
    WHILE lo <= now() + interval '1 day' LOOP
        EXECUTE format('CREATE TABLE tempo.%I PARTITION OF tempo.spans FOR VALUES FROM (%L) TO (%L)',
                       'spans_e2e_' || to_char(lo AT TIME ZONE 'UTC', 'YYYYMMDD_HH24MISS'), lo, lo + iv);
        rel := format('tempo.%I', 'spans_e2e_' || to_char(lo AT TIME ZONE 'UTC', 'YYYYMMDD_HH24MISS'))::regclass;
        INSERT INTO tempo.span_partitions VALUES (rel, lo, lo + iv);
        lo := lo + iv;
    END LOOP;
END
$$;
SQL
fi

if [ "${E2E_FAKE:-0}" = 1 ]; then
	echo "test-e2e: E2E_FAKE=1: OTLP served by tools/fake-receiver.js, not by the workers"
	PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=postgres PGDATABASE=postgres \
		node "$E2E/tools/fake-receiver.js" "$HTTP_PORT" "$GRPC_PORT" &
	fake_pid=$!
fi

# --- wait for the workers (deadline, no fixed sleeps)
if ! node -e '
const url = process.argv[1], grpc = process.argv[2];
const net = require("net");
const deadline = Date.now() + 30000;
function tcp() {
	return new Promise((resolve) => {
		const s = net.connect(Number(grpc), "127.0.0.1");
		s.once("connect", () => { s.destroy(); resolve(true); });
		s.once("error", () => resolve(false));
	});
}
(async () => {
	let last = "no answer";
	while (Date.now() < deadline) {
		try {
			const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
			last = "HTTP " + r.status;
			if (r.ok && await tcp()) process.exit(0);
		} catch (e) { last = e.cause ? e.cause.code || e.message : e.message; }
		await new Promise((r) => setTimeout(r, 200));
	}
	console.error("test-e2e: workers not ready after 30 s (" + url + ": " + last + ")");
	process.exit(1);
})();' "http://127.0.0.1:$HTTP_PORT/ready" "$GRPC_PORT"; then
	exit 1
fi

# --- the tests (one file at a time: a file may change server settings)
echo "test-e2e: PostgreSQL on 127.0.0.1:$PORT, OTLP/HTTP :$HTTP_PORT, OTLP/gRPC :$GRPC_PORT"
set +e
PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=postgres PGDATABASE=postgres \
	TEMPO_OTLP_HTTP="http://127.0.0.1:$HTTP_PORT" TEMPO_OTLP_GRPC="127.0.0.1:$GRPC_PORT" \
	node --test --test-concurrency=1 ${E2E_TESTS:-"$E2E/"}
status=$?
set -e
exit $status
