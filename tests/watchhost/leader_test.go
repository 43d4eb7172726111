package watchhost

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/erulabs/agentjob-sync/internal/metrics"
	"github.com/erulabs/agentjob-sync/internal/watchhost"
)

// Two replicas: exactly one leads and routes; when it stops it releases the Lease and the other
// takes over without losing changes.
func TestLeaderElectionFailover(t *testing.T) {
	e := newEnv(t, envOptions{cfg: watchhost.Config{Finalizer: true}})
	e.stopWatchHost() // this test runs its own replicas
	cfg := e.cfg
	cfg.LeaderElection, cfg.LeaseNamespace = true, e.ns
	cfg.LeaseDuration, cfg.RenewDeadline, cfg.RetryPeriod = 2*time.Second, 1500*time.Millisecond, 200*time.Millisecond
	cfg.Log = slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))

	type replica struct {
		wh     *watchhost.WatchHost
		cancel context.CancelFunc
		done   chan error
	}
	start := func() *replica {
		wh, err := watchhost.New(e.kube.Config, cfg, e.cluster.Members()[0], metrics.New())
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		r := &replica{wh: wh, cancel: cancel, done: make(chan error, 1)}
		go func() { r.done <- wh.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-r.done })
		return r
	}
	a, b := start(), start()
	var leader, standby *replica
	select {
	case <-a.wh.Elected():
		leader, standby = a, b
	case <-b.wh.Elected():
		leader, standby = b, a
	case <-time.After(30 * time.Second):
		t.Fatal("no replica was elected")
	}
	select {
	case <-standby.wh.Elected():
		t.Fatal("both replicas lead")
	case <-time.After(3 * cfg.LeaseDuration):
	}

	owner := e.mongo.SeedUser(t)
	aj := e.create("led", owner)
	e.waitEntry(aj, "New")

	leader.cancel()
	if err := <-leader.done; err != nil {
		t.Fatalf("leader stopped with %v", err)
	}
	leader.done <- nil // for the cleanup
	e.setState(aj, "executing")
	select {
	case <-standby.wh.Elected():
	case <-time.After(30 * time.Second):
		t.Fatal("the standby never took over")
	}
	e.waitEntry(aj, "Executing")
}
