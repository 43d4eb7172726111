package grains

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	grainsv1 "github.com/erulabs/agentjob-sync/api/grains/v1"
	"github.com/erulabs/agentjob-sync/tests/harness"
	"github.com/erulabs/agentjob-sync/tests/testcluster"
)

// lifecycle is one job's observations in order, ending in its terminal state.
func lifecycle(j job, rng *rand.Rand) ([]*grainsv1.ObserveRequest, string) {
	final, want := "completed", "Complete"
	if rng.IntN(4) == 0 {
		final, want = "error", "Error"
	}
	var out []*grainsv1.ObserveRequest
	for step, s := range []string{"", "inactive", "executing", final} {
		out = append(out, j.observation(s, step))
	}
	return out, want
}

// Thousands of shuffled, duplicated observations of many jobs for a few users end with exactly one
// entry per job in its final state with its newest node, and no write ever went backwards.
func TestShuffledDuplicatedObservationsConverge(t *testing.T) {
	m := harness.SharedMongo(t)
	c := testcluster.New(t, m, 3, testcluster.Options{})
	rng := rand.New(rand.NewPCG(1, 2))
	const users, jobsPerUser, copies = 4, 40, 4
	var all []*grainsv1.ObserveRequest
	want := map[string]string{}
	var jobs []job
	for u := 0; u < users; u++ {
		owner := m.SeedUser(t)
		for i := 0; i < jobsPerUser; i++ {
			j := newJob(owner)
			jobs = append(jobs, j)
			obs, final := lifecycle(j, rng)
			want[j.uid] = final
			for k := 0; k < copies; k++ {
				all = append(all, obs...)
			}
		}
	}
	rng.Shuffle(len(all), func(a, b int) { all[a], all[b] = all[b], all[a] })

	members := c.Members()
	start := time.Now()
	var wg sync.WaitGroup
	const senders = 16
	for w := 0; w < senders; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(all); i += senders {
				observe(t, members[i%len(members)], all[i])
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	t.Logf("%d grain calls in %s: %.0f calls/s on %d silos", len(all), took.Round(time.Millisecond), float64(len(all))/took.Seconds(), len(members))

	for _, j := range jobs {
		es := entries(t, m, j.owner, j.uid)
		if len(es) != 1 {
			t.Errorf("job %s has %d entries", j.uid, len(es))
			continue
		}
		e := es[0]
		if e["status"] != want[j.uid] {
			t.Errorf("job %s ended %v, want %s", j.uid, e["status"], want[j.uid])
		}
		nodes := harness.Array(e["nodes"])
		if len(nodes) != 1 || fmt.Sprint(harness.Doc(harness.Doc(nodes[0])["output"])["step"]) != "3" {
			t.Errorf("job %s nodes = %v, want the step-3 node", j.uid, nodes)
		}
		if e["job_type"] != "AgentJob" || e["job_name"] != j.name {
			t.Errorf("job %s entry fields: %v", j.uid, e)
		}
	}
	if err := c.Writes.CheckMonotonic(); err != nil {
		t.Error(err)
	}
}

// BenchmarkGrainCalls measures observations per second through one silo to the embedded database.
func BenchmarkGrainCalls(b *testing.B) {
	m := harness.SharedMongo(b)
	c := testcluster.New(b, m, 1, testcluster.Options{})
	s := c.Members()[0]
	// Many users keep each jobs array short, as in production (FerretDB rewrites the whole document).
	var owners []string
	for i := 0; i < 100; i++ {
		owners = append(owners, m.SeedUser(b))
	}
	states := []string{"", "inactive", "executing", "completed"}
	b.ResetTimer()
	b.SetParallelism(8)
	var seq atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		var j job
		for pb.Next() {
			if i%len(states) == 0 {
				j = newJob(owners[seq.Add(1)%int64(len(owners))])
			}
			observe(b, s, j.observation(states[i%len(states)], i%len(states)))
			i++
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}
