package watchhost

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"google.golang.org/protobuf/types/known/timestamppb"

	grainsv1 "github.com/erulabs/agentjob-sync/api/grains/v1"
	agentjobv1 "github.com/erulabs/agentjob-sync/api/v1"
	"github.com/erulabs/agentjob-sync/internal/grains"
	"github.com/erulabs/agentjob-sync/internal/watchhost"
	"github.com/erulabs/agentjob-sync/tests/harness"
)

// chaosResult counts one run's faults and invariant violations.
type chaosResult struct {
	faults                                 map[string]int
	lost, duplicated, regressed, clobbered int
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

// TestChaos runs the whole system — three silos, a watch host with leader election routing through
// a cluster client, the embedded database behind the fault proxy — while jobs move through their
// states and the manager service writes the same documents, and injects seeded random faults:
// silo kills and restarts, watch host restarts (leader changes and full relists, which is how a
// watch that expired is recovered), database blackouts and slow responses, and duplicated and
// reordered deliveries. Then it checks invariants 1–4. CHAOS_RUNS, CHAOS_SECONDS and CHAOS_SEED
// size and replay it (`make chaos` runs more and longer; `make test` runs one short run).
func TestChaos(t *testing.T) {
	runs, seconds := envInt("CHAOS_RUNS", 1), envInt("CHAOS_SECONDS", 8)
	seed0 := int64(envInt("CHAOS_SEED", int(time.Now().UnixNano()%1_000_000)))
	total := chaosResult{faults: map[string]int{}}
	for r := 0; r < runs; r++ {
		seed := seed0 + int64(r)
		t.Run(fmt.Sprintf("seed-%d", seed), func(t *testing.T) {
			res := chaosRun(t, seed, time.Duration(seconds)*time.Second)
			for k, v := range res.faults {
				total.faults[k] += v
			}
			total.lost += res.lost
			total.duplicated += res.duplicated
			total.regressed += res.regressed
			total.clobbered += res.clobbered
			if res.lost+res.duplicated+res.regressed+res.clobbered > 0 {
				t.Errorf("seed %d violated invariants (replay: CHAOS_SEED=%d CHAOS_RUNS=1 make chaos): %+v", seed, seed, res)
			}
			t.Logf("seed %d: faults %v", seed, res.faults)
		})
	}
	n := 0
	for _, v := range total.faults {
		n += v
	}
	fmt.Printf("chaos: %d runs, %d faults, lost %d, duplicated %d, regressed %d, clobbered %d\n",
		runs, n, total.lost, total.duplicated, total.regressed, total.clobbered)
}

func chaosRun(t *testing.T, seed int64, length time.Duration) chaosResult {
	rng := rand.New(rand.NewPCG(uint64(seed), 99))
	var rngMu sync.Mutex
	intn := func(n int) int { rngMu.Lock(); defer rngMu.Unlock(); return rng.IntN(n) }
	m, err := harness.NewMongo(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Stop() })
	e := newEnv(t, envOptions{mongo: m, viaClient: true, cfg: watchhost.Config{
		Finalizer: true, LeaderElection: true,
		LeaseDuration: 2 * time.Second, RenewDeadline: 1500 * time.Millisecond, RetryPeriod: 200 * time.Millisecond,
	}})
	res := chaosResult{faults: map[string]int{}}
	var users []string
	for i := 0; i < 6; i++ {
		users = append(users, m.SeedUser(t))
	}
	var jobs []*agentjobv1.AgentJob
	for i := 0; i < 48; i++ {
		jobs = append(jobs, e.create(fmt.Sprintf("chaos-%02d", i), users[i%len(users)]))
	}
	states := []string{"", "inactive", "executing", "completed", "error"}
	step := make([]int, len(jobs)) // index into states; 3 and 4 are terminal
	var stepMu sync.Mutex

	ctx, stop := context.WithTimeout(context.Background(), length)
	defer stop()
	var wg sync.WaitGroup
	loop := func(f func()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				f()
			}
		}()
	}
	// The job operator: moves random jobs forward, sometimes skipping states.
	loop(func() {
		i := intn(len(jobs))
		stepMu.Lock()
		cur := step[i]
		next := cur + 1 + intn(2)
		if cur >= 3 {
			stepMu.Unlock()
			return
		}
		if next > 4 {
			next = 4
		}
		if next == 4 && intn(3) > 0 {
			next = 3 // mostly complete, sometimes fail
		}
		step[i] = next
		stepMu.Unlock()
		e.setState(jobs[i], states[next])
		time.Sleep(time.Duration(5+intn(20)) * time.Millisecond)
	})
	// The manager service: credits and devices on the same documents.
	// An $inc cut off by a blackout may or may not have been applied: those count as "maybe".
	incs, maybe := make([]atomic.Int64, len(users)), make([]atomic.Int64, len(users))
	loop(func() {
		u := intn(len(users))
		if _, err := m.Users().UpdateOne(context.Background(), bson.D{{Key: "id", Value: users[u]}},
			bson.D{{Key: "$inc", Value: bson.D{{Key: "compute_credits", Value: 1}}}}); err == nil {
			incs[u].Add(1)
		} else {
			maybe[u].Add(1)
		}
		time.Sleep(10 * time.Millisecond)
	})
	// Duplicated and reordered deliveries: replays of older states straight to the grains.
	var replays atomic.Int64
	loop(func() {
		i := intn(len(jobs))
		stepMu.Lock()
		old := states[intn(step[i]+1)]
		stepMu.Unlock()
		aj := jobs[i]
		_, _ = e.router.Observe(context.Background(), &grainsv1.ObserveRequest{Uid: string(aj.UID), Namespace: aj.Namespace,
			Name: aj.Name, Owner: aj.Spec.User, State: old, ObservedAt: timestamppb.Now()})
		replays.Add(1)
		time.Sleep(50 * time.Millisecond)
	})
	// Faults, one at a time.
	var faultMu sync.Mutex
	loop(func() {
		time.Sleep(time.Duration(700+intn(1000)) * time.Millisecond)
		if ctx.Err() != nil {
			return
		}
		faultMu.Lock()
		defer faultMu.Unlock()
		switch intn(4) {
		case 0:
			if ms := e.cluster.Members(); len(ms) > 1 {
				e.cluster.StopMember(intn(len(ms)))
				res.faults["silo-kill"]++
				time.Sleep(time.Duration(200+intn(800)) * time.Millisecond)
				e.cluster.AddMember()
			}
		case 1:
			e.stopWatchHost()
			res.faults["watchhost-restart"]++
			time.Sleep(time.Duration(intn(800)) * time.Millisecond)
			e.startWatchHost()
		case 2:
			m.Server.Proxy().SetBlackout(true)
			res.faults["db-blackout"]++
			time.Sleep(time.Duration(300+intn(1500)) * time.Millisecond)
			m.Server.Proxy().SetBlackout(false)
		case 3:
			m.Server.Proxy().SetDelay(time.Duration(20+intn(150)) * time.Millisecond)
			res.faults["db-slow"]++
			time.Sleep(time.Duration(500+intn(1500)) * time.Millisecond)
			m.Server.Proxy().SetDelay(0)
		}
	})
	wg.Wait()
	res.faults["replay"] = int(replays.Load())

	// Healthy again: wait for convergence, then judge.
	want := func(i int) string {
		st, _ := grains.ParseState(states[step[i]])
		return string(st)
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		pending := 0
		for i, aj := range jobs {
			if es := e.entries(aj.Spec.User, string(aj.UID)); len(es) != 1 || es[0]["status"] != want(i) {
				pending++
			}
		}
		if pending == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	for i, aj := range jobs {
		es := e.entries(aj.Spec.User, string(aj.UID))
		switch {
		case len(es) == 0:
			res.lost++
			t.Errorf("lost: %s (want %s)", aj.Name, want(i))
		case len(es) > 1:
			res.duplicated++
			t.Errorf("duplicated: %s has %d entries", aj.Name, len(es))
		case es[0]["status"] != want(i):
			res.regressed++
			t.Errorf("not converged or regressed: %s is %v, resource says %s", aj.Name, es[0]["status"], want(i))
		}
	}
	if err := e.cluster.Writes.CheckMonotonic(); err != nil {
		res.regressed++
		t.Errorf("regressed: %v", err)
	}
	for u, id := range users {
		got, _ := strconv.ParseInt(fmt.Sprint(m.UserDoc(t, id)["compute_credits"]), 10, 64)
		lo := 1000 + incs[u].Load()
		if hi := lo + maybe[u].Load(); got < lo || got > hi {
			res.clobbered++
			t.Errorf("clobbered: user %s credits %d, want %d..%d", id, got, lo, hi)
		}
	}
	return res
}
