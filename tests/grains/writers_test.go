package grains

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	grainsv1 "github.com/erulabs/agentjob-sync/api/grains/v1"
	"github.com/erulabs/agentjob-sync/tests/harness"
	"github.com/erulabs/agentjob-sync/tests/testcluster"
)

// The manager service writes the same documents concurrently — credits, devices, its own job
// entries — and removes one of our entries while its job still runs. Nothing it wrote is lost, and
// the removed entry is never re-created, not even by a fresh activation.
func TestManagerWritesSurviveAndRemovedEntryStaysRemoved(t *testing.T) {
	m := harness.SharedMongo(t)
	c := testcluster.New(t, m, 2, testcluster.Options{})
	owner := m.SeedUser(t)
	ctx := context.Background()
	var jobs []job
	for i := 0; i < 12; i++ {
		jobs = append(jobs, newJob(owner))
	}
	victim := jobs[0]
	for _, j := range jobs {
		observe(t, c.Members()[0], j.observation("", 0))
	}
	m.PullJob(t, owner, victim.uid) // the user deletes the job while it runs

	const rounds = 30
	filter := bson.D{{Key: "id", Value: owner}}
	creditWriter := func(int) error {
		_, err := m.Users().UpdateOne(ctx, filter, bson.D{{Key: "$inc", Value: bson.D{{Key: "compute_credits", Value: 1}}}})
		return err
	}
	deviceWriter := func(i int) error {
		dev := fmt.Sprintf("dev-%d", i)
		_, err := m.Users().UpdateOne(ctx, filter, bson.D{{Key: "$push", Value: bson.D{{Key: "compute_devices", Value: dev}}}})
		if err == nil && i%3 == 0 {
			_, err = m.Users().UpdateOne(ctx, filter, bson.D{{Key: "$pull", Value: bson.D{{Key: "compute_devices", Value: dev}}}})
		}
		return err
	}
	jobWriter := func(i int) error {
		id := fmt.Sprintf("manual-%d", i)
		_, err := m.Users().UpdateOne(ctx, filter, bson.D{{Key: "$push", Value: bson.D{{Key: "jobs", Value: bson.D{{Key: "id", Value: id}, {Key: "status", Value: "Manual"}}}}}})
		if err == nil && i%2 == 0 {
			err = m.RemoveJob(ctx, owner, id)
		}
		return err
	}
	states := []string{"inactive", "executing", "completed"}
	ours := func(step int) error {
		if step >= len(states) {
			return nil
		}
		for _, j := range jobs {
			resp := observe(t, c.Members()[step%2], j.observation(states[step], step+1))
			if j.uid == victim.uid && resp.Outcome != grainsv1.Outcome_OUTCOME_ENTRY_REMOVED {
				return fmt.Errorf("removed job: outcome %s, want ENTRY_REMOVED", resp.Outcome)
			}
		}
		return nil
	}
	harness.Concurrently(t, rounds, creditWriter, deviceWriter, jobWriter, ours)

	doc := m.UserDoc(t, owner)
	if fmt.Sprint(doc["compute_credits"]) != fmt.Sprint(1000+rounds) {
		t.Errorf("compute_credits = %v, want %d", doc["compute_credits"], 1000+rounds)
	}
	if n := len(harness.Array(doc["compute_devices"])); n != rounds-rounds/3 {
		t.Errorf("%d devices, want %d", n, rounds-rounds/3)
	}
	manual := 0
	for _, e := range harness.Array(doc["jobs"]) {
		if harness.Doc(e)["status"] == "Manual" {
			manual++
		}
	}
	if manual != rounds/2 {
		t.Errorf("%d manager entries, want %d", manual, rounds/2)
	}
	for _, j := range jobs[1:] {
		if es := entries(t, m, owner, j.uid); len(es) != 1 || es[0]["status"] != "Complete" {
			t.Errorf("job %s: %v", j.uid, es)
		}
	}
	if es := entries(t, m, owner, victim.uid); len(es) != 0 {
		t.Errorf("the removed entry came back: %v", es)
	}

	// A new cluster knows nothing; the resource's record that the entry was created is what stops it.
	fresh := testcluster.New(t, m, 1, testcluster.Options{})
	req := victim.observation("completed", 3)
	req.EntryCreated = true
	if resp := observe(t, fresh.Members()[0], req); resp.Outcome != grainsv1.Outcome_OUTCOME_ENTRY_REMOVED {
		t.Errorf("fresh activation: outcome %s, want ENTRY_REMOVED", resp.Outcome)
	}
	if es := entries(t, m, owner, victim.uid); len(es) != 0 {
		t.Errorf("a fresh activation re-created the removed entry: %v", es)
	}
	if err := c.Writes.CheckMonotonic(); err != nil {
		t.Error(err)
	}
}

// Idle grains passivate; the next call reactivates the grain from the persisted entry.
func TestIdleGrainsPassivateAndReactivate(t *testing.T) {
	m := harness.SharedMongo(t)
	c := testcluster.New(t, m, 1, testcluster.Options{IdleTimeout: 200 * time.Millisecond})
	s := c.Members()[0]
	j := newJob(m.SeedUser(t))
	observe(t, s, j.observation("executing", 2))
	harness.Eventually(t, 10*time.Second, func() error {
		if n := s.Deps.Directory.Len(); n != 0 {
			return fmt.Errorf("%d grains still active", n)
		}
		return nil
	})
	if resp := observe(t, s, j.observation("inactive", 1)); resp.Outcome != grainsv1.Outcome_OUTCOME_UP_TO_DATE || resp.PersistedState != "Executing" {
		t.Errorf("reactivated grain answered %s/%s, want UP_TO_DATE/Executing (loaded from the document)", resp.Outcome, resp.PersistedState)
	}
	if got := c.ActivationsTotal(); got != 2 {
		t.Errorf("%d activations, want 2", got)
	}
}
