// Package watchhost tests the whole path on the real API server and the embedded database: status
// changes on AgentJobs → watch host → grains on a test cluster → the owners' documents.
package watchhost

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	agentjobv1 "github.com/erulabs/agentjob-sync/api/v1"
	"github.com/erulabs/agentjob-sync/internal/grains"
	"github.com/erulabs/agentjob-sync/internal/metrics"
	"github.com/erulabs/agentjob-sync/internal/watchhost"
	"github.com/erulabs/agentjob-sync/tests/harness"
	"github.com/erulabs/agentjob-sync/tests/testcluster"
)

func TestMain(m *testing.M) { harness.Main(m) }

// env is one test's system: its namespace, a test cluster and a running watch host.
type env struct {
	t       *testing.T
	kube    *harness.Kube
	mongo   *harness.Mongo
	cluster *testcluster.Cluster
	ns      string
	cfg     watchhost.Config
	router  watchhost.Router
	stop    context.CancelFunc
	done    chan error
}

type envOptions struct {
	flags *grains.Flags
	mongo *harness.Mongo
	cfg   watchhost.Config
	log   *slog.Logger
	// extraNamespaces are watched besides the test's own.
	extraNamespaces []string
	// viaClient routes through a cluster client instead of the first member, so members may die.
	viaClient bool
}

func newEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	k := harness.SharedKube(t)
	m := o.mongo
	if m == nil {
		m = harness.SharedMongo(t)
	}
	e := &env{t: t, kube: k, mongo: m, ns: k.Namespace(t)}
	e.cluster = testcluster.New(t, m, 2, testcluster.Options{Flags: o.flags, Log: o.log,
		Retry: grains.RetryPolicy{Initial: 20 * time.Millisecond, Max: 200 * time.Millisecond, Budget: 500 * time.Millisecond}})
	e.router = e.cluster.Members()[0]
	if o.viaClient {
		e.router = e.cluster.Client()
	}
	e.cfg = o.cfg
	e.cfg.Namespaces = append([]string{e.ns}, o.extraNamespaces...)
	if e.cfg.LeaderElection && e.cfg.LeaseNamespace == "" {
		e.cfg.LeaseNamespace = e.ns
	}
	e.cfg.Log = slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	if e.cfg.MaxBackoff == 0 {
		e.cfg.MaxBackoff = 2 * time.Second
	}
	e.startWatchHost()
	t.Cleanup(e.stopWatchHost)
	return e
}

func (e *env) startWatchHost() {
	e.t.Helper()
	wh, err := watchhost.New(e.kube.Config, e.cfg, e.router, metrics.New())
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	e.stop, e.done = cancel, make(chan error, 1)
	go func() { e.done <- wh.Run(ctx) }()
}

func (e *env) stopWatchHost() {
	if e.stop == nil {
		return
	}
	e.stop()
	if err := <-e.done; err != nil {
		e.t.Errorf("watch host: %v", err)
	}
	e.stop = nil
}

func (e *env) create(name, owner string) *agentjobv1.AgentJob {
	e.t.Helper()
	aj := harness.NewAgentJob(e.ns, name, owner)
	if err := e.kube.Client.Create(context.Background(), aj); err != nil {
		e.t.Fatalf("create %s: %v", name, err)
	}
	return aj
}

// setState writes status.state (and optionally nodes) as the job operator does, retrying conflicts.
func (e *env) setState(aj *agentjobv1.AgentJob, state string, nodes ...agentjobv1.NodeStatus) {
	e.t.Helper()
	ctx := context.Background()
	for attempt := 0; ; attempt++ {
		var cur agentjobv1.AgentJob
		if err := e.kube.Client.Get(ctx, client.ObjectKeyFromObject(aj), &cur); err != nil {
			e.t.Fatalf("get %s: %v", aj.Name, err)
		}
		cur.Status.State = state
		if nodes != nil {
			cur.Status.Nodes = nodes
		}
		err := e.kube.Client.Status().Update(ctx, &cur)
		if err == nil {
			*aj = cur
			return
		}
		if attempt > 20 {
			e.t.Fatalf("set state of %s: %v", aj.Name, err)
		}
	}
}

func (e *env) get(aj *agentjobv1.AgentJob) (*agentjobv1.AgentJob, error) {
	var cur agentjobv1.AgentJob
	err := e.kube.Client.Get(context.Background(), client.ObjectKeyFromObject(aj), &cur)
	return &cur, err
}

// entry returns the job's entries in its owner's document.
func (e *env) entries(owner, uid string) []map[string]any {
	var out []map[string]any
	for _, j := range harness.Array(e.mongo.UserDoc(e.t, owner)["jobs"]) {
		if m := harness.Doc(j); m["id"] == uid {
			out = append(out, m)
		}
	}
	return out
}

// waitEntry waits until the job has exactly one entry with status want.
func (e *env) waitEntry(aj *agentjobv1.AgentJob, want string) map[string]any {
	e.t.Helper()
	var got map[string]any
	harness.Eventually(e.t, 60*time.Second, func() error {
		es := e.entries(aj.Spec.User, string(aj.UID))
		if len(es) != 1 || es[0]["status"] != want {
			return fmt.Errorf("%s: entries %v, want one %s", aj.Name, es, want)
		}
		got = es[0]
		return nil
	})
	return got
}

// waitCondition waits until the job's UserRecordSynced condition has reason.
func (e *env) waitCondition(aj *agentjobv1.AgentJob, reason string) *agentjobv1.AgentJob {
	e.t.Helper()
	var cur *agentjobv1.AgentJob
	harness.Eventually(e.t, 60*time.Second, func() error {
		var err error
		cur, err = e.get(aj)
		if err != nil {
			return err
		}
		c := meta.FindStatusCondition(cur.Status.Conditions, watchhost.ConditionType)
		if c == nil || c.Reason != reason {
			return fmt.Errorf("%s: condition %+v, want reason %s", aj.Name, c, reason)
		}
		return nil
	})
	return cur
}

func newCluster(t *testing.T, m *harness.Mongo) *testcluster.Cluster {
	return testcluster.New(t, m, 2, testcluster.Options{
		Retry: grains.RetryPolicy{Initial: 20 * time.Millisecond, Max: 200 * time.Millisecond, Budget: 500 * time.Millisecond}})
}
