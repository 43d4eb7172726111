// Package dashboard tests the dashboard in a real headless browser (Debian's Chromium driven by
// playwright-core) against a three-silo test cluster with known jobs.
package dashboard

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	grainsv1 "github.com/erulabs/agentjob-sync/api/grains/v1"
	"github.com/erulabs/agentjob-sync/internal/dashboard"
	"github.com/erulabs/agentjob-sync/internal/silo"
	"github.com/erulabs/agentjob-sync/internal/web"
	"github.com/erulabs/agentjob-sync/tests/harness"
	"github.com/erulabs/agentjob-sync/tests/testcluster"
)

func TestMain(m *testing.M) { harness.Main(m) }

func serve(t *testing.T, s *silo.Silo, token string) string {
	t.Helper()
	srv, err := web.New("127.0.0.1:0", s.Deps.Metrics.Registry)
	if err != nil {
		t.Fatal(err)
	}
	srv.Handle("/dashboard/", dashboard.Handler(s, token))
	srv.Start()
	t.Cleanup(func() { _ = srv.Shutdown(t.Context()) })
	return "http://" + srv.Addr()
}

func observe(t *testing.T, s *silo.Silo, uid, owner, name, state string) {
	t.Helper()
	_, err := s.Observe(t.Context(), &grainsv1.ObserveRequest{Uid: uid, Namespace: "ea-platform", Name: name, Owner: owner,
		State: state, ObservedAt: timestamppb.Now()})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDashboardInBrowser(t *testing.T) {
	m := harness.SharedMongo(t)
	c := testcluster.New(t, m, 3, testcluster.Options{})
	members := c.Members()
	owner, other := m.SeedUser(t), m.SeedUser(t)
	var watched string
	for i := 0; i < 6; i++ {
		uid := uuid.NewString()
		observe(t, members[i%3], uid, owner, fmt.Sprintf("job-%d", i), "executing")
		observe(t, members[i%3], uid, owner, fmt.Sprintf("job-%d", i), "completed")
		if i == 0 {
			watched = uid
		}
	}
	for i := 0; i < 3; i++ {
		observe(t, members[i], uuid.NewString(), other, fmt.Sprintf("other-%d", i), "inactive")
	}
	orphan := uuid.NewString()
	observe(t, members[0], orphan, uuid.NewString(), "orphan", "") // its owner has no document

	root, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	artifacts := filepath.Join(root, "artifacts")
	cmd := exec.Command("node", "e2e.mjs")
	cmd.Env = append(os.Environ(),
		"DASHBOARD_URL="+serve(t, members[1], ""), // any member shows the whole cluster
		"ARTIFACTS="+artifacts, "EXPECT_MEMBERS=3", "EXPECT_GRAINS=10", "EXPECT_UNSYNCED=1",
		"SEARCH_UID="+watched, "SEARCH_USER="+owner, "EXPECT_USER_GRAINS=6",
		"EXPECT_STATE=Complete", "EXPECT_TIMELINE=2", "EXPECT_TIMELINE_STATES=Executing,Complete",
		"UNSYNCED_UID="+orphan, "UNSYNCED_REASON=user_not_found")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("node: %v (run npm ci in tests/dashboard)", err)
	}
	var out strings.Builder
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
		if sc.Text() == "READY" {
			observe(t, members[2], uuid.NewString(), other, "late", "executing")
			_, _ = io.WriteString(stdin, "go\n")
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("browser scenario failed: %v\n%s%s", err, out.String(), stderr.String())
	}
	t.Logf("%s", out.String())
	for _, f := range []string{"overview.png", "grain.png", "unsynced.png"} {
		if st, err := os.Stat(filepath.Join(artifacts, f)); err != nil || st.Size() == 0 {
			t.Errorf("screenshot %s missing: %v", f, err)
		}
	}
}

// With a token, the API refuses requests without it; the page itself carries no data.
func TestDashboardTokenProtectsTheAPI(t *testing.T) {
	m := harness.SharedMongo(t)
	c := testcluster.New(t, m, 1, testcluster.Options{})
	base := serve(t, c.Members()[0], "s3cret")
	get := func(path, token string) int {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, base+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	for _, tc := range []struct {
		path, token string
		want        int
	}{
		{"/dashboard/api/overview", "", http.StatusUnauthorized},
		{"/dashboard/api/overview", "wrong", http.StatusUnauthorized},
		{"/dashboard/api/overview", "s3cret", http.StatusOK},
		{"/dashboard/", "", http.StatusOK},
	} {
		if got := get(tc.path, tc.token); got != tc.want {
			t.Errorf("GET %s with token %q: %d, want %d", tc.path, tc.token, got, tc.want)
		}
	}
}
