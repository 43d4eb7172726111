#!/usr/bin/env bash
# Installs what the build, the tests and the demo need, if missing: Debian's PostgreSQL 15 (under the MongoDB-wire test
# server), Debian's Chromium (the dashboard's browser test drives it headless through Playwright, which downloads no
# browser), and the real components the tests run (kube-apiserver, kubectl, etcd, helm, toxiproxy, FerretDB):
# - from a test-assets folder when one is given or found (AGENTJOB_TEST_ASSETS, else ../shared/test-assets): its
#   install.sh unpacks them (needs xz), or it holds the plain binaries;
# - otherwise downloaded from each project's official release location and checked against the SHA-256 pinned in
#   scripts/test-releases.sha256 (scripts/fetch-test-releases.sh), into a cache folder linked as .build/test-assets.
# Idempotent: a fresh machine (or CI) gets everything, a prepared one only pays for the checks.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/test-assets.sh

assets="${AGENTJOB_TEST_ASSETS:-}"
[ -n "$assets" ] || [ ! -d ../shared/test-assets ] || assets="$(assets_root)"

need=()
if [ -n "$assets" ]; then
	[ ! -x "$assets/install.sh" ] || command -v xz >/dev/null || need+=(xz-utils)
else
	command -v curl >/dev/null || need+=(curl ca-certificates)
fi
[ -x /usr/lib/postgresql/15/bin/postgres ] || need+=(postgresql-15)
[ -x /usr/bin/chromium ] || need+=(chromium)

if ((${#need[@]})); then
	echo "installing: ${need[*]}"
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	# Debian's postgresql package would create and start a default cluster on 5432; the harness runs its own.
	$sudo mkdir -p /etc/postgresql-common/createcluster.d
	echo "create_main_cluster = false" | $sudo tee /etc/postgresql-common/createcluster.d/50-agentjob-no-main.conf >/dev/null
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if [ -z "$assets" ]; then
	dest="$(scripts/fetch-test-releases.sh | tail -n 1)"
	mkdir -p .build
	ln -sfn "$dest" .build/test-assets
elif [ -x "$assets/install.sh" ]; then
	"$assets/install.sh" >/dev/null
elif [ ! -x "$assets/kube-apiserver" ]; then
	echo "install-deps: no kube-apiserver nor install.sh in AGENTJOB_TEST_ASSETS=$assets (docs/development.md: Test assets)" >&2
	exit 1
fi
