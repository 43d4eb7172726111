// Package grains holds the AgentJob grain (the design card's Grains): one virtual actor per AgentJob
// that serializes the job's state transitions and persists them to the owner's document.
package grains

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/cluster"
	"google.golang.org/protobuf/types/known/timestamppb"

	grainsv1 "github.com/erulabs/agentjob-sync/api/grains/v1"
	"github.com/erulabs/agentjob-sync/internal/store"
)

// Kind is the cluster kind name of the AgentJob grain.
const Kind = "AgentJob"

// maxAttempts bounds how often one call re-reads after a conditional write missed.
const maxAttempts = 16

// timelineLen bounds the persisted transitions a grain remembers for the dashboard.
const timelineLen = 16

// NewKind returns the AgentJob cluster kind; idle grains passivate after idle.
func NewKind(idle time.Duration) *cluster.Kind {
	return grainsv1.NewAgentJobKind(func() grainsv1.AgentJob { return &Grain{} }, idle)
}

// Grain is one AgentJob's actor. All fields are touched by one message at a time.
type Grain struct {
	deps        *Deps
	uid, member string
	activatedAt time.Time
	calls       int64

	namespace, name, owner string
	observed               Status

	// loaded is true while entry/index/found mirror the owner's document as of this grain's
	// last read or write; any missed conditional write clears it.
	loaded bool
	found  bool
	index  int
	entry  store.Entry
	// length is the jobs array's length at the last read, so an insert can learn its index.
	length int
	// known is true once an entry for this job has existed (created here, seen, or recorded on the
	// resource): if it is then missing, the owner removed it.
	known bool

	// deadline bounds the current call's database work (see RetryPolicy.Budget).
	deadline time.Time

	lastOutcome grainsv1.Outcome
	lastErr     string
	lastErrAt   time.Time
	timeline    []*grainsv1.Transition
}

// Init runs on activation.
func (g *Grain) Init(ctx cluster.GrainContext) {
	g.deps = depsOf(ctx.ActorSystem())
	if g.deps == nil {
		panic("grains: Deps not registered on this actor system") // wiring bug, not bad input
	}
	g.uid = ctx.Identity()
	g.member = ctx.ActorSystem().Address()
	g.activatedAt = g.deps.Now()
	g.deps.Metrics.ActiveGrains.Inc()
	g.deps.Metrics.GrainActivation.Inc()
	g.publish()
}

// Terminate runs on passivation or member shutdown; the document is the grain's storage, so
// nothing needs saving.
func (g *Grain) Terminate(cluster.GrainContext) {
	g.deps.Metrics.ActiveGrains.Dec()
	g.deps.Directory.remove(g.uid)
}

// ReceiveDefault ignores messages outside the contract.
func (g *Grain) ReceiveDefault(ctx cluster.GrainContext) {
	switch ctx.Message().(type) {
	case *actor.Started, *actor.Stopping, *actor.Stopped, *actor.Restarting:
	default:
		g.deps.Log.Debug("grain ignored message", "uid", g.uid, "type", fmt.Sprintf("%T", ctx.Message()))
	}
}

// Observe brings the entry up to date with one observation of the resource.
func (g *Grain) Observe(req *grainsv1.ObserveRequest, _ cluster.GrainContext) (*grainsv1.ObserveResponse, error) {
	start := g.deps.Now()
	if g.deps.OnCall != nil {
		g.deps.OnCall(g.uid, true)
		defer g.deps.OnCall(g.uid, false)
	}
	g.calls++
	g.deadline = start.Add(g.deps.Retry.Budget)
	g.namespace, g.name = req.GetNamespace(), req.GetName()
	if req.GetEntryCreated() {
		g.known = true
	}
	resp := g.observe(req)
	resp.Member, resp.EntryCreated, resp.SyncRev = g.member, g.known, g.entry.SyncRev
	if g.found {
		resp.PersistedState = g.entry.Status
	}
	g.lastOutcome = resp.Outcome
	if isProblem(resp.Outcome) {
		g.lastErr, g.lastErrAt = resp.Message, g.deps.Now()
		g.deps.Metrics.Errors.WithLabelValues(outcomeLabel(resp.Outcome)).Inc()
		g.deps.Log.Warn("job not synced", "uid", g.uid, "job", req.GetNamespace()+"/"+req.GetName(),
			"user", req.GetOwner(), "reason", outcomeLabel(resp.Outcome), "message", resp.Message)
	}
	g.deps.Metrics.GrainCalls.WithLabelValues("Observe", outcomeLabel(resp.Outcome)).Inc()
	g.deps.Metrics.GrainCallTime.WithLabelValues("Observe").Observe(g.deps.Now().Sub(start).Seconds())
	g.publish()
	return resp, nil
}

func (g *Grain) observe(req *grainsv1.ObserveRequest) *grainsv1.ObserveResponse {
	if err := ValidateOwner(req.GetOwner()); err != nil {
		return outcome(grainsv1.Outcome_OUTCOME_INVALID_OWNER, err.Error())
	}
	if g.owner != req.GetOwner() {
		g.owner, g.loaded = req.GetOwner(), false
	}
	status, ok := ParseState(req.GetState())
	if !ok {
		return outcome(grainsv1.Outcome_OUTCOME_UNKNOWN_STATE, fmt.Sprintf("unknown status.state %q", req.GetState()))
	}
	g.observed = status
	nodes, fits := fitNodes(nodesFrom(req.GetNodes()), g.deps.MaxNodesBytes)
	if !fits {
		return outcome(grainsv1.Outcome_OUTCOME_ENTRY_TOO_LARGE,
			fmt.Sprintf("status.nodes takes more than %d bytes even without outputs", g.deps.MaxNodesBytes))
	}
	obs := Observation{Status: status, Nodes: nodes, Deleted: req.GetDeleted()}
	if obs.Deleted {
		obs.DeletedAt = g.deps.Now().UTC()
		if ts := req.GetDeletedAt(); ts != nil {
			obs.DeletedAt = ts.AsTime()
		}
	}
	for attempt := 0; attempt < maxAttempts; attempt++ {
		if !g.loaded {
			if resp := g.load(); resp != nil {
				return resp
			}
		}
		var current *store.Entry
		if g.found {
			current = &g.entry
		} else if g.known {
			return outcome(grainsv1.Outcome_OUTCOME_ENTRY_REMOVED,
				"the entry was created before and is gone: the owner removed it; not re-created")
		}
		plan := Decide(current, obs, g.deps.Flags)
		switch {
		case plan.Insert:
			if resp, retry := g.insert(req, plan); !retry {
				return resp
			}
		case plan.Update:
			if resp, retry := g.update(req, plan); !retry {
				return resp
			}
		case plan.Blocked:
			return outcome(grainsv1.Outcome_OUTCOME_DISABLED_BY_FLAG,
				fmt.Sprintf("writing %s is disabled by a FEATURE_* flag", status))
		default:
			return outcome(grainsv1.Outcome_OUTCOME_UP_TO_DATE, "")
		}
	}
	return outcome(grainsv1.Outcome_OUTCOME_CONTENDED, "the owner's jobs array kept changing; will retry")
}

// load reads the entry; a non-nil response ends the call.
func (g *Grain) load() *grainsv1.ObserveResponse {
	var loc store.Located
	err := g.withRetry(func(ctx context.Context) (err error) {
		loc, err = g.deps.Store.Load(ctx, g.owner, g.uid)
		return err
	})
	if err != nil {
		return failure(err)
	}
	if loc.Found && loc.Duplicates > 0 {
		// Exactly one entry per job: copies an earlier operator left go; the first one stays.
		var removed int
		err := g.withRetry(func(ctx context.Context) (err error) {
			removed, err = g.deps.Store.RemoveDuplicates(ctx, g.owner, g.uid, loc.Index)
			return err
		})
		if removed > 0 { // counted even if a later step failed: those copies are gone
			g.deps.Log.Warn("removed duplicate entries", "uid", g.uid, "job", g.namespace+"/"+g.name, "user", g.owner, "removed", removed)
			g.deps.Metrics.Errors.WithLabelValues("duplicate_entries_removed").Add(float64(removed))
		}
		if err != nil {
			return failure(err)
		}
		return g.load()
	}
	g.loaded, g.found, g.index, g.length = true, loc.Found, loc.Index, loc.Len
	g.entry = loc.Entry
	if loc.Found {
		g.known = true
	}
	return nil
}

// insert creates the entry; retry means the array changed and the caller should decide again.
func (g *Grain) insert(req *grainsv1.ObserveRequest, plan Plan) (*grainsv1.ObserveResponse, bool) {
	now := g.deps.Now().UTC()
	e := store.Entry{
		ID: g.uid, JobName: req.GetName(), JobType: store.JobType, Status: string(plan.Status),
		LastActive: now, AgentID: req.GetAgentId(), Creator: req.GetCreator(), Nodes: plan.Nodes,
		SyncRev: 1, DeletedTime: plan.DeletedTime,
	}
	if ts := req.GetCreated(); ts != nil {
		e.CreatedTime = ts.AsTime()
	}
	var inserted bool
	var index int
	err := g.withRetry(func(ctx context.Context) (err error) {
		inserted, index, err = g.deps.Store.Insert(ctx, g.owner, e, g.length)
		return err
	})
	switch {
	case errors.Is(err, store.ErrConflict):
		g.loaded = false
		return nil, true
	case err != nil:
		g.loaded = false
		return failure(err), false
	case !inserted:
		// Another activation of this job inserted it first: read it and apply the observation.
		g.loaded = false
		return nil, true
	}
	// index is -1 when the array changed since the last read: the next update reads it once.
	g.loaded, g.found, g.known, g.index, g.entry = index >= 0, true, true, index, e
	g.length = -1
	g.persisted(req, plan.Status, true)
	return outcome(grainsv1.Outcome_OUTCOME_PERSISTED, ""), false
}

// update writes the planned change; retry means the guard missed and the caller should re-read.
func (g *Grain) update(req *grainsv1.ObserveRequest, plan Plan) (*grainsv1.ObserveResponse, bool) {
	ch := store.Change{Status: string(plan.Status), LastActive: g.deps.Now().UTC(), Nodes: plan.Nodes, DeletedTime: plan.DeletedTime}
	err := g.withRetry(func(ctx context.Context) error {
		return g.deps.Store.Update(ctx, g.owner, g.uid, g.index, g.entry.SyncRev, ch)
	})
	if errors.Is(err, store.ErrConflict) {
		g.loaded = false
		return nil, true
	}
	if err != nil {
		g.loaded = false
		return failure(err), false
	}
	g.entry.Status, g.entry.LastActive, g.entry.Nodes = ch.Status, ch.LastActive, ch.Nodes
	if ch.DeletedTime != nil {
		g.entry.DeletedTime = ch.DeletedTime
	}
	g.entry.SyncRev++
	g.persisted(req, plan.Status, false)
	return outcome(grainsv1.Outcome_OUTCOME_PERSISTED, ""), false
}

func (g *Grain) persisted(req *grainsv1.ObserveRequest, status Status, insert bool) {
	now := g.deps.Now()
	t := &grainsv1.Transition{State: string(status), At: timestamppb.New(now), SyncRev: g.entry.SyncRev}
	var lag time.Duration
	if ts := req.GetObservedAt(); ts != nil {
		lag = now.Sub(ts.AsTime())
		t.LagMs = float64(lag.Microseconds()) / 1000
		g.deps.Metrics.SyncLag.Observe(lag.Seconds())
	}
	if len(g.timeline) == timelineLen {
		copy(g.timeline, g.timeline[1:])
		g.timeline = g.timeline[:timelineLen-1]
	}
	g.timeline = append(g.timeline, t)
	g.deps.Metrics.Persisted.WithLabelValues(string(status)).Inc()
	g.deps.Log.Debug("entry persisted", "uid", g.uid, "job", g.namespace+"/"+g.name, "user", g.owner,
		"state", status, "sync_rev", g.entry.SyncRev, "insert", insert)
	if g.deps.OnPersist != nil {
		g.deps.OnPersist(Persisted{UID: g.uid, Owner: g.owner, Member: g.member, Status: status,
			SyncRev: g.entry.SyncRev, Insert: insert, At: now, Lag: lag})
	}
}

// Inspect returns the grain's state for the dashboard.
func (g *Grain) Inspect(_ *grainsv1.InspectRequest, _ cluster.GrainContext) (*grainsv1.InspectResponse, error) {
	g.deps.Metrics.GrainCalls.WithLabelValues("Inspect", "ok").Inc()
	r := &grainsv1.InspectResponse{
		Uid: g.uid, Namespace: g.namespace, Name: g.name, Owner: g.owner,
		ObservedState: string(g.observed), EntryCreated: g.known, EntryRemoved: g.known && g.loaded && !g.found,
		SyncRev: g.entry.SyncRev, EntryIndex: int32(g.index), LastOutcome: g.lastOutcome, LastError: g.lastErr,
		Timeline: g.timeline, Member: g.member, ActivatedAt: timestamppb.New(g.activatedAt), Calls: g.calls,
	}
	if g.found {
		r.PersistedState = g.entry.Status
	}
	if !g.lastErrAt.IsZero() {
		r.LastErrorAt = timestamppb.New(g.lastErrAt)
	}
	return r, nil
}

func (g *Grain) publish() {
	s := Summary{UID: g.uid, Namespace: g.namespace, Name: g.name, Owner: g.owner, LastError: g.lastErr,
		Outcome: outcomeLabel(g.lastOutcome), UpdatedAt: g.deps.Now()}
	if g.found {
		s.State = Status(g.entry.Status)
	}
	s.InSync = g.lastOutcome == grainsv1.Outcome_OUTCOME_PERSISTED || g.lastOutcome == grainsv1.Outcome_OUTCOME_UP_TO_DATE
	g.deps.Directory.put(s)
}

// withRetry runs a database call, bounded by the current call's deadline (the store adds its own
// per-request timeout), retrying transient failures.
func (g *Grain) withRetry(fn func(ctx context.Context) error) error {
	ctx, cancel := context.WithDeadline(context.Background(), g.deadline)
	defer cancel()
	return g.deps.Retry.do(g.deadline, func() error { return fn(ctx) }, transient, func() {
		g.deps.Metrics.Retries.WithLabelValues("grain").Inc()
	})
}

// transient errors are retried: everything but the permanent data problems and a missed guard
// (which needs a re-read, not a retry of the same write).
func transient(err error) bool {
	return !store.IsPermanent(err) && !errors.Is(err, store.ErrConflict)
}

func failure(err error) *grainsv1.ObserveResponse {
	switch {
	case errors.Is(err, store.ErrUserNotFound):
		return outcome(grainsv1.Outcome_OUTCOME_USER_NOT_FOUND, err.Error())
	case errors.Is(err, store.ErrJobsNotArray):
		return outcome(grainsv1.Outcome_OUTCOME_JOBS_NOT_ARRAY, err.Error())
	case errors.Is(err, store.ErrEntryTooLarge):
		return outcome(grainsv1.Outcome_OUTCOME_ENTRY_TOO_LARGE, err.Error())
	case errors.Is(err, store.ErrConflict):
		return outcome(grainsv1.Outcome_OUTCOME_CONTENDED, err.Error())
	}
	return outcome(grainsv1.Outcome_OUTCOME_DATABASE_UNAVAILABLE, err.Error())
}

func outcome(o grainsv1.Outcome, msg string) *grainsv1.ObserveResponse {
	return &grainsv1.ObserveResponse{Outcome: o, Message: msg}
}

func isProblem(o grainsv1.Outcome) bool { return o >= grainsv1.Outcome_OUTCOME_INVALID_OWNER }

// outcomeLabel is the metric label for an outcome: OUTCOME_USER_NOT_FOUND → user_not_found.
func outcomeLabel(o grainsv1.Outcome) string {
	name := o.String()
	if len(name) > len("OUTCOME_") {
		name = name[len("OUTCOME_"):]
	}
	b := []byte(name)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func nodesFrom(in []*grainsv1.NodeStatus) []store.Node {
	out := make([]store.Node, 0, len(in))
	for _, n := range in {
		node := store.Node{Alias: n.GetAlias(), Status: n.GetStatus(), LastUpdated: n.GetLastUpdated()}
		if js := n.GetOutputJson(); js != "" {
			var v any
			if err := json.Unmarshal([]byte(js), &v); err == nil {
				node.Output = v
			} else {
				node.Output = js // not JSON after all: keep the text rather than lose it
			}
		}
		out = append(out, node)
	}
	return out
}
