package dashboard

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	grainsv1 "github.com/erulabs/agentjob-sync/api/grains/v1"
	"github.com/erulabs/agentjob-sync/internal/grains"
	"github.com/erulabs/agentjob-sync/internal/silo"
)

// collector asks every member for its stats and turns counters into rates.
type collector struct {
	silo *silo.Silo

	mu   sync.Mutex
	prev map[string]*grainsv1.MemberStats // the previous answer per member, for rates
	rate map[string]float64
}

// member is one member as the overview shows it.
type member struct {
	Address         string  `json:"address"`
	Grains          int32   `json:"grains"`
	PersistedPerSec float64 `json:"persistedPerSec"`
	PersistedTotal  float64 `json:"persistedTotal"`
	DBp50Ms         float64 `json:"dbP50Ms"`
	DBp99Ms         float64 `json:"dbP99Ms"`
	LagP50Ms        float64 `json:"lagP50Ms"`
	LagP99Ms        float64 `json:"lagP99Ms"`
	Retries         float64 `json:"retries"`
	Errors          float64 `json:"errors"`
	Error           string  `json:"error,omitempty"`
}

type snapshot struct {
	members []*grainsv1.MemberStats
	failed  map[string]string
}

// collect gathers every member's stats in parallel; a member that does not answer in time is
// reported as such rather than holding the page.
func (c *collector) collect(ctx context.Context) snapshot {
	var addrs []string
	for _, m := range c.silo.Cluster.MemberList.Members().Members() {
		if m.HasKind(grains.Kind) {
			addrs = append(addrs, m.Address())
		}
	}
	sort.Strings(addrs)
	out := snapshot{members: make([]*grainsv1.MemberStats, len(addrs)), failed: map[string]string{}}
	var wg sync.WaitGroup
	var mu sync.Mutex
	timeout := 2 * time.Second
	if d, ok := ctx.Deadline(); ok {
		timeout = time.Until(d)
	}
	for i, addr := range addrs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := c.silo.System.Root.RequestFuture(actor.NewPID(addr, ActorName), &grainsv1.MemberStatsRequest{}, timeout).Result()
			st, ok := res.(*grainsv1.MemberStats)
			if err != nil || !ok {
				mu.Lock()
				out.failed[addr] = "no answer"
				if err != nil {
					out.failed[addr] = err.Error()
				}
				mu.Unlock()
				return
			}
			out.members[i] = st
		}()
	}
	wg.Wait()
	c.updateRates(out.members)
	return out
}

func (c *collector) updateRates(members []*grainsv1.MemberStats) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.prev == nil {
		c.prev, c.rate = map[string]*grainsv1.MemberStats{}, map[string]float64{}
	}
	for _, st := range members {
		if st == nil {
			continue
		}
		prev, ok := c.prev[st.Address]
		if !ok {
			c.prev[st.Address] = st
			continue
		}
		dt := st.At.AsTime().Sub(prev.At.AsTime()).Seconds()
		if dt < 0.5 {
			continue // too close to the last sample to say anything; keep the last rate
		}
		c.rate[st.Address] = (st.PersistedTotal - prev.PersistedTotal) / dt
		c.prev[st.Address] = st
	}
}

func (c *collector) rateOf(addr string) float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rate[addr]
}
