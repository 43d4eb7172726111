// Package service assembles the production processes from the packages: a silo hosting grains, a
// watch host routing events to them, or both in one process; with the HTTP endpoints, structured
// logs and an orderly stop on SIGTERM.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"time"

	"github.com/asynkron/protoactor-go/cluster"
	k8sprovider "github.com/asynkron/protoactor-go/cluster/clusterproviders/k8s"
	"github.com/asynkron/protoactor-go/cluster/clusterproviders/test"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/erulabs/agentjob-sync/internal/config"
	"github.com/erulabs/agentjob-sync/internal/dashboard"
	"github.com/erulabs/agentjob-sync/internal/embeddeddb"
	"github.com/erulabs/agentjob-sync/internal/grains"
	"github.com/erulabs/agentjob-sync/internal/localenv"
	"github.com/erulabs/agentjob-sync/internal/metrics"
	"github.com/erulabs/agentjob-sync/internal/silo"
	"github.com/erulabs/agentjob-sync/internal/store"
	"github.com/erulabs/agentjob-sync/internal/watchhost"
	"github.com/erulabs/agentjob-sync/internal/web"
)

// Role is what a process runs.
type Role string

// The roles of the binary's subcommands.
const (
	RoleSilo      Role = "silo"
	RoleWatchHost Role = "watchhost"
	RoleAllInOne  Role = "all-in-one"
)

func (r Role) hostsGrains() bool { return r == RoleSilo || r == RoleAllInOne }
func (r Role) watches() bool     { return r == RoleWatchHost || r == RoleAllInOne }

// Run runs role until ctx ends (SIGTERM), then stops in order: readiness goes false, the watch host
// finishes in-flight work and releases its Lease, the silo leaves the cluster so its grains move,
// the database closes, the HTTP server stops.
func Run(ctx context.Context, role Role, cfg *config.Config, log *slog.Logger) error {
	if role == RoleWatchHost && cfg.ClusterProvider == "local" {
		return errors.New("CLUSTER_PROVIDER=local only works when grains run in the same process (all-in-one)")
	}
	log.Info("starting", "role", role, "config", cfg)
	m := metrics.New()
	srv, err := web.New(":"+strconv.Itoa(cfg.Port), m.Registry)
	if err != nil {
		return fmt.Errorf("listen on PORT %d: %w", cfg.Port, err)
	}
	srv.Start()
	var stops []func(context.Context) error // run in reverse on the way out
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
		defer cancel()
		srv.Draining()
		for i := len(stops) - 1; i >= 0; i-- {
			if err := stops[i](sctx); err != nil {
				log.Error("stop", "err", err)
			}
		}
		if err := srv.Shutdown(sctx); err != nil {
			log.Error("stop HTTP server", "err", err)
		}
		log.Info("stopped", "role", role)
	}()

	restCfg, err := ctrl.GetConfig()
	if err != nil && (role.watches() || cfg.ClusterProvider == "kubernetes") {
		return fmt.Errorf("kubernetes configuration (in-cluster or KUBECONFIG): %w", err)
	}

	var deps *grains.Deps
	if role.hostsGrains() {
		db, stop, err := openDatabase(ctx, cfg, log)
		if err != nil {
			return err
		}
		stops = append(stops, stop)
		srv.AddCheck("database", func(ctx context.Context) error { return db.Ping(ctx, readpref.Primary()) })
		deps = &grains.Deps{
			Store: store.New(db, store.Options{Observe: func(op string, took time.Duration, err error) {
				m.DBTime.WithLabelValues(op).Observe(took.Seconds())
			}}),
			Flags: cfg.Flags, Metrics: m, Log: log,
			Retry: grains.RetryPolicy{Initial: 50 * time.Millisecond, Max: time.Second, Budget: cfg.RetryBudget},
		}
	}
	provider, err := clusterProvider(cfg, restCfg)
	if err != nil {
		return err
	}
	s, err := silo.Start(silo.Config{
		ClusterName: cfg.ClusterName, Host: cfg.ListenHost, Port: cfg.ListenPort, AdvertisedHost: cfg.AdvertisedHost,
		Provider: provider, IdleTimeout: cfg.IdleTimeout, RequestTimeout: cfg.RequestTimeout, Deps: deps, Log: log,
	})
	if err != nil {
		return err
	}
	stops = append(stops, func(context.Context) error { s.Stop(true); return nil })
	if deps != nil {
		if err := dashboard.SpawnMemberActor(s.System, deps); err != nil {
			return fmt.Errorf("dashboard: %w", err)
		}
		srv.Handle("/dashboard/", dashboard.Handler(s, cfg.DashboardToken))
	}
	srv.AddCheck("cluster", func(context.Context) error {
		if s.Cluster.MemberList.Length() == 0 {
			return errors.New("no cluster member hosts AgentJob grains yet")
		}
		return nil
	})
	log.Info("joined cluster", "address", s.Address(), "hosts_grains", deps != nil)

	if role.watches() {
		wh, err := watchhost.New(restCfg, watchhost.Config{
			Namespaces: cfg.WatchNamespaces, Finalizer: cfg.Finalizer, Workers: cfg.Workers,
			ResyncPeriod: cfg.ResyncPeriod, MaxBackoff: cfg.MaxBackoff,
			LeaderElection: cfg.LeaderElection, LeaseNamespace: cfg.LeaseNamespace, Log: log,
		}, s, m)
		if err != nil {
			return err
		}
		whCtx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- wh.Run(whCtx) }()
		stops = append(stops, func(ctx context.Context) error {
			cancel()
			select {
			case err := <-done:
				return err
			case <-ctx.Done():
				return fmt.Errorf("watch host did not stop in time: %w", ctx.Err())
			}
		})
		srv.AddCheck("informer", func(ctx context.Context) error {
			if !wh.Synced(ctx) {
				return errors.New("AgentJob informer not synced")
			}
			return nil
		})
		go func() {
			select {
			case <-wh.Elected():
				log.Info("leading: routing AgentJob events")
			case <-whCtx.Done():
			}
		}()
	}
	log.Info("ready", "role", role, "http", srv.Addr())
	<-ctx.Done()
	log.Info("stopping", "role", role)
	return nil
}

func clusterProvider(cfg *config.Config, restCfg *rest.Config) (cluster.ClusterProvider, error) {
	if cfg.ClusterProvider == "local" {
		return test.NewTestProvider(test.NewInMemAgent()), nil
	}
	p, err := k8sprovider.NewWithConfig(restCfg)
	if err != nil {
		return nil, fmt.Errorf("kubernetes cluster provider: %w", err)
	}
	return p, nil
}

// openDatabase connects to DB_URL, or starts the embedded server in DATA_DIR when it is empty.
func openDatabase(ctx context.Context, cfg *config.Config, log *slog.Logger) (*mongo.Client, func(context.Context) error, error) {
	uri := cfg.DBURL
	var embedded *embeddeddb.Server
	if uri == "" {
		var err error
		embedded, err = embeddeddb.Start(embeddeddb.Options{Dir: filepath.Join(cfg.DataDir, "ferretdb"), Logger: log})
		if err != nil {
			return nil, nil, err
		}
		uri = embedded.URI()
		log.Info("DB_URL not set: using the embedded MongoDB-wire server", "dir", cfg.DataDir)
	}
	c, err := localenv.Connect(ctx, uri)
	if err != nil {
		if embedded != nil {
			_ = embedded.Close()
		}
		// The driver's error may quote the URL; say which setting failed without repeating it.
		return nil, nil, fmt.Errorf("database at DB_URL unreachable: %w", redact(err, cfg.DBURL))
	}
	return c, func(ctx context.Context) error {
		err := c.Disconnect(ctx)
		if embedded != nil {
			err = errors.Join(err, embedded.Close())
		}
		return err
	}, nil
}
