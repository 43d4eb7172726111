package grains

import (
	"runtime"
	"testing"

	"github.com/erulabs/agentjob-sync/tests/harness"
	"github.com/erulabs/agentjob-sync/tests/testcluster"
)

// BenchmarkIdleGrainMemory reports the heap an active but idle grain costs its silo (the grain, its
// actor and mailbox, its directory entry and the cluster's identity bookkeeping).
func BenchmarkIdleGrainMemory(b *testing.B) {
	m := harness.SharedMongo(b)
	c := testcluster.New(b, m, 1, testcluster.Options{})
	s := c.Members()[0]
	var owners []string
	for i := 0; i < 50; i++ {
		owners = append(owners, m.SeedUser(b))
	}
	const grains = 500
	var jobs []job
	for i := 0; i < grains; i++ {
		jobs = append(jobs, newJob(owners[i%len(owners)]))
	}
	for _, j := range jobs[:10] { // warm up the kind, caches and connections
		observe(b, s, j.observation("executing", 2))
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for _, j := range jobs[10:] {
		observe(b, s, j.observation("executing", 2))
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if n := s.Deps.Directory.Len(); n != grains {
		b.Fatalf("%d grains active, want %d", n, grains)
	}
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(grains-10), "bytes/grain")
}
