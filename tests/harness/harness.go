// Package harness starts the real components integration tests run against: a kube-apiserver with
// etcd and the AgentJob CRD, and the embedded MongoDB-wire server. Each test package shares one of
// each (started on first use, stopped by Main) and isolates itself with its own namespaces and users.
package harness

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/mongo"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	agentjobv1 "github.com/erulabs/agentjob-sync/api/v1"
	"github.com/erulabs/agentjob-sync/internal/embeddeddb"
	"github.com/erulabs/agentjob-sync/internal/localenv"
)

// Kube is a running control plane and clients for it.
type Kube struct {
	Plane     *localenv.ControlPlane
	Config    *rest.Config
	Client    client.WithWatch
	Clientset kubernetes.Interface
}

// Mongo is a running embedded database and a client for it.
type Mongo struct {
	Server *embeddeddb.Server
	URI    string
	Client *mongo.Client
	dir    string
}

// Scheme knows the built-in kinds and AgentJob.
func Scheme() *runtime.Scheme {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		panic(err) // static registration; cannot fail at run time
	}
	if err := apiextensionsv1.AddToScheme(s); err != nil {
		panic(err)
	}
	if err := agentjobv1.AddToScheme(s); err != nil {
		panic(err)
	}
	return s
}

// NewKube starts a control plane that the caller must Stop.
func NewKube(ctx context.Context) (*Kube, error) {
	cp, err := localenv.StartControlPlane(ctx)
	if err != nil {
		return nil, err
	}
	c, err := client.NewWithWatch(cp.Config, client.Options{Scheme: Scheme()})
	if err != nil {
		_ = cp.Stop()
		return nil, err
	}
	cs, err := kubernetes.NewForConfig(cp.Config)
	if err != nil {
		_ = cp.Stop()
		return nil, err
	}
	return &Kube{Plane: cp, Config: cp.Config, Client: c, Clientset: cs}, nil
}

// Stop stops the control plane.
func (k *Kube) Stop() error { return k.Plane.Stop() }

// NewMongo starts an embedded database in a fresh temporary folder that the caller must Stop.
func NewMongo(ctx context.Context) (*Mongo, error) {
	dir, err := os.MkdirTemp("", "agentjob-db-")
	if err != nil {
		return nil, err
	}
	srv, err := localenv.StartDatabase(dir)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	c, err := localenv.Connect(ctx, srv.URI())
	if err != nil {
		_ = srv.Close()
		_ = os.RemoveAll(dir)
		return nil, err
	}
	return &Mongo{Server: srv, URI: srv.URI(), Client: c, dir: dir}, nil
}

// Stop disconnects, stops the server and removes its data.
func (m *Mongo) Stop() error {
	_ = m.Client.Disconnect(context.Background())
	err := m.Server.Close()
	if rmErr := os.RemoveAll(m.dir); err == nil {
		err = rmErr
	}
	return err
}

var shared struct {
	sync.Mutex
	kube     *Kube
	kubeErr  error
	mongo    *Mongo
	mongoErr error
}

// SharedKube returns the package's control plane, starting it on first use.
func SharedKube(tb testing.TB) *Kube {
	tb.Helper()
	shared.Lock()
	defer shared.Unlock()
	if shared.kube == nil && shared.kubeErr == nil {
		shared.kube, shared.kubeErr = NewKube(context.Background())
	}
	if shared.kubeErr != nil {
		tb.Fatalf("start control plane: %v", shared.kubeErr)
	}
	return shared.kube
}

// SharedMongo returns the package's embedded database, starting it on first use.
func SharedMongo(tb testing.TB) *Mongo {
	tb.Helper()
	shared.Lock()
	defer shared.Unlock()
	if shared.mongo == nil && shared.mongoErr == nil {
		shared.mongo, shared.mongoErr = NewMongo(context.Background())
	}
	if shared.mongoErr != nil {
		tb.Fatalf("start embedded database: %v", shared.mongoErr)
	}
	return shared.mongo
}

// Main runs a package's tests and then stops whatever they shared. Use it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	shared.Lock()
	if shared.kube != nil {
		if err := shared.kube.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "harness: stop control plane: %v\n", err)
			code = 1
		}
	}
	if shared.mongo != nil {
		if err := shared.mongo.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "harness: stop embedded database: %v\n", err)
			code = 1
		}
	}
	shared.Unlock()
	os.Exit(code)
}
