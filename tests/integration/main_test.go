// Package integration proves the ground the service stands on against the real parts: the AgentJob
// CRD on a real kube-apiserver, and the embedded MongoDB-wire server.
package integration

import (
	"testing"

	"github.com/erulabs/agentjob-sync/tests/harness"
)

func TestMain(m *testing.M) { harness.Main(m) }
