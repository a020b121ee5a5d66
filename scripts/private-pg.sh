#!/bin/bash
# private-pg.sh DIR: make DIR a private copy of the PostgreSQL installation
# (binaries, lib and share directories, keeping their layout) and print the
# path of its pg_config.  PostgreSQL finds its share and lib directories
# relative to its binaries, so "make install PG_CONFIG=<that path>" and the
# test scripts run with PG_CONFIG=<that path> use the copy and never touch
# the system installation: several checkouts can build, install and test
# at the same time.  Idempotent; the copy is refreshed when DIR is missing.
set -euo pipefail
dir=${1:?usage: private-pg.sh DIR}
PG_CONFIG=${PG_CONFIG:-pg_config}
bindir=$($PG_CONFIG --bindir)
if [ ! -x "$dir$bindir/pg_config" ]; then
	for d in "$bindir" "$($PG_CONFIG --pkglibdir)" "$($PG_CONFIG --sharedir)"; do
		mkdir -p "$dir$(dirname "$d")"
		cp -a "$d" "$dir$(dirname "$d")/"
	done
	# headers are only read: link them rather than copy
	inc=$($PG_CONFIG --includedir-server)
	inc=${inc%/postgresql/*}
	mkdir -p "$dir$(dirname "$inc")"
	ln -sfn "$inc" "$dir$inc"
	chmod 755 "$dir"
fi
echo "$dir$bindir/pg_config"
