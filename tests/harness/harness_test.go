package harness

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Stopping the harness leaves no kube-apiserver or etcd behind and frees the database port.
func TestStopLeavesNothingBehind(t *testing.T) {
	ctx := context.Background()
	k, err := NewKube(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dirs := k.Plane.ProcessDirs()
	if len(dirs) != 2 {
		t.Fatalf("expected etcd and API server folders, got %v", dirs)
	}
	if n := processesUsing(t, dirs); n != 2 {
		t.Fatalf("%d processes use the control plane's folders while it runs, want 2 (etcd, kube-apiserver)", n)
	}
	m, err := NewMongo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	addr := strings.TrimSuffix(strings.TrimPrefix(m.URI, "mongodb://"), "/")

	if err := k.Stop(); err != nil {
		t.Fatalf("stop control plane: %v", err)
	}
	if err := m.Stop(); err != nil {
		t.Fatalf("stop database: %v", err)
	}
	if n := processesUsing(t, dirs); n != 0 {
		t.Errorf("%d control plane processes still running after Stop", n)
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		_ = c.Close()
		t.Errorf("database port %s still accepts connections after Stop", addr)
	}
}

// processesUsing counts live processes whose command line mentions one of dirs.
func processesUsing(t *testing.T, dirs []string) int {
	t.Helper()
	cmdlines, err := filepath.Glob("/proc/[0-9]*/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range cmdlines {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // exited while we looked
		}
		stat, _ := os.ReadFile(filepath.Join(filepath.Dir(p), "stat"))
		if strings.Contains(string(stat), ") Z ") {
			continue // a zombie is not running
		}
		for _, d := range dirs {
			if strings.Contains(string(b), d) {
				n++
				break
			}
		}
	}
	return n
}
