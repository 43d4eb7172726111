package grains

import (
	"time"

	"github.com/erulabs/agentjob-sync/internal/store"
)

// Observation is what one event says about a job, already parsed.
type Observation struct {
	Status    Status
	Nodes     []store.Node
	Deleted   bool
	DeletedAt time.Time
}

// Plan is what to write for an observation. The zero Plan writes nothing.
type Plan struct {
	Insert bool
	Update bool
	Status Status
	Nodes  []store.Node
	// DeletedTime is set when the deletion must be recorded.
	DeletedTime *time.Time
	// Blocked is true when a feature flag kept the observed status from being written.
	Blocked bool
}

// Decide is the grain's state machine: given the entry as stored (nil when there is none) and an
// observation, it plans the write that moves the entry forward, never back. Pure, so it can be
// tested exhaustively; the grain supplies the I/O.
func Decide(stored *store.Entry, obs Observation, flags Flags) Plan {
	var p Plan
	if stored == nil {
		if !flags.New {
			p.Blocked = true
			return p
		}
		p.Insert, p.Status = true, obs.Status
		if !flags.Allows(obs.Status) {
			p.Status, p.Blocked = New, obs.Status != New
		}
		if flags.NodeStatus {
			p.Nodes = obs.Nodes
		}
		if obs.Deleted {
			at := obs.DeletedAt
			p.DeletedTime = &at
		}
		return p
	}

	cur := normalizeStored(stored.Status)
	p.Status, p.Nodes = cur, stored.Nodes
	switch {
	case Terminal(cur) || Rank(obs.Status) <= Rank(cur):
		// Older, replayed or equal: the status stays.
	case !flags.Allows(obs.Status):
		p.Blocked = true
	default:
		p.Status, p.Update = obs.Status, true
	}
	if cur != Status(stored.Status) && Rank(cur) >= 0 {
		p.Update = true // rewrite a legacy spelling ("completed") in the contract's form
	}
	if flags.NodeStatus {
		if merged, changed := MergeNodes(stored.Nodes, obs.Nodes); changed {
			p.Nodes, p.Update = merged, true
		}
	}
	if obs.Deleted && stored.DeletedTime == nil {
		at := obs.DeletedAt
		p.DeletedTime, p.Update = &at, true
	}
	if !p.Update {
		p.Status, p.Nodes = "", nil
	}
	return p
}
