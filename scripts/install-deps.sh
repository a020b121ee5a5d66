#!/usr/bin/env bash
# Install everything tempo needs to build, run and test on Debian 12, as root.
# Idempotent: packages already present are skipped without touching apt.
set -euo pipefail

PKGS=(
	postgresql-15 postgresql-server-dev-15 postgresql-contrib
	build-essential pkg-config bison flex
	libzstd-dev zstd
	libprotobuf-c-dev protobuf-c-compiler
	libevent-dev libnghttp2-dev zlib1g-dev
	libipc-run-perl
	prometheus curl perl
)

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

# Node.js: the machine image may ship its own node + npm (which conflict with
# Debian's npm package); only fall back to Debian's when there is none.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	missing+=(nodejs npm)
fi

if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "missing packages: ${missing[*]} (run as root to install them)" >&2
		exit 1
	fi
	echo "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The prometheus package starts a daemon we do not want; only promtool is used.
if command -v systemctl >/dev/null 2>&1; then
	systemctl disable --now prometheus >/dev/null 2>&1 || true
fi
exit 0
