package grains

import (
	"testing"
	"time"

	"github.com/erulabs/agentjob-sync/internal/store"
)

func TestParseState(t *testing.T) {
	for in, want := range map[string]Status{
		"": New, "new": New, "New": New, " NEW ": New,
		"inactive": Pending, "Pending": Pending, "PENDING": Pending,
		"executing": Executing, "Executing": Executing, "running": Executing,
		"completed": Complete, "Complete": Complete, "succeeded": Complete,
		"error": Error, "Error": Error, "failed": Error, "FAILED": Error,
	} {
		got, ok := ParseState(in)
		if !ok || got != want {
			t.Errorf("ParseState(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"done", "queued", "complete!", "exec"} {
		if got, ok := ParseState(bad); ok {
			t.Errorf("ParseState(%q) = %q, want unknown", bad, got)
		}
	}
}

func TestFlagsFromEnv(t *testing.T) {
	env := map[string]string{"FEATURE_COMPLETED_AGENT_JOBS": "false", "FEATURE_ERROR_AGENT_JOBS": "TRUE", "FEATURE_NEW_AGENT_JOBS": "true"}
	f := FlagsFromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	want := Flags{New: true, Inactive: true, Completed: false, Error: false, NodeStatus: true}
	if f != want {
		t.Errorf("flags = %+v, want %+v (unset means on; anything but \"true\" means off)", f, want)
	}
}

func TestValidateOwner(t *testing.T) {
	for _, ok := range []string{"8c5e7a1e-1d2b-4c3a-9f00-0123456789ab", "8C5E7A1E-1D2B-4C3A-9F00-0123456789AB"} {
		if err := ValidateOwner(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "alice", "8c5e7a1e1d2b4c3a9f000123456789ab", "{8c5e7a1e-1d2b-4c3a-9f00-0123456789ab}", "8c5e7a1e-1d2b-4c3a-9f00-0123456789zz"} {
		if err := ValidateOwner(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestMergeNodesNewerWins(t *testing.T) {
	stored := []store.Node{
		{Alias: "a", Status: "executing", LastUpdated: "2025-01-01T00:00:02Z"},
		{Alias: "b", Status: "completed", LastUpdated: "2025-01-01T00:00:05Z"},
	}
	observed := []store.Node{
		{Alias: "b", Status: "executing", LastUpdated: "2025-01-01T00:00:03Z"}, // older: ignored
		{Alias: "a", Status: "completed", LastUpdated: "2025-01-01T00:00:04Z"}, // newer: wins
		{Alias: "c", Status: "pending", LastUpdated: "2025-01-01T00:00:01Z"},   // new alias: appended
	}
	got, changed := MergeNodes(stored, observed)
	if !changed || len(got) != 3 || got[0].Status != "completed" || got[1].Status != "completed" || got[2].Alias != "c" {
		t.Fatalf("merge = %+v, changed=%v", got, changed)
	}
	if stored[0].Status != "executing" {
		t.Error("MergeNodes modified its input")
	}
	if _, changed := MergeNodes(got, observed); changed {
		t.Error("merging the same observation twice changed something")
	}
}

func TestDecide(t *testing.T) {
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	entry := func(s string) *store.Entry { return &store.Entry{Status: s, SyncRev: 1} }
	noNew := AllFlags()
	noNew.New = false
	noComplete := AllFlags()
	noComplete.Completed = false
	tests := []struct {
		name   string
		stored *store.Entry
		obs    Observation
		flags  Flags
		want   Plan
	}{
		{"insert new", nil, Observation{Status: New}, AllFlags(), Plan{Insert: true, Status: New}},
		{"insert skips to executing", nil, Observation{Status: Executing}, AllFlags(), Plan{Insert: true, Status: Executing}},
		{"no inserts without FEATURE_NEW", nil, Observation{Status: Pending}, noNew, Plan{Blocked: true}},
		{"insert as New when the state's flag is off", nil, Observation{Status: Complete}, noComplete, Plan{Insert: true, Status: New, Blocked: true}},
		{"forward", entry("Pending"), Observation{Status: Executing}, AllFlags(), Plan{Update: true, Status: Executing}},
		{"skip states", entry("New"), Observation{Status: Complete}, AllFlags(), Plan{Update: true, Status: Complete}},
		{"replay is a no-op", entry("Executing"), Observation{Status: Executing}, AllFlags(), Plan{}},
		{"never backwards", entry("Executing"), Observation{Status: Pending}, AllFlags(), Plan{}},
		{"terminal is final", entry("Complete"), Observation{Status: Error}, AllFlags(), Plan{}},
		{"flag blocks a forward move", entry("Executing"), Observation{Status: Complete}, noComplete, Plan{Blocked: true}},
		{"legacy lowercase is rewritten", entry("completed"), Observation{Status: Complete}, AllFlags(), Plan{Update: true, Status: Complete}},
		{"unknown stored value is replaced", entry("Manual"), Observation{Status: New}, AllFlags(), Plan{Update: true, Status: New}},
		{"deletion is recorded once", entry("Complete"), Observation{Status: Complete, Deleted: true, DeletedAt: at}, AllFlags(), Plan{Update: true, Status: Complete, DeletedTime: &at}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Decide(tt.stored, tt.obs, tt.flags)
			if got.Insert != tt.want.Insert || got.Update != tt.want.Update || got.Status != tt.want.Status ||
				got.Blocked != tt.want.Blocked || (got.DeletedTime == nil) != (tt.want.DeletedTime == nil) {
				t.Errorf("Decide = %+v, want %+v", got, tt.want)
			}
		})
	}
	deleted := entry("Complete")
	deleted.DeletedTime = &at
	if p := Decide(deleted, Observation{Status: Complete, Deleted: true, DeletedAt: at.Add(time.Hour)}, AllFlags()); p.Update {
		t.Errorf("a recorded deletion was written again: %+v", p)
	}
}
func TestFitNodesDropsOutputsThenGivesUp(t *testing.T) {
	big := string(make([]byte, 4000))
	nodes := []store.Node{{Alias: "a", Status: "done", Output: big}, {Alias: "b", Status: "done", Output: big}}
	if got, ok := fitNodes(nodes, 1<<20); !ok || got[0].Output == nil {
		t.Errorf("nodes under the limit were changed")
	}
	got, ok := fitNodes(nodes, 1000)
	if !ok || got[0].Output != nil || got[1].Status != "done" || nodes[0].Output == nil {
		t.Errorf("over the limit: got %+v ok=%v (input must stay intact)", got, ok)
	}
	if _, ok := fitNodes(nodes, 10); ok {
		t.Error("nodes that cannot fit were accepted")
	}
}
