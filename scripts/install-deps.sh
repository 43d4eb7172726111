#!/usr/bin/env bash
# Installs what the build, the tests and the demo need, if missing: xz (to unpack the test assets), Debian's
# PostgreSQL 15 (under the MongoDB-wire test server) and Debian's Chromium (the dashboard's browser test drives it
# headless through Playwright, which downloads no browser), then unpacks the test assets. Idempotent: a fresh machine
# (or CI) gets everything, a prepared one only pays for the checks.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v xz >/dev/null || need+=(xz-utils)
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

assets="${AGENTJOB_TEST_ASSETS:-$(pwd)/../shared/test-assets}"
if [ -x "$assets/install.sh" ]; then
	"$assets/install.sh" >/dev/null
elif [ ! -x "$assets/kube-apiserver" ]; then
	echo "install-deps: no test assets at $assets (set AGENTJOB_TEST_ASSETS; README: Test assets)" >&2
	exit 1
fi
