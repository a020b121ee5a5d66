#!/usr/bin/env bash
# Project-local PostgreSQL 15 instance with tempo preloaded (for make run).
#   run-local.sh start   initdb (once), start, create the extension, load samples
#   run-local.sh stop    stop the instance
#   run-local.sh psql    open psql on it
# Data lives in .run/ in the checkout; the server runs as user postgres.
set -euo pipefail
. "$(dirname "$0")/common.sh"

RUN="$TOP/.run"
DATA="$RUN/data"
PORT=${TEMPO_PORT:-5433}
HTTP_PORT=${TEMPO_HTTP_PORT:-4318}
GRPC_PORT=${TEMPO_GRPC_PORT:-4317}

psql_run() { as_pg psql -X -q -h "$RUN" -p "$PORT" -d postgres "$@"; }

start() {
	mkdir -p "$RUN"
	[ "$(id -u)" -eq 0 ] && chown postgres: "$RUN"
	if [ ! -f "$DATA/PG_VERSION" ]; then
		as_pg initdb -D "$DATA" -U postgres -A trust >/dev/null
		cat >> "$DATA/postgresql.conf" <<CONF
# --- tempo (scripts/run-local.sh)
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$RUN'
shared_preload_libraries = 'tempo'
tempo.database = 'postgres'
tempo.otlp_http_listen = '127.0.0.1:$HTTP_PORT'
tempo.otlp_grpc_listen = '127.0.0.1:$GRPC_PORT'
max_parallel_workers_per_gather = 2
CONF
	fi
	if ! as_pg pg_ctl -D "$DATA" status >/dev/null 2>&1; then
		as_pg pg_ctl -D "$DATA" -l "$RUN/postgresql.log" -w start >/dev/null
	fi
	psql_run -c "CREATE EXTENSION IF NOT EXISTS tempo"
	bash "$TOP/scripts/load-sample.sh" "$RUN" "$PORT" "$HTTP_PORT"

	cat <<MSG

tempo is running: PostgreSQL 15 on 127.0.0.1:$PORT (socket dir $RUN), OTLP/HTTP on
127.0.0.1:$HTTP_PORT, OTLP/gRPC on 127.0.0.1:$GRPC_PORT. Logs: $RUN/postgresql.log

Try:
  psql -h 127.0.0.1 -p $PORT -U postgres
    SELECT service_name, count(*) FROM tempo.spans GROUP BY 1 ORDER BY 2 DESC;
    SELECT * FROM tempo.storage;
    SELECT trace_id, count(*) FROM tempo.spans GROUP BY 1 ORDER BY 2 DESC LIMIT 5;
  make stop      stop the instance (data is kept in .run/)
MSG
}

stop() {
	if [ -f "$DATA/PG_VERSION" ]; then
		as_pg pg_ctl -D "$DATA" -m fast stop || true
	fi
}

case "${1:-start}" in
	start) start ;;
	stop) stop ;;
	psql) shift; psql_run "$@" ;;
	*) echo "usage: $0 start|stop|psql" >&2; exit 2 ;;
esac
