// Command bench measures the service on the real API server and the embedded database and writes
// bench/results.json (`make bench`). Targets are in the design brief; this reports what it gets.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/erulabs/agentjob-sync/internal/localenv"
)

// Results is bench/results.json.
type Results struct {
	RawDBUpdatesPerS            float64            `json:"raw_db_updates_per_s"`
	RawAPIServerStatusUpdatesPS float64            `json:"raw_apiserver_status_updates_per_s"`
	PipelineTransitionsPerS     float64            `json:"pipeline_transitions_per_s"`
	Ratio                       float64            `json:"ratio"`
	LagMs                       map[string]LagStat `json:"lag_ms"`
	BytesPerTrackedJob          float64            `json:"bytes_per_tracked_job"`
	TrackedJobs                 int                `json:"tracked_jobs"`
	TrackedUsers                int                `json:"tracked_users"`
	CatchupS                    float64            `json:"catchup_s"`
	CatchupJobs                 int                `json:"catchup_jobs"`
	Notes                       []string           `json:"notes"`
}

// LagStat is the lag distribution at one offered load.
type LagStat struct {
	Offered   float64 `json:"offered_per_s"`
	Achieved  float64 `json:"achieved_changes_per_s"`
	Persisted int     `json:"persisted"`
	P50       float64 `json:"p50"`
	P95       float64 `json:"p95"`
	P99       float64 `json:"p99"`
}

func main() {
	var o options
	flag.DurationVar(&o.rawFor, "raw-for", 10*time.Second, "duration of each raw-rate loop")
	flag.IntVar(&o.users, "users", 100, "users for the throughput and lag phases")
	flag.IntVar(&o.pipelineJobs, "pipeline-jobs", 400, "jobs driven through four states in the throughput phase")
	flag.DurationVar(&o.loadFor, "load-for", 5*time.Second, "duration of each offered-load phase")
	flag.IntVar(&o.trackedJobs, "tracked-jobs", 100000, "AgentJobs for the memory phase")
	flag.IntVar(&o.trackedUsers, "tracked-users", 10000, "users those jobs belong to")
	flag.IntVar(&o.catchupJobs, "catchup-jobs", 600, "jobs changed while the service is down")
	out := flag.String("out", "bench/results.json", "where to write the results")
	flag.Parse()
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	r, err := run(context.Background(), o, log)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	printTable(r)
	root, _ := localenv.RepoRoot()
	path := filepath.Join(root, *out)
	_ = os.MkdirAll(filepath.Dir(path), 0o755)
	b, _ := json.MarshalIndent(r, "", "  ")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	fmt.Printf("wrote %s\n", path)
}

func printTable(r *Results) {
	fmt.Println()
	fmt.Printf("%-44s %12s\n", "figure", "value")
	row := func(k string, v any) { fmt.Printf("%-44s %12v\n", k, v) }
	row("raw_db_updates_per_s", fmt.Sprintf("%.0f", r.RawDBUpdatesPerS))
	row("raw_apiserver_status_updates_per_s", fmt.Sprintf("%.0f", r.RawAPIServerStatusUpdatesPS))
	row("pipeline_transitions_per_s", fmt.Sprintf("%.0f", r.PipelineTransitionsPerS))
	row("ratio (pipeline / min raw)", fmt.Sprintf("%.2f", r.Ratio))
	for _, k := range []string{"100", "500", "1000"} {
		l := r.LagMs[k]
		row("lag_ms @"+k+"/s offered: p50/p95/p99", fmt.Sprintf("%.0f/%.0f/%.0f", l.P50, l.P95, l.P99))
		row("  achieved changes/s, persisted", fmt.Sprintf("%.0f, %d", l.Achieved, l.Persisted))
	}
	row(fmt.Sprintf("bytes_per_tracked_job (%d jobs)", r.TrackedJobs), fmt.Sprintf("%.0f", r.BytesPerTrackedJob))
	row(fmt.Sprintf("catchup_s (%d jobs)", r.CatchupJobs), fmt.Sprintf("%.1f", r.CatchupS))
	for _, n := range r.Notes {
		fmt.Println("note:", n)
	}
}
