package grains

import (
	"log/slog"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/extensions"

	"github.com/erulabs/agentjob-sync/internal/metrics"
	"github.com/erulabs/agentjob-sync/internal/store"
)

// Deps is what AgentJob grains on one silo share. The generated grain factory is package-global, so
// grains find their silo's Deps through the actor system they run in: several silos in one process
// (the test cluster) each keep their own store, flags and metrics.
type Deps struct {
	Store   *store.Store
	Flags   Flags
	Metrics *metrics.Metrics
	Log     *slog.Logger
	Retry   RetryPolicy
	// MaxNodesBytes bounds the nodes copied into one entry (BSON size); beyond it node outputs are
	// left out, and if the nodes still do not fit the job reports EntryTooLarge. Default 256 KiB.
	MaxNodesBytes int
	// Directory lists this member's active grains for the dashboard.
	Directory *Directory
	// OnPersist, if set, is told about every write (tests record the write sequence with it).
	OnPersist func(Persisted)
	// OnCall, if set, is told when a grain starts and ends a call (begin true, then false), on the
	// grain's own turn; tests use it to prove calls never overlap.
	OnCall func(uid string, begin bool)
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Persisted describes one write of an entry.
type Persisted struct {
	UID, Owner, Member string
	Status             Status
	SyncRev            int64
	Insert             bool
	At                 time.Time
	// Lag is the time from the watch host receiving the change to this write completing (0 if unknown).
	Lag time.Duration
}

var depsExtensionID = extensions.NextExtensionID()

// ExtensionID implements extensions.Extension.
func (d *Deps) ExtensionID() extensions.ExtensionID { return depsExtensionID }

// Register makes d the Deps of grains activated in system. Call before the cluster starts.
func (d *Deps) Register(system *actor.ActorSystem) {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Directory == nil {
		d.Directory = NewDirectory()
	}
	if d.MaxNodesBytes <= 0 {
		d.MaxNodesBytes = 256 << 10
	}
	if d.Retry == (RetryPolicy{}) {
		d.Retry = DefaultRetry
	}
	system.Extensions.Register(d)
}

func depsOf(system *actor.ActorSystem) *Deps {
	d, _ := system.Extensions.Get(depsExtensionID).(*Deps)
	return d
}
