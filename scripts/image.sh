#!/usr/bin/env bash
# The container image (Dockerfile), built with whatever builder this machine has: docker (with a running engine), podman
# or buildah, in that order.
#   scripts/image.sh build IMAGE   builds IMAGE, then checks it: both processes start inside it and stop at their
#                                  settings check (the silo without DB_URL, the watch host with a bad CLUSTERING),
#                                  naming the variable, which proves the runtime and both assemblies are there
#   scripts/image.sh push IMAGE    pushes IMAGE (log in to its registry first)
# Without a builder: one line saying so, exit 1.
set -euo pipefail
cd "$(dirname "$0")/.."

action="${1:?usage: scripts/image.sh build|push IMAGE}"
image="${2:?usage: scripts/image.sh build|push IMAGE}"

builder=""
if command -v docker >/dev/null && docker info >/dev/null 2>&1; then builder=docker
elif command -v podman >/dev/null && podman info >/dev/null 2>&1; then builder=podman
elif command -v buildah >/dev/null; then builder=buildah
fi
if [ -z "$builder" ]; then
	echo "image: no image builder available (docker with a running engine, podman or buildah); install one and rerun" >&2
	exit 1
fi

run() { # run ENV... -- ARGS...: the image's entrypoint (dotnet) with ARGS, combined output
	local env=()
	while [ "$1" != "--" ]; do env+=(--env "$1"); shift; done
	shift
	if [ "$builder" = buildah ]; then
		local container
		container="$(buildah from "$image")"
		buildah run "${env[@]}" "$container" -- dotnet "$@" 2>&1 || true
		buildah rm "$container" >/dev/null
	else
		"$builder" run --rm "${env[@]}" "$image" "$@" 2>&1 || true
	fi
}

expect() { # expect WHAT OUTPUT PATTERN
	if ! grep -q -- "$3" <<<"$2"; then
		echo "image: $1 did not stop at its settings check naming $3; output:" >&2
		echo "$2" >&2
		exit 1
	fi
}

case "$action" in
build)
	echo "image: building $image with $builder"
	if [ "$builder" = buildah ]; then buildah bud -t "$image" .; else "$builder" build -t "$image" .; fi
	expect "the silo" "$(run DB_URL= -- AgentJobSync.Silo.dll)" "DB_URL (--DB_URL) is required"
	expect "the watch host" "$(run CLUSTERING=bogus -- AgentJobSync.WatchHost.dll)" "CLUSTERING (--CLUSTERING)"
	echo "image: $image built with $builder; both processes start in it and check their settings"
	;;
push)
	"$builder" push "$image"
	;;
*)
	echo "usage: scripts/image.sh build|push IMAGE" >&2
	exit 2
	;;
esac
