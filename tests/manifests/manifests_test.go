// Package manifests renders the Helm chart and the kustomize base and applies every object to the
// real test API server with a server-side dry run, so schema, RBAC and reference errors show here.
package manifests

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/erulabs/agentjob-sync/internal/localenv"
	"github.com/erulabs/agentjob-sync/tests/harness"
)

func TestMain(m *testing.M) { harness.Main(m) }

func render(t *testing.T, args ...string) []*unstructured.Unstructured {
	t.Helper()
	root, err := localenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", append([]string{"-C", filepath.Join(root, "tools", "manifests"), "run", "."}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("render %v: %v\n%s", args, err, stderr.String())
	}
	return decode(t, out)
}

func decode(t *testing.T, b []byte) []*unstructured.Unstructured {
	t.Helper()
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(b), 4096)
	var objs []*unstructured.Unstructured
	for {
		u := &unstructured.Unstructured{}
		if err := dec.Decode(&u.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return objs
			}
			t.Fatalf("decode: %v", err)
		}
		if len(u.Object) > 0 {
			objs = append(objs, u)
		}
	}
}

// dryRunApply applies every object with a server-side dry run and fails on any rejection.
func dryRunApply(t *testing.T, k *harness.Kube, objs []*unstructured.Unstructured) map[string]int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	kinds := map[string]int{}
	for _, u := range objs {
		if u.GetNamespace() == "" && isNamespaced(u.GetKind()) {
			u.SetNamespace("ea-platform")
		}
		err := k.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner("manifests-check"), client.ForceOwnership, client.DryRunAll)
		if err != nil {
			t.Errorf("%s %s/%s rejected: %v", u.GetKind(), u.GetNamespace(), u.GetName(), err)
		}
		kinds[u.GetKind()]++
	}
	return kinds
}

func isNamespaced(kind string) bool {
	switch kind {
	case "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "Namespace":
		return false
	}
	return true
}

func prepare(t *testing.T) *harness.Kube {
	t.Helper()
	k := harness.SharedKube(t)
	ctx := context.Background()
	if err := k.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "ea-platform"}}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	crd, err := os.ReadFile("testdata/servicemonitor-crd.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range decode(t, crd) {
		if err := k.Client.Create(ctx, u); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
	harness.Eventually(t, 30*time.Second, func() error { // the new kind must be served before the dry run
		_, err := k.Client.RESTMapper().RESTMapping(schema.GroupKind{Group: "monitoring.coreos.com", Kind: "ServiceMonitor"}, "v1")
		return err
	})
	return k
}

var wantKinds = map[string]int{
	"ConfigMap": 1, "ServiceAccount": 2, "Role": 2, "RoleBinding": 2, "ClusterRole": 1, "ClusterRoleBinding": 1,
	"Deployment": 2, "Service": 2, "PodDisruptionBudget": 2, "NetworkPolicy": 1, "ServiceMonitor": 1,
}

func checkKinds(t *testing.T, got map[string]int, extra map[string]int) {
	t.Helper()
	for kind, n := range wantKinds {
		if got[kind] != n {
			t.Errorf("%d %s, want %d", got[kind], kind, n)
		}
	}
	for kind, n := range extra {
		if got[kind] != n {
			t.Errorf("%d %s, want %d", got[kind], kind, n)
		}
	}
}

func TestManifestsHelmChartDryRun(t *testing.T) {
	k := prepare(t)
	objs := render(t, "helm", "../../k8s/chart", "ea-platform", "agentjob-sync")
	checkKinds(t, dryRunApply(t, k, objs), nil)
	for _, u := range objs {
		if u.GetKind() != "Deployment" {
			continue
		}
		replicas, _, _ := unstructured.NestedInt64(u.Object, "spec", "replicas")
		want := map[string]int64{"agentjob-sync-silo": 3, "agentjob-sync-watchhost": 2}[u.GetName()]
		if replicas != want {
			t.Errorf("%s: %d replicas, want %d", u.GetName(), replicas, want)
		}
		containers, _, _ := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "containers")
		sc, _, _ := unstructured.NestedMap(containers[0].(map[string]any), "securityContext")
		if sc["readOnlyRootFilesystem"] != true || sc["runAsNonRoot"] != true || sc["allowPrivilegeEscalation"] != false {
			t.Errorf("%s: securityContext %v", u.GetName(), sc)
		}
	}
}

func TestManifestsKustomizeBaseDryRun(t *testing.T) {
	k := prepare(t)
	objs := render(t, "kustomize", "../../k8s/base")
	checkKinds(t, dryRunApply(t, k, objs), map[string]int{"CustomResourceDefinition": 1})
	for _, u := range objs {
		if isNamespaced(u.GetKind()) && u.GetNamespace() != "ea-platform" {
			t.Errorf("%s %s in namespace %q", u.GetKind(), u.GetName(), u.GetNamespace())
		}
	}
	if t.Failed() {
		fmt.Println("render with: go -C tools/manifests run . kustomize ../../k8s/base")
	}
}
