// Package metrics defines the service's Prometheus metrics. Each process (or each silo of an
// in-process test cluster) owns one Metrics on its own registry; nothing is global.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

const namespace = "agentjob_sync"

// Metrics holds every collector the service updates.
type Metrics struct {
	Registry *prometheus.Registry

	Events          *prometheus.CounterVec   // watch events by type
	GrainCalls      *prometheus.CounterVec   // grain calls by method and outcome
	GrainCallTime   *prometheus.HistogramVec // grain call latency by method
	Persisted       *prometheus.CounterVec   // entries written by state
	DBTime          *prometheus.HistogramVec // database latency by operation
	Retries         *prometheus.CounterVec   // retries by component
	Errors          *prometheus.CounterVec   // failures by reason
	ActiveGrains    prometheus.Gauge         // grains active on this member
	SyncLag         prometheus.Histogram     // from the watch host seeing a change to it being persisted
	GrainActivation prometheus.Counter       // grain activations
}

// New creates the collectors and registers them, with Go and process metrics, on a fresh registry.
func New() *Metrics {
	r := prometheus.NewRegistry()
	r.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	latency := []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
	m := &Metrics{
		Registry: r,
		Events: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "events_total",
			Help: "AgentJob watch events received, by type (add, update, delete, resync)."}, []string{"type"}),
		GrainCalls: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "grain_calls_total",
			Help: "Grain calls handled on this member, by method and outcome."}, []string{"method", "outcome"}),
		GrainCallTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: namespace, Name: "grain_call_duration_seconds",
			Help: "Time a grain spent handling a call, by method.", Buckets: latency}, []string{"method"}),
		Persisted: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "entries_persisted_total",
			Help: "Job entries written to user documents, by the state written."}, []string{"state"}),
		DBTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: namespace, Name: "db_operation_duration_seconds",
			Help: "Database call latency, by operation.", Buckets: latency}, []string{"op"}),
		Retries: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "retries_total",
			Help: "Retries after transient failures, by component."}, []string{"component"}),
		Errors: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "errors_total",
			Help: "Failures, by reason."}, []string{"reason"}),
		ActiveGrains: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: namespace, Name: "active_grains",
			Help: "AgentJob grains currently active on this member."}),
		SyncLag: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: namespace, Name: "sync_lag_seconds",
			Help: "Time from the watch host receiving a change to the entry being persisted.", Buckets: latency}),
		GrainActivation: prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Name: "grain_activations_total",
			Help: "AgentJob grain activations on this member."}),
	}
	r.MustRegister(m.Events, m.GrainCalls, m.GrainCallTime, m.Persisted, m.DBTime, m.Retries, m.Errors,
		m.ActiveGrains, m.SyncLag, m.GrainActivation)
	return m
}
