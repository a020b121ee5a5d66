#!/usr/bin/env bash
# TAP tests (test/t/*.pl) with PostgreSQL::Test::Cluster, run as postgres.
# Usage: test-tap.sh [test/t/NNN_x.pl ...]
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$TOP"

if [ $# -gt 0 ]; then tests=("$@"); else tests=(test/t/*.pl); fi
[ -e "${tests[0]}" ] || { echo "no TAP tests"; exit 0; }

work=$(pg_tmpdir tap)
abs=()
for t in "${tests[@]}"; do abs+=("$TOP/$t"); done
status=0
(cd "$work" && as_pg env \
	PG_REGRESS="$PG_REGRESS" \
	TESTDIR="$work" \
	TESTDATADIR="$work/tmp_check" \
	TEMPO_TOP="$TOP" \
	TEMPO_CONF="$TOP/test/tempo.conf" \
	PERL5LIB="$PGXS_DIR/src/test/perl:$TOP/test/perl" \
	prove -v --timer "${abs[@]}") || status=$?
if [ $status -ne 0 ]; then
	find "$work" -name '*.log' -newer "$TOP/Makefile" -size -2M | while read -r f; do
		echo "---- $f (tail)"; tail -n 40 "$f"; done
fi
[ $status -eq 0 ] && rm -rf "$work"
exit $status
