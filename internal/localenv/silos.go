package localenv

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/asynkron/protoactor-go/cluster/clusterproviders/test"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/erulabs/agentjob-sync/internal/dashboard"
	"github.com/erulabs/agentjob-sync/internal/grains"
	"github.com/erulabs/agentjob-sync/internal/metrics"
	"github.com/erulabs/agentjob-sync/internal/silo"
	"github.com/erulabs/agentjob-sync/internal/store"
)

// StartSilos starts n silos in this process, clustered through Proto.Actor's in-process provider
// (one machine, no Kubernetes pods to discover), each with its dashboard actor. onPersist, if set,
// is told about every write (benchmarks time them).
func StartSilos(n int, db *mongo.Client, log *slog.Logger, onPersist func(grains.Persisted)) ([]*silo.Silo, error) {
	agent := test.NewInMemAgent()
	var out []*silo.Silo
	for i := 0; i < n; i++ {
		m := metrics.New()
		deps := &grains.Deps{
			Store: store.New(db, store.Options{Observe: func(op string, took time.Duration, _ error) {
				m.DBTime.WithLabelValues(op).Observe(took.Seconds())
			}}),
			Flags: grains.AllFlags(), Metrics: m, Log: log, OnPersist: onPersist,
		}
		s, err := silo.Start(silo.Config{ClusterName: "demo", Provider: test.NewTestProvider(agent, test.WithTestProviderServiceTtl(time.Minute)), Deps: deps, Log: log})
		if err != nil {
			return out, err
		}
		out = append(out, s)
		if err := dashboard.SpawnMemberActor(s.System, deps); err != nil {
			return out, err
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for _, s := range out {
		for s.Cluster.MemberList.Length() != n {
			if time.Now().After(deadline) {
				return out, fmt.Errorf("silo %s sees %d members, want %d", s.Address(), s.Cluster.MemberList.Length(), n)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return out, nil
}
