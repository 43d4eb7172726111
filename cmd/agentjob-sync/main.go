// Command agentjob-sync mirrors every AgentJob's state into its owner's MongoDB document.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/erulabs/agentjob-sync/internal/demo"
)

const usage = `usage: agentjob-sync <command>

commands:
  demo         run everything locally (control plane, database, silos, watch host) with sample AgentJobs
  demo-check   the same scenario non-interactively; exit 0 only when every entry matches its resource
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch os.Args[1] {
	case "demo":
		err = demo.Run(ctx, os.Stdout, demo.Options{Dir: ".demo"})
	case "demo-check":
		err = demo.Run(ctx, os.Stdout, demo.Options{Dir: ".demo-check", Users: 10, JobsPerUser: 10, Check: true})
	case "-h", "--help", "help":
		fmt.Print(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "unknown command %q\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "agentjob-sync:", err)
		os.Exit(1)
	}
}
