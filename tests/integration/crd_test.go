package integration

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	agentjobv1 "github.com/erulabs/agentjob-sync/api/v1"
	"github.com/erulabs/agentjob-sync/tests/harness"
)

func TestCRDInstalledWithContract(t *testing.T) {
	k := harness.SharedKube(t)
	var crd apiextensionsv1.CustomResourceDefinition
	crdClient := k.Client
	ctx := context.Background()
	if err := crdClient.Get(ctx, types.NamespacedName{Name: "agentjobs.ea.erulabs.ai"}, &crd); err != nil {
		t.Fatalf("get CRD: %v", err)
	}
	if crd.Spec.Names.Kind != "AgentJob" || crd.Spec.Scope != apiextensionsv1.NamespaceScoped {
		t.Errorf("kind/scope = %s/%s", crd.Spec.Names.Kind, crd.Spec.Scope)
	}
	if got := crd.Spec.Names.ShortNames; len(got) != 1 || got[0] != "aj" {
		t.Errorf("short names = %v, want [aj]", got)
	}
	established := false
	for _, c := range crd.Status.Conditions {
		if c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue {
			established = true
		}
	}
	if !established {
		t.Error("CRD is not Established")
	}
	v := crd.Spec.Versions[0]
	if v.Name != "v1" || v.Subresources == nil || v.Subresources.Status == nil {
		t.Fatalf("version %s lacks the status subresource", v.Name)
	}
	var cols []string
	for _, c := range v.AdditionalPrinterColumns {
		cols = append(cols, c.Name)
	}
	if got := strings.Join(cols, ","); got != "AgentID,User,State,Synced,Age" {
		t.Errorf("printer columns = %s", got)
	}
}

// A platform-shaped object with free-form parameters, arbitrary node output and every documented
// field must be accepted and round-trip unpruned.
func TestAgentJobAcceptsPlatformObjects(t *testing.T) {
	k := harness.SharedKube(t)
	ns := k.Namespace(t)
	owner := uuid.NewString()
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "ea.erulabs.ai/v1",
		"kind":       "AgentJob",
		"metadata":   map[string]any{"name": "platform-shaped", "namespace": ns},
		"spec": map[string]any{
			"agentID": uuid.NewString(), "name": "Summarize inbox", "user": owner, "creator": uuid.NewString(),
			"nodes": []any{
				map[string]any{"alias": "a", "type": "llm", "parameters": map[string]any{
					"model": "x", "temperature": 0.2, "nested": map[string]any{"list": []any{1, "two", true}},
				}},
				map[string]any{"alias": "b", "type": "http"},
			},
			"edges":    []any{map[string]any{"from": []any{"a"}, "to": []any{"b"}}},
			"metadata": map[string]any{"created_at": "2025-01-02T03:04:05Z", "updated_at": "2025-01-02T03:04:06Z"},
		},
	}}
	ctx := context.Background()
	if err := k.Client.Create(ctx, obj); err != nil {
		t.Fatalf("create: %v", err)
	}
	obj.Object["status"] = map[string]any{
		"state": "executing", "message": "running",
		"nodes": []any{
			map[string]any{"alias": "a", "status": "completed", "output": map[string]any{"text": "hi"}, "lastUpdated": "2025-01-02T03:05:00Z"},
			map[string]any{"alias": "b", "status": "executing", "output": "plain string", "lastUpdated": "2025-01-02T03:05:01Z"},
		},
	}
	if err := k.Client.Status().Update(ctx, obj); err != nil {
		t.Fatalf("status update: %v", err)
	}
	var got agentjobv1.AgentJob
	if err := k.Client.Get(ctx, client.ObjectKeyFromObject(obj), &got); err != nil {
		t.Fatalf("get: %v", err)
	}
	var params map[string]any
	if err := json.Unmarshal(got.Spec.Nodes[0].Parameters.Raw, &params); err != nil {
		t.Fatalf("parameters: %v", err)
	}
	if nested, ok := params["nested"].(map[string]any); !ok || len(nested["list"].([]any)) != 3 {
		t.Errorf("free-form parameters were pruned: %v", params)
	}
	if got.Status.State != "executing" || len(got.Status.Nodes) != 2 || string(got.Status.Nodes[1].Output.Raw) != `"plain string"` {
		t.Errorf("status did not round-trip: %+v", got.Status)
	}
}

func TestAgentJobWithoutUserIsRejected(t *testing.T) {
	k := harness.SharedKube(t)
	ns := k.Namespace(t)
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "ea.erulabs.ai/v1", "kind": "AgentJob",
		"metadata": map[string]any{"name": "no-user", "namespace": ns},
		"spec":     map[string]any{"agentID": "a", "name": "n"},
	}}
	err := k.Client.Create(context.Background(), obj)
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "spec.user") {
		t.Fatalf("create without spec.user: got %v, want an Invalid error naming spec.user", err)
	}
}

func TestAgentJobUserIsImmutable(t *testing.T) {
	k := harness.SharedKube(t)
	ns := k.Namespace(t)
	ctx := context.Background()
	aj := harness.NewAgentJob(ns, "immutable", uuid.NewString())
	if err := k.Client.Create(ctx, aj); err != nil {
		t.Fatalf("create: %v", err)
	}
	aj.Spec.User = uuid.NewString()
	err := k.Client.Update(ctx, aj)
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "spec.user is immutable") {
		t.Fatalf("changing spec.user: got %v, want Invalid 'spec.user is immutable'", err)
	}
}

// Create, list, watch and status updates through the subresource: the operations the watch host
// and the job operator rely on.
func TestAgentJobLifecycleThroughAPIServer(t *testing.T) {
	k := harness.SharedKube(t)
	ns := k.Namespace(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	var list agentjobv1.AgentJobList
	w, err := k.Client.Watch(ctx, &agentjobv1.AgentJobList{}, client.InNamespace(ns))
	if err != nil {
		t.Fatalf("watch: %v", err)
	}
	defer w.Stop()

	owner := uuid.NewString()
	for _, name := range []string{"a", "b", "c"} {
		if err := k.Client.Create(ctx, harness.NewAgentJob(ns, name, owner)); err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
	}
	if err := k.Client.List(ctx, &list, client.InNamespace(ns)); err != nil {
		t.Fatalf("list: %v", err)
	}
	if len(list.Items) != 3 {
		t.Fatalf("listed %d AgentJobs, want 3", len(list.Items))
	}

	aj := list.Items[0].DeepCopy()
	specBefore := aj.Spec.Name
	aj.Status.State = "inactive"
	aj.Spec.Name = "changed through status" // the status subresource must ignore spec changes
	if err := k.Client.Status().Update(ctx, aj); err != nil {
		t.Fatalf("status update: %v", err)
	}
	var got agentjobv1.AgentJob
	if err := k.Client.Get(ctx, client.ObjectKeyFromObject(aj), &got); err != nil {
		t.Fatalf("get: %v", err)
	}
	if got.Status.State != "inactive" || got.Spec.Name != specBefore {
		t.Errorf("after status update: state=%q spec.name=%q", got.Status.State, got.Spec.Name)
	}
	if got.Generation != 1 {
		t.Errorf("a status update bumped generation to %d", got.Generation)
	}

	added, modified := 0, 0
	for added < 3 || modified < 1 {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				t.Fatal("watch closed early")
			}
			switch ev.Type {
			case "ADDED":
				added++
			case "MODIFIED":
				modified++
				if ev.Object.(metav1.Object).GetName() != aj.Name {
					t.Errorf("MODIFIED for %s, want %s", ev.Object.(metav1.Object).GetName(), aj.Name)
				}
			}
		case <-ctx.Done():
			t.Fatalf("watch saw %d adds and %d modifications before the deadline", added, modified)
		}
	}
}
