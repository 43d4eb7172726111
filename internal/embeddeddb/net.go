package embeddeddb

import (
	"fmt"
	"net"
	"net/url"
	"time"
)

func hostPort(uri string) (string, error) {
	u, err := url.Parse(uri)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("embeddeddb: unexpected FerretDB address %q", uri)
	}
	return u.Host, nil
}

// waitListening polls until addr accepts TCP connections or the deadline passes.
func waitListening(addr string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			return c.Close()
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}
