#!/usr/bin/env bash
# Installs what the build and tests need, if missing: protoc (code generation), Debian's Chromium
# (the dashboard's browser test) and the test's npm packages. Idempotent; a fresh machine (or CI)
# gets everything, a prepared one pays only for the checks.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v protoc >/dev/null || need+=(protobuf-compiler)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v node >/dev/null || need+=(nodejs npm)

if ((${#need[@]})); then
	echo "installing: ${need[*]}"
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if [ ! -d tests/dashboard/node_modules/playwright-core ]; then
	echo "installing the dashboard test's npm packages"
	npm ci --prefix tests/dashboard --no-audit --no-fund --loglevel=error
fi
