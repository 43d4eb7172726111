// Package process runs the real binary against the real API server and database: configuration,
// HTTP endpoints, JSON logs and the graceful stop on SIGTERM.
package process

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	coordinationv1 "k8s.io/api/coordination/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/erulabs/agentjob-sync/internal/localenv"
	"github.com/erulabs/agentjob-sync/tests/harness"
)

func TestMain(m *testing.M) { harness.Main(m) }

// build compiles the binary once per test run.
func build(t *testing.T) string {
	t.Helper()
	root, err := localenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "agentjob-sync")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/agentjob-sync")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().(*net.TCPAddr).Port
}

// logBuffer collects the process's stderr lines.
type logBuffer struct {
	mu    sync.Mutex
	lines []map[string]any
	raw   []string
}

func (l *logBuffer) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var m map[string]any
		_ = json.Unmarshal(sc.Bytes(), &m)
		l.mu.Lock()
		l.raw = append(l.raw, sc.Text())
		if m != nil {
			l.lines = append(l.lines, m)
		}
		l.mu.Unlock()
	}
}

func (l *logBuffer) find(match func(map[string]any) bool) map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, m := range l.lines {
		if match(m) {
			return m
		}
	}
	return nil
}

func (l *logBuffer) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.raw, "\n")
}

func get(url string) (int, string) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// all-in-one serves health, readiness and metrics, syncs jobs, logs JSON with the job's identity,
// and on SIGTERM stops cleanly well within a 30 s grace period, releasing its Lease.
func TestAllInOneServesSyncsAndStopsGracefully(t *testing.T) {
	bin := build(t)
	k := harness.SharedKube(t)
	m := harness.SharedMongo(t)
	ns := k.Namespace(t)
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	if err := k.Plane.KubeconfigFile(kubeconfig); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	cmd := exec.Command(bin, "all-in-one", "--log-level=debug")
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig, "DB_URL="+m.URI, fmt.Sprintf("PORT=%d", port),
		"CLUSTER_PROVIDER=local", "LISTEN_HOST=127.0.0.1", "POD_NAMESPACE="+ns, "WATCH_NAMESPACE="+ns)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go logs.read(stderr)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	harness.Eventually(t, 60*time.Second, func() error {
		if code, body := get(base + "/readyz"); code != http.StatusOK {
			return fmt.Errorf("/readyz %d %s", code, body)
		}
		return nil
	})
	if code, _ := get(base + "/healthz"); code != http.StatusOK {
		t.Errorf("/healthz %d", code)
	}

	owner := m.SeedUser(t)
	good := harness.NewAgentJob(ns, "good", owner)
	bad := harness.NewAgentJob(ns, "bad", "not-a-uuid")
	for _, aj := range []client.Object{good, bad} {
		if err := k.Client.Create(context.Background(), aj); err != nil {
			t.Fatal(err)
		}
	}
	harness.Eventually(t, 30*time.Second, func() error {
		for _, j := range harness.Array(m.UserDoc(t, owner)["jobs"]) {
			if harness.Doc(j)["id"] == string(good.UID) {
				return nil
			}
		}
		return fmt.Errorf("no entry for %s", good.UID)
	})
	harness.Eventually(t, 30*time.Second, func() error {
		persisted := logs.find(func(l map[string]any) bool {
			return l["level"] == "DEBUG" && l["msg"] == "entry persisted" && l["uid"] == string(good.UID) && l["user"] == owner && l["job"] == ns+"/good"
		})
		failed := logs.find(func(l map[string]any) bool {
			return l["level"] == "WARN" && l["uid"] == string(bad.UID) && l["reason"] == "invalid_owner"
		})
		if persisted == nil || failed == nil {
			return fmt.Errorf("log lines missing (persisted %v, failure %v)", persisted != nil, failed != nil)
		}
		return nil
	})
	_, metrics := get(base + "/metrics")
	for _, want := range []string{
		`agentjob_sync_events_total{type="add"}`, `agentjob_sync_grain_calls_total{method="Observe",outcome="persisted"}`,
		`agentjob_sync_entries_persisted_total{state="New"}`, `agentjob_sync_db_operation_duration_seconds_bucket`,
		`agentjob_sync_errors_total{reason="invalid_owner"}`, `agentjob_sync_active_grains`, `agentjob_sync_sync_lag_seconds_bucket`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(logs.text(), m.URI) {
		t.Error("the logs contain DB_URL")
	}

	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, tail(logs.text()))
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("still running 30 s after SIGTERM\n%s", tail(logs.text()))
	}
	t.Logf("stopped %s after SIGTERM", time.Since(start).Round(time.Millisecond))
	if logs.find(func(l map[string]any) bool { return l["msg"] == "stopped" }) == nil {
		t.Error("no 'stopped' log line")
	}
	var lease coordinationv1.Lease
	if err := k.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "agentjob-sync-watchhost"}, &lease); err != nil {
		t.Fatalf("lease: %v", err)
	}
	if h := lease.Spec.HolderIdentity; h != nil && *h != "" {
		t.Errorf("lease still held by %s after shutdown", *h)
	}
}

// Bad configuration stops the process at once with a message naming the variable.
func TestInvalidConfigurationExitsWithClearMessage(t *testing.T) {
	bin := build(t)
	secret := uuid.NewString()
	cmd := exec.Command(bin, "silo")
	cmd.Env = append(os.Environ(), "PORT=eighty", "DB_URL=postgres://u:"+secret+"@h/db")
	var out bytes.Buffer
	cmd.Stderr = &out
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("exit: %v", err)
	}
	for _, want := range []string{"PORT (--port)", "DB_URL (--db-url)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("message lacks %q: %s", want, out.String())
		}
	}
	if strings.Contains(out.String(), secret) {
		t.Errorf("message shows the password: %s", out.String())
	}
}

func tail(s string) string {
	if len(s) > 4000 {
		return s[len(s)-4000:]
	}
	return s
}
