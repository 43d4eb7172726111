package watchhost

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"

	agentjobv1 "github.com/erulabs/agentjob-sync/api/v1"
	"github.com/erulabs/agentjob-sync/internal/grains"
	"github.com/erulabs/agentjob-sync/internal/watchhost"
)

// spellings of each state the job operator may write.
var spellings = map[grains.Status][]string{
	grains.Pending:   {"inactive", "Pending"},
	grains.Executing: {"executing", "Executing", "running"},
	grains.Complete:  {"completed", "Complete"},
	grains.Error:     {"error", "Error", "failed"},
}

// path is a random forward path through the lifecycle with skips, ending terminal.
func path(rng *rand.Rand) ([]string, grains.Status) {
	var out []string
	for _, s := range []grains.Status{grains.Pending, grains.Executing} {
		if rng.IntN(3) > 0 {
			sp := spellings[s]
			out = append(out, sp[rng.IntN(len(sp))])
		}
	}
	final := grains.Complete
	if rng.IntN(4) == 0 {
		final = grains.Error
	}
	sp := spellings[final]
	return append(out, sp[rng.IntN(len(sp))]), final
}

// 200 jobs for 20 users driven through random paths with random delays: every document ends
// matching its resources, and every resource's condition says so.
func TestManyJobsConverge(t *testing.T) {
	e := newEnv(t, envOptions{cfg: watchhost.Config{Finalizer: true}})
	rng := rand.New(rand.NewPCG(7, 7))
	var users []string
	for i := 0; i < 20; i++ {
		users = append(users, e.mongo.SeedUser(t))
	}
	type run struct {
		aj    *agentjobv1.AgentJob
		path  []string
		final grains.Status
		delay time.Duration
	}
	var runs []*run
	for i := 0; i < 200; i++ {
		p, final := path(rng)
		runs = append(runs, &run{aj: e.create(fmt.Sprintf("job-%03d", i), users[i%len(users)]), path: p, final: final,
			delay: time.Duration(rng.IntN(20)) * time.Millisecond})
	}
	start := time.Now()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for _, r := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			for _, s := range r.path {
				time.Sleep(r.delay) // the job operator's pace, not synchronisation
				e.setState(r.aj, s)
			}
		}()
	}
	wg.Wait()
	for _, r := range runs {
		e.waitEntry(r.aj, string(r.final))
	}
	t.Logf("200 jobs, 20 users: all entries final %s after the first status change", time.Since(start).Round(time.Millisecond))
	for _, r := range runs {
		cur := e.waitCondition(r.aj, "Synced")
		c := meta.FindStatusCondition(cur.Status.Conditions, watchhost.ConditionType)
		if c.Status != "True" || c.ObservedGeneration != cur.Generation || cur.Status.UserRecord == nil ||
			!cur.Status.UserRecord.EntryCreated || cur.Status.UserRecord.SyncedState != string(r.final) {
			t.Errorf("%s: condition %+v userRecord %+v", r.aj.Name, c, cur.Status.UserRecord)
		}
		if len(cur.Finalizers) != 1 || cur.Finalizers[0] != watchhost.Finalizer {
			t.Errorf("%s: finalizers %v", r.aj.Name, cur.Finalizers)
		}
	}
	if err := e.cluster.Writes.CheckMonotonic(); err != nil {
		t.Error(err)
	}
	if lags := e.cluster.Writes.Lags(); len(lags) > 0 {
		t.Logf("lag from status change seen to entry persisted over %d writes: median %s, worst %s",
			len(lags), lags[len(lags)/2].Round(time.Microsecond), lags[len(lags)-1].Round(time.Microsecond))
	}
}
