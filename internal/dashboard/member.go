// Package dashboard is the read-only web dashboard of the silo cluster (the design card's
// dashboard): every member serves it and shows the whole cluster, by asking each member's
// dashboard actor for its grains and the figures its metrics already hold.
package dashboard

import (
	"math"
	"sort"

	"github.com/asynkron/protoactor-go/actor"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/protobuf/types/known/timestamppb"

	grainsv1 "github.com/erulabs/agentjob-sync/api/grains/v1"
	"github.com/erulabs/agentjob-sync/internal/grains"
)

// ActorName is the name of the per-member actor that answers MemberStatsRequest.
const ActorName = "agentjob-dashboard"

// SpawnMemberActor starts the actor that reports this member's grains and figures.
func SpawnMemberActor(system *actor.ActorSystem, deps *grains.Deps) error {
	_, err := system.Root.SpawnNamed(actor.PropsFromFunc(func(ctx actor.Context) {
		if _, ok := ctx.Message().(*grainsv1.MemberStatsRequest); ok {
			ctx.Respond(memberStats(system.Address(), deps))
		}
	}), ActorName)
	return err
}

func memberStats(address string, deps *grains.Deps) *grainsv1.MemberStats {
	st := &grainsv1.MemberStats{Address: address, At: timestamppb.New(deps.Now())}
	for _, g := range deps.Directory.List() {
		st.Grains = append(st.Grains, &grainsv1.GrainSummary{
			Uid: g.UID, Namespace: g.Namespace, Name: g.Name, Owner: g.Owner, State: string(g.State),
			Outcome: g.Outcome, InSync: g.InSync, LastError: g.LastError, UpdatedAt: timestamppb.New(g.UpdatedAt),
		})
	}
	st.ActiveGrains = int32(len(st.Grains))
	families, err := deps.Metrics.Registry.Gather()
	if err != nil {
		return st
	}
	for _, f := range families {
		switch f.GetName() {
		case "agentjob_sync_entries_persisted_total":
			st.PersistedTotal = sumCounters(f)
		case "agentjob_sync_retries_total":
			st.RetriesTotal = sumCounters(f)
		case "agentjob_sync_errors_total":
			st.ErrorsTotal = sumCounters(f)
		case "agentjob_sync_db_operation_duration_seconds":
			st.DbP50Ms, st.DbP99Ms = 1000*quantile(f, 0.5), 1000*quantile(f, 0.99)
		case "agentjob_sync_sync_lag_seconds":
			st.LagP50Ms, st.LagP99Ms = 1000*quantile(f, 0.5), 1000*quantile(f, 0.99)
		}
	}
	return st
}

func sumCounters(f *dto.MetricFamily) float64 {
	var n float64
	for _, m := range f.GetMetric() {
		n += m.GetCounter().GetValue()
	}
	return n
}

// quantile estimates q from histogram buckets merged over all label sets, interpolating linearly
// inside the bucket as Prometheus' histogram_quantile does. NaN-free: 0 without observations.
func quantile(f *dto.MetricFamily, q float64) float64 {
	type bucket struct{ upper, count float64 }
	merged := map[float64]float64{}
	var total float64
	for _, m := range f.GetMetric() {
		h := m.GetHistogram()
		total += float64(h.GetSampleCount())
		for _, b := range h.GetBucket() {
			merged[b.GetUpperBound()] += float64(b.GetCumulativeCount())
		}
	}
	if total == 0 {
		return 0
	}
	var bs []bucket
	for u, c := range merged {
		bs = append(bs, bucket{u, c})
	}
	sort.Slice(bs, func(i, j int) bool { return bs[i].upper < bs[j].upper })
	rank := q * total
	lower, below := 0.0, 0.0
	for _, b := range bs {
		if b.count >= rank {
			if b.count == below {
				return b.upper
			}
			return lower + (b.upper-lower)*(rank-below)/(b.count-below)
		}
		lower, below = b.upper, b.count
	}
	if len(bs) == 0 || math.IsInf(lower, 1) {
		return 0
	}
	return lower // beyond the last bucket: report its bound
}
