#!/usr/bin/env bash
# Adds up the TRX files of a `make test` run and prints one closing line: "test: N passed, N failed, N skipped".
set -euo pipefail
dir=${1:?results directory}
passed=0 failed=0 skipped=0
shopt -s nullglob
for trx in "$dir"/*.trx; do
	counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
	get() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"; }
	total=$(get total) p=$(get passed) f=$(get failed) e=$(get error) t=$(get timeout) x=$(get notExecuted)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0} + ${e:-0} + ${t:-0}))
	skipped=$((skipped + ${x:-0} + ${total:-0} - ${p:-0} - ${f:-0} - ${e:-0} - ${t:-0} - ${x:-0}))
done
echo "test: $passed passed, $failed failed, $skipped skipped"
