package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	agentjobv1 "github.com/erulabs/agentjob-sync/api/v1"
	"github.com/erulabs/agentjob-sync/internal/grains"
)

type sample struct {
	users []string
	jobs  []*sampleJob
}

type sampleJob struct {
	aj   *agentjobv1.AgentJob
	path []string
}

func createSample(ctx context.Context, kc client.Client, users *mongo.Collection, opts Options, say func(string, ...any)) (*sample, error) {
	rng := rand.New(rand.NewPCG(42, uint64(opts.Users)))
	s := &sample{}
	for u := 0; u < opts.Users; u++ {
		id := uuid.NewString()
		if _, err := users.InsertOne(ctx, bson.D{
			{Key: "id", Value: id}, {Key: "name", Value: fmt.Sprintf("demo user %d", u+1)},
			{Key: "compute_credits", Value: int64(100)}, {Key: "compute_devices", Value: bson.A{}},
			{Key: "created_time", Value: time.Now().UTC()}, {Key: "jobs", Value: bson.A{}},
		}); err != nil {
			return nil, err
		}
		s.users = append(s.users, id)
		for j := 0; j < opts.JobsPerUser; j++ {
			aj := &agentjobv1.AgentJob{
				ObjectMeta: metav1.ObjectMeta{Namespace: Namespace, Name: fmt.Sprintf("demo-u%d-j%d", u+1, j+1)},
				Spec: agentjobv1.AgentJobSpec{AgentID: uuid.NewString(), Name: fmt.Sprintf("Demo job %d", j+1), User: id, Creator: id,
					Nodes: []agentjobv1.WorkflowNode{{Alias: "plan", Type: "llm"}, {Alias: "act", Type: "tool"}}},
			}
			if err := kc.Create(ctx, aj); err != nil {
				return nil, err
			}
			s.jobs = append(s.jobs, &sampleJob{aj: aj, path: randomPath(rng)})
		}
		say("  user %s (demo user %d) with %d AgentJobs", id, u+1, opts.JobsPerUser)
	}
	return s, nil
}

// randomPath is a forward path as the job operator writes it, sometimes skipping states.
func randomPath(rng *rand.Rand) []string {
	var p []string
	if rng.IntN(4) > 0 {
		p = append(p, "inactive")
	}
	if rng.IntN(5) > 0 {
		p = append(p, "executing")
	}
	if rng.IntN(4) == 0 {
		return append(p, "error")
	}
	return append(p, "completed")
}

// drive plays every job's path concurrently, with per-node progress, as the job operator would.
func drive(ctx context.Context, kc client.Client, s *sample) error {
	var wg sync.WaitGroup
	errs := make(chan error, len(s.jobs))
	for i, j := range s.jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for step, state := range j.path {
				time.Sleep(time.Duration(20+(i*7+step*13)%60) * time.Millisecond) // the operator's pace
				if err := setState(ctx, kc, j.aj, state, step); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func setState(ctx context.Context, kc client.Client, aj *agentjobv1.AgentJob, state string, step int) error {
	for attempt := 0; attempt < 20; attempt++ {
		var cur agentjobv1.AgentJob
		if err := kc.Get(ctx, client.ObjectKeyFromObject(aj), &cur); err != nil {
			return err
		}
		cur.Status.State = state
		now := time.Now().UTC().Format(time.RFC3339Nano)
		cur.Status.Nodes = []agentjobv1.NodeStatus{{Alias: "plan", Status: "completed", LastUpdated: now}}
		if step > 0 {
			cur.Status.Nodes = append(cur.Status.Nodes, agentjobv1.NodeStatus{Alias: "act", Status: state, LastUpdated: now})
		}
		if err := kc.Status().Update(ctx, &cur); err == nil {
			*aj = cur
			return nil
		}
	}
	return fmt.Errorf("could not update %s", aj.Name)
}

// waitInSync polls until every job's entry matches its resource or the time is up, and returns
// how many match.
func waitInSync(ctx context.Context, kc client.Client, users *mongo.Collection, s *sample, within time.Duration) (int, error) {
	deadline := time.Now().Add(within)
	for {
		n, err := countInSync(ctx, kc, users, s)
		if err != nil || n == len(s.jobs) || time.Now().After(deadline) {
			return n, err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func countInSync(ctx context.Context, kc client.Client, users *mongo.Collection, s *sample) (int, error) {
	docs, err := jobsByUser(ctx, users)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, j := range s.jobs {
		var cur agentjobv1.AgentJob
		if err := kc.Get(ctx, client.ObjectKeyFromObject(j.aj), &cur); err != nil {
			return 0, err
		}
		want, _ := grains.ParseState(cur.Status.State)
		if es := filterID(docs[cur.Spec.User], string(cur.UID)); len(es) == 1 && es[0]["status"] == string(want) {
			n++
		}
	}
	return n, nil
}

func filterID(entries []map[string]any, id string) []map[string]any {
	var out []map[string]any
	for _, e := range entries {
		if e["id"] == id {
			out = append(out, e)
		}
	}
	return out
}

func jobsByUser(ctx context.Context, users *mongo.Collection) (map[string][]map[string]any, error) {
	cur, err := users.Find(ctx, bson.D{})
	if err != nil {
		return nil, err
	}
	var docs []struct {
		ID   string   `bson:"id"`
		Jobs []bson.M `bson:"jobs"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	out := map[string][]map[string]any{}
	for _, d := range docs {
		for _, j := range d.Jobs {
			out[d.ID] = append(out[d.ID], j)
		}
	}
	return out, nil
}

// show prints each user's jobs array as the front end would read it.
func show(ctx context.Context, users *mongo.Collection, s *sample, say func(string, ...any)) error {
	docs, err := jobsByUser(ctx, users)
	if err != nil {
		return err
	}
	for i, u := range s.users {
		entries := docs[u]
		sort.Slice(entries, func(a, b int) bool { return fmt.Sprint(entries[a]["job_name"]) < fmt.Sprint(entries[b]["job_name"]) })
		say("user %d (%s): %d entries", i+1, u, len(entries))
		for _, e := range entries {
			say("  %-14v %-10v nodes=%d  id=%v", e["job_name"], e["status"], len(asSlice(e["nodes"])), e["id"])
		}
	}
	return nil
}

func asSlice(v any) []any {
	a, _ := v.(bson.A)
	return a
}
