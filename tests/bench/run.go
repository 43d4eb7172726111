package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"

	agentjobv1 "github.com/erulabs/agentjob-sync/api/v1"
	"github.com/erulabs/agentjob-sync/internal/grains"
	"github.com/erulabs/agentjob-sync/internal/localenv"
	"github.com/erulabs/agentjob-sync/internal/metrics"
	"github.com/erulabs/agentjob-sync/internal/silo"
	"github.com/erulabs/agentjob-sync/internal/watchhost"
)

type options struct {
	rawFor, loadFor                        time.Duration
	users, pipelineJobs                    int
	trackedJobs, trackedUsers, catchupJobs int
}

// system is the real path: API server, embedded database, three silos, watch hosts on demand.
type system struct {
	cp    *localenv.ControlPlane
	kc    client.Client
	mc    *mongo.Client
	silos []*silo.Silo
	log   *slog.Logger

	mu        sync.Mutex
	persisted map[string]time.Time // uid/status → when written
}

func (s *system) onPersist(p grains.Persisted) {
	s.mu.Lock()
	s.persisted[p.UID+"/"+string(p.Status)] = p.At
	s.mu.Unlock()
}

func run(ctx context.Context, o options, log *slog.Logger) (*Results, error) {
	r := &Results{LagMs: map[string]LagStat{}}
	step := func(s string) { fmt.Fprintf(os.Stderr, "bench: %s (%s)\n", s, time.Now().Format("15:04:05")) }
	step("starting kube-apiserver, etcd, the embedded database and 3 silos")
	cp, err := localenv.StartControlPlane(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { _ = cp.Stop() }()
	dir, _ := os.MkdirTemp("", "agentjob-bench-")
	defer func() { _ = os.RemoveAll(dir) }()
	db, err := localenv.StartDatabase(dir)
	if err != nil {
		return nil, err
	}
	defer func() { _ = db.Close() }()
	mc, err := localenv.Connect(ctx, db.URI())
	if err != nil {
		return nil, err
	}
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = agentjobv1.AddToScheme(scheme)
	cp.Config.Burst = 1000
	kc, err := client.New(cp.Config, client.Options{Scheme: scheme})
	if err != nil {
		return nil, err
	}
	s := &system{cp: cp, kc: kc, mc: mc, log: log, persisted: map[string]time.Time{}}
	s.silos, err = localenv.StartSilos(3, mc, log, s.onPersist)
	defer func() {
		for _, x := range s.silos {
			x.Stop(true)
		}
	}()
	if err != nil {
		return nil, err
	}

	step("raw database loop")
	if r.RawDBUpdatesPerS, err = rawDB(ctx, mc, o.users, o.rawFor); err != nil {
		return nil, err
	}
	step("raw API server status loop")
	if r.RawAPIServerStatusUpdatesPS, err = s.rawAPI(ctx, o.rawFor); err != nil {
		return nil, err
	}
	// Each phase gets fresh users and removes them after: FerretDB decodes every user document on
	// every query, so documents left by earlier phases would slow the later ones.
	users := seedUsers(ctx, mc, "bench", o.users)
	step("pipeline throughput")
	if r.PipelineTransitionsPerS, err = s.pipeline(ctx, users, o.pipelineJobs); err != nil {
		return nil, err
	}
	dropUsers(ctx, mc, users)
	r.Ratio = r.PipelineTransitionsPerS / min(r.RawDBUpdatesPerS, r.RawAPIServerStatusUpdatesPS)
	for _, rate := range []int{100, 500, 1000} {
		step(fmt.Sprintf("lag at %d changes/s offered", rate))
		users := seedUsers(ctx, mc, "lag", o.users)
		l, err := s.lag(ctx, users, rate, o.loadFor)
		if err != nil {
			return nil, err
		}
		dropUsers(ctx, mc, users)
		r.LagMs[fmt.Sprint(rate)] = l
	}
	step(fmt.Sprintf("catch-up after downtime, %d jobs", o.catchupJobs))
	users = seedUsers(ctx, mc, "catchup", o.users)
	if r.CatchupS, err = s.catchup(ctx, users, o.catchupJobs); err != nil {
		return nil, err
	}
	r.CatchupJobs = o.catchupJobs
	step(fmt.Sprintf("memory per tracked job, %d jobs of %d users", o.trackedJobs, o.trackedUsers))
	if r.BytesPerTrackedJob, err = s.memory(ctx, o.trackedJobs, o.trackedUsers); err != nil {
		return nil, err
	}
	r.TrackedJobs, r.TrackedUsers = o.trackedJobs, o.trackedUsers
	r.Notes = append(r.Notes,
		"database: embedded FerretDB v1 (SQLite) behind the serializing proxy; it has no index on users.id, so every query decodes every user document: the raw loop and the pipeline pay the same cost",
		fmt.Sprintf("catch-up measured with %d changed jobs of %d users: 100,000 changed jobs over 10,000 users would take hours on the embedded database (each write scans all user documents); on MongoDB with an index on id it is bound by the raw update rate", o.catchupJobs, o.users),
		"bytes_per_tracked_job: heap of the watch host (informer cache, queue, bookkeeping) per AgentJob with every job routed once; idle grains passivate and cost nothing at rest (an active idle grain: see BenchmarkIdleGrainMemory)",
		"lag: from the job operator's status write returning to the entry being persisted, for the states that were persisted (a newer state arriving first makes an older one unnecessary)")
	return r, nil
}

func seedUsers(ctx context.Context, mc *mongo.Client, prefix string, n int) []string {
	users := mc.Database("ainuUsers").Collection("users")
	var ids []string
	var docs []any
	for i := 0; i < n; i++ {
		id := uuid.NewString()
		ids = append(ids, id)
		docs = append(docs, bson.D{{Key: "id", Value: id}, {Key: "name", Value: fmt.Sprintf("%s %d", prefix, i)},
			{Key: "compute_credits", Value: int64(0)}, {Key: "jobs", Value: bson.A{}}})
	}
	_, _ = users.InsertMany(ctx, docs)
	return ids
}

func dropUsers(ctx context.Context, mc *mongo.Client, ids []string) {
	_, _ = mc.Database("ainuUsers").Collection("users").DeleteMany(ctx, bson.D{{Key: "id", Value: bson.D{{Key: "$in", Value: ids}}}})
}

// parallel runs f(i) for i in [0,n) on w workers.
func parallel(n, w int, f func(i int) error) error {
	var next atomic.Int64
	var first atomic.Value
	var wg sync.WaitGroup
	for k := 0; k < w; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n || first.Load() != nil {
					return
				}
				if err := f(i); err != nil {
					first.CompareAndSwap(nil, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err, ok := first.Load().(error); ok {
		return err
	}
	return nil
}

func (s *system) namespace(ctx context.Context, name string) error {
	return s.kc.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})
}

func (s *system) createJobs(ctx context.Context, ns string, owners []string, n int) ([]*agentjobv1.AgentJob, error) {
	jobs := make([]*agentjobv1.AgentJob, n)
	err := parallel(n, 32, func(i int) error {
		aj := &agentjobv1.AgentJob{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("j-%06d", i)},
			Spec: agentjobv1.AgentJobSpec{User: owners[i%len(owners)], AgentID: "bench", Name: "bench"}}
		jobs[i] = aj
		return s.kc.Create(ctx, aj)
	})
	return jobs, err
}

// setState writes status.state with a merge patch, as the job operator would.
func (s *system) setState(ctx context.Context, aj *agentjobv1.AgentJob, state string) error {
	patch := []byte(fmt.Sprintf(`{"status":{"state":%q}}`, state))
	return s.kc.Status().Patch(ctx, aj, client.RawPatch(types.MergePatchType, patch))
}

// startWatchHost runs a watch host on ns routing to the silos; the returned func stops it.
func (s *system) startWatchHost(ns string, router watchhost.Router, finalizer bool) (func(), error) {
	wh, err := watchhost.New(s.cp.Config, watchhost.Config{Namespaces: []string{ns}, Finalizer: finalizer, Workers: 64, Log: s.log}, router, metrics.New())
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- wh.Run(ctx) }()
	return func() { cancel(); <-done }, nil
}

// waitEntries waits until every job's entry has status, returning false at the deadline.
func (s *system) waitEntries(ctx context.Context, jobs []*agentjobv1.AgentJob, status string, within time.Duration) bool {
	want := map[string]bool{}
	for _, aj := range jobs {
		want[string(aj.UID)] = true
	}
	users := s.mc.Database("ainuUsers").Collection("users")
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		cur, err := users.Find(ctx, bson.D{})
		if err == nil {
			var docs []struct {
				Jobs []struct {
					ID     string `bson:"id"`
					Status string `bson:"status"`
				} `bson:"jobs"`
			}
			if cur.All(ctx, &docs) == nil {
				n := 0
				for _, d := range docs {
					for _, j := range d.Jobs {
						if want[j.ID] && j.Status == status {
							n++
						}
					}
				}
				if n == len(want) {
					return true
				}
			}
		}
		time.Sleep(500 * time.Millisecond) // polling reads every user document: keep it rare
	}
	return false
}

func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p * float64(len(sorted)-1))
	return sorted[i]
}

func sortFloats(v []float64) []float64 { sort.Float64s(v); return v }
