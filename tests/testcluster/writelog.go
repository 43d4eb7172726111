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
// rank, a write after a terminal status that changed it, a second insert, or a revision that did
// not increase by one. Writes of one job are ordered by revision, which the database's conditional
// updates make a total order.
func (w *WriteLog) CheckMonotonic() error {
	byJob := map[string][]grains.Persisted{}
	for _, p := range w.All() {
		byJob[p.UID] = append(byJob[p.UID], p)
	}
	for uid, ws := range byJob {
		byRev := map[int64]grains.Persisted{}
		inserts := 0
		for _, p := range ws {
			if prev, dup := byRev[p.SyncRev]; dup {
				return fmt.Errorf("job %s: revision %d written twice (%s by %s, %s by %s)", uid, p.SyncRev, prev.Status, prev.Member, p.Status, p.Member)
			}
			byRev[p.SyncRev] = p
			if p.Insert {
				inserts++
			}
		}
		if inserts > 1 {
			return fmt.Errorf("job %s: inserted %d times", uid, inserts)
		}
		var prev *grains.Persisted
		for rev := int64(1); rev <= int64(len(ws)); rev++ {
			p, ok := byRev[rev]
			if !ok {
				return fmt.Errorf("job %s: revisions are not 1..%d", uid, len(ws))
			}
			if prev != nil {
				if grains.Rank(p.Status) < grains.Rank(prev.Status) {
					return fmt.Errorf("job %s: went back from %s to %s at revision %d", uid, prev.Status, p.Status, rev)
				}
				if grains.Terminal(prev.Status) && p.Status != prev.Status {
					return fmt.Errorf("job %s: left terminal %s for %s", uid, prev.Status, p.Status)
				}
			}
			prev = &p
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
