#!/usr/bin/env bash
# Installs the system packages the build and tests need, if they are missing. Idempotent; a fresh
# machine (or CI) gets everything, a prepared one pays only for the checks.
set -euo pipefail

need=()
command -v protoc >/dev/null || need+=(protobuf-compiler)

if ((${#need[@]})); then
	echo "installing: ${need[*]}"
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
