package config

import (
	"bytes"
	"errors"
	"flag"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestDefaults(t *testing.T) {
	c, err := Load("silo", nil, env(nil), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 8080 || c.DBURL != "" || !c.Flags.New || !c.Flags.NodeStatus || !c.Finalizer || !c.LeaderElection ||
		c.IdleTimeout != 5*time.Minute || c.ClusterProvider != "kubernetes" || c.WatchNamespaces != nil {
		t.Errorf("defaults = %+v", c)
	}
}

func TestEnvAndFlagsFlagWins(t *testing.T) {
	c, err := Load("watchhost", []string{"--port=9090", "--watch-namespace=a, b"},
		env(map[string]string{"PORT": "7070", "FEATURE_COMPLETED_AGENT_JOBS": "false", "FEATURE_ERROR_AGENT_JOBS": "yes", "IDLE_TIMEOUT": "30s"}), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 9090 || c.Flags.Completed || c.Flags.Error || !c.Flags.Inactive || c.IdleTimeout != 30*time.Second ||
		strings.Join(c.WatchNamespaces, "|") != "a|b" {
		t.Errorf("config = %+v", c)
	}
}

func TestInvalidValuesNameTheVariableAndHideSecrets(t *testing.T) {
	_, err := Load("silo", nil, env(map[string]string{
		"PORT": "http", "IDLE_TIMEOUT": "-1s", "CLUSTER_PROVIDER": "consul",
		"DB_URL": "postgres://user:hunter2@db", "RETRY_BUDGET": "20s",
	}), &bytes.Buffer{})
	if err == nil {
		t.Fatal("invalid configuration accepted")
	}
	msg := err.Error()
	for _, want := range []string{"PORT (--port)", "IDLE_TIMEOUT", "CLUSTER_PROVIDER", "DB_URL (--db-url) = \"(redacted)\"", "REQUEST_TIMEOUT (10s) must exceed RETRY_BUDGET (20s)"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not mention %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "hunter2") {
		t.Errorf("error shows the secret:\n%s", msg)
	}
}

func TestHelpDocumentsEveryOption(t *testing.T) {
	var out bytes.Buffer
	_, err := Load("silo", []string{"--help"}, env(nil), &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("--help: %v", err)
	}
	for _, o := range options() {
		if !strings.Contains(out.String(), "--"+o.flag) || !strings.Contains(out.String(), "$"+o.env) {
			t.Errorf("help lacks --%s / $%s", o.flag, o.env)
		}
	}
}

func TestLogValueHidesSecrets(t *testing.T) {
	c := Config{DBURL: "mongodb://u:hunter2@h", DashboardToken: "tok3n"}
	if s := c.LogValue().String(); strings.Contains(s, "hunter2") || strings.Contains(s, "tok3n") {
		t.Errorf("log value shows a secret: %s", s)
	}
}
