// Package web serves the service's HTTP endpoints on PORT: liveness, readiness, Prometheus
// metrics, and (mounted by the caller) the dashboard.
package web

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Check reports nil when one readiness condition holds.
type Check func(ctx context.Context) error

// Server is the HTTP server of one process.
type Server struct {
	mux      *http.ServeMux
	srv      *http.Server
	ln       net.Listener
	mu       sync.Mutex
	checks   map[string]Check
	stopping atomic.Bool
	done     chan error
}

// New listens on addr (":8080"; ":0" picks a port) and serves metrics from gatherer.
func New(addr string, gatherer prometheus.Gatherer) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &Server{mux: http.NewServeMux(), ln: ln, checks: map[string]Check{}, done: make(chan error, 1)}
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(gatherer, promhttp.HandlerOpts{}))
	s.srv = &http.Server{Handler: s.mux, ReadHeaderTimeout: 5 * time.Second}
	return s, nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Handle mounts h under pattern (the dashboard).
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// AddCheck adds a named readiness condition.
func (s *Server) AddCheck(name string, c Check) {
	s.mu.Lock()
	s.checks[name] = c
	s.mu.Unlock()
}

// Start serves in the background.
func (s *Server) Start() {
	go func() {
		err := s.srv.Serve(s.ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.done <- err
	}()
}

// Draining makes /readyz fail so load balancers and the cluster stop sending new work.
func (s *Server) Draining() { s.stopping.Store(true) }

// Shutdown stops the server, letting in-flight requests finish until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if serveErr := <-s.done; err == nil {
		err = serveErr
	}
	return err
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	result := map[string]string{}
	ready := !s.stopping.Load()
	if !ready {
		result["shutdown"] = "draining"
	}
	s.mu.Lock()
	checks := make(map[string]Check, len(s.checks))
	for k, v := range s.checks {
		checks[k] = v
	}
	s.mu.Unlock()
	for name, c := range checks {
		if err := c(ctx); err != nil {
			result[name], ready = err.Error(), false
		} else {
			result[name] = "ok"
		}
	}
	w.Header().Set("Content-Type", "application/json")
	if !ready {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(result)
}
