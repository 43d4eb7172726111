package grains

import (
	"testing"

	"pgregory.net/rapid"

	"github.com/erulabs/agentjob-sync/internal/store"
)

var statuses = []Status{New, Pending, Executing, Complete, Error}

// Any sequence of observations, in any order and with any repetition, applied through Decide:
// the entry is inserted at most once, its status never goes back, never leaves a terminal status,
// only ever holds a status whose flag allows it (or New), and ends at the highest-ranked status
// observed (the first terminal one if several were).
func TestDecideProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		flags := Flags{
			New: rapid.Bool().Draw(t, "new"), Inactive: rapid.Bool().Draw(t, "inactive"),
			Completed: rapid.Bool().Draw(t, "completed"), Error: rapid.Bool().Draw(t, "error"), NodeStatus: true,
		}
		events := rapid.SliceOfN(rapid.SampledFrom(statuses), 1, 30).Draw(t, "events")
		var stored *store.Entry
		inserts := 0
		var firstTerminal Status
		best := -1
		for _, s := range events {
			p := Decide(stored, Observation{Status: s}, flags)
			if stored == nil && !flags.New && (p.Insert || p.Update) {
				t.Fatalf("wrote with FEATURE_NEW off: %+v", p)
			}
			switch {
			case p.Insert:
				if stored != nil {
					t.Fatalf("insert over an existing entry")
				}
				inserts++
				stored = &store.Entry{Status: string(p.Status)}
			case p.Update:
				prev := Status(stored.Status)
				if Rank(p.Status) < Rank(prev) || (Terminal(prev) && p.Status != prev) {
					t.Fatalf("%s -> %s", prev, p.Status)
				}
				stored.Status = string(p.Status)
			}
			if stored != nil && Status(stored.Status) != New && !flags.Allows(Status(stored.Status)) {
				t.Fatalf("wrote %s although its flag is off", stored.Status)
			}
			if flags.Allows(s) && firstTerminal == "" {
				if Terminal(s) {
					firstTerminal = s
				}
				if Rank(s) > best {
					best = Rank(s)
				}
			}
		}
		if inserts > 1 {
			t.Fatalf("inserted %d times", inserts)
		}
		if stored == nil {
			if flags.New {
				t.Fatal("no entry although FEATURE_NEW is on")
			}
			return
		}
		got := Status(stored.Status)
		if firstTerminal != "" && got != firstTerminal {
			t.Fatalf("ended %s, want the first allowed terminal %s", got, firstTerminal)
		}
		if firstTerminal == "" && best >= 0 && Rank(got) != best {
			t.Fatalf("ended %s (rank %d), want rank %d", got, Rank(got), best)
		}
	})
}
