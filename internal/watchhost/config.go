// Package watchhost is the design card's WatchHost: an informer on AgentJobs that routes every
// event to the job's grain, wherever it lives in the cluster, and reports the outcome on the
// resource. It is a controller-runtime controller: events only enqueue a key, the worker reads the
// current object from the cache (level-triggered), failures are retried per key with rate limiting,
// and one active instance is elected through a coordination.k8s.io Lease.
package watchhost

import (
	"context"
	"log/slog"
	"time"

	grainsv1 "github.com/erulabs/agentjob-sync/api/grains/v1"
)

// Finalizer holds an AgentJob's deletion until its last observed state is persisted.
const Finalizer = "ea.erulabs.ai/user-record"

// FieldManager owns this service's fields on AgentJobs (status.conditions[UserRecordSynced],
// status.userRecord, the finalizer).
const FieldManager = "agentjob-sync"

// ConditionType is the status condition this service maintains.
const ConditionType = "UserRecordSynced"

// Router delivers an observation to the job's grain, wherever it is activated.
type Router interface {
	Observe(ctx context.Context, req *grainsv1.ObserveRequest) (*grainsv1.ObserveResponse, error)
}

// Config configures the watch host.
type Config struct {
	// Log receives controller-runtime's logs; slog.Default() when nil.
	Log *slog.Logger
	// Namespaces to watch; empty watches all.
	Namespaces []string
	// Finalizer enables the finalizer that persists a job's final state before it is deleted.
	Finalizer bool
	// Workers is the number of concurrent reconciles; grains serialize per job anyway.
	Workers int
	// ResyncPeriod re-delivers every AgentJob periodically (level-triggered convergence).
	ResyncPeriod time.Duration
	// MinBackoff and MaxBackoff bound the per-job retry delay after transient failures.
	MinBackoff, MaxBackoff time.Duration
	// UserNotFoundRetry is how soon a job whose owner has no document is tried again.
	UserNotFoundRetry time.Duration

	// LeaderElection makes only one instance route events, through a Lease.
	LeaderElection bool
	LeaseNamespace string
	LeaseName      string
	// LeaseDuration, RenewDeadline and RetryPeriod tune leader election (client-go's meanings).
	LeaseDuration, RenewDeadline, RetryPeriod time.Duration
}

// Defaults fills unset values.
func (c *Config) Defaults() {
	if c.Workers <= 0 {
		c.Workers = 32
	}
	if c.ResyncPeriod <= 0 {
		c.ResyncPeriod = 10 * time.Minute
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = 50 * time.Millisecond
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 30 * time.Second
	}
	if c.UserNotFoundRetry <= 0 {
		c.UserNotFoundRetry = time.Minute
	}
	if c.LeaseName == "" {
		c.LeaseName = "agentjob-sync-watchhost"
	}
	if c.LeaseDuration <= 0 {
		c.LeaseDuration = 15 * time.Second
	}
	if c.RenewDeadline <= 0 {
		c.RenewDeadline = 10 * time.Second
	}
	if c.RetryPeriod <= 0 {
		c.RetryPeriod = 2 * time.Second
	}
}
