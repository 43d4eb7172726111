package testcluster

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/erulabs/agentjob-sync/internal/grains"
)

// WriteLog is the sequence of persisted writes across a cluster.
type WriteLog struct {
	mu     sync.Mutex
	writes []grains.Persisted
}

func (w *WriteLog) add(p grains.Persisted) {
	w.mu.Lock()
	w.writes = append(w.writes, p)
	w.mu.Unlock()
}

// All returns a copy of the writes so far.
func (w *WriteLog) All() []grains.Persisted {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]grains.Persisted(nil), w.writes...)
}

// CheckMonotonic returns an error for the first job whose writes went backwards: a lower status
// rank, a change after a terminal status, a second insert, or a revision written twice. Writes of
// one job are ordered by revision, which the database's conditional updates make a total order.
// Revisions may have gaps: a write whose acknowledgement was lost (a timeout after the server
// applied it) is absent from the log, and the next write builds on it.
func (w *WriteLog) CheckMonotonic() error {
	byJob := map[string][]grains.Persisted{}
	for _, p := range w.All() {
		byJob[p.UID] = append(byJob[p.UID], p)
	}
	for uid, ws := range byJob {
		slices.SortFunc(ws, func(a, b grains.Persisted) int { return int(a.SyncRev - b.SyncRev) })
		inserts := 0
		for i, p := range ws {
			if p.Insert {
				inserts++
				if p.SyncRev != 1 {
					return fmt.Errorf("job %s: inserted at revision %d", uid, p.SyncRev)
				}
			}
			if i == 0 {
				continue
			}
			prev := ws[i-1]
			switch {
			case p.SyncRev == prev.SyncRev:
				return fmt.Errorf("job %s: revision %d written twice (%s by %s, %s by %s)", uid, p.SyncRev, prev.Status, prev.Member, p.Status, p.Member)
			case grains.Rank(p.Status) < grains.Rank(prev.Status):
				return fmt.Errorf("job %s: went back from %s to %s at revision %d", uid, prev.Status, p.Status, p.SyncRev)
			case grains.Terminal(prev.Status) && p.Status != prev.Status:
				return fmt.Errorf("job %s: left terminal %s for %s", uid, prev.Status, p.Status)
			}
		}
		if inserts > 1 {
			return fmt.Errorf("job %s: inserted %d times", uid, inserts)
		}
	}
	return nil
}

// Lags returns the sorted sync lags of all writes that carry one.
func (w *WriteLog) Lags() []time.Duration {
	var out []time.Duration
	for _, p := range w.All() {
		if p.Lag > 0 {
			out = append(out, p.Lag)
		}
	}
	slices.Sort(out)
	return out
}
