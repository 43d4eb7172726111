// Package testcluster is the design card's TestCluster: N silos in one test process, clustered on
// loopback through Proto.Actor's in-process provider, persisting to the real embedded database.
package testcluster

import (
	"fmt"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/cluster/clusterproviders/test"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/erulabs/agentjob-sync/internal/dashboard"
	"github.com/erulabs/agentjob-sync/internal/grains"
	"github.com/erulabs/agentjob-sync/internal/metrics"
	"github.com/erulabs/agentjob-sync/internal/silo"
	"github.com/erulabs/agentjob-sync/internal/store"
	"github.com/erulabs/agentjob-sync/tests/harness"
)

// Options shape every member of a test cluster.
type Options struct {
	Flags       *grains.Flags // nil: all on
	IdleTimeout time.Duration
	Retry       grains.RetryPolicy
	// OnCall is passed to every member's grains (see grains.Deps.OnCall).
	OnCall func(uid string, begin bool)
	// Writes, if set, records this cluster's writes into a log shared with another cluster.
	Writes *WriteLog
	// Log receives the grains' logs; errors only to stderr when nil.
	Log *slog.Logger
}

// Cluster is a running test cluster.
type Cluster struct {
	tb    testing.TB
	name  string
	agent *test.InMemAgent
	mongo *harness.Mongo
	opts  Options

	mu      sync.Mutex
	members []*silo.Silo
	// Writes records every persisted write from every member, in the order they completed.
	Writes *WriteLog
}

// New starts n members and waits until each sees all of them. They stop at test cleanup.
func New(tb testing.TB, m *harness.Mongo, n int, opts Options) *Cluster {
	tb.Helper()
	writes := opts.Writes
	if writes == nil {
		writes = &WriteLog{}
	}
	c := &Cluster{tb: tb, name: "test-" + uuid.NewString()[:8], agent: test.NewInMemAgent(), mongo: m, opts: opts, Writes: writes}
	for i := 0; i < n; i++ {
		c.AddMember()
	}
	c.WaitForMembers(n)
	tb.Cleanup(c.Stop)
	return c
}

// AddMember starts one more silo.
func (c *Cluster) AddMember() *silo.Silo {
	c.tb.Helper()
	flags := grains.AllFlags()
	if c.opts.Flags != nil {
		flags = *c.opts.Flags
	}
	m := metrics.New()
	deps := &grains.Deps{
		Store: store.New(c.mongo.Client, store.Options{Observe: func(op string, took time.Duration, _ error) {
			m.DBTime.WithLabelValues(op).Observe(took.Seconds())
		}}),
		Flags:     flags,
		Metrics:   m,
		Log:       c.grainLog(),
		Retry:     c.opts.Retry,
		OnPersist: c.Writes.add,
		OnCall:    c.opts.OnCall,
	}
	s, err := silo.Start(silo.Config{
		ClusterName: c.name,
		Provider:    test.NewTestProvider(c.agent, test.WithTestProviderServiceTtl(time.Minute)),
		IdleTimeout: c.opts.IdleTimeout,
		Deps:        deps,
		Log:         quietLog(),
	})
	if err != nil {
		c.tb.Fatalf("start silo: %v", err)
	}
	if err := dashboard.SpawnMemberActor(s.System, deps); err != nil {
		c.tb.Fatalf("dashboard actor: %v", err)
	}
	c.mu.Lock()
	c.members = append(c.members, s)
	c.mu.Unlock()
	return s
}

// Members returns the running members.
func (c *Cluster) Members() []*silo.Silo {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*silo.Silo(nil), c.members...)
}

// StopMember stops member i (gracefully: it leaves the cluster so its grains move).
func (c *Cluster) StopMember(i int) *silo.Silo {
	c.mu.Lock()
	s := c.members[i]
	c.members = append(c.members[:i], c.members[i+1:]...)
	c.mu.Unlock()
	s.Stop(true)
	return s
}

// WaitForMembers waits until every member sees exactly n members.
func (c *Cluster) WaitForMembers(n int) {
	c.tb.Helper()
	harness.Eventually(c.tb, 30*time.Second, func() error {
		for _, s := range c.Members() {
			if got := s.Cluster.MemberList.Length(); got != n {
				return fmt.Errorf("member %s sees %d members, want %d", s.Address(), got, n)
			}
		}
		return nil
	})
}

// Stop stops every member.
func (c *Cluster) Stop() {
	for _, s := range c.Members() {
		s.Stop(true)
	}
	c.mu.Lock()
	c.members = nil
	c.mu.Unlock()
}

// Activations sums grain activations over the running members.
func (c *Cluster) Activations() int {
	n := 0
	for _, s := range c.Members() {
		n += s.Deps.Directory.Len()
	}
	return n
}

func (c *Cluster) grainLog() *slog.Logger {
	if c.opts.Log != nil {
		return c.opts.Log
	}
	return quietLog()
}

// quietLog keeps Proto.Actor's chatter out of test output unless AGENTJOB_TEST_LOG=debug.
func quietLog() *slog.Logger {
	level := slog.LevelError
	if os.Getenv("AGENTJOB_TEST_LOG") == "debug" {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

// ActivationsTotal sums grain activations ever made by the running members.
func (c *Cluster) ActivationsTotal() int {
	n := 0.0
	for _, s := range c.Members() {
		n += testutil.ToFloat64(s.Deps.Metrics.GrainActivation)
	}
	return int(n)
}

// Client starts a cluster client (hosting no grains) that reaches the members' grains as the watch
// host does in production; it keeps working while members come and go. Stopped at cleanup.
func (c *Cluster) Client() *silo.Silo {
	c.tb.Helper()
	s, err := silo.Start(silo.Config{
		ClusterName: c.name,
		Provider:    test.NewTestProvider(c.agent, test.WithTestProviderServiceTtl(time.Minute)),
		Log:         quietLog(),
		// The in-process provider's client mode crashes on membership changes; a member hosting
		// no kinds plays the same role.
		MemberWithoutGrains: true,
	})
	if err != nil {
		c.tb.Fatalf("start client: %v", err)
	}
	c.tb.Cleanup(func() { s.Stop(true) })
	return s
}
