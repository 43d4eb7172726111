#!/usr/bin/env bash
# Adds up the TRX files of a `make test` run and prints one closing line: "test: N passed, N failed, N skipped".
# Before it, every test that did not pass is named with the first line of its message, and the chaos run's summary
# line (and its FAILED line, if any) is repeated, so the tail of a CI log says what failed without the full log.
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
	# One UnitTestResult element per test; the message of a failed one follows in <Message>.
	awk -v file="$(basename "$trx")" '
		/<UnitTestResult / && /outcome="(Failed|Error|Timeout)"/ {
			match($0, /testName="[^"]*"/); name = substr($0, RSTART + 10, RLENGTH - 11); want = 1
			printf "FAILED %s: %s\n", file, name; next }
		want && /<Message>/ { line = $0; sub(/.*<Message>/, "", line); sub(/<\/Message>.*/, "", line)
			printf "  %s\n", substr(line, 1, 400); want = 0 }
	' "$trx"
done
# The chaos run's own closing line ("chaos: R runs, F faults, P replays, lost N, …"), when `make chaos-short` left one.
if [[ -f "$dir/chaos.log" ]]; then
	grep -E '^chaos: (FAILED|[0-9]+ runs, )' "$dir/chaos.log" || echo "chaos: no summary line (the run did not finish)"
fi
echo "test: $passed passed, $failed failed, $skipped skipped"
