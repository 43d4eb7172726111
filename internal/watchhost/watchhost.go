package watchhost

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/go-logr/logr"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	agentjobv1 "github.com/erulabs/agentjob-sync/api/v1"
	"github.com/erulabs/agentjob-sync/internal/metrics"
)

// WatchHost is a running (or runnable) watch host.
type WatchHost struct {
	mgr ctrl.Manager
	rec *Reconciler
}

// New builds a watch host on the API server at restCfg. Start it with Run.
func New(restCfg *rest.Config, cfg Config, router Router, m *metrics.Metrics) (*WatchHost, error) {
	cfg.Defaults()
	setLoggerOnce.Do(func() {
		l := cfg.Log
		if l == nil {
			l = slog.Default()
		}
		ctrllog.SetLogger(logr.FromSlogHandler(l.Handler()))
	})
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, err
	}
	if err := agentjobv1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	cacheOpts := cache.Options{
		SyncPeriod: &cfg.ResyncPeriod,
		ByObject:   map[client.Object]cache.ByObject{&agentjobv1.AgentJob{}: {Transform: stripUnused}},
	}
	if len(cfg.Namespaces) > 0 {
		cacheOpts.DefaultNamespaces = map[string]cache.Config{}
		for _, ns := range cfg.Namespaces {
			cacheOpts.DefaultNamespaces[ns] = cache.Config{}
		}
	}
	mgr, err := ctrl.NewManager(restCfg, ctrl.Options{
		Scheme:                        scheme,
		Cache:                         cacheOpts,
		Metrics:                       metricsserver.Options{BindAddress: "0"}, // served with ours on PORT
		HealthProbeBindAddress:        "0",
		LeaderElection:                cfg.LeaderElection,
		LeaderElectionID:              cfg.LeaseName,
		LeaderElectionNamespace:       cfg.LeaseNamespace,
		LeaderElectionReleaseOnCancel: true,
		LeaseDuration:                 &cfg.LeaseDuration,
		RenewDeadline:                 &cfg.RenewDeadline,
		RetryPeriod:                   &cfg.RetryPeriod,
		GracefulShutdownTimeout:       ptr(20 * time.Second),
	})
	if err != nil {
		return nil, fmt.Errorf("watch host: %w", err)
	}
	rec := &Reconciler{
		Client: mgr.GetClient(), Router: router, Metrics: m, Config: cfg,
		Recorder: mgr.GetEventRecorder(FieldManager),
	}
	c, err := controller.New("agentjob", mgr, controller.Options{
		Reconciler:              rec,
		MaxConcurrentReconciles: cfg.Workers,
		// Several watch hosts may share a process (tests, all-in-one with standbys).
		SkipNameValidation: ptr(true),
		RateLimiter: workqueue.NewTypedMaxOfRateLimiter(
			workqueue.NewTypedItemExponentialFailureRateLimiter[reconcile.Request](cfg.MinBackoff, cfg.MaxBackoff),
		),
	})
	if err != nil {
		return nil, fmt.Errorf("watch host: %w", err)
	}
	if err := c.Watch(source.Kind(mgr.GetCache(), client.Object(&agentjobv1.AgentJob{}), rec.eventHandler())); err != nil {
		return nil, fmt.Errorf("watch host: %w", err)
	}
	return &WatchHost{mgr: mgr, rec: rec}, nil
}

// Run routes events until ctx ends (or leadership is lost), then releases the lease.
func (w *WatchHost) Run(ctx context.Context) error { return w.mgr.Start(ctx) }

// Synced reports whether the AgentJob informer has listed everything once.
func (w *WatchHost) Synced(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	return w.mgr.GetCache().WaitForCacheSync(ctx)
}

// Elected is closed once this instance leads (immediately without leader election).
func (w *WatchHost) Elected() <-chan struct{} { return w.mgr.Elected() }

// stripUnused drops what the service never reads from the cache, to keep memory per job small:
// the workflow definition (spec.nodes, spec.edges) and managed fields. status.nodes stays: it is
// mirrored into the entry.
func stripUnused(obj any) (any, error) {
	if aj, ok := obj.(*agentjobv1.AgentJob); ok {
		aj.Spec.Nodes, aj.Spec.Edges, aj.ManagedFields = nil, nil, nil
	}
	return obj, nil
}

func ptr[T any](v T) *T { return &v }

// controller-runtime's logger is process-global; the first watch host sets it.
var setLoggerOnce sync.Once
