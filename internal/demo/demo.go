// Package demo runs the service's main job on one machine: a real control plane, the embedded
// database and sample AgentJobs driven through their states, for people to watch and poke at.
package demo

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"

	agentjobv1 "github.com/erulabs/agentjob-sync/api/v1"
	"github.com/erulabs/agentjob-sync/internal/localenv"
)

// Namespace is where the platform runs its AgentJobs.
const Namespace = "ea-platform"

// Options configures a demo run.
type Options struct {
	// Dir holds the database files and the kubeconfig; recreated on each run.
	Dir string
	// Users and JobsPerUser size the sample.
	Users, JobsPerUser int
}

// Run starts everything, drives the sample and then keeps running until ctx ends.
func Run(ctx context.Context, out io.Writer, opts Options) error {
	if opts.Users == 0 {
		opts.Users = 3
	}
	if opts.JobsPerUser == 0 {
		opts.JobsPerUser = 2
	}
	if err := os.RemoveAll(opts.Dir); err != nil {
		return err
	}
	say := func(format string, args ...any) { fmt.Fprintf(out, format+"\n", args...) }

	say("starting kube-apiserver and etcd ...")
	cp, err := localenv.StartControlPlane(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = cp.Stop() }()
	if err := os.MkdirAll(opts.Dir, 0o750); err != nil {
		return err
	}
	kubeconfig := filepath.Join(opts.Dir, "kubeconfig")
	if err := cp.KubeconfigFile(kubeconfig); err != nil {
		return err
	}
	say("  API server %s, CRD agentjobs.ea.erulabs.ai installed, kubeconfig %s", cp.Config.Host, kubeconfig)

	say("starting the embedded MongoDB-wire server (FerretDB, SQLite in %s) ...", filepath.Join(opts.Dir, "db"))
	db, err := localenv.StartDatabase(filepath.Join(opts.Dir, "db"))
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }()
	mc, err := localenv.Connect(ctx, db.URI())
	if err != nil {
		return err
	}
	defer func() { _ = mc.Disconnect(context.Background()) }()
	say("  DB_URL=%s", db.URI())

	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = agentjobv1.AddToScheme(scheme)
	kc, err := client.New(cp.Config, client.Options{Scheme: scheme})
	if err != nil {
		return err
	}
	if err := kc.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: Namespace}}); err != nil {
		return err
	}

	users := mc.Database("ainuUsers").Collection("users")
	var jobs []*agentjobv1.AgentJob
	for u := 0; u < opts.Users; u++ {
		id := uuid.NewString()
		if _, err := users.InsertOne(ctx, bson.D{
			{Key: "id", Value: id}, {Key: "name", Value: fmt.Sprintf("demo user %d", u+1)},
			{Key: "compute_credits", Value: int64(100)}, {Key: "compute_devices", Value: bson.A{}},
			{Key: "created_time", Value: time.Now().UTC()}, {Key: "jobs", Value: bson.A{}},
		}); err != nil {
			return err
		}
		for j := 0; j < opts.JobsPerUser; j++ {
			aj := &agentjobv1.AgentJob{
				ObjectMeta: metav1.ObjectMeta{Namespace: Namespace, Name: fmt.Sprintf("demo-u%d-j%d", u+1, j+1)},
				Spec:       agentjobv1.AgentJobSpec{AgentID: uuid.NewString(), Name: fmt.Sprintf("Demo job %d", j+1), User: id, Creator: id},
			}
			if err := kc.Create(ctx, aj); err != nil {
				return err
			}
			jobs = append(jobs, aj)
		}
		say("  user %s (demo user %d) with %d AgentJobs", id, u+1, opts.JobsPerUser)
	}

	say("driving the AgentJobs through inactive -> executing -> completed/error, as the job operator would ...")
	for _, state := range []string{"inactive", "executing", "final"} {
		for i, aj := range jobs {
			s := state
			if s == "final" {
				s = "completed"
				if i%3 == 2 {
					s = "error"
				}
			}
			aj.Status.State = s
			if err := kc.Status().Update(ctx, aj); err != nil {
				return err
			}
		}
		say("  all %d jobs now %s", len(jobs), state)
	}

	say("")
	say("not wired yet: the grains, the watch host and the dashboard. The users' jobs arrays stay empty until they are.")
	say("inspect:  KUBECONFIG=%s (any client-go tool), mongosh %s", kubeconfig, db.URI())
	say("running; Ctrl-C stops the control plane and the database.")
	<-ctx.Done()
	return nil
}
