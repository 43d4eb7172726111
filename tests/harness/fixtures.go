package harness

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	agentjobv1 "github.com/erulabs/agentjob-sync/api/v1"
)

// Namespace creates a uniquely named namespace for one test and deletes it afterwards.
func (k *Kube) Namespace(tb testing.TB) string {
	tb.Helper()
	name := "t-" + strings.ToLower(uuid.NewString()[:8])
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := k.Client.Create(context.Background(), ns); err != nil {
		tb.Fatalf("create namespace: %v", err)
	}
	tb.Cleanup(func() { _ = k.Client.Delete(context.Background(), ns) })
	return name
}

// NewAgentJob is a platform-shaped AgentJob for owner, like the job operator creates.
func NewAgentJob(namespace, name, owner string) *agentjobv1.AgentJob {
	return &agentjobv1.AgentJob{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Spec: agentjobv1.AgentJobSpec{
			AgentID: uuid.NewString(),
			Name:    "Job " + name,
			User:    owner,
			Creator: uuid.NewString(),
			Nodes: []agentjobv1.WorkflowNode{
				{Alias: "fetch", Type: "http"},
				{Alias: "summarize", Type: "llm"},
			},
			Edges:    []agentjobv1.WorkflowEdge{{From: []string{"fetch"}, To: []string{"summarize"}}},
			Metadata: &agentjobv1.JobMetadata{CreatedAt: time.Now().UTC().Format(time.RFC3339)},
		},
	}
}

// Users is the contract's users collection on the shared database.
func (m *Mongo) Users() *mongo.Collection {
	return m.Client.Database("ainuUsers").Collection("users")
}

// SeedUser inserts a user document the way the manager service creates one and returns its id.
func (m *Mongo) SeedUser(tb testing.TB) string {
	tb.Helper()
	id := uuid.NewString()
	_, err := m.Users().InsertOne(context.Background(), bson.D{
		{Key: "id", Value: id},
		{Key: "name", Value: "user " + id[:8]},
		{Key: "compute_credits", Value: int64(1000)},
		{Key: "compute_devices", Value: bson.A{}},
		{Key: "created_time", Value: time.Now().UTC()},
		{Key: "jobs", Value: bson.A{}},
	})
	if err != nil {
		tb.Fatalf("seed user: %v", err)
	}
	return id
}

// UserDoc reads a user's whole document.
func (m *Mongo) UserDoc(tb testing.TB, id string) bson.M {
	tb.Helper()
	var doc bson.M
	if err := m.Users().FindOne(context.Background(), bson.D{{Key: "id", Value: id}}).Decode(&doc); err != nil {
		tb.Fatalf("read user %s: %v", id, err)
	}
	return doc
}

// Eventually polls cond until it returns nil or the deadline passes, then fails with its last error.
func Eventually(tb testing.TB, within time.Duration, cond func() error) {
	tb.Helper()
	deadline := time.Now().Add(within)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("condition not met within %s: %v", within, err)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// PullJob removes a job entry like the manager service does (see RemoveJob) and fails tb on error.
func (m *Mongo) PullJob(tb testing.TB, user, id string) {
	tb.Helper()
	if err := m.RemoveJob(context.Background(), user, id); err != nil {
		tb.Fatal(err)
	}
}

// RemoveJob removes the job entry with id from a user's jobs array the way the manager service does
// when a user deletes a job. The manager issues {$pull: {jobs: {id: id}}}; FerretDB v1 only pulls
// elements equal to the given value, so this reads the element and pulls exactly it (retrying if it
// changed in between), which removes it atomically on both servers. Safe to call from goroutines.
func (m *Mongo) RemoveJob(ctx context.Context, user, id string) error {
	for attempt := 0; attempt < 100; attempt++ {
		var doc struct {
			Jobs []bson.Raw `bson:"jobs"`
		}
		if err := m.Users().FindOne(ctx, bson.D{{Key: "id", Value: user}}).Decode(&doc); err != nil {
			return fmt.Errorf("read user %s: %w", user, err)
		}
		var elem bson.Raw
		for _, j := range doc.Jobs {
			if got, ok := j.Lookup("id").StringValueOK(); ok && got == id {
				elem = j
				break
			}
		}
		if elem == nil {
			return nil
		}
		res, err := m.Users().UpdateOne(ctx, bson.D{{Key: "id", Value: user}},
			bson.D{{Key: "$pull", Value: bson.D{{Key: "jobs", Value: elem}}}})
		if err != nil {
			return fmt.Errorf("pull job %s: %w", id, err)
		}
		if res.ModifiedCount == 1 {
			return nil
		}
	}
	return fmt.Errorf("pull job %s: the entry kept changing", id)
}
