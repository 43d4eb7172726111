package grains

import (
	"time"

	"github.com/erulabs/agentjob-sync/internal/store"
)

// MergeNodes folds observed node statuses into the stored ones: per alias the newer lastUpdated
// wins, new aliases are appended in observed order, and stored nodes the observation lacks are kept.
// It reports whether anything changed.
func MergeNodes(stored, observed []store.Node) ([]store.Node, bool) {
	out := make([]store.Node, len(stored), len(stored)+len(observed))
	copy(out, stored)
	at := make(map[string]int, len(out))
	for i, n := range out {
		at[n.Alias] = i
	}
	changed := false
	for _, n := range observed {
		i, ok := at[n.Alias]
		if !ok {
			at[n.Alias] = len(out)
			out = append(out, n)
			changed = true
			continue
		}
		if newer(n, out[i]) {
			out[i] = n
			changed = true
		}
	}
	return out, changed
}

// newer decides whether a replaces b. Timestamps decide when a has one; a node without a parsable
// timestamp carries no order, so it replaces b only if b has none either and a reports something
// different (last writer wins).
func newer(a, b store.Node) bool {
	ta, aok := parseTime(a.LastUpdated)
	tb, bok := parseTime(b.LastUpdated)
	switch {
	case aok && bok:
		return ta.After(tb)
	case aok:
		return true
	case bok:
		return false
	}
	return a.Status != b.Status || a.LastUpdated != b.LastUpdated
}

func parseTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}
