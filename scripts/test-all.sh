#!/usr/bin/env bash
# Every test layer, in order; the first failing layer fails the run.
set -euo pipefail
here=$(dirname "$0")
echo "== pg_regress"
bash "$here/test-regress.sh"
echo "== TAP"
bash "$here/test-tap.sh"
echo "== TraceQL conformance"
bash "$here/../test/conformance/run.sh"
for layer in e2e fuzz; do
	if [ -x "$here/test-$layer.sh" ]; then
		echo "== $layer"
		bash "$here/test-$layer.sh"
	fi
done
