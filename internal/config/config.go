// Package config reads the service's settings from environment variables and matching flags
// (a flag wins over its variable), validates every value at start and documents each in --help.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/erulabs/agentjob-sync/internal/grains"
)

// Config is every setting of the service.
type Config struct {
	DBURL    string // secret: never logged
	DataDir  string
	Port     int
	LogLevel slog.Level

	Flags grains.Flags

	ClusterName     string
	ClusterProvider string
	ListenHost      string
	ListenPort      int
	AdvertisedHost  string
	IdleTimeout     time.Duration
	RetryBudget     time.Duration
	RequestTimeout  time.Duration

	WatchNamespaces []string
	Finalizer       bool
	Workers         int
	ResyncPeriod    time.Duration
	MaxBackoff      time.Duration
	LeaderElection  bool
	LeaseNamespace  string
	ShutdownTimeout time.Duration

	DashboardToken string // secret: never logged
}

// option is one setting: its flag, its variable, its default and how to store a value.
type option struct {
	flag, env, def, help string
	secret               bool
	set                  func(c *Config, v string) error
}

func options() []option {
	return []option{
		{"db-url", "DB_URL", "", "MongoDB connection string; empty runs the embedded MongoDB-wire server (FerretDB, SQLite in --data-dir)", true, func(c *Config, v string) error {
			if v != "" {
				u, err := url.Parse(v)
				if err != nil || (u.Scheme != "mongodb" && u.Scheme != "mongodb+srv") {
					return errors.New("must be a mongodb:// or mongodb+srv:// URL")
				}
			}
			c.DBURL = v
			return nil
		}},
		{"data-dir", "DATA_DIR", "data", "folder of the embedded database when DB_URL is empty", false, str(func(c *Config) *string { return &c.DataDir })},
		{"port", "PORT", "8080", "HTTP port for /healthz, /readyz, /metrics and the dashboard", false, port(func(c *Config) *int { return &c.Port })},
		{"log-level", "LOG_LEVEL", "info", "debug, info, warn or error", false, func(c *Config, v string) error {
			return c.LogLevel.UnmarshalText([]byte(v))
		}},
		{"feature-new-agent-jobs", "FEATURE_NEW_AGENT_JOBS", "true", "create entries for new jobs (off unless exactly \"true\")", false, feature(func(f *grains.Flags) *bool { return &f.New })},
		{"feature-inactive-agent-jobs", "FEATURE_INACTIVE_AGENT_JOBS", "true", "write the Pending state", false, feature(func(f *grains.Flags) *bool { return &f.Inactive })},
		{"feature-completed-agent-jobs", "FEATURE_COMPLETED_AGENT_JOBS", "true", "write the Complete state", false, feature(func(f *grains.Flags) *bool { return &f.Completed })},
		{"feature-error-agent-jobs", "FEATURE_ERROR_AGENT_JOBS", "true", "write the Error state", false, feature(func(f *grains.Flags) *bool { return &f.Error })},
		{"feature-node-status-updates", "FEATURE_NODE_STATUS_UPDATES", "true", "copy status.nodes into the entry", false, feature(func(f *grains.Flags) *bool { return &f.NodeStatus })},
		{"cluster-name", "CLUSTER_NAME", "agentjob-sync", "silo cluster name; the same on every member", false, nonEmpty(func(c *Config) *string { return &c.ClusterName })},
		{"cluster-provider", "CLUSTER_PROVIDER", "kubernetes", "silo membership: kubernetes (pods labelled by Proto.Actor) or local (one process only)", false, func(c *Config, v string) error {
			if v != "kubernetes" && v != "local" {
				return errors.New("must be kubernetes or local")
			}
			c.ClusterProvider = v
			return nil
		}},
		{"listen-host", "LISTEN_HOST", "0.0.0.0", "address silos listen on for each other", false, nonEmpty(func(c *Config) *string { return &c.ListenHost })},
		{"listen-port", "LISTEN_PORT", "0", "port silos listen on for each other; 0 picks one", false, portOrZero(func(c *Config) *int { return &c.ListenPort })},
		{"advertised-host", "POD_IP", "", "address other members reach this one at (the pod IP)", false, str(func(c *Config) *string { return &c.AdvertisedHost })},
		{"idle-timeout", "IDLE_TIMEOUT", "5m", "passivate grains idle this long", false, positive(func(c *Config) *time.Duration { return &c.IdleTimeout })},
		{"retry-budget", "RETRY_BUDGET", "4s", "time a grain call may spend retrying the database before reporting it unavailable", false, positive(func(c *Config) *time.Duration { return &c.RetryBudget })},
		{"request-timeout", "REQUEST_TIMEOUT", "10s", "timeout of one grain call; must exceed RETRY_BUDGET", false, positive(func(c *Config) *time.Duration { return &c.RequestTimeout })},
		{"watch-namespace", "WATCH_NAMESPACE", "", "comma-separated namespaces to watch; empty watches all", false, func(c *Config, v string) error {
			c.WatchNamespaces = nil
			for _, ns := range strings.Split(v, ",") {
				if ns = strings.TrimSpace(ns); ns != "" {
					c.WatchNamespaces = append(c.WatchNamespaces, ns)
				}
			}
			return nil
		}},
		{"finalizer", "FINALIZER", "true", "hold AgentJob deletion until the final state is persisted", false, boolean(func(c *Config) *bool { return &c.Finalizer })},
		{"workers", "WORKERS", "32", "concurrent watch host workers", false, func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return errors.New("must be a positive integer")
			}
			c.Workers = n
			return nil
		}},
		{"resync-period", "RESYNC_PERIOD", "10m", "re-deliver every AgentJob this often", false, positive(func(c *Config) *time.Duration { return &c.ResyncPeriod })},
		{"max-backoff", "MAX_BACKOFF", "30s", "cap of the per-job retry delay", false, positive(func(c *Config) *time.Duration { return &c.MaxBackoff })},
		{"leader-election", "LEADER_ELECTION", "true", "elect one active watch host through a Lease", false, boolean(func(c *Config) *bool { return &c.LeaderElection })},
		{"lease-namespace", "POD_NAMESPACE", "", "namespace of the leader Lease (the pod's namespace)", false, str(func(c *Config) *string { return &c.LeaseNamespace })},
		{"shutdown-timeout", "SHUTDOWN_TIMEOUT", "25s", "time allowed for a graceful stop after SIGTERM", false, positive(func(c *Config) *time.Duration { return &c.ShutdownTimeout })},
		{"dashboard-token", "DASHBOARD_TOKEN", "", "bearer token required by the dashboard; empty leaves it open (read-only)", true, str(func(c *Config) *string { return &c.DashboardToken })},
	}
}

// Load reads args (without the subcommand) and the environment through lookup. It returns
// flag.ErrHelp after printing help to out when asked.
func Load(name string, args []string, lookup func(string) (string, bool), out io.Writer) (*Config, error) {
	opts := options()
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	values := make([]*string, len(opts))
	for i, o := range opts {
		def := o.def
		if v, ok := lookup(o.env); ok {
			def = v
		}
		values[i] = fs.String(o.flag, def, o.help)
	}
	fs.Usage = func() { usage(out, name, opts) }
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	c := &Config{}
	var errs []error
	for i, o := range opts {
		if err := o.set(c, *values[i]); err != nil {
			shown := *values[i]
			if o.secret {
				shown = "(redacted)"
			}
			errs = append(errs, fmt.Errorf("%s (--%s) = %q: %w", o.env, o.flag, shown, err))
		}
	}
	if c.RequestTimeout <= c.RetryBudget {
		errs = append(errs, fmt.Errorf("REQUEST_TIMEOUT (%s) must exceed RETRY_BUDGET (%s)", c.RequestTimeout, c.RetryBudget))
	}
	return c, errors.Join(errs...)
}

// FromEnv reads only the environment, for callers without flags.
func FromEnv() (*Config, error) { return Load("agentjob-sync", nil, os.LookupEnv, io.Discard) }

func usage(out io.Writer, name string, opts []option) {
	fmt.Fprintf(out, "usage: agentjob-sync %s [flags]\n\nEvery flag can be set by its environment variable; a flag wins.\n\n", name)
	for _, o := range opts {
		def := o.def
		if def == "" {
			def = `""`
		}
		fmt.Fprintf(out, "  --%-30s %-30s default %s\n      %s\n", o.flag, "$"+o.env, def, o.help)
	}
}

// LogValue keeps secrets out of logs: a logged Config shows whether they are set, never their value.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Bool("db_url_set", c.DBURL != ""), slog.String("data_dir", c.DataDir), slog.Int("port", c.Port),
		slog.String("log_level", c.LogLevel.String()), slog.Any("features", c.Flags),
		slog.String("cluster", c.ClusterName), slog.String("provider", c.ClusterProvider),
		slog.String("listen", fmt.Sprintf("%s:%d", c.ListenHost, c.ListenPort)), slog.String("advertised_host", c.AdvertisedHost),
		slog.Duration("idle_timeout", c.IdleTimeout), slog.Duration("retry_budget", c.RetryBudget),
		slog.Any("watch_namespaces", c.WatchNamespaces), slog.Bool("finalizer", c.Finalizer), slog.Int("workers", c.Workers),
		slog.Bool("leader_election", c.LeaderElection), slog.Bool("dashboard_token_set", c.DashboardToken != ""),
	)
}
