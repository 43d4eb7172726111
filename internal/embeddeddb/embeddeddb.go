// Package embeddeddb runs a MongoDB-wire server inside the process: FerretDB v1 with its SQLite
// backend, data in a local folder. It is what tests, the demo and an install without DB_URL use.
//
// FerretDB listens on a private loopback port; clients reach it through a wireproxy that serializes
// requests, because FerretDB v1 updates a document as a read and a separate write and would otherwise
// lose one of two concurrent updates to the same document (see package wireproxy).
package embeddeddb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"

	"github.com/erulabs/agentjob-sync/internal/wireproxy"
)

// Options configures the embedded server.
type Options struct {
	// Dir holds the SQLite files; created if missing.
	Dir string
	// Listen is the client-facing address; "127.0.0.1:0" (the default) picks a free loopback port.
	Listen string
	// Unserialized exposes FerretDB without the serializing proxy. Only for tests that demonstrate
	// why the proxy exists.
	Unserialized bool
	// Logger receives FerretDB's own logs; nil discards everything below warnings.
	Logger *slog.Logger
}

// Server is a running embedded MongoDB-wire server.
type Server struct {
	proxy  *wireproxy.Proxy
	cancel context.CancelFunc
	done   chan struct{}
}

// Start starts FerretDB and the proxy in front of it and returns once clients can connect.
func Start(opts Options) (*Server, error) {
	if opts.Dir == "" {
		return nil, errors.New("embeddeddb: Dir is required")
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("embeddeddb: %w", err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("embeddeddb: create data folder: %w", err)
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir + "/",
		Logger:    logger,
	})
	if err != nil {
		return nil, fmt.Errorf("embeddeddb: start FerretDB: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = f.Run(ctx)
	}()
	backend, err := hostPort(f.MongoDBURI())
	if err != nil {
		cancel()
		<-done
		return nil, err
	}
	if err := waitListening(backend, 10*time.Second); err != nil {
		cancel()
		<-done
		return nil, fmt.Errorf("embeddeddb: FerretDB did not start listening: %w", err)
	}
	p, err := wireproxy.Start(wireproxy.Options{
		Listen:    opts.Listen,
		Backend:   backend,
		Serialize: !opts.Unserialized,
		Logger:    logger,
	})
	if err != nil {
		cancel()
		<-done
		return nil, fmt.Errorf("embeddeddb: listen: %w", err)
	}
	return &Server{proxy: p, cancel: cancel, done: done}, nil
}

// URI is the connection string clients use.
func (s *Server) URI() string { return "mongodb://" + s.proxy.Addr() + "/" }

// Proxy is the fault-injection point between clients and the server.
func (s *Server) Proxy() *wireproxy.Proxy { return s.proxy }

// Close stops the server and waits for it to finish.
func (s *Server) Close() error {
	err := s.proxy.Close()
	s.cancel()
	<-s.done
	return err
}
