package watchhost

import (
	"fmt"
	"sync"
	"testing"
	"time"

	agentjobv1 "github.com/erulabs/agentjob-sync/api/v1"
	"github.com/erulabs/agentjob-sync/internal/watchhost"
	"github.com/erulabs/agentjob-sync/tests/harness"
)

// The watch host is stopped mid-stream and a new one started: nothing missed, nothing duplicated.
func TestWatchHostRestartMidStream(t *testing.T) {
	e := newEnv(t, envOptions{cfg: watchhost.Config{Finalizer: true}})
	owner := e.mongo.SeedUser(t)
	var jobs []*agentjobv1.AgentJob
	for i := 0; i < 30; i++ {
		jobs = append(jobs, e.create(fmt.Sprintf("r-%02d", i), owner))
	}
	drive := func(states ...string) {
		var wg sync.WaitGroup
		for _, aj := range jobs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for _, s := range states {
					e.setState(aj, s)
				}
			}()
		}
		wg.Wait()
	}
	drive("inactive")
	e.stopWatchHost()
	drive("executing") // happens while nobody watches
	e.startWatchHost()
	drive("completed")
	for _, aj := range jobs {
		e.waitEntry(aj, "Complete")
	}
	if err := e.cluster.Writes.CheckMonotonic(); err != nil {
		t.Error(err)
	}
}

// The database is unreachable for a while: conditions say so, and everything converges after.
func TestDatabaseOutageConverges(t *testing.T) {
	m, err := harness.NewMongo(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Stop() })
	e := newEnv(t, envOptions{mongo: m, cfg: watchhost.Config{Finalizer: true}})
	owner := m.SeedUser(t)
	a := e.create("before-outage", owner)
	e.waitEntry(a, "New")

	m.Server.Proxy().SetBlackout(true)
	b := e.create("during-outage", owner)
	e.setState(a, "executing")
	e.waitCondition(b, "DatabaseUnavailable")
	e.waitCondition(a, "DatabaseUnavailable")
	m.Server.Proxy().SetBlackout(false)

	e.waitEntry(a, "Executing")
	e.waitEntry(b, "New")
	e.waitCondition(a, "Synced")
	e.waitCondition(b, "Synced")
}

// Jobs deleted right after completing: final states persisted with the deletion time, and the
// finalizer lets the resources go.
func TestDeleteRightAfterCompletePersistsFinalState(t *testing.T) {
	e := newEnv(t, envOptions{cfg: watchhost.Config{Finalizer: true}})
	owner := e.mongo.SeedUser(t)
	var jobs []*agentjobv1.AgentJob
	for i := 0; i < 10; i++ {
		jobs = append(jobs, e.create(fmt.Sprintf("d-%02d", i), owner))
	}
	harness.Eventually(t, 30*time.Second, func() error { // the finalizer is in place before we race it
		for _, aj := range jobs {
			cur, err := e.get(aj)
			if err != nil || len(cur.Finalizers) == 0 {
				return fmt.Errorf("%s has no finalizer yet (%v)", aj.Name, err)
			}
		}
		return nil
	})
	for i, aj := range jobs {
		final := "completed"
		if i%2 == 1 {
			final = "error"
		}
		e.setState(aj, final)
		if err := e.kube.Client.Delete(t.Context(), aj); err != nil {
			t.Fatal(err)
		}
	}
	for i, aj := range jobs {
		want := "Complete"
		if i%2 == 1 {
			want = "Error"
		}
		got := e.waitEntry(aj, want)
		harness.Eventually(t, 30*time.Second, func() error {
			if _, err := e.get(aj); err == nil {
				return fmt.Errorf("%s still exists", aj.Name)
			}
			return nil
		})
		if got := e.entries(owner, string(aj.UID))[0]; got["deleted_time"] == nil {
			t.Errorf("%s: deletion not recorded: %v", aj.Name, got)
		}
		_ = got
	}
}

// A job whose entry the owner removed stays removed through watch host restarts, grain
// reactivation on a fresh cluster, and resyncs.
func TestRemovedEntryStaysRemoved(t *testing.T) {
	e := newEnv(t, envOptions{cfg: watchhost.Config{Finalizer: true, ResyncPeriod: 500 * time.Millisecond}})
	owner := e.mongo.SeedUser(t)
	aj := e.create("removed", owner)
	e.setState(aj, "executing")
	e.waitEntry(aj, "Executing")
	e.waitCondition(aj, "Synced")
	e.mongo.PullJob(t, owner, string(aj.UID))
	e.setState(aj, "completed")
	cur := e.waitCondition(aj, "EntryRemovedByOwner")
	if cur.Status.UserRecord == nil || !cur.Status.UserRecord.EntryCreated || !cur.Status.UserRecord.EntryRemoved {
		t.Errorf("userRecord = %+v", cur.Status.UserRecord)
	}

	// Restart everything that holds memory: the watch host and every grain (a fresh cluster).
	e.stopWatchHost()
	e.cluster.Stop()
	e.cluster = newCluster(t, e.mongo)
	e.startWatchHost()
	resyncs := e.cluster.Writes // no writes may happen at all
	e.setState(aj, "completed", agentjobv1.NodeStatus{Alias: "x", Status: "done", LastUpdated: time.Now().UTC().Format(time.RFC3339)})
	e.waitCondition(aj, "EntryRemovedByOwner")
	// Several resync periods pass; the entry must still be absent.
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		if es := e.entries(owner, string(aj.UID)); len(es) != 0 {
			t.Fatalf("the removed entry came back: %v", es)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n := len(resyncs.All()); n != 0 {
		t.Errorf("%d writes after the entry was removed", n)
	}
}
