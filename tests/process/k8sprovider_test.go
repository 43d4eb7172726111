package process

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/cluster/clusterproviders/k8s"
	"github.com/google/uuid"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	grainsv1 "github.com/erulabs/agentjob-sync/api/grains/v1"
	"github.com/erulabs/agentjob-sync/internal/silo"
	"github.com/erulabs/agentjob-sync/tests/harness"
)

// Two silo processes find each other through Proto.Actor's Kubernetes provider on the real API
// server, and a grain moves to the survivor when one leaves. There is no kubelet: the test creates
// the Pod objects and marks them Running and Ready itself, and runs each silo in its own UTS and
// mount namespace so that its hostname is its pod's name and it finds its namespace where a pod would.
func TestKubernetesProviderFormsClusterAndMovesGrains(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("this test needs root to give each silo process its pod's hostname (unshare --uts --mount)")
	}
	bin := build(t)
	k := harness.SharedKube(t)
	m := harness.SharedMongo(t)
	ns := k.Namespace(t)
	clusterName := "k8s-" + uuid.NewString()[:8]
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	if err := k.Plane.KubeconfigFile(kubeconfig); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	pods := k.Clientset.CoreV1().Pods(ns)
	procs := map[string]*exec.Cmd{}
	exited := map[string]chan error{}
	for _, name := range []string{"silo-a", "silo-b"} {
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{"app.kubernetes.io/name": "agentjob-sync-silo"}},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "silo", Image: "agentjob-sync"}}},
		}
		created, err := pods.Create(ctx, pod, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		created.Status = corev1.PodStatus{
			Phase: corev1.PodRunning, PodIP: "127.0.0.1", PodIPs: []corev1.PodIP{{IP: "127.0.0.1"}},
			ContainerStatuses: []corev1.ContainerStatus{{Name: "silo", Ready: true, Image: "agentjob-sync"}},
		}
		if _, err := pods.UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		script := fmt.Sprintf(`hostname %s && mkdir -p /var/run/secrets && mount -t tmpfs tmpfs /var/run/secrets &&
mkdir -p /var/run/secrets/kubernetes.io/serviceaccount && printf %%s %s > /var/run/secrets/kubernetes.io/serviceaccount/namespace &&
exec %s silo`, name, ns, bin)
		cmd := exec.Command("unshare", "--uts", "--mount", "sh", "-c", script)
		cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig, "DB_URL="+m.URI, fmt.Sprintf("PORT=%d", freePort(t)),
			"CLUSTER_PROVIDER=kubernetes", "CLUSTER_NAME="+clusterName, "LISTEN_HOST=127.0.0.1", "LOG_LEVEL=warn")
		logs := &logBuffer{}
		stderr, _ := cmd.StderrPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go logs.read(stderr)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		procs[name], exited[name] = cmd, done
		t.Cleanup(func() { _ = cmd.Process.Kill() })
	}

	// The pods carry the provider's labels once each silo registered itself.
	ports := map[string]string{}
	harness.Eventually(t, 60*time.Second, func() error {
		for name := range procs {
			p, err := pods.Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if p.Labels[k8s.LabelCluster] != clusterName || p.Labels[k8s.LabelKind+"-AgentJob"] != "true" {
				return fmt.Errorf("%s labels %v", name, p.Labels)
			}
			ports[name] = p.Labels[k8s.LabelPort]
		}
		return nil
	})

	provider, err := k8s.NewWithConfig(k.Config)
	if err != nil {
		t.Fatal(err)
	}
	client, err := silo.Start(silo.Config{ClusterName: clusterName, Provider: provider})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Stop(true) })
	waitMembers := func(n int) {
		harness.Eventually(t, 60*time.Second, func() error {
			if got := client.Cluster.MemberList.Length(); got != n {
				return fmt.Errorf("client sees %d members, want %d", got, n)
			}
			return nil
		})
	}
	waitMembers(2)

	owner := m.SeedUser(t)
	var jobs []string
	hostOf := func(uid, state string) string {
		t.Helper()
		req := &grainsv1.ObserveRequest{Uid: uid, Namespace: ns, Name: uid[:8], Owner: owner, State: state}
		var resp *grainsv1.ObserveResponse
		harness.Eventually(t, 30*time.Second, func() (err error) {
			resp, err = client.Observe(ctx, req)
			return err
		})
		if resp.Outcome != grainsv1.Outcome_OUTCOME_PERSISTED {
			t.Fatalf("observe %s: %s %s", uid, resp.Outcome, resp.Message)
		}
		return resp.Member
	}
	addrA, addrB := "127.0.0.1:"+ports["silo-a"], "127.0.0.1:"+ports["silo-b"]
	onA := map[string]bool{}
	hosts := map[string]int{}
	for i := 0; i < 20; i++ {
		uid := uuid.NewString()
		jobs = append(jobs, uid)
		h := hostOf(uid, "executing")
		hosts[h]++
		onA[uid] = h == addrA
	}
	if hosts[addrA] == 0 || hosts[addrB] == 0 || hosts[addrA]+hosts[addrB] != len(jobs) {
		t.Fatalf("grains spread over %v, want both %s and %s", hosts, addrA, addrB)
	}

	if err := procs["silo-a"].Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited["silo-a"]:
		if err != nil {
			t.Fatalf("silo-a exit: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("silo-a still running 30 s after SIGTERM")
	}
	waitMembers(1)
	for _, uid := range jobs {
		if h := hostOf(uid, "completed"); h != addrB {
			t.Errorf("job %s (was on silo-a: %v) answered by %s after silo-a left, want %s", uid, onA[uid], h, addrB)
		}
	}
	for _, j := range harness.Array(m.UserDoc(t, owner)["jobs"]) {
		if e := harness.Doc(j); e["status"] != "Complete" {
			t.Errorf("entry %v not Complete", e)
		}
	}
}
