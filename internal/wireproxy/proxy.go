// Package wireproxy is a TCP proxy for the MongoDB wire protocol that works at the message-frame level.
//
// It exists for two reasons. FerretDB v1's SQLite backend executes an update as a read followed by a
// separate write, so two connections updating the same document concurrently can lose one update —
// something MongoDB never does. Serialize makes the proxy forward one request at a time across all
// connections, restoring MongoDB's per-document atomicity for the embedded server. And tests need to
// inject database faults (blackouts, slow responses) between the service and the database.
package wireproxy

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"
	"time"
)

// Proxy forwards client connections to one backend address.
type Proxy struct {
	backend   string
	serialize bool
	ln        net.Listener
	log       *slog.Logger

	// exchange is held for one request/reply exchange when serializing.
	exchange sync.Mutex

	mu       sync.Mutex
	conns    map[net.Conn]struct{}
	blackout bool
	delay    time.Duration
	closed   bool
	wg       sync.WaitGroup
}

// Options configures a Proxy.
type Options struct {
	// Listen is the address to accept clients on; "127.0.0.1:0" picks a free loopback port.
	Listen string
	// Backend is the address of the real server.
	Backend string
	// Serialize forwards one request at a time across all connections.
	Serialize bool
	Logger    *slog.Logger
}

// Start listens and serves until Close.
func Start(opts Options) (*Proxy, error) {
	if opts.Listen == "" {
		opts.Listen = "127.0.0.1:0"
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	ln, err := net.Listen("tcp", opts.Listen)
	if err != nil {
		return nil, err
	}
	p := &Proxy{backend: opts.Backend, serialize: opts.Serialize, ln: ln, log: opts.Logger, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr is the address clients connect to.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// SetBlackout cuts every open connection and refuses new ones while on, as a crashed or
// partitioned database would.
func (p *Proxy) SetBlackout(on bool) {
	p.mu.Lock()
	p.blackout = on
	var cut []net.Conn
	if on {
		for c := range p.conns {
			cut = append(cut, c)
		}
	}
	p.mu.Unlock()
	for _, c := range cut {
		_ = c.Close()
	}
}

// SetDelay adds latency before each request is forwarded, as a slow database would.
func (p *Proxy) SetDelay(d time.Duration) {
	p.mu.Lock()
	p.delay = d
	p.mu.Unlock()
}

// Close stops accepting, cuts all connections and waits for the handlers to finish.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	err := p.ln.Close()
	p.SetBlackout(true)
	p.wg.Wait()
	return err
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				p.log.Warn("wire proxy accept failed", "err", err)
			}
			return
		}
		p.mu.Lock()
		refuse := p.blackout || p.closed
		if !refuse {
			p.conns[c] = struct{}{}
			p.wg.Add(1)
		}
		p.mu.Unlock()
		if refuse {
			_ = c.Close()
			continue
		}
		go p.serve(c)
	}
}

func (p *Proxy) serve(client net.Conn) {
	defer p.wg.Done()
	defer p.forget(client)
	var d net.Dialer
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	backend, err := d.DialContext(ctx, "tcp", p.backend)
	cancel()
	if err != nil {
		p.log.Warn("wire proxy cannot reach backend", "backend", p.backend, "err", err)
		return
	}
	p.track(backend)
	defer p.forget(backend)
	for {
		req, err := readFrame(client)
		if err != nil {
			return
		}
		if d := p.currentDelay(); d > 0 {
			time.Sleep(d)
		}
		if err := p.roundTrip(client, backend, req); err != nil {
			return
		}
	}
}

// roundTrip forwards one request and every reply that belongs to it.
func (p *Proxy) roundTrip(client, backend net.Conn, req frame) error {
	if p.serialize {
		p.exchange.Lock()
		defer p.exchange.Unlock()
	}
	if _, err := backend.Write(req); err != nil {
		return err
	}
	if req.moreToCome() {
		return nil
	}
	for {
		reply, err := readFrame(backend)
		if err != nil {
			return err
		}
		if _, err := client.Write(reply); err != nil {
			return err
		}
		if !reply.moreToCome() {
			return nil
		}
	}
}

func (p *Proxy) currentDelay() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.delay
}

func (p *Proxy) track(c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.blackout || p.closed {
		_ = c.Close()
		return
	}
	p.conns[c] = struct{}{}
}

func (p *Proxy) forget(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	_ = c.Close()
}
