// Command agentjob-sync mirrors every AgentJob's state into its owner's MongoDB document.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/erulabs/agentjob-sync/internal/config"
	"github.com/erulabs/agentjob-sync/internal/demo"
	"github.com/erulabs/agentjob-sync/internal/service"
)

const usage = `usage: agentjob-sync <command> [flags]

commands:
  silo         a cluster member hosting AgentJob grains (deploy several)
  watchhost    the watch host: routes AgentJob events to the grains (two replicas, one leads)
  all-in-one   silo and watch host in one process, for small installs
  demo         run everything locally (control plane, database, silos, watch host) with sample AgentJobs
  demo-check   the same scenario non-interactively; exit 0 only when every entry matches its resource

Run 'agentjob-sync <command> --help' for the settings of silo, watchhost and all-in-one.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch cmd := os.Args[1]; cmd {
	case "silo", "watchhost", "all-in-one":
		err = runRole(ctx, service.Role(cmd), os.Args[2:])
	case "demo":
		err = demo.Run(ctx, os.Stdout, demo.Options{Dir: ".demo"})
	case "demo-check":
		err = demo.Run(ctx, os.Stdout, demo.Options{Dir: ".demo-check", Users: 10, JobsPerUser: 10, Check: true, DashboardAddr: "127.0.0.1:0"})
	case "-h", "--help", "help":
		fmt.Print(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "unknown command %q\n%s", cmd, usage)
		os.Exit(2)
	}
	switch {
	case errors.Is(err, flag.ErrHelp):
	case err != nil:
		fmt.Fprintln(os.Stderr, "agentjob-sync:", err)
		os.Exit(1)
	}
}

func runRole(ctx context.Context, role service.Role, args []string) error {
	cfg, err := config.Load(string(role), args, os.LookupEnv, os.Stdout)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("configuration: %w", err)
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	slog.SetDefault(log)
	return service.Run(ctx, role, cfg, log)
}
