package grains

import (
	"sync"
	"sync/atomic"
	"testing"

	grainsv1 "github.com/erulabs/agentjob-sync/api/grains/v1"
	"github.com/erulabs/agentjob-sync/tests/harness"
	"github.com/erulabs/agentjob-sync/tests/testcluster"
)

// Concurrent observations of one job from every member reach a single activation, one at a time.
func TestOneActivationProcessesCallsOneAtATime(t *testing.T) {
	m := harness.SharedMongo(t)
	var inside, overlaps atomic.Int32
	c := testcluster.New(t, m, 3, testcluster.Options{OnCall: func(_ string, begin bool) {
		if begin {
			if inside.Add(1) > 1 {
				overlaps.Add(1)
			}
		} else {
			inside.Add(-1)
		}
	}})
	j := newJob(m.SeedUser(t))
	states := []string{"", "inactive", "executing", "completed"}
	var wg sync.WaitGroup
	const perMember = 40
	for _, s := range c.Members() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perMember; i++ {
				step := i % len(states)
				observe(t, s, j.observation(states[step], step))
			}
		}()
	}
	wg.Wait()
	if got := c.ActivationsTotal(); got != 1 {
		t.Errorf("%d activations for one job, want 1", got)
	}
	if overlaps.Load() != 0 {
		t.Errorf("%d calls overlapped another call of the same grain", overlaps.Load())
	}
	var calls int64
	var hosts int
	for _, s := range c.Members() {
		if s.Deps.Directory.Len() == 1 {
			hosts++
			r, err := s.Grain(j.uid).Inspect(&grainsv1.InspectRequest{}, s.CallOptions()...)
			if err != nil {
				t.Fatal(err)
			}
			calls = r.Calls
			if r.Member != s.Address() {
				t.Errorf("grain reports member %s, directory says %s", r.Member, s.Address())
			}
		}
	}
	if hosts != 1 || calls != 3*perMember {
		t.Errorf("%d members host the grain, it handled %d calls; want 1 and %d", hosts, calls, 3*perMember)
	}
	if es := entries(t, m, j.owner, j.uid); len(es) != 1 || es[0]["status"] != "Complete" {
		t.Errorf("entries = %v", es)
	}
	if err := c.Writes.CheckMonotonic(); err != nil {
		t.Error(err)
	}
}
