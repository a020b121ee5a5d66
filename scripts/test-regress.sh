#!/usr/bin/env bash
# pg_regress over sql/*.sql on a temporary instance with tempo preloaded,
# run as user postgres with its output in a scratch directory.
# Usage: test-regress.sh [test ...]   (default: every sql/*.sql)
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$TOP"

if [ $# -gt 0 ]; then
	tests=("$@")
else
	tests=()
	for f in sql/*.sql; do tests+=("$(basename "$f" .sql)"); done
fi

out=$(pg_tmpdir regress)
status=0
as_pg "$PG_REGRESS" \
	--inputdir="$TOP" \
	--outputdir="$out" \
	--temp-instance="$out/instance" \
	--temp-config="$TOP/test/tempo.conf" \
	--bindir="$PG_BINDIR" \
	--port="${REGRESS_PORT:-54329}" \
	--load-extension=tempo \
	--dbname=contrib_regression \
	"${tests[@]}" || status=$?

if [ $status -ne 0 ] && [ -f "$out/regression.diffs" ]; then
	echo "---- regression.diffs ($out) ----"
	head -c 20000 "$out/regression.diffs"
fi
[ $status -eq 0 ] && rm -rf "$out"
exit $status
