// Package silo hosts AgentJob grains as a member of a Proto.Actor cluster (the design card's Silo).
// The cluster provider is chosen by the caller: Kubernetes in production, in-process in tests.
package silo

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/cluster"
	"github.com/asynkron/protoactor-go/cluster/identitylookup/disthash"
	"github.com/asynkron/protoactor-go/remote"

	grainsv1 "github.com/erulabs/agentjob-sync/api/grains/v1"
	"github.com/erulabs/agentjob-sync/internal/grains"
)

// Config describes one member.
type Config struct {
	// ClusterName must be the same on every member.
	ClusterName string
	// Host and Port are where the member listens for other members; Port 0 picks a free port.
	Host string
	Port int
	// AdvertisedHost is the address other members use, when it differs from Host (pod IP).
	AdvertisedHost string
	Provider       cluster.ClusterProvider
	// IdleTimeout passivates grains that received nothing for that long.
	IdleTimeout time.Duration
	// RequestTimeout bounds one grain call from this member; it must exceed the grains' retry budget.
	RequestTimeout time.Duration
	// Deps are given to grains activated here; nil starts a client that hosts no grains.
	Deps *grains.Deps
	// MemberWithoutGrains joins as a member hosting no kinds instead of as a client, for providers
	// whose client mode is broken (Proto.Actor's in-process test provider dereferences a nil
	// cluster when membership changes under a client).
	MemberWithoutGrains bool
	Log                 *slog.Logger
}

// Silo is a running cluster member (or client).
type Silo struct {
	System   *actor.ActorSystem
	Cluster  *cluster.Cluster
	Deps     *grains.Deps
	timeout  time.Duration
	provider cluster.ClusterProvider
	member   bool
}

// Start joins the cluster. With cfg.Deps it hosts the AgentJob kind; without, it only calls grains.
func Start(cfg Config) (*Silo, error) {
	if cfg.Provider == nil {
		return nil, errors.New("silo: a cluster provider is required")
	}
	if cfg.ClusterName == "" {
		cfg.ClusterName = "agentjob-sync"
	}
	if cfg.Host == "" {
		cfg.Host = "127.0.0.1"
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = 5 * time.Minute
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 10 * time.Second
	}
	log := cfg.Log
	if log == nil {
		log = slog.Default()
	}
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return log.With("lib", "protoactor")
	}))
	var remoteOpts []remote.ConfigOption
	if cfg.AdvertisedHost != "" {
		remoteOpts = append(remoteOpts, remote.WithAdvertisedHost(cfg.AdvertisedHost))
	}
	var kinds []*cluster.Kind
	if cfg.Deps != nil {
		cfg.Deps.Register(system)
		kinds = append(kinds, grains.NewKind(cfg.IdleTimeout))
	}
	cc := cluster.Configure(cfg.ClusterName, cfg.Provider, disthash.New(),
		remote.Configure(cfg.Host, cfg.Port, remoteOpts...),
		cluster.WithKinds(kinds...),
		cluster.WithRequestTimeout(cfg.RequestTimeout),
	)
	c := cluster.New(system, cc)
	member := cfg.Deps != nil || cfg.MemberWithoutGrains
	if member {
		c.StartMember()
	} else {
		c.StartClient()
	}
	return &Silo{System: system, Cluster: c, Deps: cfg.Deps, timeout: cfg.RequestTimeout, provider: cfg.Provider, member: member}, nil
}

// Address is this member's host:port in the cluster.
func (s *Silo) Address() string { return s.System.Address() }

// Grain returns a location-transparent client for the job's grain, wherever it is activated.
func (s *Silo) Grain(uid string) *grainsv1.AgentJobGrainClient {
	return grainsv1.GetAgentJobGrainClient(s.Cluster, uid)
}

// CallOptions are the options for one grain call from this member.
func (s *Silo) CallOptions() []cluster.GrainCallOption {
	return []cluster.GrainCallOption{cluster.WithTimeout(s.timeout)}
}

// Observe routes an observation to the job's grain (the watch host's Router).
func (s *Silo) Observe(_ context.Context, req *grainsv1.ObserveRequest) (*grainsv1.ObserveResponse, error) {
	return s.Grain(req.GetUid()).Observe(req, s.CallOptions()...)
}

// Stop leaves the cluster. The provider deregisters first, while the actor system still runs (the
// Kubernetes provider needs it to remove its pod labels), so the other members drop this one and
// its grains reactivate there; then the grains stop. Proto.Actor's Cluster.Shutdown would stop the
// actor system first, and panics for a client, which never started gossip.
func (s *Silo) Stop(graceful bool) {
	if err := s.provider.Shutdown(graceful); err != nil {
		s.Cluster.Logger().Warn("cluster provider shutdown", "err", err)
	}
	if !s.member {
		s.System.Shutdown()
		s.Cluster.IdentityLookup.Shutdown()
		s.Cluster.Remote.Shutdown(graceful)
		return
	}
	s.Cluster.Shutdown(graceful)
}
