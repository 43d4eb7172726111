#!/usr/bin/env bash
# Downloads the official releases the tests and the demo run (kube-apiserver, kubectl, etcd, helm, toxiproxy, FerretDB;
# scripts/test-releases.sha256 says which files), checks each against the SHA-256 pinned in the repository, unpacks the
# binaries into DEST and prints DEST as its last line.
#   scripts/fetch-test-releases.sh [DEST]   (default: a cache folder keyed by the pinned checksums)
# Idempotent: a folder already complete for these checksums is reused without a download.
# AGENTJOB_RELEASES_MIRROR  a base URL serving the same files laid out as <base>/<host>/<path> of the official URLs
# AGENTJOB_RELEASES_SUMS    another checksum file in the same format (the tests serve files they build themselves)
set -euo pipefail
cd "$(dirname "$0")/.."

sums="${AGENTJOB_RELEASES_SUMS:-scripts/test-releases.sha256}"
mirror="${AGENTJOB_RELEASES_MIRROR:-}"
[ -r "$sums" ] || { echo "fetch-test-releases: no checksum file $sums" >&2; exit 1; }
key=$(sha256sum "$sums" | cut -c1-12)
dest="${1:-${XDG_CACHE_HOME:-$HOME/.cache}/agentjob-test-assets/release-$key}"
stamp="$dest/.complete-$key"
if [ -f "$stamp" ]; then
	echo "$dest"
	exit 0
fi

mapfile -t lines < <(grep -v '^[[:space:]]*\(#\|$\)' "$sums")
names_of() { # names_of URL WHAT...: the file names one line installs
	local url="$1"
	shift
	if [[ "$url" == *.tar.gz ]]; then for m in "$@"; do basename "$m"; done; else echo "$1"; fi
}
all=()
unpinned=()
for line in "${lines[@]}"; do
	read -r sum url what <<<"$line"
	mapfile -t -O "${#all[@]}" all < <(names_of "$url" $what)
	[[ "$sum" =~ ^[0-9a-f]{64}$ ]] || unpinned+=("$url")
done
variable="set AGENTJOB_TEST_ASSETS to a folder holding ${all[*]} (plain binaries)"
if ((${#unpinned[@]})); then
	echo "fetch-test-releases: no pinned SHA-256 in $sums for ${unpinned[*]}: refusing to download unverified files; $variable, or pin their checksums there" >&2
	exit 1
fi

mkdir -p "$dest"
work=$(mktemp -d "$dest/.fetch-XXXXXX")
trap 'rm -rf "$work"' EXIT
for line in "${lines[@]}"; do
	read -r sum url what <<<"$line"
	from="$url"
	[ -z "$mirror" ] || from="${mirror%/}/${url#https://}"
	file="$work/$(basename "$url")"
	if ! error=$(curl -fsSL --retry 2 --connect-timeout 20 -o "$file" "$from" 2>&1); then
		echo "fetch-test-releases: cannot download $from (${error//$'\n'/ }): missing ${all[*]}; $variable, or rerun where the official release sites are reachable" >&2
		exit 1
	fi
	actual=$(sha256sum "$file" | cut -d' ' -f1)
	if [ "$actual" != "$sum" ]; then
		echo "fetch-test-releases: checksum mismatch for $from: expected $sum (pinned in $sums), got $actual; nothing installed from it" >&2
		exit 1
	fi
	if [[ "$url" == *.tar.gz ]]; then
		# shellcheck disable=SC2086 # the members are separate words
		tar -xzf "$file" -C "$work" $what
		for member in $what; do install -m 0755 "$work/$member" "$dest/$(basename "$member")"; done
	else
		install -m 0755 "$file" "$dest/$what"
	fi
	rm -f "$file"
done
touch "$stamp"
echo "fetched ${all[*]} (official releases, SHA-256 checked) into $dest" >&2
echo "$dest"
