package dashboard

import (
	"context"
	"crypto/subtle"
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
	"strings"
	"time"

	grainsv1 "github.com/erulabs/agentjob-sync/api/grains/v1"
	"github.com/erulabs/agentjob-sync/internal/silo"
)

//go:embed assets
var assets embed.FS

// Handler serves the dashboard under /dashboard/. Read-only; with a token, the API needs
// "Authorization: Bearer <token>" (the page asks for it and keeps it in the tab's session storage).
func Handler(s *silo.Silo, token string) http.Handler {
	h := &handler{c: &collector{silo: s}, silo: s, token: token}
	static, _ := fs.Sub(assets, "assets")
	mux := http.NewServeMux()
	mux.Handle("GET /dashboard/", http.StripPrefix("/dashboard/", http.FileServerFS(static)))
	mux.HandleFunc("GET /dashboard/api/overview", h.api(h.overview))
	mux.HandleFunc("GET /dashboard/api/grains", h.api(h.grains))
	mux.HandleFunc("GET /dashboard/api/grains/{uid}", h.api(h.grain))
	mux.HandleFunc("GET /dashboard/api/unsynced", h.api(h.unsynced))
	return mux
}

type handler struct {
	c     *collector
	silo  *silo.Silo
	token string
}

type apiFunc func(ctx context.Context, r *http.Request) (any, int)

func (h *handler) api(f apiFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if h.token != "" {
			got := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
			if subtle.ConstantTimeCompare([]byte(got), []byte(h.token)) != 1 {
				http.Error(w, `{"error":"a valid bearer token is required"}`, http.StatusUnauthorized)
				return
			}
		}
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		body, code := f(ctx, r)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(body)
	}
}

func (h *handler) overview(ctx context.Context, _ *http.Request) (any, int) {
	snap := h.c.collect(ctx)
	var ms []member
	var totals struct {
		Members         int     `json:"members"`
		Grains          int32   `json:"grains"`
		PersistedPerSec float64 `json:"persistedPerSec"`
		Retries         float64 `json:"retries"`
		Errors          float64 `json:"errors"`
		DBp50Ms         float64 `json:"dbP50Ms"`
		DBp99Ms         float64 `json:"dbP99Ms"`
		LagP50Ms        float64 `json:"lagP50Ms"`
		LagP99Ms        float64 `json:"lagP99Ms"`
		Unsynced        int     `json:"unsynced"`
	}
	for _, st := range snap.members {
		if st == nil {
			continue
		}
		m := member{Address: st.Address, Grains: st.ActiveGrains, PersistedPerSec: h.c.rateOf(st.Address),
			PersistedTotal: st.PersistedTotal, Retries: st.RetriesTotal, Errors: st.ErrorsTotal,
			DBp50Ms: st.DbP50Ms, DBp99Ms: st.DbP99Ms, LagP50Ms: st.LagP50Ms, LagP99Ms: st.LagP99Ms}
		ms = append(ms, m)
		totals.Grains += st.ActiveGrains
		totals.PersistedPerSec += m.PersistedPerSec
		totals.Retries += st.RetriesTotal
		totals.Errors += st.ErrorsTotal
		// The cluster's percentiles are shown as the worst member's: an honest upper bound.
		totals.DBp50Ms, totals.DBp99Ms = max(totals.DBp50Ms, st.DbP50Ms), max(totals.DBp99Ms, st.DbP99Ms)
		totals.LagP50Ms, totals.LagP99Ms = max(totals.LagP50Ms, st.LagP50Ms), max(totals.LagP99Ms, st.LagP99Ms)
		for _, g := range st.Grains {
			if !g.InSync {
				totals.Unsynced++
			}
		}
	}
	for addr, why := range snap.failed {
		ms = append(ms, member{Address: addr, Error: why})
	}
	totals.Members = len(ms)
	return map[string]any{"members": ms, "totals": totals, "servedBy": h.silo.Address()}, http.StatusOK
}

// grainRow is one grain in lists.
type grainRow struct {
	*grainsv1.GrainSummary
	Member    string `json:"member"`
	UpdatedAt string `json:"updatedAt"`
}

func (h *handler) rows(ctx context.Context, keep func(*grainsv1.GrainSummary) bool) []grainRow {
	rows := []grainRow{}
	for _, st := range h.c.collect(ctx).members {
		if st == nil {
			continue
		}
		for _, g := range st.Grains {
			if keep(g) {
				rows = append(rows, grainRow{GrainSummary: g, Member: st.Address, UpdatedAt: g.UpdatedAt.AsTime().Format(time.RFC3339)})
			}
		}
	}
	return rows
}

// grains searches by job UID, user, namespace/name or state (case-insensitive substring).
func (h *handler) grains(ctx context.Context, r *http.Request) (any, int) {
	q := strings.ToLower(strings.TrimSpace(r.URL.Query().Get("q")))
	return h.rows(ctx, func(g *grainsv1.GrainSummary) bool {
		if q == "" {
			return true
		}
		for _, f := range []string{g.Uid, g.Owner, g.Namespace + "/" + g.Name, g.State} {
			if strings.Contains(strings.ToLower(f), q) {
				return true
			}
		}
		return false
	}), http.StatusOK
}

func (h *handler) unsynced(ctx context.Context, _ *http.Request) (any, int) {
	return h.rows(ctx, func(g *grainsv1.GrainSummary) bool { return !g.InSync }), http.StatusOK
}

// grain inspects one active grain through the cluster. Only grains some member lists are
// inspected: asking for any other id would activate a grain just to look at it.
func (h *handler) grain(ctx context.Context, r *http.Request) (any, int) {
	uid := r.PathValue("uid")
	if len(h.rows(ctx, func(g *grainsv1.GrainSummary) bool { return g.Uid == uid })) == 0 {
		return map[string]string{"error": "no active grain for " + uid}, http.StatusNotFound
	}
	resp, err := h.silo.Grain(uid).Inspect(&grainsv1.InspectRequest{}, h.silo.CallOptions()...)
	if err != nil {
		return map[string]string{"error": err.Error()}, http.StatusBadGateway
	}
	type transition struct {
		State string  `json:"state"`
		At    string  `json:"at"`
		Rev   int64   `json:"syncRev"`
		LagMs float64 `json:"lagMs"`
	}
	var timeline []transition
	for _, t := range resp.Timeline {
		timeline = append(timeline, transition{t.State, t.At.AsTime().Format(time.RFC3339Nano), t.SyncRev, t.LagMs})
	}
	lastErrAt := ""
	if resp.LastErrorAt != nil {
		lastErrAt = resp.LastErrorAt.AsTime().Format(time.RFC3339)
	}
	return map[string]any{
		"uid": resp.Uid, "namespace": resp.Namespace, "name": resp.Name, "owner": resp.Owner,
		"state": resp.PersistedState, "observedState": resp.ObservedState, "entryCreated": resp.EntryCreated,
		"entryRemoved": resp.EntryRemoved, "syncRev": resp.SyncRev, "entryIndex": resp.EntryIndex,
		"lastOutcome": resp.LastOutcome.String(), "lastError": resp.LastError, "lastErrorAt": lastErrAt,
		"member": resp.Member, "activatedAt": resp.ActivatedAt.AsTime().Format(time.RFC3339), "calls": resp.Calls,
		"timeline": timeline,
	}, http.StatusOK
}
