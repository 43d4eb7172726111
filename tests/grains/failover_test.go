package grains

import (
	"sync"
	"testing"

	grainsv1 "github.com/erulabs/agentjob-sync/api/grains/v1"
	"github.com/erulabs/agentjob-sync/tests/harness"
	"github.com/erulabs/agentjob-sync/tests/testcluster"
)

// A member holding grains leaves mid-stream: its grains reactivate on the survivors from the
// persisted entries, and every job still ends in its final state with one entry.
func TestFailoverReactivatesFromPersistedEntries(t *testing.T) {
	m := harness.SharedMongo(t)
	c := testcluster.New(t, m, 3, testcluster.Options{})
	owner := m.SeedUser(t)
	var jobs []job
	for i := 0; i < 30; i++ {
		jobs = append(jobs, newJob(owner))
	}
	send := func(states ...string) {
		var wg sync.WaitGroup
		for _, j := range jobs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for step, s := range states {
					observeUntilAnswered(t, c.Members, j.observation(s, step))
				}
			}()
		}
		wg.Wait()
	}
	send("", "inactive")

	victim := -1
	for i, s := range c.Members() {
		if s.Deps.Directory.Len() > 0 {
			victim = i
			break
		}
	}
	if victim < 0 {
		t.Fatal("no member hosts any grain")
	}
	moved := map[string]bool{}
	for _, sum := range c.Members()[victim].Deps.Directory.List() {
		moved[sum.UID] = true
	}
	gone := c.StopMember(victim)
	c.WaitForMembers(2)

	// Continue where the stream left off; the reactivated grains must load Pending from the document.
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			observeUntilAnswered(t, c.Members, j.observation("executing", 2))
			observeUntilAnswered(t, c.Members, j.observation("completed", 3))
		}()
	}
	wg.Wait()

	for _, j := range jobs {
		if es := entries(t, m, owner, j.uid); len(es) != 1 || es[0]["status"] != "Complete" {
			t.Errorf("job %s: entries %v", j.uid, es)
		}
		if moved[j.uid] {
			s := c.Members()[0]
			r, err := s.Grain(j.uid).Inspect(&grainsv1.InspectRequest{}, s.CallOptions()...)
			if err != nil {
				t.Fatal(err)
			}
			if r.Member == gone.Address() || r.PersistedState != "Complete" {
				t.Errorf("moved grain %s: member %s (stopped: %s), state %s", j.uid, r.Member, gone.Address(), r.PersistedState)
			}
		}
	}
	if len(moved) == 0 {
		t.Fatal("the stopped member hosted no grain")
	}
	if err := c.Writes.CheckMonotonic(); err != nil {
		t.Error(err)
	}
}

// Two clusters that do not know each other (a split brain) both activate the same jobs and race:
// still exactly one correct entry per job, and no write went backwards.
func TestDoubleActivationLeavesOneCorrectEntry(t *testing.T) {
	m := harness.SharedMongo(t)
	writes := &testcluster.WriteLog{}
	a := testcluster.New(t, m, 1, testcluster.Options{Writes: writes})
	b := testcluster.New(t, m, 1, testcluster.Options{Writes: writes})
	owner := m.SeedUser(t)
	var wg sync.WaitGroup
	var jobs []job
	for i := 0; i < 20; i++ {
		j := newJob(owner)
		jobs = append(jobs, j)
		for _, side := range []*testcluster.Cluster{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s := side.Members()[0]
				for step, st := range []string{"", "inactive", "executing", "completed"} {
					observe(t, s, j.observation(st, step))
				}
			}()
		}
	}
	wg.Wait()
	if a.ActivationsTotal() != len(jobs) || b.ActivationsTotal() != len(jobs) {
		t.Fatalf("activations: %d and %d, want %d each (a double activation per job)", a.ActivationsTotal(), b.ActivationsTotal(), len(jobs))
	}
	for _, j := range jobs {
		if es := entries(t, m, owner, j.uid); len(es) != 1 || es[0]["status"] != "Complete" {
			t.Errorf("job %s: entries %v", j.uid, es)
		}
	}
	if err := writes.CheckMonotonic(); err != nil {
		t.Error(err)
	}
}
