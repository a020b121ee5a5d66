#!/usr/bin/env bash
# Cost of cost attribution on tempo.ingest(): the same requests ingested
# with tempo.cost_attribution_enabled off and on (3 dimensions: resource
# service.name, span http.method, span user; 10 x 5 x 100 = 5,000 distinct
# label sets), alternating rounds, on a temporary instance; prints each
# round and the medians.  Build without assertions for real figures.
# Usage: usage_overhead.sh [rounds] [port]     (needs the extension installed)
set -euo pipefail
. "$(dirname "$0")/../../scripts/common.sh"
ROUNDS=${1:-3}
PORT=${2:-54339}

dir=$(pg_tmpdir bench-usage)
trap 'as_pg pg_ctl -D "$dir/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
as_pg initdb -D "$dir/data" -U postgres -A trust >/dev/null
cat "$TOP/test/tempo.conf" >> "$dir/data/postgresql.conf"
cat >> "$dir/data/postgresql.conf" <<CONF
port = $PORT
unix_socket_directories = '$dir'
listen_addresses = ''
tempo.cost_attribution_dimensions = 'resource.service.name, span.http.method=method, span.user'
tempo.cost_attribution_max_cardinality = 10000
CONF
as_pg pg_ctl -D "$dir/data" -l "$dir/log" -w start >/dev/null
psql_b() { as_pg psql -X -q -At -h "$dir" -p "$PORT" -d postgres -v ON_ERROR_STOP=1 "$@"; }

psql_b -c "CREATE EXTENSION tempo" -c "CREATE UNLOGGED TABLE tempo.spans_bench PARTITION OF tempo.spans DEFAULT"
psql_b -f "$TOP/test/sql/otlp_builders.sql"
psql_b <<'SQL'
-- request r: 10 batches (services) of 50 spans; span i of a batch has
-- method i % 5 and user (10 r + i / 5) % 100: 5,000 label sets in all
CREATE TABLE bench_payload AS
SELECT r, u_req(VARIADIC array_agg(u_batch('svc' || s, NULL, u_scope(NULL, VARIADIC (
         SELECT array_agg(u_span(r * 100000 + s * 1000 + i,
                                 ARRAY[u_kvs('http.method', 'm' || (i % 5)),
                                       u_kvs('user', 'u' || ((r * 10 + i / 5) % 100)),
                                       u_kvs('http.status_code', '200')]) ORDER BY i)
           FROM generate_series(0, 49) i))) ORDER BY s)) AS p
  FROM generate_series(0, 19) r, generate_series(0, 9) s
 GROUP BY r;
SQL

run() {
	psql_b -c "ALTER SYSTEM SET tempo.cost_attribution_enabled = $1" -c "SELECT pg_reload_conf()" >/dev/null
	sleep 0.3
	psql_b <<'SQL'
TRUNCATE tempo.spans_bench;
SELECT set_config('bench.t0', clock_timestamp()::text, false) \g /dev/null
SELECT count(*) FROM bench_payload, LATERAL tempo.ingest(p) \g /dev/null
SELECT round(10000 / extract(epoch FROM clock_timestamp() - current_setting('bench.t0')::timestamptz))
SQL
}

offs=(); ons=()
for i in $(seq "$ROUNDS"); do
	off=$(run off); on=$(run on)
	offs+=("$off"); ons+=("$on")
	echo "round $i: spans/s off $off, on $on ($(( on * 100 / off ))%)"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
moff=$(median "${offs[@]}"); mon=$(median "${ons[@]}")
echo "median spans/s: off $moff, on $mon ($(( mon * 100 / moff ))%)"
echo "series: $(psql_b -c 'SELECT count(*) FROM tempo.usage')"
