package watchhost

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.mongodb.org/mongo-driver/v2/bson"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	agentjobv1 "github.com/erulabs/agentjob-sync/api/v1"
	"github.com/erulabs/agentjob-sync/internal/watchhost"
	"github.com/erulabs/agentjob-sync/tests/harness"
)

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// warned reports whether a WARN line names uid.
func (s *syncBuffer) warned(uid string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, line := range strings.Split(s.b.String(), "\n") {
		var l map[string]any
		if json.Unmarshal([]byte(line), &l) == nil && l["level"] == "WARN" && l["uid"] == uid {
			return true
		}
	}
	return false
}

// badCase is one malformed input: how to make it and what the resource and document must show.
type badCase struct {
	name string
	// setup creates the job (and whatever data it needs) and returns it.
	setup func(e *env) *agentjobv1.AgentJob
	// reason is the UserRecordSynced reason the job must end with.
	reason string
	// entry, if set, checks the job's entries once the reason shows.
	entry func(t *testing.T, es []map[string]any)
	// warns: the failure is logged at WARN with the job's uid.
	warns bool
}

func oneEntry(status string, check ...func(map[string]any) error) func(*testing.T, []map[string]any) {
	return func(t *testing.T, es []map[string]any) {
		t.Helper()
		if len(es) != 1 || es[0]["status"] != status {
			t.Errorf("entries %v, want one %s", es, status)
			return
		}
		for _, c := range check {
			if err := c(es[0]); err != nil {
				t.Error(err)
			}
		}
	}
}

func seedUserDoc(e *env, doc bson.D) string {
	id := uuid.NewString()
	if _, err := e.mongo.Users().InsertOne(context.Background(), append(bson.D{{Key: "id", Value: id}}, doc...)); err != nil {
		e.t.Fatal(err)
	}
	return id
}

func withState(e *env, name, owner, state string, nodes ...agentjobv1.NodeStatus) *agentjobv1.AgentJob {
	aj := e.create(name, owner)
	if state != "" || nodes != nil {
		e.setState(aj, state, nodes...)
	}
	return aj
}

func manyNodes(n int, output string) []agentjobv1.NodeStatus {
	nodes := make([]agentjobv1.NodeStatus, n)
	for i := range nodes {
		nodes[i] = agentjobv1.NodeStatus{Alias: fmt.Sprintf("n%05d", i), Status: "completed", LastUpdated: "2025-01-01T00:00:00Z"}
		if output != "" {
			nodes[i].Output = &apiextensionsv1.JSON{Raw: []byte(output)}
		}
	}
	return nodes
}

func badCases(longNS string) []badCase {
	valid := func(e *env) string { return e.mongo.SeedUser(e.t) }
	return []badCase{
		{name: "owner-empty", setup: func(e *env) *agentjobv1.AgentJob { return e.create("owner-empty", "") }, reason: "InvalidSpec", warns: true},
		{name: "owner-not-uuid", setup: func(e *env) *agentjobv1.AgentJob { return e.create("owner-not-uuid", "alice") }, reason: "InvalidSpec", warns: true},
		{name: "owner-no-dashes", setup: func(e *env) *agentjobv1.AgentJob {
			return e.create("owner-no-dashes", strings.ReplaceAll(uuid.NewString(), "-", ""))
		}, reason: "InvalidSpec", warns: true},
		{name: "owner-braces", setup: func(e *env) *agentjobv1.AgentJob { return e.create("owner-braces", "{"+uuid.NewString()+"}") }, reason: "InvalidSpec", warns: true},
		{name: "owner-too-long", setup: func(e *env) *agentjobv1.AgentJob { return e.create("owner-too-long", strings.Repeat("a", 300)) }, reason: "InvalidSpec", warns: true},
		{name: "owner-padded", setup: func(e *env) *agentjobv1.AgentJob { return e.create("owner-padded", " "+valid(e)) }, reason: "InvalidSpec", warns: true},
		{name: "owner-uppercase", setup: func(e *env) *agentjobv1.AgentJob {
			id := strings.ToUpper(uuid.NewString())
			if _, err := e.mongo.Users().InsertOne(context.Background(), bson.D{{Key: "id", Value: id}, {Key: "jobs", Value: bson.A{}}}); err != nil {
				e.t.Fatal(err)
			}
			return e.create("owner-uppercase", id)
		}, reason: "Synced", entry: oneEntry("New")},
		{name: "owner-without-document", setup: func(e *env) *agentjobv1.AgentJob { return e.create("owner-without-document", uuid.NewString()) }, reason: "UserNotFound", warns: true},
		{name: "state-unknown", setup: func(e *env) *agentjobv1.AgentJob { return withState(e, "state-unknown", valid(e), "paused") }, reason: "InvalidSpec", warns: true},
		{name: "state-typo", setup: func(e *env) *agentjobv1.AgentJob { return withState(e, "state-typo", valid(e), "completedd") }, reason: "InvalidSpec", warns: true},
		{name: "state-odd-case", setup: func(e *env) *agentjobv1.AgentJob { return withState(e, "state-odd-case", valid(e), "CoMpLeTeD") }, reason: "Synced", entry: oneEntry("Complete")},
		{name: "state-running", setup: func(e *env) *agentjobv1.AgentJob { return withState(e, "state-running", valid(e), "Running") }, reason: "Synced", entry: oneEntry("Executing")},
		{name: "state-succeeded", setup: func(e *env) *agentjobv1.AgentJob { return withState(e, "state-succeeded", valid(e), "SUCCEEDED") }, reason: "Synced", entry: oneEntry("Complete")},
		{name: "state-failed", setup: func(e *env) *agentjobv1.AgentJob { return withState(e, "state-failed", valid(e), "Failed") }, reason: "Synced", entry: oneEntry("Error")},
		{name: "state-padded", setup: func(e *env) *agentjobv1.AgentJob { return withState(e, "state-padded", valid(e), "  executing ") }, reason: "Synced", entry: oneEntry("Executing")},
		{name: "nodes-huge-outputs", setup: func(e *env) *agentjobv1.AgentJob {
			return withState(e, "nodes-huge-outputs", valid(e), "executing", manyNodes(2000, `{"text":"`+strings.Repeat("x", 100)+`"}`)...)
		}, reason: "Synced", entry: oneEntry("Executing", func(en map[string]any) error {
			nodes := harness.Array(en["nodes"])
			if len(nodes) != 2000 || harness.Doc(nodes[0])["output"] != nil {
				return fmt.Errorf("%d nodes, first %v: want 2000 without outputs", len(nodes), harness.Doc(nodes[0]))
			}
			return nil
		})},
		{name: "nodes-too-many", setup: func(e *env) *agentjobv1.AgentJob {
			return withState(e, "nodes-too-many", valid(e), "executing", manyNodes(8000, "")...)
		}, reason: "EntryTooLarge", warns: true},
		{name: "jobs-string", setup: func(e *env) *agentjobv1.AgentJob {
			return e.create("jobs-string", seedUserDoc(e, bson.D{{Key: "jobs", Value: "oops"}}))
		}, reason: "UserRecordInvalid", warns: true},
		{name: "jobs-object", setup: func(e *env) *agentjobv1.AgentJob {
			return e.create("jobs-object", seedUserDoc(e, bson.D{{Key: "jobs", Value: bson.D{{Key: "a", Value: 1}}}}))
		}, reason: "UserRecordInvalid", warns: true},
		{name: "jobs-null", setup: func(e *env) *agentjobv1.AgentJob {
			return e.create("jobs-null", seedUserDoc(e, bson.D{{Key: "jobs", Value: nil}}))
		}, reason: "UserRecordInvalid", warns: true},
		{name: "jobs-missing", setup: func(e *env) *agentjobv1.AgentJob {
			return e.create("jobs-missing", seedUserDoc(e, bson.D{{Key: "name", Value: "no jobs yet"}}))
		}, reason: "Synced", entry: oneEntry("New")},
		{name: "duplicate-entries", setup: func(e *env) *agentjobv1.AgentJob {
			// The owner's document appears only after the job exists, holding three copies of its
			// entry as an earlier operator could leave them.
			owner := uuid.NewString()
			aj := e.create("duplicate-entries", owner)
			e.waitCondition(aj, "UserNotFound")
			legacy := bson.D{{Key: "id", Value: string(aj.UID)}, {Key: "job_name", Value: aj.Name}, {Key: "status", Value: "Pending"}}
			if _, err := e.mongo.Users().InsertOne(context.Background(), bson.D{{Key: "id", Value: owner},
				{Key: "jobs", Value: bson.A{legacy, bson.D{{Key: "id", Value: "someone-else"}}, legacy, legacy}}}); err != nil {
				e.t.Fatal(err)
			}
			e.setState(aj, "executing")
			return aj
		}, reason: "Synced", entry: oneEntry("Executing")},
		{name: "name-at-limit", setup: func(e *env) *agentjobv1.AgentJob { return e.create(strings.Repeat("n", 253), valid(e)) }, reason: "Synced",
			entry: oneEntry("New", func(en map[string]any) error {
				if len(fmt.Sprint(en["job_name"])) != 253 {
					return fmt.Errorf("job_name %q", en["job_name"])
				}
				return nil
			})},
		{name: "namespace-at-limit", setup: func(e *env) *agentjobv1.AgentJob {
			aj := harness.NewAgentJob(longNS, "in-long-namespace", valid(e))
			if err := e.kube.Client.Create(context.Background(), aj); err != nil {
				e.t.Fatal(err)
			}
			return aj
		}, reason: "Synced", entry: oneEntry("New")},
		{name: "output-any-json", setup: func(e *env) *agentjobv1.AgentJob {
			return withState(e, "output-any-json", valid(e), "executing",
				agentjobv1.NodeStatus{Alias: "num", Status: "done", Output: &apiextensionsv1.JSON{Raw: []byte(`42`)}},
				agentjobv1.NodeStatus{Alias: "arr", Status: "done", Output: &apiextensionsv1.JSON{Raw: []byte(`[1,"two",null]`)}},
				agentjobv1.NodeStatus{Alias: "nil", Status: "done", Output: &apiextensionsv1.JSON{Raw: []byte(`null`)}})
		}, reason: "Synced", entry: oneEntry("Executing")},
	}
}

// The bad-input suite: every malformed case ends with the right condition, a WARN log line and a
// metric; the good job beside them syncs as usual. Pre-existing duplicate entries are reduced to
// one (the first); node outputs too large for an entry are left out, nodes that still do not fit
// are reported.
func TestBadInputSuite(t *testing.T) {
	logs := &syncBuffer{}
	longNS := strings.Repeat("l", 55) + uuid.NewString()[:8]
	k := harness.SharedKube(t)
	if err := k.Client.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: longNS}}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	// Its own database: the huge entries it makes would slow every other test's queries.
	m, err := harness.NewMongo(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Stop() })
	e := newEnv(t, envOptions{mongo: m, cfg: watchhost.Config{Finalizer: true}, extraNamespaces: []string{longNS},
		log: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	good := e.create("good", e.mongo.SeedUser(t))

	// A missing owner never reaches us: the API server rejects it, so nothing is lost silently.
	noUser := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "ea.erulabs.ai/v1", "kind": "AgentJob",
		"metadata": map[string]any{"name": "owner-missing", "namespace": e.ns},
		"spec":     map[string]any{"agentID": "a", "name": "no owner"},
	}}
	if err := e.kube.Client.Create(context.Background(), noUser); !apierrors.IsInvalid(err) {
		t.Errorf("an AgentJob without spec.user: %v, want Invalid", err)
	}

	cases := badCases(longNS)
	jobs := make([]*agentjobv1.AgentJob, len(cases))
	for i, c := range cases {
		jobs[i] = c.setup(e)
	}
	e.setState(good, "completed")
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cur := e.waitCondition(jobs[i], c.reason)
			if c.entry != nil {
				c.entry(t, e.entries(cur.Spec.User, string(cur.UID)))
			}
			if c.warns && !logs.warned(string(cur.UID)) {
				t.Errorf("no WARN log line for %s", cur.UID)
			}
		})
	}
	e.waitEntry(good, "Complete")
	e.waitCondition(good, "Synced")

	errs := map[string]float64{}
	for _, s := range e.cluster.Members() {
		for _, reason := range []string{"invalid_owner", "unknown_state", "user_not_found", "jobs_not_array", "entry_too_large", "duplicate_entries_removed"} {
			errs[reason] += testutil.ToFloat64(s.Deps.Metrics.Errors.WithLabelValues(reason))
		}
	}
	// duplicate_entries_removed counts acknowledged removals: a removal whose reply timed out is
	// done but not counted, so only "at least one" is certain; the exactly-one-entry check above
	// is the invariant.
	for reason, atLeast := range map[string]float64{"invalid_owner": 6, "unknown_state": 2, "user_not_found": 2, "jobs_not_array": 3, "entry_too_large": 1, "duplicate_entries_removed": 1} {
		if errs[reason] < atLeast {
			t.Errorf("errors_total{reason=%q} = %v, want at least %v", reason, errs[reason], atLeast)
		}
	}
	if errs["duplicate_entries_removed"] > 2 {
		t.Errorf("counted %v removed duplicates, but there were only 2", errs["duplicate_entries_removed"])
	}
	if len(cases) < 20 {
		t.Errorf("only %d bad-input cases", len(cases))
	}
}
