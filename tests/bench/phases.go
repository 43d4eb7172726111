package main

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	grainsv1 "github.com/erulabs/agentjob-sync/api/grains/v1"
)

// rawDB is a plain driver loop issuing the service's own write: one guarded per-element update.
func rawDB(ctx context.Context, mc *mongo.Client, nUsers int, d time.Duration) (float64, error) {
	users := mc.Database("ainuUsers").Collection("users")
	const perUser = 10
	ids := seedUsers(ctx, mc, "raw", nUsers)
	for _, id := range ids {
		var jobs bson.A
		for j := 0; j < perUser; j++ {
			jobs = append(jobs, bson.D{{Key: "id", Value: fmt.Sprintf("%s-%d", id, j)}, {Key: "status", Value: "New"}, {Key: "sync_rev", Value: int64(1)}})
		}
		if _, err := users.UpdateOne(ctx, bson.D{{Key: "id", Value: id}}, bson.D{{Key: "$set", Value: bson.D{{Key: "jobs", Value: jobs}}}}); err != nil {
			return 0, err
		}
	}
	var done atomic.Int64
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rev := map[int]int64{}
			for k := w; time.Now().Before(deadline); k += 16 {
				slot := k % (nUsers * perUser)
				u, j := ids[slot/perUser], slot%perUser
				if rev[slot] == 0 {
					rev[slot] = 1
				}
				at := "jobs." + strconv.Itoa(j) + "."
				res, err := users.UpdateOne(ctx,
					bson.D{{Key: "id", Value: u}, {Key: at + "id", Value: fmt.Sprintf("%s-%d", u, j)}, {Key: at + "sync_rev", Value: rev[slot]}},
					bson.D{{Key: "$set", Value: bson.D{{Key: at + "status", Value: "Executing"}, {Key: at + "last_active", Value: time.Now()},
						{Key: at + "nodes", Value: bson.A{}}, {Key: at + "sync_rev", Value: rev[slot] + 1}}}})
				if err == nil && res.MatchedCount == 1 {
					rev[slot]++
					done.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	dropUsers(ctx, mc, ids)
	return float64(done.Load()) / d.Seconds(), nil
}

// rawAPI is a plain client loop updating AgentJob status on the same API server.
func (s *system) rawAPI(ctx context.Context, d time.Duration) (float64, error) {
	if err := s.namespace(ctx, "bench-raw"); err != nil {
		return 0, err
	}
	jobs, err := s.createJobs(ctx, "bench-raw", []string{"00000000-0000-0000-0000-000000000000"}, 64)
	if err != nil {
		return 0, err
	}
	var done atomic.Int64
	deadline := time.Now().Add(d)
	states := []string{"inactive", "executing"}
	_ = parallel(64, 16, func(i int) error {
		for k := 0; time.Now().Before(deadline); k++ {
			if s.setState(ctx, jobs[i], states[k%2]) == nil {
				done.Add(1)
			}
		}
		return nil
	})
	return float64(done.Load()) / d.Seconds(), nil
}

// pipeline drives jobs through three status changes as fast as the API server takes them and
// measures changes per second until every entry is final.
func (s *system) pipeline(ctx context.Context, users []string, n int) (float64, error) {
	ns := "bench-pipeline"
	if err := s.namespace(ctx, ns); err != nil {
		return 0, err
	}
	stop, err := s.startWatchHost(ns, s.silos[0], true)
	if err != nil {
		return 0, err
	}
	defer stop()
	jobs, err := s.createJobs(ctx, ns, users, n)
	if err != nil {
		return 0, err
	}
	if !s.waitEntries(ctx, jobs, "New", 5*time.Minute) {
		return 0, fmt.Errorf("pipeline: entries were not created")
	}
	start := time.Now()
	if err := parallel(n, 32, func(i int) error {
		for _, st := range []string{"inactive", "executing", "completed"} {
			if err := s.setState(ctx, jobs[i], st); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return 0, err
	}
	if !s.waitEntries(ctx, jobs, "Complete", 5*time.Minute) {
		return 0, fmt.Errorf("pipeline: entries did not converge")
	}
	return float64(3*n) / time.Since(start).Seconds(), nil
}

// lag offers status changes at a fixed rate (open loop) and measures change → persisted.
func (s *system) lag(ctx context.Context, users []string, rate int, d time.Duration) (LagStat, error) {
	ns := "bench-lag-" + strconv.Itoa(rate)
	if err := s.namespace(ctx, ns); err != nil {
		return LagStat{}, err
	}
	stop, err := s.startWatchHost(ns, s.silos[0], true)
	if err != nil {
		return LagStat{}, err
	}
	defer stop()
	// Three changes per job; capped so that setting up the phase does not dominate the run.
	nJobs := min(max(int(float64(rate)*d.Seconds())/3, 1), 400)
	total := 3 * nJobs
	jobs, err := s.createJobs(ctx, ns, users, nJobs)
	if err != nil {
		return LagStat{}, err
	}
	if !s.waitEntries(ctx, jobs, "New", 5*time.Minute) {
		return LagStat{}, fmt.Errorf("lag: entries were not created")
	}
	states := []string{"inactive", "executing", "completed"}
	wanted := []string{"Pending", "Executing", "Complete"}
	written := make([]time.Time, total)
	work := make(chan int, 4096)
	var wg sync.WaitGroup
	for w := 0; w < 64; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if s.setState(ctx, jobs[i%nJobs], states[i/nJobs]) == nil {
					written[i] = time.Now()
				}
			}
		}()
	}
	start := time.Now()
	for i := 0; i < total; i++ {
		time.Sleep(time.Until(start.Add(time.Duration(i) * time.Second / time.Duration(rate))))
		work <- i
	}
	close(work)
	wg.Wait()
	achieved := float64(total) / time.Since(start).Seconds()
	s.waitEntries(ctx, jobs, "Complete", 3*time.Minute)
	var lags []float64
	s.mu.Lock()
	for i, at := range written {
		if at.IsZero() {
			continue
		}
		if p, ok := s.persisted[string(jobs[i%nJobs].UID)+"/"+wanted[i/nJobs]]; ok && p.After(at) {
			lags = append(lags, float64(p.Sub(at).Microseconds())/1000)
		}
	}
	s.mu.Unlock()
	sortFloats(lags)
	return LagStat{Offered: float64(rate), Achieved: achieved, Persisted: len(lags),
		P50: percentile(lags, .5), P95: percentile(lags, .95), P99: percentile(lags, .99)}, nil
}

// catchup stops the watch host, changes every job, starts it again and times convergence.
func (s *system) catchup(ctx context.Context, users []string, n int) (float64, error) {
	ns := "bench-catchup"
	if err := s.namespace(ctx, ns); err != nil {
		return 0, err
	}
	stop, err := s.startWatchHost(ns, s.silos[0], true)
	if err != nil {
		return 0, err
	}
	jobs, err := s.createJobs(ctx, ns, users, n)
	if err != nil {
		stop()
		return 0, err
	}
	ok := s.waitEntries(ctx, jobs, "New", 10*time.Minute)
	stop()
	if !ok {
		return 0, fmt.Errorf("catch-up: entries were not created")
	}
	if err := parallel(n, 32, func(i int) error { return s.setState(ctx, jobs[i], "completed") }); err != nil {
		return 0, err
	}
	start := time.Now()
	stop, err = s.startWatchHost(ns, s.silos[0], true)
	if err != nil {
		return 0, err
	}
	defer stop()
	if !s.waitEntries(ctx, jobs, "Complete", 10*time.Minute) {
		return 0, fmt.Errorf("catch-up: did not converge in 10 minutes")
	}
	return time.Since(start).Seconds(), nil
}

// countingRouter answers every observation at once and counts distinct jobs, so the memory phase
// measures the watch host alone without the database's pace.
type countingRouter struct {
	seen sync.Map
	n    atomic.Int64
}

func (c *countingRouter) Observe(_ context.Context, req *grainsv1.ObserveRequest) (*grainsv1.ObserveResponse, error) {
	if _, loaded := c.seen.LoadOrStore(req.Uid, struct{}{}); !loaded {
		c.n.Add(1)
	}
	return &grainsv1.ObserveResponse{Outcome: grainsv1.Outcome_OUTCOME_UP_TO_DATE}, nil
}

// memory creates n jobs of u users and measures the watch host's heap per tracked job.
func (s *system) memory(ctx context.Context, n, u int) (float64, error) {
	ns := "bench-memory"
	if err := s.namespace(ctx, ns); err != nil {
		return 0, err
	}
	owners := make([]string, u)
	for i := range owners {
		owners[i] = fmt.Sprintf("%08d-0000-4000-8000-000000000000", i)
	}
	if _, err := s.createJobs(ctx, ns, owners, n); err != nil {
		return 0, err
	}
	router := &countingRouter{}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	stop, err := s.startWatchHost(ns, router, false)
	if err != nil {
		return 0, err
	}
	defer stop()
	deadline := time.Now().Add(10 * time.Minute)
	for router.n.Load() < int64(n) {
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("memory: only %d of %d jobs routed", router.n.Load(), n)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// The router's own set of seen UIDs is bench bookkeeping, not the service's: drop it first.
	router.seen.Clear()
	runtime.GC()
	runtime.ReadMemStats(&after)
	return (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / float64(n), nil
}
