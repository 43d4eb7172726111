package grains

import (
	"sort"
	"sync"
	"time"
)

// Summary is what the dashboard lists about one active grain.
type Summary struct {
	UID, Namespace, Name, Owner string
	State                       Status
	Outcome                     string
	InSync                      bool
	LastError                   string
	UpdatedAt                   time.Time
}

// Directory is the set of grains active on one member. Grains write their own summary after each
// call; readers get copies.
type Directory struct {
	mu     sync.RWMutex
	grains map[string]Summary
}

// NewDirectory returns an empty directory.
func NewDirectory() *Directory { return &Directory{grains: map[string]Summary{}} }

func (d *Directory) put(s Summary) {
	d.mu.Lock()
	d.grains[s.UID] = s
	d.mu.Unlock()
}

func (d *Directory) remove(uid string) {
	d.mu.Lock()
	delete(d.grains, uid)
	d.mu.Unlock()
}

// Len is the number of active grains.
func (d *Directory) Len() int {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return len(d.grains)
}

// List returns the summaries sorted by UID.
func (d *Directory) List() []Summary {
	d.mu.RLock()
	out := make([]Summary, 0, len(d.grains))
	for _, s := range d.grains {
		out = append(out, s)
	}
	d.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].UID < out[j].UID })
	return out
}
