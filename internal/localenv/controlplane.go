// Package localenv starts the real components a local run needs — a kube-apiserver with etcd and the
// embedded MongoDB-wire server — for the integration tests, the benchmarks and `make demo`.
package localenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// ControlPlane is a running kube-apiserver and etcd with the AgentJob CRD installed.
type ControlPlane struct {
	env    *envtest.Environment
	Config *rest.Config
}

// StartControlPlane starts etcd and kube-apiserver from BinDir() and installs the CRDs in k8s/crd.
func StartControlPlane(ctx context.Context) (*ControlPlane, error) {
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	if n := reapOrphans(bin); n > 0 {
		fmt.Fprintf(os.Stderr, "localenv: killed %d orphaned control plane processes of an earlier run\n", n)
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory:    bin,
		CRDDirectoryPaths:        []string{filepath.Join(root, "k8s", "crd")},
		ErrorIfCRDPathMissing:    true,
		ControlPlaneStartTimeout: 90 * time.Second,
		ControlPlaneStopTimeout:  30 * time.Second,
	}
	cfg, err := env.Start()
	if err != nil {
		_ = env.Stop()
		return nil, fmt.Errorf("start control plane: %w", err)
	}
	// The demo and benchmarks drive thousands of requests; client-go's default 5 QPS would measure
	// the client's rate limiter instead of the server.
	cfg.QPS = -1
	return &ControlPlane{env: env, Config: cfg}, nil
}

// Stop terminates kube-apiserver and etcd and removes their temporary folders.
func (c *ControlPlane) Stop() error { return c.env.Stop() }

// KubeconfigFile writes an admin kubeconfig for the control plane to path, for humans and tools.
func (c *ControlPlane) KubeconfigFile(path string) error {
	user, err := c.env.ControlPlane.AddUser(envtest.User{Name: "demo-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return err
	}
	b, err := user.KubeConfig()
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

// ProcessDirs are folders only this control plane's processes use (etcd data, API server certs);
// tests look for processes still referring to them after Stop.
func (c *ControlPlane) ProcessDirs() []string {
	cp := c.env.ControlPlane
	var dirs []string
	if cp.Etcd != nil && cp.Etcd.DataDir != "" {
		dirs = append(dirs, cp.Etcd.DataDir)
	}
	if cp.APIServer != nil && cp.APIServer.CertDir != "" {
		dirs = append(dirs, cp.APIServer.CertDir)
	}
	return dirs
}

// BinDir is where kube-apiserver and etcd are built (`make tools`): $AGENTJOB_BIN_DIR or <repo>/bin.
func BinDir() (string, error) {
	dir := os.Getenv("AGENTJOB_BIN_DIR")
	if dir == "" {
		root, err := RepoRoot()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(root, "bin")
	}
	for _, name := range []string{"kube-apiserver", "etcd"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return "", fmt.Errorf("%s not found in %s: run `make tools` first: %w", name, dir, err)
		}
	}
	return dir, nil
}

// RepoRoot is the folder holding this module's go.mod, found from the working directory upwards.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && containsModule(b) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the agentjob-sync repository (no go.mod found upwards)")
		}
		dir = parent
	}
}

func containsModule(gomod []byte) bool {
	const want = "module github.com/erulabs/agentjob-sync\n"
	return len(gomod) >= len(want) && string(gomod[:len(want)]) == want
}
