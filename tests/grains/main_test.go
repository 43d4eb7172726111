// Package grains tests the AgentJob grain on an in-process test cluster persisting to the embedded
// database: one activation per job, ordering, failover, double activation and other writers.
package grains

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	grainsv1 "github.com/erulabs/agentjob-sync/api/grains/v1"
	"github.com/erulabs/agentjob-sync/internal/silo"
	"github.com/erulabs/agentjob-sync/tests/harness"
)

func TestMain(m *testing.M) { harness.Main(m) }

// job is one AgentJob as the tests drive it.
type job struct {
	uid, owner, name string
}

func newJob(owner string) job {
	uid := uuid.NewString()
	return job{uid: uid, owner: owner, name: "job-" + uid[:8]}
}

// observation is what the watch host would send for the job in state, with one node per stage
// stamped at a time that grows with the state, so newer observations carry newer nodes.
func (j job) observation(state string, step int) *grainsv1.ObserveRequest {
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	return &grainsv1.ObserveRequest{
		Uid: j.uid, Namespace: "ea-platform", Name: j.name, Owner: j.owner, AgentId: "agent", Creator: "creator",
		Created: timestamppb.New(base), State: state, ObservedAt: timestamppb.Now(),
		Nodes: []*grainsv1.NodeStatus{{
			Alias: "main", Status: state, OutputJson: fmt.Sprintf(`{"step":%d}`, step),
			LastUpdated: base.Add(time.Duration(step) * time.Second).Format(time.RFC3339),
		}},
	}
}

func observe(t testing.TB, s *silo.Silo, req *grainsv1.ObserveRequest) *grainsv1.ObserveResponse {
	t.Helper()
	resp, err := s.Grain(req.Uid).Observe(req, s.CallOptions()...)
	if err != nil {
		t.Errorf("observe %s %s via %s: %v", req.Uid, req.State, s.Address(), err)
		return &grainsv1.ObserveResponse{}
	}
	return resp
}

// entries returns the user's entries with id uid.
func entries(t testing.TB, m *harness.Mongo, owner, uid string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, j := range harness.Array(m.UserDoc(t, owner)["jobs"]) {
		e := harness.Doc(j)
		if e["id"] == uid {
			out = append(out, e)
		}
	}
	return out
}

// observeUntilAnswered retries a call the way the watch host's queue does, for calls that may hit
// a member while it leaves the cluster.
func observeUntilAnswered(t testing.TB, members func() []*silo.Silo, req *grainsv1.ObserveRequest) *grainsv1.ObserveResponse {
	t.Helper()
	var lastErr error
	for attempt := 0; attempt < 20; attempt++ {
		ms := members()
		s := ms[attempt%len(ms)]
		resp, err := s.Grain(req.Uid).Observe(req, s.CallOptions()...)
		if err == nil {
			return resp
		}
		lastErr = err
	}
	t.Errorf("observe %s %s: no answer after 20 attempts: %v", req.Uid, req.State, lastErr)
	return &grainsv1.ObserveResponse{}
}
