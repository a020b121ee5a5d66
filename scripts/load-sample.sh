#!/usr/bin/env bash
# Load sample traces into the local instance (make run).
#   load-sample.sh RUNDIR PGPORT HTTPPORT
# Spans come from the benchmark generator (test/bench/bin/gen), covering
# the last hour.  They are sent through OTLP: to the ingest workers'
# OTLP/HTTP endpoint when it answers, else as OTLP/protobuf payloads through
# tempo.ingest().  Loads once: a second run finds spans and does nothing.
set -euo pipefail
. "$(dirname "$0")/common.sh"

RUN=$1
PORT=$2
HTTP_PORT=$3
SPANS=${SAMPLE_SPANS:-20000}

psql_run() { as_pg psql -X -q -At -h "$RUN" -p "$PORT" -d postgres "$@"; }

have=$(psql_run -c "SELECT count(*) FROM (SELECT 1 FROM tempo.spans LIMIT 1) x")
if [ "$have" != "0" ]; then
	echo "sample traces already loaded"
	exit 0
fi

make -s -C "$TOP/test/bench" >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
now=$(date +%s)
"$TOP/test/bench/bin/gen" --quiet --seed 42 --spans "$SPANS" --start $((now - 3600)) \
	--window 3600 --batch 500 --otlp "$work/sample.otlp"

# one file per request
perl -e '
	my ($in, $dir) = @ARGV;
	open(my $f, "<:raw", $in) or die "$in: $!";
	my $n = 0;
	while (read($f, my $len, 4) == 4) {
		my $size = unpack("N", $len);
		read($f, my $msg, $size) == $size or die "truncated request";
		open(my $o, ">:raw", sprintf("%s/req%05d.pb", $dir, $n++)) or die;
		print $o $msg;
		close $o;
	}
' "$work/sample.otlp" "$work"

psql_run -c "SELECT count(*) FROM tempo.create_partitions(now() - interval '2 hours', now() + interval '1 day')" >/dev/null

if curl -fsS -o /dev/null "http://127.0.0.1:$HTTP_PORT/ready" 2>/dev/null; then
	for f in "$work"/req*.pb; do
		curl -fsS -o /dev/null -H 'Content-Type: application/x-protobuf' \
			--data-binary "@$f" "http://127.0.0.1:$HTTP_PORT/v1/traces"
	done
	how="OTLP/HTTP on port $HTTP_PORT"
else
	for f in "$work"/req*.pb; do
		printf "SELECT accepted_spans FROM tempo.ingest('\\\\x%s'::bytea);\n" "$(od -An -v -tx1 "$f" | tr -d ' \n')"
	done > "$work/load.sql"
	psql_run -f "$work/load.sql" >/dev/null
	how="tempo.ingest()"
fi
echo "loaded $(psql_run -c 'SELECT count(*) FROM tempo.spans') sample spans through $how"
