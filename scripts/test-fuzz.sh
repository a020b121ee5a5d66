#!/usr/bin/env bash
# Build the TraceQL front-end fuzz target (test/fuzz) with clang's
# libFuzzer, ASan and UBSan, and run it for FUZZ_SECONDS (default 30).
# Seeds: test/fuzz/seeds plus, when present, the queries of
# ../shared/conformance/traceql-examples.yaml (read in place).  Findings
# are written to test/fuzz/bin/ and fail the run.
# Usage: test-fuzz.sh [extra libFuzzer options]
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$TOP"

CC=${FUZZ_CC:-clang}
if ! command -v "$CC" >/dev/null 2>&1; then
	echo "fuzz: skipped ($CC not installed; scripts/install-deps.sh installs clang)"
	exit 0
fi

bin=test/fuzz/bin
mkdir -p "$bin/corpus"
incdir=$($PG_CONFIG --includedir-server)
libdir=$($PG_CONFIG --pkglibdir)
[ -f "$libdir/libpgcommon.a" ] || libdir=$($PG_CONFIG --libdir)

"$CC" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-DTQL_FUZZ_SHIM -I"$incdir" -Isrc -Itest/fuzz -Wall -Wno-ignored-attributes -Wno-unused-command-line-argument \
	-o "$bin/tql_fuzz" \
	test/fuzz/tql_fuzz.c test/fuzz/tql_shim.c \
	src/tql_scan.c src/tql_parse.c src/tql_nodes.c src/tql_analyze.c src/tql_explain.c \
	"$libdir/libpgcommon.a" "$libdir/libpgport.a" -lm

# seeds
cp test/fuzz/seeds/* "$bin/corpus/" 2>/dev/null || true
corpus_yaml=${TEMPO_SHARED:-$TOP/../shared}/conformance/traceql-examples.yaml
if [ -f "$corpus_yaml" ]; then
	awk -v dir="$bin/corpus" '
		/^  - \x27/ {
			line = substr($0, index($0, "\x27") + 1)
			sub(/\x27[^\x27]*$/, "", line)
			f = sprintf("%s/yaml-%03d", dir, ++n)
			printf "%s", line > f
			close(f)
		}' "$corpus_yaml"
fi

seconds=${FUZZ_SECONDS:-30}
cd "$bin"
status=0
./tql_fuzz -max_total_time="$seconds" -max_len=1024 -timeout=5 -rss_limit_mb=2048 \
	-dict=../traceql.dict -print_final_stats=1 "$@" corpus > fuzz.log 2>&1 || status=$?
if [ $status -ne 0 ]; then
	# the harness's own diagnosis, the sanitizer summary and the input
	grep -a -E '^(normalized form|unexpected SQLSTATE|tag does)|SUMMARY|^Base64|Test unit written' fuzz.log || true
	echo "fuzz: FAILED (full log: $bin/fuzz.log)"
	exit $status
fi
grep -a -E '^(Done|stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb))' fuzz.log
echo "fuzz: ok"
