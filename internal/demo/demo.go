// Package demo runs the service's main job on one machine: a real control plane, the embedded
// database and sample AgentJobs driven through their states, for people to watch and poke at.
package demo

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"

	agentjobv1 "github.com/erulabs/agentjob-sync/api/v1"
	"github.com/erulabs/agentjob-sync/internal/dashboard"
	"github.com/erulabs/agentjob-sync/internal/localenv"
	"github.com/erulabs/agentjob-sync/internal/metrics"
	"github.com/erulabs/agentjob-sync/internal/watchhost"
	"github.com/erulabs/agentjob-sync/internal/web"
)

// Namespace is where the platform runs its AgentJobs.
const Namespace = "ea-platform"

// Options configures a demo run.
type Options struct {
	// Dir holds the database files and the kubeconfig; recreated on each run.
	Dir string
	// Users and JobsPerUser size the sample; Silos is the cluster size.
	Users, JobsPerUser, Silos int
	// DashboardAddr is where the dashboard listens; default 127.0.0.1:8080.
	DashboardAddr string
	// Check runs non-interactively: wait for convergence, print the summary line, return.
	Check bool
	// Log receives the service's logs (warnings and errors by default).
	Log *slog.Logger
}

// Run starts everything, drives the sample and shows the users' documents converging; it keeps
// running until ctx ends, or returns once converged in Check mode.
func Run(ctx context.Context, out io.Writer, opts Options) error {
	if opts.Users == 0 {
		opts.Users = 4
	}
	if opts.JobsPerUser == 0 {
		opts.JobsPerUser = 5
	}
	if opts.Silos == 0 {
		opts.Silos = 3
	}
	if opts.DashboardAddr == "" {
		opts.DashboardAddr = "127.0.0.1:8080"
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	}
	if err := os.RemoveAll(opts.Dir); err != nil {
		return err
	}
	began := time.Now()
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

	say("starting %d silos ...", opts.Silos)
	silos, err := localenv.StartSilos(opts.Silos, mc, opts.Log, nil)
	defer func() {
		for _, s := range silos {
			s.Stop(true)
		}
	}()
	if err != nil {
		return err
	}
	for _, s := range silos {
		say("  silo %s", s.Address())
	}
	dash, err := web.New(opts.DashboardAddr, silos[0].Deps.Metrics.Registry)
	if err != nil {
		return fmt.Errorf("dashboard listen on %s: %w", opts.DashboardAddr, err)
	}
	dash.Handle("/dashboard/", dashboard.Handler(silos[0], ""))
	dash.Start()
	defer func() { _ = dash.Shutdown(context.Background()) }()
	say("  dashboard http://%s/dashboard/ (metrics at /metrics)", dash.Addr())

	say("starting the watch host (namespace %s, finalizer on) ...", Namespace)
	wh, err := watchhost.New(cp.Config, watchhost.Config{Namespaces: []string{Namespace}, Finalizer: true, Log: opts.Log}, silos[0], metrics.New())
	if err != nil {
		return err
	}
	whCtx, stopWatch := context.WithCancel(ctx)
	whDone := make(chan error, 1)
	go func() { whDone <- wh.Run(whCtx) }()
	defer func() { stopWatch(); <-whDone }()

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
	sample, err := createSample(ctx, kc, users, opts, say)
	if err != nil {
		return err
	}
	say("driving the AgentJobs through their states (random paths, some skip states, some fail) ...")
	if err := drive(ctx, kc, sample); err != nil {
		return err
	}
	say("waiting for every user's jobs array to match the resources ...")
	inSync, err := waitInSync(ctx, kc, users, sample, 90*time.Second)
	if err != nil {
		return err
	}
	if !opts.Check {
		if err := show(ctx, users, sample, say); err != nil {
			return err
		}
		say("")
		say("the production processes are `agentjob-sync silo`, `watchhost` and `all-in-one`; this demo runs their parts in one process.")
		say("inspect:  KUBECONFIG=%s (any client-go tool), mongosh %s", kubeconfig, db.URI())
		say("running; Ctrl-C stops the silos, the watch host, the control plane and the database.")
		<-ctx.Done()
		return nil
	}
	total := len(sample.jobs)
	say("demo-check: %d jobs, %d users, in sync %d/%d, %.1fs", total, opts.Users, inSync, total, time.Since(began).Seconds())
	if inSync != total {
		return fmt.Errorf("%d of %d jobs not in sync", total-inSync, total)
	}
	return nil
}
