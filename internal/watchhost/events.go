package watchhost

import (
	"context"
	"reflect"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	agentjobv1 "github.com/erulabs/agentjob-sync/api/v1"
)

// eventHandler enqueues the key of every relevant AgentJob event, counts events by type and
// notes when each key's event arrived. Updates that change only what this service writes are
// dropped, so its own status writes never loop back.
func (r *Reconciler) eventHandler() handler.TypedEventHandler[client.Object, reconcile.Request] {
	enqueue := func(typ string, obj client.Object, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
		r.Metrics.Events.WithLabelValues(typ).Inc()
		key := types.NamespacedName{Namespace: obj.GetNamespace(), Name: obj.GetName()}
		r.markSeen(key.String())
		q.Add(reconcile.Request{NamespacedName: key})
	}
	return handler.Funcs{
		CreateFunc: func(_ context.Context, e event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			enqueue("add", e.Object, q)
		},
		UpdateFunc: func(_ context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			switch {
			case e.ObjectOld.GetResourceVersion() == e.ObjectNew.GetResourceVersion():
				enqueue("resync", e.ObjectNew, q)
			case relevantChange(e.ObjectOld, e.ObjectNew):
				enqueue("update", e.ObjectNew, q)
			default:
				r.Metrics.Events.WithLabelValues("own_write").Inc()
			}
		},
		DeleteFunc: func(_ context.Context, e event.DeleteEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			enqueue("delete", e.Object, q)
		},
		GenericFunc: func(_ context.Context, e event.GenericEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			enqueue("generic", e.Object, q)
		},
	}
}

// relevantChange reports changes of anything the grain is told about.
func relevantChange(oldObj, newObj client.Object) bool {
	o, ok1 := oldObj.(*agentjobv1.AgentJob)
	n, ok2 := newObj.(*agentjobv1.AgentJob)
	if !ok1 || !ok2 {
		return true
	}
	return o.Generation != n.Generation ||
		o.Status.State != n.Status.State || o.Status.Message != n.Status.Message ||
		!reflect.DeepEqual(o.Status.Nodes, n.Status.Nodes) ||
		(o.DeletionTimestamp == nil) != (n.DeletionTimestamp == nil) ||
		!reflect.DeepEqual(o.Finalizers, n.Finalizers) ||
		!reflect.DeepEqual(o.Labels, n.Labels)
}
