package watchhost

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	agentjobv1 "github.com/erulabs/agentjob-sync/api/v1"
	"github.com/erulabs/agentjob-sync/internal/grains"
	"github.com/erulabs/agentjob-sync/internal/watchhost"
	"github.com/erulabs/agentjob-sync/tests/harness"
)

// Invalid jobs get the right condition and do not disturb the others.
func TestInvalidJobsAreReportedAndContained(t *testing.T) {
	e := newEnv(t, envOptions{cfg: watchhost.Config{Finalizer: true}})
	owner := e.mongo.SeedUser(t)
	good := e.create("good", owner)
	cases := []struct {
		name, owner, state, reason string
	}{
		{"empty-owner", "", "", "InvalidSpec"},
		{"malformed-owner", "not-a-uuid", "", "InvalidSpec"},
		{"unknown-state", owner, "paused", "InvalidSpec"},
		{"no-user-document", uuid.NewString(), "", "UserNotFound"},
	}
	var bad []*agentjobv1.AgentJob
	for _, c := range cases {
		aj := e.create(c.name, c.owner)
		if c.state != "" {
			e.setState(aj, c.state)
		}
		bad = append(bad, aj)
	}
	e.setState(good, "executing")
	for i, c := range cases {
		cur := e.waitCondition(bad[i], c.reason)
		if got := cur.Status.Conditions[0]; got.Status != "False" || got.Message == "" {
			t.Errorf("%s: condition %+v", c.name, got)
		}
	}
	e.waitEntry(good, "Executing")
	e.waitCondition(good, "Synced")
	harness.Eventually(t, 30*time.Second, func() error {
		evs, err := e.kube.Clientset.EventsV1().Events(e.ns).List(t.Context(), metav1.ListOptions{})
		if err != nil {
			return err
		}
		for _, ev := range evs.Items {
			if ev.Reason == "UserNotFound" && ev.Regarding.Name == "no-user-document" && ev.Type == "Warning" {
				return nil
			}
		}
		return fmt.Errorf("no UserNotFound warning event among %d events", len(evs.Items))
	})
	// Unknown state fixed by the operator: the job syncs.
	e.setState(bad[2], "completed")
	e.waitEntry(bad[2], "Complete")
}

// With FEATURE_COMPLETED_AGENT_JOBS off, Complete is never written; other states are.
func TestFeatureFlagOffNeverWritesThatState(t *testing.T) {
	flags := grains.AllFlags()
	flags.Completed = false
	e := newEnv(t, envOptions{flags: &flags, cfg: watchhost.Config{Finalizer: true}})
	owner := e.mongo.SeedUser(t)
	aj := e.create("flagged", owner)
	e.setState(aj, "executing")
	e.waitEntry(aj, "Executing")
	e.setState(aj, "completed")
	e.waitCondition(aj, "FeatureDisabled")
	if es := e.entries(owner, string(aj.UID)); len(es) != 1 || es[0]["status"] != "Executing" {
		t.Errorf("entries %v, want one Executing", es)
	}
	for _, w := range e.cluster.Writes.All() {
		if w.Status == grains.Complete {
			t.Errorf("Complete was written: %+v", w)
		}
	}
}

// Per-node progress written by the job operator appears in the entry, newest per node.
func TestNodeProgressIsMirroredNewestWins(t *testing.T) {
	e := newEnv(t, envOptions{cfg: watchhost.Config{Finalizer: true}})
	owner := e.mongo.SeedUser(t)
	aj := e.create("nodes", owner)
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	stamp := func(d time.Duration) string { return t0.Add(d).Format(time.RFC3339) }
	nodes := func(want map[string]string) {
		t.Helper()
		harness.Eventually(t, 30*time.Second, func() error {
			es := e.entries(owner, string(aj.UID))
			if len(es) != 1 {
				return fmt.Errorf("entries %v", es)
			}
			got := map[string]string{}
			for _, n := range harness.Array(es[0]["nodes"]) {
				got[fmt.Sprint(harness.Doc(n)["alias"])] = fmt.Sprint(harness.Doc(n)["status"])
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				return fmt.Errorf("nodes %v, want %v", got, want)
			}
			return nil
		})
	}
	e.setState(aj, "executing",
		agentjobv1.NodeStatus{Alias: "fetch", Status: "completed", LastUpdated: stamp(2 * time.Second)},
		agentjobv1.NodeStatus{Alias: "summarize", Status: "executing", LastUpdated: stamp(3 * time.Second)})
	nodes(map[string]string{"fetch": "completed", "summarize": "executing"})
	// A late writer sends an older fetch update along with a newer summarize one.
	e.setState(aj, "executing",
		agentjobv1.NodeStatus{Alias: "fetch", Status: "executing", LastUpdated: stamp(1 * time.Second)},
		agentjobv1.NodeStatus{Alias: "summarize", Status: "completed", LastUpdated: stamp(4 * time.Second)})
	nodes(map[string]string{"fetch": "completed", "summarize": "completed"})
}
